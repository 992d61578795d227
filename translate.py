"""Translate your own images with a pix2pix generator at their own shape, or evaluate it on pairs.

Goal: apply a trained generator to any image, read exactly as its training data was: facade
labels through the facade label reader (any palette), sketches as drawings on white paper. The
paper's test-time mode by default, as in exercise 1.

Command (from any directory):

    python translate.py sample_facades/designed_01_classic.png     # the official generator
    python translate.py sample_facades                             # every image in a folder
    python translate.py --model runs/exercise3_synthetic_quick my_sketch.png
    python translate.py --model outputs/facades.onnx --eval a/x.png b/x.png
    python translate.py --evaluate datasets/facades/test --direction BtoA

``--model`` is the official checkpoint (the default, from ``python download_pretrained.py``), an
Exercise 3 run folder or its ``generator.pt``, or a ``.onnx`` written by ``export_onnx.py``.

Shapes: the generator is fully convolutional, so it runs on any image whose sides are multiples
of 2**depth, depth being its number of stride-2 halvings (``num_downs`` in its config: 8 for the
official unet_256, so multiples of 256). An input is scaled so that its shorter side is the size
the model was trained at (the scale it learned), its longer side is rounded to the nearest
multiple, and the output is scaled back to the input's size: a 200x350 sketch runs at 256x512
and comes back 200x350; a 4000x300 label runs at 3328x256. The longer side is capped at
16 times the trained size for memory, which is said when it happens. An exported ``.onnx`` has
one input size, so its inputs are squashed to it (and the outputs scaled back).

Expected output: one line per input (facade labels: size, palette, classes, warnings; a "wrong
kind of model?" hint when the input does not look like what the model was trained on), a
progress bar for several files, and ``a/x.png -> outputs/translate/x.png``. Each output is
written as soon as it is made, under its input's name; a name already taken gets ``-2``,
``-3``, ...: nothing is overwritten. Ctrl+C keeps what is done and prints how to finish. With
``--evaluate FOLDER`` (aligned A|B pairs, such as ``download_dataset.py``'s test splits) it
writes input | output | target side by side for each pair, an ``index.html`` of them, and the
mean held-out L1, PSNR and colour-histogram intersection.

Runtime: about 0.1 s per 256x256 image on a laptop CPU, plus a second or two to load.
"""

import argparse
import html
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from pix2pix.datasets.facades import (CMP_PALETTE, MODEL_PALETTE, SNAP_TOLERANCE, nearest_class,
                                      read_label)
from pix2pix.device import pick_device
from pix2pix.errors import FixableError, run_script
from pix2pix.images import to_batch, to_uint8
from pix2pix.inference import translate
from pix2pix.metrics import distance_metrics, histogram_intersection, lab_histograms
from pix2pix.paths import FACADES_CHECKPOINT, PROJECT_ROOT, atomic_write, check_writable
from pix2pix.weights.model_files import ModelInfo, load_generator
from pix2pix.weights.onnx_export import OnnxGenerator

# -----------------------------------------------------------------------------
# Settings you can change (MODEL, OUT and SEED are also command-line flags)

MODEL = FACADES_CHECKPOINT  # where download_pretrained.py puts the official weights
OUT = PROJECT_ROOT / "outputs" / "translate"
SEED = 0  # image i uses dropout seed SEED + i in paper mode: same seed, same output
MAX_ASPECT = 16  # the longer side at most 16x the trained size: a 4096x256 run takes 0.6 GB more
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


# -----------------------------------------------------------------------------
# 1. Load the generator


@dataclass
class Model:
    """A loaded generator, whichever file it came from."""

    run: Callable  # (input_images (1, 3, H, W), mode, seed) -> fake_images (1, 3, H, W)
    info: ModelInfo  # its kind and the size it was trained at
    multiple: int  # each side a multiple of this; 0: only info.image_size square (ONNX)


def load_model(path, device):
    """The generator ``path`` names, with the sizes it accepts.

    An ``.onnx`` file runs in onnxruntime with the same modes and seeds as PyTorch, so both give
    the same picture for the same seed; its graph was exported for one input size.
    """
    if Path(path).suffix == ".onnx":
        exported = OnnxGenerator(path)
        return Model(exported, exported.info, 0)
    generator, info = load_generator(path, device)

    def run(input_images, mode, seed):
        return translate(generator, input_images, mode=mode, seed=seed)

    # each of the num_downs stride-2 convolutions halves both sides, down to the bottleneck
    return Model(run, info, 2 ** generator.config.num_downs)


# -----------------------------------------------------------------------------
# 2. The shape the generator runs at: the input's, as nearly as the network allows


def nearest_multiple(length, multiple):
    """The multiple of ``multiple`` nearest to ``length``, and at least ``multiple``."""
    return max(multiple, round(length / multiple) * multiple)


def run_size(size, model):
    """The (width, height) an input of ``size`` (width, height) runs at, and a note or None.

    The shorter side goes to the trained size, the longer keeps the aspect ratio as nearly as
    the multiples allow, up to ``MAX_ASPECT`` times the trained size.
    """
    trained = model.info.image_size
    width, height = size
    if not model.multiple:
        note = (f"squashed to {trained}x{trained}: an exported .onnx has one input size"
                if width != height else None)
        return (trained, trained), note
    scale = trained / min(width, height)
    longest = MAX_ASPECT * trained
    run = tuple(nearest_multiple(min(side * scale, longest), model.multiple)
                for side in (width, height))
    if max(width, height) * scale <= longest:
        return run, None
    return run, (f"{width}x{height} is longer than {MAX_ASPECT}:1, so it runs at "
                 f"{run[0]}x{run[1]} (the longer side capped for memory) and is squashed along it")


# -----------------------------------------------------------------------------
# 3. Read an input as the model's training data was read, and check it is the right kind

GREY_CHROMA = 40  # max - min of R, G, B: a pencil line or JPEG noise stays below, a colour not
# a drawing is grey but for a few coloured strokes; a coloured picture on white paper has a
# grey background too (the shapes set's colourings are 65-94% grey), so only "nearly all"
# tells the two apart
SKETCH_GREY_SHARE = 0.95


def palette_share(rgb):
    """Share of pixels within ``SNAP_TOLERANCE`` of a facade class colour (either palette)."""
    distance = np.minimum(nearest_class(rgb, MODEL_PALETTE)[1], nearest_class(rgb, CMP_PALETTE)[1])
    return float((distance <= SNAP_TOLERANCE).mean())


def kind_hint(rgb, kind, label_share=None):
    """A "wrong kind of model?" sentence when ``rgb`` does not look like the model's inputs.

    The facades model was trained on labels: nearly every pixel one of twelve class colours.
    A sketch model was trained on dark lines on white paper: nearly every pixel grey.

    Args:
        rgb: (H, W, 3) uint8 input as read.
        kind: the model's kind, "facades" or "sketch".
        label_share: for facades, the share of pixels near a class colour when known (the label
            reader's report); computed from ``rgb`` otherwise.

    Returns:
        The sentence, or None when the input looks right.
    """
    if kind == "facades":
        share = palette_share(rgb) if label_share is None else label_share
        if share >= 0.5:
            return None
        return (f"only {share:.0%} of its pixels are near a facade class colour: it looks like "
                "a drawing or a photo, not a facade label. Wrong kind of model? The facades "
                "model turns labels drawn in the legend's colours into photos; a sketch model "
                "(--model RUN_FOLDER) colours drawings.")
    grey = float((rgb.max(-1).astype(int) - rgb.min(-1) <= GREY_CHROMA).mean())
    if grey >= SKETCH_GREY_SHARE:
        return None
    share = palette_share(rgb)
    what = (f"a facade label ({share:.0%} of its pixels are class colours)" if share >= 0.5
            else f"a colour picture ({1 - grey:.0%} of its pixels in colour)")
    return (f"it looks like {what}, but this sketch model was trained on dark lines on white "
            "paper. Wrong kind of model? Facade labels go to the official facades model (the "
            "default --model).")


def image_size(path):
    """(width, height) of an image file, from its header alone."""
    try:
        with Image.open(path) as image:
            return image.size
    except FileNotFoundError:
        raise FixableError(f"No image at {path}.",
                           fix="Give the path of an image (PNG or JPEG) or a folder.") from None
    except (UnidentifiedImageError, OSError) as error:
        raise FixableError(f"{path} is not an image that Pillow can read ({error}).",
                           fix="Save it as PNG.") from None


def read_sketch(path, size):
    """A drawing as a (height, width, 3) uint8 array at ``size`` (width, height), BICUBIC.

    Transparent pixels become white paper: drawing apps often save lines on a transparent
    background, which a plain RGB conversion would turn black.
    """
    try:
        with Image.open(path) as image:
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError) as error:  # e.g. a PNG cut short
        raise FixableError(f"{path} is not an image that Pillow can read ({error}).",
                           fix="Save it as PNG.") from None
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    drawing = Image.alpha_composite(paper, rgba).convert("RGB")
    return np.asarray(drawing.resize(size, Image.BICUBIC))


def read_input(path, model):
    """One input at its run size, its own size, and the lines to print about it.

    Returns:
        ``(image, size, notes)``: the (h, w, 3) uint8 input at the run size, the file's
        (width, height), and a list of lines (the label report, the size, hints).

    Raises:
        FixableError: the file is missing or not an image (the batch goes on without it).
    """
    size = image_size(path)
    run, note = run_size(size, model)
    notes = [f"{size[0]}x{size[1]}, runs at {run[0]}x{run[1]}"]
    if model.info.kind == "facades":
        image, report = read_label(path, run)
        # the report names the size; the run size is news only when it differs
        notes = [report.summary()] + (notes if run != size else [])
        hint = kind_hint(image, "facades", label_share=1 - report.unmatched_fraction)
    else:
        image = read_sketch(path, run)
        hint = kind_hint(image, model.info.kind)
    return image, size, notes + [f"warning: {line}" for line in (note, hint) if line]


def generate(model, input_image, size, mode, seed):
    """G(x) for one input at its run size, scaled back to ``size`` (width, height).

    Returns:
        (height, width, 3) uint8 picture.
    """
    fake_image = to_uint8(model.run(to_batch([input_image]), mode, seed))[0]  # (h, w, 3)
    return np.asarray(Image.fromarray(fake_image).resize(size, Image.BICUBIC))


# -----------------------------------------------------------------------------
# 4. Translate files, each saved the moment it is made


def images_in(paths):
    """The files to translate: each file given, and the images inside each folder given."""
    files = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise FixableError(f"{path} holds no images ({', '.join(IMAGE_SUFFIXES)}).",
                                   fix="Give a folder of images, or the images themselves.")
            files += found
        else:
            files.append(path)
    return files


def output_paths(paths, out, skip_existing=False):
    """``out/<input name>.png`` for each input; a name already taken gets -2, -3, ...

    With ``skip_existing``, names depend on the inputs alone (not on what ``out`` holds), so
    the same command names the same files and an interrupted run can skip those it wrote.
    """
    taken = set()
    result = []
    for path in paths:
        stem, number = Path(path).stem, 1
        target = out / f"{stem}.png"
        while target in taken or (target.exists() and not skip_existing):
            number += 1
            target = out / f"{stem}-{number}.png"
        taken.add(target)
        result.append(target)
    return result


def save(picture, path):
    """Write a (H, W, 3) uint8 picture as PNG under a temporary name, then rename it."""
    with atomic_write(path) as temporary:
        Image.fromarray(picture).save(temporary, format="PNG")


def plural(count, word):
    """'1 image', '2 images'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def translate_files(paths, model, args):
    """Translate and save each input in turn; returns the exit status (0, 1 if any skipped)."""
    targets = output_paths(paths, args.out, args.skip_existing)
    todo = [(i, path, target) for i, (path, target) in enumerate(zip(paths, targets))
            if not (args.skip_existing and target.exists())]
    if len(todo) < len(paths):
        print(f"skipping {plural(len(paths) - len(todo), 'input')} already in {args.out}")
    written, skipped, start = 0, [], time.perf_counter()
    try:
        for index, path, target in tqdm(todo, unit="image", disable=len(todo) < 2):
            try:
                input_image, size, notes = read_input(path, model)
            except FixableError as error:
                skipped.append(path)
                tqdm.write(f"skipped {path}: {error}")
                continue
            # image i gets seed SEED + i of the whole list: the same command, the same pictures
            save(generate(model, input_image, size, args.mode, args.seed + index), target)
            written += 1
            tqdm.write("\n    ".join([f"{path}: {notes[0]}", *notes[1:]]))
            tqdm.write(f"{path} -> {target}")
    except KeyboardInterrupt:
        print(f"\nInterrupted: {plural(written, 'image')} of {len(todo)} written to {args.out}. "
              "To translate the rest, run the same command with --skip-existing.",
              file=sys.stderr)
        return 130
    seconds = time.perf_counter() - start
    print(f"translated {plural(written, 'image')} in {seconds:.2f} s into {args.out}"
          + (f"; skipped {plural(len(skipped), 'unreadable file')} (see above)" if skipped
             else ""))
    return 1 if skipped else 0


# -----------------------------------------------------------------------------
# 5. Evaluate on a test split of aligned pairs: input | output | target, an index, the numbers


def split_aligned(image, direction):
    """The (input, target) halves of an aligned A|B image, as (H, W, 3) uint8 arrays.

    The official aligned layout puts A on the left and B on the right; AtoB translates A into
    B, BtoA the other way (facades' labels are its B, so label -> photo is BtoA).
    """
    pair = np.asarray(image.convert("RGB"))  # (H, 2W, 3)
    if pair.shape[1] % 2:
        raise FixableError(f"an aligned pair is 2W x H, but this image is {pair.shape[1]} "
                           "pixels wide (odd).", fix="Give a folder of A|B pairs.")
    a, b = np.split(pair, 2, axis=1)
    return (a, b) if direction == "AtoB" else (b, a)


def read_pair(path, direction):
    """:func:`split_aligned` of the file ``path``; a FixableError names the file."""
    try:
        with Image.open(path) as image:
            return split_aligned(image, direction)
    except (UnidentifiedImageError, OSError) as error:
        raise FixableError(f"{path} is not an image that Pillow can read ({error}).") from None
    except FixableError as error:
        raise FixableError(f"{path}: {error.reason}", fix=error.fix) from None


def write_index(out, title, rows, summary):
    """A one-page ``index.html``: the numbers, then each pair's row (relative links, no server)."""
    cells = "\n".join(
        f"<tr><td>{html.escape(name)}<br>L1 {numbers['L1']:.3f}, PSNR {numbers['PSNR']:.1f} dB"
        f"</td><td><img src=\"images/{urllib.parse.quote(name)}\" alt=\"{html.escape(name)}\">"
        "</td></tr>" for name, numbers in rows)
    page = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title></head>\n<body><h1>{html.escape(title)}</h1>\n<p>{html.escape(summary)}</p>"
            "\n<p>Each row: input | output | target.</p>\n<table>\n"
            f"{cells}\n</table></body></html>\n")
    with atomic_write(out / "index.html") as temporary:
        temporary.write_text(page, encoding="utf-8")


def evaluation_summary(rows, counts):
    """'106 pairs: held-out L1 0.412, PSNR 12.3 dB, colour histogram intersection 0.871 ...'."""
    if not rows:
        return "no pairs evaluated"
    l1 = np.mean([numbers["L1"] for _, numbers in rows])
    psnr = np.mean([numbers["PSNR"] for _, numbers in rows])
    colour = histogram_intersection(*counts)
    return (f"{plural(len(rows), 'pair')}: held-out L1 {l1:.3f}, PSNR {psnr:.2f} dB, colour "
            f"histogram intersection {colour['mean']:.3f} (L {colour['L']:.3f}, a "
            f"{colour['a']:.3f}, b {colour['b']:.3f})")


def evaluate_pair(path, model, args, index):
    """Translate one aligned pair: its (input, output, target), each (H, W, 3) uint8."""
    input_half, target_half = read_pair(path, args.direction)
    height, width = input_half.shape[:2]
    run, _ = run_size((width, height), model)
    # the halves go in as stored, JPEG noise included, as the official test.py feeds them
    input_image = np.asarray(Image.fromarray(input_half).resize(run, Image.BICUBIC))
    fake = generate(model, input_image, (width, height), args.mode, args.seed + index)
    return input_half, fake, target_half


def evaluate_folder(folder, model, args):
    """Evaluate on every pair in ``folder``; returns the exit status."""
    paths = images_in([folder])
    (args.out / "images").mkdir(exist_ok=True)
    title = f"{Path(model.info.source).name} on {folder} ({args.direction}, {args.mode} mode)"
    rows, skipped, status = [], [], 0
    counts = [0, 0]  # the outputs' and the targets' Lab histograms, summed over the pairs
    pictures = output_paths(paths, args.out / "images")  # x.jpg and x.png: x.png, x-2.png
    pairs = tqdm(zip(paths, pictures), total=len(paths), unit="pair", disable=len(paths) < 2)
    try:
        for index, (path, picture) in enumerate(pairs):
            try:
                input_half, fake, target = evaluate_pair(path, model, args, index)
            except FixableError as error:
                skipped.append(path)
                tqdm.write(f"skipped {path}: {error}")
                continue
            if not rows and (hint := kind_hint(input_half, model.info.kind)):
                tqdm.write(f"warning: the first input (--direction {args.direction}): {hint} "
                           "Or it is the pair's other half: try the other --direction.")
            save(np.concatenate([input_half, fake, target], axis=1), picture)
            rows.append((picture.name, distance_metrics(fake[None], target[None])))
            counts = [counts[0] + lab_histograms(fake), counts[1] + lab_histograms(target)]
    except KeyboardInterrupt:
        print(f"\nInterrupted after {plural(len(rows), 'pair')} of {len(paths)}: the page and "
              "the numbers cover those. Run again with another --out to evaluate them all.",
              file=sys.stderr)
        status = 130
    summary = evaluation_summary(rows, counts)
    write_index(args.out, title, rows, summary)
    print(summary)
    print(f"page: {args.out / 'index.html'}")
    return status or (1 if skipped else 0)


# -----------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Translate images with a pix2pix generator: "
                                     "the official facades model, an Exercise 3 run, or an "
                                     "exported .onnx; or evaluate it on aligned pairs.")
    parser.add_argument("images", type=Path, nargs="*", metavar="IMAGE",
                        help="facade labels or sketches to translate, or folders of them")
    parser.add_argument("--model", type=Path, default=MODEL,
                        help=f"official checkpoint, run folder, generator.pt or .onnx "
                        f"(default: {MODEL})")
    parser.add_argument("--out", type=Path,
                        help=f"folder for the outputs (default: {OUT}, and {OUT}/<set>_<split> "
                        "with --evaluate)")
    parser.add_argument("--eval", action="store_true",
                        help="eval mode: running statistics, no dropout (default: off, the "
                        "paper's mode)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"dropout seed of the first image (default: {SEED})")
    parser.add_argument("--skip-existing", action="store_true",
                        help="skip inputs whose output is already in --out, to finish an "
                        "interrupted run (default: off)")
    parser.add_argument("--evaluate", type=Path, metavar="FOLDER",
                        help="evaluate on a folder of aligned A|B pairs (e.g. "
                        "datasets/facades/test) instead of translating IMAGEs")
    parser.add_argument("--direction", choices=("AtoB", "BtoA"), default="AtoB",
                        help="which half of a pair is the input (default: AtoB, as the official "
                        "code; facades' labels are B: label -> photo is BtoA)")
    parser.add_argument("--device", default="auto",
                        help="auto, cpu, cuda or mps; an .onnx runs on the CPU (default: auto)")
    args = parser.parse_args(argv)
    if bool(args.images) == bool(args.evaluate):
        parser.error("give IMAGEs (or folders) to translate, or --evaluate FOLDER, not both")
    args.mode = "eval" if args.eval else "paper"
    if args.out is None:
        args.out = (OUT / f"{args.evaluate.resolve().parent.name}_{args.evaluate.name}"
                    if args.evaluate else OUT)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.evaluate:
        if not args.evaluate.is_dir():
            raise FixableError(f"--evaluate {args.evaluate} is not a folder.",
                               fix="Give a folder of A|B pairs, e.g. datasets/facades/test "
                                   "(python download_dataset.py facades).")
        if (args.out / "index.html").exists():
            raise FixableError(f"{args.out} already holds an evaluation (index.html).",
                               fix="Give another --out, or delete that folder.")
    paths = images_in(args.images)
    device = pick_device(args.device)
    model = load_model(args.model, device)
    check_writable(args.out, "--out")  # before any work, not after it
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{args.model}: {model.info.describe()}, {args.mode} mode")
    if args.evaluate:
        return evaluate_folder(args.evaluate, model, args)
    return translate_files(paths, model, args)


if __name__ == "__main__":
    run_script(main)
