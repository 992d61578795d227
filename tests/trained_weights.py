"""Weights that look trained, for tests, next to the untrained ones the fixtures build.

No trained generator ships with the tests (the official one is 218 MB and not downloaded here),
so :func:`as_if_trained` draws what :func:`pix2pix.official.untrained_signs` looks at the way a
training run leaves it: BatchNorm running means of order 0.5 and variances spread over two
orders of magnitude around 1, and convolution weights whose spread moved from the initial 0.02
by a factor of 1.5 to 3, layer by layer.
"""

import torch


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
