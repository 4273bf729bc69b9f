"""Shape primitives: all linear, each transposed by another shape primitive."""

from __future__ import annotations

import math

import numpy as np

from ..core import Primitive, ShapedArray, get_aval
from ..interpreters.linearize import is_undefined
from ._rules import align_batched, defaxes_batch, deflinear, move_to_front, unbroadcast


def _linear(name, impl, abstract_eval, transpose):
    prim = Primitive(name)
    prim.impl = impl
    prim.abstract_eval = abstract_eval
    deflinear(prim, transpose=transpose)
    return prim


def _same_dtype(shape_fn):
    return lambda a, **p: ShapedArray(shape_fn(a, **p), a.dtype, a.weak_type)


# --- reshape / transpose / broadcast ---------------------------------------------------
def _reshape_impl(xp, x, shape):
    if xp is np:
        # The method is what numpy.reshape calls, without its wrappers (1 µs of a 1.3 µs
        # call: compiled programs of small arrays reshape often, as in stack).
        return x.reshape(shape) if isinstance(x, (np.ndarray, np.generic)) else np.reshape(
            x, shape)
    # An empty array is rebuilt rather than reshaped: Dask fails to reshape some of them.
    return xp.reshape(x, shape) if math.prod(x.shape) else xp.zeros(shape, dtype=x.dtype)


reshape_p = _linear(
    "reshape", _reshape_impl,
    _same_dtype(lambda a, shape: shape),
    lambda ct, x, shape: [reshape(ct, x.aval.shape)])


def _reshape_kernel(eqn):
    """For code generation (``Primitive.numpy_kernel``): ``_reshape_impl`` on NumPy with
    the shape bound (half the cost of calling it with keyword parameters)."""
    shape = eqn.params["shape"]

    def reshape(x):
        return x.reshape(shape) if isinstance(x, (np.ndarray, np.generic)) else np.reshape(
            x, shape)
    return reshape


reshape_p.numpy_kernel = _reshape_kernel
reshape_p.batch = lambda size, vals, dims, shape: (
    reshape_p.bind(vals[0], shape=(size,) + shape), 0)


# Eager reverse mode's tape lane (``Primitive.tape_linear``): the value as ``impl`` gives it
# on NumPy arrays, transposed by reshaping back.
reshape_p.tape_linear = lambda primals, shape: (
    _reshape_impl(np, primals[0], shape), (("reshape", primals[0].shape),))


def reshape(x, shape):
    shape = tuple(int(n) for n in shape)
    if -1 in shape:
        shape = _infer_shape(get_aval(x).size, shape)
    if get_aval(x).shape == shape:
        return x
    return reshape_p.bind(x, shape=shape)


def _infer_shape(size, shape):
    known = math.prod(int(n) for n in shape if n != -1)
    if shape.count(-1) > 1 or (known == 0 and size) or (known and size % known):
        raise ValueError(f"cannot reshape an array of size {size} into shape {shape}")
    return tuple((size // known if known else 0) if n == -1 else n for n in shape)


transpose_p = _linear(
    "transpose", lambda xp, x, perm: xp.transpose(x, perm),
    _same_dtype(lambda a, perm: tuple(a.shape[i] for i in perm)),
    lambda ct, x, perm: [transpose(ct, tuple(np.argsort(perm)))])
transpose_p.batch = lambda size, vals, dims, perm: (
    transpose_p.bind(vals[0], perm=(0,) + tuple(p + 1 for p in perm)), 0)


transpose_p.tape_linear = lambda primals, perm: (
    np.transpose(primals[0], perm),
    (("transpose", tuple(sorted(range(len(perm)), key=perm.__getitem__))),))


def transpose(x, perm):
    perm = tuple(map(int, perm))
    if perm == tuple(range(len(perm))):
        return x
    return transpose_p.bind(x, perm=perm)


broadcast_to_p = _linear(
    "broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape),
    _same_dtype(lambda a, shape: shape),
    lambda ct, x, shape: [unbroadcast(ct, x.aval)])
broadcast_to_p.batch = lambda size, vals, dims, shape: (
    broadcast_to_p.bind(align_batched(vals[0], 0, len(shape)), shape=(size,) + shape), 0)


def broadcast_to(x, shape):
    shape = tuple(int(n) for n in shape)
    if get_aval(x).shape == shape:
        return x
    return broadcast_to_p.bind(x, shape=shape)


def expand_dims(x, axes):
    shape = list(get_aval(x).shape)
    nd = len(shape) + len(axes)
    for a in sorted(ax % nd for ax in axes):
        shape.insert(a, 1)
    return reshape(x, shape)


def moveaxis(x, source, destination):
    nd = get_aval(x).ndim
    source = [s % nd for s in np.atleast_1d(source)]
    destination = [d % nd for d in np.atleast_1d(destination)]
    order = [n for n in range(nd) if n not in source]
    for d, s in sorted(zip(destination, source)):
        order.insert(d, s)
    return transpose(x, order)


# --- reverse ---------------------------------------------------------------------------
rev_p = _linear("rev", lambda xp, x, axes: xp.flip(x, axis=axes),
                _same_dtype(lambda a, axes: a.shape),
                lambda ct, x, axes: [rev(ct, axes)])
defaxes_batch(rev_p, "axes")


def rev(x, axes):
    nd = get_aval(x).ndim
    return rev_p.bind(x, axes=tuple(sorted(a % nd for a in axes)))


# --- static slicing and its transpose ---------------------------------------------------
def _slices(index):
    return tuple(slice(*s) for s in index)


def _sliced_shape(shape, index):
    return tuple(len(range(*slice(*s).indices(n))) for s, n in zip(index, shape)) + \
        tuple(shape[len(index):])


slice_p = _linear(
    "slice", lambda xp, x, index: x[_slices(index) + (Ellipsis,)],
    _same_dtype(lambda a, index: _sliced_shape(a.shape, index)),
    lambda ct, x, index: [embed_slice(ct, index, x.aval.shape)])
slice_p.batch = lambda size, vals, dims, index: (
    slice_p.bind(vals[0], index=((None, None, None),) + index), 0)


def _embed_impl(xp, x, index, shape):
    out = xp.zeros(shape, dtype=x.dtype)
    if xp is np or math.prod(x.shape):  # Dask refuses to assign to an empty selection
        out[_slices(index)] = x
    return out


embed_slice_p = _linear(
    "embed_slice", _embed_impl, _same_dtype(lambda a, index, shape: shape),
    lambda ct, x, index, shape: [static_slice(ct, index)])
embed_slice_p.batch = lambda size, vals, dims, index, shape: (
    embed_slice_p.bind(vals[0], index=((None, None, None),) + index, shape=(size,) + shape), 0)


def static_slice(x, index):
    """``x[index]`` for a tuple of ``(start, stop, step)`` triples (basic slicing only)."""
    index = tuple(tuple(s) for s in index)
    return slice_p.bind(x, index=index)


def embed_slice(x, index, shape):
    """Zeros of ``shape`` with ``x`` written at ``index``: the transpose of slicing."""
    return embed_slice_p.bind(x, index=tuple(tuple(s) for s in index), shape=tuple(shape))


def slice_axis(x, axis, start, stop, step=1):
    nd = get_aval(x).ndim
    axis %= nd
    index = [(None, None, None)] * axis + [(start, stop, step)]
    return static_slice(x, index)


# --- concatenate ------------------------------------------------------------------------
def _concat_abstract_eval(*avals, axis):
    dtype = np.result_type(*[a.dummy() for a in avals])
    shape = list(avals[0].shape)
    shape[axis] = sum(a.shape[axis] for a in avals)
    return ShapedArray(shape, dtype, all(a.weak_type for a in avals))


def _concat_transpose(ct, *args, axis):
    out, start = [], 0
    for a in args:
        n = (a.aval if is_undefined(a) else get_aval(a)).shape[axis]
        if is_undefined(a):
            # Each operand's cotangent has its own dtype: the real part for a real operand
            # concatenated with complex ones (as for broadcasting elementwise operations).
            out.append(unbroadcast(slice_axis(ct, axis, start, start + n), a.aval))
        else:
            out.append(None)
        start += n
    return out


concatenate_p = _linear("concatenate", lambda xp, *xs, axis: xp.concatenate(xs, axis=axis),
                        _concat_abstract_eval, _concat_transpose)
concatenate_p.batch = lambda size, vals, dims, axis: (
    concatenate_p.bind(*[move_to_front(v, d, size) for v, d in zip(vals, dims)],
                       axis=axis + 1), 0)
concatenate_p.allocates = True  # a new array, never a view of an operand


def concatenate(xs, axis):
    xs = list(xs)
    if len(xs) == 1:
        return xs[0]
    return concatenate_p.bind(*xs, axis=axis % get_aval(xs[0]).ndim)


def pad_zeros(x, widths):
    """Pad ``x`` with zeros: ``widths`` is one ``(before, after)`` pair per axis."""
    shape = get_aval(x).shape
    index = [(lo, lo + n, 1) for (lo, _), n in zip(widths, shape)]
    new_shape = [lo + n + hi for (lo, hi), n in zip(widths, shape)]
    return embed_slice(x, index, new_shape)


def swap_last(x):
    """``x`` with its last two axes swapped (the matrix transpose of a stack)."""
    nd = get_aval(x).ndim
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))
