"""Multilinear primitives: matrix products and einsum."""

from __future__ import annotations

import math
import string

import numpy as np

from ..core import Primitive, ShapedArray, Zero, broadcast_shapes, get_aval
from ..interpreters.linearize import is_undefined
from ._rules import (defbroadcasting_batch, defjvp, match_tangent, multilinear_tangent,
                     transpose_each, unbroadcast)
from .shape import reshape, swap_last


def _matrix_shapes(a_shape, b_shape):
    """NumPy's promotion of vector operands of ``matmul``: a 1-D left operand is a row
    ``(1, k)``, a 1-D right operand a column ``(k, 1)``; the product's added axis is then
    dropped.  Returns the operands' matrix shapes and the product's shape."""
    a2 = (1,) + a_shape if len(a_shape) == 1 else a_shape
    b2 = b_shape + (1,) if len(b_shape) == 1 else b_shape
    out = broadcast_shapes(a2[:-2], b2[:-2])
    if len(a_shape) > 1:
        out += (a2[-2],)
    if len(b_shape) > 1:
        out += (b2[-1],)
    return a2, b2, out


def _matmul_abstract_eval(a, b):
    if a.ndim < 1 or b.ndim < 1:
        raise ValueError("matmul primitive needs operands with at least 1 dimension")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{a.shape[-1]} (last axis of the first) != "
                         f"{b.shape[-2 if b.ndim > 1 else 0]} (second-to-last axis of the "
                         "second, or its only axis)")
    dtype = np.result_type(a.dummy(), b.dummy())
    return ShapedArray(_matrix_shapes(a.shape, b.shape)[2], dtype)


def _matmul_ct(ct, a, b, left):
    """The cotangent of ``a`` (``left``) or ``b`` in ``a @ b``: ``ct @ b.T`` or ``a.T @ ct``
    on the operands as matrices (vectors promoted as NumPy promotes them), summed over
    broadcast stack axes and shaped like the operand."""
    a_shape, b_shape = (x.aval.shape if is_undefined(x) else get_aval(x).shape for x in (a, b))
    if len(a_shape) > 1 and len(b_shape) > 1:
        return matmul(ct, swap_last(b)) if left else matmul(swap_last(a), ct)
    a2, b2, out = _matrix_shapes(a_shape, b_shape)
    ct2 = reshape(ct, out[:len(out) - (len(a_shape) > 1) - (len(b_shape) > 1)]
                  + a2[-2:-1] + b2[-1:])
    if left:
        g, shape = matmul(ct2, swap_last(reshape(b, b2))), a2
    else:
        g, shape = matmul(swap_last(reshape(a, a2)), ct2), b2
    g = unbroadcast(g, ShapedArray(shape, get_aval(g).dtype))
    return reshape(g, a_shape if left else b_shape)


matmul_p = Primitive("matmul")
matmul_p.impl = lambda xp, a, b: xp.matmul(a, b)
matmul_p.abstract_eval = _matmul_abstract_eval
matmul = matmul_p.bind
defjvp(matmul_p, lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t))
matmul_p.transpose = transpose_each(lambda ct, a, b: _matmul_ct(ct, a, b, True),
                                    lambda ct, a, b: _matmul_ct(ct, a, b, False))
defbroadcasting_batch(matmul_p)
_broadcasting_matmul_batch = matmul_p.batch


def _matmul_batch(size, vals, dims):
    """A batched stack of matrices times an unbatched matrix is ONE matrix product: the
    batch (and stack) axes join the rows, ``(B*m, k) @ (k, n)``, or for an unbatched left
    operand, ``(B*n, k) @ (k, m)`` on the transposes.  Broadcasting the unbatched operand
    instead runs B small products, and the transpose of that (the gradient of the shared
    matrix, e.g. a layer's weight under ``vmap``) builds a ``(B, m, k)`` stack of outer
    products before summing it: B times the memory and no BLAS matrix product.

    A batch of vectors is a matrix whose rows are the examples: a layer's ``W @ x`` on a
    batch is ``xs @ W.T`` and ``x @ W`` is ``xs @ W``, one product and no reshape."""
    (a, b), (da, db) = vals, dims
    na = get_aval(a).ndim - (da is not None)
    nb = get_aval(b).ndim - (db is not None)
    if na == 1 or nb == 1:
        if da is None:  # b batched
            if na == 2 and nb == 1:
                return matmul(b, swap_last(a)), 0  # W @ x: xs @ W.T
            if na == 1 and nb == 1:
                return matmul(b, a), 0  # v @ x: xs @ v
            if na == 1:
                return matmul(a, b), 0  # v @ X: NumPy broadcasts v over the stack
        elif db is None:  # a batched
            if na == 1 and nb <= 2:
                return matmul(a, b), 0  # x @ W, x @ v: xs @ W, xs @ v
            if nb == 1:
                return matmul(a, b), 0  # X @ v: NumPy broadcasts v over the stack
        # Otherwise a batched vector becomes a batched matrix (with length-1 stack axes so
        # that it lines up with the other operand's stack), and the axis goes after.
        rank = max(na, nb, 2)
        if na == 1:
            shape = get_aval(a).shape
            a = reshape(a, shape[:-1] + (1,) * (rank - 1) + shape[-1:])
        if nb == 1:
            shape = get_aval(b).shape
            b = reshape(b, shape[:-1] + (1,) * (rank - 2) + shape[-1:] + (1,))
        out, d = _matmul_batch(size, [a, b], [da, db])
        shape = get_aval(out).shape  # (B, ..., m, n): drop the promoted axes
        shape = shape[:-2] + (() if na == 1 else shape[-2:-1]) + (() if nb == 1 else shape[-1:])
        return reshape(out, shape), d
    if da is not None and db is None and get_aval(b).ndim == 2:
        shape = get_aval(a).shape
        rows = reshape(a, (math.prod(shape[:-1]), shape[-1]))
        return reshape(matmul(rows, b), shape[:-1] + (get_aval(b).shape[1],)), 0
    if da is None and db is not None and get_aval(a).ndim == 2:
        shape = get_aval(b).shape  # (B, ..., k, n)
        if shape[-1] == 1:
            # A stack of column vectors (``W @ x`` for a batched vector ``x``): its rows
            # are a plain reshape, with no transpose before and after the product.
            rows = reshape(b, (math.prod(shape[:-2]), shape[-2]))
            out = matmul(rows, swap_last(a))
            return reshape(out, shape[:-2] + (get_aval(a).shape[0], 1)), 0
        cols = swap_last(b)        # (B, ..., n, k): the columns of b as rows
        rows = reshape(cols, (math.prod(shape[:-2]) * shape[-1], shape[-2]))
        out = reshape(matmul(rows, swap_last(a)), shape[:-2] + (shape[-1], get_aval(a).shape[0]))
        return swap_last(out), 0
    return _broadcasting_matmul_batch(size, vals, dims)


matmul_p.batch = _matmul_batch


def _matmul_tape(primals):
    """Eager reverse mode's tape lane (``Primitive.tape_linear``) for matrices and vectors:
    the cotangents ``ct @ b.T`` and ``a.T @ ct`` as the transpose rule gives them, an
    outer product where a vector operand meets a matrix, a product with the other vector
    for two vectors."""
    a, b = primals
    na, nb = a.ndim, b.ndim
    if na > 2 or nb > 2:
        return None
    ans = np.matmul(a, b)
    if na == 2:
        return ans, (("matmul_r", b) if nb == 2 else ("outer_r", b), ("matmul_l", a))
    if nb == 2:
        return ans, (("matmul_r", b), ("outer_l", a))
    return ans, (("mul", b), ("mul", a))


matmul_p.tape_linear = _matmul_tape
# Linear in each operand separately: a saved product's tangent is a sum of products with
# one operand replaced by its tangent (``checkpoint``).
matmul_p.multilinear = True
matmul_p.allocates = True


# --- einsum ------------------------------------------------------------------------------
def normalize_subscripts(subscripts: str, shapes):
    """Explicit einsum subscripts without ellipses, e.g. ``'...ij,jk'`` -> ``'aij,jk->aik'``."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
    else:
        ins, out = subscripts, None
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, "
                         f"but {len(shapes)} were given")
    used = set(subscripts) - set(".,->")
    free = iter(c for c in string.ascii_letters if c not in used)
    ell_rank = max((len(s) - (len(t) - 3) for t, s in zip(terms, shapes) if "..." in t),
                   default=0)
    ell = "".join(next(free) for _ in range(ell_rank))
    new_terms = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            k = len(s) - (len(t) - 3)
            t = t.replace("...", ell[ell_rank - k:])
        if len(t) != len(s):
            raise ValueError(f"einsum: term {t!r} has {len(t)} indices but its operand has "
                             f"{len(s)} dimensions")
        new_terms.append(t)
    if out is None:
        counts = {}
        for t in new_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return ",".join(new_terms) + "->" + out


def _einsum_abstract_eval(*avals, subscripts):
    ins, out = subscripts.split("->")
    sizes = {}
    for term, a in zip(ins.split(","), avals):
        for c, n in zip(term, a.shape):
            if sizes.get(c, n) != n and n != 1 and sizes[c] != 1:
                raise ValueError(f"einsum: index {c!r} has sizes {sizes[c]} and {n}")
            sizes[c] = max(sizes.get(c, n), n)
    dtype = np.result_type(*[a.dummy() for a in avals])
    return ShapedArray(tuple(sizes[c] for c in out), dtype)


def _einsum_impl(xp, *operands, subscripts):
    return xp.einsum(subscripts, *operands, optimize=len(operands) > 2)


einsum_p = Primitive("einsum")
einsum_p.impl = _einsum_impl
einsum_p.abstract_eval = _einsum_abstract_eval


def einsum(subscripts, *operands):
    shapes = [get_aval(o).shape for o in operands]
    return einsum_p.bind(*operands, subscripts=normalize_subscripts(subscripts, shapes))


def _einsum_jvp(primals, tangents, subscripts):
    ans = einsum_p.bind(*primals, subscripts=subscripts)
    out = multilinear_tangent(einsum_p, primals, tangents, {"subscripts": subscripts})
    if out is None:
        return ans, Zero(get_aval(ans))
    return ans, match_tangent(out, get_aval(ans))


def _einsum_transpose(ct, *args, subscripts):
    ins, out = subscripts.split("->")
    terms = ins.split(",")
    k = next(i for i, a in enumerate(args) if is_undefined(a))
    target = terms[k]
    shape = args[k].aval.shape
    if 0 in shape:  # an empty operand has an empty cotangent: nothing to accumulate
        return [None] * len(args)
    used = set(subscripts)
    free = iter(c for c in string.ascii_letters if c not in used)
    # Letters of the target that nothing else mentions were summed out: broadcast with ones.
    # So were letters that the others mention only with size 1 (NumPy broadcasting).
    # A repeated letter (a diagonal) is renamed and tied to its twin by an identity matrix.
    other_sizes = {}
    for term, a in [(out, ct)] + [(t, a) for i, (t, a) in enumerate(zip(terms, args))
                                   if i != k]:
        for c, n in zip(term, get_aval(a).shape):
            other_sizes[c] = max(other_sizes.get(c, 1), n)
    new_target, extra_terms, extra_ops, seen = "", [], [], set()
    for c, n in zip(target, shape):
        if c in seen:
            fresh = next(free)
            extra_terms.append(c + fresh)
            extra_ops.append(np.eye(n, dtype=args[k].aval.dtype))
            new_target += fresh
            continue
        seen.add(c)
        if c not in other_sizes or other_sizes[c] < n:
            extra_terms.append(c)
            extra_ops.append(np.ones(n, dtype=args[k].aval.dtype))
        new_target += c
    in_terms = [out] + [t for i, t in enumerate(terms) if i != k] + extra_terms
    operands = [ct] + [a for i, a in enumerate(args) if i != k] + extra_ops
    res = einsum_p.bind(*operands, subscripts=",".join(in_terms) + "->" + new_target)
    # A size-1 axis of the operand that broadcast against a longer one in the other
    # operands comes back at the longer size: sum it down (NumPy broadcasting's transpose).
    # A complex cotangent of a real operand keeps its real part (unbroadcast does both).
    res = unbroadcast(res, args[k].aval)
    return [res if i == k else None for i in range(len(args))]


einsum_p.jvp = _einsum_jvp
einsum_p.transpose = _einsum_transpose


def _einsum_batch(size, vals, dims, subscripts):
    ins, out = subscripts.split("->")
    letter = next(c for c in string.ascii_letters if c not in subscripts)
    terms = [letter + t if d is not None else t for t, d in zip(ins.split(","), dims)]
    return einsum_p.bind(*vals, subscripts=",".join(terms) + "->" + letter + out), 0


einsum_p.batch = _einsum_batch
einsum_p.multilinear = True
