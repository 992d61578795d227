"""The one kind of error a student is meant to see: what went wrong, and the command that fixes it.

Every check in the package that a student's input can fail (a label that is not a label, a file
that is not the checkpoint, a run folder that already holds a run, a missing dataset) raises a
subclass of :class:`FixableError` with a message written for a person. The scripts catch this
class alone and print its message without a traceback; any other exception is a bug in the
course and keeps its traceback.
"""

import sys


class FixableError(Exception):
    """A problem the student can fix; the message says what happened and how to fix it."""


def run_script(main):
    """Run a script's ``main()`` and exit with its return code (None counts as 0).

    A :class:`FixableError` ends the script with its message on stderr and exit code 1, without
    a traceback: the message already says what to do, and a page of stack frames would bury it.
    """
    try:
        code = main()
    except FixableError as error:
        print(f"error: {error}", file=sys.stderr)
        code = 1
    sys.exit(code)
