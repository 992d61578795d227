"""Numbers that judge a generator on held-out pairs: L1, PSNR, colour distribution, sharpness.

L1 and PSNR ask "how close is each pixel to the target?", and reward the blurry average that L1
training produces. The paper therefore also compares *distributions* (section 4.2, the table
inset in figure 7): how often each colour occurs in the outputs against the targets, as the
intersection of their histograms in CIE Lab. A model that paints every ambiguous pixel in a muddy average colour
scores well on L1 and badly here. Sharpness, the mean gradient magnitude of the lightness, says
whether edges and textures survived. Used by :mod:`pix2pix.train` (L1 and PSNR after every
epoch) and ``exercises/exercise3_ablations.py`` (all four).
"""

import numpy as np
import torch

from pix2pix.inference import translate
from pix2pix.device import Precision

HISTOGRAM_BINS = 16  # per Lab channel: 6.25 L* units, 12.5 a* or b* units wide
LAB_RANGES = {"L": (0.0, 100.0), "a": (-100.0, 100.0), "b": (-100.0, 100.0)}


def eval_translate(generator, input_images, precision=None):
    """G(x) in eval mode (running BatchNorm statistics, no dropout), as float32.

    Eval mode makes the held-out numbers move only when the weights do.
    """
    with (precision or Precision()).autocast():
        return translate(generator, input_images, mode="eval",
                         batch_size=len(input_images)).float()


@torch.no_grad()
def evaluate(generator, loader, device, precision=None):
    """Mean L1 and PSNR of G on held-out pairs, in eval mode.

    Args:
        generator: a bare :class:`~pix2pix.models.UNetGenerator` (not DDP-wrapped).
        loader: yields (input_image, target_image) batches.
        device: where G lives.
        precision: a :class:`~pix2pix.device.Precision`; float32 when None.

    Returns:
        (l1, psnr): mean absolute error in [-1, 1] units; PSNR in dB on [0, 1] images.
    """
    totals, count = torch.zeros(2, device=device), 0  # summed on the device: no wait per batch
    for input_image, target_image in loader:
        fake_image = eval_translate(generator, input_image, precision)
        error = (fake_image - target_image.to(device)).flatten(1)  # (B, 3*H*W)
        # PSNR = 10 log10(MAX^2 / MSE) with MAX = 1 on [0, 1] images, i.e. error / 2
        mse = (error / 2).pow(2).mean(1).clamp_min(1e-10)
        totals += torch.stack([error.abs().mean(1).sum(), (10 * torch.log10(1 / mse)).sum()])
        count += len(input_image)
    total_l1, total_psnr = totals.tolist()
    return total_l1 / count, total_psnr / count


# -----------------------------------------------------------------------------
# Distributions: colour and sharpness


def rgb_to_lab(images):
    """sRGB pictures in CIE L*a*b* (D65 white), the space of the paper's figure 7.

    Lab is built so that equal distances look about equally different to a person: L* is
    lightness (0 black to 100 white), a* runs green to red, b* blue to yellow.

    Args:
        images: (..., 3) uint8 sRGB.

    Returns:
        (..., 3) float64 array of L*, a*, b*.
    """
    rgb = np.asarray(images, dtype=np.float64) / 255
    # undo the sRGB gamma: light intensities add up linearly, stored values do not
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array([[0.4124564, 0.3575761, 0.1804375],
                       [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])  # relative to D65 white
    epsilon = (6 / 29) ** 3
    f = np.where(xyz > epsilon, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def lab_histograms(pixels, bins=HISTOGRAM_BINS):
    """How many pixels fall in each bin of each Lab channel: add them up to pool many images.

    Args:
        pixels: (..., 3) uint8 sRGB: pictures, or the pixels of a region.
        bins: histogram bins per channel.

    Returns:
        (3, bins) int64 counts, for L, a and b.
    """
    lab = rgb_to_lab(pixels)
    # clipped: rounding puts white at L* = 100.0000001, which a histogram would drop
    return np.stack([np.histogram(np.clip(lab[..., channel], *value_range), bins=bins,
                                  range=value_range)[0]
                     for channel, value_range in enumerate(LAB_RANGES.values())])


def histogram_intersection(output_counts, target_counts):
    """The overlap of two sets' colour distributions, from their :func:`lab_histograms`.

    Returns:
        dict with the intersection for "L", "a", "b" and their "mean", each in [0, 1].
    """
    result = {}
    for name, out, target in zip(LAB_RANGES, output_counts, target_counts):
        result[name] = float(np.minimum(out / out.sum(), target / target.sum()).sum())
    result["mean"] = float(np.mean([result[name] for name in LAB_RANGES]))
    return result


def colour_histogram_intersection(outputs, targets, bins=HISTOGRAM_BINS):
    """How much the outputs' colours overlap the targets', channel by channel in Lab.

    The histograms count every pixel of every image, so this compares the two sets' colour
    distributions, not image against image: 1 means the same colours in the same proportions,
    0 no colour in common.

    Args:
        outputs: (..., 3) uint8 generated pixels: pictures, or the pixels of a region.
        targets: (..., 3) uint8 real pixels.
        bins: histogram bins per channel.

    Returns:
        dict with the intersection for "L", "a", "b" and their "mean", each in [0, 1].
    """
    return histogram_intersection(lab_histograms(outputs, bins), lab_histograms(targets, bins))


def sharpness(images):
    """Mean gradient magnitude of the lightness L*: how much detail the pictures hold.

    Blur lowers it, because averaged pixels change little from one to the next; stripes and
    crisp edges raise it. Compare it with the targets' own sharpness, not with zero.

    Args:
        images: (N, H, W, 3) uint8 pictures.

    Returns:
        The mean of sqrt(dL/dx^2 + dL/dy^2) over all pixels, in L* units per pixel.
    """
    lightness = rgb_to_lab(images)[..., 0]  # (N, H, W)
    d_rows = np.diff(lightness, axis=1)[:, :, :-1]  # (N, H-1, W-1)
    d_columns = np.diff(lightness, axis=2)[:, :-1, :]
    return float(np.sqrt(d_rows ** 2 + d_columns ** 2).mean())


def distance_metrics(outputs, targets):
    """L1 and PSNR of paired pictures, as the per-epoch log measures them.

    Args:
        outputs: (N, H, W, 3) uint8 generated pictures.
        targets: (N, H, W, 3) uint8 targets, in the same order.

    Returns:
        dict with "L1" (mean absolute error in [-1, 1] units) and "PSNR" (dB, on [0, 1]).
    """
    error = (np.asarray(outputs, np.float64) - np.asarray(targets, np.float64)) / 255
    mse = np.maximum((error ** 2).reshape(len(error), -1).mean(1), 1e-10)
    return {"L1": float(2 * np.abs(error).mean()), "PSNR": float((10 * np.log10(1 / mse)).mean())}
