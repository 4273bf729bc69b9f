"""chainrule.ode events: SciPy's semantics (terminal, counts, direction), event times and
states against SciPy and analytic answers, their derivatives (implicit function theorem),
jit, vmap, and errors."""

import numpy as np
import pytest
import scipy.integrate as si

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.ode import solve_ivp

G = 9.81


def fall(t, y):
    return cnp.stack([y[1], -G + 0.0 * y[0]])


def ground(t, y):
    return y[0]


ground.terminal = True
ground.direction = -1


def apex(t, y):
    return y[1]


def hit_time(h, v):
    return (v + np.sqrt(v * v + 2 * G * h)) / G


@pytest.mark.parametrize("method", ["RK45", "DOP853", "Radau", "BDF"])
def test_ball_drop_matches_scipy_and_analytic(method):
    te = np.linspace(0.0, 3.0, 7)
    sol = solve_ivp(fall, (0.0, 3.0), [10.0, 3.0], method=method, events=[ground, apex],
                    t_eval=te)
    ref = si.solve_ivp(lambda t, y: np.array([y[1], -G]), (0.0, 3.0), [10.0, 3.0],
                       method=method, events=[ground, apex], t_eval=te)
    assert sol.status == ref.status == 1 and sol.message == ref.message and sol.success
    for got, want in zip(sol.t_events, ref.t_events):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    for got, want in zip(sol.y_events, ref.y_events):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    # The Runge-Kutta and Radau interpolants are exact on this quadratic, BDF's (started
    # at order 1) only to the tolerance.
    exact = 1e-12 if method != "BDF" else 1e-3
    np.testing.assert_allclose(sol.t_events[0], [hit_time(10.0, 3.0)], rtol=exact)
    np.testing.assert_allclose(sol.t_events[1], [3.0 / G], rtol=exact)
    # The solve stops at the terminal event: later output times are left out, as SciPy.
    np.testing.assert_allclose(sol.t, ref.t)
    np.testing.assert_allclose(sol.y, ref.y, rtol=1e-9)


def test_terminal_count_and_direction_match_scipy():
    def osc(t, y):
        return cnp.stack([y[1], -y[0]])

    def zero(t, y):
        return y[0]
    zero.terminal = 3

    def rising(t, y):
        return y[0]
    rising.direction = 1
    kw = dict(events=[zero, rising], rtol=1e-10, atol=1e-12)
    sol = solve_ivp(osc, (0.0, 20.0), [1.0, 0.0], **kw)
    ref = si.solve_ivp(lambda t, y: np.array([y[1], -y[0]]), (0.0, 20.0), [1.0, 0.0], **kw)
    assert sol.status == ref.status == 1
    np.testing.assert_allclose(sol.t_events[0], np.pi * np.array([0.5, 1.5, 2.5]), rtol=1e-9)
    np.testing.assert_allclose(sol.t_events[1], [1.5 * np.pi], rtol=1e-9)
    for got, want in zip(sol.t_events, ref.t_events):
        np.testing.assert_allclose(got, want, rtol=1e-9)
    np.testing.assert_allclose(sol.t, ref.t[[0, -1]], rtol=1e-12)
    np.testing.assert_allclose(sol.y[:, -1], ref.y[:, -1], atol=1e-9)
    # Without a terminal event the solve reaches t1 and records every occurrence.
    free = solve_ivp(osc, (0.0, 20.0), [1.0, 0.0], events=rising, rtol=1e-10, atol=1e-12)
    assert free.status == 0
    np.testing.assert_allclose(free.t_events[0], np.pi * np.array([1.5, 3.5, 5.5]), rtol=1e-9)


def test_event_time_gradient_is_the_implicit_function_theorem():
    def t_hit(h, v):
        return solve_ivp(fall, (0.0, 10.0), cnp.stack([h, v]), events=ground).t_events[0][0]
    h, v = 10.0, 3.0
    root = np.sqrt(v * v + 2 * G * h)
    expected = [1 / root, (1 + v / root) / G]
    np.testing.assert_allclose(cr.grad(t_hit, argnums=(0, 1))(h, v), expected, rtol=1e-10)
    np.testing.assert_allclose(cr.jacfwd(t_hit, argnums=(0, 1))(h, v), expected, rtol=1e-10)
    cr.check_grads(t_hit, (h, v), order=2, modes=("fwd", "rev"))
    # The state at the event: the speed at impact, -sqrt(v^2 + 2 g h).
    speed = cr.grad(lambda h: solve_ivp(fall, (0.0, 10.0), cnp.stack([h, v]),
                                        events=ground).y_events[0][0, 1])(h)
    np.testing.assert_allclose(speed, -G / root, rtol=1e-10)


def test_event_derivative_through_args_on_a_nonlinear_problem():
    # y' = -k y, y(0) = 1: y = 1/2 at t* = log(2) / k.
    def half(t, y, k):
        return y[0] - 0.5
    half.terminal = True

    def t_half(k):
        return solve_ivp(lambda t, y, k: -k * y, (0.0, 10.0), [1.0], args=(k,), events=half,
                         rtol=1e-10, atol=1e-12).t_events[0][0]
    k = 0.7
    np.testing.assert_allclose(t_half(k), np.log(2) / k, rtol=1e-9)
    np.testing.assert_allclose(cr.grad(t_half)(k), -np.log(2) / k ** 2, rtol=1e-8)


def test_events_under_jit_and_vmap_are_nan_padded():
    def events_of(h):
        sol = solve_ivp(fall, (0.0, 10.0), cnp.stack([h, 3.0]), events=[ground, apex],
                        max_events=3)
        return sol.t_events, sol.status
    (t_ground, t_apex), status = cr.jit(events_of)(10.0)
    assert int(status) == 1
    np.testing.assert_allclose(t_ground[0], hit_time(10.0, 3.0), rtol=1e-12)
    assert t_ground.shape == (3,) and np.all(np.isnan(t_ground[1:]))
    np.testing.assert_allclose(t_apex[0], 3.0 / G, rtol=1e-12)
    hs = np.array([5.0, 10.0, 20.0])
    (tg, _), _ = cr.vmap(events_of)(hs)
    np.testing.assert_allclose(tg[:, 0], hit_time(hs, 3.0), rtol=1e-12)
    g = cr.jit(cr.vmap(cr.grad(lambda h: events_of(h)[0][0][0])))(hs)
    np.testing.assert_allclose(g, 1 / np.sqrt(9.0 + 2 * G * hs), rtol=1e-10)


def test_too_many_events_and_bad_events():
    def osc(t, y):
        return cnp.stack([y[1], -y[0]])
    sol = solve_ivp(osc, (0.0, 20.0), [1.0, 0.0], events=lambda t, y: y[0], max_events=2)
    assert sol.status == -1 and not sol.success and "max_events" in sol.message
    assert sol.t_events[0].shape == (2,)
    with pytest.raises(ValueError, match="must return a scalar"):
        solve_ivp(osc, (0.0, 1.0), [1.0, 0.0], events=lambda t, y: y)
    bad = lambda t, y: y[0]  # noqa: E731
    bad.terminal = -1
    with pytest.raises(ValueError, match="terminal"):
        solve_ivp(osc, (0.0, 1.0), [1.0, 0.0], events=bad)
    with pytest.raises(ValueError, match="adjoint='direct'"):
        solve_ivp(osc, (0.0, 1.0), [1.0, 0.0], events=ground, adjoint="backsolve")
