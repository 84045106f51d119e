"""Pieces shared by the drawing modules of :mod:`hadalib.plotting` (private)."""

from __future__ import annotations

from typing import Any

import numpy as np


def no_ticks(*axes: Any) -> None:
    """Remove the ticks of each of ``axes`` (pictures of arrays need none)."""
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


def annotated_image(
    ax: Any,
    m: np.ndarray,
    title: str,
    *,
    cmap: str,
    vmin: float,
    vmax: float,
    max_labels: int | None = None,
) -> None:
    """Draw the 2-D array ``m`` with each finite entry written on its cell.

    Entries are written only when there are at most ``max_labels`` of them
    (None: always), so that large arrays stay readable.
    """
    ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax)
    if max_labels is None or m.size <= max_labels:
        for (i, j), v in np.ndenumerate(m):
            if np.isfinite(v):
                ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=8)
    ax.set_title(title, fontsize=9)
    no_ticks(ax)


def outline(ax: Any, row: int, col: int, height: int, width: int, linewidth: float) -> None:
    """Outline the cells ``[row, row + height) x [col, col + width)`` of an image in red."""
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (col - 0.5, row - 0.5), width, height, fill=False, edgecolor="C3", linewidth=linewidth
        )
    )
