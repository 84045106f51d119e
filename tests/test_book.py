"""The library and the book agree: every public name is documented, linked to
the chapter that introduces it, and used by a chapter; chapters use only public
names; notebooks are stored executed top to bottom, without stray errors.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest
from apparatus import toc_docnames  # the book's extension folder, on the path from conftest
from conftest import NOTEBOOKS, ROOT

import hadalib

BOOK = ROOT / "book"
TOC = toc_docnames()  # the documents of _toc.yml, in order
API = (BOOK / "api.md").read_text()


def _modules():
    for info in pkgutil.walk_packages(hadalib.__path__, "hadalib."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        yield importlib.import_module(info.name)


def _public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module.__name__
        ]
    return [(n, getattr(module, n)) for n in names]


def _code(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


CHAPTER_CODE = {p.stem: _code(p) for p in NOTEBOOKS}
PUBLIC = [
    (m.__name__, n, obj)
    for m in _modules()
    for n, obj in _public(m)
    if inspect.isfunction(obj) or inspect.isclass(obj)
]


@pytest.mark.parametrize(("module", "name", "obj"), PUBLIC, ids=[f"{m}.{n}" for m, n, _ in PUBLIC])
def test_public_name_is_documented_and_used(module, name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{module}.{name} has no docstring"
    match = re.search(r"Introduced in: book/(\w+)\.ipynb", doc)
    assert match, f"{module}.{name}: no 'Introduced in: book/NN_name.ipynb' line"
    chapter = match.group(1)
    exists = chapter in CHAPTER_CODE
    assert exists, f"{module}.{name} names book/{chapter}.ipynb, which is missing"
    assert re.search(rf"\b{name}\b", CHAPTER_CODE[chapter]), (
        f"{module}.{name} is not used by the chapter that introduces it, book/{chapter}.ipynb"
    )
    top = module.split(".")[1]
    assert re.search(rf"automodule:: hadalib\.{top}\b", API), (
        f"book/api.md does not document {module}"
    )


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_uses_only_public_names(nb_path):
    code = CHAPTER_CODE[nb_path.stem]
    # A single leading underscore is private; dunders such as __version__ are not.
    private = re.findall(
        r"hadalib(?:\.\w+)*\._(?!_)\w+|from hadalib[\w.]* import [^\n]*\b_(?!_)\w+", code
    )
    assert private == [], f"{nb_path.name} uses private names: {private}"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_executed_and_listed(nb_path):
    nb = json.loads(nb_path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), (
        f"{nb_path.name}: run it top to bottom in a fresh kernel (make execute NB=...)"
    )
    for i, cell in enumerate(code, 1):
        tags = cell["metadata"].get("tags", [])
        for out in cell["outputs"]:
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"{nb_path.name} cell {i}: {out['ename']}"
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {}):
                # a live widget needs a kernel: the page shows its player instead
                assert "remove-output" in tags, f"{nb_path.name} cell {i}: a widget on the page"
    assert f"book/{nb_path.stem}" in TOC, f"{nb_path.name} is not in _toc.yml"
    assert nb_path.stat().st_size < 3_000_000, f"{nb_path.name} is over 3 MB"
    first = "".join(nb["cells"][0]["source"])
    title = re.match(r"# (\d+|[A-Z])\. ", first)  # a letter for an appendix
    assert title, f"{nb_path.name}: first cell must be the '# N. Title'"
    assert "Run cost" in first, f"{nb_path.name}: no run-cost badge in the first cell"


def test_licence_and_citation_name_the_version_and_repository():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == hadalib.__version__
    assert citation["repository-code"] == config["repository"]["url"]
    assert set(citation["license"]) == {"CC-BY-4.0", "MIT"}
    licence = (ROOT / "LICENSE").read_text()
    assert "MIT License" in licence and "LICENSE-TEXT.txt" in licence
    assert "Attribution 4.0 International" in (ROOT / "LICENSE-TEXT.txt").read_text()


def test_every_page_names_the_version_and_licences(built_site):
    for page in (built_site / "book").glob("*.html"):
        text = page.read_text()
        assert f"version {hadalib.__version__}" in text and "CC BY 4.0" in text, page.name


def test_landing_page_lists_every_chapter_in_order():
    intro = (BOOK / "intro.md").read_text()
    listed = re.findall(r"^- \{doc\}`/(book/\d\d_\w+)`: ", intro, flags=re.M)
    chapters = [d for d in TOC if re.match(r"book/\d\d_", d)]
    assert listed == chapters


def test_landing_page_reading_times_match_the_chapters_tables():
    """The times of book/intro.md are the sums of the chapters' own tables."""
    from tools.reading_times import INTRO, updated

    text = INTRO.read_text()
    assert updated(text) == text, "run python tools/reading_times.py --write"
