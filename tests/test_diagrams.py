"""The Concepts page's figures are measured from the real modules and say what the paper says."""

import importlib.util

import pytest
import torch

from pix2pix.diagrams import (probe_receptive_field, receptive_field_from_layers,
                              unet_feature_maps)
from pix2pix.models import (DiscriminatorConfig, GeneratorConfig, PatchGANDiscriminator,
                            UNetGenerator)
from pix2pix.official import to_official_state_dict
from pix2pix.paths import PROJECT_ROOT

SMALL_UNET = GeneratorConfig(ngf=8, num_downs=6)


def load_make_figures():
    """docs/make_figures.py is a script, not a package module: load it from its file."""
    spec = importlib.util.spec_from_file_location("make_figures",
                                                  PROJECT_ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("config, size", [(GeneratorConfig(), 256), (SMALL_UNET, 64)])
def test_unet_diagram_channels_are_the_modules_channels(config, size):
    generator = UNetGenerator(config)
    maps = {m.name: m for m in unet_feature_maps(generator, image_size=size)}
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
    maps = unet_feature_maps(UNetGenerator(SMALL_UNET), image_size=64)
    sizes = [m.size for m in maps]
    assert sizes == [64, 32, 16, 8, 4, 2, 1, 2, 4, 8, 16, 32, 64]


def test_unet_feature_maps_leave_the_generator_unchanged():
    generator = UNetGenerator(SMALL_UNET).train()
    unet_feature_maps(generator, image_size=64)
    assert generator.training
    assert all(not block._forward_hooks for block in generator.encoder)


def test_patchgan_sees_70x70_patches_on_a_30x30_grid():
    field = probe_receptive_field(PatchGANDiscriminator())
    assert field.grid == (30, 30)
    assert (field.height, field.width) == (70, 70)
    assert field.logits.shape == (30, 30)


def test_probed_receptive_field_matches_the_kernels_and_strides():
    for num_layers, size in [(3, 256), (2, 128), (1, 64)]:
        discriminator = PatchGANDiscriminator(DiscriminatorConfig(ndf=8, num_layers=num_layers))
        field = probe_receptive_field(discriminator, image_size=size)
        assert field.height == field.width == receptive_field_from_layers(discriminator)
    assert receptive_field_from_layers(PatchGANDiscriminator()) == 70


def test_neighbouring_patches_are_8_pixels_apart():
    discriminator = PatchGANDiscriminator(DiscriminatorConfig(ndf=8))
    centre = probe_receptive_field(discriminator, logit=(15, 15))
    right = probe_receptive_field(discriminator, logit=(15, 16))
    assert right.left - centre.left == 8  # three stride-2 layers: 2**3


def test_corner_patch_is_cut_by_the_image_border():
    field = probe_receptive_field(PatchGANDiscriminator(DiscriminatorConfig(ndf=8)), logit=(0, 0))
    assert (field.top, field.left) == (0, 0)
    assert field.height < 70


def test_make_figures_writes_the_model_figures(tmp_path, capsys):
    assert load_make_figures().main(["--out", str(tmp_path)]) == 0
    for name in ["unet.png", "patchgan_receptive_field.png"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "unet.png" in capsys.readouterr().out


def test_make_figures_with_weights_draws_the_official_generator(tmp_path):
    checkpoint = tmp_path / "facades_label2photo.pth"
    torch.save(to_official_state_dict(UNetGenerator().state_dict()), checkpoint)
    code = load_make_figures().main(["--out", str(tmp_path), "--with-weights",
                                     "--checkpoint", str(checkpoint)])
    assert code == 0
    assert (tmp_path / "official_first_filters.png").stat().st_size > 1000


def test_make_figures_without_weights_names_the_download_command(tmp_path, capsys):
    code = load_make_figures().main(["--out", str(tmp_path), "--with-weights",
                                     "--checkpoint", str(tmp_path / "missing.pth")])
    assert code == 1
    assert "python download_pretrained.py" in capsys.readouterr().err
