"""A procedural paired dataset: line drawings of shapes -> the same shapes filled with colour.

The anime pairs need a GPU and a Kaggle account; this set needs neither and still asks the
generator to *understand* its input: a shape's colour follows from what the shape is, so
copying the lines is not enough, G must recognise circles, squares, triangles and diamonds.

    circle -> red     square -> blue     triangle -> yellow     diamond -> green

Files are written in the paired layout of :mod:`pix2pix.data`, like the anime pairs, so training
code cannot tell the two apart. Used by Exercise 3 (``--data synthetic``) and by the tests.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from pix2pix.data import SPLITS, pair_folders
from pix2pix.paths import PROJECT_ROOT, atomic_write

SYNTHETIC_DIR = PROJECT_ROOT / "synthetic_processed"
SHAPE_COLORS = {
    "circle": (220, 40, 40),
    "square": (40, 80, 220),
    "triangle": (240, 200, 30),
    "diamond": (40, 170, 70),
}
KINDS = tuple(SHAPE_COLORS)
BACKGROUND = (255, 255, 255)
LINE = (0, 0, 0)


def shape_outline(kind, box):
    """The polygon (or the ellipse's box) of a shape inside ``box`` = (left, top, right, bottom)."""
    left, top, right, bottom = box
    mid_x, mid_y = (left + right) / 2, (top + bottom) / 2
    if kind == "square":
        return [(left, top), (right, top), (right, bottom), (left, bottom)]
    if kind == "triangle":
        return [(mid_x, top), (right, bottom), (left, bottom)]
    if kind == "diamond":
        return [(mid_x, top), (right, mid_y), (mid_x, bottom), (left, mid_y)]
    return box  # circle: drawn as the ellipse inscribed in its box


def draw_shape(draw, kind, shape, **style):
    """Draw one shape (as :func:`shape_outline` gives it) with PIL's ``style`` (fill, outline,
    width): an ellipse for a circle, a polygon for the others."""
    if kind == "circle":
        draw.ellipse(shape, **style)
    else:
        draw.polygon(shape, **style)


def random_layout(rng, size, min_side=0.5):
    """1 to 4 shapes of random kinds, each in its own cell of a 2x2 grid so none overlap.

    Args:
        rng: a ``numpy.random.Generator``; the same draws give the same layout.
        size: side of the square image in pixels.
        min_side: the smallest side of a shape, as a share of its cell (the largest is 0.9).

    Returns:
        list of (kind, outline), the outline as :func:`shape_outline` gives it.
    """
    cell = size / 2
    shapes = []
    for index in rng.permutation(4)[:rng.integers(1, 5)]:
        kind = KINDS[rng.integers(len(KINDS))]
        side = cell * rng.uniform(min_side, 0.9)
        left = (index % 2) * cell + rng.uniform(0.05 * cell, cell - side - 0.05 * cell)
        top = (index // 2) * cell + rng.uniform(0.05 * cell, cell - side - 0.05 * cell)
        shapes.append((kind, shape_outline(kind, (left, top, left + side, top + side))))
    return shapes


def draw_pair(rng, size):
    """One random pair: the outlines of :func:`random_layout`, then each kind in its colour.

    Args:
        rng: a ``numpy.random.Generator``; the same draws give the same pair.
        size: side of both square images in pixels.

    Returns:
        (sketch, color): two RGB PIL images of ``size`` x ``size``.
    """
    sketch = Image.new("RGB", (size, size), BACKGROUND)
    color = Image.new("RGB", (size, size), BACKGROUND)
    draw_sketch, draw_color = ImageDraw.Draw(sketch), ImageDraw.Draw(color)
    line_width = max(1, size // 96)
    for kind, shape in random_layout(rng, size):
        draw_shape(draw_sketch, kind, shape, outline=LINE, width=line_width)
        draw_shape(draw_color, kind, shape, fill=SHAPE_COLORS[kind], outline=LINE,
                   width=line_width)
    return sketch, color


def write_synthetic_dataset(out_root=SYNTHETIC_DIR, num_train=400, num_val=40, size=256, seed=0):
    """Write the synthetic pairs in the paired layout of :mod:`pix2pix.data`.

    Pair ``i`` of a split depends only on (seed, split, i), so a re-run writes identical files
    and files already present are kept: a second call is nearly free, and several processes
    may call it at once.

    Args:
        out_root: the folder to fill.
        num_train: pairs in ``train``.
        num_val: pairs in ``val``.
        size: side of every image in pixels.
        seed: changes every pair.

    Returns:
        The folder, as a ``Path``.
    """
    def draw(key, size):
        return draw_pair(np.random.default_rng(key), size)

    return write_pairs(out_root, draw, (num_train, num_val), size, seed)


def write_pairs(out_root, draw, counts, size, seed):
    """Draw and write the pairs of a generated set, skipping those already on disk.

    Args:
        out_root: the folder to fill.
        draw: ``draw(key, size) -> (input, target)`` PIL images, where ``key`` is the list
            [seed, split (0 train, 1 val), index]: a seed for ``numpy.random.default_rng``.
        counts: (pairs in train, pairs in val).
        size: side of every image.
        seed: the set's seed.

    Returns:
        ``out_root`` as a ``Path``.
    """
    out_root = Path(out_root)
    missing = []  # (split index, pair index, the two paths) of the pairs not on disk yet
    for split_index, (split, count) in enumerate(zip(SPLITS, counts)):
        folders = pair_folders(out_root, split)
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            paths = [folder / f"{i:05d}.png" for folder in folders]
            if not all(path.exists() for path in paths):
                missing.append((split_index, i, paths))
    # exercise 3's 440 pairs at 256x256 take a few seconds: a bar shows they are being drawn
    for split_index, i, paths in tqdm(missing, desc=f"drawing pairs into {out_root}",
                                      disable=not missing):
        pair = draw([seed, split_index, i], size)
        for image, path in zip(pair, paths):
            # atomic: under torchrun every process draws the set at once, and none may read
            # another's half-written file
            with atomic_write(path) as temporary:
                image.save(temporary, format="PNG")
    return out_root
