"""Paired image folders for training: the input x and its target y, jittered together.

A pair is two pictures of one scene, A and B; the direction says which one G reads: AtoB (the
official code's default) makes A the input x and B the target y, BtoA the other way round. Three
layouts of pairs are read, recognised by looking at the folder (:func:`find_pairs`):

* this course's, written by every set of the course (anime, shapes, ambiguous shapes)::

      ROOT/{train,val}/sketches/NAME.png    A: the sketch, x in the course's AtoB
      ROOT/{train,val}/colors/NAME.png      B: the colour drawing, the same NAME

* the official *aligned* layout of the pix2pix datasets (facades, maps, cityscapes, ...): one
  picture per pair, A on the left half and B on the right, of any size 2W x H::

      ROOT/{train,val,test}/NAME.jpg        (or .png)

* two folders of pictures matched by file name, what the official ``combine_A_and_B.py``
  reads: ``ROOT/A/NAME`` and ``ROOT/B/NAME``, split as ``ROOT/A/{train,val}/`` (or
  ``ROOT/{train,val}/A/``) or not at all, when every tenth pair is held out for validation.

A layout whose val/ is missing validates on its test/. A picture can be grey (1 channel, e.g.
the paper's black-and-white photos) or RGB; it is read with the channels of its side of the
network (``input_nc`` for x, ``output_nc`` for y), converted when the file has others.

Training applies the paper's augmentation (appendix 6.2): resize to 286x286, crop a random
256x256 window, flip left-right half of the time. x and y get the *same* crop and flip: a sketch
shifted against its colour drawing would teach G to draw everything a few pixels off. Other
sizes keep the proportion 286 / 256, and pictures that are not square train on crops of their
aspect (:func:`training_crop`); the resize keeps each picture's aspect and never squashes it.

Decoding a PNG and resizing it cost a core about 2-5 ms per image: a GPU that trains 1,500
images per second would wait for them. The resize has no randomness, so its result can be
computed once: with ``cache=True`` every pair is decoded and resized once into one uint8 file,
``{split}/decoded_<size>px.npy``, and each epoch only crops and flips rows of it -- the same
pixels as the PNG path, at a fraction of the cost.
Used by Exercise 3 and the benchmarks.
"""

import json
import random
import signal
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.distributed as dist
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

from pix2pix.errors import FixableError
from pix2pix.images import to_tensor
from pix2pix.paths import atomic_write

SPLITS = ("train", "val")
INPUT_FOLDER = "sketches"  # A, the course's x: what G sees
TARGET_FOLDER = "colors"  # B, the course's y: what G should draw
LOAD_SIZE = 286  # the paper's jitter: upscale to 286, then crop back to 256
CROP_SIZE = 256
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")
HOLD_OUT_EVERY = 10  # two unsplit folders A/ and B/: every tenth pair validates
GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")  # PIL modes of one-channel pictures
PNG_END = b"IEND\xaeB`\x82"  # a PNG's last chunk and its checksum: a cut-short file lacks it

# the three layouts, and where a pair's A and B are in each
COURSE, ALIGNED, FOLDERS = "course", "aligned", "folders"
LAYOUT_NAMES = {COURSE: "this course's layout ({train,val}/{sketches,colors}/)",
                ALIGNED: "the official aligned layout (A|B side by side)",
                FOLDERS: "two folders A/ and B/ matched by file name"}
SIDE_NAMES = {COURSE: ("sketches/", "colors/"), ALIGNED: ("the left half", "the right half"),
              FOLDERS: ("A/", "B/")}
LAYOUTS_HINT = ("Give a folder with train/ and val/ that hold sketches/ and colors/ (this "
                "course's layout) or pictures of A|B side by side (the official aligned "
                "layout), or a folder with A/ and B/ of pictures with the same names.")


class DataError(FixableError):
    """A folder that does not hold usable pairs; the message says what is wrong with it."""

    def __init__(self, message):
        # Raised in a DataLoader worker, it reaches the training loop made again from the text
        # of the worker's traceback, whose last line is "pix2pix.data.DataError: " and the
        # message: keep the message alone, which names the file and the fix.
        super().__init__(message.rpartition(f"{__name__}.DataError: ")[2].strip())


def pair_folders(root, split):
    """The two folders of a split in this course's layout: (``ROOT/split/sketches``,
    ``ROOT/split/colors``)."""
    return Path(root) / split / INPUT_FOLDER, Path(root) / split / TARGET_FOLDER


def pair_names(root, split):
    """Sorted file names of the pairs of a split in this course's layout.

    Raises:
        DataError: a folder is missing, or a picture has no partner.
    """
    return [file_a.name for file_a, _ in matched_files(*pair_folders(root, split))]


# -----------------------------------------------------------------------------
# Finding the pairs: which layout, which direction, how many channels


@dataclass(frozen=True)
class PairedData:
    """A folder of pairs, and how a run reads them; :func:`find_pairs` fills it in."""

    root: Path
    layout: str  # COURSE, ALIGNED or FOLDERS
    direction: str = "AtoB"  # AtoB: x = A, y = B; BtoA: x = B, y = A
    input_nc: int = 3  # channels x is read with: 3 (RGB) or 1 (grey)
    output_nc: int = 3  # channels of y
    load_size: Optional[int] = None  # the jitter's resize of the short side; None: 286 for 256
    cache: bool = False  # read the decoded uint8 file of each split (see the module docstring)
    detected: tuple = ()  # "x", "y": the sides whose channels were read from the files


def find_pairs(root, direction="AtoB", input_nc=None, output_nc=None, load_size=None,
               cache=False):
    """The pairs in ``root``, whichever of the three layouts it has.

    Args:
        root: the folder of the pairs.
        direction: "AtoB" (x = A) or "BtoA" (x = B).
        input_nc, output_nc: channels of x and y, 1 or 3; None: those of the first training
            pair's files (one channel for a grey PNG or JPEG, three otherwise).
        load_size, cache: as :class:`PairedData`.

    Returns:
        A :class:`PairedData`.

    Raises:
        DataError: ``root`` is none of the layouts; the message says what it holds instead.
    """
    root = Path(root)
    data = PairedData(root, find_layout(root), direction, load_size=load_size, cache=cache)
    detected = tuple(side for side, given in (("x", input_nc), ("y", output_nc)) if given is None)
    if detected:
        sides = [file_channels(path) for path in pair_files(data, "train")[0]]
        file_x, file_y = sides if direction == "AtoB" else sides[::-1]
        input_nc, output_nc = input_nc or file_x, output_nc or file_y
    return replace(data, input_nc=input_nc, output_nc=output_nc, detected=detected)


def find_layout(root):
    """COURSE, ALIGNED or FOLDERS: the layout of ``root``, told by its folders."""
    if (root / "train" / INPUT_FOLDER).is_dir():
        return COURSE
    if any((base / "A").is_dir() and (base / "B").is_dir() for base in (root, root / "train")):
        return FOLDERS
    if (root / "train").is_dir() and pictures_in(root / "train"):
        return ALIGNED
    raise DataError(f"{root} holds none of the three layouts of pairs: {what_is_in(root)}. "
                    + LAYOUTS_HINT)


def what_is_in(root):
    """What a folder that is no layout holds, and the likely fix, in a few words."""
    if not root.is_dir():
        return "there is no such folder"
    entries = sorted(p.name + ("/" if p.is_dir() else "") for p in root.iterdir()
                     if not p.name.startswith("."))
    if not entries:
        return "it is empty"
    found = ", ".join(entries[:6]) + (", ..." if len(entries) > 6 else "")
    if root.name in ("train", "val", "test", "A", "B", INPUT_FOLDER, TARGET_FOLDER):
        return f"it holds {found}; it looks like a part of a layout: give its parent folder"
    return f"it holds {found}"


def file_channels(path):
    """1 for a picture stored with one channel (grey), else 3: read from its header only."""
    try:
        with Image.open(path) as image:
            return 1 if image.mode in GREY_MODES else 3
    except (OSError, SyntaxError, ValueError) as error:
        raise unreadable(path, error) from None


def unreadable(path, error):
    """The DataError for a picture that cannot be opened or decoded."""
    return DataError(f"{path} cannot be read as a picture ({error}): replace it with a good "
                     "copy, or move it and its partner out of the data folder.")


# -----------------------------------------------------------------------------
# The files of a split, checked before training starts


def pictures_in(folder):
    """The pictures of a folder (PNG and JPEG), sorted by name.

    Names starting with a dot are left out: macOS leaves a ``._NAME.png`` of its own beside
    every file it copies to some drives, and those are not pictures.
    """
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PICTURE_SUFFIXES
                  and not p.name.startswith(".") and p.is_file())


def split_folder(base, split):
    """``base/split``; for "val", ``base/test`` when there is no val/ (a set split into
    train/ and test/ only).

    Raises:
        DataError: neither is there.
    """
    if not (base / split).is_dir() and split == "val" and (base / "test").is_dir():
        return base / "test"
    if not (base / split).is_dir():
        raise DataError(f"{base} has no {split}/ folder. A layout of pairs has train/ and val/ "
                        f"folders (val/ may be test/): move some pairs into {base / split}/.")
    return base / split


def pictures_by_name(folder):
    """{name without suffix: path} of a folder's pictures: A/x.png pairs with B/x.jpg.

    Raises:
        DataError: the folder is missing, holds no picture, or two pictures of one name.
    """
    if not folder.is_dir():
        raise DataError(f"there is no folder {folder}: a pair's two pictures are in two "
                        "folders side by side. " + LAYOUTS_HINT)
    found = {}
    for path in pictures_in(folder):
        if path.stem in found:
            raise DataError(f"{found[path.stem]} and {path} have one name: which is the pair's? "
                            "Move one of them out of the folder.")
        found[path.stem] = path
    if not found:
        raise DataError(f"{folder} holds no .png or .jpg picture. " + LAYOUTS_HINT)
    return found


def matched_files(folder_a, folder_b):
    """[(A file, B file)] of the pictures with one name in both folders, sorted by A's names.

    Raises:
        DataError: a folder is missing or empty, or a picture has no partner.
    """
    side_a, side_b = pictures_by_name(folder_a), pictures_by_name(folder_b)
    lone = sorted(side_a.keys() ^ side_b.keys())
    if lone and not side_a.keys() & side_b.keys():
        raise DataError(f"{len(side_a)} pictures in {folder_a} and {len(side_b)} in {folder_b}, "
                        "but no name is in both. A pair is two pictures with the same name (the "
                        f"suffix may differ), A in {folder_a.name}/ and B in {folder_b.name}/.")
    if lone:
        path = side_a.get(lone[0]) or side_b[lone[0]]
        other = folder_b if path.parent == folder_a else folder_a
        raise DataError(f"{path} has no partner of the same name in {other} ({len(lone)} "
                        "pictures have none). Add the missing pictures, or move the lone ones "
                        "out of the data folder.")
    return [(path, side_b[path.stem]) for path in sorted(side_a.values())]


def pair_files(data, split):
    """The files of each pair of ``split``, sorted by name.

    Returns:
        A list of (A file, B file); in the aligned layout both are the one side-by-side picture.

    Raises:
        DataError: the split is missing, holds no picture, or a picture has no partner.
    """
    root = data.root
    if data.layout == ALIGNED:
        folder = split_folder(root, split)
        files = pictures_in(folder)
        if not files:
            raise DataError(f"{folder} holds no .png or .jpg picture. " + LAYOUTS_HINT)
        return [(path, path) for path in files]
    if data.layout == COURSE:
        return matched_files(*pair_folders(root, split_folder(root, split).name))
    if (root / "A").is_dir() and not (root / "A" / "train").is_dir():  # unsplit: hold some out
        pairs = matched_files(root / "A", root / "B")
        held_out = set(range(HOLD_OUT_EVERY - 1, len(pairs), HOLD_OUT_EVERY)) or {len(pairs) - 1}
        return [pair for i, pair in enumerate(pairs) if (i in held_out) == (split == "val")]
    if (root / "A").is_dir():  # A/{train,val}/, the input of the official combine_A_and_B.py
        return matched_files(split_folder(root / "A", split), split_folder(root / "B", split))
    base = split_folder(root, split)  # {train,val}/A/
    return matched_files(base / "A", base / "B")


def picture_size(path):
    """(width, height) of a picture, read from its header; a PNG must also end as PNGs do.

    Raises:
        DataError: the file is no picture, or a PNG that was cut short (an interrupted copy or
            download), which would otherwise fail only when an epoch reaches it.
    """
    try:
        with Image.open(path) as image:
            size = image.size
    except (OSError, SyntaxError, ValueError) as error:
        raise unreadable(path, error) from None
    if path.suffix.lower() == ".png":
        with open(path, "rb") as file:
            file.seek(max(0, path.stat().st_size - 32))
            if PNG_END not in file.read():
                raise DataError(f"{path} is cut short: it does not end as a PNG does (an "
                                "interrupted copy or download). Copy it again, or move it and "
                                "its partner out of the data folder.")
    return size


def check_pairs(data, files):
    """Stop before training, naming the file, at a picture that cannot be a pair's.

    Only headers are read (and a PNG's last bytes), a fraction of a millisecond per file: no
    picture is decoded. A pair's two pictures must have one size; an aligned picture an even
    width, two halves of W pixels.

    Raises:
        DataError: an unreadable or cut-short file, two sizes in one pair, or an odd width.
    """
    for file_a, file_b in tqdm(files, desc="checking the pairs", delay=2, leave=False):
        width, height = picture_size(file_a)
        if data.layout == ALIGNED:
            if width % 2:
                raise DataError(f"{file_a} is {width} pixels wide: an aligned pair is A and B "
                                "side by side, two halves of the same width. Crop it to an even "
                                "width, or give A and B as two folders A/ and B/.")
            continue
        other_width, other_height = picture_size(file_b)
        if (other_width, other_height) != (width, height):
            raise DataError(f"{file_a} is {width}x{height} but its partner {file_b} is "
                            f"{other_width}x{other_height}: the two pictures of a pair must be "
                            "pixel-aligned, of one size. Resize one of them to the other's size.")


# -----------------------------------------------------------------------------
# Sizes: the crop the U-Net trains on, and the resize before it


def load_size_for(crop_size):
    """The resize before the random crop, in the paper's proportion 286 / 256.

    Args:
        crop_size: side of the training crops.

    Returns:
        An int: 286 for 256, 72 for 64.
    """
    return round(crop_size * LOAD_SIZE / CROP_SIZE)


def training_crop(data, image_size):
    """(H, W) of a run's crops: square, or of the pictures' aspect when they are not square.

    The U-Net halves its input log2(image_size) times, so each side of a crop must be a multiple
    of 2 ** log2(image_size) = image_size: the short side is image_size, the long one the
    multiple of it nearest to the pictures' aspect (that of the first training pair's A). Halves
    of 512x256 train at 256 on 256x512 crops, with a 1x2 bottleneck; halves of 300x280 on square
    ones, as square pictures do, with the paper's 1x1.

    Args:
        data: a :class:`PairedData`.
        image_size: the short side, a power of two (TrainConfig.image_size).

    Returns:
        (height, width).
    """
    width, height = picture_size(pair_files(data, "train")[0][0])
    if data.layout == ALIGNED:
        width //= 2  # one half of the side-by-side picture
    multiple = max(1, round(max(width, height) / min(width, height)))
    return (image_size, image_size * multiple) if width >= height else \
        (image_size * multiple, image_size)


def load_shape(crop, load_size=None):
    """(H, W) a picture is resized to before the random crop: the crop, scaled by
    ``load_size`` / its short side (286 / 256 when None, the paper's jitter)."""
    short = min(crop)
    scale = (load_size or load_size_for(short)) / short
    return tuple(round(side * scale) for side in crop)


# -----------------------------------------------------------------------------
# Reading a pair


def decode(path):
    """The picture at ``path``, decoded. Raises DataError, naming it, when it cannot be."""
    try:
        with Image.open(path) as image:
            image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise unreadable(path, error) from None
    return image


def resized(image, channels, shape):
    """A picture as an (H, W, channels) uint8 array of ``shape`` = (H, W), never squashed.

    It is scaled, keeping its aspect, just enough to cover ``shape``, and its middle is cut out:
    a picture of the shape's aspect is only resized (bicubic, as the official code).
    """
    image = image.convert("L" if channels == 1 else "RGB")
    height, width = shape
    scale = max(width / image.width, height / image.height)
    size = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    image = image.resize(size, Image.BICUBIC)
    if size != (width, height):
        left, top = (size[0] - width) // 2, (size[1] - height) // 2
        image = image.crop((left, top, left + width, top + height))
    array = np.asarray(image)
    return array[..., None] if channels == 1 else array  # (H, W) -> (H, W, 1)


def read_pair(data, files, shape):
    """One pair, decoded, as (x, y): (H, W, input_nc) and (H, W, output_nc) uint8 arrays.

    Args:
        data: a :class:`PairedData`; its layout says where A and B are, its direction which
            one is x.
        files: the pair's (A file, B file), from :func:`pair_files`.
        shape: (H, W) of the arrays.
    """
    if data.layout == ALIGNED:
        both = decode(files[0])
        half = both.width // 2
        side_a = both.crop((0, 0, half, both.height))  # A | B: A on the left
        side_b = both.crop((half, 0, both.width, both.height))
    else:
        side_a, side_b = decode(files[0]), decode(files[1])
    input_image, target_image = (side_a, side_b) if data.direction == "AtoB" else (side_b, side_a)
    return [resized(input_image, data.input_nc, shape),
            resized(target_image, data.output_nc, shape)]


def paired_jitter(input_image, target_image, rng, crop_size):
    """The same random crop and the same flip for both images of a pair (paper appendix 6.2).

    Args:
        input_image: x, (L_h, L_w, C) uint8, already resized to the load shape.
        target_image: y, (L_h, L_w, C') uint8, pixel-aligned with x.
        rng: a ``random.Random``; its draws decide the crop and the flip.
        crop_size: (height, width) of the crops.

    Returns:
        (input_image, target_image): two (height, width, C) arrays, still aligned.
    """
    height, width = crop_size
    left = rng.randint(0, input_image.shape[1] - width)
    top = rng.randint(0, input_image.shape[0] - height)
    flip = rng.random() < 0.5
    # one crop window and one flip decision for both images keep them pixel-aligned
    images = [image[top:top + height, left:left + width]
              for image in (input_image, target_image)]
    if flip:
        images = [image[:, ::-1] for image in images]  # (H, W, C): mirror the columns
    return images


class PairedDataset(Dataset):
    """(input image, target image) pairs of one split, in any of the three layouts, jittered.

    The random crop and flip of sample ``i`` in epoch ``e`` are drawn from a generator seeded by
    (seed, e, i), not from the global random state: every DataLoader worker, every DDP process and
    a resumed run draw exactly the same augmentation, and call :meth:`set_epoch` to get new ones.

    Args:
        data: a :class:`PairedData` (:func:`find_pairs`), or a folder of pairs in any layout,
            read AtoB with the channels of its files.
        split: "train" or "val".
        crop_size: side of the returned images, or their (height, width).
        augment: resize to the load shape (:func:`load_shape`) + random crop + flip
            (training); when False, resize straight to the crop (evaluation).
        limit: use only the first ``limit`` pairs (sorted by name).
        seed: seeds the augmentation.
    """

    def __init__(self, data, split="train", crop_size=CROP_SIZE, augment=True, limit=None,
                 seed=0):
        self.data = data if isinstance(data, PairedData) else find_pairs(data)
        files = pair_files(self.data, split)
        check_pairs(self.data, files)
        self.files = files[:limit] if limit else files
        self.names = [file_a.name for file_a, _ in self.files]
        self.crop = (crop_size, crop_size) if isinstance(crop_size, int) else tuple(crop_size)
        self.load = load_shape(self.crop, self.data.load_size) if augment else self.crop
        self.augment = augment
        self.seed = seed
        self.epoch = 0
        # the cache holds every pair of the split, so a run with --limit can share it
        self.cache_file = (write_decoded_cache(self.data, split, files, self.load)
                           if self.data.cache else None)
        self.decoded = None  # the cache, opened on first use in each process

    def __getstate__(self):
        # DataLoader workers started by "spawn" (macOS, Windows) receive a pickled copy of the
        # dataset: without this, an open memory map would be pickled as the whole array
        return {**self.__dict__, "decoded": None}

    def read_resized(self, index):
        """Pair ``index`` as two (load height, load width, C) uint8 arrays, decoded."""
        return read_pair(self.data, self.files[index], self.load)

    def indices_of(self, names):
        """The indices of the pairs called ``names`` (file names without suffix), in that order;
        a name this split does not hold is left out."""
        stems = [Path(name).stem for name in self.names]
        return [stems.index(name) for name in names if name in stems]

    def set_epoch(self, epoch):
        """Draw the next epoch's crops and flips (call once per epoch)."""
        self.epoch = epoch

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        """One pair.

        Returns:
            (input_image, target_image): (input_nc, H, W) and (output_nc, H, W) tensors in
            [-1, 1], (H, W) the crop.
        """
        if self.cache_file is None:
            images = self.read_resized(index)
        else:
            if self.decoded is None:  # (N, 2, L_h, L_w, C), read from disk only where indexed
                self.decoded = np.load(self.cache_file, mmap_mode="r")
            input_image, target_image = self.decoded[index]  # a grey one fills channel 0
            images = [input_image[..., :self.data.input_nc],
                      target_image[..., :self.data.output_nc]]
        if self.augment:
            rng = random.Random(f"{self.seed}-{self.epoch}-{index}")
            images = paired_jitter(*images, rng, self.crop)
        input_image, target_image = (to_tensor(image) for image in images)
        return input_image, target_image


def cache_path(data, split, shape):
    """The decoded cache of a split: ``ROOT/split/decoded_286px.npy`` for the paper's square
    jitter of pairs read AtoB in RGB; the name adds the shape, direction and channels otherwise.
    Two unsplit folders A/ and B/ keep it in ROOT, named after the split."""
    height, width = shape
    name = f"decoded_{height}px" if height == width else f"decoded_{height}x{width}px"
    if (data.direction, data.input_nc, data.output_nc) != ("AtoB", 3, 3):
        name += f"_{data.direction}_{data.input_nc}to{data.output_nc}"
    if (data.root / split).is_dir():
        return data.root / split / f"{name}.npy"
    return data.root / f"{split}_{name}.npy"


def write_decoded_cache(data, split, files, shape):
    """Decode and resize every pair of ``files`` once into one uint8 file (:func:`cache_path`).

    A sidecar ``.json`` lists the names the rows belong to; a cache whose list differs from the
    folder's (pairs added or removed) is written anew. A pair changed in place keeps its name:
    delete the two files after that. The cache holds the whole split even when a run uses a
    ``limit``, so runs of different sizes share it. Both files are written atomically, so an
    interrupted run leaves either a complete cache or none.

    Args:
        data: a :class:`PairedData`.
        split: "train" or "val".
        files: every pair of the split, from :func:`pair_files`.
        shape: (H, W) the pairs are resized to.

    Returns:
        The path of the ``.npy`` file: (N, 2, H, W, C) uint8, rows of (x, y); C is the larger
        of the two channel counts, and a grey picture fills channel 0.
    """
    path = cache_path(data, split, shape)
    index_path = path.with_suffix(".json")
    names = [file_a.name for file_a, _ in files]
    if path.exists() and index_path.exists() and json.loads(index_path.read_text()) == names:
        return path
    channels = max(data.input_nc, data.output_nc)
    with atomic_write(path) as temporary:
        rows = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.uint8,
                                         shape=(len(files), 2, *shape, channels))
        megabytes = rows.nbytes / 2 ** 20
        for row, pair in enumerate(tqdm(files, desc=f"decoding once into {path.name} "
                                                    f"({megabytes:,.0f} MB)")):
            for side, image in enumerate(read_pair(data, pair, shape)):
                rows[row, side, ..., :image.shape[-1]] = image
        rows.flush()
        del rows
    with atomic_write(index_path) as temporary:
        temporary.write_text(json.dumps(names))
    return path


# -----------------------------------------------------------------------------
# A run's pairs, and the line that says how it reads them


def find_run_pairs(config):
    """The pairs of a run, read as its :class:`~pix2pix.config.TrainConfig` says."""
    return find_pairs(config.data_root, config.direction, config.input_nc, config.output_nc,
                      config.load_size, config.cache)


def describe(data, image_size):
    """One line saying how a run reads its pairs: layout, direction, channels, counts, crops."""
    side_a, side_b = SIDE_NAMES[data.layout]
    sides = (f"x = {side_a} (A), y = {side_b} (B)" if data.direction == "AtoB" else
             f"x = {side_b} (B), y = {side_a} (A)")
    counts = [len(pair_files(data, split)) for split in SPLITS]
    crop = training_crop(data, image_size)
    load = load_shape(crop, data.load_size)
    source = f" ({' and '.join(data.detected)} read from the files)" if data.detected else ""
    return (f"{LAYOUT_NAMES[data.layout]} in {data.root}, {data.direction}: {sides}; "
            f"{counts[0]} train and {counts[1]} val pairs{val_note(data)}; "
            f"{data.input_nc} -> {data.output_nc} channels{source}; resized to "
            f"{load[0]}x{load[1]}, cropped to {crop[0]}x{crop[1]} (H x W)")


def val_note(data):
    """Where the val pairs come from when it is not a val/ folder ("" when it is)."""
    root = data.root
    if data.layout == FOLDERS and (root / "A").is_dir():
        if not (root / "A" / "train").is_dir():
            return f" (no split: every {HOLD_OUT_EVERY}th pair held out)"
        root = root / "A"
    return "" if (root / "val").is_dir() else " (val: test/)"


# -----------------------------------------------------------------------------
# Loaders


def ignore_sigint(_worker_id):
    """DataLoader workers leave Ctrl+C to the main process, which saves and shuts them down."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_loaders(config, ranks, device):
    """The training loader (shuffled per epoch, split between processes) and the val loader.

    Args:
        config: a :class:`~pix2pix.config.TrainConfig` (data, sizes, limits, workers, seed).
        ranks: a :class:`~pix2pix.distributed.Distributed`.
        device: where the batches go (pinned memory on CUDA).

    Returns:
        (train_loader, val_loader).
    """
    # with a cache to write, rank 0 writes it while the other processes wait, then they read it
    rank_0_first = config.cache and ranks.world_size > 1
    if rank_0_first and not ranks.is_main:
        dist.barrier()
    data = find_run_pairs(config)
    crop = training_crop(data, config.image_size)  # val too: the samples are drawn at one size
    train_set = PairedDataset(data, "train", crop, augment=True, limit=config.train_limit,
                              seed=config.seed)
    val_set = PairedDataset(data, "val", crop, augment=False, limit=config.val_limit)
    if rank_0_first and ranks.is_main:
        dist.barrier()
    if len(train_set) < config.batch_size * ranks.world_size:
        raise DataError(f"{len(train_set)} training pairs are fewer than one batch of "
                        f"{config.batch_size} per process: lower --batch-size or add pairs")
    # Also used without torchrun (one replica): the shuffle then depends only on (seed, epoch),
    # which is what makes a resumed run see the same batches as an uninterrupted one.
    sampler = DistributedSampler(train_set, num_replicas=ranks.world_size, rank=ranks.rank,
                                 shuffle=True, seed=config.seed)
    # Loaders get their own random generator: creating an iterator then leaves the global
    # state alone, so dropout draws the same masks in a resumed run as in an uninterrupted one.
    # Workers are not persistent: each epoch starts new ones with a fresh copy of the dataset,
    # whose set_epoch() has just chosen that epoch's crops; kept-alive workers would hold on to
    # the first epoch's copy and crop every epoch the same way.
    options = dict(num_workers=config.workers, pin_memory=device.type == "cuda",
                   worker_init_fn=ignore_sigint,
                   generator=torch.Generator().manual_seed(config.seed))
    if config.workers > 0:
        options["prefetch_factor"] = 4  # keep a few batches ready while the GPU works
    train_loader = DataLoader(train_set, batch_size=config.batch_size, sampler=sampler,
                              drop_last=True, **options)
    val_loader = DataLoader(val_set, batch_size=config.batch_size, shuffle=False, **options)
    return train_loader, val_loader
