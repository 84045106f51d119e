"""The GPU path, run on the CPU first, and `make gpu-study`.

What a GPU machine runs is tried here: bf16 autocast and channels-last memory (the CPU
runs the GPU's code), the compiled model, ImageNet-style weights from a state_dict file,
the NVML energy counter and power sampling through the runner (with a fake NVML), and the
record's account of what ran on what. Then the GPU study (tools/gpu_study.py): its plan
and time estimate without a GPU (the dry run, also through make), the headline in its
first invocation of under 7 minutes, its time budget, its arguments and a damaged timings
file, its worker processes on tiny CPU settings, and the torch and Triton names the GPU
path uses, each known to exist in torch 2.11 and Triton 3.6 (what the GPU machine's own
Python has).
The DDP path under torchrun with gloo is tested in test_experiments.py.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib
import itertools
import json
import math
import re
import subprocess
import sys
import time

import pytest
import torch
import torch.nn.functional as F
from conftest import ROOT
from test_energy import FakeNVML

import hadalib.energy as he
from hadalib.experiments import records, resnet_wht, runner
from hadalib.experiments.config import RunConfig
from hadalib.nn import VARIANTS, resnet50
from tools import gpu_study  # the checkout's tools/, on the path from conftest

# ResNet-50 at width 8 on 32x32 synthetic images: the GPU study's network, made tiny.
SMOKE = ["--smoke", "--width", "8", "--batch-size", "4", "--device", "cpu", "--no-progress"]


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    """One thread, here and in the study's worker processes: tiny models on a shared
    machine run many times faster without OpenMP threads waiting for each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    yield
    torch.set_num_threads(threads)


def _main(out, *args):
    return resnet_wht.main(["--variant", "wht-early-late", *SMOKE, "--out", str(out), *args])


@pytest.fixture
def spy(monkeypatch):
    """What the model sees: the dtypes of the logits, and whether conv inputs are
    channels-last (strides of NHWC, not NCHW)."""
    seen = {"logits": set(), "channels_last": set()}
    cross_entropy = F.cross_entropy

    def logits(x, *args, **kwargs):
        seen["logits"].add(x.dtype)
        return cross_entropy(x, *args, **kwargs)

    def conv_input(module, args):
        if isinstance(module, torch.nn.Conv2d):
            x = args[0]
            seen["channels_last"].add(
                x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
            )

    monkeypatch.setattr(F, "cross_entropy", logits)
    handle = torch.nn.modules.module.register_module_forward_pre_hook(conv_input)
    yield seen
    handle.remove()


def test_bf16_and_channels_last_run_on_the_cpu(tmp_path, spy):
    record = _main(tmp_path, "--precision", "bf16", "--channels-last")
    assert torch.bfloat16 in spy["logits"]  # CPU autocast: the GPU's precision
    assert True in spy["channels_last"]
    assert (record["precision"], record["channels_last"], record["compiled"]) == (
        "bf16",
        True,
        False,
    )
    assert math.isfinite(record["history"][0]["train_loss"])
    assert record["axes"] == "spatial"  # the paper's 2-D WHT is the default


def test_the_cpu_default_is_fp32_and_contiguous(tmp_path, spy):
    record = _main(tmp_path)
    assert spy["logits"] == {torch.float32} and spy["channels_last"] == {False}
    assert (record["precision"], record["channels_last"]) == ("fp32", False)


def test_a_record_says_what_ran_on_what(tmp_path):
    record = _main(tmp_path, "--precision", "bf16", "--channels-last")
    prov = record["provenance"]
    assert prov["device"] == "cpu" and prov["device_name"]  # the CPU's model name
    assert (record["precision"], record["channels_last"], record["compiled"]) == (
        "bf16",
        True,
        False,
    )
    assert prov["torch"] == torch.__version__ and prov["cuda"] == torch.version.cuda
    for key in (
        "driver",
        "cudnn",
        "gpu_name",
        "cuda_capability",
        "gpu_memory_bytes",
        "triton",
        "numba",
        "numpy",
        "python",
        "platform",
        "git_commit",
        "hadalib_tree",
        "energy_method",
        "weights_sha256",
    ):
        assert key in prov, key
    assert records.settings(record)["precision"] == "bf16"


def test_weights_from_a_state_dict_file_are_loaded_and_named(tmp_path):
    torch.manual_seed(123)  # weights unlike those the run would start from
    saved = resnet50(width=8).state_dict()  # an ImageNet-style head of 1,000 classes
    path = tmp_path / "imagenet.pt"
    torch.save(saved, path)
    record = _main(
        tmp_path, "--weights", str(path), "--lr", "1e-9", "--weight-decay", "0", "--keep-checkpoint"
    )
    assert record["provenance"]["weights_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    name = record["name"]
    trained = torch.load(tmp_path / "checkpoints" / f"{name}.pt", weights_only=True)["model"]
    torch.manual_seed(0)
    fresh = resnet50(100, width=8).state_dict()
    for key in ("conv1.weight", "layer3.0.conv2.weight"):
        assert torch.allclose(trained[key], saved[key], atol=1e-6), key
        assert not torch.allclose(trained[key], fresh[key], atol=1e-2), key
    assert trained["fc.weight"].shape == (100, saved["fc.weight"].shape[1])  # a fresh head


# -- energy through the runner, with a fake NVML --------------------------------------------


def _config(tmp_path, **change):
    return RunConfig(
        "wht-early",
        smoke=True,
        width=8,
        batch_size=4,
        epochs=2,
        device="cpu",
        progress=False,
        out=str(tmp_path),
        **change,
    )


def test_nvml_counter_through_the_runner_with_idle_power_subtracted(tmp_path, monkeypatch):
    start = time.monotonic()
    counter = (int(200_000 * (time.monotonic() - start)) for _ in itertools.count())  # 200 W
    monkeypatch.setattr(he, "_load_nvml", lambda: FakeNVML(counter=counter))
    record = runner.run(_config(tmp_path), idle_watts=50.0)
    energy, history, summary = record["energy"], record["history"], record["summary"]
    assert energy["method"] == "counter" and energy["gpu_name"] == "Fake GPU 80GB"
    assert record["provenance"]["driver"] == "550.54.15"
    assert record["provenance"]["energy_method"] == "counter"
    assert (energy["idle_watts"], energy["idle_source"]) == (
        50.0,
        "measured by the caller before the run",
    )
    laps = energy["laps_seconds"]  # train and evaluation of each epoch
    for i, h in enumerate(history):
        assert h["train_energy_j"] == pytest.approx(200.0 * laps[2 * i], rel=1e-3, abs=2e-3)
        assert h["train_energy_above_idle_j"] == pytest.approx(
            h["train_energy_j"] - 50.0 * laps[2 * i]
        )
        assert h["energy_above_idle_j"] == pytest.approx(
            h["energy_j"] - 50.0 * (laps[2 * i] + laps[2 * i + 1])
        )
        assert h["idle_watts"] == 50.0
    steady = history[1]  # the first epoch warms up
    assert summary["energy_per_epoch_j"] == pytest.approx(steady["energy_j"])
    assert summary["energy_above_idle_per_image_j"] == pytest.approx(
        steady["train_energy_above_idle_j"] / steady["train_images"]
    )
    assert summary["energy_j"] == pytest.approx(sum(h["energy_j"] for h in history))


def test_nvml_power_sampling_through_the_runner(tmp_path, monkeypatch):
    monkeypatch.setattr(he, "_load_nvml", lambda: FakeNVML(counter=None, power_mw=150_000))
    record = runner.run(_config(tmp_path))
    energy, history = record["energy"], record["history"]
    assert energy["method"] == "sampling"
    assert energy["reason"].startswith("no energy counter (FakeNVMLError: Not Supported)")
    for i, h in enumerate(history):
        assert h["train_energy_j"] == pytest.approx(150.0 * energy["laps_seconds"][2 * i], rel=1e-6)
        assert h["train_energy_above_idle_j"] is None  # no idle power on the CPU
    assert record["summary"]["energy_per_image_j"] == pytest.approx(
        history[1]["train_energy_j"] / history[1]["train_images"]
    )
    assert record["summary"]["energy_above_idle_per_image_j"] is None


# -- torch.compile ---------------------------------------------------------------------------


@pytest.mark.slow
def test_compiled_bf16_smoke_on_the_cpu_writes_a_valid_record(tmp_path):
    record = _main(tmp_path, "--compile", "--precision", "bf16", "--channels-last")
    path = tmp_path / f"{record['name']}.json"
    saved = json.loads(path.read_text())
    assert records.record_problem(saved) is None and records.summary_problem(saved) is None
    assert (saved["compiled"], saved["precision"], saved["channels_last"]) == (True, "bf16", True)


# -- make gpu-study ----------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The study's cache and timings in a fresh folder (not the checkout's .cache/)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(gpu_study.CACHE_VARIABLE, str(folder))
    return folder


def _minutes(text: str, what: str) -> float:
    return float(re.search(rf"{re.escape(what)} about ([\d.]+) min", text).group(1))


def test_the_dry_run_prints_the_plan_and_its_estimate(tmp_path, cache, capsys):
    assert (
        gpu_study.main(
            ["--dry-run", "--out", str(tmp_path / "results"), "--data-root", str(tmp_path / "data")]
        )
        == 0
    )
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(
        "(a) the headline: throughput, memory and energy of the gpu "
        "study, spatial reading: 0 of 30 done; 30 to go in 1 "
        "process(es), about "
    )
    assert lines[1].startswith(
        "(b) the transform's CUDA benchmark, quick (benchmarks/fwht.py "
        "--cuda-only --quick): 0 of 1 done"
    )
    assert lines[2].startswith("(c) the channel ablation of (a)") and "0 of 18 done" in lines[2]
    assert lines[3].startswith(
        "(d) the transform's CUDA benchmark (benchmarks/fwht.py --cuda-only): 0 of 1 done"
    )
    assert lines[4].startswith(
        "(e) the compiled runs: (a) with torch.compile: 0 of 30 done; 30 to go in 10 process(es)"
    )
    assert "(f) short accuracy run" in lines[5] and "skipped: not here:" in lines[5]
    assert "cifar-100-python.tar.gz" in lines[5] and "resnet50-imagenet1k-v1.pt" in lines[5]
    assert "lent machine" not in out and "may carry" not in out  # the user's machine only
    assert "estimated from guesses for one H100" in out
    assert (
        "the next invocation about " in out
        and "((a) 30 runs, (b) benchmark (quick), with its start and the idle power)" in out
    )
    assert _minutes(out, "the next invocation") <= 7.0
    assert not (tmp_path / "results").exists() or not list((tmp_path / "results").iterdir())


def test_the_first_invocation_records_the_headline_within_7_minutes(tmp_path, cache):
    """From the priors, on a fresh machine (no timings, compile caches empty): the ten
    variants x 3 repeats and the quick CUDA benchmark, with the start of Python, torch and
    CUDA, the idle power and the warm-up epochs, in at most 7 minutes."""
    options = gpu_study._parser().parse_args(["--out", str(tmp_path)])
    seconds, jobs = gpu_study.first_invocation(
        gpu_study.plan(options), {"jobs": {}}, gpu_study.BUDGET_S
    )
    assert seconds <= 7 * 60
    assert [job.step for job in jobs] == ["a", "b"]
    headline, benchmark = jobs
    assert sorted((c.variant, c.seed) for c in headline.configs) == sorted(
        itertools.product(VARIANTS, (0, 1, 2))
    )
    assert {
        (c.axes, c.image_size, c.precision, c.channels_last, c.compile, c.device)
        for c in headline.configs
    } == {("spatial", 224, "bf16", True, False, "cuda")}
    assert [c.seed for c in headline.configs] == sorted(c.seed for c in headline.configs)
    assert benchmark.command[1:] == ("benchmarks/fwht.py", "--cuda-only", "--quick")
    assert gpu_study.PRIORS["benchmark_quick_s"] <= 60  # the quick benchmark: about a minute
    # a measured epoch lasts a few seconds at the guessed speed, which NVML's counter resolves
    steady = headline.configs[0].limit_train * gpu_study.PRIORS["image_s"]
    assert 2.0 <= steady <= 5.0


def test_every_piece_of_work_can_start_in_one_invocation(tmp_path, cache):
    options = gpu_study._parser().parse_args(["--out", str(tmp_path)])
    jobs = [job for step in gpu_study.plan(options) for job in step.jobs]
    assert len(jobs) == 1 + 1 + 1 + 1 + 10
    start = gpu_study.PRIORS["parent_s"] + gpu_study.IDLE_SECONDS
    for job in jobs:  # a cold compile, its warm-up and one run fit in the budget
        first, whole = gpu_study.estimate(job, {"jobs": {}}, cold=True)
        assert start + first < gpu_study.BUDGET_S, job.label
        assert start + whole < gpu_study.BUDGET_S, job.label
    assert gpu_study.HARD_LIMIT_S + 10 < 7 * 60  # an invocation ends within 7 minutes


def test_invocations_take_whole_jobs_and_carry_a_long_one_over():
    usable = gpu_study.BUDGET_S - gpu_study.PRIORS["parent_s"] - gpu_study.IDLE_SECONDS
    assert gpu_study.invocations([100, usable + 128, 50, usable], gpu_study.BUDGET_S) == [
        [0],
        [1],
        [1, 2],
        [3],
    ]
    # a budget below an invocation's own start: one second of work each, never stuck
    assert gpu_study.invocations([10, 20], 1.0) == [[0]] * 10 + [[1]] * 20


@pytest.mark.parametrize(
    "text, ignored",
    [
        ("[]", "all of it (a list, not an object with an object 'jobs')"),
        ('"text"', "all of it (a str, not an object with an object 'jobs')"),
        ("{not json", "all of it (JSONDecodeError: "),
        (
            '{"jobs": {"a:10 variant(s)": {"image_s": NaN, "start_s": 3.0}}}',
            "a:10 variant(s) image_s=nan",
        ),
        ('{"jobs": {"a:10 variant(s)": {"image_s": 1e308}}}', "a:10 variant(s) image_s=1e+308"),
        (
            '{"jobs": {"a:10 variant(s)": {"run_extra_s": -19627649999.9}}}',
            "a:10 variant(s) run_extra_s=-19627649999.9",
        ),
        ('{"jobs": {"b:benchmark (quick)": "fast"}}', "b:benchmark (quick): 'fast'"),
    ],
)
def test_a_damaged_timings_file_is_ignored_with_a_note(tmp_path, cache, capsys, text, ignored):
    (cache / "gpu-study").mkdir(parents=True)
    (cache / "gpu-study" / "timings.json").write_text(text)
    assert gpu_study.main(["--dry-run", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    note = out.splitlines()[0]
    assert note.startswith(
        f"note: ignored in {cache / 'gpu-study' / 'timings.json'}, as not "
        f"finite numbers of seconds in [0, 3600]: {ignored}"
    )
    minutes = _minutes(out, "the next invocation")
    assert 0 < minutes <= 7.0  # from the priors, never negative


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--budget", "nan"],
            "argument --budget: expected a finite number of seconds > 0, got 'nan'",
        ),
        (
            ["--budget", "inf"],
            "argument --budget: expected a finite number of seconds > 0, got 'inf'",
        ),
        (
            ["--budget", "-1"],
            "argument --budget: expected a finite number of seconds > 0, got '-1'",
        ),
        (
            ["--budget", "soon"],
            "argument --budget: expected a finite number of seconds > 0, got 'soon'",
        ),
        (
            ["--idle-seconds", "nan"],
            "argument --idle-seconds: expected a finite number of seconds >= 0, got 'nan'",
        ),
        (
            ["--idle-seconds", "-5"],
            "argument --idle-seconds: expected a finite number of seconds >= 0, got '-5'",
        ),
    ],
)
def test_bad_budgets_are_refused_naming_the_argument(argv, message, cache, capsys):
    with pytest.raises(SystemExit) as exc:
        gpu_study.main(["--dry-run", *argv])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().endswith(message)


def test_the_accuracy_step_runs_where_data_and_weights_are(tmp_path, cache):
    data = tmp_path / "data"
    data.mkdir()
    (data / "cifar-100-python.tar.gz").write_bytes(b"")
    (data / "resnet50-imagenet1k-v1.pt").write_bytes(b"")
    options = gpu_study._parser().parse_args(["--out", str(tmp_path), "--data-root", str(data)])
    step = gpu_study.plan(options)[5]
    assert step.skipped is None and step.total == 3
    config = step.jobs[0].configs[0].resolved()
    assert (config.data, config.image_size, config.axes, config.epochs) == (
        "cifar100",
        224,
        "spatial",
        2,
    )
    assert config.weights == str(data / "resnet50-imagenet1k-v1.pt")
    assert config.out == str(tmp_path / "cifar100-short")  # apart from the full study's


@pytest.mark.parametrize("target", [["gpu-study", "DRY_RUN=1"], ["gpu-study-plan"]])
def test_make_gpu_study_dry_run_needs_no_gpu_and_no_venv(target, cache):
    done = subprocess.run(
        ["make", "--no-print-directory", *target, f"PYTHON={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(a) the headline: throughput, memory and energy" in done.stdout
    assert "the next invocation about" in done.stdout


def test_it_stops_before_work_that_would_not_fit(tmp_path, cache, capsys):
    assert (
        gpu_study.main(
            [
                "--smoke",
                "--variants",
                "baseline",
                "--out",
                str(tmp_path),
                "--idle-seconds",
                "0",
                "--budget",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "stopping: (a) 1 variant(s) needs about" in out
    assert "of this invocation are left" in out
    assert out.rstrip().endswith("run `make gpu-study` again for the rest")
    assert not list(tmp_path.glob("*.json"))


def _job_file(cache, job, deadline):
    cache.mkdir(exist_ok=True)
    job_file = cache / "job.json"
    job_file.write_text(
        json.dumps(
            {
                "step": job.step,
                "label": job.label,
                "idle_watts": None,
                "deadline": deadline,
                "launched": time.time(),
                "configs": [dataclasses.asdict(c) for c in job.configs],
            }
        )
    )
    return job_file


def test_a_worker_runs_what_fits_and_measures_it(tmp_path, cache, capsys):
    options = gpu_study._parser().parse_args(
        ["--smoke", "--variants", "baseline,wht-input", "--out", str(tmp_path)]
    )
    job = gpu_study.plan(options)[0].jobs[0]
    assert [(c.variant, c.seed) for c in job.configs] == [  # the repeats interleaved
        ("baseline", 0),
        ("wht-input", 0),
        ("baseline", 1),
        ("wht-input", 1),
        ("baseline", 2),
        ("wht-input", 2),
    ]
    assert gpu_study.worker(_job_file(cache, job, time.time())) == 3
    assert (
        "2 variant(s): 6 run(s) would not fit in this invocation's time; they run next "
        "time" in capsys.readouterr().out
    )
    assert not list(tmp_path.glob("*.json")) and gpu_study.load_timings() == {"jobs": {}}
    one = job._replace(configs=job.configs[:1])
    assert gpu_study.worker(_job_file(cache, one, time.time() + 600)) == 0
    assert re.fullmatch(
        r"baseline \(spatial\), seed 0: [\d,]+ images/s, peak 0\.0 GiB, "
        r"energy not measured \(\d+ s\)\n",
        capsys.readouterr().out,
    )
    assert [p.name for p in tmp_path.glob("*.json")] == [
        "synthetic32-resnet50w8-baseline-seed0-smoke.json"
    ]
    measured = gpu_study.load_timings()["jobs"]["a:2 variant(s)"]
    assert set(measured) == {"start_s", "compiled", "image_s", "run_extra_s", "device"}
    assert measured["compiled"] is False and measured["device"]  # the CPU's name
    first, whole = gpu_study.estimate(job, gpu_study.load_timings(), cold=False)
    assert first == pytest.approx(
        measured["start_s"]
        + gpu_study.run_seconds(job.configs[0], measured["image_s"], measured["run_extra_s"])
    )


@pytest.mark.slow
def test_a_compiled_worker_warms_up_and_stops_when_the_next_run_would_not_fit(
    tmp_path, cache, capsys
):
    options = gpu_study._parser().parse_args(
        ["--smoke", "--variants", "baseline", "--out", str(tmp_path)]
    )
    job = gpu_study.plan(options)[4].jobs[0]
    job = job._replace(configs=tuple(dataclasses.replace(c, compile=True) for c in job.configs))
    assert gpu_study.worker(_job_file(cache, job, time.time())) == 3
    out = capsys.readouterr().out
    assert re.search(
        r"baseline \(spatial\): warm-up: compiled in \d+ s, then \d+ ms a step "
        r"of 4 images \([\d,]+ images/s\): 3 run\(s\) of 4 steps, about",
        out,
    )
    assert "3 run(s) would not fit in this invocation's time; they run next time" in out
    measured = gpu_study.load_timings()["jobs"]["e:baseline (spatial)"]
    assert set(measured) == {"start_s", "compiled", "compile_s", "image_s", "run_extra_s", "device"}


@pytest.mark.slow
def test_a_smoke_study_runs_resumes_and_exports(tmp_path, cache, capsys):
    out, export = tmp_path / "results", tmp_path / "export"
    argv = ["--smoke", "--variants", "baseline", "--out", str(out), "--idle-seconds", "0"]
    assert gpu_study.main([*argv, "--export", str(export)]) == 0
    text = capsys.readouterr().out
    remains = text.split("-- what remains:")[1]
    assert (
        "(a) the headline: throughput, memory and energy of the gpu study, spatial "
        "reading: done (3 of 3)" in remains
    )
    assert "(e) the compiled runs: (a) with torch.compile: done (3 of 3)" in remains
    names = sorted(p.name for p in out.glob("*.json"))
    assert names == [f"synthetic32-resnet50w8-baseline-seed{s}-smoke.json" for s in range(3)]
    assert sorted(p.relative_to(export).as_posix() for p in export.rglob("*.json")) == sorted(
        [
            "cache/gpu-study/timings.json",
            *(f"results/{n}" for n in names),
            *(f"results/gpu-compiled/{n}" for n in names),
        ]
    )
    record = json.loads((out / names[0]).read_text())
    assert (record["precision"], record["channels_last"]) == ("bf16", True)
    (out / names[1]).unlink()  # as if the invocation had stopped before it
    assert gpu_study.main([*argv, "--dry-run"]) == 0
    assert "2 of 3 done; 1 to go in 1 process(es)" in capsys.readouterr().out


# -- nothing in the GPU path needs more than torch 2.11 and Triton 3.6 -------------------------

#: The modules a GPU machine runs with its own Python (torch 2.11, Triton 3.6).
GPU_PATH = [
    ROOT / "tools" / "gpu_study.py",
    *sorted((ROOT / "hadalib" / "experiments").glob("*.py")),
    *sorted((ROOT / "hadalib" / "nn").glob("*.py")),
    *[
        ROOT / "hadalib" / f"{name}.py"
        for name in ("energy", "data", "_synthetic", "transforms", "_fwht_op", "_fwht_triton")
    ],
    ROOT / "benchmarks" / "fwht.py",
]
#: torch names known to exist in torch 2.11 (all of them older than 2.5). A name the GPU
#: path starts to use fails the test below until it is checked against torch 2.11's
#: documentation or source and added here.
KNOWN_IN_TORCH_2_11 = frozenset(
    """
torch torch.Generator torch.Tensor torch.__version__ torch.add torch.arange torch.as_tensor
torch.autocast torch.backends.cudnn.benchmark torch.backends.cudnn.version torch.bfloat16
torch.cat torch.channels_last torch.compile torch.compiler.disable torch.compiler.reset
torch.cuda.CUDAGraph torch.cuda.Event torch.cuda.OutOfMemoryError torch.cuda.Stream
torch.cuda.current_stream torch.cuda.device torch.cuda.device_count torch.cuda.empty_cache
torch.cuda.get_device_name torch.cuda.get_device_properties torch.cuda.get_rng_state
torch.cuda.graph torch.cuda.is_available torch.cuda.max_memory_allocated
torch.cuda.reset_peak_memory_stats torch.cuda.set_device torch.cuda.set_rng_state
torch.cuda.stream torch.cuda.synchronize torch.device torch.distributed
torch.distributed.ReduceOp.MAX torch.distributed.ReduceOp.SUM
torch.distributed.all_gather_object torch.distributed.all_reduce
torch.distributed.destroy_process_group torch.distributed.get_backend
torch.distributed.init_process_group torch.distributed.is_available
torch.distributed.is_initialized torch.empty torch.empty_like torch.equal torch.fft.fft
torch.fft.fft2 torch.fft.ifft torch.fft.ifft2 torch.fft.rfft torch.fft.irfft torch.flatten
torch.float16 torch.float32 torch.float64 torch.from_numpy torch.get_default_dtype
torch.get_num_threads torch.get_rng_state torch.int64 torch.int32 torch.library.Library
torch.library.custom_op torch.library.register_autograd torch.library.register_fake
torch.library.triton_op torch.library.wrap_triton torch.load torch.manual_seed torch.nn
torch.nn.AdaptiveAvgPool2d torch.nn.BatchNorm2d torch.nn.Conv2d torch.nn.Dropout
torch.nn.Identity torch.nn.Linear torch.nn.MaxPool2d torch.nn.Module torch.nn.ModuleDict
torch.nn.Parameter torch.promote_types
torch.nn.ReLU torch.nn.Sequential torch.nn.functional torch.nn.functional.cross_entropy
torch.nn.functional.interpolate torch.nn.functional.pad torch.nn.init.kaiming_normal_
torch.nn.init.constant_ torch.nn.init.zeros_ torch.nn.init.ones_
torch.nn.parallel.DistributedDataParallel torch.no_grad torch.ones torch.ones_like
torch.optim.Adam torch.optim.Optimizer torch.randn torch.randperm torch.save
torch.set_num_threads torch.set_rng_state torch.sub torch.tensor torch.uint8
torch.version.cuda torch.zeros torch.zeros_like torch.stack torch.where torch.float
torch.argsort torch.is_tensor torch.is_grad_enabled torch.inference_mode torch.empty_strided
torch.utils.checkpoint torch.Size torch.dtype torch.SymInt torch.compiler.is_compiling
""".split()
)
#: Triton names known to exist in Triton 3.6.
KNOWN_IN_TRITON_3_6 = frozenset(
    """
triton triton.__version__ triton.jit triton.cdiv triton.next_power_of_2 triton.language
triton.language.constexpr triton.language.program_id triton.language.arange
triton.language.load triton.language.store triton.language.reshape
triton.language.expand_dims triton.language.sum triton.language.minimum
triton.language.maximum triton.language.static_range triton.language.float32
triton.language.float16 triton.language.bfloat16 triton.language.int32
triton.language.int64 triton.language.where triton.language.zeros triton.language.dot
triton.language.flip triton.language.sort triton.language.num_programs
triton.language.cdiv
""".split()
)
_ROOTS = ("torch", "triton")


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> dotted torch/triton name, from the imports (``tl`` is
    triton.language also where a module binds it lazily)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in _ROOTS:
                    names[a.asname or a.name.split(".")[0]] = (
                        a.name if a.asname else a.name.split(".")[0]
                    )
        elif (
            isinstance(node, ast.ImportFrom)
            and not node.level
            and node.module
            and node.module.split(".")[0] in _ROOTS
        ):
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    if "triton.language" in names.values():
        names["tl"] = "triton.language"
    return names


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in aliases:
        return ".".join([aliases[node.id], *reversed(parts)])
    return None


def torch_names(source: str) -> set[str]:
    """The torch and triton names a module's source uses (longest attribute chains)."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    found = {v for v in aliases.values()}
    inner = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            name = _dotted(node, aliases)
            if name:
                found.add(name)
                value = node.value
                while isinstance(value, ast.Attribute):
                    inner.add(id(value))
                    value = value.value
    return {n for n in found if not n.startswith("torch.ops.hadalib")}  # our own operator


def test_the_scan_finds_names_through_aliases():
    source = (
        "import torch\nimport torch.nn.functional as F\nfrom torch.library import "
        "custom_op\nimport triton.language as tl\nx = F.interpolate(torch.cuda.Event("
        "), tl.program_id(0))\n"
    )
    assert torch_names(source) == {
        "torch",
        "torch.nn.functional",
        "torch.library.custom_op",
        "triton.language",
        "torch.nn.functional.interpolate",
        "torch.cuda.Event",
        "triton.language.program_id",
    }


def test_the_gpu_path_needs_nothing_newer_than_torch_2_11_and_triton_3_6():
    unknown = {}
    for path in GPU_PATH:
        if path.is_file():
            for name in torch_names(path.read_text()) - KNOWN_IN_TORCH_2_11 - KNOWN_IN_TRITON_3_6:
                unknown.setdefault(name, []).append(path.relative_to(ROOT).as_posix())
    assert not unknown, (
        "names of the GPU path not yet known to exist in torch 2.11 / Triton 3.6 (check "
        f"each there, then add it to KNOWN_IN_TORCH_2_11 or KNOWN_IN_TRITON_3_6): {unknown}"
    )


@pytest.mark.parametrize("name", sorted(KNOWN_IN_TORCH_2_11))
def test_each_known_torch_name_exists_here_too(name):
    parts = name.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], 1):  # an attribute, or a submodule not yet imported
        obj = (
            getattr(obj, part)
            if hasattr(obj, part)
            else importlib.import_module(".".join(parts[: i + 1]))
        )
