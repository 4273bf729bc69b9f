"""Order statistics, NaN-aware reductions, correlations, sorting helpers and histograms."""

import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from numpy_testing import check, rand, zero_tangent

X = rand((4, 5))
METHODS = ["linear", "lower", "higher", "nearest", "midpoint", "hazen", "weibull",
           "median_unbiased", "normal_unbiased", "interpolated_inverted_cdf", "inverted_cdf",
           "averaged_inverted_cdf", "closest_observation"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_quantile_methods(method, axis):
    for q in (0.3, [0.0, 0.25, 0.5, 1.0]):
        check(cnp.quantile, np.quantile, (X, q), dict(axis=axis, method=method), diff=(0,))


@pytest.mark.parametrize("method", ["linear", "hazen", "weibull", "median_unbiased"])
def test_quantile_derivative_in_q(method):
    check(cnp.quantile, np.quantile, (X, np.array([0.33, 0.61])), dict(axis=1, method=method))
    check(cnp.percentile, np.percentile, (X[0], 41.0), dict(method=method))


def test_median_percentile():
    check(cnp.median, np.median, (X,))
    check(cnp.median, np.median, (X,), dict(axis=1, keepdims=True))
    check(cnp.median, np.median, (X[:, :4],), dict(axis=1))
    check(cnp.median, np.median, (np.arange(5),))
    check(cnp.percentile, np.percentile, (X, [10.0, 90.0]), dict(axis=0, keepdims=True),
          diff=(0,))
    check(cnp.quantile, np.quantile, (X.astype(np.float32), 0.4), dict(axis=0),
          rtol=1e-6, atol=1e-6, grads=False)
    check(cnp.quantile, np.quantile, (np.arange(7), 0.4), dict(method="lower"))
    xn = X.copy()
    xn[1, 2] = np.nan
    check(cnp.median, np.median, (xn,), dict(axis=1), grads=False)
    with pytest.raises(ValueError, match="Quantiles"):
        cr.jvp(lambda x: cnp.quantile(x, 1.5), (X,), (X,))
    with pytest.raises(ValueError, match="valid method"):
        cr.jvp(lambda x: cnp.quantile(x, 0.5, method="bogus"), (X,), (X,))


def _weighted(fn, **kw):
    return lambda a, q, w: fn(a, q, method="inverted_cdf", weights=w, **kw)


W = rand((4, 5), 0.5, 2.0, seed=7)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("q", [0.3, [0.0, 0.45, 0.8, 1.0]])
def test_weighted_quantile(axis, q):
    w = W if axis in (None, (0, 1)) or q == 0.3 else W[0] if axis in (1, -1) else W[:, 0]
    for keepdims in (False, True):
        kw = dict(axis=axis, keepdims=keepdims)
        # Differentiable in a; the weights and q only select the element (derivative 0).
        # (q = 0 and 1 cannot be perturbed: differentiate in a and the weights only.)
        check(_weighted(cnp.quantile, **kw), _weighted(np.quantile, **kw), (X, q, w),
              diff=(0, 2))
        check(_weighted(cnp.percentile, **kw), _weighted(np.percentile, **kw),
              (X, np.multiply(q, 100.0), w), diff=(0, 2))


def test_weighted_quantile_derivatives():
    w = np.array([1.0, 0.0, 3.0, 1.0, 2.0])
    x = X[0]
    g = cr.grad(lambda x: cnp.quantile(x, 0.5, method="inverted_cdf", weights=w))(x)
    selected = np.flatnonzero(x == np.quantile(x, 0.5, method="inverted_cdf", weights=w))
    assert g[selected] == 1 and np.sum(g) == 1
    gw = cr.grad(lambda w: cnp.quantile(x, 0.5, method="inverted_cdf", weights=w))(w)
    np.testing.assert_array_equal(gw, 0)
    # Leading zero weights are skipped, ties in a are fine, integers pass through.
    check(_weighted(cnp.quantile), _weighted(np.quantile),
          (np.array([1.0, 2.0, 2.0, 3.0]), 0.0, np.array([0.0, 0.0, 1.0, 1.0])), diff=(0,))
    check(_weighted(cnp.quantile), _weighted(np.quantile), (np.arange(6), 0.5, np.ones(6)))
    with pytest.raises(ValueError, match="inverted_cdf"):
        cr.grad(lambda x: cnp.quantile(x, 0.5, weights=w))(x)
    with pytest.raises(ValueError, match="non-negative"):
        cr.grad(lambda x: cnp.quantile(x, 0.5, method="inverted_cdf", weights=-w))(x)
    # Staged (jit): the same selection; known weights are still checked.
    np.testing.assert_array_equal(
        cr.jit(lambda x: cnp.quantile(x, 0.5, method="inverted_cdf", weights=w))(x),
        np.quantile(x, 0.5, method="inverted_cdf", weights=w))
    with pytest.raises(ValueError, match="non-negative"):
        cr.jit(lambda x: cnp.quantile(x, 0.5, method="inverted_cdf", weights=-w))(x)


def test_weighted_quantile_nan():
    xn = _nan_input()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(_weighted(cnp.quantile, axis=1), _weighted(np.quantile, axis=1), (xn, 0.4, W),
              grads=False)
        check(_weighted(cnp.nanquantile, axis=1), _weighted(np.nanquantile, axis=1),
              (xn, [0.2, 0.7], W), diff=(0,), grads=False)
        check(_weighted(cnp.nanpercentile, axis=0), _weighted(np.nanpercentile, axis=0),
              (xn, 50.0, W), grads=False)
    g = cr.grad(lambda x: cnp.sum(cnp.nanquantile(x, 0.6, axis=1, method="inverted_cdf",
                                                  weights=W)[:3]))(xn)
    assert np.all(g[np.isnan(xn)] == 0) and np.sum(g) == 3
    check(_weighted(cnp.nanquantile, axis=1), _weighted(np.nanquantile, axis=1),
          (xn[:3], 0.6, W[:3]), diff=(0,))


def _nan_input():
    xn = X.copy()
    xn[1, 2] = np.nan
    xn[3, 1:] = np.nan
    return xn


NAN_FUNCS = ["nanmedian", "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax",
             "nanmin", "nancumsum", "nancumprod"]


@pytest.mark.parametrize("name", NAN_FUNCS)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_nan_functions(name, axis):
    check(getattr(cnp, name), getattr(np, name), (_nan_input(),), dict(axis=axis))


@pytest.mark.parametrize("name", ["nanmedian", "nanmean", "nanvar", "nanstd", "nanmax",
                                  "nanmin", "nansum", "nanprod"])
def test_nan_functions_all_nan_and_keepdims(name):
    xn = _nan_input()
    xn[3, :] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(getattr(cnp, name), getattr(np, name), (xn,), dict(axis=1, keepdims=True),
              grads=False)
        # the NaN entries get a zero derivative
        g = cr.grad(lambda x: cnp.sum(cnp.nan_to_num(getattr(cnp, name)(x, axis=1))))(xn)
    assert np.all(g[np.isnan(xn)] == 0)


def test_nan_arg_and_quantiles():
    xn = _nan_input()
    check(cnp.nanargmax, np.nanargmax, (xn,), dict(axis=0))
    check(cnp.nanargmin, np.nanargmin, (xn,), dict(axis=0, keepdims=True))
    check(cnp.nanquantile, np.nanquantile, (xn, [0.2, 0.7]), dict(axis=1, method="hazen"),
          diff=(0,))
    check(cnp.nanpercentile, np.nanpercentile, (xn, 30.0), dict(axis=0), diff=(0,))
    check(cnp.nanpercentile, np.nanpercentile, (xn, 30.0), dict(method="lower"), diff=(0,))
    check(cnp.nansum, np.nansum, (np.arange(4),))


def test_cov_corrcoef():
    m = rand((3, 6))
    check(cnp.cov, np.cov, (m,))
    check(cnp.cov, np.cov, (m,), dict(rowvar=False, bias=True))
    check(cnp.cov, np.cov, (m[0], m[1]))
    check(cnp.cov, np.cov, (m[0],))
    check(cnp.cov, np.cov, (m,), dict(ddof=2, fweights=np.array([1, 2, 1, 3, 1, 1]),
                                      aweights=np.linspace(0.5, 1.5, 6)))
    check(cnp.cov, np.cov, (m, rand((6,), seed=3)), dict(aweights=np.linspace(0.5, 1.5, 6)),
          diff=(0, 1))
    check(cnp.corrcoef, np.corrcoef, (m,))
    check(cnp.corrcoef, np.corrcoef, (m[0], m[1]))
    check(cnp.corrcoef, np.corrcoef, (m,), dict(rowvar=False))


def test_unique_partition():
    x = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    check(cnp.unique, np.unique, (x,), grads=False)
    check(cnp.unique, np.unique, (rand(5),))
    check(cnp.unique, np.unique, (x,), dict(return_index=True, return_inverse=True,
                                            return_counts=True), grads=False)
    check(cnp.unique, np.unique, (np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 5.0]]),),
          dict(axis=0, return_counts=True), grads=False)
    np.testing.assert_array_equal(cr.grad(lambda v: cnp.unique(v).sum())(x),
                                  [1.0, 1.0, 0.0, 1.0, 0.0])
    m = rand((3, 6))
    check(cnp.partition, np.partition, (m, 2), dict(axis=1))
    check(cnp.partition, np.partition, (m, [0, 2]), dict(axis=0))
    check(cnp.partition, np.partition, (m, 4), dict(axis=None))
    check(cnp.argpartition, np.argpartition, (m, 2))


def test_histograms():
    check(cnp.bincount, np.bincount, (np.array([0, 2, 2, 5]),))
    check(cnp.bincount, np.bincount, (np.array([0, 2, 2, 5]),),
          dict(weights=rand(4), minlength=8))
    check(cnp.digitize, np.digitize, (rand(6), np.array([-1.0, 0.0, 1.0])))
    check(cnp.histogram, np.histogram, (rand(20),), dict(bins=4, range=(-2, 2)))
    check(cnp.histogram, np.histogram, (rand(20),), dict(bins=4), grads=False)
    zero_tangent(lambda a: cnp.histogram(a, bins=3)[0], (rand(20),))
    check(cnp.histogram_bin_edges, np.histogram_bin_edges, (rand(20),), dict(bins=3),
          grads=False)


def test_ufunc_methods_on_tracers():
    m = rand((3, 6))

    def f(x):
        return (np.add.reduce(x, axis=1).sum() + np.multiply.outer(x[0], x[1]).sum()
                + np.maximum.reduce(x, axis=0).sum() + np.add.accumulate(x, axis=1).sum())

    def g(x):
        return (x.sum(axis=1).sum() + cnp.outer(x[0], x[1]).sum() + x.max(axis=0).sum()
                + cnp.cumsum(x, axis=1).sum())

    np.testing.assert_allclose(cr.grad(f)(m), cr.grad(g)(m), rtol=1e-12)
