"""The vocabulary of the WHT study as plain data (no torch): placements, kinds, axes,
networks, stems, pretrained weights and the variants.

Each list is defined here once; the layers, the networks, the runner's configuration,
the study's run sets, the report's tables and the figures ask it. ``VARIANTS`` are the
paper's ten (the GPU study and chapter 12 run exactly these); ``FILTER_VARIANTS`` put a
learned Walsh filter (:class:`hadalib.nn.WalshFilter`) at the same placements, for
chapter 11's study; ``BOTTLENECK_VARIANTS`` replace the 1x1 convolutions of the
bottleneck blocks by Walsh filters instead (for the bottleneck study, beside the
baseline); ``ALL_VARIANTS`` is all of them. A variant is a :class:`Variant` record (its
kind, placements and 1x1 layers are fields, never parsed back out of its name) that is
also the mapping ``{placement: kind}`` which :func:`hadalib.nn.resnet50` takes as
``transforms``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hadalib import signal

__all__ = [
    "ALL_VARIANTS",
    "AXES",
    "BLOCKS",
    "BOTTLENECK_VARIANTS",
    "FILTER_KINDS",
    "FILTER_VARIANTS",
    "KINDS",
    "MODELS",
    "PLACEMENTS",
    "PLACEMENT_GROUPS",
    "POINTWISE",
    "SPATIAL_KINDS",
    "STEMS",
    "VARIANTS",
    "Weights",
]

#: The three placements of the study, named as in the paper (Keras layer names).
PLACEMENTS = ("input", "conv2_block1", "conv4_block6")
#: The groups of placements a variant puts its layers at, by the name of the group.
PLACEMENT_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "input": ("input",),
        "early": ("conv2_block1",),
        "early-late": ("conv2_block1", "conv4_block6"),
    }
)

#: The parameter-free transform kinds a placement can take: the 2-D transforms of
#: hadalib.signal (imported from there: one list).
KINDS = signal.KINDS
#: The learned kinds a placement can take: "walsh" is a :class:`hadalib.nn.WalshFilter`.
FILTER_KINDS = ("walsh",)
#: The kinds that act on (H, W) whatever the axes asked (the magnitude of the 2-D FFT).
SPATIAL_KINDS = ("fft",)
#: The axes a WHT, DCT or Walsh-filter layer acts on: the channels, or height and width.
AXES = ("channel", "spatial")

#: The networks of :mod:`hadalib.nn.resnet`, by the name of their builder.
MODELS = ("resnet18", "resnet50")
#: The residual block of each network: ResNet-18's basic blocks (two 3x3 convolutions) or
#: ResNet-50's bottleneck blocks (1x1 reduce, 3x3, 1x1 expand).
BLOCKS: Mapping[str, str] = MappingProxyType({"resnet18": "basic", "resnet50": "bottleneck"})
#: What the 1x1 convolutions of a bottleneck block (reduce and expand) are: ordinary
#: convolutions, or Walsh filters over the channels (n weights in place of n_in * n_out).
POINTWISE = ("conv", "walsh")
#: The stems of those networks: ImageNet's (7x7 stride 2, max pooling) or a 3x3 one.
STEMS = ("imagenet", "cifar")


@dataclass(frozen=True, eq=False)
class Variant(Mapping[str, str]):
    """A variant of the study: a kind of layer at a group of placements (the baseline:
    none), and as a mapping ``{placement: kind}``, what ``resnet50(transforms=...)`` takes;
    ``pointwise`` says what the 1x1 convolutions of bottleneck blocks are (``"conv"``: as
    in ResNet-50; ``"walsh"``: Walsh filters, what ``resnet50(pointwise=...)`` takes).

    Examples
    --------
    >>> wht = VARIANTS["wht-early-late"]
    >>> wht.kind, wht.placements, wht.has_axes
    ('wht', ('conv2_block1', 'conv4_block6'), True)
    >>> dict(wht)
    {'conv2_block1': 'wht', 'conv4_block6': 'wht'}
    >>> VARIANTS["fft-input"].has_axes, VARIANTS["baseline"].kind
    (False, None)
    >>> walsh = BOTTLENECK_VARIANTS["walsh-bottleneck"]
    >>> walsh.pointwise, dict(walsh), walsh.has_axes
    ('walsh', {}, False)

    Introduced in: book/11_transform_layers.ipynb
    """

    name: str
    kind: str | None
    group: str | None  # a key of PLACEMENT_GROUPS; None for the baseline
    placements: tuple[str, ...]
    pointwise: str = "conv"  # one of POINTWISE

    @property
    def has_axes(self) -> bool:
        """Whether its layers act on axes of one's choice (``axes=``): the WHT, DCT and
        Walsh-filter variants at placements; the FFT acts on (H, W) only, the baseline
        has no layer, and the Walsh filters of bottleneck blocks act on the channels."""
        return bool(self.placements) and self.kind not in SPATIAL_KINDS

    def __getitem__(self, placement: str) -> str:
        if placement not in self.placements:
            raise KeyError(placement)
        return self.kind  # type: ignore[return-value]  # a placement implies a kind

    def __iter__(self) -> Iterator[str]:
        return iter(self.placements)

    def __len__(self) -> int:
        return len(self.placements)


def _variants(kinds: tuple[str, ...]) -> dict[str, Variant]:
    """Each kind at each group of placements: ``{"wht-early": Variant(...), ...}``."""
    return {
        f"{kind}-{group}": Variant(f"{kind}-{group}", kind, group, placements)
        for kind in kinds
        for group, placements in PLACEMENT_GROUPS.items()
    }


#: The ten variants of the study: name -> :class:`Variant` (a mapping placement -> kind).
VARIANTS: Mapping[str, Variant] = MappingProxyType(
    {"baseline": Variant("baseline", None, None, ())} | _variants(KINDS)
)

#: The learned-filter variants of chapter 11's study: name -> :class:`Variant`.
FILTER_VARIANTS: Mapping[str, Variant] = MappingProxyType(_variants(FILTER_KINDS))

#: The bottleneck study's variant (its other is the baseline): every 1x1 convolution of
#: the bottleneck blocks, reduce and expand, a Walsh filter over the channels.
BOTTLENECK_VARIANTS: Mapping[str, Variant] = MappingProxyType(
    {"walsh-bottleneck": Variant("walsh-bottleneck", "walsh", None, (), pointwise="walsh")}
)

#: Every variant a run can take: the ten of the paper, the learned filters, the bottleneck.
ALL_VARIANTS: Mapping[str, Variant] = MappingProxyType(
    dict(VARIANTS) | dict(FILTER_VARIANTS) | dict(BOTTLENECK_VARIANTS)
)


class Weights(Enum):
    """Pretrained weights :func:`resnet18` and :func:`resnet50` can start from, by name,
    in torchvision's manner: :meth:`verify` turns what a caller passed into the one it
    means, or fails at the call with the accepted values.

    ``Weights.TORCHVISION`` (or the string ``"torchvision"``) is torchvision's
    ``IMAGENET1K_V1`` for the network; a path or a state_dict is accepted beside it.

    Examples
    --------
    >>> Weights.verify("torchvision")
    <Weights.TORCHVISION: 'torchvision'>
    >>> Weights.verify("none") is None
    True

    Introduced in: book/12_resnet50_wht.ipynb
    """

    TORCHVISION = "torchvision"

    @classmethod
    def verify(cls, weights: Any) -> Weights | Path | Mapping[str, Any] | None:
        """``weights`` as a member, the Path of an existing file, a state_dict or None.

        Accepted: None or ``"none"`` (no weights, as on the command line), a member or its
        value, the path (str or os.PathLike) of a file, or a mapping (a state_dict).

        Raises
        ------
        ValueError
            For a string or path that is neither a member's value nor a file.
        TypeError
            For any other type.
        """
        if weights is None or (isinstance(weights, str) and weights == "none"):
            return None
        if isinstance(weights, (cls, Mapping)):
            return weights
        if isinstance(weights, str) and weights in cls._value2member_map_:
            return cls(weights)
        if isinstance(weights, (str, os.PathLike)):
            if not os.path.isfile(weights):
                raise ValueError(
                    f"weights={os.fspath(weights)!r} is not a file; pass None, "
                    f"{', '.join(repr(w.value) for w in cls)}, the path of a saved state_dict "
                    "(torch.save(model.state_dict(), path)) or a state_dict"
                )
            return Path(weights)
        raise TypeError(
            f"weights must be None, {', '.join(repr(w.value) for w in cls)}, a path or a "
            f"state_dict, got {type(weights).__name__}"
        )
