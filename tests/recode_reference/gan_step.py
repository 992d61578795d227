"""Re-code part 4 (reference solution): one update of D and one update of G.

Page: "Part 4: the update steps" on the Re-code track page (recode.html). Graded by ``python
exercises/check.py update``. Both steps use the course's losses (pix2pix.losses), so this part
does not depend on part 3. The caller computes ``fake_image = generator(input_image)`` once per
iteration and passes it to both updates, as the official code does.
"""

from pix2pix.losses import discriminator_loss, generator_loss


def update_discriminator(discriminator, optimizer, input_image, target_image, fake_image):
    """(1) One gradient step of D on a batch; no gradient may reach G.

    Args:
        discriminator: D, in train mode, called as discriminator(input_image, other_image).
        optimizer: holds D's parameters only.
        input_image: x, (B, 3, H, W).
        target_image: y, (B, 3, H, W).
        fake_image: G(x), (B, 3, H, W), still attached to G's graph.

    Returns:
        D's loss as a Python float.
    """
    discriminator.requires_grad_(True)  # G's update froze D; now D learns
    real_logits = discriminator(input_image, target_image)
    # detach: D's loss must not run back into G, whose graph G's own update still needs
    fake_logits = discriminator(input_image, fake_image.detach())
    loss = discriminator_loss(real_logits, fake_logits)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def update_generator(discriminator, optimizer, input_image, target_image, fake_image,
                     lambda_l1=100.0):
    """(2) One gradient step of G on a batch: fool D and match the target in L1.

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
    # frozen, D still passes gradient on to G(x) but computes none for its own weights
    discriminator.requires_grad_(False)
    fake_logits = discriminator(input_image, fake_image)  # no detach: G learns through D
    loss = generator_loss(fake_logits, fake_image, target_image, lambda_l1)
    optimizer.zero_grad()
    loss.loss_G.backward()
    optimizer.step()
    return loss.loss_G.item()
