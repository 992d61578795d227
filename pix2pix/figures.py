"""Figures of the facade exercises -- label/photo grids with a class legend, the palettes -- and
the one way every figure of the course is written.

Every figure is built as a ``matplotlib.figure.Figure`` without pyplot and written by
:func:`save_figure`: the Agg backend draws it straight into a file, the same on a laptop, on a
GPU server without a screen and in CI, and no window or global figure state is left behind.
:mod:`pix2pix.diagrams` and :mod:`pix2pix.train_figures` draw the same way. Used by exercises 1
and 2 and by ``docs/make_figures.py``.
"""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from pix2pix.facades import CLASS_NAMES, CMP_PALETTE, MODEL_PALETTE

# PNG metadata normally records the matplotlib version; leaving it out keeps the committed
# figures byte-identical when only the library changes.
PNG_METADATA = {"Software": None}


def save_figure(figure, path, dpi=100):
    """Write ``figure`` as a PNG, cropped to what was drawn; the folder is created.

    Args:
        figure: a ``matplotlib.figure.Figure``.
        path: the PNG to write.
        dpi: pixels per inch of the figure's size.

    Returns:
        The path written, as a ``Path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi, bbox_inches="tight", metadata=PNG_METADATA)
    return path


def legend_handles(palette=MODEL_PALETTE):
    """One coloured square per class, named, for ``legend(handles=...)``."""
    return [Patch(facecolor=np.asarray(colour) / 255, edgecolor="black", linewidth=0.5,
                  label=f"{class_id} {name}")
            for class_id, (name, colour) in enumerate(zip(CLASS_NAMES, palette), start=1)]


def save_image_grid(rows, path, column_titles=(), row_titles=(), title=None, legend=True):
    """Save a grid of images with optional titles and the class legend on the right.

    Args:
        rows: list of rows, each a list of cells. A cell is an (H, W, 3) uint8 image, an
            (H, W) float map (drawn with a colour bar, e.g. a per-pixel standard deviation)
            or None (left empty).
        path: the PNG to write; its folder is created.
        column_titles: a title over each column of the first row.
        row_titles: a label left of each row.
        title: the figure's title.
        legend: whether to add the class legend of the model's palette.

    Returns:
        The path written.
    """
    num_rows, num_columns = len(rows), max(len(row) for row in rows)
    legend_width = 1.8 if legend else 0  # inches kept free on the right for the legend
    width = 2.2 * num_columns + legend_width
    figure = Figure(figsize=(width, 2.3 * num_rows + (0.4 if title else 0)))
    axes = figure.subplots(num_rows, num_columns, squeeze=False)
    for r, row in enumerate(rows):
        for c in range(num_columns):
            axis = axes[r][c]
            axis.set_xticks([]), axis.set_yticks([])
            cell = row[c] if c < len(row) else None
            if cell is None:
                axis.axis("off")
            elif cell.ndim == 2:
                shown = axis.imshow(cell, cmap="magma")
                figure.colorbar(shown, ax=axis, fraction=0.046, pad=0.04)
            else:
                axis.imshow(cell)
            if r == 0 and c < len(column_titles):
                axis.set_title(column_titles[c], fontsize=9)
        if r < len(row_titles):
            axes[r][0].set_ylabel(row_titles[r], fontsize=9)
    if legend:
        figure.legend(handles=legend_handles(), loc="center right", fontsize=8, frameon=False)
    if title:
        figure.suptitle(title, fontsize=11)
    figure.tight_layout(rect=(0, 0, 1 - legend_width / width, 1))
    return save_figure(figure, path)


def save_palette_legend(path):
    """Save both palettes side by side: the model's jet(64) colours and CMP's jet(12) colours.

    Args:
        path: the PNG to write; its folder is created.

    Returns:
        The path written.
    """
    figure = Figure(figsize=(6.4, 4.2))
    axis = figure.subplots()
    for row, name in enumerate(CLASS_NAMES):
        for column, palette in enumerate((MODEL_PALETTE, CMP_PALETTE)):
            colour = palette[row]
            axis.add_patch(Rectangle((column * 1.6, -row), 1.4, 0.85,
                                         facecolor=colour / 255, edgecolor="black"))
            text_colour = "white" if colour.astype(int).sum() < 300 else "black"
            axis.text(column * 1.6 + 0.7, -row + 0.42, f"({colour[0]}, {colour[1]}, {colour[2]})",
                      ha="center", va="center", fontsize=7, color=text_colour)
        axis.text(3.3, -row + 0.42, f"{row + 1}  {name}", va="center", fontsize=9)
    axis.text(0.7, 1.3, "model input\njet(64) row 5k+1", ha="center", fontsize=8)
    axis.text(2.3, 1.3, "CMP files\njet(12) row k", ha="center", fontsize=8)
    axis.set_xlim(-0.1, 5), axis.set_ylim(-11.3, 2.1), axis.axis("off")
    figure.tight_layout()
    return save_figure(figure, path)
