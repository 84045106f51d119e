"""GPU energy by NVIDIA's NVML: a total-energy counter where the GPU has one, else sampled power.

NVML comes from the ``nvidia-ml-py`` package (``import pynvml``). Without it, without a
driver or without a GPU, :class:`EnergyMeter` still times the run and says why it
measured no energy; it never raises for that.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import numpy as np

__all__ = ["EnergyMeter", "training_energy"]

_COUNTER_MODULUS = 2**64  # nvmlDeviceGetTotalEnergyConsumption is an unsigned 64-bit mJ count
_clock = time.monotonic


def _load_nvml() -> Any:
    """Import and initialise NVML; raises whatever the import or nvmlInit raises."""
    import pynvml

    pynvml.nvmlInit()
    return pynvml


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
    return float(np.trapezoid(np.interp(grid, times, watts), grid))


class EnergyMeter:
    """Measure a GPU's energy, time and peak memory over a ``with`` block, with laps.

    On entering, the meter reads the GPU's name, driver and power limit, measures the
    idle power for ``idle_seconds``, and starts measuring: by NVML's total-energy
    counter (``method="counter"``, millijoules, a difference of two readings) where the
    GPU has one, else by sampling the power on a thread every ``interval`` seconds and
    integrating (``method="sampling"``). Without NVML or a GPU, ``method`` is
    ``"unavailable"`` and ``reason`` says why; only the time is measured.

    Parameters
    ----------
    device : int
        CUDA device index (mapped through ``CUDA_VISIBLE_DEVICES`` to NVML's).
    interval : float
        Seconds between power samples in sampling mode.
    idle_seconds : float
        Seconds of idle power measured before the run (0 to skip).

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

    Examples
    --------
    >>> with EnergyMeter(idle_seconds=0) as meter:
    ...     _ = sum(range(1000))
    >>> meter.seconds > 0
    True
    >>> meter.method in ("counter", "sampling", "unavailable")
    True

    Introduced in: book/10_resnet50_wht.ipynb
    """

    def __init__(self, device: int = 0, interval: float = 0.1, idle_seconds: float = 1.0) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be a positive number of seconds, got {interval!r}")
        if idle_seconds < 0:
            raise ValueError(f"idle_seconds must be >= 0, got {idle_seconds!r}")
        self.device = device
        self.interval = interval
        self.idle_seconds = idle_seconds
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
        self.missed_samples = 0
        self._nvml: Any = None
        self._handle: Any = None
        self._samples: list[tuple[float, float]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._marks: list[tuple[float, int | None]] = []  # (time, counter reading in mJ)

    # -- NVML access -------------------------------------------------------------------

    def _nvml_index(self) -> Any:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        if visible:
            entries = [e.strip() for e in visible.split(",") if e.strip()]
            if self.device < len(entries):
                entry = entries[self.device]
                if entry.isdigit():
                    return int(entry)
                return entry
        return self.device

    def _power_watts(self) -> float:
        return self._nvml.nvmlDeviceGetPowerUsage(self._handle) / 1000.0

    def _counter_mj(self) -> int:
        return int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle))

    def _sample(self) -> None:
        try:
            watts = self._power_watts()
        except Exception:  # a failed reading is skipped and counted, the run goes on
            self.missed_samples += 1
            return
        with self._lock:
            self._samples.append((_clock(), watts))

    def _sample_loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _open(self) -> bool:
        try:
            self._nvml = _load_nvml()
        except Exception as exc:
            self.reason = f"NVML is not available ({type(exc).__name__}: {exc})"
            return False
        index = self._nvml_index()
        try:
            if isinstance(index, int):
                self._handle = self._nvml.nvmlDeviceGetHandleByIndex(index)
            else:
                self._handle = self._nvml.nvmlDeviceGetHandleByUUID(index)
        except Exception as exc:
            self.reason = f"NVML has no device {index!r} ({type(exc).__name__}: {exc})"
            return False
        for attr, read in (
            ("gpu_name", lambda: self._nvml.nvmlDeviceGetName(self._handle)),
            ("driver", lambda: self._nvml.nvmlSystemGetDriverVersion()),
            ("power_limit_watts",
             lambda: self._nvml.nvmlDeviceGetEnforcedPowerLimit(self._handle) / 1000.0),
        ):
            try:
                value = read()
            except Exception:
                continue
            setattr(self, attr, value.decode() if isinstance(value, bytes) else value)
        return True

    def _measure_idle(self) -> None:
        watts = []
        end = _clock() + self.idle_seconds
        while True:
            try:
                watts.append(self._power_watts())
            except Exception:
                self.missed_samples += 1
            if _clock() >= end:
                break
            time.sleep(min(self.interval, self.idle_seconds))
        self.idle_watts = float(np.mean(watts)) if watts else None

    def _reset_peak_memory(self) -> None:
        import sys

        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats(self.device)

    def _read_peak_memory(self) -> None:
        import sys

        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            self.peak_memory_bytes = int(torch.cuda.max_memory_allocated(self.device))

    # -- the measurement -----------------------------------------------------------------

    def start(self) -> EnergyMeter:
        """Start measuring (what ``with`` does on entry).

        Returns
        -------
        EnergyMeter
            The meter itself.

        Examples
        --------
        >>> meter = EnergyMeter(idle_seconds=0).start()
        >>> meter.stop().seconds >= 0
        True

        Introduced in: book/10_resnet50_wht.ipynb
        """
        self._reset_peak_memory()
        reading = None
        if self._open():
            if self.idle_seconds > 0:
                self._measure_idle()
            try:
                reading = self._counter_mj()
                self.method = "counter"
            except Exception as exc:
                try:
                    self._power_watts()
                    self.method = "sampling"
                    self.reason = f"no energy counter ({type(exc).__name__}: {exc}); " \
                        "power sampled and integrated"
                except Exception as exc2:
                    self.reason = f"NVML reads neither energy nor power ({exc2})"
        self._marks = [(_clock(), reading)]
        if self.method == "sampling":
            self._sample()
            self._stop.clear()
            self._thread = threading.Thread(target=self._sample_loop, daemon=True)
            self._thread.start()
        return self

    def _mark(self) -> tuple[float, int | None]:
        reading = None
        if self.method == "counter":
            try:
                reading = self._counter_mj()
            except Exception as exc:
                self.reason = f"an NVML energy reading failed during the run ({exc})"
        elif self.method == "sampling":
            self._sample()
        mark = (_clock(), reading)
        self._marks.append(mark)
        return mark

    def _energy_between(self, a: tuple[float, int | None],
                        b: tuple[float, int | None]) -> float | None:
        if self.method == "counter":
            if a[1] is None or b[1] is None:
                return None
            return ((b[1] - a[1]) % _COUNTER_MODULUS) / 1000.0
        if self.method == "sampling":
            with self._lock:
                samples = list(self._samples)
            return _integrate(samples, a[0], b[0])
        return None

    def lap(self) -> float | None:
        """Close a lap (e.g. an epoch) and return its joules (None if not measured).

        Returns
        -------
        float or None
            Energy since the previous lap (or the start), also appended to ``laps``.

        Examples
        --------
        >>> with EnergyMeter(idle_seconds=0) as meter:
        ...     first = meter.lap()
        >>> len(meter.laps)
        1

        Introduced in: book/10_resnet50_wht.ipynb
        """
        previous = self._marks[-1]
        joules = self._energy_between(previous, self._mark())
        self.laps.append(joules)
        return joules

    def stop(self) -> EnergyMeter:
        """Stop measuring and set ``joules``, ``seconds``, ``mean_watts`` and peak memory.

        Returns
        -------
        EnergyMeter
            The meter itself.

        Examples
        --------
        >>> meter = EnergyMeter(idle_seconds=0).start().stop()
        >>> meter.seconds >= 0
        True

        Introduced in: book/10_resnet50_wht.ipynb
        """
        end = self._mark()
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        start = self._marks[0]
        self.seconds = end[0] - start[0]
        self.joules = self._energy_between(start, end)
        if self.joules is not None and self.seconds > 0:
            self.mean_watts = self.joules / self.seconds
        self._read_peak_memory()
        if self._nvml is not None:
            try:
                self._nvml.nvmlShutdown()
            except Exception:
                pass
            self._nvml = None
        return self

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
            ``laps_joules``, ``gpu_name``, ``driver``, ``power_limit_watts``,
            ``peak_memory_bytes``, ``missed_samples``.

        Examples
        --------
        >>> with EnergyMeter(idle_seconds=0) as meter:
        ...     pass
        >>> sorted(meter.record())[:3]
        ['driver', 'gpu_name', 'idle_joules']

        Introduced in: book/10_resnet50_wht.ipynb
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
            "gpu_name": self.gpu_name,
            "driver": self.driver,
            "power_limit_watts": self.power_limit_watts,
            "peak_memory_bytes": self.peak_memory_bytes,
            "missed_samples": self.missed_samples,
        }


def training_energy(images: float, images_per_s: float, watts: float) -> float:
    """Energy in joules of processing ``images`` at ``images_per_s`` with mean power ``watts``.

    The back-of-the-envelope check of chapter 10: time is ``images / images_per_s``
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
    ValueError
        If a value is not positive.

    Examples
    --------
    >>> training_energy(50_000 * 25, images_per_s=2470, watts=400) / 1e3  # kJ
    202.42914979757086

    Introduced in: book/10_resnet50_wht.ipynb
    """
    for name, value in (("images", images), ("images_per_s", images_per_s), ("watts", watts)):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value!r}")
    return images / images_per_s * watts
