"""The presentation layer: the drawing functions by topic behind one façade, the
example inputs they draw, and the command that saves the study figures."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

import hadalib.plotting as plotting
from hadalib.boolean import walsh_spectrum
from hadalib.examples import camera_feature_map, example_truth_table, small_integer_matrices
from hadalib.plotting import draw_grover, study
from hadalib.widgets import figure

RESULTS = ROOT / "book" / "results"


def _topic_modules():
    return [
        info.name
        for info in pkgutil.iter_modules(plotting.__path__)
        if not info.name.startswith("_")
    ]


def test_facade_gives_every_drawing_function_of_every_topic_once():
    defined = {}
    for topic in _topic_modules():
        module = importlib.import_module(f"hadalib.plotting.{topic}")
        for name, obj in vars(module).items():
            if name.startswith("draw_") and inspect.isfunction(obj):
                assert obj.__module__ == module.__name__, f"{topic} re-exports {name}"
                defined[name] = obj
    assert sorted(plotting.__all__) == sorted(defined)
    for name, obj in defined.items():
        assert getattr(plotting, name) is obj
    with pytest.raises(AttributeError, match="has no attribute 'draw_nothing'"):
        plotting.draw_nothing  # noqa: B018


# Draws every figure of the topics but networks and study where torch cannot be imported
# (ARGS: the arguments without defaults).
_NO_TORCH = """
import importlib, pkgutil, sys
sys.modules["torch"] = None  # any import of torch now fails
import numpy as np
import hadalib.plotting as plotting
assert [m for m in sys.modules if m.startswith("hadalib.plotting.")] == [], "façade not lazy"
assert "matplotlib" not in sys.modules, "importing the façade loads matplotlib"
from hadalib.widgets import figure
X = np.array([[-1.0, -1.0, 0.0], [1.0, 1.0, 0.0]])
ARGS = {
    "draw_training": dict(epochs=5, X=X, Y=np.eye(2)),
    "draw_padding_modes": dict(image=np.arange(9).reshape(3, 3)),
    "draw_feature_maps": dict(maps={"a": np.eye(3)}),
    "draw_reconstruction": dict(image=np.eye(8)),
}
drawn = []
for info in pkgutil.iter_modules(plotting.__path__):
    if info.name.startswith("_") or info.name in ("networks", "study"):
        continue
    module = importlib.import_module("hadalib.plotting." + info.name)
    for name in [n for n in vars(module) if n.startswith("draw_")]:
        figure(getattr(plotting, name), **ARGS.get(name, {}))
        drawn.append(name)
print(" ".join(sorted(drawn)))
"""


def test_facade_and_every_figure_but_the_deep_learning_ones_need_no_torch():
    done = subprocess.run(
        [sys.executable, "-c", _NO_TORCH],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "draw_bloch",
        "draw_broadcasting",
        "draw_butterfly",
        "draw_circuit",
        "draw_dyadic_convolution",
        "draw_feature_maps",
        "draw_grover",
        "draw_multichannel_convolution",
        "draw_multiplexing_gain",
        "draw_network",
        "draw_padding_modes",
        "draw_products",
        "draw_qiskit_circuit",
        "draw_reconstruction",
        "draw_resnet_placements",
        "draw_training",
        "draw_walsh_cdma",
        "draw_walsh_functions",
        "draw_walsh_spectrum",
        "draw_window_walk",
    ]


def test_signal_figures_draw_what_the_library_computes():
    gain = figure(
        plotting.draw_multiplexing_gain, max_order=16, simulated={"measured": ([4], [2.0])}
    )
    lines = {line.get_label(): line for line in gain.axes[0].get_lines()}
    np.testing.assert_allclose(lines["Hadamard (±1 masks)"].get_ydata(), [2**0.5, 2, 8**0.5, 4])
    np.testing.assert_allclose(
        lines["S-matrix (0/1 masks)"].get_ydata(), [(n + 1) / (2 * n**0.5) for n in (1, 3, 7, 15)]
    )
    assert "measured" in lines
    with pytest.raises(ValueError, match="max_order=12 is not a power of two from 4 to 4096"):
        figure(plotting.draw_multiplexing_gain, max_order=12)
    synchronized = figure(plotting.draw_walsh_cdma, codes=(1, 2), symbols=3)
    sent, recovered = synchronized.axes[-1].get_lines()[:2]
    np.testing.assert_array_equal(sent.get_ydata(), recovered.get_ydata())
    assert len(synchronized.axes) == 4  # two users, the channel, the recovered bits
    with pytest.raises(ValueError, match="delay=8 is out of range; use 0 <= delay < n = 8"):
        figure(plotting.draw_walsh_cdma, delay=8)


def test_bad_choices_name_the_argument_and_the_choices():
    with pytest.raises(ValueError, match="kernel='emboss' is not one of 'edge', 'blur', 'sharpen'"):
        figure(plotting.draw_window_walk, kernel="emboss")
    with pytest.raises(
        ValueError,
        match=re.escape(
            "layer='wht time' is not one of 'wht channel', 'dct channel', 'wht spatial', "
            "'dct spatial', 'fft spatial'"
        ),
    ):
        figure(plotting.draw_transform_layer, layer="wht time")


def test_dyadic_convolution_figure_draws_both_convolutions_and_refuses_bad_sizes():
    shift = figure(plotting.draw_dyadic_convolution, kernel="shift", s=5, n=16)
    k = np.arange(16)
    np.testing.assert_allclose(shift.axes[1].lines[0].get_ydata(), ((k - 5) % 16) / 16, atol=1e-12)
    np.testing.assert_allclose(shift.axes[2].lines[0].get_ydata(), (k ^ 5) / 16, atol=1e-12)
    box = figure(plotting.draw_dyadic_convolution, kernel="box", s=4, n=16)
    np.testing.assert_allclose(
        box.axes[2].lines[0].get_ydata(), (k // 4 * 4 + 1.5) / 16, atol=1e-12
    )  # the mean over aligned blocks of four
    assert box.axes[2].get_title() == "dyadic: mean of x[k XOR j], j < 4"
    with pytest.raises(ValueError, match="kernel='gauss' is not one of 'shift', 'box'"):
        figure(plotting.draw_dyadic_convolution, kernel="gauss")
    with pytest.raises(ValueError, match=r"n=12 is not a power of two from 2 on \(2, 4, 8"):
        figure(plotting.draw_dyadic_convolution, n=12)
    with pytest.raises(ValueError, match="s=0 is out of range for kernel='box' and n=8; use 1 "):
        figure(plotting.draw_dyadic_convolution, kernel="box", s=0, n=8)


def test_walsh_filter_figure_starts_at_the_identity_and_learns_the_blur():
    start = figure(plotting.draw_walsh_filter_fit, steps=0)
    learned = start.axes[1].lines[1].get_ydata()  # the kernel ifwht(w) of the filter
    np.testing.assert_allclose(learned, np.eye(32)[0], atol=1e-12)
    np.testing.assert_allclose(
        start.axes[0].lines[2].get_ydata(), start.axes[0].lines[0].get_ydata(), atol=1e-12
    )
    fitted = figure(plotting.draw_walsh_filter_fit, steps=200)
    wanted, learned = (line.get_ydata() for line in fitted.axes[1].lines)
    np.testing.assert_allclose(wanted[:3], [0.6, 0.2, 0.2])
    np.testing.assert_allclose(learned, wanted, atol=1e-6)
    losses = fitted.axes[2].lines[0].get_ydata()
    assert len(losses) == 201 and losses[-1] < 1e-9 * losses[0]
    undo = figure(plotting.draw_walsh_filter_fit, steps=3, task="deblur")
    assert undo.axes[1].get_title() == "kernel k = ifwht(w) after 3 steps"
    with pytest.raises(ValueError, match="task='sharpen' is not one of 'blur', 'deblur'"):
        figure(plotting.draw_walsh_filter_fit, task="sharpen")


def test_diagrams_label_what_they_show_and_refuse_what_they_cannot_draw():
    backward = figure(plotting.draw_network, show="backward")
    texts = [t.get_text() for t in backward.axes[0].texts]
    assert "Δ_h = (Δ Vᵀ) ∘ H ∘ (1 − H)" in texts and "Δ = (Ŷ − Y) ∘ Ŷ ∘ (1 − Ŷ) / m" in texts
    marked = figure(plotting.draw_resnet_placements, placements=("conv2_block1", "conv4_block6"))
    assert {"conv2_block1", "conv4_block6"} <= {t.get_text() for t in marked.axes[0].texts}
    with pytest.raises(ValueError, match="show='sideways' is not one of 'forward', 'backward'"):
        figure(plotting.draw_network, show="sideways")
    with pytest.raises(ValueError, match="in_channels=7 is out of range; draw 1 to 6 channels"):
        figure(plotting.draw_multichannel_convolution, in_channels=7)
    with pytest.raises(TypeError, match="out_channels must be an integer"):
        figure(plotting.draw_multichannel_convolution, out_channels=2.0)
    with pytest.raises(ValueError, match="placements='layer9' is not one of"):
        figure(plotting.draw_resnet_placements, placements=("layer9",))


# ---- example inputs ---------------------------------------------------------------------------


def test_small_integer_matrices():
    a, b = small_integer_matrices(3)
    np.testing.assert_array_equal(a, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(b, [[2, -1, 2], [-1, 2, -1], [2, -1, 2]])


def test_example_truth_table_is_the_running_example():
    np.testing.assert_array_equal(walsh_spectrum(example_truth_table(8)), [4, 2, 0, -2, 0, 2, 0, 2])
    np.testing.assert_array_equal(example_truth_table(16)[:8], example_truth_table(8))
    with pytest.raises(ValueError, match="n=12 is not one of 8, 16"):
        example_truth_table(12)
    with pytest.raises(TypeError, match="n must be an integer, got 8.0"):
        example_truth_table(8.0)


def test_camera_feature_map_channels():
    x = camera_feature_map(16)
    assert x.shape == (4, 16, 16) and x.dtype == np.float64
    picture, dx, dy, blur = x
    assert 0 <= picture.min() and picture.max() <= 1
    np.testing.assert_allclose(dx[:, :-1], np.diff(picture, axis=1))
    np.testing.assert_allclose(dy[:-1], np.diff(picture, axis=0))
    np.testing.assert_allclose(blur[5, 5], picture[4:7, 4:7].mean())
    with pytest.raises(ValueError, match="size=24 does not divide 512"):
        camera_feature_map(24)


# ---- python -m hadalib.plotting.study ---------------------------------------------------------


def test_study_saves_the_figures_of_each_setting(tmp_path, capsys):
    import matplotlib.image

    written = study.main([str(RESULTS), "--figures", str(tmp_path / "figures")])
    assert [Path(p).name for p in written] == [
        "digits8-resnet18w16-accuracy.png",
        "digits8-resnet18w16-curves.png",
    ]
    assert capsys.readouterr().out.split() == written
    for path in written:
        assert matplotlib.image.imread(path).shape == (300, 700, 4)  # 7x3 inches at 100 dpi


def test_study_runs_as_a_module(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hadalib.plotting.study",
            str(RESULTS),
            "--figures",
            str(tmp_path),
            "--data",
            "cifar100",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout == f"no records in {RESULTS} with data='cifar100'\n"
    assert list(tmp_path.iterdir()) == []


def test_study_refuses_what_it_cannot_use(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    for argv, says in [
        ([str(blocker), "--figures", str(tmp_path)], f"{blocker} is not a folder of JSON records"),
        ([str(RESULTS), "--figures", str(blocker)], f"--figures {blocker}: cannot write there"),
        ([str(RESULTS)], "the following arguments are required: --figures"),
    ]:
        with pytest.raises(SystemExit) as stop:
            study.main(argv)
        assert stop.value.code == 2
        assert says in capsys.readouterr().err


def test_grover_figure_shows_the_overshoot_and_the_best_count():
    from hadalib.quantum import grover_iterations, grover_state

    fig = figure(draw_grover, iterations=6, m=2)
    bars, curve = fig.axes
    heights = np.array([b.get_height() for b in bars.patches])
    assert np.allclose(heights, grover_state([5, 18], 5, 6))
    assert heights[5] < 0 and heights[0] < 0  # past the best count both amplitudes turned
    assert curve.get_title() == "P(marked) = 0.020 after 6 iterations"
    assert curve.lines[-1].get_xdata()[0] == grover_iterations(5, 2) == 3
    with pytest.raises(ValueError, match=r"m=9 marked items; expected 1 <= m <= 8"):
        figure(draw_grover, m=9)


@pytest.mark.parametrize(
    ("a", "b", "shape", "says"),
    [
        ("[1, 2, 3]", "[4, 5, 6]", (3,), "element-wise, as a ∘ b"),
        ("[1, 2, 3]", "[[10], [20], [30]]", (3, 3), "silently broadcast to (3, 3): an outer"),
        ("[[1, 2, 3]]", "[[10], [20], [30]]", (3, 3), "silently broadcast to (3, 3): an outer"),
        ("[[1, 2, 3], [4, 5, 6]]", "[10, 20, 30]", (2, 3), "broadcast: the smaller operand"),
        ("[1, 2, 3]", "[10, 20]", None, "error: shapes (3,) and (2,) do not broadcast"),
    ],
)
def test_broadcasting_figure_says_what_star_did(a, b, shape, says):
    from hadalib.plotting import draw_broadcasting
    from hadalib.plotting.products import star_product

    fig = figure(draw_broadcasting, a=a, b=b)
    assert says in fig._suptitle.get_text()
    c, _ = star_product(np.array(eval(a)), np.array(eval(b)))
    assert (c is None and shape is None) or c.shape == shape
    if shape is not None:
        assert np.array_equal(
            fig.axes[2].images[0].get_array(), c.reshape(1, -1) if c.ndim < 2 else c
        )
    refused = "differ (it never broadcasts)" in fig._supxlabel.get_text()
    assert refused == (says != "element-wise, as a ∘ b")


def test_broadcasting_figure_reports_text_that_is_not_an_array():
    from hadalib.plotting import draw_broadcasting

    fig = figure(draw_broadcasting, a="[1, 2", b="[1]")
    assert fig.texts[0].get_text() == "a = '[1, 2' is not a list of numbers, e.g. [[1], [2], [3]]"
    fig = figure(draw_broadcasting, a="[1, 2]", b="'ab'")
    assert "b = \"'ab'\" is not a vector or matrix of at most 64 numbers" in fig.texts[0].get_text()


def test_seed_interval_figure_draws_the_intervals_of_the_report():
    from hadalib.experiments.report import interval
    from hadalib.plotting import draw_seed_interval
    from hadalib.plotting.study import simulated_differences

    diffs = simulated_differences(1.0, 0.83, 5, 40)
    assert np.array_equal(diffs, simulated_differences(1.0, 0.83, 5, 40))  # seeded
    assert np.array_equal(simulated_differences(1.0, 0.83, 10, 40)[:, :5], diffs)
    assert abs(simulated_differences(2.0, 1.0, 64, 400).std() - np.sqrt(2)) < 0.05
    mean, low, high = interval(diffs[0])
    fig = figure(draw_seed_interval, seeds=5, effect=1.0, sigma=0.83)
    assert fig.axes[0].get_title().startswith(f"5 seeds: {mean:+.2f} [{low:+.2f}, {high:+.2f}]")
    hits = sum(lo > 0 or hi < 0 for _, lo, hi in map(interval, diffs))
    assert fig.axes[1].get_title() == f"{hits} of 40 studies exclude 0"
    assert figure(draw_seed_interval, seeds=30, effect=0.0).axes[1].get_title() != (
        "40 of 40 studies exclude 0"
    )
    with pytest.raises(ValueError, match=r"seeds=1; expected 2 <= seeds <= 64"):
        simulated_differences(1.0, 1.0, 1, 10)
