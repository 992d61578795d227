"""Translate your own images with a pix2pix generator: the official one, yours, or an export.

Goal: apply a trained generator to any image, read exactly as its training data was: facade
labels through the facade label reader (any palette, any size, squashed to 256x256 with NEAREST),
sketches resized to the size the run was trained at. The paper's test-time mode by default, as
in exercise 1.

Command (from any directory):

    python translate.py sample_facades/designed_01_classic.png     # the official generator
    python translate.py --model runs/exercise3_synthetic_quick my_sketch.png
    python translate.py --model outputs/facades.onnx --eval a/x.png b/x.png

``--model`` is the official checkpoint (the default, from ``python download_pretrained.py``), an
Exercise 3 run folder or its ``generator.pt``, or a ``.onnx`` written by ``export_onnx.py``.

Expected output: one line per facade label (size, palette, classes, warnings), the time taken,
and one line per image, ``a/x.png -> outputs/translate/x.png``. Each output keeps its input's
name; a name already taken (two inputs called ``x.png``, or an earlier run's file) gets ``-2``,
``-3``, ...: nothing is overwritten.

Runtime: about 0.1 s per 256x256 image on a laptop CPU, plus a second or two to load.
"""

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from pix2pix.datasets.facades import read_label
from pix2pix.device import pick_device
from pix2pix.errors import FixableError, run_script
from pix2pix.images import to_batch, to_uint8
from pix2pix.inference import translate
from pix2pix.paths import FACADES_CHECKPOINT, PROJECT_ROOT
from pix2pix.weights.model_files import load_generator
from pix2pix.weights.onnx_export import OnnxGenerator

# -----------------------------------------------------------------------------
# Settings you can change (each is also a command-line flag)

MODEL = FACADES_CHECKPOINT  # where download_pretrained.py puts the official weights
OUT = PROJECT_ROOT / "outputs" / "translate"
SEED = 0  # image i uses dropout seed SEED + i in paper mode: same seed, same output


# -----------------------------------------------------------------------------
# 1. Load the generator


def load_model(path, device):
    """The generator ``path`` names, as a function (input_images, mode, seed) -> fake_images.

    An ``.onnx`` file runs in onnxruntime with the same modes and seeds as PyTorch, so both
    give the same picture for the same seed.
    """
    if Path(path).suffix == ".onnx":
        exported = OnnxGenerator(path)
        return exported, exported.info
    generator, info = load_generator(path, device)

    def run(input_images, mode, seed):
        return translate(generator, input_images, mode=mode, seed=seed)

    return run, info


# -----------------------------------------------------------------------------
# 2. Read the inputs at the model's size


def read_sketch(path, size):
    """A drawing as a (size, size, 3) uint8 array, resized with BICUBIC like the training pairs.

    Transparent pixels become white paper: drawing apps often save lines on a transparent
    background, which a plain RGB conversion would turn black.
    """
    try:
        with Image.open(path) as image:
            rgba = image.convert("RGBA")
    except FileNotFoundError:
        raise FixableError(f"no image at {path}. Give the path of a drawing (PNG or JPEG).")
    except (UnidentifiedImageError, OSError) as error:
        raise FixableError(f"{path} is not an image that Pillow can read ({error}). Save it "
                           "as PNG.") from None
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    drawing = Image.alpha_composite(paper, rgba).convert("RGB")
    return np.asarray(drawing.resize((size, size), Image.BICUBIC))


def read_inputs(paths, info):
    """Every input as a (size, size, 3) uint8 array; facade labels print what was found."""
    images = []
    for path in paths:
        if info.kind == "facades":
            label, report = read_label(path, info.image_size)
            print(f"{path}: {report.summary()}")
            images.append(label)
        else:
            images.append(read_sketch(path, info.image_size))
    return images


# -----------------------------------------------------------------------------
# 3. Save, one file per input, never overwriting


def output_paths(paths, out):
    """``out/<input name>.png`` for each input; a name already taken gets -2, -3, ..."""
    taken = set()
    result = []
    for path in paths:
        stem, number = Path(path).stem, 1
        target = out / f"{stem}.png"
        while target in taken or target.exists():
            number += 1
            target = out / f"{stem}-{number}.png"
        taken.add(target)
        result.append(target)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Translate images with a pix2pix generator: "
                                     "the official facades model, an Exercise 3 run, or an "
                                     "exported .onnx.")
    parser.add_argument("images", type=Path, nargs="+", metavar="IMAGE",
                        help="facade labels or sketches to translate")
    parser.add_argument("--model", type=Path, default=MODEL,
                        help=f"official checkpoint, run folder, generator.pt or .onnx "
                        f"(default: {MODEL})")
    parser.add_argument("--out", type=Path, default=OUT,
                        help=f"folder for the outputs (default: {OUT})")
    parser.add_argument("--eval", action="store_true",
                        help="eval mode: running statistics, no dropout (default: off, the "
                        "paper's mode)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"dropout seed of the first image (default: {SEED})")
    parser.add_argument("--device", default="auto",
                        help="auto, cpu, cuda or mps; an .onnx runs on the CPU (default: auto)")
    args = parser.parse_args(argv)
    mode = "eval" if args.eval else "paper"
    if args.out.exists() and not args.out.is_dir():
        raise FixableError(f"--out {args.out} is a file. Give a folder for the outputs.")
    device = pick_device(args.device)
    run, info = load_model(args.model, device)
    print(f"{args.model}: {info.describe()}, {mode} mode")
    input_images = to_batch(read_inputs(args.images, info))  # (N, 3, S, S)

    start = time.perf_counter()
    outputs = to_uint8(run(input_images, mode, args.seed))  # (N, S, S, 3) uint8
    images = "image" if len(outputs) == 1 else "images"
    print(f"translated {len(outputs)} {images} in {time.perf_counter() - start:.2f} s")

    args.out.mkdir(parents=True, exist_ok=True)
    for path, target, output in zip(args.images, output_paths(args.images, args.out), outputs):
        Image.fromarray(output).save(target)
        print(f"{path} -> {target}")


if __name__ == "__main__":
    run_script(main)
