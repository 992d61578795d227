"""pix2pix.images: pictures and the networks' [-1, 1] tensors convert both ways, exactly."""

import numpy as np
import torch
from PIL import Image

from pix2pix.images import to_batch, to_tensor, to_uint8


def test_tensor_range_is_minus_one_to_one_and_round_trips():
    image = Image.fromarray(np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5)
    tensor = to_tensor(image)
    assert tensor.shape == (3, 4, 4) and tensor.min() >= -1 and tensor.max() <= 1
    assert np.array_equal(to_uint8(tensor), np.asarray(image))


def test_labels_and_images_convert_to_and_from_minus_one_to_one():
    label = (torch.rand(64, 64, 3) * 255).to(torch.uint8).numpy()
    tensor = to_batch([label, label])
    assert tensor.shape == (2, 3, 64, 64) and tensor.min() >= -1 and tensor.max() <= 1
    assert (to_uint8(tensor)[1] == label).all()
