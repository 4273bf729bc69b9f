"""Functions whose results need the values of their inputs but whose shapes do not (sorting,
order statistics, searching, interpolation, NaN-aware reductions, binning) work under
``jit`` and ``vmap`` and every combination with ``grad``, and agree with NumPy.

For each function: the eager value equals NumPy's, ``jit`` equals eager, ``vmap`` equals a
loop, both modes agree with finite differences to second order, and ``jit(grad)`` and
``vmap(grad)`` equal ``grad`` and a loop of it.
"""

import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from numpy_testing import rand

X = rand((3, 7), seed=1)
XN = X.copy()
XN[0, 2] = XN[2, 5] = np.nan
XN[1, :] = np.nan  # an all-NaN row
EDGES = np.linspace(-2.0, 2.0, 9)
W_POS = rand((3, 7), 0.0, 1.0, seed=2)
W_POS[1, :3] = 0.0  # leading zero weights are never selected


def _close(got, want, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} vs {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} vs {want.dtype}"
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True,
                               err_msg=what)


def _batch(x):
    return np.stack([x, x * 1.1 + 0.05, x[..., ::-1] * 0.9])


def check_staged(fn, reference, x, grads=True, order=2):
    """``fn(x)`` against NumPy's ``reference(x)``, eagerly, under jit and under vmap; its
    derivatives in both modes, to ``order``, and under jit and vmap."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's all-NaN-slice warnings
        want = reference(x)
        _close(fn(x), want, "eager")
        _close(cr.jit(fn)(x), want, "jit")
        xs = _batch(x)
        _close(cr.vmap(fn)(xs), np.stack([reference(xi) for xi in xs]), "vmap")
        if not grads:
            return
        w = rand(np.shape(want), seed=7)

        def loss(x):
            return cnp.sum(cnp.where(cnp.isnan(fn(x)), 0.0, fn(x)) * w)
        cr.check_grads(loss, (x,), order=order, modes=("fwd", "rev"))
        g = cr.grad(loss)(x)
        _close(cr.jit(cr.grad(loss))(x), g, "jit(grad)")
        _close(cr.grad(cr.jit(loss))(x), g, "grad(jit)")
        _close(cr.vmap(cr.grad(loss))(xs), np.stack([cr.grad(loss)(xi) for xi in xs]),
               "vmap(grad)")
        _close(cr.jacfwd(loss)(x), g, "jacfwd")


SORTING = {
    "sort": (lambda x: cnp.sort(x), lambda x: np.sort(x)),
    "sort-axis0": (lambda x: cnp.sort(x, axis=0), lambda x: np.sort(x, axis=0)),
    "sort-None": (lambda x: cnp.sort(x, axis=None), lambda x: np.sort(x, axis=None)),
    "median": (lambda x: cnp.median(x, axis=1), lambda x: np.median(x, axis=1)),
    "median-all": (cnp.median, np.median),
    "quantile": (lambda x: cnp.quantile(x, [0.1, 0.5, 0.93], axis=-1, keepdims=True),
                 lambda x: np.quantile(x, [0.1, 0.5, 0.93], axis=-1, keepdims=True)),
    "quantile-lower": (lambda x: cnp.quantile(x, 0.3, axis=0, method="lower"),
                       lambda x: np.quantile(x, 0.3, axis=0, method="lower")),
    "quantile-midpoint": (lambda x: cnp.quantile(x, 0.3, method="midpoint"),
                          lambda x: np.quantile(x, 0.3, method="midpoint")),
    "percentile": (lambda x: cnp.percentile(x, [25.0, 75.0], axis=1),
                   lambda x: np.percentile(x, [25.0, 75.0], axis=1)),
    "take_along_axis": (lambda x: cnp.take_along_axis(x, cnp.argsort(x, axis=0), axis=0),
                        lambda x: np.take_along_axis(x, np.argsort(x, axis=0), axis=0)),
    "interp": (lambda x: cnp.interp(x, EDGES, EDGES ** 3),
               lambda x: np.interp(x, EDGES, EDGES ** 3)),
    "interp-table": (lambda x: cnp.interp(0.3, cnp.sort(x[0]), x[1]),
                     lambda x: np.interp(0.3, np.sort(x[0]), x[1])),
    "interp-period": (lambda x: cnp.interp(x, EDGES[:-1], EDGES[:-1] ** 2, period=4.0),
                      lambda x: np.interp(x, EDGES[:-1], EDGES[:-1] ** 2, period=4.0)),
    "quantile-weighted": (
        lambda x: cnp.quantile(x, [0.2, 0.7], axis=1, method="inverted_cdf",
                               weights=W_POS),
        lambda x: np.quantile(x, [0.2, 0.7], axis=1, method="inverted_cdf", weights=W_POS)),
    "percentile-weighted-1d": (
        lambda x: cnp.percentile(x, 40.0, axis=0, method="inverted_cdf", weights=W_POS[:, 0],
                                 keepdims=True),
        lambda x: np.percentile(x, 40.0, axis=0, method="inverted_cdf", weights=W_POS[:, 0],
                                keepdims=True)),
    "histogramdd-weights": (
        lambda x: cnp.histogramdd(x[:2].T, bins=(3, 2), range=[(-2, 2), (-2, 2)],
                                  weights=x[2] ** 2)[0],
        lambda x: np.histogramdd(x[:2].T, bins=(3, 2), range=[(-2, 2), (-2, 2)],
                                 weights=x[2] ** 2)[0]),
    "histogram2d-weights-density": (
        lambda x: cnp.histogram2d(x[0], x[1], bins=[EDGES[::2], 3], weights=x[2] ** 2,
                                  density=True)[0],
        lambda x: np.histogram2d(x[0], x[1], bins=[EDGES[::2], 3], weights=x[2] ** 2,
                                 density=True)[0]),
    "histogram_bin_edges-range": (lambda x: cnp.histogram_bin_edges(x, 4, (x[0, 0], 2.5)),
                                  lambda x: np.histogram_bin_edges(x, 4, (x[0, 0], 2.5))),
    "histogram-weights": (
        lambda x: cnp.histogram(x[0], bins=4, range=(-2, 2), weights=x[1] ** 2)[0],
        lambda x: np.histogram(x[0], bins=4, range=(-2, 2), weights=x[1] ** 2)[0]),
}


@pytest.mark.parametrize("name", list(SORTING))
def test_sorting_functions_stage_and_batch(name):
    fn, reference = SORTING[name]
    check_staged(fn, reference, X)


NAN = {
    "nanmedian": (lambda x: cnp.nanmedian(x, axis=1), lambda x: np.nanmedian(x, axis=1)),
    "nanquantile": (lambda x: cnp.nanquantile(x, [0.2, 0.9], axis=1),
                    lambda x: np.nanquantile(x, [0.2, 0.9], axis=1)),
    "nanpercentile": (lambda x: cnp.nanpercentile(x, 40.0, axis=1, method="nearest"),
                      lambda x: np.nanpercentile(x, 40.0, axis=1, method="nearest")),
    "nansum": (lambda x: cnp.nansum(x, axis=1), lambda x: np.nansum(x, axis=1)),
    "nanprod": (lambda x: cnp.nanprod(x, axis=0), lambda x: np.nanprod(x, axis=0)),
    "nanmean": (lambda x: cnp.nanmean(x, axis=1), lambda x: np.nanmean(x, axis=1)),
    "nanvar": (lambda x: cnp.nanvar(x, axis=1), lambda x: np.nanvar(x, axis=1)),
    "nanstd": (lambda x: cnp.nanstd(x, axis=1, ddof=1), lambda x: np.nanstd(x, axis=1, ddof=1)),
    "nanmax": (lambda x: cnp.nanmax(x, axis=1), lambda x: np.nanmax(x, axis=1)),
    "nanmin": (lambda x: cnp.nanmin(x, axis=0), lambda x: np.nanmin(x, axis=0)),
    "nancumsum": (lambda x: cnp.nancumsum(x, axis=1), lambda x: np.nancumsum(x, axis=1)),
    "nanquantile-weighted": (
        lambda x: cnp.nanquantile(x, 0.6, axis=1, method="inverted_cdf", weights=W_POS),
        lambda x: np.nanquantile(x, 0.6, axis=1, method="inverted_cdf", weights=W_POS)),
    "nancumprod": (lambda x: cnp.nancumprod(x[0]), lambda x: np.nancumprod(x[0])),
}


@pytest.mark.parametrize("name", list(NAN))
def test_nan_functions_stage_and_batch(name):
    fn, reference = NAN[name]
    check_staged(fn, reference, XN)


INTEGER = {
    "argsort": (lambda x: cnp.argsort(x), lambda x: np.argsort(x, kind="stable")),
    "argsort-None": (lambda x: cnp.argsort(x, axis=None),
                     lambda x: np.argsort(x, axis=None, kind="stable")),
    "searchsorted": (lambda x: cnp.searchsorted(EDGES, x),
                     lambda x: np.searchsorted(EDGES, x)),
    "searchsorted-right": (lambda x: cnp.searchsorted(cnp.sort(x[0]), x[1:], side="right"),
                           lambda x: np.searchsorted(np.sort(x[0]), x[1:], side="right")),
    "searchsorted-sorter": (
        lambda x: cnp.searchsorted(x[0], x[1], sorter=cnp.argsort(x[0])),
        lambda x: np.searchsorted(x[0], x[1], sorter=np.argsort(x[0]))),
    "digitize": (lambda x: cnp.digitize(x, EDGES), lambda x: np.digitize(x, EDGES)),
    "digitize-decreasing": (lambda x: cnp.digitize(x, EDGES[::-1], right=True),
                            lambda x: np.digitize(x, EDGES[::-1], right=True)),
    "digitize-traced-bins": (lambda x: cnp.digitize(x[1:], cnp.sort(x[0])[::-1]),
                             lambda x: np.digitize(x[1:], np.sort(x[0])[::-1])),
    "histogram": (lambda x: cnp.histogram(x, bins=5, range=(-1.5, 1.5))[0],
                  lambda x: np.histogram(x, bins=5, range=(-1.5, 1.5))[0]),
    "histogram-edges": (lambda x: cnp.histogram(x, bins=EDGES[::2]),
                        lambda x: np.histogram(x, bins=EDGES[::2])),
    "histogramdd": (lambda x: cnp.histogramdd(x.T, bins=2),
                    lambda x: np.histogramdd(x.T, bins=2)),
    "histogram2d": (lambda x: cnp.histogram2d(x[0], x[1], bins=3),
                    lambda x: np.histogram2d(x[0], x[1], bins=3)),
    "histogram-auto-range": (lambda x: cnp.histogram(x, bins=6, density=True),
                             lambda x: np.histogram(x, bins=6, density=True)),
}


@pytest.mark.parametrize("name", list(INTEGER))
def test_integer_valued_functions_stage_and_batch(name):
    fn, reference = INTEGER[name]

    def flat(out, xp):  # histograms return (counts, edges...): compare all of them
        if isinstance(out, (tuple, list)):
            return xp.concatenate([flat(o, xp) for o in out])
        return xp.ravel(xp.astype(out, float))

    def pair(x):
        out = fn(x)
        return flat(out, cnp) if isinstance(out, tuple) else out

    def ref(x):
        out = reference(x)
        return flat(out, np) if isinstance(out, tuple) else out
    check_staged(pair, ref, X, grads=False)


def test_nan_arg_extrema_stage_and_batch():
    x = XN[[0, 2]]  # no all-NaN row: NumPy raises there
    for cfn, nfn in ((cnp.nanargmax, np.nanargmax), (cnp.nanargmin, np.nanargmin)):
        check_staged(lambda a: cfn(a, axis=1), lambda a: nfn(a, axis=1), x, grads=False)
    # An all-NaN slice cannot raise under jit: it gives -1, as in JAX.
    np.testing.assert_array_equal(cr.jit(lambda a: cnp.nanargmax(a, axis=1))(XN),
                                  [np.nanargmax(XN[0]), -1, np.nanargmax(XN[2])])


def test_partition_stages_and_batches():
    def check(fn, x):
        got = np.asarray(fn(x))
        np.testing.assert_array_equal(np.sort(got, axis=-1)[..., 2], np.sort(x)[..., 2])
        np.testing.assert_array_equal(got[..., 2], np.partition(x, 2)[..., 2])
        assert np.all(got[..., :2] <= got[..., 2:3]) and np.all(got[..., 3:] >= got[..., 2:3])

    part = lambda x: cnp.partition(x, 2)  # noqa: E731
    check(cr.jit(part), X)
    for xi, got in zip(_batch(X), cr.vmap(part)(_batch(X))):
        check(lambda _: got, xi)
    idx = cr.jit(lambda x: cnp.argpartition(x, 2))(X)
    check(lambda x: np.take_along_axis(x, idx, -1), X)
    loss = lambda x: cnp.sum(part(x)[:, 2] ** 2)  # noqa: E731
    cr.check_grads(loss, (X,), order=2, modes=("fwd", "rev"))
    _close(cr.jit(cr.grad(loss))(X), cr.grad(loss)(X), "jit(grad)")
    with pytest.raises(ValueError, match="out of bounds"):
        cr.jit(lambda x: cnp.partition(x, 7))(X)


def test_quantile_with_traced_q():
    data = rand(11, seed=3)
    for method in ("linear", "hazen", "lower", "midpoint"):
        def f(q):
            return cnp.quantile(data, q, method=method)
        qs = np.array([0.05, 0.3, 0.77])
        _close(cr.jit(f)(0.3), np.quantile(data, 0.3, method=method), method)
        _close(cr.vmap(f)(qs), np.quantile(data, qs, method=method), method)
        if method in ("linear", "hazen"):
            cr.check_grads(f, (0.33,), order=2, modes=("fwd", "rev"))
            _close(cr.vmap(cr.grad(f))(qs), np.array([cr.grad(f)(q) for q in qs]), method)
    # q outside [0, 1] cannot be checked on a staged value: NaN, never a clipped guess.
    assert np.isnan(cr.jit(lambda q: cnp.quantile(data, q))(1.5))


C_KMS = 299792.458
LAM_T = np.linspace(5000.0, 5100.0, 301)
TMPL = 1.0 - 0.6 * np.exp(-0.5 * ((LAM_T - 5050.0) / 1.5) ** 2)
LAM = np.linspace(5020.0, 5080.0, 97)


def doppler(v, tmpl=TMPL, lam_t=LAM_T):
    return cnp.interp(LAM / (1.0 + v / C_KMS), lam_t, tmpl)


def test_doppler_shifted_template_under_every_transform():
    data = doppler(12.3)
    np.testing.assert_allclose(data, np.interp(LAM / (1 + 12.3 / C_KMS), LAM_T, TMPL),
                               rtol=1e-14)

    def loss(v, tmpl=TMPL, lam_t=LAM_T):
        return cnp.sum((doppler(v, tmpl, lam_t) - data) ** 2)

    v = 7.0
    _close(cr.jit(doppler)(v), doppler(v), "jit")
    vs = np.array([-3.0, 7.0, 20.0])
    _close(cr.vmap(doppler)(vs), np.stack([doppler(u) for u in vs]), "vmap")
    cr.check_grads(loss, (v,), order=2, modes=("fwd", "rev"), eps=1e-4)
    g = cr.grad(loss)(v)
    assert g < 0  # the loss falls towards v = 12.3
    for name, got in (("jit(grad)", cr.jit(cr.grad(loss))(v)),
                      ("grad(jit)", cr.grad(cr.jit(loss))(v)),
                      ("jacfwd", cr.jacfwd(loss)(v)),
                      ("jit(jacfwd)", cr.jit(cr.jacfwd(loss))(v))):
        np.testing.assert_allclose(got, g, rtol=1e-10, err_msg=name)
    _close(cr.vmap(cr.grad(loss))(vs), np.array([cr.grad(loss)(u) for u in vs]), "vmap(grad)")
    _close(cr.jit(cr.vmap(cr.grad(loss)))(vs), np.array([cr.grad(loss)(u) for u in vs]),
           "jit(vmap(grad))")
    h = cr.hessian(loss)(v)
    np.testing.assert_allclose(cr.jit(cr.hessian(loss))(v), h, rtol=1e-10)
    # The template and its wavelengths are differentiable too, under jit and vmap.
    for argnum, arg in ((1, TMPL), (2, LAM_T)):
        def f(a, argnum=argnum):
            args = [v, TMPL, LAM_T]
            args[argnum] = a
            return loss(*args)
        cr.check_grads(f, (arg,), order=1, modes=("fwd", "rev"), eps=1e-5)
        gt = cr.grad(f)(arg)
        assert np.any(gt != 0)
        _close(cr.jit(cr.grad(f))(arg), gt, f"jit(grad) in argument {argnum}")
        batch = np.stack([arg, arg * (1 + 1e-7)])
        _close(cr.vmap(cr.grad(f))(batch), np.stack([cr.grad(f)(a) for a in batch]),
               f"vmap(grad) in argument {argnum}")


I3 = np.array([[2, 0, 6], [1, 1, -3]])
MORE = {
    "take": (lambda x: cnp.take(x, cnp.argmax(x, axis=1)), lambda x: np.take(x, np.argmax(x, 1))),
    "take-axis-clip": (
        lambda x: cnp.take(x, cnp.argsort(x[0])[:4] * 2 - 3, axis=1, mode="clip"),
        lambda x: np.take(x, np.argsort(x[0])[:4] * 2 - 3, axis=1, mode="clip")),
    "take-wrap": (lambda x: cnp.take(x, cnp.argsort(x[1]) + 5, axis=1, mode="wrap"),
                  lambda x: np.take(x, np.argsort(x[1]) + 5, axis=1, mode="wrap")),
    "choose": (lambda x: cnp.choose(cnp.argmax(x[:2], axis=0), [x[0], x[1] ** 2]),
               lambda x: np.choose(np.argmax(x[:2], axis=0), [x[0], x[1] ** 2])),
    "cov-weights": (lambda x: cnp.cov(x, fweights=cnp.argsort(x[0]) + 1, aweights=x[1] ** 2),
                    lambda x: np.cov(x, fweights=np.argsort(x[0]) + 1, aweights=x[1] ** 2)),
    "roll-computed-shift": (lambda x: cnp.roll(x, cnp.argmax(x[0]) - 9, axis=1),
                            lambda x: np.roll(x, np.argmax(x[0]) - 9, axis=1)),
    "roll-computed-shifts": (lambda x: cnp.roll(x, cnp.argmax(x, axis=1)[:2], axis=(1, 0)),
                             lambda x: np.roll(x, np.argmax(x, axis=1)[:2], axis=(1, 0))),
    "frexp": (lambda x: cnp.frexp(x)[0] * cnp.frexp(x)[1],
              lambda x: np.frexp(x)[0] * np.frexp(x)[1]),
    "ldexp": (lambda x: cnp.ldexp(x, cnp.argsort(x, axis=1) - 3),
              lambda x: np.ldexp(x, np.argsort(x, axis=1) - 3)),
    "gradient-coordinates": (lambda x: cnp.gradient(x[0], cnp.cumsum(cnp.exp(x[1]))),
                             lambda x: np.gradient(x[0], np.cumsum(np.exp(x[1])))),
}


@pytest.mark.parametrize("name", list(MORE))
def test_functions_with_computed_indices_or_weights_stage_and_batch(name):
    fn, reference = MORE[name]
    check_staged(fn, reference, X)


PREDICATES = {
    "isclose": (lambda x: cnp.isclose(x, cnp.round(x, 1), atol=0.03),
                lambda x: np.isclose(x, np.round(x, 1), atol=0.03)),
    "isclose-special": (lambda x: cnp.isclose(x * np.array([np.inf, np.nan, 1.0, 1, 1, 1, 1]),
                                              np.array([np.inf, np.nan, -np.inf, 0, 1, 2, 3]),
                                              equal_nan=True),
                        lambda x: np.isclose(x * np.array([np.inf, np.nan, 1.0, 1, 1, 1, 1]),
                                             np.array([np.inf, np.nan, -np.inf, 0, 1, 2, 3]),
                                             equal_nan=True)),
    "allclose": (lambda x: cnp.allclose(x, x + 1e-9), lambda x: np.array(np.allclose(x, x))),
    "array_equal": (lambda x: cnp.array_equal(x, cnp.sort(x, axis=0)),
                    lambda x: np.array(np.array_equal(x, np.sort(x, axis=0)))),
    "array_equiv": (lambda x: cnp.array_equiv(x, x[:1]), lambda x: np.array(False)),
    "count_nonzero": (lambda x: cnp.count_nonzero(x > 0, axis=1),
                      lambda x: np.count_nonzero(x > 0, axis=1)),
    "isin": (lambda x: cnp.isin(cnp.round(x), [-1.0, 1.0, 2.0]),
             lambda x: np.isin(np.round(x), [-1.0, 1.0, 2.0])),
    "isin-invert": (lambda x: cnp.isin(cnp.round(x[0]), cnp.round(x[1:]), invert=True),
                    lambda x: np.isin(np.round(x[0]), np.round(x[1:]), invert=True)),
    "lexsort": (lambda x: cnp.lexsort((x[0], cnp.round(x[1]), cnp.round(x[2]))),
                lambda x: np.lexsort((x[0], np.round(x[1]), np.round(x[2])))),
    "lexsort-axis0": (lambda x: cnp.lexsort(cnp.round(x), axis=0),
                      lambda x: np.lexsort(np.round(x), axis=0)),
    "gcd": (lambda x: cnp.gcd(cnp.astype(x * 10, int), I3[0, 0]),
            lambda x: np.gcd(np.asarray(x * 10, int), I3[0, 0])),
    "lcm": (lambda x: cnp.lcm(cnp.astype(x * 3, int), 4),
            lambda x: np.lcm(np.asarray(x * 3, int), 4)),
    "bitwise_count": (lambda x: cnp.bitwise_count(cnp.astype(x * 50, int)),
                      lambda x: np.bitwise_count(np.asarray(x * 50, int))),
    "spacing": (cnp.spacing, np.spacing),
}


@pytest.mark.parametrize("name", list(PREDICATES))
def test_boolean_and_integer_functions_stage_and_batch(name):
    fn, reference = PREDICATES[name]
    check_staged(fn, reference, X, grads=False)


def test_value_dependent_functions_say_why_they_need_values():
    for transform, hint in ((cr.jit, "static_argnums"), (cr.vmap, "Loop over the examples")):
        with pytest.raises(TypeError, match=f"unique needs the values of its input because "
                                            f"the shape of its result depends on them.*{hint}"):
            transform(lambda x: cnp.unique(x))(X)
        with pytest.raises(TypeError, match="bins='auto' chooses the number of bins"):
            transform(lambda x: cnp.histogram(x, bins="auto"))(X)
        with pytest.raises(TypeError, match="real or complex depends on them"):
            transform(lambda x: cnp.real_if_close(x + 0j))(X)
        with pytest.raises(TypeError, match="piecewise .*value-dependent subset.*where"):
            transform(lambda x: cnp.piecewise(x, [x < 0], [lambda t: -t]))(X)


def test_weighted_quantile_with_traced_weights_and_q():
    def f(w, q):
        return cnp.quantile(X, q, axis=1, method="inverted_cdf", weights=w)
    ws = np.stack([W_POS, W_POS[::-1], W_POS ** 2])
    for q in (0.5, np.array([0.1, 0.8])):
        want = np.stack([np.quantile(X, q, axis=1, method="inverted_cdf", weights=w)
                         for w in ws])
        _close(cr.vmap(f, in_axes=(0, None))(ws, q), want, "vmap over weights")
        _close(cr.jit(f)(W_POS, q), want[0], "jit")
    qs = np.array([0.05, 0.5, 0.95])
    _close(cr.vmap(lambda q: f(W_POS, q))(qs),
           np.stack([np.quantile(X, q, axis=1, method="inverted_cdf", weights=W_POS)
                     for q in qs]), "vmap over q")
    # The weights only choose the element: zero derivative in them, also under jit.
    _close(cr.jit(cr.grad(lambda w: cnp.sum(f(w, 0.5))))(W_POS), np.zeros_like(W_POS),
           "jit(grad) in the weights")
    # Weights summing to zero cannot raise on a staged value: NaN.
    assert np.all(np.isnan(cr.jit(f)(np.zeros_like(W_POS), 0.5)))


def test_median_of_an_empty_axis_is_nan_when_staged():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for fn, ref in ((cnp.median, np.median), (cnp.nanmedian, np.nanmedian)):
            for a, axis in ((np.zeros(0), None), (np.zeros((3, 0)), 1)):
                _close(cr.jit(lambda x: fn(x, axis=axis))(a), ref(a, axis=axis), fn.__name__)
    with pytest.raises(IndexError):  # as NumPy's quantile of nothing
        cr.jit(lambda x: cnp.quantile(x, 0.5))(np.zeros(0))


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_over_batched_sorted_arrays_matches_a_loop(side):
    r = np.random.default_rng(5)
    a = np.sort(np.round(r.normal(size=(6, 9)), 1), axis=1)  # ties
    a[::2, -2:] = np.nan  # NaNs sort last
    v = np.round(r.normal(size=(6, 4, 3)), 1)
    v[1, 0, 0] = np.nan
    v[2, 1] = a[2, 3]  # on a value present in the row
    want = np.stack([np.searchsorted(ai, vi, side=side) for ai, vi in zip(a, v)])
    got = cr.vmap(lambda ai, vi: cnp.searchsorted(ai, vi, side=side))(a, v)
    np.testing.assert_array_equal(got, want)
    got = cr.jit(cr.vmap(lambda ai, vi: cnp.searchsorted(ai, vi, side=side)))(a, v)
    np.testing.assert_array_equal(got, want)
    a32 = a.astype(np.float32)
    np.testing.assert_array_equal(
        cr.vmap(lambda ai: cnp.searchsorted(ai, v[0], side=side))(a32),
        np.stack([np.searchsorted(ai, v[0], side=side) for ai in a32]))


def test_quantile_of_booleans_keeps_numpys_dtype_and_errors():
    b = X > 0
    for method in ("lower", "inverted_cdf", "nearest"):
        want = np.quantile(b, 0.4, axis=1, method=method)
        _close(cr.jit(lambda x: cnp.quantile(x, 0.4, axis=1, method=method))(b), want, method)
    with pytest.raises(TypeError, match="boolean subtract"):
        cr.jit(lambda x: cnp.quantile(x, 0.4, method="linear"))(b)
