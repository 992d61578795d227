"""Part "losses" of the Re-code grader: D's and G's losses on logits.

Grades exercises/recode/losses.py; explained on docs/recode.rst, "Part 3: losses". The student's
values on fixed logits are compared with pix2pix.losses and, when they differ, with the values
of each named mistake (no halving, a double sigmoid, swapped labels or arguments, a sum, a
squared error, label smoothing) to say which one it is.
"""

import torch
import torch.nn.functional as F

from grading import CheckFailed, Checks, close, fail_on
from pix2pix import losses as reference_losses

CHECKS = Checks("losses")
check = CHECKS.register

# Named mistakes that more than one check can see: one text each, so the report names each once
DOUBLE_SIGMOID = ("a sigmoid on top of the logits, then a loss that applies one again: the loss "
                  "on logits applies the sigmoid itself, inside the logarithm")
SUMMED = ("a sum over the patches (reduction=\"sum\"), not the mean: the loss then grows with "
          "the image and the batch, and lambda = 100 no longer balances it against L1")
SWAPPED = ("the arguments of binary_cross_entropy_with_logits are swapped: the logits come "
           "first, then the labels")
LEAST_SQUARES = ("a squared error on the logits (the LSGAN loss), not the paper's binary "
                 "cross-entropy on logits")


def bce(logits, label):
    """Binary cross-entropy of ``logits`` against the constant ``label`` (1 real, 0 fake)."""
    return float(F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label)))


def summed(logits, label):
    """Binary cross-entropy summed over the patches instead of averaged (reduction="sum")."""
    return float(F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label),
                                                    reduction="sum"))


def swapped(logits, label):
    """Binary cross-entropy with its two arguments swapped: the labels taken as logits."""
    return float(F.binary_cross_entropy_with_logits(torch.full_like(logits, label), logits))


def squared(logits, label):
    """Mean squared distance of ``logits`` from the constant ``label``."""
    return float(F.mse_loss(logits, torch.full_like(logits, label)))


def loss_batch(seed):
    """Fixed logits (real around +1, fake around -1) and images, the same on every run."""
    generator = torch.Generator().manual_seed(seed)
    real_logits = torch.randn(2, 1, 4, 4, generator=generator) * 2 + 1
    fake_logits = torch.randn(2, 1, 4, 4, generator=generator) * 2 - 1
    fake_image, target_image = (torch.rand(2, 3, 8, 8, generator=generator) * 2 - 1
                                for _ in range(2))
    return real_logits, fake_logits, fake_image, target_image


D_LOSS_MISTAKES = [  # (named mistake, D's loss on (real, fake) logits as that mistake has it)
    ("D's loss is not halved: the paper halves it to slow D down relative to G",
     lambda r, f: bce(r, 1) + bce(f, 0)),
    (DOUBLE_SIGMOID, lambda r, f: 0.5 * (bce(r.sigmoid(), 1) + bce(f.sigmoid(), 0))),
    (DOUBLE_SIGMOID, lambda r, f: bce(r.sigmoid(), 1) + bce(f.sigmoid(), 0)),
    ("D's labels are swapped: D must call real pairs 1 and generated pairs 0",
     lambda r, f: 0.5 * (bce(r, 0) + bce(f, 1))),
    (SUMMED, lambda r, f: 0.5 * (summed(r, 1) + summed(f, 0))),
    (SUMMED, lambda r, f: summed(r, 1) + summed(f, 0)),
    (SWAPPED, lambda r, f: 0.5 * (swapped(r, 1) + swapped(f, 0))),
    (LEAST_SQUARES, lambda r, f: 0.5 * (squared(r, 1) + squared(f, 0))),
    (LEAST_SQUARES, lambda r, f: squared(r, 1) + squared(f, 0)),
]
G_ADVERSARIAL_MISTAKES = [  # (named mistake, G's adversarial term on fake logits)
    ("G labels its fakes 0: that rewards G for being caught; G labels them 1, the real label",
     lambda f: bce(f, 0)),
    ("G minimises log(1 - D(x, G(x))), the saturating form: its gradient vanishes while D "
     "rejects the fakes easily; the paper's G labels its fakes 1 instead", lambda f: -bce(f, 0)),
    (DOUBLE_SIGMOID, lambda f: bce(f.sigmoid(), 1)),
    (SUMMED, lambda f: summed(f, 1)),
    (SWAPPED, lambda f: swapped(f, 1)),
    (LEAST_SQUARES, lambda f: squared(f, 1)),
    (LEAST_SQUARES, lambda f: 0.5 * squared(f, 1)),
]


def smoothed_label(values, logit_sets, rest):
    """The constant label t that explains ``values`` as mean BCE(logits, t) + rest, or None.

    BCE(l, t) = softplus(l) - t * l, so one value gives t; a label smoother gives the same t on
    every batch, somewhere between 0.5 and 1.
    """
    labels = [(float(F.softplus(logits).mean()) + extra - value) / float(logits.mean())
              for value, logits, extra in zip(values, logit_sets, rest)]
    if all(abs(t - labels[0]) < 1e-3 for t in labels) and 0.5 < labels[0] < 0.999:
        return labels[0]
    return None


def d_loss_problem(student):
    """The named mistake in the student's D loss, what was measured, or '' when it is right."""
    batches = [loss_batch(seed)[:2] for seed in (1, 2)]
    got = [float(student.losses.discriminator_loss(r, f)) for r, f in batches]
    expected = [float(reference_losses.discriminator_loss(r, f)) for r, f in batches]
    if all(close(g, e) for g, e in zip(got, expected)):
        return ""
    if not close(float(student.losses.discriminator_loss(*batches[0])), got[0]):
        return "D's loss changes from call to call on the same logits: its labels are random"
    for hint, formula in D_LOSS_MISTAKES:
        if all(close(g, formula(r, f)) for g, (r, f) in zip(got, batches)):
            return hint
    label = smoothed_label([2 * g for g in got], [r for r, _ in batches],
                           [bce(f, 0) for _, f in batches])
    if label:
        return (f"real pairs are labelled {label:.2f}, not 1 (label smoothing): the paper's D "
                "uses the labels 1 and 0")
    return (f"D's loss is {got[0]:.4f} on the grader's logits, expected {expected[0]:.4f} = "
            "0.5 * (BCE(real, 1) + BCE(fake, 0)): it differs by "
            f"{abs(got[0] - expected[0]) / expected[0]:.0%}")


def g_adversarial_problem(student):
    """The named mistake in G's adversarial term, what was measured, or '' when it is right."""
    batches = [loss_batch(seed) for seed in (1, 2)]
    got = [float(student.losses.generator_loss(f, image, y, 100.0)[1])
           for _, f, image, y in batches]
    fakes = [f for _, f, _, _ in batches]
    if all(close(g, bce(f, 1)) for g, f in zip(got, fakes)):
        return ""
    for hint, formula in G_ADVERSARIAL_MISTAKES:
        if all(close(g, formula(f)) for g, f in zip(got, fakes)):
            return hint
    label = smoothed_label(got, fakes, [0.0, 0.0])
    if label:
        return (f"G labels its fakes {label:.2f}, not 1 (label smoothing): the paper's G uses "
                "the label 1")
    return (f"G's adversarial term is {got[0]:.4f} on the grader's logits, expected "
            f"{bce(fakes[0], 1):.4f} = BCE(fake_logits, 1)")


@check("losses take logits: confident right verdicts cost ~0")
def losses_take_logits(student):
    """Confident, right logits (real +8, fake -8; G's fake +8) give losses below 0.001.

    Hint: both losses receive logits; the loss on logits applies the sigmoid once, itself.
    """
    real, fake = torch.full((2, 1, 4, 4), 8.0), torch.full((2, 1, 4, 4), -8.0)
    d_loss = float(student.losses.discriminator_loss(real, fake))
    image = torch.zeros(2, 3, 8, 8)
    g_adversarial = float(student.losses.generator_loss(real, image, image, 100.0)[1])
    if d_loss < 1e-3 and g_adversarial < 1e-3:
        return
    problem = d_loss_problem(student) if d_loss >= 1e-3 else g_adversarial_problem(student)
    raise CheckFailed(problem or f"losses {d_loss:.3f} (D) and {g_adversarial:.3f} (G) on "
                      "confident, right logits, expected about 0")


@check("D's loss: real 1, fake 0, halved")
def discriminator_loss_value(student):
    """D's loss on fixed logits is 0.5 * (BCE(real, 1) + BCE(fake, 0)).

    Hint: binary cross-entropy on logits, real pairs labelled 1, fakes 0, the sum halved.
    """
    fail_on(d_loss_problem(student))


@check("lambda weights the L1 term only")
def lambda_on_l1_only(student):
    """total(lambda) - total(0) equals lambda times the returned L1 term, on fixed tensors.

    Hint: total = adversarial + lambda_l1 * l1; lambda must not multiply the adversarial term.
    """
    _, fake_logits, fake_image, target_image = loss_batch(1)
    loss = student.losses.generator_loss
    total_0 = float(loss(fake_logits, fake_image, target_image, 0.0)[0])
    total_10, _, l1 = (float(value) for value in loss(fake_logits, fake_image, target_image, 10.0))
    slope = (total_10 - total_0) / 10  # the student's own L1 term is judged by the last check
    if not close(slope, l1):
        raise CheckFailed(f"raising lambda_l1 by 1 adds {slope:.4f} to the total, expected the L1 "
                          f"term {l1:.4f} alone: lambda applied to the adversarial term too?")
    if close(total_0, 0.0, tol=1e-6):
        raise CheckFailed("with lambda_l1 = 0 the total is 0: the adversarial term is missing "
                          "from the total")


@check("G's adversarial term labels its fakes real")
def generator_adversarial_value(student):
    """G's adversarial term on fixed logits is BCE(D(x, G(x)), 1), the non-saturating form.

    Hint: G wants D to call its fakes real: binary cross-entropy on logits against the label 1.
    """
    fail_on(g_adversarial_problem(student))


@check("L1 term is the mean absolute error")
def l1_value(student):
    """G's L1 term on fixed tensors is mean|G(x) - y|, returned before lambda.

    Hint: the mean over all pixels of the absolute difference, not a sum or a square.
    """
    _, fake_logits, fake_image, target_image = loss_batch(1)
    got = float(student.losses.generator_loss(fake_logits, fake_image, target_image, 100.0)[2])
    expected = float(F.l1_loss(fake_image, target_image))
    if close(got, expected):
        return
    if close(got, F.mse_loss(fake_image, target_image)):
        raise CheckFailed(f"l1 = {got:.4f} is the squared error: use the absolute difference")
    if close(got, (fake_image - target_image).abs().sum()):
        raise CheckFailed(f"l1 = {got:.4f} is a sum: take the mean")
    raise CheckFailed(f"l1 = {got:.4f}, expected {expected:.4f} = mean|G(x) - y| before lambda")
