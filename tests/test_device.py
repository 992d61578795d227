"""Device choice: auto picks what exists, an unavailable request says what to use instead."""

import pytest
import torch

from pix2pix.device import DeviceError, memory_format, pick_device, pick_precision


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"),
                                                 (False, False, "cpu")])
def test_auto_prefers_cuda_then_mps_then_the_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert pick_device("auto").type == expected


def test_asking_for_a_missing_gpu_says_how_to_run_on_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="--device cpu"):
        pick_device("cuda")


def test_a_name_that_is_no_device_lists_the_ones_that_are():
    with pytest.raises(DeviceError, match="use auto, cpu, cuda"):
        pick_device("gpu0")


def test_the_cpu_trains_in_float32_with_the_default_layout():
    # measured: bf16 autocast is about 10x slower than float32 for 64-px networks on a CPU
    cpu = torch.device("cpu")
    assert pick_precision(cpu).name == "fp32" and memory_format(cpu) == torch.contiguous_format


@pytest.mark.parametrize("capability, name", [((9, 0), "bf16"), ((8, 0), "bf16"),
                                              ((7, 5), "fp16")])
def test_cuda_gpus_get_bf16_from_ampere_on_and_fp16_with_a_scaler_before(monkeypatch,
                                                                          capability, name):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device: capability)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # the scaler asks too
    precision = pick_precision(torch.device("cuda"))
    assert precision.name == name and precision.scaler.is_enabled() == (name == "fp16")
    assert memory_format(torch.device("cuda")) == torch.channels_last
