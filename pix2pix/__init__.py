"""pix2pix: the small package behind the course's exercises and pages.

Scripts and pages import from here; this package never imports a script.
"""

from pix2pix.device import pick_device
from pix2pix.facades import (CLASS_NAMES, CMP_PALETTE, MODEL_PALETTE, FacadeDesign, LabelError,
                             design_facade, ids_to_rgb, load_label, validate_label)
from pix2pix.inference import translate
from pix2pix.losses import LAMBDA_L1, discriminator_loss, generator_loss
from pix2pix.models import (DiscriminatorConfig, GeneratorConfig, PatchGANDiscriminator,
                            UNetGenerator, count_parameters, init_weights)
from pix2pix.official import CheckpointError, create_facades_generator

__all__ = [
    "CLASS_NAMES",
    "CMP_PALETTE",
    "CheckpointError",
    "DiscriminatorConfig",
    "FacadeDesign",
    "GeneratorConfig",
    "LAMBDA_L1",
    "LabelError",
    "MODEL_PALETTE",
    "PatchGANDiscriminator",
    "UNetGenerator",
    "count_parameters",
    "create_facades_generator",
    "design_facade",
    "discriminator_loss",
    "generator_loss",
    "ids_to_rgb",
    "init_weights",
    "load_label",
    "pick_device",
    "translate",
    "validate_label",
]
