"""The widget machinery: the live view, the kernel-free player, the self-check."""

import re

import numpy as np
import pytest

from hadalib.plotting import draw_products
from hadalib.widgets import check, figure, live, player


@pytest.mark.parametrize(
    ("kind", "n", "shape"), [("hadamard", 3, (3, 3)), ("kronecker", 2, (4, 4))]
)
def test_figure_draws_the_product(kind, n, shape):
    fig = figure(draw_products, kind=kind, n=n)
    result = fig.axes[2].images[0].get_array()
    assert result.shape == shape


def test_live_redraws_when_a_control_moves():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    # What the inline backend does in a kernel: show a Figure as a PNG.
    select_figure_formats(InteractiveShell.instance(), {"png"})
    view = live(draw_products, kind=["hadamard", "kronecker"], n=[2, 3])
    output = view.children[1]
    before = output.outputs[0]["data"]["image/png"]
    view.controls["kind"].value = "kronecker"
    assert len(output.outputs) == 1
    assert output.outputs[0]["data"]["image/png"] != before


def test_player_holds_every_combination_and_is_deterministic():
    a = player(draw_products, kind=["hadamard", "matrix"], n=[2, 3, 4]).data
    b = player(draw_products, kind=["hadamard", "matrix"], n=[2, 3, 4]).data
    assert a == b
    frames = re.search(r"var frames = (\{.*?\});", a).group(1)
    assert sorted(re.findall(r'"(\d,\d)"', frames)) == [
        f"{i},{j}" for i in range(2) for j in range(3)
    ]
    assert "<select" in a and 'type="range"' in a
    assert "http" not in a  # nothing to fetch


def test_player_frames_say_what_they_show():
    page = player(draw_products, kind=["hadamard", "matrix"], n=[2, 3]).data
    assert 'alt="A, B and one of their products, at kind = hadamard, n = 2"' in page
    assert "``" not in page and "frame 0" not in page


def test_player_alt_text_of_an_undocumented_drawing():
    def draw_noise_floor(fig, level):
        fig.add_subplot().plot([level])

    def unnamed(fig, level):
        "Draw ``level`` as a line (chapter 1's widget)."
        fig.add_subplot().plot([level])

    assert 'alt="Noise floor, at level = 1"' in player(draw_noise_floor, level=[1, 2]).data
    assert 'alt="Level as a line, at level = 1"' in player(unnamed, level=[1, 2]).data


def test_player_of_a_partial_says_what_its_function_draws():
    from functools import partial

    page = player(partial(draw_products, kind="kronecker"), n=[2, 3]).data
    assert 'alt="A, B and one of their products, at n = 2"' in page


def test_player_errors():
    with pytest.raises(TypeError, match="control 'n' must be a non-empty list of values"):
        player(draw_products, n=[])
    with pytest.raises(ValueError, match="ask for 81 pictures; at most 64"):
        player(draw_products, kind=["hadamard"] * 9, n=list(range(9)))


def _verdict(capsys, answer, expected, **tolerances) -> str:
    assert check(answer, expected, **tolerances) is None  # it prints; a cell shows no False
    return capsys.readouterr().out.strip()


def test_check_reports_what_is_wrong(capsys):
    assert _verdict(capsys, np.zeros((2, 3)), np.zeros((3, 2))) == (
        "Not yet: your answer has shape (2, 3), which is not the shape of the answer."
    )
    assert _verdict(capsys, [1, 2, 3, 4, 5], [1, 7, 3, 4, 5]) == (
        "Not yet: 1 of 5 entries differ; the first at index (1,) is too small, by 10% or more."
    )
    assert _verdict(capsys, 0.1 + 0.2, 0.3) == "Correct!"
    assert _verdict(capsys, None, 0.3) == (
        "No answer yet: replace None with your answer and run the cell again."
    )


FIVE = [5.0, 6.0, 7.0, 8.0]


@pytest.mark.parametrize(
    ("answer", "expected", "says"),
    [
        (-2.0, 2.0, "has the wrong sign"),
        (2.01, 2.0, "is too large, by less than 1%"),
        (1.9, 2.0, "is too small, by 1% to 10%"),
        (-0.2, -0.032, "is too large in magnitude, by 10% or more"),
        (0.5, 0.0, "is too large"),
        (float("nan"), 2.0, "is NaN (not a number)"),
        ("a", "b", "is not the right value"),
        (1j, 2j, "is not the right complex number"),
    ],
)
def test_check_never_shows_the_expected_value(capsys, answer, expected, says):
    out = _verdict(capsys, [answer, *FIVE], [expected, *FIVE])
    assert says in out
    assert str(expected) not in out.replace("index (0,)", "")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(True, False), ([1, -1, 1, 1, -1], [1, -1, 1, -1, -1]), ((3, 9), (3, 10)), (0, 1)],
)
def test_check_says_only_not_yet_where_few_values_are_possible(capsys, answer, expected):
    assert _verdict(capsys, answer, expected) == "Not yet."


def test_check_never_hands_the_expected_value_to_the_answer(capsys):
    seen = []

    class Spy:
        def __ne__(self, other):
            seen.append(other)
            return True

        __eq__ = __ne__

    assert _verdict(capsys, Spy(), 42.0) == (
        "Not yet: your answer is not a number, an array of numbers, or text."
    )
    assert seen == []


def test_check_tolerances_and_nan(capsys):
    with pytest.raises(ValueError, match=r"rtol=1e-07 and atol=inf: tolerances must be finite"):
        check(1.0, 2.0, atol=float("inf"))
    with pytest.raises(TypeError, match="rtol must be a real number, got 'big' \\(str\\)"):
        check(1.0, 2.0, rtol="big")
    with pytest.raises(ValueError, match="rtol=2.0 and atol=1e-12"):
        check(1.0, 2.0, rtol=2.0)
    assert _verdict(capsys, float("nan"), float("nan")) == "Correct!"


def test_check_takes_a_tensor_that_requires_grad(capsys):
    torch = pytest.importorskip("torch")
    answer = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True) * 2
    assert _verdict(capsys, answer, [2.0, 4.0, 6.0, 8.0, 10.0]) == "Correct!"


def test_check_compares_the_whole_answer(capsys):
    expected = np.arange(1600.0).reshape(40, 40)
    answer = expected.copy()
    answer[39, 39] += 1
    assert "index (39, 39)" in _verdict(capsys, answer, expected)
