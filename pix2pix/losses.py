"""The pix2pix objective (paper section 3.1, equations 1-4).

Used by exercise 3 and the Concepts page.

    L_cGAN(G, D) = E[log D(x, y)] + E[log(1 - D(x, G(x)))]          (eq. 1)
    L_L1(G)      = E[ ||y - G(x)||_1 ]                               (eq. 3)
    G*           = arg min_G max_D L_cGAN(G, D) + lambda * L_L1(G)   (eq. 4)

D sees logits and the losses use ``binary_cross_entropy_with_logits``: it fuses the sigmoid
into the log, which stays finite where a separate sigmoid would round to exactly 0 or 1.
"""

from typing import NamedTuple

import torch
import torch.nn.functional as F

LAMBDA_L1 = 100.0  # the paper's weight: L1 carries the colours, the GAN term the sharpness


def discriminator_loss(real_logits, fake_logits):
    """D's loss: call real pairs real (1) and generated pairs fake (0).

    Halved, as in the paper, "to slow down the rate at which D learns relative to G".

    Args:
        real_logits: D(x, y), any shape, e.g. (B, 1, 30, 30).
        fake_logits: D(x, G(x)) with G(x) detached, same shape.

    Returns:
        Scalar tensor.
    """
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return 0.5 * (real_loss + fake_loss)


class GeneratorLoss(NamedTuple):
    """G's loss and its two parts, under the official code's names, so a loop can log each."""

    loss_G: torch.Tensor  # loss_G_GAN + lambda_l1 * loss_G_L1: what G minimises
    loss_G_GAN: torch.Tensor  # how well G fools D
    # the mean absolute pixel error against the target *before* lambda (the official code logs
    # it times lambda): comparable across runs with different lambdas
    loss_G_L1: torch.Tensor


def generator_loss(fake_logits, fake_image, target_image, lambda_l1=LAMBDA_L1):
    """G's loss: fool D, and stay close to the target in L1.

    The adversarial part is the "non-saturating" form the paper uses: maximise log D(x, G(x))
    rather than minimise log(1 - D(x, G(x))), which gives G strong gradients early on, when D
    rejects its outputs easily.

    Args:
        fake_logits: D(x, G(x)) without detaching, e.g. (B, 1, 30, 30); None when there is no
            discriminator (the L1-only ablation of the paper's Table 1): no adversarial term.
        fake_image: G(x), (B, 3, H, W).
        target_image: y, (B, 3, H, W).
        lambda_l1: weight of the L1 term (paper: 100; 0 for the GAN-only ablations).

    Returns:
        A :class:`GeneratorLoss`.
    """
    if fake_logits is None:
        loss_G_GAN = torch.zeros((), device=fake_image.device)
    else:
        loss_G_GAN = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    loss_G_L1 = F.l1_loss(fake_image, target_image)
    return GeneratorLoss(loss_G_GAN + lambda_l1 * loss_G_L1, loss_G_GAN, loss_G_L1)
