"""Linear-algebra primitives: factorizations and solves, with their derivative rules.

Every primitive works on stacks of matrices (the last two axes; leading axes broadcast).
They are primitives because composing them from smaller operations would be wrong,
unstable or much slower: each wraps one LAPACK call, and its JVP is the standard stable
formula, written with chainrule operations so that it can itself be differentiated.  The
JVP rules use the tangents only through linear primitives (``matmul``, ``solve`` and
``triangular_solve`` in their right-hand side, ``transpose``, ``conj``, multiplication
by primal values...), so reverse mode follows by linearize-then-transpose.

Conventions (see ``docs/design/linalg.md``):

- ``cholesky`` and ``eigh`` use the Hermitian part ``(a + a^H) / 2`` of their input, as
  JAX does; their derivatives are those of that function, so gradients are Hermitian.
- Eigen- and singular-vector derivatives set to zero the rotations inside (numerically)
  degenerate eigenspaces, i.e. ``1 / (w_j - w_i)`` is replaced by 0 when
  ``|w_j - w_i| <= n * eps * max|w|``.
- Singular matrices raise ``numpy.linalg.LinAlgError`` with a message naming the
  operation; results that come out non-finite from finite input raise it too.
"""

from __future__ import annotations

import numpy as np

from ..core import (Primitive, ShapedArray, Zero, broadcast_shapes, concrete_value, get_aval,
                   real_dtype)
from ..interpreters.linearize import is_undefined
from ._rules import (align_batched, defbroadcasting_batch, defstack_batch, match_tangent,
                     unbroadcast)
from .elementwise import (abs, add, conj, div, gt, le, logical_and, mul, neg, real, select,
                          stop_gradient_p, sub)
from .products import einsum, matmul
from .reductions import reduce_max, reduce_or
from .shape import (broadcast_to, concatenate, expand_dims, pad_zeros, reshape, slice_axis,
                    swap_last)

LinAlgError = np.linalg.LinAlgError

# ---------------------------------------------------------------------------------------
# Helpers (all differentiable chainrule operations)
# ---------------------------------------------------------------------------------------


def _is_complex(x):
    return get_aval(x).dtype.kind == "c"


def _complex_dtype(dtype):
    return np.result_type(np.dtype(dtype), np.complex64)


def adjoint(x):
    """Conjugate transpose of the last two axes."""
    return conj(swap_last(x)) if _is_complex(x) else swap_last(x)


def _diag(x):
    """Main diagonal of the last two axes."""
    return einsum("...ii->...i", x)


def matrix_trace(x):
    return einsum("...ii->...", x)


def _diag_embed(v):
    """A stack of diagonal matrices with ``v`` on the diagonal."""
    n = get_aval(v).shape[-1]
    return mul(expand_dims(v, (get_aval(v).ndim,)), np.eye(n, dtype=real_dtype(get_aval(v).dtype)))


def _sym(x):
    """Hermitian part ``(x + x^H) / 2``."""
    return mul(add(x, adjoint(x)), 0.5)


def _tri(x, lower, k=0):
    """Lower (``k``-th diagonal and below) or upper (``k``-th and above) triangle."""
    n, m = get_aval(x).shape[-2:]
    mask = np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)
    return select(mask, x, 0.0)


def _real_part(x):
    return real(x) if _is_complex(x) else x


def _inverse_gaps(w):
    """``F[..., i, j] = 1 / (w_j - w_i)``, and 0 on the diagonal and where the gap is
    within ``n * eps * max|w|`` (numerically degenerate pairs)."""
    n = get_aval(w).shape[-1]
    nd = get_aval(w).ndim
    diff = sub(expand_dims(w, (nd - 1,)), expand_dims(w, (nd,)))
    ws = stop_gradient_p.bind(w)
    eps = np.finfo(real_dtype(get_aval(w).dtype)).eps
    scale = reduce_max(abs(ws), (nd - 1,)) if n else np.zeros(get_aval(w).shape[:-1])
    tol = mul(expand_dims(scale, (nd - 1, nd)), float(max(n, 1) * eps))
    degenerate = le(abs(stop_gradient_p.bind(diff)), tol)
    return select(degenerate, 0.0, div(1.0, select(degenerate, 1.0, diff)))


def _numerically_zero(s):
    """Mask of singular values within ``k * eps * max(s)`` of zero (no derivative)."""
    n = get_aval(s).shape[-1]
    nd = get_aval(s).ndim
    ss = stop_gradient_p.bind(s)
    eps = np.finfo(real_dtype(get_aval(s).dtype)).eps
    scale = reduce_max(ss, (nd - 1,)) if n else np.zeros(get_aval(s).shape[:-1])
    return le(ss, mul(expand_dims(scale, (nd - 1,)), float(max(n, 1) * eps)))


def _safe_inverse(s, tiny):
    """``1 / s`` for singular values, 0 where ``s`` is (numerically) zero."""
    return select(tiny, 0.0, div(1.0, select(tiny, 1.0, s)))


def check_square(aval, name):
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise LinAlgError(f"{name}: expected a stack of square matrices (last two axes equal), "
                          f"got shape {aval.shape}")


def lapack(name, fn, inputs, hint="", check_finite=False):
    """Run ``fn()`` and turn LAPACK failures (and, with ``check_finite``, non-finite results
    from finite input) into ``LinAlgError``s that say which operation failed and what to
    do."""
    try:
        out = fn()
    except LinAlgError as e:
        raise LinAlgError(f"{name}: {e}. {hint}".strip()) from None
    if check_finite:
        outs = out if isinstance(out, (tuple, list)) else (out,)
        if all(isinstance(o, np.ndarray) for o in outs) and not all(
                np.isfinite(o).all() for o in outs):
            if all(np.isfinite(np.asarray(i)).all() for i in inputs):
                raise LinAlgError(
                    f"{name}: the result is not finite although the input is: the matrix is "
                    f"singular or too ill-conditioned. {hint}".strip())
    return out


def _is_dask(xp):
    return xp.__name__.startswith("dask")


def linalg_fn(xp, name, prim):
    """``xp.linalg.<name>``, or an error naming the primitive and the array library."""
    fn = getattr(getattr(xp, "linalg", None), name, None)
    if fn is None:
        raise NotImplementedError(
            f"primitive {prim!r} needs {xp.__name__}.linalg.{name}, which that array library "
            "does not have; convert the input to NumPy (or CuPy) arrays first")
    if _is_dask(xp):
        def single_matrix(a, *args, **kwargs):
            # Dask's linalg functions take one matrix; a stack would fail inside Dask.
            if a.ndim != 2:
                raise NotImplementedError(
                    f"primitive {prim!r}: dask.array.linalg.{name} takes a single matrix, not "
                    f"a stack of shape {a.shape}; apply it to each matrix, or convert the "
                    "input to NumPy (or CuPy) arrays first")
            return fn(a, *args, **kwargs)
        return single_matrix
    return fn


_SINGULAR_HINT = ("The matrix is singular to working precision (this also happens when "
                  "differentiating slogdet, inv or solve at a singular matrix). Check it "
                  "with chainrule.numpy.linalg.cond or matrix_rank, or use lstsq / pinv for "
                  "rank-deficient systems.")

# ---------------------------------------------------------------------------------------
# solve: a x = b (LU with partial pivoting); linear in b
# ---------------------------------------------------------------------------------------


def _solve_abstract_eval(a, b, transpose_a):
    check_square(a, "solve")
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"solve: right-hand side of shape {b.shape} does not match a matrix "
                         f"of shape {a.shape} (expected (..., {a.shape[-1]}, k))")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    dtype = np.result_type(a.dummy(), b.dummy())
    return ShapedArray(batch + b.shape[-2:], dtype)


def _solve_impl(xp, a, b, transpose_a):
    if transpose_a:
        a = xp.swapaxes(a, -1, -2)
    if a.ndim == 2 and b.ndim > 2:  # let numpy's gufunc see matching batch ranks
        a = xp.broadcast_to(a, b.shape[:-2] + a.shape)
    return lapack("solve", lambda: linalg_fn(xp, "solve", "solve")(a, b), (a, b),
                  _SINGULAR_HINT, True)


solve_p = Primitive("solve")
solve_p.impl = _solve_impl
solve_p.abstract_eval = _solve_abstract_eval
defbroadcasting_batch(solve_p)


def solve(a, b, transpose_a=False):
    """Solve ``a x = b`` (``a^T x = b`` with ``transpose_a``) for stacks ``a`` of shape
    ``(..., n, n)`` and ``b`` of shape ``(..., n, k)``.  Linear in ``b``."""
    return solve_p.bind(a, b, transpose_a=bool(transpose_a))


def _op(x, transpose_a, conjugate_a=False):
    if conjugate_a and _is_complex(x):
        x = conj(x)
    return swap_last(x) if transpose_a else x


def _solve_jvp(primals, tangents, transpose_a):
    a, b = primals
    ta, tb = tangents
    x = solve(a, b, transpose_a)
    rhs = None if type(tb) is Zero else tb
    if type(ta) is not Zero:
        term = neg(matmul(_op(ta, transpose_a), x))
        rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero(get_aval(x))
    return x, match_tangent(solve(a, rhs, transpose_a), get_aval(x))


def _solve_transpose(ct, a, b, transpose_a):
    if is_undefined(a):
        raise TypeError("solve is not linear in the matrix; only its right-hand side can be "
                        "transposed")
    if type(ct) is Zero or not is_undefined(b):
        return [None, None]
    return [None, unbroadcast(solve(a, ct, not transpose_a), b.aval)]


solve_p.jvp = _solve_jvp
solve_p.transpose = _solve_transpose

# ---------------------------------------------------------------------------------------
# triangular_solve: op(a) x = b with a triangular; linear in b
# ---------------------------------------------------------------------------------------


def _tri_abstract_eval(a, b, lower, transpose_a, conjugate_a, unit_diagonal):
    check_square(a, "triangular_solve")
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"triangular_solve: right-hand side of shape {b.shape} does not match "
                         f"a matrix of shape {a.shape}")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return ShapedArray(batch + b.shape[-2:], np.result_type(a.dummy(), b.dummy()))


def _tri_impl(xp, a, b, lower, transpose_a, conjugate_a, unit_diagonal):
    if xp is np and a.ndim == 2 and b.ndim == 2:
        import scipy.linalg

        if conjugate_a and not transpose_a:
            a, trans = np.conj(a), 0
        else:
            trans = (2 if conjugate_a else 1) if transpose_a else 0
        return lapack("triangular_solve", lambda: scipy.linalg.solve_triangular(
            a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal, check_finite=False),
            (a, b), _SINGULAR_HINT, True)
    n = a.shape[-1]
    mask = xp.tri(n, n, 0 if lower else -1, dtype=bool)
    t = xp.where(mask if lower else ~mask, a, 0)
    if unit_diagonal:
        t = xp.where(xp.eye(n, dtype=bool), 1, t)
    if conjugate_a:
        t = xp.conj(t)
    if transpose_a:
        t = xp.swapaxes(t, -1, -2)
    if t.ndim == 2 and b.ndim > 2:
        t = xp.broadcast_to(t, b.shape[:-2] + t.shape)
    fn = linalg_fn(xp, "solve", "triangular_solve")
    return lapack("triangular_solve", lambda: fn(t, b), (t, b), _SINGULAR_HINT, True)


triangular_solve_p = Primitive("triangular_solve")
triangular_solve_p.impl = _tri_impl
triangular_solve_p.abstract_eval = _tri_abstract_eval
defbroadcasting_batch(triangular_solve_p)


def triangular_solve(a, b, *, lower, transpose_a=False, conjugate_a=False, unit_diagonal=False):
    """Solve ``op(a) x = b`` where ``a`` is lower (or upper) triangular and ``op`` optionally
    transposes and/or conjugates.  Only the triangle of ``a`` named by ``lower`` is read
    (and not its diagonal with ``unit_diagonal``).  Linear in ``b``."""
    return triangular_solve_p.bind(a, b, lower=bool(lower), transpose_a=bool(transpose_a),
                                   conjugate_a=bool(conjugate_a),
                                   unit_diagonal=bool(unit_diagonal))


def _tri_jvp(primals, tangents, **params):
    a, b = primals
    ta, tb = tangents
    x = triangular_solve_p.bind(a, b, **params)
    rhs = None if type(tb) is Zero else tb
    if type(ta) is not Zero:
        da = _tri(ta, params["lower"], -1 if params["unit_diagonal"] else 0) \
            if params["lower"] else _tri(ta, False, 1 if params["unit_diagonal"] else 0)
        term = neg(matmul(_op(da, params["transpose_a"], params["conjugate_a"]), x))
        rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero(get_aval(x))
    return x, match_tangent(triangular_solve_p.bind(a, rhs, **params), get_aval(x))


def _tri_transpose(ct, a, b, **params):
    if is_undefined(a):
        raise TypeError("triangular_solve is not linear in the matrix; only its right-hand "
                        "side can be transposed")
    if type(ct) is Zero or not is_undefined(b):
        return [None, None]
    p = dict(params, transpose_a=not params["transpose_a"])
    return [None, unbroadcast(triangular_solve_p.bind(a, ct, **p), b.aval)]


triangular_solve_p.jvp = _tri_jvp
triangular_solve_p.transpose = _tri_transpose

# ---------------------------------------------------------------------------------------
# cholesky
# ---------------------------------------------------------------------------------------


def _hermitian_part(xp, a):
    """``(a + a^H) / 2`` of a concrete array: the matrix ``cholesky`` and ``eigh`` factorize."""
    if type(a) is np.ndarray:
        # The same numbers with one temporary: on small matrices each NumPy call counts.
        t = np.conj(a.mT) if a.dtype.kind == "c" else a.mT.copy()
        t += a
        t /= 2
        return t
    return (a + xp.conj(xp.swapaxes(a, -1, -2))) / 2


def _cholesky_impl(xp, a):
    sym = _hermitian_part(xp, a)
    fn = linalg_fn(xp, "cholesky", "cholesky")
    if _is_dask(xp):  # dask's cholesky returns the upper factor unless asked
        return lapack("cholesky", lambda: fn(sym, lower=True), (a,))
    return lapack("cholesky", lambda: fn(sym), (a,),
                   "The (Hermitian part of the) matrix must be positive definite; add a "
                   "small multiple of the identity if it is only semi-definite.")


def _cholesky_abstract_eval(a):
    check_square(a, "cholesky")
    return ShapedArray(a.shape, a.dtype)


cholesky_p = Primitive("cholesky")
cholesky_p.impl = _cholesky_impl
cholesky_p.abstract_eval = _cholesky_abstract_eval
defstack_batch(cholesky_p)  # the batch axis is one more stack axis


def cholesky(a):
    """Lower Cholesky factor ``L`` of the Hermitian part of ``a``: ``L L^H = (a + a^H)/2``."""
    return cholesky_p.bind(a)


def _cholesky_jvp(primals, tangents):
    # dL = L Phi(L^-1 dA L^-H), Phi: strictly lower part plus half the diagonal.
    (a,), (ta,) = primals, tangents
    L = cholesky_p.bind(a)
    n = get_aval(a).shape[-1]
    tmp = triangular_solve(L, _sym(ta), lower=True)
    x = triangular_solve(L, adjoint(tmp), lower=True)
    phi = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    return L, matmul(L, mul(x, phi.astype(real_dtype(get_aval(a).dtype))))


cholesky_p.jvp = _cholesky_jvp

# ---------------------------------------------------------------------------------------
# det and slogdet
# ---------------------------------------------------------------------------------------


def _det_abstract_eval(a):
    check_square(a, "det")
    return ShapedArray(a.shape[:-2], a.dtype)


det_p = Primitive("det")
det_p.impl = lambda xp, a: lapack("det", lambda: linalg_fn(xp, "det", "det")(a), (a,))
det_p.abstract_eval = _det_abstract_eval
defstack_batch(det_p)  # the batch axis is one more stack axis


def det(a):
    """Determinant of a stack of square matrices."""
    return det_p.bind(a)


# det's JVP (Jacobi's formula through the adjugate) is set in adjugate.py.


def _slogdet_abstract_eval(a):
    check_square(a, "slogdet")
    return [ShapedArray(a.shape[:-2], a.dtype),
            ShapedArray(a.shape[:-2], real_dtype(a.dtype))]


def _slogdet_impl(xp, a):
    sign, logdet = lapack("slogdet", lambda: linalg_fn(xp, "slogdet", "slogdet")(a), (a,))
    return [sign, logdet]


slogdet_p = Primitive("slogdet", multiple_results=True)
slogdet_p.impl = _slogdet_impl
slogdet_p.abstract_eval = _slogdet_abstract_eval
defstack_batch(slogdet_p)  # the batch axis is one more stack axis


def slogdet(a):
    """``[sign, log|det|]`` of a stack of square matrices."""
    return slogdet_p.bind(a)


def _slogdet_jvp(primals, tangents):
    # d log|det A| = Re tr(A^-1 dA); d sign = sign * i Im tr(A^-1 dA) (0 for real A).
    (a,), (ta,) = primals, tangents
    sign, logdet = slogdet_p.bind(a)
    t = matrix_trace(solve(a, ta))
    if not _is_complex(a):
        return [sign, logdet], [Zero(get_aval(sign)), t]
    re = real(t)
    return [sign, logdet], [mul(sign, sub(t, re)), re]


slogdet_p.jvp = _slogdet_jvp

# ---------------------------------------------------------------------------------------
# eigh: Hermitian eigendecomposition
# ---------------------------------------------------------------------------------------


def _eigh_impl(xp, a, lower):
    sym = _hermitian_part(xp, a)
    w, v = lapack("eigh", lambda: linalg_fn(xp, "eigh", "eigh")(sym, UPLO="L" if lower else "U"),
                  (a,))
    return [w, v]


def _eigh_abstract_eval(a, lower):
    check_square(a, "eigh")
    return [ShapedArray(a.shape[:-1], real_dtype(a.dtype)), ShapedArray(a.shape, a.dtype)]


eigh_p = Primitive("eigh", multiple_results=True)
eigh_p.impl = _eigh_impl
eigh_p.abstract_eval = _eigh_abstract_eval
defstack_batch(eigh_p)  # the batch axis is one more stack axis


def eigh(a, lower=True):
    """``[w, v]``: ascending eigenvalues and orthonormal eigenvectors (columns) of the
    Hermitian part of ``a``.  ``lower`` picks the triangle LAPACK reads (the same matrix,
    but the eigenvectors' signs can differ, as in NumPy's ``UPLO``)."""
    return eigh_p.bind(a, lower=bool(lower))


def _eigh_jvp(primals, tangents, lower):
    # With Vt = V^H dA V: dw = diag(Vt), dV = V (F o Vt), F_ij = 1 / (w_j - w_i).
    (a,), (ta,) = primals, tangents
    w, v = eigh_p.bind(a, lower=lower)
    vt = matmul(adjoint(v), matmul(_sym(ta), v))
    dw = _real_part(_diag(vt))
    dv = matmul(v, mul(_inverse_gaps(w), vt))
    return [w, v], [dw, dv]


eigh_p.jvp = _eigh_jvp

# ---------------------------------------------------------------------------------------
# eig: general eigendecomposition (complex results)
# ---------------------------------------------------------------------------------------


def _eig_impl(xp, a):
    w, v = lapack("eig", lambda: linalg_fn(xp, "eig", "eig")(a), (a,))
    ctype = _complex_dtype(a.dtype)
    return [w.astype(ctype), v.astype(ctype)]


def _eig_abstract_eval(a):
    check_square(a, "eig")
    ctype = _complex_dtype(a.dtype)
    return [ShapedArray(a.shape[:-1], ctype), ShapedArray(a.shape, ctype)]


eig_p = Primitive("eig", multiple_results=True)
eig_p.impl = _eig_impl
eig_p.abstract_eval = _eig_abstract_eval
defstack_batch(eig_p)  # the batch axis is one more stack axis


def eig(a):
    """``[w, v]``: eigenvalues and unit-norm right eigenvectors, always complex."""
    return eig_p.bind(a)


def _eig_jvp(primals, tangents):
    # With M = V^-1 dA V (from a solve): dw = diag(M), dV = V (F o M), then remove the
    # component that would change each column's norm (columns stay unit vectors).
    (a,), (ta,) = primals, tangents
    w, v = eig_p.bind(a)
    m = solve(v, matmul(ta, v))
    dw = _diag(m)
    dv = matmul(v, mul(_inverse_gaps(w), m))
    nd = get_aval(v).ndim
    dv = sub(dv, mul(v, expand_dims(real(_diag(matmul(adjoint(v), dv))), (nd - 2,))))
    return [w, v], [dw, dv]


eig_p.jvp = _eig_jvp

# ---------------------------------------------------------------------------------------
# svd
# ---------------------------------------------------------------------------------------


def svd_call(xp, a, full_matrices, compute_uv):
    fn = linalg_fn(xp, "svd", "svd")
    if not _is_dask(xp):
        return fn(a, full_matrices=full_matrices, compute_uv=compute_uv)
    m, n = a.shape[-2:]
    if full_matrices and compute_uv and m != n:
        raise NotImplementedError("primitive 'svd': dask.array computes only the reduced SVD "
                                  "of a non-square matrix; use full_matrices=False")
    u, s, vh = fn(a)
    return (u, s, vh) if compute_uv else s


def _svd_impl(xp, a, full_matrices, compute_uv):
    out = lapack("svd", lambda: svd_call(xp, a, full_matrices, compute_uv), (a,))
    return list(out) if compute_uv else [out]


def _svd_abstract_eval(a, full_matrices, compute_uv):
    if a.ndim < 2:
        raise LinAlgError(f"svd: expected a stack of matrices, got shape {a.shape}")
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    s = ShapedArray(batch + (k,), real_dtype(a.dtype))
    if not compute_uv:
        return [s]
    um, vn = (m, n) if full_matrices else (k, k)
    return [ShapedArray(batch + (m, um), a.dtype), s, ShapedArray(batch + (vn, n), a.dtype)]


svd_p = Primitive("svd", multiple_results=True)
svd_p.impl = _svd_impl
svd_p.abstract_eval = _svd_abstract_eval
defstack_batch(svd_p)  # the batch axis is one more stack axis


def svd(a, full_matrices=False, compute_uv=True):
    """``[u, s, vh]`` (or ``[s]``) with ``a = u diag(s) vh``, singular values descending."""
    return svd_p.bind(a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))


def _svd_jvp(primals, tangents, full_matrices, compute_uv):
    (a,), (ta,) = primals, tangents
    m, n = get_aval(a).shape[-2:]
    k = min(m, n)
    nd = get_aval(a).ndim
    if not compute_uv:
        (s,) = svd_p.bind(a, full_matrices=False, compute_uv=False)
        if k == 0:
            return [s], [Zero(get_aval(s))]
        u, _, vh = svd_p.bind(a, full_matrices=False, compute_uv=True)
        ds = _real_part(_diag(matmul(adjoint(u), matmul(ta, adjoint(vh)))))
        return [s], [select(_numerically_zero(s), 0.0, ds)]
    u, s, vh = outs = svd_p.bind(a, full_matrices=full_matrices, compute_uv=True)
    if k == 0:
        return outs, [Zero(get_aval(x)) for x in outs]
    u1 = slice_axis(u, nd - 1, 0, k) if u is not None and get_aval(u).shape[-1] != k else u
    vh1 = slice_axis(vh, nd - 2, 0, k) if get_aval(vh).shape[-2] != k else vh
    v1 = adjoint(vh1)
    ds_mat = matmul(adjoint(u1), matmul(ta, v1))  # U^H dA V
    tiny = _numerically_zero(s)
    # A zero singular value is |sigma| at sigma = 0: its derivative is the subgradient 0
    # (what central differences give), not u^H dA v for arbitrary null vectors u, v.
    ds = select(tiny, 0.0, _real_part(_diag(ds_mat)))
    s_row = expand_dims(s, (nd - 2,))  # s_j along columns
    s_col = expand_dims(s, (nd - 1,))  # s_i along rows
    f = _inverse_gaps(mul(s, s))  # 1 / (s_j^2 - s_i^2)
    dss = mul(ds_mat, s_row)
    sds = mul(s_col, ds_mat)
    omega_u = mul(f, add(dss, adjoint(dss)))
    s_inv = _safe_inverse(s, tiny)
    if _is_complex(a):
        # The phase freedom of each pair (u_i, v_i) is put into u_i.
        d = _diag(ds_mat)
        omega_u = add(omega_u, _diag_embed(mul(sub(d, real(d)), s_inv)))
    du = matmul(u1, omega_u)
    dv = matmul(v1, mul(f, add(sds, adjoint(sds))))
    s_inv_row = expand_dims(s_inv, (nd - 2,))
    if m > n:
        dav = matmul(ta, v1)
        du = add(du, mul(sub(dav, matmul(u1, matmul(adjoint(u1), dav))), s_inv_row))
    if n > m:
        dahu = matmul(adjoint(ta), u1)
        dv = add(dv, mul(sub(dahu, matmul(v1, matmul(vh1, dahu))), s_inv_row))
    if full_matrices and m > n:
        # Completion columns: the rotation of the complement that is smallest (gauge).
        u2 = slice_axis(u, nd - 1, k, m)
        du = concatenate([du, neg(matmul(u1, matmul(adjoint(du), u2)))], nd - 1)
    if full_matrices and n > m:
        v2 = adjoint(slice_axis(vh, nd - 2, k, n))
        dv = concatenate([dv, neg(matmul(v1, matmul(adjoint(dv), v2)))], nd - 1)
    return outs, [du, ds, adjoint(dv)]


svd_p.jvp = _svd_jvp

# ---------------------------------------------------------------------------------------
# qr
# ---------------------------------------------------------------------------------------

_QR_MODES = ("reduced", "complete", "r")


def _qr_impl(xp, a, mode):
    fn = linalg_fn(xp, "qr", "qr")
    if _is_dask(xp):
        m, n = a.shape[-2:]
        if mode == "complete" and m > n:
            raise NotImplementedError("primitive 'qr': dask.array computes only the reduced QR "
                                      "decomposition; use mode='reduced'")
        q, r = fn(a)
        return [r] if mode == "r" else [q, r]
    out = lapack("qr", lambda: fn(a, mode=mode), (a,))
    return [out] if mode == "r" else list(out)


def _qr_abstract_eval(a, mode):
    if a.ndim < 2:
        raise LinAlgError(f"qr: expected a stack of matrices, got shape {a.shape}")
    if mode not in _QR_MODES:
        raise ValueError(f"qr primitive: mode must be one of {_QR_MODES}, got {mode!r}")
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    qk = m if mode == "complete" else k
    r = ShapedArray(batch + (qk, n), a.dtype)
    return [r] if mode == "r" else [ShapedArray(batch + (m, qk), a.dtype), r]


qr_p = Primitive("qr", multiple_results=True)
qr_p.impl = _qr_impl
qr_p.abstract_eval = _qr_abstract_eval
defstack_batch(qr_p)  # the batch axis is one more stack axis


def qr(a, mode="reduced"):
    """``[q, r]`` (or ``[r]`` for ``mode="r"``) with ``a = q r``."""
    return qr_p.bind(a, mode=mode)


def _qr_square_jvp(q, r, da):
    # For a = q r with r square: with C = q^H dA r^-1, the skew-Hermitian part
    # Omega = tril(C, -1) - tril(C, -1)^H (+ i Im diag C) gives dq = dA r^-1 - q (C - Omega)
    # and dr = (C - Omega) r.
    da_rinv = swap_last(triangular_solve(r, swap_last(da), lower=False, transpose_a=True))
    c = matmul(adjoint(q), da_rinv)
    low = _tri(c, True, -1)
    omega = sub(low, adjoint(low))
    if _is_complex(c):
        n = get_aval(r).shape[-1]
        omega = add(omega, mul(sub(c, real(c)), np.eye(n)))
    c_minus = sub(c, omega)
    return sub(da_rinv, matmul(q, c_minus)), matmul(c_minus, r)


def _qr_jvp(primals, tangents, mode):
    (a,), (ta,) = primals, tangents
    outs = qr_p.bind(a, mode=mode)
    m, n = get_aval(a).shape[-2:]
    nd = get_aval(a).ndim
    if min(m, n) == 0:
        return outs, [Zero(get_aval(x)) for x in outs]
    q, r = qr_p.bind(a, mode="reduced") if mode == "r" else outs
    if m >= n:
        complete = mode == "complete" and m > n
        q1 = slice_axis(q, nd - 1, 0, n) if complete else q
        r1 = slice_axis(r, nd - 2, 0, n) if complete else r
        dq, dr = _qr_square_jvp(q1, r1, ta)
        if complete:
            q2 = slice_axis(q, nd - 1, n, m)
            dq = concatenate([dq, neg(matmul(q1, matmul(adjoint(dq), q2)))], nd - 1)
            zeros = np.zeros(get_aval(dr).shape[:-2] + (m - n, n), get_aval(dr).dtype)
            dr = concatenate([dr, zeros], nd - 2)
    else:
        # a = [a1 a2] with a1 square: q, r1 = qr(a1), r2 = q^H a2.
        r1 = slice_axis(r, nd - 1, 0, m)
        dq, dr1 = _qr_square_jvp(q, r1, slice_axis(ta, nd - 1, 0, m))
        a2 = slice_axis(a, nd - 1, m, n)
        dr2 = add(matmul(adjoint(dq), a2), matmul(adjoint(q), slice_axis(ta, nd - 1, m, n)))
        dr = concatenate([dr1, dr2], nd - 1)
    if mode == "r":
        return outs, [match_tangent(dr, get_aval(outs[0]))]
    return outs, [match_tangent(dq, get_aval(outs[0])), match_tangent(dr, get_aval(outs[1]))]


qr_p.jvp = _qr_jvp

# ---------------------------------------------------------------------------------------
# pinv: the Moore-Penrose pseudo-inverse
# ---------------------------------------------------------------------------------------


def _pinv_impl(xp, a, rcond):
    return lapack("pinv", lambda: linalg_fn(xp, "pinv", "pinv")(a, rcond=rcond), (a,))


def _pinv_abstract_eval(a, rcond):
    if a.ndim < 2:
        raise LinAlgError(f"pinv: expected a stack of matrices, got shape {a.shape}")
    return ShapedArray(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)


pinv_p = Primitive("pinv")
pinv_p.impl = _pinv_impl
pinv_p.abstract_eval = _pinv_abstract_eval


def pinv(a, rcond):
    """Pseudo-inverse of a stack of matrices; singular values below ``rcond`` times the
    largest are treated as zero (``rcond`` broadcasts over the stack, no derivative)."""
    return pinv_p.bind(a, rcond)


def _pinv_jvp(primals, tangents):
    # The derivative of the pseudo-inverse where the rank is locally constant (Golub and
    # Pereyra): it needs no singular vectors, so repeated singular values are fine.
    #   dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P
    a, rcond = primals
    ta = tangents[0]
    p = pinv_p.bind(a, rcond)
    if type(ta) is Zero:
        return p, Zero(get_aval(p))
    m, n = get_aval(a).shape[-2:]
    # The formula holds only where the singular values that rcond drops are zero (a matrix
    # of exactly that rank).  A truncated pseudo-inverse (nonzero singular values dropped)
    # has another derivative: refuse it, eagerly with an error, staged with NaN.
    truncated = _pinv_truncates(a, rcond, m, n)
    if truncated is True:
        raise NotImplementedError(
            "pinv (or lstsq): rcond drops nonzero singular values (a truncated pseudo-inverse), "
            "whose derivative is not implemented; the pseudo-inverse's derivative holds only "
            "where the dropped singular values are zero. Lower rcond, or differentiate "
            "the pseudo-inverse of an explicit low-rank approximation (from svd) instead.")
    pa_c = sub(np.eye(n), matmul(p, a))
    ap_c = sub(np.eye(m), matmul(a, p))
    dah = adjoint(ta)
    ph = adjoint(p)
    dp = neg(matmul(p, matmul(ta, p)))
    dp = add(dp, matmul(matmul(p, ph), matmul(dah, ap_c)))
    dp = add(dp, matmul(pa_c, matmul(dah, matmul(ph, p))))
    if truncated is not False:  # staged: NaN for the matrices of the stack it truncates
        # A factor, not a select: the transpose must carry the NaN to the cotangent too.
        dp = mul(dp, select(expand_dims(truncated, (-2, -1)), np.nan, 1.0))
    return p, match_tangent(dp, get_aval(p))


def _pinv_truncates(a, rcond, m, n):
    """Whether ``pinv(a, rcond)`` drops nonzero singular values: True or False for known
    values, per matrix of the stack (a boolean array, staged) otherwise.  Singular values
    within rounding of zero (as matrix_rank's default tolerance, at least 1e-15 of the
    largest) count as zero."""
    if not m or not n:
        return False
    s = svd_p.bind(stop_gradient_p.bind(a), full_matrices=False, compute_uv=False)[0]
    eps = np.finfo(real_dtype(get_aval(a).dtype)).eps
    tol = max(1e-15, max(m, n) * eps)
    sv, rv = concrete_value(s), concrete_value(rcond)
    if sv is not None and rv is not None:
        sv = np.asarray(sv)
        smax = sv[..., :1]
        dropped = sv <= np.asarray(rv)[..., None] * smax
        return bool(np.any(dropped & (sv > tol * smax)))
    smax = slice_axis(s, get_aval(s).ndim - 1, 0, 1)
    dropped = le(s, mul(expand_dims(rcond, (-1,)), smax))
    return reduce_or(logical_and(dropped, gt(s, mul(smax, tol))), (get_aval(s).ndim - 1,))


pinv_p.jvp = _pinv_jvp


def _pinv_batch(size, vals, dims):
    a, rcond = vals
    da, dr = dims
    if da is None:
        shape = get_aval(a).shape
        a = broadcast_to(reshape(a, (1,) + shape), (size,) + shape)
    if dr is not None:
        rcond = align_batched(rcond, dr, get_aval(a).ndim - 3)
    return pinv_p.bind(a, rcond), 0


pinv_p.batch = _pinv_batch


# ---------------------------------------------------------------------------------------
# tridiagonal_solve: A x = b with A tridiagonal; linear in b.  A primitive because a dense
# solve costs O(n^3) where the banded one costs O(n) (spline construction on 10^3 knots
# and more), and a Thomas recurrence written with loop primitives runs n Python steps.
# ---------------------------------------------------------------------------------------


def _tridiag_abstract_eval(dl, d, du, b):
    n = d.shape[-1]
    if dl.shape[-1] != n or du.shape[-1] != n:
        raise ValueError("tridiagonal_solve: the three diagonals must have the same length "
                         f"(got {dl.shape[-1]}, {n}, {du.shape[-1]})")
    if b.ndim < 2 or b.shape[-2] != n:
        raise ValueError(f"tridiagonal_solve: right-hand side of shape {b.shape} does not "
                         f"match diagonals of length {n} (expected (..., {n}, k))")
    batch = broadcast_shapes(dl.shape[:-1], d.shape[:-1], du.shape[:-1], b.shape[:-2])
    dtype = np.result_type(dl.dummy(), d.dummy(), du.dummy(), b.dummy())
    return ShapedArray(batch + b.shape[-2:], dtype)


def _tridiag_impl(xp, dl, d, du, b):
    batch = broadcast_shapes(dl.shape[:-1], d.shape[:-1], du.shape[:-1], b.shape[:-2])
    n, k = b.shape[-2:]
    if xp is np:
        import scipy.linalg

        dtype = np.result_type(dl.dtype, d.dtype, du.dtype, b.dtype)

        dl, d, du = (np.broadcast_to(v, batch + (n,)) for v in (dl, d, du))
        b = np.broadcast_to(b, batch + (n, k))
        out = np.empty(batch + (n, k), dtype)
        for idx in np.ndindex(*batch):
            ab = np.zeros((3, n), dtype)
            ab[0, 1:], ab[1], ab[2, :-1] = du[idx][:-1], d[idx], dl[idx][1:]
            out[idx] = lapack("tridiagonal_solve", lambda: scipy.linalg.solve_banded(
                (1, 1), ab, b[idx], check_finite=False), (ab, b[idx]), _SINGULAR_HINT, True)
        return out
    # Other array libraries: the dense matrix, solved by their own LAPACK.
    dtype = xp.result_type(dl, d, du, b)
    eye = xp.eye(n, dtype=dtype)
    a = (d[..., :, None] * eye + du[..., :, None] * xp.eye(n, k=1, dtype=dtype)
         + dl[..., :, None] * xp.eye(n, k=-1, dtype=dtype))
    a = xp.broadcast_to(a, batch + (n, n))
    b = xp.broadcast_to(b, batch + (n, k))
    return lapack("tridiagonal_solve", lambda: linalg_fn(xp, "solve", "tridiagonal_solve")(a, b),
                   (a, b), _SINGULAR_HINT, True)


tridiagonal_solve_p = Primitive("tridiagonal_solve")
tridiagonal_solve_p.impl = _tridiag_impl
tridiagonal_solve_p.abstract_eval = _tridiag_abstract_eval


def tridiagonal_solve(dl, d, du, b):
    """Solve ``A x = b`` for the tridiagonal ``A`` with sub-diagonal ``dl`` (``dl[..., i]``
    at row ``i``, column ``i-1``; ``dl[..., 0]`` is not read), diagonal ``d`` and
    super-diagonal ``du`` (``du[..., -1]`` not read), as ``jax.lax.linalg.tridiagonal_solve``;
    ``b`` has shape ``(..., n, k)``.  Linear in ``b``."""
    return tridiagonal_solve_p.bind(dl, d, du, b)


def _shift(x, down):
    """``x`` along the row axis (second to last) moved one place down (row i gets row i-1,
    row 0 gets zero) or up."""
    nd = get_aval(x).ndim
    n = get_aval(x).shape[-2]
    zero = _zeros_rows(x)
    if down:
        return concatenate([zero, slice_axis(x, nd - 2, 0, n - 1)], nd - 2)
    return concatenate([slice_axis(x, nd - 2, 1, n), zero], nd - 2)


def _zeros_rows(x):
    aval = get_aval(x)
    return broadcast_to(np.zeros((), aval.dtype), aval.shape[:-2] + (1,) + aval.shape[-1:])


def _tridiag_jvp(primals, tangents):
    dl, d, du, b = primals
    x = tridiagonal_solve(dl, d, du, b)
    rhs = None if type(tangents[3]) is Zero else tangents[3]
    for t, shifted in ((tangents[0], _shift(x, True)), (tangents[1], x),
                       (tangents[2], _shift(x, False))):
        if type(t) is not Zero:
            term = neg(mul(expand_dims(t, (-1,)), shifted))
            rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero(get_aval(x))
    return x, match_tangent(tridiagonal_solve(dl, d, du, rhs), get_aval(x))


def _tridiag_transpose(ct, dl, d, du, b):
    if is_undefined(dl) or is_undefined(d) or is_undefined(du):
        raise TypeError("tridiagonal_solve is not linear in the matrix; only its right-hand "
                        "side can be transposed")
    if type(ct) is Zero or not is_undefined(b):
        return [None, None, None, None]
    # A^T has sub-diagonal du shifted down one place and super-diagonal dl shifted up.
    nd = get_aval(d).ndim
    n = get_aval(d).shape[-1]
    dl_t = pad_zeros(slice_axis(du, nd - 1, 0, n - 1), [(0, 0)] * (nd - 1) + [(1, 0)])
    du_t = pad_zeros(slice_axis(dl, nd - 1, 1, n), [(0, 0)] * (nd - 1) + [(0, 1)])
    return [None, None, None, unbroadcast(tridiagonal_solve(dl_t, d, du_t, ct), b.aval)]


def _tridiag_batch(size, vals, dims):
    cores = (1, 1, 1, 2)
    stack = max(get_aval(v).ndim - (dim is not None) - c for v, dim, c in zip(vals, dims, cores))
    return tridiagonal_solve_p.bind(*[align_batched(v, dim, stack + c)
                                      for v, dim, c in zip(vals, dims, cores)]), 0


tridiagonal_solve_p.jvp = _tridiag_jvp
tridiagonal_solve_p.transpose = _tridiag_transpose
tridiagonal_solve_p.batch = _tridiag_batch


__all__ = ["LinAlgError", "cholesky", "cholesky_p", "det", "det_p", "eig", "eig_p", "eigh",
           "eigh_p", "pinv", "pinv_p", "qr", "qr_p", "slogdet", "slogdet_p", "solve",
           "solve_p", "svd", "svd_p", "triangular_solve", "triangular_solve_p", "tridiagonal_solve",
           "tridiagonal_solve_p"]
