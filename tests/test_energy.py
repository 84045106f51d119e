"""Tests of hadalib.energy.EnergyMeter with a fake NVML (no GPU needed)."""

from __future__ import annotations

import itertools
import time

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
    record = meter.record()
    assert record["gpu_name"] == "Fake GPU 80GB" and record["driver"] == "550.54.15"
    assert record["power_limit_watts"] == 400.0
    assert nvml.shut_down


def test_counter_wraps_around_64_bits(fake):
    fake(FakeNVML(counter=[2**64 - 500, 1_500]), clock=[0.0, 1.0])
    with EnergyMeter(idle_seconds=0) as meter:
        pass
    assert meter.joules == pytest.approx(2.0)


def test_failed_reading_mid_run_loses_only_its_laps(fake):
    fake(FakeNVML(counter=[0, FakeNVMLError("GPU is lost"), 3_000, 7_000]),
         clock=[0.0, 1.0, 2.0, 3.0])
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


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"interval must be a positive number of seconds, got 0"):
        EnergyMeter(interval=0)
    with pytest.raises(ValueError, match=r"idle_seconds must be >= 0, got -1"):
        EnergyMeter(idle_seconds=-1)
