"""Array manipulation, continued ("Array manipulation routines" in NumPy's docs): adding and
removing elements (``insert``, ``delete``, ``trim_zeros``, ``resize``), assembling blocks,
``unstack``, and the conversions that check or describe their input (``asarray_chkfinite``,
``asfortranarray``, ``require``).

Every result is made of elements of the inputs, so each function is a gather (or a
concatenation) of differentiable values.  Which elements are taken is decided on concrete
index arguments; where NumPy's rules for that are intricate (``insert``, ``delete``,
``resize``) NumPy itself computes them on an array of element numbers, so the semantics
(and the errors) are NumPy's own.
"""

from __future__ import annotations

import numpy as np

from . import base as cnp

from ..core import is_tracer
from ._util import asarray_any, concrete, dtype_of, ndim_of, normalize_axes, normalize_axis, \
    shape_of
from .conversion import contains_tracer
from .fastpath import PLAIN_TYPES, numpy_fast_path

_ND = np.ndarray


def _gather_flat(a, ids):
    """``ravel(a)[ids]`` with the shape of ``ids`` (``ids`` concrete)."""
    ids = np.asarray(ids, np.intp)
    return cnp.reshape(cnp.take(cnp.ravel(a), ids.ravel()), ids.shape)


def _element_numbers(a):
    return np.arange(int(np.prod(shape_of(a), dtype=np.int64)), dtype=np.intp).reshape(
        shape_of(a))


def _index_argument(obj, name):
    """An index argument (int, slice, sequence or array) with concrete values."""
    if isinstance(obj, slice):
        return obj
    why = ("NumPy places the elements from them (and repeated or boolean indices change "
           "the shape of the result)")
    if is_tracer(obj):
        return concrete(obj, name, why)
    if isinstance(obj, (list, tuple)) and any(is_tracer(o) for o in obj):
        return [concrete(o, name, why) for o in obj]
    return obj


@numpy_fast_path(np.delete, ("arr", "obj"))
def delete(arr, obj, axis=None):
    """``arr`` without the sub-arrays at the indices ``obj`` along ``axis`` (of the flattened
    array when None); ``obj`` is an int, a slice, integers or a boolean mask.

    The remaining elements carry their derivatives; ``obj`` must be concrete.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.delete(cnp.array([1.0, 2.0, 3.0, 4.0]), [0, 2])
    array([2., 4.])
    >>> cr.grad(lambda x: cnp.sum(cnp.delete(x, 1) ** 2))(cnp.array([1.0, 2.0, 3.0]))
    array([2., 0., 6.])
    """
    arr = asarray_any(arr)
    ids = np.delete(_element_numbers(arr), _index_argument(obj, "delete"), axis)
    return _gather_flat(arr, ids)


@numpy_fast_path(np.insert, ("arr", "obj", "values"))
def insert(arr, obj, values, axis=None):
    """``arr`` with ``values`` inserted before the indices ``obj`` along ``axis`` (of the
    flattened array when None), with NumPy's rules for scalar and sequence ``obj``.

    Differentiable in ``arr`` and ``values`` (cast to ``arr``'s dtype, as NumPy does);
    ``obj`` must be concrete.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.insert(cnp.array([1.0, 2.0, 3.0]), 1, [9.0, 8.0])
    array([1., 9., 8., 2., 3.])
    >>> float(cr.grad(lambda v: cnp.sum(cnp.insert(cnp.zeros(3), [0, 2], v)))(2.0))
    2.0
    """
    arr, values = asarray_any(arr), asarray_any(values)
    # NumPy inserts element numbers: arr's as 0..n-1, values' as -1, -2, ... (so that NumPy
    # broadcasts and places them), then both are gathered.
    n_values = int(np.prod(shape_of(values), dtype=np.int64))
    value_ids = -1 - np.arange(n_values, dtype=np.intp).reshape(shape_of(values))
    ids = np.insert(_element_numbers(arr), _index_argument(obj, "insert"), value_ids, axis)
    inserted = ids < 0
    if not inserted.any():
        return _gather_flat(arr, ids) if ids.size else cnp.zeros(ids.shape, dtype_of(arr))
    from_values = _gather_flat(cnp.astype(values, dtype_of(arr)), np.maximum(-1 - ids, 0))
    if inserted.all():  # arr may be empty
        return from_values
    return cnp.where(inserted, from_values, _gather_flat(arr, np.maximum(ids, 0)))


@numpy_fast_path(np.resize)
def resize(a, new_shape):
    """An array of shape ``new_shape`` filled with the elements of ``a`` repeated cyclically
    (zeros when ``a`` is empty), as :func:`numpy.resize`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.resize(cnp.array([1.0, 2.0, 3.0]), (2, 2))
    array([[1., 2.],
           [3., 1.]])
    """
    a = asarray_any(a)
    ids = np.resize(_element_numbers(a), new_shape)
    if ids.size and not _element_numbers(a).size:
        return cnp.zeros(ids.shape, dtype_of(a))
    return _gather_flat(a, ids)


@numpy_fast_path(np.trim_zeros)
def trim_zeros(filt, trim="fb", axis=None):
    """``filt`` without its leading (``"f"``) and/or trailing (``"b"``) zeros along ``axis``
    (all axes when None: the bounding box of the nonzero elements).

    Which elements are zero is read from the current values; the kept ones carry their
    derivatives.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.trim_zeros(cnp.array([0.0, 0.0, 1.5, 0.0, 2.0, 0.0]))
    array([1.5, 0. , 2. ])
    """
    filt = asarray_any(filt)
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    nd = ndim_of(filt)
    axes = normalize_axes(axis, nd)
    if not axes:
        return filt
    nonzero = np.argwhere(np.asarray(concrete(filt, "trim_zeros")))
    if nonzero.size == 0:
        start = stop = np.zeros(nd, np.intp)
    else:
        start, stop = nonzero.min(axis=0), nonzero.max(axis=0) + 1
        if "f" not in trim:
            start = [None] * nd
        if "b" not in trim:
            stop = [None] * nd
    index = tuple(slice(start[i], stop[i]) if i in axes else slice(None) for i in range(nd))
    return filt[index]


@numpy_fast_path(np.unstack)
def unstack(x, /, *, axis=0):
    """The sub-arrays of ``x`` along ``axis``, as a tuple (the inverse of :func:`stack`).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.unstack(cnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    (array([1., 3.]), array([2., 4.]))
    """
    x = asarray_any(x)
    if ndim_of(x) == 0:
        raise ValueError("Input array must be at least 1-d.")
    x = cnp.moveaxis(x, normalize_axis(axis, ndim_of(x)), 0)
    return tuple(x[i] for i in range(shape_of(x)[0]))


# --- block ----------------------------------------------------------------------------------
def _block_depth(arrays, index=()):
    """Depth of list nesting and the largest ndim of the leaves; NumPy's errors for tuples,
    empty lists and mismatched depths."""
    if type(arrays) is tuple:
        raise TypeError(f"arrays is a tuple. Only lists can be used to arrange blocks, and "
                        f"np.block does not allow implicit conversion from tuple to ndarray "
                        f"(at arrays{''.join(f'[{i}]' for i in index)}).")
    if type(arrays) is not list:
        return 0, ndim_of(asarray_any(arrays))
    if not arrays:
        raise ValueError(f"List at arrays{''.join(f'[{i}]' for i in index)} cannot be empty")
    results = [_block_depth(a, index + (i,)) for i, a in enumerate(arrays)]
    depths = {d for d, _ in results}
    if len(depths) != 1:
        raise ValueError("List depths are mismatched: every leaf of arrays must be nested in "
                         "the same number of lists.")
    return depths.pop() + 1, max(n for _, n in results)


def _plain_blocks(arrays):
    """Whether ``arrays`` is a plain array or number, or nested lists of them."""
    if type(arrays) is list:
        for a in arrays:
            if type(a) is not _ND and type(a) not in PLAIN_TYPES and not (
                    type(a) is list and _plain_blocks(a)):
                return False
        return True
    return type(arrays) is _ND or type(arrays) in PLAIN_TYPES


def _holds_array_library(arrays):
    if type(arrays) is list:
        return any(_holds_array_library(a) for a in arrays)
    return hasattr(arrays, "__array_namespace__") and not isinstance(arrays, np.ndarray)


def block(arrays):
    """Assemble an array from nested lists of blocks: the innermost lists are joined along
    the last axis, the next ones along the second-to-last, and so on.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> a = cnp.eye(2)
    >>> cnp.block([[a, cnp.zeros((2, 1))], [cnp.ones((1, 2)), cnp.array([[5.0]])]])
    array([[1., 0., 0.],
           [0., 1., 0.],
           [1., 1., 5.]])
    """
    if _plain_blocks(arrays):
        return np.block(arrays)

    if not contains_tracer(arrays) and not _holds_array_library(arrays):
        return np.block(arrays)
    depth, leaf_ndim = _block_depth(arrays)
    ndim = max(depth, leaf_ndim)

    def assemble(item, level):
        if level == depth:
            item = asarray_any(item)
            missing = ndim - ndim_of(item)
            return cnp.reshape(item, (1,) * missing + shape_of(item)) if missing else item
        return cnp.concatenate([assemble(x, level + 1) for x in item], axis=level - depth)

    out = assemble(arrays, 0)
    return np.asarray(out) if type(out) in (int, float, complex, bool) else out


# --- conversions ------------------------------------------------------------------------
@numpy_fast_path(np.asarray_chkfinite)
def asarray_chkfinite(a, dtype=None, order=None):
    """:func:`asarray` that raises ``ValueError`` if the values contain infinities or NaNs
    (read from the current values).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.asarray_chkfinite([1.0, 2.0])
    array([1., 2.])
    """
    a = cnp.asarray(a, dtype)
    if dtype_of(a).kind in "fc" and not np.isfinite(
            concrete(a, "asarray_chkfinite", "it checks that they are finite")).all():
        raise ValueError("array must not contain infs or NaNs")
    return a


def asfortranarray(a, dtype=None, *, like=None):
    """An array (at least 1-d, as NumPy's) with Fortran memory order; memory order means
    nothing to traced values, which pass through.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.asfortranarray(cnp.ones((2, 2))).flags["F_CONTIGUOUS"]
    True
    """
    if type(a) is _ND or type(a) in PLAIN_TYPES:
        if like is None:  # keywords would cost NumPy's argument parsing
            return np.asfortranarray(a) if dtype is None else np.asfortranarray(a, dtype)
        return np.asfortranarray(a, dtype, like=like)
    return cnp.atleast_1d(cnp.asarray(a, dtype))


_REQUIREMENTS = {"C", "C_CONTIGUOUS", "CONTIGUOUS", "F", "F_CONTIGUOUS", "FORTRAN", "A",
                 "ALIGNED", "W", "WRITEABLE", "O", "OWNDATA", "E", "ENSUREARRAY"}


def require(a, dtype=None, requirements=None, *, like=None):
    """An array of ``dtype`` meeting the memory ``requirements`` (``"C"``, ``"F"``,
    ``"A"``, ``"W"``, ``"O"``, ``"E"``); traced values only get the dtype, the requirements
    are about memory.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.require(cnp.arange(3), float, ["C", "W"])
    array([0., 1., 2.])
    """
    if type(a) is _ND or type(a) in PLAIN_TYPES:
        if like is None:
            if type(a) is _ND and dtype is None and not requirements:
                return a  # what numpy.require returns, without the call
            return np.require(a, dtype, requirements)
        return np.require(a, dtype, requirements, like=like)
    flags = {r.upper() for r in (requirements or ())}
    unknown = flags - _REQUIREMENTS
    if unknown:
        raise KeyError(sorted(unknown)[0])
    if flags & {"C", "C_CONTIGUOUS", "CONTIGUOUS"} and flags & {"F", "F_CONTIGUOUS",
                                                                "FORTRAN"}:
        raise ValueError('Cannot specify both "C" and "F" order')
    return cnp.asarray(a, dtype)


__all__ = ["asarray_chkfinite", "asfortranarray", "block", "delete", "insert", "require",
           "resize", "trim_zeros", "unstack"]
