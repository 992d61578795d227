"""The machinery of the Re-code grader: load a student's files, run the checks, print the report.

The checks themselves are in exercises/checks/, one module per part, and exercises/check.py is
the command line; this module knows nothing about pix2pix. The report it prints is explained on
docs/recode.rst, "Run the grader".

A check is a function of the student's :class:`Submission`. It passes by returning (optionally a
note to show under it, such as the discussion of a question), fails by raising
:class:`CheckFailed` with the hint to show, and is "not done" while the student's code still
raises the starter's ``NotImplementedError``. Anything else the student's code raises is an
ERROR, reported with its line in the student's file and without a traceback.
"""

import importlib.util
import inspect
import random
import sys
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

import torch

WIDTH = 96  # characters per line of the report


class CheckFailed(Exception):
    """A check's verdict "wrong". The message is the hint: the mistake it most likely saw, or
    what it measured when it cannot tell; ``note`` is shown under the hint (a discussion)."""

    def __init__(self, hint, note=""):
        super().__init__(hint)
        self.note = note


class FileDoesNotLoad(Exception):
    """A student's file is missing or raised while being imported; said once per file."""


# -----------------------------------------------------------------------------
# Loading the student's files


def raised_where(exc, directory):
    """'file.py:line' of the last traceback frame inside ``directory``, or ''."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if Path(frame.filename).resolve().parent == directory]
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""


class Submission:
    """The student's files; ``submission.losses`` imports ``losses.py`` on first use.

    Each file is imported under a module name of its own, so that one process can grade several
    folders (the tests grade the starter, the solutions and planted mistakes side by side)
    without one ``losses`` hiding another. A file that does not load is tried once; every later
    use raises the same :class:`FileDoesNotLoad`.

    Args:
        directory: the folder being graded.
        starter: the folder of the untouched starter files, named in "missing file" messages.
        elsewhere: file name -> path, for files the student keeps outside ``directory``.
    """

    def __init__(self, directory, starter, elsewhere=None):
        self.directory = Path(directory).resolve()
        self.starter = Path(starter).resolve()
        self.elsewhere = elsewhere or {}
        self.modules = {}
        self.broken = {}  # file name -> why it does not load

    def path(self, name):
        """Where the student's file ``name`` is (it may not exist)."""
        return Path(self.elsewhere.get(name) or self.directory / name)

    def __getattr__(self, stem):
        if stem.startswith("__"):  # copy, pickle and friends probe for these
            raise AttributeError(stem)
        if stem not in self.modules:
            self.modules[stem] = self.load(f"{stem}.py")
        return self.modules[stem]

    def load(self, filename):
        """Import the student's ``filename``; raises :class:`FileDoesNotLoad` with the line."""
        if filename in self.broken:
            raise FileDoesNotLoad(self.broken[filename])
        path = self.directory / filename
        if not path.is_file():
            fix = (f"restore it with: git checkout exercises/recode/{filename}"
                   if self.directory == self.starter else f"copy it from {self.starter}")
            self.broken[filename] = f"{filename} is missing: {fix}"
            raise FileDoesNotLoad(self.broken[filename])
        name = f"recode_{abs(hash(str(path)))}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # a @dataclass in the student's file looks itself up here
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:  # the file cannot even be read as Python
            del sys.modules[name]
            self.broken[filename] = (f"{filename}, line {exc.lineno}: "
                                     f"{type(exc).__name__}: {exc.msg}")
            raise FileDoesNotLoad(self.broken[filename]) from None
        except Exception as exc:  # the file is Python, but running it raised
            del sys.modules[name]
            where = raised_where(exc, self.directory).replace(":", ", line ")
            self.broken[filename] = f"{where or filename}: {type(exc).__name__}: {exc}"
            raise FileDoesNotLoad(self.broken[filename]) from None
        return module


# -----------------------------------------------------------------------------
# Registering and running the checks, and what they share


@dataclass
class Check:
    part: str
    name: str
    function: object

    @property
    def hint(self):
        """The "Hint:" paragraph of the check's docstring: the idea to check after an ERROR."""
        doc = inspect.getdoc(self.function) or ""
        return " ".join(doc.split("Hint:", 1)[1].split()) if "Hint:" in doc else ""


class Checks(list):
    """The checks of one part, in the order they run and are printed."""

    def __init__(self, part):
        super().__init__()
        self.part = part

    def register(self, name):
        """Decorator: add the function as the check ``name`` of this part."""
        def add(function):
            self.append(Check(self.part, name, function))
            return function
        return add


def fail_on(problem):
    """Raise ``problem`` as the check's verdict, if there is one ('' means none)."""
    if problem:
        raise CheckFailed(problem)


def close(a, b, tol=1e-4):
    """Whether two numbers agree to ``tol``, relative for large ones, absolute for small ones."""
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))


def relative_difference(measured, expected):
    """|measured - expected| / |expected| for two tensors of the same shape."""
    return float((measured - expected).norm() / expected.norm().clamp_min(1e-12))


@dataclass
class Result:
    part: str
    name: str
    status: str  # PASS, FAIL, NOT DONE (a gap is left) or ERROR (the student's code raised)
    hint: str = ""
    note: str = ""
    error: str = ""  # ERROR: what the student's code raised, and where
    broken_file: str = ""  # why a file this check needs does not load


def explain_error(exc, meanings):
    """The named mistake an exception points to, from (text in the message, hint) pairs."""
    return next((hint for text, hint in meanings if text in str(exc)), "")


def run_check(item, submission, meanings=()):
    """Run one check and turn whatever happens, exceptions included, into a Result.

    Args:
        item: the :class:`Check`.
        submission: the student's :class:`Submission`.
        meanings: (text, hint) pairs: an exception whose message holds the text is that
            named mistake.
    """
    torch.manual_seed(0)
    random.seed(0)  # a student may draw crops with Python's random: grade repeatably
    try:
        note = item.function(submission) or ""
        return Result(item.part, item.name, "PASS", note=note)
    except CheckFailed as exc:
        return Result(item.part, item.name, "FAIL", str(exc), exc.note)
    except FileDoesNotLoad as exc:
        return Result(item.part, item.name, "ERROR", broken_file=str(exc))
    except NotImplementedError as exc:
        return Result(item.part, item.name, "NOT DONE", f"not done yet: {exc}")
    except Exception as exc:  # the student's code may raise anything; the grader must not
        where = raised_where(exc, submission.directory)
        return Result(item.part, item.name, "ERROR", explain_error(exc, meanings) or item.hint,
                      error=f"{type(exc).__name__}: {exc}{f' (at {where})' if where else ''}")


def grade(checks, submission, parts=None, meanings=()):
    """Run ``checks`` (those of ``parts`` only, when given) on ``submission``; a list of Results."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tensors are tiny: waking more threads costs more than it saves
    try:
        return [run_check(item, submission, meanings) for item in checks
                if parts is None or item.part in parts]
    finally:
        torch.set_num_threads(threads)


# -----------------------------------------------------------------------------
# The report


def wrapped(label, text):
    """``label: text`` wrapped under a check's row."""
    return textwrap.wrap(f"{label}: {text}", width=WIDTH, initial_indent=" " * 12,
                         subsequent_indent=" " * 12 + " " * (len(label) + 2))


def part_block(part, heading, section, rows):
    """The lines of one part: its score, one line per check, each distinct hint once."""
    passed = sum(r.status == "PASS" for r in rows)
    lines, shown = [f"{part} ({heading})  {passed}/{len(rows)}"], set()
    for r in rows:
        lines.append(f"  {r.status:<8}  {r.name}")
        if r.hint and r.hint in shown:
            lines.append(" " * 12 + "(the same problem as above)")
            continue
        lines += wrapped("error", r.error) if r.error else []
        if r.hint:
            lines += wrapped("hint", r.hint)
            shown.add(r.hint)
        if r.note:
            lines += wrapped("discussion", r.note)
    if any(r.status in ("FAIL", "ERROR") for r in rows):
        lines.append(f"  read: docs/recode.rst, \"{section}\"")
    return lines


def report(results, directory, parts):
    """The text a student reads: broken files, one block per part, the scores.

    Args:
        results: the :class:`Result` list of :func:`grade`.
        directory: the folder graded, as it should be printed.
        parts: part -> (what it grades, the page section that explains it), in print order.
    """
    lines = [f"Grading {directory}", ""]
    broken = list(dict.fromkeys(r.broken_file for r in results if r.broken_file))
    for message in broken:
        lines += textwrap.wrap(f"does not load: {message}", width=WIDTH,
                               subsequent_indent=" " * 15)
    if broken:
        lines += ["Every check that needs such a file shows ERROR until it loads.", ""]
    for part, (heading, section) in parts.items():
        rows = [r for r in results if r.part == part]
        if rows:
            lines += part_block(part, heading, section, rows) + [""]
    lines += ["part        score", "----------  -----"]
    for part in parts:
        rows = [r for r in results if r.part == part]
        if rows:
            lines.append(f"{part:<10}  {sum(r.status == 'PASS' for r in rows)}/{len(rows)}")
    total = sum(r.status == "PASS" for r in results)
    lines.append(f"{'total':<10}  {total}/{len(results)}")
    return "\n".join(lines)
