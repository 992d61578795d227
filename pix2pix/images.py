"""Images in, images out: the only converters between pictures and the networks' tensors.

A picture is ``uint8`` RGB, (H, W, 3) with values 0-255 (a PIL image or a numpy array). The
networks see (3, H, W) float tensors in [-1, 1]: the range of the generator's final Tanh, so
that real and generated images live on the same scale when the discriminator compares them.
Used by the exercises, the training data, the figures and ``translate.py``.
"""

import numpy as np
import torch


def to_tensor(image):
    """One picture as the networks' input.

    Args:
        image: a PIL RGB image or an (H, W, 3) uint8 array.

    Returns:
        (3, H, W) float tensor in [-1, 1].
    """
    array = np.asarray(image, dtype=np.float32)  # (H, W, 3) in [0, 255]
    return torch.from_numpy(array).permute(2, 0, 1) / 127.5 - 1


def to_batch(images):
    """Several pictures of one size as a batch.

    Args:
        images: a sequence of PIL RGB images or (H, W, 3) uint8 arrays, or an (N, H, W, 3) array.

    Returns:
        (N, 3, H, W) float tensor in [-1, 1].
    """
    return torch.stack([to_tensor(image) for image in images])


def to_uint8(images):
    """Tensors in [-1, 1] back to pictures, one image or a batch.

    Args:
        images: (3, H, W) or (N, 3, H, W) tensor in [-1, 1], on any device, in any float type.

    Returns:
        (H, W, 3) or (N, H, W, 3) uint8 array; ``PIL.Image.fromarray`` takes one image of it.
    """
    scaled = ((images.detach().float().cpu() + 1) * 127.5).round().clamp(0, 255)
    return scaled.movedim(-3, -1).to(torch.uint8).numpy()  # (..., 3, H, W) -> (..., H, W, 3)
