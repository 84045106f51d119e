"""The JSON records of the ResNet WHT runs: their layout, checks, provenance and writing.

One record per run, written whole or not at all by :func:`write_record` (through a
temporary file ``TARGET.PID@HOST.*.resnet_wht-partial`` beside it). A record of schema 2
stores each setting of the run once: the fields of
:class:`~hadalib.experiments.config.RunConfig` marked ``record`` in their metadata
(variant, axes, data, model, width, stem, image size, batch size, precision, memory
format, ``compiled``, seed, smoke) at its top level, the others (learning rate, epochs,
device, ...) in ``provenance["args"]``; :func:`settings` gives them all back as the
configuration's fields. Beside them: the variant's layers, the training steps each epoch
took, the ``summary`` and per-epoch ``history``, the energy meter's block and the
``provenance`` block: the code (:func:`source`), the versions, the machine (``device`` is
the torch device rank 0 ran on) and when. Records of schema 1 held every setting in
``provenance["args"]``, some again at the top level and in the provenance;
:func:`settings` reads them from ``args``, as the runner and the report always did.

How to check a record: its ``provenance`` names the commit it was made from
(``git_commit``), whether the tracked files differed from it (``git_dirty``), and
``hadalib_tree``, git's own hash of the tree of the ``hadalib/`` folder as the run
started, taken with a temporary index, so it counts untracked files and never touches
git's own index. For a record with ``git_dirty`` false, in a clone of the repository,
``git rev-parse GIT_COMMIT:hadalib`` prints the same hash, and ``git checkout
GIT_COMMIT`` gives the library that made it; the tests check this for every committed
record in ``book/results``. Where the library is not a git checkout (an installed
package) the three are null and ``git_error`` says why.

:func:`read_json` reads a record safely: a regular file of at most ``MAX_BYTES``,
nested at most ``MAX_DEPTH`` deep. :func:`record_problem` says what makes a JSON value no
record of the runner, :func:`summary_problem` what keeps a record from counting as a
finished run (epochs, accuracies and every number of its summary checked against
bounds). Importing this module does not import torch.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import importlib.metadata
import json
import math
import numbers
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hadalib
from hadalib._files import atomic_write, one_line, read_regular
from hadalib.experiments.config import RECORD_KEYS, RECORD_TYPES, RunConfig
from hadalib.nn.variants import ALL_VARIANTS, Weights

if TYPE_CHECKING:
    import torch

# Used by the runner, the study and the report; no chapter uses these names.
__all__: list[str] = []

#: The layout of the records written now (see the module's docstring).
SCHEMA = 2
KIND = "resnet_wht"
#: Suffix of the temporary files of the runner's atomic writes (records and checkpoints).
PARTIAL = ".resnet_wht-partial"
#: Fields every record has, and their types.
FIELDS = {**RECORD_TYPES, "provenance": dict}
#: The most bytes :func:`read_json` reads (a record is a few KB).
MAX_BYTES = 16 * 2**20
#: The deepest nesting of lists and objects :func:`read_json` accepts (a record has 3).
MAX_DEPTH = 32
#: The most epochs a finished record may hold.
MAX_EPOCHS = 100_000
#: The largest magnitude of a summary's number: above any count, time, rate or energy, and
#: far enough below a float's range that sums and means of them stay finite.
MAX_NUMBER = 1e18
#: The summary's accuracies, each in [0, 1].
_ACCURACIES = ("final_test_acc", "best_test_acc", "final_train_acc")
#: The summary's numbers that may be negative: energies above the idle power, which an
#: epoch near idle can undercut.
_SIGNED = ("energy_above_idle_per_epoch_j", "energy_above_idle_per_image_j")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """Whether ``value`` is a real number within ``MAX_NUMBER`` (so never NaN nor infinite,
    and a float without overflow)."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and -MAX_NUMBER <= value <= MAX_NUMBER
    )


def _deeper_than(value: Any, depth: int) -> bool:
    """Whether the JSON value nests lists and objects more than ``depth`` levels deep."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            if level > depth:
                return True
            stack.extend(
                (v, level + 1) for v in (item.values() if isinstance(item, dict) else item)
            )
    return False


def read_json(path: Path) -> Any:
    """The JSON value in the regular file ``path``: a ValueError names the file and what is
    wrong if it is no regular file, holds more than ``MAX_BYTES``, or is not UTF-8 JSON
    nested at most ``MAX_DEPTH`` deep (``PATH is not a JSON record (...)``)."""
    try:
        data = read_regular(path, MAX_BYTES)
    except OSError as exc:
        raise ValueError(f"{path} is not a JSON record ({one_line(exc)})") from None
    try:
        value = json.loads(data.decode("utf-8"))
        deep = _deeper_than(value, MAX_DEPTH)
    except RecursionError:  # deeper than Python's stack
        deep = True
    except ValueError as exc:
        raise ValueError(f"{path} is not a JSON record ({one_line(exc)})") from None
    if deep:
        raise ValueError(f"{path} is not a JSON record (nested more than {MAX_DEPTH} deep)")
    return value


def record_problem(record: Any) -> str | None:
    """What makes ``record`` (parsed JSON) no record of the runner; None if it is one."""
    if not isinstance(record, dict):
        return f"is not a record of {KIND} (it holds a JSON {type(record).__name__})"
    if record.get("kind") != KIND:
        return f"is not a record of {KIND} (its kind is {record.get('kind')!r})"
    schema = record.get("schema", 1)  # the tests' and chapters' hand-made records have none
    if not (_is_int(schema) and 1 <= schema <= SCHEMA):
        return f"is a record of schema {schema!r}; this hadalib reads schemas 1 to {SCHEMA}"
    for key, kind in FIELDS.items():
        value = record.get(key)
        if not isinstance(value, kind) or (kind is int and not _is_int(value)):
            return f"is not a valid record: field {key!r} is not a {kind.__name__}"
    provenance = record["provenance"]
    if not (isinstance(provenance.get("args"), dict) and isinstance(provenance.get("device"), str)):
        return "is not a valid record: its provenance has no 'args' or 'device'"
    return None


def settings(record: Mapping[str, Any]) -> dict[str, Any]:
    """The resolved configuration of a record's run (one of :func:`record_problem`'s
    records), by the names of :class:`~hadalib.experiments.config.RunConfig`'s fields, as
    ``dataclasses.asdict(config.resolved())`` gives them.

    A record of schema 2 stores each setting once: those ``RECORD_KEYS`` names at its top
    level, the others in ``provenance["args"]``. One of schema 1 has them all in
    ``provenance["args"]``, which is what counts (some of its top-level copies disagree).
    """
    args = dict(record["provenance"]["args"])
    if record.get("schema", 1) > 1:
        args.update({name: record[key] for name, key in RECORD_KEYS.items() if key in record})
    return args


def summary_problem(record: Mapping[str, Any]) -> str | None:
    """What keeps a record of the runner from counting as finished; None if it is.

    Its summary must say how many epochs it ran (1 to ``MAX_EPOCHS``, as many as its
    history holds), its accuracies must be in [0, 1], and its other numbers within
    ``MAX_NUMBER``, not negative (but the energies above idle) and never NaN or infinite.
    """
    summary = record.get("summary")
    if not isinstance(summary, dict):
        return "has no summary (an unfinished run)"
    epochs = summary.get("epochs")
    if not (_is_int(epochs) and 1 <= epochs <= MAX_EPOCHS):
        return f"has no valid summary: 'epochs' is not an integer in [1, {MAX_EPOCHS}]"
    history = record.get("history")
    if "history" in record and not (
        isinstance(history, list)
        and len(history) == epochs
        and all(isinstance(h, dict) for h in history)
    ):
        return f"has no valid summary: the history does not hold its {epochs} epochs"
    if summary.get("final_test_acc") is None:
        return "has no valid summary: 'final_test_acc' is missing"
    for key, value in summary.items():
        if value is None:
            continue
        if not _is_number(value):
            return f"has no valid summary: {key!r} is not a finite number within {MAX_NUMBER:g}"
        if key in _ACCURACIES and not 0 <= value <= 1:
            return f"has no valid summary: {key!r} is not in [0, 1]"
        if value < 0 and key not in _SIGNED:
            return f"has no valid summary: {key!r} is negative"
    return None


def _steady_sum(values: list[Any]) -> float | None:
    """The sum of the steady epochs' values (all but the first, which warms up: compiling,
    cuDNN's autotuning; all of one epoch); None if one is missing."""
    steady = values[1:] if len(values) > 1 else values
    return None if any(v is None for v in steady) else math.fsum(steady)


def summarize_history(history: list[dict[str, Any]], params: int) -> dict[str, Any]:
    """A record's ``summary``: final and best accuracy, time, throughput (the median over
    the steady epochs, all but the first, which warms up), peak memory, the total energy,
    and the energy per epoch and per training image over the steady epochs, also above
    the GPU's idle power (None unless every such epoch measured it)."""

    def column(key: str) -> list[Any]:
        return [h.get(key) for h in history]

    rates = column("images_per_s")
    steady = rates[1:] if len(rates) > 1 else rates
    energy = column("energy_j")
    n_steady = max(len(history) - 1, 1)
    images = _steady_sum(column("train_images"))
    per_epoch, above = _steady_sum(energy), _steady_sum(column("energy_above_idle_j"))
    train, train_above = (
        _steady_sum(column("train_energy_j")),
        _steady_sum(column("train_energy_above_idle_j")),
    )
    idle = _steady_sum(column("idle_watts"))
    return {
        "params": params,
        "epochs": len(history),
        "final_test_acc": history[-1]["test_acc"],
        "best_test_acc": max(column("test_acc")),
        "final_train_acc": history[-1]["train_acc"],
        "final_test_loss": history[-1]["test_loss"],
        "train_seconds": sum(column("train_seconds")),
        "seconds_per_epoch": sum(column("train_seconds")) / len(history),
        "images_per_s": sorted(steady)[len(steady) // 2],
        "peak_memory_bytes": max(
            (m for m in column("peak_memory_bytes") if m is not None), default=None
        ),
        "energy_j": None if None in energy else math.fsum(energy),
        "energy_per_epoch_j": None if per_epoch is None else per_epoch / n_steady,
        "energy_per_image_j": None if train is None else train / images,
        "idle_watts": None if idle is None else idle / n_steady,
        "energy_above_idle_per_epoch_j": None if above is None else above / n_steady,
        "energy_above_idle_per_image_j": None if train_above is None else train_above / images,
    }


def new_record(
    config: RunConfig,
    history: list[dict[str, Any]],
    *,
    params: int,
    steps: int,
    energy: dict[str, Any],
    provenance: dict[str, Any],
) -> dict[str, Any]:
    """The record of a finished run of the resolved ``config`` (see :func:`provenance`):
    the configuration's fields marked ``record`` in their metadata (``RECORD_KEYS``), the
    variant's layers, the training steps each epoch took, the summary and history."""
    world = provenance["world_size"]
    return {
        "schema": SCHEMA,
        "kind": KIND,
        "name": config.name(world),
        "transforms": dict(ALL_VARIANTS[config.variant]),
        **{key: getattr(config, name) for name, key in RECORD_KEYS.items()},
        "steps_per_epoch": steps,
        "summary": summarize_history(history, params),
        "history": history,
        "energy": {
            **energy,
            "devices": world,
            "note": "per-epoch energy is in history; this block describes the meter "
            "of the last (possibly resumed) session on rank 0",
        },
        "provenance": provenance,
    }


def _git(*cmd: str, env: Mapping[str, str] | None = None) -> str:
    """What ``git CMD`` prints in the folder above hadalib's, stripped; a RuntimeError
    saying why if git is missing or fails."""
    root = Path(hadalib.__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", *cmd], cwd=root, capture_output=True, text=True, timeout=60, check=True, env=env
        )
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.strip().splitlines() or [f"exit status {exc.returncode}"]
        raise RuntimeError(f"git {cmd[0]} fails: {lines[0][:200]}") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"git {cmd[0]} cannot run: {one_line(exc)}") from None
    return out.stdout.strip()


def source() -> dict[str, Any]:
    """Which code runs: ``git_commit`` (HEAD), ``git_dirty`` (whether tracked files differ
    from it) and ``hadalib_tree``, git's tree hash of the ``hadalib/`` folder as it is on
    disk (tracked and untracked files, less those git ignores); from a clean checkout it
    is ``git rev-parse HEAD:hadalib``. Where hadalib is no git checkout's folder (an
    installed package) the three are None and ``git_error`` says why (else it is None)."""
    root = Path(hadalib.__file__).resolve().parent.parent
    try:
        top = _git("rev-parse", "--show-toplevel")
        if Path(top).resolve() != root:
            raise RuntimeError(
                f"{root / 'hadalib'} is not the hadalib folder of a git "
                f"checkout (git's work tree here is {top})"
            )
        commit = _git("rev-parse", "HEAD")
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
        with tempfile.TemporaryDirectory() as tmp:  # an index of its own: git's is untouched
            env = {**os.environ, "GIT_INDEX_FILE": os.path.join(tmp, "index")}
            _git("read-tree", "HEAD", env=env)
            _git("add", "--all", "--", "hadalib", env=env)
            tree = _git("write-tree", "--prefix=hadalib/", env=env)
    except RuntimeError as exc:
        return {"git_commit": None, "git_dirty": None, "hadalib_tree": None, "git_error": str(exc)}
    return {"git_commit": commit, "git_dirty": dirty, "hadalib_tree": tree, "git_error": None}


def now() -> str:
    """The time in UTC, to the second, as ISO 8601 text."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _cpu_name() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _file_sha256(weights: str) -> str | None:
    """The SHA-256 of a weights file; None for no weights, named ones or a missing file."""
    try:
        path = Weights.verify(weights)
    except ValueError:  # a file gone since the run began
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest() if isinstance(path, Path) else None


def _device_facts(device: torch.device) -> dict[str, Any]:
    """What the run ran on: the device's name, and on CUDA its compute capability,
    memory and cuDNN."""
    import torch

    if device.type != "cuda":
        return {
            "device_name": _cpu_name(),
            "gpu_name": None,
            "cuda_capability": None,
            "gpu_memory_bytes": None,
            "cudnn": None,
        }
    props = torch.cuda.get_device_properties(device)
    return {
        "device_name": props.name,
        "gpu_name": props.name,
        "cuda_capability": f"{props.major}.{props.minor}",
        "gpu_memory_bytes": int(props.total_memory),
        "cudnn": torch.backends.cudnn.version(),
    }


def provenance(
    config: RunConfig,
    device: torch.device,
    world: int,
    energy: dict[str, Any],
    *,
    code: dict[str, Any],
    started: str,
    resumed: bool,
) -> dict[str, Any]:
    """Where a run comes from: the code (``code``, what :func:`source` gave at the start), the
    versions (Python, torch, CUDA, cuDNN, the driver, triton, numba, NumPy), the device
    (its name; on CUDA its compute capability and memory), how the run computed
    (precision, memory format, compiled or not), the resolved arguments, the weights
    file's SHA-256 and the energy meter's method."""
    import torch

    return {
        **code,
        "hadalib_version": hadalib.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "driver": energy.get("driver"),
        **{name: _version(name) for name in ("triton", "numba", "numpy")},
        "device": str(device),
        **_device_facts(device),
        "weights_sha256": _file_sha256(config.weights),
        "cpu_threads": torch.get_num_threads(),
        "world_size": world,
        "args": {
            name: value
            for name, value in sorted(dataclasses.asdict(config).items())
            if name not in RECORD_KEYS
        },
        "argv": list(sys.argv),
        "energy_method": energy.get("method"),
        "started_utc": started,
        "finished_utc": now(),
        "resumed": resumed,
    }


def _finite(obj: Any) -> Any:
    """JSON-safe copy: non-finite floats become None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` as JSON (non-finite numbers as null), whole or not at all."""
    text = json.dumps(_finite(record), indent=1, allow_nan=False) + "\n"
    atomic_write(path, lambda f: f.write(text.encode()), suffix=PARTIAL)
