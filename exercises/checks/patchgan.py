"""Part "patchgan" of the Re-code grader: the 70x70 PatchGAN discriminator.

Grades exercises/recode/patchgan.py; explained on docs/recode.rst, "Part 2: PatchGAN". The
receptive field is measured with a gradient probe; the activations and norms on the running
network.
"""

import torch
import torch.nn as nn

from checks.unet import BIAS_BEFORE_NORM, activation_name
from checks.layers import recorded_layers
from grading import CheckFailed, Checks, close, fail_on
from pix2pix.models import PatchGANDiscriminator, count_parameters
from pix2pix.probes import receptive_field

CHECKS = Checks("patchgan")
check = CHECKS.register
PATCHGAN_LAYERS = "CCBCBCBC"  # C64, C128 + BatchNorm, C256 + BatchNorm, C512 + BatchNorm, last
CONVOLUTIONS = [(4, 2, 1)] * 3 + [(4, 1, 1)] * 2  # (kernel, stride, padding) of each

# A named mistake that more than one check can see: one text, so the report names it once
UNCONDITIONAL = ("D ignores the input image x: an unconditional D only asks whether an image "
                 "looks real, not whether it belongs to x; concatenate x and the other image "
                 "on the channel axis and judge the pair")
BATCH_AXIS = ("x and the other image were joined on the batch axis (dim=0): D then judges each "
              "image alone, and twice as many verdicts come out; join them on the channel axis "
              "(dim=1), 6 channels, so that D judges the pair")
MEANINGS = [("to have 6 channels, but got 3 channels", UNCONDITIONAL)]  # error text -> mistake


def layout_problem(discriminator):
    """What is wrong with how D shrinks the image (pooling; its convolutions' kernels, strides
    and paddings), or ''."""
    pair = [torch.randn(1, 3, 64, 64) for _ in range(2)]
    resizing = [layer.name for layer in recorded_layers(discriminator.eval(), pair)
                if layer.kind in ("pool", "resize")]
    if resizing:
        return (f"D resizes with {' and '.join(dict.fromkeys(resizing))}: the paper's D "
                "shrinks its input with its three 4x4 stride-2 convolutions alone, each learning "
                "how; no pooling, no interpolation")
    found = [(m.kernel_size[0], m.stride[0], m.padding[0]) for m in discriminator.modules()
             if isinstance(m, nn.Conv2d)]
    if found == CONVOLUTIONS:
        return ""
    return (f"the convolutions' (kernel, stride, padding) are {found}, expected five 4x4 "
            "convolutions with padding 1 and strides 2, 2, 2, 1, 1")


def grid_problem(logits, batch):
    """What is wrong with the shape of D's logits for ``batch`` pairs, beyond its size, or ''."""
    if len(logits) == 2 * batch:
        return BATCH_AXIS
    if logits.dim() != 4:
        return ("D returns one verdict per image, not a grid: a PatchGAN returns its (B, 1, H', "
                "W') grid of logits, one per 70x70 patch, and the loss averages them; do not "
                "average or flatten them in D")
    return ""


def order_problem(discriminator):
    """What is wrong with the order of norms and activations after each convolution, as one
    forward pass runs them, or ''. Only recognised activations are read."""
    layers = recorded_layers(discriminator.eval(), [torch.randn(1, 3, 64, 64) for _ in range(2)])
    if any(layer.kind == "dropout" for layer in layers):
        return "D drops activations: the paper's D has no dropout; only G has, in its decoder"
    after = []  # per convolution: the kinds of the layers between it and the next one
    for layer in layers:
        if layer.kind == "conv":
            after.append([])
        elif after:
            after[-1].append(layer.kind)
    if any("norm" in kinds and "act" in kinds and kinds.index("act") < kinds.index("norm")
           for kinds in after):
        return ("in D, the LeakyReLU comes before the BatchNorm: the paper normalises each "
                "convolution's output, then activates it (C -> BatchNorm -> LeakyReLU)")
    return ""


def patchgan_norm_problem(discriminator):
    """What is wrong with where D's BatchNorm layers are, or '' when nothing is."""
    layers = "".join("C" if isinstance(m, nn.Conv2d) else "B" for m in discriminator.modules()
                     if isinstance(m, (nn.Conv2d, nn.BatchNorm2d)))
    if layers == PATCHGAN_LAYERS:
        return ""
    return (f"found {layers.count('B')} BatchNorm2d layers, in the order {layers} (C a "
            f"convolution, B a BatchNorm), expected {PATCHGAN_LAYERS}: a BatchNorm after C128, "
            "C256 and C512, none after C64 or the last convolution")


@check("output is a 30x30 grid for 256x256 images")
def patchgan_shape(student):
    """PatchGAN(ndf=8) maps two (1, 3, 256, 256) images to (1, 1, 30, 30) logits.

    Hint: the pair has 6 channels; three convolutions of stride 2, then two of stride 1.
    """
    discriminator = student.patchgan.PatchGAN(ndf=8)
    out = discriminator(torch.randn(1, 3, 256, 256), torch.randn(1, 3, 256, 256))
    fail_on(grid_problem(out, 1))
    if tuple(out.shape) != (1, 1, 30, 30):
        raise CheckFailed(layout_problem(discriminator) or f"got {tuple(out.shape)}, expected "
                          "(1, 1, 30, 30): three 4x4 convolutions of stride 2, then two of "
                          "stride 1")


@check("parameter count is the official code's 2,768,705")
def patchgan_parameter_count(student):
    """The default PatchGAN has exactly as many weights as pix2pix.models.PatchGANDiscriminator.

    Hint: 4x4 convolutions with 6, 64, 128, 256, 512 and 1 channels, and three BatchNorms.
    """
    expected = count_parameters(PatchGANDiscriminator())
    discriminator = student.patchgan.PatchGAN()
    got = count_parameters(discriminator)
    if got == expected:
        return
    fail_on(patchgan_norm_problem(discriminator) or layout_problem(discriminator))
    convolutions = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    fail_on(grid_problem(discriminator(*[torch.randn(1, 3, 64, 64) for _ in range(2)]), 1))
    if convolutions[0].in_channels != 6:
        raise CheckFailed(UNCONDITIONAL)
    if any(conv.bias is not None for conv in convolutions[1:4]):
        raise CheckFailed(BIAS_BEFORE_NORM)
    raise CheckFailed(f"{got:,} weights, expected {expected:,}: 4x4 convolutions with 6, 64, "
                      "128, 256, 512 and 1 channels")


@check("receptive field is 70x70")
def patchgan_receptive_field(student):
    """One central logit depends on exactly 70x70 input pixels, measured by a gradient probe.

    Hint: five 4x4 convolutions with padding 1 and strides 2, 2, 2, 1, 1.
    """
    discriminator = student.patchgan.PatchGAN(ndf=8)
    fail_on(grid_problem(discriminator(*[torch.randn(1, 3, 64, 64) for _ in range(2)]), 1))
    field = receptive_field(discriminator, image_size=128)
    if (field.height, field.width) != (70, 70):
        raise CheckFailed(layout_problem(discriminator) or f"one logit sees {field.height}x"
                          f"{field.width} pixels, not 70x70: five 4x4 convolutions with padding "
                          "1 and strides 2, 2, 2, 1, 1")


@check("BatchNorm after C128, C256 and C512 only")
def patchgan_norm_layers(student):
    """The PatchGAN's convolutions and BatchNorms come in the order C C B C B C B C.

    Hint: a BatchNorm after C128, C256 and C512, between the convolution and the activation.
    """
    discriminator = student.patchgan.PatchGAN(ndf=8)
    fail_on(patchgan_norm_problem(discriminator) or order_problem(discriminator))


def patchgan_slopes(discriminator):
    """Negative slope of the activation after each convolution but the last.

    A fresh D in eval mode: its BatchNorms hold their initial statistics (mean 0, variance 1)
    and are the identity, so each convolution's input is the activation of the previous
    convolution's output.
    """
    convolutions = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    seen = {}  # convolution -> (its input, its output), copied before any in-place activation

    def record(module, args, out):
        seen[module] = (args[0].detach().clone(), out.detach().clone())

    hooks = [conv.register_forward_hook(record) for conv in convolutions]
    try:
        with torch.no_grad():
            discriminator.eval()(torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64))
    finally:
        for hook in hooks:
            hook.remove()
    slopes = []
    for before, after in zip(convolutions, convolutions[1:]):
        out, next_in = seen[before][1], seen[after][0]
        negative = out < 0
        slopes.append(float((next_in[negative] / out[negative]).median()))
    return slopes


@check("LeakyReLU(0.2) after every convolution but the last")
def patchgan_activations(student):
    """Negative values leave C64, C128, C256 and C512 scaled by 0.2.

    Hint: every activation of the paper's D is a LeakyReLU with slope 0.2.
    """
    discriminator = student.patchgan.PatchGAN(ndf=8)
    fail_on(layout_problem(discriminator))
    slopes = patchgan_slopes(discriminator)
    wrong = [f"after C{64 * 2 ** i} it acts as {activation_name(s)}"
             for i, s in enumerate(slopes) if not close(s, 0.2, 1e-3)]
    if wrong:
        raise CheckFailed(f"{'; '.join(wrong)}: the paper's D uses LeakyReLU(0.2) after every "
                          "convolution but the last, so negative features keep a gradient")


@check("D judges the pair: its logits depend on both images")
def patchgan_is_conditional(student):
    """The logits change with the input image x as well as with the other image.

    Hint: D sees x next to y or G(x): the two images, joined on the channel axis.
    """
    discriminator = student.patchgan.PatchGAN(ndf=8).eval()
    images = [torch.randn(1, 3, 64, 64, requires_grad=True) for _ in range(2)]
    discriminator(*images).sum().backward()
    ignored = [image.grad is None or not image.grad.any() for image in images]
    if ignored[0]:
        raise CheckFailed(UNCONDITIONAL)
    if ignored[1]:
        raise CheckFailed("D's logits do not depend on the other image (y or G(x)): D must "
                          "judge the pair")


def logits_problem(discriminator):
    """What comes after D's last convolution, or '' when its output is D's logits."""
    last = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)][-1]
    seen = []
    hook = last.register_forward_hook(lambda module, args, out: seen.append(out.detach().clone()))
    try:
        with torch.no_grad():
            out = discriminator.eval()(torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64))
    finally:
        hook.remove()
    fail_on(grid_problem(out, 2))
    logits = seen[-1]
    if any(isinstance(m, nn.Sigmoid) for m in discriminator.modules()) or (
            out.shape == logits.shape and torch.allclose(out, logits.sigmoid(), atol=1e-6)):
        return "D ends with a sigmoid: remove it, the losses take logits"
    if out.shape != logits.shape or torch.allclose(out, logits, atol=1e-6):
        return ""
    negative = logits < 0
    slope = float((out[negative] / logits[negative]).median())
    return (f"D's last convolution is followed by {activation_name(slope)}: its output is the "
            "logits, which must be free to be as negative (fake) or as positive (real) as D "
            "thinks; nothing comes after it")


@check("ends with logits, not a sigmoid")
def patchgan_returns_logits(student):
    """D's output is its last convolution's output: no sigmoid, no activation after it.

    Hint: D returns logits; the losses apply the sigmoid inside the logarithm.
    """
    fail_on(logits_problem(student.patchgan.PatchGAN(ndf=8)))
