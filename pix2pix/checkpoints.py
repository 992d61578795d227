"""The files of a run folder: the resume checkpoint, the trained generator and its config.

``checkpoint.pt`` holds everything the next epoch depends on -- both networks, both optimizers,
the gradient scaler, the epoch and every random generator -- so a resumed run continues exactly
as one that never stopped. ``generator.pt`` is G's weights alone, a plain ``state_dict``, and
``config.json`` the :class:`~pix2pix.config.TrainConfig` that says how to rebuild G around them.
Every file holds only tensors and plain values and is read with ``weights_only=True``: a file
that may come from someone else cannot run code when it is loaded. Each is written atomically.
While a training writes into the folder, ``training.lock`` keeps a second one out.
Used by :mod:`pix2pix.train`, ``translate.py`` and the Exercise 3 page.
"""

import json
import os
import random
import re
import socket
import threading
import time
import warnings
import zipfile
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import torch

from pix2pix.config import MAY_CHANGE_ON_RESUME, TrainConfig
from pix2pix.distributed import unwrap
from pix2pix.errors import FixableError, FixableWarning
from pix2pix.models import UNetGenerator
from pix2pix.paths import atomic_write
from pix2pix.weights.official import (ZIP_MAGIC, CheckpointError, load_state_dict_file,
                                      what_else)

CHECKPOINT_NAME = "checkpoint.pt"  # everything needed to resume
GENERATOR_NAME = "generator.pt"  # G's weights alone: a plain state_dict for inference
CONFIG_NAME = "config.json"
LOCK_NAME = "training.lock"  # the process id of the training writing into the folder
# what can damage a file that atomic_save wrote, since a run killed while saving cannot
WHY_DAMAGED = ("The run writes each file under a temporary name and renames it once complete, so "
               "a run killed while saving leaves the previous file whole: a file cut short comes "
               "from a copy or sync that stopped midway (cp, rsync, a cloud drive), a disk that "
               "filled up during such a copy, or a disk error.")


def random_states():
    """Every random generator a run draws from, as tensors and plain Python values."""
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    py_version, py_internal, py_gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {"name": np_name, "keys": torch.from_numpy(np_keys.astype(np.int64)),
                  "pos": np_pos, "has_gauss": np_has_gauss, "gauss": np_gauss},
        "python": {"version": py_version, "internal": torch.tensor(py_internal),
                   "gauss": py_gauss},
    }


def restore_random_states(states):
    """Undo :func:`random_states`: the next draws are those the saved run would have made."""
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        # one state per GPU; a machine with fewer GPUs than the saved run takes the first ones
        torch.cuda.set_rng_state_all(states["cuda"][:torch.cuda.device_count()])
    n = states["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["pos"],
                         n["has_gauss"], n["gauss"]))
    p = states["python"]
    random.setstate((p["version"], tuple(p["internal"].tolist()), p["gauss"]))


def atomic_save(obj, path):
    """``torch.save`` through :func:`~pix2pix.paths.atomic_write`: never a half-written file."""
    with atomic_write(path) as temporary:
        torch.save(obj, temporary)


def plain_state_dict(module):
    """A module's weights as contiguous CPU tensors, unwrapped from DDP."""
    return {k: v.detach().contiguous().cpu() for k, v in unwrap(module).state_dict().items()}


class RunFolderError(FixableError):
    """A run folder that cannot be used as asked (already a run, nothing to resume, in use ...)."""


# -----------------------------------------------------------------------------
# One training per run folder


# The holder refreshes the lock's time this often. A process on another machine (a notebook on a
# new cloud VM, the run folder on a shared drive) cannot be asked whether it still runs, so its
# lock counts as left behind once it has gone unrefreshed for STALE_AFTER_S.
HEARTBEAT_S = 30
STALE_AFTER_S = 10 * HEARTBEAT_S


@contextmanager
def hold_run_folder(run_dir):
    """Keep ``run_dir`` to this process while the block runs: one training per folder.

    Two trainings writing into one folder would overwrite each other's checkpoints and mix
    their log rows, and both would report success. The lock is a file created with
    ``O_EXCL``, which the operating system lets only one process create; it holds the
    holder's process id and machine, so a lock left behind by a training that was killed
    (``kill -9``, a power cut, a lost cloud VM) is recognised and taken over. It is removed
    however the block ends: finished, Ctrl+C, or an error. A folder this call made is removed
    too if nothing was written into it.

    Raises:
        RunFolderError: another training that is still running holds the folder.
    """
    run_dir = Path(run_dir)
    made = not run_dir.exists()
    run_dir.mkdir(parents=True, exist_ok=True)
    lock = run_dir / LOCK_NAME
    take_lock(lock)
    stop = threading.Event()
    heartbeat = threading.Thread(target=refresh_lock, args=(lock, stop), daemon=True)
    heartbeat.start()
    try:
        yield
    finally:
        stop.set()
        heartbeat.join()
        lock.unlink(missing_ok=True)
        if made and not any(run_dir.iterdir()):
            run_dir.rmdir()


def refresh_lock(lock, stop):
    """Touch ``lock`` every HEARTBEAT_S until ``stop`` is set: "still running"."""
    while not stop.wait(HEARTBEAT_S):
        try:
            os.utime(lock)
        except OSError:  # a drive that went away: the training itself will say so
            pass


def take_lock(lock):
    """Create ``lock`` with this process's id, taking over one whose process has ended."""
    for _ in range(2):  # the second try follows the removal of a dead process's lock
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid, host, gone = lock_holder(lock)
            if not gone:
                raise RunFolderError(
                    f"{lock.parent} is in use by another training (process {pid} on {host}): "
                    "two trainings in one folder would overwrite each other's checkpoints. "
                    f"Wait for it to end, stop it (Ctrl+C where it runs, or kill -INT {pid}: it "
                    "saves first), or train into another folder with --out NEW_FOLDER.") from None
            warnings.warn(f"{lock} was left by process {pid} on {host}, which {gone}: taking "
                          "the folder over.", FixableWarning, stacklevel=2)
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(descriptor, "w") as file:
            file.write(f"{os.getpid()} {socket.gethostname()}\n")
        return
    raise RunFolderError(f"{lock.parent}: another training took it at the same moment. Train "
                         "into another folder with --out NEW_FOLDER.")


def lock_holder(lock):
    """(process id, machine, why it is gone) of a lock; "why" is "" while it may still run."""
    try:
        pid, host = lock.read_text().split()
        pid, age = int(pid), time.time() - lock.stat().st_mtime
    except (OSError, ValueError):  # gone meanwhile, or still being written: not ours to take
        return "?", "?", ""
    if host == socket.gethostname() and os.name != "nt":  # Windows has no harmless os.kill
        try:
            os.kill(pid, 0)  # signal 0 sends nothing: it only asks whether the process exists
        except ProcessLookupError:
            return pid, host, "is no longer running (killed, or the machine restarted)"
        except PermissionError:  # it exists, and belongs to another user
            pass
        return pid, host, ""
    if age > STALE_AFTER_S:
        return pid, host, f"has not refreshed it for {age / 60:.0f} minutes"
    return pid, host, ""


# -----------------------------------------------------------------------------
# The resume checkpoint


def save_checkpoint(path, pix2pix, epoch):
    """Everything needed to continue a :class:`~pix2pix.step.Pix2Pix` after ``epoch`` epochs."""
    has_d = pix2pix.discriminator is not None
    atomic_save({
        "generator": plain_state_dict(pix2pix.generator),
        "discriminator": plain_state_dict(pix2pix.discriminator) if has_d else {},
        "optimizer_g": pix2pix.optimizer_g.state_dict(),
        "optimizer_d": pix2pix.optimizer_d.state_dict() if has_d else {},
        "scaler": pix2pix.precision.scaler.state_dict(),
        "epoch": epoch,
        "rng": random_states(),
    }, path)


def check_same_settings(run_dir, config):
    """Refuse to resume a run with other settings than those it was started with.

    A run resumed with another learning rate, loss weight or network would be neither the old
    run nor a new one, and its ``log.jsonl`` could not say which epochs had which. Only what
    :data:`~pix2pix.config.MAY_CHANGE_ON_RESUME` lists may change: the epochs, the folders, the
    machine.

    Raises:
        CheckpointError: the run's ``config.json`` differs in a setting; the message lists each.
    """
    saved = read_config(run_dir)
    changed = [f"{name} {getattr(saved, name)} (now {getattr(config, name)})"
               for name in (f.name for f in fields(saved)) if name not in MAY_CHANGE_ON_RESUME
               and getattr(saved, name) != getattr(config, name)]
    if changed:
        raise CheckpointError(
            f"{run_dir} was started with other settings: {', '.join(changed)}. A resumed run "
            "keeps the settings it started with (its config.json): resume without the flags "
            "that change them, or start a new run with them: the same command without "
            "--resume, with --out NEW_FOLDER.")


def check_intact(path, fix):
    """Refuse a run file that is empty or cut short, before anything is built around it.

    ``torch.save`` writes a zip archive, whose directory comes last: a file cut short has lost
    it, and ``zipfile`` sees that without reading a single tensor.

    Raises:
        CheckpointError: the file is empty, cut short or not a PyTorch file; ``fix`` ends it.
    """
    path = Path(path)
    with open(path, "rb") as file:
        head = file.read(1024)
    problem = what_else(head)
    if problem is None and head.startswith(ZIP_MAGIC) and not zipfile.is_zipfile(path):
        problem = (f"cut short ({path.stat().st_size:,} bytes): the end of the archive that "
                   "torch.save writes is missing")
    if problem:
        raise CheckpointError(f"{path} is {problem}. {WHY_DAMAGED} {fix}")


def resume_fix(run_dir):
    """What to do when a run's ``checkpoint.pt`` is damaged: there is nothing to go back to."""
    return (f"A run keeps one checkpoint, replaced after every epoch, and the "
            f"generator_epoch_N.pt files in {run_dir} hold G alone, not D and the optimizers a "
            "resumed run needs (translate.py still takes them). Start the run again in a new "
            "folder: the same command without --resume, with --out NEW_FOLDER.")


def load_for_resume(path, pix2pix):
    """Load a checkpoint into the run's objects; returns the number of completed epochs.

    Raises:
        CheckpointError: the file is damaged; the message says why and what to do.
    """
    path = Path(path)
    state = load_state_dict_file(path, fix=f"{WHY_DAMAGED} {resume_fix(path.parent)}")
    unwrap(pix2pix.generator).load_state_dict(state["generator"], strict=True)
    pix2pix.optimizer_g.load_state_dict(state["optimizer_g"])
    if pix2pix.discriminator is not None:
        unwrap(pix2pix.discriminator).load_state_dict(state["discriminator"], strict=True)
        pix2pix.optimizer_d.load_state_dict(state["optimizer_d"])
    if state["scaler"]:  # empty when the run was saved without fp16 loss scaling
        pix2pix.precision.scaler.load_state_dict(state["scaler"])
    restore_random_states(state["rng"])
    return state["epoch"]


# -----------------------------------------------------------------------------
# The trained generator and its config


def write_config(run_dir, config):
    """Save the run's settings as ``config.json`` (the recipe that rebuilds its generator)."""
    with atomic_write(Path(run_dir) / CONFIG_NAME) as temporary:
        temporary.write_text(json.dumps(asdict(config), indent=2))


def read_config(run_dir):
    """The :class:`~pix2pix.config.TrainConfig` of a run folder.

    Raises:
        CheckpointError: the folder has no readable ``config.json``.
    """
    path = Path(run_dir) / CONFIG_NAME
    try:
        return TrainConfig.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise CheckpointError(f"{run_dir} has no {CONFIG_NAME}, which says how its generator was "
                              "built: give the run folder that exercise3_train.py wrote "
                              "(its --out), with its config.json.") from None
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path} is not a run's config ({error}): restore it from the "
                              "run folder exercise3_train.py wrote.") from None


def save_generator(run_dir, generator, name=GENERATOR_NAME):
    """Save G's weights alone into the run folder: the file inference loads."""
    atomic_save(plain_state_dict(generator), Path(run_dir) / name)


def generator_fix(run_dir, weights):
    """What to give instead of a damaged ``generator*.pt``: the run's latest other milestone."""
    milestones = {}  # epoch -> file
    for path in Path(run_dir).glob("generator_epoch_*.pt"):
        match = re.fullmatch(r"generator_epoch_(\d+)\.pt", path.name)
        if match and path != weights:
            milestones[int(match.group(1))] = path
    latest = max(milestones, default=None)
    instead = ("Either" if latest is None else f"Give another weights file of the run, e.g. "
               f"{milestones[latest]} (G after epoch {latest}), or")
    return (f"{instead} continue the run, if it is not finished: python "
            f"exercises/exercise3_train.py --resume --out {run_dir} writes {GENERATOR_NAME} again "
            "at its end and at Ctrl+C. Or train a new run.")


def load_trained_generator(path, device="cpu"):
    """A trained G, ready for inference, from a run folder or a ``generator*.pt`` inside one.

    Args:
        path: a run folder (exercise 3's ``--out``), its ``generator.pt``, or a milestone's
            ``generator_epoch_N.pt``.
        device: where to put G.

    Returns:
        (generator, config): a :class:`~pix2pix.models.UNetGenerator` in eval mode, loaded with
        ``strict=True``, and the :class:`~pix2pix.config.TrainConfig` of its run.

    Raises:
        CheckpointError: no such run, no ``config.json`` beside the weights, or weights that do
            not fit the network the config describes; each message says what to give instead.
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"no trained generator at {path}: give a run folder of "
                              "exercises/exercise3_train.py (its --out, e.g. "
                              "runs/exercise3_synthetic_quick) or its generator.pt.")
    run_dir, weights = (path, path / GENERATOR_NAME) if path.is_dir() else (path.parent, path)
    config = read_config(run_dir)
    if not weights.is_file():
        raise CheckpointError(f"{run_dir} holds no {weights.name} yet: the run writes it at the "
                              "end, at Ctrl+C and at milestone epochs. Finish or interrupt it.")
    state = load_state_dict_file(weights, fix=f"{WHY_DAMAGED} {generator_fix(run_dir, weights)}")
    try:
        generator = UNetGenerator(config.generator_config())
        generator.load_state_dict(state, strict=True)
    except (RuntimeError, ValueError, TypeError, AttributeError, OSError) as error:
        # load_state_dict's message opens with a header line; the next one names the tensor
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
        reason = lines[1] if len(lines) > 1 and lines[0].endswith(":") else lines[0]
        raise CheckpointError(f"{weights} does not fit the U-Net that its {CONFIG_NAME} "
                              f"describes ({reason}). The weights are damaged or come from "
                              "another run: give the folder they were trained in, with its own "
                              "config.json.") from None
    return generator.to(device).eval(), config
