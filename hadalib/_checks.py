"""Argument checks and NumPy/torch dispatch shared by hadalib's modules (private; every
layer may import it, and it imports nothing from hadalib).

Bad input raises a ``TypeError`` (wrong kind of value) or a ``ValueError`` (right kind,
wrong value) whose message names the argument, the value received and what would be
accepted. Keeping the checks here gives every module the same wording.

Dispatch: a function given a tensor (:func:`is_tensor`) either returns a tensor on the
same device and dtype, differentiable, or refuses it with :func:`refuse_tensor`, whose
TypeError says what to pass instead. tests/test_conventions.py checks this for every
public function.
"""

from __future__ import annotations

import operator
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

#: Scalings of the transforms, with NumPy's meaning.
NORMS = ("backward", "ortho", "forward")
#: Row orders of Sylvester's matrix and coefficient orders of the WHT.
ORDERS = ("natural", "sequency", "dyadic")


def is_tensor(x: Any) -> bool:
    """Whether x is a torch tensor, without importing torch."""
    # A tensor can only exist once torch has been imported, so looking in sys.modules
    # never imports torch (the whole library relies on this to stay light).
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def refuse_tensor(x: Any, name: str, where: str, instead: str = "") -> None:
    """Raise a TypeError if x is a tensor: ``where`` works on NumPy arrays only.

    The message says what to pass instead: ``x.detach().cpu().numpy()`` works for every
    tensor (one that requires grad, or lives on a GPU, too), and ``instead`` may name a
    torch way to do the same.
    """
    if is_tensor(x):
        alternative = f", or {instead}" if instead else ""
        raise TypeError(
            f"{name} is a torch.Tensor; {where} works on NumPy arrays "
            f"(pass {name}.detach().cpu().numpy(){alternative})"
        )


def _type_name(value: Any) -> str:
    return "bool" if isinstance(value, (bool, np.bool_)) else type(value).__name__


def as_int(value: Any, name: str) -> int:
    """``value`` as a Python int: ints, NumPy integer scalars and 0-d integer arrays count.

    bool is refused (``True`` is an int to Python, but never a size or an index here),
    and so are floats, even integral ones such as ``2.0``.
    """
    if isinstance(value, (bool, np.bool_)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "b"
    ):
        raise TypeError(f"{name} must be an integer, got {value!r} (bool)")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r} ({_type_name(value)})") from None


def as_bool(value: Any, name: str) -> bool:
    """``value`` as a bool; only True and False (also NumPy's) are accepted."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r} ({_type_name(value)})")


def as_real(value: Any, name: str) -> float:
    """``value`` as a float: real numbers (also NumPy's), not bool, strings or complex."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a real number, got {value!r} ({_type_name(value)})")
    return float(value)


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of the strings ``choices``, else raise a ValueError."""
    if isinstance(value, str) and value in choices:
        return value
    accepted = ", ".join(repr(c) for c in choices)
    raise ValueError(f"{name}={value!r} is not one of {accepted}")


def check_norm(norm: Any) -> str:
    """The scaling of a transform: one of :data:`NORMS`, None meaning "backward" (as in
    ``numpy.fft``)."""
    return "backward" if norm is None else check_choice("norm", norm, NORMS)


def inverse_norm(norm: str) -> str:
    """The norm that makes the inverse transform undo ``norm`` (numpy.fft's swap rule)."""
    return {"backward": "forward", "ortho": "ortho", "forward": "backward"}[norm]


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """An integer seed: a non-negative integer, or None (fresh entropy).

    For seeds that must be integers (torch's generators, a record's provenance); NumPy
    randomness takes :func:`as_rng`, which also accepts a Generator.
    """
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an integer or None, got {seed!r} ({_type_name(seed)})")
    if seed < 0:
        raise ValueError(f"{name}={seed} is negative; use an integer >= 0 or None")
    return int(seed)


def as_rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """The one seed rule of hadalib: ``None | int | numpy.random.Generator`` -> a Generator.

    None always means fresh randomness (a new generator from the operating system's
    entropy); an integer >= 0 seeds ``np.random.default_rng``; a Generator is used as given
    (so a caller can draw several things from one stream).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
    ):
        raise TypeError(
            f"{name} must be None, an integer >= 0 or a numpy.random.Generator, got {seed!r} "
            f"({_type_name(seed)})"
        )
    return np.random.default_rng(check_seed(seed, name))


def normalize_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    """``axis`` as an index in ``[0, ndim)``; negative axes count from the end.

    An axis that is not an integer raises a TypeError; one out of range raises NumPy's
    ``AxisError`` (both a ValueError and an IndexError, as in NumPy).
    """
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {axis!r} ({_type_name(axis)})")
    if ndim == 0:
        raise np.exceptions.AxisError(
            f"{name} {axis} does not exist: the input is 0-d (a scalar has no axes)"
        )
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{name} {axis} is out of bounds for input with {ndim} dimension(s); "
            f"use an axis in [{-ndim}, {ndim - 1}]"
        )
    return int(axis) % ndim


def as_axes(axes: Any, name: str = "axes") -> tuple[Any, ...]:
    """An int or a sequence of ints (tuple, list, 1-D integer array) as a tuple."""
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, (bool, np.bool_)):
        return (axes,)
    if isinstance(axes, np.ndarray) and axes.ndim == 1 and axes.dtype.kind in "iu":
        return tuple(int(a) for a in axes)
    if isinstance(axes, (tuple, list)) and all(
        isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)) for a in axes
    ):
        return tuple(axes)
    raise TypeError(f"{name} must be an int or a tuple of ints, got {axes!r}")


_KIND_WORDS = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex", "O": "object"}


def as_array(x: Any, name: str, kinds: str | None = "biuf", dtype: Any = None) -> np.ndarray:
    """``np.asarray(x, dtype)`` with readable errors: ragged input and dtypes not in ``kinds``.

    ``kinds`` lists the accepted ``dtype.kind`` letters (``"biuf"``: booleans, integers and
    real floating point; None: any); the check is made before any cast to ``dtype``.
    """
    try:
        arr = np.asarray(x)
    except ValueError:  # ragged nested sequences
        raise ValueError(
            f"{name} is not a rectangular array: its nested sequences have different lengths"
        ) from None
    if kinds is not None and arr.dtype.kind not in kinds:
        accepted = ", ".join(dict.fromkeys(_KIND_WORDS[k] for k in kinds))
        raise TypeError(f"{name} has dtype {arr.dtype}; expected an array of numbers ({accepted})")
    return arr if dtype is None else arr.astype(dtype, copy=False)


def check_finite(arr: np.ndarray, name: str, why: str) -> None:
    """Raise a ValueError naming the first NaN or infinity in ``arr`` and ``why`` it matters."""
    if arr.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        index = np.unravel_index(first, arr.shape)
        where = int(index[0]) if arr.ndim == 1 else tuple(int(i) for i in index)
        raise ValueError(f"{name} holds {arr.flat[first].item()!r} at index {where}; {why}")


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def env_flag(variable: str) -> bool:
    """The boolean value of an environment variable (unset or empty: False).

    ``1``, ``true``, ``yes``, ``on`` are true and ``0``, ``false``, ``no``, ``off`` false,
    in any case and with surrounding blanks; anything else raises a ValueError naming it.
    """
    raw = os.environ.get(variable, "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"environment variable {variable}={raw!r} is not a boolean; use one of "
        f"{', '.join(_TRUE)} to switch it on, or {', '.join(repr(v) for v in _FALSE)} to switch "
        "it off"
    )


#: Why a truth table or a Walsh spectrum has a power-of-two length.
BOOLEAN_LENGTH = "a Boolean function of n variables has 2**n values (1, 2, 4, 8, ...)"


def is_pow2(n: int) -> bool:
    """Whether the integer ``n`` is a power of two (1, 2, 4, ...)."""
    return n > 0 and not n & (n - 1)


def next_pow2(n: int) -> int:
    """The smallest power of two >= ``n`` (1 for n <= 1)."""
    return 1 << max(n - 1, 0).bit_length()


def check_pow2(n: int, subject: str, why: str | None = None) -> int:
    """Return ``n`` if it is a power of two, else raise the library's one ValueError.

    ``subject`` names what has the length (``"length 6 along axis -1"``, ``"n=6"``); ``why``
    says what to do about it, by default padding with :func:`hadalib.pad_pow2`.
    """
    if is_pow2(n):
        return n
    if why is None:
        why = (
            f"pad with hadalib.pad_pow2 to {next_pow2(n)}"
            if n > 0
            else "the length must be a power of two (1, 2, 4, ...)"
        )
    raise ValueError(f"{subject} is not a power of two; {why}")


def check_pow2_vector(arr: np.ndarray, name: str, why: str) -> None:
    """Refuse ``arr`` unless it is one-dimensional with a length ``2**n``; ``why`` says why."""
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    check_pow2(len(arr), f"{name} has length {len(arr)}, which", why)


def truth_table_array(values: Any, name: str = "truth_table") -> np.ndarray:
    """A truth table (``2**n`` values 0/1, or False/True) as an int64 array of 0/1."""
    refuse_tensor(values, name, "hadalib.boolean")
    f = as_array(values, name, kinds=None)
    if f.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold the numbers 0 and 1, got dtype {f.dtype}")
    check_pow2_vector(f, name, BOOLEAN_LENGTH)
    bad = np.flatnonzero((f != 0) & (f != 1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{name} holds {f[i].item()!r} at index {i}; a truth table holds only 0 and 1 "
            "(or False and True); convert a +-1 table F with (1 - F) // 2"
        )
    return f.astype(np.int64)
