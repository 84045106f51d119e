"""A small state-vector simulator: the Hadamard gate, H on n qubits as the WHT, and three
algorithms that are Walsh transforms in disguise (Deutsch-Jozsa, Bernstein-Vazirani, Grover).

A state of ``n`` qubits is a complex vector of ``2**n`` amplitudes; amplitude ``x`` belongs to
the basis state ``|x>`` with ``x = sum_i x_i 2**i``, so qubit 0 is the least significant bit
(as in Qiskit). The gates ``I``, ``X``, ``Z`` and ``H`` are read-only 2x2 NumPy arrays:
identity, bit flip, phase flip and Hadamard ``[[1, 1], [1, -1]] / sqrt(2)``.

Introduced in: book/07_quantum_gates.ipynb
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hadalib._checks import (
    as_array,
    as_int,
    check_choice,
    check_finite,
    check_pow2_vector,
    check_seed,
    refuse_tensor,
    truth_table_array,
)
from hadalib.transforms import fwht


def _gate(matrix: ArrayLike) -> np.ndarray:
    g = np.array(matrix, dtype=np.float64)
    g.setflags(write=False)
    return g


#: The identity gate (read-only 2x2 array).
I = _gate([[1, 0], [0, 1]])  # noqa: E741 (the gate's usual name)
#: The bit flip ``X = [[0, 1], [1, 0]]`` (read-only).
X = _gate([[0, 1], [1, 0]])
#: The phase flip ``Z = [[1, 0], [0, -1]]`` (read-only).
Z = _gate([[1, 0], [0, -1]])
#: The Hadamard gate ``[[1, 1], [1, -1]] / sqrt(2)`` (read-only).
H = _gate(np.array([[1, 1], [1, -1]]) / math.sqrt(2))

_GATES = {"I": I, "X": X, "Z": Z, "H": H}
_TOL = 1e-9
#: The most qubits :func:`zero_state`, :func:`basis_state` and :func:`grover` simulate:
#: ``2**30`` complex amplitudes take 16 GiB.
MAX_QUBITS = 30


def _qubit_count(n: Any) -> int:
    n = as_int(n, "n")
    if n < 0:
        raise ValueError(f"n={n} is negative; expected a number of qubits n >= 0")
    if n > MAX_QUBITS:
        raise ValueError(
            f"n={n} qubits is too many to simulate: a state has 2**{n} amplitudes; this "
            f"simulator holds at most MAX_QUBITS = {MAX_QUBITS} qubits (16 GiB)"
        )
    return n


def _in_range(value: Any, name: str, stop: int, of: str) -> int:
    """value as an int in [0, stop), or an error naming it and what it indexes (``of``)."""
    value = as_int(value, name)
    if not 0 <= value < stop:
        raise ValueError(f"{name}={value} is out of range for {of}; expected 0 <= {name} < {stop}")
    return value


def _index(value: Any, name: str, n: int) -> int:
    return _in_range(value, name, 2**n, f"n={n} qubits")


def _state(state: ArrayLike, normalized: bool = False) -> tuple[np.ndarray, int]:
    """Check a state vector; return it as complex128 with its number of qubits."""
    refuse_tensor(state, "state", "hadalib.quantum")
    psi = as_array(state, "state", kinds=None)
    if psi.dtype.kind not in "biufc":
        raise TypeError(f"state must hold complex amplitudes, got dtype {psi.dtype}")
    check_finite(psi, "state", "amplitudes must be finite numbers")
    psi = psi.astype(np.complex128)
    check_pow2_vector(psi, "state", "a state of n qubits has 2**n amplitudes")
    if normalized:
        norm = float(np.linalg.norm(psi))
        if abs(norm - 1) > 1e-6:
            raise ValueError(
                f"state has norm {norm:.6g}; a quantum state has norm 1 "
                "(divide it by np.linalg.norm(state))"
            )
    return psi, len(psi).bit_length() - 1


def _qubit(value: Any, name: str, n: int) -> int:
    return _in_range(value, name, n, f"a state of {n} qubits")


def zero_state(n: int) -> np.ndarray:
    """The state ``|0...0>`` of ``n`` qubits.

    Parameters
    ----------
    n : int
        Number of qubits (``>= 0``).

    Returns
    -------
    numpy.ndarray
        Complex vector of length ``2**n`` with amplitude 1 at index 0.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n`` is negative or above :data:`MAX_QUBITS`.

    Examples
    --------
    >>> zero_state(2)
    array([1.+0.j, 0.+0.j, 0.+0.j, 0.+0.j])

    Introduced in: book/07_quantum_gates.ipynb
    """
    return basis_state(0, n)


def basis_state(index: int, n: int) -> np.ndarray:
    """The basis state ``|index>`` of ``n`` qubits (qubit ``i`` holds bit ``i`` of ``index``).

    Parameters
    ----------
    index : int
        Which basis state, ``0 <= index < 2**n``.
    n : int
        Number of qubits.

    Returns
    -------
    numpy.ndarray
        Complex vector of length ``2**n`` with amplitude 1 at ``index``.

    Raises
    ------
    TypeError
        If ``index`` or ``n`` is not an integer.
    ValueError
        If ``n`` is negative or above :data:`MAX_QUBITS`, or ``index`` is out of range.

    Examples
    --------
    >>> basis_state(1, 2).real          # |01>: qubit 0 is 1, qubit 1 is 0
    array([0., 1., 0., 0.])

    Introduced in: book/07_quantum_gates.ipynb
    """
    n = _qubit_count(n)
    index = _index(index, "index", n)
    psi = np.zeros(2**n, dtype=np.complex128)
    psi[index] = 1
    return psi


def apply(state: ArrayLike, gate: ArrayLike, qubit: int, control: int | None = None) -> np.ndarray:
    """Apply a one-qubit gate to one qubit of a state, optionally controlled by another qubit.

    The gate acts on the pairs of amplitudes whose indices differ only in bit ``qubit``;
    with ``control``, only on the pairs whose bit ``control`` is 1 (``apply(psi, X, t, c)`` is
    the CNOT gate).

    Parameters
    ----------
    state : array_like
        State vector of ``2**n`` amplitudes.
    gate : array_like
        A 2x2 matrix, e.g. :data:`hadalib.quantum.H`.
    qubit : int
        Target qubit, ``0 <= qubit < n`` (qubit 0 is the least significant bit).
    control : int, optional
        Control qubit, different from ``qubit``.

    Returns
    -------
    numpy.ndarray
        The new state (complex128); the input is not modified.

    Raises
    ------
    TypeError
        If a qubit index is not an integer, or the state or gate does not hold numbers (or
        is a torch tensor).
    ValueError
        If the state length is not a power of two, the state or gate holds NaN or infinity,
        the gate is not 2x2, or a qubit index is out of range or ``control == qubit``.

    Examples
    --------
    >>> apply(zero_state(1), H, 0).real.round(4)
    array([0.7071, 0.7071])
    >>> apply(basis_state(1, 2), X, 1, control=0).real   # CNOT: |01> -> |11>
    array([0., 0., 0., 1.])

    Introduced in: book/07_quantum_gates.ipynb
    """
    psi, n = _state(state)
    refuse_tensor(gate, "gate", "hadalib.quantum")
    g = as_array(gate, "gate", kinds=None)
    if g.shape != (2, 2):
        raise ValueError(f"gate must be a 2x2 matrix, got shape {g.shape}")
    if g.dtype.kind not in "biufc":
        raise TypeError(f"gate must hold complex numbers, got dtype {g.dtype}")
    check_finite(g, "gate", "a gate's entries must be finite numbers")
    q = _qubit(qubit, "qubit", n)
    pairs = psi.reshape(2 ** (n - 1 - q), 2, 2**q)
    out = np.einsum("ij,ajb->aib", g, pairs).reshape(-1)
    if control is None:
        return out
    c = _qubit(control, "control", n)
    if c == q:
        raise ValueError(
            f"control={c} is the same as qubit={q}; a controlled gate needs two different qubits"
        )
    control_set = (np.arange(2**n) >> c) & 1 == 1
    return np.where(control_set, out, psi)


def hadamard_all(state: ArrayLike) -> np.ndarray:
    """Apply ``H`` to every qubit: the normalized Walsh-Hadamard transform of the amplitudes.

    ``H (x) H (x) ... (x) H`` is ``hadamard_matrix(2**n, normalized=True)``, so one call of the
    fast transform (:func:`hadalib.transforms.fwht` with ``norm="ortho"``) does it in
    ``n 2**n`` operations.

    Parameters
    ----------
    state : array_like
        State vector of ``2**n`` amplitudes.

    Returns
    -------
    numpy.ndarray
        The new state (complex128).

    Raises
    ------
    ValueError
        If the state length is not a power of two, or it holds NaN or infinity.

    Examples
    --------
    >>> hadamard_all(zero_state(2)).real
    array([0.5, 0.5, 0.5, 0.5])

    Introduced in: book/07_quantum_gates.ipynb
    """
    psi, _ = _state(state)
    return fwht(psi, norm="ortho")


def probabilities(state: ArrayLike) -> np.ndarray:
    """Probability of each basis outcome: ``|amplitude|**2``.

    Parameters
    ----------
    state : array_like
        A normalized state vector.

    Returns
    -------
    numpy.ndarray
        ``2**n`` probabilities (float64) summing to 1.

    Raises
    ------
    ValueError
        If the state length is not a power of two, it holds NaN or infinity, or its norm
        is not 1.

    Examples
    --------
    >>> probabilities(apply(zero_state(1), H, 0)).round(4)
    array([0.5, 0.5])

    Introduced in: book/07_quantum_gates.ipynb
    """
    psi, _ = _state(state, normalized=True)
    return np.abs(psi) ** 2


def measure(state: ArrayLike, shots: int = 1, seed: int | None = None) -> np.ndarray:
    """Measure all qubits ``shots`` times (each time on a fresh copy of the state).

    Parameters
    ----------
    state : array_like
        A normalized state vector.
    shots : int
        Number of measurements (``>= 1``).
    seed : int, optional
        Seed of ``numpy.random.default_rng``; the same seed gives the same outcomes.

    Returns
    -------
    numpy.ndarray
        The ``shots`` outcomes, basis indices (int64); ``np.bincount`` turns them into counts.

    Raises
    ------
    TypeError
        If ``shots`` is not an integer, or ``seed`` is neither an integer nor None.
    ValueError
        As :func:`probabilities`, or if ``shots < 1`` or ``seed`` is negative.

    Examples
    --------
    >>> measure(basis_state(2, 2), shots=3)
    array([2, 2, 2])
    >>> outcomes = measure(apply(zero_state(1), H, 0), shots=1000, seed=0)
    >>> outcomes[:10]
    array([1, 0, 0, 0, 1, 1, 1, 1, 1, 1])

    Introduced in: book/07_quantum_gates.ipynb
    """
    p = probabilities(state)
    shots = as_int(shots, "shots")
    if shots < 1:
        raise ValueError(f"shots={shots} must be at least 1")
    rng = np.random.default_rng(check_seed(seed))
    return rng.choice(len(p), size=shots, p=p / p.sum()).astype(np.int64)


def phase_oracle(truth_table: ArrayLike) -> np.ndarray:
    """The phase oracle ``|x> -> (-1)**f(x) |x>`` of a Boolean function, as its diagonal.

    The oracle is a diagonal matrix, so applying it is a Hadamard product:
    ``state * phase_oracle(f)``.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 of ``f``, indexed by ``x = sum_i x_i 2**i``.

    Returns
    -------
    numpy.ndarray
        The ``2**n`` signs ``(-1)**f(x)`` (int64).

    Raises
    ------
    TypeError, ValueError
        As :func:`hadalib.boolean.walsh_spectrum` for a bad truth table.

    Examples
    --------
    >>> phase_oracle([0, 1, 1, 0])
    array([ 1, -1, -1,  1])

    Introduced in: book/07_quantum_gates.ipynb
    """
    return 1 - 2 * truth_table_array(truth_table)


def bloch_vector(state: ArrayLike) -> np.ndarray:
    """The point ``(x, y, z)`` of a one-qubit state on the Bloch sphere.

    For ``a|0> + b|1>``: ``x = 2 Re(conj(a) b)``, ``y = 2 Im(conj(a) b)``,
    ``z = |a|**2 - |b|**2``; ``|0>`` is the north pole, ``H|0>`` lies on the x axis.

    Parameters
    ----------
    state : array_like
        A normalized state of one qubit (2 amplitudes).

    Returns
    -------
    numpy.ndarray
        The three coordinates (float64), a unit vector.

    Raises
    ------
    ValueError
        If the state is not of one qubit, holds NaN or infinity, or its norm is not 1.

    Examples
    --------
    >>> bloch_vector(zero_state(1))
    array([0., 0., 1.])
    >>> bloch_vector(apply(zero_state(1), H, 0)).round(4)
    array([1., 0., 0.])

    Introduced in: book/07_quantum_gates.ipynb
    """
    psi, n = _state(state, normalized=True)
    if n != 1:
        raise ValueError(
            f"bloch_vector needs a one-qubit state (2 amplitudes), got {len(psi)} amplitudes"
        )
    a, b = psi
    ab = np.conj(a) * b
    return np.array([2 * ab.real, 2 * ab.imag, abs(a) ** 2 - abs(b) ** 2])


def _walsh_circuit(truth_table: ArrayLike) -> np.ndarray:
    """H on all qubits, the phase oracle, H on all qubits: amplitudes W(u) / 2**n."""
    signs = phase_oracle(truth_table)
    n = len(signs).bit_length() - 1
    return hadamard_all(hadamard_all(zero_state(n)) * signs)


def deutsch_jozsa(truth_table: ArrayLike) -> str:
    """Decide with one oracle query whether ``f`` is constant or balanced (Deutsch-Jozsa).

    The circuit ``H^n``, phase oracle, ``H^n`` leaves amplitude ``W(0) / 2**n`` on ``|0...0>``,
    where ``W`` is the +-1 Walsh spectrum of ``f``: 1 in absolute value for a constant ``f``,
    0 for a balanced one.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 of ``f``; ``f`` must be constant or balanced (the promise).

    Returns
    -------
    str
        ``"constant"`` or ``"balanced"``.

    Raises
    ------
    TypeError, ValueError
        As :func:`hadalib.boolean.walsh_spectrum` for a bad truth table; ValueError if ``f``
        is neither constant nor balanced.

    Examples
    --------
    >>> deutsch_jozsa([1, 0, 1, 0, 0, 1, 1, 0])
    'balanced'
    >>> deutsch_jozsa([1, 1, 1, 1])
    'constant'

    Introduced in: book/07_quantum_gates.ipynb
    """
    p0 = probabilities(_walsh_circuit(truth_table))[0]
    if p0 > 1 - _TOL:
        return "constant"
    if p0 < _TOL:
        return "balanced"
    f = truth_table_array(truth_table)
    raise ValueError(
        f"truth_table is neither constant nor balanced ({int(f.sum())} ones among {len(f)} "
        "values); Deutsch-Jozsa's promise is one or the other"
    )


def bernstein_vazirani(truth_table: ArrayLike) -> int:
    """Recover the hidden string ``s`` of ``f(x) = s . x (mod 2)`` with one query.

    The same circuit as :func:`deutsch_jozsa`; the +-1 Walsh spectrum of a linear function is
    ``2**n`` at ``u = s`` and 0 elsewhere, so the measurement gives ``s`` with certainty. A
    complemented ``f`` (``s . x + 1``) only flips the global sign and gives the same ``s``.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 of a linear (or complemented linear) function.

    Returns
    -------
    int
        The hidden string ``s`` as an integer (bit ``i`` multiplies ``x_i``).

    Raises
    ------
    TypeError, ValueError
        As :func:`hadalib.boolean.walsh_spectrum` for a bad truth table; ValueError if ``f`` is
        not of the form ``s . x (mod 2)`` or its complement.

    Examples
    --------
    >>> bernstein_vazirani([0, 1, 0, 1, 1, 0, 1, 0])   # x0 XOR x2: s = 0b101
    5

    Introduced in: book/07_quantum_gates.ipynb
    """
    p = probabilities(_walsh_circuit(truth_table))
    s = int(np.argmax(p))
    if p[s] < 1 - _TOL:
        raise ValueError(
            f"truth_table is not a linear function s . x (mod 2) or its complement: the most "
            f"likely outcome s={s} has probability {p[s]:.3g}, not 1"
        )
    return s


def grover(marked: int | Iterable[int], n: int, iterations: int | None = None) -> np.ndarray:
    """Outcome probabilities after Grover's search for the ``marked`` basis states.

    Start in ``H^n |0>``; each iteration flips the sign of the marked amplitudes (the phase
    oracle) and reflects about the mean (``H^n (2|0><0| - I) H^n``, two fast transforms). After
    ``k`` iterations the marked states together have probability ``sin((2k+1) theta)**2`` with
    ``sin(theta) = sqrt(M / 2**n)`` for ``M`` marked states.

    Parameters
    ----------
    marked : int or list of int
        The marked basis indices (distinct, ``0 <= index < 2**n``).
    n : int
        Number of qubits (``>= 1``).
    iterations : int, optional
        Number of iterations; default ``floor(pi / 4 * sqrt(2**n / M))``.

    Returns
    -------
    numpy.ndarray
        The ``2**n`` outcome probabilities (float64).

    Raises
    ------
    TypeError
        If an index, ``n`` or ``iterations`` is not an integer.
    ValueError
        If ``marked`` is empty or has an index out of range, ``n < 1`` or ``iterations < 0``.

    Examples
    --------
    >>> p = grover(5, 3)                        # 2 iterations
    >>> round(float(p[5]), 4)
    0.9453

    Introduced in: book/07_quantum_gates.ipynb
    """
    n = _qubit_count(n)
    if n < 1:
        raise ValueError(f"n={n}: Grover's search needs at least 1 qubit")
    items = [marked] if np.ndim(marked) == 0 else list(marked)
    if not items:
        raise ValueError(f"marked is empty; give at least one index in 0 .. {2**n - 1}")
    targets = sorted({_index(m, "marked", n) for m in items})
    if iterations is None:
        iterations = math.floor(math.pi / 4 * math.sqrt(2**n / len(targets)))
    iterations = as_int(iterations, "iterations")
    if iterations < 0:
        raise ValueError(f"iterations={iterations} is negative; expected iterations >= 0")
    signs = np.ones(2**n)
    signs[targets] = -1
    psi = hadamard_all(zero_state(n))
    for _ in range(iterations):
        psi = hadamard_all(psi * signs)
        psi[1:] *= -1  # 2|0><0| - I
        psi = hadamard_all(psi)
    return probabilities(psi)


def run_circuit(gates: Sequence[tuple[Any, ...]], n: int) -> np.ndarray:
    """Run a list of gates on ``|0...0>`` and return the final state.

    Parameters
    ----------
    gates : list of tuple
        Each ``(name, qubit)`` or ``(name, qubit, control)`` with ``name`` one of ``"I"``,
        ``"X"``, ``"Z"``, ``"H"``; ``("X", 1, 0)`` is a CNOT from qubit 0 to qubit 1.
    n : int
        Number of qubits.

    Returns
    -------
    numpy.ndarray
        The state (complex128, ``2**n`` amplitudes).

    Raises
    ------
    ValueError
        If a gate name is unknown, a tuple has the wrong length, or a qubit is out of range.
    TypeError
        If ``gates`` is not a list of tuples.

    Examples
    --------
    >>> run_circuit([("H", 0), ("X", 1, 0)], 2).real.round(4)    # a Bell state
    array([0.7071, 0.    , 0.    , 0.7071])

    Introduced in: book/07_quantum_gates.ipynb
    """
    if isinstance(gates, (str, bytes)) or not isinstance(gates, Iterable):
        raise TypeError(
            f"gates must be a list of tuples (name, qubit) or (name, qubit, control), "
            f"got {gates!r}"
        )
    psi = zero_state(n)
    for step in gates:
        if not isinstance(step, tuple) or len(step) not in (2, 3):
            raise ValueError(
                f"gate {step!r} is not a tuple (name, qubit) or (name, qubit, control)"
            )
        name = check_choice("gate name", step[0], tuple(_GATES))
        psi = apply(psi, _GATES[name], *step[1:])
    return psi
