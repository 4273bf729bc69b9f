"""Fisher information, observed information, Cramér–Rao bounds, marginalizing, fixing,
combining, and the forecast plots of chainrule.infer."""

import numpy as np
import pytest

import chainrule.numpy as cnp
from chainrule import infer
from chainrule.optimize import curve_fit

X = np.linspace(-5.0, 5.0, 101)
TRUTH = {"amplitude": 0.6, "centre": 0.3, "width": 0.8}
NOISE = 0.02


def absorption_line(x, amplitude, centre, width):
    return 1.0 - amplitude * cnp.exp(-0.5 * ((x - centre) / width) ** 2)


def line_model(p):
    return absorption_line(X, p["amplitude"], p["centre"], p["width"])


def analytic_line_fisher(amplitude, centre, width, sigma):
    """Σₖ ∂fₖ ∂fₖ / σ², with the derivatives of the line profile written out by hand."""
    u = (X - centre) / width
    g = np.exp(-0.5 * u ** 2)
    # ravel_params orders the dict by key: amplitude, centre, width
    J = np.stack([-g, -amplitude * g * u / width, -amplitude * g * u ** 2 / width], axis=1)
    return J.T @ J / sigma ** 2


def test_absorption_line_fisher_is_analytic():
    F = infer.fisher_information(line_model, TRUTH, NOISE)
    expected = analytic_line_fisher(TRUTH["amplitude"], TRUTH["centre"], TRUTH["width"], NOISE)
    np.testing.assert_allclose(F, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())
    assert infer.param_labels(TRUTH) == ["amplitude", "centre", "width"]


def test_noise_forms_agree():
    """A scalar, per-point standard deviations and the diagonal covariance are the same
    noise; a full covariance matches Jᵀ Σ⁻¹ J computed by hand."""
    expected = analytic_line_fisher(TRUTH["amplitude"], TRUTH["centre"], TRUTH["width"], NOISE)
    for sigma in (NOISE, np.full(X.size, NOISE), NOISE ** 2 * np.eye(X.size)):
        np.testing.assert_allclose(infer.fisher_information(line_model, TRUTH, sigma),
                                   expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())
    # correlated noise: exponential covariance
    C = NOISE ** 2 * np.exp(-np.abs(X[:, None] - X[None, :]) / 0.3)
    u = (X - TRUTH["centre"]) / TRUTH["width"]
    g = np.exp(-0.5 * u ** 2)
    a, w = TRUTH["amplitude"], TRUTH["width"]
    Jm = np.stack([-g, -a * g * u / w, -a * g * u ** 2 / w], axis=1)
    np.testing.assert_allclose(infer.fisher_information(line_model, TRUTH, C),
                               Jm.T @ np.linalg.solve(C, Jm), rtol=1e-9, atol=1e-6)


def test_cramer_rao_bounds_match_the_scatter_of_repeated_fits():
    F = infer.fisher_information(line_model, TRUTH, NOISE)
    flat, unravel = infer.ravel_params(TRUTH)
    bounds = infer.cramer_rao(F)
    assert infer.cramer_rao(F, unravel)["centre"] == bounds[1]
    rng = np.random.default_rng(20261205)
    n_fits = 300
    clean = np.asarray(line_model(TRUTH))
    fits = np.array([curve_fit(absorption_line, X, clean + NOISE * rng.standard_normal(X.size),
                               p0=flat)[0] for _ in range(n_fits)])
    # the sample standard deviation has relative standard error 1/sqrt(2(N-1)): allow 4 of it
    ratio = fits.std(axis=0, ddof=1) / bounds
    np.testing.assert_array_less(np.abs(ratio - 1.0), 4.0 / np.sqrt(2 * (n_fits - 1)))
    # unbiased at this signal-to-noise: the mean within 4 standard errors of the truth
    np.testing.assert_array_less(np.abs(fits.mean(axis=0) - flat),
                                 4.0 * bounds / np.sqrt(n_fits))
    # the correlations too (standard error about (1 - ρ²)/sqrt(N))
    cov = np.linalg.inv(F)
    rho = cov / np.outer(bounds, bounds)
    rho_hat = np.corrcoef(fits.T)
    np.testing.assert_array_less(np.abs(rho_hat - rho), 4.0 * (1 - rho ** 2) / np.sqrt(n_fits)
                                 + 1e-12)


def test_noise_depending_on_a_parameter_adds_the_trace_term():
    """m draws of Normal(λ, λ): F = m/λ + m/(2λ²), the second term from Σ(λ) = λ I."""
    m, lam = 40, 2.5
    expected = m / lam + m / (2 * lam ** 2)

    def mean(p):
        return p["lam"] * cnp.ones(m)

    F_std = infer.fisher_information(mean, {"lam": lam}, lambda p: cnp.sqrt(p["lam"]))
    F_cov = infer.fisher_information(mean, {"lam": lam}, lambda p: p["lam"] * cnp.eye(m))
    F_vec = infer.fisher_information(mean, {"lam": lam},
                                     lambda p: cnp.sqrt(p["lam"]) * cnp.ones(m))
    for F in (F_std, F_cov, F_vec):
        np.testing.assert_allclose(F, [[expected]], rtol=1e-12)


def test_dependent_noise_with_two_parameters():
    """Normal(μ, s²) data, correlated with a fixed correlation matrix R: the mean part is
    1ᵀR⁻¹1/s², the scale part ½ tr((2/s)² I) = 2m/s², and no cross term."""
    m, mu, s = 12, 0.7, 1.3
    t = np.arange(m)
    R = 0.5 ** np.abs(t[:, None] - t[None, :])
    F = infer.fisher_information(lambda p: p["mu"] * cnp.ones(m), {"mu": mu, "s": s},
                                 lambda p: p["s"] ** 2 * R)
    expected = np.array([[np.sum(np.linalg.inv(R)) / s ** 2, 0.0], [0.0, 2 * m / s ** 2]])
    np.testing.assert_allclose(F, expected, rtol=1e-12, atol=1e-12)


def test_dependent_noise_is_the_curvature_of_the_expected_log_likelihood():
    """Mean and covariance sharing parameters (shot noise that follows the signal, a
    correlated background of length ell): the Fisher matrix is minus the Hessian in θ of
    E_y[log N(y; m(θ), Σ(θ))] with y ~ N(m(θ₀), Σ(θ₀)), which is in closed form
    -½ log det Σ - ½ tr(Σ⁻¹Σ₀) - ½ (m - m₀)ᵀ Σ⁻¹ (m - m₀): an independent route to the trace
    term and to the mean-covariance cross terms."""
    import chainrule as cr

    x = np.linspace(-2.0, 2.0, 15)

    def mean(p):
        return p["amp"] * cnp.exp(-0.5 * (x / p["width"]) ** 2)

    def cov(p):
        return (cnp.diag(0.01 + 0.1 * mean(p))
                + 0.02 * cnp.exp(-cnp.abs(x[:, None] - x[None, :]) / p["ell"]))

    p0 = {"amp": 1.3, "ell": 0.7, "width": 0.6}
    flat0, unravel = infer.ravel_params(p0)
    m0, cov0 = np.asarray(mean(p0)), np.asarray(cov(p0))

    def expected_loglike(theta):
        p = unravel(theta)
        S, d = cov(p), mean(p) - m0
        return (-0.5 * cnp.linalg.slogdet(S)[1] - 0.5 * cnp.trace(cnp.linalg.solve(S, cov0))
                - 0.5 * cnp.sum(d * cnp.linalg.solve(S, d)))

    expected = -np.asarray(cr.hessian(expected_loglike)(flat0))
    F = infer.fisher_information(mean, p0, cov)
    np.testing.assert_allclose(F, expected, rtol=1e-10, atol=1e-12 * np.abs(expected).max())
    assert abs(F[0, 2]) > 1.0          # the cross terms are there


def test_observed_information_is_the_negative_hessian():
    """A Poisson log-likelihood in log-rates η with a penalty ½ b² |η|², Hessian by hand."""
    counts = np.array([3.0, 7.0, 1.0])

    def loglike(p):
        eta = p["eta"]
        return cnp.sum(counts * eta - cnp.exp(eta)) - 0.5 * p["b"] ** 2 * cnp.sum(eta ** 2)

    params = {"b": 0.5, "eta": np.array([0.1, -0.4, 0.9])}
    b, eta = params["b"], params["eta"]
    I = np.zeros((4, 4))
    I[0, 0] = np.sum(eta ** 2)
    I[0, 1:] = I[1:, 0] = 2 * b * eta
    I[1:, 1:] = np.diag(np.exp(eta)) + b ** 2 * np.eye(3)
    np.testing.assert_allclose(infer.observed_information(loglike, params), I, rtol=1e-12)


def test_observed_information_equals_fisher_for_a_linear_gaussian_model():
    x = np.linspace(0, 1, 7)
    y = 1.0 + 2.0 * x
    p = {"a": 0.3, "b": 1.1}

    def loglike(q):
        return -0.5 * cnp.sum(((y - q["a"] - q["b"] * x) / 0.1) ** 2)

    np.testing.assert_allclose(
        infer.observed_information(loglike, p),
        infer.fisher_information(lambda q: q["a"] + q["b"] * x, p, 0.1), rtol=1e-12)


@pytest.fixture
def spd():
    A = np.random.default_rng(3).standard_normal((4, 4))
    return A @ A.T + 4 * np.eye(4)


def test_marginalize_is_inverse_subblock_inverse(spd):
    keep, drop = [0, 2], [1, 3]
    got = infer.marginalize(spd, drop)
    np.testing.assert_allclose(got, np.linalg.inv(np.linalg.inv(spd)[np.ix_(keep, keep)]),
                               rtol=1e-12)
    # the same as the Schur complement F_kk - F_kd F_dd⁻¹ F_dk
    schur = (spd[np.ix_(keep, keep)] - spd[np.ix_(keep, drop)]
             @ np.linalg.solve(spd[np.ix_(drop, drop)], spd[np.ix_(drop, keep)]))
    np.testing.assert_allclose(got, schur, rtol=1e-12)
    labels = ["a", "b", "c", "d"]
    np.testing.assert_allclose(infer.marginalize(spd, ["b", "d"], labels=labels), got)
    # marginalizing widens the bounds of what is left; fixing narrows them
    wide = infer.cramer_rao(got)
    np.testing.assert_allclose(wide, infer.cramer_rao(spd)[keep], rtol=1e-12)


def test_fix_is_the_subblock(spd):
    np.testing.assert_array_equal(infer.fix(spd, 1), spd[np.ix_([0, 2, 3], [0, 2, 3])])
    np.testing.assert_array_equal(infer.fix(spd, ["a", "c"], labels="abcd"),
                                  spd[np.ix_([1, 3], [1, 3])])
    assert np.all(infer.cramer_rao(infer.fix(spd, 1)) <= infer.cramer_rao(spd)[[0, 2, 3]])


def test_combine_adds_independent_experiments(spd):
    prior = np.diag(1 / np.array([1.0, 2.0, 3.0, 4.0]) ** 2)
    np.testing.assert_array_equal(infer.combine(spd, prior, spd), spd + prior + spd)
    with pytest.raises(ValueError, match="different shapes"):
        infer.combine(spd, np.eye(3))


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="positive"):
        infer.fisher_information(line_model, TRUTH, 0.0)
    with pytest.raises(ValueError, match="positive definite"):
        infer.fisher_information(line_model, TRUTH, -np.eye(X.size))
    with pytest.raises(ValueError, match="sigma has shape"):
        infer.fisher_information(line_model, TRUTH, np.ones(3))
    with pytest.raises(ValueError, match="not positive definite"):
        infer.cramer_rao(np.array([[1.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="unknown parameter 'z'"):
        infer.fix(np.eye(2), "z", labels=["a", "b"])
    with pytest.raises(ValueError, match="out of range"):
        infer.marginalize(np.eye(2), 5)
    with pytest.raises(ValueError, match="leave no parameter"):
        infer.fix(np.eye(2), [0, 1])
    with pytest.raises(ValueError, match="listed twice"):
        infer.marginalize(np.eye(3), [0, 0])
    with pytest.raises(TypeError, match="real numbers"):
        infer.ravel_params({"a": 1j})


# plots ---------------------------------------------------------------------------------

def test_fisher_ellipse_is_the_delta_chi2_contour():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    F = infer.fisher_information(line_model, TRUTH, NOISE)
    cov = np.linalg.inv(F)
    mean = infer.ravel_params(TRUTH)[0]
    ax = infer.fisher_ellipse(cov, 1, 2, mean=mean, labels=infer.param_labels(TRUTH))
    assert ax.get_xlabel() == "centre" and ax.get_ylabel() == "width"
    one, two = ax.lines
    for line, level in ((one, 2.2957489), (two, 6.1800743)):
        pts = np.stack([line.get_xdata(), line.get_ydata()], axis=1) - mean[[1, 2]]
        chi2 = np.einsum("ki,ij,kj->k", pts, np.linalg.inv(cov[np.ix_([1, 2], [1, 2])]), pts)
        np.testing.assert_allclose(chi2, level, rtol=1e-6)
    import matplotlib.pyplot as plt
    plt.close("all")


def test_corner_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    F = infer.fisher_information(line_model, TRUTH, NOISE)
    labels = infer.param_labels(TRUTH)
    fig = infer.corner_plot(np.linalg.inv(F), mean=infer.ravel_params(TRUTH)[0], labels=labels)
    path = tmp_path / "forecast.png"
    fig.savefig(path)
    assert path.stat().st_size > 1000
    assert len(fig.axes) == 9
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 6
    bottom = fig.axes[6:9]
    assert [ax.get_xlabel() for ax in bottom] == labels
    assert [fig.axes[3].get_ylabel(), fig.axes[6].get_ylabel()] == labels[1:]
    assert fig.axes[0].get_title().startswith("amplitude = 0.6 ±")
    assert len(fig.axes[3].lines) == 2          # the 1σ and 2σ ellipses
    plt.close(fig)
