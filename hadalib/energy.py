"""GPU energy by NVIDIA's NVML: a total-energy counter where the GPU has one, else sampled power.

NVML comes from the ``nvidia-ml-py`` package (``import pynvml``). Without it, without a
driver or without a GPU, :class:`EnergyMeter` still times the run and says why it
measured no energy; it never raises for that.
"""

from __future__ import annotations

import itertools
import math
import numbers
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["EnergyMeter", "training_energy"]

_COUNTER_MODULUS = 2**64  # nvmlDeviceGetTotalEnergyConsumption is an unsigned 64-bit mJ count
# No GPU draws this much: a counter step implying more, or a power reading above it, is a
# reset or a glitch, not energy.
_MAX_PLAUSIBLE_WATTS = 10_000.0
_SHOWN_DROPPED = 3  # distinct implausible power readings quoted in ``reason``
_INTERVAL_RANGE = (0.001, 60.0)  # seconds between power samples
_MIN_JOIN_SECONDS = 0.5  # how long stop() waits at least for an in-flight power reading
_clock = time.monotonic
# NumPy 2 renamed trapz; a GPU machine's own Python may still have NumPy 1.
_trapezoid = getattr(np, "trapezoid", None) or np.trapz

_Mark = tuple[float, "int | None"]  # (time, counter reading in mJ)


def _load_nvml() -> Any:
    """Import and initialise NVML; raises whatever the import or nvmlInit raises."""
    import pynvml

    pynvml.nvmlInit()
    return pynvml


def _check_number(name: str, value: Any, accepted: str, ok: Callable[[float], bool]) -> float:
    """``value`` as a float: TypeError unless a real number (bool is not), ValueError unless
    finite and ``ok``; both messages say ``name`` must be ``accepted``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {accepted}, got {value!r} ({type(value).__name__})")
    number = float(value)
    if not (math.isfinite(number) and ok(number)):
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return number


def _check_device(device: Any) -> int:
    """A CUDA device index as a Python int (NumPy integers count; bool does not)."""
    accepted = "a CUDA device index (an int >= 0)"
    if isinstance(device, (bool, np.bool_)) or not isinstance(device, (int, np.integer)):
        raise TypeError(f"device must be {accepted}, got {device!r} ({type(device).__name__})")
    if device < 0:
        raise ValueError(f"device must be {accepted}, got {device!r}")
    return int(device)


def _visible_entries() -> list[str] | None:
    """CUDA_VISIBLE_DEVICES as CUDA reads it: None when unset, else its entries (indices or
    GPU-/MIG- UUIDs) up to the first invalid one, which hides it and all after it."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return None
    entries = []
    for entry in (e.strip() for e in visible.split(",")):
        if not ((entry.isascii() and entry.isdigit()) or entry.startswith(("GPU-", "MIG-"))):
            break
        entries.append(entry)
    return entries


def _nvml_device(device: int) -> int | str | None:
    """NVML index (int) or UUID (str) of CUDA device ``device``; None when no GPU is visible.

    CUDA's index ``device`` is the ``device``-th entry of CUDA_VISIBLE_DEVICES where it is
    set. An integer entry is taken as NVML's index: the two orders agree when
    ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` or when the GPUs are all of one model.
    """
    entries = _visible_entries()
    if entries is None:
        return device
    if not entries:
        return None
    if device >= len(entries):
        raise ValueError(
            f"device {device} is not visible: CUDA_VISIBLE_DEVICES="
            f"{os.environ['CUDA_VISIBLE_DEVICES']!r} makes {len(entries)} GPU(s) visible, "
            f"so device must be from 0 to {len(entries) - 1}"
        )
    entry = entries[device]
    return int(entry) if entry.isdigit() else entry


def _counter_step(a: _Mark, b: _Mark) -> int | None:
    """Millijoules between two counter marks; None where a reading is missing or the step is
    implausible (above ``_MAX_PLAUSIBLE_WATTS`` over the interval, or one second at least).

    A 64-bit wrap is taken only where it is plausible, so a counter that goes down (a
    driver or GPU reset) gives None, not 1.8e16 J.
    """
    if a[1] is None or b[1] is None:
        return None
    step = (b[1] - a[1]) % _COUNTER_MODULUS
    if step / 1000.0 > _MAX_PLAUSIBLE_WATTS * max(b[0] - a[0], 1.0):
        return None
    return step


def _integrate(samples: list[tuple[float, float]], t0: float, t1: float) -> float | None:
    """Integral over [t0, t1] of the power samples ``(time_s, watts)``, in joules.

    Power is interpolated linearly between samples and held constant beyond the first
    and last ones; None when there is no sample.
    """
    if not samples or t1 < t0:
        return None
    times = np.array([t for t, _ in samples])
    watts = np.array([w for _, w in samples])
    inside = (times > t0) & (times < t1)
    grid = np.concatenate([[t0], times[inside], [t1]])
    return float(_trapezoid(np.interp(grid, times, watts), grid))


def _text(value: Any) -> Any:
    """NVML's strings: older pynvml gives bytes, not always UTF-8."""
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


class EnergyMeter:
    """Measure a GPU's energy, time and peak memory over a ``with`` block, with laps.

    On entering, the meter reads the GPU's name, driver and power limit, measures the
    idle power for ``idle_seconds``, and starts measuring: by NVML's total-energy
    counter (``method="counter"``, millijoules, a difference of two readings) where the
    GPU has one, else by sampling the power on a thread every ``interval`` seconds and
    integrating (``method="sampling"``). Without NVML or a GPU, ``method`` is
    ``"unavailable"`` and ``reason`` says why; only the time is measured.

    What cannot be measured honestly is None, with a ``reason``: a counter that goes down
    (a driver or GPU reset) is not taken for a 64-bit wrap, so that lap and the total
    are None; a power reading stalled in NVML makes :meth:`stop` wait at most
    ``max(3 * interval, 0.5)`` seconds, then integrate the samples taken until then. A
    power reading no GPU can give (negative, not finite, or above 10,000 W, the bound
    also put on the counter's steps) is dropped, from the idle power and from the
    samples alike, and ``reason`` says how many and which.

    Parameters
    ----------
    device : int
        CUDA device index (mapped through ``CUDA_VISIBLE_DEVICES`` to NVML's: an integer
        entry by index, a ``GPU-``/``MIG-`` UUID by UUID).
    interval : float
        Seconds between power samples in sampling mode, from 0.001 to 60.
    idle_seconds : float
        Seconds of idle power measured before the run (0 to skip); finite, >= 0.

    Attributes
    ----------
    method : str
        "counter", "sampling" or "unavailable".
    reason : str or None
        Why no (or only partial) energy was measured.
    joules, seconds, mean_watts : float or None
        Energy, time and mean power of the whole block (set on exit).
    laps : list of float or None
        Joules of each lap (see :meth:`lap`); None where a reading failed.
    lap_seconds : list of float
        Duration of each lap, so that a lap's energy above idle is
        ``laps[i] - idle_watts * lap_seconds[i]``.

    Raises
    ------
    TypeError
        If ``device`` is not an int, or ``interval`` or ``idle_seconds`` not a number.
    ValueError
        If a value is out of range, or ``device`` is not in ``CUDA_VISIBLE_DEVICES``.

    Examples
    --------
    >>> with EnergyMeter(idle_seconds=0) as meter:
    ...     _ = sum(range(1000))
    >>> meter.seconds > 0
    True
    >>> meter.method in ("counter", "sampling", "unavailable")
    True

    Introduced in: book/12_resnet50_wht.ipynb
    """

    def __init__(self, device: int = 0, interval: float = 0.1, idle_seconds: float = 1.0) -> None:
        low, high = _INTERVAL_RANGE
        self.device = _check_device(device)
        self.interval = _check_number(
            "interval",
            interval,
            f"a finite number of seconds from {low:g} to {high:g}",
            lambda s: low <= s <= high,
        )
        self.idle_seconds = _check_number(
            "idle_seconds", idle_seconds, "a finite number of seconds >= 0", lambda s: s >= 0
        )
        self._nvml_device = _nvml_device(self.device)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = "new"  # then "running", "stopped"
        self._reset()

    def _reset(self) -> None:
        """Forget any previous measurement."""
        self.method = "unavailable"
        self.reason: str | None = None
        self.gpu_name: str | None = None
        self.driver: str | None = None
        self.power_limit_watts: float | None = None
        self.idle_watts: float | None = None
        self.joules: float | None = None
        self.seconds: float | None = None
        self.mean_watts: float | None = None
        self.peak_memory_bytes: int | None = None
        self.laps: list[float | None] = []
        self.lap_seconds: list[float] = []
        self.missed_samples = 0
        self._dropped: list[float] = []  # implausible power readings, named in reason
        self._nvml: Any = None
        self._handle: Any = None
        self._samples: list[tuple[float, float]] = []
        self._marks: list[_Mark] = []

    def _note(self, reason: str) -> None:
        """Add ``reason`` to ``self.reason`` (once)."""
        if self.reason is None:
            self.reason = reason
        elif reason not in self.reason:
            self.reason = f"{self.reason}; {reason}"

    def _require_running(self, what: str) -> None:
        if self._state == "new":
            raise RuntimeError(
                f"{what} before start(): call start() (or use `with EnergyMeter() as meter:`) first"
            )
        if self._state == "stopped":
            raise RuntimeError(
                f"{what} after stop(): the measurement is over; call start() for a new one"
            )

    # -- NVML access -------------------------------------------------------------------

    def _power_watts(self) -> float:
        return self._nvml.nvmlDeviceGetPowerUsage(self._handle) / 1000.0

    def _plausible(self, watts: float) -> bool:
        """Whether a GPU can draw ``watts``; a reading it cannot is kept aside for ``reason``."""
        if 0.0 <= watts <= _MAX_PLAUSIBLE_WATTS:  # False for NaN too
            return True
        with self._lock:
            self._dropped.append(watts)
        return False

    def _note_dropped(self) -> None:
        """Say in ``reason`` which power readings were dropped as implausible."""
        if not self._dropped:
            return
        shown = list(dict.fromkeys(f"{w:g} W" for w in self._dropped))
        more = ", ..." if len(shown) > _SHOWN_DROPPED else ""
        self._note(
            f"dropped {len(self._dropped)} power reading(s) no GPU can give "
            f"({', '.join(shown[:_SHOWN_DROPPED])}{more}; accepted: finite, from 0 to "
            f"{_MAX_PLAUSIBLE_WATTS:g} W)"
        )

    def _counter_mj(self) -> int:
        return int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle))

    def _sample(self, stop: threading.Event) -> None:
        """Read the power once; a reading that ends after ``stop`` is set is dropped."""
        try:
            watts = self._power_watts()
        except Exception:  # a failed reading is skipped and counted, the run goes on
            if not stop.is_set():
                self.missed_samples += 1
            return
        if not self._plausible(watts):
            return
        with self._lock:
            if not stop.is_set():
                self._samples.append((_clock(), watts))

    def _sample_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            self._sample(stop)

    def _open(self) -> bool:
        if self._nvml_device is None:
            self._note(
                f"CUDA_VISIBLE_DEVICES={os.environ['CUDA_VISIBLE_DEVICES']!r} makes no GPU visible"
            )
            return False
        try:
            self._nvml = _load_nvml()
        except Exception as exc:
            self._note(f"NVML is not available ({type(exc).__name__}: {exc})")
            return False
        index = self._nvml_device
        try:
            if isinstance(index, int):
                self._handle = self._nvml.nvmlDeviceGetHandleByIndex(index)
            else:
                self._handle = self._nvml.nvmlDeviceGetHandleByUUID(index)
        except Exception as exc:
            self._note(f"NVML has no device {index!r} ({type(exc).__name__}: {exc})")
            return False
        self._read_device_info()
        return True

    def _read_device_info(self) -> None:
        """GPU name, driver and power limit; each left None where NVML cannot tell."""
        for attr, read in (
            ("gpu_name", lambda: _text(self._nvml.nvmlDeviceGetName(self._handle))),
            ("driver", lambda: _text(self._nvml.nvmlSystemGetDriverVersion())),
            (
                "power_limit_watts",
                lambda: self._nvml.nvmlDeviceGetEnforcedPowerLimit(self._handle) / 1000.0,
            ),
        ):
            try:
                setattr(self, attr, read())
            except Exception:
                continue

    def _measure_idle(self) -> None:
        watts = []
        end = _clock() + self.idle_seconds
        while True:
            try:
                reading = self._power_watts()
            except Exception:
                self.missed_samples += 1
            else:
                if self._plausible(reading):
                    watts.append(reading)
            if _clock() >= end:
                break
            time.sleep(min(self.interval, self.idle_seconds))
        self.idle_watts = float(np.mean(watts)) if watts else None

    def _peak_memory(self, reset: bool) -> None:
        """Reset (on start) or read (on stop) torch's peak memory, if torch uses CUDA."""
        torch = sys.modules.get("torch")
        try:
            if torch is None or not torch.cuda.is_available():
                return
            if reset:
                torch.cuda.reset_peak_memory_stats(self.device)
            else:
                self.peak_memory_bytes = int(torch.cuda.max_memory_allocated(self.device))
        except Exception as exc:
            self._note(f"peak memory not read ({type(exc).__name__}: {exc})")

    # -- the measurement -----------------------------------------------------------------

    def start(self) -> EnergyMeter:
        """Start measuring (what ``with`` does on entry); a new measurement after a stop.

        Returns
        -------
        EnergyMeter
            The meter itself.

        Raises
        ------
        RuntimeError
            If the meter is already measuring.

        Examples
        --------
        >>> meter = EnergyMeter(idle_seconds=0).start()
        >>> meter.stop().seconds >= 0
        True

        Introduced in: book/12_resnet50_wht.ipynb
        """
        if self._state == "running":
            raise RuntimeError("the meter is already measuring; call stop() first")
        self._reset()
        self._state = "running"
        self._peak_memory(reset=True)
        reading = None
        if self._open():
            if self.idle_seconds > 0:
                self._measure_idle()
            reading = self._choose_method()
        self._marks = [(_clock(), reading)]
        if self.method == "sampling":
            self._stop = threading.Event()
            self._sample(self._stop)
            self._thread = threading.Thread(
                target=self._sample_loop, args=(self._stop,), daemon=True
            )
            self._thread.start()
        return self

    def _choose_method(self) -> int | None:
        """Set ``method`` to "counter" (returning the first reading) or "sampling"."""
        try:
            reading = self._counter_mj()
        except Exception as exc:
            try:
                self._power_watts()
            except Exception as exc2:
                self._note(f"NVML reads neither energy nor power ({type(exc2).__name__}: {exc2})")
                return None
            self.method = "sampling"
            self._note(
                f"no energy counter ({type(exc).__name__}: {exc}); power sampled and integrated"
            )
            return None
        self.method = "counter"
        return reading

    def _mark(self) -> _Mark:
        """Record the time and, in counter mode, the counter (sampling runs on its thread)."""
        reading = None
        if self.method == "counter":
            try:
                reading = self._counter_mj()
            except Exception as exc:
                self._note(f"an NVML energy reading failed during the run ({exc})")
        mark = (_clock(), reading)
        if reading is not None:
            self._check_counter(mark)
        self._marks.append(mark)
        return mark

    def _check_counter(self, mark: _Mark) -> None:
        """Say why, where the step from the last counter reading to ``mark`` is not energy."""
        last = next((m for m in reversed(self._marks) if m[1] is not None), None)
        if last is None or _counter_step(last, mark) is not None:
            return
        a, b = last[1], mark[1]
        if b < a:
            what = f"went down from {a} to {b} mJ (a driver or GPU reset?)"
        else:
            what = (
                f"rose from {a} to {b} mJ in {mark[0] - last[0]:g} s, "
                f"more than {_MAX_PLAUSIBLE_WATTS:g} W"
            )
        self._note(f"the energy counter {what}: no energy for that interval nor for the whole run")

    def _energy_between(self, a: _Mark, b: _Mark) -> float | None:
        if self.method == "counter":
            step = _counter_step(a, b)
            return None if step is None else step / 1000.0
        if self.method == "sampling":
            with self._lock:
                samples = list(self._samples)
            return _integrate(samples, a[0], b[0])
        return None

    def _total_joules(self) -> float | None:
        """Energy from the first mark to the last: the sum of the counter's steps (None if
        the first or last reading failed or a step is implausible), or the integral."""
        first, last = self._marks[0], self._marks[-1]
        if self.method != "counter" or first[1] is None or last[1] is None:
            return self._energy_between(first, last)
        readings = [m for m in self._marks if m[1] is not None]
        steps = [_counter_step(a, b) for a, b in itertools.pairwise(readings)]
        return None if None in steps else sum(steps) / 1000.0

    def lap(self) -> float | None:
        """Close a lap (e.g. an epoch) and return its joules (None if not measured).

        Returns
        -------
        float or None
            Energy since the previous lap (or the start), also appended to ``laps``.

        Raises
        ------
        RuntimeError
            If the meter is not measuring (before :meth:`start` or after :meth:`stop`).

        Examples
        --------
        >>> with EnergyMeter(idle_seconds=0) as meter:
        ...     first = meter.lap()
        >>> len(meter.laps)
        1

        Introduced in: book/12_resnet50_wht.ipynb
        """
        self._require_running("lap()")
        previous = self._marks[-1]
        mark = self._mark()
        joules = self._energy_between(previous, mark)
        self.laps.append(joules)
        self.lap_seconds.append(mark[0] - previous[0])
        return joules

    def stop(self) -> EnergyMeter:
        """Stop measuring and set ``joules``, ``seconds``, ``mean_watts`` and peak memory.

        A second call changes nothing. A power reading stalled in NVML is waited for at
        most ``max(3 * interval, 0.5)`` seconds; the meter then integrates the samples it
        has and says so in ``reason``.

        Returns
        -------
        EnergyMeter
            The meter itself.

        Raises
        ------
        RuntimeError
            If the meter was never started.

        Examples
        --------
        >>> meter = EnergyMeter(idle_seconds=0).start().stop()
        >>> meter.seconds >= 0
        True

        Introduced in: book/12_resnet50_wht.ipynb
        """
        if self._state == "stopped":
            return self
        self._require_running("stop()")
        end = self._mark()
        stalled = self._stop_sampling()
        self._note_dropped()
        self._state = "stopped"
        self.seconds = end[0] - self._marks[0][0]
        self.joules = self._total_joules()
        if self.joules is not None and self.seconds > 0:
            self.mean_watts = self.joules / self.seconds
        self._peak_memory(reset=False)
        if self._nvml is not None and not stalled:  # a stalled call may still be inside NVML
            try:
                self._nvml.nvmlShutdown()
            except Exception:
                pass
        self._nvml = None
        return self

    def _stop_sampling(self) -> bool:
        """Stop the sampling thread, waiting a bounded time; True if it is still stalled."""
        if self._thread is None:
            return False
        self._stop.set()
        wait = max(3 * self.interval, _MIN_JOIN_SECONDS)
        self._thread.join(wait)
        stalled = self._thread.is_alive()
        self._thread = None
        if stalled:
            self._note(
                f"a power reading was still running {wait:g} s after stop() (NVML "
                "stalled?): energy integrated from the samples taken until then"
            )
        return stalled

    def __enter__(self) -> EnergyMeter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self) -> dict[str, Any]:
        """The measurement as a JSON-ready dict.

        Returns
        -------
        dict
            ``method``, ``reason``, ``joules``, ``seconds``, ``mean_watts``,
            ``idle_watts``, ``idle_joules`` (idle power times the run's duration),
            ``laps_joules``, ``laps_seconds``, ``gpu_name``, ``driver``, ``power_limit_watts``,
            ``peak_memory_bytes``, ``missed_samples``.

        Examples
        --------
        >>> with EnergyMeter(idle_seconds=0) as meter:
        ...     pass
        >>> sorted(meter.record())[:3]
        ['driver', 'gpu_name', 'idle_joules']

        Introduced in: book/12_resnet50_wht.ipynb
        """
        idle_joules = None
        if self.idle_watts is not None and self.seconds is not None:
            idle_joules = self.idle_watts * self.seconds
        return {
            "method": self.method,
            "reason": self.reason,
            "joules": self.joules,
            "seconds": self.seconds,
            "mean_watts": self.mean_watts,
            "idle_watts": self.idle_watts,
            "idle_joules": idle_joules,
            "laps_joules": list(self.laps),
            "laps_seconds": list(self.lap_seconds),
            "gpu_name": self.gpu_name,
            "driver": self.driver,
            "power_limit_watts": self.power_limit_watts,
            "peak_memory_bytes": self.peak_memory_bytes,
            "missed_samples": self.missed_samples,
        }


def training_energy(images: float, images_per_s: float, watts: float) -> float:
    """Energy in joules of processing ``images`` at ``images_per_s`` with mean power ``watts``.

    The back-of-the-envelope check of chapter 12: time is ``images / images_per_s``
    seconds, energy is power times time.

    Parameters
    ----------
    images : float
        Images processed (e.g. 50,000 per epoch times the epochs).
    images_per_s : float
        Throughput.
    watts : float
        Mean power drawn meanwhile.

    Returns
    -------
    float
        Joules.

    Raises
    ------
    TypeError
        If a value is not a real number.
    ValueError
        If a value is not finite and positive.

    Examples
    --------
    >>> training_energy(50_000 * 25, images_per_s=2470, watts=400) / 1e3  # kJ
    202.42914979757086

    Introduced in: book/12_resnet50_wht.ipynb
    """
    images, images_per_s, watts = (
        _check_number(name, value, "a finite positive number", lambda v: v > 0)
        for name, value in (("images", images), ("images_per_s", images_per_s), ("watts", watts))
    )
    return images / images_per_s * watts
