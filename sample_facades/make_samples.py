"""Regenerate the sample facade labels of this folder with the facade designer.

    python sample_facades/make_samples.py

Writes one 256x256 RGB PNG per design below, drawn in the model's palette (pix2pix jet(64)),
in about a second. Exercise 1 translates these files by default.
"""

import argparse
from pathlib import Path

from PIL import Image

from pix2pix.datasets.facade_design import FacadeDesign, design_facade
from pix2pix.datasets.facades import ids_to_rgb
from pix2pix.paths import SAMPLE_FACADES_DIR

# Settings you can change: one file per entry, name -> design
SAMPLE_DESIGNS = {
    "designed_01_classic": FacadeDesign(),
    "designed_02_apartments": FacadeDesign(rows=6, columns=5, balcony_floors=(2, 4)),
    "designed_03_shop": FacadeDesign(rows=3, columns=4, shop_front=True, window_height=0.6),
    "designed_04_narrow": FacadeDesign(rows=5, columns=2, window_width=0.45, spacing=0.8),
    "designed_05_old_town": FacadeDesign(rows=4, columns=3, irregularity=0.6, seed=5),
    "designed_06_tall": FacadeDesign(rows=8, columns=6, window_width=0.55, window_height=0.6,
                                     sky=0.02, cornices=False, door=False, shop_front=True),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_FACADES_DIR,
                        help=f"folder to write the PNGs to (default: {SAMPLE_FACADES_DIR})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, design in SAMPLE_DESIGNS.items():
        path = args.out / f"{name}.png"
        Image.fromarray(ids_to_rgb(design_facade(design))).save(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
