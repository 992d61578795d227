"""Paired image folders for training: the input x and its target y, jittered together.

Reads the layout written by :mod:`pix2pix.anime` and :mod:`pix2pix.synthetic`:

    ROOT/{split}/sketches/NAME.png   input image x
    ROOT/{split}/colors/NAME.png     target image y

and applies the paper's augmentation (appendix 6.2): resize to 286x286, crop a random 256x256
window, flip left-right half of the time. x and y get the *same* crop and flip: a sketch shifted
against its colour drawing would teach G to draw everything a few pixels off.

Decoding a PNG and resizing it cost a core about 2-5 ms per image: a GPU that trains 1,500
images per second would wait for them. The resize has no randomness, so its result can be
computed once: with ``cache=True`` every pair is decoded and resized once into one uint8 file,
``{split}/decoded_<size>px.npy``, and each epoch only crops and flips rows of it -- the same
pixels as the PNG path, at a fraction of the cost.
Used by Exercise 3.
"""

import json
import os
import random
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from tqdm import tqdm

LOAD_SIZE = 286  # the paper's jitter: upscale to 286, then crop back to 256
CROP_SIZE = 256


def load_size_for(crop_size):
    """The resize before the random crop, in the paper's proportion 286 / 256.

    Args:
        crop_size: side of the training crops.

    Returns:
        An int: 286 for 256, 72 for 64.
    """
    return round(crop_size * LOAD_SIZE / CROP_SIZE)


def to_tensor(image):
    """A PIL RGB image or an (H, W, 3) uint8 array as a (3, H, W) float tensor in [-1, 1], the
    range of G's Tanh output."""
    array = np.asarray(image, dtype=np.float32)  # (H, W, 3) in [0, 255]
    return torch.from_numpy(array).permute(2, 0, 1).div(127.5).sub(1.0)


def to_image(tensor):
    """A (3, H, W) tensor in [-1, 1] back to a PIL RGB image."""
    array = tensor.detach().float().clamp(-1, 1).add(1).mul(127.5).round()
    return Image.fromarray(array.permute(1, 2, 0).to(torch.uint8).cpu().numpy())


class PairedFolderDataset(Dataset):
    """(input image, target image) pairs from a processed folder, with the paper's jitter.

    The random crop and flip of sample ``i`` in epoch ``e`` are drawn from a generator seeded by
    (seed, e, i), not from the global random state: every DataLoader worker, every DDP process and
    a resumed run draw exactly the same augmentation, and call :meth:`set_epoch` to get new ones.

    Args:
        root: folder holding ``{split}/sketches`` and ``{split}/colors``.
        split: "train" or "val".
        crop_size: side of the returned images.
        augment: resize to ``load_size_for(crop_size)`` + random crop + flip (training); when
            False, resize straight to ``crop_size`` (evaluation).
        limit: use only the first ``limit`` pairs (sorted by name).
        seed: seeds the augmentation.
        cache: read the pairs from the decoded uint8 file of the split, writing it first when
            it is missing or the folder has changed (see the module's docstring).
    """

    def __init__(self, root, split="train", crop_size=CROP_SIZE, augment=True, limit=None, seed=0,
                 cache=False):
        self.root = Path(root)
        sketch_dir = self.root / split / "sketches"
        color_dir = self.root / split / "colors"
        names = sorted(p.name for p in sketch_dir.glob("*.png") if (color_dir / p.name).exists())
        if not names:
            raise FileNotFoundError(f"no sketch/colour pairs in {sketch_dir} and {color_dir}: "
                                    "prepare them with python preprocess_anime_sketches.py")
        self.names = names[:limit] if limit else names
        self.sketch_dir, self.color_dir = sketch_dir, color_dir
        self.crop_size = crop_size
        self.load_size = load_size_for(crop_size) if augment else crop_size
        self.augment = augment
        self.seed = seed
        self.epoch = 0
        # the cache holds every pair of the split, so a run with --limit can share it
        self.cache_file = write_decoded_cache(self, names) if cache else None
        self.decoded = None  # the cache, opened on first use in each process

    def __getstate__(self):
        # DataLoader workers started by "spawn" (macOS, Windows) receive a pickled copy of the
        # dataset: without this, an open memory map would be pickled as the whole array
        return {**self.__dict__, "decoded": None}

    def read_resized(self, name):
        """The pair ``name`` as two (load_size, load_size, 3) uint8 arrays, decoded from PNG."""
        images = []
        for folder in (self.sketch_dir, self.color_dir):
            with Image.open(folder / name) as image:
                resized = image.convert("RGB").resize((self.load_size, self.load_size),
                                                      Image.BICUBIC)
            images.append(np.asarray(resized))
        return images

    def set_epoch(self, epoch):
        """Draw the next epoch's crops and flips (call once per epoch)."""
        self.epoch = epoch

    def __len__(self):
        return len(self.names)

    def __getitem__(self, index):
        """One pair.

        Returns:
            (input_image, target_image): two (3, crop_size, crop_size) tensors in [-1, 1].
        """
        if self.cache_file is None:
            images = self.read_resized(self.names[index])
        else:
            if self.decoded is None:  # (N, 2, L, L, 3), read from disk only where indexed
                self.decoded = np.load(self.cache_file, mmap_mode="r")
            images = list(self.decoded[index])
        if self.augment:
            rng = random.Random(f"{self.seed}-{self.epoch}-{index}")
            margin = self.load_size - self.crop_size
            left, top = rng.randint(0, margin), rng.randint(0, margin)
            flip = rng.random() < 0.5
            # one crop window and one flip decision for both images keep them pixel-aligned
            size = self.crop_size
            images = [image[top:top + size, left:left + size] for image in images]
            if flip:
                images = [image[:, ::-1] for image in images]  # (H, W, 3): mirror the columns
        input_image, target_image = (to_tensor(image) for image in images)
        return input_image, target_image


def write_decoded_cache(dataset, names):
    """Decode and resize every pair of ``names`` once into ``{split}/decoded_<size>px.npy``.

    A sidecar ``.json`` lists the names the rows belong to; a cache whose list differs from the
    folder's (pairs added or removed) is written anew. A pair changed in place keeps its name:
    delete the two files after that. The cache holds the whole split even when a run uses a
    ``limit``, so runs of different sizes share it. Both files are written under temporary
    names and renamed, so an interrupted run leaves either a complete cache or none.

    Args:
        dataset: a :class:`PairedFolderDataset`; its folders and load size are used.
        names: every pair name of the split, sorted.

    Returns:
        The path of the ``.npy`` file.
    """
    path = dataset.sketch_dir.parent / f"decoded_{dataset.load_size}px.npy"
    index_path = path.with_suffix(".json")
    if path.exists() and index_path.exists() and json.loads(index_path.read_text()) == names:
        return path
    size = dataset.load_size
    temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
    rows = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.uint8,
                                     shape=(len(names), 2, size, size, 3))
    megabytes = rows.nbytes / 2 ** 20
    try:
        for row, name in enumerate(tqdm(names, desc=f"decoding once into {path.name} "
                                                   f"({megabytes:,.0f} MB)")):
            rows[row] = dataset.read_resized(name)
        rows.flush()
        del rows
        os.replace(temporary, path)
    except BaseException:  # Ctrl+C or a full disk: no half-written cache stays behind
        temporary.unlink(missing_ok=True)
        raise
    index_temporary = index_path.with_name(f"{index_path.name}.{os.getpid()}.tmp")
    index_temporary.write_text(json.dumps(names))
    os.replace(index_temporary, index_path)
    return path
