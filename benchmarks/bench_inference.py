"""Benchmark: latency and throughput of the official generator at test time, next to the official
test script's way of running it.

The generator is the official ``unet_256`` architecture (54 million weights) with random
weights: speed does not depend on the values, and the benchmark then needs no download. It is
run through :func:`pix2pix.inference.translate` in both test-time modes:

* ``paper``: per-image BatchNorm statistics and seeded dropout, as the paper tests (exercise 1's
  default, with exercise 1's batch of 8);
* ``eval``: running statistics, no dropout.

at batch 1 (latency: seconds per image when one image is asked for) and batch 8 (throughput),
in float32 or mixed precision, with the default layout or channels_last. The baseline is what
the official ``test.py`` does: ``model.train()``, ``torch.no_grad()``, one image per forward
pass, float32. Every line ends with its speed-up against that baseline on the same device.

Command (from any directory):

    python benchmarks/bench_inference.py                    # CPU, and the GPU when there is one
    python benchmarks/bench_inference.py --devices cpu --precisions fp32
    python benchmarks/bench_inference.py --quick            # a small U-Net, seconds (CI)

Results and the commands that produced them: docs/performance.rst.
"""

import argparse
import sys

import torch

from benchmarks.measure import describe_machine, make_precision, seconds_per_call
from pix2pix.config import TrainConfig
from pix2pix.device import pick_device
from pix2pix.inference import INFERENCE_MODES, translate
from pix2pix.models import UNetGenerator, init_weights

# -----------------------------------------------------------------------------
# Settings you can change (each is also a flag)

BATCH_SIZES = (1, 8)  # 8 is exercise 1's batch
CALLS = 5  # timed calls per configuration
WARMUP = 2
EXERCISE1_TARGET_S = 0.12  # the course's goal for a 2-core laptop CPU
EXERCISE1_SETUP = ("cpu", "paper", "fp32", "contiguous", 8)  # how exercise 1 runs G

# --quick: a narrow U-Net on 32x32 images, so CI finishes in seconds
QUICK = dict(image_size=32, ngf=8, calls=1, warmup=1)


# -----------------------------------------------------------------------------
# 1. What is timed


def build_generator(device, image_size=256, ngf=64, channels_last=False):
    """The official generator architecture with the paper's random initialisation."""
    torch.manual_seed(0)
    config = TrainConfig(image_size=image_size, ngf=ngf).generator_config()
    generator = init_weights(UNetGenerator(config))
    generator = generator.to(device)
    if channels_last:
        generator = generator.to(memory_format=torch.channels_last)
    return generator


def random_inputs(batch_size, image_size, device, channels_last):
    """(batch_size, 3, image_size, image_size) in [-1, 1], like an encoded label map."""
    images = torch.rand(batch_size, 3, image_size, image_size, device=device) * 2 - 1
    layout = torch.channels_last if channels_last else torch.contiguous_format
    return images.contiguous(memory_format=layout)


def baseline_seconds(device, image_size, ngf, calls, warmup):
    """Seconds per image the official test script takes: train mode, no_grad, batch 1, fp32."""
    generator = build_generator(device, image_size, ngf).train()
    image = random_inputs(1, image_size, device, False)

    def forward():
        with torch.no_grad():
            generator(image)

    return seconds_per_call(forward, device, calls, warmup)


def mode_seconds(device, mode, batch_size, precision_name, channels_last, image_size, ngf,
                 calls, warmup):
    """Seconds per *image* of :func:`translate` on one batch of ``batch_size`` images."""
    generator = build_generator(device, image_size, ngf, channels_last)
    images = random_inputs(batch_size, image_size, device, channels_last)
    precision = make_precision(precision_name, device)  # outside the timed calls

    def forward():
        with precision.autocast():
            translate(generator, images, mode=mode, seed=0, batch_size=batch_size)

    return seconds_per_call(forward, device, calls, warmup) / batch_size


# -----------------------------------------------------------------------------
# 2. The report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    parser.add_argument("--devices", nargs="+", default=default_devices,
                        help=f"devices to time (default: {' '.join(default_devices)})")
    parser.add_argument("--modes", nargs="+", default=list(INFERENCE_MODES),
                        choices=INFERENCE_MODES, help="test-time modes (default: paper eval)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=list(BATCH_SIZES),
                        help=f"(default: {' '.join(map(str, BATCH_SIZES))})")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "mixed"],
                        choices=["fp32", "mixed"], help="(default: fp32 mixed)")
    parser.add_argument("--layouts", nargs="+", default=["contiguous", "channels_last"],
                        choices=["contiguous", "channels_last"],
                        help="memory layouts (default: contiguous channels_last)")
    parser.add_argument("--calls", type=int, default=CALLS,
                        help=f"timed calls per configuration (default: {CALLS})")
    parser.add_argument("--warmup", type=int, default=WARMUP,
                        help=f"untimed calls first (default: {WARMUP})")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--quick", action="store_true",
                        help="a small U-Net on 32x32 images, a few seconds: checks the script runs")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    image_size, ngf = 256, 64
    if args.quick:
        image_size, ngf = QUICK["image_size"], QUICK["ngf"]
        args.calls, args.warmup = QUICK["calls"], QUICK["warmup"]
    if args.threads:
        torch.set_num_threads(args.threads)
    size = " (quick: narrow, 32x32)" if args.quick else ""
    print(f"generator: official unet_256 architecture{size}, random weights "
          "(speed does not depend on them)")
    for device_name in args.devices:
        device = pick_device(device_name)
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        print(f"machine: {describe_machine(device)}")
        baseline = baseline_seconds(device, image_size, ngf, args.calls, args.warmup)
        name = "baseline: train(), fp32, contiguous, batch 1"
        print(f"{name:<48} {1000 * baseline:9.1f} ms/image  {1 / baseline:8.2f} img/s  "
              f"{1.0:6.2f}x baseline")
        for mode in args.modes:
            for precision_name in args.precisions:
                for layout in args.layouts:
                    for batch_size in args.batch_sizes:
                        seconds = mode_seconds(device, mode, batch_size, precision_name,
                                               layout == "channels_last", image_size, ngf,
                                               args.calls, args.warmup)
                        name = f"{mode}, {precision_name}, {layout}, batch {batch_size}"
                        print(f"{name:<48} {1000 * seconds:9.1f} ms/image  {1 / seconds:8.2f} "
                              f"img/s  {baseline / seconds:6.2f}x baseline")
                        setup = (device.type, mode, precision_name, layout, batch_size)
                        if not args.quick and setup == EXERCISE1_SETUP:
                            verdict = "met" if seconds <= EXERCISE1_TARGET_S else "not met"
                            print(f"  exercise 1 as shipped (paper, fp32, batch 8) on this CPU: "
                                  f"{seconds:.3f} s/image, target <= {EXERCISE1_TARGET_S} s: "
                                  f"{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
