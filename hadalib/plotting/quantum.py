"""The figures of the quantum gates chapter: the Bloch sphere, a small circuit builder,
Grover's search, and circuits drawn by Qiskit's drawer."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib.examples import example_truth_table
from hadalib.quantum import (
    H,
    apply,
    basis_state,
    bloch_vector,
    deutsch_jozsa_circuit,
    grover_iterations,
    grover_state,
    probabilities,
    run_circuit,
    to_qiskit,
)

__all__ = ["draw_bloch", "draw_circuit", "draw_grover", "draw_qiskit_circuit"]


def draw_bloch(fig: Any, states: dict[str, Any] | None = None) -> None:
    """Draw one-qubit states as arrows on the Bloch sphere.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    states : dict, optional
        ``{label: state}`` with normalized one-qubit states (2 amplitudes); by default
        ``|0>``, ``|1>``, ``H|0>`` and ``H|1>``.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> len(figure(draw_bloch).axes)
    1

    Introduced in: book/08_quantum_gates.ipynb
    """
    if states is None:
        zero, one = basis_state(0, 1), basis_state(1, 1)
        states = {"|0⟩": zero, "|1⟩": one, "H|0⟩": apply(zero, H, 0), "H|1⟩": apply(one, H, 0)}
    ax = fig.add_subplot(projection="3d")
    u, v = np.mgrid[0 : 2 * np.pi : 25j, 0 : np.pi : 13j]
    ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="0.85", lw=0.5)
    for axis in np.eye(3):
        ax.plot(*np.stack([-axis, axis]).T, color="0.5", lw=0.7)
    ax.text(1.25, 0, 0, "x", fontsize=8)
    ax.text(0, 1.25, 0, "y", fontsize=8)
    ax.text(0, 0, 1.25, "z", fontsize=8)
    for k, (label, state) in enumerate(states.items()):
        x, y, z = bloch_vector(state)
        ax.quiver(0, 0, 0, x, y, z, color=f"C{k}", lw=2, arrow_length_ratio=0.12)
        ax.text(1.12 * x, 1.12 * y, 1.12 * z, label, color=f"C{k}", fontsize=9)
    ax.set_box_aspect((1, 1, 1))
    ax.set_axis_off()
    ax.view_init(elev=20, azim=35)


def _circuit_gates(labels: list[str]) -> list[tuple[Any, ...]]:
    """Parse gate labels such as ``"H 0"`` or ``"CX 0→1"`` (``"—"``: no gate)."""
    gates: list[tuple[Any, ...]] = []
    for label in labels:
        if label in ("—", ""):
            continue
        name, wires = label.split()
        if name == "CX":
            control, target = (int(q) for q in wires.split("→"))
            gates.append(("X", target, control))
        else:
            gates.append((name, int(wires)))
    return gates


def draw_circuit(
    fig: Any,
    n: int = 2,
    step1: str = "H 0",
    step2: str = "CX 0→1",
    step3: str = "—",
    step4: str = "—",
) -> None:
    """Draw a small circuit and the amplitudes it leaves (chapter 8's circuit builder).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    n : int
        Number of qubits; the circuit starts in ``|0...0>``.
    step1, step2, step3, step4 : str
        The gates in time order: ``"H q"``, ``"X q"``, ``"Z q"``, ``"I q"`` on qubit ``q``,
        ``"CX c→t"`` (CNOT with control ``c`` and target ``t``), or ``"—"`` for none.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_circuit).axes[1].get_title()
    'amplitudes (probability above each bar)'

    Introduced in: book/08_quantum_gates.ipynb
    """
    labels = [step1, step2, step3, step4]
    psi = run_circuit(_circuit_gates(labels), n)
    ax_c, ax_a = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    _draw_diagram(ax_c, labels, n)
    _draw_amplitudes(ax_a, psi, n)


def _draw_diagram(ax: Any, labels: list[str], n: int) -> None:
    """The circuit: one wire per qubit, time to the right, one column per step."""
    for q in range(n):
        ax.plot([0, len(labels) + 1], [-q, -q], color="k", lw=0.8)
        ax.text(-0.2, -q, f"q{q}  |0⟩", ha="right", va="center", fontsize=9)
    box = {"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": "k"}
    for t, label in enumerate(labels, start=1):
        for name, *wires in _circuit_gates([label]):
            if len(wires) == 2:
                target, control = wires
                ax.plot([t, t], [-control, -target], color="k", lw=0.8)
                ax.plot(t, -control, "ko", ms=5)
                ax.text(t, -target, "⊕", ha="center", va="center", fontsize=16)
            else:
                ax.text(t, -wires[0], name, ha="center", va="center", fontsize=10, bbox=box)
    ax.set_xlim(-1.4, len(labels) + 1)
    ax.set_ylim(-n + 0.4, 0.6)
    ax.set_axis_off()
    ax.set_title("circuit (time →)", fontsize=9)


def _draw_amplitudes(ax: Any, psi: np.ndarray, n: int) -> None:
    """One bar per basis state, red where the amplitude is negative."""
    p = probabilities(psi)
    amplitudes = psi.real  # the gates I, X, Z, H and CX are real
    index = np.arange(2**n)
    ax.bar(index, amplitudes, color=np.where(amplitudes < 0, "C3", "C0"))
    for x in index:
        ax.text(x, max(amplitudes[x], 0) + 0.04, f"{p[x]:.2f}", ha="center", fontsize=7)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylim(-1.1, 1.25)
    ax.set_xticks(index)
    ax.set_xticklabels([f"|{x:0{n}b}⟩" for x in index], fontsize=7, rotation=90 if n > 2 else 0)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title("amplitudes (probability above each bar)", fontsize=9)


# The marked items of draw_grover, in the order they are added: spread out, so that a bar
# chart of the amplitudes shows each on its own.
_GROVER_MARKED = (5, 18, 27, 9, 30, 12, 1, 22)


def draw_grover(fig: Any, iterations: int = 4, m: int = 1, n: int = 5) -> None:
    """Draw Grover's search after some iterations, for ``m`` marked items of ``2**n``.

    Left, the amplitude of every item (marked ones in red) after ``iterations`` rounds of
    :func:`hadalib.quantum.grover_state`; right, the probability of measuring a marked item
    after each number of iterations, with the best count of
    :func:`hadalib.quantum.grover_iterations`, about ``pi / 4 * sqrt(2**n / m)``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    iterations : int
        Number of Grover iterations, ``0 <= iterations <= ceil(4 sqrt(2**n))``.
    m : int
        Number of marked items, 1 to 8 (items 5, 18, 27, 9, 30, 12, 1, 22, in this order).
    n : int
        Number of qubits, 5 to 8 (``2**n`` items).

    Raises
    ------
    ValueError
        If ``m`` or ``n`` is out of range, or ``iterations`` is out of the range of
        :func:`hadalib.quantum.grover`.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_grover, iterations=4, m=1).axes[1].get_title()
    'P(marked) = 0.999 after 4 iterations'

    Introduced in: book/08_quantum_gates.ipynb
    """
    if not 1 <= m <= len(_GROVER_MARKED):
        raise ValueError(f"m={m} marked items; expected 1 <= m <= {len(_GROVER_MARKED)}")
    if not 5 <= n <= 8:
        raise ValueError(f"n={n} qubits; expected 5 <= n <= 8 (the bars need 32 to 256 items)")
    marked = list(_GROVER_MARKED[:m])
    psi = grover_state(marked, n, iterations)
    best = grover_iterations(n, m)
    ks = np.arange(max(best * 2 + 2, iterations + 1) + 1)
    success = [probabilities(grover_state(marked, n, int(k)))[marked].sum() for k in ks]
    ax_a, ax_p = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    index = np.arange(2**n)
    is_marked = np.isin(index, marked)
    ax_a.bar(index, psi, width=0.8, color=np.where(is_marked, "C3", "C0"))
    ax_a.axhline(0, color="k", lw=0.6)
    ax_a.axhline(psi.mean(), color="0.4", lw=0.8, ls="--", label="mean amplitude")
    ax_a.set_ylim(-1.05, 1.05)
    ax_a.set_xlabel(f"item (basis state of {n} qubits; marked in red)", fontsize=8)
    ax_a.set_ylabel("amplitude", fontsize=8)
    ax_a.tick_params(labelsize=7)
    ax_a.legend(fontsize=7, loc="lower right")
    ax_a.set_title(f"N = {2**n} items, M = {m} marked, {iterations} iterations", fontsize=9)
    ax_p.plot(ks, success, "-", color="0.7", lw=0.8)
    ax_p.plot(ks, success, "o", color="C0", ms=3)
    ax_p.plot(iterations, success[iterations], "o", color="C3", ms=7)
    ax_p.axvline(best, color="C2", lw=1, ls="--")
    exact = np.pi / 4 * np.sqrt(2**n / m)
    ax_p.set_ylim(0, 1.05)
    ax_p.set_xlabel(f"iterations (best, green: ⌊π/4·√(N/M)⌋ = ⌊{exact:.2f}⌋ = {best})", fontsize=8)
    ax_p.set_ylabel("P(marked)", fontsize=8)
    ax_p.tick_params(labelsize=7)
    ax_p.set_title(
        f"P(marked) = {success[iterations]:.3f} after {iterations} iterations", fontsize=9
    )


def draw_qiskit_circuit(
    fig: Any,
    gates: list[tuple[Any, ...]] | None = None,
    n: int = 3,
    measure: list[int] | None = None,
) -> None:
    """Draw a gate list with Qiskit's circuit drawer (``QuantumCircuit.draw("mpl")``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    gates : list of tuple, optional
        A gate list, as :func:`hadalib.quantum.run_circuit` takes; by default the
        Deutsch-Jozsa circuit of the example truth table ``(1, 0, 1, 0, 0, 1, 1, 0)``.
    n : int
        Number of qubits.
    measure : list of int, optional
        Qubits measured at the end (by default all of them for the default circuit, none
        otherwise).

    Raises
    ------
    ImportError
        If Qiskit (or pylatexenc, which its drawer needs) is not installed:
        ``pip install 'hadalib[quantum]'``.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> from hadalib.quantum import simon_circuit
    >>> fig = figure(draw_qiskit_circuit, gates=simon_circuit(0b11, 2), n=4, measure=[0, 1])
    >>> len(fig.axes)
    1

    Introduced in: book/08_quantum_gates.ipynb
    """
    if gates is None:
        gates, n = deutsch_jozsa_circuit(example_truth_table(8)), 3
        measure = list(range(n)) if measure is None else measure
    circuit = to_qiskit(gates, n, measure=measure)
    ax = fig.add_subplot()
    circuit.draw(output="mpl", ax=ax, style="clifford", fold=-1)
