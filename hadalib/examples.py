"""Example inputs of the book's figures and widgets, named by what they are.

Each function returns the same small input every time (no randomness), so that a
chapter, its widget and its tests all look at the same numbers.
"""

from __future__ import annotations

import numpy as np

from hadalib._checks import as_int
from hadalib._optional import requires

__all__ = [
    "small_integer_matrices",
    "small_image_and_kernels",
    "example_truth_table",
    "camera_feature_map",
]


def small_integer_matrices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two small integer matrices whose products are easy to follow by eye.

    Parameters
    ----------
    n : int
        Their size, ``n x n``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``A`` with entries 1..n*n row by row, and ``B`` with 2 and -1 on a
        checkerboard (2 on the diagonal).

    Examples
    --------
    >>> A, B = small_integer_matrices(2)
    >>> A
    array([[1, 2],
           [3, 4]])
    >>> B
    array([[ 2, -1],
           [-1,  2]])

    Introduced in: book/01_hadamard_product.ipynb
    """
    a = np.arange(1, n * n + 1).reshape(n, n)
    b = np.where(np.add.outer(np.arange(n), np.arange(n)) % 2 == 0, 2, -1)
    return a, b


def small_image_and_kernels() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A 6x6 integer image and three 3x3 integer kernels to slide over it.

    Returns
    -------
    tuple
        ``(image, kernels)``: the image is a bright square on a dark ground,
        with a ramp in its first column; ``kernels`` maps ``"edge"`` (vertical
        edges, left minus right), ``"blur"`` (sum of the 3x3 neighbourhood) and
        ``"sharpen"`` to their kernels.

    Examples
    --------
    >>> image, kernels = small_image_and_kernels()
    >>> image.shape, sorted(kernels)
    ((6, 6), ['blur', 'edge', 'sharpen'])
    >>> kernels["edge"]
    array([[ 1,  0, -1],
           [ 1,  0, -1],
           [ 1,  0, -1]])

    Introduced in: book/04_convolution_filters.ipynb
    """
    image = np.zeros((6, 6), dtype=int)
    image[1:5, 2:5] = 5
    image[:, 0] = np.arange(6) % 3
    kernels = {
        "edge": np.array([[1, 0, -1]] * 3),
        "blur": np.ones((3, 3), dtype=int),
        "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    }
    return image, kernels


_TRUTH_TABLES = {
    8: (1, 0, 1, 0, 0, 1, 1, 0),
    16: (1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1),
}


def example_truth_table(n: int) -> np.ndarray:
    """The truth table of a Boolean function of 3 or 4 variables, as a 0/1 vector.

    Parameters
    ----------
    n : {8, 16}
        Length. For 8 it is (1, 0, 1, 0, 0, 1, 1, 0), the book's running
        example of a Walsh spectrum.

    Returns
    -------
    numpy.ndarray
        Integers 0 and 1, ``f(0)`` first.

    Raises
    ------
    ValueError
        If n is not 8 or 16.

    Examples
    --------
    >>> example_truth_table(8).tolist()
    [1, 0, 1, 0, 0, 1, 1, 0]

    Introduced in: book/07_fast_transform.ipynb
    """
    n = as_int(n, "n")
    if n not in _TRUTH_TABLES:
        raise ValueError(f"n={n} is not one of 8, 16")
    return np.array(_TRUTH_TABLES[n])


def camera_feature_map(size: int = 32) -> np.ndarray:
    """A small 4-channel feature map made from scikit-image's camera picture.

    Parameters
    ----------
    size : int
        Height and width (the 512x512 picture is averaged over blocks; ``size``
        must divide 512).

    Returns
    -------
    numpy.ndarray
        Shape (4, size, size), float64: the picture (scaled to [0, 1]), its
        horizontal and vertical differences, and a 3x3 blur, like the first
        channels of a CNN.

    Raises
    ------
    ValueError
        If ``size`` does not divide 512.

    Examples
    --------
    >>> camera_feature_map(16).shape
    (4, 16, 16)

    Introduced in: book/11_transform_layers.ipynb
    """
    with requires("plot"):
        from skimage.data import camera

    size = as_int(size, "size")
    if size < 1 or 512 % size:
        raise ValueError(f"size={size} does not divide 512; use a power of two up to 512")
    block = 512 // size
    image = camera().astype(np.float64).reshape(size, block, size, block).mean(axis=(1, 3))
    image /= 255.0
    dx = np.diff(image, axis=1, append=image[:, -1:])
    dy = np.diff(image, axis=0, append=image[-1:, :])
    padded = np.pad(image, 1, mode="edge")
    blur = sum(padded[i : i + size, j : j + size] for i in range(3) for j in range(3)) / 9.0
    return np.stack([image, dx, dy, blur])
