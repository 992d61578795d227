"""Grade the Re-code track: a score table per part and per check, and a hint for each problem.

Goal: find out, alone and at once, whether your re-coded pieces of pix2pix are right.
Command (from any directory):

    python exercises/check.py                   # every part of exercises/recode/
    python exercises/check.py patchgan          # one part
    python exercises/check.py --folder exercises/recode_solutions
    python exercises/check.py facade --facade my_facade.png

Expected output: one line per check (PASS; FAIL; NOT DONE while a gap is left; ERROR when your
code raised), a hint under each problem, then the score per part. The exit code is 0 only when
every graded check passes. Runtime: about 10 seconds on a laptop CPU.

The checks of each part are in exercises/checks/<part>.py, one small function each, whose
docstring says what it measures; exercises/grading.py loads your files, runs the checks and
prints the report.
"""

import argparse
import sys
from pathlib import Path

from checks import augment, facade, losses, overfit, patchgan, questions, unet, update
from grading import Submission, grade as run_checks, report

# -----------------------------------------------------------------------------
# Settings you can change

RECODE_DIR = Path(__file__).resolve().parent / "recode"  # the folder graded by default

# -----------------------------------------------------------------------------
# 1. The parts, in the order of docs/recode.rst

PARTS = {  # part -> (its checks, the student files it grades, the section that explains it)
    "unet": (unet.CHECKS, "unet_blocks.py", "Part 1: U-Net blocks"),
    "patchgan": (patchgan.CHECKS, "patchgan.py", "Part 2: PatchGAN"),
    "losses": (losses.CHECKS, "losses.py", "Part 3: losses"),
    "update": (update.CHECKS, "gan_step.py", "Part 4: the update steps"),
    "augment": (augment.CHECKS, "augment.py", "Part 5: paired augmentation"),
    "facade": (facade.CHECKS, facade.FACADE_FILE, "Part 6: your own facade"),
    "overfit": (overfit.CHECKS, "unet_blocks.py + patchgan.py + gan_step.py",
                "Part 7: overfit one pair"),
    "questions": (questions.CHECKS, "answers.py", "Part 8: questions"),
}
CHECKS = [item for checks, _, _ in PARTS.values() for item in checks]
ERROR_MEANINGS = [  # text in an exception's message -> the named mistake it points to
    ("Expected more than 1 value per channel when training", unet.EXTRA_NORM),
    ("to have 6 channels, but got 3 channels", patchgan.UNCONDITIONAL),
]

# -----------------------------------------------------------------------------
# 2. Grade and report


def grade(directory=RECODE_DIR, parts=None, facade_path=None):
    """Grade the files in ``directory``; ``parts`` picks some of PARTS (default: all).

    ``facade_path`` is the label image the "facade" part grades (default: my_facade.png in
    ``directory``).
    """
    elsewhere = {facade.FACADE_FILE: facade_path} if facade_path else None
    return run_checks(CHECKS, Submission(directory, RECODE_DIR, elsewhere), parts,
                      ERROR_MEANINGS)


def score_table(results, directory):
    """The report of ``results`` as a student reads it."""
    sections = {part: (files, section) for part, (_, files, section) in PARTS.items()}
    return report(results, directory, sections)


def main(argv=None):
    """Parse the command line, grade, print the report; returns the exit code."""
    parser = argparse.ArgumentParser(description="Grade the Re-code track.")
    parser.add_argument("part", nargs="?", choices=list(PARTS),
                        help="grade only this part (default: all)")
    parser.add_argument("--folder", type=Path, default=RECODE_DIR, metavar="DIR",
                        help="the folder being graded (default: exercises/recode)")
    parser.add_argument("--facade", type=Path, default=None, metavar="PATH",
                        help=f"your facade label (default: {facade.FACADE_FILE} in that folder)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder; pass the folder that holds your "
              "unet_blocks.py, e.g. --folder exercises/recode", file=sys.stderr)
        return 2
    results = grade(args.folder, [args.part] if args.part else None, args.facade)
    print(score_table(results, args.folder))
    return 0 if all(r.status == "PASS" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
