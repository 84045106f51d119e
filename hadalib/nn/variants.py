"""The placements and the variants of the WHT study, as plain data (no torch).

``VARIANTS`` are the paper's ten (the GPU study and chapter 10 run exactly these);
``FILTER_VARIANTS`` put a learned Walsh filter (:class:`hadalib.nn.WalshFilter`) at the
same placements, for chapter 9's study; ``ALL_VARIANTS`` is both. The runner's
configuration, the study's run sets and the report's tables read these names without
importing torch; :mod:`hadalib.nn.resnet` builds the networks from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ALL_VARIANTS", "FILTER_KINDS", "FILTER_VARIANTS", "KINDS", "PLACEMENTS", "VARIANTS"]

#: The three placements of the study, named as in the paper (Keras layer names).
PLACEMENTS = ("input", "conv2_block1", "conv4_block6")

#: The parameter-free transform kinds a placement can take.
KINDS = ("wht", "dct", "fft")
#: The learned kinds a placement can take: "walsh" is a :class:`hadalib.nn.WalshFilter`.
FILTER_KINDS = ("walsh",)
_PLACEMENT_GROUPS = {
    "input": ("input",),
    "early": ("conv2_block1",),
    "early-late": ("conv2_block1", "conv4_block6"),
}


def _at_placements(kinds: tuple[str, ...]) -> dict[str, Mapping[str, str]]:
    """Each kind at each group of placements: ``{"wht-early": {"conv2_block1": "wht"}, ...}``."""
    return {
        f"{kind}-{group}": MappingProxyType({p: kind for p in placements})
        for kind in kinds
        for group, placements in _PLACEMENT_GROUPS.items()
    }


#: The ten variants of the study: name -> {placement: kind}.
VARIANTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"baseline": MappingProxyType({})} | _at_placements(KINDS)
)

#: The learned-filter variants of chapter 9's study: name -> {placement: kind}.
FILTER_VARIANTS: Mapping[str, Mapping[str, str]] = MappingProxyType(_at_placements(FILTER_KINDS))

#: Every variant a run can take: the ten of the paper, then the learned filters.
ALL_VARIANTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    dict(VARIANTS) | dict(FILTER_VARIANTS)
)
