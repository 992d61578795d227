"""pix2pix: the small package behind the course's exercises and pages.

Scripts and pages import from here or from the modules themselves; this package never imports a
script. The names below are the ones a student's own code is most likely to need.
"""

from pix2pix.checkpoints import load_trained_generator
from pix2pix.config import TrainConfig
from pix2pix.device import pick_device
from pix2pix.errors import FixableError
from pix2pix.datasets.facade_design import FacadeDesign, design_facade
from pix2pix.datasets.facades import (CLASS_NAMES, CMP_PALETTE, MODEL_PALETTE, LabelError,
                                      ids_to_rgb, read_label)
from pix2pix.images import to_batch, to_tensor, to_uint8
from pix2pix.inference import translate
from pix2pix.losses import LAMBDA_L1, discriminator_loss, generator_loss
from pix2pix.models import (DiscriminatorConfig, GeneratorConfig, PatchGANDiscriminator,
                            UNetGenerator, count_parameters, init_weights)
from pix2pix.weights.official import CheckpointError, create_facades_generator
from pix2pix.step import Pix2Pix

__all__ = [
    "CLASS_NAMES",
    "CMP_PALETTE",
    "CheckpointError",
    "DiscriminatorConfig",
    "FacadeDesign",
    "FixableError",
    "GeneratorConfig",
    "LAMBDA_L1",
    "LabelError",
    "MODEL_PALETTE",
    "PatchGANDiscriminator",
    "Pix2Pix",
    "TrainConfig",
    "UNetGenerator",
    "count_parameters",
    "create_facades_generator",
    "design_facade",
    "discriminator_loss",
    "generator_loss",
    "ids_to_rgb",
    "init_weights",
    "load_trained_generator",
    "pick_device",
    "read_label",
    "to_batch",
    "to_tensor",
    "to_uint8",
    "translate",
]
