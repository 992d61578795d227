"""The Kaggle *Anime Sketch Colorization Pair* dataset: download, split into pairs, verify.

Each raw file is one 1024x512 RGB PNG holding a pair side by side: the **colour** drawing on the
left half and its **sketch** on the right half. Exercise 3 learns sketch -> colour, so this module
cuts every file in two and writes the halves, resized to 256x256, as two files with the same name:

    anime_processed/{train,val}/sketches/NAME.png   the input image x
    anime_processed/{train,val}/colors/NAME.png     the target image y

which is the paired layout of :mod:`pix2pix.data`, the module that reads it. Used by
``preprocess_anime_sketches.py`` and the Exercise 3 page.
"""

import contextlib
import io
import signal
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from tqdm import tqdm

from pix2pix.data import SPLITS, pair_folders
from pix2pix.paths import PROJECT_ROOT, atomic_write
from pix2pix.errors import FixableError

KAGGLE_DATASET = "ktaebum/anime-sketch-colorization-pair"
KAGGLE_URL = f"https://www.kaggle.com/datasets/{KAGGLE_DATASET}"
RAW_DIR = PROJECT_ROOT / "data"  # the Kaggle zip unpacked here: data/train, data/val, or deeper
PROCESSED_DIR = PROJECT_ROOT / "anime_processed"
RAW_SIZE = (1024, 512)  # width, height of one side-by-side pair
IMAGE_SIZE = 256  # the paper's resolution; training crops from a 286 resize of this
CREDENTIALS_HINT = (
    "Kaggle needs an API token. Create one at https://www.kaggle.com/settings/api and either "
    "save kaggle.json to ~/.kaggle/kaggle.json (chmod 600 ~/.kaggle/kaggle.json) or set "
    "KAGGLE_USERNAME and KAGGLE_KEY (newer tokens: KAGGLE_API_TOKEN). Or download the zip by hand "
    f"from {KAGGLE_URL} and unzip it into the --raw folder (default: {RAW_DIR})."
)


class KaggleError(FixableError):
    """The Kaggle download cannot run: no ``kaggle`` package, no API token, or Kaggle refused."""


# -----------------------------------------------------------------------------
# Finding the raw files


def find_split_dirs(raw_root):
    """Where the ``train`` and ``val`` folders of the Kaggle layout are.

    Kaggle's zip holds ``data/train`` and ``data/val``; depending on how it was unzipped they end
    up directly in ``raw_root`` or one or two folders deeper (``raw_root/data/train``,
    ``raw_root/anime/data/train``), so all three depths are searched.

    Args:
        raw_root: the folder the dataset was downloaded or unzipped into.

    Returns:
        A dict from split name ("train", "val") to its folder; missing splits are left out.
    """
    raw_root = Path(raw_root)
    found = {}
    for pattern in ("{}", "*/{}", "*/*/{}"):
        for split in SPLITS:
            if split in found:
                continue
            candidates = sorted(p for p in raw_root.glob(pattern.format(split)) if p.is_dir())
            if candidates:
                found[split] = candidates[0]
    return found


@dataclass
class Job:
    """One raw pair to split: where it is and where its two halves go."""

    source: Path
    sketch_path: Path
    color_path: Path


def list_jobs(raw_root, out_root=PROCESSED_DIR, limit=None):
    """Every raw PNG and the two files it becomes, in a stable (sorted) order.

    Args:
        raw_root: the downloaded dataset (see :func:`find_split_dirs`).
        out_root: where ``{split}/sketches`` and ``{split}/colors`` are written.
        limit: keep only the first ``limit`` files of each split (a quick subset).

    Returns:
        A list of :class:`Job`; empty when no split folder was found.
    """
    out_root = Path(out_root)
    jobs = []
    for split, folder in find_split_dirs(raw_root).items():
        sources = sorted(folder.glob("*.png"))
        if limit is not None:
            sources = sources[:limit]
        input_dir, target_dir = pair_folders(out_root, split)
        for source in sources:
            jobs.append(Job(source, input_dir / source.name, target_dir / source.name))
    return jobs


# -----------------------------------------------------------------------------
# Splitting one pair


def split_pair(pair_image):
    """Cut a side-by-side pair into its sketch and its colour drawing.

    Args:
        pair_image: a PIL image, 1024 wide and 512 high, colour left and sketch right.

    Returns:
        (sketch, color): two 512x512 PIL images.
    """
    width, height = pair_image.size
    half = width // 2
    color = pair_image.crop((0, 0, half, height))
    sketch = pair_image.crop((half, 0, width, height))
    return sketch, color


# PNG is lossless at every zlib level: the level trades file size against time, never pixels.
# Level 1 with zlib's run-length strategy (Z_RLE) writes these drawings about as small as the
# default level 6 does, in a third of the time (benchmarks/bench_preprocess.py).
PNG_OPTIONS = dict(format="PNG", compress_level=1, compress_type=zlib.Z_RLE)


def ignore_ctrl_c():
    """Let a worker process finish its files when Ctrl+C reaches it: the main process decides.

    Ctrl+C in a terminal interrupts every process of the command at once. A worker interrupted
    mid-file would print its own traceback; one that ignores it finishes the file in hand, and
    the main process stops handing out new ones.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_job(job, size=IMAGE_SIZE):
    """Split one raw file and write both halves at ``size`` x ``size``.

    Safe to call from worker processes. Work already done (both outputs exist) is skipped, so a
    re-run after an interruption only does what is left. Each half is written to a temporary
    name first and renamed, so an interrupted run never leaves a half-written PNG behind.

    Args:
        job: a :class:`Job`.
        size: side of the written squares.

    Returns:
        (status, message): status is "written", "skipped" (already done), "unreadable" or
        "wrong size"; message explains the last two.
    """
    if job.sketch_path.exists() and job.color_path.exists():
        return "skipped", ""
    try:
        with Image.open(job.source) as image:  # reads the header only
            if image.size != RAW_SIZE:
                return "wrong size", (f"{job.source}: {image.size[0]}x{image.size[1]}, "
                                      f"expected {RAW_SIZE[0]}x{RAW_SIZE[1]}")
            image.load()  # the one decode
            # the Kaggle files are RGB already, and convert() would only copy them
            pair_image = image if image.mode == "RGB" else image.convert("RGB")
            # bicubic, as the official code resizes: smooth, keeps the sketch's thin lines
            halves = [half.resize((size, size), Image.BICUBIC) for half in split_pair(pair_image)]
    except (OSError, ValueError) as error:  # UnidentifiedImageError is an OSError
        return "unreadable", f"{job.source}: {error}"
    for half, path in zip(halves, (job.sketch_path, job.color_path)):
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as temporary:
            half.save(temporary, **PNG_OPTIONS)
    return "written", ""


# -----------------------------------------------------------------------------
# Checking the result


@dataclass
class Verification:
    """What :func:`verify_processed` found."""

    counts: dict = field(default_factory=dict)  # split -> number of complete pairs
    unpaired: list = field(default_factory=list)  # a sketch without its colour, or the reverse
    unreadable: list = field(default_factory=list)

    @property
    def ok(self):
        """True when every split has pairs and nothing is unpaired or unreadable."""
        return (all(self.counts.get(split, 0) > 0 for split in SPLITS)
                and not self.unpaired and not self.unreadable)


def verify_processed(out_root=PROCESSED_DIR, size=IMAGE_SIZE):
    """Check a processed folder: pairs per split, files without a partner, files that don't open.

    Args:
        out_root: a folder in the ``{split}/{sketches,colors}/NAME.png`` layout.
        size: the side every image must have.

    Returns:
        A :class:`Verification`.
    """
    out_root = Path(out_root)
    result = Verification()
    for split in SPLITS:
        folders = pair_folders(out_root, split)
        sketches, colors = ({p.name for p in folder.glob("*.png")} for folder in folders)
        paired = sorted(sketches & colors)
        for folder, alone in zip(folders, (sketches - colors, colors - sketches)):
            result.unpaired += [str(folder / name) for name in sorted(alone)]
        good = 0
        # every file is opened: 35,000 of them take a minute
        for name in tqdm(paired, desc=f"checking {split}", disable=not paired):
            problems = [_image_problem(folder / name, size) for folder in folders]
            problems = [p for p in problems if p]
            result.unreadable += problems
            good += not problems
        result.counts[split] = good
    return result


def _image_problem(path, size):
    """A one-line description of what is wrong with an image file, or "" when it is fine."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.size != (size, size):
                return f"{path}: {image.size[0]}x{image.size[1]}, expected {size}x{size}"
    except (OSError, ValueError) as error:  # UnidentifiedImageError is an OSError
        return f"{path}: {error}"
    return ""


# -----------------------------------------------------------------------------
# Downloading


def download_from_kaggle(destination=RAW_DIR):
    """Download and unzip the dataset with the ``kaggle`` package.

    ``kaggle`` is imported here and not at the top of the module: importing it reads the API
    token at once, and depending on its version prints a page of instructions or exits the
    program when there is none. Everything else in this module works without it.

    Args:
        destination: folder to unzip into; :func:`find_split_dirs` finds the splits however
            deep the zip nests them.

    Raises:
        KaggleError: the package is missing, the token is missing or the download failed.
    """
    Path(destination).mkdir(parents=True, exist_ok=True)
    quiet = (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()))
    try:
        with quiet[0], quiet[1]:
            import kaggle
            kaggle.api.authenticate()  # some versions only print at import; this one raises
    except ImportError as error:
        raise KaggleError(f"the kaggle package is not installed ({error}). "
                            "Run: pip install -r requirements.txt") from None
    except (Exception, SystemExit):  # a missing token: some versions exit, others raise
        raise KaggleError(CREDENTIALS_HINT) from None
    try:
        kaggle.api.dataset_download_files(KAGGLE_DATASET, path=str(destination), unzip=True,
                                          quiet=False)
    except (Exception, SystemExit) as error:
        message = str(error) or type(error).__name__
        raise KaggleError(f"the Kaggle download failed: {message}\n{CREDENTIALS_HINT}") from None
