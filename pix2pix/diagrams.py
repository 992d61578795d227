"""Diagrams of the two networks, measured from the real modules so they can never drift.

Nothing here is typed in by hand: the U-Net diagram takes every channel count and feature-map
size from a forward pass through :class:`~pix2pix.models.UNetGenerator` (with hooks on its
blocks), and the PatchGAN figure finds the 70x70 receptive field by back-propagating from one of
the 30x30 logits of :class:`~pix2pix.models.PatchGANDiscriminator`. Change a model and the
figures change with it. Used by the "Concepts" page; ``docs/make_figures.py`` writes the PNGs.
"""

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # files only, no window: works on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402  (must come after choosing the backend)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

# PNG metadata normally records the matplotlib version; leaving it out keeps the committed
# figures byte-identical when only the library changes.
PNG_METADATA = {"Software": None}


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


def unet_feature_maps(generator, image_size=256):
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


def draw_unet(feature_maps, path):
    """Draw the U-Net as a "U": encoder down the left, decoder up the right, skips across.

    Args:
        feature_maps: the list :func:`unet_feature_maps` returns.
        path: PNG file to write.
    """
    encoder = [m for m in feature_maps if m.name.startswith("encoder")]
    decoder = [m for m in feature_maps if m.name.startswith("decoder")]
    first, last = feature_maps[0], feature_maps[-1]
    depth = len(encoder)  # the bottleneck sits at this level
    width = 2 * depth + 6  # horizontal room for both arms of the U

    fig, ax = plt.subplots(figsize=(11, 6.2))
    scale = 0.9 / max(m.channels + m.skip_channels for m in feature_maps)

    def box(x, level, channels, colour, label, skip=0):
        """A box at ``level`` (0 = full resolution) whose width grows with the channels."""
        y = -level
        w_skip, w_own = skip * scale * 2.2, channels * scale * 2.2
        if skip:
            ax.add_patch(Rectangle((x - w_skip, y - 0.35), w_skip, 0.7, color="#9ecae1"))
        ax.add_patch(Rectangle((x, y - 0.35), max(w_own, 0.12), 0.7, color=colour))
        ax.text(x + max(w_own, 0.12) + 0.1, y, label, va="center", fontsize=8)
        return x, y

    left = [box(0.0, 0, first.channels, "#bdbdbd", f"input\n{first.channels}×{first.size}²")]
    for level, m in enumerate(encoder, start=1):
        left.append(box(level * 0.8, level, m.channels, "#3182bd",
                        f"{m.channels}×{m.size}²"))
    right = [left[-1]]  # the decoder starts from the bottleneck
    for level, m in zip(range(depth - 1, 0, -1), decoder):
        x = width - level * 0.8
        right.append(box(x, level, m.channels, "#e6550d",
                         f"{m.skip_channels}+{m.channels}\n×{m.size}²", skip=m.skip_channels))
    right.append(box(width, 0, last.channels, "#bdbdbd",
                     f"output\n{last.channels}×{last.size}²"))

    def arrow(start, end, **style):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, **style))

    # data flow: down the encoder (halving the size), up the decoder (doubling it)
    for (x0, y0), (x1, y1) in zip(left[:-1], left[1:]):
        arrow((x0 + 0.06, y0 - 0.35), (x1 + 0.06, y1 + 0.35), color="#3182bd")
    for (x0, y0), (x1, y1) in zip(right[:-1], right[1:]):
        arrow((x0 + 0.06, y0 + 0.35), (x1 + 0.06, y1 - 0.35), color="#e6550d")
    # skip connections: encoder level k -> decoder level k, drawn as horizontal arrows
    for (x0, y0), (x1, y1) in zip(left[1:-1], reversed(right[1:-1])):
        arrow((x0 + 0.9, y0), (x1 - 1.0, y1), color="#6baed6", linestyle="--")
    ax.text(width / 2, -0.55, "skip connections: copy, then concatenate", ha="center",
            fontsize=9, color="#3182bd")
    ax.text(1.0, -depth - 0.9, "encoder: LeakyReLU → Conv 4×4 s2 → BatchNorm", fontsize=9,
            color="#3182bd")
    ax.text(width - 1.0, -depth - 0.9, "decoder: ReLU → ConvT 4×4 s2 → BatchNorm (→ Dropout)",
            fontsize=9, color="#e6550d", ha="right")
    ax.set_xlim(-0.5, width + 2.0)
    ax.set_ylim(-depth - 1.2, 0.7)
    ax.axis("off")
    ax.set_title("U-Net generator: channels × size², measured from pix2pix.models.UNetGenerator")
    fig.savefig(path, dpi=90, bbox_inches="tight", metadata=PNG_METADATA)
    plt.close(fig)


# -----------------------------------------------------------------------------
# PatchGAN: the receptive field measured by a gradient probe


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


def probe_receptive_field(discriminator, image_size=256, logit=None, seed=0):
    """Back-propagate from one logit of ``discriminator`` to see which pixels it looks at.

    The network runs in eval mode: in training mode BatchNorm mixes statistics of the whole
    image into every position, and every logit would depend on every pixel.

    Args:
        discriminator: a :class:`~pix2pix.models.PatchGANDiscriminator`.
        image_size: side of the random square pair fed to it.
        logit: (row, column) to probe; default the centre of the grid.
        seed: seed of the random pair.

    Returns:
        A :class:`ReceptiveField`.
    """
    generator = torch.Generator().manual_seed(seed)
    half = discriminator.config.in_channels // 2
    input_image = torch.randn(1, half, image_size, image_size, generator=generator,
                              requires_grad=True)
    other_image = torch.randn(1, discriminator.config.in_channels - half, image_size,
                              image_size, generator=generator, requires_grad=True)
    was_training = discriminator.training
    discriminator.eval()
    try:
        logits = discriminator(input_image, other_image)  # (1, 1, 30, 30) for 256x256
        rows, cols = logits.shape[-2:]
        row, col = logit if logit is not None else (rows // 2, cols // 2)
        logits[0, 0, row, col].backward()
    finally:
        discriminator.train(was_training)
    gradient = (input_image.grad.abs().sum(1) + other_image.grad.abs().sum(1))[0]  # (H, W)
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


def draw_patchgan(field, path):
    """Two panels: the probed logit's receptive field on the input, and the logit grid.

    Args:
        field: a :class:`ReceptiveField` from :func:`probe_receptive_field`.
        path: PNG file to write.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.8))
    size = field.gradient.shape[-1]
    left.imshow(torch.log1p(field.gradient / field.gradient.max() * 1e3).numpy(), cmap="magma",
                extent=(0, size, size, 0))
    left.add_patch(Rectangle((field.left, field.top), field.width, field.height,
                             fill=False, edgecolor="#31a354", linewidth=2))
    left.text(field.left, field.top - 6, f"{field.height} × {field.width} pixels",
              color="#31a354", fontsize=11, weight="bold")
    left.set_title(f"input pair ({size}×{size}): pixels that logit {field.logit} depends on",
                   fontsize=10)

    rows, cols = field.grid
    right.imshow(field.logits.numpy(), cmap="coolwarm")
    row, col = field.logit
    right.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#31a354",
                              linewidth=2))
    right.set_title(f"D's output: {rows}×{cols} logits, one real/fake score per patch",
                    fontsize=10)
    for ax in (left, right):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("PatchGAN, measured by back-propagating from one logit of an untrained D",
                 fontsize=11)
    fig.savefig(path, dpi=90, bbox_inches="tight", metadata=PNG_METADATA)
    plt.close(fig)


# -----------------------------------------------------------------------------
# Official weights: what the first convolution learned


def draw_first_filters(generator, path, columns=16):
    """Show the 4x4 filters of the generator's first convolution as small colour images.

    Each filter reads a 4x4 patch of the label map (3 channels, so it can be drawn as RGB):
    trained on facades, many respond to one label colour or to an edge between two.

    Args:
        generator: a :class:`~pix2pix.models.UNetGenerator`, typically the official weights.
        path: PNG file to write.
        columns: filters per row.
    """
    weight = generator.encoder[0].conv.weight.detach().cpu()  # (64, 3, 4, 4)
    count = weight.shape[0]
    rows = -(-count // columns)
    low, high = weight.amin(dim=(1, 2, 3), keepdim=True), weight.amax(dim=(1, 2, 3), keepdim=True)
    images = (weight - low) / (high - low + 1e-8)  # each filter stretched to [0, 1]
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.6, rows * 0.6))
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < count and images.shape[1] == 3:
            ax.imshow(images[index].permute(1, 2, 0).numpy(), interpolation="nearest")
        elif index < count:
            ax.imshow(images[index].mean(0).numpy(), cmap="gray", interpolation="nearest")
    fig.suptitle(f"the {count} first-layer filters (4×4) of the generator", fontsize=10)
    fig.savefig(path, dpi=90, bbox_inches="tight", metadata=PNG_METADATA)
    plt.close(fig)
