"""Element-wise (Hadamard) and Kronecker products.

The two products that chapter 1 sets beside the ordinary matrix product.
Every function accepts NumPy arrays (and anything ``np.asarray`` takes), or two
torch tensors, and then returns a tensor (differentiable, on their device).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib._checks import as_array, check_choice, is_tensor

__all__ = ["hadamard_product", "kronecker_product", "multiply", "PRODUCTS"]

PRODUCTS = ("hadamard", "matrix", "kronecker")
# Numbers of any kind, and Python objects (e.g. SymPy symbols, or numbers that count their
# operations): what ``*`` can multiply.
_NUMERIC = "biufcO"


def _as_operand(x: Any, name: str) -> np.ndarray:
    arr = as_array(x, name, kinds=_NUMERIC)
    if arr.dtype.kind == "O" and arr.ndim == 0 and x is None:
        raise TypeError(f"{name} is None; expected an array of numbers")
    return arr


def _operands(a: Any, b: Any) -> tuple[Any, Any]:
    """Two tensors as they are, or two arrays; one of each is refused (no silent copies)."""
    tensor_a, tensor_b = is_tensor(a), is_tensor(b)
    if tensor_a != tensor_b:
        raise TypeError(
            f"a and b must both be torch tensors or both array-like; got "
            f"{type(a).__name__} and {type(b).__name__}"
        )
    if tensor_a:
        return a, b
    return _as_operand(a, "a"), _as_operand(b, "b")


def hadamard_product(a: Any, b: Any) -> Any:
    """Element-wise (Hadamard, Schur) product of two arrays of equal shape.

    ``(a ∘ b)[i, j] = a[i, j] * b[i, j]``. Unlike NumPy's ``*``, shapes are
    never broadcast: the Hadamard product is defined for equal shapes only,
    and a silent broadcast is the most common bug it hides.

    Parameters
    ----------
    a, b : array_like or torch.Tensor
        Arrays of the same shape. Two tensors give a tensor (differentiable);
        anything else is converted with ``np.asarray``.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The element-wise product, of the common shape.

    Raises
    ------
    ValueError
        If the shapes differ (the message names both shapes), or an array is ragged.
    TypeError
        If one argument is a torch tensor and the other is not, or an array does not
        hold numbers.

    Examples
    --------
    >>> hadamard_product([[1, 2], [3, 4]], [[5, 6], [7, 8]])
    array([[ 5, 12],
           [21, 32]])

    Introduced in: book/01_hadamard_product.ipynb
    """
    a, b = _operands(a, b)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"the Hadamard product needs equal shapes; got a.shape={tuple(a.shape)} and "
            f"b.shape={tuple(b.shape)} (it never broadcasts: use * if you mean to broadcast)"
        )
    return a * b


def kronecker_product(a: Any, b: Any) -> Any:
    """Kronecker product of two matrices (or vectors), equal to ``np.kron``.

    ``kron(A, B)`` is the block matrix whose block ``(i, j)`` is ``A[i, j] * B``;
    for an ``m x n`` matrix and a ``p x q`` matrix it is ``mp x nq``.

    Parameters
    ----------
    a, b : array_like or torch.Tensor
        Scalars, vectors or matrices (a 1-D array is treated as a row). Two tensors
        give a tensor (differentiable, equal to ``torch.kron``).

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The Kronecker product, with as many dimensions as the larger input (as
        ``np.kron``): 1-D for two vectors (or a scalar and a vector), else 2-D.

    Raises
    ------
    ValueError
        If an input has more than two dimensions.
    TypeError
        If an input does not hold numbers, or one is a torch tensor and the other is not.

    Examples
    --------
    >>> kronecker_product([[1, 1], [1, -1]], [[1, 2], [3, 4]])
    array([[ 1,  2,  1,  2],
           [ 3,  4,  3,  4],
           [ 1,  2, -1, -2],
           [ 3,  4, -3, -4]])

    Introduced in: book/01_hadamard_product.ipynb
    """
    a, b = _operands(a, b)
    for name, x in (("a", a), ("b", b)):
        if x.ndim > 2:
            raise ValueError(
                f"{name} must be a vector or a matrix (ndim 1 or 2); got ndim={x.ndim} "
                f"with shape {tuple(x.shape)}"
            )
    ndim = max(a.ndim, b.ndim)  # as np.kron: a scalar or vector with a vector is a vector
    a2, b2 = a.reshape(_as_2d(a.shape)), b.reshape(_as_2d(b.shape))
    (m, n), (p, q) = a2.shape, b2.shape
    # out[i*p + k, j*q + l] = a[i, j] * b[k, l]: an outer product laid out in blocks.
    out = (a2[:, None, :, None] * b2[None, :, None, :]).reshape(m * p, n * q)
    return out.reshape({2: (m * p, n * q), 1: (n * q,), 0: ()}[ndim])


def _as_2d(shape: tuple[int, ...]) -> tuple[int, int]:
    """The shape of ``np.atleast_2d``: a scalar is (1, 1), a vector of n is a row (1, n)."""
    return tuple((1, 1, *shape)[-2:])  # type: ignore[return-value]


def multiply(a: Any, b: Any, kind: str) -> Any:
    """One of the three products by name: the compute function of chapter 1's widget.

    Parameters
    ----------
    a, b : array_like or torch.Tensor
        Matrices (two-dimensional); two tensors give a tensor.
    kind : {"hadamard", "matrix", "kronecker"}
        ``"hadamard"``: element-wise, equal shapes; ``"matrix"``: ``a @ b``,
        needs ``a.shape[1] == b.shape[0]``; ``"kronecker"``: any shapes.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The product.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, or the shapes do not fit the product.
    TypeError
        If an input does not hold numbers, or one is a torch tensor and the other is not.

    Examples
    --------
    >>> a = [[1, 2], [3, 4]]
    >>> multiply(a, [[1, 0], [0, 1]], "hadamard")
    array([[1, 0],
           [0, 4]])
    >>> multiply(a, [[1, 0], [0, 1]], "matrix")
    array([[1, 2],
           [3, 4]])
    >>> multiply(a, [[1, 0], [0, 1]], "kronecker").shape
    (4, 4)

    Introduced in: book/01_hadamard_product.ipynb
    """
    check_choice("kind", kind, PRODUCTS)
    if kind == "hadamard":
        return hadamard_product(a, b)
    if kind == "kronecker":
        return kronecker_product(a, b)
    a, b = _operands(a, b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(
            f"the matrix product needs a.shape[1] == b.shape[0]; got a.shape={tuple(a.shape)} "
            f"and b.shape={tuple(b.shape)}"
        )
    return a @ b
