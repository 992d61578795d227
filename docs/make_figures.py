"""Write the figures of the course pages into docs/figures/: the instructor's one command.

Every figure is drawn by the project's own code from a real run of it, so a change to a model or
to a script shows up in the pages the next time this runs. The groups:

* always, in seconds: the U-Net diagram with the channel counts of ``UNetGenerator``, the
  PatchGAN receptive field measured on a real ``PatchGANDiscriminator``, both facade palettes and
  the sample labels of ``sample_facades/``;
* ``--training`` (about two minutes on a 2-core CPU): runs the Exercise 3 page's shapes command,
  ``exercises/exercise3_train.py --data synthetic --quick --epochs 60``, and copies
  its sample grids and loss curves;
* ``--with-weights``: the figures of the official pretrained generator; they need
  ``checkpoints/facades_label2photo.pth`` (``python download_pretrained.py``), and the pages
  say how to make them while they are missing.

Run from any directory:

    python docs/make_figures.py                              # the quick group
    python docs/make_figures.py --training --with-weights    # everything

Then rebuild the pages and commit the PNGs (each a few tens of kB).
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from pix2pix.diagrams import draw_first_filters, draw_patchgan, draw_unet
from pix2pix.errors import FixableError
from pix2pix.facades import read_label
from pix2pix.figures import save_image_grid, save_palette_legend
from pix2pix.models import PatchGANDiscriminator, UNetGenerator
from pix2pix.official import create_facades_generator
from pix2pix.paths import FACADES_CHECKPOINT, PROJECT_ROOT, SAMPLE_FACADES_DIR
from pix2pix.probes import feature_maps, receptive_field
from pix2pix.train import milestone_epochs

FIGURE_DIR = PROJECT_ROOT / "docs" / "figures"
TRAINING_EPOCHS = 60  # the Exercise 3 page's "Shapes, longer (CPU)" run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIGURE_DIR,
                        help=f"folder for the PNG files (default: {FIGURE_DIR})")
    parser.add_argument("--training", action="store_true",
                        help="also run exercise 3 on the shapes and copy its figures, about "
                             "two minutes on a CPU (default: off)")
    parser.add_argument("--with-weights", action="store_true",
                        help="also draw the figures of the official pretrained generator "
                             "(default: off)")
    parser.add_argument("--checkpoint", type=Path, default=FACADES_CHECKPOINT,
                        help=f"official generator for --with-weights (default: "
                             f"{FACADES_CHECKPOINT})")
    return parser.parse_args(argv)


# -----------------------------------------------------------------------------
# (1) Measured from freshly built networks, and the facade labels


def make_model_figures(out):
    """Draw the U-Net and PatchGAN figures; return the files written."""
    torch.manual_seed(0)  # same random weights, same PNGs, run after run
    unet = out / "unet.png"
    draw_unet(feature_maps(UNetGenerator()), unet)
    patchgan = out / "patchgan_receptive_field.png"
    draw_patchgan(receptive_field(PatchGANDiscriminator()), patchgan)
    return [unet, patchgan]


def make_facade_figures(out):
    """Draw both palettes and the sample labels; return the files written."""
    paths = sorted(SAMPLE_FACADES_DIR.glob("*.png"))
    samples = save_image_grid([[read_label(path)[0] for path in paths]],
                              out / "facade_samples.png",
                              column_titles=[path.stem.replace("designed_", "") for path in paths])
    return [save_palette_legend(out / "facade_palettes.png"), samples]


# -----------------------------------------------------------------------------
# (2) A real training run of exercise 3


def make_training_figures(out):
    """Run the page's shapes command and copy three of its files; return the files written."""
    with tempfile.TemporaryDirectory() as run_dir:
        command = [sys.executable, str(PROJECT_ROOT / "exercises" / "exercise3_train.py"),
                   "--data", "synthetic", "--quick", "--epochs", str(TRAINING_EPOCHS),
                   "--out", run_dir, "--device", "cpu"]
        print("running:", " ".join(command[1:]))
        subprocess.run(command, check=True)
        run = Path(run_dir)
        first_milestone = milestone_epochs(TRAINING_EPOCHS)[0]  # the first grid the run draws
        copies = {f"exercise3_epoch_{first_milestone}.png": "exercise3_shapes_early.png",
                  f"exercise3_epoch_{TRAINING_EPOCHS}.png": "exercise3_shapes_late.png",
                  "exercise3_losses.png": "exercise3_shapes_losses.png"}
        for source, target in copies.items():
            shutil.copyfile(run / source, out / target)
        records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    first, last = records[0], records[-1]
    print(f"held-out L1 {first['val_L1']:.3f} after epoch 1 -> {last['val_L1']:.3f} after "
          f"epoch {last['epoch']}; PSNR {first['val_PSNR']:.2f} -> {last['val_PSNR']:.2f} dB")
    return [out / target for target in copies.values()]


# -----------------------------------------------------------------------------
# (3) The official weights


def make_weight_figures(out, checkpoint):
    """Draw the figures that need the official generator; return the files written."""
    generator = create_facades_generator(checkpoint)
    filters = out / "official_first_filters.png"
    draw_first_filters(generator, filters)
    return [filters]


def main(argv=None):
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = make_model_figures(args.out) + make_facade_figures(args.out)
    if args.training:
        written += make_training_figures(args.out)
    if args.with_weights:
        try:
            written += make_weight_figures(args.out, args.checkpoint)
        except FixableError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    for path in written:
        print(f"wrote {path} ({path.stat().st_size // 1024} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
