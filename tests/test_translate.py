"""translate.py: each kind of model, the trained size, unique output names, and the fix to run."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import translate
from pix2pix.datasets.synthetic import draw_pair
from pix2pix.errors import FixableError
from pix2pix.models import GeneratorConfig, UNetGenerator
from pix2pix.paths import PROJECT_ROOT, SAMPLE_FACADES_DIR
from pix2pix.weights import model_files
from pix2pix.weights.model_files import load_generator
from pix2pix.weights.official import to_official_state_dict
from pix2pix.weights.onnx_export import export_verified

SCRIPT = PROJECT_ROOT / "translate.py"
LABEL = SAMPLE_FACADES_DIR / "designed_01_classic.png"


@pytest.fixture(scope="module")
def run_onnx(run_folder, tmp_path_factory):
    generator, info = load_generator(run_folder)
    path = tmp_path_factory.mktemp("export") / "shapes.onnx"
    path.write_bytes(export_verified(generator, info)[0])
    return path


@pytest.fixture
def sketch(tmp_path):
    """A drawing at 200x150: not the 64x64 the run was trained at."""
    image, _ = draw_pair(np.random.default_rng(3), 200)
    path = tmp_path / "inputs" / "shapes.png"
    path.parent.mkdir()
    image.resize((200, 150)).save(path)
    return path


def translated(*args):
    """Run translate.py in this process; returns the arrays it wrote, in input order."""
    translate.main([str(arg) for arg in args])
    out = args[args.index("--out") + 1]
    return [np.asarray(Image.open(path)) for path in sorted(out.glob("*.png"))]


def test_the_official_generator_translates_labels_from_any_directory(official_checkpoint,
                                                                     tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, str(SCRIPT), "--model", str(official_checkpoint),
                             "--device", "cpu", "--out", "photos", str(LABEL)], cwd=tmp_path,
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "facades model, 256x256, paper mode" in result.stdout
    assert "read as pix2pix jet(64)" in result.stdout  # the label reader's report
    photo = np.asarray(Image.open(tmp_path / "photos" / "designed_01_classic.png"))
    assert photo.shape == (256, 256, 3)


def test_a_run_folder_and_its_generator_pt_resize_sketches_to_the_trained_size(
        run_folder, sketch, tmp_path):
    from_folder = translated("--model", run_folder, "--out", tmp_path / "a", sketch)
    from_weights = translated("--model", run_folder / "generator.pt", "--out", tmp_path / "b",
                              sketch)
    assert from_folder[0].shape == (64, 64, 3)
    assert np.array_equal(from_folder[0], from_weights[0])


def test_an_exported_file_gives_the_pytorch_picture_for_the_same_seed(run_folder, run_onnx,
                                                                      sketch, tmp_path):
    for mode in ([], ["--eval"]):
        pytorch = translated("--model", run_folder, *mode, "--out", tmp_path / "pt", sketch)
        exported = translated("--model", run_onnx, *mode, "--out", tmp_path / "onnx", sketch)
        difference = np.abs(pytorch[-1].astype(int) - exported[-1].astype(int)).max()
        assert difference <= 1, (mode, difference)  # float rounding moves a pixel by one level


def test_paper_mode_follows_the_seed_and_eval_mode_does_not(run_onnx, sketch, tmp_path):
    outputs = {}
    for mode in ("paper", "eval"):
        flags = ["--eval"] if mode == "eval" else []
        for seed in (0, 1):
            out = tmp_path / f"{mode}{seed}"
            outputs[mode, seed] = translated("--model", run_onnx, *flags, "--seed", seed,
                                             "--out", out, sketch)[0]
    assert not np.array_equal(outputs["paper", 0], outputs["paper", 1])
    assert np.array_equal(outputs["eval", 0], outputs["eval", 1])


def test_two_inputs_with_one_name_both_survive_and_nothing_is_overwritten(run_onnx, sketch,
                                                                          tmp_path, capsys):
    twin = tmp_path / "other" / "shapes.png"
    twin.parent.mkdir()
    Image.open(sketch).transpose(Image.FLIP_LEFT_RIGHT).save(twin)
    out = tmp_path / "out"
    first = translated("--model", run_onnx, "--out", out, sketch, twin)
    assert sorted(p.name for p in out.iterdir()) == ["shapes-2.png", "shapes.png"]
    assert not np.array_equal(first[0], first[1])
    translated("--model", run_onnx, "--out", out, sketch)
    assert sorted(p.name for p in out.iterdir()) == ["shapes-2.png", "shapes-3.png", "shapes.png"]
    assert f"{sketch} -> {out / 'shapes-3.png'}" in capsys.readouterr().out


def test_a_transparent_drawing_is_read_as_lines_on_white_paper(tmp_path):
    lines = Image.new("RGBA", (64, 64), (0, 0, 0, 0))  # transparent background
    lines.paste((0, 0, 0, 255), (10, 30, 54, 33))
    lines.save(tmp_path / "lines.png")
    assert (translate.read_sketch(tmp_path / "lines.png", 64)[0, 0] == 255).all()
    assert (translate.read_sketch(tmp_path / "lines.png", 64)[31, 32] == 0).all()


def wrong_models(folder, run_folder):
    """(path, words of the fix) for every kind of wrong --model."""
    (folder / "no_config").mkdir()
    (folder / "not_started").mkdir()
    shutil.copy(run_folder / "config.json", folder / "not_started")
    (folder / "alone").mkdir()
    shutil.copy(run_folder / "generator.pt", folder / "alone")
    (folder / "other_run").mkdir()
    config = json.loads((run_folder / "config.json").read_text())
    (folder / "other_run" / "config.json").write_text(json.dumps({**config, "ngf": 16}))
    shutil.copy(run_folder / "generator.pt", folder / "other_run")
    torch.save(to_official_state_dict(UNetGenerator(GeneratorConfig(ngf=8)).state_dict()),
               folder / "unet_ngf8.pth")
    (folder / "plain.onnx").write_bytes(b"not a graph")
    return [
        (folder / "missing.pth", "--model takes the official checkpoint"),
        (folder / "no_config", "not an Exercise 3 run folder"),
        (folder / "not_started", "holds no generator.pt yet"),
        (run_folder / "checkpoint.pt", "resume file. Give the run folder"),
        (LABEL, "is not a PyTorch checkpoint"),
        (folder / "alone" / "generator.pt", "Copy the run's config.json next to it"),
        (folder / "other_run", "give the folder they were trained in"),
        (folder / "unet_ngf8.pth", "not the pix2pix unet_256 generator"),
        (folder / "plain.onnx", "Export it again with export_onnx.py"),
        (folder / "missing.onnx", "python export_onnx.py --out"),
    ]


def test_every_wrong_model_ends_in_a_message_that_names_the_fix(run_folder, sketch, tmp_path):
    for model, fix in wrong_models(tmp_path, run_folder):
        with pytest.raises(FixableError) as error:
            translate.main(["--model", str(model), "--out", str(tmp_path / "out"), str(sketch)])
        assert fix in str(error.value), (model, str(error.value))
    assert not (tmp_path / "out").exists()


def test_a_missing_official_checkpoint_names_the_download(tmp_path, monkeypatch, sketch):
    missing = tmp_path / "checkpoints" / "facades_label2photo.pth"
    monkeypatch.setattr(translate, "MODEL", missing)
    monkeypatch.setattr(model_files, "FACADES_CHECKPOINT", missing)
    with pytest.raises(FixableError, match="Run `python download_pretrained.py`"):
        translate.main([str(LABEL)])


def test_a_wrong_model_exits_with_status_1_and_no_traceback(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, str(SCRIPT), "--model", "none.pth", str(LABEL)],
                            cwd=tmp_path, env=environment, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1
    assert "--model takes the official checkpoint" in result.stderr
    assert "Traceback" not in result.stderr
