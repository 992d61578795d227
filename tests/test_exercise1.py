"""Exercise 1 runs end to end on the CPU from any directory, and fails with the fix to run."""

import os
import subprocess
import sys

import numpy as np
from PIL import Image

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


def test_a_missing_checkpoint_names_the_download_command(tmp_path):
    result = run_script("--checkpoint", tmp_path / "none.pth", "--quick", cwd=tmp_path)
    assert result.returncode != 0
    assert "python download_pretrained.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_label_is_refused_before_the_checkpoint_is_loaded(tmp_path):
    (tmp_path / "label.png").write_text("not an image")
    result = run_script("--checkpoint", tmp_path / "none.pth", "--labels", tmp_path / "label.png",
                        cwd=tmp_path)
    assert result.returncode != 0
    assert "Save your label as PNG" in result.stderr and "Traceback" not in result.stderr
