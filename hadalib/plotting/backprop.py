"""The figure of the backpropagation chapter: training the small sigmoid network."""

from __future__ import annotations

from typing import Any

import numpy as np

from hadalib.mlp import TinyMLP

__all__ = ["draw_training"]


def draw_training(
    fig: Any,
    lr: float = 1.0,
    epochs: int = 300,
    *,
    X: np.ndarray,
    Y: np.ndarray,
    seed: Any = 0,
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
    seed : None, int or numpy.random.Generator
        Where the initial weights come from, as in :class:`~hadalib.mlp.TinyMLP`.
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
    model = TinyMLP((X.shape[1], 4, Y.shape[1]), seed=seed)
    history = model.train(X, Y, lr, epochs)
    ax_loss, ax_regions = fig.subplots(1, 2)
    ax_loss.semilogy(np.arange(epochs + 1), history, color="C0")
    ax_loss.set_ylim(3e-3, 0.6)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss C")
    ax_loss.set_title(f"lr = {lr:g}: loss {history[-1]:.4f} after {epochs} epochs", fontsize=9)
    ax_loss.grid(True, which="both", alpha=0.3)
    names = class_names or tuple(f"class {k}" for k in range(Y.shape[1]))
    _draw_regions(ax_regions, model, X, Y.argmax(axis=1), names)


def _draw_regions(
    ax: Any, model: TinyMLP, X: np.ndarray, labels: np.ndarray, names: tuple[str, ...]
) -> None:
    """The plane of the first two features coloured by the predicted class, and the data."""
    _, Y_hat = model.forward(X)
    accuracy = float(np.mean(Y_hat.argmax(axis=1) == labels))
    pad = 0.5
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 121)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 121)
    g0, g1 = np.meshgrid(x0, x1)
    grid = np.zeros((g0.size, X.shape[1]))
    grid[:, 0], grid[:, 1] = g0.ravel(), g1.ravel()
    _, grid_hat = model.forward(grid)
    predicted = grid_hat.argmax(axis=1).reshape(g0.shape)
    ax.contourf(g0, g1, predicted, levels=[-0.5, 0.5, 1.5], colors=["C0", "C1"], alpha=0.25)
    for k, name in enumerate(names):
        mine = labels == k
        ax.scatter(X[mine, 0], X[mine, 1], s=8, color=f"C{k}", label=name)
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    ax.set_title(f"decision regions, training accuracy {accuracy:.1%}", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")
