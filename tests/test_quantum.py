"""Tests of hadalib.quantum against Kronecker-product operators, closed forms and Qiskit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    grover,
    hadamard_all,
    measure,
    phase_oracle,
    probabilities,
    run_circuit,
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
    with pytest.raises(ValueError, match=r"^iterations=-1 is negative; expected iterations >= 0$"):
        grover(1, 3, iterations=-1)
    with pytest.raises(ValueError, match=r"^n=0: Grover's search needs at least 1 qubit$"):
        grover(0, 0)
    with pytest.raises(ValueError, match=r"^gate name='CZ' is not one of 'I', 'X', 'Z', 'H'$"):
        run_circuit([("CZ", 0, 1)], 2)
    with pytest.raises(
        ValueError,
        match=r"^gate \('H',\) is not a tuple \(name, qubit\) or \(name, qubit, control\)$",
    ):
        run_circuit([("H",)], 2)


@pytest.mark.parametrize("bad", [np.nan, np.inf, complex(0, np.nan)])
def test_non_finite_amplitudes_are_refused(bad):
    state = np.array([bad, 0.0])
    message = rf"^state holds {bad!r} at index 0; amplitudes must be finite numbers$"
    for call in (probabilities, hadamard_all, bloch_vector, measure, lambda s: apply(s, H, 0)):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            call(state)
