"""Adaptive Gauss–Kronrod quadrature: ``quad`` and ``dblquad``.

The algorithm is QUADPACK's QAG strategy: bisect the interval with the largest error
estimate (21-point Kronrod rule against its 10-point Gauss rule) until the summed estimate
meets the tolerance or ``limit`` intervals exist.  Infinite limits are mapped onto ``(0, 1]``
with SciPy's substitution ``x = a + (1 - t) / t``.

How it differentiates: the subdivision is a choice, made on values without derivatives
(the intervals are fractions of the mapped range, with no derivative); the result is then
the Kronrod rule applied on that final subdivision to the integrand written as a function
of the limits and of whatever the integrand closes over.  Differentiating that sum is
differentiating the quadrature itself: the derivative in a parameter is the same rule
applied to the derivative of the integrand, and the derivative in a limit is the
integrand's value there (to the accuracy of the rule), at every order.  The number of
subdivisions is bounded by the static ``limit``, so ``quad`` works under ``jit``; the
integrand is evaluated at many points at once through ``vmap``, so it may be written for
scalars as SciPy's is.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate as _sint

from chainrule._src.numpy import base as cnp

from ...core import is_tracer, concrete_value
from ...control.custom import stop_gradient
from ...control.while_loop import while_loop
from ...transforms.vmap import vmap
from .._checks import checked_when_run

_XGK = np.array([0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
                 0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
                 0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
                 0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
                 0.294392862701460198131126603103866, 0.148874338981631210884826001129720,
                 0.0])
_WGK = np.array([0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
                 0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
                 0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
                 0.123491976262065851077958109831074, 0.134709217311473325928054001771707,
                 0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
                 0.149445554002916905664936468389821])
_WG = np.array([0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
                0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
                0.295524224714752870173892994651338])
NODES = np.concatenate([-_XGK[:-1], _XGK[::-1]])            # 21 nodes on [-1, 1], ascending
WK = np.concatenate([_WGK[:-1], _WGK[::-1]])
WG = np.zeros(21)
WG[1:10:2] = _WG                                             # nodes -x[1], -x[3], ...
WG[11:21:2] = _WG[::-1]
_EPS = np.finfo(float).eps
_UFLOW = np.finfo(float).tiny


def _is_inf(v):
    value = concrete_value(v) if is_tracer(v) else v
    return value is not None and np.ndim(value) == 0 and bool(np.isinf(value))


_INFINITE_TRACED = (
    "quad: an infinite limit traced by jit or batched by vmap cannot be integrated (the "
    "substitution for an infinite range is chosen while tracing, from the limit's value); "
    "pass np.inf as a constant instead (closed over by the function, or a static argument)")


def _finite_limit(value):
    return _INFINITE_TRACED if np.any(np.isinf(value)) else None


def _checked_limit(v):
    """``v``, or an error if it is infinite but was not seen to be while tracing (it would
    be integrated as a finite limit: NaN).  Under ``jit`` the check runs with the compiled
    function."""
    if not is_tracer(v) or _is_inf(v):
        return v
    value = concrete_value(v)
    if value is None:
        return checked_when_run(v, _finite_limit)
    if _finite_limit(value) is not None:
        raise ValueError(_INFINITE_TRACED)
    return v


def _mapped(func, args, a, b):
    """The integrand on ``t`` in ``[0, 1]`` whose integral there is ``func``'s over
    ``[a, b]`` (SciPy's substitution for infinite limits), and the sign to apply."""
    f = vmap(lambda x: cnp.asarray(func(x, *args), dtype=np.float64))
    ainf, binf = _is_inf(a), _is_inf(b)
    if not ainf and not binf:
        return (lambda t: (b - a) * f(a + (b - a) * t)), 1.0
    sign = 1.0
    if ainf and binf:
        if float(concrete_value(a) if is_tracer(a) else a) > 0:
            sign = -1.0
        return (lambda t: (f((1 - t) / t) + f(-(1 - t) / t)) / (t * t)), sign
    if binf:
        if float(concrete_value(b) if is_tracer(b) else b) < 0:
            return (lambda t: -(f(a - (1 - t) / t)) / (t * t)), sign
        return (lambda t: f(a + (1 - t) / t) / (t * t)), sign
    if float(concrete_value(a) if is_tracer(a) else a) > 0:
        return (lambda t: -(f(b + (1 - t) / t)) / (t * t)), sign
    return (lambda t: f(b - (1 - t) / t) / (t * t)), sign


def _kronrod(g, lo, hi, with_error=True):
    """Kronrod estimate and QUADPACK's error estimate on each interval ``[lo, hi]``."""
    c, h = (lo + hi) / 2, (hi - lo) / 2
    t = c[:, None] + h[:, None] * cnp.asarray(NODES)[None, :]
    fv = cnp.reshape(g(cnp.reshape(t, (-1,))), t.shape)
    resk = cnp.sum(cnp.asarray(WK) * fv, axis=-1)
    if not with_error:
        return resk * h, None
    resg = cnp.sum(cnp.asarray(WG) * fv, axis=-1)
    habs = cnp.abs(h)
    resasc = cnp.sum(cnp.asarray(WK) * cnp.abs(fv - (resk / 2)[:, None]), axis=-1) * habs
    resabs = cnp.sum(cnp.asarray(WK) * cnp.abs(fv), axis=-1) * habs
    err = cnp.abs((resk - resg) * h)
    use = (resasc != 0) & (err != 0)
    safe = cnp.where(use, resasc, 1.0)
    scaled = resasc * cnp.minimum(1.0, (200 * err / safe) ** 1.5)
    err = cnp.where(use, scaled, err)
    err = cnp.where(resabs > _UFLOW / (50 * _EPS), cnp.maximum(50 * _EPS * resabs, err), err)
    return resk * h, err


def _subdivide(g, limit, epsabs, epsrel):
    """Final intervals (fractions of ``[0, 1]``), how many are in use, and the error."""
    def gs(t):
        return stop_gradient(g(t))

    est0, err0 = _kronrod(gs, cnp.zeros(1), cnp.ones(1))
    lo = cnp.concatenate([cnp.zeros(1), cnp.full(limit - 1, 0.25)])
    hi = cnp.concatenate([cnp.ones(1), cnp.full(limit - 1, 0.75)])
    est = cnp.concatenate([est0, cnp.zeros(limit - 1)])
    err = cnp.concatenate([err0, cnp.full(limit - 1, -1.0)])   # unused slots: never chosen

    def total_err(s):
        return cnp.sum(cnp.where(s[3] >= 0, s[3], 0.0))

    def cond(s):
        lo, hi, est, err, n = s
        tol = cnp.maximum(epsabs, epsrel * cnp.abs(cnp.sum(est)))
        return (n < limit) & (total_err(s) > tol)

    def body(s):
        lo, hi, est, err, n = s
        k = cnp.argmax(err)
        left, right = cnp.take(lo, k), cnp.take(hi, k)
        mid = (left + right) / 2
        e, r = _kronrod(gs, cnp.stack([left, mid]), cnp.stack([mid, right]))
        slots = cnp.arange(limit)
        at_k, at_n = slots == k, slots == n
        lo = cnp.where(at_n, mid, lo)
        hi = cnp.where(at_k, mid, cnp.where(at_n, right, hi))
        est = cnp.where(at_k, e[0], cnp.where(at_n, e[1], est))
        err = cnp.where(at_k, r[0], cnp.where(at_n, r[1], err))
        return lo, hi, est, err, n + 1

    state = while_loop(cond, body, (lo, hi, est, err, cnp.asarray(1)))
    lo, hi, _, err, n = (stop_gradient(v) for v in state)
    return lo, hi, n, cnp.sum(cnp.where(err >= 0, err, 0.0))


def _probe_point(a, b):
    """A point inside the integration range, for one trial call of the integrand."""
    if np.isinf(a) and np.isinf(b):
        return 0.0
    return b - 1.0 if np.isinf(a) else a + 1.0 if np.isinf(b) else (a + b) / 2


def quad(func, a, b, args=(), full_output=0, epsabs=1.49e-8, epsrel=1.49e-8, limit=50,
         points=None, weight=None, wvar=None, wopts=None, maxp1=50, limlst=50,
         complex_func=False):
    """Integral of ``func`` from ``a`` to ``b`` (``scipy.integrate.quad``), returning
    ``(value, abserr)``; differentiable in the limits (finite or not), in ``args`` and in
    whatever ``func`` closes over, at any order and under ``jit`` and ``vmap``.

    On plain numbers SciPy's ``quad`` does the work (all its options).  With traced inputs
    the integration is adaptive Gauss–Kronrod (21 points) with at most ``limit`` intervals,
    a static bound, so the call has a fixed cost under ``jit``; ``func`` is evaluated through
    ``vmap`` and must be written with ``chainrule.numpy`` (or NumPy ufuncs) operations.
    ``points`` split the range into pieces integrated one by one; ``weight`` and
    ``full_output`` need plain inputs.

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.scipy.integrate import quad
    >>> def gaussian_norm(s):
    ...     return quad(lambda x: cnp.exp(-x ** 2 / (2 * s ** 2)), -np.inf, np.inf)[0]
    >>> bool(abs(gaussian_norm(2.0) - np.sqrt(2 * np.pi) * 2.0) < 1e-12)
    True
    >>> bool(abs(cr.grad(gaussian_norm)(2.0) - np.sqrt(2 * np.pi)) < 1e-12)
    True
    """
    args = args if isinstance(args, tuple) else (args,)
    traced = any(is_tracer(v) for v in (a, b) + args)
    if not traced:
        # The integrand may close over traced values: one call tells.
        traced = is_tracer(func(_probe_point(float(a), float(b)), *args))
    if not traced:
        return _sint.quad(func, a, b, args=args, full_output=full_output, epsabs=epsabs,
                          epsrel=epsrel, limit=limit, points=points, weight=weight,
                          wvar=wvar, wopts=wopts, maxp1=maxp1, limlst=limlst,
                          complex_func=complex_func)
    if weight is not None or full_output or complex_func:
        raise NotImplementedError(
            "quad with traced inputs supports the plain adaptive rule only (no weight, "
            "full_output or complex_func)")
    if points is not None:
        # Break points: integrate piece by piece between them (finite limits only, as in
        # SciPy), each piece with its own subdivision.  Points outside the range are
        # dropped when the limits are known; under jit they must lie inside it.
        if _is_inf(a) or _is_inf(b):
            raise ValueError("Infinity inputs cannot be used with break points.")
        pts = sorted(float(p) for p in np.atleast_1d(np.asarray(points, dtype=float)))
        av, bv = (concrete_value(v) if is_tracer(v) else v for v in (a, b))
        if av is not None and bv is not None:
            lo, hi = sorted((float(av), float(bv)))
            pts = [p for p in pts if lo < p < hi]
            if float(av) > float(bv):
                pts = pts[::-1]
        edges = [a] + pts + [b]
        value, err = 0.0, 0.0
        for left, right in zip(edges[:-1], edges[1:]):
            v, e = quad(func, left, right, args=args, epsabs=epsabs, epsrel=epsrel,
                        limit=limit)
            value, err = value + v, err + e
        return value, err
    if limit < 1:
        raise ValueError("limit must be at least 1")
    a, b = _checked_limit(a), _checked_limit(b)
    g, sign = _mapped(func, args, a, b)
    lo, hi, n, abserr = _subdivide(g, int(limit), epsabs, epsrel)
    used = cnp.arange(int(limit)) < n
    est, _ = _kronrod(g, lo, hi, with_error=False)
    return sign * cnp.sum(cnp.where(used, est, 0.0)), abserr


def dblquad(func, a, b, gfun, hfun, args=(), epsabs=1.49e-8, epsrel=1.49e-8):
    """Double integral ``∫_a^b ∫_{gfun(x)}^{hfun(x)} func(y, x) dy dx``
    (``scipy.integrate.dblquad``), for smooth integrands: ``quad`` inside ``quad``, so it
    differentiates as ``quad`` does (in ``a``, ``b``, the curves and the parameters).

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy.integrate import dblquad
    >>> area = lambda r: dblquad(lambda y, x: 1.0 + 0 * x * r, 0.0, r, 0.0, lambda x: x)[0]
    >>> round(float(area(2.0)), 12), round(float(cr.grad(area)(2.0)), 12)
    (2.0, 2.0)
    """
    args = args if isinstance(args, tuple) else (args,)

    def lower(x):
        return gfun(x) if callable(gfun) else gfun

    def upper(x):
        return hfun(x) if callable(hfun) else hfun

    def inner(x, *args):
        return quad(lambda y: func(y, x, *args), lower(x), upper(x), epsabs=epsabs,
                    epsrel=epsrel)[0]
    traced = any(is_tracer(v) for v in (a, b) + args)
    if not traced:
        x0 = _probe_point(float(a), float(b))
        y0 = _probe_point(float(lower(x0)), float(upper(x0)))
        traced = is_tracer(func(y0, x0, *args))
    if not traced:
        return _sint.dblquad(func, a, b, gfun, hfun, args=args, epsabs=epsabs, epsrel=epsrel)
    return quad(inner, a, b, args=args, epsabs=epsabs, epsrel=epsrel)
