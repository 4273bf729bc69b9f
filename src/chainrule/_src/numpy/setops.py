"""Set routines ("Set routines" in NumPy's docs): the Array API ``unique_*`` functions and
the 1-D set operations.

Which values survive is decided by NumPy on the current values; each surviving value is then
gathered from the input it came from (its first occurrence), so it carries that element's
derivative.  Indices, inverse indices, counts and ``isin`` are integers or booleans.
"""

from __future__ import annotations

import numpy as np

from . import base as cnp

from ..core import concrete_value, is_tracer
from ._util import asarray_any, concrete, dtype_of
from .fastpath import PLAIN_TYPES, numpy_fast_path, plain_sequence
from .statistics import unique

_ND = np.ndarray

UniqueAllResult = type(np.unique_all(np.zeros(1)))
UniqueCountsResult = type(np.unique_counts(np.zeros(1)))
UniqueInverseResult = type(np.unique_inverse(np.zeros(1)))


def _values(x, name):
    return np.asarray(concrete(asarray_any(x), name))


def _gather(x, index, dtype=None):
    out = cnp.take(cnp.ravel(asarray_any(x)), np.asarray(index, np.intp))
    return out if dtype is None or dtype_of(out) == dtype else cnp.astype(out, dtype)


def _first_occurrences(xc):
    """Sorted unique values of ``xc`` (NaNs distinct) and the flat index of each one's first
    occurrence."""
    return np.unique(xc, return_index=True, equal_nan=False)


@numpy_fast_path(np.unique_values)
def unique_values(x, /):
    """The distinct values of ``x`` (NaNs all distinct), in NumPy's order; each carries the
    derivative of its first occurrence.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.unique_values(cnp.array([3.0, 1.0, 3.0]))
    array([1., 3.])
    >>> cr.grad(lambda x: cnp.sum(cnp.unique_values(x) ** 2))(cnp.array([3.0, 1.0, 3.0]))
    array([6., 2., 0.])
    """
    xc = _values(x, "unique_values")
    expected = np.unique_values(xc)
    sorted_values, first = _first_occurrences(xc)
    if not np.array_equal(expected, sorted_values, equal_nan=True):
        # NumPy may return the values unsorted (it hashes integers): find each one.
        first = first[np.searchsorted(sorted_values, expected)]
    return _gather(x, first)


@numpy_fast_path(np.unique_counts)
def unique_counts(x, /):
    """``(values, counts)``: the sorted distinct values of ``x`` (differentiable, as in
    :func:`unique_values`) and how often each occurs.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.unique_counts(cnp.array([3.0, 1.0, 3.0])).counts
    array([1, 2])
    """
    xc = _values(x, "unique_counts")
    res = np.unique_counts(xc)
    return UniqueCountsResult(_gather(x, _first_occurrences(xc)[1]), res.counts)


@numpy_fast_path(np.unique_inverse)
def unique_inverse(x, /):
    """``(values, inverse_indices)``: the sorted distinct values of ``x`` (differentiable)
    and, for each element of ``x``, the position of its value among them.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.unique_inverse(cnp.array([3.0, 1.0, 3.0])).inverse_indices
    array([1, 0, 1])
    """
    xc = _values(x, "unique_inverse")
    res = np.unique_inverse(xc)
    return UniqueInverseResult(_gather(x, _first_occurrences(xc)[1]), res.inverse_indices)


@numpy_fast_path(np.unique_all)
def unique_all(x, /):
    """``(values, indices, inverse_indices, counts)``: the sorted distinct values of ``x``
    (differentiable), the index of each one's first occurrence, the inverse indices and
    the counts.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.unique_all(cnp.array([3.0, 1.0, 3.0])).indices
    array([1, 0])
    """
    xc = _values(x, "unique_all")
    res = np.unique_all(xc)
    return UniqueAllResult(_gather(x, res.indices), res.indices, res.inverse_indices,
                           res.counts)


@numpy_fast_path(np.intersect1d, ("ar1", "ar2"))
def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    """Sorted values present in both ``ar1`` and ``ar2`` (optionally with the index of each
    in both inputs).

    A common value is an element of each input; its derivative is shared evenly between
    the two (the tie convention of :func:`maximum`).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.intersect1d(cnp.array([1.0, 3.0, 4.0]), cnp.array([3.0, 1.0, 2.0]))
    array([1., 3.])
    >>> cr.grad(lambda a: cnp.sum(cnp.intersect1d(a, cnp.array([3.0]))))(
    ...     cnp.array([1.0, 3.0]))
    array([0. , 0.5])
    """
    c1, c2 = _values(ar1, "intersect1d"), _values(ar2, "intersect1d")
    values, i1, i2 = np.intersect1d(c1, c2, assume_unique, return_indices=True)
    a, b = _gather(ar1, i1, values.dtype), _gather(ar2, i2, values.dtype)
    # a == b exactly, so a + (b - a) / 2 is a bit for bit, with derivative 1/2 from each.
    out = a + (b - a) * 0.5 if values.dtype.kind in "fc" else a
    return (out, i1, i2) if return_indices else out


@numpy_fast_path(np.setdiff1d, ("ar1", "ar2"))
def setdiff1d(ar1, ar2, assume_unique=False):
    """The values of ``ar1`` that are not in ``ar2`` (sorted and unique unless
    ``assume_unique``); differentiable in ``ar1``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.setdiff1d(cnp.array([4.0, 1.0, 3.0, 1.0]), cnp.array([3.0]))
    array([1., 4.])
    """
    c1, c2 = _values(ar1, "setdiff1d"), _values(ar2, "setdiff1d")
    if assume_unique:
        index = np.flatnonzero(~np.isin(c1.ravel(), c2, assume_unique=True))
    else:
        values, first = _first_occurrences(c1)
        index = first[~np.isin(values, c2, assume_unique=True)]
    return _gather(ar1, index)


@numpy_fast_path(np.union1d, ("ar1", "ar2"))
def union1d(ar1, ar2):
    """Sorted unique values of ``ar1`` and ``ar2`` together; each carries the derivative of
    its first occurrence (in ``ar1`` before ``ar2``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.union1d(cnp.array([3.0, 1.0]), cnp.array([2.0, 3.0]))
    array([1., 2., 3.])
    """
    return unique(cnp.concatenate((cnp.ravel(asarray_any(ar1)), cnp.ravel(asarray_any(ar2)))))


@numpy_fast_path(np.setxor1d, ("ar1", "ar2"))
def setxor1d(ar1, ar2, assume_unique=False):
    """Sorted values that are in exactly one of ``ar1`` and ``ar2`` (each input's values
    taken once unless ``assume_unique``); each carries its element's derivative.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.setxor1d(cnp.array([1.0, 2.0, 3.0]), cnp.array([2.0, 4.0]))
    array([1., 3., 4.])
    """
    a, b = cnp.ravel(asarray_any(ar1)), cnp.ravel(asarray_any(ar2))
    if not assume_unique:
        a, b = unique(a), unique(b)
    aux = cnp.sort(cnp.concatenate((a, b)))
    values = _values(aux, "setxor1d")
    if values.size == 0:
        return aux
    flag = np.concatenate(([True], values[1:] != values[:-1], [True]))
    return aux[flag[1:] & flag[:-1]]


def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """Whether each element of ``element`` is in ``test_elements``, as :func:`numpy.isin`
    (a boolean result, no derivative).  Works under ``jit`` and ``vmap`` too: each element
    is looked up in the sorted test values.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.isin(cnp.array([1.0, 2.0]), [2.0, 3.0])
    array([False,  True])
    """
    if (type(element) is _ND or type(element) in PLAIN_TYPES or plain_sequence(element)) and (
            type(test_elements) is _ND or type(test_elements) in PLAIN_TYPES
            or plain_sequence(test_elements)):
        return np.isin(element, test_elements, assume_unique, invert, kind=kind)

    element, test_elements = asarray_any(element), asarray_any(test_elements)
    if all(not is_tracer(v) or concrete_value(v) is not None
           for v in (element, test_elements)):
        return np.isin(concrete_value(element), concrete_value(test_elements), assume_unique,
                       invert, kind=kind)
    # Known only abstractly (jit, vmap): look each element up in the sorted test values.
    # The result has the shape of ``element`` whatever the values are.
    tests = cnp.sort(cnp.ravel(test_elements))
    m = cnp.size(tests)
    if m == 0:
        found = cnp.zeros(cnp.shape(element), bool)
    else:
        pos = cnp.clip(cnp.searchsorted(tests, element), 0, m - 1)
        found = cnp.take(tests, pos) == element
    return cnp.logical_not(found) if invert else found


__all__ = ["intersect1d", "isin", "setdiff1d", "setxor1d", "union1d", "unique_all",
           "unique_counts", "unique_inverse", "unique_values"]
