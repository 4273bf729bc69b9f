"""Constrained parameters in chainrule.infer: bijectors, their log-Jacobians, and
``constrain``."""

import numpy as np
import pytest
import scipy.special
import scipy.stats

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import infer

RNG = np.random.default_rng(5)

# (bijector, an unconstrained point, the part of forward(x) that is free coordinates)
CASES = [
    ("exp", infer.Exp(), RNG.standard_normal(3), lambda y: y),
    ("softplus", infer.Softplus(), RNG.standard_normal(3), lambda y: y),
    ("unit_interval", infer.Interval(), RNG.standard_normal(3), lambda y: y),
    ("interval", infer.Interval(-2.0, 5.0), RNG.standard_normal(3), lambda y: y),
    ("affine", infer.Affine(1.5, np.array([2.0, -0.5, 3.0])), RNG.standard_normal(3),
     lambda y: y),
    ("simplex", infer.StickBreaking(), RNG.standard_normal(3), lambda y: y[:-1]),
    ("corr_cholesky", infer.CorrCholesky(), 0.7 * RNG.standard_normal(6),
     lambda y: y[np.tril_indices(4, -1)]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,bij,x,free", CASES, ids=IDS)
def test_log_jacobian_is_the_log_determinant(name, bij, x, free):
    J = np.asarray(cr.jacobian(lambda v: free(bij.forward(v)))(x))
    assert J.shape == (x.size, x.size)
    np.testing.assert_allclose(float(bij.log_det_jacobian(x)), np.linalg.slogdet(J)[1],
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,bij,x,free", CASES, ids=IDS)
def test_gradients(name, bij, x, free):
    cr.check_grads(bij.forward, (x,), order=2, modes=("fwd", "rev"))
    cr.check_grads(bij.log_det_jacobian, (x,), order=2, modes=("fwd", "rev"))
    y = np.asarray(bij.forward(x))
    cr.check_grads(lambda v: cnp.sum(free(v) ** 2), (y,), order=1)  # the free part is smooth
    cr.check_grads(bij.inverse, (y,), order=1, modes=("fwd", "rev"),
                   eps=1e-7 if name in ("simplex", "corr_cholesky") else None)


@pytest.mark.parametrize("name,bij,x,free", CASES, ids=IDS)
def test_round_trips(name, bij, x, free):
    y = np.asarray(bij.forward(x))
    assert bij.in_support(y)
    np.testing.assert_allclose(np.asarray(bij.inverse(y)), x, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(np.asarray(bij.forward(bij.inverse(y))), y, rtol=1e-12,
                               atol=1e-14)


def test_supports():
    y = np.asarray(infer.StickBreaking().forward(np.zeros(3)))
    np.testing.assert_allclose(y, 0.25, rtol=1e-14)        # x = 0 is the centre
    L = np.asarray(infer.CorrCholesky().forward(RNG.standard_normal(3)))
    C = L @ L.T
    np.testing.assert_allclose(np.diag(C), 1.0, rtol=1e-14)
    assert np.all(np.linalg.eigvalsh(C) > 0) and np.all(np.triu(L, 1) == 0)
    y = np.asarray(infer.Interval(-2, 5).forward(np.array([-40.0, 0.0, 40.0])))
    assert np.all((y >= -2) & (y <= 5))


def _integrate(model, key, grid):
    vals = np.array([float(np.exp(model({key: u}))) for u in grid])
    return np.trapezoid(vals, grid)


def test_constrain_positive_integrates_the_gamma_density():
    a, b = 3.0, 2.0

    def logdensity(p):   # normalized Gamma(a, rate b) density of sigma
        return (a * np.log(b) - scipy.special.gammaln(a) + (a - 1) * cnp.log(p["sigma"])
                - b * p["sigma"])

    grid = np.linspace(-12, 12, 6001)
    for constraint in ("positive", "softplus"):
        model = infer.constrain(logdensity, {"sigma": constraint})
        np.testing.assert_allclose(_integrate(model, "sigma", grid), 1.0, rtol=1e-7)
        # the mean of sigma, a/b, from the density in unconstrained space
        dens = np.array([float(np.exp(model({"sigma": u}))) for u in grid])
        sig = np.asarray(model.to_constrained({"sigma": grid})["sigma"])
        np.testing.assert_allclose(np.trapezoid(dens * sig, grid), a / b, rtol=1e-6)


def test_constrain_interval_integrates_the_beta_density():
    a, b = 2.5, 4.0
    beta = scipy.stats.beta(a, b)

    def logdensity(p):
        q = p["p"]
        return ((a - 1) * cnp.log(q) + (b - 1) * cnp.log1p(-q) - scipy.special.betaln(a, b))

    model = infer.constrain(logdensity, {"p": "unit_interval"})
    grid = np.linspace(-30, 30, 6001)
    np.testing.assert_allclose(_integrate(model, "p", grid), 1.0, rtol=1e-8)
    # and the probability of p < 0.3 from the unconstrained side
    cut = float(scipy.special.logit(0.3))
    lo = np.linspace(-30, cut, 3001)
    np.testing.assert_allclose(_integrate(model, "p", lo), beta.cdf(0.3), rtol=1e-5)


def test_constrain_simplex_integrates_the_dirichlet_density():
    alpha = np.array([2.0, 3.0, 4.0])
    norm = scipy.special.gammaln(alpha.sum()) - scipy.special.gammaln(alpha).sum()

    def logdensity(p):
        return norm + cnp.sum((alpha - 1) * cnp.log(p["w"]))

    model = infer.constrain(logdensity, {"w": "simplex"})
    g = np.linspace(-14, 14, 281)
    U = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
    logp = cr.vmap(lambda u: model({"w": u}))(U)
    dens = np.exp(np.asarray(logp)).reshape(g.size, g.size)
    W = np.asarray(cr.vmap(infer.StickBreaking().forward)(U)).reshape(g.size, g.size, 3)
    total = np.trapezoid(np.trapezoid(dens, g, axis=1), g)
    np.testing.assert_allclose(total, 1.0, rtol=1e-5)
    mean = np.trapezoid(np.trapezoid(dens[..., None] * W, g, axis=1), g, axis=0)
    np.testing.assert_allclose(mean, alpha / alpha.sum(), rtol=1e-5)


def test_constrain_corr_cholesky_gives_the_uniform_lkj():
    """LKJ(1) on 2 × 2 correlations is uniform in r ∈ (-1, 1): density 1/2 on L[1, 0]."""
    model = infer.constrain(lambda p: cnp.log(0.5) + 0.0 * cnp.sum(p["L"]),
                            {"L": "corr_cholesky"})
    grid = np.linspace(-12, 12, 4001)
    vals = np.array([float(np.exp(model({"L": np.array([u])}))) for u in grid])
    np.testing.assert_allclose(np.trapezoid(vals, grid), 1.0, rtol=1e-8)


def test_constrain_leaves_other_entries_alone_and_round_trips():
    model = infer.constrain(lambda p: -0.5 * p["mu"] ** 2 - p["s"],
                            {"s": "positive", "q": ("interval", 0, 10)})
    params = {"mu": 1.5, "s": 2.0, "q": 4.0}
    u = model.to_unconstrained(params)
    assert u["mu"] == 1.5
    back = model.to_constrained(u)
    for k in params:
        np.testing.assert_allclose(back[k], params[k], rtol=1e-14)
    np.testing.assert_allclose(float(model.log_jacobian(u)),
                               np.log(2.0) + np.log(4.0 * 6.0 / 10.0), rtol=1e-12)
    np.testing.assert_allclose(float(model(u)), -0.5 * 1.5 ** 2 - 2.0
                               + float(model.log_jacobian(u)), rtol=1e-14)
    cr.check_grads(lambda s, q: model({"mu": 0.3, "s": s, "q": q}), (0.2, -0.4), order=2)


def test_to_constrained_maps_draws_with_leading_axes():
    """Draws shaped (chains, draws, ...) or (n, ...) map row by row; with as many draws as
    simplex coordinates a whole-array transform would go wrong without any error."""
    model = infer.constrain(lambda p: 0.0, {"s": "positive", "w": "simplex",
                                            "L": "corr_cholesky"})
    u = {"s": RNG.standard_normal((2, 3)), "w": RNG.standard_normal((2, 3, 3)),
         "L": RNG.standard_normal((2, 3, 3)), "mu": RNG.standard_normal((2, 3))}
    got = model.to_constrained(u)
    assert got["w"].shape == (2, 3, 4) and got["L"].shape == (2, 3, 3, 3)
    for c in range(2):
        for d in range(3):
            one = model.to_constrained({k: v[c, d] for k, v in u.items()})
            for k in u:
                np.testing.assert_allclose(got[k][c, d], one[k], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(got["w"].sum(axis=-1), 1.0, rtol=1e-14)
    # n = 2 draws of a 3-simplex: the leading axis has the length of the event axis
    w = model.to_constrained({"s": np.zeros(2), "w": u["w"][0, :2, :2],
                              "L": u["L"][0, :2]})["w"]
    np.testing.assert_allclose(w, [infer.StickBreaking().forward(r) for r in u["w"][0, :2, :2]],
                               rtol=1e-14)
    # Laplace draws in unconstrained space, mapped back
    post = infer.laplace(infer.constrain(
        lambda p: cnp.sum(cnp.log(p["w"])), {"w": "simplex"}), {"w": np.zeros(2)})
    draws = infer.constrain(lambda p: 0.0, {"w": "simplex"}).to_constrained(post.sample(5, rng=0))
    assert draws["w"].shape == (5, 3)
    np.testing.assert_allclose(draws["w"].sum(axis=-1), 1.0, rtol=1e-14)


def test_init_from_prior_and_by_optimization():
    a, b = 5.0, 2.0
    model = infer.constrain(lambda p: (a - 1) * cnp.log(p["rate"]) - b * p["rate"],
                            {"rate": "positive"})
    u = model.init(prior=lambda rng: {"rate": rng.gamma(a, 1 / b)}, rng=1)
    expected = np.log(np.random.default_rng(1).gamma(a, 1 / b))
    np.testing.assert_allclose(u["rate"], expected, rtol=1e-14)
    # maximum in log(rate) of rate^a e^(-b rate): rate = a / b
    u = model.init({"rate": 0.1}, optimize=True)
    np.testing.assert_allclose(np.exp(u["rate"]), a / b, rtol=1e-5)


def test_values_outside_the_support_are_rejected():
    model = infer.constrain(lambda p: -p["sigma"],
                            {"sigma": "positive", "p": "unit_interval", "w": "simplex",
                             "L": "corr_cholesky"})
    good = {"sigma": 1.0, "p": 0.5, "w": np.array([0.2, 0.8]), "L": np.eye(2)}
    model.to_unconstrained(good)
    for key, bad, where in [("sigma", -1.0, r"\(0, inf\)"), ("sigma", np.nan, r"\(0, inf\)"),
                            ("p", 1.0, r"\(0, 1\)"),
                            ("w", np.array([0.5, 0.6]), "simplex"),
                            ("L", np.array([[1.0, 0.0], [0.5, 0.5]]), "unit length"),
                            ("L", np.array([[1.0, 0.1], [0.0, 1.0]]), "lower triangular")]:
        with pytest.raises(ValueError, match=f"parameter '{key}' .* outside its declared "
                                             f"support .*{where}"):
            model.to_unconstrained({**good, key: bad})
        with pytest.raises(ValueError, match="outside its declared support"):
            model.constrained_logdensity({**good, key: bad})
    two_d = {**good, "w": np.array([[0.5, 0.5]])}   # a stack, not one value
    with pytest.raises(ValueError, match="parameter 'w'.*one value of each parameter"):
        model.to_unconstrained(two_d)
    with pytest.raises(ValueError, match="outside its declared support"):
        model.constrained_logdensity(two_d)
    with pytest.raises(ValueError, match="unknown constraint 'postive'"):
        infer.constrain(lambda p: 0.0, {"s": "postive"})
    with pytest.raises(ValueError, match="lacks"):
        model.to_unconstrained({"sigma": 1.0})
    with pytest.raises(TypeError, match="must be a dict"):
        model(np.zeros(3))
    with pytest.raises(ValueError, match="low < high"):
        infer.Interval(1.0, 1.0)


def test_to_unconstrained_of_a_stack_says_one_value_at_a_time():
    model = infer.constrain(lambda p: 0.0, {"p": "simplex", "L": "corr_cholesky"})
    stack = np.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match="one value of each parameter"):
        model.to_unconstrained({"p": stack, "L": np.eye(2)})
    with pytest.raises(ValueError, match="one value of each parameter"):
        model.to_unconstrained({"p": stack[0], "L": np.stack([np.eye(2)] * 3)})
    with pytest.raises(ValueError, match="outside its declared support"):
        model.to_unconstrained({"p": np.array([0.5, 0.6, -0.1]), "L": np.eye(2)})
    u = model.to_unconstrained({"p": stack[0], "L": np.eye(2)})
    assert u["p"].shape == (2,) and u["L"].shape == (1,)
