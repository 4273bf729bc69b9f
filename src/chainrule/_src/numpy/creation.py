"""Array creation ("Array creation routines" in NumPy's docs).

Creation from shapes gives plain arrays (constants).  ``array``/``asarray`` also accept
(nested) lists that contain traced values, and ``full``, ``linspace``, ``logspace``,
``geomspace`` and ``meshgrid`` accept traced values, keeping their derivatives.
"""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import concrete_value, get_aval, is_tracer
from ._util import asarray_any, dtype_of, ndim_of, normalize_axis, shape_of
from .conversion import (asanyarray, asarray, contains_tracer, from_dlpack, stack_nested,
                         with_dtype)
from .fastpath import PLAIN_TYPES, numpy_fast_path

_ND = np.ndarray

# Constants: plain NumPy arrays, whatever the context.
zeros, ones, eye, identity, arange, tri = np.zeros, np.ones, np.eye, np.identity, np.arange, np.tri


def empty(shape, dtype=float, order="C", *, device=None, like=None):
    """Like :func:`numpy.empty`, but filled with zeros so that results are reproducible.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.empty((2,))
    array([0., 0.])
    """
    return np.zeros(shape, dtype, order)


def array(object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0,  # noqa: A002
          like=None):
    """Create an array; nested lists may contain traced values (they stay differentiable).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda x: cnp.sum(cnp.array([[x, 2 * x], [3.0, x ** 2]])))(1.0)
    np.float64(5.0)
    """
    if type(object) is _ND or type(object) in PLAIN_TYPES:
        if copy is True and order == "K" and subok is False and ndmin == 0:
            # NumPy then parses no keywords
            return np.array(object) if dtype is None else np.array(object, dtype)
        return np.array(object, dtype, copy=copy, order=order, subok=subok, ndmin=ndmin)
    if not contains_tracer(object):
        return np.array(object, dtype, copy=copy, order=order, subok=subok, ndmin=ndmin)
    out = with_dtype(stack_nested(object), dtype)
    if ndim_of(out) < ndmin:
        out = lax.reshape(out, (1,) * (ndmin - ndim_of(out)) + shape_of(out))
    return out




def ascontiguousarray(a, dtype=None, *, like=None):
    """Contiguous array (traced values pass through).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.ascontiguousarray(cnp.ones((2, 2)).T).flags["C_CONTIGUOUS"]
    True
    """
    if type(a) is _ND or type(a) in PLAIN_TYPES:
        return np.ascontiguousarray(a) if dtype is None else np.ascontiguousarray(a, dtype)
    if not contains_tracer(a):
        return np.ascontiguousarray(a, dtype)
    return asarray(a, dtype)


def _like(np_fn, a, dtype, order, subok, shape, fill=None):
    if not contains_tracer(a):
        if fill is None:
            return np_fn(a, dtype, order, subok, shape)
        return np_fn(a, fill, dtype, order, subok, shape)
    a = asarray_any(a)
    shape = shape_of(a) if shape is None else shape
    dtype = dtype_of(a) if dtype is None else dtype
    if fill is None:
        return np_fn(np.zeros((), dtype), shape=shape)
    return full(shape, fill, dtype)


def zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """Zeros with the shape and dtype of ``a`` (a constant: no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.zeros_like(cnp.ones((2,), dtype=cnp.float32))
    array([0., 0.], dtype=float32)
    """
    if type(a) is _ND or type(a) in PLAIN_TYPES:
        if dtype is None and shape is None and order == "K" and subok is True:
            return np.zeros_like(a)  # NumPy parses no arguments: the cheapest call
        return np.zeros_like(a, dtype, order, subok, shape)
    return _like(np.zeros_like, a, dtype, order, subok, shape)


def ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """Ones with the shape and dtype of ``a`` (a constant: no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.ones_like(cnp.zeros((2, 1)))
    array([[1.],
           [1.]])
    """
    if type(a) is _ND or type(a) in PLAIN_TYPES:
        if dtype is None and shape is None and order == "K" and subok is True:
            return np.ones_like(a)  # NumPy parses no arguments: the cheapest call
        return np.ones_like(a, dtype, order, subok, shape)
    return _like(np.ones_like, a, dtype, order, subok, shape)


def empty_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """Like :func:`numpy.empty_like`, but filled with zeros (reproducible).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.empty_like(cnp.ones(2))
    array([0., 0.])
    """
    if type(a) is _ND and shape is None and order == "K" and (
            a.ndim < 2 or a.flags.c_contiguous):
        # numpy.zeros_like's result for this layout, without its copy of a zero into it
        return np.zeros(a.shape, a.dtype if dtype is None else dtype)
    if type(a) is not _ND and type(a) in PLAIN_TYPES and shape is None:
        # a number: a 0-d array of its dtype
        return np.zeros((), np.asarray(a).dtype if dtype is None else dtype)
    return _like(np.zeros_like, a, dtype, order, subok, shape)


def full(shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    """An array of ``shape`` filled with ``fill_value`` (which may be traced).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda v: cnp.sum(cnp.full((2, 3), v)))(1.5)
    np.float64(6.0)
    """
    if not is_tracer(fill_value):
        return np.full(shape, fill_value, dtype, order)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return lax.broadcast_to(with_dtype(fill_value, dtype), shape)


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """``full`` with the shape and dtype of ``a`` (``fill_value`` may be traced).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.full_like(cnp.ones(2, dtype=int), 7.9)
    array([7, 7])
    """
    if (type(a) is _ND or type(a) in PLAIN_TYPES) and (
            type(fill_value) is _ND or type(fill_value) in PLAIN_TYPES):
        if dtype is None and shape is None and order == "K" and subok is True:
            return np.full_like(a, fill_value)
        return np.full_like(a, fill_value, dtype, order, subok, shape)
    if is_tracer(fill_value):
        return full(shape_of(a) if shape is None else shape, fill_value,
                    dtype_of(a) if dtype is None else dtype)
    return _like(np.full_like, a, dtype, order, subok, shape, fill_value)


def _plain(*xs):
    return not any(is_tracer(x) for x in xs)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """Evenly spaced numbers; differentiable in ``start`` and ``stop``.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda b: cnp.sum(cnp.linspace(0.0, b, 5)))(1.0)
    np.float64(2.5)
    """
    if _plain(start, stop):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    start, stop = asarray_any(start), asarray_any(stop)
    # NumPy's working dtype: float32 end points stay float32, integers become float64.
    dt = _probe_dtype(np.linspace, start, stop)
    start, stop = with_dtype(start, dt), with_dtype(stop, dt)
    shape = np.broadcast_shapes(shape_of(start), shape_of(stop))
    i = np.arange(num, dtype=dt).reshape((-1,) + (1,) * len(shape))
    delta = lax.sub(stop, start)
    if div > 0:
        # NumPy's formula, i * step + start, so that the points agree to the last bit
        # (histogram edges depend on it); i / div * delta where the step underflows to 0.
        step = lax.div(delta, np.asarray(div, dt))
        scaled = lax.mul(i, step)
        zero = lax.eq(step, np.zeros((), dt))
        if concrete_value(zero) is None or np.any(concrete_value(zero)):
            scaled = lax.select(zero, lax.mul(i / np.asarray(div, dt), delta), scaled)
    else:
        step = np.asarray(np.nan, dt)
        scaled = lax.mul(i, delta)
    out = lax.add(scaled, start)
    if endpoint and num > 1:
        out = lax.concatenate([lax.slice_axis(out, 0, 0, num - 1),
                               lax.expand_dims(lax.broadcast_to(stop, shape), (0,))], 0)
    out = lax.broadcast_to(out, (num,) + shape)
    if axis != 0:
        out = lax.moveaxis(out, [0], [normalize_axis(axis, len(shape) + 1)])
    if dtype is not None and np.dtype(dtype).kind in "iu" and dt.kind == "f":
        out = lax.floor(out)  # NumPy rounds towards -inf before an integer cast
    out = with_dtype(out, dtype)
    if retstep:
        return out, step
    return out


def _probe_dtype(fn, *xs):
    """The dtype NumPy's ``fn`` gives for end points with the dtypes of ``xs`` (Python
    numbers stay weakly typed)."""
    ones = [get_aval(x).dummy() + 1 for x in xs]
    return np.asarray(fn(*ones, 2)).dtype


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale; differentiable in ``start``, ``stop``, ``base``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.logspace(0.0, 2.0, 3)
    array([  1.,  10., 100.])
    """
    if _plain(start, stop, base):
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    start, stop, base = asarray_any(start), asarray_any(stop), asarray_any(base)
    dt = _probe_dtype(lambda a, b, n: np.logspace(a, b, n, base=get_aval(base).dummy() + 2),
                      start, stop)
    exps = linspace(start, stop, num, endpoint, axis=axis)
    return with_dtype(with_dtype(lax.pow(base, exps), dt), dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale between two positive end points.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.geomspace(1.0, 1000.0, 4)
    array([   1.,   10.,  100., 1000.])
    """
    if _plain(start, stop):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    start, stop = asarray_any(start), asarray_any(stop)
    dt = _probe_dtype(np.geomspace, start, stop)  # float64 unless NumPy keeps float32
    start, stop = with_dtype(start, dt), with_dtype(stop, dt)
    out = lax.exp(linspace(lax.log(start), lax.log(stop), num, endpoint, axis=axis))
    return with_dtype(out, dtype)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate matrices from coordinate vectors (differentiable).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> [g.shape for g in cnp.meshgrid(cnp.ones(2), cnp.ones(3))]
    [(3, 2), (3, 2)]
    """
    if _plain(*xi):
        return np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    xi = [lax.reshape(asarray_any(x), (-1,)) for x in xi]
    nd = len(xi)
    out = []
    for i, x in enumerate(xi):
        shape = [1] * nd
        shape[i] = shape_of(x)[0]
        out.append(lax.reshape(x, shape))
    if indexing == "xy" and nd > 1:
        out = [lax.moveaxis(o, [0, 1], [1, 0]) for o in out]
    if not sparse:
        full_shape = np.broadcast_shapes(*[shape_of(o) for o in out])
        out = [lax.broadcast_to(o, full_shape) for o in out]
    return tuple(out)


@numpy_fast_path(np.copy)
def copy(a, order="K", subok=False):
    """A copy of ``a`` (traced values are immutable and are returned as they are).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.copy([1.0, 2.0])
    array([1., 2.])
    """
    return asarray_any(a) if is_tracer(a) else np.array(a, copy=True)


# --- NumPy's scalar types -----------------------------------------------------------------
class _ScalarType(type):
    """Metaclass of ``chainrule.numpy.float64`` and the other numeric scalar types.

    Each is a subclass of NumPy's type that stands for it as a dtype (``dtype=``,
    ``astype``, ``issubdtype``, ``finfo``) and in ``isinstance`` / ``issubclass``, and,
    called on plain values, returns exactly what NumPy's type returns.  Called on a traced
    value it casts, like ``astype`` (as ``jax.numpy.float32(x)`` does): NumPy's own type
    would call ``float(x)`` and lose the value under ``jit`` or the derivative under
    ``grad``.  Integer and boolean results carry no derivative.  It is not NumPy's type
    object itself (``cnp.float32 is not np.float32``, and ``==`` between the type objects
    is False, as with JAX): compare dtypes instead, ``x.dtype == cnp.float32``.  (Equality
    and hashing are left as they are on purpose: overriding them makes every
    ``numpy.dtype(cnp.float32)`` several times slower.)
    """

    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs:
            x = args[0]
            if is_tracer(x) or (type(x) in (list, tuple) and contains_tracer(x)):
                return with_dtype(stack_nested(x), cls.__base__)
        return cls.__base__(*args, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.__base__)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.__base__)

    def __repr__(cls):
        return f"<class 'chainrule.numpy.{cls.__name__}'>"


def _scalar_type(numpy_type):
    return _ScalarType(numpy_type.__name__, (numpy_type,), {
        "__module__": "chainrule.numpy", "__doc__": numpy_type.__doc__, "__slots__": ()})


# Every numeric scalar type name of NumPy's namespace; aliases (double, int_, long...) stay
# the same object as their canonical type, as in NumPy.
_SCALAR_NAMES = [n for n in dir(np) if not n.startswith("_") and isinstance(getattr(np, n), type)
                 and issubclass(getattr(np, n), np.generic)
                 and getattr(np, n) not in (np.generic, np.number, np.integer, np.inexact,
                                             np.floating, np.complexfloating, np.signedinteger,
                                             np.unsignedinteger, np.flexible, np.character)]
_WRAPPED = {}
for _name in _SCALAR_NAMES:
    _t = getattr(np, _name)
    if np.dtype(_t).kind in "biufc":
        if _t not in _WRAPPED:
            _WRAPPED[_t] = _scalar_type(_t)
        globals()[_name] = _WRAPPED[_t]
    else:  # strings, bytes, void, object, datetime: nothing to trace, NumPy's own type
        globals()[_name] = _t
# Type objects of NumPy's namespace that describe or iterate plain arrays and indices.
flexible, character = np.flexible, np.character
ufunc, ndindex, ndenumerate, broadcast = np.ufunc, np.ndindex, np.ndenumerate, np.broadcast


__all__ = [*_SCALAR_NAMES, "flexible", "character", "ufunc", "ndindex", "ndenumerate",
           "broadcast", "arange", "array", "asanyarray", "asarray", "ascontiguousarray", "copy",
           "empty", "from_dlpack",
           "empty_like", "eye", "full", "full_like", "geomspace", "identity", "linspace",
           "logspace", "meshgrid", "ones", "ones_like", "tri", "zeros", "zeros_like"]
