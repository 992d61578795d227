"""Re-code part 2: the 70x70 PatchGAN discriminator.

Page: "Part 2: PatchGAN" on the Re-code track page (recode.html). Fill in the two gaps marked
NotImplementedError, then grade your work with ``python exercises/check.py patchgan``. The
grader measures the receptive field of one output logit and expects 70x70 input pixels.
"""

import torch
import torch.nn as nn

GAP = "see 'Part 2: PatchGAN' on the Re-code track page (recode.html)"


class PatchGAN(nn.Module):
    """C64-C128-C256-C512 and a 1-channel convolution: one real/fake logit per 70x70 patch.

    Every convolution is 4x4 with padding 1. C64, C128 and C256 have stride 2; C512 and the last
    convolution have stride 1. BatchNorm2d follows C128, C256 and C512 (not C64), and those three
    convolutions have no bias; every activation is LeakyReLU(0.2). No sigmoid at the end: the
    losses take logits. Put the layers in one ``nn.Sequential`` stored as ``self.model``.
    The default has 2,768,705 weights.

    Args:
        in_channels: channels of the input and the other image together (3 + 3).
        ndf: channels of the first convolution.
    """

    def __init__(self, in_channels=6, ndf=64):
        super().__init__()
        raise NotImplementedError(f"PatchGAN.__init__: build self.model -- {GAP}")

    def forward(self, input_image, other_image):
        """Score a pair: concatenate the two images on the channel axis, then run the model.

        Args:
            input_image: (B, 3, H, W), the condition x.
            other_image: (B, 3, H, W), the real y or the generated G(x).

        Returns:
            (B, 1, H/8 - 2, W/8 - 2) logits: (B, 1, 30, 30) for 256x256 images.
        """
        raise NotImplementedError(f"PatchGAN.forward: concatenate, then self.model -- {GAP}")
