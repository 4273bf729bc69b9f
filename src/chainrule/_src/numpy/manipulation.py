"""Array manipulation ("Array manipulation routines" in NumPy's docs).

Every function here is linear in its array arguments; it is built from the shape
primitives (reshape, transpose, broadcast, slicing, concatenation, gather), whose transposes
give reverse mode.
"""

from __future__ import annotations

import math

import numpy as np

from .. import lax
from ..core import get_aval, is_tracer
from ._util import (NoValue, asarray_any, concrete, dtype_of, given, ndim_of, no_out,
                    normalize_axes, normalize_axis, shape_of)
from .fastpath import PLAIN_TYPES, all_plain, numpy_fast_path, plain_sequence
from .indexing import getitem, take

_ND = np.ndarray


@numpy_fast_path(lambda x, dtype, /, *, copy=True: np.asarray(x).astype(dtype, copy=copy))
def astype(x, dtype, /, *, copy=True):
    """Convert to ``dtype``; derivatives flow through float and complex conversions.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.astype(cnp.array([1.5, 2.5]), cnp.int32)
    array([1, 2], dtype=int32)
    """
    x = asarray_any(x)
    if dtype_of(x) == np.dtype(dtype):
        return x
    return lax.convert_element_type(x, dtype)


def _shape_tuple(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(n) for n in shape)


@numpy_fast_path(np.reshape)
def reshape(a, /, shape=None, order="C", *, copy=None):
    """Give ``a`` a new shape without changing its data (one axis may be -1).

    ``order="F"`` reads and writes the elements in Fortran (column-major) order.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.reshape(cnp.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    if order not in ("C", "A", "F"):
        raise ValueError(f"reshape: order must be 'C', 'F' or 'A', got {order!r}")
    if order == "F":
        # Column-major reshape: reverse the axes, reshape to the reversed shape, reverse back.
        flipped = reshape(transpose(asarray_any(a)), _shape_tuple(shape)[::-1])
        return transpose(flipped)
    if shape is None:
        raise TypeError("reshape() missing the required argument 'shape'")
    a = asarray_any(a)
    shape = _shape_tuple(shape)
    size = math.prod(shape_of(a))
    known = math.prod(int(n) for n in shape if n != -1)
    if shape.count(-1) > 1 or (-1 not in shape and known != size) or (
            -1 in shape and (known == 0 or size % known)):
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return lax.reshape(a, shape)


@numpy_fast_path(np.ravel)
def ravel(a, order="C"):
    """Flatten to one dimension.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.ravel(cnp.ones((2, 2)))
    array([1., 1., 1., 1.])
    """
    return reshape(a, (-1,), order)


@numpy_fast_path(np.transpose)
def transpose(a, axes=None):
    """Permute the axes (reverse them when ``axes`` is None).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.transpose(cnp.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    a = asarray_any(a)
    nd = ndim_of(a)
    if axes is None:
        axes = tuple(range(nd))[::-1]
    if len(tuple(axes)) != nd:
        raise ValueError("axes don't match array")
    perm = tuple(normalize_axis(x, nd) for x in axes)
    if len(set(perm)) != nd:
        raise ValueError("repeated axis in transpose")
    return lax.transpose(a, perm)


@numpy_fast_path(np.permute_dims)
def permute_dims(a, /, axes=None):
    """Array API name of :func:`transpose`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.permute_dims(cnp.ones((2, 3)), (1, 0)).shape
    (3, 2)
    """
    return transpose(a, axes)


@numpy_fast_path(np.matrix_transpose)
def matrix_transpose(x, /):
    """Swap the last two axes.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.matrix_transpose(cnp.ones((4, 2, 3))).shape
    (4, 3, 2)
    """
    if ndim_of(x) < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return swapaxes(x, -1, -2)


@numpy_fast_path(np.swapaxes)
def swapaxes(a, axis1, axis2):
    """Interchange two axes.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.swapaxes(cnp.ones((2, 3, 4)), 0, -1).shape
    (4, 3, 2)
    """
    a = asarray_any(a)
    nd = ndim_of(a)
    perm = list(range(nd))
    i, j = normalize_axis(axis1, nd, "axis1"), normalize_axis(axis2, nd, "axis2")
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(a, perm)


def _axis_list(axes, nd, name):
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    out = [normalize_axis(x, nd, name) for x in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in `{name}` argument")
    return out


@numpy_fast_path(np.moveaxis)
def moveaxis(a, source, destination):
    """Move axes to new positions; the other axes keep their order.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.moveaxis(cnp.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    a = asarray_any(a)
    nd = ndim_of(a)
    src = _axis_list(source, nd, "source")
    dst = _axis_list(destination, nd, "destination")
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number "
                         "of elements")
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return lax.transpose(a, order)


@numpy_fast_path(np.rollaxis)
def rollaxis(a, axis, start=0):
    """Roll ``axis`` backwards until it lies before ``start`` (prefer :func:`moveaxis`).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.rollaxis(cnp.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    nd = ndim_of(a)
    axis = normalize_axis(axis, nd)
    if not -nd <= start <= nd:
        raise np.exceptions.AxisError(f"start {start} is out of bounds for array of "
                                      f"dimension {nd}")
    start = start + nd if start < 0 else start
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start)


@numpy_fast_path(np.squeeze)
def squeeze(a, axis=None):
    """Remove axes of length one.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.squeeze(cnp.ones((1, 3, 1))).shape
    (3,)
    """
    a = asarray_any(a)
    shape = shape_of(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = normalize_axes(axis, len(shape))
        for i in axes:
            if shape[i] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not "
                                 "equal to one")
    return lax.reshape(a, tuple(n for i, n in enumerate(shape) if i not in axes))


@numpy_fast_path(np.expand_dims)
def expand_dims(a, axis):
    """Insert axes of length one at the positions ``axis`` (of the result).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.expand_dims(cnp.ones(3), (0, -1)).shape
    (1, 3, 1)
    """
    a = asarray_any(a)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    nd = ndim_of(a) + len(axes)
    return lax.expand_dims(a, normalize_axes(axes, nd))


@numpy_fast_path(np.broadcast_to)
def broadcast_to(array, shape, subok=False):
    """Broadcast to ``shape`` (a read-only view in NumPy, a new value here).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.broadcast_to(cnp.array([1.0, 2.0]), (2, 2))
    array([[1., 2.],
           [1., 2.]])
    """
    array = asarray_any(array)
    shape = _shape_tuple(shape)
    if len(shape) < ndim_of(array) or np.broadcast_shapes(shape_of(array), shape) != shape:
        raise ValueError(f"operands could not be broadcast together with remapped shapes "
                         f"[original->remapped]: {shape_of(array)} and requested shape {shape}")
    return lax.broadcast_to(array, shape)


def broadcast_arrays(*args, subok=False):
    """Broadcast all arguments against each other.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> [a.shape for a in cnp.broadcast_arrays(cnp.ones(3), cnp.ones((2, 1)))]
    [(2, 3), (2, 3)]
    """
    if all_plain(args):
        return np.broadcast_arrays(*args)
    args = [asarray_any(a) for a in args]
    if all_plain(args):
        return np.broadcast_arrays(*args)
    shape = np.broadcast_shapes(*[shape_of(a) for a in args])
    return tuple(lax.broadcast_to(a, shape) for a in args)


broadcast_shapes = np.broadcast_shapes


def _atleast(n, arys):
    out = []
    for a in arys:
        a = asarray_any(a)
        nd, shape = ndim_of(a), shape_of(a)
        if nd < n:
            if n == 1:
                shape = (1,)
            elif n == 2:
                shape = (1,) * (2 - nd) + shape
            else:
                shape = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[nd]
            a = lax.reshape(a, shape)
        elif type(a) in (float, int, bool, complex):
            a = np.asarray(a)
        out.append(a)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    """Inputs as arrays with at least one dimension.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.atleast_1d(1.0)
    array([1.])
    """
    if len(arys) == 1 and type(arys[0]) is _ND:
        a = arys[0]  # returned as it is by NumPy when it has enough dimensions
        return a if a.ndim >= 1 else np.atleast_1d(a)
    for a in arys:
        if type(a) is not _ND and type(a) not in PLAIN_TYPES and not plain_sequence(a):
            return _atleast(1, arys)
    return np.atleast_1d(*arys)


def atleast_2d(*arys):
    """Inputs as arrays with at least two dimensions (new axes in front).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.atleast_2d(cnp.ones(3)).shape
    (1, 3)
    """
    if len(arys) == 1 and type(arys[0]) is _ND:
        a = arys[0]  # returned as it is by NumPy when it has enough dimensions
        return a if a.ndim >= 2 else np.atleast_2d(a)
    for a in arys:
        if type(a) is not _ND and type(a) not in PLAIN_TYPES and not plain_sequence(a):
            return _atleast(2, arys)
    return np.atleast_2d(*arys)


def atleast_3d(*arys):
    """Inputs as arrays with at least three dimensions (a 1-D array becomes (1, N, 1)).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.atleast_3d(cnp.ones(3)).shape
    (1, 3, 1)
    """
    if len(arys) == 1 and type(arys[0]) is _ND:
        a = arys[0]  # returned as it is by NumPy when it has enough dimensions
        return a if a.ndim >= 3 else np.atleast_3d(a)
    for a in arys:
        if type(a) is not _ND and type(a) not in PLAIN_TYPES and not plain_sequence(a):
            return _atleast(3, arys)
    return np.atleast_3d(*arys)


def _cast_all(arrays, dtype):
    if dtype is None:
        return arrays
    return [astype(a, dtype) for a in arrays]


def concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays along an existing axis (``axis=None`` flattens them first).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.concatenate([cnp.ones(2), cnp.zeros(1)])
    array([1., 1., 0.])
    """
    if out is None and dtype is None and casting == "same_kind":
        if type(arrays) is list or type(arrays) is tuple:
            for a in arrays:  # inlined: this check is all the fast path may cost
                if type(a) is not _ND and type(a) not in PLAIN_TYPES and (
                        not plain_sequence(a)):
                    break
            else:
                return np.concatenate(arrays) if axis == 0 else np.concatenate(arrays, axis)
        elif type(arrays) is _ND:
            return np.concatenate(arrays) if axis == 0 else np.concatenate(arrays, axis)
    arrays = [asarray_any(a) for a in arrays]
    if all_plain(arrays) and not is_tracer(out):
        return np.concatenate(arrays, axis, out, dtype=dtype, casting=casting)
    no_out(out, "concatenate")
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays, axis = [reshape(a, (-1,)) for a in arrays], 0
    nd = ndim_of(arrays[0])
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, nd)
    s0 = shape_of(arrays[0])
    for i, a in enumerate(arrays[1:], 1):
        s = shape_of(a)
        if len(s) != nd:
            raise ValueError(f"all the input arrays must have same number of dimensions, but "
                             f"the array at index 0 has {nd} dimension(s) and the array at "
                             f"index {i} has {len(s)} dimension(s)")
        if any(x != y for k, (x, y) in enumerate(zip(s0, s)) if k != axis):
            raise ValueError(f"all the input array dimensions except for the concatenation "
                             f"axis must match exactly, but along dimension {axis}, the array "
                             f"at index 0 has shape {s0} and the array at index {i} has "
                             f"shape {s}")
    return lax.concatenate(_cast_all(arrays, dtype), axis)


concat = concatenate


def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays along a new axis.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.stack([cnp.ones(2), cnp.zeros(2)], axis=1)
    array([[1., 0.],
           [1., 0.]])
    """
    if out is None and dtype is None and casting == "same_kind":
        if type(arrays) is list or type(arrays) is tuple:
            for a in arrays:  # inlined: this check is all the fast path may cost
                if type(a) is not _ND and type(a) not in PLAIN_TYPES and (
                        not plain_sequence(a)):
                    break
            else:
                return np.stack(arrays) if axis == 0 else np.stack(arrays, axis)
        elif type(arrays) is _ND:
            return np.stack(arrays) if axis == 0 else np.stack(arrays, axis)
    arrays = [asarray_any(a) for a in arrays]
    if all_plain(arrays):
        return np.stack(arrays, axis, out, dtype=dtype, casting=casting)
    if not arrays:
        raise ValueError("need at least one array to stack")
    if len({shape_of(a) for a in arrays}) != 1:
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis(axis, ndim_of(arrays[0]) + 1)
    return concatenate([lax.expand_dims(a, (axis,)) for a in arrays], axis, out, dtype=dtype)


def hstack(tup, *, dtype=None, casting="same_kind"):
    """Stack horizontally (along axis 1, or axis 0 for 1-D inputs).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.hstack([cnp.ones(2), cnp.zeros(1)])
    array([1., 1., 0.])
    """
    if type(tup) is _ND or plain_sequence(tup):
        if dtype is None and casting == "same_kind":
            return np.hstack(tup)
        return np.hstack(tup, dtype=dtype, casting=casting)
    arrs = [atleast_1d(a) for a in tup]
    if not arrs:
        raise ValueError("need at least one array to concatenate")
    return concatenate(arrs, 0 if ndim_of(arrs[0]) == 1 else 1, dtype=dtype)


def vstack(tup, *, dtype=None, casting="same_kind"):
    """Stack vertically (1-D inputs become rows).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.vstack([cnp.ones(2), cnp.zeros(2)])
    array([[1., 1.],
           [0., 0.]])
    """
    if type(tup) is _ND or plain_sequence(tup):
        if dtype is None and casting == "same_kind":
            return np.vstack(tup)
        return np.vstack(tup, dtype=dtype, casting=casting)
    return concatenate([atleast_2d(a) for a in tup], 0, dtype=dtype)


row_stack = vstack


def dstack(tup):
    """Stack along the third axis.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.dstack([cnp.ones(2), cnp.zeros(2)]).shape
    (1, 2, 2)
    """
    if type(tup) is _ND or plain_sequence(tup):
        return np.dstack(tup)
    return concatenate([atleast_3d(a) for a in tup], 2)


def column_stack(tup):
    """Stack 1-D arrays as columns of a 2-D array.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.column_stack([cnp.ones(2), cnp.zeros(2)])
    array([[1., 0.],
           [1., 0.]])
    """
    if type(tup) is _ND or plain_sequence(tup):
        return np.column_stack(tup)
    arrs = []
    for a in tup:
        a = asarray_any(a)
        arrs.append(lax.reshape(a, (-1, 1)) if ndim_of(a) < 2 else a)
    return concatenate(arrs, 1)


def _split_points(n, indices_or_sections):
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        return [int(b) for b in np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])]
    return [0] + [int(i) for i in indices_or_sections] + [n]


@numpy_fast_path(np.array_split)
def array_split(ary, indices_or_sections, axis=0):
    """Split into sub-arrays; sections need not divide the axis evenly.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> [p.shape for p in cnp.array_split(cnp.ones(5), 3)]
    [(2,), (2,), (1,)]
    """
    ary = asarray_any(ary)
    axis = normalize_axis(axis, ndim_of(ary))
    n = shape_of(ary)[axis]
    bounds = _split_points(n, indices_or_sections)
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        start, stop, _ = slice(lo, hi).indices(n)
        out.append(lax.slice_axis(ary, axis, start, max(start, stop)))
    return out


@numpy_fast_path(np.split)
def split(ary, indices_or_sections, axis=0):
    """Split into equal sub-arrays (an error if the axis does not divide evenly).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.split(cnp.arange(4.0), [1, 3])
    [array([0.]), array([1., 2.]), array([3.])]
    """
    if isinstance(indices_or_sections, (int, np.integer)):
        if shape_of(ary)[normalize_axis(axis, ndim_of(ary))] % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


@numpy_fast_path(np.hsplit)
def hsplit(ary, indices_or_sections):
    """Split along axis 1 (axis 0 for 1-D arrays).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> [p.shape for p in cnp.hsplit(cnp.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    if ndim_of(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if ndim_of(ary) > 1 else 0)


@numpy_fast_path(np.vsplit)
def vsplit(ary, indices_or_sections):
    """Split along axis 0 (arrays of at least 2 dimensions).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> [p.shape for p in cnp.vsplit(cnp.ones((4, 2)), 2)]
    [(2, 2), (2, 2)]
    """
    if ndim_of(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


@numpy_fast_path(np.dsplit)
def dsplit(ary, indices_or_sections):
    """Split along axis 2 (arrays of at least 3 dimensions).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> [p.shape for p in cnp.dsplit(cnp.ones((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    if ndim_of(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


@numpy_fast_path(np.tile)
def tile(A, reps):
    """Repeat the whole array ``reps`` times along each axis.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.tile(cnp.array([1.0, 2.0]), (2, 2))
    array([[1., 2., 1., 2.],
           [1., 2., 1., 2.]])
    """
    A = asarray_any(A)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = max(len(reps), ndim_of(A))
    reps = (1,) * (nd - len(reps)) + tuple(int(r) for r in reps)
    shape = (1,) * (nd - ndim_of(A)) + shape_of(A)
    # Each axis of length n becomes (r, n) by broadcasting, then the two are merged.
    expanded = lax.reshape(A, tuple(x for n in shape for x in (1, n)))
    target = tuple(x for r, n in zip(reps, shape) for x in (r, n))
    return lax.reshape(lax.broadcast_to(expanded, target),
                       tuple(r * n for r, n in zip(reps, shape)))


def _take_axis(a, idx, axis):
    return getitem(a, (slice(None),) * axis + (np.asarray(idx, dtype=np.intp),))


@numpy_fast_path(np.repeat)
def repeat(a, repeats, axis=None):
    """Repeat each element ``repeats`` times (an int, or one count per element).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.repeat(cnp.array([1.0, 2.0]), [1, 2])
    array([1., 2., 2.])
    """
    a = asarray_any(a)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    axis = normalize_axis(axis, ndim_of(a))
    n = shape_of(a)[axis]
    return _take_axis(a, np.repeat(np.arange(n), concrete(repeats, "repeat")), axis)


@numpy_fast_path(np.flip)
def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.flip(cnp.array([[1.0, 2.0], [3.0, 4.0]]), 1)
    array([[2., 1.],
           [4., 3.]])
    """
    m = asarray_any(m)
    axes = normalize_axes(axis, ndim_of(m))
    return lax.rev(m, axes) if axes else m


@numpy_fast_path(np.fliplr)
def fliplr(m):
    """Reverse the columns (axis 1).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fliplr(cnp.eye(2))
    array([[0., 1.],
           [1., 0.]])
    """
    if ndim_of(m) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


@numpy_fast_path(np.flipud)
def flipud(m):
    """Reverse the rows (axis 0).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.flipud(cnp.array([1.0, 2.0]))
    array([2., 1.])
    """
    if ndim_of(m) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


@numpy_fast_path(np.roll, ("a", "shift"))
def roll(a, shift, axis=None):
    """Roll elements along ``axis``; elements that fall off one end come back at the other.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.roll(cnp.arange(4.0), 1)
    array([3., 0., 1., 2.])
    """
    a = asarray_any(a)
    if axis is None:
        return lax.reshape(roll(reshape(a, (-1,)), shift, 0), shape_of(a))
    if is_tracer(shift):  # a computed shift (jit, vmap): a gather along the axes

        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        shifts = shift if ndim_of(shift) else lax.broadcast_to(shift, (len(axes),))
        if ndim_of(shifts) != 1 or shape_of(shifts)[0] != len(axes):
            raise ValueError("'shift' and 'axis' should be scalars or 1D sequences")
        for k, ax in enumerate(axes):
            ax = normalize_axis(int(ax), ndim_of(a))
            n = shape_of(a)[ax]
            if n:
                s = lax.getitem(shifts, k)
                idx = lax.remainder(lax.sub(np.arange(n), s), np.asarray(n))
                a = take(a, idx, axis=ax)
        return a
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    for s, ax in zip(shifts.ravel(), axes.ravel()):
        ax = normalize_axis(int(ax), ndim_of(a))
        n = shape_of(a)[ax]
        s = int(s) % n if n else 0
        if s:
            a = lax.concatenate([lax.slice_axis(a, ax, n - s, n),
                                 lax.slice_axis(a, ax, 0, n - s)], ax)
    return a


@numpy_fast_path(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times, from the first towards the second of ``axes``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.rot90(cnp.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    m = asarray_any(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    nd = ndim_of(m)
    a0, a1 = normalize_axis(axes[0], nd), normalize_axis(axes[1], nd)
    if a0 == a1:
        raise ValueError("Axes must be different.")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(m, a1), perm)
    return flip(transpose(m, perm), a1)


# --- pad ---------------------------------------------------------------------------------
def _as_pairs(value, nd, name):
    arr = np.asarray(value)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    try:
        return np.broadcast_to(arr if arr.ndim < 2 else arr, (nd, 2))
    except ValueError:
        raise ValueError(f"{name} of shape {arr.shape} cannot be broadcast to ({nd}, 2), "
                         "one (before, after) pair per axis") from None


def _pad_constant(array, widths, values):
    for ax, (lo, hi) in enumerate(widths):
        parts = []
        for width, value in ((lo, values[ax][0]), (hi, values[ax][1])):
            shape = tuple(width if i == ax else n for i, n in enumerate(shape_of(array)))
            parts.append(lax.broadcast_to(lax.convert_element_type(value, dtype_of(array))
                                          if is_tracer(value) else
                                          np.asarray(value).astype(dtype_of(array)), shape))
        if lo or hi:
            array = lax.concatenate([p for p, w in zip((parts[0], array, parts[1]),
                                                       (lo, 1, hi)) if w], ax)
    return array


def _pad_index(mode, n, lo, hi):
    idx = np.arange(-lo, n + hi)
    if mode == "edge":
        return np.clip(idx, 0, n - 1)
    if mode == "wrap":
        return idx % n
    if mode == "reflect":
        if n == 1:
            return np.zeros_like(idx)
        period = 2 * (n - 1)
        idx = np.abs(idx) % period
        return np.where(idx >= n, period - idx, idx)
    idx = idx % (2 * n)  # symmetric
    return np.where(idx >= n, 2 * n - 1 - idx, idx)


def pad(array, pad_width, mode="constant", **kwargs):
    """Pad an array; modes ``constant`` (also with traced fill values), ``edge``,
    ``reflect``, ``symmetric``, ``wrap`` and ``empty`` (padded with zeros here).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.pad(cnp.array([1.0, 2.0]), 1, mode="edge")
    array([1., 1., 2., 2.])
    >>> cnp.pad(cnp.array([1.0, 2.0]), (1, 2), constant_values=(-1.0, 9.0))
    array([-1.,  1.,  2.,  9.,  9.])
    """
    array = asarray_any(array)
    cv = kwargs.pop("constant_values", 0)
    if all_plain([array]) and not is_tracer(cv) and mode != "empty":
        return np.pad(array, pad_width, mode, **kwargs,
                      **({"constant_values": cv} if mode == "constant" else {}))
    if kwargs:
        raise TypeError(f"pad: unsupported keyword arguments {sorted(kwargs)}")
    nd = ndim_of(array)
    widths = [tuple(int(w) for w in row) for row in _as_pairs(pad_width, nd, "pad_width")]
    if any(w < 0 for row in widths for w in row):
        raise ValueError("index can't contain negative values")
    if mode in ("constant", "empty"):
        if is_tracer(cv):
            values = [(cv, cv)] * nd
        else:
            values = _as_pairs(0 if mode == "empty" else cv, nd, "constant_values")
        return _pad_constant(array, widths, values)
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise ValueError(f"pad: mode {mode!r} is not supported on traced values; use "
                         "constant, edge, reflect, symmetric, wrap or empty")
    for ax, (lo, hi) in enumerate(widths):
        n = shape_of(array)[ax]
        if (lo or hi) and n == 0:
            raise ValueError(f"can't extend empty axis {ax} using modes other than "
                             "'constant' or 'empty'")
        if lo or hi:
            array = _take_axis(array, _pad_index(mode, n, lo, hi), ax)
    return array


# --- selection and differences --------------------------------------------------------------
def select(condlist, choicelist, default=0):
    """Pick from ``choicelist`` by the first true condition in ``condlist``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.arange(4.0)
    >>> cnp.select([x < 1, x > 2], [x, x ** 2], default=-1.0)
    array([ 0., -1., -1.,  9.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    conds = [asarray_any(c) for c in condlist]
    choices = [asarray_any(c) for c in choicelist]
    for i, c in enumerate(conds):
        if dtype_of(c).kind != "b":
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    if all_plain(conds + choices + [default]):
        return np.select(conds, choices, default)
    # A Python number as default is weakly typed, as in NumPy: default=1 keeps float32.
    dtype = np.result_type(*[np.zeros((), dtype_of(c)) for c in choices],
                           get_aval(asarray_any(default)).dummy())
    shape = np.broadcast_shapes(*[shape_of(c) for c in conds + choices],
                                shape_of(asarray_any(default)))
    out = lax.broadcast_to(astype(asarray_any(default), dtype), shape)
    for cond, choice in zip(reversed(conds), reversed(choices)):
        out = lax.select(cond, astype(choice, dtype), out)
    return out


@numpy_fast_path(np.diff, optional=("prepend", "append"))
def diff(a, n=1, axis=-1, prepend=NoValue, append=NoValue):
    """n-th discrete difference along ``axis``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.diff(cnp.array([1.0, 4.0, 9.0]), prepend=0.0)
    array([1., 3., 5.])
    """
    a = asarray_any(a)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if ndim_of(a) == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, ndim_of(a))
    parts = []
    for extra in (prepend, append):
        if not given(extra):
            continue
        extra = asarray_any(extra)
        if ndim_of(extra) == 0:
            extra = lax.broadcast_to(extra, tuple(1 if i == axis else s
                                                  for i, s in enumerate(shape_of(a))))
        parts.append(extra)
    if given(prepend):
        a = concatenate([parts.pop(0), a], axis)
    if given(append):
        a = concatenate([a, parts.pop(0)], axis)
    op = lax.ne if dtype_of(a).kind == "b" else lax.sub
    for _ in range(n):
        m = shape_of(a)[axis]
        a = op(lax.slice_axis(a, axis, 1, max(m, 1)), lax.slice_axis(a, axis, 0, max(m - 1, 0)))
    return a


@numpy_fast_path(np.append, 2)
def append(arr, values, axis=None):
    """Append ``values`` at the end of ``arr`` (both flattened when ``axis`` is None).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.append(cnp.array([1.0, 2.0]), [[3.0]])
    array([1., 2., 3.])
    """
    arr, values = asarray_any(arr), asarray_any(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


__all__ = ["append", "array_split", "astype", "atleast_1d", "atleast_2d", "atleast_3d",
           "broadcast_arrays", "broadcast_shapes", "broadcast_to", "column_stack", "concat",
           "concatenate", "diff", "dsplit", "dstack", "expand_dims", "flip", "fliplr",
           "flipud", "hsplit", "hstack", "matrix_transpose", "moveaxis", "pad",
           "permute_dims", "ravel", "repeat", "reshape", "roll", "rollaxis", "rot90",
           "row_stack", "select", "split", "squeeze", "stack", "swapaxes", "tile",
           "transpose", "vsplit", "vstack"]
