"""Reductions and cumulative operations along static axes."""

from __future__ import annotations

import functools
from math import prod

import numpy as np

from ..core import Primitive, ShapedArray, Zero, concrete_value, get_aval
from ._rules import defaxes_batch, deflinear, defnondiff
from .elementwise import add, convert_element_type, div, eq, mul, select
from .shape import broadcast_to, concatenate, moveaxis, reshape, rev, slice_axis


def _reduced_shape(shape, axes):
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _reduction(name, np_name, dtype_rule=None):
    prim = Primitive(name)
    prim.impl = lambda xp, x, axes: getattr(xp, np_name)(x, axis=axes)

    def abstract_eval(a, axes):
        dtype = dtype_rule(a.dtype) if dtype_rule else a.dtype
        return ShapedArray(_reduced_shape(a.shape, axes), dtype)
    prim.abstract_eval = abstract_eval
    defaxes_batch(prim, "axes")
    prim.allocates = True  # a new array, never a view of the operand
    return prim


def _sum_dtype(dtype):
    return np.sum(np.zeros((1,), dtype)).dtype


reduce_sum_p = _reduction("reduce_sum", "sum", _sum_dtype)


def _sum_impl(xp, x, axes):
    if type(x) is np.ndarray and x.dtype.kind in "fc" and x.size >= _SUM_MIN_SIZE:
        block = _contiguous_block(x, axes)
        if block is not None:
            return _sum_block(x, axes, *block)
    return xp.sum(x, axis=axes)


reduce_sum_p.impl = _sum_impl

# NumPy's reduction loop pays a fixed cost per output row, so a sum whose kept trailing
# extent is short (summing a (4096, 3) array over either axis, the last axis of a
# (64, 64, 3) one) runs 10-15x slower than a product with a vector of ones, which BLAS does
# at memory speed.  The two differ only by rounding.
_SUM_MIN_SIZE = 64
_SUM_MAX_REDUCED = 1024
_SUM_MAX_KEPT_INNER = 256


def _contiguous_block(x, axes):
    """``(outer, reduced, inner)`` sizes when ``axes`` is one contiguous run of axes."""
    if not x.flags.c_contiguous:
        return None
    return _block_sizes(x.shape, axes)


def _block_sizes(shape, axes):
    """``(outer, reduced, inner)`` of a C-contiguous operand of ``shape``, or None."""
    if not axes:
        return None
    lo, hi = min(axes), max(axes)
    if hi - lo + 1 != len(axes):
        return None
    outer, reduced, inner = prod(shape[:lo]), prod(shape[lo:hi + 1]), prod(shape[hi + 1:])
    if reduced > _SUM_MAX_REDUCED or inner > _SUM_MAX_KEPT_INNER or outer * inner == 1:
        return None
    return outer, reduced, inner


@functools.lru_cache(maxsize=64)
def _ones(n, dtype):
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _sum_block(x, axes, outer, reduced, inner):
    ones = _ones(reduced, x.dtype)
    if inner == 1:
        y = x.reshape(outer, reduced) @ ones
    else:
        y = ones @ x.reshape(outer, reduced, inner)
    return y.reshape(_reduced_shape(x.shape, axes))


reduce_max_p = _reduction("reduce_max", "max")
reduce_min_p = _reduction("reduce_min", "min")
reduce_prod_p = _reduction("reduce_prod", "prod", _sum_dtype)
reduce_and_p = defnondiff(_reduction("reduce_and", "all", lambda d: np.dtype(bool)))
reduce_or_p = defnondiff(_reduction("reduce_or", "any", lambda d: np.dtype(bool)))


def _ufunc_reduce_kernel(ufunc, bool_only=False):
    """For code generation (``Primitive.numpy_kernel``): the reduction as the ufunc's own
    ``reduce`` with its axes bound.  ``np.sum`` and its kin are Python wrappers around it
    that cost about a microsecond more per call, as much as the reduction of a small array
    (a loop that sums a few short vectors per iteration spends most of its time there).
    They compute the same thing: ``np.sum(x, axis)`` is ``np.add.reduce(x, axis)`` on an
    array, with the same promotion of booleans and small integers."""
    def kernel(eqn):
        aval = eqn.inputs[0].aval
        if not aval.shape or (bool_only and aval.dtype != np.bool_):
            return None  # 0-d operands may be NumPy scalars: leave them to the wrapper
        axes = eqn.params["axes"]
        if ufunc is np.add and aval.dtype.kind in "fc" and aval.size >= _SUM_MIN_SIZE:
            rows = _sum_kernel(aval, axes)
            if rows is not None:
                return rows
        return functools.partial(ufunc.reduce, axis=axes)
    return kernel


def _sum_kernel(aval, axes):
    """``_sum_impl`` specialized to an operand of ``aval``: its matrix-product path with
    the sizes worked out once (the same arithmetic, so the same rounding), or None."""
    block = _block_sizes(aval.shape, axes)
    if block is None:
        return None
    outer, reduced, inner = block
    ones, shape = _ones(reduced, aval.dtype), _reduced_shape(aval.shape, axes)

    def sum_rows(x):
        if type(x) is not np.ndarray or not x.flags.c_contiguous:
            return _sum_impl(np, x, axes)
        if inner == 1:
            return (x.reshape(outer, reduced) @ ones).reshape(shape)
        return (ones @ x.reshape(outer, reduced, inner)).reshape(shape)
    return sum_rows


reduce_sum_p.numpy_kernel = _ufunc_reduce_kernel(np.add)
reduce_prod_p.numpy_kernel = _ufunc_reduce_kernel(np.multiply)
reduce_max_p.numpy_kernel = _ufunc_reduce_kernel(np.maximum)
reduce_min_p.numpy_kernel = _ufunc_reduce_kernel(np.minimum)
reduce_and_p.numpy_kernel = _ufunc_reduce_kernel(np.logical_and, bool_only=True)
reduce_or_p.numpy_kernel = _ufunc_reduce_kernel(np.logical_or, bool_only=True)


def _bind_axes(prim):
    def bind(x, axes):
        return prim.bind(x, axes=tuple(axes))
    bind.__name__ = prim.name
    return bind


reduce_sum, reduce_max, reduce_min, reduce_prod, reduce_and, reduce_or = map(
    _bind_axes, (reduce_sum_p, reduce_max_p, reduce_min_p, reduce_prod_p, reduce_and_p,
                 reduce_or_p))


def _expand_reduced(y, shape, axes):
    """Broadcast a reduced value back to the operand's shape."""
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return broadcast_to(reshape(y, kept), shape)


deflinear(reduce_sum_p, transpose=lambda ct, x, axes: [
    _expand_reduced(ct, x.aval.shape, axes)])
# Eager reverse mode records a sum on its tape (``Primitive.scaling``): the cotangent is
# reshaped to the operand's shape with the summed axes of length 1, then broadcast, as
# ``_expand_reduced`` does.
reduce_sum_p.scaling = (("sum", lambda ans, x, axes: tuple(
    1 if i in axes else n for i, n in enumerate(np.shape(x)))),)


def _chooser_jvp(prim):
    # Ties share the derivative evenly: deterministic and symmetric.
    def jvp(primals, tangents, axes):
        (x,), (t,) = primals, tangents
        ans = prim.bind(x, axes=axes)
        shape = get_aval(x).shape
        # The ties as 1.0 and 0.0: a conversion, where a select (NumPy's where) on a
        # random mask costs ten times more (a max pooling layer's gradient).  Half
        # precision keeps the select, whose weak 1.0 counts ties past 2048 exactly.
        mask = eq(x, _expand_reduced(ans, shape, axes))
        dtype = get_aval(x).dtype
        hits = (convert_element_type(mask, dtype) if dtype.kind == "f" and dtype.itemsize >= 4
                else select(mask, 1.0, 0.0))
        counts = reduce_sum(hits, axes)
        return ans, div(reduce_sum(mul(t, hits), axes), counts)
    prim.jvp = jvp


_chooser_jvp(reduce_max_p)
_chooser_jvp(reduce_min_p)


def _exclusive_cumprod(x, axis, reverse=False):
    """Product of the elements strictly before (or after) each position along ``axis``."""
    n = get_aval(x).shape[axis]
    if reverse:
        return rev(_exclusive_cumprod(rev(x, (axis,)), axis), (axis,))
    ones_shape = list(get_aval(x).shape)
    ones_shape[axis] = 1
    ones = np.ones(ones_shape, get_aval(x).dtype)
    shifted = concatenate([ones, slice_axis(x, axis, 0, n - 1)], axis) if n > 1 else ones
    return cumprod(shifted, axis)


def _reduce_prod_jvp(primals, tangents, axes):
    # d prod = sum_j t_j * prod_{k != j} x_k, with the product of the others taken as
    # (product before j) * (product after j): exact when x has zeros, no division.
    (x,), (t,) = primals, tangents
    ans = reduce_prod(x, axes)
    shape = get_aval(x).shape
    if not axes:
        return ans, t
    if any(shape[a] == 0 for a in axes):
        return ans, Zero(get_aval(ans))
    front = moveaxis(x, axes, tuple(range(-len(axes), 0)))
    tfront = moveaxis(t, axes, tuple(range(-len(axes), 0)))
    flat_shape = get_aval(front).shape[:-len(axes)] + (-1,)
    xf, tf = reshape(front, flat_shape), reshape(tfront, flat_shape)
    others = mul(_exclusive_cumprod(xf, -1 % len(flat_shape)),
                 _exclusive_cumprod(xf, -1 % len(flat_shape), reverse=True))
    return ans, reduce_sum(mul(tf, others), (len(flat_shape) - 1,))


reduce_prod_p.jvp = _reduce_prod_jvp

# --- arg-reductions --------------------------------------------------------------------
argmax_p = Primitive("argmax")
argmin_p = Primitive("argmin")
for _p, _name in ((argmax_p, "argmax"), (argmin_p, "argmin")):
    _p.impl = (lambda n: lambda xp, x, axis, keepdims: getattr(xp, n)(
        x, axis=axis, keepdims=keepdims))(_name)
    _p.abstract_eval = lambda a, axis, keepdims: ShapedArray(
        (tuple(1 for _ in a.shape) if keepdims else ()) if axis is None else
        tuple((1 if keepdims else None) if i == axis else n for i, n in enumerate(a.shape)
              if keepdims or i != axis), np.int64)
    defnondiff(_p)
    _p.allocates = True


def _arg_batch(prim):
    def batch(size, vals, dims, axis, keepdims):
        (x,) = vals
        if axis is not None:
            return prim.bind(x, axis=axis + 1, keepdims=keepdims), 0
        shape = get_aval(x).shape
        out = prim.bind(reshape(x, (shape[0], -1)), axis=1, keepdims=False)
        if keepdims:
            out = reshape(out, (shape[0],) + (1,) * (len(shape) - 1))
        return out, 0
    prim.batch = batch


_arg_batch(argmax_p)
_arg_batch(argmin_p)

# --- cumulative ------------------------------------------------------------------------
cumsum_p = Primitive("cumsum")
cumsum_p.impl = lambda xp, x, axis: xp.cumsum(x, axis=axis)
cumsum_p.abstract_eval = lambda a, axis: ShapedArray(a.shape, _sum_dtype(a.dtype))
cumprod_p = Primitive("cumprod")
cumprod_p.impl = lambda xp, x, axis: xp.cumprod(x, axis=axis)
cumprod_p.abstract_eval = lambda a, axis: ShapedArray(a.shape, _sum_dtype(a.dtype))
for _p in (cumsum_p, cumprod_p):
    defaxes_batch(_p, "axis")
    _p.allocates = True


def cumsum(x, axis):
    return cumsum_p.bind(x, axis=axis)


def cumprod(x, axis):
    return cumprod_p.bind(x, axis=axis)


deflinear(cumsum_p, transpose=lambda ct, x, axis: [rev(cumsum(rev(ct, (axis,)), axis),
                                                       (axis,))])


def _cumprod_jvp(primals, tangents, axis):
    # Without zeros, d out = out * cumsum(t / x): an identity wherever x != 0, so every
    # higher derivative is right too.  Otherwise (exact zeros, or values not known here, as
    # under jit and vmap) use the product rule out_i = out_{i-1} * x_i, which gives the
    # linear recurrence d_i = x_i * d_{i-1} + out_{i-1} * t_i: solved by a doubling scan
    # (log2(n) steps of products and shifts, no division), exact at every order.
    (x,), (t,) = primals, tangents
    ans = cumprod(x, axis)
    n = get_aval(x).shape[axis]
    if n == 0:
        return ans, Zero(get_aval(ans))
    value = concrete_value(x)
    if value is not None and not np.any(value == 0):
        return ans, mul(ans, cumsum(div(t, x), axis))

    def shifted(v, k, fill):
        # v moved k places forward along axis, the first k places filled with `fill`.
        head = list(get_aval(v).shape)
        head[axis] = k
        return concatenate([np.full(head, fill, get_aval(v).dtype),
                            slice_axis(v, axis, 0, n - k)], axis)

    # (a, b) at i stands for d_i = a * d_{i-k} + b; composing with the pair at i - k
    # doubles k, until it covers the whole axis (d before the start is 0).
    a, b = x, mul(shifted(ans, 1, 1), t)
    k = 1
    while k < n:
        b = add(b, mul(a, shifted(b, k, 0)))
        if 2 * k < n:
            a = mul(a, shifted(a, k, 1))
        k *= 2
    return ans, b


cumprod_p.jvp = _cumprod_jvp
