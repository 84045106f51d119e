"""The book as a typeset PDF (`make pdf`): the apparatus of a book.

Title page with the version, contents with page numbers, a page number on every
page, bookmarks down to the sections, internal links only inside the file, every
chapter's text, the API reference as an appendix after the last chapter.
"""

from __future__ import annotations

import json
import re

import pytest
from apparatus import toc_docnames  # the book's extension folder, on the path from conftest
from conftest import ROOT, _missing_or_skip

PDF = ROOT / "_build" / "pdf" / "hadamard-book.pdf"


def _title(notebook: str) -> str:
    cells = json.loads((ROOT / "book" / f"{notebook}.ipynb").read_text())["cells"]
    first = "".join(cells[0]["source"]).splitlines()[0]
    return re.sub(r"^#\s*", "", first)


def _chapters() -> list[str]:
    return [d.removeprefix("book/") for d in toc_docnames() if re.match(r"book/\d\d_", d)]


def _words(text: str) -> str:
    """Page text with no spaces: XeLaTeX's PDFs do not always keep them."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdf():
    pypdf = pytest.importorskip("pypdf")
    if not PDF.is_file():
        _missing_or_skip(f"{PDF} is missing: run `make pdf` first")
    return pypdf.PdfReader(PDF)


@pytest.fixture(scope="module")
def texts(pdf) -> list[str]:
    return [_words(page.extract_text()) for page in pdf.pages]


def _flat_outline(pdf, items=None, depth=1):
    for item in pdf.outline if items is None else items:
        if isinstance(item, list):
            yield from _flat_outline(pdf, item, depth + 1)
        else:
            yield item.title, depth, pdf.get_destination_page_number(item)


def test_title_page_names_the_book_its_version_and_licences(texts):
    from hadalib import __version__

    assert _words("The Hadamard book") in texts[0]
    assert _words(f"Version {__version__}") in texts[0]
    assert "CCBY4.0" in texts[0] and "MITlicence" in texts[0]


def test_contents_list_every_chapter_with_its_page_number(pdf, texts):
    labels = pdf.page_labels
    assert texts[1].upper().startswith("CONTENTS"), "the contents do not follow the title page"
    listed = "".join(texts[1 : labels.index("1")])
    for title, _, page in _flat_outline(pdf):
        if re.match(r"\d+\. ", title):  # a chapter: its title, then the page it starts on
            assert _words(title) + labels[page] in listed, title


def test_every_page_has_a_number(pdf, texts):
    labels = pdf.page_labels
    assert labels[0] == "i" and "1" in labels
    assert len(set(labels)) == len(labels), "two pages with the same number"
    for i, text in enumerate(texts[1:], start=1):
        assert text.endswith(labels[i]), f"page {i + 1} does not show its number {labels[i]}"


def test_bookmarks_reach_the_sections_in_reading_order(pdf):
    outline = list(_flat_outline(pdf))
    assert max(depth for _, depth, _ in outline) >= 3  # part > chapter > section
    chapters = [(title, page) for title, _, page in outline if re.match(r"\d+\. ", title)]
    assert [title for title, _ in chapters] == [_title(name) for name in _chapters()]
    assert [page for _, page in chapters] == sorted(page for _, page in chapters)
    sections = [title for title, depth, _ in outline if depth == 3]
    assert any(title.startswith("1.1 ") for title in sections)


def test_links_stay_in_the_file_or_go_to_the_web(pdf):
    internal = external = 0
    for page in pdf.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is None:
                internal += "/Dest" in annot.get_object()
                continue
            if "/URI" in action:
                uri = str(action["/URI"])
                assert uri.startswith(("https://", "http://", "mailto:")), uri
                external += 1
            else:
                assert action["/S"] == "/GoTo", action
                internal += 1
    assert internal > 100 and external > 0


def test_first_and_last_chapters_are_typeset_with_their_text(pdf, texts):
    outline = {title: page for title, _, page in _flat_outline(pdf)}
    for name in (_chapters()[0], _chapters()[-1]):
        start = outline[_title(name)]
        assert _words(_title(name).split(". ", 1)[1]).upper() in texts[start].upper()
        body = "".join(texts[start : start + 4])
        assert "\\(" not in body and "$$" not in body  # math typeset, not left as source
    assert sum(len(page.images) for page in pdf.pages[outline[_title(_chapters()[-1])] :]) >= 1


def _exercise_count(notebook: str) -> int:
    cells = json.loads((ROOT / "book" / f"{notebook}.ipynb").read_text())["cells"]
    return sum("".join(cell["source"]).count(":::{exercise}") for cell in cells)


def test_exercises_keep_the_sites_numbers(texts):
    """Exercises numbered per chapter, as on the site: chapter 9's are 9.1, 9.2, ..."""
    expected = [
        f"{int(name[:2])}.{k}" for name in _chapters() for k in range(1, _exercise_count(name) + 1)
    ]
    numbers = re.findall(r"(?<!to)Exercise(\d+\.\d+)", "".join(texts))
    # The headings come in the order of the book; the text may also refer to an exercise.
    remaining = iter(numbers)
    assert expected and all(number in remaining for number in expected)
    assert set(numbers) <= set(expected), sorted(set(numbers) - set(expected))


def test_pdf_names_its_title_author_and_language(pdf):
    assert pdf.metadata.title == "The Hadamard book"
    assert pdf.metadata.author
    assert pdf.trailer["/Root"]["/Lang"] == "en"


def test_no_widget_state_or_raw_html_reaches_the_page(texts):
    book = "".join(texts)
    # iVBORw0KGgo: a PNG in base64, as the players carry their pictures.
    for raw in ("VBox(children", "IPython.core.display", "<div", "model_id", "iVBORw0KGgo"):
        assert raw not in book, raw


def test_api_reference_is_an_appendix_after_the_last_chapter(pdf, texts):
    outline = list(_flat_outline(pdf))
    pages = {title: page for title, _, page in outline}
    last = pages[_title(_chapters()[-1])]
    appendix = pages["Appendix"]
    assert appendix > last
    api = [page for title, depth, page in outline if depth == 2 and "hadalib" in title]
    assert api and api[0] > appendix
    assert "hadalib.transforms.fwht(" in "".join(texts[api[0] :])
    assert pages["Bibliography"] > api[0]
