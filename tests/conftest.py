"""Shared fixtures: tests run on the CPU with fixed seeds."""

import pytest
import torch


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)
