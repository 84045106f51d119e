"""The figure of the signal processing chapter: an image rebuilt from its largest coefficients."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib.plotting._panels import no_ticks
from hadalib.signal import inverse_transform2d, keep_largest, psnr, ssim, transform2d


def draw_reconstruction(fig: Any, image: Any, kind: str = "wht", percent: float = 2.0) -> None:
    """Draw an image rebuilt from its largest coefficients (chapter 8's widget).

    Two panels: the image rebuilt from the ``percent`` % of its coefficients
    of largest magnitude (as :func:`hadalib.signal.compress` does; PSNR and
    SSIM against the original in the caption), and a map of the kept
    coefficients, low frequencies at the top left (for the FFT, where
    frequencies run 0, 1, ..., -1, the map is shifted to put 0 in the centre).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    image : array_like
        Grayscale image with values in ``[0, 1]`` (sides powers of two for ``"wht"``).
    kind : {"wht", "dct", "fft"}
        The transform of :func:`hadalib.signal.transform2d`.
    percent : float
        Share of the coefficients kept, in percent (at least one is kept).

    Examples
    --------
    >>> from functools import partial
    >>> from hadalib.widgets import figure
    >>> image = np.outer(np.linspace(0, 1, 16), np.ones(16))
    >>> fig = figure(partial(draw_reconstruction, image=image), kind="dct", percent=5)
    >>> fig.axes[0].get_title()
    'DCT, 13 of 256 coefficients'

    Introduced in: book/08_signal_processing.ipynb
    """
    x = np.asarray(image, dtype=float)
    k = max(1, round(x.size * percent / 100))
    order = "sequency" if kind == "wht" else "natural"  # low sequencies top left, as the DCT
    kept = keep_largest(transform2d(x, kind, order=order), k)
    rebuilt = np.real(inverse_transform2d(kept, kind, order=order))
    mask = kept != 0
    if kind == "fft":
        mask = np.fft.fftshift(mask)
    engine = fig.get_layout_engine()
    if engine is not None:  # constrained layout clips titles at low dpi without more room
        engine.set(h_pad=0.1)
    axes = fig.subplots(1, 2)
    axes[0].imshow(np.clip(rebuilt, 0, 1), cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"{kind.upper()}, {k} of {x.size} coefficients", fontsize=9)
    quality = f"PSNR {psnr(x, rebuilt, data_range=1.0):.1f} dB"
    axes[0].set_xlabel(f"{quality}, SSIM {ssim(x, rebuilt, data_range=1.0):.2f}", fontsize=9)
    axes[1].imshow(mask, cmap="gray_r", interpolation="nearest")
    axes[1].set_title("kept coefficients", fontsize=9)
    no_ticks(*axes)
