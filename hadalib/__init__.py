"""hadalib: the library behind the Hadamard book.

Submodules are imported on first use, so ``import hadalib`` stays light (no
torch, no matplotlib) and the most used functions are reachable from the top,
e.g. ``hadalib.fwht`` or ``hadalib.hadamard_product``.
"""

from __future__ import annotations

from hadalib._lazy import lazy_attributes

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


__getattr__, __dir__ = lazy_attributes(
    __name__, {**dict.fromkeys(_SUBMODULES), **_SHORTCUTS}, __all__
)
