"""Write the figures of the course pages into docs/figures/: the instructor's one command.

Every figure is drawn by the project's own code from a real run of it, so a change to a model, a
script or the data shows up in the pages the next time this runs. The groups:

* always, in seconds: the U-Net and PatchGAN figures measured on freshly built networks, what D
  sees with and without the condition, both facade palettes, the sample labels, the palettes of
  exercise 2's colour study with their off-palette shares, and the paper's jitter on a pair of
  the shapes set;
* ``--training`` (about 40 minutes on a quiet 2-core CPU: 2 for the shapes run, the rest for the
  eight runs of the ablation study; hours on a busy one): runs the Exercise 3 page's shapes
  command (``exercises/exercise3_train.py --data synthetic --quick --epochs 60``) and every
  study of ``exercises/exercise3_ablations.py`` in a temporary folder, then copies the shapes
  run's grids and curves and the studies' figures, curves and table, and draws from the runs:
  one held-out sketch at every milestone epoch and one drawing of the ambiguous set with its two
  targets.
  ``--shapes-run`` and ``--ablation-run`` draw the same from runs you already have;
* ``--openmoji-run RUN`` (and ``--openmoji-ablation-run STUDY``): the course's face, from a
  laptop run on OpenMoji's drawings (``exercises/exercise3_train.py --data openmoji
  --image-size 128 --ngf 16 --ndf 16 --batch-size 16 --epochs 25``, about 21 minutes on a quiet
  2-core CPU) and its objective study (``exercises/exercise3_ablations.py --data openmoji
  --quick``): the landing page's picture, held-out drawings across the milestones, the run's
  curves and final grid, D's verdicts on a real and a generated pair, the study's figure and
  table. Every one credits OpenMoji (CC BY-SA 4.0) and is shared under that licence;
* ``--with-weights`` (under a minute on a 2-core CPU): runs exercises 1 and 2 with the official
  pretrained generator and keeps exercise 1's grid, exercise 2's four figures and what it
  printed for each study, and draws the generator's first-layer filters. They need
  ``checkpoints/facades_label2photo.pth`` (``python download_pretrained.py``); until they are
  drawn the pages show a framed placeholder with this command.

Run from any directory:

    python docs/make_figures.py                              # the quick group
    python docs/make_figures.py --training --with-weights    # everything
    python docs/make_figures.py --ablation-run runs/ablations   # a study you have run
    python docs/make_figures.py --openmoji-run runs/exercise3_openmoji \
        --openmoji-ablation-run runs/ablations_openmoji           # the real drawings

Then rebuild the pages and commit the files (a PNG of tens of kB, a grid of photos about 100).
Never commit the ``--with-weights`` files of any checkpoint but the official one: the pages call
them its output.
"""

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from pix2pix.checkpoints import CHECKPOINT_NAME, load_trained_generator, read_config
from pix2pix.data import PairedDataset, pair_folders
from pix2pix.figures.diagrams import draw_conditioning, draw_first_filters, draw_patchgan, draw_unet
from pix2pix.errors import FixableError, run_script
from pix2pix.datasets.facade_design import design_facade
from pix2pix.datasets.facades import (CMP_PALETTE, MODEL_PALETTE, ids_to_rgb, off_palette_fraction,
                             read_label)
from pix2pix.figures.grids import save_image_grid, save_palette_legend
from pix2pix.images import to_batch, to_uint8
from pix2pix.inference import translate
from pix2pix.metrics import eval_translate
from pix2pix.models import DiscriminatorConfig, PatchGANDiscriminator, UNetGenerator
from pix2pix.weights.official import create_facades_generator
from pix2pix.paths import (FACADES_CHECKPOINT, PROJECT_ROOT, SAMPLE_FACADES_DIR,
                           this_checkout_environment)
from pix2pix.probes import feature_maps, receptive_field
from pix2pix.datasets.openmoji import held_out_sample
from pix2pix.datasets.synthetic import write_synthetic_dataset
from pix2pix.train import LOG_NAME, milestone_epochs, read_log
from pix2pix.figures.training import save_jitter_figure, save_loss_curves, save_patch_verdicts

FIGURE_DIR = PROJECT_ROOT / "docs" / "figures"
EXERCISES = PROJECT_ROOT / "exercises"
# the Exercise 3 page's "Shapes, longer (CPU)" run, and the ablation study (all of it)
SHAPES_COMMAND = [EXERCISES / "exercise3_train.py", "--data", "synthetic", "--quick",
                  "--epochs", "60", "--device", "cpu"]  # the CPU: the run the page describes
ABLATIONS_COMMAND = [EXERCISES / "exercise3_ablations.py"]
ABLATION_FILES = {"objective.png": "ablation_objective.png",  # what the study writes -> page
                  "conditioning.png": "ablation_conditioning.png",
                  "generator.png": "ablation_generator.png", "patch.png": "ablation_patch.png",
                  "curves.png": "ablation_curves.png"}
ABLATION_TABLE = "_ablation_results.txt"  # beside the figures' folder: docs/, for the page
# what each kind of curve looks like, from the study's runs (the page says why each is what it is)
CURVE_REGIMES = {"healthy: cgan": "cgan", "D winning: pixelgan": "pixelgan",
                 "mode collapse: gan": "gan"}
VERDICT_VARIANT = "l1+cgan"  # the ablation run whose D judges a pair: pix2pix's objective
# which pairs the figures show (indices into a split, chosen once by eye; any pair would do)
JITTER_PAIR = 10  # a training pair of the shapes set at 256x256: asymmetric, so a flip shows
JITTER_EPOCHS = (0, 1, 2)  # three epochs, three crops and flips of that pair
SKETCH_PAIR = 9  # a held-out sketch of three kinds of shape, followed across the milestones
STUDIES = ("windows", "partial", "colours", "consistency")  # exercise 2, in its order
OPENMOJI_CREDIT = "drawings: OpenMoji, CC BY-SA 4.0"  # on every figure of them or of G's output
OPENMOJI_ROWS = 4  # held-out drawings followed across the milestones
OPENMOJI_HERO = 6  # held-out drawings on the landing page
PAGE_WIDTH = 900  # pixels: a figure copied from a script's output is shrunk to this
EXERCISE_FLAGS = []  # more flags for exercises 1 and 2 (the tests add --quick)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIGURE_DIR,
                        help=f"folder for the figures (default: {FIGURE_DIR})")
    parser.add_argument("--training", action="store_true",
                        help="also train exercise 3's shapes run and the ablation study and "
                             "draw from them: about 40 minutes on a quiet 2-core CPU "
                             "(default: off)")
    parser.add_argument("--shapes-run", type=Path, default=None,
                        help="draw the shapes figures from this finished run of "
                             "exercise3_train.py --data synthetic instead of training one "
                             "(default: none)")
    parser.add_argument("--ablation-run", type=Path, default=None,
                        help="draw the ablation figures from this folder of "
                             "exercise3_ablations.py, e.g. runs/ablations, instead of running "
                             "the study (default: none)")
    parser.add_argument("--openmoji-run", type=Path, default=None,
                        help="draw the landing picture and exercise 3's OpenMoji figures from "
                             "this finished run of exercise3_train.py --data openmoji "
                             "(default: none)")
    parser.add_argument("--openmoji-ablation-run", type=Path, default=None,
                        help="copy the objective study's figure and table from this folder of "
                             "exercise3_ablations.py --data openmoji (default: none)")
    parser.add_argument("--facades-run", type=Path, default=None,
                        help="with --with-weights: also draw the sample labels through this "
                             "facades run of exercise 3 beside the official model (default: "
                             "none)")
    parser.add_argument("--with-weights", action="store_true",
                        help="also run exercises 1 and 2 with the official pretrained "
                             "generator and draw its filters (default: off)")
    parser.add_argument("--checkpoint", type=Path, default=FACADES_CHECKPOINT,
                        help=f"official generator for --with-weights (default: "
                             f"{FACADES_CHECKPOINT})")
    return parser.parse_args(argv)


def copy_figure(source, target):
    """Copy a PNG that a script drew for its own folder, made small for the pages.

    At most PAGE_WIDTH pixels wide (wider than the text column of a page is never seen) and in
    256 colours: a grid of photos drops from hundreds of kB to about a hundred.
    """
    with Image.open(source) as image:
        image = image.convert("RGB")
        if image.width > PAGE_WIDTH:
            image = image.resize((PAGE_WIDTH, round(image.height * PAGE_WIDTH / image.width)),
                                 Image.LANCZOS)
        image.quantize(256).save(target, optimize=True)
    return Path(target)


def load_script(name):
    """A script of exercises/ as a module, for its settings (scripts are not in the package)."""
    spec = importlib.util.spec_from_file_location(Path(name).stem, EXERCISES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_course_script(arguments, cwd, capture=False):
    """Run a course script as a student would, with this copy's package; returns its stdout.

    Raises:
        FixableError: the script failed; it has printed why.
    """
    command = [sys.executable, *map(str, arguments)]
    print("running:", " ".join(command[1:]), flush=True)
    result = subprocess.run(command, cwd=cwd, env=this_checkout_environment(),
                            stdout=subprocess.PIPE if capture else None, text=True)
    if result.returncode != 0:
        raise FixableError(f"{Path(arguments[0]).name} failed (exit code {result.returncode}); "
                           "its message is above.")
    return result.stdout


# -----------------------------------------------------------------------------
# (1) Measured from freshly built networks


def make_model_figures(out):
    """The U-Net, the PatchGAN's receptive field and what D sees; returns the files written."""
    torch.manual_seed(0)  # same random weights, same PNGs, run after run
    draw_unet(feature_maps(UNetGenerator()), out / "unet.png")
    draw_patchgan(receptive_field(PatchGANDiscriminator()), out / "patchgan_receptive_field.png")
    return [out / "unet.png", out / "patchgan_receptive_field.png"]


def what_d_sees(size=256):
    """The channels D reads and the logits it returns, measured with and without the condition.

    Returns:
        dict from ``conditional`` to (channels, size, (rows, columns) of logits).
    """
    seen = {}
    for conditional in (True, False):
        discriminator = PatchGANDiscriminator(DiscriminatorConfig(conditional=conditional))
        image = torch.zeros(1, 3, size, size)
        with torch.no_grad():
            logits = discriminator(image, image)  # (1, 1, rows, columns)
        seen[conditional] = (discriminator.config.in_channels, size, tuple(logits.shape[-2:]))
    return seen


# -----------------------------------------------------------------------------
# (2) The facade labels


def colour_study_palettes():
    """The palettes of exercise 2's colour study, headed by the off-palette share of its label.

    The same palettes, in the same order, as ``study_colours`` builds from the script's
    settings; the test of ``--with-weights`` checks the shares against what the script prints.
    """
    exercise2 = load_script("exercise2_explore.py")
    palettes = {"pix2pix jet(64)": MODEL_PALETTE, "CMP jet(12)": CMP_PALETTE,
                "grey/red": exercise2.WRONG_PALETTE}
    palettes.update({f"hue +{shift}": exercise2.shift_hue(MODEL_PALETTE, shift)
                     for shift in exercise2.HUE_SHIFTS})
    label_ids = design_facade(exercise2.BASE_DESIGN)
    return {f"{name}\noff-palette {off_palette_fraction(ids_to_rgb(label_ids, palette)):.0%}":
            palette for name, palette in palettes.items()}


def make_facade_figures(out):
    """Both palettes, the sample labels and the colour study's palettes; returns the files."""
    paths = sorted(SAMPLE_FACADES_DIR.glob("*.png"))
    labels = [read_label(path)[0] for path in paths]
    titles = [path.stem.replace("designed_", "") for path in paths]
    samples = save_image_grid([labels[:3], labels[3:]], out / "facade_samples.png",
                              column_titles=[titles[:3], titles[3:]])
    return [save_palette_legend(out / "facade_palettes.png"), samples,
            save_palette_legend(out / "exercise2_palettes.png", colour_study_palettes())]


# -----------------------------------------------------------------------------
# (3) The training data: the paper's jitter, and a pair for the conditioning figure


def locate_crop(resized, pair):
    """Where ``pair`` was cut from ``resized``: (top, left, flipped), found by comparing pixels.

    Measured rather than recomputed, so the figure shows what ``paired_jitter`` did.
    """
    crop_size = len(pair[0])
    margin = len(resized[0]) - crop_size
    middle = crop_size // 2  # one row first: most windows differ there, and it is cheap
    for flipped in (False, True):
        crops = [crop[:, ::-1] if flipped else crop for crop in pair]  # undo the mirroring
        for top in range(margin + 1):
            for left in range(margin + 1):
                if not np.array_equal(resized[0][top + middle, left:left + crop_size],
                                      crops[0][middle]):
                    continue
                if all(np.array_equal(image[top:top + crop_size, left:left + crop_size], crop)
                       for image, crop in zip(resized, crops)):
                    return top, left, flipped
    raise ValueError("the crop is not a window of the resized pair")


def make_data_figures(out):
    """The jitter on a shapes pair at 256x256 and what D sees; returns the files written."""
    with tempfile.TemporaryDirectory() as folder:
        root = write_synthetic_dataset(Path(folder), num_train=JITTER_PAIR + 1, num_val=0,
                                       size=256)
        dataset = PairedDataset(root, "train", crop_size=256, augment=True)
        name = dataset.names[JITTER_PAIR]
        stored = [np.asarray(Image.open(side / name).convert("RGB"))
                  for side in pair_folders(root, "train")]
        resized = dataset.read_resized(JITTER_PAIR)
        crops = []
        for epoch in JITTER_EPOCHS:
            dataset.set_epoch(epoch)  # as fit() does before each epoch
            pair = [to_uint8(image) for image in dataset[JITTER_PAIR]]
            crops.append((epoch + 1, pair, locate_crop(resized, pair)))
    save_jitter_figure(stored, resized, crops, out / "jitter.png")
    draw_conditioning(stored, what_d_sees(), out / "conditional_vs_unconditional.png")
    return [out / "jitter.png", out / "conditional_vs_unconditional.png"]


# -----------------------------------------------------------------------------
# (4) Real training runs: exercise 3's shapes and the ablations' objective study


def held_out_pair(config, index):
    """Held-out pair ``index`` of a run's data, as two (H, W, 3) uint8 pictures."""
    if not Path(config.data_root).is_dir():
        raise FixableError(f"the run's data folder {config.data_root} is gone: draw the set "
                           "again with the run's command, or give another run.")
    pairs = PairedDataset(config.data_root, "val", config.image_size, augment=False)
    return [to_uint8(image) for image in pairs[index]]


def translate_held_out(generator, pictures):
    """G in eval mode on (H, W, 3) uint8 sketches, as the run's own grids draw it."""
    return list(to_uint8(eval_translate(generator, to_batch(pictures))))


def make_shapes_figures(out, run):
    """The shapes run's grids and curves and one sketch across its milestones; returns the
    files written."""
    config = read_config(run)
    milestones = milestone_epochs(config.epochs)
    copies = [(f"exercise3_epoch_{milestones[0]}.png", "exercise3_shapes_early.png"),
              (f"exercise3_epoch_{config.epochs}.png", "exercise3_shapes_late.png"),
              ("exercise3_losses.png", "exercise3_shapes_losses.png")]
    written = [copy_figure(run / source, out / target) for source, target in copies]
    sketch, target = held_out_pair(config, SKETCH_PAIR)
    drawn = [translate_held_out(load_trained_generator(run / f"generator_epoch_{epoch}.pt")[0],
                                [sketch])[0] for epoch in milestones]
    pictures = [sketch, *drawn, target]
    titles = ["held-out sketch (x)", *[f"epoch {e}" for e in milestones], "target (y)"]
    save_image_grid([pictures], out / "exercise3_sketch_epochs.png", column_titles=titles,
                    title=f"One held-out sketch, drawn by G at each milestone of the "
                          f"{config.epochs}-epoch shapes run", legend=False)
    # the phone's variant: two pictures a row, so that each keeps a third of a phone's width
    save_image_grid([pictures[i:i + 2] for i in range(0, len(pictures), 2)],
                    out / "exercise3_sketch_epochs_phone.png",
                    column_titles=[titles[i:i + 2] for i in range(0, len(titles), 2)],
                    title=f"{config.epochs}-epoch shapes run", legend=False)
    with tempfile.TemporaryDirectory() as folder:  # drawn, then made small as the copies are
        drawn_curves = Path(folder) / "losses.png"
        save_loss_curves(read_log(run), drawn_curves, stacked=True)
        written.append(copy_figure(drawn_curves, out / "exercise3_shapes_losses_phone.png"))
    return written + [out / "exercise3_sketch_epochs.png",
                      out / "exercise3_sketch_epochs_phone.png"]


def held_out_by_name(config, names):
    """Held-out pairs of a run's data by file name (without suffix), as (H, W, 3) uint8."""
    pairs = PairedDataset(config.data_root, "val", config.image_size, augment=False)
    return [[to_uint8(image) for image in pairs[i]] for i in pairs.indices_of(names)]


def make_openmoji_figures(out, run):
    """The course's face from a laptop run on OpenMoji: the landing picture, held-out
    drawings across the milestones, the curves, the final grid; returns the files written."""
    config = read_config(run)
    if not Path(config.data_root).is_dir():
        raise FixableError(f"the run's data folder {config.data_root} is gone: render it again "
                           "with the run's command, or give another run.")
    milestones = milestone_epochs(config.epochs)
    about = (f"{config.epochs} epochs at {config.image_size}×{config.image_size} on a laptop "
             f"CPU, ngf {config.ngf}; {OPENMOJI_CREDIT}")
    names = held_out_sample(config.data_root, max(OPENMOJI_ROWS, OPENMOJI_HERO))
    pairs = held_out_by_name(config, names)
    generators = {epoch: load_trained_generator(run / f"generator_epoch_{epoch}.pt")[0]
                  for epoch in milestones}
    shown = pairs[:OPENMOJI_ROWS]
    sketches = [sketch for sketch, _ in shown]
    by_epoch = {epoch: translate_held_out(generators[epoch], sketches) for epoch in milestones}
    rows = [[sketch, *(by_epoch[epoch][i] for epoch in milestones), target]
            for i, (sketch, target) in enumerate(shown)]
    hero = pairs[:OPENMOJI_HERO]
    final = translate_held_out(generators[config.epochs], [sketch for sketch, _ in hero])
    written = [copy_figure(run / f"exercise3_epoch_{config.epochs}.png",
                           out / "openmoji_final.png")]
    with tempfile.TemporaryDirectory() as folder:  # drawn, then made small as the copies are
        drawn = Path(folder)
        save_image_grid(rows, drawn / "openmoji_epochs.png",
                        column_titles=["held-out drawing (x)",
                                       *[f"epoch {e}" for e in milestones], "the artist's (y)"],
                        title=f"Drawings G never trained on, at each milestone: {about}",
                        legend=False)
        save_loss_curves(read_log(run), drawn / "openmoji_losses.png")
        save_loss_curves(read_log(run), drawn / "openmoji_losses_phone.png", stacked=True)
        save_image_grid([[sketch for sketch, _ in hero], final, [target for _, target in hero]],
                        drawn / "hero.png",
                        row_titles=["held-out drawing x", "G(x)", "the artist's y"],
                        title=f"pix2pix trained from scratch on a laptop: drawings it never saw. "
                              f"{about}", legend=False)
        written += [copy_figure(drawn / name, out / name) for name in (
            "openmoji_epochs.png", "openmoji_losses.png", "openmoji_losses_phone.png",
            "hero.png")]
    written.append(make_verdict_figure(out, run, names[0], OPENMOJI_CREDIT))
    return written


def make_openmoji_ablation_figures(out, study):
    """The objective study on OpenMoji: its figure and its table; returns the files written."""
    written = [copy_figure(study / "objective.png", out / "ablation_openmoji_objective.png")]
    table = out.parent / "_ablation_openmoji_results.txt"
    table.write_text((study / "results.txt").read_text())
    return written + [table]


def load_discriminator(run):
    """D of a finished run, from its ``checkpoint.pt``, in eval mode, and the run's config."""
    config = read_config(run)
    if not config.has_discriminator:
        raise FixableError(f"{run} trained no discriminator (objective {config.objective}): "
                           f"give a run with one, such as runs/ablations/{VERDICT_VARIANT}.")
    if not (run / CHECKPOINT_NAME).is_file():
        raise FixableError(f"{run} holds no {CHECKPOINT_NAME}, where D's weights are: give "
                           "the run folder itself.")
    discriminator = PatchGANDiscriminator(config.discriminator_config())
    state = torch.load(run / CHECKPOINT_NAME, map_location="cpu", weights_only=True)
    discriminator.load_state_dict(state["discriminator"], strict=True)
    return discriminator.eval(), config


def make_verdict_figure(out, run, name, credit):
    """D's verdicts on the held-out real pair ``name`` and on G's pair, from one run; returns
    the file."""
    discriminator, config = load_discriminator(run)
    generator, _ = load_trained_generator(run)
    [(input_image, target_image)] = held_out_by_name(config, [name])
    fake_image = translate_held_out(generator, [input_image])[0]
    x, y, fake = to_batch([input_image, target_image, fake_image]).split(1)
    with torch.no_grad():  # sigmoid: the probability that D gives each patch of being real
        verdicts = [torch.sigmoid(discriminator(x, judged))[0, 0].numpy() for judged in (y, fake)]
    path = out / "patchgan_verdicts.png"
    save_patch_verdicts((input_image, target_image, fake_image), verdicts, path,
                        title=f"D of a {config.objective} run ({config.epochs} epochs, "
                              f"{config.patch_size}×{config.patch_size} patches) on a held-out "
                              f"pair; {credit}")
    return path


def make_training_figures(out, shapes_run, ablation_run, train):
    """Draw from the given runs, training those missing when ``train``; returns the files."""
    written = []
    with tempfile.TemporaryDirectory() as folder:
        if shapes_run is None and train:
            shapes_run = Path(folder) / "shapes"
            run_course_script([*SHAPES_COMMAND, "--out", shapes_run], cwd=folder)
        if ablation_run is None and train:
            ablation_run = Path(folder) / "ablations"
            run_course_script([*ABLATIONS_COMMAND, "--out", ablation_run], cwd=folder)
        if shapes_run is not None:
            written += make_shapes_figures(out, Path(shapes_run))
        if ablation_run is not None:
            written += make_ablation_figures(out, Path(ablation_run))
    return written


def make_ablation_figures(out, study):
    """Copy the study's figures and table; draw one ambiguous drawing with its two targets."""
    if not (study / "results.txt").is_file():
        raise FixableError(f"{study} holds no results.txt: give the --out folder of a finished "
                           "python exercises/exercise3_ablations.py")
    written = [copy_figure(study / source, out / target)
               for source, target in ABLATION_FILES.items() if (study / source).is_file()]
    regimes = {label: study / variant for label, variant in CURVE_REGIMES.items()
               if (study / variant / LOG_NAME).is_file()}
    if regimes:  # the three ways a run's curves look, each from a real run of the study
        written.append(load_script("exercise3_ablations.py").draw_curves(
            regimes, out / "ablation_regimes.png"))
    table = out.parent / ABLATION_TABLE
    table.write_text((study / "results.txt").read_text())
    pairs = PairedDataset(study / "data", "val", read_config(study / VERDICT_VARIANT).image_size,
                          augment=False)
    drawing, first = (to_uint8(image) for image in pairs[0])  # pairs 2k and 2k+1 share a drawing
    second = to_uint8(pairs[1][1])
    written.append(save_image_grid([[drawing, first, second]], out / "ambiguous_pair.png",
                                   column_titles=["the drawing (x)", "one target (y)",
                                                  "another target (y)"],
                                   title="The ambiguous set: one input, two right answers",
                                   legend=False))
    return written + [table]


# -----------------------------------------------------------------------------
# (5) The official weights: exercises 1 and 2 as a student runs them


def split_studies(printed):
    """Exercise 2's printout, one block per study: a study's block opens with "<study>:"."""
    blocks, current = {}, None
    for line in printed.splitlines():
        if line.rstrip(":") in STUDIES and line.endswith(":"):
            current = line[:-1]
            blocks[current] = []
        if current is not None:
            blocks[current].append(line)
    return {study: "\n".join(lines) + "\n" for study, lines in blocks.items()}


def make_facades_comparison(out, run, checkpoint):
    """The sample labels, the official generator's photos and those of a facades model the
    student trained (exercise 3's facades track), in the paper's test mode; returns the file."""
    official = create_facades_generator(checkpoint)
    yours, config = load_trained_generator(run)
    labels = [read_label(path)[0] for path in sorted(SAMPLE_FACADES_DIR.glob("designed_*.png"))]
    batch = to_batch(labels)
    photos = [list(to_uint8(translate(generator, batch))) for generator in (official, yours)]
    path = out / "facades_own_vs_official.png"
    save_image_grid([labels, *photos], path,
                    row_titles=["label", "official model", f"your {config.epochs} epochs"],
                    title="The same labels, the official facades_label2photo and a model trained "
                          "by exercise 3 (paper mode, seeds 0-5)")
    return path


def make_weight_figures(out, checkpoint):
    """The first-layer filters, exercise 1's grid and exercise 2's studies; returns the files."""
    checkpoint = checkpoint.resolve()  # the scripts run in another folder
    generator = create_facades_generator(checkpoint)  # a missing file stops here, with the fix
    written = [out / "official_first_filters.png"]
    draw_first_filters(generator, written[0])
    with tempfile.TemporaryDirectory() as folder:
        # relative --out: the printed paths are the ones a student sees
        run_course_script([EXERCISES / "exercise1_observe.py", "--checkpoint", checkpoint,
                           "--out", "outputs/exercise1", *EXERCISE_FLAGS], cwd=folder)
        written.append(copy_figure(Path(folder) / "outputs/exercise1/grid_paper.png",
                                   out / "exercise1_grid.png"))
        printed = run_course_script([EXERCISES / "exercise2_explore.py", "--checkpoint",
                                     checkpoint, "--out", "outputs/exercise2", *EXERCISE_FLAGS],
                                    cwd=folder, capture=True)
        print(printed, end="")
        for study, text in split_studies(printed).items():
            (out / f"exercise2_{study}.txt").write_text(text)
            written += [out / f"exercise2_{study}.txt", copy_figure(
                Path(folder) / "outputs/exercise2" / f"{study}.png",
                out / f"exercise2_{study}.png")]
    return written


def main(argv=None):
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    groups = [("quick", lambda: make_model_figures(args.out) + make_facade_figures(args.out)
               + make_data_figures(args.out))]
    if args.training or args.shapes_run or args.ablation_run:
        groups.append(("training", lambda: make_training_figures(
            args.out, args.shapes_run, args.ablation_run, args.training)))
    if args.openmoji_run or args.openmoji_ablation_run:
        groups.append(("openmoji", lambda: (
            (make_openmoji_figures(args.out, args.openmoji_run) if args.openmoji_run else [])
            + (make_openmoji_ablation_figures(args.out, args.openmoji_ablation_run)
               if args.openmoji_ablation_run else []))))
    if args.with_weights:
        groups.append(("with-weights", lambda: make_weight_figures(args.out, args.checkpoint) + (
            [make_facades_comparison(args.out, args.facades_run, args.checkpoint)]
            if args.facades_run else [])))
    written = []
    for name, make in groups:
        print(f"{name} group ...", flush=True)
        started = time.perf_counter()
        written += make()
        print(f"{name} group: {time.perf_counter() - started:.0f} s", flush=True)
    for path in map(Path, written):
        print(f"wrote {path} ({path.stat().st_size // 1024} kB)")
    return 0


if __name__ == "__main__":
    run_script(main)
