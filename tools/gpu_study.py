"""``make gpu-study``: the book's GPU work, the headline first, in invocations of under 7 minutes.

A tool of the repository, not part of the library: it knows the checkout's layout and
guesses for one H100. Run from the repository root on a machine with one NVIDIA GPU,
with that machine's own Python and no virtual environment::

    make gpu-study                # = PYTHONPATH=. python3 -m tools.gpu_study
    make gpu-study DRY_RUN=1      # the plan and its time estimate; needs no GPU (nor torch)

It does, in this order of value:

a. **the headline: throughput, memory, energy**: the ``gpu`` study of
   :mod:`hadalib.experiments.study` in the paper's spatial reading: the ten variants x
   3 repeats, ResNet-50 at 224x224, bf16 autocast, channels-last, not compiled, synthetic
   CIFAR-shaped data resized on the GPU, an epoch of 20 steps of 256 images to warm up
   and one measured epoch of 20 steps (a few seconds, which NVML's energy counter
   resolves), NVML energy with the idle power subtracted; all 30 runs in one process
   (one start of Python, torch and CUDA), the repeats interleaved (every variant's first
   repeat, then every second one), records in ``book/results/``;
b. **the transform's CUDA benchmark, quick**: ``benchmarks/fwht.py --cuda-only --quick``
   (fewer sizes and batches than the full benchmark, under a minute), results in
   ``benchmarks/results/fwht_cuda_quick.json``;
c. **the channel ablation** of (a): the six WHT and DCT variants in the channel reading,
   with (a)'s settings, in one process;
d. **the full CUDA benchmark**: ``benchmarks/fwht.py --cuda-only``, results in
   ``benchmarks/results/fwht_cuda.json`` (the file appendix A reads);
e. **the compiled runs**: the ``gpu-compiled`` study (a's variants compiled, 3 epochs of
   50 steps, the first of which compiles and is left out), one process per variant,
   records in ``book/results/gpu-compiled/``;
f. **a short accuracy run** (baseline, wht-early, wht-early-late; 2 epochs of CIFAR-100
   from ImageNet weights) where ``data/cifar-100-python.tar.gz`` and
   ``data/resnet50-imagenet1k-v1.pt`` exist, else it says it is skipped and why; records
   in ``book/results/cifar100-short/``.

What the headline measures is what chapter 12 reports: the throughput of a training step
(forward, backward, Adam's update) of ResNet-50 at the paper's shape (224x224) and in bf16,
each variant against the baseline on the same GPU in the same process, with the GPU's
peak memory and its energy above idle per image. It runs eagerly: ``torch.compile``
changes the absolute speed (it fuses batch normalization, activations and the other
element-wise work), and it may also change the comparison a little, since it can fuse
the pads, crops and scalings around a transform layer (the transforms themselves are
custom operators, which it does not fuse into): the eager overheads are those of the
layers as written, an upper bound of what a compiler leaves; (e) measures the compiled
ones, and the records tell the two apart (``compiled``).

Each invocation first measures the GPU's idle power (5 s, before any work), then starts
a piece of work only if its estimate fits what is left of its budget (385 s; a worker
still running at 405 s is stopped, so an invocation ends within 7 minutes), and ends by
printing what remains: run it again until nothing does. Finished runs are found by
their records, so an invocation resumes where the last one stopped. A worker of one
process per variant (e) warms up for a few steps, compiling, from which it estimates
its time and says so; ``TORCHINDUCTOR_CACHE_DIR`` and ``TRITON_CACHE_DIR`` point into
``.cache/`` of the checkout (ignored by git), so that later invocations reuse the
compiled kernels. The times measured go to ``.cache/gpu-study/timings.json`` and make
later estimates better than the first one, which comes from guesses for one H100
(``PRIORS``); a time there that is not a finite number of seconds in [0, 3600] is
ignored, with a note. ``--export DIR`` copies every file the study wrote, at its path
under the repository root, into DIR.

Nothing here needs an API newer than torch 2.11 (tests/test_gpu_study.py checks the
names the GPU path uses), and nothing needs the network.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from hadalib._files import atomic_write, one_line
from hadalib.experiments.config import RunConfig
from hadalib.experiments.study import finished, run_seconds, study_configs
from hadalib.nn import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
#: Where the caches and timings go (.cache/ of the checkout, ignored by git); a test points
#: it elsewhere.
CACHE_VARIABLE = "HADALIB_GPU_STUDY_CACHE"
BUDGET_S = 385.0  # no work starts that would end after this
HARD_LIMIT_S = 405.0  # a worker still running then is stopped: the invocation ends < 7 min
IDLE_SECONDS = 5.0
WARM_STEPS = 5  # steps of each of a compiled worker's two warm-up epochs (the first compiles)
#: Seconds on one H100, guessed until measured (timings.json then replaces them).
PRIORS = {
    "parent_s": 8.0,  # this process: Python, the plan, torch's look for CUDA
    # a worker: Python, torch, CUDA, the data on the GPU, and its first run's one-off work
    # (cuDNN's autotuning, Triton's kernels for the transforms, caches empty)
    "start_s": 25.0,
    "compile_first_s": 100.0,  # torch.compile of a training step, caches empty
    "compile_s": 35.0,  # another variant: most kernels are in the inductor cache already
    "image_s": 1 / 2000,  # a training image at 224x224 in bf16, eager (2,000 images/s)
    "compiled_image_s": 1 / 3200,  # the same, compiled (3,200 images/s)
    "run_extra_s": 4.0,  # a run beyond its training steps: model, evaluation, record
    "benchmark_quick_s": 45.0,  # benchmarks/fwht.py --cuda-only --quick
    "benchmark_s": 150.0,  # benchmarks/fwht.py --cuda-only
}
#: The times a timings file may hold, each a number of seconds in PLAUSIBLE_S.
TIMES = ("start_s", "compile_s", "image_s", "run_extra_s", "seconds")
PLAUSIBLE_S = (0.0, 3600.0)
BENCHMARK = "benchmarks/fwht.py"
CIFAR_ARCHIVE = "cifar-100-python.tar.gz"
WEIGHTS_FILE = "resnet50-imagenet1k-v1.pt"
SHORT_VARIANTS = ("baseline", "wht-early", "wht-early-late")
#: Tiny settings for a test of the whole machinery on the CPU (--smoke).
SMOKE = {
    "model": "resnet50",
    "width": 8,
    "image_size": 32,
    "batch_size": 4,
    "limit_train": 8,
    "limit_test": 4,
    "epochs": 2,
    "compile": False,
    "smoke": True,
    "device": "cpu",
}


class Job(NamedTuple):
    """One process's work: runs, or a command with the file it writes and the key of its
    prior time in PRIORS."""

    step: str
    label: str
    configs: tuple[RunConfig, ...] = ()
    command: tuple[str, ...] = ()
    prior: str = ""

    @property
    def key(self) -> str:
        return f"{self.step}:{self.label}"


class Step(NamedTuple):
    """A step of the plan: its jobs still to do, and what is done or why it is skipped."""

    key: str
    title: str
    jobs: tuple[Job, ...]
    done: int
    total: int
    skipped: str | None = None


def _runs_step(key: str, title: str, configs: Sequence[RunConfig], one_process: bool) -> Step:
    """A step of runs: those not finished, in one process (eager runs, the repeats
    interleaved: every variant's first, then every second) or in one per variant and
    reading (compiled runs: a process compiles one variant)."""
    left = [c for c in configs if not finished(c)]
    if one_process:
        runs = sorted(left, key=lambda c: c.seed)
        jobs = (
            (Job(key, f"{len({c.variant for c in runs})} variant(s)", tuple(runs)),) if runs else ()
        )
    else:
        groups: dict[tuple[str, str], list[RunConfig]] = {}
        for c in left:
            groups.setdefault((c.variant, c.axes), []).append(c)
        jobs = tuple(
            Job(key, f"{variant} ({axes})", tuple(group))
            for (variant, axes), group in groups.items()
        )
    return Step(key, title, jobs, len(configs) - len(left), len(configs))


def _study_configs(name: str, axes: str, options: argparse.Namespace) -> list[RunConfig]:
    """A study's runs in one reading, on CUDA (or in the tiny --smoke settings)."""
    change = dict(SMOKE) if options.smoke else {"device": "cuda"}
    configs = [
        dataclasses.replace(c, **change) for c in study_configs(name, options.out) if c.axes == axes
    ]
    return [c for c in configs if options.variants is None or c.variant in options.variants]


def _accuracy_configs(options: argparse.Namespace) -> tuple[list[RunConfig], str | None]:
    """(f)'s runs: short CIFAR-100 runs from ImageNet weights; or why there are none."""
    if options.smoke:
        return [], "--smoke runs on the CPU"
    root = Path(options.data_root)
    missing = []
    if not ((root / "cifar-100-python").is_dir() or (root / CIFAR_ARCHIVE).is_file()):
        missing.append(
            f"{root / CIFAR_ARCHIVE} (CIFAR-100, 161 MB: "
            f"hadalib.data.load_cifar100({str(root)!r}, download=True) fetches it "
            "where there is a network; a copy of the file will do)"
        )
    if not (root / WEIGHTS_FILE).is_file():
        missing.append(
            f"{root / WEIGHTS_FILE} (torchvision's ResNet-50 IMAGENET1K_V1 "
            "state_dict, 98 MB; the README says how to save it)"
        )
    if missing:
        return [], "not here: " + "; ".join(missing)
    return [
        RunConfig(
            v,
            data="cifar100",
            data_root=str(root),
            weights=str(root / WEIGHTS_FILE),
            epochs=2,
            batch_size=128,
            precision="bf16",
            channels_last=True,
            compile=True,
            axes="spatial",
            device="cuda",
            seed=0,
            out=str(Path(options.out) / "cifar100-short"),
            resume=True,
            progress=False,
        )
        for v in SHORT_VARIANTS
    ], None


def _benchmark_result(quick: bool) -> Path:
    return Path("benchmarks/results") / ("fwht_cuda_quick.json" if quick else "fwht_cuda.json")


def _benchmark_step(key: str, quick: bool, options: argparse.Namespace) -> Step:
    args = (BENCHMARK, "--cuda-only", *(("--quick",) if quick else ()))
    title = f"the transform's CUDA benchmark{', quick' if quick else ''} ({' '.join(args)})"
    if options.smoke:
        return Step(key, title, (), 0, 0, skipped="--smoke runs on the CPU")
    done = _benchmark_result(quick).is_file()
    job = Job(
        key,
        "benchmark" + (" (quick)" if quick else ""),
        command=(sys.executable, *args),
        prior="benchmark_quick_s" if quick else "benchmark_s",
    )
    return Step(key, title, () if done else (job,), int(done), 1)


def plan(options: argparse.Namespace) -> list[Step]:
    """The six steps, in order of value, with what each has left to do."""
    accuracy, skipped = _accuracy_configs(options)
    title = "short accuracy run: CIFAR-100 from ImageNet weights, 2 epochs, spatial reading"
    return [
        _runs_step(
            "a",
            "the headline: throughput, memory and energy of the gpu study, spatial reading",
            _study_configs("gpu", "spatial", options),
            True,
        ),
        _benchmark_step("b", True, options),
        _runs_step(
            "c",
            "the channel ablation of (a): WHT and DCT in the channel reading",
            _study_configs("gpu", "channel", options),
            True,
        ),
        _benchmark_step("d", False, options),
        _runs_step(
            "e",
            "the compiled runs: (a) with torch.compile",
            _study_configs("gpu-compiled", "spatial", options),
            False,
        ),
        Step("f", title, (), 0, 0, skipped) if skipped else _runs_step("f", title, accuracy, False),
    ]


def _outputs(options: argparse.Namespace) -> list[Path]:
    """Every file of the study that exists: records, benchmark results, timings."""
    configs = [
        *_study_configs("gpu", "spatial", options),
        *_study_configs("gpu", "channel", options),
        *_study_configs("gpu-compiled", "spatial", options),
        *_accuracy_configs(options)[0],
    ]
    paths = [Path(c.out) / f"{c.name()}.json" for c in configs]
    timings = _cache("gpu-study", "timings.json")
    return [
        p
        for p in (*paths, _benchmark_result(True), _benchmark_result(False), timings)
        if p.is_file()
    ]


# -- time estimates ----------------------------------------------------------------------


def _cache(*parts: str) -> Path:
    return Path(os.environ.get(CACHE_VARIABLE) or ROOT / ".cache", *parts)


def _plausible(value: Any) -> bool:
    """Whether ``value`` is a number of seconds a timing can be."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and PLAUSIBLE_S[0] <= value <= PLAUSIBLE_S[1]
    )


def _clean(raw: Any) -> tuple[dict[str, Any], list[str]]:
    """The timings of a parsed timings file that can be used, and what is ignored."""
    if not isinstance(raw, dict) or not isinstance(raw.get("jobs"), dict):
        return {"jobs": {}}, [
            f"all of it (a {type(raw).__name__}, not an object with an object 'jobs')"
        ]
    jobs, ignored = {}, []
    for key, times in raw["jobs"].items():
        if not isinstance(times, dict):
            ignored.append(f"{key}: {times!r}")
            continue
        jobs[key] = {}
        for name, value in times.items():
            if name in TIMES and _plausible(value):
                jobs[key][name] = float(value)
            elif name in TIMES:
                ignored.append(f"{key} {name}={value!r}")
            elif (
                name == "device"
                and isinstance(value, str)
                or name == "compiled"
                and isinstance(value, bool)
            ):
                jobs[key][name] = value
    return {"jobs": jobs}, ignored


def load_timings(note: bool = False) -> dict[str, Any]:
    """The times measured by earlier invocations (empty where none were); with ``note``,
    a line says what of the file is ignored: a time that is not a finite number of
    seconds in PLAUSIBLE_S, or a file that is not JSON timings."""
    path = _cache("gpu-study", "timings.json")
    try:
        timings, ignored = _clean(json.loads(path.read_text()))
    except FileNotFoundError:
        return {"jobs": {}}
    except (OSError, ValueError) as exc:
        timings, ignored = {"jobs": {}}, [f"all of it ({one_line(exc)})"]
    if note and ignored:
        low, high = PLAUSIBLE_S
        print(
            f"note: ignored in {path}, as not finite numbers of seconds in [{low:g}, "
            f"{high:g}]: {'; '.join(ignored)}"
        )
    return timings


def _save_timings(key: str, times: dict[str, Any]) -> None:
    timings = load_timings()
    timings["jobs"][key] = times
    text = json.dumps(timings, indent=1, sort_keys=True) + "\n"
    atomic_write(_cache("gpu-study", "timings.json"), lambda f: f.write(text.encode()))


def _measured(timings: dict[str, Any], job: Job) -> dict[str, float]:
    """Times for ``job``'s runs: its own measurements, else the mean of the other jobs'
    of the same kind (compiled or not), else the priors (per training image, so that
    batch sizes differ)."""
    compiled = job.configs[0].compile
    base = {**PRIORS, "image_s": PRIORS["compiled_image_s" if compiled else "image_s"]}
    jobs = timings.get("jobs", {})
    mine = jobs.get(job.key)
    if mine:
        return {**base, **mine}
    others = [t for t in jobs.values() if t.get("compiled") == compiled and "image_s" in t]
    means = {
        k: sum(t[k] for t in others) / len(others)
        for k in ("start_s", "compile_s", "image_s", "run_extra_s")
        if others and all(k in t for t in others)
    }
    return {**base, **means}


def _run_s(config: RunConfig, t: dict[str, float]) -> float:
    return run_seconds(config, t["image_s"], t["run_extra_s"])


def estimate(job: Job, timings: dict[str, Any], cold: bool) -> tuple[float, float]:
    """Seconds to start the job and finish its first run (or its command), and to finish
    all of it."""
    if job.command:
        seconds = timings.get("jobs", {}).get(job.key, {}).get("seconds", PRIORS[job.prior])
        return seconds, seconds
    t = _measured(timings, job)
    first = t["start_s"]
    if job.configs[0].compile:
        warm = dataclasses.replace(job.configs[0], epochs=2, steps_per_epoch=WARM_STEPS)
        first += (PRIORS["compile_first_s"] if cold else t["compile_s"]) + _run_s(warm, t)
    runs = [_run_s(c, t) for c in job.configs]
    return first + runs[0], first + sum(runs)


def _cold() -> bool:
    """Whether the inductor cache is empty (a fresh machine: the first compile is slow)."""
    folder = Path(_environment()["TORCHINDUCTOR_CACHE_DIR"])
    return not folder.is_dir() or not any(folder.iterdir())


# -- the worker: the runs of a job in one process ------------------------------------------


def _warm_up(config: RunConfig, idle_watts: float | None) -> dict[str, float]:
    """Run the configuration for two short epochs (the first compiles), in a folder of
    the cache; returns the compile time, the time per training image and per run
    beyond its steps."""
    from hadalib.experiments.runner import run

    folder = _cache("gpu-study", "warm-up")
    shutil.rmtree(folder, ignore_errors=True)
    warm = dataclasses.replace(
        config,
        epochs=2,
        steps_per_epoch=WARM_STEPS,
        seed=0,
        out=str(folder),
        resume=False,
        checkpoints=False,
        progress=False,
    )
    started = time.monotonic()
    record = run(warm, idle_watts=idle_watts)
    wall = time.monotonic() - started
    first, second = (h["train_seconds"] for h in record["history"])
    image_s = second / record["history"][1]["train_images"]
    return {
        "compile_s": max(first - second, 0.0),
        "image_s": image_s,
        "run_extra_s": max(wall - first - second, 0.0),
        "device": record["provenance"]["device_name"],
    }


def _run_times(record: dict[str, Any], wall: float) -> dict[str, Any]:
    """A finished eager run's time per training image (its steady epochs, all but the
    first) and beyond its training images (so that :func:`run_seconds` gives ``wall``)."""
    steady = record["history"][1:] or record["history"]
    image_s = sum(h["train_seconds"] for h in steady) / sum(h["train_images"] for h in steady)
    images = sum(h["train_images"] for h in record["history"])
    return {
        "image_s": image_s,
        "run_extra_s": max(wall - images * image_s, 0.0),
        "device": record["provenance"]["device_name"],
    }


def _say_estimate(label: str, t: dict[str, float], configs: Sequence[RunConfig]) -> float:
    """Print what the warm-up measured and the estimate of the runs; returns one run's."""
    one = _run_s(configs[0], t)
    c = configs[0].resolved()
    steps = round((one - t["run_extra_s"]) / t["image_s"] / c.batch_size)
    print(
        f"{label}: warm-up: compiled in {t['compile_s']:.0f} s, then "
        f"{1000 * t['image_s'] * c.batch_size:.0f} ms a step of {c.batch_size} images "
        f"({1 / t['image_s']:,.0f} images/s): {len(configs)} run(s) of {steps} steps, "
        f"about {len(configs) * one / 60:.1f} min",
        flush=True,
    )
    return one


def worker(job_file: Path) -> int:
    """Run a job written by the parent: each run that fits before the deadline (compiled
    runs after a warm-up that compiles and estimates). Returns 0 when all ran, 3 when
    some did not fit, 1 when the runner refused one (the others still run) or the
    warm-up."""
    from hadalib.experiments.runner import Refused, run

    job = json.loads(job_file.read_text())
    configs = [RunConfig(**c) for c in job["configs"]]
    me = Job(job["step"], job["label"], tuple(configs))
    label, idle, deadline = me.label, job["idle_watts"], job["deadline"]
    compiled = configs[0].compile
    t: dict[str, Any] = {"start_s": time.time() - job["launched"], "compiled": compiled}
    if compiled:
        try:
            t.update(_warm_up(configs[0], idle))
        except Refused as exc:
            print(f"error: {label}, warm-up: {exc}", file=sys.stderr, flush=True)
            return 1
        _save_timings(me.key, t)
        one = _say_estimate(label, t, configs)
    else:
        one = _run_s(configs[0], _measured(load_timings(), me))
    failed, walls = 0, []
    for i, config in enumerate(configs):
        if time.time() + one > deadline:
            print(
                f"{label}: {len(configs) - i} run(s) would not fit in this invocation's "
                "time; they run next time",
                flush=True,
            )
            return 3
        started = time.time()
        try:
            record = run(config, idle_watts=idle)
        except Refused as exc:  # e.g. a damaged record in the way: the others still run
            print(f"error: {label}, {config.name()}: {exc}", file=sys.stderr, flush=True)
            failed = 1
            continue
        wall = time.time() - started
        _say_run(config, record, wall)
        if not compiled:  # the longest run yet is the estimate of the next
            walls.append(wall)
            t.update(_run_times(record, wall))
            _save_timings(me.key, t)
            one = max(walls)
    return failed


def _say_run(config: RunConfig, record: dict[str, Any], seconds: float) -> None:
    s = record["summary"]
    energy = s.get("energy_above_idle_per_image_j")
    print(
        f"{config.variant} ({config.axes}), seed {config.seed}: {s['images_per_s']:,.0f} "
        f"images/s, peak {(s['peak_memory_bytes'] or 0) / 2**30:.1f} GiB, "
        + (f"{energy:.3f} J/image above idle" if energy is not None else "energy not measured")
        + f" ({seconds:.0f} s)",
        flush=True,
    )


# -- the parent: the plan, the budget, the processes ---------------------------------------


def _environment() -> dict[str, str]:
    """The workers' environment: hadalib from this checkout, compile caches in .cache/."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("TORCHINDUCTOR_CACHE_DIR", str(_cache("torchinductor")))
    env.setdefault("TRITON_CACHE_DIR", str(_cache("triton")))
    return env


def _launch(job: Job, idle_watts: float | None, soft: float, hard: float) -> str:
    """Run a job in its own process until it ends or the hard deadline; returns "done",
    "stopped" (the budget ran out) or "failed"."""
    if job.command:
        command = list(job.command)
    else:
        job_file = _cache("gpu-study", "job.json")
        job_file.parent.mkdir(parents=True, exist_ok=True)
        job_file.write_text(
            json.dumps(
                {
                    "step": job.step,
                    "label": job.label,
                    "idle_watts": idle_watts,
                    "deadline": soft,
                    "launched": time.time(),
                    "configs": [dataclasses.asdict(c) for c in job.configs],
                }
            )
        )
        command = [sys.executable, "-m", "tools.gpu_study", "--worker", str(job_file)]
    started = time.time()
    # its own process group, so that a stop also ends its compile workers
    process = subprocess.Popen(command, env=_environment(), start_new_session=True)
    try:
        returncode = process.wait(timeout=max(hard - started, 1.0))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        print(
            f"{job.label}: stopped at the time limit; its unfinished run starts over next time",
            flush=True,
        )
        return "stopped"
    if job.command and returncode == 0:
        _save_timings(job.key, {"seconds": time.time() - started})
    return {0: "done", 3: "stopped"}.get(returncode, "failed")


def _measure_idle(seconds: float) -> float | None:
    """The GPU's idle power over ``seconds`` before any work (None without NVML)."""
    from hadalib.energy import EnergyMeter

    if seconds <= 0:
        return None
    meter = EnergyMeter(0, idle_seconds=seconds).start()
    meter.stop()
    if meter.idle_watts is None:
        print(f"idle power not measured ({meter.reason}); each run measures its own for 1 s")
    else:
        print(
            f"idle power: {meter.idle_watts:.1f} W over {seconds:g} s of {meter.gpu_name}, "
            "before any work; energies above idle subtract it",
            flush=True,
        )
    return meter.idle_watts


def _work(
    steps: Sequence[Step], idle: float | None, started: float, budget: float
) -> tuple[bool, bool]:
    """Run the jobs in order while each fits in ``budget`` seconds from ``started``;
    returns (all done, any failed)."""
    soft, hard = started + budget, started + budget + HARD_LIMIT_S - BUDGET_S
    failed = False
    for step in steps:
        for job in step.jobs:
            first, whole = estimate(job, load_timings(), _cold())
            left = soft - time.time()
            if first > left:
                print(
                    f"stopping: ({step.key}) {job.label} needs about {first:.0f} s to start "
                    f"and finish a run; {max(left, 0):.0f} s of this invocation are left",
                    flush=True,
                )
                return False, failed
            print(
                f"-- ({step.key}) {job.label}: {len(job.configs) or 1} piece(s), about "
                f"{whole / 60:.1f} min by the estimate",
                flush=True,
            )
            outcome = _launch(job, idle, soft, hard)
            print(
                f"-- {outcome}; {time.time() - started:.0f} s of this invocation's "
                f"{budget:.0f} used",
                flush=True,
            )
            if outcome == "stopped":
                return False, failed
            failed |= outcome == "failed"
    return True, failed


def invocations(seconds: Sequence[float], budget: float) -> list[list[int]]:
    """The jobs (by index) each invocation of ``budget`` seconds runs, in order: jobs
    whole while they fit after the invocation's own start (this process and the idle
    power); a job longer than an invocation goes on in the next ones."""
    usable = max(budget - PRIORS["parent_s"] - IDLE_SECONDS, 1.0)
    plans: list[list[int]] = [[]]
    used = 0.0
    for i, s in enumerate(seconds):
        if plans[-1] and used + s > usable:
            plans.append([])
            used = 0.0
        plans[-1].append(i)
        used += s
        while used > usable:
            plans.append([i])
            used -= usable
    return plans


def first_invocation(
    steps: Sequence[Step], timings: dict[str, Any], budget: float
) -> tuple[float, list[Job]]:
    """The estimated seconds of the next invocation (its own start, the idle power and
    its jobs) and the jobs it finishes."""
    jobs, seconds = _estimates(steps, timings)
    plans = invocations(seconds, budget)
    goes_on = plans[1][0] if len(plans) > 1 and plans[1][0] == plans[0][-1] else None
    whole = [i for i in plans[0] if i != goes_on]
    overhead = PRIORS["parent_s"] + IDLE_SECONDS
    return overhead + min(sum(seconds[i] for i in plans[0]), budget - overhead), [
        jobs[i] for i in whole
    ]


def _estimates(steps: Sequence[Step], timings: dict[str, Any]) -> tuple[list[Job], list[float]]:
    """Every job to do, in order, and its estimated seconds (the first compiled job on a
    machine whose compile cache is empty compiles from nothing)."""
    cold, jobs, seconds = _cold(), [], []
    for step in steps:
        for job in step.jobs:
            jobs.append(job)
            seconds.append(estimate(job, timings, cold)[1])
            cold = cold and not (job.configs and job.configs[0].compile)
    return jobs, seconds


def describe(steps: Sequence[Step], timings: dict[str, Any], budget: float) -> None:
    """Print the plan: each step's state and estimate, the next invocation's, and all's."""
    devices = sorted(
        {str(t.get("device")) for t in timings.get("jobs", {}).values() if "device" in t}
    )
    source = (
        f"times measured by earlier invocations on {', '.join(devices)}"
        if devices
        else "guesses for one H100 (PRIORS), until the runs measure them"
    )
    jobs, seconds = _estimates(steps, timings)
    for step in steps:
        mine = sum(s for j, s in zip(jobs, seconds, strict=True) if j.step == step.key)
        if step.skipped:
            state = f"skipped: {step.skipped}"
        elif not step.jobs:
            state = f"done ({step.total} of {step.total})"
        else:
            runs = sum(len(j.configs) or 1 for j in step.jobs)
            state = (
                f"{step.done} of {step.total} done; {runs} to go in {len(step.jobs)} "
                f"process(es), about {mine / 60:.1f} min"
            )
        print(f"({step.key}) {step.title}: {state}")
    if not jobs:
        return
    first_s, first = first_invocation(steps, timings, budget)
    named = ", ".join(
        f"({j.step}) " + (f"{len(j.configs)} runs" if j.configs else j.label) for j in first
    )
    count = len(invocations(seconds, budget))
    print(
        f"estimated from {source}: the next invocation about {first_s / 60:.1f} min "
        f"({named or 'part of a piece'}, with its start and the idle power); all about "
        f"{sum(seconds) / 60:.1f} min of the GPU, in about {count} invocation(s) of "
        f"`make gpu-study` of at most {(budget + HARD_LIMIT_S - BUDGET_S) / 60:.1f} min "
        "each"
    )


def _export(dest: Path, options: argparse.Namespace) -> None:
    """Copy the study's files into ``dest`` at their paths under the working folder (or,
    outside it, under the folder of ``--out``)."""
    bases = (Path.cwd(), Path(options.out).resolve().parent)
    for path in _outputs(options):
        full = path.resolve()
        base = next((b for b in bases if full.is_relative_to(b)), full.parent)
        rel = full.relative_to(base)
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(full, dest / rel)
    print(f"copied the study's files into {dest}")


def _seconds(low: float, inclusive: bool) -> Callable[[str], float]:
    """An argparse type: a finite number of seconds above ``low`` (or equal, if
    ``inclusive``)."""
    accepted = f"a finite number of seconds {'>=' if inclusive else '>'} {low:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and (value >= low if inclusive else value > low)):
            raise argparse.ArgumentTypeError(f"expected {accepted}, got {text!r}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.gpu_study",
        description="The book's GPU work in invocations of under 7 "
        "minutes, the headline first (make gpu-study).",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan and its time estimate; run nothing (no GPU needed)",
    )
    p.add_argument("--out", default="book/results", help="folder of the run records")
    p.add_argument(
        "--data-root",
        default="data",
        help=f"folder of {CIFAR_ARCHIVE} and {WEIGHTS_FILE}, for step (f)",
    )
    p.add_argument(
        "--variants",
        type=lambda text: text.split(","),
        default=None,
        help="only these variants, comma-separated (default: all ten)",
    )
    p.add_argument(
        "--budget",
        type=_seconds(0, inclusive=False),
        default=BUDGET_S,
        help=f"seconds after which no work starts (default {BUDGET_S:g}); a "
        f"worker still running {HARD_LIMIT_S - BUDGET_S:g} s later is stopped",
    )
    p.add_argument(
        "--idle-seconds",
        type=_seconds(0, inclusive=True),
        default=IDLE_SECONDS,
        help="seconds of idle power measured before any work (0: none)",
    )
    p.add_argument(
        "--export",
        type=Path,
        default=None,
        help="copy the records, benchmark results and timings into this folder",
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help="tiny settings on the CPU, without compiling: a test of the machinery",
    )
    p.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Print the plan, then (unless ``--dry-run``) do what fits in this invocation.

    Returns 0 when nothing failed (some work may remain: the last lines say what), 1 when
    something failed, 2 for a bad argument or a machine without CUDA.
    """
    p = _parser()
    args = p.parse_args(argv)
    if args.worker is not None:
        return worker(args.worker)
    unknown = sorted(set(args.variants or ()) - set(VARIANTS))
    if unknown:
        p.error(f"--variants: unknown {', '.join(unknown)}; accepted: {', '.join(VARIANTS)}")
    started = time.time()
    steps = plan(args)
    describe(steps, load_timings(note=True), args.budget)
    if args.dry_run or not any(step.jobs for step in steps):
        return _finish(args, steps, failed=False)
    idle = _measure_idle(args.idle_seconds)  # before torch is imported: no CUDA context here
    if not args.smoke:
        _require_cuda(p)
    _, failed = _work(steps, idle, started, args.budget)
    print("-- what remains:")
    remaining = plan(args)
    describe(remaining, load_timings(), args.budget)
    return _finish(args, remaining, failed)


def _require_cuda(p: argparse.ArgumentParser) -> None:
    import torch

    if not torch.cuda.is_available():
        p.error("no CUDA GPU here: the study needs one (--dry-run prints its plan without)")


def _finish(args: argparse.Namespace, steps: Sequence[Step], failed: bool) -> int:
    if args.export is not None and not args.dry_run:
        _export(args.export, args)
    if not args.dry_run and not any(step.jobs for step in steps):
        print(
            "nothing remains: commit book/results and benchmarks/results, then re-execute "
            "chapters 7 and 12 (README, 'How to run the experiments and the GPU chapter')"
        )
    elif not args.dry_run:
        print("run `make gpu-study` again for the rest")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
