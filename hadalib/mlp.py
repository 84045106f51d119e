"""A tiny two-layer sigmoid network, written out by hand.

The network of the backpropagation chapter: ``n_in`` inputs, ``n_hidden``
sigmoid hidden units and ``n_out`` sigmoid outputs (3-4-2 by default), with
examples as *row* vectors, as in the text::

    H     = sigmoid(X @ W + b)        # (batch, n_hidden)
    Y_hat = sigmoid(H @ V + c)        # (batch, n_out)
    loss  = mean over the batch of 0.5 * sum((Y_hat - Y)**2)

The backward pass is written with explicit Hadamard products, so that the code
reads like the derivation in the chapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hadalib._checks import as_array, as_int, as_real, as_rng, refuse_tensor
from hadalib.products import hadamard_product

__all__ = ["TinyMLP", "numerical_gradients", "sigmoid"]

_PARAMETERS = ("W", "b", "V", "c")


def _as_real_array(x: object, name: str, where: str, dtype: object = np.float64) -> np.ndarray:
    """x as a real array of ``dtype`` (None: floats keep theirs, integers become float64).

    Real numbers only: a complex part would be dropped silently.
    """
    refuse_tensor(x, name, where, "use torch for tensors")
    arr = as_array(x, name, kinds="biuf")
    if dtype is None:
        dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    return arr.astype(dtype, copy=False)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, element-wise.

    Computed without overflow for large ``|z|``.

    Parameters
    ----------
    z : array_like
        Any real array.

    Returns
    -------
    numpy.ndarray
        ``sigmoid(z)``, of the shape of ``z``, with values in ``[0, 1]``; floating-point
        input keeps its dtype (float32 stays float32), integers give float64.

    Raises
    ------
    TypeError
        If ``z`` does not hold real numbers, or is a torch tensor (use ``torch.sigmoid``).

    Examples
    --------
    >>> sigmoid([0.0, 1000.0, -1000.0])
    array([0.5, 1. , 0. ])

    Introduced in: book/02_backpropagation.ipynb
    """
    z = _as_real_array(z, "z", "sigmoid", dtype=None)
    # exp of a non-positive number only, so nothing overflows.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class TinyMLP:
    """A two-layer sigmoid network with a squared-error cost, gradients by hand.

    The parameters are float64 arrays, and the network computes in float64 whatever the
    dtype of its input, so that the gradient check of the chapter is exact to 1e-9.

    Parameters
    ----------
    sizes : tuple of int
        ``(n_in, n_hidden, n_out)``, three positive integers; default ``(3, 4, 2)``.
    seed : None, int or numpy.random.Generator, default 0
        Where the initial weights come from: an integer >= 0 seeds
        ``np.random.default_rng``, a Generator is drawn from as given, None draws fresh
        weights from the operating system's entropy.

    Attributes
    ----------
    W : numpy.ndarray
        Shape ``(n_in, n_hidden)``. Input-to-hidden weights, drawn from ``N(0, 1 / n_in)``.
    b : numpy.ndarray
        Shape ``(n_hidden,)``. Hidden biases, zero at first.
    V : numpy.ndarray
        Shape ``(n_hidden, n_out)``. Hidden-to-output weights, drawn from ``N(0, 1 / n_hidden)``.
    c : numpy.ndarray
        Shape ``(n_out,)``. Output biases, zero at first.

    Raises
    ------
    ValueError
        If ``sizes`` is not three positive integers, or ``seed`` is negative.
    TypeError
        If an entry of ``sizes`` is not an integer, or ``seed`` is neither None, an integer
        nor a Generator.

    Examples
    --------
    >>> model = TinyMLP(seed=0)
    >>> model.W.shape, model.V.shape
    ((3, 4), (4, 2))
    >>> X = np.array([[0.0, 1.0, 0.5]])
    >>> H, Y_hat = model.forward(X)
    >>> H.shape, Y_hat.shape
    ((1, 4), (1, 2))

    Introduced in: book/02_backpropagation.ipynb
    """

    def __init__(self, sizes: Sequence[int] = (3, 4, 2), seed: Any = 0) -> None:
        if not isinstance(sizes, (tuple, list, np.ndarray)) or len(sizes) != 3:
            raise ValueError(
                f"sizes must be three positive integers (n_in, n_hidden, n_out); got {sizes!r}"
            )
        n_in, n_hidden, n_out = (as_int(s, f"sizes[{i}]") for i, s in enumerate(sizes))
        if min(n_in, n_hidden, n_out) < 1:
            raise ValueError(
                f"sizes must be three positive integers (n_in, n_hidden, n_out); got {sizes!r}"
            )
        self.sizes = (n_in, n_hidden, n_out)
        rng = as_rng(seed)
        self.W = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_hidden))
        self.b = np.zeros(n_hidden)
        self.V = rng.normal(0.0, 1.0 / np.sqrt(n_hidden), size=(n_hidden, n_out))
        self.c = np.zeros(n_out)

    def __repr__(self) -> str:
        return f"TinyMLP(sizes={self.sizes})"

    def _check_X(self, X: np.ndarray) -> np.ndarray:
        X = _as_real_array(X, "X", "TinyMLP")
        n_in = self.sizes[0]
        if X.ndim != 2 or X.shape[1] != n_in:
            raise ValueError(
                f"X must have shape (batch, {n_in}), one example per row; got shape "
                f"{X.shape} (for a single example use X.reshape(1, -1))"
            )
        return X

    def _check_XY(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_X(X)
        if X.shape[0] == 0:
            raise ValueError(
                f"X has shape {X.shape}, no examples; the loss is a mean over the batch and "
                "needs at least one row"
            )
        Y = _as_real_array(Y, "Y", "TinyMLP")
        n_out = self.sizes[2]
        if Y.shape != (X.shape[0], n_out):
            raise ValueError(
                f"Y must have shape (batch, n_out) = {(X.shape[0], n_out)} to match X of shape "
                f"{X.shape}; got shape {Y.shape}"
            )
        return X, Y

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The forward pass: two matrix products, each followed by a sigmoid.

        Parameters
        ----------
        X : array_like
            Shape ``(batch, n_in)``. One example per row.

        Returns
        -------
        H : numpy.ndarray
            Shape ``(batch, n_hidden)``. Hidden activations ``sigmoid(X @ W + b)``.
        Y_hat : numpy.ndarray
            Shape ``(batch, n_out)``. Outputs ``sigmoid(H @ V + c)``.

        Raises
        ------
        ValueError
            If ``X`` is not of shape ``(batch, n_in)``.
        TypeError
            If ``X`` does not hold real numbers, or is a torch tensor.

        Examples
        --------
        >>> model = TinyMLP(seed=0)
        >>> H, Y_hat = model.forward(np.zeros((5, 3)))
        >>> np.allclose(H, 0.5)
        True

        Introduced in: book/02_backpropagation.ipynb
        """
        X = self._check_X(X)
        H = sigmoid(X @ self.W + self.b)
        Y_hat = sigmoid(H @ self.V + self.c)
        return H, Y_hat

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean over the batch of ``0.5 * sum((Y_hat - Y)**2)``.

        Parameters
        ----------
        X : array_like
            Shape ``(batch, n_in)``. Inputs, one example per row.
        Y : array_like
            Shape ``(batch, n_out)``. Targets.

        Returns
        -------
        float
            The cost ``C``.

        Raises
        ------
        ValueError
            If ``X`` or ``Y`` has the wrong shape, or ``X`` has no rows.
        TypeError
            If ``X`` or ``Y`` does not hold real numbers, or is a torch tensor.

        Examples
        --------
        >>> model = TinyMLP(seed=0)
        >>> X = np.zeros((1, 3))
        >>> _, Y_hat = model.forward(X)
        >>> model.loss(X, Y_hat)  # the outputs themselves as targets
        0.0
        >>> round(model.loss(X, Y_hat + 1.0), 6)  # every output off by 1: 0.5 * 2
        1.0

        Introduced in: book/02_backpropagation.ipynb
        """
        X, Y = self._check_XY(X, Y)
        _, Y_hat = self.forward(X)
        return float(0.5 * np.sum((Y_hat - Y) ** 2) / X.shape[0])

    def gradients(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of :meth:`loss` by backpropagation, with Hadamard products.

        With ``m`` rows in the batch and ``∘`` the Hadamard product::

            delta   = (Y_hat - Y) ∘ Y_hat ∘ (1 - Y_hat) / m     # (m, n_out)
            dC/dV   = H.T @ delta,        dC/dc = delta summed over rows
            delta_h = (delta @ V.T) ∘ H ∘ (1 - H)               # (m, n_hidden)
            dC/dW   = X.T @ delta_h,      dC/db = delta_h summed over rows

        The Hadamard products stand for the diagonal Jacobians of the
        element-wise sigmoids.

        Parameters
        ----------
        X : array_like
            Shape ``(batch, n_in)``. Inputs, one example per row.
        Y : array_like
            Shape ``(batch, n_out)``. Targets.

        Returns
        -------
        dict
            ``{"W": dC/dW, "b": dC/db, "V": dC/dV, "c": dC/dc}``, each of the
            shape of its parameter.

        Raises
        ------
        ValueError
            If ``X`` or ``Y`` has the wrong shape, or ``X`` has no rows.
        TypeError
            If ``X`` or ``Y`` does not hold real numbers, or is a torch tensor.

        Examples
        --------
        >>> model = TinyMLP(seed=0)
        >>> X, Y = np.array([[1.0, 0.0, -1.0]]), np.array([[1.0, 0.0]])
        >>> g = model.gradients(X, Y)
        >>> sorted(g), g["W"].shape
        (['V', 'W', 'b', 'c'], (3, 4))
        >>> num = numerical_gradients(model, X, Y)
        >>> all(np.allclose(g[k], num[k], atol=1e-8) for k in g)
        True

        Introduced in: book/02_backpropagation.ipynb
        """
        X, Y = self._check_XY(X, Y)
        H, Y_hat = self.forward(X)
        m = X.shape[0]
        delta = hadamard_product(hadamard_product(Y_hat - Y, Y_hat), 1.0 - Y_hat) / m
        delta_h = hadamard_product(hadamard_product(delta @ self.V.T, H), 1.0 - H)
        return {
            "W": X.T @ delta_h,
            "b": delta_h.sum(axis=0),
            "V": H.T @ delta,
            "c": delta.sum(axis=0),
        }

    def step(self, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
        """One step of gradient descent on the whole batch: ``P <- P - lr * dC/dP``.

        Parameters
        ----------
        X : array_like
            Shape ``(batch, n_in)``. Inputs, one example per row.
        Y : array_like
            Shape ``(batch, n_out)``. Targets.
        lr : float
            The learning rate (the eta of the text); positive.

        Returns
        -------
        float
            The loss *before* the step.

        Raises
        ------
        ValueError
            If ``lr`` is not a positive finite number, or ``X``/``Y`` have the
            wrong shape.
        TypeError
            If ``lr`` is not a real number (a complex one would make the weights complex).

        Examples
        --------
        >>> model = TinyMLP(seed=0)
        >>> X, Y = np.array([[1.0, 0.0, -1.0]]), np.array([[1.0, 0.0]])
        >>> before = model.step(X, Y, lr=1.0)
        >>> model.loss(X, Y) < before
        True

        Introduced in: book/02_backpropagation.ipynb
        """
        lr = _check_lr(lr)
        before = self.loss(X, Y)
        grads = self.gradients(X, Y)
        for name in _PARAMETERS:
            setattr(self, name, getattr(self, name) - lr * grads[name])
        return before

    def train(self, X: np.ndarray, Y: np.ndarray, lr: float, epochs: int) -> np.ndarray:
        """Full-batch gradient descent for ``epochs`` steps.

        Parameters
        ----------
        X : array_like
            Shape ``(batch, n_in)``. Inputs, one example per row.
        Y : array_like
            Shape ``(batch, n_out)``. Targets.
        lr : float
            The learning rate; positive.
        epochs : int
            Number of steps (each step sees the whole batch); zero or more.

        Returns
        -------
        numpy.ndarray
            The loss history, of shape ``(epochs + 1,)``: entry ``k`` is the loss
            after ``k`` steps (entry 0 is the loss of the starting weights).

        Raises
        ------
        ValueError
            If ``lr`` is not positive and finite, ``epochs`` is negative, or ``X``/``Y`` have
            the wrong shape.
        TypeError
            If ``lr`` is not a real number or ``epochs`` is not an integer.

        Examples
        --------
        >>> model = TinyMLP(seed=0)
        >>> X, Y = np.array([[1.0, 0.0, -1.0]]), np.array([[1.0, 0.0]])
        >>> history = model.train(X, Y, lr=2.0, epochs=50)
        >>> history.shape, bool(history[-1] < history[0])
        ((51,), True)

        Introduced in: book/02_backpropagation.ipynb
        """
        epochs = as_int(epochs, "epochs")
        if epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer; got {epochs!r}")
        lr = _check_lr(lr)
        X, Y = self._check_XY(X, Y)
        history = np.empty(epochs + 1)
        for k in range(epochs):
            history[k] = self.step(X, Y, lr)
        history[-1] = self.loss(X, Y)
        return history


def _check_lr(lr: Any) -> float:
    """The learning rate as a float: a real number (a complex one would make the weights
    complex), positive and finite."""
    value = as_real(lr, "lr")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"lr must be a positive finite number; got {lr!r}")
    return value


def numerical_gradients(
    model: TinyMLP, X: np.ndarray, Y: np.ndarray, eps: float = 1e-6
) -> dict[str, np.ndarray]:
    """Gradients of ``model.loss`` by central finite differences.

    Each parameter entry ``p`` is nudged both ways and
    ``(C(p + eps) - C(p - eps)) / (2 eps)`` is taken; the error is ``O(eps**2)``
    plus rounding of order ``1e-16 / eps``. The model is left unchanged.

    Parameters
    ----------
    model : TinyMLP
        The network (its parameters are restored afterwards).
    X : array_like
        Shape ``(batch, n_in)``. Inputs, one example per row.
    Y : array_like
        Shape ``(batch, n_out)``. Targets.
    eps : float, default 1e-6
        The step; positive.

    Returns
    -------
    dict
        ``{"W", "b", "V", "c"}``, as returned by :meth:`TinyMLP.gradients`.

    Raises
    ------
    ValueError
        If ``eps`` is not positive, or ``X``/``Y`` have the wrong shape.
    TypeError
        If ``model`` is not a :class:`TinyMLP` or ``eps`` is not a real number.

    Examples
    --------
    >>> model = TinyMLP(seed=1)
    >>> X, Y = np.ones((2, 3)), np.zeros((2, 2))
    >>> num = numerical_gradients(model, X, Y)
    >>> max(float(np.max(np.abs(num[k] - g))) for k, g in model.gradients(X, Y).items()) < 1e-9
    True

    Introduced in: book/02_backpropagation.ipynb
    """
    if not isinstance(model, TinyMLP):
        raise TypeError(f"model must be a TinyMLP, got {type(model).__name__}")
    if not (np.isfinite(as_real(eps, "eps")) and eps > 0):
        raise ValueError(f"eps must be a positive finite number; got {eps!r}")
    X, Y = model._check_XY(X, Y)
    grads = {}
    for name in _PARAMETERS:
        param = getattr(model, name)
        grad = np.empty_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            plus = model.loss(X, Y)
            param[index] = saved - eps
            minus = model.loss(X, Y)
            param[index] = saved
            grad[index] = (plus - minus) / (2 * eps)
        grads[name] = grad
    return grads
