"""Single-channel 2-D cross-correlation and convolution, as a CNN filter computes them.

A CNN filter slides a small kernel over the image; at each position it takes
the Hadamard product of the kernel with the window under it and sums the
result. That is a *cross-correlation*, which deep-learning libraries call
convolution; true convolution flips the kernel first.

Padding follows ``torch.nn.functional.conv2d`` and ``scipy.signal``:
``"valid"`` (none), ``"same"`` (output of the input's size at stride 1),
``"full"`` (every overlap), an int ``p`` (``p`` on every side) or a pair
``(ph, pw)`` (``ph`` above and below, ``pw`` left and right); the padded values
come from ``pad_mode``: ``"zeros"``, ``"reflect"`` (mirror without repeating
the edge), ``"replicate"`` (repeat the edge) or ``"circular"`` (wrap around),
as in ``torch.nn.Conv2d(padding_mode=...)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from hadalib._checks import as_array, as_int, check_choice, refuse_tensor

__all__ = ["convolve2d", "correlate2d", "sliding_windows"]

_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
_PADDING_WORDS = ("valid", "same", "full")


def _as_image(x: Any, name: str) -> np.ndarray:
    refuse_tensor(x, name, "hadalib.conv", "use torch.nn.functional.conv2d for tensors")
    x = as_array(x, name, kinds=None)
    if np.iscomplexobj(x):
        raise TypeError(f"{name} must be real; got dtype {x.dtype}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (height, width); got shape {x.shape} "
            f"({x.ndim} dimension{'s' if x.ndim != 1 else ''})"
        )
    if 0 in x.shape:
        raise ValueError(f"{name} must not be empty; got shape {x.shape}")
    return x


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    """value (an int or a pair of ints, each >= minimum) as a pair of Python ints: a
    TypeError for anything but integers (floats and bools too), a ValueError for a pair of
    the wrong length or an int below minimum."""
    kind = "positive" if minimum > 0 else "non-negative"
    accepted = f"{name} must be a {kind} int or a pair of them; got {value!r}"
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = tuple(value.tolist())  # e.g. kernel.shape given as an array
    items = value if isinstance(value, (tuple, list)) else (value, value)
    try:
        ints = tuple(as_int(v, name) for v in items)
    except TypeError:
        raise TypeError(accepted) from None
    if len(ints) != 2 or min(ints) < minimum:
        raise ValueError(accepted)
    return ints


def _pad_widths(
    padding: str | int | tuple[int, int], kernel_shape: tuple[int, int], flipped: bool
) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) for a padding spec and kernel shape."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "full":
            return tuple((k - 1, k - 1) for k in kernel_shape)  # type: ignore[return-value]
        if padding == "same":
            # An even kernel needs k - 1 padding in all, one more on one side: after
            # (bottom/right) for correlation as in torch and SciPy, before for convolution,
            # whose flipped kernel moves the centre the other way (scipy.signal.convolve2d).
            return tuple(  # type: ignore[return-value]
                (k // 2, (k - 1) // 2) if flipped else ((k - 1) // 2, k // 2) for k in kernel_shape
            )
        raise ValueError(
            f"padding {padding!r} is not one of 'valid', 'same', 'full', an int or a pair of ints"
        )
    try:
        ph, pw = _pair(padding, "padding", 0)
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"padding {padding!r} is not one of 'valid', 'same', 'full', a non-negative int "
            f"or a pair of them"
        ) from None
    return (ph, ph), (pw, pw)


def _padded(
    image: Any,
    kernel_shape: Any,
    padding: str | int | tuple[int, int],
    pad_mode: str,
    flipped: bool = False,
) -> np.ndarray:
    image = _as_image(image, "image")
    kernel_shape = _pair(kernel_shape, "kernel_shape", 1)
    check_choice("pad_mode", pad_mode, tuple(_PAD_MODES))
    widths = _pad_widths(padding, kernel_shape, flipped)
    padded = np.pad(image, widths, mode=_PAD_MODES[pad_mode])
    if padded.shape[0] < kernel_shape[0] or padded.shape[1] < kernel_shape[1]:
        raise ValueError(
            f"kernel of shape {kernel_shape} is larger than the padded image of shape "
            f"{padded.shape} (image {image.shape}, padding {padding!r}); use a smaller kernel "
            f"or more padding (e.g. padding='same' or 'full')"
        )
    return padded


def _windows(padded: np.ndarray, kernel_shape: tuple[int, int], stride: Any) -> np.ndarray:
    sh, sw = _pair(stride, "stride", 1)
    view = np.lib.stride_tricks.sliding_window_view(padded, kernel_shape)
    return view[::sh, ::sw]


def _sum_of_products(windows: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Sum over each window of window ∘ kernel, in a dtype that can hold the sum.

    NumPy would sum booleans with a logical OR and small integers with wrap-around
    (uint8: 200 + 200 = 144), so booleans and integers are summed as int64, and
    floating point in the common float type (at least float32).
    """
    common = np.result_type(windows.dtype, kernel.dtype)
    dtype = np.int64 if common.kind in "biu" else np.result_type(common, np.float32)
    return np.einsum("ijkl,kl->ij", windows, kernel, dtype=dtype, casting="unsafe")


def correlate2d(
    image: Any,
    kernel: Any,
    padding: str | int | tuple[int, int] = "valid",
    pad_mode: str = "zeros",
    stride: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Cross-correlation: slide the kernel, take the Hadamard product, sum.

    ``out[i, j] = sum(window(i, j) ∘ kernel)``, where ``window(i, j)`` is the
    patch of the padded image whose top-left corner is at
    ``(i * stride_h, j * stride_w)``. This is what a CNN layer (and
    ``torch.nn.functional.conv2d``) computes.

    Parameters
    ----------
    image : array_like
        Shape ``(height, width)``. A real 2-D array.
    kernel : array_like
        Shape ``(kh, kw)``. A real 2-D array, not larger than the padded image.
    padding : {"valid", "same", "full"} or int or (int, int), default "valid"
        ``"valid"``: no padding, ``(height - kh + 1, width - kw + 1)`` outputs;
        ``"same"``: ``k - 1`` in all on each axis (the extra one of an even
        kernel below/right), so the stride-1 output has the image's shape;
        ``"full"``: ``k - 1`` on every side; an int ``p``: ``p`` on every side;
        a pair ``(ph, pw)``: ``ph`` above and below, ``pw`` left and right.
    pad_mode : {"zeros", "reflect", "replicate", "circular"}, default "zeros"
        What the padded border holds.
    stride : int or (int, int), default 1
        Step of the window along each axis.

    Returns
    -------
    numpy.ndarray
        Shape ``((H + pt + pb - kh) // sh + 1, (W + pl + pr - kw) // sw + 1)``. The dtype
        holds the sums without overflow: int64 when both inputs are booleans or
        integers (a bool image counts, it is not OR-ed; uint8 does not wrap around),
        else the common floating type of the inputs, at least float32 (float32 stays
        float32, float16 is summed as float32).

    Raises
    ------
    ValueError
        For an unknown ``padding`` or ``pad_mode``, a stride below 1, arrays
        that are not 2-D, or a kernel larger than the padded image.
    TypeError
        For complex or non-numeric input, a torch tensor, or a ``padding`` or ``stride``
        that is neither a string (``padding``), an int nor a pair of ints (``2.0`` and
        ``True`` are not ints).

    Examples
    --------
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> correlate2d(image, [[1, 0], [0, -1]])
    array([[-5., -5., -5.],
           [-5., -5., -5.],
           [-5., -5., -5.]])
    >>> correlate2d(image, np.ones((3, 3)), padding="same").shape
    (4, 4)
    >>> correlate2d(image, np.ones((3, 3)), padding=1, pad_mode="circular", stride=2)
    array([[60., 66.],
           [84., 90.]])

    Introduced in: book/04_convolution_filters.ipynb
    """
    kernel = _as_image(kernel, "kernel")
    padded = _padded(image, kernel.shape, padding, pad_mode)
    windows = _windows(padded, kernel.shape, stride)
    # Each output entry is the sum of a Hadamard product window ∘ kernel.
    return _sum_of_products(windows, kernel)


def convolve2d(
    image: Any,
    kernel: Any,
    padding: str | int | tuple[int, int] = "valid",
    pad_mode: str = "zeros",
    stride: int | tuple[int, int] = 1,
) -> np.ndarray:
    """True 2-D convolution: cross-correlation with the kernel flipped both ways.

    ``convolve2d(image, kernel) == correlate2d(image, kernel[::-1, ::-1])``,
    equal to ``scipy.signal.convolve2d`` (zero padding). For ``"same"`` the
    extra padding of an even kernel goes above/left (as SciPy does), the
    mirror image of :func:`correlate2d`.

    Parameters
    ----------
    image : array_like
        Shape ``(height, width)``. A real 2-D array.
    kernel : array_like
        Shape ``(kh, kw)``. A real 2-D array, not larger than the padded image.
    padding : {"valid", "same", "full"} or int or (int, int), default "valid"
        As in :func:`correlate2d`.
    pad_mode : {"zeros", "reflect", "replicate", "circular"}, default "zeros"
        As in :func:`correlate2d`.
    stride : int or (int, int), default 1
        Step of the window along each axis.

    Returns
    -------
    numpy.ndarray
        Of the shape and dtype :func:`correlate2d` gives.

    Raises
    ------
    ValueError
        As in :func:`correlate2d`.
    TypeError
        For complex or non-numeric input, a torch tensor, or a ``padding`` or ``stride``
        that is neither a string (``padding``), an int nor a pair of ints (``2.0`` and
        ``True`` are not ints).

    Examples
    --------
    >>> convolve2d([[1, 2], [3, 4]], [[1, 0], [0, 0]], padding="full")
    array([[1, 2, 0],
           [3, 4, 0],
           [0, 0, 0]])
    >>> correlate2d([[1, 2], [3, 4]], [[1, 0], [0, 0]], padding="full")
    array([[0, 0, 0],
           [0, 1, 2],
           [0, 3, 4]])

    Introduced in: book/04_convolution_filters.ipynb
    """
    kernel = _as_image(kernel, "kernel")[::-1, ::-1]
    padded = _padded(image, kernel.shape, padding, pad_mode, flipped=True)
    windows = _windows(padded, kernel.shape, stride)
    return _sum_of_products(windows, kernel)


def sliding_windows(
    image: Any,
    kernel_shape: tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: str | int | tuple[int, int] = "valid",
    pad_mode: str = "zeros",
) -> Iterator[tuple[int, int, np.ndarray]]:
    """The windows a kernel of ``kernel_shape`` visits, in row-major order.

    ``sum(window ∘ kernel)`` for the window yielded with ``(i, j)`` is
    ``correlate2d(image, kernel, padding, pad_mode, stride)[i, j]``.

    Parameters
    ----------
    image : array_like
        Shape ``(height, width)``. A real 2-D array.
    kernel_shape : (int, int)
        ``(kh, kw)``, positive.
    stride : int or (int, int), default 1
        Step of the window along each axis.
    padding : {"valid", "same", "full"} or int or (int, int), default "valid"
        As in :func:`correlate2d`.
    pad_mode : {"zeros", "reflect", "replicate", "circular"}, default "zeros"
        As in :func:`correlate2d`.

    Returns
    -------
    iterator of (int, int, numpy.ndarray)
        ``(i, j, window)``: the output position and a read-only view, of shape
        ``(kh, kw)``, of the padded image under the kernel there.

    Raises
    ------
    ValueError, TypeError
        As in :func:`correlate2d`, and for a ``kernel_shape`` that is not a positive int or
        a pair of them (raised at the call, before any window).

    Examples
    --------
    >>> image = np.arange(12).reshape(3, 4)
    >>> for i, j, window in sliding_windows(image, (2, 2), stride=2):
    ...     print(i, j, window.tolist())
    0 0 [[0, 1], [4, 5]]
    0 1 [[2, 3], [6, 7]]

    Introduced in: book/04_convolution_filters.ipynb
    """
    kernel_shape = _pair(kernel_shape, "kernel_shape", 1)
    padded = _padded(image, kernel_shape, padding, pad_mode)
    windows = _windows(padded, kernel_shape, stride)
    return ((i, j, windows[i, j]) for i in range(windows.shape[0]) for j in range(windows.shape[1]))
