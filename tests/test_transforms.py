"""hadalib.transforms against independent references: the dense Sylvester matrix
(scipy.linalg.hadamard), the textbook butterfly, scipy.fft.dct and torch autograd.

Both the compiled path (numba) and the pure NumPy/torch path are checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.fft
import scipy.linalg
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hadalib._fwht_cpu as K
import hadalib.transforms as T
from hadalib.transforms import dct, fwht, fwht2, fwht_stages, idct, ifwht, ifwht2, pad_pow2

NORMS = ["backward", "ortho", "forward"]
ORDERS = ["natural", "sequency", "dyadic"]
SETTINGS = settings(max_examples=30, deadline=None)


@pytest.fixture(params=["compiled", "pure"])
def path(request, monkeypatch):
    """Run a test through the numba kernel and through the pure NumPy/torch path."""
    if request.param == "compiled":
        if not K._kernel():
            pytest.skip("numba is not installed")
    else:
        monkeypatch.setattr(K, "_KERNEL", False)
    return request.param


def dense(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """H_n applied along axis with the dense matrix: the independent reference."""
    n = x.shape[axis]
    H = scipy.linalg.hadamard(n).astype(np.float64)
    return np.moveaxis(np.tensordot(H, np.moveaxis(x, axis, 0), axes=1), 0, axis)


def sign_changes(rows: np.ndarray) -> np.ndarray:
    return (np.diff(np.sign(rows), axis=-1) != 0).sum(axis=-1)


# --------------------------------------------------------------------------- reference


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16, 64])
def test_reference_butterfly_equals_dense_matrix(n):
    x = np.random.default_rng(n).standard_normal(n)
    np.testing.assert_allclose(T._fwht_reference(x), scipy.linalg.hadamard(n) @ x, atol=1e-12)


@pytest.mark.parametrize(
    ("x", "dtype", "last"),
    [
        (np.array([100] * 4, dtype=np.int8), np.int64, [400, 0, 0, 0]),
        (np.array([255, 0], dtype=np.uint8), np.int64, [255, 255]),
        (np.array([2**62, 2**62], dtype=np.int64), object, [2**63, 0]),
        (np.array([-(2**63), 1], dtype=np.int64), object, [1 - 2**63, -(2**63) - 1]),
        (np.array([2**64 - 1, 1], dtype=np.uint64), object, [2**64, 2**64 - 2]),
    ],
)
def test_stages_are_exact_on_narrow_and_huge_integers(x, dtype, last):
    """int8 sums do not wrap, and sums beyond int64 are Python ints (an object array)."""
    stages = fwht_stages(x)
    assert stages[-1].dtype == dtype
    assert stages[-1].tolist() == last


def test_masked_arrays_are_refused():
    x = np.ma.array([1.0, 2.0, 3.0, 4.0], mask=[0, 1, 0, 0])
    for call, func in [
        (fwht, "fwht"),
        (ifwht, "ifwht"),
        (fwht2, "fwht2"),
        (dct, "dct"),
        (fwht_stages, "fwht_stages"),
    ]:
        with pytest.raises(
            TypeError,
            match=rf"^x is a numpy masked array; {func} mixes every "
            r"entry into every output, so no mask carries over: pass "
            r"x\.filled\(value\) \(e\.g\. 0\) or x\.data$",
        ):
            call(x.reshape(2, 2) if func == "fwht2" else x)


def test_stages_are_exact_on_integers_and_count_log2_n():
    stages = fwht_stages([1, 0, 1, 0, 0, 1, 1, 0])
    assert len(stages) == 4
    assert stages[-1].dtype == np.int64
    assert stages[-1].tolist() == (scipy.linalg.hadamard(8) @ [1, 0, 1, 0, 0, 1, 1, 0]).tolist()
    # each stage is one factor I (x) H_1 (x) I of the Kronecker factorization
    H2 = np.array([[1, 1], [1, -1]])
    for s in range(3):
        factor = np.kron(np.kron(np.eye(2 ** (2 - s), dtype=int), H2), np.eye(2**s, dtype=int))
        np.testing.assert_array_equal(stages[s + 1], factor @ stages[s])


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16, 32, 256, 1024])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_equals_reference_and_dense(path, n, dtype):
    x = np.random.default_rng(n).standard_normal((3, n)).astype(dtype)
    y = fwht(x)
    assert y.dtype == dtype and y.shape == x.shape
    tol = 1e-4 * np.sqrt(n) if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(y, dense(x.astype(np.float64)), atol=tol)
    np.testing.assert_allclose(y[1], T._fwht_reference(x[1].astype(np.float64)), atol=tol)


@pytest.mark.parametrize(
    ("shape", "axis"),
    [((8,), 0), ((4, 8), 0), ((4, 8), 1), ((2, 16, 3), 1), ((2, 4, 5, 8), -3), ((3, 2, 4), -1)],
)
def test_any_axis(path, shape, axis):
    x = np.random.default_rng(0).standard_normal(shape)
    np.testing.assert_allclose(fwht(x, axis=axis), dense(x, axis), atol=1e-10)


def test_non_contiguous_input_is_not_modified(path):
    x = np.random.default_rng(1).standard_normal((16, 8)).T  # a transposed view
    before = x.copy()
    np.testing.assert_allclose(fwht(x), dense(before), atol=1e-10)
    np.testing.assert_array_equal(x, before)


def test_complex_input(path):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 16)) + 1j * rng.standard_normal((2, 16))
    y = fwht(x)
    assert y.dtype == np.complex128
    np.testing.assert_allclose(y, dense(x), atol=1e-10)


@pytest.mark.parametrize(("rows", "m"), [(2, 14), (2, 15), (2, 18), (1, 19)])
def test_long_rows_and_the_threaded_kernel(path, rows, m):
    """Rows longer than a cache chunk (2**14); inputs large enough for threads (2**19)."""
    n = 2**m
    x = np.random.default_rng(m).standard_normal((rows, n))
    y = fwht(x)
    # H_n = H_2 (x) H_{n/2}: recurse once with the stagewise pure path as the reference
    halves = x.reshape(2 * rows, n // 2, 1).copy()
    half = K.stagewise(halves, 2 * rows, n // 2, 1).reshape(rows, 2, n // 2)
    np.testing.assert_allclose(y[:, : n // 2], half[:, 0] + half[:, 1], atol=1e-8)
    np.testing.assert_allclose(y[:, n // 2 :], half[:, 0] - half[:, 1], atol=1e-8)


def _threaded_sum(_):
    return float(fwht(np.ones((1, 2**19)))[0, 0])


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_threaded_kernel_works_in_a_forked_child():
    import multiprocessing

    assert _threaded_sum(None) == 2**19  # the parent starts its thread pool
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.map_async(_threaded_sum, [None]).get(timeout=60) == [2**19]


def test_middle_axis_with_odd_stride_and_long_rows(path):
    x = np.random.default_rng(3).standard_normal((2, 2**13, 3))
    y = fwht(x, axis=1)
    np.testing.assert_allclose(y[:, :, 1], fwht(np.ascontiguousarray(x[:, :, 1])), atol=1e-8)


@pytest.mark.parametrize("norm", NORMS)
def test_norm_scaling(norm):
    x = np.random.default_rng(4).standard_normal(16)
    expected = {"backward": 1.0, "ortho": 0.25, "forward": 1 / 16}[norm]
    np.testing.assert_allclose(fwht(x, norm=norm), expected * dense(x), atol=1e-12)
    inverse = {"backward": 1 / 16, "ortho": 0.25, "forward": 1.0}[norm]
    np.testing.assert_allclose(ifwht(x, norm=norm), inverse * dense(x), atol=1e-12)


@pytest.mark.parametrize("n", [2, 8, 32])
def test_orders_match_closed_forms(n):
    natural = fwht(np.eye(n), axis=0)
    np.testing.assert_array_equal(natural, scipy.linalg.hadamard(n))
    sequency = fwht(np.eye(n), axis=0, order="sequency")
    np.testing.assert_array_equal(sign_changes(sequency), np.arange(n))
    dyadic = fwht(np.eye(n), axis=0, order="dyadic")
    bits = n.bit_length() - 1
    reverse = [int(format(k, f"0{bits}b")[::-1] or "0", 2) for k in range(n)]
    np.testing.assert_array_equal(dyadic, natural[reverse])


# --------------------------------------------------------------------------- laws


def vectors(max_log2: int = 7):
    return st.integers(0, max_log2).flatmap(
        lambda m: hnp.arrays(np.float64, (2, 2**m), elements=st.floats(-1e3, 1e3, allow_nan=False))
    )


@SETTINGS
@given(xy=vectors(), a=st.floats(-10, 10), b=st.floats(-10, 10), order=st.sampled_from(ORDERS))
def test_linearity(xy, a, b, order):
    x, y = xy
    lhs = fwht(a * x + b * y, order=order)
    rhs = a * fwht(x, order=order) + b * fwht(y, order=order)
    np.testing.assert_allclose(lhs, rhs, atol=1e-6 * (1 + np.abs(rhs).max()))


@SETTINGS
@given(xy=vectors(), order=st.sampled_from(ORDERS))
def test_parseval_with_ortho(xy, order):
    y = fwht(xy, norm="ortho", order=order)
    # atol: norms of vectors of tiny entries (~1e-160) underflow in np.linalg.norm itself.
    np.testing.assert_allclose(
        np.linalg.norm(y, axis=1), np.linalg.norm(xy, axis=1), rtol=1e-9, atol=1e-12
    )


@SETTINGS
@given(xy=vectors(), norm=st.sampled_from(NORMS), order=st.sampled_from(ORDERS))
def test_involution_and_inverse(xy, norm, order):
    n = xy.shape[1]
    np.testing.assert_allclose(fwht(fwht(xy)), n * xy, atol=1e-6 * n * (1 + np.abs(xy).max()))
    back = ifwht(fwht(xy, norm=norm, order=order), norm=norm, order=order)
    np.testing.assert_allclose(back, xy, atol=1e-9 * n * (1 + np.abs(xy).max()))


@SETTINGS
@given(xy=vectors(), order=st.sampled_from(["sequency", "dyadic"]))
def test_orders_permute_the_natural_coefficients(xy, order):
    natural = fwht(xy)
    ordered = fwht(xy, order=order)
    perm = T._order_permutation(order, xy.shape[1])
    np.testing.assert_array_equal(ordered, natural[:, perm])
    assert sorted(perm) == list(range(xy.shape[1]))


# --------------------------------------------------------------------------- 2-D and padding


def test_fwht2_is_h_x_h(path):
    X = np.random.default_rng(5).standard_normal((3, 8, 16))
    expected = scipy.linalg.hadamard(8) @ X @ scipy.linalg.hadamard(16)
    np.testing.assert_allclose(fwht2(X), expected, atol=1e-10)
    np.testing.assert_allclose(ifwht2(expected), X, atol=1e-10)
    for norm in NORMS:
        for axes in [(-2, -1), (2, 1), (1,)]:
            Y = fwht2(X, axes=axes, norm=norm, order="sequency")
            back = ifwht2(Y, axes=axes, norm=norm, order="sequency")
            np.testing.assert_allclose(back, X, atol=1e-10)


def test_ifwht2_of_a_tensor_is_differentiable():
    X = torch.randn(4, 8, dtype=torch.float64, requires_grad=True)
    back = ifwht2(fwht2(X, norm="ortho"), norm="ortho")
    assert back.dtype == X.dtype
    torch.testing.assert_close(back, X)
    assert torch.autograd.gradcheck(lambda t: ifwht2(t, order="dyadic"), (X,))


def test_pad_pow2():
    np.testing.assert_array_equal(pad_pow2([1, 2, 3]), [1, 2, 3, 0])
    x = np.ones((3, 5, 4))
    assert pad_pow2(x, axis=(0, 1)).shape == (4, 8, 4)
    assert pad_pow2(x, axis=-1).shape == (3, 5, 4)
    t = torch.ones(3, 5, requires_grad=True)
    padded = pad_pow2(t, axis=(0, 1))
    assert padded.shape == (4, 8)
    padded.sum().backward()
    assert torch.equal(t.grad, torch.ones(3, 5))


# --------------------------------------------------------------------------- dtypes and edges


def test_integer_and_boolean_input_is_cast_to_float():
    y = fwht(np.arange(4))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [6.0, -2.0, -4.0, 0.0])
    assert fwht(np.array([True, False])).tolist() == [1.0, 1.0]
    t = fwht(torch.arange(4))
    assert t.dtype == torch.get_default_dtype()
    assert t.tolist() == [6.0, -2.0, -4.0, 0.0]


def test_float16_takes_the_pure_path():
    x = np.random.default_rng(6).standard_normal(8).astype(np.float16)
    y = fwht(x)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, dense(x.astype(np.float64)), atol=0.05)


def test_empty_batch_and_length_one():
    assert fwht(np.zeros((0, 8))).shape == (0, 8)
    assert fwht(torch.zeros(0, 8)).shape == (0, 8)
    np.testing.assert_array_equal(fwht([[3.0], [4.0]]), [[3.0], [4.0]])


@pytest.mark.parametrize("native", ["f8", "f4", "c16"])
def test_big_endian_input_is_read_in_native_order(path, native):
    """Arrays read from files or networks may be big-endian ('>f8'): same values, native dtype."""
    x = np.arange(16.0).reshape(2, 8).astype(native)
    swapped = x.astype(np.dtype(native).newbyteorder(">" if sys.byteorder == "little" else "<"))
    assert not swapped.dtype.isnative
    for call in (fwht, ifwht, lambda a: fwht(a, axis=0), fwht2, ifwht2):
        y = call(swapped)
        assert y.dtype == np.dtype(native) and y.dtype.isnative
        np.testing.assert_array_equal(y, call(x))


def test_import_does_not_import_torch_or_numba():
    code = (
        "import sys, hadalib.transforms, numpy as np\n"
        "hadalib.transforms.fwht2(np.ones((4, 4)))\n"
        "assert 'torch' not in sys.modules, 'torch'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    code = "import sys, hadalib.transforms\nassert 'numba' not in sys.modules, 'numba'\n"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: fwht(np.ones(6)),
            ValueError,
            r"^length 6 along axis -1 is not a power of two; pad with hadalib.pad_pow2 to 8$",
        ),
        (
            lambda: fwht(np.ones((12, 4)), axis=0),
            ValueError,
            r"^length 12 along axis 0 is not a power of two; pad with hadalib.pad_pow2 to 16$",
        ),
        (
            lambda: fwht2(np.ones((4, 3))),
            ValueError,
            r"^length 3 along axis -1 is not a power of two; pad with hadalib.pad_pow2 to 4$",
        ),
        (
            lambda: fwht(torch.ones(5)),
            ValueError,
            r"^length 5 along axis -1 is not a power of two; pad with hadalib.pad_pow2 to 8$",
        ),
        (
            lambda: fwht(np.ones((3, 0))),
            ValueError,
            r"^length 0 along axis -1: cannot transform an empty axis; "
            r"the length must be a power of two \(1, 2, 4, \.\.\.\)$",
        ),
        (
            lambda: fwht(np.ones(4), norm="unitary"),
            ValueError,
            r"^norm='unitary' is not one of 'backward', 'ortho', 'forward'$",
        ),
        (
            lambda: ifwht(np.ones(4), order="walsh"),
            ValueError,
            r"^order='walsh' is not one of 'natural', 'sequency', 'dyadic'$",
        ),
        (
            lambda: fwht(np.ones((2, 4)), axis=2),
            ValueError,
            r"^axis 2 is out of bounds for input with 2 dimension\(s\); use an axis in \[-2, 1\]$",
        ),
        (
            lambda: fwht(np.ones(4), axis=1.0),
            TypeError,
            r"^axis must be an int, got 1\.0 \(float\)$",
        ),
        (
            lambda: fwht(np.array(["a", "b"])),
            TypeError,
            r"^x has dtype <U1; fwht accepts real or complex floating-point input "
            r"\(integers and booleans are cast to float64\)$",
        ),
        (lambda: fwht(3.0), ValueError, r"^fwht needs at least one dimension, got a 0-d input$"),
        (
            lambda: fwht2(np.ones((4, 4)), axes=(1, -1)),
            ValueError,
            r"^axes must be distinct, got \(1, -1\)$",
        ),
        (
            lambda: fwht_stages(np.ones((2, 2))),
            ValueError,
            r"^fwht_stages needs a 1-D sequence, got shape \(2, 2\)$",
        ),
        (
            lambda: fwht_stages(["a", "b"]),
            TypeError,
            r"^x has dtype <U1; fwht_stages accepts numbers$",
        ),
        (
            lambda: dct(np.ones(4) + 1j),
            TypeError,
            r"^x has dtype complex128; dct accepts real input only$",
        ),
    ],
)
def test_error_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- torch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("order", ORDERS)
def test_tensor_equals_array(path, dtype, order):
    x = torch.randn(2, 4, 32, dtype=dtype, generator=torch.Generator().manual_seed(0))
    for axis in range(x.dim()):  # every axis, none skipped
        y = fwht(x, axis=axis, norm="ortho", order=order)
        assert isinstance(y, torch.Tensor) and y.dtype == dtype and y.device == x.device
        expected = fwht(x.numpy(), axis=axis, norm="ortho", order=order)
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n", [1, 2, 8, 64, 1024])
@pytest.mark.parametrize("order", ["sequency", "dyadic"])
def test_tensor_order_index_is_the_order_permutation(n, order):
    """The torch-built index of tensors (torch.compile traces it) equals the NumPy one."""
    expected = T._order_permutation(order, n)
    assert T._order_index(order, n, "cpu", inverse=False).tolist() == expected.tolist()
    assert T._order_index(order, n, "cpu", inverse=True).tolist() == np.argsort(expected).tolist()


def test_tensor_backward_is_one_operator_node_and_a_transform():
    x = torch.randn(2, 64, dtype=torch.float64, requires_grad=True)
    y = fwht(x)
    # one node, of the operator hadalib::fwht, not log2(n) stages: the next node is x's
    assert "hadalib_fwht" in y.grad_fn.name()
    ((leaf, _),) = y.grad_fn.next_functions
    assert leaf.variable is x
    g = torch.randn(2, 64, dtype=torch.float64)
    y.backward(g)
    torch.testing.assert_close(x.grad, torch.from_numpy(dense(g.numpy())))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("order", ORDERS)
def test_gradcheck(path, norm, order):
    x = torch.randn(3, 8, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: fwht(t, axis=1, norm=norm, order=order), (x,))
    assert torch.autograd.gradcheck(lambda t: ifwht(t, axis=-1, norm=norm, order=order), (x,))
    assert torch.autograd.gradgradcheck(lambda t: fwht(t, axis=1, norm=norm, order=order), (x,))


def test_gradcheck_fwht2_and_dct():
    x = torch.randn(2, 4, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: fwht2(t, norm="ortho"), (x,))
    assert torch.autograd.gradcheck(lambda t: dct(t, axis=1), (x,))
    assert torch.autograd.gradcheck(lambda t: idct(t, axis=-1, norm="backward"), (x,))


# --------------------------------------------------------------------------- DCT


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13])
@pytest.mark.parametrize("norm", NORMS)
def test_dct_matches_scipy(n, norm):
    x = np.random.default_rng(n).standard_normal((3, n, 2))
    for axis in (1, -1):
        expected = scipy.fft.dct(x, type=2, norm=norm, axis=axis)
        np.testing.assert_allclose(dct(x, axis=axis, norm=norm), expected, atol=1e-10)
        inverse = scipy.fft.idct(x, type=2, norm=norm, axis=axis)
        np.testing.assert_allclose(idct(x, axis=axis, norm=norm), inverse, atol=1e-10)
        t = torch.from_numpy(x)
        np.testing.assert_allclose(dct(t, axis=axis, norm=norm).numpy(), expected, atol=1e-10)
        np.testing.assert_allclose(idct(t, axis=axis, norm=norm).numpy(), inverse, atol=1e-10)


def test_dct_keeps_float32():
    x = np.random.default_rng(7).standard_normal(16).astype(np.float32)
    assert dct(x).dtype == np.float32
    assert dct(torch.from_numpy(x)).dtype == torch.float32
    np.testing.assert_allclose(idct(dct(x)), x, atol=1e-5)


# --------------------------------------------------------------------------- the kernel's switch


@pytest.mark.parametrize(
    ("value", "pure"),
    [
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        (" off ", False),
        ("1", True),
        ("true", True),
        ("YES", True),
        ("on", True),
    ],
)
def test_hadalib_pure_is_read_as_a_boolean(monkeypatch, value, pure):
    pytest.importorskip("numba")
    monkeypatch.setenv("HADALIB_PURE", value)
    monkeypatch.setattr(K, "_KERNEL", None)
    assert bool(K._kernel()) is not pure
    np.testing.assert_array_equal(fwht(np.arange(4.0)), [6.0, -2.0, -4.0, 0.0])


def test_hadalib_pure_that_is_not_a_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("HADALIB_PURE", "maybe")
    monkeypatch.setattr(K, "_KERNEL", None)
    with pytest.raises(
        ValueError,
        match=r"^environment variable HADALIB_PURE='maybe' is not a boolean; use one of "
        r"1, true, yes, on to switch it on, or '', '0', 'false', 'no', 'off' to switch it off$",
    ):
        fwht(np.ones(4))


def test_a_failing_kernel_falls_back_to_the_pure_path_with_one_warning(monkeypatch):
    import hadalib._fwht_numba as kernels

    def broken(*args):
        raise ValueError("cannot load the cached kernel")

    monkeypatch.setattr(K, "_KERNEL", (broken, broken))  # threaded and single-thread entries
    monkeypatch.setattr(kernels, "without_cache", lambda: None)  # the retry fails as well
    x = np.random.default_rng(8).standard_normal((3, 16))
    with pytest.warns(RuntimeWarning, match=r"the compiled kernel failed \(ValueError: cannot"):
        y = fwht(x)
    np.testing.assert_allclose(y, dense(x), atol=1e-12)
    assert K._KERNEL is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one warning, not one per call
        np.testing.assert_allclose(fwht(torch.from_numpy(x)).numpy(), dense(x), atol=1e-12)


@pytest.mark.slow
def test_a_damaged_numba_cache_is_compiled_again(tmp_path):
    """Truncated or garbage files in numba's cache: fwht recompiles instead of failing."""
    pytest.importorskip("numba")
    cache = tmp_path / "numba-cache"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    env.pop("HADALIB_PURE", None)
    code = (
        "import numpy as np, hadalib.transforms as T, hadalib._fwht_cpu as K\n"
        "print(T.fwht(np.arange(8.0)).tolist(), T.fwht(np.ones(4, np.float32)).tolist())\n"
        "assert K._KERNEL, 'the compiled kernel is in use'\n"
    )
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    assert any(p.suffix == ".nbi" for p in files) and any(p.suffix == ".nbc" for p in files)
    for i, p in enumerate(files):  # half garbage, half truncated
        p.write_bytes(b"garbage\n" if i % 2 else p.read_bytes()[:20])
    second = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert second.stderr.count("RuntimeWarning") == 1
    assert "it was compiled again without the cache" in second.stderr


@pytest.mark.parametrize(
    ("shape", "dtype", "axis", "norm"),
    [
        ((1024,), np.float32, -1, None),
        ((3, 64), np.float64, 1, "backward"),
        ((2,), np.float64, 0, "ortho"),
        ((1 << 19,), np.float32, -1, "forward"),
    ],
)
def test_small_and_large_calls_give_the_dense_transform(path, shape, dtype, axis, norm):
    """Every size takes one path (the kernel's single-thread entry below PARALLEL_MIN
    elements, its threads from there on) and gives H x, scaled as asked."""
    x = np.random.default_rng(9).standard_normal(shape).astype(dtype)
    n = shape[axis]
    y = fwht(x, axis=axis, norm=norm)
    assert y.dtype == dtype and y.shape == x.shape
    scale = {None: 1.0, "backward": 1.0, "ortho": n**-0.5, "forward": 1.0 / n}[norm]
    if n <= 1024:
        np.testing.assert_allclose(y, scale * dense(x, axis), rtol=1e-5, atol=1e-4)
    else:  # too long for the dense matrix: H H x = n x
        np.testing.assert_allclose(fwht(y) / (n * scale), x, rtol=1e-4, atol=1e-4)


def test_the_small_array_shortcut_gives_the_general_path_and_steps_aside_on_failure(monkeypatch):
    """fwht's shortcut for small float arrays along the last axis agrees with the general
    path, and a failing single-thread kernel hands over to it (which recovers)."""
    rng = np.random.default_rng(9)
    for shape, dtype in [((1024,), np.float32), ((3, 64), np.float64), ((2,), np.float64)]:
        x = rng.standard_normal(shape).astype(dtype)
        np.testing.assert_allclose(fwht(x), dense(x), rtol=1e-5, atol=1e-4)
    if not K.one_thread_kernel():
        pytest.skip("no compiled kernel here")

    calls = []

    def broken(*args):
        calls.append(args)
        raise ValueError("broken single-thread entry")

    import hadalib._fwht_numba as kernels

    monkeypatch.setattr(K, "_KERNEL", (K._kernel()[0], broken))
    monkeypatch.setattr(kernels, "without_cache", lambda: None)  # the retry fails as well
    x = rng.standard_normal(16)
    with pytest.warns(RuntimeWarning, match=r"the compiled kernel failed \(ValueError: broken"):
        np.testing.assert_allclose(fwht(x), dense(x), atol=1e-12)
    assert len(calls) == 3  # the shortcut's call, then the general path's and its retry


def test_large_outputs_reuse_freed_memory_once_nothing_uses_it():
    """From RECYCLE_MIN bytes on, a freed output's memory serves the next output of its size
    (no page faults on fresh memory), and never while a view or tensor still reads it."""
    if not K._kernel():
        pytest.skip("no compiled kernel here")
    x = np.random.default_rng(10).standard_normal(K.RECYCLE_MIN // 8 * 2)

    def address(a):
        return a.__array_interface__["data"][0]

    y = fwht(x)
    first = address(y)
    view, tensor = y[::2], torch.from_numpy(y)
    del y
    z = fwht(x)
    assert address(z) != first  # the view and the tensor still use the first output
    np.testing.assert_array_equal(view, z[::2])
    del view
    assert address(fwht(x)) != first  # the tensor still does
    np.testing.assert_array_equal(tensor.numpy(), z)
    second = address(z)
    del tensor, z
    assert address(fwht(x)) in (first, second)
