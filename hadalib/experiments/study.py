"""The studies of chapters 9 and 10 as lists of runs of :mod:`hadalib.experiments.resnet_wht`.

Usage::

    python -m hadalib.experiments.study digits --out book/results    # chapter 9, CPU
    python -m hadalib.experiments.study gpu --out book/results       # chapter 10, one GPU
    python -m hadalib.experiments.study cifar100 --out book/results  # chapter 10, accuracy

Each run is one call of the runner with ``--resume``: a study that was interrupted
continues where it stopped, and finished runs are skipped. A run the runner refuses (a
damaged record in its place, other settings, a diverged loss) is reported with a warning
and the study goes on; it ends with an error that lists them.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from hadalib.experiments.report import _check_folder
from hadalib.nn import VARIANTS

__all__ = ["STUDIES", "study_runs", "main"]

#: Name -> (what it measures, runner arguments shared by all its runs, seeds, readings).
STUDIES = {
    "digits": (
        "chapter 9: scikit-learn digits, small ResNet-18, ten variants and the spatial "
        "reading, 5 seeds (about 15 min on 2 CPU cores)",
        ["--data", "digits", "--model", "resnet18", "--width", "16", "--stem", "cifar",
         "--epochs", "10", "--batch-size", "64"],
        (0, 1, 2, 3, 4),
        ("channel", "spatial"),
    ),
    "gpu": (
        "chapter 10: speed, memory and energy of ResNet-50 at 224x224 on synthetic data, "
        "ten variants, 3 repeats (about 15 min on one H100)",
        ["--data", "synthetic", "--image-size", "224", "--epochs", "3",
         "--steps-per-epoch", "200", "--batch-size", "256", "--limit-test", "2048"],
        (0, 1, 2),
        ("channel",),
    ),
    "cifar100": (
        "chapter 10: accuracy of ImageNet-pretrained ResNet-50 on CIFAR-100 at 224x224, "
        "ten variants, 3 seeds, 25 epochs (hours on one GPU; needs the CIFAR-100 archive "
        "in data/ and torchvision for the weights)",
        ["--data", "cifar100", "--data-root", "data", "--weights", "torchvision",
         "--epochs", "25", "--batch-size", "128"],
        (0, 1, 2),
        ("channel",),
    ),
}


def study_runs(name: str, out: str | os.PathLike = "book/results") -> list[list[str]]:
    """The runner arguments of every run of a study, in the order they run.

    Parameters
    ----------
    name : {"digits", "gpu", "cifar100"}
        A key of :data:`STUDIES`.
    out : str or os.PathLike
        Folder of the JSON records.

    Returns
    -------
    list of list of str
        One argument list per run for :func:`hadalib.experiments.resnet_wht.main`;
        the spatial reading is run only for WHT and DCT variants, where it differs.

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
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of {', '.join(STUDIES)}; got "
                        f"{type(name).__name__}")
    if name not in STUDIES:
        raise ValueError(f"unknown study {name!r}; accepted: {', '.join(STUDIES)}")
    out = os.fspath(out)
    _, common, seeds, readings = STUDIES[name]
    runs = []
    for seed in seeds:
        for variant in VARIANTS:
            for axes in readings:
                if axes == "spatial" and (variant == "baseline" or variant.startswith("fft")):
                    continue
                runs.append([*common, "--resume", "--no-progress", "--variant", variant,
                             "--axes", axes, "--seed", str(seed), "--out", out])
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    """Run a study (the ``python -m hadalib.experiments.study`` entry point).

    Parameters
    ----------
    argv : list of str, optional
        ``NAME [--out DIR] [--threads N] [--device D] [--dry-run]`` (default:
        ``sys.argv[1:]``).

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
    p = argparse.ArgumentParser(prog="python -m hadalib.experiments.study",
                                description="Run one of the book's studies.")
    p.add_argument("name", choices=tuple(STUDIES),
                   help="; ".join(f"{k}: {v[0]}" for k, v in STUDIES.items()))
    p.add_argument("--out", default="book/results", help="folder of the JSON records")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads per run (the digits study uses 1 by default)")
    p.add_argument("--device", default=None,
                   help="device of every run (the digits study, whose records were made on "
                        "the CPU, uses cpu by default; else the runner's default)")
    p.add_argument("--dry-run", action="store_true", help="print the runs, run nothing")
    args = p.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        p.error(f"--threads must be a positive integer, got {args.threads}")
    runs = study_runs(args.name, args.out)
    if args.dry_run:
        for run in runs:
            print("python -m hadalib.experiments.resnet_wht", " ".join(run))
        return len(runs)
    _check_folder(p, "--out", Path(args.out))
    device = args.device or ("cpu" if args.name == "digits" else None)
    failed = _run_all(runs, args.threads or (1 if args.name == "digits" else None),
                      [] if device is None else ["--device", device])
    if failed:
        raise SystemExit(f"error: {len(failed)} of {len(runs)} runs failed: "
                         f"{'; '.join(failed)}")
    return len(runs)


def _run_all(runs: Sequence[list[str]], threads: int | None, extra: list[str]) -> list[str]:
    """Run each run; a refused one is reported with a warning. Returns the refusals."""
    import torch

    from hadalib.experiments import resnet_wht

    if threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    failed = []
    for i, run in enumerate(runs, 1):
        try:
            record = resnet_wht.main([*run, *extra])
        except SystemExit as exc:
            if exc.code in (0, None):
                raise
            # the runner printed its message; a bare status is an argparse error
            reason = f"exit status {exc.code}" if str(exc) == str(exc.code) else str(exc)
            failed.append(f"run {i} ({' '.join(run[-8:-2])}): {reason}")
            warnings.warn(f"[{i}/{len(runs)}] refused, the study goes on: {reason}",
                          stacklevel=3)
            continue
        acc = record["summary"]["final_test_acc"] if record else float("nan")
        print(f"[{i}/{len(runs)}] {record['name'] if record else '?'}: test accuracy {acc:.4f}"
              f" ({time.perf_counter() - start:.0f} s)", flush=True)
    return failed


if __name__ == "__main__":
    main()
