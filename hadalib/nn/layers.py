"""Transform layers over channels or over (H, W): the parameter-free WHT, DCT and FFT
(:class:`Transform`) and the learned Walsh-domain filter (:class:`WalshFilter`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hadalib._optional import requires

with requires("torch"):
    import torch
    from torch import nn

from hadalib._checks import as_int, as_real, check_choice, check_norm, is_pow2, next_pow2
from hadalib.nn.variants import AXES, KINDS, SPATIAL_KINDS
from hadalib.transforms import dct, fwht, pad_pow2

__all__ = ["Transform", "WalshFilter", "fit_walsh_filter"]


class Transform(nn.Module):
    """A fixed, parameter-free transform of a feature map ``(N, C, H, W)``.

    ``kind="wht"`` applies the Walsh-Hadamard transform (:func:`hadalib.transforms.fwht`,
    natural order), ``kind="dct"`` the type-II DCT (:func:`hadalib.transforms.dct`),
    along the channel axis (``axes="channel"``) or along both spatial axes
    (``axes="spatial"``). The WHT needs power-of-two lengths: a shorter axis is padded
    with zeros to the next power of two, transformed, and cropped back to its length, so
    the output has the input's shape (exactly orthogonal only when no padding was
    needed). ``kind="fft"`` returns the magnitude of the 2-D FFT over (H, W), as in the
    study of chapter 12; it acts on the spatial axes only.

    Parameters
    ----------
    kind : {"wht", "dct", "fft"}
        Which transform.
    axes : {"channel", "spatial"} or None
        Where it acts; None means "channel" for WHT and DCT, "spatial" for FFT.
    norm : {"ortho", "backward", "forward"} or None
        Scaling with NumPy's meaning (None: "backward", as everywhere in hadalib); "ortho"
        keeps the energy (sum of squares) of each transformed vector, which for the FFT
        magnitude is Parseval's identity.

    Raises
    ------
    ValueError
        If ``kind``, ``axes`` or ``norm`` is not one of the accepted values, if
        ``kind="fft"`` is asked for ``axes="channel"``, or (when called) if the input is
        not a 4-D tensor.
    TypeError
        (When called) if the input is not floating point: the output has its dtype.

    Examples
    --------
    >>> import torch
    >>> layer = Transform("wht")
    >>> x = torch.tensor([1.0, 0.0, 1.0, 0.0]).reshape(1, 4, 1, 1)
    >>> layer(x).flatten()
    tensor([1., 1., 0., 0.])
    >>> sum(p.numel() for p in layer.parameters())
    0

    Introduced in: book/11_transform_layers.ipynb
    """

    def __init__(
        self, kind: str = "wht", axes: str | None = None, norm: str | None = "ortho"
    ) -> None:
        super().__init__()
        check_choice("kind", kind, KINDS)
        if axes is None:
            axes = "spatial" if kind in SPATIAL_KINDS else "channel"
        check_choice("axes", axes, AXES)
        norm = check_norm(norm)
        if kind in SPATIAL_KINDS and axes == "channel":
            raise ValueError(
                "kind='fft' acts on the spatial axes (H, W) only, got axes='channel'; "
                "use axes='spatial' (or None)"
            )
        self.kind = kind
        self.axes = axes
        self.norm = norm

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, axes={self.axes!r}, norm={self.norm!r}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Transform the feature map ``x`` of shape (N, C, H, W); same shape and dtype out."""
        _check_floating(x, "Transform")
        if x.dim() != 4:
            raise ValueError(
                f"x must be a 4-D feature map (N, C, H, W), got shape {tuple(x.shape)}"
            )
        return _same_layout(self._transform(x), x)

    def _transform(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        if self.kind != "wht" and dtype in (torch.float16, torch.bfloat16):
            # cuFFT has no bfloat16 transforms: compute in float32, hand back the input's dtype
            x = x.float()
        if self.kind == "fft":
            return torch.fft.fft2(x, norm=self.norm).abs().to(dtype)
        dims = (1,) if self.axes == "channel" else (2, 3)
        if self.kind == "dct":
            for d in dims:
                x = dct(x, axis=d, norm=self.norm)
            return x.to(dtype)
        return _padded(x, dims, lambda z: _fwht_dims(z, dims, self.norm))


def _fwht_dims(x: torch.Tensor, dims: tuple[int, ...], norm: str) -> torch.Tensor:
    for d in dims:
        x = fwht(x, axis=d, norm=norm)
    return x


def _padded(
    x: torch.Tensor, dims: tuple[int, ...], inside: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """``inside`` applied to x zero-padded to powers of two along dims, cropped back."""
    sizes = [x.shape[d] for d in dims]
    if all(is_pow2(n) for n in sizes):  # pad_pow2 copies even where nothing is padded
        return inside(x)
    z = inside(pad_pow2(x, axis=dims))
    for d, n in zip(dims, sizes, strict=True):
        z = z.narrow(d, 0, n)
    return z


class WalshFilter(nn.Module):
    """A learned filter in the Walsh domain: ``y = ifwht(w * fwht(x))``.

    The layer transforms the feature map ``(N, C, H, W)`` with the Walsh-Hadamard
    transform (natural order) along the channel axis (``axes="channel"``) or along both
    spatial axes (``axes="spatial"``), multiplies each coefficient by its own learnable
    weight ``w`` (the parameter ``weight``, initialized to ones, so the layer starts as
    the identity) and transforms back. By the convolution theorem of the WHT this is a
    dyadic (XOR) convolution with the learned kernel ``k = ifwht(w)``,
    ``y[i] = sum_j k[j] x[i XOR j]``, computed in O(n log n) operations with n weights
    instead of the n**2 of a dense map. A length that is not a power of two is padded
    with zeros to the next one, filtered and cropped back (the weight has the padded
    length); at initialization the layer is still the identity.

    With ``threshold`` the coefficients are also soft-thresholded before the weights, as
    in the WHT layers of Pan, Badawi and Cetin (CVPR Workshops 2021):
    ``y = ifwht(w * S_T(fwht(x)))`` with ``S_T(z) = sign(z) max(|z| - T, 0)`` and a
    learnable threshold ``T`` per coefficient (the parameter ``threshold``).

    Parameters
    ----------
    size : int or tuple of int
        ``axes="channel"``: the number of channels C. ``axes="spatial"``: ``(H, W)``, or
        one int for square maps.
    axes : {"channel", "spatial"}
        Where the filter acts.
    threshold : float or None
        None (default): no thresholding. A number >= 0: the initial value of every
        threshold (0 starts as the identity).

    Raises
    ------
    ValueError
        If ``axes`` is not an accepted value, ``size`` is not a positive int (or a pair
        of them for ``axes="spatial"``), ``threshold`` is negative or not finite, or
        (when called) the input is not a 4-D tensor of the layer's size.
    TypeError
        If ``size`` or ``threshold`` is not a number, or (when called) the input is not
        floating point (the output has its dtype, and a filtered map is not an integer).

    Examples
    --------
    >>> import torch
    >>> layer = WalshFilter(4)
    >>> x = torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1, 1)
    >>> bool(torch.allclose(layer(x), x))
    True
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.tensor([1.0, 1.0, 0.0, 0.0]))
    >>> layer(x).detach().flatten()  # k = ifwht(w) = [0.5, 0, 0.5, 0]: (x[i] + x[i ^ 2]) / 2
    tensor([2., 3., 2., 3.])
    >>> sum(p.numel() for p in layer.parameters())
    4

    Introduced in: book/11_transform_layers.ipynb
    """

    def __init__(
        self, size: int | tuple[int, int], axes: str = "channel", threshold: float | None = None
    ) -> None:
        super().__init__()
        check_choice("axes", axes, AXES)
        self.axes = axes
        self.size = _filter_size(size, axes)
        shape = tuple(next_pow2(n) for n in self.size)
        self.weight = nn.Parameter(torch.ones(shape))
        if threshold is None:
            self.register_parameter("threshold", None)
        else:
            t = as_real(threshold, "threshold")
            if not 0.0 <= t < float("inf"):
                raise ValueError(
                    f"threshold must be a finite number >= 0 or None, got {threshold!r}"
                )
            self.threshold = nn.Parameter(t * torch.ones(shape))

    def extra_repr(self) -> str:
        size = self.size[0] if self.axes == "channel" else self.size
        soft = "" if self.threshold is None else ", soft threshold"
        return f"size={size}, axes={self.axes!r}{soft}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Filter the feature map ``x`` of shape (N, C, H, W); same shape and dtype out."""
        _check_floating(x, "WalshFilter")
        dims = (1,) if self.axes == "channel" else (2, 3)
        if x.dim() != 4 or tuple(x.shape[d] for d in dims) != self.size:
            what = "C" if self.axes == "channel" else "(H, W)"
            size = self.size[0] if self.axes == "channel" else self.size
            raise ValueError(
                f"x must be a 4-D feature map (N, C, H, W) with {what} = {size} (the "
                f"layer's size), got shape {tuple(x.shape)}"
            )
        return _same_layout(_padded(x, dims, lambda z: self._filter(z, dims)), x)

    def _filter(self, z: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
        """ifwht(w * S_T(fwht(z))) on the padded map (orthonormal, so its own inverse)."""
        z = _fwht_dims(z, dims, "ortho")
        shape = (-1, 1, 1) if self.axes == "channel" else self.weight.shape
        if self.threshold is not None:
            t = self.threshold.to(z.dtype).reshape(shape)
            z = z.sign() * (z.abs() - t).clamp_min(0)
        return _fwht_dims(z * self.weight.to(z.dtype).reshape(shape), dims, "ortho")


def fit_walsh_filter(
    x: Any, target: Any, steps: int = 30, lr: float = 0.1
) -> tuple[WalshFilter, np.ndarray]:
    """Fit a :class:`WalshFilter` to map signals ``x`` to ``target`` by gradient descent.

    The filter acts on the last axis (its length n is the filter's size, padded to a
    power of two if needed); it starts as the identity (all weights 1) and takes
    ``steps`` steps of plain gradient descent, ``w <- w - lr * grad``, on the squared
    error per signal averaged over the signals, ``mean_b sum_i (y[b, i] - target[b, i])**2``.
    In the Walsh domain the error splits into one quadratic per coefficient, so each
    weight moves on its own towards ``sum_b Y[b, k] X[b, k] / sum_b X[b, k]**2``, where X
    and Y are the orthonormal WHTs of ``x`` and ``target``.

    Parameters
    ----------
    x, target : array_like or torch.Tensor
        Signals of shape ``(n,)`` or ``(batch, n)``, the same shape; computed in float64.
    steps : int
        Number of gradient steps (0 returns the identity filter).
    lr : float
        Step size (> 0).

    Returns
    -------
    layer : WalshFilter
        The fitted filter (float64), with ``layer.weight`` the learned weights.
    losses : numpy.ndarray
        The loss before each step and after the last, shape ``(steps + 1,)``.

    Raises
    ------
    ValueError
        If the shapes differ or are not 1-D or 2-D, if ``steps < 0`` or ``lr <= 0``.
    TypeError
        If ``steps`` is not an integer or ``lr`` not a real number.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(8, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> target = x.flip(-1)  # y[i] = x[i XOR 3] for n = 4: a dyadic shift
    >>> layer, losses = fit_walsh_filter(x, target, steps=200, lr=0.1)
    >>> bool(losses[-1] < 1e-12 * losses[0])
    True
    >>> layer.weight.detach().round(decimals=6)  # fwht of the kernel e_3: row 3 of H_4
    tensor([ 1., -1., -1.,  1.], dtype=torch.float64)

    Introduced in: book/11_transform_layers.ipynb
    """
    x, target = (torch.as_tensor(v, dtype=torch.float64).detach() for v in (x, target))
    if x.shape != target.shape or x.dim() not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(
            f"x and target must have the same shape (n,) or (batch, n), got "
            f"{tuple(x.shape)} and {tuple(target.shape)}"
        )
    steps = as_int(steps, "steps")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    lr = as_real(lr, "lr")
    if not 0.0 < lr < float("inf"):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    n = x.shape[-1]
    layer = WalshFilter(n).double()
    x, target = x.reshape(-1, n, 1, 1), target.reshape(-1, n, 1, 1)
    losses = np.empty(steps + 1)
    for step in range(steps + 1):
        loss = ((layer(x) - target) ** 2).sum(dim=1).mean()
        losses[step] = loss.item()
        if step == steps:
            break
        layer.zero_grad()
        loss.backward()
        with torch.no_grad():
            layer.weight -= lr * layer.weight.grad
    return layer, losses


def _filter_size(size: object, axes: str) -> tuple[int, ...]:
    """``size`` as (C,) for the channel axis or (H, W) for the spatial axes."""
    many = isinstance(size, (tuple, list))
    if axes == "channel" and many:
        raise ValueError(
            f"size must be the number of channels (an int) for axes='channel', got {size!r}"
        )
    if many and len(size) != 2:
        raise ValueError(f"size must be an int or a pair (H, W) for axes='spatial', got {size!r}")
    sizes = tuple(as_int(n, "size") for n in size) if many else (as_int(size, "size"),)
    if any(n < 1 for n in sizes):
        raise ValueError(f"size must be positive, got {size!r}")
    return sizes * 2 if axes == "spatial" and not many else sizes


def _check_floating(x: torch.Tensor, layer: str) -> None:
    """Refuse a feature map that is not floating point: the output keeps x's dtype, and a
    transform (or a learned filter) of integers is not an integer."""
    if not x.dtype.is_floating_point:
        raise TypeError(
            f"x has dtype {x.dtype}; {layer} takes floating-point feature maps, and its "
            "output has their dtype (pass x.float())"
        )


def _same_layout(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``y`` laid out in memory as ``x`` (channels-last stays channels-last).

    The next convolution picks its algorithm, and so its rounding, by the memory layout:
    keeping the input's layout keeps a network with an identity-like layer bit for bit
    equal to the network without it, and keeps channels-last fast on GPUs.
    """
    if y.stride() == x.stride():
        return y
    return torch.empty_like(x, dtype=y.dtype).copy_(y)
