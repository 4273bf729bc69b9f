"""chainrule.ode dense output: ``sol.sol`` against SciPy's OdeSolution, shapes, order,
range, derivatives, jit and vmap."""

import numpy as np
import pytest
import scipy.integrate as si

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.ode import OdeSolution, solve_ivp

P_LV = (1.5, 1.0, 3.0, 1.0)
TQ = np.array([3.3, 0.1, 4.77, 2.5, 0.1, 5.0, 0.0])  # unsorted, repeated, both ends


def lv(t, y, a, b, c, d):
    return cnp.stack([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])


def lv_np(t, y, a, b, c, d):
    return np.array([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])


@pytest.mark.parametrize("method, tol", [("RK45", 1e-13), ("DOP853", 1e-11), ("RK23", 1e-13),
                                         ("Radau", 1e-6), ("BDF", 1e-6)])
def test_matches_scipy_odesolution(method, tol):
    kw = dict(method=method, args=P_LV, dense_output=True, rtol=1e-6, atol=1e-8)
    sol = solve_ivp(lv, (0.0, 5.0), [1.0, 1.0], **kw)
    ref = si.solve_ivp(lv_np, (0.0, 5.0), [1.0, 1.0], **kw)
    assert isinstance(sol.sol, OdeSolution)
    # The explicit methods take SciPy's steps exactly; the implicit ones drift apart by
    # rounding, within the tolerance.
    np.testing.assert_allclose(sol.sol(TQ), ref.sol(TQ), rtol=tol, atol=tol)
    assert sol.sol(1.7).shape == (2,)
    np.testing.assert_allclose(sol.sol(1.7), ref.sol(1.7), rtol=tol, atol=tol)
    assert float(sol.sol.t_min) == 0.0 and float(sol.sol.t_max) == 5.0


def test_backwards_in_time_and_range():
    sol = solve_ivp(lambda t, y: -0.5 * y, (2.0, 0.0), [1.0], dense_output=True, rtol=1e-10,
                    atol=1e-12)
    np.testing.assert_allclose(sol.sol([0.0, 1.5, 0.5])[0], np.exp(0.5 * (2.0 - np.array(
        [0.0, 1.5, 0.5]))), rtol=1e-9)
    with pytest.raises(ValueError, match="t_min, t_max"):
        sol.sol(2.5)


def test_stops_at_a_terminal_event():
    def ground(t, y):
        return y[0]
    ground.terminal = True
    sol = solve_ivp(lambda t, y: cnp.stack([y[1], -9.81 + 0.0 * y[0]]), (0.0, 10.0),
                    [10.0, 0.0], events=ground, dense_output=True)
    t_hit = np.sqrt(2 * 10.0 / 9.81)
    np.testing.assert_allclose(float(sol.sol.t_max), t_hit, rtol=1e-12)
    np.testing.assert_allclose(sol.sol(t_hit / 2)[0], 10.0 - 9.81 * t_hit ** 2 / 8, rtol=1e-12)


def test_derivatives_of_the_dense_solution():
    def at(t, y0):
        return solve_ivp(lv, (0.0, 3.5), y0, args=P_LV, dense_output=True, rtol=1e-10,
                         atol=1e-10).sol(t)
    y0 = np.array([1.0, 1.0])
    # In t: the interpolant's slope, the right-hand side to the tolerance.
    dt = cr.jacfwd(at)(3.3, y0)
    np.testing.assert_allclose(dt, lv_np(3.3, at(3.3, y0), *P_LV), rtol=1e-6)
    # In y0: the same derivative as the solve with t as an output time.
    jac = cr.jacrev(lambda y: at(np.array([2.0, 3.3]), y))(y0)
    direct = cr.jacfwd(lambda y: solve_ivp(lv, (0.0, 3.5), y, args=P_LV, t_eval=[2.0, 3.3],
                                           rtol=1e-10, atol=1e-10).y)(y0)
    np.testing.assert_allclose(jac, direct, rtol=1e-10, atol=1e-12)


def test_jit_and_vmap():
    sol = cr.jit(lambda y0: solve_ivp(lv, (0.0, 5.0), y0, args=P_LV, dense_output=True))(
        np.array([1.0, 1.0]))
    eager = solve_ivp(lv, (0.0, 5.0), [1.0, 1.0], args=P_LV, dense_output=True)
    np.testing.assert_allclose(sol.sol(TQ), eager.sol(TQ), rtol=1e-13)
    np.testing.assert_allclose(cr.jit(eager.sol)(TQ), eager.sol(TQ), rtol=1e-13)
    ys = np.array([[1.0, 1.0], [0.5, 2.0]])
    batched = cr.vmap(lambda y0: solve_ivp(lv, (0.0, 5.0), y0, args=P_LV,
                                           dense_output=True).sol(TQ))(ys)
    loop = [solve_ivp(lv, (0.0, 5.0), y0, args=P_LV, dense_output=True).sol(TQ) for y0 in ys]
    np.testing.assert_allclose(batched, loop, rtol=1e-12)
