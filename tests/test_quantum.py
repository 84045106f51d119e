"""Tests of hadalib.quantum against Kronecker-product operators, closed forms and Qiskit."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hadalib.boolean import walsh_spectrum
from hadalib.matrices import hadamard_matrix
from hadalib.quantum import (
    H,
    I,
    X,
    Z,
    apply,
    basis_state,
    bernstein_vazirani,
    bloch_vector,
    deutsch_jozsa,
    deutsch_jozsa_circuit,
    gf2_null_space,
    grover,
    grover_iterations,
    grover_state,
    hadamard_all,
    measure,
    phase_oracle,
    probabilities,
    run_circuit,
    simon_circuit,
    to_qiskit,
    zero_state,
)


def operator(gate, qubit, n):
    """Dense operator of a one-qubit gate on n qubits (qubit 0 = rightmost Kronecker factor)."""
    op = np.ones((1, 1))
    for q in reversed(range(n)):
        op = np.kron(op, gate if q == qubit else np.eye(2))
    return op


@st.composite
def states(draw, max_qubits=5):
    n = draw(st.integers(1, max_qubits))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return psi / np.linalg.norm(psi), n


def test_gates():
    for g in (I, X, Z, H):
        assert np.allclose(g @ g.conj().T, np.eye(2))
        assert not g.flags.writeable
    assert np.allclose(H @ H, np.eye(2))
    assert np.allclose(H @ X @ H, Z)
    assert np.allclose(H * math.sqrt(2), hadamard_matrix(2))


@settings(max_examples=30, deadline=None)
@given(state=states(), gate=st.sampled_from([I, X, Z, H]), data=st.data())
def test_apply_equals_kronecker_operator(state, gate, data):
    psi, n = state
    q = data.draw(st.integers(0, n - 1))
    out = apply(psi, gate, q)
    assert np.allclose(out, operator(gate, q, n) @ psi)
    assert np.isclose(np.linalg.norm(out), 1)
    if gate is H:
        assert np.allclose(apply(out, H, q), psi)  # involution


@settings(max_examples=30, deadline=None)
@given(state=states(), data=st.data())
def test_controlled_gate_equals_projector_sum(state, data):
    psi, n = state
    if n < 2:
        return
    c, t = data.draw(st.permutations(range(n)))[:2]
    p0 = operator(np.diag([1.0, 0.0]), c, n)
    p1 = operator(np.diag([0.0, 1.0]), c, n)
    cnot = p0 + p1 @ operator(X, t, n)
    assert np.allclose(apply(psi, X, t, control=c), cnot @ psi)


@settings(max_examples=30, deadline=None)
@given(state=states(max_qubits=7))
def test_hadamard_all_is_the_normalized_wht_and_an_involution(state):
    psi, n = state
    out = hadamard_all(psi)
    assert np.allclose(out, hadamard_matrix(2**n, normalized=True) @ psi)
    one_by_one = psi
    for q in range(n):
        one_by_one = apply(one_by_one, H, q)
    assert np.allclose(out, one_by_one)
    assert np.allclose(hadamard_all(out), psi)
    assert np.isclose(probabilities(out).sum(), 1)


def test_states_and_measurement():
    assert zero_state(0).tolist() == [1]
    assert np.array_equal(basis_state(6, 3), np.eye(8)[6])
    assert basis_state(6, 3).dtype == np.complex128
    plus = apply(zero_state(1), H, 0)
    outcomes = measure(plus, shots=4000, seed=1)
    assert np.array_equal(outcomes, measure(plus, shots=4000, seed=1))
    assert set(outcomes.tolist()) == {0, 1}
    assert abs(outcomes.mean() - 0.5) < 0.03  # 4 standard deviations
    assert measure(basis_state(5, 3), shots=5).tolist() == [5] * 5
    psi = run_circuit([("H", 0), ("H", 1)], 2)
    counts = np.bincount(measure(psi, shots=8000, seed=0), minlength=4)
    assert np.all(np.abs(counts / 8000 - 0.25) < 0.025)


def test_bloch_vectors():
    s = 1 / math.sqrt(2)
    cases = {
        (1, 0): (0, 0, 1),
        (0, 1): (0, 0, -1),
        (s, s): (1, 0, 0),
        (s, -s): (-1, 0, 0),
        (s, 1j * s): (0, 1, 0),
        (s, -1j * s): (0, -1, 0),
    }
    for amplitudes, point in cases.items():
        assert np.allclose(bloch_vector(amplitudes), point)
    assert np.allclose(bloch_vector(apply(zero_state(1), H, 0)), [1, 0, 0])


def test_phase_oracle_is_a_hadamard_product():
    f = [1, 0, 1, 0, 0, 1, 1, 0]
    assert phase_oracle(f).tolist() == [-1, 1, -1, 1, 1, -1, -1, 1]
    psi = hadamard_all(zero_state(3))
    assert np.allclose(psi * phase_oracle(f), np.diag(phase_oracle(f)) @ psi)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), constant=st.sampled_from([0, 1]))
def test_deutsch_jozsa(n, seed, constant):
    assert deutsch_jozsa(np.full(2**n, constant)) == "constant"
    balanced = np.random.default_rng(seed).permutation(np.repeat([0, 1], 2 ** (n - 1)))
    assert deutsch_jozsa(balanced) == "balanced"


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 7), data=st.data())
def test_bernstein_vazirani_recovers_every_string(n, data):
    s = data.draw(st.integers(0, 2**n - 1))
    b = data.draw(st.sampled_from([0, 1]))
    f = [(bin(s & x).count("1") + b) % 2 for x in range(2**n)]
    assert bernstein_vazirani(f) == s


@pytest.mark.parametrize("n", [2, 3, 5, 8])
@pytest.mark.parametrize("marked", [[3], [0, 2], [1, 2, 3]])
def test_grover_follows_the_rotation_formula(n, marked):
    theta = math.asin(math.sqrt(len(marked) / 2**n))
    for k in range(6):
        p = grover(marked, n, iterations=k)
        assert np.isclose(p[marked].sum(), math.sin((2 * k + 1) * theta) ** 2)
        assert np.isclose(p.sum(), 1)
    default = math.floor(math.pi / 4 * math.sqrt(2**n / len(marked)))
    assert np.allclose(grover(marked, n), grover(marked, n, iterations=default))
    assert np.allclose(grover(tuple(marked) * 2, n), grover(marked, n))


def test_grover_three_qubits_one_marked():
    p = [grover(5, 3, k)[5] for k in (1, 2, 3)]
    assert np.allclose(p, [0.78125, 0.9453125, 0.330078125])


def test_run_circuit_bell_state():
    bell = run_circuit([("H", 0), ("X", 1, 0)], 2)
    assert np.allclose(bell, np.array([1, 0, 0, 1]) / math.sqrt(2))
    assert np.allclose(run_circuit([], 3), zero_state(3))


def test_against_qiskit_statevector():
    qiskit = pytest.importorskip(
        "qiskit", reason="qiskit is an optional test dependency (pip install qiskit)"
    )
    from qiskit.quantum_info import Statevector

    rng = np.random.default_rng(7)
    n = 4
    for _ in range(20):
        circuit = qiskit.QuantumCircuit(n)
        gates = []
        for _ in range(12):
            name = str(rng.choice(["H", "X", "Z", "CX"]))
            q, c = (int(v) for v in rng.choice(n, size=2, replace=False))
            if name == "CX":
                circuit.cx(c, q)
                gates.append(("X", q, c))
            else:
                getattr(circuit, name.lower())(q)
                gates.append((name, q))
        assert np.allclose(run_circuit(gates, n), Statevector(circuit).data)
    circuit = qiskit.QuantumCircuit(n)
    circuit.h(range(n))
    assert np.allclose(hadamard_all(zero_state(n)), Statevector(circuit).data)


def test_run_circuit_oracles_and_barriers():
    f = [1, 0, 1, 0, 0, 1, 1, 0]
    gates = deutsch_jozsa_circuit(f)
    assert gates.count(("barrier",)) == 2 and ("oracle", tuple(f)) in gates
    expected = hadamard_all(hadamard_all(zero_state(3)) * phase_oracle(f))
    assert np.allclose(run_circuit(gates, 3), expected)
    assert np.allclose(run_circuit(gates, 3).real * 8, walsh_spectrum(f, encoding="pm1"))
    assert np.allclose(run_circuit([("H", 0), ("barrier",), ("H", 0)], 1), zero_state(1))
    assert np.allclose(
        run_circuit([("X", 0), ("H", 1), ("Z", 1, 0)], 2),
        [0, 1 / math.sqrt(2), 0, -1 / math.sqrt(2)],
    )  # controlled Z


def _simon_f(s, n):
    """The 2-to-1 function of simon_circuit, built independently: f(x) = x XOR x_j s."""
    j = (s & -s).bit_length() - 1 if s else 0
    return [x ^ ((x >> j & 1) * s) for x in range(2**n)]


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_simon_circuit_oracle_and_outcomes(n):
    for s in range(2**n):
        f = _simon_f(s, n)
        for x in range(2**n):
            partners = {y for y in range(2**n) if f[y] == f[x]}
            assert partners == {x, x ^ s}
        gates = simon_circuit(s, n)
        # the oracle alone, on |x>|0>, writes f(x) into the output register
        oracle = [g for g in gates[n + 1 : -(n + 1)] if g != ("barrier",)]
        for x in range(2**n):
            prep = [("X", q) for q in range(n) if x >> q & 1]
            state = run_circuit(prep + oracle, 2 * n)
            assert np.argmax(np.abs(state)) == x + 2**n * f[x]
        p = probabilities(run_circuit(gates, 2 * n)).reshape(2**n, 2**n).sum(axis=0)
        orthogonal = np.array([bin(u & s).count("1") % 2 == 0 for u in range(2**n)])
        assert np.allclose(p[orthogonal], 1 / orthogonal.sum())
        assert np.allclose(p[~orthogonal], 0)


def _dot(u, s):
    return bin(u & s).count("1") % 2


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 12), data=st.data())
def test_gf2_null_space_is_the_orthogonal_complement(n, data):
    rows = data.draw(st.lists(st.integers(0, 2**n - 1), max_size=2 * n))
    basis = gf2_null_space(rows, n).tolist()
    assert (
        basis == sorted(basis)
        and gf2_null_space(np.array(rows, dtype=np.int64), n).tolist() == basis
    )
    assert all(_dot(u, s) == 0 for u in rows for s in basis)
    span = {0}
    for b in basis:
        span |= {v ^ b for v in span}
    assert len(span) == 2 ** len(basis)  # independent
    if n <= 8:  # and complete: every orthogonal string is in the span
        complement = {s for s in range(2**n) if all(_dot(u, s) == 0 for u in rows)}
        assert complement == span


def test_simon_recovers_s_from_sampled_outcomes():
    for n, s in [(3, 0b110), (4, 0b1011), (5, 0b10001)]:
        state = run_circuit(simon_circuit(s, n), 2 * n)
        outcomes = measure(state, shots=4 * n, seed=n) % 2**n
        assert gf2_null_space(outcomes, n).tolist() == [s]
    assert gf2_null_space([], 3).tolist() == [1, 2, 4]
    assert gf2_null_space([1, 2, 4, 7], 3).tolist() == []


def test_to_qiskit_statevector_equals_run_circuit():
    pytest.importorskip("qiskit", reason="qiskit is an optional dependency (hadalib[quantum])")
    from qiskit.quantum_info import Statevector

    circuits = [
        (deutsch_jozsa_circuit(f), 3)
        for f in ([1, 0, 1, 0, 0, 1, 1, 0], [1] * 8, [0, 1, 0, 1, 1, 0, 1, 0])
    ]
    circuits += [(simon_circuit(s, 3), 6) for s in range(8)]
    circuits += [([("H", 0), ("H", 1, 0), ("Z", 0, 1), ("I", 1), ("I", 0, 1)], 2)]
    for gates, n in circuits:
        assert np.allclose(Statevector(to_qiskit(gates, n)).data, run_circuit(gates, n))
    measured = to_qiskit(simon_circuit(3, 2), 4, measure=[0, 1])
    assert measured.num_clbits == 2 and measured.count_ops()["measure"] == 2


def test_to_qiskit_names_the_extra_when_qiskit_is_missing(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "qiskit", None)
    with pytest.raises(ImportError, match=r"pip install 'hadalib\[quantum\]'"):
        to_qiskit([("H", 0)], 1)


def test_errors_name_argument_value_and_fix():
    with pytest.raises(
        ValueError,
        match=r"^qubit=3 is out of range for a state of 3 qubits; expected 0 <= qubit < 3$",
    ):
        apply(zero_state(3), H, 3)
    with pytest.raises(ValueError, match=r"^qubit=-1 is out of range for a state of 2 qubits"):
        apply(zero_state(2), X, -1)
    with pytest.raises(
        ValueError,
        match=r"^control=4 is out of range for a state of 3 qubits; expected 0 <= control < 3$",
    ):
        apply(zero_state(3), X, 0, control=4)
    with pytest.raises(
        ValueError,
        match=r"^control=1 is the same as qubit=1; a controlled gate needs two different qubits$",
    ):
        apply(zero_state(3), X, 1, control=1)
    with pytest.raises(TypeError, match=r"^qubit must be an integer, got 1\.0 \(float\)$"):
        apply(zero_state(2), X, 1.0)
    with pytest.raises(ValueError, match=r"^gate must be a 2x2 matrix, got shape \(4, 4\)$"):
        apply(zero_state(2), np.eye(4), 0)
    with pytest.raises(
        ValueError,
        match=r"^state has length 6, which is not a power of two; a state of n qubits has "
        r"2\*\*n amplitudes$",
    ):
        hadamard_all(np.ones(6))
    with pytest.raises(
        ValueError,
        match=r"^state has norm 2; a quantum state has norm 1 "
        r"\(divide it by np\.linalg\.norm\(state\)\)$",
    ):
        probabilities([2, 0])
    with pytest.raises(
        ValueError, match=r"^index=8 is out of range for n=3 qubits; expected 0 <= index < 8$"
    ):
        basis_state(8, 3)
    with pytest.raises(ValueError, match=r"^n=-1 is negative; expected a number of qubits n >= 0$"):
        zero_state(-1)
    with pytest.raises(
        ValueError,
        match=r"^bloch_vector needs a one-qubit state \(2 amplitudes\), got 4 amplitudes$",
    ):
        bloch_vector(zero_state(2))
    with pytest.raises(ValueError, match=r"^shots=0 must be at least 1$"):
        measure(zero_state(1), shots=0)
    with pytest.raises(
        ValueError, match=r"^truth_table holds 2 at index 1; a truth table holds only"
    ):
        phase_oracle([0, 2])
    with pytest.raises(
        ValueError,
        match=r"^truth_table is neither constant nor balanced \(3 ones among 4 values\); "
        r"Deutsch-Jozsa's promise is one or the other$",
    ):
        deutsch_jozsa([1, 1, 0, 1])
    with pytest.raises(
        ValueError,
        match=r"^truth_table is not a linear function s \. x \(mod 2\) or its complement: the most "
        r"likely outcome s=0 has probability 0\.25, not 1$",
    ):
        bernstein_vazirani([0, 0, 0, 1])
    with pytest.raises(
        ValueError, match=r"^marked=8 is out of range for n=3 qubits; expected 0 <= marked < 8$"
    ):
        grover([1, 8], 3)
    with pytest.raises(ValueError, match=r"^marked is empty; give at least one index in 0 \.\. 7$"):
        grover([], 3)
    for iterations in (-1, 13):
        with pytest.raises(
            ValueError,
            match=rf"^iterations={iterations} is out of range for n=3 qubits; expected 0 <= "
            r"iterations <= 12 = ceil\(4 sqrt\(2\*\*n\)\) \(the probabilities repeat about "
            r"every pi/2 sqrt\(2\*\*n / M\) iterations\)$",
        ):
            grover(1, 3, iterations=iterations)
    with pytest.raises(ValueError, match=r"^n=0: Grover's search needs at least 1 qubit$"):
        grover(0, 0)
    with pytest.raises(ValueError, match=r"^gate name='CZ' is not one of 'I', 'X', 'Z', 'H'$"):
        run_circuit([("CZ", 0, 1)], 2)
    with pytest.raises(
        ValueError,
        match=r"^gate \('H',\) is not a tuple \(name, qubit\), \(name, qubit, control\), "
        r"\('oracle', truth_table\) or \('barrier',\)$",
    ):
        run_circuit([("H",)], 2)
    with pytest.raises(
        ValueError,
        match=r"^oracle truth table has 4 values; a phase oracle on n=3 qubits needs 2\*\*3 = 8$",
    ):
        run_circuit([("oracle", [0, 1, 1, 0])], 3)
    with pytest.raises(
        ValueError, match=r"^s=8 is out of range for n=3 input qubits; expected 0 <= s < 8$"
    ):
        simon_circuit(8, 3)
    with pytest.raises(
        ValueError,
        match=r"^n=0 is out of range; Simon's circuit on 2n qubits needs 1 <= n <= 15$",
    ):
        simon_circuit(0, 0)
    with pytest.raises(
        ValueError, match=r"^rows\[1\]=8 is out of range for n=3 bits; expected 0 <= rows\[1\] < 8$"
    ):
        gf2_null_space([1, 8], 3)
    with pytest.raises(TypeError, match=r"^rows has dtype float64; expected integers"):
        gf2_null_space([1.0, 2.0], 3)
    with pytest.raises(ValueError, match=r"^n=63 is out of range; expected 0 <= n <= 62 bits$"):
        gf2_null_space([1], 63)
    with pytest.raises(
        ValueError, match=r"^measure=\[0, 0\] names a qubit twice; measure each qubit once$"
    ):
        to_qiskit([("H", 0)], 2, measure=[0, 0])


@pytest.mark.parametrize("bad", [np.nan, np.inf, complex(0, np.nan)])
def test_non_finite_amplitudes_are_refused(bad):
    state = np.array([bad, 0.0])
    message = rf"^state holds {bad!r} at index 0; amplitudes must be finite numbers$"
    for call in (probabilities, hadamard_all, bloch_vector, measure, lambda s: apply(s, H, 0)):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            call(state)


def test_qiskit_drawer_draws_the_chapter_circuits():
    pytest.importorskip("qiskit", reason="qiskit is an optional dependency (hadalib[quantum])")
    pytest.importorskip("pylatexenc", reason="Qiskit's mpl drawer needs pylatexenc")
    from hadalib.plotting import draw_qiskit_circuit
    from hadalib.widgets import figure

    simon = figure(draw_qiskit_circuit, gates=simon_circuit(0b110, 3), n=6, measure=[0, 1, 2])
    texts = [t.get_text() for t in simon.axes[0].texts]
    assert texts.count("H") == 6 and "U_f" not in texts
    assert [f"${{q}}_{{{q}}}$" in texts for q in range(7)] == [True] * 6 + [False]
    dj = figure(draw_qiskit_circuit)  # the Deutsch-Jozsa circuit of chapter 6's function
    texts = [t.get_text() for t in dj.axes[0].texts]
    assert texts.count("H") == 6 and "U_f" in texts


def test_grover_refuses_a_huge_number_of_iterations_at_once():
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"^iterations=1000000000 is out of range for n=1 qubits"):
        grover(0, 1, iterations=10**9)
    assert time.perf_counter() - start < 1.0
    assert np.isclose(grover(0, 1, iterations=6)[0], math.sin(13 * math.pi / 4) ** 2)  # the most


def test_to_qiskit_answers_for_no_qubits_as_run_circuit_does():
    pytest.importorskip("qiskit", reason="qiskit is an optional dependency (hadalib[quantum])")
    from qiskit.quantum_info import Statevector

    for f, expected in (([1], -1.0), ([0], 1.0)):
        gates = deutsch_jozsa_circuit(f)
        assert np.allclose(run_circuit(gates, 0), [expected])
        circuit = to_qiskit(gates, 0)
        assert circuit.num_qubits == 0
        assert np.allclose(Statevector(circuit).data, [expected])


@pytest.mark.parametrize("measure", [1, "01", 0.5])
def test_to_qiskit_measure_must_be_a_list_of_qubits(measure):
    message = f"measure must be a list of qubit indices (e.g. [0, 1]) or None, got {measure!r}"
    with pytest.raises(TypeError, match="^" + re.escape(message) + "$"):
        to_qiskit([("H", 0)], 2, measure=measure)
    with pytest.raises(TypeError, match=r"^measure must be an integer, got \[0\] \(list\)$"):
        to_qiskit([("H", 0)], 2, measure=[[0]])


@pytest.mark.parametrize(("n", "m"), [(3, 1), (5, 1), (5, 2), (6, 4), (6, 8)])
def test_grover_state_follows_the_rotation_formula(n, m):
    marked = list(range(1, 2 * m, 2))
    theta = np.arcsin(np.sqrt(m / 2**n))
    for k in range(2 * grover_iterations(n, m) + 2):
        psi = grover_state(marked, n, k)
        others = np.delete(psi, marked)
        assert np.allclose(psi[marked], np.sin((2 * k + 1) * theta) / np.sqrt(m))
        assert np.allclose(others, np.cos((2 * k + 1) * theta) / np.sqrt(2**n - m))
        assert np.allclose(psi**2, grover(marked, n, k))


def test_grover_iterations_is_the_default_and_falls_as_marked_items_grow():
    assert [grover_iterations(6, m) for m in (1, 2, 4, 8, 16)] == [6, 4, 3, 2, 1]
    p = grover(0, 6)
    assert np.isclose(p[0], grover(0, 6, grover_iterations(6))[0])
    with pytest.raises(
        ValueError, match=r"m=0 marked items is out of range for n=3; expected 1 <= m <= 8"
    ):
        grover_iterations(3, 0)
    with pytest.raises(TypeError, match="m"):
        grover_iterations(3, 1.5)
