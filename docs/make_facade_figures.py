"""Draw the facade figures of the exercise 1 and 2 pages from the package's own code.

    python docs/make_facade_figures.py

Writes docs/figures/facade_palettes.png (both palettes, class by class) and
docs/figures/facade_samples.png (the labels of sample_facades/), in about two seconds.
"""

from pathlib import Path

from pix2pix.facades import load_label
from pix2pix.figures import save_image_grid, save_palette_legend
from pix2pix.paths import SAMPLE_FACADES_DIR

FIGURES = Path(__file__).resolve().parent / "figures"


def main():
    print(f"wrote {save_palette_legend(FIGURES / 'facade_palettes.png')}")
    paths = sorted(SAMPLE_FACADES_DIR.glob("*.png"))
    grid = save_image_grid([[load_label(path) for path in paths]],
                           FIGURES / "facade_samples.png",
                           column_titles=[path.stem.replace("designed_", "") for path in paths])
    print(f"wrote {grid}")


if __name__ == "__main__":
    main()
