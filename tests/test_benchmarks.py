"""The benchmark scripts run (in their seconds-long quick mode), the GPU proof runs every one of
its steps on the CPU, and the fast training step gives the same losses as the float32 step.
Speed itself is measured by the benchmarks, not here."""

import re
import subprocess
import sys

import pytest
import torch

from benchmarks import bench_quick_run, gpu_proof
from benchmarks.bench_train import AGREEMENT_TOLERANCE, loss_agreement, losses_over_steps
from pix2pix.config import TrainConfig
from pix2pix.errors import FixableError
from pix2pix.paths import PROJECT_ROOT

TINY = TrainConfig(image_size=32, ngf=8, ndf=8)


@pytest.fixture(scope="module")
def quick_proof(tmp_path_factory):
    """``gpu_proof.py --quick`` once, from an unrelated directory: every step of the GPU proof
    on the CPU with tiny sizes, the quick runs of bench_train.py and bench_inference.py among
    them. Returns (its output folder, its stdout)."""
    out = tmp_path_factory.mktemp("gpu_proof")
    command = [sys.executable, str(PROJECT_ROOT / "benchmarks" / "gpu_proof.py"), "--quick",
               "--out-dir", str(out)]
    result = subprocess.run(command, cwd=out, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, result.stdout


def run_quick(script, tmp_path):
    """Run ``benchmarks/<script> --quick`` from an unrelated directory; return its stdout."""
    command = [sys.executable, str(PROJECT_ROOT / "benchmarks" / script), "--quick"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def ratio_lines(output):
    return [line for line in output.splitlines() if "x baseline" in line]


def test_bench_train_quick_prints_speedups_loader_rates_and_agreement(quick_proof):
    output = (quick_proof[0] / "_performance_train_gpu.txt").read_text()  # --quick, on the CPU
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


def test_bench_inference_quick_prints_both_modes_against_the_baseline(quick_proof):
    output = (quick_proof[0] / "_performance_inference_gpu.txt").read_text()  # --quick, CPU
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
    assert [row[0] for row in rows] == ["baseline:", "now:", "floor:"] and rows[0][-1] == "1.00x"
    assert "pixels: identical in 8 of 8 pairs" in output
    assert "KB per file on average" in output and "target >= 150 pairs/s" in output


def test_gpu_proof_quick_runs_every_step_and_writes_every_result_file(quick_proof):
    out, stdout = quick_proof
    summary = stdout.split("\nsummary")[1]
    for step in ("grid", "compiled grid", "inference", "run", "ddp"):
        assert re.search(rf"PASS +{step} ", summary), step
    for name in ("train", "train_compiled", "inference", "run", "targets"):  # each says where
        text = (out / f"_performance_{name}_gpu.txt").read_text()
        assert re.search(r"^machine: CPU .*; torch ", text, re.MULTILINE), name
    compiled = (out / "_performance_train_compiled_gpu.txt").read_text()
    assert "bf16, channels_last, batch 2, compiled" in compiled
    run = (out / "_performance_run_gpu.txt").read_text()
    assert "Ctrl+C after epoch 1: exit code 130, checkpoint.pt loads weights-only" in run
    assert "--cache, resumed to epoch 2: 1 epochs" in run
    assert "2 processes (gloo, torchrun): 2 epochs, one log written by rank 0" in run
    targets = (out / "_performance_targets_gpu.txt").read_text().splitlines()[1:]
    assert [line.split(" ")[:2] for line in targets] == [["training", ">="], ["training", ">="],
                                                        ["full", "anime"]]
    assert all(line.endswith(("met", "not met")) for line in targets)


def test_gpu_proof_without_a_gpu_says_to_run_the_quick_check(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(FixableError, match="needs a CUDA GPU.*gpu_proof.py --quick"):
        gpu_proof.main([])


def test_the_targets_are_read_from_the_grid_rows_bench_train_prints(tmp_path):
    grid = tmp_path / "grid.txt"
    grid.write_text(
        "baseline: fp32, contiguous, batch 1     90.00    7.8     1.9    1.20        1.00x\n"
        "fp32, contiguous, batch 64            400.00   34.8     8.7   30.10        4.44x"
        "               1.00x\n"
        "bf16, channels_last, batch 64, compiled   2400.50  208.7    52.1   20.00       26.67x"
        "               6.00x\n"
        "fastest step: 2400.50 img/s = 26.67x baseline\n")
    rows = gpu_proof.grid_rows(grid, tmp_path / "not_written.txt")
    assert rows == [("fp32, contiguous, batch 64", 400.0, 1.0),
                    ("bf16, channels_last, batch 64, compiled", 2400.5, 6.0)]
    speed, speedup, run = gpu_proof.target_lines(rows, cached_rate=800.0, gpu_name="H200")
    assert speed.endswith("2,400.5 img/s (bf16, channels_last, batch 64, compiled) on H200: met")
    assert speedup.endswith("6.00x (bf16, channels_last, batch 64, compiled): met")
    assert "needs 948 img/s: 800.0 img/s" in run and run.endswith("29.6 min of training loop: "
                                                                  "not met")


def test_bench_quick_run_counts_the_quick_runs_steps_and_projects_its_time(tmp_path):
    command = [sys.executable, str(PROJECT_ROOT / "benchmarks" / "bench_quick_run.py"),
               "--epochs", "1"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    # --quick's 160 training pairs in batches of 4, for the one epoch asked
    assert "steps: 40 (1 epochs x 40, batch 4, 64x64)" in result.stdout
    assert re.search(r"promise: 4 epochs within 120 s; projected \d+ s: (holds|does NOT hold)",
                     result.stdout)


def test_the_quick_runs_promise_is_judged_on_its_four_epochs_and_its_start_up(tmp_path):
    (tmp_path / "config.json").write_text('{"batch_size": 4, "image_size": 64}')
    (tmp_path / "log.jsonl").write_text('{"seconds": 20.0, "images_per_s": 8.0}\n')  # 40 steps
    lines = bench_quick_run.report(tmp_path, seconds=30.0, epochs=1, busy=2)
    assert "steps: 40 (1 epochs x 40" in lines[1] and "0.500 s per step" in lines[1]
    # 10 s of start-up plus four epochs of 20 s: 90 s, within the 120 s promised
    assert lines[-1].endswith("projected 90 s: holds")
    (tmp_path / "log.jsonl").write_text('{"seconds": 30.0, "images_per_s": 5.333}\n')
    assert bench_quick_run.report(tmp_path, 40.0, 1, 0)[-1].endswith("130 s: does NOT hold")
