"""Re-code part 5 (reference solution): paired random jitter and mirroring.

Page: "Part 5: paired augmentation" on the Re-code track page (recode.html). Graded by ``python
exercises/check.py augment``.
"""

import torch
import torch.nn.functional as F

LOAD_SIZE = 286  # the paper resizes to 286x286 ...
CROP_SIZE = 256  # ... and crops a random 256x256 window back out


def resize_to_load_size(image):
    """Bilinear resize of a (C, H, W) tensor to (C, LOAD_SIZE, LOAD_SIZE)."""
    return F.interpolate(image[None], size=(LOAD_SIZE, LOAD_SIZE), mode="bilinear",
                         align_corners=False)[0]


def paired_jitter(input_image, target_image):
    """Resize both images to 286, then give both the same random 256 crop and the same flip.

    Randomness comes from torch's global generator (torch.randint, torch.rand), so
    ``torch.manual_seed`` makes it repeatable.

    Args:
        input_image: x, (C_x, H, W).
        target_image: y, (C_y, H, W), pixel-aligned with x.

    Returns:
        (input_image, target_image), each (C, CROP_SIZE, CROP_SIZE), still pixel-aligned.
    """
    input_image = resize_to_load_size(input_image)
    target_image = resize_to_load_size(target_image)
    # one draw for both images: x and y must stay aligned pixel for pixel
    top = int(torch.randint(0, LOAD_SIZE - CROP_SIZE + 1, ()))
    left = int(torch.randint(0, LOAD_SIZE - CROP_SIZE + 1, ()))
    flip = bool(torch.rand(()) < 0.5)

    def crop_and_flip(image):
        image = image[:, top:top + CROP_SIZE, left:left + CROP_SIZE]
        return image.flip(-1) if flip else image

    return crop_and_flip(input_image), crop_and_flip(target_image)
