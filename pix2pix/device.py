"""Choosing where tensors live: CUDA, else Apple's MPS, else the CPU. Used by every script."""

import torch

from pix2pix.errors import FixableError


class DeviceError(FixableError, RuntimeError):
    """A ``--device`` this machine does not have; the message says which ones it has."""


def pick_device(requested="auto"):
    """The device a script should run on.

    Args:
        requested: "auto" (the fastest available), or a name such as "cpu", "cuda", "cuda:1",
            "mps" -- the value of a script's ``--device`` flag.

    Returns:
        A ``torch.device``.

    Raises:
        DeviceError: the requested accelerator is not available, or the name is not a device.
    """
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(requested)
    except RuntimeError:
        raise DeviceError(f"--device {requested!r} is not a device: use auto, cpu, cuda, "
                          "cuda:1 or mps.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(f"--device {requested} asked for a CUDA GPU, but PyTorch sees none. "
                           "Use --device cpu (or auto), or install a CUDA build of PyTorch.")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise DeviceError(f"--device {requested} asked for Apple's MPS, which is not available "
                           "here. Use --device cpu (or auto).")
    return device
