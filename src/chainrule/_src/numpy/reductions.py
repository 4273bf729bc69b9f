"""Sums, products, extrema and moments ("Statistics" and "Sums, products" in NumPy).

The signatures are NumPy's (``axis``, ``dtype``, ``keepdims``, ``initial``, ``where``...);
``out=`` is refused because chainrule never writes into arrays.
"""

from __future__ import annotations

import numpy as np

from .. import lax
from ._util import (NoValue, asarray_any, dtype_of, given, no_out, normalize_axes,
                    normalize_axis, scalar_if_0d, shape_of)
from .fastpath import PLAIN_TYPES, numpy_fast_path

_ND = np.ndarray

_REDUCTION = dict(optional=("initial",))


def _keep(y, shape, axes, keepdims):
    if not keepdims:
        return y
    return lax.reshape(y, tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _masked(a, where, fill):
    """``a`` where ``where`` holds, ``fill`` elsewhere (``where`` broadcasts to ``a``)."""
    if where is True:
        return a
    mask = lax.broadcast_to(asarray_any(where), shape_of(a))
    return lax.select(mask, a, fill)


def _prepare(a, axis, dtype):
    a = asarray_any(a)
    if dtype is not None and np.dtype(dtype) != dtype_of(a):
        a = lax.convert_element_type(a, dtype)
    return a, normalize_axes(axis, len(shape_of(a)))


def _count(shape, axes):
    n = 1
    for i in axes:
        n *= shape[i]
    return n


@numpy_fast_path(np.sum, **_REDUCTION)
def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=NoValue,  # noqa: A001
        where=True):
    """Sum of elements over ``axis``.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda x: cnp.sum(x ** 2))(cnp.array([1.0, 2.0]))
    array([2., 4.])
    """
    no_out(out, "sum")
    a, axes = _prepare(a, axis, dtype)
    if dtype is None and dtype_of(a).kind in "biu":
        a = lax.convert_element_type(a, np.sum(np.zeros(1, dtype_of(a))).dtype)
    y = lax.reduce_sum(_masked(a, where, 0), axes)
    if given(initial) and initial is not None:
        y = lax.add(y, asarray_any(initial))
    return _keep(y, shape_of(a), axes, keepdims)


@numpy_fast_path(np.prod, **_REDUCTION)
def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=NoValue, where=True):
    """Product of elements over ``axis``; the derivative is exact also with zeros.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.prod)(cnp.array([0.0, 2.0, 3.0]))
    array([6., 0., 0.])
    """
    no_out(out, "prod")
    a, axes = _prepare(a, axis, dtype)
    if dtype is None and dtype_of(a).kind in "biu":
        a = lax.convert_element_type(a, np.prod(np.zeros(1, dtype_of(a))).dtype)
    y = lax.reduce_prod(_masked(a, where, 1), axes)
    if given(initial) and initial is not None:
        y = lax.mul(y, asarray_any(initial))
    return _keep(y, shape_of(a), axes, keepdims)


def _extremum(prim_fn, pick, name, a, axis, keepdims, initial, where):
    a, axes = _prepare(a, axis, None)
    shape = shape_of(a)
    if not given(initial) or initial is None:
        if where is not True:
            raise ValueError(f"reduction operation '{name}' does not have an identity, so "
                             "to use a where mask one has to specify 'initial'")
        if 0 in [shape[i] for i in axes]:
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             "identity")
        return _keep(prim_fn(a, axes), shape, axes, keepdims)
    initial = asarray_any(initial)
    a = _masked(a, where, initial)
    if 0 in [shape[i] for i in axes]:
        kept = tuple(n for i, n in enumerate(shape) if i not in axes)
        y = lax.broadcast_to(lax.convert_element_type(initial, dtype_of(a)), kept)
    else:
        y = pick(prim_fn(a, axes), initial)
    return _keep(y, shape, axes, keepdims)


@numpy_fast_path(np.max, **_REDUCTION)
def max(a, axis=None, out=None, keepdims=False, initial=NoValue, where=True):  # noqa: A001
    """Maximum over ``axis``.  At ties the derivative is shared evenly among the maxima.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.max)(cnp.array([1.0, 3.0, 3.0]))
    array([0. , 0.5, 0.5])
    """
    no_out(out, "max")
    return _extremum(lax.reduce_max, lax.maximum, "maximum", a, axis, keepdims, initial,
                     where)


@numpy_fast_path(np.min, **_REDUCTION)
def min(a, axis=None, out=None, keepdims=False, initial=NoValue, where=True):  # noqa: A001
    """Minimum over ``axis``.  At ties the derivative is shared evenly among the minima.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda x: cnp.min(x, axis=0).sum())(cnp.array([[1.0, 2.0], [0.0, 2.0]]))
    array([[0. , 0.5],
           [1. , 0.5]])
    """
    no_out(out, "min")
    return _extremum(lax.reduce_min, lax.minimum, "minimum", a, axis, keepdims, initial,
                     where)


amax, amin = max, min


@numpy_fast_path(np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    """Range of values (maximum minus minimum) over ``axis``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.ptp(cnp.array([[1.0, 4.0], [2.0, 8.0]]), axis=1)
    array([3., 6.])
    """
    no_out(out, "ptp")
    return lax.sub(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


@numpy_fast_path(np.all)
def all(a, axis=None, out=None, keepdims=False, *, where=True):  # noqa: A001
    """Whether all elements are true (a boolean result: no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.all(cnp.array([[True, False], [True, True]]), axis=1)
    array([False,  True])
    """
    no_out(out, "all")
    a, axes = _prepare(a, axis, None)
    y = lax.reduce_and(_masked(a, where, True), axes)
    return _keep(y, shape_of(a), axes, keepdims)


@numpy_fast_path(np.any)
def any(a, axis=None, out=None, keepdims=False, *, where=True):  # noqa: A001
    """Whether any element is true (a boolean result: no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.any(cnp.array([[True, False], [False, False]]), axis=1)
    array([ True, False])
    """
    no_out(out, "any")
    a, axes = _prepare(a, axis, None)
    y = lax.reduce_or(_masked(a, where, False), axes)
    return _keep(y, shape_of(a), axes, keepdims)


def _moment_dtype(a, dtype):
    """Accumulation dtype of mean/var (float64 for integers, float32 for float16) and the
    dtype of the result."""
    kind = dtype_of(a).kind
    if dtype is not None:
        return np.dtype(dtype), np.dtype(dtype)
    if kind in "biu":
        return np.dtype(np.float64), np.dtype(np.float64)
    if dtype_of(a) == np.float16:
        return np.dtype(np.float32), np.dtype(np.float16)
    return dtype_of(a), dtype_of(a)


def _count_where(a, axes, where, dtype):
    """Number of elements reduced (a number, or an array when ``where`` is a mask)."""
    if where is True:
        return _count(shape_of(a), axes)
    mask = lax.broadcast_to(asarray_any(where), shape_of(a))
    return lax.reduce_sum(lax.convert_element_type(mask, dtype), axes)


def _div_count(total, n):
    if isinstance(n, int):
        return lax.div(total, float(n))
    return lax.div(total, n)


@numpy_fast_path(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    """Arithmetic mean over ``axis`` (of the elements where ``where`` holds).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.mean(cnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([2., 3.])
    """
    no_out(out, "mean")
    acc, res = _moment_dtype(asarray_any(a), dtype)
    a, axes = _prepare(a, axis, acc)
    total = lax.reduce_sum(_masked(a, where, 0), axes)
    y = _div_count(total, _count_where(a, axes, where, acc))
    if res != acc:
        y = lax.convert_element_type(y, res)
    return _keep(y, shape_of(a), axes, keepdims)


def _var(a, axis, dtype, ddof, keepdims, where, mean_):
    acc, res = _moment_dtype(asarray_any(a), dtype)
    a, axes = _prepare(a, axis, acc)
    if mean_ is None:
        mean_ = mean(a, axes, keepdims=True, where=where)
    centered = lax.sub(a, asarray_any(mean_))
    if dtype_of(centered).kind == "c":
        sq = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        sq = lax.mul(centered, centered)
    total = lax.reduce_sum(_masked(sq, where, 0), axes)
    n = _count_where(a, axes, where, dtype_of(sq))
    dof = float(n - ddof if n > ddof else 0) if isinstance(n, int) else lax.maximum(
        lax.sub(n, ddof), 0)
    y = lax.div(total, dof)
    if res != acc:
        y = lax.convert_element_type(y, res)
    return _keep(y, shape_of(a), axes, keepdims)


def _ddof(ddof, correction):
    if given(correction):
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        return correction
    return ddof


@numpy_fast_path(np.var, optional=("mean",))
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
        mean=None, correction=NoValue):  # noqa: A002 - mirrors numpy.var
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.var(cnp.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
    1.6666666666666667
    """
    no_out(out, "var")
    return _var(a, axis, dtype, _ddof(ddof, correction), keepdims, where, mean)


@numpy_fast_path(np.std, optional=("mean",))
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
        mean=None, correction=NoValue):  # noqa: A002 - mirrors numpy.std
    """Standard deviation over ``axis`` with ``ddof`` delta degrees of freedom.

    Where the variance is zero the derivative is taken as zero (not NaN).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.std)(cnp.array([1.0, 3.0]))
    array([-0.5,  0.5])
    """
    no_out(out, "std")
    return _safe_sqrt(_var(a, axis, dtype, _ddof(ddof, correction), keepdims, where, mean))


def _safe_sqrt(v):
    """sqrt with a zero derivative at 0: where the variance is zero (a single element, or
    all values equal) the standard deviation gets the zero subgradient, not NaN. Even
    powers (std(x) ** 2) are evaluated from the variance under differentiation, so they
    have every derivative there."""
    return scalar_if_0d(lax.nonneg_sqrt(v))


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """Weighted average over ``axis``; differentiable in ``a`` and ``weights``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.average(cnp.array([1.0, 2.0, 4.0]), weights=cnp.array([1.0, 1.0, 2.0]))
    np.float64(2.75)
    """
    if (type(a) is _ND or type(a) in PLAIN_TYPES) and (
            weights is None or type(weights) is _ND or type(weights) in PLAIN_TYPES):
        if keepdims is False:  # NumPy's default, which it would otherwise pass on to mean
            return np.average(a, axis, weights, returned)
        return np.average(a, axis, weights, returned, keepdims=keepdims)
    a = asarray_any(a)
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        n = _count(shape_of(a), normalize_axes(axis, len(shape_of(a))))
        scl = lax.broadcast_to(np.asarray(float(n), dtype_of(avg)), shape_of(avg))
        return (avg, scl) if returned else avg
    w = asarray_any(weights)
    if shape_of(w) != shape_of(a):
        if axis is None or len(shape_of(w)) != 1:
            raise ValueError("average: weights must have the shape of a, or be 1-D along "
                             "a single axis")
        ax = normalize_axis(axis, len(shape_of(a)))
        w = lax.reshape(w, tuple(shape_of(w)[0] if i == ax else 1
                                 for i in range(len(shape_of(a)))))
        w = lax.broadcast_to(w, shape_of(a))
    scl = sum(w, axis, keepdims=keepdims)
    avg = lax.div(sum(lax.mul(a, w), axis, keepdims=keepdims), scl)
    return (avg, lax.broadcast_to(scl, shape_of(avg))) if returned else avg


def _arg(prim, a, axis, keepdims):
    a = asarray_any(a)
    if _count(shape_of(a), range(len(shape_of(a)))) == 0:
        raise ValueError(f"attempt to get {prim.name} of an empty sequence")
    if axis is not None:
        axis = normalize_axis(axis, len(shape_of(a)))
    return prim.bind(a, axis=axis, keepdims=bool(keepdims))


@numpy_fast_path(np.argmax)
def argmax(a, axis=None, out=None, *, keepdims=False):
    """Index of the maximum (the first one at ties).  Integer result, no derivative.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.argmax(cnp.array([[1.0, 5.0], [7.0, 2.0]]), axis=1)
    array([1, 0])
    """
    no_out(out, "argmax")
    return _arg(lax.argmax_p, a, axis, keepdims)


@numpy_fast_path(np.argmin)
def argmin(a, axis=None, out=None, *, keepdims=False):
    """Index of the minimum (the first one at ties).  Integer result, no derivative.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.argmin(cnp.array([[1.0, 5.0], [7.0, 2.0]]), axis=1)
    array([0, 1])
    """
    no_out(out, "argmin")
    return _arg(lax.argmin_p, a, axis, keepdims)


def _cumulative(fn, a, axis, dtype):
    a = asarray_any(a)
    if axis is None or len(shape_of(a)) == 0:
        a, axis = lax.reshape(a, (-1,)), 0
    axis = normalize_axis(axis, len(shape_of(a)))
    if dtype is not None:
        a = lax.convert_element_type(a, dtype)
    elif dtype_of(a).kind in "biu":
        a = lax.convert_element_type(a, np.cumsum(np.zeros(1, dtype_of(a))).dtype)
    return fn(a, axis)


@numpy_fast_path(np.cumsum)
def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum along ``axis`` (of the flattened array when None).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.cumsum(cnp.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    """
    no_out(out, "cumsum")
    return _cumulative(lax.cumsum, a, axis, dtype)


@numpy_fast_path(np.cumprod)
def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product along ``axis``; the derivative is exact also with zeros.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.jacobian(cnp.cumprod)(cnp.array([2.0, 0.0, 3.0]))
    array([[1., 0., 0.],
           [0., 2., 0.],
           [0., 6., 0.]])
    """
    no_out(out, "cumprod")
    return _cumulative(lax.cumprod, a, axis, dtype)


def _cumulative_api(fn, identity, x, axis, dtype, out, include_initial, name):
    no_out(out, name)
    x = asarray_any(x)
    if axis is None:
        if len(shape_of(x)) > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` "
                             "argument is required.")
        axis = 0
    y = fn(x, axis, dtype)
    if not include_initial:
        return y
    axis = normalize_axis(axis, len(shape_of(y)))
    shape = tuple(1 if i == axis else n for i, n in enumerate(shape_of(y)))
    return lax.concatenate([np.full(shape, identity, dtype_of(y)), y], axis)


@numpy_fast_path(getattr(np, "cumulative_sum", None))
def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """Cumulative sum (Array API form: ``include_initial`` prepends a zero).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.cumulative_sum(cnp.array([1.0, 2.0]), include_initial=True)
    array([0., 1., 3.])
    """
    return _cumulative_api(cumsum, 0, x, axis, dtype, out, include_initial, "cumulative_sum")


@numpy_fast_path(getattr(np, "cumulative_prod", None))
def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """Cumulative product (Array API form: ``include_initial`` prepends a one).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.cumulative_prod(cnp.array([2.0, 3.0]), include_initial=True)
    array([1., 2., 6.])
    """
    return _cumulative_api(cumprod, 1, x, axis, dtype, out, include_initial,
                           "cumulative_prod")


__all__ = ["all", "amax", "amin", "any", "argmax", "argmin", "average", "cumprod", "cumsum",
           "cumulative_prod", "cumulative_sum", "max", "mean", "min", "prod", "ptp", "std",
           "sum", "var"]
