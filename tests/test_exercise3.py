"""exercise3_train.py: flags that cannot train stop with a message naming the flag, before
anything is written, and resuming a run that needs no more epochs says how to train longer."""

import json

import numpy as np
import pytest
from PIL import Image

from exercises import exercise3_train
from pix2pix.data import SPLITS, pair_folders, pair_names
from pix2pix.datasets.synthetic import write_synthetic_dataset
from pix2pix.errors import run_script

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
