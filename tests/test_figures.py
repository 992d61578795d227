"""The figures' conventions: reproducible PNGs, grids whose parts stay apart and say their units,
legends that say which palette they show, and the drawings of a training run."""

import numpy as np

from pix2pix.datasets.facades import CMP_PALETTE, MODEL_PALETTE, ids_to_rgb
from pix2pix.figures.grids import save_image_grid, save_palette_legend
from pix2pix.figures.training import save_jitter_figure, save_patch_verdicts


def label():
    ids = np.ones((64, 64), dtype=np.uint8)
    ids[10:30, 10:30] = 3  # a window on the background
    return ids_to_rgb(ids)


def image_boxes(figure):
    """Pixel boxes of the axes that show an image, left to right, top to bottom."""
    axes = [axis for axis in figure.axes if axis.images and axis.get_label() != "<colorbar>"]
    boxes = [axis.get_window_extent() for axis in axes]
    return sorted(boxes, key=lambda box: (-round(box.y1), box.x0))


def test_a_saved_figure_is_byte_identical_and_names_no_library_version(tmp_path):
    first = save_palette_legend(tmp_path / "a.png")
    second = save_palette_legend(tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()
    assert b"matplotlib" not in first.read_bytes().lower()


def test_neighbouring_images_of_a_grid_are_apart(drawn):
    save_image_grid([[label()] * 3, [label()] * 3], "grid.png", row_titles=["label", "photo"])
    boxes = image_boxes(drawn[0])
    assert len(boxes) == 6
    for left, right in zip(boxes[:2], boxes[1:3]):  # the first row
        assert right.x0 - left.x1 >= 5  # pixels of white between two frames
    assert boxes[0].y0 - boxes[3].y1 >= 5  # and between the rows


def test_row_labels_of_a_one_column_grid_lie_inside_the_figure(drawn):
    save_image_grid([[label()], [label()]], "grid.png", column_titles=["designed_01_classic"],
                    row_titles=["label", "generated photo"], title="one label")
    figure = drawn[0]
    renderer = figure.canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    for axis in figure.axes:
        if axis.get_ylabel():
            box = axis.yaxis.label.get_window_extent(renderer)
            assert 0 <= box.x0 and box.x1 <= width and 0 <= box.y0 and box.y1 <= height


def test_a_map_in_a_grid_gets_a_colour_bar_with_its_unit(drawn):
    spread = np.random.default_rng(0).random((64, 64)) * 20
    save_image_grid([[label(), spread]], "grid.png", column_titles=["label", "per-pixel std"])
    colour_bars = [axis for axis in drawn[0].axes if axis.get_label() == "<colorbar>"]
    assert [axis.get_ylabel() for axis in colour_bars] == ["0-255 grey levels"]


def test_the_grid_legend_says_it_shows_the_models_palette(drawn):
    save_image_grid([[label()]], "grid.png")
    legends = [axis.get_legend() for axis in drawn[0].axes if axis.get_legend()]
    assert len(legends) == 1
    assert "model's palette" in legends[0].get_title().get_text()
    assert len(legends[0].get_texts()) == 12  # one entry per class


def test_one_list_of_titles_per_row_titles_every_row(drawn):
    save_image_grid([[label()] * 2, [label()] * 2], "grid.png",
                    column_titles=[["a", "b"], ["c", "d"]], legend=False)
    titles = [axis.get_title() for axis in drawn[0].axes]
    assert titles == ["a", "b", "c", "d"]


def test_the_palette_legend_draws_each_palette_under_its_heading(drawn):
    save_palette_legend("palettes.png", {"model": MODEL_PALETTE, "CMP": CMP_PALETTE,
                                         "grey": np.full((12, 3), 128, dtype=np.uint8)})
    axis = drawn[0].axes[0]
    texts = [text.get_text() for text in axis.texts]
    assert {"model", "CMP", "grey"} <= set(texts)
    assert len(axis.patches) == 3 * 12
    assert "(128, 128, 128)" in texts and "(0, 0, 170)" in texts  # CMP's background


def test_the_jitter_figure_frames_each_crop_where_it_was_cut(drawn):
    rng = np.random.default_rng(0)
    stored = [rng.integers(0, 255, (32, 32, 3), dtype=np.uint8) for _ in range(2)]
    resized = [rng.integers(0, 255, (36, 36, 3), dtype=np.uint8) for _ in range(2)]
    crops = [(1, [image[2:34, 3:35] for image in resized], (2, 3, False)),
             (2, [image[0:32, 4:36, :][:, ::-1] for image in resized], (0, 4, True))]
    save_jitter_figure(stored, resized, crops, "jitter.png")
    resized_axis = drawn[0].axes[1]  # the resized sketch, with one frame per crop
    corners = sorted((patch.get_x() + 0.5, patch.get_y() + 0.5, patch.get_width())
                     for patch in resized_axis.patches)
    assert corners == [(3, 2, 32), (4, 0, 32)]  # (left, top, side) of each crop
    titles = [axis.get_title() for axis in drawn[0].axes[2:4]]
    assert "left 3, top 2" in titles[0] and "not mirrored" in titles[0]
    assert "left 4, top 0" in titles[1] and titles[1].endswith("\nmirrored")


def test_the_verdict_figure_shows_both_grids_on_one_probability_scale(drawn):
    pair = [np.zeros((64, 64, 3), dtype=np.uint8)] * 3
    verdicts = (np.full((30, 30), 0.9), np.full((30, 30), 0.2))
    save_patch_verdicts(pair, verdicts, "verdicts.png", title="a run")
    heatmaps = [image for axis in drawn[0].axes for image in axis.images
                if image.get_cmap().name == "RdBu"]
    assert len(heatmaps) == 2
    assert all(image.get_clim() == (0, 1) for image in heatmaps)
    titles = [axis.get_title() for axis in drawn[0].axes]
    assert "D(x, y): mean 0.90" in titles and "D(x, G(x)): mean 0.20" in titles
    colour_bar = [axis for axis in drawn[0].axes if axis.get_label() == "<colorbar>"][0]
    assert "(30×30)" in colour_bar.get_ylabel()
