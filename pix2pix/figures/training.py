"""Pictures of a training run: sketch / generated / target grids, the loss curves, the paper's
jitter on a pair and the discriminator's verdicts on a pair.

The grids and curves are written by :func:`pix2pix.train.fit` into the run folder and shown on
the Exercise 3 page; the jitter (Exercise 3) and the verdicts (Concepts) are drawn by
``docs/make_figures.py`` from the data and a trained run. Drawn as :mod:`pix2pix.figures.grids`
draws every figure, without pyplot.
"""

import math

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from pix2pix.figures.grids import save_figure
from pix2pix.images import to_uint8

LN_2 = math.log(2)  # the loss of a D that cannot tell real from fake and answers 0.5


def save_sample_grid(input_images, fake_images, target_images, path, title=""):
    """One row per example: the input G sees, what G draws, what it should draw.

    Args:
        input_images: (N, C, H, W) in [-1, 1], the inputs x; C is 3 (RGB) or 1 (grey).
        fake_images: (N, C', H, W) in [-1, 1], G(x).
        target_images: (N, C', H, W) in [-1, 1], the targets y.
        path: the PNG to write.
        title: a line above the grid, e.g. "epoch 25".
    """
    rows = len(input_images)
    figure = Figure(figsize=(6, 2 * rows + 0.4))
    axes = figure.subplots(rows, 3, squeeze=False)
    columns = (("input (x)", input_images), ("generated G(x)", fake_images),
               ("target (y)", target_images))
    for col, (name, images) in enumerate(columns):
        axes[0][col].set_title(name, fontsize=9)
        for row, image in enumerate(to_uint8(images)):
            # a grey picture, (H, W, 1), is drawn in grey: imshow takes it as (H, W)
            axes[row][col].imshow(image[..., 0] if image.shape[-1] == 1 else image,
                                  cmap="gray", vmin=0, vmax=255)
            # a thin frame, not axis("off"): white drawings on a white page need an edge
            axes[row][col].set_xticks([]), axes[row][col].set_yticks([])
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    save_figure(figure, path)


def save_loss_curves(records, path, stacked=False):
    """The numbers of the per-epoch log, one panel per scale.

    Args:
        records: the log's rows (dicts with "epoch", "loss_D", "loss_G_GAN", "loss_G_L1", "val_L1",
            "val_PSNR"), oldest first; the adversarial losses are None without a D.
        path: the PNG to write.
        stacked: the three panels one above the other, narrow enough for a phone's screen
            (default: side by side).
    """
    epochs = [r["epoch"] for r in records]
    figure = Figure(figsize=(4.6, 8.4) if stacked else (12, 3.4))
    gan_axis, l1_axis, psnr_axis = figure.subplots(3, 1) if stacked else figure.subplots(1, 3)
    if records and records[0]["loss_D"] is not None:  # None: the L1-only objective, no D
        gan_axis.plot(epochs, [r["loss_D"] for r in records], label="loss_D")
        gan_axis.plot(epochs, [r["loss_G_GAN"] for r in records], label="loss_G_GAN")
    gan_axis.axhline(LN_2, color="grey", linewidth=0.8, linestyle="--", label="ln 2")
    gan_axis.set_title("adversarial losses")
    l1_axis.plot(epochs, [r["loss_G_L1"] for r in records], label="train L1")
    l1_axis.plot(epochs, [r["val_L1"] for r in records], label="held-out L1")
    l1_axis.set_title("L1 (lower is better)")
    psnr_axis.plot(epochs, [r["val_PSNR"] for r in records], label="held-out PSNR")
    psnr_axis.set_title("PSNR in dB (higher is better)")
    for axis in (gan_axis, l1_axis, psnr_axis):
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # epoch 1, 2, not 1.0, 1.5
        axis.legend(fontsize=8)
    figure.tight_layout()
    save_figure(figure, path)


# -----------------------------------------------------------------------------
# The paper's jitter on one pair, and D's verdicts on a pair


def save_jitter_figure(stored, resized, crops, path):
    """The paper's jitter on one pair: resize to 286, crop 256, maybe flip; x and y together.

    Args:
        stored: (input_image, target_image), two (S, S, 3) uint8 pictures as stored on disk.
        resized: the same pair resized to the load size L, two (L, L, 3) uint8 pictures.
        crops: one (epoch, (input_crop, target_crop), (top, left, flipped)) per shown epoch:
            the pair the data set returned and where its window lies in ``resized``.
        path: the PNG to write.
    """
    colours = ("#e6550d", "#31a354", "#756bb1", "#3182bd")  # one per shown epoch
    size, load_size = len(stored[0]), len(resized[0])
    figure = Figure(figsize=(2.1 * (2 + len(crops)), 4.6), layout="constrained")
    axes = figure.subplots(2, 2 + len(crops), squeeze=False)
    for row, name in enumerate(("sketch (x)", "target (y)")):
        axes[row][0].imshow(stored[row])
        axes[row][1].imshow(resized[row])
        for column, (epoch, pair, (top, left, flipped)) in enumerate(crops, start=2):
            crop_size = len(pair[row])
            axes[row][1].add_patch(Rectangle((left - 0.5, top - 0.5), crop_size, crop_size,
                                             fill=False, edgecolor=colours[column - 2],
                                             linewidth=1.5))
            axes[row][column].imshow(pair[row])
            for side in axes[row][column].spines.values():
                side.set_edgecolor(colours[column - 2]), side.set_linewidth(2)
            if row == 0:
                axes[row][column].set_title(
                    f"epoch {epoch}: left {left}, top {top}\n"
                    + ("mirrored" if flipped else "not mirrored"),
                    fontsize=9, color=colours[column - 2])
        axes[row][0].set_ylabel(name, fontsize=9)
    axes[0][0].set_title(f"stored, {size}×{size}", fontsize=9)
    axes[0][1].set_title(f"resized to {load_size}×{load_size}", fontsize=9)
    for axis in axes.flat:
        axis.set_xticks([]), axis.set_yticks([])
    save_figure(figure, path, dpi=90)


def save_patch_verdicts(images, verdicts, path, title=""):
    """D's grid of verdicts over a real and a generated pair, as heatmaps on the judged images.

    Args:
        images: (input_image, target_image, fake_image): x, y and G(x), (H, W, 3) uint8 each.
        verdicts: (on_real, on_fake): two (h, w) float arrays of D's probability that each
            patch is real, for the pair (x, y) and for the pair (x, G(x)).
        path: the PNG to write.
        title: a line above the figure, e.g. which run D comes from.
    """
    input_image, target_image, fake_image = images
    figure = Figure(figsize=(7.4, 5.2), layout="constrained")
    axes = figure.subplots(2, 3)
    rows = (("real pair", target_image, "y", verdicts[0]),
            ("generated pair", fake_image, "G(x)", verdicts[1]))
    for row, (name, judged, symbol, verdict) in enumerate(rows):
        height, width = judged.shape[:2]
        # nearest: each pixel of a small image stays one square, as the networks see it
        axes[row][0].imshow(input_image, interpolation="nearest")
        axes[row][0].set_ylabel(name, fontsize=10)
        axes[row][1].imshow(judged, interpolation="nearest")
        axes[row][2].imshow(judged.mean(-1), cmap="gray", vmin=0, vmax=255,
                            interpolation="nearest")
        shown = axes[row][2].imshow(verdict, cmap="RdBu", vmin=0, vmax=1, alpha=0.75,
                                    extent=(-0.5, width - 0.5, height - 0.5, -0.5),
                                    interpolation="nearest")
        axes[row][0].set_title("x", fontsize=9)
        axes[row][1].set_title(symbol, fontsize=9)
        axes[row][2].set_title(f"D(x, {symbol}): mean {verdict.mean():.2f}", fontsize=9)
    for axis in axes.flat:
        axis.set_xticks([]), axis.set_yticks([])
    grid_rows, grid_columns = verdicts[0].shape
    figure.colorbar(shown, ax=axes[:, 2], shrink=0.8,
                    label=f"D's probability that a patch is real ({grid_rows}×{grid_columns})")
    if title:
        figure.suptitle(title, fontsize=10)
    save_figure(figure, path, dpi=90)
