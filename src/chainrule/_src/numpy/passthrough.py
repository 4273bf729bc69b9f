"""Non-differentiable helpers, dtypes and constants, taken from NumPy as they are.

These either describe arrays (shape, dtype) or return booleans and integers, so there is
no derivative to keep.  On traced values they read the abstract value (shape, dtype) or
the current numbers.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..core import Tracer
from ._util import concrete, dtype_of, shape_of
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
    if isinstance(x, Tracer):
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
        if type(a) is not _ND and isinstance(a, Tracer):
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
    return shape_of(a) if isinstance(a, Tracer) else np.shape(a)


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
    return len(shape_of(a)) if isinstance(a, Tracer) else np.ndim(a)


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
    if not isinstance(a, Tracer):
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


allclose = _values(np.allclose, "[1.0, 2.0], [1.0, 2.0 + 1e-12]", "True", 4)
isclose = _values(np.isclose, "[1.0, 2.0], [1.0, 2.5]", "array([ True, False])", 4)
array_equal = _values(np.array_equal, "[1.0, 2.0], [1.0, 2.0]", "True", 2)
array_equiv = _values(np.array_equiv, "[1.0, 1.0], 1.0", "True", 2)
count_nonzero = _values(np.count_nonzero, "[0.0, 2.0, 3.0]", "np.int64(2)",
                        optional=("axis",))
nonzero = _values(np.nonzero, "[0.0, 2.0, 3.0]", "(array([1, 2]),)")
flatnonzero = _values(np.flatnonzero, "[[0.0, 2.0]]", "array([1])")
argwhere = _values(np.argwhere, "[0.0, 2.0]", "array([[1]])")

# --- index helpers: integer results built from shapes and integer arguments ---------------
def _deep_values(x, name):
    if isinstance(x, (list, tuple)):
        return type(x)(_deep_values(v, name) for v in x)
    return concrete(x, name)


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
lexsort = _index_helper(np.lexsort, "([2.0, 1.0, 1.0], [1.0, 1.0, 0.0])", "array([2, 1, 0])")
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
