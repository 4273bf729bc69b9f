"""chainrule.infer samplers against analytic posteriors, with fixed keys and small sizes."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import infer
from chainrule.infer import _nuts

RNG = np.random.default_rng(0)
Q, _ = np.linalg.qr(RNG.normal(size=(10, 10)))
COV = Q @ np.diag(np.geomspace(0.1, 10.0, 10)) @ Q.T        # condition number 100
PREC = np.linalg.inv(COV)
MU = np.arange(10) / 5.0


def gaussian_10d(x):
    d = x - MU
    return -0.5 * cnp.sum(d * cnp.matmul(PREC, d))


def _within_mc_error(samples, mean, z=4.5):
    """Every coordinate's mean within z Monte-Carlo standard errors of the truth."""
    err = (samples.mean(axis=(0, 1)) - mean) / infer.mcse(samples)
    assert np.all(np.abs(err) < z), err


def _cov_within_mc_error(samples, mean, cov, z=4.5):
    """Every entry of the covariance within z Monte-Carlo standard errors of the truth.

    Centred on the true mean, the products (x_i - m_i)(x_j - m_j) are draws whose mean is
    exactly cov_ij; their MCSE (from their own autocorrelation) is the error of that mean.
    """
    d = samples - mean
    prods = d[..., :, None] * d[..., None, :]                # (chains, draws, n, n)
    err = (prods.mean(axis=(0, 1)) - cov) / infer.mcse(prods)
    assert np.all(np.abs(err) < z), err
    # One statistic with the power of all entries: the squared Mahalanobis distance has
    # mean n under the target; a covariance off by a factor f moves it to about f n.
    m2 = np.einsum("...i,ij,...j->...", d, np.linalg.inv(cov), d)
    assert abs(m2.mean() - len(cov)) < z * infer.mcse(m2), (m2.mean(), infer.mcse(m2))


def test_nuts_recovers_a_correlated_gaussian():
    res = infer.nuts(gaussian_10d, np.zeros(10), num_warmup=300, num_samples=200,
                     num_chains=4, dense_mass=True, rng=1)
    assert res.samples.shape == (4, 200, 10)
    assert res.num_divergences == 0
    _within_mc_error(res.samples, MU)
    _cov_within_mc_error(res.samples, MU, COV)
    assert np.all(infer.rhat(res.samples) < 1.05)
    # the dense adaptation found the covariance (inverse mass matrix = posterior covariance)
    est = res.inverse_mass_matrix[0]
    assert np.linalg.norm(est - COV) / np.linalg.norm(COV) < 0.4
    stats = res.stats
    assert set(stats) >= {"step_size", "tree_depth", "diverging", "accept_prob", "energy",
                          "num_steps"}
    assert np.all((stats["tree_depth"] >= 1) & (stats["tree_depth"] <= 10))
    assert np.all(stats["num_steps"] <= 2 ** stats["tree_depth"] - 1)
    assert 0.6 < stats["accept_prob"].mean() < 0.99


def _conjugate():
    y = np.array([1.2, 0.4, 2.1, 1.7, 0.9, 1.5])
    tau0, sigma = 10.0, 1.0
    post_var = 1.0 / (1.0 / tau0 ** 2 + len(y) / sigma ** 2)
    post_mean = post_var * y.sum() / sigma ** 2

    def logdensity(params):
        mu = params["mu"]
        return -0.5 * mu ** 2 / tau0 ** 2 - 0.5 * cnp.sum((y - mu) ** 2) / sigma ** 2

    return logdensity, post_mean, post_var


@pytest.mark.parametrize("sampler", ["nuts", "hmc"])
def test_conjugate_normal_posterior(sampler):
    logdensity, post_mean, post_var = _conjugate()
    kw = {"num_steps": 5} if sampler == "hmc" else {}
    res = getattr(infer, sampler)(logdensity, {"mu": 0.0}, num_warmup=300, num_samples=500,
                                  num_chains=2, rng=3, **kw)
    mu = res.samples["mu"]
    assert mu.shape == (2, 500)
    assert abs(mu.mean() - post_mean) < 4.5 * infer.mcse(mu)
    _cov_within_mc_error(mu[..., None], post_mean, [[post_var]])
    table = res.summary()
    assert table.names == ["mu"]
    assert table.row("mu")["mean"] == pytest.approx(mu.mean())


EIGHT_Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
EIGHT_SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


def eight_schools_noncentered(p):
    mu, log_tau, eta = p["mu"], p["log_tau"], p["eta"]
    theta = mu + cnp.exp(log_tau) * eta
    return (-0.5 * (mu / 5.0) ** 2
            # half-Cauchy(5) on tau, with the Jacobian of tau = exp(log_tau)
            - cnp.log1p((cnp.exp(log_tau) / 5.0) ** 2) + log_tau
            - 0.5 * cnp.sum(eta ** 2)
            - 0.5 * cnp.sum(((EIGHT_Y - theta) / EIGHT_SIGMA) ** 2))


def test_eight_schools_noncentered_has_no_divergences():
    init = {"mu": 0.0, "log_tau": 0.0, "eta": np.zeros(8)}
    res = infer.nuts(eight_schools_noncentered, init, num_warmup=200, num_samples=200,
                     num_chains=2, rng=4)
    assert res.num_divergences == 0
    assert res.samples["eta"].shape == (2, 200, 8)
    # posterior mean of mu is about 4.4 with sd about 3.3 (Stan's reference fit)
    assert abs(res.samples["mu"].mean() - 4.4) < 4.5 * infer.mcse(res.samples["mu"]) + 0.3
    assert np.all(infer.bfmi(res.stats["energy"]) > 0.3)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_bad_initial_point_names_the_parameters(bad):
    def logdensity(p):
        return cnp.where(p["scale"] > 0, -p["scale"], bad) + 0.0 * p["loc"]

    with pytest.raises(ValueError, match=r"(nan|NaN|\+inf).*scale=-1\.0.*loc=0\.0|"
                                          r"(NaN|\+inf).*loc=0\.0.*scale=-1\.0"):
        infer.nuts(logdensity, {"loc": 0.0, "scale": -1.0}, num_warmup=5, num_samples=5,
                   rng=0)


def test_nonfinite_gradient_at_the_start_names_the_leaf():
    def logdensity(p):
        return -cnp.sqrt(cnp.abs(p["a"])) - p["b"] ** 2

    with pytest.raises(ValueError, match="gradient.*in a "):
        infer.hmc(logdensity, {"a": 0.0, "b": 1.0}, num_warmup=5, num_samples=5, rng=0)


@pytest.mark.parametrize("sampler", ["nuts", "hmc"])
def test_nan_region_counts_as_divergence(sampler):
    # a standard normal truncated by a NaN wall at x = 1
    def logdensity(x):
        return cnp.where(x < 1.0, -0.5 * x ** 2, np.nan)

    res = getattr(infer, sampler)(logdensity, 0.0, num_warmup=100, num_samples=200,
                                  num_chains=2, rng=5, step_size=0.5)
    assert np.all(res.samples < 1.0)
    assert res.num_divergences > 0
    assert np.all(np.isfinite(res.samples))


def test_same_key_same_draws_and_chains_differ():
    logdensity, _, _ = _conjugate()
    a = infer.nuts(logdensity, {"mu": 0.0}, num_warmup=50, num_samples=30, num_chains=3, rng=7)
    b = infer.nuts(logdensity, {"mu": 0.0}, num_warmup=50, num_samples=30, num_chains=3, rng=7)
    c = infer.nuts(logdensity, {"mu": 0.0}, num_warmup=50, num_samples=30, num_chains=3, rng=8)
    np.testing.assert_array_equal(a.samples["mu"], b.samples["mu"])
    assert not np.array_equal(a.samples["mu"], c.samples["mu"])
    assert not np.array_equal(a.samples["mu"][0], a.samples["mu"][1])


def test_checkpoint_tables_cover_every_balanced_subtree():
    depth = 6
    store_at, first = _nuts._checkpoint_tables(depth)
    slots = {}
    for n in range(2 ** depth):
        if n % 2 == 0:
            slots[store_at[n]] = n
            continue
        checked = sorted(slots[j] for j in range(first[n], store_at[n] + 1))
        # the balanced subtrees ending at leaf n start at n + 1 - 2**k for 2**k dividing n + 1
        expected = sorted(n + 1 - 2 ** k for k in range(1, depth + 1) if (n + 1) % 2 ** k == 0)
        assert checked == expected, n


def test_checkpoints_from_bits_equal_the_tables():
    # the transition computes the tables' entries with bit operations on the traced index
    depth = 10
    store_at, first = _nuts._checkpoint_tables(depth)
    levels = np.arange(depth)
    step = cr.jit(lambda i: _nuts._checkpoints(i, levels))
    for n in range(2 ** depth):
        slot, lo = step(np.int64(n))
        assert (int(slot), int(lo)) == (store_at[n], first[n]), n


def test_max_tree_depth_caps_the_trajectory():
    res = infer.nuts(gaussian_10d, np.zeros(10), num_warmup=0, num_samples=20, rng=0,
                     step_size=1e-3, max_tree_depth=3)
    assert np.all(res.stats["tree_depth"] == 3)
    assert np.all(res.stats["num_steps"] == 7)


def test_metropolis_conjugate_normal():
    logdensity, post_mean, post_var = _conjugate()
    res = infer.metropolis(logdensity, {"mu": 0.0}, num_warmup=500, num_samples=3000,
                           num_chains=2, rng=9)
    mu = res.samples["mu"]
    assert mu.shape == (2, 3000)
    assert abs(mu.mean() - post_mean) < 4.5 * infer.mcse(mu)
    assert mu.var() == pytest.approx(post_var, rel=4.5 * np.sqrt(2 / infer.ess(mu)))
    # one parameter: the scale adapts to about 44% acceptance
    assert 0.3 < res.stats["accept_prob"].mean() < 0.6


COV3 = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.3], [0.0, 0.3, 2.0]])
PREC3 = np.linalg.inv(COV3)
MU3 = np.array([1.0, -2.0, 0.5])


def gaussian_3d(x):
    d = x - MU3
    return -0.5 * cnp.sum(d * cnp.matmul(PREC3, d))


def test_ensemble_correlated_gaussian():
    res = infer.ensemble(gaussian_3d, np.zeros(3), num_warmup=500, num_samples=2500,
                         num_walkers=12, rng=10)
    assert res.samples.shape == (12, 2500, 3)
    s = res.samples.reshape(-1, 3)
    # walkers are not independent; pool them and use the draws' own autocorrelation time
    ess = infer.ess(res.samples.reshape(1, -1, 3), method="mean")
    assert np.all(np.abs(s.mean(0) - MU3) < 4.5 * np.sqrt(np.diag(COV3) / ess))
    assert np.linalg.norm(np.cov(s.T) - COV3) / np.linalg.norm(COV3) < 0.2
    assert 0.2 < res.stats["accept_prob"].mean() < 0.9


def test_gradient_free_samplers_check_the_start_and_survive_nan():
    def logdensity(x):
        return cnp.where(x < 1.0, -0.5 * x ** 2, np.nan)

    with pytest.raises(ValueError, match="NaN at the initial point.*params=2.0"):
        infer.metropolis(logdensity, 2.0, num_warmup=5, num_samples=5, rng=0)
    res = infer.metropolis(logdensity, 0.0, num_warmup=100, num_samples=300, rng=0)
    assert np.all(res.samples < 1.0)
    res = infer.ensemble(logdensity, 0.0, num_warmup=50, num_samples=100, rng=0)
    assert np.all(res.samples < 1.0) and np.all(np.isfinite(res.samples))
    with pytest.raises(ValueError, match="num_walkers must be even"):
        infer.ensemble(logdensity, 0.0, num_walkers=5)


def test_rng_accepts_seeds_keys_and_generators():
    from chainrule import random as crandom

    logdensity, _, _ = _conjugate()
    kw = {"num_warmup": 20, "num_samples": 10, "num_chains": 2}
    a = infer.hmc(logdensity, {"mu": 0.0}, rng=11, **kw)
    b = infer.hmc(logdensity, {"mu": 0.0}, rng=crandom.key(11), **kw)
    np.testing.assert_array_equal(a.samples["mu"], b.samples["mu"])
    c = infer.hmc(logdensity, {"mu": 0.0}, rng=np.random.default_rng(3), **kw)
    d = infer.hmc(logdensity, {"mu": 0.0}, rng=np.random.default_rng(3), **kw)
    np.testing.assert_array_equal(c.samples["mu"], d.samples["mu"])


def test_init_per_chain_starts_each_chain_at_its_own_point():
    logdensity, _, _ = _conjugate()
    res = infer.nuts(logdensity, {"mu": np.array([-50.0, 50.0])}, init_per_chain=True,
                     num_warmup=0, num_samples=1, num_chains=2, rng=0, step_size=1e-3)
    # one short trajectory from each start: the chains stay near their own starts
    assert res.samples["mu"][0, 0] < -40 and res.samples["mu"][1, 0] > 40


@pytest.mark.parametrize("sampler", ["nuts", "hmc"])
def test_transitions_leave_the_target_invariant(sampler):
    # Start many chains at exact draws of the target and take a few transitions with a fixed
    # step size: a correct kernel keeps the distribution (a wrong weighting in the
    # trajectory sampling or the acceptance shows up as a shifted mean or variance).
    sd = np.array([1.0, 3.0])

    def logdensity(x):
        return -0.5 * cnp.sum((x / sd) ** 2)

    chains = 4000
    start = np.random.default_rng(12).normal(size=(chains, 2)) * sd
    kw = {"num_steps": 7} if sampler == "hmc" else {}
    res = getattr(infer, sampler)(logdensity, start, init_per_chain=True, num_warmup=0,
                                  num_samples=3, num_chains=chains, step_size=0.6, rng=13,
                                  **kw)
    last = res.samples[:, -1] / sd
    assert np.all(np.abs(last.mean(axis=0)) < 4.5 / np.sqrt(chains))
    assert np.all(np.abs(last.var(axis=0) - 1) < 4.5 * np.sqrt(2 / chains))
    # the draws moved: not a kernel that stands still
    assert np.mean(res.samples[:, -1] != start) > 0.5


def test_progress_bar_needs_tqdm_only_when_asked(monkeypatch):
    import sys

    from chainrule.infer import _hmc

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)     # as if tqdm were not installed
    assert _hmc.progress_bar("auto", 10, "nuts") is None
    assert _hmc.progress_bar(False, 10, "nuts") is None
    with pytest.raises(ImportError, match="progress=False"):
        _hmc.progress_bar(True, 10, "nuts")


@pytest.mark.parametrize("sampler", ["nuts", "hmc", "metropolis", "ensemble"])
def test_progress_bar_counts_warmup_and_draws(monkeypatch, sampler):
    import sys
    import types

    bars = []

    class FakeBar:
        def __init__(self, total, desc, **kw):
            self.total, self.desc, self.n, self.closed = total, desc, 0, False
            bars.append(self)

        def update(self, k):
            self.n += k

        def close(self):
            self.closed = True

    fake = types.ModuleType("tqdm.auto")
    fake.tqdm = FakeBar
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    logdensity, _, _ = _conjugate()
    run = lambda **kw: getattr(infer, sampler)(logdensity, {"mu": 0.0}, num_warmup=7,
                                               num_samples=5, rng=0, **kw)
    run(progress=True)
    assert [(b.desc, b.total, b.n, b.closed) for b in bars] == [(sampler, 12, 12, True)]
    run()                                                   # "auto": a bar on a terminal
    assert len(bars) == 2 and bars[1].n == 12
    run(progress=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    run(progress=True)                                      # off a terminal: never a bar
    assert len(bars) == 2


def test_diagonal_mass_adaptation_finds_the_variances():
    sd = np.geomspace(0.2, 5.0, 5)

    def logdensity(x):
        return -0.5 * cnp.sum((x / sd) ** 2)

    res = infer.nuts(logdensity, np.ones(5), num_warmup=300, num_samples=50, num_chains=2,
                     rng=2)
    assert res.inverse_mass_matrix.shape == (2, 5)
    # estimated from a window of ~200 autocorrelated warm-up draws: within a factor 2
    ratio = res.inverse_mass_matrix / sd ** 2
    assert np.all((ratio > 0.5) & (ratio < 2.0)), ratio
    # short trajectories after adaptation (a unit mass matrix takes ~25 steps per draw)
    assert res.stats["num_steps"].mean() < 10


def test_documented_signatures():
    import inspect

    defaults = {k: p.default for k, p in inspect.signature(infer.nuts).parameters.items()}
    assert {k: defaults[k] for k in ("num_warmup", "num_samples", "num_chains", "rng")} == \
        {"num_warmup": 1000, "num_samples": 1000, "num_chains": 1, "rng": None}
    assert "progress" in defaults and "dense_mass" in defaults
    assert "num_steps" in inspect.signature(infer.hmc).parameters
    assert list(inspect.signature(infer.fisher_information).parameters)[:3] == \
        ["model_fn", "params", "sigma"]


@pytest.mark.parametrize("sampler", ["metropolis", "ensemble"])
def test_gradient_free_samplers_are_reproducible(sampler):
    from chainrule import random as crandom

    logdensity, _, _ = _conjugate()
    run = lambda rng: getattr(infer, sampler)(logdensity, {"mu": 0.0}, num_warmup=10,
                                              num_samples=10, rng=rng).samples["mu"]
    a = run(3)
    np.testing.assert_array_equal(a, run(crandom.key(3)))
    np.testing.assert_array_equal(run(np.random.default_rng(5)), run(np.random.default_rng(5)))
    assert not np.array_equal(a, run(4))


def test_nuts_on_a_constrained_model_recovers_the_constrained_posterior():
    # Gamma(4, rate 2) x Dirichlet(2, 2, 2) x Beta(3, 2), sampled in unconstrained space
    model = infer.constrain(
        lambda p: (3 * cnp.log(p["sigma"]) - 2 * p["sigma"] + cnp.sum(cnp.log(p["w"]))
                   + 2 * cnp.log(p["q"]) + cnp.log1p(-p["q"])),
        {"sigma": "positive", "w": "simplex", "q": "unit_interval"})
    init = model.init({"sigma": 1.0, "w": np.array([0.2, 0.3, 0.5]), "q": 0.5})
    res = infer.nuts(model, init, num_warmup=200, num_samples=300, num_chains=2, rng=0)
    assert res.num_divergences == 0
    draws = model.to_constrained(res.samples)
    assert draws["w"].shape == (2, 300, 3)
    _within_mc_error(draws["sigma"][..., None], [2.0])
    _within_mc_error(draws["w"], np.full(3, 1 / 3))
    _within_mc_error(draws["q"][..., None], [0.6])
    # variances too: Gamma 4/2² = 1, Beta 3·2/(5²·6) = 0.04
    _cov_within_mc_error(draws["sigma"][..., None], 2.0, [[1.0]])
    _cov_within_mc_error(draws["q"][..., None], 0.6, [[0.04]])


def test_nuts_conjugate_linear_regression_mean_and_covariance():
    # Normal prior N(0, 2² I) on three coefficients, Gaussian noise of known sd 0.4: the
    # posterior is Gaussian with correlated coefficients, known in closed form.
    rng = np.random.default_rng(21)
    t = np.linspace(-1.0, 1.0, 30)
    design = np.stack([np.ones_like(t), t, t ** 2], axis=1)
    y = design @ np.array([0.5, -1.0, 2.0]) + 0.4 * rng.standard_normal(t.size)
    precision = design.T @ design / 0.4 ** 2 + np.eye(3) / 2.0 ** 2
    cov = np.linalg.inv(precision)
    mean = cov @ design.T @ y / 0.4 ** 2

    def logdensity(beta):
        return (-0.5 * cnp.sum((y - cnp.matmul(design, beta)) ** 2) / 0.4 ** 2
                - 0.5 * cnp.sum(beta ** 2) / 2.0 ** 2)

    res = infer.nuts(logdensity, np.zeros(3), num_warmup=200, num_samples=250, num_chains=2,
                     rng=22)
    assert res.num_divergences == 0
    _within_mc_error(res.samples, mean)
    _cov_within_mc_error(res.samples, mean, cov)


@pytest.mark.parametrize("sampler,chains", [("nuts", 1), ("nuts", 2), ("hmc", 2)])
def test_numba_backend_gives_the_numpy_backends_draws(sampler, chains):
    pytest.importorskip("numba", reason="the numba extra is not installed")
    y = np.array([1.2, 0.4, 2.1, 1.7, 0.9, 1.5])

    def logdensity(p):
        mu, log_sigma = p["mu"], p["log_sigma"]
        return (-0.5 * (mu / 10.0) ** 2 - len(y) * log_sigma
                - 0.5 * cnp.sum(((y - mu) / cnp.exp(log_sigma)) ** 2))

    # HMC's fixed-length trajectories amplify rounding: with adaptation, a start moved by
    # 1e-15 changes its adapted step size by 1e-5 on either backend; a fixed step keeps
    # the comparison at rounding level.
    fixed = {"step_size": 0.1, "adapt_step_size": False} if sampler == "hmc" else {}

    def run(backend):
        return getattr(infer, sampler)(logdensity, {"mu": 0.0, "log_sigma": 0.0},
                                       num_warmup=60, num_samples=40, num_chains=chains,
                                       rng=3, progress=False, backend=backend, **fixed)

    a, b = run("numpy"), run("numba")
    for k in ("mu", "log_sigma"):
        np.testing.assert_allclose(b.samples[k], a.samples[k], rtol=1e-9, atol=1e-12)
    for k in ("num_steps", "diverging"):
        np.testing.assert_array_equal(b.stats[k], a.stats[k])
    np.testing.assert_allclose(b.stats["accept_prob"], a.stats["accept_prob"], rtol=1e-9)
    np.testing.assert_allclose(b.step_size, a.step_size, rtol=1e-9)


def test_unknown_sampler_backend_is_an_error():
    with pytest.raises(ValueError, match="backend"):
        infer.nuts(lambda x: -0.5 * cnp.sum(x ** 2), np.zeros(2), num_warmup=5,
                   num_samples=5, rng=0, progress=False, backend="cuda")


def test_iteration_keys_are_the_per_iteration_split_of_fold_in():
    from chainrule import random as crandom
    from chainrule.infer import _hmc

    key = crandom.key(5)
    keys = _hmc.iteration_keys(key, 4, 3)
    assert keys.shape == (4, 3) + np.shape(key)
    for i in range(4):
        np.testing.assert_array_equal(keys[i], crandom.split(crandom.fold_in(key, i), 3))
    assert _hmc.iteration_keys(key, 0, 3).shape == (0, 3) + np.shape(key)


def test_warmup_traces_the_step_size_probe_once(monkeypatch, caplog):
    # The step-size search restarts after every mass-matrix window; it reuses one compiled
    # probe per run instead of tracing (and compiling) a new one at each restart.
    import logging

    from chainrule._src import config
    from chainrule.infer import _hmc

    monkeypatch.setattr(config, "log_compiles", True)
    logdensity, _, _ = _conjugate()
    with caplog.at_level(logging.INFO, logger="chainrule.jit"):
        res = infer.nuts(logdensity, {"mu": 0.0}, num_warmup=300, num_samples=20, rng=0,
                         progress=False)
    assert len(_hmc.warmup_windows(300)) > 1          # several restarts of the search
    probes = [r for r in caplog.records if "compiling step_size_probe" in r.getMessage()]
    assert len(probes) == 1
    assert res.samples["mu"].shape == (1, 20)


@pytest.mark.parametrize("sampler,chains", [("nuts", 1), ("hmc", 2)])
def test_numba_transition_runs_natively_with_the_momenta_drawn_ahead(monkeypatch, caplog,
                                                                     sampler, chains):
    # The momenta's normal draws (an inverse normal CDF, which Numba cannot lower) are
    # drawn for all iterations at once, so the compiled transition has no NumPy part.
    pytest.importorskip("numba", reason="the numba extra is not installed")
    import logging

    from chainrule import random as crandom
    from chainrule._src import config
    from chainrule.infer import _hmc

    keys = _hmc.iteration_keys(crandom.key(2), 3, chains)
    noise = _hmc.iteration_noise(keys, 4)
    for i in range(3):
        for c in range(chains):
            k_mom, _ = crandom.split(keys[i, c], 2)
            np.testing.assert_array_equal(noise[i, c], crandom.normal(k_mom, (4,)))
    assert _hmc.iteration_noise(keys[:0], 4).shape == (0, chains, 4)

    monkeypatch.setattr(config, "log_compiles", True)
    logdensity, _, _ = _conjugate()
    with caplog.at_level(logging.INFO, logger="chainrule.jit"):
        res = getattr(infer, sampler)(logdensity, {"mu": 0.0}, num_warmup=20, num_samples=10,
                                      num_chains=chains, rng=1, progress=False,
                                      backend="numba")
    on_numpy = [r.getMessage() for r in caplog.records if "runs on NumPy" in r.getMessage()]
    assert on_numpy == []
    assert res.samples["mu"].shape == (chains, 10)


# --- the draws of a fixed seed, recorded before the transition was optimized ----------------
# The transition's code may be restructured for speed, never its arithmetic: the same seed
# must keep giving these draws (to rounding), trajectory lengths and divergences.
_A3 = np.array([[1.0, 0.6, 0.0], [0.6, 2.0, -0.5], [0.0, -0.5, 0.5]])
_P3 = np.linalg.inv(_A3)


def _corr3(x):
    d = x - np.array([0.5, -1.0, 2.0])
    return -0.5 * cnp.sum(d * cnp.matmul(_P3, d))


def _wall(x):
    return cnp.where(x < 1.0, -0.5 * x ** 2, np.nan)


_RECORDED = {
    "diagonal, one chain": (
        lambda: infer.nuts(_corr3, np.zeros(3), num_warmup=150, num_samples=12, rng=11,
                           progress=False),
        [[[0.7552445798119997, 0.7864662452048371, -0.28462218405451295],
          [0.8620542780248559, 0.5700718887799644, 0.06484965774449053],
          [0.8681820755136497, 1.0662095675389793, 0.3947963612021252],
          [0.8099319581166977, 1.5611267433742, 0.9161439996506164]]],
        [[7, 7, 3, 7, 7, 5, 5, 3, 7, 3, 1, 3]], 5, [0.7911173566674765]),
    "dense, two chains": (
        lambda: infer.nuts(_corr3, np.zeros(3), num_warmup=150, num_samples=12, num_chains=2,
                           dense_mass=True, rng=12, progress=False),
        [[[0.6987568280493172, 0.4640994504550249, 1.3157684493515038],
          [1.1989974425550294, 0.43365049295758573, 1.4023463117240356],
          [1.0134137960413896, 1.1098974061285858, 0.8962941231188454],
          [0.48223059964533016, -2.645383966322279, 2.165282970978797]],
         [[-0.08637833094450689, -1.9149801121332357, 2.0902859849947393],
          [0.5368610371280623, -0.971405009103106, 2.2891826520893797],
          [-0.5269124266355909, 0.33329278422641045, 1.3468232283617443],
          [3.253242806434915, 1.5979293008839142, 1.4922662587819744]]],
        [[7, 7, 7, 7, 7, 5, 3, 3, 7, 7, 3, 7], [7, 3, 7, 3, 7, 7, 3, 7, 7, 3, 7, 3]], 8,
        [0.787449984212993, 0.9023964723077449]),
    "NaN wall, two chains": (
        lambda: infer.nuts(_wall, 0.0, num_warmup=60, num_samples=12, num_chains=2,
                           step_size=0.5, rng=5, progress=False),
        [[-0.07445108471173437, -0.8019291119722267, -1.0316777386806404,
          -1.0379678297788975],
         [-0.34116158599621993, -0.8064978999197014, -0.7668915609784493,
          -0.6000291733927053]],
        [[8, 47, 35, 37, 23, 27, 23, 29, 29, 15, 13, 3],
         [2, 1, 3, 2, 1, 3, 3, 7, 3, 3, 1, 1]], 39, [0.1188155380568824, 0.696498905409514]),
}


@pytest.mark.parametrize("case", sorted(_RECORDED))
def test_nuts_keeps_the_recorded_draws_of_a_seed(case):
    run, last_draws, num_steps, warmup_divergences, step_size = _RECORDED[case]
    res = run()
    np.testing.assert_allclose(np.asarray(res.samples)[:, -4:], last_draws, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_array_equal(res.stats["num_steps"], num_steps)
    assert res.warmup_divergences == warmup_divergences
    np.testing.assert_allclose(res.step_size, step_size, rtol=1e-10)


def test_checkpoint_masks_equal_the_bit_operations():
    # The NumPy backend looks the masks up by the leaf's index; Numba derives them from bits.
    depth = 7
    here_table, closes_table = _nuts._checkpoint_masks(depth)
    levels = np.arange(depth)
    slot, first = _nuts._checkpoint_tables(depth)
    for n in range(2 ** depth):
        even = n % 2 == 0
        np.testing.assert_array_equal(here_table[n, :, 0], (levels == slot[n]) & even)
        np.testing.assert_array_equal(closes_table[n],
                                      (levels >= first[n]) & (levels <= slot[n]) & (not even))


@pytest.mark.parametrize("chains", [1, 2])
def test_nuts_draws_agree_with_gathers_and_with_bit_operations(monkeypatch, chains):
    # the two ways of building the transition (NumPy backend: look-ups; Numba: bit
    # operations) give the same draws
    original = _nuts._nuts_kernel

    def run(gathers):
        monkeypatch.setattr(_nuts, "_nuts_kernel",
                            lambda vg, dim, depth, _: original(vg, dim, depth, gathers))
        return infer.nuts(_corr3, np.zeros(3), num_warmup=80, num_samples=30,
                          num_chains=chains, rng=4, progress=False)

    a, b = run(True), run(False)
    np.testing.assert_array_equal(a.samples, b.samples)
    np.testing.assert_array_equal(a.stats["num_steps"], b.stats["num_steps"])


def test_transition_keys_are_the_split_of_each_iteration_key():
    from chainrule import random as crandom
    from chainrule.infer import _hmc

    keys = _hmc.iteration_keys(crandom.key(3), 4, 2)
    split = _hmc.transition_keys(keys)
    assert split.shape == keys.shape[:2] + (2,) + keys.shape[2:]
    for i in range(4):
        for c in range(2):
            np.testing.assert_array_equal(split[i, c], crandom.split(keys[i, c], 2))
    assert _hmc.transition_keys(keys[:0]).shape == (0, 2, 2) + keys.shape[2:]
