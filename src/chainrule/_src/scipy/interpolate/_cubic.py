"""Cubic interpolators: ``CubicHermiteSpline``, ``CubicSpline``, ``PchipInterpolator``,
``Akima1DInterpolator`` (``method="akima"`` or ``"makima"``).

Each one computes slopes at the knots and stores the cubic Hermite pieces as a
:class:`~chainrule.scipy.interpolate.PPoly`.  On plain arrays the construction is SciPy's
own; on traced data (or knots) the same formulas run on ``chainrule.numpy``, so the spline is
differentiable in the data values and, where it is a smooth function of them, in the knots.
"""

from __future__ import annotations

import numpy as np
import scipy.interpolate as _si

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as _np_linalg

from ...lax.linalg import tridiagonal_solve as _tridiag
from ._ppoly import (PPoly, check_data, checked_when_run, column, hermite_coefficients, known,
                     register_ppoly, traced)


def _from_scipy(cls, ref, extrapolate):
    out = object.__new__(cls)
    out.c, out.x, out.axis = ref.c, ref.x, ref.axis
    out.extrapolate = ref.extrapolate if extrapolate is None else extrapolate
    return out


def _build(cls, x, y, s, axis, extrapolate):
    out = object.__new__(cls)
    out.c, out.x, out.axis, out.extrapolate = hermite_coefficients(x, y, s), x, axis, extrapolate
    return out


class CubicHermiteSpline(PPoly):
    """Piecewise cubic matching values ``y`` and first derivatives ``dydx`` at ``x``
    (``scipy.interpolate.CubicHermiteSpline``), differentiable in all three.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.interpolate import CubicHermiteSpline
    >>> s = CubicHermiteSpline(np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([0.0, 0.0]))
    >>> float(s(0.5))
    0.5
    """

    def __init__(self, x, y, dydx, axis=0, extrapolate=None):
        if not traced(x, y, dydx):
            ref = _si.CubicHermiteSpline(x, y, dydx, axis=axis, extrapolate=extrapolate)
            self.__dict__.update(_from_scipy(type(self), ref, extrapolate).__dict__)
            return
        x, y, axis = check_data(x, y, axis)
        dydx = cnp.moveaxis(cnp.asarray(dydx), axis, 0)
        if dydx.shape != y.shape:
            raise ValueError("The shapes of `y` and `dydx` must be identical.")
        dydx = _finite_slopes(dydx)
        self.__dict__.update(_build(type(self), x, y, dydx, axis,
                                    True if extrapolate is None else extrapolate).__dict__)


def _parse_bc(bc_type, y):
    """SciPy's boundary-condition forms as a pair of 'not-a-knot', 'periodic' or
    ``(order, value)`` with value broadcast to one data point's shape."""
    named = {"clamped": (1, 0.0), "natural": (2, 0.0)}
    if isinstance(bc_type, str):
        if bc_type == "periodic":
            yv = known(y)
            if yv is not None and not np.allclose(yv[0], yv[-1], rtol=1e-15, atol=1e-15):
                raise ValueError("The first and last `y` point along axis 0 must be identical "
                                 "(within machine precision) when bc_type='periodic'.")
        pair = (bc_type, bc_type)
    else:
        if len(bc_type) != 2:
            raise ValueError("`bc_type` must contain 2 elements to specify start and end "
                             "conditions.")
        if "periodic" in bc_type:
            raise ValueError("'periodic' `bc_type` is defined for both curve ends and cannot "
                             "be used with other boundary conditions.")
        pair = tuple(bc_type)
    out = []
    for bc in pair:
        if isinstance(bc, str):
            if bc in named:
                bc = named[bc]
            elif bc not in ("not-a-knot", "periodic"):
                raise ValueError(f"bc_type={bc} is not allowed.")
            else:
                out.append(bc)
                continue
        order, value = bc
        if order not in (1, 2):
            raise ValueError("The specified derivative order must be 1 or 2.")
        value = cnp.asarray(value)
        if value.shape not in ((), tuple(y.shape[1:])):
            raise ValueError(f"`deriv_value` shape {value.shape} is not the expected one "
                             f"{tuple(y.shape[1:])}.")
        out.append((order, cnp.broadcast_to(cnp.astype(value, y.dtype), y.shape[1:])))
    return out


def _tridiagonal_solve(lower, main, upper, b, corners=None):
    """Solve the tridiagonal system (``lower[i]`` at ``(i+1, i)``, ``upper[i]`` at
    ``(i, i+1)``) for each column of ``b``; with ``corners``, the cyclic system that also
    has ``corners[0]`` at ``(0, n-1)`` and ``corners[1]`` at ``(n-1, 0)`` (by the
    Sherman-Morrison formula: two tridiagonal solves).  O(n), differentiable in all."""
    n = main.shape[0]
    flat = cnp.reshape(b, (n, -1))
    zero = cnp.zeros(1, dtype=main.dtype)
    dl = cnp.concatenate([zero, lower])
    du = cnp.concatenate([upper, zero])
    if corners is None:
        return cnp.reshape(_tridiag(dl, main, du, flat), b.shape)
    top, bottom = corners
    gamma = -main[0]
    d = cnp.concatenate([main[:1] - gamma, main[1:-1], main[-1:] - top * bottom / gamma])
    u = cnp.concatenate([gamma[None], cnp.zeros(n - 2, dtype=main.dtype), bottom[None]])
    rhs = cnp.concatenate([flat, u[:, None]], axis=1)
    sol = _tridiag(dl, d, du, rhs)
    y, q = sol[:, :-1], sol[:, -1:]
    vy = y[0] + (top / gamma) * y[-1]
    vq = q[0] + (top / gamma) * q[-1]
    return cnp.reshape(y - q * (vy / (1 + vq)), b.shape)


def _one(v):
    return cnp.reshape(v, (1,))


def _spline_slopes(x, y, bc):
    """First derivatives at the knots of the cubic spline with boundary conditions ``bc``."""
    n = x.shape[0]
    dx = cnp.diff(x)
    dxr = column(dx, y.ndim)
    slope = cnp.diff(y, axis=0) / dxr
    bc = list(bc)
    if n == 2:
        bc = [(1, slope[0]) if b in ("not-a-knot", "periodic") else b for b in bc]
    if n == 3 and bc[0] == "not-a-knot" and bc[1] == "not-a-knot":
        a = cnp.stack([cnp.stack([1.0, 1.0, 0.0]),
                       cnp.stack([dx[1], 2 * (dx[0] + dx[1]), dx[0]]),
                       cnp.stack([0.0, 1.0, 1.0])])
        b = cnp.stack([2 * slope[0], 3 * (dxr[0] * slope[1] + dxr[1] * slope[0]),
                       2 * slope[1]])
        return cnp.reshape(_np_linalg.solve(a, cnp.reshape(b, (3, -1))), y.shape)
    if n == 3 and bc[0] == "periodic":
        t = cnp.sum(slope / dxr, axis=0) / cnp.sum(1.0 / dxr, axis=0)
        return cnp.broadcast_to(t, y.shape)
    inner_b = 3 * (dxr[1:] * slope[:-1] + dxr[:-1] * slope[1:])
    if bc[0] == "periodic":
        # n-1 unknowns (s[-1] == s[0]) in a cyclic tridiagonal system.
        dprev = cnp.concatenate([dx[-1:], dx[:-1]])
        sprev = cnp.concatenate([slope[-1:], slope[:-1]])
        main = 2 * (dprev + dx)
        rhs = 3 * (dxr * sprev + column(dprev, y.ndim) * slope)
        s = _tridiagonal_solve(dx[1:], main, dprev[:-1], rhs, corners=(dx[0], dprev[-1]))
        return cnp.concatenate([s, s[:1]])
    start, end = bc
    if start == "not-a-knot":
        d = x[2] - x[0]
        m0, u0 = dx[1], d
        b0 = ((dxr[0] + 2 * d) * dxr[1] * slope[0] + dxr[0] ** 2 * slope[1]) / d
    elif start[0] == 1:
        m0, u0, b0 = cnp.asarray(1.0), cnp.asarray(0.0), start[1]
    else:
        m0, u0 = 2 * dx[0], dx[0]
        b0 = -0.5 * start[1] * dx[0] ** 2 + 3 * (y[1] - y[0])
    if end == "not-a-knot":
        d = x[-1] - x[-3]
        m1, l1 = dx[-2], d
        b1 = (dxr[-1] ** 2 * slope[-2] + (2 * d + dxr[-1]) * dxr[-2] * slope[-1]) / d
    elif end[0] == 1:
        m1, l1, b1 = cnp.asarray(1.0), cnp.asarray(0.0), end[1]
    else:
        m1, l1 = 2 * dx[-1], dx[-1]
        b1 = 0.5 * end[1] * dx[-1] ** 2 + 3 * (y[-1] - y[-2])
    main = cnp.concatenate([_one(m0), 2 * (dx[:-1] + dx[1:]), _one(m1)])
    upper = cnp.concatenate([_one(u0), dx[:-1]])
    lower = cnp.concatenate([dx[1:], _one(l1)])
    b = cnp.concatenate([cnp.broadcast_to(b0, y.shape[1:])[None], inner_b,
                         cnp.broadcast_to(b1, y.shape[1:])[None]])
    return _tridiagonal_solve(lower, main, upper, b)


class CubicSpline(CubicHermiteSpline):
    """Cubic spline with continuous second derivative (``scipy.interpolate.CubicSpline``).

    ``bc_type`` is ``'not-a-knot'`` (default), ``'natural'``, ``'clamped'``, ``'periodic'``
    or a pair of those or of ``(order, value)`` with order 1 or 2.  Differentiable in ``y``,
    in the boundary values, in the knots ``x`` and in the query points; works under ``jit``
    and ``vmap``.  ``.derivative()``, ``.antiderivative()`` and ``.integrate(a, b)`` as in
    SciPy.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.interpolate import CubicSpline
    >>> x = np.linspace(0.0, np.pi, 9)
    >>> s = CubicSpline(x, np.sin(x))
    >>> round(float(s(1.0)), 4), round(float(s.integrate(0.0, np.pi)), 4)
    (0.8415, 2.0)
    >>> g = cr.grad(lambda y: CubicSpline(x, y)(1.0))(np.sin(x))
    >>> round(float(g.sum()), 12)  # a spline reproduces constants
    1.0
    """

    def __init__(self, x, y, axis=0, bc_type="not-a-knot", extrapolate=None):
        bc_values = [] if isinstance(bc_type, str) else [
            b[1] for b in bc_type if not isinstance(b, str)]
        if not traced(x, y, *bc_values):
            ref = _si.CubicSpline(x, y, axis=axis, bc_type=bc_type, extrapolate=extrapolate)
            self.__dict__.update(_from_scipy(type(self), ref, extrapolate).__dict__)
            return
        x, y, axis = check_data(x, y, axis)
        bc = _parse_bc(bc_type, y)
        if extrapolate is None:
            extrapolate = "periodic" if bc[0] == "periodic" else True
        if bc[0] == "periodic" and x.shape[0] < 3 and y.shape[0] < 2:
            raise ValueError("periodic spline needs at least 2 points")
        s = _spline_slopes(x, y, bc)
        self.__dict__.update(_build(type(self), x, y, s, axis, extrapolate).__dict__)


def _pchip_edge(h0, h1, m0, m1):
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    wrong_sign = cnp.sign(d) != cnp.sign(m0)
    too_big = (cnp.sign(m0) != cnp.sign(m1)) & (cnp.abs(d) > 3.0 * cnp.abs(m0))
    return cnp.where(wrong_sign, 0.0, cnp.where(too_big, 3.0 * m0, d))


def _pchip_slopes(x, y):
    h = column(cnp.diff(x), y.ndim)
    m = cnp.diff(y, axis=0) / h
    if y.shape[0] == 2:
        return cnp.broadcast_to(m[0], y.shape)
    sm = cnp.sign(m)
    flat = (sm[1:] != sm[:-1]) | (m[1:] == 0) | (m[:-1] == 0)
    w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
    # The harmonic mean is only taken where both slopes are nonzero and of one sign; the
    # placeholder 1 keeps the unused branch (and its derivative) finite.
    m0, m1 = cnp.where(flat, 1.0, m[:-1]), cnp.where(flat, 1.0, m[1:])
    whmean = (w1 / m0 + w2 / m1) / (w1 + w2)
    inner = cnp.where(flat, 0.0, 1.0 / whmean)
    first = _pchip_edge(h[0], h[1], m[0], m[1])
    last = _pchip_edge(h[-1], h[-2], m[-1], m[-2])
    return cnp.concatenate([first[None], inner, last[None]])


class PchipInterpolator(CubicHermiteSpline):
    """Shape-preserving (monotone) piecewise cubic (``scipy.interpolate.PchipInterpolator``),
    differentiable in ``x``, ``y`` and the query points away from the switches of its slope
    formula (local extrema of the data, where it is only continuous).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.interpolate import PchipInterpolator
    >>> p = PchipInterpolator(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 1.0]))
    >>> float(p(1.5))
    1.0
    """

    def __init__(self, x, y, axis=0, extrapolate=None):
        if not traced(x, y):
            ref = _si.PchipInterpolator(x, y, axis=axis, extrapolate=extrapolate)
            self.__dict__.update(_from_scipy(type(self), ref, extrapolate).__dict__)
            return
        x, y, axis = check_data(x, y, axis, complex_ok=False)
        s = _pchip_slopes(x, y)
        self.__dict__.update(_build(type(self), x, y, s, axis,
                                    True if extrapolate is None else extrapolate).__dict__)


def _akima_slopes(x, y, method):
    h = column(cnp.diff(x), y.ndim)
    m = cnp.diff(y, axis=0) / h
    if y.shape[0] == 2:
        return cnp.broadcast_to(m[0], y.shape)
    mm = 2.0 * m[0] - m[1]
    mmm = 2.0 * mm - m[0]
    mp = 2.0 * m[-1] - m[-2]
    mpp = 2.0 * mp - m[-1]
    m = cnp.concatenate([mmm[None], mm[None], m, mp[None], mpp[None]])
    dm = cnp.abs(cnp.diff(m, axis=0))
    if method == "makima":
        pm = cnp.abs(m[1:] + m[:-1])
        f1, f2 = dm[2:] + 0.5 * pm[2:], dm[:-2] + 0.5 * pm[:-2]
    else:
        f1, f2 = dm[2:], dm[:-2]
    f12 = f1 + f2
    use = f12 > 1e-9 * cnp.max(f12)
    safe = cnp.where(use, f12, 1.0)
    weighted = m[1:-2] + (f2 / safe) * (m[2:-1] - m[1:-2])
    return cnp.where(use, weighted, 0.5 * (m[3:] + m[:-3]))


class Akima1DInterpolator(CubicHermiteSpline):
    """Akima's piecewise cubic (``method="akima"``) or its modified form
    (``method="makima"``), as ``scipy.interpolate.Akima1DInterpolator``; differentiable in
    ``x``, ``y`` and the query points where the slope weights are smooth.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.interpolate import Akima1DInterpolator
    >>> a = Akima1DInterpolator(np.arange(5.0), np.array([0.0, 1.0, 4.0, 9.0, 16.0]))
    >>> float(a(2.5))
    6.25
    """

    def __init__(self, x, y, axis=0, *, method="akima", extrapolate=None):
        if method not in ("akima", "makima"):
            raise NotImplementedError(f"`method`={method} is unsupported.")
        if not traced(x, y):
            ref = _si.Akima1DInterpolator(x, y, axis=axis, method=method,
                                          extrapolate=extrapolate)
            self.__dict__.update(_from_scipy(type(self), ref, extrapolate).__dict__)
            return
        if cnp.iscomplexobj(cnp.asarray(y)):
            raise ValueError("`Akima1DInterpolator` only works with real values for `y`.")
        x, y, axis = check_data(x, y, axis)
        s = _akima_slopes(x, y, method)
        self.__dict__.update(_build(type(self), x, y, s, axis,
                                    False if extrapolate is None else extrapolate).__dict__)


def pchip_interpolate(xi, yi, x, der=0, axis=0):
    """``PchipInterpolator(xi, yi, axis)(x)`` (or its derivative of order ``der``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.interpolate import pchip_interpolate
    >>> float(pchip_interpolate(np.array([0.0, 1.0]), np.array([0.0, 2.0]), 0.25))
    0.5
    """
    p = PchipInterpolator(xi, yi, axis=axis)
    if isinstance(der, int):
        return p(x, der)
    return [p(x, d) for d in der]


for _cls in (CubicHermiteSpline, CubicSpline, PchipInterpolator, Akima1DInterpolator):
    register_ppoly(_cls)


def _nonfinite_slopes(v):
    return None if np.all(np.isfinite(v)) else "`dydx` must contain only finite values."


def _finite_slopes(dydx):
    """``dydx``, with SciPy's error for NaN or infinity: at once where the values are
    known, under ``jit`` when the compiled function runs."""
    dv = known(dydx)
    if dv is None:
        return checked_when_run(dydx, _nonfinite_slopes)
    message = _nonfinite_slopes(dv)
    if message is not None:
        raise ValueError(message)
    return dydx
