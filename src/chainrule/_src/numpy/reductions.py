"""Sums, products, extrema and moments ("Statistics" and "Sums, products" in NumPy)."""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import get_aval
from .fastpath import numpy_fast_path


def normalize_axes(axis, ndim, name="axis"):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name} must be an integer or a tuple of integers, got {a!r}")
        if not -ndim <= a < (ndim or 1):
            raise np.exceptions.AxisError(
                f"{name} {a} is out of bounds for an array of dimension {ndim}")
        out.append(int(a) % (ndim or 1))
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate value in {name}: {axis!r}")
    return tuple(sorted(out))


def _keep(y, shape, axes, keepdims):
    if not keepdims:
        return y
    return lax.reshape(y, tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _reduce(prim_fn, a, axis, keepdims, dtype=None):
    aval = get_aval(a)
    axes = normalize_axes(axis, aval.ndim)
    if dtype is not None:
        a = lax.convert_element_type(a, dtype)
    return _keep(prim_fn(a, axes), aval.shape, axes, keepdims)


@numpy_fast_path(np.sum)
def sum(a, axis=None, dtype=None, keepdims=False):  # noqa: A001
    """Sum of elements over ``axis``.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda x: cnp.sum(x ** 2))(cnp.array([1.0, 2.0]))
    array([2., 4.])
    """
    return _reduce(lax.reduce_sum, a, axis, keepdims, dtype)


@numpy_fast_path(np.prod)
def prod(a, axis=None, dtype=None, keepdims=False):
    """Product of elements over ``axis``; the derivative is exact also with zeros.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.prod)(cnp.array([0.0, 2.0, 3.0]))
    array([6., 0., 0.])
    """
    return _reduce(lax.reduce_prod, a, axis, keepdims, dtype)


def _check_nonempty(a, axes, name):
    shape = get_aval(a).shape
    if 0 in [shape[i] for i in axes]:
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity")


@numpy_fast_path(np.max)
def max(a, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``.  At ties the derivative is shared evenly among the maxima.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.max)(cnp.array([1.0, 3.0, 3.0]))
    array([0. , 0.5, 0.5])
    """
    _check_nonempty(a, normalize_axes(axis, get_aval(a).ndim), "maximum")
    return _reduce(lax.reduce_max, a, axis, keepdims)


@numpy_fast_path(np.min)
def min(a, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``.  At ties the derivative is shared evenly among the minima."""
    _check_nonempty(a, normalize_axes(axis, get_aval(a).ndim), "minimum")
    return _reduce(lax.reduce_min, a, axis, keepdims)


amax, amin = max, min


@numpy_fast_path(np.all)
def all(a, axis=None, keepdims=False):  # noqa: A001
    """Whether all elements are true (no derivative)."""
    return _reduce(lax.reduce_and, a, axis, keepdims)


@numpy_fast_path(np.any)
def any(a, axis=None, keepdims=False):  # noqa: A001
    """Whether any element is true (no derivative)."""
    return _reduce(lax.reduce_or, a, axis, keepdims)


def _count(shape, axes):
    n = 1
    for i in axes:
        n *= shape[i]
    return n


@numpy_fast_path(np.mean)
def mean(a, axis=None, dtype=None, keepdims=False):
    """Arithmetic mean over ``axis``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.mean(cnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([2., 3.])
    """
    aval = get_aval(a)
    axes = normalize_axes(axis, aval.ndim)
    if aval.dtype.kind not in "fc" and dtype is None:
        dtype = np.float64
    n = _count(aval.shape, axes)
    return lax.div(sum(a, axes, dtype, keepdims), float(n) if n else np.nan)


@numpy_fast_path(np.var)
def var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.var(cnp.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
    1.6666666666666667
    """
    aval = get_aval(a)
    axes = normalize_axes(axis, aval.ndim)
    centered = lax.sub(a, mean(a, axes, dtype, keepdims=True))
    if get_aval(centered).dtype.kind == "c":
        sq = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        sq = lax.mul(centered, centered)
    n = _count(aval.shape, axes) - ddof
    return lax.div(sum(sq, axes, None, keepdims), float(n) if n > 0 else np.nan)


@numpy_fast_path(np.std)
def std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Standard deviation over ``axis`` with ``ddof`` delta degrees of freedom."""
    return lax.sqrt(var(a, axis, dtype, ddof, keepdims))


def _arg(prim, a, axis, keepdims):
    aval = get_aval(a)
    if aval.size == 0:
        raise ValueError(f"attempt to get {prim.name} of an empty sequence")
    if axis is not None:
        axis = normalize_axes(axis, aval.ndim)[0]
    return prim.bind(a, axis=axis, keepdims=bool(keepdims))


@numpy_fast_path(np.argmax)
def argmax(a, axis=None, keepdims=False):
    """Index of the maximum (first one at ties).  Integer result, no derivative."""
    return _arg(lax.argmax_p, a, axis, keepdims)


@numpy_fast_path(np.argmin)
def argmin(a, axis=None, keepdims=False):
    """Index of the minimum (first one at ties).  Integer result, no derivative."""
    return _arg(lax.argmin_p, a, axis, keepdims)


def _cumulative(fn, a, axis, dtype):
    if axis is None:
        a = lax.reshape(a, (-1,))
        axis = 0
    else:
        axis = normalize_axes(axis, get_aval(a).ndim)[0]
    if dtype is not None:
        a = lax.convert_element_type(a, dtype)
    return fn(a, axis)


@numpy_fast_path(np.cumsum)
def cumsum(a, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (of the flattened array when None).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.cumsum(cnp.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    """
    return _cumulative(lax.cumsum, a, axis, dtype)


@numpy_fast_path(np.cumprod)
def cumprod(a, axis=None, dtype=None):
    """Cumulative product along ``axis``; the derivative is exact also with zeros."""
    return _cumulative(lax.cumprod, a, axis, dtype)


cumulative_sum = cumsum
