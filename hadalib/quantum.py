"""A small state-vector simulator: the Hadamard gate, H on n qubits as the WHT, and the
algorithms built on it (Deutsch-Jozsa, Bernstein-Vazirani, Simon, Grover).

A circuit is a list of gates (see :func:`run_circuit`); :func:`to_qiskit` turns one into a
``qiskit.QuantumCircuit`` (Qiskit is needed only there: ``pip install 'hadalib[quantum]'``).

A state of ``n`` qubits is a complex vector of ``2**n`` amplitudes; amplitude ``x`` belongs to
the basis state ``|x>`` with ``x = sum_i x_i 2**i``, so qubit 0 is the least significant bit
(as in Qiskit). The gates ``I``, ``X``, ``Z`` and ``H`` are read-only 2x2 NumPy arrays:
identity, bit flip, phase flip and Hadamard ``[[1, 1], [1, -1]] / sqrt(2)``.

Introduced in: book/08_quantum_gates.ipynb
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
    as_rng,
    check_choice,
    check_finite,
    check_pow2_vector,
    refuse_tensor,
    truth_table_array,
)
from hadalib._optional import requires
from hadalib.transforms import fwht

__all__ = [
    "I",
    "X",
    "Z",
    "H",
    "MAX_QUBITS",
    "zero_state",
    "basis_state",
    "apply",
    "hadamard_all",
    "probabilities",
    "measure",
    "phase_oracle",
    "bloch_vector",
    "deutsch_jozsa",
    "bernstein_vazirani",
    "grover",
    "grover_iterations",
    "grover_state",
    "run_circuit",
    "deutsch_jozsa_circuit",
    "simon_circuit",
    "gf2_null_space",
    "to_qiskit",
]


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

    Introduced in: book/08_quantum_gates.ipynb
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

    Introduced in: book/08_quantum_gates.ipynb
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

    Introduced in: book/08_quantum_gates.ipynb
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

    Introduced in: book/08_quantum_gates.ipynb
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

    Introduced in: book/08_quantum_gates.ipynb
    """
    psi, _ = _state(state, normalized=True)
    return np.abs(psi) ** 2


def measure(state: ArrayLike, shots: int = 1, seed: Any = None) -> np.ndarray:
    """Measure all qubits ``shots`` times (each time on a fresh copy of the state).

    Parameters
    ----------
    state : array_like
        A normalized state vector.
    shots : int
        Number of measurements (``>= 1``).
    seed : None, int or numpy.random.Generator, optional
        Where the outcomes come from: an integer >= 0 seeds ``numpy.random.default_rng``
        (the same integer gives the same outcomes), a Generator is drawn from as given,
        None (the default) draws from fresh entropy.

    Returns
    -------
    numpy.ndarray
        The ``shots`` outcomes, basis indices (int64); ``np.bincount`` turns them into counts.

    Raises
    ------
    TypeError
        If ``shots`` is not an integer, or ``seed`` is not None, an integer or a Generator.
    ValueError
        As :func:`probabilities`, or if ``shots < 1`` or ``seed`` is negative.

    Examples
    --------
    >>> measure(basis_state(2, 2), shots=3)
    array([2, 2, 2])
    >>> outcomes = measure(apply(zero_state(1), H, 0), shots=1000, seed=0)
    >>> outcomes[:10]
    array([1, 0, 0, 0, 1, 1, 1, 1, 1, 1])

    Introduced in: book/08_quantum_gates.ipynb
    """
    p = probabilities(state)
    shots = as_int(shots, "shots")
    if shots < 1:
        raise ValueError(f"shots={shots} must be at least 1")
    return as_rng(seed).choice(len(p), size=shots, p=p / p.sum()).astype(np.int64)


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

    Introduced in: book/08_quantum_gates.ipynb
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

    Introduced in: book/08_quantum_gates.ipynb
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

    Introduced in: book/08_quantum_gates.ipynb
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

    Introduced in: book/08_quantum_gates.ipynb
    """
    p = probabilities(_walsh_circuit(truth_table))
    s = int(np.argmax(p))
    if p[s] < 1 - _TOL:
        raise ValueError(
            f"truth_table is not a linear function s . x (mod 2) or its complement: the most "
            f"likely outcome s={s} has probability {p[s]:.3g}, not 1"
        )
    return s


def grover_iterations(n: int, m: int = 1) -> int:
    """The number of Grover iterations that best finds one of ``m`` marked items of ``2**n``.

    ``floor(pi / 4 * sqrt(2**n / m))``: after ``k`` iterations the marked items together have
    probability ``sin((2k+1) theta)**2`` with ``sin(theta) = sqrt(m / 2**n)``, largest near
    ``(2k+1) theta = pi / 2``. More marked items need fewer iterations.

    Parameters
    ----------
    n : int
        Number of qubits (``>= 1``).
    m : int
        Number of marked items, ``1 <= m <= 2**n``.

    Returns
    -------
    int
        The iteration count that :func:`grover` uses by default.

    Raises
    ------
    TypeError
        If ``n`` or ``m`` is not an integer.
    ValueError
        If ``n < 1`` or ``m`` is out of range.

    Examples
    --------
    >>> grover_iterations(6), grover_iterations(6, 4)
    (6, 3)

    Introduced in: book/08_quantum_gates.ipynb
    """
    n = _qubit_count(n)
    if n < 1:
        raise ValueError(f"n={n}: Grover's search needs at least 1 qubit")
    m = as_int(m, "m")
    if not 1 <= m <= 2**n:
        raise ValueError(f"m={m} marked items is out of range for n={n}; expected 1 <= m <= {2**n}")
    return math.floor(math.pi / 4 * math.sqrt(2**n / m))


def grover_state(marked: int | Iterable[int], n: int, iterations: int | None = None) -> np.ndarray:
    """The state after Grover's search for the ``marked`` basis states (real amplitudes).

    Start in ``H^n |0>``; each iteration flips the sign of the marked amplitudes (the phase
    oracle) and reflects about the mean (``H^n (2|0><0| - I) H^n``, two fast transforms). All
    marked amplitudes stay equal, and so do all unmarked ones; past the best iteration count
    the marked amplitude shrinks again and the unmarked one turns negative.

    Parameters
    ----------
    marked, n, iterations
        As for :func:`grover`.

    Returns
    -------
    numpy.ndarray
        The ``2**n`` amplitudes (float64; the real parts, the imaginary parts being zero).

    Raises
    ------
    TypeError, ValueError
        As :func:`grover`.

    Examples
    --------
    >>> psi = grover_state(5, 3)                # 2 iterations
    >>> round(float(psi[5]), 4), round(float(psi[0]), 4)
    (0.9723, -0.0884)

    Introduced in: book/08_quantum_gates.ipynb
    """
    n = _qubit_count(n)
    if n < 1:
        raise ValueError(f"n={n}: Grover's search needs at least 1 qubit")
    items = [marked] if np.ndim(marked) == 0 else list(marked)
    if not items:
        raise ValueError(f"marked is empty; give at least one index in 0 .. {2**n - 1}")
    targets = sorted({_index(m, "marked", n) for m in items})
    if iterations is None:
        iterations = grover_iterations(n, len(targets))
    iterations = as_int(iterations, "iterations")
    most = math.ceil(4 * math.sqrt(2**n))
    if not 0 <= iterations <= most:
        raise ValueError(
            f"iterations={iterations} is out of range for n={n} qubits; expected 0 <= "
            f"iterations <= {most} = ceil(4 sqrt(2**n)) (the probabilities repeat about every "
            "pi/2 sqrt(2**n / M) iterations)"
        )
    signs = np.ones(2**n)
    signs[targets] = -1
    psi = hadamard_all(zero_state(n))
    for _ in range(iterations):
        psi = hadamard_all(psi * signs)
        psi[1:] *= -1  # 2|0><0| - I
        psi = hadamard_all(psi)
    return psi.real


def grover(marked: int | Iterable[int], n: int, iterations: int | None = None) -> np.ndarray:
    """Outcome probabilities after Grover's search for the ``marked`` basis states.

    Start in ``H^n |0>``; each iteration flips the sign of the marked amplitudes (the phase
    oracle) and reflects about the mean (``H^n (2|0><0| - I) H^n``, two fast transforms). After
    ``k`` iterations the marked states together have probability ``sin((2k+1) theta)**2`` with
    ``sin(theta) = sqrt(M / 2**n)`` for ``M`` marked states.

    These probabilities repeat about every ``pi / 2 * sqrt(2**n / M)`` iterations, so more
    than ``ceil(4 sqrt(2**n))`` iterations (over two periods) show nothing new; the simulator
    refuses them rather than run for hours.

    Parameters
    ----------
    marked : int or list of int
        The marked basis indices (distinct, ``0 <= index < 2**n``).
    n : int
        Number of qubits (``>= 1``).
    iterations : int, optional
        Number of iterations, ``0 <= iterations <= ceil(4 sqrt(2**n))``; default
        ``floor(pi / 4 * sqrt(2**n / M))``
        (:func:`grover_iterations`).

    Returns
    -------
    numpy.ndarray
        The ``2**n`` outcome probabilities (float64).

    Raises
    ------
    TypeError
        If an index, ``n`` or ``iterations`` is not an integer.
    ValueError
        If ``marked`` is empty or has an index out of range, ``n < 1``, or ``iterations`` is
        negative or more than ``ceil(4 sqrt(2**n))``.

    Examples
    --------
    >>> p = grover(5, 3)                        # 2 iterations
    >>> round(float(p[5]), 4)
    0.9453

    Introduced in: book/08_quantum_gates.ipynb
    """
    return probabilities(grover_state(marked, n, iterations))


_Gate = tuple[Any, ...]
_STEP_FORMS = "(name, qubit), (name, qubit, control), ('oracle', truth_table) or ('barrier',)"


def _steps(gates: Sequence[_Gate], n: int) -> list[_Gate]:
    """Check a gate list; return its steps as ("gate", name, qubit, control or None),
    ("oracle", signs) or ("barrier",)."""
    if isinstance(gates, (str, bytes)) or not isinstance(gates, Iterable):
        raise TypeError(f"gates must be a list of tuples {_STEP_FORMS}, got {gates!r}")
    steps: list[_Gate] = []
    for step in gates:
        if not isinstance(step, tuple) or len(step) not in (1, 2, 3):
            raise ValueError(f"gate {step!r} is not a tuple {_STEP_FORMS}")
        if step == ("barrier",):
            steps.append(step)
        elif step[0] == "oracle" and len(step) == 2:
            signs = phase_oracle(step[1])
            if len(signs) != 2**n:
                raise ValueError(
                    f"oracle truth table has {len(signs)} values; a phase oracle on n={n} "
                    f"qubits needs 2**{n} = {2**n}"
                )
            steps.append(("oracle", signs))
        elif len(step) in (2, 3) and step[0] not in ("oracle", "barrier"):
            name = check_choice("gate name", step[0], tuple(_GATES))
            qubit = _qubit(step[1], "qubit", n)
            control = _qubit(step[2], "control", n) if len(step) == 3 else None
            if control == qubit:
                raise ValueError(
                    f"control={control} is the same as qubit={qubit}; a controlled gate needs "
                    "two different qubits"
                )
            steps.append(("gate", name, qubit, control))
        else:
            raise ValueError(f"gate {step!r} is not a tuple {_STEP_FORMS}")
    return steps


def run_circuit(gates: Sequence[_Gate], n: int) -> np.ndarray:
    """Run a list of gates on ``|0...0>`` and return the final state.

    Parameters
    ----------
    gates : list of tuple
        The gates in time order, each one of

        - ``(name, qubit)``: the gate ``name``, one of ``"I"``, ``"X"``, ``"Z"``, ``"H"``;
        - ``(name, qubit, control)``: the same gate, controlled: ``("X", 1, 0)`` is a CNOT
          from qubit 0 to qubit 1, ``("Z", 1, 0)`` a controlled Z;
        - ``("oracle", truth_table)``: the phase oracle ``|x> -> (-1)**f(x) |x>`` on all
          ``n`` qubits (see :func:`phase_oracle`);
        - ``("barrier",)``: no gate; it ends a stage of the circuit (:func:`to_qiskit` draws it).
    n : int
        Number of qubits.

    Returns
    -------
    numpy.ndarray
        The state (complex128, ``2**n`` amplitudes).

    Raises
    ------
    ValueError
        If a gate name is unknown, a tuple has the wrong form, a qubit is out of range, or an
        oracle's truth table does not have ``2**n`` values.
    TypeError
        If ``gates`` is not a list of tuples.

    Examples
    --------
    >>> run_circuit([("H", 0), ("X", 1, 0)], 2).real.round(4)    # a Bell state
    array([0.7071, 0.    , 0.    , 0.7071])

    Introduced in: book/08_quantum_gates.ipynb
    """
    psi = zero_state(n)
    for step in _steps(gates, n):
        if step[0] == "oracle":
            psi = psi * step[1]
        elif step[0] == "gate":
            _, name, qubit, control = step
            psi = apply(psi, _GATES[name], qubit, control)
    return psi


def deutsch_jozsa_circuit(truth_table: ArrayLike) -> list[_Gate]:
    """The circuit of Deutsch-Jozsa and Bernstein-Vazirani: ``H^n``, phase oracle, ``H^n``.

    The gate list that :func:`deutsch_jozsa` and :func:`bernstein_vazirani` run, for
    :func:`run_circuit` or :func:`to_qiskit`; it leaves amplitude ``W_f(u) / 2**n`` on ``|u>``.

    Parameters
    ----------
    truth_table : array_like
        The ``2**n`` values 0/1 of ``f``.

    Returns
    -------
    list of tuple
        ``n`` Hadamard gates, a barrier, ``("oracle", truth_table)``, a barrier and ``n``
        Hadamard gates (the truth table stored as a tuple of ints).

    Raises
    ------
    TypeError, ValueError
        As :func:`hadalib.boolean.walsh_spectrum` for a bad truth table.

    Examples
    --------
    >>> deutsch_jozsa_circuit([0, 1, 1, 0])
    [('H', 0), ('H', 1), ('barrier',), ('oracle', (0, 1, 1, 0)), ('barrier',), ('H', 0), ('H', 1)]
    >>> run_circuit(deutsch_jozsa_circuit([0, 1, 1, 0]), 2).real   # x0 XOR x1: s = 3
    array([0., 0., 0., 1.])

    Introduced in: book/08_quantum_gates.ipynb
    """
    f = truth_table_array(truth_table)
    layer = [("H", q) for q in range(len(f).bit_length() - 1)]
    return [*layer, ("barrier",), ("oracle", tuple(int(v) for v in f)), ("barrier",), *layer]


def simon_circuit(s: int, n: int) -> list[_Gate]:
    """Simon's circuit on ``2n`` qubits for a hidden string ``s``: ``H^n``, oracle, ``H^n``.

    The input register is qubits ``0 .. n-1``, the output register qubits ``n .. 2n-1``.
    The oracle ``|x>|y> -> |x>|y XOR f(x)>`` is made of CNOTs: it copies ``x`` into the output
    register, then, controlled by bit ``j`` of ``x`` (``j`` the lowest set bit of ``s``), adds
    ``s``; so ``f(x) = x XOR x_j s``, and ``f(x) = f(y)`` exactly when ``y = x`` or
    ``y = x XOR s`` (for ``s = 0``, ``f`` is one-to-one). Measuring the input register at the
    end gives an outcome ``u`` with ``u . s = 0 (mod 2)``, each of the ``2**(n-1)`` such ``u``
    with the same probability (all ``2**n`` outcomes when ``s = 0``).

    Parameters
    ----------
    s : int
        The hidden string, ``0 <= s < 2**n`` (bit ``i`` of ``s`` is ``s_i``).
    n : int
        Number of input qubits, ``1 <= n <= MAX_QUBITS // 2``.

    Returns
    -------
    list of tuple
        The gates, for :func:`run_circuit` or :func:`to_qiskit` with ``2 * n`` qubits.

    Raises
    ------
    TypeError
        If ``s`` or ``n`` is not an integer.
    ValueError
        If ``n`` is out of range or ``s`` is not below ``2**n``.

    Examples
    --------
    >>> gates = simon_circuit(0b11, 2)
    >>> gates[3:8]                  # the oracle: two copies, then s added under control of x_0
    [('X', 2, 0), ('X', 3, 1), ('X', 2, 0), ('X', 3, 0), ('barrier',)]
    >>> p = probabilities(run_circuit(gates, 4))
    >>> [round(float(p[u::4].sum()), 2) for u in range(4)]    # input register: u . s = 0
    [0.5, 0.0, 0.0, 0.5]

    Introduced in: book/08_quantum_gates.ipynb
    """
    n = _qubit_count(n)
    if not 1 <= n <= MAX_QUBITS // 2:
        raise ValueError(
            f"n={n} is out of range; Simon's circuit on 2n qubits needs 1 <= n <= {MAX_QUBITS // 2}"
        )
    s = _in_range(s, "s", 2**n, f"n={n} input qubits")
    layer = [("H", q) for q in range(n)]
    oracle = [("X", n + q, q) for q in range(n)]
    if s:
        j = (s & -s).bit_length() - 1
        oracle += [("X", n + k, j) for k in range(n) if s >> k & 1]
    return [*layer, ("barrier",), *oracle, ("barrier",), *layer]


def gf2_null_space(rows: ArrayLike, n: int) -> np.ndarray:
    """The strings ``s`` with ``u . s = 0 (mod 2)`` for every row ``u``: a basis, over GF(2).

    Gaussian elimination over the field of two elements, on ``n``-bit strings stored as
    integers (bit ``i`` is component ``i``; adding two rows is XOR). Simon's algorithm ends
    with it: ``n - 1`` independent outcomes leave a null space of dimension 1, ``{0, s}``.

    Parameters
    ----------
    rows : array_like of int
        The strings ``u``, each ``0 <= u < 2**n`` (repeats and dependent rows are fine).
    n : int
        Number of bits, ``0 <= n <= 62``.

    Returns
    -------
    numpy.ndarray
        A basis of the null space (int64), in increasing order; it has ``n - rank`` strings
        (none when the rows span all ``n`` dimensions).

    Raises
    ------
    TypeError
        If ``rows`` does not hold integers (or is a torch tensor), or ``n`` is not an integer.
    ValueError
        If ``rows`` is not one-dimensional, ``n`` is out of range, or a row is not below
        ``2**n``.

    Examples
    --------
    >>> gf2_null_space([0b011, 0b101], 3)       # s = 0b111 is orthogonal to both
    array([7])
    >>> gf2_null_space([0b001], 3)              # rank 1: two basis strings
    array([2, 4])

    Introduced in: book/08_quantum_gates.ipynb
    """
    refuse_tensor(rows, "rows", "hadalib.quantum")
    n = as_int(n, "n")
    if not 0 <= n <= 62:
        raise ValueError(f"n={n} is out of range; expected 0 <= n <= 62 bits")
    u = as_array(rows, "rows", kinds=None)
    if u.size and u.dtype.kind not in "iu":
        raise TypeError(f"rows has dtype {u.dtype}; expected integers (n-bit strings)")
    if u.ndim != 1:
        raise ValueError(f"rows must be one-dimensional, got shape {u.shape}")
    pivots: dict[int, int] = {}  # pivot bit -> row; reduced: no row has another's pivot bit
    for i, value in enumerate(u.tolist()):
        row = _in_range(value, f"rows[{i}]", 2**n, f"n={n} bits")
        for bit, pivot in pivots.items():
            if row >> bit & 1:
                row ^= pivot
        if row:
            top = row.bit_length() - 1
            for bit, pivot in pivots.items():
                if pivot >> top & 1:
                    pivots[bit] = pivot ^ row
            pivots[top] = row
    basis = []
    for free in (b for b in range(n) if b not in pivots):
        s = 1 << free
        for bit, pivot in pivots.items():
            if pivot >> free & 1:
                s |= 1 << bit
        basis.append(s)
    return np.array(sorted(basis), dtype=np.int64)


def to_qiskit(gates: Sequence[_Gate], n: int, measure: Iterable[int] | None = None) -> Any:
    """The ``qiskit.QuantumCircuit`` of a gate list, to draw or to run with Qiskit.

    Each gate becomes Qiskit's: ``H``, ``X``, ``Z``, ``I`` (``id``), a controlled ``X`` or
    ``Z`` (``cx``, ``cz``), a phase oracle a ``DiagonalGate`` labelled ``U_f``, a barrier a
    barrier (on ``n = 0`` qubits a phase oracle is the global phase ``(-1)**f()``, as
    :func:`run_circuit` computes it). Qiskit numbers qubits as hadalib does (qubit 0 is the
    least significant bit), so
    ``qiskit.quantum_info.Statevector(to_qiskit(gates, n))`` equals ``run_circuit(gates, n)``.

    Parameters
    ----------
    gates : list of tuple
        A gate list, as :func:`run_circuit` takes.
    n : int
        Number of qubits.
    measure : list of int, optional
        Qubits measured at the end, into classical bits ``0, 1, ...`` in this order (a circuit
        with measurements is for drawing or sampling; ``Statevector`` refuses it).

    Returns
    -------
    qiskit.QuantumCircuit
        The circuit on ``n`` qubits.

    Raises
    ------
    ModuleNotFoundError
        If Qiskit is not installed (the message says ``pip install 'hadalib[quantum]'``).
    TypeError, ValueError
        As :func:`run_circuit` for a bad gate list; TypeError if ``measure`` is not a list of
        integers, ValueError if a measured qubit is out of range or repeated.

    Examples
    --------
    >>> from qiskit.quantum_info import Statevector
    >>> bell = [("H", 0), ("X", 1, 0)]
    >>> circuit = to_qiskit(bell, 2)
    >>> dict(circuit.count_ops())
    {'h': 1, 'cx': 1}
    >>> bool(np.allclose(Statevector(circuit).data, run_circuit(bell, 2)))
    True

    Introduced in: book/08_quantum_gates.ipynb
    """
    n = _qubit_count(n)
    steps = _steps(gates, n)
    if measure is not None and (
        isinstance(measure, (str, bytes)) or not isinstance(measure, Iterable)
    ):
        raise TypeError(
            f"measure must be a list of qubit indices (e.g. [0, 1]) or None, got {measure!r}"
        )
    measured = [] if measure is None else [_qubit(q, "measure", n) for q in measure]
    if len(set(measured)) != len(measured):
        raise ValueError(f"measure={measured} names a qubit twice; measure each qubit once")
    with requires("quantum"):
        from qiskit import QuantumCircuit
        from qiskit.circuit.library import DiagonalGate
    circuit = QuantumCircuit(n, len(measured))
    for step in steps:
        if step[0] == "barrier":
            circuit.barrier()
        elif step[0] == "oracle" and n == 0:  # no qubits: U_f is the global phase (-1)**f()
            circuit.global_phase += math.pi * (step[1][0] < 0)
        elif step[0] == "oracle":
            oracle = DiagonalGate([complex(v) for v in step[1]])
            oracle.label = "U_f"
            circuit.append(oracle, range(n))
        else:
            _, name, qubit, control = step
            if control is None:
                getattr(circuit, {"I": "id"}.get(name, name.lower()))(qubit)
            elif name == "X":
                circuit.cx(control, qubit)
            elif name == "Z":
                circuit.cz(control, qubit)
            elif name == "H":
                circuit.ch(control, qubit)
            else:
                circuit.id(qubit)  # a controlled identity is the identity
    if measured:
        circuit.measure(measured, range(len(measured)))
    return circuit
