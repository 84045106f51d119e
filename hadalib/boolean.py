"""Boolean functions through their Walsh spectrum.

A Boolean function of ``n`` variables is given by its truth table: ``2**n`` values 0/1, where
entry ``x`` is ``f(x_0, ..., x_{n-1})`` with ``x = sum_i x_i 2**i`` (``x_0`` is the least
significant bit). Polynomials are dicts ``{tuple_of_variable_indices: coefficient}``, e.g.
``{(): 1, (0, 2): 2}`` for ``1 + 2 x0 x2``.

Introduced in: book/06_walsh_spectrum.ipynb
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hadalib._checks import (
    BOOLEAN_LENGTH,
    ORDERS,
    as_array,
    as_real,
    check_choice,
    check_finite,
    check_pow2_vector,
    refuse_tensor,
    truth_table_array,
)
from hadalib.transforms import fwht, ifwht

__all__ = [
    "walsh_spectrum",
    "from_walsh_spectrum",
    "arithmetic_polynomial",
    "algebraic_normal_form",
    "format_polynomial",
    "nonlinearity",
    "correlation_immunity",
]

_ENCODINGS = ("01", "pm1")


def _truth_table(truth_table: ArrayLike) -> np.ndarray:
    """Check a truth table and return it as an int64 array of 0/1."""
    return truth_table_array(truth_table, "truth_table")


def _check_encoding(encoding: Any) -> None:
    check_choice("encoding", encoding, _ENCODINGS)


def _mobius(f: np.ndarray) -> np.ndarray:
    """Integer Moebius transform: c[S] = sum over T subset of S of (-1)**(|S|-|T|) f[T]."""
    c = f.copy()
    h = 1
    while h < len(c):
        pairs = c.reshape(-1, 2, h)
        pairs[:, 1, :] -= pairs[:, 0, :]
        h *= 2
    return c


def _as_polynomial(coefficients: np.ndarray) -> dict[tuple[int, ...], int]:
    """Dict of the nonzero coefficients, indexed by variable tuples, by degree then indices."""
    m = len(coefficients).bit_length() - 1
    terms = {
        tuple(i for i in range(m) if s >> i & 1): int(c)
        for s, c in enumerate(coefficients)
        if c != 0
    }
    return dict(sorted(terms.items(), key=lambda item: (len(item[0]), item[0])))


def walsh_spectrum(
    truth_table: ArrayLike, encoding: str = "01", order: str = "natural"
) -> np.ndarray:
    """Walsh spectrum of a Boolean function: its truth table times the Hadamard matrix.

    Coefficient ``u`` is ``sum_x g(x) (-1)**popcount(u & x)`` with ``g = f`` for the 0/1
    encoding and ``g = (-1)**f`` for the +-1 encoding, computed with the fast transform
    :func:`hadalib.transforms.fwht`. In the +-1 encoding, coefficient ``u`` divided by ``2**n``
    is the correlation of ``f`` with the linear function ``u . x (mod 2)``.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 (or False/True) of ``f``, indexed by ``x = sum_i x_i 2**i``.
    encoding : {"01", "pm1"}
        Transform the 0/1 values themselves, or ``(-1)**f``.
    order : {"natural", "sequency", "dyadic"}
        Order of the coefficients, as in :func:`hadalib.matrices.hadamard_matrix`.

    Returns
    -------
    numpy.ndarray
        The ``2**n`` integer coefficients (int64).

    Raises
    ------
    TypeError
        If the table does not hold numbers, or is a torch tensor.
    ValueError
        If the table is not 1-D, its length is not a power of two, it holds values other than
        0/1, or ``encoding`` or ``order`` is unknown.

    Examples
    --------
    >>> walsh_spectrum([1, 0, 1, 0, 0, 1, 1, 0])
    array([ 4,  2,  0, -2,  0,  2,  0,  2])
    >>> walsh_spectrum([1, 0, 1, 0, 0, 1, 1, 0], encoding="pm1")
    array([ 0, -4,  0,  4,  0, -4,  0, -4])

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    _check_encoding(encoding)
    f = _truth_table(truth_table)
    values = f if encoding == "01" else 1 - 2 * f
    return np.rint(fwht(values.astype(np.float64), order=order)).astype(np.int64)


def from_walsh_spectrum(
    spectrum: ArrayLike, encoding: str = "01", order: str = "natural"
) -> np.ndarray:
    """The truth table whose Walsh spectrum is ``spectrum`` (the inverse of :func:`walsh_spectrum`).

    Since ``H @ H = 2**n I``, the table is ``H @ spectrum / 2**n`` (then mapped back from +-1 to
    0/1 for the +-1 encoding), computed with :func:`hadalib.transforms.ifwht`.

    Parameters
    ----------
    spectrum : array_like
        ``2**n`` coefficients, as returned by :func:`walsh_spectrum`.
    encoding : {"01", "pm1"}
        The encoding the spectrum was computed with.
    order : {"natural", "sequency", "dyadic"}
        The order the coefficients are listed in.

    Returns
    -------
    numpy.ndarray
        The truth table, ``2**n`` values 0/1 (int64).

    Raises
    ------
    ValueError
        If the length is not a power of two, ``encoding`` or ``order`` is unknown, or the
        coefficients are not the spectrum of any Boolean function (NaN and infinities
        included).
    TypeError
        If the coefficients are not real numbers, or are a torch tensor.

    Examples
    --------
    >>> from_walsh_spectrum([4, 2, 0, -2, 0, 2, 0, 2])
    array([1, 0, 1, 0, 0, 1, 1, 0])

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    _check_encoding(encoding)
    check_choice("order", order, ORDERS)
    refuse_tensor(spectrum, "spectrum", "hadalib.boolean")
    s = as_array(spectrum, "spectrum", kinds="biuf", dtype=np.float64)
    check_finite(s, "spectrum", "a Walsh spectrum holds finite integers")
    check_pow2_vector(s, "spectrum", BOOLEAN_LENGTH)
    values = ifwht(s, order=order)
    if encoding == "pm1":
        values = (1 - values) / 2
    table = np.rint(values)
    bad = np.flatnonzero((np.abs(values - table) > 1e-9) | ((table != 0) & (table != 1)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"spectrum is not the Walsh spectrum ({encoding}) of a Boolean function: it gives "
            f"the value {values[i]:g} at index {i}, where only 0 and 1 are possible"
        )
    return table.astype(np.int64)


def arithmetic_polynomial(truth_table: ArrayLike) -> dict[tuple[int, ...], int]:
    """The unique multilinear polynomial with integer coefficients that equals ``f`` on 0/1.

    ``f(x) = sum_S c_S prod_{i in S} x_i`` (ordinary arithmetic, not mod 2). The coefficients
    are the Moebius transform of the truth table, ``c_S = sum_{T subset of S} (-1)**(|S|-|T|)
    f(T)``; equivalently, substituting ``(-1)**x_i = 1 - 2 x_i`` into the inverse Walsh
    transform gives ``c_S = (-2)**|S| / 2**n * sum_{u superset of S} W(u)``.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 of ``f``, indexed by ``x = sum_i x_i 2**i``.

    Returns
    -------
    dict
        ``{variable_indices: coefficient}`` for the nonzero coefficients (Python ints), by
        degree then indices; ``{}`` for the zero function.

    Raises
    ------
    TypeError, ValueError
        As :func:`walsh_spectrum` for a bad truth table.

    Examples
    --------
    >>> arithmetic_polynomial([1, 0, 1, 0, 0, 1, 1, 0])
    {(): 1, (0,): -1, (2,): -1, (0, 2): 2, (1, 2): 1, (0, 1, 2): -2}

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    return _as_polynomial(_mobius(_truth_table(truth_table)))


def algebraic_normal_form(truth_table: ArrayLike) -> dict[tuple[int, ...], int]:
    """The algebraic normal form: ``f`` as a sum mod 2 (XOR) of products of variables.

    Its coefficients are those of :func:`arithmetic_polynomial` taken mod 2.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 of ``f``, indexed by ``x = sum_i x_i 2**i``.

    Returns
    -------
    dict
        ``{variable_indices: 1}`` for each monomial present, by degree then indices.

    Raises
    ------
    TypeError, ValueError
        As :func:`walsh_spectrum` for a bad truth table.

    Examples
    --------
    >>> algebraic_normal_form([1, 0, 1, 0, 0, 1, 1, 0])
    {(): 1, (0,): 1, (2,): 1, (1, 2): 1}

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    return _as_polynomial(_mobius(_truth_table(truth_table)) % 2)


def format_polynomial(polynomial: dict[tuple[int, ...], int], xor: bool = False) -> str:
    """Write a polynomial dict as text, e.g. ``1 - x0 + 2x0x2`` (or ``1 ⊕ x0`` with ``xor``).

    Parameters
    ----------
    polynomial : dict
        ``{variable_indices: coefficient}``, as from :func:`arithmetic_polynomial`.
    xor : bool
        Join the terms with ``⊕`` (for an algebraic normal form, coefficients mod 2).

    Returns
    -------
    str
        The polynomial; ``"0"`` for an empty dict.

    Raises
    ------
    TypeError
        If ``polynomial`` is not a dict, a key is not a tuple of variable indices (ints
        ``>= 0``) or a coefficient is not a real number.
    ValueError
        If a coefficient is NaN or infinite.

    Examples
    --------
    >>> format_polynomial({(): 1, (0,): -1, (0, 2): 2})
    '1 - x0 + 2x0x2'
    >>> format_polynomial({(): 1, (1, 2): 1}, xor=True)
    '1 ⊕ x1x2'

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    if not isinstance(polynomial, Mapping):
        raise TypeError(
            f"polynomial must be a dict {{variable_indices: coefficient}}, e.g. {{(0, 2): 1}}; "
            f"got {type(polynomial).__name__}"
        )
    text = ""
    for variables, coeff in polynomial.items():
        if not isinstance(variables, tuple) or not all(
            isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) and i >= 0
            for i in variables
        ):
            raise TypeError(
                f"polynomial key {variables!r} is not a tuple of variable indices, "
                "e.g. (0, 2) for x0x2 or () for the constant"
            )
        if not np.isfinite(as_real(coeff, f"polynomial[{variables!r}]")):
            raise ValueError(
                f"polynomial[{variables!r}] = {coeff!r} is not a finite number; the "
                "coefficients are integers"
            )
        if coeff == 0 or (xor and coeff % 2 == 0):
            continue
        monomial = "".join(f"x{i}" for i in variables)
        size = 1 if xor else abs(coeff)
        term = monomial if monomial and size == 1 else f"{size}{monomial}"
        if not text:
            text = term if xor or coeff > 0 else f"-{term}"
        else:
            text += f" ⊕ {term}" if xor else f" {'+' if coeff > 0 else '-'} {term}"
    return text or "0"


def nonlinearity(truth_table: ArrayLike) -> int:
    """Hamming distance from ``f`` to the nearest affine function ``u . x + b (mod 2)``.

    With the +-1 spectrum ``W``: ``nonlinearity = 2**(n-1) - max_u |W(u)| / 2``. Bent functions
    (even ``n``) reach the largest value, ``2**(n-1) - 2**(n/2-1)``.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 of ``f``.

    Returns
    -------
    int
        The nonlinearity (0 for affine functions).

    Raises
    ------
    TypeError, ValueError
        As :func:`walsh_spectrum` for a bad truth table.

    Examples
    --------
    >>> nonlinearity([1, 0, 1, 0, 0, 1, 1, 0])
    2
    >>> nonlinearity([0, 0, 0, 1])      # x0 AND x1 is bent
    1

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    w = walsh_spectrum(truth_table, encoding="pm1")
    return int((len(w) - np.abs(w).max()) // 2)


def correlation_immunity(truth_table: ArrayLike) -> int:
    """Order of correlation immunity: the largest ``m`` with ``W(u) = 0`` for ``1 <= wt(u) <= m``.

    ``W`` is the +-1 spectrum (Xiao and Massey's criterion): ``f`` is uncorrelated with every
    linear combination of at most ``m`` of its inputs, so fixing any ``m`` inputs leaves its
    output distribution unchanged.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 of ``f``.

    Returns
    -------
    int
        The order ``m`` (0: correlated with some single input; ``n`` for a constant).

    Raises
    ------
    TypeError, ValueError
        As :func:`walsh_spectrum` for a bad truth table.

    Examples
    --------
    >>> correlation_immunity([0, 1, 1, 0, 1, 0, 0, 1])    # x0 XOR x1 XOR x2
    2
    >>> correlation_immunity([1, 0, 1, 0, 0, 1, 1, 0])
    0

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    w = walsh_spectrum(truth_table, encoding="pm1")
    weights = np.bitwise_count(np.arange(len(w)))
    n = len(w).bit_length() - 1
    correlated = weights[(w != 0) & (weights > 0)]
    return int(correlated.min()) - 1 if correlated.size else n
