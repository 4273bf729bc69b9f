"""Polynomials (NumPy's ``poly*`` functions), convolution, numerical differences and
integrals, and linear interpolation.

Everything is composed from differentiable ``chainrule.numpy`` operations: convolutions are
a gather of sliding windows times the kernel, ``polyfit`` is NumPy's scaled least-squares
fit through :func:`chainrule.numpy.linalg.lstsq`, and ``roots`` are the eigenvalues of the
companion matrix.  ``interp`` finds its intervals with the ``searchsorted`` primitive, so
it stages under ``jit`` and batches under ``vmap``; ``roots``, ``poly`` and ``polydiv`` need
concrete values (the shape or dtype of their result depends on them).
"""

from __future__ import annotations

import warnings

import numpy as np

from . import base as cnp
from . import linalg

from ..core import concrete_value, is_tracer
from ._util import asarray_any, concrete, dtype_of, ndim_of, normalize_axes, \
    normalize_axis, shape_of
from .fastpath import PLAIN_TYPES, numpy_fast_path
from .indexing import getitem

_REAL_OR_COMPLEX = "whether its result is real or complex depends on them"


def _slice(ndim, axis, sl):
    return (slice(None),) * axis + (sl,) + (slice(None),) * (ndim - axis - 1)


# --- convolution ------------------------------------------------------------------------
def _correlate_full(a, v):
    """``c[k] = sum_j a_padded[k + j] v[j]`` for every lag (no conjugation)."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    dt = np.result_type(dtype_of(a), dtype_of(v))
    a, v = cnp.astype(a, dt), cnp.astype(v, dt)
    zeros = cnp.zeros((m - 1,), dt)
    padded = cnp.concatenate((zeros, a, zeros))
    windows = np.arange(n + m - 1)[:, None] + np.arange(m)[None, :]
    return cnp.matmul(getitem(padded, windows), v)


def _check_1d(a, v):
    a, v = asarray_any(a), asarray_any(v)
    if ndim_of(a) == 0 or ndim_of(v) == 0 or ndim_of(a) > 1 or ndim_of(v) > 1:
        a, v = cnp.atleast_1d(a), cnp.atleast_1d(v)
        if ndim_of(a) > 1 or ndim_of(v) > 1:
            raise ValueError("object too deep for desired array")
    if shape_of(a)[0] == 0:
        raise ValueError("a cannot be empty")
    if shape_of(v)[0] == 0:
        raise ValueError("v cannot be empty")
    return a, v


def _mode_slice(full, n, m, mode, correlate):
    lo, hi = min(n, m), max(n, m)
    if mode == "full":
        return full
    if mode == "valid":
        return full[lo - 1:lo - 1 + hi - lo + 1]
    if mode == "same":
        off = (lo - 1) // 2
        if correlate and n < m:
            off = lo - 1 - off
        return full[off:off + hi]
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


@numpy_fast_path(np.convolve, ("a", "v"))
def convolve(a, v, mode="full"):
    """Discrete linear convolution of two one-dimensional sequences.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.convolve(cnp.array([1.0, 2.0, 3.0]), cnp.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> cr.grad(lambda v: cnp.convolve(cnp.array([1.0, 2.0]), v, "valid")[0])(
    ...     cnp.array([1.0, 1.0]))
    array([2., 1.])
    """
    a, v = _check_1d(a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    return _mode_slice(_correlate_full(a, cnp.flip(v)), n, m, mode, False)


@numpy_fast_path(np.correlate, ("a", "v"))
def correlate(a, v, mode="valid"):
    """Cross-correlation of two one-dimensional sequences (``v`` is conjugated).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.correlate(cnp.array([1.0, 2.0, 3.0]), cnp.array([0.0, 1.0, 0.5]), "full")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    a, v = _check_1d(a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    if dtype_of(v).kind == "c":
        v = cnp.conj(v)
    return _mode_slice(_correlate_full(a, v), n, m, mode, True)


# --- polynomials ------------------------------------------------------------------------
@numpy_fast_path(np.polyval, ("p", "x"))
def polyval(p, x):
    """Value of the polynomial with coefficients ``p`` (highest power first) at ``x``
    (Horner's scheme); differentiable in ``p`` and ``x``.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> float(cnp.polyval(cnp.array([1.0, 0.0, -2.0]), 3.0))
    7.0
    >>> float(cr.grad(lambda x: cnp.polyval(cnp.array([1.0, 0.0, -2.0]), x))(3.0))
    6.0
    """
    if isinstance(p, np.poly1d):
        p = p.coeffs
    p, x = cnp.asarray(p), asarray_any(x)
    y = cnp.zeros_like(x)
    for i in range(shape_of(p)[0]):
        y = y * x + p[i]
    return y


@numpy_fast_path(np.vander)
def vander(x, N=None, increasing=False):  # noqa: N803 - mirrors numpy.vander
    """Vandermonde matrix: the columns are powers of ``x`` (decreasing unless
    ``increasing``), built by cumulative products, so the derivative is exact at 0.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.vander(cnp.array([1.0, 2.0, 3.0]), 3)
    array([[1., 1., 1.],
           [4., 2., 1.],
           [9., 3., 1.]])
    """
    x = asarray_any(x)
    if ndim_of(x) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0]
    if N is None:
        N = n
    dt = np.promote_types(dtype_of(x), int)
    x = cnp.astype(x, dt)
    if N == 0:
        return cnp.zeros((n, 0), dt)
    cols = cnp.concatenate((cnp.ones((n, 1), dt), cnp.broadcast_to(x[:, None], (n, N - 1))),
                           axis=1)
    v = cnp.cumprod(cols, axis=1)
    return v if increasing else cnp.flip(v, axis=1)


@numpy_fast_path(np.polyder)
def polyder(p, m=1):
    """Coefficients of the ``m``-th derivative of the polynomial ``p``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.polyder(cnp.array([1.0, 1.0, 1.0, 1.0]))
    array([3., 2., 1.])
    """
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    if isinstance(p, np.poly1d):
        return np.polyder(p, m)
    p = cnp.asarray(p)
    if m == 0:
        return p
    n = shape_of(p)[0] - 1
    return polyder(p[:-1] * np.arange(n, 0, -1), m - 1)


@numpy_fast_path(np.polyint, optional=("k",))
def polyint(p, m=1, k=None):
    """Coefficients of the ``m``-th antiderivative of ``p`` with integration constants
    ``k`` (differentiable in ``p`` and ``k``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.polyint(cnp.array([3.0, 2.0, 1.0]))
    array([1., 1., 1., 0.])
    """
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    if isinstance(p, np.poly1d):
        return np.polyint(p, m, k)
    if k is None:
        k = np.zeros(m, float)
    k = cnp.atleast_1d(k)
    if shape_of(k)[0] == 1 and m > 1:
        k = k[0] * np.ones(m, float)
    if shape_of(k)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = cnp.asarray(p)
    if m == 0:
        return p
    y = cnp.concatenate((p / np.arange(shape_of(p)[0], 0, -1), k[0:1]))
    return polyint(y, m - 1, k=k[1:])


def _poly_pair(a1, a2):
    return cnp.atleast_1d(a1), cnp.atleast_1d(a2)


def _padded(a, n):
    return cnp.concatenate((cnp.zeros((n,), dtype_of(a)), a)) if n else a


@numpy_fast_path(np.polyadd, ("a1", "a2"))
def polyadd(a1, a2):
    """Sum of two polynomials (coefficients highest power first).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.polyadd(cnp.array([1.0, 2.0]), cnp.array([1.0, 0.0, 0.0]))
    array([1., 1., 2.])
    """
    a1, a2 = _poly_pair(a1, a2)
    d = shape_of(a2)[0] - shape_of(a1)[0]
    return _padded(a1, max(d, 0)) + _padded(a2, max(-d, 0))


@numpy_fast_path(np.polysub, ("a1", "a2"))
def polysub(a1, a2):
    """Difference of two polynomials (coefficients highest power first).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.polysub(cnp.array([1.0, 2.0]), cnp.array([1.0, 0.0, 0.0]))
    array([-1.,  1.,  2.])
    """
    a1, a2 = _poly_pair(a1, a2)
    d = shape_of(a2)[0] - shape_of(a1)[0]
    return _padded(a1, max(d, 0)) - _padded(a2, max(-d, 0))


@numpy_fast_path(np.polymul, ("a1", "a2"))
def polymul(a1, a2):
    """Product of two polynomials (the convolution of their coefficients).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.polymul(cnp.array([1.0, 1.0]), cnp.array([1.0, -1.0]))
    array([ 1.,  0., -1.])
    """
    a1, a2 = _poly_pair(a1, a2)
    return convolve(a1, a2)


@numpy_fast_path(np.polyfit, ("x", "y"), optional=("w",))
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit of degree ``deg``, NumPy's algorithm (a column-scaled
    Vandermonde matrix solved with :func:`chainrule.numpy.linalg.lstsq`), differentiable in
    ``x``, ``y`` and ``w``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.array([0.0, 1.0, 2.0, 3.0])
    >>> cnp.round(cnp.polyfit(x, 2.0 * x + 1.0, 1), 12)
    array([2., 1.])
    """
    order = int(deg) + 1
    x = cnp.asarray(x) + 0.0
    y = cnp.asarray(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if ndim_of(x) != 1:
        raise TypeError("expected 1D vector for x")
    if shape_of(x)[0] == 0:
        raise TypeError("expected non-empty vector for x")
    if ndim_of(y) < 1 or ndim_of(y) > 2:
        raise TypeError("expected 1D or 2D array for y")
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError("expected x and y to have same length")
    n = shape_of(x)[0]
    if rcond is None:
        rcond = n * np.finfo(dtype_of(x)).eps
    lhs = vander(x, order)
    rhs = y
    if w is not None:
        w = cnp.asarray(w) + 0.0
        if ndim_of(w) != 1:
            raise TypeError("expected a 1-d array for weights")
        if shape_of(w)[0] != n:
            raise TypeError("expected w and y to have the same length")
        lhs = lhs * w[:, None]
        rhs = rhs * (w[:, None] if ndim_of(rhs) == 2 else w)
    scale = cnp.sqrt(cnp.sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
    c = cnp.transpose(cnp.transpose(c) / scale)
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning,
                      stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    if cov:
        vbase = linalg.inv(cnp.matmul(cnp.transpose(lhs), lhs))
        vbase = vbase / cnp.outer(scale, scale)
        if cov == "unscaled":
            fac = 1
        else:
            if n <= order:
                raise ValueError("the number of data points must exceed order to scale the "
                                 "covariance matrix")
            fac = resids / (n - order)
        if ndim_of(y) == 1:
            return c, vbase * fac
        return c, vbase[:, :, None] * fac
    return c


@numpy_fast_path(np.roots)
def roots(p):
    """Roots of the polynomial ``p``: the eigenvalues of its companion matrix
    (differentiable where :func:`chainrule.numpy.linalg.eigvals` is: simple roots).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.sort(cnp.roots(cnp.array([1.0, -3.0, 2.0])))
    array([1., 2.])
    """
    p = cnp.atleast_1d(p)
    if ndim_of(p) != 1:
        raise ValueError("Input must be a rank-1 array.")
    non_zero = np.nonzero(np.ravel(concrete(p, "roots")))[0]
    if len(non_zero) == 0:
        return np.array([])
    trailing = shape_of(p)[0] - int(non_zero[-1]) - 1
    p = p[int(non_zero[0]):int(non_zero[-1]) + 1]
    if dtype_of(p).kind not in "fc":
        p = cnp.astype(p, float)
    N = shape_of(p)[0]
    if N > 1:
        below = np.diag(np.ones(N - 2, dtype_of(p)), -1)
        first = cnp.concatenate((-p[1:] / p[0], cnp.zeros(((N - 1) * (N - 2),), dtype_of(p))))
        A = cnp.reshape(first, (N - 1, N - 1)) + below
        r = linalg.eigvals(A)
        if dtype_of(r).kind == "c" and dtype_of(p).kind != "c" and not np.any(
                np.imag(concrete(r, "roots", _REAL_OR_COMPLEX))):
            r = cnp.real(r)  # NumPy's eigvals returns real eigenvalues as real numbers
    else:
        r = np.array([])
    if trailing:
        r = cnp.concatenate((r, cnp.zeros((trailing,), dtype_of(r))))
    return r


@numpy_fast_path(np.poly)
def poly(seq_of_zeros):
    """Coefficients (highest power first, leading 1) of the monic polynomial with the given
    roots, or with the eigenvalues of a square matrix as roots.  Differentiable in the roots
    (and in the matrix where its eigenvalues are simple).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.poly(cnp.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    >>> cr.grad(lambda r: cnp.poly(r)[2])(cnp.array([1.0, 2.0]))  # d(r0 r1)
    array([2., 1.])
    """
    seq = cnp.atleast_1d(seq_of_zeros)
    shape = shape_of(seq)
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] != 0:
        seq = linalg.eigvals(seq)
        if dtype_of(seq).kind == "c" and not np.any(
                np.imag(concrete(seq, "poly", _REAL_OR_COMPLEX))):
            seq = cnp.real(seq)  # NumPy's eigvals returns real eigenvalues as real numbers
    elif len(shape) == 1:
        dt = dtype_of(seq)
        target = np.dtype(np.mintypecode(dt.char))
        if target != dt:
            seq = cnp.astype(seq, target)
    else:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if shape_of(seq)[0] == 0:
        return 1.0
    dt = dtype_of(seq)
    a = cnp.ones((1,), dt)
    for k in range(shape_of(seq)[0]):
        a = convolve(a, cnp.concatenate((cnp.ones((1,), dt), -seq[k:k + 1])), mode="full")
    if dtype_of(a).kind == "c":
        roots = np.asarray(concrete(seq, "poly", _REAL_OR_COMPLEX), complex)
        if np.all(np.sort(roots) == np.sort(roots.conjugate())):
            a = cnp.real(a)  # conjugate pairs: the coefficients are real
    return a


@numpy_fast_path(np.polydiv, ("u", "v"))
def polydiv(u, v):
    """Quotient and remainder of the division of polynomial ``u`` by ``v`` (coefficients
    highest power first), by NumPy's long division; differentiable in both.  Leading
    remainder coefficients that are zero (relative tolerance 1e-14) are dropped, as NumPy
    does, on the current values.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> q, r = cnp.polydiv(cnp.array([3.0, 5.0, 2.0]), cnp.array([2.0, 1.0]))
    >>> q, r
    (array([1.5 , 1.75]), array([0.25]))
    """
    if isinstance(u, np.poly1d) or isinstance(v, np.poly1d):
        return np.polydiv(u, v)
    u = cnp.atleast_1d(u) + 0.0
    v = cnp.atleast_1d(v) + 0.0
    dt = np.result_type(dtype_of(u), dtype_of(v))
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = 1.0 / v[0]
    q = cnp.zeros((max(m - n + 1, 1),), dt)
    r = cnp.astype(u, dt)
    for k in range(m - n + 1):
        d = scale * r[k]
        q = cnp.at(q)[k].set(d)
        r = cnp.at(r)[k:k + n + 1].add(-(d * v))
    while shape_of(r)[-1] > 1 and np.allclose(concrete(r[0], "polydiv"), 0, rtol=1e-14):
        r = r[1:]
    return q, r


# --- differences, integrals, interpolation ---------------------------------------------
def gradient(f, *varargs, axis=None, edge_order=1):
    """Numerical gradient by second-order central differences (one-sided differences of
    order ``edge_order`` at the boundaries), with NumPy's spacing arguments: scalars or
    coordinate arrays per axis.  Differentiable in ``f`` and in the spacing.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.gradient(cnp.array([1.0, 2.0, 4.0, 7.0]))
    array([1. , 1.5, 2.5, 3. ])
    >>> cnp.gradient(cnp.array([1.0, 2.0, 4.0, 7.0]), 2.0, edge_order=2)
    array([0.25, 0.75, 1.25, 1.75])
    """
    if type(f) in PLAIN_TYPES and all(type(d) in PLAIN_TYPES for d in varargs):
        return np.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    f = asarray_any(f)
    nd = ndim_of(f)
    axes = normalize_axes(axis, nd) if axis is not None else tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        axes = (normalize_axis(axis, nd),)
    elif axis is not None:
        axes = tuple(normalize_axis(a, nd) for a in axis)
    k = len(axes)
    if len(varargs) == 0:
        dx = [1.0] * k
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0 and not (
            is_tracer(varargs[0]) and ndim_of(varargs[0]) > 0):
        dx = list(varargs) * k
    elif len(varargs) == k:
        dx = []
        for i, d in enumerate(varargs):
            d = asarray_any(d)
            if ndim_of(d) == 0:
                dx.append(d)
                continue
            if ndim_of(d) != 1:
                raise ValueError("distances must be either scalars or 1d")
            if shape_of(d)[0] != shape_of(f)[axes[i]]:
                raise ValueError("when 1d, distances must match the length of the "
                                 "corresponding dimension")
            if dtype_of(d).kind in "biu":
                d = cnp.astype(d, np.float64)
            diffx = cnp.diff(d)
            values = concrete_value(diffx)
            # Uniform spacing takes NumPy's uniform formula; spacing known only abstractly
            # (jit, vmap) takes the general one, equal up to rounding.
            if values is not None and values.size and np.all(values == values[0]):
                diffx = diffx[0]
            dx.append(diffx)
    else:
        raise TypeError("invalid number of arguments")
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    if dtype_of(f).kind in "biu":
        f = cnp.astype(f, np.float64)
    outs = []
    for ax, d in zip(axes, dx):
        if shape_of(f)[ax] < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        outs.append(_gradient_axis(f, ax, d, edge_order))
    return outs[0] if k == 1 else tuple(outs)


def _gradient_axis(f, ax, d, edge_order):
    nd = ndim_of(f)

    def at(sl):
        return f[_slice(nd, ax, sl)]

    def along(c):  # a 1-d coefficient array laid along ``ax``
        return cnp.reshape(c, tuple(-1 if i == ax else 1 for i in range(nd)))

    uniform = ndim_of(d) == 0
    if uniform:
        interior = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * d)
    else:
        dx1, dx2 = d[0:-1], d[1:]
        a = along(-dx2 / (dx1 * (dx1 + dx2)))
        b = along((dx2 - dx1) / (dx1 * dx2))
        c = along(dx1 / (dx2 * (dx1 + dx2)))
        interior = a * at(slice(None, -2)) + b * at(slice(1, -1)) + c * at(slice(2, None))
    if edge_order == 1:
        first = (at(slice(1, 2)) - at(slice(0, 1))) / (d if uniform else d[0])
        last = (at(slice(-1, None)) - at(slice(-2, -1))) / (d if uniform else d[-1])
    else:
        if uniform:
            a, b, c = -1.5 / d, 2.0 / d, -0.5 / d
        else:
            dx1, dx2 = d[0], d[1]
            a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = -dx1 / (dx2 * (dx1 + dx2))
        first = a * at(slice(0, 1)) + b * at(slice(1, 2)) + c * at(slice(2, 3))
        if uniform:
            a, b, c = 0.5 / d, -2.0 / d, 1.5 / d
        else:
            dx1, dx2 = d[-2], d[-1]
            a = dx2 / (dx1 * (dx1 + dx2))
            b = -(dx2 + dx1) / (dx1 * dx2)
            c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * at(slice(-3, -2)) + b * at(slice(-2, -1)) + c * at(slice(-1, None))
    out = cnp.concatenate((first, interior, last), axis=ax)
    return cnp.astype(out, dtype_of(f)) if dtype_of(out) != dtype_of(f) else out


@numpy_fast_path(np.trapezoid, ("y",), optional=("x",))
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule, with sample points ``x``
    or a uniform spacing ``dx`` (differentiable in all three).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> float(cnp.trapezoid(cnp.array([1.0, 2.0, 3.0])))
    4.0
    >>> cr.grad(cnp.trapezoid)(cnp.array([1.0, 2.0, 3.0]))
    array([0.5, 1. , 0.5])
    """
    y = asarray_any(y)
    nd = ndim_of(y)
    ax = normalize_axis(axis, nd)
    if x is None:
        d = dx
    else:
        x = asarray_any(x)
        if ndim_of(x) == 1:
            d = cnp.diff(x)
            d = cnp.reshape(d, tuple(-1 if i == ax else 1 for i in range(nd)))
        else:
            d = cnp.diff(x, axis=axis)
    s = d * (y[_slice(nd, ax, slice(1, None))] + y[_slice(nd, ax, slice(None, -1))]) / 2.0
    return cnp.sum(s, axis=ax)


@numpy_fast_path(np.interp, ("x", "xp", "fp"))
def interp(x, xp, fp, left=None, right=None, period=None):
    """One-dimensional piecewise-linear interpolation of the points ``(xp, fp)`` at ``x``.

    Differentiable in ``x``, ``xp``, ``fp``, ``left`` and ``right`` (``xp`` increasing), and
    works under ``jit`` and ``vmap`` with any of them traced: the intervals are found with
    :func:`searchsorted`, whose result has a fixed shape.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> xp, fp = cnp.array([0.0, 1.0, 2.0]), cnp.array([0.0, 10.0, 30.0])
    >>> cnp.interp(cnp.array([0.5, 1.5, 3.0]), xp, fp)
    array([ 5., 20., 30.])
    >>> float(cr.grad(lambda x: cnp.interp(x, xp, fp))(1.5))
    20.0
    """
    x, xp, fp = asarray_any(x), asarray_any(xp), asarray_any(fp)
    complex_ = dtype_of(fp).kind == "c"
    dt = np.complex128 if complex_ else np.float64
    x, xp = cnp.astype(x, np.float64), cnp.astype(xp, np.float64)
    fp = cnp.astype(fp, dt)
    if ndim_of(xp) != 1 or ndim_of(fp) != 1:
        raise ValueError("Data points must be 1-D sequences")
    if shape_of(xp)[0] != shape_of(fp)[0]:
        raise ValueError("fp and xp are not of the same length")
    if shape_of(xp)[0] == 0:
        raise ValueError("array of sample points is empty")
    if period is not None:
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(period)
        left = right = None
        x = cnp.remainder(x, period)
        xp = cnp.remainder(xp, period)
        order = cnp.argsort(xp)  # stable, as NumPy's interp sorts
        xp, fp = _gather1d(xp, order), _gather1d(fp, order)
        xp = cnp.concatenate((xp[-1:] - period, xp, xp[0:1] + period))
        fp = cnp.concatenate((fp[-1:], fp, fp[0:1]))
    n = shape_of(xp)[0]
    if n == 1:
        y = cnp.broadcast_to(fp[0], shape_of(x))
    else:
        # The interval of each point is found with searchsorted, a primitive: x and xp may
        # be traced (jit, vmap) as well as differentiated.
        j = cnp.clip(cnp.searchsorted(xp, x, side="right") - 1, 0, n - 2)
        x0, x1 = _gather1d(xp, j), _gather1d(xp, j + 1)
        f0, f1 = _gather1d(fp, j), _gather1d(fp, j + 1)
        slope = (f1 - f0) / (x1 - x0)
        y = slope * (x - x0) + f0
        y = cnp.where(x == xp[-1], fp[-1], y)
    lo = fp[0] if left is None else cnp.astype(asarray_any(left), dt)
    hi = fp[-1] if right is None else cnp.astype(asarray_any(right), dt)
    y = cnp.where(x < xp[0], lo, y)
    y = cnp.where(x > xp[-1], hi, y)
    return y


def _gather1d(v, idx):
    """``v[idx]`` for a 1-D ``v`` and an integer array ``idx`` of any shape, plain or traced
    (a gather along one axis: batches without a loop under vmap, and runs on Dask)."""
    shape = shape_of(idx)
    return cnp.reshape(cnp.take_along_axis(v, cnp.reshape(idx, (-1,)), 0), shape)


__all__ = ["convolve", "correlate", "gradient", "interp", "poly", "polyadd", "polyder",
           "polydiv", "polyfit", "polyint", "polymul", "polysub", "polyval", "roots",
           "trapezoid", "vander"]
