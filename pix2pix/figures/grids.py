"""Figures of the facade exercises -- label/photo grids with a class legend, the palettes -- and
the one way every figure of the course is written.

Every figure is built as a ``matplotlib.figure.Figure`` without pyplot and written by
:func:`save_figure`: the Agg backend draws it straight into a file, the same on a laptop, on a
GPU server without a screen and in CI, and no window or global figure state is left behind.
:mod:`pix2pix.figures.diagrams` and :mod:`pix2pix.figures.training` draw the same way. Used by
exercises 1 and 2 and by ``docs/make_figures.py``.
"""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from pix2pix.datasets.facades import CLASS_NAMES, CMP_PALETTE, MODEL_PALETTE

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
            (H, W) float map in the images' 0-255 units (drawn with a colour bar, e.g. a
            per-pixel standard deviation) or None (left empty).
        path: the PNG to write; its folder is created.
        column_titles: a title over each column of the first row, or one list of titles per
            row.
        row_titles: a label left of each row.
        title: the figure's title.
        legend: whether to add the class legend of the model's palette (titled so: a label
            drawn in another palette is not explained by it).

    Returns:
        The path written.
    """
    num_rows, num_columns = len(rows), max(len(row) for row in rows)
    titles = ([list(column_titles)] if not column_titles or isinstance(column_titles[0], str)
              else [list(row) for row in column_titles])  # one list of titles per row
    legend_width = 1.9 if legend else 0  # inches for the legend's column
    figure = Figure(figsize=(2.2 * num_columns + legend_width + 0.4,
                             2.2 * num_rows + (0.4 if title else 0) + 0.3), layout="constrained")
    # a visible gap between neighbouring images: without it their frames merge into one line
    figure.get_layout_engine().set(w_pad=0.04, h_pad=0.04, wspace=0.04, hspace=0.04)
    ratios = [1] * num_columns + ([legend_width / 2.2] if legend else [])
    grid = figure.add_gridspec(num_rows, len(ratios), width_ratios=ratios)
    for r, row in enumerate(rows):
        for c in range(num_columns):
            axis = figure.add_subplot(grid[r, c])
            axis.set_xticks([]), axis.set_yticks([])  # a frame without ticks: white on white
            cell = row[c] if c < len(row) else None
            if cell is None:
                axis.axis("off")
            elif cell.ndim == 2:
                shown = axis.imshow(cell, cmap="magma")
                figure.colorbar(shown, ax=axis, fraction=0.046, pad=0.04,
                                label="0-255 grey levels")
            else:
                axis.imshow(cell)
            if r < len(titles) and c < len(titles[r]):
                axis.set_title(titles[r][c], fontsize=9)
            if c == 0 and r < len(row_titles):
                axis.set_ylabel(row_titles[r], fontsize=9)
    if legend:
        legend_axis = figure.add_subplot(grid[:, -1])
        legend_axis.axis("off")
        legend_axis.legend(handles=legend_handles(), loc="center left", fontsize=9,
                           title="class colours\n(model's palette)", title_fontsize=9,
                           frameon=False, borderaxespad=0)
    if title:
        figure.suptitle(title, fontsize=11)
    return save_figure(figure, path)


# the two palettes of the facade labels, headed by what each is for
FACADE_PALETTES = {"model input\njet(64) row 5k+1": MODEL_PALETTE,
                   "CMP files\njet(12) row k": CMP_PALETTE}


def save_palette_legend(path, palettes=None):
    """Save palettes side by side, one column of twelve class colours each, values written in.

    Args:
        path: the PNG to write; its folder is created.
        palettes: dict from a column's heading (may hold a line break) to its (12, 3) uint8
            colours, in class order (default: the model's jet(64) and CMP's jet(12) colours).

    Returns:
        The path written.
    """
    palettes = palettes or FACADE_PALETTES
    figure = Figure(figsize=(1.2 * len(palettes) + 2.2, 4.4))
    axis = figure.subplots()
    for column, (heading, palette) in enumerate(palettes.items()):
        for row, colour in enumerate(palette):
            axis.add_patch(Rectangle((column * 1.6, -row), 1.4, 0.85,
                                     facecolor=colour / 255, edgecolor="black"))
            text_colour = "white" if colour.astype(int).sum() < 300 else "black"
            axis.text(column * 1.6 + 0.7, -row + 0.42, f"({colour[0]}, {colour[1]}, {colour[2]})",
                      ha="center", va="center", fontsize=7, color=text_colour)
        axis.text(column * 1.6 + 0.7, 1.1, heading, ha="center", va="bottom", fontsize=8)
    names_x = len(palettes) * 1.6 + 0.1
    for row, name in enumerate(CLASS_NAMES):
        axis.text(names_x, -row + 0.42, f"{row + 1}  {name}", va="center", fontsize=9)
    axis.set_xlim(-0.1, names_x + 1.8), axis.set_ylim(-11.3, 2.4), axis.axis("off")
    return save_figure(figure, path)
