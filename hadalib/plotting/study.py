"""The figures of the study chapters: accuracy over seeds, learning curves, energy.

Usage::

    python -m hadalib.plotting.study book/results/ --figures DIR [--data digits]

saves, for each setting of the records (data set, image size, model, width), the
accuracy of each variant over seeds and the mean learning curves as PNG files in
``DIR``, named ``<data><size>-<model>w<width>-accuracy.png`` and ``...-curves.png``
(with ``-smoke`` before the suffix for smoke runs).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hadalib._files import unwritable
from hadalib.energy import training_energy
from hadalib.experiments.config import DATA
from hadalib.experiments.report import interval, load_results, summarize
from hadalib.nn.variants import ALL_VARIANTS, PLACEMENT_GROUPS

__all__ = [
    "draw_variant_intervals",
    "draw_study_curves",
    "draw_energy_plausibility",
    "draw_seed_interval",
    "main",
]

#: The colour of each kind of layer (None: the baseline) and the line of each group of
#: placements, in the figures.
_COLOURS = {
    None: "black",
    "wht": "tab:blue",
    "dct": "tab:green",
    "fft": "tab:red",
    "walsh": "tab:purple",
}
_PLACEMENT_STYLES = dict(zip(PLACEMENT_GROUPS, (":", "--", "-"), strict=True))
_METRIC_LABELS = {
    "test_acc": "test accuracy",
    "train_acc": "training accuracy",
    "test_loss": "test loss",
    "train_loss": "training loss",
}


def _variant_label(row: Mapping[str, Any]) -> str:
    spatial = row.get("axes") == "spatial" and ALL_VARIANTS[row["variant"]].kind is not None
    return row["variant"] + (" (spatial)" if spatial else "")


def _variant_colour(variant: str) -> str:
    return _COLOURS[ALL_VARIANTS[variant].kind]


def draw_variant_intervals(
    fig: Any,
    rows: Any = (),
    metric: str = "final_test_acc",
    scale: float = 100.0,
    xlabel: str = "test accuracy (%)",
) -> None:
    """Draw each variant's runs (dots) and mean with its 95% interval (bar).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    rows : list of dict
        Rows of :func:`hadalib.experiments.report.summarize` that include ``metric``.
    metric : str
        Which metric to draw.
    scale : float
        Factor applied to the values (100 for percent).
    xlabel : str
        Label of the value axis.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> rows = [{"variant": "baseline", "axes": "channel", "final_test_acc":
    ...          {"mean": 0.9, "low": 0.88, "high": 0.92, "values": [0.89, 0.91]}}]
    >>> figure(draw_variant_intervals, rows=rows).axes[0].get_xlabel()
    'test accuracy (%)'

    Introduced in: book/11_transform_layers.ipynb
    """
    ax = fig.subplots()
    rows = [r for r in rows if r.get(metric)]
    for i, row in enumerate(rows):
        m = row[metric]
        colour = _variant_colour(row["variant"])
        ax.plot(
            [v * scale for v in m["values"]],
            [i] * len(m["values"]),
            "o",
            ms=3,
            color=colour,
            alpha=0.4,
        )
        if not np.isnan(m["low"]):
            ax.plot([m["low"] * scale, m["high"] * scale], [i, i], "-", lw=2, color=colour)
        ax.plot([m["mean"] * scale], [i], "|", ms=12, mew=2, color=colour)
    ax.set_yticks(range(len(rows)), [_variant_label(r) for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)


def draw_study_curves(
    fig: Any, results: Any = (), metric: str = "test_acc", axes: str = "channel"
) -> None:
    """Draw the mean learning curve over seeds of each variant.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    results : list of dict
        Run records (see :func:`hadalib.experiments.report.load_results`).
    metric : str
        A key of each epoch's entry in ``history`` (e.g. "test_acc", "train_loss").
    axes : str
        Draw the variants run with this ``axes`` setting (the baseline always).

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> run = {"variant": "baseline", "axes": "channel",
    ...        "history": [{"test_acc": 0.5}, {"test_acc": 0.8}]}
    >>> figure(draw_study_curves, results=[run]).axes[0].get_ylabel()
    'test accuracy'

    Introduced in: book/11_transform_layers.ipynb
    """
    ax = fig.subplots()
    for variant in ALL_VARIANTS.values():
        baseline = variant.kind is None
        runs = [
            r for r in results if r["variant"] == variant.name and (baseline or r["axes"] == axes)
        ]
        if not runs:
            continue
        curve = np.mean([[h[metric] for h in r["history"]] for r in runs], axis=0)
        ax.plot(
            np.arange(1, len(curve) + 1),
            curve,
            _PLACEMENT_STYLES.get(variant.group, "-"),
            color=_COLOURS[variant.kind],
            lw=2.5 if baseline else 1.2,
            label=variant.name,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)


#: The most seeds :func:`draw_seed_interval` simulates per study.
_MOST_SEEDS = 64


def simulated_differences(
    effect: float, sigma: float, seeds: int, studies: int, rng_seed: int = 0
) -> np.ndarray:
    """Paired differences of simulated studies: ``studies`` rows of ``seeds`` differences.

    Each run of each variant scores its true accuracy plus a normal error of spread
    ``sigma``, independent between runs; the variants differ by ``effect``. The same
    ``rng_seed`` gives the same studies, and more seeds extend each study (the first
    ``seeds`` of ``_MOST_SEEDS`` drawn runs), so that pictures for different counts agree.
    """
    if not 2 <= seeds <= _MOST_SEEDS:
        raise ValueError(f"seeds={seeds}; expected 2 <= seeds <= {_MOST_SEEDS}")
    if not sigma > 0:
        raise ValueError(f"sigma={sigma}; expected a spread > 0")
    runs = np.random.default_rng(rng_seed).normal(0.0, sigma, size=(studies, _MOST_SEEDS, 2))
    return effect + runs[:, :seeds, 0] - runs[:, :seeds, 1]


def draw_seed_interval(
    fig: Any, seeds: int = 5, effect: float = 1.0, sigma: float = 1.0, studies: int = 40
) -> None:
    """Draw the 95% interval of a paired difference over seeds, for a true effect and a spread.

    Two variants differ in true accuracy by ``effect`` points, and one run of either
    varies by ``sigma`` points from seed to seed. Left, one simulated study: the
    difference of each seed's pair of runs, their mean and its 95% interval (Student's t,
    :func:`hadalib.experiments.report.interval`), and whether it excludes zero; right,
    ``studies`` such studies, to show how often an interval finds the effect. The
    simulation is seeded, so the same values give the same picture.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    seeds : int
        Paired runs per study, 2 to 64.
    effect : float
        True accuracy difference of the two variants, in points.
    sigma : float
        Spread (standard deviation) of one run, in points.
    studies : int
        Number of simulated studies on the right.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_seed_interval, seeds=30, effect=2.0).axes[1].get_title()
    '40 of 40 studies exclude 0'

    Introduced in: book/12_resnet50_wht.ipynb
    """
    diffs = simulated_differences(effect, sigma, seeds, studies)
    found = [interval(row) for row in diffs]
    ax_one, ax_all = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    mean, low, high = found[0]
    excludes = low > 0 or high < 0
    ax_one.plot(diffs[0], np.zeros(seeds) + 0.5, "o", color="0.6", ms=4, alpha=0.7)
    ax_one.errorbar(
        mean,
        0,
        xerr=[[mean - low], [high - mean]],
        fmt="o",
        capsize=4,
        color="C2" if excludes else "C3",
    )
    ax_one.axvline(0, color="k", lw=0.8)
    ax_one.axvline(effect, color="C0", lw=1, ls="--", label=f"true difference {effect:g}")
    ax_one.set_ylim(-0.6, 1.0)
    ax_one.set_yticks([0, 0.5], ["mean, 95% CI", "each seed"], fontsize=7)
    ax_one.set_xlabel("accuracy difference (points)", fontsize=8)
    ax_one.tick_params(axis="x", labelsize=7)
    ax_one.legend(fontsize=7, loc="upper right")
    verdict = "excludes 0" if excludes else "includes 0"
    ax_one.set_title(f"{seeds} seeds: {mean:+.2f} [{low:+.2f}, {high:+.2f}], {verdict}", fontsize=9)
    hits = 0
    for k, (m, lo, hi) in enumerate(found):
        hit = lo > 0 or hi < 0
        hits += hit
        ax_all.plot([lo, hi], [k, k], color="C2" if hit else "C3", lw=1.2)
        ax_all.plot(m, k, "|", color="k", ms=3)
    ax_all.axvline(0, color="k", lw=0.8)
    ax_all.axvline(effect, color="C0", lw=1, ls="--")
    ax_all.set_yticks([])
    ax_all.set_xlabel(f"95% intervals of {studies} studies (σ = {sigma:.2g})", fontsize=8)
    ax_all.tick_params(axis="x", labelsize=7)
    ax_all.set_title(f"{hits} of {studies} studies exclude 0", fontsize=9)
    # One scale for every picture of a widget (long intervals run off it), so that moving a
    # control compares like with like.
    for ax in (ax_one, ax_all):
        ax.set_xlim(min(effect, 0) - 4 * sigma, max(effect, 0) + 4 * sigma)


def draw_energy_plausibility(
    fig: Any, images_per_s: float = 2470.0, watts: float = 400.0, epochs: int = 25
) -> None:
    """Compare the paper's energy claims with the energy of a training run of given speed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to draw on.
    images_per_s : float
        Training throughput of one GPU.
    watts : float
        Mean power of the GPU while training.
    epochs : int
        Passes over CIFAR-100's 50,000 training images.

    Examples
    --------
    >>> from hadalib.widgets import figure
    >>> figure(draw_energy_plausibility).axes[0].get_xscale()
    'log'

    Introduced in: book/12_resnet50_wht.ipynb
    """
    run = training_energy(50_000 * epochs, images_per_s, watts) / 1e3
    bars = {
        "paper: baseline": 25_606.0,
        "paper: WHT early+late": 39.0,
        f"{images_per_s:,.0f} images/s at {watts:.0f} W": run,
        "one A100 at 300 W for a day": 300 * 86_400 / 1e3,
    }
    ax = fig.subplots()
    colours = ["tab:gray", "tab:blue", "tab:orange", "tab:green"]
    # Points, not bars: on a logarithmic axis the length of a bar means nothing.
    ax.scatter(list(bars.values()), range(len(bars)), s=64, color=colours, zorder=3)
    ax.set_yticks(range(len(bars)), list(bars))
    for i, value in enumerate(bars.values()):
        ax.text(value * 1.3, i, f"{value:,.0f} kJ", va="center", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xscale("log")
    ax.set_xlim(10, 3e5)
    ax.invert_yaxis()
    ax.set_xlabel(f"energy of {epochs} epochs of ResNet-50 on CIFAR-100 at 224x224 (kJ)")


def _stem(record: Mapping[str, Any]) -> str:
    """The file name stem of a record's setting, e.g. ``digits8-resnet18w16``."""
    stem = f"{record['data']}{record['image_size']}-{record['model']}w{record['width']}"
    return stem + ("-smoke" if record["smoke"] else "")


def _save_figures(group: Sequence[Mapping[str, Any]], folder: Path, stem: str) -> list[Path]:
    from hadalib.widgets import figure

    paths = [folder / f"{stem}-accuracy.png", folder / f"{stem}-curves.png"]
    figure(draw_variant_intervals, rows=summarize(group)).savefig(paths[0], dpi=100)
    figure(draw_study_curves, results=group).savefig(paths[1], dpi=100)
    return paths


def main(argv: Sequence[str] | None = None) -> list[str]:
    """Save the study figures of a folder of records as PNG files (the ``python -m`` entry).

    Parameters
    ----------
    argv : list of str, optional
        ``FOLDER --figures DIR [--data NAME]`` (default: ``sys.argv[1:]``).

    Returns
    -------
    list of str
        The paths of the files written (each is also printed).

    Examples
    --------
    >>> import tempfile
    >>> main([tempfile.mkdtemp(), "--figures", tempfile.mkdtemp()])  # doctest: +ELLIPSIS
    no records in ...
    []

    Introduced in: book/11_transform_layers.ipynb
    """
    p = argparse.ArgumentParser(
        prog="python -m hadalib.plotting.study",
        description="Save the study figures of the JSON records of resnet_wht as PNG files.",
    )
    p.add_argument("folder", help="folder of the JSON records, e.g. book/results")
    p.add_argument(
        "--figures",
        required=True,
        metavar="DIR",
        help="folder to save the PNG files into (created if missing)",
    )
    p.add_argument("--data", choices=DATA, default=None)
    args = p.parse_args(argv)
    if not Path(args.folder).is_dir():
        p.error(f"{args.folder} is not a folder of JSON records")
    folder = Path(args.figures)
    problem = unwritable(folder)
    if problem:
        p.error(f"--figures {folder}: {problem}")
    where = {} if args.data is None else {"data": args.data}
    settings: dict[str, list[dict[str, Any]]] = {}
    for record in load_results(args.folder, **where):
        settings.setdefault(_stem(record), []).append(record)  # one stem per setting
    written = [
        str(path) for stem, group in settings.items() for path in _save_figures(group, folder, stem)
    ]
    which = "" if args.data is None else f" with data={args.data!r}"
    print("\n".join(written) if written else f"no records in {args.folder}{which}")
    return written


if __name__ == "__main__":
    main()
