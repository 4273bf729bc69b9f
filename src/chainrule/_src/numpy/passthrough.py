"""Non-differentiable helpers, dtypes and constants, taken from NumPy as they are.

These either describe arrays (shape, dtype) or return booleans and integers, so there is
no derivative to keep.  On traced values they read the abstract value.
"""

from __future__ import annotations

import numpy as np

from ..core import Tracer, get_aval

float16, float32, float64 = np.float16, np.float32, np.float64
int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
complex64, complex128 = np.complex64, np.complex128
bool_ = np.bool_
intp, uintp = np.intp, np.uintp
dtype, finfo, iinfo = np.dtype, np.finfo, np.iinfo
result_type, promote_types, can_cast = np.result_type, np.promote_types, np.can_cast
issubdtype, ndarray, generic = np.issubdtype, np.ndarray, np.generic
floating, integer, inexact, number, complexfloating, signedinteger = (
    np.floating, np.integer, np.inexact, np.number, np.complexfloating, np.signedinteger)
pi, e, inf, nan, newaxis, euler_gamma = np.pi, np.e, np.inf, np.nan, np.newaxis, np.euler_gamma
errstate = np.errstate
AxisError = np.exceptions.AxisError


def _concrete(x, name):
    if isinstance(x, Tracer):
        base = x
        while isinstance(base, Tracer) and hasattr(base, "primal"):
            base = base.primal
        if isinstance(base, Tracer):
            raise TypeError(f"{name} needs concrete values, but got a staged (abstract) value")
        return base
    return x


def shape(a):
    """Shape of ``a`` (works on traced values)."""
    return get_aval(a).shape if isinstance(a, Tracer) else np.shape(a)


def ndim(a):
    """Number of dimensions of ``a`` (works on traced values)."""
    return get_aval(a).ndim if isinstance(a, Tracer) else np.ndim(a)


def size(a, axis=None):
    """Number of elements of ``a`` (along ``axis``), also of traced values."""
    s = shape(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


def _values(fn):
    name = fn.__name__

    def wrapper(*args, **kwargs):
        args = [_concrete(a, name) for a in args]
        return fn(*args, **kwargs)
    wrapper.__name__ = name
    wrapper.__doc__ = (f"numpy.{name} on the current values (no derivative: the result is "
                       "boolean or integer).")
    return wrapper


allclose = _values(np.allclose)
isclose = _values(np.isclose)
array_equal = _values(np.array_equal)
array_equiv = _values(np.array_equiv)
count_nonzero = _values(np.count_nonzero)
nonzero = _values(np.nonzero)
flatnonzero = _values(np.flatnonzero)
argwhere = _values(np.argwhere)
iscomplexobj = _values(np.iscomplexobj)
isrealobj = _values(np.isrealobj)
isscalar = np.isscalar
