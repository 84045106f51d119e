"""Imports of optional dependencies (private; every layer may import it).

hadalib needs only NumPy; each part beyond that names the extra of ``pyproject.toml``
that installs what it imports. A missing package then says which extra to install,
instead of ending in a bare ``ModuleNotFoundError``::

    with requires("experiments"):
        import torch
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["requires", "DISTRIBUTIONS"]

#: Import name -> the name pip installs it by, where the two differ.
DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "PIL": "pillow",
    "pynvml": "nvidia-ml-py",
    "IPython": "ipython",
}


@contextlib.contextmanager
def requires(extra: str) -> Iterator[None]:
    """Imports in the ``with`` block come from the extra ``extra`` of hadalib.

    A package missing from this machine raises a ModuleNotFoundError naming it and
    ``pip install 'hadalib[extra]'`` (the traceback shows what needs it); any other error
    (one inside hadalib, a package that is installed but fails to load) goes through
    unchanged.
    """
    try:
        yield
    except ModuleNotFoundError as exc:
        package = (exc.name or "").split(".")[0]
        if not package or package == "hadalib":
            raise
        raise ModuleNotFoundError(
            f"{DISTRIBUTIONS.get(package, package)} is not installed here, and this part of "
            f"hadalib needs it: pip install 'hadalib[{extra}]'",
            name=exc.name,
        ) from exc
