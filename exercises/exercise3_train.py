"""Exercise 3: train pix2pix from scratch -- sketches in, colour drawings out.

Goal: watch a U-Net generator and a PatchGAN discriminator learn together, read the numbers
that tell you whether it is working, and keep a run alive through crashes and Ctrl+C.

Command (from any directory):

    python exercises/exercise3_train.py --data synthetic --quick      # CPU, 2 minutes at most
    python exercises/exercise3_train.py --data openmoji --quick       # real drawings, a minute
    python exercises/exercise3_train.py --data openmoji --image-size 128 --ngf 16 --ndf 16 \
        --batch-size 16 --epochs 25                                   # a laptop run, 21-39 min
    python exercises/exercise3_train.py --data synthetic --quick --epochs 60   # 5 minutes
    python exercises/exercise3_train.py --data anime                  # GPU, the real exercise
    torchrun --nproc_per_node=4 exercises/exercise3_train.py --data anime   # 4 GPUs
    python exercises/exercise3_train.py --data synthetic --quick --objective l1   # an ablation
    python exercises/exercise3_train.py --data datasets/facades --direction BtoA   # your pairs
    python exercises/exercise3_train.py --resume --out runs/exercise3_synthetic_quick --epochs 8

``--data anime`` needs ``python preprocess_anime_sketches.py --download`` first. ``--data
openmoji`` needs nothing more than ``pip install -r requirements.txt``: its pairs (OpenMoji's
line art and colour drawings, CC BY-SA 4.0) are rendered on first use, in seconds. ``--data PATH``
reads any of three layouts of pairs: this course's ``{train,val}/{sketches,colors}/``, the
official aligned one (``{train,val}/`` of A|B side by side), or ``A/`` and ``B/`` matched by name.

Expected output: a preflight line with the projected time per epoch, a progress bar with
loss_D, loss_G_GAN and loss_G_L1, then one line per epoch with the held-out L1 and PSNR. In the run
folder (``--out``, default ``runs/exercise3_<data>``): ``log.jsonl``, ``exercise3_losses.png``,
``exercise3_epoch_N.png`` (sketch / generated / target at epochs 10, 25, 50, 75 and 100),
``checkpoint.pt`` (every epoch), ``generator.pt`` and ``config.json``.

Runtime: ``--quick`` (160 steps) takes about half a minute on a laptop CPU and two minutes at
most on a busy one (15 to 78 s measured on a shared 2-core machine, with and without other work;
``benchmarks/bench_quick_run.py`` measures yours); ``--epochs 60`` about 5 minutes.
``--data openmoji --quick`` trains 2 epochs over all 3,711 training pairs at 64x64
(batch 16, ngf and ndf 16): 44 s on an idle 2-core CPU, rendering the set (9 s) included. The
laptop run above: 51 s an epoch on the same CPU at 128x128, 21 minutes for 25 epochs; 38.5
minutes measured on the same CPU busy with other work. The anime set at 256x256
(14,224 pairs, batch 4: 3,556 steps per epoch) needs a GPU; the preflight line prints the
projected time per epoch on yours.

Using the trained generator afterwards: ``pix2pix.checkpoints.load_trained_generator(RUN_FOLDER)``
rebuilds G from the run's ``config.json`` and loads ``generator.pt`` strictly.
"""

# %% [markdown]
# ## On a cloud GPU
#
# With a GPU, this notebook trains on the anime sketches, the real exercise. The cell below keeps
# the run folder on your Google Drive in Colab, so that the run survives a disconnect, and gets
# the data with your Kaggle token (`KAGGLE_USERNAME` and `KAGGLE_KEY`, `~/.kaggle/kaggle.json`,
# or in Colab a `kaggle.json` you upload). Without a GPU, it trains on the synthetic shapes.

# %% tags=["active-ipynb"]
# import sys
# from pix2pix import notebook
# from pix2pix.datasets.anime import PROCESSED_DIR
# ON_GPU = notebook.report_gpu()
# RUN_FOLDER = notebook.runs_folder() / "exercise3_anime" if ON_GPU else None
# if ON_GPU and not (PROCESSED_DIR / "val" / "colors").is_dir():  # a fresh machine
#     notebook.find_kaggle_token()  # the questions first, then minutes of downloading
#     !{sys.executable} preprocess_anime_sketches.py --download

# %%
import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from pix2pix.checkpoints import CONFIG_NAME, read_config
from pix2pix.config import DIRECTIONS, GENERATORS, IMAGE_CHANNELS, NORMS, OBJECTIVES, TrainConfig
from pix2pix.data import describe, find_pairs
from pix2pix.datasets.anime import PROCESSED_DIR
from pix2pix.datasets.openmoji import held_out_sample, write_openmoji_dataset
from pix2pix.datasets.synthetic import SYNTHETIC_DIR, write_synthetic_dataset
from pix2pix.distributed import setup_distributed
from pix2pix.errors import FixableError, run_script
from pix2pix.models import PATCH_SIZES
from pix2pix.paths import PROJECT_ROOT, check_writable
from pix2pix.train import fit, milestone_epochs, readable

# %%
# -----------------------------------------------------------------------------
# Settings you can change (each is also a flag; the others' defaults are TrainConfig's, the
# paper's: 100 epochs, batch 4, Adam lr 2e-4 with betas (0.5, 0.999), lambda 100, 256x256)

DEFAULTS = TrainConfig()
# loader processes: one core stays with the training loop; more processes than cores only
# slow a laptop down, and a GPU near 1,500 images/s needs about eight (docs/performance.rst)
WORKERS = min(8, max(1, (os.cpu_count() or 2) - 1))
# --quick: a tiny subset at 64x64 with narrow networks, so a laptop (or a test) finishes quickly;
# a 16x16 PatchGAN, which is to 64x64 images what the paper's 70x70 is to 256x256
QUICK = dict(epochs=4, image_size=64, ngf=16, ndf=16, patch_size=16, train_limit=160,
             val_limit=16)
# --quick on OpenMoji: every training drawing (the first 160 by name are all keycaps and arrows),
# in batches of 16, which a CPU runs twice as fast per image as batches of 4; under 2 minutes
QUICK_OPENMOJI = dict(QUICK, epochs=2, batch_size=16, train_limit=None, val_limit=None)
# Runs this small train on one CPU thread: their layers are too small to share out, and on a busy
# machine a thread that loses its core stalls the others at every layer (a loaded 2-core machine:
# 0.15 s per step on one thread, 0.85 s on two; benchmarks/bench_quick_run.py measures yours).
SMALL_RUN_THREADS = 1
SYNTHETIC_PAIRS = (400, 40)  # train, val
OPENMOJI_SAMPLES = 8  # held-out drawings in the grids, one category after another
IMAGE_SIZES = (64, 128, 256, 512)  # the U-Net halves each down to 1x1: 6 to 9 levels


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 1. The data: prepared anime pairs, OpenMoji's drawings, the synthetic shapes, or your own
#
# A pair is two pictures, A and B; `--direction` says which one G reads. The course's sets keep
# them in `train/` and `val/`, each with `sketches/` (A) and `colors/` (B) under the same file
# names; OpenMoji's artists drew each emoji as line art and in colour: real pairs, small enough
# for a laptop. Your own folder may also be in the official aligned layout (A|B side by side, as the
# pix2pix datasets: facades' labels are its B, so label -> photo is `--direction BtoA`) or two
# folders `A/` and `B/`. The run prints one line saying which layout it found and how it reads it.

# %%
def draw_synthetic(image_size):
    """The shapes, drawn on first use at the training size: no resize blur, small files."""
    return write_synthetic_dataset(SYNTHETIC_DIR / f"{image_size}px", *SYNTHETIC_PAIRS,
                                   size=image_size)


def prepared_anime(image_size):
    """The anime pairs that preprocess_anime_sketches.py prepares."""
    if not (PROCESSED_DIR / "val" / "colors").is_dir():
        raise FixableError(
            f"No prepared pairs in {PROCESSED_DIR}.\nPrepare the anime set: python "
            "preprocess_anime_sketches.py --download\nor train without a GPU or Kaggle account: "
            "python exercises/exercise3_train.py --data synthetic --quick")
    return PROCESSED_DIR


def rendered_openmoji(image_size):
    """OpenMoji's pairs, rendered on first use at the training size; flags left out, split by
    drawing (:mod:`pix2pix.datasets.openmoji`)."""
    return write_openmoji_dataset(size=image_size)


# --data NAME: each takes the training size and returns the folder of the pairs
NAMED_DATA = {"anime": prepared_anime, "openmoji": rendered_openmoji, "synthetic": draw_synthetic}


def find_data(data, config, input_nc=None, output_nc=None):
    """The pairs to train on, read as the run's settings say: a named set or a folder in any
    layout; the channels as given, or as the files store them when None."""
    root = NAMED_DATA[data](config.image_size) if data in NAMED_DATA else Path(data)
    return find_pairs(root, config.direction, input_nc, output_nc, config.load_size)


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 2. The run's settings
#
# The flags become a `TrainConfig`, which checks every setting before any data is read.
# `--quick` shrinks the run to half a minute on a CPU: 64x64, narrow networks, a 16x16 PatchGAN,
# 4 epochs.

# %%
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Exercise 3: train pix2pix from scratch.")
    parser.add_argument("--data", default=None,
                        help="'anime' (anime_processed/), 'openmoji' (OpenMoji's drawings) or "
                             "'synthetic' (shapes), both drawn on first use, or a folder of pairs: "
                             "{train,val}/{sketches,colors}/, {train,val}/ of A|B side by side, "
                             "or A/ and B/ (default: anime; with --resume, the run's)")
    parser.add_argument("--direction", choices=DIRECTIONS, default=None,
                        help="AtoB: G reads A (sketches/, the left half, A/) and draws B; BtoA "
                             "the other way: facades' label -> photo is BtoA "
                             f"(default: {DEFAULTS.direction})")
    parser.add_argument("--input-nc", type=int, choices=IMAGE_CHANNELS, default=None,
                        help="channels of x: 1 (grey) or 3 (default: as its files store them)")
    parser.add_argument("--output-nc", type=int, choices=IMAGE_CHANNELS, default=None,
                        help="channels of y: 1 (grey) or 3 (default: as its files store them)")
    parser.add_argument("--quick", action="store_true",
                        help="64x64, narrow networks, 16x16 patches: 4 epochs on a tiny subset, "
                             "or on openmoji 2 epochs on every pair in batches of 16 (laptops, "
                             "the tests)")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"(default: {DEFAULTS.epochs}; quick: {QUICK['epochs']}, on openmoji "
                             f"{QUICK_OPENMOJI['epochs']})")
    parser.add_argument("--image-size", type=int, choices=IMAGE_SIZES, default=None,
                        help="side of the training crops (the short side when the pictures are "
                             f"not square) (default: {DEFAULTS.image_size}; quick: "
                             f"{QUICK['image_size']})")
    parser.add_argument("--load-size", type=int, default=None,
                        help="resize to this before the random crop (default: the paper's 286 "
                             "for 256, in proportion at other sizes)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help=f"pairs per step and process (default: {DEFAULTS.batch_size}; "
                             f"quick on openmoji: {QUICK_OPENMOJI['batch_size']})")
    parser.add_argument("--lr", type=float, default=None,
                        help=f"Adam learning rate (default: {DEFAULTS.lr})")
    parser.add_argument("--lambda-l1", type=float, default=None,
                        help=f"weight of the L1 term (default: {DEFAULTS.lambda_l1:g})")
    parser.add_argument("--lr-decay", action=argparse.BooleanOptionalAction, default=None,
                        help="the official schedule: constant for the first half of the epochs, "
                             "then linear to 0; --no-lr-decay keeps it constant (default: on)")
    parser.add_argument("--objective", choices=OBJECTIVES, default=None,
                        help="what G minimises (paper, table 1): l1 alone, the conditional GAN "
                             "alone, both, or with an unconditional D "
                             f"(default: {DEFAULTS.objective})")
    parser.add_argument("--generator", choices=GENERATORS, default=None,
                        help=f"U-Net, or the same network without skips (paper, figure 5) "
                             f"(default: {DEFAULTS.generator})")
    parser.add_argument("--patch", type=int, choices=PATCH_SIZES, default=None,
                        help="D's receptive field in pixels: 1 (PixelGAN) to 286 (ImageGAN) "
                             f"(paper, table 3) (default: {DEFAULTS.patch_size}; quick: "
                             f"{QUICK['patch_size']})")
    parser.add_argument("--ngf", type=int, default=None,
                        help=f"generator width (default: {DEFAULTS.ngf}; quick: {QUICK['ngf']})")
    parser.add_argument("--ndf", type=int, default=None,
                        help=f"discriminator width (default: {DEFAULTS.ndf}; quick: "
                             f"{QUICK['ndf']})")
    parser.add_argument("--norm", default=None, choices=NORMS,
                        help=f"normalisation in G and D (default: {DEFAULTS.norm})")
    parser.add_argument("--seed", type=int, default=None,
                        help=f"random seed (default: {DEFAULTS.seed})")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out, with the settings in its config.json")
    parser.add_argument("--out", type=Path, default=None,
                        help="run folder (default: runs/exercise3_<data>, _quick with --quick)")
    # the machine: these may differ when a run is resumed elsewhere
    parser.add_argument("--device", default=DEFAULTS.device,
                        help="auto, cpu, cuda, cuda:1 or mps (default: auto)")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help=f"DataLoader worker processes (default: {WORKERS}: one per core "
                             "but one, up to 8)")
    parser.add_argument("--cache", action="store_true",
                        help="decode the PNGs once into a uint8 file per split (about 0.5 MB "
                             "per pair at 256x256, 8.4 GB for the anime set) so that a fast "
                             "GPU does not wait for the loader (default: off)")
    return parser.parse_args(argv)


# each flag that sets a TrainConfig field, by the name argparse gives it
SETTING_FLAGS = dict(epochs="epochs", batch_size="batch_size", lr="lr", lambda_l1="lambda_l1",
                     lr_decay="lr_decay", objective="objective", generator="generator",
                     patch="patch_size", ngf="ngf", ndf="ndf", norm="norm", seed="seed",
                     image_size="image_size", load_size="load_size", direction="direction")


def make_config(args):
    """The TrainConfig of the flags (the paper's settings, or --quick's, plus what was given)
    and the pairs it trains on, as :func:`pix2pix.data.find_pairs` found them.

    With ``--resume`` the run's own ``config.json`` stands in for the defaults, so no flag needs
    typing again; a flag given that changes a setting is refused when the run starts
    (:func:`pix2pix.checkpoints.check_same_settings`).
    """
    data_name = Path(args.data or "anime").name
    out = args.out or PROJECT_ROOT / "runs" / (f"exercise3_{data_name}" +
                                               ("_quick" if args.quick else ""))
    if args.resume and not (out / CONFIG_NAME).is_file():
        raise FixableError(f"--resume: {out} holds no run to continue (no {CONFIG_NAME}). Give "
                           "the run's folder, e.g. --out runs/exercise3_synthetic_quick, or "
                           "drop --resume to start a new run.")
    start = read_config(out) if args.resume else TrainConfig()
    quick = dict(QUICK_OPENMOJI if args.data == "openmoji" else QUICK) if args.quick else {}
    if args.resume:
        quick.pop("epochs", None)  # a resumed quick run keeps its own epochs
    given = {field: getattr(args, flag) for flag, field in SETTING_FLAGS.items()
             if getattr(args, flag) is not None}
    config = replace(start, **{**quick, **given}, out_dir=str(out), workers=args.workers,
                     cache=args.cache, device=args.device)  # checks every setting
    check_writable(config.out_dir)  # a run folder under a file, or on a read-only disk
    data = args.data or ("anime" if not args.resume else config.data_root)
    # the channels as given; on --resume as the run read them; else as the files store them
    input_nc, output_nc = ((config.input_nc, config.output_nc) if args.resume else (None, None))
    pairs = find_data(data, config, args.input_nc or input_nc, args.output_nc or output_nc)
    # config.json keeps the channels, found in the files or given, for resume and translate.py
    config = replace(config, data_root=str(pairs.root.resolve()), input_nc=pairs.input_nc,
                     output_nc=pairs.output_nc)
    if data == "openmoji":  # the grids show faces, animals, food ..., not the first keycaps
        config = replace(config, num_samples=OPENMOJI_SAMPLES,
                         sample_names=tuple(held_out_sample(pairs.root, OPENMOJI_SAMPLES)))
    return config, pairs


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 3. Train, and say what to look at
#
# `fit` runs `Pix2Pix.train_step` (pix2pix/step.py: (1) update D, (2) update G) on every batch.
# It prints a preflight line with the projected time per epoch, a progress bar with `loss_D`,
# `loss_G_GAN` and `loss_G_L1`, and one line per epoch with the held-out L1 and PSNR: the numbers
# that say whether G generalises (the page's glossary says what each means).

# %%
def main(argv=None):
    started = time.perf_counter()
    args = parse_args(argv)
    # which device, and which process of several under torchrun: decided once, here; a wrong
    # --device stops before any data is drawn
    ranks, device = setup_distributed(args.device)
    config, pairs = make_config(args)
    if device.type == "cpu" and config.image_size <= QUICK["image_size"]:
        torch.set_num_threads(SMALL_RUN_THREADS)
    is_main = ranks.is_main  # under torchrun, one process talks
    if is_main:
        print(f"data: {describe(pairs, config.image_size)}\nrun folder: {config.out_dir}\n"
              f"device: {device}\n{config.epochs} epochs, batch {config.batch_size}, ngf "
              f"{config.ngf}, ndf {config.ndf}, lr {config.lr}, objective {config.objective} "
              f"(lambda_L1 {config.l1_weight:g}), {config.generator}, {config.patch_size}x"
              f"{config.patch_size} patches; sample grids at epochs "
              f"{milestone_epochs(config.epochs)}")
    result = fit(config, resume=args.resume, placement=(ranks, device))
    if result.status == "interrupted":
        if is_main:
            flags = [f for f in (sys.argv[1:] if argv is None else argv) if f != "--resume"]
            print(f"stopped after {result.epochs_done} complete epochs. Continue with:\n"
                  f"  python exercises/exercise3_train.py {' '.join(flags)} --resume")
        return 130  # the shell's code for "stopped by Ctrl+C"
    if result.records and is_main:
        first, last = result.records[0], result.records[-1]
        print(f"held-out L1 {first['val_L1']:.3f} -> {last['val_L1']:.3f}, PSNR "
              f"{first['val_PSNR']:.1f} -> {last['val_PSNR']:.1f} dB. Look at "
              f"{config.out_dir}/exercise3_epoch_{config.epochs}.png and exercise3_losses.png")
    if is_main:
        print(f"done in {readable(time.perf_counter() - started)}")
    return 0


# %% [markdown]
# ## In a notebook
#
# `FLAGS` are the command line's flags, as a list: add one of the page's "Modify" ideas, e.g.
# `"--lambda-l1", "1000"`, with an `--out` of its own. A run that stopped is continued
# (`--resume`): after a disconnect, run the notebook again from the top. A finished run only
# shows its figures.

# %% tags=["active-ipynb", "parameters"]
# if ON_GPU:
#     FLAGS = ["--data", "anime", "--out", str(RUN_FOLDER)]
# else:
#     FLAGS = ["--data", "synthetic", "--quick"]

# %% tags=["active-ipynb"]
# import time
# from pix2pix.checkpoints import CHECKPOINT_NAME
# config, _ = make_config(parse_args(FLAGS))
# run_folder, started = Path(config.out_dir), time.time()
# if notebook.epochs_done(run_folder) >= config.epochs:
#     print(f"{run_folder} has trained its {config.epochs} epochs; its figures are below. To "
#           "train it longer, raise --epochs; to train anew, give another --out.")
#     started = 0
# else:
#     if (run_folder / CHECKPOINT_NAME).exists():
#         FLAGS = [*FLAGS, "--resume"]  # stopped by a disconnect or Ctrl+C: continue it
#     main(FLAGS)
# notebook.show_figures(run_folder, "exercise3_*.png", since=started)

# %% tags=["active-py"]
if __name__ == "__main__":
    run_script(main)
