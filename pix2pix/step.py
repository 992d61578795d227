"""One pix2pix training step: (1) update D on a real and a generated pair, (2) update G.

This is the paper's algorithm (section 3 and appendix 6.2) and nothing else: the loop, the data
and the bookkeeping live in :mod:`pix2pix.train`. It follows the official code's
``pix2pix_model.optimize_parameters``: G draws its fake once, D learns from it with the fake
*detached*, then G learns through a *frozen* D. Used by exercise 3, the benchmarks and the
Exercise 3 page, which shows :meth:`Pix2Pix.train_step` and its two updates.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import torch
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from pix2pix.distributed import Distributed, unwrap
from pix2pix.losses import LAMBDA_L1, discriminator_loss, generator_loss
from pix2pix.models import PatchGANDiscriminator, UNetGenerator, init_weights

# -----------------------------------------------------------------------------
# Mixed precision


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
    float32 elsewhere (CPU and MPS gain little from autocast and keep the code path simple)."""
    if device.type != "cuda":
        return Precision(device.type)
    # compute capability 8 (Ampere) is the first with bf16 tensor cores; older GPUs emulate bf16
    # slowly, and torch.cuda.is_bf16_supported() counts emulation as support
    if torch.cuda.get_device_capability(device)[0] >= 8:
        return Precision("cuda", torch.bfloat16, torch.amp.GradScaler("cuda", enabled=False))
    return Precision("cuda", torch.float16, torch.amp.GradScaler("cuda"))


# -----------------------------------------------------------------------------
# The step


class StepLosses(NamedTuple):
    """What one step measured, as detached tensors (reading them would wait for the GPU)."""

    loss_D: torch.Tensor
    loss_G_GAN: torch.Tensor
    L1: torch.Tensor


def set_requires_grad(module, requires_grad):
    """Freeze or unfreeze every weight of ``module``."""
    for parameter in module.parameters():
        parameter.requires_grad_(requires_grad)


@dataclass
class Pix2Pix:
    """The two players, their optimizers and the objective: everything one step updates.

    ``discriminator`` and ``optimizer_d`` are None for the L1-only ablation (no adversarial
    term); ``lambda_l1`` is 0 for the GAN-only ones. G and D may be wrapped in
    DistributedDataParallel.
    """

    generator: nn.Module
    discriminator: Optional[nn.Module]
    optimizer_g: torch.optim.Optimizer
    optimizer_d: Optional[torch.optim.Optimizer]
    lambda_l1: float = LAMBDA_L1
    precision: Precision = field(default_factory=Precision)

    def train_step(self, input_image, target_image):
        """One update of D, then of G, on a batch of pairs.

        Args:
            input_image: x, (B, 3, H, W) in [-1, 1].
            target_image: y, (B, 3, H, W) in [-1, 1].

        Returns:
            :class:`StepLosses` of this step.
        """
        with self.precision.autocast():
            fake_image = self.generator(input_image)  # G(x): drawn once, used by both updates
        loss_d = torch.zeros((), device=input_image.device)
        if self.discriminator is not None:
            loss_d = self.update_discriminator(input_image, target_image, fake_image)
        loss_g = self.update_generator(input_image, target_image, fake_image)
        self.precision.scaler.update()
        return StepLosses(loss_d.detach(), loss_g.adversarial.detach(), loss_g.l1.detach())

    def update_discriminator(self, input_image, target_image, fake_image):
        """(1) Update D: maximize log D(x, y) + log(1 - D(x, G(x))).

        Returns:
            D's loss, a scalar tensor (halved inside :func:`discriminator_loss`).
        """
        set_requires_grad(self.discriminator, True)
        self.optimizer_d.zero_grad(set_to_none=True)
        with self.precision.autocast():
            real_logits = self.discriminator(input_image, target_image)  # (B, 1, 30, 30)
            # detach: this loss trains D only; without it, backward would also run through G
            fake_logits = self.discriminator(input_image, fake_image.detach())
            loss_d = discriminator_loss(real_logits, fake_logits)
        self.precision.scaler.scale(loss_d).backward()
        self.precision.scaler.step(self.optimizer_d)
        return loss_d

    def update_generator(self, input_image, target_image, fake_image):
        """(2) Update G: maximize log D(x, G(x)) - lambda * ||y - G(x)||_1.

        Returns:
            A :class:`~pix2pix.losses.GeneratorLoss`.
        """
        self.optimizer_g.zero_grad(set_to_none=True)
        fake_logits = None
        if self.discriminator is not None:
            # D is frozen, so G's backward pass computes no gradients for D's weights. We call
            # the bare module: under DDP, the wrapper would wait for gradients a frozen D never
            # produces.
            frozen_discriminator = unwrap(self.discriminator)
            set_requires_grad(frozen_discriminator, False)
            with self.precision.autocast():
                fake_logits = frozen_discriminator(input_image, fake_image).float()
        loss_g = generator_loss(fake_logits, fake_image.float(), target_image, self.lambda_l1)
        self.precision.scaler.scale(loss_g.total).backward()
        self.precision.scaler.step(self.optimizer_g)
        return loss_g


# -----------------------------------------------------------------------------
# Building the players


def build_pix2pix(config, device, precision=None, ranks=None, channels_last=None):
    """G and D initialised as in the paper, with their Adam optimizers, as a Pix2Pix.

    Args:
        config: a :class:`~pix2pix.config.TrainConfig`; its objective decides whether there
            is a D (none for "l1"), whether D sees the input, and lambda.
        device: where the networks live.
        precision: a :class:`Precision` (default: the device's best, :func:`pick_precision`).
        ranks: a :class:`~pix2pix.distributed.Distributed`; DDP-wraps G and D when several.
        channels_last: store weights as NHWC (default: on CUDA only).

    Returns:
        A :class:`Pix2Pix`.
    """
    ranks = ranks or Distributed()
    channels_last = device.type == "cuda" if channels_last is None else channels_last
    layout = torch.channels_last if channels_last else torch.contiguous_format
    networks = [UNetGenerator(config.generator_config())]
    if config.has_discriminator:
        networks.append(PatchGANDiscriminator(config.discriminator_config()))
    # NHWC (channels_last) is the layout tensor cores read fastest
    networks = [init_weights(net).to(device, memory_format=layout) for net in networks]
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # cuDNN picks its fastest kernels once per shape
    optimizers = [torch.optim.Adam(net.parameters(), lr=config.lr,
                                   betas=(config.beta1, config.beta2)) for net in networks]
    if ranks.world_size > 1:
        device_ids = [device.index] if device.type == "cuda" else None
        networks = [DistributedDataParallel(net, device_ids=device_ids) for net in networks]
    generator, discriminator = (networks + [None])[:2]
    optimizer_g, optimizer_d = (optimizers + [None])[:2]
    return Pix2Pix(generator, discriminator, optimizer_g, optimizer_d,
                   lambda_l1=config.l1_weight, precision=precision or pick_precision(device))
