"""Train and measure one variant of the ResNet WHT study; one JSON per run.

Usage (one GPU, or the CPU)::

    python -m hadalib.experiments.resnet_wht --variant wht-early --data cifar100 \\
        --epochs 20 --seed 0 --out book/results/

and unchanged on N GPUs::

    torchrun --standalone --nproc_per_node=N -m hadalib.experiments.resnet_wht ...

Each epoch ends with a checkpoint; ``--resume`` continues an interrupted run exactly
where it stopped (same data order, same random state), and keeps a finished record
instead of training again. Both happen only for the same settings (every argument that
changes the result): a record or checkpoint made with others is refused, naming the
differences, and is never overwritten. The JSON record holds the accuracy and loss
curves, throughput, peak memory, energy (NVML) and a provenance block; it is written
atomically by rank 0, through a temporary file ``TARGET.PID@HOST.*.resnet_wht-partial``
beside it that the next start removes if a killed process left it.

Bad arguments, files and runs (an unwritable ``--out``, a damaged checkpoint, a loss
that is no longer finite) end with a one-line message and exit status 2, never a
traceback, and all but a diverging loss before any training.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import glob
import hashlib
import json
import math
import os
import pickle
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F

import hadalib
from hadalib.data import _synthetic_arrays, load_cifar100, load_digits
from hadalib.energy import EnergyMeter
from hadalib.experiments.report import (
    _check_folder,
    _configuration,
    _record_problem,
    _summary_problem,
)
from hadalib.nn import VARIANTS, resnet18, resnet50

_SCHEMA = 1
_MODELS = {"resnet18": resnet18, "resnet50": resnet50}
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
# Temporary files of atomic writes, beside their target: TARGET.PID@HOST.RANDOM + _PARTIAL,
# so that a start can tell the stale ones of this runner from a live process's.
_PARTIAL = ".resnet_wht-partial"
_PARTIAL_NAME = re.compile(r"(?P<target>.+)\.(?P<pid>\d+)@(?P<host>[\w.-]*)\.\w+"
                           + re.escape(_PARTIAL))


class _Refused(SystemExit):
    """A file or run the runner refuses: ``error: ...`` on stderr and exit status 2, as for
    a bad argument, never a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__


# ----------------------------------------------------------------------------------------
# arguments
# ----------------------------------------------------------------------------------------


def _variant(value: str) -> str:
    if value not in VARIANTS:
        raise argparse.ArgumentTypeError(
            f"unknown variant {value!r}; accepted: {', '.join(VARIANTS)}"
        )
    return value


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def _seed(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if not 0 <= n < 2**64:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**64), got {value!r}")
    return n


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m hadalib.experiments.resnet_wht",
        description="Train one variant of the ResNet WHT study and write one JSON record.",
    )
    p.add_argument("--variant", type=_variant, required=True,
                   help=f"one of: {', '.join(VARIANTS)}")
    p.add_argument("--data", choices=("cifar100", "digits", "synthetic"), default="synthetic",
                   help="cifar100 (official archive under --data-root), scikit-learn digits, "
                        "or random CIFAR-shaped images (for throughput/energy)")
    p.add_argument("--data-root", default="data", help="folder of cifar-100-python[.tar.gz]")
    p.add_argument("--download", action="store_true", help="download CIFAR-100 if missing")
    p.add_argument("--model", choices=tuple(_MODELS), default="resnet50")
    p.add_argument("--width", type=_positive_int, default=64, help="base width (64 standard)")
    p.add_argument("--stem", choices=("imagenet", "cifar"), default="imagenet")
    p.add_argument("--axes", choices=("channel", "spatial"), default="channel",
                   help="axes of the WHT and DCT layers (FFT layers act on H, W)")
    p.add_argument("--weights", default="none",
                   help="none, torchvision (ImageNet, needs torchvision) or a state_dict path")
    p.add_argument("--image-size", type=_positive_int, default=None,
                   help="input size after resizing on the device (default 224; 8 for digits)")
    p.add_argument("--epochs", type=_positive_int, default=None, help="default 20 (1 in --smoke)")
    p.add_argument("--batch-size", type=_positive_int, default=None,
                   help="global batch size (default 128; 8 in --smoke)")
    p.add_argument("--steps-per-epoch", type=_positive_int, default=None,
                   help="cap on training steps per epoch (default: one pass over the data)")
    p.add_argument("--limit-train", type=_positive_int, default=None,
                   help="use only the first N training images")
    p.add_argument("--limit-test", type=_positive_int, default=None,
                   help="use only the first N test images")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--weight-decay", type=float, default=1e-4, help="L2 regularization")
    p.add_argument("--dropout", type=float, default=0.5, help="dropout before the head")
    p.add_argument("--precision", choices=("bf16", "fp32"), default="bf16",
                   help="bf16 autocast on CUDA (the CPU always runs fp32)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--device", default=None, help="cuda or cpu (default: cuda if available)")
    p.add_argument("--seed", type=_seed, default=0, help="an integer in [0, 2**64)")
    p.add_argument("--out", default="book/results", help="folder of the JSON records")
    p.add_argument("--checkpoint-dir", default=None,
                   help="folder of the per-epoch checkpoints (default OUT/checkpoints)")
    p.add_argument("--keep-checkpoint", action="store_true",
                   help="keep the last checkpoint after a finished run")
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint of an interrupted run")
    p.add_argument("--smoke", action="store_true",
                   help="a few steps at a tiny size (32x32, or 8x8 digits), for tests")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bars or per-epoch lines")
    return p


def _resolve(args: argparse.Namespace, world: int, p: argparse.ArgumentParser) -> None:
    """Fill data-dependent defaults and check the combination."""
    small = args.data == "digits"
    if args.image_size is None:
        args.image_size = 8 if small else (32 if args.smoke else 224)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 20
    if args.batch_size is None:
        args.batch_size = 8 if args.smoke else 128
    if args.smoke:
        args.limit_train = args.limit_train or 2 * args.batch_size
        args.limit_test = args.limit_test or args.batch_size
    if args.image_size < 8:
        p.error(f"--image-size must be at least 8, got {args.image_size}")
    if args.batch_size % world:
        p.error(f"--batch-size {args.batch_size} is not divisible by the {world} processes")
    if not 0.0 <= args.dropout < 1.0:  # also refuses nan
        p.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        p.error(f"--lr must be a finite number > 0, got {args.lr}")
    if not (math.isfinite(args.weight_decay) and args.weight_decay >= 0):
        p.error(f"--weight-decay must be a finite number >= 0, got {args.weight_decay}")
    if args.weights not in ("none", "torchvision") and not os.path.isfile(args.weights):
        p.error(f"--weights {args.weights} is not a file; pass none, torchvision or the path "
                "of a saved state_dict")


def _environment(p: argparse.ArgumentParser) -> tuple[int, int, int]:
    """WORLD_SIZE, RANK and LOCAL_RANK as torchrun sets them (1, 0, 0 without torchrun)."""
    values = []
    for name, default, low in (("WORLD_SIZE", "1", 1), ("RANK", "0", 0),
                               ("LOCAL_RANK", "0", 0)):
        text = os.environ.get(name, default)
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            p.error(f"environment variable {name}={text!r} is not an integer >= {low}")
        values.append(value)
    world, rank, local_rank = values
    if rank >= world:
        p.error(f"environment variable RANK={rank} is not below WORLD_SIZE={world}")
    return world, rank, local_rank


def _device(args: argparse.Namespace, world: int, local_rank: int,
            p: argparse.ArgumentParser) -> torch.device:
    """This process's device (under torchrun, cuda:LOCAL_RANK); refuses one it lacks."""
    if args.device is None:
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(args.device)
    except (RuntimeError, ValueError, TypeError):
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        p.error(f"--device must be cpu, cuda or cuda:N, got {args.device!r}")
    if device.type == "cpu":
        return device
    if not torch.cuda.is_available():
        p.error(f"--device {args.device}: CUDA is not available here; use --device cpu")
    index = local_rank if world > 1 or device.index is None else device.index
    if index >= torch.cuda.device_count():
        p.error(f"--device {args.device}: there is no CUDA device {index} on this machine "
                f"({torch.cuda.device_count()} devices)")
    return torch.device("cuda", index)


def _run_name(args: argparse.Namespace, world: int = 1) -> str:
    """File stem of a run's JSON record and checkpoint, from its arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed (and resolved) arguments of the command line.
    world : int
        Number of processes (DDP); runs on more than one are marked ``-ddpN``.

    Returns
    -------
    str
        E.g. ``"digits8-resnet18w16-wht-early-seed0"``.

    Examples
    --------
    >>> ns = argparse.Namespace(data="digits", image_size=8, model="resnet18", width=16,
    ...                         variant="wht-early", axes="channel", seed=0, smoke=False)
    >>> _run_name(ns)
    'digits8-resnet18w16-wht-early-seed0'

    Introduced in: book/09_transform_layers.ipynb
    """
    width = "" if args.width == 64 else f"w{args.width}"
    axes = "-spatial" if args.axes == "spatial" and args.variant != "baseline" else ""
    name = f"{args.data}{args.image_size}-{args.model}{width}-{args.variant}{axes}-seed{args.seed}"
    if args.smoke:
        name += "-smoke"
    if world > 1:
        name += f"-ddp{world}"
    return name


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------


def _host() -> str:
    return re.sub(r"[^\w.-]", "-", socket.gethostname())


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.{os.getpid()}@{_host()}.",
                               suffix=_PARTIAL)
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True


def _remove_partials(folders: Iterable[Path], own: Sequence[str]) -> None:
    """Remove what killed atomic writes of this runner left behind: those of this run's
    files (also the hidden ``.TARGET.*.tmp`` of earlier versions), and those of processes
    of this machine that are gone (a live run's are kept)."""
    host = _host()
    for folder in folders:
        for path in folder.glob(f"*{_PARTIAL}") if folder.is_dir() else ():
            m = _PARTIAL_NAME.fullmatch(path.name)
            if m and (m["target"] in own or (m["host"] == host and not _alive(int(m["pid"])))):
                with contextlib.suppress(OSError):
                    path.unlink()
        for target in own:
            for path in folder.glob(f".{glob.escape(target)}.*.tmp"):
                with contextlib.suppress(OSError):
                    path.unlink()


def _finite(obj: Any) -> Any:
    """JSON-safe copy: non-finite floats become None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _write_json(path: Path, record: dict[str, Any]) -> None:
    text = json.dumps(_finite(record), indent=1, allow_nan=False) + "\n"
    _atomic_write(path, lambda f: f.write(text.encode()))


def _git(*cmd: str) -> str | None:
    root = Path(hadalib.__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", *cmd], cwd=root, capture_output=True, text=True,
                             timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def _source_sha256() -> str:
    """Fingerprint of the library's source, useful where the tree is not a clean commit."""
    h = hashlib.sha256()
    root = Path(hadalib.__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


# Taken when the code is loaded, so that it describes the code that runs.
_SOURCE_SHA256 = _source_sha256()


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _provenance(args: argparse.Namespace, device: torch.device, world: int,
                energy: dict[str, Any]) -> dict[str, Any]:
    status = _git("status", "--porcelain", "--untracked-files=no")
    cuda = device.type == "cuda"
    return {
        "git_commit": _git("rev-parse", "HEAD") or None,
        "git_dirty": None if status is None else bool(status),
        "hadalib_version": hadalib.__version__,
        "hadalib_source_sha256": _SOURCE_SHA256,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if cuda else None,
        "driver": energy.get("driver"),
        "gpu_name": torch.cuda.get_device_name(device) if cuda else None,
        "device": str(device),
        "cpu_threads": torch.get_num_threads(),
        "world_size": world,
        "seed": args.seed,
        "args": {k: v for k, v in sorted(vars(args).items())},
        "argv": list(sys.argv),
        "energy_method": energy.get("method"),
    }


def _load_data(args: argparse.Namespace) -> dict[str, Any]:
    """Tensors on the CPU: images (N, C, H, W) uint8 or float, labels int64, class count."""
    if args.data == "digits":
        d = load_digits(seed=0)
        x_train, x_test = d["x_train"], d["x_test"]
        mean = float(x_train.mean())
        std = float(x_train.std())
        norm = ((mean,), (std,))
        classes = 10
    else:
        if args.data == "cifar100":
            d = load_cifar100(args.data_root, download=args.download)
        else:
            n_train = args.limit_train or 50000
            n_test = args.limit_test or 10000
            d = _synthetic_arrays(n_train, n_test, seed=12345)
        x_train = torch.from_numpy(d["x_train"]).permute(0, 3, 1, 2).contiguous()
        x_test = torch.from_numpy(d["x_test"]).permute(0, 3, 1, 2).contiguous()
        norm = (_IMAGENET_MEAN, _IMAGENET_STD)
        classes = 100
    y_train = torch.as_tensor(d["y_train"])
    y_test = torch.as_tensor(d["y_test"])
    if args.limit_train:
        x_train, y_train = x_train[: args.limit_train], y_train[: args.limit_train]
    if args.limit_test:
        x_test, y_test = x_test[: args.limit_test], y_test[: args.limit_test]
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
            "mean": norm[0], "std": norm[1], "classes": classes}


class _Batches:
    """Turns stored images into normalized, resized float batches on the device."""

    def __init__(self, data: dict[str, Any], size: int, device: torch.device,
                 channels_last: bool) -> None:
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
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear",
                              align_corners=False)
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
    """Joules summed over processes (None if any process measured none)."""
    missing, total = _all_reduce([1.0 if joules is None else 0.0, joules or 0.0])
    return None if missing else total


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _train_epoch(model: torch.nn.Module, batches: _Batches, optimizer: torch.optim.Optimizer,
                 order: torch.Tensor, batch: int, steps: int, autocast: dict[str, Any],
                 bar: Any) -> tuple[float, float]:
    """One epoch of training on this process's share; returns (loss sum, correct count)."""
    model.train()
    device = batches.mean.device
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    correct = torch.zeros((), device=device, dtype=torch.int64)
    for step in range(steps):
        x, y = batches.get("train", order[step * batch:(step + 1) * batch].to(device))
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


def _evaluate(model: torch.nn.Module, batches: _Batches, rank: int, world: int, batch: int,
              autocast: dict[str, Any]) -> tuple[float, float, float]:
    """Loss sum, correct count and image count over the test set, summed over processes."""
    model.eval()
    n = len(batches.data["y_test"])
    index = torch.arange(rank, n, world, device=batches.mean.device)
    loss_sum, correct = 0.0, 0.0
    with torch.no_grad(), torch.autocast(**autocast):
        for start in range(0, len(index), batch):
            x, y = batches.get("test", index[start:start + batch])
            logits = model(x).float()
            loss_sum += float(F.cross_entropy(logits, y, reduction="sum"))
            correct += float((logits.argmax(1) == y).sum())
    loss_sum, correct, count = _all_reduce([loss_sum, correct, float(len(index))])
    return loss_sum, correct, count


def _rng_state(device: torch.device) -> dict[str, Any]:
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _gather_rng(device: torch.device, world: int) -> list[dict[str, Any]]:
    state = _rng_state(device)
    if world == 1:
        return [state]
    states: list[Any] = [None] * world
    dist.all_gather_object(states, state)
    return states


def _summary(history: list[dict[str, Any]], params: int) -> dict[str, Any]:
    def column(key: str) -> list[Any]:
        return [h[key] for h in history]

    rates = column("images_per_s")
    steady = rates[1:] if len(rates) > 1 else rates
    energy = column("energy_j")
    train_energy = column("train_energy_j")
    images = sum(column("train_images"))
    known = all(e is not None for e in energy)
    return {
        "params": params,
        "epochs": len(history),
        "final_test_acc": history[-1]["test_acc"],
        "best_test_acc": max(column("test_acc")),
        "final_train_acc": history[-1]["train_acc"],
        "final_test_loss": history[-1]["test_loss"],
        "train_seconds": sum(column("train_seconds")),
        "seconds_per_epoch": sum(column("train_seconds")) / len(history),
        "images_per_s": sorted(steady)[len(steady) // 2],
        "peak_memory_bytes": max((m for m in column("peak_memory_bytes") if m is not None),
                                 default=None),
        "energy_j": sum(energy) if known else None,
        "energy_per_epoch_j": sum(energy) / len(energy) if known else None,
        "energy_per_image_j": (sum(train_energy) / images
                               if all(e is not None for e in train_energy) else None),
    }


# ----------------------------------------------------------------------------------------
# the files of a run: checked before any work
# ----------------------------------------------------------------------------------------


def _differences(saved: Mapping[str, Any], now: Mapping[str, Any],
                 free: Iterable[str] = ()) -> str:
    """The settings that change the result and differ, as ``--lr was 0.001, now 0.01``."""
    old, new = _configuration(saved), _configuration(now)
    keys = sorted(k for k in old.keys() | new.keys()
                  if k not in free and old.get(k) != new.get(k))
    return "; ".join(f"--{k.replace('_', '-')} was {old.get(k)!r}, now {new.get(k)!r}"
                     for k in keys)


def _finished_record(path: Path, args: argparse.Namespace) -> dict[str, Any] | None:
    """The finished record of this very run at ``path`` (None if there is none, or it is
    unfinished); any other file there is refused, so it is neither kept nor overwritten."""
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
        raise _Refused(f"{path} is not a JSON record ({_one_line(exc)}); move it away or "
                       "choose another --out") from None
    problem = _record_problem(record)
    if problem:
        raise _Refused(f"{path} {problem}; move it away or choose another --out")
    differ = _differences(record["provenance"]["args"], vars(args))
    if differ:
        raise _Refused(f"{path} holds a run made with other settings ({differ}); remove it "
                       "to run with these, or choose another --out")
    return record if _summary_problem(record) is None else None


def _checkpoint_problem(checkpoint: Any, world: int) -> str | None:
    if not isinstance(checkpoint, dict):
        return f"it holds a {type(checkpoint).__name__}"
    missing = [k for k in ("args", "model", "optimizer", "history", "rng") if k not in checkpoint]
    if missing:
        return f"it has no {', '.join(missing)}"
    if not (isinstance(checkpoint["args"], dict) and isinstance(checkpoint["history"], list)
            and isinstance(checkpoint["rng"], list) and len(checkpoint["rng"]) == world):
        return (f"its args, history or random states (one for each of {world} processes) "
                "are not what this runner writes")
    return None


def _load_checkpoint(path: Path, args: argparse.Namespace, world: int) -> dict[str, Any] | None:
    """The checkpoint to resume from (None if there is none); refuses, naming it, a corrupt
    or foreign file and one written with other settings."""
    if not path.is_file():
        return None
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        problem = _checkpoint_problem(checkpoint, world)
    except Exception as exc:  # torch raises many kinds for a file it cannot read
        problem = f"torch.load fails: {_one_line(exc)}"
    if problem:
        raise _Refused(f"--resume: {path} is not a checkpoint of this runner ({problem}); "
                       "remove it to start the run over")
    differ = _differences(checkpoint["args"], vars(args), free={"epochs"})
    if differ:
        raise _Refused(f"--resume: {path} was written with other settings ({differ}); rerun "
                       "with those, or without --resume to start over")
    if len(checkpoint["history"]) > args.epochs:
        raise _Refused(f"--resume: {path} holds {len(checkpoint['history'])} epochs, more "
                       f"than --epochs {args.epochs}")
    return checkpoint


def _prepare(args: argparse.Namespace, world: int, rank: int,
             p: argparse.ArgumentParser) -> tuple[Path, Path, Any, Any]:
    """Check this run's folders and files before any work.

    Returns the paths of its record and checkpoint, the finished record to keep (under
    --resume; else None) and the checkpoint to resume from (or None).
    """
    name = _run_name(args, world)
    out = Path(args.out)
    ckpt_dir = Path(args.checkpoint_dir) if args.checkpoint_dir else out / "checkpoints"
    _check_folder(p, "--out", out)
    _check_folder(p, "--checkpoint-dir" if args.checkpoint_dir else "--out", ckpt_dir)
    json_path, ckpt_path = out / f"{name}.json", ckpt_dir / f"{name}.pt"
    for path in (json_path, ckpt_path):
        if path.exists() and not path.is_file():
            kind = "a folder" if path.is_dir() else "something else"
            raise _Refused(f"{path} is {kind}, not a file; move it away")
    if rank == 0:
        _remove_partials({out, ckpt_dir}, (json_path.name, ckpt_path.name))
    done = _finished_record(json_path, args)
    if done is not None and args.resume:
        return json_path, ckpt_path, done, None
    checkpoint = _load_checkpoint(ckpt_path, args, world) if args.resume else None
    return json_path, ckpt_path, None, checkpoint


# ----------------------------------------------------------------------------------------
# the run
# ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> dict[str, Any] | None:
    """Run the command line: train one variant and write its JSON record.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``); ``--help`` lists them.

    Returns
    -------
    dict or None
        The record written (on rank 0; None on other ranks).

    Raises
    ------
    SystemExit
        Status 2, with a message on stderr, for a bad argument (the message lists what is
        accepted), an out folder that cannot be written, a record or checkpoint in the
        way (damaged, foreign, or made with other settings), or a run whose loss stops
        being finite (no record is written).

    Examples
    --------
    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> record = main(["--variant", "wht-early", "--data", "digits", "--model", "resnet18",
    ...                "--width", "8", "--stem", "cifar", "--smoke", "--no-progress",
    ...                "--out", out])
    >>> record["variant"], len(record["history"])
    ('wht-early', 1)

    Introduced in: book/09_transform_layers.ipynb
    """
    parser = _parser()
    args = parser.parse_args(argv)
    world, rank, local_rank = _environment(parser)
    _resolve(args, world, parser)
    device = _device(args, world, local_rank, parser)
    try:
        json_path, ckpt_path, done, checkpoint = _prepare(args, world, rank, parser)
        if done is not None:
            if rank == 0 and args.progress:
                print(f"{json_path} is already complete; nothing to resume")
            return done if rank == 0 else None
        if device.type == "cuda":
            torch.cuda.set_device(device)
        if world > 1:
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        try:
            return _run(args, device, rank, world, (json_path, ckpt_path), checkpoint)
        finally:
            if world > 1:
                dist.destroy_process_group()
    except _Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise


def _data_and_model(args: argparse.Namespace,
                    device: torch.device) -> tuple[dict[str, Any], torch.nn.Module]:
    """The data (on the CPU) and the model (on ``device``); a data set or weights file that
    cannot be read is refused, naming it."""
    try:
        data = _load_data(args)
    except (OSError, ValueError) as exc:  # the loaders' messages name the file
        raise _Refused(f"--data {args.data}: {exc}") from None
    try:
        model = _MODELS[args.model](
            data["classes"], VARIANTS[args.variant], axes=args.axes, width=args.width,
            stem=args.stem, in_channels=data["x_train"].shape[1], dropout=args.dropout,
            weights=None if args.weights == "none" else args.weights,
        )
    except (OSError, ValueError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
        if args.weights == "none":
            raise
        raise _Refused(f"--weights {args.weights}: {_one_line(exc)}") from None
    model = model.to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    return data, model


def _restore(checkpoint: dict[str, Any], path: Path, model: torch.nn.Module,
             optimizer: torch.optim.Optimizer, rank: int, device: torch.device) -> None:
    """Put the model, optimizer and random state back as the checkpoint holds them."""
    try:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        rng = checkpoint["rng"][rank]
        torch.set_rng_state(rng["cpu"])
        if device.type == "cuda" and "cuda" in rng:
            torch.cuda.set_rng_state(rng["cuda"], device)
    except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise _Refused(f"--resume: {path} does not fit this run ({_one_line(exc)}); remove it "
                       "to start the run over") from None


def _check_finite(h: dict[str, Any]) -> None:
    """Stop a run whose loss is no longer a number: its record would mean nothing."""
    for key, what in (("train_loss", "training"), ("test_loss", "test")):
        if not math.isfinite(h[key]):
            raise _Refused(f"training diverged: the {what} loss is {h[key]} in epoch "
                           f"{h['epoch']}; no record written (a smaller --lr may help)")


def _run(args: argparse.Namespace, device: torch.device, rank: int, world: int,
         paths: tuple[Path, Path], checkpoint: dict[str, Any] | None) -> dict[str, Any] | None:
    from tqdm.auto import tqdm

    json_path, ckpt_path = paths
    name = json_path.stem
    say = print if rank == 0 and args.progress else (lambda *a, **k: None)

    torch.manual_seed(args.seed)
    cuda = device.type == "cuda"
    torch.backends.cudnn.benchmark = cuda
    data, model = _data_and_model(args, device)
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    history: list[dict[str, Any]] = []
    if checkpoint is not None:
        _restore(checkpoint, ckpt_path, model, optimizer, rank, device)
        history = checkpoint["history"]
        say(f"resuming {name} after epoch {len(history)}")
    else:
        # Processes differ in their dropout masks, not in their initial weights.
        torch.manual_seed((args.seed * 1000 + rank) % 2**64)
    net: torch.nn.Module = model
    if args.compile:
        net = torch.compile(net)
    # Evaluation runs on each process's share without DDP, whose forward would wait for
    # the other processes (shares of the test set may differ by one batch).
    eval_net = net
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            net, device_ids=[device.index] if cuda else None)

    batches = _Batches(data, args.image_size, device, channels_last=cuda)
    precision = "bf16" if cuda and args.precision == "bf16" else "fp32"
    autocast = {"device_type": device.type, "dtype": torch.bfloat16,
                "enabled": precision == "bf16"}
    per_rank = args.batch_size // world
    n_train = len(data["y_train"])
    steps = n_train // args.batch_size
    if args.steps_per_epoch:
        steps = min(steps, args.steps_per_epoch)
    if steps == 0:
        raise _Refused(f"--batch-size {args.batch_size} is larger than the {n_train} "
                       "training images")
    started = _now()
    meter = EnergyMeter(device.index or 0, idle_seconds=1.0 if cuda else 0.0)
    meter.start()
    try:
        for epoch in range(len(history), args.epochs):
            order = _permutation(n_train, args.seed, epoch)[rank::world]
            _sync(device)
            t0 = time.perf_counter()
            with tqdm(total=steps, desc=f"{args.variant} epoch {epoch + 1}/{args.epochs}",
                      leave=False, disable=not (rank == 0 and args.progress)) as bar:
                loss_sum, correct = _train_epoch(net, batches, optimizer, order, per_rank,
                                                 steps, autocast, bar)
            _sync(device)
            train_seconds = _all_reduce([time.perf_counter() - t0], op="max")[0]
            train_energy = _sum_energy(meter.lap())
            loss_sum, correct = _all_reduce([loss_sum, correct])
            seen = steps * args.batch_size
            test_loss, test_correct, test_count = _evaluate(eval_net, batches, rank, world,
                                                            2 * per_rank, autocast)
            _sync(device)
            eval_energy = _sum_energy(meter.lap())
            peak = (_all_reduce([float(torch.cuda.max_memory_allocated(device))], "max")[0]
                    if cuda else None)
            h = {
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
                "energy_j": (None if train_energy is None or eval_energy is None
                             else train_energy + eval_energy),
                "peak_memory_bytes": None if peak is None else int(peak),
            }
            _check_finite(h)
            history.append(h)
            say(f"{name} epoch {h['epoch']}/{args.epochs}: train loss {h['train_loss']:.4f} "
                f"acc {h['train_acc']:.4f} | test loss {h['test_loss']:.4f} "
                f"acc {h['test_acc']:.4f} | {h['images_per_s']:.0f} images/s")
            rng = _gather_rng(device, world)
            if rank == 0:
                state = {"args": vars(args), "model": model.state_dict(),
                         "optimizer": optimizer.state_dict(), "history": history, "rng": rng}
                _atomic_write(ckpt_path, lambda f, state=state: torch.save(state, f))
    finally:
        meter.stop()
    if rank != 0:
        return None
    energy = meter.record()
    record = {
        "schema": _SCHEMA,
        "kind": "resnet_wht",
        "name": name,
        "variant": args.variant,
        "transforms": dict(VARIANTS[args.variant]),
        "axes": args.axes,
        "data": args.data,
        "model": args.model,
        "width": args.width,
        "stem": args.stem,
        "image_size": args.image_size,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "steps_per_epoch": steps,
        "precision": precision,
        "smoke": args.smoke,
        "summary": _summary(history, params),
        "history": history,
        "energy": {**energy, "devices": world,
                   "note": "per-epoch energy is in history; this block describes the meter "
                           "of the last (possibly resumed) session on rank 0"},
        "provenance": {**_provenance(args, device, world, energy),
                       "started_utc": started, "finished_utc": _now(),
                       "resumed": checkpoint is not None},
    }
    _write_json(json_path, record)
    if not args.keep_checkpoint and ckpt_path.is_file():
        ckpt_path.unlink()
    say(f"wrote {json_path}")
    return record


if __name__ == "__main__":
    main()
