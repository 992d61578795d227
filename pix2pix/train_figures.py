"""Pictures of a training run: sketch / generated / target grids and the loss curves.

Written by :func:`pix2pix.train.fit` into the run folder and shown on the Exercise 3 page; drawn
as :mod:`pix2pix.figures` draws every figure, without pyplot.
"""

import math

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from pix2pix.figures import save_figure
from pix2pix.images import to_uint8

LN_2 = math.log(2)  # the loss of a D that cannot tell real from fake and answers 0.5


def save_sample_grid(input_images, fake_images, target_images, path, title=""):
    """One row per example: the sketch G sees, what G draws, what it should draw.

    Args:
        input_images: (N, 3, H, W) in [-1, 1], the inputs x.
        fake_images: (N, 3, H, W) in [-1, 1], G(x).
        target_images: (N, 3, H, W) in [-1, 1], the targets y.
        path: the PNG to write.
        title: a line above the grid, e.g. "epoch 25".
    """
    rows = len(input_images)
    figure = Figure(figsize=(6, 2 * rows + 0.4))
    axes = figure.subplots(rows, 3, squeeze=False)
    columns = (("sketch (x)", input_images), ("generated G(x)", fake_images),
               ("target (y)", target_images))
    for col, (name, images) in enumerate(columns):
        axes[0][col].set_title(name, fontsize=9)
        for row, image in enumerate(to_uint8(images)):
            axes[row][col].imshow(image)
            # a thin frame, not axis("off"): white drawings on a white page need an edge
            axes[row][col].set_xticks([]), axes[row][col].set_yticks([])
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    save_figure(figure, path)


def save_loss_curves(records, path):
    """The numbers of the per-epoch log, one panel per scale.

    Args:
        records: the log's rows (dicts with "epoch", "loss_D", "loss_G_GAN", "L1", "val_L1",
            "val_PSNR"), oldest first; the adversarial losses are None without a D.
        path: the PNG to write.
    """
    epochs = [r["epoch"] for r in records]
    figure = Figure(figsize=(12, 3.4))
    gan_axis, l1_axis, psnr_axis = figure.subplots(1, 3)
    if records and records[0]["loss_D"] is not None:  # None: the L1-only objective, no D
        gan_axis.plot(epochs, [r["loss_D"] for r in records], label="loss_D")
        gan_axis.plot(epochs, [r["loss_G_GAN"] for r in records], label="loss_G_GAN")
    gan_axis.axhline(LN_2, color="grey", linewidth=0.8, linestyle="--", label="ln 2")
    gan_axis.set_title("adversarial losses")
    l1_axis.plot(epochs, [r["L1"] for r in records], label="train L1")
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
