"""A test-only restatement of the official recursive U-Net, to check our generator against.

junyanz/pytorch-CycleGAN-and-pix2pix builds ``unet_256`` by nesting one block per level: each
block is ``[down] + [inner block] + [up]`` and returns ``cat([x, block(x)])``. Its nested module
names are the key names of the official checkpoint. Written here from that description so the
tests compare two independent implementations, not our mapping with itself.
"""

import torch
import torch.nn as nn


class NestedUNetBlock(nn.Module):
    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False,
                 innermost=False, use_dropout=False):
        super().__init__()
        self.outermost = outermost
        input_nc = input_nc or outer_nc
        # in-place activations, as in the official code: the LeakyReLU overwrites the input
        # that is later concatenated, which is harmless only because a ReLU comes next
        downconv = nn.Conv2d(input_nc, inner_nc, 4, 2, 1, bias=False)
        downrelu, uprelu = nn.LeakyReLU(0.2, True), nn.ReLU(True)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1)
            layers = [downconv, submodule, uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, 4, 2, 1, bias=False)
            layers = [downrelu, downconv, uprelu, upconv, nn.BatchNorm2d(outer_nc)]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1, bias=False)
            layers = [downrelu, downconv, nn.BatchNorm2d(inner_nc), submodule,
                      uprelu, upconv, nn.BatchNorm2d(outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class NestedUNet(nn.Module):
    """The official ``UnetGenerator(3, 3, num_downs=8, ngf=64, use_dropout=True)``."""

    def __init__(self, ngf=64):
        super().__init__()
        block = NestedUNetBlock(ngf * 8, ngf * 8, innermost=True)
        for _ in range(3):
            block = NestedUNetBlock(ngf * 8, ngf * 8, submodule=block, use_dropout=True)
        block = NestedUNetBlock(ngf * 4, ngf * 8, submodule=block)
        block = NestedUNetBlock(ngf * 2, ngf * 4, submodule=block)
        block = NestedUNetBlock(ngf, ngf * 2, submodule=block)
        self.model = NestedUNetBlock(3, ngf, input_nc=3, submodule=block, outermost=True)

    def forward(self, x):
        return self.model(x)
