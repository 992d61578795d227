"""A generator named by a path: the official checkpoint, an Exercise 3 run, or its weights file.

``translate.py`` and ``export_onnx.py`` take ``--model M`` and must turn any path a student types
into a generator, or into a message that says what the file is and what to give instead. Three
kinds of path are generators:

* the official ``facades_label2photo.pth`` (the default, from ``download_pretrained.py``);
* an Exercise 3 run folder: its ``config.json`` says which U-Net to build, ``generator.pt``
  holds the weights;
* a ``generator.pt`` (or ``generator_epoch_N.pt``) inside such a folder.

Each comes with a :class:`ModelInfo`: what the generator translates and at which size. An
exported ``.onnx`` carries the same facts in its metadata (:mod:`pix2pix.weights.onnx_export`).
Used by ``translate.py``, ``export_onnx.py`` and the "Paint a facade" page's instructions.
"""

from dataclasses import dataclass
from pathlib import Path

from pix2pix.checkpoints import CHECKPOINT_NAME, CONFIG_NAME, load_trained_generator
from pix2pix.datasets.facades import CLASS_NAMES, LABEL_SIZE, MODEL_PALETTE
from pix2pix.errors import FixableError
from pix2pix.paths import FACADES_CHECKPOINT
from pix2pix.weights.official import (
    CheckpointError,
    create_facades_generator,
    load_state_dict_file,
)

KINDS = ("facades", "sketch")  # label maps -> photos; black-on-white drawings -> colour
CHOICES = ("--model takes the official checkpoint (`python download_pretrained.py` puts it in "
           "checkpoints/), an Exercise 3 run folder such as runs/exercise3_synthetic_quick, its "
           "generator.pt, or a .onnx file written by export_onnx.py.")


class ModelFileError(FixableError, ValueError):
    """A ``--model`` path that is not a usable generator; the message names the fix."""


@dataclass
class ModelInfo:
    """What a generator translates, and at which size."""

    kind: str  # one of KINDS
    image_size: int  # side of the square input and output
    source: str  # the path it was loaded from, for messages

    @property
    def classes(self):
        """The facade classes as ``[(name, (r, g, b)), ...]`` in the model's palette, or []."""
        if self.kind != "facades":
            return []
        return [(name, tuple(int(c) for c in rgb)) for name, rgb in zip(CLASS_NAMES,
                                                                         MODEL_PALETTE)]

    def describe(self):
        """'facades model, 256x256' for a terminal."""
        return f"{self.kind} model, {self.image_size}x{self.image_size}"


def load_generator(path=FACADES_CHECKPOINT, device="cpu"):
    """Build the generator that ``path`` names and load its weights strictly.

    Args:
        path: the official checkpoint, a run folder, or a weights file inside a run folder.
        device: where to put the network.

    Returns:
        ``(generator, info)``: a :class:`~pix2pix.models.UNetGenerator` and its
        :class:`ModelInfo`.

    Raises:
        ModelFileError: the path is missing or not one of the three kinds; the message says
            what it is and what to give instead.
    """
    path = Path(path)
    if path.suffix == ".onnx":
        raise ModelFileError(f"{path} is already an exported ONNX file. Translate with it "
                             f"directly: python translate.py --model {path} IMAGE")
    if path.is_dir() or (path.parent / CONFIG_NAME).is_file():
        if path.name == CHECKPOINT_NAME:
            raise ModelFileError(f"{path} is the run's resume file. Give the run folder "
                                 f"{path.parent} or its generator.pt.")
        if path.is_dir() and not (path / CONFIG_NAME).is_file():
            raise ModelFileError(f"{path} has no config.json, so it is not an Exercise 3 run "
                                 f"folder. {CHOICES}")
        generator, config = load_trained_generator(path, device)  # names the fix if it fails
        return generator, ModelInfo("sketch", config.image_size, str(path))
    return _load_official_generator(path, device)


def _load_official_generator(path, device):
    """The official facades generator, or a message saying what the file is instead."""
    if not path.exists():
        if path == FACADES_CHECKPOINT:
            raise ModelFileError(f"No official weights at {path}. Run "
                                 "`python download_pretrained.py`, or give another --model.")
        raise ModelFileError(f"No file or folder at {path}. {CHOICES}")
    try:
        generator = create_facades_generator(path, device)
    except CheckpointError:
        raise ModelFileError(_what_the_file_is(path)) from None
    return generator, ModelInfo("facades", LABEL_SIZE, str(path))


def _what_the_file_is(path):
    """Why a file that failed to load as the official generator is not a generator we know."""
    try:
        state = load_state_dict_file(path)
    except CheckpointError:
        return f"{path} is not a PyTorch checkpoint (nor an .onnx file). {CHOICES}"
    keys = list(state) if isinstance(state, dict) else []
    if "generator" in keys and "discriminator" in keys:
        return (f"{path} is a training run's resume file (G, D and both optimizers). Give the run "
                "folder that holds it, with its config.json and generator.pt.")
    if any(str(key).startswith("encoder.") for key in keys):
        return (f"{path} holds the weights of an Exercise 3 generator, but no config.json lies "
                "beside it to say which U-Net it is (image size, ngf, norm). Copy the run's "
                "config.json next to it, or give the run folder.")
    return (f"{path} holds the weights of another network (e.g. {', '.join(map(str, keys[:2]))}"
            f"), not the pix2pix unet_256 generator. {CHOICES}")
