"""Test-time modes: the paper's mode is per-image, seeded, batch-independent and read-only."""

import copy

import pytest
import torch
import torch.nn as nn

from pix2pix.inference import paper_mode, translate
from pix2pix.models import GeneratorConfig, UNetGenerator, init_weights

SMALL = dict(ngf=4, num_downs=6)  # 64x64 inputs, the same layers as unet_256 at a tenth the size


def small_generator(dropout=True):
    generator = init_weights(UNetGenerator(GeneratorConfig(dropout=dropout, **SMALL)))
    for module in generator.modules():  # loaded running statistics, unlike a fresh network
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return generator


def images(n):
    return torch.rand(n, 3, 64, 64) * 2 - 1


def test_paper_mode_equals_train_mode_one_image_at_a_time():
    generator = small_generator(dropout=False)  # no dropout: the two runs are comparable
    x = images(3)
    reference = copy.deepcopy(generator).train()
    with torch.no_grad():
        expected = torch.cat([reference(x[i:i + 1]) for i in range(3)])
    assert torch.allclose(translate(generator, x, mode="paper"), expected, atol=1e-5)


def test_an_image_does_not_depend_on_the_rest_of_its_batch():
    generator = small_generator()
    x = images(4)
    together = translate(generator, x, seed=10)
    alone = translate(generator, x[2:3], seed=12)  # image 2 of the batch ran with seed 10 + 2
    assert torch.allclose(together[2:3], alone, atol=1e-5)
    other_company = translate(generator, torch.cat([images(1), x[2:3]]), seed=11)
    assert torch.allclose(other_company[1:2], alone, atol=1e-5)


def test_batch_size_changes_nothing():
    generator = small_generator()
    x = images(5)
    assert torch.allclose(translate(generator, x, batch_size=2),
                          translate(generator, x, batch_size=5), atol=1e-5)


def test_paper_mode_is_reproducible_and_dropout_makes_seeds_differ():
    generator = small_generator()
    x = images(1)
    assert torch.equal(translate(generator, x, seed=3), translate(generator, x, seed=3))
    assert not torch.allclose(translate(generator, x, seed=3), translate(generator, x, seed=4))


def test_the_global_random_state_does_not_change_the_output():
    generator = small_generator()
    x = images(2)
    torch.manual_seed(1)
    first = translate(generator, x)
    torch.manual_seed(2)
    assert torch.equal(first, translate(generator, x))


def test_running_changes_no_weight_no_statistic_and_no_layer():
    generator = small_generator()
    before = {key: value.clone() for key, value in generator.state_dict().items()}
    layers = [type(module) for module in generator.modules()]
    generator.eval()
    translate(generator, images(3), mode="paper")
    translate(generator, images(3), mode="eval")
    after = generator.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[key], after[key]) for key in before)
    assert [type(module) for module in generator.modules()] == layers
    assert not generator.training  # the caller's mode is restored


def test_layers_are_restored_after_an_error():
    generator = small_generator()
    with pytest.raises(RuntimeError):
        with paper_mode(generator, seeds=[0]):
            raise RuntimeError("inside")
    assert isinstance(generator.decoder[1].norm, nn.BatchNorm2d)
    assert isinstance(generator.decoder[1].dropout, nn.Dropout)


def test_eval_mode_is_model_eval():
    generator = small_generator()
    x = images(2)
    reference = copy.deepcopy(generator).eval()
    with torch.no_grad():
        expected = reference(x)
    assert torch.allclose(translate(generator, x, mode="eval"), expected, atol=1e-6)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be"):
        translate(small_generator(), images(1), mode="train")
