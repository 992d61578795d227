"""A procedural facade designer: window grids, balconies, a door, drawn as CMP class-id maps.

Exercise 2 asks "what does the generator do with this layout?"; a designer that turns a handful of
numbers (floors, windows per floor, how irregular) into a label answers it without a paint
program. Used by exercise 2, ``sample_facades/make_samples.py`` and the Re-code track.
"""

from dataclasses import dataclass

import numpy as np

from pix2pix.datasets.facades import (
    BACKGROUND,
    BALCONY,
    CORNICE,
    DOOR,
    FACADE,
    LABEL_SIZE,
    SHOP,
    SILL,
    WINDOW,
)


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
