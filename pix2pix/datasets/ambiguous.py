"""An ambiguous paired set: the same line drawing has several right answers.

In the shapes set of :mod:`pix2pix.datasets.synthetic` a shape's outline decides its colour, so L1
alone learns the task and the adversarial term has nothing to add. Real image-to-image tasks are not
like that: a facade label does not say whether the wall is brick or plaster, a sketch does not
say the colour of a coat. Here each shape is filled, *regardless of what shape it is*, with

* red or blue, or
* stripes of red or blue on white, at a random phase,

so the input determines where a fill goes but not what it looks like. Every drawing appears in
the set twice, with two independent fills: the same input, two right answers. Faced with that,
L1 predicts, pixel by pixel, the median of all the answers: a magenta that is neither red nor
blue and that no target holds, and a flat fill where the stripes should be, since their phase is
anybody's guess. The conditional GAN must commit to one answer that looks real: red or blue,
sharp stripes. This is the paper's central claim (section 4.2, figures 4 and 7) made visible on
a CPU.

Written in the paired layout of :mod:`pix2pix.data`. Used by ``exercises/exercise3_ablations.py``
and the Exercise 3 page's "What the adversarial term adds".
"""

import numpy as np
from PIL import Image, ImageDraw

from pix2pix.datasets.synthetic import (
    BACKGROUND,
    LINE,
    draw_shape,
    random_layout,
    write_pairs,
)
from pix2pix.paths import PROJECT_ROOT

AMBIGUOUS_DIR = PROJECT_ROOT / "synthetic_processed" / "ambiguous"
FILL_COLORS = ((220, 40, 40), (40, 80, 220))  # red, blue
STRIPE_SHARE = 0.5  # probability that a shape is striped rather than flat
STRIPES_PER_IMAGE = 16  # stripe period = size / 16: 4 pixels at 64x64, 8 at 128x128
TARGETS_PER_DRAWING = 2  # pairs 2k and 2k + 1 share their drawing, not their fills


def stripes(size, color, rng):
    """A full image of horizontal stripes: ``color`` on white, half a period each, random phase.

    Returns:
        (size, size, 3) uint8 array.
    """
    period = max(2, size // STRIPES_PER_IMAGE)
    phase = rng.integers(period)
    rows = (np.arange(size) + phase) % period < period // 2  # (size,) True on a coloured row
    image = np.full((size, size, 3), BACKGROUND, dtype=np.uint8)
    image[rows] = color
    return image


def draw_ambiguous_pair(layout_rng, fill_rng, size):
    """One pair: 1 to 4 outlined shapes, each filled with a random colour or stripes.

    The sketch is lines only, drawn as :mod:`pix2pix.datasets.synthetic` draws them. The fills come
    from their own random generator, independent of each shape's kind, position and size.

    Args:
        layout_rng: a ``numpy.random.Generator`` for the shapes; the same draws give the same
            drawing.
        fill_rng: a ``numpy.random.Generator`` for the fills.
        size: side of both square images in pixels.

    Returns:
        (sketch, color): two RGB PIL images of ``size`` x ``size``.
    """
    color = np.full((size, size, 3), BACKGROUND, dtype=np.uint8)
    shapes = random_layout(layout_rng, size, min_side=0.6)
    for kind, shape in shapes:
        mask = Image.new("L", (size, size), 0)  # the shape's area, drawn like its outline
        draw_shape(ImageDraw.Draw(mask), kind, shape, fill=255)
        inside = np.asarray(mask) > 0
        fill_color = FILL_COLORS[fill_rng.integers(len(FILL_COLORS))]
        striped = fill_rng.random() < STRIPE_SHARE
        color[inside] = stripes(size, fill_color, fill_rng)[inside] if striped else fill_color
    sketch = Image.new("RGB", (size, size), BACKGROUND)
    color = Image.fromarray(color)
    line_width = max(1, size // 96)
    for image in (sketch, color):  # the same black outlines on both
        draw = ImageDraw.Draw(image)
        for kind, shape in shapes:
            draw_shape(draw, kind, shape, outline=LINE, width=line_width)
    return sketch, color


def undecided_area(sketches):
    """The pixels a drawing leaves to the generator: inside the outlines, off the lines.

    Everything outside the shapes is white paper in every target, and the black lines are in
    the input; only the inside of a shape can be any of the fills. A colour measure restricted
    to these pixels compares what G chose with what the targets hold, undiluted by the white
    background that every variant gets right. The ring of pixels next to a line is left out too:
    there the outputs blend line and fill.

    Args:
        sketches: (N, H, W, 3) uint8 input drawings, black lines on white.

    Returns:
        (N, H, W) bool array, True inside a shape.
    """
    areas = []
    for sketch in sketches:
        outside = Image.fromarray(np.ascontiguousarray(sketch))
        # paint the paper reachable from a corner; shapes keep a margin, so the corner is paper
        ImageDraw.floodfill(outside, (0, 0), (255, 0, 255))
        inside = (np.asarray(outside) == BACKGROUND).all(-1)  # white that the fill did not reach
        # shrink by one pixel in every direction: the ring next to the lines
        shrunk = inside.copy()
        shrunk[1:] &= inside[:-1]
        shrunk[:-1] &= inside[1:]
        shrunk[:, 1:] &= inside[:, :-1]
        shrunk[:, :-1] &= inside[:, 1:]
        areas.append(shrunk)
    return np.stack(areas)


def write_ambiguous_dataset(out_root=AMBIGUOUS_DIR, num_train=400, num_val=40, size=64, seed=0):
    """Write the ambiguous pairs in the paired layout of :mod:`pix2pix.data`.

    Pair ``i`` of a split depends only on (seed, split, i), so a re-run writes identical files
    and keeps those already present. Pairs 2k and 2k + 1 share their drawing.

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
        set_seed, split, index = key
        layout = np.random.default_rng([set_seed, split, index // TARGETS_PER_DRAWING])
        fills = np.random.default_rng([set_seed, split, index, 1])  # 1: apart from the layouts
        return draw_ambiguous_pair(layout, fills, size)

    return write_pairs(out_root, draw, (num_train, num_val), size, seed)
