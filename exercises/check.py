"""Grade the Re-code track: a score table per part and per check, and a hint for each problem.

Goal: find out, alone and at once, whether your re-coded pieces of pix2pix are right.
Command (from any directory):

    python exercises/check.py                   # every part of exercises/recode/
    python exercises/check.py patchgan          # one part
    python exercises/check.py --folder tests/recode_reference
    python exercises/check.py facade --facade my_facade.png

Expected output: one line per check (PASS; FAIL; NOT DONE while a gap is left; ERROR when your
code raised or did not finish), a hint under each problem, then the score per part. The exit
code is 0 only when every graded check passes. Runtime: about 5 seconds on an idle laptop CPU,
within 30 when other programs keep its cores busy.

The checks of each part are in exercises/checks/<part>.py, one small function each, whose
docstring says what it measures; exercises/worker.py runs them in a child process, one part
at a time; exercises/grading.py loads your files and prints the report.
"""

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from checks import ANSWERS, FACADE_FILE, PARTS, on_page
from grading import Submission, report
from worker import GradingInterrupted, WorkerDidNotStart, grade as grade_in_child

# -----------------------------------------------------------------------------
# Settings you can change

RECODE_DIR = Path(__file__).resolve().parent / "recode"  # the folder graded by default
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "tests" / "recode_reference"
TIME_LIMIT = 30  # seconds a part may take before it is stopped as "did not finish"

# -----------------------------------------------------------------------------
# 1. Grade and report


def grade(directory=RECODE_DIR, parts=None, facade_path=None, time_limit=TIME_LIMIT,
          on_result=lambda result: None):
    """Grade the files in ``directory``; ``parts`` picks some of PARTS (default: all).

    ``facade_path`` is the label image the "facade" part grades (default: my_facade.png in
    ``directory``). Each part runs in a child process and is stopped after ``time_limit``
    seconds; ``on_result`` sees each Result as it comes. Returns the Results.
    """
    elsewhere = {FACADE_FILE: facade_path} if facade_path else None
    submission = Submission(directory, RECODE_DIR, elsewhere, ANSWERS, REFERENCE_DIR)
    return grade_in_child(submission, parts or list(PARTS), time_limit, on_result)


def score_table(results, directory, facade_path=None):
    """The report of ``results`` as a student reads it; each part headed by the files it
    graded (``facade_path`` for the facade part when one was given)."""
    graded = {**PARTS, "facade": (str(facade_path), PARTS["facade"][1])} if facade_path else PARTS
    return report(results, directory, {part: (files, on_page("recode", section))
                                       for part, (files, section) in graded.items()})


def main(argv=None):
    """Parse the command line, grade, print the report; returns the exit code."""
    parser = argparse.ArgumentParser(description="Grade the Re-code track.")
    parser.add_argument("part", nargs="?", choices=list(PARTS),
                        help="grade only this part (default: all)")
    parser.add_argument("--folder", type=Path, default=RECODE_DIR, metavar="DIR",
                        help="the folder being graded (default: exercises/recode)")
    parser.add_argument("--facade", type=Path, default=None, metavar="PATH",
                        help=f"your facade label (default: {FACADE_FILE} in that folder)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="S",
                        help=f"seconds a part may take (default: {TIME_LIMIT})")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder; pass the folder that holds your "
              "unet_blocks.py, e.g. --folder exercises/recode", file=sys.stderr)
        return 2
    parts = [args.part] if args.part else list(PARTS)
    stopped = ""
    with tqdm(desc="grading", unit=" checks", leave=False, file=sys.stderr, disable=None) as bar:
        try:
            results = grade(args.folder, parts, args.facade, args.time_limit,
                            lambda result: bar.update())
        except GradingInterrupted as stop:  # Ctrl+C: report what was graded
            results, stopped = stop.results, stop.part
        except WorkerDidNotStart as error:
            print(f"error: {error}; check the install with: pip install -r requirements.txt",
                  file=sys.stderr)
            return 2
    print(score_table(results, args.folder, args.facade))
    if stopped:
        left = [part for part in parts if part not in {r.part for r in results}]
        print(f"\nStopped by Ctrl+C while grading {stopped}; not graded: {', '.join(left)}")
        return 130
    return 0 if all(r.status == "PASS" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
