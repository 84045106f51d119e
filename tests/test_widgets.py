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


def test_player_errors():
    with pytest.raises(TypeError, match="control 'n' must be a non-empty list of values"):
        player(draw_products, n=[])
    with pytest.raises(ValueError, match="ask for 81 pictures; at most 64"):
        player(draw_products, kind=["hadamard"] * 9, n=list(range(9)))


def test_check_reports_what_is_wrong(capsys):
    assert not check(np.zeros((2, 3)), np.zeros((3, 2)))
    assert "shape (2, 3), the expected shape is (3, 2)" in capsys.readouterr().out
    assert not check([1, 2, 3], [1, 5, 3])
    assert (
        "1 of 3 entries differ; the first at index (1,): 2 instead of 5" in capsys.readouterr().out
    )
    assert check(0.1 + 0.2, 0.3)
    assert capsys.readouterr().out == "Correct!\n"
