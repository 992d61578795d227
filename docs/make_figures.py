"""Write the figures of the course pages into docs/figures/: the instructor's one command.

Every figure is drawn from the project's own code, so a change to a model shows up in the pages
the next time this runs. Two groups:

* the model figures (always): the U-Net diagram with channel counts read from
  ``pix2pix.models.UNetGenerator`` and the PatchGAN receptive field measured on a real
  ``PatchGANDiscriminator``. They need no download and take a few seconds on a CPU.
* the figures of the official weights (``--with-weights``): they need
  ``checkpoints/facades_label2photo.pth`` (``python download_pretrained.py``); the pages say how
  to make them while they are missing.

Run from any directory:

    python docs/make_figures.py                  # model figures
    python docs/make_figures.py --with-weights   # ... and the official-weight figures

Then rebuild the pages and commit the PNGs (each a few tens of kB).
"""

import argparse
import sys
from pathlib import Path

import torch

from pix2pix.diagrams import (draw_first_filters, draw_patchgan, draw_unet,
                              probe_receptive_field, unet_feature_maps)
from pix2pix.models import PatchGANDiscriminator, UNetGenerator
from pix2pix.official import CheckpointError, create_facades_generator
from pix2pix.paths import FACADES_CHECKPOINT, PROJECT_ROOT

FIGURE_DIR = PROJECT_ROOT / "docs" / "figures"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIGURE_DIR,
                        help=f"folder for the PNG files (default: {FIGURE_DIR})")
    parser.add_argument("--with-weights", action="store_true",
                        help="also draw the figures of the official pretrained generator "
                             "(default: off)")
    parser.add_argument("--checkpoint", type=Path, default=FACADES_CHECKPOINT,
                        help=f"official generator for --with-weights (default: "
                             f"{FACADES_CHECKPOINT})")
    return parser.parse_args(argv)


# -----------------------------------------------------------------------------
# (1) The model figures: measured from freshly built networks


def make_model_figures(out):
    """Draw the U-Net and PatchGAN figures; return the files written."""
    torch.manual_seed(0)  # same random weights, same PNGs, run after run
    unet = out / "unet.png"
    draw_unet(unet_feature_maps(UNetGenerator()), unet)
    patchgan = out / "patchgan_receptive_field.png"
    draw_patchgan(probe_receptive_field(PatchGANDiscriminator()), patchgan)
    return [unet, patchgan]


# -----------------------------------------------------------------------------
# (2) The figures of the official weights


def make_weight_figures(out, checkpoint):
    """Draw the figures that need the official generator; return the files written."""
    generator = create_facades_generator(checkpoint)
    filters = out / "official_first_filters.png"
    draw_first_filters(generator, filters)
    return [filters]


def main(argv=None):
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = make_model_figures(args.out)
    if args.with_weights:
        try:
            written += make_weight_figures(args.out, args.checkpoint)
        except (FileNotFoundError, CheckpointError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    for path in written:
        print(f"wrote {path} ({path.stat().st_size // 1024} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
