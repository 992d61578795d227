"""exercises/exercise3_ablations.py: a tiny --quick study runs end to end and writes its files."""

import importlib.util
import json

import pytest

from pix2pix.checkpoints import load_trained_generator
from pix2pix.data import pair_names
from pix2pix.paths import PROJECT_ROOT
from pix2pix.train import read_log


@pytest.fixture
def ablations(monkeypatch):
    """The script as a module, shrunk to seconds: 32x32 pairs, narrow networks, few pairs."""
    spec = importlib.util.spec_from_file_location(
        "exercise3_ablations", PROJECT_ROOT / "exercises" / "exercise3_ablations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RUN", {**module.RUN, "image_size": 32, "ngf": 4, "ndf": 4})
    monkeypatch.setattr(module, "DATA", dict(num_train=8, num_val=4, size=32))
    return module


def test_a_tiny_quick_study_writes_data_runs_figure_and_results(ablations, tmp_path, capsys):
    assert ablations.main(["--quick", "--out", str(tmp_path), "--epochs", "1"]) == 0
    assert len(pair_names(tmp_path / "data", "train")) == 8
    for variant in ("l1", "cgan", "l1+cgan"):
        generator, config = load_trained_generator(tmp_path / variant)
        assert config.objective == variant and config.image_size == 32
    assert (tmp_path / "objective.png").stat().st_size > 1000
    assert (tmp_path / "curves.png").stat().st_size > 1000
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["variants"]) == {"l1", "cgan", "l1+cgan"}
    assert {"L1", "PSNR", "colour", "sharpness"} <= set(results["variants"]["l1"])
    gaps = [1 - results["variants"][name]["colour"] for name in ("l1", "l1+cgan")]
    assert results["goal"]["colour_gap_closed"] == pytest.approx((gaps[0] - gaps[1]) / gaps[0])
    output = capsys.readouterr().out
    assert "objective: held-out numbers" in output and "goal: l1+cgan closes" in output
    assert "goal: l1+cgan closes" in (tmp_path / "results.txt").read_text()


def test_a_finished_variant_is_measured_again_and_a_longer_one_resumed(ablations, tmp_path,
                                                                        capsys):
    ablations.main(["--quick", "--out", str(tmp_path), "--epochs", "1"])
    before = (tmp_path / "l1" / "generator.pt").stat().st_mtime_ns
    assert ablations.main(["--quick", "--out", str(tmp_path), "--epochs", "1"]) == 0
    assert (tmp_path / "l1" / "generator.pt").stat().st_mtime_ns == before
    assert "already trained" in capsys.readouterr().out
    assert ablations.main(["--quick", "--out", str(tmp_path), "--epochs", "2"]) == 0
    assert "l1: resuming" in capsys.readouterr().out
    assert [row["epoch"] for row in read_log(tmp_path / "l1")] == [1, 2]
