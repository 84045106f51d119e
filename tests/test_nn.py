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

from hadalib.nn import (
    FILTER_VARIANTS,
    PLACEMENTS,
    VARIANTS,
    ResNet,
    Transform,
    WalshFilter,
    fit_walsh_filter,
    resnet18,
    resnet50,
)
from hadalib.nn.variants import ALL_VARIANTS, PLACEMENT_GROUPS, Variant, Weights


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
@given(
    kind=st.sampled_from(["wht", "dct", "fft"]),
    log_c=st.integers(0, 4),
    h=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_orthonormal_layers_keep_energy(kind, log_c, h, seed):
    # WHT over a power-of-two channel axis, DCT over channels, FFT magnitude (Parseval).
    x = _x((2, 2**log_c, h, 3), seed)
    y = Transform(kind)(x)
    torch.testing.assert_close((y**2).sum(), (x**2).sum(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "kind, axes",
    [
        ("wht", "channel"),
        ("wht", "spatial"),
        ("dct", "channel"),
        ("dct", "spatial"),
        ("fft", "spatial"),
    ],
)
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
    with pytest.raises(
        ValueError,
        match=r"x must be a 4-D feature map \(N, C, H, W\), "
        r"got shape \(4, 4\)",
    ):
        Transform("wht")(torch.zeros(4, 4))
    with pytest.raises(
        TypeError,
        match=r"^x has dtype torch.int64; Transform takes "
        r"floating-point feature maps, and its output has their "
        r"dtype \(pass x.float\(\)\)$",
    ):
        Transform("dct")(torch.ones(1, 4, 1, 1, dtype=torch.int64))


# -- the networks ----------------------------------------------------------------------------


def test_variants_are_the_ten_of_the_study():
    assert list(VARIANTS) == [
        "baseline",
        "wht-input",
        "wht-early",
        "wht-early-late",
        "dct-input",
        "dct-early",
        "dct-early-late",
        "fft-input",
        "fft-early",
        "fft-early-late",
    ]
    assert dict(VARIANTS["dct-early-late"]) == {"conv2_block1": "dct", "conv4_block6": "dct"}
    assert dict(VARIANTS["fft-input"]) == {"input": "fft"}
    assert PLACEMENTS == ("input", "conv2_block1", "conv4_block6")


def test_variants_are_records_whose_fields_say_what_their_names_say():
    for name, variant in ALL_VARIANTS.items():
        assert isinstance(variant, Variant) and variant.name == name
        if variant.kind is None:
            assert (name, variant.group, dict(variant)) == ("baseline", None, {})
            continue
        if variant.pointwise != "conv":  # layers in the blocks, none at placements
            assert (name, variant.group, dict(variant)) == (f"{variant.kind}-bottleneck", None, {})
            continue
        assert name == f"{variant.kind}-{variant.group}"
        assert variant.placements == PLACEMENT_GROUPS[variant.group]
        assert dict(variant) == dict.fromkeys(variant.placements, variant.kind)
    assert [v for v in ALL_VARIANTS if ALL_VARIANTS[v].has_axes] == [
        v for v in ALL_VARIANTS if v.startswith(("wht", "dct", "walsh")) and ALL_VARIANTS[v]
    ]
    assert VARIANTS["wht-early"] == {"conv2_block1": "wht"}  # a mapping, as transforms=
    with pytest.raises(KeyError):
        VARIANTS["wht-early"]["input"]


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
        "input": (3, 224, 224),
        "conv2_block1": (256, 56, 56),
        "conv4_block6": (1024, 14, 14),
    }


def test_small_resnet18_for_digits():
    model = resnet18(10, VARIANTS["dct-early-late"], width=16, stem="cifar", in_channels=1)
    assert isinstance(model, ResNet)
    assert model.placement_shapes(8) == {
        "input": (1, 8, 8),
        "conv2_block1": (16, 8, 8),
        "conv4_block6": (64, 2, 2),
    }
    out = model(torch.zeros(3, 1, 8, 8))
    assert out.shape == (3, 10)


def test_spatial_axes_reach_the_layers():
    model = resnet18(10, VARIANTS["wht-early-late"], axes="spatial", width=8)
    assert {m.axes for m in model.transforms.values()} == {"spatial"}
    fft = resnet18(10, VARIANTS["fft-early"], axes="channel", width=8)
    assert fft.transforms["conv2_block1"].axes == "spatial"


def test_network_errors():
    with pytest.raises(
        ValueError,
        match=r"unknown placement 'conv3_block2'; accepted: input, "
        r"conv2_block1, conv4_block6",
    ):
        resnet18(transforms={"conv3_block2": "wht"})
    with pytest.raises(
        ValueError,
        match=r"transform at 'input' must be 'wht', 'dct', 'fft', "
        r"'walsh' or a torch.nn.Module, got 'haar'",
    ):
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


def test_weights_verify_names_the_accepted_values(tmp_path):
    path = tmp_path / "w.pt"
    path.write_bytes(b"")
    assert Weights.verify("torchvision") is Weights.TORCHVISION
    assert Weights.verify(Weights.TORCHVISION) is Weights.TORCHVISION
    assert Weights.verify(None) is None and Weights.verify("none") is None
    assert Weights.verify(str(path)) == path
    state = {"fc.bias": torch.zeros(1)}
    assert Weights.verify(state) is state
    with pytest.raises(
        ValueError,
        match=r"^weights='imagenet' is not a file; pass None, "
        r"'torchvision', the path of a saved state_dict",
    ):
        Weights.verify("imagenet")


def test_bad_weights_fail_before_the_network_is_built(monkeypatch):
    built = []
    monkeypatch.setattr(ResNet, "__init__", lambda *args, **kw: built.append(args))
    with pytest.raises(
        ValueError,
        match=r"weights='imagenet' is not a file; pass None, "
        r"'torchvision'",
    ):
        resnet50(weights="imagenet")
    assert built == []


def test_weights_errors(tmp_path, monkeypatch):
    with pytest.raises(
        ValueError,
        match=r"weights='missing.pt' is not a file; pass None, "
        r"'torchvision', the path of a saved state_dict",
    ):
        resnet18(weights="missing.pt")
    path = tmp_path / "wide.pt"
    torch.save(resnet18(width=16).state_dict(), path)
    with pytest.raises(ValueError, match=r"the weights from .*wide.pt do not fit this resnet18"):
        resnet18(width=8, weights=path)
    with pytest.raises(
        TypeError,
        match=r"weights must be None, 'torchvision', a path or a "
        r"state_dict, got int",
    ):
        resnet18(weights=3)
    monkeypatch.setitem(sys.modules, "torchvision", None)
    monkeypatch.setitem(sys.modules, "torchvision.models", None)
    with pytest.raises(
        RuntimeError,
        match=r"weights='torchvision' needs torchvision, which "
        r"could not be imported",
    ):
        resnet50(weights="torchvision")


@pytest.mark.parametrize(
    "kind, axes", [("wht", "channel"), ("wht", "spatial"), ("dct", "channel"), ("fft", "spatial")]
)
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


# -- WalshFilter: a learned filter in the Walsh domain ---------------------------------------


def _xor_convolution(k: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    """sum_j k[j] x[i XOR j] along ``axis``, by its O(n**2) definition."""
    n = len(k)
    x = np.moveaxis(x, axis, -1)
    y = np.zeros_like(x)
    for i in range(n):
        for j in range(n):
            y[..., i] += k[j] * x[..., i ^ j]
    return np.moveaxis(y, -1, axis)


def _set_weight(layer, weight):
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight))
    return layer


@pytest.mark.parametrize(
    "axes, size, shape",
    [
        ("channel", 8, (2, 8, 3, 5)),
        ("channel", 5, (2, 5, 3, 3)),
        ("spatial", (6, 4), (2, 3, 6, 4)),
        ("spatial", 3, (1, 2, 3, 3)),
    ],
)
def test_walsh_filter_starts_as_the_identity(axes, size, shape):
    x = _x(shape)
    layer = WalshFilter(size, axes=axes).double()
    assert torch.all(layer.weight == 1)
    assert (layer(x) - x).abs().max() < 1e-14


def test_walsh_filter_is_a_xor_convolution_with_kernel_ifwht_of_the_weights():
    rng = np.random.default_rng(3)
    w = rng.standard_normal(16)
    k = scipy.linalg.hadamard(16) @ w / 16  # ifwht(w)
    x = _x((2, 16, 3, 2))
    y = _set_weight(WalshFilter(16).double(), w)(x).detach().numpy()
    np.testing.assert_allclose(y, _xor_convolution(k, x.numpy(), axis=1), atol=1e-12)


def test_spatial_walsh_filter_is_a_2d_xor_convolution():
    rng = np.random.default_rng(4)
    w = rng.standard_normal((8, 4))
    k = scipy.linalg.hadamard(8) @ w @ scipy.linalg.hadamard(4) / 32  # ifwht2(w)
    x = _x((2, 3, 8, 4)).numpy()
    expected = np.zeros_like(x)
    for p in range(8):
        for q in range(4):
            rows, cols = np.arange(8) ^ p, np.arange(4) ^ q
            expected += k[p, q] * x[:, :, rows][:, :, :, cols]
    y = _set_weight(WalshFilter((8, 4), axes="spatial").double(), w)(torch.from_numpy(x))
    np.testing.assert_allclose(y.detach().numpy(), expected, atol=1e-12)


def test_walsh_filter_pads_to_a_power_of_two_and_crops_back():
    # 6 channels: the filter acts on the zero-padded length 8 and keeps the first 6
    rng = np.random.default_rng(5)
    w = rng.standard_normal(8)
    layer = _set_weight(WalshFilter(6).double(), w)
    assert layer.weight.shape == (8,)
    x = _x((2, 6, 2, 3))
    padded = np.concatenate([x.numpy(), np.zeros((2, 2, 2, 3))], axis=1)
    expected = _xor_convolution(scipy.linalg.hadamard(8) @ w / 8, padded, axis=1)[:, :6]
    y = layer(x)
    assert y.shape == x.shape
    np.testing.assert_allclose(y.detach().numpy(), expected, atol=1e-12)
    assert WalshFilter((6, 3), axes="spatial").weight.shape == (8, 4)


@pytest.mark.parametrize(
    "axes, size, shape", [("channel", 6, (2, 6, 2, 2)), ("spatial", (4, 3), (1, 2, 4, 3))]
)
def test_walsh_filter_gradients_match_finite_differences(axes, size, shape):
    layer = WalshFilter(size, axes=axes, threshold=0.1).double()
    with torch.no_grad():
        layer.weight.copy_(torch.randn(layer.weight.shape, dtype=torch.float64))
    x = _x(shape).requires_grad_()

    def f(x, weight, threshold):
        return torch.func.functional_call(layer, {"weight": weight, "threshold": threshold}, x)

    params = (
        layer.weight.detach().clone().requires_grad_(),
        layer.threshold.detach().clone().requires_grad_(),
    )
    assert torch.autograd.gradcheck(f, (x, *params))


def test_walsh_filter_soft_threshold():
    layer = WalshFilter(4, threshold=0.5).double()
    x = torch.tensor([3.0, 1.0, 0.0, 0.0], dtype=torch.float64).reshape(1, 4, 1, 1)
    # orthonormal WHT of x: [2, 2, 1, 1]; S_0.5 gives [1.5, 1.5, 0.5, 0.5]; back: [2, 1, 0, 0]
    np.testing.assert_allclose(
        layer(x).detach().flatten().numpy(), [2.0, 1.0, 0.0, 0.0], atol=1e-12
    )
    assert sorted(layer.state_dict()) == ["threshold", "weight"]
    assert torch.equal(WalshFilter(4, threshold=0.0).double()(x), WalshFilter(4).double()(x))


def test_walsh_filter_parameters_state_dict_and_repr():
    layer = WalshFilter(16)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight"] and list(layer.buffers()) == []
    assert sum(p.numel() for p in layer.parameters()) == 16
    assert repr(layer) == "WalshFilter(size=16, axes='channel')"
    assert repr(WalshFilter(5, axes="spatial", threshold=0.1)) == (
        "WalshFilter(size=(5, 5), axes='spatial', soft threshold)"
    )
    copy = WalshFilter(16)
    copy.load_state_dict(_set_weight(layer, torch.arange(16.0)).state_dict())
    assert torch.equal(copy.weight, torch.arange(16.0))


def test_walsh_filter_keeps_dtype_and_memory_layout():
    layer = WalshFilter(4)
    x = torch.randn(2, 4, 3, 5).to(torch.bfloat16)
    assert layer(x).dtype == torch.bfloat16
    x = _x((2, 4, 6, 8), dtype=torch.float32).contiguous(memory_format=torch.channels_last)
    assert layer(x).stride() == x.stride()


def test_walsh_filter_errors():
    with pytest.raises(
        TypeError,
        match=r"^x has dtype torch.int64; WalshFilter takes "
        r"floating-point feature maps, and its output has their "
        r"dtype \(pass x.float\(\)\)$",
    ):
        WalshFilter(4)(torch.ones(1, 4, 1, 1, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"^axes='time' is not one of 'channel', 'spatial'$"):
        WalshFilter(4, axes="time")
    with pytest.raises(ValueError, match=r"^size must be positive, got 0$"):
        WalshFilter(0)
    with pytest.raises(TypeError, match=r"^size must be an integer, got 4.0 \(float\)$"):
        WalshFilter(4.0)
    with pytest.raises(
        ValueError,
        match=r"^size must be the number of channels \(an int\) for "
        r"axes='channel', got \(4, 4\)$",
    ):
        WalshFilter((4, 4))
    with pytest.raises(
        ValueError,
        match=r"^size must be an int or a pair \(H, W\) for "
        r"axes='spatial', got \(2, 3, 4\)$",
    ):
        WalshFilter((2, 3, 4), axes="spatial")
    with pytest.raises(
        ValueError,
        match=r"^threshold must be a finite number >= 0 or None, "
        r"got -0.1$",
    ):
        WalshFilter(4, threshold=-0.1)
    with pytest.raises(TypeError, match=r"^threshold must be a real number, got '0' \(str\)$"):
        WalshFilter(4, threshold="0")
    with pytest.raises(
        ValueError,
        match=r"^x must be a 4-D feature map \(N, C, H, W\) with C = "
        r"4 \(the layer's size\), got shape \(2, 3, 1, 1\)$",
    ):
        WalshFilter(4)(torch.zeros(2, 3, 1, 1))
    with pytest.raises(
        ValueError,
        match=r"with \(H, W\) = \(4, 4\) \(the layer's size\), got "
        r"shape \(4, 4\)$",
    ):
        WalshFilter(4, axes="spatial")(torch.zeros(4, 4))


def test_fit_walsh_filter_learns_a_dyadic_blur():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((8, 16))
    k = np.zeros(16)
    k[[0, 1, 2]] = [0.6, 0.2, 0.2]
    target = _xor_convolution(k, x, axis=1)
    layer, losses = fit_walsh_filter(x, target, steps=300, lr=0.2)
    assert losses.shape == (301,) and np.all(np.diff(losses) <= 0)
    learned = scipy.linalg.hadamard(16) @ layer.weight.detach().numpy() / 16
    np.testing.assert_allclose(learned, k, atol=1e-8)
    identity, losses = fit_walsh_filter(torch.from_numpy(x), torch.from_numpy(target), steps=0)
    assert torch.all(identity.weight == 1)
    assert losses[0] == pytest.approx(((x - target) ** 2).sum(axis=1).mean())


def test_fit_walsh_filter_errors():
    with pytest.raises(
        ValueError,
        match=r"x and target must have the same shape \(n,\) or "
        r"\(batch, n\), got \(4,\) and \(8,\)",
    ):
        fit_walsh_filter(np.zeros(4), np.zeros(8))
    with pytest.raises(ValueError, match=r"^steps must be >= 0, got -1$"):
        fit_walsh_filter(np.zeros(4), np.zeros(4), steps=-1)
    with pytest.raises(TypeError, match=r"^steps must be an integer, got 2.5 \(float\)$"):
        fit_walsh_filter(np.zeros(4), np.zeros(4), steps=2.5)
    with pytest.raises(ValueError, match=r"^lr must be a finite number > 0, got 0.0$"):
        fit_walsh_filter(np.zeros(4), np.zeros(4), lr=0.0)


def test_filter_variants_put_walsh_filters_at_the_placements():
    assert list(FILTER_VARIANTS) == ["walsh-input", "walsh-early", "walsh-early-late"]
    assert dict(FILTER_VARIANTS["walsh-early-late"]) == {
        "conv2_block1": "walsh",
        "conv4_block6": "walsh",
    }
    assert list(ALL_VARIANTS) == [*VARIANTS, *FILTER_VARIANTS, "walsh-bottleneck"]
    plain = resnet18(10, width=16, stem="cifar", in_channels=1)
    n_plain = sum(p.numel() for p in plain.parameters())
    channel = resnet18(
        10, FILTER_VARIANTS["walsh-early-late"], width=16, stem="cifar", in_channels=1
    )
    assert {k: tuple(v.weight.shape) for k, v in channel.transforms.items()} == {
        "conv2_block1": (16,),
        "conv4_block6": (64,),
    }
    assert sum(p.numel() for p in channel.parameters()) == n_plain + 16 + 64
    assert "transforms.conv2_block1.weight" in channel.state_dict()
    spatial = resnet18(
        10,
        FILTER_VARIANTS["walsh-early-late"],
        axes="spatial",
        width=16,
        stem="cifar",
        in_channels=1,
        image_size=8,
    )
    assert {k: tuple(v.weight.shape) for k, v in spatial.transforms.items()} == {
        "conv2_block1": (8, 8),
        "conv4_block6": (2, 2),
    }
    big = resnet50(100, FILTER_VARIANTS["walsh-input"], axes="spatial", image_size=224)
    assert tuple(big.transforms["input"].weight.shape) == (256, 256)  # 224 padded
    x = torch.randn(2, 1, 8, 8)
    torch.manual_seed(0)
    base = resnet18(10, width=16, stem="cifar", in_channels=1).eval()
    torch.manual_seed(0)
    walsh = resnet18(
        10, FILTER_VARIANTS["walsh-early"], width=16, stem="cifar", in_channels=1
    ).eval()
    torch.testing.assert_close(walsh(x), base(x))  # the identity at initialization
    with pytest.raises(
        ValueError,
        match=r"a 'walsh' layer at 'input' with axes='spatial' needs "
        r"image_size",
    ):
        resnet18(10, FILTER_VARIANTS["walsh-input"], axes="spatial")


def test_the_facade_lends_the_names_of_the_modules_own_all():
    import hadalib.nn
    from hadalib.nn import layers, resnet, variants

    lent = [*layers.__all__, *resnet.__all__]
    assert set(lent) <= set(hadalib.nn.__all__)
    assert set(hadalib.nn.__all__) - set(lent) <= set(variants.__all__)
    for module in (layers, resnet, variants):
        for name in set(module.__all__) & set(hadalib.nn.__all__):
            assert getattr(hadalib.nn, name) is getattr(module, name), name
