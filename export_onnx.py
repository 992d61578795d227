"""Export a pix2pix generator to ONNX, paper mode included, checked against PyTorch first.

Goal: take a generator out of PyTorch, into a single ``.onnx`` file that onnxruntime runs in
Python and onnxruntime-web runs in a browser (the "Paint a facade" page). The paper's test-time
mode is inside: a ``paper_mode`` input switches BatchNorm between each image's own statistics and
the running ones, and dropout's masks are inputs, drawn by whoever runs the file.

Command (from any directory):

    python export_onnx.py --out outputs/facades.onnx          # the official facades generator
    python export_onnx.py --model runs/exercise3_synthetic_quick --out outputs/shapes.onnx
    python export_onnx.py --out outputs/facades_half.onnx --half   # float16 weights, half size

Expected output: what was loaded, the export, the largest difference between the file (run by
onnxruntime) and PyTorch on two real inputs in each mode (float32: a few 1e-6, at most 1e-4
allowed; ``--half``: about 1e-3, at most 2e-2), and the file written with its size (218 MB for
unet_256, 109 MB with ``--half``). A file that fails the check is not written; an existing file
is replaced only with ``--force``.

Runtime: about 20 s and 2.5 GB of memory for unet_256 on two CPU cores; 10 s for a --quick run.
"""

import argparse
import time
from pathlib import Path

from pix2pix.errors import FixableError, run_script
from pix2pix.paths import FACADES_CHECKPOINT, atomic_write, check_writable
from pix2pix.weights.model_files import load_generator
from pix2pix.weights.onnx_export import FP32_TOLERANCE, HALF_TOLERANCE, export_verified

# -----------------------------------------------------------------------------
# Settings you can change (each is also a command-line flag)

MODEL = FACADES_CHECKPOINT  # where download_pretrained.py puts the official weights


# -----------------------------------------------------------------------------
# 1. Load the generator


def load(model):
    """The generator and its facts, on the CPU (the export traces it there)."""
    generator, info = load_generator(model, "cpu")
    print(f"loaded {model}: {info.describe()}")
    return generator, info


# -----------------------------------------------------------------------------
# 2. Export, and check the file against PyTorch in both test-time modes


def export(generator, info, half):
    """The verified file as bytes; exits, writing nothing, when the check fails."""
    print("exporting with torch.onnx (dynamo) and checking with onnxruntime ...", flush=True)
    start = time.perf_counter()
    data, differences = export_verified(generator, info, half=half)
    kind = "sample facade labels" if info.kind == "facades" else "synthetic sketches"
    print(f"done in {time.perf_counter() - start:.0f} s. Largest |ONNX - PyTorch| on two {kind}, "
          "outputs in [-1, 1]:")
    print(f"  paper mode {differences['paper']:.1e}, eval mode {differences['eval']:.1e} "
          f"(at most {HALF_TOLERANCE if half else FP32_TOLERANCE:.0e} allowed)")
    return data


# -----------------------------------------------------------------------------
# 3. Write the file, in one piece, never over another unasked


def check_out(out, force):
    """Stop with the fix, before the slow export, when ``out`` cannot or may not be written."""
    if out.suffix != ".onnx":
        raise FixableError(f"--out must end in .onnx, got {out}. E.g. --out outputs/facades.onnx")
    if out.is_dir():
        raise FixableError(f"{out} is a folder. Give a file name, e.g. --out "
                           f"{out / 'model.onnx'}")
    if out.exists() and not force:
        raise FixableError(f"{out} exists. Add --force to replace it, or choose another --out.")
    check_writable(out.parent)  # under a file, or a read-only disk


def write(data, out, half):
    """Write under a temporary name, then rename: a crash never leaves half a model."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as temporary:
        temporary.write_bytes(data)
    print(f"wrote {out} ({len(data) / 1e6:.1f} MB, {'float16' if half else 'float32'} weights)")
    print(f"Paint with it on the 'Paint a facade' page, or: python translate.py --model {out} "
          "IMAGE")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Export a pix2pix generator to a verified "
                                     ".onnx file (paper mode included) for onnxruntime and the "
                                     "'Paint a facade' page.")
    parser.add_argument("--model", type=Path, default=MODEL,
                        help=f"official checkpoint, run folder or generator.pt (default: {MODEL})")
    parser.add_argument("--out", type=Path, required=True,
                        help="the .onnx file to write, e.g. outputs/facades.onnx")
    parser.add_argument("--half", action="store_true",
                        help="store the weights in float16: half the file, computed in float32 "
                        "(default: off)")
    parser.add_argument("--force", action="store_true",
                        help="replace --out if it exists (default: off)")
    args = parser.parse_args(argv)
    check_out(args.out, args.force)

    generator, info = load(args.model)
    data = export(generator, info, args.half)
    write(data, args.out, args.half)


if __name__ == "__main__":
    run_script(main)
