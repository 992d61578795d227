"""pix2pix.datasets.anime and preprocess_anime_sketches.py on a Kaggle-layout mini set made here."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from benchmarks.bench_preprocess import baseline_process_job, draw_raw_pair
from pix2pix.datasets.anime import (CREDENTIALS_HINT, Job, find_split_dirs, list_jobs, process_job,
                           split_pair, verify_processed)
from pix2pix.paths import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "preprocess_anime_sketches.py"
COLOR = (200, 30, 30)  # the left half of every generated pair
SKETCH = (20, 20, 20)  # the right half


def make_pair(path, size=(1024, 512)):
    """A fake Kaggle file: a red left half and a dark right half."""
    width, height = size
    array = np.zeros((height, width, 3), dtype=np.uint8)
    array[:, : width // 2] = COLOR
    array[:, width // 2:] = SKETCH
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture
def raw_root(tmp_path):
    """data/train: 3 good pairs, 1 corrupt file, 1 wrongly sized; data/val: 2 good pairs."""
    root = tmp_path / "download"
    for i in range(3):
        make_pair(root / "data" / "train" / f"{i}.png")
    (root / "data" / "train" / "corrupt.png").write_bytes(b"\x89PNG not really")
    make_pair(root / "data" / "train" / "small.png", size=(512, 256))
    for i in range(2):
        make_pair(root / "data" / "val" / f"{i}.png")
    return root


def run_all(raw_root, out_root):
    return [process_job(job, size=32) for job in list_jobs(raw_root, out_root)]


def test_splits_are_found_one_folder_deeper(raw_root):
    found = find_split_dirs(raw_root)
    assert found == {"train": raw_root / "data" / "train", "val": raw_root / "data" / "val"}


def test_colour_is_the_left_half_and_sketch_the_right():
    image = Image.new("RGB", (1024, 512), COLOR)
    image.paste(Image.new("RGB", (512, 512), SKETCH), (512, 0))
    sketch, color = split_pair(image)
    assert sketch.getpixel((10, 10)) == SKETCH and color.getpixel((10, 10)) == COLOR


def test_bad_files_are_reported_and_skipped_not_fatal(raw_root, tmp_path):
    statuses = sorted(status for status, _ in run_all(raw_root, tmp_path / "out"))
    assert statuses == ["unreadable", "written", "written", "written", "written", "written",
                        "wrong size"]
    written = Image.open(tmp_path / "out" / "train" / "sketches" / "0.png")
    assert written.size == (32, 32)
    assert written.getpixel((16, 16)) == SKETCH


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P"])
def test_the_faster_png_writer_keeps_every_pixel_of_the_code_before_it(tmp_path, mode):
    # photographic-looking content (a PNG level changes only how it is compressed); the
    # palette and RGBA files take the convert() path that the RGB files now skip
    source = tmp_path / "pair.png"
    draw_raw_pair(np.random.default_rng(0)).convert(mode).save(source)
    outputs = []
    for version, work in (("before", baseline_process_job), ("now", process_job)):
        job = Job(source, tmp_path / version / "sketch.png", tmp_path / version / "color.png")
        assert work(job)[0] == "written"
        outputs.append([np.asarray(Image.open(path)) for path in (job.sketch_path,
                                                                  job.color_path)])
    before, now = outputs
    assert all(np.array_equal(a, b) for a, b in zip(before, now))
    assert now[0].shape == (256, 256, 3) and len(np.unique(now[1].reshape(-1, 3), axis=0)) > 1000
    # the files themselves differ: the pixels are equal because PNG is lossless, not because
    # the same encoder ran twice
    assert (tmp_path / "before" / "color.png").read_bytes() != (tmp_path / "now" /
                                                                "color.png").read_bytes()


def test_second_run_skips_finished_pairs(raw_root, tmp_path):
    run_all(raw_root, tmp_path / "out")
    statuses = [status for status, _ in run_all(raw_root, tmp_path / "out")]
    assert statuses.count("skipped") == 5 and "written" not in statuses


def test_verification_counts_pairs_and_finds_unpaired_files(raw_root, tmp_path):
    out = tmp_path / "out"
    run_all(raw_root, out)
    result = verify_processed(out, size=32)
    assert result.counts == {"train": 3, "val": 2} and result.ok
    (out / "val" / "colors" / "1.png").unlink()
    (out / "train" / "colors" / "2.png").write_bytes(b"broken")
    result = verify_processed(out, size=32)
    assert not result.ok
    assert [p.endswith("sketches/1.png") for p in result.unpaired] == [True]
    assert len(result.unreadable) == 1 and "2.png" in result.unreadable[0]


def run_script(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd="/")


def test_script_splits_with_a_limit_then_verifies(raw_root, tmp_path):
    out = tmp_path / "out"
    done = run_script("--raw", raw_root, "--out", out, "--limit", 2, "--size", 32,
                      "--workers", 2)
    assert done.returncode == 0, done.stderr
    assert "4 written" in done.stdout
    verified = run_script("--verify", "--out", out, "--size", 32)
    assert verified.returncode == 0 and "train: 2 pairs" in verified.stdout


def test_script_names_the_url_and_command_when_the_dataset_is_missing(tmp_path):
    done = run_script("--raw", tmp_path / "nothing", "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "kaggle.com/datasets/ktaebum/anime-sketch-colorization-pair" in done.stderr
    assert "--download" in done.stderr and "Traceback" not in done.stderr


def test_verify_fails_on_an_empty_folder(tmp_path):
    done = run_script("--verify", "--out", tmp_path)
    assert done.returncode == 1 and "train: 0 pairs" in done.stdout


def test_download_without_a_token_says_where_the_token_goes(tmp_path):
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "KAGGLE_CONFIG_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(SCRIPT), "--download", "--raw", tmp_path / "raw"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1
    assert "~/.kaggle/kaggle.json" in done.stderr and "KAGGLE_USERNAME" in done.stderr
    assert "Traceback" not in done.stderr
    assert CREDENTIALS_HINT.split(".")[0] in done.stderr


def test_ctrl_c_stops_the_split_with_one_line_and_a_rerun_finishes_it(tmp_path):
    make_pair(tmp_path / "one.png")
    make_pair(tmp_path / "download" / "data" / "val" / "0.png")
    train = tmp_path / "download" / "data" / "train"
    train.mkdir()
    for i in range(300):  # enough files for a run of seconds, made in a moment
        (train / f"{i:03d}.png").symlink_to(tmp_path / "one.png")
    flags = ["--raw", tmp_path / "download", "--out", tmp_path / "out", "--workers", 1]
    process = subprocess.Popen([sys.executable, str(SCRIPT), *map(str, flags)], cwd="/",
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)  # its own group, as a terminal's command
    colors = tmp_path / "out" / "train" / "colors"
    deadline = time.time() + 60
    while len(list(colors.glob("*.png"))) < 2 and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl+C reaches the workers too
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert "stopped by Ctrl+C: every pair written is complete and kept. Run the same command " \
           "again" in output
    done = len(list(colors.glob("*.png")))
    assert 2 <= done < 300 and not list(colors.glob("*.tmp"))
    rerun = run_script(*flags)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{done} skipped" in rerun.stdout  # the pairs written before Ctrl+C, all whole
    assert len(list(colors.glob("*.png"))) == 300
