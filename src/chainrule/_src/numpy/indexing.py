"""Indexing, functional updates (``at``), ``take`` and sorting ("Indexing routines" and
"Sorting, searching" in NumPy's docs).

Indices are NumPy's: integers, slices, ``None``, ``...``, integer arrays or lists, and
boolean masks with concrete values.  Sorting needs the values themselves (the permutation
has no derivative); the sorted values are a gather, so they are differentiable.
"""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import Tracer
from ..lax.indexing import getitem_p, has_duplicates, parse_index, scatter_add_p, scatter_set_p
from ._util import asarray_any, concrete, dtype_of, ndim_of, no_out, normalize_axis, shape_of
from .fastpath import PLAIN_TYPES, numpy_fast_path, plain_sequence
from .tracer_methods import IndexUpdateHelper

_ND = np.ndarray


def getitem(a, index):
    """``a[index]`` with NumPy semantics (basic, integer-array and boolean-mask indexing).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> x = cnp.arange(6.0).reshape(2, 3)
    >>> cnp.getitem(x, (..., [0, 2]))
    array([[0., 2.],
           [3., 5.]])
    >>> cr.grad(lambda x: cnp.getitem(x, x > 2.0).sum())(x)
    array([[0., 0., 0.],
           [1., 1., 1.]])
    """
    if type(a) in PLAIN_TYPES and not _has_tracer(index):
        return np.asarray(a)[index]
    a = asarray_any(a)
    spec, arrays = parse_index(index, ndim_of(a))
    return getitem_p.bind(a, *arrays, spec=spec)


def _has_tracer(index):
    if isinstance(index, tuple):
        return any(isinstance(i, Tracer) for i in index)
    return isinstance(index, Tracer)


def at(x):
    """Functional index updates: ``at(x)[idx].set(v)``, ``.add``, ``.multiply``, ``.min``,
    ``.max`` and ``.get()``.  The input is never modified; a new array is returned.

    Works on plain arrays and on traced values alike (on traced values ``x.at[idx]`` works
    too, as in JAX).  The result keeps the dtype of ``x``.  ``add`` accumulates repeated
    indices; the other updates accept repeated indices on plain arrays only.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.at(cnp.zeros(4))[cnp.array([0, 0, 2])].add(1.0)
    array([2., 0., 1., 0.])
    >>> cr.grad(lambda v: cnp.at(cnp.zeros(3))[1].set(v * v).sum())(3.0)
    np.float64(6.0)
    """
    return IndexUpdateHelper(x)


_UFUNC_AT = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}


def _as_dtype(values, dtype):
    values = asarray_any(values)
    if dtype_of(values) == dtype or isinstance(values, (int, float, complex, bool)) and (
            np.result_type(np.zeros((), dtype), values) == dtype):
        return values
    return lax.convert_element_type(values, dtype)


def index_update(x, index, values, mode):
    """``x`` with ``x[index]`` updated by ``values`` (``mode``: set, add, multiply, min,
    max); the implementation behind :func:`at`."""
    x = asarray_any(x)
    spec, arrays = parse_index(index, ndim_of(x))
    values = _as_dtype(values, dtype_of(x))
    if mode == "add":
        return scatter_add_p.bind(x, values, *arrays, spec=spec)
    traced = any(isinstance(v, Tracer) for v in (x, values, *arrays))
    if not traced and isinstance(x, np.ndarray) and mode != "set":
        out = np.array(x, copy=True)
        _UFUNC_AT[mode].at(out, index, values)
        return out
    if traced and has_duplicates(shape_of(x), spec, arrays):
        # With repeated indices only one written copy survives; which one NumPy keeps is
        # unspecified, so the derivative would be too.  Refuse rather than guess.
        raise ValueError(
            f"at[...].{mode}() with repeated indices (or traced index arrays of more than one "
            "element, which could repeat) is only supported on plain arrays, not on values "
            "traced by jit, grad or vmap. Combine the repeated entries first (for example "
            "multiply their values together) and index each position once.")
    if mode == "set":
        return scatter_set_p.bind(x, values, *arrays, spec=spec)
    current = getitem_p.bind(x, *arrays, spec=spec)
    update = {"multiply": lax.mul, "min": lax.minimum, "max": lax.maximum}[mode]
    return scatter_set_p.bind(x, update(current, values), *arrays, spec=spec)


def _indices(indices, n, mode):
    idx = np.asarray(concrete(indices, "take"))
    if idx.dtype.kind not in "iu":
        raise IndexError(f"take: indices must be integers, got dtype {idx.dtype}")
    if mode == "wrap":
        return idx % n if n else idx
    if mode == "clip":
        return np.clip(idx, 0, max(n - 1, 0))
    if mode != "raise":
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    return idx


@numpy_fast_path(np.take, ("a", "indices"))
def take(a, indices, axis=None, out=None, mode="raise"):
    """Take elements along ``axis`` (of the flattened array when None).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.take(cnp.array([[1.0, 2.0], [3.0, 4.0]]), [1, 0], axis=1)
    array([[2., 1.],
           [4., 3.]])
    """
    no_out(out, "take")
    a = asarray_any(a)
    if axis is None:
        a, axis = lax.reshape(a, (-1,)), 0
    axis = normalize_axis(axis, ndim_of(a))
    idx = _indices(indices, shape_of(a)[axis], mode)
    return getitem(a, (slice(None),) * axis + (idx,))


def _along_axis_index(shape, indices, axis):
    """Index tuple that picks ``indices`` along ``axis`` and broadcasts the other axes."""
    nd = len(shape)
    index = []
    for i in range(nd):
        if i == axis:
            index.append(indices)
        else:
            index.append(np.arange(shape[i]).reshape([-1 if k == i else 1 for k in range(nd)]))
    return tuple(index)


@numpy_fast_path(np.take_along_axis, ("arr", "indices"))
def take_along_axis(arr, indices, axis=-1):
    """Pick values along ``axis`` with an index array of the same number of dimensions.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.array([[3.0, 1.0], [0.5, 2.0]])
    >>> cnp.take_along_axis(x, cnp.argsort(x, axis=1), axis=1)
    array([[1. , 3. ],
           [0.5, 2. ]])
    """
    arr = asarray_any(arr)
    idx = np.asarray(concrete(indices, "take_along_axis"))
    if axis is None:
        arr, axis = lax.reshape(arr, (-1,)), 0
    axis = normalize_axis(axis, ndim_of(arr))
    if idx.ndim != ndim_of(arr):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    shape = np.broadcast_shapes(tuple(1 if i == axis else n for i, n in enumerate(idx.shape)),
                                tuple(1 if i == axis else n
                                      for i, n in enumerate(shape_of(arr))))
    shape = tuple(idx.shape[i] if i == axis else n for i, n in enumerate(shape))
    idx = np.broadcast_to(idx, shape)
    arr = lax.broadcast_to(arr, tuple(shape_of(arr)[i] if i == axis else n
                                      for i, n in enumerate(shape)))
    return getitem(arr, _along_axis_index(shape_of(arr), idx, axis))


@numpy_fast_path(np.argsort)
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Indices that sort ``a`` along ``axis`` (an integer result, no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.argsort(cnp.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    return np.argsort(concrete(asarray_any(a), "argsort"), axis, kind, order, stable=stable)


@numpy_fast_path(np.sort)
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted copy of ``a``; the derivative follows each value to its sorted position.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.sort(cnp.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    >>> cr.grad(lambda x: cnp.sort(x)[0])(cnp.array([3.0, 1.0, 2.0]))
    array([0., 1., 0.])
    """
    a = asarray_any(a)
    if axis is None:
        a, axis = lax.reshape(a, (-1,)), 0
    return take_along_axis(a, argsort(a, axis, kind, order, stable=stable), axis)


@numpy_fast_path(np.searchsorted, ("a", "v"), optional=("sorter",))
def searchsorted(a, v, side="left", sorter=None):
    """Insertion points of ``v`` into sorted ``a`` (an integer result, no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.searchsorted(cnp.array([1.0, 2.0, 3.0]), cnp.array([2.5, 0.0]))
    array([2, 0])
    """
    return np.searchsorted(concrete(asarray_any(a), "searchsorted"),
                           concrete(asarray_any(v), "searchsorted"), side, sorter)


@numpy_fast_path(np.sort_complex)
def sort_complex(a):
    """``a`` sorted by real part, then imaginary part, as a complex array (the derivative
    follows each value, as in :func:`sort`).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.sort_complex(cnp.array([2.0 + 1j, 1.0 - 1j, 2.0 - 3j]))
    array([1.-1.j, 2.-3.j, 2.+1.j])
    """
    a = asarray_any(a)
    dtype = np.sort_complex(np.zeros(0, dtype_of(a))).dtype
    out = sort(a, axis=-1)
    return out if dtype_of(out) == dtype else lax.convert_element_type(out, dtype)


def _concrete_mask(condition, name):
    return np.asarray(concrete(asarray_any(condition), name))


@numpy_fast_path(np.compress, ("condition", "a"))
def compress(condition, a, axis=None, out=None):
    """The slices of ``a`` along ``axis`` (of the flattened array when None) where the 1-D
    ``condition`` is true; ``condition`` may be shorter than the axis.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.compress([True, False, True], cnp.array([[1.0, 2.0, 3.0]]), axis=1)
    array([[1., 3.]])
    """
    no_out(out, "compress")
    cond = _concrete_mask(condition, "compress")
    if cond.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    a = asarray_any(a)
    if axis is None:
        a, axis = lax.reshape(a, (-1,)), 0
    axis = normalize_axis(axis, ndim_of(a))
    idx = np.flatnonzero(cond)
    if idx.size and idx[-1] >= shape_of(a)[axis]:
        raise IndexError(f"index {idx[-1]} is out of bounds for axis {axis} with size "
                         f"{shape_of(a)[axis]}")
    return getitem(a, (slice(None),) * axis + (idx,))


@numpy_fast_path(np.extract, ("condition", "arr"))
def extract(condition, arr):
    """The elements of ``arr`` where ``condition`` is nonzero, as a 1-D array (both read
    flattened).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.arange(6.0).reshape(2, 3)
    >>> cnp.extract(x % 2 == 1, x)
    array([1., 3., 5.])
    """
    cond = _concrete_mask(condition, "extract")
    return take(lax.reshape(asarray_any(arr), (-1,)), np.flatnonzero(cond))


def choose(a, choices, out=None, mode="raise"):
    """Element ``i`` of the result is element ``i`` of ``choices[a[i]]`` (``a`` and the
    choices broadcast together); ``mode`` says what to do with indices out of range.

    Differentiable in the choices; ``a`` must be concrete integers.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.choose([1, 0, 1], [cnp.array([1.0, 2.0, 3.0]), cnp.array([10.0, 20.0, 30.0])])
    array([10.,  2., 30.])
    """
    if out is None and (type(a) is _ND or type(a) in PLAIN_TYPES or plain_sequence(a)) and (
            type(choices) is _ND or plain_sequence(choices)):
        return np.choose(a, choices, None, mode)
    no_out(out, "choose")
    if type(choices) in PLAIN_TYPES or isinstance(choices, Tracer):
        choices = [choices[i] for i in range(shape_of(choices)[0])]
    choices = [asarray_any(c) for c in choices]
    if all(type(c) in PLAIN_TYPES for c in choices) and type(a) in PLAIN_TYPES:
        return np.choose(a, choices, mode=mode)
    idx = np.asarray(concrete(asarray_any(a), "choose"))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"choose: the index array must be integers, got dtype {idx.dtype}")
    n = len(choices)
    if mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    elif mode != "raise":
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    elif idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError("invalid entry in choice array")
    shape = np.broadcast_shapes(idx.shape, *[shape_of(c) for c in choices])
    dtype = np.result_type(*[np.zeros((), dtype_of(c)) for c in choices])
    parts = [lax.reshape(lax.broadcast_to(_cast(c, dtype), shape), (1,) + shape)
             for c in choices]
    stacked = lax.concatenate(parts, 0)
    grids = np.indices(shape, sparse=True) if shape else ()
    return getitem(stacked, (np.broadcast_to(idx, shape), *grids))


def _cast(x, dtype):
    return x if dtype_of(x) == dtype else lax.convert_element_type(x, dtype)


__all__ = ["argsort", "at", "choose", "compress", "extract", "getitem", "searchsorted", "sort",
           "sort_complex", "take", "take_along_axis"]
