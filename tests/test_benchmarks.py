"""The benchmark scripts run (in their seconds-long quick mode) and the fast training step gives
the same losses as the float32 step. Speed itself is measured by the benchmarks, not here."""

import subprocess
import sys

import torch

from benchmarks.bench_train import AGREEMENT_TOLERANCE, loss_agreement, losses_over_steps
from pix2pix.paths import PROJECT_ROOT
from pix2pix.config import TrainConfig

TINY = TrainConfig(image_size=32, ngf=8, ndf=8)


def run_quick(script, tmp_path):
    """Run ``benchmarks/<script> --quick`` from an unrelated directory; return its stdout."""
    command = [sys.executable, str(PROJECT_ROOT / "benchmarks" / script), "--quick"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def ratio_lines(output):
    return [line for line in output.splitlines() if "x baseline" in line]


def test_bench_train_quick_prints_speedups_loader_rates_and_agreement(tmp_path):
    output = run_quick("bench_train.py", tmp_path)
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("configuration"))
    # the baseline, then fp32/mixed x contiguous/channels_last at the quick batch size
    rows = [line.split() for line in lines[header + 1:header + 6]]
    assert lines[header + 1].startswith("baseline") and rows[0][-1] == "1.00x"
    # every configuration is also compared with fp32 + contiguous at its own batch size, and
    # fp32 + contiguous with itself
    assert all(row[-1].endswith("x") and row[-2].endswith("x") for row in rows[1:])
    assert rows[1][:3] == ["fp32,", "contiguous,", "batch"] and rows[1][-1] == "1.00x"
    assert lines[header + 6].startswith("fastest step:")
    # PNG and cache, for each loader worker count, and the cache's speed-up
    assert output.count("x the fastest step") == 4 and output.count("x the PNG loader") == 2
    assert "GFLOP" in output and "TFLOP/s" in output
    assert "agreement over" in output
    assert output.rstrip().splitlines()[-1].startswith("agreement: OK")


def test_bench_inference_quick_prints_both_modes_against_the_baseline(tmp_path):
    output = run_quick("bench_inference.py", tmp_path)
    lines = ratio_lines(output)
    assert lines[0].startswith("baseline")
    # paper and eval x fp32/mixed x contiguous/channels_last x batch 1 and 8
    assert len(lines) == 1 + 16
    assert any(line.startswith("paper,") for line in lines)
    assert any(line.startswith("eval,") for line in lines)


def test_channels_last_step_matches_fp32_losses_over_three_steps():
    reference = losses_over_steps(TINY, torch.device("cpu"), "fp32", False, steps=3)
    channels_last = losses_over_steps(TINY, torch.device("cpu"), "fp32", True, steps=3)
    difference = ((channels_last - reference).abs() / reference.abs().clamp_min(1e-3)).max()
    assert difference <= AGREEMENT_TOLERANCE["fp32"]
    assert not torch.equal(reference[0], reference[-1])  # the steps really trained


def test_bf16_channels_last_step_matches_fp32_losses_within_mixed_precision_noise():
    difference, tolerance, label = loss_agreement(TINY, torch.device("cpu"))
    assert label == "bf16"
    assert 0 < difference <= tolerance  # nonzero: bf16 really ran


def test_bench_preprocess_quick_times_both_versions_and_finds_the_same_pixels(tmp_path):
    output = run_quick("bench_preprocess.py", tmp_path)
    rows = [line.split() for line in output.splitlines() if line.endswith("x")]
    assert [row[0] for row in rows] == ["baseline:", "now:"] and rows[0][-1] == "1.00x"
    assert "pixels: identical in 8 of 8 pairs" in output
    assert "KB per file on average" in output and "target >= 150 pairs/s" in output
