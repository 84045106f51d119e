"""The figures of the convolution chapter: a kernel walking over an image, padding, feature maps."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib._checks import check_choice
from hadalib.conv import correlate2d, sliding_windows
from hadalib.examples import small_image_and_kernels
from hadalib.plotting._panels import annotated_image, no_ticks, outline
from hadalib.products import hadamard_product

__all__ = ["draw_window_walk", "draw_padding_modes", "draw_feature_maps"]

_PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def draw_window_walk(fig: Any, step: int = 0, kernel: str = "edge") -> None:
    """Walk a 3x3 kernel over a small image: window, Hadamard product, sum.

    Chapter 4's widget. Panels: the image with the current window outlined,
    the kernel, the Hadamard product window ∘ kernel (its sum is the output
    entry), and the output of :func:`hadalib.conv.correlate2d` filled in up to
    this step.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    step : int
        Which window, in the row-major order of :func:`hadalib.conv.sliding_windows`.
    kernel : {"edge", "blur", "sharpen"}
        One of the kernels of :func:`hadalib.examples.small_image_and_kernels`.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_window_walk, step=5, kernel="blur").axes[2].get_xlabel()
    'sum = 30'

    Introduced in: book/04_convolution_filters.ipynb
    """
    image, kernels = small_image_and_kernels()
    k = kernels[check_choice("kernel", kernel, tuple(kernels))]
    windows = list(sliding_windows(image, k.shape))
    i, j, window = windows[step]
    product = hadamard_product(window, k)
    out = correlate2d(image, k).astype(float)
    shown = np.full(out.shape, np.nan)
    for a, b, _ in windows[: step + 1]:
        shown[a, b] = out[a, b]

    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [6, 3, 3, 4]})
    annotated_image(axes[0], image, "image", cmap="Greys", vmin=0, vmax=2 * image.max())
    outline(axes[0], i, j, 3, 3, linewidth=2.5)
    annotated_image(axes[1], k, f"kernel ({kernel})", cmap="RdBu_r", **_around_zero(k))
    annotated_image(axes[2], product, "window ∘ kernel", cmap="RdBu_r", **_around_zero(product))
    axes[2].set_xlabel(f"sum = {product.sum():g}")
    title = f"output, entry ({i}, {j})"
    annotated_image(axes[3], shown, title, cmap="RdBu_r", **_around_zero(out))
    outline(axes[3], i, j, 1, 1, linewidth=2.5)


def _around_zero(m: np.ndarray) -> dict[str, float]:
    """A colour range centred on 0, twice as wide as ``m``'s largest magnitude (pale colours)."""
    vmax = 2 * (float(np.abs(m).max()) or 1.0)
    return {"vmin": -vmax, "vmax": vmax}


def draw_padding_modes(fig: Any, image: np.ndarray, pad: int = 2) -> None:
    """The image padded by ``pad`` on every side in each ``pad_mode``.

    The padded image is computed with the library itself: a correlation with
    the 1x1 kernel ``[[1]]`` returns the padded image unchanged.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    image : numpy.ndarray
        A small 2-D image.
    pad : int
        Padding on every side.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> fig = figure(draw_padding_modes, image=np.arange(9).reshape(3, 3), pad=1)
    >>> [ax.get_title() for ax in fig.axes]
    ['zeros', 'reflect', 'replicate', 'circular']

    Introduced in: book/04_convolution_filters.ipynb
    """
    axes = fig.subplots(1, 4)
    vmax = float(np.abs(image).max()) or 1.0
    for ax, mode in zip(axes, _PAD_MODES, strict=True):
        padded = correlate2d(image, [[1]], padding=pad, pad_mode=mode)
        annotated_image(ax, padded, mode, cmap="Blues", vmin=-0.2 * vmax, vmax=2.5 * vmax)
        h, w = image.shape
        outline(ax, pad, pad, h, w, linewidth=2)


def draw_feature_maps(fig: Any, maps: dict[str, np.ndarray], ncols: int = 3) -> None:
    """A gallery of images (an input and its feature maps), one panel each, in grey.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    maps : dict
        Title -> 2-D array, drawn in this order, each with its own grey scale
        running from its 1st to its 99th percentile (so that a few extreme
        values do not flatten the rest).
    ncols : int
        Panels per row.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> fig = figure(draw_feature_maps, maps={"a": np.eye(3), "b": -np.eye(3)}, ncols=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['a', 'b']

    Introduced in: book/04_convolution_filters.ipynb
    """
    nrows = -(-len(maps) // ncols)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax in axes[len(maps) :]:
        ax.remove()
    for ax, (title, m) in zip(axes[: len(maps)], maps.items(), strict=True):
        low, high = np.percentile(m, [1, 99])
        ax.imshow(m, cmap="gray", vmin=low, vmax=high)
        ax.set_title(title, fontsize=9)
        no_ticks(ax)
