"""One run of the ResNet WHT study: from a ``hadalib.experiments.config.RunConfig``
to its JSON record.

:func:`run` checks everything it can before any work (the processes torchrun started,
the device, the folders, a record or checkpoint already in place), then trains with
:func:`hadalib.experiments.training.fit`, saving a checkpoint after each epoch, and
writes the record on rank 0. A record or checkpoint is reused only for the same
settings (:func:`hadalib.experiments.config.differences`); what the runner refuses ends
with :class:`Refused`, a one-line message and exit status 2.
"""

from __future__ import annotations

import dataclasses
import math
import os
import pickle
from pathlib import Path
from typing import Any, NamedTuple

from hadalib._optional import requires

with requires("experiments"):
    import torch
    import torch.distributed as dist

from hadalib import nn as networks
from hadalib._files import atomic_write, one_line, remove_partials, unwritable
from hadalib.experiments import records, training
from hadalib.experiments.config import RunConfig, differences
from hadalib.nn.variants import ALL_VARIANTS, Weights

# Used by the command line and the study; no chapter uses these names.
__all__: list[str] = []


class Refused(SystemExit):
    """A file or run the runner refuses: ``error: ...`` on stderr and exit status 2, as for
    a bad argument, never a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


class _Files(NamedTuple):
    record: Path
    checkpoint: Path
    done: dict[str, Any] | None  # the finished record to keep (under resume)
    saved: dict[str, Any] | None  # the checkpoint to resume from


def run(
    config: RunConfig,
    on_epoch: training.EpochHook | None = None,
    *,
    idle_watts: float | None = None,
) -> dict[str, Any] | None:
    """Train and measure one run and write its JSON record (on rank 0).

    Parameters
    ----------
    config : RunConfig
        The run; its defaults that depend on the data and the machine are filled in here.
    on_epoch : callable, optional
        Called on every process after each epoch's checkpoint with the epoch's metrics
        (see :func:`hadalib.experiments.training.fit`); an exception it raises stops the
        run there, which ``resume`` continues.
    idle_watts : float, optional
        The GPU's idle power, measured by the caller while the GPU had no work; the
        record's energies above idle subtract it (see
        :func:`hadalib.experiments.training.fit`).

    Returns
    -------
    dict or None
        The record (on rank 0; None on other ranks).

    Raises
    ------
    Refused
        For a setting this machine lacks, a folder that cannot be written, a record or
        checkpoint in the way (damaged, foreign, or made with other settings), data or
        weights that cannot be read, or a loss that stops being finite.
    """
    world, rank, local_rank = _environment()
    config = config.resolved()
    _check(config, world)
    config, device = _device(config, world, local_rank)
    files = _prepare(config, world, rank)
    if files.done is not None:
        if rank == 0 and config.progress:
            print(f"{files.record} is already complete; nothing to resume")
        return files.done if rank == 0 else None
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        return _train(config, device, rank, world, files, on_epoch, idle_watts)
    finally:
        if world > 1:
            dist.destroy_process_group()


def _environment() -> tuple[int, int, int]:
    """WORLD_SIZE, RANK and LOCAL_RANK as torchrun sets them (1, 0, 0 without torchrun)."""
    values = []
    for name, default, low in (("WORLD_SIZE", "1", 1), ("RANK", "0", 0), ("LOCAL_RANK", "0", 0)):
        text = os.environ.get(name, default)
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise Refused(f"environment variable {name}={text!r} is not an integer >= {low}")
        values.append(value)
    world, rank, local_rank = values
    if rank >= world:
        raise Refused(f"environment variable RANK={rank} is not below WORLD_SIZE={world}")
    return world, rank, local_rank


def _check(config: RunConfig, world: int) -> None:
    """Refuse what the values alone do not show: a batch the processes cannot share, a
    weights file that is not there."""
    if config.batch_size % world:
        raise Refused(f"--batch-size {config.batch_size} is not divisible by the {world} processes")
    try:
        Weights.verify(config.weights)
    except ValueError:
        named = ", ".join(["none", *(w.value for w in Weights)])
        raise Refused(
            f"--weights {config.weights} is not a file; pass {named} or the path "
            "of a saved state_dict"
        ) from None


def _device(config: RunConfig, world: int, local_rank: int) -> tuple[RunConfig, torch.device]:
    """This process's device (under torchrun, cuda:LOCAL_RANK), with the configuration's
    device and the defaults that depend on it filled in; refuses one this machine lacks."""
    if config.device is None:
        config = dataclasses.replace(config, device="cuda" if torch.cuda.is_available() else "cpu")
    config = config.resolved()
    device = torch.device(config.device)
    if device.type == "cpu":
        return config, device
    if not torch.cuda.is_available():
        raise Refused(f"--device {config.device}: CUDA is not available here; use --device cpu")
    index = local_rank if world > 1 or device.index is None else device.index
    if index >= torch.cuda.device_count():
        raise Refused(
            f"--device {config.device}: there is no CUDA device {index} on this "
            f"machine ({torch.cuda.device_count()} devices)"
        )
    return config, torch.device("cuda", index)


def _prepare(config: RunConfig, world: int, rank: int) -> _Files:
    """Check this run's folders and files before any work."""
    name = config.name(world)
    out = Path(config.out)
    ckpt_dir = Path(config.checkpoint_dir) if config.checkpoint_dir else out / "checkpoints"
    for option, folder in (
        ("--out", out),
        ("--checkpoint-dir" if config.checkpoint_dir else "--out", ckpt_dir),
    ):
        problem = unwritable(folder)
        if problem:
            raise Refused(f"{option} {folder}: {problem}")
    json_path, ckpt_path = out / f"{name}.json", ckpt_dir / f"{name}.pt"
    for path in (json_path, ckpt_path):
        if path.exists() and not path.is_file():
            kind = "a folder" if path.is_dir() else "something else"
            raise Refused(f"{path} is {kind}, not a file; move it away")
    if rank == 0:
        remove_partials({out, ckpt_dir}, (json_path.name, ckpt_path.name), records.PARTIAL)
    done = _finished_record(json_path, config)
    if done is not None and config.resume:
        return _Files(json_path, ckpt_path, done, None)
    saved = _load_checkpoint(ckpt_path, config, world) if config.resume else None
    return _Files(json_path, ckpt_path, None, saved)


def _finished_record(path: Path, config: RunConfig) -> dict[str, Any] | None:
    """The finished record of this very run at ``path`` (None if there is none, or it has
    no summary: an unfinished run); any other file there, a damaged summary included, is
    refused, so it is neither kept nor overwritten."""
    if not path.exists():
        return None
    try:
        record = records.read_json(path)
    except ValueError as exc:
        raise Refused(f"{exc}; move it away or choose another --out") from None
    problem = records.record_problem(record)
    if problem:
        raise Refused(f"{path} {problem}; move it away or choose another --out")
    differ = differences(records.settings(record), dataclasses.asdict(config))
    if differ:
        raise Refused(
            f"{path} holds a run made with other settings ({differ}); remove it "
            "to run with these, or choose another --out"
        )
    problem = records.summary_problem(record)
    if problem and record.get("summary") is not None:
        raise Refused(f"{path} {problem}; move it away or choose another --out")
    return None if problem else record


def _checkpoint_problem(checkpoint: Any, world: int) -> str | None:
    if not isinstance(checkpoint, dict):
        return f"it holds a {type(checkpoint).__name__}"
    missing = [k for k in ("args", "model", "optimizer", "history", "rng") if k not in checkpoint]
    if missing:
        return f"it has no {', '.join(missing)}"
    if not (
        isinstance(checkpoint["args"], dict)
        and isinstance(checkpoint["history"], list)
        and isinstance(checkpoint["rng"], list)
        and len(checkpoint["rng"]) == world
    ):
        return (
            f"its args, history or random states (one for each of {world} processes) "
            "are not what this runner writes"
        )
    return None


def _load_checkpoint(path: Path, config: RunConfig, world: int) -> dict[str, Any] | None:
    """The checkpoint to resume from (None if there is none); refuses, naming it, a corrupt
    or foreign file and one written with other settings."""
    if not path.is_file():
        return None
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        problem = _checkpoint_problem(checkpoint, world)
    except Exception as exc:  # torch raises many kinds for a file it cannot read
        problem = f"torch.load fails: {one_line(exc)}"
    if problem:
        raise Refused(
            f"--resume: {path} is not a checkpoint of this runner ({problem}); "
            "remove it to start the run over"
        )
    differ = differences(checkpoint["args"], dataclasses.asdict(config), free={"epochs"})
    if differ:
        raise Refused(
            f"--resume: {path} was written with other settings ({differ}); rerun "
            "with those, or without --resume to start over"
        )
    if len(checkpoint["history"]) > config.epochs:
        raise Refused(
            f"--resume: {path} holds {len(checkpoint['history'])} epochs, more "
            f"than --epochs {config.epochs}"
        )
    return checkpoint


def _data_and_model(
    config: RunConfig, device: torch.device
) -> tuple[dict[str, Any], torch.nn.Module]:
    """The data (on the CPU) and the model (on ``device``); a data set or weights file that
    cannot be read is refused, naming it."""
    try:
        data = training.load_data(config)
    except (OSError, ValueError) as exc:  # the loaders' messages name the file
        raise Refused(f"--data {config.data}: {exc}") from None
    try:
        model = getattr(networks, config.model)(  # a builder MODELS names
            data["classes"],
            ALL_VARIANTS[config.variant],
            axes=config.axes,
            width=config.width,
            stem=config.stem,
            in_channels=data["x_train"].shape[1],
            dropout=config.dropout,
            image_size=config.image_size,
            weights=config.weights,
            pointwise=ALL_VARIANTS[config.variant].pointwise,
        )
    except (OSError, ValueError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
        if Weights.verify(config.weights) is None:
            raise
        raise Refused(f"--weights {config.weights}: {one_line(exc)}") from None
    model = model.to(device)
    if config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    return data, model


def _restore(
    files: _Files,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    rank: int,
    device: torch.device,
) -> list[dict[str, Any]]:
    """Put the model, optimizer and random state back as the checkpoint holds them;
    returns the epochs it holds."""
    checkpoint = files.saved
    try:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        rng = checkpoint["rng"][rank]
        torch.set_rng_state(rng["cpu"])
        if device.type == "cuda" and "cuda" in rng:
            torch.cuda.set_rng_state(rng["cuda"], device)
    except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise Refused(
            f"--resume: {files.checkpoint} does not fit this run ({one_line(exc)}); "
            "remove it to start the run over"
        ) from None
    return checkpoint["history"]


def _check_finite(metrics: dict[str, Any]) -> None:
    """Stop a run whose loss is no longer a number: its record would mean nothing."""
    for key, what in (("train_loss", "training"), ("test_loss", "test")):
        if not math.isfinite(metrics[key]):
            raise Refused(
                f"training diverged: the {what} loss is {metrics[key]} in epoch "
                f"{metrics['epoch']}; no record written (a smaller --lr may help)"
            )


def _save_checkpoint(
    path: Path, state: dict[str, Any], device: torch.device, rank: int, world: int
) -> None:
    """Save ``state`` with every process's random state (rank 0 writes)."""
    rng = training.rng_states(device, world)
    if rank == 0:
        state = {**state, "rng": rng}
        atomic_write(path, lambda f: torch.save(state, f), suffix=records.PARTIAL)


def _train(
    config: RunConfig,
    device: torch.device,
    rank: int,
    world: int,
    files: _Files,
    on_epoch: training.EpochHook | None,
    idle_watts: float | None,
) -> dict[str, Any] | None:
    say = print if rank == 0 and config.progress else (lambda *a, **k: None)
    name = files.record.stem
    torch.manual_seed(config.seed)
    torch.backends.cudnn.benchmark = device.type == "cuda"
    data, model = _data_and_model(config, device)
    n_train = len(data["y_train"])
    if training.steps_per_epoch(n_train, config) == 0:
        raise Refused(
            f"--batch-size {config.batch_size} is larger than the {n_train} training images"
        )
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    history: list[dict[str, Any]] = []
    if files.saved is not None:
        history = _restore(files, model, optimizer, rank, device)
        say(f"resuming {name} after epoch {len(history)}")
    else:
        # Processes differ in their dropout masks, not in their initial weights.
        torch.manual_seed((config.seed * 1000 + rank) % 2**64)
    started, code = records.now(), records.source()  # the code as it starts

    def after_epoch(h: dict[str, Any]) -> None:
        _check_finite(h)
        history.append(h)
        say(
            f"{name} epoch {h['epoch']}/{config.epochs}: train loss {h['train_loss']:.4f} "
            f"acc {h['train_acc']:.4f} | test loss {h['test_loss']:.4f} "
            f"acc {h['test_acc']:.4f} | {h['images_per_s']:.0f} images/s"
        )
        if config.checkpoints:
            _save_checkpoint(
                files.checkpoint,
                {
                    "args": dataclasses.asdict(config),
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "history": history,
                },
                device,
                rank,
                world,
            )
        if on_epoch is not None:
            on_epoch(h)

    energy = training.fit(
        model,
        optimizer,
        data,
        config,
        device,
        rank=rank,
        world=world,
        start_epoch=len(history),
        on_epoch=after_epoch,
        idle_watts=idle_watts,
    )
    if rank != 0:
        return None
    record = records.new_record(
        config,
        history,
        params=params,
        steps=training.steps_per_epoch(n_train, config),
        energy=energy,
        provenance=records.provenance(
            config,
            device,
            world,
            energy,
            code=code,
            started=started,
            resumed=files.saved is not None,
        ),
    )
    records.write_record(files.record, record)
    if not config.keep_checkpoint and files.checkpoint.is_file():
        files.checkpoint.unlink()
    say(f"wrote {files.record}")
    return record
