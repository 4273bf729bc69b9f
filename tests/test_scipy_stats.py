"""chainrule.scipy.stats: every method of every distribution against SciPy on grids that
include the hard regions (far tails, support edges, invalid parameters, NaN/inf), on the
traced path (the plain path is SciPy itself); derivatives against finite differences (both
modes, second order) per method and per differentiable argument, all from one table; jit
and vmap against eager; errors naming non-differentiable arguments."""

import warnings

import numpy as np
import pytest
import scipy.stats as st

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.scipy import stats

# Values: the traced path on these grids equals SciPy to RTOL (or exactly, for infinities,
# NaN and zeros).
RTOL = 1e-12
X_GRID = np.array([-40.0, -5, -1.5, -0.3, 0, 1e-3, 0.2, 0.5, 0.9, 1, 1.7, 3, 10, 40,
                   -39.0, 39.0, np.nan, np.inf, -np.inf])
Q_GRID = np.array([0, 1e-100, 1e-12, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-12, 1, -0.1, 1.1,
                   np.nan])
K_GRID = np.array([-3.0, -1, 0, 0.5, 1, 2, 3, 5, 7, 10, 30, 200, np.nan, np.inf, -np.inf])
LOC_SCALE = [(0.0, 1.0), (0.5, 2.0), (0.0, -1.0), (0.0, 0.0)]

CONT_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")
DISC_METHODS = ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf")
MOMENTS = ("mean", "var", "std", "entropy")

# The table: name, shape parameters for the value grids (valid and invalid), shape
# parameters at which derivatives are checked, the standardized points for derivatives
# (inside the support), and the methods whose derivatives in the shapes would be checked
# at order 1 only (none at present; every method is checked at order 2).
CONTINUOUS = [
    ("norm", [()], (), [-2.5, -0.3, 0.7, 3.1], ()),
    ("halfnorm", [()], (), [0.3, 1.2, 3.5], ()),
    ("lognorm", [(0.5,), (2.0,), (-1.0,)], (0.7,), [0.3, 1.2, 3.5], ()),
    ("t", [(1.0,), (2.5,), (30.0,), (np.inf,), (0.0,), (-1.0,)], (3.5,),
     [-2.5, -0.3, 0.7, 3.1], ()),
    ("cauchy", [()], (), [-2.5, -0.3, 0.7, 3.1], ()),
    ("halfcauchy", [()], (), [0.3, 1.2, 3.5], ()),
    ("laplace", [()], (), [-2.5, -0.3, 0.7, 3.1], ()),
    ("logistic", [()], (), [-2.5, -0.3, 0.7, 3.1], ()),
    ("uniform", [()], (), [0.15, 0.4, 0.85], ()),
    ("expon", [()], (), [0.3, 1.2, 3.5], ()),
    ("gamma", [(0.5,), (3.0,), (-1.0,)], (2.3,), [0.3, 1.2, 3.5], ()),
    ("invgamma", [(0.5,), (3.0,), (0.0,)], (2.3,), [0.3, 1.2, 3.5], ()),
    ("chi2", [(1.0,), (4.5,), (-2.0,)], (3.3,), [0.3, 1.2, 3.5], ()),
    ("beta", [(0.5, 2.0), (3.0, 4.0), (-1.0, 1.0)], (2.5, 1.7), [0.15, 0.4, 0.85],
     ()),
    ("weibull_min", [(0.5,), (2.3,), (-1.0,)], (1.7,), [0.3, 1.2, 2.5], ()),
    ("pareto", [(0.5,), (3.0,), (-1.0,)], (2.7,), [1.3, 2.2, 4.5], ()),
    ("gennorm", [(0.7,), (2.0,), (4.5,), (-1.0,)], (1.6,), [-2.1, -0.3, 0.7, 1.9],
     ()),
    ("skewnorm", [(0.0,), (2.5,), (-4.0,), (np.inf,)], (1.5,), [-1.5, -0.3, 0.7, 2.1], ()),
    ("vonmises", [(0.5,), (3.0,), (700.0,), (-1.0,)], (2.5,), [-2.5, -0.3, 0.7, 2.1], ()),
    ("truncnorm", [(-1.0, 2.0), (-np.inf, 0.5), (1.5, np.inf), (-45.0, -38.0), (38.0, 45.0),
                   (2.0, 1.0), (-np.inf, np.inf)], (-1.0, 2.0), [-0.5, 0.3, 1.5], ()),
]
DISCRETE = [
    ("poisson", [(0.0,), (0.5,), (3.0,), (40.0,), (-1.0,)], (2.5,), ()),
    ("binom", [(10.0, 0.3), (5.0, 0.0), (5.0, 1.0), (7.0, 0.9), (3.5, 0.3), (5.0, 1.2)],
     (8.0, 0.35), ("n",)),
    ("bernoulli", [(0.3,), (0.0,), (1.0,), (-0.2,)], (0.35,), ()),
    ("nbinom", [(3.0, 0.4), (0.5, 0.9), (2.0, 1.0), (2.0, 1.5)], (2.5, 0.4), ()),
    ("geom", [(0.3,), (1.0,), (0.0,)], (0.35,), ()),
    ("betabinom", [(10.0, 2.0, 3.0), (5.0, 0.5, 0.7), (3.5, 1.0, 1.0), (5.0, -1.0, 1.0)],
     (8.0, 2.5, 1.5), ("n",)),
    ("randint", [(0.0, 5.0), (-2.0, 3.0), (3.0, 3.0), (0.5, 3.0)], (0.0, 9.0),
     ("low", "high")),
]
# SciPy's beta.ppf (Boost) loses the far lower tail (betainc of its answer is not q);
# chainrule's betaincinv is accurate there, so these points are compared by round trip.
BETA_PPF_ROUND_TRIP = {1e-100, 1e-12}


def traced(fn, *args):
    """``fn(*args)`` on the traced path (``vmap`` over a batch of one: no derivative is
    asked for, so integer arguments may be traced too)."""
    args = tuple(np.asarray(a, dtype=float)[None] for a in args)
    out = cr.vmap(fn)(*args)
    if isinstance(out, tuple):
        return tuple(np.asarray(o)[0] for o in out)
    return np.asarray(out)[0]


def assert_scipy_equal(got, want, rtol=RTOL):
    got, want = np.broadcast_arrays(np.asarray(got, dtype=float), np.asarray(want, dtype=float))
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    close = np.isclose(got, want, rtol=rtol, atol=0.0)
    bad = ~(same | close)
    assert not bad.any(), f"at {np.argwhere(bad)[:5].tolist()}: got {got[bad][:5]}, " \
                          f"SciPy {want[bad][:5]}"


def _cont_value_cases():
    for name, plist, _, _, _ in CONTINUOUS:
        for m in CONT_METHODS + MOMENTS:
            yield pytest.param(name, plist, m, id=f"{name}-{m}")


@pytest.mark.parametrize("name,plist,method", list(_cont_value_cases()))
def test_continuous_values(name, plist, method):
    ours, theirs = getattr(stats, name), getattr(st, name)
    grid = Q_GRID if method in ("ppf", "isf") else X_GRID
    if method in ours.not_traced:
        with pytest.raises(NotImplementedError, match=f"{name}.{method} on traced values"):
            traced(lambda *a: getattr(ours, method)(*a), *((grid,) if method not in MOMENTS
                                                         else ()), *plist[0], 0.0, 1.0)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in plist:
            for loc, scale in LOC_SCALE:
                if method in MOMENTS:
                    want = getattr(theirs, method)(*p, loc, scale)
                    got = traced(lambda *a: getattr(ours, method)(*a[:-2], a[-2], a[-1]),
                                 *p, loc, scale)
                    assert_scipy_equal(got, want)
                    continue
                want = getattr(theirs, method)(grid, *p, loc, scale)
                got = traced(lambda x, *a: getattr(ours, method)(x, *a), grid, *p, loc, scale)
                if name == "beta" and method == "ppf" and scale > 0:
                    keep = ~np.isin(grid, list(BETA_PPF_ROUND_TRIP))
                    assert_scipy_equal(got[keep], want[keep])
                    if (loc, scale) == (0.0, 1.0) and p[0] > 0:
                        rt = theirs.cdf(got[~keep], *p)
                        np.testing.assert_allclose(rt, grid[~keep], rtol=1e-10)
                    continue
                assert_scipy_equal(got, want)


def _disc_value_cases():
    for name, plist, _, _ in DISCRETE:
        for m in DISC_METHODS + MOMENTS:
            yield pytest.param(name, plist, m, id=f"{name}-{m}")


@pytest.mark.parametrize("name,plist,method", list(_disc_value_cases()))
def test_discrete_values(name, plist, method):
    ours, theirs = getattr(stats, name), getattr(st, name)
    if method in ours.not_traced:
        with pytest.raises(NotImplementedError, match=f"{name}.{method} on traced values"):
            traced(lambda *a: getattr(ours, method)(*a), *((K_GRID,) if method not in MOMENTS
                                                         else ()), *plist[0], 0.0)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in plist:
            for loc in (0.0, 2.0):
                if method in MOMENTS:
                    if method == "entropy" and name in ("poisson", "nbinom"):
                        with pytest.raises(NotImplementedError, match="plain values"):
                            traced(lambda *a: ours.entropy(*a), *p, loc)
                        continue
                    if method == "entropy" and not np.all(np.isfinite(
                            theirs.mean(*p, loc))):
                        continue
                    want = getattr(theirs, method)(*p, loc)
                    if name == "binom" and method == "entropy":  # sums over 0..n: n known
                        got = traced(lambda *a: ours.entropy(p[0], *a), *p[1:], loc)
                    else:
                        got = traced(lambda *a: getattr(ours, method)(*a), *p, loc)
                    assert_scipy_equal(got, want)
                    continue
                want = getattr(theirs, method)(K_GRID, *p, loc)
                got = traced(lambda k, *a: getattr(ours, method)(k, *a), K_GRID, *p, loc)
                assert_scipy_equal(got, want)


def test_norm_tails_accurate():
    # log_ndtr: the far tails are SciPy's to 1e-12, not log(0)
    x = np.array([-40.0, -38.5, -20.0])
    assert_scipy_equal(traced(stats.norm.logcdf, x), st.norm.logcdf(x))
    assert_scipy_equal(traced(stats.norm.logsf, -x), st.norm.logsf(-x))
    assert np.all(np.isfinite(traced(stats.norm.logcdf, x)))


def test_t_cdf_tails():
    x = np.array([-1e3, -60.0, -8.0, 8.0, 60.0])
    for df in (1.0, 2.5, 7.0):
        assert_scipy_equal(traced(lambda x: stats.t.cdf(x, df), x), st.t.cdf(x, df), 1e-11)
        assert_scipy_equal(traced(lambda x: stats.t.sf(x, df), x), st.t.sf(x, df), 1e-11)


# --- derivatives ----------------------------------------------------------------------
LOC0, SCALE0 = 0.2, 1.3


def _cont_grad_cases():
    for name, _, shape0, z, order1 in CONTINUOUS:
        sp_dist = getattr(stats, name)
        args = ["x", *[f"shape{i}" for i in range(len(shape0))], "loc", "scale"]
        for m in CONT_METHODS + MOMENTS:
            if m in MOMENTS and name in ("cauchy", "halfcauchy") or m in sp_dist.not_traced:
                continue  # mean and variance undefined or infinite: no derivative
            for i, arg in enumerate(args):
                if m in MOMENTS and arg == "x":
                    continue
                yield pytest.param(sp_dist, m, shape0, np.array(z), i, arg,
                                   1 if (m in order1 and arg.startswith("shape")) else 2,
                                   id=f"{name}-{m}-{arg}")


@pytest.mark.parametrize("dist,method,shape0,z,which,arg,order", list(_cont_grad_cases()))
def test_continuous_grads(dist, method, shape0, z, which, arg, order):
    if method in ("ppf", "isf"):
        x0 = np.array([0.1, 0.35, 0.8])
    else:
        x0 = LOC0 + SCALE0 * z
    full = [x0, *[np.float64(s) for s in shape0], np.float64(LOC0), np.float64(SCALE0)]
    if method in MOMENTS:
        full = full[1:]
        which -= 1

    def f(v):
        a = list(full)
        a[which] = v
        return getattr(dist, method)(*a)

    cr.check_grads(f, (full[which],), order=order, modes=("fwd", "rev"))


def _disc_grad_cases():
    for name, _, shape0, integer in DISCRETE:
        dist = getattr(stats, name)
        names = dist.shapes
        for m in DISC_METHODS + MOMENTS:
            if m == "entropy" and name in ("poisson", "nbinom") or m in dist.not_traced:
                continue
            for i, arg in enumerate(names):
                if arg in integer:
                    continue
                yield pytest.param(name, m, shape0, i, id=f"{name}-{m}-{arg}")


@pytest.mark.parametrize("name,method,shape0,which", list(_disc_grad_cases()))
def test_discrete_grads(name, method, shape0, which):
    dist = getattr(stats, name)
    k = np.array([0.0]) if name == "bernoulli" else np.array([1.0, 2.0, 4.0, 6.0])

    def f(v):
        s = list(shape0)
        s[which] = v
        if method in MOMENTS:
            return getattr(dist, method)(*s)
        return getattr(dist, method)(k, *s)

    cr.check_grads(f, (np.float64(shape0[which]),), order=2, modes=("fwd", "rev"))


def test_multivariate_normal_values_and_grads():
    cov = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 1.5]])
    x = np.random.default_rng(0).normal(size=(4, 3))
    m = np.array([0.1, -0.2, 0.3])
    mvn = stats.multivariate_normal
    for fn in ("logpdf", "pdf"):
        want = getattr(st.multivariate_normal, fn)(x, m, cov)
        assert_scipy_equal(traced(lambda x, m, c: getattr(mvn, fn)(x, m, c), x, m, cov),
                           want, 1e-12)
    assert_scipy_equal(traced(lambda m, c: mvn.entropy(m, c), m, cov),
                       st.multivariate_normal.entropy(m, cov))
    sym = lambda c: (c + cnp.swapaxes(c, -1, -2)) / 2  # noqa: E731 - symmetric directions
    for allow in (False, True):
        f = lambda x, m, c: mvn.logpdf(x, m, sym(c), allow_singular=allow)  # noqa: E731
        for i in range(3):
            args = [x, m, cov]

            def g(v, i=i):
                a = list(args)
                a[i] = v
                return f(*a)
            cr.check_grads(g, (args[i],), order=2, modes=("fwd", "rev"))
    cr.check_grads(lambda c: mvn.entropy(None, sym(c)), (cov,), order=2, modes=("fwd", "rev"))
    # frozen, scalar and diagonal covariances, as SciPy reads them
    assert_scipy_equal(traced(lambda x: mvn(m, cov).logpdf(x), x),
                       st.multivariate_normal(m, cov).logpdf(x))
    assert_scipy_equal(traced(lambda x: mvn.logpdf(x, None, 2.0), np.array([0.3, 0.5])),
                       st.multivariate_normal.logpdf([0.3, 0.5], None, 2.0))
    assert_scipy_equal(traced(lambda c: mvn.logpdf(x, m, c), np.array([1.0, 2.0, 0.5])),
                       st.multivariate_normal.logpdf(x, m, [1.0, 2.0, 0.5]))


def test_multivariate_normal_singular_and_batched():
    mvn = stats.multivariate_normal
    sing = np.array([[1.0, 1.0], [1.0, 1.0]])
    x = np.array([[0.0, 0.0], [1.0, 2.0], [0.5, 0.5]])
    assert_scipy_equal(traced(lambda x: mvn.logpdf(x, [0.0, 0.0], sing, allow_singular=True), x),
                       st.multivariate_normal.logpdf(x, [0, 0], sing, allow_singular=True))
    with pytest.raises(np.linalg.LinAlgError, match="allow_singular"):
        traced(lambda x: mvn.logpdf(x, [0.0, 0.0], sing), x)
    with pytest.raises(ValueError, match="positive semidefinite"):
        traced(lambda x: mvn.logpdf(x, [0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]), x)
    # batched mean and cov broadcast with x (beyond SciPy): one SciPy call per batch entry
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    mb = np.array([[0.0, 0.0], [1.0, -1.0], [0.5, 0.2]])
    cb = np.stack([cov, 2 * cov, cov + np.eye(2)])
    want = [st.multivariate_normal.logpdf(x[i], mb[i], cb[i]) for i in range(3)]
    assert_scipy_equal(mvn.logpdf(x, mb, cb), want, 1e-12)
    assert_scipy_equal(cr.jit(lambda x, m, c: mvn.logpdf(x, m, c))(x, mb, cb), want, 1e-12)


# --- fast path, jit, vmap, frozen, errors ---------------------------------------------
def test_plain_arguments_are_scipy():
    x = np.linspace(-3, 3, 7)
    assert np.array_equal(stats.norm.logpdf(x, 0.5, 2.0), st.norm.logpdf(x, 0.5, 2.0))
    assert stats.t.cdf(0.3, 4) == st.t.cdf(0.3, 4)
    assert type(stats.poisson.logpmf(3, 2.0)) is type(st.poisson.logpmf(3, 2.0))
    assert np.array_equal(stats.gamma(2.0, scale=3.0).cdf(x), st.gamma(2.0, scale=3.0).cdf(x))


JIT_SAMPLE = [("norm", "logpdf", ()), ("t", "logpdf", (3.5,)), ("t", "cdf", (3.5,)),
              ("gamma", "logcdf", (2.3,)), ("beta", "logpdf", (2.5, 1.7)),
              ("lognorm", "sf", (0.7,)), ("cauchy", "ppf", ())]


@pytest.mark.parametrize("name,method,shape", JIT_SAMPLE, ids=[f"{a}-{b}" for a, b, _ in
                                                              JIT_SAMPLE])
def test_jit_and_vmap_match_eager(name, method, shape):
    dist = getattr(stats, name)
    x = np.array([0.1, 0.35, 0.8]) if method == "ppf" else np.array([0.3, 0.9, 1.7])
    f = lambda x, loc, *s: getattr(dist, method)(x, *s, loc=loc)  # noqa: E731
    eager = getattr(getattr(st, name), method)(x, *shape, loc=0.05)
    assert_scipy_equal(cr.jit(f)(x, 0.05, *shape), eager)
    locs = np.array([0.0, 0.05, -0.1])
    batched = cr.vmap(f, in_axes=(None, 0) + (None,) * len(shape))(x, locs, *shape)
    loop = np.stack([getattr(getattr(st, name), method)(x, *shape, loc=v) for v in locs])
    assert_scipy_equal(batched, loop)
    g = cr.jit(cr.grad(lambda loc: cnp.sum(f(x, loc, *shape))))
    np.testing.assert_allclose(g(0.05), cr.grad(lambda loc: cnp.sum(f(x, loc, *shape)))(0.05),
                               rtol=1e-12)


def test_frozen_and_keywords():
    x = np.array([0.3, 1.2])
    d = stats.gamma(a=2.0, loc=0.1, scale=1.5)
    for m in ("logpdf", "cdf", "sf", "ppf"):
        want = getattr(st.gamma(a=2.0, loc=0.1, scale=1.5), m)(np.array([0.3, 0.6]))
        assert_scipy_equal(getattr(d, m)(np.array([0.3, 0.6])), want)
    g = cr.grad(lambda s: cnp.sum(stats.norm(loc=0.5, scale=s).logpdf(x)))(2.0)
    want = np.sum(((x - 0.5) ** 2 / 2.0 ** 3) - 1 / 2.0)
    np.testing.assert_allclose(g, want, rtol=1e-13)
    assert np.isclose(stats.norm(1.0, 2.0).mean(), 1.0)
    # median and interval: ppf at 1/2 and at the tails, differentiable
    assert_scipy_equal(traced(lambda s: stats.gamma.median(2.0, scale=s), 1.5),
                       st.gamma.median(2.0, scale=1.5))
    lo, hi = traced(lambda s: stats.t(3.5, scale=s).interval(0.9), 1.5)
    assert_scipy_equal(np.array([lo, hi]), np.array(st.t(3.5, scale=1.5).interval(0.9)))
    assert stats.norm(1.0, 2.0).interval(0.5) == st.norm(1.0, 2.0).interval(0.5)
    np.testing.assert_allclose(cr.grad(lambda m: stats.norm.median(m, 2.0))(1.0), 1.0)
    with pytest.raises(TypeError, match="missing required shape"):
        cr.grad(lambda s: stats.gamma.logpdf(1.0, scale=s))(2.0)


def test_invalid_parameters_are_nan_with_nan_derivative():
    # SciPy: NaN for scale <= 0 and shapes out of the domain; the derivative there is NaN
    assert np.isnan(traced(lambda s: stats.norm.logpdf(1.0, 0.0, s), -1.0))
    assert np.isnan(cr.grad(lambda s: stats.norm.logpdf(1.0, 0.0, s))(-1.0))
    assert np.isnan(cr.grad(lambda p: stats.binom.logpmf(1.0, 3, p))(1.5))
    # outside the support: -inf, derivative 0 (the density is 0 on a neighbourhood)
    assert traced(lambda x: stats.expon.logpdf(x), -1.0) == -np.inf
    assert cr.grad(lambda x: stats.expon.logpdf(x))(-1.0) == 0.0


@pytest.mark.parametrize("fn,arg", [
    (lambda k: stats.poisson.logpmf(k, 2.0), "'k'"),
    (lambda n: stats.binom.logpmf(2.0, n, 0.3), "'n'"),
    (lambda loc: stats.geom.cdf(3.0, 0.3, loc), "'loc'"),
    (lambda q: stats.poisson.ppf(q, 2.0), "'q'"),
])
def test_derivative_in_integer_argument_raises(fn, arg):
    with pytest.raises(TypeError, match=arg):
        cr.grad(fn)(1.0)


def test_rvs_matches_scipy_generator():
    x = stats.norm.rvs(1.0, 2.0, size=5, random_state=np.random.default_rng(3))
    assert np.array_equal(x, st.norm.rvs(1.0, 2.0, size=5, random_state=np.random.default_rng(3)))
    # traced loc/scale: SciPy's numbers, differentiable (reparameterization)
    f = lambda m, s: stats.gamma.rvs(2.0, m, s, size=4,  # noqa: E731
                                     random_state=np.random.default_rng(1))
    got = traced(f, 1.0, 2.0)
    assert_scipy_equal(got, st.gamma.rvs(2.0, 1.0, 2.0, size=4,
                                         random_state=np.random.default_rng(1)))
    z = st.gamma.rvs(2.0, size=4, random_state=np.random.default_rng(1))
    np.testing.assert_allclose(cr.grad(lambda s: cnp.sum(f(1.0, s)))(2.0), z.sum())
    with pytest.raises(TypeError, match="'a'"):
        cr.grad(lambda a: cnp.sum(stats.gamma.rvs(a, size=3, random_state=1)))(2.0)
    assert np.array_equal(stats.poisson.rvs(3.0, size=4, random_state=np.random.default_rng(2)),
                          st.poisson.rvs(3.0, size=4, random_state=np.random.default_rng(2)))
    # rng= (SPEC 7) is random_state's other name; frozen distributions too
    assert np.array_equal(stats.norm(1.0, 2.0).rvs(3, rng=7),
                          st.norm(1.0, 2.0).rvs(3, random_state=np.random.default_rng(7)))
    assert np.array_equal(stats.poisson.rvs(3.0, size=4, rng=2),
                          st.poisson.rvs(3.0, size=4, random_state=np.random.default_rng(2)))
    assert np.array_equal(
        stats.multivariate_normal.rvs([0.0, 1.0], np.eye(2), size=3, rng=4),
        st.multivariate_normal.rvs([0.0, 1.0], np.eye(2), size=3,
                                   random_state=np.random.default_rng(4)))
    with pytest.raises(TypeError, match="not both"):
        stats.norm.rvs(size=2, random_state=1, rng=1)
    # multivariate_normal with traced parameters: mean + L z, z from the generator
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    got = traced(lambda m: stats.multivariate_normal.rvs(m, cov, size=3, rng=5),
                 np.array([0.5, -1.0]))
    z = np.random.default_rng(5).standard_normal((3, 2))
    np.testing.assert_allclose(got, [0.5, -1.0] + z @ np.linalg.cholesky(cov).T, rtol=1e-14)


# --- descriptive statistics and kernel density estimation ------------------------------
def test_describe_zscore_pearsonr_values_and_grads():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(7, 3))
    b = a + rng.normal(size=(7, 3))
    for bias in (True, False):
        got = traced(lambda a: stats.describe(a, bias=bias)[2:], a)
        want = st.describe(a, bias=bias)
        for g, w in zip(got, want[2:]):
            assert_scipy_equal(g, w)
        got_mm = traced(lambda a: stats.describe(a).minmax, a)
        assert_scipy_equal(got_mm[0], want.minmax[0])
        assert_scipy_equal(got_mm[1], want.minmax[1])
        for i in (2, 3, 4, 5):
            cr.check_grads(lambda a, i=i: stats.describe(a, bias=bias)[i], (a,), order=2,
                           modes=("fwd", "rev"))
    for ddof in (0, 1):
        assert_scipy_equal(traced(lambda a: stats.zscore(a, ddof=ddof), a),
                           st.zscore(a, ddof=ddof))
        cr.check_grads(lambda a: stats.zscore(a, ddof=ddof), (a,), order=2,
                       modes=("fwd", "rev"))
    got = traced(lambda x, y: tuple(stats.pearsonr(x, y)), a, b)
    want = st.pearsonr(a, b)
    assert_scipy_equal(got[0], want.statistic)
    assert_scipy_equal(got[1], want.pvalue, 1e-12)
    for i in (0, 1):
        cr.check_grads(lambda x, y, i=i: stats.pearsonr(x, y)[i], (a[:, 0], b[:, 0]), order=2,
                       modes=("fwd", "rev"))


def test_gaussian_kde_values_and_grads():
    rng = np.random.default_rng(1)
    d1 = rng.normal(size=20)
    d2 = rng.normal(size=(2, 30))
    w = rng.uniform(size=30)
    pts = np.linspace(-3, 3, 7)
    p2 = rng.normal(size=(2, 5))
    assert np.array_equal(stats.gaussian_kde(d1).logpdf(pts), st.gaussian_kde(d1).logpdf(pts))
    assert_scipy_equal(traced(lambda d, p: stats.gaussian_kde(d).logpdf(p), d1, pts),
                       st.gaussian_kde(d1).logpdf(pts))
    for bw in (None, "silverman", 0.3):
        got = traced(lambda d, p, w: stats.gaussian_kde(d, bw, w).logpdf(p), d2, p2, w)
        assert_scipy_equal(got, st.gaussian_kde(d2, bw, w).logpdf(p2))
        got = traced(lambda d, p, w: stats.gaussian_kde(d, bw, w)(p), d2, p2, w)
        assert_scipy_equal(got, st.gaussian_kde(d2, bw, w)(p2))
    cr.check_grads(lambda d, p: stats.gaussian_kde(d).logpdf(p), (d1, pts), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda d, p, w: stats.gaussian_kde(d, None, w).logpdf(p), (d2, p2, w),
                   order=2, modes=("fwd", "rev"))


def test_t_derivatives_at_the_centre():
    # x = loc and q = 1/2: the closed forms have 0 * inf there (betainc at its end point, a
    # square root at 0); the derivatives come from the density (implicit function theorem)
    cr.check_grads(lambda x, d: stats.t.cdf(x, d), (np.array([-1.0, 0.0, 2.0]), 3.5), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda q, d: stats.t.ppf(q, d), (np.array([0.1, 0.5, 0.9]), 3.5), order=2,
                   modes=("fwd", "rev"), rtol=1e-4)
    np.testing.assert_allclose(cr.grad(lambda x: stats.t.cdf(x, 3.5))(0.0), st.t.pdf(0.0, 3.5),
                               rtol=1e-14)
    np.testing.assert_allclose(cr.grad(lambda q: stats.t.ppf(q, 3.5))(0.5),
                               1 / st.t.pdf(0.0, 3.5), rtol=1e-14)


def _sym(c):
    return (c + cnp.swapaxes(c, -1, -2)) / 2  # derivatives along symmetric directions


def test_multivariate_t_dirichlet_multinomial_wishart():
    shape = np.array([[2.0, 0.5], [0.5, 1.0]])
    x = np.array([[0.1, 0.2], [1.0, 2.0], [-3.0, 0.5]])
    assert_scipy_equal(traced(lambda x, l, s, d: stats.multivariate_t.logpdf(x, l, s, d),
                              x, [0.3, -0.1], shape, 3.5),
                       st.multivariate_t.logpdf(x, [0.3, -0.1], shape, 3.5))
    cr.check_grads(lambda x, l, s, d: stats.multivariate_t.logpdf(x, l, _sym(s), d),
                   (x, np.array([0.3, -0.1]), shape, 3.5), order=2, modes=("fwd", "rev"))

    xd = np.array([[0.2, 0.3], [0.3, 0.3], [0.5, 0.4]])
    alpha = np.array([1.0, 2.0, 3.0])
    for xx in (xd, xd[:2]):
        assert_scipy_equal(traced(stats.dirichlet.logpdf, xx, alpha),
                           st.dirichlet.logpdf(xx, alpha))
    for m in ("mean", "var", "entropy"):
        assert_scipy_equal(traced(getattr(stats.dirichlet, m), alpha),
                           getattr(st.dirichlet, m)(alpha))
        cr.check_grads(getattr(stats.dirichlet, m), (alpha,), order=2, modes=("fwd", "rev"))
    cr.check_grads(stats.dirichlet.logpdf, (xd[:2], alpha), order=2, modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="simplex"):
        cr.grad(lambda a: stats.dirichlet.logpdf([0.5, 0.6, 0.1], a))(alpha)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for counts, n, p in [([1, 2, 3], 6, [0.2, 0.3, 0.5]), ([1, 2, 3], 6, [0.2, 0.3, 0.6]),
                             ([1, 2, 3.5], 6.5, [0.2, 0.3, 0.5]), ([1, 2, 2], 6, [0.2, 0.3, 0.5]),
                             ([1, 2, 3], -6, [0.2, 0.3, 0.5]), ([1, 2, 3], 6, [0.2, -0.3, 1.1]),
                             ([[1, 2, 3], [0, 0, 6]], 6, [0.2, 0.3, 0.5])]:
            got = traced(lambda c, n, p: stats.multinomial.logpmf(c, n, p), counts, n, p)
            assert_scipy_equal(got, st.multinomial.logpmf(counts, n, p))
    cr.check_grads(lambda p: stats.multinomial.logpmf([1.0, 2.0, 3.0], 6.0, p),
                   (np.array([0.2, 0.3, 0.5]),), order=2, modes=("fwd", "rev"))
    with pytest.raises(TypeError, match="'x'"):
        cr.grad(lambda c: stats.multinomial.logpmf(c, 6.0, [0.2, 0.3, 0.5]))(
            np.array([1.0, 2.0, 3.0]))

    w = np.stack([np.eye(2), 2 * np.eye(2) + 0.1], -1)
    assert_scipy_equal(traced(lambda w, d, s: stats.wishart.logpdf(w, d, s), w, 4.5, shape),
                       st.wishart.logpdf(w, 4.5, shape))
    assert_scipy_equal(traced(lambda d: stats.wishart.pdf(np.eye(2), d, shape), 4.5),
                       st.wishart.pdf(np.eye(2), 4.5, shape))
    cr.check_grads(lambda x, d, s: stats.wishart.logpdf(_sym(x), d, _sym(s)),
                   (np.eye(2) + 0.1, 4.5, shape), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name,method,shape", [("poisson", "logpmf", (2.5,)),
                                               ("binom", "cdf", (8.0, 0.35)),
                                               ("nbinom", "logsf", (2.5, 0.4))])
def test_discrete_jit_and_vmap_match_eager(name, method, shape):
    dist, theirs = getattr(stats, name), getattr(st, name)
    k = np.array([0.0, 1.0, 3.0, 6.0])
    f = lambda *s: getattr(dist, method)(k, *s)  # noqa: E731
    assert_scipy_equal(cr.jit(f)(*shape), getattr(theirs, method)(k, *shape))
    last = np.array([shape[-1], 0.9 * shape[-1], 0.5 * shape[-1]])
    batched = cr.vmap(lambda v: f(*shape[:-1], v))(last)
    loop = np.stack([getattr(theirs, method)(k, *shape[:-1], v) for v in last])
    assert_scipy_equal(batched, loop)
    g = lambda v: cnp.sum(f(*shape[:-1], v))  # noqa: E731
    np.testing.assert_allclose(cr.jit(cr.grad(g))(shape[-1]), cr.grad(g)(shape[-1]),
                               rtol=1e-12)


def test_import_does_not_load_scipy_stats():
    # scipy.stats takes about half a second to import: chainrule.scipy (special, optimize)
    # must not pay for it; it is imported on the first call of a stats function
    import os
    import subprocess
    import sys
    code = ("import sys, chainrule.scipy, chainrule.scipy.stats as s; "
            "assert 'scipy.stats' not in sys.modules; s.norm.logpdf(0.0); "
            "assert 'scipy.stats' in sys.modules")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
