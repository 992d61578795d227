"""Device choice: auto picks what exists, an unavailable request says what to use instead."""

import pytest
import torch

from pix2pix.device import pick_device


def test_cpu_is_always_available():
    assert pick_device("cpu") == torch.device("cpu")


def test_auto_picks_the_best_available_device():
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device("auto").type == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_a_missing_gpu_says_how_to_run_on_the_cpu():
    with pytest.raises(RuntimeError, match="--device cpu"):
        pick_device("cuda")
