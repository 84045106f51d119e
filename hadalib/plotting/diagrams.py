"""Diagrams of the book: the 3-4-2 network, a multi-channel convolution, ResNet-50's placements.

Drawn with matplotlib shapes only (no data, no torch), so that they are tested and
restyled in one place like every other figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib._checks import as_int, check_choice
from hadalib.nn.variants import PLACEMENTS

__all__ = ["draw_network", "draw_multichannel_convolution", "draw_resnet_placements"]

_PASSES = ("forward", "backward")


def _node_column(ax: Any, x: float, n: int, label: str, colour: str) -> np.ndarray:
    """Draw ``n`` circles stacked at ``x``; return their y positions."""
    from matplotlib.patches import Circle

    ys = np.linspace(-(n - 1) / 2, (n - 1) / 2, n) * 0.9
    for i, y in enumerate(ys):
        ax.add_patch(Circle((x, y), 0.22, facecolor=colour, edgecolor="black", zorder=3))
        ax.text(x, y, f"{label}{i + 1}", ha="center", va="center", fontsize=8, zorder=4)
    return ys


def _connect(ax: Any, x0: float, ys0: np.ndarray, x1: float, ys1: np.ndarray, colour: str) -> None:
    for y0 in ys0:
        for y1 in ys1:
            ax.plot([x0 + 0.22, x1 - 0.22], [y0, y1], color=colour, linewidth=0.7, zorder=1)


def draw_network(fig: Any, show: str = "backward") -> None:
    """Draw the 3-4-2 sigmoid network with the quantities of one pass.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    show : {"forward", "backward"}
        Label the layers with the forward quantities (``H = σ(XW + b)``,
        ``Ŷ = σ(HV + c)``) or with the backward ones, where the Hadamard products
        appear: ``Δ = (Ŷ − Y) ∘ Ŷ ∘ (1 − Ŷ) / m`` and ``Δ_h = (Δ Vᵀ) ∘ H ∘ (1 − H)``
        for a batch of ``m`` examples.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_network, show="forward").axes[0].get_title()
    'the 3-4-2 network: forward pass'

    Introduced in: book/02_backpropagation.ipynb
    """
    check_choice("show", show, _PASSES)
    ax = fig.subplots()
    xs = {"x": 0.0, "h": 2.2, "y": 4.4}
    layers = {
        "x": _node_column(ax, xs["x"], 3, "x", "#dce9f7"),
        "h": _node_column(ax, xs["h"], 4, "h", "#fde3c8"),
        "y": _node_column(ax, xs["y"], 2, "ŷ", "#d9f0d3"),
    }
    edge = "tab:gray" if show == "forward" else "tab:red"
    _connect(ax, xs["x"], layers["x"], xs["h"], layers["h"], edge)
    _connect(ax, xs["h"], layers["h"], xs["y"], layers["y"], edge)
    if show == "forward":
        notes = {1.1: "W (3×4), b", 3.3: "V (4×2), c"}
        below = {xs["h"]: "H = σ(XW + b)", xs["y"]: "Ŷ = σ(HV + c)"}
    else:
        notes = {1.1: "∂C/∂W = Xᵀ Δ_h", 3.3: "∂C/∂V = Hᵀ Δ"}
        below = {xs["h"]: "Δ_h = (Δ Vᵀ) ∘ H ∘ (1 − H)", xs["y"]: "Δ = (Ŷ − Y) ∘ Ŷ ∘ (1 − Ŷ) / m"}
    for x, text in notes.items():
        ax.text(x, 1.75, text, ha="center", fontsize=9, color=edge)
    for (x, text), y in zip(below.items(), (-1.95, -2.45), strict=True):
        ax.text(x, y, text, ha="center", fontsize=9)
    ax.set_xlim(-0.8, 6.2)
    ax.set_ylim(-2.7, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"the 3-4-2 network: {show} pass", fontsize=10)


def _stack(
    ax: Any, x: float, y: float, count: int, size: float, colours: list[str], label: str
) -> None:
    """Draw ``count`` squares of side ``size``, each offset a little up and right."""
    from matplotlib.patches import Rectangle

    for k in range(count):
        ax.add_patch(
            Rectangle(
                (x + 0.18 * k, y + 0.18 * k),
                size,
                size,
                facecolor=colours[k % len(colours)],
                edgecolor="black",
                alpha=0.9,
                zorder=2 + k,
            )
        )
    ax.text(x + size / 2 + 0.09 * count, y - 0.35, label, ha="center", va="top", fontsize=8)


def draw_multichannel_convolution(fig: Any, in_channels: int = 3, out_channels: int = 2) -> None:
    """Draw a convolution layer: every output map sums one sliding product per input channel.

    Output channel ``o`` is ``Y_o = Σ_c X_c ⋆ K_{o,c}``: each input channel ``X_c``
    is cross-correlated with its own ``k × k`` kernel ``K_{o,c}`` (a sliding
    Hadamard product and sum) and the ``in_channels`` results are added.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    in_channels, out_channels : int
        Channel counts, from 1 to 6.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> len(figure(draw_multichannel_convolution, in_channels=2, out_channels=3).axes)
    1

    Introduced in: book/04_convolution_filters.ipynb
    """
    c_in, c_out = as_int(in_channels, "in_channels"), as_int(out_channels, "out_channels")
    for name, value in (("in_channels", c_in), ("out_channels", c_out)):
        if not 1 <= value <= 6:
            raise ValueError(f"{name}={value} is out of range; draw 1 to 6 channels")
    colours = ["#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9"]
    ax = fig.subplots()
    _stack(ax, 0.0, 0.0, c_in, 2.4, colours, f"input X: {c_in} channels (H × W)")
    for o in range(c_out):
        y = 2.2 - 1.6 * o
        _stack(ax, 4.0, y, c_in, 0.7, colours, f"kernels K[{o + 1}, c]: {c_in} × k × k")
        ax.annotate("", xy=(6.3, y + 0.45), xytext=(5.3, y + 0.45), arrowprops={"arrowstyle": "->"})
        ax.text(5.8, y + 0.6, f"Σ_c X[c] ⋆ K[{o + 1}, c]", ha="center", fontsize=7)
    _stack(
        ax, 6.6, 0.2, c_out, 2.0, ["#9ecae1", "#fdae6b", "#a1d99b"], f"output Y: {c_out} channels"
    )
    ax.annotate("", xy=(3.9, 1.2), xytext=(2.9 + 0.18 * c_in, 1.2), arrowprops={"arrowstyle": "->"})
    ax.set_xlim(-0.3, 9.6)
    ax.set_ylim(-1.0 - 1.6 * max(c_out - 2, 0), 3.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"a convolution layer with {c_in} input and {c_out} output channels", fontsize=10)


# ResNet-50: the stem, then (stage, blocks, output channels) as in torchvision.
_STAGES = (
    ("layer1 (conv2_x)", 3, 256),
    ("layer2 (conv3_x)", 4, 512),
    ("layer3 (conv4_x)", 6, 1024),
    ("layer4 (conv5_x)", 3, 2048),
)
# Where each placement sits: before the stem, or after (stage index, block index).
_AT = {"input": None, "conv2_block1": (0, 0), "conv4_block6": (2, 5)}


def draw_resnet_placements(fig: Any, placements: tuple[str, ...] = PLACEMENTS) -> None:
    """Draw ResNet-50 block by block with transform layers at the study's placements.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    placements : tuple of str
        Some of ``hadalib.nn.PLACEMENTS`` (``"input"``, ``"conv2_block1"``,
        ``"conv4_block6"``), marked in red where the transform layer sits.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_resnet_placements, placements=("conv2_block1",)).axes[0].get_title()
    'ResNet-50 with a transform layer at conv2_block1'

    Introduced in: book/11_transform_layers.ipynb
    """
    for p in placements:
        check_choice("placements", p, PLACEMENTS)
    from matplotlib.patches import Rectangle

    ax = fig.subplots()
    x = 0.0
    if "input" in placements:
        ax.add_patch(Rectangle((x, 0), 0.5, 1.2, facecolor="tab:red"))
        ax.text(x + 0.25, -0.25, "input", ha="center", va="top", fontsize=7, color="tab:red")
        x += 0.7
    ax.add_patch(Rectangle((x, 0), 1.0, 1.2, facecolor="#d9d9d9", edgecolor="black"))
    ax.text(x + 0.5, 0.6, "stem\n7×7, pool", ha="center", va="center", fontsize=7)
    x += 1.2
    for s, (name, blocks, channels) in enumerate(_STAGES):
        start = x
        for b in range(blocks):
            ax.add_patch(Rectangle((x, 0), 0.45, 1.2, facecolor="#c6dbef", edgecolor="black"))
            x += 0.5
            at = [p for p in placements if _AT[p] == (s, b)]
            if at:
                ax.add_patch(Rectangle((x, 0), 0.25, 1.2, facecolor="tab:red"))
                ax.text(x + 0.12, 1.35, at[0], ha="center", fontsize=7, color="tab:red")
                x += 0.3
        ax.text(
            (start + x) / 2,
            -0.25,
            f"{name}\n{blocks} blocks, {channels} ch.",
            ha="center",
            va="top",
            fontsize=7,
        )
        x += 0.3
    ax.add_patch(Rectangle((x, 0), 0.8, 1.2, facecolor="#d9d9d9", edgecolor="black"))
    ax.text(x + 0.4, 0.6, "pool\nfc", ha="center", va="center", fontsize=7)
    ax.set_xlim(-0.2, x + 1.0)
    ax.set_ylim(-1.1, 1.8)
    ax.axis("off")
    where = ", ".join(placements) if placements else "no placement"
    ax.set_title(f"ResNet-50 with a transform layer at {where}", fontsize=10)
