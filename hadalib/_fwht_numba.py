"""Compiled Walsh-Hadamard kernels (numba), used by hadalib.transforms when numba is installed.

The butterflies of the reference, arranged for the machine:

- the data are moved in vectors of 64 bytes with AVX-512 (16 float32 or 8 float64 lanes),
  else 32 bytes; a few numba intrinsics below give LLVM these vectors directly, so it emits
  SIMD code for the target (AVX-512, AVX2, SSE2, NEON) without relying on its
  auto-vectorizers;
- the stages inside a vector (h = 1, 2, 4, 8 for 16 lanes) are one shuffle and one
  multiply-add by +-1 each, which is exact: ``fmuladd(v, -1, p)`` rounds ``p - v`` once;
- the other stages are fused in groups of up to four (radix 16): 16 vectors are loaded,
  go through four stages in registers and are stored, so each pass over the data does four
  stages. Radix 8 where 16 vectors do not fit in the registers (AVX2, NEON, SSE2) and where
  they lie 4 KiB or more apart (they would all compete for one set of the L1 cache);
- the first pass reads the input and writes the output (no separate copy); the data are
  processed in L1-sized chunks (16 KiB: several short rows, or a block of one long row),
  then in L2-sized blocks (512 KiB), and only the stages wider than that sweep the whole
  row, one column block at a time;
- large inputs are split over threads (rows; or, for a few long rows, chunks then columns).

Every element goes through the same additions in the same order as in the textbook
butterfly (stages h = 1, 2, 4, ... in turn), so the results equal the reference's bit for
bit and do not depend on the number of threads.

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
from numba import njit, types
from numba.core import cgutils
from numba.core.extending import intrinsic

ir = cgutils.ir  # llvmlite's IR builder, which numba's own intrinsics use

_L1_BYTES = 1 << 14  # a chunk of the first stages: half of a 32 KiB L1 data cache
_L2_BYTES = 1 << 19  # a block of the middle stages, and the scratch of the wide ones (half
# of the 1 MiB L2 of Zen 4 and Skylake-SP and later; measured: 256 KiB is slower there)
_SET_BYTES = 1 << 12  # rows this far apart share an L1 set (64 sets of 64 bytes)

# --------------------------------------------------------------------------- SIMD code
# The butterflies are emitted as LLVM IR on vectors (numba intrinsics): LLVM turns them
# into the target's SIMD instructions, with no auto-vectorizer in the way. The code is
# compiled for the machine it runs on (numba caches one build per CPU and its features).


def _avx512(context) -> bool:
    """Whether numba compiles for a CPU with AVX-512 (32 vector registers of 64 bytes)."""
    return "+avx512f" in context.codegen().magic_tuple()[2].split(",")


def _lanes_of(context, dtype: types.Type) -> int:
    """Elements per vector: 64 bytes with AVX-512, else 32 (two SSE or NEON registers)."""
    return (64 if _avx512(context) else 32) * 8 // dtype.bitwidth


@intrinsic
def _lanes(typingctx, x):
    """Elements per vector of array x (a compile-time constant)."""

    def codegen(context, builder, sig, args):
        return context.get_constant(types.intp, _lanes_of(context, x.dtype))

    return types.intp(x), codegen


class _Vectors:
    """Loads and stores of vectors of one array, and the arithmetic on them."""

    def __init__(self, context, builder, array_type, array):
        self.builder = builder
        self.data = context.make_array(array_type)(context, builder, array).data
        self.align = array_type.dtype.bitwidth // 8
        self.type = ir.VectorType(self.data.type.pointee, _lanes_of(context, array_type.dtype))
        bits = array_type.dtype.bitwidth
        self.fmuladd = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(self.type, [self.type] * 3),
            f"llvm.fmuladd.v{self.type.count}f{bits}",
        )

    def pointer(self, index):
        return self.builder.bitcast(self.builder.gep(self.data, [index]), self.type.as_pointer())

    def load(self, index):
        return self.builder.load(self.pointer(index), align=self.align)

    def store(self, index, value):
        self.builder.store(value, self.pointer(index), align=self.align)

    def butterfly(self, a, b):
        """(a + b, a - b); a - b as a + (-1) b, which CPUs with separate add and FMA units
        run on the latter (exact: the product by -1 is)."""
        minus_one = ir.Constant(self.type, [-1.0] * self.type.count)
        return self.builder.fadd(a, b), self.builder.call(self.fmuladd, [b, minus_one, a])

    def inside(self, v, h):
        """Stage h inside v: lane i gets v[i] + v[i ^ h], or v[i ^ h] - v[i] if bit h is set."""
        lanes = self.type.count
        mask = ir.Constant(ir.VectorType(ir.IntType(32), lanes), [i ^ h for i in range(lanes)])
        partner = self.builder.shuffle_vector(v, v, mask)
        sign = ir.Constant(self.type, [-1.0 if i & h else 1.0 for i in range(lanes)])
        return self.builder.call(self.fmuladd, [v, sign, partner])


def _emit_runs(builder, source, target, args, r, staged):
    """The loop of _butterflies for radix r."""
    i, hs, o, hd, run = args
    intp = i.type

    def at(start, distance, k):
        return builder.add(start, builder.mul(distance, ir.Constant(intp, k)))

    zero, step = ir.Constant(intp, 0), ir.Constant(intp, source.type.count)
    with cgutils.for_range_slice(builder, zero, run, step, intp) as (j, _):
        first, last = builder.add(i, j), builder.add(o, j)
        v = [source.load(at(first, hs, k)) for k in range(r)]
        h = 1
        while staged and h < source.type.count:
            v = [source.inside(x, h) for x in v]
            h *= 2
        h = 1
        while h < r:
            for k in range(r):
                if not k & h:
                    v[k], v[k + h] = source.butterfly(v[k], v[k + h])
            h *= 2
        for k in range(r):
            target.store(at(last, hd, k), v[k])


@intrinsic
def _butterflies(typingctx, inside, src, i, hs, dst, o, hd, radix, run):
    """Stages hs, 2 hs, ..., radix hs / 2 on src[i + k hs + j] into dst[o + k hd + j], for
    k < radix (1, 2, 4, 8 or 16) and j < run (a multiple of the vector length).

    With `inside` not None, each vector first goes through all the stages inside it (the
    first pass of a contiguous axis). The `radix` vectors are loaded, transformed in
    registers and stored, so src may be dst.
    """
    staged = not isinstance(inside, types.NoneType)

    def codegen(context, builder, sig, args):
        source = _Vectors(context, builder, sig.args[1], args[1])
        target = _Vectors(context, builder, sig.args[4], args[4])
        radix = args[7]
        done = builder.append_basic_block("butterflies.done")
        switch = builder.switch(radix, done)
        for r in (1, 2, 4, 8, 16):
            block = builder.append_basic_block(f"radix{r}")
            switch.add_case(ir.Constant(radix.type, r), block)
            with builder.goto_block(block):
                _emit_runs(builder, source, target, [args[k] for k in (2, 3, 5, 6, 8)], r, staged)
                builder.branch(done)
        builder.position_at_end(done)
        return context.get_dummy_value()

    return types.none(inside, src, i, hs, dst, o, hd, radix, run), codegen


@intrinsic
def _some_inside(typingctx, src, dst, lo, hi, first, stop):
    """The stages first <= h < stop inside each vector of src[lo:hi] (whole vectors), into
    dst: a short or strided axis, rare, so not fused with the next stages."""

    def codegen(context, builder, sig, args):
        src_value, dst_value, lo, hi, first, stop = args
        source = _Vectors(context, builder, sig.args[0], src_value)
        target = _Vectors(context, builder, sig.args[1], dst_value)
        step = ir.Constant(lo.type, source.type.count)
        with cgutils.for_range_slice(builder, lo, hi, step, lo.type) as (index, _):
            v, h = source.load(index), 1
            while h < source.type.count:
                stage = ir.Constant(first.type, h)
                wanted = builder.and_(
                    builder.icmp_signed("<=", first, stage), builder.icmp_signed("<", stage, stop)
                )
                v = builder.select(wanted, source.inside(v, h), v)
                h *= 2
            target.store(index, v)
        return context.get_dummy_value()

    return types.none(src, dst, lo, hi, first, stop), codegen


@njit(cache=True)
def _runs(inside, src, i, hs, dst, o, hd, radix, run):
    """_butterflies, compiled once (it is large) and called from everywhere."""
    _butterflies(inside, src, i, hs, dst, o, hd, radix, run)


@njit(cache=True)
def _scalar_runs(src, i, dst, h, radix, j0, j1):
    """Stages h .. radix h / 2 at i on the columns j0 <= j < j1, element by element."""
    for j in range(j0, j1):
        for k in range(radix):
            dst[i + j + k * h] = src[i + j + k * h]
    g = h
    while g < radix * h:
        for s in range(i, i + radix * h, 2 * g):
            for t in range(s, s + g, h):
                for j in range(t + j0, t + j1):
                    a, b = dst[j], dst[j + g]
                    dst[j], dst[j + g] = a + b, a - b
        g *= 2


@njit(cache=True)
def _pass(inside, src, dst, lo, hi, h, radix):
    """Stages h .. radix h / 2 on [lo, hi), src -> dst (after those inside each vector)."""
    lanes = _lanes(src)
    if radix == 1:  # the stages inside the vectors only, or a copy
        vectors = hi - (hi - lo) % lanes
        _runs(inside, src, lo, 0, dst, lo, 0, 1, vectors - lo)
        dst[vectors:hi] = src[vectors:hi]
        return
    vectors = h - h % lanes  # an odd stride leaves a few columns to do one by one
    for s in range(lo, hi, radix * h):
        _runs(inside, src, s, h, dst, s, h, radix, vectors)
        if vectors < h:
            _scalar_runs(src, s, dst, h, radix, vectors, h)


# --------------------------------------------------------------------------- passes


@intrinsic
def _register_radix(typingctx):
    """16 with AVX-512, else 8: the vectors of a radix group must fit in the registers."""

    def codegen(context, builder, sig, args):
        return context.get_constant(types.intp, 16 if _avx512(context) else 8)

    return types.intp(), codegen


@njit(cache=True)
def _radix(h, stop, distance):
    """Stages to fuse from h (groups of `stop`), the rows `distance` bytes apart."""
    top = _register_radix() if distance < _SET_BYTES else 8
    radix = 1
    while radix < top and radix * h < stop:
        radix *= 2
    return radix


@njit(cache=True)
def _stages(x, lo, hi, h, stop):
    """Stages h, 2h, ... < stop, in place on x[lo:hi]."""
    while h < stop:
        radix = _radix(h, stop, h * x.itemsize)
        _pass(None, x, x, lo, hi, h, radix)
        h *= radix


@njit(cache=True)
def _chunk(src, dst, lo, hi, stride, stop):
    """Stages stride, 2 stride, ... < stop of src[lo:hi], written to dst[lo:hi]."""
    lanes = _lanes(src)
    h = stride
    if stride == 1 and stop >= lanes:  # the usual case: fused with the next stages
        h = lanes
        radix = _radix(h, stop, h * src.itemsize)
        _pass(0, src, dst, lo, hi, h, radix)
    else:
        if stride < lanes and stride & (stride - 1) == 0:  # stages inside the vectors
            h = min(lanes, stop)
            _some_inside(src, dst, lo, hi, stride, h)
            src = dst
        radix = _radix(h, stop, h * src.itemsize)
        _pass(None, src, dst, lo, hi, h, radix)
    _stages(dst, lo, hi, h * radix, stop)


@njit(cache=True)
def _block_size(length, stride, size):
    """Elements per cache block: whole rows if they fit, else stride * 2**k of one row."""
    if length <= size:
        return (size // length) * length
    block = stride
    while 2 * block <= size:
        block *= 2
    return block


@njit(cache=True)
def _blocks(x):
    """(L1 chunk, L2 block) sizes in elements for arrays of x's dtype."""
    return _L1_BYTES // x.itemsize, _L2_BYTES // x.itemsize


@njit(cache=True, nogil=True)
def _chunks(src, dst, lo, hi, length, stride):
    """All stages inside L2 blocks of src[lo:hi] into dst (lo, hi on block boundaries)."""
    l1, l2 = _blocks(src)
    chunk, block = _block_size(length, stride, l1), _block_size(length, stride, l2)
    chunk_stop, block_stop = min(length, chunk), min(length, block)
    for b in range(lo, hi, block):
        end = min(b + block, hi)
        for c in range(b, end, chunk):
            _chunk(src, dst, c, min(c + chunk, end), stride, chunk_stop)
        _stages(dst, b, end, chunk_stop, block_stop)


@njit(cache=True)
def _wide_columns(length, stride, x):
    """(L2 block, columns per column block) of the stages wider than an L2 block."""
    lanes = _lanes(x)
    block = _block_size(length, stride, _blocks(x)[1])
    rows = length // block
    columns = block
    while columns > lanes and rows * columns * x.itemsize > _L2_BYTES:
        columns //= 2
    return block, columns


@njit(cache=True, nogil=True)
def _wide(x, base, length, stride, c0, c1):
    """The stages wider than an L2 block, in place, on columns c0 <= c < c1 of the row at
    base seen as rows of L2 blocks; one column block (that fits in L2) at a time.

    (Gathering each column block into a contiguous buffer, against the cache conflicts of
    rows a power of two apart, measured slower than these passes.)
    """
    block, columns = _wide_columns(length, stride, x)
    lanes = _lanes(x)
    for c in range(c0, c1, columns):
        width = min(columns, c1 - c)
        vectors = width - width % lanes
        h = block
        while h < length:
            radix = _radix(h, length, h * x.itemsize)
            for s in range(base, base + length, radix * h):
                for q in range(s, s + h, block):
                    _runs(None, x, q + c, h, x, q + c, h, radix, vectors)
                    if vectors < width:
                        _scalar_runs(x, q, x, h, radix, c + vectors, c + width)
            h *= radix


@njit(cache=True, nogil=True)
def fwht_rows(src, dst, lo, hi, length, stride):
    """dst[lo:hi] = the WHT of src[lo:hi] (whole rows of `length` elements); one thread."""
    lanes = _lanes(src)
    if length >= lanes:
        vectors = hi
    elif lanes % length == 0:  # several rows per vector
        vectors = hi - (hi - lo) % lanes
    else:  # short rows of an odd length: element by element
        vectors = lo
    if vectors > lo:
        _chunks(src, dst, lo, vectors, length, stride)
        block = _block_size(length, stride, _blocks(src)[1])
        if length > block:
            for base in range(lo, hi, length):
                _wide(dst, base, length, stride, 0, block)
    for base in range(vectors, hi, length):  # rows of a tail shorter than a vector
        _scalar_runs(src, base, dst, stride, length // stride, 0, stride)


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
    length, total = n * stride, src.shape[0]
    threads = _threads() if parallel else 1
    if threads == 1:
        fwht_rows(src, dst, 0, total, length, stride)
        return
    rows = total // length if length else 0
    if rows >= threads:
        pieces = _split(rows, threads, 1)
        _in_parallel(
            [(fwht_rows, src, dst, a * length, b * length, length, stride) for a, b in pieces]
        )
        return
    block, columns = _wide_columns(length, stride, src) if rows else (0, 0)
    if length <= block or not rows:
        fwht_rows(src, dst, 0, total, length, stride)
        return
    # a few long rows: their L2 blocks, then the columns of their wide stages
    pieces = _split(total, threads, block)
    _in_parallel([(_chunks, src, dst, lo, hi, length, stride) for lo, hi in pieces])
    pieces = _split(block, threads, columns)
    _in_parallel(
        [
            (_wide, dst, base, length, stride, c0, c1)
            for base in range(0, total, length)
            for c0, c1 in pieces
        ]
    )
