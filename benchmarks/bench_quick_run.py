"""Benchmark: does Exercise 3's ``--quick`` run keep the time the course promises for it?

The README, ``exercises/exercise3_train.py`` and the Exercise 3 page promise that

    python exercises/exercise3_train.py --data synthetic --quick

finishes within :data:`PROMISE_S` on a laptop CPU, busy or not. This runs exactly that command in
a fresh process, from an unrelated directory, and reads the run folder it wrote: the steps it
took, the seconds per step, the time of its epochs and of the whole command (start-up, drawing
the data and the figures included), next to the promise. A laptop is rarely idle, so
``--busy N`` runs N processes that keep a core busy each, beside it.

Command (from any directory):

    python benchmarks/bench_quick_run.py              # the machine as it is
    python benchmarks/bench_quick_run.py --busy 0 2   # as it is, then with two busy processes
    python benchmarks/bench_quick_run.py --busy 0 2 --write docs/_performance_quick_run_cpu.txt
    python benchmarks/bench_quick_run.py --epochs 1   # one epoch, projected to four (the tests)

Results and the commands that produced them: docs/performance.rst.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from pix2pix.paths import PROJECT_ROOT, this_checkout_environment

# -----------------------------------------------------------------------------
# Settings you can change (each is also a flag)

PROMISE_S = 120  # "about a minute, two at most on a busy laptop"
QUICK_EPOCHS = 4  # what --quick trains; the promise is for these
COMMAND = [str(PROJECT_ROOT / "exercises" / "exercise3_train.py"), "--data", "synthetic",
           "--quick", "--device", "cpu"]
BUSY_LOOP = "while True: pass"  # one core's worth of someone else's work


# -----------------------------------------------------------------------------
# 1. Run the student's command, timed from the outside


def run_quick(out, epochs, busy):
    """Run the quick command into ``out`` beside ``busy`` spinning processes; its wall seconds."""
    command = [sys.executable, *COMMAND, "--out", str(out)]
    if epochs != QUICK_EPOCHS:
        command += ["--epochs", str(epochs)]
    spinners = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(busy)]
    try:
        started = time.perf_counter()
        result = subprocess.run(command, cwd=tempfile.gettempdir(), capture_output=True,
                                text=True, env=this_checkout_environment())
        seconds = time.perf_counter() - started
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    if result.returncode != 0:
        sys.exit(f"the quick run failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return seconds


# -----------------------------------------------------------------------------
# 2. What its run folder says, next to the promise


def report(out, seconds, epochs, busy):
    """The lines to print: steps, seconds per step, the run's time and the promise's verdict."""
    config = json.loads((out / "config.json").read_text())
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    # each epoch's row: its seconds and its images per second, so its steps are their product
    steps = [round(row["seconds"] * row["images_per_s"] / config["batch_size"]) for row in log]
    epoch_seconds = sum(row["seconds"] for row in log)
    other = seconds - epoch_seconds  # start-up, drawing the data, figures, checkpoints
    projected = other + epoch_seconds * QUICK_EPOCHS / epochs
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") \
        else "unknown"
    verdict = "holds" if projected <= PROMISE_S else "does NOT hold"
    return [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load} (1, 5, 15 "
        f"min), {busy} busy processes beside the run",
        f"steps: {sum(steps)} ({epochs} epochs x {steps[0]}, batch {config['batch_size']}, "
        f"{config['image_size']}x{config['image_size']}), {epoch_seconds / sum(steps):.3f} s "
        "per step with the held-out pass",
        f"time: epochs {epoch_seconds:.0f} s, whole command {seconds:.0f} s (start-up, data, "
        f"figures: {other:.0f} s)",
        f"promise: {QUICK_EPOCHS} epochs within {PROMISE_S} s; "
        f"{'measured' if epochs == QUICK_EPOCHS else 'projected'} {projected:.0f} s: {verdict}",
    ]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Time exercise 3's --quick run against its "
                                     "promise.")
    parser.add_argument("--busy", type=int, nargs="+", default=[0],
                        help="processes that keep a core busy each, beside the run; several "
                             "numbers time one run for each (default: 0)")
    parser.add_argument("--epochs", type=int, default=QUICK_EPOCHS,
                        help=f"epochs to train, projected to {QUICK_EPOCHS} (default: "
                             f"{QUICK_EPOCHS})")
    parser.add_argument("--write", type=Path, default=None,
                        help="also save the report to this file (default: print only)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    lines = [f"command: python exercises/exercise3_train.py {' '.join(COMMAND[1:])}, "
             f"{date.today().isoformat()}"]
    for busy in args.busy:
        with tempfile.TemporaryDirectory() as root:
            out = Path(root) / "run"
            seconds = run_quick(out, args.epochs, busy)
            lines += ["", *report(out, seconds, args.epochs, busy)]
        print("\n".join(lines[-4:]), flush=True)
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
