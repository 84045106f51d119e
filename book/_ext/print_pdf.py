"""Print the built HTML book to one PDF with Chromium, offline.

Usage: python book/_ext/print_pdf.py _build/html _build/pdf/hadamard-book.pdf

Each page of the table of contents is opened in headless Chromium (every request
outside the built site is refused), printed once MathJax has typeset it, and the
pages are joined in order into one PDF with bookmarks. Jupyter Book's single-page
builder cannot be used: it does not render hidden code cells.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright
from pypdf import PdfReader, PdfWriter

ROOT = Path(__file__).resolve().parents[2]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The sidebars, header and footer are for the screen; the print keeps the article.
PRINT_CSS = """
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article,
.prev-next-footer, .bd-footer, .bd-footer-article, .bd-footer-content,
#pst-back-to-top, .skip-link { display: none !important; }
.bd-main .bd-content .bd-article-container { max-width: 100% !important; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
"""


def pages(toc_path: Path) -> list[str]:
    """Document names in reading order, as listed in ``_toc.yml``."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    names = [toc["root"]]
    for part in toc.get("parts", []):
        names += [chapter["file"] for chapter in part.get("chapters", [])]
    return names


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    if not path:
        sys.exit("print_pdf: Chromium is needed: apt-get install chromium, or set CHROMIUM")
    return path


def _print_page(page, html: Path) -> bytes:
    page.goto(html.resolve().as_uri(), wait_until="load")
    page.add_style_tag(content=PRINT_CSS)
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    page.emulate_media(media="print")
    return page.pdf(format="A4", print_background=True,
                    margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})


def main(site: str, out: str) -> None:
    site_dir, out_path = Path(site), Path(out)
    names = pages(ROOT / "_toc.yml")
    writer = PdfWriter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), headless=True, args=ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith("file:") else route.abort())
        for name in names:
            html = site_dir / f"{name}.html"
            if not html.is_file():
                sys.exit(f"print_pdf: {html} is missing: run `make html` first")
            start = len(writer.pages)
            writer.append(PdfReader(io.BytesIO(_print_page(page, html))))
            writer.add_outline_item(title=page.title().split(" — ")[0], page_number=start)
        browser.close()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".pdf.tmp")
    with tmp.open("wb") as f:
        writer.write(f)
    tmp.replace(out_path)
    print(f"print_pdf: {len(writer.pages)} pages, {len(names)} documents -> {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python book/_ext/print_pdf.py SITE_DIR OUT.pdf")
    main(*sys.argv[1:])
