"""The compiled kernels of the fast transform (hadalib._fwht_numba), against the textbook.

Every layout takes a different way through the kernels: rows shorter than a vector, rows
inside one L1 chunk, rows spanning L2 blocks, rows longer than an L2 block, middle axes
with power-of-two and odd strides. Each must equal the stage-by-stage butterfly bit for
bit, on one thread and on several, and write nothing outside its output.

The kernels build their SIMD code through numba internals (``numba.core.cgutils.ir``,
``@intrinsic``, the dispatchers' caches), which are not numba's API: with numba installed,
this module imports the kernels directly, so that a numba release that breaks them fails
here, loudly, instead of hadalib taking its pure path in silence.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import numpy as np
import pytest
from conftest import ROOT
from packaging.requirements import Requirement

numba = pytest.importorskip("numba")  # without numba: the pure path, tested elsewhere

import hadalib._fwht_numba as kernels  # noqa: E402  (not importorskip: an error must show)

# (rows, n, stride): which path each takes is noted for float32 (float64 blocks hold half)
LAYOUTS = [
    (5, 2, 1),  # rows shorter than a vector, with a tail of rows done one by one
    (7, 8, 1),
    (3, 16, 1),  # exactly one vector per row
    (64, 256, 1),  # several rows per L1 chunk, all in registers
    (3, 1024, 1),
    (2, 2**13, 1),  # an L2 block: chunks, then the middle stages
    (1, 2**18, 1),  # wide stages, one pass (2 L2 blocks)
    (1, 2**21, 1),  # wide stages in two passes (16 L2 blocks)
    (3, 8, 2),  # a middle axis: stages inside the vectors from h = stride
    (2, 64, 8),
    (2, 256, 256),  # the first axis of images: vertical stages only
    (1, 2**14, 16),
    (2, 16, 3),  # odd strides: columns left over from the vectors
    (2, 2**13, 3),
    (1, 2**16, 48),
    (1, 2**15, 5),  # odd stride, wide stages
    (1, 2**18, 5),  # odd stride, wide stages in column blocks
    (2, 4, 5001),  # a stride longer than an L1 chunk
    (9, 1, 7),  # n = 1: a copy
]


def textbook(x: np.ndarray, rows: int, n: int, stride: int) -> np.ndarray:
    """Stages h = 1, 2, 4, ... of the butterfly, each on the whole array."""
    y = x.reshape(rows, n, stride).copy()
    h = 1
    while h < n:
        pairs = y.reshape(rows, n // (2 * h), 2, h * stride)
        a, b = pairs[:, :, 0].copy(), pairs[:, :, 1].copy()
        pairs[:, :, 0], pairs[:, :, 1] = a + b, a - b
        h *= 2
    return y.reshape(-1)


@pytest.fixture(params=[False, True], ids=["one thread", "three threads"])
def parallel(request, monkeypatch):
    """Serial, or split over three threads (whatever the machine has)."""
    if request.param:
        monkeypatch.setattr(kernels, "_threads", lambda: 3)
        monkeypatch.setattr(kernels, "_POOL", None)
    yield request.param
    if request.param and kernels._POOL is not None:
        kernels._POOL[1].shutdown()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("rows", "n", "stride"), LAYOUTS)
def test_kernel_equals_the_textbook_butterfly_bit_for_bit(parallel, dtype, rows, n, stride):
    x = np.random.default_rng(n + stride).standard_normal(rows * n * stride).astype(dtype)
    guard = 64
    out = np.full(x.size + 2 * guard, 7.0, dtype)
    y = out[guard:-guard]
    y[:] = np.nan
    kernels.fwht_into(x, y, n, stride, parallel)
    np.testing.assert_array_equal(y, textbook(x, rows, n, stride))
    assert np.all(out[:guard] == 7.0) and np.all(out[-guard:] == 7.0), "wrote outside dst"


def test_read_only_input():
    x = np.arange(64.0)
    x.flags.writeable = False
    y = np.empty_like(x)
    kernels.fwht_into(x, y, 64, 1, False)
    np.testing.assert_array_equal(y, textbook(x, 1, 64, 1))


@pytest.mark.slow
def test_portable_build_gives_the_same_numbers(tmp_path):
    """NUMBA_CPU_NAME=generic (baseline x86-64 or ARM, no AVX): the vectors are split by
    LLVM into whatever the target has, with the same results."""
    code = (
        "import numpy as np, sys\n"
        "from hadalib._fwht_numba import fwht_into\n"
        "x = np.random.default_rng(0).standard_normal(2**17).astype(np.float32)\n"
        "for n, stride in [(2**17, 1), (256, 1), (8, 2), (2**9, 2**8)]:\n"
        "    y = np.empty_like(x)\n"
        "    fwht_into(x, y, n, stride, False)\n"
        "    sys.stdout.buffer.write(y.tobytes())\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    outputs = []
    for cpu in ("generic", None):
        if cpu:
            env["NUMBA_CPU_NAME"] = cpu
        else:
            env.pop("NUMBA_CPU_NAME", None)
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]


def test_the_installed_numba_is_one_the_kernels_were_checked_with():
    """pyproject.toml's ``fast`` extra bounds numba on both sides; the one here is in range."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (pin,) = [
        Requirement(r) for r in project["optional-dependencies"]["fast"] if re.match(r"numba\b", r)
    ]
    assert any(spec.operator == "<" for spec in pin.specifier), pin  # an upper bound
    assert pin.specifier.contains(numba.__version__), (numba.__version__, str(pin))


def test_every_kernel_module_imports_and_its_kernel_compiles_and_runs():
    """The CPU entry points (hadalib._fwht_cpu) find the numba kernel, not the pure path,
    and a small call of each entry compiles and gives the textbook numbers."""
    import hadalib._fwht_cpu as cpu
    import hadalib._fwht_op  # noqa: F401  (the torch operator over the same kernel)
    import hadalib._fwht_triton  # noqa: F401  (imports without Triton)
    from hadalib._checks import env_flag

    if env_flag("HADALIB_PURE"):
        pytest.skip("HADALIB_PURE is set: the kernel is off on purpose")
    assert cpu._kernel() == (kernels.fwht_into, kernels.fwht_rows)
    x = np.arange(32.0, dtype=np.float32)
    y = np.empty_like(x)
    kernels.fwht_rows(x, y, 0, 32, 16, 1)  # two rows of 16
    np.testing.assert_array_equal(y, textbook(x, 2, 16, 1))
    kernels.fwht_into(x, y, 8, 2, True)
    np.testing.assert_array_equal(y, textbook(x, 2, 8, 2))
    np.testing.assert_array_equal(
        cpu.compiled_copy(x.reshape(4, 8), 8, 1), textbook(x, 4, 8, 1).reshape(4, 8)
    )
