"""Facts measured on a network, not worked out by hand: feature-map shapes, receptive field.

A figure or a check that trusts the arithmetic can drift from the code; a measurement cannot.
:func:`feature_maps` runs one image through a U-Net with hooks on its blocks;
:func:`receptive_field` back-propagates from one PatchGAN logit and looks at which input pixels
receive gradient. Used by the Concepts page's figures (:mod:`pix2pix.figures.diagrams`), the tests
and the Re-code grader, which probes a student's PatchGAN the same way.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn

# -----------------------------------------------------------------------------
# U-Net: shapes measured with forward hooks


@dataclass
class FeatureMap:
    """One feature map of the U-Net, as the diagram draws it.

    Attributes:
        name: "input", "encoder 1" ... "encoder 8", "decoder 1" ... "decoder 7" or "output".
        channels: channels of the block's output.
        size: height (= width) of the block's output.
        skip_channels: for a decoder step, the channels of the encoder map concatenated to its
            output (0 elsewhere); what the next step receives is ``skip_channels + channels``.
    """

    name: str
    channels: int
    size: int
    skip_channels: int = 0


def feature_maps(generator, image_size=256):
    """Run one image through ``generator`` and record the shape after every block.

    Args:
        generator: a :class:`~pix2pix.models.UNetGenerator` (any config).
        image_size: side of the square test input; a multiple of 2**num_downs.

    Returns:
        A list of :class:`FeatureMap`: the input, each encoder step, each decoder step (with the
        skip it is concatenated with) and the output, in the order the data flows.
    """
    shapes = {}
    blocks = ([(f"encoder {i + 1}", block) for i, block in enumerate(generator.encoder)]
              + [(f"decoder {i + 1}", block) for i, block in enumerate(generator.decoder)]
              + [("output", generator.output)])

    def remember(name):
        def hook(module, inputs, output):
            shapes[name] = tuple(output.shape)  # (1, C, H, W)
        return hook

    handles = [block.register_forward_hook(remember(name)) for name, block in blocks]
    was_training = generator.training
    generator.eval()
    try:
        with torch.no_grad():
            image = torch.zeros(1, generator.config.in_channels, image_size, image_size)
            generator(image)
    finally:
        generator.train(was_training)
        for handle in handles:
            handle.remove()

    maps = [FeatureMap("input", generator.config.in_channels, image_size)]
    encoder_maps = []
    for name, _ in blocks:
        _, channels, size, _ = shapes[name]
        if name.startswith("decoder"):
            # decoder step i is concatenated with the encoder map of the same size
            skip = next(m for m in encoder_maps if m.size == size)
            maps.append(FeatureMap(name, channels, size, skip_channels=skip.channels))
        else:
            maps.append(FeatureMap(name, channels, size))
            if name.startswith("encoder"):
                encoder_maps.append(maps[-1])
    return maps


# -----------------------------------------------------------------------------
# PatchGAN: the receptive field, measured and worked out


@dataclass
class ReceptiveField:
    """Which input pixels one PatchGAN logit depends on.

    Attributes:
        logit: (row, column) of the probed logit in the output grid.
        grid: (rows, columns) of the output grid, (30, 30) for a 256x256 pair.
        top, left, bottom, right: the box of input pixels with a non-zero gradient
            (inclusive, in image coordinates; may be clipped by the image border).
        gradient: (H, W) magnitude of d logit / d input, summed over both images' channels.
        logits: (rows, columns) the logits of the probe's forward pass.
    """

    logit: tuple
    grid: tuple
    top: int
    left: int
    bottom: int
    right: int
    gradient: torch.Tensor
    logits: torch.Tensor

    @property
    def height(self):
        return self.bottom - self.top + 1

    @property
    def width(self):
        return self.right - self.left + 1


def receptive_field(discriminator, image_size=256, logit=None, seed=0):
    """Back-propagate from one logit of ``discriminator`` to see which pixels it looks at.

    The network runs in eval mode: in training mode BatchNorm mixes statistics of the whole
    image into every position, and every logit would depend on every pixel. Works on any
    module called as ``discriminator(input_image, other_image)`` with two RGB images, such as
    the Re-code track's PatchGAN.

    Args:
        discriminator: e.g. a :class:`~pix2pix.models.PatchGANDiscriminator`.
        image_size: side of the random square pair fed to it.
        logit: (row, column) to probe; default the centre of the grid.
        seed: seed of the random pair.

    Returns:
        A :class:`ReceptiveField`.
    """
    generator = torch.Generator().manual_seed(seed)
    input_image, other_image = (torch.randn(1, 3, image_size, image_size, generator=generator,
                                            requires_grad=True) for _ in range(2))
    was_training = discriminator.training
    discriminator.eval()
    try:
        logits = discriminator(input_image, other_image)  # (1, 1, 30, 30) for 256x256
        rows, cols = logits.shape[-2:]
        row, col = logit if logit is not None else (rows // 2, cols // 2)
        logits[0, 0, row, col].backward()
    finally:
        discriminator.train(was_training)
    # (H, W); an unconditional D never reads the input image, which then gets no gradient
    gradient = sum(image.grad.abs().sum(1)[0] for image in (input_image, other_image)
                   if image.grad is not None)
    ys, xs = torch.nonzero(gradient, as_tuple=True)
    return ReceptiveField((row, col), (rows, cols), int(ys.min()), int(xs.min()),
                          int(ys.max()), int(xs.max()), gradient, logits[0, 0].detach())


def receptive_field_from_layers(discriminator):
    """The receptive field worked out on paper from the convolutions' kernels and strides.

    Walking back from one output unit, each layer widens the field: r <- (r - 1) * stride + k.

    Args:
        discriminator: a :class:`~pix2pix.models.PatchGANDiscriminator`.

    Returns:
        The side of the square receptive field in input pixels (70 for the paper's D).
    """
    field = 1
    convolutions = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    for conv in reversed(convolutions):
        field = (field - 1) * conv.stride[0] + conv.kernel_size[0]
    return field
