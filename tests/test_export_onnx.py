"""export_onnx.py and pix2pix.weights.onnx_export: the file matches PyTorch in both test-time modes.

A small unet_256 (ngf=8, 256x256: the real depth and dropout layers, a 3.6 MB file) is exported
once per module; onnxruntime runs it on the CPU.
"""

import json
import shutil

import numpy as np
import onnx
import pytest
import torch

import export_onnx
from pix2pix.weights import onnx_export
from pix2pix.errors import FixableError
from pix2pix.datasets.facades import CLASS_NAMES, MODEL_PALETTE
from pix2pix.inference import translate
from pix2pix.weights.model_files import ModelInfo
from pix2pix.weights.onnx_export import (FP32_TOLERANCE, HALF_TOLERANCE, METADATA_KEY, ExportError,
                                 OnnxGenerator, draw_dropout_masks, export_verified)
from tests.trained_weights import small_generator

FACADES = ModelInfo("facades", 256, "small_facades.pth")


@pytest.fixture(scope="module")
def exported():
    generator = small_generator()
    data, differences = export_verified(generator, FACADES)
    return generator, data, differences


@pytest.fixture(scope="module")
def exported_half():
    generator = small_generator()
    data, differences = export_verified(generator, FACADES, half=True)
    return generator, data, differences


def random_images(count, seed=1):
    return torch.rand(count, 3, 256, 256, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_masks_drawn_from_a_seed_reproduce_seeded_pytorch_paper_mode(exported):
    generator, data, _ = exported
    images = random_images(3)
    onnx_output = OnnxGenerator(data, "small.onnx")(images, mode="paper", seed=7)
    pytorch_output = translate(generator, images, mode="paper", seed=7)
    assert (onnx_output - pytorch_output).abs().max() <= FP32_TOLERANCE
    # other masks, other picture: the masks really reach the dropout layers
    other_seed = OnnxGenerator(data, "small.onnx")(images, mode="paper", seed=8)
    assert (other_seed - pytorch_output).abs().max() > 100 * FP32_TOLERANCE


def test_masks_given_as_inputs_are_the_three_dropout_layers_of_unet_256(exported):
    _, data, _ = exported
    session = OnnxGenerator(data, "small.onnx").session
    inputs = {graph_input.name: graph_input.shape for graph_input in session.get_inputs()}
    assert inputs == {"input_image": [1, 3, 256, 256], "paper_mode": [],
                      "dropout_mask_1": [1, 64, 4, 4], "dropout_mask_2": [1, 64, 8, 8],
                      "dropout_mask_3": [1, 64, 16, 16]}
    masks = draw_dropout_masks([(1, 64, 4, 4)], seed=0)
    assert set(np.unique(masks[0].numpy())) == {0.0, 1.0}


def test_eval_mode_matches_pytorch_eval_and_ignores_the_masks(exported):
    generator, data, differences = exported
    images = random_images(2)
    exported_generator = OnnxGenerator(data, "small.onnx")
    expected = translate(generator, images, mode="eval")
    for seed in (0, 1):
        assert (exported_generator(images, mode="eval", seed=seed) - expected).abs().max() \
            <= FP32_TOLERANCE
    assert differences["eval"] <= FP32_TOLERANCE and differences["paper"] <= FP32_TOLERANCE
    assert (exported_generator(images, mode="paper") - expected).abs().max() > 0.01


def test_half_stores_float16_weights_in_half_the_bytes_within_its_tolerance(exported,
                                                                            exported_half):
    _, data, differences = exported
    _, half_data, half_differences = exported_half
    assert 0.45 < len(half_data) / len(data) < 0.55
    model = onnx.load_from_string(half_data)
    kinds = {init.data_type for init in model.graph.initializer if len(init.dims) == 4}
    assert kinds == {onnx.TensorProto.FLOAT16}
    assert max(half_differences.values()) <= HALF_TOLERANCE
    assert max(half_differences.values()) > max(differences.values())  # rounding is real


def test_metadata_names_the_kind_size_and_the_models_palette(exported):
    _, data, differences = exported
    model = onnx.load_from_string(data)
    facts = json.loads({p.key: p.value for p in model.metadata_props}[METADATA_KEY])
    assert (facts["kind"], facts["image_size"], facts["weights"]) == ("facades", 256, "float32")
    assert [c["name"] for c in facts["classes"]] == list(CLASS_NAMES)
    assert [c["rgb"] for c in facts["classes"]] == MODEL_PALETTE.tolist()
    assert facts["dropout_keep"] == 0.5 and facts["max_abs_difference"] == differences


def test_an_older_torch_is_refused_with_the_version_it_needs(monkeypatch):
    monkeypatch.setattr(torch, "__version__", "2.4.1+cpu")
    with pytest.raises(ExportError, match=r"torch >= 2\.6.*pip install --upgrade"):
        onnx_export.check_exporter()


def test_the_script_exports_a_run_at_its_trained_size_and_never_overwrites(run_folder, tmp_path,
                                                                           capsys):
    out = tmp_path / "shapes.onnx"
    export_onnx.main(["--model", str(run_folder), "--out", str(out)])
    printed = capsys.readouterr().out
    assert "sketch model, 64x64" in printed and f"wrote {out}" in printed
    assert "paper mode" in printed and "eval mode" in printed
    exported_generator = OnnxGenerator(out)
    assert exported_generator.info.image_size == 64 and exported_generator.info.kind == "sketch"
    assert exported_generator.facts["classes"] == []  # black lines on white: no palette
    assert exported_generator.mask_shapes == [(1, 64, 4, 4)]  # num_downs - 5 = 1 dropout layer
    with pytest.raises(FixableError, match="--force"):
        export_onnx.main(["--model", str(run_folder), "--out", str(out)])


def test_a_file_that_fails_verification_is_not_written(run_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_export, "FP32_TOLERANCE", -1.0)  # no file can pass
    with pytest.raises(FixableError, match="nothing was written"):
        export_onnx.main(["--model", str(run_folder), "--out", str(tmp_path / "shapes.onnx")])
    assert list(tmp_path.iterdir()) == []


def test_an_exported_file_given_as_model_points_to_translate(tmp_path):
    with pytest.raises(FixableError, match="python translate.py --model"):
        export_onnx.main(["--model", str(tmp_path / "facades.onnx"),
                          "--out", str(tmp_path / "again.onnx")])


def test_a_wrong_out_is_refused_before_the_slow_export(tmp_path):
    (tmp_path / "folder.onnx").mkdir()
    for out, fix in (("model.pt", "must end in .onnx"), ("folder.onnx", "is a folder")):
        with pytest.raises(FixableError, match=fix):
            export_onnx.main(["--model", str(tmp_path / "missing.pth"),
                              "--out", str(tmp_path / out)])


def test_an_out_under_a_file_or_on_a_read_only_disk_is_refused_before_loading(tmp_path,
                                                                              read_only_folder):
    (tmp_path / "notes.txt").write_text("a file")
    missing_model = str(tmp_path / "missing.pth")  # loading it would fail: the check comes first
    for out, fix in ((tmp_path / "notes.txt" / "m.onnx", "is a file"),
                     (read_only_folder / "m.onnx", "cannot write into")):
        with pytest.raises(FixableError, match=fix):
            export_onnx.main(["--model", missing_model, "--out", str(out)])


def test_a_run_with_an_empty_generator_is_a_message_not_an_eoferror(run_folder, tmp_path):
    run = shutil.copytree(run_folder, tmp_path / "run")
    (run / "generator.pt").write_bytes(b"")
    with pytest.raises(FixableError, match=r"generator.pt is an empty file.*generator_epoch_1"):
        export_onnx.main(["--model", str(run), "--out", str(tmp_path / "shapes.onnx")])
    assert not (tmp_path / "shapes.onnx").exists()
