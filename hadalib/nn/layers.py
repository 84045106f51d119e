"""Parameter-free transform layers: WHT, DCT and FFT over channels or over (H, W)."""

from __future__ import annotations

import torch
from torch import nn

from hadalib._checks import NORMS, check_choice
from hadalib.nn.variants import KINDS
from hadalib.transforms import dct, fwht, pad_pow2

__all__ = ["Transform"]

AXES = ("channel", "spatial")


class Transform(nn.Module):
    """A fixed, parameter-free transform of a feature map ``(N, C, H, W)``.

    ``kind="wht"`` applies the Walsh-Hadamard transform (:func:`hadalib.transforms.fwht`,
    natural order), ``kind="dct"`` the type-II DCT (:func:`hadalib.transforms.dct`),
    along the channel axis (``axes="channel"``) or along both spatial axes
    (``axes="spatial"``). The WHT needs power-of-two lengths: a shorter axis is padded
    with zeros to the next power of two, transformed, and cropped back to its length, so
    the output has the input's shape (exactly orthogonal only when no padding was
    needed). ``kind="fft"`` returns the magnitude of the 2-D FFT over (H, W), as in the
    study of chapter 10; it acts on the spatial axes only.

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

    Examples
    --------
    >>> import torch
    >>> layer = Transform("wht")
    >>> x = torch.tensor([1.0, 0.0, 1.0, 0.0]).reshape(1, 4, 1, 1)
    >>> layer(x).flatten()
    tensor([1., 1., 0., 0.])
    >>> sum(p.numel() for p in layer.parameters())
    0

    Introduced in: book/09_transform_layers.ipynb
    """

    def __init__(
        self, kind: str = "wht", axes: str | None = None, norm: str | None = "ortho"
    ) -> None:
        super().__init__()
        check_choice("kind", kind, KINDS)
        if axes is None:
            axes = "spatial" if kind == "fft" else "channel"
        check_choice("axes", axes, AXES)
        norm = "backward" if norm is None else check_choice("norm", norm, NORMS)
        if kind == "fft" and axes == "channel":
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
        sizes = [x.shape[d] for d in dims]
        padded = any(n & (n - 1) for n in sizes)
        if padded:  # pad_pow2 copies even where every length is a power of two already
            x = pad_pow2(x, axis=dims)
        for d in dims:
            x = fwht(x, axis=d, norm=self.norm)
        if padded:
            for d, n in zip(dims, sizes, strict=True):
                x = x.narrow(d, 0, n)
        return x


def _same_layout(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``y`` laid out in memory as ``x`` (channels-last stays channels-last).

    The next convolution picks its algorithm, and so its rounding, by the memory layout:
    keeping the input's layout keeps a network with an identity-like layer bit for bit
    equal to the network without it, and keeps channels-last fast on GPUs.
    """
    if y.stride() == x.stride():
        return y
    return torch.empty_like(x, dtype=y.dtype).copy_(y)
