"""Re-code part 3: the discriminator's and the generator's losses.

Page: "Part 3: losses" on the Re-code track page (recode.html). Fill in the two gaps marked
NotImplementedError, then grade your work with ``python exercises/check.py losses``. Both
functions receive logits (D has no sigmoid): ``F.binary_cross_entropy_with_logits`` applies the
sigmoid for you.
"""

import torch
import torch.nn.functional as F

GAP = "see 'Part 3: losses' on the Re-code track page (recode.html)"


def discriminator_loss(real_logits, fake_logits):
    """D's loss: real pairs are labelled 1, generated pairs 0; the sum is halved.

    Args:
        real_logits: D(x, y), logits of any shape, e.g. (B, 1, 30, 30).
        fake_logits: D(x, G(x)), same shape.

    Returns:
        Scalar tensor: 0.5 * (BCE(real_logits, 1) + BCE(fake_logits, 0)).
    """
    raise NotImplementedError(f"discriminator_loss -- {GAP}")


def generator_loss(fake_logits, fake_image, target_image, lambda_l1=100.0):
    """G's loss: fool D (non-saturating form: label its fakes 1) and stay close to y in L1.

    Args:
        fake_logits: D(x, G(x)), e.g. (B, 1, 30, 30).
        fake_image: G(x), (B, 3, H, W).
        target_image: y, (B, 3, H, W).
        lambda_l1: weight of the L1 term.

    Returns:
        (loss_G, loss_G_GAN, loss_G_L1), three scalar tensors, the official code's names:
        loss_G = loss_G_GAN + lambda_l1 * loss_G_L1, where loss_G_L1 is the mean absolute
        difference between fake_image and target_image (before lambda).
    """
    raise NotImplementedError(f"generator_loss -- {GAP}")
