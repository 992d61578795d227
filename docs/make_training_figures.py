"""Draw the Exercise 3 page's figures from a real run of the exercise on the synthetic shapes.

    python docs/make_training_figures.py

Runs the command the page gives for a laptop,
``exercises/exercise3_train.py --data synthetic --quick --epochs 60 --lr-decay``, into a
temporary run folder and copies three of its outputs into docs/figures/: the sample grid of
the first milestone epoch, that of the last one, and the loss curves. The figures are what a student's
own run draws, not drawings of it. About two minutes on a 2-core CPU.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pix2pix.paths import PROJECT_ROOT
from pix2pix.train import milestone_epochs

FIGURES = PROJECT_ROOT / "docs" / "figures"
EPOCHS = 60  # the page's "Shapes, longer (CPU)" run


def main():
    with tempfile.TemporaryDirectory() as run_dir:
        command = [sys.executable, str(PROJECT_ROOT / "exercises" / "exercise3_train.py"),
                   "--data", "synthetic", "--quick", "--epochs", str(EPOCHS), "--lr-decay",
                   "--out", run_dir, "--device", "cpu"]
        print("running:", " ".join(command[1:]))
        subprocess.run(command, check=True)
        run = Path(run_dir)
        first_milestone = milestone_epochs(EPOCHS)[0]  # the first sample grid the run draws
        copies = {f"exercise3_epoch_{first_milestone}.png": "exercise3_shapes_early.png",
                  f"exercise3_epoch_{EPOCHS}.png": "exercise3_shapes_late.png",
                  "exercise3_losses.png": "exercise3_shapes_losses.png"}
        for source, target in copies.items():
            shutil.copyfile(run / source, FIGURES / target)
            print(f"wrote {FIGURES / target}")
        records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
        first, last = records[0], records[-1]
        print(f"held-out L1 {first['val_L1']:.3f} after epoch 1 -> {last['val_L1']:.3f} after "
              f"epoch {last['epoch']}; PSNR {first['val_PSNR']:.2f} -> {last['val_PSNR']:.2f} dB")


if __name__ == "__main__":
    main()
