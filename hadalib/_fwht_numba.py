"""Compiled Walsh-Hadamard kernels (numba), used by hadalib.transforms when numba is installed.

The butterflies of the reference, arranged for the machine:

- stages are fused in groups of up to three (radix 8): a group reads and writes each
  element once instead of three times;
- the first group of a contiguous axis (h = 1, 2, 4) works on 8 neighbours at a time,
  which LLVM vectorizes with interleaved loads and stores; the other groups work on
  contiguous runs of ``h`` elements, which it vectorizes directly;
- the first group reads the input and writes the output (or the input is copied chunk by
  chunk, while in cache); the other stages work in place on the output;
- the data are processed in cache-sized chunks (several short rows, or a block of one
  long row), and only the stages wider than a chunk sweep the whole row;
- large inputs are split over threads (chunks, then rows).

Layout: ``src`` and ``dst`` are 1-D contiguous arrays holding C-ordered data of shape
``(rows, n, stride)``, transformed along ``n`` (``stride`` = 1 for the last axis);
``src`` and ``dst`` must not overlap.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, wait
from functools import lru_cache

import numba
import numpy as np
from numba import njit

# Elements per cache chunk (float32: 64 KiB, inside L2).
_BLOCK = 1 << 14


@njit(cache=True, inline="always")
def _butterfly4(a0, a1, a2, a3):
    b0, b1, b2, b3 = a0 + a1, a0 - a1, a2 + a3, a2 - a3
    return b0 + b2, b1 + b3, b0 - b2, b1 - b3


@njit(cache=True, inline="always")
def _butterfly8(a0, a1, a2, a3, a4, a5, a6, a7):
    c0, c1, c2, c3 = _butterfly4(a0, a1, a2, a3)
    c4, c5, c6, c7 = _butterfly4(a4, a5, a6, a7)
    return c0 + c4, c1 + c5, c2 + c6, c3 + c7, c0 - c4, c1 - c5, c2 - c6, c3 - c7


@njit(cache=True, inline="always")
def _low8(src, dst, lo, hi):
    """Stages h = 1, 2, 4 of src[lo:hi] (a multiple of 8), written to dst[lo:hi]."""
    # Slices and a loop counted from 0 let LLVM vectorize; a stepped range does not.
    x = src[lo:hi]
    y = dst[lo:hi]
    for k in range(x.shape[0] // 8):
        i = 8 * k
        (y[i], y[i + 1], y[i + 2], y[i + 3], y[i + 4], y[i + 5], y[i + 6], y[i + 7]) = _butterfly8(
            x[i], x[i + 1], x[i + 2], x[i + 3], x[i + 4], x[i + 5], x[i + 6], x[i + 7]
        )


@njit(cache=True, inline="always")
def _run2(x, s, h, j0, j1):
    """Stage h on the pairs (s + j, s + h + j), j0 <= j < j1, in place."""
    # One slice per operand: LLVM then needs no aliasing check to vectorize.
    y0, y1 = x[s + j0 : s + j1], x[s + h + j0 : s + h + j1]
    for j in range(j1 - j0):
        a0, a1 = y0[j], y1[j]
        y0[j], y1[j] = a0 + a1, a0 - a1


@njit(cache=True, inline="always")
def _run4(x, s, h, j0, j1):
    """Stages h, 2h on the quadruples (s + k h + j), k = 0..3, j0 <= j < j1, in place."""
    y0, y1 = x[s + j0 : s + j1], x[s + h + j0 : s + h + j1]
    y2, y3 = x[s + 2 * h + j0 : s + 2 * h + j1], x[s + 3 * h + j0 : s + 3 * h + j1]
    for j in range(j1 - j0):
        y0[j], y1[j], y2[j], y3[j] = _butterfly4(y0[j], y1[j], y2[j], y3[j])


@njit(cache=True, inline="always")
def _run8(x, s, h, j0, j1):
    """Stages h, 2h, 4h on the octuples (s + k h + j), k = 0..7, j0 <= j < j1, in place."""
    y0, y1 = x[s + j0 : s + j1], x[s + h + j0 : s + h + j1]
    y2, y3 = x[s + 2 * h + j0 : s + 2 * h + j1], x[s + 3 * h + j0 : s + 3 * h + j1]
    y4, y5 = x[s + 4 * h + j0 : s + 4 * h + j1], x[s + 5 * h + j0 : s + 5 * h + j1]
    y6, y7 = x[s + 6 * h + j0 : s + 6 * h + j1], x[s + 7 * h + j0 : s + 7 * h + j1]
    for j in range(j1 - j0):
        y0[j], y1[j], y2[j], y3[j], y4[j], y5[j], y6[j], y7[j] = _butterfly8(
            y0[j], y1[j], y2[j], y3[j], y4[j], y5[j], y6[j], y7[j]
        )


@njit(cache=True, inline="always")
def _radix(h, stop):
    """Stages to fuse at h (8, 4 or 2); radix 8 pays off from runs of 64 (measured)."""
    if h >= 64 and 8 * h <= stop:
        return 8
    if 4 * h <= stop:
        return 4
    return 2


@njit(cache=True, inline="always")
def _run(x, s, h, j0, j1, radix):
    if radix == 8:
        _run8(x, s, h, j0, j1)
    elif radix == 4:
        _run4(x, s, h, j0, j1)
    else:
        _run2(x, s, h, j0, j1)


@njit(cache=True)
def _group(x, lo, hi, h, stop):
    """One fused group of stages from h on x[lo:hi] (groups of size <= stop); next h."""
    radix = _radix(h, stop)
    for s in range(lo, hi, radix * h):
        _run(x, s, h, 0, h, radix)
    return h * radix


@njit(cache=True)
def _chunk(src, dst, lo, hi, stride, stop):
    """Stages stride, 2 stride, ... < stop of src[lo:hi], written to dst[lo:hi]."""
    # src and dst are distinct arrays (the wrappers allocate dst), so the first group can
    # read src and write dst: the copy costs no extra pass.
    if stride == 1 and stop >= 8:
        _low8(src, dst, lo, hi)
        h = 8
    else:
        dst[lo:hi] = src[lo:hi]
        h = stride
    while h < stop:
        h = _group(dst, lo, hi, h, stop)


@njit(cache=True)
def _chunk_size(length, stride):
    """Chunk for the first stages: whole rows if short, else stride * 2**k of one row."""
    if length <= _BLOCK:
        return (_BLOCK // length) * length
    m = 2
    while 2 * m * stride <= _BLOCK:
        m *= 2
    return m * stride


@njit(cache=True)
def _wide_stages(x, base, length, h):
    """Stages h, 2h, ... < length on the row x[base:base + length], in place."""
    while h < length:
        h = _group(x, base, base + length, h, length)


@njit(cache=True, nogil=True)
def _chunks(x, y, lo, hi, length, stride):
    """The in-chunk stages of x[lo:hi] into y[lo:hi]; lo and hi on chunk boundaries."""
    chunk = _chunk_size(length, stride)
    stop = min(length, chunk)
    for c in range(lo, hi, chunk):
        _chunk(x, y, c, min(c + chunk, hi), stride, stop)


@njit(cache=True, nogil=True)
def _wide_rows(y, first, last, length, stride):
    """The stages wider than a chunk, in place, for rows first .. last - 1."""
    chunk = _chunk_size(length, stride)
    for a in range(first, last):
        _wide_stages(y, a * length, length, chunk)


@njit(cache=True, nogil=True)
def _fwht_serial(x, y, length, stride):
    """y = WHT of x along the n axis of each (n, stride) slab of `length`; one thread."""
    total = x.shape[0]
    _chunks(x, y, 0, total, length, stride)
    if length > _chunk_size(length, stride):
        _wide_rows(y, 0, total // length, length, stride)


def without_cache() -> None:
    """Stop these kernels from reading (or writing) numba's on-disk cache.

    numba fails, instead of recompiling, when a cache file is damaged (truncated, or
    garbage); after this call every kernel not yet compiled in this process is compiled
    afresh in memory. (numba has no public switch for this: ``cache=True`` installs a
    file cache on each dispatcher, which this replaces by numba's own null cache.)
    """
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    for value in list(globals().values()):
        if isinstance(value, Dispatcher):
            value._cache = NullCache()
            value._compiler._failed_cache.clear()  # failures the damaged cache caused


_POOL: tuple[int, ThreadPoolExecutor] | None = None  # (pid that made it, pool)


@lru_cache(maxsize=1)
def _threads() -> int:
    """numba's thread count: the cores, or the environment variable NUMBA_NUM_THREADS."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def _in_parallel(tasks: list[tuple]) -> None:
    """Run (kernel, *args) tasks on the thread pool (the kernels release the GIL); wait."""
    global _POOL
    if _POOL is None or _POOL[0] != os.getpid():  # a forked child needs its own threads
        _POOL = (os.getpid(), ThreadPoolExecutor(_threads(), thread_name_prefix="hadalib-fwht"))
    futures = [_POOL[1].submit(*task) for task in tasks]
    wait(futures)  # all of them, even if one failed: none may still write after we return
    for future in futures:
        future.result()


def _split(count: int, parts: int, unit: int) -> list[tuple[int, int]]:
    """Split range(count) into up to `parts` contiguous pieces, cut at multiples of unit."""
    units = -(-count // unit)
    step = -(-units // parts) * unit
    return [(lo, min(lo + step, count)) for lo in range(0, count, step)]


def fwht_into(src: np.ndarray, dst: np.ndarray, n: int, stride: int, parallel: bool) -> None:
    """Write into dst the unnormalized WHT of src along n.

    ``src`` and ``dst`` are distinct 1-D contiguous arrays holding ``(rows, n, stride)``
    C-ordered data; n is a power of two. ``parallel`` splits the work over a pool of
    Python threads, one per core (plain threads that block while they wait, so a busy
    machine slows them down no more than it slows one thread).
    """
    length = n * stride
    if not parallel or _threads() == 1:
        _fwht_serial(src, dst, length, stride)
        return
    threads = _threads()
    total = src.shape[0]
    chunk = _chunk_size(length, stride)
    _in_parallel(
        [(_chunks, src, dst, lo, hi, length, stride) for lo, hi in _split(total, threads, chunk)]
    )
    if length <= chunk:
        return
    rows = total // length
    if rows < threads:  # the wide stages of one long row are bound by memory: one thread
        _wide_rows(dst, 0, rows, length, stride)
        return
    _in_parallel([(_wide_rows, dst, a, b, length, stride) for a, b in _split(rows, threads, 1)])
