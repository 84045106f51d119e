"""hadalib: the library behind the Hadamard book.

Submodules are imported on first use, so ``import hadalib`` stays light (no
torch, no matplotlib) and the most used functions are reachable from the top,
e.g. ``hadalib.fwht`` or ``hadalib.hadamard_product``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "products",
    "matrices",
    "conv",
    "mlp",
    "transforms",
    "signal",
    "boolean",
    "quantum",
    "nn",
    "data",
    "energy",
    "experiments",
    "widgets",
    "plotting",
    "examples",
)

# Top-level shortcuts: name -> submodule that defines it.
_SHORTCUTS = {
    "hadamard_product": "products",
    "kronecker_product": "products",
    "sylvester": "matrices",
    "hadamard_matrix": "matrices",
    "fwht": "transforms",
    "ifwht": "transforms",
    "fwht_stages": "transforms",
    "fwht2": "transforms",
    "ifwht2": "transforms",
    "pad_pow2": "transforms",
    "dct": "transforms",
    "idct": "transforms",
}

__all__ = ["__version__", *_SUBMODULES, *_SHORTCUTS]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"hadalib.{name}")
    if name in _SHORTCUTS:
        value = getattr(importlib.import_module(f"hadalib.{_SHORTCUTS[name]}"), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value
    raise AttributeError(f"module 'hadalib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
