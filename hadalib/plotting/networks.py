"""The figures of the transform layers chapter: what a transform layer makes of a feature
map, and a Walsh filter learning a dyadic blur.

This module needs torch (the layers are :class:`hadalib.nn.Transform` and
:class:`hadalib.nn.WalshFilter`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib._optional import requires

with requires("torch"):
    import torch

from hadalib._checks import as_int, check_choice
from hadalib.examples import camera_feature_map
from hadalib.nn import Transform, fit_walsh_filter
from hadalib.plotting._panels import no_ticks
from hadalib.transforms import fwht, ifwht

__all__ = ["draw_transform_layer", "draw_walsh_filter_fit"]

_LAYERS = ("wht channel", "dct channel", "wht spatial", "dct spatial", "fft spatial")
_CHANNELS = ("picture", "d/dx", "d/dy", "blur")
_TASKS = ("blur", "deblur")
#: The dyadic blur of the Walsh-filter figure: y[i] = 0.6 x[i] + 0.2 x[i^1] + 0.2 x[i^2].
_BLUR = {0: 0.6, 1: 0.2, 2: 0.2}


def draw_transform_layer(fig: Any, layer: str = "wht channel") -> None:
    """Draw a feature map's 4 channels and what a transform layer makes of them.

    The feature map is :func:`hadalib.examples.camera_feature_map`. Each of the 8 panels
    has its own colour scale, labelled beside it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    layer : str
        ``"<kind> <axes>"``: one of "wht channel", "dct channel", "wht spatial",
        "dct spatial", "fft spatial" (see :class:`hadalib.nn.Transform`).

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> len(figure(draw_transform_layer, layer="fft spatial").axes)  # 8 panels, 8 scales
    16

    Introduced in: book/11_transform_layers.ipynb
    """
    kind, axes = check_choice("layer", layer, _LAYERS).split()
    x = camera_feature_map()
    y = Transform(kind, axes=axes)(torch.from_numpy(x)[None])[0].numpy()
    grid = fig.subplots(2, 4)
    for c in range(4):
        vmax = float(np.abs(x[c]).max()) or 1.0
        grey = c in (0, 3)
        grid[0, c].imshow(
            x[c], cmap="gray" if grey else "RdBu_r", vmin=0 if grey else -vmax, vmax=vmax
        )
        grid[0, c].set_title(f"in {c}: {_CHANNELS[c]}", fontsize=8)
        if axes == "spatial":
            grid[1, c].imshow(np.log10(1e-3 + np.abs(y[c])), cmap="magma")
            grid[1, c].set_title(f"out {c}: log10 |coef.|", fontsize=8)
        else:
            vmax = float(np.abs(y[c]).max()) or 1.0
            grid[1, c].imshow(y[c], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            grid[1, c].set_title(f"out {c}: mix of channels", fontsize=8)
    no_ticks(*grid.flat)
    for i, ax in enumerate(grid.flat):
        if i < 4:
            label = "input value"
        else:
            label = "log10 |coefficient|" if axes == "spatial" else "output value"
        scale = fig.colorbar(ax.get_images()[0], ax=ax, shrink=0.75)
        scale.set_label(label, fontsize=7)
        scale.ax.tick_params(labelsize=6)
    fig.suptitle(f"Transform({kind!r}, axes={axes!r})", fontsize=9)


def draw_walsh_filter_fit(fig: Any, steps: int = 10, task: str = "blur") -> None:
    """Draw a :class:`hadalib.nn.WalshFilter` after ``steps`` steps of gradient descent.

    Eight random signals of length 32 (seed 0) and their dyadic blur
    ``y[i] = 0.6 x[i] + 0.2 x[i XOR 1] + 0.2 x[i XOR 2]`` are the training pairs;
    :func:`hadalib.nn.fit_walsh_filter` (step size 0.2) fits the filter to realize the
    blur (``task="blur"``: x to y) or to undo it (``"deblur"``: y to x). Panels: the
    first signal with its target and the filter's output; the kernel ``k = ifwht(w)``
    the filter applies, against the one it should learn; the loss at each step.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    steps : int
        Gradient steps (0: the filter at initialization, the identity).
    task : {"blur", "deblur"}
        Which map the filter learns.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> [ax.get_title() for ax in figure(draw_walsh_filter_fit, steps=0).axes][1]
    'kernel k = ifwht(w) after 0 steps'

    Introduced in: book/11_transform_layers.ipynb
    """
    check_choice("task", task, _TASKS)
    steps = as_int(steps, "steps")
    n = 32
    blur = np.zeros(n)
    for j, value in _BLUR.items():
        blur[j] = value
    x = np.random.default_rng(0).standard_normal((8, n))
    y = ifwht(fwht(x) * fwht(blur))  # the convolution theorem of the WHT
    source, target = (x, y) if task == "blur" else (y, x)
    wanted = blur if task == "blur" else ifwht(1 / fwht(blur))
    layer, losses = fit_walsh_filter(source, target, steps=steps, lr=0.2)
    with torch.no_grad():
        out = layer(torch.from_numpy(source[:1]).reshape(1, n, 1, 1)).flatten().numpy()
    kernel = ifwht(layer.weight.detach().numpy())
    signal, kern, loss = fig.subplots(1, 3)
    i = np.arange(n)
    signal.plot(i, source[0], color="0.7", lw=1, label="input")
    signal.plot(i, target[0], color="black", lw=1.5, label="target")
    signal.plot(i, out, "--", color="tab:purple", lw=1.5, label="filter output")
    signal.set_title("signal 0", fontsize=9)
    signal.set_xlabel("i")
    signal.legend(fontsize=7)
    kern.plot(i, wanted, "o", color="black", ms=6, mfc="none", label="kernel to learn")
    kern.plot(i, kernel, ".", color="tab:purple", ms=7, label="learned")
    kern.set_title(f"kernel k = ifwht(w) after {steps} steps", fontsize=9)
    kern.set_xlabel("j")
    kern.legend(fontsize=7)
    loss.semilogy(np.arange(len(losses)), losses, color="tab:purple")
    loss.plot([steps], [losses[-1]], "o", color="tab:purple")
    loss.set_title("loss (squared error per signal)", fontsize=9)
    loss.set_xlabel("step")
    for ax in (signal, kern, loss):
        ax.grid(alpha=0.3)
