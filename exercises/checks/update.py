"""Part "update" of the Re-code grader: one update of D and one of G, measured as gradients.

Grades exercises/recode/gan_step.py; explained on docs/recode.rst, "Part 4: the update steps".
The updates run on a tiny G and D with known weights, with plain SGD, so that a step reads back
as the gradient it used: (weights before - weights after) / STEP_LR. The grader works out the
right gradient on copies of the networks and compares; D logs each call (batch size, mode).
"""

import copy
from dataclasses import dataclass

import torch
import torch.nn as nn

from grading import CheckFailed, Checks, close, fail_on, relative_difference
from pix2pix.losses import discriminator_loss, generator_loss

CHECKS = Checks("update")
check = CHECKS.register
STEP_LR = 0.5  # the SGD learning rate of the measured steps: large enough to read back exactly
BATCH = 2  # pairs per batch of the stand-in x and y

# Named mistakes that more than one check can see: one text each, so the report names each once
NO_DETACH = ("D's update let its loss run back through G(x) into G: the fake that D scores in "
             "its own update must be detached from G's graph, which G's update still needs")
ONE_BATCH = ("D scored the real and the fake pairs in one batch: its BatchNorm then mixes real "
             "and fake statistics; score them as two batches, as the paper and the official "
             "code do")
D_IN_EVAL = ("D ran in eval mode during the step (BatchNorm used its running statistics): keep D "
             "in train mode in both updates; D is frozen through requires_grad, not eval()")
NO_ADVERSARIAL = ("no adversarial gradient reaches G(x): D's verdict on the fake was cut off "
                  "from G (a detach or a no_grad block in G's update); D may be frozen, but its "
                  "gradient must still flow through it into G(x)")
STALE = ("D's step used gradients that were already in D's weights when its update began (left "
         "over from the previous update): clear D's gradients before the backward pass, or "
         "freeze D while G learns")
ARGUMENT_ORDER = ("D was called with its two images the other way round, as D(G(x), x) or "
                  "D(y, x): call it as discriminator(input_image, other_image), x first, in both "
                  "updates; the conditional D reads x from its first three channels")
L1_AGAINST_X = ("G's L1 term compares G(x) with the input x: it must compare G(x) with the target "
                "y, generator_loss(fake_logits, fake_image, target_image, lambda_l1)")
LAMBDA_IGNORED = ("G's update ignores its lambda_l1 argument: with lambda_l1 = 10 its L1 gradient "
                  "is that of lambda = 100; pass lambda_l1 on to generator_loss")
LAMBDA_MISSING = ("G's update differentiates adversarial + L1, without lambda: G's loss is "
                  "adversarial + lambda * L1, generator_loss(...).loss_G")
LEFT_FROZEN = ("D is still frozen from G's update, so D's loss reaches no weight: D must be "
               "able to learn again in its own update")


class StandInGenerator(nn.Module):
    """A tiny G: one 3x3 convolution and a tanh."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, kernel_size=3, padding=1)

    def forward(self, input_image):
        return torch.tanh(self.conv(input_image))  # (B, 3, H, W) -> (B, 3, H, W)


class StandInDiscriminator(nn.Module):
    """A tiny conditional PatchGAN (convolution, BatchNorm, LeakyReLU, convolution) that logs
    every call: its batch size and whether its BatchNorm ran in training mode.

    BatchNorm makes the batch matter, as in the paper's D: scoring the real and the fake pair
    in one batch changes every logit.
    """

    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(6, 8, kernel_size=3, padding=1)
        self.norm = nn.BatchNorm2d(8)
        self.act = nn.LeakyReLU(0.2)
        self.conv_out = nn.Conv2d(8, 1, kernel_size=3, padding=1)
        self.calls = []  # (batch size, training) per forward pass

    def forward(self, input_image, other_image):
        self.calls.append((len(input_image), self.norm.training))
        pair = torch.cat([input_image, other_image], dim=1)  # (B, 6, H, W)
        return self.conv_out(self.act(self.norm(self.conv_in(pair))))  # (B, 1, H, W)


@dataclass
class StandIns:
    generator: StandInGenerator
    discriminator: StandInDiscriminator
    input_image: torch.Tensor  # (BATCH, 3, 8, 8)
    target_image: torch.Tensor  # (BATCH, 3, 8, 8)


def stand_ins():
    """A fresh G and D, in train mode as a training loop leaves them, and x and y; the same on
    every run."""
    torch.manual_seed(1234)
    return StandIns(StandInGenerator(), StandInDiscriminator(), torch.randn(BATCH, 3, 8, 8),
                    torch.randn(BATCH, 3, 8, 8))


def flat(tensors):
    """One flat, detached copy of a list of tensors."""
    return torch.cat([t.detach().flatten() for t in tensors])


def flat_grads(module):
    """The gradients held by ``module``'s weights, zeros where there is none."""
    return flat([p.grad if p.grad is not None else torch.zeros_like(p)
                 for p in module.parameters()])


@dataclass
class Measured:
    """One update, as it happened and as it should have happened."""

    returned: object  # what the update returned
    expected_loss: float
    step: torch.Tensor  # (weights before - after) / STEP_LR: the gradient the step used
    expected_step: torch.Tensor  # the gradient of the right loss, at the weights before
    calls: list  # D's log: (batch size, training) of each forward pass
    leftover: torch.Tensor = None  # gradients the stepped network held before the update
    fake_gradient: torch.Tensor = None  # G's update: the gradient that reached G(x)
    adversarial: torch.Tensor = None  # G's update: the right gradient of the adversarial term
    l1: torch.Tensor = None  # G's update: the right gradient of lambda * L1
    d_moved: bool = False  # G's update: whether D's weights changed
    steps: int = 0  # how often the optimizer given to the update stepped
    inputs: tuple = ()  # (a copy of D before the update, x, y, G(x) detached, lambda_l1)


def counted_sgd(module):
    """Plain SGD on ``module``'s weights, and a list that grows by one each time it steps."""
    optimizer, steps = torch.optim.SGD(module.parameters(), lr=STEP_LR), []
    optimizer.register_step_post_hook(lambda *args: steps.append(1))
    return optimizer, steps


def measure_d_update(student, nets, fake_image):
    """Run the student's D update once and measure its step."""
    discriminator = nets.discriminator
    reference = copy.deepcopy(discriminator).train().requires_grad_(True)
    x, y = nets.input_image, nets.target_image
    loss = discriminator_loss(reference(x, y), reference(x, fake_image.detach()))
    expected = flat(torch.autograd.grad(loss, list(reference.parameters())))
    before, leftover = flat(discriminator.parameters()), flat_grads(discriminator)
    discriminator.calls.clear()
    optimizer, steps = counted_sgd(discriminator)
    returned = student.gan_step.update_discriminator(discriminator, optimizer, x, y,
                                                     fake_image)
    step = (before - flat(discriminator.parameters())) / STEP_LR
    return Measured(returned, loss.item(), step, expected, list(discriminator.calls), leftover,
                    steps=len(steps), inputs=(reference, x, y, fake_image.detach(), None))


def measure_g_update(student, nets, fake_image, lambda_l1=100.0):
    """Run the student's G update once; measure the gradient reaching G(x) and G's step."""
    generator, discriminator = nets.generator, nets.discriminator
    x, y = nets.input_image, nets.target_image
    reference = copy.deepcopy(discriminator).train()
    generator_copy = copy.deepcopy(generator)
    fake_copy = generator_copy(x)  # G(x) again, on a graph of its own
    fake_leaf = fake_copy.detach().requires_grad_(True)
    losses = generator_loss(reference(x, fake_leaf), fake_leaf, y, lambda_l1)
    adversarial, = torch.autograd.grad(losses.loss_G_GAN, fake_leaf, retain_graph=True)
    l1, = torch.autograd.grad(lambda_l1 * losses.loss_G_L1, fake_leaf)
    expected = flat(torch.autograd.grad(fake_copy, list(generator_copy.parameters()),
                                        grad_outputs=adversarial + l1))
    reached = []
    fake_image.register_hook(reached.append)  # every gradient that reaches G(x)
    before_g, before_d = flat(generator.parameters()), flat(discriminator.parameters())
    leftover = flat_grads(generator)
    discriminator.calls.clear()
    optimizer, steps = counted_sgd(generator)
    returned = student.gan_step.update_generator(discriminator, optimizer, x, y,
                                                 fake_image, lambda_l1)
    step = (before_g - flat(generator.parameters())) / STEP_LR
    reached = sum(reached) if reached else torch.zeros_like(fake_image)
    return Measured(returned, losses.loss_G.item(), step, expected, list(discriminator.calls),
                    leftover, fake_gradient=reached, adversarial=adversarial, l1=l1,
                    d_moved=not torch.equal(before_d, flat(discriminator.parameters())),
                    steps=len(steps), inputs=(reference, x, y, fake_leaf.detach(), lambda_l1))


D_MISTAKES = [  # (named mistake, D's loss as that mistake has it, from D, x, y and G(x))
    ("D learned from the real pairs only: its verdict on the fake pair carries no gradient "
     "(computed under no_grad, or detached after D); detach G(x) before D scores it, not D's "
     "verdict", lambda d, x, y, fake, _: discriminator_loss(d(x, y), d(x, fake).detach())),
    ("D learned from the fake pairs only: its verdict on the real pair carries no gradient "
     "(computed under no_grad, or detached); D learns from both verdicts",
     lambda d, x, y, fake, _: discriminator_loss(d(x, y).detach(), d(x, fake))),
    (ARGUMENT_ORDER, lambda d, x, y, fake, _: discriminator_loss(d(x, y), d(fake, x))),
    (ARGUMENT_ORDER, lambda d, x, y, fake, _: discriminator_loss(d(y, x), d(x, fake))),
    (ARGUMENT_ORDER, lambda d, x, y, fake, _: discriminator_loss(d(y, x), d(fake, x))),
    ("discriminator_loss received the fake logits first: its arguments are (real_logits, "
     "fake_logits)", lambda d, x, y, fake, _: discriminator_loss(d(x, fake), d(x, y))),
]
G_MISTAKES = [  # (named mistake, G's loss as that mistake has it, from D, x, y, G(x), lambda)
    (L1_AGAINST_X, lambda d, x, y, fake, lam: generator_loss(d(x, fake), fake, x, lam).loss_G),
    (ARGUMENT_ORDER, lambda d, x, y, fake, lam: generator_loss(d(fake, x), fake, y, lam).loss_G),
    (LAMBDA_IGNORED, lambda d, x, y, fake, lam: generator_loss(d(x, fake), fake, y).loss_G),
    (LAMBDA_MISSING, lambda d, x, y, fake, lam: sum(generator_loss(d(x, fake), fake, y, lam)[1:])),
]


def named_mistake(measured, by_value=False):
    """The named mistake (of D_MISTAKES for D's update, G_MISTAKES for G's) whose gradient the
    update used: D's step, or the gradient that reached G(x); with ``by_value``, the one whose
    loss it returned. '' when none is."""
    d, x, y, fake, lambda_l1 = measured.inputs
    of_g = lambda_l1 is not None
    for hint, loss_of in G_MISTAKES if of_g else D_MISTAKES:
        d_copy, leaf = copy.deepcopy(d).requires_grad_(True), fake.clone().requires_grad_(True)
        loss = loss_of(d_copy, x, y, leaf, lambda_l1)
        if by_value:
            if isinstance(measured.returned, float) and close(measured.returned, loss.item()):
                return hint
            continue
        wrt = [leaf] if of_g else list(d_copy.parameters())
        gradient = flat([g if g is not None else torch.zeros_like(w) for g, w in zip(
            torch.autograd.grad(loss, wrt, allow_unused=True), wrt)])
        used = measured.fake_gradient.flatten() if of_g else measured.step
        if relative_difference(used, gradient) < 1e-3:
            return hint
    return ""


def d_calls_problem(measured):
    """What D's log of calls says went wrong in an update, or ''."""
    if any(size > BATCH for size, _ in measured.calls):
        return ONE_BATCH
    if not all(training for _, training in measured.calls):
        return D_IN_EVAL
    return ""


def step_problem(measured, network):
    """Why ``network``'s step is not one step along the right gradient, or '' when it is."""
    step, expected = measured.step, measured.expected_step
    difference = relative_difference(step, expected)
    if difference < 1e-3:
        return ""
    if not step.any():
        return (f"{network}'s weights did not move: the update ends with a step of the optimizer "
                "it was given, after the backward pass")
    if not measured.steps:
        return (f"{network}'s weights moved, but the optimizer given to the update never "
                "stepped: an optimizer built inside the update starts afresh every step (Adam "
                "forgets its running averages); step the one passed in")
    if measured.leftover.any() and relative_difference(step, expected + measured.leftover) < 1e-3:
        return STALE if network == "D" else (
            "G's step used gradients that were already in G's weights when its update began: "
            "clear them before the backward pass")
    named = named_mistake(measured) if network == "D" else ""
    if named:
        return named
    scale = float(step @ expected / (expected @ expected))
    if relative_difference(step, scale * expected) < 1e-3:
        return (f"{network}'s step is {scale:.2f} times the gradient of {network}'s loss: is the "
                "loss scaled, or the optimizer stepped more than once?")
    return (f"{network}'s step differs from a step along the gradient of {network}'s loss by "
            f"{difference:.0%}")


def d_scoring_problem(measured):
    """What went wrong in how D's update called D (batches, mode, count), or ''."""
    problem = d_calls_problem(measured)
    if problem or len(measured.calls) == 2:
        return problem
    return (f"D was called {len(measured.calls)} times in its update, expected twice: once on "
            "the real pair (x, y) and once on the fake pair (x, G(x))")


def d_update_problem(measured):
    """Everything that can be wrong with a measured D update, the first found; '' if none."""
    return d_scoring_problem(measured) or step_problem(measured, "D")


def fake_gradient_problem(measured):
    """Why the gradient that reached G(x) in G's update is wrong, or '' when it is right."""
    problem = d_calls_problem(measured)
    if problem:
        return problem
    if not measured.calls:
        return "D was not called in G's update: G learns from D's verdict on (x, G(x))"
    reached, adversarial, l1 = measured.fake_gradient, measured.adversarial, measured.l1
    difference = relative_difference(reached, adversarial + l1)
    if difference < 1e-3:
        return ""
    if not reached.any():
        return "no gradient reached G(x): G's update runs the backward pass of G's total loss"
    part = reached - l1  # what D's verdict contributed
    if part.norm() < 1e-3 * adversarial.norm():
        return NO_ADVERSARIAL
    named = named_mistake(measured)
    if named:
        return named
    if relative_difference(reached, adversarial) < 1e-3:
        return ("only the adversarial gradient reaches G(x): the L1 term is missing from the "
                "loss G's update differentiates")
    scale = float((part * adversarial).sum() / (adversarial * adversarial).sum())
    if relative_difference(part, scale * adversarial) < 1e-3:
        return (f"the adversarial part of the gradient reaching G(x) is {scale:.2f} times the "
                "right one")
    return (f"the gradient reaching G(x) differs from that of adversarial + lambda * L1 by "
            f"{difference:.0%} (its adversarial part by "
            f"{relative_difference(part, adversarial):.0%})")


def g_update_problem(measured):
    """Everything that can be wrong with a measured G update, the first found; '' if none."""
    if measured.d_moved:
        return ("D's weights changed during G's update: only G learns there, through a D whose "
                "weights stay as they are")
    return fake_gradient_problem(measured) or step_problem(measured, "G")


def returned_problem(measured, network):
    """Why an update's return value is not its loss as a float, or '' when it is."""
    returned = measured.returned
    if isinstance(returned, torch.Tensor):
        return (f"{network}'s update returned a tensor: return a Python float, so that the "
                "caller does not keep the step's graph alive")
    if not isinstance(returned, (int, float)) or isinstance(returned, bool):
        return f"{network}'s update returned {returned!r}, expected its loss as a float"
    if not close(returned, measured.expected_loss):
        return named_mistake(measured, by_value=True) or (
            f"{network}'s update returned {returned:.4f}, expected {network}'s loss "
            f"{measured.expected_loss:.4f}, as computed before the step")
    return ""


@check("D's update: no gradient reaches G")
def d_update_leaves_g_alone(student):
    """After update_discriminator, no weight of G holds a gradient.

    Hint: D's update scores a fake cut off from G's graph; only G's update may reach G.
    """
    nets = stand_ins()
    measure_d_update(student, nets, nets.generator(nets.input_image))
    if flat_grads(nets.generator).any():
        raise CheckFailed(NO_DETACH)


@check("D's update: real and fake as two batches, in train mode")
def d_update_batches(student):
    """D's log shows two calls, each on a batch as large as x, each with BatchNorm training.

    Hint: score the real pair and the fake pair in two separate calls of D.
    """
    nets = stand_ins()
    fail_on(d_scoring_problem(measure_d_update(student, nets, nets.generator(nets.input_image))))


@check("D's update: one step along the gradient of D's loss")
def d_update_step(student):
    """D's weights move by exactly -lr times the gradient of D's loss, from clean gradients.

    Hint: clear D's gradients, backward D's loss, step D's optimizer.
    """
    nets = stand_ins()
    fail_on(d_update_problem(measure_d_update(student, nets, nets.generator(nets.input_image))))


@check("D's update returns D's loss")
def d_update_returns_loss(student):
    """update_discriminator returns D's loss before the step, as a Python float.

    Hint: return the loss of this step as a number.
    """
    nets = stand_ins()
    measured = measure_d_update(student, nets, nets.generator(nets.input_image))
    fail_on(d_scoring_problem(measured) or returned_problem(measured, "D"))


@check("G's update: adversarial + lambda * L1 reaches G(x)")
def g_update_gradient(student):
    """The gradient arriving at G(x) is that of BCE(D(x, G(x)), 1) + lambda * L1, through D,
    with lambda_l1 = 100 and with lambda_l1 = 10.

    Hint: D may be frozen, but its verdict on G(x) must pass its gradient on to G(x).
    """
    for lambda_l1 in (100.0, 10.0):  # the paper's, and one more: the update must use its own
        nets = stand_ins()
        fail_on(fake_gradient_problem(measure_g_update(
            student, nets, nets.generator(nets.input_image), lambda_l1)))


@check("G's update: one step of G, none of D")
def g_update_step(student):
    """G's weights move by exactly -lr times the gradient of G's loss; D's do not move.

    Hint: backward G's total loss and step the optimizer you were given, which holds G's weights.
    """
    nets = stand_ins()
    fail_on(g_update_problem(measure_g_update(student, nets, nets.generator(nets.input_image))))


@check("G's update returns G's total loss")
def g_update_returns_loss(student):
    """update_generator returns adversarial + lambda * L1 before the step, as a Python float.

    Hint: return the total loss of this step as a number.
    """
    nets = stand_ins()
    measured = measure_g_update(student, nets, nets.generator(nets.input_image))
    fail_on(d_calls_problem(measured) or returned_problem(measured, "G"))


@check("two iterations in a row: clean gradients, D free to learn")
def two_iterations(student):
    """Two iterations as a train step runs them (G(x) once, then D's update, then G's); the
    second pair of updates is measured like the first.

    Hint: whatever one update changes (gradients, requires_grad, train or eval mode) must not
    spoil the next.
    """
    nets = stand_ins()
    fake_image = nets.generator(nets.input_image)
    measure_d_update(student, nets, fake_image)
    if flat_grads(nets.generator).any():
        raise CheckFailed(NO_DETACH)  # G's graph is used up
    measure_g_update(student, nets, fake_image)
    fake_image = nets.generator(nets.input_image)
    frozen = not all(p.requires_grad for p in nets.discriminator.parameters())
    try:
        d_update = measure_d_update(student, nets, fake_image)
    except RuntimeError:
        if frozen:
            raise CheckFailed(LEFT_FROZEN) from None
        raise
    fail_on(d_update_problem(d_update))
    fail_on(g_update_problem(measure_g_update(student, nets, fake_image)))
