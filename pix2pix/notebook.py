"""What the exercise notebooks do that the scripts do not: show figures inline, ready a cloud GPU.

The notebooks ``docs/exercise*.ipynb`` are made from the exercise scripts by
``docs/make_notebooks.py``; the cells that only a notebook runs call these functions. Exercise 3's
notebook uses the rest to get a cloud machine such as Colab ready for a run of hours: say which
GPU it has, find (or ask for) the Kaggle token the data needs, and keep the run folder on Google
Drive, which outlives the machine, so that running the notebook again after a disconnect
continues the run. The command line needs none of this.
"""

import argparse
import os
import sys
from pathlib import Path

import torch

from pix2pix.datasets.anime import CREDENTIALS_HINT, KaggleError
from pix2pix.weights.download import install
from pix2pix.paths import PROJECT_ROOT
from pix2pix.train import read_log

COLAB_DRIVE = Path("/content/drive")  # where Colab mounts Google Drive
DRIVE_RUNS = Path("MyDrive") / "pix2pix-course" / "runs"  # inside the mounted Drive


def in_colab():
    """True inside a Google Colab notebook, whose kernel has imported ``google.colab``."""
    return "google.colab" in sys.modules


# -----------------------------------------------------------------------------
# Running a script's main() in a notebook


def flag_value(flags, name, default):
    """The value of option ``name`` in a list of command-line flags, as argparse reads it.

    A notebook calls ``main(FLAGS)``; this says which folder that run writes into (``--out``) or
    which weights it loads (``--checkpoint``), whichever way the flag was written.

    Args:
        flags: the list given to ``main``, e.g. ``["--quick", "--out=runs/a"]``.
        name: the option, e.g. ``"--out"``.
        default: its value when the list does not give it (the script's default).

    Returns:
        A ``Path``; the last one given wins, as in argparse.
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument(name, type=Path, default=Path(default))
    known, _ = parser.parse_known_args([str(flag) for flag in flags])
    return getattr(known, name.lstrip("-").replace("-", "_"))


def show_figures(folder, pattern, since):
    """Show the PNGs in ``folder`` matching ``pattern`` written after ``since``, oldest first.

    The scripts save their figures to files (a terminal has no other way to show them); a
    notebook shows those files under the cell that ran the script.

    Args:
        folder: the run's output folder.
        pattern: file names to show, e.g. ``"grid_*.png"``.
        since: a ``time.time()`` taken before the run: older files are from earlier runs.
    """
    from IPython.display import Image, display  # there in every notebook, not needed elsewhere

    paths = sorted((path for path in Path(folder).glob(pattern)
                    if path.stat().st_mtime >= since), key=lambda path: path.stat().st_mtime)
    for path in paths:
        print(path)
        display(Image(filename=str(path)))


def get_official_weights(path):
    """The official facades weights at ``path``, downloaded and verified if they are not there.

    What ``python download_pretrained.py`` does, once (218 MB); a notebook of exercise 1 or 2
    opened on a fresh cloud machine needs it before ``main()``.
    """
    if not Path(path).exists():
        install(path)


# -----------------------------------------------------------------------------
# A cloud GPU for exercise 3


def report_gpu():
    """Print the CUDA GPU this notebook runs on, or that it has none; True when it has one."""
    if not torch.cuda.is_available():
        print("no GPU: this notebook trains on the synthetic shapes in --quick mode, as on a "
              "laptop CPU. In Colab: Runtime > Change runtime type > a GPU, then run it again.")
        return False
    properties = torch.cuda.get_device_properties(0)
    print(f"GPU: {properties.name}, {properties.total_memory / 2**30:.0f} GB: the anime "
          "sketches, the real exercise")
    return True


def find_kaggle_token(home=None):
    """Make sure the ``kaggle`` package will find an API token; in Colab, ask for kaggle.json.

    The token is looked for where the ``kaggle`` package looks: the environment variables
    ``KAGGLE_USERNAME`` and ``KAGGLE_KEY`` (or ``KAGGLE_API_TOKEN``), then ``kaggle.json`` in
    ``KAGGLE_CONFIG_DIR`` or ``~/.kaggle``. In Colab, a missing token is asked for as a file
    upload and saved there, readable by you alone, as the kaggle package demands.

    Args:
        home: the home folder (default: the user's); a test gives a temporary one.

    Raises:
        KaggleError: no token, outside Colab; the message says how to make one.
    """
    if os.environ.get("KAGGLE_API_TOKEN") or (os.environ.get("KAGGLE_USERNAME")
                                              and os.environ.get("KAGGLE_KEY")):
        return
    folder = Path(os.environ.get("KAGGLE_CONFIG_DIR") or Path(home or Path.home()) / ".kaggle")
    token = folder / "kaggle.json"
    if token.is_file():
        return
    if not in_colab():
        raise KaggleError(CREDENTIALS_HINT)
    from google.colab import files

    print("Choose your kaggle.json (Kaggle > Settings > API > Create New Token):")
    uploaded = files.upload()  # {file name: bytes}
    if not uploaded:
        raise KaggleError(f"No file was uploaded. {CREDENTIALS_HINT}")
    folder.mkdir(parents=True, exist_ok=True)
    token.write_bytes(next(iter(uploaded.values())))
    token.chmod(0o600)
    print(f"saved {token}")


def epochs_done(run_folder):
    """The last epoch the run in ``run_folder`` completed, from its log (0: none, or no run).

    A notebook run again after a disconnect continues a stopped run (``--resume``) and only
    shows the figures of a finished one.
    """
    return max((record["epoch"] for record in read_log(run_folder)), default=0)


def runs_folder(drive=COLAB_DRIVE):
    """Where this notebook's run folders go: on Google Drive in Colab, else the course's runs/.

    A Colab machine and its disk are gone after a disconnect or a few idle minutes; Google
    Drive stays. Mounting it asks for your permission once per machine. If you refuse, the
    run stays on the machine, and this says so.

    Args:
        drive: where to mount Google Drive (Colab's usual place by default).

    Returns:
        A ``Path``.
    """
    if in_colab():
        from google.colab import drive as google_drive

        try:
            google_drive.mount(str(drive))
        except Exception as error:  # refused, or the mount timed out: train anyway
            print(f"Google Drive is not mounted ({error}): the run is lost when this machine "
                  "goes. Run this cell again to mount it.")
        else:
            return Path(drive) / DRIVE_RUNS
    return PROJECT_ROOT / "runs"
