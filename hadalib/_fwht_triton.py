"""Walsh-Hadamard transform of CUDA tensors: a Triton kernel (private; hadalib.transforms
calls it for CUDA tensors).

``fwht_rows(x)`` transforms the rows of a contiguous (rows, n) tensor, ``fwht_last(x, dim)``
any axis of any tensor. Both return the unnormalized natural-order transform in x's dtype
(float32, bfloat16 or float16), computed in float32, outside autograd (the transform is
its own adjoint, so the caller's backward is the same call).

Design: butterflies on registers, one pass over memory
------------------------------------------------------
The transform is memory-bound on a GPU: n log2(n) additions for 2 n elements moved, so the
aim is to read and write each element once, like a copy. A program loads a tile of 2**T
elements with 16-byte vector loads, keeps it in registers, applies every butterfly stage
there and stores the result: one read and one write per element (``(rows, n)`` float32:
8 bytes per element, as ``y.copy_(x)``). The stages are exact float32 additions, the same
numbers as the textbook butterfly (bit for bit in float32 input).

- The tile is seen as a hypercube of shape (2, 2, ..., 2), one axis per index bit. Stage
  ``h = 2**i`` fetches each element's partner along the axis of bit i, exactly: the sum
  over that axis of size 2 of the integer bit patterns, minus one's own, is the partner's
  (``tl.flip`` and ``tl.sort`` swap with the same kind of reduction); then
  ``y = partner + sign * x``, sign -1 on the upper half (one exact fused multiply-add).
- Where the partner lives decides the cost: a bit held in a thread's registers costs one
  add; a bit spread over the 32 lanes of a warp one shuffle; a bit spread over warps a trip
  through shared memory with barriers. The tile is therefore laid out (C, W, L): L, the
  fastest, is 32 lanes x one 16-byte vector of contiguous elements (coalesced); W, one
  index per warp, is put on row bits where the tile holds several rows, so that no stage
  crosses warps; C, held in registers, takes the remaining bits. n <= 2**11: several rows
  per program, a warp per row, no shared memory. n = 2**12 .. 2**15: one or two rows per
  program with 128 elements per thread (the register file bounds the tile); the top 0..3
  bits cross warps.
- Static count on sm_90 (compiled ahead of time with Triton 3.6 and 3.9, SASS per
  element): 10-20 instructions up to n = 2**12 (5 shuffles, no shared memory), 26-28 at
  2**13, 32-45 at 2**14..2**15 (the warp-crossing stages: Triton 3.9 exchanges them in
  chunks with spills at 255 registers, 3.6 through shared memory holding the tile, up to
  128 KiB). The budget of a memory-bound pass is about 80 instructions per element in
  float32 and 40 in 16 bits (H100: 3.35 TB/s over 132 SMs issuing 128 thread-instructions
  per clock), so float32 should run near copy speed throughout and 16-bit types up to
  about 2**13; at 2**14..2**15 a row fills an SM's registers (one program per SM, whose
  load, compute and store no longer overlap within the SM). benchmarks/fwht.py measures it.
- Why not tensor cores (HadaCore): float32 data would need three bfloat16 parts per
  matrix factor to stay exact, and each ``tl.dot`` moves its operands through shared
  memory; the butterflies need no extra precision and fewer instructions.

n > 2**15 is composed, WHT_n = WHT_a (x) WHT_b: one pass over a contiguous (rows * a, b)
view for b = 2**11 .. 2**15, then one pass per 4-5 more bits over the strided view
(rows, a', b'), whose tiles hold all a' values of 512-1024 contiguous columns in
registers (every stage one add). Each pass reads and writes the tensor once; 16-bit
inputs keep the intermediate in a float32 buffer (12 bytes per element over two passes
instead of 8), so that every result is the float32 transform rounded once.

``fwht_last`` moves the axis last with ``movedim(dim, -1).contiguous()``: for an axis other
than the last that is one extra copy (a read and a write of the tensor) by torch, and the
result is returned as a view with the axis back in place.

Triton APIs used, all present since Triton 2.x: ``triton.jit`` (with
``do_not_specialize``), ``tl.constexpr``, ``tl.program_id``, ``tl.arange``, masked
``tl.load``/``tl.store``, ``tl.reshape``, ``tl.expand_dims``, ``tl.sum``, ``tl.minimum``,
``tl.static_range``, ``Tensor.to`` (casts and bitcasts), and the launch options
``num_warps`` and ``enable_fp_fusion``. Checked with Triton 3.6.0 and 3.9.0: the tests in
the interpreter, and compilation for sm_90. Triton is imported on first use, so this
module imports without it; with ``TRITON_INTERPRET=1`` the kernel also runs on CPU
tensors (the tests do that).
"""

from __future__ import annotations

import contextlib
import math
import os
from functools import lru_cache
from typing import Any, NamedTuple

#: The longest transform done in one pass over memory (a row fills an SM's registers).
MAX_ONE_PASS = 2**15
#: Longest supported row: in-tile offsets are 32-bit.
MAX_LENGTH = 2**30
_DTYPES = ("float32", "bfloat16", "float16")

# triton.language, set by _kernel() on first use; the kernel bodies below read it then.
tl: Any = None

# ----------------------------------------------------------------------------- kernel
# Plain functions, turned into Triton JIT functions by _kernel() once Triton is imported.


def _butterfly(
    h,
    BIT: tl.constexpr,
    LOG_L: tl.constexpr,
    W_LO: tl.constexpr,
    LOG_W: tl.constexpr,
    T: tl.constexpr,
):
    """Stage 2**BIT: (a, b) -> (a + b, a - b) along the axis of tile bit BIT of hypercube h."""
    # the axis: the tile is laid out (C, W, L), L fastest (see _fwht_pass)
    if BIT < LOG_L:
        RANK: tl.constexpr = BIT
    elif BIT < W_LO:
        RANK: tl.constexpr = BIT + LOG_W
    elif BIT < W_LO + LOG_W:
        RANK: tl.constexpr = BIT - W_LO + LOG_L
    else:
        RANK: tl.constexpr = BIT
    AXIS: tl.constexpr = T - 1 - RANK
    bits = h.to(tl.int32, bitcast=True)
    # (x + partner) - x == partner in wrapping integer arithmetic: an exact swap
    swapped = tl.expand_dims(tl.sum(bits, axis=AXIS), AXIS) - bits
    partner = swapped.to(tl.float32, bitcast=True)
    upper = tl.reshape(tl.arange(0, 2), [1] * AXIS + [2] + [1] * (T - 1 - AXIS))
    sign = (1 - 2 * upper).to(tl.float32)
    return partner + sign * h


def _memory_offset(j, LOG_BS: tl.constexpr, LOG_N: tl.constexpr, LOG_S: tl.constexpr):
    """Element offset of tile index j = (row, a, s) in the (rows, N, S) view."""
    BS: tl.constexpr = 1 << LOG_BS
    N: tl.constexpr = 1 << LOG_N
    return (j % BS) + ((j // BS) % N) * (1 << LOG_S) + (j // (BS * N)) * (N << LOG_S)


def _fwht_pass(
    x_ptr,
    y_ptr,
    rows,
    LOG_N: tl.constexpr,
    LOG_S: tl.constexpr,
    LOG_BS: tl.constexpr,
    T: tl.constexpr,
    LOG_L: tl.constexpr,
    W_LO: tl.constexpr,
    LOG_W: tl.constexpr,
):
    """WHT along N of the contiguous (rows, N, S) view; y may be x (tiles are disjoint).

    A program owns a tile of 2**T elements: index j has LOG_BS bits of s (contiguous
    columns s0 + s), LOG_N bits of the transformed index a, and T - LOG_BS - LOG_N bits of
    row. Its layout (C, W, L): L = j bits [0, LOG_L), W = j bits [W_LO, W_LO + LOG_W)
    (one value per warp), C = the other bits (registers); loaded as a (C * W, L) tile.
    """
    L: tl.constexpr = 1 << LOG_L
    W: tl.constexpr = 1 << LOG_W
    C_LO: tl.constexpr = 1 << (W_LO - LOG_L)
    C: tl.constexpr = 1 << (T - LOG_L - LOG_W)
    ROWS_PER_TILE: tl.constexpr = 1 << (T - LOG_BS - LOG_N)
    BLOCKS_PER_ROW: tl.constexpr = 1 << (LOG_S - LOG_BS)

    pid = tl.program_id(0)
    row0 = (pid // BLOCKS_PER_ROW).to(tl.int64) * ROWS_PER_TILE
    s0 = (pid % BLOCKS_PER_ROW) * (1 << LOG_BS)
    base = row0 * (1 << (LOG_N + LOG_S)) + s0

    # Tile row r = c * W + w: the warps take its low bits (one r per warp), the registers
    # the high ones. A 2-D tile: its order (L fastest) leaves the compiler no choice.
    r = tl.arange(0, C * W)
    c = r // W
    jr = (c % C_LO) * L + (c // C_LO) * (1 << (W_LO + LOG_W)) + (r % W) * (1 << W_LO)
    jl = tl.arange(0, L)
    # L lies inside the contiguous bits: its offset is its index
    offsets = _memory_offset(jr, LOG_BS, LOG_N, LOG_S)[:, None] + jl[None, :]
    ROW: tl.constexpr = 1 << (LOG_BS + LOG_N)
    # rows - row0 may need 64 bits, the rows left in this tile do not
    rows_left = tl.minimum(rows - row0, ROWS_PER_TILE).to(tl.int32)
    mask = ((jr // ROW)[:, None] + (jl // ROW)[None, :]) < rows_left

    x = tl.load(x_ptr + base + offsets, mask=mask, other=0.0).to(tl.float32)
    h = tl.reshape(x, [2] * T)
    for i in tl.static_range(LOG_N):
        h = _butterfly(h, LOG_BS + i, LOG_L, W_LO, LOG_W, T)
    y = tl.reshape(h, [C * W, L])
    tl.store(y_ptr + base + offsets, y.to(y_ptr.dtype.element_ty), mask=mask)


_JIT_HELPERS = ("_butterfly", "_memory_offset")


@lru_cache(maxsize=1)
def _kernel() -> Any:
    """The Triton kernel, compiled lazily; ImportError with the remedy if Triton is absent."""
    global tl
    try:
        import triton
        import triton.language as language
    except ImportError as error:
        raise ImportError(
            "hadalib's CUDA kernel for the Walsh-Hadamard transform needs Triton "
            f"({error}); install it with `pip install triton` (it comes with CUDA builds "
            "of torch)"
        ) from error
    tl = language
    # the kernel finds its helpers by name among this module's globals, compiled
    for name in _JIT_HELPERS:
        globals()[name] = triton.jit(globals()[name])
    # one compiled kernel per tile shape and dtype, whatever the number of rows
    return triton.jit(do_not_specialize=["rows"])(_fwht_pass)


# ----------------------------------------------------------------------------- plan


class _Pass(NamedTuple):
    """One launch: the constexpr parameters of _fwht_pass (its warps: 2**LOG_W)."""

    LOG_N: int
    LOG_S: int
    LOG_BS: int
    T: int
    LOG_L: int
    W_LO: int
    LOG_W: int

    def grid(self, rows: int) -> int:
        """Programs for the (rows, 2**LOG_N, 2**LOG_S) view: tiles of rows x columns."""
        rows_per_tile = 1 << (self.T - self.LOG_BS - self.LOG_N)
        return -(-rows // rows_per_tile) << (self.LOG_S - self.LOG_BS)


# Row passes: log2(n) -> (T, LOG_W). Up to 2**11 a warp holds whole rows (W on row bits,
# 16-64 elements per thread); above, 128 elements per thread and 0..3 warp-crossing bits.
_ROW_TILES = {12: (13, 1), 13: (13, 1), 14: (14, 2), 15: (15, 3)}


def _log_vector(itemsize: int) -> int:
    """log2 of the elements in one 16-byte vector."""
    return (16 // itemsize).bit_length() - 1


def _row_pass(log_n: int, itemsize: int) -> _Pass:
    """Transform the rows of a contiguous (rows, 2**log_n) tensor in one pass."""
    t, log_w = _ROW_TILES.get(log_n, (max(log_n + 2, 11), 2))
    log_l = min(5 + _log_vector(itemsize), t - log_w)
    # warps on the lowest bits above the row and above L (row bits), else on the top bits
    w_lo = max(log_n, log_l)
    if w_lo + log_w > t:
        w_lo = t - log_w
    return _Pass(log_n, 0, 0, t, log_l, w_lo, log_w)


def _column_pass(log_a: int, log_s: int, itemsize: int) -> _Pass:
    """Transform axis 1 of a contiguous (rows, 2**log_a, 2**log_s) tensor in one pass.

    A tile holds all 2**log_a values of BS = 4 warps x 32 lanes x one vector contiguous
    columns: every stage is in registers.
    """
    log_l = 5 + _log_vector(itemsize)
    return _Pass(log_a, log_s, log_l + 2, log_a + log_l + 2, log_l, log_l, 2)


@lru_cache(maxsize=256)
def _plan(n: int, itemsize: int) -> tuple[_Pass, ...]:
    """The passes transforming the rows of a contiguous (rows, n) tensor, in order."""
    m = n.bit_length() - 1
    if n <= MAX_ONE_PASS:
        return (_row_pass(m, itemsize),)
    # column passes of 2**bits x one vector = 128 float32 registers per thread
    bits = 7 - _log_vector(itemsize)
    count = -(-(m - 15) // bits)
    first = m - count * bits  # the row pass takes the remainder (11..15 bits)
    columns = (_column_pass(bits, first + k * bits, itemsize) for k in range(count))
    return (_row_pass(first, itemsize), *columns)


# ----------------------------------------------------------------------------- API


def _interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET", "").strip().lower() in ("1", "true", "yes", "on")


def _check(x: Any, func: str) -> None:
    """Refuse what the kernel cannot take, naming the value and what would be accepted."""
    import torch

    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{func}: x must be a torch.Tensor, got {type(x).__name__}")
    dtype = str(x.dtype).removeprefix("torch.")
    if dtype not in _DTYPES:
        raise TypeError(
            f"{func}: x has dtype {x.dtype}; the Triton kernel accepts "
            f"{', '.join('torch.' + d for d in _DTYPES)} (convert with x.float())"
        )


def _check_length(n: int, dim: int, func: str) -> None:
    # hadalib._checks imports NumPy, which the CUDA benchmark runs without: imported for
    # the library's one power-of-two rule and message
    from hadalib._checks import check_pow2

    check_pow2(n, f"{func}: length {n} along axis {dim}")
    if n > MAX_LENGTH:
        raise ValueError(f"{func}: length {n} along axis {dim} is longer than 2**30")


def _check_device(x: Any, func: str) -> None:
    if x.device.type != "cuda" and not _interpreting():
        raise ValueError(
            f"{func}: x is on {x.device}; the Triton kernel needs a CUDA tensor "
            "(or TRITON_INTERPRET=1 to interpret it on the CPU)"
        )


def fwht_rows(x: Any) -> Any:
    """Unnormalized natural-order WHT of each row of a contiguous (rows, n) CUDA tensor.

    n is a power of two up to 2**30: one pass over memory up to 2**15, composed beyond
    (16-bit dtypes then keep the intermediate in a float32 buffer, so that every dtype is
    rounded once, at the end). dtype float32, bfloat16 or float16, kept; float32 inside.
    Returns a new tensor; x is not modified.
    """
    _check(x, "fwht_rows")
    if x.ndim != 2:
        raise ValueError(f"fwht_rows: x must be 2-D (rows, n), got shape {tuple(x.shape)}")
    if not x.is_contiguous():
        raise ValueError("fwht_rows: x must be contiguous; pass x.contiguous(), or use fwht_last")
    rows, n = x.shape
    _check_length(n, 1, "fwht_rows")
    _check_device(x, "fwht_rows")
    import torch

    kernel = _kernel()
    y = x.new_empty(x.shape)
    if rows == 0:
        return y
    passes = _plan(n, x.element_size())
    work = y
    if len(passes) > 1 and x.element_size() < 4:
        work = torch.empty(x.shape, dtype=torch.float32, device=x.device)
    src = x
    # Triton launches on the current device: make it x's
    with torch.cuda.device(x.device) if x.is_cuda else contextlib.nullcontext():
        for k, step in enumerate(passes):
            dst = y if k == len(passes) - 1 else work
            view_rows = rows * n >> (step.LOG_N + step.LOG_S)
            kernel[(step.grid(view_rows),)](
                src,
                dst,
                view_rows,
                LOG_N=step.LOG_N,
                LOG_S=step.LOG_S,
                LOG_BS=step.LOG_BS,
                T=step.T,
                LOG_L=step.LOG_L,
                W_LO=step.W_LO,
                LOG_W=step.LOG_W,
                num_warps=1 << step.LOG_W,
                enable_fp_fusion=True,
            )
            src = dst  # the passes after the first work in place
    return y


def fwht_last(x: Any, dim: int = -1) -> Any:
    """Unnormalized natural-order WHT of a CUDA tensor along ``dim`` (any shape).

    The axis is moved last and made contiguous (a copy by torch, one read and one write,
    unless it already is), its rows transformed by :func:`fwht_rows`, and the result
    returned with the axis back in place: a view of a new tensor whose last axis is ``dim``.
    """
    _check(x, "fwht_last")
    if x.ndim == 0:
        raise ValueError("fwht_last: x must have at least one dimension, got a 0-d tensor")
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(
            f"fwht_last: dim {dim} is out of range for a {x.ndim}-d tensor "
            f"(expected {-x.ndim} <= dim < {x.ndim})"
        )
    n = x.shape[dim]
    _check_length(n, dim, "fwht_last")
    _check_device(x, "fwht_last")
    moved = x.movedim(dim, -1).contiguous()
    y = fwht_rows(moved.reshape(math.prod(moved.shape[:-1]), n))
    return y.reshape(moved.shape).movedim(-1, dim)
