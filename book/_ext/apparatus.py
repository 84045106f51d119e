"""The numbers of the book's apparatus: exercises, figures, tables and numbered equations
counted per chapter ("Exercise 9.3", "Figure 9.2", "(9.1)").

The one source of these numbers for the site (hadalib_sphinx), the PDF (hadalib_latex) and
the learner's notebooks (learner_notebooks). A chapter's number is its file name's prefix
(``book/11_transform_layers`` is chapter 11); appendices (``book/appendix_*``) are lettered
A, B, ... in the order of the contents; any other page (the introduction, the API reference)
numbers its items from 1 with no chapter in front.
"""

from __future__ import annotations

import posixpath
import re
import string
from collections.abc import Iterable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
_CHAPTER = re.compile(r"(\d+)_")
_APPENDIX = "appendix_"


def chapter_numbers(docnames: Iterable[str]) -> dict[str, str]:
    """{docname: chapter number} of the numbered documents among docnames, given in the
    order of the contents: ``"9"`` for ``book/09_name``, ``"A"``, ``"B"`` for the appendices."""
    numbers: dict[str, str] = {}
    letters = iter(string.ascii_uppercase)
    for docname in docnames:
        name = posixpath.basename(docname)
        prefix = _CHAPTER.match(name)
        if prefix:
            numbers[docname] = str(int(prefix.group(1)))
        elif name.startswith(_APPENDIX):
            numbers[docname] = next(letters)
    return numbers


def item_number(chapter: str | None, index: int) -> tuple[str | int, ...]:
    """The number of a chapter's index-th item of one kind (from 1), as Sphinx keeps
    figure numbers: ``("9", 3)``; ``(3,)`` on a page that is no chapter."""
    return (chapter, index) if chapter else (index,)


def format_number(number: tuple[str | int, ...]) -> str:
    """``("9", 3)`` -> ``"9.3"``, as Sphinx writes a figure number."""
    return ".".join(map(str, number))


def toc_docnames(root: Path = ROOT) -> list[str]:
    """The documents of the table of contents (_toc.yml), in its order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found: list[str] = []

    def walk(entry) -> None:
        if isinstance(entry, dict):
            for key in ("root", "file"):
                if key in entry:
                    found.append(posixpath.splitext(entry[key])[0])
            for key in ("parts", "chapters", "sections"):
                for child in entry.get(key, []):
                    walk(child)

    walk(toc)
    return found


def chapter_number(docname: str, root: Path = ROOT) -> str | None:
    """A document's chapter number from the book's contents, or None."""
    return chapter_numbers(toc_docnames(root)).get(docname)


def sphinx_chapter_numbers(env) -> dict[str, str]:
    """chapter_numbers of a Sphinx build's documents, in the order its contents reach them."""
    order: list[str] = []

    def walk(docname: str) -> None:
        if docname not in order:
            order.append(docname)
            for child in env.toctree_includes.get(docname, []):
                walk(child)

    walk(env.config.root_doc)
    return chapter_numbers(order)
