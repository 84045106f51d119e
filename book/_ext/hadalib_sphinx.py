"""Sphinx glue for the book: per-chapter numbers of exercises, figures, tables and
equations ("Exercise 9.3", "Figure 9.2", "(9.1)", from apparatus.py), API back-links, a
clean page head, a MathJax shim, the repository's address written into the text from its
one setting (`repository.url` in _config.yml) wherever a page says ``{{ repository_url }}``,
code spans included, and the version (``hadalib.__version__``, the one version of the book
and its library) with the licences in every page's footer.

Every public hadalib docstring ends with "Introduced in: book/NN_name.ipynb".
On the API page that line becomes a link to the chapter, so a reader can go
from a function to the text that explains it (and the nitpicky build fails if
a docstring names a chapter that does not exist).
"""

from __future__ import annotations

import re

from apparatus import item_number, sphinx_chapter_numbers
from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

_INTRODUCED = re.compile(r"^(\s*)Introduced in: book/([\w-]+)\.ipynb\s*$")


def _link_chapter(app, what, name, obj, options, lines):  # noqa: ARG001 (Sphinx's signature)
    for i, line in enumerate(lines):
        match = _INTRODUCED.match(line)
        if match:
            indent, chapter = match.groups()
            lines[i] = f"{indent}Introduced in: :doc:`/book/{chapter}`"


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):  # noqa: ARG001
    # Jupyter Book 1 registers sphinx-thebe's and sphinx-togglebutton's inline
    # scripts twice; the second `const THEBE_JS_URL` is a JavaScript error.
    # Runs early (priority 100): the event stops at the first handler that
    # returns a template name.
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # One copy comes with filename None, the other with '': compare them as equal.
        filename = getattr(script, "filename", script) or ""
        key = (str(filename), repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique  # in place: later handlers append to this list


def _repository_url(app, docname, source):  # noqa: ARG001 (Sphinx's signature)
    url = app.config.html_theme_options.get("repository_url", "")
    if "{{ repository_url }}" in source[0]:
        if not url:
            raise ValueError(f"{docname} names the repository; set repository.url in _config.yml")
        source[0] = source[0].replace("{{ repository_url }}", url)


_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _drop_unused_widget_scripts(app, pagename, templatename, context, doctree):  # noqa: ARG001
    # myst-nb loads the widget manager (3.5 MB) and the widgets' state on every page of a
    # notebook with widget state, even where no widget view is shown: the Jupyter-only
    # live widgets are tagged remove-output, their kernel-free players stand in for them.
    if _WIDGET_VIEW in context.get("body", ""):
        return
    manager = {f"_static/{path}" for path in app.config.nb_ipywidgets_js}  # as Sphinx adds them

    def unused(script):
        attributes = getattr(script, "attributes", {})
        return str(getattr(script, "filename", script)) in manager or (
            attributes.get("type") == _WIDGET_STATE
        )

    context["script_files"][:] = [s for s in context.get("script_files", []) if not unused(s)]


# Sphinx's own settings, which the page's inline scripts (DOCUMENTATION_OPTIONS.pagename = ...)
# amend as they are read: the one script of the head that must run before the page goes on.
_READ_AT_ONCE = "documentation_options.js"


def _defer_scripts(app, pagename, templatename, context, doctree):  # noqa: ARG001
    # A script without defer or async stops the page's first paint until it has loaded and
    # run. The themes' and extensions' scripts wait for the document to be ready anyway, and
    # deferred scripts run in the order written (MathJax after its settings, the widget
    # manager after require.js), so every script from a file is deferred but Sphinx's settings.
    scripts = context.get("script_files", [])
    for i, script in enumerate(scripts):
        attributes = getattr(script, "attributes", {})
        filename = str(getattr(script, "filename", "") or "")
        if (
            filename
            and not {"defer", "async"} & set(attributes)
            and attributes.get("type", "text/javascript") == "text/javascript"
            and filename.rsplit("/", 1)[-1] != _READ_AT_ONCE
        ):
            priority = getattr(script, "priority", 500)
            scripts[i] = type(script)(filename, priority=priority, **attributes, defer="defer")


def _version_and_licence(app, config):
    import hadalib

    config.version = config.release = hadalib.__version__
    url = config.html_theme_options.get("repository_url", "")
    licence = f'<a href="{url}/blob/main/LICENSE">licences</a>' if url else "licences"
    config.html_theme_options["extra_footer"] = (
        f"<p>The Hadamard book and hadalib, version {hadalib.__version__}. The text is "
        f"licensed under CC BY 4.0, the code under the MIT licence ({licence}); to cite the "
        "book, see CITATION.cff in its repository.</p>"
    )


def _number_per_chapter(app, env) -> list[str]:  # noqa: ARG001 (Sphinx's signature)
    """Sphinx counts each kind of numbered item (figure, table, displaymath, exercise)
    across the whole book, the headings being numbered by hand; here each document's items
    are counted again from 1, behind its chapter number. Everything that shows a number
    (captions, exercise titles, equation numbers, {numref} and {eq} links, the LaTeX
    route's exercise titles) reads env.toc_fignumbers."""
    chapters = sphinx_chapter_numbers(env)
    for docname, kinds in env.toc_fignumbers.items():
        for figtype, numbers in kinds.items():
            in_order = sorted(numbers, key=numbers.__getitem__)
            kinds[figtype] = {
                node_id: item_number(chapters.get(docname), index)
                for index, node_id in enumerate(in_order, start=1)
            }
    return []  # the toctree collector has already named the documents whose numbers changed


class AltFromCaption(SphinxPostTransform):
    """A figure's picture with no alt text of its own (a code cell's ``mystnb.figure``
    with no ``mystnb.image.alt``) is described by its caption, never by its file name."""

    default_priority = 10  # after myst-nb has chosen each output's picture (priority 4)

    def run(self, **kwargs) -> None:
        for figure in self.document.findall(nodes.figure):
            caption = next(iter(figure.findall(nodes.caption)), None)
            for image in figure.findall(nodes.image):
                if caption is not None and not image.get("alt"):
                    image["alt"] = caption.astext()


def setup(app):
    app.add_post_transform(AltFromCaption)
    # After the toctree collector (priority 500), which assigns the book-wide numbers.
    app.connect("env-get-updated", _number_per_chapter, priority=600)
    app.connect("config-inited", _version_and_licence)
    app.connect("autodoc-process-docstring", _link_chapter)
    app.connect("source-read", _repository_url)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    # After myst-nb (priority 500), which adds the widget scripts in this event.
    app.connect("html-page-context", _drop_unused_widget_scripts, priority=900)
    app.connect("html-page-context", _defer_scripts, priority=950)
    # After MathJax (priority 500, deferred): see the file's comment.
    app.add_js_file("mathjax2_shim.js", priority=510, defer="defer")
    app.add_css_file("hadalib.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
