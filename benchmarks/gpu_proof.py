"""The GPU proof: one command runs the course's fast paths on a real GPU and writes the numbers
the performance page shows.

Command (from any directory):

    python benchmarks/gpu_proof.py            # one or more CUDA GPUs: at most 8 minutes
    python benchmarks/gpu_proof.py --quick    # a CPU, tiny sizes, a minute or two (CI)

Five steps, each in processes of its own under a time budget: a step that runs over is stopped,
what it printed so far is kept, and the next step starts.

1. ``grid``: ``bench_train.py``, the training step in fp32 and bf16, default layout and
   channels_last, batch 1, 4, 16 and 64, with the input pipeline and the loss agreement check;
2. ``compiled grid``: the four configurations at batch 64, then the same under ``torch.compile``
   (which compiles G and D anew for each configuration: most of the 8 minutes);
3. ``inference``: ``bench_inference.py`` on the GPU, the paper's mode and eval mode;
4. ``run``: ``exercise3_train.py`` at 256x256 on synthetic pairs, through the DataLoader: once
   reading the PNGs, once with ``--cache``, interrupted with Ctrl+C (SIGINT) after its first
   checkpoint and resumed to the end;
5. ``ddp``: two processes with NCCL (``torchrun``), when the machine has two GPUs.

Every result goes into ``docs/_performance_*_gpu.txt`` (``--quick``: ``outputs/gpu_proof_quick``),
each file with its machine line, and the three GPU targets of docs/performance.rst are checked
against them. The last lines printed say which steps passed. The logs of every command, the
generated pairs and the run folders go to ``outputs/gpu_proof_work`` (or ``--out-dir``'s
``gpu_proof_work``), never into docs/.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from benchmarks.measure import describe_machine
from pix2pix.checkpoints import CHECKPOINT_NAME, GENERATOR_NAME
from pix2pix.datasets.synthetic import write_synthetic_dataset
from pix2pix.errors import FixableError, run_script
from pix2pix.paths import PROJECT_ROOT, this_checkout_environment
from pix2pix.train import read_log

# -----------------------------------------------------------------------------
# Settings you can change

DOCS = PROJECT_ROOT / "docs"
QUICK_OUT = PROJECT_ROOT / "outputs" / "gpu_proof_quick"
WORK = PROJECT_ROOT / "outputs" / "gpu_proof_work"
BENCHMARKS = PROJECT_ROOT / "benchmarks"
EXERCISE3 = PROJECT_ROOT / "exercises" / "exercise3_train.py"
# seconds per step, 480 in all. torch.compile compiles G and D anew for each configuration (see
# bench_train.build_models), about a minute each, so the compiled grid keeps to batch 64. The
# run starts exercise 3 three times (Python, CUDA, cuDNN autotuning: 10-20 s each) and saves a
# 660 MB checkpoint after every epoch.
BUDGETS = {"grid": 90, "compiled grid": 170, "inference": 40, "run": 130, "ddp": 50}
# --quick: the sizes are tiny, but starting torch a dozen times on a busy 2-core machine is not;
# the budgets only stop a step that hangs
QUICK_BUDGET = 600
ANIME_TRAIN_PAIRS = 14_224  # one epoch of the anime set: its training split
TARGET_IMAGES_PER_S = 1_500
TARGET_SPEEDUP = 5.0  # over fp32 with the default layout at the same batch size
TARGET_RUN_MINUTES = 25  # 100 epochs of the anime set


@dataclass
class RunSettings:
    """The real training run of step 4."""

    train_pairs: int = 1_024
    val_pairs: int = 64
    image_size: int = 256
    batch_size: int = 32
    epochs: int = 2  # per run: the first epoch also pays for cuDNN autotuning, the second not
    exercise_flags: tuple = ()  # more flags of exercise3_train.py


# exercise 3's --quick: 64x64 images, narrow networks
QUICK_RUN = RunSettings(train_pairs=8, val_pairs=4, image_size=64, batch_size=4, epochs=1,
                        exercise_flags=("--quick",))


@dataclass
class Outcome:
    """How one step ended."""

    status: str  # PASS, FAIL, TIMEOUT or SKIPPED
    seconds: float
    note: str = ""


# -----------------------------------------------------------------------------
# 1. Running a command under a budget


def child_environment():
    """The environment of every command: this checkout's package first, output unbuffered so
    that a command stopped at its budget keeps every line it printed."""
    return {**this_checkout_environment(), "PYTHONUNBUFFERED": "1"}


def signal_group(process, signal_number):
    """Send a signal to the process group ``start`` made (nothing if it has already ended)."""
    try:
        os.killpg(process.pid, signal_number)
    except ProcessLookupError:
        pass


def stop(process, grace=15):
    """Ctrl+C to the command's whole process group (torchrun's workers, DataLoader workers), as a
    terminal would send it; after ``grace`` seconds, SIGKILL. Returns the exit code."""
    if process.poll() is not None:
        return process.returncode
    signal_group(process, signal.SIGINT)
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        signal_group(process, signal.SIGKILL)
        return process.wait()


def start(command, log, errors=None):
    """Start ``command`` in a process group of its own; stdout into ``log``, stderr into
    ``errors`` (default: ``log`` too)."""
    with open(log, "w") as out, open(errors or os.devnull, "w") as err:
        return subprocess.Popen([str(part) for part in command], stdout=out,
                                stderr=err if errors else subprocess.STDOUT,
                                env=child_environment(), start_new_session=True)


def run_command(command, log, seconds, errors=None):
    """Run ``command`` for at most ``seconds``; returns its exit code, None when stopped."""
    process = start(command, log, errors)
    try:
        return process.wait(timeout=max(1, seconds))
    except subprocess.TimeoutExpired:
        stop(process)
        return None


def run_benchmark(script, flags, out_file, budget, work):
    """One benchmark script whose printed report becomes ``out_file`` (what the page includes);
    its stderr (progress bars, warnings, a traceback) goes to ``work``."""
    started = time.perf_counter()
    errors = work / f"{out_file.stem}.stderr"
    code = run_command([sys.executable, BENCHMARKS / script, *flags], out_file, budget, errors)
    seconds = time.perf_counter() - started
    if code is None:
        with open(out_file, "a") as file:
            file.write(f"(stopped at its time budget, {budget} s: the lines above are complete)\n")
        return Outcome("TIMEOUT", seconds, f"rows up to {budget} s kept in {out_file.name}")
    return Outcome("PASS" if code == 0 else "FAIL", seconds,
                   out_file.name if code == 0 else f"exit code {code}, see {errors}")


# -----------------------------------------------------------------------------
# 2. The real run: loader, checkpoint, Ctrl+C, resume


def interrupt_after_first_epoch(command, log, run_dir, deadline):
    """Start a long run, Ctrl+C it once its first epoch is saved; returns its exit code."""
    process = start(command, log)
    while not read_log(run_dir) and process.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    return stop(process, grace=max(5, deadline - time.time()))


def real_run(settings, device, work, deadline):
    """Step 4. Returns (lines for the report, problems: an empty list when everything held)."""
    for run_dir in ("png", "cache", "ddp"):  # an earlier proof's runs would refuse a new start
        shutil.rmtree(work / run_dir, ignore_errors=True)
    data = write_synthetic_dataset(work / "shapes", settings.train_pairs, settings.val_pairs,
                                   size=settings.image_size)
    command = [sys.executable, EXERCISE3, "--data", data, *settings.exercise_flags,
               "--batch-size", settings.batch_size, "--device", device]
    code = run_command([*command, "--out", work / "png", "--epochs", settings.epochs],
                       work / "png.log", deadline - time.time())
    png = read_log(work / "png")
    problems = [] if code == 0 and len(png) == settings.epochs else [
        f"the PNG run ended with exit code {code} after {len(png)} epochs"]
    lines, more_problems = interrupted_and_resumed([*command, "--cache", "--out", work / "cache"],
                                                   settings.epochs, work, deadline)
    return [describe_epochs("PNG loader", png), *lines], problems + more_problems


def interrupted_and_resumed(command, epochs, work, deadline):
    """A long run Ctrl+C'd after its first epoch, then resumed for ``epochs`` more.

    Returns:
        (lines for the report, problems).
    """
    run_dir, problems = work / "cache", []
    code = interrupt_after_first_epoch([*command, "--epochs", 50], work / "cache.log", run_dir,
                                       deadline)
    checkpoint = run_dir / CHECKPOINT_NAME
    done = torch.load(checkpoint, weights_only=True)["epoch"] if checkpoint.exists() else 0
    if code != 130 or done < 1 or not (run_dir / GENERATOR_NAME).exists():
        problems.append(f"Ctrl+C: exit code {code} (130 expected), checkpoint at epoch {done}")
    total = done + epochs
    code_resumed = run_command([*command, "--epochs", total, "--resume"], work / "resume.log",
                               deadline - time.time())
    records = read_log(run_dir)
    if code_resumed != 0 or not records or records[-1]["epoch"] != total:
        problems.append(f"--resume ended with exit code {code_resumed}, log at epoch "
                        f"{records[-1]['epoch'] if records else 0} of {total}")
    return [f"--cache, Ctrl+C after epoch 1: exit code {code}, checkpoint.pt loads weights-only "
            f"at epoch {done}, generator.pt saved",
            describe_epochs(f"--cache, resumed to epoch {total}", records[done:])], problems


def describe_epochs(name, records):
    """One line: training images/s of the last epoch (the first pays for autotuning), val L1."""
    if not records:
        return f"{name}: no epoch finished"
    last = records[-1]
    return (f"{name}: {len(records)} epochs, last epoch {last['images_per_s']:,.1f} img/s in the "
            f"training loop, val L1 {records[0]['val_L1']:.3f} -> {last['val_L1']:.3f}")


def ddp_run(settings, device, work, seconds):
    """Step 5: two processes (NCCL on two GPUs, gloo on a CPU) for two epochs."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", EXERCISE3, "--data", work / "shapes",
               *settings.exercise_flags,
               "--batch-size", settings.batch_size, "--device", device, "--out", work / "ddp",
               "--epochs", 2]
    code = run_command(command, work / "ddp.log", seconds)
    records = read_log(work / "ddp")
    backend = "NCCL" if device == "cuda" else "gloo"
    if code != 0 or [record["epoch"] for record in records] != [1, 2]:
        return [f"2 processes ({backend}): exit code {code}, {len(records)} epochs logged"], False
    rate = records[-1]["images_per_s"]
    return [f"2 processes ({backend}, torchrun): 2 epochs, one log written by rank 0; last epoch "
            f"2 x {rate:,.1f} = {2 * rate:,.1f} img/s"], True


# -----------------------------------------------------------------------------
# 3. The targets, read from what the steps wrote

ROW = re.compile(r"^(?P<name>\S.*?)\s+(?P<rate>[\d.]+)\s+[\d.]+\s+[\d.]+\s+(?:[\d.]+|n/a)"
                 r"\s+[\d.]+x(?:\s+(?P<same_batch>[\d.]+)x)?$")


def grid_rows(*files):
    """(configuration, img/s, speed-up over fp32 + default layout at its batch size or None)
    of every row that bench_train.py printed into ``files``."""
    rows = []
    for path in files:
        for line in path.read_text().splitlines() if path.exists() else []:
            match = ROW.match(line)
            if match and not line.startswith("baseline"):
                same_batch = match["same_batch"]
                rows.append((match["name"], float(match["rate"]),
                             float(same_batch) if same_batch else None))
    return rows


def target_lines(rows, cached_rate, gpu_name):
    """The three GPU targets of the performance page: what was measured, met or not."""
    def verdict(ok):
        return "met" if ok else "not met"

    lines = []
    if rows:
        name, rate, _ = max(rows, key=lambda row: row[1])
        lines.append(f"training >= {TARGET_IMAGES_PER_S:,} img/s at 256x256 on one H200: "
                     f"{rate:,.1f} img/s ({name}) on {gpu_name}: "
                     f"{verdict(rate >= TARGET_IMAGES_PER_S)}")
        speedups = [row for row in rows if row[2] is not None]
        name, _, speedup = max(speedups, key=lambda row: row[2])
        lines.append(f"training >= {TARGET_SPEEDUP:g}x fp32 + default layout at the same batch "
                     f"size: {speedup:.2f}x ({name}): {verdict(speedup >= TARGET_SPEEDUP)}")
    else:
        lines.append("training targets: no row measured (see the grid files)")
    if cached_rate:
        minutes = ANIME_TRAIN_PAIRS * 100 / cached_rate / 60
        needed = ANIME_TRAIN_PAIRS * 100 / (TARGET_RUN_MINUTES * 60)
        lines.append(f"full anime run ({ANIME_TRAIN_PAIRS:,} training pairs x 100 epochs) <= "
                     f"{TARGET_RUN_MINUTES} min, needs {needed:,.0f} img/s: {cached_rate:,.1f} "
                     f"img/s through the loader with --cache -> {minutes:,.1f} min of training "
                     f"loop: {verdict(minutes <= TARGET_RUN_MINUTES)}")
    else:
        lines.append("full anime run: the --cache run finished no epoch")
    return lines


# -----------------------------------------------------------------------------
# 4. The proof


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="every step on the CPU with tiny sizes: checks the command runs "
                             "(default: off, needs a CUDA GPU)")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help=f"where the result files go (default: {DOCS}; with --quick: "
                             f"{QUICK_OUT})")
    args = parser.parse_args(argv)
    args.work_dir = args.out_dir / "gpu_proof_work" if args.out_dir else WORK
    args.out_dir = args.out_dir or (QUICK_OUT if args.quick else DOCS)
    return args


@dataclass
class Proof:
    """Where the proof runs and writes, and how long each step may take."""

    quick: bool
    out_dir: Path  # the result files
    work: Path  # the logs of every command, the generated pairs, the run folders
    budgets: dict

    @property
    def device(self):
        return "cpu" if self.quick else "cuda"

    def result_file(self, name):
        """Where a result goes: the file docs/performance.rst includes."""
        return self.out_dir / f"_performance_{name}_gpu.txt"


def benchmark_commands(quick):
    """(step, script, flags, result name) of steps 1-3."""
    if quick:  # one compiled configuration, traced without generating kernels: seconds
        return [("grid", "bench_train.py", ["--quick", "--device", "cpu"], "train"),
                ("compiled grid", "bench_train.py",
                 ["--quick", "--device", "cpu", "--compile", "--compile-backend", "eager",
                  "--precisions", "mixed", "--layouts", "channels_last"], "train_compiled"),
                ("inference", "bench_inference.py", ["--quick", "--devices", "cpu"],
                 "inference")]
    return [("grid", "bench_train.py", ["--device", "cuda"], "train"),
            ("compiled grid", "bench_train.py",
             ["--device", "cuda", "--compile", "--batch-sizes", "64", "--loader-workers", "0",
              "--loader-images", "32"], "train_compiled"),
            ("inference", "bench_inference.py", ["--devices", "cuda"], "inference")]


def benchmark_steps(proof):
    """Steps 1-3; returns {step: Outcome}."""
    outcomes = {}
    for step, script, flags, name in benchmark_commands(proof.quick):
        print(f"{step}: {script} {' '.join(flags)} (budget {proof.budgets[step]} s)", flush=True)
        outcomes[step] = run_benchmark(script, flags, proof.result_file(name),
                                       proof.budgets[step], proof.work)
    return outcomes


def training_steps(proof, machine):
    """Steps 4 and 5, written to the run's result file; returns ({step: Outcome}, the --cache
    run's last img/s or None)."""
    settings = QUICK_RUN if proof.quick else RunSettings()
    print(f"run: exercise3_train.py, PNG loader, then --cache with Ctrl+C and --resume "
          f"(budget {proof.budgets['run']} s)", flush=True)
    started = time.perf_counter()
    lines, problems = real_run(settings, proof.device, proof.work,
                               time.time() + proof.budgets["run"])
    outcomes = {"run": Outcome("FAIL" if problems else "PASS", time.perf_counter() - started,
                               "; ".join(problems))}
    if proof.quick or torch.cuda.device_count() >= 2:  # a CPU check runs two gloo processes
        print(f"ddp: 2 processes with torchrun (budget {proof.budgets['ddp']} s)", flush=True)
        started = time.perf_counter()
        ddp_lines, ok = ddp_run(settings, proof.device, proof.work, proof.budgets["ddp"])
        outcomes["ddp"] = Outcome("PASS" if ok else "FAIL", time.perf_counter() - started,
                                  "" if ok else f"see {proof.work / 'ddp.log'}")
        lines += ddp_lines
    else:
        outcomes["ddp"] = Outcome("SKIPPED", 0.0, "one GPU: NCCL needs two")
        lines.append("2 processes (NCCL): skipped, this machine has one GPU")
    header = [machine, f"{settings.train_pairs:,} synthetic {settings.image_size}x"
              f"{settings.image_size} pairs (pix2pix.datasets.synthetic), "
              f"batch {settings.batch_size}"]
    proof.result_file("run").write_text("\n".join(header + lines) + "\n")
    cached = read_log(proof.work / "cache")
    return outcomes, cached[-1]["images_per_s"] if cached else None


def main(argv=None):
    args = parse_args(argv)
    if not args.quick and not torch.cuda.is_available():
        raise FixableError("the GPU proof needs a CUDA GPU, and torch sees none here. On this "
                           "machine, `python benchmarks/gpu_proof.py --quick` runs every step "
                           "on the CPU with tiny sizes.")
    proof = Proof(args.quick, args.out_dir, args.work_dir,
                  {step: QUICK_BUDGET for step in BUDGETS} if args.quick else BUDGETS)
    proof.work.mkdir(parents=True, exist_ok=True)
    machine = f"machine: {describe_machine(torch.device(proof.device))}"
    print(f"{machine}\nresults -> {proof.out_dir}, logs -> {proof.work}")
    started = time.perf_counter()

    outcomes = benchmark_steps(proof)
    run_outcomes, cached_rate = training_steps(proof, machine)
    outcomes.update(run_outcomes)
    gpu_name = "a CPU (quick check)" if proof.quick else torch.cuda.get_device_name()
    rows = grid_rows(proof.result_file("train"), proof.result_file("train_compiled"))
    targets = target_lines(rows, cached_rate, gpu_name)
    proof.result_file("targets").write_text("\n".join([machine, *targets]) + "\n")

    print(f"\nsummary ({(time.perf_counter() - started) / 60:.1f} min):")
    for step, outcome in outcomes.items():
        print(f"  {outcome.status:<8} {step:<14} {outcome.seconds:6.0f} s  {outcome.note}")
    print("\n".join(["targets:", *(f"  {line}" for line in targets)]))
    return 0 if all(o.status in ("PASS", "SKIPPED") for o in outcomes.values()) else 1


if __name__ == "__main__":
    run_script(main)
