"""The book as a typeset PDF (`make pdf`, Jupyter Book's LaTeX route with XeLaTeX).

Everything here acts on LaTeX builds only; the HTML site is untouched.

- The apparatus of a book: a title page (title, version, date, licences), the
  contents with page numbers, page numbers and the licences in every page's
  footer, bookmarks down to the sections, PDF metadata.
- Headings keep the numbers the site shows (they are part of each title), so
  LaTeX adds none of its own. Exercises, figures, tables and equations carry the site's
  per-chapter numbers (9.3): exercise titles from Sphinx's numbers (hadalib_sphinx), and
  LaTeX's own counters set to the chapter's number (apparatus.py) as each chapter begins.
- A notebook output a page of paper cannot show: an ipywidgets view (live in
  Jupyter only) is left out; a kernel-free player (`hadalib.widgets.player`, raw
  HTML with its pictures inline as base64 PNG) becomes its first picture, with the
  settings it shows.
- A display equation wider than the line is scaled down to fit it.
- The API reference (`book/api`) goes after the last chapter, as an appendix;
  each chapter's "References" section, emptied when the bibliography is gathered
  at the end of the book, is dropped.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

from apparatus import sphinx_chapter_numbers
from docutils import nodes
from sphinx import addnodes
from sphinx.builders.latex.nodes import thebibliography
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.math import wrap_displaymath

APPENDICES = ("book/api",)
LATEX_FILES = Path(__file__).resolve().parents[2] / "_templates" / "latex"
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_PLAYER_FRAME = re.compile(r'<img class="hadalib-frame"[^>]*src="data:image/png;base64,([^"]+)"')
_PLAYER_CONTROL = re.compile(r'data-control="([^"]+)"')
_PLAYER_CHOICES = re.compile(r"var choices = (\[.*?\]);\n")

# Free fonts that cover the text's Unicode (∘, ⊛, ⊕, ᵀ, –, ×): GNU FreeFont for the
# text, DejaVu Sans Mono for code (FreeMono lacks ᵀ, its oblique ⊕ and ⊗).
FONTS = r"""
\setmainfont{FreeSerif}[Extension=.otf, UprightFont=*, ItalicFont=*Italic,
  BoldFont=*Bold, BoldItalicFont=*BoldItalic]
\setsansfont{FreeSans}[Extension=.otf, UprightFont=*, ItalicFont=*Oblique,
  BoldFont=*Bold, BoldItalicFont=*BoldOblique]
\setmonofont{DejaVu Sans Mono}[Scale=0.85, ItalicFont=DejaVu Sans Mono]
"""

PREAMBLE = r"""
% Headings carry the site's numbers in their text: no LaTeX numbers (parts included).
\setcounter{secnumdepth}{-2}
\setcounter{tocdepth}{1}
\hypersetup{bookmarksdepth=2, bookmarksopen=true, bookmarksopenlevel=1,
  pdfdisplaydoctitle=true, pdflang=en, pdfsubject={The Hadamard product and the
  Walsh-Hadamard transform in deep learning}, pdfkeywords={Hadamard product,
  Walsh-Hadamard transform, deep learning}}
% Every page, the chapter openings and the parts included, shows its number and the licences.
\makeatletter
\newcommand{\hadalibfooter}{%
  \fancyhf{}%
  \fancyfoot[L]{{\py@HeaderFamily\small The Hadamard book \version{} \textperiodcentered{}
    text CC BY 4.0, code MIT}}%
  \fancyfoot[R]{{\py@HeaderFamily\thepage}}%
  \renewcommand{\headrulewidth}{0pt}\renewcommand{\footrulewidth}{0.4pt}}
\fancypagestyle{normal}{\hadalibfooter\fancyhead[R]{{\py@HeaderFamily\nouppercase{\leftmark}}}%
  \renewcommand{\headrulewidth}{0.4pt}}
\fancypagestyle{plain}{\hadalibfooter}
\fancypagestyle{empty}{\hadalibfooter}
\makeatother
% A display wider than the line is scaled down to it, never cut at the margin.
\newcommand{\hadalibfit}[1]{\setbox0=\hbox{$\displaystyle #1$}%
  \ifdim\wd0>\linewidth\resizebox{\linewidth}{!}{\box0}\else\box0\fi}
% Figures, tables, listings and equations numbered per chapter (9.2), as on the site: each
% chapter opens with \hadalibchapter{9} (or {A}). The chapter counter only keeps hyperref's
% anchors apart; stepping it starts the chapter's counters again from 1.
\newcommand{\hadalibchapter}[1]{\stepcounter{chapter}\renewcommand{\thechapter}{#1}%
  \setcounter{figure}{0}\setcounter{table}{0}\setcounter{equation}{0}%
  \setcounter{literalblock}{0}%
  \renewcommand{\thefigure}{#1.\arabic{figure}}\renewcommand{\thetable}{#1.\arabic{table}}%
  \renewcommand{\theequation}{#1.\arabic{equation}}%
  \renewcommand{\theliteralblock}{#1.\arabic{literalblock}}}
% The bibliography and the indexes as top-level bookmarks, not under the appendix.
\usepackage{bookmark}
"""

TITLE_PAGE = r"""
\makeatletter
\hypersetup{pdftitle={\@title}, pdfauthor={\@author}}
\pagenumbering{roman}
\begin{titlepage}
  \centering
  \vspace*{0.25\textheight}
  {\Huge\bfseries\@title\par}
  \vspace{1.5em}
  {\Large The Hadamard product and the Walsh–Hadamard transform\\in deep learning,
    with the library \texttt{hadalib}\par}
  \vspace{2em}
  {\large \@author\par}
  \vspace{1em}
  {\large Version \version\par}
  {\large \@date\par}
  \vfill
  {\small The text is licensed under the Creative Commons Attribution 4.0 International
    licence (CC BY 4.0); the code (\texttt{hadalib} and the code in the chapters) under
    the MIT licence. To cite the book, see \texttt{CITATION.cff} in its repository.\par}
\end{titlepage}
\setcounter{page}{2}
\makeatother
"""


# Sphinx's contents, less its \pagenumbering{roman} that would number it from i again.
CONTENTS = r"""
\makeatletter
\begingroup\parskip\z@skip\sphinxtableofcontentshook\tableofcontents\endgroup
\clearpage
\pagenumbering{arabic}
\makeatother
"""


def _configure(app, config):
    """LaTeX settings (runs after sphinx-jupyterbook-latex has added its preamble)."""
    elements = config.latex_elements
    elements["papersize"] = "a4paper"
    elements["pointsize"] = "11pt"
    elements["extraclassoptions"] = "openany,oneside"
    elements["fontpkg"] = FONTS
    elements["sphinxsetup"] = "hmargin={2.2cm,2.2cm}, vmargin={2.5cm,2.5cm}"
    elements["preamble"] = PREAMBLE + elements.get("preamble", "")
    elements["maketitle"] = TITLE_PAGE
    elements["tableofcontents"] = CONTENTS
    config.latex_additional_files = [str(path) for path in sorted(LATEX_FILES.glob("*.sty"))]
    config.latex_use_xindy = False  # makeindex comes with TeX Live; xindy is another package
    config.latex_show_urls = "no"


def _is_latex(transform) -> bool:
    return transform.app.builder.format == "latex"


class NotebookOutputsForPaper(SphinxPostTransform):
    """Widget views left out, players reduced to their first picture (before myst-nb
    picks one mime type per output, at priority 4)."""

    default_priority = 3

    def run(self, **kwargs) -> None:
        if not _is_latex(self):
            return
        for bundle in list(self.document.findall(_is_mime_bundle)):
            by_type = {child["mime_type"]: child for child in bundle.children}
            if _WIDGET_VIEW in by_type:
                output = bundle.parent
                output.remove(bundle)
                if not output.children and isinstance(output.parent, nodes.Element):
                    output.parent.remove(output)  # no empty output box under the code
            elif "text/html" in by_type and "hadalib-player" in by_type["text/html"].astext():
                bundle.replace_self(self._first_frame(by_type["text/html"].astext()))

    def _first_frame(self, page: str) -> list[nodes.Node]:
        frame = _PLAYER_FRAME.search(page)
        if not frame:
            return []
        png = base64.b64decode(frame.group(1))
        name = f"player-{hashlib.sha1(png).hexdigest()[:16]}.png"
        (Path(self.app.builder.outdir) / name).write_bytes(png)
        settings = _player_settings(page)
        image = nodes.image(uri=name, candidates={"image/png": name}, alt=settings or "player")
        caption = nodes.paragraph(text=f"Shown at {settings}." if settings else "")
        return [image, caption] if settings else [image]


class FitDisplayMath(SphinxPostTransform):
    """Each display equation in a box scaled down to the line when it is wider
    (amsmath's ``aligned`` in place of ``split``, which cannot go in a box)."""

    default_priority = 900

    def run(self, **kwargs) -> None:
        if not _is_latex(self):
            return
        for block in list(self.document.findall(nodes.math_block)):
            if block.get("nowrap"):
                continue
            label = f"equation:{block['docname']}:{block['label']}" if block.get("label") else None
            latex = wrap_displaymath(block.astext(), label, self.config.math_number_all)
            latex = latex.replace("\\begin{split}", "\\hadalibfit{\\begin{aligned}")
            latex = latex.replace("\\end{split}", "\\end{aligned}}")
            block.replace_self(nodes.raw("", latex, format="latex"))


def _is_mime_bundle(node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == "mime_bundle"


def _player_settings(page: str) -> str:
    """'lr = 0.1, epochs = 100': each control at its first value, as the player opens."""
    names = [html.unescape(name) for name in _PLAYER_CONTROL.findall(page)]
    choices = _PLAYER_CHOICES.search(page)
    if not names or not choices:
        return ""
    values = [options[0] for options in json.loads(choices.group(1))]
    return ", ".join(f"{name} = {value}" for name, value in zip(names, values, strict=False))


class ApiAppendix(SphinxPostTransform):
    """The appendices after the last chapter (after sphinx-jupyterbook-latex has made
    parts of the table of contents' captions, at 700; before Sphinx gathers the
    citations into the bibliography at the end, at 750)."""

    default_priority = 720

    def run(self, **kwargs) -> None:
        if not _is_latex(self) or self.document.get("docname") != self.config.root_doc:
            return
        self._head_the_root_document()
        moved = []
        for start in list(self.document.findall(addnodes.start_of_file)):
            if start.get("docname") in APPENDICES:
                start.parent.remove(start)
                moved.append(start)
        if not moved:
            return
        for wrapper in list(self.document.children):
            if isinstance(wrapper, nodes.compound) and not any(
                node.get("docname") in self.env.all_docs
                for node in wrapper.findall(addnodes.start_of_file)
            ):
                self.document.remove(wrapper)  # a part left with no chapter
        part = nodes.section(ids=["hadalib-appendix"])
        part += nodes.title(text="Appendix")
        part += moved
        index = next(
            (
                i
                for i, child in enumerate(self.document.children)
                if isinstance(child, thebibliography)
            ),
            len(self.document.children),
        )
        self.document.insert(index, [nodes.raw("", "\\appendix\n", format="latex"), part])

    def _head_the_root_document(self) -> None:
        """The root document's pages (shown with no heading of their own) as a chapter
        with its title, in the contents and the bookmarks."""
        root = next(iter(self.document.findall(nodes.section)), None)
        if root is None or not isinstance(root.children[0], nodes.title):
            return
        title = root.children[0].astext().replace("\\", "").replace("{", "").replace("}", "")
        heading = (
            f"\\chapter*{{{title}}}\\addcontentsline{{toc}}{{chapter}}{{{title}}}"
            f"\\markboth{{{title}}}{{{title}}}\n"
        )
        root.insert(1, nodes.raw("", heading, format="latex"))


class ChapterCounters(SphinxPostTransform):
    """Each numbered chapter opens with \\hadalibchapter{N} (see PREAMBLE), so that LaTeX
    numbers its figures, tables and equations as the site does."""

    default_priority = 710

    def run(self, **kwargs) -> None:
        if not _is_latex(self) or self.document.get("docname") != self.config.root_doc:
            return
        chapters = sphinx_chapter_numbers(self.env)
        for start in self.document.findall(addnodes.start_of_file):
            number = chapters.get(start.get("docname"))
            if number:
                start.insert(0, nodes.raw("", f"\\hadalibchapter{{{number}}}\n", format="latex"))


class EmptiedSections(SphinxPostTransform):
    """A chapter's "References" section, emptied when Sphinx gathers the citations
    into one bibliography (at 750), is left out."""

    default_priority = 760

    def run(self, **kwargs) -> None:
        if not _is_latex(self):
            return
        for section in list(self.document.findall(nodes.section)):
            rest = section.children[1:]
            if all(_shows_nothing(node) for node in rest):
                section.parent.remove(section)
        for bibliography in self.document.findall(thebibliography):
            start_at_root = nodes.raw("", "\\bookmarksetup{startatroot}\n", format="latex")
            bibliography.parent.insert(bibliography.parent.index(bibliography), start_at_root)
            break


def _shows_nothing(node) -> bool:
    """A node hidden by sphinx-jupyterbook-latex, or an emptied container."""
    if type(node).__name__ == "HiddenCellNode":
        return True
    return (
        isinstance(node, nodes.container)
        and not node.astext().strip()
        and not any(node.findall(nodes.image))
    )


def setup(app):
    app.connect("config-inited", _configure, priority=900)
    app.add_post_transform(NotebookOutputsForPaper)
    app.add_post_transform(ApiAppendix)
    app.add_post_transform(ChapterCounters)
    app.add_post_transform(EmptiedSections)
    app.add_post_transform(FitDisplayMath)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
