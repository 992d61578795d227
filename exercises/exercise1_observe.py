"""Exercise 1 -- Observe: the official pretrained generator turns facade labels into photos.

Goal: see what pix2pix's ``facades_label2photo`` generator makes of label maps, and run it the
way the paper tests it: each image normalised with its own statistics, dropout on, seeded.

Command (from any directory, after ``python download_pretrained.py``):

    python exercises/exercise1_observe.py
    python exercises/exercise1_observe.py --labels my_facade.png other.png --eval

Expected output: a short summary per label (size, colours it was read in, classes, warnings), a
line while the weights load, the time per image, and in outputs/exercise1/: ``grid_paper.png``
(labels on top, photos below, class legend) and one ``<label>_photo_paper.png`` per label
(``_eval`` with ``--eval``, so the two modes never overwrite each other).

Runtime: a few seconds on a laptop CPU (about 0.08 s per image on two cores), a second on a GPU.
"""

# %%
import argparse
import time
from pathlib import Path

from PIL import Image

from pix2pix.device import pick_device
from pix2pix.errors import FixableError, run_script
from pix2pix.datasets.facades import read_label
from pix2pix.figures.grids import save_image_grid
from pix2pix.images import to_batch, to_uint8
from pix2pix.inference import translate
from pix2pix.weights.official import create_facades_generator
from pix2pix.paths import (FACADES_CHECKPOINT, PROJECT_ROOT, SAMPLE_FACADES_DIR, check_writable,
                           distinct_stems)

# %%
# -----------------------------------------------------------------------------
# Settings you can change (each is also a command-line flag)

CHECKPOINT = FACADES_CHECKPOINT  # where download_pretrained.py puts the official weights
LABELS = sorted(SAMPLE_FACADES_DIR.glob("*.png"))  # made by sample_facades/make_samples.py
OUT = PROJECT_ROOT / "outputs" / "exercise1"
SEED = 0  # image i of a run uses dropout seed SEED + i: same seed, same photo
BATCH_SIZE = 8  # images per forward pass; changes the speed, never a photo


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 1. Read the labels
#
# The generator has only seen labels in one palette: twelve classes in colours of jet(64).
# `read_label` turns a file into that palette at 256x256 and says what it found: the palette it
# was read in and the share of pixels off it (0% is what the model needs).

# %%
def read_labels(paths):
    """Each label file as the model's 256x256 input in its palette; prints what was found."""
    labels = []
    for path in paths:
        print(f"{Path(path).name}: ", end="", flush=True)  # a photo-sized label takes seconds
        label, report = read_label(path)  # one decode: the label and what was found in it
        print(report.summary())
        labels.append(label)
    return labels


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 2. Translate the labels as the paper does at test time
#
# The paper runs the generator at test time as in training: BatchNorm normalises each image with
# its own statistics, and dropout stays on, the generator's only randomness (here seeded per
# image). `--eval` is `model.eval()` instead: running averages, no dropout.

# %%
def translate_labels(generator, labels, mode, seed, batch_size):
    """Photos for the labels, timed; ``mode`` is "paper" (the default) or "eval"."""
    input_images = to_batch(labels)  # (N, 3, 256, 256) in [-1, 1]
    device = next(generator.parameters()).device
    print(f"translating {len(labels)} labels on {device} ...", flush=True)
    start = time.perf_counter()
    fake_images = translate(generator, input_images, mode=mode, seed=seed,
                            batch_size=batch_size)
    # GPU work is asynchronous; copying the photos to the CPU waits for it to finish
    photos = to_uint8(fake_images)  # (N, 256, 256, 3) uint8
    seconds = time.perf_counter() - start
    print(f"translated {len(labels)} labels in {seconds:.2f} s "
          f"({seconds / len(labels):.3f} s per image, {mode} mode, {device})")
    return photos


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 3. Save the figure and the photos
#
# One grid, labels above their photos with the class legend beside, and each photo on its own.

# %%
def save_results(paths, labels, photos, out, mode):
    """grid_<mode>.png (labels above photos, class legend) and one PNG per photo in ``out``.

    Names carry the mode, so ``--eval`` never overwrites the paper-mode photos, and two labels
    with the same file name from different folders both keep their photo.
    """
    names = distinct_stems(paths)
    out.mkdir(parents=True, exist_ok=True)
    for name, photo in zip(names, photos):
        Image.fromarray(photo).save(out / f"{name}_photo_{mode}.png")
    grid = save_image_grid([list(labels), list(photos)], out / f"grid_{mode}.png",
                           column_titles=names, row_titles=["label", "generated photo"],
                           title=f"facades_label2photo, {mode} mode")
    print(f"saved {grid} and {len(photos)} photos")


# %%
def main(argv=None):
    parser = argparse.ArgumentParser(description="Exercise 1: translate facade labels into "
                                     "photos with the official pretrained generator.")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT,
                        help=f"official generator weights (default: {CHECKPOINT})")
    parser.add_argument("--labels", type=Path, nargs="+", default=LABELS,
                        help="label images to translate (default: sample_facades/*.png)")
    parser.add_argument("--out", type=Path, default=OUT,
                        help=f"folder for the figure and photos (default: {OUT})")
    parser.add_argument("--eval", action="store_true",
                        help="use model.eval(): running statistics, no dropout (default: off, "
                        "the paper's mode)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"dropout seed of the first image (default: {SEED})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help=f"images per forward pass (default: {BATCH_SIZE})")
    parser.add_argument("--device", default="auto",
                        help="auto, cpu, cuda or mps (default: auto)")
    parser.add_argument("--quick", action="store_true",
                        help="translate only the first two labels, as the tests do (default: off)")
    args = parser.parse_args(argv)
    if not args.labels:
        raise FixableError(f"no labels in {SAMPLE_FACADES_DIR}. Run "
                           "`python sample_facades/make_samples.py` or pass --labels.")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be at least 1, got {args.batch_size}")
    paths = args.labels[:2] if args.quick else args.labels
    device = pick_device(args.device)
    check_writable(args.out)  # before the work, not after it

    labels = read_labels(paths)  # a bad label stops here, before the 218 MB load
    # the official weights, loaded strictly and weights-only (see the Concepts page)
    print(f"loading {args.checkpoint} ...", flush=True)
    generator = create_facades_generator(args.checkpoint, device)
    mode = "eval" if args.eval else "paper"
    photos = translate_labels(generator, labels, mode, args.seed, args.batch_size)
    save_results(paths, labels, photos, args.out, mode)


# %% [markdown]
# ## In a notebook
#
# `FLAGS` are the command line's flags, as a list: edit them to try the page's "Modify" ideas,
# e.g. `["--eval"]` or `["--seed", "1"]`, and run the cells below again. The first run downloads
# the official weights (218 MB), as `python download_pretrained.py` does.

# %% tags=["active-ipynb", "parameters"]
# FLAGS = []

# %% tags=["active-ipynb"]
# from pix2pix import notebook
# notebook.get_official_weights(notebook.flag_value(FLAGS, "--checkpoint", CHECKPOINT))
# started = time.time()
# main(FLAGS)
# notebook.show_figures(notebook.flag_value(FLAGS, "--out", OUT), "grid_*.png", since=started)

# %% tags=["active-py"]
if __name__ == "__main__":
    run_script(main)
