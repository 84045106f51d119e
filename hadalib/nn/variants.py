"""The placements and the ten variants of the WHT study, as plain data (no torch).

The runner's configuration, the study's run sets and the report's tables read these
names without importing torch; :mod:`hadalib.nn.resnet` builds the networks from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["KINDS", "PLACEMENTS", "VARIANTS"]

#: The three placements of the study, named as in the paper (Keras layer names).
PLACEMENTS = ("input", "conv2_block1", "conv4_block6")

#: The transform kinds a placement can take.
KINDS = ("wht", "dct", "fft")
_PLACEMENT_GROUPS = {
    "input": ("input",),
    "early": ("conv2_block1",),
    "early-late": ("conv2_block1", "conv4_block6"),
}

#: The ten variants of the study: name -> {placement: kind}.
VARIANTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"baseline": MappingProxyType({})}
    | {
        f"{kind}-{group}": MappingProxyType({p: kind for p in placements})
        for kind in KINDS
        for group, placements in _PLACEMENT_GROUPS.items()
    }
)
