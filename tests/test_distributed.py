"""pix2pix.distributed: one process without torchrun, and a Ctrl+C that waits for the step."""

import os
import signal

import pytest
import torch

from pix2pix.distributed import Distributed, StopRequest, setup_distributed, unwrap


def test_without_torchrun_a_script_is_rank_0_of_1_on_the_device_asked_for(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    ranks, device = setup_distributed("cpu")
    assert ranks == Distributed(0, 1) and ranks.is_main and device == torch.device("cpu")


def test_the_first_ctrl_c_is_a_request_the_second_stops_at_once():
    handler_before = signal.getsignal(signal.SIGINT)
    with StopRequest() as stop:
        assert not stop.agreed(Distributed(), torch.device("cpu"))
        os.kill(os.getpid(), signal.SIGINT)  # the first: noted, training goes on
        assert stop.requested and stop.agreed(Distributed(), torch.device("cpu"))
        with pytest.raises(KeyboardInterrupt):  # the second: Python's own, at once
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is handler_before  # the script's handler is back


def test_unwrap_finds_the_network_inside_a_wrapper_and_leaves_a_bare_one_alone():
    network = torch.nn.Linear(2, 2)
    wrapper = torch.nn.Module()
    wrapper.module = network  # what DistributedDataParallel holds
    assert unwrap(wrapper) is network and unwrap(network) is network
