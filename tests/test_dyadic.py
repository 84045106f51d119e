"""hadalib.transforms.dyadic_convolve against its O(n**2) definition, its convolution
theorem and its algebra, for NumPy arrays and torch tensors (values and gradients)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hadalib.transforms import dyadic_convolve, fwht

SETTINGS = settings(max_examples=30, deadline=None)


def definition(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """(a ⊛ b)[k] = sum_j a[j] b[k XOR j], term by term along axis: the independent reference."""
    a, b = np.broadcast_arrays(np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1))
    n = a.shape[-1]
    out = np.zeros(a.shape, dtype=np.result_type(a, b, np.float64))
    for k in range(n):
        for j in range(n):
            out[..., k] += a[..., j] * b[..., k ^ j]
    return np.moveaxis(out, -1, axis)


def xor_matrix(b: np.ndarray) -> np.ndarray:
    """The matrix B[k, j] = b[k XOR j], so that a ⊛ b = B @ a (the dyadic 'circulant')."""
    k = np.arange(len(b))
    return b[k[:, None] ^ k]


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("m", range(11))
def test_equals_the_definition_for_every_size(m):
    n = 2**m
    rng = np.random.default_rng(m)
    a, b = rng.normal(size=n), rng.normal(size=n)
    expected = xor_matrix(b) @ a if n > 64 else definition(a, b)
    np.testing.assert_allclose(dyadic_convolve(a, b), expected, rtol=1e-10, atol=1e-10 * n)


def test_the_xor_matrix_is_the_definition():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=32), rng.normal(size=32)
    np.testing.assert_allclose(xor_matrix(b) @ a, definition(a, b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("shape_a", "shape_b", "axis"),
    [
        ((3, 8), (3, 8), -1),
        ((8, 3), (8, 3), 0),
        ((2, 16, 3), (2, 16, 3), 1),
        ((2, 16, 3), (16, 1), -2),  # broadcasts over the first and the last axis
        ((5, 4), (4,), -1),  # a batch of signals, one kernel
        ((4,), (2, 3, 4), 2),
        ((1, 8), (6, 8), 1),
    ],
)
def test_any_axis_and_broadcasting(shape_a, shape_b, axis):
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    y = dyadic_convolve(a, b, axis=axis)
    assert y.shape == np.broadcast_shapes(shape_a, shape_b)
    ax = axis if axis < 0 else axis - y.ndim
    np.testing.assert_allclose(y, definition(a, b, axis=ax), rtol=1e-12, atol=1e-12)


def test_integers_and_booleans_give_exact_float64():
    rng = np.random.default_rng(3)
    a, b = rng.integers(-(2**11), 2**11, size=1024), rng.integers(-(2**11), 2**11, size=1024)
    y = dyadic_convolve(a, b)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, xor_matrix(b) @ a)  # exact: n**3 |a| |b| < 2**53
    t = np.array([True, False, True, True])
    np.testing.assert_array_equal(dyadic_convolve(t, t), definition(t * 1, t * 1))


def test_integer_tensors_give_exact_float64_like_arrays():
    """Integer tensors are computed in float64 as NumPy's integers are, not in torch's
    default float32 (which rounds 4097**2 = 16785409 to 16785408)."""
    a = torch.tensor([4097, 0])
    y = dyadic_convolve(a, a)
    assert y.dtype == torch.float64
    assert y.tolist() == [16785409.0, 0.0]
    assert dyadic_convolve(a, torch.ones(2, dtype=torch.float32)).dtype == torch.float64
    assert dyadic_convolve(torch.ones(2, dtype=torch.float32), a).dtype == torch.float64
    f = torch.tensor([True, False])
    assert dyadic_convolve(f, f).tolist() == [1.0, 0.0]


@pytest.mark.parametrize(
    ("da", "db", "out"),
    [
        (np.float32, np.float32, np.float32),
        (np.float64, np.float32, np.float64),
        (np.int64, np.float32, np.float64),
        (np.bool_, np.float32, np.float64),
        (np.complex64, np.float32, np.complex64),
        (np.complex128, np.float64, np.complex128),
    ],
)
def test_dtypes(da, db, out):
    rng = np.random.default_rng(4)
    a = (rng.normal(size=16) * 4).astype(da)
    b = (rng.normal(size=16) * 4).astype(db)
    if np.dtype(da).kind == "c":
        a = a + (1j * rng.normal(size=16)).astype(da)
    y = dyadic_convolve(a, b)
    assert y.dtype == out
    tol = 1e-4 if np.finfo(out).bits <= 32 else 1e-12
    np.testing.assert_allclose(
        y, definition(a.astype(complex), b.astype(complex)), rtol=tol, atol=tol * 16
    )


def test_length_one_and_empty_batches():
    np.testing.assert_array_equal(dyadic_convolve([3.0], [-2.0]), [-6.0])
    assert dyadic_convolve(np.ones((0, 8)), np.ones(8)).shape == (0, 8)


# --------------------------------------------------------------------------- laws

VECTORS = st.integers(0, 6).flatmap(
    lambda m: st.tuples(*[hnp.arrays(np.float64, 2**m, elements=st.floats(-10, 10))] * 3)
)


@SETTINGS
@given(VECTORS)
def test_convolution_theorem(abc):
    a, b, _ = abc
    n = len(a)
    np.testing.assert_allclose(
        fwht(dyadic_convolve(a, b)), fwht(a) * fwht(b), rtol=1e-9, atol=1e-9 * n**2 * 100
    )


@SETTINGS
@given(VECTORS)
def test_commutative_and_associative(abc):
    a, b, c = abc
    n = len(a)
    np.testing.assert_allclose(
        dyadic_convolve(a, b), dyadic_convolve(b, a), rtol=1e-9, atol=1e-9 * n * 100
    )
    np.testing.assert_allclose(
        dyadic_convolve(dyadic_convolve(a, b), c),
        dyadic_convolve(a, dyadic_convolve(b, c)),
        rtol=1e-9,
        atol=1e-9 * n**2 * 1000,
    )


@SETTINGS
@given(VECTORS, st.data())
def test_delta_at_zero_is_the_identity_and_delta_at_s_flips_bits(abc, data):
    a, _, _ = abc
    n = len(a)
    delta = np.eye(n)
    np.testing.assert_allclose(dyadic_convolve(a, delta[0]), a, rtol=1e-12, atol=1e-12)
    s = data.draw(st.integers(0, n - 1))
    np.testing.assert_allclose(
        dyadic_convolve(a, delta[s]), a[np.arange(n) ^ s], rtol=1e-12, atol=1e-12
    )


def test_autocorrelation_of_a_boolean_function_has_the_squared_spectrum():
    x = np.arange(16)
    bent = (x & 1) & (x >> 1 & 1) ^ (x >> 2 & 1) & (x >> 3 & 1)
    F = 1 - 2 * bent
    r = dyadic_convolve(F, F)
    np.testing.assert_array_equal(r, [16] + [0] * 15)
    np.testing.assert_array_equal(fwht(r), fwht(F) ** 2)


# --------------------------------------------------------------------------- torch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_tensors_equal_arrays(dtype):
    g = torch.Generator().manual_seed(0)
    a, b = (
        torch.randn(3, 32, 2, dtype=dtype, generator=g),
        torch.randn(32, 1, dtype=dtype, generator=g),
    )
    y = dyadic_convolve(a, b, axis=1)
    assert isinstance(y, torch.Tensor) and y.dtype == dtype and y.shape == (3, 32, 2)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    np.testing.assert_allclose(
        y.numpy(), definition(a.numpy(), b.numpy(), axis=-2), rtol=tol, atol=tol
    )


def test_gradcheck():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(2, 8, dtype=torch.float64, generator=g, requires_grad=True)
    b = torch.randn(8, dtype=torch.float64, generator=g, requires_grad=True)
    assert torch.autograd.gradcheck(dyadic_convolve, (a, b))
    c = torch.randn(16, 3, dtype=torch.float64, generator=g, requires_grad=True)
    d = torch.randn(16, 1, dtype=torch.float64, generator=g, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, y: dyadic_convolve(x, y, axis=0), (c, d))
    assert torch.autograd.gradgradcheck(dyadic_convolve, (a, b))


def test_gradient_is_the_dyadic_correlation():
    """d<g, a ⊛ b>/da = g ⊛ b: the XOR convolution is its own adjoint (k XOR j is symmetric)."""
    g = torch.Generator().manual_seed(2)
    a = torch.randn(16, dtype=torch.float64, generator=g, requires_grad=True)
    b, w = (
        torch.randn(16, dtype=torch.float64, generator=g),
        torch.randn(16, dtype=torch.float64, generator=g),
    )
    (dyadic_convolve(a, b) * w).sum().backward()
    np.testing.assert_allclose(
        a.grad.numpy(), definition(w.numpy(), b.numpy()), rtol=1e-12, atol=1e-12
    )


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: dyadic_convolve(np.ones(6), np.ones(6)),
            ValueError,
            r"^a and b have length 6 along axis -1, which is not a power of two; dyadic "
            r"convolution needs a length n = 2\*\*m \(1, 2, 4, \.\.\.\), on which the XOR of two "
            r"indices is again an index$",
        ),
        (
            lambda: dyadic_convolve(np.ones((4, 3)), np.ones((8, 3)), axis=0),
            ValueError,
            r"^a has length 4 and b has length 8 along axis 0; dyadic_convolve needs the same "
            r"length in both \(it does not broadcast along axis\)$",
        ),
        (
            lambda: dyadic_convolve(np.ones((3, 4)), np.ones((2, 4))),
            ValueError,
            r"^a with shape \(3, 4\) and b with shape \(2, 4\) do not broadcast; dyadic_convolve "
            r"broadcasts the axes other than axis as NumPy does$",
        ),
        (
            lambda: dyadic_convolve(np.ones(4), np.ones((4, 4)), axis=0),
            ValueError,
            r"^a with shape \(4,\) has no axis 0 of the broadcast shape \(2 dimensions\); give a "
            r"that axis, with the other input's length$",
        ),
        (
            lambda: dyadic_convolve(np.ones(4), 2.0),
            ValueError,
            r"^b is 0-d; dyadic_convolve needs at least one dimension \(the axis to convolve "
            r"along\)$",
        ),
        (
            lambda: dyadic_convolve(np.ones(4), np.ones(4), axis=1),
            ValueError,
            r"^axis 1 is out of bounds for input with 1 dimension\(s\); use an axis in \[-1, 0\]$",
        ),
        (
            lambda: dyadic_convolve(np.ones(4), np.ones(4), axis=-1.0),
            TypeError,
            r"^axis must be an int, got -1\.0 \(float\)$",
        ),
        (
            lambda: dyadic_convolve(torch.ones(4), np.ones(4)),
            TypeError,
            r"^a is a torch\.Tensor and b is a numpy\.ndarray; dyadic_convolve takes two NumPy "
            r"arrays or two tensors \(pass torch\.as_tensor\(b, device=a\.device\) for b\)$",
        ),
        (
            lambda: dyadic_convolve([1.0, 2.0], torch.ones(2)),
            TypeError,
            r"^b is a torch\.Tensor and a is a list; dyadic_convolve takes two NumPy arrays or "
            r"two tensors \(pass torch\.as_tensor\(a, device=b\.device\) for a\)$",
        ),
        (
            lambda: dyadic_convolve(np.ones(2), ["x", "y"]),
            TypeError,
            r"^b has dtype <U1; dyadic_convolve accepts real or complex floating-point input "
            r"\(integers and booleans are cast to float64\)$",
        ),
        (
            lambda: dyadic_convolve(np.ma.array([1.0, 2.0], mask=[0, 1]), np.ones(2)),
            TypeError,
            r"^a is a numpy masked array; dyadic_convolve mixes every entry into every output, "
            r"so no mask carries over: pass a\.filled\(value\) \(e\.g\. 0\) or a\.data$",
        ),
        (
            lambda: dyadic_convolve(torch.ones(4), torch.ones(4, device="meta")),
            ValueError,
            r"^a is on cpu and b on meta; dyadic_convolve needs both tensors on one device$",
        ),
    ],
)
def test_error_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()
