"""The diagrams draw what they are given, measured from the modules: nothing typed in by hand.

docs/make_figures.py, which measures and draws them, is tested in tests/test_make_figures.py.
"""

import numpy as np
import torch

from pix2pix.figures.diagrams import draw_conditioning, draw_first_filters
from pix2pix.models import GeneratorConfig, UNetGenerator


def texts(figure):
    return [text.get_text() for axis in figure.axes for text in axis.texts]


def test_the_conditioning_diagram_shows_x_only_to_the_conditional_discriminator(drawn):
    pair = [np.zeros((32, 32, 3), dtype=np.uint8), np.full((32, 32, 3), 255, dtype=np.uint8)]
    seen = {True: (6, 256, (30, 30)), False: (3, 256, (30, 30))}
    draw_conditioning(pair, seen, "conditioning.png")
    written = texts(drawn[0])
    assert written.count("x (input)") == 1 and written.count("y (real, or G(x))") == 2
    assert "x and y stacked:\n6 × 256 × 256" in written
    assert "y alone:\n3 × 256 × 256" in written
    grids = [image for image in drawn[0].axes[0].images if image.get_array().shape == (30, 30)]
    assert len(grids) == 2  # one square per logit, in each row


def test_the_filter_figure_has_one_tile_per_first_layer_filter(drawn):
    generator = UNetGenerator(GeneratorConfig(ngf=8, num_downs=5))
    with torch.no_grad():
        generator.encoder[0].conv.weight.normal_()
    draw_first_filters(generator, "filters.png", columns=4)
    tiles = [axis for axis in drawn[0].axes if axis.images]
    assert len(tiles) == 8  # ngf filters, each 4x4 in colour
    assert tiles[0].images[0].get_array().shape == (4, 4, 3)
