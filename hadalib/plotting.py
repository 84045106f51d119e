"""Drawing functions of the book's figures and widgets.

Each ``draw_*`` function draws onto the matplotlib ``Figure`` it is given,
``draw(fig, **values)``, so that :mod:`hadalib.widgets` can show it live, as
a kernel-free player or as a static figure. Sections follow the chapters,
each under a heading comment naming its chapter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib.products import multiply


def _matrix_panel(ax: Any, m: np.ndarray, title: str, vmax: float) -> None:
    ax.imshow(m, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    if m.size <= 64:
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=8)
    ax.set_title(f"{title}  {m.shape[0]}x{m.shape[1]}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


# ---- chapter 1: the Hadamard product --------------------------------------


def chapter1_operands(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The two small integer matrices the chapter 1 widget multiplies.

    Parameters
    ----------
    n : int
        Their size, ``n x n``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``A`` with entries 1..n*n row by row, and ``B`` with +-1 and 2 on a
        checkerboard, so that each product's pattern is easy to follow.

    Examples
    --------
    >>> A, B = chapter1_operands(2)
    >>> A
    array([[1, 2],
           [3, 4]])
    >>> B
    array([[ 2, -1],
           [-1,  2]])

    Introduced in: book/01_hadamard_product.ipynb
    """
    a = np.arange(1, n * n + 1).reshape(n, n)
    b = np.where(np.add.outer(np.arange(n), np.arange(n)) % 2 == 0, 2, -1)
    return a, b


def draw_products(fig: Any, kind: str = "hadamard", n: int = 2) -> None:
    """Draw ``A``, ``B`` and one of their products (chapter 1's widget).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    kind : {"hadamard", "matrix", "kronecker"}
        Which product of :func:`hadalib.products.multiply`.
    n : int
        Size of the operands of :func:`chapter1_operands`.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_products, kind="kronecker", n=2).axes[2].get_title()
    'A ⊗ B  4x4'

    Introduced in: book/01_hadamard_product.ipynb
    """
    a, b = chapter1_operands(n)
    c = multiply(a, b, kind)
    symbol = {"hadamard": "∘", "matrix": "@", "kronecker": "⊗"}[kind]
    vmax = float(np.abs(c).max())
    width = [1, 1, c.shape[1] / n]
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": width})
    _matrix_panel(axes[0], a, "A", vmax)
    _matrix_panel(axes[1], b, "B", vmax)
    _matrix_panel(axes[2], c, f"A {symbol} B", vmax)


# ---- chapter 2: backpropagation ---------------------------------------------


def draw_training(
    fig: Any,
    lr: float = 1.0,
    epochs: int = 300,
    *,
    X: np.ndarray,
    Y: np.ndarray,
    seed: int = 0,
    class_names: tuple[str, ...] | None = None,
) -> None:
    """Train a fresh :class:`~hadalib.mlp.TinyMLP`; draw its loss curve and decision regions.

    Chapter 2's widget: the learning rate ``lr`` and the number of ``epochs``
    against the loss curve. The right panel colours the plane of the first two
    features (the others held at 0) by the class the trained network predicts.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    lr : float
        Learning rate of :meth:`~hadalib.mlp.TinyMLP.train`.
    epochs : int
        Number of full-batch steps.
    X : numpy.ndarray
        Shape ``(batch, n_in)``. Training inputs (at least two features).
    Y : numpy.ndarray
        Shape ``(batch, n_out)``. One-hot training targets.
    seed : int
        Seed of the initial weights.
    class_names : tuple of str, optional
        Legend names of the classes (default ``"class 0"``, ``"class 1"``, ...).

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> X = np.array([[-1.0, -1.0, 0.0], [1.0, 1.0, 0.0]])
    >>> Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> figure(draw_training, lr=2.0, epochs=20, X=X, Y=Y).axes[0].get_xlabel()
    'epoch'

    Introduced in: book/02_backpropagation.ipynb
    """
    from hadalib.mlp import TinyMLP

    model = TinyMLP((X.shape[1], 4, Y.shape[1]), seed=seed)
    history = model.train(X, Y, lr, epochs)
    labels = Y.argmax(axis=1)
    _, Y_hat = model.forward(X)
    accuracy = float(np.mean(Y_hat.argmax(axis=1) == labels))

    ax_loss, ax_regions = fig.subplots(1, 2)
    ax_loss.semilogy(np.arange(epochs + 1), history, color="C0")
    ax_loss.set_ylim(3e-3, 0.6)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss C")
    ax_loss.set_title(f"lr = {lr:g}: loss {history[-1]:.4f} after {epochs} epochs", fontsize=9)
    ax_loss.grid(True, which="both", alpha=0.3)

    pad = 0.5
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 121)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 121)
    g0, g1 = np.meshgrid(x0, x1)
    grid = np.zeros((g0.size, X.shape[1]))
    grid[:, 0], grid[:, 1] = g0.ravel(), g1.ravel()
    _, grid_hat = model.forward(grid)
    predicted = grid_hat.argmax(axis=1).reshape(g0.shape)
    ax_regions.contourf(g0, g1, predicted, levels=[-0.5, 0.5, 1.5], colors=["C0", "C1"], alpha=0.25)
    names = class_names or tuple(f"class {k}" for k in range(Y.shape[1]))
    for k, name in enumerate(names):
        mine = labels == k
        ax_regions.scatter(X[mine, 0], X[mine, 1], s=8, color=f"C{k}", label=name)
    ax_regions.set_xlabel("feature 1")
    ax_regions.set_ylabel("feature 2")
    ax_regions.set_title(f"decision regions, training accuracy {accuracy:.1%}", fontsize=9)
    ax_regions.legend(fontsize=8, loc="upper right")


# ---- chapter 3: convolution filters -----------------------------------------


def chapter3_walk_example() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The small image and kernels that chapter 3's window-walking widget uses.

    Returns
    -------
    tuple
        ``(image, kernels)``: a 6x6 integer image (a bright square on a dark
        ground, with a ramp) and a dict of three 3x3 integer kernels, ``"edge"``
        (vertical edges, left minus right), ``"blur"`` (sum of the 3x3
        neighbourhood) and ``"sharpen"``.

    Examples
    --------
    >>> image, kernels = chapter3_walk_example()
    >>> image.shape, sorted(kernels)
    ((6, 6), ['blur', 'edge', 'sharpen'])
    >>> kernels["edge"]
    array([[ 1,  0, -1],
           [ 1,  0, -1],
           [ 1,  0, -1]])

    Introduced in: book/03_convolution_filters.ipynb
    """
    image = np.zeros((6, 6), dtype=int)
    image[1:5, 2:5] = 5
    image[:, 0] = np.arange(6) % 3
    kernels = {
        "edge": np.array([[1, 0, -1]] * 3),
        "blur": np.ones((3, 3), dtype=int),
        "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    }
    return image, kernels


def _annotated(ax: Any, m: np.ndarray, title: str, cmap: str, vmin: float, vmax: float) -> None:
    ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax)
    for (i, j), v in np.ndenumerate(m):
        if np.isfinite(v):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def draw_window_walk(fig: Any, step: int = 0, kernel: str = "edge") -> None:
    """Walk a 3x3 kernel over a small image: window, Hadamard product, sum.

    Chapter 3's widget. Panels: the image with the current window outlined,
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
        One of the kernels of :func:`chapter3_walk_example`.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_window_walk, step=5, kernel="blur").axes[2].get_xlabel()
    'sum = 30'

    Introduced in: book/03_convolution_filters.ipynb
    """
    from matplotlib.patches import Rectangle

    from hadalib.conv import correlate2d, sliding_windows
    from hadalib.products import hadamard_product

    image, kernels = chapter3_walk_example()
    k = kernels[kernel]
    windows = list(sliding_windows(image, k.shape))
    i, j, window = windows[step]
    product = hadamard_product(window, k)
    out = correlate2d(image, k).astype(float)
    shown = np.full(out.shape, np.nan)
    for a, b, _ in windows[: step + 1]:
        shown[a, b] = out[a, b]

    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [6, 3, 3, 4]})
    _annotated(axes[0], image, "image", "Greys", 0, 2 * image.max())
    axes[0].add_patch(
        Rectangle((j - 0.5, i - 0.5), 3, 3, fill=False, edgecolor="C3", linewidth=2.5)
    )
    kmax = float(np.abs(k).max())
    _annotated(axes[1], k, f"kernel ({kernel})", "RdBu_r", -2 * kmax, 2 * kmax)
    pmax = float(np.abs(product).max()) or 1.0
    _annotated(axes[2], product, "window ∘ kernel", "RdBu_r", -2 * pmax, 2 * pmax)
    axes[2].set_xlabel(f"sum = {product.sum():g}")
    omax = float(np.abs(out).max()) or 1.0
    _annotated(axes[3], shown, f"output, entry ({i}, {j})", "RdBu_r", -2 * omax, 2 * omax)
    axes[3].add_patch(
        Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="C3", linewidth=2.5)
    )


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

    Introduced in: book/03_convolution_filters.ipynb
    """
    from matplotlib.patches import Rectangle

    from hadalib.conv import correlate2d

    axes = fig.subplots(1, 4)
    vmax = float(np.abs(image).max()) or 1.0
    for ax, mode in zip(axes, ["zeros", "reflect", "replicate", "circular"], strict=True):
        padded = correlate2d(image, [[1]], padding=pad, pad_mode=mode)
        _annotated(ax, padded, mode, "Blues", -0.2 * vmax, 2.5 * vmax)
        h, w = image.shape
        ax.add_patch(
            Rectangle((pad - 0.5, pad - 0.5), w, h, fill=False, edgecolor="C3", linewidth=2)
        )


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

    Introduced in: book/03_convolution_filters.ipynb
    """
    nrows = -(-len(maps) // ncols)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax in axes[len(maps) :]:
        ax.remove()
    for ax, (title, m) in zip(axes[: len(maps)], maps.items(), strict=True):
        low, high = np.percentile(m, [1, 99])
        ax.imshow(m, cmap="gray", vmin=low, vmax=high)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])


# ---- chapter 4: Hadamard matrices -------------------------------------------


def draw_walsh_functions(fig: Any, m: int = 3, order: str = "sequency") -> None:
    """Draw the Hadamard matrix of size ``2**m`` and its rows as square waves (chapter 4's widget).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    m : int
        The matrix has ``2**m`` rows.
    order : {"natural", "sequency", "dyadic"}
        Row order, as in :func:`hadalib.matrices.hadamard_matrix`.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_walsh_functions, m=2, order="natural").axes[0].get_title()
    'H_4, natural order'

    Introduced in: book/04_hadamard_matrices.ipynb
    """
    from hadalib.matrices import hadamard_matrix, sequency

    n = 2**m
    H = hadamard_matrix(n, order=order)
    ax_m, ax_w = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.5]})
    ax_m.imshow(H, cmap="RdBu_r", vmin=-1.6, vmax=1.6)
    ax_m.set_title(f"H_{n}, {order} order", fontsize=9)
    ax_m.set_xticks([])
    ax_m.set_yticks(range(n) if n <= 16 else [])
    ax_m.tick_params(labelsize=7)
    t = np.arange(n + 1)
    for k, row in enumerate(H):
        base = n - 1 - k
        ax_w.step(t, base + 0.38 * np.append(row, row[-1]), where="post", lw=1, color="C0")
        if n <= 16:
            ax_w.text(n + 0.3, base, str(sequency(row)), va="center", fontsize=7)
    ax_w.set_xlim(0, n + 1.2)
    ax_w.set_ylim(-0.7, n - 0.3)
    ax_w.set_yticks([])
    ax_w.set_xticks([0, n])
    ax_w.set_xticklabels(["0", "1"], fontsize=7)
    ax_w.set_title("rows as Walsh functions on [0, 1) (right: sign changes)", fontsize=9)
    for side in ("top", "right", "left"):
        ax_w.spines[side].set_visible(False)


# ---- chapter 5: the Walsh spectrum ------------------------------------------


def draw_walsh_spectrum(fig: Any, table: str = "10100110") -> None:
    """Draw a truth table, its two Walsh spectra and its polynomials (chapter 5's widget).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    table : str
        The truth table as a string of 0s and 1s, ``f(0)`` first (``x = sum_i x_i 2**i``);
        its length is a power of two.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> [ax.get_title() for ax in figure(draw_walsh_spectrum, table="0001").axes]
    ['truth table f(x)', 'spectrum of f (0/1)', 'spectrum of (-1)^f (±1)']

    Introduced in: book/05_walsh_spectrum.ipynb
    """
    from hadalib.boolean import (
        algebraic_normal_form,
        arithmetic_polynomial,
        format_polynomial,
        nonlinearity,
        walsh_spectrum,
    )

    f = np.array([int(c) for c in table])
    n = len(f)
    m = n.bit_length() - 1
    labels = [format(x, f"0{m}b") if m else "·" for x in range(n)]
    panels = [
        ("truth table f(x)", f, "C2"),
        ("spectrum of f (0/1)", walsh_spectrum(f), "C0"),
        ("spectrum of (-1)^f (±1)", walsh_spectrum(f, encoding="pm1"), "C1"),
    ]
    axes = fig.subplots(1, 3)
    for ax, (title, values, color) in zip(axes, panels, strict=True):
        ax.bar(range(n), values, color=color)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(range(n))
        ax.set_xticklabels(labels, rotation=90 if m > 2 else 0, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        limit = max(1, int(np.abs(values).max()))
        ax.set_ylim(-limit - 0.5 if values.min() < 0 else 0, limit + 0.5)
    axes[0].set_yticks([0, 1])
    axes[0].set_xlabel(f"x (bits x{m - 1}..x0)" if m else "x", fontsize=8)
    axes[1].set_xlabel("u", fontsize=8)
    axes[2].set_xlabel("u", fontsize=8)
    fig.suptitle(
        f"f = {format_polynomial(arithmetic_polynomial(f))}      "
        f"ANF: {format_polynomial(algebraic_normal_form(f), xor=True)}      "
        f"nonlinearity {nonlinearity(f)}",
        fontsize=9,
    )


# ---- chapter 6: the fast transform ------------------------------------------


def chapter6_example(n: int) -> np.ndarray:
    """The 0/1 vector whose butterfly chapter 6 draws (length 8 or 16).

    Parameters
    ----------
    n : {8, 16}
        Length. For 8 it is the truth table (1, 0, 1, 0, 0, 1, 1, 0) of chapter 5.

    Returns
    -------
    numpy.ndarray
        Integers 0 and 1.

    Raises
    ------
    ValueError
        If n is not 8 or 16.

    Examples
    --------
    >>> chapter6_example(8).tolist()
    [1, 0, 1, 0, 0, 1, 1, 0]

    Introduced in: book/06_fast_transform.ipynb
    """
    tables = {
        8: [1, 0, 1, 0, 0, 1, 1, 0],
        16: [1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1],
    }
    if n not in tables:
        raise ValueError(f"n must be 8 or 16, got {n!r}")
    return np.array(tables[n])


def draw_butterfly(fig: Any, stage: int = 0, n: int = 8) -> None:
    """Draw the butterfly of the fast WHT of :func:`chapter6_example` up to ``stage``.

    Column s holds the vector after s stages (computed with
    :func:`hadalib.transforms.fwht_stages`); stage s combines entries at distance
    ``h = 2**(s-1)``: blue lines carry the sums ``a + b``, red dashed lines the
    differences ``a - b``. The current stage is drawn dark, earlier ones light.

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

    Introduced in: book/06_fast_transform.ipynb
    """
    from hadalib.transforms import fwht_stages

    stages = fwht_stages(chapter6_example(n))
    m = len(stages) - 1
    stage = max(0, min(int(stage), m))
    ax = fig.subplots()
    for s in range(1, stage + 1):
        h = 2 ** (s - 1)
        alpha = 1.0 if s == stage else 0.25
        for j in range(n):
            if j & h:
                continue
            lo, hi = j, j + h
            for start in (lo, hi):
                ax.plot([s - 1, s], [start, lo], color="tab:blue", alpha=alpha, lw=1.2)
            ax.plot([s - 1, s], [lo, hi], color="tab:red", alpha=alpha, lw=1.2, ls="--")
            ax.plot([s - 1, s], [hi, hi], color="tab:red", alpha=alpha, lw=1.2, ls="--")
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
    if stage == 0:
        title = f"the input x (n = {n}): press the stage slider"
    elif stage == m:
        title = f"stage {m} of {m}: H_{n} x, the Walsh spectrum (natural order)"
    else:
        title = f"stage {stage} of {m}: pairs at distance h = {2 ** (stage - 1)}"
    ax.set_title(title, fontsize=9)


# ---- chapter 7: quantum gates -----------------------------------------------


def draw_bloch(fig: Any, states: dict[str, Any] | None = None) -> None:
    """Draw one-qubit states as arrows on the Bloch sphere.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    states : dict, optional
        ``{label: state}`` with normalized one-qubit states (2 amplitudes); by default
        ``|0>``, ``|1>``, ``H|0>`` and ``H|1>``.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> len(figure(draw_bloch).axes)
    1

    Introduced in: book/07_quantum_gates.ipynb
    """
    from hadalib.quantum import H, apply, basis_state, bloch_vector

    if states is None:
        zero, one = basis_state(0, 1), basis_state(1, 1)
        states = {"|0⟩": zero, "|1⟩": one, "H|0⟩": apply(zero, H, 0), "H|1⟩": apply(one, H, 0)}
    ax = fig.add_subplot(projection="3d")
    u, v = np.mgrid[0 : 2 * np.pi : 25j, 0 : np.pi : 13j]
    ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="0.85", lw=0.5)
    for axis in np.eye(3):
        ax.plot(*np.stack([-axis, axis]).T, color="0.5", lw=0.7)
    ax.text(1.25, 0, 0, "x", fontsize=8)
    ax.text(0, 1.25, 0, "y", fontsize=8)
    ax.text(0, 0, 1.25, "z", fontsize=8)
    for k, (label, state) in enumerate(states.items()):
        x, y, z = bloch_vector(state)
        ax.quiver(0, 0, 0, x, y, z, color=f"C{k}", lw=2, arrow_length_ratio=0.12)
        ax.text(1.12 * x, 1.12 * y, 1.12 * z, label, color=f"C{k}", fontsize=9)
    ax.set_box_aspect((1, 1, 1))
    ax.set_axis_off()
    ax.view_init(elev=20, azim=35)


def _circuit_gates(labels: list[str]) -> list[tuple[Any, ...]]:
    """Parse gate labels such as ``"H 0"`` or ``"CX 0→1"`` (``"—"``: no gate)."""
    gates: list[tuple[Any, ...]] = []
    for label in labels:
        if label in ("—", ""):
            continue
        name, wires = label.split()
        if name == "CX":
            control, target = (int(q) for q in wires.split("→"))
            gates.append(("X", target, control))
        else:
            gates.append((name, int(wires)))
    return gates


def draw_circuit(
    fig: Any,
    n: int = 2,
    step1: str = "H 0",
    step2: str = "CX 0→1",
    step3: str = "—",
    step4: str = "—",
) -> None:
    """Draw a small circuit and the amplitudes it leaves (chapter 7's circuit builder).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    n : int
        Number of qubits; the circuit starts in ``|0...0>``.
    step1, step2, step3, step4 : str
        The gates in time order: ``"H q"``, ``"X q"``, ``"Z q"``, ``"I q"`` on qubit ``q``,
        ``"CX c→t"`` (CNOT with control ``c`` and target ``t``), or ``"—"`` for none.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_circuit).axes[1].get_title()
    'amplitudes (probability above each bar)'

    Introduced in: book/07_quantum_gates.ipynb
    """
    from hadalib.quantum import probabilities, run_circuit

    labels = [step1, step2, step3, step4]
    psi = run_circuit(_circuit_gates(labels), n)
    ax_c, ax_a = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    for q in range(n):
        ax_c.plot([0, len(labels) + 1], [-q, -q], color="k", lw=0.8)
        ax_c.text(-0.2, -q, f"q{q}  |0⟩", ha="right", va="center", fontsize=9)
    box = {"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": "k"}
    for t, label in enumerate(labels, start=1):
        for name, *wires in _circuit_gates([label]):
            if len(wires) == 2:
                target, control = wires
                ax_c.plot([t, t], [-control, -target], color="k", lw=0.8)
                ax_c.plot(t, -control, "ko", ms=5)
                ax_c.text(t, -target, "⊕", ha="center", va="center", fontsize=16)
            else:
                ax_c.text(t, -wires[0], name, ha="center", va="center", fontsize=10, bbox=box)
    ax_c.set_xlim(-1.4, len(labels) + 1)
    ax_c.set_ylim(-n + 0.4, 0.6)
    ax_c.set_axis_off()
    ax_c.set_title("circuit (time →)", fontsize=9)
    p = probabilities(psi)
    amplitudes = psi.real  # the gates I, X, Z, H and CX are real
    index = np.arange(2**n)
    ax_a.bar(index, amplitudes, color=np.where(amplitudes < 0, "C3", "C0"))
    for x in index:
        ax_a.text(x, max(amplitudes[x], 0) + 0.04, f"{p[x]:.2f}", ha="center", fontsize=7)
    ax_a.axhline(0, color="k", lw=0.6)
    ax_a.set_ylim(-1.1, 1.25)
    ax_a.set_xticks(index)
    ax_a.set_xticklabels([f"|{x:0{n}b}⟩" for x in index], fontsize=7, rotation=90 if n > 2 else 0)
    ax_a.tick_params(axis="y", labelsize=7)
    ax_a.set_title("amplitudes (probability above each bar)", fontsize=9)


# ---- chapter 8: signal processing ------------------------------------------


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
    from hadalib.signal import inverse_transform2d, keep_largest, psnr, ssim, transform2d

    x = np.asarray(image, dtype=float)
    k = max(1, round(x.size * percent / 100))
    kept = keep_largest(transform2d(x, kind), k)
    rebuilt = np.real(inverse_transform2d(kept, kind))
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
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


# ---- chapters 9 and 10: transform layers and the ResNet50 WHT study ----------


def chapter9_feature_map(size: int = 32) -> np.ndarray:
    """A small 4-channel feature map made from scikit-image's camera picture.

    Parameters
    ----------
    size : int
        Height and width (the 512x512 picture is averaged over blocks; ``size``
        must divide 512).

    Returns
    -------
    numpy.ndarray
        Shape (4, size, size), float64: the picture (scaled to [0, 1]), its
        horizontal and vertical differences, and a 3x3 blur, like the first
        channels of a CNN.

    Examples
    --------
    >>> chapter9_feature_map(16).shape
    (4, 16, 16)

    Introduced in: book/09_transform_layers.ipynb
    """
    from skimage.data import camera

    if size < 1 or 512 % size:
        raise ValueError(f"size must divide 512, got {size}")
    block = 512 // size
    image = camera().astype(np.float64).reshape(size, block, size, block).mean(axis=(1, 3))
    image /= 255.0
    dx = np.diff(image, axis=1, append=image[:, -1:])
    dy = np.diff(image, axis=0, append=image[-1:, :])
    padded = np.pad(image, 1, mode="edge")
    blur = sum(padded[i:i + size, j:j + size] for i in range(3) for j in range(3)) / 9.0
    return np.stack([image, dx, dy, blur])


_LAYERS = ("wht channel", "dct channel", "wht spatial", "dct spatial", "fft spatial")


def draw_transform_layer(fig: Any, layer: str = "wht channel") -> None:
    """Draw a feature map's 4 channels and what a transform layer makes of them.

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
    import torch

    from hadalib.nn import Transform

    if layer not in _LAYERS:
        raise ValueError(f"layer must be one of {', '.join(_LAYERS)}; got {layer!r}")
    kind, axes = layer.split()
    x = chapter9_feature_map()
    y = Transform(kind, axes=axes)(torch.from_numpy(x)[None])[0].numpy()
    names = ["picture", "d/dx", "d/dy", "blur"]
    grid = fig.subplots(2, 4)
    for c in range(4):
        vmax = float(np.abs(x[c]).max()) or 1.0
        grid[0, c].imshow(x[c], cmap="gray" if c in (0, 3) else "RdBu_r",
                          vmin=0 if c in (0, 3) else -vmax, vmax=vmax)
        grid[0, c].set_title(f"in {c}: {names[c]}", fontsize=8)
        if axes == "spatial":
            shown = np.log10(1e-3 + np.abs(y[c]))
            grid[1, c].imshow(shown, cmap="magma")
            grid[1, c].set_title(f"out {c}: log10 |coef.|", fontsize=8)
        else:
            vmax = float(np.abs(y[c]).max()) or 1.0
            grid[1, c].imshow(y[c], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            grid[1, c].set_title(f"out {c}: mix of channels", fontsize=8)
    for ax in grid.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"Transform({kind!r}, axes={axes!r})", fontsize=9)


def _variant_label(row: Any) -> str:
    axes = row.get("axes")
    suffix = " (spatial)" if axes == "spatial" and row["variant"] != "baseline" else ""
    return row["variant"] + suffix


def _variant_colour(variant: str) -> str:
    return {"baseline": "black", "wht": "tab:blue", "dct": "tab:green",
            "fft": "tab:red"}[variant.split("-")[0]]


def draw_variant_intervals(fig: Any, rows: Any = (), metric: str = "final_test_acc",
                           scale: float = 100.0, xlabel: str = "test accuracy (%)") -> None:
    """Draw each variant's runs (dots) and mean with its 95% interval (bar).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    rows : list of dict
        Rows of :func:`hadalib.experiments.report.summarize` that include ``metric``.
    metric : str
        Which metric to draw.
    scale : float
        Factor applied to the values (100 for percent).
    xlabel : str
        Label of the value axis.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> rows = [{"variant": "baseline", "axes": "channel", "final_test_acc":
    ...          {"mean": 0.9, "low": 0.88, "high": 0.92, "values": [0.89, 0.91]}}]
    >>> figure(draw_variant_intervals, rows=rows).axes[0].get_xlabel()
    'test accuracy (%)'

    Introduced in: book/09_transform_layers.ipynb
    """
    ax = fig.subplots()
    rows = [r for r in rows if r.get(metric)]
    for i, row in enumerate(rows):
        m = row[metric]
        colour = _variant_colour(row["variant"])
        ax.plot([v * scale for v in m["values"]], [i] * len(m["values"]), "o", ms=3,
                color=colour, alpha=0.4)
        if not np.isnan(m["low"]):
            ax.plot([m["low"] * scale, m["high"] * scale], [i, i], "-", lw=2, color=colour)
        ax.plot([m["mean"] * scale], [i], "|", ms=12, mew=2, color=colour)
    ax.set_yticks(range(len(rows)), [_variant_label(r) for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)


def draw_study_curves(fig: Any, results: Any = (), metric: str = "test_acc",
                      axes: str = "channel") -> None:
    """Draw the mean learning curve over seeds of each variant.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    results : list of dict
        Run records (see :func:`hadalib.experiments.report.load_results`).
    metric : str
        A key of each epoch's entry in ``history`` (e.g. "test_acc", "train_loss").
    axes : str
        Draw the variants run with this ``axes`` setting (the baseline always).

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> run = {"variant": "baseline", "axes": "channel",
    ...        "history": [{"test_acc": 0.5}, {"test_acc": 0.8}]}
    >>> figure(draw_study_curves, results=[run]).axes[0].get_ylabel()
    'test accuracy'

    Introduced in: book/09_transform_layers.ipynb
    """
    from hadalib.nn import VARIANTS

    ax = fig.subplots()
    styles = {"input": ":", "early": "--", "early-late": "-"}
    for variant in VARIANTS:
        runs = [r for r in results if r["variant"] == variant
                and (variant == "baseline" or r["axes"] == axes)]
        if not runs:
            continue
        curve = np.mean([[h[metric] for h in r["history"]] for r in runs], axis=0)
        placement = variant.split("-", 1)[1] if "-" in variant else None
        ax.plot(np.arange(1, len(curve) + 1), curve, styles.get(placement, "-"),
                color=_variant_colour(variant), lw=2.5 if variant == "baseline" else 1.2,
                label=variant)
    labels = {"test_acc": "test accuracy", "train_acc": "training accuracy",
              "test_loss": "test loss", "train_loss": "training loss"}
    ax.set_xlabel("epoch")
    ax.set_ylabel(labels.get(metric, metric))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)


def draw_energy_plausibility(fig: Any, images_per_s: float = 2470.0, watts: float = 400.0,
                             epochs: int = 25) -> None:
    """Compare the paper's energy claims with the energy of a training run of given speed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    images_per_s : float
        Training throughput of one GPU.
    watts : float
        Mean power of the GPU while training.
    epochs : int
        Passes over CIFAR-100's 50,000 training images.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_energy_plausibility).axes[0].get_xscale()
    'log'

    Introduced in: book/10_resnet50_wht.ipynb
    """
    from hadalib.energy import training_energy

    run = training_energy(50_000 * epochs, images_per_s, watts) / 1e3
    bars = {
        "paper: baseline": 25_606.0,
        "paper: WHT early+late": 39.0,
        f"{images_per_s:,.0f} images/s at {watts:.0f} W": run,
        "one A100 at 300 W for a day": 300 * 86_400 / 1e3,
    }
    ax = fig.subplots()
    colours = ["tab:gray", "tab:blue", "tab:orange", "tab:green"]
    ax.barh(list(bars), list(bars.values()), color=colours)
    for i, value in enumerate(bars.values()):
        ax.text(value * 1.15, i, f"{value:,.0f} kJ", va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(10, 3e5)
    ax.invert_yaxis()
    ax.set_xlabel(f"energy of {epochs} epochs of ResNet-50 on CIFAR-100 at 224x224 (kJ)")
