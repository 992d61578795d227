"""The official checkpoint: its nested key names load strictly, safely, in all three forms."""

import pytest
import torch

from pix2pix import CheckpointError, UNetGenerator, create_facades_generator, init_weights
from pix2pix.official import (from_official_state_dict, official_module_names,
                              to_official_state_dict)
from tests.official_reference import NestedUNet


@pytest.fixture(scope="module")
def official_network():
    """A nested, official-structure U-Net with random weights and running statistics."""
    torch.manual_seed(1)
    network = init_weights(NestedUNet())
    for name, buffer in network.named_buffers():
        if name.endswith("running_mean"):
            buffer.normal_(0, 0.1)
        elif name.endswith("running_var"):
            buffer.uniform_(0.5, 2.0)
    return network


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


def test_create_facades_generator_loads_an_official_file(official_network, tmp_path):
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


def test_an_html_error_page_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "facades_label2photo.pth"
    path.write_text("<html><body>503 Service Unavailable</body></html>")
    with pytest.raises(CheckpointError, match="download_pretrained.py"):
        create_facades_generator(path)


def test_a_missing_file_names_the_download_command(tmp_path):
    with pytest.raises(CheckpointError, match="python download_pretrained.py"):
        create_facades_generator(tmp_path / "nothing_here.pth")
