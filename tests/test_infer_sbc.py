"""Simulation-based calibration (Talts et al. 2018) of NUTS on a small hierarchical model.

For each simulation the parameters are drawn from the prior and data from the model; the
rank of the true value among posterior draws is then uniform if and only if the sampler
draws from the right posterior (up to Monte-Carlo error).  A biased sampler shifts the rank
histogram, one that is too narrow or too wide gives it a U or a bump; a chi-square test
against the uniform histogram catches both.

The simulations are independent, so their posteriors are sampled together: one chain on
the product of the ``N`` posteriors (a block per simulation), which costs about as much
per leapfrog step as a single posterior.  The draws are thinned to keep the ranks of
nearly independent draws (autocorrelation alone would give a U-shaped histogram).
"""

import numpy as np
import pytest
from scipy import stats

import chainrule.numpy as cnp
from chainrule import infer

# Non-centred hierarchical normal model with J groups:
# mu ~ N(0, 1), tau ~ HalfNormal(1), eta_j ~ N(0, 1), y_j ~ N(mu + tau eta_j, 1);
# sampled in (mu, log tau, eta) with the Jacobian of tau = exp(log tau).


def _simulate(rng, n, groups):
    truth = {"mu": rng.normal(size=n), "log_tau": np.log(np.abs(rng.normal(size=n))),
             "eta": rng.normal(size=(n, groups))}
    theta = truth["mu"][:, None] + np.exp(truth["log_tau"])[:, None] * truth["eta"]
    return truth, theta + rng.normal(size=theta.shape)


def _ranks(n, groups, num_ranked, thin, num_warmup, seed=0):
    truth, y = _simulate(np.random.default_rng(seed), n, groups)

    def logdensity(p):
        tau = cnp.exp(p["log_tau"])
        theta = p["mu"][:, None] + tau[:, None] * p["eta"]
        return (cnp.sum(-0.5 * p["mu"] ** 2 - 0.5 * tau ** 2 + p["log_tau"])
                - 0.5 * cnp.sum(p["eta"] ** 2) - 0.5 * cnp.sum((y - theta) ** 2))

    init = {"mu": np.zeros(n), "log_tau": np.zeros(n), "eta": np.zeros((n, groups))}
    res = infer.nuts(logdensity, init, num_warmup=num_warmup, num_samples=num_ranked * thin,
                     rng=seed + 1, progress=False)
    assert res.num_divergences == 0
    draws = {"mu": res.samples["mu"], "log_tau": res.samples["log_tau"],
             "eta[0]": res.samples["eta"][..., 0]}
    true = {"mu": truth["mu"], "log_tau": truth["log_tau"], "eta[0]": truth["eta"][:, 0]}
    # (num_ranked, n): every thin-th draw of the one chain
    kept = {k: v[0, thin - 1::thin] for k, v in draws.items()}
    return kept, true


def _uniformity_pvalue(draws, true):
    """Chi-square p-value of the histogram of ranks 0..L of ``true`` among ``draws``."""
    ranks = np.sum(draws < true[None, :], axis=0)
    return stats.chisquare(np.bincount(ranks, minlength=draws.shape[0] + 1)).pvalue


def _check(kept, true, alpha):
    for name in kept:
        p = _uniformity_pvalue(kept[name], true[name])
        assert p > alpha, f"rank histogram of {name} is not uniform (p = {p:.2g})"
        # The test has the power to see a miscalibrated posterior of the same draws:
        # shifted by half a posterior sd, or 1.5 times too wide.
        d = kept[name]
        mean, sd = d.mean(axis=0), d.std(axis=0)
        assert _uniformity_pvalue(d + 0.5 * sd, true[name]) < alpha, name
        assert _uniformity_pvalue(mean + 1.5 * (d - mean), true[name]) < alpha, name


def test_sbc_hierarchical_model():
    # 300 simulations, 9 thinned draws each: 10 rank bins of about 30 (about 10 s).
    kept, true = _ranks(n=300, groups=3, num_ranked=9, thin=8, num_warmup=200)
    _check(kept, true, alpha=0.005)


@pytest.mark.fuzz
def test_sbc_hierarchical_model_large():
    # The opt-in profile (pytest -m fuzz): 1000 simulations, 20 rank bins of 50.
    kept, true = _ranks(n=1000, groups=4, num_ranked=19, thin=10, num_warmup=400, seed=3)
    _check(kept, true, alpha=0.005)
