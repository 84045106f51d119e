"""The figure of the Hadamard matrices chapter: a matrix and its rows as Walsh functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib.matrices import hadamard_matrix, sequency

__all__ = ["draw_walsh_functions"]


def draw_walsh_functions(fig: Any, m: int = 3, order: str = "sequency") -> None:
    """Draw the Hadamard matrix of size ``2**m`` and its rows as square waves (chapter 5's widget).

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

    Introduced in: book/05_hadamard_matrices.ipynb
    """
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
