"""End-to-end tests of the experiment CLI (CPU, --smoke) and of the report over its records."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys

import pytest
import scipy.stats
import torch
from conftest import SMALL

from hadalib.experiments import records, report, resnet_wht, study
from hadalib.experiments.config import RECORD_KEYS, RunConfig
from hadalib.nn import FILTER_VARIANTS, VARIANTS, resnet18


def _run(tmp_path, *args, on_epoch=None):
    return resnet_wht.main([*SMALL, "--out", str(tmp_path), *args], on_epoch=on_epoch)


@pytest.mark.parametrize("axes", ["channel", "spatial"])
def test_a_walsh_filter_variant_trains_and_names_its_record(tmp_path, axes):
    record = _run(tmp_path, "--variant", "walsh-early-late", "--axes", axes, "--smoke")
    assert record["transforms"] == dict(FILTER_VARIANTS["walsh-early-late"])
    suffix = "-spatial" if axes == "spatial" else ""
    assert record["name"] == f"digits8-resnet18w8-walsh-early-late{suffix}-seed0-smoke"
    plain = sum(p.numel() for p in resnet18(10, width=8, stem="cifar", in_channels=1).parameters())
    # the filters' weights: 8 and 32 channels, or 8 x 8 and 2 x 2 pixels
    assert record["summary"]["params"] == plain + (8 + 32 if axes == "channel" else 64 + 4)
    assert math.isfinite(record["history"][0]["train_loss"])


def _without_timing(history):
    timing = {"train_seconds", "images_per_s"}
    return [{k: v for k, v in h.items() if k not in timing} for h in history]


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_runs_in_smoke_mode(tmp_path, variant):
    record = resnet_wht.main(
        [
            "--variant",
            variant,
            "--smoke",
            "--width",
            "16",
            "--batch-size",
            "4",
            "--no-progress",
            "--out",
            str(tmp_path),
        ]
    )
    assert record["variant"] == variant and record["model"] == "resnet50"
    assert record["transforms"] == dict(VARIANTS[variant])
    assert record["image_size"] == 32 and record["steps_per_epoch"] == 2
    assert math.isfinite(record["history"][0]["train_loss"])
    files = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    suffix = "" if variant == "baseline" else "-spatial"
    assert files == [f"synthetic32-resnet50w16-{variant}{suffix}-seed0-smoke.json"]


def test_record_is_complete_json_with_provenance(tmp_path):
    record = _run(tmp_path, "--variant", "wht-early-late", "--smoke", "--epochs", "2")
    path = tmp_path / "digits8-resnet18w8-wht-early-late-spatial-seed0-smoke.json"
    assert json.loads(path.read_text()) == json.loads(json.dumps(record))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoints", path.name]
    assert list((tmp_path / "checkpoints").iterdir()) == []  # removed after a finished run
    prov = record["provenance"]
    for key in (
        "git_commit",
        "git_dirty",
        "hadalib_tree",
        "git_error",
        "hadalib_version",
        "torch",
        "cuda",
        "driver",
        "gpu_name",
        "args",
        "energy_method",
        "world_size",
        "started_utc",
    ):
        assert key in prov, key
    assert prov["torch"] == torch.__version__ and prov["world_size"] == 1
    assert prov["hadalib_tree"] == records.source()["hadalib_tree"]
    # each setting once: those of the top level are in neither the provenance nor its args
    config = RunConfig.from_argv(
        [
            *SMALL,
            "--out",
            str(tmp_path),
            "--variant",
            "wht-early-late",
            "--smoke",
            "--epochs",
            "2",
            "--device",
            "cpu",
        ]
    ).resolved()
    assert records.settings(record) == dataclasses.asdict(config)
    on_top = set(RECORD_KEYS) | set(RECORD_KEYS.values())
    assert not on_top & set(prov["args"]) and not on_top & set(prov)
    assert (record["variant"], record["seed"], prov["args"]["epochs"]) == ("wht-early-late", 0, 2)
    assert record["energy"]["method"] == prov["energy_method"]
    summary = record["summary"]
    assert summary["epochs"] == 2 and len(record["history"]) == 2
    assert summary["params"] == sum(
        p.numel() for p in resnet18(10, width=8, stem="cifar", in_channels=1).parameters()
    )
    assert summary["final_test_acc"] == record["history"][-1]["test_acc"]
    assert record["history"][0]["train_images"] == 16
    if prov["energy_method"] == "unavailable":
        assert summary["energy_j"] is None and record["energy"]["reason"]


def test_interrupted_run_resumes_to_the_same_final_state(tmp_path):
    args = [
        "--variant",
        "wht-early",
        "--epochs",
        "3",
        "--limit-train",
        "96",
        "--limit-test",
        "32",
        "--batch-size",
        "16",
        "--keep-checkpoint",
    ]
    straight = _run(tmp_path / "a", *args)

    def interrupt(metrics):
        if metrics["epoch"] == 1:
            raise KeyboardInterrupt  # the user stops the run once epoch 1 is saved

    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "b", *args, on_epoch=interrupt)
    name = "digits8-resnet18w8-wht-early-spatial-seed0"
    assert not (tmp_path / "b" / f"{name}.json").exists()
    saved = torch.load(tmp_path / "b" / "checkpoints" / f"{name}.pt", weights_only=True)
    assert len(saved["history"]) == 1
    resumed = _run(tmp_path / "b", *args, "--resume")
    assert resumed["provenance"]["resumed"] is True
    assert _without_timing(resumed["history"]) == _without_timing(straight["history"])
    a = torch.load(tmp_path / "a" / "checkpoints" / f"{name}.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "checkpoints" / f"{name}.pt", weights_only=True)
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    # a finished run is not run again
    again = _run(tmp_path / "b", *args, "--resume")
    assert again["history"] == resumed["history"]


def test_the_epoch_hook_sees_each_epoch_once_it_is_saved(tmp_path):
    seen = []

    def hook(metrics):
        saved = torch.load(tmp_path / "checkpoints" / f"{name}.pt", weights_only=True)
        seen.append((metrics, len(saved["history"])))

    name = "digits8-resnet18w8-baseline-seed0-smoke"
    record = _run(tmp_path, "--variant", "baseline", "--smoke", "--epochs", "2", on_epoch=hook)
    assert [m for m, _ in seen] == record["history"]
    assert [n for _, n in seen] == [1, 2]


def test_resume_refuses_other_arguments(tmp_path, monkeypatch):
    args = ["--variant", "dct-early", "--smoke", "--epochs", "1", "--keep-checkpoint"]
    _run(tmp_path, *args)
    (tmp_path / "digits8-resnet18w8-dct-early-spatial-seed0-smoke.json").unlink()
    with pytest.raises(
        SystemExit,
        match=r"--resume: .*dct-early-spatial-seed0-smoke.pt was "
        r"written with other settings \(--lr was 0.001, "
        r"now 0.01\)",
    ):
        _run(tmp_path, *args, "--resume", "--lr", "0.01", "--epochs", "2")


def test_weights_from_a_saved_state_dict(tmp_path):
    path = tmp_path / "pretrained.pt"
    torch.save(resnet18(width=8, stem="cifar", in_channels=1).state_dict(), path)
    record = _run(tmp_path, "--variant", "baseline", "--smoke", "--weights", str(path))
    assert record["provenance"]["args"]["weights"] == str(path)


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--variant", "wht-middle"],
            "argument --variant: unknown variant 'wht-middle'; accepted: "
            "baseline, wht-input, wht-early, wht-early-late, dct-input, "
            "dct-early, dct-early-late, fft-input, fft-early, "
            "fft-early-late",
        ),
        (
            ["--variant", "baseline", "--data", "mnist"],
            "argument --data: invalid choice: 'mnist' "
            "(choose from 'cifar100', 'digits', 'synthetic')",
        ),
        (["--variant", "baseline", "--image-size", "4"], "--image-size must be at least 8, got 4"),
        (
            ["--variant", "baseline", "--epochs", "0"],
            "argument --epochs: expected a positive integer, got '0'",
        ),
        (["--variant", "baseline", "--dropout", "1.5"], "--dropout must be in [0, 1), got 1.5"),
    ],
)
def test_bad_arguments_list_what_is_accepted(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        resnet_wht.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_two_process_ddp_with_gloo_writes_one_record(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "hadalib.experiments.resnet_wht",
        "--variant",
        "wht-early-late",
        *SMALL,
        "--smoke",
        "--epochs",
        "2",
        "--precision",
        "bf16",
        "--channels-last",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    files = [p.name for p in tmp_path.glob("*.json")]
    assert files == ["digits8-resnet18w8-wht-early-late-spatial-seed0-smoke-ddp2.json"]
    record = json.loads((tmp_path / files[0]).read_text())
    assert record["provenance"]["world_size"] == 2 and record["energy"]["devices"] == 2
    assert record["history"][1]["train_images"] == 16  # the global batch of 8 is split 4 + 4
    assert len(record["history"]) == 2
    assert (record["precision"], record["channels_last"]) == ("bf16", True)  # as on GPUs


# -- the report ------------------------------------------------------------------------------


def _record(variant, seed, acc, axes="channel", **summary):
    return {
        "kind": "resnet_wht",
        "variant": variant,
        "axes": axes,
        "seed": seed,
        "data": "digits",
        "image_size": 8,
        "model": "resnet18",
        "width": 16,
        "smoke": False,
        "summary": {
            "final_test_acc": acc,
            "params": 1000,
            "epochs": 1,
            "seconds_per_epoch": 1.0,
            **summary,
        },
        "provenance": {"device": "cpu", "args": {}},
    }


def test_interval_matches_scipy():
    values = [0.91, 0.95, 0.93, 0.96, 0.90]
    mean, low, high = report.interval(values)
    ref = scipy.stats.t.interval(
        0.95, len(values) - 1, loc=sum(values) / 5, scale=scipy.stats.sem(values)
    )
    assert mean == pytest.approx(0.93)
    assert (low, high) == pytest.approx(ref)
    assert math.isnan(report.interval([0.5])[1])
    with pytest.raises(ValueError, match=r"values is empty; need at least one measurement"):
        report.interval([])
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\), got 95"):
        report.interval([1.0, 2.0], confidence=95)


def test_summarize_groups_by_variant_in_study_order(tmp_path):
    runs = [_record("wht-early", s, 0.9 + 0.01 * s) for s in range(3)]
    runs += [_record("baseline", s, 0.8) for s in range(2)]
    runs += [_record("wht-early", 0, 0.5, axes="spatial")]
    rows = report.summarize(runs, metrics=("final_test_acc", "images_per_s"))
    assert [(r["variant"], r["axes"], r["n"]) for r in rows] == [
        ("baseline", "channel", 2),
        ("wht-early", "channel", 3),
        ("wht-early", "spatial", 1),
    ]
    assert rows[1]["final_test_acc"]["mean"] == pytest.approx(0.91)
    assert rows[1]["seeds"] == [0, 1, 2]
    assert rows[0]["images_per_s"] is None  # not measured in these records
    full = report.summarize(runs[:1], by=("variant",), include_missing=True)
    assert [r["variant"] for r in full] == list(VARIANTS)
    table = report.format_table(full, report.COST_COLUMNS)
    assert table.splitlines()[1].split("  ")[0] == "baseline"
    assert "not yet measured" in table.splitlines()[1]


def test_report_cli_reads_a_folder(tmp_path, capsys):
    for s in range(2):
        (tmp_path / f"r{s}.json").write_text(json.dumps(_record("baseline", s, 0.9 + 0.02 * s)))
    (tmp_path / "other.json").write_text(json.dumps({"kind": "something else"}))
    text = report.main([str(tmp_path)])
    assert capsys.readouterr().out.strip() == text
    lines = text.splitlines()
    assert lines[0] == "== digits, 8x8, resnet18 width 16: 2 runs"
    assert lines[2].split() == ["baseline", "-", "2", "1,000", "91.0", "[78.3,", "103.7]", "1.00"]
    assert len(report.load_results(tmp_path, variant="baseline")) == 2
    with pytest.raises(ValueError, match=r"records have no field 'colour'"):
        report.load_results(tmp_path, colour="red")
    with pytest.raises(FileNotFoundError, match=r"is not a folder of JSON records"):
        report.load_results(tmp_path / "missing")


def test_report_shows_cost_and_energy_above_idle(tmp_path):
    gpu = {"data": "synthetic", "image_size": 224, "model": "resnet50", "width": 64}
    for seed in range(2):
        record = {
            **_record(
                "wht-early",
                seed,
                0.01,
                axes="spatial",
                images_per_s=3000.0,
                peak_memory_bytes=2**34,
                energy_j=900.0,
                energy_per_epoch_j=300.0 + seed,
                energy_per_image_j=0.02,
                idle_watts=70.0,
                energy_above_idle_per_epoch_j=200.0,
                energy_above_idle_per_image_j=0.015,
            ),
            **gpu,
        }
        (tmp_path / f"r{seed}.json").write_text(json.dumps(record))
    lines = report.main([str(tmp_path)]).splitlines()
    assert lines[0] == "== synthetic, 224x224, resnet50 width 64: 2 runs"
    assert [line.split() for line in lines[3:]] == [
        "variant axes repeats images/s peak memory GiB kJ / epoch J / image".split(),
        "wht-early spatial 2 3000 16.00 0.30 [0.29, 0.31] 0.020".split(),
        "variant axes repeats idle W kJ / epoch above idle J / image above idle".split(),
        "wht-early spatial 2 70 0.20 0.015".split(),
    ]


# -- the studies -----------------------------------------------------------------------------


def test_studies_list_their_runs(capsys):
    digits = study.study_runs("digits", out="results")
    # five seeds: the ten variants and six spatial readings, then the three Walsh filters
    # in both readings, whose records go to a folder of their own
    assert len(digits) == 5 * (10 + 6) + 5 * 3 * 2
    ten, filters = digits[:80], digits[80:]
    assert all(r[-2:] == ["--out", "results"] and "--resume" in r for r in ten)
    assert all(
        r[-2:] == ["--out", os.path.join("results", "filters")] and "--resume" in r for r in filters
    )
    spatial = {r[r.index("--variant") + 1] for r in ten if "spatial" in r}
    assert spatial == {v for v in VARIANTS if v.split("-")[0] in ("wht", "dct")}
    assert [(r[r.index("--variant") + 1], r[r.index("--axes") + 1]) for r in filters[::5]] == [
        (v, axes) for v in FILTER_VARIANTS for axes in ("channel", "spatial")
    ]
    # chapter 12: the ten variants in the paper's spatial reading, WHT and DCT also in the
    # channel reading (the ablation), three repeats; variant by variant (one compile each)
    for name in ("gpu", "cifar100"):
        configs = study.study_configs(name)
        assert len(configs) == (10 + 6) * 3
        assert {c.variant for c in configs if c.axes == "spatial"} == set(VARIANTS)
        assert {c.variant for c in configs if c.axes == "channel"} == {
            v for v in VARIANTS if v.split("-")[0] in ("wht", "dct")
        }
        assert [(c.variant, c.axes, c.seed) for c in configs[:4]] == [
            ("baseline", "spatial", 0),
            ("baseline", "spatial", 1),
            ("baseline", "spatial", 2),
            ("wht-input", "spatial", 0),
        ]
    gpu = study.study_configs("gpu")[0].resolved()
    assert (gpu.image_size, gpu.precision, gpu.channels_last, gpu.compile) == (
        224,
        "bf16",
        True,
        False,
    )  # the headline runs eagerly; gpu-compiled compiles
    compiled = study.study_configs("gpu-compiled")
    assert [(c.variant, c.axes) for c in compiled[::3]] == [(v, "spatial") for v in VARIANTS]
    assert {(c.resolved().compile, c.out) for c in compiled} == {
        (True, os.path.join("book/results", "gpu-compiled"))
    }
    cifar = study.study_configs("cifar100")[0].resolved()
    assert (
        cifar.weights,
        cifar.epochs,
        cifar.image_size,
        cifar.lr,
        cifar.weight_decay,
        cifar.dropout,
    ) == ("torchvision", 25, 224, 1e-3, 1e-4, 0.5)
    assert study.main(["gpu", "--dry-run"]) == 48
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("python -m hadalib.experiments.resnet_wht --data synthetic")
    with pytest.raises(
        ValueError,
        match=r"unknown study 'imagenet'; accepted: digits, "
        r"bottleneck, cpu-speed, gpu, gpu-compiled, cifar100",
    ):
        study.study_runs("imagenet")
    # every run's arguments are accepted by the runner's parser
    for run in digits[:3] + study.study_runs("gpu")[:1] + study.study_runs("cifar100")[:1]:
        assert RunConfig.from_argv(run).argv(["variant", "out"])[-1] == run[-1]


def _stored(record, settings, schema):
    """``record`` with its settings where a record of ``schema`` keeps them."""
    if schema == 1:  # all in the provenance's args
        return {**record, "provenance": {**record["provenance"], "args": settings}}
    top = {RECORD_KEYS[k]: v for k, v in settings.items() if k in RECORD_KEYS}
    args = {k: v for k, v in settings.items() if k not in RECORD_KEYS}
    return {**record, **top, "schema": 2, "provenance": {**record["provenance"], "args": args}}


@pytest.mark.parametrize("schema", [1, 2])
@pytest.mark.parametrize(
    ("setting", "values"),
    [
        ("lr", (0.001, 0.01)),
        ("precision", ("bf16", "fp32")),
        ("epochs", (10, 20)),
        ("device", ("cpu", "cuda")),
    ],
)
def test_report_never_averages_runs_that_differ_in_a_setting_of_the_result(
    tmp_path, setting, values, schema
):
    args = {
        "lr": 0.001,
        "precision": "fp32",
        "epochs": 10,
        "device": "cpu",
        "channels_last": False,
        "compile": False,
        "progress": False,
    }
    for i, value in enumerate(values):
        for seed in (2 * i, 2 * i + 1):
            record = _stored(
                _record("baseline", seed, 0.9 - 0.1 * i),
                {**args, setting: value, "seed": seed},
                schema,
            )
            (tmp_path / f"r{i}{seed}.json").write_text(json.dumps(record))
    lines = report.main([str(tmp_path)]).splitlines()
    titles = [line for line in lines if line.startswith("==")]
    assert titles == [
        f"== digits, 8x8, resnet18 width 16, {setting} {value}: 2 runs" for value in values
    ]
    assert [line.split()[4] for line in lines if line.startswith("baseline")] == ["90.0", "80.0"]
    for record_file in tmp_path.glob("r*.json"):  # runs that differ in no such setting
        record = json.loads(record_file.read_text())
        record = _stored(
            record,
            {**args, setting: values[0], "seed": record["seed"], "progress": record["seed"] > 1},
            schema,
        )  # not one of them
        record_file.write_text(json.dumps(record))
    assert report.main([str(tmp_path)]).splitlines()[0] == (
        "== digits, 8x8, resnet18 width 16: 4 runs"
    )


def test_study_dry_run_refuses_the_device_the_run_would_refuse(capsys):
    with pytest.raises(SystemExit) as exit_info:
        study.main(["digits", "--device", "tpu", "--dry-run"])
    assert exit_info.value.code == 2
    assert "error: --device must be cpu, cuda or cuda:N, got 'tpu'" in capsys.readouterr().err
