"""Speed of hadalib's fast Walsh-Hadamard transform against its peers (float32, CPU; CUDA if any).

    .venv/bin/pip install -r benchmarks/requirements.txt   # the peers (optional)
    .venv/bin/python benchmarks/fwht.py            # full run, a few minutes on 2 cores
    .venv/bin/python benchmarks/fwht.py --quick    # a short run (fewer sizes, shorter timing)

Each implementation runs in its own worker processes (thread pools of OpenMP, BLAS and torch
in one process disturb each other): once with the libraries' default threads and once with
one thread (OMP_NUM_THREADS=1 and friends), since on a small or busy machine spinning
thread pools can be slower than one thread; each case keeps the faster of the two. A case
is timed by repeating the call for a fixed budget and keeping the best and the median
time. The report compares, per case:

- ``copy``: ``x.copy()``, the physical floor of an out-of-place transform (read + write);
- ``numpy_butterfly``: a plain vectorized NumPy butterfly (the baseline);
- ``dense``: the product with the dense Hadamard matrix (small n only);
- ``hadamard_transform``: the PyPI package (PyTorch), normalized like ``norm="ortho"``;
- ``fht_cpu``: the PyPI package (C with SIMD and OpenMP), out of place and in place;
- ``hadalib`` / ``hadalib_torch``: :func:`hadalib.fwht` on NumPy arrays / CPU tensors
  (``norm="backward"`` like fht_cpu, and ``norm="ortho"`` like hadamard_transform), and
  forward + backward through autograd for tensors;
- ``hadalib_pure``: hadalib with its compiled kernel disabled (HADALIB_PURE=1).

Results go to benchmarks/results/fwht_cpu.json (``--quick``: fwht_cpu_quick.json) with the
machine, the versions and the load average; with CUDA also fwht_cuda.json.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

FULL_SIZES = list(range(4, 23))  # 1-D n = 2**4 ... 2**22
QUICK_SIZES = [4, 7, 10, 14, 18, 20]
BATCHES = {"4096x256": (4096, 256), "256x4096": (256, 4096), "64x65536": (64, 65536)}
IMAGES = "64 images 256x256"  # fwht over both image axes

IMPLEMENTATIONS = [
    "copy",
    "numpy_butterfly",
    "dense",
    "hadamard_transform",
    "fht_cpu",
    "hadalib",
    "hadalib_torch",
    "hadalib_pure",
]
DENSE_MAX = 4096  # the dense product needs an n x n matrix


# --------------------------------------------------------------------------- timing


def best_and_median(call, budget: float) -> tuple[float, float]:
    """Seconds per call: the best and the median of repeats filling about `budget` seconds."""
    call()  # warm up (compilation, allocation caches)
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    repeats = int(min(2000, max(5, budget / once)))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def cases(quick: bool) -> list[tuple[str, tuple[int, ...]]]:
    sizes = QUICK_SIZES if quick else FULL_SIZES
    out = [(f"n=2^{m}", (2**m,)) for m in sizes]
    batches = {"256x4096": BATCHES["256x4096"]} if quick else BATCHES
    out += [(name, shape) for name, shape in batches.items()]
    out.append((IMAGES, (64, 256, 256)))
    return out


# --------------------------------------------------------------------------- implementations


def numpy_butterfly(x: np.ndarray) -> np.ndarray:
    """The baseline: log2(n) vectorized NumPy stages along the last axis."""
    n = x.shape[-1]
    y = x.reshape(-1, n)
    h = 1
    while h < n:
        pairs = y.reshape(-1, n // (2 * h), 2, h)
        a, b = pairs[:, :, 0], pairs[:, :, 1]
        y = np.stack((a + b, a - b), axis=2).reshape(-1, n)
        h *= 2
    return y.reshape(x.shape)


def images_by_rows(rows_transform, x):
    """Both axes of (count, n, n) images with a rows-only transform, via a transposed copy."""
    y = rows_transform(x)
    return rows_transform(np.ascontiguousarray(y.transpose(0, 2, 1))).transpose(0, 2, 1)


def calls(impl: str, x: np.ndarray, images: bool) -> dict[str, object]:
    """The timed calls of one implementation for input x: {variant: zero-argument call}."""
    n = x.shape[-1]
    if impl == "copy":
        return {"copy": x.copy}
    if impl == "numpy_butterfly":
        if images:
            return {"forward": lambda: images_by_rows(numpy_butterfly, x)}
        return {"forward": lambda: numpy_butterfly(x)}
    if impl == "dense":
        if n > DENSE_MAX:
            return {}
        import scipy.linalg

        H = scipy.linalg.hadamard(n).astype(np.float32)
        if images:
            return {"forward": lambda: H @ x @ H}
        return {"forward": lambda: x @ H}
    if impl == "hadamard_transform":
        import torch
        from hadamard_transform import hadamard_transform

        t = torch.from_numpy(x)
        rows = t.reshape(-1, n)

        def forward():
            if images:
                y = hadamard_transform(rows).reshape(t.shape).transpose(1, 2).reshape(-1, n)
                return hadamard_transform(y).reshape(t.shape).transpose(1, 2)
            return hadamard_transform(rows)

        g = torch.ones_like(t)
        tg = t.clone().requires_grad_()

        def forward_backward():
            rows = tg.reshape(-1, n)
            if images:
                y = hadamard_transform(rows).reshape(t.shape).transpose(1, 2).reshape(-1, n)
                y = hadamard_transform(y).reshape(t.shape).transpose(1, 2)
            else:
                y = hadamard_transform(rows).reshape(t.shape)
            y.backward(g)
            tg.grad = None

        return {"forward": forward, "forward_backward": forward_backward}
    if impl == "fht_cpu":
        import fht_cpu

        rows = x.reshape(-1, n) if x.ndim > 1 else x

        def out_of_place(r):
            return fht_cpu.fht(r, inplace=False)

        if images:
            return {
                "forward": lambda: images_by_rows(
                    lambda y: out_of_place(y.reshape(-1, n)).reshape(y.shape), x
                )
            }
        work = rows.copy()
        return {"forward": lambda: out_of_place(rows), "in_place": lambda: fht_cpu.fht(work)}
    if impl in ("hadalib", "hadalib_pure"):
        from hadalib import fwht, fwht2

        transform = fwht2 if images else fwht
        return {
            "forward": lambda: transform(x),
            "ortho": lambda: transform(x, norm="ortho"),
        }
    if impl == "hadalib_torch":
        import torch

        from hadalib import fwht, fwht2

        t = torch.from_numpy(x)
        tg = t.clone().requires_grad_()
        g = torch.ones_like(t)
        transform = fwht2 if images else fwht

        def forward_backward():
            transform(tg).backward(g)
            tg.grad = None

        return {
            "forward": lambda: transform(t),
            "ortho": lambda: transform(t, norm="ortho"),
            "forward_backward": forward_backward,
        }
    raise ValueError(f"unknown implementation {impl!r}")


ONE_THREAD = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
}


def worker(impl: str, quick: bool) -> None:
    """Time one implementation on every case; print one JSON object."""
    if impl == "hadalib_pure":
        os.environ["HADALIB_PURE"] = "1"
    budget = 0.03 if quick else 0.15
    rng = np.random.default_rng(0)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, shape in cases(quick):
        x = rng.standard_normal(shape).astype(np.float32)
        try:
            timed = calls(impl, x, images=name == IMAGES)
        except ImportError as error:
            print(json.dumps({"impl": impl, "missing": str(error)}))
            return
        results[name] = {}
        for variant, call in timed.items():
            best, median = best_and_median(call, budget)
            results[name][variant] = {"best_s": best, "median_s": median}
    print(json.dumps({"impl": impl, "results": results}))


# --------------------------------------------------------------------------- CUDA


def cuda_benchmark(quick: bool) -> dict | None:
    """fwht on CUDA tensors against a device-to-device copy of the same data."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    import hadalib

    def cuda_time(call, repeats: int) -> float:
        call()
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        best = float("inf")
        for _ in range(repeats):
            start.record()
            call()
            end.record()
            torch.cuda.synchronize()
            best = min(best, start.elapsed_time(end) / 1e3)
        return best

    rows_list = [2**10, 2**16] if quick else [2**10, 2**12, 2**14, 2**16]
    sizes = [2**8, 2**12, 2**15] if quick else [2**m for m in range(8, 16)]
    out = []
    for rows in rows_list:
        for n in sizes:
            try:
                x = torch.randn(rows, n, device="cuda")
                y = torch.empty_like(x)
                copy = cuda_time(lambda x=x, y=y: y.copy_(x), 20)
                fwht = cuda_time(lambda x=x: hadalib.fwht(x), 20)
            except torch.cuda.OutOfMemoryError:
                out.append({"rows": rows, "n": n, "error": "out of memory"})
                x = y = None
                torch.cuda.empty_cache()
                continue
            out.append({"rows": rows, "n": n, "copy_s": copy, "fwht_s": fwht})
    return {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "cases": out}


# --------------------------------------------------------------------------- report


def faster_of(default: dict, one: dict) -> tuple[dict, dict]:
    """Per case and variant, the run (default threads or one thread) with the best time."""
    best, which = {}, {}
    for name, variants in default.items():
        best[name], which[name] = {}, {}
        for variant, timing in variants.items():
            single = one[name][variant]
            fewer = single["best_s"] < timing["best_s"]
            best[name][variant] = single if fewer else timing
            which[name][variant] = "one" if fewer else "default"
    return best, which


def version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, object]:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        import numba

        threads = numba.get_num_threads()
    except ImportError:
        threads = None
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "numba_threads": threads,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            p: version(p)
            for p in ("hadalib", "numpy", "scipy", "torch", "numba")
            + ("hadamard-transform", "fht-cpu")
        },
        "git_commit": commit or None,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def summarize(results: dict[str, dict], names: list[str]) -> dict[str, dict[str, object]]:
    """Per case: the fastest hadalib path and its ratios to the peers (best times)."""

    def best(impl: str, name: str, variant: str) -> float | None:
        entry = results.get(impl, {}).get(name, {}).get(variant)
        return entry["best_s"] if entry else None

    table = {}
    for name in names:
        forward = {p: best(p, name, "forward") for p in ("hadalib", "hadalib_torch")}
        ortho = {p: best(p, name, "ortho") for p in ("hadalib", "hadalib_torch")}
        fastest = min((p for p in forward if forward[p]), key=forward.get)
        fastest_ortho = min((p for p in ortho if ortho[p]), key=ortho.get)
        row = {
            "hadalib_fastest_path": fastest,
            "hadalib_s": forward[fastest],
            "copy_s": best("copy", name, "copy"),
            "numpy_butterfly_s": best("numpy_butterfly", name, "forward"),
            "dense_s": best("dense", name, "forward"),
            "hadamard_transform_s": best("hadamard_transform", name, "forward"),
            "fht_cpu_s": best("fht_cpu", name, "forward"),
            "fht_cpu_in_place_s": best("fht_cpu", name, "in_place"),
            "hadalib_pure_s": best("hadalib_pure", name, "forward"),
            "hadalib_ortho_s": ortho[fastest_ortho],
            "torch_forward_s": forward["hadalib_torch"],
            "torch_forward_backward_s": best("hadalib_torch", name, "forward_backward"),
            "hadamard_transform_forward_backward_s": best(
                "hadamard_transform", name, "forward_backward"
            ),
        }
        row["speedup_vs_numpy_butterfly"] = ratio(row["numpy_butterfly_s"], row["hadalib_s"])
        row["speedup_vs_dense"] = ratio(row["dense_s"], row["hadalib_s"])
        # hadamard_transform normalizes, so it is compared with norm="ortho"
        row["speedup_vs_hadamard_transform"] = ratio(
            row["hadamard_transform_s"], row["hadalib_ortho_s"]
        )
        row["time_vs_fht_cpu"] = ratio(row["hadalib_s"], row["fht_cpu_s"])
        row["time_vs_fht_cpu_in_place"] = ratio(row["hadalib_s"], row["fht_cpu_in_place_s"])
        row["time_vs_copy"] = ratio(row["hadalib_s"], row["copy_s"])
        row["forward_backward_vs_forward"] = ratio(
            row["torch_forward_backward_s"], row["torch_forward_s"]
        )
        table[name] = row
    return table


def targets(table: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """The issue's targets, each with the cases that miss it."""

    def large(name: str) -> bool:
        return not name.startswith("n=2^") or int(name[4:]) >= 10

    def check(description, cases, holds, value):
        misses = {c: value(table[c]) for c in cases if not holds(table[c])}
        return {"target": description, "met": not misses, "cases": len(cases), "misses": misses}

    big = [c for c in table if large(c)]
    small = [c for c in table if c.startswith("n=2^") and int(c[4:]) < 8]
    return {
        "vs_hadamard_transform": check(
            ">= 5x faster than hadamard-transform, n >= 2^10 and batches",
            big,
            lambda r: (r["speedup_vs_hadamard_transform"] or 0) >= 5,
            lambda r: r["speedup_vs_hadamard_transform"],
        ),
        "vs_fht_cpu": check(
            "within 2x of fht-cpu (out of place), n >= 2^10 and batches",
            big,
            lambda r: (r["time_vs_fht_cpu"] or 99) <= 2,
            lambda r: r["time_vs_fht_cpu"],
        ),
        "forward_backward": check(
            "forward+backward <= 2.5x forward (tensors)",
            list(table),
            lambda r: (r["forward_backward_vs_forward"] or 99) <= 2.5,
            lambda r: r["forward_backward_vs_forward"],
        ),
        "small_overhead": check(
            "call time < 10 us below 2^8 (NumPy input)",
            small,
            lambda r: r["hadalib_s"] is not None and r["hadalib_s"] < 10e-6,
            lambda r: r["hadalib_s"],
        ),
    }


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f}us"
    return f"{seconds * 1e3:.2f}ms"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_table(table: dict[str, dict[str, object]]) -> None:
    header = (
        f"{'case':18} {'hadalib':>9} {'path':>6} {'copy':>9} {'np-bfly':>9} {'dense':>9} "
        f"{'h-t':>9} {'fht':>9} {'x np':>7} {'x h-t':>6} {'/fht':>5} {'/copy':>6} {'fb/f':>5}"
    )
    print(header)
    for name, r in table.items():
        print(
            f"{name:18} {fmt(r['hadalib_s']):>9} "
            f"{'np' if r['hadalib_fastest_path'] == 'hadalib' else 'torch':>6} "
            f"{fmt(r['copy_s']):>9} {fmt(r['numpy_butterfly_s']):>9} {fmt(r['dense_s']):>9} "
            f"{fmt(r['hadamard_transform_s']):>9} {fmt(r['fht_cpu_s']):>9} "
            f"{fmt_ratio(r['speedup_vs_numpy_butterfly']):>7} "
            f"{fmt_ratio(r['speedup_vs_hadamard_transform']):>6} "
            f"{fmt_ratio(r['time_vs_fht_cpu']):>5} {fmt_ratio(r['time_vs_copy']):>6} "
            f"{fmt_ratio(r['forward_backward_vs_forward']):>5}"
        )
    print(
        "x np: speed-up over the NumPy butterfly; x h-t: over hadamard-transform (both "
        "normalized);\n/fht, /copy: hadalib's time over fht-cpu's (out of place) and over a "
        "copy;\nfb/f: forward+backward over forward (torch tensors). Best of repeated calls."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes, shorter timing")
    parser.add_argument("--out", type=Path, help="JSON file (default: benchmarks/results/...)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.quick)
        return

    started = time.time()
    load_before = os.getloadavg()
    results, missing, threads_used = {}, {}, {}
    for impl in IMPLEMENTATIONS:
        command = [sys.executable, __file__, "--worker", impl] + (["--quick"] if args.quick else [])
        runs = {}
        for threads, extra_env in (("default", {}), ("one", ONE_THREAD)):
            label = "default threads" if threads == "default" else "one thread"
            print(f"timing {impl} ({label}) ...", flush=True)
            env = {**os.environ, **extra_env}
            done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
            runs[threads] = json.loads(done.stdout.strip().splitlines()[-1])
        if "missing" in runs["default"]:
            missing[impl] = runs["default"]["missing"]
            print(f"  skipped: {missing[impl]} (pip install -r benchmarks/requirements.txt)")
            continue
        default, one = runs["default"]["results"], runs["one"]["results"]
        results[impl], threads_used[impl] = faster_of(default, one)
    names = [name for name, _ in cases(args.quick)]
    table = summarize(results, names)
    checked = targets(table)
    print_table(table)
    for key, target in checked.items():
        state = "met" if target["met"] else f"NOT met in {len(target['misses'])} case(s)"
        print(f"target {key}: {target['target']}: {state}")
        for case, value in target["misses"].items():
            print(f"    {case}: {value:.3g}" if value is not None else f"    {case}: -")
    report = {
        "benchmark": "benchmarks/fwht.py" + (" --quick" if args.quick else ""),
        "dtype": "float32",
        "timing": "best and median seconds per call over repeats, each implementation in its "
        "own process, with default threads and with one thread, keeping the faster; ratios "
        "use the best",
        "threads_used": threads_used,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "load_average_before_after": [load_before, os.getloadavg()],
        "machine": machine(),
        "missing_peers": missing,
        "results": results,
        "summary": table,
        "targets": checked,
    }
    out = args.out or RESULTS / ("fwht_cpu_quick.json" if args.quick else "fwht_cpu.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(out)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    gpu = cuda_benchmark(args.quick)
    if gpu is not None:
        gpu["machine"] = machine()
        gpu_out = out.with_name(out.name.replace("cpu", "cuda"))
        gpu_out.write_text(json.dumps(gpu, indent=1) + "\n")
        for case in gpu["cases"]:
            if "error" in case:
                print(f"cuda rows={case['rows']} n={case['n']}: {case['error']}")
                continue
            print(
                f"cuda rows={case['rows']} n={case['n']}: fwht {fmt(case['fwht_s'])}, "
                f"copy {fmt(case['copy_s'])}, ratio {case['fwht_s'] / case['copy_s']:.2f}"
            )
        print(f"wrote {gpu_out}")


if __name__ == "__main__":
    main()
