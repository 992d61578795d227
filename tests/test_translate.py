"""translate.py: each kind of model, the input's own shape, folders, Ctrl+C, unique output names,
the wrong kind of input, evaluation on aligned pairs, and the fix to run."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import translate
from pix2pix.datasets.synthetic import draw_pair
from pix2pix.errors import FixableError
from pix2pix.metrics import colour_histogram_intersection, distance_metrics
from pix2pix.models import GeneratorConfig, UNetGenerator
from pix2pix.paths import PROJECT_ROOT, SAMPLE_FACADES_DIR
from pix2pix.weights import model_files
from pix2pix.weights.model_files import ModelInfo, load_generator
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


def test_a_run_folder_and_its_generator_pt_give_one_picture_at_the_input_size(
        run_folder, sketch, tmp_path, capsys):
    from_folder = translated("--model", run_folder, "--out", tmp_path / "a", sketch)
    from_weights = translated("--model", run_folder / "generator.pt", "--out", tmp_path / "b",
                              sketch)
    assert from_folder[0].shape == (150, 200, 3)  # the sketch's own 200x150
    assert "200x150, runs at 64x64" in capsys.readouterr().out  # 200 * 64/150 = 85 -> 64
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
    assert (translate.read_sketch(tmp_path / "lines.png", (64, 64))[0, 0] == 255).all()
    assert (translate.read_sketch(tmp_path / "lines.png", (64, 64))[31, 32] == 0).all()


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


# -----------------------------------------------------------------------------
# Shapes: the input's aspect kept, the output at the input's size


def make_sketch(path, size, seed=3):
    """A shapes drawing squashed to ``size`` (width, height), saved as PNG."""
    image, _ = draw_pair(np.random.default_rng(seed), 128)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.resize(size).save(path)
    return path


def model_stub(kind="sketch", image_size=64, multiple=64):
    return translate.Model(None, ModelInfo(kind, image_size, "stub"), multiple)


def test_the_depth_is_the_generator_s_own_number_of_halvings(run_folder, run_onnx):
    assert translate.load_model(run_folder, "cpu").multiple == 2 ** 6  # trained at 64x64
    assert translate.load_model(run_onnx, "cpu").multiple == 0  # one fixed input size


@pytest.mark.parametrize("size, model, run", [
    ((200, 350), model_stub(), (64, 128)),  # 350 * 64/200 = 112 -> 128
    ((200, 350), model_stub("facades", 256, 256), (256, 512)),
    ((4000, 300), model_stub("facades", 256, 256), (3328, 256)),  # 13.3:1 -> 13:1, kept
    ((256, 512), model_stub("facades", 256, 256), (256, 512)),
    ((20, 20), model_stub(), (64, 64)),
])
def test_an_input_runs_at_the_nearest_shape_the_generator_accepts(size, model, run):
    assert translate.run_size(size, model) == (run, None)


def test_only_a_longer_than_16_to_1_input_is_capped_and_it_is_said():
    run, note = translate.run_size((6000, 200), model_stub("facades", 256, 256))
    assert run == (4096, 256)
    assert "longer than 16:1" in note and "capped for memory" in note
    run, note = translate.run_size((200, 350), model_stub(multiple=0))  # an .onnx
    assert run == (64, 64) and "squashed to 64x64" in note


@pytest.mark.parametrize("size", [(200, 350), (4000, 300)])
def test_an_output_has_its_input_s_size(run_folder, tmp_path, capsys, size):
    sketch = make_sketch(tmp_path / "in" / "tall.png", size)
    output, = translated("--model", run_folder, "--out", tmp_path / "out", sketch)
    assert output.shape == (size[1], size[0], 3)
    run = translate.run_size(size, translate.load_model(run_folder, "cpu"))[0]
    assert f"{size[0]}x{size[1]}, runs at {run[0]}x{run[1]}" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore::pix2pix.weights.official.UntrainedWeightsWarning")
def test_a_200x350_label_comes_back_200x350_from_the_official_generator(official_checkpoint,
                                                                       tmp_path, capsys):
    label = tmp_path / "in" / "label.png"
    label.parent.mkdir()
    Image.open(LABEL).resize((200, 350), Image.NEAREST).save(label)
    output, = translated("--model", official_checkpoint, "--device", "cpu", "--out",
                         tmp_path / "out", label)
    assert output.shape == (350, 200, 3)
    out = capsys.readouterr().out
    assert "200x350, runs at 256x512" in out and "read as pix2pix jet(64)" in out
    assert "Wrong kind of model?" not in out


# -----------------------------------------------------------------------------
# Folders, progress, Ctrl+C, unreadable files, output paths


@pytest.fixture
def folder(tmp_path):
    """Four sketches of different shapes, a PNG cut short, and a note that is not an image."""
    folder = tmp_path / "drawings"
    for index, size in enumerate([(64, 64), (200, 150), (90, 300), (128, 64)]):
        make_sketch(folder / f"{index}.png", size, seed=index)
    (folder / "broken.png").write_bytes((folder / "0.png").read_bytes()[:100])
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_a_folder_is_translated_and_an_unreadable_file_is_skipped_not_fatal(
        run_folder, folder, tmp_path, capsys):
    out = tmp_path / "out"
    status = translate.main(["--model", str(run_folder), "--out", str(out), str(folder)])
    assert status == 1  # one file could not be read
    printed = capsys.readouterr()
    assert f"skipped {folder / 'broken.png'}: " in printed.out
    assert "translated 4 images" in printed.out and "skipped 1 unreadable file" in printed.out
    assert "5/5" in printed.err  # the progress bar, over the five .png files
    assert sorted(p.name for p in out.iterdir()) == ["0.png", "1.png", "2.png", "3.png"]
    assert Image.open(out / "2.png").size == (90, 300)


def test_ctrl_c_keeps_what_is_done_and_skip_existing_finishes_it(run_folder, folder, tmp_path,
                                                                 monkeypatch, capsys):
    (folder / "broken.png").unlink()
    full = tmp_path / "full"
    translate.main(["--model", str(run_folder), "--out", str(full), str(folder)])
    calls = []
    generate = translate.generate

    def interrupted_at_the_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return generate(*args)

    monkeypatch.setattr(translate, "generate", interrupted_at_the_third)
    out = tmp_path / "out"
    assert translate.main(["--model", str(run_folder), "--out", str(out), str(folder)]) == 130
    assert "Interrupted: 2 images of 4 written" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["0.png", "1.png"]  # no half-written file
    monkeypatch.setattr(translate, "generate", generate)
    assert translate.main(["--model", str(run_folder), "--out", str(out), "--skip-existing",
                           str(folder)]) == 0
    assert "skipping 2 inputs already in" in capsys.readouterr().out
    # the same names and, seed by seed, the same pictures as one uninterrupted run
    for name in ["0.png", "1.png", "2.png", "3.png"]:
        assert np.array_equal(np.asarray(Image.open(out / name)),
                              np.asarray(Image.open(full / name)))


def test_ctrl_c_while_a_file_is_written_leaves_no_half_file(run_folder, folder, tmp_path,
                                                            monkeypatch):
    (folder / "broken.png").unlink()
    save = Image.Image.save

    def cut_short(image, path, *args, **kwargs):
        if len(list((tmp_path / "out").iterdir())) == 1:  # the second output, half written
            Path(path).write_bytes(b"\x89PNG half")
            raise KeyboardInterrupt
        return save(image, path, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", cut_short)
    out = tmp_path / "out"
    assert translate.main(["--model", str(run_folder), "--out", str(out), str(folder)]) == 130
    assert [p.name for p in out.iterdir()] == ["0.png"]


def test_a_bad_output_folder_is_reported_before_any_image_is_translated(
        run_folder, sketch, tmp_path, monkeypatch):
    monkeypatch.setattr(translate, "generate", lambda *args: pytest.fail("translated first"))
    notes = tmp_path / "notes.txt"
    notes.write_text("a file")
    with pytest.raises(FixableError, match="notes.txt is a file, so no folder can be made there"):
        translate.main(["--model", str(run_folder), "--out", str(notes / "out"), str(sketch)])
    with pytest.raises(FixableError, match="notes.txt is a file, so no folder can be made there"):
        translate.main(["--model", str(run_folder), "--out", str(notes), str(sketch)])

    def read_only(*args, **kwargs):  # the tests run as root, whom permissions do not stop
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("pix2pix.paths.tempfile.TemporaryFile", read_only)
    with pytest.raises(FixableError, match="cannot write into .* \\(Read-only file system\\)"):
        translate.main(["--model", str(run_folder), "--out", str(tmp_path / "ro"), str(sketch)])


def test_one_image_is_said_in_the_singular(run_folder, sketch, tmp_path, capsys):
    translated("--model", run_folder, "--out", tmp_path / "out", sketch)
    assert "translated 1 image in" in capsys.readouterr().out
    assert translate.plural(1, "pair") == "1 pair" and translate.plural(2, "pair") == "2 pairs"


# -----------------------------------------------------------------------------
# Wrong kind of model?


def test_a_label_and_a_sketch_are_told_apart(tmp_path):
    label = np.asarray(Image.open(LABEL).convert("RGB"))
    sketch = np.asarray(draw_pair(np.random.default_rng(0), 128)[0])
    colours = np.asarray(draw_pair(np.random.default_rng(0), 128)[1])  # shapes on white
    assert translate.kind_hint(label, "facades") is None
    assert "Wrong kind of model?" in translate.kind_hint(sketch, "facades")
    assert translate.kind_hint(sketch, "sketch") is None
    assert "a facade label" in translate.kind_hint(label, "sketch")
    assert "a colour picture" in translate.kind_hint(colours, "sketch")


def test_a_facade_label_given_to_a_sketch_model_gets_the_hint(run_folder, tmp_path, capsys):
    translated("--model", run_folder, "--out", tmp_path / "out", LABEL)
    out = capsys.readouterr().out
    assert "warning: it looks like a facade label" in out
    assert "Wrong kind of model? Facade labels go to the official facades model" in out


@pytest.mark.filterwarnings("ignore::pix2pix.weights.official.UntrainedWeightsWarning")
def test_a_sketch_given_to_the_facades_model_gets_the_hint(official_checkpoint, tmp_path,
                                                          capsys):
    sketch = make_sketch(tmp_path / "in" / "sketch.png", (256, 256))
    translated("--model", official_checkpoint, "--device", "cpu", "--out", tmp_path / "out",
               sketch)
    out = capsys.readouterr().out
    assert "near a facade class colour" in out and "Wrong kind of model?" in out


# -----------------------------------------------------------------------------
# Evaluation on aligned pairs


@pytest.fixture
def pairs(tmp_path):
    """A test split of three aligned sketch|colour pairs (A|B), one of them not square."""
    folder = tmp_path / "shapes" / "test"
    folder.mkdir(parents=True)
    for index, size in enumerate([(64, 64), (64, 64), (96, 64)]):
        sketch, colour = draw_pair(np.random.default_rng(index), 64)
        pair = Image.new("RGB", (2 * size[0], size[1]))
        pair.paste(sketch.resize(size), (0, 0))
        pair.paste(colour.resize(size), (size[0], 0))
        pair.save(folder / f"{index}.jpg", quality=95)
    return folder


def test_split_aligned_takes_a_on_the_left():
    pair = np.zeros((2, 4, 3), np.uint8)
    pair[:, 2:] = 255  # B, the right half, is white
    a, b = translate.split_aligned(Image.fromarray(pair), "AtoB")
    assert a.max() == 0 and b.min() == 255
    x, y = translate.split_aligned(Image.fromarray(pair), "BtoA")
    assert x.min() == 255 and y.max() == 0


def test_evaluate_writes_each_triple_a_page_and_the_mean_numbers(run_folder, pairs, tmp_path,
                                                                 capsys):
    out = tmp_path / "eval"
    status = translate.main(["--model", str(run_folder), "--evaluate", str(pairs), "--eval",
                             "--out", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    triples = sorted((out / "images").iterdir())
    assert [p.name for p in triples] == ["0.png", "1.png", "2.png"]
    assert Image.open(out / "images" / "2.png").size == (3 * 96, 64)  # input | output | target
    page = (out / "index.html").read_text()
    assert page.count('<img src="images/') == 3 and "input | output | target" in page
    assert "http" not in page and str(tmp_path) not in page.split("<h1>")[1].split("</h1>")[1]
    # the printed means are those of the saved outputs against the saved targets
    thirds = [np.split(np.asarray(Image.open(p)), 3, axis=1) for p in triples]
    l1 = np.mean([distance_metrics(o[None], t[None])["L1"] for _, o, t in thirds])
    colour = colour_histogram_intersection(np.concatenate([o.reshape(-1, 3) for _, o, _ in thirds]),
                                           np.concatenate([t.reshape(-1, 3) for *_, t in thirds]))
    assert f"3 pairs: held-out L1 {l1:.3f}" in printed
    assert f"colour histogram intersection {colour['mean']:.3f}" in printed
    assert "PSNR" in printed and "Wrong kind of model?" not in printed


def test_evaluate_the_wrong_way_round_suggests_the_other_direction(run_folder, pairs, tmp_path,
                                                                   capsys):
    translate.main(["--model", str(run_folder), "--evaluate", str(pairs), "--direction", "BtoA",
                    "--out", str(tmp_path / "eval")])
    out = capsys.readouterr().out
    assert "Wrong kind of model?" in out and "try the other --direction" in out


def test_evaluate_never_overwrites_and_skips_a_file_that_is_not_a_pair(run_folder, pairs,
                                                                       tmp_path, capsys):
    Image.new("RGB", (65, 64)).save(pairs / "odd.png")
    out = tmp_path / "eval"
    assert translate.main(["--model", str(run_folder), "--evaluate", str(pairs),
                           "--out", str(out)]) == 1
    assert f"skipped {pairs / 'odd.png'}: " in capsys.readouterr().out
    with pytest.raises(FixableError, match="already holds an evaluation"):
        translate.main(["--model", str(run_folder), "--evaluate", str(pairs), "--out", str(out)])


def test_evaluate_s_default_folder_names_the_set_and_split(pairs):
    args = translate.parse_args(["--evaluate", str(pairs)])
    assert args.out == translate.OUT / "shapes_test"
