"""Policies for :func:`chainrule.checkpoint`: which intermediates to store for the backward
pass (the rest is recomputed).

A policy is a callable ``policy(primitive, *avals, **params) -> bool``, asked about every
primitive the checkpointed function applies.
"""

from chainrule._src.control.checkpoint import (dots_saveable, everything_saveable,  # noqa: F401
                                       nothing_saveable, save_dots)

__all__ = ["dots_saveable", "everything_saveable", "nothing_saveable", "save_dots"]
