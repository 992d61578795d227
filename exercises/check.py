"""Grade the Re-code track: a score table per part and per check, and a hint for each failure.

Goal: find out, alone and at once, whether your re-coded pieces of pix2pix are right.
Command (from any directory):

    python exercises/check.py                   # every part of exercises/recode/
    python exercises/check.py patchgan          # one part
    python exercises/check.py --solutions exercises/recode_solutions
    python exercises/check.py facade --facade my_facade.png

Expected output: one line per check (PASS; FAIL; NOT DONE while a gap is left; ERROR when your
code raised), a hint under each one that did not pass, then the score per part. The exit code is
0 only when every graded check passes. Runtime: a few seconds on a laptop CPU.

Each check is one small function below; its docstring says what it tests, and its "Hint:" line
is what you see when your code raises an unexpected error in it.
"""

import argparse
import importlib.util
import inspect
import sys
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from pix2pix import losses as reference_losses
from pix2pix.facades import CLASS_NAMES, LABEL_SIZE, LabelError, read_label
from pix2pix.models import PatchGANDiscriminator, UNetGenerator, count_parameters

# -----------------------------------------------------------------------------
# Settings you can change

RECODE_DIR = Path(__file__).resolve().parent / "recode"
OVERFIT_STEPS = 100  # steps of the final overfit; the reference passes 0.1 within about 30
OVERFIT_TARGET_L1 = 0.1  # mean absolute error (images in [-1, 1]) the overfit must reach
FACADE_FILE = "my_facade.png"  # exercise 2's own design, looked for in the graded folder
MIN_CLASSES = 4  # classes a designed facade must show, each on at least 0.5% of the label

# -----------------------------------------------------------------------------
# 1. The machinery: load the student's files, register checks, run them


class CheckFailed(Exception):
    """A check's verdict "wrong"; the message is the hint shown to the student."""


class Submission:
    """The student's files, each imported on first use under a module name of its own.

    A name of its own lets one process grade several folders (the tests grade the starter, the
    solutions and planted mistakes side by side) without one ``losses`` hiding another.
    """

    def __init__(self, directory, facade=None):
        self.directory = Path(directory).resolve()
        self.facade = Path(facade) if facade else self.directory / FACADE_FILE
        self.modules = {}

    def __getattr__(self, stem):
        if stem not in self.modules:
            path = self.directory / f"{stem}.py"
            if not path.is_file():
                fix = (f"restore it with git checkout exercises/recode/{path.name}"
                       if self.directory == RECODE_DIR else f"copy it from {RECODE_DIR}")
                raise CheckFailed(f"{path} is missing: {fix}")
            name = f"recode_{abs(hash(str(path)))}_{stem}"
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # a @dataclass in the student's file looks itself up here
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            self.modules[stem] = module
        return self.modules[stem]


@dataclass
class Check:
    part: str
    name: str
    function: object

    @property
    def hint(self):
        """The "Hint:" paragraph of the check's docstring."""
        doc = inspect.getdoc(self.function)
        return " ".join(doc.split("Hint:", 1)[1].split()) if "Hint:" in doc else ""


@dataclass
class Result:
    part: str
    name: str
    status: str  # PASS, FAIL, NOT DONE (a gap is left) or ERROR (the student's code raised)
    hint: str


PARTS = {  # part -> the student file it grades
    "unet": "unet_blocks.py",
    "patchgan": "patchgan.py",
    "losses": "losses.py",
    "update": "gan_step.py",
    "augment": "augment.py",
    "overfit": "unet_blocks.py + patchgan.py + gan_step.py",
    "facade": FACADE_FILE,
}
CHECKS = []


def check(part, name):
    """Register the decorated function as the check ``name`` of ``part``."""
    def register(function):
        CHECKS.append(Check(part, name, function))
        return function
    return register


def where_it_raised(exc, directory):
    """'file.py:line' of the last traceback frame in the student's folder, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).resolve().parent == directory]
    return f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""


def run_check(item, submission):
    """Run one check and turn whatever happens, exceptions included, into a Result."""
    torch.manual_seed(0)
    try:
        item.function(submission)
        status, hint = "PASS", ""
    except CheckFailed as exc:
        status, hint = "FAIL", str(exc) or item.hint
    except NotImplementedError as exc:
        status, hint = "NOT DONE", f"not done yet: {exc}"
    except Exception as exc:  # the student's code may raise anything; the grader must not
        status = "ERROR"
        hint = (f"{type(exc).__name__}: {exc}{where_it_raised(exc, submission.directory)}. "
                f"Check: {item.hint}")
    return Result(item.part, item.name, status, hint)


def grade(directory=RECODE_DIR, parts=None, facade=None):
    """Grade the files in ``directory``; ``parts`` picks some of PARTS (default: all).

    ``facade`` is the label image the "facade" part grades (default: directory/my_facade.png).
    """
    submission = Submission(directory, facade)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tensors are tiny: waking more threads costs more than it saves
    try:
        return [run_check(item, submission) for item in CHECKS
                if parts is None or item.part in parts]
    finally:
        torch.set_num_threads(threads)


def close(a, b, tol=1e-4):
    """Whether two numbers agree to ``tol``, relative for large ones, absolute for small ones."""
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))


# -----------------------------------------------------------------------------
# 2. Part "unet": DownBlock, UpBlock and the skip connections of UNet


@check("unet", "down block halves height and width")
def down_block_shape(student):
    """DownBlock(3, 16) maps (2, 3, 32, 32) to (2, 16, 16, 16).

    Hint: Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1).
    """
    out = student.unet_blocks.DownBlock(3, 16)(torch.randn(2, 3, 32, 32))
    if tuple(out.shape) != (2, 16, 16, 16):
        raise CheckFailed(f"got {tuple(out.shape)}, expected (2, 16, 16, 16): use kernel_size=4, "
                          "stride=2, padding=1")


@check("unet", "up block doubles height and width")
def up_block_shape(student):
    """UpBlock(16, 8) maps (2, 16, 8, 8) to (2, 8, 16, 16).

    Hint: ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1).
    """
    out = student.unet_blocks.UpBlock(16, 8)(torch.randn(2, 16, 8, 8))
    if tuple(out.shape) != (2, 8, 16, 16):
        raise CheckFailed(f"got {tuple(out.shape)}, expected (2, 8, 16, 16): a ConvTranspose2d "
                          "with kernel_size=4, stride=2, padding=1 doubles H and W")


@check("unet", "U-Net output has the input's size, in [-1, 1]")
def unet_shape(student):
    """A small UNet (ngf=8, num_downs=5) maps (2, 3, 32, 32) to (2, 3, 32, 32) within [-1, 1].

    Hint: in forward, keep every encoder output but the bottleneck's, and concatenate each with
    the decoder output of the same size: torch.cat([skip, up(h)], dim=1).
    """
    out = student.unet_blocks.UNet(ngf=8, num_downs=5)(torch.randn(2, 3, 32, 32))
    if tuple(out.shape) != (2, 3, 32, 32):
        raise CheckFailed(f"got {tuple(out.shape)}, expected (2, 3, 32, 32)")
    if out.abs().max() > 1:
        raise CheckFailed("values outside [-1, 1]: finish with self.output, which ends in Tanh")


@check("unet", "parameter count is the paper's 54,413,955")
def unet_parameter_count(student):
    """The default UNet has exactly as many weights as pix2pix.models.UNetGenerator.

    Hint: every block convolution has bias=False; no norm on the outermost block and the
    bottleneck; BatchNorm2d everywhere else.
    """
    expected = count_parameters(UNetGenerator())
    got = count_parameters(student.unet_blocks.UNet())
    if got > expected:
        raise CheckFailed(f"{got:,} weights, {got - expected:,} too many: a convolution before a "
                          "BatchNorm must have bias=False")
    if got < expected:
        raise CheckFailed(f"{got:,} weights, {expected - got:,} too few: is a BatchNorm2d missing "
                          "in DownBlock or UpBlock?")


@check("unet", "skip connections reach the decoder")
def unet_skip_connections(student):
    """With the bottleneck cut off from autograd, the output still depends on the input.

    The probe detaches the bottleneck's output, so gradient can only flow through the skips.
    Hint: concatenate each skip with the upsampled features: h = torch.cat([skip, up(h)], dim=1).
    """
    unet = student.unet_blocks.UNet(ngf=8, num_downs=5, dropout=False)
    unet.encoder[-1].register_forward_hook(lambda module, args, output: output.detach())
    input_image = torch.randn(1, 3, 32, 32, requires_grad=True)
    unet(input_image).sum().backward()
    if input_image.grad is None or input_image.grad.abs().sum() == 0:
        raise CheckFailed("the output depends on the input only through the bottleneck: "
                          "concatenate each skip, h = torch.cat([skip, up(h)], dim=1)")


# -----------------------------------------------------------------------------
# 3. Part "patchgan": the 70x70 discriminator


@check("patchgan", "output is a 30x30 grid for 256x256 images")
def patchgan_shape(student):
    """PatchGAN(ndf=8) maps two (1, 3, 256, 256) images to (1, 1, 30, 30) logits.

    Hint: concatenate the two images on dim=1 (6 channels); stride 2 for C64, C128, C256;
    stride 1 for C512 and the last convolution.
    """
    discriminator = student.patchgan.PatchGAN(ndf=8)
    out = discriminator(torch.randn(1, 3, 256, 256), torch.randn(1, 3, 256, 256))
    if tuple(out.shape) != (1, 1, 30, 30):
        raise CheckFailed(f"got {tuple(out.shape)}, expected (1, 1, 30, 30): three stride-2 "
                          "convolutions, then C512 and the last convolution with stride 1")


@check("patchgan", "parameter count is the paper's 2,768,705")
def patchgan_parameter_count(student):
    """The default PatchGAN has exactly as many weights as pix2pix.models.PatchGANDiscriminator.

    Hint: 4x4 convolutions with 6-64-128-256-512-1 channels; no bias before a BatchNorm.
    """
    expected = count_parameters(PatchGANDiscriminator())
    got = count_parameters(student.patchgan.PatchGAN())
    if got != expected:
        raise CheckFailed(f"{got:,} weights, expected {expected:,}: 4x4 convolutions 6-64-128-256-"
                          "512-1, BatchNorm after C128/C256/C512, no bias before a BatchNorm")


def receptive_field(discriminator, size=128):
    """Height and width of the input region that one central logit depends on (gradient probe).

    In eval mode, so that BatchNorm uses fixed statistics and does not mix distant pixels.
    """
    discriminator.eval()
    images = [torch.randn(1, 3, size, size, requires_grad=True) for _ in range(2)]
    logits = discriminator(*images)  # (1, 1, h, w)
    logits[0, 0, logits.shape[2] // 2, logits.shape[3] // 2].backward()
    touched = (images[0].grad.abs() + images[1].grad.abs()).sum(dim=(0, 1)) > 0  # (size, size)
    rows, cols = touched.any(dim=1).nonzero(), touched.any(dim=0).nonzero()
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


@check("patchgan", "receptive field is 70x70")
def patchgan_receptive_field(student):
    """One central logit depends on exactly 70x70 input pixels, measured by a gradient probe.

    Hint: all five convolutions are 4x4 with padding 1; strides 2, 2, 2, 1, 1.
    """
    height, width = receptive_field(student.patchgan.PatchGAN(ndf=8))
    if (height, width) != (70, 70):
        raise CheckFailed(f"one logit sees {height}x{width} pixels, not 70x70: every convolution "
                          "is 4x4 with padding 1, with strides 2, 2, 2, 1, 1")


@check("patchgan", "BatchNorm after C128, C256 and C512 only")
def patchgan_norm_layers(student):
    """The PatchGAN holds exactly three BatchNorm2d layers (none after C64, none at the end).

    Hint: nn.BatchNorm2d after C128, C256 and C512, between the convolution and the LeakyReLU.
    """
    discriminator = student.patchgan.PatchGAN()
    norms = [m for m in discriminator.modules() if isinstance(m, nn.BatchNorm2d)]
    if len(norms) != 3:
        raise CheckFailed(f"found {len(norms)} BatchNorm2d layers, expected 3: after C128, C256 "
                          "and C512, not after C64 or the last convolution")


@check("patchgan", "ends with logits, not a sigmoid")
def patchgan_returns_logits(student):
    """No nn.Sigmoid in the PatchGAN, and its outputs are not all inside (0, 1).

    Hint: leave the sigmoid out: the losses apply it inside binary_cross_entropy_with_logits.
    """
    discriminator = student.patchgan.PatchGAN(ndf=8)
    out = discriminator(torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64))
    has_sigmoid = any(isinstance(m, nn.Sigmoid) for m in discriminator.modules())
    if has_sigmoid or bool(((out > 0) & (out < 1)).all()):
        raise CheckFailed("D ends with a sigmoid: remove it, the losses take logits")


# -----------------------------------------------------------------------------
# 4. Part "losses": on fixed tensors scored by a stand-in discriminator


def stand_in_batch():
    """Fixed x, y, G(x) and the logits a stand-in D gives them.

    The stand-in D needs no training: its logit per pixel is 3 * mean over channels of
    (other - input), so the real and the fake pair get different, known logits.
    """
    generator = torch.Generator().manual_seed(1234)
    input_image, target_image, fake_image = (
        torch.rand(2, 3, 8, 8, generator=generator) * 2 - 1 for _ in range(3))

    def stand_in_discriminator(x, other):
        return 3 * (other - x).mean(dim=1, keepdim=True)  # (B, 1, H, W) logits

    return (input_image, target_image, fake_image,
            stand_in_discriminator(input_image, target_image),
            stand_in_discriminator(input_image, fake_image))


def bce(logits, label):
    """Binary cross-entropy of ``logits`` against the constant ``label`` (1 real, 0 fake)."""
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))


@check("losses", "losses take logits (no double sigmoid)")
def losses_take_logits(student):
    """Confident, correct logits (real +8, fake -8; G's fake +8) give losses near 0.

    Hint: pass the logits straight to F.binary_cross_entropy_with_logits; it applies the sigmoid.
    """
    real, fake = torch.full((2, 1, 4, 4), 8.0), torch.full((2, 1, 4, 4), -8.0)
    d_loss = float(student.losses.discriminator_loss(real, fake))
    image = torch.zeros(2, 3, 8, 8)
    g_adversarial = float(student.losses.generator_loss(real, image, image, 100.0)[1])
    if d_loss > 1e-3 or g_adversarial > 1e-3:
        raise CheckFailed(f"losses {d_loss:.3f} (D) and {g_adversarial:.3f} (G) on confident, "
                          "correct logits should be ~0: double sigmoid? binary_cross_entropy_with"
                          "_logits already applies one; do not call torch.sigmoid first")


@check("losses", "D loss is halved")
def discriminator_loss_value(student):
    """D's loss on the stand-in batch is 0.5 * (BCE(real, 1) + BCE(fake, 0)).

    Only the factor and the labels are judged here; a double sigmoid is reported by the check
    above. Hint: return 0.5 * (real_loss + fake_loss), real labelled 1 and fake labelled 0.
    """
    *_, real_logits, fake_logits = stand_in_batch()
    got = float(student.losses.discriminator_loss(real_logits, fake_logits))
    expected = float(reference_losses.discriminator_loss(real_logits, fake_logits))
    sig_real, sig_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    double = 0.5 * float(bce(sig_real, 1.0) + bce(sig_fake, 0.0))
    if close(got, expected) or close(got, double):
        return
    if close(got, 2 * expected) or close(got, 2 * double):
        raise CheckFailed(f"D loss is {got:.4f}, twice the expected {expected:.4f}: D loss not "
                          "halved; the paper divides it by 2 to slow D down")
    raise CheckFailed(f"D loss is {got:.4f}, expected {expected:.4f} = 0.5 * (BCE(real, 1) + "
                      "BCE(fake, 0)): are the labels right?")


@check("losses", "lambda weights the L1 term only")
def lambda_on_l1_only(student):
    """total(lambda) - total(0) equals lambda * mean|G(x) - y| on the stand-in batch.

    Hint: total = adversarial + lambda_l1 * l1; lambda must not multiply the adversarial term.
    """
    _, target_image, fake_image, _, fake_logits = stand_in_batch()
    loss = student.losses.generator_loss
    total_0 = float(loss(fake_logits, fake_image, target_image, 0.0)[0])
    total_10 = float(loss(fake_logits, fake_image, target_image, 10.0)[0])
    l1 = float(F.l1_loss(fake_image, target_image))
    slope = (total_10 - total_0) / 10
    if not close(slope, l1):
        raise CheckFailed(f"raising lambda_l1 by 1 adds {slope:.4f} to the total, expected the L1 "
                          f"term {l1:.4f} alone: lambda applied to the adversarial term too?")
    if close(total_0, 0.0, tol=1e-6):
        raise CheckFailed("with lambda_l1 = 0 the total is 0: the adversarial term is missing; "
                          "total = adversarial + lambda_l1 * l1")


@check("losses", "G's adversarial term labels its fakes real")
def generator_adversarial_value(student):
    """G's adversarial term on the stand-in batch is BCE(D(x, G(x)), 1), the non-saturating form.

    Hint: adversarial = F.binary_cross_entropy_with_logits(fake_logits, ones_like(fake_logits)).
    """
    _, target_image, fake_image, _, fake_logits = stand_in_batch()
    got = float(student.losses.generator_loss(fake_logits, fake_image, target_image, 100.0)[1])
    if close(got, bce(fake_logits, 1.0)) or close(got, bce(torch.sigmoid(fake_logits), 1.0)):
        return
    if close(got, bce(fake_logits, 0.0)) or close(got, -bce(fake_logits, 0.0)):
        raise CheckFailed(f"adversarial term {got:.4f}: G must label its fakes 1 (real), the "
                          "non-saturating form of the paper")
    raise CheckFailed(f"adversarial term {got:.4f}, expected {float(bce(fake_logits, 1.0)):.4f} "
                      "= BCE(fake_logits, 1)")


@check("losses", "L1 term is the mean absolute error")
def l1_value(student):
    """G's L1 term on the stand-in batch is mean|G(x) - y|, returned before lambda.

    Hint: l1 = F.l1_loss(fake_image, target_image), the mean, not the sum or the squared error.
    """
    _, target_image, fake_image, _, fake_logits = stand_in_batch()
    got = float(student.losses.generator_loss(fake_logits, fake_image, target_image, 100.0)[2])
    expected = float(F.l1_loss(fake_image, target_image))
    if close(got, expected):
        return
    if close(got, F.mse_loss(fake_image, target_image)):
        raise CheckFailed(f"l1 = {got:.4f} is the squared error: use the absolute difference")
    if close(got, (fake_image - target_image).abs().sum()):
        raise CheckFailed(f"l1 = {got:.4f} is a sum: take the mean")
    raise CheckFailed(f"l1 = {got:.4f}, expected {expected:.4f} = mean|G(x) - y| before lambda")


# -----------------------------------------------------------------------------
# 5. Part "update": the two gradient steps


class StandInPair(nn.Module):
    """A tiny G (1x1 convolution) and D (1x1 convolution on the pair), for the update checks."""

    def __init__(self):
        super().__init__()
        self.generator = nn.Conv2d(3, 3, kernel_size=1)
        self.discriminator_conv = nn.Conv2d(6, 1, kernel_size=1)

    def discriminator(self, input_image, other_image):
        return self.discriminator_conv(torch.cat([input_image, other_image], dim=1))


def snapshot(module):
    """Copies of a module's weights, to tell later whether a step changed them."""
    return [p.detach().clone() for p in module.parameters()]


def changed(module, before):
    """Whether any weight of ``module`` differs from its :func:`snapshot` ``before``."""
    return any(not torch.equal(p, b) for p, b in zip(module.parameters(), before))


@check("update", "D's update detaches the fake (no gradient reaches G)")
def d_update_detaches(student):
    """After update_discriminator, every parameter of G has no gradient (or a zero one).

    Hint: feed fake_image.detach() to D in D's update, so D's loss cannot reach G.
    """
    pair, x, y = StandInPair(), torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    optimizer = torch.optim.SGD(pair.discriminator_conv.parameters(), lr=0.1)
    student.gan_step.update_discriminator(pair.generator, pair.discriminator, optimizer, x, y)
    if any(p.grad is not None and p.grad.abs().sum() > 0 for p in pair.generator.parameters()):
        raise CheckFailed("G received gradient from D's loss: missing .detach(); use "
                          "discriminator(input_image, fake_image.detach())")


@check("update", "D's update steps D and returns D's loss")
def d_update_steps(student):
    """update_discriminator changes D's weights and returns the loss before the step.

    Hint: loss = discriminator_loss(real_logits, fake_logits); optimizer.zero_grad();
    loss.backward(); optimizer.step(); return loss.item().
    """
    pair, x, y = StandInPair(), torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        expected = float(reference_losses.discriminator_loss(
            pair.discriminator(x, y), pair.discriminator(x, pair.generator(x))))
    before = snapshot(pair.discriminator_conv)
    optimizer = torch.optim.SGD(pair.discriminator_conv.parameters(), lr=0.1)
    got = student.gan_step.update_discriminator(pair.generator, pair.discriminator, optimizer,
                                                x, y)
    if not changed(pair.discriminator_conv, before):
        raise CheckFailed("D's weights did not change: call loss.backward() and optimizer.step()")
    if got is None or not close(got, expected):
        raise CheckFailed(f"returned {got}, expected D's loss {expected:.4f}: score the real pair "
                          "(x, y) and the fake pair (x, G(x)) and return loss.item()")


@check("update", "G's update steps G and returns G's loss")
def g_update_steps(student):
    """update_generator changes G's weights, not D's, and returns G's total loss.

    Hint: fake_image = generator(x); loss = generator_loss(discriminator(x, fake_image),
    fake_image, y, lambda_l1); zero_grad, loss.total.backward(), step; return loss.total.item().
    """
    pair, x, y = StandInPair(), torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        fake_image = pair.generator(x)
        expected = float(reference_losses.generator_loss(
            pair.discriminator(x, fake_image), fake_image, y, 100.0).total)
    before_g, before_d = snapshot(pair.generator), snapshot(pair.discriminator_conv)
    optimizer = torch.optim.SGD(pair.generator.parameters(), lr=0.01)
    got = student.gan_step.update_generator(pair.generator, pair.discriminator, optimizer, x, y,
                                            100.0)
    if not changed(pair.generator, before_g) or changed(pair.discriminator_conv, before_d):
        raise CheckFailed("only G's weights must change: backward G's total loss, then step "
                          "the optimizer you were given")
    if got is None or not close(got, expected):
        raise CheckFailed(f"returned {got}, expected G's total loss {expected:.4f}")


# -----------------------------------------------------------------------------
# 6. Part "augment": paired random jitter and mirroring


def ramp_image():
    """(3, 256, 256) whose value grows left to right, so a flip and a rescale are visible."""
    return torch.linspace(-1, 1, 256).expand(3, 256, 256).clone()


@check("augment", "outputs are 256x256")
def augment_shape(student):
    """paired_jitter on two (3, 256, 256) images returns two (3, 256, 256) images.

    Hint: resize to LOAD_SIZE (286), then crop a CROP_SIZE (256) window.
    """
    outputs = student.augment.paired_jitter(torch.rand(3, 256, 256), torch.rand(3, 256, 256))
    shapes = [tuple(out.shape) for out in outputs]
    if shapes != [(3, 256, 256)] * 2:
        raise CheckFailed(f"got {shapes}, expected two (3, 256, 256)")


@check("augment", "same crop and flip for both images")
def augment_same_for_both(student):
    """Given the same image twice, paired_jitter returns the same image twice, for 20 seeds.

    Hint: draw top, left and the flip once, then apply them to both images.
    """
    image = torch.rand(3, 256, 256)
    for seed in range(20):
        torch.manual_seed(seed)
        x, y = student.augment.paired_jitter(image, image.clone())
        if not torch.equal(x, y):
            raise CheckFailed("the two images got different crops or flips: draw top, left and "
                              "the flip once and apply them to both, or x and y stop matching")


@check("augment", "crop position and flip are random")
def augment_is_random(student):
    """Over 20 seeds the crop moves and about half the outputs are mirrored.

    Hint: top and left from torch.randint(0, LOAD_SIZE - CROP_SIZE + 1, ()); flip when
    torch.rand(()) < 0.5.
    """
    corners, flips = set(), 0
    for seed in range(20):
        torch.manual_seed(seed)
        x, _ = student.augment.paired_jitter(ramp_image(), ramp_image())
        corners.add(round(float(x[0, 0, 0]), 4))
        flips += bool(x[0, 0, -1] < x[0, 0, 0])
    if len(corners) < 4:
        raise CheckFailed("the crop hardly moves: draw top and left with torch.randint")
    if not 3 <= flips <= 17:
        raise CheckFailed(f"{flips} of 20 outputs mirrored: flip with probability 0.5")


@check("augment", "images are resized to 286 before the crop")
def augment_resizes(student):
    """A left-to-right ramp comes out with its slope scaled by 255/285 (256 -> 286 pixels).

    Hint: call resize_to_load_size on both images before cropping.
    """
    x, _ = student.augment.paired_jitter(ramp_image(), ramp_image())
    ratio = float(x[0].diff(dim=1).abs().mean()) / (2 / 255)
    if not 0.85 < ratio < 0.94:
        raise CheckFailed(f"the image is scaled by {1 / ratio:.3f}, expected 286/256 = 1.117: "
                          "resize to 286 first, then crop 256")


# -----------------------------------------------------------------------------
# 7. Part "overfit": your pieces together learn one pair


@check("overfit", "a small pix2pix overfits one synthetic pair")
def overfit_one_pair(student):
    """A small UNet and PatchGAN trained with your update steps reach L1 < 0.1 on one pair.

    Hint: every other part must pass first; then check that both updates call zero_grad,
    backward and step, and that the UNet's forward ends with self.output.
    """
    generator = student.unet_blocks.UNet(ngf=8, num_downs=5, dropout=False)
    discriminator = student.patchgan.PatchGAN(ndf=8)
    coords = torch.linspace(-1, 1, 32)
    input_image = torch.stack([coords.expand(32, 32), coords[:, None].expand(32, 32),
                               (coords[:, None] * coords).sign()])[None]  # (1, 3, 32, 32)
    target_image = torch.sin(3 * input_image).flip(1)  # pixel-aligned, a different "style"
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for _ in range(OVERFIT_STEPS):
        student.gan_step.update_discriminator(generator, discriminator, d_optimizer,
                                              input_image, target_image)
        student.gan_step.update_generator(generator, discriminator, g_optimizer,
                                          input_image, target_image, 100.0)
    with torch.no_grad():
        l1 = float(F.l1_loss(generator(input_image), target_image))
    if l1 > OVERFIT_TARGET_L1:
        raise CheckFailed(f"L1 is still {l1:.3f} after {OVERFIT_STEPS} steps, expected < "
                          f"{OVERFIT_TARGET_L1}: do both updates zero_grad, backward and step?")


# -----------------------------------------------------------------------------
# 8. Part "facade": exercise 2's own design, read by the course's label validator


def facade_report(student):
    """pix2pix.facades' LabelReport of the student's design; a missing file is "not done yet"."""
    if not student.facade.is_file():
        raise NotImplementedError(f"draw a facade label and save it as {student.facade} -- see "
                                  "docs/recode.rst, 'Part 6: your own facade'")
    try:
        return read_label(student.facade)[1]
    except LabelError as error:
        raise CheckFailed(f"{student.facade.name} is not a label: {error}") from error


@check("facade", "facade label is 256x256")
def facade_size(student):
    """The design is 256x256 pixels, the size of the model's input.

    Hint: draw on a 256x256 canvas; other sizes are squashed to it and change the proportions.
    """
    width, height = facade_report(student).size
    if (width, height) != (LABEL_SIZE, LABEL_SIZE):
        raise CheckFailed(f"the label is {width}x{height}: draw it on a {LABEL_SIZE}x{LABEL_SIZE} "
                          "canvas, the size the generator was trained on")


@check("facade", "facade label uses the model's palette")
def facade_palette(student):
    """Every pixel is exactly a class colour of the model's jet(64) palette (or a class id).

    Hint: draw with the colours of the legend, no anti-aliasing, and save as PNG (not JPEG).
    """
    report = facade_report(student)
    if report.source == "CMP jet(12)":
        raise CheckFailed("drawn in CMP's jet(12) colours: the generator was trained on the "
                          "jet(64) colours of the legend; use those")
    if report.off_palette_fraction > 0.01:
        raise CheckFailed(f"{report.off_palette_fraction:.1%} of the pixels are not a class "
                          "colour: turn off anti-aliasing, save as PNG, use the legend's colours")


@check("facade", "facade label covers wall, windows and more")
def facade_coverage(student):
    """Wall on at least 5%, windows on at least 2%, and at least 4 classes on 0.5% or more.

    Hint: the generator paints walls from the facade class and needs windows to place; add a
    door, cornices, sills or balconies.
    """
    coverage = facade_report(student).class_coverage
    present = [name for name in CLASS_NAMES if coverage[name] >= 0.005]
    if coverage["facade"] < 0.05 or coverage["window"] < 0.02:
        raise CheckFailed(f"facade (wall) {coverage['facade']:.0%} and window "
                          f"{coverage['window']:.0%}: cover at least 5% with wall and 2% with "
                          "windows")
    if len(present) < MIN_CLASSES:
        raise CheckFailed(f"only {', '.join(present)}: show at least {MIN_CLASSES} classes, e.g. "
                          "add a door, cornices, sills or balconies")


# -----------------------------------------------------------------------------
# 9. The score table


def report(results, directory):
    """The text a student reads: one line per check, a hint under each failure, the scores."""
    lines = [f"Grading {directory}", ""]
    for part, files in PARTS.items():
        rows = [r for r in results if r.part == part]
        if not rows:
            continue
        passed = sum(r.status == "PASS" for r in rows)
        lines.append(f"{part} ({files})  {passed}/{len(rows)}")
        for r in rows:
            lines.append(f"  {r.status:<8}  {r.name}")
            if r.hint:
                lines += textwrap.wrap(f"hint: {r.hint}", width=96, initial_indent=" " * 12,
                                       subsequent_indent=" " * 18)
        lines.append("")
    lines += ["part        score", "----------  -----"]
    for part in PARTS:
        rows = [r for r in results if r.part == part]
        if rows:
            lines.append(f"{part:<10}  {sum(r.status == 'PASS' for r in rows)}/{len(rows)}")
    total = sum(r.status == "PASS" for r in results)
    lines.append(f"{'total':<10}  {total}/{len(results)}")
    return "\n".join(lines)


def main(argv=None):
    """Parse the command line, grade, print the report; returns the exit code."""
    parser = argparse.ArgumentParser(description="Grade the Re-code track.")
    parser.add_argument("part", nargs="?", choices=list(PARTS),
                        help="grade only this part (default: all)")
    parser.add_argument("--solutions", type=Path, default=RECODE_DIR, metavar="DIR",
                        help="folder holding the files to grade (default: exercises/recode)")
    parser.add_argument("--facade", type=Path, default=None, metavar="PATH",
                        help=f"your facade label (default: {FACADE_FILE} in that folder)")
    args = parser.parse_args(argv)
    if not args.solutions.is_dir():
        print(f"error: {args.solutions} is not a folder; pass the folder that holds "
              "unet_blocks.py, e.g. --solutions exercises/recode", file=sys.stderr)
        return 2
    results = grade(args.solutions, [args.part] if args.part else None, args.facade)
    print(report(results, args.solutions))
    return 0 if all(r.status == "PASS" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
