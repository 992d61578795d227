"""pix2pix.config: a run's settings are checked, saved with the run, and build its networks."""

import json
from dataclasses import asdict

import pytest
import torch

from pix2pix.checkpoints import check_same_settings, read_config, write_config
from pix2pix.config import ConfigError, TrainConfig
from pix2pix.models import PatchGANDiscriminator, UNetGenerator
from pix2pix.weights.official import CheckpointError


def bottleneck_shape(generator, input_image):
    """(output shape, shape of the innermost encoder step's output) of one forward pass."""
    shapes = []
    hook = generator.encoder[-1].register_forward_hook(lambda *args: shapes.append(args[2].shape))
    with torch.no_grad():
        output = generator.eval()(input_image)
    hook.remove()
    return output.shape, tuple(shapes[0][-2:])


@pytest.mark.parametrize("size, levels", [(64, 6), (128, 7), (256, 8), (512, 9)])
def test_the_unets_depth_follows_the_image_size_down_to_a_1x1_bottleneck(size, levels):
    config = TrainConfig(image_size=size, ngf=2)
    generator = UNetGenerator(config.generator_config())
    assert config.generator_config().num_downs == levels == len(generator.encoder)
    output, bottleneck = bottleneck_shape(generator, torch.randn(1, 3, size, size))
    assert output == (1, 3, size, size) and bottleneck == (1, 1)


def test_a_crop_twice_as_wide_as_high_keeps_a_1x2_bottleneck():
    generator = UNetGenerator(TrainConfig(image_size=64, ngf=2).generator_config())
    output, bottleneck = bottleneck_shape(generator, torch.randn(1, 3, 64, 128))
    assert output == (1, 3, 64, 128) and bottleneck == (1, 2)


def test_grey_inputs_or_targets_set_the_networks_channels():
    config = TrainConfig(image_size=32, ngf=2, ndf=2, input_nc=1, output_nc=3)
    generator = UNetGenerator(config.generator_config())
    discriminator = PatchGANDiscriminator(config.discriminator_config())
    assert generator(torch.randn(2, 1, 32, 32)).shape == (2, 3, 32, 32)
    assert discriminator.model[0].in_channels == 4  # x beside y: 1 + 3
    unconditional = TrainConfig(objective="gan", input_nc=1, output_nc=3).discriminator_config()
    assert unconditional.in_channels == 3  # y alone


@pytest.mark.parametrize("settings, message", [
    (dict(direction="AB"), "--direction must be AtoB or BtoA, got 'AB'"),
    (dict(input_nc=2), "--input-nc and --output-nc must be 1 (grey) or 3 (RGB), got 2, 3"),
    (dict(output_nc=4), "--input-nc and --output-nc must be 1 (grey) or 3 (RGB), got 3, 4"),
    (dict(image_size=128, load_size=100),
     "--load-size must be at least the image size 128 (the pictures are resized to it, then "
     "cropped back to 128), got 100"),
    (dict(image_size=200), "the image size must be a power of two >= 32"),
])
def test_a_setting_that_cannot_work_names_its_flag(settings, message):
    with pytest.raises(ConfigError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        TrainConfig(**settings)


def test_the_run_folders_config_keeps_direction_channels_and_sizes(tmp_path):
    config = TrainConfig(direction="BtoA", input_nc=1, output_nc=3, image_size=128,
                         load_size=150)
    write_config(tmp_path, config)
    assert read_config(tmp_path) == config
    saved = json.loads((tmp_path / "config.json").read_text())
    assert (saved["direction"], saved["input_nc"], saved["load_size"]) == ("BtoA", 1, 150)


def test_a_config_saved_before_directions_and_channels_reads_as_atob_rgb(tmp_path):
    old = {k: v for k, v in asdict(TrainConfig()).items()
           if k not in ("direction", "input_nc", "output_nc", "load_size")}
    (tmp_path / "config.json").write_text(json.dumps(old))
    config = read_config(tmp_path)
    assert (config.direction, config.input_nc, config.output_nc, config.load_size) == (
        "AtoB", 3, 3, None)


def test_resuming_in_the_other_direction_or_with_other_channels_is_refused(tmp_path):
    write_config(tmp_path, TrainConfig(direction="BtoA", input_nc=1))
    with pytest.raises(CheckpointError, match=r"direction BtoA \(now AtoB\), input_nc 1 \(now 3\)"):
        check_same_settings(tmp_path, TrainConfig())
