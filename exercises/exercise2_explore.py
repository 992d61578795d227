"""Exercise 2 -- Explore: what the pretrained generator does with label variations.

Goal: four small studies, each a saved figure and a few printed numbers, that show what the
official ``facades_label2photo`` generator has learned and where it breaks:

1. window arrangements: sparse, dense and asymmetric window grids;
2. partial labels: parts of the label masked (drawn as background) in the 256x256 label space;
3. colour semantics: the right palette, CMP's jet(12), a grey/red palette, hue shifts;
4. consistency: eval mode against the paper's mode, and paper-mode runs against each other.

``--label my_facade.png`` checks your own design and translates it instead.

Command (from any directory, after ``python download_pretrained.py``):

    python exercises/exercise2_explore.py
    python exercises/exercise2_explore.py --study colours
    python exercises/exercise2_explore.py --label my_facade.png

Expected output: a block of numbers per study and outputs/exercise2/<study>.png.

Runtime: about 20 seconds on a 2-core laptop CPU for all four studies, a few on a GPU.
"""

# %%
import argparse
import colorsys
import time
from pathlib import Path

import numpy as np

from pix2pix.device import pick_device
from pix2pix.errors import run_script
from pix2pix.datasets.facade_design import FacadeDesign, design_facade
from pix2pix.datasets.facades import (BACKGROUND, CMP_PALETTE, FACADE, MODEL_PALETTE, WINDOW,
                                      ids_to_rgb, off_palette_fraction, read_label)
from pix2pix.figures.grids import save_image_grid
from pix2pix.images import to_batch, to_uint8
from pix2pix.inference import translate
from pix2pix.weights.official import create_facades_generator
from pix2pix.paths import FACADES_CHECKPOINT, PROJECT_ROOT, check_writable

# %%
# -----------------------------------------------------------------------------
# Settings you can change

CHECKPOINT = FACADES_CHECKPOINT
OUT = PROJECT_ROOT / "outputs" / "exercise2"
SEED = 0
WINDOW_DESIGNS = {
    "sparse": FacadeDesign(rows=3, columns=2, window_width=0.35, window_height=0.45),
    "dense": FacadeDesign(rows=7, columns=7, window_width=0.65, window_height=0.65),
    "asymmetric": FacadeDesign(rows=4, columns=4, irregularity=0.9, spacing=0.75, seed=3),
}
BASE_DESIGN = FacadeDesign(rows=4, columns=4, balcony_floors=(2,))  # partial, colours, consistency
BLOCK_SIZE = 32  # side of the random blocks masked in the partial-label study
BLOCK_FRACTION = 0.3  # share of blocks masked
# The palette a course that guesses the colours would use: grey walls, red windows, light sky
WRONG_PALETTE = np.array([(230, 230, 230), (128, 128, 128), (255, 0, 0), (120, 60, 20),
                          (90, 90, 90), (160, 160, 160), (60, 60, 60), (200, 200, 200),
                          (100, 100, 100), (110, 110, 110), (80, 80, 80), (40, 40, 40)],
                         dtype=np.uint8)
HUE_SHIFTS = (30, 90)  # degrees added to the hue of every class colour
CONSISTENCY_RUNS = 8  # paper-mode runs of one label, each with its own dropout seed


# %%
def run(generator, labels, args, mode="paper", seed=None):
    """Translate RGB labels; returns (N, 256, 256, 3) uint8 photos and prints the time per image.

    The labels go in as they are: the colour study depends on *not* snapping them to the palette.
    """
    images = "image" if len(labels) == 1 else "images"
    print(f"  ({len(labels)} {images}, {mode} mode: ", end="", flush=True)  # many take seconds
    start = time.perf_counter()
    fake_images = translate(generator, to_batch(labels), mode=mode,
                            seed=args.seed if seed is None else seed)
    photos = to_uint8(fake_images)  # copying to the CPU waits for the GPU to finish
    per_image = (time.perf_counter() - start) / len(labels)
    print(f"{per_image:.3f} s per image)")
    return photos


def mean_abs_difference(a, b, where=None):
    """Mean |a - b| over the pixels in ``where`` (all by default), in 0-255 intensity units."""
    difference = np.abs(a.astype(np.float64) - b.astype(np.float64)).mean(-1)  # (H, W)
    return float(difference[where].mean() if where is not None else difference.mean())


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 1. Window arrangements
#
# Does the generator follow the window grid? Glass is usually darker than the wall, so watch the
# brightness on window pixels against wall pixels.

# %%
def study_windows(generator, args):
    """Does the generator follow the window grid? Dark glass against a lighter wall says yes."""
    names = list(WINDOW_DESIGNS)
    ids = [design_facade(WINDOW_DESIGNS[name]) for name in names]
    labels = [ids_to_rgb(label_ids) for label_ids in ids]
    photos = run(generator, labels, args)
    for name, label_ids, photo in zip(names, ids, photos):
        brightness = photo.mean(-1)  # (256, 256) grey level
        window = brightness[label_ids == WINDOW].mean()
        wall = brightness[label_ids == FACADE].mean()
        print(f"  {name:>10}: windows {np.mean(label_ids == WINDOW):5.1%} of the label, "
              f"brightness window {window:5.1f} vs wall {wall:5.1f}")
    return save_image_grid([labels, list(photos)], args.out / "windows.png", column_titles=names,
                           row_titles=["label", "photo"], title="Window arrangements")


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 2. Partial labels
#
# Masked parts are drawn as background. The printed change is measured where the label was kept:
# what the missing context does to the rest.

# %%
def partial_masks(label_ids, seed):
    """Which pixels each partial label keeps, drawn in the 256x256 label space.

    Returns:
        dict from a name to a (256, 256) bool array, True where the label is kept.
    """
    size = label_ids.shape[0]
    rows, columns = np.mgrid[0:size, 0:size]
    blocks = -(-size // BLOCK_SIZE)  # rounded up: any BLOCK_SIZE covers the whole label
    masked_blocks = np.random.default_rng(seed).random((blocks, blocks)) < BLOCK_FRACTION
    masked = np.kron(masked_blocks, np.ones((BLOCK_SIZE, BLOCK_SIZE), dtype=bool))[:size, :size]
    return {"left half": columns < size // 2,
            "top only": rows < size // 2,
            "random blocks": ~masked,
            "windows only": label_ids == WINDOW}


def study_partial(generator, args):
    """How far does context reach? Mask parts of the label and compare with the full label.

    A masked pixel is drawn as background, the class CMP gives to everything that is not facade.
    The printed difference is measured only where the label was *kept*: it is the change that
    the missing context causes in the part that was still there.
    """
    label_ids = design_facade(BASE_DESIGN)
    masks = partial_masks(label_ids, args.seed)
    labels = [ids_to_rgb(label_ids)]
    for keep in masks.values():
        labels.append(ids_to_rgb(np.where(keep, label_ids, BACKGROUND)))
    photos = run(generator, labels, args)
    for (name, keep), photo in zip(masks.items(), photos[1:]):
        change = mean_abs_difference(photo, photos[0], where=keep)
        print(f"  {name:>13}: keeps {keep.mean():5.1%} of the label, "
              f"kept region changes by {change:5.1f} / 255")
    return save_image_grid([labels, list(photos)], args.out / "partial.png",
                           column_titles=["full label", *masks], row_titles=["label", "photo"],
                           title="Partial labels (masked = background)")


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 3. Colour semantics
#
# The same label in five palettes: the network reads colours, not the classes behind them.

# %%
def shift_hue(palette, degrees):
    """The palette with ``degrees`` added to every colour's hue (saturation, value kept)."""
    shifted = []
    for red, green, blue in palette / 255:
        hue, saturation, value = colorsys.rgb_to_hsv(red, green, blue)
        shifted.append(colorsys.hsv_to_rgb((hue + degrees / 360) % 1, saturation, value))
    return np.round(np.array(shifted) * 255).astype(np.uint8)


def study_colours(generator, args):
    """The same label in five palettes: the model reads colours, not the classes behind them."""
    palettes = {"pix2pix jet(64)": MODEL_PALETTE, "CMP jet(12)": CMP_PALETTE,
                "grey/red": WRONG_PALETTE}
    palettes.update({f"hue +{shift}": shift_hue(MODEL_PALETTE, shift) for shift in HUE_SHIFTS})
    label_ids = design_facade(BASE_DESIGN)
    labels = [ids_to_rgb(label_ids, palette) for palette in palettes.values()]
    photos = run(generator, labels, args)
    for name, label, photo in zip(palettes, labels, photos):
        print(f"  {name:>15}: off-palette {off_palette_fraction(label):6.1%}, photo differs "
              f"from the right palette's by {mean_abs_difference(photo, photos[0]):5.1f} / 255")
    return save_image_grid([labels, list(photos)], args.out / "colours.png",
                           column_titles=list(palettes), row_titles=["label", "photo"],
                           title="Colour semantics")


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 4. Consistency: eval mode vs the paper's mode, and paper-mode runs against each other
#
# Dropout is the generator's only noise: how far apart are the photos of different seeds, is the
# same seed the same photo, and how far from them is eval mode?

# %%
def study_consistency(generator, args):
    """How much does dropout change the photo? Per-pixel spread over runs with different seeds."""
    label = ids_to_rgb(design_facade(BASE_DESIGN))
    eval_photo = run(generator, [label], args, mode="eval")[0]
    # image i of the batch gets seed args.seed + i: one batch, args.runs different dropout masks
    runs = run(generator, [label] * args.runs, args).astype(np.float64)  # (R, 256, 256, 3)
    again = run(generator, [label], args)[0]  # the first run's seed once more
    spread = runs.std(axis=0).mean(-1)  # (256, 256) per-pixel std over runs, 0-255 units
    largest = (runs.max(axis=0) - runs.min(axis=0)).max()  # the two most different runs
    print(f"  per-pixel std over {args.runs} paper-mode runs: mean {spread.mean():.2f}, "
          f"max {spread.max():.2f} / 255")
    print(f"  largest difference between two runs: {largest:.0f} / 255")
    print(f"  same seed again: max difference {np.abs(again - runs[0]).max():.0f} "
          "(0 = reproducible)")
    print(f"  eval mode vs mean of the paper-mode runs: "
          f"{mean_abs_difference(eval_photo, runs.mean(0)):.1f} / 255")
    shown = [photo.astype(np.uint8) for photo in runs[:3]]  # fewer with --runs 2
    return save_image_grid([[label, eval_photo, *shown, spread]], args.out / "consistency.png",
                           column_titles=["label", "eval mode",
                                          *[f"paper, seed {args.seed + i}"
                                            for i in range(len(shown))],
                                          "per-pixel std"],
                           title="Consistency: eval mode vs the paper's mode")


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 5. Your own label
#
# `--label my_facade.png` checks your file (palette, off-palette share, classes) and translates
# it.

# %%
def check_own_label(path):
    """Read a student's label as the model's input and print what was found in it."""
    print(f"{Path(path).name}: ", end="", flush=True)  # a photo-sized label takes seconds
    label, report = read_label(path)
    print(report.summary())
    return label


def translate_own_label(generator, label, path, args):
    """Translate the checked label as exercise 1 does and save it next to its photo."""
    mode = "eval" if args.eval else "paper"
    photo = run(generator, [label], args, mode=mode)[0]
    out = args.out / f"{Path(path).stem}_translated_{mode}.png"  # --eval keeps the paper one
    return save_image_grid([[label, photo]], out,
                           column_titles=["label (model palette)", f"photo ({mode} mode)"])


# %%
STUDIES = {"windows": study_windows, "partial": study_partial, "colours": study_colours,
           "consistency": study_consistency}  # in the order "all" runs them


def main(argv=None):
    parser = argparse.ArgumentParser(description="Exercise 2: four studies of what the "
                                     "pretrained facades generator does with label variations.")
    parser.add_argument("--study", choices=(*STUDIES, "all"), default=None,
                        help="which study to run (default: all, or none when --label is given)")
    parser.add_argument("--label", type=Path, default=None,
                        help="validate and translate your own label image (default: none)")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT,
                        help=f"official generator weights (default: {CHECKPOINT})")
    parser.add_argument("--out", type=Path, default=OUT,
                        help=f"folder for the figures (default: {OUT})")
    parser.add_argument("--eval", action="store_true",
                        help="translate --label with model.eval() (default: off, paper mode)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"dropout seed of the first image (default: {SEED})")
    parser.add_argument("--runs", type=int, default=CONSISTENCY_RUNS,
                        help=f"paper-mode runs in the consistency study "
                        f"(default: {CONSISTENCY_RUNS})")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default: auto)")
    parser.add_argument("--quick", action="store_true",
                        help="two consistency runs instead of --runs, as the tests do "
                             "(default: off)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 2
    study = args.study or ("all" if args.label is None else None)
    names = list(STUDIES) if study == "all" else [study] if study else []
    if "consistency" in names and args.runs < 2:
        parser.error("--runs must be at least 2 to measure a spread.")
    device = pick_device(args.device)
    check_writable(args.out)  # before the work, not after it
    label = check_own_label(args.label) if args.label is not None else None

    print(f"loading {args.checkpoint} ...", flush=True)
    generator = create_facades_generator(args.checkpoint, device)
    for name in names:
        print(f"{name}:")
        print(f"  saved {STUDIES[name](generator, args)}")
    if label is not None:
        print(f"  saved {translate_own_label(generator, label, args.label, args)}")


# %% [markdown]
# ## In a notebook
#
# `FLAGS` are the command line's flags, as a list: e.g. `["--study", "colours"]` for one study,
# or `["--label", "my_facade.png"]` to check and translate your own label. The first run
# downloads the official weights (218 MB), as `python download_pretrained.py` does.

# %% tags=["active-ipynb", "parameters"]
# FLAGS = []

# %% tags=["active-ipynb"]
# from pix2pix import notebook
# notebook.get_official_weights(notebook.flag_value(FLAGS, "--checkpoint", CHECKPOINT))
# started = time.time()
# main(FLAGS)
# notebook.show_figures(notebook.flag_value(FLAGS, "--out", OUT), "*.png", since=started)

# %% tags=["active-py"]
if __name__ == "__main__":
    run_script(main)
