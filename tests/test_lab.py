"""A learner's path: JupyterLab on 127.0.0.1, chapter 1 run top to bottom,
its widget moved, the figure changes. Driven by Playwright in headless Chromium.
"""

from __future__ import annotations

import json
import shutil
from urllib.parse import urlparse

import pytest
from conftest import ROOT, jupyterlab

pytestmark = pytest.mark.browser

TOKEN = "hadamard-book-test"
CHAPTER = "01_hadamard_product.ipynb"


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium_path):  # noqa: ARG001 (needs Chromium)
    # Work on a copy: running the notebook in JupyterLab saves it.
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "book" / CHAPTER, root / CHAPTER)
    with jupyterlab(root, TOKEN, "--LabApp.expose_app_in_browser=True") as url:
        yield url


def test_run_chapter_1_and_move_its_widget(browser, lab, screenshots):
    page = browser.new_page()
    outside = []

    def guard(route):
        if urlparse(route.request.url).hostname in {"127.0.0.1", None}:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(f"{lab}/lab/tree/{CHAPTER}?token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    # Wait for the kernel, then run every cell, as a learner would with Run > Run All Cells.
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.session &&"
        " w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'; }",
        timeout=90_000,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # the operand a: a Combobox, a text box with a list of suggestions
    operand = page.locator(".jp-OutputArea-output .widget-text input[list]").first
    operand.wait_for(timeout=120_000)
    figure = page.locator(".jp-OutputArea-output .widget-output img").first
    figure.wait_for(timeout=60_000)
    before = figure.get_attribute("src")
    operand.fill("[[1], [2], [3]]")
    operand.press("Enter")
    page.wait_for_function(
        "before => { const img ="
        " document.querySelector('.jp-OutputArea-output .widget-output img');"
        " return img && img.getAttribute('src') !== before; }",
        arg=before,
        timeout=60_000,
    )
    # The figure now shows a column times a column: element-wise, no longer an outer product.
    page.locator(".jp-OutputArea-output .widget-output").first.screenshot(
        path=str(screenshots / "lab_ch01_widget_moved.png")
    )
    # Only the cells that raise on purpose (tag raises-exception) may show an error.
    nb = json.loads((ROOT / "book" / CHAPTER).read_text())
    expected = sum("raises-exception" in c["metadata"].get("tags", []) for c in nb["cells"])
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == expected, [errors.nth(i).inner_text() for i in range(errors.count())]
    assert outside == [], f"JupyterLab asked the network for: {outside}"
    page.close()
