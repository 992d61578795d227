"""Shared fixtures: tests run on the CPU with fixed seeds."""

import tempfile
from pathlib import Path

import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg

import pix2pix.figures.diagrams
import pix2pix.figures.grids
import pix2pix.figures.training
from pix2pix.config import TrainConfig
from pix2pix.datasets.synthetic import write_synthetic_dataset
from pix2pix.models import UNetGenerator, init_weights
from pix2pix.train import fit
from pix2pix.weights.official import to_official_state_dict


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def official_checkpoint(tmp_path_factory):
    """An official-format facades checkpoint with freshly initialised weights (218 MB, built once
    per run): it loads, and pix2pix.weights.official warns that it does not look trained."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("checkpoints") / "facades_label2photo.pth"
    torch.save(to_official_state_dict(init_weights(UNetGenerator()).state_dict()), path)
    return path


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory):
    """An Exercise 3 run of one short epoch on the synthetic shapes at 64x64."""
    shapes = write_synthetic_dataset(tmp_path_factory.mktemp("shapes"), num_train=8, num_val=2,
                                     size=64)
    out = tmp_path_factory.mktemp("run")
    fit(TrainConfig(data_root=str(shapes), out_dir=str(out), epochs=1, image_size=64, ngf=8,
                    ndf=8, workers=0, num_samples=2, device="cpu"))
    return out


@pytest.fixture
def one_thread():
    """Training tests run torch on one thread: two busy threads on a shared 2-core machine are
    much slower than one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def drawn(monkeypatch):
    """The figures handed to save_figure, drawn (laid out) but not written."""
    figures = []

    def keep(figure, path, dpi=100):
        FigureCanvasAgg(figure).draw()  # lays the figure out, as writing the PNG would
        figures.append(figure)
        return path

    for module in (pix2pix.figures.grids, pix2pix.figures.training, pix2pix.figures.diagrams):
        monkeypatch.setattr(module, "save_figure", keep)
    return figures


def refuses_writes(folder):
    """Whether creating a file in ``folder`` fails, as it does on a read-only disk."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return False
    except OSError:
        return True


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder that refuses new files: a chmod 555 folder, or, for root (whom no mode stops),
    /sys, which a container mounts read-only and where no one may create a file."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    if not refuses_writes(folder):
        folder = Path("/sys")
        if not (folder.is_dir() and refuses_writes(folder)):
            pytest.skip("no folder refuses writes here: running as root, /sys writable")
    yield folder
    (tmp_path / "read_only").chmod(0o755)  # so that pytest can delete tmp_path
