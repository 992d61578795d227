"""Exercise 3: train pix2pix from scratch -- sketches in, colour drawings out.

Goal: watch a U-Net generator and a PatchGAN discriminator learn together, read the numbers
that tell you whether it is working, and keep a run alive through crashes and Ctrl+C.

Command (from any directory):

    python exercises/exercise3_train.py --data synthetic --quick      # CPU, under a minute
    python exercises/exercise3_train.py --data synthetic --quick --epochs 60 --lr-decay  # 2 min
    python exercises/exercise3_train.py --data anime                  # GPU, the real exercise
    torchrun --nproc_per_node=4 exercises/exercise3_train.py --data anime   # 4 GPUs

``--data anime`` needs ``python preprocess_anime_sketches.py --download`` first.

Expected output: a preflight line with the projected time per epoch, a progress bar with
loss_D, loss_G_GAN and L1, then one line per epoch with the held-out L1 and PSNR. In the run
folder (``--out``, default ``runs/exercise3_<data>``): ``log.jsonl``, ``exercise3_losses.png``,
``exercise3_epoch_N.png`` (sketch / generated / target at epochs 10, 25, 50, 75 and 100),
``checkpoint.pt`` (every epoch) and ``generator.pt``.

Runtime: ``--quick`` well under a minute on a laptop CPU (22 s measured on a busy 2-core machine,
one thread). The anime set at 256x256 (14,224 pairs, batch 4: 3,556 steps per epoch) needs a GPU;
the preflight line prints the projected time per epoch on yours.

Using the trained generator afterwards (``generator.pt`` is a plain state_dict of
``UNetGenerator``; the run's ``config.json`` holds the sizes that built it):

    from pix2pix.train import load_trained_generator
    generator = load_trained_generator("runs/exercise3_anime")        # strict=True inside
    # or by hand:
    # config = TrainConfig(**json.load(open("runs/exercise3_anime/config.json")))
    # generator = UNetGenerator(config.generator_config())
    # generator.load_state_dict(torch.load(".../generator.pt", weights_only=True), strict=True)
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from any directory

from pix2pix.anime import PROCESSED_DIR  # noqa: E402
from pix2pix.device import pick_device  # noqa: E402
from pix2pix.paths import PROJECT_ROOT  # noqa: E402
from pix2pix.synthetic import SYNTHETIC_DIR, write_synthetic_dataset  # noqa: E402
from pix2pix.train import TrainConfig, TrainingDiverged, fit, milestone_epochs  # noqa: E402

# -----------------------------------------------------------------------------
# Settings you can change (each is also a flag; the defaults are the course's)

EPOCHS = 100
BATCH_SIZE = 4
LEARNING_RATE = 2e-4  # Adam, betas (0.5, 0.999), as in the paper
LAMBDA_L1 = 100.0  # weight of L1 against the adversarial loss
IMAGE_SIZE = 256
NGF = 64  # generator width; 64 is the paper's unet_256
# loader processes: one core stays with the training loop; more processes than cores only
# slow a laptop down, and a GPU near 1,500 images/s needs about eight (docs/performance.rst)
WORKERS = min(8, max(1, (os.cpu_count() or 2) - 1))

# --quick: a tiny subset at 64x64 with narrow networks, so CI and laptops finish in a minute
QUICK = dict(epochs=4, image_size=64, ngf=16, ndf=16, train_limit=160, val_limit=16)
SYNTHETIC_PAIRS = (400, 40)  # train, val


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Exercise 3: train pix2pix from scratch.")
    parser.add_argument("--data", default="anime",
                        help="'anime' (anime_processed/), 'synthetic' (shapes, drawn on first "
                             "use) or a folder with {train,val}/{sketches,colors}/ "
                             "(default: anime)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny subset, 64x64, narrow networks, 4 epochs (CI, laptops)")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"(default: {EPOCHS}; quick: {QUICK['epochs']})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help=f"pairs per step and process (default: {BATCH_SIZE})")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE,
                        help=f"Adam learning rate (default: {LEARNING_RATE})")
    parser.add_argument("--lambda-l1", type=float, default=LAMBDA_L1,
                        help=f"weight of the L1 term (default: {LAMBDA_L1})")
    parser.add_argument("--lr-decay", action="store_true",
                        help="official schedule: linear decay to 0 over the second half "
                             "(default: constant lr)")
    parser.add_argument("--ngf", type=int, default=None,
                        help=f"generator width (default: {NGF}; quick: {QUICK['ngf']})")
    parser.add_argument("--norm", default="batch", choices=["batch", "instance", "none"],
                        help="normalisation in G and D (default: batch)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument("--out", type=Path, default=None,
                        help="run folder (default: runs/exercise3_<data>, _quick with --quick)")
    parser.add_argument("--device", default="auto",
                        help="auto, cpu, cuda, cuda:1 or mps (default: auto)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help=f"DataLoader worker processes (default: {WORKERS}: one per core "
                             "but one, up to 8)")
    parser.add_argument("--cache", action="store_true",
                        help="decode the PNGs once into a uint8 file per split (about 0.5 MB "
                             "per pair at 256x256, 8.4 GB for the anime set) so that a fast "
                             "GPU does not wait for the loader (default: off)")
    return parser.parse_args(argv)


# -----------------------------------------------------------------------------
# 1. The data: prepared anime pairs, the synthetic shapes, or your own folder


def find_data(args, image_size):
    """The folder to train on; exits with the command that prepares it when it is missing."""
    if args.data == "synthetic":
        num_train, num_val = SYNTHETIC_PAIRS
        # drawn at the training size: no resize blur, and small files load fast
        return write_synthetic_dataset(SYNTHETIC_DIR / f"{image_size}px", num_train, num_val,
                                       size=image_size)
    root = PROCESSED_DIR if args.data == "anime" else Path(args.data)
    if not (root / "train" / "sketches").is_dir() or not (root / "val" / "sketches").is_dir():
        sys.exit(f"No prepared pairs in {root}.\n"
                 "Prepare the anime set: python preprocess_anime_sketches.py --download\n"
                 "or train without a GPU or Kaggle account: "
                 "python exercises/exercise3_train.py --data synthetic --quick")
    return root


# -----------------------------------------------------------------------------
# 2. The run's settings


def make_config(args):
    settings = dict(QUICK) if args.quick else dict(epochs=EPOCHS, image_size=IMAGE_SIZE, ngf=NGF,
                                                   ndf=64)
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    if args.ngf is not None:
        settings["ngf"] = args.ngf
    data_name = args.data if args.data in ("anime", "synthetic") else Path(args.data).name
    run_name = f"exercise3_{data_name}" + ("_quick" if args.quick else "")
    out = args.out or PROJECT_ROOT / "runs" / run_name
    return TrainConfig(data_root=str(find_data(args, settings["image_size"])), out_dir=str(out),
                       batch_size=args.batch_size, lr=args.lr, lambda_l1=args.lambda_l1,
                       lr_decay=args.lr_decay, norm=args.norm, workers=args.workers,
                       cache=args.cache, seed=args.seed, device=args.device, **settings)


# -----------------------------------------------------------------------------
# 3. Train, and say what to look at


def main(argv=None):
    args = parse_args(argv)
    try:
        pick_device(args.device)
    except RuntimeError as error:
        sys.exit(f"error: {error}")
    config = make_config(args)
    is_main = os.environ.get("RANK", "0") == "0"  # under torchrun, one process talks
    if is_main:
        print(f"data: {config.data_root}\nrun folder: {config.out_dir}\n"
              f"{config.epochs} epochs at {config.image_size}x{config.image_size}, batch "
              f"{config.batch_size}, lr {config.lr}, lambda_L1 {config.lambda_l1}; sample grids "
              f"at epochs {milestone_epochs(config.epochs)}")
    try:
        result = fit(config, resume=args.resume)
    except (FileExistsError, FileNotFoundError, ValueError, TrainingDiverged) as error:
        sys.exit(f"error: {error}")
    if result.status == "interrupted":
        if is_main:
            flags = [f for f in (sys.argv[1:] if argv is None else argv) if f != "--resume"]
            print(f"stopped after {result.epochs_done} complete epochs. Continue with:\n"
                  f"  python exercises/exercise3_train.py {' '.join(flags)} --resume")
        sys.exit(130)  # the shell's code for "stopped by Ctrl+C"
    if result.records:
        first, last = result.records[0], result.records[-1]
        print(f"held-out L1 {first['val_L1']:.3f} -> {last['val_L1']:.3f}, PSNR "
              f"{first['val_PSNR']:.1f} -> {last['val_PSNR']:.1f} dB. Look at "
              f"{config.out_dir}/exercise3_epoch_{config.epochs}.png and exercise3_losses.png")


if __name__ == "__main__":
    main()
