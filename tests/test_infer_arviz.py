"""chainrule.infer against ArviZ itself: the diagnostics on the same draws, and the export to
``InferenceData``.  ArviZ is a test dependency (the ``test`` extra)."""

import sys

import arviz as az
import numpy as np
import pytest

import chainrule.numpy as cnp
from chainrule import infer


def _draws():
    rng = np.random.default_rng(0)
    iid = rng.normal(size=(4, 301))
    ar = np.empty((4, 500))
    ar[:, 0] = rng.normal(size=4)
    for t in range(1, 500):
        ar[:, t] = 0.7 * ar[:, t - 1] + rng.normal(size=4)
    shift = rng.normal(size=(3, 200)) + np.array([0, 0, 0.8])[:, None]
    skew = rng.exponential(size=(2, 401))
    heavy = rng.standard_t(2.5, size=(4, 250))
    return {"iid": iid, "ar": ar, "shift": shift, "skew": skew, "heavy": heavy}


def _value(dataset):
    return float(dataset["x"].values)


@pytest.mark.parametrize("case", ["iid", "ar", "shift", "skew", "heavy"])
def test_diagnostics_equal_arviz(case):
    x = _draws()[case]
    ds = az.convert_to_dataset({"x": x})
    ref = {
        "r_hat": _value(az.rhat(ds)),
        "ess_bulk": _value(az.ess(ds, method="bulk")),
        "ess_tail": _value(az.ess(ds, method="tail")),
        "ess_mean": _value(az.ess(ds, method="mean")),
        "ess_sd": _value(az.ess(ds, method="sd")),
        "ess_q25": _value(az.ess(ds, method="quantile", prob=0.25)),
        "mcse_mean": _value(az.mcse(ds, method="mean")),
        "rhat_split": _value(az.rhat(ds, method="split")),
        "rhat_folded": _value(az.rhat(ds, method="folded")),
    }
    lo, hi = az.hdi(ds, hdi_prob=0.94)["x"].values
    ref["hdi_lo"], ref["hdi_hi"] = float(lo), float(hi)
    ours = {
        "r_hat": infer.rhat(x), "ess_bulk": infer.ess(x), "ess_tail": infer.ess(x, method="tail"),
        "ess_mean": infer.ess(x, method="mean"), "ess_sd": infer.ess(x, method="sd"),
        "ess_q25": infer.ess(x, method="quantile", prob=0.25), "mcse_mean": infer.mcse(x),
        "rhat_split": infer.rhat(x, method="split"),
        "rhat_folded": infer.rhat(x, method="folded"),
    }
    ours["hdi_lo"], ours["hdi_hi"] = infer.hdi(x, 0.94)
    for name, value in ref.items():
        assert ours[name] == pytest.approx(value, rel=1e-8, abs=1e-12), name


@pytest.mark.parametrize("case", ["iid", "ar", "shift", "skew", "heavy"])
def test_summary_equals_arviz_summary(case):
    # az.summary computes every column (mcse_sd included) in one call
    x = _draws()[case]
    ref = az.summary(az.convert_to_dataset({"x": x}), round_to="none").loc["x"]
    row = infer.summary({"x": x}).row("x")
    mapping = {"mean": "mean", "sd": "sd", "hdi_3%": "hdi_lo", "hdi_97%": "hdi_hi",
               "mcse_mean": "mcse_mean", "mcse_sd": "mcse_sd", "ess_bulk": "ess_bulk",
               "ess_tail": "ess_tail", "r_hat": "r_hat"}
    for theirs, mine in mapping.items():
        assert row[mine] == pytest.approx(float(ref[theirs]), rel=1e-8, abs=1e-12), theirs


def test_a_nan_draw_makes_the_diagnostics_nan_as_in_arviz():
    # Ranks would place a NaN after every number and give a plausible R-hat and bulk ESS.
    x = _draws()["ar"].copy()
    x[1, 17] = np.nan
    ds = az.convert_to_dataset({"x": x})
    assert np.isnan(_value(az.rhat(ds))) and np.isnan(_value(az.ess(ds, method="bulk")))
    for method in ("rank", "split", "folded"):
        assert np.isnan(infer.rhat(x, method=method)), method
    for method in ("bulk", "tail", "mean", "sd"):
        assert np.isnan(infer.ess(x, method=method)), method
    assert np.isnan(infer.mcse(x))
    row = infer.summary({"x": x}).row("x")
    assert all(np.isnan(row[k]) for k in ("mean", "ess_bulk", "ess_tail", "r_hat"))
    # a NaN in one coordinate leaves the others alone
    y = np.stack([x, _draws()["ar"]], axis=-1)
    assert np.isnan(infer.rhat(y)[0]) and infer.rhat(y)[1] == infer.rhat(_draws()["ar"])
    # infinite draws are ranked, as ArviZ does
    z = _draws()["ar"].copy()
    z[0, 3] = np.inf
    dz = az.convert_to_dataset({"x": z})
    assert infer.rhat(z) == pytest.approx(_value(az.rhat(dz)), rel=1e-8)
    assert infer.ess(z) == pytest.approx(_value(az.ess(dz, method="bulk")), rel=1e-8)


def test_bfmi_equals_arviz():
    rng = np.random.default_rng(5)
    e = rng.normal(size=(3, 300))
    for t in range(1, 300):
        e[:, t] += 0.5 * e[:, t - 1]
    np.testing.assert_allclose(infer.bfmi(e), az.bfmi(e), rtol=1e-10)


def _model(p):
    return -0.5 * cnp.sum((p["theta"] - 1.0) ** 2) - 0.5 * (p["mu"] / 2.0) ** 2


def test_nuts_result_to_arviz():
    res = infer.nuts(_model, {"mu": 0.0, "theta": np.zeros(3)}, num_warmup=100,
                     num_samples=150, num_chains=2, rng=1, progress=False)
    idata = res.to_arviz()
    assert set(idata.groups()) == {"posterior", "sample_stats"}
    post = idata.posterior
    assert post["theta"].dims[:2] == ("chain", "draw")
    assert dict(post["theta"].sizes) == {"chain": 2, "draw": 150, "theta_dim_0": 3}
    np.testing.assert_array_equal(post["theta"].values, res.samples["theta"])
    np.testing.assert_array_equal(post["mu"].values, res.samples["mu"])
    stats = idata.sample_stats
    for ours, theirs in [("diverging", "diverging"), ("energy", "energy"),
                         ("tree_depth", "tree_depth"), ("step_size", "step_size"),
                         ("accept_prob", "acceptance_rate"), ("num_steps", "n_steps")]:
        assert stats[theirs].dims == ("chain", "draw")
        np.testing.assert_array_equal(stats[theirs].values, res.stats[ours])
    assert stats["diverging"].dtype == bool
    # ArviZ's own diagnostics on the export agree with ours
    assert float(az.ess(idata, var_names=["mu"])["mu"]) == pytest.approx(
        infer.ess(res.samples["mu"]), rel=1e-8)
    np.testing.assert_allclose(az.bfmi(idata), infer.bfmi(res.stats["energy"]), rtol=1e-10)
    # the function form, on a result and on bare draws
    again = infer.to_inference_data(res, dims={"theta": ["k"]}, coords={"k": ["a", "b", "c"]})
    assert list(again.posterior["theta"].coords["k"].values) == ["a", "b", "c"]
    bare = infer.to_inference_data(res.samples["theta"])
    assert list(bare.groups()) == ["posterior"]
    assert dict(bare.posterior["x"].sizes)["draw"] == 150


def test_gradient_free_result_to_arviz():
    res = infer.metropolis(_model, {"mu": 0.0, "theta": np.zeros(3)}, num_warmup=50,
                           num_samples=60, num_chains=2, rng=0, progress=False)
    idata = infer.to_inference_data(res)
    np.testing.assert_array_equal(idata.sample_stats["acceptance_rate"].values,
                                  res.stats["accept_prob"])


def test_to_arviz_bad_draws():
    with pytest.raises(ValueError, match=r"\(chains, draws\)"):
        infer.to_inference_data({"mu": np.zeros(5)})


def test_missing_arviz_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "arviz", None)      # import arviz raises ImportError
    with pytest.raises(ImportError, match=r"pip install chainrule\[infer\]"):
        infer.to_inference_data({"mu": np.zeros((1, 5))})
