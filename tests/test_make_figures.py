"""docs/make_figures.py: each group draws its figures from real runs of the course's code.

The training group and the weights group run the course's scripts as subprocesses; here they run
shrunk to seconds (a wrapper replaces a script's size settings, as tests/test_exercise3_ablations.py
does in-process) and with an official-format checkpoint of random weights.
"""

import importlib.util
import json
import re

import numpy as np
import pytest

from pix2pix.errors import FixableError
from pix2pix.paths import PROJECT_ROOT

PNG = b"\x89PNG\r\n\x1a\n"
QUICK_FIGURES = ("unet.png", "patchgan_receptive_field.png", "facade_palettes.png",
                 "facade_samples.png", "exercise2_palettes.png", "jitter.png",
                 "conditional_vs_unconditional.png")
# Runs a course script with some of its settings replaced (dicts are updated, not replaced):
# python wrapper.py SCRIPT JSON_SETTINGS ARGS...
WRAPPER = '''
import importlib.util, json, sys
path, settings, *argv = sys.argv[1:]
spec = importlib.util.spec_from_file_location("script", path)
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)
for name, value in json.loads(settings).items():
    old = getattr(script, name)
    setattr(script, name, {**old, **value} if isinstance(old, dict) else value)
sys.exit(script.main(argv))
'''


@pytest.fixture
def make_figures():
    """docs/make_figures.py is a script, not a package module: load it from its file."""
    spec = importlib.util.spec_from_file_location("make_figures",
                                                  PROJECT_ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shrunk(tmp_path, script, settings, *arguments):
    """The command that runs ``exercises/script`` with ``settings`` replaced."""
    wrapper = tmp_path / "shrink.py"
    wrapper.write_text(WRAPPER)
    return [wrapper, PROJECT_ROOT / "exercises" / script, json.dumps(settings), *arguments]


def test_the_quick_group_writes_every_figure_without_weights(make_figures, tmp_path, capsys):
    assert make_figures.main(["--out", str(tmp_path)]) == 0
    for name in QUICK_FIGURES:
        assert (tmp_path / name).read_bytes()[:8] == PNG, name
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(QUICK_FIGURES)
    assert "quick group:" in capsys.readouterr().out


def test_a_crop_is_located_in_the_resized_pair_even_when_mirrored(make_figures):
    rng = np.random.default_rng(0)
    resized = [rng.integers(0, 255, (40, 40, 3), dtype=np.uint8) for _ in range(2)]
    pair = [image[5:37, 3:35][:, ::-1] for image in resized]
    assert make_figures.locate_crop(resized, pair) == (5, 3, True)
    assert make_figures.locate_crop(resized, [image[8:40, 0:32] for image in resized]) == (
        8, 0, False)


def test_the_conditional_d_reads_six_channels_and_the_unconditional_three(make_figures):
    assert make_figures.what_d_sees() == {True: (6, 256, (30, 30)), False: (3, 256, (30, 30))}


def test_the_training_group_draws_from_a_shapes_run_and_an_ablation_run(make_figures, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setattr(make_figures, "SHAPES_COMMAND", shrunk(
        tmp_path, "exercise3_train.py",
        {"QUICK": {"image_size": 32, "ngf": 4, "ndf": 4, "train_limit": 8, "val_limit": 4},
         "SYNTHETIC_PAIRS": [8, 16]},
        "--data", "synthetic", "--quick", "--epochs", "1", "--workers", "0", "--device", "cpu"))
    monkeypatch.setattr(make_figures, "ABLATIONS_COMMAND", shrunk(
        tmp_path, "exercise3_ablations.py",
        {"RUN": {"image_size": 32, "ngf": 4, "ndf": 4},
         "DATA": {"num_train": 8, "num_val": 4, "size": 32}},
        "--quick", "--epochs", "1"))
    out = tmp_path / "figures"
    out.mkdir()
    written = make_figures.make_training_figures(out, None, None, train=True)
    names = ["exercise3_shapes_early.png", "exercise3_shapes_late.png",
             "exercise3_shapes_losses.png", "exercise3_shapes_losses_phone.png",
             "exercise3_sketch_epochs.png", "exercise3_sketch_epochs_phone.png",
             "ablation_objective.png", "ablation_curves.png", "ablation_regimes.png",
             "ambiguous_pair.png", "_ablation_results.txt"]
    assert [path.name for path in written] == names
    for name in (name for name in names if name.endswith(".png")):
        assert (out / name).read_bytes()[:8] == PNG, name
    assert "l1+cgan closes" in (tmp_path / "_ablation_results.txt").read_text()


def test_verdicts_need_a_run_that_trained_a_discriminator(make_figures, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"objective": "l1"}))
    with pytest.raises(FixableError, match="trained no discriminator"):
        make_figures.make_verdict_figure(tmp_path, tmp_path, "1F600", "")


def test_exercise2_printout_splits_into_one_block_per_study(make_figures):
    printed = ("loading\nwindows:\n  (3 images)\n  sparse: 1\n  saved w.png\n"
               "colours:\n  pix2pix jet(64): off-palette 0.0%\n")
    assert make_figures.split_studies(printed) == {
        "windows": "windows:\n  (3 images)\n  sparse: 1\n  saved w.png\n",
        "colours": "colours:\n  pix2pix jet(64): off-palette 0.0%\n"}


def test_the_weights_group_keeps_the_exercises_figures_and_printouts(make_figures, tmp_path,
                                                                     official_checkpoint,
                                                                     monkeypatch):
    monkeypatch.setattr(make_figures, "EXERCISE_FLAGS", ["--quick"])  # fewer images, same files
    written = make_figures.make_weight_figures(tmp_path, official_checkpoint)
    names = {path.name for path in written}
    assert {"official_first_filters.png", "exercise1_grid.png"} <= names
    for study in make_figures.STUDIES:
        assert (tmp_path / f"exercise2_{study}.png").read_bytes()[:8] == PNG
        printed = (tmp_path / f"exercise2_{study}.txt").read_text()
        assert printed.startswith(f"{study}:\n") and "saved outputs/exercise2/" in printed
    # the colour study's palettes figure states the shares that the script prints
    printed = (tmp_path / "exercise2_colours.txt").read_text()
    for heading in make_figures.colour_study_palettes():
        name, share = heading.split("\noff-palette ")
        found = re.search(rf"{re.escape(name)}: off-palette +([0-9.]+)%", printed)
        assert found and f"{float(found.group(1)) / 100:.0%}" == share


def test_without_weights_the_weights_group_names_the_download_command(make_figures, tmp_path):
    with pytest.raises(FixableError, match="python download_pretrained.py"):
        make_figures.make_weight_figures(tmp_path, tmp_path / "missing.pth")
    assert list(tmp_path.iterdir()) == []  # nothing drawn


def test_a_students_facades_run_is_drawn_beside_the_official_model(make_figures, tmp_path,
                                                                   official_checkpoint,
                                                                   run_folder):
    path = make_figures.make_facades_comparison(tmp_path, run_folder, official_checkpoint)
    assert path.name == "facades_own_vs_official.png" and path.read_bytes()[:8] == PNG
