"""Array creation ("Array creation routines" in NumPy's docs).

Creation from shapes gives plain arrays (constants).  ``array``/``asarray`` also accept
lists that contain traced values, and ``full``/``linspace`` accept traced fill values and
end points, keeping their derivatives.
"""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import Tracer, get_aval


def _contains_tracer(obj):
    if isinstance(obj, Tracer):
        return True
    if isinstance(obj, (list, tuple)):
        return any(_contains_tracer(o) for o in obj)
    return False


def _build(obj, dtype):
    if isinstance(obj, (list, tuple)):
        parts = [_build(o, None) for o in obj]
        if not parts:
            return np.zeros(0, dtype or float)
        shapes = {get_aval(p).shape for p in parts}
        if len(shapes) != 1:
            raise ValueError(f"array: nested sequences have inhomogeneous shapes {sorted(shapes)}")
        out = lax.concatenate([lax.expand_dims(p, (0,)) for p in parts], 0)
    elif isinstance(obj, Tracer):
        out = obj
    else:
        out = np.asarray(obj)
    if dtype is not None and get_aval(out).dtype != np.dtype(dtype):
        out = lax.convert_element_type(out, dtype)
    return out


def array(object, dtype=None, copy=True, ndmin=0):  # noqa: A002 - mirrors numpy.array
    """Create an array; nested lists may contain traced values (they stay differentiable).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda x: cnp.sum(cnp.array([x, 2 * x, [3.0][0]])))(1.0)
    np.float64(3.0)
    """
    if _contains_tracer(object):
        out = _build(object, dtype)
    elif hasattr(object, "__array_namespace__") and not isinstance(object, np.ndarray):
        out = object if dtype is None else object.astype(dtype)
    else:
        out = np.array(object, dtype=dtype, copy=copy)
    while get_aval(out).ndim < ndmin:
        out = lax.expand_dims(out, (0,))
    return out


def asarray(a, dtype=None, order=None, *, copy=None):
    """Convert to an array without copying when possible; traced values pass through."""
    if _contains_tracer(a):
        return _build(a, dtype)
    if hasattr(a, "__array_namespace__") and not isinstance(a, np.ndarray):
        return a if dtype is None else a.astype(dtype)
    return np.asarray(a, dtype=dtype, order=order)


asanyarray = asarray
ascontiguousarray = asarray


def zeros_like(a, dtype=None, shape=None):
    """Zeros with the shape and dtype of ``a`` (a constant: no derivative)."""
    aval = get_aval(a)
    return np.zeros(aval.shape if shape is None else shape, dtype or aval.dtype)


def ones_like(a, dtype=None, shape=None):
    """Ones with the shape and dtype of ``a`` (a constant)."""
    aval = get_aval(a)
    return np.ones(aval.shape if shape is None else shape, dtype or aval.dtype)


def empty_like(a, dtype=None, shape=None):
    """Like numpy.empty_like (filled with zeros here, so results are reproducible)."""
    return zeros_like(a, dtype, shape)


def full(shape, fill_value, dtype=None):
    """An array of ``shape`` filled with ``fill_value`` (which may be traced)."""
    if isinstance(fill_value, Tracer):
        value = fill_value if dtype is None else lax.convert_element_type(fill_value, dtype)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        return lax.broadcast_to(value, shape)
    return np.full(shape, fill_value, dtype)


def full_like(a, fill_value, dtype=None, shape=None):
    """``full`` with the shape and dtype of ``a``."""
    aval = get_aval(a)
    return full(aval.shape if shape is None else shape, fill_value, dtype or aval.dtype)


zeros, ones, empty = np.zeros, np.ones, np.zeros
eye, identity, arange = np.eye, np.identity, np.arange
tri = np.tri


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """Evenly spaced numbers; differentiable in ``start`` and ``stop``.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda b: cnp.sum(cnp.linspace(0.0, b, 5)))(1.0)
    np.float64(2.5)
    """
    if not (isinstance(start, Tracer) or isinstance(stop, Tracer)):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    frac = np.arange(num, dtype=float) / (div if div > 0 else 1)
    start, stop = asarray(start), asarray(stop)
    shape = np.broadcast_shapes(get_aval(start).shape, get_aval(stop).shape)
    frac = frac.reshape((-1,) + (1,) * len(shape))
    delta = lax.sub(stop, start)
    out = lax.add(start, lax.mul(frac, delta))
    if endpoint and num > 1:
        out = lax.concatenate([lax.slice_axis(out, 0, 0, num - 1),
                               lax.expand_dims(lax.broadcast_to(stop, shape), (0,))], 0)
    if axis != 0:
        out = lax.moveaxis(out, [0], [axis])
    if dtype is not None:
        out = lax.convert_element_type(out, dtype)
    if retstep:
        return out, lax.div(delta, div) if div > 0 else np.nan
    return out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale; differentiable in ``start``, ``stop``, ``base``."""
    exps = linspace(start, stop, num, endpoint, axis=axis)
    out = lax.pow(base, exps)
    return out if dtype is None else lax.convert_element_type(out, dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale between positive end points."""
    out = lax.exp(linspace(lax.log(start), lax.log(stop), num, endpoint, axis=axis))
    return out if dtype is None else lax.convert_element_type(out, dtype)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate matrices from coordinate vectors (differentiable)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    xi = [lax.reshape(asarray(x), (-1,)) for x in xi]
    nd = len(xi)
    out = []
    for i, x in enumerate(xi):
        shape = [1] * nd
        shape[i] = get_aval(x).shape[0]
        out.append(lax.reshape(x, shape))
    if indexing == "xy" and nd > 1:
        out = [lax.moveaxis(o, [0, 1], [1, 0]) for o in out]
    if not sparse:
        full_shape = np.broadcast_shapes(*[get_aval(o).shape for o in out])
        out = [lax.broadcast_to(o, full_shape) for o in out]
    return out


def copy(a, order="K"):
    """A copy of ``a`` (traced values are immutable and are returned as they are)."""
    return a if isinstance(a, Tracer) else np.array(a, copy=True)

