"""Running the butterflies of the Walsh-Hadamard transform without a GPU kernel (private;
shared by the NumPy path of hadalib.transforms and the torch operator in hadalib._fwht_op).

Both work on C-ordered data of shape ``(rows, n, stride)``, transformed along ``n``:

- :func:`compiled` runs the numba kernel (hadalib._fwht_numba) on float32/float64 NumPy
  buffers (:func:`compiled_copy` allocates the output), when numba is installed and the
  environment variable ``HADALIB_PURE`` is not set; a kernel that fails to load from
  numba's cache is compiled again, once; small inputs go straight to its single-thread
  entry (:func:`one_thread_kernel` gives it to callers that check their arguments
  themselves);
- :func:`stagewise` is the pure path, for every other case: one vectorized NumPy or torch
  addition and subtraction per stage, on any dtype and device.

Importing this module imports neither numba nor torch.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from typing import Any

import numpy as np

from hadalib._checks import env_flag

# The compiled kernel, hadalib._fwht_numba's (fwht_into, its single-thread entry
# fwht_rows), if numba is installed, else False; set on first use, so that importing this
# module does not import numba.
_KERNEL: Any = None
#: ``dtype.char`` of the dtypes the kernel takes: float32, float64.
KERNEL_DTYPES = "fd"
#: Inputs with fewer elements than this run on one thread (starting threads costs more).
PARALLEL_MIN = 1 << 19


def _kernel() -> Any:
    """The compiled kernel, or False for the pure path (numba missing, or HADALIB_PURE set)."""
    global _KERNEL
    if _KERNEL is None:
        pure = env_flag("HADALIB_PURE")  # a value that is not a boolean raises, every call
        _KERNEL = False
        if not pure:
            try:
                from hadalib._fwht_numba import fwht_into, fwht_rows
            except ImportError:
                pass
            else:
                _KERNEL = (fwht_into, fwht_rows)
    return _KERNEL


def one_thread_kernel() -> Any:
    """The kernel's single-thread entry ``rows(src, dst, lo, hi, length, stride)``, or False.

    For small inputs (fewer than ``PARALLEL_MIN`` elements), where a call's fixed cost
    matters: no recovery from a damaged cache; a caller whose call fails goes on to
    :func:`compiled`, which recovers and warns. False whenever the kernel in use is not
    numba's (the pure path, or a kernel that failed).
    """
    kernel = _kernel()
    return bool(kernel) and kernel[1]


def _run(kernel: tuple[Any, Any], src: np.ndarray, dst: np.ndarray, n: int, stride: int) -> None:
    """One call of the kernel: its single-thread entry for small inputs, where a call's fixed
    cost matters (fwht_into's Python layer adds 0.3 to 0.9 µs per call, measured at 2**10),
    else fwht_into with threads."""
    if src.size < PARALLEL_MIN:
        kernel[1](src, dst, 0, src.size, n * stride, stride)
    else:
        kernel[0](src, dst, n, stride, True)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200] if text else ''}"


def compiled(src: np.ndarray, dst: np.ndarray, n: int, stride: int) -> bool:
    """dst = the unnormalized WHT of src by the compiled kernel; False if it cannot run.

    ``src`` and ``dst`` are distinct 1-D contiguous float32 or float64 arrays holding
    ``(rows, n, stride)`` data. False means "use :func:`stagewise`": numba is missing,
    ``HADALIB_PURE`` is set, or the kernel failed. numba loads the kernel from its on-disk
    cache; a damaged cache file (truncated, or written by another version) makes that load
    fail instead of recompiling. Then the kernel is compiled again without the cache, and if
    even that fails, the pure path is used from then on. Either way one RuntimeWarning says
    so.
    """
    global _KERNEL
    kernel = _KERNEL if _KERNEL is not None else _kernel()
    if not kernel:
        return False
    try:
        _run(kernel, src, dst, n, stride)
        return True
    except Exception as error:  # any failure here is the kernel's, not the input's
        first = _first_line(error)
    try:
        from hadalib._fwht_numba import without_cache

        without_cache()
        _run(kernel, src, dst, n, stride)
    except Exception as error:
        _KERNEL = False
        warnings.warn(
            f"hadalib.fwht: the compiled kernel failed ({first}; without numba's cache: "
            f"{_first_line(error)}); using the pure path from now on",
            RuntimeWarning,
            stacklevel=3,
        )
        return False
    warnings.warn(
        f"hadalib.fwht: the compiled kernel could not be loaded ({first}), probably from a "
        "damaged numba cache (see NUMBA_CACHE_DIR); it was compiled again without the cache",
        RuntimeWarning,
        stacklevel=3,
    )
    return True


#: Outputs of at least this many bytes are recycled (see :func:`_recycled_like`).
RECYCLE_MIN = 1 << 18
#: The most bytes of freed outputs kept for reuse.
RECYCLE_MAX = 1 << 27
# Freed output buffers by size in bytes (uint8 arrays), and their total size.
_FREE: dict[int, list[np.ndarray]] = {}
_FREE_LOCK = threading.Lock()
_free_bytes = 0


def _recycle(block: np.ndarray) -> None:
    """Keep the freed buffer ``block`` for the next output of its size (up to RECYCLE_MAX)."""
    global _free_bytes
    with _FREE_LOCK:
        if _free_bytes + block.nbytes <= RECYCLE_MAX:
            _FREE.setdefault(block.nbytes, []).append(block)
            _free_bytes += block.nbytes


def _recycled_like(src: np.ndarray) -> np.ndarray:
    """``np.empty_like(src)`` (C order) for src of RECYCLE_MIN bytes or more, in a buffer
    recycled from a freed output where one of its size is kept.

    Why: fresh memory costs a page fault per 4 KiB page (the kernel clears each page on first
    touch). glibc's malloc gives large blocks back to the system when they are freed, from
    the top of its heap or as whole mappings, so two live outputs of 4 MiB (a forward and
    its backward, or any two calls in a row) made every call fault its output in afresh:
    two calls at 2**20 float32 cost 4 to 9 ms against 0.5 to 0.9 ms for one, with about 1000
    page faults per pair (``resource.getrusage``; none with this). A freed output's buffer is
    therefore kept here, up to RECYCLE_MAX bytes in all, for the next output of its size: the
    array is a view of it through a ``memoryview``, whose finalizer returns the buffer once
    no array or tensor uses it any more (views of the output keep the memoryview alive).
    """
    nbytes = src.nbytes
    global _free_bytes
    with _FREE_LOCK:
        free = _FREE.get(nbytes)
        if free:
            block = free.pop()
            _free_bytes -= nbytes
        else:
            block = None
    if block is None:
        block = np.empty(nbytes, np.uint8)
    view = memoryview(block)
    weakref.finalize(view, _recycle, block).atexit = False
    return np.frombuffer(view, src.dtype).reshape(src.shape)


def compiled_copy(src: np.ndarray, n: int, stride: int) -> np.ndarray | None:
    """The unnormalized WHT along n of the C-contiguous ``(rows, n, stride)`` array src, as a
    new array of its shape, by :func:`compiled`; None where that cannot run (not native
    float32/float64, empty, n == 1, or no kernel): the caller then takes :func:`stagewise`.

    The output comes from NumPy's allocator, which asks for huge pages where torch's takes
    one page fault per 4 KiB: a 32 MiB output costs 3 times the transform when torch
    allocates it (measured); from RECYCLE_MIN bytes on it reuses a freed output's buffer
    (:func:`_recycled_like`).
    """
    dtype = src.dtype
    if dtype.char not in KERNEL_DTYPES or not dtype.isnative or not src.size or n < 2:
        return None
    dst = np.empty(src.shape, dtype) if src.nbytes < RECYCLE_MIN else _recycled_like(src)
    if src.ndim == 1:  # reshape(-1) costs 0.1 µs, a tenth of the kernel's call at 2**10
        return dst if compiled(src, dst, n, stride) else None
    return dst if compiled(src.reshape(-1), dst.reshape(-1), n, stride) else None


def _stage_views(x: Any, rows: int, n: int, stride: int, h: int) -> tuple[Any, Any]:
    """The two halves (j, j + h) of every butterfly of stage h, as views of x."""
    pairs = x.reshape(rows, n // (2 * h), 2, h * stride)
    return pairs[:, :, 0], pairs[:, :, 1]


def stagewise(x: Any, rows: int, n: int, stride: int) -> Any:
    """Unnormalized WHT along n of a contiguous (rows, n, stride) array or tensor (new).

    The pure path: one vectorized NumPy/torch operation pair per stage, ping-ponging
    between two buffers (no Python loop over elements); same dtype and device as ``x``.
    """
    tensor = not isinstance(x, np.ndarray)
    src = x.clone() if tensor else x.copy()
    dst = src.new_empty(src.shape) if tensor else np.empty_like(src)
    if tensor:
        import torch

        add, subtract = torch.add, torch.sub
    else:
        add, subtract = np.add, np.subtract
    h = 1
    while h < n:
        a, b = _stage_views(src, rows, n, stride, h)
        lo, hi = _stage_views(dst, rows, n, stride, h)
        add(a, b, out=lo)
        subtract(a, b, out=hi)
        src, dst = dst, src
        h *= 2
    return src
