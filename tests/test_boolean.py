"""Tests of hadalib.boolean against dense Hadamard matrices and brute-force definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from hadalib.boolean import (
    algebraic_normal_form,
    arithmetic_polynomial,
    correlation_immunity,
    format_polynomial,
    from_walsh_spectrum,
    nonlinearity,
    walsh_spectrum,
)
from hadalib.matrices import hadamard_matrix

EXAMPLE = [1, 0, 1, 0, 0, 1, 1, 0]
ORDERS = ["natural", "sequency", "dyadic"]


@st.composite
def truth_tables(draw, max_vars=5):
    m = draw(st.integers(0, max_vars))
    return np.array(draw(st.lists(st.integers(0, 1), min_size=2**m, max_size=2**m)))


def bits(x, m):
    return [(x >> i) & 1 for i in range(m)]


def evaluate(poly, x, m):
    xs = bits(x, m)
    return sum(c * int(np.prod([xs[i] for i in s])) for s, c in poly.items())


def test_example_of_the_text():
    assert walsh_spectrum(EXAMPLE).tolist() == [4, 2, 0, -2, 0, 2, 0, 2]
    assert walsh_spectrum(EXAMPLE).dtype == np.int64
    assert arithmetic_polynomial(EXAMPLE) == {
        (): 1,
        (0,): -1,
        (2,): -1,
        (0, 2): 2,
        (1, 2): 1,
        (0, 1, 2): -2,
    }
    assert list(arithmetic_polynomial(EXAMPLE)) == [(), (0,), (2,), (0, 2), (1, 2), (0, 1, 2)]
    assert format_polynomial(arithmetic_polynomial(EXAMPLE)) == (
        "1 - x0 - x2 + 2x0x2 + x1x2 - 2x0x1x2"
    )
    assert algebraic_normal_form(EXAMPLE) == {(): 1, (0,): 1, (2,): 1, (1, 2): 1}
    assert format_polynomial(algebraic_normal_form(EXAMPLE), xor=True) == "1 ⊕ x0 ⊕ x2 ⊕ x1x2"
    assert nonlinearity(EXAMPLE) == 2
    assert correlation_immunity(EXAMPLE) == 0


@settings(max_examples=40, deadline=None)
@given(f=truth_tables(), order=st.sampled_from(ORDERS))
def test_spectrum_is_the_product_with_the_hadamard_matrix(f, order):
    n = len(f)
    H = hadamard_matrix(n, order=order)
    assert np.array_equal(walsh_spectrum(f, order=order), H @ f)
    assert np.array_equal(walsh_spectrum(f, encoding="pm1", order=order), H @ (1 - 2 * f))
    natural = scipy.linalg.hadamard(n)
    assert np.array_equal(walsh_spectrum(f.astype(bool)), natural @ f)


@settings(max_examples=40, deadline=None)
@given(f=truth_tables(), order=st.sampled_from(ORDERS), encoding=st.sampled_from(["01", "pm1"]))
def test_reconstruction_from_spectrum(f, order, encoding):
    spectrum = walsh_spectrum(f, encoding=encoding, order=order)
    assert np.array_equal(from_walsh_spectrum(spectrum, encoding=encoding, order=order), f)


@settings(max_examples=40, deadline=None)
@given(f=truth_tables())
def test_parseval_and_encodings(f):
    n = len(f)
    W = walsh_spectrum(f, encoding="pm1")
    assert int((W**2).sum()) == n * n
    S = walsh_spectrum(f)
    assert int((S**2).sum()) == n * int(f.sum())
    delta = np.zeros(n, dtype=int)
    delta[0] = n
    assert np.array_equal(W, delta - 2 * S)


@settings(max_examples=40, deadline=None)
@given(f=truth_tables())
def test_polynomials_evaluate_to_the_function(f):
    n = len(f)
    m = n.bit_length() - 1
    poly = arithmetic_polynomial(f)
    anf = algebraic_normal_form(f)
    assert all(isinstance(c, int) for c in poly.values())
    assert [evaluate(poly, x, m) for x in range(n)] == f.tolist()
    assert [evaluate(anf, x, m) % 2 for x in range(n)] == f.tolist()
    assert anf == {s: 1 for s, c in poly.items() if c % 2}
    # the same coefficients from the spectrum: c_S = (-2)**|S| / 2**m * sum_{u superset S} S(u)
    S = walsh_spectrum(f)
    for s in range(n):
        expected = (-2) ** bin(s).count("1") * sum(S[u] for u in range(n) if u & s == s) / n
        key = tuple(i for i in range(m) if s >> i & 1)
        assert poly.get(key, 0) == expected


@settings(max_examples=30, deadline=None)
@given(f=truth_tables(max_vars=4))
def test_nonlinearity_is_distance_to_affine_functions(f):
    n = len(f)
    m = n.bit_length() - 1
    distances = []
    for u in range(n):
        linear = np.array([bin(u & x).count("1") % 2 for x in range(n)])
        for b in (0, 1):
            distances.append(int(np.sum(f != linear ^ b)))
    assert nonlinearity(f) == min(distances)
    assert 0 <= nonlinearity(f) <= 2 ** max(m - 1, 0)


@settings(max_examples=30, deadline=None)
@given(f=truth_tables(max_vars=4))
def test_correlation_immunity_by_fixing_inputs(f):
    n = len(f)
    m = n.bit_length() - 1
    xs = np.arange(n)

    def unchanged_when_fixing(k):
        for subset in itertools.combinations(range(m), k):
            for values in itertools.product((0, 1), repeat=k):
                rows = np.ones(n, dtype=bool)
                for i, v in zip(subset, values, strict=True):
                    rows &= (xs >> i & 1) == v
                if f[rows].sum() * 2**k != f.sum():
                    return False
        return True

    expected = 0
    while expected < m and unchanged_when_fixing(expected + 1):
        expected += 1
    assert correlation_immunity(f) == expected


def test_bent_and_known_functions():
    x = np.arange(16)
    x0, x1, x2, x3 = (x >> 0) & 1, (x >> 1) & 1, (x >> 2) & 1, (x >> 3) & 1
    bent = (x0 & x1) ^ (x2 & x3)
    assert nonlinearity(bent) == 2**3 - 2**1
    assert np.all(np.abs(walsh_spectrum(bent, encoding="pm1")) == 4)
    parity = x0 ^ x1 ^ x2 ^ x3
    assert nonlinearity(parity) == 0
    assert correlation_immunity(parity) == 3
    assert correlation_immunity(np.zeros(16, dtype=int)) == 4
    assert arithmetic_polynomial(np.zeros(8, dtype=int)) == {}
    assert format_polynomial({}) == "0"
    assert format_polynomial({(1,): -3, (): 0, (0, 1): 1}) == "-3x1 + x0x1"
    assert format_polynomial({(): 2, (0,): 3}, xor=True) == "x0"
    assert walsh_spectrum([1]).tolist() == [1]


def test_errors_name_argument_value_and_fix():
    with pytest.raises(
        ValueError,
        match=r"^truth_table has length 6, which is not a power of two; a Boolean function of "
        r"n variables has 2\*\*n values \(1, 2, 4, 8, \.\.\.\)$",
    ):
        walsh_spectrum([0, 1, 1, 0, 1, 0])
    with pytest.raises(
        ValueError,
        match=r"^truth_table holds 2 at index 3; a truth table holds only 0 and 1 "
        r"\(or False and True\); convert a \+-1 table F with \(1 - F\) // 2$",
    ):
        arithmetic_polynomial([0, 1, 1, 2])
    with pytest.raises(ValueError, match=r"^truth_table holds -1 at index 1"):
        nonlinearity([1, -1, 1, -1])
    with pytest.raises(ValueError, match=r"^truth_table holds 0\.5 at index 0"):
        algebraic_normal_form([0.5, 1.0])
    with pytest.raises(TypeError, match=r"^truth_table must hold the numbers 0 and 1, got dtype"):
        walsh_spectrum(["0", "1"])
    with pytest.raises(
        ValueError, match=r"^truth_table must be one-dimensional, got shape \(2, 2\)$"
    ):
        walsh_spectrum([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"^encoding='\+-1' is not one of '01', 'pm1'$"):
        walsh_spectrum(EXAMPLE, encoding="+-1")
    with pytest.raises(ValueError, match=r"^spectrum has length 3, which is not a power of two"):
        from_walsh_spectrum([1, 2, 3])
    with pytest.raises(
        ValueError,
        match=r"^spectrum is not the Walsh spectrum \(01\) of a Boolean function: it gives the "
        r"value 0\.5 at index 0, where only 0 and 1 are possible$",
    ):
        from_walsh_spectrum([1, 0])
    with pytest.raises(ValueError, match=r"value 2 at index 0"):
        from_walsh_spectrum([4, 0])
    with pytest.raises(TypeError, match=r"^polynomial key 'x0' is not a tuple of variable indices"):
        format_polynomial({"x0": 1})
