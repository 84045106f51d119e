"""The layers of hadalib, held here as data (``LAYERS``) and checked on the source.

This table is the one statement of the layers; README.md and DESIGN.md point here.

A module imports only from its own layer or below, and never another public module's
private names (``from hadalib.signal import _as_array``); private modules such as
``hadalib._checks`` are shared on purpose. Every ``import`` counts, also one inside a
function. A module that is not in ``LAYERS`` fails until it is added there.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest
from conftest import ROOT

import hadalib

PACKAGE = ROOT / "hadalib"

#: The layers, lowest first, and the modules of each; an entry covers a package and all its
#: submodules ("hadalib.nn" covers "hadalib.nn.layers").
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "private shared",
        (
            "hadalib._checks",
            "hadalib._files",
            "hadalib._lazy",
            "hadalib._optional",
            "hadalib._synthetic",
        ),
    ),
    ("math", ("hadalib.products", "hadalib.matrices", "hadalib.conv", "hadalib.mlp")),
    (
        "transforms",
        (
            "hadalib.transforms",
            "hadalib._fwht_numba",
            "hadalib._fwht_cpu",
            "hadalib._fwht_op",
            "hadalib._fwht_triton",
        ),
    ),
    ("spectral", ("hadalib.boolean", "hadalib.quantum", "hadalib.signal")),
    ("deep learning", ("hadalib.nn", "hadalib.data", "hadalib.energy")),
    ("experiments", ("hadalib.experiments",)),
    ("presentation", ("hadalib.widgets", "hadalib.plotting", "hadalib.examples")),
)
_NAMES = [layer for layer, _ in LAYERS]
#: What each layer may import: its own layer and every layer below; the private shared
#: modules sit under every layer and import no public hadalib module themselves.
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    layer: ("private shared",) if i == 0 else tuple(_NAMES[: i + 1])
    for i, layer in enumerate(_NAMES)
}
#: The lazy façade: it imports nothing when hadalib is imported, so anything may use it.
FACADE = "hadalib"


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name, by its longest matching entry in LAYERS."""
    best = None
    for layer, entries in LAYERS:
        for entry in entries:
            if module == entry or module.startswith(entry + "."):
                if best is None or len(entry) > len(best[1]):
                    best = (layer, entry)
    return best[0] if best else None


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _facade_shortcuts() -> dict[str, str]:
    """The functions the façade lends (``hadalib.fwht``): name -> the module defining it,
    from the public ``hadalib.__all__`` (its submodules and ``__version__`` left out)."""
    return {
        name: getattr(hadalib, name).__module__
        for name in hadalib.__all__
        if not name.startswith("__") and importlib.util.find_spec(f"{FACADE}.{name}") is None
    }


SHORTCUTS = _facade_shortcuts()


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(source: str, module: str, is_package: bool = False) -> list[tuple[str, str | None]]:
    """(imported hadalib module, imported name or None) for every import in the source.

    ``from hadalib import x`` resolves x to the submodule it is, or (a façade shortcut such
    as ``fwht``) to the module that defines it; ``importlib.import_module("hadalib.x")``
    with a constant name counts too.
    """
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node, is_package)
            for alias in node.names:
                if _is_module(f"{base}.{alias.name}"):
                    found.append((f"{base}.{alias.name}", None))
                elif base == FACADE and alias.name in SHORTCUTS:
                    found.append((SHORTCUTS[alias.name], alias.name))
                else:
                    found.append((base, alias.name))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.args[0].value, None))
    return [(m, n) for m, n in found if m == FACADE or m.startswith(FACADE + ".")]


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """What is wrong with the imports of one module, in words (empty: nothing)."""
    layer = layer_of(module)
    if layer is None:
        return [f"{module} is in no layer: add it to the layer table (LAYERS in {__name__})"]
    problems = []
    for target, name in imports(source, module, is_package):
        if target == FACADE:
            continue
        target_layer = layer_of(target)
        if target_layer is None:
            problems.append(f"{module} imports {target}, which is in no layer: add it to LAYERS")
        elif target_layer not in MAY_IMPORT[layer]:
            problems.append(
                f"{module} ({layer}) imports {target} ({target_layer}): an upward import; "
                f"the {layer} layer may import {', '.join(MAY_IMPORT[layer])}"
            )
        public_target = not any(_is_private(part) for part in target.split("."))
        if name and _is_private(name) and public_target and target != module:
            problems.append(
                f"{module} imports the private name {name} of {target}; move what both need "
                "to a private module (e.g. hadalib._checks) or make it public"
            )
    return problems


MODULES = sorted((_module_name(p), p) for p in PACKAGE.rglob("*.py") if _module_name(p) != FACADE)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_respect_the_layers(module, path):
    problems = violations(path.read_text(), module, path.name == "__init__.py")
    assert not problems, "\n".join(problems)


def test_every_entry_of_the_table_exists():
    missing = [e for _, entries in LAYERS for e in entries if not _is_module(e)]
    assert not missing, f"entries of LAYERS with no module (remove them): {missing}"


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import numpy\nfrom hadalib._checks import as_int\n", "hadalib.signal", []),
        ("from hadalib.matrices import sylvester\n", "hadalib.transforms", []),
        ("from hadalib._checks import _type_name\n", "hadalib.transforms", []),
        ("from hadalib import __version__, _checks\n", "hadalib.experiments.x", []),
        (
            "def f():\n    from hadalib.plotting import draw\n",
            "hadalib.signal",
            ["hadalib.signal (spectral) imports hadalib.plotting (presentation): an upward"],
        ),
        (
            "from hadalib import fwht\n",
            "hadalib.products",
            ["hadalib.products (math) imports hadalib.transforms (transforms): an upward"],
        ),
        (
            "from hadalib.transforms import _NORMS\n",
            "hadalib.nn.layers",
            ["hadalib.nn.layers imports the private name _NORMS of hadalib.transforms"],
        ),
        (
            "from .report import _check_folder\n",
            "hadalib.experiments.study",
            ["hadalib.experiments.study imports the private name _check_folder of hadalib."],
        ),
        (
            "import hadalib.quantum\n",
            "hadalib._files",
            ["hadalib._files (private shared) imports hadalib.quantum (spectral): an upward"],
        ),
        (
            "x = importlib.import_module('hadalib.widgets')\n",
            "hadalib.data",
            ["hadalib.data (deep learning) imports hadalib.widgets (presentation): an upward"],
        ),
        ("", "hadalib.newthing", ["hadalib.newthing is in no layer: add it to the layer table"]),
    ],
)
def test_the_check_finds_what_it_should(source, module, expected):
    problems = violations(source, module)
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problem
