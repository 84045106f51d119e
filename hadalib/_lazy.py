"""Names a package imports on first use (PEP 562), for the façades of ``hadalib``,
``hadalib.nn`` and ``hadalib.plotting`` (private).

Importing such a package imports none of its submodules, so ``import hadalib`` needs
neither torch nor matplotlib; a name is imported from its submodule when first read, and
then kept in the package, so later reads skip the lookup. The names a submodule lends
its package are those of its own ``__all__``, read from its source (as ``lazy_loader``
reads a stub), so that a façade never lists them a second time.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["exported_names", "lazy_attributes"]


def exported_names(package: str, module: str) -> tuple[str, ...]:
    """The ``__all__`` of ``package.module``, read from its source without importing it.

    The module must assign ``__all__`` a literal list or tuple of strings at its top
    level; a RuntimeError says so where it does not.
    """
    folder = Path(sys.modules[package].__file__).parent
    path = folder / f"{module}.py"
    if not path.is_file():
        path = folder / module / "__init__.py"
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(getattr(t, "id", None) == "__all__" for t in targets) and node.value is not None:
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError(f"{path} assigns no literal __all__, which {package} reads")


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
