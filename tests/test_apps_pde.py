"""chainrule.apps.pde: Burgers against Cole–Hopf, RK4 order, derivatives, inverse problem."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.apps import pde


def _burgers_jit():
    return cr.jit(lambda u0, nu, dt, steps: pde.burgers(u0, nu, dt, steps),
                  static_argnums=(2, 3))


def test_cole_hopf_solution_satisfies_burgers():
    # Independent check of the reference: centred finite differences of the formula.
    nu, c, h = 0.7, 0.4, 1e-4
    x = np.linspace(0, 2 * np.pi, 13)
    for t in (0.0, 0.8):
        u = pde.cole_hopf_solution(x, t, nu, c)
        u_t = (pde.cole_hopf_solution(x, t + h, nu, c)
               - pde.cole_hopf_solution(x, t - h, nu, c)) / (2 * h)
        u_x = (pde.cole_hopf_solution(x + h, t, nu, c)
               - pde.cole_hopf_solution(x - h, t, nu, c)) / (2 * h)
        u_xx = (pde.cole_hopf_solution(x + h, t, nu, c) - 2 * u
                + pde.cole_hopf_solution(x - h, t, nu, c)) / h**2
        residual = u_t + u * u_x - nu * u_xx
        assert np.max(np.abs(residual)) < 1e-6
        assert np.max(np.abs(u_t)) > 0.1          # the residual is small, not the terms


def test_burgers_matches_cole_hopf_at_fourth_order_in_dt():
    # c = 0.3 on 32 points: the Fourier modes of the solution fall as 0.15**m, so the
    # space error (~1e-13) is far below the time error and the RK4 rate shows.
    nu, c, T = 1.0, 0.3, 1.0
    x = pde.grid(32)
    u0, exact = pde.cole_hopf_solution(x, 0.0, nu, c), pde.cole_hopf_solution(x, T, nu, c)
    f = _burgers_jit()
    errors = np.array([np.max(np.abs(f(u0, nu, T / s, s) - exact)) for s in (40, 80, 160)])
    assert errors[-1] < 5e-11
    rates = np.log2(errors[:-1] / errors[1:])
    np.testing.assert_allclose(rates, 4.0, atol=0.15)


def test_burgers_spectral_in_space():
    # Fixed small step: the modes of the solution fall as (1/3)**m, so each doubling of
    # n (twice as many kept modes) at least squares the relative error (geometric decay).
    nu, c, T = 0.5, 0.6, 0.5
    errors = []
    for n in (8, 16, 32, 64):
        x = pde.grid(n)
        u = pde.burgers(pde.cole_hopf_solution(x, 0.0, nu, c), nu, 0.005, 100)
        errors.append(np.max(np.abs(u - pde.cole_hopf_solution(x, T, nu, c))))
    errors = np.array(errors)
    assert np.all(errors[1:] < errors[:-1] ** 1.5) and errors[-1] < 1e-10


def test_burgers_other_length_and_eager_equals_jit():
    # On [0, L) the solution sin(2 pi x / L)-type data scales: u_L(x, t) = s u(s x, s^2 t)
    # with s = 2 pi / L, nu unchanged.
    L, nu, c, T = 3.0, 0.4, 0.5, 0.3
    s = 2 * np.pi / L
    x = pde.grid(32, L)
    u0 = s * pde.cole_hopf_solution(s * x, 0.0, nu, c)
    u = pde.burgers(u0, nu, 0.001, 300, length=L)
    np.testing.assert_allclose(u, s * pde.cole_hopf_solution(s * x, s * s * T, nu, c),
                               atol=1e-8)
    np.testing.assert_allclose(_burgers_jit()(u0, nu, 0.01, 10),
                               pde.burgers(u0, nu, 0.01, 10), atol=1e-14)


def test_jit_traces_the_time_loop_once():
    u0 = np.sin(pde.grid(16))
    sizes = {steps: len(cr.make_ir(lambda u, nu: pde.burgers(u, nu, 0.01, steps))(u0, 0.1).eqns)
             for steps in (2, 50)}
    assert sizes[2] == sizes[50]


@pytest.mark.parametrize("order", [1, 2])
def test_burgers_check_grads(order):
    x = pde.grid(8)
    u0 = np.sin(x) + 0.3 * np.cos(2 * x)
    cr.check_grads(lambda u, nu: pde.burgers(u, nu, 0.05, 3), (u0, 0.3), order=order,
                   modes=("fwd", "rev"))


def test_burgers_grad_in_nu_matches_central_difference():
    # The derivative that the inverse problem uses, at a realistic size.
    x = pde.grid(32)
    u0 = pde.cole_hopf_solution(x, 0.0, 0.3, 0.5)

    def loss(nu):
        return cr.numpy.sum(pde.burgers(u0, nu, 0.02, 25) ** 2)

    h = 1e-6
    fd = (loss(0.3 + h) - loss(0.3 - h)) / (2 * h)
    np.testing.assert_allclose(cr.grad(loss)(0.3), fd, rtol=1e-7)
    np.testing.assert_allclose(cr.jit(cr.grad(loss))(0.3), cr.grad(loss)(0.3), rtol=1e-13)


def test_recover_viscosity_from_snapshot():
    nu_true, dt, steps = 0.25, 0.02, 50
    x = pde.grid(32)
    u0 = np.sin(x) + 0.5 * np.sin(2 * x + 1.0)
    snapshot = pde.burgers(u0, nu_true, dt, steps)
    res = pde.fit_viscosity(u0, snapshot, dt, steps, nu0=1.0)
    assert res.success
    assert abs(res.x[0] - nu_true) < 0.01 * nu_true
