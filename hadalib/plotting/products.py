"""The figure of the Hadamard product chapter: two matrices and one of their products."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib.examples import small_integer_matrices
from hadalib.plotting._panels import annotated_image
from hadalib.products import multiply

__all__ = ["draw_products"]

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
