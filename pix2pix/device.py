"""Choosing where tensors live (CUDA, else Apple's MPS, else the CPU) and how they are computed
there (float32, or autocast to bf16 / fp16) and stored (NCHW or channels_last). Used by every
script; these choices are made here once.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Optional

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


@dataclass
class Precision:
    """How the forward passes run: full float32, or autocast to bf16 / fp16.

    bf16 has float32's exponent range, so gradients cannot underflow and no scaler is needed.
    fp16 does underflow: the scaler multiplies the loss before ``backward`` and divides the
    gradients before the optimizer step, skipping steps whose gradients overflowed.
    """

    device_type: str = "cpu"
    dtype: Optional[torch.dtype] = None  # None: no autocast
    scaler: torch.amp.GradScaler = field(
        default_factory=lambda: torch.amp.GradScaler("cpu", enabled=False))

    def autocast(self):
        """The context the forward passes run in."""
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    @property
    def name(self):
        """"fp32", "bf16" or "fp16"."""
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]


def pick_precision(device):
    """bf16 on CUDA GPUs that support it (Ampere and newer), fp16 + scaler on older ones,
    float32 elsewhere: on a CPU, bf16 autocast made 64-px networks about 10 times *slower*
    (2.3 vs 22.6 img/s measured on a 2-core laptop-class CPU), and MPS gains little."""
    if device.type != "cuda":
        return Precision(device.type)
    # compute capability 8 (Ampere) is the first with bf16 tensor cores; older GPUs emulate bf16
    # slowly, and torch.cuda.is_bf16_supported() counts emulation as support
    if torch.cuda.get_device_capability(device)[0] >= 8:
        return Precision("cuda", torch.bfloat16, torch.amp.GradScaler("cuda", enabled=False))
    return Precision("cuda", torch.float16, torch.amp.GradScaler("cuda"))


def memory_format(device):
    """How a run stores images and weights on ``device``: channels_last (NHWC) on CUDA, the
    layout tensor cores read without transposing; the default NCHW elsewhere, where it gains
    nothing."""
    return torch.channels_last if device.type == "cuda" else torch.contiguous_format
