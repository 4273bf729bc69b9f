"""chainrule.apps.orbits: Kepler solver against mpmath, models' derivatives, fits and forecasts."""

import mpmath
import numpy as np
import pytest

import chainrule as cr
from chainrule.apps import orbits
from chainrule.infer import cramer_rao, laplace

TRUTH = (3.0, 5.0, 0.3, 1.0, 0.4, 0.2)        # P, K, e, omega, tp, gamma


def _mp_kepler(M, e):
    """E, dE/dM, dE/de at 40 digits (bisection bracket, then Newton polish in mpmath)."""
    with mpmath.workdps(40):
        M, e = mpmath.mpf(M), mpmath.mpf(e)
        E = mpmath.findroot(lambda E: E - e * mpmath.sin(E) - M, (M - 1, M + 1), solver="anderson")
        E = mpmath.findroot(lambda E: E - e * mpmath.sin(E) - M, E)
        d = 1 - e * mpmath.cos(E)
        return float(E), float(1 / d), float(mpmath.sin(E) / d)


@pytest.mark.parametrize("e", [0.0, 0.3, 0.9, 0.99])
def test_kepler_matches_high_precision(e):
    M = np.array([-7.0, -np.pi, -1e-3, 0.0, 1e-4, 0.05, 0.5, 2.0, np.pi - 1e-3, 3.0, 9.5])
    ref = np.array([_mp_kepler(m, e) for m in M])
    E = orbits.solve_kepler(M, e)
    np.testing.assert_allclose(E, ref[:, 0], rtol=0, atol=2e-14)
    dM = cr.vmap(cr.grad(orbits.solve_kepler, argnums=0), in_axes=(0, None))(M, e)
    de = cr.vmap(cr.grad(orbits.solve_kepler, argnums=1), in_axes=(0, None))(M, e)
    np.testing.assert_allclose(dM, ref[:, 1], rtol=1e-11)
    np.testing.assert_allclose(de, ref[:, 2], rtol=1e-11, atol=1e-12)


def test_kepler_broadcasts_and_jits():
    M = np.linspace(-4, 4, 7)[:, None]
    e = np.array([0.1, 0.6, 0.95])
    E = orbits.solve_kepler(M, e)
    assert E.shape == (7, 3)
    np.testing.assert_allclose(E - e * np.sin(E), np.broadcast_to(M, (7, 3)), atol=1e-14)
    np.testing.assert_allclose(cr.jit(orbits.solve_kepler)(M, e), E, atol=0)


def test_kepler_outside_elliptic_range_is_nan():
    E = orbits.solve_kepler(np.array([0.5, 0.5, 0.5, 0.5]), np.array([-0.1, 1.0, 1.5, 0.5]))
    assert np.all(np.isnan(E[:3])) and np.isfinite(E[3])
    assert np.isnan(cr.grad(orbits.solve_kepler, argnums=1)(0.5, 1.2))


def test_kepler_derivatives_check_grads():
    cr.check_grads(orbits.solve_kepler, (np.array([0.3, 2.0, -1.0]), np.array([0.2, 0.5, 0.8])),
                   order=2, modes=("fwd", "rev"))


def test_models_check_grads():
    t = np.array([0.1, 0.9, 2.3])
    cr.check_grads(lambda *p: orbits.radial_velocity(t, *p), TRUTH, order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda *p: orbits.astrometric_position(t, *p),
                   (2.0, 1.5, 0.4, 0.7, 1.1, 0.6, 0.3), order=2, modes=("fwd", "rev"))


def test_astrometry_is_kepler_ellipse():
    # Face-on (inc=0, Omega=omega=0): the orbit is the ellipse r = a (1 - e cos E)
    # around the focus, with the periastron towards +Dec.
    t = np.linspace(0, 1, 9)
    a, e = 2.0, 0.6
    x, y = orbits.astrometric_position(t, 1.0, a, e, 0.0, 0.0, 0.0, 0.0)
    E = orbits.solve_kepler(2 * np.pi * t, e)
    np.testing.assert_allclose(np.hypot(x, y), a * (1 - e * np.cos(E)), atol=1e-13)
    assert np.isclose(y[0], a * (1 - e)) and abs(x[0]) < 1e-14


def _simulated_rv(seed=1, n=40, sigma=0.5):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 12, n))
    rv = np.asarray(orbits.radial_velocity(t, *TRUTH)) + sigma * rng.normal(size=n)
    return t, rv, sigma


def test_rv_fit_recovers_truth_within_uncertainty():
    t, rv, sigma = _simulated_rv()
    popt, pcov = orbits.fit_radial_velocity(t, rv, sigma, (3.05, 4.5, 0.2, 0.8, 0.5, 0.0))
    err = np.sqrt(np.diag(pcov))
    assert np.all(np.abs(popt - np.array(TRUTH)) < 4 * err), (popt, err)
    # The fit's covariance is the inverse Fisher matrix at the optimum.
    F = orbits.forecast_radial_velocity(t, popt, sigma)
    np.testing.assert_allclose(cramer_rao(F), err, rtol=1e-4)


def test_fisher_forecast_matches_posterior_width():
    # The forecast is made at the truth for the planned times, before any data; the
    # posterior (Laplace approximation, flat prior) comes from one simulated data set.
    t, rv, sigma = _simulated_rv(seed=2)
    forecast = cramer_rao(orbits.forecast_radial_velocity(t, TRUTH, sigma))

    def logpost(p):
        r = (rv - orbits.radial_velocity(t, *p)) / sigma
        return -0.5 * cr.numpy.sum(r * r)

    # Start at the least-squares fit: an unconstrained optimizer started elsewhere may
    # step to e >= 1, where the model is NaN.
    popt, _ = orbits.fit_radial_velocity(t, rv, sigma, TRUTH)
    post = laplace(logpost, popt)
    np.testing.assert_allclose(forecast, post.std, rtol=0.2)
    assert np.all(np.abs(post.mean - np.array(TRUTH)) < 4 * post.std)


def test_runs_on_dask_arrays():
    da = pytest.importorskip("dask.array")
    t = np.linspace(0, 5, 7)
    rv = orbits.radial_velocity(da.from_array(t), *TRUTH)
    assert isinstance(rv, da.Array)
    np.testing.assert_allclose(np.asarray(rv), orbits.radial_velocity(t, *TRUTH), rtol=1e-14)
    g = cr.grad(lambda M: cr.numpy.sum(orbits.solve_kepler(M, 0.7)))(da.from_array(t))
    np.testing.assert_allclose(np.asarray(g), 1 / (1 - 0.7 * np.cos(orbits.solve_kepler(t, 0.7))),
                               rtol=1e-13)
