"""Derivatives of the regularized incomplete beta function in its parameters ``a``, ``b``.

``I_x(a, b)`` is evaluated by its continued fraction (modified Lentz), on the side of
``x = (a+1)/(a+b+2)`` where it converges fast (``I_x(a, b) = 1 - I_(1-x)(b, a)`` on the
other), with every quantity carried as a truncated Taylor polynomial along a direction
``(a, b) + eps (s, t)`` (see ``_taylor.py``).  One direction gives the pure derivatives in
``a`` (``(1, 0)``) or ``b`` (``(0, 1)``); mixed ones come from ``n + 1`` directions by
solving the small linear system that relates directional and partial derivatives.  The
prefactor ``x**a (1-x)**b / (a B(a, b))`` is combined in the log domain.
"""

from __future__ import annotations

import math

import numpy as np

from ._taylor import exp, gammaln, log, mul, reciprocal

_EPS = 1e-17
_TINY = 1e-300
_MAX_ITERATIONS = 200_000


def betainc_derivative(a, b, x, da, db):
    """``d^da/da^da d^db/db^db I_x(a, b)`` elementwise, ``da + db >= 1`` (NaN outside
    ``a, b > 0``, ``0 <= x <= 1``)."""
    if da < 0 or db < 0 or da + db < 1:
        raise ValueError(f"betainc_derivative needs orders da, db >= 0 with da + db >= 1, "
                         f"got {da}, {db}")
    a, b, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    shape = a.shape
    a, b, x = a.ravel(), b.ravel(), x.ravel()
    out = np.full(a.shape, np.nan)
    valid = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b) & (x >= 0) & (x <= 1)
    out[valid & ((x == 0) | (x == 1))] = 0.0  # I is 0 or 1 there, whatever a and b are
    work = valid & (x > 0) & (x < 1)
    if work.any():
        out[work] = _partial(a[work], b[work], x[work], da, db)
    return out.reshape(shape)


def _partial(a, b, x, da, db):
    n = da + db
    if db == 0:
        return _directional(a, b, x, 1.0, 0.0, n)
    if da == 0:
        return _directional(a, b, x, 0.0, 1.0, n)
    # D_theta = sum_i C(n, i) cos^i sin^(n-i) d_a^i d_b^(n-i): n + 1 directions, solved.
    thetas = [math.pi * m / (n + 1) for m in range(n + 1)]
    system = np.array([[math.comb(n, i) * math.cos(th) ** i * math.sin(th) ** (n - i)
                        for i in range(n + 1)] for th in thetas])
    values = np.stack([_directional(a, b, x, math.cos(th), math.sin(th), n)
                       for th in thetas])
    partials = np.linalg.solve(system, values)
    return partials[da]


def _directional(a, b, x, s, t, order):
    """``d^order/deps^order I_x(a + s eps, b + t eps)``."""
    swap = x >= (a + 1) / (a + b + 2)
    out = np.empty_like(a)
    direct = ~swap
    if direct.any():
        out[direct] = _side(a[direct], b[direct], x[direct], s, t, order)
    if swap.any():
        out[swap] = -_side(b[swap], a[swap], 1 - x[swap], t, s, order)
    return out


def _side(a0, b0, x, s, t, order):
    zero = np.zeros_like(a0)
    a = ([a0, np.full_like(a0, s)] + [zero] * order)[:order + 1]
    b = ([b0, np.full_like(a0, t)] + [zero] * order)[:order + 1]
    qab = [ai + bi for ai, bi in zip(a, b)]

    def shifted(p, c):
        return [p[0] + c] + p[1:]

    def guard(p):
        return [np.where(np.abs(p[0]) < _TINY, _TINY, p[0])] + p[1:]

    one = [np.ones_like(a0)] + [zero] * order
    c = list(one)
    d = guard(shifted([-qi * x for qi in mul(qab, reciprocal(shifted(a, 1)))], 1.0))
    d = reciprocal(d)
    h = list(d)
    done = np.zeros(a0.shape, bool)
    for m in range(1, _MAX_ITERATIONS):
        m2 = 2 * m
        # even step: m (b - m) x / ((a + 2m - 1)(a + 2m))
        num = [bi * (m * x) for bi in shifted(b, -m)]
        aa = mul(num, reciprocal(mul(shifted(a, m2 - 1), shifted(a, m2))))
        d = reciprocal(guard(shifted(mul(aa, d), 1.0)))
        c = guard(shifted(mul(aa, reciprocal(c)), 1.0))
        h = _freeze(mul(h, mul(d, c)), h, done)
        # odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
        num = [-pi * x for pi in mul(shifted(a, m), shifted(qab, m))]
        aa = mul(num, reciprocal(mul(shifted(a, m2), shifted(a, m2 + 1))))
        d = reciprocal(guard(shifted(mul(aa, d), 1.0)))
        c = guard(shifted(mul(aa, reciprocal(c)), 1.0))
        delta = mul(d, c)
        h_new = _freeze(mul(h, delta), h, done)
        done |= np.all([np.abs(delta[0] - 1) <= _EPS]
                       + [np.abs(hn - ho) <= _EPS * np.abs(hn)
                          for hn, ho in zip(h_new[1:], h[1:])], axis=0)
        h = h_new
        if done.all():
            break
    h[0] = np.where(done, h[0], np.nan)
    # log of x**a (1-x)**b / (a B(a, b)) * h
    logp = [a0 * np.log(x) + b0 * np.log1p(-x), s * np.log(x) + t * np.log1p(-x)]
    logp = (logp + [zero] * order)[:order + 1]
    betaln = [ga + gb - gab for ga, gb, gab in zip(
        gammaln(a0, s, order), gammaln(b0, t, order), gammaln(a0 + b0, s + t, order))]
    total = [lp - bl + lh - la for lp, bl, lh, la in zip(logp, betaln, log(h), log(a))]
    return exp(total)[order] * math.factorial(order)


def _freeze(new, old, done):
    return [np.where(done, o, n) for n, o in zip(new, old)]
