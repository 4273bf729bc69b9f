"""Primitives behind ``chainrule.scipy.linalg`` that ``numpy.linalg``'s do not cover.

- ``matfun`` (``expm``, ``logm``, ``sqrtm``) and ``matfun_frechet`` (the Fréchet
  derivative ``L_f(A, E)`` of ``expm``/``logm``, linear in ``E``).  They are primitives
  because no composition of smaller operations computes a matrix function stably.  The JVP
  of ``f(A)`` is ``L_f(A, dA)``; ``L_f`` is computed from ``f`` of the block matrix
  ``[[A, E], [0, A]]`` (whose upper right block is ``L_f(A, E)``), and its own JVP in ``A``
  is ``L_f`` of that block matrix again, so every order composes.  Its transpose in ``E``
  is ``L_f(A^T, .)`` (true of every primary matrix function).  ``sqrtm``'s JVP solves the
  Sylvester equation ``X dX + dX X = dA``.
- ``sylvester`` (``A X + X B = Q``) and ``discrete_lyapunov`` (``A X A^H - X + Q = 0``):
  linear in ``Q``; the derivative in the matrices comes from differentiating the equation
  (implicit differentiation), which gives another equation of the same kind.
- ``lu`` (``P A = L U`` with partial pivoting, LAPACK ``getrf``): outputs the packed
  factor, LAPACK's pivot indices and the row permutation.  ``lu_pivots_to_permutation``
  turns pivot indices into the permutation (no derivative: integers).
- ``funm_sym`` with ``funm_sym_d1``/``funm_sym_d2``: a function of a real symmetric matrix
  through its eigendecomposition, and its first and second Fréchet derivatives from
  divided differences (exact at repeated eigenvalues, where differentiating ``eigh`` is
  not); the third derivative raises.
- ``schur``: the real Schur form, differentiable while the spectrum is real and simple.

Each runs SciPy on NumPy arrays (other array libraries get an error naming the primitive).
"""

from __future__ import annotations

import numpy as np

from ..core import (Primitive, ShapedArray, Zero, broadcast_shapes, concrete_value, get_aval,
                    require_numpy)
from ..interpreters.linearize import is_undefined
from ._rules import defbroadcasting_batch, defstack_batch, match_tangent, unbroadcast
from .elementwise import (abs, add, convert_element_type, div, eq, gt, le, mul, neg,
                          real, select, stop_gradient_p, sub)
from .indexing import getitem
from .linalg import LinAlgError, adjoint, solve, triangular_solve
from .products import einsum, matmul
from .reductions import reduce_max
from .shape import (broadcast_to, concatenate, expand_dims, reshape, slice_axis, swap_last)


def _scipy(xp, prim):
    if xp is not np:
        raise NotImplementedError(
            f"primitive {prim!r} is computed by SciPy and needs NumPy arrays; convert the "
            f"input from {xp.__name__} to NumPy first")
    import scipy.linalg

    return scipy.linalg


def _square(aval, name):
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise LinAlgError(f"{name}: expected a square matrix (or a stack of them in the last "
                          f"two axes), got shape {aval.shape}")


def _finite(name, out, inputs, hint):
    if not np.isfinite(out).all() and all(np.isfinite(i).all() for i in inputs):
        raise LinAlgError(f"{name}: the result is not finite although the input is. {hint}")
    return out


def _block(a, e):
    """``[[a, e], [0, a]]`` for stacks (differentiable)."""
    nd = get_aval(a).ndim
    shape = broadcast_shapes(get_aval(a).shape, get_aval(e).shape)
    dtype = np.result_type(get_aval(a).dtype, get_aval(e).dtype)
    a = broadcast_to(a, shape) if get_aval(a).shape != shape else a
    e = broadcast_to(e, shape) if get_aval(e).shape != shape else e
    zero = np.zeros(shape, dtype)
    return concatenate([concatenate([a, e], nd - 1), concatenate([zero, a], nd - 1)], nd - 2)


def _np_block(a, e):
    a, e = np.broadcast_arrays(a, e)
    return np.block([[a, e], [np.zeros_like(a), a]])


def _upper_right(x, n):
    nd = get_aval(x).ndim
    return slice_axis(slice_axis(x, nd - 2, 0, n), nd - 1, n, 2 * n)


# ---------------------------------------------------------------------------------------
# matfun: expm, logm, sqrtm
# ---------------------------------------------------------------------------------------

MATFUNS = ("expm", "logm", "sqrtm")


def _matfun_dtype(dtype, fn):
    # SciPy's logm works in double precision whatever the input; expm and sqrtm keep float32.
    return np.result_type(dtype, np.float64 if fn == "logm" else np.float32)


def _real_result(name, a, out):
    """Real input gives real output under transforms (its dtype must not depend on values):
    a complex principal logarithm or square root of a real matrix is an error there."""
    if a.dtype.kind != "c" and out.dtype.kind == "c":
        if np.any(out.imag != 0):
            raise LinAlgError(
                f"{name}: this real matrix has no real principal {name[:-1]} (it has "
                "negative real eigenvalues), so the result is complex; under transforms "
                "the result type cannot depend on values: pass a complex matrix "
                "(a.astype(complex)) to get the complex result")
        out = out.real
    return out.astype(_matfun_dtype(a.dtype, name), copy=False)


def _matfun_impl(xp, a, fn):
    sl = _scipy(xp, fn)
    out = getattr(sl, fn)(a)
    return _finite(fn, _real_result(fn, a, np.asarray(out)), (a,),
                   "The matrix is singular or too ill-conditioned for " + fn + ".")


def _matfun_abstract_eval(a, fn):
    _square(a, fn)
    return ShapedArray(a.shape, _matfun_dtype(a.dtype, fn))


matfun_p = Primitive("matfun")
matfun_p.impl = _matfun_impl
matfun_p.abstract_eval = _matfun_abstract_eval


def matfun(a, fn):
    """``fn(a)`` for ``fn`` in ``"expm"``, ``"logm"``, ``"sqrtm"`` (principal branches)."""
    if fn not in MATFUNS:
        raise ValueError(f"matfun: fn must be one of {MATFUNS}, got {fn!r}")
    return matfun_p.bind(a, fn=fn)


def _matfun_jvp(primals, tangents, fn):
    (a,), (ta,) = primals, tangents
    y = matfun_p.bind(a, fn=fn)
    if fn == "sqrtm":  # Y dY + dY Y = dA
        return y, match_tangent(sylvester(y, y, ta), get_aval(y))
    return y, match_tangent(frechet(a, ta, fn), get_aval(y))


matfun_p.jvp = _matfun_jvp
defstack_batch(matfun_p)

# ---------------------------------------------------------------------------------------
# matfun_frechet: L_f(A, E), linear in E
# ---------------------------------------------------------------------------------------


def _frechet_impl(xp, a, e, fn):
    sl = _scipy(xp, "matfun_frechet")
    n = a.shape[-1]
    out = np.asarray(getattr(sl, fn)(_np_block(a, e)))[..., :n, n:]
    dtype = np.result_type(a.dtype, e.dtype, np.float64)  # as SciPy's expm_frechet
    if dtype.kind != "c" and out.dtype.kind == "c":
        out = out.real  # real data, real derivative (the imaginary part is rounding)
    return _finite("matfun_frechet", out.astype(dtype, copy=False), (a, e),
                   f"The matrix is singular or too ill-conditioned for {fn}.")


def _frechet_abstract_eval(a, e, fn):
    _square(a, "matfun_frechet")
    _square(e, "matfun_frechet")
    if a.shape[-1] != e.shape[-1]:
        raise ValueError(f"matfun_frechet: A {a.shape} and E {e.shape} differ in size")
    shape = broadcast_shapes(a.shape, e.shape)
    return ShapedArray(shape, np.result_type(a.dtype, e.dtype, np.float64))


frechet_p = Primitive("matfun_frechet")
frechet_p.impl = _frechet_impl
frechet_p.abstract_eval = _frechet_abstract_eval


def frechet(a, e, fn):
    """The Fréchet derivative ``L_f(a, e)`` of ``fn`` (``"expm"`` or ``"logm"``) at ``a`` in
    the direction ``e``; linear in ``e``."""
    if fn not in ("expm", "logm"):
        raise ValueError(f"frechet: fn must be 'expm' or 'logm', got {fn!r}")
    return frechet_p.bind(a, e, fn=fn)


def _frechet_jvp(primals, tangents, fn):
    a, e = primals
    ta, te = tangents
    y = frechet_p.bind(a, e, fn=fn)
    out = None
    if type(te) is not Zero:
        out = frechet(a, te, fn)
    if type(ta) is not Zero:
        # L_f(A, E) is the upper right block of f([[A, E], [0, A]]); differentiate that.
        n = get_aval(a).shape[-1]
        d = _upper_right(frechet(_block(a, e), _blockdiag(ta), fn), n)
        out = d if out is None else add(out, d)
    if out is None:
        return y, Zero(get_aval(y))
    return y, match_tangent(out, get_aval(y))


def _blockdiag(t):
    """``[[t, 0], [0, t]]`` (differentiable, linear in ``t``)."""
    nd = get_aval(t).ndim
    zero = np.zeros(get_aval(t).shape, get_aval(t).dtype)
    return concatenate([concatenate([t, zero], nd - 1), concatenate([zero, t], nd - 1)], nd - 2)


def _frechet_transpose(ct, a, e, fn):
    if is_undefined(a):
        raise TypeError("matfun_frechet is not linear in A; only E can be transposed")
    if type(ct) is Zero or not is_undefined(e):
        return [None, None]
    return [None, unbroadcast(frechet(swap_last(a), ct, fn), e.aval)]


frechet_p.jvp = _frechet_jvp
frechet_p.transpose = _frechet_transpose
defbroadcasting_batch(frechet_p)

# ---------------------------------------------------------------------------------------
# sylvester: A X + X B = Q, linear in Q
# ---------------------------------------------------------------------------------------

_SYLVESTER_HINT = ("A and -B have (nearly) a common eigenvalue, so the equation has no "
                   "unique solution.")


def _sylvester_impl(xp, a, b, q):
    sl = _scipy(xp, "sylvester")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], q.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    q = np.broadcast_to(q, batch + q.shape[-2:])
    dtype = np.result_type(a.dtype, b.dtype, q.dtype, np.float32)
    if q.size == 0 or a.shape[-1] == 0 or b.shape[-1] == 0:
        return np.zeros(q.shape, dtype)
    out = np.asarray(sl.solve_sylvester(a, b, q)).astype(dtype, copy=False)
    return _finite("solve_sylvester", out, (a, b, q), _SYLVESTER_HINT)


def _sylvester_abstract_eval(a, b, q):
    _square(a, "solve_sylvester")
    _square(b, "solve_sylvester")
    if q.ndim < 2 or q.shape[-2:] != (a.shape[-1], b.shape[-1]):
        raise ValueError(f"solve_sylvester: Q of shape {q.shape} does not match A {a.shape} "
                         f"and B {b.shape} (expected (..., {a.shape[-1]}, {b.shape[-1]}))")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], q.shape[:-2])
    return ShapedArray(batch + q.shape[-2:], np.result_type(a.dtype, b.dtype, q.dtype,
                                                             np.float32))


sylvester_p = Primitive("sylvester")
sylvester_p.impl = _sylvester_impl
sylvester_p.abstract_eval = _sylvester_abstract_eval


def sylvester(a, b, q):
    """``X`` with ``a X + X b = q`` (Bartels-Stewart); linear in ``q``."""
    return sylvester_p.bind(a, b, q)


def _sylvester_jvp(primals, tangents):
    # A dX + dX B = dQ - dA X - X dB
    a, b, q = primals
    ta, tb, tq = tangents
    x = sylvester_p.bind(a, b, q)
    rhs = None if type(tq) is Zero else tq
    for t, term in ((ta, lambda: matmul(ta, x)), (tb, lambda: matmul(x, tb))):
        if type(t) is not Zero:
            rhs = neg(term()) if rhs is None else sub(rhs, term())
    if rhs is None:
        return x, Zero(get_aval(x))
    return x, match_tangent(sylvester(a, b, rhs), get_aval(x))


def _sylvester_transpose(ct, a, b, q):
    if is_undefined(a) or is_undefined(b):
        raise TypeError("sylvester is linear only in Q")
    if type(ct) is Zero or not is_undefined(q):
        return [None, None, None]
    # (X -> A X + X B)^T = (Y -> A^T Y + Y B^T)
    return [None, None, unbroadcast(sylvester(swap_last(a), swap_last(b), ct), q.aval)]


sylvester_p.jvp = _sylvester_jvp
sylvester_p.transpose = _sylvester_transpose
defbroadcasting_batch(sylvester_p)

# ---------------------------------------------------------------------------------------
# discrete_lyapunov: A X A^H - X + Q = 0, linear in Q
# ---------------------------------------------------------------------------------------


def _dlyap_impl(xp, a, q, method):
    sl = _scipy(xp, "discrete_lyapunov")
    batch = broadcast_shapes(a.shape[:-2], q.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    q = np.broadcast_to(q, batch + q.shape[-2:])
    dtype = np.result_type(a.dtype, q.dtype, np.float64)  # as SciPy's
    if q.size == 0:
        return np.zeros(q.shape, dtype)
    out = np.asarray(sl.solve_discrete_lyapunov(a, q, method=method)).astype(dtype, copy=False)
    return _finite("solve_discrete_lyapunov", out, (a, q),
                   "A has two eigenvalues whose product is 1 (e.g. one on the unit circle), "
                   "so the equation has no unique solution.")


def _dlyap_abstract_eval(a, q, method):
    _square(a, "solve_discrete_lyapunov")
    _square(q, "solve_discrete_lyapunov")
    if q.shape[-1] != a.shape[-1]:
        raise ValueError(f"solve_discrete_lyapunov: A {a.shape} and Q {q.shape} differ in size")
    batch = broadcast_shapes(a.shape[:-2], q.shape[:-2])
    return ShapedArray(batch + q.shape[-2:], np.result_type(a.dtype, q.dtype, np.float64))


dlyap_p = Primitive("discrete_lyapunov")
dlyap_p.impl = _dlyap_impl
dlyap_p.abstract_eval = _dlyap_abstract_eval


def discrete_lyapunov(a, q, method=None):
    """``X`` with ``a X a^H - X + q = 0``; linear in ``q``."""
    return dlyap_p.bind(a, q, method=method)


def _dlyap_jvp(primals, tangents, method):
    # dX - A dX A^H = dQ + dA X A^H + A X dA^H
    a, q = primals
    ta, tq = tangents
    x = dlyap_p.bind(a, q, method=method)
    rhs = None if type(tq) is Zero else tq
    if type(ta) is not Zero:
        ax = matmul(a, x)
        term = add(matmul(ta, matmul(x, adjoint(a))), matmul(ax, adjoint(ta)))
        rhs = term if rhs is None else add(rhs, term)
    if rhs is None:
        return x, Zero(get_aval(x))
    return x, match_tangent(dlyap_p.bind(a, rhs, method=method), get_aval(x))


def _dlyap_transpose(ct, a, q, method):
    if is_undefined(a):
        raise TypeError("discrete_lyapunov is linear only in Q")
    if type(ct) is Zero or not is_undefined(q):
        return [None, None]
    # (X -> X - A X A^H)^T = (Y -> Y - A^T Y conj(A)) = the same operator for A^T
    return [None, unbroadcast(dlyap_p.bind(swap_last(a), ct, method=method), q.aval)]


dlyap_p.jvp = _dlyap_jvp
dlyap_p.transpose = _dlyap_transpose
defbroadcasting_batch(dlyap_p)

# ---------------------------------------------------------------------------------------
# lu: P A = L U (LAPACK getrf), and pivot indices -> permutation
# ---------------------------------------------------------------------------------------


def perm_from_piv(piv, n):
    """Row permutation ``perm`` (``a[perm] = L U``) from LAPACK's sequential interchanges."""
    piv = np.asarray(piv)
    flat = piv.reshape(-1, piv.shape[-1]) if piv.ndim else piv.reshape(1, 1)
    out = np.empty((flat.shape[0], n), dtype=piv.dtype)
    for k, p in enumerate(flat):
        perm = np.arange(n, dtype=piv.dtype)
        for i, j in enumerate(p):
            perm[i], perm[j] = perm[j], perm[i]
        out[k] = perm
    return out.reshape(piv.shape[:-1] + (n,))


def _lu_impl(xp, a):
    sl = _scipy(xp, "lu")
    m, n = a.shape[-2:]
    dtype = np.result_type(a.dtype, np.float32)
    if a.size == 0:
        piv = np.zeros(a.shape[:-2] + (min(m, n),), np.int32)
        perm = np.broadcast_to(np.arange(m, dtype=np.int32), a.shape[:-2] + (m,)).copy()
        return [np.zeros(a.shape, dtype), piv, perm]
    import warnings

    with warnings.catch_warnings():  # singular U: SciPy warns, the solves then raise
        warnings.simplefilter("ignore", sl.LinAlgWarning)
        lu, piv = sl.lu_factor(a, check_finite=False)
    lu = np.asarray(lu).astype(dtype, copy=False)
    piv = np.asarray(piv).astype(np.int32, copy=False)
    return [lu, piv, perm_from_piv(piv, m)]


def _lu_abstract_eval(a):
    if a.ndim < 2:
        raise LinAlgError(f"lu_factor: expected a matrix (or a stack of them), got shape "
                          f"{a.shape}")
    m, n = a.shape[-2:]
    return [ShapedArray(a.shape, np.result_type(a.dtype, np.float32)),
            ShapedArray(a.shape[:-2] + (min(m, n),), np.dtype(np.int32)),
            ShapedArray(a.shape[:-2] + (m,), np.dtype(np.int32))]


lu_p = Primitive("lu", multiple_results=True)
lu_p.impl = _lu_impl
lu_p.abstract_eval = _lu_abstract_eval


def lu(a):
    """``[lu, piv, perm]``: the packed factors of ``a[perm] = L U`` (``L`` unit lower
    trapezoidal, strictly below the diagonal of ``lu``; ``U`` upper trapezoidal), LAPACK's
    0-based pivot indices and the row permutation.  ``a`` is M x N."""
    return lu_p.bind(a)


def permutation_matrix(perm, dtype):
    """``Pt`` with ``Pt @ x == x[perm]`` (differentiable in ``x``; ``perm`` has no derivative)."""
    n = get_aval(perm).shape[-1]
    nd = get_aval(perm).ndim
    hit = eq(expand_dims(perm, (nd,)), np.arange(n, dtype=get_aval(perm).dtype))
    return convert_element_type(hit, dtype)


def _lu_jvp(primals, tangents):
    # Square part (k = min(M, N)) with P^T A = L U: M = L^-1 P^T dA U^-1 gives
    # dL = L tril(M, -1) and dU = triu(M) U.  Extra rows (M > N): L2 = A2 U^-1, so
    # dL2 = (dA2 - L2 dU) U^-1; extra columns (M < N): U2 = L^-1 A2, so
    # dU2 = L^-1 (dA2 - dL U2).
    (a,), (ta,) = primals, tangents
    lu_, piv, perm = outs = lu_p.bind(a)
    rows, cols = get_aval(a).shape[-2:]
    k = min(rows, cols)
    nd = get_aval(a).ndim
    if k == 0:
        return outs, [Zero(get_aval(x)) for x in outs]
    dtype = get_aval(lu_).dtype
    pda = matmul(permutation_matrix(perm, dtype), ta)
    sq = slice_axis(slice_axis(lu_, nd - 2, 0, k), nd - 1, 0, k)
    pda_sq = slice_axis(slice_axis(pda, nd - 2, 0, k), nd - 1, 0, k)
    m = triangular_solve(sq, pda_sq, lower=True, unit_diagonal=True)
    m = swap_last(triangular_solve(sq, swap_last(m), lower=False, transpose_a=True))
    strict = np.tri(k, k, -1, dtype=bool)
    lower = add(select(strict, sq, 0.0), np.eye(k, dtype=dtype))
    upper = select(strict, 0.0, sq)
    dl = matmul(lower, select(strict, m, 0.0))
    du = matmul(select(strict, 0.0, m), upper)
    dlu = add(dl, du)
    if rows > cols:
        l2 = slice_axis(lu_, nd - 2, k, rows)
        rhs = sub(slice_axis(pda, nd - 2, k, rows), matmul(l2, du))
        dl2 = swap_last(triangular_solve(sq, swap_last(rhs), lower=False, transpose_a=True))
        dlu = concatenate([dlu, dl2], nd - 2)
    elif cols > rows:
        u2 = slice_axis(lu_, nd - 1, k, cols)
        rhs = sub(slice_axis(pda, nd - 1, k, cols), matmul(dl, u2))
        du2 = triangular_solve(sq, rhs, lower=True, unit_diagonal=True)
        dlu = concatenate([dlu, du2], nd - 1)
    return outs, [match_tangent(dlu, get_aval(lu_)), Zero(get_aval(piv)), Zero(get_aval(perm))]


lu_p.jvp = _lu_jvp
defstack_batch(lu_p)


def _piv_impl(xp, piv, n):
    require_numpy(xp, "lu_pivots_to_permutation", "swaps rows of a NumPy array in a loop")
    return perm_from_piv(piv, n)


lu_pivots_to_permutation_p = Primitive("lu_pivots_to_permutation")
lu_pivots_to_permutation_p.impl = _piv_impl
lu_pivots_to_permutation_p.abstract_eval = lambda piv, n: ShapedArray(
    piv.shape[:-1] + (n,), piv.dtype)


def lu_pivots_to_permutation(piv, n):
    """The row permutation of ``n`` rows that LAPACK's pivot indices ``piv`` describe."""
    return lu_pivots_to_permutation_p.bind(piv, n=int(n))


defstack_batch(lu_pivots_to_permutation_p)

__all__ = ["MATFUNS", "discrete_lyapunov", "dlyap_p", "frechet", "frechet_p", "lu", "lu_p",
           "lu_pivots_to_permutation", "lu_pivots_to_permutation_p", "matfun", "matfun_p",
           "perm_from_piv", "permutation_matrix", "sylvester", "sylvester_p"]

# ---------------------------------------------------------------------------------------
# funm of a real symmetric matrix: f(A) = V f(w) V^T, with its first and second Fréchet
# derivatives (Daleckii-Krein): L1(A)[E] = V (f[w_i, w_j] o V^T E V) V^T and
# L2(A)[E, F] = V (sum_k f[w_i, w_k, w_j] (E~_ik F~_kj + F~_ik E~_kj)) V^T, with divided
# differences that stay exact at repeated eigenvalues (where differentiating the
# eigendecomposition would not).  ``func`` is a static parameter: an elementwise function
# written with chainrule.numpy, whose derivatives come from chainrule's own jvp.
# ---------------------------------------------------------------------------------------


def _eig_sym(a):
    return np.linalg.eigh((a + np.swapaxes(a, -1, -2)) / 2)


def _func_derivs(func, w, order):
    """``[f(w), f'(w), f''(w)][:order + 1]`` on concrete values."""
    from ..transforms.api import jvp

    ones = np.ones_like(w)
    outs = [np.asarray(func(w), dtype=w.dtype)]
    if order >= 1:
        outs.append(np.asarray(jvp(func, (w,), (ones,))[1], dtype=w.dtype))
    if order >= 2:
        def d1(x):
            return jvp(func, (x,), (np.ones_like(x),))[1]
        outs.append(np.asarray(jvp(d1, (w,), (ones,))[1], dtype=w.dtype))
    return [np.broadcast_to(o, w.shape) for o in outs]


def _close(gap, w):
    # Within sqrt(eps) of each other, divided differences are taken from derivatives
    # (midpoint rules, error O(gap^2)) instead of cancelling differences.
    scale = np.maximum(np.abs(w).max(axis=-1), 1.0) if w.shape[-1] else 1.0
    tol = np.sqrt(np.finfo(w.dtype).eps) * np.asarray(scale)
    return np.abs(gap) <= tol.reshape(tol.shape + (1,) * (gap.ndim - tol.ndim))


def _divided1(w, f, f1):
    gap = w[..., :, None] - w[..., None, :]
    close = _close(gap, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (f[..., :, None] - f[..., None, :]) / np.where(close, 1.0, gap)
    return np.where(close, (f1[..., :, None] + f1[..., None, :]) / 2, q)


def _divided2(w, d1, f2):
    """``D2[..., i, k, j] = f[w_i, w_k, w_j]``."""
    wi, wk, wj = w[..., :, None, None], w[..., None, :, None], w[..., None, None, :]
    gap_ij, gap_kj = wi - wj, wk - wj
    close_ij, close_kj = _close(gap_ij, w), _close(gap_kj, w)
    d_ik, d_kj, d_ij = d1[..., :, :, None], d1[..., None, :, :], d1[..., :, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        via_ij = (d_ik - d_kj) / np.where(close_ij, 1.0, gap_ij)
        via_kj = (d_ik - d_ij) / np.where(close_kj, 1.0, gap_kj)
    mean = (f2[..., :, None, None] + f2[..., None, :, None] + f2[..., None, None, :]) / 6
    return np.where(~close_ij, via_ij, np.where(~close_kj, via_kj, mean))


def _sym_np(e):
    return (e + np.swapaxes(e, -1, -2)) / 2


def _rotate(v, m):
    """``V m V^T``."""
    return v @ m @ np.swapaxes(v, -1, -2)


def _in_basis(v, e):
    """``V^T sym(e) V``."""
    return np.swapaxes(v, -1, -2) @ _sym_np(e) @ v


def _funm_impl(xp, a, func):
    _scipy(xp, "funm_sym")
    w, v = _eig_sym(a)
    (f,) = _func_derivs(func, w, 0)
    return _rotate(v, v.dtype.type(1) * f[..., None, :] * np.eye(w.shape[-1], dtype=v.dtype))


def _funm_d1_impl(xp, a, e, func):
    _scipy(xp, "funm_sym_d1")
    a, e = np.broadcast_arrays(a, e)
    w, v = _eig_sym(a)
    f, f1 = _func_derivs(func, w, 1)
    return _rotate(v, _divided1(w, f, f1) * _in_basis(v, e))


def _funm_d2_impl(xp, a, e1, e2, func):
    _scipy(xp, "funm_sym_d2")
    a, e1, e2 = np.broadcast_arrays(a, e1, e2)
    w, v = _eig_sym(a)
    f, f1, f2 = _func_derivs(func, w, 2)
    d2 = _divided2(w, _divided1(w, f, f1), f2)
    x, y = _in_basis(v, e1), _in_basis(v, e2)
    t = np.einsum("...ikj,...ik,...kj->...ij", d2, x, y)
    return _rotate(v, t + np.swapaxes(t, -1, -2))


def _funm_abstract_eval(*avals, func):
    for x in avals:
        _square(x, "funm")
        if x.dtype.kind == "c":
            raise TypeError("funm: under transforms only real symmetric matrices are "
                            "supported (got a complex one)")
    shape = broadcast_shapes(*[x.shape for x in avals])
    return ShapedArray(shape, np.result_type(*[x.dtype for x in avals], np.float32))


funm_sym_p = Primitive("funm_sym")
funm_sym_d1_p = Primitive("funm_sym_d1")
funm_sym_d2_p = Primitive("funm_sym_d2")
for _p, _impl in ((funm_sym_p, _funm_impl), (funm_sym_d1_p, _funm_d1_impl),
                  (funm_sym_d2_p, _funm_d2_impl)):
    _p.impl = _impl
    _p.abstract_eval = _funm_abstract_eval
    defbroadcasting_batch(_p)


def funm_sym(a, func):
    """``func`` of the symmetric part of a real matrix, through its eigendecomposition."""
    return funm_sym_p.bind(a, func=func)


def _funm_jvp(primals, tangents, func):
    (a,), (ta,) = primals, tangents
    y = funm_sym_p.bind(a, func=func)
    return y, match_tangent(funm_sym_d1_p.bind(a, ta, func=func), get_aval(y))


def _funm_d1_jvp(primals, tangents, func):
    a, e = primals
    ta, te = tangents
    y = funm_sym_d1_p.bind(a, e, func=func)
    out = None if type(te) is Zero else funm_sym_d1_p.bind(a, te, func=func)
    if type(ta) is not Zero:
        d = funm_sym_d2_p.bind(a, e, ta, func=func)
        out = d if out is None else add(out, d)
    return y, Zero(get_aval(y)) if out is None else match_tangent(out, get_aval(y))


def _funm_d2_jvp(primals, tangents, func):
    a, e1, e2 = primals
    ta, t1, t2 = tangents
    if type(ta) is not Zero:
        raise NotImplementedError(
            "funm: derivatives of third and higher order in the matrix are not implemented "
            "(first and second order are exact); for exp, log and sqrt use expm, logm and "
            "sqrtm, which have derivatives of every order")
    y = funm_sym_d2_p.bind(a, e1, e2, func=func)
    out = None if type(t1) is Zero else funm_sym_d2_p.bind(a, t1, e2, func=func)
    if type(t2) is not Zero:
        d = funm_sym_d2_p.bind(a, e1, t2, func=func)
        out = d if out is None else add(out, d)
    return y, Zero(get_aval(y)) if out is None else match_tangent(out, get_aval(y))


def _funm_d1_transpose(ct, a, e, func):
    if is_undefined(a):
        raise TypeError("funm_sym_d1 is linear only in its direction")
    if type(ct) is Zero or not is_undefined(e):
        return [None, None]
    # L1(A) is self-adjoint (symmetric divided differences, orthogonal V).
    return [None, unbroadcast(funm_sym_d1_p.bind(a, ct, func=func), e.aval)]


def _funm_d2_transpose(ct, a, e1, e2, func):
    if is_undefined(a) or (is_undefined(e1) and is_undefined(e2)):
        raise TypeError("funm_sym_d2 is linear in one direction at a time")
    if type(ct) is Zero:
        return [None, None, None]
    # <G, L2[E, F]> is symmetric in (G, E, F) for symmetric arguments.
    if is_undefined(e1):
        return [None, unbroadcast(funm_sym_d2_p.bind(a, ct, e2, func=func), e1.aval), None]
    return [None, None, unbroadcast(funm_sym_d2_p.bind(a, e1, ct, func=func), e2.aval)]


funm_sym_p.jvp = _funm_jvp
funm_sym_d1_p.jvp = _funm_d1_jvp
funm_sym_d2_p.jvp = _funm_d2_jvp
funm_sym_d1_p.transpose = _funm_d1_transpose
funm_sym_d2_p.transpose = _funm_d2_transpose

__all__ += ["funm_sym", "funm_sym_d1_p", "funm_sym_d2_p", "funm_sym_p"]

# ---------------------------------------------------------------------------------------
# schur: A = Z T Z^T (real Schur form), differentiable while the spectrum is real and simple
# ---------------------------------------------------------------------------------------


def _schur_impl(xp, a):
    sl = _scipy(xp, "schur")
    dtype = np.result_type(a.dtype, np.float32)
    if a.size == 0:
        return [np.zeros(a.shape, dtype), np.zeros(a.shape, dtype)]
    t, z = sl.schur(a, output="real", check_finite=False)
    return [np.asarray(t).astype(dtype, copy=False), np.asarray(z).astype(dtype, copy=False)]


def _schur_abstract_eval(a):
    _square(a, "schur")
    if a.dtype.kind == "c":
        raise TypeError("schur primitive: real matrices only")
    out = ShapedArray(a.shape, np.result_type(a.dtype, np.float32))
    return [out, out]


schur_p = Primitive("schur", multiple_results=True)
schur_p.impl = _schur_impl
schur_p.abstract_eval = _schur_abstract_eval


def schur(a):
    """``[t, z]``: the real Schur form ``a = z t z^T`` (``z`` orthogonal)."""
    return schur_p.bind(a)


def _schur_indices(n):
    """Index tables for the strictly lower entries (i > j) of an n x n matrix."""
    i, j = np.tril_indices(n, -1)
    m = i.size
    # Omega = (skew matrix from its strictly lower entries): a gather from [w, 0].
    where_ = np.full((n, n), m)
    where_[i, j] = np.arange(m)
    where_[j, i] = np.arange(m)
    sign = np.tril(np.ones((n, n)), -1) - np.triu(np.ones((n, n)), 1)
    return i, j, where_, sign


def _schur_jvp(primals, tangents):
    # With M = Z^T dA Z and Omega = Z^T dZ (skew): M = dT + Omega T - T Omega.  dT is upper
    # triangular, so the strictly lower part of Omega T - T Omega must equal M's: a linear
    # system K w = M_lower for the strictly lower entries w of Omega, with K built from T
    # (nonsingular when the eigenvalues are distinct).  Then dZ = Z Omega and
    # dT = triu(M - Omega T + T Omega).
    (a,), (ta,) = primals, tangents
    t, z = outs = schur_p.bind(a)
    n = get_aval(a).shape[-1]
    nd = get_aval(a).ndim
    if n < 2:
        return outs, [match_tangent(ta, get_aval(t)), Zero(get_aval(z))]
    sub_diag = np.eye(n, k=-1, dtype=bool)
    tv = stop_gradient_p.bind(t)
    complex_pairs = gt(reduce_max(abs(select(sub_diag, tv, 0.0)), (nd - 2, nd - 1)), 0.0)
    flag = concrete_value(complex_pairs)
    if flag is not None and np.any(flag):
        raise NotImplementedError(
            "schur: the derivative of the real Schur form is implemented only for matrices "
            "with real eigenvalues (this one has complex ones, stored as 2 x 2 blocks)")
    tc = concrete_value(t)
    if tc is not None:
        d = np.diagonal(np.asarray(tc), axis1=-2, axis2=-1)
        gaps = np.where(np.eye(n, dtype=bool), np.inf, np.abs(d[..., :, None] - d[..., None, :]))
        if np.any(gaps <= n * np.finfo(d.dtype).eps * np.abs(d).max()):
            raise LinAlgError("schur: the Schur form has no derivative at a matrix with "
                              "repeated eigenvalues (its Schur vectors are not unique)")
    i, j, where_, sign = _schur_indices(n)
    p, q = i[None, :], j[None, :]  # unknowns w_pq (columns)
    ie, je = i[:, None], j[:, None]  # equations (rows)
    bcast = (Ellipsis,)

    def pick(rows, cols, mask):
        vals = getitem(t, bcast + (np.broadcast_to(rows, mask.shape),
                                   np.broadcast_to(cols, mask.shape)))
        return select(mask, vals, 0.0)
    k = sub(add(pick(q, je, ie == p), pick(ie, q, p == je)),
            add(pick(p, je, ie == q), pick(ie, p, q == je)))
    nan = expand_dims(complex_pairs, (nd - 2, nd - 1))
    k = select(nan, np.eye(i.size, dtype=get_aval(t).dtype), k)  # NaN below, not "singular"
    m = matmul(swap_last(z), matmul(ta, z))
    m_low = getitem(m, bcast + (i, j))
    w = solve_vec(k, m_low)
    w_ext = concatenate([w, np.zeros(get_aval(w).shape[:-1] + (1,), get_aval(w).dtype)], nd - 2)
    omega = mul(getitem(w_ext, bcast + (where_,)), sign)
    dz = matmul(z, omega)
    dt = sub(m, sub(matmul(omega, t), matmul(t, omega)))
    dt = select(np.triu(np.ones((n, n), dtype=bool)), dt, 0.0)
    # Under jit the spectrum is unknown while tracing: complex pairs give NaN, never a
    # wrong number.
    dt = select(nan, np.nan, dt)
    dz = select(nan, np.nan, dz)
    return outs, [match_tangent(dt, get_aval(t)), match_tangent(dz, get_aval(z))]


def solve_vec(k, b):
    """``k x = b`` for a vector ``b`` (a stack of them)."""
    x = solve(k, reshape(b, get_aval(b).shape + (1,)))
    return reshape(x, get_aval(x).shape[:-1])


schur_p.jvp = _schur_jvp
defstack_batch(schur_p)
__all__ += ["schur", "schur_p"]

# ---------------------------------------------------------------------------------------
# scipy_eigh: SciPy's Hermitian eigensolver, reading one triangle, so that eigenvectors under
# transforms are SciPy's own (LAPACK drivers differ in the signs they choose)
# ---------------------------------------------------------------------------------------


def _seigh_impl(xp, a, lower, driver):
    sl = _scipy(xp, "scipy_eigh")
    if a.shape[-1] == 0:
        return [np.zeros(a.shape[:-1], np.finfo(a.dtype).dtype), np.zeros(a.shape, a.dtype)]
    w, v = sl.eigh(a, lower=lower, check_finite=False, driver=driver)
    return [np.asarray(w), np.asarray(v)]


def _seigh_abstract_eval(a, lower, driver):
    _square(a, "eigh")
    dtype = np.result_type(a.dtype, np.float32)
    return [ShapedArray(a.shape[:-1], np.finfo(dtype).dtype), ShapedArray(a.shape, dtype)]


scipy_eigh_p = Primitive("scipy_eigh", multiple_results=True)
scipy_eigh_p.impl = _seigh_impl
scipy_eigh_p.abstract_eval = _seigh_abstract_eval


def scipy_eigh(a, lower=True, driver=None):
    """``[w, v]`` of the Hermitian matrix held in the ``lower`` (or upper) triangle of ``a``,
    from SciPy's LAPACK ``driver`` (None: SciPy's default)."""
    return scipy_eigh_p.bind(a, lower=bool(lower), driver=driver)


def hermitian_from_triangle(x, lower):
    """The Hermitian matrix whose ``lower`` (or upper) triangle is that of ``x`` (the
    diagonal's imaginary part is dropped, as LAPACK does); linear in ``x``."""
    n = get_aval(x).shape[-1]
    strict = select(np.tri(n, n, -1, dtype=bool) if lower else ~np.tri(n, n, dtype=bool),
                    x, 0.0)
    diag = select(np.eye(n, dtype=bool), x, 0.0)
    if get_aval(x).dtype.kind == "c":
        diag = real(diag)
    return add(add(strict, adjoint(strict)), diag)


def _gaps(w):
    """``1 / (w_j - w_i)``, 0 on the diagonal and for numerically equal pairs (rotations
    inside a degenerate eigenspace get no derivative, as for ``eigh``)."""
    n = get_aval(w).shape[-1]
    nd = get_aval(w).ndim
    diff = sub(expand_dims(w, (nd - 1,)), expand_dims(w, (nd,)))
    ws = stop_gradient_p.bind(w)
    eps = np.finfo(get_aval(w).dtype).eps
    scale = reduce_max(abs(ws), (nd - 1,))
    tol = mul(expand_dims(scale, (nd - 1, nd)), float(max(n, 1) * eps))
    degenerate = le(abs(stop_gradient_p.bind(diff)), tol)
    return select(degenerate, 0.0, div(1.0, select(degenerate, 1.0, diff)))


def _seigh_jvp(primals, tangents, lower, driver):
    # With Vt = V^H dA V (dA: the Hermitian matrix of the tangent's triangle):
    # dw = diag(Vt), dV = V (F o Vt), F_ij = 1 / (w_j - w_i).
    (a,), (ta,) = primals, tangents
    w, v = outs = scipy_eigh_p.bind(a, lower=lower, driver=driver)
    if get_aval(a).shape[-1] == 0:
        return outs, [Zero(get_aval(w)), Zero(get_aval(v))]
    vt = matmul(adjoint(v), matmul(hermitian_from_triangle(ta, lower), v))
    dw = einsum("...ii->...i", vt)
    if get_aval(dw).dtype.kind == "c":
        dw = real(dw)
    dv = matmul(v, mul(_gaps(w), vt))
    return outs, [match_tangent(dw, get_aval(w)), match_tangent(dv, get_aval(v))]


scipy_eigh_p.jvp = _seigh_jvp
defstack_batch(scipy_eigh_p)
__all__ += ["hermitian_from_triangle", "scipy_eigh", "scipy_eigh_p"]
