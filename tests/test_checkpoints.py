"""pix2pix.checkpoints: random states come back exactly, and a failed write keeps the old file."""

import random

import numpy as np
import pytest
import torch

from pix2pix.checkpoints import atomic_save, random_states, restore_random_states


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
