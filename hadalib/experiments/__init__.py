"""The experiments of the transform-layer chapters.

- :mod:`hadalib.experiments.resnet_wht`: the command line that trains and measures one
  variant (``python -m hadalib.experiments.resnet_wht --help``), alone or under
  ``torchrun``, writing one JSON per run;
- :mod:`hadalib.experiments.study`: the studies of chapters 9 and 10 as lists of such
  runs (``python -m hadalib.experiments.study digits|gpu|cifar100``);
- :mod:`hadalib.experiments.report`: means and 95% intervals over seeds, the tables of
  chapters 9 and 10 (``python -m hadalib.experiments.report book/results/``).
"""

from __future__ import annotations
