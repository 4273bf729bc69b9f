"""The warm-up of the gradient-based samplers against Stan's and NumPyro's definitions."""

import numpy as np
import pytest

import chainrule.numpy as cnp
from chainrule import infer
from chainrule import random as crandom
from chainrule.infer import _adapt, _hmc


@pytest.mark.parametrize("num_warmup,ends", [
    # Stan's schedule: 75 fast, slow windows doubling from 25, 50 fast at the end; a
    # window that would not fit twice its size is merged into the last one.
    (500, [100, 150, 250, 450]),
    (1000, [100, 150, 250, 450, 950]),
    (2000, [100, 150, 250, 450, 850, 1950]),
    # too short for the default buffers: 15% / 10% of the warm-up, one slow window
    (150, [100]),
    (149, [135]),
    (100, [90]),
    (20, [18]),
])
def test_warmup_windows_are_stans(num_warmup, ends):
    windows = _adapt.warmup_windows(num_warmup)
    assert [b for _, b in windows] == ends
    starts = [a for a, _ in windows]
    init = 75 if num_warmup >= 150 else int(0.15 * num_warmup)
    assert starts == [init] + ends[:-1]


def test_regularized_variance_is_stans():
    # (n / (n + 5)) var + 1e-3 (5 / (n + 5)), var with ddof=1, per chain; dense alike
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2, 3)) * np.array([0.5, 2.0, 3.0])
    diag, dense = _adapt.Welford(2, 3, False), _adapt.Welford(2, 3, True)
    for row in x:
        diag.update(row)
        dense.update(row)
    n = len(x)
    want = n / (n + 5.0) * x.var(axis=0, ddof=1) + 1e-3 * 5.0 / (n + 5.0)
    np.testing.assert_allclose(diag.inverse_mass(), want, rtol=1e-12)
    for c in range(2):
        cov = np.cov(x[:, c].T)
        np.testing.assert_allclose(dense.inverse_mass()[c],
                                   n / (n + 5.0) * cov + 1e-3 * 5.0 / (n + 5.0) * np.eye(3),
                                   rtol=1e-12)


def test_dual_averaging_keeps_the_averaged_log_step():
    # Hoffman & Gelman's iterates: the step used after warm-up is exp of the weighted
    # average of the log steps (weights t^-0.75), not the last iterate.
    da = _adapt.DualAveraging(np.array([0.5]), target=0.8)
    accept = [0.3, 0.9, 0.95, 0.6, 0.85, 0.99, 0.7]
    h, avg = 0.0, 0.0
    mu = np.log(10 * 0.5)
    for t, a in enumerate(accept, start=1):
        step = da.update(np.array([a]))
        h = (1 - 1 / (t + 10)) * h + (0.8 - a) / (t + 10)
        x = mu - np.sqrt(t) / 0.05 * h
        avg = t ** -0.75 * x + (1 - t ** -0.75) * avg
        np.testing.assert_allclose(np.log(step), [x], rtol=1e-12)
    np.testing.assert_allclose(np.log(da.final()), [avg], rtol=1e-12)


def test_step_size_search_returns_the_first_step_past_the_crossing():
    # A probe whose log acceptance is -step**2 crosses log(0.8) at step 0.472: from 0.01
    # the doublings stop at 0.64 (the first step below 0.8 acceptance, as Stan and NumPyro
    # keep it), from 1 the halvings at 0.25, from 0.3 at 0.6.  Each trial draws a new
    # momentum: its keys differ.
    seen = []

    def probe(z, logp, g, keys, step, inv_mass, mass_chol):
        seen.append(np.asarray(keys).copy())
        return -np.asarray(step) ** 2

    z = np.zeros((3, 1))
    step = _hmc._initial_step_size(probe, z, z[:, 0], z, np.ones((3, 1)), None,
                                   crandom.key(0), np.array([0.01, 1.0, 0.3]))
    np.testing.assert_allclose(step, [0.64, 0.25, 0.6])
    assert len(seen) == 7
    flat = [k.tobytes() for k in seen]
    assert len(set(flat)) == len(flat)


def test_step_size_search_stops_at_extreme_steps():
    def never(z, logp, g, keys, step, inv_mass, mass_chol):
        return np.full(len(step), -np.inf)

    z = np.zeros((1, 1))
    step = _hmc._initial_step_size(never, z, z[:, 0], z, np.ones((1, 1)), None,
                                   crandom.key(0), np.ones(1))
    assert 0 < step[0] <= 1e-7


def test_warmup_restarts_the_step_size_search_from_the_current_step(monkeypatch):
    # After each mass-matrix window the search starts from the step size dual averaging
    # reached (Stan, NumPyro), not from 1.
    calls, steps = [], []
    search = _hmc._initial_step_size
    update = _adapt.DualAveraging.update

    def recording_search(*args):
        calls.append((len(steps), np.array(args[-1])))
        return search(*args)

    def recording_update(self, accept_prob):
        steps.append(update(self, accept_prob))
        return steps[-1]

    monkeypatch.setattr(_hmc, "_initial_step_size", recording_search)
    monkeypatch.setattr(_adapt.DualAveraging, "update", recording_update)
    res = infer.nuts(lambda x: -0.5 * cnp.sum(((x - 1.0) / 0.01) ** 2), np.ones(1), num_warmup=149,
                     num_samples=10, rng=0, progress=False)
    assert [n for n, _ in calls] == [0, 135]
    np.testing.assert_array_equal(calls[0][1], [1.0])
    np.testing.assert_array_equal(calls[1][1], steps[134])
    # the target's scale is 0.01: the search from 1 would start 100x too large
    assert calls[1][1][0] < 0.1
    assert res.samples.shape == (1, 10, 1)
