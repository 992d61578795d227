"""pix2pix: the small package behind the course's exercises and pages.

Scripts and pages import from here; this package never imports a script.
"""

from pix2pix.device import pick_device
from pix2pix.losses import LAMBDA_L1, discriminator_loss, generator_loss
from pix2pix.models import (DiscriminatorConfig, GeneratorConfig, PatchGANDiscriminator,
                            UNetGenerator, count_parameters, init_weights)
from pix2pix.official import CheckpointError, create_facades_generator

__all__ = [
    "CheckpointError",
    "DiscriminatorConfig",
    "GeneratorConfig",
    "LAMBDA_L1",
    "PatchGANDiscriminator",
    "UNetGenerator",
    "count_parameters",
    "create_facades_generator",
    "discriminator_loss",
    "generator_loss",
    "init_weights",
    "pick_device",
]
