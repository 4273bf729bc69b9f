"""``gaussian_kde``: kernel density estimation with Gaussian kernels, differentiable in the
evaluation points, the data and the weights."""

from __future__ import annotations

import math

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as _np_linalg

from ...control.custom import stop_gradient
from ._base import scipy_stats, as_float, is_plain


class gaussian_kde:
    """Kernel density estimate with Gaussian kernels, as ``scipy.stats.gaussian_kde``.

    ``dataset`` is ``(d, n)`` (or 1-D for ``d = 1``); the bandwidth follows SciPy
    (``"scott"`` by default, ``"silverman"``, a number, or a callable of the estimator) and
    the kernel covariance is the weighted data covariance times the factor squared.  On plain
    arrays every method is SciPy's own; otherwise ``logpdf``/``pdf``/``evaluate`` are
    computed as a log-sum-exp over the data points, differentiable in the points, the data
    and the weights.

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule as cr
    >>> from chainrule.scipy import stats
    >>> data = np.array([-1.0, 0.2, 0.5, 1.7, 2.2])
    >>> kde = stats.gaussian_kde(data)
    >>> bool(np.allclose(kde.logpdf([0.0, 1.0]),
    ...                  __import__("scipy").stats.gaussian_kde(data).logpdf([0.0, 1.0])))
    True
    >>> g = cr.grad(lambda d: stats.gaussian_kde(d).logpdf(0.3)[0])(data)
    >>> g.shape
    (5,)
    """

    def __init__(self, dataset, bw_method=None, weights=None):
        self._plain = is_plain((dataset, weights)) and (
            bw_method is None or isinstance(bw_method, (str, int, float)))
        if self._plain:
            self._scipy = scipy_stats.gaussian_kde(dataset, bw_method=bw_method, weights=weights)
        data = as_float(dataset)
        if cnp.ndim(data) < 2:
            data = cnp.reshape(data, (1, -1))
        self.dataset = data
        self.d, self.n = cnp.shape(data)
        if self.d > self.n and self._plain is False:
            raise ValueError("Number of dimensions is greater than number of samples. This "
                             "results in a singular data covariance matrix, which cannot be "
                             "treated using the algorithms implemented in `gaussian_kde`.")
        if weights is None:
            self.weights = cnp.full(self.n, 1.0 / self.n)
        else:
            w = as_float(weights)
            self.weights = cnp.divide(w, cnp.sum(w))
        self.neff = cnp.divide(1.0, cnp.sum(cnp.square(self.weights)))
        self.set_bandwidth(bw_method)

    def scotts_factor(self):
        """``neff ** (-1 / (d + 4))``."""
        return cnp.power(self.neff, -1.0 / (self.d + 4))

    def silverman_factor(self):
        """``(neff (d + 2) / 4) ** (-1 / (d + 4))``."""
        return cnp.power(cnp.multiply(self.neff, (self.d + 2.0) / 4.0), -1.0 / (self.d + 4))

    covariance_factor = scotts_factor

    def set_bandwidth(self, bw_method=None):
        """Set the bandwidth factor (as SciPy's ``set_bandwidth``)."""
        if bw_method is None or bw_method == "scott":
            self.covariance_factor = self.scotts_factor
        elif bw_method == "silverman":
            self.covariance_factor = self.silverman_factor
        elif np.isscalar(bw_method) and not isinstance(bw_method, str):
            self.covariance_factor = lambda: bw_method
        elif callable(bw_method):
            self.covariance_factor = lambda: bw_method(self)
        else:
            raise ValueError("`bw_method` should be 'scott', 'silverman', a scalar "
                             "or a callable.")
        self.factor = self.covariance_factor()
        mean = cnp.sum(cnp.multiply(self.dataset, self.weights), axis=1, keepdims=True)
        dev = cnp.subtract(self.dataset, mean)
        wsum2 = cnp.sum(cnp.square(self.weights))
        data_cov = cnp.divide(cnp.einsum("in,jn,n->ij", dev, dev, self.weights),
                              cnp.subtract(1.0, wsum2))
        self.covariance = cnp.multiply(data_cov, cnp.square(self.factor))
        if getattr(self, "_plain", False) and bw_method is not None and hasattr(self, "_scipy"):
            self._scipy.set_bandwidth(bw_method)

    def _points(self, points):
        p = as_float(points)
        if cnp.ndim(p) == 0:
            p = cnp.reshape(p, (1, 1))
        elif cnp.ndim(p) == 1:
            p = cnp.reshape(p, (1, -1)) if self.d == 1 else cnp.reshape(p, (self.d, 1))
        if cnp.shape(p)[0] != self.d:
            raise ValueError(f"points have dimension {cnp.shape(p)[0]}, dataset has "
                             f"dimension {self.d}")
        return p

    def logpdf(self, x):
        """Log of the estimated density at the points ``x`` (``(d, m)``, or 1-D)."""
        if self._plain and is_plain((x,)):
            return self._scipy.logpdf(x)
        pts = self._points(x)
        chol = _np_linalg.cholesky(self.covariance)
        inv = _np_linalg.solve(chol, cnp.eye(self.d))
        diff = cnp.subtract(pts[:, :, None], self.dataset[:, None, :])  # (d, m, n)
        y = cnp.einsum("ij,jmn->imn", inv, diff)
        energy = cnp.multiply(0.5, cnp.sum(cnp.square(y), axis=0))  # (m, n)
        log_norm = cnp.add(cnp.sum(cnp.log(cnp.diagonal(chol))), 0.5 * self.d
                           * math.log(2 * math.pi))
        terms = cnp.subtract(cnp.log(self.weights), energy)
        return cnp.subtract(sc_logsumexp(terms, axis=1), log_norm)

    def evaluate(self, points):
        """The estimated density at ``points``."""
        if self._plain and is_plain((points,)):
            return self._scipy.evaluate(points)
        return cnp.exp(self.logpdf(points))

    __call__ = evaluate
    pdf = evaluate


def sc_logsumexp(a, axis):
    """``log(sum(exp(a)))`` along ``axis``, shifted by the (constant) maximum."""
    m = cnp.max(a, axis=axis, keepdims=True)
    m = stop_gradient(cnp.where(cnp.isfinite(m), m, 0.0))
    return cnp.add(cnp.log(cnp.sum(cnp.exp(cnp.subtract(a, m)), axis=axis)),
                   cnp.squeeze(m, axis=axis))

