"""pix2pix.data and pix2pix.datasets.synthetic: paired folders, paired jitter, the shapes set."""

import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from pix2pix.data import DataError, PairedDataset, load_size_for
from pix2pix.datasets.synthetic import SHAPE_COLORS, draw_pair, write_synthetic_dataset
from pix2pix.images import to_tensor


def test_jitter_resizes_to_286_before_cropping_256():
    assert load_size_for(256) == 286 and load_size_for(64) == 72


def test_synthetic_sketch_is_lines_and_fills_use_the_shape_palette():
    sketch, color = draw_pair(np.random.default_rng(3), 128)
    sketch_colors = {c for _, c in sketch.getcolors(128 * 128)}
    fill_colors = {c for _, c in color.getcolors(128 * 128)} & set(SHAPE_COLORS.values())
    assert sketch_colors == {(0, 0, 0), (255, 255, 255)}  # lines only: no colour hint
    assert fill_colors and fill_colors <= set(SHAPE_COLORS.values())


def test_synthetic_set_is_reproducible(tmp_path):
    first = write_synthetic_dataset(tmp_path / "a", num_train=3, num_val=2, size=32, seed=5)
    second = write_synthetic_dataset(tmp_path / "b", num_train=3, num_val=2, size=32, seed=5)
    for path in sorted(first.rglob("*.png")):
        twin = second / path.relative_to(first)
        assert np.array_equal(np.asarray(Image.open(path)), np.asarray(Image.open(twin)))
    assert len(list(first.glob("val/colors/*.png"))) == 2


def test_sketch_and_colour_get_the_same_crop_and_flip(tmp_path):
    # a "pair" whose two halves are the same random picture must stay identical after jitter
    root = tmp_path / "pairs"
    for folder in ("sketches", "colors"):
        (root / "train" / folder).mkdir(parents=True)
    for i in range(4):
        noise = np.random.default_rng(i).integers(0, 256, (64, 64, 3), dtype=np.uint8)
        for folder in ("sketches", "colors"):
            Image.fromarray(noise).save(root / "train" / folder / f"{i}.png")
    dataset = PairedDataset(root, "train", crop_size=32, augment=True)
    crops = set()
    for epoch in range(3):
        dataset.set_epoch(epoch)
        for index in range(len(dataset)):
            input_image, target_image = dataset[index]
            assert input_image.shape == (3, 32, 32)
            assert torch.equal(input_image, target_image)
            crops.add(input_image[:, 0, 0].sum().item())
    assert len(crops) > 4  # the crops really move between epochs


def test_same_epoch_and_index_give_the_same_augmentation(tmp_path):
    root = write_synthetic_dataset(tmp_path, num_train=2, num_val=1, size=32)
    dataset = PairedDataset(root, "train", crop_size=32, seed=1)
    dataset.set_epoch(7)
    first = dataset[1]
    dataset.set_epoch(8)
    dataset.set_epoch(7)
    assert all(torch.equal(a, b) for a, b in zip(first, dataset[1]))


def test_evaluation_pairs_are_only_resized(tmp_path):
    root = write_synthetic_dataset(tmp_path, num_train=1, num_val=1, size=32)
    input_image, _ = PairedDataset(root, "val", crop_size=32, augment=False)[0]
    assert torch.equal(input_image, to_tensor(Image.open(root / "val/sketches/00000.png")))


def test_the_decoded_cache_gives_exactly_the_pixels_of_the_png_path(tmp_path):
    root = write_synthetic_dataset(tmp_path, num_train=6, num_val=2, size=32)
    for split, augment in (("train", True), ("val", False)):
        from_png = PairedDataset(root, split, crop_size=32, augment=augment)
        cached = PairedDataset(root, split, crop_size=32, augment=augment, cache=True)
        for epoch in range(3):  # several crops and flips of every pair
            from_png.set_epoch(epoch), cached.set_epoch(epoch)
            for index in range(len(from_png)):
                assert all(torch.equal(a, b) for a, b in zip(from_png[index], cached[index]))
    assert (root / "train" / "decoded_36px.npy").exists()  # 32 * 286 / 256, rounded


def test_the_cache_is_reused_and_written_anew_when_the_folder_changes(tmp_path):
    root = write_synthetic_dataset(tmp_path, num_train=4, num_val=1, size=32)
    cache = PairedDataset(root, "train", crop_size=32, cache=True).cache_file
    written = cache.stat().st_mtime_ns
    limited = PairedDataset(root, "train", crop_size=32, cache=True, limit=2)
    assert cache.stat().st_mtime_ns == written and len(limited) == 2  # one cache serves both
    write_synthetic_dataset(root, num_train=5, num_val=1, size=32)  # one more pair
    grown = PairedDataset(root, "train", crop_size=32, cache=True)
    assert len(grown) == 5 and np.load(cache, mmap_mode="r").shape[0] == 5
    assert [p.name for p in cache.parent.iterdir() if "tmp" in p.name] == []


def test_a_dataset_sent_to_a_worker_leaves_the_opened_cache_behind(tmp_path):
    root = write_synthetic_dataset(tmp_path, num_train=4, num_val=1, size=32)
    dataset = PairedDataset(root, "train", crop_size=32, cache=True)
    dataset[0]  # opens the memory map
    copy = pickle.loads(pickle.dumps(dataset))
    assert dataset.decoded is not None and copy.decoded is None
    assert all(torch.equal(a, b) for a, b in zip(dataset[3], copy[3]))


def test_pairs_whose_names_do_not_match_are_refused_saying_names_must_match(tmp_path):
    for folder, name in (("sketches", "sketch_001.png"), ("colors", "color_001.png")):
        (tmp_path / "train" / folder).mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(tmp_path / "train" / folder / name)
    with pytest.raises(DataError) as error:
        PairedDataset(tmp_path, "train")
    assert "1 PNGs in" in str(error.value) and "but no name is in both" in str(error.value)
    assert "two PNGs with the same name" in str(error.value)
