"""Data for the transform-layer chapters: CIFAR-100 (read safely) and scikit-learn's digits.

CIFAR-100 is read from the official python archive ``cifar-100-python.tar.gz`` (or the
folder it extracts to). Nothing downloads unless asked. The archive's and the files'
published MD5s are checked, extraction refuses anything but plain files and folders
inside the target folder, and the pickles are read by an unpickler that builds only what
the format uses (lists, dicts, strings, numbers and NumPy uint8 arrays): a hostile pickle
cannot run code.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["load_cifar100", "make_synthetic_cifar100", "load_digits"]

_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_ARCHIVE = "cifar-100-python.tar.gz"
_FOLDER = "cifar-100-python"
# Published checksums (as in torchvision.datasets.CIFAR100).
_ARCHIVE_MD5 = "eb9058c3a382ffc7106e4002c42a8d85"
_FILE_MD5 = {
    "train": "16019d7e3df5f24257cddd939b257f8d",
    "test": "f0ef6b0ae62326f3e7ffdfab6717acfc",
    "meta": "7973b15100ade9c7d40fb424638fde48",
}
_REDO = (
    "delete it and download the official archive again "
    "(hadalib.data.load_cifar100(root, download=True), or by hand from "
    "https://www.cs.toronto.edu/~kriz/cifar.html)"
)


class _RefusedGlobal(pickle.UnpicklingError):
    """A pickle asked for a global outside the allow-list."""


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds only NumPy arrays and dtypes besides plain containers; refuses any other global."""

    def find_class(self, module: str, name: str) -> Any:
        if name == "_reconstruct" and module in ("numpy.core.multiarray",
                                                 "numpy._core.multiarray"):
            # the reconstructor NumPy itself pickles arrays with, whatever its module path
            return np.zeros(0).__reduce__()[0]
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        raise _RefusedGlobal(
            f"refusing to load global {module}.{name}: a CIFAR-100 pickle only needs "
            "numpy.ndarray, numpy.dtype and numpy's array reconstructor"
        )


def _unpickle(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            obj = _RestrictedUnpickler(f, encoding="latin1").load()
    except _RefusedGlobal as exc:
        raise ValueError(f"{path}: {exc}; {_REDO}") from exc
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError) as exc:
        raise ValueError(f"{path} is truncated or corrupted ({exc}); {_REDO}") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{path} holds a {type(obj).__name__}, not a CIFAR-100 dict; {_REDO}")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_md5(path: Path, expected: str) -> None:
    got = _md5(path)
    if got != expected:
        raise ValueError(
            f"MD5 of {path} is {got}, expected {expected}: the file is corrupted, truncated "
            f"or not the official one; {_REDO}. For a synthetic archive pass verify=False"
        )


def _download(url: str, path: Path) -> None:
    """Download ``url`` to ``path`` with a progress bar (written atomically)."""
    from tqdm.auto import tqdm

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    try:
        with urllib.request.urlopen(url) as response, os.fdopen(fd, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=path.name) as bar:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    out.write(chunk)
                    bar.update(len(chunk))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _safe_extract(archive: Path, dest: Path) -> None:
    """Extract plain files and folders of a tar.gz into ``dest``; refuse anything else."""
    dest = dest.resolve()
    tmp = Path(tempfile.mkdtemp(dir=dest, prefix=".extract-"))
    try:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for member in tar:
                    target = (tmp / member.name).resolve()
                    if not target.is_relative_to(tmp) or os.path.isabs(member.name):
                        raise ValueError(
                            f"{archive}: member {member.name!r} would be written outside "
                            f"{dest}; refusing to extract this archive; {_REDO}"
                        )
                    if member.isdir():
                        target.mkdir(parents=True, exist_ok=True)
                    elif member.isfile():
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with tar.extractfile(member) as src, open(target, "wb") as out:
                            shutil.copyfileobj(src, out)
                    else:
                        raise ValueError(
                            f"{archive}: member {member.name!r} is a link or special file; "
                            f"refusing to extract this archive; {_REDO}"
                        )
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            raise ValueError(
                f"cannot read {archive}: truncated or corrupted archive "
                f"({type(exc).__name__}: {exc}); {_REDO}"
            ) from exc
        if not (tmp / _FOLDER).is_dir():
            raise ValueError(f"{archive} has no folder {_FOLDER}/; {_REDO}")
        os.replace(tmp / _FOLDER, dest / _FOLDER)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _split(folder: Path, name: str, verify: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    path = folder / name
    if not path.is_file():
        raise ValueError(f"{path} is missing; {_REDO}")
    if verify:
        _check_md5(path, _FILE_MD5[name])
    d = _unpickle(path)
    try:
        data = np.asarray(d["data"], dtype=np.uint8)
        fine = np.asarray(d["fine_labels"], dtype=np.int64)
        coarse = np.asarray(d["coarse_labels"], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"{path} has no {exc} entry; {_REDO}") from exc
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or not len(fine) == len(coarse) == len(data):
        raise ValueError(f"{path}: data of shape {data.shape} is not N x 3072 uint8; {_REDO}")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), fine, coarse


def load_cifar100(root: str | os.PathLike, download: bool = False,
                  verify: bool = True) -> dict[str, Any]:
    """CIFAR-100 from the official python archive, as NumPy arrays.

    Looks for ``root/cifar-100-python/`` (the extracted folder), else for
    ``root/cifar-100-python.tar.gz``, which it checks and extracts safely; downloads the
    archive first only when ``download=True``.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding the archive or its extracted folder.
    download : bool
        Download the archive (about 161 MB, with a progress bar) if it is missing.
    verify : bool
        Check the published MD5s of the archive and of the ``train``, ``test`` and
        ``meta`` files. Pass False for an archive made by :func:`make_synthetic_cifar100`.

    Returns
    -------
    dict
        ``x_train`` (50000, 32, 32, 3) and ``x_test`` (10000, 32, 32, 3) uint8 images
        (N, H, W, C), ``y_train``/``y_test`` fine labels (int64, 0..99),
        ``coarse_train``/``coarse_test`` coarse labels (0..19), ``label_names`` and
        ``coarse_label_names`` (lists of str).

    Raises
    ------
    FileNotFoundError
        If neither the folder nor the archive is there and ``download`` is False.
    ValueError
        If a checksum does not match, the archive is truncated or corrupted, a member
        would be written outside ``root``, or a pickle asks for anything beyond the
        format; the message names the file and what to do.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> _ = make_synthetic_cifar100(root, n_train=20, n_test=10, seed=0)
    >>> data = load_cifar100(root, verify=False)
    >>> data["x_train"].shape, data["x_train"].dtype, len(data["label_names"])
    ((20, 32, 32, 3), dtype('uint8'), 100)

    Introduced in: book/10_resnet50_wht.ipynb
    """
    root = Path(root)
    folder = root / _FOLDER
    if not folder.is_dir():
        archive = root / _ARCHIVE
        if not archive.is_file():
            if not download:
                raise FileNotFoundError(
                    f"neither {folder} nor {archive} exists; put the official "
                    f"{_ARCHIVE} there or call load_cifar100({str(root)!r}, download=True)"
                )
            _download(_URL, archive)
        if verify:
            _check_md5(archive, _ARCHIVE_MD5)
        root.mkdir(parents=True, exist_ok=True)
        _safe_extract(archive, root)
    x_train, y_train, c_train = _split(folder, "train", verify)
    x_test, y_test, c_test = _split(folder, "test", verify)
    meta_path = folder / "meta"
    if not meta_path.is_file():
        raise ValueError(f"{meta_path} is missing; {_REDO}")
    if verify:
        _check_md5(meta_path, _FILE_MD5["meta"])
    meta = _unpickle(meta_path)
    try:
        names = [str(n) for n in meta["fine_label_names"]]
        coarse_names = [str(n) for n in meta["coarse_label_names"]]
    except KeyError as exc:
        raise ValueError(f"{meta_path} has no {exc} entry; {_REDO}") from exc
    return {
        "x_train": x_train, "y_train": y_train, "coarse_train": c_train,
        "x_test": x_test, "y_test": y_test, "coarse_test": c_test,
        "label_names": names, "coarse_label_names": coarse_names,
    }


def _synthetic_arrays(n_train: int, n_test: int, seed: int) -> dict[str, np.ndarray]:
    """Random CIFAR-shaped uint8 images (N, 32, 32, 3) with fine and coarse labels."""
    for name, n in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name} must be a positive int, got {n!r}")
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        out[f"x_{split}"] = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        out[f"y_{split}"] = rng.integers(0, 100, size=n, dtype=np.int64)
        out[f"coarse_{split}"] = out[f"y_{split}"] // 5
    return out


def make_synthetic_cifar100(path: str | os.PathLike, n_train: int = 500, n_test: int = 100,
                            seed: int = 0) -> os.PathLike:
    """Write a CIFAR-100-format archive of random images, for tests and offline demos.

    The archive has the official layout (``cifar-100-python/{train,test,meta}``, pickled
    dicts with ``data`` as N x 3072 uint8 rows, channel-major, and ``fine_labels``,
    ``coarse_labels``, ``filenames``, ``batch_label``; ``meta`` with the label names), so
    :func:`load_cifar100` reads it with ``verify=False``. Pixel values are uniform
    random: right for throughput, memory and energy, meaningless for accuracy. The same
    arguments give the same bytes.

    Parameters
    ----------
    path : str or os.PathLike
        Folder to write ``cifar-100-python.tar.gz`` into (created if missing).
    n_train, n_test : int
        Number of training and test images.
    seed : int
        Seed of the random images and labels.

    Returns
    -------
    os.PathLike
        The archive written (a ``pathlib.Path``).

    Raises
    ------
    ValueError
        If ``n_train`` or ``n_test`` is not a positive int.

    Examples
    --------
    >>> import tempfile
    >>> make_synthetic_cifar100(tempfile.mkdtemp(), n_train=10, n_test=5).name
    'cifar-100-python.tar.gz'

    Introduced in: book/10_resnet50_wht.ipynb
    """
    arrays = _synthetic_arrays(n_train, n_test, seed)
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for split in ("train", "test"):
        x = arrays[f"x_{split}"]
        files[split] = {
            "filenames": [f"synthetic_{i:05d}.png" for i in range(len(x))],
            "batch_label": f"synthetic {split} batch",
            "fine_labels": arrays[f"y_{split}"].tolist(),
            "coarse_labels": arrays[f"coarse_{split}"].tolist(),
            "data": np.ascontiguousarray(x.transpose(0, 3, 1, 2).reshape(len(x), -1)),
        }
    files["meta"] = {
        "fine_label_names": [f"class_{i:02d}" for i in range(100)],
        "coarse_label_names": [f"superclass_{i:02d}" for i in range(20)],
    }
    archive = folder / _ARCHIVE
    # gzip without a time stamp or file name: the same arguments give the same bytes
    with open(archive, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                   mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w") as tar:
        info = tarfile.TarInfo(_FOLDER)
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
        for name, obj in files.items():
            blob = pickle.dumps(obj, protocol=4)
            info = tarfile.TarInfo(f"{_FOLDER}/{name}")
            info.size, info.mode = len(blob), 0o644
            tar.addfile(info, io.BytesIO(blob))
    return archive


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> dict[str, Any]:
    """scikit-learn's 8x8 handwritten digits (1,797 images, shipped with the package).

    Parameters
    ----------
    test_fraction : float
        Share of the images held out for testing, stratified by class.
    seed : int
        Seed of the train/test split.

    Returns
    -------
    dict
        ``x_train``, ``x_test``: float32 tensors (N, 1, 8, 8) with values in [0, 1];
        ``y_train``, ``y_test``: int64 tensors of labels 0..9; ``label_names``.

    Raises
    ------
    ValueError
        If ``test_fraction`` is not strictly between 0 and 1.

    Examples
    --------
    >>> d = load_digits()
    >>> tuple(d["x_train"].shape), tuple(d["x_test"].shape)
    ((1437, 1, 8, 8), (360, 1, 8, 8))

    Introduced in: book/09_transform_layers.ipynb
    """
    import torch
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    bunch = sklearn_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None]
    y = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return {
        "x_train": torch.from_numpy(x_train), "y_train": torch.from_numpy(y_train),
        "x_test": torch.from_numpy(x_test), "y_test": torch.from_numpy(y_test),
        "label_names": [str(i) for i in range(10)],
    }
