"""Benchmark: images per second of the real pix2pix training step, next to the official setup.

Times :meth:`pix2pix.step.Pix2Pix.train_step` itself (G and D forward and backward, the losses, both
Adam steps) at several batch sizes, in float32 and in mixed precision, with the default memory
layout and with channels_last, optionally under ``torch.compile``. Every run also times the
plain baseline -- float32, default layout, batch 1, the official repository's configuration --
in the same process, and prints each speed-up as a ratio against it. Then:

* the FLOPs of one step, counted by ``torch.utils.flop_counter`` at batch 1, turn images/s into
  achieved TFLOP/s and a fraction of the measured bf16 matmul peak of the same device;
* the input pipeline (PNG decoding + the paper's jitter, in DataLoader workers) is timed on a
  generated synthetic set and compared with the fastest step: below 1x, the GPU would wait;
* the fast step and the float32 step run a few steps from the same seed, and their losses must
  agree within :data:`AGREEMENT_TOLERANCE`.

Command (from any directory):

    python benchmarks/bench_train.py                        # GPU: the full grid, a few minutes
    python benchmarks/bench_train.py --compile              # the same under torch.compile
    python benchmarks/bench_train.py --batch-sizes 1 4 --steps 2   # CPU: what fits in minutes
    python benchmarks/bench_train.py --quick                # tiny networks, seconds (CI)

Results and the commands that produced them: docs/performance.rst.
"""

import argparse
import sys
import tempfile
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.measure import (describe_machine, make_precision, matmul_peak_flops,
                                peak_memory_gib, reset_peak_memory, seconds_per_call)
from pix2pix.config import TrainConfig
from pix2pix.data import PairedDataset, find_pairs
from pix2pix.device import pick_device
from pix2pix.train import build_pix2pix
from pix2pix.datasets.synthetic import write_synthetic_dataset

# -----------------------------------------------------------------------------
# Settings you can change (each is also a flag)

BATCH_SIZES = (1, 4, 16, 64)
STEPS = 20  # timed steps per configuration
WARMUP = 3  # untimed steps first: cuDNN autotuning, torch.compile, allocator growth
LOADER_WORKERS = (0, 2, 4, 8)
LOADER_IMAGES = 256  # pairs in the generated set the loader reads
AGREEMENT_STEPS = 3
# Largest relative difference allowed between the fast step's losses and float32's. Reordering
# float32 sums (another memory layout) moves the 6th digit; bf16 keeps 8 bits of mantissa, about
# 0.4% per rounding, and a few steps of a GAN compound it to a few percent.
AGREEMENT_TOLERANCE = {"fp32": 1e-3, "bf16": 5e-2, "fp16": 5e-2}

# --quick: narrow networks on 32x32 images, so CI finishes in seconds
QUICK = dict(image_size=32, ngf=8, ndf=8, batch_sizes=[2], steps=1, warmup=1,
             loader_workers=[0, 1], loader_images=8, matmul_size=256)


# -----------------------------------------------------------------------------
# 1. The step under test


def build_models(config, device, precision_name, channels_last, compile_options=None):
    """The course's Pix2Pix (G, D, Adam), in a precision and layout chosen for the benchmark.

    Args:
        config: a :class:`~pix2pix.config.TrainConfig` (image size and widths).
        device: where the models live.
        precision_name: "fp32" or "mixed" (see :func:`benchmarks.measure.make_precision`).
        channels_last: store weights as NHWC, the layout tensor cores read without transposing.
        compile_options: keyword arguments of ``torch.compile`` (see
            :func:`compile_arguments`), or None for eager mode.

    Returns:
        A :class:`~pix2pix.step.Pix2Pix`.
    """
    precision = make_precision(precision_name, device)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    pix2pix = build_pix2pix(config, device, precision, layout=layout)
    if compile_options:
        # Dynamo compiles a function again for every new input dtype, layout and shape, and
        # after 8 versions of one function it silently runs it uncompiled: the grid's later
        # "compiled" rows would time eager code. Forgetting the earlier configurations'
        # versions gives each configuration its own compilation.
        torch.compiler.reset()
        pix2pix.generator = torch.compile(pix2pix.generator, **compile_options)
        pix2pix.discriminator = torch.compile(pix2pix.discriminator, **compile_options)
    return pix2pix


def compile_arguments(mode, backend):
    """``torch.compile``'s arguments: a mode ("default", "max-autotune" ...) with the inductor
    backend, which generates kernels; other backends (CPU checks use "eager") take no mode."""
    return dict(backend=backend, mode=mode) if backend == "inductor" else dict(backend=backend)


def without_dropout(generator):
    """Turn G's dropout off (see :func:`losses_over_steps`)."""
    for module in generator.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    return generator


def random_pair(config, batch_size, device, channels_last):
    """(input_image, target_image): a fixed random batch in [-1, 1]; the loader is timed apart."""
    shape = (batch_size, 3, config.image_size, config.image_size)
    images = [torch.rand(shape, device=device) * 2 - 1 for _ in range(2)]
    layout = torch.channels_last if channels_last else torch.contiguous_format
    return [image.contiguous(memory_format=layout) for image in images]


def step_rate(config, device, batch_size, precision_name, channels_last, steps, warmup,
              compile_options=None):
    """Images per second of ``train_step`` and the peak memory it needed.

    Returns:
        (images_per_s, peak_gib): peak_gib is None off CUDA.
    """
    torch.manual_seed(0)
    pix2pix = build_models(config, device, precision_name, channels_last, compile_options)
    pair = random_pair(config, batch_size, device, channels_last)
    reset_peak_memory(device)
    seconds = seconds_per_call(lambda: pix2pix.train_step(*pair), device, steps, warmup)
    return batch_size / seconds, peak_memory_gib(device)


# -----------------------------------------------------------------------------
# 2. Counted work: FLOPs per image


def count_flops(config, device):
    """FLOPs per image of G's forward, D's forward and one whole training step, at batch 1.

    The counter sees every matmul and convolution, backward passes included, and counts a
    multiply-add as two FLOPs. Our step freezes D while G learns, so D's weight gradients are
    not computed in part (2): one D forward fewer than a count that assumes they are.

    Returns:
        (generator_forward, discriminator_forward, train_step) in FLOPs.
    """
    torch.manual_seed(0)
    pix2pix = build_models(config, device, "fp32", False)
    input_image, target_image = random_pair(config, 1, device, False)
    counts = []
    for run in (lambda: pix2pix.generator(input_image),
                lambda: pix2pix.discriminator(input_image, target_image),
                lambda: pix2pix.train_step(input_image, target_image)):
        with FlopCounterMode(display=False) as counter:
            run()
        counts.append(counter.get_total_flops())
    return tuple(counts)


# -----------------------------------------------------------------------------
# 3. The input pipeline


def loader_rate(root, config, batch_size, workers, cache):
    """Images per second the DataLoader delivers: PNG decoding and resize (or a row of the
    decoded cache), crop, flip, to tensor.

    The first batch is left out: it pays for starting the worker processes.
    """
    dataset = PairedDataset(find_pairs(root, cache=cache), "train", config.image_size,
                            augment=True)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers,
                        drop_last=True, generator=torch.Generator().manual_seed(0))
    batches = iter(loader)
    next(batches)
    count, started = 0, time.perf_counter()
    for input_image, _ in batches:
        count += len(input_image)
    seconds = time.perf_counter() - started
    return count / seconds if count else float("nan")


# -----------------------------------------------------------------------------
# 4. Same results: the fast step against float32


def losses_over_steps(config, device, precision_name, channels_last, steps, batch_size=2):
    """Losses of ``steps`` training steps from seed 0, as a (steps, 3) float tensor.

    G's dropout is off here: dropout draws its mask in memory order, so with channels_last the
    two runs would drop different units and differ by far more than rounding.
    """
    torch.manual_seed(0)
    pix2pix = build_models(config, device, precision_name, channels_last)
    without_dropout(pix2pix.generator)
    pair = random_pair(config, batch_size, device, channels_last)
    history = [torch.stack(pix2pix.train_step(*pair)).float() for _ in range(steps)]
    return torch.stack(history).cpu()


def loss_agreement(config, device, steps=AGREEMENT_STEPS):
    """How far the fast step (mixed precision + channels_last) drifts from the float32 step.

    Returns:
        (largest relative difference over all steps and losses, its tolerance, the fast label).
    """
    reference = losses_over_steps(config, device, "fp32", False, steps)
    fast = losses_over_steps(config, device, "mixed", True, steps)
    label = make_precision("mixed", device).name
    difference = ((fast - reference).abs() / reference.abs().clamp_min(1e-3)).max().item()
    return difference, AGREEMENT_TOLERANCE[label], label


# -----------------------------------------------------------------------------
# 5. The report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", help="auto, cuda, cpu or mps (default: auto)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=list(BATCH_SIZES),
                        help=f"batch sizes to time (default: {' '.join(map(str, BATCH_SIZES))})")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "mixed"],
                        choices=["fp32", "mixed"], help="(default: fp32 mixed)")
    parser.add_argument("--layouts", nargs="+", default=["contiguous", "channels_last"],
                        choices=["contiguous", "channels_last"],
                        help="memory layouts (default: contiguous channels_last)")
    parser.add_argument("--compile", action="store_true",
                        help="also time every configuration under torch.compile (default: off)")
    parser.add_argument("--compile-mode", default="default",
                        help="torch.compile mode; max-autotune adds CUDA graphs (default: default)")
    parser.add_argument("--compile-backend", default="inductor",
                        help="torch.compile backend; eager traces without generating kernels, "
                             "a quick check on a CPU (default: inductor)")
    parser.add_argument("--steps", type=int, default=STEPS,
                        help=f"timed steps per configuration (default: {STEPS})")
    parser.add_argument("--warmup", type=int, default=WARMUP,
                        help=f"untimed steps first (default: {WARMUP})")
    parser.add_argument("--image-size", type=int, default=256, help="(default: 256)")
    parser.add_argument("--loader-workers", type=int, nargs="+", default=list(LOADER_WORKERS),
                        help="DataLoader worker counts to time "
                             f"(default: {' '.join(map(str, LOADER_WORKERS))})")
    parser.add_argument("--loader-images", type=int, default=LOADER_IMAGES,
                        help=f"pairs in the generated loader set (default: {LOADER_IMAGES})")
    parser.add_argument("--quick", action="store_true",
                        help="tiny networks and sizes, a few seconds: checks the script runs")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    config = TrainConfig(image_size=args.image_size)
    matmul_size = 8192
    if args.quick:
        config = TrainConfig(image_size=QUICK["image_size"], ngf=QUICK["ngf"], ndf=QUICK["ndf"])
        args.batch_sizes, args.steps, args.warmup = (QUICK["batch_sizes"], QUICK["steps"],
                                                     QUICK["warmup"])
        args.loader_workers, args.loader_images = QUICK["loader_workers"], QUICK["loader_images"]
        matmul_size = QUICK["matmul_size"]
    device = pick_device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # as the trainer does: pick kernels per shape
    elif device.type == "cpu":
        matmul_size = min(matmul_size, 2048)
    print(f"machine: {describe_machine(device)}")
    print(f"networks: {config.image_size}x{config.image_size}, ngf {config.ngf}, "
          f"ndf {config.ndf}{' (quick)' if args.quick else ''}")

    g_flops, d_flops, step_flops = count_flops(config, device)
    peak = matmul_peak_flops(device, torch.bfloat16, matmul_size)
    print(f"counted per image: G forward {g_flops / 1e9:.2f} GFLOP, D forward "
          f"{d_flops / 1e9:.2f} GFLOP, training step {step_flops / 1e9:.2f} GFLOP")
    print(f"measured bf16 matmul peak ({matmul_size}x{matmul_size}): {peak / 1e12:.3f} TFLOP/s")

    # one row per configuration; the last column compares with fp32 + contiguous at the row's
    # own batch size, separating what precision and layout buy from what the batch size buys
    print(f"{'configuration':<36}{'img/s':>9}{'TFLOP/s':>9}{'% peak':>8}{'GiB':>7}"
          f"{'vs baseline':>13}{'vs fp32 same batch':>20}")

    def report(name, images_per_s, peak_gib, baseline, plain=None):
        achieved = images_per_s * step_flops
        memory = f"{peak_gib:7.2f}" if peak_gib is not None else f"{'n/a':>7}"
        same_batch = f"{images_per_s / plain:19.2f}x" if plain else ""
        print(f"{name:<36}{images_per_s:9.2f}{achieved / 1e12:9.3f}{100 * achieved / peak:8.1f}"
              f"{memory}{images_per_s / baseline:12.2f}x{same_batch}")

    baseline, baseline_memory = step_rate(config, device, 1, "fp32", False, args.steps,
                                          args.warmup)
    report("baseline: fp32, contiguous, batch 1", baseline, baseline_memory, baseline)
    compiled_or_not = [None] + ([compile_arguments(args.compile_mode, args.compile_backend)]
                                if args.compile else [])
    fastest = baseline
    plain_rates = {}  # batch size -> images/s in fp32, contiguous, not compiled (timed first)
    for compile_options in compiled_or_not:
        for precision_name in args.precisions:
            label = make_precision(precision_name, device).name
            for layout in args.layouts:
                for batch_size in args.batch_sizes:
                    rate, memory = step_rate(config, device, batch_size, precision_name,
                                             layout == "channels_last", args.steps,
                                             args.warmup + 2 * bool(compile_options),
                                             compile_options)
                    fastest = max(fastest, rate)
                    if (precision_name, layout, compile_options) == ("fp32", "contiguous", None):
                        plain_rates[batch_size] = rate
                    name = (f"{label}, {layout}, batch {batch_size}"
                            f"{', compiled' if compile_options else ''}")
                    report(name, rate, memory, baseline, plain_rates.get(batch_size))
    print(f"fastest step: {fastest:.2f} img/s = {fastest / baseline:.2f}x baseline")

    with tempfile.TemporaryDirectory() as root:
        write_synthetic_dataset(root, num_train=args.loader_images, num_val=0,
                                size=config.image_size)
        loader_batch = min(16, args.loader_images // 2)
        print("loader: images/s delivered, against the fastest step (below 1x, the step waits)")
        PairedDataset(find_pairs(root, cache=True), "train", config.image_size)  # untimed
        for workers in args.loader_workers:
            from_png = loader_rate(root, config, loader_batch, workers, cache=False)
            cached = loader_rate(root, config, loader_batch, workers, cache=True)
            for source, rate in (("PNG", from_png), ("cache", cached)):
                print(f"loader, {source + ',':6} {workers} workers, batch {loader_batch}: "
                      f"{rate:9.2f} img/s = {rate / fastest:7.2f}x the fastest step")
            print(f"  decoded cache: {cached / from_png:.2f}x the PNG loader")

    difference, tolerance, label = loss_agreement(config, device)
    verdict = "OK" if difference <= tolerance else "TOO FAR"
    print(f"agreement over {AGREEMENT_STEPS} steps, {label} + channels_last vs fp32: largest "
          f"relative loss difference {difference:.2e}")
    print(f"agreement: {verdict} (tolerance {tolerance:.0e})")
    return 0 if difference <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
