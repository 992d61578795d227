"""The Concepts page's figures are measured from the real modules and say what the paper says."""

import importlib.util

import torch

from pix2pix.models import UNetGenerator
from pix2pix.official import to_official_state_dict
from pix2pix.paths import PROJECT_ROOT


def load_make_figures():
    """docs/make_figures.py is a script, not a package module: load it from its file."""
    spec = importlib.util.spec_from_file_location("make_figures",
                                                  PROJECT_ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_figures_writes_the_model_figures(tmp_path, capsys):
    assert load_make_figures().main(["--out", str(tmp_path)]) == 0
    for name in ["unet.png", "patchgan_receptive_field.png"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "unet.png" in capsys.readouterr().out


def test_make_figures_with_weights_draws_the_official_generator(tmp_path):
    checkpoint = tmp_path / "facades_label2photo.pth"
    torch.save(to_official_state_dict(UNetGenerator().state_dict()), checkpoint)
    code = load_make_figures().main(["--out", str(tmp_path), "--with-weights",
                                     "--checkpoint", str(checkpoint)])
    assert code == 0
    assert (tmp_path / "official_first_filters.png").stat().st_size > 1000


def test_make_figures_without_weights_names_the_download_command(tmp_path, capsys):
    code = load_make_figures().main(["--out", str(tmp_path), "--with-weights",
                                     "--checkpoint", str(tmp_path / "missing.pth")])
    assert code == 1
    assert "python download_pretrained.py" in capsys.readouterr().err
