"""Re-code part 4 (reference solution): one update of D and one update of G.

Page: docs/recode.rst, "Part 4: the update steps". Graded by ``python exercises/check.py update``.
Both steps use the course's losses (pix2pix.losses), so this part does not depend on part 3.
"""

from pix2pix.losses import discriminator_loss, generator_loss


def update_discriminator(generator, discriminator, optimizer, input_image, target_image):
    """One gradient step of D on a batch; G must receive no gradient.

    Args:
        generator: G, called as generator(input_image).
        discriminator: D, called as discriminator(input_image, other_image) -> logits.
        optimizer: holds D's parameters only.
        input_image: x, (B, 3, H, W).
        target_image: y, (B, 3, H, W).

    Returns:
        D's loss as a Python float.
    """
    fake_image = generator(input_image)
    real_logits = discriminator(input_image, target_image)
    # detach: D's loss must not send gradient into G, whose step comes next with its own loss
    fake_logits = discriminator(input_image, fake_image.detach())
    loss = discriminator_loss(real_logits, fake_logits)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def update_generator(generator, discriminator, optimizer, input_image, target_image,
                     lambda_l1=100.0):
    """One gradient step of G on a batch: fool D and match the target in L1.

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
    fake_image = generator(input_image)
    fake_logits = discriminator(input_image, fake_image)  # no detach: G learns through D
    loss = generator_loss(fake_logits, fake_image, target_image, lambda_l1)
    optimizer.zero_grad()
    loss.total.backward()
    optimizer.step()
    return loss.total.item()
