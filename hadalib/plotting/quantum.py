"""The figures of the quantum gates chapter: the Bloch sphere, a small circuit builder, and
circuits drawn by Qiskit's drawer."""

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
    probabilities,
    run_circuit,
    to_qiskit,
)

__all__ = ["draw_bloch", "draw_circuit", "draw_qiskit_circuit"]


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
