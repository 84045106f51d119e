"""The Walsh-Hadamard transform of tensors as one torch operator, ``hadalib::fwht``
(private; :func:`hadalib.transforms.fwht` calls it for every tensor).

``fwht(x, dim)`` (also ``torch.ops.hadalib.fwht``) is the unnormalized natural-order WHT of
``x`` along ``dim``, whose length must be a power of two; ``norm`` scaling and coefficient
orders are plain torch operations around it, in hadalib.transforms.

Why an operator: ``torch.compile`` traces the Python of a ``torch.autograd.Function`` and so
would reach numba, which it cannot trace; an operator is one opaque node to it. Its fake
implementation gives the output's shape, dtype and strides without computing it, its
registered autograd formula gives the backward, and ``torch.library.opcheck`` tests the
three against each other (tests/test_compile.py).

Kernels, by the device of ``x``:

- CPU: the numba kernel for float32 and float64 (unless numba is missing or HADALIB_PURE
  is set), else the stage-by-stage torch path (float16, bfloat16, complex). The output is
  contiguous; so is the input the kernel reads (a copy if ``x`` is not).
- CUDA: the Triton kernel (hadalib._fwht_triton) for float32, bfloat16 and float16 when
  Triton can be imported, else the stage-by-stage path (float64, complex).
- any other device: the stage-by-stage path.

Integer and boolean tensors are refused with a TypeError: the butterflies' sums would wrap
around in their dtype (int8 ``[100] * 4`` gave ``[-112, 0, 0, 0]``). ``hadalib.fwht`` casts
them to torch's default dtype first, as ``torch.fft`` does.

Off the CPU the kernels read rows, so the output is laid out with ``dim`` innermost: a
contiguous tensor with ``dim`` moved last, viewed with ``dim`` back in place. (For the
channel axis of a channels-last feature map that is its own layout: no copy in or out.)

The backward is the same operator applied to the gradient (``H`` is symmetric), so it is
differentiable again: gradgradcheck passes, as for any torch operation.

Registered with torch.library's low-level API: ``Library.define`` and ``Library.impl`` per
dispatch key, then ``torch.library.register_fake`` and ``torch.library.register_autograd``,
all present since torch 2.4. ``torch.library.custom_op`` would do the same with one more
Python layer per call (a device lookup and an alias check, about 3 µs measured); the
transform of a short vector costs a few µs, so the layer would dominate. The kernels are
wrapped in ``torch.compiler.disable`` (as custom_op does): called eagerly from a frame that
torch.compile is tracing, they run as they are.

Examples
--------
>>> import torch
>>> fwht(torch.tensor([1.0, 0.0, 1.0, 0.0]), 0)
tensor([2., 2., 0., 0.])
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import torch

from hadalib._checks import check_pow2
from hadalib._fwht_cpu import compiled_copy, stagewise

__all__ = ["fwht"]

_NAME = "hadalib::fwht"
_NUMBA_DTYPES = (torch.float32, torch.float64)
_TRITON_DTYPES = (torch.float32, torch.bfloat16, torch.float16)

_LIBRARY = torch.library.Library("hadalib", "DEF")
_LIBRARY.define("fwht(Tensor x, int dim) -> Tensor")


def _check(x: torch.Tensor, dim: int) -> int:
    """dim in [0, x.ndim) after checking it, the length along it (a power of two) and the
    dtype (floating point or complex: integers would wrap around silently)."""
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise TypeError(
            f"hadalib::fwht: x has dtype {x.dtype}; the operator transforms floating-point "
            "and complex tensors, whose sums do not wrap around (hadalib.fwht casts integers "
            "to torch's default dtype; or pass x.double())"
        )
    ndim = x.dim()
    if not -ndim <= dim < ndim:
        raise ValueError(f"hadalib::fwht: dim {dim} is out of range for a {ndim}-d tensor")
    dim %= ndim
    n = x.shape[dim]
    # a symbolic length (torch.compile's dynamic shapes) is checked when the kernel runs
    if isinstance(n, int):
        check_pow2(n, f"hadalib::fwht: length {n} along dim {dim}")
    return dim


def _fwht_fake(x: torch.Tensor, dim: int) -> torch.Tensor:
    """The output's shape, dtype, device and strides, as the kernel of x's device gives them."""
    dim = _check(x, dim)
    if x.device.type == "cpu":
        return x.new_empty(x.shape)
    return x.new_empty(x.movedim(dim, -1).shape).movedim(-1, dim)


def _cpu_kernel(x: torch.Tensor, dim: int) -> torch.Tensor:
    """CPU: the numba kernel where it runs, else the stage-by-stage path; contiguous out."""
    dim = _check(x, dim)
    shape = x.shape
    n = shape[dim]
    stride = math.prod(shape[dim + 1 :])
    src = x.contiguous()
    if src.dtype in _NUMBA_DTYPES:
        # force=True: x may require grad (this runs below autograd) or be a negated view
        y = compiled_copy(src.numpy(force=True), n, stride)
        if y is not None:
            return torch.from_numpy(y)
    rows = src.numel() // (n * stride) if src.numel() else 0
    return stagewise(src.detach().view(rows, n, stride), rows, n, stride).view(shape)


def _rows_kernel(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Any device: the stage-by-stage path on the rows of x with dim moved last."""
    dim = _check(x, dim)
    moved = x.detach().movedim(dim, -1).contiguous()
    n = moved.shape[-1]
    rows = moved.numel() // n
    y = stagewise(moved.view(rows, n, 1), rows, n, 1)
    return y.view(moved.shape).movedim(-1, dim)


@lru_cache(maxsize=1)
def _triton_importable() -> bool:
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return True


def _cuda_kernel(x: torch.Tensor, dim: int) -> torch.Tensor:
    """CUDA: the Triton kernel where it runs, else the stage-by-stage path."""
    dim = _check(x, dim)
    if x.dtype in _TRITON_DTYPES and x.shape[dim] > 1 and x.numel() and _triton_importable():
        from hadalib._fwht_triton import fwht_last

        return fwht_last(x.detach(), dim)
    return _rows_kernel(x, dim)


# The fake implementation also serves tensors on the meta device.
torch.library.register_fake(_NAME, _fwht_fake)
_LIBRARY.impl("fwht", torch.compiler.disable(_cpu_kernel), "CPU")
_LIBRARY.impl("fwht", torch.compiler.disable(_cuda_kernel), "CUDA")
_LIBRARY.impl("fwht", torch.compiler.disable(_rows_kernel), "CompositeExplicitAutograd")

#: The operator (its one overload): ``fwht(x, dim)``, the unnormalized natural-order WHT.
fwht = torch.ops.hadalib.fwht.default


def _setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
    ctx.dim = inputs[1]


def _backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
    return fwht(grad, ctx.dim), None


torch.library.register_autograd(_NAME, _backward, setup_context=_setup_context)
