"""hadalib.conv against scipy.signal and torch.nn.functional.conv2d."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from hadalib.conv import convolve2d, correlate2d, sliding_windows
from hadalib.products import hadamard_product

FAST = settings(max_examples=40, deadline=None)
TORCH_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
}


@st.composite
def image_and_kernel(draw, min_side=1, max_side=9):
    h = draw(st.integers(min_side, max_side))
    w = draw(st.integers(min_side, max_side))
    kh = draw(st.integers(1, h))
    kw = draw(st.integers(1, w))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return rng.normal(size=(h, w)), rng.normal(size=(kh, kw))


def torch_correlate(image, kernel, pads, pad_mode, stride):
    """torch.conv2d after F.pad; pads = ((top, bottom), (left, right))."""
    x = torch.tensor(image)[None, None]
    (top, bottom), (left, right) = pads
    x = F.pad(x, (left, right, top, bottom), mode=TORCH_MODES[pad_mode])
    k = torch.tensor(kernel)[None, None]
    return F.conv2d(x, k, stride=stride)[0, 0].numpy()


# ---- values against SciPy ---------------------------------------------------------------


@FAST
@given(image_and_kernel(), st.sampled_from(["valid", "same", "full"]))
def test_correlate2d_equals_scipy(pair, mode):
    image, kernel = pair
    np.testing.assert_allclose(
        correlate2d(image, kernel, padding=mode),
        scipy.signal.correlate2d(image, kernel, mode=mode),
        atol=1e-12,
    )


@FAST
@given(image_and_kernel(), st.sampled_from(["valid", "same", "full"]))
def test_convolve2d_equals_scipy(pair, mode):
    image, kernel = pair
    np.testing.assert_allclose(
        convolve2d(image, kernel, padding=mode),
        scipy.signal.convolve2d(image, kernel, mode=mode),
        atol=1e-12,
    )


@FAST
@given(image_and_kernel(), st.sampled_from(["same", "full"]))
def test_circular_equals_scipy_wrap(pair, mode):
    image, kernel = pair
    np.testing.assert_allclose(
        correlate2d(image, kernel, padding=mode, pad_mode="circular"),
        scipy.signal.correlate2d(image, kernel, mode=mode, boundary="wrap"),
        atol=1e-12,
    )


# ---- values against torch ---------------------------------------------------------------


@FAST
@given(
    image_and_kernel(min_side=2),
    st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_correlate2d_equals_torch_conv2d(pair, pad_mode, ph, pw, sh, sw):
    image, kernel = pair
    h, w = image.shape
    if pad_mode == "reflect":  # torch's reflect needs pad < size
        ph, pw = min(ph, h - 1), min(pw, w - 1)
    ours = correlate2d(image, kernel, padding=(ph, pw), pad_mode=pad_mode, stride=(sh, sw))
    expected = torch_correlate(image, kernel, ((ph, ph), (pw, pw)), pad_mode, (sh, sw))
    np.testing.assert_allclose(ours, expected, atol=1e-12)


@FAST
@given(image_and_kernel(), st.sampled_from(["valid", "same"]))
def test_string_padding_equals_torch(pair, mode):
    image, kernel = pair
    x, k = torch.tensor(image)[None, None], torch.tensor(kernel)[None, None]
    with warnings.catch_warnings():  # torch warns that an even kernel needs a padded copy
        warnings.simplefilter("ignore", UserWarning)
        expected = F.conv2d(x, k, padding=mode)[0, 0].numpy()
    np.testing.assert_allclose(correlate2d(image, kernel, padding=mode), expected, atol=1e-12)


def test_int_padding_is_symmetric_and_replicate_matches_torch():
    image = np.arange(20.0).reshape(4, 5)
    kernel = np.array([[1.0, -2.0], [0.5, 3.0]])
    ours = correlate2d(image, kernel, padding=2, pad_mode="replicate", stride=2)
    expected = torch_correlate(image, kernel, ((2, 2), (2, 2)), "replicate", 2)
    assert ours.shape == (4, 4)  # (4 + 4 - 2) // 2 + 1, (5 + 4 - 2) // 2 + 1
    np.testing.assert_allclose(ours, expected)


# ---- laws ----------------------------------------------------------------------------------


@FAST
@given(
    image_and_kernel(),
    st.sampled_from(["valid", "same", "full", 1]),
    st.sampled_from(["zeros", "replicate", "circular"]),
)
def test_convolution_is_correlation_with_flipped_kernel(pair, padding, pad_mode):
    image, kernel = pair
    if padding == "same":
        # the extra pad of an even kernel moves to the other side, so compare via flips
        np.testing.assert_allclose(
            convolve2d(image, kernel, padding="same", pad_mode=pad_mode),
            correlate2d(image[::-1, ::-1], kernel, padding="same", pad_mode=pad_mode)[::-1, ::-1],
            atol=1e-12,
        )
    else:
        np.testing.assert_allclose(
            convolve2d(image, kernel, padding=padding, pad_mode=pad_mode),
            correlate2d(image, kernel[::-1, ::-1], padding=padding, pad_mode=pad_mode),
            atol=1e-12,
        )


@FAST
@given(image_and_kernel())
def test_full_convolution_commutes(pair):
    a, b = pair
    np.testing.assert_allclose(
        convolve2d(a, b, padding="full"), convolve2d(b, a, padding="full"), atol=1e-12
    )


@FAST
@given(image_and_kernel(), st.floats(-3, 3), st.integers(0, 2**32 - 1))
def test_linear_in_kernel(pair, alpha, seed):
    image, k1 = pair
    k2 = np.random.default_rng(seed).normal(size=k1.shape)
    np.testing.assert_allclose(
        correlate2d(image, alpha * k1 + k2, padding="same"),
        alpha * correlate2d(image, k1, padding="same") + correlate2d(image, k2, padding="same"),
        atol=1e-9,
    )


@FAST
@given(image_and_kernel(), st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
def test_centred_delta_kernel_is_identity(pair, pad_mode):
    image, _ = pair
    delta = np.zeros((3, 3))
    delta[1, 1] = 1.0
    np.testing.assert_allclose(
        correlate2d(image, delta, padding="same", pad_mode=pad_mode), image, atol=0
    )


@FAST
@given(image_and_kernel(), st.integers(0, 3), st.integers(1, 3))
def test_output_shape_formula(pair, p, s):
    image, kernel = pair
    (h, w), (kh, kw) = image.shape, kernel.shape
    out = correlate2d(image, kernel, padding=p, stride=s)
    assert out.shape == ((h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1)


@FAST
@given(image_and_kernel(), st.sampled_from(["valid", "same", "full", (1, 2)]), st.integers(1, 3))
def test_sliding_windows_sum_of_hadamard_products(pair, padding, stride):
    image, kernel = pair
    out = correlate2d(image, kernel, padding=padding, stride=stride)
    seen = np.full(out.shape, np.nan)
    for i, j, window in sliding_windows(image, kernel.shape, stride=stride, padding=padding):
        assert window.shape == kernel.shape
        seen[i, j] = hadamard_product(window, kernel).sum()
    np.testing.assert_allclose(seen, out, atol=1e-12)


def test_sliding_windows_order_and_read_only():
    image = np.arange(9).reshape(3, 3)
    items = list(sliding_windows(image, (2, 2)))
    assert [(i, j) for i, j, _ in items] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    np.testing.assert_array_equal(items[3][2], [[4, 5], [7, 8]])
    with pytest.raises(ValueError):
        items[0][2][0, 0] = 99


def test_integer_input_stays_integer():
    out = correlate2d(np.arange(9).reshape(3, 3), np.ones((2, 2), dtype=int))
    assert out.dtype.kind == "i"
    np.testing.assert_array_equal(out, [[8, 12], [20, 24]])


@pytest.mark.parametrize(
    ("image_dtype", "kernel_dtype"),
    [(bool, bool), (np.uint8, np.uint8), (np.uint8, bool), (np.int8, np.int16), (bool, int)],
)
def test_booleans_and_small_integers_are_summed_without_overflow(image_dtype, kernel_dtype):
    rng = np.random.default_rng(11)
    image = rng.integers(0, 2 if image_dtype is bool else 100, (6, 7)).astype(image_dtype)
    kernel = rng.integers(0, 2 if kernel_dtype is bool else 100, (3, 3)).astype(kernel_dtype)
    image[0, :3] = True if image_dtype is bool else 99  # a window of large values
    expected = scipy.signal.correlate2d(image.astype(np.int64), kernel.astype(np.int64), "valid")
    out = correlate2d(image, kernel)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, expected)
    flipped = scipy.signal.convolve2d(image.astype(np.int64), kernel.astype(np.int64), "full")
    np.testing.assert_array_equal(convolve2d(image, kernel, padding="full"), flipped)


def test_bool_and_uint8_closed_forms():
    ones = np.ones((3, 3), dtype=bool)
    np.testing.assert_array_equal(correlate2d(ones, ones[:2, :2]), np.full((2, 2), 4))
    full = np.full((3, 3), 200, dtype=np.uint8)  # 4 * 200 wraps to 32 in uint8
    out = correlate2d(full, np.ones((2, 2), np.uint8))
    np.testing.assert_array_equal(out, np.full((2, 2), 800))


def test_floating_output_dtype():
    f32 = np.ones((4, 4), dtype=np.float32)
    assert correlate2d(f32, f32[:2, :2]).dtype == np.float32
    assert correlate2d(f32.astype(np.float16), f32[:2, :2].astype(np.float16)).dtype == np.float32
    assert correlate2d(f32, np.ones((2, 2))).dtype == np.float64
    assert correlate2d(np.ones((4, 4), dtype=int), np.ones((2, 2))).dtype == np.float64


# ---- errors ---------------------------------------------------------------------------------


def test_kernel_larger_than_padded_image():
    msg = (
        "kernel of shape (4, 2) is larger than the padded image of shape (3, 5) (image (3, 5), "
        "padding 'valid'); use a smaller kernel or more padding (e.g. padding='same' or 'full')"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        correlate2d(np.ones((3, 5)), np.ones((4, 2)))
    with pytest.raises(ValueError, match=re.escape("larger than the padded image of shape (5, 7)")):
        convolve2d(np.ones((3, 5)), np.ones((6, 2)), padding=1)
    with pytest.raises(ValueError, match="larger than the padded image"):
        sliding_windows(np.ones((2, 2)), (3, 3))
    # the same kernel fits once padded
    assert correlate2d(np.ones((3, 5)), np.ones((4, 2)), padding="same").shape == (3, 5)


def test_unknown_pad_mode():
    msg = "pad_mode='mirror' is not one of 'zeros', 'reflect', 'replicate', 'circular'"
    with pytest.raises(ValueError, match=re.escape(msg)):
        correlate2d(np.ones((3, 3)), np.ones((2, 2)), padding=1, pad_mode="mirror")
    with pytest.raises(ValueError, match=re.escape(msg)):
        sliding_windows(np.ones((3, 3)), (2, 2), pad_mode="mirror")


@pytest.mark.parametrize(
    ("padding", "error"),
    [
        ("half", ValueError),
        (-1, ValueError),
        ((1, -2), ValueError),
        ((1, 2, 3), ValueError),
        (1.5, TypeError),
        (True, TypeError),
        (None, TypeError),
        ((1, 2.0), TypeError),
    ],
)
def test_unknown_padding(padding, error):
    with pytest.raises(error, match=re.escape(f"padding {padding!r} is not one of 'valid'")):
        correlate2d(np.ones((3, 3)), np.ones((2, 2)), padding=padding)


@pytest.mark.parametrize(
    ("stride", "error"),
    [
        (0, ValueError),
        (-1, ValueError),
        ((1, 0), ValueError),
        ((1, 1, 1), ValueError),
        (1.0, TypeError),
        (2.0, TypeError),
        (True, TypeError),
        ("2", TypeError),
    ],
)
def test_bad_stride(stride, error):
    msg = f"stride must be a positive int or a pair of them; got {stride!r}"
    with pytest.raises(error, match="^" + re.escape(msg) + "$"):
        correlate2d(np.ones((3, 3)), np.ones((2, 2)), stride=stride)


def test_bad_arrays():
    with pytest.raises(
        ValueError,
        match=re.escape("image must be a 2-D array (height, width); got shape (3,) (1 dimension)"),
    ):
        correlate2d(np.ones(3), np.ones((2, 2)))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "kernel must be a 2-D array (height, width); got shape (1, 2, 2) (3 dimensions)"
        ),
    ):
        convolve2d(np.ones((3, 3)), np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match=re.escape("kernel must not be empty; got shape (0, 2)")):
        correlate2d(np.ones((3, 3)), np.ones((0, 2)))
    with pytest.raises(TypeError, match=re.escape("image must be real; got dtype complex128")):
        correlate2d(np.ones((3, 3), dtype=complex), np.ones((2, 2)))
    with pytest.raises(
        ValueError, match=re.escape("kernel_shape must be a positive int or a pair of them")
    ):
        sliding_windows(np.ones((3, 3)), (0, 2))


# ---- the chapter's figures and widget ---------------------------------------------------------


def test_small_image_and_kernels_correlate_as_scipy():
    from hadalib.examples import small_image_and_kernels

    image, kernels = small_image_and_kernels()
    assert image.shape == (6, 6) and set(kernels) == {"edge", "blur", "sharpen"}
    for kernel in kernels.values():
        assert kernel.shape == (3, 3)
        np.testing.assert_array_equal(
            correlate2d(image, kernel), scipy.signal.correlate2d(image, kernel, mode="valid")
        )


@pytest.mark.parametrize("step", [0, 5, 15])
def test_draw_window_walk_shows_window_product_and_partial_output(step):
    from hadalib.examples import small_image_and_kernels
    from hadalib.plotting import draw_window_walk
    from hadalib.widgets import figure

    image, kernels = small_image_and_kernels()
    fig = figure(draw_window_walk, step=step, kernel="edge")
    i, j = divmod(step, 4)
    window = image[i : i + 3, j : j + 3]
    product = fig.axes[2].images[0].get_array()
    np.testing.assert_array_equal(product, window * kernels["edge"])
    assert fig.axes[2].get_xlabel() == f"sum = {(window * kernels['edge']).sum()}"
    shown = np.asarray(fig.axes[3].images[0].get_array(), dtype=float).ravel()
    expected = correlate2d(image, kernels["edge"]).ravel().astype(float)
    np.testing.assert_array_equal(shown[: step + 1], expected[: step + 1])
    assert np.isnan(shown[step + 1 :]).all()


def test_draw_padding_modes_shows_numpy_padding():
    from hadalib.plotting import draw_padding_modes
    from hadalib.widgets import figure

    image = np.arange(1, 10).reshape(3, 3)
    fig = figure(draw_padding_modes, image=image, pad=2)
    numpy_modes = {
        "zeros": "constant",
        "reflect": "reflect",
        "replicate": "edge",
        "circular": "wrap",
    }
    for ax in fig.axes:
        np.testing.assert_array_equal(
            ax.images[0].get_array(), np.pad(image, 2, mode=numpy_modes[ax.get_title()])
        )


def test_draw_feature_maps_layout():
    from hadalib.plotting import draw_feature_maps
    from hadalib.widgets import figure

    maps = {name: np.random.default_rng(0).normal(size=(5, 5)) for name in "abcde"}
    fig = figure(draw_feature_maps, maps=maps, ncols=3)
    assert [ax.get_title() for ax in fig.axes] == list("abcde")
    low, high = np.percentile(maps["a"], [1, 99])
    assert fig.axes[0].images[0].get_clim() == (low, high)
