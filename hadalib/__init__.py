"""hadalib: the library behind the Hadamard book.

Submodules are imported on first use, so ``import hadalib`` stays light (no
torch, no matplotlib) and the most used functions are reachable from the top,
e.g. ``hadalib.fwht`` or ``hadalib.hadamard_product``.
"""

from __future__ import annotations

from hadalib._lazy import exported_names, lazy_attributes

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

# Top-level shortcuts, by the submodule that defines them: the most used names of
# ``products`` and ``matrices``, and every name of ``transforms`` (its ``__all__``).
_SHORTCUTS = {
    "products": ("hadamard_product", "kronecker_product"),
    "matrices": ("sylvester", "hadamard_matrix"),
    "transforms": None,
}
#: Each lazy name -> the submodule that defines it (None: the name is a submodule).
_WHERE = dict.fromkeys(_SUBMODULES) | {
    name: module
    for module, names in _SHORTCUTS.items()
    for name in names or exported_names(__name__, module)
}

__all__ = ["__version__", *_WHERE]


__getattr__, __dir__ = lazy_attributes(__name__, _WHERE, __all__)
