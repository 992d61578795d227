"""The official pretrained generator file: its key names, and safe, strict loading.

The official ``facades_label2photo.pth`` is a bare ``state_dict`` of junyanz's recursive
``UnetGenerator``, whose tensors have nested names such as ``model.model.1.model.1.weight``.
Our :class:`~pix2pix.models.UNetGenerator` names the same tensors after what they are
(``encoder.1.conv.weight``). This module holds the explicit mapping between the two, and the one
place where a checkpoint file is opened. Used by exercises 1 and 2 and by
``download_pretrained.py``.

Three rules hold everywhere:

* ``torch.load(..., weights_only=True)``: a checkpoint is untrusted input, and a full pickle can
  run any code when it is loaded. The weights-only loader accepts tensors and plain containers.
  A file that is not a checkpoint (a saved web page, random bytes) is named for what it is.
* ``load_state_dict(..., strict=True)``: a missing or unexpected tensor is an error, never a
  silently random layer that turns the output into grey mush.
* weights with the right names and shapes but never trained (:func:`untrained_signs`) load, with
  a warning that says so: they too would draw grey mush.
"""

import math
import re
import warnings

import torch

from pix2pix.errors import FixableError, FixableWarning
from pix2pix.models import GeneratorConfig, UNetGenerator
from pix2pix.paths import FACADES_CHECKPOINT

DOWNLOAD_HINT = ("Run `python download_pretrained.py` (add --force to replace a bad file), or, "
                 "without internet, install a copy you were given with "
                 "`python download_pretrained.py --from-file PATH`.")


class CheckpointError(FixableError, ValueError):
    """A file that is not the checkpoint we expect; the message says what is wrong and the fix."""


class UntrainedWeightsWarning(FixableWarning):
    """A file with the generator's layers whose values were never trained."""


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


def from_official_state_dict(state_dict, config=None, name="The file"):
    """Turn an official-format ``state_dict`` into one that loads strictly into our generator.

    Accepts the three forms the official file is found in: the bare state dict; the same with
    every key prefixed ``module.`` (saved from a ``DataParallel`` wrapper); and the 2017 format
    without BatchNorm's ``num_batches_tracked`` counters (the facades model predates PyTorch 0.4.1,
    which added them; they only count training steps, so 0 changes no output).

    Args:
        state_dict: mapping from official key names to tensors.
        config: the generator's :class:`~pix2pix.models.GeneratorConfig`.
        name: what the messages call the file the dict came from.

    Returns:
        A new dict with our key names and exactly our generator's keys.

    Raises:
        CheckpointError: keys are missing or unexpected; the message names them and the fix.
    """
    if not isinstance(state_dict, dict) or not all(isinstance(k, str) for k in state_dict):
        raise CheckpointError(f"{name} does not hold a state dict (a mapping from layer names "
                              f"to tensors) but a {type(state_dict).__name__}.",
                              fix=DOWNLOAD_HINT)
    if state_dict and all(key.startswith("module.") for key in state_dict):
        state_dict = {key[len("module."):]: value for key, value in state_dict.items()}

    official_to_ours = {v: k for k, v in official_module_names(config).items()}
    ours = _rename(state_dict, official_to_ours)
    with torch.device("meta"):  # names and shapes only, without allocating 218 MB for them
        expected = UNetGenerator(config).state_dict()

    counters = {key for key in expected if key.endswith(".num_batches_tracked")}
    if counters and not counters & ours.keys():
        ours.update({key: torch.zeros((), dtype=torch.long) for key in counters})

    missing = sorted(expected.keys() - ours.keys())
    unexpected = sorted(ours.keys() - expected.keys())
    official_names = official_module_names(config)
    if missing or unexpected:
        reason = (f"{name} is not a checkpoint of the official pix2pix unet_256 generator: "
                  f"{_describe(missing, 'missing', official_names)}"
                  f"{_describe(unexpected, 'unexpected', {})}")
        raise CheckpointError(reason.rstrip(), fix=DOWNLOAD_HINT)
    wrong = [key for key in expected if ours[key].shape != expected[key].shape]
    if wrong:
        key = wrong[0]
        raise CheckpointError(
            f"{name} is not the official generator: {len(wrong)} tensors have the wrong shape, "
            f"e.g. {_renamed_key(key, official_names)} is {tuple(ours[key].shape)} instead of "
            f"{tuple(expected[key].shape)}.", fix=DOWNLOAD_HINT)
    return ours


def _describe(keys, what, official_names):
    """'3 missing keys (model.model.0.weight, ...). ' in the official names where known."""
    if not keys:
        return ""
    shown = ", ".join(_renamed_key(key, official_names) for key in keys[:4])
    more = ", ..." if len(keys) > 4 else ""
    return f"{len(keys)} {what} keys ({shown}{more}). "


# -----------------------------------------------------------------------------
# Opening a file: a checkpoint, or a message that says what the file is instead

ZIP_MAGIC = b"PK\x03\x04"  # torch.save's format since PyTorch 1.6 is a zip archive
PICKLE_MAGIC = b"\x80"  # the format before it (the 2017 official file) is a bare pickle


def looks_like_html(head):
    """True when a file's first bytes are a web page (an error, login or "we moved" page).

    A checkpoint starts with ``PK`` (a zip) or a pickle opcode, never with ``<``.
    """
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def what_else(head):
    """What a file is, from its first bytes, when it cannot be a PyTorch checkpoint; else None."""
    if not head:
        return "an empty file, not a PyTorch checkpoint"
    if looks_like_html(head):
        return ("an HTML page, not a PyTorch checkpoint: a web page (a server's error, login or "
                "\"file moved\" page) saved under the checkpoint's name")
    if head.startswith(ZIP_MAGIC) or head.startswith(PICKLE_MAGIC):
        return None
    if all(byte >= 32 or byte in b"\t\n\r" for byte in head):  # no control bytes: text
        return "a text file, not a PyTorch checkpoint"
    return ("not a PyTorch checkpoint: it starts neither like the zip archive torch.save writes "
            "nor like an older pickle (random or damaged bytes)")


def _load_failure(error):
    """Why ``torch.load(weights_only=True)`` refused a file that starts like a checkpoint.

    PyTorch's own message suggests loading the file with ``weights_only=False``: exactly what must
    never be done with a file from elsewhere, since a full pickle runs any code it holds. So its
    message is read, never repeated.
    """
    text = str(error)
    refused = re.search(r"Unsupported (?:global|class):? (?:GLOBAL )?([\w.]+)", text)
    if refused:
        return (f"holds pickled Python objects besides tensors ({refused.group(1)}), which "
                "could run code when loaded: it is not a safe PyTorch checkpoint and was not "
                "loaded")
    if isinstance(error, RuntimeError) and re.search(r"zip archive|EOF|corrupted", text):
        return ("is a damaged or incomplete PyTorch checkpoint: it was cut short or changed "
                "after it was saved")
    return f"is not a readable PyTorch checkpoint ({type(error).__name__}): damaged or another file"


def load_state_dict_file(path, name=None, fix=DOWNLOAD_HINT):
    """Open a checkpoint file safely: tensors and plain containers only, never code.

    Args:
        path: file to read.
        name: what the messages call the file (default: ``path``), e.g. the file a student gave
            when ``path`` is a temporary copy of it.
        fix: the messages' last sentence, what to do (default: get the official file again).

    Returns:
        Whatever the file holds (a dict of tensors for a state dict), on the CPU.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is not a PyTorch checkpoint (the message says what it is), or
            it holds objects that the weights-only loader refuses (a pickle that could run code).
    """
    name = name or path
    with open(path, "rb") as file:
        head = file.read(1024)
    other = what_else(head)
    if other:
        raise CheckpointError(f"{name} is {other}.", fix=fix)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for "not a weights-only file"
        raise CheckpointError(f"{name} {_load_failure(error)}.", fix=fix) from None


# -----------------------------------------------------------------------------
# Do the weights look trained?

INIT_STD = 0.02  # the paper's initialisation: every convolution weight drawn from N(0, 0.02)
# BatchNorm starts its running statistics at mean 0 and variance 1 exactly; training moves them
# to the statistics of real feature maps (means of order 0.1, variances from 0.01 to 100). A
# layer within 1e-4 of the start is untouched: an untrained file is exactly there, a trained one
# is a thousand times farther at least.
STATS_TOLERANCE = 1e-4
# The standard deviation of n draws from N(0, 0.02) is 0.02 give or take 0.02 / sqrt(2n) (the
# standard error of a sample standard deviation): a layer within 4 of those errors of 0.02 still
# has the spread it was born with (that is 1.3% for the first layer's 3,072 weights, 0.14% for a
# 4-million-weight layer). An untrained layer lands outside once in 16,000; Adam moves every
# weight by up to lr = 2e-4 a step, and thousands of steps change a trained layer's spread by
# tens of percent, ten or more of those errors.
STD_ERRORS = 4
UNTOUCHED_CONV_SHARE = 0.75  # a few layers may stay close by chance; three quarters may not


def untrained_signs(state_dict):
    """Signs that a generator's weights were never trained, in words; empty when there are none.

    Args:
        state_dict: a generator's weights under our key names (see
            :func:`from_official_state_dict`).

    Returns:
        A list of sentences: BatchNorm statistics at their initial values in every layer, and
        convolutions with the spread of the N(0, 0.02) initialisation in most layers.
    """
    norms = sorted(key.removesuffix(".running_var") for key in state_dict
                   if key.endswith(".running_var"))
    untouched_norms = [name for name in norms
                       if state_dict[f"{name}.running_mean"].abs().max() <= STATS_TOLERANCE
                       and (state_dict[f"{name}.running_var"] - 1).abs().max() <= STATS_TOLERANCE]
    convs = [weight.float() for key, weight in state_dict.items() if key.endswith("conv.weight")]
    untouched_convs = [weight for weight in convs if abs(weight.std().item() / INIT_STD - 1)
                       <= STD_ERRORS / math.sqrt(2 * weight.numel())]
    signs = []
    if norms and len(untouched_norms) == len(norms):
        signs.append(f"the BatchNorm running statistics of all {len(norms)} layers are still "
                     "at their initial values (mean 0, variance 1)")
    if convs and len(untouched_convs) >= UNTOUCHED_CONV_SHARE * len(convs):
        signs.append(f"{len(untouched_convs)} of {len(convs)} convolutions still have the "
                     f"spread of the random initialisation (standard deviation {INIT_STD})")
    return signs


def warn_if_untrained(state_dict, name):
    """Warn (:class:`UntrainedWeightsWarning`) when :func:`untrained_signs` finds any sign.

    Args:
        state_dict: a generator's weights under our key names.
        name: what the message calls the file.
    """
    signs = untrained_signs(state_dict)
    if signs:
        warnings.warn(UntrainedWeightsWarning(
            f"{name} has the official generator's layers but does not look trained: "
            f"{'; '.join(signs)}. Its photos will be grey noise. Likely cause: a network saved "
            "before any training (a test file, or a model built and saved at once), not the "
            f"official weights. {DOWNLOAD_HINT}"), stacklevel=3)


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

    Warns:
        UntrainedWeightsWarning: the file has the right layers but untrained values.
    """
    try:
        state_dict = load_state_dict_file(path)
    except FileNotFoundError:
        raise CheckpointError(f"No pretrained generator at {path}.", fix=DOWNLOAD_HINT) from None
    state_dict = from_official_state_dict(state_dict, name=path)
    warn_if_untrained(state_dict, path)
    generator = UNetGenerator()
    generator.load_state_dict(state_dict, strict=True)
    return generator.to(device)
