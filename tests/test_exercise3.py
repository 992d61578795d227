"""exercise3_train.py: flags that cannot train stop with a message naming the flag, before
anything is written; a resumed run takes its settings from its config.json and refuses flags
that would change them; resuming a run that needs no more epochs says how to train longer; one
training at a time writes into a run folder."""

import json
import os
import subprocess
import sys


import numpy as np
import pytest
from PIL import Image

from exercises import exercise3_train
from pix2pix.data import SPLITS, pair_folders, pair_names
from pix2pix.datasets.synthetic import write_synthetic_dataset
from pix2pix.errors import run_script
from pix2pix.paths import PROJECT_ROOT
from pix2pix.train import read_log

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def run_printing(capsys, *flags):
    """Run the script in this process as its command line does; returns (exit code, what it
    printed: .out and .err)."""
    with pytest.raises(SystemExit) as exit_code:
        run_script(lambda: exercise3_train.main([*map(str, flags), "--device", "cpu",
                                                 "--workers", "0"]))
    return exit_code.value.code, capsys.readouterr()


def run(capsys, *flags):
    """Run the script; returns (exit code, stderr)."""
    code, printed = run_printing(capsys, *flags)
    return code, printed.err


@pytest.mark.parametrize("flags, message", [
    (["--epochs", "0"], "--epochs must be at least 1, got 0"),
    (["--epochs", "-1"], "--epochs must be at least 1, got -1"),
    (["--ngf", "0"], "--ngf and --ndf must be at least 1 (the paper: 64), got 0, 16"),
    (["--lr", "inf"], "--lr must be a positive number (the paper: 2e-4), got inf"),
    (["--lr", "nan"], "--lr must be a positive number (the paper: 2e-4), got nan"),
    (["--objective", "l1", "--lambda-l1", "0"], "--objective l1 with --lambda-l1 0 trains on "
     "nothing: L1 is its only term. Give --lambda-l1 above 0 (the paper: 100), or --objective "
     "cgan for the GAN alone"),
])
def test_a_setting_that_cannot_train_stops_before_anything_is_written(capsys, tmp_path, flags,
                                                                      message):
    code, err = run(capsys, "--data", tmp_path / "no_data_needed", "--out", tmp_path / "run",
                    "--quick", *flags)
    assert code == 1 and err == f"error: {message}\n"
    assert not (tmp_path / "run").exists()  # no config.json, no folder


def test_resuming_with_fewer_epochs_than_were_trained_names_epochs(capsys, tmp_path):
    shapes = write_synthetic_dataset(tmp_path / "shapes", num_train=4, num_val=2, size=64)
    flags = ["--data", shapes, "--out", tmp_path / "run", "--quick", "--batch-size", "4"]
    assert run(capsys, *flags, "--epochs", "2")[0] == 0
    code, err = run(capsys, *flags, "--epochs", "1", "--resume")
    assert code == 1
    assert "already trained 2 epochs, and --epochs is 1" in err
    assert "resume with --epochs larger than 2" in err


def test_an_aligned_folder_trains_backwards_and_the_run_keeps_how_it_read_it(capsys, tmp_path):
    shapes = write_synthetic_dataset(tmp_path / "shapes", num_train=4, num_val=2, size=64)
    for split in SPLITS:  # the official aligned layout: A|B side by side
        (tmp_path / "aligned" / split).mkdir(parents=True)
        for name in pair_names(shapes, split):
            a, b = (np.asarray(Image.open(folder / name)) for folder in pair_folders(shapes, split))
            side_by_side = Image.fromarray(np.concatenate([a, b], axis=1))
            side_by_side.save(tmp_path / "aligned" / split / name)
    code, printed = run_printing(capsys, "--data", tmp_path / "aligned", "--out", tmp_path / "run",
                                 "--quick", "--epochs", "1", "--direction", "BtoA",
                                 "--output-nc", "1", "--load-size", "80")
    assert code == 0, printed.err
    assert (f"data: the official aligned layout (A|B side by side) in {tmp_path / 'aligned'}, "
            "BtoA: x = the right half (B), y = the left half (A); 4 train and 2 val pairs; 3 -> 1 "
            "channels (x read from the files); resized to 80x80, cropped to 64x64 (H x W)\n"
            ) in printed.out
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert {key: saved[key] for key in ("direction", "input_nc", "output_nc", "image_size",
                                        "load_size")} == dict(
        direction="BtoA", input_nc=3, output_nc=1, image_size=64, load_size=80)


def test_a_folder_in_no_layout_stops_naming_the_layouts(capsys, tmp_path):
    (tmp_path / "pictures").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "pictures" / "one.png")
    code, err = run(capsys, "--data", tmp_path / "pictures", "--out", tmp_path / "run", "--quick")
    assert code == 1 and err.startswith(f"error: {tmp_path / 'pictures'} holds none of the three "
                                        "layouts of pairs: it holds one.png. Give a folder with")
    assert not (tmp_path / "run").exists()
@pytest.fixture
def quick_run(capsys, tmp_path):
    """A finished one-epoch --quick run on four pairs: (its folder, the flags that made it)."""
    shapes = write_synthetic_dataset(tmp_path / "shapes", num_train=4, num_val=2, size=64)
    flags = ["--data", shapes, "--out", tmp_path / "run", "--quick", "--epochs", "1",
             "--lr", "1e-3"]
    assert run(capsys, *flags)[0] == 0
    return tmp_path / "run", flags


def test_resume_with_out_alone_continues_the_run_with_the_settings_it_started_with(capsys,
                                                                                   quick_run):
    out, _ = quick_run
    saved = json.loads((out / "config.json").read_text())
    code, err = run(capsys, "--resume", "--out", out, "--epochs", "2")  # no --data, no --quick
    assert code == 0, err
    assert [record["epoch"] for record in read_log(out)] == [1, 2]
    resumed = json.loads((out / "config.json").read_text())
    assert {k: v for k, v in resumed.items() if saved[k] != v} == {"epochs": 2}
    assert resumed["lr"] == 1e-3 and resumed["image_size"] == 64  # not the defaults


def test_resume_with_changed_settings_is_refused_and_lists_each_change(capsys, quick_run):
    out, flags = quick_run
    before = (out / "config.json").read_bytes()
    code, err = run(capsys, *flags, "--epochs", "2", "--resume", "--lr", "0.01",
                    "--lambda-l1", "5")
    assert code == 1 and "Traceback" not in err
    assert "lr 0.001 (now 0.01), lambda_l1 100.0 (now 5.0)." in err
    assert "the same command without --resume, with --out NEW_FOLDER" in err
    assert (out / "config.json").read_bytes() == before  # the run's recipe is untouched


def test_resume_where_there_is_no_run_names_the_folder_to_give(capsys, tmp_path):
    code, err = run(capsys, "--resume", "--out", tmp_path / "nothing_here")
    assert code == 1
    assert f"--resume: {tmp_path / 'nothing_here'} holds no run to continue" in err


HOLD_FOLDER = """
import sys, time
from pix2pix.checkpoints import hold_run_folder
with hold_run_folder(sys.argv[1]):
    print("holding", flush=True)
    time.sleep(120)
"""


def test_a_second_training_into_a_busy_folder_is_refused_and_a_killed_ones_lock_taken_over(
        capsys, tmp_path):
    shapes = write_synthetic_dataset(tmp_path / "shapes", num_train=4, num_val=2, size=64)
    out, flags = tmp_path / "run", ["--data", shapes, "--quick", "--epochs", "1"]
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FOLDER, str(out)], env=environment,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "holding\n"  # another process trains into out
        code, err = run(capsys, *flags, "--out", out)
        assert code == 1 and "Traceback" not in err
        assert f"{out} is in use by another training (process {holder.pid} on " in err
        assert not (out / "config.json").exists()  # the holder's run is untouched
    finally:
        holder.kill()  # as kill -9 would: no chance to remove its lock
        holder.wait()
    code, err = run(capsys, *flags, "--out", out)
    assert code == 0, err
    assert f"warning: {out / 'training.lock'} was left by process {holder.pid} on " in err
    assert "which is no longer running" in err
    assert not (out / "training.lock").exists()
