"""ADVI: known Gaussian answers, constrained parameters, errors."""

import math

import numpy as np
import pytest

import chainrule.numpy as cnp
from chainrule import infer, optim

DIM = 6


def _target():
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(DIM, DIM)))
    cov = q @ np.diag(np.geomspace(0.1, 3.0, DIM)) @ q.T      # condition number 30
    return np.linalg.inv(cov), cov, np.linspace(-1.0, 2.0, DIM)


PREC, COV, MU = _target()


def gaussian(p):
    d = p["x"] - MU
    return -0.5 * cnp.sum(d * cnp.matmul(PREC, d))


LOG_EVIDENCE = 0.5 * DIM * math.log(2 * math.pi) + 0.5 * np.linalg.slogdet(COV)[1]


def test_fullrank_recovers_mean_and_covariance():
    fit = infer.advi(gaussian, {"x": np.zeros(DIM)}, family="fullrank", num_steps=2500,
                     rng=0)
    np.testing.assert_allclose(fit.mean["x"], MU, atol=1e-3)
    np.testing.assert_allclose(fit.cov, COV, atol=2e-3 * np.abs(COV).max())
    np.testing.assert_allclose(fit.cov, fit.scale_tril @ fit.scale_tril.T)
    # at q = p the ELBO is the log evidence
    assert fit.elbo[-1] == pytest.approx(LOG_EVIDENCE, abs=1e-3)
    assert fit.elbo[0] < fit.elbo[-1]
    draws = fit.sample(20000, rng=1)["x"]
    assert draws.shape == (20000, DIM)
    np.testing.assert_allclose(np.cov(draws.T), COV, atol=0.05 * np.abs(COV).max())
    assert fit.labels == [f"x[{i}]" for i in range(DIM)]


def test_meanfield_converges_to_the_known_kl_optimum():
    # For a Gaussian target, KL(q || p) over diagonal Gaussians is minimal at the exact mean
    # and the variances 1 / diag(precision) (smaller than the marginal variances).
    # Unlike the full-rank fit, q never equals p here, so the gradient stays noisy: the
    # tolerance is a fraction of q's spread (the errors seen over seeds are below half of it).
    fit = infer.advi(gaussian, {"x": np.zeros(DIM)}, num_steps=2500, num_particles=16, rng=0)
    sd = np.sqrt(1.0 / np.diag(PREC))
    np.testing.assert_allclose(fit.mean["x"], MU, atol=0.1 * sd.min())
    np.testing.assert_allclose(np.diag(fit.cov), sd ** 2, rtol=0.08)
    assert np.count_nonzero(fit.cov - np.diag(np.diag(fit.cov))) == 0
    np.testing.assert_allclose(fit.std["x"], np.sqrt(np.diag(fit.cov)))
    # the marginal variances are larger: mean-field underestimates them
    assert np.all(np.diag(fit.cov) < 0.9 * np.diag(COV))
    assert fit.family == "meanfield"


def test_same_seed_same_fit_and_a_custom_optimizer():
    kw = dict(num_steps=300, optimizer=optim.adam(0.02), num_particles=4)
    a = infer.advi(gaussian, {"x": np.zeros(DIM)}, rng=5, **kw)
    b = infer.advi(gaussian, {"x": np.zeros(DIM)}, rng=5, **kw)
    c = infer.advi(gaussian, {"x": np.zeros(DIM)}, rng=6, **kw)
    np.testing.assert_array_equal(a.elbo, b.elbo)
    assert not np.array_equal(a.elbo, c.elbo)


def test_works_with_constrain():
    # sigma ~ LogNormal(m, s), mu ~ N(1, 0.5): in (log sigma, mu) with the log-Jacobian the
    # target is Gaussian, so the approximation is exact.
    m, s = 0.3, 0.4

    def logdensity(p):
        sig = p["sigma"]
        return (-cnp.log(sig) - 0.5 * ((cnp.log(sig) - m) / s) ** 2
                - 0.5 * ((p["mu"] - 1.0) / 0.5) ** 2)

    model = infer.constrain(logdensity, {"sigma": "positive"})
    init = model.init({"sigma": 2.0, "mu": 0.0})
    fit = infer.advi(model, init, family="fullrank", num_steps=2000, rng=0)
    assert fit.mean["sigma"] == pytest.approx(m, abs=2e-3)
    assert fit.std["sigma"] == pytest.approx(s, rel=1e-2)
    assert fit.mean["mu"] == pytest.approx(1.0, abs=2e-3)
    assert fit.std["mu"] == pytest.approx(0.5, rel=1e-2)
    draws = fit.sample(20000, rng=0, constrained=True)
    assert np.all(draws["sigma"] > 0)
    assert np.median(draws["sigma"]) == pytest.approx(math.exp(m), rel=0.02)
    assert np.mean(draws["sigma"]) == pytest.approx(math.exp(m + s ** 2 / 2), rel=0.02)


def test_errors():
    with pytest.raises(ValueError, match="family"):
        infer.advi(gaussian, {"x": np.zeros(DIM)}, family="dense")
    with pytest.raises(ValueError, match=r"not finite|nan|inf"):
        infer.advi(lambda p: cnp.log(p["a"]), {"a": -1.0}, num_steps=5)
    # a density with a boundary, not constrained: a draw crosses it
    with pytest.raises(FloatingPointError, match="infer.constrain"):
        infer.advi(lambda p: cnp.where(p["a"] > 0, -p["a"], -np.inf), {"a": 0.05},
                   init_scale=1.0, num_steps=50, rng=0)
    with pytest.raises(ValueError, match="constrained"):
        infer.advi(gaussian, {"x": np.zeros(DIM)}, num_steps=2).sample(3, constrained=True)
    with pytest.raises(TypeError, match="GradientTransformation"):
        infer.advi(gaussian, {"x": np.zeros(DIM)}, optimizer="adam")
