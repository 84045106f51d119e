"""Names a package imports on first use (PEP 562), for the façades of ``hadalib``,
``hadalib.nn`` and ``hadalib.plotting`` (private).

Importing such a package imports none of its submodules, so ``import hadalib`` needs
neither torch nor matplotlib; a name is imported from its submodule when first read, and
then kept in the package, so later reads skip the lookup.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, where: Mapping[str, str | None], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``.

    ``where`` maps each lazy name to the submodule of ``package`` that defines it, or to
    None where the name is a submodule itself; ``public`` is what ``dir()`` lists (the
    package's ``__all__``).
    """

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{where[name] or name}")
        value = module if where[name] is None else getattr(module, name)
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(public)

    return __getattr__, __dir__
