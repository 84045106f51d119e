"""The book's widgets: one drawing function, three ways to show it.

Every widget in the book is a pure compute function (tested in ``tests/``)
plus a drawing function ``draw(fig, **values)`` in :mod:`hadalib.plotting`,
shown three ways from one description of its controls:

- :func:`live` -- an ipywidgets view for Jupyter: moving a control calls
  ``draw`` again (through ``observe``, not ``interact``);
- :func:`player` -- a kernel-free version for the rendered book: every
  combination of control values is drawn in advance and a few lines of
  self-contained JavaScript switch between the pictures (no network, no kernel);
- :func:`figure` -- the static default figure.

Controls are given as keyword arguments: a list of values (strings give a
drop-down menu, numbers a slider over those values) or, for :func:`live`
only, a ready-made ipywidgets control.

:func:`check` is the self-check that exercises call.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hadalib._checks import as_real, is_tensor
from hadalib._optional import requires

__all__ = ["live", "player", "figure", "check"]

Draw = Callable[..., None]

_DEFAULT_FIGSIZE = (7.0, 3.0)


def _new_figure(figsize: tuple[float, float]) -> Any:
    # A bare Figure, not pyplot's, so a figure is shown only where the caller
    # displays it. In a kernel pyplot loads its (inline) backend lazily, and
    # with it the formatter that displays a Figure as a picture; draw_if_interactive
    # loads it without creating or closing any figure.
    with requires("plot"):
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

    plt.draw_if_interactive()
    return Figure(figsize=figsize, layout="constrained")


def figure(draw: Draw, *, figsize: tuple[float, float] = _DEFAULT_FIGSIZE, **values: Any) -> Any:
    """Draw one picture of a widget: its static default figure.

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)`` draws onto the matplotlib ``Figure`` it is given.
    figsize : (float, float)
        Figure size in inches.
    **values
        The control values to draw with.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; a notebook displays it as the cell's result.

    Examples
    --------
    >>> from hadalib.plotting import draw_products
    >>> fig = figure(draw_products, kind="hadamard", n=2)
    >>> len(fig.axes)
    3

    Introduced in: book/01_hadamard_product.ipynb
    """
    fig = _new_figure(figsize)
    draw(fig, **values)
    return fig


def _control(name: str, spec: Any) -> Any:
    with requires("plot"):
        import ipywidgets as w

    if isinstance(spec, w.ValueWidget):
        return spec
    values = _as_choices(name, spec)
    if _is_menu(values):
        return w.Dropdown(options=values, value=values[0], description=name)
    return w.SelectionSlider(
        options=values, value=values[0], description=name, continuous_update=False
    )


def _is_menu(values: list) -> bool:
    """Strings are chosen from a drop-down menu; anything else on a slider."""
    return all(isinstance(v, str) for v in values)


def _as_choices(name: str, spec: Any) -> list:
    if isinstance(spec, str) or not isinstance(spec, Sequence) or len(spec) == 0:
        raise TypeError(
            f"control {name!r} must be a non-empty list of values (or, for live, an ipywidgets "
            f"control); got {spec!r}"
        )
    return list(spec)


def live(draw: Draw, *, figsize: tuple[float, float] = _DEFAULT_FIGSIZE, **controls: Any) -> Any:
    """An ipywidgets view of ``draw``: the figure is redrawn whenever a control moves.

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)`` draws onto the matplotlib ``Figure`` it is given.
    figsize : (float, float)
        Figure size in inches.
    **controls
        For each keyword of ``draw``: a list of values (strings give a
        drop-down, numbers a slider over the values)
        or an ipywidgets control such as ``FloatLogSlider``. The first value
        is shown first, as in :func:`player`.

    Returns
    -------
    ipywidgets.VBox
        The controls above an ``Output`` holding the figure. Its attribute
        ``controls`` maps each name to its control.

    Examples
    --------
    >>> from hadalib.plotting import draw_products
    >>> view = live(draw_products, kind=["hadamard", "kronecker"], n=[2, 3])
    >>> view.controls["n"].value = 3  # what moving the slider does
    >>> view.children[1].outputs[0]["data"]["text/plain"]
    '<Figure size 700x300 with 3 Axes>'

    Introduced in: book/01_hadamard_product.ipynb
    """
    with requires("plot"):
        import ipywidgets as w
        from IPython.core.interactiveshell import InteractiveShell

    if not controls:
        raise TypeError("live needs at least one control, e.g. live(draw, n=[2, 3, 4])")
    widgets = {name: _control(name, spec) for name, spec in controls.items()}
    out = w.Output()

    def redraw(_change: Any = None) -> None:
        fig = figure(draw, figsize=figsize, **{k: c.value for k, c in widgets.items()})
        # One assignment swaps the picture (no flicker, nothing printed outside Jupyter).
        data, metadata = InteractiveShell.instance().display_formatter.format(fig)
        out.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)

    for control in widgets.values():
        control.observe(redraw, names="value")
    redraw()
    view = w.VBox([w.HBox(list(widgets.values())), out])
    view.controls = widgets
    return view


def _png_data_url(fig: Any, dpi: int) -> str:
    buf = io.BytesIO()
    # No metadata: the same picture gives the same bytes (nbval compares them).
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


_PLAYER_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  var frames = %(frames)s;
  var choices = %(choices)s;
  var img = root.querySelector("img.hadalib-frame");
  var inputs = root.querySelectorAll("[data-control]");
  function update() {
    var key = [];
    inputs.forEach(function (input, k) {
      var i = parseInt(input.value, 10);
      key.push(i);
      var shown = root.querySelector('output[data-for="' + input.dataset.control + '"]');
      if (shown) { shown.textContent = choices[k][i]; }
    });
    img.src = frames[key.join(",")];
    img.alt = %(subject)s + ", at " + choices.map(function (values, k) {
      return inputs[k].dataset.control + " = " + values[key[k]];
    }).join(", ");
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
"""


def player(
    draw: Draw, *, figsize: tuple[float, float] = _DEFAULT_FIGSIZE, dpi: int = 72, **controls: Any
) -> Any:
    """A kernel-free version of :func:`live` for the rendered book.

    Every combination of control values is drawn in advance and stored as a
    PNG inside the HTML; a few lines of self-contained JavaScript (no
    libraries, no network) switch pictures as the reader moves the controls.
    The output is deterministic, so notebook tests can compare it.

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)`` draws onto the matplotlib ``Figure`` it is given.
    figsize : (float, float)
        Figure size in inches.
    dpi : int
        Resolution of the stored pictures (keep notebooks small).
    **controls
        For each keyword of ``draw``, a list of values. Strings give a
        drop-down menu, anything else a slider; the first value is shown first.

    Returns
    -------
    IPython.display.HTML
        The player; a notebook (and the book) displays it as the cell's result.

    Raises
    ------
    TypeError
        If a control is not a non-empty list of values.
    ValueError
        If the controls ask for more than 64 pictures.

    Examples
    --------
    >>> from hadalib.plotting import draw_products
    >>> page = player(draw_products, kind=["hadamard", "kronecker"], n=[2, 3])
    >>> page.data.count("data:image/png;base64,")  # 4 pictures, and the first shown at start
    5

    Introduced in: book/01_hadamard_product.ipynb
    """
    with requires("plot"):
        from IPython.display import HTML

    if not controls:
        raise TypeError("player needs at least one control, e.g. player(draw, n=[2, 3, 4])")
    choices = {name: _as_choices(name, spec) for name, spec in controls.items()}
    count = int(np.prod([len(v) for v in choices.values()]))
    if count > 64:
        raise ValueError(
            f"the controls ask for {count} pictures; at most 64 are accepted (use fewer values)"
        )
    frames = {}
    for index in itertools.product(*(range(len(v)) for v in choices.values())):
        values = {name: choices[name][i] for name, i in zip(choices, index, strict=True)}
        frames[",".join(map(str, index))] = _png_data_url(
            figure(draw, figsize=figsize, **values), dpi
        )
    return HTML(_player_html(frames, choices, _subject(draw)))


def _subject(draw: Draw) -> str:
    """What ``draw`` draws, in words for alt text: the first sentence of its docstring in
    plain text (roles and literals unwrapped, remarks about chapters dropped, a leading
    "Draw" left out), else its name (``draw_energy_plausibility``: "Energy plausibility")."""
    while isinstance(draw, functools.partial):  # its own docstring is partial's
        draw = draw.func
    doc = (getattr(draw, "__doc__", None) or "").strip()
    text = doc.split("\n\n")[0].replace("\n", " ").split(". ")[0].rstrip(".")
    text = re.sub(r":\w+:`~?(?:[\w.]*\.)?([^`]+)`", r"\1", text).replace("``", "")
    text = re.sub(r"\s*\([^)]*chapter[^)]*\)", "", text).removeprefix("Draw ")
    if not text:
        name = getattr(draw, "__name__", "")
        text = name.removeprefix("draw_").replace("_", " ") if name.isidentifier() else "figure"
    return text[:1].upper() + text[1:]


def _alt(subject: str, values: dict[str, Any]) -> str:
    """A frame's alt text: what is drawn and the control values it is drawn at."""
    return subject + ", at " + ", ".join(f"{name} = {value}" for name, value in values.items())


def _player_html(frames: dict[str, str], choices: dict[str, list], subject: str) -> str:
    """The player's page: the controls, the first picture, the script that switches them
    (and the picture's alt text, which names what is drawn and at which values)."""
    frames_json = json.dumps(frames)
    uid = "hadalib-player-" + hashlib.sha1(frames_json.encode()).hexdigest()[:12]
    labels = json.dumps([[str(v) for v in values] for values in choices.values()])
    script = _PLAYER_SCRIPT % {
        "id": uid,
        "frames": frames_json,
        "choices": labels,
        "subject": json.dumps(subject),
    }
    rows = "".join(_control_html(name, values) for name, values in choices.items())
    first = _alt(subject, {name: values[0] for name, values in choices.items()})
    return (
        f'<div class="hadalib-player" id="{uid}">'
        f'<div class="hadalib-controls" style="display:flex;gap:1.5em;flex-wrap:wrap">'
        f"{rows}</div>"
        f'<img class="hadalib-frame" style="max-width:100%" src="{frames[next(iter(frames))]}" '
        f'alt="{html.escape(first)}">'
        f"<script>{script}</script></div>"
    )


def _control_html(name: str, values: list) -> str:
    """A drop-down menu (strings) or a slider over the indices of ``values``."""
    label = html.escape(name)
    if _is_menu(values):
        options = "".join(
            f'<option value="{i}">{html.escape(v)}</option>' for i, v in enumerate(values)
        )
        return f'<label>{label} <select data-control="{label}">{options}</select></label>'
    return (
        f'<label>{label} <input type="range" data-control="{label}" min="0" '
        f'max="{len(values) - 1}" step="1" value="0"> '
        f'<output data-for="{label}"></output></label>'
    )


def check(answer: Any, expected: Any, *, rtol: float = 1e-7, atol: float = 1e-12) -> None:
    """Self-check for an exercise: print whether the whole answer is right, and where not.

    The verdict never shows the expected value. The answer is first made a plain NumPy
    array (a tensor is detached and copied to the CPU; anything that is not numbers, or
    text, is refused), so the expected value is never handed to the reader's objects.
    Where the answer has few possible values (booleans, signs or bits, short tuples) the
    verdict is only "Correct!" or "Not yet.", since naming the wrong entry would give the
    answer away; otherwise it names the shape that differs, or how many entries differ and,
    for the first of them, its index and whether it is NaN, has the wrong sign, is too
    large or too small (in magnitude, for a negative value), and roughly by how much.

    Parameters
    ----------
    answer : array_like, scalar, torch.Tensor or None
        The reader's answer; None (what an exercise cell holds before the reader answers)
        says that there is no answer yet.
    expected : array_like or scalar
        The correct value (compared entry by entry, all of it); a NaN expects a NaN.
    rtol, atol : float
        Tolerances, as in ``numpy.allclose``: finite, >= 0, and rtol below 1.

    Raises
    ------
    TypeError, ValueError
        If a tolerance is not a real number in its range.

    Examples
    --------
    >>> check([[1, 2]], [[1, 2], [3, 4]])
    Not yet: your answer has shape (1, 2), which is not the shape of the answer.
    >>> check(2.5, 2)
    Not yet: your answer is too large, by 10% or more.
    >>> check([1, 2], [1, 2])
    Correct!
    >>> check([1, 0], [1, 1])
    Not yet.
    >>> check(None, [1, 2])
    No answer yet: replace None with your answer and run the cell again.

    Introduced in: book/01_hadamard_product.ipynb
    """
    rtol, atol = as_real(rtol, "rtol"), as_real(atol, "atol")
    if not (0 <= rtol < 1 and 0 <= atol < math.inf):
        raise ValueError(
            f"rtol={rtol} and atol={atol}: tolerances must be finite and >= 0, rtol below 1"
        )
    if answer is None:
        print("No answer yet: replace None with your answer and run the cell again.")
        return
    got, want = _plain(answer), np.asarray(expected)
    if got is None:
        print("Not yet: your answer is not a number, an array of numbers, or text.")
        return
    if got.shape != want.shape:
        print(f"Not yet: your answer has shape {got.shape}, which is not the shape of the answer.")
        return
    if got.dtype.kind in "biufc" and want.dtype.kind in "biufc":
        wrong = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        wrong = got != want
    if not wrong.any():
        print("Correct!")
    elif _few_values(want):
        print("Not yet.")
    elif want.ndim == 0:
        print(f"Not yet: your answer {_how_wrong(got[()], want[()])}.")
    else:
        first = tuple(int(i) for i in np.argwhere(wrong)[0])
        print(
            f"Not yet: {int(wrong.sum())} of {wrong.size} entries differ; the first at index "
            f"{first} {_how_wrong(got[first], want[first])}."
        )


def _plain(answer: Any) -> np.ndarray | None:
    """The answer as a plain array of numbers or text, or None for anything else."""
    if is_tensor(answer):
        answer = answer.detach().cpu().numpy()
    try:
        got = np.asarray(answer)
    except (TypeError, ValueError):
        return None
    return got if got.dtype.kind in "biufcUS" else None


def _few_values(want: np.ndarray) -> bool:
    """Whether an answer has few possible values: booleans, signs or bits, short tuples."""
    if want.dtype.kind == "b" or 1 < want.size <= 4:
        return True
    return want.dtype.kind in "iuf" and want.size > 0 and bool(np.isin(want, (-1, 0, 1)).all())


def _how_wrong(got: Any, want: Any) -> str:
    """Where one entry is off, in words that do not give the expected value away."""
    try:
        g, w = complex(got), complex(want)
    except (TypeError, ValueError):
        return "is not the right value"
    if g.imag or w.imag:
        return "is not the right complex number"
    g, w = g.real, w.real
    if math.isnan(g):
        return "is NaN (not a number)"
    if math.isnan(w) or math.isinf(g) or math.isinf(w):
        return "is not the right value"
    if w != 0 and g != 0 and (g > 0) != (w > 0):
        return "has the wrong sign"
    size = "too large" if abs(g) > abs(w) else "too small"
    if w < 0:
        size += " in magnitude"
    if w == 0:
        return f"is {size}"
    off = abs(g - w) / abs(w)
    band = "by less than 1%" if off < 0.01 else "by 1% to 10%" if off < 0.1 else "by 10% or more"
    return f"is {size}, {band}"
