"""The figures of the signal processing chapter: an image rebuilt from its largest
coefficients, the gain of Hadamard multiplexing, and users sharing a channel by Walsh codes."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib._checks import as_int, as_rng, is_pow2
from hadalib.matrices import hadamard_matrix, s_matrix
from hadalib.plotting._panels import no_ticks
from hadalib.signal import (
    inverse_transform2d,
    keep_largest,
    psnr,
    ssim,
    transform2d,
    walsh_despread,
    walsh_spread,
    weighing_variances,
)

__all__ = ["draw_reconstruction", "draw_multiplexing_gain", "draw_walsh_cdma"]


def draw_reconstruction(fig: Any, image: Any, kind: str = "wht", percent: float = 2.0) -> None:
    """Draw an image rebuilt from its largest coefficients (chapter 9's widget).

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

    Introduced in: book/09_image_and_video_coding.ipynb
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


def draw_multiplexing_gain(fig: Any, max_order: int = 256, simulated: Any = None) -> None:
    """Draw the gain in signal-to-noise ratio of weighing designs against their order ``n``.

    The gain of a design ``W`` over measuring the ``n`` unknowns one at a time is
    ``1 / sqrt(mean(weighing_variances(W)))``, computed exactly here for the Hadamard matrix
    (``+-1`` masks, orders ``2, 4, ..., max_order``) and the S-matrix (``0/1`` masks, orders
    ``1, 3, ..., max_order - 1``), beside the curves ``sqrt(n)`` and ``sqrt(n) / 2``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    max_order : int
        The largest order drawn, a power of two from 4 to 4096.
    simulated : dict, optional
        Measured gains to mark: ``{label: (orders, gains)}``.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> fig = figure(draw_multiplexing_gain, max_order=16)
    >>> [line.get_label() for line in fig.axes[0].get_lines()][:2]
    ['Hadamard (±1 masks)', 'S-matrix (0/1 masks)']

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    max_order = as_int(max_order, "max_order")
    if not (4 <= max_order <= 4096 and is_pow2(max_order)):
        raise ValueError(
            f"max_order={max_order} is not a power of two from 4 to 4096 (the orders of the "
            "Sylvester matrices drawn)"
        )
    orders = 2 ** np.arange(1, max_order.bit_length())
    hadamard = [1 / np.sqrt(weighing_variances(hadamard_matrix(n)).mean()) for n in orders]
    s_orders = orders - 1
    s_gain = [1 / np.sqrt(weighing_variances(s_matrix(n)).mean()) for n in s_orders]
    ax = fig.subplots()
    ax.loglog(orders, hadamard, "o", color="C0", label="Hadamard (±1 masks)")
    ax.loglog(s_orders, s_gain, "s", color="C1", mfc="none", label="S-matrix (0/1 masks)")
    n = np.geomspace(1, max_order, 200)
    ax.loglog(n, np.sqrt(n), "-", color="C0", lw=0.8, label="√n")
    ax.loglog(n, np.sqrt(n) / 2, "--", color="C1", lw=0.8, label="√n / 2")
    for i, (label, (sim_orders, gains)) in enumerate(dict(simulated or {}).items()):
        ax.loglog(sim_orders, gains, "x", color=f"C{i + 2}", ms=7, label=label)
    ax.set_xlabel("number of unknowns n")
    ax.set_ylabel("SNR gain over one at a time")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)


def draw_walsh_cdma(
    fig: Any, n: int = 8, codes: Any = (1, 2, 3), symbols: int = 4, delay: int = 0, seed: Any = 0
) -> None:
    """Draw users sharing one channel with Walsh codes, and what the receiver recovers.

    Each user sends ``symbols`` random bits (drawn from ``seed``), spread by
    :func:`hadalib.signal.walsh_spread` with its row of ``H_n``; the channel adds the chip
    streams; :func:`hadalib.signal.walsh_despread` recovers each user's soft bits. The last
    user may arrive ``delay`` chips late (its stream shifted, the first chips zero), which
    breaks the orthogonality of the codes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    n : int
        Spreading factor, a power of two.
    codes : list of int
        The users' rows of ``H_n`` (distinct).
    symbols : int
        Bits per user.
    delay : int
        Delay of the last user, in chips, ``0 <= delay < n``.
    seed : None, int or numpy.random.Generator
        Where the bits come from: an integer >= 0 seeds ``np.random.default_rng``, a
        Generator is drawn from as given, None draws fresh bits.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> fig = figure(draw_walsh_cdma, delay=1)
    >>> fig.axes[-1].get_title()
    'recovered bits (user 3 one chip late)'

    Introduced in: book/10_randomized_and_orthogonal_mixing.ipynb
    """
    delay, symbols = as_int(delay, "delay"), as_int(symbols, "symbols")
    if not 0 <= delay < n:
        raise ValueError(f"delay={delay} is out of range; use 0 <= delay < n = {n}")
    users = len(codes)
    bits = as_rng(seed).choice([-1.0, 1.0], size=(users, symbols))
    streams = walsh_spread(bits, n, codes)
    if delay:
        streams[-1] = np.concatenate([np.zeros(delay), streams[-1, :-delay]])
    channel = streams.sum(axis=0)
    recovered = walsh_despread(channel, n, codes)
    axes = fig.subplots(users + 2, 1, gridspec_kw={"height_ratios": [1] * (users + 1) + [2]})
    t = np.arange(channel.size + 1)
    labels = [f"user {u + 1}, code {c}" for u, c in enumerate(codes)] + ["channel: the sum"]
    colors = [f"C{u + 1}" for u in range(users)] + ["k"]  # as in the panel of recovered bits
    for ax, stream, label, color in zip(
        axes[:-1], [*streams, channel], labels, colors, strict=True
    ):
        ax.step(t, np.append(stream, stream[-1]), where="post", lw=1, color=color)
        for s in range(1, symbols):
            ax.axvline(s * n, color="0.7", lw=0.6)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        ax.set_xlim(0, channel.size)
        ax.set_xticks([])
        ax.set_yticks([])
    ax = axes[-1]
    for u in range(users):
        x = np.arange(symbols) + (u - (users - 1) / 2) * 0.2
        ax.plot(x, bits[u], "o", mfc="none", color=f"C{u + 1}", ms=8)
        ax.plot(x, recovered[u], ".", color=f"C{u + 1}", ms=8, label=f"user {u + 1}")
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_xticks(range(symbols))
    ax.set_xlabel("symbol (open circle: sent, dot: recovered)", fontsize=8)
    ax.set_ylim(-2.2, 2.2)
    ax.legend(fontsize=7, ncol=users, loc="upper right")
    late = {0: "", 1: f" (user {users} one chip late)"}.get(
        delay, f" (user {users} {delay} chips late)"
    )
    ax.set_title(f"recovered bits{late}", fontsize=9)
