"""chainrule.ode implicit methods (Radau, BDF, LSODA): values against SciPy on Robertson's
stiff chemical kinetics, derivatives against finite differences in both modes, jit, vmap,
step limits."""

import numpy as np
import pytest
import scipy.integrate as si

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.ode import solve_ivp

K_ROB = (0.04, 3e7, 1e4)
T_ROB = np.array([0.4, 4.0, 40.0, 1e3, 1e5])


def robertson(t, y, k1, k2, k3):
    return cnp.stack([-k1 * y[0] + k3 * y[1] * y[2],
                      k1 * y[0] - k2 * y[1] ** 2 - k3 * y[1] * y[2],
                      k2 * y[1] ** 2])


def robertson_np(t, y, k1, k2, k3):
    return np.array([-k1 * y[0] + k3 * y[1] * y[2],
                     k1 * y[0] - k2 * y[1] ** 2 - k3 * y[1] * y[2],
                     k2 * y[1] ** 2])


def robertson_jac(t, y, k1, k2, k3):
    return np.array([[-k1, k3 * y[2], k3 * y[1]],
                     [k1, -2 * k2 * y[1] - k3 * y[2], -k3 * y[1]],
                     [0.0, 2 * k2 * y[1], 0.0]])


@pytest.mark.parametrize("method", ["Radau", "BDF"])
def test_robertson_matches_scipy(method):
    tol = dict(rtol=1e-6, atol=1e-10)
    ref = si.solve_ivp(robertson_np, (0.0, 1e5), [1.0, 0.0, 0.0], method=method, args=K_ROB,
                       t_eval=T_ROB, jac=robertson_jac, **tol)
    got = solve_ivp(robertson, (0.0, 1e5), [1.0, 0.0, 0.0], method=method, args=K_ROB,
                    t_eval=T_ROB, **tol)
    assert got.success and got.message == ref.message
    # The same algorithm (SciPy's): agreement within the tolerance it was asked for.
    assert np.all(np.abs(got.y - ref.y) <= tol["atol"] + tol["rtol"] * np.abs(ref.y))
    np.testing.assert_allclose(got.y.sum(axis=0), 1.0, rtol=1e-6)  # mass is conserved
    # Short of the whole span, the step sequence is SciPy's: the same evaluation count.
    short = solve_ivp(robertson, (0.0, 0.4), [1.0, 0.0, 0.0], method=method, args=K_ROB, **tol)
    ref_short = si.solve_ivp(robertson_np, (0.0, 0.4), [1.0, 0.0, 0.0], method=method,
                             args=K_ROB, jac=robertson_jac, **tol)
    assert short.nfev == ref_short.nfev


def test_lsoda_is_bdf():
    kw = dict(args=K_ROB, t_eval=T_ROB[:3], rtol=1e-6, atol=1e-10)
    lsoda = solve_ivp(robertson, (0.0, 40.0), [1.0, 0.0, 0.0], method="LSODA", **kw)
    bdf = solve_ivp(robertson, (0.0, 40.0), [1.0, 0.0, 0.0], method="BDF", **kw)
    np.testing.assert_array_equal(lsoda.y, bdf.y)
    ref = si.solve_ivp(robertson_np, (0.0, 40.0), [1.0, 0.0, 0.0], method="LSODA", **kw)
    np.testing.assert_allclose(lsoda.y, ref.y, rtol=1e-4, atol=1e-9)


def _robertson_final(log_k, method, T=10.0):
    k = cnp.exp(log_k)
    sol = solve_ivp(robertson, (0.0, T), [1.0, 0.0, 0.0], method=method,
                    args=(k[0], k[1], k[2]), t_eval=[T], rtol=1e-8, atol=1e-12)
    return sol.y[:, 0]


@pytest.mark.parametrize("method", ["Radau", "BDF"])
def test_robertson_gradient_wrt_rate_constants(method):
    log_k = np.log(K_ROB)
    jac_rev = cr.jacrev(lambda lk: _robertson_final(lk, method))(log_k)
    jac_fwd = cr.jacfwd(lambda lk: _robertson_final(lk, method))(log_k)
    eps = 1e-5  # relative steps in k
    fd = np.stack([(_robertson_final(log_k + eps * e, method)
                    - _robertson_final(log_k - eps * e, method)) / (2 * eps)
                   for e in np.eye(3)], axis=1)
    # Each row against its own scale (y2 is ~1e-5, y1 and y3 are O(1)).
    scale = np.max(np.abs(fd), axis=1, keepdims=True)
    np.testing.assert_allclose(jac_rev / scale, fd / scale, atol=1e-5)
    np.testing.assert_allclose(jac_fwd, jac_rev, rtol=1e-8, atol=1e-14)
    # Mass conservation holds for the derivative too.
    np.testing.assert_allclose(jac_rev.sum(axis=0), 0.0, atol=1e-8)


@pytest.mark.parametrize("method", ["Radau", "BDF"])
def test_check_grads_second_order(method):
    # y' = -k y^2: both modes, orders 1 and 2, in y0, k and t1 (the exact Newton steps
    # after the non-differentiated iterations make the second derivatives right too).
    def f(y0, k, t1):
        return solve_ivp(lambda t, y, k: -k * y * y, (0.0, t1), y0, method=method, args=(k,),
                         t_eval=cnp.stack([t1]), rtol=1e-6, atol=1e-9, max_step=0.04).y
    # max_step keeps the step sizes (not differentiated) fixed near these inputs, so that
    # finite differences see nearly the same discrete scheme (BDF's choice of order can
    # still move: differences of 1e-4 in the finite differences of its derivatives).
    cr.check_grads(f, (np.array([1.0]), 3.0, 0.3), order=2, modes=("fwd", "rev"),
                   atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("method", ["Radau", "BDF"])
def test_exact_solution_and_time_derivatives(method):
    # y = y0 exp(-k (t - t0)): dy(T)/dy0, dy(T)/dk, dy(T)/dt0, dy(T)/dT.
    def f(y0, k, t0, T):
        return solve_ivp(lambda t, y, k: -k * y, (t0, T), cnp.stack([y0]), method=method,
                         args=(k,), t_eval=cnp.stack([T]), rtol=1e-10, atol=1e-12).y[0, 0]
    y0, k, t0, T = 1.5, 0.7, 0.5, 2.5
    val = y0 * np.exp(-k * (T - t0))
    np.testing.assert_allclose(f(y0, k, t0, T), val, rtol=1e-8)
    g = cr.grad(f, argnums=(0, 1, 2, 3))(y0, k, t0, T)
    np.testing.assert_allclose(g, [val / y0, -(T - t0) * val, k * val, -k * val], rtol=1e-6)


def _vdp(t, y, mu):
    return cnp.stack([y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]])


@pytest.mark.parametrize("method", ["Radau", "BDF"])
def test_jit_and_vmap(method):
    def f(y0):
        return solve_ivp(_vdp, (0.0, 1.0), y0, method=method, args=(10.0,), t_eval=[0.5, 1.0],
                         rtol=1e-5, atol=1e-8).y
    ys = np.array([[2.0, 0.0], [1.0, 1.0]])
    eager = np.stack([f(y) for y in ys])
    ref = si.solve_ivp(lambda t, y: np.array([y[1], 10 * (1 - y[0] ** 2) * y[1] - y[0]]),
                       (0.0, 1.0), ys[0], method=method, t_eval=[0.5, 1.0], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(eager[0], ref.y, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(cr.jit(f)(ys[0]), eager[0], rtol=1e-12)
    np.testing.assert_allclose(cr.vmap(f)(ys), eager, rtol=1e-12)

    def loss(y0):
        return cnp.sum(f(y0) ** 2)
    g = [cr.grad(loss)(y) for y in ys]
    np.testing.assert_allclose(cr.jit(cr.grad(loss))(ys[0]), g[0], rtol=1e-10)
    np.testing.assert_allclose(cr.vmap(cr.grad(loss))(ys), g, rtol=1e-10)
    np.testing.assert_allclose(cr.jit(cr.vmap(cr.grad(loss)))(ys), g, rtol=1e-10)


def test_checkpointed_direct_equals_plain():
    def loss(lk, **kw):
        k = cnp.exp(lk)
        return cnp.sum(solve_ivp(robertson, (0.0, 4.0), [1.0, 0.0, 0.0], method="BDF",
                                 args=(k[0], k[1], k[2]), t_eval=[1.0, 4.0], **kw).y)
    lk = np.log(K_ROB)
    np.testing.assert_allclose(cr.grad(lambda x: loss(x, checkpoint=6))(lk), cr.grad(loss)(lk),
                               rtol=1e-12, atol=1e-16)


def test_stiff_problem_with_explicit_method_stops_at_max_steps():
    sol = solve_ivp(robertson, (0.0, 1e5), [1.0, 0.0, 0.0], method="RK45", args=K_ROB,
                    max_steps=300)
    assert sol.status == -1 and not sol.success and sol.nsteps == 300
    assert "max_steps=300" in sol.message


@pytest.mark.parametrize("method", ["Radau", "BDF", "LSODA"])
def test_max_steps_stops_implicit_methods(method):
    sol = solve_ivp(robertson, (0.0, 1e5), [1.0, 0.0, 0.0], method=method, args=K_ROB,
                    max_steps=7)
    assert sol.status == -1 and not sol.success and sol.nsteps == 7
    assert "max_steps=7" in sol.message


def test_backsolve_with_implicit_method_is_an_error():
    with pytest.raises(ValueError, match="adjoint='direct'"):
        solve_ivp(robertson, (0.0, 1.0), [1.0, 0.0, 0.0], method="Radau", args=K_ROB,
                  adjoint="backsolve")
