"""Facts about the two networks: sizes, shapes, the 70x70 patch, initialisation."""

import pytest
import torch
import torch.nn as nn

from pix2pix.models import (DiscriminatorConfig, GeneratorConfig, PatchGANDiscriminator,
                            UNetGenerator, count_parameters, init_weights)
from pix2pix.probes import receptive_field, receptive_field_from_layers


def test_generator_has_the_official_unet_256_parameter_count():
    assert count_parameters(UNetGenerator()) == 54_413_955


def test_discriminator_has_the_paper_70x70_patchgan_parameter_count():
    assert count_parameters(PatchGANDiscriminator()) == 2_768_705


def test_generator_keeps_the_image_size_and_outputs_in_tanh_range():
    generator = UNetGenerator().eval()
    with torch.no_grad():
        fake_image = generator(torch.randn(2, 3, 256, 256))
    assert fake_image.shape == (2, 3, 256, 256)
    assert fake_image.abs().max() <= 1


def test_generator_refuses_sizes_it_cannot_halve_eight_times():
    with pytest.raises(ValueError, match="multiples of 256"):
        UNetGenerator()(torch.randn(1, 3, 200, 200))


def test_patchgan_scores_a_256_pair_on_a_30x30_grid_of_logits():
    logits = PatchGANDiscriminator()(torch.randn(2, 3, 256, 256), torch.randn(2, 3, 256, 256))
    assert logits.shape == (2, 1, 30, 30)
    assert logits.min() < 0 < logits.max()  # raw logits: no sigmoid squashes them into (0, 1)


def test_patchgan_judges_a_grey_input_beside_a_colour_target():
    config = DiscriminatorConfig(input_channels=1, target_channels=3, ndf=8)
    logits = PatchGANDiscriminator(config)(torch.randn(2, 1, 64, 64), torch.randn(2, 3, 64, 64))
    assert config.in_channels == 4 and logits.shape == (2, 1, 6, 6)


def test_generator_runs_on_crops_that_are_not_square():
    generator = UNetGenerator(GeneratorConfig(ngf=4, num_downs=6)).eval()
    with torch.no_grad():
        assert generator(torch.randn(1, 3, 64, 128)).shape == (1, 3, 64, 128)


def test_generator_output_depends_on_the_skip_connections():
    generator = init_weights(UNetGenerator()).eval()
    input_image = torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        before = generator(input_image)
        # cut the path through the bottleneck: only skips can still carry the input through
        generator.encoder[-1].conv.weight.zero_()
        after_cut = generator(input_image)
        other = generator(torch.randn(1, 3, 256, 256))
    assert not torch.allclose(after_cut, other)  # the input still reaches the output
    assert not torch.allclose(before, after_cut)


@pytest.mark.parametrize("config, size", [
    (GeneratorConfig(ngf=8, norm="instance"), 256),
    (GeneratorConfig(ngf=8, num_downs=7), 128),
    (GeneratorConfig(ngf=8, norm="none", dropout=False), 256),
])
def test_smaller_generator_variants_build_and_run(config, size):
    generator = UNetGenerator(config)
    assert generator(torch.randn(2, 3, size, size)).shape == (2, 3, size, size)


def test_dropout_sits_in_the_three_innermost_concatenating_decoder_steps():
    with_dropout = [isinstance(block.dropout, nn.Dropout) for block in UNetGenerator().decoder]
    assert with_dropout == [False, True, True, True, False, False, False]


def test_init_weights_draws_convolutions_from_n0_002_and_norm_scales_from_n1_002():
    generator = init_weights(UNetGenerator())
    conv = generator.decoder[1].conv.weight
    norm = generator.decoder[1].norm
    assert abs(conv.mean().item()) < 1e-3 and abs(conv.std().item() - 0.02) < 1e-3
    assert abs(norm.weight.mean().item() - 1) < 5e-3
    assert abs(norm.weight.std().item() - 0.02) < 5e-3
    assert torch.count_nonzero(norm.bias) == 0
    assert torch.count_nonzero(generator.output.conv.bias) == 0


def test_encoder_decoder_is_the_unet_without_its_skips():
    unet = UNetGenerator(GeneratorConfig(ngf=8, num_downs=6))
    plain = UNetGenerator(GeneratorConfig(ngf=8, num_downs=6, skips=False)).eval()
    assert count_parameters(plain) < count_parameters(unet)
    with torch.no_grad():
        plain.encoder[-1].conv.weight.zero_()  # cut the bottleneck: nothing else reaches out
        outputs = [plain(torch.randn(1, 3, 64, 64)) for _ in range(2)]
    assert torch.allclose(*outputs)  # the input cannot get around the bottleneck


@pytest.mark.parametrize("patch", [1, 16, 34, 70])
def test_each_patch_size_builds_the_discriminator_it_names(patch):
    discriminator = init_weights(PatchGANDiscriminator(DiscriminatorConfig(ndf=8,
                                                                           patch_size=patch)))
    field = receptive_field(discriminator, image_size=128)
    assert (field.height, field.width) == (patch, patch)
    assert receptive_field_from_layers(discriminator) == patch


def test_the_286_imagegan_sees_a_whole_256_image_from_one_logit():
    discriminator = PatchGANDiscriminator(DiscriminatorConfig(ndf=2, patch_size=286))
    assert receptive_field_from_layers(discriminator) == 286
    field = receptive_field(discriminator, image_size=256)
    # clipped by the image: all of it but the first row and column, 143 pixels left of centre
    assert field.height >= 255 and field.width >= 255


def test_an_unconditional_discriminator_never_reads_the_input_image():
    discriminator = PatchGANDiscriminator(DiscriminatorConfig(ndf=8, conditional=False)).eval()
    target = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        scores = [discriminator(torch.randn(1, 3, 64, 64), target) for _ in range(2)]
    assert torch.equal(*scores)
    assert discriminator.model[0].in_channels == 3
