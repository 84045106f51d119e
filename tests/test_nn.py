"""Tests of hadalib.nn: transform layers against SciPy/NumPy, the ResNets, placements, weights."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.fft
import scipy.linalg
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hadalib.nn import PLACEMENTS, VARIANTS, ResNet, Transform, resnet18, resnet50


def _x(shape, seed=0, dtype=torch.float64):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal(shape)).to(dtype)


def _wht_matrix(n: int, keep: int) -> np.ndarray:
    """Orthonormal Hadamard matrix of the padded length, restricted to pad-and-crop."""
    return scipy.linalg.hadamard(n)[:keep, :keep] / np.sqrt(n)


# -- Transform against independent references --------------------------------------------


def test_wht_channel_is_hadamard_matrix_over_channels():
    x = _x((2, 8, 3, 5))
    y = Transform("wht")(x).numpy()
    expected = np.einsum("kc,nchw->nkhw", _wht_matrix(8, 8), x.numpy())
    np.testing.assert_allclose(y, expected, atol=1e-12)


def test_wht_spatial_pads_to_power_of_two_and_crops_back():
    x = _x((2, 3, 6, 4))
    y = Transform("wht", axes="spatial")(x).numpy()
    rows, cols = _wht_matrix(8, 6), _wht_matrix(4, 4)
    expected = np.einsum("ih,nchw,jw->ncij", rows, x.numpy(), cols)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, expected, atol=1e-12)


def test_wht_channel_with_three_channels_pads_to_four():
    x = _x((1, 3, 2, 2))
    y = Transform("wht")(x).numpy()
    expected = np.einsum("kc,nchw->nkhw", _wht_matrix(4, 3), x.numpy())
    np.testing.assert_allclose(y, expected, atol=1e-12)


@pytest.mark.parametrize("axes, scipy_axes", [("channel", 1), ("spatial", (2, 3))])
def test_dct_matches_scipy(axes, scipy_axes):
    x = _x((2, 6, 5, 7))
    y = Transform("dct", axes=axes)(x).numpy()
    expected = scipy.fft.dctn(x.numpy(), type=2, norm="ortho", axes=scipy_axes)
    np.testing.assert_allclose(y, expected, atol=1e-12)


@pytest.mark.parametrize("norm", ["ortho", "backward", "forward"])
def test_fft_is_magnitude_of_2d_fft(norm):
    x = _x((2, 3, 6, 8))
    y = Transform("fft", norm=norm)(x).numpy()
    np.testing.assert_allclose(y, np.abs(np.fft.fft2(x.numpy(), norm=norm)), atol=1e-12)


def test_single_channel_transform_is_identity():
    x = _x((2, 1, 4, 4))
    for kind in ("wht", "dct"):
        torch.testing.assert_close(Transform(kind)(x), x, rtol=0, atol=1e-15)


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["wht", "dct", "fft"]), log_c=st.integers(0, 4),
       h=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_orthonormal_layers_keep_energy(kind, log_c, h, seed):
    # WHT over a power-of-two channel axis, DCT over channels, FFT magnitude (Parseval).
    x = _x((2, 2**log_c, h, 3), seed)
    y = Transform(kind)(x)
    torch.testing.assert_close((y**2).sum(), (x**2).sum(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind, axes", [("wht", "channel"), ("wht", "spatial"),
                                        ("dct", "channel"), ("dct", "spatial"),
                                        ("fft", "spatial")])
def test_gradients_match_finite_differences(kind, axes):
    x = (_x((1, 4, 3, 4), 1) + 0.5).requires_grad_()
    assert torch.autograd.gradcheck(Transform(kind, axes=axes), (x,))


@pytest.mark.parametrize("kind", ["wht", "dct", "fft"])
def test_low_precision_in_gives_same_dtype_out(kind):
    x = _x((2, 4, 4, 4), dtype=torch.bfloat16)
    y = Transform(kind)(x)
    assert y.dtype == torch.bfloat16
    expected = Transform(kind)(x.double())
    torch.testing.assert_close(y.double(), expected, rtol=0.05, atol=0.05)


def test_transform_has_no_parameters_and_a_readable_repr():
    layer = Transform("dct", axes="spatial")
    assert list(layer.parameters()) == [] and list(layer.buffers()) == []
    assert repr(layer) == "Transform(kind='dct', axes='spatial', norm='ortho')"
    assert Transform("fft").axes == "spatial" and Transform("wht").axes == "channel"


def test_transform_errors():
    with pytest.raises(ValueError, match=r"^kind='haar' is not one of 'wht', 'dct', 'fft'$"):
        Transform("haar")
    with pytest.raises(ValueError, match=r"^axes='time' is not one of 'channel', 'spatial'$"):
        Transform("wht", axes="time")
    with pytest.raises(ValueError, match=r"^norm='unitary' is not one of 'backward', 'ortho', "):
        Transform("wht", norm="unitary")
    with pytest.raises(ValueError, match=r"kind='fft' acts on the spatial axes \(H, W\) only"):
        Transform("fft", axes="channel")
    with pytest.raises(ValueError, match=r"x must be a 4-D feature map \(N, C, H, W\), "
                                         r"got shape \(4, 4\)"):
        Transform("wht")(torch.zeros(4, 4))


# -- the networks ----------------------------------------------------------------------------


def test_variants_are_the_ten_of_the_study():
    assert list(VARIANTS) == [
        "baseline",
        "wht-input", "wht-early", "wht-early-late",
        "dct-input", "dct-early", "dct-early-late",
        "fft-input", "fft-early", "fft-early-late",
    ]
    assert dict(VARIANTS["dct-early-late"]) == {"conv2_block1": "dct", "conv4_block6": "dct"}
    assert dict(VARIANTS["fft-input"]) == {"input": "fft"}
    assert PLACEMENTS == ("input", "conv2_block1", "conv4_block6")


def test_resnet50_has_torchvision_layout_and_names():
    sd = resnet50().state_dict()
    assert len(sd) == 320  # as torchvision.models.resnet50().state_dict()
    assert sd["conv1.weight"].shape == (64, 3, 7, 7)
    assert sd["layer1.0.downsample.0.weight"].shape == (256, 64, 1, 1)
    assert sd["layer2.0.conv2.weight"].shape == (128, 128, 3, 3)  # v1.5: stride in the 3x3
    assert "layer3.5.bn3.running_var" in sd and "layer3.6.conv1.weight" not in sd
    assert sd["fc.weight"].shape == (1000, 2048)
    assert sum(p.numel() for p in resnet50().parameters()) == 25_557_032


def test_resnet18_parameter_count_matches_torchvision():
    assert sum(p.numel() for p in resnet18().parameters()) == 11_689_512


def test_transforms_add_no_state_and_sit_at_their_placements():
    plain = resnet50(100)
    model = resnet50(100, VARIANTS["wht-early-late"])
    assert list(model.state_dict()) == list(plain.state_dict())
    seen, after = {}, {}

    def record(store, name):
        def hook(module, inputs, output):
            store[name] = (inputs[0] if store is seen else output).shape

        return hook

    for name, layer in model.transforms.items():
        layer.register_forward_hook(record(seen, name))
    model.layer1[0].register_forward_hook(record(after, "l1"))
    model.layer3[5].register_forward_hook(record(after, "l3"))
    model.eval()(torch.zeros(1, 3, 64, 64))
    assert seen == {"conv2_block1": after["l1"], "conv4_block6": after["l3"]}
    assert seen["conv2_block1"][1] == 256 and seen["conv4_block6"][1] == 1024


def test_input_placement_transforms_the_image():
    model = resnet18(10, {"input": "fft"}, width=8, stem="cifar").eval()
    x = _x((2, 3, 8, 8), dtype=torch.float32)
    reference = resnet18(10, width=8, stem="cifar").eval()
    reference.load_state_dict(model.state_dict())
    torch.testing.assert_close(model(x), reference(Transform("fft")(x)))


def test_placement_shapes_of_resnet50_at_224():
    assert resnet50().placement_shapes(224) == {
        "input": (3, 224, 224), "conv2_block1": (256, 56, 56), "conv4_block6": (1024, 14, 14)}


def test_small_resnet18_for_digits():
    model = resnet18(10, VARIANTS["dct-early-late"], width=16, stem="cifar", in_channels=1)
    assert isinstance(model, ResNet)
    assert model.placement_shapes(8) == {
        "input": (1, 8, 8), "conv2_block1": (16, 8, 8), "conv4_block6": (64, 2, 2)}
    out = model(torch.zeros(3, 1, 8, 8))
    assert out.shape == (3, 10)


def test_spatial_axes_reach_the_layers():
    model = resnet18(10, VARIANTS["wht-early-late"], axes="spatial", width=8)
    assert {m.axes for m in model.transforms.values()} == {"spatial"}
    fft = resnet18(10, VARIANTS["fft-early"], axes="channel", width=8)
    assert fft.transforms["conv2_block1"].axes == "spatial"


def test_network_errors():
    with pytest.raises(ValueError, match=r"unknown placement 'conv3_block2'; accepted: input, "
                                         r"conv2_block1, conv4_block6"):
        resnet18(transforms={"conv3_block2": "wht"})
    with pytest.raises(ValueError, match=r"transform at 'input' must be 'wht', 'dct', 'fft' or "
                                         r"a torch.nn.Module, got 'haar'"):
        resnet18(transforms={"input": "haar"})
    with pytest.raises(ValueError, match=r"^stem='tiny' is not one of 'imagenet', 'cifar'$"):
        resnet18(stem="tiny")
    with pytest.raises(ValueError, match=r"width must be a positive int, got 0"):
        resnet18(width=0)
    with pytest.raises(TypeError, match=r"^num_classes must be an integer, got 10.0 \(float\)$"):
        resnet18(num_classes=10.0)
    with pytest.raises(TypeError, match=r"^width must be an integer, got True \(bool\)$"):
        resnet18(width=True)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.0"):
        resnet50(dropout=1.0)
    with pytest.raises(TypeError, match=r"^dropout must be a real number, got '0.5' \(str\)$"):
        resnet50(dropout="0.5")


def test_numpy_integers_are_integers_and_norm_none_is_backward():
    model = resnet18(num_classes=np.int64(10), width=np.int32(8), in_channels=np.int64(1))
    assert model.fc.out_features == 10 and type(model.fc.out_features) is int
    x = torch.randn(1, 4, 2, 2)
    torch.testing.assert_close(Transform("wht", norm=None)(x), Transform("wht", norm="backward")(x))
    assert Transform("dct", norm=None).norm == "backward"


# -- weights ---------------------------------------------------------------------------------


def test_weights_from_a_saved_state_dict_keep_the_backbone_and_renew_fc(tmp_path):
    source = resnet18(width=8)
    path = tmp_path / "imagenet.pt"
    torch.save(source.state_dict(), path)
    model = resnet18(10, VARIANTS["wht-early"], width=8, weights=path)
    for key, value in model.state_dict().items():
        if key.startswith("fc."):
            assert value.shape[0] == 10
        else:
            assert torch.equal(value, source.state_dict()[key]), key
    same = resnet18(width=8, weights=source.state_dict())
    assert torch.equal(same.fc.weight, source.fc.weight)


def test_weights_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"weights='missing.pt' is not a file; pass None, "
                                         r"'torchvision', the path of a saved state_dict"):
        resnet18(weights="missing.pt")
    path = tmp_path / "wide.pt"
    torch.save(resnet18(width=16).state_dict(), path)
    with pytest.raises(ValueError, match=r"the weights from .*wide.pt do not fit this resnet18"):
        resnet18(width=8, weights=path)
    with pytest.raises(TypeError, match=r"weights must be None, 'torchvision', a path or a "
                                        r"state_dict, got int"):
        resnet18(weights=3)
    monkeypatch.setitem(sys.modules, "torchvision", None)
    monkeypatch.setitem(sys.modules, "torchvision.models", None)
    with pytest.raises(RuntimeError, match=r"weights='torchvision' needs torchvision, which "
                                           r"could not be imported"):
        resnet50(weights="torchvision")


@pytest.mark.parametrize("kind, axes", [("wht", "channel"), ("wht", "spatial"),
                                        ("dct", "channel"), ("fft", "spatial")])
def test_output_keeps_the_memory_layout_of_the_input(kind, axes):
    # channels-last in, channels-last out (convolutions choose their kernels by layout)
    x = _x((2, 3, 6, 8), dtype=torch.float32).contiguous(memory_format=torch.channels_last)
    y = Transform(kind, axes=axes)(x)
    assert y.stride() == x.stride()
    torch.testing.assert_close(y, Transform(kind, axes=axes)(x.contiguous()))


def test_identity_layer_keeps_the_network_bit_for_bit():
    # A one-channel batch gathered from a dataset can have channels-last strides; a WHT
    # over its single channel must leave the next convolution's result unchanged.
    x = _x((16, 8, 8, 1), dtype=torch.float32).permute(0, 3, 1, 2)
    conv = torch.nn.Conv2d(1, 4, 3, padding=1)
    assert torch.equal(conv(Transform("wht")(x)), conv(x))
