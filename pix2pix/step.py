"""One pix2pix training step: (1) update D on a real and a generated pair, (2) update G.

This is the paper's algorithm (section 3 and appendix 6.2) and nothing else: the loop, the data
and the bookkeeping live in :mod:`pix2pix.train`. It follows the official code's
``pix2pix_model.optimize_parameters``: G draws its fake once, D learns from it with the fake
*detached*, then G learns through a *frozen* D. Used by exercise 3, the benchmarks and the
Exercise 3 page, which shows :meth:`Pix2Pix.train_step` and its two updates.
"""

from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import torch
import torch.nn as nn

from pix2pix.device import Precision
from pix2pix.distributed import unwrap
from pix2pix.losses import LAMBDA_L1, discriminator_loss, generator_loss


class StepLosses(NamedTuple):
    """What one step measured, as detached tensors (reading them would wait for the GPU)."""

    loss_D: torch.Tensor
    loss_G_GAN: torch.Tensor
    loss_G_L1: torch.Tensor  # before lambda


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
        loss_D = torch.zeros((), device=input_image.device)
        if self.discriminator is not None:
            loss_D = self.update_discriminator(input_image, target_image, fake_image)
        loss_G = self.update_generator(input_image, target_image, fake_image)
        self.precision.scaler.update()
        return StepLosses(loss_D.detach(), loss_G.loss_G_GAN.detach(), loss_G.loss_G_L1.detach())

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
            loss_D = discriminator_loss(real_logits, fake_logits)
        self.precision.scaler.scale(loss_D).backward()
        self.precision.scaler.step(self.optimizer_d)
        return loss_D

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
        loss_G = generator_loss(fake_logits, fake_image.float(), target_image, self.lambda_l1)
        self.precision.scaler.scale(loss_G.loss_G).backward()
        self.precision.scaler.step(self.optimizer_g)
        return loss_G
