"""The two networks of pix2pix: the U-Net generator and the PatchGAN discriminator.

Both follow the paper (Isola et al., 2017, appendix 6.1) *and* the official PyTorch code
(junyanz/pytorch-CycleGAN-and-pix2pix, ``unet_256`` and ``basic``), so the official pretrained
weights load into :class:`UNetGenerator` without a single missing or unexpected tensor.
Used by the "Concepts" page and by every exercise.

Layer order follows the official code: each block starts with its activation
(activation -> convolution -> norm). The paper writes the same network as
convolution -> norm -> activation; the two describe identical computations.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn


def make_norm_layer(norm, num_channels):
    """The normalisation layer after a convolution.

    Args:
        norm: "batch" (the paper and the official weights), "instance" (per-image statistics,
            no learned scale or shift, as the official code builds it) or "none".
        num_channels: channels of the feature map to normalise.

    Returns:
        An ``nn.Module`` that keeps the input's shape.
    """
    if norm == "batch":
        return nn.BatchNorm2d(num_channels)
    if norm == "instance":
        return nn.InstanceNorm2d(num_channels)
    if norm == "none":
        return nn.Identity()
    raise ValueError(f"norm must be 'batch', 'instance' or 'none', got {norm!r}")


def conv_has_bias(norm):
    """Whether a convolution needs its own bias.

    BatchNorm subtracts the batch mean and adds its own learned shift, so a bias before it would be
    cancelled: the official code leaves it out, and so must we to load its weights.
    """
    return norm != "batch"


# -----------------------------------------------------------------------------
# Generator: U-Net (paper section 3.2.1, figure 3)


class DownBlock(nn.Module):
    """One encoder step: LeakyReLU(0.2) -> Conv 4x4 stride 2 -> norm. Halves height and width.

    The outermost block sees the raw image, so it has no activation before it, and no norm:
    the paper's one exception to its Conv-BatchNorm-ReLU layers (appendix 6.1.1). The 1x1
    bottleneck has no norm either, which is the official code's choice (its innermost block),
    not the paper's, and so the official weights' layout: BatchNorm over a single pixel of a
    single image would zero every activation.
    """

    def __init__(self, in_channels, out_channels, norm, activation=True, normalize=True):
        super().__init__()
        self.act = nn.LeakyReLU(0.2) if activation else nn.Identity()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1,
                              bias=conv_has_bias(norm))
        self.norm = make_norm_layer(norm, out_channels) if normalize else nn.Identity()

    def forward(self, x):
        # (B, C_in, H, W) -> (B, C_out, H/2, W/2)
        return self.norm(self.conv(self.act(x)))


class UpBlock(nn.Module):
    """One decoder step: ReLU -> ConvTranspose 4x4 stride 2 -> norm -> (Dropout 0.5).

    Doubles height and width. Dropout is the generator's only source of noise: the paper found
    that a noise vector z was simply ignored, so it keeps dropout on, even at test time.
    """

    def __init__(self, in_channels, out_channels, norm, dropout=False):
        super().__init__()
        self.act = nn.ReLU()
        self.conv = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2,
                                       padding=1, bias=conv_has_bias(norm))
        self.norm = make_norm_layer(norm, out_channels)
        self.dropout = nn.Dropout(0.5) if dropout else nn.Identity()

    def forward(self, x):
        # (B, C_in, H, W) -> (B, C_out, 2H, 2W)
        return self.dropout(self.norm(self.conv(self.act(x))))


class OutputBlock(nn.Module):
    """The last decoder step: ReLU -> ConvTranspose 4x4 stride 2 (with bias) -> Tanh.

    Tanh puts the image in [-1, 1], the range the training images are scaled to.
    """

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.act = nn.ReLU()
        self.conv = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2,
                                       padding=1)

    def forward(self, x):
        # (B, 2*ngf, 128, 128) -> (B, 3, 256, 256)
        return torch.tanh(self.conv(self.act(x)))


@dataclass
class GeneratorConfig:
    """Settings of the U-Net; the defaults are the official ``unet_256`` (54,413,955 weights)."""

    in_channels: int = 3
    out_channels: int = 3
    ngf: int = 64  # channels after the first convolution; doubles per level up to 8 * ngf
    num_downs: int = 8  # 8 halvings take 256x256 to 1x1; the input side must be 2**num_downs
    norm: str = "batch"
    dropout: bool = True
    skips: bool = True  # False: the paper's "encoder-decoder" ablation, the same net without skips


class UNetGenerator(nn.Module):
    """The pix2pix generator G: an encoder-decoder with a skip connection at every level.

    Encoder (paper): C64-C128-C256-C512-C512-C512-C512-C512. Decoder: the mirror image, where each
    step's output is concatenated with the encoder features of the same size. The skips carry
    the fine, pixel-aligned detail (edges, window corners) that would not survive the 1x1
    bottleneck; the bottleneck carries the global context. With ``skips=False`` it is the plain
    encoder-decoder the paper compares against (section 4.3, figure 5): everything must pass
    through the bottleneck.
    """

    def __init__(self, config=None):
        super().__init__()
        config = config or GeneratorConfig()
        if config.num_downs < 5:
            raise ValueError("num_downs must be at least 5: the first four levels grow the "
                             f"width to 8 * ngf, got {config.num_downs}")
        self.config = config
        ngf, norm = config.ngf, config.norm
        # channels after each encoder step: 64, 128, 256, 512, 512, 512, 512, 512
        widths = [ngf * min(2 ** level, 8) for level in range(config.num_downs)]

        self.encoder = nn.ModuleList()
        self.encoder.append(DownBlock(config.in_channels, widths[0], norm,
                                      activation=False, normalize=False))
        for level in range(1, config.num_downs - 1):
            self.encoder.append(DownBlock(widths[level - 1], widths[level], norm))
        self.encoder.append(DownBlock(widths[-2], widths[-1], norm, normalize=False))

        # Decoder, innermost first. Every step but the first receives [skip, upsampled]
        # concatenated, hence twice the channels. The official code puts dropout in the
        # num_downs - 5 steps right after the innermost one (three for unet_256).
        joined = 2 if config.skips else 1  # channels in per channel of the upsampled path
        self.decoder = nn.ModuleList()
        self.decoder.append(UpBlock(widths[-1], widths[-2], norm))
        for level in range(config.num_downs - 2, 0, -1):
            step = config.num_downs - 1 - level  # 1 for the step right after the innermost
            uses_dropout = config.dropout and step <= config.num_downs - 5
            self.decoder.append(UpBlock(joined * widths[level], widths[level - 1], norm,
                                        dropout=uses_dropout))
        self.output = OutputBlock(joined * widths[0], config.out_channels)

    def forward(self, input_image):
        """Translate a batch of images.

        Args:
            input_image: (B, in_channels, H, W) in [-1, 1], H and W divisible by 2**num_downs.

        Returns:
            (B, out_channels, H, W) in [-1, 1].
        """
        size = 2 ** self.config.num_downs
        if input_image.shape[-2] % size or input_image.shape[-1] % size:
            raise ValueError(f"input height and width must be multiples of {size}, "
                             f"got {tuple(input_image.shape[-2:])}")
        skips = []
        h = input_image
        for down in self.encoder[:-1]:
            h = down(h)
            skips.append(h)  # (B,64,128,128), (B,128,64,64), ..., (B,512,2,2)
        h = self.encoder[-1](h)  # bottleneck (B, 512, 1, 1)
        for up, skip in zip(self.decoder, reversed(skips)):
            h = up(h)
            if self.config.skips:
                h = torch.cat([skip, h], dim=1)  # (B, 1024, 2, 2), ..., (B, 128, 128, 128)
        return self.output(h)


# -----------------------------------------------------------------------------
# Discriminator: PatchGAN (paper section 3.2.2)


# The paper's patch sizes (section 4.4, table 3) and the stride-2 layers after the first that
# give them: each such layer about doubles the receptive field, r <- (r - 1) * 2 + 4 walking
# back, so 1 -> 16, 2 -> 34, 3 -> 70, 4 -> 142, 5 -> 286. A 1x1 "PixelGAN" is a stack of 1x1
# convolutions instead (official code: PixelDiscriminator).
PATCH_LAYERS = {16: 1, 34: 2, 70: 3, 142: 4, 286: 5}
PATCH_SIZES = (1, *PATCH_LAYERS)


@dataclass
class DiscriminatorConfig:
    """Settings of the PatchGAN; the defaults are the paper's 70x70 (2,768,705 weights)."""

    input_channels: int = 3  # channels of x: 3 (RGB) or 1 (grey)
    target_channels: int = 3  # channels of y, and so of G(x)
    ndf: int = 64
    patch_size: int = 70  # the receptive field of one logit: 1, 16, 34, 70, 142 or 286
    norm: str = "batch"
    conditional: bool = True  # D sees x next to y (pix2pix); False: y alone, an ordinary GAN

    @property
    def in_channels(self):
        """Channels D reads: the input image and the judged one, or the judged one alone."""
        if not self.conditional:
            return self.target_channels
        return self.input_channels + self.target_channels


class PatchGANDiscriminator(nn.Module):
    """The pix2pix discriminator D: a real/fake logit for every 70x70 patch of a pair.

    C64-C128-C256-C512, then a 1-channel convolution. L1 already gets the low frequencies right,
    so D only has to judge local texture and sharpness: looking at patches instead of the whole
    image needs fewer weights, runs on any image size and still gives sharp results.
    There is no sigmoid: the loss takes logits, which is numerically safer.
    ``patch_size`` builds the paper's other patch sizes from the same layers (fewer or more of
    the stride-2 ones), or the 1x1 PixelGAN.
    """

    def __init__(self, config=None):
        super().__init__()
        config = config or DiscriminatorConfig()
        if config.patch_size not in PATCH_SIZES:
            raise ValueError(f"patch_size must be one of {PATCH_SIZES}, got {config.patch_size}")
        self.config = config
        if config.patch_size == 1:
            self.model = pixel_layers(config)
            return
        ndf, norm = config.ndf, config.norm
        num_layers = PATCH_LAYERS[config.patch_size]
        bias = conv_has_bias(norm)

        # C64: no norm on the first layer (the paper's rule, as for the generator)
        layers = [nn.Conv2d(config.in_channels, ndf, kernel_size=4, stride=2, padding=1),
                  nn.LeakyReLU(0.2)]
        channels = ndf
        for n in range(1, num_layers + 1):
            out = ndf * min(2 ** n, 8)
            # the last of these keeps the resolution (stride 1) to widen the receptive field
            stride = 2 if n < num_layers else 1
            layers += [nn.Conv2d(channels, out, kernel_size=4, stride=stride, padding=1,
                                 bias=bias),
                       make_norm_layer(norm, out),
                       nn.LeakyReLU(0.2)]
            channels = out
        layers.append(nn.Conv2d(channels, 1, kernel_size=4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, input_image, other_image):
        """Score a pair: is ``other_image`` the real target for ``input_image``?

        Conditioning is plain concatenation: D sees x next to y (or next to G(x)), so it can
        punish outputs that look real but do not match their input.

        Args:
            input_image: (B, C_x, H, W), the condition x.
            other_image: (B, C_y, H, W), a real target y or a generated G(x).

        Returns:
            (B, 1, H/8 - 2, W/8 - 2) logits, one per patch: (B, 1, 30, 30) for 256x256 and the
            70x70 patch; (B, 1, H, W) for the PixelGAN.
        """
        if not self.config.conditional:  # an ordinary GAN: D judges the image alone
            return self.model(other_image)
        pair = torch.cat([input_image, other_image], dim=1)  # (B, 6, 256, 256)
        return self.model(pair)  # (B, 6, 256, 256) -> (B, 1, 30, 30)


def pixel_layers(config):
    """The 1x1 PixelGAN of the paper's table 3: each logit judges one pixel's colour alone.

    C64-C128 of 1x1 convolutions, then a 1-channel one (as the official PixelDiscriminator).
    """
    ndf, bias = config.ndf, conv_has_bias(config.norm)
    return nn.Sequential(
        nn.Conv2d(config.in_channels, ndf, kernel_size=1), nn.LeakyReLU(0.2),
        nn.Conv2d(ndf, 2 * ndf, kernel_size=1, bias=bias), make_norm_layer(config.norm, 2 * ndf),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * ndf, 1, kernel_size=1, bias=bias))


# -----------------------------------------------------------------------------
# Weight initialisation (paper section 6.2)


def init_weights(module, std=0.02):
    """Initialise a network the way the paper and the official code do.

    Convolution weights ~ N(0, 0.02) and biases = 0, as in DCGAN; norm scales ~ N(1, 0.02) and
    shifts = 0, so every norm layer starts close to the identity.

    Args:
        module: a network; every submodule is visited.
        std: standard deviation of the normal draws.

    Returns:
        The same module, initialised in place.
    """
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(layer.weight, 0.0, std)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, (nn.BatchNorm2d, nn.InstanceNorm2d)) and layer.affine:
            nn.init.normal_(layer.weight, 1.0, std)
            nn.init.zeros_(layer.bias)
    return module


def count_parameters(module):
    """Number of trainable weights of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
