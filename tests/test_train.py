"""pix2pix.train: it learns, resumes exactly, survives Ctrl+C, stops on NaN, runs under DDP."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from PIL import Image

from pix2pix import train
from pix2pix.checkpoints import load_trained_generator, read_config
from pix2pix.config import TrainConfig
from pix2pix.data import SPLITS, make_loaders, pair_folders, pair_names
from pix2pix.distributed import Distributed
from pix2pix.models import UNetGenerator, init_weights
from pix2pix.weights.official import CheckpointError
from pix2pix.paths import PROJECT_ROOT
from pix2pix.step import Pix2Pix
from pix2pix.datasets.synthetic import write_synthetic_dataset
from pix2pix.metrics import evaluate
from pix2pix.train import (RunFolderError, TrainingDiverged, build_pix2pix, fit, learning_rate,
                           milestone_epochs, read_log, readable)

SCRIPT = PROJECT_ROOT / "exercises" / "exercise3_train.py"

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    """The synthetic shapes at 64x64: small enough for a CPU, hard enough to need learning."""
    return write_synthetic_dataset(tmp_path_factory.mktemp("shapes"), num_train=96, num_val=16,
                                   size=64)


def tiny_config(data_root, out_dir, **changes):
    # a constant lr: the official schedule depends on the total epochs, which these tests vary
    # between a run and its resumption
    settings = dict(data_root=str(data_root), out_dir=str(out_dir), epochs=2, image_size=64,
                    ngf=8, ndf=8, workers=0, num_samples=2, device="cpu", train_limit=48,
                    lr_decay=False)
    settings.update(changes)
    return TrainConfig(**settings)


def test_milestones_are_the_courses_epochs_scaled_to_the_run():
    assert milestone_epochs(100) == [10, 25, 50, 75, 100]
    assert milestone_epochs(4) == [1, 2, 3, 4]


def test_preflight_durations_read_in_seconds_minutes_hours_days_or_years():
    assert [readable(s) for s in (43, 750, 11_520, 388_800, 2e9)] == [
        "43 s", "12.5 min", "3.2 h", "4.5 days", "63 years"]


def test_an_epoch_shorter_than_the_preflight_still_gets_a_time_estimate(shapes, tmp_path,
                                                                        capsys):
    # 8 pairs in batches of 4: 2 steps, fewer than the 5 the early estimate waits for
    fit(tiny_config(shapes, tmp_path, epochs=1, train_limit=8, batch_size=4))
    estimate = re.search(r"preflight: .* about .* per epoch \(2 steps\)", capsys.readouterr().out)
    assert estimate, "no time estimate for a 2-step epoch"


def test_lr_decay_is_constant_then_linear_to_zero():
    config = TrainConfig(epochs=10, lr=1.0, lr_decay=True)
    rates = [learning_rate(config, epoch) for epoch in range(10)]
    assert rates[:4] == [1.0] * 4
    assert all(a > b for a, b in zip(rates[3:], rates[4:])) and rates[-1] == 0


def test_a_short_synthetic_run_lowers_held_out_l1_well_below_the_untrained_generator(
        shapes, tmp_path):
    config = tiny_config(shapes, tmp_path, epochs=4, ngf=16, ndf=16, train_limit=96)
    untrained = init_weights(UNetGenerator(config.generator_config()))
    _, val_loader = make_loaders(config, Distributed(), torch.device("cpu"))
    untrained_l1, _ = evaluate(untrained, val_loader, torch.device("cpu"))
    result = fit(config)
    trained_l1 = result.records[-1]["val_L1"]
    assert result.status == "finished"
    assert trained_l1 < 0.6 * untrained_l1, (untrained_l1, trained_l1)
    for name in ("checkpoint.pt", "generator.pt", "exercise3_epoch_4.png",
                 "exercise3_losses.png", "config.json"):
        assert (tmp_path / name).exists(), name
    assert [record["epoch"] for record in read_log(tmp_path)] == [1, 2, 3, 4]


def test_a_grey_to_colour_run_on_wide_aligned_pairs_trains_and_reloads(tmp_path):
    # aligned pictures of 128x32: halves of 64x32 (W x H), A made grey, read BtoA: x is colour
    shapes = write_synthetic_dataset(tmp_path / "shapes", num_train=8, num_val=2, size=32)
    for split in SPLITS:
        for name in pair_names(shapes, split):
            a, b = (np.asarray(Image.open(folder / name).convert(mode))
                    for folder, mode in zip(pair_folders(shapes, split), ("L", "RGB")))
            (tmp_path / "wide" / split).mkdir(parents=True, exist_ok=True)
            grey = np.stack([a] * 3, axis=-1)  # an aligned file has one mode: RGB
            Image.fromarray(np.concatenate([grey, grey, b, b], axis=1)).save(
                tmp_path / "wide" / split / name)
    config = tiny_config(tmp_path / "wide", tmp_path / "run", epochs=1, image_size=32,
                         direction="BtoA", output_nc=1, num_samples=2)
    train_loader, _ = make_loaders(config, Distributed(), torch.device("cpu"))
    input_image, target_image = next(iter(train_loader))
    assert input_image.shape == (4, 3, 32, 64) and target_image.shape == (4, 1, 32, 64)
    assert fit(config).status == "finished"
    generator, saved = load_trained_generator(tmp_path / "run")
    assert (saved.direction, saved.input_nc, saved.output_nc) == ("BtoA", 3, 1)
    with torch.no_grad():
        assert generator(input_image).shape == (4, 1, 32, 64)
    assert (tmp_path / "run" / "exercise3_epoch_1.png").exists()  # the grid draws grey


def test_generator_weights_load_strictly_for_inference(run_folder):  # conftest.py's run
    generator, config = load_trained_generator(run_folder)
    assert config.ngf == 8 and not generator.training
    state = torch.load(run_folder / "generator.pt", weights_only=True)
    assert all(torch.equal(state[k], v) for k, v in generator.state_dict().items())
    checkpoint = torch.load(run_folder / "checkpoint.pt", weights_only=True)
    assert checkpoint["epoch"] == 1 and set(checkpoint["rng"]) == {"torch", "cuda", "numpy",
                                                                   "python"}


def test_resuming_gives_the_same_losses_as_an_uninterrupted_run(shapes, tmp_path):
    fit(tiny_config(shapes, tmp_path / "straight"))
    fit(tiny_config(shapes, tmp_path / "resumed", epochs=1))
    fit(tiny_config(shapes, tmp_path / "resumed"), resume=True)
    straight, resumed = read_log(tmp_path / "straight"), read_log(tmp_path / "resumed")
    for key in ("loss_D", "loss_G_GAN", "loss_G_L1", "val_L1", "val_PSNR"):
        assert resumed[1][key] == pytest.approx(straight[1][key], rel=1e-5), key
    assert resumed[0]["loss_G_L1"] != resumed[1]["loss_G_L1"]  # epoch 2 really trained further


# refused before they write anything, these share tests/conftest.py's one-epoch run
def test_an_existing_run_is_never_overwritten_without_resume(shapes, run_folder):
    with pytest.raises(RunFolderError, match="--resume"):
        fit(tiny_config(shapes, run_folder, epochs=1))


def test_resuming_with_other_settings_names_each_instead_of_crashing(run_folder):
    changed = replace(read_config(run_folder), epochs=2, ngf=16, lr=1e-3, seed=7)
    with pytest.raises(CheckpointError, match=r"other settings: lr 0\.0002 \(now 0\.001\), "
                                              r"ngf 8 \(now 16\), seed 0 \(now 7\)\..*"
                                              r"--out NEW_FOLDER"):
        fit(changed, resume=True)


def test_resuming_a_finished_run_says_how_to_train_longer(run_folder):
    with pytest.raises(RunFolderError, match="already trained 1 epochs.*--epochs larger than 1"):
        fit(replace(read_config(run_folder), epochs=1), resume=True)


def make_losses_nan(monkeypatch):
    """Every training step from now on trains as usual, then reports a NaN L1."""
    real_step = Pix2Pix.train_step

    def nan_step(self, input_image, target_image):
        losses = real_step(self, input_image, target_image)
        return losses._replace(loss_G_L1=torch.tensor(float("nan")))

    monkeypatch.setattr(Pix2Pix, "train_step", nan_step)


def test_a_nan_loss_stops_the_run_before_it_overwrites_the_checkpoint(shapes, tmp_path,
                                                                       monkeypatch):
    fit(tiny_config(shapes, tmp_path, epochs=1))
    before = (tmp_path / "checkpoint.pt").read_bytes()
    make_losses_nan(monkeypatch)
    with pytest.raises(TrainingDiverged) as error:
        fit(tiny_config(shapes, tmp_path, epochs=2), resume=True)
    assert (tmp_path / "checkpoint.pt").read_bytes() == before
    # resuming would meet the same NaN: the advice is a new run with a lower lr
    assert "NaN or infinite in epoch 2, step 10" in str(error.value)
    assert "checkpoint on disk is from epoch 1" in str(error.value)
    assert "without --resume, with --out NEW_FOLDER, and a lower --lr (this run had 0.0002: " \
           "try half)" in str(error.value)


def test_a_nan_in_the_first_epoch_says_nothing_was_saved_and_not_to_resume(shapes, tmp_path,
                                                                         monkeypatch):
    make_losses_nan(monkeypatch)
    with pytest.raises(TrainingDiverged, match=r"Nothing was saved: no epoch had finished\. "
                                               r"Start the run again without --resume"):
        fit(tiny_config(shapes, tmp_path, epochs=1))
    assert not (tmp_path / "checkpoint.pt").exists()


def run_script(*args, **popen):
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, str(SCRIPT), *map(str, args)], env=env, cwd="/",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)


def test_ctrl_c_saves_a_checkpoint_that_resumes(shapes, tmp_path):
    out = tmp_path / "run"
    flags = ["--data", shapes, "--quick", "--out", out, "--workers", "0", "--device", "cpu"]
    process = run_script(*flags, "--epochs", "50")
    deadline = time.time() + 90
    while not (out / "log.jsonl").exists() and time.time() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 130, output
    assert "--resume" in output and "Traceback" not in output
    epochs_done = torch.load(out / "checkpoint.pt", weights_only=True)["epoch"]
    assert epochs_done >= 1 and (out / "generator.pt").exists()
    resumed = run_script(*flags, "--epochs", str(epochs_done + 1), "--resume")
    output, _ = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, output
    assert read_log(out)[-1]["epoch"] == epochs_done + 1


def test_exercise3_quick_runs_end_to_end(shapes, tmp_path):
    process = run_script("--data", shapes, "--quick", "--out", tmp_path, "--workers", "0")
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert "preflight:" in output and "held-out L1" in output
    assert (tmp_path / "exercise3_epoch_4.png").exists()


def ddp_worker(rank, world_size, port, config):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size))
    torch.set_num_threads(1)
    fit(config)
    torch.distributed.destroy_process_group()


def test_two_process_ddp_with_gloo_completes_and_only_rank_0_writes(tmp_path):
    # a fresh set with no decoded cache yet: rank 0 must write it while rank 1 waits
    shapes = write_synthetic_dataset(tmp_path / "shapes", num_train=32, num_val=4, size=64)
    config = tiny_config(shapes, tmp_path / "run", epochs=2, train_limit=32, cache=True)
    port = 29500 + os.getpid() % 1000
    mp.spawn(ddp_worker, args=(2, port, config), nprocs=2, join=True)
    assert [record["epoch"] for record in read_log(tmp_path / "run")] == [1, 2]  # one writer
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)["epoch"] == 2
    assert (shapes / "train" / "decoded_72px.npy").exists()


def test_loader_workers_see_each_epochs_new_crops(shapes):
    # the worker processes must crop and flip as the main process would, epoch after epoch
    batches = {}
    for workers in (0, 1):
        config = tiny_config(shapes, "unused", workers=workers, train_limit=4, batch_size=4)
        loader, _ = make_loaders(config, Distributed(), torch.device("cpu"))
        for epoch in (0, 1):
            loader.sampler.set_epoch(epoch)
            loader.dataset.set_epoch(epoch)
            batches[workers, epoch] = next(iter(loader))[0]
    assert torch.equal(batches[0, 0], batches[1, 0]) and torch.equal(batches[0, 1], batches[1, 1])
    assert not torch.equal(batches[1, 0].sum(0), batches[1, 1].sum(0))  # new crops, same pairs


def test_lr_factors_are_the_official_ones_at_epochs_1_n_n_plus_1_and_2n():
    n = 50
    config = TrainConfig(epochs=2 * n, lr=1.0)
    factor = {one_based: learning_rate(config, one_based - 1) for one_based in (1, n, n + 1, 2 * n)}
    # the official linear rule, lr * (1 - max(0, E + 1 - n_epochs) / (n_epochs_decay + 1))
    assert factor == {1: 1.0, n: 1 - 1 / (n + 1), n + 1: 1 - 2 / (n + 1), 2 * n: 0.0}
    assert learning_rate(TrainConfig(epochs=2 * n, lr=1.0, lr_decay=False), 2 * n - 1) == 1.0


@pytest.mark.parametrize("objective, has_d, l1_weight, conditional", [
    ("l1", False, 100.0, None), ("cgan", True, 0.0, True), ("l1+cgan", True, 100.0, True),
    ("gan", True, 0.0, False), ("l1+gan", True, 100.0, False)])
def test_each_objective_builds_the_players_it_names(objective, has_d, l1_weight, conditional):
    config = TrainConfig(image_size=32, ngf=4, ndf=4, objective=objective)
    pix2pix = build_pix2pix(config, torch.device("cpu"))
    assert (pix2pix.discriminator is not None) == has_d and pix2pix.lambda_l1 == l1_weight
    if has_d:
        assert pix2pix.discriminator.config.conditional == conditional
    x, y = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 32, 32) * 2 - 1
    losses = pix2pix.train_step(x, y)
    assert (losses.loss_D != 0) == has_d and (losses.loss_G_GAN != 0) == has_d


def test_the_gan_only_objective_puts_no_l1_term_in_gs_loss():
    pix2pix = build_pix2pix(TrainConfig(image_size=32, ngf=4, ndf=4, objective="cgan"),
                            torch.device("cpu"))
    x, y = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 32, 32) * 2 - 1
    fake = pix2pix.generator(x)
    loss = pix2pix.update_generator(x, y, fake)
    assert loss.loss_G_L1 > 0 and torch.equal(loss.loss_G, loss.loss_G_GAN)


def test_an_epoch_logged_but_not_checkpointed_is_logged_once_after_resume(shapes, tmp_path):
    fit(tiny_config(shapes, tmp_path, epochs=1))
    log = tmp_path / "log.jsonl"
    log.write_text(log.read_text() * 2)  # as if epoch 2's row was written, then the power cut
    with open(log, "r+") as file:
        rows = file.read().splitlines()
        file.seek(0), file.truncate()
        file.write("\n".join([rows[0], rows[1].replace('"epoch": 1', '"epoch": 2')]) + "\n")
    fit(tiny_config(shapes, tmp_path, epochs=2), resume=True)
    assert [record["epoch"] for record in read_log(tmp_path)] == [1, 2]


@pytest.mark.parametrize("how, problem", [("empty", "an empty file"), ("truncated", "cut short")])
def test_a_damaged_checkpoint_is_refused_on_resume_before_anything_is_built(
        run_folder, tmp_path, monkeypatch, how, problem):
    run = shutil.copytree(run_folder, tmp_path / "run")
    data = (run / "checkpoint.pt").read_bytes()
    (run / "checkpoint.pt").write_bytes(b"" if how == "empty" else data[:len(data) // 3])
    monkeypatch.setattr(train, "build_pix2pix", lambda *args, **kwargs: pytest.fail("built"))
    with pytest.raises(CheckpointError) as error:
        fit(replace(read_config(run), out_dir=str(run), epochs=2), resume=True)
    message = str(error.value)
    assert message.startswith(f"{run / 'checkpoint.pt'} is {problem}")
    assert "a run killed while saving leaves the previous file whole" in message
    assert "replaced after every epoch" in message
    assert message.endswith("the same command without --resume, with --out NEW_FOLDER.")
