"""Vector and matrix products ("Linear algebra" products in NumPy's docs)."""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import get_aval
from .manipulation import asarray_any, concatenate, reshape
from .reductions import normalize_axes


def _shape(a):
    return get_aval(a).shape


def matmul(x1, x2, /):
    """Matrix product with NumPy's rules for 1-D operands and broadcast batch axes.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.matmul(cnp.ones((2, 3)), cnp.ones(3))
    array([3., 3.])
    """
    x1, x2 = asarray_any(x1), asarray_any(x2)
    n1, n2 = len(_shape(x1)), len(_shape(x2))
    if n1 == 0 or n2 == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (scalars are "
                         "not allowed; use multiply or *)")
    a = lax.reshape(x1, (1,) + _shape(x1)) if n1 == 1 else x1
    b = lax.reshape(x2, _shape(x2) + (1,)) if n2 == 1 else x2
    out = lax.matmul(a, b)
    shape = _shape(out)
    if n1 == 1 and n2 == 1:
        return lax.reshape(out, ())
    if n1 == 1:
        return lax.reshape(out, shape[:-2] + shape[-1:])
    if n2 == 1:
        return lax.reshape(out, shape[:-1])
    return out


def dot(a, b):
    """Dot product with NumPy's rules (``matmul`` for 2-D, sum over the last axis of ``a``
    and second-to-last of ``b`` in general, multiplication for scalars)."""
    a, b = asarray_any(a), asarray_any(b)
    na, nb = len(_shape(a)), len(_shape(b))
    if na == 0 or nb == 0:
        return lax.mul(a, b)
    if nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([na - 1], [nb - 2]))


def vdot(a, b, /):
    """Flattened dot product, conjugating the first argument."""
    a, b = reshape(asarray_any(a), (-1,)), reshape(asarray_any(b), (-1,))
    if get_aval(a).dtype.kind == "c":
        a = lax.conj(a)
    return matmul(a, b)


def inner(a, b, /):
    """Sum product over the last axes."""
    a, b = asarray_any(a), asarray_any(b)
    if not _shape(a) or not _shape(b):
        return lax.mul(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a, b):
    """Outer product of two vectors (inputs are flattened)."""
    a, b = reshape(asarray_any(a), (-1, 1)), reshape(asarray_any(b), (1, -1))
    return lax.mul(a, b)


def tensordot(a, b, axes=2):
    """Sum products over the given axes (an int ``n``: last n of ``a``, first n of ``b``)."""
    a, b = asarray_any(a), asarray_any(b)
    na, nb = len(_shape(a)), len(_shape(b))
    if isinstance(axes, (int, np.integer)):
        axes_a, axes_b = list(range(na - axes, na)), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    axes_a = [x % na for x in axes_a]
    axes_b = [x % nb for x in axes_b]
    for i, j in zip(axes_a, axes_b):
        if _shape(a)[i] != _shape(b)[j]:
            raise ValueError(f"tensordot: shape mismatch for sum: axis {i} of a has size "
                             f"{_shape(a)[i]}, axis {j} of b has size {_shape(b)[j]}")
    free_a = [i for i in range(na) if i not in axes_a]
    free_b = [i for i in range(nb) if i not in axes_b]
    k = int(np.prod([_shape(a)[i] for i in axes_a], dtype=np.int64))
    at = reshape(lax.transpose(a, free_a + axes_a), (-1, k))
    bt = reshape(lax.transpose(b, axes_b + free_b), (k, -1))
    out = lax.matmul(at, bt)
    return reshape(out, tuple(_shape(a)[i] for i in free_a) + tuple(_shape(b)[i] for i in free_b))


def einsum(subscripts, *operands, optimize=False):
    """Einstein summation (explicit or implicit output, ellipses, repeated indices).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.einsum("ij,j->i", cnp.eye(2), cnp.array([1.0, 2.0]))
    array([1., 2.])
    """
    if not isinstance(subscripts, str):
        raise TypeError("chainrule.numpy.einsum takes the subscripts as a string first")
    return lax.einsum(subscripts, *[asarray_any(o) for o in operands])


def kron(a, b):
    """Kronecker product."""
    a, b = asarray_any(a), asarray_any(b)
    nd = max(len(_shape(a)), len(_shape(b)))
    a = reshape(a, (1,) * (nd - len(_shape(a))) + _shape(a))
    b = reshape(b, (1,) * (nd - len(_shape(b))) + _shape(b))
    a_ex = reshape(a, tuple(x for n in _shape(a) for x in (n, 1)))
    b_ex = reshape(b, tuple(x for n in _shape(b) for x in (1, n)))
    prod = lax.mul(a_ex, b_ex)
    return reshape(prod, tuple(m * n for m, n in zip(_shape(a), _shape(b))))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or the z component for 2-vectors)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = lax.moveaxis(asarray_any(a), [axisa], [-1])
    b = lax.moveaxis(asarray_any(b), [axisb], [-1])
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product (dimension must be 2 or 3)")

    def comp(x, i, n):
        return lax.slice_axis(x, -1, i, i + 1) if i < n else 0.0

    a0, a1, a2 = (comp(a, i, na) for i in range(3))
    b0, b1, b2 = (comp(b, i, nb) for i in range(3))
    cz = lax.sub(lax.mul(a0, b1), lax.mul(a1, b0))
    if na == 2 and nb == 2:
        return lax.reshape(cz, _shape(cz)[:-1])
    cx = lax.sub(lax.mul(a1, b2), lax.mul(a2, b1))
    cy = lax.sub(lax.mul(a2, b0), lax.mul(a0, b2))
    out = concatenate(_bcast(cx, cy, cz), -1)
    return lax.moveaxis(out, [-1], [axisc]) if axisc != -1 else out


def _bcast(*xs):
    shape = np.broadcast_shapes(*[_shape(x) for x in xs])
    return [lax.broadcast_to(x, shape) for x in xs]


def diagonal(a, offset=0, axis1=0, axis2=1):
    """Diagonal of ``a`` over ``axis1``/``axis2``, as the last axis of the result."""
    nd = len(_shape(a))
    axis1, axis2 = normalize_axes(axis1, nd)[0], normalize_axes(axis2, nd)[0]
    if axis1 == axis2:
        raise ValueError("axis1 and axis2 cannot be the same")
    a = lax.moveaxis(a, [axis1, axis2], [-2, -1])
    n, m = _shape(a)[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset)) if m - offset > 0 else np.arange(0)
    cols = rows + offset
    from .indexing import getitem

    return getitem(a, (Ellipsis, rows, cols))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """Sum along a diagonal."""
    d = diagonal(a, offset, axis1, axis2)
    return lax.reduce_sum(d if dtype is None else lax.convert_element_type(d, dtype),
                          (len(_shape(d)) - 1,))


def diag(v, k=0):
    """Extract a diagonal of a 2-D array, or build a 2-D array from a 1-D diagonal."""
    v = asarray_any(v)
    nd = len(_shape(v))
    if nd == 2:
        return diagonal(v, k)
    if nd != 1:
        raise ValueError("diag: input must be 1-d or 2-d")
    n = _shape(v)[0] + abs(k)
    padded = lax.pad_zeros(v, [(0, abs(k))])
    mask = np.eye(n, k=k, dtype=bool)
    shape = (n, 1) if k >= 0 else (1, n)
    return lax.select(mask, lax.reshape(padded, shape), 0.0)


def diagflat(v, k=0):
    return diag(reshape(asarray_any(v), (-1,)), k)


def tril(m, k=0):
    """Lower triangle (entries above the k-th diagonal set to zero)."""
    shape = _shape(m)
    mask = np.tri(shape[-2], shape[-1], k, dtype=bool)
    return lax.select(mask, m, 0.0)


def triu(m, k=0):
    """Upper triangle (entries below the k-th diagonal set to zero)."""
    shape = _shape(m)
    mask = ~np.tri(shape[-2], shape[-1], k - 1, dtype=bool)
    return lax.select(mask, m, 0.0)


def vecdot(x1, x2, /, *, axis=-1):
    """Vector dot product over ``axis`` (conjugating ``x1``), broadcasting the rest."""
    x1, x2 = asarray_any(x1), asarray_any(x2)
    if get_aval(x1).dtype.kind == "c":
        x1 = lax.conj(x1)
    prod = lax.mul(x1, x2)
    return lax.reduce_sum(prod, (len(_shape(prod)) + axis if axis < 0 else axis,))

