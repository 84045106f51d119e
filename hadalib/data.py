"""Data for the transform-layer chapters: CIFAR-100 (read safely) and scikit-learn's digits.

CIFAR-100 is read from the official python archive ``cifar-100-python.tar.gz`` (or the
folder it extracts to). Nothing downloads unless asked. The archive's and the files'
published MD5s are checked; when they are not (``verify=False``), nothing in the files is
trusted. Extraction refuses anything but plain files and folders inside the target folder
and stops at the official files' sizes; the pickles are read by an unpickler that builds
only what the format uses (lists, dicts, strings, numbers and NumPy integer arrays whose
bytes are in the file): a hostile pickle cannot run code or claim memory it does not hold;
and the labels and pixels are checked against their ranges.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import pickle
import shutil
import stat
import tarfile
import tempfile
import urllib.request
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from hadalib._checks import as_real, check_seed
from hadalib._files import atomic_write
from hadalib._optional import requires
from hadalib._synthetic import synthetic_arrays

__all__ = ["load_cifar100", "make_synthetic_cifar100", "load_digits"]

_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_MAX_SPLIT_SEED = 2**32 - 1  # scikit-learn's train_test_split seeds a 32-bit generator
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
# The official files' sizes with a small margin: extraction and reading stop there, so an
# untrusted archive can fill neither the disk nor the memory.
_OFFICIAL_SIZE = {"train": "155 MB", "test": "31 MB", "meta": "1.5 KB"}
_CAPS = {"train": 160_000_000, "test": 32_000_000, "meta": 16_384}
_OTHER_CAP = 1_000_000  # file.txt~ (an editor's backup) or any other member
_TOTAL_CAP = 192_000_000  # the official files hold about 187 MB in all
_MAX_MEMBERS = 16  # the official archive has 5: the folder and 4 files
_HEADER_SLACK = 1 << 20  # tar headers and padding, on top of the files' bytes
# The NumPy dtypes an array in a pickle may have: numbers only (floats pass here so that the
# field checks can say which field holds them).
_DTYPES = frozenset({"u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8"})


class _Refused(pickle.UnpicklingError):
    """A pickle asked for something the CIFAR-100 format does not use."""


class _Budget:
    """Bytes the unpickler's stand-ins may build for one pickle: no more than its file holds."""

    __slots__ = ("left",)

    def __init__(self, size: int) -> None:
        self.left = size

    def charge(self, nbytes: int) -> None:
        self.left -= nbytes
        if self.left < 0:
            raise _Refused(
                "the pickle builds more bytes than the file holds (one string "
                "reused to amplify it); refusing it"
            )


class _NdarrayClass:
    """Stands for ``numpy.ndarray`` as the reconstructor's first argument; builds nothing."""

    __slots__ = ()


_NDARRAY = _NdarrayClass()


class _PendingDtype:
    """``numpy.dtype(code)`` from a pickle, until BUILD gives its byte order."""

    __slots__ = ("code", "order")

    def __init__(self, code: str) -> None:
        self.code, self.order = code, "|"

    def __setstate__(self, state: Any) -> None:
        order = state[1] if isinstance(state, tuple) and len(state) >= 5 else None
        order = order.decode("latin1") if isinstance(order, bytes) else order
        if order not in ("<", ">", "|", "=") or any(s is not None for s in state[2:5]):
            raise _Refused(
                f"refusing numpy dtype {self.code!r} with fields or a subarray: a "
                "CIFAR-100 pickle holds only plain numeric arrays"
            )
        self.order = order


class _PendingArray:
    """What numpy's reconstructor returns, until BUILD brings the array's state and bytes."""

    __slots__ = ("array", "budget")

    def __init__(self, budget: _Budget) -> None:
        self.array, self.budget = None, budget

    def __setstate__(self, state: Any) -> None:
        if self.array is not None or not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _Refused("an array's state is not numpy's (version, shape, dtype, fortran, data)")
        shape, dtype, fortran, raw = state[-4:]
        self.array = _array(self.budget, raw, dtype, shape, "F" if fortran else "C")


def _array(
    budget: _Budget, raw: Any, dtype: Any, shape: Any, order: Any, axis_order: Any = None
) -> np.ndarray:
    """An array over ``raw``, the bytes in the file, once its claimed size matches them."""
    if not isinstance(dtype, _PendingDtype):
        raise _Refused(f"an array's dtype is a {type(dtype).__name__}, not a numpy dtype")
    dt = np.dtype(dtype.order + dtype.code)
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        raise _Refused(f"an array's shape is {shape!r}, not a tuple of sizes")
    if not isinstance(raw, (bytes, bytearray, str)):
        raise _Refused(f"an array's data is a {type(raw).__name__}, not bytes")
    claimed = math.prod(shape) * dt.itemsize
    if claimed != len(raw):
        raise _Refused(
            f"an array claims shape {shape} of {dt} ({claimed} bytes) but its data "
            f"has {len(raw)} bytes"
        )
    if isinstance(raw, str):  # a Python 2 str, read as latin1
        budget.charge(len(raw))
        raw = raw.encode("latin1")
    array = np.frombuffer(raw, dtype=dt)
    if order == "K" and axis_order is not None:  # numpy's _frombuffer for permuted strides
        return array.reshape(shape).transpose(axis_order)
    if order not in ("C", "F"):
        raise _Refused(f"an array's order is {order!r}, not 'C' or 'F'")
    return array.reshape(shape, order=order)


def _bytes_from(budget: _Budget, what: str, value: Any, encoding: Any = None) -> bytes:
    """``value`` as bytes, as pickle writes them: bytes, or a str with the latin1 codec."""
    if isinstance(value, str) and encoding in ("latin1", "latin-1"):
        budget.charge(len(value))
        return value.encode("latin1")
    if isinstance(value, (bytes, bytearray)) and encoding is None:
        budget.charge(len(value))
        return bytes(value)
    args = ", ".join([type(value).__name__] + ([repr(encoding)] if encoding is not None else []))
    raise _Refused(
        f"{what}({args}) is not how pickle writes bytes; accepted: {what}(bytes) "
        f"or {what}(str, 'latin1')"
    )


def _stand_ins(budget: _Budget) -> dict[tuple[str, str], Any]:
    """The callables a CIFAR-100 pickle may name, made afresh for each file.

    Every way Python 3's protocols 2-5 write a NumPy array: the reconstructor and
    ``__setstate__`` (with the bytes as ``bytes``, ``bytearray``, ``_codecs.encode(str,
    'latin1')`` in protocol 2, or a Python 2 ``str``), and ``_frombuffer`` (protocol 5).
    """

    def reconstruct(subtype: Any, shape: Any, dtype: Any) -> _PendingArray:
        if subtype is not _NDARRAY:
            raise _Refused("numpy's reconstructor may only build a numpy.ndarray")
        return _PendingArray(budget)

    def frombuffer(
        buf: Any, dtype: Any, shape: Any, order: Any, axis_order: Any = None
    ) -> np.ndarray:
        if not isinstance(buf, (bytes, bytearray)):
            raise _Refused(f"numpy's _frombuffer got a {type(buf).__name__}, not bytes")
        return _array(budget, buf, dtype, shape, order, axis_order)

    def dtype(code: Any, align: Any = False, copy: Any = True) -> _PendingDtype:
        text = code.decode("latin1") if isinstance(code, bytes) else code
        if text not in _DTYPES:
            raise _Refused(
                f"refusing numpy dtype {text!r}: a CIFAR-100 pickle holds only "
                f"numeric arrays ({', '.join(sorted(_DTYPES))} accepted)"
            )
        return _PendingDtype(text)

    def encode(value: Any, encoding: Any = None) -> bytes:
        return _bytes_from(budget, "_codecs.encode", value, encoding)

    def bytes_(*args: Any) -> bytes:
        return _bytes_from(budget, "builtins.bytes", *args) if args else b""

    def bytearray_(*args: Any) -> bytearray:
        return bytearray(_bytes_from(budget, "builtins.bytearray", *args) if args else b"")

    names = {"_reconstruct": reconstruct, "_frombuffer": frombuffer}
    out = {
        (f"numpy.{core}.{module}", name): names[name]
        for core in ("core", "_core")
        for module, name in (("multiarray", "_reconstruct"), ("numeric", "_frombuffer"))
    }
    out |= {
        ("numpy", "ndarray"): _NDARRAY,
        ("numpy", "dtype"): dtype,
        ("_codecs", "encode"): encode,
    }
    for module in ("builtins", "__builtin__"):  # protocol 2 writes the Python 2 name
        out |= {(module, "bytes"): bytes_, (module, "bytearray"): bytearray_}
    return out


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds plain containers and, through stand-ins, NumPy arrays; refuses any other global.

    The stand-ins are fresh closures per file, so that BUILD on one of them touches nothing
    shared, and they charge every byte they make to a budget of the file's size.
    """

    def __init__(self, file: io.BufferedReader, size: int) -> None:
        super().__init__(file, encoding="latin1")
        self._stand_ins = _stand_ins(_Budget(size))

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._stand_ins[module, name]
        except KeyError:
            raise _Refused(
                f"refusing to load global {module}.{name}: a CIFAR-100 pickle only needs "
                "numpy.ndarray, numpy.dtype, numpy's array reconstructor or _frombuffer, and "
                "the bytes they hold"
            ) from None


def _unpickle(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            obj = _RestrictedUnpickler(f, os.fstat(f.fileno()).st_size).load()
    except _Refused as exc:
        raise ValueError(f"{path}: {exc}; {_REDO}") from exc
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        MemoryError,
        OverflowError,
    ) as exc:
        raise ValueError(
            f"{path} is truncated or corrupted ({type(exc).__name__}: {exc}); {_REDO}"
        ) from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{path} holds a {type(obj).__name__}, not a CIFAR-100 dict; {_REDO}")
    out = {}
    for key, value in obj.items():
        if isinstance(value, _PendingArray):
            if value.array is None:
                raise ValueError(
                    f"{path}: an array built by numpy's reconstructor has no data (no "
                    "__setstate__ with its bytes); only arrays whose bytes are in the file "
                    f"are accepted; {_REDO}"
                )
            value = value.array
        out[key.decode("latin1") if isinstance(key, bytes) else key] = value
    return out


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
    with requires("data"):
        from tqdm.auto import tqdm

    def write(out: IO[bytes]) -> None:
        with urllib.request.urlopen(url) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=path.name) as bar:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    out.write(chunk)
                    bar.update(len(chunk))

    atomic_write(path, write, suffix=".part")


def _too_big(name: str, size: int) -> str:
    """Why ``size`` bytes are refused for the folder's file ``name``."""
    cap = _CAPS.get(name, _OTHER_CAP)
    official = (
        f"the official file has about {_OFFICIAL_SIZE[name]}"
        if name in _OFFICIAL_SIZE
        else f"{name} is not one of the official data files"
    )
    return f"has {size} bytes; {official}, so at most {cap} bytes are accepted"


class _CappedReader:
    """A stream that refuses to yield more than ``limit`` bytes (a decompression bomb)."""

    def __init__(self, stream: Any, limit: int, archive: Path) -> None:
        self._stream, self._limit, self._left, self._archive = stream, limit, limit, archive

    def read(self, size: int = -1) -> bytes:
        want = self._left + 1 if size < 0 else min(size, self._left + 1)
        data = self._stream.read(want)
        self._left -= len(data)
        if self._left < 0:
            raise ValueError(
                f"{self._archive} decompresses to more than {self._limit} bytes, more than "
                f"the official archive; refusing to extract this archive; {_REDO}"
            )
        return data


def _extract_members(tar: tarfile.TarFile, archive: Path, tmp: Path, dest: Path) -> None:
    """Write the plain files and folders of ``tar`` under ``tmp``, within the official sizes."""
    total = 0
    for count, member in enumerate(tar, start=1):
        if count > _MAX_MEMBERS:
            raise ValueError(
                f"{archive} has more than {_MAX_MEMBERS} members (the official "
                f"one has 5); refusing to extract this archive; {_REDO}"
            )
        target, name = (tmp / member.name).resolve(), member.name.removeprefix(f"{_FOLDER}/")
        if not target.is_relative_to(tmp) or os.path.isabs(member.name):
            why = f"would be written outside {dest}"
        elif member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        elif not member.isfile():
            why = "is a link or special file"
        elif member.issparse():
            why = "is a sparse file"
        elif member.size > _CAPS.get(name, _OTHER_CAP):
            why = _too_big(name, member.size)
        else:
            total += member.size
            if total > _TOTAL_CAP:
                raise ValueError(
                    f"{archive}: its files hold more than {_TOTAL_CAP} bytes in "
                    f"all; refusing to extract this archive; {_REDO}"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            continue
        raise ValueError(
            f"{archive}: member {member.name!r} {why}; refusing to extract this archive; {_REDO}"
        )


def _safe_extract(archive: Path, dest: Path) -> None:
    """Extract plain files and folders of a tar.gz into ``dest``; refuse anything else.

    Everything is written to a temporary folder that moves into place only once the whole
    archive is extracted, so a refused or broken archive leaves nothing behind.
    """
    dest = dest.resolve()
    tmp = Path(tempfile.mkdtemp(dir=dest, prefix=".extract-"))
    try:
        try:
            with (
                gzip.open(archive, "rb") as gz,
                tarfile.open(
                    fileobj=_CappedReader(gz, _TOTAL_CAP + _HEADER_SLACK, archive), mode="r|"
                ) as tar,
            ):
                _extract_members(tar, archive, tmp, dest)
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


# What a path may be besides a regular file or a folder, by its mode bits.
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(path: Path) -> str:
    """What ``path`` is, in words: "missing", "a regular file", "a folder", or what else
    (a FIFO, a device, a socket, a link to one or to nothing). Reads only the file's
    metadata, so a FIFO is never opened (opening one waits for a writer)."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        if path.is_symlink():
            return f"a symbolic link to {os.readlink(path)}, which does not exist"
        return "missing"
    if stat.S_ISREG(mode):
        kind = "a regular file"
    elif stat.S_ISDIR(mode):
        kind = "a folder"
    else:
        kind = next((what for test, what in _SPECIAL_KINDS if test(mode)), "a special file")
    if path.is_symlink() and kind not in ("a regular file", "a folder"):
        return f"a symbolic link to {os.readlink(path)}, {kind}"
    return kind


def _not_readable(root: Path, path: Path, kind: str, wanted: str) -> ValueError:
    """The error for ``path`` (under ``root``) being ``kind``, not ``wanted``."""
    return ValueError(
        f"root={str(root)!r}: {path} is {kind}, not {wanted}; load_cifar100 reads the official "
        f"{_ARCHIVE} (a regular file) or the folder {_FOLDER} it extracts to (with the "
        f"regular files train, test and meta): remove it and put one of those there"
    )


def _checked_file(folder: Path, name: str, verify: bool) -> Path:
    """``folder/name``, once it is a regular file no larger than the official file and, if
    asked, has the published MD5."""
    path = folder / name
    kind = _kind(path)
    if kind == "missing":
        raise ValueError(f"{path} is missing; {_REDO}")
    if kind != "a regular file":
        raise _not_readable(folder.parent, path, kind, "a regular file")
    size = path.stat().st_size
    if size > _CAPS[name]:
        raise ValueError(f"{path} {_too_big(name, size)}; {_REDO}")
    if verify:
        _check_md5(path, _FILE_MD5[name])
    return path


def _field(path: Path, d: dict[str, Any], key: str) -> Any:
    try:
        return d[key]
    except KeyError:
        raise ValueError(f"{path} has no {key!r} entry; {_REDO}") from None


def _integers(path: Path, field: str, value: Any, accepted: str, high: int) -> np.ndarray:
    """``value`` as an integer array with values in 0..high; else a ValueError naming the
    file, the field, what it holds and what is ``accepted``."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(
            f"{path}: {field} is not an array of numbers ({exc}); CIFAR-100 {accepted}; {_REDO}"
        ) from exc
    if array.dtype.kind not in "iu" and array.size:
        raise ValueError(f"{path}: {field} has dtype {array.dtype}; CIFAR-100 {accepted}; {_REDO}")
    if array.size and (array.min() < 0 or array.max() > high):
        bad = array.min() if array.min() < 0 else array.max()
        raise ValueError(f"{path}: {field} contains {bad}; CIFAR-100 {accepted}; {_REDO}")
    return array


def _labels(path: Path, field: str, value: Any, classes: int, images: int) -> np.ndarray:
    kind = field.split("_")[0]
    accepted = f"{kind} labels are integers 0..{classes - 1}"
    labels = _integers(path, field, value, accepted, classes - 1)
    if labels.ndim != 1:
        raise ValueError(
            f"{path}: {field} has shape {labels.shape}; CIFAR-100 {kind} labels "
            f"are a list of integers 0..{classes - 1}, one per image; {_REDO}"
        )
    if len(labels) != images:
        raise ValueError(
            f"{path}: {field} has {len(labels)} labels for {images} images; "
            f"CIFAR-100 has one {kind} label per image; {_REDO}"
        )
    return labels.astype(np.int64)


def _label_names(path: Path, meta: dict[str, Any], field: str, count: int) -> list[str]:
    names = _field(path, meta, field)
    if not isinstance(names, (list, tuple)):
        got = f"a {type(names).__name__}"
    elif len(names) != count:
        got = f"a list of length {len(names)}"
    elif not all(isinstance(n, (str, bytes)) for n in names):
        got = "a list holding a " + next(
            type(n).__name__ for n in names if not isinstance(n, (str, bytes))
        )
    else:
        return [n.decode("latin1") if isinstance(n, bytes) else n for n in names]
    raise ValueError(
        f"{path}: {field} is {got}; CIFAR-100 has {count} "
        f"{field.split('_')[0]} label names (strings); {_REDO}"
    )


def _all_label_names(folder: Path, verify: bool) -> tuple[list[str], list[str]]:
    """The fine and the coarse label names of the ``meta`` file."""
    path = _checked_file(folder, "meta", verify)
    meta = _unpickle(path)
    return (
        _label_names(path, meta, "fine_label_names", 100),
        _label_names(path, meta, "coarse_label_names", 20),
    )


def _split(folder: Path, name: str, verify: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    path = _checked_file(folder, name, verify)
    d = _unpickle(path)
    data = _integers(
        path, "data", _field(path, d, "data"), "pixels are integers 0..255 (uint8)", 255
    )
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(
            f"{path}: data has shape {data.shape}; CIFAR-100 data are N x 3072 "
            f"rows (3 x 32 x 32 pixels, channel-major); {_REDO}"
        )
    fine = _labels(path, "fine_labels", _field(path, d, "fine_labels"), 100, len(data))
    coarse = _labels(path, "coarse_labels", _field(path, d, "coarse_labels"), 20, len(data))
    images = data.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), fine, coarse


def _extracted(root: Path, download: bool, verify: bool) -> Path:
    """The extracted folder under ``root``; the archive is downloaded (if asked), checked
    and extracted first where the folder is missing."""
    folder, archive = root / _FOLDER, root / _ARCHIVE
    kinds = {folder: _kind(folder), archive: _kind(archive)}
    if kinds[folder] == "a folder":
        return folder
    for path, wanted in ((folder, "a folder"), (archive, "a regular file")):
        if kinds[path] not in ("missing", wanted):
            raise _not_readable(root, path, kinds[path], wanted)
    if kinds[archive] == "missing":
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
    return folder


def load_cifar100(
    root: str | os.PathLike, download: bool = False, verify: bool = True
) -> dict[str, Any]:
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
        ``meta`` files. Pass False for an archive made by :func:`make_synthetic_cifar100`;
        the files are then untrusted, and still limited to the official sizes and checked
        value by value.

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
        If the archive, its folder or a file in it is something other than a regular file
        or a folder (a FIFO, a device, a socket, a link to one), which is never opened,
        a checksum does not match, the archive is truncated or corrupted, a member
        would be written outside ``root``, is a link or a sparse file, or is larger than
        the official file, a pickle asks for anything beyond the format (or an array whose
        bytes are not in the file), or labels or pixels are not integers in their ranges;
        the message names the file, the field and what to do.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> _ = make_synthetic_cifar100(root, n_train=20, n_test=10, seed=0)
    >>> data = load_cifar100(root, verify=False)
    >>> data["x_train"].shape, data["x_train"].dtype, len(data["label_names"])
    ((20, 32, 32, 3), dtype('uint8'), 100)

    Introduced in: book/12_resnet50_wht.ipynb
    """
    folder = _extracted(Path(root), download, verify)
    x_train, y_train, c_train = _split(folder, "train", verify)
    x_test, y_test, c_test = _split(folder, "test", verify)
    names, coarse_names = _all_label_names(folder, verify)
    return {
        "x_train": x_train,
        "y_train": y_train,
        "coarse_train": c_train,
        "x_test": x_test,
        "y_test": y_test,
        "coarse_test": c_test,
        "label_names": names,
        "coarse_label_names": coarse_names,
    }


def make_synthetic_cifar100(
    path: str | os.PathLike,
    n_train: int = 500,
    n_test: int = 100,
    seed: int | np.random.Generator | None = 0,
) -> os.PathLike:
    """Write a CIFAR-100-format archive of random images, for tests and offline demos.

    The archive has the official layout (``cifar-100-python/{train,test,meta}``, pickled
    dicts with ``data`` as N x 3072 uint8 rows, channel-major, and ``fine_labels``,
    ``coarse_labels``, ``filenames``, ``batch_label``; ``meta`` with the label names), so
    :func:`load_cifar100` reads it with ``verify=False``. Pixel values are uniform
    random: right for throughput, memory and energy, meaningless for accuracy. The same
    sizes and integer seed give the same bytes.

    Parameters
    ----------
    path : str or os.PathLike
        Folder to write ``cifar-100-python.tar.gz`` into (created if missing).
    n_train, n_test : int
        Number of training and test images.
    seed : None, int or numpy.random.Generator
        Seed of the random images and labels (None: fresh randomness).

    Returns
    -------
    os.PathLike
        The archive written (a ``pathlib.Path``).

    Raises
    ------
    TypeError
        If ``n_train`` or ``n_test`` is not an integer, or ``seed`` is none of the above.
    ValueError
        If ``n_train`` or ``n_test`` is below 1, or ``seed`` is negative.

    Examples
    --------
    >>> import tempfile
    >>> make_synthetic_cifar100(tempfile.mkdtemp(), n_train=10, n_test=5).name
    'cifar-100-python.tar.gz'

    Introduced in: book/12_resnet50_wht.ipynb
    """
    arrays = synthetic_arrays(n_train, n_test, seed)
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
    _write_archive(archive, files)
    return archive


def _write_archive(archive: Path, files: dict[str, Any]) -> None:
    """Write the pickled ``files`` into ``archive`` under the official folder name."""
    # gzip without a time stamp or file name: the same arguments give the same bytes
    with (
        open(archive, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w") as tar,
    ):
        info = tarfile.TarInfo(_FOLDER)
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
        for name, obj in files.items():
            blob = pickle.dumps(obj, protocol=4)
            info = tarfile.TarInfo(f"{_FOLDER}/{name}")
            info.size, info.mode = len(blob), 0o644
            tar.addfile(info, io.BytesIO(blob))


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> dict[str, Any]:
    """scikit-learn's 8x8 handwritten digits (1,797 images, shipped with the package).

    Parameters
    ----------
    test_fraction : float
        Share of the images held out for testing, stratified by class.
    seed : int or None
        Seed of the train/test split, from 0 to 2**32 - 1 (None: fresh randomness).

    Returns
    -------
    dict
        ``x_train``, ``x_test``: float32 tensors (N, 1, 8, 8) with values in [0, 1];
        ``y_train``, ``y_test``: int64 tensors of labels 0..9; ``label_names``.

    Raises
    ------
    TypeError
        If ``test_fraction`` is not a real number, or ``seed`` not an integer or None.
    ValueError
        If ``test_fraction`` is not strictly between 0 and 1, or ``seed`` is out of range.

    Examples
    --------
    >>> d = load_digits()
    >>> tuple(d["x_train"].shape), tuple(d["x_test"].shape)
    ((1437, 1, 8, 8), (360, 1, 8, 8))

    Introduced in: book/11_transform_layers.ipynb
    """
    test_fraction = as_real(test_fraction, "test_fraction")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    seed = check_seed(seed, "seed")
    if seed is not None and seed > _MAX_SPLIT_SEED:
        raise ValueError(
            f"seed={seed} is too large; use an integer from 0 to 2**32 - 1 or None "
            "(the split's generator takes 32-bit seeds)"
        )
    with requires("data"):
        import torch
        from sklearn.datasets import load_digits as sklearn_digits
        from sklearn.model_selection import train_test_split

    bunch = sklearn_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None]
    y = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return {
        "x_train": torch.from_numpy(x_train),
        "y_train": torch.from_numpy(y_train),
        "x_test": torch.from_numpy(x_test),
        "y_test": torch.from_numpy(y_test),
        "label_names": [str(i) for i in range(10)],
    }
