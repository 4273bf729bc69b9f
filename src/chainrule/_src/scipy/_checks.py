"""Checks of input values that may be known only when a compiled function runs."""

from __future__ import annotations

import numpy as np

from ..control.custom import stop_gradient
from ..control.pure_callback import ShapeDtypeStruct, pure_callback


def checked_when_run(x, problem):
    """``x`` itself, checked by ``problem(values) -> message or None`` when its values
    become known: under ``jit`` they are not while tracing, so the compiled function runs
    the check (a callback on the values, not differentiated) and raises ``ValueError`` with
    the message instead of returning a silently wrong result."""
    def check(xv):
        message = problem(np.asarray(xv))
        if message is not None:
            raise ValueError(message)
        return np.zeros((), xv.dtype)

    flag = pure_callback(check, ShapeDtypeStruct((), x.dtype), stop_gradient(x))
    return x + stop_gradient(flag)  # a zero that ties the check to the result
