"""The figure of the fast transform chapter: the butterfly of the fast WHT, stage by stage."""

from __future__ import annotations

from typing import Any

from hadalib.examples import example_truth_table
from hadalib.transforms import fwht_stages

__all__ = ["draw_butterfly"]


def draw_butterfly(fig: Any, stage: int = 0, n: int = 8) -> None:
    """Draw the butterfly of the fast WHT of :func:`hadalib.examples.example_truth_table`.

    Column s holds the vector after s stages (computed with
    :func:`hadalib.transforms.fwht_stages`); stage s combines entries at distance
    ``h = 2**(s-1)``: blue lines carry the sums ``a + b``, red dashed lines the
    differences ``a - b``. The stages up to ``stage`` are drawn, the current one
    dark, earlier ones light.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    stage : int
        Stages done, 0 to log2(n) (larger values are clipped).
    n : {8, 16}
        Length of the example vector.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_butterfly, stage=1, n=8).axes[0].get_title()
    'stage 1 of 3: pairs at distance h = 1'

    Introduced in: book/07_fast_transform.ipynb
    """
    stages = fwht_stages(example_truth_table(n))
    m = len(stages) - 1
    stage = max(0, min(int(stage), m))
    ax = fig.subplots()
    for s in range(1, stage + 1):
        _draw_stage_lines(ax, s, n, alpha=1.0 if s == stage else 0.25)
    for s in range(m + 1):
        for j in range(n):
            done = s <= stage
            ax.text(
                s,
                j,
                f"{stages[s][j]:d}" if done else "·",
                ha="center",
                va="center",
                fontsize=8 if n > 8 else 9,
                bbox={"boxstyle": "round", "fc": "white" if done else "0.93", "ec": "0.6"},
            )
    ax.set_xlim(-0.5, m + 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xticks(range(m + 1), ["x"] + [f"stage {s}" for s in range(1, m + 1)], fontsize=8)
    ax.set_yticks(range(n), [str(j) for j in range(n)], fontsize=7)
    ax.set_ylabel("index j")
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(_title(stage, m, n), fontsize=9)


def _draw_stage_lines(ax: Any, s: int, n: int, alpha: float) -> None:
    """The lines of stage ``s``: sums in blue, differences dashed in red."""
    h = 2 ** (s - 1)
    for lo in range(n):
        if lo & h:
            continue
        hi = lo + h
        for start in (lo, hi):
            ax.plot([s - 1, s], [start, lo], color="tab:blue", alpha=alpha, lw=1.2)
        ax.plot([s - 1, s], [lo, hi], color="tab:red", alpha=alpha, lw=1.2, ls="--")
        ax.plot([s - 1, s], [hi, hi], color="tab:red", alpha=alpha, lw=1.2, ls="--")


def _title(stage: int, m: int, n: int) -> str:
    if stage == 0:
        return f"the input x (n = {n}): press the stage slider"
    if stage == m:
        return f"stage {m} of {m}: H_{n} x, the Walsh spectrum (natural order)"
    return f"stage {stage} of {m}: pairs at distance h = {2 ** (stage - 1)}"
