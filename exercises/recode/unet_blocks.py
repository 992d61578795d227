"""Re-code part 1: the U-Net's down and up blocks and its skip connections.

Page: "Part 1: U-Net blocks" on the Re-code track page (recode.html). Fill in the four gaps
marked NotImplementedError, then grade your work with ``python exercises/check.py unet``. The
grader builds your UNet with its defaults and expects exactly the official code's 54,413,955
weights.
"""

import torch
import torch.nn as nn

GAP = "see 'Part 1: U-Net blocks' on the Re-code track page (recode.html)"


class DownBlock(nn.Module):
    """One encoder step: LeakyReLU(0.2) -> Conv2d 4x4 stride 2 padding 1 -> BatchNorm2d.

    Store the three layers as ``self.act``, ``self.conv`` and ``self.norm``; use ``nn.Identity()``
    for a layer the arguments switch off. The convolution has no bias (``bias=False``):
    BatchNorm's learned shift would cancel it, and the official weights have none.

    Args:
        in_channels: channels of the input feature map.
        out_channels: channels of the output feature map.
        activation: False for the outermost block, which sees the raw image.
        normalize: False for the outermost block and for the 1x1 bottleneck.
    """

    def __init__(self, in_channels, out_channels, activation=True, normalize=True):
        super().__init__()
        raise NotImplementedError(f"DownBlock.__init__: build act, conv and norm -- {GAP}")

    def forward(self, x):
        """(B, in_channels, H, W) -> (B, out_channels, H/2, W/2)."""
        raise NotImplementedError(f"DownBlock.forward: apply act, conv, norm in turn -- {GAP}")


class UpBlock(nn.Module):
    """One decoder step: ReLU -> ConvTranspose2d 4x4 stride 2 padding 1 -> BatchNorm2d -> Dropout.

    Store the layers as ``self.act``, ``self.conv``, ``self.norm`` and ``self.dropout``
    (``nn.Dropout(0.5)`` or ``nn.Identity()``). No bias, for the same reason as in DownBlock.

    Args:
        in_channels: channels of the input (upsampled path and skip, concatenated).
        out_channels: channels of the output feature map.
        dropout: whether to end with Dropout(0.5), the generator's only source of noise.
    """

    def __init__(self, in_channels, out_channels, dropout=False):
        super().__init__()
        raise NotImplementedError(f"UpBlock.__init__: build act, conv, norm, dropout -- {GAP}")

    def forward(self, x):
        """(B, in_channels, H, W) -> (B, out_channels, 2H, 2W)."""
        raise NotImplementedError(f"UpBlock.forward: apply the four layers in turn -- {GAP}")


class UNet(nn.Module):
    """The pix2pix generator built from your blocks; the defaults are the paper's ``unet_256``.

    The constructor is written for you: read how the channel counts double in the decoder.

    Args:
        in_channels: channels of the input image.
        out_channels: channels of the output image.
        ngf: channels after the first convolution; they double per level up to 8 * ngf.
        num_downs: number of halvings (8 takes 256x256 to 1x1); at least 5.
        dropout: Dropout(0.5) in the decoder steps right after the bottleneck.
    """

    def __init__(self, in_channels=3, out_channels=3, ngf=64, num_downs=8, dropout=True):
        super().__init__()
        widths = [ngf * min(2 ** level, 8) for level in range(num_downs)]  # 64, 128, ..., 512

        self.encoder = nn.ModuleList([DownBlock(in_channels, widths[0], activation=False,
                                                normalize=False)])
        for level in range(1, num_downs - 1):
            self.encoder.append(DownBlock(widths[level - 1], widths[level]))
        self.encoder.append(DownBlock(widths[-2], widths[-1], normalize=False))  # bottleneck

        # every decoder step but the first receives [skip, upsampled]: twice the channels
        self.decoder = nn.ModuleList([UpBlock(widths[-1], widths[-2])])
        for level in range(num_downs - 2, 0, -1):
            step = num_downs - 1 - level
            self.decoder.append(UpBlock(2 * widths[level], widths[level - 1],
                                        dropout=dropout and step <= num_downs - 5))
        self.output = nn.Sequential(nn.ReLU(),
                                    nn.ConvTranspose2d(2 * widths[0], out_channels, kernel_size=4,
                                                       stride=2, padding=1),
                                    nn.Tanh())

    def forward(self, input_image):
        """Translate a batch of images.

        Run the encoder, keeping every output but the bottleneck's as a skip; then, for each
        decoder step, upsample and concatenate the skip of the same size on the channel axis
        (``dim=1``, skip first). Finish with ``self.output``.

        Args:
            input_image: (B, in_channels, H, W), H and W multiples of 2**num_downs.

        Returns:
            (B, out_channels, H, W) in [-1, 1].
        """
        raise NotImplementedError(f"UNet.forward: encoder, skips, decoder -- {GAP}")
