"""The notebooks a learner gets (book/_ext/learner_notebooks.py): they read like the book,
with no raw MyST, and a chapter downloaded alone runs top to bottom in a fresh environment,
its first cell installing hadalib.

The last test installs packages into a new virtual environment: it needs PyPI (or the
machine's local package indexes) and is skipped without it, unless CI is set or
HADALIB_REQUIRE_NETWORK=1, where a skip would hide a broken install cell, so it fails.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import learner_notebooks as ln  # the book's extension folder, on the path from conftest
import nbformat
import pytest
import yaml
from conftest import ROOT, jupyterlab

CHAPTERS = ln.chapters()
# Whatever MyST a plain Jupyter would show as markup.
RAW_MYST = re.compile(r"\{glue|\{cite|\{py:|\{doc\}|\{ref\}|\{numref\}|\{bdg-|:::\{|```\{|\{\{")
GLUE_TEXT = re.compile(r"\{glue:text\}`([^`:]+):?([^`]*)`")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """The learner's notebooks, as `make notebooks` writes them."""
    folder = tmp_path_factory.mktemp("notebooks")
    ln.write_notebooks(folder)
    return folder


@pytest.fixture(scope="module")
def written(out) -> dict[str, nbformat.NotebookNode]:
    return {p.name: nbformat.read(p, as_version=4) for p in sorted(out.glob("book/*.ipynb"))}


def _markdown(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def test_every_chapter_is_written_with_the_results_it_reads(written, out):
    assert sorted(written) == [p.name for p in CHAPTERS]
    assert (out / "book" / "results" / "filters").is_dir()
    assert (out / "benchmarks" / "results" / "fwht_cpu.json").is_file()


@pytest.mark.parametrize("chapter", [p.name for p in CHAPTERS])
def test_no_raw_myst_in_markdown(written, chapter):
    raw = [m.group() for text in _markdown(written[chapter]) for m in RAW_MYST.finditer(text)]
    assert raw == [], f"{chapter}: raw MyST left in the learner's copy: {raw[:5]}"


@pytest.mark.parametrize("chapter", [p.name for p in CHAPTERS])
def test_glued_numbers_are_their_values_as_formatted(written, chapter):
    from myst_nb.core.variables import format_plain_text

    source = nbformat.read(ROOT / "book" / chapter, as_version=4)
    values = ln._glue_values(source)
    # The learner's copy adds a Markdown cell under each captioned figure: skip those.
    cells = [c for c in written[chapter].cells if not c.get("id", "").endswith("-caption")]
    for before, after in zip(source.cells, cells, strict=True):
        for key, spec in GLUE_TEXT.findall(before.source if before.cell_type == "markdown" else ""):
            text = format_plain_text(values[key]["text/plain"], spec)
            assert text in after.source, f"{chapter}: {key}:{spec} should read {text!r}"


def test_citations_read_author_year_with_the_references_listed(written):
    text = "\n".join(_markdown(written["02_backpropagation.ipynb"]))
    assert "(Magnus and Neudecker, 2019)" in text
    listed = re.findall(r"^- (.*)$", text, re.M)
    assert "Networks and Deep Learning. *Determination Press*." in text
    assert "<http://neuralnetworksanddeeplearning.com>" in text
    assert len(listed) == len(set(listed)) >= 10
    gates = "\n".join(_markdown(written["03_gates_masks_optimizers.ipynb"]))
    assert "initialized to a positive value\n(Gers et al., 2000);" in gates
    assert "Felix A. Gers, Jürgen Schmidhuber and Fred Cummins (2000). Learning to Forget" in gates
    assert "Rafal Jozefowicz, Wojciech Zaremba and Ilya Sutskever (2015)." in gates


def test_cross_references_link_to_the_site(written):
    site = ln.site_url(ln.settings()["repository"])
    text = "\n".join(_markdown(written["02_backpropagation.ipynb"]))
    assert f"[`gradients()`]({site}book/api.html#hadalib.mlp.TinyMLP.gradients)" in text
    assert f"[chapter 4]({site}book/04_convolution_filters.html)" in text


def test_the_pages_download_button_offers_the_learners_copy(built_site):
    chapter = "01_hadamard_product"
    download = nbformat.read(built_site / "_sources" / "book" / f"{chapter}.ipynb", as_version=4)
    assert [t for t in _markdown(download) if RAW_MYST.search(t)] == []
    assert download.cells[1].get("id") == ln.INSTALL_CELL_ID
    page = (built_site / "book" / f"{chapter}.html").read_text()
    repository = ln.settings()["repository"].split("github.com/", 1)[1]
    # The learner's copy, on the branch the publishing workflow pushes them to.
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    branch = config["sphinx"]["config"]["learner_notebooks_branch"]
    colab = f"https://colab.research.google.com/github/{repository}/blob/{branch}/book"
    assert branch and f"{colab}/{chapter}.ipynb" in page
    binder = f"https://mybinder.org/v2/gh/{repository}/main?urlpath=lab/tree/book/{chapter}.ipynb"
    assert binder in page


def test_the_site_is_the_repositorys_github_pages():
    assert ln.site_url("https://github.com/Hadamard-Book/hadamard-book") == (
        "https://hadamard-book.github.io/hadamard-book/"
    )
    with pytest.raises(ValueError, match="must be https://github.com/OWNER/REPO"):
        ln.site_url("https://gitlab.com/a/b")


def test_exercises_are_numbered_and_solutions_fold(written):
    text = "\n".join(_markdown(written["02_backpropagation.ipynb"]))
    assert "**Exercise 2.2**\n\nA network `TinyMLP(sizes=(5, 7, 3))`" in text
    assert "<details>\n<summary>Solution to Exercise 2.2</summary>\n\n$\\Delta_h$" in text
    assert text.count("<details>") == text.count("</details>") == 4
    first = written["01_hadamard_product.ipynb"].cells[0].source
    assert "**Run cost: CPU only, about 5 s on 2 cores** · **No downloads**" in first
    schur = "\n".join(_markdown(written["01_hadamard_product.ipynb"]))
    assert "> **Theorem (Schur, 1911)**\n>\n> If $A$ and $B$ are positive semidefinite" in schur


def test_code_needs_no_myst_nb_and_shows_no_glue_records(written):
    for chapter, nb in written.items():
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert not any("from myst_nb" in c.source for c in code), chapter
        assert not any("{{ repository_url }}" in c.source for c in code), chapter
        mimes = {m for c in code for out in c.outputs for m in out.get("data", {})}
        assert not any(m.startswith(ln.GLUE_PREFIX) for m in mimes), chapter


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_install_cell_is_first_current_and_hidden_on_the_site(path):
    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[1]
    assert cell.get("id") == ln.INSTALL_CELL_ID, (
        f"{path.name}: no install cell after the title: run "
        "`python book/_ext/learner_notebooks.py install-cells`"
    )
    assert cell.source == ln.install_cell_source(nb, ln.settings()), (
        f"{path.name}: the install cell is stale: run "
        "`python book/_ext/learner_notebooks.py install-cells`"
    )
    assert cell.metadata["tags"] == ["remove-cell"] and cell.outputs == []
    assert cell.execution_count == 1


def _archive(root: Path, version: str) -> bytes:
    # The shape of GitHub's archive of a tag: every path below one top folder.
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for folder in ("book/results", "benchmarks/results"):
            tar.add(root / folder, arcname=f"hadamard-book-{version}/{folder}")
    return buffer.getvalue()


def test_install_cell_fetches_the_stored_results_a_chapter_reads(tmp_path):
    config = ln.settings()
    nb = nbformat.read(ROOT / "book" / "12_resnet50_wht.ipynb", as_version=4)
    assert ln.stored_results(nb) == {"results": "book/results"}
    appendix_a = nbformat.read(ROOT / "book" / "appendix_benchmarks.ipynb", as_version=4)
    assert ln.stored_results(appendix_a) == {"../benchmarks/results": "benchmarks/results"}
    archive = tmp_path / "archive.tar.gz"
    archive.write_bytes(_archive(ROOT, config["version"]))
    here = tmp_path / "downloads"
    here.mkdir()
    for chapter in (nb, appendix_a):
        script = tmp_path / "cell.py"
        script.write_text(ln.install_cell_source(chapter, config))
        env = {**os.environ, "HADALIB_ARCHIVE": str(archive), "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            [sys.executable, str(script)], cwd=here, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        assert "Fetching the book's stored results" in run.stdout
    fetched = sorted(p.relative_to(here / "results") for p in (here / "results").rglob("*.json"))
    stored = sorted(p.relative_to(ROOT / "book" / "results") for p in
                    (ROOT / "book" / "results").rglob("*.json"))  # fmt: skip
    assert fetched == stored
    assert (tmp_path / "benchmarks" / "results" / "fwht_cpu.json").is_file()
    # Where the chapter's results are beside it, and hadalib installed, it does nothing.
    again = subprocess.run(
        [sys.executable, str(script)], cwd=here, env=env, capture_output=True, text=True
    )
    assert again.returncode == 0 and again.stdout == again.stderr == ""


def _need_package_index() -> None:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError as err:
        reason = f"PyPI is not reachable ({err}): a fresh environment cannot be installed"
        if os.environ.get("CI") or os.environ.get("HADALIB_REQUIRE_NETWORK") == "1":
            pytest.fail(f"{reason} (CI or HADALIB_REQUIRE_NETWORK=1 makes this a failure)")
        pytest.skip(reason)


@pytest.mark.slow
def test_a_downloaded_chapter_runs_alone_in_a_fresh_environment(tmp_path, monkeypatch):
    """Chapter 1, alone in an empty folder, with a new virtual environment that has only a
    kernel: its install cell installs hadalib (a wheel built here, with the book's pins)."""
    from nbclient import NotebookClient

    _need_package_index()
    # The wheel, built from a copy so that the checkout gets no build/ folder.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT / "hadalib", source / "hadalib", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    pip = ["-m", "pip", "--disable-pip-version-check"]
    wheels = tmp_path / "wheels"
    build = [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels)]
    subprocess.run([sys.executable, *build, str(source)], check=True)
    (wheel,) = wheels.glob("hadalib-*.whl")

    # A fresh environment with a kernel and nothing else of the book.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pins = ROOT / "requirements.txt"
    kernel = [*pip, "install", "--quiet", "--constraint", str(pins), "ipykernel"]
    subprocess.run([str(python), *kernel], check=True)
    spec = [str(python), "-m", "ipykernel", "install", "--prefix", str(tmp_path / "jupyter")]
    subprocess.run([*spec, "--name", "fresh"], check=True, capture_output=True)

    folder = tmp_path / "downloads"
    folder.mkdir()
    chapter = "01_hadamard_product.ipynb"
    nb = ln.learner_notebook(ROOT / "book" / chapter)
    nbformat.write(nb, folder / chapter)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter" / "share" / "jupyter"))
    monkeypatch.setenv("HADALIB_WHEEL", str(wheel))
    monkeypatch.setenv("HADALIB_PINS", str(pins))
    for name in ("PYTHONPATH", "MPLBACKEND", "VIRTUAL_ENV"):
        monkeypatch.delenv(name, raising=False)
    client = NotebookClient(
        nb, kernel_name="fresh", timeout=900, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()  # raises at the first cell that fails (unless tagged raises-exception)

    install = nb.cells[1]
    assert install.get("id") == ln.INSTALL_CELL_ID
    printed = "".join(out.get("text", "") for out in install.outputs)
    assert "Installing hadalib" in printed, "the install cell did not install hadalib"
    imports = subprocess.run(
        [str(python), "-c", "import hadalib, myst_nb"], capture_output=True, text=True
    )
    assert "No module named 'myst_nb'" in imports.stderr, "the fresh environment has myst-nb"


@pytest.fixture(scope="module")
def lab_on_the_learners_notebooks(out, chromium_path):  # noqa: ARG001 (needs Chromium)
    """JupyterLab on 127.0.0.1 over the learner's notebooks (what `make lab` opens)."""
    token = "hadamard-book-learner"
    # Its own workspace (no notebook left open by another run) and every cell rendered, not
    # only those in view, so that the page holds the whole text.
    lab = out / "lab"
    settings = lab / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    with jupyterlab(
        out / "book",
        token,
        f"--LabApp.workspaces_dir={lab / 'workspaces'}",
        f"--LabApp.user_settings_dir={lab / 'settings'}",
    ) as url:
        yield url, token


@pytest.mark.browser
def test_jupyterlab_shows_the_learners_notebook_with_no_raw_myst(
    browser, lab_on_the_learners_notebooks
):
    url, token = lab_on_the_learners_notebooks
    page = browser.new_page()
    page.goto(f"{url}/lab/tree/02_backpropagation.ipynb?reset&token={token}")
    page.locator(".jp-Notebook").first.wait_for(timeout=90_000)
    rendered = page.locator(".jp-MarkdownCell .jp-RenderedMarkdown")
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown details')"
        ".length >= 4",
        timeout=60_000,
    )
    text = "\n".join(rendered.all_inner_texts())
    assert RAW_MYST.findall(text) == []
    assert "Exercise 2.2" in text and "(Glorot and Bengio, 2010)" in text
    assert page.locator(".jp-RenderedMarkdown summary").first.inner_text() == (
        "Solution to Exercise 2.1"
    )
    page.close()


def test_colab_opens_the_branch_of_learners_copies_when_one_is_named():
    colab = "https://colab.research.google.com/github/o/r/blob/main/book/01_x.ipynb"
    context = {"header_buttons": [{"label": "launch-buttons", "buttons": [
        {"text": "Binder", "url": "https://mybinder.org/v2/gh/o/r/main"},
        {"text": "Colab", "url": colab}]}]}  # fmt: skip

    class App:
        class config:  # noqa: N801 (Sphinx's attribute)
            learner_notebooks_branch = ""

    ln._colab_opens_the_learners_copy(App, "book/01_x", "page.html", context, None)
    assert context["header_buttons"][0]["buttons"][1]["url"] == colab
    App.config.learner_notebooks_branch = "notebooks"
    ln._colab_opens_the_learners_copy(App, "book/01_x", "page.html", context, None)
    assert context["header_buttons"][0]["buttons"][1]["url"] == (
        "https://colab.research.google.com/github/o/r/blob/notebooks/book/01_x.ipynb"
    )
    assert context["header_buttons"][0]["buttons"][0]["url"].endswith("/main")
