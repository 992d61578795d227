"""Where the Re-code grader runs the checks: a child process, one part at a time, timed.

The student's code runs in the child, never in the process that prints the report. A part that
does not finish within its time limit (an endless loop, say) is stopped, reported as "did not
finish" with the line it was running, and the other parts are still graded, in a fresh child;
Ctrl+C stops the grading and keeps what was graded. The child also watches what the student's
code may not do: replace the grader's functions, the package's that the checks compare with, or
torch's (such a part scores nothing), and leave torch's global switches changed (named and
undone). exercises/grading.py holds what a check is; exercises/check.py is the command line.
"""

import atexit
import faulthandler
import importlib
import os
import pickle
import queue
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from checks import PARTS
from grading import CheckFailed, FileDoesNotLoad, FileRefused, Result, student_frames

GRACE = 2.0  # seconds the parent waits past the limit, while the child writes where it was


class WorkerDidNotStart(Exception):
    """The child process ended before it could grade: its own error is above, on stderr."""


class GradingInterrupted(Exception):
    """Ctrl+C stopped the grading; ``results`` holds the parts graded until then."""

    def __init__(self, results, part):
        super().__init__(part)
        self.results, self.part = results, part


# -----------------------------------------------------------------------------
# In the child: run the checks of one part


def failing_layer(exc, directory):
    """'Owner.attribute' of the torch layer that raised, as the student's module that called it
    names it (e.g. 'UpBlock.conv'), or ''."""
    import torch

    layer, owner = None, None
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        candidate = frame.f_locals.get("self")
        if not isinstance(candidate, torch.nn.Module):
            continue
        if Path(frame.f_code.co_filename).resolve().parent == directory:
            owner = candidate
        elif type(candidate).__module__.startswith("torch.nn") and layer is None:
            layer = candidate
    names = [name for name, module in (owner.named_modules() if owner else ()) if module is layer]
    return f"{type(owner).__name__}.{names[0]}" if layer is not None and names else ""


def explain_error(exc, meanings, submission):
    """The named mistake an exception points to, from (text in the message, hint) pairs; for a
    wrong shape, the student's lines and layer it went through; or ''."""
    message = str(exc)
    named = next((hint for text, hint in meanings if text in message), "")
    frames = student_frames(exc, submission.directory)
    wrong_shape = isinstance(exc, (RuntimeError, ValueError, IndexError)) and re.search(
        r"shape|size|channels|dimension|indices|index", message)
    if named or not (wrong_shape and frames):
        return named
    layer = failing_layer(exc, submission.directory)
    if layer and re.search(r"to have \d+ channels, but got \d+ channels", message):
        return (f"{layer} received other channels than it was built for, at {frames[-1]}: fix "
                f"the in_channels {layer.split('.')[0]}.__init__ builds it with, or the tensor "
                "passed to it; compare both with the docstring")
    passed = f", passed on by {', then '.join(reversed(frames[:-1]))}" if frames[:-1] else ""
    return (f"a tensor of the wrong shape reached {layer or frames[-1]}"
            f"{f' at {frames[-1]}' if layer else ''}{passed}: fix the line that made it, or the "
            "layer's channels where it is built; compare each shape with the docstring's")


def run_check(item, submission, meanings=()):
    """Run one check and turn whatever happens, exceptions included, into a Result.

    Args:
        item: the :class:`grading.Check`.
        submission: the student's :class:`grading.Submission`.
        meanings: (text, hint) pairs: an exception whose message holds the text is that
            named mistake.
    """
    import torch  # the child's import: the process printing the report never loads torch

    torch.manual_seed(0)
    random.seed(0)  # a student may draw crops with Python's random: grade repeatably
    try:
        note = item.function(submission) or ""
        return Result(item.part, item.name, "PASS", note=note)
    except CheckFailed as exc:
        return Result(item.part, item.name, "FAIL", str(exc), exc.note)
    except FileRefused as exc:
        return Result(item.part, item.name, "FAIL", str(exc))
    except FileDoesNotLoad as exc:
        return Result(item.part, item.name, "ERROR", broken_file=str(exc))
    except NotImplementedError as exc:
        return Result(item.part, item.name, "NOT DONE", f"not done yet: {exc}")
    except BaseException as exc:  # the student's code may raise anything, even SystemExit
        frames = student_frames(exc, submission.directory)
        where = f" (at {', called from '.join(reversed(frames))})" if frames else ""
        return Result(item.part, item.name, "ERROR",
                      explain_error(exc, meanings, submission) or item.hint,
                      error=f"{type(exc).__name__}: {exc}{where}")


def switches():
    """torch's global switches that change what every later line computes."""
    import torch

    return {"autograd": torch.is_grad_enabled(), "dtype": torch.get_default_dtype(),
            "device": torch.get_default_device()}


SWITCH_NAMES = {  # switch -> (what changing it does, the call that does it)
    "autograd": ("turns autograd {value}", "torch.set_grad_enabled"),
    "dtype": ("makes {value} the default dtype", "torch.set_default_dtype"),
    "device": ("makes {value} the default device", "torch.set_default_device"),
}


def reset_switches(state):
    """Put torch's global switches back as ``state`` (the grader's own) has them."""
    import torch

    torch.set_grad_enabled(state["autograd"])
    torch.set_default_dtype(state["dtype"])
    if torch.get_default_device() != state["device"]:
        torch.set_default_device(None)  # no override: the grader's default, the CPU


def watched_namespaces():
    """(label, namespace) of everything the checks rely on: the grader's modules, the package's,
    and the parts of torch and Python that compare, measure and step."""
    import builtins

    import torch

    modules = [m for name, m in list(sys.modules.items()) if m is not None and (
        name in ("grading", "worker", "checks", "builtins", "random", "math", "copy")
        or name.startswith(("checks.", "pix2pix")) or name in (
            "torch", "torch.nn.functional", "torch.nn.init", "torch.autograd", "torch.optim"))]
    classes = [torch.Tensor, torch.nn.Module]  # not the optimizers: torch rebinds their step
    return ([(m.__name__, vars(m)) for m in modules if m is not builtins]
            + [("builtins", vars(builtins))] + [(c.__qualname__, vars(c)) for c in classes])


def warm_up():
    """Load torch._dynamo, which rebinds torch.manual_seed, before the baseline is taken; any
    optimizer's first step loads it anyway, so this costs the grading nothing."""
    importlib.import_module("torch._dynamo")


class Baseline:
    """The grader's world as the child loaded it, to tell what the student's code changed."""

    def __init__(self):
        self.namespaces = watched_namespaces()
        self.values = [(label, dict(space)) for label, space in self.namespaces]
        self.code = {(label, key): value.__code__ for label, space in self.values
                     for key, value in space.items() if hasattr(value, "__code__")}
        self.switches = switches()

    def replaced(self):
        """'module.name' of every watched name whose value (or function body) was replaced."""
        changed = []
        for (label, before), (_, space) in zip(self.values, self.namespaces):
            for key, value in before.items():
                if key.startswith("__") and key.endswith("__"):
                    continue  # Python's own bookkeeping (__warningregistry__ and the like)
                now = space.get(key, None)
                body = self.code.get((label, key))
                if now is not value or (body is not None and now.__code__ is not body):
                    changed.append(f"{label}.{key}")
        return changed

    def switched(self, who):
        """What ``who`` left changed in torch's global switches, undone, as a hint; or ''."""
        said = {True: "on", False: "off"}
        changed = [f"{SWITCH_NAMES[key][0].format(value=said.get(value, value))} "
                   f"({SWITCH_NAMES[key][1]})"
                   for key, value in switches().items() if value != self.switches[key]]
        if not changed:
            return ""
        reset_switches(self.switches)
        return (f"{who} {' and '.join(changed)} for all the code that runs after it, the "
                "grader's and a training loop's included: keep such a change inside a `with` "
                "block that undoes it (with torch.no_grad(): ...)")


def patched_hint(who, names):
    """The hint for code that replaced the grader's, the package's or torch's ``names``."""
    return (f"{who} replaces {', '.join(names[:4])}{' ...' if len(names) > 4 else ''}: code "
            "that changes the grader, the package it compares with, or torch scores nothing in "
            "this part; leave them as they are")


class Watch:
    """Called by the Submission after importing each student file: what importing it changed.

    A replaced name is remembered (the part then scores nothing); a changed switch is undone.
    """

    def __init__(self, baseline):
        self.baseline, self.patched = baseline, ""

    def __call__(self, filename):
        # the switches first: putting the default dtype back rebinds torch.Storage as well
        switched = self.baseline.switched(f"{filename}, when imported,")
        names = self.baseline.replaced()
        if names and not self.patched:
            self.patched = patched_hint(filename, names)
        return self.patched or switched

    def after_check(self, submission):
        """The hint for the whole part if the check just run replaced a watched name, or ''."""
        names = self.baseline.replaced()
        if names and not self.patched:
            files = " and ".join(f"{stem}.py" for stem in submission.modules) or "your code"
            self.patched = patched_hint(files, names)
        return self.patched


def serve(dump_path):
    """The child's loop: receive (submission, part, time limit), send each Result as it comes.

    Messages are pickles, read from stdin and written to the stdout the child started with;
    the student's prints go to stderr. Sent: the catalogue once ({part: [check names]}), then
    per check ("result", Result) and per part ("done", None); or ("patched", hint), after which
    the child stops.
    """
    channel, requests = os.fdopen(os.dup(1), "wb"), sys.stdin.buffer
    os.dup2(2, 1)  # a print in the student's code must not break the messages
    sys.stdout = sys.stderr
    import torch

    torch.set_num_threads(1)  # the tensors are tiny: waking more threads costs more than it saves
    modules = {part: importlib.import_module(f"checks.{part}") for part in PARTS}
    meanings = [meaning for module in modules.values()
                for meaning in getattr(module, "MEANINGS", ())]
    warm_up()
    runner, watch = run_check, Watch(Baseline())  # kept here: replacing them later changes nothing

    def send(message):
        pickle.dump(message, channel)
        channel.flush()

    send({part: [item.name for item in module.CHECKS] for part, module in modules.items()})
    with open(dump_path, "w") as dump:
        while (request := pickle.load(requests)) is not None:
            submission, part, time_limit = request
            submission.watch = watch
            dump.seek(0)
            dump.truncate()
            faulthandler.dump_traceback_later(time_limit, file=dump)
            for item in modules[part].CHECKS:
                result = runner(item, submission, meanings)
                hint = watch.baseline.switched("your code")
                if watch.after_check(submission):
                    return send(("patched", watch.patched))
                send(("result", Result(item.part, item.name, "FAIL", hint) if hint else result))
            faulthandler.cancel_dump_traceback_later()
            send(("done", None))


# -----------------------------------------------------------------------------
# In the parent: start the child, give it parts, stop it when a part takes too long


def where_stuck(dump_path, directory):
    """'file.py, line N (function)' the child was running in ``directory`` when its time ran
    out, read from the traceback faulthandler wrote; '' when none of it was the student's."""
    try:
        text = Path(dump_path).read_text()
    except OSError:
        return ""
    for path, line, function in re.findall(r'File "(.+)", line (\d+) in (\S+)', text):
        if Path(path).resolve().parent == directory:
            return f"{Path(path).name}, line {line} ({function})"
    return ""


def read_messages(stream, messages):
    """Put each pickled message of the child on the queue ``messages``; None when it is gone."""
    try:
        while True:
            messages.put(pickle.load(stream))
    except (EOFError, OSError, pickle.UnpicklingError):
        messages.put(None)


class Worker:
    """A child process that grades parts for this process, one at a time."""

    def __init__(self):
        handle, self.dump_path = tempfile.mkstemp(prefix="recode-grader-", suffix=".txt")
        os.close(handle)
        command = (f"import sys; sys.path[:0] = {sys.path!r}; import worker; "
                   f"worker.serve({self.dump_path!r})")
        # a session (a process group on Windows) of its own: Ctrl+C reaches only the parent
        apart = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt"
                 else {"start_new_session": True})
        self.process = subprocess.Popen([sys.executable, "-c", command], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, **apart)
        self.messages = queue.Queue()
        threading.Thread(target=read_messages, args=(self.process.stdout, self.messages),
                         daemon=True).start()
        self.catalogue = self.messages.get()  # its checks' names, once it has loaded them
        if self.catalogue is None:
            raise WorkerDidNotStart(f"the process that runs the checks stopped while starting "
                                    f"(exit code {self.process.wait()}); its error is above")

    def alive(self):
        """Whether the child is still running."""
        return self.process.poll() is None

    def close(self):
        """Stop the child and remove its file."""
        if self.alive():
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()
        Path(self.dump_path).unlink(missing_ok=True)

    def send(self, message):
        """Pickle ``message`` to the child."""
        pickle.dump(message, self.process.stdin)
        self.process.stdin.flush()

    def grade_part(self, submission, part, time_limit, on_result):
        """The Results of one part, and whether the child can grade another part."""
        names = self.catalogue[part]
        self.send((submission, part, time_limit))
        rows, deadline = [], time.monotonic() + time_limit + GRACE
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if message is None:  # the child is gone
                error = (f"the process grading this part stopped (exit code "
                         f"{self.process.wait()}) during this check")
                return rows + unfinished(part, names[len(rows):], error,
                                         "does your code end Python (os._exit) or crash it?"), False
            kind, value = message
            if kind == "patched":
                return [Result(part, name, "FAIL", value) for name in names], False
            if kind == "done":
                return rows, True
            rows.append(value)
            on_result(value)
        where = where_stuck(self.dump_path, submission.directory)
        error = f"did not finish in {time_limit:g} s" + (f"; it was at {where}" if where else "")
        return rows + unfinished(part, names[len(rows):], error,
                                 "a loop that never ends, or far too much work for the "
                                 "grader's tiny tensors?"), False


def unfinished(part, names, error, question):
    """ERROR rows for the check that was running and those after it, which were not run."""
    hint = f"{question} The checks of this part after it were not run."
    return [Result(part, name, "ERROR", hint, error=error if i == 0 else "")
            for i, name in enumerate(names)]


_spare = []  # a worker that finished its last part cleanly, ready for the next grading


def grade(submission, parts, time_limit, on_result=lambda result: None):
    """Grade ``parts`` of ``submission``, each part within ``time_limit`` seconds; Results.

    A worker whose part timed out, crashed or was patched is replaced before the next part. One
    that finished cleanly is kept for this process's next grading (the tests grade a hundred
    folders). Ctrl+C raises :class:`GradingInterrupted` with the parts graded until then.
    """
    results, worker, part = [], None, None
    try:
        for part in parts:
            worker = _spare.pop() if _spare and _spare[-1].alive() else Worker()
            rows, healthy = worker.grade_part(submission, part, time_limit, on_result)
            results += rows
            if healthy:
                _spare.append(worker)  # stopped with this process, see close_spare
            else:
                worker.close()
            worker = None
    except KeyboardInterrupt:
        if worker is not None:
            worker.close()
        raise GradingInterrupted(results, part) from None
    return results


@atexit.register
def close_spare():
    """Stop the kept worker when this process ends, and remove its file."""
    while _spare:
        _spare.pop().close()
