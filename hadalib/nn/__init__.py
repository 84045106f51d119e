"""Transform layers in convolutional networks (torch).

- :class:`Transform`: a parameter-free WHT, DCT or FFT layer over channels or (H, W);
- :func:`resnet18`, :func:`resnet50`: ResNets with torchvision's state_dict names and
  transform layers at the study's ``PLACEMENTS``;
- ``VARIANTS``: the ten variants of the study (baseline and {wht, dct, fft} x
  {input, early, early-late}).
"""

from __future__ import annotations

from hadalib.nn.layers import Transform
from hadalib.nn.resnet import PLACEMENTS, VARIANTS, ResNet, resnet18, resnet50

__all__ = ["PLACEMENTS", "VARIANTS", "ResNet", "Transform", "resnet18", "resnet50"]
