"""The figures of the Walsh spectrum chapter: a truth table, its spectra and its polynomials;
a signal under cyclic and under dyadic (XOR) convolution."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib._checks import as_int, check_choice, is_pow2
from hadalib.boolean import (
    algebraic_normal_form,
    arithmetic_polynomial,
    format_polynomial,
    nonlinearity,
    walsh_spectrum,
)
from hadalib.transforms import dyadic_convolve

__all__ = ["draw_walsh_spectrum", "draw_dyadic_convolution"]


def draw_walsh_spectrum(fig: Any, table: str = "10100110") -> None:
    """Draw a truth table, its two Walsh spectra and its polynomials (chapter 6's widget).

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

    Introduced in: book/06_walsh_spectrum.ipynb
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


def draw_dyadic_convolution(fig: Any, kernel: str = "shift", s: int = 5, n: int = 32) -> None:
    """Draw a ramp convolved with a short kernel, cyclically and dyadically, side by side.

    The signal is the ramp ``x[k] = k / n``. The cyclic convolution (computed with
    ``numpy.fft``) combines indices by ``k - j mod n``, the dyadic one
    (:func:`hadalib.transforms.dyadic_convolve`) by ``k XOR j``: a shift slides the
    ramp in the first and permutes its entries by flipping the bits of ``s`` in the
    second; a box average is a moving average in the first and, for a width ``2**j``,
    the mean over aligned blocks of ``2**j`` entries in the second.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    kernel : {"shift", "box"}
        "shift": the unit vector at index ``s``; "box": ``1/s`` at the indices
        ``0, ..., s - 1``.
    s : int
        The shift (0 to n - 1) or the width of the box (1 to n).
    n : int
        Length of the signal, a power of two from 2 on.

    Raises
    ------
    ValueError
        If ``kernel`` is unknown, ``n`` is not a power of two from 2 on, or ``s`` is out
        of range.
    TypeError
        If ``s`` or ``n`` is not an integer.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> fig = figure(draw_dyadic_convolution, kernel="shift", s=1, n=4)
    >>> [ax.get_title() for ax in fig.axes]
    ['ramp x and kernel δ_1', 'cyclic: x[(k - 1) mod n]', 'dyadic: x[k XOR 1]']
    >>> fig.axes[2].lines[0].get_ydata().tolist()
    [0.25, 0.0, 0.75, 0.5]

    Introduced in: book/06_walsh_spectrum.ipynb
    """
    check_choice("kernel", kernel, ("shift", "box"))
    n, s = as_int(n, "n"), as_int(s, "s")
    if n < 2 or not is_pow2(n):
        raise ValueError(f"n={n} is not a power of two from 2 on (2, 4, 8, ...)")
    low, high = (0, n - 1) if kernel == "shift" else (1, n)
    if not low <= s <= high:
        raise ValueError(
            f"s={s} is out of range for kernel={kernel!r} and n={n}; use {low} to {high}"
        )
    k = np.arange(n)
    x = k / n
    if kernel == "shift":
        h = (k == s).astype(float)
        labels = (f"kernel δ_{s}", f"x[(k - {s}) mod n]", f"x[k XOR {s}]")
    else:
        h = (k < s) / s
        labels = (f"box of width {s}", f"mean of x[k - j], j < {s}", f"mean of x[k XOR j], j < {s}")
    cyclic = np.fft.ifft(np.fft.fft(x) * np.fft.fft(h)).real
    dyadic = dyadic_convolve(x, h)
    axes = fig.subplots(1, 3, sharey=True)
    axes[0].plot(k, x, "o-", color="C0", ms=3, lw=1, label="x")
    nonzero = h != 0  # stems only where the kernel is not zero
    axes[0].stem(
        k[nonzero], h[nonzero], linefmt="C3-", markerfmt="C3o", basefmt=" ", label="kernel"
    )
    axes[0].legend(fontsize=7, loc="lower right")
    axes[1].plot(k, cyclic, "o-", color="C2", ms=3, lw=1)
    axes[2].plot(k, dyadic, "o-", color="C1", ms=3, lw=1)
    titles = (f"ramp x and {labels[0]}", f"cyclic: {labels[1]}", f"dyadic: {labels[2]}")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("k", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
