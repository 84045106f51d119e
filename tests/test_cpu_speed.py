"""The cpu-speed study of chapter 12: ResNet-50 at 224x224 measured on the CPU.

Its runs (the ten variants in the spatial reading, the six WHT and DCT variants in the
channel reading, 3 interleaved repeats, one process per run), its dry run's estimate, its
table of step time, memory and overhead against the baseline, and the whole machinery
end to end at tiny settings (32x32 images, width 8, one step an epoch) for two variants.
"""

from __future__ import annotations

import re

import pytest

from hadalib.experiments import records, study
from hadalib.nn import VARIANTS


def test_the_study_runs_every_variant_at_224_in_interleaved_repeats(tmp_path):
    configs = study.study_configs("cpu-speed", tmp_path)
    readings = {(c.variant, c.axes) for c in configs}
    assert readings == {(v.name, "spatial") for v in VARIANTS.values()} | {
        (v.name, "channel") for v in VARIANTS.values() if v.has_axes
    }
    assert len(configs) == 16 * 3
    assert [c.seed for c in configs] == [0] * 16 + [1] * 16 + [2] * 16  # interleaved
    resolved = {
        (
            c.model,
            c.width,
            c.image_size,
            c.device,
            c.precision,
            c.batch_size,
            c.epochs,
            c.cpu_memory,
            c.out,
        )
        for c in (c.resolved() for c in configs)
    }
    assert resolved == {
        ("resnet50", 64, 224, "cpu", "fp32", 4, 4, True, str(tmp_path / "cpu-speed"))
    }
    assert len({c.name() for c in configs}) == len(configs)


def test_the_dry_run_estimates_the_runs_not_yet_finished(tmp_path, capsys):
    assert study.main(["cpu-speed", "--dry-run", "--out", str(tmp_path)]) == 48
    last = capsys.readouterr().out.splitlines()[-1]
    minutes = float(
        re.fullmatch(
            r"estimated: about (\d+) min for 48 runs, from one run of "
            r"the baseline on 2 cores shared with other work",
            last,
        )[1]
    )
    cost = study.STUDIES["cpu-speed"].cost
    # each run: 4 epochs of 2 steps of 4 images (the first a warm-up, the median of the
    # other three counts), and what surrounds them
    assert minutes == round(48 * (4 * 2 * 4 * cost.image_s + cost.run_s) / 60)
    assert minutes <= 23  # about 22 minutes on 2 cores


def _record(variant: str, seed: int, images_per_s: float, peak: int | None) -> dict:
    return {
        "variant": variant,
        "axes": "spatial",
        "seed": seed,
        "batch_size": 4,
        "summary": {"images_per_s": images_per_s, "peak_memory_bytes": peak},
    }


def test_the_table_gives_intervals_and_the_overhead_against_the_baseline():
    mib = 2**20
    table = study.speed_table(
        [
            _record("wht-early", 0, 2.0, 300 * mib),
            _record("wht-early", 1, 2.0, 310 * mib),
            _record("baseline", 0, 4.0, 200 * mib),
            _record("baseline", 1, 4.0, 200 * mib),
            _record("fft-input", 0, 3.2, None),
        ]
    ).splitlines()
    assert table[0].split() == [
        "variant",
        "axes",
        "repeats",
        "step",
        "ms",
        "(95%",
        "CI)",
        "images/s",
        "peak",
        "MiB",
        "(95%",
        "CI)",
        "overhead",
        "vs",
        "baseline",
        "(range)",
    ]
    assert table[1].split() == [
        "baseline",
        "spatial",
        "2",
        "1000",
        "(1000-1000)",
        "4.0",
        "200",
        "(200-200)",
    ]
    assert table[2].split()[:5] == ["wht-early", "spatial", "2", "2000", "(2000-2000)"]
    assert table[2].split()[-4:] == ["+100%", "(+100%", "to", "+100%)"]
    assert table[3].split() == [
        "fft-input",
        "spatial",
        "1",
        "1250",
        "3.2",
        "not",
        "measured",
        "+25%",
    ]


@pytest.mark.slow
def test_the_study_runs_end_to_end_in_a_process_per_run(tmp_path, monkeypatch, capsys):
    two = ("baseline", "wht-early-late")
    tiny = {
        "data": "synthetic",
        "image_size": 32,
        "width": 8,
        "epochs": 2,
        "batch_size": 4,
        "limit_train": 4,
        "limit_test": 4,
        "device": "cpu",
        "checkpoints": False,
        "cpu_memory": True,
    }
    monkeypatch.setitem(
        study.STUDIES,
        "cpu-speed",
        study.STUDIES["cpu-speed"]._replace(
            settings=tiny, seeds=(0, 1), readings=("spatial",), variants=two
        ),
    )
    argv = ["cpu-speed", "--out", str(tmp_path), "--threads", "1"]
    assert study.main(argv) == 4
    out = capsys.readouterr().out.splitlines()
    names = [
        "synthetic32-resnet50w8-baseline-seed0",
        "synthetic32-resnet50w8-wht-early-late-spatial-seed0",
        "synthetic32-resnet50w8-baseline-seed1",
        "synthetic32-resnet50w8-wht-early-late-spatial-seed1",
    ]
    for i, (line, name) in enumerate(zip(out, names, strict=False), 1):
        assert re.fullmatch(
            rf"\[{i}/4\] {name}: \d+ ms a step, peak memory \+\d+ MiB "
            r"\(\d+ s\)",
            line,
        )
    assert out[4].startswith("variant ")
    assert out[5].split()[:3] == ["baseline", "spatial", "2"]
    assert out[6].split()[:3] == ["wht-early-late", "spatial", "2"]
    assert re.search(r"[+-]\d+% \([+-]\d+% to [+-]\d+%\)$", out[6])
    for name in names:
        record = records.read_json(tmp_path / "cpu-speed" / f"{name}.json")
        assert records.summary_problem(record) is None
        assert record["provenance"]["args"]["cpu_memory"] is True
        assert record["provenance"]["device"] == "cpu" and record["precision"] == "fp32"
        assert record["provenance"]["cpu_threads"] == 1
        peaks = [h["peak_memory_bytes"] for h in record["history"]]
        assert all(isinstance(p, int) and p >= 0 for p in peaks)
        assert peaks == sorted(peaks)  # the growth of a peak, which only grows
    assert study.main(argv) == 4  # finished runs are found by their records
    again = capsys.readouterr().out.splitlines()
    assert again[:4] == [f"[{i}/4] {name}: finished before" for i, name in enumerate(names, 1)]
