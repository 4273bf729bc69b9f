"""Multivariate distributions of ``chainrule.scipy.stats``."""

from __future__ import annotations

import math

import numpy as np
import scipy.stats as _st

import chainrule.numpy as cnp

from ...core import Tracer, concrete_value
from ._base import _finish, as_float, is_plain, where

_LOG_2PI = math.log(2 * math.pi)


def _value(v):
    c = concrete_value(v) if isinstance(v, Tracer) else v
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
    if isinstance(out, Tracer):
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
            return _st.multivariate_normal.logpdf(x, mean, cov, allow_singular=allow_singular)
        d, mean, cov = _params(mean, cov)
        x = _quantiles(x, d)
        _check_psd(cov, allow_singular)
        diff = cnp.subtract(x, mean)
        if not allow_singular:
            chol = cnp.linalg.cholesky(cov)
            eye = cnp.eye(d)
            inv = cnp.linalg.solve(chol, cnp.broadcast_to(eye, cnp.shape(chol)))
            y = cnp.einsum("...ij,...j->...i", inv, diff)
            maha = cnp.sum(cnp.square(y), axis=-1)
            logdet = cnp.multiply(2.0, cnp.sum(cnp.log(
                cnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1))
            out = cnp.multiply(-0.5, cnp.add(cnp.add(d * _LOG_2PI, logdet), maha))
        else:
            out = self._singular(diff, cov, d)
        return _squeeze(out)

    def _singular(self, diff, cov, d):
        s, u = cnp.linalg.eigh(cov)
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
            return _st.multivariate_normal.pdf(x, mean, cov, allow_singular=allow_singular)
        return cnp.exp(self.logpdf(x, mean, cov, allow_singular))

    def entropy(self, mean=None, cov=1):
        """Differential entropy ``0.5 (rank (1 + log 2 pi) + log pdet(cov))`` (SciPy's
        pseudo-determinant for a singular ``cov``; under ``jit`` ``cov`` must be positive
        definite)."""
        if is_plain((mean, cov)) and not _batched(mean, cov):
            return _st.multivariate_normal.entropy(mean, cov)
        d, mean, cov = _params(mean, cov)
        _check_psd(cov, True)
        s = cnp.linalg.eigvalsh(cov)
        sv = _value(s)
        if sv is None or np.all(sv > 1e6 * np.finfo(np.float64).eps
                                * np.max(np.abs(sv), axis=-1, keepdims=True)):
            sign, logdet = cnp.linalg.slogdet(cov)
            return _finish(cnp.multiply(0.5, cnp.add(d * (_LOG_2PI + 1), logdet)))
        eps = 1e6 * np.finfo(np.float64).eps * np.max(np.abs(sv), axis=-1, keepdims=True)
        keep = sv > eps
        log_pdet = cnp.sum(where(keep, cnp.log(where(keep, s, 1.0)), 0.0), axis=-1)
        return _finish(cnp.multiply(0.5, cnp.add(np.sum(keep, -1) * (_LOG_2PI + 1), log_pdet)))

    def rvs(self, mean=None, cov=1, size=1, random_state=None):
        """Random vectors.  On plain parameters: SciPy's, for the same Generator.  With
        traced ``mean``/``cov``: ``mean + L z`` (``L`` the Cholesky factor, ``z`` standard
        normal from ``random_state``), differentiable in both, but not SciPy's numbers
        (SciPy transforms with an SVD)."""
        rs = random_state
        if rs is None or isinstance(rs, (int, np.integer)):
            rs = np.random.default_rng(rs)
        if is_plain((mean, cov)) and not _batched(mean, cov):
            return _st.multivariate_normal.rvs(mean, cov, size=size, random_state=rs)
        d, mean, cov = _params(mean, cov)
        shape = (size,) if np.isscalar(size) else tuple(size)
        z = rs.standard_normal(shape + (d,))
        chol = cnp.linalg.cholesky(cov)
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

    def rvs(self, size=1, random_state=None):
        rs = self.random_state if random_state is None else random_state
        return multivariate_normal.rvs(self.mean, self.cov, size, rs)


multivariate_normal = multivariate_normal_gen()
