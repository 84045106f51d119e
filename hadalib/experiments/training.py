"""The training loop of one run: epochs of training and evaluation, timed and metered.

:func:`fit` trains a model for the epochs of a ``hadalib.experiments.config.RunConfig``
on one process or on each of several (DDP, under ``torchrun``), and calls a hook after
each epoch with that epoch's metrics (summed over the processes): the runner's hook
checks and saves, a test's hook can stop the run. The data order is a function of the
seed and the epoch only, so a resumed run sees the same batches.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from hadalib._optional import requires

with requires("experiments"):
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F

from hadalib._synthetic import synthetic_arrays
from hadalib.data import load_cifar100, load_digits
from hadalib.energy import EnergyMeter
from hadalib.experiments.config import RunConfig

# Used by the runner; no chapter uses these names.
__all__: list[str] = []

#: Called after each epoch with its metrics (``epoch``, ``train_loss``, ``test_acc``, ...).
EpochHook = Callable[[dict[str, Any]], None]

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def load_data(config: RunConfig) -> dict[str, Any]:
    """Tensors on the CPU: images (N, C, H, W) uint8 or float, labels int64, class count
    and the normalization (``mean``, ``std`` per channel) of a resolved ``config``."""
    if config.data == "digits":
        d = load_digits(seed=0)
        x_train, x_test = d["x_train"], d["x_test"]
        norm = ((float(x_train.mean()),), (float(x_train.std()),))
        classes = 10
    else:
        if config.data == "cifar100":
            d = load_cifar100(config.data_root, download=config.download)
        else:
            d = synthetic_arrays(
                config.limit_train or 50000, config.limit_test or 10000, seed=12345
            )
        x_train = torch.from_numpy(d["x_train"]).permute(0, 3, 1, 2).contiguous()
        x_test = torch.from_numpy(d["x_test"]).permute(0, 3, 1, 2).contiguous()
        norm = (_IMAGENET_MEAN, _IMAGENET_STD)
        classes = 100
    y_train, y_test = torch.as_tensor(d["y_train"]), torch.as_tensor(d["y_test"])
    if config.limit_train:
        x_train, y_train = x_train[: config.limit_train], y_train[: config.limit_train]
    if config.limit_test:
        x_test, y_test = x_test[: config.limit_test], y_test[: config.limit_test]
    return {
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
        "mean": norm[0],
        "std": norm[1],
        "classes": classes,
    }


class _Batches:
    """Turns stored images into normalized, resized float batches on the device."""

    def __init__(
        self, data: dict[str, Any], size: int, device: torch.device, channels_last: bool
    ) -> None:
        self.data = {k: data[k].to(device) for k in ("x_train", "y_train", "x_test", "y_test")}
        shape = (1, -1, 1, 1)
        self.mean = torch.tensor(data["mean"], device=device).view(shape)
        self.std = torch.tensor(data["std"], device=device).view(shape)
        self.size = size
        self.channels_last = channels_last

    def get(self, split: str, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.data[f"x_{split}"][index]
        x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
        x = (x - self.mean) / self.std
        if x.shape[-1] != self.size or x.shape[-2] != self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, self.data[f"y_{split}"][index]


def _permutation(n: int, seed: int, epoch: int) -> torch.Tensor:
    # A function of (seed, epoch) only, so a resumed run sees the same order.
    g = torch.Generator().manual_seed((seed * 1_000_003 + epoch) % 2**64)
    return torch.randperm(n, generator=g)


def _all_reduce(values: list[float], op: str = "sum") -> list[float]:
    if not (dist.is_available() and dist.is_initialized()):
        return values
    t = torch.tensor(values, dtype=torch.float64)
    if dist.get_backend() == "nccl":
        t = t.cuda()
    dist.all_reduce(t, op=dist.ReduceOp.SUM if op == "sum" else dist.ReduceOp.MAX)
    return t.cpu().tolist()


def _sum_energy(joules: float | None) -> float | None:
    """Joules (or watts) summed over processes (None if any process measured none)."""
    missing, total = _all_reduce([1.0 if joules is None else 0.0, joules or 0.0])
    return None if missing else total


def _lap(meter: EnergyMeter, idle_watts: float | None) -> tuple[float | None, float | None]:
    """Joules of the meter's lap that ends now, and those above the idle power over the
    lap's duration, each summed over processes (None where a process has none)."""
    joules = meter.lap()
    above = None
    if joules is not None and idle_watts is not None:
        above = joules - idle_watts * meter.lap_seconds[-1]
    return _sum_energy(joules), _sum_energy(above)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _train_epoch(
    model: torch.nn.Module,
    batches: _Batches,
    optimizer: torch.optim.Optimizer,
    order: torch.Tensor,
    batch: int,
    steps: int,
    autocast: dict[str, Any],
    bar: Any,
) -> tuple[float, float]:
    """One epoch of training on this process's share; returns (loss sum, correct count)."""
    model.train()
    device = batches.mean.device
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    correct = torch.zeros((), device=device, dtype=torch.int64)
    for step in range(steps):
        x, y = batches.get("train", order[step * batch : (step + 1) * batch].to(device))
        with torch.autocast(**autocast):
            logits = model(x)
            loss = F.cross_entropy(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.detach().double() * len(y)
        correct += (logits.detach().argmax(1) == y).sum()
        bar.update(1)
    return float(loss_sum), float(correct)


def _evaluate(
    model: torch.nn.Module,
    batches: _Batches,
    rank: int,
    world: int,
    batch: int,
    autocast: dict[str, Any],
) -> tuple[float, float, float]:
    """Loss sum, correct count and image count over the test set, summed over processes."""
    model.eval()
    n = len(batches.data["y_test"])
    index = torch.arange(rank, n, world, device=batches.mean.device)
    loss_sum, correct = 0.0, 0.0
    with torch.no_grad(), torch.autocast(**autocast):
        for start in range(0, len(index), batch):
            x, y = batches.get("test", index[start : start + batch])
            logits = model(x).float()
            loss_sum += float(F.cross_entropy(logits, y, reduction="sum"))
            correct += float((logits.argmax(1) == y).sum())
    loss_sum, correct, count = _all_reduce([loss_sum, correct, float(len(index))])
    return loss_sum, correct, count


def rng_states(device: torch.device, world: int) -> list[dict[str, Any]]:
    """The random states of every process (a collective under DDP: all must call it)."""
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    if world == 1:
        return [state]
    states: list[Any] = [None] * world
    dist.all_gather_object(states, state)
    return states


def _peak_rss_bytes() -> int:
    """The process's peak resident memory so far (getrusage counts kilobytes on Linux,
    bytes on macOS)."""
    import resource  # Unix only: asked for by --cpu-memory alone

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def steps_per_epoch(n_train: int, config: RunConfig) -> int:
    """Training steps per epoch: full global batches, at most ``config.steps_per_epoch``."""
    steps = n_train // config.batch_size
    return min(steps, config.steps_per_epoch) if config.steps_per_epoch else steps


class _Epochs:
    """What every epoch of a run uses: the wrapped model, the batches, the settings."""

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        data: dict[str, Any],
        config: RunConfig,
        device: torch.device,
        rank: int,
        world: int,
    ) -> None:
        cuda = device.type == "cuda"
        # Evaluation runs on each process's share without DDP, whose forward would wait for
        # the other processes (shares of the test set may differ by one batch), and eagerly:
        # graphs for the eval mode and its batch would add compile time to every run for a
        # pass that runs once an epoch.
        self.eval_net = model
        net: torch.nn.Module = (
            model
            if world == 1
            else torch.nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if cuda else None
            )
        )
        # DDP first, then compile (as torch documents): the compiled graph is split at DDP's
        # gradient buckets, so their all-reduce overlaps the rest of the backward pass.
        self.net = torch.compile(net) if config.compile else net
        self.optimizer, self.config, self.device = optimizer, config, device
        self.rank, self.world = rank, world
        self.batches = _Batches(
            data, config.image_size, device, channels_last=bool(config.channels_last)
        )
        # bf16 autocast on CUDA and on the CPU alike, so that the CPU runs the GPU's code.
        self.autocast = {
            "device_type": device.type,
            "dtype": torch.bfloat16,
            "enabled": config.precision == "bf16",
        }
        self.n_train = len(data["y_train"])
        self.steps = steps_per_epoch(self.n_train, config)
        if self.steps == 0:
            raise ValueError(
                f"--batch-size {config.batch_size} is larger than the "
                f"{self.n_train} training images"
            )
        # Peak memory counts from here, the model and data in place: on CUDA all that is
        # allocated (a process may have run other runs before: their tensors are collected
        # first); on the CPU, with --cpu-memory, what the process's peak grows by.
        if cuda:
            gc.collect()
            torch.cuda.reset_peak_memory_stats(device)
        self.rss_start = _peak_rss_bytes() if config.cpu_memory and not cuda else None

    def train(self, epoch: int) -> tuple[float, float, float]:
        """Train one epoch; returns its seconds (the slowest process's), and this process's
        loss sum and correct count."""
        from tqdm.auto import tqdm

        c, per_rank = self.config, self.config.batch_size // self.world
        order = _permutation(self.n_train, c.seed, epoch)[self.rank :: self.world]
        _sync(self.device)
        t0 = time.perf_counter()
        with tqdm(
            total=self.steps,
            desc=f"{c.variant} epoch {epoch + 1}/{c.epochs}",
            leave=False,
            disable=not (self.rank == 0 and c.progress),
        ) as bar:
            loss_sum, correct = _train_epoch(
                self.net,
                self.batches,
                self.optimizer,
                order,
                per_rank,
                self.steps,
                self.autocast,
                bar,
            )
        _sync(self.device)
        return _all_reduce([time.perf_counter() - t0], op="max")[0], loss_sum, correct

    def run(self, epoch: int, meter: EnergyMeter, idle_watts: float | None) -> dict[str, Any]:
        """Train and evaluate one epoch; returns its metrics (energies above
        ``idle_watts``, this process's GPU's idle power, where it is known)."""
        train_seconds, loss_sum, correct = self.train(epoch)
        train_energy, train_above = _lap(meter, idle_watts)
        loss_sum, correct = _all_reduce([loss_sum, correct])
        seen = self.steps * self.config.batch_size
        test_loss, test_correct, test_count = _evaluate(
            self.eval_net,
            self.batches,
            self.rank,
            self.world,
            2 * (self.config.batch_size // self.world),
            self.autocast,
        )
        _sync(self.device)
        eval_energy, eval_above = _lap(meter, idle_watts)
        peak = None
        if self.device.type == "cuda":
            peak = int(_all_reduce([float(torch.cuda.max_memory_allocated(self.device))], "max")[0])
        elif self.rss_start is not None:
            peak = int(_all_reduce([float(_peak_rss_bytes() - self.rss_start)], "max")[0])
        return {
            "epoch": epoch + 1,
            "train_loss": loss_sum / seen,
            "train_acc": correct / seen,
            "test_loss": test_loss / test_count,
            "test_acc": test_correct / test_count,
            "train_images": seen,
            "train_seconds": train_seconds,
            "images_per_s": seen / train_seconds,
            "train_energy_j": train_energy,
            "eval_energy_j": eval_energy,
            "energy_j": (
                None if train_energy is None or eval_energy is None else train_energy + eval_energy
            ),
            "idle_watts": _sum_energy(idle_watts),
            "train_energy_above_idle_j": train_above,
            "energy_above_idle_j": (
                None if train_above is None or eval_above is None else train_above + eval_above
            ),
            "peak_memory_bytes": peak,
        }


def fit(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: dict[str, Any],
    config: RunConfig,
    device: torch.device,
    *,
    rank: int = 0,
    world: int = 1,
    start_epoch: int = 0,
    on_epoch: EpochHook | None = None,
    idle_watts: float | None = None,
) -> dict[str, Any]:
    """Train ``model`` for the epochs ``start_epoch + 1`` to ``config.epochs``.

    Parameters
    ----------
    model, optimizer
        The model on ``device`` and its optimizer, in the state to continue from.
    data : dict
        Tensors of :func:`load_data`.
    config : RunConfig
        A resolved configuration (batch size, epochs, seed, precision, ...).
    device : torch.device
        This process's device.
    rank, world : int
        This process's rank and the number of processes (DDP, already initialized).
    start_epoch : int
        Epochs already trained (a resumed run).
    on_epoch : callable, optional
        Called on every process after each epoch with its metrics: ``epoch`` (from 1),
        ``train_loss``, ``train_acc``, ``test_loss``, ``test_acc``, ``train_images``,
        ``train_seconds``, ``images_per_s``, energies in joules (``train_energy_j``,
        ``eval_energy_j``, ``energy_j``; None where not measured), the idle power
        ``idle_watts`` and the energies above it over each lap
        (``train_energy_above_idle_j``, ``energy_above_idle_j``), all summed over the
        processes, and ``peak_memory_bytes``: on CUDA the most memory allocated since
        training began (the model and data included), on the CPU with ``--cpu-memory``
        how much the process's peak resident memory grew since then, else None. An
        exception it raises stops training.
    idle_watts : float, optional
        This process's GPU's idle power, measured by the caller while the GPU had no work
        (a study measures it once, before its runs); by default the meter measures it
        for 1 s before training on CUDA, and not at all on the CPU.

    Returns
    -------
    dict
        The energy meter's record of this session (:meth:`EnergyMeter.record`), with the
        idle power used and ``idle_source``.

    Raises
    ------
    ValueError
        If the global batch is larger than the training set.
    """
    epochs = _Epochs(model, optimizer, data, config, device, rank, world)
    measure = idle_watts is None and device.type == "cuda"
    meter = EnergyMeter(device.index or 0, idle_seconds=1.0 if measure else 0.0)
    meter.start()
    idle = meter.idle_watts if idle_watts is None else float(idle_watts)
    try:
        for epoch in range(start_epoch, config.epochs):
            metrics = epochs.run(epoch, meter, idle)
            if on_epoch is not None:
                on_epoch(metrics)
    finally:
        meter.stop()
    return _meter_record(meter, idle, given=idle_watts is not None)


def _meter_record(meter: EnergyMeter, idle: float | None, given: bool) -> dict[str, Any]:
    """The meter's record with the idle power the energies above idle subtract."""
    record = meter.record()
    seconds = record["seconds"]
    return {
        **record,
        "idle_watts": idle,
        "idle_joules": None if idle is None or seconds is None else idle * seconds,
        "idle_source": (
            "measured by the caller before the run"
            if given
            else "measured for 1 s before training"
            if idle is not None
            else None
        ),
    }
