"""An ambiguous paired set: the same line drawing has many right answers.

In the shapes set of :mod:`pix2pix.synthetic` a shape's outline decides its colour, so L1 alone
learns the task and the adversarial term has nothing to add. Real image-to-image tasks are not
like that: a facade label does not say whether the wall is brick or plaster, a sketch does not
say the colour of a coat. Here each shape is filled, *regardless of what shape it is*, with

* one of four vivid colours, or
* stripes of one of those colours on white, at a random phase,

so the input determines where a fill goes but not what it looks like. Every drawing appears in
the set twice, with two independent fills: the same input, two right answers. Faced with that,
L1 predicts the per-pixel median of all the answers: a muddy average colour, and flat grey where
the stripes should be. The
conditional GAN must commit to one answer that looks real: a vivid colour, sharp stripes. This
is the paper's central claim (section 4.2, figures 4 and 7) made visible on a CPU.

Written in the paired layout of :mod:`pix2pix.data`. Used by ``exercises/exercise3_ablations.py``
and the Exercise 3 page's "What the adversarial term adds".
"""

import numpy as np
from PIL import Image, ImageDraw

from pix2pix.paths import PROJECT_ROOT
from pix2pix.synthetic import BACKGROUND, LINE, shape_outline, write_pairs

AMBIGUOUS_DIR = PROJECT_ROOT / "synthetic_processed" / "ambiguous"
FILL_COLORS = ((220, 40, 40), (40, 80, 220), (240, 200, 30), (40, 170, 70))  # red blue yellow green
KINDS = ("circle", "square", "triangle", "diamond")
STRIPE_SHARE = 0.5  # probability that a shape is striped rather than flat
STRIPES_PER_IMAGE = 16  # stripe period = size / 16: 4 pixels at 64x64, 8 at 128x128
TARGETS_PER_DRAWING = 2  # pairs 2k and 2k + 1 share their drawing, not their fills


def random_fill(size, rng):
    """A full image of one random fill: a flat vivid colour, or stripes of two of them.

    Stripes are horizontal, half a period each colour, at a random phase.

    Returns:
        (size, size, 3) uint8 array.
    """
    first, second = rng.choice(len(FILL_COLORS), size=2, replace=False)
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[:] = FILL_COLORS[first]
    if rng.random() < STRIPE_SHARE:
        period = max(2, size // STRIPES_PER_IMAGE)
        rows = (np.arange(size) + rng.integers(period)) % period < period // 2  # (size,)
        image[rows] = FILL_COLORS[second]
    return image


def draw_ambiguous_pair(layout_rng, fill_rng, size):
    """One pair: 1 to 4 outlined shapes, each filled with a random colour or stripes.

    The sketch is lines only, drawn as :mod:`pix2pix.synthetic` draws them. The fills come from
    their own random generator, independent of each shape's kind, position and size.

    Args:
        layout_rng: a ``numpy.random.Generator`` for the shapes; the same draws give the same
            drawing.
        fill_rng: a ``numpy.random.Generator`` for the fills.
        size: side of both square images in pixels.

    Returns:
        (sketch, color): two RGB PIL images of ``size`` x ``size``.
    """
    color = random_fill(size, fill_rng)  # the background is one more region to fill
    shapes = []
    cell = size / 2
    for index in layout_rng.permutation(4)[:layout_rng.integers(1, 5)]:
        kind = KINDS[layout_rng.integers(len(KINDS))]
        side = cell * layout_rng.uniform(0.6, 0.9)
        left = (index % 2) * cell + layout_rng.uniform(0.05 * cell, cell - side - 0.05 * cell)
        top = (index // 2) * cell + layout_rng.uniform(0.05 * cell, cell - side - 0.05 * cell)
        shape = shape_outline(kind, (left, top, left + side, top + side))
        shapes.append((kind, shape))
        mask = Image.new("L", (size, size), 0)  # the shape's area, drawn like its outline
        draw_shape(ImageDraw.Draw(mask), kind, shape, fill=255)
        inside = np.asarray(mask) > 0
        color[inside] = random_fill(size, fill_rng)[inside]
    sketch = Image.new("RGB", (size, size), BACKGROUND)
    color = Image.fromarray(color)
    line_width = max(1, size // 96)
    for image in (sketch, color):  # the same black outlines on both
        draw = ImageDraw.Draw(image)
        for kind, shape in shapes:
            draw_shape(draw, kind, shape, outline=LINE, width=line_width)
    return sketch, color


def draw_shape(draw, kind, shape, **style):
    """Draw one shape with PIL: an ellipse for a circle, a polygon for the others."""
    if kind == "circle":
        draw.ellipse(shape, **style)
    else:
        draw.polygon(shape, **style)


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
