"""Re-code part 4: one update of D and one update of G.

Page: "Part 4: the update steps" on the Re-code track page (recode.html). Fill in the two gaps
marked NotImplementedError, then grade your work with ``python exercises/check.py update``. Both
steps use the course's losses (pix2pix.losses), so this part does not depend on part 3.

A training iteration computes the fake once, ``fake_image = generator(input_image)``, then calls
(1) ``update_discriminator`` and (2) ``update_generator`` with it, in that order: the official
code and the course's own train step (exercise 3, "The code") do the same. Neither function
sees G itself; G learns through ``fake_image``, which still carries the graph back to G's weights.
"""

from pix2pix.losses import discriminator_loss, generator_loss

GAP = "see 'Part 4: the update steps' on the Re-code track page (recode.html)"


def update_discriminator(discriminator, optimizer, input_image, target_image, fake_image):
    """(1) One gradient step of D on a batch; no gradient may reach G.

    Score the real pair (x, y) and the fake pair (x, G(x)) as two separate batches, take
    ``discriminator_loss(real_logits, fake_logits)``, and step D from clean gradients. If your
    G update freezes D, this is where D must learn again.

    Args:
        discriminator: D, in train mode, called as discriminator(input_image, other_image).
        optimizer: holds D's parameters only.
        input_image: x, (B, 3, H, W).
        target_image: y, (B, 3, H, W).
        fake_image: G(x), (B, 3, H, W), still attached to G's graph.

    Returns:
        D's loss as a Python float.
    """
    raise NotImplementedError(f"update_discriminator -- {GAP}")


def update_generator(discriminator, optimizer, input_image, target_image, fake_image,
                     lambda_l1=100.0):
    """(2) One gradient step of G on a batch: fool D and match the target in L1.

    Use ``generator_loss(fake_logits, fake_image, target_image, lambda_l1)``; its ``.loss_G``
    is what G minimises. D's verdict must pass its gradient on to G(x), yet D's own weights
    must not change.

    Args:
        discriminator: D, in train mode.
        optimizer: holds G's parameters only.
        input_image: x, (B, 3, H, W).
        target_image: y, (B, 3, H, W).
        fake_image: G(x), (B, 3, H, W), the same tensor D's update received.
        lambda_l1: weight of the L1 term.

    Returns:
        G's total loss as a Python float.
    """
    raise NotImplementedError(f"update_generator -- {GAP}")
