"""Benchmark: pairs per second of the anime preprocessing, next to the code it replaced.

``preprocess_anime_sketches.py`` decodes each 1024x512 Kaggle PNG, cuts it into its two halves,
resizes each to 256x256 (bicubic) and writes both as PNG, one process per core. The same
generated pairs go through two versions of that work, in the same run:

* baseline: the code before -- ``convert("RGB")`` of every file (a copy when it is RGB already)
  and PNG at Pillow's default zlib level 6;
* now: :func:`pix2pix.datasets.anime.process_job` -- one decode, no copy, PNG at zlib level 1
  with the run-length strategy;
* the floor: decoding, cutting and resizing alone, nothing written -- what any version that
  keeps the same pixels must still do.

PNG is lossless at every level, so both must write the same pixels: every output pair is
decoded and compared. Besides the wall-clock rate on this machine, each version's CPU time per
pair is measured inside the workers: on a machine shared with other jobs it says what the same
number of free cores would do.

The raw pairs are generated, as large as the real ones (about 350 KB per file): a colour half
that looks photographic to the PNG encoder (smooth noise at two scales, a gradient, grain,
outlined shapes) and a sketch half of the same outlines on white.

Command (from any directory):

    python benchmarks/bench_preprocess.py                  # 500 pairs, 2 workers, a few minutes
    python benchmarks/bench_preprocess.py --write docs/_performance_preprocess_cpu.txt
    python benchmarks/bench_preprocess.py --quick          # 8 pairs, seconds (CI)

Results and the command that produced them: docs/performance.rst.
"""

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageDraw

from pix2pix.datasets.anime import IMAGE_SIZE, RAW_SIZE, Job, process_job, split_pair
from pix2pix.paths import atomic_write

# -----------------------------------------------------------------------------
# Settings you can change (each is also a flag)

PAIRS = 500
WORKERS = 2
REPEATS = 2  # each version runs this often, alternating; the best run counts
TARGET_PAIRS_PER_S = 150  # the course's goal on 2 cores

# --quick: a handful of pairs, so CI finishes in seconds
QUICK = dict(pairs=8, repeats=1)


# -----------------------------------------------------------------------------
# 1. Raw pairs as large as the real ones


def smooth_noise(rng, side, cell):
    """(side, side, 3) float noise in [0, 255] that varies over about ``cell`` pixels."""
    cells = side // cell + 3
    coarse = Image.fromarray(rng.integers(0, 256, (cells, cells, 3), dtype=np.uint8))
    fine = np.asarray(coarse.resize((cells * cell, cells * cell), Image.BICUBIC), np.float32)
    return fine[cell:cell + side, cell:cell + side]


def draw_raw_pair(rng):
    """One Kaggle-style file: colour drawing on the left, its sketch on the right, 1024x512."""
    side = RAW_SIZE[1]
    colour = 0.7 * smooth_noise(rng, side, 64) + 0.3 * smooth_noise(rng, side, 8)
    rows, columns = np.mgrid[0:side, 0:side]
    colour += (40 * columns / side - 30 * rows / side)[..., None]  # a light gradient
    colour += rng.normal(0, 1, colour.shape)  # grain: what makes a photograph hard to compress
    colour_half = Image.fromarray(np.clip(colour, 0, 255).astype(np.uint8))
    sketch_half = Image.new("RGB", (side, side), (255, 255, 255))
    for _ in range(12):  # the same outlines in both halves, as a sketch and its colouring
        left, top = rng.integers(0, side - 60, 2)
        width = rng.integers(30, 200)
        box = [int(left), int(top), int(left + width), int(top + width * rng.uniform(0.5, 1.5))]
        shape = "ellipse" if rng.random() < 0.5 else "rectangle"
        getattr(ImageDraw.Draw(colour_half), shape)(box, outline=(0, 0, 0), width=3)
        getattr(ImageDraw.Draw(sketch_half), shape)(box, outline=(0, 0, 0), width=2)
    pair = Image.new("RGB", RAW_SIZE)
    pair.paste(colour_half, (0, 0))
    pair.paste(sketch_half, (side, 0))
    return pair


def write_raw_pair(folder, index):
    """Draw pair ``index`` and save it as the dataset does (PNG, Pillow's defaults)."""
    path = Path(folder) / f"{index:05d}.png"
    draw_raw_pair(np.random.default_rng(index)).save(path)
    return path


# -----------------------------------------------------------------------------
# 2. The two versions, timed inside the workers


def baseline_process_job(job, size=IMAGE_SIZE):
    """The code before: convert("RGB") always, then PNG at zlib level 6 (Pillow's default)."""
    with Image.open(job.source) as image:
        image.load()
        pair_image = image.convert("RGB")
    for half, path in zip(split_pair(pair_image), (job.sketch_path, job.color_path)):
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as temporary:
            half.resize((size, size), Image.BICUBIC).save(temporary, format="PNG")
    return "written", ""


def floor_process_job(job, size=IMAGE_SIZE):
    """What every version must do, writing nothing: decode, cut in two, resize both halves."""
    with Image.open(job.source) as image:
        image.load()
        for half in split_pair(image):
            half.resize((size, size), Image.BICUBIC)
    return "written", ""


def timed(work, job):
    """``work(job)`` and the CPU seconds this process spent on it."""
    started = time.process_time()
    status, _ = work(job)
    return status, time.process_time() - started


def run_version(pool, work, sources, out):
    """Every pair through ``work`` in ``pool``; returns (wall seconds, CPU seconds per pair)."""
    jobs = [Job(source, out / "sketches" / source.name, out / "colors" / source.name)
            for source in sources]
    started = time.perf_counter()
    results = list(pool.map(partial(timed, work), jobs, chunksize=8))
    seconds = time.perf_counter() - started
    if any(status != "written" for status, _ in results):
        raise RuntimeError(f"not every pair was written: {results}")
    return seconds, sum(cpu for _, cpu in results) / len(jobs)


def same_pixels(first, second):
    """How many pairs decode to the same pixels in the two output folders."""
    same = 0
    for path in sorted((first / "sketches").glob("*.png")):
        halves = [(first / folder / path.name, second / folder / path.name)
                  for folder in ("sketches", "colors")]
        same += all(np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))
                    for a, b in halves)
    return same


def kilobytes_per_pair(out):
    """Mean size on disk of one written pair (both halves), in KB; "-" when nothing was."""
    files = list(out.rglob("*.png"))
    if not files:
        return "-"
    return f"{sum(path.stat().st_size for path in files) / 1000 / (len(files) / 2):.0f}"


# -----------------------------------------------------------------------------
# 3. The report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=PAIRS,
                        help=f"generated 1024x512 pairs (default: {PAIRS})")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help=f"worker processes, as the script's --workers (default: {WORKERS})")
    parser.add_argument("--repeats", type=int, default=REPEATS,
                        help=f"runs of each version; the best counts (default: {REPEATS})")
    parser.add_argument("--write", type=Path, default=None, metavar="FILE",
                        help="also write the report to FILE (default: print only)")
    parser.add_argument("--quick", action="store_true",
                        help="8 pairs, one run each, seconds: checks the script runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.pairs, args.repeats = QUICK["pairs"], QUICK["repeats"]
    if min(args.pairs, args.workers, args.repeats) < 1:
        parser.error("--pairs, --workers and --repeats must be at least 1")
    return args


def progress(message):
    """A sign of life on stderr, apart from the report on stdout."""
    print(message, file=sys.stderr, flush=True)


def measure(args, root):
    """Generate the pairs, run both versions; returns the report's lines."""
    raw = root / "raw"
    raw.mkdir()
    versions = {"baseline: convert, PNG zlib level 6": baseline_process_job,
                "now: one decode, PNG level 1 + Z_RLE": process_job,
                "floor: decode + resize, no writing": floor_process_job}
    best = {name: (float("inf"), None) for name in versions}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        progress(f"generating {args.pairs} pairs ...")
        sources = list(pool.map(partial(write_raw_pair, raw), range(args.pairs)))
        raw_kb = sum(path.stat().st_size for path in sources) / 1000 / len(sources)
        for repeat in range(args.repeats):
            for index, (name, work) in enumerate(versions.items()):
                out = root / f"out{index}"
                shutil.rmtree(out, ignore_errors=True)
                seconds, cpu = run_version(pool, work, sources, out)
                progress(f"run {repeat + 1}/{args.repeats}, {name}: "
                         f"{args.pairs / seconds:.1f} pairs/s")
                best[name] = min(best[name], (seconds, cpu))
        progress("comparing the pixels ...")
    (baseline_s, baseline_cpu), (now_s, now_cpu), (_, floor_cpu) = best.values()
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores; Pillow "
             f"{PIL.__version__}; {date.today().isoformat()}",
             f"{args.pairs} generated 1024x512 pairs, {raw_kb:.0f} KB per file on average; "
             f"{args.workers} worker processes; best of {args.repeats} runs each",
             f"{'version':<40}{'pairs/s':>9}{'CPU ms/pair':>13}{'KB/pair':>9}{'vs baseline':>13}"]
    for index, (name, (seconds, cpu)) in enumerate(best.items()):
        lines.append(f"{name:<40}{args.pairs / seconds:9.1f}{1000 * cpu:13.1f}"
                     f"{kilobytes_per_pair(root / f'out{index}'):>9}"
                     f"{baseline_s / seconds:12.2f}x")
    lines.append(f"pixels: identical in {same_pixels(root / 'out0', root / 'out1')} of "
                 f"{args.pairs} pairs (both halves decoded and compared)")
    lines.append(f"on {args.workers} free cores the CPU time allows: baseline "
                 f"{args.workers / baseline_cpu:.0f} pairs/s, now {args.workers / now_cpu:.0f}"
                 f" pairs/s, the floor {args.workers / floor_cpu:.0f} pairs/s")
    verdict = "met" if args.pairs / now_s >= TARGET_PAIRS_PER_S else "not met"
    lines.append(f"target >= {TARGET_PAIRS_PER_S} pairs/s on 2 cores: {verdict} here "
                 f"({args.pairs / now_s:.1f} pairs/s with {args.workers} workers)")
    return lines


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as root:
        lines = measure(args, Path(root))
    report = "\n".join(lines) + "\n"
    print(report, end="")
    if args.write:
        args.write.write_text(report)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
