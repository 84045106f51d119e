"""The experiments of the transform-layer chapters.

Command lines (``python -m ... --help``):

- :mod:`hadalib.experiments.resnet_wht`: train and measure one variant, alone or under
  ``torchrun``, writing one JSON per run;
- :mod:`hadalib.experiments.study`: the studies of chapters 11 and 12 as lists of such
  runs (``python -m hadalib.experiments.study digits|cpu-speed|gpu|gpu-compiled|cifar100``);
- :mod:`hadalib.experiments.report`: means and 95% intervals over seeds, the tables of
  chapters 11 and 12 (``python -m hadalib.experiments.report book/results/``).

``make gpu-study`` runs the GPU work of chapter 12 and appendix A in invocations of under 7
minutes, the first of which records the headline; it is a tool of the repository
(``tools/gpu_study.py``), not of the library.

Behind them, one module per concern:

- :mod:`hadalib.experiments.config`: ``RunConfig``, the typed settings of one run, from
  which the parser, the run's name, the resume comparison and the report's grouping come;
- :mod:`hadalib.experiments.training`: the training loop, with a hook after each epoch;
- :mod:`hadalib.experiments.records`: the JSON record of a run (its checks, provenance
  and atomic writing);
- :mod:`hadalib.experiments.runner`: one run, from its configuration to its record
  (devices, DDP, checkpoints, refusals).

``report`` and ``study --dry-run`` need no torch.
"""

from __future__ import annotations

# The interface is the submodules above, each imported by name (most need torch).
__all__: list[str] = []
