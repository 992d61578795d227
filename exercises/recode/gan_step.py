"""Re-code part 4: one update of D and one update of G.

Page: docs/recode.rst, "Part 4: the update steps". Fill in the two gaps marked
NotImplementedError, then grade your work with ``python exercises/check.py update``.
Both steps use the course's losses (pix2pix.losses), so this part does not depend on part 3.
"""

from pix2pix.losses import discriminator_loss, generator_loss

GAP = "see docs/recode.rst, 'Part 4: the update steps'"


def update_discriminator(generator, discriminator, optimizer, input_image, target_image):
    """One gradient step of D on a batch; G must receive no gradient.

    Generate G(x), score the real pair (x, y) and the fake pair (x, G(x)), take
    ``discriminator_loss(real_logits, fake_logits)``, then zero_grad, backward, step.

    Args:
        generator: G, called as generator(input_image).
        discriminator: D, called as discriminator(input_image, other_image) -> logits.
        optimizer: holds D's parameters only.
        input_image: x, (B, 3, H, W).
        target_image: y, (B, 3, H, W).

    Returns:
        D's loss as a Python float.
    """
    raise NotImplementedError(f"update_discriminator -- {GAP}")


def update_generator(generator, discriminator, optimizer, input_image, target_image,
                     lambda_l1=100.0):
    """One gradient step of G on a batch: fool D and match the target in L1.

    Use ``generator_loss(fake_logits, fake_image, target_image, lambda_l1)``; its ``.total``
    is what G minimises.

    Args:
        generator: G.
        discriminator: D; its weights are not changed (the optimizer holds G's only).
        optimizer: holds G's parameters only.
        input_image: x, (B, 3, H, W).
        target_image: y, (B, 3, H, W).
        lambda_l1: weight of the L1 term.

    Returns:
        G's total loss as a Python float.
    """
    raise NotImplementedError(f"update_generator -- {GAP}")
