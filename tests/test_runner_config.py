"""RunConfig: one typed description of a run, from which the parser, the run's name, the
resume comparison and the report's grouping come (no torch needed)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from conftest import ROOT

from hadalib.experiments import config, records, resnet_wht
from hadalib.experiments.config import RunConfig
from hadalib.nn import FILTER_VARIANTS, VARIANTS

FIELDS = dataclasses.fields(RunConfig)


def _other(f: dataclasses.Field, value):
    """A valid value of field ``f`` other than ``value``."""
    if f.metadata["choices"]:
        return next(c for c in f.metadata["choices"] if c != value)
    if f.name in ("device", "weights"):
        return {"device": "cuda" if value != "cuda" else "cpu", "weights": "torchvision"}[f.name]
    if value is None:
        return {"int": 9, "bool": True}.get(f.type.split(" ")[0], "elsewhere")
    if isinstance(value, bool):
        return not value
    if isinstance(value, float):
        return value / 2
    if isinstance(value, int):
        return value + 1
    return "elsewhere"


def test_every_field_is_an_option_and_its_command_line_gives_it_back():
    changed = RunConfig("wht-early", **{f.name: _other(f, f.default) for f in FIELDS[1:]})
    argv = changed.argv([f.name for f in FIELDS])
    assert RunConfig.from_argv(argv) == changed
    assert "--no-progress" in argv and "--download" in argv
    help_text = RunConfig.parser().format_help()
    for f in FIELDS:
        option = f.metadata["flag"] or "--" + f.name.replace("_", "-")
        assert option in help_text and f.metadata["help"], f.name


def test_the_cli_takes_its_options_from_the_configuration():
    parser_options = {a.dest for a in RunConfig.parser()._actions} - {"help"}
    assert parser_options == {f.name for f in FIELDS}
    assert resnet_wht.main.__module__ == "hadalib.experiments.resnet_wht"


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"variant": "wht-middle"}, ValueError, "variant='wht-middle' is not one of 'baseline'"),
        (
            {"data": "mnist"},
            ValueError,
            "data='mnist' is not one of 'cifar100', 'digits', 'synthetic'",
        ),
        ({"width": "16"}, TypeError, "width must be an integer, got '16' (str)"),
        ({"width": 0}, ValueError, "width must be a positive integer, got 0"),
        ({"lr": 0.0}, ValueError, "lr must be a finite number > 0, got 0.0"),
        ({"dropout": float("nan")}, ValueError, "dropout must be in [0, 1), got nan"),
        ({"image_size": 4}, ValueError, "image_size must be at least 8, got 4"),
        ({"seed": -1}, ValueError, "seed must be an integer in [0, 2**64), got -1"),
        ({"device": "tpu"}, ValueError, "device must be cpu, cuda or cuda:N, got 'tpu'"),
        ({"smoke": 1}, TypeError, "smoke must be True or False, got 1 (int)"),
        ({"out": None}, TypeError, "out must be a str, got None (NoneType)"),
    ],
)
def test_bad_values_name_the_field(change, error, message):
    with pytest.raises(error) as info:
        RunConfig(**{"variant": "baseline", **change})
    assert message in str(info.value)


def test_numpy_numbers_are_plain_numbers_in_the_configuration():
    c = RunConfig("baseline", seed=np.int64(3), lr=np.float32(0.5))
    assert type(c.seed) is int and type(c.lr) is float
    json.dumps(dataclasses.asdict(c))


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.name)
def test_a_resume_tells_apart_every_setting_that_changes_the_result(f):
    base = RunConfig("wht-early", device="cuda").resolved()
    value = getattr(base, f.name)
    other = dataclasses.replace(base, **{f.name: _other(f, value)})
    differ = config.differences(dataclasses.asdict(base), dataclasses.asdict(other))
    if f.metadata["result"]:
        assert f"--{f.name.replace('_', '-')} was {value!r}" in differ
    else:
        assert differ == ""


def test_a_resume_compares_what_the_result_depends_on():
    cpu = dataclasses.asdict(RunConfig("baseline", device="cpu", precision="bf16").resolved())
    # the CPU trains in bf16 where asked (autocast), so that it runs the GPU's code
    assert config.differences(cpu, {**cpu, "precision": "fp32"}) == (
        "--precision was 'bf16', now 'fp32'"
    )
    assert config.differences(cpu, {**cpu, "device": "cpu:0"}) == ""
    # a setting of another version of the runner still tells two runs apart
    assert config.differences({**cpu, "mixup": 0.2}, cpu) == "--mixup was 0.2, now None"
    assert config.differences(cpu, {**cpu, "epochs": 9}, free={"epochs"}) == ""


def test_records_of_the_runner_before_channels_last_read_as_what_it_did():
    # that runner trained in fp32 on the CPU whatever --precision said, channels-last on CUDA
    now = dataclasses.asdict(RunConfig("baseline", device="cpu").resolved())
    assert (now["precision"], now["channels_last"]) == ("fp32", False)
    old = {k: v for k, v in now.items() if k != "channels_last"}
    assert config.differences({**old, "precision": "bf16"}, now) == ""
    cuda = dataclasses.asdict(RunConfig("baseline", device="cuda").resolved())
    assert (cuda["precision"], cuda["channels_last"]) == ("bf16", True)
    old = {k: v for k, v in cuda.items() if k != "channels_last"}
    assert config.differences(old, cuda) == ""
    assert config.differences({**old, "precision": "fp32"}, cuda) == (
        "--precision was 'fp32', now 'bf16'"
    )


def test_precision_and_memory_format_default_by_device_and_are_options():
    assert RunConfig("baseline").resolved().precision is None  # the device is not known yet
    c = RunConfig.from_argv(
        ["--variant", "baseline", "--precision", "bf16", "--channels-last", "--device", "cpu"]
    ).resolved()
    assert (c.precision, c.channels_last) == ("bf16", True)
    off = RunConfig.from_argv(["--variant", "baseline", "--no-channels-last"])
    assert off.channels_last is False and off.argv(["channels_last"]) == ["--no-channels-last"]
    assert RunConfig("baseline").argv(["channels_last", "precision"]) == []
    assert RunConfig("baseline", checkpoints=False).argv(["checkpoints"]) == ["--no-checkpoints"]


def test_the_name_of_a_run():
    c = RunConfig("dct-early", data="digits", model="resnet18", width=16)
    assert c.axes == "spatial"  # the paper's 2-D WHT (and DCT) over H and W
    assert c.name() == "digits8-resnet18w16-dct-early-spatial-seed0"
    assert RunConfig("dct-early", axes="channel", smoke=True).name() == (
        "synthetic32-resnet50-dct-early-seed0-smoke"
    )
    assert RunConfig("baseline", axes="spatial", smoke=True).name(world=2) == (
        "synthetic32-resnet50-baseline-seed0-smoke-ddp2"
    )
    assert c.resolved().name() == c.name()


def test_defaults_that_depend_on_the_data():
    smoke = RunConfig("baseline", smoke=True).resolved()
    assert (smoke.image_size, smoke.epochs, smoke.batch_size) == (32, 1, 8)
    assert (smoke.limit_train, smoke.limit_test) == (16, 8)
    full = RunConfig("baseline", data="digits").resolved()
    assert (full.image_size, full.epochs, full.batch_size, full.limit_train) == (8, 20, 128, None)
    assert full.resolved() == full


def test_records_and_report_use_the_configuration_fields():
    assert config.ROW_KEYS == ("variant", "axes")
    assert set(config.TABLE_KEYS) == {"data", "image_size", "model", "width", "smoke"}
    record = json.loads(next((ROOT / "book" / "results").glob("*.json")).read_text())
    assert records.record_problem(record) is None
    # records of schema 1 were made before --channels-last, --no-checkpoints and --cpu-memory
    newer = {"channels_last", "checkpoints", "cpu_memory"} if record["schema"] == 1 else set()
    assert set(records.settings(record)) == {f.name for f in FIELDS} - newer
    assert RunConfig(**records.settings(record)).name() == record["name"]
    for name, kind in config.RECORD_TYPES.items():
        assert type(record[name]) is kind, name
    assert set(VARIANTS) | set(FILTER_VARIANTS) | {"walsh-bottleneck"} == set(
        FIELDS[0].metadata["choices"]
    )


def test_a_record_holds_every_field_its_metadata_marks():
    marked = {f.name: f.metadata["record"] for f in FIELDS if f.metadata["record"]}
    assert config.RECORD_KEYS == {n: n if key is True else key for n, key in marked.items()}
    assert set(config.RECORD_TYPES) <= set(marked)  # the fields every record has
    c = RunConfig("dct-early", data="digits", device="cpu", compile=True).resolved()
    epoch = {
        "test_acc": 0.5,
        "train_acc": 0.4,
        "test_loss": 1.0,
        "train_seconds": 2.0,
        "images_per_s": 9.0,
    }
    record = records.new_record(
        c, [epoch], params=7, steps=3, energy={}, provenance={"world_size": 1}
    )
    for name, key in config.RECORD_KEYS.items():
        assert record[key] == getattr(c, name), name
    assert (record["compiled"], record["precision"], record["steps_per_epoch"]) == (True, "fp32", 3)
    assert record["transforms"] == {"conv2_block1": "dct"}


def test_a_record_gives_back_its_settings_from_where_its_schema_stores_them():
    c = RunConfig("dct-early", data="digits", device="cpu", compile=True).resolved()
    args = {k: v for k, v in dataclasses.asdict(c).items() if k not in config.RECORD_KEYS}
    record = records.new_record(
        c,
        [
            {
                "test_acc": 0.5,
                "train_acc": 0.4,
                "test_loss": 1.0,
                "train_seconds": 2.0,
                "images_per_s": 9.0,
            }
        ],
        params=7,
        steps=3,
        energy={},
        provenance={"world_size": 1, "device": "cpu", "args": args},
    )
    assert record["schema"] == 2 and records.record_problem(record) is None
    assert records.settings(record) == dataclasses.asdict(c)
    # schema 1 held them all in the provenance's args, which is what counted (its top-level
    # copies could disagree, as precision did in the digits records made before schema 2)
    everything = {**dataclasses.asdict(c), "precision": "bf16"}
    old = {**record, "schema": 1, "provenance": {**record["provenance"], "args": everything}}
    assert (old["precision"], records.settings(old)["precision"]) == ("fp32", "bf16")
    assert records.record_problem({**record, "schema": 3}) == (
        "is a record of schema 3; this hadalib reads schemas 1 to 2"
    )
