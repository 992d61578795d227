"""pix2pix.checkpoints: random states come back exactly, a failed write keeps the old file, and a
wrong run path or a damaged file is a message that says what to give, and one training at a
time holds a run folder."""

import os
import random
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from pix2pix import checkpoints
from pix2pix.checkpoints import (LOCK_NAME, RunFolderError, atomic_save, check_intact,
                                 hold_run_folder, load_trained_generator, random_states,
                                 restore_random_states)
from pix2pix.errors import FixableWarning
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


def test_a_held_run_folder_refuses_a_second_training_with_the_holders_pid(tmp_path):
    with hold_run_folder(tmp_path / "run"):
        assert (tmp_path / "run" / LOCK_NAME).read_text().split()[0] == str(os.getpid())
        with pytest.raises(RunFolderError) as error:
            with hold_run_folder(tmp_path / "run"):
                pytest.fail("a second holder got in")
        message = str(error.value)
        assert f"in use by another training (process {os.getpid()} on " in message
        assert f"kill -INT {os.getpid()}" in message and "--out NEW_FOLDER" in message
    assert not (tmp_path / "run").exists()  # released, and the empty folder it made removed


def test_the_lock_is_released_by_ctrl_c_or_an_error_and_the_folder_kept_if_written(tmp_path):
    for stop in (KeyboardInterrupt, RuntimeError):
        with pytest.raises(stop):
            with hold_run_folder(tmp_path / "run"):
                (tmp_path / "run" / "log.jsonl").write_text("{}\n")
                raise stop
        assert [path.name for path in (tmp_path / "run").iterdir()] == ["log.jsonl"]


def test_a_lock_left_by_a_process_that_ended_is_taken_over_with_a_warning(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / LOCK_NAME).write_text(f"{ended} {socket.gethostname()}\n")
    with pytest.warns(FixableWarning, match=rf"left by process {ended} on .*, which is no "
                                            "longer running.*taking the folder over"):
        with hold_run_folder(tmp_path):
            assert (tmp_path / LOCK_NAME).read_text().split()[0] == str(os.getpid())
    assert not (tmp_path / LOCK_NAME).exists()


def test_another_machines_lock_holds_while_refreshed_and_is_taken_over_when_not(tmp_path):
    lock = tmp_path / LOCK_NAME
    lock.write_text("4242 another-cloud-vm\n")  # a process this machine cannot ask
    with pytest.raises(RunFolderError, match="process 4242 on another-cloud-vm"):
        with hold_run_folder(tmp_path):
            pass
    an_hour_ago = time.time() - 3600
    os.utime(lock, (an_hour_ago, an_hour_ago))
    with pytest.warns(FixableWarning, match="has not refreshed it for 60 minutes"):
        with hold_run_folder(tmp_path):
            pass


def test_the_holder_refreshes_its_lock_while_it_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "HEARTBEAT_S", 0.05)
    with hold_run_folder(tmp_path):
        os.utime(tmp_path / LOCK_NAME, (0, 0))  # as if written in 1970
        time.sleep(0.5)
        assert time.time() - (tmp_path / LOCK_NAME).stat().st_mtime < 5
