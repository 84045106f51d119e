"""The rendered book in headless Chromium, with every outside request refused.

For every page: no request leaves 127.0.0.1, the math is typeset by the
book's own MathJax (no raw TeX left), every image has loaded; on the chapters
with a kernel-free player, moving its controls changes the picture, and a
stored ipywidgets view is rendered by the book's own widget manager.
Screenshots go to _build/screenshots/.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import BUILD, NOTEBOOKS

pytestmark = pytest.mark.browser

PAGES = (
    sorted(
        str(p.relative_to(BUILD))
        for p in BUILD.glob("**/*.html")
        if not p.relative_to(BUILD).parts[0].startswith(("_", "."))
        and p.name not in {"genindex.html", "search.html", "py-modindex.html"}
        and 'http-equiv="Refresh"' not in p.read_text(errors="ignore")  # index.html: a redirect
    )
    if BUILD.is_dir()
    else ["index.html"]
)

# What a reader downloads: one page with all it loads, and the whole site (README states
# today's figures).
PAGE_BUDGET = 6 * 2**20
SITE_BUDGET = 40 * 2**20

# Raw TeX left on a page once MathJax has run: $$...$$, \(...\), \[...\], or $x$-like spans.
RAW_TEX_JS = r"""
() => {
  const main = document.querySelector("main") || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll("pre, code, script, style, mjx-container, .cell_output, textarea")
      .forEach(e => e.remove());
  const text = copy.innerText;
  const found = text.match(/\$\$|\\\(|\\\[|\$[^$\s][^$\n]{0,80}?[^$\s\\]\$/);
  if (!found) { return null; }
  return found[0] + " in: " + text.slice(Math.max(0, found.index - 60), found.index + 60);
}
"""


@pytest.fixture(scope="module")
def server(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def page(browser, server):
    """A page whose outside requests are refused and recorded."""
    page = browser.new_page()
    page.outside = []

    def guard(route):
        url = route.request.url
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            page.outside.append(url)
            route.abort()

    def received(response):
        if response.status >= 400:
            page.missing.append(f"{response.status} {response.url}")
        page.weight += int(response.headers.get("content-length", 0))

    page.route("**/*", guard)
    page.errors, page.missing, page.weight = [], [], 0
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("response", received)
    yield page
    page.close()


def _open(page, server, rel):
    page.goto(f"{server}/{rel}", wait_until="load")
    # MathJax 3 typesets asynchronously; wait for it where a page loads it.
    page.wait_for_function(
        "() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)", timeout=30_000
    )
    page.evaluate("async () => { if (window.MathJax) await MathJax.startup.promise; }")


@pytest.mark.parametrize("rel", PAGES)
def test_page_is_complete_offline(page, server, screenshots, rel):
    _open(page, server, rel)
    has_math = page.evaluate(
        "() => !!document.querySelector('main .math, main span.math, main div.math')"
    )
    if has_math:
        assert page.locator("mjx-container").count() > 0, f"{rel}: math was not typeset"
    raw = page.evaluate(RAW_TEX_JS)
    assert raw is None, f"{rel}: raw TeX left on the page: {raw!r}"
    broken = page.evaluate(
        "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => (i.currentSrc || i.src).slice(0, 80))"
    )
    assert broken == [], f"{rel}: images that did not load: {broken}"
    assert page.outside == [], f"{rel}: requests left the machine: {page.outside}"
    assert page.missing == [], f"{rel}: requests that failed: {page.missing}"
    assert page.errors == [], f"{rel}: JavaScript errors: {page.errors}"
    assert page.weight <= PAGE_BUDGET, f"{rel} weighs {page.weight / 2**20:.1f} MB"
    page.screenshot(
        path=str(screenshots / (Path(rel).with_suffix("").as_posix().replace("/", "_") + ".png"))
    )


def _shows_player(notebook: Path) -> bool:
    cells = json.loads(notebook.read_text())["cells"]
    return any("player(" in "".join(c["source"]) for c in cells if c["cell_type"] == "code")


# Read from the notebooks, not from the build: a build that lost its players fails
# below instead of leaving nothing to test.
PLAYER_PAGES = [f"book/{nb.stem}.html" for nb in NOTEBOOKS if _shows_player(nb)]


def test_chapters_show_players():
    assert len(PLAYER_PAGES) >= 5


@pytest.mark.parametrize("rel", PLAYER_PAGES)
def test_kernel_free_players_respond(page, server, screenshots, rel):
    _open(page, server, rel)
    players = page.locator(".hadalib-player")
    assert players.count() > 0
    for k in range(players.count()):
        player = players.nth(k)
        player.scroll_into_view_if_needed()
        img = player.locator("img.hadalib-frame")
        for control in player.locator("[data-control]").all():
            before = img.get_attribute("src")
            if control.evaluate("e => e.tagName") == "SELECT":
                options = control.locator("option").all()
                if len(options) < 2:
                    continue
                control.select_option(index=len(options) - 1)
            else:
                maximum = control.get_attribute("max")
                if maximum == "0":
                    continue
                control.fill(maximum)
            after = img.get_attribute("src")
            assert after != before, f"{rel}: player {k} did not change when {control} moved"
            assert after.startswith("data:image/png;base64,")
            alt = img.get_attribute("alt")  # what is drawn, at the values the controls show
            assert ", at " in alt and not alt.startswith("frame"), f"{rel}: alt text {alt!r}"
    name = Path(rel).with_suffix("").as_posix().replace("/", "_")
    players.first.screenshot(path=str(screenshots / f"{name}_player.png"))


def test_no_page_shows_a_widget_that_needs_a_kernel(built_site):
    # The live widgets are Jupyter's; on the page their kernel-free players stand in, and
    # the widget manager's 3.5 MB of JavaScript is not loaded.
    for path in sorted((built_site / "book").glob("*.html")):
        html = path.read_text()
        assert "application/vnd.jupyter.widget-view+json" not in html, path.name
        assert "embed-amd.js" not in html and "widget-state+json" not in html, path.name


class _HeadScripts(html.parser.HTMLParser):
    """The attributes of every <script> in a page's <head>, in order."""

    def __init__(self):
        super().__init__()
        self.scripts, self._in_head = [], False

    def handle_starttag(self, tag, attrs):
        self._in_head |= tag == "head"
        if tag == "script" and self._in_head:
            self.scripts.append(dict(attrs))

    def handle_endtag(self, tag):
        self._in_head &= tag != "head"


def _head_scripts(path: Path) -> list[dict]:
    parser = _HeadScripts()
    parser.feed(path.read_text())
    return parser.scripts


# Sphinx's settings, which the page's inline scripts amend as they are read.
READ_AT_ONCE = {"documentation_options.js"}


def test_no_script_blocks_the_first_paint(built_site):
    # A script from a file without defer or async stops the page from showing until it has
    # loaded and run. Deferred scripts keep their order: MathJax's settings (inline, read at
    # once) come before MathJax, and require.js before the widget manager that needs it.
    pages = sorted(built_site.glob("**/*.html"))
    assert len(pages) > 10
    for path in pages:
        blocking, sources = [], []
        for script in _head_scripts(path):
            src = script.get("src")
            if not src or script.get("type", "text/javascript") != "text/javascript":
                continue
            sources.append(src)
            name = urlparse(src).path.rsplit("/", 1)[-1]
            if not {"defer", "async"} & set(script) and name not in READ_AT_ONCE:
                blocking.append(src)
        rel = path.relative_to(built_site)
        assert blocking == [], f"{rel}: scripts that block the first paint: {blocking}"
        names = [urlparse(s).path.rsplit("/", 1)[-1] for s in sources]
        if "embed-amd.js" in names:
            assert names.index("require.js") < names.index("embed-amd.js"), rel
    chapter = (built_site / "book" / "01_hadamard_product.html").read_text()
    assert chapter.index("window.MathJax = ") < chapter.index("vendor/mathjax/tex-chtml.js")


def test_deferred_widget_manager_renders_a_stored_widget(page, server, screenshots):
    # No chapter shows a widget view today (see above); should one, the book's own widget
    # manager, deferred after require.js as the build writes them, must still draw it.
    widgets = pytest.importorskip("ipywidgets")
    embed = pytest.importorskip("ipywidgets.embed")
    data = embed.embed_data(views=[widgets.IntSlider(value=3, max=7, description="n")])
    state, view = json.dumps(data["manager_state"]), json.dumps(data["view_specs"][0])
    probe = f"""<!DOCTYPE html><html><head>
<script defer src="../_static/vendor/require.js"></script>
<script defer src="../_static/vendor/embed-amd.js"></script>
<script type="application/vnd.jupyter.widget-state+json">{state}</script>
</head><body><main>
<script type="application/vnd.jupyter.widget-view+json">{view}</script>
</main></body></html>"""
    page.route(
        "**/book/_widget_probe.html",
        lambda route: route.fulfill(body=probe, content_type="text/html"),
    )
    page.goto(f"{server}/book/_widget_probe.html", wait_until="load")
    slider = page.locator(".widget-slider")
    slider.first.wait_for(timeout=30_000)
    assert "3" in page.locator("main").inner_text()
    assert page.outside == [] and page.missing == [] and page.errors == []
    page.screenshot(path=str(screenshots / "widget_probe.png"))


def test_search_works_offline(page, server, screenshots):
    page.goto(f"{server}/search.html?q=Schur", wait_until="load")
    hits = page.locator("#search-results ul.search li")
    hits.first.wait_for(timeout=30_000)
    assert "01_hadamard_product" in hits.first.locator("a").first.get_attribute("href")
    assert page.outside == []
    page.screenshot(path=str(screenshots / "search.png"))


def test_dark_mode_switch(page, server, screenshots):
    _open(page, server, "book/01_hadamard_product.html")
    themes = set()
    for _ in range(3):  # the switch cycles light -> dark -> auto
        page.locator("button.theme-switch-button").first.click()
        themes.add(page.evaluate("() => document.documentElement.dataset.theme"))
    assert "dark" in themes
    page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
    page.screenshot(path=str(screenshots / "ch01_dark.png"))


# The reader's two menus: the chapter list (primary sidebar) and the page contents
# (secondary sidebar). On a phone each is a button that opens a dialog; on a laptop the
# chapter list stands beside the text (its button hides and shows it) and so do the
# page contents.
MENUS = {
    "chapters": ("primary-toggle", "pst-primary-sidebar"),
    "contents": ("secondary-toggle", "pst-secondary-sidebar"),
}
CHAPTER = "book/06_walsh_spectrum.html"


def _screen(chromium, width, height):
    return chromium.new_context(viewport={"width": width, "height": height}, has_touch=True)


@pytest.mark.parametrize("menu", MENUS)
def test_phone_menus_open_by_tap_and_close_by_escape(chromium, server, screenshots, menu):
    toggle, sidebar = MENUS[menu]
    context = _screen(chromium, 390, 844)
    page = context.new_page()
    try:
        _open(page, server, CHAPTER)
        links = page.locator(f"#{sidebar}-modal a:visible")
        assert links.count() == 0
        buttons = page.locator(f"button.{toggle}:visible")
        assert buttons.count() == 1, f"{buttons.count()} visible {menu} buttons"
        buttons.first.tap()
        links.first.wait_for(timeout=5_000)
        page.screenshot(path=str(screenshots / f"phone_{menu}.png"))
        page.keyboard.press("Escape")
        page.wait_for_function(f"() => !document.getElementById('{sidebar}-modal').open")
        assert links.count() == 0
        buttons.first.focus()  # and by keyboard: Enter on the focused button
        page.keyboard.press("Enter")
        links.first.wait_for(timeout=5_000)
    finally:
        context.close()


def test_laptop_chapter_list_hides_and_shows(chromium, server, screenshots):
    context = _screen(chromium, 1366, 900)
    page = context.new_page()
    try:
        _open(page, server, CHAPTER)
        links = page.locator("#pst-primary-sidebar a:visible")
        assert links.count() > 5
        assert page.locator("#pst-secondary-sidebar a:visible").count() > 3  # page contents
        button = page.locator("button.primary-toggle:visible")
        assert button.count() == 1
        button.click()
        page.wait_for_timeout(300)
        assert links.count() == 0, "the chapter-list button did not hide the list"
        button.focus()
        page.keyboard.press("Enter")
        links.first.wait_for(timeout=5_000)
        page.screenshot(path=str(screenshots / "laptop_menus.png"))
    finally:
        context.close()


@pytest.mark.parametrize("rel", PAGES)
def test_no_page_wider_than_a_phone(browser, server, rel):
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        _open(page, server, rel)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{rel} is {width} px wide on a 390 px screen"
    finally:
        page.close()


def test_site_stays_within_its_budget(built_site):
    size = sum(p.stat().st_size for p in built_site.rglob("*") if p.is_file())
    assert size <= SITE_BUDGET, f"the site is {size / 2**20:.1f} MB"
