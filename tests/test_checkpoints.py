"""pix2pix.checkpoints: random states come back exactly, a failed write keeps the old file, and a
wrong run path or a damaged file is a message that says what to give."""

import random
import shutil

import numpy as np
import pytest
import torch

from pix2pix.checkpoints import (atomic_save, check_intact, load_trained_generator, random_states,
                                 restore_random_states)
from pix2pix.weights.official import CheckpointError


def draws():
    """One number from each random generator a training run uses."""
    return torch.rand(1).item(), np.random.rand(), random.random()


def test_restored_random_states_repeat_the_same_draws(tmp_path):
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    draws()  # move every generator away from its seed
    atomic_save(random_states(), tmp_path / "rng.pt")
    expected = draws()
    assert draws() != expected  # the generators really moved on
    restore_random_states(torch.load(tmp_path / "rng.pt", weights_only=True))
    assert draws() == expected


def test_a_write_that_fails_midway_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    atomic_save({"epoch": 1}, path)

    def crash_after_half_a_file(obj, target):
        with open(target, "wb") as file:
            file.write(b"PK\x03\x04 half a checkpoint")
        raise OSError("No space left on device")

    monkeypatch.setattr(torch, "save", crash_after_half_a_file)
    with pytest.raises(OSError, match="No space"):
        atomic_save({"epoch": 2}, path)
    assert torch.load(path, weights_only=True) == {"epoch": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]  # no half file left over


@pytest.mark.parametrize("where, message", [
    ("runs/exercise3_anmie", "no trained generator at"),  # a typo: nothing there
    ("runs", "has no config.json"),  # a folder, but the parent of the run folders
])
def test_a_wrong_run_path_says_which_folder_to_give(tmp_path, where, message):
    (tmp_path / "runs" / "exercise3_anime").mkdir(parents=True)
    with pytest.raises(CheckpointError) as error:
        load_trained_generator(tmp_path / where)
    assert message in str(error.value)
    assert "give" in str(error.value) and "run folder" in str(error.value)
    assert "exercise3_train.py" in str(error.value)


def damage(path, how):
    """Empty a file, or cut it to half its length, as an interrupted copy would."""
    data = path.read_bytes()
    path.write_bytes(b"" if how == "empty" else data[:len(data) // 2])


@pytest.mark.parametrize("how, problem", [("empty", "is an empty file"),
                                          ("truncated", "is a damaged or incomplete")])
def test_a_damaged_generator_names_the_file_the_cause_and_the_runs_other_weights(
        run_folder, tmp_path, how, problem):
    run = shutil.copytree(run_folder, tmp_path / "run")
    damage(run / "generator.pt", how)
    with pytest.raises(CheckpointError) as error:
        load_trained_generator(run)
    message = str(error.value)
    assert message.startswith(f"{run / 'generator.pt'} {problem}")
    assert "cut short comes from a copy or sync that stopped midway" in message  # the cause
    assert f"e.g. {run / 'generator_epoch_1.pt'} (G after epoch 1)" in message  # the fix
    assert f"--resume --out {run}" in message
    assert load_trained_generator(run / "generator_epoch_1.pt")[1].ngf == 8  # which does load


def test_a_run_without_other_weights_is_told_to_continue_or_retrain(run_folder, tmp_path):
    run = shutil.copytree(run_folder, tmp_path / "run")
    damage(run / "generator_epoch_1.pt", "empty")
    (run / "generator.pt").unlink()
    with pytest.raises(CheckpointError, match=r"Either continue the run.*Or train a new run"):
        load_trained_generator(run / "generator_epoch_1.pt")


@pytest.mark.parametrize("how", ["empty", "truncated"])
def test_an_intact_check_tells_an_empty_or_cut_short_checkpoint_without_loading_it(tmp_path,
                                                                                   how):
    path = tmp_path / "checkpoint.pt"
    atomic_save({"epoch": 3, "weights": torch.zeros(1000)}, path)
    check_intact(path, "FIX")  # a whole file passes
    damage(path, how)
    problem = "an empty file" if how == "empty" else r"cut short \([\d,]+ bytes\)"
    with pytest.raises(CheckpointError, match=rf"checkpoint.pt is {problem}.*temporary name.*FIX$"):
        check_intact(path, "FIX")
