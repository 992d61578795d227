"""Checkpoints of a training run: atomic, complete, and loadable with ``weights_only=True``.

A checkpoint holds everything the next epoch depends on -- both networks, both optimizers, the
gradient scaler, the epoch and every random generator -- so a resumed run continues exactly as
one that never stopped. It holds only tensors and plain Python values: ``torch.load`` with
``weights_only=True`` reads it without running any code, as it must for a file that may come
from someone else. Used by :mod:`pix2pix.train`.
"""

import os
import random
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

ARCHITECTURE = ("image_size", "ngf", "ndf", "norm")  # settings that decide the weights' shapes


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
    """Write to a temporary file, then rename: a crash mid-write never breaks the old file."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    try:
        torch.save(obj, temporary)
        os.replace(temporary, path)  # atomic on one file system: old file or new, never half
    except BaseException:  # a full disk, Ctrl+C: keep no half-written file around
        temporary.unlink(missing_ok=True)
        raise


def plain_state_dict(module):
    """A module's weights as contiguous CPU tensors, unwrapped from DDP."""
    module = getattr(module, "module", module)
    return {k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()}


def save_checkpoint(path, models, optimizers, precision, epoch, config):
    """Everything needed to continue after ``epoch`` completed epochs."""
    generator, discriminator = models
    optimizer_g, optimizer_d = optimizers
    atomic_save({
        "generator": plain_state_dict(generator),
        "discriminator": plain_state_dict(discriminator),
        "optimizer_g": optimizer_g.state_dict(),
        "optimizer_d": optimizer_d.state_dict(),
        "scaler": precision.scaler.state_dict(),
        "epoch": epoch,
        "rng": random_states(),
        "config": asdict(config),
    }, path)


def load_for_resume(path, models, optimizers, precision, config):
    """Load a checkpoint into the run's objects; returns the number of completed epochs.

    Raises:
        ValueError: the checkpoint's networks were built with other sizes than ``config``'s.
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    changed = [f"{name} {state['config'][name]} (now {getattr(config, name)})"
               for name in ARCHITECTURE if state["config"][name] != getattr(config, name)]
    if changed:
        raise ValueError(f"{path} was trained with other network settings: {', '.join(changed)}. "
                         "Resume with the flags it was started with (--quick, --ngf, --norm), "
                         "or start a new run with --out NEW_FOLDER.")
    for model, key in zip(models, ("generator", "discriminator")):
        getattr(model, "module", model).load_state_dict(state[key], strict=True)
    optimizers[0].load_state_dict(state["optimizer_g"])
    optimizers[1].load_state_dict(state["optimizer_d"])
    if state["scaler"]:  # empty when the run was saved without fp16 loss scaling
        precision.scaler.load_state_dict(state["scaler"])
    restore_random_states(state["rng"])
    return state["epoch"]
