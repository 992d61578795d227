"""Prepare Exercise 3's data: split the Kaggle anime pairs into sketches and colour drawings.

Reads the Kaggle *Anime Sketch Colorization Pair* layout (``data/train/*.png`` and
``data/val/*.png``, 1024x512, colour left, sketch right; also found one or two folders deeper)
and writes 256x256 halves to ``anime_processed/{train,val}/{sketches,colors}/NAME.png``.

Commands (from any directory):

    python preprocess_anime_sketches.py --download      # fetch with the kaggle package, then split
    python preprocess_anime_sketches.py                 # split an already downloaded copy
    python preprocess_anime_sketches.py --limit 200     # only the first 200 files of each split
    python preprocess_anime_sketches.py --verify        # count pairs, list problems, exit 1 on any

Runtime: about 40 pairs/s per free core (docs/performance.rst), so the 17,769 files take 4
minutes on 2 cores, 2 on 4; files already split are skipped, so an interrupted run continues
where it stopped. Unreadable or wrongly sized files are reported and
skipped. ``--download`` needs a Kaggle API token (see the message it prints when there is none).
"""

import argparse
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

from tqdm import tqdm

from pix2pix.datasets.anime import (IMAGE_SIZE, KAGGLE_URL, PROCESSED_DIR, RAW_DIR,
                                    download_from_kaggle, ignore_ctrl_c, list_jobs, process_job,
                                    verify_processed)
from pix2pix.errors import FixableError, run_script
from pix2pix.paths import check_writable


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Split the Kaggle anime pairs for Exercise 3.")
    parser.add_argument("--raw", type=Path, default=RAW_DIR,
                        help=f"the downloaded dataset (default: {RAW_DIR})")
    parser.add_argument("--out", type=Path, default=PROCESSED_DIR,
                        help=f"where the pairs go (default: {PROCESSED_DIR})")
    parser.add_argument("--download", action="store_true",
                        help="download the dataset from Kaggle first (needs an API token)")
    parser.add_argument("--limit", type=int, default=None,
                        help="only the first N files of each split (default: all)")
    parser.add_argument("--size", type=int, default=IMAGE_SIZE,
                        help=f"side of the written images (default: {IMAGE_SIZE})")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="parallel processes (default: the number of cores)")
    parser.add_argument("--verify", action="store_true",
                        help="only check --out: pairs per split, unpaired or unreadable files")
    return parser.parse_args(argv)


def verify(out_root, size):
    """Print what --out holds; exit 1 when a split is empty or a file has a problem."""
    result = verify_processed(out_root, size)
    for split, count in result.counts.items():
        print(f"{split}: {count} pairs")
    for path in result.unpaired:
        print(f"unpaired: {path}")
    for problem in result.unreadable:
        print(f"unreadable: {problem}")
    if not result.ok:
        raise FixableError(f"{out_root} has problems (see above). Delete the files listed, then "
                           "re-run python preprocess_anime_sketches.py: it redoes only what is "
                           "missing.")
    print("ok")


def main(argv=None):
    args = parse_args(argv)
    if args.verify:
        verify(args.out, args.size)
        return
    check_writable(args.out)  # before a download of minutes, not after it
    if args.download:
        print(f"downloading {KAGGLE_URL} into {args.raw} ...")
        download_from_kaggle(args.raw)
    jobs = list_jobs(args.raw, args.out, args.limit)
    if not jobs:
        raise FixableError(f"No dataset in {args.raw} (expected train/ and val/ folders of "
                           f"PNGs).\nDownload it with: python preprocess_anime_sketches.py "
                           f"--download\nor by hand from {KAGGLE_URL} and unzip it into {args.raw}")

    counts = {"written": 0, "skipped": 0, "unreadable": 0, "wrong size": 0}
    problems = []
    stopped = split_all(jobs, args, counts, problems)
    for problem in problems:
        print(problem)
    print(", ".join(f"{count} {status}" for status, count in counts.items()) + f" -> {args.out}")
    if stopped:
        print("stopped by Ctrl+C: every pair written is complete and kept. Run the same command "
              "again to continue: it skips them.")
        return 130  # the shell's code for "stopped by Ctrl+C"


def split_all(jobs, args, counts, problems):
    """Split every job on all cores, counting outcomes; returns True when Ctrl+C stopped it."""
    # each file is independent: one process per core, results streamed in order to the bar
    pool = ProcessPoolExecutor(max_workers=max(1, args.workers), initializer=ignore_ctrl_c)
    try:
        results = pool.map(partial(process_job, size=args.size), jobs, chunksize=32)
        for status, message in tqdm(results, total=len(jobs), desc="splitting pairs"):
            counts[status] += 1
            if message:
                problems.append(f"{status}: {message}")
    except KeyboardInterrupt:
        # the files not started are cancelled; the workers finish the ones in hand, and a second
        # Ctrl+C meanwhile must not interrupt the wait with a traceback
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        pool.shutdown(cancel_futures=True)
        signal.signal(signal.SIGINT, previous)
        return True
    pool.shutdown()
    return False


if __name__ == "__main__":
    run_script(main)
