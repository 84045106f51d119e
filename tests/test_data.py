"""Tests of hadalib.data: the CIFAR-100 reader on synthetic, corrupted and hostile archives."""

from __future__ import annotations

import io
import os
import pickle
import struct
import tarfile

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
    np.testing.assert_array_equal(load_cifar100(tmp_path, verify=False)["x_test"],
                                  data["x_test"])


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
        {b"data": rows, b"fine_labels": [3, 4], b"coarse_labels": [0, 1]})
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
    with pytest.raises(ValueError, match=r"MD5 of .*cifar-100-python.tar.gz is [0-9a-f]{32}, "
                                         r"expected eb9058c3a382ffc7106e4002c42a8d85: the file "
                                         r"is corrupted.*pass verify=False"):
        load_cifar100(tmp_path)


def test_truncated_archive_names_the_file(tmp_path):
    archive = make_synthetic_cifar100(tmp_path, n_train=50, n_test=10)
    blob = archive.read_bytes()
    archive.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match=r"cannot read .*cifar-100-python.tar.gz: truncated or "
                                         r"corrupted archive .*delete it and download"):
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
    with pytest.raises(ValueError, match=r"member 'cifar-100-python/../../evil.txt' would be "
                                         r"written outside .*root; refusing to extract"):
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
    with pytest.raises(ValueError, match=r"member 'cifar-100-python/train' is a link or special "
                                         r"file; refusing to extract"):
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
    with pytest.raises(ValueError, match=r"cifar-100-python/train: refusing to load global "
                                         r"posix.mkdir"):
        load_cifar100(tmp_path, verify=False)
    assert not marker.exists()


def test_missing_data_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"neither .*cifar-100-python nor "
                                                r".*cifar-100-python.tar.gz exists; put the "
                                                r"official .* or call load_cifar100\(.*"
                                                r"download=True\)"):
        load_cifar100(tmp_path)


def test_download_fetches_the_archive_when_asked(tmp_path, monkeypatch):
    source = make_synthetic_cifar100(tmp_path / "mirror", n_train=4, n_test=2)
    monkeypatch.setattr(hd, "_URL", source.as_uri())
    data = load_cifar100(tmp_path / "root", download=True, verify=False)
    assert data["x_train"].shape == (4, 32, 32, 3)
    assert (tmp_path / "root" / "cifar-100-python.tar.gz").read_bytes() == source.read_bytes()


def test_synthetic_sizes_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"n_train must be a positive int, got 0"):
        make_synthetic_cifar100(tmp_path, n_train=0)


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
