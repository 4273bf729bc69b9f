"""Converting array-likes: ``asarray``, and the shape and dtype of anything array-like.

A nested sequence holding traced values becomes one array by stacking (``stack_nested``); the
shape helpers of ``_util`` accept such sequences too, so they live here with ``asarray``."""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import PYTHON_SCALARS, get_aval, is_tracer
from .fastpath import PLAIN_TYPES, plain_sequence

_ND = np.ndarray


def _aval(a):
    if isinstance(a, (list, tuple)):
        a = asarray_any(a)
    return get_aval(a)


def shape_of(a) -> tuple:
    return _aval(a).shape


def ndim_of(a) -> int:
    return len(_aval(a).shape)


def dtype_of(a) -> np.dtype:
    return _aval(a).dtype


def asarray_any(a):
    """``a`` as something with a shape and dtype: tracers, arrays and Python numbers as they
    are; sequences (which may hold tracers) through ``chainrule.numpy.asarray``."""
    if is_tracer(a) or type(a) in PYTHON_SCALARS or (
            hasattr(a, "shape") and hasattr(a, "dtype")):
        return a
    return asarray(a)


def contains_tracer(obj):
    if is_tracer(obj):
        return True
    if isinstance(obj, (list, tuple)):
        return any(contains_tracer(o) for o in obj)
    return False


def stack_nested(obj):
    """A (nested) sequence holding traced values as one array, by stacking."""
    if not isinstance(obj, (list, tuple)):
        return obj if is_tracer(obj) else np.asarray(obj)
    parts = [stack_nested(o) for o in obj]
    if not parts:
        return np.zeros(0)
    shapes = {shape_of(p) for p in parts}
    if len(shapes) != 1:
        raise ValueError("setting an array element with a sequence. The requested array has "
                         f"an inhomogeneous shape: the nested sequences have shapes "
                         f"{sorted(shapes)}")
    return lax.concatenate([lax.expand_dims(p, (0,)) for p in parts], 0)


def with_dtype(x, dtype):
    if dtype is None or dtype_of(x) == np.dtype(dtype):
        return x
    return lax.convert_element_type(x, dtype)


def from_dlpack(x, /, *, device=None, copy=None):
    """A NumPy array sharing the memory of ``x``, any object with ``__dlpack__`` (a PyTorch
    or JAX CPU tensor, another NumPy array); traced values pass through.

    NumPy's semantics on concrete inputs: no copy when the producer's memory is on the CPU
    and NumPy can view it (``copy=True`` forces one, ``copy=False`` refuses to copy).  Inside
    ``grad``, ``jit``, ``vmap``... the traced value is returned as it is, so a function that
    converts its input with ``from_dlpack`` stays differentiable.  See ``docs/backends.md``
    for handing chainrule's results to PyTorch and JAX.

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule as cr
    >>> import chainrule.numpy as cnp
    >>> x = np.arange(3.0)
    >>> y = cnp.from_dlpack(x)
    >>> np.shares_memory(x, y)
    True
    >>> cr.grad(lambda v: cnp.sum(cnp.from_dlpack(v) ** 2))(x)
    array([0., 2., 4.])
    """
    if is_tracer(x):
        return x
    if device is None and copy is None:  # NumPy 2.0 takes no keywords
        return np.from_dlpack(x)
    return np.from_dlpack(x, device=device, copy=copy)


def asarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """Convert to an array without copying when possible; traced values pass through.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.asarray([1, 2], dtype=float)
    array([1., 2.])
    """
    if type(a) is _ND:
        if dtype is None and order is None and copy is None and device is None and (
                like is None):
            return a  # what numpy.asarray returns, without the call
        return np.asarray(a, dtype, order) if copy is None else np.asarray(
            a, dtype, order, copy=copy)
    if type(a) in PLAIN_TYPES or plain_sequence(a):
        return np.asarray(a, dtype, order) if copy is None else np.asarray(
            a, dtype, order, copy=copy)
    if contains_tracer(a):
        return with_dtype(stack_nested(a), dtype)
    if hasattr(a, "__array_namespace__") and not isinstance(a, (np.ndarray, np.generic)):
        return a if dtype is None else a.astype(dtype)  # CuPy, Dask...: stay in their library
    return np.asarray(a, dtype, order, copy=copy)


asanyarray = asarray
