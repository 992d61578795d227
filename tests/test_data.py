"""pix2pix.data and pix2pix.datasets.synthetic: paired folders, paired jitter, the shapes set."""

import pickle
import shutil

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from pix2pix.data import (SPLITS, DataError, PairedDataset, describe, find_pairs,
                          load_shape, load_size_for, pair_folders, training_crop)
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
        cached = PairedDataset(find_pairs(root, cache=True), split, crop_size=32,
                               augment=augment)
        for epoch in range(3):  # several crops and flips of every pair
            from_png.set_epoch(epoch), cached.set_epoch(epoch)
            for index in range(len(from_png)):
                assert all(torch.equal(a, b) for a, b in zip(from_png[index], cached[index]))
    assert (root / "train" / "decoded_36px.npy").exists()  # 32 * 286 / 256, rounded


def test_the_cache_is_reused_and_written_anew_when_the_folder_changes(tmp_path):
    root = write_synthetic_dataset(tmp_path, num_train=4, num_val=1, size=32)
    cached = find_pairs(root, cache=True)
    cache = PairedDataset(cached, "train", crop_size=32).cache_file
    written = cache.stat().st_mtime_ns
    limited = PairedDataset(cached, "train", crop_size=32, limit=2)
    assert cache.stat().st_mtime_ns == written and len(limited) == 2  # one cache serves both
    write_synthetic_dataset(root, num_train=5, num_val=1, size=32)  # one more pair
    grown = PairedDataset(cached, "train", crop_size=32)
    assert len(grown) == 5 and np.load(cache, mmap_mode="r").shape[0] == 5
    assert [p.name for p in cache.parent.iterdir() if "tmp" in p.name] == []


def test_a_dataset_sent_to_a_worker_leaves_the_opened_cache_behind(tmp_path):
    root = write_synthetic_dataset(tmp_path, num_train=4, num_val=1, size=32)
    dataset = PairedDataset(find_pairs(root, cache=True), "train", crop_size=32)
    dataset[0]  # opens the memory map
    copy = pickle.loads(pickle.dumps(dataset))
    assert dataset.decoded is not None and copy.decoded is None
    assert all(torch.equal(a, b) for a, b in zip(dataset[3], copy[3]))


# -----------------------------------------------------------------------------
# The three layouts, made from one shapes set: each must give the course's own pairs


def side_by_side(*pictures):
    """Pictures of one height next to each other, as one picture."""
    return Image.fromarray(np.concatenate([np.asarray(p) for p in pictures], axis=1))


def copy_as(course, out, layout, grey_a=False):
    """The pairs of the course's layout in ``course`` written again in another layout.

    layout: "aligned" (split/NAME.png, A|B), "A/split" (the official combine_A_and_B.py's
    input), "split/A" or "A" (two unsplit folders, every split's pairs in one). ``grey_a``
    stores A as a one-channel PNG.
    """
    for split in SPLITS:
        for a_file in sorted(pair_folders(course, split)[0].glob("*.png")):
            a, b = (Image.open(folder / a_file.name) for folder in pair_folders(course, split))
            a = a.convert("L") if grey_a else a
            name = a_file.name if layout != "A" else f"{split}_{a_file.name}"
            if layout == "aligned":
                targets = [(out / split / name, side_by_side(a, b))]
            else:
                folders = {"A/split": (out / "A" / split, out / "B" / split),
                           "split/A": (out / split / "A", out / split / "B"),
                           "A": (out / "A", out / "B")}[layout]
                targets = [(folder / name, image) for folder, image in zip(folders, (a, b))]
            for path, image in targets:
                path.parent.mkdir(parents=True, exist_ok=True)
                image.save(path)
    return out


LAYOUTS = ("aligned", "A/split", "split/A")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The shapes at 64x64 in the course's layout: 3 training pairs, 2 held out."""
    return write_synthetic_dataset(tmp_path_factory.mktemp("course"), num_train=3, num_val=2,
                                   size=64, seed=4)


def pairs_of(dataset):
    """Every (x, y) of a dataset, in its order."""
    return [dataset[index] for index in range(len(dataset))]


def same(first, second):
    return len(first) == len(second) and all(
        torch.equal(a, b) for pair, other in zip(first, second) for a, b in zip(pair, other))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("direction", ["AtoB", "BtoA"])
@pytest.mark.parametrize("split, augment", [("train", True), ("val", False)])
def test_every_layout_gives_the_courses_pairs_in_both_directions(course, tmp_path, layout,
                                                                direction, split, augment):
    root = copy_as(course, tmp_path / "copy", layout)
    data = find_pairs(root, direction)
    assert data.layout == ("aligned" if layout == "aligned" else "folders")
    expected = pairs_of(PairedDataset(course, split, 64, augment, seed=2))
    if direction == "BtoA":  # x is the colour drawing: the same crops, the roles swapped
        expected = [(y, x) for x, y in expected]
    assert same(pairs_of(PairedDataset(data, split, 64, augment, seed=2)), expected)


def test_the_courses_layout_reads_sketches_as_x_by_default(course):
    x, y = PairedDataset(course, "val", 64, augment=False)[0]
    assert torch.equal(x, to_tensor(Image.open(course / "val/sketches/00000.png")))
    assert torch.equal(y, to_tensor(Image.open(course / "val/colors/00000.png")))


def test_two_unsplit_folders_hold_out_every_tenth_pair(tmp_path):
    course = write_synthetic_dataset(tmp_path / "course", num_train=12, num_val=0, size=32)
    root = copy_as(course, tmp_path / "flat", "A")
    data = find_pairs(root)
    train, val = (PairedDataset(data, split, 32, augment=False) for split in SPLITS)
    assert val.names == ["train_00009.png"] and len(train) == 11
    assert torch.equal(val[0][1], to_tensor(Image.open(course / "train/colors/00009.png")))


def test_a_split_without_val_validates_on_test(course, tmp_path):
    root = copy_as(course, tmp_path / "aligned", "aligned")
    (root / "val").rename(root / "test")
    assert len(PairedDataset(root, "val", 64, augment=False)) == 2
    assert "(val: test/)" in describe(find_pairs(root), 64)


def test_one_line_says_the_layout_the_direction_and_the_channels(course, tmp_path):
    aligned = copy_as(course, tmp_path / "aligned", "aligned")
    line = describe(find_pairs(aligned, "BtoA"), 64)
    assert line.startswith(f"the official aligned layout (A|B side by side) in {aligned}, BtoA:"
                           " x = the right half (B), y = the left half (A); 3 train and 2 val")
    assert "3 -> 3 channels (x and y read from the files)" in line
    assert line.endswith("resized to 72x72, cropped to 64x64 (H x W)")
    line = describe(find_pairs(course, input_nc=1, output_nc=3), 64)
    assert "AtoB: x = sketches/ (A), y = colors/ (B)" in line and "1 -> 3 channels;" in line


# -----------------------------------------------------------------------------
# Grey pictures, sizes and crops that are not square


def test_a_grey_input_is_detected_from_its_files_and_read_with_one_channel(course, tmp_path):
    root = copy_as(course, tmp_path / "grey", "A/split", grey_a=True)
    data = find_pairs(root)
    assert (data.input_nc, data.output_nc, data.detected) == (1, 3, ("x", "y"))
    x, y = PairedDataset(data, "val", 64, augment=False)[0]
    sketch = Image.open(course / "val/sketches/00000.png").convert("L")
    assert x.shape == (1, 64, 64) and y.shape == (3, 64, 64)
    assert torch.equal(x[0], to_tensor(np.stack([np.asarray(sketch)] * 3, axis=-1))[0])
    x, y = PairedDataset(find_pairs(root, "BtoA"), "val", 64, augment=False)[0]
    assert x.shape == (3, 64, 64) and y.shape == (1, 64, 64)  # BtoA: the grey side is y


def test_the_channel_flags_convert_what_the_files_store(course, tmp_path):
    root = copy_as(course, tmp_path / "aligned", "aligned")  # RGB files
    data = find_pairs(root, input_nc=1, output_nc=3)
    assert data.detected == ()
    x, y = PairedDataset(data, "train", 64, augment=True)[0]
    assert x.shape == (1, 64, 64) and y.shape == (3, 64, 64)
    grey = find_pairs(copy_as(course, tmp_path / "grey", "split/A", grey_a=True), output_nc=1,
                      input_nc=3)
    assert PairedDataset(grey, "val", 64, augment=False)[0][0].shape == (3, 64, 64)


@pytest.mark.parametrize("size", [64, 128])
def test_the_jitter_keeps_the_papers_proportion_at_every_size(size, tmp_path):
    root = write_synthetic_dataset(tmp_path, num_train=2, num_val=1, size=size)
    dataset = PairedDataset(root, "train", size, augment=True)
    assert dataset.load == (load_size_for(size),) * 2 == ({64: 72, 128: 143}[size],) * 2
    assert all(image.shape == (3, size, size) for image in dataset[1])


def test_a_load_size_of_your_own_sets_the_resize_before_the_crop():
    assert load_shape((256, 256), 300) == (300, 300)
    assert load_shape((64, 128)) == (72, 144) and load_shape((64, 128), 80) == (80, 160)


def wide(course, out):
    """The course's pairs made 128 wide and 64 high: two 64x64 pictures next to each other."""
    for split in SPLITS:
        names = sorted(pair_folders(course, split)[0].glob("*.png"))
        for first, second in zip(names, names[1:] + names[:1]):
            for folder, wide_folder in zip(pair_folders(course, split), pair_folders(out, split)):
                wide_folder.mkdir(parents=True, exist_ok=True)
                pictures = [Image.open(folder / name.name) for name in (first, second)]
                side_by_side(*pictures).save(wide_folder / first.name)
    return out


def test_halves_twice_as_wide_as_high_train_on_crops_of_their_aspect(course, tmp_path):
    data = find_pairs(copy_as(wide(course, tmp_path / "wide"), tmp_path / "aligned",
                              "aligned"))
    crop = training_crop(data, 64)
    assert crop == (64, 128)  # (H, W): each side a multiple of 2 ** log2(64)
    train = PairedDataset(data, "train", crop, augment=True)
    assert train.load == (72, 144)
    x, y = train[0]
    assert x.shape == y.shape == (3, 64, 128)
    val = PairedDataset(data, "val", crop, augment=False)
    names = sorted(pair_folders(course, "val")[0].glob("*.png"))
    first, second = (to_tensor(Image.open(course / "val/colors" / n.name)) for n in names)
    assert torch.equal(val[0][1], torch.cat([first, second], dim=2))  # only cut, not resized
    assert "cropped to 64x128 (H x W)" in describe(data, 64)


def test_a_picture_of_another_aspect_is_cut_to_the_crop_not_squashed(tmp_path):
    # a 64x32 (W x H) pair read at 32x32: the middle 32 columns, unresized
    picture = np.random.default_rng(0).integers(0, 256, (32, 64, 3), dtype=np.uint8)
    for split in SPLITS:
        for folder in ("A", "B"):
            (tmp_path / split / folder).mkdir(parents=True)
            Image.fromarray(picture).save(tmp_path / split / folder / "x.png")
    x, _ = PairedDataset(tmp_path, "val", 32, augment=False)[0]
    assert torch.equal(x, to_tensor(picture[:, 16:48]))


def test_the_cache_gives_the_png_paths_pixels_in_every_layout_and_channel_count(course,
                                                                                tmp_path):
    root = copy_as(wide(course, tmp_path / "wide"), tmp_path / "grey", "A", grey_a=True)
    for direction in ("AtoB", "BtoA"):
        data = find_pairs(root, direction)
        for split, augment in (("train", True), ("val", False)):
            from_png = PairedDataset(data, split, (64, 128), augment, seed=1)
            cached = PairedDataset(find_pairs(root, direction, cache=True), split, (64, 128),
                                   augment, seed=1)
            assert same(pairs_of(from_png), pairs_of(cached))
    assert (root / "train_decoded_72x144px_BtoA_3to1.npy").exists()


# -----------------------------------------------------------------------------
# Folders that cannot train: the message names the file and says what to do


def error_of(root, split="train", **settings):
    with pytest.raises(DataError) as error:
        PairedDataset(find_pairs(root, **settings), split, 64)
    return str(error.value)


def test_a_folder_in_no_layout_says_what_it_holds_and_which_layouts_there_are(course,
                                                                             tmp_path):
    (tmp_path / "empty").mkdir()
    assert "empty holds none of the three layouts of pairs: it is empty" in error_of(
        tmp_path / "empty")
    message = error_of(course / "train")
    assert f"{course / 'train'} holds none" in message and "give its parent folder" in message
    assert "sketches/ and colors/" in message and "A/ and B/" in message
    assert "there is no such folder" in error_of(tmp_path / "missing")


def test_pairs_whose_names_do_not_match_are_refused_saying_names_must_match(tmp_path):
    for folder, name in (("sketches", "sketch_001.png"), ("colors", "color_001.png")):
        (tmp_path / "train" / folder).mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(tmp_path / "train" / folder / name)
    message = error_of(tmp_path)
    assert "1 pictures in" in message and "but no name is in both" in message
    assert "two pictures with the same name" in message


def test_a_picture_without_its_partner_is_named(course, tmp_path):
    root = copy_as(course, tmp_path / "pairs", "split/A")
    (root / "train/B/00001.png").unlink()
    assert error_of(root).startswith(f"{root / 'train/A/00001.png'} has no partner of the same "
                                     f"name in {root / 'train/B'} (1 pictures have none)")


def test_a_pair_of_two_sizes_is_named(course, tmp_path):
    root = copy_as(course, tmp_path / "pairs", "A/split")
    Image.new("RGB", (32, 64)).save(root / "B/val/00001.png")
    assert error_of(root, "val").startswith(
        f"{root / 'A/val/00001.png'} is 64x64 but its partner {root / 'B/val/00001.png'} is 32x64")


def test_an_aligned_picture_of_odd_width_is_named(course, tmp_path):
    root = copy_as(course, tmp_path / "aligned", "aligned")
    Image.new("RGB", (129, 64)).save(root / "train/00002.png")
    assert error_of(root).startswith(f"{root / 'train/00002.png'} is 129 pixels wide")


def test_a_cut_short_png_is_named_before_training_starts(course, tmp_path):
    root = copy_as(course, tmp_path / "pairs", "aligned")
    path = root / "train/00001.png"
    path.write_bytes(path.read_bytes()[:-100])
    message = error_of(root)
    assert message.startswith(f"{path} is cut short") and "Copy it again" in message


def test_a_file_that_is_no_picture_is_named(course, tmp_path):
    root = shutil.copytree(course, tmp_path / "pairs")
    (root / "train/colors/00002.png").write_text("<html>not a picture</html>")
    assert error_of(root).startswith(f"{root / 'train/colors/00002.png'} cannot be read as a "
                                     "picture")


def test_a_png_damaged_inside_is_named_when_it_is_read(course, tmp_path):
    root = shutil.copytree(course, tmp_path / "pairs")
    path = root / "train/sketches/00000.png"
    data = bytearray(path.read_bytes())
    data[60:200] = bytes(140)  # the pixel data; the header and the end are intact
    path.write_bytes(bytes(data))
    dataset = PairedDataset(root, "train", 64)
    with pytest.raises(DataError, match=f"^{path} cannot be read as a picture"):
        dataset[0]
    # from a DataLoader worker, the message alone, not the worker's traceback
    with pytest.raises(DataError) as error:
        next(iter(DataLoader(dataset, batch_size=3, num_workers=1)))
    assert str(error.value).startswith(f"{path} cannot be read as a picture")
    assert "Traceback" not in str(error.value)


def test_pairs_are_found_by_name_in_the_order_asked_and_missing_names_left_out(tmp_path):
    root = write_synthetic_dataset(tmp_path / "shapes", num_train=2, num_val=3, size=32)
    pairs = PairedDataset(root, "val", 32, augment=False)
    assert pairs.indices_of(["00002", "nothing", "00000"]) == [2, 0]
