"""Re-code part 5: paired random jitter and mirroring.

Page: "Part 5: paired augmentation" on the Re-code track page (recode.html). Fill in the gap
marked NotImplementedError, then grade your work with ``python exercises/check.py augment``.
"""

import torch
import torch.nn.functional as F

LOAD_SIZE = 286  # the paper resizes to 286x286 ...
CROP_SIZE = 256  # ... and crops a random 256x256 window back out
GAP = "see 'Part 5: paired augmentation' on the Re-code track page (recode.html)"


def resize_to_load_size(image):
    """Bilinear resize of a (C, H, W) tensor to (C, LOAD_SIZE, LOAD_SIZE)."""
    return F.interpolate(image[None], size=(LOAD_SIZE, LOAD_SIZE), mode="bilinear",
                         align_corners=False)[0]


def paired_jitter(input_image, target_image):
    """Resize both images to 286, then give both the same random 256 crop and the same flip.

    Draw the crop's top and left with ``torch.randint`` and the flip (probability 0.5) with
    ``torch.rand``, so that ``torch.manual_seed`` makes the result repeatable.

    Args:
        input_image: x, (C_x, H, W).
        target_image: y, (C_y, H, W), pixel-aligned with x.

    Returns:
        (input_image, target_image), each (C, CROP_SIZE, CROP_SIZE), still pixel-aligned.
    """
    raise NotImplementedError(f"paired_jitter: resize, crop, flip -- {GAP}")
