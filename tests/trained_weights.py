"""Weights that look trained, for tests, next to the untrained ones the fixtures build.

No trained generator ships with the tests (the official one is 218 MB and not downloaded here),
so :func:`as_if_trained` draws what :func:`pix2pix.weights.official.untrained_signs` looks at the
way a training run leaves it: BatchNorm running means of order 0.5 and variances spread over two
orders of magnitude around 1, and convolution weights whose spread moved from the initial 0.02
by a factor of 1.5 to 3, layer by layer.
"""

import torch

from pix2pix.models import GeneratorConfig, UNetGenerator, init_weights


def as_if_trained(network, seed=0):
    """Move a freshly initialised network's statistics to where training would have taken them.

    Args:
        network: any network with BatchNorm layers and 4-D convolution weights (ours or the
            official nested one).
        seed: the draws' seed.

    Returns:
        The same network, changed in place.
    """
    rng = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in network.state_dict().items():  # the tensors themselves, not copies
            if name.endswith("running_mean"):
                tensor.copy_(0.5 * torch.randn(tensor.shape, generator=rng))
            elif name.endswith("running_var"):
                tensor.copy_(torch.exp(1.5 * torch.randn(tensor.shape, generator=rng)))
            elif name.endswith("weight") and tensor.dim() == 4:  # a convolution
                tensor.mul_(1.5 + 1.5 * torch.rand((), generator=rng))
    return network


def small_generator(seed=0):
    """unet_256 at ngf=8 whose running statistics differ from per-image ones, as after training,
    so that paper mode and eval mode give different photos; small enough to export in seconds."""
    torch.manual_seed(seed)
    generator = init_weights(UNetGenerator(GeneratorConfig(ngf=8)))
    for module in generator.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.1)
            module.running_var.uniform_(0.5, 2.0)
    return generator
