"""hadalib's conventions, written down as one table and one test (DESIGN.md, section 2).

Every public function (and public method) of the math, transform and spectral layers has a
row in ``TABLE``: a call on a small valid input, where each array input goes through ``a``,
and what the call promises. One test, run for every public name, checks that

- a float32 array in gives float32 out (complex64 for complex output) wherever the output
  is an array of floats, unless the row names the one dtype the docstring promises;
- a tensor in gives a tensor out (same dtype and device, and the gradient flows back to an
  input that requires it), or a TypeError that says what to pass instead; never an array,
  never an error from inside NumPy;
- ``norm=None`` means ``norm="backward"`` wherever there is a ``norm``;
- the default ``order`` is ``"natural"`` wherever there is an ``order``;
- the same arguments give the same result twice, the global NumPy random state is never
  touched, and a function that draws random numbers takes a ``seed`` (or ``rng``) and draws
  them from a generator made from it.

A public name without a row fails the test: a new function must say here what it does.

Two more tables hold the rules of the arguments that many functions share, one test per
rule iterating the table (and a test that every public function taking the argument has a
row):

- ``SEEDED``, the one seed rule (``hadalib._checks.as_rng``): ``None``, an integer >= 0 (also
  NumPy's) or a ``numpy.random.Generator`` is accepted; the same integer gives the same
  result, a Generator the result of the same-seeded generator, and None fresh randomness;
  bool, float and string seeds raise a TypeError, a negative one a ValueError.
- ``AXES``: an axis out of range raises NumPy's ``AxisError`` (a ValueError and an
  IndexError), a float axis a TypeError, and a NumPy integer axis counts as an integer.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

from hadalib import boolean, conv, matrices, mlp, products, quantum, signal, transforms

MODULES = (products, matrices, conv, mlp, transforms, boolean, quantum, signal)


@dataclass(frozen=True)
class Row:
    """How to call one public function, and what it promises.

    call: runs the function; every array input goes through ``a`` (the test passes float32
        arrays, then tensors); calls of functions with a ``norm`` also forward ``**kw``.
    tensors: True if a tensor in gives a tensor out, False if tensors are refused.
    dtype: the one dtype of its floating-point output that the docstring promises (e.g. a
        quantum state is complex128), or None: the output keeps the input's precision.
    """

    call: Callable[..., Any]
    tensors: bool
    dtype: str | None = None


V = [1.0, 2.0, 3.0, 4.0]
M = [[1.0, 2.0], [3.0, 4.0]]
IMAGE = np.arange(16.0).reshape(4, 4) % 5
OTHER = np.arange(16.0).reshape(4, 4) % 3
FRAME = np.arange(64.0).reshape(8, 8) % 7
POINTS = np.arange(12.0).reshape(3, 4) ** 1.5
TT = [1, 0, 1, 0, 0, 1, 1, 0]  # chapter 6's truth table
PSI = np.full(4, 0.5 + 0j)
X3, Y2 = [[0.0, 1.0, 0.5]], [[1.0, 0.0]]


MODEL = mlp.TinyMLP(seed=0)


def _model() -> mlp.TinyMLP:
    """A fresh copy of MODEL (the rows of its methods draw no random numbers of their own)."""
    return copy.deepcopy(MODEL)


# fmt: off
TABLE = {
    "products.hadamard_product": Row(lambda a: products.hadamard_product(a(M), a(M)), True),
    "products.kronecker_product": Row(lambda a: products.kronecker_product(a(M), a(V)), True),
    "products.multiply": Row(lambda a: products.multiply(a(M), a(M), "matrix"), True),
    "matrices.sylvester": Row(lambda a: matrices.sylvester(2), False),
    "matrices.hadamard_entry": Row(lambda a: matrices.hadamard_entry(a([1, 3]), a([3, 3])), False),
    "matrices.gray_code": Row(lambda a: matrices.gray_code(a([1, 2, 3])), False),
    "matrices.bit_reverse": Row(lambda a: matrices.bit_reverse(a([1, 2]), 3), False),
    "matrices.order_permutation": Row(lambda a: matrices.order_permutation(8), False),
    "matrices.hadamard_matrix": Row(lambda a: matrices.hadamard_matrix(4, normalized=True), False),
    "matrices.sequency": Row(lambda a: matrices.sequency(a([1.0, -1.0, -1.0, 1.0])), False),
    "matrices.is_hadamard": Row(lambda a: matrices.is_hadamard(a(matrices.sylvester(2) * 1.0)),
                                False),
    "matrices.paley": Row(lambda a: matrices.paley(4), False),
    "matrices.rademacher": Row(lambda a: matrices.rademacher(2, 3), False),
    "matrices.s_matrix": Row(lambda a: matrices.s_matrix(7), False),
    "conv.correlate2d": Row(lambda a: conv.correlate2d(a(IMAGE), a(M), padding="same"), False),
    "conv.convolve2d": Row(lambda a: conv.convolve2d(a(IMAGE), a(M), pad_mode="reflect",
                                                     padding=1), False),
    "conv.sliding_windows": Row(lambda a: next(conv.sliding_windows(a(IMAGE), (2, 2)))[2], False),
    "mlp.sigmoid": Row(lambda a: mlp.sigmoid(a(V)), False),
    "mlp.TinyMLP": Row(lambda a: mlp.TinyMLP(seed=0).W, False, "float64"),
    "mlp.TinyMLP.forward": Row(lambda a: _model().forward(a(X3)), False, "float64"),
    "mlp.TinyMLP.loss": Row(lambda a: _model().loss(a(X3), a(Y2)), False),
    "mlp.TinyMLP.gradients": Row(lambda a: _model().gradients(a(X3), a(Y2)), False, "float64"),
    "mlp.TinyMLP.step": Row(lambda a: _model().step(a(X3), a(Y2), 0.5), False),
    "mlp.TinyMLP.train": Row(lambda a: _model().train(a(X3), a(Y2), 0.5, 2), False, "float64"),
    "mlp.numerical_gradients": Row(lambda a: mlp.numerical_gradients(_model(), a(X3), a(Y2)),
                                   False, "float64"),
    "transforms.fwht": Row(lambda a, **kw: transforms.fwht(a(V), **kw), True),
    "transforms.ifwht": Row(lambda a, **kw: transforms.ifwht(a(V), order="dyadic", **kw), True),
    "transforms.fwht2": Row(lambda a, **kw: transforms.fwht2(a(IMAGE), **kw), True),
    "transforms.ifwht2": Row(lambda a, **kw: transforms.ifwht2(a(IMAGE), order="sequency", **kw),
                             True),
    "transforms.pad_pow2": Row(lambda a: transforms.pad_pow2(a(V[:3])), True),
    "transforms.dyadic_convolve": Row(lambda a: transforms.dyadic_convolve(a(M), a(V[:2])), True),
    "transforms.dct": Row(lambda a, **kw: transforms.dct(a(V), **kw), True),
    "transforms.idct": Row(lambda a, **kw: transforms.idct(a(M), axis=0, **kw), True),
    "transforms.fwht_stages": Row(lambda a: transforms.fwht_stages(a(V)), False),
    "boolean.walsh_spectrum": Row(lambda a: boolean.walsh_spectrum(a(TT)), False),
    "boolean.from_walsh_spectrum": Row(
        lambda a: boolean.from_walsh_spectrum(a([4, 2, 0, -2, 0, 2, 0, 2])), False),
    "boolean.arithmetic_polynomial": Row(lambda a: boolean.arithmetic_polynomial(a(TT)), False),
    "boolean.algebraic_normal_form": Row(lambda a: boolean.algebraic_normal_form(a(TT)), False),
    "boolean.format_polynomial": Row(lambda a: boolean.format_polynomial({(0, 2): 1}), False),
    "boolean.nonlinearity": Row(lambda a: boolean.nonlinearity(a(TT)), False),
    "boolean.correlation_immunity": Row(lambda a: boolean.correlation_immunity(a(TT)), False),
    "quantum.zero_state": Row(lambda a: quantum.zero_state(2), False, "complex128"),
    "quantum.basis_state": Row(lambda a: quantum.basis_state(1, 2), False, "complex128"),
    "quantum.apply": Row(lambda a: quantum.apply(a(PSI), a(quantum.H), 0), False, "complex128"),
    "quantum.hadamard_all": Row(lambda a: quantum.hadamard_all(a(PSI)), False, "complex128"),
    "quantum.probabilities": Row(lambda a: quantum.probabilities(a(PSI)), False, "float64"),
    "quantum.measure": Row(lambda a: quantum.measure(a(PSI), shots=8, seed=3), False),
    "quantum.phase_oracle": Row(lambda a: quantum.phase_oracle(a(TT)), False),
    "quantum.bloch_vector": Row(lambda a: quantum.bloch_vector(a(PSI[:2] * np.sqrt(2))), False,
                                "float64"),
    "quantum.deutsch_jozsa": Row(lambda a: quantum.deutsch_jozsa(a(TT)), False),
    "quantum.bernstein_vazirani": Row(lambda a: quantum.bernstein_vazirani(a([0, 1] * 4)), False),
    "quantum.grover": Row(lambda a: quantum.grover(1, 2), False, "float64"),
    "quantum.grover_state": Row(lambda a: quantum.grover_state(1, 2), False, "float64"),
    "quantum.grover_iterations": Row(lambda a: quantum.grover_iterations(4, 2), False),
    "quantum.run_circuit": Row(lambda a: quantum.run_circuit([("H", 0), ("X", 1)], 2), False,
                               "complex128"),
    "quantum.deutsch_jozsa_circuit": Row(lambda a: quantum.deutsch_jozsa_circuit(a(TT)), False),
    "quantum.simon_circuit": Row(lambda a: quantum.simon_circuit(3, 2), False),
    "quantum.gf2_null_space": Row(lambda a: quantum.gf2_null_space(a([3, 5]), 3), False),
    "quantum.to_qiskit": Row(lambda a: quantum.to_qiskit([("H", 0), ("X", 1, 0)], 2).count_ops(),
                             False),
    "signal.transform2d": Row(lambda a: signal.transform2d(a(IMAGE), "fft"), False),
    "signal.inverse_transform2d": Row(lambda a: signal.inverse_transform2d(a(IMAGE), "wht"),
                                      False),
    "signal.basis_images": Row(lambda a: signal.basis_images("dct", 2), False, "float64"),
    "signal.energy_compaction": Row(lambda a: signal.energy_compaction(a(V), [1, 2]), False),
    "signal.keep_largest": Row(lambda a: signal.keep_largest(a(V), 2), False),
    "signal.compress": Row(lambda a: signal.compress(a(IMAGE), "dct", 3), False),
    "signal.psnr": Row(lambda a: signal.psnr(a(IMAGE), a(OTHER)), False),
    "signal.ssim": Row(lambda a: signal.ssim(a(IMAGE), a(OTHER), win_size=3), False),
    "signal.to_blocks": Row(lambda a: signal.to_blocks(a(IMAGE), 2), False),
    "signal.h264_transform4x4": Row(lambda a: signal.h264_transform4x4(a(IMAGE)), False),
    "signal.h264_inverse4x4": Row(lambda a: signal.h264_inverse4x4(a(IMAGE)), False),
    "signal.sad": Row(lambda a: signal.sad(a(IMAGE), a(OTHER)), False),
    "signal.satd": Row(lambda a: signal.satd(a(IMAGE), a(OTHER)), False),
    "signal.block_motion": Row(lambda a: signal.block_motion(a(FRAME), a(FRAME.T), 4, 1), False),
    "signal.hadamard_rotate": Row(lambda a: signal.hadamard_rotate(a(V), seed=1), False),
    "signal.hadamard_unrotate": Row(lambda a: signal.hadamard_unrotate(a(M), seed=1, axis=0),
                                    False),
    "signal.srht": Row(lambda a: signal.srht(a(POINTS), 2, seed=2), False),
    "signal.gaussian_projection": Row(lambda a: signal.gaussian_projection(a(POINTS), 2, seed=2),
                                      False),
    "signal.distance_ratios": Row(lambda a: signal.distance_ratios(a(POINTS), a(POINTS / 2)),
                                  False),
    "signal.fake_quantize": Row(lambda a: signal.fake_quantize(a(V), bits=3), False),
    "signal.quantize_rotated": Row(lambda a: signal.quantize_rotated(a(V), seed=4), False),
    "signal.weighing_variances": Row(lambda a: signal.weighing_variances(a(M)), False),
    "signal.multiplex_estimates": Row(lambda a: signal.multiplex_estimates(a(V[:2]), a(M),
                                                                           trials=3, seed=5),
                                      False),
    "signal.walsh_spread": Row(lambda a: signal.walsh_spread(a([[1.0, -1.0]]), 4, [2]), False),
    "signal.walsh_despread": Row(lambda a: signal.walsh_despread(a(V * 2), 4, [0, 3]), False),
}
# fmt: on


def _public() -> list[tuple[str, Any]]:
    """Every public function, class and public method of a public class, by dotted name."""
    found = []
    for module in MODULES:
        short = module.__name__.removeprefix("hadalib.")
        names = getattr(module, "__all__", None) or [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found.append((f"{short}.{name}", obj))
            if inspect.isclass(obj):
                found += [
                    (f"{short}.{name}.{m}", f)
                    for m, f in vars(obj).items()
                    if not m.startswith("_") and inspect.isfunction(f)
                ]
    return found


PUBLIC = _public()


def _leaves(out: Any) -> list[Any]:
    """The arrays, tensors and numbers in a result (tuples, lists and dicts are opened)."""
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _leaves(item)]
    if isinstance(out, dict):
        return [leaf for key in sorted(out, key=repr) for leaf in _leaves(out[key])]
    return [out]


def _float32(values: Any) -> np.ndarray:
    arr = np.asarray(values)
    return arr.astype({"f": np.float32, "c": np.complex64}.get(arr.dtype.kind, arr.dtype))


class _Float32Arrays:
    """Makes float32 (complex64) arrays of sample inputs, and remembers if it made one."""

    def __init__(self) -> None:
        self.floating = False

    def __call__(self, values: Any) -> np.ndarray:
        arr = _float32(values)
        self.floating |= arr.dtype.kind in "fc"
        return arr


class _Tensors:
    """Makes tensors of sample inputs (floats require grad) and remembers them."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.made: list[torch.Tensor] = []

    def __call__(self, values: Any) -> torch.Tensor:
        arr = _float32(values)
        tensor = torch.tensor(arr, device=self.device)
        if arr.dtype.kind in "fc":
            tensor.requires_grad_(True)
        self.made.append(tensor)
        return tensor


def _check_float32(name: str, row: Row) -> None:
    arrays = _Float32Arrays()
    out = row.call(arrays)
    if not arrays.floating:
        return  # no floating-point input: the output's dtype is the function's own
    for leaf in _leaves(out):
        if isinstance(leaf, np.ndarray) and leaf.dtype.kind in "fc":
            precision = {"f": "float32", "c": "complex64"}[leaf.dtype.kind]
            expected = row.dtype or precision
            assert leaf.dtype == expected, (
                f"{name}: float32 input gave {leaf.dtype}; keep the input's precision "
                f"({precision}), or name the one dtype the docstring promises in its row"
            )


def _check_tensors(name: str, row: Row, device: str) -> None:
    tensors = _Tensors(device)
    try:
        out = row.call(tensors)
    except TypeError as error:
        message = str(error)
        assert tensors.made and not row.tensors, f"{name} refused a tensor: {message}"
        assert "torch.Tensor" in message and "pass " in message, (
            f"{name}: the TypeError for a tensor must say what to pass instead: {message}"
        )
        return
    if not tensors.made:
        return  # no array input
    leaves = _leaves(out)
    assert row.tensors, f"{name} returned {type(out).__name__} for tensors; refuse them"
    assert not any(isinstance(leaf, np.ndarray) for leaf in leaves), (
        f"{name} returned a NumPy array for a tensor"
    )
    floating = [t for t in leaves if isinstance(t, torch.Tensor) and t.dtype.is_floating_point]
    assert floating, f"{name}: no floating tensor in the result"
    for t in floating:
        assert t.dtype == torch.float32 and t.device.type == device, (name, t.dtype, t.device)
    sum(t.sum() for t in floating).backward()
    assert any(t.grad is not None for t in tensors.made), f"{name}: no gradient flows back"


def _check_norm_none(name: str, row: Row) -> None:
    np.testing.assert_array_equal(
        row.call(np.asarray, norm=None), row.call(np.asarray, norm="backward"), err_msg=name
    )


def _check_randomness(name: str, row: Row, params: Any, monkeypatch: Any) -> None:
    seeds = []
    default_rng = np.random.default_rng

    def recording(seed: Any = None) -> np.random.Generator:
        seeds.append(seed)
        return default_rng(seed)

    monkeypatch.setattr(np.random, "default_rng", recording)
    state = np.random.get_state()[1].copy()
    first, second = _leaves(row.call(np.asarray)), _leaves(row.call(np.asarray))
    assert np.array_equal(np.random.get_state()[1], state), (
        f"{name} used NumPy's global random state; draw from np.random.default_rng(seed)"
    )
    for a, b in zip(first, second, strict=True):
        if not isinstance(a, mlp.TinyMLP):
            np.testing.assert_array_equal(a, b, err_msg=f"{name}: same arguments, new result")
    if seeds:
        assert {"seed", "rng"} & set(params), f"{name} draws random numbers: take a seed"
        assert None not in seeds, f"{name} was given a seed but drew from fresh entropy"


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize(("name", "func"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_conventions(name, func, monkeypatch):
    assert name in TABLE, (
        f"{name} is public but has no row in TABLE (tests/test_conventions.py): add one with "
        "a small valid input, so that the conventions are checked for it"
    )
    row = TABLE[name]
    params = inspect.signature(func).parameters
    if "order" in params:
        assert params["order"].default == "natural", f"{name}: order must default to 'natural'"
    if "norm" in params:
        _check_norm_none(name, row)
    _check_float32(name, row)
    for device in DEVICES:
        _check_tensors(name, row, device)
    _check_randomness(name, row, params, monkeypatch)


def test_every_row_names_a_public_function():
    stale = set(TABLE) - {name for name, _ in PUBLIC}
    assert not stale, f"rows for names that are not public (remove them): {sorted(stale)}"


def test_the_table_covers_the_math_transform_and_spectral_layers():
    layers = {"products", "matrices", "conv", "mlp", "transforms", "boolean", "quantum", "signal"}
    assert {m.__name__.removeprefix("hadalib.") for m in MODULES} == layers
    assert all(importlib.import_module(f"hadalib.{m}") in MODULES for m in layers)


# ---- the seed rule ----------------------------------------------------------------------------

#: Start of the one message for a seed of the wrong type (hadalib._checks.as_rng).
SEED_TYPE = "seed must be None, an integer >= 0 or a numpy.random.Generator, got"
#: A float array of length 64: enough random draws that two fresh ones never agree.
LONG = np.linspace(-1.0, 2.0, 64)

# fmt: off
#: Every public function that takes a seed, called with the seed given.
SEEDED: dict[str, Callable[[Any], Any]] = {
    "mlp.TinyMLP": lambda seed: mlp.TinyMLP((16, 4, 2), seed=seed).W,
    "quantum.measure": lambda seed: quantum.measure(np.full(16, 0.25 + 0j), shots=64, seed=seed),
    "signal.hadamard_rotate": lambda seed: signal.hadamard_rotate(LONG, seed=seed),
    "signal.hadamard_unrotate": lambda seed: signal.hadamard_unrotate(LONG, seed=seed),
    "signal.srht": lambda seed: signal.srht(LONG.reshape(4, 16), 8, seed=seed),
    "signal.gaussian_projection": lambda seed: signal.gaussian_projection(LONG.reshape(4, 16), 8,
                                                                          seed=seed),
    "signal.quantize_rotated": lambda seed: signal.quantize_rotated(LONG, seed=seed),
    "signal.multiplex_estimates": lambda seed: signal.multiplex_estimates(V, np.eye(4), trials=16,
                                                                          seed=seed),
}
# fmt: on


def _taking(*arguments: str) -> set[str]:
    """The public names (of MODULES) with a parameter named in ``arguments``."""
    return {
        name for name, func in PUBLIC if set(arguments) & set(inspect.signature(func).parameters)
    }


def test_every_function_with_a_seed_has_a_row():
    assert _taking("seed", "rng") == set(SEEDED)


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_an_integer_seed_gives_the_same_result(name):
    call = SEEDED[name]
    np.testing.assert_array_equal(call(3), call(3))
    np.testing.assert_array_equal(call(np.int64(3)), call(3))
    np.testing.assert_array_equal(call(np.uint8(0)), call(0))
    assert not np.array_equal(call(3), call(4)), f"{name}: seeds 3 and 4 drew the same"


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_a_generator_gives_the_result_of_the_same_seeded_generator(name):
    call = SEEDED[name]
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(call(rng), call(3))
    # a Generator is drawn from as given: the next call continues its stream
    replay = np.random.default_rng(3)
    call(replay)
    np.testing.assert_array_equal(call(rng), call(replay))
    assert not np.array_equal(call(np.random.default_rng(3)), call(rng))


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_none_gives_fresh_randomness(name):
    call = SEEDED[name]
    assert not np.array_equal(call(None), call(None)), f"{name}: seed=None repeated a draw"


@pytest.mark.parametrize("name", sorted(SEEDED))
@pytest.mark.parametrize(
    ("seed", "error", "message"),
    [
        (True, TypeError, f"{SEED_TYPE} True (bool)"),
        (np.True_, TypeError, f"{SEED_TYPE} np.True_ (bool)"),
        (1.0, TypeError, f"{SEED_TYPE} 1.0 (float)"),
        ("1", TypeError, f"{SEED_TYPE} '1' (str)"),
        (-1, ValueError, "seed=-1 is negative; use an integer >= 0 or None"),
        (np.int64(-2), ValueError, "seed=-2 is negative; use an integer >= 0 or None"),
    ],
    ids=["bool", "numpy-bool", "float", "str", "negative", "numpy-negative"],
)
def test_a_bad_seed_is_refused(name, seed, error, message):
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        SEEDED[name](seed)


# ---- the axis rule ----------------------------------------------------------------------------

#: A 2-D input whose sides are powers of two.
X24 = np.arange(8.0).reshape(2, 4)

# fmt: off
#: Every public function that takes an axis (or axes), called on a 2-D input with the axis
#: given (for ``axes``, as the first of two, the second being 1).
AXES: dict[str, Callable[[Any], Any]] = {
    "signal.hadamard_rotate": lambda axis: signal.hadamard_rotate(X24, seed=0, axis=axis),
    "signal.hadamard_unrotate": lambda axis: signal.hadamard_unrotate(X24, seed=0, axis=axis),
    "signal.quantize_rotated": lambda axis: signal.quantize_rotated(X24, seed=0, axis=axis),
    "signal.fake_quantize": lambda axis: signal.fake_quantize(X24, axis=axis),
    "transforms.fwht": lambda axis: transforms.fwht(X24, axis=axis),
    "transforms.ifwht": lambda axis: transforms.ifwht(X24, axis=axis),
    "transforms.fwht2": lambda axis: transforms.fwht2(X24, axes=(axis, 1)),
    "transforms.ifwht2": lambda axis: transforms.ifwht2(X24, axes=(axis, 1)),
    "transforms.pad_pow2": lambda axis: transforms.pad_pow2(X24[:, :3], axis=axis),
    "transforms.dyadic_convolve": lambda axis: transforms.dyadic_convolve(X24, X24, axis=axis),
    "transforms.dct": lambda axis: transforms.dct(X24, axis=axis),
    "transforms.idct": lambda axis: transforms.idct(X24, axis=axis),
}
# fmt: on


def test_every_function_with_an_axis_has_a_row():
    assert _taking("axis", "axes") == set(AXES)


@pytest.mark.parametrize("name", sorted(AXES))
@pytest.mark.parametrize("axis", [2, -3, 10**20])
def test_an_axis_out_of_range_raises_axis_error(name, axis):
    with pytest.raises(np.exceptions.AxisError, match=rf"^axis {axis} "):
        AXES[name](axis)


@pytest.mark.parametrize("name", sorted(AXES))
@pytest.mark.parametrize("axis", [1.0, True, "1"])
def test_an_axis_that_is_not_an_integer_raises_type_error(name, axis):
    with pytest.raises(TypeError, match=r"^ax(is|es) must be an int"):
        AXES[name](axis)


@pytest.mark.parametrize("name", sorted(AXES))
def test_a_numpy_integer_axis_is_an_integer(name):
    call = AXES[name]
    np.testing.assert_array_equal(call(np.int64(-2)), call(0))
    np.testing.assert_array_equal(call(np.int32(0)), call(0))
