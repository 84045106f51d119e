"""Tests of hadalib.data: the CIFAR-100 reader on synthetic, corrupted and hostile archives."""

from __future__ import annotations

import codecs
import io
import os
import pickle
import struct
import tarfile
import threading

import numpy as np
import pytest
import torch

import hadalib.data as hd
from hadalib.data import load_cifar100, load_digits, make_synthetic_cifar100


def _tar(path, members):
    """Write a tar.gz with members given as (name, bytes) or TarInfo objects."""
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, blob = member
                info = tarfile.TarInfo(name)
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
    return path


def _members_of(archive):
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def test_synthetic_archive_reads_back_in_the_official_layout(tmp_path):
    archive = make_synthetic_cifar100(tmp_path, n_train=12, n_test=7, seed=3)
    raw = pickle.loads(_members_of(archive)["cifar-100-python/train"])
    data = load_cifar100(tmp_path, verify=False)
    assert data["x_train"].shape == (12, 32, 32, 3) and data["x_train"].dtype == np.uint8
    assert data["x_test"].shape == (7, 32, 32, 3)
    # rows are channel-major 1024 red, 1024 green, 1024 blue values
    expected = raw["data"].reshape(12, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(data["x_train"], expected)
    np.testing.assert_array_equal(data["y_train"], raw["fine_labels"])
    np.testing.assert_array_equal(data["coarse_train"], raw["coarse_labels"])
    assert len(data["label_names"]) == 100 and len(data["coarse_label_names"]) == 20
    assert (tmp_path / "cifar-100-python" / "meta").is_file()
    # the second call reads the extracted folder, even without the archive
    archive.unlink()
    np.testing.assert_array_equal(load_cifar100(tmp_path, verify=False)["x_test"], data["x_test"])


class _Python2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 ``str`` (BINSTRING), as the official CIFAR pickles do."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_str


def test_python2_pickle_with_numpy1_names_is_read(tmp_path):
    # The official pickles: protocol 2, Python 2 str keys and data, and the NumPy 1 name
    # numpy.core.multiarray._reconstruct.
    rows = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    out = io.BytesIO()
    _Python2Pickler(out, protocol=2).dump(
        {b"data": rows, b"fine_labels": [3, 4], b"coarse_labels": [0, 1]}
    )
    blob = out.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert b"numpy.core.multiarray" in blob and b"_codecs" not in blob
    path = tmp_path / "cifar-100-python" / "train"
    path.parent.mkdir()
    path.write_bytes(blob)
    images, fine, coarse = hd._split(path.parent, "train", verify=False)
    np.testing.assert_array_equal(images[1, 0, 0], rows[1, [0, 1024, 2048]])
    np.testing.assert_array_equal(fine, [3, 4])


def test_synthetic_archive_fails_the_published_md5(tmp_path):
    make_synthetic_cifar100(tmp_path, n_train=4, n_test=2)
    with pytest.raises(
        ValueError,
        match=r"MD5 of .*cifar-100-python.tar.gz is [0-9a-f]{32}, "
        r"expected eb9058c3a382ffc7106e4002c42a8d85: the file "
        r"is corrupted.*pass verify=False",
    ):
        load_cifar100(tmp_path)


def test_truncated_archive_names_the_file(tmp_path):
    archive = make_synthetic_cifar100(tmp_path, n_train=50, n_test=10)
    blob = archive.read_bytes()
    archive.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(
        ValueError,
        match=r"cannot read .*cifar-100-python.tar.gz: truncated or "
        r"corrupted archive .*delete it and download",
    ):
        load_cifar100(tmp_path, verify=False)
    assert not (tmp_path / "cifar-100-python").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cifar-100-python.tar.gz"]


def test_corrupted_pickle_names_the_file(tmp_path):
    good = _members_of(make_synthetic_cifar100(tmp_path / "src", n_train=4, n_test=2))
    good["cifar-100-python/test"] = good["cifar-100-python/test"][:100]
    _tar(tmp_path / "cifar-100-python.tar.gz", list(good.items()))
    with pytest.raises(ValueError, match=r"cifar-100-python/test is truncated or corrupted"):
        load_cifar100(tmp_path, verify=False)


def test_archive_with_escaping_path_is_refused(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    _tar(root / "cifar-100-python.tar.gz", [("cifar-100-python/../../evil.txt", b"pwned")])
    with pytest.raises(
        ValueError,
        match=r"member 'cifar-100-python/../../evil.txt' would be "
        r"written outside .*root; refusing to extract",
    ):
        load_cifar100(root, verify=False)
    assert not (tmp_path / "evil.txt").exists()
    assert [p.name for p in root.iterdir()] == ["cifar-100-python.tar.gz"]


def test_archive_with_absolute_path_or_link_is_refused(tmp_path):
    _tar(tmp_path / "cifar-100-python.tar.gz", [("/tmp/evil.txt", b"x")])
    with pytest.raises(ValueError, match=r"member '/tmp/evil.txt' would be written outside"):
        load_cifar100(tmp_path, verify=False)
    link = tarfile.TarInfo("cifar-100-python/train")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    _tar(tmp_path / "cifar-100-python.tar.gz", [link])
    with pytest.raises(
        ValueError,
        match=r"member 'cifar-100-python/train' is a link or special "
        r"file; refusing to extract",
    ):
        load_cifar100(tmp_path, verify=False)


class _Hostile:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_hostile_pickle_does_not_run(tmp_path):
    marker = tmp_path / "hacked"
    good = _members_of(make_synthetic_cifar100(tmp_path / "src", n_train=4, n_test=2))
    good["cifar-100-python/train"] = pickle.dumps({"data": _Hostile(str(marker))})
    _tar(tmp_path / "cifar-100-python.tar.gz", list(good.items()))
    with pytest.raises(
        ValueError,
        match=r"cifar-100-python/train: refusing to load global "
        r"posix.mkdir",
    ):
        load_cifar100(tmp_path, verify=False)
    assert not marker.exists()


def test_missing_data_says_how_to_get_it(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r"neither .*cifar-100-python nor "
        r".*cifar-100-python.tar.gz exists; put the "
        r"official .* or call load_cifar100\(.*"
        r"download=True\)",
    ):
        load_cifar100(tmp_path)


def _load_within(seconds, *args, **kwargs):
    """load_cifar100(*args, **kwargs) on a thread: the exception it raised, or a failure
    if it is still running after ``seconds`` (blocked on a FIFO, say)."""
    raised = []

    def load():
        try:
            load_cifar100(*args, **kwargs)
        except Exception as exc:
            raised.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"load_cifar100 still running after {seconds} s"
    return raised[0] if raised else None


def _refusal(root, path, kind, wanted):
    return (
        f"root={str(root)!r}: {path} is {kind}, not {wanted}; load_cifar100 reads the "
        "official cifar-100-python.tar.gz (a regular file) or the folder cifar-100-python "
        "it extracts to (with the regular files train, test and meta): remove it and put "
        "one of those there"
    )


@pytest.mark.parametrize("download", [False, True])
def test_a_fifo_in_place_of_the_archive_is_named_not_opened(tmp_path, download):
    archive = tmp_path / "cifar-100-python.tar.gz"
    os.mkfifo(archive)
    exc = _load_within(10, tmp_path, download=download)
    assert isinstance(exc, ValueError)
    assert str(exc) == _refusal(tmp_path, archive, "a FIFO (named pipe)", "a regular file")


def test_a_link_to_a_device_in_place_of_the_archive_is_named(tmp_path):
    archive = tmp_path / "cifar-100-python.tar.gz"
    archive.symlink_to("/dev/null")
    with pytest.raises(ValueError) as info:
        load_cifar100(tmp_path)
    assert str(info.value) == _refusal(
        tmp_path, archive, "a symbolic link to /dev/null, a character device", "a regular file"
    )


def test_a_fifo_in_place_of_the_folder_is_named(tmp_path):
    folder = tmp_path / "cifar-100-python"
    os.mkfifo(folder)
    exc = _load_within(10, tmp_path)
    assert isinstance(exc, ValueError)
    assert str(exc) == _refusal(tmp_path, folder, "a FIFO (named pipe)", "a folder")


def test_a_fifo_in_place_of_a_data_file_is_named_not_opened(tmp_path):
    make_synthetic_cifar100(tmp_path, n_train=4, n_test=2)
    load_cifar100(tmp_path, verify=False)  # extracts the folder
    train = tmp_path / "cifar-100-python" / "train"
    train.unlink()
    os.mkfifo(train)
    exc = _load_within(10, tmp_path, verify=False)
    assert isinstance(exc, ValueError)
    assert str(exc) == _refusal(tmp_path, train, "a FIFO (named pipe)", "a regular file")


def test_download_fetches_the_archive_when_asked(tmp_path, monkeypatch):
    source = make_synthetic_cifar100(tmp_path / "mirror", n_train=4, n_test=2)
    monkeypatch.setattr(hd, "_URL", source.as_uri())
    data = load_cifar100(tmp_path / "root", download=True, verify=False)
    assert data["x_train"].shape == (4, 32, 32, 3)
    assert (tmp_path / "root" / "cifar-100-python.tar.gz").read_bytes() == source.read_bytes()


def test_synthetic_sizes_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"n_train must be a positive int, got 0"):
        make_synthetic_cifar100(tmp_path, n_train=0)


@pytest.mark.parametrize(
    "seed, error, message",
    [
        (-1, ValueError, "seed=-1 is negative; use an integer >= 0 or None"),
        (
            "1",
            TypeError,
            "seed must be None, an integer >= 0 or a numpy.random.Generator, got '1' (str)",
        ),
        (
            1.5,
            TypeError,
            "seed must be None, an integer >= 0 or a numpy.random.Generator, got 1.5 (float)",
        ),
    ],
)
def test_synthetic_seed_is_checked(tmp_path, seed, error, message):
    with pytest.raises(error) as info:
        make_synthetic_cifar100(tmp_path, n_train=2, n_test=1, seed=seed)
    assert str(info.value) == message


def test_synthetic_seed_may_be_a_generator(tmp_path):
    a = make_synthetic_cifar100(
        tmp_path / "a", n_train=2, n_test=1, seed=np.random.default_rng(5)
    ).read_bytes()
    b = make_synthetic_cifar100(tmp_path / "b", n_train=2, n_test=1, seed=5).read_bytes()
    assert a == b


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"test_fraction": "0.2"},
            TypeError,
            "test_fraction must be a real number, got '0.2' (str)",
        ),
        ({"test_fraction": 1.0}, ValueError, "test_fraction must be in (0, 1), got 1.0"),
        ({"seed": -1}, ValueError, "seed=-1 is negative; use an integer >= 0 or None"),
        ({"seed": 1.5}, TypeError, "seed must be an integer or None, got 1.5 (float)"),
        (
            {"seed": 2**32},
            ValueError,
            "seed=4294967296 is too large; use an integer from 0 to "
            "2**32 - 1 or None (the split's generator takes 32-bit seeds)",
        ),
    ],
)
def test_load_digits_checks_its_arguments(kwargs, error, message):
    with pytest.raises(error) as info:
        load_digits(**kwargs)
    assert str(info.value) == message


def test_load_digits_split():
    d = load_digits()
    assert d["x_train"].dtype == torch.float32 and d["y_train"].dtype == torch.int64
    assert d["x_train"].shape == (1437, 1, 8, 8) and d["x_test"].shape == (360, 1, 8, 8)
    assert float(d["x_train"].min()) == 0.0 and float(d["x_train"].max()) == 1.0
    # stratified: each digit is 19 or 20 % of the test set (between 35 and 37 images)
    counts = torch.bincount(d["y_test"], minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37
    from sklearn.datasets import load_digits as reference

    total = torch.cat([d["x_train"], d["x_test"]]).sum().item() * 16
    assert total == pytest.approx(reference().images.sum())
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\), got 1.5"):
        load_digits(test_fraction=1.5)


def test_synthetic_archive_is_reproducible(tmp_path):
    a = make_synthetic_cifar100(tmp_path / "a", n_train=6, n_test=3, seed=1).read_bytes()
    b = make_synthetic_cifar100(tmp_path / "b", n_train=6, n_test=3, seed=1).read_bytes()
    c = make_synthetic_cifar100(tmp_path / "c", n_train=6, n_test=3, seed=2).read_bytes()
    assert a == b and a != c


# --- untrusted archives (verify=False): arrays, sizes, values, pickle protocols --------------

_RECONSTRUCT = np.zeros(0).__reduce__()[0]  # numpy's own array reconstructor


def _rewritten(tmp_path, split="train", protocol=4, **fields):
    """Write a synthetic archive whose ``split`` pickle has ``fields`` replaced."""
    members = _members_of(make_synthetic_cifar100(tmp_path / "src", n_train=4, n_test=2))
    name = f"cifar-100-python/{split}"
    members[name] = pickle.dumps(pickle.loads(members[name]) | fields, protocol=protocol)
    return _tar(tmp_path / "cifar-100-python.tar.gz", list(members.items()))


def _only_the_archive_is_left(root):
    return [p.name for p in root.iterdir()] == ["cifar-100-python.tar.gz"]


class _ArrayWithoutData:
    """Pickles as numpy's reconstructor asking for ``shape`` with no __setstate__ (no bytes)."""

    def __init__(self, shape):
        self.shape = shape

    def __reduce__(self):
        return _RECONSTRUCT, (np.ndarray, self.shape, b"B")


class _ArrayState:
    """Pickles as numpy's reconstructor plus a state claiming ``shape`` with ``raw`` bytes."""

    def __init__(self, shape, raw, dtype=np.uint8):
        self.shape, self.raw, self.dtype = shape, raw, np.dtype(dtype)

    def __reduce__(self):
        return (
            _RECONSTRUCT,
            (np.ndarray, (0,), b"b"),
            (1, self.shape, self.dtype, False, self.raw),
        )


@pytest.mark.parametrize(
    "data, message",
    [
        (_ArrayWithoutData((4, 3072)), r"an array built by numpy's reconstructor has no data"),
        (_ArrayWithoutData((10**6, 3072)), r"an array built by numpy's reconstructor has no data"),
        (
            _ArrayState((10**12, 3072), b"\0" * 12),
            r"an array claims shape \(1000000000000, 3072\) of uint8 \(3072000000000000 bytes\) "
            r"but its data has 12 bytes",
        ),
    ],
)
def test_array_without_its_data_is_refused(tmp_path, data, message):
    _rewritten(tmp_path, data=data)
    with pytest.raises(ValueError, match=r"cifar-100-python/train: " + message):
        load_cifar100(tmp_path, verify=False)


def test_sparse_member_is_refused(tmp_path):
    sparse = tarfile.TarInfo("cifar-100-python/train")
    sparse.pax_headers = {"GNU.sparse.map": "0,0", "GNU.sparse.size": str(150 * 2**20)}
    archive = _tar(tmp_path / "cifar-100-python.tar.gz", [sparse])
    assert archive.stat().st_size < 300
    with pytest.raises(
        ValueError,
        match=r"member 'cifar-100-python/train' is a sparse file; "
        r"refusing to extract this archive",
    ):
        load_cifar100(tmp_path, verify=False)
    assert _only_the_archive_is_left(tmp_path)


class _Zeros:
    def read(self, size):
        return bytes(size)


def test_member_larger_than_the_official_file_is_refused(tmp_path):
    info = tarfile.TarInfo("cifar-100-python/test")
    info.size = 150 * 2**20
    archive = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.addfile(info, _Zeros())
    assert archive.stat().st_size < 200_000
    with pytest.raises(
        ValueError,
        match=r"member 'cifar-100-python/test' has 157286400 bytes; "
        r"the official file has about 31 MB, so at most "
        r"32000000 bytes are accepted; refusing to extract",
    ):
        load_cifar100(tmp_path, verify=False)
    assert _only_the_archive_is_left(tmp_path)


def test_extracted_file_larger_than_the_official_one_is_not_read(tmp_path):
    path = tmp_path / "cifar-100-python" / "train"
    path.parent.mkdir()
    with open(path, "wb") as f:
        f.truncate(200_000_000)  # a sparse file: no disk used
    with pytest.raises(
        ValueError,
        match=r"cifar-100-python/train has 200000000 bytes; the "
        r"official file has about 155 MB, so at most "
        r"160000000 bytes are accepted",
    ):
        load_cifar100(tmp_path, verify=False)


def test_extraction_is_capped_in_total_and_leaves_nothing_behind(tmp_path, monkeypatch):
    make_synthetic_cifar100(tmp_path, n_train=20, n_test=10)  # train ~62 KB, test ~31 KB
    monkeypatch.setattr(hd, "_TOTAL_CAP", 80_000)
    with pytest.raises(
        ValueError,
        match=r"cifar-100-python.tar.gz: its files hold more than "
        r"80000 bytes in all; refusing to extract",
    ):
        load_cifar100(tmp_path, verify=False)
    assert _only_the_archive_is_left(tmp_path)  # train was written, then removed


def test_extraction_is_capped_in_members_and_headers(tmp_path, monkeypatch):
    _tar(
        tmp_path / "cifar-100-python.tar.gz", [(f"cifar-100-python/x{i}", b"") for i in range(100)]
    )
    with pytest.raises(
        ValueError,
        match=r"cifar-100-python.tar.gz has more than 16 members "
        r"\(the official one has 5\); refusing to extract",
    ):
        load_cifar100(tmp_path, verify=False)
    assert _only_the_archive_is_left(tmp_path)
    # a 4 MiB pax header is read into memory, not written: the decompressed stream is capped
    huge_header = tarfile.TarInfo("cifar-100-python/meta")
    huge_header.pax_headers = {"comment": "x" * (4 << 20)}
    _tar(tmp_path / "cifar-100-python.tar.gz", [huge_header])
    monkeypatch.setattr(hd, "_TOTAL_CAP", 1000)
    with pytest.raises(
        ValueError,
        match=r"cifar-100-python.tar.gz decompresses to more than "
        r"1049576 bytes, more than the official archive",
    ):
        load_cifar100(tmp_path, verify=False)
    assert _only_the_archive_is_left(tmp_path)


@pytest.mark.parametrize(
    "split, field, value, message",
    [
        (
            "train",
            "fine_labels",
            [500, 1, 2, 3],
            r"fine_labels contains 500; CIFAR-100 fine labels are integers 0\.\.99",
        ),
        (
            "train",
            "fine_labels",
            [0, -1, 2, 3],
            r"fine_labels contains -1; CIFAR-100 fine labels are integers 0\.\.99",
        ),
        (
            "test",
            "coarse_labels",
            [0, 20],
            r"coarse_labels contains 20; CIFAR-100 coarse labels are integers 0\.\.19",
        ),
        (
            "train",
            "fine_labels",
            [0.0, 1.5, 2.0, 3.0],
            r"fine_labels has dtype float64; CIFAR-100 fine labels are integers 0\.\.99",
        ),
        (
            "train",
            "coarse_labels",
            [True, False, True, False],
            r"coarse_labels has dtype bool; CIFAR-100 coarse labels are integers 0\.\.19",
        ),
        (
            "train",
            "fine_labels",
            [1, 2, 3],
            r"fine_labels has 3 labels for 4 images; CIFAR-100 has one fine label per image",
        ),
        (
            "train",
            "fine_labels",
            [[1], [2], [3], [4]],
            r"fine_labels has shape \(4, 1\); CIFAR-100 fine labels are a list of integers 0\.\.99",
        ),
        (
            "train",
            "data",
            np.full((4, 3072), 300, np.int16),
            r"data contains 300; CIFAR-100 pixels are integers 0\.\.255",
        ),
        (
            "train",
            "data",
            np.full((4, 3072), -1, np.int64),
            r"data contains -1; CIFAR-100 pixels are integers 0\.\.255",
        ),
        (
            "train",
            "data",
            np.zeros((4, 3072), np.float32),
            r"data has dtype float32; CIFAR-100 pixels are integers 0\.\.255",
        ),
        (
            "train",
            "data",
            np.zeros((4, 1024), np.uint8),
            r"data has shape \(4, 1024\); CIFAR-100 data are N x 3072 rows",
        ),
    ],
)
def test_labels_and_pixels_are_checked(tmp_path, split, field, value, message):
    _rewritten(tmp_path, split, **{field: value})
    with pytest.raises(ValueError, match=rf"cifar-100-python/{split}: {message}"):
        load_cifar100(tmp_path, verify=False)


def test_label_names_are_checked(tmp_path):
    _rewritten(tmp_path, "meta", fine_label_names=["a"] * 99)
    with pytest.raises(
        ValueError,
        match=r"cifar-100-python/meta: fine_label_names is a list of "
        r"length 99; CIFAR-100 has 100 fine label names",
    ):
        load_cifar100(tmp_path, verify=False)


class _BytearrayArray:
    """Pickles an array as numpy's reconstructor with its bytes in a bytearray."""

    def __init__(self, array):
        self.array = array

    def __reduce__(self):
        a = self.array
        return (
            _RECONSTRUCT,
            (np.ndarray, (0,), b"b"),
            (1, a.shape, a.dtype, False, bytearray(a.tobytes())),
        )


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_every_pickle_protocol_of_numpy_arrays_is_read(tmp_path, protocol):
    rng = np.random.default_rng(protocol)
    rows = {
        s: rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        for s, n in (("train", 5), ("test", 3))
    }
    fine = {"train": [0, 99, 5, 42, 7], "test": [3, 1, 98]}
    files = {
        "train": {
            "data": rows["train"],
            "fine_labels": fine["train"],
            "coarse_labels": np.array([0, 19, 1, 8, 1], dtype=">i8"),
            "filenames": ["a.png"] * 5,
            "batch_label": "training batch 1 of 1",
        },
        "test": {
            "data": np.asfortranarray(rows["test"]),
            "fine_labels": _BytearrayArray(np.array(fine["test"], dtype=np.int32)),
            "coarse_labels": [0, 0, 19],
        },
        "meta": {
            "fine_label_names": [f"f{i}" for i in range(100)],
            "coarse_label_names": [f"c{i}" for i in range(20)],
        },
    }
    _tar(
        tmp_path / "cifar-100-python.tar.gz",
        [(f"cifar-100-python/{k}", pickle.dumps(v, protocol=protocol)) for k, v in files.items()],
    )
    data = load_cifar100(tmp_path, verify=False)
    for split in ("train", "test"):
        expected = rows[split].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        np.testing.assert_array_equal(data[f"x_{split}"], expected)
        np.testing.assert_array_equal(data[f"y_{split}"], fine[split])
        assert data[f"y_{split}"].dtype == np.int64
    np.testing.assert_array_equal(data["coarse_train"], [0, 19, 1, 8, 1])
    assert data["coarse_label_names"][19] == "c19"


class _Call:
    """Pickles as a call of ``func(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize(
    "payload, message",
    [
        (_Call(eval, "1 + 1"), r"refusing to load global (__builtin__|builtins).eval"),
        (_Call(os.system, "true"), r"refusing to load global posix.system"),
        (_Call(getattr, str, "join"), r"refusing to load global (__builtin__|builtins).getattr"),
        (_Call(bytearray, 10**12), r"builtins.bytearray\(int\) is not how pickle writes bytes"),
        (
            _Call(codecs.encode, "abc", "rot13"),
            r"_codecs.encode\(str, 'rot13'\) is not how pickle writes bytes",
        ),
        (_Call(_RECONSTRUCT, np.recarray, (0,), b"b"), r"refusing to load global numpy.*recarray"),
        (_ArrayState((2,), b"\0" * 16, dtype=object), r"refusing numpy dtype 'O8'"),
    ],
)
def test_allowed_globals_refuse_other_uses(tmp_path, payload, message):
    _rewritten(tmp_path, data=payload, protocol=2)
    with pytest.raises(ValueError, match=r"cifar-100-python/train: " + message):
        load_cifar100(tmp_path, verify=False)


def test_pickle_cannot_build_more_bytes_than_the_file_holds(tmp_path):
    # one 1 MiB string, encoded to bytes 100 times through the memo: 100 MiB from 1 MiB
    encode = b"\x80\x02c_codecs\nencode\nq\x000X" + struct.pack("<I", 1 << 20) + b"a" * (1 << 20)
    once = b"h\x00h\x01X\x06\x00\x00\x00latin1\x86R"
    blob = encode + b"q\x010}X\x04\x00\x00\x00data](" + once * 100 + b"es."
    path = tmp_path / "cifar-100-python" / "train"
    path.parent.mkdir()
    path.write_bytes(blob)
    with pytest.raises(
        ValueError,
        match=r"train: the pickle builds more bytes than the file "
        r"holds",
    ):
        hd._split(path.parent, "train", verify=False)
