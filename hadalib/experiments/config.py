"""The configuration of one run of the ResNet WHT study: :class:`RunConfig`.

Each field says once, in its metadata, everything the experiments need to know of it:
its command-line option (help text, choices, how the text is read), the values it
accepts, whether it changes the result of a run, and whether it is a field of the run's
JSON record and how the report groups by it. From this come the runner's parser
(:meth:`RunConfig.parser`), the command line of a configuration (:meth:`RunConfig.argv`),
the comparison that keeps a resume from mistaking one configuration for another
(:func:`differences`), the record's typed fields (``RECORD_TYPES``) and the report's
grouping keys (``TABLE_KEYS``, ``ROW_KEYS``). Importing this module does not import torch.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hadalib import _checks
from hadalib.nn.variants import ALL_VARIANTS, AXES, BLOCKS, MODELS, STEMS

# The CLI's own exports are the modules' main functions; these names serve the runner,
# the study and the report, and no chapter uses them yet.
__all__: list[str] = []

PROG = "python -m hadalib.experiments.resnet_wht"
#: The data sets a run can train on.
DATA = ("cifar100", "digits", "synthetic")
_DEVICE = re.compile(r"(cpu|cuda)(:\d+)?")


def _variant(text: str) -> str:
    if text not in ALL_VARIANTS:
        raise argparse.ArgumentTypeError(
            f"unknown variant {text!r}; accepted: {', '.join(ALL_VARIANTS)}"
        )
    return text


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _seed(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n < 2**64:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**64), got {text!r}")
    return n


_POSITIVE = (lambda n: n >= 1, "must be a positive integer")


def _option(
    help: str,
    *,
    parse: Callable[[str], Any] | None = None,
    choices: Sequence[str] | None = None,
    check: tuple[Callable[[Any], bool], str] | None = None,
    result: bool = True,
    record: bool | str = False,
    report: str | None = None,
    flag: str | None = None,
) -> dict[str, Any]:
    """A field's metadata.

    ``parse`` reads the option's text (argparse's ``type``); ``choices`` are the accepted
    strings; ``check`` is ``(accepts, "must be ...")`` for a value of the right type;
    ``result=False`` marks a field that does not change the run's result (where it is
    written, how it reports, where the checksummed data is found); ``record`` marks a
    field the run's record holds at its top level, under its own name (True) or the key
    given; ``report`` marks a record field every record has, by its place in the report:
    ``"table"`` (one table per setting), ``"row"`` (one row per variant and axes) or
    ``"repeat"`` (what differs between a row's runs); ``flag`` is the option of a boolean
    that defaults to True (``--no-NAME``).
    """
    return {
        "help": help,
        "parse": parse,
        "choices": choices,
        "check": check,
        "result": result,
        "record": bool(report) or record,
        "report": report,
        "flag": flag,
    }


@dataclass(frozen=True)
class RunConfig:
    """The settings of one run of :mod:`hadalib.experiments.resnet_wht`.

    Each field is the option of the same name (``batch_size`` is ``--batch-size``;
    ``progress=False`` is ``--no-progress``); ``python -m hadalib.experiments.resnet_wht
    --help`` describes them. Values are checked here: a wrong type raises a TypeError and
    a wrong value a ValueError, each naming the field. ``None`` means the default that
    depends on the data or the device (:meth:`resolved` fills it in).

    Examples
    --------
    >>> config = RunConfig("wht-early", data="digits", model="resnet18", width=16)
    >>> config.name()
    'digits8-resnet18w16-wht-early-spatial-seed0'
    >>> config.resolved().precision, RunConfig("baseline", device="cuda").resolved().precision
    (None, 'bf16')
    >>> config.argv(["variant", "data", "seed"])
    ['--variant', 'wht-early', '--data', 'digits', '--seed', '0']
    >>> RunConfig.from_argv(["--variant", "wht-early", "--data", "digits", "--model",
    ...                      "resnet18", "--width", "16"]) == config
    True

    Introduced in: book/11_transform_layers.ipynb
    """

    variant: str = field(
        metadata=_option(
            f"one of: {', '.join(ALL_VARIANTS)}",
            parse=_variant,
            choices=tuple(ALL_VARIANTS),
            report="row",
        )
    )
    data: str = field(
        default="synthetic",
        metadata=_option(
            "cifar100 (official archive under --data-root), scikit-learn digits, or random "
            "CIFAR-shaped images (for throughput/energy)",
            choices=DATA,
            report="table",
        ),
    )
    data_root: str = field(
        default="data", metadata=_option("folder of cifar-100-python[.tar.gz]", result=False)
    )
    download: bool = field(
        default=False, metadata=_option("download CIFAR-100 if missing", result=False)
    )
    model: str = field(
        default="resnet50", metadata=_option(" or ".join(MODELS), choices=MODELS, report="table")
    )
    width: int = field(
        default=64,
        metadata=_option(
            "base width (64 standard)", parse=_positive_int, check=_POSITIVE, report="table"
        ),
    )
    stem: str = field(
        default="imagenet",
        metadata=_option(
            "imagenet (7x7 stride 2, max pooling) or cifar (3x3 stride 1, for small images)",
            choices=STEMS,
            record=True,
        ),
    )
    axes: str = field(
        default="spatial",
        metadata=_option(
            "axes of the WHT, DCT and Walsh-filter layers: spatial (H and W, the paper's 2-D "
            "WHT) or channel (the ablation); FFT layers act on H, W",
            choices=AXES,
            report="row",
        ),
    )
    weights: str = field(
        default="none",
        metadata=_option("none, torchvision (ImageNet, needs torchvision) or a state_dict path"),
    )
    image_size: int | None = field(
        default=None,
        metadata=_option(
            "input size after resizing on the device (default 224; 8 for digits)",
            parse=_positive_int,
            check=(lambda n: n >= 8, "must be at least 8"),
            report="table",
        ),
    )
    epochs: int | None = field(
        default=None,
        metadata=_option("default 20 (1 in --smoke)", parse=_positive_int, check=_POSITIVE),
    )
    batch_size: int | None = field(
        default=None,
        metadata=_option(
            "global batch size (default 128; 8 in --smoke)",
            parse=_positive_int,
            check=_POSITIVE,
            record=True,
        ),
    )
    steps_per_epoch: int | None = field(
        default=None,
        metadata=_option(
            "cap on training steps per epoch (default: one pass over the data)",
            parse=_positive_int,
            check=_POSITIVE,
        ),
    )
    limit_train: int | None = field(
        default=None,
        metadata=_option(
            "use only the first N training images", parse=_positive_int, check=_POSITIVE
        ),
    )
    limit_test: int | None = field(
        default=None,
        metadata=_option("use only the first N test images", parse=_positive_int, check=_POSITIVE),
    )
    lr: float = field(
        default=1e-3,
        metadata=_option(
            "Adam learning rate",
            parse=float,
            check=(lambda x: math.isfinite(x) and x > 0, "must be a finite number > 0"),
        ),
    )
    weight_decay: float = field(
        default=1e-4,
        metadata=_option(
            "L2 regularization",
            parse=float,
            check=(lambda x: math.isfinite(x) and x >= 0, "must be a finite number >= 0"),
        ),
    )
    dropout: float = field(
        default=0.5,
        metadata=_option(
            "dropout before the head",
            parse=float,
            check=(lambda x: 0.0 <= x < 1.0, "must be in [0, 1)"),
        ),
    )  # also refuses nan
    precision: str | None = field(
        default=None,
        metadata=_option(
            "bf16 (autocast, on CUDA or the CPU) or fp32 (default: bf16 on CUDA, fp32 on the CPU)",
            choices=("bf16", "fp32"),
            record=True,
        ),
    )
    channels_last: bool | None = field(
        default=None,
        metadata=_option(
            "channels-last memory format for the model and its inputs (default: on CUDA only)",
            record=True,
        ),
    )
    compile: bool = field(
        default=False, metadata=_option("torch.compile the model", record="compiled")
    )
    device: str | None = field(
        default=None,
        metadata=_option(
            "cuda or cpu (default: cuda if available)",
            check=(lambda d: _DEVICE.fullmatch(d) is not None, "must be cpu, cuda or cuda:N"),
        ),
    )
    seed: int = field(
        default=0,
        metadata=_option(
            "an integer in [0, 2**64)",
            parse=_seed,
            check=(lambda n: 0 <= n < 2**64, "must be an integer in [0, 2**64)"),
            report="repeat",
        ),
    )
    out: str = field(
        default="book/results", metadata=_option("folder of the JSON records", result=False)
    )
    checkpoint_dir: str | None = field(
        default=None,
        metadata=_option(
            "folder of the per-epoch checkpoints (default OUT/checkpoints)", result=False
        ),
    )
    keep_checkpoint: bool = field(
        default=False,
        metadata=_option("keep the last checkpoint after a finished run", result=False),
    )
    checkpoints: bool = field(
        default=True,
        metadata=_option(
            "no checkpoint after each epoch (a stopped run starts over; for short measurements)",
            result=False,
            flag="--no-checkpoints",
        ),
    )
    resume: bool = field(
        default=False,
        metadata=_option("continue from the checkpoint of an interrupted run", result=False),
    )
    smoke: bool = field(
        default=False,
        metadata=_option(
            "a few steps at a tiny size (32x32, or 8x8 digits), for tests", report="table"
        ),
    )
    progress: bool = field(
        default=True,
        metadata=_option("no progress bars or per-epoch lines", result=False, flag="--no-progress"),
    )
    cpu_memory: bool = field(
        default=False,
        metadata=_option(
            "on the CPU, record as the peak memory how much the process's peak resident memory "
            "(getrusage's ru_maxrss; Unix) grew during training: a measurement only in a process "
            "that runs this run alone (the cpu-speed study starts one per run)",
            result=False,
        ),
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = _typed(f, getattr(self, f.name))
            object.__setattr__(self, f.name, value)  # e.g. numpy.int64(3) -> 3
            problem = _problem(f, value)
            if problem:
                raise ValueError(f"{f.name} {problem}, got {value!r}")
        pointwise = ALL_VARIANTS[self.variant].pointwise
        if pointwise != "conv" and BLOCKS[self.model] != "bottleneck":
            raise ValueError(
                f"variant {self.variant!r} replaces the 1x1 convolutions of bottleneck "
                f"blocks, and model {self.model!r} has {BLOCKS[self.model]} blocks; use "
                f"model {next(m for m, b in BLOCKS.items() if b == 'bottleneck')!r}"
            )

    @classmethod
    def parser(cls, prog: str = PROG) -> argparse.ArgumentParser:
        """The command line's parser: one option per field."""
        p = argparse.ArgumentParser(
            prog=prog,
            description="Train one variant of the ResNet WHT study and write one JSON record.",
        )
        for f in dataclasses.fields(cls):
            meta, option = f.metadata, _option_name(f)
            if meta["flag"]:
                p.add_argument(meta["flag"], dest=f.name, action="store_false", help=meta["help"])
            elif _TYPES[f.name] is bool and _OPTIONAL[f.name]:  # --NAME / --no-NAME / unset
                p.add_argument(
                    option, action=argparse.BooleanOptionalAction, default=None, help=meta["help"]
                )
            elif _TYPES[f.name] is bool:
                p.add_argument(option, action="store_true", help=meta["help"])
            else:
                required = f.default is dataclasses.MISSING
                p.add_argument(
                    option,
                    required=required,
                    help=meta["help"],
                    type=meta["parse"] or str,
                    choices=None if meta["parse"] else meta["choices"],
                    **({} if required else {"default": f.default}),
                )
        return p

    @classmethod
    def from_argv(cls, argv: Sequence[str] | None = None, prog: str = PROG) -> RunConfig:
        """The configuration of a command line; a bad one ends with status 2 and a message
        that names the option and lists what is accepted (argparse's ``error``)."""
        p = cls.parser(prog)
        values = vars(p.parse_args(argv))
        for f in dataclasses.fields(cls):
            problem = _problem(f, values[f.name])
            if problem:
                p.error(f"{_option_name(f)} {problem}, got {values[f.name]!r}")
        try:
            return cls(**values)
        except ValueError as exc:  # settings that do not go together
            p.error(f"--{exc}")

    def argv(self, names: Iterable[str]) -> list[str]:
        """The options that set the fields ``names`` to this configuration's values, in
        that order (a boolean at its default and a None give none)."""
        out: list[str] = []
        for name in names:
            f, value = _FIELDS[name], getattr(self, name)
            if f.metadata["flag"]:
                out += [] if value else [f.metadata["flag"]]
            elif isinstance(value, bool) and _OPTIONAL[name]:
                out += [_option_name(f) if value else "--no-" + _option_name(f)[2:]]
            elif isinstance(value, bool):
                out += [_option_name(f)] if value else []
            elif value is not None:
                out += [_option_name(f), str(value)]
        return out

    def resolved(self) -> RunConfig:
        """This configuration with the defaults that depend on the data filled in, and
        those that depend on the device (precision, memory format) where it is set."""
        smoke = self.smoke
        batch = self.batch_size or (8 if smoke else 128)
        cuda = None if self.device is None else self.device.startswith("cuda")
        return dataclasses.replace(
            self,
            precision=self.precision or (None if cuda is None else "bf16" if cuda else "fp32"),
            channels_last=cuda if self.channels_last is None else self.channels_last,
            image_size=self.image_size or (8 if self.data == "digits" else 32 if smoke else 224),
            epochs=self.epochs or (1 if smoke else 20),
            batch_size=batch,
            limit_train=self.limit_train or (2 * batch if smoke else None),
            limit_test=self.limit_test or (batch if smoke else None),
        )

    def name(self, world: int = 1) -> str:
        """File stem of the run's record and checkpoint, e.g.
        ``"digits8-resnet18w16-wht-early-spatial-seed0"``; runs on more than one process
        (DDP) are marked ``-ddpN``, and runs with the spatial reading ``-spatial`` (the
        channel reading is unmarked, as in the records of chapter 11)."""
        c = self.resolved()
        width = "" if c.width == 64 else f"w{c.width}"
        axes = "-spatial" if c.axes == "spatial" and c.variant != "baseline" else ""
        name = f"{c.data}{c.image_size}-{c.model}{width}-{c.variant}{axes}-seed{c.seed}"
        return name + ("-smoke" if c.smoke else "") + (f"-ddp{world}" if world > 1 else "")


def _option_name(f: dataclasses.Field) -> str:
    return "--" + f.name.replace("_", "-")


def _typed(f: dataclasses.Field, value: Any) -> Any:
    """``value`` as the field's type, or a TypeError (or a ValueError for a choice)."""
    kind = _TYPES[f.name]
    if value is None and _OPTIONAL[f.name]:
        return None
    if kind is bool:
        return _checks.as_bool(value, f.name)
    if kind is int:
        return _checks.as_int(value, f.name)
    if kind is float:
        return _checks.as_real(value, f.name)
    if not isinstance(value, str):
        raise TypeError(f"{f.name} must be a str, got {value!r} ({type(value).__name__})")
    choices = f.metadata["choices"]
    return value if choices is None else _checks.check_choice(f.name, value, choices)


def _problem(f: dataclasses.Field, value: Any) -> str | None:
    """What is wrong with a value of the right type (``must be ...``), or None."""
    check = f.metadata["check"]
    if value is None or check is None:
        return None
    accepts, says = check
    return None if accepts(value) else says


def _hints() -> tuple[dict[str, type], dict[str, bool]]:
    types, optional = {}, {}
    for name, hint in typing.get_type_hints(RunConfig).items():
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        types[name], optional[name] = (args[0], True) if args else (hint, False)
    return types, optional


_FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}
_TYPES, _OPTIONAL = _hints()
#: The record's top-level key of each field it holds (see ``record`` in the metadata).
RECORD_KEYS = {
    name: name if f.metadata["record"] is True else f.metadata["record"]
    for name, f in _FIELDS.items()
    if f.metadata["record"]
}
#: The record fields from the configuration that every record has, with their types.
RECORD_TYPES = {name: _TYPES[name] for name, f in _FIELDS.items() if f.metadata["report"]}
#: Record fields of one table of the report: runs that differ in these are never compared.
TABLE_KEYS = tuple(name for name, f in _FIELDS.items() if f.metadata["report"] == "table")
#: Record fields of one row of a table; its runs differ only in their seed.
ROW_KEYS = tuple(name for name, f in _FIELDS.items() if f.metadata["report"] == "row")
#: Record fields that differ between the runs of one row (repeats of one setting).
REPEAT_KEYS = tuple(name for name, f in _FIELDS.items() if f.metadata["report"] == "repeat")
_NOT_RESULT = frozenset(name for name, f in _FIELDS.items() if not f.metadata["result"])


def result_settings(args: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that decide a run's result, from a resolved configuration's fields as a
    record (``hadalib.experiments.records.settings``) or a checkpoint (its ``args``) holds
    them.

    Every key is kept but those of fields that do not change the result, so a key unknown
    here (of another version) still tells two configurations apart. The device counts by
    its type. A record of the runner before ``--channels-last`` (it has no such key) is
    read as what that runner did: channels-last on CUDA only, and on the CPU fp32
    whatever ``--precision`` said.
    """
    settings = {k: v for k, v in args.items() if k not in _NOT_RESULT}
    settings["device"] = str(settings.get("device") or "cpu").split(":")[0]
    if "channels_last" not in settings:
        cuda = settings["device"] == "cuda"
        settings["channels_last"] = cuda
        settings["precision"] = settings.get("precision") if cuda else "fp32"
    return settings


def differences(saved: Mapping[str, Any], now: Mapping[str, Any], free: Iterable[str] = ()) -> str:
    """The settings that change the result and differ, as ``--lr was 0.001, now 0.01``
    (empty if none); keys in ``free`` are not compared."""
    old, new = result_settings(saved), result_settings(now)
    keys = sorted(k for k in old.keys() | new.keys() if k not in free and old.get(k) != new.get(k))
    return "; ".join(
        f"--{k.replace('_', '-')} was {old.get(k)!r}, now {new.get(k)!r}" for k in keys
    )
