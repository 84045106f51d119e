"""Refusals of the experiment CLI (bad arguments, files and runs) and of the report over
foreign or damaged records: each a one-line message and exit status 2, before training."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from conftest import ROOT
from conftest import SMALL as SMALL_RUN

from hadalib._files import host
from hadalib.experiments import records, report, resnet_wht, study
from hadalib.nn import FILTER_VARIANTS, VARIANTS, resnet18

SMALL = [*SMALL_RUN, "--smoke"]
NAME = "digits8-resnet18w8-wht-early-spatial-seed0-smoke"


def _main(out, *args, on_epoch=None):
    return resnet_wht.main(
        [*SMALL, "--variant", "wht-early", "--out", str(out), *args], on_epoch=on_epoch
    )


@pytest.fixture
def no_training():
    """An epoch hook that fails the test: a refusal must come before any training."""

    def trained(metrics):
        raise AssertionError(f"epoch {metrics['epoch']} was trained")

    return trained


def _refused(capsys, call, *needles):
    """Run ``call``; it must exit with status 2 and print one ``error:`` line with needles."""
    with pytest.raises(SystemExit) as info:
        call()
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(("error: ", "usage: ", "python -m hadalib.experiments")), err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A folder with one finished smoke record (made with the defaults) and a state_dict."""
    out = tmp_path_factory.mktemp("finished")
    _main(out)
    torch.save(resnet18(width=8, stem="cifar", in_channels=1).state_dict(), out / "w.pt")
    return out


# -- 1. a record or checkpoint is reused only for the same configuration ---------------------


@pytest.mark.parametrize(
    "change, shown",
    [
        (["--lr", "0.01"], "--lr was 0.001, now 0.01"),
        (["--dropout", "0.2"], "--dropout was 0.5, now 0.2"),
        (["--weight-decay", "0"], "--weight-decay was 0.0001, now 0.0"),
        (["--batch-size", "4"], "--batch-size was 8, now 4"),
        (["--epochs", "2"], "--epochs was 1, now 2"),
        (["--weights", "WEIGHTS"], "--weights was 'none', now "),
    ],
)
@pytest.mark.parametrize("resume", [True, False])
def test_a_record_of_other_settings_is_neither_kept_nor_overwritten(
    finished, capsys, no_training, change, shown, resume
):
    change = [str(finished / "w.pt") if c == "WEIGHTS" else c for c in change]
    before = (finished / f"{NAME}.json").read_text()
    _refused(
        capsys,
        lambda: _main(finished, *change, *["--resume"][:resume], on_epoch=no_training),
        f"{finished / NAME}.json holds a run made with other settings",
        shown,
    )
    assert (finished / f"{NAME}.json").read_text() == before


def test_a_record_of_the_same_settings_is_kept(finished, no_training):
    record = json.loads((finished / f"{NAME}.json").read_text())
    # on the CPU --precision changes nothing: the CPU always trains in fp32
    assert _main(finished, "--resume", "--precision", "fp32", on_epoch=no_training) == record
    assert (
        _main(
            finished,
            "--resume",
            "--keep-checkpoint",
            "--data-root",
            "elsewhere",
            on_epoch=no_training,
        )
        == record
    )


def test_the_books_records_count_as_finished(tmp_path, no_training):
    results = ROOT / "book" / "results"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        records = report.load_results(results)
        filters = report.load_results(results / "filters")
    assert len(records) == 80 and {r["variant"] for r in records} == set(VARIANTS)
    assert len(filters) == 30 and {r["variant"] for r in filters} == set(FILTER_VARIANTS)
    (tmp_path / "filters").mkdir()
    for folder in ("", "filters"):
        for path in (results / folder).glob("*.json"):
            shutil.copy(path, tmp_path / folder)
    threads = torch.get_num_threads()
    try:  # the whole study of chapter 11, every run already finished
        assert study.main(["digits", "--out", str(tmp_path)], on_epoch=no_training) == 110
    finally:
        torch.set_num_threads(threads)


def test_resume_names_the_checkpoints_other_settings(tmp_path, capsys):
    _main(tmp_path, "--lr", "0.5", "--keep-checkpoint")
    (tmp_path / f"{NAME}.json").unlink()
    _refused(
        capsys,
        lambda: _main(tmp_path, "--resume", "--epochs", "2"),
        f"--resume: {tmp_path}/checkpoints/{NAME}.pt was written with other settings",
        "--lr was 0.5, now 0.001",
    )


# -- 2. the report and the study skip damaged or foreign files --------------------------------


def _record(**change):
    record = {
        "kind": "resnet_wht",
        "variant": "baseline",
        "axes": "channel",
        "seed": 0,
        "data": "digits",
        "image_size": 8,
        "model": "resnet18",
        "width": 16,
        "smoke": False,
        "summary": {"epochs": 1, "final_test_acc": 0.9, "params": 1000, "seconds_per_epoch": 1.0},
        "provenance": {"device": "cpu", "args": {"lr": 0.001}},
    }
    return {**record, **change}


def test_report_skips_damaged_files_with_a_warning(tmp_path, capsys):
    good = {"good.json": _record()}
    bad = {
        "broken.json": "{not json",
        "list.json": "[1, 2]",
        "binary.json": b"\xff\xfe\x00",
        "unfinished.json": _record(summary=None, history=[{"epoch": 1}]),
        "nosummary.json": {k: v for k, v in _record().items() if k != "summary"},
        "noseed.json": {k: v for k, v in _record().items() if k != "seed"},
        "text-acc.json": _record(summary={"epochs": 1, "final_test_acc": "high"}),
    }
    for name, content in {**good, **bad}.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content))
    (tmp_path / "other.json").write_text(json.dumps({"kind": "benchmark"}))  # another kind
    with pytest.warns(UserWarning) as caught:
        text = report.main([str(tmp_path)])
    assert text.splitlines()[0] == "== digits, 8x8, resnet18 width 16: 1 runs"
    warned = sorted(str(w.message).split(" ")[0] for w in caught)
    assert warned == sorted(str(tmp_path / name) for name in bad)


def _nested(depth):
    """A list in a list ... ``depth`` deep."""
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _summary(**change):
    return _record(summary={**_record()["summary"], **change})


#: Records made to break the report, and the reason the warning that skips each gives.
HOSTILE = {
    "epochs.json": (
        _summary(epochs=10**11),
        "has no valid summary: 'epochs' is not an integer in [1, 100000]",
    ),
    "rate.json": (
        _summary(images_per_s=10**400),
        "has no valid summary: 'images_per_s' is not a finite number within 1e+18",
    ),
    "infinite.json": (
        _summary(energy_j=1e400),
        "has no valid summary: 'energy_j' is not a finite number within 1e+18",
    ),
    "negative.json": (
        _summary(seconds_per_epoch=-1.0),
        "has no valid summary: 'seconds_per_epoch' is negative",
    ),
    "accuracy.json": (
        _summary(best_test_acc=1.5),
        "has no valid summary: 'best_test_acc' is not in [0, 1]",
    ),
    "history.json": (
        {**_record(), "history": [1]},
        "has no valid summary: the history does not hold its 1 epochs",
    ),
    "deep.json": ("[" * 100_000 + "]" * 100_000, "is not a JSON record (nested more than 32 deep)"),
    "nested.json": (
        {**_record(), "provenance": {"device": "cpu", "args": {"a": _nested(30)}}},
        "is not a JSON record (nested more than 32 deep)",
    ),
}


def test_no_record_breaks_the_report(tmp_path):
    (tmp_path / "good.json").write_text(json.dumps(_record()))
    with (tmp_path / "large.json").open("w") as f:  # a record with 16 MiB of spaces
        f.write(json.dumps(_record()) + " " * records.MAX_BYTES)
    reasons = {name: reason for name, (_, reason) in HOSTILE.items()}
    for name, (content, _) in HOSTILE.items():
        (tmp_path / name).write_text(content if isinstance(content, str) else json.dumps(content))
    os.mkfifo(tmp_path / "fifo.json")  # opening it would wait for a writer
    (tmp_path / "zero.json").symlink_to("/dev/zero")  # reading it never ends
    (tmp_path / "folder.json").mkdir()
    reasons |= {
        "fifo.json": "is a FIFO, not a regular file",
        "zero.json": "is a character device, not a regular file",
        "folder.json": "is a folder, not a regular file",
        "large.json": "holds more than 16777216 bytes",
    }
    with pytest.warns(UserWarning) as caught:
        text = report.main([str(tmp_path)])
    assert text.splitlines()[0] == "== digits, 8x8, resnet18 width 16: 1 runs"
    assert sorted(str(w.message) for w in caught) == sorted(
        f"{tmp_path / name} {reason}; skipped" for name, reason in reasons.items()
    )


@pytest.mark.parametrize(
    "damage, reason",
    [
        ({"epochs": 10**11}, "has no valid summary: 'epochs' is not an integer in [1, 100000]"),
        (
            {"images_per_s": 10**400},
            "has no valid summary: 'images_per_s' is not a finite number within 1e+18",
        ),
        ({"seconds_per_epoch": -0.5}, "has no valid summary: 'seconds_per_epoch' is negative"),
        (None, "is not a JSON record (nested more than 32 deep)"),
    ],
)
def test_resume_refuses_a_damaged_record_in_one_line(
    finished, tmp_path, capsys, no_training, damage, reason
):
    record = json.loads((finished / f"{NAME}.json").read_text())
    path = tmp_path / f"{NAME}.json"
    if damage is None:
        path.write_text("[" * 100_000 + "]" * 100_000)
    else:
        path.write_text(json.dumps({**record, "summary": {**record["summary"], **damage}}))
    before = path.read_text()
    err = _refused(capsys, lambda: _main(tmp_path, "--resume", on_epoch=no_training))
    assert err == f"error: {path} {reason}; move it away or choose another --out"
    assert path.read_text() == before


def test_a_duplicated_seed_counts_once(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(_record(name="a")))
    (tmp_path / "a-copy.json").write_text(json.dumps(_record(name="a")))
    (tmp_path / "b.json").write_text(json.dumps(_record(seed=1)))
    (tmp_path / "c.json").write_text(json.dumps(_record(variant="wht-early")))
    with pytest.warns(UserWarning, match=r"a-copy.json repeats seed 0 of a.json"):
        results = report.load_results(tmp_path)
    assert sorted((r["variant"], r["seed"]) for r in results) == [
        ("baseline", 0),
        ("baseline", 1),
        ("wht-early", 0),
    ]
    row = report.summarize(results)[0]
    assert row["n"] == 2 and row["seeds"] == [0, 1]


def test_the_study_goes_on_past_a_damaged_record(tmp_path, monkeypatch, capsys):
    settings = {"data": "digits", "model": "resnet18", "width": 8, "stem": "cifar", "smoke": True}
    three = ("baseline", "wht-early", "dct-early")
    monkeypatch.setitem(
        study.STUDIES, "tiny", study.Study("test", settings, (0,), ("channel",), variants=three)
    )
    study.main(["tiny", "--out", str(tmp_path)])
    names = sorted(p.name for p in tmp_path.glob("*.json"))
    unfinished = json.loads((tmp_path / names[0]).read_text())
    del unfinished["summary"]
    (tmp_path / names[0]).write_text(json.dumps(unfinished))
    (tmp_path / names[1]).write_text("{not json")
    (tmp_path / names[2]).unlink()
    with (
        pytest.warns(UserWarning, match=rf"{names[1]} is not a JSON record"),
        pytest.raises(SystemExit, match=r"1 of 3 runs failed"),
    ):
        study.main(["tiny", "--out", str(tmp_path)])
    for name in (names[0], names[2]):  # rerun, and run
        assert records.summary_problem(json.loads((tmp_path / name).read_text())) is None
    assert (tmp_path / names[1]).read_text() == "{not json"  # not overwritten


# -- 3. bad arguments, files and runs: a clear message, exit status 2, before training --------


def test_an_unwritable_out_is_found_before_training(tmp_path, capsys, no_training):
    (tmp_path / "file").write_text("")
    _refused(
        capsys,
        lambda: _main(tmp_path / "file" / "results", on_epoch=no_training),
        f"--out {tmp_path}/file/results: cannot write there",
    )
    _refused(
        capsys,
        lambda: _main(tmp_path, "--checkpoint-dir", str(tmp_path / "file"), on_epoch=no_training),
        f"--checkpoint-dir {tmp_path}/file: cannot write there",
    )


@pytest.mark.parametrize("content", [b"garbage", b"", "list", "dict"])
def test_a_corrupt_or_foreign_checkpoint_is_named(tmp_path, capsys, no_training, content):
    path = tmp_path / "checkpoints" / f"{NAME}.pt"
    path.parent.mkdir()
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save([1, 2] if content == "list" else {"model": {}}, path)
    _refused(
        capsys,
        lambda: _main(tmp_path, "--resume", on_epoch=no_training),
        f"--resume: {path} is not a checkpoint of this runner",
    )


@pytest.mark.parametrize(
    "content", ["{not json", "[]", '{"kind": "resnet_wht"}', '{"kind": "other"}']
)
def test_a_corrupt_or_foreign_record_is_named(tmp_path, capsys, no_training, content):
    (tmp_path / f"{NAME}.json").write_text(content)
    _refused(
        capsys,
        lambda: _main(tmp_path, "--resume", on_epoch=no_training),
        f"{tmp_path}/{NAME}.json is not",
    )
    assert (tmp_path / f"{NAME}.json").read_text() == content


@pytest.mark.parametrize("which", ["checkpoints/NAME.pt", "NAME.json"])
@pytest.mark.parametrize("resume", [True, False])
def test_a_path_that_is_a_folder_is_refused(tmp_path, capsys, no_training, which, resume):
    path = tmp_path / which.replace("NAME", NAME)
    path.mkdir(parents=True)
    _refused(
        capsys,
        lambda: _main(tmp_path, *["--resume"][:resume], on_epoch=no_training),
        f"{path} is a folder, not a file",
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--lr", "inf"], "--lr must be a finite number > 0, got inf"),
        (["--lr", "nan"], "--lr must be a finite number > 0, got nan"),
        (["--lr", "0"], "--lr must be a finite number > 0, got 0.0"),
        (["--lr", "-1"], "--lr must be a finite number > 0, got -1.0"),
        (["--weight-decay", "-0.1"], "--weight-decay must be a finite number >= 0, got -0.1"),
        (["--weight-decay", "nan"], "--weight-decay must be a finite number >= 0, got nan"),
        (["--weight-decay", "inf"], "--weight-decay must be a finite number >= 0, got inf"),
        (["--dropout", "nan"], "--dropout must be in [0, 1), got nan"),
        (["--dropout", "1"], "--dropout must be in [0, 1), got 1.0"),
        (["--seed", "-1"], "argument --seed: expected an integer in [0, 2**64), got '-1'"),
        (
            ["--seed", str(2**64)],
            f"argument --seed: expected an integer in [0, 2**64), got '{2**64}'",
        ),
        (["--seed", "1.5"], "argument --seed: expected an integer in [0, 2**64), got '1.5'"),
        (["--device", "tpu"], "--device must be cpu, cuda or cuda:N, got 'tpu'"),
        (
            ["--weights", "missing.pt"],
            "--weights missing.pt is not a file; pass none, "
            "torchvision or the path of a saved state_dict",
        ),
        (
            ["--batch-size", "4096", "--limit-train", "16"],
            "--batch-size 4096 is larger than the 16 training images",
        ),
    ],
)
def test_bad_numbers_and_names_are_refused_before_training(
    tmp_path, capsys, no_training, argv, message
):
    _refused(capsys, lambda: _main(tmp_path, *argv, on_epoch=no_training), message)
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_refused(tmp_path, capsys, no_training):
    _refused(
        capsys,
        lambda: _main(tmp_path, "--device", "cuda", on_epoch=no_training),
        "--device cuda: CUDA is not available here; use --device cpu",
    )


@pytest.mark.parametrize(
    "env, message",
    [
        ({"WORLD_SIZE": "0"}, "WORLD_SIZE='0' is not an integer >= 1"),
        ({"WORLD_SIZE": "two"}, "WORLD_SIZE='two' is not an integer >= 1"),
        ({"WORLD_SIZE": "2", "RANK": "x"}, "RANK='x' is not an integer >= 0"),
        ({"WORLD_SIZE": "2", "RANK": "2"}, "RANK=2 is not below WORLD_SIZE=2"),
        ({"LOCAL_RANK": "-1"}, "LOCAL_RANK='-1' is not an integer >= 0"),
    ],
)
def test_bad_torchrun_variables_are_refused(
    tmp_path, capsys, monkeypatch, no_training, env, message
):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    _refused(
        capsys, lambda: _main(tmp_path, on_epoch=no_training), f"environment variable {message}"
    )


def test_a_seed_of_64_bits_trains(tmp_path):
    record = _main(tmp_path, "--seed", str(2**64 - 1))
    assert record["seed"] == 2**64 - 1 and math.isfinite(record["history"][0]["train_loss"])


def test_a_non_finite_loss_stops_the_run_without_a_record(tmp_path, capsys, monkeypatch):
    cross_entropy = torch.nn.functional.cross_entropy
    epochs = []

    def diverging(*args, **kwargs):  # from the second epoch on, the loss is nan
        loss = cross_entropy(*args, **kwargs)
        return loss * math.nan if epochs else loss

    monkeypatch.setattr(torch.nn.functional, "cross_entropy", diverging)
    _refused(
        capsys,
        lambda: _main(tmp_path, "--epochs", "3", on_epoch=epochs.append),
        "training diverged: the training loss is nan in epoch 2; no record written",
    )
    assert not list(tmp_path.glob("*.json")) and len(epochs) == 1
    saved = torch.load(tmp_path / "checkpoints" / f"{NAME}.pt", weights_only=True)
    assert len(saved["history"]) == 1  # the last finite epoch


def test_resume_refuses_fewer_epochs_than_the_checkpoint_holds(tmp_path, capsys):
    _main(tmp_path, "--epochs", "2", "--keep-checkpoint")
    (tmp_path / f"{NAME}.json").unlink()
    _refused(
        capsys,
        lambda: _main(tmp_path, "--epochs", "1", "--resume"),
        f"--resume: {tmp_path}/checkpoints/{NAME}.pt holds 2 epochs, more than --epochs 1",
    )


def test_a_write_killed_midway_leaves_a_named_file_that_the_next_start_removes(tmp_path):
    target = tmp_path / "checkpoints" / f"{NAME}.pt"
    code = (
        "import os, signal, sys, pathlib\n"
        "from hadalib._files import atomic_write\n"
        "from hadalib.experiments.records import PARTIAL\n"
        "def write(f):\n"
        "    f.write(b'partial'); f.flush(); os.kill(os.getpid(), signal.SIGKILL)\n"
        "atomic_write(pathlib.Path(sys.argv[1]), write, suffix=PARTIAL)\n"
    )
    killed = subprocess.Popen([sys.executable, "-c", code, str(target)], cwd=ROOT)
    assert killed.wait(timeout=120) == -9
    left = [p.name for p in target.parent.iterdir()]
    assert (
        len(left) == 1
        and left[0].startswith(f"{NAME}.pt.{killed.pid}@")
        and left[0].endswith(".resnet_wht-partial")
    ), left
    here = host()
    gone = tmp_path / f"other-run.json.{killed.pid}@{here}.abcd1234.resnet_wht-partial"
    live = tmp_path / f"other-run.json.{os.getppid()}@{here}.abcd1234.resnet_wht-partial"
    legacy = target.parent / f".{NAME}.pt.abcd1234.tmp"  # of earlier versions
    foreign = tmp_path / ".other.json.tmp"  # not this runner's
    for path in (gone, live, legacy, foreign):
        path.write_text("")
    _main(tmp_path, "--epochs", "1")
    assert list(target.parent.iterdir()) == []
    assert not gone.exists() and live.exists() and foreign.exists()


def test_unreadable_data_and_weights_are_named(tmp_path, capsys, no_training):
    _refused(
        capsys,
        lambda: resnet_wht.main(
            [
                "--variant",
                "baseline",
                "--data",
                "cifar100",
                "--data-root",
                str(tmp_path / "none"),
                "--smoke",
                "--out",
                str(tmp_path),
            ],
            on_epoch=no_training,
        ),
        f"error: --data cifar100: neither {tmp_path}/none/cifar-100-python",
    )
    (tmp_path / "w.pt").write_bytes(b"not a state_dict")
    _refused(
        capsys,
        lambda: _main(tmp_path, "--weights", str(tmp_path / "w.pt"), on_epoch=no_training),
        f"error: --weights {tmp_path}/w.pt: UnpicklingError",
    )


def test_study_and_report_refuse_bad_arguments(tmp_path, capsys):
    _refused(
        capsys,
        lambda: study.main(["digits", "--threads", "0"]),
        "--threads must be a positive integer, got 0",
    )
    (tmp_path / "file").write_text("")
    _refused(
        capsys,
        lambda: study.main(["digits", "--out", str(tmp_path / "file")]),
        f"--out {tmp_path}/file: cannot write there",
    )
    _refused(
        capsys,
        lambda: report.main([str(tmp_path / "missing")]),
        f"{tmp_path}/missing is not a folder of JSON records",
    )
    assert study.study_runs("gpu", out=Path("x"))[0][-2:] == ["--out", "x"]


def test_report_functions_name_a_wrong_argument():
    runs = [_record(), _record(seed=1)]
    with pytest.raises(
        TypeError,
        match=r"metrics must be a sequence of summary keys such "
        r"as \('final_test_acc',\), not the str",
    ):
        report.summarize(runs, metrics="final_test_acc")
    with pytest.raises(TypeError, match=r"by must be a sequence of record fields"):
        report.summarize(runs, by="variant")
    with pytest.raises(ValueError, match=r"by names 'colour', which a record lacks"):
        report.summarize(runs, by=("colour",))
    with pytest.raises(
        ValueError,
        match=r"a record has no summary; pass records of "
        r"load_results",
    ):
        report.summarize([{"variant": "baseline", "axes": "channel", "seed": 0}])
    with pytest.raises(TypeError, match=r"confidence must be a number in \(0, 1\), got '95%'"):
        report.interval([1.0, 2.0], confidence="95%")
