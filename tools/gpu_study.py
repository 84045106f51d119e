"""``make gpu-study``: the book's GPU work, in pieces that fit a lent GPU's time.

A tool of the repository, not part of the library: it knows the checkout's layout, a
lent GPU's time budget and guesses for one H100. Run from the repository root on a
machine with one NVIDIA GPU, with that machine's own Python and no virtual environment::

    make gpu-study                # = PYTHONPATH=. python3 -m tools.gpu_study
    make gpu-study DRY_RUN=1      # the plan and its time estimate; needs no GPU (nor torch)

It does, in this order of value:

a. **throughput, memory, energy**: the ``gpu`` study of :mod:`hadalib.experiments.study`
   in the paper's spatial reading: the ten variants x 3 repeats, ResNet-50 at 224x224,
   bf16, channels-last, compiled, synthetic CIFAR-shaped data, 3 epochs of 50 steps of
   256 images, NVML energy with the idle power subtracted; records in ``book/results/``;
b. **the transform's CUDA benchmark**: ``benchmarks/fwht.py --cuda-only``, results in
   ``benchmarks/results/fwht_cuda.json``;
c. **a short accuracy run** (baseline, wht-early, wht-early-late; 2 epochs of CIFAR-100
   from ImageNet weights) where ``data/cifar-100-python.tar.gz`` and
   ``data/resnet50-imagenet1k-v1.pt`` exist, else it says it is skipped and why; records
   in ``book/results/cifar100-short/``;
d. **the channel ablation** of (a): the six WHT and DCT variants in the channel reading.

Each invocation first measures the GPU's idle power (5 s, before any work), then starts
a piece of work only if its estimate fits what is left of its budget (500 s; a worker
still running at 525 s is stopped, so an invocation ends within 9 minutes), and ends by
printing what remains: run it again until nothing does. Finished runs are found by
their records, so an invocation resumes where the last one stopped. The three repeats of
a variant run in one process, which compiles once, after a warm-up of a few steps from
which it estimates its time and says so; ``TORCHINDUCTOR_CACHE_DIR`` and
``TRITON_CACHE_DIR`` point into ``.cache/`` of the checkout (ignored by git), so that later
invocations reuse the compiled kernels, and the measured times in
``.cache/gpu-study/timings.json`` make later estimates better than the first one, which
comes from guesses for one H100 (``PRIORS``). ``--export DIR`` copies every file the
study wrote, at its path under the repository root, into DIR.

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from hadalib._files import atomic_write
from hadalib.experiments import records
from hadalib.experiments.config import RunConfig, differences
from hadalib.experiments.study import study_configs
from hadalib.nn import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
#: Where the caches and timings go (.cache/ of the checkout, ignored by git); a test points
#: it elsewhere.
CACHE_VARIABLE = "HADALIB_GPU_STUDY_CACHE"
BUDGET_S = 500.0  # no work starts that would end after this
HARD_LIMIT_S = 525.0  # a worker still running then is stopped: the invocation ends < 9 min
IDLE_SECONDS = 5.0
WARM_STEPS = 5  # steps of each of the warm-up's two epochs (the first compiles)
#: Seconds on one H100, guessed until measured (timings.json then replaces them).
PRIORS = {
    "start_s": 12.0,  # a worker process: Python, torch, CUDA, the data on the GPU
    "compile_first_s": 100.0,  # torch.compile of a training step, caches empty
    "compile_s": 35.0,  # another variant: most kernels are in the inductor cache already
    "image_s": 1 / 3200,  # a training image at 224x224 in bf16, compiled (3,200 images/s)
    "run_extra_s": 6.0,  # a run beyond its training steps: model, evaluation, record
    "benchmark_s": 150.0,  # benchmarks/fwht.py --cuda-only
}
BENCHMARK = ("benchmarks/fwht.py", "--cuda-only")
BENCHMARK_RESULT = Path("benchmarks/results/fwht_cuda.json")
CIFAR_ARCHIVE = "cifar-100-python.tar.gz"
WEIGHTS_FILE = "resnet50-imagenet1k-v1.pt"
SHORT_VARIANTS = ("baseline", "wht-early", "wht-early-late")
#: Tiny settings for a test of the whole machinery on the CPU (--smoke).
SMOKE = {"model": "resnet50", "width": 8, "image_size": 32, "batch_size": 4,
         "limit_train": 8, "limit_test": 4, "epochs": 2, "compile": False, "smoke": True,
         "device": "cpu"}


class Job(NamedTuple):
    """One process's work: the runs of one variant and reading, or a command."""

    step: str
    label: str
    configs: tuple[RunConfig, ...] = ()
    command: tuple[str, ...] = ()


class Step(NamedTuple):
    """A step of the plan: its jobs still to do, and what is done or why it is skipped."""

    key: str
    title: str
    jobs: tuple[Job, ...]
    done: int
    total: int
    skipped: str | None = None


def _finished(config: RunConfig) -> bool:
    """Whether the run's record is in place and finished, with these settings."""
    path = Path(config.out) / f"{config.name()}.json"
    try:
        record = records.read_json(path)
    except ValueError:
        return False
    if records.record_problem(record) or records.summary_problem(record):
        return False
    return not differences(records.settings(record), dataclasses.asdict(config.resolved()))


def _group(step: str, configs: Sequence[RunConfig]) -> tuple[Job, ...]:
    """The jobs of a step: one per variant and reading, with the runs not finished."""
    jobs: dict[tuple[str, str], list[RunConfig]] = {}
    for config in configs:
        if not _finished(config):
            jobs.setdefault((config.variant, config.axes), []).append(config)
    return tuple(Job(step, f"{variant} ({axes})", tuple(group))
                 for (variant, axes), group in jobs.items())


def _runs_step(key: str, title: str, configs: Sequence[RunConfig]) -> Step:
    jobs = _group(key, configs)
    left = sum(len(job.configs) for job in jobs)
    return Step(key, title, jobs, len(configs) - left, len(configs))


def _study_configs(axes: str, out: str, options: argparse.Namespace) -> list[RunConfig]:
    """The gpu study's runs in one reading, on CUDA (or in the tiny --smoke settings)."""
    change = dict(SMOKE) if options.smoke else {"device": "cuda"}
    configs = [dataclasses.replace(c, **change) for c in study_configs("gpu", out)
               if c.axes == axes]
    return [c for c in configs if options.variants is None or c.variant in options.variants]


def _accuracy_configs(options: argparse.Namespace) -> tuple[list[RunConfig], str | None]:
    """(c)'s runs: short CIFAR-100 runs from ImageNet weights; or why there are none."""
    if options.smoke:
        return [], "--smoke runs on the CPU"
    root = Path(options.data_root)
    missing = []
    if not ((root / "cifar-100-python").is_dir() or (root / CIFAR_ARCHIVE).is_file()):
        missing.append(f"{root / CIFAR_ARCHIVE} (CIFAR-100, 161 MB: more than the 64 MiB a "
                       "lent machine's checkout may carry, and that machine has no network)")
    if not (root / WEIGHTS_FILE).is_file():
        missing.append(f"{root / WEIGHTS_FILE} (torchvision's ResNet-50 IMAGENET1K_V1 "
                       "state_dict, 98 MB; the README says how to save it)")
    if missing:
        return [], "not here: " + "; ".join(missing)
    return [RunConfig(v, data="cifar100", data_root=str(root),
                      weights=str(root / WEIGHTS_FILE), epochs=2, batch_size=128,
                      precision="bf16", channels_last=True, compile=True, axes="spatial",
                      device="cuda", seed=0, out=str(Path(options.out) / "cifar100-short"),
                      resume=True, progress=False)
            for v in SHORT_VARIANTS], None


def _benchmark_step(options: argparse.Namespace) -> Step:
    title = f"the transform's CUDA benchmark ({' '.join(BENCHMARK)})"
    if options.smoke:
        return Step("b", title, (), 0, 0, skipped="--smoke runs on the CPU")
    done = BENCHMARK_RESULT.is_file()
    job = Job("b", "benchmark", command=(sys.executable, *BENCHMARK))
    return Step("b", title, () if done else (job,), int(done), 1)


def plan(options: argparse.Namespace) -> list[Step]:
    """The four steps, in order of value, with what each has left to do."""
    accuracy, skipped = _accuracy_configs(options)
    title = "short accuracy run: CIFAR-100 from ImageNet weights, 2 epochs, spatial reading"
    return [
        _runs_step("a", "throughput, memory and energy: the gpu study, spatial reading",
                   _study_configs("spatial", options.out, options)),
        _benchmark_step(options),
        Step("c", title, (), 0, 0, skipped) if skipped else _runs_step("c", title, accuracy),
        _runs_step("d", "the channel ablation of (a): WHT and DCT in the channel reading",
                   _study_configs("channel", options.out, options)),
    ]


def _outputs(options: argparse.Namespace) -> list[Path]:
    """Every file of the study that exists: records, benchmark results, timings."""
    configs = [*_study_configs("spatial", options.out, options),
               *_study_configs("channel", options.out, options),
               *_accuracy_configs(options)[0]]
    paths = [Path(c.out) / f"{c.name()}.json" for c in configs]
    timings = _cache("gpu-study", "timings.json")
    return [p for p in (*paths, BENCHMARK_RESULT, timings) if p.is_file()]


# -- time estimates ----------------------------------------------------------------------


def _cache(*parts: str) -> Path:
    return Path(os.environ.get(CACHE_VARIABLE) or ROOT / ".cache", *parts)


def load_timings() -> dict[str, Any]:
    """The times measured by earlier invocations (empty where none were)."""
    try:
        timings = json.loads(_cache("gpu-study", "timings.json").read_text())
    except (OSError, ValueError):
        return {"jobs": {}}
    return timings if isinstance(timings.get("jobs"), dict) else {"jobs": {}}


def _save_timings(timings: dict[str, Any]) -> None:
    text = json.dumps(timings, indent=1, sort_keys=True) + "\n"
    atomic_write(_cache("gpu-study", "timings.json"), lambda f: f.write(text.encode()))


def _measured(timings: dict[str, Any], job: Job) -> dict[str, float]:
    """Times for ``job``: its own measurements, else the mean of the other jobs', else the
    priors (per training image, so that batch sizes differ)."""
    jobs = timings.get("jobs", {})
    mine = jobs.get(f"{job.step}:{job.label}")
    if mine:
        return {**PRIORS, **mine}
    others = [t for t in jobs.values() if isinstance(t, dict)]
    keys = ("start_s", "compile_s", "image_s", "run_extra_s")
    means = {k: sum(t[k] for t in others) / len(others)
             for k in keys if others and all(k in t for t in others)}
    return {**PRIORS, **means}


def _steps(config: RunConfig) -> int:
    c = config.resolved()
    steps = (c.limit_train or 50_000) // c.batch_size
    return min(steps, c.steps_per_epoch) if c.steps_per_epoch else steps


def run_seconds(config: RunConfig, t: dict[str, float]) -> float:
    """One run's estimated seconds: its training steps and what surrounds them."""
    c = config.resolved()
    return c.epochs * _steps(c) * c.batch_size * t["image_s"] + t["run_extra_s"]


def estimate(job: Job, timings: dict[str, Any], cold: bool) -> tuple[float, float]:
    """Seconds to start the job and finish its first run, and to finish all of it."""
    t = _measured(timings, job)
    if job.command:
        seconds = float(timings.get("benchmark_s", PRIORS["benchmark_s"]))
        return seconds, seconds
    compile_s = PRIORS["compile_first_s"] if cold else t["compile_s"]
    warm = dataclasses.replace(job.configs[0], epochs=2, steps_per_epoch=WARM_STEPS)
    first = t["start_s"] + compile_s + run_seconds(warm, t)
    runs = [run_seconds(c, t) for c in job.configs]
    return first + runs[0], first + sum(runs)


def _cold() -> bool:
    """Whether the inductor cache is empty (a fresh machine: the first compile is slow)."""
    folder = Path(_environment()["TORCHINDUCTOR_CACHE_DIR"])
    return not folder.is_dir() or not any(folder.iterdir())


# -- the worker: one variant's runs in one process -----------------------------------------


def _warm_up(config: RunConfig, idle_watts: float | None) -> dict[str, float]:
    """Run the configuration for two short epochs (the first compiles), in a folder of
    the cache; returns the compile time, the time per training image and per run
    beyond its steps."""
    from hadalib.experiments.runner import run

    folder = _cache("gpu-study", "warm-up")
    shutil.rmtree(folder, ignore_errors=True)
    warm = dataclasses.replace(config, epochs=2, steps_per_epoch=WARM_STEPS, seed=0,
                               out=str(folder), resume=False, checkpoints=False,
                               progress=False)
    started = time.monotonic()
    record = run(warm, idle_watts=idle_watts)
    wall = time.monotonic() - started
    first, second = (h["train_seconds"] for h in record["history"])
    image_s = second / record["history"][1]["train_images"]
    return {"compile_s": max(first - second, 0.0), "image_s": image_s,
            "run_extra_s": max(wall - first - second, 0.0),
            "device": record["provenance"]["device_name"]}


def _say_estimate(label: str, t: dict[str, float], configs: Sequence[RunConfig]) -> float:
    """Print what the warm-up measured and the estimate of the runs; returns one run's."""
    one = run_seconds(configs[0], t)
    batch = configs[0].resolved().batch_size
    print(f"{label}: warm-up: compiled in {t['compile_s']:.0f} s, then "
          f"{1000 * t['image_s'] * batch:.0f} ms a step of {batch} images "
          f"({1 / t['image_s']:,.0f} images/s): {len(configs)} run(s) of "
          f"{configs[0].resolved().epochs * _steps(configs[0])} steps, about "
          f"{len(configs) * one / 60:.1f} min", flush=True)
    return one


def worker(job_file: Path) -> int:
    """Run a job written by the parent: warm up, estimate, then each run that fits before
    the deadline. Returns 0 when all ran, 3 when some did not fit, 1 when the runner
    refused one (the others still run) or the warm-up."""
    from hadalib.experiments.runner import Refused, run

    job = json.loads(job_file.read_text())
    configs = [RunConfig(**c) for c in job["configs"]]
    label, idle, deadline = job["label"], job["idle_watts"], job["deadline"]
    start_s = time.time() - job["launched"]
    try:
        t = {"start_s": start_s, **_warm_up(configs[0], idle)}
    except Refused as exc:
        print(f"error: {label}, warm-up: {exc}", file=sys.stderr, flush=True)
        return 1
    timings = load_timings()
    timings["jobs"][job["key"]] = t
    _save_timings(timings)
    one = _say_estimate(label, t, configs)
    failed = 0
    for i, config in enumerate(configs):
        if time.time() + one > deadline:
            print(f"{label}: {len(configs) - i} run(s) would not fit in this invocation's "
                  "time; they run next time", flush=True)
            return 3
        started = time.time()
        try:
            record = run(config, idle_watts=idle)
        except Refused as exc:  # e.g. a damaged record in the way: the others still run
            print(f"error: {label}, seed {config.seed}: {exc}", file=sys.stderr, flush=True)
            failed = 1
            continue
        _say_run(label, config, record, time.time() - started)
    return failed


def _say_run(label: str, config: RunConfig, record: dict[str, Any], seconds: float) -> None:
    s = record["summary"]
    energy = s.get("energy_above_idle_per_image_j")
    print(f"{label}, seed {config.seed}: {s['images_per_s']:,.0f} images/s, peak "
          f"{(s['peak_memory_bytes'] or 0) / 2**30:.1f} GiB, "
          + (f"{energy:.3f} J/image above idle" if energy is not None else "energy not measured")
          + f" ({seconds:.0f} s)", flush=True)


# -- the parent: the plan, the budget, the processes ---------------------------------------


def _environment() -> dict[str, str]:
    """The workers' environment: hadalib from this checkout, compile caches in .cache/."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("TORCHINDUCTOR_CACHE_DIR", str(_cache("torchinductor")))
    env.setdefault("TRITON_CACHE_DIR", str(_cache("triton")))
    return env


def _launch(job: Job, idle_watts: float | None, soft: float, hard: float,
            timings: dict[str, Any]) -> str:
    """Run a job in its own process until it ends or the hard deadline; returns "done",
    "stopped" (the budget ran out) or "failed"."""
    if job.command:
        command = list(job.command)
    else:
        job_file = _cache("gpu-study", "job.json")
        job_file.parent.mkdir(parents=True, exist_ok=True)
        job_file.write_text(json.dumps({
            "key": f"{job.step}:{job.label}", "label": job.label, "idle_watts": idle_watts,
            "deadline": soft, "launched": time.time(),
            "configs": [dataclasses.asdict(c) for c in job.configs]}))
        command = [sys.executable, "-m", "tools.gpu_study", "--worker", str(job_file)]
    started = time.time()
    # its own process group, so that a stop also ends its compile workers
    process = subprocess.Popen(command, env=_environment(), start_new_session=True)
    try:
        returncode = process.wait(timeout=max(hard - started, 1.0))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        print(f"{job.label}: stopped at the time limit; its unfinished run starts over next "
              "time", flush=True)
        return "stopped"
    if job.command and returncode == 0:
        timings["benchmark_s"] = time.time() - started
        _save_timings(timings)
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
        print(f"idle power: {meter.idle_watts:.1f} W over {seconds:g} s of {meter.gpu_name}, "
              "before any work; energies above idle subtract it", flush=True)
    return meter.idle_watts


def _work(steps: Sequence[Step], idle: float | None, started: float,
          budget: float) -> tuple[bool, bool]:
    """Run the jobs in order while each fits in ``budget`` seconds from ``started``;
    returns (all done, any failed)."""
    soft, hard = started + budget, started + budget + HARD_LIMIT_S - BUDGET_S
    failed = False
    for step in steps:
        for job in step.jobs:
            timings = load_timings()
            first, _ = estimate(job, timings, _cold())
            left = soft - time.time()
            if first > left:
                print(f"stopping: ({step.key}) {job.label} needs about {first:.0f} s to start "
                      f"and finish a run; {max(left, 0):.0f} s of this invocation are left",
                      flush=True)
                return False, failed
            whole = estimate(job, timings, _cold())[1]
            print(f"-- ({step.key}) {job.label}: {len(job.configs) or 1} piece(s), about "
                  f"{whole / 60:.1f} min by the estimate", flush=True)
            outcome = _launch(job, idle, soft, hard, timings)
            print(f"-- {outcome}; {time.time() - started:.0f} s of this invocation's "
                  f"{budget:.0f} used", flush=True)
            if outcome == "stopped":
                return False, failed
            failed |= outcome == "failed"
    return True, failed


def _invocations(seconds: Sequence[float], budget: float) -> int:
    """How many invocations of ``budget`` seconds the jobs need, in order (a job longer
    than an invocation goes on in the next)."""
    usable = max(budget - IDLE_SECONDS, 1.0)
    count, used = 1, 0.0
    for s in seconds:
        if used and used + s > usable:
            count, used = count + 1, 0.0
        extra = max(math.ceil((used + s) / usable) - 1, 0)
        count, used = count + extra, used + s - extra * usable
    return count


def describe(steps: Sequence[Step], timings: dict[str, Any], budget: float) -> dict[str, float]:
    """Print the plan (each step's state and estimate); returns the seconds per step."""
    devices = sorted({str(t.get("device")) for t in timings.get("jobs", {}).values()})
    source = (f"times measured by earlier invocations on {', '.join(devices)}" if devices
              else "guesses for one H100 (PRIORS), until the warm-ups measure them")
    cold, per_step, jobs = _cold(), {}, []
    for step in steps:
        seconds = []
        for job in step.jobs:
            seconds.append(estimate(job, timings, cold)[1])
            cold = False
        per_step[step.key], jobs = sum(seconds), jobs + seconds
        if step.skipped:
            state = f"skipped: {step.skipped}"
        elif not step.jobs:
            state = f"done ({step.total} of {step.total})"
        else:
            state = (f"{step.done} of {step.total} done; {len(step.jobs)} process(es) to go, "
                     f"about {per_step[step.key] / 60:.1f} min")
        print(f"({step.key}) {step.title}: {state}")
    if jobs:
        print(f"estimated from {source}: (a)+(b) about "
              f"{(per_step['a'] + per_step['b']) / 60:.1f} min, all about "
              f"{sum(jobs) / 60:.1f} min of the GPU, in about {_invocations(jobs, budget)} "
              f"invocation(s) of `make gpu-study` of at most {budget / 60:.1f} min each")
    return per_step


def _export(dest: Path, options: argparse.Namespace) -> None:
    """Copy the study's files into ``dest`` at their paths under the working folder."""
    here = Path.cwd()
    for path in _outputs(options):
        full = path.resolve()
        rel = full.relative_to(here) if full.is_relative_to(here) else Path(full.name)
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(full, dest / rel)
    print(f"copied the study's files into {dest}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tools.gpu_study",
                                description="The book's GPU work in pieces of under 9 "
                                            "minutes (make gpu-study).")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan and its time estimate; run nothing (no GPU needed)")
    p.add_argument("--out", default="book/results", help="folder of the run records")
    p.add_argument("--data-root", default="data",
                   help=f"folder of {CIFAR_ARCHIVE} and {WEIGHTS_FILE}, for step (c)")
    p.add_argument("--variants", type=lambda text: text.split(","), default=None,
                   help="only these variants, comma-separated (default: all ten)")
    p.add_argument("--budget", type=float, default=BUDGET_S,
                   help=f"seconds after which no work starts (default {BUDGET_S:g}); a "
                        "worker still running 25 s later is stopped")
    p.add_argument("--idle-seconds", type=float, default=IDLE_SECONDS,
                   help="seconds of idle power measured before any work (0: none)")
    p.add_argument("--export", type=Path, default=None,
                   help="copy the records, benchmark results and timings into this folder")
    p.add_argument("--smoke", action="store_true",
                   help="tiny settings on the CPU, without compiling: a test of the machinery")
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
    describe(steps, load_timings(), args.budget)
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
        print("nothing remains: commit book/results and benchmarks/results, then re-execute "
              "chapters 6 and 10 (README, 'How to run the experiments and the GPU chapter')")
    elif not args.dry_run:
        print("run `make gpu-study` again for the rest")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
