"""The settings of a training run, their defaults, and the networks they describe.

:class:`TrainConfig` is saved as ``config.json`` in every run folder: it is how a trained
``generator.pt`` is rebuilt later (:func:`pix2pix.checkpoints.load_trained_generator`) and how a
resumed run checks that it continues the same networks. Used by :mod:`pix2pix.train`, exercise 3
and the benchmarks.
"""

import math
from dataclasses import dataclass, fields
from typing import Optional

from pix2pix.errors import FixableError
from pix2pix.losses import LAMBDA_L1
from pix2pix.models import PATCH_SIZES, DiscriminatorConfig, GeneratorConfig

# What a resumed run may change: how long it trains, and where and how fast it runs. Every other
# setting changes what is learnt (the networks, the optimizer, the loss, the subset, the seed),
# so a resumed run keeps the one it started with (pix2pix.checkpoints.check_same_settings). The
# folders may move: a run folder or a data set copied to another disk is the same run.
MAY_CHANGE_ON_RESUME = ("epochs", "data_root", "out_dir", "workers", "device", "cache",
                        "log_every", "preflight_steps", "num_samples", "sample_names")
# The paper's objectives (section 4.2, table 1): L1 alone, the conditional GAN alone, both; and
# the unconditional GAN, whose D never sees the input. "l1" trains no discriminator at all.
OBJECTIVES = ("l1", "cgan", "l1+cgan", "gan", "l1+gan")
GENERATORS = ("unet", "encoder-decoder")  # section 4.3: with and without skip connections
NORMS = ("batch", "instance", "none")  # pix2pix.models.make_norm_layer builds each
# Which side of a pair is the input x, as the official --direction: AtoB reads A (an aligned
# file's left half, A/, this course's sketches/) as x; BtoA reads B as x (facades: label -> photo).
DIRECTIONS = ("AtoB", "BtoA")
IMAGE_CHANNELS = (1, 3)  # grey or RGB


class ConfigError(FixableError, ValueError):
    """A setting that cannot work; the message names the flag and a value that does."""


@dataclass
class TrainConfig:
    """Settings of a run; the defaults are the paper's and the course's."""

    data_root: str = ""  # a folder of pairs in one of the layouts of pix2pix.data
    out_dir: str = ""  # the run folder: checkpoints, log, figures
    epochs: int = 100
    batch_size: int = 4  # per process; the paper used 1 (facades) to 10 (maps)
    lr: float = 2e-4
    beta1: float = 0.5  # lower than Adam's 0.9: less momentum keeps the GAN game stable
    beta2: float = 0.999
    lambda_l1: float = LAMBDA_L1  # the weight of L1 when the objective has it
    lr_decay: bool = True  # official schedule: constant for half the epochs, then linear to 0
    image_size: int = 256  # a power of two, the crops' (short) side; the U-Net halves it to 1
    load_size: Optional[int] = None  # the jitter's resize before the crop; None: 286 for 256
    direction: str = "AtoB"  # one of DIRECTIONS
    input_nc: int = 3  # channels of x: 3 (RGB) or 1 (grey), as the official --input_nc
    output_nc: int = 3  # channels of y, and so of G(x)
    ngf: int = 64
    ndf: int = 64
    norm: str = "batch"
    objective: str = "l1+cgan"  # one of OBJECTIVES; pix2pix is l1+cgan
    generator: str = "unet"  # one of GENERATORS
    patch_size: int = 70  # D's receptive field: 1 (PixelGAN), 16, 34, 70, 142 or 286 (ImageGAN)
    train_limit: Optional[int] = None  # use only the first N training pairs
    val_limit: Optional[int] = None
    cache: bool = False  # decode the PNGs once into a uint8 file per split (pix2pix.data)
    num_samples: int = 4  # val examples drawn in the milestone grids
    sample_names: tuple = ()  # which ones, by file name without suffix (default: the first)
    workers: int = 4
    seed: int = 0
    device: str = "auto"
    log_every: int = 10  # steps between progress-bar updates and NaN checks
    preflight_steps: int = 5

    def __post_init__(self):
        self.sample_names = tuple(self.sample_names)  # config.json stores a list
        checks = [
            (self.epochs >= 1, f"--epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"--batch-size must be at least 1, got {self.batch_size}"),
            (self.ngf >= 1 and self.ndf >= 1,
             f"--ngf and --ndf must be at least 1 (the paper: 64), got {self.ngf}, {self.ndf}"),
            # NaN fails every comparison; infinity passes "> 0" and makes every weight NaN
            (math.isfinite(self.lr) and self.lr > 0,
             f"--lr must be a positive number (the paper: 2e-4), got {self.lr}"),
            (math.isfinite(self.lambda_l1) and self.lambda_l1 >= 0,
             f"--lambda-l1 must be a number, 0 or more (the paper: 100), got {self.lambda_l1}"),
            (self.objective != "l1" or self.lambda_l1 > 0,
             "--objective l1 with --lambda-l1 0 trains on nothing: L1 is its only term. Give "
             "--lambda-l1 above 0 (the paper: 100), or --objective cgan for the GAN alone"),
            (self.workers >= 0, f"--workers must be 0 or more, got {self.workers}"),
            (self.norm in NORMS,
             f"--norm must be batch, instance or none, got {self.norm!r}"),
            (self.objective in OBJECTIVES,
             f"--objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}"),
            (self.generator in GENERATORS,
             f"--generator must be unet or encoder-decoder, got {self.generator!r}"),
            (self.patch_size in PATCH_SIZES,
             f"--patch must be one of {', '.join(map(str, PATCH_SIZES))}, got {self.patch_size}"),
            (self.direction in DIRECTIONS,
             f"--direction must be AtoB or BtoA, got {self.direction!r}"),
            (self.input_nc in IMAGE_CHANNELS and self.output_nc in IMAGE_CHANNELS,
             "--input-nc and --output-nc must be 1 (grey) or 3 (RGB), got "
             f"{self.input_nc}, {self.output_nc}"),
            (self.load_size is None or self.load_size >= self.image_size,
             f"--load-size must be at least the image size {self.image_size} (the pictures are "
             f"resized to it, then cropped back to {self.image_size}), got {self.load_size}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        num_downs = round(math.log2(self.image_size)) if self.image_size > 0 else 0
        if 2 ** num_downs != self.image_size or num_downs < 5:
            raise ConfigError(f"the image size must be a power of two >= 32 (the U-Net halves "
                              f"it down to 1x1), got {self.image_size}")
        if self.patch_size == 286 and self.image_size < 64:
            raise ConfigError("the 286x286 ImageGAN needs images of 64x64 or more: its four "
                              "stride-2 layers leave nothing of a smaller one")

    @classmethod
    def from_dict(cls, values):
        """A config from a saved ``config.json``; settings it does not know keep their defaults."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    @property
    def has_discriminator(self):
        """Whether the objective has an adversarial term (all but "l1")."""
        return self.objective != "l1"

    @property
    def l1_weight(self):
        """lambda for the objectives with an L1 term, 0 for the GAN-only ones."""
        return self.lambda_l1 if self.objective.startswith("l1") else 0.0

    def generator_config(self):
        """The U-Net (or encoder-decoder) for this image size: one halving per level down to
        a 1x1 bottleneck (1xk for crops k times as wide as high)."""
        return GeneratorConfig(in_channels=self.input_nc, out_channels=self.output_nc,
                               ngf=self.ngf, num_downs=round(math.log2(self.image_size)),
                               norm=self.norm, skips=self.generator == "unet")

    def discriminator_config(self):
        """The PatchGAN of this patch size, conditional unless the objective is "gan"/"l1+gan";
        None for the L1-only objective."""
        if not self.has_discriminator:
            return None
        return DiscriminatorConfig(input_channels=self.input_nc, target_channels=self.output_nc,
                                   ndf=self.ndf, norm=self.norm, patch_size=self.patch_size,
                                   conditional=self.objective.endswith("cgan"))
