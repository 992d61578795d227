"""The official checkpoint: its nested key names load strictly, safely, in all three forms; a
file that is not one is named for what it is, and untrained weights are reported."""

import warnings

import pytest
import torch

from pix2pix import CheckpointError, UNetGenerator, create_facades_generator, init_weights
from pix2pix.models import GeneratorConfig
from pix2pix.weights.official import (UntrainedWeightsWarning, from_official_state_dict,
                              official_module_names, to_official_state_dict, untrained_signs)
from tests.official_reference import NestedUNet
from tests.trained_weights import as_if_trained


@pytest.fixture(scope="module")
def official_network():
    """A nested, official-structure U-Net with random weights that look trained."""
    torch.manual_seed(1)
    return as_if_trained(init_weights(NestedUNet()), seed=1)


def test_our_key_names_map_onto_the_official_module_tree(official_network):
    ours = to_official_state_dict(UNetGenerator().state_dict())
    assert ours.keys() == official_network.state_dict().keys()
    assert "model.model.1.model.3.model.1.weight" in ours
    assert official_module_names()["encoder.2.conv"] == "model.model.1.model.3.model.1"


def test_official_weights_load_strictly_and_give_the_same_outputs(official_network):
    generator = UNetGenerator()
    generator.load_state_dict(from_official_state_dict(official_network.state_dict()),
                              strict=True)
    input_image = torch.randn(2, 3, 256, 256)
    with torch.no_grad():
        official_network.eval(), generator.eval()
        assert torch.allclose(generator(input_image), official_network(input_image), atol=1e-5)
        # the paper's test mode: batch statistics and dropout; same seed, same dropout masks
        official_network.train(), generator.train()
        torch.manual_seed(7)
        expected = official_network(input_image)
        torch.manual_seed(7)
        assert torch.allclose(generator(input_image), expected, atol=1e-5)


def save(state_dict, tmp_path):
    path = tmp_path / "facades_label2photo.pth"
    torch.save(state_dict, path)
    return path


def test_an_official_file_that_looks_trained_loads_without_a_warning(official_network,
                                                                      tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an UntrainedWeightsWarning would fail the test
        generator = create_facades_generator(save(official_network.state_dict(), tmp_path))
    expected = official_network.state_dict()["model.model.1.model.1.weight"]
    assert torch.equal(generator.encoder[1].conv.weight, expected)


def test_a_2017_file_without_num_batches_tracked_loads(official_network, tmp_path):
    old_format = {key: value for key, value in official_network.state_dict().items()
                  if not key.endswith("num_batches_tracked")}
    generator = create_facades_generator(save(old_format, tmp_path))
    assert generator.encoder[1].norm.num_batches_tracked == 0


def test_a_dataparallel_module_prefixed_file_loads(official_network, tmp_path):
    prefixed = {f"module.{key}": value for key, value in official_network.state_dict().items()}
    generator = create_facades_generator(save(prefixed, tmp_path))
    assert torch.equal(generator.output.conv.bias,
                       official_network.state_dict()["model.model.3.bias"])


def test_a_missing_key_is_refused_by_its_official_name(official_network, tmp_path):
    state_dict = dict(official_network.state_dict())
    del state_dict["model.model.1.model.2.running_var"]
    with pytest.raises(CheckpointError) as error:
        create_facades_generator(save(state_dict, tmp_path))
    assert "1 missing keys (model.model.1.model.2.running_var)" in str(error.value)
    assert "python download_pretrained.py" in str(error.value)


def test_an_unexpected_key_is_refused(official_network, tmp_path):
    state_dict = dict(official_network.state_dict(), **{"model.extra.weight": torch.ones(1)})
    with pytest.raises(CheckpointError, match="1 unexpected keys"):
        create_facades_generator(save(state_dict, tmp_path))


def test_a_tensor_of_the_wrong_shape_is_refused(official_network, tmp_path):
    state_dict = dict(official_network.state_dict())
    state_dict["model.model.0.weight"] = torch.zeros(32, 3, 4, 4)
    with pytest.raises(CheckpointError, match=r"model.model.0.weight is \(32, 3, 4, 4\)"):
        create_facades_generator(save(state_dict, tmp_path))


def test_a_partly_old_file_is_not_patched_up(official_network, tmp_path):
    state_dict = dict(official_network.state_dict())
    del state_dict["model.model.1.model.2.num_batches_tracked"]  # one counter gone, not all
    with pytest.raises(CheckpointError, match="missing"):
        create_facades_generator(save(state_dict, tmp_path))


class RunsCodeWhenUnpickled:
    """A pickle payload: unpickling it would create a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_pickle_that_would_run_code_is_refused_and_does_not_run(tmp_path):
    marker = tmp_path / "code_ran"
    path = tmp_path / "facades_label2photo.pth"
    torch.save({"model.model.0.weight": RunsCodeWhenUnpickled(marker)}, path)
    with pytest.raises(CheckpointError, match="not a safe PyTorch checkpoint"):
        create_facades_generator(path)
    assert not marker.exists()


def test_an_html_error_page_is_called_one_and_refused_with_the_fix(tmp_path):
    path = tmp_path / "facades_label2photo.pth"
    path.write_text("\n  <!DOCTYPE html><html><body>503 Service Unavailable</body></html>")
    with pytest.raises(CheckpointError) as error:
        create_facades_generator(path)
    assert f"{path} is an HTML page, not a PyTorch checkpoint" in str(error.value)
    assert "--from-file" in str(error.value)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02 random bytes \xfe\xff" * 64,
                                     b"PK\x03\x04 a zip cut short", b"\x80\x02 a pickle cut short"])
def test_a_file_that_is_not_a_checkpoint_never_repeats_torchs_weights_only_advice(tmp_path,
                                                                                  content):
    # torch.load's own message suggests weights_only=False: never to be done with such a file
    path = tmp_path / "facades_label2photo.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as error:
        create_facades_generator(path)
    message = str(error.value)
    assert message.startswith(f"{path} ") and "PyTorch checkpoint" in message
    assert "weights_only" not in message and "python download_pretrained.py" in message


def test_a_missing_file_names_the_download_command(tmp_path):
    with pytest.raises(CheckpointError, match="python download_pretrained.py"):
        create_facades_generator(tmp_path / "nothing_here.pth")


def test_a_freshly_initialised_file_with_the_official_layers_warns_that_it_is_untrained(
        official_checkpoint):
    with pytest.warns(UntrainedWeightsWarning) as caught:
        create_facades_generator(official_checkpoint)
    message = str(caught[0].message)
    assert message.startswith(f"{official_checkpoint} has the official generator's layers")
    assert "running statistics of all 13 layers are still at their initial values" in message
    assert "16 of 16 convolutions" in message and "grey noise" in message
    assert "--from-file" in message


@pytest.mark.parametrize("trained", ["statistics", "convolutions"])
def test_each_sign_of_untrained_weights_is_seen_on_its_own(trained):
    state_dict = init_weights(UNetGenerator(GeneratorConfig(ngf=8))).state_dict()
    moved = as_if_trained(init_weights(UNetGenerator(GeneratorConfig(ngf=8)))).state_dict()
    for key, value in moved.items():  # trained statistics with initial weights, or the reverse
        if ("running" in key) == (trained == "statistics"):
            state_dict[key] = value
    signs = untrained_signs(state_dict)
    assert len(signs) == 1
    assert ("BatchNorm" in signs[0]) == (trained == "convolutions")
