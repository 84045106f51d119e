"""Drawing functions of the book's figures and widgets.

Each ``draw_*`` function draws onto the matplotlib ``Figure`` it is given,
``draw(fig, **values)``, so that :mod:`hadalib.widgets` can show it live, as
a kernel-free player or as a static figure. Chapters append theirs below,
under a heading comment naming the chapter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib.products import multiply


def _matrix_panel(ax: Any, m: np.ndarray, title: str, vmax: float) -> None:
    ax.imshow(m, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    if m.size <= 64:
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=8)
    ax.set_title(f"{title}  {m.shape[0]}x{m.shape[1]}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


# ---- chapter 1: the Hadamard product --------------------------------------


def chapter1_operands(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The two small integer matrices the chapter 1 widget multiplies.

    Parameters
    ----------
    n : int
        Their size, ``n x n``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``A`` with entries 1..n*n row by row, and ``B`` with +-1 and 2 on a
        checkerboard, so that each product's pattern is easy to follow.

    Examples
    --------
    >>> A, B = chapter1_operands(2)
    >>> A
    array([[1, 2],
           [3, 4]])
    >>> B
    array([[ 2, -1],
           [-1,  2]])

    Introduced in: book/01_hadamard_product.ipynb
    """
    a = np.arange(1, n * n + 1).reshape(n, n)
    b = np.where(np.add.outer(np.arange(n), np.arange(n)) % 2 == 0, 2, -1)
    return a, b


def draw_products(fig: Any, kind: str = "hadamard", n: int = 2) -> None:
    """Draw ``A``, ``B`` and one of their products (chapter 1's widget).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    kind : {"hadamard", "matrix", "kronecker"}
        Which product of :func:`hadalib.products.multiply`.
    n : int
        Size of the operands of :func:`chapter1_operands`.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_products, kind="kronecker", n=2).axes[2].get_title()
    'A ⊗ B  4x4'

    Introduced in: book/01_hadamard_product.ipynb
    """
    a, b = chapter1_operands(n)
    c = multiply(a, b, kind)
    symbol = {"hadamard": "∘", "matrix": "@", "kronecker": "⊗"}[kind]
    vmax = float(np.abs(c).max())
    width = [1, 1, c.shape[1] / n]
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": width})
    _matrix_panel(axes[0], a, "A", vmax)
    _matrix_panel(axes[1], b, "B", vmax)
    _matrix_panel(axes[2], c, f"A {symbol} B", vmax)


# ---- chapter 4: Hadamard matrices -------------------------------------------


def draw_walsh_functions(fig: Any, m: int = 3, order: str = "sequency") -> None:
    """Draw the Hadamard matrix of size ``2**m`` and its rows as square waves (chapter 4's widget).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    m : int
        The matrix has ``2**m`` rows.
    order : {"natural", "sequency", "dyadic"}
        Row order, as in :func:`hadalib.matrices.hadamard_matrix`.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_walsh_functions, m=2, order="natural").axes[0].get_title()
    'H_4, natural order'

    Introduced in: book/04_hadamard_matrices.ipynb
    """
    from hadalib.matrices import hadamard_matrix, sequency

    n = 2**m
    H = hadamard_matrix(n, order=order)
    ax_m, ax_w = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.5]})
    ax_m.imshow(H, cmap="RdBu_r", vmin=-1.6, vmax=1.6)
    ax_m.set_title(f"H_{n}, {order} order", fontsize=9)
    ax_m.set_xticks([])
    ax_m.set_yticks(range(n) if n <= 16 else [])
    ax_m.tick_params(labelsize=7)
    t = np.arange(n + 1)
    for k, row in enumerate(H):
        base = n - 1 - k
        ax_w.step(t, base + 0.38 * np.append(row, row[-1]), where="post", lw=1, color="C0")
        if n <= 16:
            ax_w.text(n + 0.3, base, str(sequency(row)), va="center", fontsize=7)
    ax_w.set_xlim(0, n + 1.2)
    ax_w.set_ylim(-0.7, n - 0.3)
    ax_w.set_yticks([])
    ax_w.set_xticks([0, n])
    ax_w.set_xticklabels(["0", "1"], fontsize=7)
    ax_w.set_title("rows as Walsh functions on [0, 1) (right: sign changes)", fontsize=9)
    for side in ("top", "right", "left"):
        ax_w.spines[side].set_visible(False)


# ---- chapter 5: the Walsh spectrum ------------------------------------------


def draw_walsh_spectrum(fig: Any, table: str = "10100110") -> None:
    """Draw a truth table, its two Walsh spectra and its polynomials (chapter 5's widget).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    table : str
        The truth table as a string of 0s and 1s, ``f(0)`` first (``x = sum_i x_i 2**i``);
        its length is a power of two.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> [ax.get_title() for ax in figure(draw_walsh_spectrum, table="0001").axes]
    ['truth table f(x)', 'spectrum of f (0/1)', 'spectrum of (-1)^f (±1)']

    Introduced in: book/05_walsh_spectrum.ipynb
    """
    from hadalib.boolean import (
        algebraic_normal_form,
        arithmetic_polynomial,
        format_polynomial,
        nonlinearity,
        walsh_spectrum,
    )

    f = np.array([int(c) for c in table])
    n = len(f)
    m = n.bit_length() - 1
    labels = [format(x, f"0{m}b") if m else "·" for x in range(n)]
    panels = [
        ("truth table f(x)", f, "C2"),
        ("spectrum of f (0/1)", walsh_spectrum(f), "C0"),
        ("spectrum of (-1)^f (±1)", walsh_spectrum(f, encoding="pm1"), "C1"),
    ]
    axes = fig.subplots(1, 3)
    for ax, (title, values, color) in zip(axes, panels, strict=True):
        ax.bar(range(n), values, color=color)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(range(n))
        ax.set_xticklabels(labels, rotation=90 if m > 2 else 0, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        limit = max(1, int(np.abs(values).max()))
        ax.set_ylim(-limit - 0.5 if values.min() < 0 else 0, limit + 0.5)
    axes[0].set_yticks([0, 1])
    axes[0].set_xlabel(f"x (bits x{m - 1}..x0)" if m else "x", fontsize=8)
    axes[1].set_xlabel("u", fontsize=8)
    axes[2].set_xlabel("u", fontsize=8)
    fig.suptitle(
        f"f = {format_polynomial(arithmetic_polynomial(f))}      "
        f"ANF: {format_polynomial(algebraic_normal_form(f), xor=True)}      "
        f"nonlinearity {nonlinearity(f)}",
        fontsize=9,
    )


# ---- chapter 7: quantum gates -----------------------------------------------


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

    Introduced in: book/07_quantum_gates.ipynb
    """
    from hadalib.quantum import H, apply, basis_state, bloch_vector

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
    """Draw a small circuit and the amplitudes it leaves (chapter 7's circuit builder).

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

    Introduced in: book/07_quantum_gates.ipynb
    """
    from hadalib.quantum import probabilities, run_circuit

    labels = [step1, step2, step3, step4]
    psi = run_circuit(_circuit_gates(labels), n)
    ax_c, ax_a = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    for q in range(n):
        ax_c.plot([0, len(labels) + 1], [-q, -q], color="k", lw=0.8)
        ax_c.text(-0.2, -q, f"q{q}  |0⟩", ha="right", va="center", fontsize=9)
    box = {"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": "k"}
    for t, label in enumerate(labels, start=1):
        for name, *wires in _circuit_gates([label]):
            if len(wires) == 2:
                target, control = wires
                ax_c.plot([t, t], [-control, -target], color="k", lw=0.8)
                ax_c.plot(t, -control, "ko", ms=5)
                ax_c.text(t, -target, "⊕", ha="center", va="center", fontsize=16)
            else:
                ax_c.text(t, -wires[0], name, ha="center", va="center", fontsize=10, bbox=box)
    ax_c.set_xlim(-1.4, len(labels) + 1)
    ax_c.set_ylim(-n + 0.4, 0.6)
    ax_c.set_axis_off()
    ax_c.set_title("circuit (time →)", fontsize=9)
    p = probabilities(psi)
    amplitudes = psi.real  # the gates I, X, Z, H and CX are real
    index = np.arange(2**n)
    ax_a.bar(index, amplitudes, color=np.where(amplitudes < 0, "C3", "C0"))
    for x in index:
        ax_a.text(x, max(amplitudes[x], 0) + 0.04, f"{p[x]:.2f}", ha="center", fontsize=7)
    ax_a.axhline(0, color="k", lw=0.6)
    ax_a.set_ylim(-1.1, 1.25)
    ax_a.set_xticks(index)
    ax_a.set_xticklabels([f"|{x:0{n}b}⟩" for x in index], fontsize=7, rotation=90 if n > 2 else 0)
    ax_a.tick_params(axis="y", labelsize=7)
    ax_a.set_title("amplitudes (probability above each bar)", fontsize=9)
