"""A generator as an ONNX file, with the paper's test-time mode inside it, verified before use.

ONNX is a file format for a network's graph and weights that runtimes without PyTorch run:
onnxruntime in Python, onnxruntime-web in a browser (the "Paint a facade" page). Exporting
pix2pix has one catch. The paper tests the generator in its *training* behaviour (see
:mod:`pix2pix.inference`): BatchNorm with each image's own statistics, dropout on. An exporter
records the network in eval mode, which loses both, so this module rebuilds them as graph inputs:

* ``paper_mode`` (a bool): True normalises each image with its own statistics, False with the
  running averages, the same switch as ``translate(mode="paper" | "eval")``;
* ``dropout_mask_1``, ``dropout_mask_2``, ...: one 0/1 mask per dropout layer, in the order the
  layers run. The caller draws them (the page does, in JavaScript), so "a new sample" is a new
  draw, and masks drawn as :class:`~pix2pix.inference.SeededDropout` draws them reproduce the
  seeded PyTorch output exactly (:func:`draw_dropout_masks`).

Every export is run through onnxruntime on real inputs in both modes and compared with PyTorch
before the caller may write it. Used by ``export_onnx.py``, ``translate.py`` and the page.
"""

import copy
import importlib.util
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
import torch.nn as nn
from onnx import numpy_helper

from pix2pix.datasets.facades import read_label
from pix2pix.datasets.synthetic import draw_pair
from pix2pix.errors import FixableError
from pix2pix.images import to_batch
from pix2pix.inference import (
    INFERENCE_MODES,
    PerImageBatchNorm,
    dropout_mask,
    replace_module,
    translate,
)
from pix2pix.paths import SAMPLE_FACADES_DIR
from pix2pix.weights.model_files import KINDS, ModelFileError, ModelInfo

# torch.onnx.export(dynamo=True), built on torch.export and onnxscript, is the exporter PyTorch
# maintains; it is complete from 2.6 on (the TorchScript exporter before it is deprecated)
EXPORTER_TORCH = (2, 6)
FP32_TOLERANCE = 1e-4  # max |ONNX - PyTorch| on outputs in [-1, 1]: float32 rounding only
# float16 weights keep 11 significant bits: paper mode moved by 1.1e-3 on random unet_256
HALF_TOLERANCE = 2e-2  # 2.5 of 255 grey levels
METADATA_KEY = "pix2pix"  # one JSON entry in the file's metadata; the page reads it too
INPUT_NAMES = ("input_image", "paper_mode")  # then dropout_mask_1, dropout_mask_2, ...
OUTPUT_NAME = "fake_image"


class ExportError(FixableError, RuntimeError):
    """The export cannot be done or failed its check; the message says why and the fix."""


def input_names(mask_count):
    """The graph's input names, in order, for a generator with ``mask_count`` dropout layers."""
    return [*INPUT_NAMES, *[f"dropout_mask_{i}" for i in range(1, mask_count + 1)]]


# -----------------------------------------------------------------------------
# 1. Paper mode as graph inputs


class ModeInputs:
    """The values of the mode inputs during one forward pass, read by the swapped layers."""

    def __init__(self):
        self.paper_mode = None  # () bool tensor
        self.masks = []  # (1, C, H, W) 0/1 tensors, consumed in the order the layers run


class SwitchableBatchNorm(nn.Module):
    """BatchNorm that uses the image's own statistics or the running ones, as an input says.

    Both results are computed and ``torch.where`` keeps one: a graph has no Python ``if``, and
    the normalisation costs little next to the convolutions.
    """

    def __init__(self, batch_norm, inputs):
        super().__init__()
        self.per_image = PerImageBatchNorm(batch_norm)  # the paper's mode, as in PyTorch
        self.batch_norm = batch_norm  # in eval mode: the running statistics
        self.inputs = inputs

    def forward(self, x):
        # (1, C, H, W) -> (1, C, H, W)
        return torch.where(self.inputs.paper_mode, self.per_image(x), self.batch_norm(x))


class MaskedDropout(nn.Module):
    """Dropout whose mask is an input of the graph (paper mode) or that passes x on (eval)."""

    def __init__(self, dropout, inputs):
        super().__init__()
        self.keep = 1 - dropout.p
        self.inputs = inputs

    def forward(self, x):
        mask = self.inputs.masks.pop(0)  # (1, C, H, W): this layer's, since layers run in order
        # scaled by 1/keep as nn.Dropout does, so the expected activation is unchanged
        return torch.where(self.inputs.paper_mode, x * mask / self.keep, x)


class ExportableGenerator(nn.Module):
    """A copy of a generator whose test-time mode and dropout masks are inputs of ``forward``."""

    def __init__(self, generator):
        super().__init__()
        self.generator = copy.deepcopy(generator).cpu().float().eval()
        self.inputs = ModeInputs()
        for name, module in list(self.generator.named_modules()):
            if isinstance(module, nn.BatchNorm2d):
                replace_module(self.generator, name, SwitchableBatchNorm(module, self.inputs))
            elif isinstance(module, nn.Dropout):
                replace_module(self.generator, name, MaskedDropout(module, self.inputs))

    def forward(self, input_image, paper_mode, *dropout_masks):
        """(1, 3, S, S) in [-1, 1], () bool, one (1, C, H, W) mask per layer -> (1, 3, S, S)."""
        self.inputs.paper_mode = paper_mode
        self.inputs.masks = list(dropout_masks)
        fake_image = self.generator(input_image)
        if self.inputs.masks:
            raise ValueError(f"{len(self.inputs.masks)} dropout masks were not used")
        return fake_image


def dropout_mask_shapes(generator, image_size):
    """The shape of every dropout layer's mask, in the order the layers run (measured).

    Args:
        generator: a generator; run once on zeros, in eval mode, on the CPU.
        image_size: side of its input.

    Returns:
        list of (1, C, H, W) tuples: three for ``unet_256`` ((1, 512, 4, 4) to (1, 512, 16, 16)).
    """
    shapes = []
    model = copy.deepcopy(generator).cpu().float().eval()
    hooks = [module.register_forward_hook(lambda _, args, __: shapes.append(tuple(args[0].shape)))
             for module in model.modules() if isinstance(module, nn.Dropout)]
    with torch.no_grad():
        model(torch.zeros(1, 3, image_size, image_size))
    for hook in hooks:
        hook.remove()
    return shapes


def draw_dropout_masks(shapes, seed, keep=0.5):
    """The masks :class:`~pix2pix.inference.SeededDropout` draws for one image with ``seed``.

    The same generator, the same draws, in the same order: feeding these to the exported graph
    reproduces ``translate(generator, image, mode="paper", seed=seed)``.

    Returns:
        list of (1, C, H, W) float32 tensors of 0s and 1s, one per shape.
    """
    generator = torch.Generator().manual_seed(int(seed))
    return [dropout_mask(shape[1:], keep, generator)[None] for shape in shapes]


# -----------------------------------------------------------------------------
# 2. Export


def check_exporter():
    """Raise :class:`ExportError` with the fix when this PyTorch cannot export."""
    version = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    if version < EXPORTER_TORCH:
        needed = ".".join(map(str, EXPORTER_TORCH))
        raise ExportError(f"Exporting needs torch >= {needed} (its torch.export-based exporter); "
                          f"this is torch {torch.__version__}. Upgrade with `pip install "
                          f"--upgrade 'torch>={needed}' torchvision`. Exported files run on any "
                          "version.")
    if importlib.util.find_spec("onnxscript") is None:
        raise ExportError("The exporter needs onnxscript: pip install -r requirements.txt")


def export_graph(generator, info):
    """Trace the generator with its mode inputs into an ONNX model (float32, batch of one).

    Args:
        generator: a :class:`~pix2pix.models.UNetGenerator`; it is copied, never changed.
        info: its :class:`~pix2pix.weights.model_files.ModelInfo`.

    Returns:
        ``(model, mask_shapes)``: an ``onnx.ModelProto`` and the dropout masks' shapes.
    """
    check_exporter()
    shapes = dropout_mask_shapes(generator, info.image_size)
    example = (torch.zeros(1, 3, info.image_size, info.image_size), torch.tensor(True),
               *[torch.ones(shape) for shape in shapes])
    names = input_names(len(shapes))
    program = torch.onnx.export(ExportableGenerator(generator).eval(), example, dynamo=True,
                                input_names=names, output_names=[OUTPUT_NAME],
                                external_data=False, verbose=False)
    return program.model_proto, shapes


def store_weights_in_half(model):
    """Store the convolution weights in float16 and compute in float32: half the file.

    Each 4-D weight becomes a float16 initializer followed by a ``Cast`` back to float32, so the
    graph's arithmetic, its inputs and its output stay float32 and every runtime runs it (many
    have no float16 convolution on the CPU). The weights are > 99.9% of the bytes.
    """
    graph = model.graph
    casts = []
    for initializer in graph.initializer:
        if initializer.data_type != onnx.TensorProto.FLOAT or len(initializer.dims) != 4:
            continue
        name = initializer.name
        half = numpy_helper.to_array(initializer).astype(np.float16)
        initializer.CopyFrom(numpy_helper.from_array(half, f"{name}_float16"))
        casts.append(onnx.helper.make_node("Cast", [f"{name}_float16"], [name],
                                           to=onnx.TensorProto.FLOAT))
    nodes = casts + list(graph.node)  # the casts first, before every node that reads them
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def set_metadata(model, info, facts):
    """Write the page's and translate.py's facts into the file as one JSON metadata entry."""
    entry = {"kind": info.kind, "image_size": info.image_size, "source": Path(info.source).name,
             "classes": [{"name": name, "rgb": list(rgb)} for name, rgb in info.classes],
             **facts}
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, {METADATA_KEY: json.dumps(entry)})
    return model


def export_verified(generator, info, half=False):
    """Export, check against PyTorch in both modes, and return the file's bytes.

    Args:
        generator: a :class:`~pix2pix.models.UNetGenerator` on the CPU.
        info: its :class:`~pix2pix.weights.model_files.ModelInfo`.
        half: store the weights in float16 (:func:`store_weights_in_half`).

    Returns:
        ``(data, differences)``: the ``.onnx`` file as bytes and the largest |ONNX - PyTorch|
        per mode, e.g. ``{"paper": 4e-06, "eval": 7e-08}``.

    Raises:
        ExportError: this PyTorch cannot export, or the file does not match PyTorch.
    """
    model, shapes = export_graph(generator, info)
    if half:
        store_weights_in_half(model)
    dropouts = [module for module in generator.modules() if isinstance(module, nn.Dropout)]
    facts = {"dropout_mask_shapes": [list(shape) for shape in shapes],
             "dropout_keep": 1 - dropouts[0].p if dropouts else 1.0,
             "weights": "float16" if half else "float32"}
    set_metadata(model, info, facts)
    tolerance = HALF_TOLERANCE if half else FP32_TOLERANCE
    differences = verify(model.SerializeToString(), generator, info, tolerance)
    # the graph is the one just verified; only the record of the check is added
    set_metadata(model, info, {**facts, "max_abs_difference": differences})
    return model.SerializeToString(), differences


# -----------------------------------------------------------------------------
# 3. Verification on real inputs


def sample_inputs(info, count=2):
    """Real inputs of the model's kind: sample facade labels, or synthetic shape sketches.

    Returns:
        (count, 3, S, S) float tensor in [-1, 1].
    """
    if info.kind == "facades":
        paths = sorted(SAMPLE_FACADES_DIR.glob("*.png"))[:count]
        return to_batch([read_label(path, info.image_size)[0] for path in paths])
    rng = np.random.default_rng(0)
    return to_batch([draw_pair(rng, info.image_size)[0] for _ in range(count)])


def verify(data, generator, info, tolerance):
    """Run the exported file and the PyTorch generator on the same inputs, seeds and masks.

    Args:
        data: the ``.onnx`` file as bytes.
        generator: the generator it was exported from.
        info: its :class:`~pix2pix.weights.model_files.ModelInfo`.
        tolerance: the largest |ONNX - PyTorch| accepted, outputs being in [-1, 1].

    Returns:
        dict mode -> largest absolute difference over all pixels of all inputs.

    Raises:
        ExportError: a difference is above ``tolerance``.
    """
    exported = OnnxGenerator(data, info.source)
    input_images = sample_inputs(info)
    differences = {}
    for mode in INFERENCE_MODES:
        expected = translate(generator, input_images, mode=mode, seed=0).cpu()
        differences[mode] = float((exported(input_images, mode, seed=0) - expected).abs().max())
    worst = max(differences, key=differences.get)
    if differences[worst] > tolerance:
        raise ExportError(f"The exported graph does not match PyTorch: in {worst} mode an output "
                          f"differs by {differences[worst]:.2g} (at most {tolerance:.0e} is "
                          "allowed), so nothing was written. Upgrade the exporter and runtime "
                          "(pip install --upgrade onnx onnxscript onnxruntime) and export again.")
    return differences


# -----------------------------------------------------------------------------
# 4. Running an exported file


class OnnxGenerator:
    """An exported generator run by onnxruntime, with translate()'s modes and seeds.

    Args:
        model: path of an ``.onnx`` file written by :func:`export_verified`, or its bytes.
        source: the name to use in messages when ``model`` is bytes.

    Raises:
        ModelFileError: the file is missing, not ONNX, or not written by ``export_onnx.py``.
    """

    def __init__(self, model, source=None):
        source = source or str(model)
        if not isinstance(model, bytes) and not Path(model).is_file():
            raise ModelFileError(f"No file at {source}. Export one with "
                                 f"`python export_onnx.py --out {source}`.")
        try:
            self.session = onnxruntime.InferenceSession(
                model if isinstance(model, bytes) else str(model),
                providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own types for unreadable files
            reason = str(error).strip().splitlines()[0][:200]
            raise ModelFileError(f"{source} is not an ONNX file that onnxruntime can open "
                                 f"({reason}). Export it again with export_onnx.py.") from None
        metadata = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in metadata:
            raise ModelFileError(f"{source} was not written by export_onnx.py: it has no pix2pix "
                                 "metadata, so its inputs and size are unknown. Export the "
                                 "generator with `python export_onnx.py --model M --out "
                                 "FILE.onnx`.")
        self.facts = json.loads(metadata[METADATA_KEY])
        if self.facts.get("kind") not in KINDS:
            raise ModelFileError(f"{source} has pix2pix metadata of an unknown kind "
                                 f"({self.facts.get('kind')!r}). Export it again.")
        self.info = ModelInfo(self.facts["kind"], self.facts["image_size"], source)
        self.mask_shapes = [tuple(shape) for shape in self.facts["dropout_mask_shapes"]]

    def __call__(self, input_images, mode="paper", seed=0):
        """Translate images one at a time, as ``translate(generator, ...)`` would.

        Args:
            input_images: (N, 3, S, S) float tensor in [-1, 1].
            mode: "paper" or "eval".
            seed: in paper mode image i gets the masks of seed ``seed + i``.

        Returns:
            (N, 3, S, S) float tensor in [-1, 1].
        """
        if mode not in INFERENCE_MODES:
            raise ValueError(f"mode must be one of {INFERENCE_MODES}, got {mode!r}")
        outputs = []
        for index, image in enumerate(input_images):
            masks = draw_dropout_masks(self.mask_shapes, seed + index, self.facts["dropout_keep"])
            values = [image[None].float().numpy(), np.array(mode == "paper"),
                      *(mask.numpy() for mask in masks)]
            feeds = dict(zip(input_names(len(masks)), values))
            outputs.append(torch.from_numpy(self.session.run([OUTPUT_NAME], feeds)[0]))
        return torch.cat(outputs)
