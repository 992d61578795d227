"""pix2pix.datasets.synthetic: the tests' tiny shapes set, the same bytes on every run."""

import hashlib

import numpy as np
from PIL import Image, ImageDraw

from pix2pix.datasets.synthetic import (SHAPE_COLORS, draw_shape, shape_outline,
                                        write_synthetic_dataset)


def digest(root):
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*.png"))}


def test_two_writes_give_the_same_files_byte_for_byte(tmp_path):
    first = write_synthetic_dataset(tmp_path / "a", num_train=3, num_val=2, size=32, seed=5)
    second = write_synthetic_dataset(tmp_path / "b", num_train=3, num_val=2, size=32, seed=5)
    assert digest(first) == digest(second) and len(digest(first)) == 10


def test_pairs_already_on_disk_are_kept_and_only_missing_ones_drawn(tmp_path):
    root = write_synthetic_dataset(tmp_path / "set", num_train=2, num_val=1, size=32)
    kept = root / "train" / "colors" / "00000.png"
    kept.write_bytes(b"left alone")
    (root / "train" / "sketches" / "00001.png").unlink()
    write_synthetic_dataset(root, num_train=2, num_val=1, size=32)
    assert kept.read_bytes() == b"left alone"
    assert (root / "train" / "sketches" / "00001.png").exists()


def test_each_kind_of_shape_is_filled_with_its_own_colour():
    for kind, colour in SHAPE_COLORS.items():
        image = Image.new("RGB", (40, 40), (255, 255, 255))
        draw_shape(ImageDraw.Draw(image), kind, shape_outline(kind, (4, 4, 36, 36)), fill=colour)
        assert tuple(np.asarray(image)[22, 20]) == colour, kind  # the shape's middle
