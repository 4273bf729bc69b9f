"""Data-parallel gradients on Dask: a loss summed over a dataset too large for one machine.

:func:`value_and_grad` computes the loss and its gradient over a dataset stored as a Dask
array (or a list of files and a loader) map-reduce style: each chunk's ``value_and_grad``
runs on the worker that holds the chunk, and the per-chunk gradients are summed by a tree
reduction.  :class:`Objective` keeps the set-up for repeated calls (an optimizer's loop,
``chainrule.optimize.minimize(objective, x0, jac=True)``).  See ``docs/scaling.md``.
"""

from ._mapreduce import Objective, value_and_grad

__all__ = ["Objective", "value_and_grad"]
