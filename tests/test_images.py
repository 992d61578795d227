"""pix2pix.images: pictures and the networks' [-1, 1] tensors convert both ways, exactly."""

import numpy as np
import torch
from PIL import Image

from pix2pix.images import to_batch, to_tensor, to_uint8


def test_0_and_255_become_minus_one_and_one_and_every_value_comes_back():
    values = np.arange(256, dtype=np.uint8)
    image = Image.fromarray(np.stack([values, values[::-1], values], axis=-1)[None])  # (1, 256, 3)
    tensor = to_tensor(image)
    assert tensor.shape == (3, 1, 256)
    assert tensor[0, 0, 0] == -1 and tensor[0, 0, 255] == 1  # the Tanh's range, end to end
    assert np.array_equal(to_uint8(tensor), np.asarray(image))


def test_a_batch_keeps_its_pictures_in_order_from_images_or_arrays():
    first = (torch.rand(8, 6, 3) * 255).to(torch.uint8).numpy()
    second = np.zeros_like(first)
    batch = to_batch([Image.fromarray(first), second])
    assert batch.shape == (2, 3, 8, 6)
    assert np.array_equal(to_uint8(batch)[0], first) and (to_uint8(batch)[1] == 0).all()
