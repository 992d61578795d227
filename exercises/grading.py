"""The machinery of the Re-code grader: load a student's files, what a check is, the report.

The checks themselves are in exercises/checks/, one module per part; exercises/worker.py runs
them in a child process, and exercises/check.py is the command line. This module knows nothing
about pix2pix and does not import torch, so that the process printing the report stays light.
The report is explained on docs/recode.rst, "Run the grader".

A check is a function of the student's :class:`Submission`. It passes by returning (optionally a
note to show under it, such as the discussion of a question), fails by raising
:class:`CheckFailed` with the hint to show, and is "not done" while the student's code still
raises the starter's ``NotImplementedError``. Anything else the student's code raises is an
ERROR, reported with its lines in the student's file and without a traceback.
"""

import ast
import dis
import importlib.util
import inspect
import sys
import textwrap
import traceback
import types
from dataclasses import dataclass
from pathlib import Path

WIDTH = 96  # characters per line of the report
REFERENCE_NAMES = ("recode_solutions", "recode_reference")  # the reference's folder, then and now


class CheckFailed(Exception):
    """A check's verdict "wrong". The message is the hint: the mistake it most likely saw, or
    what it measured when it cannot tell; ``note`` is shown under the hint (a discussion)."""

    def __init__(self, hint, note=""):
        super().__init__(hint)
        self.note = note


class FileDoesNotLoad(Exception):
    """A student's file is missing or raised while being imported; said once per file."""


class FileRefused(Exception):
    """A student's file loads but is not graded: it takes an answer instead of writing it, or
    changes what all the other code runs with. Every check that needs it fails with this."""


# -----------------------------------------------------------------------------
# Where the student's code raised


def student_frames(exc, directory):
    """'file.py:line (function)' of each traceback frame inside ``directory``, outermost first."""
    frames = []
    for frame, line in traceback.walk_tb(exc.__traceback__):
        path = Path(frame.f_code.co_filename)
        if path.resolve().parent == directory:
            owner = frame.f_locals.get("self")
            name = frame.f_code.co_name
            frames.append(f"{path.name}:{line} "
                          f"({type(owner).__name__ + '.' if owner is not None else ''}{name})")
    return frames


def raised_where(exc, directory):
    """'file.py, line N' of the last traceback frame inside ``directory``, or ''."""
    frames = student_frames(exc, directory)
    return frames[-1].split(" ")[0].replace(":", ", line ") if frames else ""


# -----------------------------------------------------------------------------
# Answers taken instead of written


def code_names(module):
    """The names the functions and classes of ``module`` use: globals, imports, dotted chains
    such as ``pix2pix.losses.generator_loss``, and the strings they hold (as in
    ``importlib.import_module("...")``), read from their bytecode."""
    names, todo = set(), []
    for value in vars(module).values():
        if getattr(value, "__module__", None) == module.__name__:
            members = vars(value).values() if inspect.isclass(value) else [value]
            todo += [getattr(member, "__code__", None) for member in members]
    while todo:
        code = todo.pop()
        if not isinstance(code, types.CodeType):
            continue
        names |= set(code.co_names) | {c for c in code.co_consts if isinstance(c, str)}
        todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        chain = []
        for instruction in dis.get_instructions(code):
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                chain = [instruction.argval]
            elif instruction.opname in ("LOAD_ATTR", "LOAD_METHOD") and chain:
                chain.append(instruction.argval)
                names.add(".".join(chain))
            else:
                chain = []
    return names


def origin(value):
    """(module name, file) a value comes from: a module itself, or where it (its class, for an
    instance) was defined."""
    if isinstance(value, types.ModuleType):
        return value.__name__, getattr(value, "__file__", None) or ""
    name = getattr(value, "__module__", None)
    if not isinstance(name, str):
        name = type(value).__module__
    return name, getattr(sys.modules.get(name), "__file__", None) or ""


def defined_names(path):
    """The names a Python file defines at its top level (its functions, classes, constants)."""
    try:
        tree = ast.parse(Path(path).read_text())
    except (OSError, SyntaxError, ValueError):
        return set()
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node]
        names |= {getattr(target, "name", getattr(target, "id", "")) for target in targets}
    return names - {""}


def borrowed(module, answers, reference, api):
    """What the student's ``module`` takes instead of writing it: 'source (names)' phrases.

    A name counts when the student's own code uses it, or when it is one the starter file
    defines (the names the grader calls): an unused import is no answer.

    Args:
        module: the student's module, just imported.
        answers: names of the package's modules that already hold this file's answer.
        reference: the folder of the reference solution (its files are not the student's,
            unless it is the folder being graded).
        api: the names the starter file defines.
    """
    own = Path(module.__file__).resolve().parent

    def forbidden(source, path):
        if any(source == answer or source.startswith(answer + ".") for answer in answers):
            return source
        if path and Path(path).resolve().is_relative_to(reference) \
                and Path(path).resolve().parent != own:
            return "the reference solution"
        return ""

    taken, used = {}, code_names(module)  # where from -> the names taken
    for name, value in vars(module).items():
        bases = value.__mro__[1:] if inspect.isclass(value) else ()
        for where in {forbidden(*origin(item)) for item in (value, *bases)} - {""}:
            if name in used or name in api:
                taken.setdefault(where, []).append(name)
    for answer in answers:  # inside a function: `import pix2pix.losses`, `pix2pix.losses.x`
        if answer in used:
            taken.setdefault(answer, ["in a function"])
    if any(set(name.split(".")) & set(REFERENCE_NAMES) for name in used):
        taken.setdefault("the reference solution", ["in a function"])
    return [f"{where} ({', '.join(sorted(names)[:3])}{', ...' if len(names) > 3 else ''})"
            for where, names in taken.items()]


def borrowing_problem(filename, phrases):
    """The hint for a file that takes its answer from ``phrases``' sources."""
    return (f"{filename} takes its answer instead of writing it: it uses {', '.join(phrases)}. "
            "A file that imports the package's own answer or the reference solution scores "
            "nothing in this part; write it yourself (torch, and the helpers the starter file "
            "imports, are fine)")


# -----------------------------------------------------------------------------
# Loading the student's files


class Submission:
    """The student's files; ``submission.losses`` imports ``losses.py`` on first use.

    Each file is imported under a module name of its own, so that one process can grade several
    folders (the tests grade the starter, the solutions and planted mistakes side by side)
    without one ``losses`` hiding another. A file that does not load, or is refused, is tried
    once; every later use raises the same :class:`FileDoesNotLoad` or :class:`FileRefused`.

    Args:
        directory: the folder being graded.
        starter: the folder of the untouched starter files, named in "missing file" messages.
        elsewhere: file name -> path, for files the student keeps outside ``directory``.
        answers: file name -> the package's modules that hold its answer (not to be imported).
        reference: the reference solution's folder (not to be imported).
    """

    def __init__(self, directory, starter, elsewhere=None, answers=None, reference=None):
        self.directory = Path(directory).resolve()
        self.starter = Path(starter).resolve()
        self.elsewhere = elsewhere or {}
        self.package_answers = answers or {}
        self.reference = Path(reference).resolve() if reference else self.starter
        self.watch = None  # in the grading process: file name -> what importing it changed
        self.modules = {}
        self.broken = {}  # file name -> why it does not load
        self.refused = {}  # file name -> why it is not graded

    def path(self, name):
        """Where the student's file ``name`` is (it may not exist)."""
        return Path(self.elsewhere.get(name) or self.directory / name)

    def __getattr__(self, stem):
        if stem.startswith("__") or stem in ("modules", "broken", "refused"):
            raise AttributeError(stem)  # copy, pickle and friends probe for these
        if stem not in self.modules:
            self.modules[stem] = self.load(f"{stem}.py")
        return self.modules[stem]

    def load(self, filename):
        """Import the student's ``filename``; raises :class:`FileDoesNotLoad` with the line, or
        :class:`FileRefused` with the reason."""
        if filename in self.refused:
            raise FileRefused(self.refused[filename])
        if filename in self.broken:
            raise FileDoesNotLoad(self.broken[filename])
        path = self.directory / filename
        if not path.is_file():
            fix = (f"restore it with: git checkout exercises/recode/{filename}"
                   if self.directory == self.starter else f"copy it from {self.starter}")
            self.broken[filename] = f"{filename} is missing: {fix}"
            raise FileDoesNotLoad(self.broken[filename])
        module = self.execute(filename, path)
        changed = self.watch(filename) if self.watch else ""  # undoes what it reports, too
        phrases = borrowed(module, self.package_answers.get(filename, ()), self.reference,
                           defined_names(self.starter / filename))
        problem = borrowing_problem(filename, phrases) if phrases else changed
        if problem:
            self.refused[filename] = problem
            raise FileRefused(problem)
        return module

    def execute(self, filename, path):
        """Run the file as a module of its own name; raises :class:`FileDoesNotLoad` if it fails."""
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
        except ModuleNotFoundError as exc:
            del sys.modules[name]
            if (exc.name or "").split(".")[0] in REFERENCE_NAMES:
                self.refused[filename] = borrowing_problem(filename, [f"{exc.name} (an import)"])
                raise FileRefused(self.refused[filename]) from None
            self.broken[filename] = self.raised(filename, exc)
            raise FileDoesNotLoad(self.broken[filename]) from None
        except BaseException as exc:  # the file is Python, but running it raised (or exited)
            del sys.modules[name]
            self.broken[filename] = self.raised(filename, exc)
            raise FileDoesNotLoad(self.broken[filename]) from None
        return module

    def raised(self, filename, exc):
        """'file.py, line N: Error: message' for an exception raised while importing a file."""
        return f"{raised_where(exc, self.directory) or filename}: {type(exc).__name__}: {exc}"


# -----------------------------------------------------------------------------
# Registering the checks, and what they share


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


# -----------------------------------------------------------------------------
# The report


def wrapped(label, text):
    """``label: text`` wrapped under a check's row."""
    return textwrap.wrap(f"{label}: {text}", width=WIDTH, initial_indent=" " * 12,
                         subsequent_indent=" " * 12 + " " * (len(label) + 2))


def part_block(part, heading, where, rows):
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
        lines += textwrap.wrap(f"read: {where}", width=WIDTH, initial_indent="  ",
                               subsequent_indent="        ")
    return lines


def report(results, directory, parts):
    """The text a student reads: broken files, one block per part, the scores.

    Args:
        results: the :class:`Result` list of the grading.
        directory: the folder graded, as it should be printed.
        parts: part -> (what it grades, where to read about it), in print order.
    """
    lines = [f"Grading {directory}", ""]
    broken = list(dict.fromkeys(r.broken_file for r in results if r.broken_file))
    for message in broken:
        lines += textwrap.wrap(f"does not load: {message}", width=WIDTH,
                               subsequent_indent=" " * 15)
    if broken:
        lines += ["Every check that needs such a file shows ERROR until it loads.", ""]
    for part, (heading, where) in parts.items():
        rows = [r for r in results if r.part == part]
        if rows:
            lines += part_block(part, heading, where, rows) + [""]
    lines += ["part        score", "----------  -----"]
    for part in parts:
        rows = [r for r in results if r.part == part]
        if rows:
            lines.append(f"{part:<10}  {sum(r.status == 'PASS' for r in rows)}/{len(rows)}")
    total = sum(r.status == "PASS" for r in results)
    lines.append(f"{'total':<10}  {total}/{len(results)}")
    return "\n".join(lines)
