"""pix2pix.probes: shapes and receptive fields measured on the real modules."""

import pytest
import torch

from pix2pix.models import (DiscriminatorConfig, GeneratorConfig, PatchGANDiscriminator,
                            UNetGenerator, init_weights)
from pix2pix.probes import feature_maps, receptive_field, receptive_field_from_layers

SMALL_UNET = GeneratorConfig(ngf=8, num_downs=6)


@pytest.mark.parametrize("config, size", [(GeneratorConfig(), 256), (SMALL_UNET, 64)])
def test_unet_diagram_channels_are_the_modules_channels(config, size):
    generator = UNetGenerator(config)
    maps = {m.name: m for m in feature_maps(generator, image_size=size)}
    for i, block in enumerate(generator.encoder):
        assert maps[f"encoder {i + 1}"].channels == block.conv.out_channels
    receivers = list(generator.decoder[1:]) + [generator.output]
    for i, (block, receiver) in enumerate(zip(generator.decoder, receivers)):
        drawn = maps[f"decoder {i + 1}"]
        assert drawn.channels == block.conv.out_channels
        # what the diagram shows as "skip + upsampled" is what the next step takes in
        assert drawn.skip_channels + drawn.channels == receiver.conv.in_channels
    assert maps["output"].channels == config.out_channels


def test_unet_diagram_sizes_halve_down_to_1x1_then_double_back():
    maps = feature_maps(UNetGenerator(SMALL_UNET), image_size=64)
    sizes = [m.size for m in maps]
    assert sizes == [64, 32, 16, 8, 4, 2, 1, 2, 4, 8, 16, 32, 64]


def test_feature_maps_leave_the_generator_unchanged():
    generator = UNetGenerator(SMALL_UNET).train()
    feature_maps(generator, image_size=64)
    assert generator.training
    assert all(not block._forward_hooks for block in generator.encoder)


def test_patchgan_sees_70x70_patches_on_a_30x30_grid():
    field = receptive_field(PatchGANDiscriminator())
    assert field.grid == (30, 30)
    assert (field.height, field.width) == (70, 70)
    assert field.logits.shape == (30, 30)


def test_probed_receptive_field_matches_the_kernels_and_strides():
    for patch, size in [(70, 256), (34, 128), (16, 64)]:
        discriminator = PatchGANDiscriminator(DiscriminatorConfig(ndf=8, patch_size=patch))
        field = receptive_field(discriminator, image_size=size)
        assert field.height == field.width == receptive_field_from_layers(discriminator)
    assert receptive_field_from_layers(PatchGANDiscriminator()) == 70


def test_neighbouring_patches_are_8_pixels_apart():
    discriminator = PatchGANDiscriminator(DiscriminatorConfig(ndf=8))
    centre = receptive_field(discriminator, logit=(15, 15))
    right = receptive_field(discriminator, logit=(15, 16))
    assert right.left - centre.left == 8  # three stride-2 layers: 2**3


def test_corner_patch_is_cut_by_the_image_border():
    field = receptive_field(PatchGANDiscriminator(DiscriminatorConfig(ndf=8)), logit=(0, 0))
    assert (field.top, field.left) == (0, 0)
    assert field.height < 70


def test_patchgan_sees_70x70_patches():
    field = receptive_field(init_weights(PatchGANDiscriminator()), logit=(15, 15))
    assert (field.height, field.width) == (70, 70)


def test_fewer_discriminator_layers_see_smaller_patches():
    discriminator = init_weights(PatchGANDiscriminator(DiscriminatorConfig(patch_size=16)))
    field = receptive_field(discriminator, logit=(30, 30))
    assert (field.height, field.width) == (16, 16)  # the paper's 16x16 PatchGAN


def test_the_probe_measures_any_module_called_with_two_images():
    class StudentPatchGAN(torch.nn.Module):  # no .config, as a Re-code student's module
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(6, 1, kernel_size=3, padding=1)

        def forward(self, input_image, other_image):
            return self.conv(torch.cat([input_image, other_image], dim=1))

    field = receptive_field(StudentPatchGAN(), image_size=16)
    assert (field.height, field.width) == (3, 3)
