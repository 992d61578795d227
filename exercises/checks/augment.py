"""Part "augment" of the Re-code grader: paired random jitter and mirroring.

Grades exercises/recode/augment.py; explained on docs/recode.rst, "Part 5: paired augmentation".
The test image is a map of its own coordinates, so that the position of a crop, a flip and the
scale of the resize can all be read back from the pixels of the result.
"""

import random

import torch

from grading import CheckFailed, Checks, fail_on
from pix2pix.data import CROP_SIZE

CHECKS = Checks("augment")
check = CHECKS.register
NO_RESIZE = ("the image is cropped at its own scale: resize both images to 286x286 first, then "
             "crop 256x256, so that the crop can move by up to 30 pixels")


def coordinate_image():
    """(3, 256, 256): channel 0 grows left to right, channel 1 top to bottom, both from -1 to 1;
    channel 2 is their product."""
    ramp = torch.linspace(-1, 1, 256)
    columns, rows = ramp.expand(256, 256), ramp[:, None].expand(256, 256)
    return torch.stack([columns, rows, columns * rows]).contiguous()


def slope(image, channel, dim):
    """Mean step of one channel from pixel to pixel along ``dim`` (signed), in ramp units."""
    return float(image[channel].diff(dim=dim).mean())


def scale(image):
    """How much the crop was enlarged: 1 for no resize, 286/256 for the paper's jitter."""
    return (2 / 255) / abs(slope(image, 0, 1))


def position(image):
    """(top, left) of the crop in the resized image, within a pixel, read from its coordinates."""
    step = 2 / 255 / scale(image)  # ramp units per output pixel
    centre = (float(image[1].mean()), float(image[0].mean()))  # ramp value at the crop's centre
    return tuple((value + 1) / step - CROP_SIZE / 2 for value in centre)


def jitter(student, image, seed):
    """The student's paired_jitter on two copies of ``image``, with both generators seeded."""
    torch.manual_seed(seed)
    random.seed(seed)  # a crop drawn with Python's random is as good as one drawn with torch's
    return student.augment.paired_jitter(image.clone(), image.clone())


def values_problem(student):
    """What paired_jitter does to pixel values (it should only move pixels), or ''.

    A flat image comes out of a resize, a crop and a flip unchanged; two of them, at -0.5 and
    0.5, read back any rescaling as out = scale * in + shift.
    """
    flat = [student.augment.paired_jitter(torch.full((3, 256, 256), value),
                                          torch.full((3, 256, 256), value))[0]
            for value in (-0.5, 0.5)]
    low, high = (float(image.mean()) for image in flat)
    if abs(low + 0.5) < 1e-3 and abs(high - 0.5) < 1e-3:
        return ""
    scale, shift = high - low, (high + low) / 2
    rescaled = (" (to [0, 1])" if abs(scale - 0.5) < 1e-3 and abs(shift - 0.5) < 1e-3 else
                f" (out = {scale:.3g} * in + {shift:.3g})")
    return (f"the pixel values change{rescaled}: paired_jitter only moves pixels; images stay in "
            "[-1, 1], the range of the generator's Tanh, which the data loader set")


@check("outputs are 256x256")
def augment_shape(student):
    """paired_jitter on two (3, 256, 256) images returns two (3, 256, 256) images.

    Hint: resize to 286x286, then crop a 256x256 window.
    """
    outputs = student.augment.paired_jitter(torch.rand(3, 256, 256), torch.rand(3, 256, 256))
    shapes = [tuple(out.shape) for out in outputs]
    if shapes != [(3, 256, 256)] * 2:
        raise CheckFailed(f"got {shapes}, expected two (3, 256, 256)")


@check("pixel values unchanged, in [-1, 1]")
def augment_keeps_values(student):
    """A flat image at -0.5 comes out at -0.5, one at 0.5 at 0.5: no rescaling.

    Hint: resize, crop and flip move pixels; they never change a value's range.
    """
    fail_on(values_problem(student))


def is_shifted(x, y, rows, columns):
    """Whether y shows x moved by ``rows`` and ``columns`` pixels, wherever the two overlap."""
    height, width = x.shape[-2:]
    x_part = x[:, max(rows, 0):height + min(rows, 0), max(columns, 0):width + min(columns, 0)]
    y_part = y[:, max(-rows, 0):height + min(-rows, 0), max(-columns, 0):width + min(-columns, 0)]
    return torch.allclose(x_part, y_part, atol=1e-5)


def mismatch(x, y):
    """What differs between two outputs that should be the same: flip, crop or resize."""
    if (slope(x, 0, 1) > 0) != (slope(y, 0, 1) > 0):
        return ("the two images were mirrored differently: draw the flip once and apply it to "
                "both, or x and y stop matching pixel for pixel")
    (x_top, x_left), (y_top, y_left) = position(x), position(y)
    if slope(x, 0, 1) < 0:  # both mirrored: compare them the right way round
        x, y = x.flip(-1), y.flip(-1)
    guess = round(y_top - x_top), round(y_left - x_left)  # within a pixel of the truth
    for rows in range(guess[0] - 1, guess[0] + 2):
        for columns in range(guess[1] - 1, guess[1] + 2):
            if (rows, columns) != (0, 0) and is_shifted(x, y, rows, columns):
                return (f"the two images got different crops ({abs(rows)} rows and "
                        f"{abs(columns)} columns apart): draw the crop's position once and use "
                        "it for both")
    return (f"the two images differ by up to {float((x - y).abs().max()):.3f}, and no other "
            "crop or flip explains it: resize both the same way")


@check("same crop and flip for both images")
def augment_same_for_both(student):
    """Given the same image twice, paired_jitter returns the same image twice, for 20 seeds.

    Hint: draw the crop's position and the flip once per pair, then apply them to both images.
    """
    image = coordinate_image()
    for seed in range(20):
        x, y = jitter(student, image, seed)
        if not torch.equal(x, y):
            raise CheckFailed(mismatch(x, y))


@check("crop position and flip are random")
def augment_is_random(student):
    """Over 20 seeds the crop moves and about half the outputs are mirrored left to right.

    Hint: a random crop position in 0..30 for top and left, and a left-right flip half the time.
    """
    fail_on(values_problem(student))  # the positions are read from the values
    corners, flips, upside_down = set(), 0, 0
    for seed in range(20):
        x, _ = jitter(student, coordinate_image(), seed)
        corners.add(tuple(round(value) for value in position(x)))
        flips += slope(x, 0, 1) < 0
        upside_down += slope(x, 1, 0) < 0
    if upside_down:
        raise CheckFailed(f"{upside_down} of 20 outputs are upside down: mirror left to right "
                          "(the last axis), as the paper does")
    if len(corners) < 4:
        raise CheckFailed(NO_RESIZE if abs(scale(x) - 1) < 0.01 else
                          "the crop hardly moves: draw top and left at random for every pair")
    tops, lefts = ({corner[i] for corner in corners} for i in (0, 1))
    if all(top == left for top, left in corners):
        raise CheckFailed("the crop's left always equals its top: it only moves along the "
                          "diagonal; draw top and left separately")
    if len(tops) < 3 or len(lefts) < 3:
        moving = "left and right" if len(tops) < 3 else "up and down"
        raise CheckFailed(f"the crop only moves {moving}: draw both top and left at random, "
                          "each in 0..30")
    if not 3 <= flips <= 17:
        raise CheckFailed(f"{flips} of 20 outputs mirrored: flip with probability 0.5")


@check("images are resized to 286 before the crop")
def augment_resizes(student):
    """A coordinate ramp comes out enlarged by 286/256 (the slope scaled by 255/285).

    Hint: enlarge both images to 286x286 before cropping.
    """
    fail_on(values_problem(student))  # the scale is read from the values
    x, _ = jitter(student, coordinate_image(), 0)
    enlarged = scale(x)
    if abs(enlarged - 1) < 0.01:
        raise CheckFailed(NO_RESIZE)
    if not 1.07 < enlarged < 1.17:
        raise CheckFailed(f"the image is enlarged {enlarged:.3f} times, expected 286/256 = 1.117: "
                          "resize to 286 first, then crop 256")
