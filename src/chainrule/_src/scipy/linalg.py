"""Linear algebra beyond ``numpy.linalg`` ("Linear algebra (scipy.linalg)" in SciPy's docs).

Same signatures and defaults as SciPy, so that ``scipy.linalg`` can be swapped for
``chainrule.scipy.linalg``.  With plain NumPy arrays (outside every transform) each function
calls SciPy itself and returns SciPy's result.  Under transforms the functions are built from
the primitives of ``chainrule._src.lax.linalg`` and ``chainrule._src.lax.scipy_linalg`` and
are differentiable, in forward and reverse mode, in every floating-point array argument (to
every order, except ``funm``: orders 1 and 2); they work under ``jit`` and ``vmap``.
Options whose result cannot be traced raise ``NotImplementedError`` under transforms.

Conventions (see ``docs/scipy-linalg.md``): functions that SciPy documents as reading one
triangle of a symmetric/Hermitian matrix (``cholesky``, ``cho_factor``, ``eigh``, ``solve``
with ``assume_a="sym"/"her"/"pos"``) read that same triangle under transforms, so values
agree with SciPy for any input and the derivative with respect to the other triangle is
zero.  ``overwrite_*`` and ``check_finite`` are accepted and passed to SciPy on plain arrays;
under transforms nothing is overwritten.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as _sl

from ..numpy import base as cnp
from ..numpy import linalg as _np_linalg

from .. import lax
from ..core import concrete_value, get_aval, is_tracer
from ..control.custom import stop_gradient
from ..lax import linalg as _la
from ..lax import scipy_linalg as _sla
from ..numpy.fastpath import numpy_fast_path

LinAlgError = np.linalg.LinAlgError

__all__ = ["LinAlgError", "block_diag", "cho_factor", "cho_solve", "cholesky", "circulant",
           "det", "eig", "eigh", "eigvals", "eigvalsh", "expm", "expm_frechet", "funm",
           "hankel", "inv", "logm", "lu", "lu_factor", "lu_solve", "norm", "pinv", "polar",
           "qr", "schur", "solve", "solve_banded", "svd", "svdvals",
           "solve_continuous_lyapunov", "solve_discrete_lyapunov", "solve_sylvester",
           "solve_triangular", "sqrtm", "toeplitz"]

# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _shape(x):
    return get_aval(x).shape


def _dtype(x):
    return get_aval(x).dtype


def _arr(a, name):
    """``a`` as an array of a LAPACK floating dtype (integers and bools become float64)."""
    if not (is_tracer(a) or (hasattr(a, "shape") and hasattr(a, "dtype"))):
        a = cnp.asarray(a)
    dt = _dtype(a)
    if dt.kind in "biu":
        return lax.convert_element_type(a, np.float64)
    if dt == np.float16:
        return lax.convert_element_type(a, np.float32)
    if dt.kind not in "fc":
        raise TypeError(f"{name}: unsupported array type {dt}")
    return a


def _common(name, *arrays):
    arrays = [_arr(a, name) for a in arrays]
    dt = np.result_type(*[_dtype(a) for a in arrays])
    return [a if _dtype(a) == dt else lax.convert_element_type(a, dt) for a in arrays]


def _square(a, name):
    s = _shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: expected square matrix (got an array of shape {s})")


def _T(x):
    return cnp.swapaxes(x, -1, -2)


def _H(x):
    return cnp.conj(_T(x)) if _dtype(x).kind == "c" else _T(x)


def _tri_mask(n, lower, k=0):
    """Boolean mask of the lower (``k``-th diagonal and below) or upper (``k``-th and above)
    triangle."""
    return np.tri(n, n, k, dtype=bool) if lower else ~np.tri(n, n, k - 1, dtype=bool)


def _from_triangle(a, lower, hermitian):
    """The symmetric (Hermitian) matrix that LAPACK sees when it reads only one triangle of
    ``a`` (a Hermitian matrix's diagonal is real: LAPACK ignores its imaginary part)."""
    n = _shape(a)[-1]
    strict = cnp.where(_tri_mask(n, lower, -1 if lower else 1), a, 0)
    other = _H(strict) if hermitian else _T(strict)
    diag = cnp.where(np.eye(n, dtype=bool), a, 0)
    if hermitian and _dtype(a).kind == "c":
        diag = cnp.real(diag)
    return strict + other + diag


def _as_matrix_rhs(b, n, name):
    """``b`` with a trailing column axis if it is a vector, and a function that undoes it."""
    s = _shape(b)
    if len(s) == 0 or s[0 if len(s) == 1 else -2] != n:
        raise ValueError(f"{name}: shapes of a (..., {n}, {n}) and b {s} are incompatible")
    if len(s) == 1:
        return cnp.reshape(b, (n, 1)), lambda x: cnp.reshape(x, _shape(x)[:-1])
    return b, lambda x: x


def _no_traced(name, what, *values):
    if any(is_tracer(v) for v in values):
        raise NotImplementedError(f"{name}: {what} is not supported under transforms "
                                  "(grad, jit, vmap...); call it on plain arrays")


def _trans_flags(trans):
    flags = {0: (False, False), "N": (False, False), 1: (True, False), "T": (True, False),
             2: (True, True), "C": (True, True)}
    if trans not in flags:
        raise ValueError("trans must be 0, 1, 2 or 'N', 'T', 'C'")
    return flags[trans]


# ---------------------------------------------------------------------------------------
# Triangular and Cholesky solves
# ---------------------------------------------------------------------------------------


@numpy_fast_path(_sl.solve_triangular, 2)
def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """Solve ``a x = b`` (or ``a^T x = b``, ``a^H x = b``) for triangular ``a``.

    Only the triangle of ``a`` named by ``lower`` is read (not its diagonal with
    ``unit_diagonal``); the derivative with respect to ``a`` lives on that triangle.
    Differentiable in ``a`` and ``b``, through further triangular solves.

    Parameters
    ----------
    a : (..., M, M) array_like
    b : (M,) or (..., M, K) array_like
    trans : {0, 1, 2, 'N', 'T', 'C'}
        Solve ``a x = b``, ``a^T x = b`` or ``a^H x = b``.
    lower : bool
        Use the lower triangle of ``a`` (default: the upper one).
    unit_diagonal : bool
        Assume ones on the diagonal of ``a``.
    overwrite_b, check_finite : bool
        As in SciPy (used only for plain arrays).

    Returns
    -------
    x : ndarray, shaped like ``b``

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import solve_triangular
    >>> a = cnp.array([[2.0, 0.0], [1.0, 4.0]])
    >>> solve_triangular(a, cnp.array([2.0, 9.0]), lower=True)
    array([1., 2.])
    >>> cr.grad(lambda b: solve_triangular(a, b, lower=True).sum())(cnp.array([2.0, 9.0]))
    array([0.375, 0.25 ])
    """
    a, b = _common("solve_triangular", a, b)
    _square(a, "solve_triangular")
    transpose_a, conjugate_a = _trans_flags(trans)
    b2, back = _as_matrix_rhs(b, _shape(a)[-1], "solve_triangular")
    return back(_la.triangular_solve(a, b2, lower=lower, transpose_a=transpose_a,
                                     conjugate_a=conjugate_a, unit_diagonal=unit_diagonal))


def _cholesky_lower(a, lower, name):
    a = _arr(a, name)
    _square(a, name)
    return _la.cholesky(_from_triangle(a, lower, hermitian=True))


@numpy_fast_path(_sl.cholesky)
def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """Cholesky factor of a Hermitian positive-definite matrix: ``a = U^H U`` (default) or
    ``a = L L^H`` with ``lower=True``.

    As in SciPy, only the triangle named by ``lower`` is read; the derivative
    ``dL = L Phi(L^-1 dA L^-H)`` (``Phi``: lower triangle, half the diagonal) is taken with
    respect to that triangle (the other triangle's entries get a zero derivative).

    Parameters
    ----------
    a : (..., M, M) array_like
    lower : bool
    overwrite_a, check_finite : bool
        As in SciPy (used only for plain arrays).

    Returns
    -------
    c : (..., M, M) ndarray
        Upper (default) or lower triangular factor.

    Raises
    ------
    LinAlgError
        If ``a`` is not positive definite.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import cholesky
    >>> cholesky(cnp.array([[4.0, 2.0], [2.0, 5.0]]), lower=True)
    array([[2., 0.],
           [1., 2.]])
    """
    L = _cholesky_lower(a, lower, "cholesky")
    return L if lower else _H(L)


@numpy_fast_path(_sl.cho_factor)
def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """Cholesky factorization for :func:`cho_solve`: ``(c, lower)``.

    ``c`` holds the factor in the triangle named by ``lower``; as in SciPy its other
    triangle holds the entries of ``a`` there (they are not used by :func:`cho_solve`).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import cho_factor, cho_solve
    >>> a = cnp.array([[4.0, 2.0], [2.0, 5.0]])
    >>> cho_solve(cho_factor(a), cnp.array([6.0, 7.0]))
    array([1., 1.])
    """
    a = _arr(a, "cho_factor")
    L = _cholesky_lower(a, lower, "cho_factor")
    c = L if lower else _H(L)
    n = _shape(a)[-1]
    return cnp.where(_tri_mask(n, lower), c, a), lower


def _cho_solve(c, lower, b):
    c, b = _common("cho_solve", c, b)
    _square(c, "cho_solve")
    b2, back = _as_matrix_rhs(b, _shape(c)[-1], "cho_solve")
    if lower:  # a = L L^H
        y = _la.triangular_solve(c, b2, lower=True)
        x = _la.triangular_solve(c, y, lower=True, transpose_a=True, conjugate_a=True)
    else:  # a = U^H U
        y = _la.triangular_solve(c, b2, lower=False, transpose_a=True, conjugate_a=True)
        x = _la.triangular_solve(c, y, lower=False)
    return back(x)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` given the Cholesky factorization ``(c, lower)`` of ``a`` from
    :func:`cho_factor`.

    Differentiable in ``c`` (its factor triangle) and ``b``: two triangular solves.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import cho_factor, cho_solve
    >>> c = cho_factor(cnp.array([[4.0, 2.0], [2.0, 5.0]]), lower=True)
    >>> cho_solve(c, cnp.array([6.0, 7.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    if _plain(c, b):
        return _sl.cho_solve((c, lower), b, overwrite_b=overwrite_b,
                             check_finite=check_finite)
    return _cho_solve(c, bool(lower), b)


# ---------------------------------------------------------------------------------------
# solve
# ---------------------------------------------------------------------------------------

_ASSUME = {None: "gen", "gen": "gen", "general": "gen", "sym": "sym", "symmetric": "sym",
           "her": "her", "hermitian": "her", "pos": "pos", "positive definite": "pos",
           "diagonal": "diagonal", "tridiagonal": "tridiagonal", "banded": "gen",
           "upper triangular": "upper", "lower triangular": "lower"}


@numpy_fast_path(_sl.solve, 2)
def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    """Solve ``a x = b`` (``a^T x = b`` with ``transposed``), using the structure of ``a``
    named by ``assume_a``.

    ``"gen"`` (and ``"banded"``): LU with partial pivoting; ``"sym"``/``"her"``: the
    symmetric/Hermitian matrix built from the triangle named by ``lower`` (the other one is
    not read); ``"pos"``: Cholesky of that matrix (LinAlgError if it is not positive
    definite); ``"diagonal"``, ``"tridiagonal"``, ``"upper/lower triangular"``: only those
    entries are read.  Differentiable in ``a`` (the entries read) and ``b``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import solve
    >>> a = cnp.array([[4.0, 2.0], [2.0, 5.0]])
    >>> solve(a, cnp.array([6.0, 7.0]), assume_a="pos")
    array([1., 1.])
    """
    if assume_a not in _ASSUME:
        raise ValueError(f"{assume_a!r} is not a recognized matrix structure")
    kind = _ASSUME[assume_a]
    a, b = _common("solve", a, b)
    _square(a, "solve")
    n = _shape(a)[-1]
    b2, back = _as_matrix_rhs(b, n, "solve")
    if transposed and _dtype(a).kind == "c":
        raise NotImplementedError("scipy.linalg.solve can currently not solve a^T x = b or "
                                  "a^H x = b for complex matrices.")
    if kind == "gen":
        return back(_la.solve(a, b2, transpose_a=bool(transposed)))
    if kind in ("sym", "her"):
        full = _from_triangle(a, lower, hermitian=kind == "her")
        return back(_la.solve(full, b2, transpose_a=bool(transposed)))
    if kind == "pos":
        L = _cholesky_lower(a, lower, "solve")
        y = _la.triangular_solve(L, b2, lower=True)
        return back(_la.triangular_solve(L, y, lower=True, transpose_a=True,
                                         conjugate_a=True))
    if kind == "diagonal":  # a triangular solve: LinAlgError for a zero on the diagonal
        diag = cnp.where(np.eye(n, dtype=bool), a, 0)
        return back(_la.triangular_solve(diag, b2, lower=True))
    if kind == "tridiagonal":
        band = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1
        return back(_la.solve(cnp.where(band, a, 0), b2, transpose_a=bool(transposed)))
    low = kind == "lower"
    return back(_la.triangular_solve(a, b2, lower=low, transpose_a=bool(transposed)))


@numpy_fast_path(_sl.solve_banded, ("ab", "b"))
def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` for a banded ``a`` given in LAPACK band storage ``ab``
    (``ab[u + i - j, j] = a[i, j]``).

    Under transforms the band is expanded to a dense matrix and solved by LU (the same
    values to rounding); differentiable in ``ab`` (its used entries) and ``b``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import solve_banded
    >>> ab = cnp.array([[0.0, 1.0, 1.0], [4.0, 4.0, 4.0], [1.0, 1.0, 0.0]])
    >>> solve_banded((1, 1), ab, cnp.array([5.0, 6.0, 5.0]))
    array([1., 1., 1.])
    """
    nlower, nupper = (int(v) for v in l_and_u)
    ab, b = _common("solve_banded", ab, b)
    s = _shape(ab)
    if len(s) != 2 or s[0] != nlower + nupper + 1:
        raise ValueError(f"solve_banded: invalid values for the number of lower and upper "
                         f"diagonals: l+u+1 ({nlower + nupper + 1}) does not equal ab.shape[0] "
                         f"({s[0] if s else None})")
    n = s[1]
    i, j = np.indices((n, n))
    row = nupper + i - j
    inside = (row >= 0) & (row < s[0])
    dense = cnp.where(inside, ab[np.clip(row, 0, s[0] - 1), j], 0)
    b2, back = _as_matrix_rhs(b, n, "solve_banded")
    return back(_la.solve(dense, b2))


# ---------------------------------------------------------------------------------------
# Special matrices
# ---------------------------------------------------------------------------------------


def _atleast_2d(x):
    s = _shape(x)
    return cnp.reshape(x, (1,) * (2 - len(s)) + s) if len(s) < 2 else x


def _block_diag(*arrs):
    arrs = [_atleast_2d(a if is_tracer(a) else cnp.asarray(a)) for a in arrs]
    for k, a in enumerate(arrs):
        if len(_shape(a)) > 2:
            raise ValueError(f"arguments in the following positions have dimension greater "
                             f"than 2: [{k}]")
    dtype = np.result_type(*[_dtype(a) for a in arrs])
    total = sum(_shape(a)[1] for a in arrs)
    rows, col = [], 0
    for a in arrs:
        r, c = _shape(a)
        rows.append(cnp.concatenate([np.zeros((r, col), dtype), cnp.astype(a, dtype),
                                     np.zeros((r, total - col - c), dtype)], axis=1))
        col += c
    return cnp.concatenate(rows, axis=0)


def block_diag(*arrs):
    """The block-diagonal matrix with the given blocks (1-D blocks are rows, scalars 1x1).

    Examples
    --------
    >>> from chainrule.scipy.linalg import block_diag
    >>> block_diag([[1.0, 2.0]], 3.0)
    array([[1., 2., 0.],
           [0., 0., 3.]])
    """
    if not arrs:
        return _sl.block_diag()
    if not any(is_tracer(a) for a in arrs):
        try:
            return _sl.block_diag(*arrs)
        except TypeError:
            pass  # lists holding tracers
    return _block_diag(*arrs)


def _vec(x, name):
    return x if is_tracer(x) else cnp.asarray(x)


def _plain(*xs):
    return all(x is None or not is_tracer(x) and not (
        isinstance(x, (list, tuple)) and any(is_tracer(v) for v in x)) for x in xs)


def toeplitz(c, r=None):
    """Toeplitz matrix with first column ``c`` and first row ``r`` (default ``conj(c)``;
    ``r[0]`` is ignored).  N-D input is a batch of vectors, as in SciPy.  Linear in
    ``c`` and ``r``.

    Examples
    --------
    >>> from chainrule.scipy.linalg import toeplitz
    >>> toeplitz([1.0, 2.0, 3.0], [1.0, 4.0])
    array([[1., 4.],
           [2., 1.],
           [3., 2.]])
    """
    if _plain(c, r):
        return _sl.toeplitz(c, r)
    c = _vec(c, "toeplitz")
    r = cnp.conj(c) if r is None else _vec(r, "toeplitz")
    m, n = _shape(c)[-1], _shape(r)[-1]
    vals = cnp.concatenate([cnp.flip(c, -1), r[..., 1:]], axis=-1)
    i, j = np.indices((m, n))
    return vals[..., m - 1 - i + j]


def circulant(c):
    """Circulant matrix with first column ``c`` (N-D: a batch).  Linear in ``c``.

    Examples
    --------
    >>> from chainrule.scipy.linalg import circulant
    >>> circulant([1.0, 2.0, 3.0])
    array([[1., 3., 2.],
           [2., 1., 3.],
           [3., 2., 1.]])
    """
    if _plain(c):
        return _sl.circulant(c)
    c = _vec(c, "circulant")
    n = _shape(c)[-1]
    i, j = np.indices((n, n))
    return c[..., (i - j) % n]


def hankel(c, r=None):
    """Hankel matrix with first column ``c`` and last row ``r`` (default zeros; ``r[0]`` is
    ignored).  Linear in ``c`` and ``r``.

    Examples
    --------
    >>> from chainrule.scipy.linalg import hankel
    >>> hankel([1.0, 2.0, 3.0], [3.0, 4.0])
    array([[1., 2.],
           [2., 3.],
           [3., 4.]])
    """
    if _plain(c, r):
        return _sl.hankel(c, r)
    c = _vec(c, "hankel")
    r = cnp.zeros_like(c) if r is None else _vec(r, "hankel")
    m, n = _shape(c)[-1], _shape(r)[-1]
    vals = cnp.concatenate([c, r[..., 1:]], axis=-1)
    i, j = np.indices((m, n))
    return vals[..., i + j]


# ---------------------------------------------------------------------------------------
# Matrix functions
# ---------------------------------------------------------------------------------------


def _matfun_arg(A, name):
    A = _arr(A, name)
    _square(A, name)
    return A


@numpy_fast_path(_sl.expm)
def expm(A):
    """Matrix exponential (scaling and squaring, Padé approximation: SciPy's algorithm).

    Its derivative is the Fréchet derivative ``L(A, dA)``, the upper right block of
    ``expm([[A, dA], [0, A]])``; every order composes.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import expm
    >>> expm(cnp.zeros((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    >>> float(cr.grad(lambda t: expm(t * cnp.eye(2))[0, 0])(0.0))
    1.0
    """
    return _sla.matfun(_matfun_arg(A, "expm"), "expm")


@numpy_fast_path(_sl.expm_frechet, ("A", "E"))
def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):
    """Fréchet derivative of the matrix exponential at ``A`` in the direction ``E``.

    Returns ``(expm(A), L(A, E))`` (or only ``L(A, E)`` with ``compute_expm=False``).
    Differentiable in ``A`` and ``E`` (linear in ``E``), to any order.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import expm_frechet
    >>> expm_frechet(cnp.zeros((2, 2)), cnp.eye(2), compute_expm=False)
    array([[1., 0.],
           [0., 1.]])
    """
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"Unknown implementation {method}")
    A, E = _common("expm_frechet", A, E)
    _square(A, "expm_frechet")
    if _shape(A) != _shape(E):
        raise ValueError("expected A and E to be the same shape")
    L = _sla.frechet(A, E, "expm")
    if not compute_expm:
        return L
    X = _sla.matfun(A, "expm")
    return (X if _dtype(X) == _dtype(L) else lax.convert_element_type(X, _dtype(L))), L


_NODISP = np._NoValue


def _disp_error(name):
    raise NotImplementedError(f"{name}(disp=False) (deprecated in SciPy) is not supported under "
                              "transforms; compute the residual of the result instead")


def logm(A, disp=_NODISP):
    """Principal matrix logarithm.

    Under transforms a real matrix must have a real logarithm (no eigenvalues on the
    closed negative real axis); pass a complex matrix otherwise.  Derivative: the Fréchet
    derivative of ``logm``, from ``logm`` of ``[[A, dA], [0, A]]``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import logm
    >>> logm(cnp.array([[1.0, 1.0], [0.0, 1.0]]))
    array([[0., 1.],
           [0., 0.]])
    """
    if _plain(A):
        return _sl.logm(A) if disp is _NODISP else _sl.logm(A, disp)
    if disp is False:
        _disp_error("logm")
    return _sla.matfun(_matfun_arg(A, "logm"), "logm")


def sqrtm(A, disp=_NODISP, blocksize=_NODISP):
    """Principal matrix square root.

    Under transforms a real matrix must have a real square root (no negative eigenvalues);
    pass a complex matrix otherwise.  Derivative: ``dX`` solves ``X dX + dX X = dA``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import sqrtm
    >>> sqrtm(cnp.array([[4.0, 0.0], [0.0, 9.0]]))
    array([[2., 0.],
           [0., 3.]])
    """
    if _plain(A):
        kw = {k: v for k, v in (("disp", disp), ("blocksize", blocksize)) if v is not _NODISP}
        return _sl.sqrtm(A, **kw)
    if disp is False:
        _disp_error("sqrtm")
    return _sla.matfun(_matfun_arg(A, "sqrtm"), "sqrtm")


def funm(A, func, disp=True):
    """Matrix function ``func(A)``: on plain arrays SciPy's (Schur-Parlett, any matrix);
    under transforms, for real symmetric ``A`` only, through the eigendecomposition
    ``V func(w) V^T``.

    ``func`` maps a 1-D array of eigenvalues elementwise (as in SciPy) and must be written
    with ``chainrule.numpy`` (or NumPy ufuncs) so that chainrule can differentiate it.
    Derivatives of first and second order in ``A`` are exact, also at repeated
    eigenvalues: they are the Daleckii-Krein formulas with first and second divided
    differences of ``func``; third and higher orders raise ``NotImplementedError``.  When
    the value of ``A`` is known (eager transforms) a non-symmetric ``A`` raises
    ``ValueError``; under ``jit`` the symmetric part ``(A + A^T) / 2`` is used, and the
    derivative is that of ``funm`` of the symmetric part (a symmetric gradient).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import funm
    >>> funm(cnp.array([[1.0, 0.0], [0.0, 4.0]]), cnp.sqrt)
    array([[1., 0.],
           [0., 2.]])
    """
    if _plain(A):
        return _sl.funm(A, func, disp)
    if not disp:
        _disp_error("funm")
    A = _matfun_arg(A, "funm")
    value = concrete_value(A)
    if value is not None and not np.allclose(value, np.conj(np.swapaxes(value, -1, -2)),
                                             rtol=1e-12, atol=1e-14 * np.abs(value).max()):
        raise ValueError("funm: under transforms only symmetric (Hermitian) matrices are "
                         "supported; for exp, log and sqrt of general matrices use expm, "
                         "logm and sqrtm")
    return _funm_sym(A, func)


def _funm_sym(A, func):
    return _sla.funm_sym(A, func)


# ---------------------------------------------------------------------------------------
# Decompositions
# ---------------------------------------------------------------------------------------


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix, or of the generalized
    problem ``a v = w b v`` (``type=1``) with Hermitian positive-definite ``b``.

    Reads the triangle of ``a`` (and ``b``) named by ``lower``, as SciPy.  Under transforms
    ``subset_by_index=[lo, hi]`` selects eigenpairs ``lo..hi`` (inclusive) of the full
    decomposition; ``subset_by_value`` (whose output size depends on values) is not
    supported there.  The generalized problems (``type=1``: ``a v = w b v``, ``2``:
    ``a b v = w v``, ``3``: ``b a v = w v``) are reduced with the Cholesky factor ``L`` of
    ``b`` to ``L^-1 a L^-H`` or ``L^H a L``; eigenvectors are normalized as in SciPy
    (``v^H b v = I``, or ``v^H b^-1 v = I`` for ``type=3``).  Eigenvector derivatives
    follow ``chainrule.numpy.linalg.eigh`` (rotations inside degenerate eigenspaces are
    set to zero).

    The standard problem runs SciPy's own solver with the given ``driver`` under
    transforms too, so eigenvectors are SciPy's, signs included.  SciPy's default driver
    (``evr``) chooses signs that can jump under perturbations of relative size 1e-5 to
    1e-3, so eigenvectors as a function of ``a`` are often discontinuous there (their
    derivative is that of the signs chosen at the point); pass ``driver="evd"`` for
    eigenvectors whose signs are stable, e.g. when checking derivatives with finite
    differences.  Generalized problems use Cholesky reduction and the ``evd`` driver.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import eigh
    >>> eigh(cnp.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True)
    array([1., 3.])
    """
    if _plain(a, b):
        return _sl.eigh(a, b, lower=lower, eigvals_only=eigvals_only, overwrite_a=overwrite_a,
                        overwrite_b=overwrite_b, type=type, check_finite=check_finite,
                        subset_by_index=subset_by_index, subset_by_value=subset_by_value,
                        driver=driver)
    if subset_by_value is not None:
        raise NotImplementedError("eigh: subset_by_value is not supported under transforms "
                                  "(the number of eigenvalues depends on values); use "
                                  "subset_by_index")
    if type not in (1, 2, 3):
        raise ValueError("eigh: type must be 1, 2 or 3")
    a = _arr(a, "eigh")
    _square(a, "eigh")
    if b is None:
        if driver not in (None, "ev", "evd", "evr", "evx"):
            raise ValueError(f"eigh: driver must be one of None, 'ev', 'evd', 'evr', 'evx' for "
                             f"a standard problem, got {driver!r}")
        w, v = _sla.scipy_eigh(a, lower, driver)
    else:
        a, b = _common("eigh", a, b)
        _square(b, "eigh")
        if _shape(b) != _shape(a):
            raise ValueError(f"eigh: wrong b dimensions {_shape(b)}, should be {_shape(a)}")
        full = _from_triangle(a, lower, hermitian=True)
        L = _cholesky_lower(b, lower, "eigh")  # b = L L^H
        if type == 1:  # a v = w b v: (L^-1 a L^-H) u = w u, v = L^-H u
            c = _la.triangular_solve(L, full, lower=True)
            c = _H(_la.triangular_solve(L, _H(c), lower=True))
        else:  # a b v = w v (2) or b a v = w v (3): (L^H a L) u = w u
            c = cnp.matmul(_H(L), cnp.matmul(full, L))
        w, u = _la.eigh(c)
        if type == 3:  # v = L u
            v = cnp.matmul(L, u)
        else:  # v = L^-H u
            v = _la.triangular_solve(L, u, lower=True, transpose_a=True, conjugate_a=True)
    if subset_by_index is not None:
        lo, hi = (int(k) for k in subset_by_index)
        n = _shape(a)[-1]
        if not 0 <= lo <= hi < n:
            raise ValueError(f"Requested eigenvalue indices are not valid. Valid range is "
                             f"[0, {n - 1}] and start <= end, but start={lo}, end={hi} is "
                             "given")
        w, v = w[..., lo:hi + 1], v[..., :, lo:hi + 1]
    return w if eigvals_only else (w, v)


def eigvalsh(a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
             check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """Eigenvalues of a Hermitian (generalized) problem: ``eigh(..., eigvals_only=True)``.

    Examples
    --------
    >>> from chainrule.scipy.linalg import eigvalsh
    >>> eigvalsh([[2.0, 1.0], [1.0, 2.0]])
    array([1., 3.])
    """
    return eigh(a, b, lower=lower, eigvals_only=True, overwrite_a=overwrite_a,
                overwrite_b=overwrite_b, type=type, check_finite=check_finite,
                subset_by_index=subset_by_index, subset_by_value=subset_by_value,
                driver=driver)


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """QR decomposition ``a = Q R``: ``mode="full"`` (``Q`` is M x M), ``"economic"``
    (``Q`` is M x K, ``K = min(M, N)``), ``"r"`` (returns ``(R,)``, R as for "full").

    Differentiable for every shape (see ``chainrule.numpy.linalg.qr`` for the gauge of the
    completion columns of a full ``Q``).  ``mode="raw"`` and ``pivoting=True`` are
    computed by SciPy on plain arrays only.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import qr
    >>> q, r = qr(cnp.array([[3.0, 1.0], [4.0, 2.0], [0.0, 1.0]]), mode="economic")
    >>> q.shape, r.shape
    ((3, 2), (2, 2))
    """
    if _plain(a):
        return _sl.qr(a, overwrite_a=overwrite_a, lwork=lwork, mode=mode, pivoting=pivoting,
                      check_finite=check_finite)
    if mode not in ("full", "r", "economic", "raw"):
        raise ValueError("Mode argument should be one of ['full', 'r', 'economic', 'raw']")
    _no_traced("qr", f"mode={mode!r}" if mode == "raw" else "pivoting=True",
               *([a] if mode == "raw" or pivoting else []))
    a = _arr(a, "qr")
    if len(_shape(a)) < 2:
        raise ValueError("expected a 2-D array")
    if mode == "r":
        return (_la.qr(a, "complete")[1],)
    q, r = _la.qr(a, "complete" if mode == "full" else "reduced")
    return q, r


def schur(a, output="real", lwork=None, overwrite_a=False, sort=None, check_finite=True):
    """Schur decomposition ``a = z t z^H``: ``(t, z)`` (``(t, z, sdim)`` with ``sort``).

    Under transforms: the real Schur form of a real matrix without ``sort``, differentiable
    while the eigenvalues are real and distinct (``t`` is then upper triangular): with
    ``M = z^T da z`` and ``Omega = z^T dz`` (skew), ``M = dt + Omega t - t Omega`` with
    ``dt`` upper triangular determines ``Omega`` through a linear system built from ``t``.
    Complex eigenvalues (2 x 2 blocks in ``t``) raise ``NotImplementedError`` when the
    value is known and give NaN derivatives under ``jit``; repeated eigenvalues raise
    ``LinAlgError``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import schur
    >>> t, z = schur(cnp.array([[2.0, 1.0], [0.0, 3.0]]))
    >>> t
    array([[2., 1.],
           [0., 3.]])
    """
    if _plain(a):
        return _sl.schur(a, output=output, lwork=lwork, overwrite_a=overwrite_a, sort=sort,
                         check_finite=check_finite)
    if output not in ("real", "complex", "r", "c"):
        raise ValueError("argument must be 'real', or 'complex'")
    a = _arr(a, "schur")
    if output in ("complex", "c") or sort is not None or _dtype(a).kind == "c":
        raise NotImplementedError("schur: under transforms only the real Schur form of a real "
                                  "matrix without sort= is supported")
    _square(a, "schur")
    t, z = _sla.schur(a)
    return t, z


# ---------------------------------------------------------------------------------------
# LU
# ---------------------------------------------------------------------------------------


@numpy_fast_path(_sl.lu_factor)
def lu_factor(a, overwrite_a=False, check_finite=True):
    """LU factorization with partial pivoting: ``(lu, piv)`` as in LAPACK ``getrf``.

    Differentiable in ``a`` (any M x N): with ``P^T a = L U`` on the square part,
    ``M = L^-1 P^T da U^-1``, ``dL = L tril(M, -1)`` and ``dU = triu(M) U``; extra rows
    and columns follow from ``L2 = A2 U^-1`` and ``U2 = L^-1 A2``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import lu_factor, lu_solve
    >>> a = cnp.array([[1.0, 2.0], [3.0, 4.0]])
    >>> lu_solve(lu_factor(a), cnp.array([5.0, 11.0]))
    array([1., 2.])
    """
    a = _arr(a, "lu_factor")
    if len(_shape(a)) < 2:
        raise ValueError("expected matrix")
    lu_, piv, _ = _sla.lu(a)
    return lu_, piv


def _permutation(piv, n):
    value = concrete_value(piv)
    if value is not None and not is_tracer(piv):
        return np.asarray(_sla.perm_from_piv(np.asarray(value), n))
    return _sla.lu_pivots_to_permutation(piv, n)


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` (``trans=1``: ``a^T x = b``; ``2``: ``a^H x = b``) from
    :func:`lu_factor`'s ``(lu, piv)``.  Differentiable in ``lu`` and ``b``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import lu_factor, lu_solve
    >>> f = lu_factor(cnp.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lu_solve(f, cnp.array([7.0, 10.0]), trans=1)
    array([1., 2.])
    """
    lu_, piv = lu_and_piv
    if _plain(lu_, piv, b):
        return _sl.lu_solve((lu_, piv), b, trans=trans, overwrite_b=overwrite_b,
                            check_finite=check_finite)
    transpose_a, conjugate_a = _trans_flags(trans)
    lu_, b = _common("lu_solve", lu_, b)
    _square(lu_, "lu_solve")
    n = _shape(lu_)[-1]
    b2, back = _as_matrix_rhs(b, n, "lu_solve")
    pt = _sla.permutation_matrix(_permutation(piv, n), _dtype(lu_))
    if not transpose_a:  # L U x = P^T b
        y = _la.triangular_solve(lu_, cnp.matmul(pt, b2), lower=True, unit_diagonal=True)
        return back(_la.triangular_solve(lu_, y, lower=False))
    # a^T = U^T L^T P^T: solve U^T z = b, L^T w = z, x = P w
    z = _la.triangular_solve(lu_, b2, lower=False, transpose_a=True, conjugate_a=conjugate_a)
    w = _la.triangular_solve(lu_, z, lower=True, transpose_a=True, conjugate_a=conjugate_a,
                             unit_diagonal=True)
    return back(cnp.matmul(_T(pt), w))


def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """LU decomposition ``a = P L U`` (``L`` unit lower, ``U`` upper triangular).

    Returns ``(p, l, u)``; ``(p @ l, u)`` with ``permute_l``; with ``p_indices`` ``p`` is a
    vector, ``a = l[p] @ u``.  Differentiable in ``a`` (any M x N; ``p`` has no
    derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import lu
    >>> p, l, u = lu(cnp.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> u
    array([[3.        , 4.        ],
           [0.        , 0.66666667]])
    """
    if _plain(a):
        return _sl.lu(a, permute_l=permute_l, overwrite_a=overwrite_a,
                      check_finite=check_finite, p_indices=p_indices)
    a = _arr(a, "lu")
    if len(_shape(a)) < 2:
        raise ValueError("The input array must be at least two-dimensional.")
    lu_, _, perm = _sla.lu(a)
    m, n = _shape(a)[-2:]
    k = min(m, n)
    dtype = _dtype(lu_)
    low = cnp.where(np.tri(m, k, -1, dtype=bool), lu_[..., :, :k], 0) + np.eye(m, k,
                                                                                dtype=dtype)
    up = cnp.where(np.tri(k, n, -1, dtype=bool), 0, lu_[..., :k, :])
    # SciPy's permutation matrix is real also for complex input.
    p = _T(_sla.permutation_matrix(perm, np.finfo(dtype).dtype))
    if permute_l:
        return cnp.matmul(p, low), up
    if p_indices:
        inverse = cnp.matmul(p, np.arange(m, dtype=p.dtype))
        return lax.convert_element_type(inverse, np.dtype(np.int32)), low, up  # as SciPy
    return p, low, up


# ---------------------------------------------------------------------------------------
# Matrix equations
# ---------------------------------------------------------------------------------------


@numpy_fast_path(_sl.solve_sylvester, 3)
def solve_sylvester(a, b, q):
    """Solve the Sylvester equation ``a x + x b = q`` (Bartels-Stewart).

    Differentiable in ``a``, ``b`` and ``q``: differentiating the equation gives
    ``a dx + dx b = dq - da x - x db``, another Sylvester equation.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import solve_sylvester
    >>> solve_sylvester(cnp.eye(2), 2 * cnp.eye(2), 3 * cnp.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    a, b, q = _common("solve_sylvester", a, b, q)
    return _sla.sylvester(a, b, q)


@numpy_fast_path(_sl.solve_continuous_lyapunov, 2)
def solve_continuous_lyapunov(a, q):
    """Solve the continuous Lyapunov equation ``a x + x a^H = q``.

    Differentiable in ``a`` and ``q`` (a Sylvester equation with ``b = a^H``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import solve_continuous_lyapunov
    >>> solve_continuous_lyapunov(-cnp.eye(2), -2 * cnp.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    a, q = _common("solve_continuous_lyapunov", a, q)
    return _sla.sylvester(a, _H(a), q)


@numpy_fast_path(_sl.solve_discrete_lyapunov, 2)
def solve_discrete_lyapunov(a, q, method=None):
    """Solve the discrete Lyapunov equation ``a x a^H - x + q = 0``.

    Differentiable in ``a`` and ``q``: ``dx - a dx a^H = dq + da x a^H + a x da^H``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import solve_discrete_lyapunov
    >>> solve_discrete_lyapunov(0.5 * cnp.eye(2), 0.75 * cnp.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    if method not in (None, "direct", "bilinear"):
        raise ValueError(f"Unknown solver {method}")
    a, q = _common("solve_discrete_lyapunov", a, q)
    return _sla.discrete_lyapunov(a, q, method)


# ---------------------------------------------------------------------------------------
# Polar decomposition
# ---------------------------------------------------------------------------------------


def polar(a, side="right"):
    """Polar decomposition ``a = u p`` (``side="right"``) or ``a = p u`` (``"left"``), ``u``
    with orthonormal columns (rows), ``p`` Hermitian positive semi-definite.

    Under transforms ``p = sqrtm(a^H a)`` (``sqrtm(a a^H)`` for ``"left"``) and
    ``u = a p^-1`` (``p^-1 a``): ``a`` must have full rank, with ``M >= N`` for
    ``"right"`` and ``M <= N`` for ``"left"``.  The derivative goes through the Sylvester
    equation of ``sqrtm`` and so is right for repeated singular values too.  Values agree
    with SciPy's (SVD-based) to about ``cond(a)^2`` times the unit roundoff.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import polar
    >>> u, p = polar(cnp.array([[2.0, 0.0], [0.0, -3.0]]))
    >>> p
    array([[2., 0.],
           [0., 3.]])
    """
    if side not in ("right", "left"):
        raise ValueError("`side` must be either 'right' or 'left'")
    if _plain(a):
        return _sl.polar(a, side)
    a = _arr(a, "polar")
    s = _shape(a)
    if len(s) != 2:
        raise ValueError("`a` must be a 2-D array.")
    m, n = s
    if (side == "right" and m < n) or (side == "left" and m > n):
        raise NotImplementedError(f"polar: side={side!r} of a {m}x{n} matrix (rank-deficient "
                                  "p) is not supported under transforms")
    if side == "right":
        p = _sla.matfun(cnp.matmul(_H(a), a), "sqrtm")
        u = _T(_la.solve(_T(p), _T(a)))
    else:
        p = _sla.matfun(cnp.matmul(a, _H(a)), "sqrtm")
        u = _la.solve(p, a)
    return u, p


# ---------------------------------------------------------------------------------------
# Functions scipy.linalg shares with numpy.linalg, with SciPy's signatures
# ---------------------------------------------------------------------------------------


@numpy_fast_path(_sl.inv)
def inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    """Inverse of a square matrix, ``solve(a, I, assume_a=..., lower=...)``.

    Differentiable in ``a`` (the entries that ``assume_a`` reads), through solves.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy.linalg import inv
    >>> inv(cnp.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = _arr(a, "inv")
    _square(a, "inv")
    n = _shape(a)[-1]
    return solve(a, np.eye(n, dtype=_dtype(a)), lower=lower, assume_a=assume_a)


@numpy_fast_path(_sl.det)
def det(a, overwrite_a=False, check_finite=True):
    """Determinant; see ``chainrule.numpy.linalg.det`` (exact derivatives also at singular
    matrices).

    Examples
    --------
    >>> from chainrule.scipy.linalg import det
    >>> float(det([[2.0, 1.0], [1.0, 3.0]]))
    5.0
    """
    a = _arr(a, "det")
    _square(a, "det")
    dt = np.result_type(_dtype(a), np.float64)  # SciPy's det works in double precision
    return _np_linalg.det(a if _dtype(a) == dt else lax.convert_element_type(a, dt))


@numpy_fast_path(_sl.svd)
def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """Singular value decomposition ``a = u diag(s) vh``: ``(u, s, vh)`` or ``s``.

    See ``chainrule.numpy.linalg.svd`` for the derivatives.  Under transforms LAPACK's
    ``gesdd`` is used whatever ``lapack_driver`` says (singular vectors may then differ in
    sign from ``gesvd``'s).

    Examples
    --------
    >>> from chainrule.scipy.linalg import svd
    >>> svd([[3.0, 0.0], [0.0, 4.0]], compute_uv=False)
    array([4., 3.])
    """
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f'lapack_driver must be "gesdd" or "gesvd", not "{lapack_driver}"')
    a = _arr(a, "svd")
    if len(_shape(a)) < 2:
        raise ValueError("expected matrix")
    out = _np_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


@numpy_fast_path(_sl.svdvals)
def svdvals(a, overwrite_a=False, check_finite=True):
    """Singular values, descending.

    Examples
    --------
    >>> from chainrule.scipy.linalg import svdvals
    >>> svdvals([[3.0, 0.0], [0.0, 4.0]])
    array([4., 3.])
    """
    return svd(a, compute_uv=False)


@numpy_fast_path(_sl.norm)
def norm(a, ord=None, axis=None, keepdims=False, check_finite=True):
    """Matrix or vector norm; see ``chainrule.numpy.linalg.norm``.

    Examples
    --------
    >>> from chainrule.scipy.linalg import norm
    >>> float(norm([3.0, 4.0]))
    5.0
    """
    return _np_linalg.norm(_arr(a, "norm"), ord=ord, axis=axis, keepdims=keepdims)


def _no_generalized(name, b, **flags):
    if b is not None:
        raise NotImplementedError(f"{name}: the generalized problem (b=...) is supported on "
                                  "plain arrays only")
    for key, bad in flags.items():
        if bad:
            raise NotImplementedError(f"{name}: {key} is supported on plain arrays only")


def eig(a, b=None, left=False, right=True, overwrite_a=False, overwrite_b=False,
        check_finite=True, homogeneous_eigvals=False):
    """Eigenvalues (complex) and right eigenvectors (unit columns) of a square matrix.

    Under transforms: the standard problem (``b=None``), right eigenvectors only, as
    ``chainrule.numpy.linalg.eig`` (see it for the gauge of the derivative).

    Examples
    --------
    >>> from chainrule.scipy.linalg import eig
    >>> eig([[2.0, 0.0], [0.0, 3.0]])[0]
    array([2.+0.j, 3.+0.j])
    """
    if _plain(a, b):
        return _sl.eig(a, b, left=left, right=right, overwrite_a=overwrite_a,
                       overwrite_b=overwrite_b, check_finite=check_finite,
                       homogeneous_eigvals=homogeneous_eigvals)
    _no_generalized("eig", b, left=left, homogeneous_eigvals=homogeneous_eigvals)
    a = _arr(a, "eig")
    _square(a, "eig")
    w, v = _np_linalg.eig(a)
    return (w, v) if right else w


def eigvals(a, b=None, overwrite_a=False, check_finite=True, homogeneous_eigvals=False):
    """Eigenvalues (complex) of a square matrix; see :func:`eig`.

    Examples
    --------
    >>> from chainrule.scipy.linalg import eigvals
    >>> eigvals([[2.0, 0.0], [0.0, 3.0]])
    array([2.+0.j, 3.+0.j])
    """
    if _plain(a, b):
        return _sl.eigvals(a, b, overwrite_a=overwrite_a, check_finite=check_finite,
                           homogeneous_eigvals=homogeneous_eigvals)
    _no_generalized("eigvals", b, homogeneous_eigvals=homogeneous_eigvals)
    return eig(a, right=False)


def pinv(a, *, atol=None, rtol=None, return_rank=False, check_finite=True):
    """Moore-Penrose pseudo-inverse; singular values below ``atol + rtol * max(s)`` are
    treated as zero (SciPy's defaults: ``atol=0``, ``rtol=max(M, N) * eps``).

    The cutoff gets no derivative; the derivative (valid where the rank is constant) is
    that of ``chainrule.numpy.linalg.pinv``, which holds when the discarded singular values
    are zero to working precision.  A cutoff that discards larger ones (a truncated
    pseudo-inverse) raises ``NotImplementedError`` under transforms; with ``jit`` (values
    unknown while tracing) only the default cutoff is accepted.  ``return_rank=True`` needs
    concrete values too.

    Examples
    --------
    >>> from chainrule.scipy.linalg import pinv
    >>> pinv([[2.0, 0.0], [0.0, 0.0]])
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    if _plain(a):
        return _sl.pinv(a, atol=atol, rtol=rtol, return_rank=return_rank,
                        check_finite=check_finite)
    a = _arr(a, "pinv")
    if len(_shape(a)) < 2:
        raise ValueError("expected a matrix")
    m, n = _shape(a)[-2:]
    eps = np.finfo(_dtype(a)).eps
    default = atol in (None, 0) and rtol is None
    atol = 0.0 if atol is None else atol
    rtol = max(m, n) * eps if rtol is None else rtol
    s = stop_gradient(svdvals(a))
    smax = cnp.max(s, axis=-1) if min(m, n) else 0.0
    cutoff = atol + rtol * smax
    values, cut = concrete_value(s), concrete_value(cutoff)
    if values is not None and cut is not None:
        noise = max(m, n) * eps * np.asarray(concrete_value(smax))
        dropped = (np.asarray(values) <= np.asarray(cut)[..., None]) & (
            np.asarray(values) > np.asarray(noise)[..., None])
        if np.any(dropped):
            raise NotImplementedError(
                "pinv: this cutoff discards singular values that are not zero to working "
                "precision (a truncated pseudo-inverse), whose derivative is not implemented; "
                "use the default cutoff, or build the truncated inverse from svd")
    elif not default:
        raise NotImplementedError(
            "pinv: under jit only the default cutoff is supported (whether atol/rtol discard "
            "nonzero singular values, which would need another derivative, is unknown "
            "while tracing)")
    # The primitive's cutoff is relative to the largest singular value.
    rcond = cnp.where(smax > 0, cutoff / cnp.where(smax > 0, smax, 1.0), 0.0)
    out = _np_linalg.pinv(a, rcond=rcond)
    if not return_rank:
        return out
    if values is None:
        raise NotImplementedError("pinv(return_rank=True): the rank is an integer computed "
                                  "from values, which jit does not know while tracing; "
                                  "compute it outside jit")
    return out, int(np.sum(np.asarray(values) > np.asarray(concrete_value(cutoff))))
