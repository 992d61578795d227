"""Shared fixtures: tests run on the CPU with fixed seeds."""

import pytest
import torch

from pix2pix.models import UNetGenerator, init_weights
from pix2pix.official import to_official_state_dict


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def official_checkpoint(tmp_path_factory):
    """An official-format facades checkpoint with freshly initialised weights (218 MB, built once
    per run): it loads, and pix2pix.official warns that it does not look trained."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("checkpoints") / "facades_label2photo.pth"
    torch.save(to_official_state_dict(init_weights(UNetGenerator()).state_dict()), path)
    return path
