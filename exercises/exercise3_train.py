"""Exercise 3: train pix2pix from scratch -- sketches in, colour drawings out.

Goal: watch a U-Net generator and a PatchGAN discriminator learn together, read the numbers
that tell you whether it is working, and keep a run alive through crashes and Ctrl+C.

Command (from any directory):

    python exercises/exercise3_train.py --data synthetic --quick      # CPU, 2 minutes at most
    python exercises/exercise3_train.py --data synthetic --quick --epochs 60   # 5 minutes
    python exercises/exercise3_train.py --data anime                  # GPU, the real exercise
    torchrun --nproc_per_node=4 exercises/exercise3_train.py --data anime   # 4 GPUs
    python exercises/exercise3_train.py --data synthetic --quick --objective l1   # an ablation
    python exercises/exercise3_train.py --resume --out runs/exercise3_synthetic_quick --epochs 8

``--data anime`` needs ``python preprocess_anime_sketches.py --download`` first.

Expected output: a preflight line with the projected time per epoch, a progress bar with
loss_D, loss_G_GAN and L1, then one line per epoch with the held-out L1 and PSNR. In the run
folder (``--out``, default ``runs/exercise3_<data>``): ``log.jsonl``, ``exercise3_losses.png``,
``exercise3_epoch_N.png`` (sketch / generated / target at epochs 10, 25, 50, 75 and 100),
``checkpoint.pt`` (every epoch), ``generator.pt`` and ``config.json``.

Runtime: ``--quick`` (160 steps) takes about half a minute on a laptop CPU and two minutes at
most on a busy one (15 to 78 s measured on a shared 2-core machine, with and without other work;
``benchmarks/bench_quick_run.py`` measures yours); ``--epochs 60`` about 5 minutes. The anime
set at 256x256 (14,224 pairs, batch 4: 3,556 steps per epoch) needs a GPU; the preflight line
prints the projected time per epoch on yours.

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
from dataclasses import replace
from pathlib import Path

import torch

from pix2pix.checkpoints import CONFIG_NAME, read_config
from pix2pix.config import GENERATORS, NORMS, OBJECTIVES, TrainConfig
from pix2pix.data import SPLITS, pair_folders
from pix2pix.datasets.anime import PROCESSED_DIR
from pix2pix.datasets.synthetic import SYNTHETIC_DIR, write_synthetic_dataset
from pix2pix.device import pick_device
from pix2pix.errors import FixableError, run_script
from pix2pix.models import PATCH_SIZES
from pix2pix.paths import PROJECT_ROOT, check_writable
from pix2pix.train import fit, milestone_epochs

# %%
# -----------------------------------------------------------------------------
# Settings you can change (each is also a flag; the others' defaults are TrainConfig's, the
# paper's: 100 epochs, batch 4, Adam lr 2e-4 with betas (0.5, 0.999), lambda 100, 256x256)

DEFAULTS = TrainConfig()
# loader processes: one core stays with the training loop; more processes than cores only
# slow a laptop down, and a GPU near 1,500 images/s needs about eight (docs/performance.rst)
WORKERS = min(8, max(1, (os.cpu_count() or 2) - 1))
# --quick: a tiny subset at 64x64 with narrow networks, 160 steps, so a laptop (or a test)
# finishes in half a minute, two at most when busy
QUICK = dict(epochs=4, image_size=64, ngf=16, ndf=16, train_limit=160, val_limit=16)
# Runs this small train on one CPU thread: their layers are too small to share out, and on a busy
# machine a thread that loses its core stalls the others at every layer (a loaded 2-core machine:
# 0.15 s per step on one thread, 0.85 s on two; benchmarks/bench_quick_run.py measures yours).
SMALL_RUN_THREADS = 1
SYNTHETIC_PAIRS = (400, 40)  # train, val


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 1. The data: prepared anime pairs, the synthetic shapes, or your own folder
#
# Every source ends in the same paired layout: `train/` and `val/`, each with `sketches/` (the
# input x) and `colors/` (the target y) under the same file names.

# %%
def find_data(data, image_size):
    """The folder to train on; stops with the command that prepares it when it is missing."""
    if data == "synthetic":
        # drawn at the training size: no resize blur, and small files load fast
        return write_synthetic_dataset(SYNTHETIC_DIR / f"{image_size}px", *SYNTHETIC_PAIRS,
                                       size=image_size)
    root = PROCESSED_DIR if data == "anime" else Path(data)
    if not all(folder.is_dir() for split in SPLITS for folder in pair_folders(root, split)):
        raise FixableError(
            f"No prepared pairs in {root} (it needs train/ and val/, each with sketches/ and "
            "colors/).\nPrepare the anime set: python preprocess_anime_sketches.py --download\n"
            "or train without a GPU or Kaggle account: "
            "python exercises/exercise3_train.py --data synthetic --quick")
    return root


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 2. The run's settings
#
# The flags become a `TrainConfig`, which checks every setting before any data is read.
# `--quick` shrinks the run to half a minute on a CPU: 64x64, narrow networks, 4 epochs.

# %%
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Exercise 3: train pix2pix from scratch.")
    parser.add_argument("--data", default=None,
                        help="'anime' (anime_processed/), 'synthetic' (shapes, drawn on first "
                             "use) or a folder with {train,val}/{sketches,colors}/ "
                             "(default: anime; with --resume, the run's)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny subset, 64x64, narrow networks, 4 epochs (laptops, the tests)")
    # the settings of the run: the defaults of a new run, the run's config.json on --resume
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"(default: {DEFAULTS.epochs}; quick: {QUICK['epochs']})")
    parser.add_argument("--batch-size", type=int, default=None,
                        help=f"pairs per step and process (default: {DEFAULTS.batch_size})")
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
                             f"(paper, table 3) (default: {DEFAULTS.patch_size})")
    parser.add_argument("--ngf", type=int, default=None,
                        help=f"generator width (default: {DEFAULTS.ngf}; quick: {QUICK['ngf']})")
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
                     patch="patch_size", ngf="ngf", norm="norm", seed="seed")


def make_config(args):
    """The TrainConfig of the flags: the paper's settings, or --quick's, plus what was given.

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
    # a resumed quick run keeps its own epochs: --quick only restates the sizes
    quick = {k: v for k, v in QUICK.items() if k != "epochs" or not args.resume}
    given = {field: getattr(args, flag) for flag, field in SETTING_FLAGS.items()
             if getattr(args, flag) is not None}
    settings = {**(quick if args.quick else {}), **given}
    config = replace(start, **settings, out_dir=str(out), workers=args.workers,
                     cache=args.cache, device=args.device)  # checks every setting
    check_writable(config.out_dir)  # a run folder under a file, or on a read-only disk
    data = args.data or ("anime" if not args.resume else config.data_root)
    return replace(config, data_root=str(find_data(data, config.image_size).resolve()))


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 3. Train, and say what to look at
#
# `fit` prints a preflight line with the projected time per epoch, a progress bar with `loss_D`,
# `loss_G_GAN` and `L1`, and one line per epoch with the held-out L1 and PSNR: the numbers that
# say whether G generalises (the page's glossary says what each means).

# %%
def main(argv=None):
    args = parse_args(argv)
    device = pick_device(args.device)  # a wrong --device stops before any data is drawn
    config = make_config(args)  # fit() picks the same device from config.device
    if device.type == "cpu" and config.image_size <= QUICK["image_size"]:
        torch.set_num_threads(SMALL_RUN_THREADS)
    is_main = os.environ.get("RANK", "0") == "0"  # under torchrun, one process talks
    if is_main:
        print(f"data: {config.data_root}\nrun folder: {config.out_dir}\ndevice: {device}\n"
              f"{config.epochs} epochs at {config.image_size}x{config.image_size}, batch "
              f"{config.batch_size}, lr {config.lr}, objective {config.objective} (lambda_L1 "
              f"{config.l1_weight:g}), {config.generator}, {config.patch_size}x"
              f"{config.patch_size} patches; sample grids at epochs "
              f"{milestone_epochs(config.epochs)}")
    result = fit(config, resume=args.resume)
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
# config = make_config(parse_args(FLAGS))
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
