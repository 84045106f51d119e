"""Tables over the JSON records of :mod:`hadalib.experiments.resnet_wht`.

Usage::

    python -m hadalib.experiments.report book/results/ [--data digits] [--figures DIR]

prints, per data set and setting, each variant's mean and 95% interval over seeds
(Student's t) of the test accuracy and the training time, and the throughput, peak
memory and energy where a GPU measured them.
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
import os
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hadalib.nn import VARIANTS

__all__ = ["load_results", "interval", "summarize", "format_table", "main"]

_NOT_MEASURED = "not yet measured"

#: Columns of the accuracy table (chapter 9): header, key, scale, decimals.
ACCURACY_COLUMNS = (
    ("variant", "variant", 1, 0),
    ("axes", "axes", 1, 0),
    ("seeds", "n", 1, 0),
    ("parameters", "params", 1, 0),
    ("test accuracy % (95% CI)", "final_test_acc", 100, 1),
    ("s / epoch", "seconds_per_epoch", 1, 2),
)
#: Columns of the cost table (chapter 10).
COST_COLUMNS = (
    ("variant", "variant", 1, 0),
    ("repeats", "n", 1, 0),
    ("images/s", "images_per_s", 1, 0),
    ("peak memory GiB", "peak_memory_bytes", 2.0**-30, 2),
    ("kJ / epoch", "energy_per_epoch_j", 1e-3, 2),
    ("J / image", "energy_per_image_j", 1, 3),
)

#: Runner arguments that do not change a run's result: where it is written, how it
#: reports, where the (checksummed) data is found.
_NOT_RESULT = frozenset({"out", "resume", "checkpoint_dir", "keep_checkpoint", "progress",
                         "data_root", "download"})
#: Fields every record of the runner has, and their types.
_FIELDS = {"variant": str, "axes": str, "data": str, "model": str, "image_size": int,
           "width": int, "seed": int, "smoke": bool, "provenance": dict}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


def _configuration(args: Mapping[str, Any]) -> dict[str, Any]:
    """The runner's (resolved) arguments that decide a run's result."""
    config = {k: v for k, v in args.items() if k not in _NOT_RESULT}
    config["device"] = str(config.get("device") or "cpu").split(":")[0]
    if config["device"] != "cuda":
        config["precision"] = "fp32"  # the CPU always trains in fp32
    return config


def _identity(record: Mapping[str, Any]) -> str:
    """A record's configuration but its seed, as text (records with equal text and seed
    are the same run)."""
    fields = {k: record[k] for k in _FIELDS if k not in ("seed", "provenance")}
    config = _configuration(record["provenance"]["args"])
    config.pop("seed", None)
    world = record["provenance"].get("world_size", 1)
    return json.dumps([fields, config, world], sort_keys=True, default=str)


def _record_problem(record: Any) -> str | None:
    """What makes ``record`` (parsed JSON) no record of the runner; None if it is one."""
    if not isinstance(record, dict):
        return f"is not a record of resnet_wht (it holds a JSON {type(record).__name__})"
    if record.get("kind") != "resnet_wht":
        return f"is not a record of resnet_wht (its kind is {record.get('kind')!r})"
    for key, kind in _FIELDS.items():
        value = record.get(key)
        if not isinstance(value, kind) or (kind is int and not _is_int(value)):
            return f"is not a valid record: field {key!r} is not a {kind.__name__}"
    provenance = record["provenance"]
    if not (isinstance(provenance.get("args"), dict) and isinstance(provenance.get("device"),
                                                                      str)):
        return "is not a valid record: its provenance has no 'args' or 'device'"
    return None


def _summary_problem(record: Mapping[str, Any]) -> str | None:
    """What keeps a record of the runner from counting as finished; None if it is."""
    summary = record.get("summary")
    if not isinstance(summary, dict):
        return "has no summary (an unfinished run)"
    epochs = summary.get("epochs")
    if not _is_int(epochs) or epochs < 1:
        return "has no valid summary: 'epochs' is not a positive integer"
    history = record.get("history", [None] * epochs)
    if not isinstance(history, list) or len(history) != epochs:
        return f"has no valid summary: the history does not hold its {epochs} epochs"
    acc = summary.get("final_test_acc")
    if not (_is_number(acc) and 0 <= acc <= 1):
        return "has no valid summary: 'final_test_acc' is not a number in [0, 1]"
    wrong = [k for k, v in summary.items() if v is not None and not _is_number(v)]
    if wrong:
        return f"has no valid summary: {', '.join(map(repr, wrong))} not a finite number"
    return None


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

    Introduced in: book/09_transform_layers.ipynb
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of JSON records")
    kept: dict[tuple[str, Any], tuple[Path, dict[str, Any]]] = {}
    for file, record in _read_records(sorted(folder.glob("*.json"))):
        key = (_identity(record), record["seed"])
        if key in kept:
            first = kept[key]
            if file.stem == record.get("name") != first[0].stem:  # the runner's file wins
                kept[key], (file, record) = (file, record), first
            warnings.warn(f"{file} repeats seed {record['seed']} of {kept[key][0].name} "
                          "(same configuration); counted once", stacklevel=2)
            continue
        kept[key] = (file, record)
    records = [record for _, record in sorted(kept.values(), key=lambda fr: fr[0])]
    for key in where:
        for record in records:
            if key not in record:
                raise ValueError(f"records have no field {key!r}; fields: {', '.join(record)}")
    return [r for r in records if all(r[k] == v for k, v in where.items())]


def _read_records(files: Iterable[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """The finished records among ``files``; a warning names each other file but those
    that declare another ``kind``."""
    found = []
    for file in files:
        try:
            record = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
            warnings.warn(f"{file} is not a JSON record ({exc}); skipped", stacklevel=3)
            continue
        if isinstance(record, dict) and record.get("kind", "resnet_wht") != "resnet_wht":
            continue
        problem = _record_problem(record) or _summary_problem(record)
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

    Introduced in: book/09_transform_layers.ipynb
    """
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
        raise ValueError(f"by names {missing[0]!r}, which a record lacks; fields: "
                         f"{', '.join(record)}")
    if not isinstance(record.get("summary"), Mapping):
        raise ValueError("a record has no summary; pass records of load_results")
    return tuple(record[k] for k in by)


def _check_names(name: str, value: Any, what: str, example: str) -> None:
    if (isinstance(value, str) or not isinstance(value, Sequence)
            or not all(isinstance(v, str) for v in value)):
        raise TypeError(f"{name} must be a sequence of {what} such as {example}, not the "
                        f"{type(value).__name__} {value!r}")


def summarize(
    results: Iterable[Mapping[str, Any]],
    metrics: Sequence[str] = ("final_test_acc",),
    by: Sequence[str] = ("variant", "axes"),
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
        One row per group in the order of ``VARIANTS``: the ``by`` fields, ``n`` (number
        of records), ``seeds`` and, per metric, ``{"mean", "low", "high", "values"}``
        (None where a record lacks the measurement, e.g. energy without NVML).

    Examples
    --------
    >>> runs = [{"variant": "baseline", "seed": s, "summary": {"final_test_acc": a}}
    ...         for s, a in [(0, 0.9), (1, 0.92)]]
    >>> row = summarize(runs, by=("variant",))[0]
    >>> row["n"], round(row["final_test_acc"]["mean"], 2)
    (2, 0.91)

    Introduced in: book/09_transform_layers.ipynb
    """
    _check_names("metrics", metrics, "summary keys", "('final_test_acc',)")
    _check_names("by", by, "record fields", "('variant', 'axes')")
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
    order = {name: i for i, name in enumerate(VARIANTS)}
    rows = []
    for key in sorted(groups, key=lambda k: (order.get(k[0], len(order)), [str(v) for v in k])):
        members = groups[key]
        row: dict[str, Any] = dict(zip(by, key, strict=True))
        row["n"] = len(members)
        row["seeds"] = sorted(m["seed"] for m in members)
        for metric in metrics:
            values = [m["summary"].get(metric) for m in members]
            if not values or any(v is None for v in values):
                row[metric] = None
                continue
            mean, low, high = interval([float(v) for v in values])
            row[metric] = {"mean": mean, "low": low, "high": high, "values": values}
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


def format_table(rows: Sequence[Mapping[str, Any]],
                 columns: Sequence[tuple[str, str, float, int]] = ACCURACY_COLUMNS) -> str:
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
        ``COST_COLUMNS`` are the tables of chapters 9 and 10.

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

    Introduced in: book/10_resnet50_wht.ipynb
    """
    cells = [[header for header, *_ in columns]]
    for row in rows:
        line = []
        for _, key, scale, decimals in columns:
            value = row.get(key)
            if key == "axes" and str(row.get("variant")).startswith(("baseline", "fft")):
                # only WHT and DCT layers have a choice of axes
                line.append("(H, W)" if row["variant"].startswith("fft") else "-")
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


def _settings(results: Sequence[Mapping[str, Any]]) -> dict[tuple[Any, ...], list[Any]]:
    keys = ("data", "image_size", "model", "width", "smoke")
    out: dict[tuple[Any, ...], list[Any]] = {}
    for r in results:
        out.setdefault(tuple(r[k] for k in keys), []).append(r)
    return out


def main(argv: Sequence[str] | None = None) -> str:
    """Print the report of a folder of records (the ``python -m`` entry point).

    Parameters
    ----------
    argv : list of str, optional
        ``FOLDER [--data NAME] [--figures DIR]`` (default: ``sys.argv[1:]``).

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

    Introduced in: book/09_transform_layers.ipynb
    """
    p = argparse.ArgumentParser(prog="python -m hadalib.experiments.report",
                                description="Tables over the JSON records of resnet_wht.")
    p.add_argument("folder", help="folder of the JSON records, e.g. book/results")
    p.add_argument("--data", choices=("cifar100", "digits", "synthetic"), default=None)
    p.add_argument("--figures", default=None,
                   help="also save the chapters' figures as PNG files into this folder")
    args = p.parse_args(argv)
    where = {} if args.data is None else {"data": args.data}
    if not Path(args.folder).is_dir():
        p.error(f"{args.folder} is not a folder of JSON records")
    if args.figures:
        _check_folder(p, "--figures", Path(args.figures))
    results = load_results(args.folder, **where)
    parts = []
    for (data, size, model, width, smoke), group in _settings(results).items():
        title = f"== {data}, {size}x{size}, {model} width {width}"
        title += " (smoke)" if smoke else ""
        parts.append(f"{title}: {len(group)} runs")
        metrics = ("final_test_acc", "seconds_per_epoch", "params", "images_per_s",
                   "peak_memory_bytes", "energy_per_epoch_j", "energy_per_image_j")
        rows = summarize(group, metrics)
        parts.append(format_table(rows, ACCURACY_COLUMNS))
        if any(r["summary"].get("energy_j") is not None or r["summary"].get(
                "peak_memory_bytes") is not None for r in group):
            parts.append(format_table(rows, COST_COLUMNS))
        if args.figures:
            _save_figures(group, rows, Path(args.figures), f"{data}{size}-{model}w{width}")
    text = "\n".join(parts) if parts else f"no records in {args.folder}"
    print(text)
    return text


def _check_folder(p: argparse.ArgumentParser, option: str, folder: Path) -> None:
    """Refuse a folder that cannot be created or written, before any work."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        p.error(f"{option} {folder}: cannot write there ({exc.strerror or exc})")


def _save_figures(group: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]],
                  folder: Path, stem: str) -> None:
    from hadalib.plotting import draw_study_curves, draw_variant_intervals
    from hadalib.widgets import figure

    folder.mkdir(parents=True, exist_ok=True)
    figure(draw_variant_intervals, rows=rows).savefig(folder / f"{stem}-accuracy.png", dpi=100)
    figure(draw_study_curves, results=group).savefig(folder / f"{stem}-curves.png", dpi=100)


if __name__ == "__main__":
    main()
