"""Re-code part 3 (reference solution): the discriminator's and the generator's losses.

Page: "Part 3: losses" on the Re-code track page (recode.html). Graded by ``python
exercises/check.py losses``.
"""

import torch
import torch.nn.functional as F


def discriminator_loss(real_logits, fake_logits):
    """D's loss: real pairs are labelled 1, generated pairs 0; the sum is halved.

    Args:
        real_logits: D(x, y), logits of any shape, e.g. (B, 1, 30, 30).
        fake_logits: D(x, G(x)), same shape.

    Returns:
        Scalar tensor: 0.5 * (BCE(real_logits, 1) + BCE(fake_logits, 0)).
    """
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return 0.5 * (real_loss + fake_loss)


def generator_loss(fake_logits, fake_image, target_image, lambda_l1=100.0):
    """G's loss: fool D (non-saturating form) and stay close to the target in L1.

    Args:
        fake_logits: D(x, G(x)), e.g. (B, 1, 30, 30).
        fake_image: G(x), (B, 3, H, W).
        target_image: y, (B, 3, H, W).
        lambda_l1: weight of the L1 term.

    Returns:
        (loss_G, loss_G_GAN, loss_G_L1), three scalar tensors with
        loss_G = loss_G_GAN + lambda_l1 * loss_G_L1.
    """
    adversarial = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    l1 = F.l1_loss(fake_image, target_image)
    return adversarial + lambda_l1 * l1, adversarial, l1
