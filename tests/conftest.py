"""Shared test configuration.

Browser tests need Chromium (Debian's /usr/bin/chromium, or $CHROMIUM) and
the built book (`make html`). Without them they are skipped with the reason,
unless HADALIB_REQUIRE_BROWSER=1 (as in CI), where a skip would hide a
missing install step, so they fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples every run (no flaky red builds); a developer's
# run draws new ones each time.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build" / "html"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _missing_or_skip(reason: str) -> None:
    if os.environ.get("HADALIB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (HADALIB_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        _missing_or_skip("no Chromium found: apt-get install chromium, or set CHROMIUM")
    return path


@pytest.fixture(scope="session")
def built_site() -> Path:
    if not (BUILD / "index.html").is_file():
        _missing_or_skip(f"{BUILD / 'index.html'} is missing: run `make html` first")
    return BUILD


@pytest.fixture(scope="session")
def chromium(chromium_path):
    """Headless Chromium (Playwright's Browser), for contexts of any screen size."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser(chromium):
    """A laptop-sized browser context shared by the tests."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    path = ROOT / "_build" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
