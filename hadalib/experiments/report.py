"""Tables over the JSON records of :mod:`hadalib.experiments.resnet_wht`.

Usage::

    python -m hadalib.experiments.report book/results/ [--data digits]

prints, per setting (every field of ``RunConfig`` (hadalib.experiments.config) that
changes a result, so that unlike runs are never averaged), each variant's mean and 95%
interval over seeds (Student's t) of the test accuracy and the training time, each
variant's paired difference in test accuracy to the baseline of the same seed (mean and
95% interval), and the throughput, peak memory and energy (also above the GPU's idle
power) where a GPU measured them. The
figures of the chapters are drawn by :mod:`hadalib.plotting` from the same records.
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hadalib._optional import requires
from hadalib.experiments.config import (
    DATA,
    REPEAT_KEYS,
    ROW_KEYS,
    TABLE_KEYS,
    result_settings,
)
from hadalib.experiments.records import (
    FIELDS,
    KIND,
    read_json,
    record_problem,
    summary_problem,
)
from hadalib.experiments.records import settings as run_settings
from hadalib.nn.variants import ALL_VARIANTS, SPATIAL_KINDS, VARIANTS

__all__ = ["load_results", "interval", "summarize", "format_table", "main"]

_NOT_MEASURED = "not yet measured"

#: Columns of the accuracy table (chapter 11): header, key, scale, decimals.
ACCURACY_COLUMNS = (
    ("variant", "variant", 1, 0),
    ("axes", "axes", 1, 0),
    ("seeds", "n", 1, 0),
    ("parameters", "params", 1, 0),
    ("test accuracy % (95% CI)", "final_test_acc", 100, 1),
    ("s / epoch", "seconds_per_epoch", 1, 2),
)
#: Columns of the paired differences to the baseline (:func:`paired_differences`).
PAIRED_COLUMNS = (
    ("variant", "variant", 1, 0),
    ("axes", "axes", 1, 0),
    ("seeds", "n", 1, 0),
    ("test accuracy - baseline, points (95% CI)", "final_test_acc", 100, 1),
)
#: Columns of the cost table (chapter 12).
COST_COLUMNS = (
    ("variant", "variant", 1, 0),
    ("repeats", "n", 1, 0),
    ("images/s", "images_per_s", 1, 0),
    ("peak memory GiB", "peak_memory_bytes", 2.0**-30, 2),
    ("kJ / epoch", "energy_per_epoch_j", 1e-3, 2),
    ("J / image", "energy_per_image_j", 1, 3),
)
#: Columns of the energy above the GPU's idle power (chapter 12).
IDLE_COLUMNS = (
    ("variant", "variant", 1, 0),
    ("axes", "axes", 1, 0),
    ("repeats", "n", 1, 0),
    ("idle W", "idle_watts", 1, 0),
    ("kJ / epoch above idle", "energy_above_idle_per_epoch_j", 1e-3, 2),
    ("J / image above idle", "energy_above_idle_per_image_j", 1, 3),
)


def _identity(record: Mapping[str, Any]) -> str:
    """A record's configuration but its seed, as text (records with equal text and seed
    are the same run)."""
    fields = {k: record[k] for k in FIELDS if k not in ("seed", "provenance")}
    config = result_settings(run_settings(record))
    config.pop("seed", None)
    world = record["provenance"].get("world_size", 1)
    return json.dumps([fields, config, world], sort_keys=True, default=str)


def load_results(path: str | os.PathLike, **where: Any) -> list[dict[str, Any]]:
    """Read the finished run records (``*.json`` of kind ``resnet_wht``) in a folder.

    A file that is not a finished record of the runner (unreadable, not JSON, fields
    missing or of the wrong type, no valid ``summary``) is skipped with a warning that
    names it; a JSON object of another ``kind`` is skipped silently. A run repeated in
    two files (same configuration and seed) counts once, with a warning.

    Parameters
    ----------
    path : str or os.PathLike
        Folder of the records (not searched recursively).
    **where
        Keep only records whose top-level fields equal these, e.g. ``data="digits"``.

    Returns
    -------
    list of dict
        The records, sorted by file name.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a folder.
    ValueError
        If a ``where`` key is not a field of the records.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> run = {"kind": "resnet_wht", "variant": "baseline", "axes": "channel",
    ...        "data": "digits", "image_size": 8, "model": "resnet18", "width": 16,
    ...        "smoke": False, "seed": 0, "summary": {"epochs": 1, "final_test_acc": 0.9},
    ...        "provenance": {"device": "cpu", "args": {"lr": 0.001}}}
    >>> _ = (folder / "run.json").write_text(json.dumps(run))
    >>> [r["seed"] for r in load_results(folder, data="digits")]
    [0]

    Introduced in: book/11_transform_layers.ipynb
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of JSON records")
    records = _once_each(_read_records(sorted(folder.glob("*.json"))))
    for key in where:
        for record in records:
            if key not in record:
                raise ValueError(f"records have no field {key!r}; fields: {', '.join(record)}")
    return [r for r in records if all(r[k] == v for k, v in where.items())]


def _once_each(found: Iterable[tuple[Path, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The records of ``found`` with each run (configuration and seed) once, by file name;
    of a repeated run the runner's own file is kept, with a warning."""
    kept: dict[tuple[str, Any], tuple[Path, dict[str, Any]]] = {}
    for file, record in found:
        key = (_identity(record), record["seed"])
        if key in kept:
            first = kept[key]
            if file.stem == record.get("name") != first[0].stem:  # the runner's file wins
                kept[key], (file, record) = (file, record), first
            warnings.warn(
                f"{file} repeats seed {record['seed']} of {kept[key][0].name} "
                "(same configuration); counted once",
                stacklevel=3,
            )
            continue
        kept[key] = (file, record)
    return [record for _, record in sorted(kept.values(), key=lambda fr: fr[0])]


def _read_records(files: Iterable[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """The finished records among ``files``; a warning names each other file but those
    that declare another ``kind``."""
    found = []
    for file in files:
        try:
            record = read_json(file)
        except ValueError as exc:  # unreadable, not UTF-8, not JSON
            warnings.warn(f"{exc}; skipped", stacklevel=3)
            continue
        if isinstance(record, dict) and record.get("kind", KIND) != KIND:
            continue
        problem = record_problem(record) or summary_problem(record)
        if problem:
            warnings.warn(f"{file} {problem}; skipped", stacklevel=3)
            continue
        found.append((file, record))
    return found


def interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided confidence interval of the mean (Student's t).

    Parameters
    ----------
    values : list of float
        Independent measurements (e.g. one per seed).
    confidence : float
        Coverage of the interval.

    Returns
    -------
    (float, float, float)
        ``(mean, low, high)``; ``low`` and ``high`` are NaN for fewer than two values.

    Raises
    ------
    ValueError
        If ``values`` is empty or ``confidence`` is not in (0, 1).

    Examples
    --------
    >>> tuple(round(v, 3) for v in interval([1.0, 2.0, 3.0]))
    (2.0, -0.484, 4.484)

    Introduced in: book/11_transform_layers.ipynb
    """
    with requires("experiments"):
        from scipy import stats

    if not isinstance(confidence, numbers.Real):
        raise TypeError(f"confidence must be a number in (0, 1), got {confidence!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    n = len(values)
    if n == 0:
        raise ValueError("values is empty; need at least one measurement")
    mean = math.fsum(values) / n
    if n < 2:
        return mean, math.nan, math.nan
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def _group_key(record: Mapping[str, Any], by: Sequence[str]) -> tuple[Any, ...]:
    missing = [k for k in by if k not in record]
    if missing:
        raise ValueError(
            f"by names {missing[0]!r}, which a record lacks; fields: {', '.join(record)}"
        )
    if not isinstance(record.get("summary"), Mapping):
        raise ValueError("a record has no summary; pass records of load_results")
    return tuple(record[k] for k in by)


def _check_names(name: str, value: Any, what: str, example: str) -> None:
    if (
        isinstance(value, str)
        or not isinstance(value, Sequence)
        or not all(isinstance(v, str) for v in value)
    ):
        raise TypeError(
            f"{name} must be a sequence of {what} such as {example}, not the "
            f"{type(value).__name__} {value!r}"
        )


def summarize(
    results: Iterable[Mapping[str, Any]],
    metrics: Sequence[str] = ("final_test_acc",),
    by: Sequence[str] = ROW_KEYS,
    include_missing: bool = False,
) -> list[dict[str, Any]]:
    """Group records and give each metric's mean and 95% interval over the group.

    Parameters
    ----------
    results : list of dict
        Records from :func:`load_results`.
    metrics : tuple of str
        Keys of each record's ``summary`` (e.g. ``"final_test_acc"``,
        ``"images_per_s"``, ``"energy_per_image_j"``, ``"params"``).
    by : tuple of str
        Record fields that define a group (a run differs from its group's others only
        by its seed).
    include_missing : bool
        Also give a row (with ``n == 0``) for every variant of
        ``hadalib.nn.VARIANTS`` that has no record (needs ``by[0] == "variant"``).

    Returns
    -------
    list of dict
        One row per group in the order of ``VARIANTS`` (then ``FILTER_VARIANTS``): the
        ``by`` fields, ``n`` (number of records), ``seeds`` and, per metric,
        ``{"mean", "low", "high", "values"}`` (None where a record lacks the
        measurement, e.g. energy without NVML).

    Examples
    --------
    >>> runs = [{"variant": "baseline", "seed": s, "summary": {"final_test_acc": a}}
    ...         for s, a in [(0, 0.9), (1, 0.92)]]
    >>> row = summarize(runs, by=("variant",))[0]
    >>> row["n"], round(row["final_test_acc"]["mean"], 2)
    (2, 0.91)

    Introduced in: book/11_transform_layers.ipynb
    """
    _check_names("metrics", metrics, "summary keys", "('final_test_acc',)")
    _check_names("by", by, "record fields", "('variant', 'axes')")
    groups = _groups(results, by, include_missing)
    order = {name: i for i, name in enumerate(ALL_VARIANTS)}
    return [
        _row(dict(zip(by, key, strict=True)), groups[key], metrics)
        for key in sorted(groups, key=lambda k: (order.get(k[0], len(order)), [str(v) for v in k]))
    ]


def _groups(
    results: Iterable[Mapping[str, Any]], by: Sequence[str], include_missing: bool
) -> dict[tuple[Any, ...], list[Mapping[str, Any]]]:
    """The records by their ``by`` fields, with an empty group for each variant that has
    none if ``include_missing``."""
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for record in results:
        groups.setdefault(_group_key(record, by), []).append(record)
    if include_missing:
        if by[0] != "variant":
            raise ValueError(f"include_missing needs by[0] == 'variant', got by={tuple(by)!r}")
        present = {key[0] for key in groups}
        for name in VARIANTS:
            if name not in present:
                groups[(name, *[None] * (len(by) - 1))] = []
    return groups


def _row(
    row: dict[str, Any], members: Sequence[Mapping[str, Any]], metrics: Sequence[str]
) -> dict[str, Any]:
    """``row`` (a group's fields) with its count, seeds and each metric's interval."""
    row["n"] = len(members)
    row["seeds"] = sorted(m["seed"] for m in members)
    for metric in metrics:
        values = [m["summary"].get(metric) for m in members]
        if not values or any(v is None for v in values):
            row[metric] = None
            continue
        mean, low, high = interval([float(v) for v in values])
        row[metric] = {"mean": mean, "low": low, "high": high, "values": values}
    return row


def paired_differences(
    results: Iterable[Mapping[str, Any]],
    metric: str = "final_test_acc",
    against: str = "baseline",
) -> list[dict[str, Any]]:
    """Each variant's difference to the variant ``against`` with the same seed: the mean
    and 95% interval over the seeds both have.

    Runs with the same seed share the data order and the dropout masks (a paired
    design), so the differences seed by seed vary less than two separate means. The
    records must be of one setting (one table of the report: ``main`` calls this per
    table); the ``against`` variant's runs pair with every row, whatever their axes.

    Parameters
    ----------
    results : list of dict
        Records from :func:`load_results`, of one setting.
    metric : str
        A key of each record's ``summary``.
    against : str
        The variant subtracted (a key of ``hadalib.nn.variants.ALL_VARIANTS``).

    Returns
    -------
    list of dict
        One row per other variant and axes, in the order of :func:`summarize`, as its rows
        are: ``variant``, ``axes``, ``n`` (seeds in common), ``seeds`` and ``metric``:
        ``{"mean", "low", "high", "values"}``, the differences (the row's less
        ``against``'s); empty if no run of ``against`` is among ``results``.

    Raises
    ------
    ValueError
        If ``against`` is not a variant, or a run has no ``metric``.

    Examples
    --------
    >>> runs = [{"variant": v, "axes": "channel", "seed": s, "summary": {"final_test_acc": a}}
    ...         for v, accs in [("baseline", (0.90, 0.92)), ("wht-early", (0.91, 0.94))]
    ...         for s, a in enumerate(accs)]
    >>> row = paired_differences(runs)[0]
    >>> row["variant"], row["n"], [round(d, 2) for d in row["final_test_acc"]["values"]]
    ('wht-early', 2, [0.01, 0.02])

    Introduced in: book/11_transform_layers.ipynb
    """
    if against not in ALL_VARIANTS:
        raise ValueError(
            f"against={against!r} is not a variant; accepted: {', '.join(ALL_VARIANTS)}"
        )
    results = list(results)

    def by_seed(group: Iterable[Mapping[str, Any]]) -> dict[Any, float]:
        values = {r["seed"]: r["summary"].get(metric) for r in group}
        missing = sorted(seed for seed, v in values.items() if v is None)
        if missing:
            raise ValueError(f"the runs of seeds {missing} have no {metric!r} in their summary")
        return values

    base = by_seed(r for r in results if r["variant"] == against)
    if not base:
        return []
    rows = []
    for row in summarize([r for r in results if r["variant"] != against], metrics=()):
        runs = by_seed(r for r in results if all(r[k] == row[k] for k in ROW_KEYS))
        seeds = sorted(seed for seed in runs if seed in base)
        diffs = [runs[seed] - base[seed] for seed in seeds]
        row["n"], row["seeds"] = len(seeds), seeds
        row[metric] = None
        if diffs:
            mean, low, high = interval(diffs)
            row[metric] = {"mean": mean, "low": low, "high": high, "values": diffs}
        rows.append(row)
    return rows


def _cell(value: Any, scale: float, decimals: int) -> str:
    if isinstance(value, dict):
        mean = f"{value['mean'] * scale:.{decimals}f}"
        if math.isnan(value["low"]) or value["low"] == value["high"]:
            return mean
        return f"{mean} [{value['low'] * scale:.{decimals}f}, {value['high'] * scale:.{decimals}f}]"
    if value is None:
        return _NOT_MEASURED
    if isinstance(value, float):
        return f"{value * scale:.{decimals}f}"
    return str(value)


def format_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str, float, int]] = ACCURACY_COLUMNS,
) -> str:
    """Format :func:`summarize` rows as a plain-text table.

    A metric shows as ``mean [low, high]`` (its 95% interval) and as ``not yet
    measured`` where no record has it.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`summarize`.
    columns : list of tuple
        Each ``(header, key, scale, decimals)``: what to show, a row key
        (``"variant"``, ``"n"``) or a metric, multiplied by ``scale`` and shown with
        ``decimals`` digits. ``ACCURACY_COLUMNS`` and
        ``COST_COLUMNS`` are the tables of chapters 11 and 12.

    Returns
    -------
    str
        The table, one line per row under a header line.

    Examples
    --------
    >>> rows = [{"variant": "baseline", "n": 0, "images_per_s": None}]
    >>> print(format_table(rows, [("variant", "variant", 1, 0),
    ...                           ("images/s", "images_per_s", 1, 0)]))
    variant   images/s
    baseline  not yet measured

    Introduced in: book/12_resnet50_wht.ipynb
    """
    cells = [[header for header, *_ in columns]]
    for row in rows:
        line = []
        for _, key, scale, decimals in columns:
            value = row.get(key)
            variant = ALL_VARIANTS.get(row.get("variant"))
            if key == "axes" and variant is not None and not variant.has_axes:
                line.append("(H, W)" if variant.kind in SPATIAL_KINDS else "-")
                continue
            if key == "params" and isinstance(value, dict):
                value = int(value["mean"])
                line.append(f"{value:,}")
                continue
            line.append(_cell(value, scale, decimals))
        cells.append(line)
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
    )


def _setting(record: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of a record's run that change its result (``result`` in the field
    metadata of :class:`~hadalib.experiments.config.RunConfig`), but those of its row
    (variant, axes) and of its repeat (seed): one table's runs share them all."""
    config = result_settings(run_settings(record))
    for key in (*ROW_KEYS, *REPEAT_KEYS):
        config.pop(key, None)
    return config


def _tables(results: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Any]]]:
    """The records by every setting that changes a result but the row's and the seed, each
    group with its title: the table fields, then the settings that tell it apart from the
    other groups of equal table fields (e.g. ``lr 0.01``), so unlike runs are never
    averaged."""
    groups: dict[str, tuple[dict[str, Any], list[Any]]] = {}
    for r in results:
        settings = {**_setting(r), **{k: r[k] for k in TABLE_KEYS}}
        key = json.dumps(settings, sort_keys=True, default=str)
        groups.setdefault(key, (settings, []))[1].append(r)
    tables = []
    for settings, group in groups.values():
        peers = [s for s, _ in groups.values() if all(s[k] == settings[k] for k in TABLE_KEYS)]
        differ = sorted({k for p in peers for k in p if p.get(k) != settings.get(k)})
        size, smoke = settings["image_size"], " (smoke)" if settings["smoke"] else ""
        title = (
            f"== {settings['data']}, {size}x{size}, {settings['model']} width "
            f"{settings['width']}{smoke}"
        )
        title += "".join(f", {k.replace('_', ' ')} {settings.get(k)}" for k in differ)
        tables.append((f"{title}: {len(group)} runs", group))
    return tables


def main(argv: Sequence[str] | None = None) -> str:
    """Print the report of a folder of records (the ``python -m`` entry point).

    Parameters
    ----------
    argv : list of str, optional
        ``FOLDER [--data NAME]`` (default: ``sys.argv[1:]``).

    Returns
    -------
    str
        The text printed.

    Examples
    --------
    >>> import tempfile
    >>> main([tempfile.mkdtemp()]).startswith("no records in")  # doctest: +ELLIPSIS
    no records in ...
    True

    Introduced in: book/11_transform_layers.ipynb
    """
    p = argparse.ArgumentParser(
        prog="python -m hadalib.experiments.report",
        description="Tables over the JSON records of resnet_wht.",
    )
    p.add_argument("folder", help="folder of the JSON records, e.g. book/results")
    p.add_argument("--data", choices=DATA, default=None)
    args = p.parse_args(argv)
    where = {} if args.data is None else {"data": args.data}
    if not Path(args.folder).is_dir():
        p.error(f"{args.folder} is not a folder of JSON records")
    metrics = (
        "final_test_acc",
        "seconds_per_epoch",
        "params",
        "images_per_s",
        "peak_memory_bytes",
        "energy_per_epoch_j",
        "energy_per_image_j",
        "idle_watts",
        "energy_above_idle_per_epoch_j",
        "energy_above_idle_per_image_j",
    )
    cost = (COST_COLUMNS[0], ("axes", "axes", 1, 0), *COST_COLUMNS[1:])
    parts = []
    for title, group in _tables(load_results(args.folder, **where)):
        parts.append(title)
        rows = summarize(group, metrics)
        parts.append(format_table(rows, ACCURACY_COLUMNS))
        paired = [r for r in paired_differences(group) if r["n"]]
        if paired:
            parts.append(format_table(paired, PAIRED_COLUMNS))
        if any(
            r["summary"].get("energy_j") is not None
            or r["summary"].get("peak_memory_bytes") is not None
            for r in group
        ):
            parts.append(format_table(rows, cost))
        if any(r["summary"].get("energy_above_idle_per_image_j") is not None for r in group):
            parts.append(format_table(rows, IDLE_COLUMNS))
    text = "\n".join(parts) if parts else f"no records in {args.folder}"
    print(text)
    return text


if __name__ == "__main__":
    main()
