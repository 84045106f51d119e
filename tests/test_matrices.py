"""Tests of hadalib.matrices against SciPy, np.kron and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from hadalib.matrices import (
    bit_reverse,
    gray_code,
    hadamard_entry,
    hadamard_matrix,
    is_hadamard,
    order_permutation,
    paley,
    rademacher,
    s_matrix,
    sequency,
    sylvester,
)

ORDERS = ["natural", "sequency", "dyadic"]
sizes = st.integers(min_value=0, max_value=7).map(lambda m: 2**m)


@pytest.mark.parametrize("m", range(8))
def test_sylvester_equals_scipy_and_kronecker_power(m):
    H1 = np.array([[1, 1], [1, -1]])
    kron_power = np.ones((1, 1), dtype=int)
    for _ in range(m):
        kron_power = np.kron(kron_power, H1)
    assert np.array_equal(sylvester(m), scipy.linalg.hadamard(2**m))
    assert np.array_equal(sylvester(m), kron_power)
    assert np.issubdtype(sylvester(m).dtype, np.integer)


def test_entry_formula_matches_matrix():
    n = 64
    k = np.arange(n)
    popcount = np.array([bin(i).count("1") for i in range(n)])
    expected = (-1) ** popcount[k[:, None] & k[None, :]]
    assert np.array_equal(hadamard_entry(k[:, None], k[None, :]), expected)
    assert np.array_equal(hadamard_matrix(n), expected)
    assert hadamard_entry(6, 3) == -1 and isinstance(hadamard_entry(6, 3), int)


def test_sequency_and_dyadic_rows_by_definition():
    m = 4
    n = 2**m
    natural = scipy.linalg.hadamard(n)
    reverse = [int(format(k, f"0{m}b")[::-1], 2) for k in range(n)]
    gray = [k ^ (k >> 1) for k in range(n)]
    dyadic = hadamard_matrix(n, order="dyadic")
    seq = hadamard_matrix(n, order="sequency")
    assert np.array_equal(dyadic, natural[reverse])
    assert np.array_equal(seq, dyadic[gray])
    sign_changes = (np.diff(seq, axis=1) != 0).sum(axis=1)
    assert np.array_equal(sign_changes, np.arange(n))


def test_known_small_values():
    assert [gray_code(k) for k in range(8)] == [0, 1, 3, 2, 6, 7, 5, 4]
    assert [bit_reverse(k, 3) for k in range(8)] == [0, 4, 2, 6, 1, 5, 3, 7]
    assert bit_reverse(0, 0) == 0
    assert sequency([1, -1, 1, -1]) == 3
    assert sequency([1, 0, -1, 0, 0, -1, 1]) == 2
    assert np.array_equal(sequency(np.ones((3, 5))), [0, 0, 0])


@settings(max_examples=30, deadline=None)
@given(n=sizes, order=st.sampled_from(ORDERS))
def test_orthogonal_symmetric_involution(n, order):
    H = hadamard_matrix(n, order=order)
    assert np.array_equal(H @ H.T, n * np.eye(n, dtype=int))
    assert is_hadamard(H)
    Hn = hadamard_matrix(n, order=order, normalized=True)
    assert np.allclose(Hn @ Hn.T, np.eye(n))
    if order == "natural":
        assert np.array_equal(H, H.T)
        assert np.allclose(Hn @ Hn, np.eye(n))


@settings(max_examples=30, deadline=None)
@given(n=sizes, order=st.sampled_from(ORDERS))
def test_order_permutations_are_permutations(n, order):
    perm = order_permutation(n, order)
    assert sorted(perm.tolist()) == list(range(n))
    assert np.array_equal(hadamard_matrix(n, order=order), hadamard_matrix(n)[perm])


@settings(max_examples=50, deadline=None)
@given(bits=st.integers(0, 20), data=st.data())
def test_bit_reverse_is_an_involution_and_gray_code_steps_one_bit(bits, data):
    k = data.draw(st.integers(0, 2**bits - 1))
    assert bit_reverse(bit_reverse(k, bits), bits) == k
    assert bin(gray_code(k) ^ gray_code(k + 1)).count("1") == 1


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**40), st.integers(0, 2**40))
def test_entry_is_a_character(k, n):
    # H[k, x ^ y] = H[k, x] H[k, y]: each row is a character of the group of bit strings
    x = n ^ (k >> 3)
    assert hadamard_entry(k, n ^ x) == hadamard_entry(k, n) * hadamard_entry(k, x)
    assert hadamard_entry(k, n) == (-1) ** bin(k & n).count("1")


@pytest.mark.parametrize("n", [4, 8, 12, 20, 24, 32, 44])
def test_paley_gives_hadamard_matrices(n):
    H = paley(n)
    assert H.shape == (n, n)
    assert set(np.unique(H)) == {-1, 1}
    assert np.array_equal(H @ H.T, n * np.eye(n, dtype=int))


def test_is_hadamard_rejects_non_hadamard():
    H = sylvester(3).copy()
    assert is_hadamard(H)
    H[2, 5] = -H[2, 5]
    assert not is_hadamard(H)
    assert not is_hadamard(sylvester(2) * 2)
    assert not is_hadamard(hadamard_matrix(4, normalized=True))
    assert not is_hadamard(np.ones((2, 3)))
    assert not is_hadamard(np.ones((0, 0)))
    assert not is_hadamard([1, -1])
    assert not is_hadamard([["a", "b"], ["c", "d"]])
    assert is_hadamard([[1]])


def test_errors_name_argument_value_and_fix():
    with pytest.raises(
        ValueError,
        match=r"^n=12 is not a power of two; Sylvester's construction gives sizes 1, 2, 4, 8, "
        r"\.\.\. \(for other orders such as 12 or 20 see hadalib\.matrices\.paley\)$",
    ):
        hadamard_matrix(12)
    with pytest.raises(ValueError, match=r"^n=0 is not a power of two"):
        order_permutation(0)
    with pytest.raises(
        ValueError,
        match=r"^order='walsh' is not one of 'natural', 'sequency', "
        r"'dyadic'$",
    ):
        hadamard_matrix(8, order="walsh")
    with pytest.raises(TypeError, match=r"^n must be an integer, got 8\.0 \(float\)$"):
        hadamard_matrix(8.0)
    with pytest.raises(TypeError, match=r"^m must be an integer, got True \(bool\)$"):
        sylvester(True)
    with pytest.raises(
        ValueError,
        match=r"^m=-1 is negative; sylvester\(m\) has size 2\*\*m, "
        r"so expected m >= 0$",
    ):
        sylvester(-1)
    with pytest.raises(
        ValueError,
        match=r"^k=8 does not fit in bits=3 binary digits; "
        r"expected 0 <= k < 8$",
    ):
        bit_reverse(np.arange(9), 3)
    with pytest.raises(ValueError, match=r"^k=-1 is negative; expected an integer >= 0$"):
        gray_code(-1)
    with pytest.raises(
        TypeError,
        match=r"^k must be an integer or an array of integers, "
        r"got dtype float64$",
    ):
        hadamard_entry(1.5, 2)
    with pytest.raises(
        ValueError,
        match=r"^n=16: Paley's construction needs n - 1 to be a prime "
        r"congruent to 3 mod 4 \(n = 4, 8, 12, 20, 24, 32, 44, 48, \.\.\.\); "
        r"n - 1 = 15 is not$",
    ):
        paley(16)
    with pytest.raises(ValueError, match=r"^row=array\(3\) is a scalar"):
        sequency(3)


# ---- sizes that cannot be built, and bits beyond int64 -------------------------------------

TOO_LARGE = r"is too large: this module builds matrices of order up to MAX_DENSE_ORDER = 2\*\*15"


@pytest.mark.parametrize(
    ("call", "start"),
    [
        (lambda: sylvester(40), r"^m=40 \(order 2\*\*40\) "),
        (lambda: sylvester(16), r"^m=16 \(order 2\*\*16\) "),
        (lambda: hadamard_matrix(2**40), r"^n=1099511627776 "),
        (lambda: hadamard_matrix(2**16, normalized=True), r"^n=65536 "),
        (lambda: paley(2**31), r"^n=2147483648 "),
    ],
)
def test_matrices_too_large_are_refused_before_allocating(call, start):
    with pytest.raises(ValueError, match=start + TOO_LARGE + r".*use hadalib\.fwht$"):
        call()


def test_bit_reverse_is_exact_beyond_63_bits():
    assert bit_reverse(1, 64) == 2**63
    assert bit_reverse(1, 100) == 2**99
    assert bit_reverse(2**63, 64) == 1
    assert bit_reverse(np.int64(3), np.int64(64)) == 3 * 2**62
    assert bit_reverse(0, 0) == 0
    assert isinstance(bit_reverse(1, 64), int)
    np.testing.assert_array_equal(bit_reverse(np.array([1, 2]), 63), [2**62, 2**61])
    assert gray_code(2**70) == 2**70 + 2**69
    assert hadamard_entry(2**70 + 1, 2**70 + 3) == 1
    with pytest.raises(
        ValueError,
        match=r"^bits=64 is too many for an array of k: int64 holds 63 bits \(and a sign\); "
        r"use bits <= 63, or reverse Python ints one at a time$",
    ):
        bit_reverse(np.array([1]), 64)
    with pytest.raises(ValueError, match=r"^k=8 does not fit in bits=3 binary digits"):
        bit_reverse(8, 3)


# ---- Rademacher functions and the S-matrix -------------------------------------------------


@pytest.mark.parametrize("m", range(1, 9))
def test_rademacher_samples_the_sine_definition(m):
    n = 2**m
    midpoints = (np.arange(n) + 0.5) / n
    for i in range(1, m + 1):
        expected = np.sign(np.sin(2**i * np.pi * midpoints)).astype(int)
        np.testing.assert_array_equal(rademacher(i, m), expected)
        assert sequency(rademacher(i, m)) == 2**i - 1


@pytest.mark.parametrize("m", range(0, 8))
def test_walsh_functions_are_products_of_rademacher_functions(m):
    n = 2**m
    r = {i: rademacher(i, m) for i in range(1, m + 1)}
    dyadic, natural = hadamard_matrix(n, "dyadic"), hadamard_matrix(n)
    for k in range(n):
        paley_row, natural_row = np.ones(n, dtype=int), np.ones(n, dtype=int)
        for i in range(m):
            if k >> i & 1:
                paley_row = paley_row * r[i + 1]
                natural_row = natural_row * r[m - i]
        np.testing.assert_array_equal(dyadic[k], paley_row)
        np.testing.assert_array_equal(natural[k], natural_row)


def test_rademacher_functions_are_orthonormal_but_not_complete():
    m = 5
    R = np.array([rademacher(i, m) for i in range(1, m + 1)])
    np.testing.assert_array_equal(R @ R.T, 2**m * np.eye(m, dtype=int))
    product = rademacher(1, m) * rademacher(2, m)  # a Walsh function orthogonal to all r_i
    np.testing.assert_array_equal(R @ product, np.zeros(m, dtype=int))


def test_rademacher_errors():
    with pytest.raises(
        ValueError,
        match=r"^i=4 is out of range for m=3: r_i changes sign every 2\*\*\(m - i\) samples, "
        r"so use 1 <= i <= m \(here 1 \.\. 3\)$",
    ):
        rademacher(4, 3)
    with pytest.raises(ValueError, match=r"^i=0 is out of range for m=3"):
        rademacher(0, 3)
    with pytest.raises(ValueError, match=r"^m=-1 is negative"):
        rademacher(1, -1)
    with pytest.raises(TypeError, match=r"^i must be an integer, got 1\.0 \(float\)$"):
        rademacher(1.0, 3)
    with pytest.raises(ValueError, match=r"^m=16 \(2\*\*16 samples\) " + TOO_LARGE):
        rademacher(1, 16)


@pytest.mark.parametrize("n", [1, 3, 7, 15, 31, 63])
def test_s_matrix_closed_forms(n):
    S = s_matrix(n)
    H = scipy.linalg.hadamard(n + 1)
    np.testing.assert_array_equal(S, (1 - H[1:, 1:]) // 2)
    assert S.dtype.kind == "i" and set(np.unique(S)) <= {0, 1}
    np.testing.assert_array_equal(S.sum(axis=1), np.full(n, (n + 1) // 2))
    J = np.ones((n, n), dtype=int)
    np.testing.assert_array_equal(4 * S @ S.T, (n + 1) * (np.eye(n, dtype=int) + J))
    np.testing.assert_array_equal(S @ (2 * S.T - J), (n + 1) // 2 * np.eye(n, dtype=int))


def test_s_matrix_errors():
    for bad in (0, 4, 12):
        with pytest.raises(
            ValueError,
            match=rf"^n={bad} is not one less than a power of two; the S-matrix from "
            r"Sylvester's construction has order n = 2\*\*k - 1 \(1, 3, 7, 15, 31, \.\.\.\)$",
        ):
            s_matrix(bad)
    with pytest.raises(TypeError, match=r"^n must be an integer, got 7\.0 \(float\)$"):
        s_matrix(7.0)
    with pytest.raises(ValueError, match=r"^n=65535 \(a Hadamard matrix of order 65536\) "):
        s_matrix(2**16 - 1)
