"""Per-call cost of hadalib.fwht on small NumPy arrays: the general path against the
small-array shortcut (issue 21, point 3: the shortcut may go once the general path costs
no more).

    .venv/bin/python benchmarks/fwht_overhead.py            # about a minute
    .venv/bin/python benchmarks/fwht_overhead.py --rounds 5  # a quick look

``hadalib.transforms.fwht`` sends a native float32/float64 C-contiguous array of fewer than
2**19 elements, transformed unscaled along its last axis, straight to the kernel's
single-thread entry (``_fwht_last_axis``), skipping the argument rules of the general path
(``_wht``). Both are timed here on the calls the shortcut takes, in one process,
interleaved: each round times a batch of calls of one, then of the other (the order
alternating between rounds), so that a busy machine slows them alike; the report gives the
median time per call of each and the median of the per-round ratios general / shortcut.
Results go to benchmarks/results/fwht_overhead.json with the load average and machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
from fwht import machine

import hadalib._fwht_cpu as K
import hadalib.transforms as T

RESULTS = Path(__file__).resolve().parent / "results"
CASES = {  # name: (shape, dtype)
    "float64 n=2^10": ((1024,), np.float64),
    "float32 n=2^10": ((1024,), np.float32),
    "float64 8x2^7": ((8, 128), np.float64),
    "float32 8x2^7": ((8, 128), np.float32),
}
TARGET = 1.0  # the general path's time over the shortcut's, at most


def shortcut(x: np.ndarray) -> np.ndarray:
    return T._fwht_last_axis(x, -1, "backward", "natural")


def general(x: np.ndarray) -> np.ndarray:
    return T._wht(x, -1, "backward", "natural", inverse=False, func="fwht", several=False)


def per_call(call, x: np.ndarray, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        call(x)
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--calls", type=int, default=2000, help="calls per batch")
    parser.add_argument("--out", type=Path, default=RESULTS / "fwht_overhead.json")
    args = parser.parse_args()
    if not K._kernel():
        raise SystemExit("no compiled kernel (numba missing or HADALIB_PURE set): nothing to time")
    load_before = os.getloadavg()
    report = {}
    for name, (shape, dtype) in CASES.items():
        x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
        np.testing.assert_array_equal(general(x), shortcut(x))  # the same numbers
        old, new = [], []
        for r in range(args.rounds):
            pair = [(old, shortcut), (new, general)]
            for times, call in pair if r % 2 else pair[::-1]:
                times.append(per_call(call, x, args.calls))
        ratios = [b / a for a, b in zip(old, new, strict=True)]
        report[name] = {
            "shortcut_median_s": statistics.median(old),
            "general_median_s": statistics.median(new),
            "general_vs_shortcut": statistics.median(ratios),
        }
        print(
            f"{name:16} shortcut {report[name]['shortcut_median_s'] * 1e6:6.2f} us   general "
            f"{report[name]['general_median_s'] * 1e6:6.2f} us   general/shortcut "
            f"{report[name]['general_vs_shortcut']:.3f}"
        )
    misses = {k: v["general_vs_shortcut"] for k, v in report.items()}
    misses = {k: v for k, v in misses.items() if v > TARGET}
    print(
        f"target: general path <= {TARGET:g}x the shortcut: "
        + ("met" if not misses else f"NOT met in {len(misses)} case(s)")
    )
    out = {
        "benchmark": "benchmarks/fwht_overhead.py",
        "timing": f"{args.rounds} interleaved rounds of {args.calls} calls each, order "
        "alternating; medians of the time per call and of the per-round ratios",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_before_after": [load_before, os.getloadavg()],
        "machine": machine(),
        "results": report,
        "target": {"general_vs_shortcut_at_most": TARGET, "met": not misses, "misses": misses},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
