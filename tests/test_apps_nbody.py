"""chainrule.apps.nbody: conservation laws, convergence orders, derivatives, an inverse problem."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.apps import nbody
from chainrule.infer import cramer_rao, fisher_information
from chainrule.optimize import minimize


def _eccentric_binary():
    # Relative orbit with e = 0.5 (apoapsis start), centre of mass at rest.
    m = np.array([1.0, 0.5])
    r, v = 1.0, np.sqrt(1.5 * (1 - 0.5))          # vis-viva at apoapsis, G M = 1.5, a = 2/3
    x = np.array([[-r * m[1] / 1.5, 0, 0], [r * m[0] / 1.5, 0, 0]])
    u = np.array([[0, -v * m[1] / 1.5, 0], [0, v * m[0] / 1.5, 0]])
    return x, u, m


def _three_body():
    x = np.array([[1.0, 0.0, 0.1], [-0.5, 0.8, 0.0], [-0.4, -0.9, -0.1]])
    v = np.array([[0.0, 0.5, 0.05], [-0.5, -0.2, 0.0], [0.4, -0.3, -0.05]])
    return x, v, np.array([1.0, 0.8, 1.2])


def test_accelerations_are_minus_gradient_of_potential():
    x, v, m = _three_body()
    for eps in (0.0, 0.1):
        g = cr.grad(nbody.energy)(x, v, m, eps)
        np.testing.assert_allclose(-g / m[:, None], nbody.accelerations(x, m, eps), rtol=1e-12)


@pytest.mark.parametrize("method, order", [("leapfrog", 2), ("yoshida", 4)])
def test_energy_error_converges_at_documented_order(method, order):
    x, v, m = _eccentric_binary()
    e0 = nbody.energy(x, v, m)
    T = 2.0                                        # about one orbital period (2.28)
    errors = []
    for n in (100, 200, 400):
        xs, vs = nbody.simulate(x, v, m, T / n, n, method, trajectory=True)
        energies = cr.vmap(nbody.energy, in_axes=(0, 0, None))(xs, vs, m)
        errors.append(np.max(np.abs(np.asarray(energies) - e0)))
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    np.testing.assert_allclose(rates, order, atol=0.15)


@pytest.mark.parametrize("method", ["leapfrog", "yoshida"])
def test_angular_momentum_is_conserved(method):
    # Central pairwise forces: every kick and drift preserves L exactly (to round-off).
    x, v, m = _three_body()
    L0 = nbody.angular_momentum(x, v, m)
    xf, vf = nbody.simulate(x, v, m, 0.01, 200, method, softening=0.05)
    np.testing.assert_allclose(nbody.angular_momentum(xf, vf, m), L0, atol=1e-13)


def test_jit_matches_eager_and_is_reused():
    x, v, m = _three_body()
    f = cr.jit(lambda x, v, m: nbody.simulate(x, v, m, 0.01, 50, "yoshida", softening=0.05))
    eager = nbody.simulate(x, v, m, 0.01, 50, "yoshida", softening=0.05)
    for _ in range(2):
        out = f(x, v, m)
        np.testing.assert_allclose(out[0], eager[0], rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(out[1], eager[1], rtol=1e-13, atol=1e-14)
    out = f(x + 0.01, v, m)                       # new values, same compiled program
    assert not np.allclose(out[0], eager[0])
    assert len(f.cache) == 1


@pytest.mark.parametrize("method", ["leapfrog", "yoshida"])
def test_simulate_check_grads(method):
    x, v, m = _three_body()

    def final(x, v, m, dt):
        xf, vf = nbody.simulate(x, v, m, dt, 3, method, softening=0.1)
        return cnp.concatenate([xf.reshape(-1), vf.reshape(-1)])

    cr.check_grads(final, (x, v, m, 0.05), order=2, modes=("fwd", "rev"))


def test_energy_and_angular_momentum_check_grads():
    x, v, m = _three_body()
    cr.check_grads(lambda x, v, m: nbody.energy(x, v, m, 0.1), (x, v, m), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(nbody.angular_momentum, (x, v, m), order=2, modes=("fwd", "rev"))


def test_flow_jacobian_is_symplectic_and_lyapunov_matches_it():
    # The Jacobian of a symplectic map satisfies J^T Omega J = Omega: a strong check of
    # the derivative of the whole integration, and the basis of the Lyapunov estimate.
    x, v, m = _three_body()
    n = x.size

    def flow(z):
        xf, vf = nbody.simulate(z[:n].reshape(3, 3), z[n:].reshape(3, 3), m, 0.02, 100,
                                "yoshida", softening=0.05)
        return cnp.concatenate([xf.reshape(-1), vf.reshape(-1)])

    # Canonical momenta are m v: conjugate to positions with the mass weights.
    z = np.concatenate([x.reshape(-1), v.reshape(-1)])
    J = np.asarray(cr.jacfwd(flow)(z))
    W = np.diag(np.concatenate([np.ones(n), np.repeat(m, 3)]))
    Jc = W @ J @ np.linalg.inv(W)
    Omega = np.block([[np.zeros((n, n)), np.eye(n)], [-np.eye(n), np.zeros((n, n))]])
    np.testing.assert_allclose(Jc.T @ Omega @ Jc, Omega, atol=1e-8)
    np.testing.assert_allclose(np.asarray(cr.jacrev(flow)(z)), J, rtol=1e-10, atol=1e-10)
    lam = nbody.lyapunov_estimate(x, v, m, 0.02, 100, softening=0.05)
    s_max = np.linalg.svd(J, compute_uv=False)[0]
    assert np.isclose(lam, np.log(s_max) / 2.0)


def test_simulate_rejects_unknown_method():
    x, v, m = _three_body()
    with pytest.raises(ValueError, match="leapfrog"):
        nbody.simulate(x, v, m, 0.01, 2, "rk4")


def test_three_body_fit_recovers_masses_and_initial_conditions():
    # Noisy positions of all three bodies at 10 epochs; fit the 3 masses and 18 initial
    # coordinates with L-BFGS on exact (jitted) gradients, then compare the error with
    # the Cramér–Rao widths of the same model.
    x, v, m = _three_body()
    truth = np.concatenate([m, x.ravel(), v.ravel()])
    dt, every, n_obs, sigma = 0.05, 4, 10, 1e-3

    def observe(p):
        xs, _ = nbody.simulate(p[3:12].reshape(3, 3), p[12:].reshape(3, 3), p[:3], dt,
                               every * n_obs, "leapfrog", softening=0.05, trajectory=True)
        return xs[every - 1::every]

    rng = np.random.default_rng(0)
    data = np.asarray(observe(truth)) + sigma * rng.normal(size=(n_obs, 3, 3))

    def loss(p):
        r = (observe(p) - data) / sigma
        return 0.5 * cnp.sum(r * r)

    value_and_grad = cr.jit(cr.value_and_grad(loss))
    p0 = truth + 0.02 * rng.normal(size=truth.size)
    res = minimize(lambda p: tuple(np.asarray(a) for a in value_and_grad(p)), p0, jac=True,
                   method="L-BFGS-B", options={"maxiter": 500})
    assert res.success
    err = cramer_rao(fisher_information(observe, res.x, sigma))
    assert np.all(np.abs(res.x - truth) < 4 * err), (res.x - truth) / err
    assert np.all(err[:3] < 0.05 * m)             # the masses are actually measured


def test_runs_on_dask_arrays_eagerly_and_under_grad():
    da = pytest.importorskip("dask.array")
    x, v, m = _three_body()
    X, V, M = (da.from_array(a) for a in (x, v, m))
    xf, vf = nbody.simulate(X, V, M, 0.01, 5, "yoshida", softening=0.05)
    assert isinstance(xf, da.Array)
    np.testing.assert_allclose(np.asarray(xf), nbody.simulate(x, v, m, 0.01, 5, "yoshida",
                                                              softening=0.05)[0], rtol=1e-14)
    g = cr.grad(nbody.energy)(X, V, M, 0.05)
    assert isinstance(g, da.Array)
    np.testing.assert_allclose(np.asarray(g), cr.grad(nbody.energy)(x, v, m, 0.05), rtol=1e-14)
