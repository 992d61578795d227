"""Training pix2pix from scratch: the loop around the step, and never losing a run.

:meth:`pix2pix.step.Pix2Pix.train_step` is the paper's algorithm; :func:`fit` wraps it in what a
real run needs:

* the players built as the paper initialises them (:func:`build_pix2pix`), mixed precision on
  CUDA (:func:`~pix2pix.device.pick_precision`), channels_last and cuDNN autotuning; the same code
  runs unchanged on CPU and Apple MPS;
* a checkpoint written atomically after every epoch (:mod:`pix2pix.checkpoints`), ``resume=True``
  to continue, Ctrl+C that saves before exiting, and a NaN loss that stops the run before it can
  overwrite a good checkpoint;
* a per-epoch log (``log.jsonl``), held-out L1 and PSNR (:mod:`pix2pix.metrics`), sample
  grids at milestone epochs;
* DistributedDataParallel when started by ``torchrun`` (:mod:`pix2pix.distributed`); only rank 0
  writes files.

Used by ``exercises/exercise3_train.py`` and the Exercise 3 page.
"""

import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from pix2pix.checkpoints import (CHECKPOINT_NAME, GENERATOR_NAME, RunFolderError,
                                 check_intact, check_same_settings, hold_run_folder,
                                 load_for_resume, resume_fix, save_checkpoint, save_generator,
                                 write_config)
from pix2pix.config import TrainConfig
from pix2pix.data import make_loaders
from pix2pix.device import memory_format, pick_precision
from pix2pix.distributed import Distributed, StopRequest, setup_distributed, unwrap
from pix2pix.errors import FixableError
from pix2pix.metrics import eval_translate, evaluate
from pix2pix.models import PatchGANDiscriminator, UNetGenerator, init_weights
from pix2pix.paths import atomic_write
from pix2pix.step import Pix2Pix, StepLosses
from pix2pix.figures.training import save_loss_curves, save_sample_grid

LOG_NAME = "log.jsonl"
MILESTONE_FRACTIONS = (0.10, 0.25, 0.50, 0.75, 1.00)  # epochs 10/25/50/75/100 of 100


class TrainingDiverged(FixableError, RuntimeError):
    """A loss became NaN or infinite; the last checkpoint on disk is still good."""


# -----------------------------------------------------------------------------
# Building the players


def build_pix2pix(config, device, precision=None, ranks=None, layout=None):
    """G and D initialised as in the paper, with their Adam optimizers, as a Pix2Pix.

    Args:
        config: a :class:`~pix2pix.config.TrainConfig`; its objective decides whether there
            is a D (none for "l1"), whether D sees the input, and lambda.
        device: where the networks live.
        precision: a :class:`~pix2pix.device.Precision` (default: the device's best,
            :func:`~pix2pix.device.pick_precision`).
        ranks: a :class:`~pix2pix.distributed.Distributed`; DDP-wraps G and D when several.
        layout: the weights' memory format (default: :func:`~pix2pix.device.memory_format`;
            the benchmarks compare both).

    Returns:
        A :class:`~pix2pix.step.Pix2Pix`.
    """
    ranks = ranks or Distributed()
    layout = memory_format(device) if layout is None else layout
    networks = [UNetGenerator(config.generator_config())]
    if config.has_discriminator:
        networks.append(PatchGANDiscriminator(config.discriminator_config()))
    networks = [init_weights(net).to(device, memory_format=layout) for net in networks]
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # cuDNN picks its fastest kernels once per shape
    optimizers = [torch.optim.Adam(net.parameters(), lr=config.lr,
                                   betas=(config.beta1, config.beta2)) for net in networks]
    if ranks.world_size > 1:
        device_ids = [device.index] if device.type == "cuda" else None
        networks = [DistributedDataParallel(net, device_ids=device_ids) for net in networks]
    generator, discriminator = (networks + [None])[:2]
    optimizer_g, optimizer_d = (optimizers + [None])[:2]
    return Pix2Pix(generator, discriminator, optimizer_g, optimizer_d,
                   lambda_l1=config.l1_weight, precision=precision or pick_precision(device))


# -----------------------------------------------------------------------------
# The schedule


def learning_rate(config, epoch):
    """The lr of 0-based ``epoch``: the official schedule, or constant with ``lr_decay`` off.

    The official code trains ``n_epochs`` at the full rate, then ``n_epochs_decay`` more while
    the rate falls linearly to zero; its training loop (junyanz/pytorch-CycleGAN-and-pix2pix,
    ``train.py`` calling ``update_learning_rate()`` at the start of every epoch, with the
    ``linear`` rule of ``models/networks.py``) runs 1-based epoch E at

        lr * (1 - max(0, E + 1 - n_epochs) / (n_epochs_decay + 1))

    so epoch n_epochs already runs at n_decay / (n_decay + 1) of the rate and the last epoch at 0.
    Here the run's epochs are split in two halves: n_epochs_decay = epochs // 2, n_epochs the rest;
    a one-epoch run has no second half and keeps the rate constant.
    """
    n_decay = config.epochs // 2
    if not config.lr_decay or n_decay == 0:
        return config.lr
    n_constant = config.epochs - n_decay
    one_based = epoch + 1
    return config.lr * (1.0 - max(0, one_based + 1 - n_constant) / (n_decay + 1))


def milestone_epochs(epochs):
    """Epochs with a sample grid: 10/25/50/75/100 of 100, scaled to shorter runs."""
    return sorted({max(1, round(f * epochs)) for f in MILESTONE_FRACTIONS})


# -----------------------------------------------------------------------------
# The loop


@dataclass
class Run:
    """What the epochs of one :func:`fit` share."""

    config: TrainConfig
    pix2pix: Pix2Pix
    device: torch.device
    ranks: Distributed
    train_loader: DataLoader
    val_loader: DataLoader
    stop: StopRequest
    samples: tuple = ()  # (input_images, target_images) of the milestone grids
    records: list = field(default_factory=list)  # every log row of the run, oldest first

    @property
    def out_dir(self):
        return Path(self.config.out_dir)


class FitResult(NamedTuple):
    """How :func:`fit` ended."""

    status: str  # "finished" or "interrupted"
    epochs_done: int
    records: list  # the log's rows written by this call


def check_finite(totals, epoch, step, lr):
    """Stop the run, before anything is saved, if a loss is NaN or infinite.

    Resuming would not help: a resumed run keeps its settings and its random state, and meets
    the same NaN again. The fix is a new run with other settings.
    """
    values = totals.tolist()
    if all(math.isfinite(v) for v in values):
        return
    if epoch == 1:
        saved = ("Nothing was saved: no epoch had finished. Start the run again without "
                 "--resume (the same --out is fine)")
    else:
        saved = (f"The checkpoint on disk is from epoch {epoch - 1}, before it went wrong, and "
                 "the generator_epoch_N.pt files stay usable. Start a new run without --resume, "
                 "with --out NEW_FOLDER")
    raise TrainingDiverged(
        f"a loss became NaN or infinite in epoch {epoch}, step {step} (loss_D, loss_G_GAN, "
        f"loss_G_L1 sums: {values}). {saved}, and a lower --lr (this run had {lr:g}: try "
        "half). If it comes back at once, check the data (python "
        "preprocess_anime_sketches.py --verify).")


def readable(seconds):
    """A duration as a person reads it: "40 s", "12.5 min", "3.2 h", "4.5 days", "63 years"."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    if seconds < 365 * 86400:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / (365.25 * 86400):,.0f} years"


def preflight(run, epoch, per_step):
    """Print the projected time of an epoch and of the run, from the first steps' speed."""
    steps = len(run.train_loader)
    epoch_s, left = per_step * steps, per_step * steps * (run.config.epochs - epoch)
    tqdm.write(f"preflight: {per_step:.3f} s/step -> about {readable(epoch_s)} per epoch "
               f"({steps} steps), {readable(left)} for the {run.config.epochs - epoch} "
               "epochs left")


def run_epoch(run, epoch, first):
    """Train one 0-based epoch: (sums of loss_D, loss_G_GAN, loss_G_L1, steps run, finished?).

    ``first``: the first epoch of this call, which prints the preflight estimate.
    """
    config, device = run.config, run.device
    totals = torch.zeros(3, device=device)
    layout = memory_format(device)
    bar = tqdm(run.train_loader, desc=f"epoch {epoch + 1}/{config.epochs}",
               disable=not run.ranks.is_main, dynamic_ncols=True, leave=False)
    steps, started = 0, time.perf_counter()
    began = started
    for input_image, target_image in bar:
        input_image = input_image.to(device, non_blocking=True, memory_format=layout)
        target_image = target_image.to(device, non_blocking=True, memory_format=layout)
        totals += torch.stack(run.pix2pix.train_step(input_image, target_image)).float()
        steps += 1
        if steps == 1:
            started = time.perf_counter()  # step 1 pays for cuDNN autotuning: time from here
        if steps % config.log_every == 0 or steps == len(run.train_loader):
            check_finite(totals, epoch + 1, steps, config.lr)
            means = dict(zip(StepLosses._fields, (totals / steps).tolist()))
            if run.pix2pix.discriminator is None:  # the L1-only objective
                means = {"loss_G_L1": means["loss_G_L1"]}
            bar.set_postfix({name: f"{value:.3f}" for name, value in means.items()})
        if first and steps == config.preflight_steps + 1 and run.ranks.is_main:
            totals.tolist()  # wait for the GPU before reading the clock
            preflight(run, epoch, (time.perf_counter() - started) / config.preflight_steps)
        if (run.ranks.world_size == 1 or steps % config.log_every == 0) and \
                run.stop.agreed(run.ranks, device):
            break
    bar.close()
    check_finite(totals, epoch + 1, steps, config.lr)
    # an epoch too short for the estimate after its first steps gets one at its end
    if first and steps == len(run.train_loader) <= config.preflight_steps and run.ranks.is_main:
        preflight(run, epoch, (time.perf_counter() - began) / steps)
    return totals, steps, steps == len(run.train_loader)


def end_of_epoch(run, epoch, totals, steps, seconds):
    """Rank 0's bookkeeping after ``epoch`` (1-based): metrics, log, figures, checkpoint."""
    config, generator = run.config, unwrap(run.pix2pix.generator)
    val_l1, val_psnr = evaluate(generator, run.val_loader, run.device, run.pix2pix.precision)
    loss_D, loss_G_GAN, loss_G_L1 = (totals / steps).tolist()
    if run.pix2pix.discriminator is None:  # the L1-only objective: no adversarial numbers
        loss_D = loss_G_GAN = None
    record = {"epoch": epoch, "loss_D": loss_D, "loss_G_GAN": loss_G_GAN, "loss_G_L1": loss_G_L1,
              "val_L1": val_l1, "val_PSNR": val_psnr,
              "images_per_s": steps * config.batch_size / seconds, "seconds": seconds,
              "lr": run.pix2pix.optimizer_g.param_groups[0]["lr"]}
    run.records.append(record)
    with open(run.out_dir / LOG_NAME, "a") as log:
        log.write(json.dumps(record) + "\n")
    adversarial = ("" if loss_D is None else
                   f"  loss_D {loss_D:.3f}  loss_G_GAN {loss_G_GAN:.3f}")
    tqdm.write(f"epoch {epoch:3d}/{config.epochs}{adversarial}  loss_G_L1 {loss_G_L1:.3f}  val L1 "
               f"{val_l1:.3f}  val PSNR {val_psnr:.2f} dB  {record['images_per_s']:.1f} img/s  "
               f"{seconds:.0f} s")
    if epoch in milestone_epochs(config.epochs):  # the last epoch is always one
        input_images, target_images = run.samples
        fake_images = eval_translate(generator, input_images.to(run.device),
                                     run.pix2pix.precision)
        save_sample_grid(input_images, fake_images, target_images,
                         run.out_dir / f"exercise3_epoch_{epoch}.png", title=f"epoch {epoch}")
        save_generator(run.out_dir, generator, f"generator_epoch_{epoch}.pt")
        save_loss_curves(run.records, run.out_dir / "exercise3_losses.png")
    if epoch == config.epochs:
        save_generator(run.out_dir, generator)
    # last: a crash before this line redoes the epoch on --resume, figures and log row included
    save_checkpoint(run.out_dir / CHECKPOINT_NAME, run.pix2pix, epoch)
    return record


def start_run(config, resume):
    """Check the run folder for what was asked; returns the log rows of earlier epochs.

    Raises:
        RunFolderError: a run exists and ``resume`` is False, or nothing is there to resume.
    """
    out_dir = Path(config.out_dir)
    checkpoint_path = out_dir / CHECKPOINT_NAME
    if checkpoint_path.exists() and not resume:
        raise RunFolderError(f"{out_dir} already holds a run. Continue it with --resume, or "
                             "start a new one with --out NEW_FOLDER.")
    if resume and not checkpoint_path.exists():
        raise RunFolderError(f"--resume: no checkpoint at {checkpoint_path}. Check --out, or "
                             "drop --resume to start a new run there.")
    if not resume:
        return []
    check_intact(checkpoint_path, resume_fix(out_dir))  # before the networks and data are built
    check_same_settings(out_dir, config)
    return read_log(out_dir)


def keep_log_until(run_dir, records, epoch, ranks):
    """Drop the log rows of epochs after the checkpoint's: a crash between writing an epoch's
    row and its checkpoint makes the resumed run do that epoch again, and log it again."""
    kept = [record for record in records if record["epoch"] <= epoch]
    if len(kept) < len(records) and ranks.is_main:
        with atomic_write(Path(run_dir) / LOG_NAME) as temporary:
            temporary.write_text("".join(json.dumps(record) + "\n" for record in kept))
    return kept


def read_log(run_dir):
    """The rows of a run folder's ``log.jsonl``, one dict per finished epoch, oldest first."""
    log = Path(run_dir) / LOG_NAME
    lines = log.read_text().splitlines() if log.exists() else []
    return [json.loads(line) for line in lines if line]


def fit(config, resume=False, placement=None):
    """Train G and D on ``config.data_root``, writing everything into ``config.out_dir``.

    Files: ``checkpoint.pt`` (every epoch), ``generator.pt`` (at the end, at Ctrl+C and at
    milestones as ``generator_epoch_N.pt``), ``config.json``, ``log.jsonl``,
    ``exercise3_epoch_N.png`` and ``exercise3_losses.png``. Only rank 0 writes.

    Args:
        config: a :class:`~pix2pix.config.TrainConfig`.
        resume: continue from ``out_dir/checkpoint.pt``. An interrupted epoch restarts from
            its beginning, with the weights as they were when Ctrl+C was pressed.
        placement: (Distributed, torch.device) as :func:`~pix2pix.distributed.setup_distributed`
            returns them, when the caller has already set them up; default: set up here.

    Returns:
        A :class:`FitResult`.

    Raises:
        RunFolderError: ``out_dir`` holds a run and ``resume`` is False; ``resume`` but no
            checkpoint; the run has already done ``config.epochs`` epochs; or another
            training is writing into ``out_dir``.
        TrainingDiverged: a loss became NaN; nothing was saved after it.
    """
    ranks, device = placement or setup_distributed(config.device)
    if not ranks.is_main:  # only rank 0 writes, so only rank 0 holds the folder
        return fit_in_folder(config, resume, ranks, device)
    with hold_run_folder(config.out_dir):  # one training per run folder at a time
        return fit_in_folder(config, resume, ranks, device)


def fit_in_folder(config, resume, ranks, device):
    """:func:`fit`, once the run folder is this process's."""
    records = start_run(config, resume)
    torch.manual_seed(config.seed + ranks.rank)
    np.random.seed(config.seed)
    random.seed(config.seed)

    pix2pix = build_pix2pix(config, device, ranks=ranks)
    train_loader, val_loader = make_loaders(config, ranks, device)
    start_epoch = 0
    if resume:
        start_epoch = load_for_resume(Path(config.out_dir) / CHECKPOINT_NAME, pix2pix)
        if start_epoch >= config.epochs:
            raise RunFolderError(f"{config.out_dir} has already trained {start_epoch} epochs, "
                                 f"and --epochs is {config.epochs}: to train longer, resume "
                                 f"with --epochs larger than {start_epoch}.")
        if ranks.rank > 0:  # rank 0's random state was saved; the others draw their own
            torch.manual_seed(config.seed + 1000 * start_epoch + ranks.rank)
        records = keep_log_until(config.out_dir, records, start_epoch, ranks)
    if ranks.is_main:
        Path(config.out_dir).mkdir(parents=True, exist_ok=True)
        write_config(config.out_dir, config)
    # a fixed set of val pairs for the milestone grids; read without a DataLoader, whose
    # iterator would draw from the random state that a resumed run must not disturb
    val_set = val_loader.dataset
    chosen = val_set.indices_of(config.sample_names) or list(range(len(val_set)))
    samples = tuple(torch.stack(images) for images in
                    zip(*(val_set[i] for i in chosen[:config.num_samples])))
    with StopRequest() as stop:
        run = Run(config, pix2pix, device, ranks, train_loader, val_loader, stop, samples,
                  records)
        return train_epochs(run, start_epoch)


def train_epochs(run, start_epoch):
    """The epochs of :func:`fit`, from ``start_epoch`` (0-based) to the end or to Ctrl+C."""
    config, ranks, pix2pix = run.config, run.ranks, run.pix2pix
    new_records = len(run.records)
    for epoch in range(start_epoch, config.epochs):
        for optimizer in filter(None, (pix2pix.optimizer_g, pix2pix.optimizer_d)):
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, epoch)
        run.train_loader.sampler.set_epoch(epoch)
        run.train_loader.dataset.set_epoch(epoch)
        started = time.perf_counter()
        totals, steps, finished = run_epoch(run, epoch, first=epoch == start_epoch)
        if not finished:
            if ranks.is_main:
                save_checkpoint(run.out_dir / CHECKPOINT_NAME, pix2pix, epoch)
                save_generator(run.out_dir, unwrap(pix2pix.generator))
                tqdm.write(f"saved {run.out_dir / CHECKPOINT_NAME} and "
                           f"{run.out_dir / GENERATOR_NAME}; continue with --resume")
            return FitResult("interrupted", epoch, run.records[new_records:])
        if ranks.is_main:
            end_of_epoch(run, epoch + 1, totals, steps, time.perf_counter() - started)
        if run.stop.agreed(ranks, run.device):  # Ctrl+C during the val pass: already saved
            if ranks.is_main:
                save_generator(run.out_dir, unwrap(pix2pix.generator))
            return FitResult("interrupted", epoch + 1, run.records[new_records:])
    if ranks.world_size > 1:
        dist.barrier()
    return FitResult("finished", config.epochs, run.records[new_records:])
