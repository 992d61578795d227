"""Running a trained generator at test time: the paper's mode and ``eval`` mode.

The paper (section 3.3) runs the generator at test time "in exactly the same manner as during the
training phase", and so does the official test code: its ``test.py`` calls ``model.eval()`` only
when given the opt-in ``--eval`` flag, which its authors leave as an experiment for pix2pix.
That gives two behaviours:

* BatchNorm normalises with the statistics of the image itself (training ran at batch size 1, so
  the learned scale and shift expect per-image statistics), not with the running averages;
* dropout stays on, and is the generator's only source of randomness: the paper found that a
  noise vector z was ignored, so the little stochasticity pix2pix has comes from dropout.

Simply calling ``generator.train()`` on a batch would get both wrong for a course: BatchNorm
would mix the statistics of all images in the batch (an output would depend on its neighbours),
it would overwrite the loaded running statistics, and the dropout masks would depend on the
global random state. :func:`paper_mode` keeps the behaviour and fixes the three problems.
Used by exercises 1 and 2.
"""

from contextlib import contextmanager

import torch
import torch.nn as nn
import torch.nn.functional as F

INFERENCE_MODES = ("paper", "eval")


class PerImageBatchNorm(nn.Module):
    """A BatchNorm layer as it behaves on a batch of one image, applied to every image of a batch.

    BatchNorm in training mode at batch size 1 computes mean and variance over the image's own
    pixels, per channel: that is instance normalisation, followed by BatchNorm's learned scale
    and shift. ``F.instance_norm`` computes it for each image separately and, given no running
    buffers, reads and writes none.
    """

    def __init__(self, batch_norm):
        super().__init__()
        self.batch_norm = batch_norm  # shares the loaded weight and bias; nothing is copied

    def forward(self, x):
        # (B, C, H, W) -> (B, C, H, W), each (image, channel) normalised over its H x W pixels
        bn = self.batch_norm
        return F.instance_norm(x, weight=bn.weight, bias=bn.bias, eps=bn.eps)


def dropout_mask(shape, keep, generator):
    """A float mask of 0s and 1s, each entry 1 with probability ``keep``, drawn from ``generator``.

    Drawn on the CPU so that a seed gives the same masks on every device; the exported ONNX
    model's masks (pix2pix.weights.onnx_export) come from here too, so both modes draw alike.
    """
    return torch.bernoulli(torch.full(shape, keep), generator=generator)


def replace_module(network, name, module):
    """Put ``module`` where ``network.get_submodule(name)`` is, e.g. "decoder.2.dropout"."""
    parent, _, attribute = name.rpartition(".")
    setattr(network.get_submodule(parent), attribute, module)


class SeededDropout(nn.Module):
    """Dropout whose mask for image i is drawn from image i's own random generator.

    An image's masks then depend on its seed alone, not on its place in the batch or on how many
    random numbers other code has drawn, so a run is reproducible and batch-independent.
    """

    def __init__(self, dropout, generators):
        super().__init__()
        self.p = dropout.p
        self.generators = generators  # one torch.Generator per image of the batch

    def forward(self, x):
        keep = 1 - self.p
        masks = torch.stack([dropout_mask(x.shape[1:], keep, g)
                             for g in self.generators])  # (B, C, H, W)
        # scale by 1/keep, as nn.Dropout does, so the expected activation is unchanged
        return x * masks.to(x.device, x.dtype) / keep


@contextmanager
def paper_mode(generator, seeds):
    """Run ``generator`` inside this block as the paper tests it, one seed per image.

    Every ``BatchNorm2d`` is swapped for a :class:`PerImageBatchNorm` and every ``Dropout`` for a
    :class:`SeededDropout`; the original layers are put back on exit, even after an error. The
    loaded weights and running statistics are never written.

    Args:
        generator: a network built from ``nn.Module`` attributes (such as ``UNetGenerator``).
        seeds: one integer per image of the batches run inside the block.
    """
    generators = [torch.Generator().manual_seed(int(seed)) for seed in seeds]
    swaps = []
    for name, module in generator.named_modules():
        if isinstance(module, nn.BatchNorm2d):
            swaps.append((name, module, PerImageBatchNorm(module)))
        elif isinstance(module, nn.Dropout):
            swaps.append((name, module, SeededDropout(module, generators)))
    try:
        for name, _, replacement in swaps:
            replace_module(generator, name, replacement)
        yield generator
    finally:
        for name, original, _ in swaps:
            replace_module(generator, name, original)


def translate(generator, input_images, mode="paper", seed=0, batch_size=8):
    """Translate a batch of input images with the generator.

    Args:
        generator: e.g. the official facades generator.
        input_images: (N, 3, H, W) tensor in [-1, 1], on any device.
        mode: "paper" (per-image statistics, dropout on; the default of the paper and the
            official code) or "eval" (``generator.eval()``: running statistics, no dropout;
            deterministic).
        seed: in paper mode, image i is run with seed ``seed + i``; the same seed gives the same
            output whatever else is in the batch.
        batch_size: images per forward pass; changes the speed, never the result.

    Returns:
        (N, 3, H, W) tensor in [-1, 1] on the generator's device.
    """
    if mode not in INFERENCE_MODES:
        raise ValueError(f"mode must be one of {INFERENCE_MODES}, got {mode!r}")
    device = next(generator.parameters()).device
    was_training = generator.training
    outputs = []
    try:
        with torch.no_grad():
            for start in range(0, len(input_images), batch_size):
                batch = input_images[start:start + batch_size].to(device)
                if mode == "eval":
                    generator.eval()
                    outputs.append(generator(batch))
                    continue
                seeds = range(seed + start, seed + start + len(batch))
                with paper_mode(generator, seeds):
                    outputs.append(generator(batch))
    finally:
        generator.train(was_training)
    return torch.cat(outputs)
