"""The notebooks a learner gets: each chapter with its MyST turned into plain Markdown.

The chapters in book/ are the source; they are written for the book's build (MyST roles,
glued numbers, exercise directives), which a plain Jupyter shows as raw markup. This tool
writes a copy of each chapter that reads like the book wherever it is opened:

- glued numbers become their values (myst-nb keeps them in the cell outputs, under
  ``application/papermill.record/`` mime types), formatted as the text asks;
- citations become author-year, with the chapter's references listed where its
  bibliography stands (from book/references.bib);
- ``py:func`` and the other cross-references become links into the site, whose address
  comes from ``repository.url`` in _config.yml (`site_url`, the one place it is made);
- exercises, figures and labelled equations get their numbers (Exercise 2.3, Figure 2.1,
  (2.1): the site's, from apparatus.py), a figure's caption follows its cell, solutions
  fold into ``<details>``,
  admonitions become quotes, badges plain bold text; dollar math and outputs stay;
- ``from myst_nb import glue`` becomes a stand-in, so the copy runs without myst-nb.

The same file adds (and updates) the first code cell of every chapter, which installs
hadalib with the book's pins where it is missing and fetches the stored results the chapter
reads; in the book's own set-up that cell does nothing and prints nothing.

    python book/_ext/learner_notebooks.py write _build/notebooks   # what `make notebooks` runs
    python book/_ext/learner_notebooks.py install-cells            # rewrite book/*.ipynb's cell

As a Sphinx extension it writes the learner's copy over the notebook that the page's
download button offers (``_sources/book/NAME.ipynb``). Colab opens notebooks from GitHub
only: the source in book/ (whose install cell also stands in for myst-nb), or, where
``learner_notebooks_branch`` names a branch holding `make notebooks`' output, the copy there.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import yaml

# apparatus.py, beside this file, when it is imported from outside Sphinx (the tests).
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from apparatus import chapter_number, format_number, item_number  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
GLUE_PREFIX = "application/papermill.record/"
INSTALL_CELL_ID = "install-hadalib"

# --------------------------------------------------------------------------- settings


def site_url(repository_url: str) -> str:
    """The GitHub Pages address of a GitHub repository: ``https://OWNER.github.io/REPO/``."""
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repository_url)
    if not match:
        raise ValueError(
            f"repository.url in _config.yml is {repository_url!r}; the learner's notebooks "
            "link to its GitHub Pages site, so it must be https://github.com/OWNER/REPO"
        )
    owner, repo = match.groups()
    return f"https://{owner.lower()}.github.io/{repo}/"


def settings(root: Path = ROOT) -> dict[str, str]:
    """The repository, its site and the book's version, each from its one setting."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    repository = config["repository"]["url"].rstrip("/")
    init = (root / "hadalib" / "__init__.py").read_text()
    version = re.search(r'^__version__ = "([^"]+)"', init, re.M).group(1)
    return {"repository": repository, "site": site_url(repository), "version": version}


def chapters(book: Path = BOOK) -> list[Path]:
    """The book's notebooks, chapters (NN_name) then appendices (appendix_name)."""
    return sorted(book.glob("*.ipynb"))


# ------------------------------------------------------- what a chapter reads from disk

# The folders of stored results a chapter reads, found in its code (so that a chapter that
# starts reading one gets it): the path it reads, beside the notebook -> the repository's.
_BENCHMARKS = re.compile(r"""["']benchmarks["']\s*/\s*["']results["']""")  # Path("..") / ...
_RESULTS = re.compile(r"""["']results(?:/[\w/.-]*)?["']""")  # load_results("results/...")


def stored_results(nb) -> dict[str, str]:
    """The stored results a chapter reads: {path beside it: path in the repository}."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    needs = {}
    if _RESULTS.search(_BENCHMARKS.sub("", code)):
        needs["results"] = "book/results"
    if _BENCHMARKS.search(code):
        needs["../benchmarks/results"] = "benchmarks/results"
    return needs


# --------------------------------------------------------------------- the install cell

_INSTALL = """\
# Where hadalib is missing (Colab, a downloaded chapter), install it with the book's pins;
# in the book's own set-up (and on Binder) this cell does nothing.
import importlib
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

# The learner's copy (the page's download, make notebooks, Binder) names the repository here.
BOOK, VERSION = "{{{{ repository_url }}}}", "{version}"
if find_spec("hadalib") is None:
    if "{{{{" in BOOK:
        raise RuntimeError("hadalib is missing: run the chapter as downloaded from the book's site")
    print("Installing hadalib {version} and its pinned dependencies (a few minutes)...")
    wheel = os.environ.get("HADALIB_WHEEL")  # a local wheel instead of the release
    source = Path(wheel).resolve().as_uri() if wheel else f"git+{{BOOK}}@v{{VERSION}}"
    pins = os.environ.get("HADALIB_PINS", f"{{BOOK}}/raw/v{{VERSION}}/requirements.txt")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--constraint", pins]
    subprocess.run([*pip, f"hadalib[all] @ {{source}}"], check=True)
    importlib.invalidate_caches()
if find_spec("myst_nb") is None:  # outside the book's build, glue only shows a value
    import types

    from IPython.display import display as show

    myst_nb = types.ModuleType("myst_nb")
    myst_nb.glue = lambda name, variable, display=True: show(variable) if display else None
    sys.modules["myst_nb"] = myst_nb
"""

_FETCH = """
# The stored results this chapter reads: {{folder beside it: folder in the repository}}.
STORED = {stored}
if not all(Path(here).is_dir() for here in STORED):
    import tarfile
    import urllib.request

    print("Fetching the book's stored results of version", VERSION, "...")
    archive = os.environ.get("HADALIB_ARCHIVE", f"{{BOOK}}/archive/refs/tags/v{{VERSION}}.tar.gz")
    url = Path(archive).resolve().as_uri() if Path(archive).is_file() else archive
    with urllib.request.urlopen(url) as stream, tarfile.open(fileobj=stream, mode="r|gz") as tar:
        for member in tar:
            path = member.name.split("/", 1)[-1]  # below the archive's top folder
            for here, there in STORED.items():
                if member.isfile() and path.startswith(there + "/") and ".." not in path:
                    target = Path(here, path[len(there) + 1 :])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())
"""


def install_cell_source(nb, config: dict[str, str]) -> str:
    source = _INSTALL.format(**config)
    stored = stored_results(nb)
    if stored:
        source += _FETCH.format(stored=json.dumps(stored))
    return source.rstrip("\n")


def add_install_cell(nb, config: dict[str, str]) -> bool:
    """Put the install cell first among the code cells (after the title); True if changed.

    A new cell takes execution count 1 and the others move up by one, as if the chapter
    had been run top to bottom; the stored outputs stay as they are (the cell prints
    nothing where hadalib is installed).
    """
    source = install_cell_source(nb, config)
    for cell in nb.cells:
        if cell.get("id") == INSTALL_CELL_ID:
            if cell.source == source:
                return False
            cell.source = source
            return True
    cell = nbformat.v4.new_code_cell(source, id=INSTALL_CELL_ID)
    cell.metadata["tags"] = ["remove-cell"]
    cell.execution_count = 1
    for other in nb.cells:
        if other.cell_type == "code" and other.execution_count is not None:
            other.execution_count += 1
            for out in other.get("outputs", []):
                if "execution_count" in out and out["execution_count"] is not None:
                    out["execution_count"] += 1
    nb.cells.insert(1, cell)
    return True


# ------------------------------------------------------------------------- references


def _latex(text: str) -> str:
    from pybtex.richtext import Text

    text = re.sub(r"\\url\{([^}]*)\}", r"<\1>", text)
    return Text.from_latex(text).render_as("text")


class References:
    """book/references.bib, as author-year labels and one-line references."""

    def __init__(self, path: Path = BOOK / "references.bib"):
        from pybtex.database import parse_file

        self.entries = parse_file(str(path)).entries

    def _people(self, key: str):
        entry = self.entries[key]
        return entry.persons.get("author") or entry.persons.get("editor") or []

    def label(self, key: str) -> tuple[str, str]:
        """(authors, year) as the site's author-year citations print them."""
        people = self._people(key)
        last = [_latex(" ".join(p.prelast_names + p.last_names)) for p in people]
        others = bool(last) and last[-1] == "others"
        if others or len(last) > 2:
            authors = f"{last[0]} et al."
        elif len(last) == 2:
            authors = f"{last[0]} and {last[1]}"
        else:
            authors = last[0] if last else _latex(self.entries[key].fields.get("title", key))
        return authors, self.entries[key].fields.get("year", "n.d.")

    def reference(self, key: str) -> str:
        entry = self.entries[key]
        fields = {name: _latex(value) for name, value in entry.fields.items()}
        names = [_latex(str(p)) for p in self._people(key)]
        names = [" ".join(reversed(n.split(", ", 1))) for n in names]
        if names and names[-1] == "others":
            names[-1:] = ["others"]
        people = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1:][0]
        parts = [f"{people} ({fields.get('year', 'n.d.')}). {fields.get('title', key)}."]
        venue = fields.get("journal") or fields.get("booktitle") or fields.get("publisher")
        if venue:
            where = f"*{venue}*"
            if "volume" in fields:
                where += f" {fields['volume']}" + (
                    f"({fields['number']})" if "number" in fields else ""
                )
            if "pages" in fields:
                where += f", {fields['pages'].replace('--', '–')}"
            parts.append(where + ".")
        if "note" in fields:
            parts.append(fields["note"] + ".")
        link = fields.get("url") or (f"https://doi.org/{fields['doi']}" if "doi" in fields else "")
        if link:
            parts.append(f"<{link}>")
        return " ".join(parts)


# ---------------------------------------------------------------------- the markdown

_ROLE = re.compile(r"\{(?P<role>[\w:+-]+)\}`(?P<content>[^`]*)`")
_BADGES = re.compile(r"\{bdg-[\w-]+\}`[^`]*`(?:[ \t]+\{bdg-[\w-]+\}`[^`]*`)*")
_OPEN = re.compile(r"^(?P<fence>:{3,}|`{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<argument>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
_CODE_FENCE = re.compile(r"^(`{3,}|~{3,})")
_NOTEBOOK_LINK = re.compile(
    r"\]\((?![a-z]+:|#)(?P<path>[\w./-]+)\.(?:ipynb|md)(?P<anchor>#[\w-]+)?\)"
)
_ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
                "error", "seealso"}  # fmt: skip
_PY_ROLES = {"func": "function", "meth": "method", "class": "class", "mod": "module",
             "data": "data", "attr": "attribute", "exc": "exception", "obj": None}  # fmt: skip


class Learner:
    """Turns one chapter into the learner's notebook."""

    def __init__(
        self,
        docname: str,
        nb,
        config: dict[str, str],
        references: References,
        inventory: dict | None = None,
    ):
        self.docname, self.nb, self.config = docname, nb, config
        self.references, self.inventory = references, inventory or {}
        self.glued = _glue_values(nb)
        self.chapter = chapter_number(docname)
        self.figures, self.equations = _numbered_labels(nb, self.chapter)
        self.exercises: dict[str, str] = {}
        self.cited: list[str] = []
        self.keyprefix = ""
        self.in_solution = False  # between solution-start and solution-end

    # -- links into the site
    def _url(self, path: str) -> str:
        return self.config["site"] + path

    def _lookup(self, types: list[str], name: str) -> str | None:
        for kind in types:
            found = self.inventory.get(kind, {}).get(name)
            if found:
                return found[2]
        return None

    def _py(self, role: str, content: str) -> str:
        title, target = _title_target(content)
        if title is None:
            shown = target.lstrip("~!")
            if target.startswith("~"):
                shown = shown.rsplit(".", 1)[-1]
            title = shown + ("()" if role in ("func", "meth") else "")
        target = target.lstrip("~!")
        kind = _PY_ROLES[role]
        types = [f"py:{kind}"] if kind else [k for k in self.inventory if k.startswith("py:")]
        anchor = f"module-{target}" if role == "mod" else target
        url = self._lookup(types, target) or self._url(f"book/api.html#{anchor}")
        return f"[`{title}`]({url})"

    def _std(self, role: str, content: str) -> str:
        title, target = _title_target(content)
        if role == "doc":
            path = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), target))
            path = path.lstrip("/")
            found = self.inventory.get("std:doc", {}).get(path)
            shown = title or (found[3] if found and found[3] != "-" else path)
            return f"[{shown}]({found[2] if found else self._url(path + '.html')})"
        found = self.inventory.get("std:label", {}).get(target.lower())
        shown = title or (found[3] if found and found[3] != "-" else target)
        return f"[{shown}]({found[2]})" if found else shown

    # -- glue
    def _glue(self, role: str, content: str) -> str:
        from myst_nb.core.variables import format_plain_text

        if "::" in content:
            raise ValueError(f"{self.docname}: glue from another document ({content}) is not kept")
        key, spec = content, ""
        if role == "glue:text" and ":" in content:  # as myst-nb reads it: key:format_spec
            key, spec = content.rsplit(":", 1)
        if key not in self.glued:
            raise ValueError(f"{self.docname}: nothing is glued under {key!r}")
        data = self.glued[key]
        if role == "glue:md" or (role in ("glue", "glue:any") and "text/markdown" in data):
            return data["text/markdown"].strip()
        return format_plain_text(data["text/plain"], spec)

    # -- citations
    def _cite(self, role: str, content: str) -> str:
        cited = []
        for key in (k.strip() for k in content.split(",")):
            bib_key = key[len(self.keyprefix) :] if key.startswith(self.keyprefix) else key
            if bib_key not in self.references.entries:
                raise ValueError(f"{self.docname}: {key!r} is not in book/references.bib")
            if bib_key not in self.cited:
                self.cited.append(bib_key)
            cited.append(self.references.label(bib_key))
        if role == "cite:t":
            return "; ".join(f"{authors} ({year})" for authors, year in cited)
        return "(" + "; ".join(f"{authors}, {year}" for authors, year in cited) + ")"

    def _reference_list(self) -> str:
        keys = sorted(self.cited, key=lambda k: (self.references.label(k), k))
        return "\n".join(f"- {self.references.reference(k)}" for k in keys)

    def role(self, match: re.Match) -> str:
        role, content = match["role"], match["content"]
        if role.startswith("glue"):
            return self._glue(role, content)
        if role.startswith("cite"):
            return self._cite(role, content)
        if role.startswith("py:") and role[3:] in _PY_ROLES:
            return self._py(role[3:], content)
        if role == "eq":
            if content not in self.equations:
                raise ValueError(f"{self.docname}: no numbered equation labelled {content!r}")
            return f"({self.equations[content]})"
        if role == "numref" and _title_target(content)[1] in self.figures:
            title, target = _title_target(content)
            number = self.figures[target]
            return (title or "Figure {number}").replace("{number}", number)
        if role in ("doc", "ref", "numref"):
            return self._std(role, content)
        if role == "math":
            return f"${content}$"
        if role in ("sub", "sup"):
            return f"<{role}>{content}</{role}>"
        raise ValueError(f"{self.docname}: no plain Markdown for the role {{{role}}}")

    def _number_equation(self, match: re.Match) -> str:
        return f"\\tag{{{self.equations[match['label']]}}}\n$$"

    # -- directives
    def directive(self, name: str, argument: str, options: dict[str, str], body: str) -> str:
        if name == "exercise":
            number = format_number(item_number(self.chapter, len(self.exercises) + 1))
            self.exercises[options.get("label", f"exercise-{number}")] = number
            title = f" ({argument})" if argument else ""
            return f"**Exercise {number}**{title}\n\n{body}"
        if name in ("solution", "solution-start"):
            number = self.exercises.get(argument.strip())
            if number is None:
                raise ValueError(f"{self.docname}: a solution to {argument!r}, no such exercise")
            if name == "solution-start":
                self.in_solution = True
                return f"**Solution to Exercise {number}**\n\n{body}".rstrip()
            summary = f"<summary>Solution to Exercise {number}</summary>"
            return f"<details>\n{summary}\n\n{body}\n\n</details>"
        if name == "solution-end":
            self.in_solution = False
            return body
        if name == "admonition" or name in _ADMONITIONS:
            title = argument if name == "admonition" else name.capitalize()
            quoted = "\n".join(f"> {line}".rstrip() for line in body.split("\n"))
            return f"> **{title}**\n>\n{quoted}"
        if name == "bibliography":
            self.keyprefix = options.get("keyprefix", "")
            return "\x00references\x00"  # filled in once every citation is read
        if name == "math":
            if "label" in options:
                raise ValueError(f"{self.docname}: number an equation as $$ ... $$ (label)")
            return f"$$\n{body}\n$$"
        if name in ("glue", "glue:md", "glue:any"):
            return self._glue("glue:md" if name == "glue:md" else "glue", argument.strip())
        raise ValueError(f"{self.docname}: no plain Markdown for the directive {{{name}}}")

    def markdown(self, text: str) -> str:
        text = text.replace("{{ repository_url }}", self.config["repository"])
        text = _directives(text, self.directive)
        text = re.sub(r"^\([\w:.-]+\)=[ \t]*\n", "", text, flags=re.M)  # targets
        text = _EQUATION_LABEL.sub(self._number_equation, text)
        text = _BADGES.sub(
            lambda m: " · ".join(
                f"**{t}**" for t in re.findall(r"\{bdg-[\w-]+\}`([^`]*)`", m.group())
            ),
            text,
        )
        text = _ROLE.sub(self.role, text)
        return _NOTEBOOK_LINK.sub(self._page_link, text)

    def _page_link(self, match: re.Match) -> str:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), match["path"]))
        return f"]({self._url(path + '.html')}{match['anchor'] or ''})"

    # -- the notebook
    def notebook(self):
        nb = nbformat.from_dict(self.nb)
        # Citations are keyed with the chapter's prefix, declared by its bibliography.
        for cell in nb.cells:
            found = re.search(r"^:keyprefix:[ \t]*(\S+)", cell.source, re.M)
            if cell.cell_type == "markdown" and found:
                self.keyprefix = found.group(1)
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            if cell.cell_type == "markdown":
                cell.source = self.markdown(cell.source)
            elif cell.cell_type == "code":
                figure = cell.metadata.get("mystnb", {}).get("figure", {})
                _code_cell(cell, hide=self.in_solution)
                cell.source = cell.source.replace("{{ repository_url }}", self.config["repository"])
                if figure.get("caption"):
                    number = self.figures.get(figure.get("name", ""))
                    shown = f"**Figure {number}.** " if number else ""
                    caption = shown + self.markdown(figure["caption"])
                    cells.append(nbformat.v4.new_markdown_cell(caption, id=_caption_id(cell)))
        nb.cells = cells
        references = self._reference_list()
        placed = False
        for cell in nb.cells:
            if "\x00references\x00" in cell.source:
                cell.source = cell.source.replace("\x00references\x00", references)
                placed = True
        if references and not placed:
            nb.cells.append(nbformat.v4.new_markdown_cell(f"## References\n\n{references}"))
        return nb


def _title_target(content: str) -> tuple[str | None, str]:
    match = re.fullmatch(r"(?s)(?P<title>.*?)\s*<(?P<target>[^<>]+)>", content)
    return (match["title"], match["target"]) if match else (None, content.strip())


def _directives(text: str, render: Callable[[str, str, dict, str], str]) -> str:
    """Render every MyST directive (colon or backtick fence) of a Markdown text."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        fence = _CODE_FENCE.match(lines[i])
        if not opened and fence:  # a plain code block: copied as it is
            out.append(lines[i])
            i += 1
            while i < len(lines):
                out.append(lines[i])
                i += 1
                if lines[i - 1].strip() == fence.group(1):
                    break
            continue
        if not opened:
            out.append(lines[i])
            i += 1
            continue
        char, length = opened["fence"][0], len(opened["fence"])
        j = i + 1
        while j < len(lines) and not re.fullmatch(rf"{re.escape(char)}{{{length},}}\s*", lines[j]):
            j += 1
        body = lines[i + 1 : j]
        options = {}
        while body and _OPTION.match(body[0]):
            option = _OPTION.match(body.pop(0))
            options[option["key"]] = option["value"].strip()
        inner = _directives("\n".join(body).strip("\n"), render)
        out.append(render(opened["name"], opened["argument"].strip(), options, inner))
        i = j + 1
    return "\n".join(out)


# Cells whose output the site does not show (so their figures have no number there).
_REMOVED = {"remove-cell", "remove-output"}
# A numbered display equation's last line: $$ (label)
_EQUATION_LABEL = re.compile(r"^\$\$[ \t]*\((?P<label>[\w:.-]+)\)[ \t]*$", re.M)


def _caption_id(cell) -> str:
    """The id of the Markdown cell that carries a code cell's figure caption."""
    return f"{cell.get('id', 'figure')}-caption"[-64:]


def _numbered_labels(nb, chapter: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """{label: number} of the chapter's named figures (a code cell's ``mystnb.figure``) and
    of its labelled equations, counted in order as the site counts them."""
    figures, equations = [], []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            equations += _EQUATION_LABEL.findall(cell.source)
        elif cell.cell_type == "code" and not _REMOVED & set(cell.metadata.get("tags", [])):
            name = cell.metadata.get("mystnb", {}).get("figure", {}).get("name")
            figures += [name] if name else []
    return tuple(
        {label: format_number(item_number(chapter, i)) for i, label in enumerate(labels, 1)}
        for labels in (figures, equations)
    )


def _glue_values(nb) -> dict[str, dict]:
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            record = out.get("metadata", {}).get("scrapbook")
            if record:
                prefix = len(record.get("mime_prefix", ""))
                values[record["name"]] = {k[prefix:]: v for k, v in out.get("data", {}).items()}
    return values


_GLUE_STAND_IN = '''

def glue(name, variable, display=True):
    """The book's build pastes `variable` into its text; this copy's text shows it already."""
    if display:
        from IPython.display import display as show

        show(variable)'''

# Cells the site hides or folds are folded (not removed) in JupyterLab.
_SOURCE_HIDDEN = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
_OUTPUTS_HIDDEN = {"hide-output", "hide-cell"}


def _code_cell(cell, hide: bool) -> None:
    glue_import = re.compile(r"^from myst_nb import glue[ \t]*\n?", re.M)
    if glue_import.search(cell.source):
        cell.source = glue_import.sub("", cell.source).rstrip("\n") + "\n" + _GLUE_STAND_IN
    # A glued value that is not displayed is for the text only: Jupyter cannot show it.
    cell.outputs = [
        out
        for out in cell.get("outputs", [])
        if not out.get("metadata", {}).get("scrapbook", {}).get("mime_prefix")
    ]
    tags = set(cell.metadata.get("tags", []))
    if hide or tags & _SOURCE_HIDDEN:
        cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    if tags & _OUTPUTS_HIDDEN:
        cell.metadata.setdefault("jupyter", {})["outputs_hidden"] = True


# ------------------------------------------------------------------------ the copies


def load_inventory(path: Path, site: str) -> dict:
    """The site's objects.inv as {type: {name: (project, version, url, title)}}."""
    if not path.is_file():
        return {}
    from sphinx.util.inventory import InventoryFile

    with path.open("rb") as stream:
        return InventoryFile.load(stream, site, posixpath.join)


def learner_notebook(path: Path, config=None, references=None, inventory=None):
    """The learner's copy of one chapter (a NotebookNode)."""
    config = config or settings()
    docname = path.resolve().relative_to(ROOT).with_suffix("").as_posix()
    nb = nbformat.read(path, as_version=4)
    return Learner(docname, nb, config, references or References(), inventory).notebook()


def write_notebooks(out: Path, html: Path | None = ROOT / "_build" / "html") -> list[Path]:
    """Every chapter's copy into out/book/, with the stored results it reads beside it.

    The layout is the repository's, so a chapter finds ``results/`` and
    ``../benchmarks/results/`` where it does in book/; ``out`` may be the repository itself
    (Binder), whose notebooks are then replaced by the learner's copies.
    """
    config, references = settings(), References()
    inventory = load_inventory(html / "objects.inv", config["site"]) if html else {}
    written = []
    for path in chapters():
        nb = learner_notebook(path, config, references, inventory)
        target = out / "book" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        for folder in stored_results(nb).values():
            source, copy = ROOT / folder, out / folder
            if source.resolve() != copy.resolve():
                shutil.copytree(source, copy, dirs_exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written


def add_install_cells() -> list[Path]:
    """Add or update the install cell of every chapter in book/ (the source)."""
    config, changed = settings(), []
    for path in chapters():
        nb = nbformat.read(path, as_version=4)
        if add_install_cell(nb, config):
            nbformat.write(nb, path)
            changed.append(path)
    return changed


# ---------------------------------------------------------------------------- Sphinx


def _write_downloads(app, exception) -> None:
    # The page's download button links _sources/<docname>.ipynb: the learner's copy.
    if exception is not None or app.builder.format != "html":
        return
    config = settings()
    inventory = load_inventory(Path(app.outdir) / "objects.inv", config["site"])
    references = References()
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        download = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
        if source.suffix == ".ipynb" and download.is_file():
            nb = nbformat.read(source, as_version=4)
            learner = Learner(docname, nb, config, references, inventory).notebook()
            nbformat.write(learner, download)


def _colab_opens_the_learners_copy(app, pagename, templatename, context, doctree):  # noqa: ARG001
    branch = app.config.learner_notebooks_branch
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if group.get("label") == "launch-buttons" else []:
            if button.get("text") == "Colab" and branch:
                head, _, _ = button["url"].partition("/blob/")
                button["url"] = f"{head}/blob/{branch}/{pagename}.ipynb"


def setup(app):
    # A branch holding `make notebooks`' output (_build/notebooks/: book/NAME.ipynb), where
    # Colab then opens the learner's copy; empty: Colab opens the source notebook in book/.
    app.add_config_value("learner_notebooks_branch", "", "html")
    app.connect("build-finished", _write_downloads)
    # After sphinx-book-theme's launch buttons (priority 501).
    app.connect("html-page-context", _colab_opens_the_learners_copy, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("write", help="write the learner's notebooks into OUT/book/")
    write.add_argument("out", type=Path)
    write.add_argument(
        "--html",
        type=Path,
        default=ROOT / "_build" / "html",
        help="a built site whose objects.inv resolves the cross-references (if present)",
    )
    write.add_argument(
        "--replace-sources",
        action="store_true",
        help="allow OUT to be the repository itself (Binder: a throwaway checkout)",
    )
    commands.add_parser("install-cells", help="add or update book/*.ipynb's install cell")
    args = parser.parse_args(argv)
    if args.command == "write":
        if (args.out / "book").resolve() == BOOK and not args.replace_sources:
            parser.error(
                f"{args.out} would replace book/*.ipynb, the source: add --replace-sources"
            )
        written = write_notebooks(args.out, args.html)
        print(f"{len(written)} notebooks in {(args.out / 'book').resolve()}")
    else:
        changed = add_install_cells()
        print(f"install cell added or updated in {len(changed)} chapters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
