"""Shared test configuration.

Browser tests need Chromium (Debian's /usr/bin/chromium, or $CHROMIUM) and
the built book (`make html`). Without them they are skipped with the reason,
unless HADALIB_REQUIRE_BROWSER=1 (as in CI), where a skip would hide a
missing install step, so they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples every run (no flaky red builds); a developer's
# run draws new ones each time.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
# Importable by every test: the checkout's tools/ (run from the root, not installed with
# hadalib) and the book's Sphinx extensions (learner_notebooks, apparatus).
sys.path[:0] = [str(ROOT), str(ROOT / "book" / "_ext")]
import learner_notebooks  # noqa: E402 (the book's extension folder, added above)

# The book's notebooks: chapters, then appendices.
NOTEBOOKS = learner_notebooks.chapters()
BUILD = ROOT / "_build" / "html"
# The small network of chapter 11 on the digits, for the runner's command line: quick enough
# for several epochs in a test.
SMALL = ["--data", "digits", "--model", "resnet18", "--width", "8", "--stem", "cifar",
         "--no-progress"]  # fmt: skip
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


@contextlib.contextmanager
def jupyterlab(root: Path, token: str, *options: str) -> Iterator[str]:
    """JupyterLab serving ``root`` on a free port of 127.0.0.1 (its log in root/lab.log);
    yields its URL once it answers, and stops it afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
           "--allow-root", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *options]  # fmt: skip
    log_path = root / "lab.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.5)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
