"""Re-code part 2 (reference solution): the 70x70 PatchGAN discriminator.

Page: "Part 2: PatchGAN" on the Re-code track page (recode.html). Graded by ``python
exercises/check.py patchgan``.
"""

import torch
import torch.nn as nn


class PatchGAN(nn.Module):
    """C64-C128-C256-C512 and a 1-channel convolution: one real/fake logit per 70x70 patch.

    Every convolution is 4x4 with padding 1. C64, C128 and C256 have stride 2; C512 and the last
    convolution have stride 1. BatchNorm2d follows C128, C256 and C512 (not C64), and those three
    convolutions have no bias; every activation is LeakyReLU(0.2). No sigmoid at the end: the
    losses take logits. The default has 2,768,705 weights.

    Args:
        in_channels: channels of the input and the other image together (3 + 3).
        ndf: channels of the first convolution.
    """

    def __init__(self, in_channels=6, ndf=64):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(in_channels, ndf, kernel_size=4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, 2 * ndf, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * ndf),
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * ndf, 4 * ndf, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(4 * ndf),
            nn.LeakyReLU(0.2),
            nn.Conv2d(4 * ndf, 8 * ndf, kernel_size=4, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(8 * ndf),
            nn.LeakyReLU(0.2),
            nn.Conv2d(8 * ndf, 1, kernel_size=4, stride=1, padding=1),
        )

    def forward(self, input_image, other_image):
        """Score a pair.

        Args:
            input_image: (B, 3, H, W), the condition x.
            other_image: (B, 3, H, W), the real y or the generated G(x).

        Returns:
            (B, 1, H/8 - 2, W/8 - 2) logits: (B, 1, 30, 30) for 256x256 images.
        """
        pair = torch.cat([input_image, other_image], dim=1)  # (B, 6, H, W)
        return self.model(pair)
