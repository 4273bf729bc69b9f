"""Helpers shared by the ``chainrule.numpy`` modules (private)."""

from __future__ import annotations

import numpy as np

from ..core import concrete_value, innermost_value, is_tracer
# The shape helpers accept nested sequences, which need ``asarray``: they live with it.
from .conversion import asarray_any, dtype_of, ndim_of, shape_of  # noqa: F401

NoValue = np._NoValue


def given(x) -> bool:
    """Whether an optional argument with NumPy's ``<no value>`` default was passed."""
    return x is not NoValue


def normalize_axes(axis, ndim, name="axis") -> tuple:
    """``axis`` (None, an int or a sequence of ints) as a sorted tuple of axes in
    ``range(ndim)``; negative axes count from the end, as in NumPy."""
    if axis is None:
        return tuple(range(ndim))
    try:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    except TypeError:
        raise TypeError(f"{name} must be None, an integer or a tuple of integers, "
                        f"got {axis!r}") from None
    if ndim == 0 and all(type(a) is not bool and a in (0, -1) for a in axes):
        return ()  # NumPy accepts axis 0 of a 0-d array (there is nothing to reduce)
    out = []
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name} must be an integer or a tuple of integers, got {a!r}")
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{name} {a} is out of bounds for array of dimension {ndim}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate value in '{name}': {axis!r}")
    return tuple(sorted(out))


def normalize_axis(axis, ndim, name="axis") -> int:
    """One axis in ``range(ndim)``."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{name} {axis} is out of bounds for array of dimension {ndim}")
    return int(axis) % ndim


def no_out(out, name):
    """Reject NumPy's ``out=`` argument: chainrule never writes into arrays."""
    if out is not None:
        raise TypeError(f"chainrule.numpy.{name} does not support out=: arrays are never "
                        f"modified in place. Use the returned value instead "
                        f"(y = chainrule.numpy.{name}(...)).")


def scalar_if_0d(x):
    """A 0-d NumPy array as a NumPy scalar, as NumPy's own functions return them."""
    if type(x) is np.ndarray and x.ndim == 0:
        return x[()]
    return x


def zero_of(a):
    """A 0-d zero with the dtype of ``a`` (keeps integer arrays integer in ``where``)."""
    return np.zeros((), dtype_of(a))


SHAPE = "the shape of its result depends on them"


def concrete(x, name, why=SHAPE):
    """The concrete value behind ``x``, for operations that need the numbers themselves
    (data-dependent shapes, value checks); an error if ``x`` is only known abstractly.

    ``why`` completes "needs the values of its input because ..." in that error."""
    if not is_tracer(x):
        return x
    x.check_usable()
    value = concrete_value(x)
    if value is None:
        raise TypeError(_abstract_value_message(x, name, why))
    return value


def _abstract_value_message(x, name, why=SHAPE):
    """Why ``x`` has no concrete value, and what to do, for the transform responsible."""
    x = innermost_value(x)
    transform = x.trace_name if is_tracer(x) else ""
    head = f"chainrule.numpy.{name} needs the values of its input because {why}"
    if "vmap" in transform:
        return (f"{head}, and under {transform} the input holds a whole batch at once, "
                "whose examples may differ. Loop over the examples in Python instead of "
                "vmapping this function.")
    return (f"{head}, and under {transform or 'jit'} the values are only known abstractly "
            "while the program is being staged. Call it outside the jitted function; if "
            "the input is a fixed setting rather than a value being fitted or "
            "differentiated, it can also be marked static (jit(..., static_argnums=...)).")


__all__: list[str] = []
