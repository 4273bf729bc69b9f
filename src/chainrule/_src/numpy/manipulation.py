"""Array manipulation ("Array manipulation routines" in NumPy's docs)."""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import Tracer, get_aval
from .reductions import normalize_axes


def _ndim(a):
    return get_aval(a).ndim


def _shape(a):
    return get_aval(a).shape


def astype(x, dtype, /, *, copy=True):
    """Convert to ``dtype``; derivatives flow through float and complex conversions."""
    return lax.convert_element_type(x, dtype)


def reshape(a, shape, order="C"):
    """Give ``a`` a new shape without changing its data (C order only).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.reshape(cnp.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    if order not in ("C", "A"):
        raise ValueError("chainrule.numpy.reshape supports order='C' only; transpose first "
                         "for Fortran order")
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    size = get_aval(a).size
    shape = tuple(int(n) for n in shape)
    if -1 not in shape and int(np.prod(shape, dtype=np.int64)) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return lax.reshape(a, shape)


def ravel(a, order="C"):
    """Flatten to one dimension."""
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    """Permute the axes (reverse them when ``axes`` is None)."""
    nd = _ndim(a)
    if axes is None:
        axes = tuple(range(nd))[::-1]
    axes = tuple(int(x) % nd if nd else 0 for x in axes)
    if sorted(axes) != list(range(nd)):
        raise ValueError(f"axes {axes} don't match an array of dimension {nd}")
    return lax.transpose(a, axes)


def permute_dims(a, axes):
    return transpose(a, axes)


def matrix_transpose(x, /):
    """Swap the last two axes."""
    return swapaxes(x, -1, -2)


def swapaxes(a, axis1, axis2):
    """Interchange two axes."""
    nd = _ndim(a)
    perm = list(range(nd))
    i, j = normalize_axes(axis1, nd)[0], normalize_axes(axis2, nd)[0]
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(a, perm)


def moveaxis(a, source, destination):
    """Move axes to new positions; other axes keep their order."""
    nd = _ndim(a)
    src = [normalize_axes(s, nd)[0] for s in np.atleast_1d(source)]
    dst = [normalize_axes(d, nd)[0] for d in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination need the same number of axes")
    return lax.moveaxis(a, src, dst)


def rollaxis(a, axis, start=0):
    nd = _ndim(a)
    axis %= nd
    start = start % (nd + 1) if start < 0 else start
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start)


def squeeze(a, axis=None):
    """Remove axes of length one."""
    shape = _shape(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = normalize_axes(axis, len(shape))
        for i in axes:
            if shape[i] != 1:
                raise ValueError(f"cannot select an axis to squeeze out which has size not "
                                 f"equal to one (axis {i} has size {shape[i]})")
    return lax.reshape(a, tuple(n for i, n in enumerate(shape) if i not in axes))


def expand_dims(a, axis):
    """Insert axes of length one at the positions ``axis``."""
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    nd = _ndim(a) + len(axes)
    return lax.expand_dims(a, normalize_axes(axes, nd))


def broadcast_to(array, shape):
    """Broadcast to ``shape`` (a read-only view in NumPy; a new value here)."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    np.broadcast_shapes(_shape(array), shape)
    if np.broadcast_shapes(_shape(array), shape) != shape:
        raise ValueError(f"cannot broadcast shape {_shape(array)} to {shape}")
    return lax.broadcast_to(array, shape)


def broadcast_arrays(*args):
    """Broadcast all arguments against each other."""
    shape = np.broadcast_shapes(*[_shape(a) for a in args])
    return [lax.broadcast_to(a, shape) for a in args]


def broadcast_shapes(*shapes):
    return np.broadcast_shapes(*shapes)


def _atleast(n, arys):
    out = []
    for a in arys:
        a = asarray_any(a)
        nd = _ndim(a)
        if nd < n:
            shape = _shape(a)
            if n == 2:
                shape = (1,) * (2 - nd) + shape
            elif n == 3:
                shape = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[nd]
            else:
                shape = (1,)
            a = lax.reshape(a, shape)
        out.append(a)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    """View inputs as arrays with at least one dimension."""
    return _atleast(1, arys)


def atleast_2d(*arys):
    """View inputs as arrays with at least two dimensions."""
    return _atleast(2, arys)


def atleast_3d(*arys):
    """View inputs as arrays with at least three dimensions."""
    return _atleast(3, arys)


def asarray_any(a):
    """``a`` as something with a shape: tracers and arrays as they are, else numpy.asarray."""
    if isinstance(a, Tracer) or hasattr(a, "shape") and hasattr(a, "dtype"):
        return a
    from .creation import asarray

    return asarray(a)


def concatenate(arrays, axis=0, dtype=None):
    """Join arrays along an existing axis (``axis=None`` flattens them first).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.concatenate([cnp.ones(2), cnp.zeros(1)])
    array([1., 1., 0.])
    """
    arrays = [asarray_any(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    nd = _ndim(arrays[0])
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axes(axis, nd)[0]
    for a in arrays[1:]:
        s0, s = _shape(arrays[0]), _shape(a)
        if len(s) != nd or any(x != y for i, (x, y) in enumerate(zip(s0, s)) if i != axis):
            raise ValueError(f"all the input array dimensions except for the concatenation "
                             f"axis must match exactly: {s0} vs {s} along axis {axis}")
    if dtype is not None:
        arrays = [lax.convert_element_type(a, dtype) for a in arrays]
    return lax.concatenate(arrays, axis)


concat = concatenate


def stack(arrays, axis=0, dtype=None):
    """Join arrays along a new axis.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.stack([cnp.ones(2), cnp.zeros(2)]).shape
    (2, 2)
    """
    arrays = [asarray_any(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {_shape(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    nd = _ndim(arrays[0]) + 1
    axis = normalize_axes(axis, nd)[0]
    return concatenate([lax.expand_dims(a, (axis,)) for a in arrays], axis, dtype)


def hstack(tup, dtype=None):
    arrs = [atleast_1d(a) for a in tup]
    return concatenate(arrs, 0 if _ndim(arrs[0]) == 1 else 1, dtype)


def vstack(tup, dtype=None):
    return concatenate([atleast_2d(a) for a in tup], 0, dtype)


row_stack = vstack


def dstack(tup):
    return concatenate([atleast_3d(a) for a in tup], 2)


def column_stack(tup):
    arrs = []
    for a in tup:
        a = asarray_any(a)
        arrs.append(lax.reshape(a, (-1, 1)) if _ndim(a) < 2 else a)
    return concatenate(arrs, 1)


def array_split(ary, indices_or_sections, axis=0):
    """Split into sub-arrays; sections need not divide the axis evenly."""
    n = _shape(ary)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = np.concatenate([[0], np.cumsum(sizes)])
    else:
        bounds = np.concatenate([[0], np.asarray(indices_or_sections, int), [n]])
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        lo, hi = int(np.clip(lo, 0, n)), int(np.clip(hi, 0, n))
        out.append(lax.slice_axis(ary, axis, lo, max(lo, hi)))
    return out


def split(ary, indices_or_sections, axis=0):
    """Split into equal sub-arrays (an error if the axis does not divide evenly)."""
    if isinstance(indices_or_sections, (int, np.integer)):
        if _shape(ary)[axis] % indices_or_sections:
            raise ValueError("array split does not result in an equal division; use "
                             "array_split for unequal parts")
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, 1 if _ndim(ary) > 1 else 0)


def vsplit(ary, indices_or_sections):
    if _ndim(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    if _ndim(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


def tile(A, reps):
    """Repeat the whole array ``reps`` times along each axis."""
    A = asarray_any(A)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = max(len(reps), _ndim(A))
    reps = (1,) * (nd - len(reps)) + reps
    A = lax.reshape(A, (1,) * (nd - _ndim(A)) + _shape(A))
    shape = _shape(A)
    # Broadcast each axis against a new leading "copies" axis, then merge the two.
    expanded = lax.reshape(A, tuple(x for n in shape for x in (1, n)))
    target = tuple(x for r, n in zip(reps, shape) for x in (r, n))
    return lax.reshape(lax.broadcast_to(expanded, target),
                       tuple(r * n for r, n in zip(reps, shape)))


def repeat(a, repeats, axis=None):
    """Repeat each element ``repeats`` times (an int or one count per element)."""
    a = asarray_any(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axes(axis, _ndim(a))[0]
    n = _shape(a)[axis]
    idx = np.repeat(np.arange(n), np.asarray(repeats))
    return getitem_axis(a, idx, axis)


def getitem_axis(a, idx, axis):
    from .indexing import getitem

    return getitem(a, (slice(None),) * axis + (idx,))


def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    axes = normalize_axes(axis, _ndim(m))
    return lax.rev(m, axes) if axes else m


def fliplr(m):
    if _ndim(m) < 2:
        raise ValueError("fliplr needs an array with at least 2 dimensions")
    return flip(m, 1)


def flipud(m):
    if _ndim(m) < 1:
        raise ValueError("flipud needs an array with at least 1 dimension")
    return flip(m, 0)


def roll(a, shift, axis=None):
    """Roll elements along ``axis``; elements that fall off one end come back at the other."""
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    shifts = np.broadcast_to(np.atleast_1d(shift), np.atleast_1d(axis).shape)
    for s, ax in zip(shifts, np.atleast_1d(axis)):
        ax = normalize_axes(int(ax), _ndim(a))[0]
        n = _shape(a)[ax]
        if n == 0:
            continue
        s = int(s) % n
        if s:
            a = lax.concatenate([lax.slice_axis(a, ax, n - s, n), lax.slice_axis(a, ax, 0, n - s)],
                                ax)
    return a


def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``."""
    k %= 4
    a0, a1 = axes
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(_ndim(m)))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(m, a1), perm)
    return flip(transpose(m, perm), a1)


def _pad_widths(pad_width, nd):
    w = np.broadcast_to(np.asarray(pad_width, dtype=int).reshape(-1, 2)
                        if np.ndim(pad_width) else np.full((1, 2), pad_width), (nd, 2))
    if (w < 0).any():
        raise ValueError("pad widths must be non-negative")
    return [tuple(int(v) for v in row) for row in w]


def pad(array, pad_width, mode="constant", constant_values=0):
    """Pad an array; modes ``constant``, ``edge``, ``reflect``, ``symmetric``, ``wrap``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.pad(cnp.array([1.0, 2.0]), 1, mode="edge")
    array([1., 1., 2., 2.])
    """
    array = asarray_any(array)
    nd = _ndim(array)
    widths = _pad_widths(pad_width, nd)
    if mode == "constant":
        out = lax.pad_zeros(array, widths)
        if np.any(np.asarray(constant_values) != 0) or isinstance(constant_values, Tracer):
            mask = lax.pad_zeros(np.ones(_shape(array), bool), widths)
            cv = np.broadcast_to(np.asarray(constant_values), (nd, 2)) if not isinstance(
                constant_values, Tracer) else None
            if cv is not None and (cv == cv.flat[0]).all():
                out = lax.select(mask, out, float(cv.flat[0]))
            elif cv is not None:
                for ax, (lo, hi) in enumerate(widths):
                    out = _fill_ends(out, ax, lo, hi, cv[ax][0], cv[ax][1], array, widths)
            else:
                out = lax.select(mask, out, constant_values)
        return out
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise ValueError(f"pad: mode {mode!r} is not supported; use constant, edge, reflect, "
                         "symmetric or wrap")
    out = array
    for ax, (lo, hi) in enumerate(widths):
        n = _shape(out)[ax]
        if (lo or hi) and n == 0:
            raise ValueError(f"can't extend an empty axis {ax} with mode {mode!r}")
        idx = np.arange(-lo, n + hi)
        if mode == "edge":
            idx = np.clip(idx, 0, n - 1)
        elif mode == "wrap":
            idx = idx % n
        elif mode == "reflect":
            period = 2 * (n - 1) if n > 1 else 1
            idx = np.abs(idx) % period if n > 1 else np.zeros_like(idx)
            idx = np.where(idx >= n, period - idx, idx)
        else:  # symmetric
            period = 2 * n
            idx = idx % period
            idx = np.where(idx >= n, period - 1 - idx, idx)
        out = getitem_axis(out, idx, ax)
    return out


def _fill_ends(out, ax, lo, hi, before, after, array, widths):
    n = _shape(out)[ax]
    pos = np.arange(n).reshape([-1 if i == ax else 1 for i in range(_ndim(out))])
    out = lax.select(pos < lo, float(before), out)
    return lax.select(pos >= n - hi, float(after), out)


def select(condlist, choicelist, default=0):
    """Pick from ``choicelist`` by the first true condition in ``condlist``."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = lax.select(cond, choice, out)
    return out


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """n-th discrete difference along ``axis``."""
    a = asarray_any(a)
    axis = normalize_axes(axis, _ndim(a))[0]
    parts = []
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        extra = asarray_any(extra)
        if _ndim(extra) == 0:
            shape = list(_shape(a))
            shape[axis] = 1
            extra = lax.broadcast_to(extra, shape)
        parts.append(extra)
    if parts[0] is not None:
        a = concatenate([parts[0], a], axis)
    if parts[1] is not None:
        a = concatenate([a, parts[1]], axis)
    for _ in range(n):
        m = _shape(a)[axis]
        a = lax.sub(lax.slice_axis(a, axis, 1, m), lax.slice_axis(a, axis, 0, max(m - 1, 0)))
    return a


def append(arr, values, axis=None):
    """Append ``values`` at the end of ``arr`` (both flattened when ``axis`` is None)."""
    if axis is None:
        return concatenate([ravel(asarray_any(arr)), ravel(asarray_any(values))], 0)
    return concatenate([arr, values], axis)
