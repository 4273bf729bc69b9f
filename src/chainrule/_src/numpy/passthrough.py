"""Non-differentiable helpers, dtypes and constants, taken from NumPy as they are.

These either describe arrays (shape, dtype) or return booleans and integers, so there is
no derivative to keep.  On traced values they read the abstract value (shape, dtype) or
the current numbers.
"""

from __future__ import annotations

import functools
import inspect
import math

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .. import lax
from ..core import concrete_value, get_aval, is_tracer
from ._util import asarray_any, concrete, dtype_of, normalize_axes, normalize_axis, shape_of
from .fastpath import PLAIN_TYPES, numpy_fast_path

_ND = np.ndarray

# --- dtypes, constants and NumPy's helpers on dtypes ------------------------------------
# (the scalar types float64, int32... are in creation.py: called on traced values they cast)
dtype, finfo, iinfo = np.dtype, np.finfo, np.iinfo
promote_types, can_cast, issubdtype = np.promote_types, np.can_cast, np.issubdtype
ndarray, generic = np.ndarray, np.generic
floating, integer, inexact, number = np.floating, np.integer, np.inexact, np.number
complexfloating, signedinteger, unsignedinteger = (
    np.complexfloating, np.signedinteger, np.unsignedinteger)
pi, e, inf, nan, newaxis, euler_gamma = np.pi, np.e, np.inf, np.nan, np.newaxis, np.euler_gamma
errstate = np.errstate
isscalar, iterable = np.isscalar, np.iterable
AxisError = np.exceptions.AxisError


def _dtype_stand_in(x):
    """What NumPy's dtype helpers should see for ``x``: its dtype (a 0-d array for a
    traced value, so that Python scalars stay weak)."""
    if is_tracer(x):
        return np.zeros((), dtype_of(x))
    return x


def result_type(*arrays_and_dtypes):
    """:func:`numpy.result_type`, also for traced values.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.result_type(cnp.ones(2, cnp.float32), 1.0)
    dtype('float32')
    """
    for a in arrays_and_dtypes:
        if type(a) is not _ND and is_tracer(a):
            return np.result_type(*[_dtype_stand_in(a) for a in arrays_and_dtypes])
    return np.result_type(*arrays_and_dtypes)


def shape(a):
    """Shape of ``a`` (works on traced values).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.shape([[1.0, 2.0]])
    (1, 2)
    """
    if type(a) is _ND:
        return a.shape  # what numpy.shape returns, without its dispatch
    return shape_of(a) if is_tracer(a) else np.shape(a)


def ndim(a):
    """Number of dimensions of ``a`` (works on traced values).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.ndim(2.0)
    0
    """
    if type(a) is _ND:
        return a.ndim
    return len(shape_of(a)) if is_tracer(a) else np.ndim(a)


def size(a, axis=None):
    """Number of elements of ``a`` (along ``axis``), also of traced values.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.size(cnp.ones((2, 3)), 1)
    3
    """
    if type(a) is _ND and axis is None:
        return a.size
    if not is_tracer(a):
        return np.size(a, axis)
    s = shape_of(a)
    if axis is None:
        return math.prod(s)
    return math.prod(s[i] for i in normalize_axis_tuple(axis, len(s), allow_duplicate=False))


def iscomplexobj(x):
    """Whether ``x`` has a complex dtype (works on traced values).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.iscomplexobj(cnp.ones(2) * 1j)
    True
    """
    if type(x) is _ND:
        return issubclass(x.dtype.type, np.complexfloating)
    return np.iscomplexobj(_dtype_stand_in(x))


def isrealobj(x):
    """Whether ``x`` has a real (non-complex) dtype (works on traced values).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.isrealobj(cnp.ones(2))
    True
    """
    return not iscomplexobj(x)


def _values(fn, example, result, arrays=1, optional=()):
    """``fn`` on the current values of its arguments: its result has no derivative.

    The wrapper has NumPy's signature and its fast path (see ``numpy_fast_path``)."""
    name = fn.__name__

    def general(*args, **kwargs):
        return fn(*[concrete(a, name) for a in args],
                  **{k: concrete(v, name) for k, v in kwargs.items()})
    general.__name__ = general.__qualname__ = name
    general.__doc__ = (f":func:`numpy.{name}` on the current values (also of traced values); "
                       "the result is boolean or integer, with no derivative.\n\n"
                       "Examples\n--------\n>>> import chainrule.numpy as cnp\n"
                       f">>> cnp.{name}({example})\n{result}\n")
    try:
        general.__signature__ = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover - a NumPy that does not say
        return general
    return numpy_fast_path(fn, arrays, optional)(general)


def _traced_or_values(fn, traced, example, result, arrays=1, optional=()):
    """Like ``_values``, but when some input is only known abstractly (jit, vmap) the
    result is computed by ``traced`` with primitives (its shape never depends on the
    values); a NumPy Python bool becomes a 0-d boolean array then, as in JAX."""
    name = fn.__name__
    values = _values(fn, example, result, arrays, optional)

    @functools.wraps(values)
    def general(*args, **kwargs):
        if any(is_tracer(a) and concrete_value(a) is None
               for a in (*args, *kwargs.values())):
            return traced(*args, **kwargs)
        return values(*args, **kwargs)
    general.__name__ = general.__qualname__ = name
    general.__doc__ = values.__doc__.replace(
        "on the current values (also of traced values)",
        "on the current values; under ``jit`` and ``vmap`` computed with primitives (a "
        "Python ``bool`` becomes a 0-d boolean array there)")
    return general


def _float_pair(a, b):
    a, b = asarray_any(a), asarray_any(b)
    dt = np.result_type(get_aval(b).dummy(), 1.0)
    return [x if dtype_of(x) == np.result_type(get_aval(x).dummy(), dt) else
            lax.convert_element_type(x, np.result_type(get_aval(x).dummy(), dt))
            for x in (a, b)]


def _isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    # NumPy's definition: |a - b| <= atol + rtol |b| for finite b, or a == b (infinities).
    a, b = _float_pair(a, b)
    finite = lax.isfinite(b)
    # Infinite b is masked out below; zeroing it first avoids inf - inf (a NaN warning).
    bf = lax.select(finite, b, np.zeros((), dtype_of(b)))
    close = lax.logical_and(lax.le(lax.abs(lax.sub(a, bf)), lax.add(atol, lax.mul(
        rtol, lax.abs(bf)))), finite)
    close = lax.logical_or(close, lax.eq(a, b))
    if equal_nan:
        close = lax.logical_or(close, lax.logical_and(lax.isnan(a), lax.isnan(b)))
    return close


def _all(x):
    return lax.reduce_and(x, tuple(range(len(shape_of(x)))))


def _allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _all(_isclose(a, b, rtol, atol, equal_nan))


def _equal(a1, a2, equal_nan):
    a1, a2 = asarray_any(a1), asarray_any(a2)
    same = lax.eq(a1, a2)
    if equal_nan and dtype_of(a1).kind in "fc" and dtype_of(a2).kind in "fc":
        same = lax.logical_or(same, lax.logical_and(lax.isnan(a1), lax.isnan(a2)))
    return _all(same)


def _array_equal(a1, a2, equal_nan=False):
    if shape_of(a1) != shape_of(a2):
        return False  # known from the shapes alone
    return _equal(a1, a2, equal_nan)


def _array_equiv(a1, a2):
    try:
        np.broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return False
    return _equal(a1, a2, False)


def _count_nonzero(a, axis=None, *, keepdims=False):
    a = asarray_any(a)
    axes = normalize_axes(axis, len(shape_of(a)))
    nz = lax.convert_element_type(lax.ne(a, np.zeros((), dtype_of(a))), np.dtype(np.intp))
    out = lax.reduce_sum(nz, axes)
    if keepdims:
        out = lax.reshape(out, tuple(1 if i in axes else n for i, n in enumerate(shape_of(a))))
    return out


allclose = _traced_or_values(np.allclose, _allclose, "[1.0, 2.0], [1.0, 2.0 + 1e-12]", "True",
                             4)
isclose = _traced_or_values(np.isclose, _isclose, "[1.0, 2.0], [1.0, 2.5]",
                            "array([ True, False])", 4)
array_equal = _traced_or_values(np.array_equal, _array_equal, "[1.0, 2.0], [1.0, 2.0]", "True",
                                2)
array_equiv = _traced_or_values(np.array_equiv, _array_equiv, "[1.0, 1.0], 1.0", "True", 2)
count_nonzero = _traced_or_values(np.count_nonzero, _count_nonzero, "[0.0, 2.0, 3.0]",
                                  "np.int64(2)", optional=("axis",))
nonzero = _values(np.nonzero, "[0.0, 2.0, 3.0]", "(array([1, 2]),)")
flatnonzero = _values(np.flatnonzero, "[[0.0, 2.0]]", "array([1])")
argwhere = _values(np.argwhere, "[0.0, 2.0]", "array([[1]])")

# --- index helpers: integer results built from shapes and integer arguments ---------------
def _deep_values(x, name):
    if isinstance(x, (list, tuple)):
        return type(x)(_deep_values(v, name) for v in x)
    return concrete(x, name, "NumPy computes the result from them, checking that the "
                    "indices are in bounds (no staged form yet)")


def _index_helper(fn, example, result):
    name = fn.__name__

    def wrapper(*args, **kwargs):
        if not kwargs:
            # Plain arguments, or sequences of them (lexsort's keys): NumPy's own call.
            for a in args:
                if type(a) is _ND or type(a) in PLAIN_TYPES:
                    continue
                if type(a) is tuple or type(a) is list:
                    for v in a:
                        if type(v) is not _ND and type(v) not in PLAIN_TYPES:
                            break
                    else:
                        continue
                break
            else:
                return fn(*args)
        return fn(*[_deep_values(a, name) for a in args],
                  **{k: _deep_values(v, name) for k, v in kwargs.items()})
    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = (f":func:`numpy.{name}` (on the current values of traced arguments); "
                       "the result is made of integers or booleans, with no derivative.\n\n"
                       "Examples\n--------\n>>> import chainrule.numpy as cnp\n"
                       f">>> cnp.{name}({example})\n{result}\n")
    return wrapper


diag_indices = _index_helper(np.diag_indices, "2", "(array([0, 1]), array([0, 1]))")
tril_indices = _index_helper(np.tril_indices, "2", "(array([0, 1, 1]), array([0, 0, 1]))")
triu_indices = _index_helper(np.triu_indices, "2", "(array([0, 0, 1]), array([0, 1, 1]))")
mask_indices = _index_helper(np.mask_indices, "2, cnp.triu",
                             "(array([0, 0, 1]), array([0, 1, 1]))")
indices = _index_helper(np.indices, "(2,), sparse=True", "(array([0, 1]),)")
ix_ = _index_helper(np.ix_, "[0, 1], [2]", "(array([[0],\n       [1]]), array([[2]]))")
ravel_multi_index = _index_helper(np.ravel_multi_index, "([1, 2], [0, 1]), (3, 2)",
                                  "array([2, 5])")
unravel_index = _index_helper(np.unravel_index, "[2, 5], (3, 2)",
                              "(array([1, 2]), array([0, 1]))")
_lexsort_values = _index_helper(np.lexsort, "([2.0, 1.0, 1.0], [1.0, 1.0, 0.0])",
                                "array([2, 1, 0])")


def _abstract(x):
    if isinstance(x, (list, tuple)):
        return any(_abstract(v) for v in x)
    return is_tracer(x) and concrete_value(x) is None


def lexsort(keys, axis=-1):
    """Indices that sort by several keys, the last key first (an integer result, no
    derivative).  Keys known only abstractly (``jit``, ``vmap``) are sorted with stable
    ``argsort`` passes, from the least to the most significant key.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.lexsort(([2.0, 1.0, 1.0], [1.0, 1.0, 0.0]))
    array([2, 1, 0])
    """
    if not _abstract(keys):
        return _lexsort_values(keys, axis)

    if is_tracer(keys):
        keys = [keys[i] for i in range(shape_of(keys)[0])]
    keys = [asarray_any(k) for k in keys]
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    shape = np.broadcast_shapes(*[shape_of(k) for k in keys])
    if not shape:
        raise np.exceptions.AxisError("axis -1 is out of bounds for array of dimension 0")
    axis = normalize_axis(axis, len(shape))
    keys = [lax.broadcast_to(k, shape) for k in keys]
    perm = lax.argsort(keys[0], axis)
    for k in keys[1:]:
        perm = lax.take_along_axis(perm, lax.argsort(lax.take_along_axis(k, perm, axis), axis),
                                   axis)
    return perm
packbits = _index_helper(np.packbits, "[1, 0, 1]", "array([160], dtype=uint8)")
unpackbits = _index_helper(np.unpackbits, "np.array([160], dtype=np.uint8)[:1]",
                           "array([1, 0, 1, 0, 0, 0, 0, 0], dtype=uint8)")


def _matrix_shape(arr, name):
    s = shape(arr)
    if len(s) != 2:
        raise ValueError(f"{name}: input array must be 2-d")
    return s


def diag_indices_from(arr):
    """Indices of the main diagonal of ``arr`` (all axes of equal length; only the shape is
    read, so traced values work too).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.diag_indices_from(cnp.ones((2, 2)))
    (array([0, 1]), array([0, 1]))
    """
    s = shape(arr)
    if len(s) < 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(s)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return np.diag_indices(s[0], len(s))


def tril_indices_from(arr, k=0):
    """Indices of the lower triangle of the 2-d ``arr`` (only its shape is read).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.tril_indices_from(cnp.ones((2, 2)))
    (array([0, 1, 1]), array([0, 0, 1]))
    """
    n, m = _matrix_shape(arr, "tril_indices_from")
    return np.tril_indices(n, k=k, m=m)


def triu_indices_from(arr, k=0):
    """Indices of the upper triangle of the 2-d ``arr`` (only its shape is read).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.triu_indices_from(cnp.ones((2, 2)), k=1)
    (array([0]), array([1]))
    """
    n, m = _matrix_shape(arr, "triu_indices_from")
    return np.triu_indices(n, k=k, m=m)


__all__ = ["diag_indices", "diag_indices_from", "indices", "ix_", "lexsort", "mask_indices",
           "packbits", "ravel_multi_index", "tril_indices", "tril_indices_from",
           "triu_indices", "triu_indices_from", "unpackbits", "unravel_index",

    "dtype", "finfo", "iinfo",
    "promote_types", "can_cast", "issubdtype", "ndarray", "generic", "floating", "integer",
    "inexact", "number", "complexfloating", "signedinteger", "unsignedinteger", "pi", "e",
    "inf", "nan", "newaxis", "euler_gamma", "errstate", "isscalar",
    "iterable", "AxisError", "result_type", "shape", "ndim", "size", "iscomplexobj",
    "isrealobj", "allclose", "isclose", "array_equal", "array_equiv", "count_nonzero",
    "nonzero", "flatnonzero", "argwhere"]
