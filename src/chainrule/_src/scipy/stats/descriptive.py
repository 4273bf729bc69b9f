"""Summary statistics of ``chainrule.scipy.stats``: ``describe``, ``zscore``, ``pearsonr``.

SciPy's own functions on plain arrays; on traced values the same formulas with chainrule
operations, differentiable in the data."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from chainrule._src.numpy import base as cnp

from ...lax import special as sc
from ._base import scipy_stats, as_float, is_plain

DescribeResult = namedtuple("DescribeResult",
                            ("nobs", "minmax", "mean", "variance", "skewness", "kurtosis"))
PearsonRResult = namedtuple("PearsonRResult", ("statistic", "pvalue"))


def _check_policy(nan_policy, name):
    if nan_policy != "propagate":
        raise NotImplementedError(f"{name}: on traced values only nan_policy='propagate' "
                                  "is provided")


def describe(a, axis=0, ddof=1, bias=True, nan_policy="propagate"):
    """Number of observations, min and max, mean, variance, skewness and kurtosis.

    As ``scipy.stats.describe``; every statistic but ``nobs`` is differentiable in ``a``
    (``min``/``max`` pick their element, as ``numpy.min``).

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule as cr
    >>> from chainrule.scipy import stats
    >>> x = np.array([1.0, 2.0, 4.0, 7.0])
    >>> float(stats.describe(x).variance)
    7.0
    >>> cr.grad(lambda x: stats.describe(x).variance)(x)  # 2 (x - mean) / (n - 1)
    array([-1.66666667, -1.        ,  0.33333333,  2.33333333])
    """
    if is_plain((a,)):
        return scipy_stats.describe(a, axis=axis, ddof=ddof, bias=bias, nan_policy=nan_policy)
    _check_policy(nan_policy, "describe")
    a = as_float(a)
    if axis is None:
        a, axis = cnp.ravel(a), 0
    n = cnp.shape(a)[axis]
    mean = cnp.mean(a, axis=axis)
    var = cnp.var(a, axis=axis, ddof=ddof)
    dev = cnp.subtract(a, cnp.expand_dims(mean, axis))
    m2 = cnp.mean(cnp.square(dev), axis=axis)
    m3 = cnp.mean(cnp.power(dev, 3), axis=axis)
    m4 = cnp.mean(cnp.power(dev, 4), axis=axis)
    skew = cnp.divide(m3, cnp.power(m2, 1.5))
    kurt = cnp.subtract(cnp.divide(m4, cnp.square(m2)), 3.0)
    if not bias:
        skew = cnp.multiply(skew, np.sqrt((n - 1.0) * n) / (n - 2.0))
        kurt = cnp.add(cnp.divide(cnp.subtract(cnp.multiply(n * n - 1.0, cnp.divide(
            m4, cnp.square(m2))), 3.0 * (n - 1) ** 2), (n - 2.0) * (n - 3.0)), 0.0)
    return DescribeResult(n, (cnp.min(a, axis=axis), cnp.max(a, axis=axis)), mean, var,
                          skew, kurt)


def zscore(a, axis=0, ddof=0, nan_policy="propagate"):
    """``(a - mean) / std`` along ``axis``, as ``scipy.stats.zscore``; differentiable.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy import stats
    >>> stats.zscore(np.array([1.0, 2.0, 3.0]))
    array([-1.22474487,  0.        ,  1.22474487])
    """
    if is_plain((a,)):
        return scipy_stats.zscore(a, axis=axis, ddof=ddof, nan_policy=nan_policy)
    _check_policy(nan_policy, "zscore")
    a = as_float(a)
    if axis is None:
        mean, std = cnp.mean(a), cnp.std(a, ddof=ddof)
    else:
        mean = cnp.mean(a, axis=axis, keepdims=True)
        std = cnp.std(a, axis=axis, ddof=ddof, keepdims=True)
    return cnp.divide(cnp.subtract(a, mean), std)


def pearsonr(x, y, *, alternative="two-sided", method=None, axis=0):
    """Pearson's correlation coefficient and the p-value of ``r = 0`` (two-sided, exact
    under normality), as ``scipy.stats.pearsonr``.

    On traced values the ``statistic`` and the two-sided ``pvalue`` (a regularized
    incomplete beta function of ``r``) are differentiable in ``x`` and ``y``; other
    ``alternative``/``method`` choices need plain arrays.

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule as cr
    >>> from chainrule.scipy import stats
    >>> x, y = np.array([1.0, 2.0, 3.0, 5.0]), np.array([2.0, 1.0, 4.0, 6.0])
    >>> round(float(stats.pearsonr(x, y).statistic), 12)
    0.902243638678
    >>> g = cr.grad(lambda y: stats.pearsonr(x, y).statistic)(y)
    >>> round(float(g.sum()), 12)  # r is unchanged by a shift of y
    0.0
    """
    if is_plain((x, y)):
        return scipy_stats.pearsonr(x, y, alternative=alternative, method=method, axis=axis)
    if alternative != "two-sided" or method is not None:
        raise NotImplementedError("pearsonr on traced values: only alternative='two-sided' "
                                  "and method=None are provided")
    x, y = as_float(x), as_float(y)
    n = cnp.shape(x)[axis]
    if n < 2:
        raise ValueError("`x` and `y` must have length at least 2.")
    xm = cnp.subtract(x, cnp.mean(x, axis=axis, keepdims=True))
    ym = cnp.subtract(y, cnp.mean(y, axis=axis, keepdims=True))
    r = cnp.divide(cnp.sum(cnp.multiply(xm, ym), axis=axis),
                   cnp.sqrt(cnp.multiply(cnp.sum(cnp.square(xm), axis=axis),
                                         cnp.sum(cnp.square(ym), axis=axis))))
    r = cnp.clip(r, -1.0, 1.0)
    ab = n / 2 - 1
    if ab <= 0:
        p = cnp.ones_like(r)
    else:
        p = cnp.multiply(2.0, sc.betainc(ab, ab, cnp.multiply(0.5, cnp.subtract(
            1.0, cnp.abs(r)))))
    return PearsonRResult(r, p)
