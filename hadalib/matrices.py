"""Hadamard matrices: Sylvester's construction, the entry formula and the three row orders.

A Hadamard matrix of order ``n`` is an ``n x n`` matrix of ``+1`` and ``-1`` whose rows are
mutually orthogonal, ``H @ H.T == n * I``. Sylvester's construction gives one for every power
of two; Paley's gives others, such as orders 12 and 20. The rows of Sylvester's matrix are the
Walsh functions, listed in one of three orders:

- ``"natural"`` (Hadamard order): row ``k`` is ``(-1)**popcount(k & x)`` for ``x = 0 .. n-1``;
- ``"dyadic"`` (Paley order): row ``k`` is natural row ``bit_reverse(k)``;
- ``"sequency"`` (Walsh order): row ``k`` is dyadic row ``gray_code(k)`` and changes sign
  exactly ``k`` times.

Bit order everywhere: an index is ``x = sum_i x_i 2**i`` (``x_0`` the least significant bit).

This module needs NumPy only (it is the reference that :mod:`hadalib.transforms` builds on).

Introduced in: book/05_hadamard_matrices.ipynb
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hadalib._checks import (
    ORDERS,
    as_array,
    as_bool,
    as_int,
    check_choice,
    check_pow2,
    is_pow2,
    refuse_tensor,
)

__all__ = [
    "MAX_DENSE_ORDER",
    "sylvester",
    "hadamard_entry",
    "gray_code",
    "bit_reverse",
    "order_permutation",
    "hadamard_matrix",
    "sequency",
    "is_hadamard",
    "paley",
    "rademacher",
    "s_matrix",
]

#: The largest matrix order this module builds densely, ``2**15`` (``hadamard_matrix``,
#: ``sylvester(15)``, ``paley``), that is 2**30 entries or 8 GiB of int64. Beyond it, apply
#: the matrix without forming it, with :func:`hadalib.transforms.fwht`.
MAX_DENSE_ORDER = 2**15


def _as_int_array(value: ArrayLike, name: str) -> np.ndarray:
    """Return ``value`` as a non-negative int64 array, or raise naming ``name``."""
    refuse_tensor(value, name, "hadalib.matrices")
    arr = np.asarray(value)
    if arr.size == 0 and arr.dtype.kind == "f":
        arr = arr.astype(np.int64)  # an empty list: no integers, but nothing wrong either
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an integer or an array of integers, got dtype {arr.dtype}")
    if np.any(arr < 0):
        bad = int(arr[arr < 0].flat[0])
        raise ValueError(f"{name}={bad} is negative; expected an integer >= 0")
    if arr.dtype == np.uint64 and np.any(arr > np.iinfo(np.int64).max):
        bad = int(arr[arr > np.iinfo(np.int64).max].flat[0])
        raise ValueError(f"{name}={bad} does not fit in int64; pass it as a Python int")
    return arr.astype(np.int64)


def _python_index(value: Any, name: str) -> int | None:
    """A scalar integer (Python or NumPy) as a non-negative Python int; None for arrays.

    Scalars are computed with Python ints, which have as many bits as needed (an int64
    array holds 63).
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        return None
    value = int(value)
    if value < 0:
        raise ValueError(f"{name}={value} is negative; expected an integer >= 0")
    return value


def _check_dense_order(order: int, argument: str) -> None:
    """Refuse, before allocating, a matrix of order above MAX_DENSE_ORDER."""
    if order > MAX_DENSE_ORDER:
        raise ValueError(
            f"{argument} is too large: this module builds matrices of order up to "
            f"MAX_DENSE_ORDER = 2**15 = {MAX_DENSE_ORDER} (2**30 entries, 8 GiB of int64). "
            "To multiply by a Hadamard matrix without forming it, use hadalib.fwht"
        )


def _log2_size(n: Any, name: str = "n") -> int:
    """Return ``m`` with ``n == 2**m``, or raise a ValueError naming ``name``."""
    n = as_int(n, name)
    check_pow2(
        n,
        f"{name}={n}",
        "Sylvester's construction gives sizes 1, 2, 4, 8, ... (for other orders such as 12 "
        "or 20 see hadalib.matrices.paley)",
    )
    return n.bit_length() - 1


def _scalar_or_array(arr: np.ndarray, scalar_input: bool) -> int | np.ndarray:
    return int(arr) if scalar_input else arr


def sylvester(m: int) -> np.ndarray:
    """Sylvester's Hadamard matrix of size ``2**m``, built by doubling.

    ``H_0 = [[1]]`` and ``H_{j+1} = [[H_j, H_j], [H_j, -H_j]]``, which is the Kronecker power
    ``H_1 (x) H_1 (x) ... (x) H_1`` (``m`` factors) of ``H_1 = [[1, 1], [1, -1]]``.

    Parameters
    ----------
    m : int
        Number of doublings (``m >= 0``); the matrix has ``2**m`` rows.

    Returns
    -------
    numpy.ndarray
        Integer matrix of shape ``(2**m, 2**m)`` with entries ``+1`` and ``-1``, in natural order.

    Raises
    ------
    TypeError
        If ``m`` is not an integer.
    ValueError
        If ``m`` is negative, or above 15 (see :data:`MAX_DENSE_ORDER`).

    Examples
    --------
    >>> sylvester(0)
    array([[1]])
    >>> sylvester(2)
    array([[ 1,  1,  1,  1],
           [ 1, -1,  1, -1],
           [ 1,  1, -1, -1],
           [ 1, -1, -1,  1]])

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    m = as_int(m, "m")
    if m < 0:
        raise ValueError(f"m={m} is negative; sylvester(m) has size 2**m, so expected m >= 0")
    if m > 15:  # compared as exponents: 2**m itself may be huge
        _check_dense_order(MAX_DENSE_ORDER + 1, f"m={m} (order 2**{m})")
    H = np.ones((1, 1), dtype=np.int64)
    for _ in range(m):
        H = np.block([[H, H], [H, -H]])
    return H


def hadamard_entry(k: ArrayLike, n: ArrayLike) -> int | np.ndarray:
    """Entry ``(k, n)`` of the natural-order Sylvester matrix: ``(-1)**popcount(k & n)``.

    The sign is ``-1`` exactly when ``k`` and ``n`` share an odd number of binary digits equal
    to 1, i.e. ``(-1)**(k_0 n_0 + k_1 n_1 + ...)``. The formula does not depend on the size of
    the matrix, so row ``k`` of every larger Sylvester matrix starts with the same signs.

    Parameters
    ----------
    k, n : int or array_like of int
        Row and column indices (``>= 0``); arrays broadcast against each other.

    Returns
    -------
    int or numpy.ndarray
        ``+1`` or ``-1`` (an int for two ints, otherwise an integer array).

    Raises
    ------
    TypeError
        If an index is not an integer (or is a torch tensor).
    ValueError
        If an index is negative.

    Examples
    --------
    >>> hadamard_entry(3, 5)      # 0b011 & 0b101 = 0b001: one common bit
    -1
    >>> hadamard_entry(3, 7)      # 0b011 & 0b111 = 0b011: two common bits
    1
    >>> import numpy as np
    >>> hadamard_entry(np.arange(4)[:, None], np.arange(4)[None, :])
    array([[ 1,  1,  1,  1],
           [ 1, -1,  1, -1],
           [ 1,  1, -1, -1],
           [ 1, -1, -1,  1]])

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    k_int, n_int = _python_index(k, "k"), _python_index(n, "n")
    if k_int is not None and n_int is not None:
        return 1 - 2 * ((k_int & n_int).bit_count() & 1)
    scalar_input = np.ndim(k) == 0 and np.ndim(n) == 0
    k_arr = _as_int_array(k, "k")
    n_arr = _as_int_array(n, "n")
    parity = np.bitwise_count(k_arr & n_arr) & 1
    return _scalar_or_array(1 - 2 * parity.astype(np.int64), scalar_input)


def gray_code(k: ArrayLike) -> int | np.ndarray:
    """The binary-reflected Gray code ``k ^ (k >> 1)``.

    Consecutive integers have Gray codes that differ in exactly one bit.

    Parameters
    ----------
    k : int or array_like of int
        Non-negative integers.

    Returns
    -------
    int or numpy.ndarray
        The Gray code of each ``k`` (an int for an int).

    Raises
    ------
    TypeError
        If ``k`` is not an integer (or is a torch tensor).
    ValueError
        If ``k`` is negative.

    Examples
    --------
    >>> [gray_code(k) for k in range(8)]
    [0, 1, 3, 2, 6, 7, 5, 4]

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    k_int = _python_index(k, "k")
    if k_int is not None:
        return k_int ^ (k_int >> 1)
    scalar_input = np.ndim(k) == 0
    arr = _as_int_array(k, "k")
    return _scalar_or_array(arr ^ (arr >> 1), scalar_input)


def bit_reverse(k: ArrayLike, bits: int) -> int | np.ndarray:
    """Reverse the lowest ``bits`` binary digits of ``k``.

    Parameters
    ----------
    k : int or array_like of int
        Integers with ``0 <= k < 2**bits``.
    bits : int
        Number of binary digits (``>= 0``); any number for an int ``k`` (Python ints have as
        many bits as needed), at most 63 for an array (int64 holds 63 bits and a sign).

    Returns
    -------
    int or numpy.ndarray
        ``k`` with bit ``i`` moved to bit ``bits - 1 - i`` (an int for an int).

    Raises
    ------
    TypeError
        If ``k`` or ``bits`` is not an integer (or ``k`` is a torch tensor).
    ValueError
        If ``bits`` is negative (or above 63 for an array), or ``k`` does not fit in ``bits``
        digits.

    Examples
    --------
    >>> bit_reverse(1, 3)         # 0b001 -> 0b100
    4
    >>> [bit_reverse(k, 3) for k in range(8)]
    [0, 4, 2, 6, 1, 5, 3, 7]

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    bits = as_int(bits, "bits")
    if bits < 0:
        raise ValueError(f"bits={bits} is negative; expected bits >= 0")
    k_int = _python_index(k, "k")
    if k_int is not None:
        if k_int >= 1 << bits:
            raise ValueError(
                f"k={k_int} does not fit in bits={bits} binary digits; "
                f"expected 0 <= k < {1 << bits}"
            )
        return int(format(k_int, f"0{bits}b")[::-1], 2) if bits else 0
    if bits > 63:
        raise ValueError(
            f"bits={bits} is too many for an array of k: int64 holds 63 bits (and a sign); "
            "use bits <= 63, or reverse Python ints one at a time"
        )
    scalar_input = np.ndim(k) == 0
    arr = _as_int_array(k, "k")
    if np.any(arr >= 1 << bits):
        bad = int(arr[arr >= 1 << bits].flat[0])
        raise ValueError(
            f"k={bad} does not fit in bits={bits} binary digits; expected 0 <= k < {1 << bits}"
        )
    out = np.zeros_like(arr)
    for i in range(bits):
        out |= ((arr >> i) & 1) << (bits - 1 - i)
    return _scalar_or_array(out, scalar_input)


def order_permutation(n: int, order: str = "natural") -> np.ndarray:
    """Which natural-order row sits at each position of the given order.

    ``hadamard_matrix(n, order)`` equals ``hadamard_matrix(n)[order_permutation(n, order)]``,
    and a transform in that order is the natural-order transform with its outputs taken in
    this order.

    Parameters
    ----------
    n : int
        Size, a power of two.
    order : {"natural", "sequency", "dyadic"}
        ``"natural"``: the identity; ``"dyadic"`` (Paley): ``bit_reverse(k)``;
        ``"sequency"`` (Walsh): ``bit_reverse(gray_code(k))``.

    Returns
    -------
    numpy.ndarray
        A permutation of ``0 .. n-1`` (int64).

    Raises
    ------
    ValueError
        If ``n`` is not a power of two or ``order`` is unknown.

    Examples
    --------
    >>> order_permutation(8, "dyadic")
    array([0, 4, 2, 6, 1, 5, 3, 7])
    >>> order_permutation(8, "sequency")
    array([0, 4, 6, 2, 3, 7, 5, 1])

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    m = _log2_size(n)
    check_choice("order", order, ORDERS)
    k = np.arange(1 << m, dtype=np.int64)
    if order == "natural":
        return k
    if order == "dyadic":
        return bit_reverse(k, m)
    return bit_reverse(gray_code(k), m)


def hadamard_matrix(n: int, order: str = "natural", normalized: bool = False) -> np.ndarray:
    """The ``n x n`` Sylvester Hadamard matrix with its rows in the given order.

    Parameters
    ----------
    n : int
        Size, a power of two (``1, 2, 4, ...``).
    order : {"natural", "sequency", "dyadic"}
        Row order. ``"natural"`` equals ``scipy.linalg.hadamard(n)``; in ``"sequency"`` order
        row ``k`` changes sign ``k`` times; in ``"dyadic"`` (Paley) order row ``k`` is natural
        row ``bit_reverse(k)``.
    normalized : bool
        If True, divide by ``sqrt(n)`` so that the matrix is orthogonal (floats).

    Returns
    -------
    numpy.ndarray
        Integer matrix of ``+1``/``-1`` (float64 if ``normalized``), shape ``(n, n)``.

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``normalized`` is not a bool.
    ValueError
        If ``n`` is not a power of two, is above :data:`MAX_DENSE_ORDER` (apply the matrix
        with :func:`hadalib.transforms.fwht` instead), or ``order`` is unknown.

    Examples
    --------
    >>> hadamard_matrix(4, order="sequency")
    array([[ 1,  1,  1,  1],
           [ 1,  1, -1, -1],
           [ 1, -1, -1,  1],
           [ 1, -1,  1, -1]])
    >>> import numpy as np
    >>> Hn = hadamard_matrix(8, normalized=True)
    >>> bool(np.allclose(Hn @ Hn, np.eye(8)))
    True

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    m = _log2_size(n)
    check_choice("order", order, ORDERS)
    normalized = as_bool(normalized, "normalized")
    _check_dense_order(1 << m, f"n={1 << m}")
    H = sylvester(m)[order_permutation(n, order)]
    return H / np.sqrt(1 << m) if normalized else H


def sequency(row: ArrayLike) -> int | np.ndarray:
    """Number of sign changes along the last axis (of a Walsh function, for instance).

    Parameters
    ----------
    row : array_like
        A real vector, or an array whose last axis holds the vectors (e.g. a matrix: one count
        per row). Zeros are skipped over: only a ``+`` next to a ``-`` counts.

    Returns
    -------
    int or numpy.ndarray
        The count (an int for a vector, an integer array otherwise).

    Raises
    ------
    ValueError
        If ``row`` is a scalar or holds NaN (which has no sign).
    TypeError
        If ``row`` does not hold real numbers (or is a torch tensor).

    Examples
    --------
    >>> sequency([1, 1, -1, -1, 1, 1, -1, -1])
    3
    >>> sequency(hadamard_matrix(8, order="sequency"))
    array([0, 1, 2, 3, 4, 5, 6, 7])

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    refuse_tensor(row, "row", "sequency")
    arr = as_array(row, "row", kinds="biuf")
    if arr.ndim == 0:
        raise ValueError(f"row={arr!r} is a scalar; expected a vector (or an array of vectors)")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        index = tuple(int(i) for i in np.argwhere(np.isnan(arr))[0])
        where = index[0] if arr.ndim == 1 else index
        raise ValueError(f"row holds nan at index {where}; a NaN has no sign to count")
    changes = np.zeros(arr.shape[:-1], dtype=np.int64)
    if arr.shape[-1] == 0:  # no values, no sign changes
        return int(changes) if arr.ndim == 1 else changes
    signs = np.sign(arr.astype(np.int8) if arr.dtype.kind == "b" else arr)
    last = signs[..., 0]
    for j in range(1, arr.shape[-1]):
        s = signs[..., j]
        changes += (s * last) < 0
        last = np.where(s != 0, s, last)
    return int(changes) if arr.ndim == 1 else changes


def is_hadamard(M: ArrayLike) -> bool:
    """Whether ``M`` is a Hadamard matrix: square, entries ``+1``/``-1``, ``M @ M.T == n I``.

    Parameters
    ----------
    M : array_like
        Any candidate (not only Sylvester's matrices).

    Returns
    -------
    bool
        True if ``M`` is a Hadamard matrix of any order ``n >= 1``. A normalized matrix (entries
        ``+-1/sqrt(n)``) is not one: multiply it by ``sqrt(n)`` first.

    Raises
    ------
    TypeError
        If ``M`` is a torch tensor (pass ``M.detach().cpu().numpy()``).

    Examples
    --------
    >>> is_hadamard([[1, 1], [1, -1]])
    True
    >>> is_hadamard([[1, 1], [1, 1]])
    False
    >>> is_hadamard(paley(12))
    True

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    refuse_tensor(M, "M", "is_hadamard")
    try:
        arr = np.asarray(M)
    except ValueError:  # ragged rows: not a matrix at all
        return False
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        return False
    if not np.issubdtype(arr.dtype, np.number) or not np.all((arr == 1) | (arr == -1)):
        return False
    A = arr.real.astype(np.int64)
    return bool(np.array_equal(A @ A.T, arr.shape[0] * np.eye(arr.shape[0], dtype=np.int64)))


def _is_prime(q: int) -> bool:
    return q >= 2 and all(q % d for d in range(2, int(q**0.5) + 1))


def paley(n: int) -> np.ndarray:
    """A Hadamard matrix of order ``n`` by Paley's first construction (e.g. ``n = 12, 20``).

    For a prime ``q = n - 1`` with ``q % 4 == 3``, let ``chi`` be the quadratic character
    modulo ``q`` (``chi(0) = 0``, ``+1`` on nonzero squares, ``-1`` otherwise) and
    ``Q[i, j] = chi(j - i)``. Then ``H = I + [[0, 1^T], [-1, Q]]`` is a Hadamard matrix.
    Sylvester's construction only reaches powers of two; this one adds orders such as 12,
    20, 24, 44 and 48. Paley's construction works for every prime power ``q`` (28 from
    ``q = 27``, over the field of 27 elements); this function takes primes only.

    Parameters
    ----------
    n : int
        The order; ``n - 1`` must be a prime congruent to 3 modulo 4.

    Returns
    -------
    numpy.ndarray
        Integer matrix of shape ``(n, n)`` with entries ``+1``/``-1``.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n - 1`` is not a prime congruent to 3 modulo 4, or ``n`` is above
        :data:`MAX_DENSE_ORDER`.

    Examples
    --------
    >>> H12 = paley(12)
    >>> H12.shape, is_hadamard(H12)
    ((12, 12), True)
    >>> paley(4)
    array([[ 1,  1,  1,  1],
           [-1,  1,  1, -1],
           [-1, -1,  1,  1],
           [-1,  1, -1,  1]])

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    n = as_int(n, "n")
    _check_dense_order(n, f"n={n}")
    q = n - 1
    if not (_is_prime(q) and q % 4 == 3):
        raise ValueError(
            f"n={n}: Paley's construction needs n - 1 to be a prime congruent to 3 mod 4 "
            f"(n = 4, 8, 12, 20, 24, 32, 44, 48, ...); n - 1 = {q} is not"
        )
    squares = {(a * a) % q for a in range(1, q)}
    chi = np.array([0] + [1 if a in squares else -1 for a in range(1, q)], dtype=np.int64)
    idx = np.arange(q)
    Q = chi[(idx[None, :] - idx[:, None]) % q]
    S = np.zeros((n, n), dtype=np.int64)
    S[0, 1:] = 1
    S[1:, 0] = -1
    S[1:, 1:] = Q
    return np.eye(n, dtype=np.int64) + S


def rademacher(i: int, m: int) -> np.ndarray:
    """The Rademacher function ``r_i(t) = sign(sin(2**i pi t))`` at ``2**m`` points of [0, 1).

    ``r_i`` is a square wave with ``2**(i - 1)`` periods on [0, 1): ``+1`` on the first half
    of each period, ``-1`` on the second. It is constant on the ``2**m`` intervals
    ``[x / 2**m, (x + 1) / 2**m)`` when ``i <= m``, and its value there,
    ``(-1)**x_(m-i)``, reads one binary digit of ``x``: ``r_1`` the most significant, ``r_m``
    the least. The samples are taken at the midpoints ``t = (x + 1/2) / 2**m``, where the
    sine is never zero.

    Every Walsh function is a product of Rademacher functions: dyadic (Paley) row ``k`` of
    :func:`hadamard_matrix` is the product of ``r_(i+1)`` over the bits ``i`` set in ``k``,
    and natural row ``k`` the product of ``r_(m-i)``.

    Parameters
    ----------
    i : int
        Index of the function, ``1 <= i <= m`` (``r_i`` changes sign every ``2**(m - i)``
        samples, so it needs ``2**i`` samples at least).
    m : int
        The function is sampled at ``2**m`` points, ``0 <= m <= 15``.

    Returns
    -------
    numpy.ndarray
        Integer vector of length ``2**m`` with entries ``+1`` and ``-1``.

    Raises
    ------
    TypeError
        If ``i`` or ``m`` is not an integer.
    ValueError
        If ``m`` is negative or above 15 (see :data:`MAX_DENSE_ORDER`), or ``i`` is not in
        ``1 .. m``.

    Examples
    --------
    >>> rademacher(1, 3)
    array([ 1,  1,  1,  1, -1, -1, -1, -1])
    >>> rademacher(3, 3)
    array([ 1, -1,  1, -1,  1, -1,  1, -1])
    >>> bool(np.array_equal(rademacher(1, 3) * rademacher(2, 3), hadamard_matrix(8, "dyadic")[3]))
    True

    Introduced in: book/05_hadamard_matrices.ipynb
    """
    i, m = as_int(i, "i"), as_int(m, "m")
    if m < 0:
        raise ValueError(
            f"m={m} is negative; rademacher(i, m) has 2**m samples, so expected m >= 0"
        )
    if m > 15:  # compared as exponents: 2**m itself may be huge
        _check_dense_order(MAX_DENSE_ORDER + 1, f"m={m} (2**{m} samples)")
    if not 1 <= i <= m:
        raise ValueError(
            f"i={i} is out of range for m={m}: r_i changes sign every 2**(m - i) samples, "
            f"so use 1 <= i <= m (here 1 .. {m})"
        )
    x = np.arange(1 << m, dtype=np.int64)
    return 1 - 2 * ((x >> (m - i)) & 1)


def s_matrix(n: int) -> np.ndarray:
    """The S-matrix of order ``n = 2**k - 1``: the 0/1 weighing design of Harwit and Sloane.

    Take Sylvester's Hadamard matrix of order ``n + 1`` (its first row and column are all
    ``+1``), delete the first row and column, and map ``+1 -> 0`` and ``-1 -> 1``:
    ``S = (1 - H[1:, 1:]) // 2``. Each row has ``(n + 1) / 2`` ones (an open mask lets half
    of the ``n`` channels through), ``S @ S.T == (n + 1) / 4 * (I + J)`` with ``J`` the
    matrix of ones, and ``S`` has the inverse ``2 / (n + 1) * (2 S.T - J)``.

    Parameters
    ----------
    n : int
        The order, one less than a power of two (``1, 3, 7, 15, ...``).

    Returns
    -------
    numpy.ndarray
        Integer matrix of zeros and ones, shape ``(n, n)``.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n + 1`` is not a power of two (or ``n < 1``), or ``n + 1`` is above
        :data:`MAX_DENSE_ORDER`.

    Examples
    --------
    >>> s_matrix(3)
    array([[1, 0, 1],
           [0, 1, 1],
           [1, 1, 0]])
    >>> S = s_matrix(7)
    >>> bool(np.array_equal(S @ S.T, 2 * (np.eye(7, dtype=int) + 1)))
    True

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    n = as_int(n, "n")
    if n < 1 or not is_pow2(n + 1):
        raise ValueError(
            f"n={n} is not one less than a power of two; the S-matrix from Sylvester's "
            "construction has order n = 2**k - 1 (1, 3, 7, 15, 31, ...)"
        )
    _check_dense_order(n + 1, f"n={n} (a Hadamard matrix of order {n + 1})")
    H = sylvester((n + 1).bit_length() - 1)
    return (1 - H[1:, 1:]) // 2
