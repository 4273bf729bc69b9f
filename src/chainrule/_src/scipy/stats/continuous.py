"""Continuous distributions of ``chainrule.scipy.stats``: SciPy's formulas (standardized,
``loc = 0``, ``scale = 1``) written with chainrule operations, so that they are
differentiable in the data and in every parameter.  See ``_base.py`` for the generic
rules (support, invalid parameters, ``loc``/``scale``)."""

from __future__ import annotations

import math

import numpy as np

from chainrule._src.numpy import base as cnp

from ...transforms.api import jvp
from ...control.custom import custom_jvp
from ...lax import special as sc
from ._base import rv_continuous, where

_LOG_2PI_HALF = 0.5 * math.log(2 * math.pi)
_LOG_PI = math.log(math.pi)


def _norm_logpdf(z):
    return cnp.subtract(cnp.divide(cnp.negative(cnp.square(z)), 2.0), _LOG_2PI_HALF)


class norm_gen(rv_continuous):
    """The normal distribution ``N(loc, scale**2)``.

    Tails use ``log_ndtr``: ``logcdf(-40)`` and ``logsf(40)`` are accurate.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy import stats
    >>> float(stats.norm.logpdf(1.0, loc=0.5, scale=2.0))
    -1.643335713764618
    >>> float(cr.grad(lambda m: stats.norm.logpdf(1.0, m, 2.0))(0.5))  # (x - m) / s**2
    0.125
    >>> float(stats.norm(0.5, 2.0).cdf(0.5))
    0.5
    """

    name = "norm"

    def _logpdf(self, z):
        return _norm_logpdf(z)

    def _cdf(self, z):
        return sc.ndtr(z)

    def _logcdf(self, z):
        return sc.log_ndtr(z)

    def _sf(self, z):
        return sc.ndtr(cnp.negative(z))

    def _logsf(self, z):
        return sc.log_ndtr(cnp.negative(z))

    def _ppf(self, q):
        return sc.ndtri(q)

    def _isf(self, q):
        return cnp.negative(sc.ndtri(q))

    def _stats(self):
        return 0.0, 1.0

    def _entropy(self):
        return 0.5 * (math.log(2 * math.pi) + 1)


class halfnorm_gen(rv_continuous):
    """The half-normal distribution (``|Z|``, ``Z`` standard normal), support ``[0, inf)``."""

    name = "halfnorm"
    a = 0.0

    def _logpdf(self, z):
        return cnp.subtract(0.5 * math.log(2.0 / math.pi), cnp.divide(cnp.square(z), 2.0))

    def _cdf(self, z):
        return sc.erf(cnp.divide(z, math.sqrt(2)))

    def _sf(self, z):
        return cnp.multiply(2.0, sc.ndtr(cnp.negative(z)))

    def _median(self):
        return 0.6744897501960817

    def _ppf(self, q):
        return sc.ndtri(cnp.divide(cnp.add(1.0, q), 2.0))

    def _isf(self, q):
        return cnp.negative(sc.ndtri(cnp.divide(q, 2.0)))

    def _stats(self):
        return math.sqrt(2.0 / math.pi), 1 - 2.0 / math.pi

    def _entropy(self):
        return 0.5 * math.log(math.pi / 2.0) + 0.5


class lognorm_gen(rv_continuous):
    """The log-normal distribution with shape ``s`` (``exp(s Z)``), support ``[0, inf)``."""

    name = "lognorm"
    shapes = ("s",)
    a = 0.0
    _safe_shapes = (1.0,)

    def _logpdf(self, z, s):
        # SciPy's -log(x)^2/(2 s^2) - log(s x sqrt(2 pi)); x = 0 gives -inf
        zpos = cnp.greater(z, 0)
        zs = where(zpos, z, 1.0)
        lz = cnp.log(zs)
        quad = cnp.divide(cnp.negative(cnp.square(lz)), cnp.multiply(2.0, cnp.square(s)))
        val = cnp.subtract(quad, cnp.add(cnp.add(cnp.log(s), lz), _LOG_2PI_HALF))
        return where(zpos, val, -np.inf)

    def _cdf(self, z, s):
        return sc.ndtr(cnp.divide(cnp.log(z), s))

    def _logcdf(self, z, s):
        return sc.log_ndtr(cnp.divide(cnp.log(z), s))

    def _sf(self, z, s):
        return sc.ndtr(cnp.negative(cnp.divide(cnp.log(z), s)))

    def _logsf(self, z, s):
        return sc.log_ndtr(cnp.negative(cnp.divide(cnp.log(z), s)))

    def _ppf(self, q, s):
        return cnp.exp(cnp.multiply(s, sc.ndtri(q)))

    def _isf(self, q, s):
        return cnp.exp(cnp.multiply(s, cnp.negative(sc.ndtri(q))))

    def _stats(self, s):
        p = cnp.exp(cnp.square(s))
        return cnp.sqrt(p), cnp.multiply(p, cnp.subtract(p, 1))

    def _entropy(self, s):
        return cnp.multiply(0.5, cnp.add(1 + math.log(2 * math.pi), cnp.multiply(2, cnp.log(s))))


class t_gen(rv_continuous):
    """Student's t distribution with ``df`` degrees of freedom.

    ``cdf``/``sf`` are regularized incomplete beta functions (``betainc``), differentiable
    in ``x`` and ``df``; ``ppf``/``isf`` invert them with ``betaincinv``.  ``df = inf`` is
    the normal distribution (SciPy's convention) for ``logpdf``/``pdf``.
    """

    name = "t"
    shapes = ("df",)
    _safe_shapes = (1.0,)

    def _logpdf(self, z, df):
        inf = cnp.isposinf(df)
        d = where(inf, 1.0, df)
        val = cnp.subtract(
            cnp.subtract(cnp.log(sc.poch(cnp.multiply(0.5, d), 0.5)),
                         cnp.multiply(0.5, cnp.add(cnp.log(d), _LOG_PI))),
            cnp.multiply(cnp.divide(cnp.add(d, 1), 2), cnp.log1p(cnp.divide(cnp.square(z), d))))
        return where(inf, _norm_logpdf(z), val)

    def _lower(self, z, df):
        # P(T < -|z|) = I_{df/(df+z^2)}(df/2, 1/2) / 2, accurate in the far tail
        w = cnp.divide(df, cnp.add(df, cnp.square(z)))
        return cnp.multiply(0.5, sc.betainc(cnp.multiply(0.5, df), 0.5, w))

    def _upper(self, z, df):
        # 1 - P(T < -|z|), through I_{z^2/(df+z^2)}(1/2, df/2) to keep precision near 0
        y = cnp.divide(cnp.square(z), cnp.add(df, cnp.square(z)))
        return cnp.multiply(0.5, cnp.add(1.0, sc.betainc(0.5, cnp.multiply(0.5, df), y)))

    def _cdf(self, z, df):
        inf = cnp.isposinf(df)
        d = where(inf, 1.0, df)
        return where(inf, sc.ndtr(z), _t_cdf(z, d))

    def _cdf_formula(self, z, df):
        return where(cnp.less(z, 0), self._lower(z, df), self._upper(z, df))

    def _median(self, df):
        return 0.0

    def _sf(self, z, df):
        return self._cdf(cnp.negative(z), df)

    def _ppf_finite(self, q, df):
        # cdf(x) = q: with p = 2 min(q, 1-q), w = df/(df+x^2) solves I_w(df/2, 1/2) = p;
        # for p near 1 the complementary form y = x^2/(df+x^2), I_y(1/2, df/2) = 1 - p.
        upper = cnp.greater(q, 0.5)
        p = cnp.multiply(2.0, where(upper, cnp.subtract(1.0, q), q))
        small = cnp.less(p, 0.5)
        half = cnp.multiply(0.5, df)
        w = sc.betaincinv(half, 0.5, where(small, p, 0.25))
        r = cnp.abs(cnp.subtract(cnp.multiply(2.0, q), 1.0))
        y = sc.betaincinv(0.5, half, where(small, 0.5, r))
        x2 = where(small, cnp.divide(cnp.multiply(df, cnp.subtract(1.0, w)), w),
                   cnp.divide(cnp.multiply(df, y), cnp.subtract(1.0, y)))
        x = cnp.sqrt(x2)
        return where(upper, x, cnp.negative(x))

    def _isf(self, q, df):
        return cnp.negative(self._ppf(q, df))

    def _ppf(self, q, df):
        inf = cnp.isposinf(df)
        return where(inf, sc.ndtri(q), _t_ppf(q, where(inf, 1.0, df)))

    def _stats(self, df):
        mean = where(cnp.greater(df, 1), 0.0, np.inf)
        d = where(cnp.greater(df, 2), df, 3.0)
        var = where(cnp.greater(df, 2), cnp.divide(d, cnp.subtract(d, 2.0)),
                    where(cnp.greater(df, 1), np.inf, np.nan))
        var = where(cnp.isposinf(df), 1.0, var)
        return mean, var

    def _entropy(self, df):
        inf = cnp.isposinf(df)
        df = where(inf, 1.0, df)
        return where(inf, 0.5 * (math.log(2 * math.pi) + 1), self._entropy_finite(df))

    def _entropy_finite(self, df):
        half = cnp.divide(df, 2)
        half1 = cnp.divide(cnp.add(df, 1), 2)
        return cnp.add(cnp.multiply(half1, cnp.subtract(sc.digamma(half1), sc.digamma(half))),
                       cnp.add(cnp.multiply(0.5, cnp.log(df)), sc.betaln(half, 0.5)))


def _t_cdf_df_tangent(z, df, tdf):
    """The derivative of t's cdf in ``df`` along ``tdf``, at fixed ``z``.  Near ``z = 0``
    (where betainc's parameter derivative is not finite at its end point) the first term of
    the odd series, ``z d(pdf(0))/d(df)``, which keeps the cross derivative right."""
    small = cnp.less(cnp.abs(z), 1e-6)
    zs = where(small, 1.0, z)
    _, far = jvp(lambda d: t._cdf_formula(zs, d), (df,), (tdf,))
    _, dpdf0 = jvp(lambda d: cnp.exp(t._logpdf(cnp.zeros_like(d), d)), (df,), (tdf,))
    return where(small, cnp.multiply(z, dpdf0), far)


@custom_jvp
def _t_cdf(z, df):
    return t._cdf_formula(z, df)


@_t_cdf.defjvp
def _t_cdf_jvp(primals, tangents):
    # d cdf / dz is the density (the formula's derivative is 0 * inf at z = 0)
    (z, df), (tz, tdf) = primals, tangents
    pdf = cnp.exp(t._logpdf(z, df))
    return _t_cdf(z, df), cnp.add(cnp.multiply(pdf, tz), _t_cdf_df_tangent(z, df, tdf))


@custom_jvp
def _t_ppf(q, df):
    return t._ppf_finite(q, df)


@_t_ppf.defjvp
def _t_ppf_jvp(primals, tangents):
    # The implicit function theorem on cdf(x, df) = q: dx = (dq - d_df cdf dd) / pdf(x).
    # The explicit formula's derivative is 0 * inf at q = 1/2 (a square root at 0).
    (q, df), (tq, tdf) = primals, tangents
    x = _t_ppf(q, df)
    pdf = cnp.exp(t._logpdf(x, df))
    dcdf = _t_cdf_df_tangent(x, df, tdf)
    return x, cnp.divide(cnp.subtract(tq, dcdf), pdf)


class cauchy_gen(rv_continuous):
    """The Cauchy distribution (mean and variance undefined: NaN, as in SciPy)."""

    name = "cauchy"

    def _logpdf(self, z):
        return cnp.subtract(-_LOG_PI, cnp.log1p(cnp.square(z)))

    def _cdf(self, z):
        return cnp.divide(cnp.arctan2(1.0, cnp.negative(z)), math.pi)

    def _sf(self, z):
        return cnp.divide(cnp.arctan2(1.0, z), math.pi)

    def _ppf(self, q):
        # -1/tan(pi q) below the median, 1/tan(pi (1 - q)) above: accurate in both tails
        hi = cnp.greater(q, 0.5)
        p = where(hi, cnp.subtract(1.0, q), q)
        mid = cnp.less(cnp.abs(cnp.subtract(q, 0.5)), 0.25)
        x = cnp.divide(1.0, cnp.tan(cnp.multiply(math.pi, where(mid, 0.25, p))))
        centre = cnp.tan(cnp.multiply(math.pi, cnp.subtract(where(mid, q, 0.5), 0.5)))
        return where(mid, centre, where(hi, x, cnp.negative(x)))

    def _isf(self, q):
        return cnp.negative(self._ppf(q))

    def _stats(self):
        return np.nan, np.nan

    def _entropy(self):
        return math.log(4 * math.pi)


class halfcauchy_gen(rv_continuous):
    """The half-Cauchy distribution, support ``[0, inf)``."""

    name = "halfcauchy"
    a = 0.0

    def _logpdf(self, z):
        return cnp.subtract(math.log(2.0 / math.pi), cnp.log1p(cnp.square(z)))

    def _cdf(self, z):
        return cnp.multiply(2.0 / math.pi, cnp.arctan(z))

    def _sf(self, z):
        return cnp.multiply(2.0 / math.pi, cnp.arctan2(1.0, z))

    def _ppf(self, q):
        return cnp.tan(cnp.multiply(math.pi / 2, q))

    def _isf(self, q):
        return cnp.divide(1.0, cnp.tan(cnp.multiply(math.pi / 2, q)))

    def _stats(self):
        return np.inf, np.inf

    def _entropy(self):
        return math.log(2 * math.pi)


class laplace_gen(rv_continuous):
    """The Laplace (double exponential) distribution."""

    name = "laplace"

    def _logpdf(self, z):
        return cnp.subtract(-math.log(2.0), cnp.abs(z))

    def _cdf(self, z):
        pos = cnp.greater(z, 0)
        e = cnp.exp(cnp.negative(cnp.abs(z)))
        return where(pos, cnp.subtract(1.0, cnp.multiply(0.5, e)), cnp.multiply(0.5, e))

    def _sf(self, z):
        return self._cdf(cnp.negative(z))

    def _ppf(self, q):
        hi = cnp.greater(q, 0.5)
        upper = cnp.negative(cnp.log(cnp.multiply(2.0, cnp.subtract(1.0, where(hi, q, 0.75)))))
        return where(hi, upper, cnp.log(cnp.multiply(2.0, where(hi, 0.25, q))))

    def _isf(self, q):
        return cnp.negative(self._ppf(q))

    def _stats(self):
        return 0.0, 2.0

    def _entropy(self):
        return math.log(2) + 1


class logistic_gen(rv_continuous):
    """The logistic distribution."""

    name = "logistic"

    def _logpdf(self, z):
        y = cnp.negative(cnp.abs(z))
        return cnp.subtract(y, cnp.multiply(2.0, cnp.log1p(cnp.exp(y))))

    def _cdf(self, z):
        return sc.expit(z)

    def _logcdf(self, z):
        return sc.log_expit(z)

    def _sf(self, z):
        return sc.expit(cnp.negative(z))

    def _logsf(self, z):
        return sc.log_expit(cnp.negative(z))

    def _ppf(self, q):
        return sc.logit(q)

    def _isf(self, q):
        return cnp.negative(sc.logit(q))

    def _stats(self):
        return 0.0, math.pi * math.pi / 3.0

    def _entropy(self):
        return 2.0


class uniform_gen(rv_continuous):
    """The uniform distribution on ``[loc, loc + scale]``."""

    name = "uniform"
    a, b = 0.0, 1.0

    def _logpdf(self, z):
        return cnp.zeros_like(z)

    def _pdf(self, z):
        return cnp.ones_like(z)

    def _cdf(self, z):
        return z

    def _sf(self, z):
        return cnp.subtract(1.0, z)

    def _ppf(self, q):
        return q

    def _isf(self, q):
        return cnp.subtract(1.0, q)

    def _stats(self):
        return 0.5, 1.0 / 12

    def _entropy(self):
        return 0.0


class expon_gen(rv_continuous):
    """The exponential distribution (rate ``1 / scale``), support ``[loc, inf)``."""

    name = "expon"
    a = 0.0

    def _logpdf(self, z):
        return cnp.negative(z)

    def _cdf(self, z):
        return cnp.negative(cnp.expm1(cnp.negative(z)))

    def _sf(self, z):
        return cnp.exp(cnp.negative(z))

    def _logsf(self, z):
        return cnp.negative(z)

    def _ppf(self, q):
        return cnp.negative(cnp.log1p(cnp.negative(q)))

    def _isf(self, q):
        return cnp.negative(cnp.log(q))

    def _stats(self):
        return 1.0, 1.0

    def _entropy(self):
        return 1.0


class gamma_gen(rv_continuous):
    """The gamma distribution with shape ``a``; ``cdf`` is ``gammainc``, differentiable in
    ``a`` too."""

    name = "gamma"
    shapes = ("a",)
    a = 0.0
    _safe_shapes = (1.0,)

    def _support(self, *s):
        return 0.0, np.inf

    def _logpdf(self, z, a):
        return cnp.subtract(cnp.subtract(sc.xlogy(cnp.subtract(a, 1.0), z), z), sc.gammaln(a))

    def _cdf(self, z, a):
        return sc.gammainc(a, z)

    def _sf(self, z, a):
        return sc.gammaincc(a, z)

    def _ppf(self, q, a):
        return sc.gammaincinv(a, q)

    def _isf(self, q, a):
        return sc.gammainccinv(a, q)

    def _stats(self, a):
        return a, a

    def _entropy(self, a):
        return cnp.add(cnp.add(cnp.multiply(sc.digamma(a), cnp.subtract(1.0, a)), a),
                       sc.gammaln(a))


class invgamma_gen(rv_continuous):
    """The inverse gamma distribution with shape ``a``."""

    name = "invgamma"
    shapes = ("a",)
    _safe_shapes = (1.0,)

    def _support(self, *s):
        return 0.0, np.inf

    def _logpdf(self, z, a):
        zpos = cnp.greater(z, 0)
        zs = where(zpos, z, 1.0)
        val = cnp.subtract(cnp.subtract(cnp.multiply(cnp.negative(cnp.add(a, 1)), cnp.log(zs)),
                                        sc.gammaln(a)), cnp.divide(1.0, zs))
        return where(zpos, val, -np.inf)

    def _cdf(self, z, a):
        return sc.gammaincc(a, cnp.divide(1.0, z))

    def _sf(self, z, a):
        return sc.gammainc(a, cnp.divide(1.0, z))

    def _ppf(self, q, a):
        return cnp.divide(1.0, sc.gammainccinv(a, q))

    def _isf(self, q, a):
        return cnp.divide(1.0, sc.gammaincinv(a, q))

    def _stats(self, a):
        a1 = where(cnp.greater(a, 1), a, 2.0)
        a2 = where(cnp.greater(a, 2), a, 3.0)
        m1 = where(cnp.greater(a, 1), cnp.divide(1.0, cnp.subtract(a1, 1.0)), np.inf)
        m2 = where(cnp.greater(a, 2), cnp.divide(cnp.divide(1.0, cnp.square(cnp.subtract(a2, 1.0))),
                                                 cnp.subtract(a2, 2.0)), np.inf)
        return m1, m2

    def _entropy(self, a):
        return cnp.add(cnp.subtract(a, cnp.multiply(cnp.add(a, 1.0), sc.digamma(a))),
                       sc.gammaln(a))


class chi2_gen(rv_continuous):
    """The chi-squared distribution with ``df`` degrees of freedom (``df`` real, > 0)."""

    name = "chi2"
    shapes = ("df",)
    a = 0.0
    _safe_shapes = (2.0,)

    def _logpdf(self, z, df):
        h = cnp.divide(df, 2.0)
        return cnp.subtract(cnp.subtract(cnp.subtract(sc.xlogy(cnp.subtract(h, 1.0), z),
                                                      cnp.divide(z, 2.0)), sc.gammaln(h)),
                            cnp.multiply(math.log(2), h))

    def _cdf(self, z, df):
        return sc.gammainc(cnp.divide(df, 2.0), cnp.divide(z, 2.0))

    def _sf(self, z, df):
        return sc.gammaincc(cnp.divide(df, 2.0), cnp.divide(z, 2.0))

    def _ppf(self, q, df):
        return cnp.multiply(2.0, sc.gammaincinv(cnp.divide(df, 2.0), q))

    def _isf(self, q, df):
        return cnp.multiply(2.0, sc.gammainccinv(cnp.divide(df, 2.0), q))

    def _stats(self, df):
        return df, cnp.multiply(2.0, df)

    def _entropy(self, df):
        h = cnp.multiply(0.5, df)
        return cnp.add(cnp.add(cnp.add(h, math.log(2)), sc.gammaln(h)),
                       cnp.multiply(cnp.subtract(1.0, h), sc.digamma(h)))


class beta_gen(rv_continuous):
    """The beta distribution with shapes ``a``, ``b`` on ``[0, 1]``; ``cdf`` is ``betainc``,
    differentiable in ``a`` and ``b`` too."""

    name = "beta"
    shapes = ("a", "b")
    a, b = 0.0, 1.0
    _safe_shapes = (1.0, 1.0)

    def _support(self, *s):
        return 0.0, 1.0

    def _logpdf(self, z, a, b):
        return cnp.subtract(cnp.add(sc.xlog1py(cnp.subtract(b, 1.0), cnp.negative(z)),
                                    sc.xlogy(cnp.subtract(a, 1.0), z)), sc.betaln(a, b))

    def _cdf(self, z, a, b):
        return sc.betainc(a, b, z)

    def _sf(self, z, a, b):
        return sc.betaincc(a, b, z)

    def _ppf(self, q, a, b):
        return sc.betaincinv(a, b, q)

    def _isf(self, q, a, b):
        return sc.betainccinv(a, b, q)

    def _stats(self, a, b):
        ab = cnp.add(a, b)
        return (cnp.divide(a, ab),
                cnp.divide(cnp.multiply(a, b), cnp.multiply(cnp.square(ab), cnp.add(ab, 1.0))))

    def _entropy(self, a, b):
        ab = cnp.add(a, b)
        return cnp.add(cnp.subtract(cnp.subtract(
            sc.betaln(a, b), cnp.multiply(cnp.subtract(a, 1.0), sc.digamma(a))),
            cnp.multiply(cnp.subtract(b, 1.0), sc.digamma(b))),
            cnp.multiply(cnp.subtract(ab, 2.0), sc.digamma(ab)))


class weibull_min_gen(rv_continuous):
    """The Weibull minimum distribution with shape ``c``, support ``[0, inf)``."""

    name = "weibull_min"
    shapes = ("c",)
    a = 0.0
    _safe_shapes = (1.0,)

    def _support(self, *s):
        return 0.0, np.inf

    def _logpdf(self, z, c):
        return cnp.subtract(cnp.add(cnp.log(c), sc.xlogy(cnp.subtract(c, 1.0), z)),
                            cnp.power(z, c))

    def _cdf(self, z, c):
        return cnp.negative(cnp.expm1(cnp.negative(cnp.power(z, c))))

    def _logsf(self, z, c):
        return cnp.negative(cnp.power(z, c))

    def _sf(self, z, c):
        return cnp.exp(self._logsf(z, c))

    def _ppf(self, q, c):
        return cnp.power(cnp.negative(cnp.log1p(cnp.negative(q))), cnp.divide(1.0, c))

    def _isf(self, q, c):
        return cnp.power(cnp.negative(cnp.log(q)), cnp.divide(1.0, c))

    def _stats(self, c):
        m1 = sc.gamma(cnp.add(1.0, cnp.divide(1.0, c)))
        m2 = sc.gamma(cnp.add(1.0, cnp.divide(2.0, c)))
        return m1, cnp.subtract(m2, cnp.square(m1))

    def _entropy(self, c):
        return cnp.add(cnp.subtract(cnp.multiply(np.euler_gamma, cnp.subtract(
            1.0, cnp.divide(1.0, c))), cnp.log(c)), 1.0)


class pareto_gen(rv_continuous):
    """The Pareto distribution with shape ``b``, support ``[1, inf)``."""

    name = "pareto"
    shapes = ("b",)
    _safe_shapes = (1.0,)

    def _support(self, *s):
        return 1.0, np.inf

    def _logpdf(self, z, b):
        return cnp.subtract(cnp.log(b), cnp.multiply(cnp.add(b, 1.0), cnp.log(z)))

    def _pdf(self, z, b):
        return cnp.multiply(b, cnp.power(z, cnp.subtract(cnp.negative(b), 1.0)))

    def _cdf(self, z, b):
        return cnp.subtract(1.0, cnp.power(z, cnp.negative(b)))

    def _sf(self, z, b):
        return cnp.power(z, cnp.negative(b))

    def _ppf(self, q, b):
        return cnp.power(cnp.subtract(1.0, q), cnp.divide(-1.0, b))

    def _isf(self, q, b):
        return cnp.power(q, cnp.divide(-1.0, b))

    def _median(self, b):
        return cnp.power(2.0, cnp.divide(1.0, b))

    def _stats(self, b):
        b1 = where(cnp.greater(b, 1), b, 2.0)
        b2 = where(cnp.greater(b, 2), b, 3.0)
        mu = where(cnp.greater(b, 1), cnp.divide(b1, cnp.subtract(b1, 1.0)), np.inf)
        var = where(cnp.greater(b, 2), cnp.divide(cnp.divide(b2, cnp.subtract(b2, 2.0)),
                                                  cnp.square(cnp.subtract(b2, 1.0))), np.inf)
        return mu, var

    def _entropy(self, b):
        return cnp.subtract(cnp.add(1.0, cnp.divide(1.0, b)), cnp.log(b))


class gennorm_gen(rv_continuous):
    """The generalized normal distribution with shape ``beta`` (2: normal with variance
    1/2; 1: Laplace)."""

    name = "gennorm"
    shapes = ("beta",)
    _safe_shapes = (2.0,)

    def _logpdf(self, z, beta):
        return cnp.subtract(cnp.subtract(cnp.log(cnp.multiply(0.5, beta)),
                                         sc.gammaln(cnp.divide(1.0, beta))),
                            cnp.power(cnp.abs(z), beta))

    def _cdf(self, z, beta):
        c = cnp.multiply(0.5, cnp.sign(z))
        return cnp.subtract(cnp.add(0.5, c), cnp.multiply(
            c, sc.gammaincc(cnp.divide(1.0, beta), cnp.power(cnp.abs(z), beta))))

    def _sf(self, z, beta):
        return self._cdf(cnp.negative(z), beta)

    def _ppf(self, q, beta):
        c = cnp.sign(cnp.subtract(q, 0.5))
        p = cnp.subtract(cnp.add(1.0, c), cnp.multiply(cnp.multiply(2.0, c), q))
        return cnp.multiply(c, cnp.power(sc.gammainccinv(cnp.divide(1.0, beta), p),
                                         cnp.divide(1.0, beta)))

    def _isf(self, q, beta):
        return cnp.negative(self._ppf(q, beta))

    def _median(self, beta):
        return 0.0

    def _stats(self, beta):
        c1 = sc.gammaln(cnp.divide(1.0, beta))
        c3 = sc.gammaln(cnp.divide(3.0, beta))
        return cnp.zeros_like(beta), cnp.exp(cnp.subtract(c3, c1))

    def _entropy(self, beta):
        return cnp.add(cnp.subtract(cnp.divide(1.0, beta), cnp.log(cnp.multiply(0.5, beta))),
                       sc.gammaln(cnp.divide(1.0, beta)))


class skewnorm_gen(rv_continuous):
    """The skew-normal distribution with shape ``a``: ``2 phi(x) Phi(a x)``.  ``cdf``,
    ``sf`` and the quantiles are SciPy's numerical routines: plain arrays only."""

    name = "skewnorm"
    shapes = ("a",)
    _safe_shapes = (0.0,)
    not_traced = ("cdf", "logcdf", "sf", "logsf", "ppf", "isf", "entropy")

    def _argcheck(self, a):
        return cnp.isfinite(a)

    def _logpdf(self, z, a):
        zero = cnp.equal(a, 0)  # the normal distribution (no 0 * inf at the tails)
        az = cnp.multiply(a, where(zero, 0.0, z))
        return where(zero, _norm_logpdf(z), cnp.add(cnp.add(math.log(2.0), _norm_logpdf(z)),
                                                     sc.log_ndtr(az)))

    def _pdf(self, z, a):
        zero = cnp.equal(a, 0)
        az = cnp.multiply(a, where(zero, 0.0, z))
        pdf = cnp.exp(_norm_logpdf(z))
        return where(zero, pdf, cnp.multiply(2.0, cnp.multiply(pdf, sc.ndtr(az))))

    def _stats(self, a):
        const = cnp.multiply(math.sqrt(2 / math.pi),
                             cnp.divide(a, cnp.sqrt(cnp.add(1.0, cnp.square(a)))))
        return const, cnp.subtract(1.0, cnp.square(const))


class vonmises_gen(rv_continuous):
    """The von Mises distribution with concentration ``kappa`` (SciPy's density is
    periodic, defined on the whole line).  ``cdf``, the quantiles and the moments are
    SciPy's numerical routines: plain arrays only."""

    name = "vonmises"
    shapes = ("kappa",)
    _safe_shapes = (1.0,)
    not_traced = ("cdf", "logcdf", "sf", "logsf", "ppf", "isf", "mean", "var", "std")

    def _logpdf(self, z, kappa):
        # kappa (cos z - 1) - log(2 pi i0e(kappa)): no overflow for large kappa
        return cnp.subtract(cnp.multiply(kappa, cnp.subtract(cnp.cos(z), 1.0)),
                            cnp.add(math.log(2 * math.pi), cnp.log(sc.i0e(kappa))))

    def _entropy(self, kappa):
        return cnp.subtract(cnp.add(math.log(2 * math.pi), cnp.log(sc.i0e(kappa))),
                            cnp.multiply(kappa, cnp.subtract(
                                cnp.divide(sc.i1e(kappa), sc.i0e(kappa)), 1.0)))



def _log_diff(log_p, log_q):
    """``log(exp(log_p) - exp(log_q))`` for ``log_q <= log_p``."""
    return cnp.add(log_p, cnp.log1p(cnp.negative(cnp.exp(cnp.subtract(log_q, log_p)))))


def _log_gauss_mass(a, b):
    """``log(Phi(b) - Phi(a))``, computed in the left tail (SciPy's three cases)."""
    left = cnp.less_equal(b, 0)
    right = cnp.greater(a, 0)
    central = cnp.logical_not(cnp.logical_or(left, right))
    # stand-in arguments keep each branch finite where it is not used
    al, bl = where(left, a, -2.0), where(left, b, -1.0)
    ar, br = where(right, a, 1.0), where(right, b, 2.0)
    ac, bc = where(central, a, -1.0), where(central, b, 1.0)
    m_left = _log_diff(sc.log_ndtr(bl), sc.log_ndtr(al))
    m_right = _log_diff(sc.log_ndtr(cnp.negative(ar)), sc.log_ndtr(cnp.negative(br)))
    m_central = cnp.log1p(cnp.subtract(cnp.negative(sc.ndtr(ac)), sc.ndtr(cnp.negative(bc))))
    return where(left, m_left, where(right, m_right, m_central))


class truncnorm_gen(rv_continuous):
    """The standard normal truncated to ``[a, b]`` (in standardized units), as SciPy.
    The quantiles and moments are SciPy's numerical routines: plain arrays only."""

    name = "truncnorm"
    shapes = ("a", "b")
    _safe_shapes = (-1.0, 1.0)
    not_traced = ("ppf", "isf", "mean", "var", "std", "entropy")

    def _argcheck(self, a, b):
        return cnp.less(a, b)

    def _support(self, a, b):
        return a, b

    def _safe_z(self, a, b):
        fa, fb = cnp.isfinite(a), cnp.isfinite(b)
        a0, b0 = where(fa, a, 0.0), where(fb, b, 0.0)
        return where(cnp.logical_and(fa, fb), cnp.multiply(0.5, cnp.add(a0, b0)),
                     where(fa, cnp.add(a0, 1.0), where(fb, cnp.subtract(b0, 1.0), 0.0)))

    def _logpdf(self, z, a, b):
        return cnp.subtract(_norm_logpdf(z), _log_gauss_mass(a, b))

    def _raw_logcdf(self, z, a, b):
        return cnp.subtract(_log_gauss_mass(a, z), _log_gauss_mass(a, b))

    def _raw_logsf(self, z, a, b):
        return cnp.subtract(_log_gauss_mass(z, b), _log_gauss_mass(a, b))

    def _logcdf(self, z, a, b):
        v = self._raw_logcdf(z, a, b)
        big = cnp.greater(v, -0.1)  # SciPy's switch against cancellation
        alt = cnp.log1p(cnp.negative(cnp.exp(where(big, self._raw_logsf(z, a, b), -1.0))))
        return where(big, alt, v)

    def _logsf(self, z, a, b):
        v = self._raw_logsf(z, a, b)
        big = cnp.greater(v, -0.1)
        alt = cnp.log1p(cnp.negative(cnp.exp(where(big, self._raw_logcdf(z, a, b), -1.0))))
        return where(big, alt, v)

    def _cdf(self, z, a, b):
        return cnp.exp(self._logcdf(z, a, b))

    def _sf(self, z, a, b):
        return cnp.exp(self._logsf(z, a, b))


norm = norm_gen()
halfnorm = halfnorm_gen()
lognorm = lognorm_gen()
t = t_gen()
cauchy = cauchy_gen()
halfcauchy = halfcauchy_gen()
laplace = laplace_gen()
logistic = logistic_gen()
uniform = uniform_gen()
expon = expon_gen()
gamma = gamma_gen()
invgamma = invgamma_gen()
chi2 = chi2_gen()
beta = beta_gen()
weibull_min = weibull_min_gen()
pareto = pareto_gen()
gennorm = gennorm_gen()
skewnorm = skewnorm_gen()
vonmises = vonmises_gen()
truncnorm = truncnorm_gen()
