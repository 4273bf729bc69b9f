"""Vector and matrix products, diagonals and triangles ("Linear algebra" products and
"Building matrices" in NumPy's docs).  All are multilinear: built from ``matmul``,
``einsum``, elementwise products and gathers."""

from __future__ import annotations

import math

import numpy as np

from .. import lax
from ._util import (asarray_any, dtype_of, ndim_of, no_out, normalize_axis, scalar_if_0d,
                    shape_of, zero_of)
from .fastpath import PLAIN_TYPES, all_plain, numpy_fast_path
from .indexing import getitem
from .reductions import sum as _sum


def _size(shape):
    return math.prod(int(n) for n in shape)


@numpy_fast_path(np.matmul, 2)
def matmul(x1, x2, /):
    """Matrix product with NumPy's rules for 1-D operands and broadcast batch axes.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.matmul(cnp.ones((2, 3)), cnp.ones(3))
    array([3., 3.])
    >>> cr.grad(lambda x: cnp.matmul(x, x))(cnp.array([1.0, 2.0]))
    array([2., 4.])
    """
    x1, x2 = asarray_any(x1), asarray_any(x2)
    n1, n2 = ndim_of(x1), ndim_of(x2)
    if n1 == 0 or n2 == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions (scalars are "
                         "not allowed; use multiply or *)")
    # The primitive takes NumPy's vector operands itself: under vmap a layer's ``W @ x``
    # is then one product of the batch (``xs @ W.T``), with no reshape before or after.
    return scalar_if_0d(lax.matmul(x1, x2))


@numpy_fast_path(np.dot, 2)
def dot(a, b, out=None):
    """Dot product with NumPy's rules: ``matmul`` for 2-D, the sum over the last axis of
    ``a`` and the second-to-last of ``b`` in general, multiplication for scalars.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.dot(cnp.ones((2, 3, 4)), cnp.ones((5, 4, 6))).shape
    (2, 3, 5, 6)
    """
    no_out(out, "dot")
    a, b = asarray_any(a), asarray_any(b)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return lax.mul(a, b)
    if nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([na - 1], [nb - 2]))


@numpy_fast_path(np.vdot, 2)
def vdot(a, b, /):
    """Dot product of the flattened arrays, conjugating the first one.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.vdot(cnp.array([1j, 2.0]), cnp.array([1j, 1.0]))
    np.complex128(3+0j)
    """
    a, b = lax.reshape(asarray_any(a), (-1,)), lax.reshape(asarray_any(b), (-1,))
    if shape_of(a) != shape_of(b):
        raise ValueError("vdot: vectors have different lengths")
    if dtype_of(a).kind == "c":
        a = lax.conj(a)
    return matmul(a, b)


@numpy_fast_path(np.inner, 2)
def inner(a, b, /):
    """Sum of products over the last axes.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.inner(cnp.ones((2, 3)), cnp.ones((4, 3))).shape
    (2, 4)
    """
    a, b = asarray_any(a), asarray_any(b)
    if not shape_of(a) or not shape_of(b):
        return lax.mul(a, b)
    return scalar_if_0d(tensordot(a, b, axes=([-1], [-1])))


@numpy_fast_path(np.outer, 2)
def outer(a, b, out=None):
    """Outer product of two vectors (inputs are flattened).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.outer(cnp.array([1.0, 2.0]), cnp.array([1.0, 10.0]))
    array([[ 1., 10.],
           [ 2., 20.]])
    """
    no_out(out, "outer")
    a = lax.reshape(asarray_any(a), (-1, 1))
    b = lax.reshape(asarray_any(b), (1, -1))
    return lax.mul(a, b)


def _tensordot_axes(axes, na, nb):
    if isinstance(axes, (int, np.integer)):
        if axes < 0 or axes > min(na, nb):
            raise ValueError(f"tensordot: axes={axes} is out of range for operands of "
                             f"{na} and {nb} dimensions")
        return list(range(na - axes, na)), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError("shape-mismatch for sum")
    return [normalize_axis(x, na) for x in axes_a], [normalize_axis(x, nb) for x in axes_b]


@numpy_fast_path(np.tensordot, 2)
def tensordot(a, b, axes=2):
    """Sum products over the given axes (an int ``n``: the last n of ``a`` with the first
    n of ``b``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.tensordot(cnp.ones((2, 3, 4)), cnp.ones((3, 4, 5))).shape
    (2, 5)
    """
    a, b = asarray_any(a), asarray_any(b)
    sa, sb = shape_of(a), shape_of(b)
    axes_a, axes_b = _tensordot_axes(axes, len(sa), len(sb))
    for i, j in zip(axes_a, axes_b):
        if sa[i] != sb[j]:
            raise ValueError("shape-mismatch for sum")
    free_a = [i for i in range(len(sa)) if i not in axes_a]
    free_b = [i for i in range(len(sb)) if i not in axes_b]
    k = _size([sa[i] for i in axes_a])
    ma, mb = _size([sa[i] for i in free_a]), _size([sb[i] for i in free_b])
    at = lax.reshape(lax.transpose(a, free_a + axes_a), (ma, k))
    bt = lax.reshape(lax.transpose(b, axes_b + free_b), (k, mb))
    out = lax.matmul(at, bt)
    return lax.reshape(out, tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))


_EINSUM_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist_subscripts(args):
    """``(a, [0, 1], b, [1, 2], [0, 2])`` -> ``("ab,bc->ac", [a, b])``: NumPy's interleaved
    operand/sublist form of einsum as a subscripts string (axis numbers 0-51, ``...``)."""
    def letters(sublist):
        out = []
        for k in sublist:
            if k is Ellipsis:
                out.append("...")
            elif isinstance(k, (int, np.integer)) and 0 <= k < len(_EINSUM_LETTERS):
                out.append(_EINSUM_LETTERS[int(k)])
            else:
                raise ValueError(f"einsum: subscript {k!r} in a sublist must be an integer in "
                                 f"[0, {len(_EINSUM_LETTERS)}) or Ellipsis")
        return "".join(out)

    operands = list(args[0:-1:2] if len(args) % 2 else args[0::2])
    sublists = args[1::2]
    if len(sublists) < len(operands) or not operands:
        raise TypeError("einsum: the interleaved form is einsum(op0, sublist0, op1, sublist1, "
                        "..., [sublistout])")
    inputs = [letters(s) for s in sublists[:len(operands)]]
    subscripts = ",".join(inputs)
    if len(args) % 2:
        subscripts += "->" + letters(args[-1])
    return subscripts, operands


def einsum(subscripts, *operands, out=None, dtype=None, order="K", casting="safe",
           optimize=False):
    """Einstein summation (explicit or implicit output, ellipses, repeated indices).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.einsum("ij,j->i", cnp.eye(2), cnp.array([1.0, 2.0]))
    array([1., 2.])
    >>> cnp.einsum("ii", cnp.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(5.0)

    The interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (operands each followed
    by its list of axis numbers, then optionally the output's) means the same:

    >>> cnp.einsum(cnp.eye(2), [0, 1], cnp.array([1.0, 2.0]), [1], [0])
    array([1., 2.])
    """
    if (type(subscripts) is str and out is None and dtype is None and all_plain(operands)
            and order == "K" and casting == "safe"):
        return np.einsum(subscripts, *operands, optimize=optimize)
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_subscripts((subscripts,) + operands)
        return einsum(subscripts, *operands, out=out, dtype=dtype, order=order,
                      casting=casting, optimize=optimize)
    no_out(out, "einsum")
    operands = [asarray_any(o) for o in operands]
    if dtype is not None:
        operands = [lax.convert_element_type(o, dtype) for o in operands]
    if all(type(o) in PLAIN_TYPES for o in operands):
        return np.einsum(subscripts, *operands, optimize=optimize)
    return lax.einsum(subscripts, *operands)


@numpy_fast_path(np.kron, 2)
def kron(a, b):
    """Kronecker product.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.kron(cnp.eye(2), cnp.array([[1.0, 2.0]]))
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    a, b = asarray_any(a), asarray_any(b)
    nd = max(ndim_of(a), ndim_of(b))
    sa = (1,) * (nd - ndim_of(a)) + shape_of(a)
    sb = (1,) * (nd - ndim_of(b)) + shape_of(b)
    a_ex = lax.reshape(a, tuple(x for n in sa for x in (n, 1)))
    b_ex = lax.reshape(b, tuple(x for n in sb for x in (1, n)))
    return lax.reshape(lax.mul(a_ex, b_ex), tuple(m * n for m, n in zip(sa, sb)))


@numpy_fast_path(np.cross, 2)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (2-vectors give the z component; mixed 2/3 work too).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.cross(cnp.array([1.0, 0.0, 0.0]), cnp.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = asarray_any(a), asarray_any(b)
    a = lax.moveaxis(a, [normalize_axis(axisa, ndim_of(a), "axisa")], [ndim_of(a) - 1])
    b = lax.moveaxis(b, [normalize_axis(axisb, ndim_of(b), "axisb")], [ndim_of(b) - 1])
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 "
                         "or 3)")

    def comp(x, i, n):
        return lax.slice_axis(x, -1, i, i + 1) if i < n else zero_of(x)

    a0, a1, a2 = (comp(a, i, na) for i in range(3))
    b0, b1, b2 = (comp(b, i, nb) for i in range(3))
    cz = lax.sub(lax.mul(a0, b1), lax.mul(a1, b0))
    if na == 2 and nb == 2:
        return lax.reshape(cz, shape_of(cz)[:-1])
    cx = lax.sub(lax.mul(a1, b2), lax.mul(a2, b1))
    cy = lax.sub(lax.mul(a2, b0), lax.mul(a0, b2))
    shape = np.broadcast_shapes(shape_of(cx), shape_of(cy), shape_of(cz))
    out = lax.concatenate([lax.broadcast_to(c, shape) for c in (cx, cy, cz)], len(shape) - 1)
    return lax.moveaxis(out, [len(shape) - 1], [normalize_axis(axisc, len(shape), "axisc")])


@numpy_fast_path(np.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    """Diagonal of ``a`` over ``axis1``/``axis2``, as the last axis of the result.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.diagonal(cnp.arange(6.0).reshape(2, 3), offset=1)
    array([1., 5.])
    """
    a = asarray_any(a)
    nd = ndim_of(a)
    if nd < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    axis1, axis2 = normalize_axis(axis1, nd, "axis1"), normalize_axis(axis2, nd, "axis2")
    if axis1 == axis2:
        raise ValueError("axis1 and axis2 cannot be the same")
    a = lax.moveaxis(a, [axis1, axis2], [nd - 2, nd - 1])
    n, m = shape_of(a)[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset))

    return getitem(a, (Ellipsis, rows, rows + offset))


@numpy_fast_path(np.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """Sum along a diagonal.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.trace)(cnp.ones((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    return _sum(diagonal(a, offset, axis1, axis2), -1, dtype, out)


@numpy_fast_path(np.diag)
def diag(v, k=0):
    """Extract a diagonal of a 2-D array, or build a 2-D array from a 1-D diagonal.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.diag(cnp.array([1.0, 2.0]), k=1)
    array([[0., 1., 0.],
           [0., 0., 2.],
           [0., 0., 0.]])
    """
    v = asarray_any(v)
    nd = ndim_of(v)
    if nd == 2:
        return diagonal(v, k)
    if nd != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = shape_of(v)[0] + abs(k)
    padded = lax.pad_zeros(v, [(0, abs(k))])
    column = lax.reshape(padded, (n, 1) if k >= 0 else (1, n))
    return lax.select(np.eye(n, k=k, dtype=bool), column, zero_of(v))


@numpy_fast_path(np.diagflat)
def diagflat(v, k=0):
    """2-D array with the flattened input on the ``k``-th diagonal.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.diagflat(cnp.array([[1.0, 2.0]]))
    array([[1., 0.],
           [0., 2.]])
    """
    return diag(lax.reshape(asarray_any(v), (-1,)), k)


def _triangle(m, mask_fn):
    m = asarray_any(m)
    shape = shape_of(m)
    if len(shape) == 0:
        raise ValueError("tril/triu: input must have at least one dimension")
    return lax.select(mask_fn(*shape[-2:]) if len(shape) > 1 else mask_fn(shape[0], shape[0]),
                      m, zero_of(m))


@numpy_fast_path(np.tril)
def tril(m, k=0):
    """Lower triangle: entries above the ``k``-th diagonal set to zero.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.tril(cnp.ones((2, 3)))
    array([[1., 0., 0.],
           [1., 1., 0.]])
    """
    return _triangle(m, lambda n, c: np.tri(n, c, k, dtype=bool))


@numpy_fast_path(np.triu)
def triu(m, k=0):
    """Upper triangle: entries below the ``k``-th diagonal set to zero.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.triu(cnp.ones((2, 3)), 1)
    array([[0., 1., 1.],
           [0., 0., 1.]])
    """
    return _triangle(m, lambda n, c: ~np.tri(n, c, k - 1, dtype=bool))


@numpy_fast_path(np.vecdot, 2)
def vecdot(x1, x2, /, *, axis=-1):
    """Vector dot product over ``axis`` (conjugating ``x1``), broadcasting the rest.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.vecdot(cnp.ones((2, 3)), cnp.arange(3.0))
    array([3., 3.])
    """
    x1, x2 = asarray_any(x1), asarray_any(x2)
    if dtype_of(x1).kind == "c":
        x1 = lax.conj(x1)
    prod = lax.mul(x1, x2)
    return lax.reduce_sum(prod, (normalize_axis(axis, ndim_of(prod)),))


@numpy_fast_path(getattr(np, "matvec", None), 2)
def matvec(x1, x2, /):
    """Matrix-vector product over the last axes, broadcasting the rest.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.matvec(cnp.eye(2) * 2.0, cnp.array([1.0, 3.0]))
    array([2., 6.])
    """
    x2 = asarray_any(x2)
    out = lax.matmul(asarray_any(x1), lax.reshape(x2, shape_of(x2) + (1,)))
    return lax.reshape(out, shape_of(out)[:-1])


@numpy_fast_path(getattr(np, "vecmat", None), 2)
def vecmat(x1, x2, /):
    """Vector-matrix product over the last axes (conjugating ``x1``), broadcasting the rest.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.vecmat(cnp.array([1.0, 3.0]), cnp.eye(2) * 2.0)
    array([2., 6.])
    """
    x1 = asarray_any(x1)
    if dtype_of(x1).kind == "c":
        x1 = lax.conj(x1)
    out = lax.matmul(lax.reshape(x1, shape_of(x1)[:-1] + (1,) + shape_of(x1)[-1:]),
                     asarray_any(x2))
    return lax.reshape(out, shape_of(out)[:-2] + shape_of(out)[-1:])


__all__ = ["cross", "diag", "diagflat", "diagonal", "dot", "einsum", "inner", "kron",
           "matmul", "matvec", "outer", "tensordot", "trace", "tril", "triu", "vdot",
           "vecdot", "vecmat"]
