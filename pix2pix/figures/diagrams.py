"""Diagrams of the two networks, measured from the real modules so they can never drift.

Nothing here is typed in by hand: the U-Net diagram takes every channel count and feature-map
size from :func:`pix2pix.probes.feature_maps`, a forward pass through
:class:`~pix2pix.models.UNetGenerator`, and the PatchGAN figure draws the receptive field that
:func:`pix2pix.probes.receptive_field` measures on a real
:class:`~pix2pix.models.PatchGANDiscriminator`. Change a model and the figures change with it.
Drawn as :mod:`pix2pix.figures.grids` draws, without pyplot. Used by the "Concepts" page;
``docs/make_figures.py`` writes the PNGs.
"""

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from pix2pix.figures.grids import save_figure

# -----------------------------------------------------------------------------
# U-Net


def draw_unet(feature_maps, path):
    """Draw the U-Net as a "U": encoder down the left, decoder up the right, skips across.

    Args:
        feature_maps: the list :func:`pix2pix.probes.feature_maps` returns.
        path: PNG file to write.
    """
    encoder = [m for m in feature_maps if m.name.startswith("encoder")]
    decoder = [m for m in feature_maps if m.name.startswith("decoder")]
    first, last = feature_maps[0], feature_maps[-1]
    depth = len(encoder)  # the bottleneck sits at this level
    width = 2 * depth + 6  # horizontal room for both arms of the U

    fig = Figure(figsize=(11, 6.2))
    ax = fig.subplots()
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
    save_figure(fig, path, dpi=90)


# -----------------------------------------------------------------------------
# PatchGAN


def draw_patchgan(field, path):
    """Two panels: the probed logit's receptive field on the input, and the logit grid.

    Args:
        field: a :class:`~pix2pix.probes.ReceptiveField` from
            :func:`~pix2pix.probes.receptive_field`.
        path: PNG file to write.
    """
    fig = Figure(figsize=(10, 4.8))
    left, right = fig.subplots(1, 2)
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
    save_figure(fig, path, dpi=90)


# -----------------------------------------------------------------------------
# Conditional or not: what D sees


def draw_conditioning(pair, seen, path):
    """Two rows: the conditional D of pix2pix judges x next to y, an ordinary GAN's D y alone.

    Args:
        pair: (input_image, target_image), two (H, W, 3) uint8 pictures: an x and its y.
        seen: dict from ``conditional`` (True, False) to (channels, size, grid): the channels
            D reads, the side of the images and the (rows, columns) of logits it returns,
            measured on a :class:`~pix2pix.models.PatchGANDiscriminator` of each kind.
        path: PNG file to write.
    """
    fig = Figure(figsize=(10, 4.4))
    ax = fig.subplots()
    rows = ((True, 2.4, "conditional GAN (pix2pix): D(x, y)", "x and y stacked",
             "is y the right output\nfor this x?"),
            (False, 0, "unconditional GAN: D(y)", "y alone",
             "does y look real?\n(x is never seen)"))
    for conditional, y, heading, stacked, question in rows:
        channels, size, (grid_rows, grid_columns) = seen[conditional]
        ax.text(-0.1, y + 1.15, heading, fontsize=11, weight="bold")
        images = ((0, pair[0], "x (input)"), (1.3, pair[1], "y (real, or G(x))"))
        for left, image, name in images[0 if conditional else 1:]:
            ax.imshow(image, extent=(left, left + 1, y, y + 1))
            ax.add_patch(Rectangle((left, y), 1, 1, fill=False, edgecolor="#636363"))
            ax.text(left + 0.5, y - 0.12, name, ha="center", va="top", fontsize=9)
        if conditional:
            ax.text(1.15, y + 0.5, "+", ha="center", va="center", fontsize=16)
        boxes = ((2.8, 1.5, f"{stacked}:\n{channels} × {size} × {size}", "#d9d9d9"),
                 (4.7, 0.9, "D\n(PatchGAN)", "#a1d99b"))
        for left, width, text, colour in boxes:
            ax.add_patch(Rectangle((left, y + 0.15), width, 0.7, color=colour))
            ax.text(left + width / 2, y + 0.5, text, ha="center", va="center", fontsize=9)
        for start, end in ((2.4, 2.8), (4.3, 4.7), (5.6, 6.0)):
            ax.add_patch(FancyArrowPatch((start, y + 0.5), (end, y + 0.5), arrowstyle="-|>",
                                         mutation_scale=12, color="black"))
        cells = np.indices((grid_rows, grid_columns)).sum(0) % 2  # one square per logit
        ax.imshow(cells, cmap="Greens", vmin=-4, vmax=4, extent=(6.0, 7.0, y, y + 1),
                  interpolation="nearest")
        ax.text(7.15, y + 0.5, f"{grid_rows} × {grid_columns} verdicts:\n{question}",
                va="center", fontsize=10)
    ax.set_xlim(-0.15, 9.4), ax.set_ylim(-0.45, 3.75)
    ax.set_aspect("equal"), ax.axis("off")
    fig.suptitle("What the discriminator sees, measured on PatchGANDiscriminator at "
                 f"{seen[True][1]}×{seen[True][1]}", fontsize=11)
    save_figure(fig, path, dpi=90)


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
    fig = Figure(figsize=(columns * 0.6, rows * 0.6))
    axes = fig.subplots(rows, columns, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < count and images.shape[1] == 3:
            ax.imshow(images[index].permute(1, 2, 0).numpy(), interpolation="nearest")
        elif index < count:
            ax.imshow(images[index].mean(0).numpy(), cmap="gray", interpolation="nearest")
    fig.suptitle(f"the {count} first-layer filters (4×4) of the generator", fontsize=10)
    save_figure(fig, path, dpi=90)
