"""Part "unet" of the Re-code grader: DownBlock, UpBlock and the skip connections of UNet.

Grades exercises/recode/unet_blocks.py; explained on docs/recode.rst, "Part 1: U-Net blocks".
Shapes and weight counts are compared with pix2pix.models; where the layers sit (norms, dropout,
activations) is measured on the running network, not read from the code.
"""

import re

import torch
import torch.nn as nn

from checks.layers import recorded_layers, resampling_problem
from grading import CheckFailed, Checks, close, fail_on
from pix2pix.models import UNetGenerator, count_parameters

CHECKS = Checks("unet")
check = CHECKS.register
CONVOLUTIONS = (nn.Conv2d, nn.ConvTranspose2d)

# Named mistakes that more than one check can see: one text each, so the report names each once
BIAS_BEFORE_NORM = ("a convolution followed by a BatchNorm has a bias: BatchNorm subtracts the "
                    "mean and adds its own shift, so that bias is cancelled and the paper has "
                    "none there")
EXTRA_NORM = ("a BatchNorm where the paper has none: the outermost encoder block (it sees the raw "
              "image) and the 1x1 bottleneck (one value per channel) have no norm; DownBlock "
              "must honour normalize=False")
DROPOUT_IN_ENCODER = ("dropout in the encoder: the paper drops activations only in the decoder, in "
                      "the three blocks right after the bottleneck; DownBlock has no dropout")
SKIP_MISSING = ("a decoder block received fewer channels than it was built for: every decoder "
                "block but the innermost takes the skip and the upsampled features, joined on "
                "the channel axis")
SKIP_BATCH_AXIS = ("the skip and the upsampled features were joined on the batch axis (dim=0): "
                   "the batch doubled and the channels did not; join them on the channel axis "
                   "(dim=1), so that each decoder block sees both for the same image")
MEANINGS = [  # text in an exception's message -> the named mistake it points to
    ("Expected more than 1 value per channel when training", EXTRA_NORM),
]


def activation_name(slope):
    """What an activation with this negative slope is called."""
    if abs(slope) < 1e-3:
        return "ReLU"
    return "no activation" if abs(slope - 1) < 1e-3 else f"LeakyReLU({slope:.2g})"


def run_unet(unet, input_image):
    """``unet(input_image)``; a decoder block that receives half its channels is a missing skip,
    or one joined on the batch axis."""
    try:
        return unet(input_image)
    except RuntimeError as error:
        channels = re.search(r"input\[(\d+), .*to have (\d+) channels, but got (\d+) channels",
                             str(error))
        if "transposed=1" in str(error) and channels and int(channels[2]) == 2 * int(channels[3]):
            raise CheckFailed(SKIP_BATCH_AXIS if int(channels[1]) == 2 * len(input_image)
                              else SKIP_MISSING) from None
        raise


def first_convolution(block):
    """The block's (first) convolution layer; the probes below listen to its input."""
    for module in block.modules():
        if isinstance(module, CONVOLUTIONS):
            return module
    raise CheckFailed(f"no convolution layer in {type(block).__name__}: build it as a layer "
                      "stored on the block, as the docstring asks")


def activation_slope(block, in_channels):
    """How the activation in front of the block's convolution treats negative inputs.

    Compares the block's input with what its convolution receives, in eval mode: 0 for ReLU,
    0.2 for LeakyReLU(0.2), 1 for no activation.
    """
    x = torch.randn(2, in_channels, 8, 8)
    seen = []
    hook = first_convolution(block).register_forward_pre_hook(
        lambda module, args: seen.append(args[0].detach().clone()))
    try:
        with torch.no_grad():
            block.eval()(x.clone())  # a clone: an in-place activation overwrites its input
    finally:
        hook.remove()
    negative = x < 0
    return float((seen[0][negative] / x[negative]).median())


def norm_counts(blocks):
    """How many BatchNorm2d layers each block holds."""
    return [sum(isinstance(m, nn.BatchNorm2d) for m in block.modules()) for block in blocks]


def unet_norm_problem(unet):
    """What is wrong with where the U-Net's BatchNorm layers are, or '' when nothing is."""
    encoder, decoder = norm_counts(unet.encoder), norm_counts(unet.decoder)
    expected = [0] + [1] * (len(encoder) - 2) + [0]
    if encoder[0] or encoder[-1]:
        return EXTRA_NORM
    if encoder != expected:
        return (f"BatchNorm layers per encoder block: {encoder}, expected {expected}: every "
                "DownBlock between the outermost one and the bottleneck ends with a BatchNorm")
    if decoder != [1] * len(decoder):
        return (f"BatchNorm layers per decoder block: {decoder}, expected one in each: every "
                "UpBlock normalises the output of its transposed convolution")
    return ""


@check("down block halves height and width")
def down_block_shape(student):
    """DownBlock(3, 16) maps (2, 3, 32, 32) to (2, 16, 16, 16).

    Hint: a 4x4 convolution with stride 2 and padding 1 halves height and width.
    """
    out = student.unet_blocks.DownBlock(3, 16)(torch.randn(2, 3, 32, 32))
    if tuple(out.shape) != (2, 16, 16, 16):
        raise CheckFailed(f"got {tuple(out.shape)}, expected (2, 16, 16, 16): a 4x4 convolution "
                          "with stride 2 and padding 1 halves height and width")


@check("up block doubles height and width")
def up_block_shape(student):
    """UpBlock(16, 8) maps (2, 16, 8, 8) to (2, 8, 16, 16).

    Hint: a 4x4 transposed convolution with stride 2 and padding 1 doubles height and width.
    """
    out = student.unet_blocks.UpBlock(16, 8)(torch.randn(2, 16, 8, 8))
    if tuple(out.shape) != (2, 8, 16, 16):
        raise CheckFailed(f"got {tuple(out.shape)}, expected (2, 8, 16, 16): a 4x4 transposed "
                          "convolution with stride 2 and padding 1 doubles height and width")


@check("U-Net output has the input's size, in [-1, 1]")
def unet_shape(student):
    """A small UNet (ngf=8, num_downs=5) maps (2, 3, 32, 32) to (2, 3, 32, 32) within [-1, 1].

    Hint: keep every encoder output but the bottleneck's, and join each to the decoder output of
    the same size; finish with the output layers the constructor built.
    """
    out = run_unet(student.unet_blocks.UNet(ngf=8, num_downs=5), torch.randn(2, 3, 32, 32))
    if tuple(out.shape) != (2, 3, 32, 32):
        raise CheckFailed(f"got {tuple(out.shape)}, expected (2, 3, 32, 32)")
    if out.abs().max() > 1:
        raise CheckFailed("values outside [-1, 1]: the forward pass must end with self.output, "
                          "whose Tanh puts the image in the training images' range")


@check("parameter count is the official code's 54,413,955")
def unet_parameter_count(student):
    """The default UNet has exactly as many weights as pix2pix.models.UNetGenerator.

    Hint: count the weights of each block: a convolution, and a BatchNorm where the paper has one.
    """
    with torch.device("meta"):  # shapes without values: 54 million weights, nothing to fill
        expected = count_parameters(UNetGenerator())
        got = count_parameters(student.unet_blocks.UNet())
    if got == expected:
        return
    small = student.unet_blocks.UNet(ngf=4)
    fail_on(unet_norm_problem(small) or block_layers_problem(small))
    blocks = [*small.encoder, *small.decoder]
    if any(m.bias is not None for b in blocks for m in b.modules() if isinstance(m, CONVOLUTIONS)):
        raise CheckFailed(BIAS_BEFORE_NORM)
    raise CheckFailed(f"{got:,} weights, {abs(got - expected):,} too "
                      f"{'many' if got > expected else 'few'}: compare each block's channels "
                      "with the docstrings")


@check("BatchNorm where the official code has it")
def unet_norm_layers(student):
    """Every encoder block but the outermost and the bottleneck, and every decoder block, holds
    one BatchNorm2d.

    Hint: the outermost block and the 1x1 bottleneck have no norm; all other blocks have one.
    """
    fail_on(unet_norm_problem(student.unet_blocks.UNet(ngf=4)))


@check("LeakyReLU(0.2) in the encoder, ReLU in the decoder")
def unet_activations(student):
    """The activation in front of each block's convolution: slope 0.2 for negative inputs in
    DownBlock, none in the outermost block, slope 0 (ReLU) in UpBlock.

    Hint: the encoder's LeakyReLU keeps a small slope for negative inputs; the decoder's ReLU none.
    """
    blocks = student.unet_blocks
    down = activation_slope(blocks.DownBlock(8, 16), 8)
    outermost = activation_slope(blocks.DownBlock(3, 8, activation=False, normalize=False), 3)
    up = activation_slope(blocks.UpBlock(16, 8), 16)
    problems = []
    if not close(down, 0.2, 1e-3):
        problems.append(f"the encoder's activation acts as {activation_name(down)}; the paper's "
                        "encoder uses LeakyReLU(0.2), whose small negative slope keeps gradient "
                        "flowing")
    if not close(outermost, 1.0, 1e-3):
        problems.append("the outermost block activates the raw image: with activation=False it "
                        "starts with its convolution")
    if not close(up, 0.0, 1e-3):
        problems.append(f"the decoder's activation acts as {activation_name(up)}; the paper's "
                        "decoder uses ReLU")
    fail_on("; ".join(problems))


def zeroed(unet, train):
    """For one 256x256 image: per encoder block and per decoder block, the share of its
    outputs that are exactly zero; per decoder block, the share of those zeros that lie in
    channels zeroed whole."""
    shares, whole = {"encoder": [], "decoder": []}, []

    def record(side):
        def hook(module, args, out):
            zero = out == 0  # (1, C, H, W)
            shares[side].append(float(zero.float().mean()))
            if side == "decoder":
                whole.append(float(zero.flatten(2).all(-1).sum() * zero[0, 0].numel()
                                   / zero.sum().clamp_min(1)))
        return hook

    hooks = [block.register_forward_hook(record(side))
             for side in shares for block in getattr(unet, side)]
    try:
        with torch.no_grad():
            run_unet(unet.train(train), torch.randn(1, 3, 256, 256))
    finally:
        for hook in hooks:
            hook.remove()
    return shares["encoder"], shares["decoder"], whole


@check("dropout ends decoder blocks 1-3, on in train mode only")
def unet_dropout(student):
    """In train mode, decoder blocks 1, 2 and 3 (block 0 is the innermost) zero about half of
    their outputs, one value at a time, and no other block, encoder or decoder, zeroes any; in
    eval mode no block zeroes anything.

    Hint: Dropout(0.5) comes last in an UpBlock built with dropout=True, and only in those.
    """
    unet = student.unet_blocks.UNet(ngf=4)
    encoder, train, whole = zeroed(unet, True)
    evaluation = zeroed(unet, False)[1]
    if any(share > 0.25 for share in encoder):
        raise CheckFailed(DROPOUT_IN_ENCODER)
    dropping = [i for i, share in enumerate(train) if share > 0.25]
    if not dropping:
        if any(isinstance(m, nn.Dropout) for m in unet.decoder.modules()):
            raise CheckFailed("the decoder holds Dropout layers, yet no block's output has zeroed "
                              "values: the paper drops the block's outputs, after the norm")
        raise CheckFailed("no decoder block drops anything: an UpBlock built with dropout=True "
                          "ends with Dropout(0.5), the generator's only source of noise")
    if dropping != [1, 2, 3]:
        raise CheckFailed(f"decoder blocks {dropping} drop values, expected [1, 2, 3] (block 0 is "
                          "the innermost): an UpBlock drops only when its dropout argument says so")
    if any(share > 0.05 for share in evaluation):
        raise CheckFailed("dropout stays on in eval mode: use the Dropout layer, which follows "
                          "train() and eval()")
    if all(whole[i] > 0.9 for i in dropping):
        raise CheckFailed("whole channels are zeroed (nn.Dropout2d): the paper's nn.Dropout(0.5) "
                          "zeroes single values, so each unit of a feature map is dropped alone")
    shares = ", ".join(f"{train[i]:.0%}" for i in dropping)
    if not all(0.35 < train[i] < 0.65 for i in dropping):
        raise CheckFailed(f"blocks 1-3 zero {shares} of their outputs, expected about 50%: "
                          "the paper's dropout rate is 0.5")


def block_layers_problem(unet):
    """What is wrong with the layers each block of ``unet`` runs, read from one forward pass of
    a 256x256 image, or ''."""
    blocks = [*unet.encoder, *unet.decoder]
    names = ([("encoder", n) for n in range(len(unet.encoder))]
             + [("decoder", n) for n in range(len(unet.decoder))])
    layers = recorded_layers(lambda image: run_unet(unet.eval(), image),
                             [torch.randn(1, 3, 256, 256)], blocks)
    for i, (side, number) in enumerate(names):
        own = [layer for layer in layers if layer.block == i]
        kinds = [layer.kind for layer in own]
        if side == "encoder" and "dropout" in kinds:
            return DROPOUT_IN_ENCODER
        problem = resampling_problem(own, f"{side} block {number}",
                                     "conv" if side == "encoder" else "upconv")
        if problem:
            return problem
        convolution = next(n for n, kind in enumerate(kinds) if kind in ("conv", "upconv"))
        if "norm" in kinds[:convolution]:
            return (f"{side} block {number} normalises before its convolution: BatchNorm comes "
                    "after the convolution, on the features it made")
    return ""


@check("each block resizes with its own 4x4 stride-2 convolution")
def unet_block_layers(student):
    """One forward pass of a small UNet, recorded layer by layer: every encoder block runs one
    4x4 stride-2 convolution, before its BatchNorm, and no dropout; every decoder block one 4x4
    stride-2 transposed convolution; no block pools or interpolates.

    Hint: DownBlock is LeakyReLU -> Conv2d(4, stride 2, padding 1) -> BatchNorm; UpBlock is
    ReLU -> ConvTranspose2d(4, stride 2, padding 1) -> BatchNorm -> Dropout.
    """
    fail_on(block_layers_problem(student.unet_blocks.UNet(ngf=4)))


@check("skip connections reach the decoder")
def unet_skip_connections(student):
    """With the bottleneck cut off from autograd, the output still depends on the input.

    The probe detaches the bottleneck's output, so gradient can only flow through the skips.
    Hint: join each skip to the upsampled features of the same size, on the channel axis.
    """
    unet = student.unet_blocks.UNet(ngf=8, num_downs=5, dropout=False)
    unet.encoder[-1].register_forward_hook(lambda module, args, output: output.detach())
    input_image = torch.randn(1, 3, 32, 32, requires_grad=True)
    run_unet(unet, input_image).sum().backward()
    if input_image.grad is None or input_image.grad.abs().sum() == 0:
        raise CheckFailed("the output depends on the input only through the bottleneck: "
                          "concatenate each skip with the decoder features of the same size")
