"""Paired image folders for training: the input x and its target y, jittered together.

Every paired set of the course -- the anime pairs (:mod:`pix2pix.datasets.anime`), the shapes
(:mod:`pix2pix.datasets.synthetic`), the ambiguous shapes (:mod:`pix2pix.datasets.ambiguous`) and
your own -- is stored in one layout, defined here and nowhere else:

    ROOT/{train,val}/sketches/NAME.png   input image x
    ROOT/{train,val}/colors/NAME.png     target image y (same NAME)

Training applies the paper's augmentation (appendix 6.2): resize to 286x286, crop a random
256x256 window, flip left-right half of the time. x and y get the *same* crop and flip: a sketch
shifted against its colour drawing would teach G to draw everything a few pixels off.

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
from pathlib import Path

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
INPUT_FOLDER = "sketches"  # x: what G sees
TARGET_FOLDER = "colors"  # y: what G should draw
LOAD_SIZE = 286  # the paper's jitter: upscale to 286, then crop back to 256
CROP_SIZE = 256


class DataError(FixableError):
    """A folder that does not hold usable pairs; the message says what is wrong with it."""


def pair_folders(root, split):
    """The two folders of a split: (``ROOT/split/sketches``, ``ROOT/split/colors``)."""
    return Path(root) / split / INPUT_FOLDER, Path(root) / split / TARGET_FOLDER


def pair_names(root, split):
    """Sorted names of the complete pairs of a split (a PNG in both folders).

    Raises:
        DataError: no complete pair; the message says whether folders or matching names are
            missing.
    """
    input_dir, target_dir = pair_folders(root, split)
    inputs = {p.name for p in input_dir.glob("*.png")}
    targets = {p.name for p in target_dir.glob("*.png")}
    names = sorted(inputs & targets)
    if not names:
        found = (f"{len(inputs)} PNGs in {input_dir} and {len(targets)} in {target_dir}, but "
                 "no name is in both" if inputs and targets else
                 f"{input_dir} or {target_dir} holds no PNG")
        raise DataError(f"no input/target pairs for the {split} split: {found}. A pair is two "
                        f"PNGs with the same name, the input in {INPUT_FOLDER}/ and the target "
                        f"in {TARGET_FOLDER}/.")
    return names


def load_size_for(crop_size):
    """The resize before the random crop, in the paper's proportion 286 / 256.

    Args:
        crop_size: side of the training crops.

    Returns:
        An int: 286 for 256, 72 for 64.
    """
    return round(crop_size * LOAD_SIZE / CROP_SIZE)


def paired_jitter(input_image, target_image, rng, crop_size):
    """The same random crop and the same flip for both images of a pair (paper appendix 6.2).

    Args:
        input_image: x, (L, L, 3) uint8, already resized to the load size L.
        target_image: y, (L, L, 3) uint8, pixel-aligned with x.
        rng: a ``random.Random``; its draws decide the crop and the flip.
        crop_size: side of the crops.

    Returns:
        (input_image, target_image): two (crop_size, crop_size, 3) arrays, still aligned.
    """
    margin = len(input_image) - crop_size
    left, top = rng.randint(0, margin), rng.randint(0, margin)
    flip = rng.random() < 0.5
    # one crop window and one flip decision for both images keep them pixel-aligned
    images = [image[top:top + crop_size, left:left + crop_size]
              for image in (input_image, target_image)]
    if flip:
        images = [image[:, ::-1] for image in images]  # (H, W, 3): mirror the columns
    return images


class PairedDataset(Dataset):
    """(input image, target image) pairs from a folder in the paired layout, jittered.

    The random crop and flip of sample ``i`` in epoch ``e`` are drawn from a generator seeded by
    (seed, e, i), not from the global random state: every DataLoader worker, every DDP process and
    a resumed run draw exactly the same augmentation, and call :meth:`set_epoch` to get new ones.

    Args:
        root: the folder holding ``{split}/sketches`` and ``{split}/colors``.
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
        names = pair_names(root, split)
        self.names = names[:limit] if limit else names
        self.input_dir, self.target_dir = pair_folders(root, split)
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
        for folder in (self.input_dir, self.target_dir):
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
            images = paired_jitter(*images, rng, self.crop_size)
        input_image, target_image = (to_tensor(image) for image in images)
        return input_image, target_image


def write_decoded_cache(dataset, names):
    """Decode and resize every pair of ``names`` once into ``{split}/decoded_<size>px.npy``.

    A sidecar ``.json`` lists the names the rows belong to; a cache whose list differs from the
    folder's (pairs added or removed) is written anew. A pair changed in place keeps its name:
    delete the two files after that. The cache holds the whole split even when a run uses a
    ``limit``, so runs of different sizes share it. Both files are written atomically, so an
    interrupted run leaves either a complete cache or none.

    Args:
        dataset: a :class:`PairedDataset`; its folders and load size are used.
        names: every pair name of the split, sorted.

    Returns:
        The path of the ``.npy`` file.
    """
    path = dataset.input_dir.parent / f"decoded_{dataset.load_size}px.npy"
    index_path = path.with_suffix(".json")
    if path.exists() and index_path.exists() and json.loads(index_path.read_text()) == names:
        return path
    size = dataset.load_size
    with atomic_write(path) as temporary:
        rows = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.uint8,
                                         shape=(len(names), 2, size, size, 3))
        megabytes = rows.nbytes / 2 ** 20
        for row, name in enumerate(tqdm(names, desc=f"decoding once into {path.name} "
                                                   f"({megabytes:,.0f} MB)")):
            rows[row] = dataset.read_resized(name)
        rows.flush()
        del rows
    with atomic_write(index_path) as temporary:
        temporary.write_text(json.dumps(names))
    return path


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
    train_set = PairedDataset(config.data_root, "train", config.image_size, augment=True,
                              limit=config.train_limit, seed=config.seed, cache=config.cache)
    val_set = PairedDataset(config.data_root, "val", config.image_size, augment=False,
                            limit=config.val_limit, cache=config.cache)
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
