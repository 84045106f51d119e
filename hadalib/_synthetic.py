"""Random CIFAR-shaped images (private; every layer may import it).

The same arrays fill :func:`hadalib.data.make_synthetic_cifar100`'s archive and the
experiments' ``--data synthetic``: right for throughput, memory and energy, meaningless
for accuracy.
"""

from __future__ import annotations

import numpy as np

from hadalib._checks import as_int, as_rng


def synthetic_arrays(
    n_train: int, n_test: int, seed: int | np.random.Generator | None
) -> dict[str, np.ndarray]:
    """Random uint8 images (N, 32, 32, 3) with fine labels (0..99) and coarse ones (0..19).

    Keys ``x_train``, ``y_train``, ``coarse_train`` and the same for ``test``; the same
    sizes and integer seed give the same arrays. ``seed`` follows hadalib's one seed rule
    (``hadalib._checks.as_rng``). A size that is not an integer raises a TypeError, one
    below 1 a ValueError; so does a seed that is not accepted.
    """
    sizes = {"n_train": as_int(n_train, "n_train"), "n_test": as_int(n_test, "n_test")}
    for name, n in sizes.items():
        if n < 1:
            raise ValueError(f"{name} must be a positive int, got {n!r}")
    rng = as_rng(seed, "seed")
    out = {}
    for split, n in (("train", sizes["n_train"]), ("test", sizes["n_test"])):
        out[f"x_{split}"] = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        out[f"y_{split}"] = rng.integers(0, 100, size=n, dtype=np.int64)
        out[f"coarse_{split}"] = out[f"y_{split}"] // 5
    return out
