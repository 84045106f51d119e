"""Drawing functions of the book's figures and widgets, by topic.

Each ``draw_*`` function draws onto the matplotlib ``Figure`` it is given,
``draw(fig, **values)``, so that :mod:`hadalib.widgets` can show it live, as a
kernel-free player or as a static figure. Each lives in the module of its topic
and is reachable from here under its own name, imported on first use: importing
this package loads nothing else, and only the deep-learning figures load torch.

========================  ===============================================================
module                    figures
========================  ===============================================================
``products``              :func:`draw_products`, :func:`draw_broadcasting`
``backprop``              :func:`draw_training`
``convolution``           :func:`draw_window_walk`, :func:`draw_padding_modes`,
                          :func:`draw_feature_maps`
``matrices``              :func:`draw_walsh_functions`
``spectra``               :func:`draw_walsh_spectrum`, :func:`draw_dyadic_convolution`
``butterfly``             :func:`draw_butterfly`
``quantum``               :func:`draw_bloch`, :func:`draw_circuit`, :func:`draw_grover`,
                          :func:`draw_qiskit_circuit` (Qiskit's drawer)
``signal``                :func:`draw_reconstruction`, :func:`draw_multiplexing_gain`,
                          :func:`draw_walsh_cdma`
``networks`` (torch)      :func:`draw_transform_layer`, :func:`draw_walsh_filter_fit`
``study``                 :func:`draw_variant_intervals`, :func:`draw_study_curves`,
                          :func:`draw_energy_plausibility`, :func:`draw_seed_interval`
``diagrams``              :func:`draw_network`, :func:`draw_multichannel_convolution`,
                          :func:`draw_resnet_placements`
========================  ===============================================================

The example inputs these figures draw come from :mod:`hadalib.examples`.
``python -m hadalib.plotting.study FOLDER --figures DIR`` saves the study
figures of a folder of run records as PNG files.
"""

from __future__ import annotations

import pkgutil

from hadalib._lazy import exported_names, lazy_attributes

# Each topic module's drawing functions, from its own __all__ (``study`` also lists its
# command line's ``main``, which stays there).
_WHERE = {
    name: topic.name
    for topic in pkgutil.iter_modules(__path__)
    if not topic.name.startswith("_")
    for name in exported_names(__name__, topic.name)
    if name.startswith("draw_")
}

__all__ = list(_WHERE)


__getattr__, __dir__ = lazy_attributes(__name__, _WHERE, __all__)
