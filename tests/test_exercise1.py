"""Exercise 1 runs end to end on the CPU from any directory, and fails with the fix to run."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from exercises import exercise1_observe
from pix2pix.errors import run_script as run_as_script
from pix2pix.paths import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "exercises" / "exercise1_observe.py"


def run_script(*args, cwd):
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", *map(str, args)],
                          cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


def test_exercise1_translates_the_samples_and_saves_grid_and_photos(official_checkpoint,
                                                                    tmp_path):
    result = run_script("--checkpoint", official_checkpoint, "--out", tmp_path / "out",
                        "--quick", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "s per image, paper mode, cpu" in result.stdout
    photos = sorted((tmp_path / "out").glob("*_photo_paper.png"))
    assert len(photos) == 2 and (tmp_path / "out" / "grid_paper.png").is_file()
    assert np.asarray(Image.open(photos[0])).shape == (256, 256, 3)
    # the fixture's weights are freshly initialised: one readable line says so, and why
    assert "warning: " in result.stderr and "does not look trained" in result.stderr
    assert "UntrainedWeightsWarning" not in result.stderr  # not Python's file:line format


def test_a_missing_checkpoint_names_the_download_command(tmp_path):
    result = run_script("--checkpoint", tmp_path / "none.pth", "--quick", cwd=tmp_path)
    assert result.returncode != 0
    assert "python download_pretrained.py" in result.stderr
    # offline, the download has just failed: the message also names the copy-a-file route
    assert "python download_pretrained.py --from-file PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_label_is_refused_before_the_checkpoint_is_loaded(tmp_path):
    (tmp_path / "label.png").write_text("not an image")
    result = run_script("--checkpoint", tmp_path / "none.pth", "--labels", tmp_path / "label.png",
                        cwd=tmp_path)
    assert result.returncode != 0
    assert "Save your label as PNG" in result.stderr and "Traceback" not in result.stderr


def run_script_here(*args):
    """Run the script in this process as its command line does (exits through SystemExit)."""
    run_as_script(lambda: exercise1_observe.main(["--device", "cpu", *map(str, args)]))


def saved_photos(out, mode):
    """{file name: the grey level of its first pixel} of the photos saved in ``mode``."""
    return {path.name: int(np.asarray(Image.open(path))[0, 0, 0])
            for path in out.glob(f"*_photo_{mode}.png")}


def flat_images(*levels):
    return [np.full((256, 256, 3), level, dtype=np.uint8) for level in levels]


def test_two_labels_with_the_same_name_from_two_folders_both_keep_their_photo(tmp_path):
    paths = [tmp_path / "north" / "facade.png", tmp_path / "south" / "facade.png"]
    exercise1_observe.save_results(paths, flat_images(0, 0), flat_images(10, 200),
                                   tmp_path / "out", "paper")
    assert saved_photos(tmp_path / "out", "paper") == {"north_facade_photo_paper.png": 10,
                                                       "south_facade_photo_paper.png": 200}


def test_eval_mode_never_overwrites_the_paper_mode_grid_or_photos(tmp_path):
    paths, out = [tmp_path / "facade.png"], tmp_path / "out"
    exercise1_observe.save_results(paths, flat_images(0), flat_images(10), out, "paper")
    paper_files = {path.name: path.read_bytes() for path in out.iterdir()}
    exercise1_observe.save_results(paths, flat_images(0), flat_images(200), out, "eval")
    assert sorted(paper_files) == ["facade_photo_paper.png", "grid_paper.png"]
    assert all((out / name).read_bytes() == data for name, data in paper_files.items())
    assert saved_photos(out, "eval") == {"facade_photo_eval.png": 200}
    assert (out / "grid_eval.png").is_file()


def test_an_out_folder_that_cannot_be_written_is_refused_before_any_label_is_read(
        tmp_path, read_only_folder, capsys):
    (tmp_path / "notes.txt").write_text("a file")
    for out, fix in ((tmp_path / "notes.txt" / "out", "is a file"),
                     (read_only_folder / "out", "cannot write into")):
        with pytest.raises(SystemExit):
            run_script_here("--out", out, "--labels", tmp_path / "missing.png")
        err = capsys.readouterr().err
        assert err.startswith("error: --out") and fix in err, err  # not the missing label
