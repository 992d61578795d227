"""Training pix2pix from scratch: the GAN step, the loop, and never losing a run.

:func:`train_step` is the paper's algorithm and nothing else: (1) update D on a real and a
generated pair, (2) update G to fool the frozen D while staying close to the target in L1.
:func:`fit` wraps it in what a real run needs:

* mixed precision on CUDA (bf16 where the GPU has it, else fp16 with a gradient scaler),
  channels_last and cuDNN autotuning; the same code runs unchanged on CPU and Apple MPS;
* a checkpoint written atomically after every epoch (G, D, both optimizers, the scaler, the
  epoch and every random state: :mod:`pix2pix.checkpoints`), ``resume=True`` to continue,
  Ctrl+C that saves before exiting, and a NaN loss that stops the run before it can overwrite
  a good checkpoint;
* a per-epoch log (``log.jsonl``), held-out L1 and PSNR, sample grids at milestone epochs;
* DistributedDataParallel when started by ``torchrun``; only rank 0 writes files.

Used by ``exercises/exercise3_train.py`` and the Exercise 3 page.
"""

import json
import math
import os
import random
import signal
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

from pix2pix.checkpoints import atomic_save, load_for_resume, plain_state_dict, save_checkpoint
from pix2pix.data import PairedFolderDataset
from pix2pix.device import pick_device
from pix2pix.losses import LAMBDA_L1, discriminator_loss, generator_loss
from pix2pix.models import (DiscriminatorConfig, GeneratorConfig, PatchGANDiscriminator,
                            UNetGenerator, init_weights)
from pix2pix.train_figures import save_loss_curves, save_sample_grid

CHECKPOINT_NAME = "checkpoint.pt"  # everything needed to resume
GENERATOR_NAME = "generator.pt"  # G's weights alone: a plain state_dict for inference
LOG_NAME = "log.jsonl"
MILESTONE_FRACTIONS = (0.10, 0.25, 0.50, 0.75, 1.00)  # epochs 10/25/50/75/100 of 100


@dataclass
class TrainConfig:
    """Settings of a run; the defaults are the paper's and the course's."""

    data_root: str = ""  # a folder with {train,val}/{sketches,colors}/NAME.png
    out_dir: str = ""  # the run folder: checkpoints, log, figures
    epochs: int = 100
    batch_size: int = 4  # per process; the paper used 1 (facades) to 10 (maps)
    lr: float = 2e-4
    beta1: float = 0.5  # lower than Adam's 0.9: less momentum keeps the GAN game stable
    beta2: float = 0.999
    lambda_l1: float = LAMBDA_L1
    lr_decay: bool = False  # official schedule: constant for half the epochs, then linear to 0
    image_size: int = 256  # a power of two; the U-Net halves it down to 1x1
    ngf: int = 64
    ndf: int = 64
    norm: str = "batch"
    train_limit: Optional[int] = None  # use only the first N training pairs
    val_limit: Optional[int] = None
    cache: bool = False  # decode the PNGs once into a uint8 file per split (pix2pix.data)
    num_samples: int = 4  # val examples drawn in the milestone grids
    workers: int = 4
    seed: int = 0
    device: str = "auto"
    log_every: int = 10  # steps between progress-bar updates and NaN checks
    preflight_steps: int = 5

    def generator_config(self):
        """The U-Net for this image size: one halving per level down to a 1x1 bottleneck."""
        num_downs = int(math.log2(self.image_size))
        if 2 ** num_downs != self.image_size or num_downs < 5:
            raise ValueError(f"image size must be a power of two >= 32, got {self.image_size}")
        return GeneratorConfig(ngf=self.ngf, num_downs=num_downs, norm=self.norm)

    def discriminator_config(self):
        """The 70x70 PatchGAN."""
        return DiscriminatorConfig(ndf=self.ndf, norm=self.norm)


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the last checkpoint on disk is still good."""


# -----------------------------------------------------------------------------
# Mixed precision


@dataclass
class Precision:
    """How the forward passes run: full float32, or autocast to bf16 / fp16.

    bf16 has float32's exponent range, so gradients cannot underflow and no scaler is needed.
    fp16 does underflow: the scaler multiplies the loss before ``backward`` and divides the
    gradients before the optimizer step, skipping steps whose gradients overflowed.
    """

    device_type: str = "cpu"
    dtype: Optional[torch.dtype] = None  # None: no autocast
    scaler: torch.amp.GradScaler = field(
        default_factory=lambda: torch.amp.GradScaler("cpu", enabled=False))

    def autocast(self):
        """The context the forward passes run in."""
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)


def pick_precision(device):
    """bf16 on CUDA GPUs that support it (Ampere and newer), fp16 + scaler on older ones,
    float32 elsewhere (CPU and MPS gain little from autocast and keep the code path simple)."""
    if device.type != "cuda":
        return Precision(device.type)
    # compute capability 8 (Ampere) is the first with bf16 tensor cores; older GPUs emulate bf16
    # slowly, and torch.cuda.is_bf16_supported() counts emulation as support
    if torch.cuda.get_device_capability(device)[0] >= 8:
        return Precision("cuda", torch.bfloat16, torch.amp.GradScaler("cuda", enabled=False))
    return Precision("cuda", torch.float16, torch.amp.GradScaler("cuda"))


# -----------------------------------------------------------------------------
# The pix2pix step (paper section 3, official pix2pix_model.optimize_parameters)


class StepLosses(NamedTuple):
    """What one step measured, as detached tensors (reading them would wait for the GPU)."""

    loss_D: torch.Tensor
    loss_G_GAN: torch.Tensor
    L1: torch.Tensor


def set_requires_grad(module, requires_grad):
    """Freeze or unfreeze every weight of ``module``."""
    for parameter in module.parameters():
        parameter.requires_grad_(requires_grad)


def train_step(generator, discriminator, optimizer_g, optimizer_d, input_image, target_image,
               lambda_l1=LAMBDA_L1, precision=None):
    """One pix2pix update of D, then of G, on a batch of pairs.

    Args:
        generator: G, possibly wrapped in DistributedDataParallel.
        discriminator: D, possibly wrapped in DistributedDataParallel.
        optimizer_g: Adam over G's weights.
        optimizer_d: Adam over D's weights.
        input_image: x, (B, 3, H, W) in [-1, 1].
        target_image: y, (B, 3, H, W) in [-1, 1].
        lambda_l1: weight of the L1 term.
        precision: a :class:`Precision`; float32 when None.

    Returns:
        :class:`StepLosses` of this step.
    """
    precision = precision or Precision()
    scaler = precision.scaler
    with precision.autocast():
        fake_image = generator(input_image)  # G(x): (B, 3, H, W)

    # (1) Update D: maximize log D(x, y) + log(1 - D(x, G(x)))
    set_requires_grad(discriminator, True)
    optimizer_d.zero_grad(set_to_none=True)
    with precision.autocast():
        real_logits = discriminator(input_image, target_image)  # (B, 1, 30, 30)
        # detach: this loss trains D only; without it, backward would also run through G
        fake_logits = discriminator(input_image, fake_image.detach())
        loss_d = discriminator_loss(real_logits, fake_logits)  # halved inside
    scaler.scale(loss_d).backward()
    scaler.step(optimizer_d)

    # (2) Update G: maximize log D(x, G(x)) - lambda * ||y - G(x)||_1
    # D is frozen, so G's backward pass computes no gradients for D's weights. We call the bare
    # module: under DDP, the wrapper would wait for gradients that a frozen D never produces.
    frozen_discriminator = getattr(discriminator, "module", discriminator)
    set_requires_grad(frozen_discriminator, False)
    optimizer_g.zero_grad(set_to_none=True)
    with precision.autocast():
        fake_logits = frozen_discriminator(input_image, fake_image)
        loss_g = generator_loss(fake_logits.float(), fake_image.float(), target_image, lambda_l1)
    scaler.scale(loss_g.total).backward()
    scaler.step(optimizer_g)
    scaler.update()
    return StepLosses(loss_d.detach(), loss_g.adversarial.detach(), loss_g.l1.detach())


# -----------------------------------------------------------------------------
# Held-out metrics


@torch.no_grad()
def evaluate(generator, loader, device, precision=None):
    """Mean L1 and PSNR of G on held-out pairs, in eval mode (running BatchNorm statistics,
    no dropout), so the number moves only when the weights do.

    Args:
        generator: a bare :class:`UNetGenerator` (not DDP-wrapped).
        loader: yields (input_image, target_image) batches.
        device: where G lives.
        precision: a :class:`Precision`; float32 when None.

    Returns:
        (l1, psnr): mean absolute error in [-1, 1] units; PSNR in dB on [0, 1] images.
    """
    precision = precision or Precision()
    was_training = generator.training
    generator.eval()
    totals, count = torch.zeros(2, device=device), 0  # summed on the device: no wait per batch
    for input_image, target_image in loader:
        input_image, target_image = input_image.to(device), target_image.to(device)
        with precision.autocast():
            fake_image = generator(input_image).float()
        error = (fake_image - target_image).flatten(1)  # (B, 3*H*W)
        # PSNR = 10 log10(MAX^2 / MSE) with MAX = 1 on [0, 1] images, i.e. error / 2
        mse = (error / 2).pow(2).mean(1).clamp_min(1e-10)
        totals += torch.stack([error.abs().mean(1).sum(), (10 * torch.log10(1 / mse)).sum()])
        count += len(input_image)
    generator.train(was_training)
    total_l1, total_psnr = totals.tolist()
    return total_l1 / count, total_psnr / count


# -----------------------------------------------------------------------------
# The trained generator, for inference


def load_trained_generator(path, device="cpu"):
    """A trained G, ready for inference, from a run folder or its ``generator.pt``.

    ``generator.pt`` is a plain ``state_dict`` of :class:`UNetGenerator`; the run folder's
    ``config.json`` says which ngf, size and norm built it.

    Args:
        path: a run folder (``--out``) or a ``generator.pt`` inside one.
        device: where to put G.

    Returns:
        A :class:`UNetGenerator` in eval mode.
    """
    path = Path(path)
    run_dir, weights = (path, path / GENERATOR_NAME) if path.is_dir() else (path.parent, path)
    config = TrainConfig(**json.loads((run_dir / "config.json").read_text()))
    generator = UNetGenerator(config.generator_config())
    generator.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True),
                              strict=True)
    return generator.to(device).eval()


# -----------------------------------------------------------------------------
# Processes, devices, loaders


@dataclass
class Distributed:
    """Which process this is: rank 0 of 1 without torchrun."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self):
        return self.rank == 0


def setup_distributed(requested_device):
    """Join the process group when started by ``torchrun`` (it sets WORLD_SIZE and friends).

    Returns:
        (Distributed, torch.device): NCCL and one GPU per process on CUDA, gloo on CPU.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Distributed(), pick_device(requested_device)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(requested_device)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Distributed(rank, world_size, local_rank), device


def ignore_sigint(_worker_id):
    """DataLoader workers leave Ctrl+C to the main process, which saves and shuts them down."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_loaders(config, ranks, device):
    """The training loader (shuffled per epoch, split between processes) and the val loader."""
    # with a cache to write, rank 0 writes it while the other processes wait, then they read it
    rank_0_first = config.cache and ranks.world_size > 1
    if rank_0_first and not ranks.is_main:
        dist.barrier()
    train_set = PairedFolderDataset(config.data_root, "train", config.image_size, augment=True,
                                    limit=config.train_limit, seed=config.seed,
                                    cache=config.cache)
    val_set = PairedFolderDataset(config.data_root, "val", config.image_size, augment=False,
                                  limit=config.val_limit, cache=config.cache)
    if rank_0_first and ranks.is_main:
        dist.barrier()
    if len(train_set) < config.batch_size * ranks.world_size:
        raise ValueError(f"{len(train_set)} training pairs are fewer than one batch of "
                         f"{config.batch_size} per process: lower --batch-size or add pairs")
    # Also used without torchrun (one replica): the shuffle then depends only on (seed, epoch),
    # which is what makes a resumed run see the same batches as an uninterrupted one.
    sampler = DistributedSampler(train_set, num_replicas=ranks.world_size, rank=ranks.rank,
                                 shuffle=True, seed=config.seed)
    workers = config.workers
    # Loaders get their own random generator: creating an iterator then leaves the global
    # state alone, so dropout draws the same masks in a resumed run as in an uninterrupted one.
    # Workers are not persistent: each epoch starts new ones with a fresh copy of the dataset,
    # whose set_epoch() has just chosen that epoch's crops; kept-alive workers would hold on to
    # the first epoch's copy and crop every epoch the same way.
    options = dict(num_workers=workers, pin_memory=device.type == "cuda",
                   worker_init_fn=ignore_sigint,
                   generator=torch.Generator().manual_seed(config.seed))
    if workers > 0:
        options["prefetch_factor"] = 4  # keep a few batches ready while the GPU works
    train_loader = DataLoader(train_set, batch_size=config.batch_size, sampler=sampler,
                              drop_last=True, **options)
    val_loader = DataLoader(val_set, batch_size=config.batch_size, shuffle=False, **options)
    return train_loader, val_loader


def build_models(config, device, ranks):
    """G and D, initialised as in the paper, optionally channels_last and DDP-wrapped."""
    generator = init_weights(UNetGenerator(config.generator_config())).to(device)
    discriminator = init_weights(PatchGANDiscriminator(config.discriminator_config())).to(device)
    if device.type == "cuda":
        # NHWC is the layout tensor cores read fastest; cuDNN picks its kernels once per shape
        generator = generator.to(memory_format=torch.channels_last)
        discriminator = discriminator.to(memory_format=torch.channels_last)
        torch.backends.cudnn.benchmark = True
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=config.lr,
                                   betas=(config.beta1, config.beta2))
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr,
                                   betas=(config.beta1, config.beta2))
    if ranks.world_size > 1:
        device_ids = [device.index] if device.type == "cuda" else None
        generator = DistributedDataParallel(generator, device_ids=device_ids)
        discriminator = DistributedDataParallel(discriminator, device_ids=device_ids)
    return (generator, discriminator), (optimizer_g, optimizer_d)


def learning_rate(config, epoch):
    """The lr of 0-based ``epoch``: constant, or with ``lr_decay`` the official linear decay
    to zero over the second half of the run (pix2pix's n_epochs = n_epochs_decay)."""
    if not config.lr_decay:
        return config.lr
    constant = config.epochs // 2
    decay = config.epochs - constant
    return config.lr * (1.0 - max(0, epoch + 1 - constant) / (decay + 1))


def milestone_epochs(epochs):
    """Epochs with a sample grid: 10/25/50/75/100 of 100, scaled to shorter runs."""
    return sorted({max(1, round(f * epochs)) for f in MILESTONE_FRACTIONS})


# -----------------------------------------------------------------------------
# Ctrl+C


class StopRequest:
    """Turns the first Ctrl+C into a request honoured between two steps.

    Stopping in the middle of an optimizer step could save weights half-updated; a flag checked
    after each step cannot. A second Ctrl+C stops at once, without saving.
    """

    def __init__(self):
        self.requested = False
        self.previous = None

    def __enter__(self):
        try:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: leave Ctrl+C as it is
            self.previous = None
        return self

    def _handle(self, _signum, _frame):
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        tqdm.write("\nCtrl+C: finishing this step, then saving a checkpoint "
                   "(press Ctrl+C again to quit without saving)")

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False

    def agreed(self, ranks, device):
        """True on every process when any process was interrupted (they must stop together)."""
        if ranks.world_size == 1:
            return self.requested
        flag = torch.tensor([float(self.requested)], device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())


# -----------------------------------------------------------------------------
# The loop


class FitResult(NamedTuple):
    """How :func:`fit` ended."""

    status: str  # "finished" or "interrupted"
    epochs_done: int
    records: list  # the log's rows written by this call


def check_finite(totals, epoch, step):
    """Stop the run, before anything is saved, if a loss is NaN or infinite."""
    values = totals.tolist()
    if not all(math.isfinite(v) for v in values):
        raise TrainingDiverged(
            f"a loss became NaN or infinite in epoch {epoch}, step {step} "
            f"(loss_D, loss_G_GAN, L1 sums: {values}). The checkpoint on disk is from "
            "before this epoch. Resume with --resume and a lower --lr, or check the data.")


def readable(seconds):
    """A duration as a person reads it: "40 s", "12.5 min", "3.2 h"."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def run_epoch(epoch, models, optimizers, loader, config, precision, device, ranks, stop,
              preflight):
    """Train one epoch. Returns (sums of loss_D, loss_G_GAN, L1, steps run, finished?)."""
    generator, discriminator = models
    totals = torch.zeros(3, device=device)
    memory_format = torch.channels_last if device.type == "cuda" else torch.contiguous_format
    bar = tqdm(loader, desc=f"epoch {epoch + 1}/{config.epochs}", disable=not ranks.is_main,
               dynamic_ncols=True, leave=False)
    steps, started = 0, time.perf_counter()
    for input_image, target_image in bar:
        input_image = input_image.to(device, non_blocking=True, memory_format=memory_format)
        target_image = target_image.to(device, non_blocking=True, memory_format=memory_format)
        losses = train_step(generator, discriminator, *optimizers, input_image, target_image,
                            config.lambda_l1, precision)
        totals += torch.stack(losses).float()
        steps += 1
        if steps == 1:
            started = time.perf_counter()  # step 1 pays for cuDNN autotuning: time from here
        if steps % config.log_every == 0 or steps == len(loader):
            check_finite(totals, epoch + 1, steps)
            means = (totals / steps).tolist()
            bar.set_postfix(loss_D=f"{means[0]:.3f}", loss_G_GAN=f"{means[1]:.3f}",
                            L1=f"{means[2]:.3f}")
        if preflight and steps == config.preflight_steps + 1 and ranks.is_main:
            totals.tolist()  # wait for the GPU before reading the clock
            per_step = (time.perf_counter() - started) / config.preflight_steps
            epoch_s = per_step * len(loader)
            left = epoch_s * (config.epochs - epoch)
            tqdm.write(f"preflight: {per_step:.3f} s/step -> about {readable(epoch_s)} per "
                       f"epoch ({len(loader)} steps), {readable(left)} for the "
                       f"{config.epochs - epoch} epochs left")
        if (ranks.world_size == 1 or steps % config.log_every == 0) and \
                stop.agreed(ranks, device):
            break
    bar.close()
    check_finite(totals, epoch + 1, steps)
    return totals, steps, steps == len(loader)


def fit(config, resume=False):
    """Train G and D on ``config.data_root``, writing everything into ``config.out_dir``.

    Files: ``checkpoint.pt`` (every epoch), ``generator.pt`` (at the end, at Ctrl+C and at
    milestones as ``generator_epoch_N.pt``), ``config.json``, ``log.jsonl``,
    ``exercise3_epoch_N.png`` and ``exercise3_losses.png``. Only rank 0 writes.

    Args:
        config: a :class:`TrainConfig`.
        resume: continue from ``out_dir/checkpoint.pt``. An interrupted epoch restarts from
            its beginning, with the weights as they were when Ctrl+C was pressed.

    Returns:
        A :class:`FitResult`.

    Raises:
        FileExistsError: ``out_dir`` holds a checkpoint and ``resume`` is False.
        FileNotFoundError: ``resume`` but no checkpoint.
        TrainingDiverged: a loss became NaN; nothing was saved after it.
    """
    ranks, device = setup_distributed(config.device)
    out_dir = Path(config.out_dir)
    checkpoint_path = out_dir / CHECKPOINT_NAME
    if checkpoint_path.exists() and not resume:
        raise FileExistsError(f"{out_dir} already holds a run. Continue it with --resume, or "
                              "start a new one with --out NEW_FOLDER.")
    if resume and not checkpoint_path.exists():
        raise FileNotFoundError(f"--resume: no checkpoint at {checkpoint_path}. Check --out, "
                                "or drop --resume to start a new run there.")
    torch.manual_seed(config.seed + ranks.rank)
    np.random.seed(config.seed)
    random.seed(config.seed)

    precision = pick_precision(device)
    models, optimizers = build_models(config, device, ranks)
    train_loader, val_loader = make_loaders(config, ranks, device)
    start_epoch = 0
    if resume:
        start_epoch = load_for_resume(checkpoint_path, models, optimizers, precision, config)
        if ranks.rank > 0:  # rank 0's random state was saved; the others draw their own
            torch.manual_seed(config.seed + 1000 * start_epoch + ranks.rank)
    if ranks.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "config.json").write_text(json.dumps(asdict(config), indent=2))
    # a fixed set of val pairs for the milestone grids; read without a DataLoader, whose
    # iterator would draw from the random state that a resumed run must not disturb
    val_set = val_loader.dataset
    samples = [torch.stack(images) for images in
               zip(*(val_set[i] for i in range(min(config.num_samples, len(val_set)))))]
    milestones = milestone_epochs(config.epochs)
    records = []
    with StopRequest() as stop:
        for epoch in range(start_epoch, config.epochs):
            for optimizer in optimizers:
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(config, epoch)
            train_loader.sampler.set_epoch(epoch)
            train_loader.dataset.set_epoch(epoch)
            started = time.perf_counter()
            totals, steps, finished = run_epoch(epoch, models, optimizers, train_loader, config,
                                                precision, device, ranks, stop,
                                                preflight=epoch == start_epoch)
            if not finished:
                if ranks.is_main:
                    save_checkpoint(checkpoint_path, models, optimizers, precision, epoch,
                                    config)
                    atomic_save(plain_state_dict(models[0]), out_dir / GENERATOR_NAME)
                    tqdm.write(f"saved {checkpoint_path} and {out_dir / GENERATOR_NAME}; "
                               "continue with --resume")
                return FitResult("interrupted", epoch, records)
            if ranks.is_main:
                record = end_of_epoch(epoch + 1, totals, steps, started, models, optimizers,
                                      precision, config, val_loader, samples, milestones,
                                      device)
                records.append(record)
            if stop.agreed(ranks, device):  # Ctrl+C during the val pass: already saved
                if ranks.is_main:
                    atomic_save(plain_state_dict(models[0]), out_dir / GENERATOR_NAME)
                return FitResult("interrupted", epoch + 1, records)
    if ranks.world_size > 1:
        dist.barrier()
    return FitResult("finished", config.epochs, records)


def end_of_epoch(epoch, totals, steps, started, models, optimizers, precision, config,
                 val_loader, samples, milestones, device):
    """Rank 0's bookkeeping after ``epoch`` (1-based): metrics, log, checkpoint, figures."""
    out_dir = Path(config.out_dir)
    seconds = time.perf_counter() - started
    generator = getattr(models[0], "module", models[0])
    val_l1, val_psnr = evaluate(generator, val_loader, device, precision)
    loss_d, loss_g_gan, l1 = (totals / steps).tolist()
    record = {"epoch": epoch, "loss_D": loss_d, "loss_G_GAN": loss_g_gan, "L1": l1,
              "val_L1": val_l1, "val_PSNR": val_psnr,
              "images_per_s": steps * config.batch_size / seconds, "seconds": seconds,
              "lr": optimizers[0].param_groups[0]["lr"]}
    with open(out_dir / LOG_NAME, "a") as log:
        log.write(json.dumps(record) + "\n")
    save_checkpoint(out_dir / CHECKPOINT_NAME, models, optimizers, precision, epoch, config)
    tqdm.write(f"epoch {epoch:3d}/{config.epochs}  loss_D {loss_d:.3f}  loss_G_GAN "
               f"{loss_g_gan:.3f}  L1 {l1:.3f}  val L1 {val_l1:.3f}  val PSNR {val_psnr:.2f} dB"
               f"  {record['images_per_s']:.1f} img/s  {seconds:.0f} s")
    if epoch in milestones:  # the last epoch is always one
        generator.eval()
        with torch.no_grad(), precision.autocast():
            fake_images = generator(samples[0].to(device)).float().cpu()
        generator.train()
        save_sample_grid(samples[0], fake_images, samples[1],
                         out_dir / f"exercise3_epoch_{epoch}.png", title=f"epoch {epoch}")
        atomic_save(plain_state_dict(generator), out_dir / f"generator_epoch_{epoch}.pt")
        all_records = [json.loads(line) for line in (out_dir / LOG_NAME).read_text().split("\n")
                       if line]
        save_loss_curves(all_records, out_dir / "exercise3_losses.png")
    if epoch == config.epochs:
        atomic_save(plain_state_dict(generator), out_dir / GENERATOR_NAME)
    return record
