"""pix2pix/step.py: the paper's step, checked gradient by gradient on small real networks.

Every check compares what :class:`Pix2Pix` did with a reference written out here from the
paper's equations, on copies of the same networks. The last test plants each classic mistake of
the step in a throwaway copy of step.py and shows that one of these checks catches it.
"""

import copy
import importlib.util
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from pix2pix import step as step_module
from pix2pix.config import TrainConfig
from pix2pix.device import Precision
from pix2pix.models import PatchGANDiscriminator, UNetGenerator, init_weights

STEP_FILE = Path(step_module.__file__)
LR = 0.1  # plain SGD, so a step is exactly -LR * gradient
pytestmark = pytest.mark.usefixtures("one_thread")  # tiny networks: one thread is fastest
PRECISIONS = {"fp32": (None, 1e-5), "bf16": (torch.bfloat16, 3e-2)}  # dtype, tolerance


def make_players(module, lambda_l1=7.0, dtype=None, with_d=True):
    """A tiny G and D as the paper initialises them, with SGD, inside ``module``'s Pix2Pix.

    G is in eval mode: without dropout its output is a function of its weights alone, so the
    reference below can recompute it. D stays in train mode, as in training.
    """
    torch.manual_seed(0)
    config = TrainConfig(image_size=32, ngf=4, ndf=4)
    generator = init_weights(UNetGenerator(config.generator_config())).eval()
    discriminator = init_weights(PatchGANDiscriminator(config.discriminator_config()))
    if not with_d:
        discriminator = None
    optimizer_d = discriminator and torch.optim.SGD(discriminator.parameters(), lr=LR)
    return module.Pix2Pix(generator, discriminator,
                          torch.optim.SGD(generator.parameters(), lr=LR), optimizer_d,
                          lambda_l1=lambda_l1, precision=Precision("cpu", dtype))


def a_batch():
    generator = torch.Generator().manual_seed(1)
    input_image = torch.rand(2, 3, 32, 32, generator=generator) * 2 - 1
    target_image = torch.rand(2, 3, 32, 32, generator=generator) * 2 - 1
    return input_image, target_image


def autocast(dtype):
    return Precision("cpu", dtype).autocast()


def trainable_copy(module):
    """A copy of ``module`` whose weights all take gradients (a frozen D is copied frozen)."""
    module = copy.deepcopy(module)
    if module is not None:
        module.requires_grad_(True)
    return module


def reference_d_gradients(generator, discriminator, x, y, dtype):
    """d/dD of 0.5 * (BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)), on copies (paper eq. 1, halved)."""
    generator, discriminator = trainable_copy(generator), trainable_copy(discriminator)
    with autocast(dtype):
        fake_image = generator(x).detach()
        real_logits, fake_logits = discriminator(x, y), discriminator(x, fake_image)
        loss = 0.5 * (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                      + F.binary_cross_entropy_with_logits(fake_logits,
                                                           torch.zeros_like(fake_logits)))
    return torch.autograd.grad(loss, list(discriminator.parameters()))


def reference_g_gradients(generator, discriminator, x, y, lambda_l1, dtype):
    """d/dG of BCE(D(x, G(x)), 1) + lambda * |y - G(x)|, on copies (paper eq. 4, G's side)."""
    generator, discriminator = trainable_copy(generator), trainable_copy(discriminator)
    with autocast(dtype):
        fake_image = generator(x)
        loss = lambda_l1 * F.l1_loss(fake_image.float(), y)
        if discriminator is not None:
            fake_logits = discriminator(x, fake_image).float()
            loss = loss + F.binary_cross_entropy_with_logits(fake_logits,
                                                             torch.ones_like(fake_logits))
    return torch.autograd.grad(loss, list(generator.parameters()))


def weights(module):
    return [p.detach().clone() for p in module.parameters()]


def assert_close(actual, expected, tolerance, what):
    assert all(a is not None for a in actual), f"{what}: some weights received no gradient"
    for a, e in zip(actual, expected):
        scale = e.abs().max().clamp_min(1e-3)
        assert (a - e).abs().max() <= tolerance * scale, f"{what} differs from the paper's"


def assert_one_step_along(network, before, expected, tolerance, who):
    """``network``'s gradient is ``expected`` and its weights moved by one SGD step along it."""
    assert_close([p.grad for p in network.parameters()], expected, tolerance,
                 f"{who}'s gradient")
    # a step read back from the weights carries float32 rounding of the weights themselves
    steps = [(b - a) / LR for b, a in zip(before, weights(network))]
    assert_close(steps, expected, max(tolerance, 1e-3), f"{who}'s step along its gradient")


def assert_no_gradient(module, what):
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    assert all(g.abs().max() == 0 for g in grads), what


# -----------------------------------------------------------------------------
# The checks, each a function of the step module so that a planted copy can be checked too


def check_d_update_follows_the_paper(module, dtype=None, tolerance=1e-5):
    pix2pix = make_players(module, dtype=dtype)
    x, y = a_batch()
    expected = reference_d_gradients(pix2pix.generator, pix2pix.discriminator, x, y, dtype)
    before = weights(pix2pix.discriminator)
    pix2pix.update_discriminator(x, y, pix2pix.generator(x))
    assert_one_step_along(pix2pix.discriminator, before, expected, tolerance, "D")


def check_d_update_leaves_g_alone(module):
    pix2pix = make_players(module)
    x, y = a_batch()
    before = weights(pix2pix.generator)
    pix2pix.update_discriminator(x, y, pix2pix.generator(x))
    assert_no_gradient(pix2pix.generator, "D's update sent a gradient into G")
    assert all(torch.equal(b, a) for b, a in zip(before, weights(pix2pix.generator)))


def check_g_update_follows_the_paper(module, lambda_l1=7.0, dtype=None, tolerance=1e-5,
                                     with_d=True):
    pix2pix = make_players(module, lambda_l1, dtype, with_d)
    x, y = a_batch()
    expected = reference_g_gradients(pix2pix.generator, pix2pix.discriminator, x, y, lambda_l1,
                                     dtype)
    before = weights(pix2pix.generator)
    with autocast(dtype):
        fake_image = pix2pix.generator(x)
    pix2pix.update_generator(x, y, fake_image)
    assert_one_step_along(pix2pix.generator, before, expected, tolerance,
                          f"G (lambda {lambda_l1})")


def check_g_update_leaves_d_alone(module):
    pix2pix = make_players(module)
    x, y = a_batch()
    before = weights(pix2pix.discriminator)
    pix2pix.update_generator(x, y, pix2pix.generator(x))
    assert all(p.grad is None for p in pix2pix.discriminator.parameters()), \
        "G's update computed gradients for D's weights: D was not frozen"
    assert all(torch.equal(b, a) for b, a in zip(before, weights(pix2pix.discriminator)))


def check_d_learns_again_after_gs_update(module):
    pix2pix = make_players(module)
    x, y = a_batch()
    pix2pix.train_step(x, y)
    expected = reference_d_gradients(pix2pix.generator, pix2pix.discriminator, x, y, None)
    pix2pix.update_discriminator(x, y, pix2pix.generator(x))
    assert_close([p.grad for p in pix2pix.discriminator.parameters()], expected, 1e-5,
                 "D's gradient in the step after G's update")


def check_second_step_starts_from_clean_gradients(module):
    pix2pix = make_players(module)
    x, y = a_batch()
    pix2pix.train_step(x, y)
    # step 2 as the paper takes it, on a copy: D's gradient where D stands now, G's gradient
    # where D stands after D's own step 2
    copied = copy.deepcopy(pix2pix)
    expected_d = reference_d_gradients(copied.generator, copied.discriminator, x, y, None)
    copied.update_discriminator(x, y, copied.generator(x))
    expected_g = reference_g_gradients(copied.generator, copied.discriminator, x, y,
                                       copied.lambda_l1, None)
    pix2pix.train_step(x, y)
    assert_close([p.grad for p in pix2pix.discriminator.parameters()], expected_d, 1e-5,
                 "D's gradient in step 2 (left-over gradients added?)")
    assert_close([p.grad for p in pix2pix.generator.parameters()], expected_g, 1e-5,
                 "G's gradient in step 2 (left-over gradients added?)")


def check_train_step_draws_g_x_once_and_reports_the_losses(module):
    pix2pix = make_players(module)
    x, y = a_batch()
    calls = []
    pix2pix.generator.register_forward_hook(lambda *args: calls.append(1))
    generator, discriminator = copy.deepcopy(pix2pix.generator), copy.deepcopy(
        pix2pix.discriminator)
    losses = pix2pix.train_step(x, y)
    assert len(calls) == 1, f"G ran {len(calls)} times in one step: draw G(x) once"
    fake_image = generator(x)
    real_logits, fake_logits = discriminator(x, y), discriminator(x, fake_image)
    loss_D = 0.5 * (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                    + F.binary_cross_entropy_with_logits(fake_logits,
                                                         torch.zeros_like(fake_logits)))
    assert torch.allclose(losses.loss_D, loss_D, atol=1e-6)
    assert torch.allclose(losses.loss_G_L1, F.l1_loss(fake_image, y), atol=1e-6)  # before lambda
    assert losses.loss_G_GAN > 0


CHECKS = [check_d_update_follows_the_paper, check_d_update_leaves_g_alone,
          check_g_update_follows_the_paper, check_g_update_leaves_d_alone,
          check_d_learns_again_after_gs_update, check_second_step_starts_from_clean_gradients,
          check_train_step_draws_g_x_once_and_reports_the_losses]


# -----------------------------------------------------------------------------
# The tests


@pytest.mark.parametrize("precision", PRECISIONS)
def test_ds_update_is_one_step_along_the_gradient_of_its_halved_loss(precision):
    dtype, tolerance = PRECISIONS[precision]
    check_d_update_follows_the_paper(step_module, dtype, tolerance)


def test_ds_update_sends_no_gradient_into_g():
    check_d_update_leaves_g_alone(step_module)


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("lambda_l1", [0.0, 7.0])
def test_gs_gradient_is_the_adversarial_term_plus_lambda_times_l1(lambda_l1, precision):
    # lambda 0: the whole gradient comes through D; lambda 7: L1's share scales with lambda
    dtype, tolerance = PRECISIONS[precision]
    check_g_update_follows_the_paper(step_module, lambda_l1, dtype, tolerance)


def test_without_d_gs_gradient_is_lambda_times_l1():
    check_g_update_follows_the_paper(step_module, 100.0, with_d=False)


def test_gs_update_leaves_ds_weights_and_gradients_untouched():
    check_g_update_leaves_d_alone(step_module)


def test_d_is_trainable_again_after_gs_update():
    check_d_learns_again_after_gs_update(step_module)


def test_each_step_starts_from_clean_gradients():
    check_second_step_starts_from_clean_gradients(step_module)


def test_a_step_draws_g_x_once_and_reports_loss_d_loss_g_gan_and_loss_g_l1():
    check_train_step_draws_g_x_once_and_reports_the_losses(step_module)


# (mistake, pattern, replacement) in pix2pix/step.py
MISTAKES = [
    ("D's fake not detached", r"fake_image\.detach\(\)\)", "fake_image)"),
    ("G's fake detached before D", r"frozen_discriminator\(input_image, fake_image\)",
     "frozen_discriminator(input_image, fake_image.detach())"),
    ("D not frozen in G's update", r"set_requires_grad\(frozen_discriminator, False\)", "pass"),
    ("D never unfrozen", r"set_requires_grad\(self\.discriminator, True\)", "pass"),
    ("D's gradients never cleared", r"self\.optimizer_d\.zero_grad\(set_to_none=True\)", "pass"),
    ("G's gradients never cleared", r"self\.optimizer_g\.zero_grad\(set_to_none=True\)", "pass"),
    ("D scores (G(x), x)", r"self\.discriminator\(input_image, fake_image\.detach\(\)\)",
     "self.discriminator(fake_image.detach(), input_image)"),
    ("D's real pair is (x, x)", r"self\.discriminator\(input_image, target_image\)",
     "self.discriminator(input_image, input_image)"),
    ("lambda ignored", r"target_image, self\.lambda_l1\)", "target_image, LAMBDA_L1)"),
    ("L1 against x", r"fake_image\.float\(\), target_image", "fake_image.float(), input_image"),
    ("G(x) drawn again for G", r"(        self\.optimizer_g\.zero_grad\(set_to_none=True\)\n)",
     r"\1        fake_image = self.generator(input_image)\n"),
    ("G never steps", r"self\.precision\.scaler\.step\(self\.optimizer_g\)", "pass"),
    ("D steps in G's update", r"self\.precision\.scaler\.step\(self\.optimizer_g\)",
     "self.precision.scaler.step(self.optimizer_d)"),
    ("G(x) drawn without gradients", r"( +)fake_image = self\.generator\(input_image\)  #",
     r"\1with torch.no_grad():\n\1    fake_image = self.generator(input_image)  #"),
    ("D's fake term under no_grad",
     r"( +)fake_logits = self\.discriminator\(input_image, fake_image\.detach\(\)\)",
     r"\1with torch.no_grad():\n\1    fake_logits = self.discriminator(input_image, "
     r"fake_image.detach())"),
    ("D in eval mode in G's update", r"(set_requires_grad\(frozen_discriminator, False\))",
     r"\1; frozen_discriminator.eval()"),
]


def planted_step(tmp_path, pattern, replacement):
    source, count = re.subn(pattern, replacement, STEP_FILE.read_text(), count=1)
    assert count == 1, f"the mistake's pattern {pattern!r} no longer matches step.py"
    path = tmp_path / "planted_step.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"planted_step_{abs(hash(pattern))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("mistake, pattern, replacement", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_classic_mistake_in_the_step_fails_a_check(tmp_path, mistake, pattern, replacement):
    module = planted_step(tmp_path, pattern, replacement)
    failed = []
    for check in CHECKS:
        try:
            check(module)
        except (AssertionError, RuntimeError) as error:  # a crash is a failure too
            failed.append((check.__name__, str(error)[:80]))
    assert failed, f"no check caught: {mistake}"
