"""hadalib._fwht_triton, the Triton kernel of the WHT for CUDA tensors, on the CPU.

Triton's interpreter runs the kernel on CPU tensors, but only if TRITON_INTERPRET=1 is set
before Triton is imported: the kernel therefore runs in one subprocess (the ``interpreted``
fixture), which reports per case how far the result is from a float64 reference (the
dense Sylvester matrix of scipy.linalg.hadamard up to n = 256, a NumPy butterfly beyond)
and whether it equals the float32 textbook butterfly rounded once to the dtype (bit for
bit); the tests judge the reports. Without Triton these are skipped. Bad input and a
missing Triton are checked in this process: they are refused before Triton is needed.
The last tests run the CUDA section of benchmarks/fwht.py on the CPU (--dry-run-cpu).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg
from conftest import ROOT

torch = pytest.importorskip("torch")

from hadalib import _fwht_triton as K  # noqa: E402  (after the torch skip)

DTYPES = ("float32", "bfloat16", "float16")
# |y - ref| <= rtol |ref| + atol max|ref|: the result is rounded once to the dtype (to
# nearest on a GPU; Triton's interpreter truncates bfloat16, hence a full unit of 2**-7),
# atol covers the float32 sums (n log2 n additions, far below it).
TOLERANCES = {"float32": (1e-6, 1e-6), "bfloat16": (2.0**-7, 1e-5), "float16": (2.0**-10, 1e-5)}
# Row counts per length: one row, and counts that leave the last tile partly empty (up to
# 2**11, a tile holds 2**(T - m) >= 4 rows; above, one or two).
ROWS = {m: (1, 5, 19) if m <= 11 else (1, 3) for m in range(16)}
COMPOSED = [(16, 2)]  # beyond 2**15: a row pass, then a column pass


# --------------------------------------------------------------------------- reference


def butterfly(x: np.ndarray) -> np.ndarray:
    """The textbook butterfly along the last axis, stage h = 1, 2, 4, ..., in x's dtype."""
    y = x.copy()
    n = y.shape[-1]
    h = 1
    while h < n:
        pairs = y.reshape(-1, n // (2 * h), 2, h)
        a, b = pairs[:, :, 0].copy(), pairs[:, :, 1].copy()
        pairs[:, :, 0], pairs[:, :, 1] = a + b, a - b
        h *= 2
    return y


def reference(x: np.ndarray) -> np.ndarray:
    """The float64 WHT along the last axis: dense Sylvester matrix or butterfly."""
    x = x.astype(np.float64)
    n = x.shape[-1]
    return x @ scipy.linalg.hadamard(n) if n <= 256 else butterfly(x)


def worst(y: np.ndarray, ref: np.ndarray, dtype: str) -> float:
    """max |y - ref| / (rtol |ref| + atol max|ref|): at most 1 within tolerance."""
    rtol, atol = TOLERANCES[dtype]
    bound = rtol * np.abs(ref) + atol * max(np.abs(ref).max(), 1.0)
    return float((np.abs(y - ref) / bound).max())


# --------------------------------------------------------------------------- worker


def run_cases(cases: list[dict]) -> list[dict]:
    """Run each case through the kernel; the subprocess of ``interpreted`` calls this."""
    reports = []
    for case in cases:
        rng = np.random.default_rng(len(reports))
        dtype = getattr(torch, case["dtype"])
        x = torch.from_numpy(rng.standard_normal(case["shape"]).astype(np.float32)).to(dtype)
        if case["kind"] == "rows":
            before = x.clone()
            y = K.fwht_rows(x)
            axis = -1
        else:
            if case["transposed"]:  # a strided view, which fwht_last copies
                x = x.transpose(0, -1)
            before = x.clone()
            y = K.fwht_last(x, case["dim"])
            axis = case["dim"]
        x32 = np.moveaxis(x.float().numpy(), axis, -1)  # exact: 16-bit -> float32
        ref = np.moveaxis(reference(x32), -1, axis)
        once = torch.from_numpy(np.moveaxis(butterfly(x32), -1, axis)).to(dtype)
        reports.append(
            {
                "shape_kept": y.shape == x.shape,
                "dtype": str(y.dtype).removeprefix("torch."),
                "input_kept": bool(torch.equal(x, before)),
                "worst": worst(y.float().numpy(), ref, case["dtype"]) if ref.size else 0.0,
                "rounded_once": bool(torch.equal(y, once)),
            }
        )
    return reports


ROW_CASES = [
    {"kind": "rows", "shape": [rows, 2**m], "dtype": dtype}
    for m in range(16)
    for rows in ROWS[m]
    for dtype in DTYPES
] + [
    {"kind": "rows", "shape": [rows, 2**m], "dtype": dtype}
    for m, rows in COMPOSED
    for dtype in DTYPES
]
AXIS_CASES = [
    {"kind": "last", "shape": shape, "dim": dim, "transposed": transposed, "dtype": dtype}
    for shape, dim, transposed in [
        ([32], 0, False),
        ([3, 8, 5], 1, False),
        ([16, 3], 0, False),
        ([2, 4, 3, 64], -1, False),
        ([2, 4, 3, 64], -3, False),
        ([64, 3, 2], -1, True),  # a (2, 3, 64) transposed view: not contiguous
        ([0, 8], -1, False),
    ]
    for dtype in ("float32", "bfloat16")
]
CASES = ROW_CASES + AXIS_CASES


def case_id(case: dict) -> str:
    where = "rows" if case["kind"] == "rows" else f"dim{case['dim']}"
    return f"{case['dtype']}-{'x'.join(map(str, case['shape']))}-{where}"


@pytest.fixture(scope="module")
def interpreted() -> dict[str, dict]:
    """Every case of CASES run by Triton's interpreter in one subprocess, by case id."""
    pytest.importorskip("triton")
    code = (
        "import json, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_fwht_triton import run_cases\n"
        "print(json.dumps(run_cases(json.load(sys.stdin))))\n"
    )
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(CASES),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reports = json.loads(done.stdout.strip().splitlines()[-1])
    return {case_id(case): report for case, report in zip(CASES, reports, strict=True)}


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("case", ROW_CASES, ids=case_id)
def test_rows_match_the_float64_reference(interpreted, case):
    report = interpreted[case_id(case)]
    assert report["shape_kept"] and report["input_kept"]
    assert report["dtype"] == case["dtype"]
    assert report["worst"] <= 1.0, report


@pytest.mark.parametrize("case", [c for c in ROW_CASES if c["dtype"] != "bfloat16"], ids=case_id)
def test_rows_equal_the_float32_butterfly_rounded_once(interpreted, case):
    # float32: exact float32 additions in the butterfly's order, bit for bit, also across
    # composed passes; float16: that result rounded once (composed passes keep float32
    # between them). bfloat16 is left out: the interpreter truncates it, a GPU rounds.
    assert interpreted[case_id(case)]["rounded_once"]


@pytest.mark.parametrize("case", AXIS_CASES, ids=case_id)
def test_any_axis_through_fwht_last(interpreted, case):
    report = interpreted[case_id(case)]
    assert report["shape_kept"] and report["input_kept"]
    assert report["dtype"] == case["dtype"]
    assert report["worst"] <= 1.0, report


# --------------------------------------------------------------------------- plan


@pytest.mark.parametrize("itemsize", [4, 2])
def test_every_pass_fits_the_registers_and_the_passes_cover_every_bit_once(itemsize):
    for m in range(31):
        passes = K._plan(2**m, itemsize)
        assert len(passes) == 1 if m <= 15 else len(passes) > 1
        done = 0
        for step in passes:
            assert step.LOG_S == done  # the passes transform bits done, done + 1, ...
            done += step.LOG_N
            assert step.T - 5 - step.LOG_W <= 7  # at most 128 elements per thread
            assert step.W_LO + step.LOG_W <= step.T
        assert done == m


# --------------------------------------------------------------------------- bad input


def test_bad_input_is_refused_with_what_would_be_accepted(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(
        ValueError,
        match=r"^fwht_rows: length 6 along axis 1 is not a power of "
        r"two; pad with hadalib.pad_pow2 to 8$",
    ):
        K.fwht_rows(torch.ones(2, 6))
    with pytest.raises(
        ValueError,
        match=r"^fwht_last: length 12 along axis 0 is not a power of "
        r"two; pad with hadalib.pad_pow2 to 16$",
    ):
        K.fwht_last(torch.ones(12, 4), dim=0)
    with pytest.raises(
        ValueError,
        match=r"^fwht_last: length 0 along axis -1 is not a power of "
        r"two; the length must be a power of two \(1, 2, 4, \.\.\.\)$",
    ):
        K.fwht_last(torch.ones(3, 0))
    with pytest.raises(
        TypeError,
        match=r"dtype torch.float64; the Triton kernel accepts "
        r"torch.float32, torch.bfloat16, torch.float16",
    ):
        K.fwht_rows(torch.ones(2, 8, dtype=torch.float64))
    with pytest.raises(TypeError, match="dtype torch.int32"):
        K.fwht_last(torch.ones(8, dtype=torch.int32))
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got ndarray"):
        K.fwht_rows(np.ones((2, 8), dtype=np.float32))
    with pytest.raises(ValueError, match=r"must be 2-D \(rows, n\), got shape \(8,\)"):
        K.fwht_rows(torch.ones(8))
    with pytest.raises(ValueError, match="must be contiguous; pass x.contiguous"):
        K.fwht_rows(torch.ones(8, 4).t())
    with pytest.raises(ValueError, match=r"dim 2 is out of range for a 2-d tensor"):
        K.fwht_last(torch.ones(4, 4), dim=2)
    with pytest.raises(ValueError, match="x is on cpu; the Triton kernel needs a CUDA tensor"):
        K.fwht_rows(torch.ones(2, 8))


def test_without_triton_the_module_imports_and_a_call_says_what_to_install():
    code = (
        "import sys\n"
        "sys.modules['triton'] = None\n"  # as if Triton were not installed
        "import torch\n"
        "from hadalib._fwht_triton import fwht_rows\n"
        "assert 'triton' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "try:\n"
        "    fwht_rows(torch.ones(2, 8))\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "needs Triton" in done.stdout and "pip install triton" in done.stdout


# --------------------------------------------------------------------------- benchmark


def test_the_cuda_benchmark_runs_its_code_on_the_cpu(tmp_path):
    # benchmarks/fwht.py --cuda-only runs on a GPU machine; --dry-run-cpu runs the same
    # code (check, peers, timing, report) on tiny CPU tensors through the interpreter
    pytest.importorskip("triton")
    out = tmp_path / "fwht_cuda.json"
    done = subprocess.run(
        [sys.executable, "benchmarks/fwht.py", "--cuda-only", "--dry-run-cpu", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["check"]["cases"] > 0 and report["check"]["failures"] == []
    assert [case["n"] for case in report["cases"]] == [2**8, 2**16]
    for case in report["cases"]:
        assert {"copy", "triton", "torch_stages"} <= set(case["times"]), case
        assert case["ratio_to_copy"]["copy"] == 1.0


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_the_cuda_benchmark_says_so_and_exits_0_without_cuda():
    done = subprocess.run(
        [sys.executable, "benchmarks/fwht.py", "--cuda-only"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "no CUDA device: the CUDA benchmark is skipped" in done.stdout
