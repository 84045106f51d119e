"""The figure of the Walsh spectrum chapter: a truth table, its spectra and its polynomials."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib.boolean import (
    algebraic_normal_form,
    arithmetic_polynomial,
    format_polynomial,
    nonlinearity,
    walsh_spectrum,
)


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
    f = np.array([int(c) for c in table])
    m = len(f).bit_length() - 1
    panels = [
        ("truth table f(x)", f, "C2"),
        ("spectrum of f (0/1)", walsh_spectrum(f), "C0"),
        ("spectrum of (-1)^f (±1)", walsh_spectrum(f, encoding="pm1"), "C1"),
    ]
    axes = fig.subplots(1, 3)
    for ax, (title, values, color) in zip(axes, panels, strict=True):
        _draw_bars(ax, values, m, title, color)
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


def _draw_bars(ax: Any, values: np.ndarray, m: int, title: str, color: str) -> None:
    """One bar per index ``x`` of ``m`` bits, labelled by its bits."""
    n = len(values)
    labels = [format(x, f"0{m}b") if m else "·" for x in range(n)]
    ax.bar(range(n), values, color=color)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_title(title, fontsize=9)
    ax.set_xticks(range(n))
    ax.set_xticklabels(labels, rotation=90 if m > 2 else 0, fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    limit = max(1, int(np.abs(values).max()))
    ax.set_ylim(-limit - 0.5 if values.min() < 0 else 0, limit + 0.5)
