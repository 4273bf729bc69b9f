"""The adjugate, the derivative of ``det`` at every matrix (singular ones included).

``adj(A) = det(A) A^-1`` where ``A`` is invertible, and a polynomial in ``A`` everywhere.
With ``A = U diag(s) V^H``, ``adj(A) = c V diag(s_hat) U^H``, where ``c = det(U) det(V^H)``
(a sign or a phase) and ``s_hat_i`` is the product of all singular values but ``s_i``.  No
division by a singular value occurs, so this is accurate for singular and nearly singular
matrices (the rank-(n-1) adjugate is ``c s_1...s_(n-1) v_n u_n^H``), where
``det(A) inv(A)`` fails.  See ``docs/design/linalg.md``.
"""

from __future__ import annotations

import numpy as np

from ..core import (Primitive, ShapedArray, Zero, astype, broadcast_shapes, dtype_of, get_aval,
                    real_dtype)
from ..interpreters.linearize import is_undefined
from ._rules import defbroadcasting_batch, defstack_batch, match_tangent, unbroadcast
from .elementwise import add, mul, sub
from .linalg import (LinAlgError, check_square, det_p, lapack, linalg_fn, matrix_trace, solve,
                     svd_call)
from .products import einsum, matmul
from .shape import expand_dims, swap_last


def _det_jvp(primals, tangents):
    # Jacobi's formula d det(A) = tr(adj(A) dA).  The adjugate is computed from an SVD, so
    # the derivative is right at singular matrices too, where det(A) A^-1 does not exist.
    (a,), (ta,) = primals, tangents
    return det_p.bind(a), einsum("...ij,...ji->...", adjugate(a), ta)


def _exclusive_products(xp, s):
    """``out_i = prod_(j != i) s_j`` along the last axis, without division (zeros are fine)."""
    if s.shape[-1] == 0:
        return s
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = xp.cumprod(xp.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = xp.cumprod(xp.concatenate([ones, xp.flip(s[..., 1:], axis=-1)], axis=-1), axis=-1)
    return before * xp.flip(after, axis=-1)


def _svd_parts(xp, a, name):
    """``u, s, vh`` of ``a``, ``uh = u^H``, ``v = vh^H`` and the unit-modulus
    ``c = det(u) det(vh)``."""
    u, s, vh = lapack(name, lambda: svd_call(xp, a, False, True), (a,))
    det_fn = linalg_fn(xp, "det", name)
    c = det_fn(u) * det_fn(vh)
    uh, v = xp.conj(xp.swapaxes(u, -1, -2)), xp.conj(xp.swapaxes(vh, -1, -2))
    return uh, s, v, c / xp.abs(c)


def _adjugate_from_inverse(a):
    """``det(a) inv(a)`` where every matrix of the stack is well conditioned, else None.

    Two LU factorizations (inverse and determinant) cost a fraction of an SVD.  The 1-norm
    condition number, exact once the inverse is known, bounds the relative error of the
    inverse by about ``cond * eps``; it is held below 1e-8 in float64, the accuracy of the
    usual ``det(a) inv(a)`` rule."""
    if a.size == 0:
        return None
    eps = np.finfo(a.dtype).eps
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:  # exactly singular
        return None
    cond = np.abs(a).sum(axis=-2).max(axis=-1) * np.abs(inv).sum(axis=-2).max(axis=-1)
    if not np.all(cond * eps <= 1e-8 if eps < 1e-10 else cond <= 1e2):
        return None
    sign, logabs = np.linalg.slogdet(a)  # NumPy's det is several times slower than this
    return ((sign * np.exp(logabs))[..., None, None] * inv).astype(a.dtype)


def _adjugate_impl(xp, a):
    if xp is np:
        out = _adjugate_from_inverse(a)
        if out is not None:
            return out
    uh, s, v, c = _svd_parts(xp, a, "adjugate")
    out = c[..., None, None] * ((v * _exclusive_products(xp, s)[..., None, :]) @ uh)
    return astype(xp, out, dtype_of(a))


def _adjugate_abstract_eval(a):
    check_square(a, "adjugate")
    return ShapedArray(a.shape, a.dtype)


adjugate_p = Primitive("adjugate")
adjugate_p.impl = _adjugate_impl
adjugate_p.abstract_eval = _adjugate_abstract_eval
defstack_batch(adjugate_p)


def adjugate(a):
    """Adjugate (classical adjoint) of a stack of square matrices: ``adj(a) a = det(a) I``.

    The transposed adjugate is the cofactor matrix, the derivative of ``det``.  Computed from
    an SVD, it is accurate for singular and nearly singular matrices too.
    """
    return adjugate_p.bind(a)


def _adjugate_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    return adjugate(a), adjugate_jvp(a, ta)


adjugate_p.jvp = _adjugate_jvp


def _adjugate_jvp_impl(xp, a, e):
    # With E' = U^H E V: d adj(A)[E] = c V L(E') U^H, where for the diagonal S
    #   L(X)_ii = sum_(k != i) p_ik X_kk,   L(X)_ij = -p_ij X_ij  (i != j),
    # and p_ij is the product of all singular values but s_i and s_j.
    uh, s, v, c = _svd_parts(xp, a, "adjugate derivative")
    n = s.shape[-1]
    x = uh @ e @ v
    # Row i of p: the exclusive products of s with s_i replaced by 1 (zero diagonal after).
    eye = xp.eye(n, dtype=bool)
    p = xp.where(eye, 0.0, _exclusive_products(xp, xp.where(eye, 1.0, s[..., None, :])))
    diag = xp.einsum("...ik,...kk->...i", p, x)
    lx = diag[..., None] * xp.eye(n) - p * x
    out = c[..., None, None] * (v @ lx @ uh)
    dtype = np.result_type(a.dtype, e.dtype)
    return (out if dtype.kind == "c" else xp.real(out)).astype(dtype)


def _adjugate_jvp_abstract_eval(a, e):
    check_square(a, "adjugate_jvp")
    if e.shape[-2:] != a.shape[-2:]:
        raise ValueError(f"adjugate_jvp: direction of shape {e.shape} does not match matrices "
                         f"of shape {a.shape}")
    batch = broadcast_shapes(a.shape[:-2], e.shape[:-2])
    return ShapedArray(batch + a.shape[-2:], np.result_type(a.dummy(), e.dummy()))


adjugate_jvp_p = Primitive("adjugate_jvp")
adjugate_jvp_p.impl = _adjugate_jvp_impl
adjugate_jvp_p.abstract_eval = _adjugate_jvp_abstract_eval
defbroadcasting_batch(adjugate_jvp_p)


def adjugate_jvp(a, e):
    """The derivative ``d adj(a)[e]`` of the adjugate (linear in ``e``)."""
    return adjugate_jvp_p.bind(a, e)


def _adjugate_jvp_jvp(primals, tangents):
    a, e = primals
    ta, te = tangents
    out = adjugate_jvp(a, e)
    dout = None if type(te) is Zero else adjugate_jvp(a, te)
    if type(ta) is not Zero:
        # Differentiating adj(A) A = det(A) I twice gives, for invertible A,
        #   d2 adj[E, F] = (tr(M(F) E) I - M(F) E - M(E) F) A^-1,   M(X) = d adj(A)[X].
        # The solve loses about cond(A) * eps of accuracy, so matrices with
        # cond(A) > 1 / sqrt(eps) (singular ones included) raise instead of returning noise.
        n, nd = get_aval(a).shape[-1], get_aval(out).ndim
        mf_e = matmul(adjugate_jvp(a, ta), e)
        trace = mul(expand_dims(matrix_trace(mf_e), (nd - 2, nd - 1)), np.eye(n))
        term = sub(sub(trace, mf_e), matmul(out, ta))
        term = swap_last(solve(well_conditioned(a, "third and higher derivatives of det"),
                               swap_last(term), transpose_a=True))
        dout = term if dout is None else add(dout, term)
    if dout is None:
        return out, Zero(get_aval(out))
    return out, match_tangent(dout, get_aval(out))


def _adjugate_jvp_transpose(ct, a, e):
    # d adj(A) is the Hessian of det, a symmetric bilinear form: <G, M(E)> = <M(G^T)^T, E>.
    if is_undefined(a):
        raise TypeError("adjugate_jvp is not linear in the matrix; only its direction can be "
                        "transposed")
    if type(ct) is Zero or not is_undefined(e):
        return [None, None]
    return [None, unbroadcast(swap_last(adjugate_jvp(a, swap_last(ct))), e.aval)]


adjugate_jvp_p.jvp = _adjugate_jvp_jvp
adjugate_jvp_p.transpose = _adjugate_jvp_transpose


def _well_conditioned_impl(xp, a, what):
    s = lapack("well_conditioned", lambda: svd_call(xp, a, False, False), (a,))
    if s.shape[-1] and bool(xp.any(s[..., -1] <= s[..., 0] * np.sqrt(
            np.finfo(real_dtype(a.dtype)).eps))):
        raise LinAlgError(
            f"{what} need a matrix with condition number below 1/sqrt(eps) (about 7e7 in "
            "float64); this one is singular or nearly so. Derivatives up to second order "
            "are available at every matrix.")
    return a


well_conditioned_p = Primitive("well_conditioned")
well_conditioned_p.impl = _well_conditioned_impl
well_conditioned_p.abstract_eval = lambda a, what: a
defstack_batch(well_conditioned_p)


def well_conditioned(a, what):
    """``a`` itself, after checking (when evaluated) that every matrix in the stack has
    condition number below ``1 / sqrt(eps)``; ``what`` names the computation that needs it
    in the error.  Its derivative is the identity."""
    return well_conditioned_p.bind(a, what=what)


well_conditioned_p.jvp = lambda primals, tangents, what: (
    well_conditioned(primals[0], what), tangents[0])


det_p.jvp = _det_jvp

__all__ = ["adjugate", "adjugate_jvp", "adjugate_jvp_p", "adjugate_p", "well_conditioned",
           "well_conditioned_p"]
