"""How the benchmarks read the clock, the memory and the machine, the same way on CPU and GPU,
and which precision they time.

A GPU runs asynchronously: ``time.perf_counter`` around a CUDA call measures only how long it
took to *queue* the work. CUDA events are recorded in the GPU's own stream, so the time between
two of them is the time the GPU spent, and one synchronisation at the end makes it readable.
Used by ``bench_train.py`` and ``bench_inference.py``.
"""

import platform
import time
from datetime import date

import torch

from pix2pix.device import Precision, pick_precision


def synchronize(device):
    """Wait until ``device`` has finished the work queued so far (a no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def seconds_per_call(function, device, calls, warmup):
    """Mean wall time of ``function()`` after ``warmup`` untimed calls.

    The warm-up calls pay for what only happens once: cuDNN autotuning, ``torch.compile``,
    the allocator growing its cache.

    Args:
        function: a callable without arguments.
        device: where ``function`` runs its work.
        calls: timed calls.
        warmup: untimed calls before them.

    Returns:
        Seconds per call, as a float.
    """
    for _ in range(warmup):
        function()
    synchronize(device)
    if device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(calls):
            function()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1000 / calls  # elapsed_time is in milliseconds
    started = time.perf_counter()
    for _ in range(calls):
        function()
    synchronize(device)
    return (time.perf_counter() - started) / calls


def reset_peak_memory(device):
    """Start counting the peak memory anew (CUDA only)."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_gib(device):
    """Most memory tensors held on ``device`` since the last reset, in GiB; None off CUDA."""
    if device.type != "cuda":
        return None
    return torch.cuda.max_memory_allocated(device) / 2 ** 30


def matmul_peak_flops(device, dtype=torch.bfloat16, size=8192, calls=10):
    """Measured matrix-multiply speed: the ceiling the networks' convolutions can approach.

    A datasheet's peak assumes clocks and conditions a real card may not hold; a large square
    matmul on the same device, in the same process, is the peak this machine actually reaches.

    Args:
        device: where to multiply.
        dtype: ``torch.bfloat16`` for the tensor cores' peak.
        size: side of the square matrices.
        calls: timed multiplications.

    Returns:
        FLOP/s, counting a multiply-add as two operations.
    """
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    seconds = seconds_per_call(lambda: a @ b, device, calls, warmup=2)
    return 2 * size ** 3 / seconds


def describe_machine(device):
    """One line: the processor or GPU, the torch version and today's date."""
    if device.type == "cuda":
        hardware = f"GPU {torch.cuda.get_device_name(device)}"
    else:
        hardware = (f"{device.type.upper()} {platform.processor() or platform.machine()}, "
                    f"{torch.get_num_threads()} threads")
    return f"{hardware}; torch {torch.__version__}; {date.today().isoformat()}"


def make_precision(name, device):
    """"fp32", or "mixed": what the trainer picks on CUDA (bf16, or fp16 + scaler on pre-Ampere
    GPUs); bf16 autocast elsewhere, so the mixed path can be timed on a CPU too."""
    if name == "fp32":
        return Precision(device.type)
    if device.type == "cuda":
        return pick_precision(device)
    return Precision(device.type, torch.bfloat16)
