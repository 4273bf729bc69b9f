"""Indexing, functional updates (``at``), ``take`` and sorting ("Indexing routines" and
"Sorting, searching" in NumPy's docs).

Indices are NumPy's: integers, slices, ``None``, ``...``, integer arrays or lists (also
computed, traced ones), and boolean masks with concrete values.  Sorting and searching are
primitives (``lax.sort``, ``argsort``, ``searchsorted``, ``take_along_axis``): their results
depend on the values but their shapes do not, so they stage under ``jit`` and batch under
``vmap``.  The permutation has no derivative; the sorted values follow their inputs.
"""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import get_aval, is_tracer
from ..lax.indexing import getitem_p, has_duplicates, parse_index, scatter_add_p, scatter_set_p
from ._util import asarray_any, concrete, dtype_of, ndim_of, no_out, normalize_axis, shape_of
from .fastpath import PLAIN_TYPES, numpy_fast_path, plain_sequence

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
        return any(is_tracer(i) for i in index)
    return is_tracer(index)


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
    traced = any(is_tracer(v) for v in (x, values, *arrays))
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
    """``indices`` (plain or traced integers) brought into ``range(n)`` as ``mode`` says."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    idx = asarray_any(indices)
    if dtype_of(idx).kind not in "iu":
        raise IndexError(f"take: indices must be integers, got dtype {dtype_of(idx)}")
    if not is_tracer(idx):
        idx = np.asarray(idx)
        if mode == "wrap":
            return idx % n if n else idx
        if mode == "clip":
            return np.clip(idx, 0, max(n - 1, 0))
        return idx
    # Traced indices: the gather takes them as operands ("raise" checks them when it runs).
    if mode == "wrap" and n:
        return lax.remainder(idx, np.asarray(n, dtype_of(idx)))
    if mode == "clip":
        return lax.minimum(lax.maximum(idx, np.asarray(0, dtype_of(idx))),
                           np.asarray(max(n - 1, 0), dtype_of(idx)))
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
    if not is_tracer(idx):
        return getitem(a, (slice(None),) * axis + (idx,))
    # Traced indices: a gather along the axis, which batches under vmap without a loop.
    shape, ishape = shape_of(a), shape_of(idx)
    flat = lax.reshape(idx, (-1,))
    if dtype_of(flat) != np.intp:
        flat = lax.convert_element_type(flat, np.dtype(np.intp))
    full = shape[:axis] + (shape_of(flat)[0],) + shape[axis + 1:]
    flat = lax.broadcast_to(lax.reshape(flat, (1,) * axis + (-1,) + (1,) * (len(shape) - axis - 1)),
                            full)
    return lax.reshape(lax.take_along_axis(a, flat, axis), shape[:axis] + ishape + shape[axis + 1:])


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

    The indices may be computed values (say an ``argsort`` under ``jit`` or ``vmap``);
    the result is differentiable in ``arr``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.array([[3.0, 1.0], [0.5, 2.0]])
    >>> cnp.take_along_axis(x, cnp.argsort(x, axis=1), axis=1)
    array([[1. , 3. ],
           [0.5, 2. ]])
    """
    arr, indices = asarray_any(arr), asarray_any(indices)
    if dtype_of(indices).kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    if axis is None:
        if ndim_of(indices) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        arr, axis = lax.reshape(arr, (-1,)), 0
    axis = normalize_axis(axis, ndim_of(arr))
    if ndim_of(indices) != ndim_of(arr):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    ishape, ashape = shape_of(indices), shape_of(arr)
    shape = np.broadcast_shapes(tuple(1 if i == axis else n for i, n in enumerate(ishape)),
                                tuple(1 if i == axis else n for i, n in enumerate(ashape)))
    ishape = tuple(ishape[axis] if i == axis else n for i, n in enumerate(shape))
    ashape = tuple(ashape[axis] if i == axis else n for i, n in enumerate(shape))
    if dtype_of(indices) != np.intp:
        indices = lax.convert_element_type(indices, np.dtype(np.intp))
    return lax.take_along_axis(lax.broadcast_to(arr, ashape),
                               lax.broadcast_to(indices, ishape), axis)


def _sort_axis(a, axis):
    a = asarray_any(a)
    if axis is None:
        return lax.reshape(a, (-1,)), 0
    if ndim_of(a) == 0:
        raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension 0")
    return a, normalize_axis(axis, ndim_of(a))


def _no_order(order, name):
    if order is not None:
        raise ValueError(f"chainrule.numpy.{name}: order= applies to structured arrays, "
                         "which chainrule does not trace")


@numpy_fast_path(np.argsort)
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Indices that sort ``a`` along ``axis`` (an integer result, no derivative).

    On traced values the sort is always stable (ties keep their order), which is one of
    the orders NumPy may return.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.argsort(cnp.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    _no_order(order, "argsort")
    a, axis = _sort_axis(a, axis)
    return lax.argsort(a, axis)


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
    _no_order(order, "sort")
    a, axis = _sort_axis(a, axis)
    return lax.sort(a, axis)


@numpy_fast_path(np.searchsorted, ("a", "v"), optional=("sorter",))
def searchsorted(a, v, side="left", sorter=None):
    """Insertion points of ``v`` into sorted ``a`` (an integer result, no derivative).

    ``a`` and ``v`` may both be traced values (under ``jit`` and ``vmap`` too).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.searchsorted(cnp.array([1.0, 2.0, 3.0]), cnp.array([2.5, 0.0]))
    array([2, 0])
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    a, v = asarray_any(a), asarray_any(v)
    if ndim_of(a) != 1:
        raise ValueError("object too deep for desired array" if ndim_of(a) > 1 else
                         "object of too small depth for desired array")
    if sorter is not None:
        a = take_along_axis(a, asarray_any(sorter), 0)
    # Compare in the common dtype, as NumPy does.
    dtype = np.result_type(get_aval(a).dummy(), get_aval(v).dummy())
    a = a if dtype_of(a) == dtype else lax.convert_element_type(a, dtype)
    v = v if dtype_of(v) == dtype else lax.convert_element_type(v, dtype)
    return lax.searchsorted(a, v, side)


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
    if type(choices) in PLAIN_TYPES or is_tracer(choices):
        choices = [choices[i] for i in range(shape_of(choices)[0])]
    choices = [asarray_any(c) for c in choices]
    if all(type(c) in PLAIN_TYPES for c in choices) and type(a) in PLAIN_TYPES:
        return np.choose(a, choices, mode=mode)
    idx = asarray_any(a)
    if dtype_of(idx).kind not in "iu":
        raise TypeError(f"choose: the index array must be integers, got dtype {dtype_of(idx)}")
    n = len(choices)
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    if is_tracer(idx):
        # Traced indices (jit, vmap): wrap or clip them as values; with "raise" an index out
        # of range fails when the gather runs.
        idx = _indices(idx, n, mode)
    else:
        idx = np.asarray(idx)
        if mode == "wrap":
            idx = idx % n
        elif mode == "clip":
            idx = np.clip(idx, 0, n - 1)
        elif idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError("invalid entry in choice array")
    shape = np.broadcast_shapes(shape_of(idx), *[shape_of(c) for c in choices])
    dtype = np.result_type(*[np.zeros((), dtype_of(c)) for c in choices])
    parts = [lax.reshape(lax.broadcast_to(_cast(c, dtype), shape), (1,) + shape)
             for c in choices]
    stacked = lax.concatenate(parts, 0)
    idx = lax.broadcast_to(idx, shape)
    if dtype_of(idx) != np.intp:
        idx = lax.convert_element_type(idx, np.dtype(np.intp))
    return lax.reshape(lax.take_along_axis(stacked, lax.reshape(idx, (1,) + shape), 0), shape)


def _cast(x, dtype):
    return x if dtype_of(x) == dtype else lax.convert_element_type(x, dtype)


# --- functional updates: at(x)[idx].set(v) -------------------------------------------
class _IndexUpdateRef:
    """``at(x)[index]``: the updates it offers each return a new array."""

    def __init__(self, array, index):
        self.array, self.index = array, index

    def _update(self, values, mode):
        return index_update(self.array, self.index, values, mode)

    def set(self, values):
        """``x`` with ``x[index] = values``."""
        return self._update(values, "set")

    def add(self, values):
        """``x`` with ``x[index] += values`` (repeated indices accumulate)."""
        return self._update(values, "add")

    def multiply(self, values):
        """``x`` with ``x[index] *= values``."""
        return self._update(values, "multiply")

    def min(self, values):
        """``x`` with ``x[index] = minimum(x[index], values)``."""
        return self._update(values, "min")

    def max(self, values):
        """``x`` with ``x[index] = maximum(x[index], values)``."""
        return self._update(values, "max")

    def get(self):
        """``x[index]``."""
        return getitem(self.array, self.index)


class IndexUpdateHelper:
    """``at(x)[idx].set(v)`` and friends: functional updates that return a new array.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.zeros(3)
    >>> cnp.at(x)[1].set(5.0)
    array([0., 5., 0.])
    >>> x  # unchanged
    array([0., 0., 0.])
    """

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return _IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


__all__ = ["argsort", "at", "choose", "compress", "extract", "getitem", "searchsorted", "sort",
           "sort_complex", "take", "take_along_axis"]
