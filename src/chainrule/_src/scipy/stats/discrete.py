"""Discrete distributions of ``chainrule.scipy.stats``: SciPy's formulas written with
chainrule operations, differentiable in the real parameters (``mu``, ``p``, ``n`` of
``nbinom``, ``a``/``b`` of ``betabinom``); counts and integer parameters have no derivative
(asking for one raises).  See ``_base.py`` for the generic rules."""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp

from ...core import concrete_value
from ...lax import special as sc
from ._base import all_conditions, rv_discrete, where


def _integral(v):
    return cnp.equal(cnp.floor(v), v)


class poisson_gen(rv_discrete):
    """The Poisson distribution with mean ``mu``; differentiable in ``mu``.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy import stats
    >>> float(stats.poisson.logpmf(3, 2.0))
    -1.7123179275482192
    >>> float(cr.grad(lambda mu: stats.poisson.logpmf(3, mu))(2.0))  # k / mu - 1
    0.5
    """

    name = "poisson"
    shapes = ("mu",)
    _safe_shapes = (1.0,)

    def _argcheck(self, mu):
        return cnp.greater_equal(mu, 0)

    def _logpmf(self, k, mu):
        return cnp.subtract(cnp.subtract(sc.xlogy(k, mu), sc.gammaln(cnp.add(k, 1))), mu)

    def _cdf(self, k, mu):
        return sc.gammaincc(cnp.add(k, 1), mu)

    def _sf(self, k, mu):
        return sc.gammainc(cnp.add(k, 1), mu)

    def _stats(self, mu):
        return mu, mu


class binom_gen(rv_discrete):
    """The binomial distribution: ``n`` trials (an integer, no derivative), success
    probability ``p`` (differentiable)."""

    name = "binom"
    shapes = ("n", "p")
    _integer_shapes = ("n",)
    _safe_shapes = (1.0, 0.5)

    def _argcheck(self, n, p):
        return all_conditions([cnp.greater_equal(n, 0), _integral(n), cnp.greater_equal(p, 0),
                     cnp.less_equal(p, 1)])

    def _support(self, n, p):
        return 0, n

    def _logpmf(self, k, n, p):
        comb = cnp.subtract(sc.gammaln(cnp.add(n, 1)),
                            cnp.add(sc.gammaln(cnp.add(k, 1)),
                                    sc.gammaln(cnp.add(cnp.subtract(n, k), 1))))
        return cnp.add(cnp.add(comb, sc.xlogy(k, p)),
                       sc.xlog1py(cnp.subtract(n, k), cnp.negative(p)))

    def _cdf(self, k, n, p):
        # I_{1-p}(n - k, k + 1); k = n (where the beta function has a zero parameter) is 1
        last = cnp.greater_equal(k, n)
        ks = where(last, cnp.subtract(n, 1), k)
        val = sc.betainc(cnp.subtract(n, ks), cnp.add(ks, 1), cnp.subtract(1.0, p))
        return where(last, 1.0, val)

    def _sf(self, k, n, p):
        last = cnp.greater_equal(k, n)
        ks = where(last, cnp.subtract(n, 1), k)
        val = sc.betainc(cnp.add(ks, 1), cnp.subtract(n, ks), p)
        return where(last, 0.0, val)

    def _stats(self, n, p):
        mu = cnp.multiply(n, p)
        return mu, cnp.subtract(mu, cnp.multiply(n, cnp.square(p)))

    def _entropy_of(self, shapes, safe):
        nc = concrete_value(shapes[0])
        if nc is None:
            raise TypeError("binom.entropy needs a known n (it sums over 0..n); "
                            "call it outside jit")
        n, p = safe
        nc = np.where(np.isfinite(nc), nc, 0)
        k = np.arange(int(max(np.max(nc), 1)) + 1, dtype=float).reshape(
            (-1,) + (1,) * cnp.ndim(n))
        inside = cnp.less_equal(k, n)
        lp = self._logpmf(where(inside, k, 0.0), n, p)
        terms = where(inside, sc.entr(cnp.exp(lp)), 0.0)
        return cnp.sum(terms, axis=0)


class bernoulli_gen(binom_gen):
    """The Bernoulli distribution with success probability ``p`` (differentiable)."""

    name = "bernoulli"
    shapes = ("p",)
    _integer_shapes = ()
    _safe_shapes = (0.5,)

    def _argcheck(self, p):
        return cnp.logical_and(cnp.greater_equal(p, 0), cnp.less_equal(p, 1))

    def _support(self, p):
        return 0, 1

    def _logpmf(self, k, p):
        return binom_gen._logpmf(self, k, 1.0, p)

    def _cdf(self, k, p):
        return binom_gen._cdf(self, k, 1.0, p)

    def _sf(self, k, p):
        return binom_gen._sf(self, k, 1.0, p)

    def _stats(self, p):
        return binom_gen._stats(self, 1.0, p)

    def _entropy_of(self, shapes, safe):
        p, = safe
        return cnp.add(sc.entr(p), sc.entr(cnp.subtract(1.0, p)))


class nbinom_gen(rv_discrete):
    """The negative binomial distribution (failures before the ``n``-th success, success
    probability ``p``); differentiable in ``n`` (real, > 0) and ``p``."""

    name = "nbinom"
    shapes = ("n", "p")
    _safe_shapes = (1.0, 0.5)

    def _argcheck(self, n, p):
        return all_conditions([cnp.greater(n, 0), cnp.greater(p, 0), cnp.less_equal(p, 1)])

    def _logpmf(self, k, n, p):
        coeff = cnp.subtract(cnp.subtract(sc.gammaln(cnp.add(n, k)), sc.gammaln(cnp.add(k, 1))),
                             sc.gammaln(n))
        return cnp.add(cnp.add(coeff, cnp.multiply(n, cnp.log(p))),
                       sc.xlog1py(k, cnp.negative(p)))

    def _cdf(self, k, n, p):
        return sc.betainc(n, cnp.add(k, 1), p)

    def _sf(self, k, n, p):
        return sc.betaincc(n, cnp.add(k, 1), p)

    def _logcdf(self, k, n, p):
        # SciPy's rule: log1p(-I_{1-p}(k+1, n)) where the cdf exceeds 1/2
        cdf = self._cdf(k, n, p)
        big = cnp.greater(cdf, 0.5)
        hi = cnp.log1p(cnp.negative(sc.betainc(cnp.add(k, 1), n, cnp.subtract(1.0, p))))
        return where(big, hi, cnp.log(where(big, 0.5, cdf)))

    def _stats(self, n, p):
        q = cnp.subtract(1.0, p)
        mu = cnp.divide(cnp.multiply(n, q), p)
        return mu, cnp.divide(mu, p)


class geom_gen(rv_discrete):
    """The geometric distribution (trials up to the first success) on ``1, 2, ...``."""

    name = "geom"
    shapes = ("p",)
    a = 1
    _safe_shapes = (0.5,)

    def _argcheck(self, p):
        return cnp.logical_and(cnp.greater(p, 0), cnp.less_equal(p, 1))

    def _logpmf(self, k, p):
        return cnp.add(sc.xlog1py(cnp.subtract(k, 1), cnp.negative(p)), cnp.log(p))

    def _cdf(self, k, p):
        return cnp.negative(cnp.expm1(cnp.multiply(cnp.log1p(cnp.negative(p)), k)))

    def _logsf(self, k, p):
        return cnp.multiply(k, cnp.log1p(cnp.negative(p)))

    def _sf(self, k, p):
        return cnp.exp(self._logsf(k, p))

    def _stats(self, p):
        return cnp.divide(1.0, p), cnp.divide(cnp.divide(cnp.subtract(1.0, p), p), p)

    def _entropy(self, p):
        return cnp.subtract(cnp.negative(cnp.log(p)),
                            cnp.divide(cnp.multiply(cnp.log1p(cnp.negative(p)),
                                                    cnp.subtract(1.0, p)), p))


class betabinom_gen(rv_discrete):
    """The beta-binomial distribution: ``n`` trials (an integer, no derivative), shapes
    ``a``, ``b`` (differentiable).  ``cdf``/``sf`` and the entropy are SciPy's sums: plain
    arrays only."""

    name = "betabinom"
    shapes = ("n", "a", "b")
    _integer_shapes = ("n",)
    _safe_shapes = (1.0, 1.0, 1.0)
    not_traced = ("cdf", "logcdf", "sf", "logsf", "entropy")

    def _argcheck(self, n, a, b):
        return all_conditions([cnp.greater_equal(n, 0), _integral(n), cnp.greater(a, 0),
                     cnp.greater(b, 0)])

    def _support(self, n, a, b):
        return 0, n

    def _logpmf(self, k, n, a, b):
        nk = cnp.subtract(n, k)
        comb = cnp.subtract(cnp.negative(cnp.log(cnp.add(n, 1))),
                            sc.betaln(cnp.add(nk, 1), cnp.add(k, 1)))
        return cnp.add(comb, cnp.subtract(sc.betaln(cnp.add(k, a), cnp.add(nk, b)),
                                          sc.betaln(a, b)))

    def _stats(self, n, a, b):
        ab = cnp.add(a, b)
        mean = cnp.divide(cnp.multiply(n, a), ab)
        var = cnp.divide(cnp.multiply(cnp.multiply(mean, b), cnp.add(ab, n)),
                         cnp.multiply(ab, cnp.add(ab, 1.0)))
        return mean, var


class randint_gen(rv_discrete):
    """The discrete uniform distribution on ``low, ..., high - 1`` (integers: no
    derivatives)."""

    name = "randint"
    shapes = ("low", "high")
    _integer_shapes = ("low", "high")
    _safe_shapes = (0.0, 1.0)

    def _argcheck(self, low, high):
        return all_conditions([cnp.greater(high, low), _integral(low), _integral(high)])

    def _support(self, low, high):
        return low, cnp.subtract(high, 1)

    def _safe_k(self, low, high):
        return low

    def _logpmf(self, k, low, high):
        return cnp.negative(cnp.log(cnp.subtract(high, cnp.add(low, cnp.zeros_like(k)))))

    def _pmf(self, k, low, high):
        return cnp.divide(1.0, cnp.subtract(high, cnp.add(low, cnp.zeros_like(k))))

    def _cdf(self, k, low, high):
        return cnp.divide(cnp.add(cnp.subtract(k, low), 1.0), cnp.subtract(high, low))

    def _sf(self, k, low, high):
        return cnp.subtract(1.0, self._cdf(k, low, high))

    def _stats(self, low, high):
        m2, m1 = cnp.asarray(high), cnp.asarray(low)
        mu = cnp.divide(cnp.add(m2, cnp.subtract(m1, 1.0)), 2)
        d = cnp.subtract(m2, m1)
        return mu, cnp.divide(cnp.subtract(cnp.multiply(d, d), 1), 12.0)

    def _entropy(self, low, high):
        return cnp.log(cnp.subtract(high, low))


poisson = poisson_gen()
binom = binom_gen()
bernoulli = bernoulli_gen()
nbinom = nbinom_gen()
geom = geom_gen()
betabinom = betabinom_gen()
randint = randint_gen()
