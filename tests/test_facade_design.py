"""The facade designer: its labels are on-palette, deterministic and follow the design."""

import numpy as np
import pytest

from pix2pix.datasets.facade_design import FacadeDesign, design_facade
from pix2pix.datasets.facades import (
    BALCONY,
    FACADE,
    WINDOW,
    ids_to_rgb,
    off_palette_fraction,
)


@pytest.mark.parametrize("design", [
    FacadeDesign(),
    FacadeDesign(rows=7, columns=7, balcony_floors=(1, 3), shop_front=True),
    FacadeDesign(rows=3, columns=2, irregularity=1.0, spacing=0.6, seed=4),
])
def test_designer_labels_are_on_palette_and_deterministic(design):
    ids = design_facade(design)
    assert ids.shape == (256, 256) and set(np.unique(ids)) <= set(range(1, 13))
    assert off_palette_fraction(ids_to_rgb(ids)) == 0
    assert np.array_equal(ids, design_facade(design))
    assert (ids == WINDOW).mean() > 0.03 and (ids == FACADE).mean() > 0.3


def test_designer_seed_changes_only_irregular_facades():
    regular, irregular = FacadeDesign(), FacadeDesign(irregularity=0.8)
    assert np.array_equal(design_facade(regular), design_facade(FacadeDesign(seed=1)))
    assert not np.array_equal(design_facade(irregular),
                              design_facade(FacadeDesign(irregularity=0.8, seed=1)))


def count_windows(ids):
    """Number of window rectangles: window pixels with no window above them or to their left."""
    window = np.pad(ids == WINDOW, ((1, 0), (1, 0)))
    return int((window[1:, 1:] & ~window[:-1, 1:] & ~window[1:, :-1]).sum())


def test_designer_draws_a_window_per_grid_cell_plus_the_ground_floor():
    assert count_windows(design_facade(FacadeDesign(rows=2, columns=3, door=False))) == 2 * 3 + 3
    assert count_windows(design_facade(FacadeDesign(rows=6, columns=6, shop_front=True))) == 36


def test_a_regular_design_is_mirror_symmetric_even_when_balconies_reach_the_edge():
    # wide windows on a full-width grid push the first balcony past x = 0
    ids = design_facade(FacadeDesign(window_width=0.8, balcony_floors=(1, 2, 3, 4), door=False))
    assert (ids == BALCONY).any()
    assert np.array_equal(ids, ids[:, ::-1])


@pytest.mark.parametrize("settings", [dict(rows=0), dict(columns=0), dict(spacing=1.5),
                                      dict(window_width=0), dict(irregularity=2)])
def test_an_impossible_design_is_refused_with_the_setting_named(settings):
    with pytest.raises(ValueError, match=next(iter(settings))):
        FacadeDesign(**settings)
