"""Fast Walsh-Hadamard transforms (and the type-II DCT) for NumPy arrays and torch tensors.

A NumPy array in gives a NumPy array out; a torch tensor in gives a tensor out on the same
device and dtype, differentiable. torch is imported only when a tensor is passed, so
``import hadalib.transforms`` stays light.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from hadalib._checks import (
    NORMS,
    ORDERS,
    as_array,
    as_axes,
    check_choice,
    check_norm,
    check_pow2,
    is_pow2,
    is_tensor,
    next_pow2,
    normalize_axis,
    refuse_tensor,
)
from hadalib._fwht_cpu import (
    KERNEL_DTYPES,
    PARALLEL_MIN,
    compiled_copy,
    one_thread_kernel,
    stagewise,
)
from hadalib.matrices import order_permutation

__all__ = [
    "fwht",
    "ifwht",
    "fwht2",
    "ifwht2",
    "pad_pow2",
    "dyadic_convolve",
    "dct",
    "idct",
    "fwht_stages",
]


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------


def _as_float(x: Any, func: str, name: str = "x") -> tuple[Any, bool]:
    """x as a floating (or complex) array or tensor, and whether it is a tensor.

    The one place a transform asks "is this a tensor?" (a NumPy array never needs to ask).
    Integers and booleans are cast (float64, or torch's default dtype); masked arrays are
    refused (their mask would be dropped); arrays in a non-native byte order (e.g.
    ``dtype=">f8"`` read from a file) are converted to the native order, which is what the
    compiled kernel reads.
    """
    if not isinstance(x, np.ndarray) and is_tensor(x):
        if x.dtype.is_floating_point or x.dtype.is_complex:
            return x, True
        import torch

        return x.to(torch.get_default_dtype()), True
    if type(x) is np.ndarray and (dtype := x.dtype).char in "fd" and dtype.isnative:
        return x, False  # the commonest input first: a native float32/float64 array
    _refuse_masked(x, name, func)
    x = as_array(x, name, kinds=None)
    if x.dtype.kind in "fc":
        return (x if x.dtype.isnative else x.astype(x.dtype.newbyteorder("="))), False
    if x.dtype.kind in "biu":
        return x.astype(np.float64), False
    raise TypeError(
        f"{name} has dtype {x.dtype}; {func} accepts real or complex floating-point input "
        "(integers and booleans are cast to float64)"
    )


def _refuse_masked(x: Any, name: str, func: str) -> None:
    """Refuse a NumPy masked array: np.asarray would drop its mask without a word."""
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a numpy masked array; {func} mixes every entry into every output, "
            f"so no mask carries over: pass {name}.filled(value) (e.g. 0) or {name}.data"
        )


def _check_ndim(ndim: int, func: str) -> None:
    if ndim == 0:
        raise ValueError(f"{func} needs at least one dimension, got a 0-d input")


def _check_nonempty(n: int, axis: Any, why: str = "") -> None:
    """Refuse an empty axis (``why`` adds what length would be accepted)."""
    if n == 0:
        raise ValueError(f"length 0 along axis {axis}: cannot transform an empty axis{why}")


def _check_length(n: int, axis: Any) -> None:
    """Refuse a length along ``axis`` that is not a power of two (the WHT's)."""
    if not is_pow2(n):
        _check_nonempty(n, axis, "; the length must be a power of two (1, 2, 4, ...)")
        check_pow2(n, f"length {n} along axis {axis}")


# ---------------------------------------------------------------------------
# orders
# ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _order_permutation(order: str, n: int) -> np.ndarray:
    """Indices p such that ``y_order[k] = y_natural[p[k]]`` for a length-n transform."""
    permutation = order_permutation(n, order)
    permutation.setflags(write=False)
    return permutation


@lru_cache(maxsize=64)
def _inverse_permutation(order: str, n: int) -> np.ndarray:
    inverse = np.argsort(_order_permutation(order, n))
    inverse.setflags(write=False)
    return inverse


def _scale(n: int, norm: str, inverse: bool) -> float:
    if norm == "ortho":
        return n**-0.5
    if (norm == "backward") == inverse:
        return 1.0 / n
    return 1.0


# ---------------------------------------------------------------------------
# the butterfly
# ---------------------------------------------------------------------------


def fwht_stages(x: Any) -> list[np.ndarray]:
    """The butterfly of the fast WHT, stage by stage: the reference implementation.

    Stage ``s`` (``h = 2**s``) replaces each pair ``(y[j], y[j + h])`` with
    ``(y[j] + y[j + h], y[j] - y[j + h])``: ``n/2`` additions and ``n/2`` subtractions per
    stage, ``log2 n`` stages, no multiplications. The last stage is ``H_n @ x`` in natural
    order, unnormalized. Written for reading (plain Python loops), not for speed:
    :func:`fwht` computes the same numbers quickly.

    Parameters
    ----------
    x : array_like
        A 1-D sequence whose length is a power of two. Integers and booleans are summed
        exactly: as int64, or as Python ints (an object array) where the sums could
        leave int64's range (``n * max|x| >= 2**63``); floating-point, complex and object
        arrays keep their dtype (object arrays of custom numbers can count operations).

    Returns
    -------
    list of numpy.ndarray
        ``log2(n) + 1`` arrays: the input, then the vector after each stage.

    Raises
    ------
    ValueError
        If ``x`` is not 1-D or its length is not a power of two.
    TypeError
        If ``x`` is not numeric, or is a torch tensor or a masked array.

    Examples
    --------
    >>> [s.tolist() for s in fwht_stages([1, 0, 1, 0])]
    [[1, 0, 1, 0], [1, 1, 1, 1], [2, 2, 0, 0]]

    Introduced in: book/07_fast_transform.ipynb
    """
    refuse_tensor(x, "x", "fwht_stages (the NumPy reference)", "use hadalib.fwht for tensors")
    _refuse_masked(x, "x", "fwht_stages")
    y = np.array(as_array(x, "x", kinds=None))  # a copy: the stages overwrite it
    if y.ndim != 1:
        raise ValueError(f"fwht_stages needs a 1-D sequence, got shape {y.shape}")
    if y.dtype.kind not in "biufcO":
        raise TypeError(f"x has dtype {y.dtype}; fwht_stages accepts numbers")
    n = len(y)
    _check_length(n, 0)
    if y.dtype.kind in "biu":
        y = _exact_integers(y)
    stages = [y.copy()]
    h = 1
    while h < n:
        for start in range(0, n, 2 * h):
            for j in range(start, start + h):
                y[j], y[j + h] = y[j] + y[j + h], y[j] - y[j + h]
        stages.append(y.copy())
        h *= 2
    return stages


def _exact_integers(y: np.ndarray) -> np.ndarray:
    """Integers (or booleans) y in a dtype whose sums over y stay exact: int64 when every
    sum of len(y) of them fits (``len(y) * max|y| < 2**63``), else Python ints."""
    bound = len(y) * max(int(y.max()), -int(y.min())) if y.size else 0
    if bound < 2**63:
        return y.astype(np.int64)
    return np.array([int(v) for v in y], dtype=object)


def _fwht_reference(x: Any) -> np.ndarray:
    """Unnormalized natural-order WHT of a 1-D sequence by the textbook butterfly."""
    return fwht_stages(x)[-1]


# The torch operator hadalib::fwht (hadalib._fwht_op), imported with the first tensor, so
# that importing this module does not import torch.
_TENSOR_OP: Any = None


def _order_index(order: str, n: int, device: Any, inverse: bool) -> Any:
    """``_order_permutation(order, n)`` (or its inverse) as a tensor on device.

    Built from torch operations on the indices (``bit_reverse(gray_code(k))``), which
    torch.compile traces into its graph; it cannot trace the NumPy of the cached array.
    """
    import torch

    k = torch.arange(n, device=device)
    if order == "sequency":
        k = k ^ (k >> 1)
    bits = torch.arange(n.bit_length() - 1, device=device)
    index = (((k[:, None] >> bits) & 1) << bits.flip(0)).sum(1)
    return torch.argsort(index) if inverse else index


def _along_tensor(x: Any, ax: int, n: int, order: str, inverse: bool) -> Any:
    """Unnormalized WHT of a floating tensor along ax, coefficients in order (autograd)."""
    global _TENSOR_OP
    if _TENSOR_OP is None:
        from hadalib._fwht_op import fwht as op

        _TENSOR_OP = op
    if order == "natural":
        return _TENSOR_OP(x, ax)
    index = _order_index(order, n, x.device, inverse)
    if inverse:
        return _TENSOR_OP(x.index_select(ax, index), ax)
    return _TENSOR_OP(x, ax).index_select(ax, index)


def _along_array(x: np.ndarray, ax: int, n: int, order: str, inverse: bool) -> np.ndarray:
    """Unnormalized WHT of a floating array along ax, coefficients in order (a new array)."""
    if inverse and order != "natural":
        x = np.take(x, _inverse_permutation(order, n), axis=ax)
    shape = x.shape
    stride = 1 if ax == len(shape) - 1 else math.prod(shape[ax + 1 :])
    src = np.ascontiguousarray(x)
    y = compiled_copy(src, n, stride)
    if y is None:
        rows = math.prod(shape[:ax])
        y = stagewise(src.reshape(rows, n, stride), rows, n, stride).reshape(shape)
    if not inverse and order != "natural":
        y = np.take(y, _order_permutation(order, n), axis=ax)
    return y


def _wht(x: Any, axes: Any, norm: Any, order: Any, inverse: bool, func: str, several: bool) -> Any:
    """The WHT (or its inverse) along one axis (fwht, ifwht) or several (fwht2, ifwht2)."""
    # exact-type membership first: the commonest arguments cost 0.05 µs instead of 0.25
    if norm.__class__ is not str or norm not in NORMS:
        norm = check_norm(norm)
    if order.__class__ is not str or order not in ORDERS:
        check_choice("order", order, ORDERS)
    x, tensor = _as_float(x, func)
    _check_ndim(x.ndim, func)
    for axis in _check_axes(axes, x.ndim) if several else (axes,):
        ax = normalize_axis(axis, x.ndim)
        n = x.shape[ax]
        _check_length(n, axis)
        x = (_along_tensor if tensor else _along_array)(x, ax, n, order, inverse)
        scale = _scale(n, norm, inverse)
        if scale != 1.0:
            x = x * scale if tensor else np.multiply(x, x.dtype.type(scale), out=x)
    return x


def _fwht_last_axis(x: np.ndarray, axis: Any, norm: Any, order: Any) -> np.ndarray | None:
    """fwht's commonest call, without _wht's general checks, for small arrays; else None.

    A native float32/float64 C-contiguous array of fewer than PARALLEL_MIN elements,
    transformed unscaled along its last axis, of a power-of-two length >= 2, goes straight
    to the kernel on this thread. For a vector of 2**10 the general path costs about 1 µs
    more than the kernel's own 1 µs (benchmarks/fwht.py). Anything else, no kernel, or a
    kernel that fails returns None: the general path then decides (and recovers).
    """
    if not (
        type(axis) is int
        and (axis == -1 or axis == x.ndim - 1)
        and (norm is None or (type(norm) is str and norm == "backward"))
        and type(order) is str
        and order == "natural"
        and (dtype := x.dtype).char in KERNEL_DTYPES
        and dtype.isnative
        and x.flags.c_contiguous
        and 1 < x.size < PARALLEL_MIN
    ):
        return None
    n = x.shape[-1]
    rows = one_thread_kernel()
    if n < 2 or n & (n - 1) or not rows:
        return None
    dst = np.empty(x.shape, dtype)
    try:
        if x.ndim == 1:  # reshape(-1) costs 0.1 µs a call, a tenth of the kernel's at 2**10
            rows(x, dst, 0, n, n, 1)
        else:
            rows(x.reshape(-1), dst.reshape(-1), 0, x.size, n, 1)
    except Exception:  # the general path retries with compiled()'s recovery and warning
        return None
    return dst


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def fwht(x: Any, axis: int = -1, norm: str = "backward", order: str = "natural") -> Any:
    """Fast Walsh-Hadamard transform along one axis, in O(n log n) additions.

    ``fwht(x)`` along a length-``n`` axis equals ``H_n @ x`` with the Sylvester matrix
    ``H_n = scipy.linalg.hadamard(n)``, without forming ``H_n``.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Input. Real or complex floating point; integers and booleans are cast to
        float64 (NumPy) or to torch's default dtype (tensors), as ``numpy.fft`` and
        ``torch.fft`` do; arrays in a non-native byte order (``">f8"``) come back in
        the native one. Tensors may live on any device and stay differentiable.
    axis : int, optional
        Axis to transform; its length must be a power of two (1, 2, 4, ...).
    norm : {"backward", "ortho", "forward"} or None, optional
        Scaling, with NumPy's meaning: "backward" (also None) leaves the forward
        transform unscaled (the inverse divides by n), "ortho" scales both by
        ``1/sqrt(n)``, "forward" divides the forward transform by n.
    order : {"natural", "sequency", "dyadic"}, optional
        Order of the output coefficients: "natural" (Hadamard, rows of
        ``H_n``), "sequency" (Walsh, coefficient k has k sign changes) or "dyadic"
        (Paley, natural index bit-reversed).

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The transform, same shape as ``x``; same kind, device and dtype as the input
        (floating point).

    Raises
    ------
    ValueError
        If the length along ``axis`` is not a power of two (the message names the
        length, the axis and :func:`pad_pow2`), if it is 0, if ``axis`` is out of
        range, or if ``norm`` or ``order`` is unknown.
    TypeError
        If ``x`` is not numeric, or is a NumPy masked array (every output mixes every
        entry, so no mask carries over: fill it first).

    Notes
    -----
    float32 and float64 input on the CPU (arrays and tensors) runs a compiled kernel when
    numba is installed: fused radix-2/4/8 butterflies in cache-sized chunks, split over
    ``NUMBA_NUM_THREADS`` threads (default: all cores) from 2**19 elements on; its outputs
    of 256 KiB and more reuse the memory of freed outputs of their size (up to 128 MiB is
    kept), which spares them the page faults of fresh memory (a forward and its backward
    hold two outputs at once). CUDA
    tensors in float32, bfloat16 or float16 run a Triton kernel when Triton is installed.
    Other dtypes and devices, and every CPU input when numba is missing or the environment
    variable ``HADALIB_PURE`` is true (``1``, ``true``, ``yes`` or ``on``; ``0``,
    ``false``, ``no``, ``off`` or empty keep the kernel; any other value raises a
    ValueError), take the pure path: one vectorized NumPy (or torch) addition and
    subtraction per stage. All give the numbers of :func:`fwht_stages`. If numba
    cannot load the kernel from its cache (a damaged cache file), the kernel is
    compiled again without the cache, or else the pure path is taken, with one
    RuntimeWarning. Tensors go through one torch operator, ``torch.ops.hadalib.fwht``
    (the unnormalized natural-order transform), with the scaling and the order as torch
    operations around it, so ``torch.compile`` works, also with ``fullgraph=True``. Its
    backward pass is the same transform (``H`` is symmetric): one autograd node however
    long the axis.

    Examples
    --------
    >>> fwht([1.0, 0.0, 1.0, 0.0])
    array([2., 2., 0., 0.])
    >>> fwht([1.0, 2.0, 3.0, 4.0], norm="ortho")
    array([ 5., -1., -2.,  0.])

    Introduced in: book/07_fast_transform.ipynb
    """
    if type(x) is np.ndarray:
        y = _fwht_last_axis(x, axis, norm, order)
        if y is not None:
            return y
    return _wht(x, axis, norm, order, inverse=False, func="fwht", several=False)


def ifwht(x: Any, axis: int = -1, norm: str = "backward", order: str = "natural") -> Any:
    """Inverse fast Walsh-Hadamard transform: ``ifwht(fwht(x, ...), ...) == x``.

    The WHT is its own inverse up to scaling (``H_n H_n = n I``), so this is
    :func:`fwht` with the inverse scaling and the coefficients read in ``order``.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Coefficients, as produced by :func:`fwht` with the same ``norm`` and ``order``.
    axis : int, optional
        Axis to transform; its length must be a power of two.
    norm : {"backward", "ortho", "forward"} or None, optional
        Scaling with NumPy's meaning ("backward" or None: this inverse divides by n).
    order : {"natural", "sequency", "dyadic"}, optional
        Order in which the coefficients of ``x`` are given.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The signal, same shape, kind, device and dtype as the input (floating point).

    Raises
    ------
    ValueError
        As :func:`fwht`.
    TypeError
        As :func:`fwht`.

    Examples
    --------
    >>> ifwht([2.0, 2.0, 0.0, 0.0])
    array([1., 0., 1., 0.])

    Introduced in: book/07_fast_transform.ipynb
    """
    return _wht(x, axis, norm, order, inverse=True, func="ifwht", several=False)


def _check_axes(axes: Any, ndim: int, name: str = "axes") -> tuple[int, ...]:
    """Distinct axes (an int or a sequence of ints) as a tuple, as given (e.g. -1)."""
    given = as_axes(axes, name)
    normalized = [normalize_axis(a, ndim) for a in given]
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{name} must be distinct, got {given!r}")
    return given


def fwht2(
    x: Any, axes: tuple[int, ...] = (-2, -1), norm: str = "backward", order: str = "natural"
) -> Any:
    """Two-dimensional (or n-dimensional) fast Walsh-Hadamard transform.

    Applies :func:`fwht` along each axis in ``axes``; for an image ``X`` of shape (n, m) in
    natural order this is ``H_n @ X @ H_m``. Its inverse is :func:`ifwht2`.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Input; the length along each axis in ``axes`` must be a power of two.
    axes : tuple of int, optional
        Distinct axes to transform (default: the last two).
    norm : {"backward", "ortho", "forward"} or None, optional
        Scaling per axis, with NumPy's meaning (None: "backward").
    order : {"natural", "sequency", "dyadic"}, optional
        Coefficient order along every axis.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Same shape, kind, device and dtype as the input (floating point).

    Raises
    ------
    ValueError
        As :func:`fwht`, or if ``axes`` repeats an axis.
    TypeError
        As :func:`fwht`, or if ``axes`` is not an int or a tuple of ints.

    Examples
    --------
    >>> fwht2([[1.0, 0.0], [0.0, 0.0]])
    array([[1., 1.],
           [1., 1.]])

    Introduced in: book/07_fast_transform.ipynb
    """
    return _wht(x, axes, norm, order, inverse=False, func="fwht2", several=True)


def ifwht2(
    x: Any, axes: tuple[int, ...] = (-2, -1), norm: str = "backward", order: str = "natural"
) -> Any:
    """Inverse of :func:`fwht2`: ``ifwht2(fwht2(x, ...), ...) == x``.

    Applies :func:`ifwht` along each axis in ``axes``; for coefficients ``Y`` of shape
    (n, m) in natural order with ``norm="backward"`` this is ``H_n @ Y @ H_m / (n m)``.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Coefficients, as produced by :func:`fwht2` with the same ``axes``, ``norm`` and
        ``order``; the length along each axis in ``axes`` must be a power of two.
    axes : tuple of int, optional
        Distinct axes to transform (default: the last two).
    norm : {"backward", "ortho", "forward"} or None, optional
        Scaling per axis, with NumPy's meaning ("backward" or None: divide by n per axis).
    order : {"natural", "sequency", "dyadic"}, optional
        Order in which the coefficients are given along every axis.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Same shape, kind, device and dtype as the input (floating point).

    Raises
    ------
    ValueError
        As :func:`fwht2`.
    TypeError
        As :func:`fwht2`.

    Examples
    --------
    >>> ifwht2([[1.0, 1.0], [1.0, 1.0]])
    array([[1., 0.],
           [0., 0.]])

    Introduced in: book/07_fast_transform.ipynb
    """
    return _wht(x, axes, norm, order, inverse=True, func="ifwht2", several=True)


def pad_pow2(x: Any, axis: int | tuple[int, ...] = -1) -> Any:
    """Pad with zeros at the end of ``axis`` up to the next power of two.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Input of any dtype.
    axis : int or tuple of int, optional
        Axis (or axes) to pad.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        A new array/tensor whose length along each axis is the smallest power of two
        that is at least the original length (at least 1); gradients flow through
        for tensors.

    Raises
    ------
    ValueError
        If ``x`` is 0-d, or an axis is out of range or repeated.
    TypeError
        If ``axis`` is not an int or a tuple of ints.

    Examples
    --------
    >>> pad_pow2([1, 2, 3])
    array([1, 2, 3, 0])

    Introduced in: book/07_fast_transform.ipynb
    """
    tensor = not isinstance(x, np.ndarray) and is_tensor(x)
    if not tensor:
        x = np.asarray(x)
    ndim = x.ndim
    _check_ndim(ndim, "pad_pow2")
    widths = [0] * ndim
    for a in _check_axes(axis, ndim, "axis"):
        a = normalize_axis(a, ndim)
        widths[a] = next_pow2(x.shape[a]) - x.shape[a]
    if not tensor:
        return np.pad(x, [(0, w) for w in widths])
    import torch.nn.functional as F

    flat = []
    for w in reversed(widths):  # F.pad lists the last dimension first
        flat += [0, w]
    return F.pad(x, flat)


# ---------------------------------------------------------------------------
# dyadic (XOR) convolution
# ---------------------------------------------------------------------------


def _convolution_axis(a: Any, b: Any, axis: Any) -> int:
    """The axis as a negative index valid in both a and b (checked: same power-of-two length).

    ``axis`` indexes the broadcast shape of a and b; both must have that axis, with the
    same power-of-two length along it, and their other axes must broadcast.
    """
    for name, x in (("a", a), ("b", b)):
        if x.ndim == 0:
            raise ValueError(
                f"{name} is 0-d; dyadic_convolve needs at least one dimension (the axis to "
                "convolve along)"
            )
    ndim = max(a.ndim, b.ndim)  # the number of dimensions of the broadcast shape
    ax = normalize_axis(axis, ndim) - ndim  # negative: counts from the end in both
    for name, x in (("a", a), ("b", b)):
        if x.ndim < -ax:
            raise ValueError(
                f"{name} with shape {tuple(x.shape)} has no axis {axis} of the broadcast "
                f"shape ({ndim} dimensions); give {name} that axis, with the other input's length"
            )
    n, m = a.shape[ax], b.shape[ax]
    if n != m:
        raise ValueError(
            f"a has length {n} and b has length {m} along axis {axis}; dyadic_convolve needs "
            "the same length in both (it does not broadcast along axis)"
        )
    check_pow2(
        n,
        f"a and b have length {n} along axis {axis}, which",
        "dyadic convolution needs a length n = 2**m (1, 2, 4, ...), on which the XOR of two "
        "indices is again an index",
    )
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise ValueError(
            f"a with shape {tuple(a.shape)} and b with shape {tuple(b.shape)} do not broadcast; "
            "dyadic_convolve broadcasts the axes other than axis as NumPy does"
        ) from None
    return ax


def dyadic_convolve(a: Any, b: Any, axis: int = -1) -> Any:
    """Dyadic (XOR) convolution ``(a ⊛ b)[k] = sum_j a[j] b[k XOR j]``, in O(n log n).

    The Walsh-Hadamard transform turns it into the Hadamard product (the convolution
    theorem of the WHT)::

        fwht(dyadic_convolve(a, b)) == fwht(a) * fwht(b)

    because every row of ``H_n`` is a character of XOR,
    ``(-1)**popcount(u & (j ^ k)) == (-1)**popcount(u & j) * (-1)**popcount(u & k)``.
    So the convolution is computed as ``ifwht(fwht(a) * fwht(b))``: three fast
    transforms and n products instead of the n**2 products of the definition. It is
    commutative and associative, and the unit vector at index 0 is its identity.

    Parameters
    ----------
    a, b : array_like or torch.Tensor
        Two NumPy arrays (or sequences), or two tensors on the same device; mixing an
        array with a tensor is refused. Both must have the same length ``n = 2**m`` along
        ``axis`` (1, 2, 4, ...); the other axes broadcast as in NumPy, so a batch of
        signals of shape ``(batch, n)`` can be convolved with one kernel of shape ``(n,)``.
        Real or complex floating point; integers and booleans are cast to float64, for
        arrays and tensors alike (not to torch's default dtype, as :func:`fwht` does for
        tensors: float32 would round sums of integers above 2**24).
    axis : int, optional
        The axis to convolve along, an index into the broadcast shape of ``a`` and
        ``b`` (default: the last).

    Returns
    -------
    numpy.ndarray or torch.Tensor
        ``a ⊛ b`` with the broadcast shape, floating point, computed in the dtype NumPy's
        (or torch's) promotion gives the two inputs after the integer cast (float32 with
        float32 stays float32, float32 with float64 or with integers is float64).
        Tensors in give a tensor on their device, differentiable with respect to both
        inputs. For integer inputs (arrays or tensors) the result is exact (whole
        numbers) as long as ``n**3 * max|a| * max|b| < 2**53``.

    Raises
    ------
    ValueError
        If the lengths along ``axis`` differ or are not a power of two, if an input is
        0-d or lacks the axis, if the other axes do not broadcast, if ``axis`` is out of
        range, or if two tensors live on different devices.
    TypeError
        If one input is a tensor and the other is not, or an input is not numeric or is a
        NumPy masked array.

    Examples
    --------
    >>> dyadic_convolve([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 0.0])  # k -> a[k XOR 1]
    array([2., 1., 4., 3.])
    >>> a, b = np.array([1.0, 2.0, 0.0, -1.0]), np.array([3.0, 0.0, 1.0, 2.0])
    >>> bool(np.allclose(fwht(dyadic_convolve(a, b)), fwht(a) * fwht(b)))
    True

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    if is_tensor(a) != is_tensor(b):
        tensor, other, value = ("a", "b", b) if is_tensor(a) else ("b", "a", a)
        kind = "numpy.ndarray" if isinstance(value, np.ndarray) else type(value).__name__
        raise TypeError(
            f"{tensor} is a torch.Tensor and {other} is a {kind}; "
            f"dyadic_convolve takes two NumPy arrays or two tensors (pass "
            f"torch.as_tensor({other}, device={tensor}.device) for {other})"
        )
    if is_tensor(a):  # integer tensors as NumPy's integers: float64, not torch's float32
        a, b = (v if v.is_floating_point() or v.is_complex() else v.double() for v in (a, b))
    a, tensor = _as_float(a, "dyadic_convolve", "a")
    b, _ = _as_float(b, "dyadic_convolve", "b")
    if tensor and a.device != b.device:
        raise ValueError(
            f"a is on {a.device} and b on {b.device}; dyadic_convolve needs both tensors on "
            "one device"
        )
    ax = _convolution_axis(a, b, axis)
    # both in the promoted dtype before transforming, so float32 with float64 is float64 math
    if tensor:
        import torch

        dtype = torch.promote_types(a.dtype, b.dtype)
        a, b = a.to(dtype), b.to(dtype)
    else:
        dtype = np.result_type(a, b)
        a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    return ifwht(fwht(a, axis=ax) * fwht(b, axis=ax), axis=ax)


# ---------------------------------------------------------------------------
# DCT-II via one FFT (Makhoul's reordering)
# ---------------------------------------------------------------------------


def _dct_scale(n: int, norm: str) -> np.ndarray:
    """Per-coefficient factors from ``sum x cos(...)`` to SciPy's DCT-II with ``norm``."""
    if norm == "backward":
        s = np.full(n, 2.0)
    elif norm == "forward":
        s = np.full(n, 1.0 / n)
    else:
        s = np.full(n, np.sqrt(2.0 / n))
        s[0] = np.sqrt(1.0 / n)
    return s


def _dct_factors(n: int, norm: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Makhoul's reordering (evens, then odds reversed), the twiddles and the scale."""
    k = np.arange(n)
    reorder = np.concatenate([k[0::2], k[1::2][::-1]])
    return reorder, np.exp(-0.5j * np.pi * k / n), _dct_scale(n, norm)


def _dct_last_tensor(x: Any, norm: str, inverse: bool) -> Any:
    """DCT-II (or its inverse) along the last dim of a real floating tensor."""
    import torch

    reorder, twiddle, scale = _dct_factors(x.shape[-1], norm)
    complex_dtype = (torch.ones((), dtype=x.dtype) * 1j).dtype
    twiddle_t = torch.as_tensor(twiddle, dtype=complex_dtype, device=x.device)
    scale_t = torch.as_tensor(scale, dtype=x.dtype, device=x.device)
    order = torch.as_tensor(reorder, device=x.device)
    if not inverse:
        return (torch.fft.fft(x.index_select(-1, order)) * twiddle_t).real * scale_t
    y = x / scale_t
    rev = torch.cat([y[..., :1] * 0, y[..., 1:].flip(-1)], dim=-1)
    v = torch.fft.ifft((y - 1j * rev) / twiddle_t).real
    out = torch.empty_like(v)
    out[..., order] = v
    return out


def _dct_last_array(x: np.ndarray, norm: str, inverse: bool) -> np.ndarray:
    """DCT-II (or its inverse) along the last axis of a real floating array, same dtype."""
    order, twiddle, scale = _dct_factors(x.shape[-1], norm)
    if not inverse:
        y = (np.fft.fft(x[..., order], axis=-1) * twiddle).real * scale
        return y.astype(x.dtype, copy=False)
    y = x / scale
    rev = np.concatenate([np.zeros_like(y[..., :1]), y[..., :0:-1]], axis=-1)
    v = np.fft.ifft((y - 1j * rev) / twiddle, axis=-1).real
    out = np.empty_like(v)
    out[..., order] = v
    return out.astype(x.dtype, copy=False)


def _dct(x: Any, axis: Any, norm: Any, inverse: bool, func: str) -> Any:
    norm = check_norm(norm)
    x, tensor = _as_float(x, func)
    if x.is_complex() if tensor else np.iscomplexobj(x):
        raise TypeError(f"x has dtype {x.dtype}; {func} accepts real input only")
    _check_ndim(x.ndim, func)
    ax = normalize_axis(axis, x.ndim)
    _check_nonempty(x.shape[ax], axis)
    if tensor:
        return _dct_last_tensor(x.movedim(ax, -1), norm, inverse).movedim(-1, ax)
    return np.moveaxis(_dct_last_array(np.moveaxis(x, ax, -1), norm, inverse), -1, ax)


def dct(x: Any, axis: int = -1, norm: str = "ortho") -> Any:
    """Type-II discrete cosine transform, equal to ``scipy.fft.dct(x, type=2, norm=norm)``.

    Computed with one FFT of length n (any length, not only powers of two), for NumPy
    arrays and for torch tensors (differentiable, on their device).

    Parameters
    ----------
    x : array_like or torch.Tensor
        Real input; integers and booleans are cast to floating point as in :func:`fwht`.
    axis : int, optional
        Axis to transform.
    norm : {"ortho", "backward", "forward"} or None, optional
        SciPy's scaling; "ortho" (the default here) makes the transform orthonormal;
        None means "backward", as in SciPy.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The coefficients, same shape, kind, device and dtype as the input.

    Raises
    ------
    ValueError
        If the axis is out of range or empty, or ``norm`` is unknown.
    TypeError
        If ``x`` is complex, not numeric, or a NumPy masked array.

    Examples
    --------
    >>> dct([1.0, 1.0, 1.0, 1.0]).round(6)
    array([2., 0., 0., 0.])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    return _dct(x, axis, norm, inverse=False, func="dct")


def idct(x: Any, axis: int = -1, norm: str = "ortho") -> Any:
    """Inverse of :func:`dct`, equal to ``scipy.fft.idct(x, type=2, norm=norm)``.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Real DCT-II coefficients.
    axis : int, optional
        Axis to transform.
    norm : {"ortho", "backward", "forward"} or None, optional
        The ``norm`` used by the forward :func:`dct` (None: "backward").

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The signal, same shape, kind, device and dtype as the input.

    Raises
    ------
    ValueError
        As :func:`dct`.
    TypeError
        As :func:`dct`.

    Examples
    --------
    >>> idct([2.0, 0.0, 0.0, 0.0]).round(6)
    array([1., 1., 1., 1.])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    return _dct(x, axis, norm, inverse=True, func="idct")
