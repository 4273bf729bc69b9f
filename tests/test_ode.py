"""chainrule.ode: values against SciPy, derivatives in both modes and both adjoints,
jit and vmap, and errors."""

import numpy as np
import pytest
import scipy.integrate as si

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.ode import OdeResult, odeint, solve_ivp

TOL = dict(rtol=1e-10, atol=1e-12)
P_LV = np.array([1.5, 1.0, 3.0, 1.0])


def lv(t, y, a, b, c, d):
    return cnp.stack([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])


def lv_np(t, y, a, b, c, d):
    return np.array([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])


def kepler(t, s):
    r3 = (s[0] ** 2 + s[1] ** 2) ** 1.5
    return cnp.stack([s[2], s[3], -s[0] / r3, -s[1] / r3])


@pytest.mark.parametrize("method", ["RK45", "RK23", "DOP853"])
def test_matches_scipy_steps_and_values(method):
    te = np.linspace(0.0, 10.0, 21)
    # RK23 at rtol=1e-10 would take ~16000 steps: a looser tolerance keeps the test short.
    tol = TOL if method == "RK45" else dict(rtol=1e-7, atol=1e-9)
    ref = si.solve_ivp(lv_np, (0.0, 10.0), [1.0, 1.0], method=method, t_eval=te,
                       args=tuple(P_LV), **tol)
    got = solve_ivp(lv, (0.0, 10.0), [1.0, 1.0], method=method, t_eval=te, args=tuple(P_LV),
                    **tol)
    assert isinstance(got, OdeResult)
    assert got.y.shape == ref.y.shape == (2, 21)
    np.testing.assert_allclose(got.t, ref.t)
    # Same tableau, controller and initial step: the same steps, so the same number of
    # evaluations and the same values up to rounding.
    assert got.nfev == ref.nfev
    np.testing.assert_allclose(got.y, ref.y, rtol=1e-11, atol=1e-13)
    assert got.success and got.status == 0 and got.message == ref.message


def test_tsit5_and_backwards_in_time():
    te = np.linspace(0.0, 2.0, 5)
    exact = np.exp(-0.7 * te)
    sol = solve_ivp(lambda t, y: -0.7 * y, (0.0, 2.0), [1.0], method="Tsit5", t_eval=te, **TOL)
    np.testing.assert_allclose(sol.y[0], exact, rtol=1e-9)
    back = solve_ivp(lambda t, y: -0.7 * y, (2.0, 0.0), [exact[-1]], t_eval=te[::-1], **TOL)
    ref = si.solve_ivp(lambda t, y: -0.7 * y, (2.0, 0.0), [exact[-1]], t_eval=te[::-1], **TOL)
    np.testing.assert_allclose(back.y, ref.y, rtol=1e-9)
    np.testing.assert_allclose(back.y[0], exact[::-1], rtol=1e-9)


def test_integer_and_float32_y0_run_in_float64_as_scipy():
    for y0 in (np.array([1], np.int64), np.array([1.0], np.float32)):
        sol = cr.jit(lambda y: solve_ivp(lambda t, y: -y, (0.0, 1.0), y, t_eval=[1.0]).y)(y0)
        ref = si.solve_ivp(lambda t, y: -y, (0.0, 1.0), y0, t_eval=[1.0])
        assert sol.dtype == ref.y.dtype == np.float64
        np.testing.assert_allclose(sol, ref.y, rtol=1e-13)


def test_without_t_eval_gives_endpoints():
    sol = solve_ivp(lambda t, y: -y, (0.0, 1.0), [2.0], **TOL)
    np.testing.assert_allclose(sol.t, [0.0, 1.0])
    np.testing.assert_allclose(sol.y[0], [2.0, 2.0 * np.exp(-1.0)], rtol=1e-9)


@pytest.mark.parametrize("method", ["RK45", "RK23", "DOP853"])
def test_without_t_eval_same_evaluations_as_scipy(method):
    # No output times, no dense output: DOP853 used to evaluate its three extra
    # interpolation stages on the first step (3 evaluations more than SciPy).
    kw = dict(args=tuple(P_LV), method=method, rtol=1e-8, atol=1e-8)
    got = solve_ivp(lv, (0.0, 5.0), [1.0, 1.0], **kw)
    ref = si.solve_ivp(lv_np, (0.0, 5.0), [1.0, 1.0], **kw)
    assert got.nfev == ref.nfev
    np.testing.assert_allclose(got.y[:, -1], ref.y[:, -1], rtol=1e-12)


def _kepler_final(v0, adjoint="direct"):
    s0 = cnp.concatenate([cnp.asarray([1.0, 0.0]), v0])
    sol = solve_ivp(kepler, (0.0, 3.0), s0, t_eval=[3.0], adjoint=adjoint, **TOL)
    return sol.y[:2, -1]


def test_kepler_gradients_direct_backsolve_fd_jvp():
    v0 = np.array([0.0, 1.1])
    jac_direct = cr.jacrev(lambda v: _kepler_final(v, "direct"))(v0)
    jac_back = cr.jacrev(lambda v: _kepler_final(v, "backsolve"))(v0)
    jac_fwd = cr.jacfwd(lambda v: _kepler_final(v, "direct"))(v0)
    eps = 1e-6
    fd = np.stack([(_kepler_final(v0 + eps * e) - _kepler_final(v0 - eps * e)) / (2 * eps)
                   for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(jac_direct, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(jac_back, jac_direct, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jac_fwd, jac_direct, rtol=1e-10, atol=1e-12)


def test_kepler_conserves_energy_and_angular_momentum():
    te = np.linspace(0.0, 20.0, 50)
    sol = solve_ivp(kepler, (0.0, 20.0), [1.0, 0.0, 0.0, 1.1], t_eval=te, **TOL)
    x, y, vx, vy = sol.y
    energy = 0.5 * (vx ** 2 + vy ** 2) - 1 / np.hypot(x, y)
    ang = x * vy - y * vx
    np.testing.assert_allclose(energy, energy[0], rtol=1e-8)
    np.testing.assert_allclose(ang, ang[0], rtol=1e-8)


def _lv_loss(y0, p, adjoint="direct", **kw):
    sol = solve_ivp(lv, (0.0, 5.0), y0, t_eval=np.linspace(0.0, 5.0, 6), args=tuple(p),
                    rtol=1e-9, atol=1e-9, adjoint=adjoint, **kw)
    return cnp.sum(sol.y ** 2)


@pytest.mark.parametrize("adjoint", ["direct", "backsolve"])
def test_lotka_volterra_gradients_y0_and_args(adjoint):
    y0 = np.array([1.0, 1.0])
    gy, gp = cr.grad(_lv_loss, argnums=(0, 1))(y0, P_LV, adjoint)
    eps = 1e-6
    fdy = [(_lv_loss(y0 + eps * e, P_LV) - _lv_loss(y0 - eps * e, P_LV)) / (2 * eps)
           for e in np.eye(2)]
    fdp = [(_lv_loss(y0, P_LV + eps * e) - _lv_loss(y0, P_LV - eps * e)) / (2 * eps)
           for e in np.eye(4)]
    np.testing.assert_allclose(gy, fdy, rtol=1e-5)
    np.testing.assert_allclose(gp, fdp, rtol=1e-5)


def test_dop853_gradient_matches_rk45():
    def final(y0, method):
        return solve_ivp(lv, (0.0, 5.0), y0, args=tuple(P_LV), t_eval=[5.0], method=method,
                         **TOL).y[:, 0]
    y0 = np.array([1.0, 1.0])
    np.testing.assert_allclose(cr.jacrev(lambda y: final(y, "DOP853"))(y0),
                               cr.jacfwd(lambda y: final(y, "RK45"))(y0), rtol=1e-7)


def test_check_grads_direct_both_modes():
    cr.check_grads(lambda y0, k: solve_ivp(lambda t, y, k: -k * y * y, (0.0, 1.0), y0,
                                           args=(k,), t_eval=[0.5, 1.0], **TOL).y,
                   (np.array([1.0, 2.0]), 0.7), order=2, modes=("fwd", "rev"))


def test_gradient_wrt_time_span_and_t_eval():
    # y = y0 exp(-k (t - t0)): dy(T)/dT = -k y, dy(T)/dt0 = k y.
    def f(t0, T, adjoint):
        return solve_ivp(lambda t, y: -0.5 * y, (t0, 3.0), [1.0], t_eval=cnp.stack([T]),
                         adjoint=adjoint, **TOL).y[0, 0]
    val = np.exp(-0.5 * 2.0)
    for adjoint in ("direct", "backsolve"):
        g0, gT = cr.grad(f, argnums=(0, 1))(0.5, 2.5, adjoint)
        np.testing.assert_allclose([g0, gT], [0.5 * val, -0.5 * val], rtol=1e-7)


@pytest.mark.parametrize("method,jacobian_max", [("RK45", 1024), ("DOP853", 1024),
                                                 ("RK45", 0)])
def test_backsolve_pytree_args_many_outputs_match_direct(method, jacobian_max, monkeypatch):
    # Arguments of several shapes (a vector, a scalar, an integer) in a dict, and 21 output
    # times: the adjoint continues from one output time to the next with the step size it
    # ended with, and differentiates with respect to each argument as it is, with the
    # right-hand side's Jacobian by forward mode (small systems) or by a reverse pass.
    from chainrule._src.scipy.ode import adjoint
    monkeypatch.setattr(adjoint, "FORWARD_JACOBIAN_MAX", jacobian_max)
    def rhs(t, y, p, n):
        return cnp.stack([p["ab"][0] * y[0] - p["ab"][1] * y[0] * y[1],
                          -p["c"] * y[1] + n * y[0] * y[1]])

    def loss(y0, p, adjoint):
        sol = solve_ivp(rhs, (0.0, 4.0), y0, method=method, t_eval=np.linspace(0.0, 4.0, 21),
                        args=(p, 1), adjoint=adjoint, rtol=1e-10, atol=1e-10)
        return cnp.sum(sol.y ** 2)

    y0, p = np.array([1.0, 0.5]), {"ab": np.array([1.5, 1.0]), "c": 3.0}
    gd = cr.grad(loss, argnums=(0, 1))(y0, p, "direct")
    gb = cr.grad(loss, argnums=(0, 1))(y0, p, "backsolve")
    np.testing.assert_allclose(gb[0], gd[0], rtol=1e-6)
    np.testing.assert_allclose(gb[1]["ab"], gd[1]["ab"], rtol=1e-6)
    np.testing.assert_allclose(gb[1]["c"], gd[1]["c"], rtol=1e-6)
    eps = 1e-6
    fd_c = (loss(y0, dict(p, c=3.0 + eps), "direct")
            - loss(y0, dict(p, c=3.0 - eps), "direct")) / (2 * eps)
    np.testing.assert_allclose(gb[1]["c"], fd_c, rtol=1e-5)


def test_check_grads_backsolve_reverse_order_two():
    # The adjoint's own backward solve is differentiable through its steps.
    def f(y0, k):
        return solve_ivp(lambda t, y, k: -k * y * y, (0.0, 1.0), y0, args=(k,),
                         t_eval=[0.5, 1.0], rtol=1e-12, atol=1e-12, adjoint="backsolve").y
    cr.check_grads(f, (np.array([1.0, 0.5]), 0.7), order=2, modes=("rev",), rtol=1e-5,
                   atol=1e-6)


def test_backsolve_under_jit_and_forward_mode_error():
    y0 = np.array([1.0, 1.0])
    g = cr.grad(_lv_loss, argnums=(0, 1))(y0, P_LV, "backsolve")
    gj = cr.jit(cr.grad(lambda y, p: _lv_loss(y, p, "backsolve"), argnums=(0, 1)))(y0, P_LV)
    np.testing.assert_allclose(gj[0], g[0], rtol=1e-11)
    np.testing.assert_allclose(gj[1], g[1], rtol=1e-11)
    with pytest.raises(TypeError, match="forward-mode"):
        cr.jvp(lambda y: _lv_loss(y, P_LV, "backsolve"), (y0,), (y0,))


def test_checkpointed_direct_equals_plain():
    y0 = np.array([1.0, 1.0])
    g = cr.grad(_lv_loss, argnums=(0, 1))(y0, P_LV)
    gc = cr.grad(_lv_loss, argnums=(0, 1))(y0, P_LV, checkpoint=7)
    np.testing.assert_allclose(gc[0], g[0], rtol=1e-12)
    np.testing.assert_allclose(gc[1], g[1], rtol=1e-12)
    gj = cr.jit(cr.grad(lambda y: _lv_loss(y, P_LV, checkpoint=5)))(y0)
    np.testing.assert_allclose(gj, g[0], rtol=1e-11)
    assert float(_lv_loss(y0, P_LV, checkpoint=True)) == pytest.approx(float(_lv_loss(y0, P_LV)),
                                                                        rel=1e-14)


def test_jit_equals_eager():
    y0 = np.array([1.0, 1.0])
    np.testing.assert_allclose(cr.jit(_lv_loss)(y0, P_LV), _lv_loss(y0, P_LV), rtol=1e-13)
    np.testing.assert_allclose(cr.jit(cr.grad(_lv_loss))(y0, P_LV), cr.grad(_lv_loss)(y0, P_LV),
                               rtol=1e-11)
    sol = cr.jit(lambda y: solve_ivp(lv, (0.0, 5.0), y, args=tuple(P_LV), t_eval=[5.0]))(y0)
    assert int(sol.status) == 0 and sol.message.startswith("The solver successfully")


def test_vmap_over_initial_conditions_equals_loop():
    ys = np.array([[1.0, 1.0], [1.2, 0.8], [0.5, 2.0]])
    batched = cr.vmap(lambda y: _lv_loss(y, P_LV))(ys)
    np.testing.assert_allclose(batched, [_lv_loss(y, P_LV) for y in ys], rtol=1e-13)
    # Each example keeps its own steps: the counts differ and equal the loop's.
    nfev = cr.vmap(lambda y: solve_ivp(lv, (0.0, 5.0), y, args=tuple(P_LV), t_eval=[5.0]).nfev)(ys)
    loop = [solve_ivp(lv, (0.0, 5.0), y, args=tuple(P_LV), t_eval=[5.0]).nfev for y in ys]
    np.testing.assert_array_equal(nfev, loop)
    jv = cr.jit(cr.vmap(lambda y: _lv_loss(y, P_LV)))(ys)
    np.testing.assert_allclose(jv, batched, rtol=1e-13)

    # Gradients on a shorter solve, to keep the test quick.
    def short(y, adjoint="direct"):
        return cnp.sum(solve_ivp(lv, (0.0, 1.0), y, args=tuple(P_LV), t_eval=[0.5, 1.0],
                                 adjoint=adjoint, rtol=1e-8, atol=1e-8).y)
    loop = [cr.grad(short)(y) for y in ys]
    np.testing.assert_allclose(cr.jit(cr.vmap(cr.grad(short)))(ys), loop, rtol=1e-11)
    np.testing.assert_allclose(cr.vmap(cr.grad(lambda y: short(y, "backsolve")))(ys), loop,
                               rtol=1e-6)


def test_max_steps_reports_failure():
    sol = solve_ivp(lv, (0.0, 10.0), [1.0, 1.0], args=tuple(P_LV), max_steps=5, **TOL)
    assert sol.status == -1 and not sol.success and sol.nsteps == 5
    assert "max_steps=5" in sol.message


def test_step_too_small_reports_failure():
    # y' = y^2 blows up at t = 1.
    sol = solve_ivp(lambda t, y: y * y, (0.0, 2.0), [1.0])
    ref = si.solve_ivp(lambda t, y: y * y, (0.0, 2.0), [1.0])
    assert sol.status == ref.status == -1
    assert sol.message == ref.message


def test_odeint_matches_scipy():
    t = np.linspace(0.0, 4.0, 9)
    got = odeint(lambda y, t, a, b, c, d: lv(t, y, a, b, c, d), [1.0, 1.0], t, args=tuple(P_LV))
    ref = si.odeint(lambda y, t, *p: lv_np(t, y, *p), [1.0, 1.0], t, args=tuple(P_LV))
    assert got.shape == ref.shape == (9, 2)
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    g = cr.grad(lambda y0: cnp.sum(odeint(lambda y, t: -y, y0, t)[-1]))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, np.exp(-4.0), rtol=1e-6)


def test_bad_inputs():
    with pytest.raises(ValueError, match="t_span must be a pair"):
        solve_ivp(lambda t, y: -y, (), [1.0])
    with pytest.raises(ValueError, match="returned an array of shape"):
        solve_ivp(lambda t, y: cnp.stack([y[0], y[0]]), (0.0, 1.0), [1.0])
    with pytest.raises(ValueError, match="must be finite"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), [np.nan])
    with pytest.raises(ValueError, match="not within `t_span`"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), [1.0], t_eval=[2.0])
    with pytest.raises(ValueError, match="unknown method"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), [1.0], method="Euler")
    k = 2.0

    def with_closure(kk):
        return solve_ivp(lambda t, y: -kk * y, (0.0, 1.0), [1.0], t_eval=[1.0],
                         adjoint="backsolve").y[0, 0]
    with pytest.raises(TypeError, match="pass it through args"):
        cr.grad(with_closure)(k)


def test_zero_length_span():
    sol = solve_ivp(lambda t, y: -y, (1.0, 1.0), [3.0])
    ref = si.solve_ivp(lambda t, y: -y, (1.0, 1.0), [3.0])
    assert sol.status == ref.status == 0
    np.testing.assert_allclose(sol.y, ref.y)


def test_backsolve_that_fails_gives_nan_not_zero():
    # The forward solve fits in max_steps, the backward (augmented) one does not: the
    # gradient must not come back as a silent zero.
    def f(y0, lam, max_steps):
        return solve_ivp(lambda t, y, lam: -lam * (y - cnp.cos(t)), (0.0, 2.0), y0,
                         args=(lam,), t_eval=[2.0], adjoint="backsolve",
                         max_steps=max_steps).y[0, 0]
    y0 = np.array([2.0])
    assert solve_ivp(lambda t, y: -200.0 * (y - cnp.cos(t)), (0.0, 2.0), y0,
                     max_steps=150).success
    g = cr.grad(f, argnums=(0, 1))(y0, 200.0, 150)
    assert np.all(np.isnan(g[0])) and np.isnan(g[1])
    g = cr.grad(f, argnums=1)(y0, 200.0, 2000)
    assert np.isfinite(g) and g != 0


def test_output_times_not_reached_are_left_out():
    # y' = y^2 blows up at t = 1: SciPy returns only the output times before the failure
    # (they used to come back as zeros).
    te = [0.5, 0.9, 1.5, 2.0]
    sol = solve_ivp(lambda t, y: y * y, (0.0, 2.0), [1.0], t_eval=te)
    ref = si.solve_ivp(lambda t, y: y * y, (0.0, 2.0), [1.0], t_eval=te)
    assert sol.status == ref.status == -1
    np.testing.assert_allclose(sol.t, ref.t)
    np.testing.assert_allclose(sol.y, ref.y, rtol=1e-6)
    traced = cr.jit(lambda y0: solve_ivp(lambda t, y: y * y, (0.0, 2.0), y0, t_eval=te).y)(
        np.array([1.0]))
    np.testing.assert_allclose(traced[:, :2], ref.y, rtol=1e-6)
    assert np.all(np.isnan(traced[:, 2:]))


def test_dop853_tableau_is_our_own_and_equals_the_published_one():
    import pathlib

    from scipy.integrate._ivp import dop853_coefficients as ref

    from chainrule._src.scipy.ode.tableaus import TABLEAUS

    tab, s = TABLEAUS["DOP853"], ref.N_STAGES
    for got, want in [(tab.C, ref.C[:s]), (tab.A, ref.A[:s, :s]), (tab.B, ref.B),
                      (tab.E, ref.E5), (tab.E3, ref.E3), (tab.A_extra, ref.A[s + 1:]),
                      (tab.C_extra, ref.C[s + 1:]), (tab.D, ref.D)]:
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)
    # The library does not read SciPy's private module (only this test does).
    src = pathlib.Path(cr.__file__).parent
    assert not [p for p in src.rglob("*.py") if "dop853_coefficients" in p.read_text()]


@pytest.mark.parametrize("method", ["RK45", "Radau", "BDF"])
def test_bad_input_every_method(method):
    with pytest.raises(ValueError, match="t_span must be a pair"):
        solve_ivp(lambda t, y: -y, (), [1.0], method=method)
    with pytest.raises(ValueError, match="returned an array of shape"):
        solve_ivp(lambda t, y: cnp.stack([y[0], y[0]]), (0.0, 1.0), [1.0], method=method)
    with pytest.raises(ValueError, match="must be finite"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), [np.nan], method=method)
    # Under jit the value of y0 is not known when the solve is traced: a failed solve with
    # SciPy's message, at once (not max_steps attempts on NaN).
    sol = cr.jit(lambda y0: solve_ivp(lambda t, y: -y, (0.0, 1.0), y0, method=method,
                                      t_eval=[0.5, 1.0]))(np.array([np.nan]))
    assert int(sol.status) == -1 and int(sol.nsteps) == 0
    assert sol.message == "All components of the initial state `y0` must be finite."
    assert np.all(np.isnan(sol.y))
    # A zero-length span: SciPy's success, no step, y0 everywhere (with events and dense
    # output too), and the derivative of the identity.
    ref = si.solve_ivp(lambda t, y: -y, (1.0, 1.0), [3.0], method=method)
    sol = solve_ivp(lambda t, y: -y, (1.0, 1.0), [3.0], method=method,
                    events=lambda t, y: y[0], dense_output=True)
    assert sol.status == ref.status == 0 and sol.message == ref.message
    np.testing.assert_array_equal(sol.y, ref.y)
    np.testing.assert_array_equal(sol.sol(1.0), [3.0])
    assert sol.t_events[0].shape == (0,)
    g = cr.grad(lambda y0: solve_ivp(lambda t, y: -y, (1.0, 1.0), cnp.stack([y0]),
                                     method=method, t_eval=[1.0]).y[0, 0])(3.0)
    assert g == 1.0
