"""The figure of the transform layers chapter: what a transform layer makes of a feature map.

This module needs torch (the layer is :class:`hadalib.nn.Transform`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from hadalib._checks import check_choice
from hadalib.examples import camera_feature_map
from hadalib.nn import Transform
from hadalib.plotting._panels import no_ticks

_LAYERS = ("wht channel", "dct channel", "wht spatial", "dct spatial", "fft spatial")
_CHANNELS = ("picture", "d/dx", "d/dy", "blur")


def draw_transform_layer(fig: Any, layer: str = "wht channel") -> None:
    """Draw a feature map's 4 channels and what a transform layer makes of them.

    The feature map is :func:`hadalib.examples.camera_feature_map`.

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
    >>> len(figure(draw_transform_layer, layer="fft spatial").axes)
    8

    Introduced in: book/09_transform_layers.ipynb
    """
    kind, axes = check_choice("layer", layer, _LAYERS).split()
    x = camera_feature_map()
    y = Transform(kind, axes=axes)(torch.from_numpy(x)[None])[0].numpy()
    grid = fig.subplots(2, 4)
    for c in range(4):
        vmax = float(np.abs(x[c]).max()) or 1.0
        grey = c in (0, 3)
        grid[0, c].imshow(x[c], cmap="gray" if grey else "RdBu_r", vmin=0 if grey else -vmax,
                          vmax=vmax)
        grid[0, c].set_title(f"in {c}: {_CHANNELS[c]}", fontsize=8)
        if axes == "spatial":
            grid[1, c].imshow(np.log10(1e-3 + np.abs(y[c])), cmap="magma")
            grid[1, c].set_title(f"out {c}: log10 |coef.|", fontsize=8)
        else:
            vmax = float(np.abs(y[c]).max()) or 1.0
            grid[1, c].imshow(y[c], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            grid[1, c].set_title(f"out {c}: mix of channels", fontsize=8)
    no_ticks(*grid.flat)
    fig.suptitle(f"Transform({kind!r}, axes={axes!r})", fontsize=9)
