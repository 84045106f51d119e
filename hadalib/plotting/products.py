"""The figures of the Hadamard product chapter: two matrices and one of their products, and
what NumPy's ``*`` makes of two operands whose shapes differ."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from hadalib.examples import small_integer_matrices
from hadalib.plotting._panels import annotated_image
from hadalib.products import hadamard_product, multiply

__all__ = ["draw_products", "draw_broadcasting"]

_SYMBOLS = {"hadamard": "∘", "matrix": "@", "kronecker": "⊗"}


def draw_products(fig: Any, kind: str = "hadamard", n: int = 2) -> None:
    """Draw ``A``, ``B`` and one of their products (chapter 1's widget).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    kind : {"hadamard", "matrix", "kronecker"}
        Which product of :func:`hadalib.products.multiply`.
    n : int
        Size of the operands of :func:`hadalib.examples.small_integer_matrices`.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_products, kind="kronecker", n=2).axes[2].get_title()
    'A ⊗ B  4x4'

    Introduced in: book/01_hadamard_product.ipynb
    """
    a, b = small_integer_matrices(n)
    c = multiply(a, b, kind)
    vmax = float(np.abs(c).max())
    width = [1, 1, c.shape[1] / n]
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": width})
    titles = ("A", "B", f"A {_SYMBOLS[kind]} B")
    for ax, m, title in zip(axes, (a, b, c), titles, strict=True):
        annotated_image(
            ax,
            m,
            f"{title}  {m.shape[0]}x{m.shape[1]}",
            cmap="RdBu_r",
            vmin=-vmax,
            vmax=vmax,
            max_labels=64,
        )


def _operand(text: Any, name: str) -> np.ndarray:
    """An operand written as a (nested) list of numbers, such as ``"[[1], [2], [3]]"``."""
    if not isinstance(text, str):
        return np.asarray(text)
    try:
        value = np.asarray(ast.literal_eval(text.strip()))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(
            f"{name} = {text!r} is not a list of numbers, e.g. [[1], [2], [3]]"
        ) from None
    if value.dtype.kind not in "biuf" or value.ndim > 2 or value.size > 64:
        raise ValueError(
            f"{name} = {text!r} is not a vector or matrix of at most 64 numbers, e.g. [1, 2, 3]"
        )
    return value


def star_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray | None, str]:
    """What NumPy's ``a * b`` gives, and in words what it did: multiplied element-wise,
    broadcast (a silent outer product, or a repeated operand), or refused the shapes."""
    try:
        c = a * b
    except ValueError:
        return None, f"error: shapes {a.shape} and {b.shape} do not broadcast"
    if a.shape == b.shape:
        return c, "element-wise, as a ∘ b"
    if c.size > max(a.size, b.size):
        return c, f"silently broadcast to {c.shape}: an outer product, not a ∘ b"
    return c, f"broadcast: the smaller operand repeated to fill {c.shape}"


def _as_picture(m: np.ndarray) -> np.ndarray:
    """A vector drawn as a row, a matrix as it is."""
    return m.reshape(1, -1) if m.ndim < 2 else m


def draw_broadcasting(fig: Any, a: Any = "[1, 2, 3]", b: Any = "[[10], [20], [30]]") -> None:
    """Draw what NumPy's ``a * b`` and hadalib's ``hadamard_product(a, b)`` make of two operands.

    Equal shapes are multiplied element-wise. Otherwise NumPy broadcasts where it can: a
    vector of shape ``(3,)`` times a column ``(3, 1)`` silently becomes the 3 x 3 outer
    product, a row times a column too, while mismatched shapes raise an error;
    :func:`hadalib.products.hadamard_product` refuses every difference in shape.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    a, b : str or array_like
        The operands, as arrays or as text such as ``"[[1], [2], [3]]"`` (a vector or a
        matrix of at most 64 numbers); text that is not such an array is reported in the
        figure.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_broadcasting, a="[1, 2, 3]", b="[[10], [20], [30]]").axes[2].get_title()
    'a * b  (3, 3)'

    Introduced in: book/01_hadamard_product.ipynb
    """
    try:
        x, y = _operand(a, "a"), _operand(b, "b")
    except ValueError as err:
        fig.text(0.5, 0.5, str(err), ha="center", va="center", fontsize=10, wrap=True)
        return
    c, verdict = star_product(x, y)
    try:
        hadamard_product(x, y)
        hadalib_says = "hadamard_product(a, b): the same, element-wise"
    except ValueError:
        hadalib_says = (
            f"hadamard_product(a, b): ValueError, shapes {x.shape} and {y.shape} differ "
            "(it never broadcasts)"
        )
    shown = [m for m in (x, y, c) if m is not None]
    vmax = max(float(np.abs(m).max(initial=0)) for m in shown) or 1.0
    widths = [_as_picture(m).shape[1] + 1 for m in (x, y)] + [
        _as_picture(c).shape[1] + 1 if c is not None else 4
    ]
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": widths})
    for ax, m, title in zip(axes, (x, y, c), ("a", "b", "a * b"), strict=True):
        if m is None:
            ax.text(0.5, 0.5, "ValueError", ha="center", va="center", fontsize=11, color="C3")
            ax.set_axis_off()
            ax.set_title(title, fontsize=9)
            continue
        style = {"cmap": "RdBu_r", "vmin": -vmax, "vmax": vmax, "max_labels": 64}
        annotated_image(ax, _as_picture(m), f"{title}  {m.shape}", **style)
    color = (
        "C2" if c is not None and x.shape == y.shape else "C1" if "repeated" in verdict else "C3"
    )
    fig.suptitle(f"NumPy's a * b: {verdict}", fontsize=10, color=color)
    fig.supxlabel(hadalib_says, fontsize=8)
