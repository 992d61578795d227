"""Where the project's files live, so every script works from any current directory.

Paths are found from this file's location, never from the current directory: a student may run
``python exercise1_observe.py`` inside ``exercises/`` or ``python exercises/exercise1_observe.py``
from the project root.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from pix2pix.errors import FixableError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT_DIR = PROJECT_ROOT / "checkpoints"
# the file download_pretrained.py writes and exercises 1 and 2 load by default
FACADES_CHECKPOINT = CHECKPOINT_DIR / "facades_label2photo.pth"
SAMPLE_FACADES_DIR = PROJECT_ROOT / "sample_facades"


def this_checkout_environment():
    """The environment for a child Python process that imports this copy's ``pix2pix``.

    A course script run from another tool (the figure maker, the GPU proof) must use the package
    beside it, not another copy the virtual environment happens to point at.
    """
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


class OutputPathError(FixableError, OSError):
    """A place where a script's results cannot be written; the message names the fix."""


def check_writable(folder, flag="--out"):
    """Stop before the work, not after it, when nothing can be written into ``folder``.

    A script that translates, exports or trains for minutes and only then finds that its output
    folder lies under a file, or on a read-only disk, has wasted those minutes. This checks the
    nearest folder that exists (``folder`` itself, or the parent that would hold it) by creating
    and deleting a nameless file there, so nothing is left behind, not even an empty folder.

    Args:
        folder: where the results will go; it need not exist yet.
        flag: the command-line flag that chose it, for the message.

    Raises:
        OutputPathError: a file stands where a folder must be, or the folder refuses writes.
    """
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputPathError(
            f"{flag} {folder}: {existing} is a file, so no folder can be made there. Give a "
            f"folder that is not inside a file, e.g. {flag} {existing.parent / 'outputs'}")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise OutputPathError(
            f"{flag} {folder}: cannot write into {existing} ({error.strerror or error}). Give a "
            f"folder you can write to, e.g. {flag} {Path.home() / 'pix2pix_outputs'}") from None


@contextmanager
def atomic_write(path):
    """Write a file under a temporary name, then rename it: readers see the old file or the new.

    A crash, a full disk or Ctrl+C in the middle of a write would otherwise leave a half-written
    file under the real name, e.g. a checkpoint that no longer loads. The temporary name holds
    the process id, so processes writing the same file at once (torchrun) never share one.

    Args:
        path: the file to write.

    Yields:
        The temporary ``Path`` to write to. It ends in ``.tmp``, so that a folder listing such as
        ``*.png`` never picks up a file still being written: give libraries that choose a format
        by suffix (PIL) the format by name.
    """
    path = Path(path)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)  # atomic on one file system: the old file or the new
    except BaseException:  # a full disk, Ctrl+C: keep no half-written file around
        temporary.unlink(missing_ok=True)
        raise


def distinct_stems(paths):
    """One output name per input file, never the same twice, each still saying its source.

    ``a/x.png`` and ``b/x.png`` would both save as ``x_photo.png`` and one would overwrite the
    other; they become ``a_x`` and ``b_x``, and a name still shared gets a number.

    Args:
        paths: the input files.

    Returns:
        A list of strings, one per path, all different.
    """
    paths = [Path(path) for path in paths]
    stems = [path.stem for path in paths]
    stems = [f"{path.parent.name}_{stem}" if stems.count(stem) > 1 else stem
             for path, stem in zip(paths, stems)]
    return [f"{stem}_{stems[:i].count(stem) + 1}" if stems.count(stem) > 1 else stem
            for i, stem in enumerate(stems)]
