"""What the Re-code grader's tests share: the grader itself, its folders, planting a mistake.

exercises/check.py is a script next to its grading machinery and its checks; the tests import it
as the script does, with exercises/ on the import path.
"""

import importlib
import re
import shutil
import sys

from pix2pix.paths import PROJECT_ROOT

EXERCISES = PROJECT_ROOT / "exercises"
STARTER = EXERCISES / "recode"
SOLUTIONS = PROJECT_ROOT / "tests" / "recode_reference"
if str(EXERCISES) not in sys.path:
    sys.path.insert(0, str(EXERCISES))  # first, as when the script runs

import check  # noqa: E402  (exercises/check.py, importable only once exercises/ is on the path)
import checks  # noqa: E402, F401  (the checks, one module per part)
import grading  # noqa: E402, F401  (the grader's machinery, for the tests)
import worker  # noqa: E402, F401  (where the checks run)

PART_CHECKS = {part: importlib.import_module(f"checks.{part}").CHECKS for part in check.PARTS}


def plant(tmp_path, filename, *replacements, source=SOLUTIONS):
    """A copy of the reference solution (or of ``source``) with each (pattern, replacement)
    applied to ``filename``."""
    folder = tmp_path / "planted"
    shutil.copytree(source, folder)
    path = folder / filename
    text = path.read_text()
    for old, new in replacements:
        planted = re.sub(old, new, text)
        assert planted != text, f"{old!r} could not be planted in {filename}"
        text = planted
    path.write_text(text)
    return folder


def part_of(filename):
    """The part that grades ``filename`` alone."""
    return next(part for part, (files, _) in check.PARTS.items() if files == filename)


def shown_hints(results):
    """The distinct hints a report of ``results`` shows, in order."""
    return list(dict.fromkeys(r.hint for r in results if r.hint))


def code_lines(folder):
    """The code lines of a folder's Python files: stripped, no comments, no docstring text."""
    lines = set()
    for path in folder.glob("*.py"):
        text = re.sub(r'"""(.|\n)*?"""', "", path.read_text())
        lines |= {line.split("#")[0].strip() for line in text.splitlines()}
    return {line for line in lines if len(line) >= 16}


REFERENCE_CODE = code_lines(SOLUTIONS) - code_lines(STARTER)  # what the student must write


def reference_code_in(text):
    """The lines of the reference solution that ``text`` prints."""
    return sorted(line for line in REFERENCE_CODE if line in text)
