"""The layers one forward pass runs, in order: what the unet and patchgan checks read where the
network's behaviour cannot tell (a stride-1 convolution followed by pooling downsamples as a
stride-2 one does; a BatchNorm before or after an activation is the identity in a fresh D).

Recorded op by op with a TorchFunctionMode, whatever the student's code looks like: layers as
modules, ``F.`` calls or tensor methods. An activation written by hand (``torch.where``) is not
recognised; the checks measure activations by their effect instead, and read only the order of
those recognised.
"""

from dataclasses import dataclass

import torch
from torch.overrides import TorchFunctionMode

KINDS = {  # torch function -> the kind of layer it is
    "conv2d": "conv", "conv_transpose2d": "upconv",
    **dict.fromkeys(["batch_norm", "instance_norm", "group_norm", "layer_norm"], "norm"),
    **dict.fromkeys(["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "selu", "celu",
                     "gelu", "silu", "prelu", "rrelu", "hardtanh", "softplus", "tanh",
                     "sigmoid"], "act"),
    **dict.fromkeys(["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                     "feature_alpha_dropout"], "dropout"),
    **dict.fromkeys(["max_pool2d", "avg_pool2d", "lp_pool2d", "adaptive_max_pool2d",
                     "adaptive_avg_pool2d", "fractional_max_pool2d"], "pool"),
    **dict.fromkeys(["interpolate", "upsample", "pixel_shuffle", "pixel_unshuffle"], "resize"),
}


@dataclass
class Layer:
    kind: str  # conv, upconv, norm, act, dropout, pool or resize
    name: str  # the torch function, e.g. max_pool2d
    block: int  # index of the block (of those watched) it ran in; -1 outside them
    kernel: int = 0  # convolutions: kernel size
    stride: int = 0  # convolutions: stride


def convolution_settings(args, kwargs):
    """(kernel, stride) of a conv2d or conv_transpose2d call."""
    weight = args[1] if len(args) > 1 else kwargs["weight"]
    stride = args[3] if len(args) > 3 else kwargs.get("stride", 1)
    stride = stride[0] if isinstance(stride, (tuple, list)) else stride
    return int(weight.shape[-1]), int(stride)


def recorded_layers(network, inputs, blocks=()):
    """The layers ``network(*inputs)`` runs, in order, in its current train or eval mode.

    Args:
        network: the student's module.
        inputs: the tensors it is called with.
        blocks: modules inside it (such as its encoder blocks); each Layer says which ran it.
    """
    layers, inside = [], []

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            kind = KINDS.get(getattr(func, "__name__", ""))
            if kind:
                settings = convolution_settings(args, kwargs) if "conv" in kind else ()
                layers.append(Layer(kind, func.__name__, inside[-1] if inside else -1,
                                    *settings))
            return func(*args, **kwargs)

    def leave(module, args, out):
        inside.pop()  # returns None: a hook that returns something replaces the output

    hooks = [block.register_forward_pre_hook(lambda module, args, i=i: inside.append(i))
             for i, block in enumerate(blocks)]
    hooks += [block.register_forward_hook(leave) for block in blocks]
    try:
        with torch.no_grad(), Recorder():
            network(*inputs)
    finally:
        for hook in hooks:
            hook.remove()
    return layers


def resampling_problem(layers, where, expected):
    """What is wrong with how one block's layers change the size, or ''.

    Args:
        layers: the block's recorded layers.
        where: the block, as the hint names it ("encoder block 2").
        expected: "conv" or "upconv": the kind of its one 4x4 stride-2 convolution.
    """
    resampling = [layer.name for layer in layers if layer.kind in ("pool", "resize")]
    convolutions = [layer for layer in layers if layer.kind in ("conv", "upconv")]
    if resampling:
        strides = ", ".join(str(layer.stride) for layer in convolutions)
        return (f"{where} resizes with {' and '.join(resampling)} (its convolution: stride "
                f"{strides}): the paper's blocks change the size with the 4x4 convolution "
                "itself, stride 2, a resampling learned with the rest; no pooling, no "
                "interpolation")
    if [(layer.kind, layer.kernel, layer.stride) for layer in convolutions] != [(expected, 4, 2)]:
        found = ", ".join(f"{layer.name} {layer.kernel}x{layer.kernel} stride {layer.stride}"
                          for layer in convolutions) or "none"
        name = "transposed convolution" if expected == "upconv" else "convolution"
        return f"{where} runs {found}: expected one 4x4 {name} of stride 2"
    return ""
