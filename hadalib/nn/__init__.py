"""Transform layers in convolutional networks (torch).

- :class:`Transform`: a parameter-free WHT, DCT or FFT layer over channels or (H, W);
- :class:`WalshFilter`: a learned filter in the Walsh domain (a dyadic convolution), and
  :func:`fit_walsh_filter`, which fits one to pairs of signals by gradient descent;
- :func:`resnet18`, :func:`resnet50`: ResNets with torchvision's state_dict names and
  transform layers at the study's ``PLACEMENTS``;
- ``VARIANTS``: the ten variants of the study (baseline and {wht, dct, fft} x
  {input, early, early-late}); ``FILTER_VARIANTS``: a WalshFilter at the same placements;
- :class:`Weights`: the pretrained weights a ResNet can start from, by name.

The names of ``layers`` and ``resnet`` (their ``__all__``) are imported on first use.
"""

from __future__ import annotations

from hadalib._lazy import exported_names, lazy_attributes
from hadalib.nn.variants import FILTER_VARIANTS, PLACEMENTS, VARIANTS, Weights

# The layers and networks need torch; the names of the study do not, so that the
# report and the study's plan work where torch is not installed.
_LAZY = {
    name: module for module in ("layers", "resnet") for name in exported_names(__name__, module)
}

__all__ = ["FILTER_VARIANTS", "PLACEMENTS", "VARIANTS", "Weights", *_LAZY]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
