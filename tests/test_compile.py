"""The torch operator hadalib::fwht and torch.compile: opcheck, the layers, the networks
and the experiment's --compile, all on the CPU.

``torch.library.opcheck`` tests the operator's schema, fake implementation and registered
autograd against its CPU kernel; the CUDA kernel's layout is checked against the fake
implementation through Triton's interpreter. The layers and networks are compiled with
``fullgraph=True`` (one graph, no fallback to Python) and must give the eager outputs and
gradients. Most compile with the ``aot_eager`` backend: dynamo, the fake tensors and
AOTAutograd's forward and backward graphs, as with inductor, without the C++ code
generation that would cost a minute here; one layer test and the command-line smoke run
inductor itself.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ROOT

from hadalib._fwht_op import fwht as fwht_op
from hadalib.experiments import resnet_wht
from hadalib.nn import FILTER_VARIANTS, VARIANTS, Transform, WalshFilter, resnet18
from hadalib.nn.layers import AXES
from hadalib.nn.variants import KINDS
from hadalib.transforms import fwht


@pytest.fixture(autouse=True)
def fresh_dynamo():
    """Each test compiles from scratch (no graphs or recompile counts from another test)."""
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _grad_of(model, x, g):
    """The output of model(x) and the gradients of <output, g> for x and every parameter."""
    x = x.detach().requires_grad_()
    y = model(x)
    params = list(model.parameters()) if isinstance(model, torch.nn.Module) else []
    grads = torch.autograd.grad(y, [x, *params], g)
    return y.detach(), grads


def _assert_compiled_equals_eager(model, x, backend, **tolerance):
    """torch.compile(model, fullgraph=True) gives model's output and gradients at x."""
    shape = model(x).shape
    g = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    y, grads = _grad_of(model, x, g)
    y_c, grads_c = _grad_of(torch.compile(model, fullgraph=True, backend=backend), x, g)
    torch.testing.assert_close(y_c, y, **tolerance)
    for got, want in zip(grads_c, grads, strict=True):
        torch.testing.assert_close(got, want, **tolerance)


# --------------------------------------------------------------------------- the operator


CASES = [
    ((8,), 0),
    ((3, 16), 1),
    ((4, 3), 0),
    ((2, 4, 8), 1),
    ((2, 4, 8), -1),
    ((5, 1), 1),
    ((0, 4), 1),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("shape", "dim"), CASES, ids=[f"{s}-{d}" for s, d in CASES])
def test_opcheck(shape, dim, dtype):
    x = torch.randn(shape, dtype=dtype, requires_grad=True)
    torch.library.opcheck(fwht_op, (x, dim))


def test_opcheck_on_strided_and_pure_path_input(monkeypatch):
    import hadalib._fwht_cpu as K

    x = torch.randn(8, 3, dtype=torch.float64).t().requires_grad_()  # not contiguous
    torch.library.opcheck(fwht_op, (x, 1))
    monkeypatch.setattr(K, "_KERNEL", False)  # as with HADALIB_PURE=1
    torch.library.opcheck(fwht_op, (x, 1))
    torch.library.opcheck(fwht_op, (torch.randn(4, 8, dtype=torch.bfloat16), 1))


def test_the_operator_is_the_unnormalized_natural_transform():
    x = torch.randn(3, 8, dtype=torch.float64)
    H = torch.tensor([[(-1) ** bin(i & j).count("1") for j in range(8)] for i in range(8)])
    torch.testing.assert_close(fwht_op(x, 1), x @ H.double())
    torch.testing.assert_close(torch.ops.hadalib.fwht(x, -1), x @ H.double())


def test_off_the_cpu_the_output_has_dim_innermost():
    """The fake implementation's layout for other devices (meta here) is the kernels'."""
    from hadalib._fwht_op import _rows_kernel

    x = torch.randn(2, 8, 3)
    on_meta = fwht_op(x.to("meta"), 1)
    rows = _rows_kernel(x, 1)
    assert on_meta.shape == rows.shape and on_meta.stride() == rows.stride() == (24, 1, 8)
    torch.testing.assert_close(rows, fwht_op(x, 1))
    assert fwht_op(x, 1).is_contiguous()  # the CPU kernel writes x's own order


_CUDA_KERNEL_ON_THE_CPU = """
import json, torch
from hadalib._fwht_op import _cuda_kernel, fwht
report = []
for shape, dim, dtype in [((4, 8), 1, torch.float32), ((2, 8, 3), 1, torch.float32),
                          ((16, 5), 0, torch.bfloat16), ((3, 4, 2), 2, torch.float64)]:
    x = torch.randn(shape).to(dtype)
    y = _cuda_kernel(x, dim)
    layout = fwht(x.to("meta"), dim).stride()  # the fake implementation's, off the CPU
    error = (y.double() - fwht(x.double(), dim)).abs().max().item()
    report.append([str(dtype), y.dtype == dtype, y.stride() == layout, error])
print(json.dumps(report))
"""


@pytest.mark.slow
def test_the_cuda_kernel_gives_the_layout_of_the_fake_implementation():
    """The CUDA kernel (Triton, run by its interpreter on CPU tensors; float64 takes the
    stage-by-stage path) writes the layout the fake implementation promises."""
    pytest.importorskip("triton")
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _CUDA_KERNEL_ON_THE_CPU],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for dtype, same_dtype, same_layout, error in json.loads(done.stdout):
        assert same_dtype and same_layout, dtype
        assert error <= (0.1 if dtype == "torch.bfloat16" else 1e-5), (dtype, error)


@pytest.mark.parametrize(
    ("shape", "dim", "message"),
    [
        ((6,), 0, "length 6 along dim 0 is not a power of two; pad with hadalib.pad_pow2 to 8"),
        (
            (0,),
            0,
            r"length 0 along dim 0 is not a power of two; the length must be a power of "
            r"two \(1, 2, 4, \.\.\.\)",
        ),
        ((4,), 1, "dim 1 is out of range for a 1-d tensor"),
    ],
)
def test_the_operator_refuses_what_it_cannot_transform(shape, dim, message):
    for device in ("cpu", "meta"):
        with pytest.raises(ValueError, match=rf"^hadalib::fwht: {message}$"):
            fwht_op(torch.zeros(shape, device=device), dim)


@pytest.mark.parametrize("dtype", [torch.int8, torch.uint8, torch.int64, torch.bool])
def test_the_operator_refuses_integers_which_would_wrap_around(dtype):
    """int8 [100] * 4 would give [-112, 0, 0, 0]; hadalib.fwht casts integers first."""
    for device in ("cpu", "meta"):
        with pytest.raises(
            TypeError,
            match=rf"^hadalib::fwht: x has dtype {dtype}; the operator "
            r"transforms floating-point and complex tensors, whose sums do not "
            r"wrap around \(hadalib.fwht casts integers to torch's default dtype; "
            r"or pass x.double\(\)\)$",
        ):
            fwht_op(torch.ones(4, dtype=dtype, device=device), 0)
    assert fwht(torch.full((4,), 100, dtype=torch.int8)).tolist() == [400.0, 0.0, 0.0, 0.0]


# The torch.library API of torch 2.4, the oldest torch this operator is written for (the
# GPU machines run 2.11, this one 2.13): Library and these functions were all there.
TORCH_2_4_LIBRARY = {"Library", "register_fake", "register_autograd", "opcheck"}
TORCH_2_4_LIBRARY_METHODS = {"define", "impl"}


def test_the_operator_uses_only_the_torch_2_4_library_api():
    tree = ast.parse((ROOT / "hadalib" / "_fwht_op.py").read_text())
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "library"
        and getattr(node.value.value, "id", "") == "torch"
    }
    assert used and used <= TORCH_2_4_LIBRARY, used - TORCH_2_4_LIBRARY
    methods = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and getattr(node.func.value, "id", "") == "_LIBRARY"
    }
    assert methods == TORCH_2_4_LIBRARY_METHODS
    compiler = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and getattr(node.value, "attr", "") == "compiler"
    }
    assert compiler <= {"disable"}  # torch.compiler.disable: torch 2.1


# --------------------------------------------------------------------------- layers


LAYERS = [(kind, axes) for kind in KINDS for axes in AXES if (kind, axes) != ("fft", "channel")]


@pytest.mark.parametrize(("kind", "axes"), LAYERS)
def test_compiled_transform_layer_equals_eager(kind, axes):
    # 6 channels and 5 x 3 pixels: the WHT pads to 8 and 8 x 4 and crops back
    x = torch.randn(2, 6, 5, 3, generator=torch.Generator().manual_seed(0))
    _assert_compiled_equals_eager(Transform(kind, axes), x, "aot_eager", rtol=0, atol=0)


@pytest.mark.parametrize(
    ("axes", "size", "threshold"),
    [("channel", 6, None), ("spatial", (5, 3), None), ("channel", 6, 0.1)],
)
def test_compiled_walsh_filter_equals_eager(axes, size, threshold):
    # a learned weight per coefficient, on the padded lengths 8 and 8 x 4
    layer = WalshFilter(size, axes=axes, threshold=threshold)
    with torch.no_grad():
        layer.weight.copy_(
            torch.randn(layer.weight.shape, generator=torch.Generator().manual_seed(5))
        )
    x = torch.randn(2, 6, 5, 3, generator=torch.Generator().manual_seed(0))
    _assert_compiled_equals_eager(layer, x, "aot_eager", rtol=0, atol=0)


@pytest.mark.parametrize("order", ["natural", "sequency"])
@pytest.mark.parametrize("norm", ["ortho", "backward"])
def test_compiled_fwht_with_norm_and_order_equals_eager(norm, order):
    def f(x):
        return fwht(x, axis=1, norm=norm, order=order)

    x = torch.randn(3, 16, 2, generator=torch.Generator().manual_seed(2))
    _assert_compiled_equals_eager(f, x, "aot_eager", rtol=0, atol=0)


@pytest.mark.slow
def test_inductor_compiles_the_wht_layers_of_a_channels_last_map():
    model = torch.nn.Sequential(
        Transform("wht", "channel"), torch.nn.ReLU(), Transform("wht", "spatial")
    )
    x = torch.randn(2, 6, 5, 3, generator=torch.Generator().manual_seed(3))
    x = x.contiguous(memory_format=torch.channels_last)
    _assert_compiled_equals_eager(model, x, "inductor", rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- networks


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant", ["wht-early-late", "dct-early-late", "fft-early", "walsh-early-late"]
)
def test_compiled_resnet_variant_equals_eager(variant):
    torch.manual_seed(0)
    spec = {**VARIANTS, **FILTER_VARIANTS}[variant]
    model = resnet18(10, spec, width=8, stem="cifar")  # training mode
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(4))
    _assert_compiled_equals_eager(model, x, "aot_eager", rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_the_experiment_cli_trains_a_compiled_model(tmp_path):
    record = resnet_wht.main(
        [
            "--variant",
            "wht-early-late",
            "--data",
            "synthetic",
            "--smoke",
            "--compile",
            "--device",
            "cpu",
            "--model",
            "resnet18",
            "--width",
            "8",
            "--stem",
            "cifar",
            "--no-progress",
            "--out",
            str(tmp_path),
        ]
    )
    (path,) = Path(tmp_path).glob("synthetic32-resnet18w8-wht-early-late*-smoke.json")
    assert json.loads(path.read_text()) == json.loads(json.dumps(record))
    assert record["compiled"] is True
    assert record["summary"]["epochs"] == 1
