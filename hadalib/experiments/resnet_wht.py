"""Train and measure one variant of the ResNet WHT study; one JSON per run.

Usage (one GPU, or the CPU)::

    python -m hadalib.experiments.resnet_wht --variant wht-early --data cifar100 \\
        --epochs 20 --seed 0 --out book/results/

and unchanged on N GPUs::

    torchrun --standalone --nproc_per_node=N -m hadalib.experiments.resnet_wht ...

The options are the fields of ``hadalib.experiments.config.RunConfig``; the run is
``hadalib.experiments.runner.run``. Each epoch ends with a checkpoint; ``--resume``
continues an interrupted run exactly where it stopped (same data order, same random
state), and keeps a finished record instead of training again. Both happen only for the
same settings (every argument that changes the result): a record or checkpoint made with
others is refused, naming the differences, and is never overwritten. The JSON record
holds the accuracy and loss curves, throughput, peak memory, energy (NVML) and a
provenance block; it is written atomically by rank 0, through a temporary file
``TARGET.PID@HOST.*.resnet_wht-partial`` beside it that the next start removes if a
killed process left it.

Bad arguments, files and runs (an unwritable ``--out``, a damaged checkpoint, a loss
that is no longer finite) end with a one-line message and exit status 2, never a
traceback, and all but a diverging loss before any training.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from hadalib.experiments.config import RunConfig
from hadalib.experiments.runner import Refused, run
from hadalib.experiments.training import EpochHook

__all__ = ["main"]


def main(
    argv: Sequence[str] | None = None, on_epoch: EpochHook | None = None
) -> dict[str, Any] | None:
    """Run the command line: train one variant and write its JSON record.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``); ``--help`` lists them.
    on_epoch : callable, optional
        Called after each epoch (once its checkpoint is saved) with the epoch's metrics,
        e.g. to watch a run or to stop it.

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

    Introduced in: book/11_transform_layers.ipynb
    """
    config = RunConfig.from_argv(argv)
    try:
        return run(config, on_epoch)
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise


if __name__ == "__main__":
    main()
