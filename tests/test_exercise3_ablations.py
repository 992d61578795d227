"""exercises/exercise3_ablations.py: a tiny --quick study runs end to end and writes its files."""

import contextlib
import io
import json
import shutil

import pytest

from exercises import exercise3_ablations
from pix2pix.checkpoints import load_trained_generator
from pix2pix.data import pair_names
from pix2pix.train import read_log

QUICK = ["--quick", "--epochs", "1"]


def shrink(patch):
    """The script shrunk to seconds: 32x32 pairs, narrow networks, few pairs."""
    module = exercise3_ablations
    patch.setattr(module, "RUN", {**module.RUN, "image_size": 32, "ngf": 4, "ndf": 4})
    patch.setattr(module, "DATA", dict(num_train=8, num_val=4, size=32))
    return module


@pytest.fixture
def ablations(monkeypatch):
    return shrink(monkeypatch)


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    """One tiny quick study, run once for this file: (its --out folder, exit code, printout)."""
    out, printed = tmp_path_factory.mktemp("study"), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        code = shrink(patch).main([*QUICK, "--out", str(out)])
    return out, code, printed.getvalue()


def test_a_tiny_quick_study_writes_data_runs_figure_and_results(tiny_study):
    out, code, output = tiny_study
    assert code == 0
    assert len(pair_names(out / "data", "train")) == 8
    for variant in ("l1", "cgan", "l1+cgan"):
        generator, config = load_trained_generator(out / variant)
        assert config.objective == variant and config.image_size == 32
    assert (out / "objective.png").stat().st_size > 1000
    assert (out / "curves.png").stat().st_size > 1000
    results = json.loads((out / "results.json").read_text())
    assert set(results["variants"]) == {"l1", "cgan", "l1+cgan"}
    assert {"L1", "PSNR", "colour", "sharpness"} <= set(results["variants"]["l1"])
    gaps = [1 - results["variants"][name]["colour"] for name in ("l1", "l1+cgan")]
    assert results["goal"]["colour_gap_closed"] == pytest.approx((gaps[0] - gaps[1]) / gaps[0])
    assert "objective: held-out numbers" in output and "l1+cgan closes" in output
    assert "l1+cgan closes" in (out / "results.txt").read_text()


def test_a_finished_variant_is_measured_again_and_a_longer_one_resumed(ablations, tiny_study,
                                                                        tmp_path, capsys):
    shutil.copytree(tiny_study[0], tmp_path, dirs_exist_ok=True)  # copies keep mtimes
    before = (tmp_path / "l1" / "generator.pt").stat().st_mtime_ns
    assert ablations.main([*QUICK, "--out", str(tmp_path)]) == 0
    assert (tmp_path / "l1" / "generator.pt").stat().st_mtime_ns == before
    assert "already trained" in capsys.readouterr().out
    assert ablations.main(["--quick", "--out", str(tmp_path), "--epochs", "2"]) == 0
    assert "l1: resuming" in capsys.readouterr().out
    assert [row["epoch"] for row in read_log(tmp_path / "l1")] == [1, 2]
