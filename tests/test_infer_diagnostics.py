"""Diagnostics of chainrule.infer against a direct implementation and known answers.

The reference below follows Vehtari et al. (2021) literally: autocorrelations summed lag by
lag (no FFT), ranks from scipy.stats.rankdata, Geyer's truncation written as two passes over
the list of pair sums.  tests/test_infer_arviz.py compares with ArviZ itself.
"""

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtri

from chainrule import infer


def _ref_split(x):
    h = x.shape[1] // 2
    return np.vstack([x[:, :h], x[:, x.shape[1] - h:]])


def _ref_ess(x):
    m, n = x.shape
    means = x.mean(axis=1)
    w = x.var(axis=1, ddof=1).mean()
    var_plus = w * (n - 1) / n + (means.var(ddof=1) if m > 1 else 0.0)

    def acov(t):
        return np.mean([np.dot(c[:n - t] - c.mean(), c[t:] - c.mean()) / n for c in x])

    def rho(t):
        return 1.0 - (w - acov(t)) / var_plus

    rhos = [1.0] + [rho(t) for t in range(1, n)]   # lag 0 is 1 by definition
    pairs, extra = [], 0.0
    for k in range(0, n - 3, 2):
        s = rhos[k] + rhos[k + 1]
        if s < 0:
            # the paper keeps the first autocorrelation of the dropped pair when positive
            extra = max(rhos[k], 0.0)
            break
        pairs.append(s)
    # positive pair sums, made non-increasing
    mono = [pairs[0]]
    for s in pairs[1:]:
        mono.append(min(s, mono[-1]))
    tau = -1.0 + 2.0 * sum(mono) + extra
    return m * n / max(tau, 1.0 / np.log10(m * n))


def _ref_z(x):
    r = stats.rankdata(x, method="average").reshape(x.shape)
    return ndtri((r - 0.375) / (x.size + 0.25))


def _ref_rhat(x):
    m, n = x.shape
    b = n * x.mean(axis=1).var(ddof=1)
    w = x.var(axis=1, ddof=1).mean()
    return np.sqrt(((n - 1) / n * w + b / n) / w)


def _ar1(rng, rho, chains, n):
    x = np.empty((chains, n))
    x[:, 0] = rng.normal(size=chains) / np.sqrt(1 - rho ** 2)
    for t in range(1, n):
        x[:, t] = rho * x[:, t - 1] + rng.normal(size=chains)
    return x


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_ess_matches_direct_reference(rho):
    x = _ar1(np.random.default_rng(1), rho, 4, 301)
    z = _ref_z(_ref_split(x))
    assert infer.ess(x) == pytest.approx(_ref_ess(z), rel=1e-10)
    assert infer.ess(x, method="mean") == pytest.approx(_ref_ess(_ref_split(x)), rel=1e-10)


def test_rhat_matches_direct_reference():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 200)) + np.array([0.0, 0.0, 1.0, 0.0])[:, None]
    bulk = _ref_rhat(_ref_z(_ref_split(x)))
    folded = np.abs(x - np.median(x))
    tail = _ref_rhat(_ref_z(_ref_split(folded)))
    assert infer.rhat(x) == pytest.approx(max(bulk, tail), rel=1e-12)
    assert infer.rhat(x, method="split") == pytest.approx(_ref_rhat(_ref_split(x)), rel=1e-12)
    assert infer.rhat(x) > 1.01          # the shifted chain is detected


def test_iid_draws_have_ess_near_n_and_rhat_near_one():
    x = np.random.default_rng(3).normal(size=(4, 2000))
    assert infer.ess(x) == pytest.approx(8000, rel=0.1)
    assert infer.ess(x, method="tail") == pytest.approx(8000, rel=0.15)
    assert abs(infer.rhat(x) - 1) < 0.005


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_ar1_ess_matches_theory(rho):
    n = 20000
    x = _ar1(np.random.default_rng(4), rho, 2, n)
    expected = 2 * n * (1 - rho) / (1 + rho)
    assert infer.ess(x, method="mean") == pytest.approx(expected, rel=0.1)
    assert infer.ess(x) == pytest.approx(expected, rel=0.1)
    # MCSE of the mean: the stationary sd over sqrt(ESS)
    sd = 1 / np.sqrt(1 - rho ** 2)
    assert infer.mcse(x) == pytest.approx(sd / np.sqrt(expected), rel=0.1)


def test_trailing_axes_and_odd_lengths():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 101, 2, 3))
    e = infer.ess(x)
    assert e.shape == (2, 3)
    assert e[1, 2] == infer.ess(x[:, :, 1, 2])
    assert infer.rhat(x).shape == (2, 3)
    # odd length: the middle draw is left out of the split
    assert infer.split_chains(x[..., 0, 0]).shape == (6, 50)


def test_hdi_of_sorted_draws():
    x = np.r_[np.zeros(50), np.linspace(0, 1, 50)]
    # 94% of 100 draws: the narrowest window of 94 consecutive sorted draws starts at 0
    lo, hi = infer.hdi(x, prob=0.94)
    s = np.sort(x)
    assert (lo, hi) == (s[0], s[94])
    g = np.random.default_rng(6).normal(size=(2, 100000))
    lo, hi = infer.hdi(g, prob=0.9)
    assert (lo, hi) == pytest.approx((-1.6449, 1.6449), abs=0.03)


def test_bfmi_of_a_random_walk_energy_is_small():
    rng = np.random.default_rng(7)
    iid = rng.normal(size=(1, 5000))
    walk = np.cumsum(rng.normal(size=(1, 5000)), axis=1)
    assert infer.bfmi(iid)[0] == pytest.approx(2.0, rel=0.1)
    assert infer.bfmi(walk)[0] < 0.3


def test_summary_table():
    rng = np.random.default_rng(8)
    draws = {"mu": rng.normal(1.0, 2.0, size=(4, 1000)), "theta": rng.normal(size=(4, 1000, 2))}
    table = infer.summary(draws)
    assert table.names == ["mu", "theta[0]", "theta[1]"]
    row = table.row("mu")
    assert row["mean"] == pytest.approx(draws["mu"].mean())
    assert row["sd"] == pytest.approx(draws["mu"].std(ddof=1))
    assert row["ess_bulk"] == infer.ess(draws["mu"])
    assert row["r_hat"] == infer.rhat(draws["mu"])
    assert (row["hdi_lo"], row["hdi_hi"]) == tuple(infer.hdi(draws["mu"]))
    assert row["mcse_mean"] == pytest.approx(row["sd"] / np.sqrt(infer.ess(draws["mu"],
                                                                           method="mean")))
    assert "theta[1]" in repr(table)


def test_bad_shapes_and_constant_draws():
    with pytest.raises(ValueError, match="chains, draws"):
        infer.ess(np.zeros(10))
    assert np.isnan(infer.rhat(np.ones((2, 50))))
    assert np.isnan(infer.ess(np.ones((2, 50))))
