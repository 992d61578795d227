"""Facade labels: the palettes are MATLAB's jet, and labels of every form become clean 256x256
inputs in the model's palette, with a report of what was found."""

import numpy as np
import pytest
from PIL import Image

from pix2pix.datasets.facades import (BACKGROUND, CLASS_NAMES, CMP_PALETTE, FACADE, MODEL_PALETTE,
                             LabelError, ids_to_rgb, matlab_jet, nearest_class,
                             off_palette_fraction, read_label, read_label_ids)

# the colours as measured on real files
CMP_COLOURS = [(0, 0, 170), (0, 0, 255), (0, 85, 255), (0, 170, 255), (0, 255, 255),
               (85, 255, 170), (170, 255, 85), (255, 255, 0), (255, 170, 0), (255, 85, 0),
               (255, 0, 0), (170, 0, 0)]
MODEL_COLOURS = [(0, 0, 223), (0, 48, 255), (0, 128, 255), (0, 207, 255), (32, 255, 223),
                 (112, 255, 143), (191, 255, 64), (255, 239, 0), (255, 159, 0), (255, 80, 0),
                 (255, 0, 0), (175, 0, 0)]


def cmp_like_ids(width=543, height=1024, seed=0):
    """A class-id map with all 12 classes in blocks, the size of a real CMP label."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(1, 13, size=(16, 8))
    blocks.flat[:12] = np.arange(1, 13)
    return np.asarray(Image.fromarray(blocks.astype(np.uint8)).resize((width, height),
                                                                      Image.NEAREST))


def save_cmp_png(ids, path):
    """Save ids the way CMP does: mode "P", pixel value = class id, palette jet(12)."""
    image = Image.fromarray(ids.astype(np.uint8), mode="P")
    image.putpalette([0, 0, 0] + CMP_PALETTE.flatten().tolist())
    image.save(path)
    return path


def test_cmp_palette_is_matlab_jet_12():
    assert CMP_PALETTE.tolist() == [list(colour) for colour in CMP_COLOURS]
    assert np.array_equal(matlab_jet(12), CMP_PALETTE)


def test_model_palette_is_row_5k_plus_1_of_matlab_jet_64():
    jet = matlab_jet(64)
    assert MODEL_PALETTE.tolist() == [list(colour) for colour in MODEL_COLOURS]
    assert jet[0].tolist() == [0, 0, 143] and jet[-1].tolist() == [128, 0, 0]


def test_twelve_classes_with_distinct_colours():
    assert len(CLASS_NAMES) == 12 and CLASS_NAMES[2] == "window"
    assert len({tuple(c) for c in MODEL_PALETTE}) == 12


@pytest.mark.parametrize("palette", [MODEL_PALETTE, CMP_PALETTE])
def test_ids_to_colours_and_back_round_trip(palette):
    ids = cmp_like_ids(64, 64)
    back, distance = nearest_class(ids_to_rgb(ids, palette), palette)
    assert np.array_equal(back, ids) and distance.max() == 0


def test_a_543x1024_cmp_png_becomes_256x256_with_no_off_palette_pixel(tmp_path):
    ids = cmp_like_ids()
    label, _ = read_label(save_cmp_png(ids, tmp_path / "cmp.png"))
    assert label.shape == (256, 256, 3)
    assert off_palette_fraction(label) == 0
    read, _ = nearest_class(label)
    assert set(np.unique(read)) == set(range(1, 13))


def test_cmp_png_is_read_by_class_id_not_by_colour(tmp_path):
    ids = cmp_like_ids(40, 40)
    read, source, _ = read_label_ids(Image.open(save_cmp_png(ids, tmp_path / "cmp.png")))
    assert source == "CMP class ids" and np.array_equal(read, ids)


@pytest.mark.parametrize("mode", ["L", "I;16"])
def test_grey_class_id_maps_are_read_as_ids(tmp_path, mode):
    ids = cmp_like_ids(40, 40)
    path = tmp_path / "ids.png"
    Image.fromarray(ids.astype(np.uint16 if mode == "I;16" else np.uint8)).save(path)
    assert Image.open(path).mode == mode
    assert np.array_equal(read_label_ids(Image.open(path))[0], ids)


def test_rgb_in_cmp_colours_is_converted_to_the_model_palette_by_class(tmp_path):
    ids = cmp_like_ids(64, 64)
    path = tmp_path / "cmp_rgb.png"
    Image.fromarray(ids_to_rgb(ids, CMP_PALETTE)).save(path)
    label, report = read_label(path, size=64)
    assert report.source == "CMP jet(12)"
    assert np.array_equal(label, ids_to_rgb(ids))


def test_random_noise_is_read_as_neither_palette_not_as_drawn_in_cmp_colours(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "noise.png")
    _, report = read_label(tmp_path / "noise.png")
    assert report.source == "colours of neither palette"
    assert "read as colours of neither palette" in report.summary()
    assert not any("jet(12) colours" in warning for warning in report.warnings)
    assert any("does not look like a facade label" in warning for warning in report.warnings)


def test_jpeg_noise_is_snapped_to_the_nearest_class(tmp_path):
    ids = np.kron(cmp_like_ids(8, 8), np.ones((32, 32), dtype=np.uint8))  # flat 32x32 blocks
    path = tmp_path / "label.jpg"
    Image.fromarray(ids_to_rgb(ids)).save(path, quality=95, subsampling=0)
    assert off_palette_fraction(np.asarray(Image.open(path))) > 0.5  # JPEG moved the colours
    label, _ = read_label(path)
    assert off_palette_fraction(label) == 0
    assert (nearest_class(label)[0] == ids).mean() > 0.99


def test_transparent_pixels_become_background(tmp_path):
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    rgba[..., :3] = MODEL_PALETTE[FACADE - 1]
    rgba[:, 16:, 3] = 255
    ids = read_label_ids(Image.fromarray(rgba))[0]
    assert (ids[:, :16] == BACKGROUND).all() and (ids[:, 16:] == FACADE).all()


def test_a_transparent_area_is_reported_not_silently_turned_into_sky(tmp_path):
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    rgba[..., :3] = MODEL_PALETTE[FACADE - 1]
    rgba[:, 8:, 3] = 255
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    _, report = read_label(tmp_path / "rgba.png")
    assert report.transparent_fraction == 0.25
    assert any("25% of the label is transparent" in warning for warning in report.warnings)


def test_validator_reports_wrong_colours_and_coverage(tmp_path):
    grey = np.full((64, 64, 3), 128, dtype=np.uint8)
    grey[10:20, 10:20] = (255, 0, 0)
    path = tmp_path / "grey.png"
    Image.fromarray(grey).save(path)
    _, report = read_label(path)
    assert report.unmatched_fraction > 0.9
    assert any("far from every class colour" in warning for warning in report.warnings)
    assert sum(report.class_coverage.values()) == pytest.approx(1.0)


def test_bad_label_files_raise_a_label_error_that_says_what_to_do(tmp_path):
    with pytest.raises(LabelError, match="No label image"):
        read_label(tmp_path / "missing.png")
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(LabelError, match="Save your label as PNG"):
        read_label(tmp_path / "notes.png")
    Image.fromarray(np.full((8, 8), 200, dtype=np.uint8)).save(tmp_path / "grey.png")
    with pytest.raises(LabelError, match="class ids 1-12"):
        read_label(tmp_path / "grey.png")


def test_lanczos_would_leave_the_palette_but_nearest_does_not():
    label = Image.fromarray(ids_to_rgb(cmp_like_ids()))
    assert off_palette_fraction(np.asarray(label.resize((256, 256), Image.LANCZOS))) > 0.2
    assert off_palette_fraction(np.asarray(label.resize((256, 256), Image.NEAREST))) == 0


def test_a_label_file_is_opened_and_decoded_once(tmp_path, monkeypatch):
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    rgba[..., :3] = MODEL_PALETTE[FACADE - 1]
    rgba[:, 8:, 3] = 255  # a transparent strip: the report's check must not read the file again
    Image.fromarray(rgba).save(tmp_path / "label.png")
    opened, real_open = [], Image.open
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args[0])
                        or real_open(*args, **kwargs))
    _, report = read_label(tmp_path / "label.png")
    assert opened == [tmp_path / "label.png"] and report.transparent_fraction == 0.125


def test_palette_choice_and_distances_per_colour_match_a_per_pixel_computation():
    # half CMP colours with JPEG-like noise, half exact model colours: the per-colour shortcut
    # must give each pixel what a direct per-pixel nearest-colour search gives it
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 13, size=(40, 40))
    rgb = np.clip(ids_to_rgb(ids, CMP_PALETTE).astype(int) + rng.integers(-6, 7, (40, 40, 3)),
                  0, 255).astype(np.uint8)
    rgb[:, 20:] = ids_to_rgb(ids[:, 20:])
    found, distance = nearest_class(rgb, CMP_PALETTE)
    squared = ((rgb[:, :, None, :].astype(int) - CMP_PALETTE.astype(int)) ** 2).sum(-1)
    assert np.array_equal(found, squared.argmin(-1) + 1)
    assert np.allclose(distance, np.sqrt(squared.min(-1)))
