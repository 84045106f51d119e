"""Signal processing with the Walsh-Hadamard transform: images, video coding, projections.

The compute functions behind chapters 9 and 10, in five groups:

- **images**: 2-D transforms by kind (``"wht"``, ``"dct"``, ``"fft"``), their basis
  images, energy compaction, compression by keeping the ``k`` largest
  coefficients, and two error measures (PSNR and SSIM);
- **video coding**: the 4x4 integer core transform of H.264 (:data:`H264_CORE`),
  the sum of absolute differences (SAD) and of absolute *transformed* differences
  (SATD), and block-matching motion search with either cost;
- **random projections**: the subsampled randomized Hadamard transform (SRHT, a
  fast Johnson-Lindenstrauss map) beside a Gaussian projection, and the distortion
  of pairwise distances;
- **quantization**: symmetric low-bit quantization, with and without a
  (randomized) Hadamard rotation that spreads outliers first, the idea behind
  QuaRot-style quantization of large language models;
- **multiplexing and spreading**: weighing designs (measure sums of unknowns through
  Hadamard or S-matrix masks and solve) with the variance of their estimates, and Walsh
  codes that let several users share one channel (CDMA).

Everything here takes and returns NumPy arrays (a torch tensor raises a ``TypeError``
that points to :mod:`hadalib.transforms`, which takes tensors). Floating-point input
keeps its precision (float32 stays float32); integers and booleans are computed in
float64. The WHT coefficients come in natural order unless ``order`` says otherwise,
as everywhere in hadalib.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib._checks import (
    ORDERS,
    as_array,
    as_bool,
    as_int,
    as_real,
    as_rng,
    check_choice,
    check_finite,
    check_pow2,
    normalize_axis,
    refuse_tensor,
)
from hadalib.matrices import hadamard_matrix
from hadalib.transforms import dct, fwht, fwht2, idct, ifwht2, pad_pow2

__all__ = [
    "H264_CORE",
    "KINDS",
    "transform2d",
    "inverse_transform2d",
    "basis_images",
    "energy_compaction",
    "keep_largest",
    "compress",
    "psnr",
    "ssim",
    "to_blocks",
    "h264_transform4x4",
    "h264_inverse4x4",
    "sad",
    "satd",
    "block_motion",
    "hadamard_rotate",
    "hadamard_unrotate",
    "srht",
    "gaussian_projection",
    "distance_ratios",
    "fake_quantize",
    "quantize_rotated",
    "weighing_variances",
    "multiplex_estimates",
    "walsh_spread",
    "walsh_despread",
]

#: The 4x4 integer core transform ``C`` of H.264/AVC: a block ``X`` of residuals is
#: transformed to ``C @ X @ C.T``. Its rows are orthogonal but not of equal norm
#: (``C @ C.T == diag(4, 10, 4, 10)``); the codec folds the norms into quantization.
H264_CORE = np.array([[1, 1, 1, 1], [2, 1, -1, -2], [1, -1, -1, 1], [1, -2, 2, -1]])

#: The 2-D transforms of images by name (also the kinds of hadalib.nn's transform layers).
KINDS = ("wht", "dct", "fft")
_H4 = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]])


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------


def _as_array(x: Any, name: str, *, ndim_min: int = 0, kinds: str = "biufc") -> np.ndarray:
    refuse_tensor(x, name, "hadalib.signal", "use hadalib.transforms for tensors")
    arr = as_array(x, name, kinds=kinds)
    if arr.ndim < ndim_min:
        raise ValueError(
            f"{name} must have at least {ndim_min} dimension(s); got shape {arr.shape}"
        )
    return arr


def _as_float(x: Any, name: str, *, ndim_min: int = 0) -> np.ndarray:
    """x as a real floating array: floats keep their dtype, integers and booleans become
    float64 (no copy if no cast is needed); complex input is refused, not truncated."""
    arr = _as_array(x, name, ndim_min=ndim_min, kinds="biuf")
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _as_count(value: Any, name: str, minimum: int) -> int:
    """value as a Python int >= minimum (NumPy integers count; bool and floats do not)."""
    value = as_int(value, name)
    if value < minimum:
        kind = {0: "non-negative", 1: "positive"}[minimum]
        raise ValueError(f"{name} must be a {kind} int, got {value!r}")
    return value


def _check_kind_order(kind: Any, order: Any) -> None:
    """kind is one of KINDS and order one of ORDERS; only the WHT has other orders than
    "natural"."""
    check_choice("kind", kind, KINDS)
    check_choice("order", order, ORDERS)
    if order != "natural" and kind != "wht":
        raise ValueError(
            f"order={order!r} applies to kind='wht' only; got kind={kind!r} (the DCT and FFT "
            "coefficients have one order: leave order='natural')"
        )


def _check_sides(x: np.ndarray, name: str) -> None:
    if 0 in x.shape[-2:]:
        raise ValueError(f"{name} has shape {x.shape}; the last two sides must be at least 1")


def _check_not_empty(x: np.ndarray, name: str) -> None:
    if x.size == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}); expected at least one value")


def _check_count(name: str, k: Any, size: int) -> np.ndarray:
    k_arr = np.asarray(k)
    if k_arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an int or an array of ints, got {k!r}")
    if k_arr.size and (k_arr.min() < 0 or k_arr.max() > size):
        bad = int(k_arr.min()) if k_arr.min() < 0 else int(k_arr.max())
        raise ValueError(
            f"{name}={bad} is out of range for {size} coefficients; use 0 <= {name} <= {size}"
        )
    return k_arr


def _check_same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape; got {a.shape} and {b.shape}"
        )


# ---------------------------------------------------------------------------
# images: 2-D transforms, compaction, compression, error measures
# ---------------------------------------------------------------------------


def _transform2d(x: np.ndarray, kind: str, order: str) -> np.ndarray:
    """The orthonormal 2-D transform of a checked floating array (last two axes)."""
    if kind == "wht":
        return fwht2(x, norm="ortho", order=order)
    if kind == "dct":
        return dct(dct(x, axis=-2), axis=-1)
    return np.fft.fft2(x, norm="ortho")


def _inverse_transform2d(c: np.ndarray, kind: str, order: str) -> np.ndarray:
    """The inverse of :func:`_transform2d`."""
    if kind == "wht":
        return ifwht2(c, norm="ortho", order=order)
    if kind == "dct":
        return idct(idct(c, axis=-2), axis=-1)
    return np.fft.ifft2(c, norm="ortho")


def _checked_image(x: Any, name: str, kind: Any, order: Any) -> np.ndarray:
    """The checks shared by transform2d and its inverse: x as a floating (or complex)
    array of at least two dimensions, kind and order accepted, no empty side."""
    arr = _as_array(x, name, ndim_min=2)
    _check_kind_order(kind, order)
    _check_sides(arr, name)
    return arr if arr.dtype.kind in "fc" else arr.astype(np.float64)


def transform2d(image: Any, kind: str = "wht", order: str = "natural") -> np.ndarray:
    """Orthonormal 2-D transform of an image (over its last two axes).

    All three kinds are scaled to be orthonormal (``norm="ortho"``), so that the
    energy of the coefficients equals the energy of the image (Parseval) and
    coefficients of different kinds can be compared.

    Parameters
    ----------
    image : array_like
        Real array of shape ``(..., H, W)``; leading axes are a batch. For
        ``"wht"`` both ``H`` and ``W`` must be powers of two.
    kind : {"wht", "dct", "fft"}
        Walsh-Hadamard (:func:`hadalib.transforms.fwht2`), type-II DCT
        (:func:`hadalib.transforms.dct` along both axes) or discrete Fourier
        transform (``numpy.fft.fft2``).
    order : {"natural", "sequency", "dyadic"}
        Order of the WHT coefficients (other kinds have one order, "natural");
        ``"sequency"`` puts slowly varying basis images first, as the DCT and FFT do.

    Returns
    -------
    numpy.ndarray
        Coefficients of shape ``(..., H, W)``: real for ``"wht"`` and ``"dct"``,
        complex for ``"fft"`` (coefficient ``(0, 0)`` is the scaled mean in each case);
        float32 input gives float32 (complex64) coefficients, integers give float64.

    Raises
    ------
    ValueError
        If ``kind`` or ``order`` is not accepted, the image has fewer than two
        dimensions, or (for ``"wht"``) a side is not a power of two.
    TypeError
        If ``image`` does not hold numbers, or is a torch tensor (use
        :func:`hadalib.transforms.fwht2` or :func:`hadalib.transforms.dct` for tensors).

    Examples
    --------
    >>> transform2d([[1.0, 1.0], [1.0, 1.0]], kind="wht")
    array([[2., 0.],
           [0., 0.]])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    x = _checked_image(image, "image", kind, order)
    return _transform2d(x, kind, order)


def inverse_transform2d(coeffs: Any, kind: str = "wht", order: str = "natural") -> np.ndarray:
    """Inverse of :func:`transform2d`: the image whose coefficients are ``coeffs``.

    Parameters
    ----------
    coeffs : array_like
        Coefficients of shape ``(..., H, W)``, as :func:`transform2d` returns them.
    kind : {"wht", "dct", "fft"}
        The transform that produced them.
    order : {"natural", "sequency", "dyadic"}
        For ``kind="wht"``: the order of the coefficients.

    Returns
    -------
    numpy.ndarray
        The image, shape ``(..., H, W)``, of the coefficients' precision; complex for
        ``"fft"`` (take ``.real`` when the coefficients came from a real image).

    Raises
    ------
    ValueError
        As for :func:`transform2d`.
    TypeError
        As for :func:`transform2d`.

    Examples
    --------
    >>> inverse_transform2d([[2.0, 0.0], [0.0, 0.0]], kind="wht")
    array([[1., 1.],
           [1., 1.]])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    c = _checked_image(coeffs, "coeffs", kind, order)
    return _inverse_transform2d(c, kind, order)


def basis_images(kind: str = "wht", n: int = 8, order: str = "natural") -> np.ndarray:
    """The ``n*n`` basis images of an ``n x n`` 2-D transform.

    ``basis[u, v]`` is the image whose only nonzero coefficient is a 1 at
    ``(u, v)``; every image is the sum of the basis images weighted by its
    coefficients.

    Parameters
    ----------
    kind : {"wht", "dct", "fft"}
        The transform.
    n : int
        Side of the images (a power of two for ``"wht"``).
    order : {"natural", "sequency", "dyadic"}
        For ``kind="wht"``: the order of the coefficients ``(u, v)``.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(n, n, n, n)``: ``basis[u, v]`` is an ``n x n`` image;
        complex for ``"fft"``.

    Raises
    ------
    ValueError
        If ``n`` is not positive, or as for :func:`transform2d`.
    TypeError
        If ``n`` is not an integer.

    Examples
    --------
    >>> basis_images("wht", n=2)[0, 1]
    array([[ 0.5, -0.5],
           [ 0.5, -0.5]])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    n = _as_count(n, "n", 1)
    _check_kind_order(kind, order)
    impulses = np.eye(n * n).reshape(n, n, n, n)
    return _inverse_transform2d(impulses, kind, order)


def energy_compaction(coeffs: Any, k: Any) -> Any:
    """Fraction of the energy held by the ``k`` largest coefficients (in magnitude).

    For an orthonormal transform the total energy ``sum |c|**2`` is the energy
    of the signal, so this says how much of the image ``k`` numbers can carry.

    Parameters
    ----------
    coeffs : array_like
        Coefficients of any shape (real or complex); all entries compete.
    k : int or array_like of int
        How many coefficients to keep, ``0 <= k <= coeffs.size``.

    Returns
    -------
    float or numpy.ndarray
        The fraction(s) in ``[0, 1]``, of the shape of ``k`` (an array in the precision of
        the coefficients: float32 for float32 or complex64, else float64).

    Raises
    ------
    ValueError
        If ``k`` is out of range or all coefficients are zero.
    TypeError
        If ``k`` is not an integer.

    Examples
    --------
    >>> energy_compaction([3.0, 0.0, -4.0], [0, 1, 3])
    array([0.  , 0.64, 1.  ])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    c = _as_array(coeffs, "coeffs")
    _check_not_empty(c, "coeffs")
    check_finite(c, "coeffs", "the energy of NaN or infinity is undefined")
    k_arr = _check_count("k", k, c.size)
    magnitude = np.abs(c.ravel())
    peak = magnitude.max(initial=0.0)
    if peak == 0:
        raise ValueError("coeffs are all zero: the energy fraction is undefined")
    power = np.sort((magnitude / peak) ** 2)[::-1]  # scaled so tiny values do not underflow
    cumulative = np.concatenate([np.zeros(1, power.dtype), np.cumsum(power)]) / power.sum()
    result = cumulative[k_arr]
    return float(result) if result.ndim == 0 else result


def keep_largest(coeffs: Any, k: int) -> np.ndarray:
    """Keep the ``k`` coefficients of largest magnitude and set the rest to zero.

    Ties are broken by position (the earlier index in C order is kept), so the
    result is deterministic.

    Parameters
    ----------
    coeffs : array_like
        Coefficients of any shape (real or complex).
    k : int
        How many to keep, ``0 <= k <= coeffs.size``.

    Returns
    -------
    numpy.ndarray
        A new array of the same shape and dtype with at most ``k`` nonzero entries.

    Raises
    ------
    ValueError
        If ``k`` is out of range.
    TypeError
        If ``k`` is not an int.

    Examples
    --------
    >>> keep_largest([1.0, -5.0, 3.0, 0.5], 2)
    array([ 0., -5.,  3.,  0.])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    return _keep_largest(_as_array(coeffs, "coeffs"), k)


def _keep_largest(c: np.ndarray, k: Any) -> np.ndarray:
    check_finite(c, "coeffs", "NaN has no magnitude to rank")
    if np.ndim(k) != 0:
        raise TypeError("k must be a single int")
    k = int(_check_count("k", k, c.size))
    flat = c.ravel()
    keep = np.argsort(-np.abs(flat), kind="stable")[:k]
    out = np.zeros_like(flat)
    out[keep] = flat[keep]
    return out.reshape(c.shape)


def compress(image: Any, kind: str, k: int, order: str = "natural") -> np.ndarray:
    """Reconstruct an image from its ``k`` largest transform coefficients.

    ``inverse_transform2d(keep_largest(transform2d(image, kind), k), kind)``, real
    part. For ``"fft"`` the coefficients of a real image come in conjugate pairs
    of equal magnitude, which are kept together (except possibly the last pair
    at the cut), so ``k`` complex coefficients carry about ``k`` real numbers, as
    for the other kinds.

    Parameters
    ----------
    image : array_like
        Real 2-D image (sides powers of two for ``"wht"``).
    kind : {"wht", "dct", "fft"}
        The transform.
    k : int
        Number of coefficients kept, ``0 <= k <= image.size``.
    order : {"natural", "sequency", "dyadic"}
        For ``"wht"``; the result depends on it only through ties at the cut, which
        :func:`keep_largest` breaks by position.

    Returns
    -------
    numpy.ndarray
        The reconstructed real image, of the image's shape (and precision).

    Raises
    ------
    ValueError
        As for :func:`transform2d` and :func:`keep_largest`.
    TypeError
        As for :func:`transform2d` and :func:`keep_largest`.

    Examples
    --------
    >>> image = [[4.0, 4.0], [4.0, 0.0]]
    >>> compress(image, "wht", 1)
    array([[3., 3.],
           [3., 3.]])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    x = _checked_image(image, "image", kind, order)
    if x.ndim != 2:
        raise ValueError(f"image must be 2-D; got shape {x.shape}")
    coeffs = _keep_largest(_transform2d(x, kind, order), k)
    return np.real(_inverse_transform2d(coeffs, kind, order))


def _data_range(reference: np.ndarray, data_range: float | None) -> float:
    if data_range is None:
        data_range = float(reference.max() - reference.min())
    else:
        as_real(data_range, "data_range")
    if not data_range > 0:
        raise ValueError(
            f"data_range must be positive, got {data_range!r} (a constant reference "
            "has no range: pass data_range explicitly)"
        )
    return float(data_range)


def psnr(reference: Any, estimate: Any, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio in decibels: ``10 log10(R**2 / MSE)``.

    Parameters
    ----------
    reference, estimate : array_like
        Real arrays of the same shape.
    data_range : float or None
        The peak ``R`` (e.g. 1.0 for images in ``[0, 1]``, 255 for 8-bit);
        ``None`` uses ``reference.max() - reference.min()``.

    Returns
    -------
    float
        PSNR in dB; ``inf`` when the arrays are equal.

    Raises
    ------
    ValueError
        If the shapes differ or the data range is not positive.

    Examples
    --------
    >>> psnr([0.0, 1.0], [0.0, 0.9], data_range=1.0)
    23.010299956639813

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    ref = _as_float(reference, "reference")
    est = _as_float(estimate, "estimate")
    _check_same_shape(ref, est, ("reference", "estimate"))
    _check_not_empty(ref, "reference")
    r = _data_range(ref, data_range)
    mse = float(np.mean((ref - est) ** 2))
    return np.inf if mse == 0 else float(10 * np.log10(r * r / mse))


def ssim(
    reference: Any, estimate: Any, data_range: float | None = None, win_size: int = 7
) -> float:
    """Mean structural similarity (SSIM) of two grayscale images.

    The index of Wang, Bovik, Sheikh and Simoncelli (2004) with a uniform
    ``win_size x win_size`` window, sample (co)variances and the constants
    ``K1 = 0.01``, ``K2 = 0.03``, averaged over every window that fits inside the
    image: the defaults of ``skimage.metrics.structural_similarity``. It
    compares local means, contrasts and correlations, and is 1 for equal images.

    Parameters
    ----------
    reference, estimate : array_like
        Real 2-D images of the same shape.
    data_range : float or None
        The dynamic range ``R`` of the images; ``None`` uses
        ``reference.max() - reference.min()``.
    win_size : int
        Odd side of the window, at least 3 and at most the smaller image side.

    Returns
    -------
    float
        The mean SSIM, at most 1.

    Raises
    ------
    ValueError
        If the images are not 2-D of the same shape, the window does not fit or
        is even, or the data range is not positive.

    Examples
    --------
    >>> image = np.arange(64.0).reshape(8, 8)
    >>> ssim(image, image)
    1.0

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    x = _as_float(reference, "reference")
    y = _as_float(estimate, "estimate")
    _check_same_shape(x, y, ("reference", "estimate"))
    if x.ndim != 2:
        raise ValueError(f"reference must be a 2-D image; got shape {x.shape}")
    _check_not_empty(x, "reference")
    win_size = as_int(win_size, "win_size")
    if win_size < 3 or win_size % 2 == 0 or win_size > min(x.shape):
        raise ValueError(
            f"win_size must be an odd int between 3 and {min(x.shape)} (the smaller image "
            f"side), got {win_size!r}"
        )
    r = _data_range(x, data_range)
    window = (win_size, win_size)

    def local_mean(a: np.ndarray) -> np.ndarray:
        return np.lib.stride_tricks.sliding_window_view(a, window).mean(axis=(-2, -1))

    ux, uy = local_mean(x), local_mean(y)
    sample = win_size**2 / (win_size**2 - 1)  # unbiased (co)variances
    vx = sample * (local_mean(x * x) - ux * ux)
    vy = sample * (local_mean(y * y) - uy * uy)
    vxy = sample * (local_mean(x * y) - ux * uy)
    c1, c2 = (0.01 * r) ** 2, (0.03 * r) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    return float(s.mean())


# ---------------------------------------------------------------------------
# video coding: the H.264 integer transform, SAD, SATD, motion search
# ---------------------------------------------------------------------------


def to_blocks(image: Any, size: int) -> np.ndarray:
    """Cut an image into non-overlapping ``size x size`` blocks.

    Parameters
    ----------
    image : array_like
        2-D array whose sides are multiples of ``size``.
    size : int
        Side of the blocks.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(H // size, W // size, size, size)``: ``blocks[i, j]``
        is the block whose top-left pixel is ``(i * size, j * size)``.

    Raises
    ------
    ValueError
        If the image is not 2-D, ``size`` is not a positive int, or a side is
        not a multiple of ``size`` (the message says what to crop to).

    Examples
    --------
    >>> to_blocks(np.arange(16).reshape(4, 4), 2)[0, 1]
    array([[2, 3],
           [6, 7]])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    x = _as_array(image, "image")
    if x.ndim != 2:
        raise ValueError(f"image must be 2-D; got shape {x.shape}")
    size = _as_count(size, "size", 1)
    h, w = x.shape
    if h % size or w % size:
        raise ValueError(
            f"image shape {x.shape} is not a multiple of size={size} along both axes; "
            f"crop it to {(h - h % size, w - w % size)}"
        )
    return x.reshape(h // size, size, w // size, size).swapaxes(1, 2)


def _check_blocks4(blocks: Any, name: str) -> np.ndarray:
    b = _as_array(blocks, name)
    if b.ndim < 2 or b.shape[-2:] != (4, 4):
        raise ValueError(f"{name} must have shape (..., 4, 4); got {b.shape}")
    return b


def h264_transform4x4(blocks: Any) -> np.ndarray:
    """The H.264/AVC 4x4 forward core transform ``C @ X @ C.T`` (:data:`H264_CORE`).

    An integer approximation of the 4x4 DCT that needs only additions,
    subtractions and shifts by one bit, so encoder and decoder agree exactly.

    Parameters
    ----------
    blocks : array_like
        Integer (or real) array of shape ``(..., 4, 4)``.

    Returns
    -------
    numpy.ndarray
        The transformed blocks, same shape; integers for integer input, else the input's
        floating dtype.

    Raises
    ------
    ValueError
        If the last two axes are not ``(4, 4)``.

    Examples
    --------
    >>> h264_transform4x4(np.ones((4, 4), dtype=int))[0]
    array([16,  0,  0,  0])

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    b = _check_blocks4(blocks, "blocks")
    core = H264_CORE.astype(b.dtype) if b.dtype.kind in "fc" else H264_CORE
    return core @ b @ core.T


def h264_inverse4x4(coeffs: Any) -> np.ndarray:
    """Exact inverse of :func:`h264_transform4x4` (before any quantization).

    Since ``C @ C.T = D = diag(4, 10, 4, 10)``, the inverse is
    ``C.T @ D^-1 @ Y @ D^-1 @ C``. (The codec itself folds ``D^-1`` into its
    quantization tables and uses a scaled integer inverse.)

    Parameters
    ----------
    coeffs : array_like
        Array of shape ``(..., 4, 4)``.

    Returns
    -------
    numpy.ndarray
        Float array of blocks of the same shape (float64 for integer input, else the
        input's floating dtype).

    Raises
    ------
    ValueError
        If the last two axes are not ``(4, 4)``.

    Examples
    --------
    >>> block = np.arange(16).reshape(4, 4)
    >>> bool(np.allclose(h264_inverse4x4(h264_transform4x4(block)), block))
    True

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    y = _check_blocks4(coeffs, "coeffs")
    inv_norms = 1.0 / np.array([4.0, 10.0, 4.0, 10.0])
    dtype = y.dtype if y.dtype.kind in "fc" else np.float64
    left = (H264_CORE.T * inv_norms).astype(dtype)  # C.T @ D^-1
    return left @ y @ left.T


def sad(a: Any, b: Any) -> float:
    """Sum of absolute differences ``sum |a - b|``.

    Parameters
    ----------
    a, b : array_like
        Arrays of the same shape.

    Returns
    -------
    float
        The sum.

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> sad([[1, 2], [3, 4]], [[1, 1], [1, 1]])
    6.0

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    x, y = _as_float(a, "a"), _as_float(b, "b")
    _check_same_shape(x, y, ("a", "b"))
    return float(np.abs(x - y).sum())


def _satd_map(diff: np.ndarray) -> np.ndarray:
    """Per-4x4-block SATD of a difference image (sides multiples of 4)."""
    coeffs = _H4 @ to_blocks(diff, 4) @ _H4
    return np.abs(coeffs).sum(axis=(-2, -1)) / 4


def satd(a: Any, b: Any) -> float:
    """Sum of absolute transformed differences over 4x4 blocks.

    The difference ``a - b`` is cut into 4x4 blocks, each block ``D`` is
    transformed to ``H4 @ D @ H4 / 4`` (the orthonormal 2-D WHT) and the absolute
    values are summed. Video encoders use it as a cheap stand-in for the cost of
    coding a residual: a smooth or constant difference costs little after a
    transform, although its SAD is large. (x264 reports twice this value.)

    Parameters
    ----------
    a, b : array_like
        2-D arrays of the same shape, sides multiples of 4.

    Returns
    -------
    float
        The SATD.

    Raises
    ------
    ValueError
        If the shapes differ or are not multiples of 4.

    Examples
    --------
    >>> a = np.full((4, 4), 3.0)
    >>> sad(a, np.zeros((4, 4))), satd(a, np.zeros((4, 4)))
    (48.0, 12.0)

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    x, y = _as_float(a, "a"), _as_float(b, "b")
    _check_same_shape(x, y, ("a", "b"))
    if x.ndim != 2:
        raise ValueError(f"a and b must be 2-D images; got shape {x.shape}")
    return float(_satd_map(x - y).sum())


def block_motion(
    current: Any, reference: Any, size: int = 8, radius: int = 4, cost: str = "satd"
) -> tuple[np.ndarray, np.ndarray]:
    """Full-search block matching: a motion vector per block and the predicted frame.

    For every ``size x size`` block of ``current`` at ``(y, x)``, every
    displacement ``(dy, dx)`` with ``|dy|, |dx| <= radius`` is tried and the one
    whose reference block at ``(y + dy, x + dx)`` minimizes the cost wins (ties go
    to the shortest vector, then to the first in raster order). The reference is
    extended beyond its border by repeating edge pixels, as video codecs do. A block
    displaced by more than the frame's height or width sees only repeated edge pixels,
    which a shorter vector sees too, so the search stops there: any radius from
    ``max(H, W)`` up gives the same result, in the same time.

    Parameters
    ----------
    current, reference : array_like
        2-D frames of the same shape, sides multiples of ``size``.
    size : int
        Block side; a multiple of 4 for ``cost="satd"``.
    radius : int
        Search range in pixels (non-negative); searched up to ``max(H, W)``.
    cost : {"sad", "satd"}
        Matching cost: :func:`sad`, or :func:`satd` over the 4x4 sub-blocks.

    Returns
    -------
    vectors : numpy.ndarray
        Int array of shape ``(H // size, W // size, 2)`` of ``(dy, dx)``.
    prediction : numpy.ndarray
        The motion-compensated prediction of ``current`` (float, same shape).

    Raises
    ------
    ValueError
        If ``cost`` is not accepted, the shapes differ or do not fit ``size``,
        or ``radius`` is negative.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> reference = rng.random((16, 16))
    >>> current = np.roll(reference, shift=(1, -2), axis=(0, 1))
    >>> vectors, prediction = block_motion(current, reference, size=8, radius=3)
    >>> vectors[1, 0].tolist()
    [-1, 2]

    Introduced in: book/09_image_and_video_coding.ipynb
    """
    check_choice("cost", cost, ("sad", "satd"))
    cur = _as_float(current, "current")
    ref = _as_float(reference, "reference")
    _check_same_shape(cur, ref, ("current", "reference"))
    size = _as_count(size, "size", 1)
    to_blocks(cur, size)  # checks 2-D and divisibility
    if cost == "satd" and size % 4:
        raise ValueError(f"size must be a multiple of 4 for cost='satd', got {size}")
    radius = min(_as_count(radius, "radius", 0), max(cur.shape))
    padded = np.pad(ref, radius, mode="edge")
    span = range(-radius, radius + 1)
    candidates = sorted(
        ((dy, dx) for dy in span for dx in span), key=lambda v: abs(v[0]) + abs(v[1])
    )
    h, w = cur.shape
    costs = np.stack(
        [
            _block_costs(
                cur - padded[radius + dy : radius + dy + h, radius + dx : radius + dx + w],
                size,
                cost,
            )
            for dy, dx in candidates
        ]
    )
    vectors = np.array(candidates)[np.argmin(costs, axis=0)]  # first minimum: the shortest
    return vectors, _prediction(padded, vectors, size, radius)


def _block_costs(diff: np.ndarray, size: int, cost: str) -> np.ndarray:
    """SAD or SATD of every size x size block of a difference image."""
    if cost == "sad":
        return np.abs(to_blocks(diff, size)).sum(axis=(-2, -1))
    h, w = diff.shape
    q = size // 4
    return _satd_map(diff).reshape(h // size, q, w // size, q).sum(axis=(1, 3))


def _prediction(padded: np.ndarray, vectors: np.ndarray, size: int, radius: int) -> np.ndarray:
    """The frame whose block (i, j) is the reference block displaced by vectors[i, j]."""
    rows, cols = vectors.shape[:2]
    prediction = np.empty((rows * size, cols * size), dtype=padded.dtype)
    for i in range(rows):
        for j in range(cols):
            dy, dx = vectors[i, j]
            y, x = i * size + radius + dy, j * size + radius + dx
            prediction[i * size : (i + 1) * size, j * size : (j + 1) * size] = padded[
                y : y + size, x : x + size
            ]
    return prediction


# ---------------------------------------------------------------------------
# random projections and rotations
# ---------------------------------------------------------------------------


def _random_signs(rng: np.random.Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """n random signs +-1 (the same signs for every dtype)."""
    return (rng.integers(0, 2, size=n) * 2 - 1).astype(dtype)


def _along(values: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """values (1-D) shaped to broadcast along axis of an ndim-dimensional array."""
    shape = [1] * ndim
    shape[axis] = values.size
    return values.reshape(shape)


def _signs_along(arr: np.ndarray, seed: Any, signs: Any, axis: Any) -> np.ndarray:
    """The diagonal ``D`` of a Hadamard rotation along ``axis``, shaped to multiply ``arr``:
    random signs from ``as_rng(seed)``, or ones for ``signs=False`` (which takes no seed)."""
    ax = normalize_axis(axis, arr.ndim)
    if not as_bool(signs, "signs"):
        if seed is not None:
            raise ValueError(
                f"seed={seed!r} is given with signs=False, which draws no random signs; leave "
                "seed out, or use signs=True"
            )
        return np.ones(1, dtype=arr.dtype)
    return _along(_random_signs(as_rng(seed), arr.shape[ax], arr.dtype), ax, arr.ndim)


def hadamard_rotate(x: Any, seed: Any = None, axis: int = -1, signs: bool = True) -> np.ndarray:
    """Rotate vectors by a randomized normalized Hadamard matrix ``R = H D / sqrt(n)``.

    ``D`` is a diagonal of random signs drawn from ``seed`` (``signs=False``: no signs,
    ``R = H / sqrt(n)``, the orthonormal WHT). ``R`` is orthogonal, costs ``O(n log n)``,
    and spreads a vector's energy over all coordinates; the random signs make that hold for
    *every* input vector with high probability (without them, e.g. a constant vector is
    sent to a spike). :func:`hadamard_unrotate` applies the inverse ``R.T`` when given the
    same seed.

    Parameters
    ----------
    x : array_like
        Real array; the length along ``axis`` must be a power of two.
    seed : None, int or numpy.random.Generator
        Where the signs come from: an integer >= 0 seeds ``np.random.default_rng`` (the
        same integer gives the same rotation), a Generator is drawn from as given, None
        draws fresh signs from the operating system's entropy.
    axis : int
        The axis of the vectors.
    signs : bool
        False for no random signs (then ``seed`` must be left out).

    Returns
    -------
    numpy.ndarray
        The rotated array, same shape (float; float32 stays float32).

    Raises
    ------
    ValueError
        If the length along ``axis`` is not a power of two, ``seed`` is negative, or a seed
        is given with ``signs=False``.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.
    TypeError
        If ``x`` does not hold real numbers, ``seed`` is not None, an int or a Generator,
        ``axis`` is not an int, or ``signs`` is not a bool.

    Examples
    --------
    >>> hadamard_rotate([2.0, 0.0, 0.0, 0.0], signs=False)
    array([1., 1., 1., 1.])
    >>> y = hadamard_rotate([1.0, 2.0, 3.0, 4.0], seed=0)
    >>> hadamard_unrotate(y, seed=0)
    array([1., 2., 3., 4.])

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    arr = _as_float(x, "x", ndim_min=1)
    d = _signs_along(arr, seed, signs, axis)
    return fwht(arr * d, axis=axis, norm="ortho")  # fwht refuses a length not a power of two


def hadamard_unrotate(y: Any, seed: Any = None, axis: int = -1, signs: bool = True) -> np.ndarray:
    """Undo :func:`hadamard_rotate`: apply ``R.T = D H / sqrt(n)``.

    With the same integer seed (or a Generator in the same state) and the same ``signs``
    as the rotation, ``hadamard_unrotate(hadamard_rotate(x, seed), seed)`` gives ``x`` back
    (up to rounding). Like every seed in hadalib, None draws fresh signs, which undo no
    earlier rotation: pass the seed the rotation used.

    Parameters
    ----------
    y : array_like
        Real array; the length along ``axis`` must be a power of two.
    seed : None, int or numpy.random.Generator
        Where the signs come from, as in :func:`hadamard_rotate`.
    axis : int
        The axis of the vectors.
    signs : bool
        False for no random signs (then ``seed`` must be left out).

    Returns
    -------
    numpy.ndarray
        The array rotated back, same shape (float; float32 stays float32).

    Raises
    ------
    ValueError, numpy.exceptions.AxisError, TypeError
        As :func:`hadamard_rotate`.

    Examples
    --------
    >>> hadamard_unrotate([1.0, 1.0, 1.0, 1.0], signs=False)
    array([2., 0., 0., 0.])
    >>> x = np.arange(8.0)
    >>> bool(np.allclose(hadamard_unrotate(hadamard_rotate(x, seed=3), seed=3), x))
    True

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    arr = _as_float(y, "y", ndim_min=1)
    return _signs_along(arr, seed, signs, axis) * fwht(arr, axis=axis, norm="ortho")


def srht(X: Any, k: int, seed: Any = 0) -> np.ndarray:
    """Subsampled randomized Hadamard transform: a fast Johnson-Lindenstrauss map.

    Each row ``x`` (length ``d``) is zero-padded to ``n = 2**ceil(log2 d)``,
    rotated by ``H D / sqrt(n)``, where ``D`` is a diagonal of random signs, and
    ``k`` of its ``n`` coordinates, drawn without replacement, are kept and
    scaled by ``sqrt(n / k)``, so that ``E ||S x||**2 = ||x||**2``. It costs
    ``O(d log d)`` per row instead of the ``O(d k)`` of a dense Gaussian map.

    The generator made from ``seed`` draws the ``n`` signs first (the signs of
    :func:`hadamard_rotate` with the same seed), then the ``k`` coordinates.

    Parameters
    ----------
    X : array_like
        Real array of shape ``(..., d)``; each row is a point.
    k : int
        Target dimension, ``1 <= k <= n``.
    seed : None, int or numpy.random.Generator
        Where the signs and the sampled coordinates come from: the same integer gives
        the same map, so different arrays can be projected consistently; a Generator is
        drawn from as given; None draws a fresh map from the operating system's entropy.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(..., k)``.

    Raises
    ------
    ValueError
        If ``k`` is out of range or ``seed`` is negative.
    TypeError
        If ``k`` is not an int, ``seed`` is not None, an int or a Generator, or ``X`` does
        not hold real numbers.

    Examples
    --------
    >>> X = np.eye(4)
    >>> Y = srht(X, 4, seed=0)  # k = n: a rotation, norms are kept exactly
    >>> np.linalg.norm(Y, axis=1).round(12)
    array([1., 1., 1., 1.])

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    rng = as_rng(seed)
    arr = _as_float(X, "X", ndim_min=1)
    padded = pad_pow2(arr, axis=-1)
    n = padded.shape[-1]
    k = as_int(k, "k")
    if not 1 <= k <= n:
        raise ValueError(
            f"k={k} is out of range for rows of length {arr.shape[-1]} (padded to {n}); "
            f"use 1 <= k <= {n}"
        )
    signs = _random_signs(rng, n, arr.dtype)
    rows = np.sort(rng.choice(n, size=k, replace=False))
    return fwht(padded * signs, norm="ortho")[..., rows] * arr.dtype.type(np.sqrt(n / k))


def gaussian_projection(X: Any, k: int, seed: Any = 0) -> np.ndarray:
    """Project rows onto ``k`` dimensions with a Gaussian random matrix.

    ``X @ G / sqrt(k)`` with ``G`` of shape ``(d, k)`` and independent standard
    normal entries drawn from a generator made from ``seed``, so that
    ``E ||x G / sqrt(k)||**2 = ||x||**2``: the classical Johnson-Lindenstrauss map.

    Parameters
    ----------
    X : array_like
        Real array of shape ``(..., d)``.
    k : int
        Target dimension, ``k >= 1``.
    seed : None, int or numpy.random.Generator
        Where ``G`` comes from: an integer >= 0 seeds ``np.random.default_rng``, a
        Generator is drawn from as given, None draws from fresh entropy.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(..., k)``.

    Raises
    ------
    ValueError
        If ``k < 1`` or ``seed`` is negative.
    TypeError
        If ``k`` is not an int, or ``seed`` is not None, an int or a Generator.

    Examples
    --------
    >>> gaussian_projection(np.ones((5, 64)), 8, seed=0).shape
    (5, 8)

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    rng = as_rng(seed)
    arr = _as_float(X, "X", ndim_min=1)
    k = as_int(k, "k")
    if k < 1:
        raise ValueError(f"k={k} is out of range; use k >= 1")
    g = rng.standard_normal((arr.shape[-1], k)).astype(arr.dtype)
    return arr @ g / arr.dtype.type(np.sqrt(k))


def distance_ratios(X: Any, Y: Any) -> np.ndarray:
    """Ratios ``||y_i - y_j|| / ||x_i - x_j||`` over all pairs ``i < j``.

    How much a projection ``X -> Y`` stretches (ratio > 1) or shrinks (< 1)
    each pairwise distance. Pairs of equal points (distance 0 in ``X``) are
    left out.

    Parameters
    ----------
    X : array_like
        Points, shape ``(m, d)``.
    Y : array_like
        The same points projected, shape ``(m, k)``.

    Returns
    -------
    numpy.ndarray
        The ratios, in the order of ``scipy.spatial.distance.pdist`` (pairs
        ``(0, 1), (0, 2), ..., (1, 2), ...``), without the left-out pairs.

    Raises
    ------
    ValueError
        If ``X`` and ``Y`` are not 2-D with the same number of rows.

    Examples
    --------
    >>> distance_ratios([[0, 0], [3, 4]], [[0], [10]])
    array([2.])

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    x = _as_float(X, "X")
    y = _as_float(Y, "Y")
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and Y must be 2-D with the same number of rows; got shapes {x.shape} and {y.shape}"
        )
    before, after = [], []
    for i in range(x.shape[0] - 1):
        before.append(np.linalg.norm(x[i + 1 :] - x[i], axis=1))
        after.append(np.linalg.norm(y[i + 1 :] - y[i], axis=1))
    if not before:
        return np.empty(0, dtype=np.result_type(x, y))
    d_x, d_y = np.concatenate(before), np.concatenate(after)
    keep = d_x > 0
    return d_y[keep] / d_x[keep]


# ---------------------------------------------------------------------------
# quantization
# ---------------------------------------------------------------------------


_FINITE_FOR_QUANTIZATION = "quantization needs finite values (NaN or inf would spoil the scale)"
#: The most bits per integer that fake_quantize takes: the widest integers hardware stores.
_MAX_BITS = 64


def _quantization_bits(bits: Any) -> int:
    """bits as a Python int in 2 .. _MAX_BITS (a Python int: 2**(bits - 1) must not wrap)."""
    bits = as_int(bits, "bits")
    if not 2 <= bits <= _MAX_BITS:
        raise ValueError(
            f"bits={bits} is out of range for symmetric quantization; use 2 <= bits <= {_MAX_BITS}"
        )
    return bits


def fake_quantize(x: Any, bits: int = 4, axis: int | None = None) -> np.ndarray:
    """Symmetric round-to-nearest quantization (ties to even), returned dequantized.

    With ``q = 2**(bits - 1) - 1`` (7 for int4) and the scale
    ``s = max |x| / q``, each entry becomes ``s * clip(round(x / s), -q, q)``: an
    integer in ``[-q, q]`` times one float. One scale per tensor
    (``axis=None``) or one per vector along ``axis``. A single large outlier
    makes ``s`` large, and every other entry is then rounded coarsely.

    Parameters
    ----------
    x : array_like
        Real array.
    bits : int
        Bits per integer, ``2 <= bits <= 64`` (the widest integers hardware stores).
    axis : int or None
        Axis along which the maximum is taken (one scale per vector along it),
        or ``None`` for one scale for the whole array.

    Returns
    -------
    numpy.ndarray
        The quantized values, as floats, same shape; all-zero vectors stay zero.

    Raises
    ------
    ValueError
        If ``bits`` is not in ``2 .. 64``, ``axis`` is out of range, or ``x`` holds NaN
        or infinity (whose scale would spoil every other entry).
    TypeError
        If ``bits`` is not an int, ``axis`` is neither an int nor None, or ``x`` does not
        hold real numbers.

    Examples
    --------
    >>> fake_quantize([1.0, 0.2, -0.5, 0.04], bits=4)
    array([ 1.        ,  0.14285714, -0.57142857,  0.        ])

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    bits = _quantization_bits(bits)
    arr = _as_float(x, "x")
    if axis is not None:
        axis = normalize_axis(axis, arr.ndim)
    check_finite(arr, "x", _FINITE_FOR_QUANTIZATION)
    q = 2 ** (bits - 1) - 1
    absmax = np.max(np.abs(arr), axis=axis, keepdims=axis is not None, initial=0.0)
    scale = np.where(absmax > 0, absmax / q, 1.0)
    return scale * np.clip(np.rint(arr / scale), -q, q)


def quantize_rotated(
    x: Any, bits: int = 4, seed: Any = None, axis: int = -1, signs: bool = True
) -> np.ndarray:
    """Quantize in a Hadamard-rotated basis: ``R.T @ fake_quantize(R @ x)``.

    The rotation ``R`` of :func:`hadamard_rotate` spreads an outlier's energy over
    all coordinates, so the maximum (and with it the quantization step) shrinks
    and the other entries are kept more finely; the rotation is orthogonal, so the
    error in the rotated basis is the error in the original one. This is the idea
    behind QuaRot-style low-bit quantization of transformer activations.

    Parameters
    ----------
    x : array_like
        Real array; the length along ``axis`` must be a power of two.
    bits : int
        Bits per integer, ``2 <= bits <= 64``.
    seed : None, int or numpy.random.Generator
        Where the random signs of the rotation come from, as in :func:`hadamard_rotate`
        (None: fresh signs; the same signs rotate and rotate back).
    axis : int
        Axis of the vectors; each vector is rotated and gets its own scale.
    signs : bool
        False for the plain Hadamard rotation ``H / sqrt(n)`` (then ``seed`` must be left
        out).

    Returns
    -------
    numpy.ndarray
        The dequantized array in the original basis, same shape.

    Raises
    ------
    ValueError
        If ``bits`` is not in ``2 .. 64``, the length along ``axis`` is not a power of two,
        ``x`` holds NaN or infinity, or a seed is given with ``signs=False``.

    Examples
    --------
    >>> x = np.array([8.0, 0.0, 0.0, 0.0])  # an outlier alone: exact after rotation
    >>> quantize_rotated(x, bits=4, signs=False)
    array([8., 0., 0., 0.])

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    arr = _as_float(x, "x", ndim_min=1)
    check_finite(arr, "x", _FINITE_FOR_QUANTIZATION)
    d = _signs_along(arr, seed, signs, axis)  # drawn once: the same signs rotate back
    quantized = fake_quantize(fwht(arr * d, axis=axis, norm="ortho"), bits=bits, axis=axis)
    return d * fwht(quantized, axis=axis, norm="ortho")


# ---------------------------------------------------------------------------
# multiplexing and spreading
# ---------------------------------------------------------------------------


def _design(W: Any) -> np.ndarray:
    """W as a real 2-D float array with at least as many rows (measurements) as columns."""
    w = _as_float(W, "W")
    if w.ndim != 2 or 0 in w.shape or w.shape[0] < w.shape[1]:
        raise ValueError(
            f"W must be a 2-D array of shape (measurements, unknowns) with at least as many "
            f"measurements as unknowns; got shape {w.shape}"
        )
    check_finite(w, "W", "a weighing design needs finite weights")
    return w


def weighing_variances(W: Any) -> np.ndarray:
    """Variances of the least-squares estimates of ``x`` from ``y = W x + noise``.

    Each of the measurements ``y_j = sum_i W[j, i] x_i + e_j`` carries independent noise
    ``e_j`` of variance ``sigma**2``; the least-squares estimate of the ``n`` unknowns has
    covariance ``sigma**2 (W^T W)^(-1)``. This returns its diagonal in units of ``sigma**2``,
    so that measuring each unknown on its own (``W = I``) gives ones, and the mean of the
    result, ``trace((W^T W)^(-1)) / n``, is the mean squared error relative to that.

    The noise is assumed not to depend on the signal (detector noise); with photon noise,
    whose variance grows with the light let through, the comparison changes.

    Parameters
    ----------
    W : array_like
        The design, shape ``(measurements, n)`` with full column rank: ``+-1`` rows of a
        Hadamard matrix, ``0/1`` rows of :func:`hadalib.matrices.s_matrix`, or any weights.

    Returns
    -------
    numpy.ndarray
        The ``n`` variances (float; float32 stays float32).

    Raises
    ------
    ValueError
        If ``W`` is not 2-D with at least as many rows as columns, holds NaN or infinity, or
        does not have full column rank (some combination of unknowns is never measured).
    TypeError
        If ``W`` does not hold real numbers.

    Examples
    --------
    >>> from hadalib.matrices import hadamard_matrix, s_matrix
    >>> weighing_variances(np.eye(4))
    array([1., 1., 1., 1.])
    >>> weighing_variances(hadamard_matrix(4))            # 1/n: n times smaller
    array([0.25, 0.25, 0.25, 0.25])
    >>> weighing_variances(s_matrix(3)).round(4)          # 4 n / (n + 1)**2
    array([0.75, 0.75, 0.75])

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    w = _design(W)
    _, s, vt = np.linalg.svd(w, full_matrices=False)
    if s.min() <= s.max() * max(w.shape) * np.finfo(w.dtype).eps:
        raise ValueError(
            f"W of shape {w.shape} does not have full column rank (smallest singular value "
            f"{s.min():.3g}); no measurement design can then tell all {w.shape[1]} unknowns apart"
        )
    return np.sum((vt / s[:, None]) ** 2, axis=0)  # diag(V S^-2 V^T) = diag((W^T W)^-1)


def multiplex_estimates(
    x: Any, W: Any, sigma: float = 1.0, trials: int = 1, seed: Any = 0
) -> np.ndarray:
    """Simulate ``y = W x + noise`` and return the least-squares estimates of ``x``.

    Each trial draws independent Gaussian noise of standard deviation ``sigma`` for every
    measurement, from a generator made from ``seed``, and solves ``W x_hat = y`` in the
    least-squares sense. Over many trials the variance of each estimate approaches
    ``sigma**2 * weighing_variances(W)``.

    Parameters
    ----------
    x : array_like
        The ``n`` unknown intensities (real).
    W : array_like
        The design, shape ``(measurements, n)``, full column rank.
    sigma : float
        Standard deviation of the noise of one measurement: finite and ``>= 0``.
    trials : int
        Number of independent noise draws, ``>= 1``.
    seed : None, int or numpy.random.Generator
        Where the noise comes from: an integer >= 0 seeds ``np.random.default_rng``, a
        Generator is drawn from as given, None draws from fresh entropy.

    Returns
    -------
    numpy.ndarray
        Estimates of shape ``(trials, n)`` (float; float32 stays float32).

    Raises
    ------
    ValueError
        If the shapes disagree, ``W`` is not a valid design (see :func:`weighing_variances`),
        ``sigma`` is negative or not finite, or ``trials < 1``.
    TypeError
        If ``x`` or ``W`` does not hold real numbers, or ``sigma``, ``trials`` or ``seed`` has
        the wrong type.

    Examples
    --------
    >>> from hadalib.matrices import hadamard_matrix
    >>> multiplex_estimates([1.0, 2.0, 3.0, 4.0], hadamard_matrix(4), sigma=0.0)
    array([[1., 2., 3., 4.]])
    >>> estimates = multiplex_estimates(np.ones(4), np.eye(4), trials=10_000, seed=0)
    >>> bool(np.all(np.abs(estimates.var(axis=0) - 1) < 0.05))   # weighing_variances: 1
    True

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    rng = as_rng(seed)
    sigma = as_real(sigma, "sigma")
    if not 0 <= sigma < np.inf:
        raise ValueError(f"sigma={sigma} is not a standard deviation; use a finite number >= 0")
    trials = _as_count(trials, "trials", 1)
    w = _design(W)
    weighing_variances(w)  # refuses a design without full column rank
    v = _as_float(x, "x")
    if v.ndim != 1 or v.shape[0] != w.shape[1]:
        raise ValueError(
            f"x must be a vector of the {w.shape[1]} unknowns that W (shape {w.shape}) "
            f"weighs; got shape {v.shape}"
        )
    dtype = np.result_type(v, w)
    noise = rng.standard_normal((trials, w.shape[0]))
    y = (w @ v)[None, :] + (sigma * noise).astype(dtype)
    estimates = np.linalg.lstsq(w.astype(dtype), y.T, rcond=None)[0]
    return estimates.T.astype(dtype, copy=False)


def _walsh_codes(codes: Any, n: int, default: int, users: str) -> np.ndarray:
    """The code indices as an int64 vector of distinct rows of H_n."""
    if codes is None:
        return np.arange(default, dtype=np.int64)
    c = _as_array(codes, "codes", kinds=None)
    if c.size == 0 and c.dtype.kind == "f":
        c = c.astype(np.int64)  # an empty list: no codes, but nothing wrong either
    if c.dtype.kind not in "iu":
        raise TypeError(f"codes has dtype {c.dtype}; expected row indices (int)")
    if c.ndim != 1:
        raise ValueError(f"codes must be a 1-D sequence of row indices; got shape {c.shape}")
    if c.size and (c.min() < 0 or c.max() >= n):
        bad = int(c.min()) if c.min() < 0 else int(c.max())
        raise ValueError(f"codes holds {bad}; the rows of H_{n} are 0 .. {n - 1}")
    if len(np.unique(c)) != len(c):
        raise ValueError(f"codes={c.tolist()} repeats a code; {users} needs distinct rows")
    return c.astype(np.int64)


def _spreading_length(n: Any) -> int:
    return check_pow2(
        as_int(n, "n"),
        f"n={n}",
        "Walsh codes are the rows of the Sylvester matrix H_n, n = 1, 2, 4, 8, ...",
    )


def walsh_spread(bits: Any, n: int, codes: Any = None) -> np.ndarray:
    """Spread each user's symbols with a Walsh code: one row of the Hadamard matrix ``H_n``.

    User ``u`` sends each of its symbols ``b`` (``+1`` or ``-1`` for bits, or any real
    amplitude) as the ``n`` chips ``b * H_n[codes[u]]`` (natural order, as
    :func:`hadalib.matrices.hadamard_matrix`). The rows of ``H_n`` are orthogonal, so the
    users can share one channel: the receiver adds the streams, and
    :func:`walsh_despread` separates them again.

    Parameters
    ----------
    bits : array_like
        Symbols of shape ``(users, symbols)`` (a vector is one user).
    n : int
        Spreading factor, a power of two: chips per symbol and number of codes.
    codes : array_like of int, optional
        The distinct rows of ``H_n`` of the users; by default user ``u`` gets row ``u``.

    Returns
    -------
    numpy.ndarray
        The chip streams, shape ``(users, symbols * n)`` (float; float32 stays float32); the
        channel carries their sum over axis 0.

    Raises
    ------
    ValueError
        If ``n`` is not a power of two, there are more users than codes, or ``codes`` has
        the wrong length, an index outside ``0 .. n-1`` or a repeated code.
    TypeError
        If ``bits`` does not hold real numbers or ``codes`` does not hold integers.

    Examples
    --------
    >>> walsh_spread([[1, -1], [1, 1]], 4)
    array([[ 1.,  1.,  1.,  1., -1., -1., -1., -1.],
           [ 1., -1.,  1., -1.,  1., -1.,  1., -1.]])

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    n = _spreading_length(n)
    b = _as_float(bits, "bits")
    if b.ndim == 1:
        b = b[None, :]
    if b.ndim != 2:
        raise ValueError(f"bits must have shape (users, symbols); got shape {b.shape}")
    if b.shape[0] > n:
        raise ValueError(f"bits has {b.shape[0]} users, but H_{n} has only {n} codes")
    c = _walsh_codes(codes, n, b.shape[0], "each user")
    if len(c) != b.shape[0]:
        raise ValueError(f"codes has {len(c)} entries for {b.shape[0]} users; give one per user")
    rows = hadamard_matrix(n)[c].astype(b.dtype)
    return (b[:, :, None] * rows[:, None, :]).reshape(b.shape[0], -1)


def walsh_despread(signal: Any, n: int, codes: Any = None) -> np.ndarray:
    """Recover each user's symbols by correlating every block of ``n`` chips with its code.

    The received chips are cut into blocks of ``n``; the fast Walsh-Hadamard transform of a
    block correlates it with every row of ``H_n`` at once, and dividing by ``n`` gives the
    symbol each code carried. With synchronized codes and no noise, every user's symbols
    come back exactly, whatever the others send.

    Parameters
    ----------
    signal : array_like
        Real chips, shape ``(..., symbols * n)`` (e.g. the sum of :func:`walsh_spread`'s
        streams, plus noise).
    n : int
        Spreading factor, a power of two.
    codes : array_like of int, optional
        The rows of ``H_n`` to read (default: all ``n``).

    Returns
    -------
    numpy.ndarray
        Shape ``(..., len(codes), symbols)``: the soft symbols of each code (float; float32
        stays float32); their signs are the bits.

    Raises
    ------
    ValueError
        If ``n`` is not a power of two, the length of ``signal`` is not a multiple of ``n``,
        or ``codes`` holds an index outside ``0 .. n-1`` or a repeated code.
    TypeError
        If ``signal`` does not hold real numbers or ``codes`` does not hold integers.

    Examples
    --------
    >>> chips = walsh_spread([[1, -1], [1, 1]], 4).sum(axis=0)   # two users, one channel
    >>> walsh_despread(chips, 4, codes=[0, 1])
    array([[ 1., -1.],
           [ 1.,  1.]])

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    n = _spreading_length(n)
    s = _as_float(signal, "signal", ndim_min=1)
    if s.shape[-1] % n:
        raise ValueError(
            f"signal has {s.shape[-1]} chips along its last axis, not a multiple of n={n}"
        )
    c = _walsh_codes(codes, n, n, "each code read")
    blocks = s.reshape(*s.shape[:-1], s.shape[-1] // n, n)
    correlations = fwht(blocks) / s.dtype.type(n)  # natural order: coefficient k is row k
    return np.swapaxes(correlations[..., c], -1, -2)
