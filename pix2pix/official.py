"""The official pretrained generator file: its key names, and safe, strict loading.

The official ``facades_label2photo.pth`` is a bare ``state_dict`` of junyanz's recursive
``UnetGenerator``, whose tensors have nested names such as ``model.model.1.model.1.weight``.
Our :class:`~pix2pix.models.UNetGenerator` names the same tensors after what they are
(``encoder.1.conv.weight``). This module holds the explicit mapping between the two, and the one
place where a checkpoint file is opened. Used by exercises 1 and 2 and by
``download_pretrained.py``.

Two rules hold everywhere:

* ``torch.load(..., weights_only=True)``: a checkpoint is untrusted input, and a full pickle can
  run any code when it is loaded. The weights-only loader accepts tensors and plain containers.
* ``load_state_dict(..., strict=True)``: a missing or unexpected tensor is an error, never a
  silently random layer that turns the output into grey mush.
"""

import torch

from pix2pix.errors import FixableError
from pix2pix.models import GeneratorConfig, UNetGenerator
from pix2pix.paths import FACADES_CHECKPOINT

DOWNLOAD_HINT = ("Run `python download_pretrained.py` (add --force to replace a bad file), or, "
                 "without internet, install a copy you were given with "
                 "`python download_pretrained.py --from-file PATH`.")


class CheckpointError(FixableError, ValueError):
    """A file that is not the checkpoint we expect; the message says what is wrong and the fix."""


def official_module_names(config=None):
    """Map each layer of our generator to its name in the official recursive ``UnetGenerator``.

    The official network nests one ``UnetSkipConnectionBlock`` per level, each holding an
    ``nn.Sequential`` called ``model`` whose layers are ``[down..., inner block, up...]``:

    =============  ==========  ===========  ===========  ========  =======
    level          down conv   down norm    inner block  up conv   up norm
    =============  ==========  ===========  ===========  ========  =======
    outermost      0           --           1            3         --
    middle         1           2            3            5         6
    innermost      1           --           --           3         4
    =============  ==========  ===========  ===========  ========  =======

    So level 1 (outermost) is ``model``, level 2 is ``model.model.1``, level 3 is
    ``model.model.1.model.3``, level 4 ``model.model.1.model.3.model.3``, and so on.

    Args:
        config: the generator's :class:`~pix2pix.models.GeneratorConfig` (default ``unet_256``).

    Returns:
        dict from our module name (``"encoder.1.norm"``) to the official one
        (``"model.model.1.model.2"``).
    """
    depth = (config or GeneratorConfig()).num_downs

    def block(level):  # the nn.Sequential of the block at this level (1 = outermost)
        if level == 1:
            return "model.model."
        return "model.model.1." + "model.3." * (level - 2) + "model."

    names = {"encoder.0.conv": block(1) + "0", "output.conv": block(1) + "3"}
    for index in range(1, depth - 1):  # middle levels 2 .. depth-1
        level = index + 1
        names[f"encoder.{index}.conv"] = block(level) + "1"
        names[f"encoder.{index}.norm"] = block(level) + "2"
        # decoder steps run innermost first, so decoder.1 belongs to level depth-1
        names[f"decoder.{depth - level}.conv"] = block(level) + "5"
        names[f"decoder.{depth - level}.norm"] = block(level) + "6"
    names[f"encoder.{depth - 1}.conv"] = block(depth) + "1"
    names["decoder.0.conv"] = block(depth) + "3"
    names["decoder.0.norm"] = block(depth) + "4"
    return names


def _renamed_key(key, module_names):
    """Rename the module part of ``module.leaf`` through ``module_names`` (if it is there)."""
    module, _, leaf = key.rpartition(".")
    return f"{module_names.get(module, module)}.{leaf}"


def _rename(state_dict, module_names):
    """The same tensors, every key renamed by :func:`_renamed_key`."""
    return {_renamed_key(key, module_names): tensor for key, tensor in state_dict.items()}


def to_official_state_dict(state_dict, config=None):
    """Our generator's ``state_dict`` under the official key names (e.g. to build test files)."""
    return _rename(state_dict, official_module_names(config))


def from_official_state_dict(state_dict, config=None):
    """Turn an official-format ``state_dict`` into one that loads strictly into our generator.

    Accepts the three forms the official file is found in: the bare state dict; the same with
    every key prefixed ``module.`` (saved from a ``DataParallel`` wrapper); and the 2017 format
    without BatchNorm's ``num_batches_tracked`` counters (the facades model predates PyTorch 0.4.1,
    which added them; they only count training steps, so 0 changes no output).

    Args:
        state_dict: mapping from official key names to tensors.
        config: the generator's :class:`~pix2pix.models.GeneratorConfig`.

    Returns:
        A new dict with our key names and exactly our generator's keys.

    Raises:
        CheckpointError: keys are missing or unexpected; the message names them and the fix.
    """
    if not isinstance(state_dict, dict) or not all(isinstance(k, str) for k in state_dict):
        raise CheckpointError("The file does not hold a state dict (a mapping from layer names "
                              f"to tensors) but a {type(state_dict).__name__}. {DOWNLOAD_HINT}")
    if state_dict and all(key.startswith("module.") for key in state_dict):
        state_dict = {key[len("module."):]: value for key, value in state_dict.items()}

    official_to_ours = {v: k for k, v in official_module_names(config).items()}
    ours = _rename(state_dict, official_to_ours)
    expected = UNetGenerator(config).state_dict()

    counters = {key for key in expected if key.endswith(".num_batches_tracked")}
    if counters and not counters & ours.keys():
        ours.update({key: torch.zeros((), dtype=torch.long) for key in counters})

    missing = sorted(expected.keys() - ours.keys())
    unexpected = sorted(ours.keys() - expected.keys())
    official_names = official_module_names(config)
    if missing or unexpected:
        raise CheckpointError(
            "This is not a checkpoint of the official pix2pix unet_256 generator: "
            f"{_describe(missing, 'missing', official_names)}"
            f"{_describe(unexpected, 'unexpected', {})}{DOWNLOAD_HINT}")
    wrong = [key for key in expected if ours[key].shape != expected[key].shape]
    if wrong:
        key = wrong[0]
        raise CheckpointError(
            f"{len(wrong)} tensors have the wrong shape, e.g. {_renamed_key(key, official_names)}"
            f" is {tuple(ours[key].shape)} instead of {tuple(expected[key].shape)}. "
            f"{DOWNLOAD_HINT}")
    return ours


def _describe(keys, what, official_names):
    """'3 missing keys (model.model.0.weight, ...). ' in the official names where known."""
    if not keys:
        return ""
    shown = ", ".join(_renamed_key(key, official_names) for key in keys[:4])
    more = ", ..." if len(keys) > 4 else ""
    return f"{len(keys)} {what} keys ({shown}{more}). "


def load_state_dict_file(path):
    """Open a checkpoint file safely: tensors and plain containers only, never code.

    Args:
        path: file to read.

    Returns:
        Whatever the file holds (a dict of tensors for a state dict), on the CPU.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is not a PyTorch checkpoint, or it holds objects that the
            weights-only loader refuses (a pickle that could run code).
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as error:  # torch raises several types for "not a weights-only file"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(f"{path} is not a safe PyTorch checkpoint and was not loaded "
                              f"({reason}). {DOWNLOAD_HINT}") from None


def create_facades_generator(path=FACADES_CHECKPOINT, device="cpu"):
    """Build the official ``facades_label2photo`` generator and load its weights strictly.

    Args:
        path: the official checkpoint; by default where ``download_pretrained.py`` puts it.
        device: where to put the network.

    Returns:
        A :class:`~pix2pix.models.UNetGenerator` with the official weights, in training mode,
        which is how the paper runs it at test time (per-image statistics, dropout on).

    Raises:
        CheckpointError: the checkpoint is missing or is not the official generator; the
            message gives the command that fixes it.
    """
    try:
        state_dict = load_state_dict_file(path)
    except FileNotFoundError:
        raise CheckpointError(f"No pretrained generator at {path}. {DOWNLOAD_HINT}") from None
    generator = UNetGenerator()
    generator.load_state_dict(from_official_state_dict(state_dict), strict=True)
    return generator.to(device)
