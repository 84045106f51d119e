"""Exercises never give the answer away.

A reader's exercise cell holds no answer (``answer = None``) and calls the exercise's
self-check with that one argument, ``check_ch05_ex2(answer)``; the self-check is defined
in a cell removed from the page (tag ``remove-cell``) before it, so the expected value
and its formula never stand in a cell the page shows. These tests read the notebooks'
sources only; the rules for the stored outputs of those cells (no verdict that names an
entry, no stray True/False) are in their own test at the end.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from conftest import NOTEBOOKS

HIDDEN = {"remove-cell", "remove-input"}
# a call of hadalib.widgets.check or of an exercise's self-check
CHECK_CALL = re.compile(r"\bcheck(?:_\w+)?\(")
CHECKER_NAME = re.compile(r"^check_(ch\d+)_ex(\d+)$")
# check(x, y) in view: the expected value is the second argument (as tools/honest_text.py reads it)
CHECK_IN_VIEW = re.compile(r"\bcheck\(\s*[^,()]+(\([^()]*\))?\s*,\s*[^)\s][^\n]*")
# verdicts that show or point at the answer
LEAK = re.compile(r"instead of|expected (?!shape)|the answer is", re.I)
POINTING = re.compile(r"entries differ|the first at index|has shape", re.I)
NO_ANSWER_YET = "No answer yet: replace None with your answer and run the cell again."


def _cells(nb_path: Path) -> list[dict]:
    return json.loads(nb_path.read_text())["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _hidden(cell: dict) -> bool:
    return bool(HIDDEN & set(cell["metadata"].get("tags", [])))


def _exercise_cells(nb_path: Path) -> list[tuple[int, dict]]:
    """The code cells a reader sees that call a check: the exercise cells."""
    return [
        (i, c)
        for i, c in enumerate(_cells(nb_path))
        if c["cell_type"] == "code" and not _hidden(c) and CHECK_CALL.search(_source(c))
    ]


def _tree(source: str) -> ast.Module:
    # IPython magics and shell lines are not Python
    return ast.parse(
        "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    )


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and (n.func.id == "check" or n.func.id.startswith("check_"))
    ]


def _answer_assignments(tree: ast.AST) -> list[tuple[str, ast.expr]]:
    """(name, value) of every ``answer... = value`` in the cell."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id.startswith("answer"):
                    found.append((t.id, node.value))
    return found


def _cases():
    return [
        pytest.param(p, i, id=f"{p.stem}-cell{i}") for p in NOTEBOOKS for i, _ in _exercise_cells(p)
    ]


def test_every_chapter_with_exercises_has_exercise_cells():
    """The tests below are not vacuous: chapters with a self-check have exercise cells."""
    with_checks = [p.stem for p in NOTEBOOKS if _exercise_cells(p)]
    assert len(with_checks) >= 9, with_checks


@pytest.mark.parametrize(("nb_path", "index"), _cases())
def test_exercise_cell_holds_no_answer(nb_path, index):
    source = _source(_cells(nb_path)[index])
    tree = _tree(source)
    answers = _answer_assignments(tree)
    assert answers, f"{nb_path.name} cell {index}: no `answer = None` for the reader to replace"
    for name, value in answers:
        assert isinstance(value, ast.Constant) and value.value is None, (
            f"{nb_path.name} cell {index}: `{name} = {ast.unparse(value)}` stores an answer; "
            f"store `{name} = None   # your answer: <its form>`"
        )
        assert re.search(rf"^{name}\s*=\s*None\s+# your answer: \S", source, re.M), (
            f"{nb_path.name} cell {index}: say what form `{name}` takes: "
            f"`{name} = None   # your answer: <its form>`"
        )


@pytest.mark.parametrize(("nb_path", "index"), _cases())
def test_exercise_cell_calls_its_check_with_the_answer_alone(nb_path, index):
    source = _source(_cells(nb_path)[index])
    tree = _tree(source)
    assert not CHECK_IN_VIEW.search(source), (
        f"{nb_path.name} cell {index}: the expected value stands in the visible check: "
        f"{CHECK_IN_VIEW.search(source).group(0)[:70]!r}"
    )
    answer_names = {name for name, _ in _answer_assignments(tree)}
    calls = _calls(tree)
    assert calls, f"{nb_path.name} cell {index}: no self-check call"
    for call in calls:
        text = ast.unparse(call)
        assert CHECKER_NAME.match(call.func.id), (
            f"{nb_path.name} cell {index}: `{text}`: call the exercise's own check, "
            "check_chNN_exM(answer), defined in a hidden cell"
        )
        assert len(call.args) == 1 and not call.keywords, (
            f"{nb_path.name} cell {index}: `{text}` must take the answer alone"
        )
        arg = call.args[0]
        assert isinstance(arg, ast.Name) and arg.id in answer_names, (
            f"{nb_path.name} cell {index}: `{text}` must be handed the answer variable itself"
        )


@pytest.mark.parametrize(("nb_path", "index"), _cases())
def test_exercise_check_is_named_by_its_label_and_defined_out_of_view(nb_path, index):
    cells = _cells(nb_path)
    labels = set(
        re.findall(
            r"^:label:\s*(ch\d+-ex\d+)\s*$",
            "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown"),
            re.M,
        )
    )
    for call in _calls(_tree(_source(cells[index]))):
        name = call.func.id
        match = CHECKER_NAME.match(name)
        if match is None:
            continue  # reported by the test above
        label = f"{match.group(1)}-ex{match.group(2)}"
        assert label in labels, f"{nb_path.name} cell {index}: `{name}` names no exercise {label}"
        definition = re.compile(rf"^(def\s+{name}\s*\(|{name}\s*=)", re.M)
        defined = [
            i
            for i, c in enumerate(cells)
            if c["cell_type"] == "code" and definition.search(_source(c))
        ]
        assert defined, f"{nb_path.name}: `{name}` is never defined"
        for i in defined:
            assert _hidden(cells[i]), (
                f"{nb_path.name} cell {i}: `{name}` is defined in a cell the page shows; "
                "tag it remove-cell"
            )
        assert min(defined) < index, (
            f"{nb_path.name}: `{name}` is defined after its exercise (cell {index})"
        )


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_visible_cell_holds_an_expected_value(nb_path):
    """The rule of tools/honest_text.py over every visible code cell, exercise or not."""
    for i, cell in enumerate(_cells(nb_path)):
        if cell["cell_type"] != "code" or _hidden(cell):
            continue
        found = CHECK_IN_VIEW.search(_source(cell))
        assert not found, (
            f"{nb_path.name} cell {i}: the expected value stands in the visible check: "
            f"{found.group(0)[:70]!r}"
        )


# Stored outputs: what a reader sees under an exercise before answering it.
@pytest.mark.parametrize(("nb_path", "index"), _cases())
def test_stored_exercise_output_shows_no_answer(nb_path, index):
    cell = _cells(nb_path)[index]
    texts = []
    for out in cell.get("outputs", []):
        text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
        assert text.strip() not in ("True", "False"), (
            f"{nb_path.name} cell {index}: a stray {text.strip()} after the check"
        )
        assert not LEAK.search(text), (
            f"{nb_path.name} cell {index}: the stored output shows the answer: "
            f"{text.strip()[:80]!r}"
        )
        assert not POINTING.search(text), (
            f"{nb_path.name} cell {index}: the stored verdict points at an entry: "
            f"{text.strip()[:80]!r}"
        )
        texts.append(text)
    assert NO_ANSWER_YET in "".join(texts), (
        f"{nb_path.name} cell {index}: a cell holding None should say {NO_ANSWER_YET!r}"
    )
