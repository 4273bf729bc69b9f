"""Linear algebra ("Linear algebra (numpy.linalg)" in NumPy's docs), differentiable.

Every function accepts stacks of matrices (the last two axes) like NumPy, and is
differentiable in forward and reverse mode to any order where the mathematical derivative
exists.  Factorizations, solves and the pseudo-inverse are primitives
(``chainrule._src.lax.linalg``); everything else is composed from them and from
``chainrule.numpy``.  The conventions (Hermitian part for ``cholesky``/``eigh``, gauges of
eigen- and singular vectors, subgradients of norms at zero, complex derivatives as in JAX)
are documented in ``docs/linalg.md`` and ``docs/design/linalg.md``.
"""

from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from .. import lax
from ..core import concrete_value, get_aval, is_tracer, real_dtype
from ..lax import linalg as _la
from .fastpath import all_plain, numpy_fast_path
from ..control.custom import stop_gradient
from . import base as cnp

_nl = np.linalg

LinAlgError = np.linalg.LinAlgError
_NoValue = np._NoValue


try:  # NumPy's own result types, so that results have the same pytree structure
    from numpy.linalg._linalg import (EighResult, EigResult, QRResult, SlogdetResult,
                                      SVDResult)
except ImportError:  # pragma: no cover - a NumPy without them
    class EigResult(NamedTuple):
        eigenvalues: object
        eigenvectors: object

    class EighResult(NamedTuple):
        eigenvalues: object
        eigenvectors: object

    class QRResult(NamedTuple):
        Q: object
        R: object

    class SlogdetResult(NamedTuple):
        sign: object
        logabsdet: object

    class SVDResult(NamedTuple):
        U: object
        S: object
        Vh: object


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _shape(x):
    return get_aval(x).shape


def _dtype(x):
    return get_aval(x).dtype


def _asarray(a):
    if is_tracer(a) or (hasattr(a, "shape") and hasattr(a, "dtype")):
        return a
    return cnp.asarray(a)


def _inexact(a, name):
    """``a`` as an array of a floating dtype that LAPACK supports (integers become float64,
    as in NumPy)."""
    a = _asarray(a)
    dt = _dtype(a)
    if dt.kind in "biu":
        return lax.convert_element_type(a, np.float64)
    if dt == np.float16:
        raise TypeError(f"{name}: array type float16 is unsupported in linalg; convert it to "
                        "float32 or float64 first")
    if dt.kind not in "fc":
        raise TypeError(f"{name}: unsupported array type {dt}")
    return a


def _plain_square(a):
    """Whether ``a`` is a plain array of a LAPACK dtype holding square matrices: then the
    factorizations run their primitive's NumPy computation directly, skipping the
    conversions and checks of the general path (which gives the errors for other input)."""
    if type(a) is not np.ndarray:
        return False
    s = a.shape
    return len(s) >= 2 and s[-1] == s[-2] and a.dtype.char in "fdFD"


def _common(name, *arrays):
    arrays = [_inexact(a, name) for a in arrays]
    dt = np.result_type(*[_dtype(a) for a in arrays])
    return [a if _dtype(a) == dt else lax.convert_element_type(a, dt) for a in arrays]


def _assert_stacked_2d(a, name):
    if len(_shape(a)) < 2:
        raise LinAlgError(f"{name}: {len(_shape(a))}-dimensional array given. Array must be at "
                          "least two-dimensional")


def _assert_stacked_square(a, name):
    _assert_stacked_2d(a, name)
    m, n = _shape(a)[-2:]
    if m != n:
        raise LinAlgError(f"{name}: Last 2 dimensions of the array must be square (got shape "
                          f"{_shape(a)})")


def _abs2(x):
    """|x|^2, with the derivative of x^2 (no square root, so no trouble at zero)."""
    if _dtype(x).kind == "c":
        re, im = lax.real(x), lax.imag(x)
        return lax.add(lax.mul(re, re), lax.mul(im, im))
    return lax.mul(x, x)


# Norms are ``lax.nonneg_sqrt`` of a sum of squares: its derivative is 0 (not NaN) where
# the sum is 0, the subgradient 0 of a norm at the origin, and its even powers
# (norm(x) ** 2) are evaluated from the sum under differentiation, so they have every
# derivative at 0.


def _abs(x):
    """|x| with derivative 0 at x == 0 (also for complex x)."""
    if _dtype(x).kind == "c":
        return lax.nonneg_sqrt(_abs2(x))
    return lax.abs(x)


def _scalar(x):
    """NumPy returns scalars, not 0-d arrays, from full reductions."""
    if type(x) is np.ndarray and x.ndim == 0:
        return x[()]
    return x


def _cutoff(rcond, dtype):
    """A singular-value cutoff as an operand of ``dtype`` (it gets no derivative)."""
    if is_tracer(rcond):
        return lax.convert_element_type(rcond, dtype)
    return np.asarray(rcond, dtype=dtype)


# ---------------------------------------------------------------------------------------
# Solving and inverting
# ---------------------------------------------------------------------------------------


@numpy_fast_path(_nl.solve, 2)
def solve(a, b):
    """Solve the linear system ``a @ x = b``.

    Differentiable in ``a`` and ``b``; the derivative is computed with further solves
    (``dx = solve(a, db - da @ x)``), never with an explicit inverse.

    Parameters
    ----------
    a : (..., M, M) array_like
        Coefficient matrices.
    b : {(M,), (..., M, K)} array_like
        Right-hand sides.  As in NumPy 2, ``b`` is a vector only when it is 1-D.

    Returns
    -------
    x : {(..., M,), (..., M, K)} ndarray

    Raises
    ------
    LinAlgError
        If ``a`` is singular (to working precision) or not square.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> a = cnp.array([[3.0, 1.0], [1.0, 2.0]])
    >>> cnp.linalg.solve(a, cnp.array([9.0, 8.0]))
    array([2., 3.])
    >>> cr.grad(lambda b: cnp.linalg.solve(a, b).sum())(cnp.array([9.0, 8.0]))
    array([0.2, 0.4])
    """
    a, b = _common("solve", a, b)
    _assert_stacked_square(a, "solve")
    if len(_shape(b)) == 1:
        x = _la.solve(a, lax.reshape(b, _shape(b) + (1,)))
        return lax.reshape(x, _shape(x)[:-1])
    return _la.solve(a, b)


@numpy_fast_path(_nl.inv)
def inv(a):
    """Inverse of a (stack of) square matrices.

    Computed as ``solve(a, I)`` (which is also what NumPy does); its derivative
    ``-inv(a) @ da @ inv(a)`` is applied through solves.

    Parameters
    ----------
    a : (..., M, M) array_like

    Returns
    -------
    ainv : (..., M, M) ndarray

    Raises
    ------
    LinAlgError
        If ``a`` is singular or not square.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.inv(cnp.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = _inexact(a, "inv")
    _assert_stacked_square(a, "inv")
    n = _shape(a)[-1]
    return _la.solve(a, np.eye(n, dtype=_dtype(a)))


@numpy_fast_path(_nl.tensorsolve, 2)
def tensorsolve(a, b, axes=None):
    """Solve the tensor equation ``tensordot(a, x, axes=x.ndim) = b`` for ``x``.

    Parameters
    ----------
    a : array_like
        Coefficient tensor, of shape ``b.shape + Q`` where ``prod(Q) == prod(b.shape)``.
    b : array_like
        Right-hand side.
    axes : tuple of ints, optional
        Axes of ``a`` to move to the end before solving.

    Returns
    -------
    x : ndarray of shape ``Q``

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> a = cnp.reshape(cnp.eye(6) * 2.0, (2, 3, 6))
    >>> cnp.linalg.tensorsolve(a, cnp.ones((2, 3))).shape
    (6,)
    """
    a, b = _common("tensorsolve", a, b)
    an = len(_shape(a))
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k)
            allaxes.insert(an, k)
        a = cnp.transpose(a, allaxes)
    oldshape = _shape(a)[-(an - len(_shape(b))):]
    prod = 1
    for k in oldshape:
        prod *= k
    if get_aval(a).size != prod ** 2:
        raise LinAlgError("Input arrays must satisfy the requirement "
                          "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    x = solve(lax.reshape(a, (prod, prod)), lax.reshape(b, (-1,)))
    return lax.reshape(x, oldshape)


@numpy_fast_path(_nl.tensorinv)
def tensorinv(a, ind=2):
    """Inverse of an N-dimensional array with respect to ``tensordot(., ., ind)``.

    Parameters
    ----------
    a : array_like
        Tensor with ``prod(a.shape[:ind]) == prod(a.shape[ind:])``.
    ind : int, optional
        Number of first indices that take part in the inverse sum.

    Returns
    -------
    b : ndarray of shape ``a.shape[ind:] + a.shape[:ind]``

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> a = cnp.reshape(cnp.eye(4 * 6), (4, 6, 8, 3))
    >>> cnp.linalg.tensorinv(a, ind=2).shape
    (8, 3, 4, 6)
    """
    a = _inexact(a, "tensorinv")
    oldshape = _shape(a)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    invshape = oldshape[ind:] + oldshape[:ind]
    prod = 1
    for k in oldshape[ind:]:
        prod *= k
    ia = inv(lax.reshape(a, (prod, -1)))
    return lax.reshape(ia, invshape)


@numpy_fast_path(_nl.matrix_power)
def matrix_power(a, n):
    """Raise a square matrix (or stack of them) to the integer power ``n``.

    Uses repeated squaring as NumPy does (the same products in the same order); negative
    powers invert first, ``n == 0`` gives identities (with zero derivative).

    Parameters
    ----------
    a : (..., M, M) array_like
    n : int

    Returns
    -------
    a**n : (..., M, M) ndarray

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> a = cnp.array([[1.0, 1.0], [0.0, 1.0]])
    >>> cnp.linalg.matrix_power(a, 3)
    array([[1., 3.],
           [0., 1.]])
    >>> cr.grad(lambda t: cnp.linalg.matrix_power(a * t, 3)[0, 1])(1.0)
    np.float64(9.0)
    """
    a = _asarray(a)
    _assert_stacked_square(a, "matrix_power")
    try:
        n = operator.index(n)
    except TypeError as e:
        raise TypeError("exponent must be an integer") from e
    if n == 0:
        eye = np.eye(_shape(a)[-1], dtype=_dtype(a))
        return np.broadcast_to(eye, _shape(a)).copy()
    if n < 0:
        a = inv(a)
        n = abs(n)
    if n == 1:
        return a
    if n == 2:
        return cnp.matmul(a, a)
    if n == 3:
        return cnp.matmul(cnp.matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else cnp.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else cnp.matmul(result, z)
    return result


def multi_dot(arrays, *, out=None):
    """Dot product of two or more arrays, choosing the cheapest association order.

    The first array may be 1-D (a row vector) and the last 1-D (a column vector); the
    others must be 2-D.  The order is NumPy's (cost-optimal matrix-chain order).

    Parameters
    ----------
    arrays : sequence of array_like
    out : None
        Not supported (chainrule never writes into arrays).

    Returns
    -------
    output : ndarray

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.multi_dot([cnp.ones(3), cnp.ones((3, 4)), cnp.ones((4, 2)), cnp.ones(2)])
    np.float64(24.0)
    """
    if out is None and (type(arrays) is list or type(arrays) is tuple) and all_plain(arrays):
        return _nl.multi_dot(arrays)
    if out is not None:
        raise TypeError("multi_dot(..., out=...) is not supported: use the returned value")
    arrays = [_asarray(a) for a in arrays]
    n = len(arrays)
    if n < 2:
        raise ValueError("Expecting at least two arrays.")
    if n == 2:
        return cnp.dot(arrays[0], arrays[1])
    ndim_first, ndim_last = len(_shape(arrays[0])), len(_shape(arrays[-1]))
    if ndim_first == 1:
        arrays[0] = lax.reshape(arrays[0], (1, -1))
    if ndim_last == 1:
        arrays[-1] = lax.reshape(arrays[-1], (-1, 1))
    for a in arrays:
        if len(_shape(a)) != 2:
            raise LinAlgError(f"multi_dot: {len(_shape(a))}-dimensional array given. Array "
                              "must be two-dimensional")
    if n == 3:
        result = _multi_dot_three(*arrays)
    else:
        order = _matrix_chain_order(arrays)
        result = _multi_dot(arrays, order, 0, n - 1)
    if ndim_first == 1 and ndim_last == 1:
        return result[0, 0]
    if ndim_first == 1 or ndim_last == 1:
        return lax.reshape(result, (-1,))
    return result


def _multi_dot_three(A, B, C):
    a0, a1b0 = _shape(A)
    b1c0, c1 = _shape(C)
    cost1 = a0 * b1c0 * (a1b0 + c1)
    cost2 = a1b0 * c1 * (a0 + b1c0)
    if cost1 < cost2:
        return cnp.matmul(cnp.matmul(A, B), C)
    return cnp.matmul(A, cnp.matmul(B, C))


def _matrix_chain_order(arrays):
    n = len(arrays)
    p = [_shape(a)[0] for a in arrays] + [_shape(arrays[-1])[1]]
    m = np.zeros((n, n), dtype=np.float64)
    s = np.empty((n, n), dtype=np.intp)
    for ll in range(1, n):
        for i in range(n - ll):
            j = i + ll
            m[i, j] = np.inf
            for k in range(i, j):
                q = m[i, k] + m[k + 1, j] + p[i] * p[k + 1] * p[j + 1]
                if q < m[i, j]:
                    m[i, j] = q
                    s[i, j] = k
    return s


def _multi_dot(arrays, order, i, j):
    if i == j:
        return arrays[i]
    return cnp.matmul(_multi_dot(arrays, order, i, order[i, j]),
                      _multi_dot(arrays, order, order[i, j] + 1, j))


# ---------------------------------------------------------------------------------------
# Determinants
# ---------------------------------------------------------------------------------------


@numpy_fast_path(_nl.det)
def det(a):
    """Determinant of a (stack of) square matrices.

    The derivative is Jacobi's formula ``trace(adj(a) @ da)``: the gradient is the cofactor
    matrix ``adj(a).T``, computed from an SVD without dividing by a singular value, so it
    is exact at singular and nearly singular matrices too (nonzero at rank ``M - 1``, zero
    at rank ``M - 2`` or less).  Second derivatives are exact everywhere as well; third and
    higher ones need a condition number below ``1 / sqrt(eps)`` and raise ``LinAlgError``
    otherwise.

    Parameters
    ----------
    a : (..., M, M) array_like

    Returns
    -------
    det : (...) array_like

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> a = cnp.array([[2.0, 1.0], [1.0, 3.0]])
    >>> float(cnp.linalg.det(a))
    5.0
    >>> cr.grad(cnp.linalg.det)(a)  # det(a) * inv(a).T
    array([[ 3., -1.],
           [-1.,  2.]])
    >>> cr.grad(cnp.linalg.det)(cnp.array([[1.0, 2.0], [2.0, 4.0]]))  # singular
    array([[ 4., -2.],
           [-2.,  1.]])
    """
    a = _inexact(a, "det")
    _assert_stacked_square(a, "det")
    return _la.det(a)


@numpy_fast_path(_nl.slogdet)
def slogdet(a):
    """Sign and natural logarithm of the absolute value of the determinant.

    ``logabsdet`` is the numerically safe way to differentiate a log-determinant: its
    derivative is ``Re trace(solve(a, da))``.

    Parameters
    ----------
    a : (..., M, M) array_like

    Returns
    -------
    SlogdetResult
        ``(sign, logabsdet)``; ``sign`` has zero derivative for real input.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> a = cnp.array([[2.0, 0.0], [0.0, 3.0]])
    >>> sign, logdet = cnp.linalg.slogdet(a)
    >>> float(sign), round(float(logdet), 6)
    (1.0, 1.791759)
    >>> cr.grad(lambda a: cnp.linalg.slogdet(a).logabsdet)(a)
    array([[0.5       , 0.        ],
           [0.        , 0.33333333]])
    """
    a = _inexact(a, "slogdet")
    _assert_stacked_square(a, "slogdet")
    sign, logdet = _la.slogdet(a)
    return SlogdetResult(sign, logdet)


# ---------------------------------------------------------------------------------------
# Factorizations
# ---------------------------------------------------------------------------------------


def cholesky(a, /, *, upper=False):
    """Cholesky factor of a Hermitian positive-definite matrix.

    As in JAX, the factorization uses the Hermitian part ``(a + a^H) / 2`` of ``a``
    (NumPy reads only one triangle; for Hermitian input both agree), so gradients with
    respect to ``a`` are Hermitian.  The derivative is ``dL = L Phi(L^-1 dA L^-H)``
    (``Phi``: lower triangle with half the diagonal), with triangular solves.

    Parameters
    ----------
    a : (..., M, M) array_like
        Hermitian positive-definite matrices.
    upper : bool, optional
        Return the upper factor ``L^H`` instead of ``L``.

    Returns
    -------
    L : (..., M, M) ndarray
        ``a = L @ L^H`` (or ``U^H @ U`` with ``upper``).

    Raises
    ------
    LinAlgError
        If the matrix is not positive definite.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.cholesky(cnp.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    if _plain_square(a):
        try:
            L = _nl.cholesky(_la._hermitian_part(np, a))
        except LinAlgError:
            L = _la.cholesky_p.impl(np, a)  # raises, with the primitive's message
        return _la.adjoint(L) if upper else L
    a = _inexact(a, "cholesky")
    _assert_stacked_square(a, "cholesky")
    L = _la.cholesky(a)
    return _la.adjoint(L) if upper else L


@numpy_fast_path(_nl.qr)
def qr(a, mode="reduced"):
    """QR decomposition ``a = Q R``.

    Differentiable for every mode except ``"raw"`` and every shape.  With
    ``mode="complete"`` and ``M > N``, the last ``M - N`` columns of ``Q`` are any
    orthonormal completion; their derivative is the one that rotates the completion least
    (its derivative has no component inside the completion), which is what makes
    gauge-independent quantities such as ``Q2 @ Q2^H`` come out right.

    Parameters
    ----------
    a : (..., M, N) array_like
    mode : {"reduced", "complete", "r", "raw"}

    Returns
    -------
    QRResult ``(Q, R)``, or ``R`` for ``mode="r"``, or ``(h, tau)`` for ``mode="raw"``
    (computed by NumPy, without derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> q, r = cnp.linalg.qr(cnp.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> bool(cnp.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]]))
    True
    """
    a = _inexact(a, "qr")
    _assert_stacked_2d(a, "qr")
    if mode == "raw":
        value = concrete_value(a)
        if is_tracer(a):
            raise TypeError("qr(mode='raw') has no derivative; use mode='reduced' or "
                            "'complete' on traced values")
        return np.linalg.qr(value, mode="raw")
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    out = _la.qr(a, mode)
    return out[0] if mode == "r" else QRResult(*out)


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a Hermitian matrix.

    Uses the Hermitian part ``(a + a^H) / 2`` of ``a``, as JAX does, so gradients are
    Hermitian (NumPy reads only the ``UPLO`` triangle; for Hermitian input the results
    are identical).  Eigenvalue
    derivatives are ``diag(V^H dA V)``.  Eigenvector derivatives are
    ``V (F o V^H dA V)`` with ``F_ij = 1 / (w_j - w_i)``; for (numerically) repeated
    eigenvalues the corresponding entries of ``F`` are set to zero, i.e. the derivative
    does not rotate vectors inside a degenerate eigenspace (the eigenvectors there are
    not unique, so no choice is "the" derivative; quantities that do not depend on the
    choice, such as sums of the repeated eigenvalues, get their exact derivative).

    Parameters
    ----------
    a : (..., M, M) array_like
    UPLO : {"L", "U"}
        The triangle LAPACK works from, as in NumPy (the matrix is the same; eigenvector
        signs may differ between the two).

    Returns
    -------
    EighResult ``(eigenvalues, eigenvectors)``

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> a = cnp.array([[2.0, 1.0], [1.0, 2.0]])
    >>> cnp.linalg.eigh(a).eigenvalues
    array([1., 3.])
    >>> cr.grad(lambda a: cnp.linalg.eigh(a).eigenvalues[1])(a)  # v v^T
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    if _plain_square(a):
        try:
            return _nl.eigh(_la._hermitian_part(np, a), UPLO)
        except LinAlgError:
            _la.eigh_p.impl(np, a, UPLO == "L")  # raises, with the primitive's message
            raise
    a = _inexact(a, "eigh")
    _assert_stacked_square(a, "eigh")
    w, v = _la.eigh(a, lower=UPLO == "L")
    return EighResult(w, v)


def eigvalsh(a, UPLO="L"):
    """Eigenvalues (ascending) of a Hermitian matrix; see :func:`eigh`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.eigvalsh(cnp.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    if _plain_square(a) and (UPLO == "L" or UPLO == "U"):
        # NumPy's eigenvalue-only LAPACK driver, on the matrix eigh factorizes.
        try:
            return _nl.eigvalsh(_la._hermitian_part(np, a), UPLO)
        except LinAlgError:
            _la.eigh_p.impl(np, a, UPLO == "L")  # raises, with the primitive's message
            raise
    return eigh(a, UPLO).eigenvalues


def eig(a):
    """Eigenvalues and right eigenvectors of a general square matrix.

    The results are always complex (NumPy returns real arrays when every eigenvalue
    happens to be real; the values are the same).  Eigenvectors have unit norm; each is
    determined only up to a phase (a sign for real ones), and LAPACK fixes it by making
    the largest component real.  The derivative uses a smooth gauge instead: it keeps
    every column at unit norm and makes the diagonal of ``V^-1 dV`` real (no phase
    rotation).  Derivatives of phase-independent quantities (``v_k v_k^H``,
    ``|v_k|``, eigenvalues, ``V diag(f(w)) V^-1``) are therefore exact; raw eigenvector
    components of complex eigenvectors can differ from finite differences of LAPACK's
    output by a phase rotation.  Repeated eigenvalues are treated as in :func:`eigh`.

    Parameters
    ----------
    a : (..., M, M) array_like

    Returns
    -------
    EigResult ``(eigenvalues, eigenvectors)``, complex

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> a = cnp.array([[2.0, 1.0], [0.0, 3.0]])
    >>> cnp.linalg.eig(a).eigenvalues
    array([2.+0.j, 3.+0.j])
    >>> cr.grad(lambda a: cnp.real(cnp.linalg.eigvals(a)[1]))(a)
    array([[0., 1.],
           [0., 1.]])
    """
    if _plain_square(a):
        try:
            w, v = _nl.eig(a)
        except LinAlgError:
            _la.eig_p.impl(np, a)  # raises, with the primitive's message
            raise
        ctype = _la._complex_dtype(a.dtype)
        return EigResult(w.astype(ctype), v.astype(ctype))
    a = _inexact(a, "eig")
    _assert_stacked_square(a, "eig")
    w, v = _la.eig(a)
    return EigResult(w, v)


def eigvals(a):
    """Eigenvalues of a general square matrix (always complex); see :func:`eig`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.eigvals(cnp.array([[0.0, -1.0], [1.0, 0.0]]))
    array([0.+1.j, 0.-1.j])
    """
    if _plain_square(a):
        # NumPy's eigenvalue-only LAPACK driver; complex like every result of eig.
        try:
            w = _nl.eigvals(a)
        except LinAlgError:
            _la.eig_p.impl(np, a)  # raises, with the primitive's message
            raise
        return w.astype(_la._complex_dtype(a.dtype))
    return eig(a).eigenvalues


@numpy_fast_path(_nl.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition ``a = U @ diag(S) @ Vh``.

    Singular values are always differentiable: ``dS = Re diag(U^H dA V)``, which at
    repeated singular values is one element of the generalized gradient, and 0 for
    (numerically) zero singular values (the subgradient of ``|sigma|`` at 0, which is also
    what central differences give).  Singular
    vectors are differentiable where the singular values are distinct and nonzero; entries
    for (numerically) repeated singular values get zero rotation, as in :func:`eigh`, and
    the phase freedom of complex pairs ``(u_k, v_k)`` is put in ``u_k``.  With
    ``full_matrices=True`` and a non-square matrix, the extra columns of ``U`` (or rows of
    ``Vh``) are an arbitrary orthonormal completion; their derivative is the one that
    rotates the completion least.

    Parameters
    ----------
    a : (..., M, N) array_like
    full_matrices : bool
    compute_uv : bool
    hermitian : bool
        Accepted for compatibility; the general SVD is computed (same singular values,
        singular vectors possibly differing from NumPy's by signs).

    Returns
    -------
    SVDResult ``(U, S, Vh)``, or ``S`` when ``compute_uv`` is False.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> a = cnp.array([[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> cnp.linalg.svd(a, compute_uv=False)
    array([3., 2.])
    >>> cr.grad(lambda a: cnp.linalg.svd(a, compute_uv=False)[0])(a)
    array([[1., 0.],
           [0., 0.],
           [0., 0.]])
    """
    a = _inexact(a, "svd")
    _assert_stacked_2d(a, "svd")
    if not compute_uv:
        return _la.svd(a, False, False)[0]
    return SVDResult(*_la.svd(a, full_matrices, True))


@numpy_fast_path(_nl.svdvals)
def svdvals(x, /):
    """Singular values of a (stack of) matrices, in descending order.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.svdvals(cnp.array([[0.0, 2.0], [1.0, 0.0]]))
    array([2., 1.])
    """
    return svd(x, compute_uv=False)


@numpy_fast_path(_nl.pinv, 1, optional=("rcond",))
def pinv(a, rcond=None, hermitian=False, *, rtol=_NoValue):
    """Moore-Penrose pseudo-inverse.

    A primitive: composing it from the SVD would give wrong derivatives at repeated
    singular values.  Its derivative (valid where the rank does not change) is
    ``-P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P``.  It holds where the singular
    values that ``rcond`` drops are zero; differentiating a truncated pseudo-inverse (nonzero
    ones dropped) raises ``NotImplementedError`` (NaN under ``jit``/``vmap``).

    Parameters
    ----------
    a : (..., M, N) array_like
    rcond : float or array_like, optional
        Cutoff for small singular values, relative to the largest (default ``1e-15``).
    hermitian : bool
        Accepted for compatibility (no effect on the result).
    rtol : float or array_like, optional
        Array-API name for ``rcond``; ``rtol=None`` means ``max(M, N) * eps``.

    Returns
    -------
    B : (..., N, M) ndarray

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.pinv(cnp.array([[2.0, 0.0], [0.0, 0.0]]))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    a = _inexact(a, "pinv")
    _assert_stacked_2d(a, "pinv")
    if rcond is None:
        if rtol is _NoValue:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(_shape(a)[-2:]) * np.finfo(real_dtype(_dtype(a))).eps
        else:
            rcond = rtol
    elif rtol is not _NoValue:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    return _la.pinv(a, _cutoff(rcond, real_dtype(_dtype(a))))


@numpy_fast_path(_nl.lstsq, 2, optional=("rcond",))
def lstsq(a, b, rcond=None):
    """Least-squares solution of ``a @ x = b`` (minimal norm when ``a`` is rank deficient).

    ``x`` is computed as ``pinv(a, rcond) @ b`` and is differentiable in ``a`` and ``b``
    where the rank does not change; the residuals and singular values are differentiable
    too, the rank is an integer.

    Parameters
    ----------
    a : (M, N) array_like
    b : {(M,), (M, K)} array_like
    rcond : float, optional
        Singular values below ``rcond`` times the largest count as zero; default
        ``eps * max(M, N)``.

    Returns
    -------
    x : {(N,), (N, K)} ndarray
    residuals : {(1,), (K,), (0,)} ndarray
        Squared residual norms when ``rank == N < M``, otherwise empty.
    rank : numpy.int32
    s : (min(M, N),) ndarray
        Singular values of ``a``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> a = cnp.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> x, res, rank, s = cnp.linalg.lstsq(a, cnp.array([1.0, 2.0, 2.0]))
    >>> x.round(6), int(rank)
    (array([1.166667, 0.5     ]), 2)
    """
    a, b = _common("lstsq", a, b)
    if len(_shape(a)) != 2:
        raise LinAlgError(f"lstsq: {len(_shape(a))}-dimensional array given. Array must be "
                          "two-dimensional")
    is_1d = len(_shape(b)) == 1
    if is_1d:
        b = lax.reshape(b, _shape(b) + (1,))
    if len(_shape(b)) != 2:
        raise LinAlgError(f"lstsq: {len(_shape(b))}-dimensional array given. Array must be "
                          "one or two-dimensional")
    m, n = _shape(a)
    if _shape(b)[0] != m:
        raise LinAlgError("Incompatible dimensions")
    real_dt = real_dtype(_dtype(a))
    if rcond is None:
        rcond = np.finfo(real_dt).eps * max(m, n)
    rcond = _cutoff(rcond, real_dt)
    x = cnp.matmul(_la.pinv(a, rcond), b)
    s = svdvals(a)
    s_val = concrete_value(s)
    if s_val is None:
        raise TypeError("lstsq needs concrete values to determine the rank (the shape of its "
                        "residuals); call it outside jit, or use pinv(a) @ b")
    s_val = np.asarray(s_val)
    rank = int(np.sum(s_val > concrete_value(rcond) * s_val[0])) if s_val.size else 0
    if rank == n and m > n:
        resids = cnp.sum(_abs2(lax.sub(b, cnp.matmul(a, x))), axis=0)
    else:
        resids = np.empty((0,), dtype=real_dt)
    if is_1d:
        x = lax.reshape(x, (n,))
    return x, resids, np.int32(rank), s


@numpy_fast_path(_nl.matrix_rank, 1, optional=("tol", "rtol"))
def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """Rank of a (stack of) matrices: the number of singular values above ``tol``.

    An integer, so it has no derivative (it is computed from the values only).

    Parameters
    ----------
    A : {(M,), (..., M, N)} array_like
    tol : float or array_like, optional
        Absolute threshold; default ``S.max() * max(M, N) * eps`` (or ``rtol * S.max()``).
    hermitian : bool
        Accepted for compatibility.
    rtol : float or array_like, optional
        Relative threshold.

    Returns
    -------
    rank : (...) int array

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> int(cnp.linalg.matrix_rank(cnp.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    A = stop_gradient(_asarray(A))
    if len(_shape(A)) < 2:
        return int(not cnp.all(A == 0))
    S = svdvals(A)
    if tol is None:
        if rtol is None:
            rtol = max(_shape(A)[-2:]) * np.finfo(_dtype(S)).eps
        else:
            rtol = cnp.asarray(rtol)[..., None]
        tol = cnp.max(S, axis=-1, keepdims=True) * rtol
    else:
        tol = cnp.asarray(tol)[..., None]
    return cnp.sum(cnp.astype(S > tol, np.int64), axis=-1)


@numpy_fast_path(_nl.cond)
def cond(x, p=None):
    """Condition number of a (stack of) matrices in the norm ``p``.

    ``p`` in ``(None, 2, -2)`` uses singular values (any shape, infinite for singular
    matrices); other norms use ``norm(x, p) * norm(inv(x), p)`` on square matrices and
    return ``inf`` (with no derivative) for singular ones, like NumPy.

    Parameters
    ----------
    x : (..., M, N) array_like
    p : {None, 1, -1, 2, -2, inf, -inf, "fro", "nuc"}, optional

    Returns
    -------
    c : (...) ndarray

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.linalg.cond(cnp.array([[2.0, 0.0], [0.0, 0.5]])))
    4.0
    """
    x = _inexact(x, "cond")
    _assert_stacked_2d(x, "cond")
    if get_aval(x).size == 0:
        raise LinAlgError("cond is not defined on empty arrays")
    if p is None or p == 2 or p == -2:
        s = svdvals(x)
        first, last = s[..., 0], s[..., -1]
        with np.errstate(all="ignore"):
            return _scalar(lax.div(last, first) if p == -2 else lax.div(first, last))
    _assert_stacked_square(x, "cond")
    try:
        ix = inv(x)
    except LinAlgError:
        value = concrete_value(x)
        if value is None:
            raise
        with np.errstate(all="ignore"):
            return np.linalg.cond(np.asarray(value), p)
    return _scalar(lax.mul(norm(x, p, axis=(-2, -1)), norm(ix, p, axis=(-2, -1))))


# ---------------------------------------------------------------------------------------
# Norms
# ---------------------------------------------------------------------------------------


def _vector_norm(x, ord, axes, keepdims):
    """p-norms over ``axes`` (a tuple), differentiable with finite subgradients at zero."""
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord is None or ord == 2:
        return lax.nonneg_sqrt(cnp.sum(_abs2(x), axis=axes, keepdims=keepdims))
    ax = _abs(x)
    if ord == np.inf:
        return cnp.max(ax, axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return cnp.min(ax, axis=axes, keepdims=keepdims)
    if ord == 0:
        nonzero = lax.convert_element_type(lax.ne(x, 0), _dtype(ax))
        return cnp.sum(nonzero, axis=axes, keepdims=keepdims)
    if ord == 1:
        return cnp.sum(ax, axis=axes, keepdims=keepdims)
    ord = float(ord)
    zero = lax.eq(ax, 0)
    powed = lax.select(zero, 0.0, lax.pow(lax.select(zero, 1.0, ax), ord))
    total = cnp.sum(powed, axis=axes, keepdims=keepdims)
    if ord < 0:
        # sum |x|^p is infinite when an entry is 0, and the norm is 0 there.
        any_zero = cnp.any(zero, axis=axes, keepdims=keepdims)
        pos = lax.logical_and(lax.logical_not(any_zero), lax.gt(total, 0))
    else:
        pos = lax.gt(total, 0)
    return lax.select(pos, lax.pow(lax.select(pos, total, 1.0), 1.0 / ord), 0.0)


def _matrix_norm(x, ord, row, col, keepdims):
    if ord in (2, -2, "nuc"):
        s = svdvals(cnp.moveaxis(x, (row, col), (-2, -1)))
        if ord == 2:
            ret = cnp.max(s, axis=-1)
        elif ord == -2:
            ret = cnp.min(s, axis=-1)
        else:
            ret = cnp.sum(s, axis=-1)
    elif ord in (None, "fro", "f"):
        ret = lax.nonneg_sqrt(cnp.sum(_abs2(x), axis=(row, col)))
    elif ord in (1, -1, np.inf, -np.inf):
        reduce = cnp.max if ord > 0 else cnp.min
        if ord in (1, -1):
            sums, other = cnp.sum(_abs(x), axis=row), col - (col > row)
        else:
            sums, other = cnp.sum(_abs(x), axis=col), row - (row > col)
        ret = reduce(sums, axis=other)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shape = list(_shape(x))
        shape[row] = shape[col] = 1
        ret = lax.reshape(ret, shape)
    return ret


@numpy_fast_path(_nl.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """Matrix or vector norm, with NumPy's choice of ``ord`` and ``axis``.

    Every ``ord`` NumPy accepts is supported: for vectors ``None``/2, 1, ``inf``,
    ``-inf``, 0 (a count: no derivative) and any other real ``p`` (``sum |x|^p``
    ``** (1/p)``); for matrices ``None``/``"fro"``, ``"nuc"``, 1, -1, 2, -2, ``inf``,
    ``-inf``.

    Norms are not differentiable at zero; chainrule returns the subgradient 0 there for
    every ``ord``, never NaN. Even powers of a 2-norm or Frobenius norm (``norm(x) ** 2``)
    are smooth, and have every derivative there, ``hessian`` included.  Likewise, entries
    equal to zero contribute a zero derivative to vector p-norms (exactly right for
    ``p > 1``, a subgradient for ``p <= 1``), and zero singular values contribute none to
    the spectral and nuclear norms (see :func:`svd`).

    Parameters
    ----------
    x : array_like
    ord : {None, int, float, inf, -inf, "fro", "nuc"}, optional
    axis : {None, int, (int, int)}, optional
    keepdims : bool, optional

    Returns
    -------
    n : float or ndarray

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> float(cnp.linalg.norm(cnp.array([3.0, 4.0])))
    5.0
    >>> cr.grad(cnp.linalg.norm)(cnp.zeros(3))  # a subgradient, not NaN
    array([0., 0., 0.])
    """
    x = _asarray(x)
    if _dtype(x).kind not in "fc":
        x = lax.convert_element_type(x, np.float64)
    nd = len(_shape(x))
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            ret = lax.nonneg_sqrt(cnp.sum(_abs2(x)))
            return lax.reshape(ret, (1,) * nd) if keepdims else _scalar(ret)
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = int(axis)
        except Exception as e:
            raise TypeError("'axis' must be None, an integer or a tuple of integers") from e
        axis = (axis,)
    if len(axis) == 1:
        ax = axis[0]
        if not -nd <= ax < nd:
            raise np.exceptions.AxisError(f"axis {ax} is out of bounds for array of dimension "
                                          f"{nd}")
        return _scalar(_vector_norm(x, ord, (ax % nd,), keepdims))
    if len(axis) == 2:
        row, col = axis
        for a in (row, col):
            if not -nd <= a < nd:
                raise np.exceptions.AxisError(f"axis {a} is out of bounds for array of "
                                              f"dimension {nd}")
        row, col = row % nd, col % nd
        if row == col:
            raise ValueError("Duplicate axes given.")
        return _scalar(_matrix_norm(x, ord, row, col, keepdims))
    raise ValueError("Improper number of dimensions to norm.")


@numpy_fast_path(_nl.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """Vector norm over ``axis`` (all axes when None, any number of axes), as
    ``numpy.linalg.vector_norm``; see :func:`norm` for the behaviour at zero.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.vector_norm(cnp.array([[3.0, 4.0], [0.0, 1.0]]), axis=1)
    array([5., 1.])
    """
    x = _asarray(x)
    if _dtype(x).kind not in "fc":
        x = lax.convert_element_type(x, np.float64)
    nd = len(_shape(x))
    if axis is None:
        axes = tuple(range(nd))
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        for a in axes:
            if not -nd <= a < nd:
                raise np.exceptions.AxisError(f"axis {a} is out of bounds for array of "
                                              f"dimension {nd}")
        axes = tuple(sorted(int(a) % nd for a in axes))
        if len(set(axes)) != len(axes):
            raise ValueError("repeated axis in vector_norm")
    if nd == 0:
        return _scalar(lax.reshape(_vector_norm(lax.reshape(x, (1,)), ord, (0,), False), ()))
    return _scalar(_vector_norm(x, ord, axes, keepdims))


@numpy_fast_path(_nl.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """Matrix norm over the last two axes, as ``numpy.linalg.matrix_norm``; see
    :func:`norm`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.linalg.matrix_norm(cnp.array([[3.0, 0.0], [0.0, 4.0]]), ord=2))
    4.0
    """
    x = _asarray(x)
    _assert_stacked_2d(x, "matrix_norm")
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


# ---------------------------------------------------------------------------------------
# The NumPy 2 array-API functions of numpy.linalg
# ---------------------------------------------------------------------------------------


@numpy_fast_path(_nl.matmul, 2)
def matmul(x1, x2, /):
    """Matrix product (``chainrule.numpy.matmul``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.matmul(cnp.eye(2), cnp.array([1.0, 2.0]))
    array([1., 2.])
    """
    return cnp.matmul(x1, x2)


@numpy_fast_path(_nl.matrix_transpose)
def matrix_transpose(x, /):
    """Swap the last two axes of a (stack of) matrices.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.matrix_transpose(cnp.ones((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = _asarray(x)
    if len(_shape(x)) < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return cnp.matrix_transpose(x)


@numpy_fast_path(_nl.outer, 2)
def outer(x1, x2, /):
    """Outer product of two 1-D vectors.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.outer(cnp.array([1.0, 2.0]), cnp.array([3.0, 4.0]))
    array([[3., 4.],
           [6., 8.]])
    """
    x1, x2 = _asarray(x1), _asarray(x2)
    if len(_shape(x1)) != 1 or len(_shape(x2)) != 1:
        raise ValueError(f"Input arrays must be one-dimensional, but they are "
                         f"x1.ndim={len(_shape(x1))} and x2.ndim={len(_shape(x2))}.")
    return cnp.outer(x1, x2)


@numpy_fast_path(_nl.cross, 2)
def cross(x1, x2, /, *, axis=-1):
    """Cross product of 3-element vectors along ``axis``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.cross(cnp.array([1.0, 0.0, 0.0]), cnp.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    x1, x2 = _asarray(x1), _asarray(x2)
    if _shape(x1)[axis] != 3 or _shape(x2)[axis] != 3:
        raise ValueError(f"Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they are {_shape(x1)[axis]} and {_shape(x2)[axis]} dimensional "
                         "instead.")
    return cnp.cross(x1, x2, axis=axis)


@numpy_fast_path(_nl.vecdot, 2)
def vecdot(x1, x2, /, *, axis=-1):
    """Vector dot product along ``axis`` (conjugating ``x1``), broadcasting the rest.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.vecdot(cnp.array([[1.0, 2.0], [3.0, 4.0]]), cnp.array([1.0, 1.0]))
    array([3., 7.])
    """
    return cnp.vecdot(x1, x2, axis=axis)


@numpy_fast_path(_nl.tensordot, 2)
def tensordot(x1, x2, /, *, axes=2):
    """Tensor dot product (``chainrule.numpy.tensordot``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.linalg.tensordot(cnp.ones((2, 3)), cnp.ones((2, 3))))
    6.0
    """
    return cnp.tensordot(x1, x2, axes=axes)


@numpy_fast_path(_nl.trace)
def trace(x, /, *, offset=0, dtype=None):
    """Sum along a diagonal of the last two axes.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.trace(cnp.stack([cnp.eye(2), 2 * cnp.eye(2)]))
    array([2., 4.])
    """
    x = _asarray(x)
    _assert_stacked_2d(x, "trace")
    return cnp.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


@numpy_fast_path(_nl.diagonal)
def diagonal(x, /, *, offset=0):
    """Diagonal of the last two axes.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.linalg.diagonal(cnp.array([[1.0, 2.0], [3.0, 4.0]]))
    array([1., 4.])
    """
    x = _asarray(x)
    _assert_stacked_2d(x, "diagonal")
    return cnp.diagonal(x, offset=offset, axis1=-2, axis2=-1)


__all__ = ["EigResult", "EighResult", "LinAlgError", "QRResult", "SVDResult", "SlogdetResult",
           "cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
           "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
           "vector_norm"]
