"""The one kind of error a student is meant to see: what went wrong, and the command that fixes it.

Every check in the package that a student's input can fail (a label that is not a label, a file
that is not the checkpoint, a run folder that already holds a run, a missing dataset) raises a
subclass of :class:`FixableError` with a message written for a person. The scripts catch this
class alone and print its message without a traceback; any other exception is a bug in the
course and keeps its traceback.

A problem that does not stop the work (weights that load but look untrained) is a
:class:`FixableWarning` instead: the scripts print it as one ``warning:`` line.
"""

import sys
import warnings

_python_show_warning = warnings.showwarning  # Python's own display, for every other warning


class FixableError(Exception):
    """A problem the student can fix: what happened, and how to fix it.

    ``str(error)`` is the whole message a student reads. Code that handles an error itself reads
    its two parts apart: ``download_pretrained.py`` reports a wrong file with its own next step,
    not with the file's usual advice to run ``download_pretrained.py``.

    Args:
        reason: what happened, e.g. "x.pth is an HTML page, not a PyTorch checkpoint."
        fix: what to do about it, e.g. "Run `python download_pretrained.py`."; None when the
            reason already says it.
    """

    def __init__(self, reason, fix=None):
        super().__init__(reason if fix is None else f"{reason} {fix}")
        self.reason = reason
        self.fix = fix


class FixableWarning(UserWarning):
    """Something the student should fix although the script can go on; the message says how."""


def show_warning(message, category, filename, lineno, file=None, line=None):
    """Print a :class:`FixableWarning` as one ``warning:`` line; others keep Python's format.

    Python shows a warning with the file and line that raised it and that line's source, which
    tells a student nothing they can act on; the message alone does.
    """
    if issubclass(category, FixableWarning):
        print(f"warning: {message}", file=sys.stderr if file is None else file)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


def run_script(main):
    """Run a script's ``main()`` and exit with its return code (None counts as 0).

    A :class:`FixableError` ends the script with its message on stderr and exit code 1, without
    a traceback: the message already says what to do, and a page of stack frames would bury it.
    A :class:`FixableWarning` is printed as one line by :func:`show_warning`.
    """
    warnings.showwarning = show_warning
    try:
        code = main()
    except FixableError as error:
        print(f"error: {error}", file=sys.stderr)
        code = 1
    sys.exit(code)
