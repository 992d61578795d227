"""exercise3_train.py: flags that cannot train stop with a message naming the flag, before
anything is written, and resuming a run that needs no more epochs says how to train longer."""

import pytest

from exercises import exercise3_train
from pix2pix.datasets.synthetic import write_synthetic_dataset
from pix2pix.errors import run_script

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def run(capsys, *flags):
    """Run the script in this process as its command line does; returns (exit code, stderr)."""
    with pytest.raises(SystemExit) as exit_code:
        run_script(lambda: exercise3_train.main([*map(str, flags), "--device", "cpu",
                                                 "--workers", "0"]))
    return exit_code.value.code, capsys.readouterr().err


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
