"""Functional programming ("Functional programming" in NumPy's docs): ``apply_along_axis``,
``apply_over_axes`` and ``piecewise``.

They call the user's function on pieces of the input and assemble the results with
differentiable operations (stacking, functional index updates), so derivatives flow through
whatever the function does.  Conditions and the pieces they select are concrete.
"""

from __future__ import annotations

import collections.abc

import numpy as np

from . import base as cnp

from ..core import is_tracer
from ._util import asarray_any, concrete, dtype_of, ndim_of, normalize_axis, shape_of


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """Apply ``func1d`` to the 1-D slices of ``arr`` along ``axis``; the axis is replaced by
    the axes of ``func1d``'s result.

    ``func1d`` is called once per slice, as in NumPy; when it is written with
    ``chainrule.numpy`` the result is differentiable.  (On a batchable ``func1d``,
    :func:`chainrule.vmap` does the same in one call.)

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> x = cnp.array([[1.0, 2.0], [3.0, 4.0]])
    >>> cnp.apply_along_axis(lambda v: v[0] * v[1], 1, x)
    array([ 2., 12.])
    >>> cr.grad(lambda x: cnp.sum(cnp.apply_along_axis(cnp.prod, 0, x)))(x)
    array([[3., 4.],
           [1., 2.]])
    """
    # Always the general path, also on plain arrays: func1d may close over traced values.
    arr = asarray_any(arr)
    nd = ndim_of(arr)
    axis = normalize_axis(axis, nd)
    moved = cnp.moveaxis(arr, axis, -1)
    outer = shape_of(moved)[:-1]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    results = [cnp.asarray(func1d(moved[idx], *args, **kwargs)) for idx in np.ndindex(outer)]
    res_shape = shape_of(results[0])
    if any(shape_of(r) != res_shape for r in results):
        raise ValueError("could not broadcast: func1d returned results of different shapes "
                         "for different slices")
    out = cnp.reshape(cnp.stack(results), outer + res_shape)
    # The result's own axes take the place of ``axis``.
    k = len(res_shape)
    order = list(range(axis)) + list(range(len(outer), len(outer) + k)) + list(
        range(axis, len(outer)))
    return cnp.transpose(out, order)


def apply_over_axes(func, a, axes):
    """Apply ``func(a, axis)`` repeatedly over ``axes``; each result must keep ``a``'s number
    of dimensions, or have one fewer (the axis is then put back with length 1).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.apply_over_axes(cnp.sum, cnp.ones((2, 3, 4)), [0, 2])
    array([[[8.],
            [8.],
            [8.]]])
    """
    a = asarray_any(a)
    nd = ndim_of(a)
    for axis in np.atleast_1d(np.asarray(axes)):
        axis = int(axis) + nd if axis < 0 else int(axis)
        res = asarray_any(func(a, axis))
        if ndim_of(res) != ndim_of(a):
            res = cnp.expand_dims(res, axis)
            if ndim_of(res) != ndim_of(a):
                raise ValueError("function is not returning an array of the correct shape")
        a = res
    return a


# Why piecewise needs concrete conditions (see _util.concrete).
_PIECES = ("each function is applied to the elements that its condition selects, a "
           "value-dependent subset (cnp.where(cond, f(x), g(x)) works on traced conditions)")

def _conditions(condlist, x):
    """NumPy's reading of ``condlist``: a single condition may be given bare."""
    if is_tracer(condlist):
        condlist = concrete(condlist, "piecewise", _PIECES)
    if np.isscalar(condlist) or (
            isinstance(condlist, np.ndarray) and condlist.ndim == 0) or (
            not (isinstance(condlist[0], (list, np.ndarray)) or is_tracer(condlist[0]))
            and ndim_of(x) != 0):
        condlist = [condlist]
    return np.asarray([np.asarray(concrete(c, "piecewise", _PIECES)) for c in condlist], dtype=bool)


def _scalar_conditions(condlist):
    if not isinstance(condlist, (list, tuple)) and ndim_of(asarray_any(condlist)) == 0:
        condlist = [condlist]
    return [np.reshape(np.asarray(concrete(c, "piecewise", _PIECES), bool), (1,)) for c in condlist]


def piecewise(x, condlist, funclist, *args, **kw):
    """``x`` evaluated piecewise: where ``condlist[i]`` holds, the result is ``funclist[i]``
    applied to those elements of ``x`` (a 1-D array), or ``funclist[i]`` itself if it is a
    constant.  One extra function gives the value where no condition holds; elsewhere the
    result is 0.  Later conditions win where several hold.

    The result has ``x``'s dtype and is differentiable in ``x`` (and in what the functions
    close over); the conditions are read from the current values.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> x = cnp.array([-2.0, -0.5, 0.5, 2.0])
    >>> cnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2])
    array([2.  , 0.5 , 0.25, 4.  ])
    >>> cr.grad(lambda x: cnp.sum(cnp.piecewise(x, [x < 0], [cnp.sin, cnp.exp])))(
    ...     cnp.array([-1.0, 1.0]))
    array([0.54030231, 2.71828183])
    """
    # Always the general path, also on plain x: the functions may close over traced values.
    x = asarray_any(x)
    if ndim_of(x) == 0:  # a scalar is a one-element piece
        return cnp.reshape(piecewise(cnp.reshape(x, (1,)), _scalar_conditions(condlist),
                                     funclist, *args, **kw), ())
    n_funcs = len(funclist)
    conds = _conditions(condlist, x)
    n = len(conds)
    if n == n_funcs - 1:
        conds = np.concatenate([conds, ~np.any(conds, axis=0, keepdims=True)], axis=0)
    elif n != n_funcs:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    conds = np.broadcast_to(conds, (len(conds),) + shape_of(x))
    y = cnp.zeros(shape_of(x), dtype_of(x))
    for cond, func in zip(conds, funclist):
        if not cond.any():
            continue
        if isinstance(func, collections.abc.Callable):
            value = func(cnp.getitem(x, cond), *args, **kw)
        else:
            value = func
        y = cnp.at(y)[cond].set(value)
    return y


__all__ = ["apply_along_axis", "apply_over_axes", "piecewise"]
