"""Facade label maps: the CMP classes, their two palettes, reading and checking labels, a designer.

The official ``facades_label2photo`` generator only understands labels drawn exactly as its
training data drew them, so this module is the single place that knows the classes and colours.
Used by exercises 1 and 2, ``sample_facades/make_samples.py`` and the exercise pages.

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


def nearest_class(rgb, palette=MODEL_PALETTE):
    """Snap every pixel to the class whose colour is nearest (removes JPEG noise).

    Args:
        rgb: (H, W, 3) uint8 image.
        palette: (12, 3) colours.

    Returns:
        ``(ids, distance)``: (H, W) uint8 class ids and (H, W) float Euclidean distance in RGB
        units from each pixel to its class colour (0 for a pixel exactly on the palette).
    """
    pixels = np.asarray(rgb, dtype=np.int32)[..., None, :]  # (H, W, 1, 3)
    squared = ((pixels - np.asarray(palette, dtype=np.int32)) ** 2).sum(-1)  # (H, W, 12)
    ids = squared.argmin(-1)
    distance = np.sqrt(np.take_along_axis(squared, ids[..., None], -1)[..., 0])
    return (ids + 1).astype(np.uint8), distance


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


class LabelError(ValueError):
    """A file that cannot be read as a facade label; the message says why and what to do."""


# Farther than this (RGB units) from every class colour is a wrong colour, not compression noise:
# JPEG moves flat label colours by a few units, while two class colours are at least 57 apart.
SNAP_TOLERANCE = 24.0
PALETTES = {"pix2pix jet(64)": MODEL_PALETTE, "CMP jet(12)": CMP_PALETTE}


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
        ("CMP class ids", "class ids", "pix2pix jet(64)", "CMP jet(12)"); and the (H, W)
        distance of each pixel from its class colour (zeros for id maps).

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
    fits = {}
    for name, palette in PALETTES.items():
        ids, distance = nearest_class(rgba[..., :3], palette)
        fits[name] = (distance.mean(), ids, distance)
    source = min(fits, key=lambda name: fits[name][0])
    _, ids, distance = fits[source]
    transparent = rgba[..., 3] < 128
    ids[transparent], distance[transparent] = BACKGROUND, 0.0
    return ids, source, distance


def resize_ids(ids, size=LABEL_SIZE):
    """Squash a class-id map to ``size`` x ``size`` with NEAREST, as the training data was.

    NEAREST copies an existing pixel into each new one, so every pixel stays a class; any
    smoothing filter (BILINEAR, LANCZOS) would blend two class colours into one that belongs to
    no class. The aspect ratio is not kept because the training labels did not keep it either.
    """
    return np.asarray(Image.fromarray(np.asarray(ids, dtype=np.uint8)).resize(
        (size, size), Image.NEAREST))


def load_label(path, size=LABEL_SIZE):
    """Read any label file as the model's input: ``size`` x ``size``, in the model's palette.

    Args:
        path: a label image (see :func:`read_label_ids` for the forms accepted).
        size: side of the result.

    Returns:
        (size, size, 3) uint8 RGB label whose every pixel is a ``MODEL_PALETTE`` colour.

    Raises:
        LabelError: the file is missing, not an image, or a grey image without class ids.
    """
    ids, _, _ = read_label_ids(open_label_image(path))
    return ids_to_rgb(resize_ids(ids, size))


@dataclass
class LabelReport:
    """What :func:`validate_label` found in a label file."""

    size: tuple  # (width, height) of the file
    source: str  # the form it was read as, see read_label_ids
    off_palette_fraction: float  # pixels not exactly a class colour (noise such as JPEG's)
    unmatched_fraction: float  # pixels farther than SNAP_TOLERANCE from every class colour
    class_coverage: dict  # class name -> fraction of the 256x256 label
    warnings: list = field(default_factory=list)

    def summary(self):
        """A few lines for a terminal."""
        present = ", ".join(f"{name} {fraction:.0%}" for name, fraction
                            in self.class_coverage.items() if fraction >= 0.005)
        lines = [f"size {self.size[0]}x{self.size[1]}, read as {self.source}, "
                 f"off-palette {self.off_palette_fraction:.1%} "
                 f"(far from every class: {self.unmatched_fraction:.1%})",
                 f"classes: {present}"]
        return "\n".join(lines + [f"warning: {warning}" for warning in self.warnings])


def validate_label(path):
    """Check a label file before translating it: palette, off-palette pixels, class coverage.

    Args:
        path: a label image.

    Returns:
        A :class:`LabelReport`; its ``warnings`` say what would make the output poor.

    Raises:
        LabelError: the file cannot be read as a label at all.
    """
    image = open_label_image(path)
    ids, source, distance = read_label_ids(image)
    counts = np.bincount(resize_ids(ids).ravel(), minlength=13)[1:] / LABEL_SIZE ** 2
    report = LabelReport(size=image.size, source=source,
                         off_palette_fraction=float((distance > 0).mean()),
                         unmatched_fraction=float((distance > SNAP_TOLERANCE).mean()),
                         class_coverage=dict(zip(CLASS_NAMES, counts.tolist())))
    if report.unmatched_fraction > 0.01:
        report.warnings.append(f"{report.unmatched_fraction:.0%} of the pixels are far from "
                               "every class colour: they were snapped to the nearest class. "
                               "Draw with the colours of the legend.")
    if source == "CMP jet(12)":
        report.warnings.append("drawn in CMP's jet(12) colours: converted to the model's "
                               "jet(64) colours by class.")
    if report.class_coverage["facade"] < 0.05:
        report.warnings.append("almost no facade (wall) pixels: the model fills walls from "
                               "the facade class, so expect a strange picture.")
    if max(counts) > 0.95:
        report.warnings.append("one class covers more than 95% of the label.")
    return report


# -----------------------------------------------------------------------------
# A procedural facade designer


@dataclass
class FacadeDesign:
    """Settings of a designed facade; sizes are fractions, so a design fits any label size."""

    rows: int = 4  # floors above the ground floor, one row of windows each
    columns: int = 4  # windows per floor
    window_width: float = 0.5  # fraction of a column's width
    window_height: float = 0.55  # fraction of a floor's height
    spacing: float = 1.0  # < 1 packs the columns towards the middle, leaving wall at the sides
    irregularity: float = 0.0  # 0: a perfect grid; 1: windows jitter in place and size, some gone
    door: bool = True
    shop_front: bool = False  # a shop window across the ground floor
    balcony_floors: tuple = ()  # floors (1 = first above the ground floor) with balconies
    cornices: bool = True  # one along the roof line, one above the ground floor
    sills: bool = True
    sky: float = 0.08  # background above the facade, fraction of the height
    seed: int = 0  # the irregularity's random numbers

    def __post_init__(self):
        # a design is something students edit: say which value is wrong, not a ZeroDivisionError
        if self.rows < 1 or self.columns < 1:
            raise ValueError(f"FacadeDesign needs rows >= 1 and columns >= 1, got rows="
                             f"{self.rows}, columns={self.columns}")
        for name in ("window_width", "window_height", "spacing"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"FacadeDesign.{name} is a fraction in (0, 1], got "
                                 f"{getattr(self, name)}")
        if not 0 <= self.irregularity <= 1 or not 0 <= self.sky < 0.5:
            raise ValueError("FacadeDesign needs 0 <= irregularity <= 1 and 0 <= sky < 0.5, got "
                             f"irregularity={self.irregularity}, sky={self.sky}")


def design_facade(design=None, size=LABEL_SIZE):
    """Draw a facade label from a :class:`FacadeDesign`; the same design gives the same label.

    Drawing order matters: later classes cover earlier ones, as in CMP's annotations, where a
    balcony covers the bottom of its window and a door covers the wall.

    Args:
        design: the settings (default ``FacadeDesign()``).
        size: side of the square label.

    Returns:
        (size, size) uint8 class-id map; colour it with :func:`ids_to_rgb`.
    """
    design = design or FacadeDesign()
    rng = np.random.default_rng(design.seed)
    ids = np.full((size, size), BACKGROUND, dtype=np.uint8)
    top = round(design.sky * size)
    ids[top:, :] = FACADE
    band = max(2, size // 48)  # thickness of cornices and balconies
    if design.cornices:
        ids[top:top + band, :] = CORNICE

    ground_top = size - round(0.24 * (size - top))
    grid_left = round(size * (1 - design.spacing) / 2)
    column_width = (size - 2 * grid_left) / design.columns
    floor_top = top + 2 * band
    floor_height = (ground_top - band - floor_top) / design.rows

    for floor in range(design.rows):
        y0 = floor_top + floor * floor_height
        has_balcony = design.rows - floor in design.balcony_floors  # floors count from below
        for column in range(design.columns):
            jitter = rng.uniform(-1, 1, size=5) * design.irregularity
            if jitter[4] > 0.7:  # only irregular designs lose windows (|jitter| <= irregularity)
                continue
            width = design.window_width * column_width * (1 + 0.3 * jitter[0])
            height = design.window_height * floor_height * (1 + 0.3 * jitter[1])
            x = grid_left + (column + 0.5) * column_width - width / 2
            x += jitter[2] * (column_width - width) / 2
            y = y0 + (floor_height - height) * (0.45 + 0.4 * jitter[3])
            # clamped at 0: a negative start would make numpy count from the right edge
            x0, x1 = max(0, round(x)), round(x + width)
            y_top, y_bottom = round(y), round(y + height)
            ids[y_top:y_bottom, x0:x1] = WINDOW
            if has_balcony:
                reach = round(0.15 * width)
                railing = round(y_bottom - 0.35 * height)  # railings hide the window's bottom
                ids[railing:y_bottom + band // 2, max(0, x0 - reach):x1 + reach] = BALCONY
            elif design.sills:
                ids[y_bottom:y_bottom + max(1, band // 2), max(0, x0 - 1):x1 + 1] = SILL

    if design.cornices:
        ids[ground_top - band:ground_top, :] = CORNICE
    ground_height = size - ground_top
    if design.shop_front:
        ids[ground_top + band:size - band, grid_left + band:size - grid_left - band] = SHOP
    else:
        for column in range(design.columns):
            x = grid_left + (column + 0.5) * column_width
            half = design.window_width * column_width / 2
            ids[ground_top + ground_height // 4:size - ground_height // 4,
                round(x - half):round(x + half)] = WINDOW
    if design.door:
        door_half = max(4, round(min(0.3 * column_width, 0.06 * size)))
        middle = size // 2
        ids[ground_top + ground_height // 6:, middle - door_half:middle + door_half] = DOOR
    return ids
