"""Speed of hadalib's fast Walsh-Hadamard transform against its peers (CPU: float32 and
float64; CUDA if any).

    .venv/bin/pip install -r benchmarks/requirements.txt   # the peers (optional)
    .venv/bin/python benchmarks/fwht.py            # full run, about five minutes on 2 cores
    .venv/bin/python benchmarks/fwht.py --quick    # about a minute: fewer sizes and peers
    python3 benchmarks/fwht.py --cuda-only         # the CUDA section alone (a GPU machine)
    .venv/bin/python benchmarks/fwht.py --autograd  # forward+backward of CPU tensors alone

Every case runs in float32 and in float64. The implementations run in worker processes
(thread pools of BLAS and torch in one process disturb each other), once with the
libraries' default threads and once with one thread (OMP_NUM_THREADS=1 and friends), since
on a small or busy machine spinning thread pools can be slower than one thread; each case
keeps the faster of the two. ``copy``, ``fht_cpu`` and ``hadalib``, whose ratios are the
targets, share one worker and are timed side by side: case by case, in several rounds that
interleave them (a pause after each lets OpenMP's spinning threads go to sleep), so a busy
machine slows them alike. A case is timed by repeating the call for a budget and keeping
the best and the median time. The report compares, per case:

- ``copy``: ``x.copy()``, the physical floor of an out-of-place transform (read + write);
- ``numpy_butterfly``: a plain vectorized NumPy butterfly (the baseline);
- ``dense``: the product with the dense Hadamard matrix (small n only);
- ``hadamard_transform``: the PyPI package (PyTorch), normalized like ``norm="ortho"``;
- ``fht_cpu``: the PyPI package (C with SIMD and OpenMP), out of place and in place;
- ``hadalib`` / ``hadalib_torch``: :func:`hadalib.fwht` on NumPy arrays / CPU tensors
  (``norm="backward"`` like fht_cpu, and ``norm="ortho"`` like hadamard_transform), and
  forward + backward through autograd for tensors;
- ``hadalib_pure``: hadalib with its compiled kernel disabled (HADALIB_PURE=1).

The target for training: forward+backward less autograd's own cost (torch's ``t * 2``
through the same autograd, forward+backward) at most 2.5 times the forward, at every size.
``--autograd`` times just that, on 1-D tensors of n = 2**6 .. 2**20 in float32 and
float64, in one process with the four calls interleaved in rounds (torch's default threads
and one thread, keeping the faster), and writes benchmarks/results/fwht_autograd.json
(medians, with the load average before and after).

Results go to benchmarks/results/fwht_cpu.json (``--quick``: fwht_cpu_quick.json) with the
machine, the versions and the load average; with CUDA also fwht_cuda.json: the Triton
kernel (hadalib._fwht_triton) checked against a stage-by-stage torch transform for every
n up to 2**17 and every dtype, then timed, float32 and bfloat16, n = 2**8 .. 2**15 (batches
of 1 MiB and 64 MiB) and 2**16 .. 2**20, against ``y.copy_(x)`` of the same tensor, the
stage-by-stage torch path, hadalib.fwht and Dao-AILab's fast-hadamard-transform where they
import. Without a CUDA device that section says so and does nothing.
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

try:
    import numpy as np
except ImportError:  # the CUDA section (--cuda-only) runs without NumPy
    np = None

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

FULL_SIZES = list(range(4, 23))  # 1-D n = 2**4 ... 2**22
QUICK_SIZES = [4, 10, 14, 18, 20, 22]
BATCHES = {"4096x256": (4096, 256), "256x4096": (256, 4096), "64x65536": (64, 65536)}
IMAGES = "64 images 256x256"  # fwht over both image axes
DTYPES = ("float32", "float64")

SIDE_BY_SIDE = ["copy", "fht_cpu", "hadalib"]  # one worker, interleaved
IMPLEMENTATIONS = [
    "side_by_side",
    "numpy_butterfly",
    "dense",
    "hadamard_transform",
    "hadalib_torch",
    "hadalib_pure",
]
QUICK_IMPLEMENTATIONS = ["side_by_side", "hadalib_torch"]  # --quick: the targets' own
DENSE_MAX = 4096  # the dense product needs an n x n matrix
ROUNDS = {True: 3, False: 5}  # rounds of the side-by-side timing (quick, full)
TARGET_VS_FHT = 1.0  # hadalib's time over fht-cpu's (out of place), n >= 2^10 and batches
TARGET_FORWARD_BACKWARD = 2.5  # (forward+backward - t * 2's forward+backward) / forward
AUTOGRAD_SIZES = list(range(6, 21))  # --autograd: n = 2**6 .. 2**20


# --------------------------------------------------------------------------- timing


def repeat(call, budget: float) -> list[float]:
    """Seconds of each of the repeated calls filling about `budget` seconds (at least one)."""
    start = time.perf_counter()
    call()
    times = [time.perf_counter() - start]
    for _ in range(int(min(2000, budget / max(times[0], 1e-7)))):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def best_and_median(times: list[float]) -> dict[str, float]:
    return {"best_s": min(times), "median_s": statistics.median(times)}


def cases(quick: bool) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of every case, in float32 and float64: names "float32 n=2^10", ..."""
    sizes = QUICK_SIZES if quick else FULL_SIZES
    shapes = [(f"n=2^{m}", (2**m,)) for m in sizes]
    batches = {k: BATCHES[k] for k in ("256x4096", "64x65536")} if quick else BATCHES
    shapes += list(batches.items()) + [(IMAGES, (64, 256, 256))]
    return [(f"{dtype} {name}", shape) for dtype in DTYPES for name, shape in shapes]


def case_input(name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype = name.split()[0]
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


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

        H = scipy.linalg.hadamard(n).astype(x.dtype)
        if images:
            return {"forward": lambda: H @ x @ H}
        return {"forward": lambda: x @ H}
    if impl == "hadamard_transform":
        import torch
        from hadamard_transform import hadamard_transform

        t = torch.from_numpy(x)

        def both_axes(y):
            rows = hadamard_transform(y.reshape(-1, n)).reshape(t.shape).transpose(1, 2)
            return hadamard_transform(rows.reshape(-1, n)).reshape(t.shape).transpose(1, 2)

        def forward(y=t):
            return both_axes(y) if images else hadamard_transform(y.reshape(-1, n))

        g = torch.ones_like(t)
        tg = t.clone().requires_grad_()

        def forward_backward():
            forward(tg).reshape(t.shape).backward(g)
            tg.grad = None

        return {"forward": forward, "forward_backward": forward_backward}
    if impl == "fht_cpu":
        import fht_cpu

        def rows(y, inplace):  # fht_cpu takes 1-D or 2-D arrays
            return fht_cpu.fht(y.reshape(-1, n) if y.ndim > 2 else y, inplace=inplace)

        work = x.copy()  # the in-place calls transform it again and again (values grow)
        if images:
            return {
                "forward": lambda: images_by_rows(lambda y: rows(y, False).reshape(y.shape), x),
                "in_place": lambda: images_by_rows(lambda y: rows(y, True).reshape(y.shape), work),
            }
        return {"forward": lambda: rows(x, False), "in_place": lambda: rows(work, True)}
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

        # the floor for fb/f: torch's own element-wise scaling, through the same autograd
        def scale_forward_backward():
            (tg * 2.0).backward(g)
            tg.grad = None

        return {
            "forward": lambda: transform(t),
            "ortho": lambda: transform(t, norm="ortho"),
            "forward_backward": forward_backward,
            "scale": lambda: t * 2.0,
            "scale_forward_backward": scale_forward_backward,
        }
    raise ValueError(f"unknown implementation {impl!r}")


ONE_THREAD = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
}


def worker(impl: str, quick: bool) -> None:
    """Time one implementation (or the side-by-side group) on every case; print JSON:
    {"results": {impl: {case: {variant: {"best_s", "median_s"}}}}, "missing": {impl: why}}."""
    if impl == "hadalib_pure":
        os.environ["HADALIB_PURE"] = "1"
    group = SIDE_BY_SIDE if impl == "side_by_side" else [impl]
    rounds = ROUNDS[quick] if impl == "side_by_side" else 1
    budget = (0.03 if quick else 0.15) / rounds
    results: dict[str, dict] = {name: {} for name in group}
    missing: dict[str, str] = {}
    for case, shape in cases(quick):
        x = case_input(case, shape)
        timed = {}
        for name in group:
            if name in missing:
                continue
            try:
                variants = calls(name, x, images=case.endswith(IMAGES))
            except ImportError as error:
                missing[name] = str(error)
                continue
            for variant, call in variants.items():
                call()  # warm up (compilation, allocation caches)
                timed[name, variant] = (call, [])
        for _ in range(rounds):
            for call, times in timed.values():
                if rounds > 1:
                    time.sleep(0.005)  # OpenMP's threads spin a while after a parallel region
                times += repeat(call, budget)
        for (name, variant), (_, times) in timed.items():
            results[name].setdefault(case, {})[variant] = best_and_median(times)
    results = {name: by_case for name, by_case in results.items() if name not in missing}
    print(json.dumps({"results": results, "missing": missing}))


# --------------------------------------------------------------------------- CUDA
# Runs with a bare python3 beside torch and Triton (NumPy and an installed hadalib are not
# needed: hadalib comes from this checkout). Each case is timed by CUDA events around a
# CUDA graph replaying K calls (no Python launch overhead in the numbers), or around K plain
# calls where a graph cannot be captured; the best and the median of 10 runs per call.

CUDA_SIZES = list(range(8, 16))  # n = 2**8 .. 2**15: one pass over memory
CUDA_LARGE = [16, 18, 20]  # composed of passes
CUDA_BATCH_BYTES = {"1MiB": 1 << 20, "64MiB": 1 << 26}  # bytes of the input per call
CUDA_DTYPES = ("float32", "bfloat16")
CHECK_SIZES = list(range(0, 18))  # correctness of the compiled kernel, before any timing
CHECK_ROWS = (1, 7, 33)
CUDA_TARGET = 1.5  # Triton kernel within 1.5x of a copy, n = 2**8 .. 2**15


def torch_stages(x):
    """The stage-by-stage torch WHT along the last axis (hadalib's pure path): per stage
    one add and one subtract over the whole tensor, ping-ponging between two buffers."""
    import torch

    n = x.shape[-1]
    src, dst = x.clone(), torch.empty_like(x)
    h = 1
    while h < n:
        a = src.view(-1, n // (2 * h), 2, h)
        out = dst.view(-1, n // (2 * h), 2, h)
        torch.add(a[:, :, 0], a[:, :, 1], out=out[:, :, 0])
        torch.sub(a[:, :, 0], a[:, :, 1], out=out[:, :, 1])
        src, dst = dst, src
        h *= 2
    return src


def cuda_peers(torch, rows_transform) -> tuple[dict, dict]:
    """{name: call(x, y)} of the CUDA implementations, and {name: why} of those missing."""
    peers = {
        "copy": lambda x, y: y.copy_(x),
        "triton": lambda x, y: rows_transform(x),
        "torch_stages": lambda x, y: torch_stages(x),
    }
    missing = {}
    try:
        import hadalib

        hadalib.fwht  # noqa: B018  (the public path needs NumPy)
        peers["hadalib_fwht"] = lambda x, y: hadalib.fwht(x)
    except ImportError as error:
        missing["hadalib_fwht"] = str(error)
    try:
        from fast_hadamard_transform import hadamard_transform

        peers["dao_fast_hadamard"] = lambda x, y: hadamard_transform(x, scale=1.0)
    except ImportError as error:
        missing["dao_fast_hadamard"] = str(error)
    return peers, missing


def cuda_time(torch, call, calls: int, runs: int = 10) -> dict:
    """Seconds per call of call() on the current CUDA stream: best and median of runs."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm up (compilation, allocator) before a capture
        for _ in range(3):
            call()
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    try:
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            for _ in range(calls):
                call()
        run, method = graph.replay, f"CUDA graph of {calls} calls, CUDA events"
    except Exception as error:  # not capturable (a host sync, an allocation, ...)
        torch.cuda.synchronize()
        graph = None

        def run():
            for _ in range(calls):
                call()

        method = f"{calls} calls between CUDA events (no graph: {type(error).__name__})"
    run()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start.record()
        run()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3 / calls)
    del graph
    return {"best_s": min(times), "median_s": statistics.median(times), "method": method}


def cpu_time(call) -> dict:
    """The dry run's stand-in for cuda_time: wall-clock seconds of one call."""
    call()
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    return {"best_s": seconds, "median_s": seconds, "method": "wall clock (dry run, CPU)"}


def cuda_check(torch, rows_transform, device, sizes, rows_list, dtypes) -> dict:
    """The compiled kernel against torch_stages: float32 bit for bit, 16-bit types equal to
    the float32 result rounded once (the kernel's promise), for every size and dtype."""
    failures = []
    cases = 0
    for m in sizes:
        for rows in rows_list:
            x32 = torch.randn(rows, 2**m, device=device)
            want32 = torch_stages(x32)
            for dtype in dtypes:
                x = x32.to(dtype)
                want = want32 if dtype == torch.float32 else torch_stages(x.float()).to(dtype)
                got = rows_transform(x)
                cases += 1
                if got.dtype != dtype or not torch.equal(got, want):
                    diff = (got.float() - want.float()).abs().max().item()
                    failures.append(
                        {"n": 2**m, "rows": rows, "dtype": str(dtype), "max_diff": diff}
                    )
    return {"cases": cases, "failures": failures}


def cuda_cases(quick: bool, dry_run: bool) -> list[tuple[int, str, str]]:
    """(log2 n, dtype, batch name) of the timed cases."""
    if dry_run:
        return [(8, "float32", "tiny"), (16, "bfloat16", "tiny")]
    sizes = [8, 12, 15] if quick else CUDA_SIZES
    large = [16, 20] if quick else CUDA_LARGE
    batches = ["64MiB"] if quick else list(CUDA_BATCH_BYTES)
    out = [(m, d, b) for d in CUDA_DTYPES for m in sizes for b in batches]
    return out + [(m, d, "64MiB") for d in CUDA_DTYPES for m in large]


def cuda_benchmark(quick: bool, dry_run: bool = False) -> dict | None:
    """The Triton kernel on CUDA tensors against a device-to-device copy and its peers.

    None, with a message, where torch or a CUDA device is missing. dry_run: the same code
    on tiny CPU tensors through Triton's interpreter (TRITON_INTERPRET=1, set by main).
    """
    try:
        import torch
    except ImportError:
        print("no torch: the CUDA benchmark is skipped")
        return None
    if not dry_run and not torch.cuda.is_available():
        print("no CUDA device: the CUDA benchmark is skipped")
        return None
    sys.path.insert(0, str(ROOT))  # hadalib from this checkout
    from hadalib._fwht_triton import fwht_rows

    device = torch.device("cpu" if dry_run else "cuda")
    started = time.time()
    if dry_run:  # the interpreter truncates bfloat16 (a GPU rounds to nearest): left out
        sizes, rows_list, dtypes = [0, 3, 9], (3,), (torch.float32, torch.float16)
    else:
        sizes, rows_list = CHECK_SIZES[:: 2 if quick else 1], CHECK_ROWS
        dtypes = (torch.float32, torch.bfloat16, torch.float16)
    check = cuda_check(torch, fwht_rows, device, sizes, rows_list, dtypes)
    print(f"cuda check: {check['cases']} cases, {len(check['failures'])} failed")
    for failure in check["failures"]:
        print(f"    {failure}")
    peers, missing = cuda_peers(torch, fwht_rows)
    for name, why in missing.items():
        print(f"  {name} skipped: {why}")
    cases = []
    for m, dtype_name, batch in cuda_cases(quick, dry_run):
        dtype = getattr(torch, dtype_name)
        itemsize = torch.empty((), dtype=dtype).element_size()
        n = 2**m
        batch_bytes = CUDA_BATCH_BYTES.get(batch, n * itemsize * 2)  # tiny: 2 rows
        rows = max(1, batch_bytes // (n * itemsize))
        calls = max(2, min(50, (1 << 26) // batch_bytes))
        case = {"n": n, "rows": rows, "dtype": dtype_name, "batch_bytes": rows * n * itemsize}
        try:
            x = torch.randn(rows, n, device=device).to(dtype)
            y = torch.empty_like(x)
            times, errors = {}, {}
            for name, peer in peers.items():

                def call(peer=peer, x=x, y=y):
                    return peer(x, y)

                try:
                    times[name] = cpu_time(call) if dry_run else cuda_time(torch, call, calls)
                except Exception as error:  # a peer's limits (size, dtype): recorded
                    errors[name] = f"{type(error).__name__}: {str(error)[:200]}"
            case["times"] = times
            case["errors"] = errors
            copy = times["copy"]["best_s"]
            case["ratio_to_copy"] = {k: v["best_s"] / copy for k, v in times.items()}
        except torch.cuda.OutOfMemoryError:
            case["error"] = "out of memory"
        x = y = None
        if not dry_run:
            torch.cuda.empty_cache()
        cases.append(case)
    one_pass = [
        c
        for c in cases
        if "ratio_to_copy" in c and 2**8 <= c["n"] <= 2**15 and c["batch_bytes"] >= 1 << 20
    ]
    misses = {
        f"{c['dtype']} n={c['n']} rows={c['rows']}": c["ratio_to_copy"].get("triton")
        for c in one_pass
        if (c["ratio_to_copy"].get("triton") or 99) > CUDA_TARGET
    }
    versions = {"torch": torch.__version__, "cuda": torch.version.cuda}
    try:
        import triton

        versions["triton"] = triton.__version__
    except ImportError:
        versions["triton"] = None
    versions["fast-hadamard-transform"] = version("fast-hadamard-transform")
    return {
        "benchmark": "benchmarks/fwht.py --cuda-only" + (" --quick" if quick else ""),
        "dry_run_cpu": dry_run,
        "device": "cpu (dry run)" if dry_run else torch.cuda.get_device_name(),
        "versions": versions,
        "timing": "seconds per call, best and median of 10 runs; each run times K calls by "
        "CUDA events, replayed from a CUDA graph where capturable (see each case's method); "
        "the input is rows x n of dtype, freshly allocated outputs except for copy "
        "(y.copy_(x) into a preallocated y); ratios use the best times",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "machine": machine_or_reason(),
        "check": check,
        "missing_peers": missing,
        "cases": cases,
        "target": {
            "target": f"triton within {CUDA_TARGET}x of copy, n = 2^8..2^15, batches >= 1 MiB",
            "met": bool(one_pass) and not misses,
            "cases": len(one_pass),
            "misses": misses,
        },
    }


def machine_or_reason() -> dict:
    try:
        return machine()
    except OSError as error:  # no git on the machine
        return {"error": str(error)}


def print_cuda(report: dict) -> None:
    names = ["copy", "triton", "torch_stages", "hadalib_fwht", "dao_fast_hadamard"]
    print(f"{report['device']}: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()))
    print(
        f"{'dtype':9} {'n':>8} {'rows':>7} "
        + " ".join(f"{k[:12]:>12}" for k in names)
        + f" {'triton/copy':>11}"
    )
    for case in report["cases"]:
        head = f"{case['dtype']:9} {case['n']:>8} {case['rows']:>7} "
        if "error" in case:
            print(head + case["error"])
            continue
        cells = [fmt(case["times"].get(k, {}).get("best_s")) for k in names]
        triton_ratio = fmt_ratio(case["ratio_to_copy"].get("triton"))
        print(head + " ".join(f"{c:>12}" for c in cells) + f" {triton_ratio:>11}")
    target = report["target"]
    state = "met" if target["met"] else f"NOT met in {len(target['misses'])} case(s)"
    print(f"target: {target['target']}: {state if target['cases'] else 'no such case'}")


def run_cuda(quick: bool, dry_run: bool, out: Path | None) -> None:
    """The CUDA section: benchmark, print, write fwht_cuda.json (or out)."""
    report = cuda_benchmark(quick, dry_run)
    if report is None:
        return
    print_cuda(report)
    if out is None:
        if dry_run:
            print("dry run: no file written (pass --out to write one)")
            return
        out = RESULTS / ("fwht_cuda_quick.json" if quick else "fwht_cuda.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(out)
    print(f"wrote {out}")


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
    simd = None
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        lines = cpuinfo.read_text().splitlines()
        fields = [line.split(":", 1) for line in reversed(lines) if ":" in line]
        info = {key.strip(): value.strip() for key, value in fields}  # the first CPU's
        model = info.get("model name", model)
        flags = set(info.get("flags", "").split())
        simd = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw") if f in flags]
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
        "simd": simd,
        "numba_cpu_name": os.environ.get("NUMBA_CPU_NAME"),
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
    """Per case: hadalib (NumPy) against fht-cpu and a copy (timed side by side), and the
    other peers (best times)."""

    def best(impl: str, name: str, variant: str) -> float | None:
        entry = results.get(impl, {}).get(name, {}).get(variant)
        return entry["best_s"] if entry else None

    table = {}
    for name in names:
        row = {
            "hadalib_s": best("hadalib", name, "forward"),
            "hadalib_ortho_s": best("hadalib", name, "ortho"),
            "copy_s": best("copy", name, "copy"),
            "fht_cpu_s": best("fht_cpu", name, "forward"),
            "fht_cpu_in_place_s": best("fht_cpu", name, "in_place"),
            "numpy_butterfly_s": best("numpy_butterfly", name, "forward"),
            "dense_s": best("dense", name, "forward"),
            "hadamard_transform_s": best("hadamard_transform", name, "forward"),
            "hadalib_pure_s": best("hadalib_pure", name, "forward"),
            "torch_forward_s": best("hadalib_torch", name, "forward"),
            "torch_ortho_s": best("hadalib_torch", name, "ortho"),
            "torch_forward_backward_s": best("hadalib_torch", name, "forward_backward"),
            "torch_scale_s": best("hadalib_torch", name, "scale"),
            "torch_scale_forward_backward_s": best("hadalib_torch", name, "scale_forward_backward"),
            "hadamard_transform_forward_backward_s": best(
                "hadamard_transform", name, "forward_backward"
            ),
        }
        row["speedup_vs_numpy_butterfly"] = ratio(row["numpy_butterfly_s"], row["hadalib_s"])
        row["speedup_vs_dense"] = ratio(row["dense_s"], row["hadalib_s"])
        # hadamard_transform (torch) normalizes: against hadalib's norm="ortho" on tensors
        row["speedup_vs_hadamard_transform"] = ratio(
            row["hadamard_transform_s"], row["torch_ortho_s"]
        )
        row["time_vs_fht_cpu"] = ratio(row["hadalib_s"], row["fht_cpu_s"])
        row["time_vs_fht_cpu_in_place"] = ratio(row["hadalib_s"], row["fht_cpu_in_place_s"])
        row["time_vs_copy"] = ratio(row["hadalib_s"], row["copy_s"])
        row["fht_cpu_vs_copy"] = ratio(row["fht_cpu_s"], row["copy_s"])
        row["forward_backward_vs_forward"] = ratio(
            row["torch_forward_backward_s"], row["torch_forward_s"]
        )
        row["scale_forward_backward_vs_forward"] = ratio(
            row["torch_scale_forward_backward_s"], row["torch_scale_s"]
        )
        row["net_forward_backward_vs_forward"] = net_forward_backward(
            row["torch_forward_backward_s"],
            row["torch_scale_forward_backward_s"],
            row["torch_forward_s"],
        )
        table[name] = row
    return table


def net_forward_backward(fb: float | None, scale_fb: float | None, f: float | None) -> float | None:
    """(forward+backward - autograd's own cost, t * 2's forward+backward) / forward."""
    return None if fb is None or scale_fb is None or not f else (fb - scale_fb) / f


def targets(table: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """The issue's targets, each with the cases that miss it."""

    def size(name: str) -> int | None:
        shape = name.split()[1]
        return int(shape[4:]) if shape.startswith("n=2^") else None

    def check(description, cases, holds, value):
        misses = {c: value(table[c]) for c in cases if not holds(table[c])}
        return {"target": description, "met": not misses, "cases": len(cases), "misses": misses}

    big = [c for c in table if size(c) is None or size(c) >= 10]
    small = [c for c in table if size(c) is not None and size(c) < 8]
    return {
        "vs_fht_cpu": check(
            f"time <= {TARGET_VS_FHT:g}x fht-cpu's (out of place), n >= 2^10, batches and "
            "images, float32 and float64",
            big,
            lambda r: (r["time_vs_fht_cpu"] or 99) <= TARGET_VS_FHT,
            lambda r: r["time_vs_fht_cpu"],
        ),
        "vs_hadamard_transform": check(
            ">= 5x faster than hadamard-transform (torch tensors), n >= 2^10 and batches",
            big,
            lambda r: (r["speedup_vs_hadamard_transform"] or 0) >= 5,
            lambda r: r["speedup_vs_hadamard_transform"],
        ),
        "forward_backward": check(
            f"forward+backward less torch's t * 2 forward+backward <= "
            f"{TARGET_FORWARD_BACKWARD:g}x forward (tensors)",
            list(table),
            lambda r: (r["net_forward_backward_vs_forward"] or 99) <= TARGET_FORWARD_BACKWARD,
            lambda r: r["net_forward_backward_vs_forward"],
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
        f"{'case':26} {'hadalib':>9} {'fht-cpu':>9} {'/fht':>5} {'fht-inpl':>9} {'/inpl':>5} "
        f"{'copy':>9} {'/copy':>6} {'fht/copy':>8} {'torch':>9} {'fb/f':>5} {'x2fb/f':>6} "
        f"{'x np':>6} "
        f"{'x h-t':>6}"
    )
    print(header)
    for name, r in table.items():
        print(
            f"{name:26} {fmt(r['hadalib_s']):>9} {fmt(r['fht_cpu_s']):>9} "
            f"{fmt_ratio(r['time_vs_fht_cpu']):>5} {fmt(r['fht_cpu_in_place_s']):>9} "
            f"{fmt_ratio(r['time_vs_fht_cpu_in_place']):>5} {fmt(r['copy_s']):>9} "
            f"{fmt_ratio(r['time_vs_copy']):>6} {fmt_ratio(r['fht_cpu_vs_copy']):>8} "
            f"{fmt(r['torch_forward_s']):>9} {fmt_ratio(r['forward_backward_vs_forward']):>5} "
            f"{fmt_ratio(r['scale_forward_backward_vs_forward']):>6} "
            f"{fmt_ratio(r['speedup_vs_numpy_butterfly']):>6} "
            f"{fmt_ratio(r['speedup_vs_hadamard_transform']):>6}"
        )
    print(
        "hadalib: hadalib.fwht on NumPy arrays (fwht2 for the images), timed side by side with "
        "fht-cpu\n(out of place; fht-inpl: in place) and a copy (x.copy()); /fht, /inpl, /copy: "
        "hadalib's time over\ntheirs; torch: hadalib.fwht on CPU tensors; fb/f: forward+backward "
        "over forward (tensors);\nx2fb/f: the same for torch's own t * 2, the floor that "
        "autograd sets; x np, x h-t: speed-up\nover the NumPy butterfly and over "
        "hadamard-transform (both normalized). Best of repeated calls."
    )


def run_autograd(out: Path | None) -> None:
    """--autograd: forward, forward+backward and torch's t * 2 alike, n = 2**6 .. 2**20."""
    import torch

    load_before = os.getloadavg()
    started = time.time()
    rounds, budget = 7, 0.02
    default_threads = torch.get_num_threads()
    report = {}
    for dtype in DTYPES:
        for m in AUTOGRAD_SIZES:
            name = f"{dtype} n=2^{m}"
            timed = calls("hadalib_torch", case_input(name, (2**m,)), images=False)
            timed.pop("ortho")
            median = {}
            for threads in sorted({default_threads, 1}):  # as the workers: keep the faster
                torch.set_num_threads(threads)
                times = {variant: [] for variant in timed}
                for call in timed.values():
                    call()  # warm up
                for r in range(rounds):
                    order = list(timed.items())
                    for variant, call in order if r % 2 else order[::-1]:
                        times[variant] += repeat(call, budget)
                for variant, t in times.items():
                    median[variant] = min(median.get(variant, 1e9), statistics.median(t))
            torch.set_num_threads(default_threads)
            net = net_forward_backward(
                median["forward_backward"], median["scale_forward_backward"], median["forward"]
            )
            report[name] = {
                **{f"{v}_median_s": t for v, t in median.items()},
                "forward_backward_vs_forward": median["forward_backward"] / median["forward"],
                "net_forward_backward_vs_forward": net,
            }
            f, fb = median["forward"], median["forward_backward"]
            print(
                f"{name:18} f {fmt(f):>9}  fb {fmt(fb):>9}  t*2 fb "
                f"{fmt(median['scale_forward_backward']):>9}  fb/f {fb / f:5.2f}  "
                f"(fb - t*2 fb)/f {net:5.2f}",
                flush=True,
            )
    misses = {
        k: v["net_forward_backward_vs_forward"]
        for k, v in report.items()
        if v["net_forward_backward_vs_forward"] > TARGET_FORWARD_BACKWARD
    }
    state = "met" if not misses else f"NOT met in {len(misses)} case(s)"
    print(f"target: (forward+backward - t * 2's) <= {TARGET_FORWARD_BACKWARD:g}x forward: {state}")
    result = {
        "benchmark": "benchmarks/fwht.py --autograd",
        "timing": f"median seconds per call, {rounds} interleaved rounds of {budget}s per call "
        "and round, order alternating, in one process; with torch's default threads and with "
        "one (torch.set_num_threads), keeping the faster per call (torch's pool of spinning "
        "threads can cost milliseconds on a small, busy machine)",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "load_average_before_after": [load_before, os.getloadavg()],
        "machine": machine(),
        "results": report,
        "target": {
            "net_forward_backward_vs_forward_at_most": TARGET_FORWARD_BACKWARD,
            "met": not misses,
            "misses": misses,
        },
    }
    out = out or RESULTS / "fwht_autograd.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes, shorter timing")
    parser.add_argument("--out", type=Path, help="JSON file (default: benchmarks/results/...)")
    parser.add_argument("--cuda-only", action="store_true", help="run only the CUDA section")
    parser.add_argument("--autograd", action="store_true", help="only forward+backward of tensors")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    # the CUDA section's code on tiny CPU tensors, through Triton's interpreter (a test)
    parser.add_argument("--dry-run-cpu", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.quick)
        return
    if args.autograd:
        sys.path.insert(0, str(ROOT))  # hadalib from this checkout
        run_autograd(args.out)
        return
    if args.cuda_only or args.dry_run_cpu:
        if args.dry_run_cpu:
            os.environ["TRITON_INTERPRET"] = "1"  # before Triton is imported
        run_cuda(args.quick, args.dry_run_cpu, args.out)
        return

    started = time.time()
    load_before = os.getloadavg()
    results, missing, threads_used = {}, {}, {}
    for impl in QUICK_IMPLEMENTATIONS if args.quick else IMPLEMENTATIONS:
        command = [sys.executable, __file__, "--worker", impl] + (["--quick"] if args.quick else [])
        runs = {}
        for threads, extra_env in (("default", {}), ("one", ONE_THREAD)):
            label = "default threads" if threads == "default" else "one thread"
            print(f"timing {impl} ({label}) ...", flush=True)
            env = {**os.environ, **extra_env}
            done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
            runs[threads] = json.loads(done.stdout.strip().splitlines()[-1])
        for name, why in runs["default"]["missing"].items():
            missing[name] = why
            print(f"  {name} skipped: {why} (pip install -r benchmarks/requirements.txt)")
        for name, default in runs["default"]["results"].items():
            results[name], threads_used[name] = faster_of(default, runs["one"]["results"][name])
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
        "dtypes": list(DTYPES),
        "timing": "best and median seconds per call over repeats, in worker processes with "
        "default threads and with one thread, keeping the faster; copy, fht_cpu and hadalib "
        f"side by side in one worker, interleaved in {ROUNDS[args.quick]} rounds per case; "
        "ratios use the best",
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
    run_cuda(args.quick, False, out.with_name(out.name.replace("cpu", "cuda")))


if __name__ == "__main__":
    main()
