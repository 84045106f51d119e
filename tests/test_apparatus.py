"""The book's apparatus: exercises, figures and numbered equations counted per chapter
("Exercise 9.3", "Figure 9.2", "(9.1)"), the same on the site, in the PDF and in the
learner's notebooks, all from book/_ext/apparatus.py."""

from __future__ import annotations

import re

import apparatus  # the book's extension folder, on the path from conftest
import learner_notebooks as ln
import nbformat
import pytest
from conftest import ROOT

CHAPTER_PAGE = re.compile(r"(\d\d)_\w+\.html")
CAPTION_NUMBER = re.compile(r'<span class="caption-number">(\w+) ([\w.]+) </span>')
EQUATION_NUMBER = re.compile(r'<span class="eqno">\(([\w.]+)\)')


def test_a_chapter_is_numbered_by_its_file_name_and_appendices_by_letter():
    toc = ["book/intro", "book/01_products", "book/12_resnet", "book/appendix_benchmarks",
           "book/api", "book/appendix_safe_data"]  # fmt: skip
    assert apparatus.chapter_numbers(toc) == {
        "book/01_products": "1",
        "book/12_resnet": "12",
        "book/appendix_benchmarks": "A",
        "book/appendix_safe_data": "B",
    }
    assert apparatus.format_number(apparatus.item_number("9", 3)) == "9.3"
    assert apparatus.format_number(apparatus.item_number("B", 1)) == "B.1"
    assert apparatus.format_number(apparatus.item_number(None, 2)) == "2"


def test_every_chapter_of_the_contents_has_its_number():
    docnames = apparatus.toc_docnames()
    numbers = apparatus.chapter_numbers(docnames)
    chapters = [d for d in docnames if re.fullmatch(r"book/\d\d_\w+", d)]
    assert chapters and all(numbers[d] == str(int(d[5:7])) for d in chapters)
    assert numbers.get("book/intro") is None and numbers.get("book/api") is None


def _chapter_pages(site):
    pages = sorted(p for p in (site / "book").glob("*.html") if CHAPTER_PAGE.fullmatch(p.name))
    assert pages, "no chapter pages in the built site"
    return pages


def test_exercises_figures_and_equations_are_numbered_per_chapter_on_the_site(built_site):
    for page in _chapter_pages(built_site):
        chapter = str(int(page.name[:2]))
        html = page.read_text()
        by_kind: dict[str, list[str]] = {}
        for kind, number in CAPTION_NUMBER.findall(html):
            by_kind.setdefault(kind, []).append(number)
        by_kind["equation"] = EQUATION_NUMBER.findall(html)
        assert by_kind.get("Exercise"), f"{page.name}: no numbered exercise"
        for kind, numbers in by_kind.items():
            expected = [f"{chapter}.{k}" for k in range(1, len(numbers) + 1)]
            assert numbers == expected, f"{page.name}: {kind} numbers {numbers}"
    chapter_9 = next((built_site / "book").glob("09_*.html")).read_text()
    assert ("Exercise", "9.1") in CAPTION_NUMBER.findall(chapter_9)


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "source": "# 9. Layers\n\nAs {eq}`eq-b` and {eq}`eq-a` say,"},
        {"cell_type": "markdown", "source": "$$\na = 1\n$$ (eq-a)\n\n$$\nb = 2\n$$ (eq-b)"},
        {
            "cell_type": "code",
            "source": "plot()",
            "metadata": {
                "mystnb": {
                    "figure": {"caption": "The signal $x$.", "name": "fig-signal"},
                    "image": {"alt": "A square wave."},
                }
            },
        },
        {"cell_type": "code", "source": "hidden()", "metadata": {"tags": ["remove-cell"]}},
        {
            "cell_type": "markdown",
            "source": "{numref}`fig-signal` and {numref}`Fig. {number} <fig-signal>`.\n\n"
            "```{exercise}\n:label: ex-one\nDo it.\n```\n\n```{exercise}\nAgain.\n```",
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_the_learners_copy_numbers_as_the_site_does():
    nb = nbformat.from_dict(NOTEBOOK)
    for i, cell in enumerate(nb.cells):
        cell.setdefault("metadata", {})
        cell["id"] = f"cell-{i}"
        if cell.cell_type == "code":
            cell.update(outputs=[], execution_count=None)
    config = {"repository": "https://github.com/a/b", "site": "https://a.github.io/b/"}
    copy = ln.Learner("book/09_image_and_video_coding", nb, config, ln.References()).notebook()
    text = [cell.source for cell in copy.cells]
    assert text[0].endswith("As (9.2) and (9.1) say,")
    assert "a = 1\n\\tag{9.1}\n$$" in text[1] and "b = 2\n\\tag{9.2}\n$$" in text[1]
    assert copy.cells[3].id == "cell-2-caption"
    assert text[3] == "**Figure 9.1.** The signal $x$."
    assert text[5].startswith("Figure 9.1 and Fig. 9.1.\n\n**Exercise 9.1**\n\nDo it.")
    assert "**Exercise 9.2**\n\nAgain." in text[5]


def test_a_numbered_equation_must_exist():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("See {eq}`eq-none`.")])
    config = {"repository": "https://github.com/a/b", "site": "https://a.github.io/b/"}
    with pytest.raises(ValueError, match="no numbered equation labelled 'eq-none'"):
        ln.Learner("book/01_x", nb, config, ln.References()).notebook()


# ---------------------------------------------------------- what a reader sees (the chapters)

IMG = re.compile(r"<img\b[^>]*>")
ALT = re.compile(r'\balt="([^"]*)"')
HIDDEN_CODE = {"remove-cell", "remove-input", "hide-input"}
GLUE_CALL = re.compile(r"(?<![\w.])glue\(")
# Alt text that says nothing: empty, a file name or hash, a frame's index, a call signature.
MEANINGLESS_ALT = re.compile(
    r"^\s*$|\.(png|jpe?g|svg|gif)$|[0-9a-f]{16,}|^(frame|image|figure|picture|player)\s*\d*$"
    r"|\*args|^partial\(",
    re.I,
)
# A player's frame: "<what is drawn>, at <control> = <value>, ..."; a value is a number, a
# word or a list written out, such as [[1], [2], [3]] (two levels deep, commas inside)
VALUE = r"(?:\[(?:[^\[\]]|\[[^\[\]]*\])*\]|[^,\[]+)"
PLAYER_ALT = re.compile(rf"^(?P<subject>.{{8,}}?), at \w+ = {VALUE}(?:, \w+ = {VALUE})*$")


def _site_pages(site):
    return sorted(p for p in site.glob("**/*.html") if p.relative_to(site).parts[0][0] not in "_.")


def test_every_image_on_the_site_has_meaningful_alt_text(built_site):
    import html

    bad = []
    for page in _site_pages(built_site):
        for tag in IMG.findall(page.read_text()):
            found = ALT.search(tag)
            alt = html.unescape(found.group(1)) if found else ""
            player = PLAYER_ALT.match(alt)
            if MEANINGLESS_ALT.search(alt) or ("hadalib-frame" in tag and not player):
                bad.append(f"{page.relative_to(built_site)}: {alt[:80]!r}")
    assert bad == [], "images with no meaningful alt text:\n" + "\n".join(bad)


def test_figures_are_described_by_their_alt_text_or_caption(built_site):
    figure = re.compile(r"<figure\b.*?</figure>", re.S)
    for page in _chapter_pages(built_site):
        for block in figure.findall(page.read_text()):
            alt = ALT.search(block)
            assert alt and not MEANINGLESS_ALT.search(alt.group(1)), f"{page.name}: {block[:200]}"
            assert 'class="caption-number">Figure ' in block, f"{page.name}: unnumbered figure"


def test_no_code_cell_a_reader_sees_calls_glue():
    seen = []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            tags = set(cell.metadata.get("tags", []))
            if (
                cell.cell_type == "code"
                and not tags & HIDDEN_CODE
                and GLUE_CALL.search(cell.source)
            ):
                seen.append(f"{path.name}: {cell.source.splitlines()[0][:70]}")
    assert seen == [], "code cells on the page that call glue (tag them remove-cell):\n" + (
        "\n".join(seen)
    )
