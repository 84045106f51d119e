"""The studies of chapters 9 and 10 as lists of runs of :mod:`hadalib.experiments.resnet_wht`.

Usage::

    python -m hadalib.experiments.study digits --out book/results    # chapter 9, CPU
    python -m hadalib.experiments.study gpu --out book/results       # chapter 10, one GPU
    python -m hadalib.experiments.study cifar100 --out book/results  # chapter 10, accuracy

Each run is a ``hadalib.experiments.config.RunConfig`` with ``resume=True``,
run by ``hadalib.experiments.runner.run``: a study that was interrupted
continues where it stopped, and finished runs are skipped. A run the runner refuses (a
damaged record in its place, other settings, a diverged loss) is reported with a warning
and the study goes on; it ends with an error that lists them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hadalib._files import unwritable
from hadalib.experiments.config import RunConfig
from hadalib.nn import VARIANTS

if TYPE_CHECKING:
    from hadalib.experiments.training import EpochHook

__all__ = ["STUDIES", "study_runs", "main"]


class Study(NamedTuple):
    """A study: what it measures, the settings its runs share, its seeds and readings."""

    description: str
    settings: dict[str, Any]  # RunConfig fields shared by all runs, in the order printed
    seeds: tuple[int, ...]
    readings: tuple[str, ...]  # the axes of the WHT and DCT layers


#: Name -> (what it measures, RunConfig fields shared by all its runs, seeds, readings).
STUDIES = {
    "digits": Study(
        "chapter 9: scikit-learn digits, small ResNet-18, ten variants and the spatial "
        "reading, 5 seeds (about 15 min on 2 CPU cores)",
        {"data": "digits", "model": "resnet18", "width": 16, "stem": "cifar", "epochs": 10,
         "batch_size": 64},
        (0, 1, 2, 3, 4),
        ("channel", "spatial"),
    ),
    "gpu": Study(
        "chapter 10: speed, memory and energy of ResNet-50 at 224x224 on synthetic data, "
        "ten variants, 3 repeats (about 15 min on one H100)",
        {"data": "synthetic", "image_size": 224, "epochs": 3, "steps_per_epoch": 200,
         "batch_size": 256, "limit_test": 2048},
        (0, 1, 2),
        ("channel",),
    ),
    "cifar100": Study(
        "chapter 10: accuracy of ImageNet-pretrained ResNet-50 on CIFAR-100 at 224x224, "
        "ten variants, 3 seeds, 25 epochs (hours on one GPU; needs the CIFAR-100 archive "
        "in data/ and torchvision for the weights)",
        {"data": "cifar100", "data_root": "data", "weights": "torchvision", "epochs": 25,
         "batch_size": 128},
        (0, 1, 2),
        ("channel",),
    ),
}
#: The fields each run sets after the study's shared ones, in the order printed.
_PER_RUN = ("resume", "progress", "variant", "axes", "seed", "out")


def study_runs(name: str, out: str | os.PathLike = "book/results") -> list[list[str]]:
    """The command line of every run of a study, in the order they run.

    Parameters
    ----------
    name : {"digits", "gpu", "cifar100"}
        A key of :data:`STUDIES`.
    out : str or os.PathLike
        Folder of the JSON records.

    Returns
    -------
    list of list of str
        One argument list per run for :func:`hadalib.experiments.resnet_wht.main`:
        the study's shared settings, then ``--resume --no-progress`` and the run's
        variant, axes, seed and folder. The spatial reading is run only for WHT and DCT
        variants, where it differs.

    Raises
    ------
    ValueError
        For an unknown study.

    Examples
    --------
    >>> runs = study_runs("digits")
    >>> len(runs)
    80
    >>> runs[0][-8:]
    ['--variant', 'baseline', '--axes', 'channel', '--seed', '0', '--out', 'book/results']

    Introduced in: book/09_transform_layers.ipynb
    """
    configs = _configs(name, out)
    order = [*STUDIES[name].settings, *_PER_RUN]
    return [config.argv(order) for config in configs]


def _configs(name: str, out: str | os.PathLike) -> list[RunConfig]:
    """The configuration of every run of a study, in the order they run."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of {', '.join(STUDIES)}; got "
                        f"{type(name).__name__}")
    if name not in STUDIES:
        raise ValueError(f"unknown study {name!r}; accepted: {', '.join(STUDIES)}")
    study = STUDIES[name]
    return [RunConfig(variant, **study.settings, axes=axes, seed=seed, out=os.fspath(out),
                      resume=True, progress=False)
            for seed in study.seeds for variant in VARIANTS for axes in study.readings
            if axes == "channel" or variant.split("-")[0] in ("wht", "dct")]


def main(argv: Sequence[str] | None = None, on_epoch: EpochHook | None = None) -> int:
    """Run a study (the ``python -m hadalib.experiments.study`` entry point).

    Parameters
    ----------
    argv : list of str, optional
        ``NAME [--out DIR] [--threads N] [--device D] [--dry-run]`` (default:
        ``sys.argv[1:]``).
    on_epoch : callable, optional
        Called after each epoch of each run with the epoch's metrics (see
        ``hadalib.experiments.runner.run``).

    Returns
    -------
    int
        The number of runs (done now, skipped as finished, or listed by ``--dry-run``).

    Raises
    ------
    SystemExit
        For a bad argument (status 2), or at the end if the runner refused some runs
        (status 1; each was reported by a warning as it happened).

    Examples
    --------
    >>> main(["gpu", "--dry-run"])  # doctest: +ELLIPSIS
    python -m hadalib.experiments.resnet_wht --data synthetic ... --seed 0 --out book/results
    ...
    30

    Introduced in: book/09_transform_layers.ipynb
    """
    p = _parser()
    args = p.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        p.error(f"--threads must be a positive integer, got {args.threads}")
    if args.dry_run:
        runs = study_runs(args.name, args.out)
        for run in runs:
            print("python -m hadalib.experiments.resnet_wht", " ".join(run))
        return len(runs)
    problem = unwritable(Path(args.out))
    if problem:
        p.error(f"--out {args.out}: {problem}")
    configs = _configs(args.name, args.out)
    device = args.device or ("cpu" if args.name == "digits" else None)
    if device is not None:
        configs = [dataclasses.replace(c, device=device) for c in configs]
    failed = _run_all(configs, args.threads or (1 if args.name == "digits" else None),
                      on_epoch)
    if failed:
        raise SystemExit(f"error: {len(failed)} of {len(configs)} runs failed: "
                         f"{'; '.join(failed)}")
    return len(configs)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hadalib.experiments.study",
                                description="Run one of the book's studies.")
    p.add_argument("name", choices=tuple(STUDIES),
                   help="; ".join(f"{k}: {v.description}" for k, v in STUDIES.items()))
    p.add_argument("--out", default="book/results", help="folder of the JSON records")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads per run (the digits study uses 1 by default)")
    p.add_argument("--device", default=None,
                   help="device of every run (the digits study, whose records were made on "
                        "the CPU, uses cpu by default; else the runner's default)")
    p.add_argument("--dry-run", action="store_true", help="print the runs, run nothing")
    return p


def _run_all(configs: Sequence[RunConfig], threads: int | None,
             on_epoch: EpochHook | None) -> list[str]:
    """Run each run; a refused one is reported with a warning. Returns the refusals."""
    import torch

    from hadalib.experiments.runner import Refused, run

    if threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    failed = []
    for i, config in enumerate(configs, 1):
        try:
            record = run(config, on_epoch)
        except Refused as exc:
            failed.append(f"run {i} ({' '.join(config.argv(['variant', 'axes', 'seed']))}): "
                          f"{exc}")
            warnings.warn(f"[{i}/{len(configs)}] refused, the study goes on: {exc}",
                          stacklevel=3)
            continue
        acc = record["summary"]["final_test_acc"] if record else float("nan")
        print(f"[{i}/{len(configs)}] {record['name'] if record else '?'}: test accuracy "
              f"{acc:.4f} ({time.perf_counter() - start:.0f} s)", flush=True)
    return failed


if __name__ == "__main__":
    main()
