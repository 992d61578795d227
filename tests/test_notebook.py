"""pix2pix/notebook.py: the notebooks' flags and figures, and exercise 3's cloud setup.

Colab itself is out of reach of a test; a stand-in ``google.colab`` module (its ``files.upload``
and ``drive.mount``) checks what the notebook does with what Colab returns.
"""

import os
import sys
import time
import types
from pathlib import Path

import pytest
import torch

from pix2pix import notebook
from pix2pix.paths import PROJECT_ROOT
from pix2pix.datasets.anime import KaggleError


@pytest.fixture
def no_kaggle_token(monkeypatch, tmp_path):
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


@pytest.fixture
def colab(monkeypatch):
    """A stand-in for Colab's ``google.colab``: what was uploaded, where Drive was mounted."""
    fake = types.SimpleNamespace(uploads={}, mounted=[], refuse=False)

    def mount(path):
        if fake.refuse:
            raise ValueError("mount failed")
        fake.mounted.append(path)

    module = types.ModuleType("google.colab")
    module.files = types.SimpleNamespace(upload=lambda: fake.uploads)
    module.drive = types.SimpleNamespace(mount=mount)
    monkeypatch.setitem(sys.modules, "google.colab", module)
    return fake


def test_flag_value_reads_a_flag_as_argparse_does_the_last_one_winning():
    flags = ["--quick", "--out", "runs/a", "--epochs", "2", "--out=runs/b"]
    assert notebook.flag_value(flags, "--out", "runs/default") == Path("runs/b")
    assert notebook.flag_value(["--quick"], "--out", "runs/default") == Path("runs/default")
    assert notebook.flag_value(["--out", Path("x")], "--out", "d") == Path("x")


def test_show_figures_shows_only_the_matching_pngs_this_run_wrote(tmp_path, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda image: shown.append(image.filename))
    for name in ("grid_old.png", "grid_new.png", "photo_new.png"):
        (tmp_path / name).write_bytes(b"png")
    os.utime(tmp_path / "grid_old.png", (time.time() - 60, time.time() - 60))
    notebook.show_figures(tmp_path, "grid_*.png", since=time.time() - 10)
    assert shown == [str(tmp_path / "grid_new.png")]


def test_missing_official_weights_are_downloaded_present_ones_left_alone(tmp_path, monkeypatch):
    installed = []
    monkeypatch.setattr(notebook, "install", installed.append)
    notebook.get_official_weights(tmp_path / "facades_label2photo.pth")
    (tmp_path / "present.pth").write_bytes(b"weights")
    notebook.get_official_weights(tmp_path / "present.pth")
    assert installed == [tmp_path / "facades_label2photo.pth"]


def test_epochs_done_is_the_last_epoch_in_the_run_log_and_0_without_one(tmp_path):
    assert notebook.epochs_done(tmp_path) == 0
    (tmp_path / "log.jsonl").write_text('{"epoch": 1}\n{"epoch": 2}\n{"epoch": 2}\n')
    assert notebook.epochs_done(tmp_path) == 2


def test_without_a_gpu_the_notebook_says_it_trains_on_the_shapes(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert notebook.report_gpu() is False
    assert "no GPU" in capsys.readouterr().out


def test_a_kaggle_token_in_the_environment_or_in_kaggle_json_is_found(no_kaggle_token,
                                                                       monkeypatch):
    (no_kaggle_token / ".kaggle").mkdir(parents=True)
    (no_kaggle_token / ".kaggle" / "kaggle.json").write_text('{"username": "u", "key": "k"}')
    notebook.find_kaggle_token(home=no_kaggle_token)  # found in kaggle.json: no error
    with pytest.raises(KaggleError):
        notebook.find_kaggle_token(home=no_kaggle_token / "elsewhere")
    monkeypatch.setenv("KAGGLE_USERNAME", "u")
    monkeypatch.setenv("KAGGLE_KEY", "k")
    notebook.find_kaggle_token(home=no_kaggle_token / "elsewhere")  # found in the environment


def test_no_kaggle_token_outside_colab_says_how_to_make_one(no_kaggle_token):
    with pytest.raises(KaggleError, match="kaggle.json"):
        notebook.find_kaggle_token(home=no_kaggle_token)


def test_in_colab_an_uploaded_kaggle_json_is_saved_readable_by_its_owner_only(no_kaggle_token,
                                                                              colab):
    colab.uploads = {"kaggle (1).json": b'{"username": "u", "key": "k"}'}
    notebook.find_kaggle_token(home=no_kaggle_token)
    token = no_kaggle_token / ".kaggle" / "kaggle.json"
    assert token.read_bytes() == colab.uploads["kaggle (1).json"]
    assert token.stat().st_mode & 0o777 == 0o600


def test_in_colab_no_upload_is_refused_with_the_way_to_make_a_token(no_kaggle_token, colab):
    with pytest.raises(KaggleError, match="No file was uploaded"):
        notebook.find_kaggle_token(home=no_kaggle_token)


def test_in_colab_runs_go_to_google_drive_and_stay_here_if_it_is_refused(colab, tmp_path,
                                                                         capsys):
    assert notebook.runs_folder(drive=tmp_path) == tmp_path / "MyDrive" / "pix2pix-course" / "runs"
    assert colab.mounted == [str(tmp_path)]
    colab.refuse = True
    assert notebook.runs_folder(drive=tmp_path) == PROJECT_ROOT / "runs"
    assert "lost when this machine goes" in capsys.readouterr().out


def test_outside_colab_runs_stay_in_the_course():
    assert not notebook.in_colab()
    assert notebook.runs_folder() == PROJECT_ROOT / "runs"
