"""pix2pix.metrics: Lab is CIE Lab, and the histogram and sharpness numbers mean what they say."""

import numpy as np
import pytest

from pix2pix.metrics import (colour_histogram_intersection, distance_metrics, rgb_to_lab,
                             sharpness)


def test_lab_of_white_black_and_red_are_the_textbook_values():
    lab = rgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]], dtype=np.uint8))
    assert lab[0] == pytest.approx([100, 0, 0], abs=0.01)
    assert lab[1] == pytest.approx([0, 0, 0], abs=0.01)
    assert lab[2] == pytest.approx([53.24, 80.09, 67.20], abs=0.05)  # sRGB red, D65


def test_identical_colour_sets_intersect_fully_even_when_mostly_white():
    images = np.full((2, 8, 8, 3), 255, dtype=np.uint8)
    images[:, :2] = (220, 40, 40)
    assert colour_histogram_intersection(images, images[::-1])["mean"] == pytest.approx(1.0)


def test_a_muddy_average_shares_no_colour_with_the_vivid_targets():
    targets = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    targets[0], targets[1] = (220, 40, 40), (40, 80, 220)  # red, blue
    average = np.full_like(targets, 0) + targets.mean(0).astype(np.uint8)  # purple-grey
    assert colour_histogram_intersection(average, targets)["b"] == 0.0
    assert colour_histogram_intersection(targets[:1], targets)["mean"] == pytest.approx(
        0.5, abs=0.2)  # one of the two colours: about half


def test_blur_lowers_sharpness_and_stripes_raise_it():
    stripes = np.full((1, 16, 16, 3), 255, dtype=np.uint8)
    stripes[:, ::2] = 0
    flat = np.full_like(stripes, 128)
    assert sharpness(flat) == 0 < sharpness(stripes)


def test_distances_are_zero_for_the_same_images_and_l1_is_in_minus_one_to_one_units():
    images = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3), dtype=np.uint8)
    assert distance_metrics(images, images)["L1"] == 0
    black, white = np.zeros_like(images), np.full_like(images, 255)
    assert distance_metrics(black, white)["L1"] == pytest.approx(2.0)
