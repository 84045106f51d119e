"""Fast Walsh-Hadamard transforms (and the type-II DCT) for NumPy arrays and torch tensors.

A NumPy array in gives a NumPy array out; a torch tensor in gives a tensor out on the same
device and dtype, differentiable. torch is imported only when a tensor is passed, so
``import hadalib.transforms`` stays light.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import Any

import numpy as np

from hadalib.matrices import _ORDERS, order_permutation
from hadalib.products import _is_tensor

__all__ = ["fwht", "ifwht", "fwht2", "pad_pow2", "dct", "idct", "fwht_stages"]

_NORMS = ("backward", "ortho", "forward")


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------


def _next_pow2(n: int) -> int:
    return 1 << max(n - 1, 0).bit_length()


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        accepted = ", ".join(repr(c) for c in choices[:-1]) + f" or {choices[-1]!r}"
        raise ValueError(f"{name} must be {accepted}, got {value!r}")


def _as_float(x: Any, func: str) -> Any:
    """Return x as a floating (or complex) array/tensor, casting integers and booleans."""
    if type(x) is np.ndarray and x.dtype.char in "fd":
        return x
    if _is_tensor(x):
        import torch

        if x.dtype.is_floating_point or x.dtype.is_complex:
            return x
        return x.to(torch.get_default_dtype())
    x = np.asarray(x)
    if x.dtype.kind in "fc":
        return x
    if x.dtype.kind in "biu":
        return x.astype(np.float64)
    raise TypeError(
        f"x has dtype {x.dtype}; {func} accepts real or complex floating-point input "
        "(integers and booleans are cast to float64)"
    )


def _normalize_axis(axis: Any, ndim: int) -> int:
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"axis {axis} is out of bounds for input with {ndim} dimension(s); "
            f"use an axis in [{-ndim}, {ndim - 1}]"
        )
    return int(axis) % ndim


def _check_length(n: int, axis: int) -> None:
    if n == 0:
        raise ValueError(
            f"length 0 along axis {axis}: cannot transform an empty axis; "
            "the length must be a power of two (1, 2, 4, ...)"
        )
    if n & (n - 1):
        raise ValueError(
            f"length {n} along axis {axis} is not a power of two; "
            f"pad with hadalib.pad_pow2 to {_next_pow2(n)}"
        )


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
        A 1-D sequence whose length is a power of two. Integers and booleans become
        int64 (the butterfly is exact on them); floating-point, complex and object
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
        If ``x`` is not numeric.

    Examples
    --------
    >>> [s.tolist() for s in fwht_stages([1, 0, 1, 0])]
    [[1, 0, 1, 0], [1, 1, 1, 1], [2, 2, 0, 0]]

    Introduced in: book/06_fast_transform.ipynb
    """
    y = np.array(x)
    if y.ndim != 1:
        raise ValueError(f"fwht_stages needs a 1-D sequence, got shape {y.shape}")
    if y.dtype.kind in "bu":
        y = y.astype(np.int64)
    elif y.dtype.kind not in "ifcO":
        raise TypeError(f"x has dtype {y.dtype}; fwht_stages accepts numbers")
    n = len(y)
    _check_length(n, 0)
    stages = [y.copy()]
    h = 1
    while h < n:
        for start in range(0, n, 2 * h):
            for j in range(start, start + h):
                y[j], y[j + h] = y[j] + y[j + h], y[j] - y[j + h]
        stages.append(y.copy())
        h *= 2
    return stages


def _fwht_reference(x: Any) -> np.ndarray:
    """Unnormalized natural-order WHT of a 1-D sequence by the textbook butterfly."""
    return fwht_stages(x)[-1]


def _stage_views(x: Any, rows: int, n: int, stride: int, h: int) -> tuple[Any, Any]:
    """The two halves (j, j + h) of every butterfly of stage h, as views of x."""
    pairs = x.reshape(rows, n // (2 * h), 2, h * stride)
    return pairs[:, :, 0], pairs[:, :, 1]


def _fwht_stagewise(x: Any, rows: int, n: int, stride: int) -> Any:
    """Unnormalized WHT along n of a contiguous (rows, n, stride) array or tensor.

    The pure path: one vectorized NumPy/torch operation pair per stage, ping-ponging
    between two buffers (no Python loop over elements).
    """
    tensor = _is_tensor(x)
    src = x.clone() if tensor else x.copy()
    dst = src.new_empty(src.shape) if tensor else np.empty_like(src)
    h = 1
    while h < n:
        a, b = _stage_views(src, rows, n, stride, h)
        lo, hi = _stage_views(dst, rows, n, stride, h)
        if tensor:
            import torch

            torch.add(a, b, out=lo)
            torch.sub(a, b, out=hi)
        else:
            np.add(a, b, out=lo)
            np.subtract(a, b, out=hi)
        src, dst = dst, src
        h *= 2
    return src


# The compiled kernel (hadalib._fwht_numba) if numba is installed, else None; set on first
# use, so that importing this module does not import numba. HADALIB_PURE=1 disables it.
_KERNEL: Any = None
_KERNEL_DTYPES = "fd"  # dtype.char of float32, float64 (complex input takes the pure path)
# Inputs with fewer elements than this run on one thread (starting threads costs more).
_PARALLEL_MIN = 1 << 19


def _kernel() -> Any:
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = False
        if os.environ.get("HADALIB_PURE", "") in ("", "0"):
            try:
                from hadalib._fwht_numba import _fwht_into
            except ImportError:
                pass
            else:
                _KERNEL = _fwht_into
    return _KERNEL


def _fwht_array(x: np.ndarray, ax: int) -> np.ndarray:
    """Unnormalized natural-order WHT of a floating NumPy array along axis ax (a new array)."""
    shape = x.shape
    n = shape[ax]
    stride = 1 if ax == x.ndim - 1 else math.prod(shape[ax + 1 :])
    src = np.ascontiguousarray(x)
    kernel = _kernel() if src.dtype.char in _KERNEL_DTYPES else False
    if not kernel or src.size == 0 or n == 1:
        rows = math.prod(shape[:ax])
        return _fwht_stagewise(src.reshape(rows, n, stride), rows, n, stride).reshape(shape)
    dst = np.empty_like(src)
    if src.ndim == 1:
        kernel(src, dst, n, stride, src.size >= _PARALLEL_MIN)
    else:
        kernel(src.reshape(-1), dst.reshape(-1), n, stride, src.size >= _PARALLEL_MIN)
    return dst


def _fwht_tensor_raw(x: Any, dim: int) -> Any:
    """Unnormalized natural-order WHT of a tensor along dim, outside autograd."""
    import torch

    shape = tuple(x.shape)
    n = shape[dim]
    rows = math.prod(shape[:dim])
    stride = math.prod(shape[dim + 1 :])
    src = x.detach()
    if not src.is_contiguous():
        src = src.contiguous()
    numel = src.numel()
    if src.device.type == "cpu" and src.dtype in (torch.float32, torch.float64) and numel:
        kernel = _kernel()
        if kernel:
            src_array = src.resolve_neg().numpy()
            dst_array = np.empty(shape, dtype=src_array.dtype)
            kernel(src_array.reshape(-1), dst_array.reshape(-1), n, stride, numel >= _PARALLEL_MIN)
            return torch.from_numpy(dst_array)
    return _fwht_stagewise(src.reshape(rows, n, stride), rows, n, stride).reshape(shape)


_AUTOGRAD_FUNCTION: Any = None


def _autograd_function() -> Any:
    """The torch.autograd.Function of the unnormalized WHT, built on first use."""
    global _AUTOGRAD_FUNCTION
    if _AUTOGRAD_FUNCTION is None:
        import torch

        class _FWHT(torch.autograd.Function):
            """y = H x along one dim. H is symmetric, so the backward is the same transform."""

            @staticmethod
            def forward(ctx: Any, x: Any, dim: int) -> Any:
                ctx.dim = dim
                return _fwht_tensor_raw(x, dim)

            @staticmethod
            def backward(ctx: Any, grad: Any) -> tuple[Any, None]:
                if torch.is_grad_enabled():  # create_graph=True: keep it differentiable
                    return _FWHT.apply(grad, ctx.dim), None
                return _fwht_tensor_raw(grad, ctx.dim), None

        _AUTOGRAD_FUNCTION = _FWHT
    return _AUTOGRAD_FUNCTION


def _transform(x: Any, axis: Any, norm: str, order: str, inverse: bool, func: str) -> Any:
    if norm not in _NORMS:
        _check_choice("norm", norm, _NORMS)
    if order not in _ORDERS:
        _check_choice("order", order, _ORDERS)
    x = _as_float(x, func)
    tensor = _is_tensor(x)
    ndim = x.dim() if tensor else x.ndim
    if ndim == 0:
        raise ValueError(f"{func} needs at least one dimension, got a 0-d input")
    ax = _normalize_axis(axis, ndim)
    n = x.shape[ax]
    if n & (n - 1) or n == 0:
        _check_length(n, axis)
    scale = _scale(n, norm, inverse)
    if tensor:
        import torch

        if inverse and order != "natural":
            index = torch.tensor(_inverse_permutation(order, n), device=x.device)
            x = x.index_select(ax, index)
        y = _autograd_function().apply(x, ax)
        if not inverse and order != "natural":
            index = torch.tensor(_order_permutation(order, n), device=x.device)
            y = y.index_select(ax, index)
        return y * scale if scale != 1.0 else y
    if inverse and order != "natural":
        x = np.take(x, _inverse_permutation(order, n), axis=ax)
    y = _fwht_array(x, ax)
    if not inverse and order != "natural":
        y = np.take(y, _order_permutation(order, n), axis=ax)
    if scale != 1.0:
        y *= y.dtype.type(scale)
    return y


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
        ``torch.fft`` do. Tensors may live on any device and stay differentiable.
    axis : int, optional
        Axis to transform; its length must be a power of two (1, 2, 4, ...).
    norm : {"backward", "ortho", "forward"}, optional
        Scaling, with NumPy's meaning: "backward" leaves the forward transform
        unscaled (the inverse divides by n), "ortho" scales both by ``1/sqrt(n)``,
        "forward" divides the forward transform by n.
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
        If ``x`` is not numeric.

    Notes
    -----
    float32 and float64 input on the CPU (arrays and tensors) runs a compiled kernel when
    numba is installed: fused radix-2/4/8 butterflies in cache-sized chunks, split over
    ``NUMBA_NUM_THREADS`` threads (default: all cores) from 2**19 elements on. Other
    dtypes, CUDA tensors, and every input when numba is missing or the environment
    variable ``HADALIB_PURE=1`` is set, take the pure path: one vectorized NumPy (or
    torch) addition and subtraction per stage. Both give the numbers of
    :func:`fwht_stages`. For tensors the backward pass is the same transform
    (``H`` is symmetric), one autograd node however long the axis.

    Examples
    --------
    >>> fwht([1.0, 0.0, 1.0, 0.0])
    array([2., 2., 0., 0.])
    >>> fwht([1.0, 2.0, 3.0, 4.0], norm="ortho")
    array([ 5., -1., -2.,  0.])

    Introduced in: book/06_fast_transform.ipynb
    """
    return _transform(x, axis, norm, order, inverse=False, func="fwht")


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
    norm : {"backward", "ortho", "forward"}, optional
        Scaling with NumPy's meaning ("backward": this inverse divides by n).
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

    Introduced in: book/06_fast_transform.ipynb
    """
    return _transform(x, axis, norm, order, inverse=True, func="ifwht")


def _check_axes(axes: Any, ndim: int) -> tuple[int, ...]:
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    axes = tuple(axes)
    normalized = [_normalize_axis(a, ndim) for a in axes]
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"axes must be distinct, got {axes!r}")
    return axes


def fwht2(
    x: Any,
    axes: tuple[int, ...] = (-2, -1),
    norm: str = "backward",
    order: str = "natural",
    inverse: bool = False,
) -> Any:
    """Two-dimensional (or n-dimensional) fast Walsh-Hadamard transform.

    Applies :func:`fwht` (or :func:`ifwht` when ``inverse=True``) along each axis in
    ``axes``; for an image ``X`` of shape (n, m) in natural order this is
    ``H_n @ X @ H_m``.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Input; the length along each axis in ``axes`` must be a power of two.
    axes : tuple of int, optional
        Distinct axes to transform (default: the last two).
    norm : {"backward", "ortho", "forward"}, optional
        Scaling per axis, with NumPy's meaning.
    order : {"natural", "sequency", "dyadic"}, optional
        Coefficient order along every axis.
    inverse : bool, optional
        If True, compute the inverse transform.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Same shape, kind, device and dtype as the input (floating point).

    Raises
    ------
    ValueError
        As :func:`fwht`, or if ``axes`` repeats an axis.
    TypeError
        As :func:`fwht`.

    Examples
    --------
    >>> fwht2([[1.0, 0.0], [0.0, 0.0]])
    array([[1., 1.],
           [1., 1.]])

    Introduced in: book/06_fast_transform.ipynb
    """
    x = _as_float(x, "fwht2")
    ndim = x.dim() if _is_tensor(x) else x.ndim
    for axis in _check_axes(axes, ndim):
        x = _transform(x, axis, norm, order, inverse=inverse, func="fwht2")
    return x


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
        If an axis is out of range or repeated.

    Examples
    --------
    >>> pad_pow2([1, 2, 3])
    array([1, 2, 3, 0])

    Introduced in: book/06_fast_transform.ipynb
    """
    tensor = _is_tensor(x)
    if not tensor:
        x = np.asarray(x)
    ndim = x.dim() if tensor else x.ndim
    widths = [0] * ndim
    for a in _check_axes(axis, ndim):
        a = _normalize_axis(a, ndim)
        widths[a] = _next_pow2(x.shape[a]) - x.shape[a]
    if not tensor:
        return np.pad(x, [(0, w) for w in widths])
    import torch.nn.functional as F

    flat = []
    for w in reversed(widths):  # F.pad lists the last dimension first
        flat += [0, w]
    return F.pad(x, flat)


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


def _dct_last(x: Any, norm: str, inverse: bool) -> Any:
    """DCT-II (or its inverse) along the last axis of a floating array or tensor."""
    tensor = _is_tensor(x)
    n = x.shape[-1]
    k = np.arange(n)
    twiddle = np.exp(-0.5j * np.pi * k / n)
    scale = _dct_scale(n, norm)
    if tensor:
        import torch

        fft = torch.fft
        real_dtype = x.real.dtype if x.is_complex() else x.dtype
        complex_dtype = (torch.ones((), dtype=real_dtype) * 1j).dtype
        twiddle_t = torch.as_tensor(twiddle, dtype=complex_dtype, device=x.device)
        scale_t = torch.as_tensor(scale, dtype=real_dtype, device=x.device)
        order = torch.as_tensor(np.concatenate([k[0::2], k[1::2][::-1]]).copy(), device=x.device)
        if not inverse:
            v = x.index_select(-1, order)
            return (fft.fft(v) * twiddle_t).real * scale_t
        y = x / scale_t
        rev = torch.cat([y[..., :1] * 0, y[..., 1:].flip(-1)], dim=-1)
        z = (y - 1j * rev) / twiddle_t
        v = fft.ifft(z).real
        out = torch.empty_like(v)
        out[..., order] = v
        return out
    order = np.concatenate([k[0::2], k[1::2][::-1]])
    if not inverse:
        v = x[..., order]
        y = (np.fft.fft(v, axis=-1) * twiddle).real * scale
        return y.astype(x.dtype, copy=False)
    y = x / scale
    rev = np.concatenate([np.zeros_like(y[..., :1]), y[..., :0:-1]], axis=-1)
    z = (y - 1j * rev) / twiddle
    v = np.fft.ifft(z, axis=-1).real
    out = np.empty_like(v)
    out[..., order] = v
    return out.astype(x.dtype, copy=False)


def _dct(x: Any, axis: int, norm: str, inverse: bool, func: str) -> Any:
    _check_choice("norm", norm, _NORMS)
    x = _as_float(x, func)
    tensor = _is_tensor(x)
    if tensor and x.is_complex() or not tensor and np.iscomplexobj(x):
        raise TypeError(f"x has dtype {x.dtype}; {func} accepts real input only")
    ndim = x.dim() if tensor else x.ndim
    if ndim == 0:
        raise ValueError(f"{func} needs at least one dimension, got a 0-d input")
    ax = _normalize_axis(axis, ndim)
    if x.shape[ax] == 0:
        raise ValueError(f"length 0 along axis {axis}: cannot transform an empty axis")
    if tensor:
        return _dct_last(x.movedim(ax, -1), norm, inverse).movedim(-1, ax)
    return np.moveaxis(_dct_last(np.moveaxis(x, ax, -1), norm, inverse), -1, ax)


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
    norm : {"ortho", "backward", "forward"}, optional
        SciPy's scaling; "ortho" (the default here) makes the transform orthonormal.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The coefficients, same shape, kind, device and dtype as the input.

    Raises
    ------
    ValueError
        If the axis is out of range or empty, or ``norm`` is unknown.
    TypeError
        If ``x`` is complex or not numeric.

    Examples
    --------
    >>> dct([1.0, 1.0, 1.0, 1.0]).round(6)
    array([2., 0., 0., 0.])

    Introduced in: book/08_signal_processing.ipynb
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
    norm : {"ortho", "backward", "forward"}, optional
        The ``norm`` used by the forward :func:`dct`.

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

    Introduced in: book/08_signal_processing.ipynb
    """
    return _dct(x, axis, norm, inverse=True, func="idct")
