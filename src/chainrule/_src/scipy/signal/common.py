"""Helpers shared by the ``chainrule.scipy.signal`` modules."""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy.conversion import dtype_of

from ...core import is_tracer


class _LazyScipySignal:
    """``scipy.signal``, imported on first use: it imports ``scipy.stats`` (about half a
    second), which ``import chainrule.scipy`` should not pay for."""

    def __getattr__(self, name):
        import scipy.signal
        value = getattr(scipy.signal, name)
        setattr(self, name, value)
        return value


scipy_signal = _LazyScipySignal()


def any_traced(*args):
    """Whether any argument is a traced value: otherwise SciPy's own function answers."""
    return any(is_tracer(a) for a in args)


def float_dtype(*args):
    """The floating (or complex) dtype the traced computation runs in."""
    return np.result_type(*(dtype_of(a) for a in args if a is not None), np.float64)


def as_float(a, dtype):
    return cnp.astype(cnp.asarray(a), dtype)
