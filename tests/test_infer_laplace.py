"""The Laplace approximation of chainrule.infer: exact on Gaussian posteriors."""

import numpy as np
import pytest
import scipy.stats

import chainrule.numpy as cnp
from chainrule import infer

RNG = np.random.default_rng(7)
N, SIGMA, TAU = 30, 0.4, 2.0
DESIGN = np.stack([np.ones(N), np.linspace(-1, 1, N), np.linspace(-1, 1, N) ** 2], axis=1)
Y = DESIGN @ np.array([0.5, -1.0, 2.0]) + SIGMA * RNG.standard_normal(N)


def log_joint(p):
    """Normalized log p(y | β) + log p(β): β = (intercept, slope[0], slope[1])."""
    beta = cnp.concatenate([cnp.reshape(p["intercept"], (1,)), p["slope"]])
    resid = Y - DESIGN @ beta
    return (-0.5 * cnp.sum(resid ** 2) / SIGMA ** 2 - N * np.log(SIGMA * np.sqrt(2 * np.pi))
            - 0.5 * cnp.sum(beta ** 2) / TAU ** 2 - 3 * np.log(TAU * np.sqrt(2 * np.pi)))


def exact_posterior():
    precision = DESIGN.T @ DESIGN / SIGMA ** 2 + np.eye(3) / TAU ** 2
    cov = np.linalg.inv(precision)
    mean = cov @ DESIGN.T @ Y / SIGMA ** 2
    evidence = scipy.stats.multivariate_normal(
        np.zeros(N), SIGMA ** 2 * np.eye(N) + TAU ** 2 * DESIGN @ DESIGN.T).logpdf(Y)
    return mean, cov, evidence


INIT = {"intercept": 0.0, "slope": np.zeros(2)}


def test_conjugate_normal_model_is_exact():
    post = infer.laplace(log_joint, INIT)
    mean, cov, evidence = exact_posterior()
    assert set(post.mean) == {"intercept", "slope"}
    assert np.shape(post.mean["slope"]) == (2,)
    got = np.concatenate([[post.mean["intercept"]], post.mean["slope"]])
    np.testing.assert_allclose(got, mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(post.cov, cov, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(post.log_evidence, evidence, rtol=1e-12)
    assert post.labels == ["intercept", "slope[0]", "slope[1]"]
    np.testing.assert_allclose(post.std["slope"], np.sqrt(np.diag(cov))[1:], rtol=1e-10)


def test_samples_have_the_posterior_moments():
    post = infer.laplace(log_joint, INIT)
    n = 40000
    draws = post.sample(n, rng=11)
    assert np.shape(draws["intercept"]) == (n,) and np.shape(draws["slope"]) == (n, 2)
    flat = np.column_stack([draws["intercept"], draws["slope"]])
    mean, cov, _ = exact_posterior()
    sd = np.sqrt(np.diag(cov))
    np.testing.assert_array_less(np.abs(flat.mean(0) - mean), 4.5 * sd / np.sqrt(n))
    # sample variances: relative standard error sqrt(2/n)
    np.testing.assert_array_less(np.abs(flat.var(0, ddof=1) / sd ** 2 - 1), 4.5 * np.sqrt(2 / n))
    # the same seed gives the same draws
    np.testing.assert_array_equal(post.sample(5, rng=3)["slope"], post.sample(5, rng=3)["slope"])


def test_non_gaussian_posterior_matches_a_newton_mode_and_hessian():
    """A Gamma(a, b) density in log-space: mode log(a/b), curvature -a at the mode, and the
    evidence against the exact integral Γ(a)/b^a."""
    a, b = 40.0, 8.0

    def logdensity(p):
        return a * p["u"] - b * cnp.exp(p["u"])

    post = infer.laplace(logdensity, {"u": 0.0})
    np.testing.assert_allclose(post.mean["u"], np.log(a / b), rtol=1e-12)
    np.testing.assert_allclose(post.cov, [[1 / a]], rtol=1e-10)
    exact = scipy.special.gammaln(a) - a * np.log(b)
    # Stirling: the Laplace estimate is off by about 1/(12 a) in the log
    np.testing.assert_allclose(post.log_evidence - exact, -1 / (12 * a), atol=1e-4)


def test_constrained_model_in_unconstrained_space():
    a, b = 40.0, 8.0
    model = infer.constrain(lambda p: (a - 1) * cnp.log(p["rate"]) - b * p["rate"],
                            {"rate": "positive"})
    post = infer.laplace(model, model.init({"rate": 1.0}))
    np.testing.assert_allclose(post.mean["rate"], np.log(a / b), rtol=1e-12)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="not negative definite"):
        infer.laplace(lambda p: -(p[0] + p[1]) ** 2, np.zeros(2))
    with pytest.raises(ValueError, match="scalar"):
        infer.laplace(lambda p: -p ** 2, np.zeros(2))
    with pytest.raises(ValueError, match=r"NaN at init \(θ=-1\.0\)"):
        infer.laplace(lambda p: cnp.log(p) - p, -1.0)


@pytest.mark.parametrize("bad, kind", [(np.nan, "NaN"), (np.inf, r"\+inf")])
def test_nonfinite_init_names_the_parameters(bad, kind):
    def logdensity(p):
        return cnp.where(p["scale"] > 0, -p["scale"] ** 2, bad) - p["loc"] ** 2

    with pytest.raises(ValueError, match=f"logdensity is {kind} at init "
                                         r"\(loc=0\.5, scale=-1\.0\)"):
        infer.laplace(logdensity, {"loc": 0.5, "scale": -1.0})
