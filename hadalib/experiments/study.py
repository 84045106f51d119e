"""The studies of chapters 11 and 12 as lists of runs of :mod:`hadalib.experiments.resnet_wht`.

Usage::

    python -m hadalib.experiments.study digits --out book/results        # chapter 11, CPU
    python -m hadalib.experiments.study bottleneck --out book/results    # chapter 11, CPU
    python -m hadalib.experiments.study cpu-speed --out book/results     # chapter 12, CPU
    python -m hadalib.experiments.study gpu --out book/results           # chapter 12, one GPU
    python -m hadalib.experiments.study gpu-compiled --out book/results  # the same, compiled
    python -m hadalib.experiments.study cifar100 --out book/results      # chapter 12, accuracy

Each run is a ``hadalib.experiments.config.RunConfig`` with ``resume=True``,
run by ``hadalib.experiments.runner.run``: a study that was interrupted
continues where it stopped, and finished runs are skipped. A run the runner refuses (a
damaged record in its place, other settings, a diverged loss) is reported with a warning
and the study goes on; it ends with an error that lists them. Runs go variant by
variant (all readings and seeds of one variant, then the next), so that a compiled
variant compiles once. On a machine with one GPU, ``make gpu-study``
(``tools/gpu_study.py`` in the repository) runs the ``gpu`` and ``gpu-compiled`` studies
in invocations of under 7 minutes, the first of which records the headline.

The ``cpu-speed`` study measures ResNet-50 itself on the machine that runs it, at the
paper's shape (224x224) and in fp32 (the CPU's default precision): the time of a training
step (forward, backward and Adam's update), images per second and memory, at a small
batch (4 images) so that its 48 runs fit in about 20 minutes (its ``STUDIES`` entry says
how long; ``--dry-run`` estimates it). Each run is a
process of its own (``python -m hadalib.experiments.resnet_wht --cpu-memory``), for two
reasons: the peak memory is what the process's peak resident memory (getrusage's
``ru_maxrss``, which only grows over a process's life) grows by during training, which
means something only in a process that ran nothing before; and each repeat then
includes what differs between processes. Each run's first epoch (2 steps) warms up
(oneDNN creates its kernels in the first steps of a process, which take several times a
normal step) and is left out of the summary; its 3 further epochs of 2 steps are timed,
and the median epoch counts. The repeats are interleaved (every variant's first repeat,
then every second one), so that a change in the machine's load spreads over all variants;
at the end, a table gives each variant's step time, images/s and peak memory (mean and
95% interval over the 3 repeats) and its overhead against the baseline of the same study.

Chapter 11's ``bottleneck`` study asks the question of Pan, Badawi and Cetin's WHT layers
on the digits: a ResNet-50 (bottleneck blocks 3-4-6-3, base width 16, the 3x3 stem)
against the same network whose bottleneck blocks have Walsh filters over the channels in
the place of both their 1x1 convolutions, reduce and expand
(``hadalib.nn.variants.BOTTLENECK_VARIANTS``; ``resnet50(pointwise="walsh")``), everything
else identical, with the digits study's training settings, 5 seeds each; its records go
to the folder ``bottleneck`` under ``--out``.

The readings of a study are the axes of its WHT and DCT layers; the first is its
default, which every variant runs in, the others are ablations run by the WHT and DCT
variants only (and by the Walsh filters). Chapter 11's ``digits`` study keeps the channel
reading as its first (its records were made so); the ResNet-50 studies of chapter 12
default to the spatial reading, as the paper does.

Chapter 11's ``digits`` study also runs the learned Walsh filters of
``hadalib.nn.FILTER_VARIANTS`` in both readings, and writes their records to the folder
``filters`` under ``--out``: the records of the paper's ten variants, which chapter 12
also reads, stay alone in their folder. The GPU studies run the ten variants only.

The recipe of the ``cifar100`` study. Where the paper (Yilmaz et al., arXiv
2506.16418) is explicit, it is followed: ResNet-50 with ImageNet-pretrained weights and
all layers trainable; CIFAR-100's 50,000 training and 10,000 test images resized from
32x32 to 224x224 (on the device, batch by batch: the images stay uint8 on the GPU);
Adam; cross-entropy; L2 regularization; 25 epochs (the middle of its 20-30); a head of
global average pooling, dropout 0.5 and a 100-way linear layer; the WHT as a "custom 2D
WHT" over height and width, built by the Sylvester recursion (``axes="spatial"``), with
the channel axis as our ablation. Where it is silent, these are our choices, and why:

- weights: torchvision's ``IMAGENET1K_V1`` for ResNet-50 v1.5 (the stride in the 3x3
  convolution; Keras' ResNet50 is v1): the closest weights with torchvision's names;
- preprocessing: ImageNet's per-channel mean and standard deviation, the statistics
  those weights were trained with; bilinear resizing (Keras' default); no augmentation;
- Adam's learning rate 1e-3 (Keras' default), constant, no schedule;
- L2 regularization as Adam's (coupled) weight decay 1e-4 on every parameter (the
  paper gives neither the factor nor the layers);
- batch 128; bf16 autocast, channels-last memory and ``torch.compile`` on the GPU
  (speed only: the paper does not name its precision);
- transform layers: orthonormal (``norm="ortho"``); in the spatial reading, H and W are
  padded with zeros to the next power of two (224 to 256, 56 to 64, 14 to 16) and cropped
  back, since the Sylvester construction exists only for powers of two;
- the test accuracy reported is that after the last epoch (no validation split, no early
  stopping), over 3 seeds where the paper reports one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import hadalib
from hadalib._files import unwritable
from hadalib._optional import requires
from hadalib.experiments import records
from hadalib.experiments.config import RunConfig, differences
from hadalib.nn import FILTER_VARIANTS, VARIANTS
from hadalib.nn.variants import ALL_VARIANTS, BOTTLENECK_VARIANTS

if TYPE_CHECKING:
    from hadalib.experiments.training import EpochHook

__all__ = ["STUDIES", "study_runs", "main"]


class Cost(NamedTuple):
    """What a study's dry run estimates its time from, measured on a machine it names."""

    image_s: float  # seconds per training image
    run_s: float  # seconds per run beyond its training images: the process's start, the
    #               first steps' one-off work, the evaluation, the record
    measured: str  # where and how these were measured


class Study(NamedTuple):
    """A study: what it measures, the settings its runs share, its seeds and readings,
    the folder (under ``--out``) of its Walsh-filter runs, if it has any, and of its
    records, how its runs are started, what its time is estimated from, its variants,
    and the device and CPU threads of its runs where they are fixed."""

    description: str
    settings: dict[str, Any]  # RunConfig fields shared by all runs, in the order printed
    seeds: tuple[int, ...]
    readings: tuple[str, ...]  # the axes of the WHT and DCT layers, the default first
    filters: str | None = None  # sub-folder of the FILTER_VARIANTS' records; None: no such runs
    folder: str | None = None  # sub-folder of the other records; None: --out itself
    # Each run in a process of its own, the repeats interleaved; else all in this process,
    # variant by variant.
    process_per_run: bool = False
    cost: Cost | None = None  # for the dry run's estimate; None: none printed
    variants: tuple[str, ...] = tuple(VARIANTS)  # names in ALL_VARIANTS, in the order run
    device: str | None = None  # of every run unless --device says; None: the runner's default
    threads: int | None = None  # CPU threads per run unless --threads says; None: torch's


#: Name -> (what it measures, RunConfig fields shared by all its runs, seeds, readings,
#: folder of its Walsh-filter runs, folder of its records, one process per run, cost,
#: variants, device, threads).
STUDIES = {
    "digits": Study(
        "chapter 11: scikit-learn digits, small ResNet-18, ten variants and the spatial "
        "reading, and three learned Walsh filters in both readings (records in OUT/filters), "
        "5 seeds (about 12 min on one CPU core: each run uses one thread, and the committed "
        "records' measured times add up to 11 min)",
        {
            "data": "digits",
            "model": "resnet18",
            "width": 16,
            "stem": "cifar",
            "epochs": 10,
            "batch_size": 64,
        },
        (0, 1, 2, 3, 4),
        ("channel", "spatial"),
        "filters",
        device="cpu",  # its records were made on the CPU
        threads=1,
    ),
    "bottleneck": Study(
        "chapter 11: scikit-learn digits, ResNet-50 of base width 16 with ordinary 1x1 "
        "convolutions in its bottleneck blocks against Walsh filters in their place, 5 "
        "seeds each (records in OUT/bottleneck; about 10 min on one CPU core: each run uses "
        "one thread, and the committed records' measured times add up to 9 min)",
        {
            "data": "digits",
            "model": "resnet50",
            "width": 16,
            "stem": "cifar",
            "epochs": 10,
            "batch_size": 64,
        },
        (0, 1, 2, 3, 4),
        ("channel",),
        folder="bottleneck",
        variants=("baseline", *BOTTLENECK_VARIANTS),
        device="cpu",
        threads=1,
    ),
    "cpu-speed": Study(
        "chapter 12: ResNet-50 at 224x224 on this machine's CPU (fp32, synthetic data, "
        "batch 4; an epoch of 2 steps to warm up, then 3 timed epochs of 2 steps, whose "
        "median counts): step "
        "time, images/s and the growth of the process's peak memory of the ten variants in "
        "the spatial reading and the six WHT and DCT variants in the channel reading, 3 "
        "repeats each, one process per run (records in OUT/cpu-speed; about 22 min on 2 "
        "cores)",
        {
            "data": "synthetic",
            "image_size": 224,
            "epochs": 4,
            "batch_size": 4,
            "limit_train": 8,
            "limit_test": 4,
            "device": "cpu",
            "checkpoints": False,
            "cpu_memory": True,
        },
        (0, 1, 2),
        ("spatial", "channel"),
        folder="cpu-speed",
        process_per_run=True,
        # One run of the baseline on 2 cores shared with other work (load average 3.4):
        # 0.97 s a step of 4 images once warm, and 19.8 s beyond them (4 s to start
        # Python and torch, 13 s more in the first epoch's two steps, the model,
        # evaluation and record); a quiet machine takes less.
        cost=Cost(0.97 / 4, 19.8, "one run of the baseline on 2 cores shared with other work"),
    ),
    "gpu": Study(
        "chapter 12: speed, memory and energy of ResNet-50 at 224x224 on synthetic data "
        "(bf16, channels-last, not compiled; an epoch of 20 steps of 256 images to warm "
        "up, then one measured epoch of 20 steps, a few seconds): the ten variants in the "
        "paper's spatial reading and the six WHT and DCT variants in the channel reading, "
        "3 repeats each (about 8 min on one H100; the first invocation of `make gpu-study` "
        "runs the spatial reading in one process, within 7 minutes)",
        {
            "data": "synthetic",
            "image_size": 224,
            "epochs": 2,
            "batch_size": 256,
            "limit_train": 5120,
            "limit_test": 512,
            "precision": "bf16",
            "channels_last": True,
            "checkpoints": False,
        },
        (0, 1, 2),
        ("spatial", "channel"),
    ),
    "gpu-compiled": Study(
        "chapter 12: the gpu study's spatial reading compiled (torch.compile; 3 epochs of "
        "50 steps of 256 images, the first of which compiles and is left out), 3 repeats "
        "(records in OUT/gpu-compiled; about 25 min on one H100)",
        {
            "data": "synthetic",
            "image_size": 224,
            "epochs": 3,
            "batch_size": 256,
            "limit_train": 12800,
            "limit_test": 1024,
            "precision": "bf16",
            "channels_last": True,
            "compile": True,
            "checkpoints": False,
        },
        (0, 1, 2),
        ("spatial",),
        folder="gpu-compiled",
    ),
    "cifar100": Study(
        "chapter 12: accuracy of ImageNet-pretrained ResNet-50 on CIFAR-100 at 224x224, "
        "the ten variants in the spatial reading and the six WHT and DCT variants in the "
        "channel reading, 3 seeds, 25 epochs (hours on one GPU; needs the CIFAR-100 archive "
        "in data/ and torchvision for the weights)",
        {
            "data": "cifar100",
            "data_root": "data",
            "weights": "torchvision",
            "epochs": 25,
            "batch_size": 128,
            "precision": "bf16",
            "channels_last": True,
            "compile": True,
        },
        (0, 1, 2),
        ("spatial", "channel"),
    ),
}
#: The fields each run sets after the study's shared ones, in the order printed.
_PER_RUN = ("resume", "progress", "variant", "axes", "seed", "out")


def study_runs(name: str, out: str | os.PathLike = "book/results") -> list[list[str]]:
    """The command line of every run of a study, in the order they run.

    Parameters
    ----------
    name : {"digits", "bottleneck", "cpu-speed", "gpu", "gpu-compiled", "cifar100"}
        A key of :data:`STUDIES`.
    out : str or os.PathLike
        Folder of the JSON records.

    Returns
    -------
    list of list of str
        One argument list per run for :func:`hadalib.experiments.resnet_wht.main`:
        the study's shared settings, then ``--resume --no-progress`` and the run's
        variant, axes, seed and folder. Every variant runs in the study's first reading,
        the WHT, DCT and Walsh-filter variants (where the axes matter) also in the others;
        the Walsh filters (``hadalib.nn.FILTER_VARIANTS``, in the ``digits`` study only)
        come last, with the folder ``filters`` under ``out``.

    Raises
    ------
    ValueError
        For an unknown study.

    Examples
    --------
    >>> runs = study_runs("digits")
    >>> len(runs)
    110
    >>> runs[0][-8:]
    ['--variant', 'baseline', '--axes', 'channel', '--seed', '0', '--out', 'book/results']

    Introduced in: book/11_transform_layers.ipynb
    """
    configs = study_configs(name, out)
    order = [*STUDIES[name].settings, *_PER_RUN]
    return [config.argv(order) for config in configs]


def study_configs(name: str, out: str | os.PathLike = "book/results") -> list[RunConfig]:
    """The configuration of every run of a study, in the order they run: variant by
    variant, each in its readings (the default first) and seeds (see :func:`study_runs`);
    in a study of one process per run, seed by seed (the repeats interleaved)."""
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a str, one of {', '.join(STUDIES)}; got {type(name).__name__}"
        )
    if name not in STUDIES:
        raise ValueError(f"unknown study {name!r}; accepted: {', '.join(STUDIES)}")
    study = STUDIES[name]
    variants = {name: ALL_VARIANTS[name] for name in study.variants}
    folders = [(variants, os.path.join(out, study.folder) if study.folder else os.fspath(out))]
    if study.filters is not None:
        folders.append((FILTER_VARIANTS, os.path.join(out, study.filters)))
    configs = [
        RunConfig(
            variant.name,
            **study.settings,
            axes=axes,
            seed=seed,
            out=folder,
            resume=True,
            progress=False,
        )
        for variants, folder in folders
        for variant in variants.values()
        for axes in study.readings
        for seed in study.seeds
        if axes == study.readings[0] or variant.has_axes
    ]
    return sorted(configs, key=lambda c: c.seed) if study.process_per_run else configs


def finished(config: RunConfig) -> bool:
    """Whether the run's record is in place and finished, with these settings."""
    path = Path(config.out) / f"{config.name()}.json"
    try:
        record = records.read_json(path)
    except ValueError:
        return False
    if records.record_problem(record) or records.summary_problem(record):
        return False
    return not differences(records.settings(record), dataclasses.asdict(config.resolved()))


def run_seconds(config: RunConfig, image_s: float, run_s: float) -> float:
    """A run's estimated seconds: its training images at ``image_s`` seconds each, and
    ``run_s`` beyond them."""
    c = config.resolved()
    steps = (c.limit_train or 50_000) // c.batch_size
    steps = min(steps, c.steps_per_epoch) if c.steps_per_epoch else steps
    return c.epochs * steps * c.batch_size * image_s + run_s


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
    48

    Introduced in: book/11_transform_layers.ipynb
    """
    p = _parser()
    args = p.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        p.error(f"--threads must be a positive integer, got {args.threads}")
    study = STUDIES[args.name]
    configs = study_configs(args.name, args.out)
    device = args.device or study.device
    if device is not None:  # checked here, so that --dry-run refuses what the run would
        try:
            configs = [dataclasses.replace(c, device=device) for c in configs]
        except ValueError as exc:
            p.error(f"--{exc}")
    if args.dry_run:
        runs = study_runs(args.name, args.out)
        for run in runs:
            print(
                "python -m hadalib.experiments.resnet_wht",
                " ".join(run),
                *(("--device", args.device) if args.device else ()),
            )
        if study.cost is not None:
            print(
                f"estimated: about {_estimate(args.name, args.out) / 60:.0f} min for "
                f"{len(runs)} runs, from {study.cost.measured}"
            )
        return len(runs)
    problem = unwritable(Path(args.out))
    if problem:
        p.error(f"--out {args.out}: {problem}")
    threads = args.threads or study.threads
    if study.process_per_run:
        failed = _run_in_processes(configs, threads)
        print(
            speed_table(
                [
                    records.read_json(Path(c.out) / f"{c.name()}.json")
                    for c in configs
                    if finished(c)
                ]
            )
        )
    else:
        failed = _run_all(configs, threads, on_epoch)
    if failed:
        raise SystemExit(f"error: {len(failed)} of {len(configs)} runs failed: {'; '.join(failed)}")
    return len(configs)


def _estimate(name: str, out: str | os.PathLike) -> float:
    """Seconds the study's runs not yet finished take, by its cost."""
    cost = STUDIES[name].cost
    return sum(
        run_seconds(c, cost.image_s, cost.run_s)
        for c in study_configs(name, out)
        if not finished(c)
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m hadalib.experiments.study", description="Run one of the book's studies."
    )
    p.add_argument(
        "name",
        choices=tuple(STUDIES),
        help="; ".join(f"{k}: {v.description}" for k, v in STUDIES.items()),
    )
    p.add_argument("--out", default="book/results", help="folder of the JSON records")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads per run (the digits and bottleneck studies use 1 by default)",
    )
    p.add_argument(
        "--device",
        default=None,
        help="device of every run (the digits and bottleneck studies, whose records were "
        "made on the CPU, use cpu by default, and cpu-speed cpu; else the runner's "
        "default)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the runs, run nothing (cpu-speed: also the time estimate)",
    )
    return p


def _run_in_processes(configs: Sequence[RunConfig], threads: int | None) -> list[str]:
    """Run each run not yet finished in a process of its own (the command line of
    :mod:`hadalib.experiments.resnet_wht`, with hadalib from this one's source); a
    refused or failed one is reported with a warning. Returns the failures."""
    names = [f.name for f in dataclasses.fields(RunConfig)]
    env = dict(os.environ)
    source = str(Path(hadalib.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    start = time.perf_counter()
    failed = []
    for i, config in enumerate(configs, 1):
        head = f"[{i}/{len(configs)}] {config.name()}"
        if finished(config):
            print(f"{head}: finished before", flush=True)
            continue
        done = subprocess.run(
            [sys.executable, "-m", "hadalib.experiments.resnet_wht", *config.argv(names)],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
            failed.append(f"run {i} ({config.name()}): status {done.returncode}: {lines[-1]}")
            warnings.warn(f"{head}: failed, the study goes on: {lines[-1]}", stacklevel=3)
            continue
        s = records.read_json(Path(config.out) / f"{config.name()}.json")["summary"]
        memory = s["peak_memory_bytes"]
        print(
            f"{head}: {1000 * config.resolved().batch_size / s['images_per_s']:.0f} ms a "
            "step, peak memory "
            + ("not measured" if memory is None else f"+{memory / 2**20:.0f} MiB")
            + f" ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    return failed


def speed_table(results: Sequence[dict[str, Any]]) -> str:
    """Step time, images/s and peak memory of each variant and reading (mean and 95%
    interval over its repeats) and its overhead against the baseline among ``results``.

    The overhead is the ratio of the mean step times less one, with the range that the two
    intervals allow (the lower end of one against the upper end of the other); records
    of one study's run share the machine, the settings and (interleaved) its load.
    """
    from hadalib.experiments.report import interval

    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["variant"], r["axes"]), []).append(r)
    order = list(ALL_VARIANTS)
    rows = []
    for (variant, axes), group in sorted(
        groups.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])
    ):
        steps = [r["batch_size"] / r["summary"]["images_per_s"] for r in group]
        memory = [r["summary"]["peak_memory_bytes"] for r in group]
        rows.append(
            (
                variant,
                axes,
                len(group),
                interval(steps) if steps else None,
                [r["summary"]["images_per_s"] for r in group],
                interval(memory) if None not in memory else None,
            )
        )
    base = next((row for row in rows if ALL_VARIANTS[row[0]].kind is None), None)
    lines = [
        f"{'variant':<16}{'axes':<9}{'repeats':>8}  {'step ms (95% CI)':<22}"
        f"{'images/s':>9}  {'peak MiB (95% CI)':<22}overhead vs baseline (range)"
    ]

    def cell(value: tuple[float, float, float] | None, scale: float) -> str:
        if value is None:
            return "not measured"
        mean, low, high = (scale * v for v in value)
        return f"{mean:.0f}" + ("" if math.isnan(low) else f" ({low:.0f}-{high:.0f})")

    for variant, axes, n, step, rates, memory in rows:
        over = ""
        if base is not None and base[3] is not None and variant != base[0]:
            (m, lo, hi), (bm, blo, bhi) = step, base[3]
            over = f"{100 * (m / bm - 1):+.0f}%"
            if not math.isnan(lo + blo):
                over += f" ({100 * (lo / bhi - 1):+.0f}% to {100 * (hi / blo - 1):+.0f}%)"
        lines.append(
            f"{variant:<16}{axes:<9}{n:>8}  {cell(step, 1000):<22}"
            f"{sum(rates) / n:>9.1f}  {cell(memory, 2.0**-20):<22}{over}"
        )
    return "\n".join(lines)


def _run_all(
    configs: Sequence[RunConfig], threads: int | None, on_epoch: EpochHook | None
) -> list[str]:
    """Run each run; a refused one is reported with a warning. Returns the refusals."""
    with requires("experiments"):
        import torch

    from hadalib.experiments.runner import Refused, run

    if threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    failed = []
    for i, config in enumerate(configs, 1):
        if (
            config.compile
            and i > 1
            and configs[i - 2].argv(["variant", "axes"]) != config.argv(["variant", "axes"])
        ):
            # A fresh start for each variant: dynamo keeps only a few graphs of a function.
            torch.compiler.reset()
        try:
            record = run(config, on_epoch)
        except Refused as exc:
            failed.append(f"run {i} ({' '.join(config.argv(['variant', 'axes', 'seed']))}): {exc}")
            warnings.warn(f"[{i}/{len(configs)}] refused, the study goes on: {exc}", stacklevel=3)
            continue
        acc = record["summary"]["final_test_acc"] if record else float("nan")
        print(
            f"[{i}/{len(configs)}] {record['name'] if record else '?'}: test accuracy "
            f"{acc:.4f} ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    return failed


if __name__ == "__main__":
    main()
