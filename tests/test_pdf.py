"""The book as one PDF (`make pdf`): every document in order, math and figures in it."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, _missing_or_skip

PDF = ROOT / "_build" / "pdf" / "hadamard-book.pdf"
pytestmark = pytest.mark.browser


def _title(notebook: str) -> str:
    cells = json.loads((ROOT / "book" / f"{notebook}.ipynb").read_text())["cells"]
    first = "".join(cells[0]["source"]).splitlines()[0]
    return re.sub(r"^#\s*", "", first)


@pytest.fixture(scope="module")
def pdf():
    pypdf = pytest.importorskip("pypdf")
    if not PDF.is_file():
        _missing_or_skip(f"{PDF} is missing: run `make pdf` first")
    return pypdf.PdfReader(PDF)


def test_pdf_holds_every_document_in_order(pdf):
    toc = [line.split("file:")[1].strip() for line in (ROOT / "_toc.yml").read_text().splitlines()
           if "file:" in line]
    outline = [item.title for item in pdf.outline]
    assert len(outline) == len(toc) + 1  # the intro (root) and every file of the toc
    assert len(pdf.pages) >= 20 * len(toc)
    chapters = [name.split("/")[1] for name in toc if re.match(r"book/\d\d_", name)]
    titles = [_title(name) for name in chapters]
    assert outline[1 : 1 + len(titles)] == titles


def test_last_chapter_text_math_and_figures_are_printed(pdf):
    last = [item for item in pdf.outline if item.title == _title("10_resnet50_wht")]
    assert last, "the last chapter has no bookmark"
    start = pdf.get_destination_page_number(last[0])
    text = " ".join(" ".join(pdf.pages[i].extract_text().split()) for i in range(start, start + 3))
    assert _title("10_resnet50_wht").split(". ", 1)[1] in text
    assert "\\(" not in text and "\\[" not in text  # MathJax typeset the math first
    images = sum(len(page.images) for page in pdf.pages[start:])
    assert images >= 1
