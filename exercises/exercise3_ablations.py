"""Exercise 3, ablations: what the adversarial term adds, the paper's studies on a laptop CPU.

Goal: see the paper's central claim (sections 4.2-4.4) with your own runs. On a task where the
input does not decide the output -- shapes filled with a random colour or random stripes,
pix2pix.datasets.ambiguous -- L1 alone averages every plausible answer into a muddy, flat fill; the
conditional GAN commits to one answer and keeps it vivid and sharp; the patch size of D decides
what D can judge. Each variant is one run of the same training code (pix2pix.train.fit) with one
setting changed, measured on the same held-out pairs.

Command (from any directory):

    python exercises/exercise3_ablations.py --quick --out runs/ablations   # l1, cgan, l1+cgan
    python exercises/exercise3_ablations.py --out runs/ablations           # every study
    python exercises/exercise3_ablations.py --data openmoji --quick        # on real drawings

``--data openmoji`` runs the studies on OpenMoji's drawings (CC BY-SA 4.0), measured on the
held-out drawings that the set colours in several ways (skin tones, hearts, hair): natural
ambiguity, drawn by people.

Expected output: one training run per variant (progress bars, one line per epoch), then a table
per study -- held-out L1 and PSNR, the colour-histogram intersection with the targets in CIE Lab
(the table in the paper's figure 7) inside the shapes and over the whole image, and the
sharpness relative to the targets' -- and how much of the colour gap that l1 leaves l1+cgan
closes.
In ``--out``: ``data/`` (the ambiguous set, in the paired layout), one run folder per variant
(``l1/``, ``cgan/``, ``l1+cgan/`` ..., each readable by
pix2pix.checkpoints.load_trained_generator), ``<study>.png`` (the same held-out inputs in every
row, one column per variant, the targets beside), ``curves.png`` (each run's losses, epoch by
epoch), ``results.txt`` (the tables) and ``results.json``.

Runtime on a 2-core laptop CPU: ``--quick`` about 7 minutes (6.9 measured); all studies (eight
runs) about 35 minutes. A variant already trained in ``--out`` is measured again, not
retrained; one that was interrupted (Ctrl+C) resumes from the start of the interrupted epoch.
"""

# %%
import argparse
import json
import time
from pathlib import Path

import torch
from matplotlib.figure import Figure

from pix2pix.datasets.ambiguous import undecided_area, write_ambiguous_dataset
from pix2pix.datasets.openmoji import read_manifest, write_openmoji_dataset
from pix2pix.checkpoints import (CHECKPOINT_NAME, CONFIG_NAME, check_same_settings,
                                 load_trained_generator)
from pix2pix.config import TrainConfig
from pix2pix.data import PairedDataset
from pix2pix.errors import run_script
from pix2pix.figures.grids import save_figure, save_image_grid
from pix2pix.images import to_uint8
from pix2pix.metrics import (colour_histogram_intersection, distance_metrics, eval_translate,
                             sharpness)
from pix2pix.paths import PROJECT_ROOT, check_writable
from pix2pix.train import fit, read_log
from pix2pix.figures.training import LN_2

# %%
# -----------------------------------------------------------------------------
# Settings you can change

OUT = PROJECT_ROOT / "runs" / "ablations"
# One run's settings; every variant changes only what VARIANTS says. At 64x64 the paper's
# 70x70 patch would see the whole image, so the default patch is 16x16: a quarter of the side,
# as 70 is of the paper's 256.
RUN = dict(image_size=64, ngf=16, ndf=16, patch_size=16, epochs=60, batch_size=4,
           train_limit=None, val_limit=None)
QUICK_EPOCHS = 40  # --quick: the objective study in fewer epochs, inside 10 minutes
DATA = dict(num_train=320, num_val=32, size=64)
VARIANTS = {  # name (its run folder) -> what it changes
    "l1": dict(objective="l1"),
    "cgan": dict(objective="cgan"),
    "l1+cgan": dict(objective="l1+cgan"),
    "gan": dict(objective="gan"),
    "l1+gan": dict(objective="l1+gan"),
    "encoder-decoder": dict(generator="encoder-decoder"),
    "pixelgan": dict(patch_size=1),
    "imagegan": dict(patch_size=70),  # 70x70 covers the whole 64x64 image
}
STUDIES = {  # the paper's figures; --quick runs the first
    "objective": ("l1", "cgan", "l1+cgan"),  # section 4.2, figure 4, table 1
    "conditioning": ("l1+cgan", "gan", "l1+gan"),  # table 1: does D need to see x?
    "generator": ("l1+cgan", "encoder-decoder"),  # section 4.3, figure 5
    "patch": ("pixelgan", "l1+cgan", "imagegan"),  # section 4.4, figure 6, table 3
}
ROWS = 6  # held-out examples in each figure
SEED = 0
# On OpenMoji: the same networks at 64x64, in batches of 16 (a CPU runs them twice as fast per
# image as batches of 4); its 3,711 training pairs make an epoch 12 times longer than the shapes'
OPENMOJI_RUN = dict(RUN, batch_size=16, epochs=12)
OPENMOJI_QUICK_EPOCHS = 8
OPENMOJI_GROUPS = 3  # drawings in each figure, each with two of its colourings


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 1. Train every variant with the one training code
#
# Each variant is a run of `pix2pix.train.fit` with one setting changed; a variant already trained
# in `--out` is measured again, not retrained.

# %%
def train_variant(name, data_root, out, run, workers):
    """Train one variant into ``out/name``; a finished run is kept, an interrupted one resumed.

    Returns:
        The run folder, or None when Ctrl+C stopped the run (it saved itself first).
    """
    run_dir = out / name
    config = TrainConfig(data_root=str(data_root), out_dir=str(run_dir), workers=workers,
                         seed=SEED, **{**run, **VARIANTS[name]})
    epochs = run["epochs"]
    started = run_dir / CONFIG_NAME
    if started.exists():
        check_same_settings(run_dir, config)  # another variant's folder: stop, name the fix
    log = read_log(run_dir)
    if log and log[-1]["epoch"] >= epochs:
        print(f"{name}: already trained in {run_dir}, measuring it again")
        return run_dir
    resume = (run_dir / CHECKPOINT_NAME).exists()
    print(f"\n{name}: {'resuming' if resume else 'training'} "
          f"({', '.join(f'{k}={v}' for k, v in VARIANTS[name].items())})")
    clock = time.perf_counter()
    if fit(config, resume=resume).status == "interrupted":
        return None
    print(f"{name}: {time.perf_counter() - clock:.0f} s")
    return run_dir


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 2. Measure each variant on the same held-out pairs
#
# L1 and PSNR reward the average answer; the colour-histogram intersection (the table in the
# paper's figure 7) and the sharpness relative to the targets show what averaging loses.

# %%
def held_out_pairs(data_root, names=None):
    """The held-out pairs as (inputs, targets): two (N, 3, H, W) tensors in [-1, 1].

    Args:
        names: which pairs, by file name without suffix, in this order (default: all).
    """
    pairs = PairedDataset(data_root, "val", RUN["image_size"], augment=False)
    indices = pairs.indices_of(names) if names else range(len(pairs))
    inputs, targets = zip(*(pairs[i] for i in indices))
    return torch.stack(inputs), torch.stack(targets)


def ambiguous_openmoji_pairs(data_root):
    """OpenMoji's held-out pairs whose drawing has several colourings, a drawing's pairs side by
    side: the sketches the set answers in more than one way, where L1 can only average.

    Returns:
        (names of every such pair, the names to draw: OPENMOJI_GROUPS drawings, two
        colourings each, so that each drawing fills two rows with two different targets).
    """
    pairs = sorted((pair for pair in read_manifest(data_root)
                    if pair.split == "val" and pair.ambiguous), key=lambda p: (p.group, p.name))
    groups = sorted({pair.group for pair in pairs})
    step = max(1, len(groups) // OPENMOJI_GROUPS)
    shown = []
    for group in groups[::step][:OPENMOJI_GROUPS]:
        shown += [pair.name for pair in pairs if pair.group == group][:2]
    return [pair.name for pair in pairs], shown


def measure(run_dir, inputs, target_images, inside):
    """A variant's outputs on the held-out inputs, (N, H, W, 3) uint8, and its numbers.

    Eval mode, as the per-epoch numbers: the outputs change only when the weights do. The
    colour histograms are compared ``inside`` -- in the shapes, where the drawing leaves the
    fill open (pix2pix.datasets.ambiguous.undecided_area), or on OpenMoji wherever the target
    is not white paper -- and over the whole image, as the paper does.
    """
    generator, _ = load_trained_generator(run_dir)
    outputs = to_uint8(eval_translate(generator, inputs))
    numbers = distance_metrics(outputs, target_images)
    numbers["colour"] = colour_histogram_intersection(outputs[inside],
                                                      target_images[inside])["mean"]
    numbers["colour_whole"] = colour_histogram_intersection(outputs, target_images)["mean"]
    numbers["sharpness"] = sharpness(outputs) / sharpness(target_images)
    return outputs, numbers


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 3. Show each study as the paper does, and the numbers
#
# The same held-out inputs in every row, one column per variant, the targets beside.

# %%
def draw_study(study, inputs, outputs, target_images, rows, path):
    """The held-out inputs ``rows`` (indices), one column per variant, the targets beside."""
    variants = STUDIES[study]
    rows = [[inputs[i], *(outputs[name][i] for name in variants), target_images[i]]
            for i in rows]
    return save_image_grid(rows, path, column_titles=["input", *variants, "target"],
                           title=f"{study}: held-out inputs, one column per variant",
                           legend=False)


def draw_curves(run_dirs, path):
    """Each variant's log: the adversarial losses above, train and held-out L1 below."""
    figure = Figure(figsize=(3.2 * len(run_dirs), 5.2))
    axes = figure.subplots(2, len(run_dirs), squeeze=False, sharex=True)
    for column, (name, run_dir) in enumerate(run_dirs.items()):
        records = read_log(run_dir)
        epochs = [r["epoch"] for r in records]
        top, bottom = axes[0][column], axes[1][column]
        if records[0]["loss_D"] is None:  # the l1 variant has no D
            top.text(0.5, 0.5, "no discriminator:\nno adversarial losses", ha="center",
                     va="center", transform=top.transAxes, fontsize=9, color="grey")
        else:
            top.plot(epochs, [r["loss_D"] for r in records], label="loss_D")
            top.plot(epochs, [r["loss_G_GAN"] for r in records], label="loss_G_GAN")
            top.axhline(LN_2, color="grey", linewidth=0.8, linestyle="--", label="ln 2")
        top.set_title(name, fontsize=10)
        bottom.plot(epochs, [r["loss_G_L1"] for r in records], label="train L1")
        bottom.plot(epochs, [r["val_L1"] for r in records], label="held-out L1")
        bottom.set_xlabel("epoch")
        for axis in (top, bottom):
            if axis.get_legend_handles_labels()[0]:  # the l1 panel above has no curves
                axis.legend(fontsize=7)
    figure.suptitle("the runs' logs, epoch by epoch", fontsize=11)
    figure.tight_layout()
    return save_figure(figure, path)


def table(study, results, inside_name="shapes"):
    """The numbers of ``study``'s variants, one line each, as text."""
    lines = [f"{study}: held-out numbers",
             f"{'':<17}{'':>7}{'':>9}{'colour':>8}{'colour':>8}",
             f"{'variant':<17}{'L1':>7}{'PSNR dB':>9}{inside_name:>8}{'image':>8}"
             f"{'sharpness':>11}"]
    for name in STUDIES[study]:
        r = results[name]
        lines.append(f"{name:<17}{r['L1']:7.3f}{r['PSNR']:9.2f}{r['colour']:8.3f}"
                     f"{r['colour_whole']:8.3f}{r['sharpness']:11.2f}")
    return "\n".join(lines)


def goal(results):
    """The measured claim: how much of the colour gap l1 leaves does l1+cgan close?

    colour: the Lab histogram intersection with the targets inside the shapes (1 = the same
    colours in the same proportions); its gap is 1 - colour. sharpness: relative to the targets'
    (1 = as sharp).
    """
    gap_l1 = 1 - results["l1"]["colour"]
    gap_gan = 1 - results["l1+cgan"]["colour"]
    closed = (gap_l1 - gap_gan) / gap_l1 if gap_l1 > 0 else 0.0
    return {"colour_gap_closed": closed,
            "sharpness_l1+cgan": results["l1+cgan"]["sharpness"],
            "sharpness_l1": results["l1"]["sharpness"],
            "met": closed >= 0.5 and abs(results["l1+cgan"]["sharpness"] - 1) <= 0.25
            and results["l1"]["sharpness"] < 0.75}


# %% [markdown]
# -----------------------------------------------------------------------------
# ## 4. Run the studies

# %%
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Exercise 3: the paper's ablations on a CPU.")
    parser.add_argument("--data", choices=("ambiguous", "openmoji"), default="ambiguous",
                        help="the ambiguous shapes, or OpenMoji's drawings measured on those "
                             "with several colourings (default: ambiguous)")
    parser.add_argument("--quick", action="store_true",
                        help="only the objective study: l1, cgan, l1+cgan (default: all)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"folder for the data, the runs and the figures (default: {OUT}, "
                             "ablations_openmoji with --data openmoji)")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs per variant (default: {RUN['epochs']}, on openmoji "
                             f"{OPENMOJI_RUN['epochs']}; quick: {QUICK_EPOCHS}, on openmoji "
                             f"{OPENMOJI_QUICK_EPOCHS})")
    parser.add_argument("--workers", type=int, default=0,
                        help="DataLoader workers per run; the 64x64 pairs load fast in the "
                             "main process (default: 0)")
    return parser.parse_args(argv)


def prepare(args):
    """The set the studies train on, the run's settings, and the held-out pairs they are
    measured on: (data root, run settings, inputs, targets, where colour is compared, rows of
    the figures, the colour column's name)."""
    openmoji = args.data == "openmoji"
    run = dict(OPENMOJI_RUN if openmoji else RUN)
    quick_epochs = OPENMOJI_QUICK_EPOCHS if openmoji else QUICK_EPOCHS
    run["epochs"] = args.epochs or (quick_epochs if args.quick else run["epochs"])
    TrainConfig(**run)  # checks --epochs before any data is drawn
    if openmoji:
        data_root = write_openmoji_dataset(size=run["image_size"])
        measured, shown = ambiguous_openmoji_pairs(data_root)
        print(f"OpenMoji (CC BY-SA 4.0) in {data_root}: measured on the {len(measured)} held-out "
              "pairs whose drawing has several colourings")
        inputs, targets = held_out_pairs(data_root, measured)
        rows = [measured.index(name) for name in shown]
        inside = (to_uint8(targets) < 250).any(-1)  # the drawing, not the white paper
        return data_root, run, inputs, targets, inside, rows, "drawing"
    data_root = write_ambiguous_dataset(args.out / "data", **DATA, seed=SEED)
    print(f"ambiguous set: {DATA['num_train']} training and {DATA['num_val']} held-out pairs "
          f"in {data_root}")
    inputs, targets = held_out_pairs(data_root)
    inside = undecided_area(to_uint8(inputs))  # (N, H, W): where the drawing leaves the fill open
    return data_root, run, inputs, targets, inside, list(range(min(ROWS, len(inputs)))), "shapes"


def main(argv=None):
    args = parse_args(argv)
    args.out = args.out or (OUT.with_name("ablations_openmoji") if args.data == "openmoji"
                            else OUT)
    check_writable(args.out)
    data_root, run, inputs, targets, inside, rows, inside_name = prepare(args)
    studies = ["objective"] if args.quick else list(STUDIES)
    names = list(dict.fromkeys(name for study in studies for name in STUDIES[study]))
    started = time.perf_counter()
    run_dirs = {}
    for name in names:
        run_dirs[name] = train_variant(name, data_root, args.out, run, args.workers)
        if run_dirs[name] is None:
            print("stopped by Ctrl+C. Run the same command again: finished variants are kept "
                  f"and {name} continues where it stopped.")
            return 130  # the shell's code for "stopped by Ctrl+C"
    input_images, target_images = to_uint8(inputs), to_uint8(targets)
    outputs, results = {}, {}
    for name, run_dir in run_dirs.items():
        outputs[name], results[name] = measure(run_dir, inputs, target_images, inside)
    report = [table(study, results, inside_name) for study in studies]
    for study in studies:
        path = draw_study(study, input_images, outputs, target_images, rows,
                          args.out / f"{study}.png")
        print(f"saved {path}")
    print(f"saved {draw_curves(run_dirs, args.out / 'curves.png')}")
    summary = goal(results)
    report.append(
        f"l1+cgan closes {summary['colour_gap_closed']:.0%} of the colour gap l1 leaves;\n"
        f"sharpness of l1+cgan {summary['sharpness_l1+cgan']:.2f} and of l1 "
        f"{summary['sharpness_l1']:.2f}, relative to the targets' (1 = as sharp)")
    minutes = (time.perf_counter() - started) / 60
    print("\n" + "\n\n".join(report))
    (args.out / "results.txt").write_text("\n\n".join(report) + "\n")
    (args.out / "results.json").write_text(json.dumps(
        {"studies": {study: list(STUDIES[study]) for study in studies}, "variants": results,
         "goal": summary, "settings": {**run, "data": args.data},
         "minutes": minutes}, indent=2))
    print(f"saved {args.out / 'results.txt'} and results.json ({minutes:.1f} min)")
    return 0


# %% [markdown]
# ## In a notebook
#
# `FLAGS` are the command line's flags, as a list. `--quick` runs the objective study (l1, cgan,
# l1+cgan: about 7 minutes on a 2-core laptop CPU); without it, all four studies run (eight
# runs, about 35 minutes). A variant already trained in the `--out` folder is measured again,
# not retrained.

# %% tags=["active-ipynb", "parameters"]
# FLAGS = ["--quick"]

# %% tags=["active-ipynb"]
# from pix2pix import notebook
# started = time.time()
# main(FLAGS)
# notebook.show_figures(notebook.flag_value(FLAGS, "--out", OUT), "*.png", since=started)

# %% tags=["active-py"]
if __name__ == "__main__":
    run_script(main)
