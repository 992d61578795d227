"""Exercise 2 runs its four studies and a student's label end to end on the CPU."""

import os
import subprocess
import sys

import numpy as np
from PIL import Image

from pix2pix.datasets.facade_design import FacadeDesign, design_facade
from pix2pix.datasets.facades import CMP_PALETTE
from pix2pix.paths import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "exercises" / "exercise2_explore.py"


def run_script(*args, cwd):
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", *map(str, args)],
                          cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


def test_exercise2_runs_all_four_studies_and_saves_their_figures(official_checkpoint, tmp_path):
    result = run_script("--checkpoint", official_checkpoint, "--out", tmp_path / "out",
                        "--quick", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for study in ("windows", "partial", "colours", "consistency"):
        assert (tmp_path / "out" / f"{study}.png").is_file()
    assert "pix2pix jet(64): off-palette   0.0%" in result.stdout
    assert "CMP jet(12): off-palette 100.0%" in result.stdout
    assert "same seed again: max difference 0 " in result.stdout


def test_exercise2_validates_and_translates_a_students_cmp_style_label(official_checkpoint,
                                                                       tmp_path):
    ids = np.asarray(Image.fromarray(design_facade(FacadeDesign(rows=3))).resize((300, 500)))
    label = Image.fromarray(ids, mode="P")
    label.putpalette([0, 0, 0] + CMP_PALETTE.flatten().tolist())
    label.save(tmp_path / "my_facade.png")
    result = run_script("--checkpoint", official_checkpoint, "--out", tmp_path / "out",
                        "--label", tmp_path / "my_facade.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "size 300x500, read as CMP class ids, off-palette 0.0%" in result.stdout
    assert (tmp_path / "out" / "my_facade_translated_paper.png").is_file()
    assert not (tmp_path / "out" / "windows.png").exists()  # --label alone runs no study


def test_a_bad_label_is_refused_before_the_checkpoint_is_loaded(tmp_path):
    Image.fromarray(np.full((8, 8), 99, dtype=np.uint8)).save(tmp_path / "grey.png")
    result = run_script("--checkpoint", tmp_path / "none.pth", "--label", tmp_path / "grey.png",
                        cwd=tmp_path)
    assert result.returncode != 0
    assert "class ids 1-12" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_checkpoint_names_the_download_command(tmp_path):
    result = run_script("--checkpoint", tmp_path / "none.pth", "--study", "colours",
                        cwd=tmp_path)
    assert result.returncode != 0
    assert "python download_pretrained.py" in result.stderr and "Traceback" not in result.stderr
