"""Multivariate distributions of ``chainrule.scipy.stats``."""

from __future__ import annotations

import math

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as _np_linalg

from ...core import concrete_value, is_tracer
from ...lax import special as sc
from ._base import (as_float, finish_output, generator_from, is_plain, no_derivative,
                    scipy_stats, where)

_LOG_2PI = math.log(2 * math.pi)


def _value(v):
    c = concrete_value(v) if is_tracer(v) else v
    return None if c is None else np.asarray(c)


def _check_psd(cov, allow_singular):
    """SciPy's errors for a covariance that is not positive (semi)definite, when its
    value is known (under ``jit`` the Cholesky factorization itself fails instead)."""
    c = _value(cov)
    if c is None:
        return
    s = np.linalg.eigvalsh(c)
    eps = 1e6 * np.finfo(np.float64).eps * np.max(np.abs(s), axis=-1, keepdims=True)
    if np.any(np.min(s, axis=-1, keepdims=True) < -eps):
        raise ValueError("The input matrix must be symmetric positive semidefinite.")
    if not allow_singular and np.any(np.sum(s > eps, axis=-1) < c.shape[-1]):
        raise np.linalg.LinAlgError("When `allow_singular is False`, the input matrix must "
                                    "be symmetric positive definite.")


def _params(mean, cov):
    """(dim, mean (..., d), cov (..., d, d)) as SciPy reads them, plus batch dimensions."""
    if mean is None:
        cov = as_float(1.0 if cov is None else cov)
        d = 1 if cnp.ndim(cov) < 1 else cnp.shape(cov)[-1]
        mean = cnp.zeros(d)
    else:
        mean = as_float(mean)
        if cnp.ndim(mean) == 0:
            mean = cnp.reshape(mean, (1,))
        d = cnp.shape(mean)[-1]
        cov = as_float(1.0 if cov is None else cov)
    if cnp.ndim(cov) == 0:
        cov = cnp.multiply(cov, cnp.eye(d))
    elif cnp.ndim(cov) == 1:
        cov = cnp.multiply(cov, cnp.eye(d))  # a vector: the diagonal
    return d, mean, cov


def _quantiles(x, d):
    x = as_float(x)
    if cnp.ndim(x) == 0:
        x = cnp.reshape(x, (1,))
    if cnp.ndim(x) == 1 and d == 1:
        x = cnp.reshape(x, (-1, 1))
    return x


def _squeeze(out):
    if is_tracer(out):
        return cnp.squeeze(out)
    out = np.squeeze(np.asarray(out))
    return out[()] if out.ndim == 0 else out


def _batched(mean, cov):
    return mean is not None and np.ndim(mean) > 1 or cov is not None and np.ndim(cov) > 2


class multivariate_normal_gen:
    """The multivariate normal distribution, as ``scipy.stats.multivariate_normal``.

    ``logpdf``/``pdf``/``entropy`` are differentiable in ``x``, ``mean`` and ``cov``
    (through a Cholesky factorization; with ``allow_singular=True``, through the
    eigendecomposition SciPy uses, whose derivative needs distinct eigenvalues).  Beyond
    SciPy, ``mean`` may have batch dimensions ``(..., d)`` and ``cov`` ``(..., d, d)``; they
    broadcast with ``x``.  A covariance that is not positive semidefinite raises SciPy's
    ValueError; a singular one with ``allow_singular=False`` raises SciPy's LinAlgError.

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule as cr
    >>> from chainrule.scipy import stats
    >>> cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> float(stats.multivariate_normal.logpdf([0.5, -0.2], [0.0, 0.0], cov))
    -2.2405421032341994
    >>> g = cr.grad(lambda m: stats.multivariate_normal.logpdf([0.5, -0.2], m, cov))
    >>> np.round(g(np.zeros(2)), 6)  # cov^{-1} (x - mean)
    array([ 0.342857, -0.371429])
    """

    name = "multivariate_normal"

    def __repr__(self):
        return "<chainrule.scipy.stats.multivariate_normal>"

    def __call__(self, mean=None, cov=1, allow_singular=False, seed=None):
        return multivariate_normal_frozen(mean, cov, allow_singular, seed)

    def logpdf(self, x, mean=None, cov=1, allow_singular=False):
        """Log of the probability density at ``x``."""
        if is_plain((x, mean, cov)) and not _batched(mean, cov):
            return scipy_stats.multivariate_normal.logpdf(x, mean, cov,
                                                          allow_singular=allow_singular)
        d, mean, cov = _params(mean, cov)
        x = _quantiles(x, d)
        _check_psd(cov, allow_singular)
        diff = cnp.subtract(x, mean)
        if not allow_singular:
            chol = _np_linalg.cholesky(cov)
            eye = cnp.eye(d)
            inv = _np_linalg.solve(chol, cnp.broadcast_to(eye, cnp.shape(chol)))
            y = cnp.einsum("...ij,...j->...i", inv, diff)
            maha = cnp.sum(cnp.square(y), axis=-1)
            logdet = cnp.multiply(2.0, cnp.sum(cnp.log(
                cnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1))
            out = cnp.multiply(-0.5, cnp.add(cnp.add(d * _LOG_2PI, logdet), maha))
        else:
            out = self._singular(diff, cov, d)
        return _squeeze(out)

    def _singular(self, diff, cov, d):
        s, u = _np_linalg.eigh(cov)
        sv = _value(s)
        if sv is None:
            raise TypeError("multivariate_normal with allow_singular=True needs a known "
                            "covariance (its rank decides the formula); call it outside jit")
        eps = 1e6 * np.finfo(np.float64).eps * np.max(np.abs(sv), axis=-1, keepdims=True)
        keep = sv > eps
        rank = np.sum(keep, axis=-1)
        ss = where(keep, s, 1.0)
        s_pinv = where(keep, cnp.divide(1.0, ss), 0.0)
        log_pdet = cnp.sum(where(keep, cnp.log(ss), 0.0), axis=-1)
        proj = cnp.einsum("...ji,...j->...i", u, diff)
        maha = cnp.sum(cnp.multiply(cnp.square(proj), s_pinv), axis=-1)
        out = cnp.multiply(-0.5, cnp.add(cnp.add(rank * _LOG_2PI, log_pdet), maha))
        if np.any(rank < d):
            # outside the support (the range of cov): -inf, as SciPy
            resid = cnp.sqrt(cnp.sum(where(keep, 0.0, cnp.square(proj)), axis=-1))
            out = where(cnp.less(resid, eps[..., 0]), out, -np.inf)
        return out

    def pdf(self, x, mean=None, cov=1, allow_singular=False):
        """Probability density at ``x``."""
        if is_plain((x, mean, cov)) and not _batched(mean, cov):
            return scipy_stats.multivariate_normal.pdf(x, mean, cov, allow_singular=allow_singular)
        return cnp.exp(self.logpdf(x, mean, cov, allow_singular))

    def entropy(self, mean=None, cov=1):
        """Differential entropy ``0.5 (rank (1 + log 2 pi) + log pdet(cov))`` (SciPy's
        pseudo-determinant for a singular ``cov``; under ``jit`` ``cov`` must be positive
        definite)."""
        if is_plain((mean, cov)) and not _batched(mean, cov):
            return scipy_stats.multivariate_normal.entropy(mean, cov)
        d, mean, cov = _params(mean, cov)
        _check_psd(cov, True)
        s = _np_linalg.eigvalsh(cov)
        sv = _value(s)
        if sv is None or np.all(sv > 1e6 * np.finfo(np.float64).eps
                                * np.max(np.abs(sv), axis=-1, keepdims=True)):
            sign, logdet = _np_linalg.slogdet(cov)
            return finish_output(cnp.multiply(0.5, cnp.add(d * (_LOG_2PI + 1), logdet)))
        eps = 1e6 * np.finfo(np.float64).eps * np.max(np.abs(sv), axis=-1, keepdims=True)
        keep = sv > eps
        log_pdet = cnp.sum(where(keep, cnp.log(where(keep, s, 1.0)), 0.0), axis=-1)
        return finish_output(cnp.multiply(0.5, cnp.add(np.sum(keep, -1) * (_LOG_2PI + 1),
                                                        log_pdet)))

    def rvs(self, mean=None, cov=1, size=1, random_state=None, rng=None):
        """Random vectors.  On plain parameters: SciPy's, for the same Generator.  With
        traced ``mean``/``cov``: ``mean + L z`` (``L`` the Cholesky factor, ``z`` standard
        normal from ``random_state``), differentiable in both, but not SciPy's numbers
        (SciPy transforms with an SVD)."""
        rs = generator_from(random_state, rng, "multivariate_normal")
        if is_plain((mean, cov)) and not _batched(mean, cov):
            return scipy_stats.multivariate_normal.rvs(mean, cov, size=size, random_state=rs)
        d, mean, cov = _params(mean, cov)
        shape = (size,) if np.isscalar(size) else tuple(size)
        z = rs.standard_normal(shape + (d,))
        chol = _np_linalg.cholesky(cov)
        out = cnp.add(mean, cnp.einsum("...ij,...j->...i", chol, z))
        return _squeeze(out)


class multivariate_normal_frozen:
    """``multivariate_normal(mean, cov, allow_singular)`` with the parameters fixed."""

    def __init__(self, mean=None, cov=1, allow_singular=False, seed=None):
        self.mean, self.cov_arg = mean, cov
        self.allow_singular, self.random_state = allow_singular, seed
        d, m, c = _params(mean, cov)
        self.dim = d
        self.cov = c
        self.mean = m

    def logpdf(self, x):
        return multivariate_normal.logpdf(x, self.mean, self.cov, self.allow_singular)

    def pdf(self, x):
        return multivariate_normal.pdf(x, self.mean, self.cov, self.allow_singular)

    def entropy(self):
        return multivariate_normal.entropy(self.mean, self.cov)

    def rvs(self, size=1, random_state=None, rng=None):
        rs = self.random_state if random_state is None and rng is None else random_state
        return multivariate_normal.rvs(self.mean, self.cov, size, rs, rng)


multivariate_normal = multivariate_normal_gen()


def _check_with_scipy(fn, *args):
    """SciPy's own input errors, when the values are known (under ``jit`` they are not)."""
    vals = [_value(a) if a is not None else None for a in args]
    if any(v is None for v, a in zip(vals, args) if a is not None):
        return
    fn(*[v.item() if v is not None and v.ndim == 0 else v for v in vals])


class multivariate_t_gen:
    """The multivariate t distribution, as ``scipy.stats.multivariate_t``: ``logpdf`` and
    ``pdf`` differentiable in ``x``, ``loc``, ``shape`` (symmetric perturbations) and
    ``df`` (finite); Cholesky-based, so ``shape`` must be positive definite (SciPy's error
    otherwise).

    Examples
    --------
    >>> from chainrule.scipy import stats
    >>> float(stats.multivariate_t.logpdf([0.1, 0.2], [0.0, 0.0], [[2.0, 0.5], [0.5, 1.0]], 3.5))
    -2.1489352966654227
    """

    def logpdf(self, x, loc=None, shape=1, df=1):
        """Log of the density at ``x``."""
        if is_plain((x, loc, shape, df)):
            return scipy_stats.multivariate_t.logpdf(x, loc, shape, df)
        d, loc, shape = _params(loc, shape)
        x = _quantiles(x, d)
        _check_psd(shape, False)
        df = as_float(df)
        chol = _np_linalg.cholesky(shape)
        inv = _np_linalg.solve(chol, cnp.eye(d))
        y = cnp.einsum("ij,...j->...i", inv, cnp.subtract(x, loc))
        maha = cnp.sum(cnp.square(y), axis=-1)
        logdet = cnp.multiply(2.0, cnp.sum(cnp.log(cnp.diagonal(chol))))
        half = cnp.multiply(0.5, cnp.add(df, d))
        out = cnp.subtract(cnp.subtract(sc.gammaln(half), sc.gammaln(cnp.multiply(0.5, df))),
                           cnp.add(cnp.multiply(d / 2, cnp.log(cnp.multiply(df, math.pi))),
                                   cnp.multiply(0.5, logdet)))
        out = cnp.subtract(out, cnp.multiply(half, cnp.log1p(cnp.divide(maha, df))))
        return _squeeze(out)

    def pdf(self, x, loc=None, shape=1, df=1):
        """Density at ``x``."""
        if is_plain((x, loc, shape, df)):
            return scipy_stats.multivariate_t.pdf(x, loc, shape, df)
        return cnp.exp(self.logpdf(x, loc, shape, df))


class dirichlet_gen:
    """The Dirichlet distribution, as ``scipy.stats.dirichlet``: ``x`` has the components
    along its first axis (``K`` or ``K - 1`` of them, SciPy's convention).  ``logpdf``,
    ``pdf``, ``mean``, ``var`` and ``entropy`` are differentiable in ``x`` and ``alpha``;
    SciPy's ValueError for ``x`` outside the simplex or a bad ``alpha`` (when known).

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy import stats
    >>> float(stats.dirichlet.logpdf([0.2, 0.3, 0.5], [1.0, 2.0, 3.0]))
    1.5040773967762737
    """

    def _x(self, x, alpha):
        x = as_float(x)
        k = cnp.shape(alpha)[0]
        if cnp.shape(x)[0] == k - 1:
            last = cnp.subtract(1.0, cnp.sum(x, axis=0, keepdims=True))
            x = cnp.concatenate([x, last], axis=0)
        return x

    def _lnB(self, alpha):
        return cnp.subtract(cnp.sum(sc.gammaln(alpha)), sc.gammaln(cnp.sum(alpha)))

    def logpdf(self, x, alpha):
        """Log of the density at ``x``."""
        if is_plain((x, alpha)):
            return scipy_stats.dirichlet.logpdf(x, alpha)
        _check_with_scipy(scipy_stats.dirichlet.logpdf, x, alpha)
        alpha = as_float(alpha)
        x = self._x(x, alpha)
        a = cnp.reshape(cnp.subtract(alpha, 1.0), (-1,) + (1,) * (cnp.ndim(x) - 1))
        out = cnp.subtract(cnp.sum(sc.xlogy(a, x), axis=0), self._lnB(alpha))
        return finish_output(out)

    def pdf(self, x, alpha):
        """Density at ``x``."""
        if is_plain((x, alpha)):
            return scipy_stats.dirichlet.pdf(x, alpha)
        return cnp.exp(self.logpdf(x, alpha))

    def mean(self, alpha):
        """``alpha / sum(alpha)``."""
        if is_plain((alpha,)):
            return scipy_stats.dirichlet.mean(alpha)
        _check_with_scipy(scipy_stats.dirichlet.mean, alpha)
        alpha = as_float(alpha)
        return cnp.divide(alpha, cnp.sum(alpha))

    def var(self, alpha):
        """``alpha (a0 - alpha) / (a0^2 (a0 + 1))``."""
        if is_plain((alpha,)):
            return scipy_stats.dirichlet.var(alpha)
        _check_with_scipy(scipy_stats.dirichlet.var, alpha)
        alpha = as_float(alpha)
        a0 = cnp.sum(alpha)
        return cnp.divide(cnp.multiply(alpha, cnp.subtract(a0, alpha)),
                          cnp.multiply(cnp.square(a0), cnp.add(a0, 1.0)))

    def entropy(self, alpha):
        """Differential entropy."""
        if is_plain((alpha,)):
            return scipy_stats.dirichlet.entropy(alpha)
        _check_with_scipy(scipy_stats.dirichlet.entropy, alpha)
        alpha = as_float(alpha)
        a0 = cnp.sum(alpha)
        k = cnp.shape(alpha)[0]
        return finish_output(cnp.subtract(
            cnp.add(self._lnB(alpha), cnp.multiply(cnp.subtract(a0, k), sc.digamma(a0))),
            cnp.sum(cnp.multiply(cnp.subtract(alpha, 1.0), sc.digamma(alpha)))))


class multinomial_gen:
    """The multinomial distribution, as ``scipy.stats.multinomial``: ``logpmf``/``pmf``
    differentiable in ``p`` (SciPy replaces the last probability by ``1 - sum(others)``;
    so does this); the counts ``x`` and ``n`` have no derivative (asking raises).  Counts
    that are negative, non-integer or do not sum to ``n`` give ``-inf``; ``n < 0`` or a
    probability outside ``[0, 1]`` gives NaN, as SciPy.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy import stats
    >>> float(stats.multinomial.logpmf([1, 2, 3], 6, [0.2, 0.3, 0.5]))
    -2.0024805005437063
    """

    def logpmf(self, x, n, p):
        """Log of the probability of the counts ``x``."""
        if is_plain((x, n, p)):
            return scipy_stats.multinomial.logpmf(x, n, p)
        x = no_derivative(as_float(x), "multinomial.logpmf", "x")
        n = no_derivative(as_float(n), "multinomial.logpmf", "n")
        p = as_float(p)
        p = cnp.concatenate([p[..., :-1], cnp.subtract(
            1.0, cnp.sum(p[..., :-1], axis=-1, keepdims=True))], axis=-1)
        bad_p = cnp.any(cnp.logical_or(cnp.less(p, 0), cnp.greater(p, 1)), axis=-1)
        ps = cnp.where(bad_p[..., None], 0.5, p)
        out = cnp.add(sc.gammaln(cnp.add(n, 1)),
                      cnp.sum(cnp.subtract(sc.xlogy(x, ps), sc.gammaln(cnp.add(x, 1))),
                              axis=-1))
        xbad = cnp.logical_or(cnp.any(cnp.logical_or(cnp.less(x, 0), cnp.not_equal(
            cnp.floor(x), x)), axis=-1), cnp.not_equal(cnp.sum(x, axis=-1), n))
        out = cnp.where(xbad, -np.inf, out)
        bad = cnp.logical_or(bad_p, cnp.less(n, 0))
        bad_val = cnp.multiply(cnp.sum(p, axis=-1), cnp.where(bad, np.nan, 0.0))
        return finish_output(cnp.where(bad, bad_val, out))

    def pmf(self, x, n, p):
        """Probability of the counts ``x``."""
        if is_plain((x, n, p)):
            return scipy_stats.multinomial.pmf(x, n, p)
        return cnp.exp(self.logpmf(x, n, p))


class wishart_gen:
    """The Wishart distribution, as ``scipy.stats.wishart`` (``logpdf``/``pdf`` only):
    differentiable in ``x``, ``df`` and ``scale`` (symmetric perturbations).  ``x`` is
    ``(p, p)`` or ``(p, p, n)`` (SciPy's convention: the batch on the last axis).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy import stats
    >>> float(stats.wishart.logpdf(np.eye(2), 4.5, [[2.0, 0.5], [0.5, 1.0]]))
    -5.848276229313923
    """

    def logpdf(self, x, df=None, scale=None):
        """Log of the density at ``x``."""
        if is_plain((x, df, scale)):
            # a 0-d array df is taken as the scalar it holds (SciPy insists on a scalar)
            df = df.item() if isinstance(df, np.ndarray) and df.ndim == 0 else df
            return scipy_stats.wishart.logpdf(x, df, scale)
        _check_with_scipy(scipy_stats.wishart.logpdf, x, df, scale)
        scale = as_float(1.0 if scale is None else scale)
        if cnp.ndim(scale) == 0:
            scale = cnp.reshape(scale, (1, 1))
        elif cnp.ndim(scale) == 1:
            scale = cnp.multiply(scale, cnp.eye(cnp.shape(scale)[0]))
        p = cnp.shape(scale)[0]
        df = as_float(p if df is None else df)
        x = as_float(x)
        if cnp.ndim(x) == 0:
            x = cnp.reshape(x, (1, 1))
        elif cnp.ndim(x) == 1:
            x = cnp.reshape(x, (1, 1, -1)) if p == 1 else x
        xs = cnp.moveaxis(x, (0, 1), (-2, -1)) if cnp.ndim(x) == 3 else x
        _, logdet_x = _np_linalg.slogdet(xs)
        _, logdet_s = _np_linalg.slogdet(scale)
        tr = cnp.trace(_np_linalg.solve(scale, xs), axis1=-2, axis2=-1) if cnp.ndim(xs) == 2 \
            else cnp.einsum("ij,nji->n", _np_linalg.inv(scale), xs)
        half = cnp.multiply(0.5, df)
        out = cnp.subtract(cnp.multiply(cnp.multiply(0.5, cnp.subtract(df, p + 1.0)), logdet_x),
                           cnp.multiply(0.5, tr))
        out = cnp.subtract(out, cnp.add(cnp.multiply(half, p * math.log(2.0)),
                                        cnp.multiply(half, logdet_s)))
        out = cnp.subtract(out, _multigammaln(half, p))
        return finish_output(out)

    def pdf(self, x, df=None, scale=None):
        """Density at ``x``."""
        if is_plain((x, df, scale)):
            # a 0-d array df is taken as the scalar it holds (SciPy insists on a scalar)
            df = df.item() if isinstance(df, np.ndarray) and df.ndim == 0 else df
            return scipy_stats.wishart.pdf(x, df, scale)
        return cnp.exp(self.logpdf(x, df, scale))


def _multigammaln(a, d):
    out = d * (d - 1) / 4 * math.log(math.pi)
    for j in range(d):
        out = cnp.add(out, sc.gammaln(cnp.subtract(a, j / 2)))
    return out


multivariate_t = multivariate_t_gen()
dirichlet = dirichlet_gen()
multinomial = multinomial_gen()
wishart = wishart_gen()
