"""Tests of hadalib.energy.EnergyMeter with a fake NVML (no GPU needed)."""

from __future__ import annotations

import itertools
import re
import sys
import threading
import time
import types

import numpy as np
import pytest

import hadalib.energy as he
from hadalib.energy import EnergyMeter


class FakeNVMLError(Exception):
    pass


class FakeNVML:
    """The few pynvml calls the meter makes. Readings are given as lists (or a callable)."""

    NVMLError = FakeNVMLError

    def __init__(self, counter=None, power_mw=100_000, name="Fake GPU 80GB"):
        self.counter = iter(counter) if counter is not None else None
        self.power_mw = power_mw
        self.name = name
        self.calls: list[tuple] = []
        self.shut_down = False

    def nvmlDeviceGetHandleByIndex(self, index):
        self.calls.append(("index", index))
        return f"handle{index}"

    def nvmlDeviceGetHandleByUUID(self, uuid):
        self.calls.append(("uuid", uuid))
        return f"handle-{uuid}"

    def nvmlDeviceGetName(self, handle):
        return self.name.encode()  # older pynvml returns bytes

    def nvmlSystemGetDriverVersion(self):
        return "550.54.15"

    def nvmlDeviceGetEnforcedPowerLimit(self, handle):
        return 400_000

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        if self.counter is None:
            raise FakeNVMLError("Not Supported")
        value = next(self.counter)
        if isinstance(value, Exception):
            raise value
        return value

    def nvmlDeviceGetPowerUsage(self, handle):
        value = self.power_mw() if callable(self.power_mw) else self.power_mw
        if isinstance(value, Exception):
            raise value
        return value

    def nvmlShutdown(self):
        self.shut_down = True


@pytest.fixture
def fake(monkeypatch):
    """Install a FakeNVML (configure it through the returned function) and a fake clock."""

    def install(nvml, clock=None):
        monkeypatch.setattr(he, "_load_nvml", lambda: nvml)
        if clock is not None:
            ticks = iter(clock)
            monkeypatch.setattr(he, "_clock", lambda: next(ticks))
        return nvml

    return install


def test_counter_laps_and_totals(fake):
    nvml = fake(FakeNVML(counter=[1_000, 5_000, 12_500]), clock=[10.0, 12.0, 15.0])
    with EnergyMeter(idle_seconds=0) as meter:
        assert meter.lap() == pytest.approx(4.0)
    assert meter.method == "counter" and meter.reason is None
    assert meter.joules == pytest.approx(11.5)
    assert meter.seconds == pytest.approx(5.0)
    assert meter.mean_watts == pytest.approx(2.3)
    assert meter.laps == [pytest.approx(4.0)]
    assert meter.lap_seconds == [pytest.approx(2.0)]  # for the energy above idle power
    record = meter.record()
    assert record["laps_seconds"] == [pytest.approx(2.0)]
    assert record["gpu_name"] == "Fake GPU 80GB" and record["driver"] == "550.54.15"
    assert record["power_limit_watts"] == 400.0
    assert nvml.shut_down


def test_counter_wraps_around_64_bits(fake):
    fake(FakeNVML(counter=[2**64 - 500, 1_500]), clock=[0.0, 1.0])
    with EnergyMeter(idle_seconds=0) as meter:
        pass
    assert meter.joules == pytest.approx(2.0)


def test_failed_reading_mid_run_loses_only_its_laps(fake):
    fake(
        FakeNVML(counter=[0, FakeNVMLError("GPU is lost"), 3_000, 7_000]),
        clock=[0.0, 1.0, 2.0, 3.0],
    )
    with EnergyMeter(idle_seconds=0) as meter:
        meter.lap()
        meter.lap()
    assert meter.laps == [None, None]
    assert meter.joules == pytest.approx(7.0)
    assert "an NVML energy reading failed during the run (GPU is lost)" in meter.reason


def test_failed_final_reading_gives_no_total(fake):
    fake(FakeNVML(counter=[0, FakeNVMLError("Unknown Error")]), clock=[0.0, 4.0])
    with EnergyMeter(idle_seconds=0) as meter:
        pass
    assert meter.joules is None and meter.mean_watts is None
    assert meter.seconds == pytest.approx(4.0)


def test_sampling_without_counter_integrates_power(fake):
    fake(FakeNVML(counter=None, power_mw=150_000))
    before = time.monotonic()
    with EnergyMeter(idle_seconds=0, interval=0.005) as meter:
        time.sleep(0.05)
        first = meter.lap()
        after = time.monotonic()
        time.sleep(0.02)
    assert meter.method == "sampling"
    assert meter.reason.startswith("no energy counter (FakeNVMLError: Not Supported)")
    assert meter.joules == pytest.approx(150.0 * meter.seconds, rel=1e-9)
    assert 150.0 * 0.05 <= first <= 150.0 * (after - before)
    assert meter.mean_watts == pytest.approx(150.0)


def test_sampling_skips_failed_readings(fake):
    readings = itertools.cycle([200_000, FakeNVMLError("busy")])
    fake(FakeNVML(counter=None, power_mw=lambda: next(readings)))
    with EnergyMeter(idle_seconds=0, interval=0.002) as meter:
        time.sleep(0.03)
    assert meter.method == "sampling"
    assert meter.missed_samples > 0
    assert meter.joules == pytest.approx(200.0 * meter.seconds, rel=1e-9)


_ACCEPTED = "accepted: finite, from 0 to 10000 W"


def test_implausible_power_readings_are_dropped_and_named(fake):
    readings = itertools.cycle([150_000, -50_000, float("nan"), 10**12])  # mW, as NVML
    fake(FakeNVML(counter=None, power_mw=lambda: next(readings)))
    with EnergyMeter(idle_seconds=0, interval=0.002) as meter:
        time.sleep(0.03)
    assert meter.method == "sampling"
    assert meter.joules == pytest.approx(150.0 * meter.seconds, rel=1e-9)  # only 150 W kept
    assert re.fullmatch(
        r"no energy counter \(FakeNVMLError: Not Supported\); power sampled and integrated; "
        r"dropped \d+ power reading\(s\) no GPU can give \(-50 W, nan W, 1e\+09 W; "
        + re.escape(_ACCEPTED)
        + r"\)",
        meter.reason,
    ), meter.reason


def test_only_implausible_power_gives_no_energy(fake):
    fake(FakeNVML(counter=None, power_mw=-50_000))
    with EnergyMeter(idle_seconds=0, interval=0.002) as meter:
        time.sleep(0.02)
    assert meter.joules is None and meter.mean_watts is None  # not -50 W times the time
    assert meter.reason.endswith(f"power reading(s) no GPU can give (-50 W; {_ACCEPTED})")


def test_implausible_idle_power_is_dropped(fake):
    fake(FakeNVML(counter=[0, 60_000], power_mw=float("inf")))
    with EnergyMeter(idle_seconds=0.02, interval=0.005) as meter:
        pass
    assert meter.idle_watts is None
    assert meter.joules == pytest.approx(60.0)  # the counter is not a power reading
    assert re.fullmatch(
        r"dropped \d+ power reading\(s\) no GPU can give \(inf W; " + re.escape(_ACCEPTED) + r"\)",
        meter.reason,
    ), meter.reason


def test_idle_power_is_measured_before_the_run(fake):
    fake(FakeNVML(counter=[0, 60_000], power_mw=55_000))
    with EnergyMeter(idle_seconds=0.02, interval=0.005) as meter:
        pass
    assert meter.idle_watts == pytest.approx(55.0)
    record = meter.record()
    assert record["idle_joules"] == pytest.approx(55.0 * record["seconds"])


def test_integrate_is_piecewise_linear_and_held_at_the_ends():
    samples = [(0.0, 100.0), (1.0, 200.0)]
    assert he._integrate(samples, 0.0, 1.0) == pytest.approx(150.0)
    assert he._integrate(samples, 0.5, 2.0) == pytest.approx(0.5 * 175.0 + 200.0)
    assert he._integrate(samples, -1.0, 0.0) == pytest.approx(100.0)
    assert he._integrate([], 0.0, 1.0) is None


def test_no_nvml_is_reported_not_raised(monkeypatch):
    def missing():
        raise ImportError("No module named 'pynvml'")

    monkeypatch.setattr(he, "_load_nvml", missing)
    with EnergyMeter() as meter:
        assert meter.lap() is None
    assert meter.method == "unavailable"
    assert meter.reason == "NVML is not available (ImportError: No module named 'pynvml')"
    assert meter.joules is None and meter.seconds >= 0 and meter.laps == [None]


def test_missing_device_is_reported(fake):
    class NoDevice(FakeNVML):
        def nvmlDeviceGetHandleByIndex(self, index):
            raise FakeNVMLError("Invalid Argument")

    fake(NoDevice())
    with EnergyMeter(device=3, idle_seconds=0) as meter:
        pass
    assert meter.method == "unavailable"
    assert meter.reason == "NVML has no device 3 (FakeNVMLError: Invalid Argument)"


def test_cuda_visible_devices_map_to_nvml(fake, monkeypatch):
    nvml = fake(FakeNVML(counter=[0, 1_000, 0, 1_000]))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,GPU-1234")
    with EnergyMeter(device=0, idle_seconds=0):
        pass
    with EnergyMeter(device=1, idle_seconds=0):
        pass
    assert nvml.calls == [("index", 2), ("uuid", "GPU-1234")]


def test_counter_going_down_is_a_reset_not_a_wrap(fake):
    fake(FakeNVML(counter=[5_000, 9_000, 1_000, 3_000]), clock=[0.0, 1.0, 2.0, 3.0])
    with EnergyMeter(idle_seconds=0) as meter:
        meter.lap()
        meter.lap()
    assert meter.laps == [pytest.approx(4.0), None]
    assert meter.joules is None and meter.mean_watts is None
    assert meter.reason == (
        "the energy counter went down from 9000 to 1000 mJ (a driver or GPU "
        "reset?): no energy for that interval nor for the whole run"
    )


def test_counter_jump_beyond_any_gpu_is_not_energy(fake):
    fake(FakeNVML(counter=[0, 10**12]), clock=[0.0, 2.0])
    with EnergyMeter(idle_seconds=0) as meter:
        pass
    assert meter.joules is None
    assert meter.reason == (
        "the energy counter rose from 0 to 1000000000000 mJ in 2 s, more than "
        "10000 W: no energy for that interval nor for the whole run"
    )


def test_non_utf8_gpu_name_is_decoded_with_replacement(fake):
    class OddName(FakeNVML):
        def nvmlDeviceGetName(self, handle):
            return b"Tesla \xff\xfe80GB"

    fake(OddName(counter=[0, 1_000]))
    with EnergyMeter(idle_seconds=0) as meter:
        pass
    assert meter.gpu_name == "Tesla \ufffd\ufffd80GB"
    assert meter.joules == pytest.approx(1.0)


def test_stop_does_not_wait_for_a_stalled_power_reading(fake):
    release = threading.Event()
    calls = itertools.count()

    def power_mw():
        if next(calls) >= 3:  # the probe, the first sample and one thread sample answer
            release.wait(5.0)
        return 100_000

    fake(FakeNVML(counter=None, power_mw=power_mw))
    meter = EnergyMeter(idle_seconds=0, interval=0.01).start()
    time.sleep(0.1)
    before = time.monotonic()
    try:
        meter.stop()
        waited = time.monotonic() - before
    finally:
        release.set()
    assert waited < 2.0
    assert "a power reading was still running 0.5 s after stop() (NVML stalled?)" in meter.reason
    assert meter.joules == pytest.approx(100.0 * meter.seconds, rel=1e-9)


def test_lap_and_stop_need_a_running_meter(monkeypatch):
    monkeypatch.setattr(he, "_load_nvml", lambda: (_ for _ in ()).throw(ImportError("no")))
    meter = EnergyMeter(idle_seconds=0)
    first = r"call start\(\) \(or use `with EnergyMeter\(\) as meter:`\) first"
    with pytest.raises(RuntimeError, match=r"lap\(\) before start\(\): " + first):
        meter.lap()
    with pytest.raises(RuntimeError, match=r"stop\(\) before start\(\): " + first):
        meter.stop()
    meter.start().stop()
    with pytest.raises(
        RuntimeError,
        match=r"lap\(\) after stop\(\): the measurement is over; "
        r"call start\(\) for a new one",
    ):
        meter.lap()


def test_stop_twice_keeps_the_result_and_start_again_measures_anew(fake):
    fake(FakeNVML(counter=[0, 2_000, 10_000, 13_000, 20_000]), clock=[0.0, 1.0, 5.0, 6.0, 8.0])
    meter = EnergyMeter(idle_seconds=0).start()
    meter.lap()
    with pytest.raises(RuntimeError, match=r"the meter is already measuring; call stop\(\) first"):
        meter.start()
    meter.stop().stop()
    assert (meter.joules, meter.seconds, meter.reason) == (pytest.approx(10.0), 5.0, None)
    assert meter.laps == [pytest.approx(2.0)]
    meter.start().stop()
    assert (meter.joules, meter.seconds, meter.laps) == (pytest.approx(7.0), 2.0, [])


def test_cuda_visible_devices_mig_and_numpy_index(fake, monkeypatch):
    nvml = fake(FakeNVML(counter=[0, 1_000, 0, 1_000]))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3, MIG-5b1a-0001")
    with EnergyMeter(device=np.int64(1), idle_seconds=0) as meter:
        pass
    with EnergyMeter(device=np.uint8(0), idle_seconds=0):
        pass
    assert nvml.calls == [("uuid", "MIG-5b1a-0001"), ("index", 3)]
    assert type(meter.device) is int


@pytest.mark.parametrize(
    ("visible", "device", "count"),
    [
        ("0,1", 2, 2),
        ("4,-1,5", 1, 1),  # CUDA reads the list up to its first invalid entry
    ],
)
def test_device_outside_cuda_visible_devices(monkeypatch, visible, device, count):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    message = (
        f"device {device} is not visible: CUDA_VISIBLE_DEVICES='{visible}' makes "
        f"{count} GPU(s) visible, so device must be from 0 to {count - 1}"
    )
    with pytest.raises(ValueError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        EnergyMeter(device=device)


def test_cuda_visible_devices_hiding_every_gpu_is_reported(fake, monkeypatch):
    nvml = fake(FakeNVML(counter=[0, 1_000]))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with EnergyMeter(idle_seconds=0) as meter:
        pass
    assert meter.method == "unavailable" and nvml.calls == []
    assert meter.reason == "CUDA_VISIBLE_DEVICES='' makes no GPU visible"


def test_peak_memory_errors_are_reported_and_torch_gets_an_int(fake, monkeypatch):
    calls = []

    class FakeCuda:
        def is_available(self):
            return True

        def reset_peak_memory_stats(self, device):
            calls.append(type(device))

        def max_memory_allocated(self, device):
            raise RuntimeError("CUDA error: invalid device ordinal")

    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=FakeCuda()))
    fake(FakeNVML(counter=[0, 1_000]))
    with EnergyMeter(device=np.int32(0), idle_seconds=0) as meter:
        pass
    assert calls == [int] and meter.peak_memory_bytes is None
    assert meter.joules == pytest.approx(1.0)
    assert meter.reason == "peak memory not read (RuntimeError: CUDA error: invalid device ordinal)"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"interval": 0},
            ValueError,
            "interval must be a finite number of seconds from 0.001 to 60, got 0",
        ),
        (
            {"interval": float("nan")},
            ValueError,
            "interval must be a finite number of seconds from 0.001 to 60, got nan",
        ),
        (
            {"interval": 1e6},
            ValueError,
            "interval must be a finite number of seconds from 0.001 to 60, got 1000000.0",
        ),
        (
            {"interval": "0.1"},
            TypeError,
            "interval must be a finite number of seconds from 0.001 to 60, got '0.1' (str)",
        ),
        (
            {"idle_seconds": float("inf")},
            ValueError,
            "idle_seconds must be a finite number of seconds >= 0, got inf",
        ),
        (
            {"idle_seconds": -1},
            ValueError,
            "idle_seconds must be a finite number of seconds >= 0, got -1",
        ),
        (
            {"idle_seconds": True},
            TypeError,
            "idle_seconds must be a finite number of seconds >= 0, got True (bool)",
        ),
        (
            {"device": True},
            TypeError,
            "device must be a CUDA device index (an int >= 0), got True (bool)",
        ),
        (
            {"device": 1.0},
            TypeError,
            "device must be a CUDA device index (an int >= 0), got 1.0 (float)",
        ),
        (
            {"device": "cuda:0"},
            TypeError,
            "device must be a CUDA device index (an int >= 0), got 'cuda:0' (str)",
        ),
        ({"device": -1}, ValueError, "device must be a CUDA device index (an int >= 0), got -1"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error) as info:
        EnergyMeter(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (float("inf"), ValueError),
        (float("nan"), ValueError),
        (0, ValueError),
        ("1", TypeError),
    ],
)
def test_training_energy_checks_its_arguments(value, error):
    with pytest.raises(error) as info:
        he.training_energy(value, images_per_s=1.0, watts=1.0)
    kind = f"got {value!r} (str)" if error is TypeError else f"got {value!r}"
    assert str(info.value) == f"images must be a finite positive number, {kind}"
    assert he.training_energy(np.int64(10), images_per_s=2.0, watts=3.0) == 15.0
