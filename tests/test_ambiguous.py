"""pix2pix.datasets.ambiguous: the input line drawing does not decide its target."""

import numpy as np
from PIL import Image

from pix2pix.datasets.ambiguous import (FILL_COLORS, draw_ambiguous_pair, undecided_area,
                               write_ambiguous_dataset)


def read(root, split, folder, index):
    return np.asarray(Image.open(root / split / folder / f"{index:05d}.png"))


def test_the_ambiguous_set_is_written_the_same_twice(tmp_path):
    first = write_ambiguous_dataset(tmp_path / "a", num_train=4, num_val=2, size=32, seed=3)
    second = write_ambiguous_dataset(tmp_path / "b", num_train=4, num_val=2, size=32, seed=3)
    for path in sorted(first.rglob("*.png")):
        assert np.array_equal(np.asarray(Image.open(path)),
                              np.asarray(Image.open(second / path.relative_to(first))))
    assert len(list(first.glob("train/colors/*.png"))) == 4


def test_the_same_drawing_appears_with_different_targets(tmp_path):
    root = write_ambiguous_dataset(tmp_path, num_train=8, num_val=0, size=64)
    for pair in range(0, 8, 2):  # pairs 2k and 2k + 1 share their drawing
        assert np.array_equal(read(root, "train", "sketches", pair),
                              read(root, "train", "sketches", pair + 1))
    differ = [not np.array_equal(read(root, "train", "colors", pair),
                                 read(root, "train", "colors", pair + 1))
              for pair in range(0, 8, 2)]
    assert sum(differ) >= 3  # two independent fills of 1-4 shapes rarely coincide


def test_a_shapes_fill_does_not_depend_on_the_shape():
    # one drawing, many fill draws: every vivid colour turns up, flat and striped
    layout_seed, size = 5, 64
    colours, striped, flat = set(), 0, 0
    first_sketch, _ = draw_ambiguous_pair(np.random.default_rng(layout_seed),
                                          np.random.default_rng(0), size)
    for fill_seed in range(40):
        sketch, colour = draw_ambiguous_pair(np.random.default_rng(layout_seed),
                                             np.random.default_rng(fill_seed), size)
        pixels = np.asarray(colour).reshape(-1, 3)
        present = {c for c in FILL_COLORS if (pixels == c).all(1).any()}
        colours |= present
        # stripes (period 4 at 64x64): a colour, white two rows below, the colour again below
        image = np.asarray(colour).astype(int)
        coloured = (image != 255).any(-1) & (image != 0).any(-1)
        white = (image == 255).all(-1)
        striped += bool((coloured[:-4] & white[2:-2] & coloured[4:]).any())
        flat += bool(np.logical_and.reduce([coloured[i:size - 4 + i] for i in range(5)]).any())
        assert np.array_equal(np.asarray(sketch), np.asarray(first_sketch))  # the input stays
    assert colours == set(FILL_COLORS)
    assert striped >= 5 and flat >= 5  # some shapes striped, some flat, in the same drawing


def test_the_undecided_area_is_the_inside_of_the_shapes_without_their_lines():
    sketch, colour = draw_ambiguous_pair(np.random.default_rng(5), np.random.default_rng(0), 64)
    inside = undecided_area(np.asarray(sketch)[None])[0]
    pixels = np.asarray(colour)
    assert 0.1 < inside.mean() < 0.5
    assert (pixels[inside] != 0).any(-1).all()  # no black line pixel inside
    outside_paper = ~inside & (np.asarray(sketch) == 255).all(-1)
    corner = outside_paper[:4, :4]
    assert corner.all() and (pixels[:4, :4] == 255).all()  # the background stays paper
