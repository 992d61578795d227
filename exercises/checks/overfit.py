"""Part "overfit" of the Re-code grader: the student's pieces together learn one pair.

Grades unet_blocks.py, patchgan.py and gan_step.py together; explained on docs/recode.rst,
"Part 7: overfit one pair". The loop is the paper's iteration: G(x) once, then D's update, then
G's, as the official code and the course's train step run it.
"""

import torch
import torch.nn.functional as F

from checks.update import NO_DETACH
from grading import CheckFailed, Checks

# -----------------------------------------------------------------------------
# Settings you can change

OVERFIT_STEPS = 100  # steps of the overfit; the reference passes the target within about 30
OVERFIT_TARGET_L1 = 0.1  # mean absolute error (images in [-1, 1]) the overfit must reach

# -----------------------------------------------------------------------------

CHECKS = Checks("overfit")
check = CHECKS.register


def synthetic_pair():
    """One pixel-aligned (x, y) pair of (1, 3, 32, 32) images: y is x in a different "style"."""
    coords = torch.linspace(-1, 1, 32)
    input_image = torch.stack([coords.expand(32, 32), coords[:, None].expand(32, 32),
                               (coords[:, None] * coords).sign()])[None]  # (1, 3, 32, 32)
    return input_image, torch.sin(3 * input_image).flip(1)


@check("a small pix2pix overfits one synthetic pair")
def overfit_one_pair(student):
    """A small UNet and PatchGAN trained with your two updates reach L1 < 0.1 on one pair
    within 100 iterations; L1 is measured on each iteration's G(x).

    Hint: every other part must pass first; then check that both updates clear the gradients,
    run the backward pass and step their optimizer.
    """
    generator = student.unet_blocks.UNet(ngf=8, num_downs=5, dropout=False)
    discriminator = student.patchgan.PatchGAN(ndf=8)
    input_image, target_image = synthetic_pair()
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for step in range(OVERFIT_STEPS):
        fake_image = generator(input_image)  # G(x), once per iteration
        l1 = float(F.l1_loss(fake_image.detach(), target_image))
        if l1 < OVERFIT_TARGET_L1:
            return
        student.gan_step.update_discriminator(discriminator, d_optimizer, input_image,
                                              target_image, fake_image)
        if step == 0 and any(p.grad is not None for p in generator.parameters()):
            raise CheckFailed(NO_DETACH)  # G's update would find G's graph used up
        student.gan_step.update_generator(discriminator, g_optimizer, input_image,
                                          target_image, fake_image, 100.0)
    raise CheckFailed(f"L1 is still {l1:.3f} after {OVERFIT_STEPS} steps, expected < "
                      f"{OVERFIT_TARGET_L1}: do both updates clear the gradients, run the "
                      "backward pass and step?")
