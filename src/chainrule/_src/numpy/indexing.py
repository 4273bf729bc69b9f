"""Indexing and functional updates (``at``)."""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import Tracer, get_aval
from ..lax.indexing import getitem_p, has_duplicates, parse_index, scatter_add_p, scatter_set_p
from .tracer_methods import IndexUpdateHelper


def getitem(a, index):
    """``a[index]`` with NumPy semantics (basic, integer-array and boolean-mask indexing)."""
    spec, arrays = parse_index(index, get_aval(a).ndim)
    return getitem_p.bind(a, *arrays, spec=spec)


def at(x):
    """Functional index updates: ``at(x)[idx].set(v)``, ``.add``, ``.multiply``, ``.min``,
    ``.max`` and ``.get()``.  The input is never modified; a new array is returned.

    Works on plain arrays and on traced values alike (on traced values ``x.at[idx]`` works
    too, as in JAX).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.at(cnp.zeros(4))[cnp.array([0, 0, 2])].add(1.0)
    array([2., 0., 1., 0.])
    """
    return IndexUpdateHelper(x)


_UFUNC_AT = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}


def index_update(x, index, values, mode):
    spec, arrays = parse_index(index, get_aval(x).ndim)
    if mode == "add":
        return scatter_add_p.bind(x, values, *arrays, spec=spec)
    traced = any(isinstance(v, Tracer) for v in (x, values, *arrays))
    if not traced and isinstance(x, np.ndarray) and mode != "set":
        out = np.array(x, copy=True, dtype=np.result_type(x, values))
        _UFUNC_AT[mode].at(out, index, values)
        return out
    if traced and has_duplicates(get_aval(x).shape, spec, arrays):
        # With repeated indices only one written copy survives; which one NumPy keeps is
        # unspecified, so the derivative would be too.  Refuse rather than guess.
        raise ValueError(
            f"at[...].{mode}() with repeated indices is only supported on plain arrays, not "
            "on values being differentiated. Combine the repeated entries first (for "
            "example multiply their values together) and index each position once.")
    if mode == "set":
        return scatter_set_p.bind(x, values, *arrays, spec=spec)
    current = getitem_p.bind(x, *arrays, spec=spec)
    if mode == "multiply":
        new = lax.mul(current, values)
    elif mode == "min":
        new = lax.minimum(current, values)
    else:
        new = lax.maximum(current, values)
    return scatter_set_p.bind(x, new, *arrays, spec=spec)


def take(a, indices, axis=None):
    """Take elements along ``axis`` (of the flattened array when None)."""
    if axis is None:
        return getitem(lax.reshape(a, (-1,)), np.asarray(indices) if not isinstance(
            indices, Tracer) else indices)
    nd = get_aval(a).ndim
    axis %= nd
    return getitem(a, (slice(None),) * axis + (indices,))
