"""Facade label maps: the CMP classes, their two palettes, reading and checking labels.

The official ``facades_label2photo`` generator only understands labels drawn exactly as its
training data drew them, so this module is the single place that knows the classes and colours.
Used by exercises 1 and 2, :mod:`pix2pix.datasets.facade_design`, ``translate.py`` and the exercise
pages.

A label is held in two forms:

* a *class-id map*: ``(H, W)`` uint8, every pixel a class id 1-12 (what CMP's PNGs store);
* an *RGB label*: ``(H, W, 3)`` uint8, every pixel the colour of its class (what the model eats).

Two palettes exist, both cut from MATLAB's ``jet`` colour map:

* ``CMP_PALETTE``: the CMP Facade Database draws class k with row k of jet(12).
* ``MODEL_PALETTE``: the pix2pix ``facades`` dataset, the one the pretrained model was trained on,
  draws class k with row 5k+1 of jet(64). Feed the model anything else and it sees colours it
  never met during training.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from pix2pix.errors import FixableError

# -----------------------------------------------------------------------------
# Classes and palettes

CLASS_NAMES = ("background", "facade", "window", "door", "cornice", "sill", "balcony", "blind",
               "deco", "molding", "pillar", "shop")
BACKGROUND, FACADE, WINDOW, DOOR, CORNICE, SILL, BALCONY, BLIND, DECO, MOLDING, PILLAR, SHOP = (
    range(1, 13))
LABEL_SIZE = 256  # the model's input side; training labels were squashed to 256x256


def matlab_jet(m):
    """MATLAB's ``jet(m)`` colour map as 8-bit RGB, computed the way MATLAB computes it.

    jet runs dark blue -> blue -> cyan -> yellow -> red -> dark red. Each channel is the same
    trapezoid ``u`` (ramp up, flat top, ramp down) placed at a different row offset: green in the
    middle, red ``n`` rows later, blue ``n`` rows earlier; rows outside 1..m are cut off.

    Args:
        m: number of colours.

    Returns:
        (m, 3) uint8 array, row i the i-th colour (0-based).
    """
    n = math.ceil(m / 4)
    u = np.concatenate([np.arange(1, n + 1) / n, np.ones(n - 1), np.arange(n, 0, -1) / n])
    green_rows = np.arange(len(u)) + math.ceil(n / 2) - (m % 4 == 1)
    jet = np.zeros((m, 3))
    for channel, shift in enumerate((n, 0, -n)):  # red, green, blue
        rows = green_rows + shift
        keep = (rows >= 0) & (rows < m)
        jet[rows[keep], channel] = u[keep]
    return np.floor(255 * jet + 0.5).astype(np.uint8)  # MATLAB rounds halves up


# Row k of both arrays is the colour of class k + 1.
CMP_PALETTE = matlab_jet(12)
# rows 5k+1 (1-based) of jet(64) for k = 1..12 are 0-based rows 5k
MODEL_PALETTE = matlab_jet(64)[[5 * k for k in range(1, 13)]]


def ids_to_rgb(ids, palette=MODEL_PALETTE):
    """Colour a class-id map.

    Args:
        ids: (H, W) integer array of class ids 1-12.
        palette: (12, 3) colours, row k for class k + 1.

    Returns:
        (H, W, 3) uint8 RGB label.
    """
    return np.asarray(palette, dtype=np.uint8)[np.asarray(ids) - 1]


def colour_table(rgb):
    """The distinct colours of an image, and which of them each pixel is.

    A label holds few distinct colours, so everything that depends on a colour alone (its class,
    its distance to the palette) is computed once per colour, not once per pixel: a 5000x3000
    label takes a second or two, not a minute.

    Args:
        rgb: (H, W, 3) uint8 image.

    Returns:
        ``(colours, which)``: (U, 3) int64 distinct colours, sorted, and the (H, W) index into
        them of every pixel's colour.
    """
    rgb = np.asarray(rgb, dtype=np.uint8)
    packed = rgb[..., 0].astype(np.uint32) << 16 | rgb[..., 1].astype(np.uint32) << 8 | rgb[..., 2]
    # np.unique(..., return_inverse=True) would sort all the pixels with a stable sort, six times
    # slower than finding the colours and then looking each pixel up among them
    colours = np.unique(packed)
    which = np.searchsorted(colours, packed)  # (H, W)
    return np.stack([colours >> 16, colours >> 8 & 255, colours & 255], -1).astype(np.int64), which


def snap_colours(colours, palette=MODEL_PALETTE):
    """The class of each colour (the nearest palette colour) and how far from it the colour is.

    Args:
        colours: (U, 3) colours.
        palette: (12, 3) colours.

    Returns:
        ``(ids, distance)``: (U,) uint8 class ids 1-12 and (U,) Euclidean distances in RGB units.
    """
    squared = ((colours[:, None, :] - np.asarray(palette, np.int64)) ** 2).sum(-1)  # (U, 12)
    ids = squared.argmin(-1)
    return (ids + 1).astype(np.uint8), np.sqrt(squared[np.arange(len(colours)), ids])


def nearest_class(rgb, palette=MODEL_PALETTE):
    """Snap every pixel to the class whose colour is nearest (removes JPEG noise).

    Args:
        rgb: (H, W, 3) uint8 image.
        palette: (12, 3) colours.

    Returns:
        ``(ids, distance)``: (H, W) uint8 class ids and (H, W) float Euclidean distance in RGB
        units from each pixel to its class colour (0 for a pixel exactly on the palette).
    """
    colours, which = colour_table(rgb)
    ids, distance = snap_colours(colours, palette)
    return ids[which], distance[which]


def off_palette_fraction(rgb, palette=MODEL_PALETTE):
    """Fraction of pixels whose colour is not exactly one of the palette's colours.

    Args:
        rgb: (H, W, 3) uint8 image.
        palette: (12, 3) colours.

    Returns:
        A float in [0, 1]; 0 for a label the model can read as it was trained.
    """
    _, distance = nearest_class(rgb, palette)
    return float((distance > 0).mean())


# -----------------------------------------------------------------------------
# Reading any label


class LabelError(FixableError, ValueError):
    """A file that cannot be read as a facade label; the message says why and what to do."""


# Farther than this (RGB units) from every class colour is a wrong colour, not compression noise:
# JPEG moves flat label colours by a few units, while two class colours are at least 57 apart.
SNAP_TOLERANCE = 24.0
PALETTES = {"pix2pix jet(64)": MODEL_PALETTE, "CMP jet(12)": CMP_PALETTE}
# A drawing in either palette has most pixels on a class colour; a photo or noise has most far
# from all of them, and calling it "drawn in" the nearer palette would be false.
NEITHER_PALETTE = "colours of neither palette"


def open_label_image(path):
    """Open an image file, turning the expected failures into a :class:`LabelError`."""
    path = Path(path)
    if not path.is_file():
        raise LabelError(f"No label image at {path}. Give the path of a PNG label, e.g. one of "
                         "sample_facades/*.png.")
    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError) as error:
        raise LabelError(f"{path} is not an image that Pillow can read ({error}). "
                         "Save your label as PNG.") from None
    return image


def _palette_ids(image):
    """Class ids of a CMP-style "P" PNG (pixel value = class id), or None if it is not one."""
    values = np.asarray(image)
    used = np.unique(values)
    palette = np.asarray(image.getpalette() or [], dtype=np.uint8).reshape(-1, 3)
    if used.min() < 1 or used.max() > 12 or len(palette) <= used.max():
        return None
    if not np.array_equal(palette[used], CMP_PALETTE[used - 1]):
        return None  # an editor's palette: its indexes mean nothing, read the colours instead
    return values.astype(np.uint8)


def read_label_ids(image):
    """Class ids of a label in any of the forms labels come in, at the image's own size.

    * a CMP PNG ("P" mode, palette jet(12)): the pixel values are the class ids;
    * a grey image ("L", 16-bit "I;16" or "I") whose values are all 1-12: a class-id map;
    * anything else (RGB, RGBA, other palettes): colours, each snapped to the nearest class of
      whichever palette (pix2pix jet(64) or CMP jet(12)) fits the image better. Transparent
      pixels are background.

    Args:
        image: a ``PIL.Image``.

    Returns:
        ``(ids, source, distance)``: (H, W) uint8 class ids; a short name of the form found
        ("CMP class ids", "class ids", "pix2pix jet(64)", "CMP jet(12)", or
        :data:`NEITHER_PALETTE` when most pixels are far from every class colour); and the
        (H, W) distance of each pixel from its class colour (zeros for id maps).

    Raises:
        LabelError: a grey image with values outside 1-12.
    """
    if image.mode == "P":
        ids = _palette_ids(image)
        if ids is not None:
            return ids, "CMP class ids", np.zeros(ids.shape)
    if image.mode in ("L", "I", "I;16", "I;16B", "I;16L"):
        values = np.asarray(image).astype(np.int64)
        if values.min() < 1 or values.max() > 12:
            raise LabelError(f"A grey label must hold class ids 1-12, but its values run from "
                             f"{values.min()} to {values.max()}. Draw the label in colour with "
                             "the palette of the legend (docs/exercise1), or save class ids.")
        return values.astype(np.uint8), "class ids", np.zeros(values.shape)
    rgba = np.asarray(image.convert("RGBA"))
    colours, which = colour_table(rgba[..., :3])  # once, for both palettes
    pixels = np.bincount(which.ravel(), minlength=len(colours))  # (U,) pixels of each colour
    fits = {name: snap_colours(colours, palette) for name, palette in PALETTES.items()}
    # the palette the pixels are nearer to on average
    source = min(fits, key=lambda name: (fits[name][1] * pixels).sum())
    ids, distance = (per_colour[which] for per_colour in fits[source])
    if (distance > SNAP_TOLERANCE).mean() > 0.5:
        source = NEITHER_PALETTE
    transparent = rgba[..., 3] < 128
    ids[transparent], distance[transparent] = BACKGROUND, 0.0
    return ids, source, distance


def resize_ids(ids, size=LABEL_SIZE):
    """Squash a class-id map to ``size`` x ``size`` with NEAREST, as the training data was.

    NEAREST copies an existing pixel into each new one, so every pixel stays a class; any
    smoothing filter (BILINEAR, LANCZOS) would blend two class colours into one that belongs to
    no class. The training labels were squashed to a square; ``translate.py``, which keeps an
    input's shape, gives ``size`` as ``(width, height)``.
    """
    width, height = (size, size) if isinstance(size, int) else size
    return np.asarray(Image.fromarray(np.asarray(ids, dtype=np.uint8)).resize(
        (width, height), Image.NEAREST))


@dataclass
class LabelReport:
    """What :func:`read_label` found in a label file."""

    size: tuple  # (width, height) of the file
    source: str  # the form it was read as, see read_label_ids
    off_palette_fraction: float  # pixels not exactly a class colour (noise such as JPEG's)
    unmatched_fraction: float  # pixels farther than SNAP_TOLERANCE from every class colour
    transparent_fraction: float  # pixels with alpha < 128, read as background
    class_coverage: dict  # class name -> fraction of the 256x256 label
    warnings: list = field(default_factory=list)

    def summary(self):
        """A few lines for a terminal, after the file's name: the later ones indented under it."""
        present = ", ".join(f"{name} {fraction:.0%}" for name, fraction
                            in self.class_coverage.items() if fraction >= 0.005)
        lines = [f"size {self.size[0]}x{self.size[1]}, read as {self.source}, "
                 f"off-palette {self.off_palette_fraction:.1%} "
                 f"(far from every class: {self.unmatched_fraction:.1%})",
                 f"classes: {present}"]
        return "\n    ".join(lines + [f"warning: {warning}" for warning in self.warnings])


def label_warnings(report):
    """What in a :class:`LabelReport` would make the generated photo poor, in words."""
    warnings = []
    if report.source == NEITHER_PALETTE:
        warnings.append(f"{report.unmatched_fraction:.0%} of the pixels are far from every "
                        "class colour: the colours fit neither the model's jet(64) palette nor "
                        "CMP's jet(12), so this does not look like a facade label. Draw one "
                        "with the colours of the legend, e.g. start from sample_facades/*.png.")
    elif report.unmatched_fraction > 0.01:
        warnings.append(f"{report.unmatched_fraction:.0%} of the pixels are far from every "
                        "class colour: they were snapped to the nearest class. Draw with the "
                        "colours of the legend.")
    if report.transparent_fraction > 0:
        warnings.append(f"{report.transparent_fraction:.0%} of the label is transparent: read "
                        "as background (sky). Fill it with a class colour if you meant a wall.")
    if report.source == "CMP jet(12)":
        warnings.append("drawn in CMP's jet(12) colours: converted to the model's jet(64) "
                        "colours by class.")
    if report.class_coverage["facade"] < 0.05:
        warnings.append("almost no facade (wall) pixels: the model fills walls from the facade "
                        "class, so expect a strange picture.")
    if max(report.class_coverage.values()) > 0.95:
        warnings.append("one class covers more than 95% of the label.")
    return warnings


def read_label(path, size=LABEL_SIZE):
    """Read any label file as the model's input, and say what was found in it.

    The file is decoded once; its class ids are resized with NEAREST to ``size`` x ``size`` and
    coloured with the model's palette, whatever palette or form the file was drawn in.

    Args:
        path: a label image (see :func:`read_label_ids` for the forms accepted).
        size: side of the model's square input, or its ``(width, height)``.

    Returns:
        ``(rgb, report)``: the (size, size, 3) (or (height, width, 3)) uint8 label whose every pixel is a
        ``MODEL_PALETTE`` colour, and a :class:`LabelReport` whose ``warnings`` say what would
        make the output poor.

    Raises:
        LabelError: the file is missing, not an image, or a grey image without class ids.
    """
    image = open_label_image(path)
    ids, source, distance = read_label_ids(image)
    transparent = (np.asarray(image.getchannel("A")) < 128 if image.mode in ("RGBA", "LA")
                   else np.zeros(ids.shape, bool))
    resized = resize_ids(ids, size)
    counts = np.bincount(resized.ravel(), minlength=13)[1:] / resized.size
    report = LabelReport(size=image.size, source=source,
                         off_palette_fraction=float((distance > 0).mean()),
                         unmatched_fraction=float((distance > SNAP_TOLERANCE).mean()),
                         transparent_fraction=float(transparent.mean()),
                         class_coverage=dict(zip(CLASS_NAMES, counts.tolist())))
    report.warnings = label_warnings(report)
    return ids_to_rgb(resized), report
