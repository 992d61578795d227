"""Several processes, one run: ranks, the process group, and Ctrl+C that every process obeys.

``torchrun --nproc_per_node=N`` starts N copies of a script and tells each its rank through
environment variables; without torchrun a script is rank 0 of 1 and nothing here does anything.
Only rank 0 writes files and prints. Used by :mod:`pix2pix.train`.
"""

import os
import signal
from dataclasses import dataclass

import torch
import torch.distributed as dist
from tqdm import tqdm

from pix2pix.device import pick_device


@dataclass
class Distributed:
    """Which process this is: rank 0 of 1 without torchrun."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self):
        return self.rank == 0


def setup_distributed(requested_device):
    """Join the process group when started by ``torchrun`` (it sets WORLD_SIZE and friends).

    Args:
        requested_device: a script's ``--device`` value ("auto", "cpu", "cuda" ...).

    Returns:
        (Distributed, torch.device): NCCL and one GPU per process on CUDA, gloo on CPU.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Distributed(), pick_device(requested_device)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(requested_device)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Distributed(rank, world_size), device


def unwrap(module):
    """The network inside a DistributedDataParallel wrapper (or the network itself)."""
    return getattr(module, "module", module)


class StopRequest:
    """Turns the first Ctrl+C into a request honoured between two steps.

    Stopping in the middle of an optimizer step could save weights half-updated; a flag checked
    after each step cannot. A second Ctrl+C stops at once, without saving.
    """

    def __init__(self):
        self.requested = False
        self.previous = None

    def __enter__(self):
        try:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: leave Ctrl+C as it is
            self.previous = None
        return self

    def _handle(self, _signum, _frame):
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        tqdm.write("\nCtrl+C: finishing this step, then saving a checkpoint "
                   "(press Ctrl+C again to quit without saving)")

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False

    def agreed(self, ranks, device):
        """True on every process when any process was interrupted (they must stop together)."""
        if ranks.world_size == 1:
            return self.requested
        flag = torch.tensor([float(self.requested)], device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())
