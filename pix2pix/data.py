"""Paired image folders for training: the input x and its target y, jittered together.

Reads the layout written by :mod:`pix2pix.anime` and :mod:`pix2pix.synthetic`:

    ROOT/{split}/sketches/NAME.png   input image x
    ROOT/{split}/colors/NAME.png     target image y

and applies the paper's augmentation (appendix 6.2): resize to 286x286, crop a random 256x256
window, flip left-right half of the time. x and y get the *same* crop and flip: a sketch shifted
against its colour drawing would teach G to draw everything a few pixels off.
Used by Exercise 3.
"""

import random
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

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
    """A PIL RGB image as a (3, H, W) float tensor in [-1, 1], the range of G's Tanh output."""
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
    """

    def __init__(self, root, split="train", crop_size=CROP_SIZE, augment=True, limit=None, seed=0):
        self.root = Path(root)
        sketch_dir = self.root / split / "sketches"
        color_dir = self.root / split / "colors"
        names = sorted(p.name for p in sketch_dir.glob("*.png") if (color_dir / p.name).exists())
        if not names:
            raise FileNotFoundError(f"no sketch/colour pairs in {sketch_dir} and {color_dir}")
        self.names = names[:limit] if limit else names
        self.sketch_dir, self.color_dir = sketch_dir, color_dir
        self.crop_size = crop_size
        self.load_size = load_size_for(crop_size) if augment else crop_size
        self.augment = augment
        self.seed = seed
        self.epoch = 0

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
        name = self.names[index]
        images = []
        for folder in (self.sketch_dir, self.color_dir):
            with Image.open(folder / name) as image:
                images.append(image.convert("RGB").resize((self.load_size, self.load_size),
                                                          Image.BICUBIC))
        if self.augment:
            rng = random.Random(f"{self.seed}-{self.epoch}-{index}")
            margin = self.load_size - self.crop_size
            left, top = rng.randint(0, margin), rng.randint(0, margin)
            flip = rng.random() < 0.5
            box = (left, top, left + self.crop_size, top + self.crop_size)
            # one crop box and one flip decision for both images keep them pixel-aligned
            images = [image.crop(box) for image in images]
            if flip:
                images = [image.transpose(Image.FLIP_LEFT_RIGHT) for image in images]
        input_image, target_image = (to_tensor(image) for image in images)
        return input_image, target_image
