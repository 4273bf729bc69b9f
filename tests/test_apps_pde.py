"""chainrule.apps.pde: Burgers against Cole–Hopf, RK4 order, derivatives, inverse problem."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.apps import pde
from chainrule.cli.demo_science import _peak_memory


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


# --- 2-D Navier–Stokes (vorticity form) ------------------------------------------------

def _field(n):
    X, Y = pde.grid2d(n)
    return np.sin(X) * np.cos(2 * Y) + 0.5 * np.cos(X + Y) + 0.3 * np.sin(3 * X - Y)


def _ns_jit():
    return cr.jit(lambda w, nu, dt, steps: pde.navier_stokes(w, nu, dt, steps),
                  static_argnums=(2, 3))


def test_velocity_is_divergence_free_with_the_right_curl():
    n = 16
    X, Y = pde.grid2d(n)
    # psi = cos x + sin(2y) / 4 gives omega = cos x + sin 2y, u = cos(2y) / 2, v = sin x.
    u, v = pde.velocity(np.cos(X) + np.sin(2 * Y))
    np.testing.assert_allclose(u, 0.5 * np.cos(2 * Y), atol=1e-14)
    np.testing.assert_allclose(v, np.sin(X), atol=1e-14)


def test_vorticity_rhs_matches_the_analytic_tendency():
    # omega = cos x + sin 2y: u omega_x + v omega_y = 1.5 sin x cos 2y, and
    # nu laplacian(omega) = -nu (cos x + 4 sin 2y).
    nu = 0.3
    X, Y = pde.grid2d(16)
    w = np.cos(X) + np.sin(2 * Y)
    expected = -1.5 * np.sin(X) * np.cos(2 * Y) - nu * (np.cos(X) + 4 * np.sin(2 * Y))
    np.testing.assert_allclose(pde.vorticity_rhs(w, nu), expected, atol=1e-13)


def test_navier_stokes_taylor_green_fourth_order_in_dt():
    nu, T = 0.5, 1.0
    X, Y = pde.grid2d(16)
    w0, exact = (pde.taylor_green_vorticity(X, Y, t, nu) for t in (0.0, T))
    f = _ns_jit()
    errors = np.array([np.max(np.abs(f(w0, nu, T / s, s) - exact)) for s in (10, 20, 40)])
    assert errors[-1] < 5e-9
    np.testing.assert_allclose(np.log2(errors[:-1] / errors[1:]), 4.0, atol=0.15)


def test_navier_stokes_nonlinear_flow_converges_at_fourth_order():
    # The advection term of Taylor-Green vanishes; on a general field it does not, and
    # the differences between successive step halvings fall by 2**4.
    w0, f = _field(16), _ns_jit()
    sols = [f(w0, 0.02, 1.0 / s, s) for s in (20, 40, 80, 160)]
    diffs = np.array([np.max(np.abs(a - b)) for a, b in zip(sols[:-1], sols[1:])])
    assert np.max(np.abs(sols[-1] - w0)) > 0.1         # the flow did evolve
    np.testing.assert_allclose(np.log2(diffs[:-1] / diffs[1:]), 4.0, atol=0.15)


def test_inviscid_flow_conserves_energy_and_enstrophy():
    w0 = _field(16)
    w = _ns_jit()(w0, 0.0, 0.01, 100)

    def energy(w):
        u, v = pde.velocity(w)
        return 0.5 * np.mean(u * u + v * v)

    assert np.max(np.abs(w - w0)) > 0.1
    assert abs(energy(w) / energy(w0) - 1) < 1e-9
    assert abs(np.mean(w * w) / np.mean(w0 * w0) - 1) < 1e-9
    assert abs(np.mean(w) - np.mean(w0)) < 1e-14


def test_navier_stokes_eager_equals_jit_and_traces_once():
    w0 = _field(8)
    np.testing.assert_allclose(_ns_jit()(w0, 0.05, 0.1, 7),
                               pde.navier_stokes(w0, 0.05, 0.1, 7, checkpoint_every=3),
                               atol=1e-14)
    sizes = {s: len(cr.make_ir(lambda w, nu: pde.navier_stokes(w, nu, 0.1, s))(w0, 0.1).eqns)
             for s in (2, 50)}
    assert sizes[2] == sizes[50]


def test_navier_stokes_rejects_non_square_fields():
    with pytest.raises(ValueError, match=r"square \(n, n\) array.*shape \(4, 6\)"):
        pde.navier_stokes(np.zeros((4, 6)), 0.1, 0.1, 1)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("checkpoint_every", [None, 2])
def test_navier_stokes_check_grads(order, checkpoint_every):
    cr.check_grads(lambda w, nu: pde.navier_stokes(w, nu, 0.1, 3,
                                                   checkpoint_every=checkpoint_every),
                   (_field(8), 0.05), order=order, modes=("fwd", "rev"))


@pytest.mark.parametrize("jit", [False, True])
def test_checkpointed_gradient_is_the_same_in_a_fraction_of_the_memory(jit):
    n, steps = 16, 64
    w0 = _field(n)

    def gradient(every):
        g = cr.grad(lambda w: cr.numpy.sum(
            pde.navier_stokes(w, 0.05, 0.01, steps, checkpoint_every=every) ** 2))
        return cr.jit(g) if jit else g

    plain_peak, plain = _peak_memory(gradient(None), w0)
    ck_peak, ck = _peak_memory(gradient(8), w0)
    np.testing.assert_allclose(ck, plain, rtol=1e-12, atol=1e-15)
    # Plain reverse mode keeps ~ 28 fields per step (every RK4 stage's intermediates);
    # segments of 8 keep 8 states plus one segment's intermediates.
    state = n * n * 8
    assert plain_peak > 10 * steps * state
    assert ck_peak < 0.35 * plain_peak


def test_fit_initial_vorticity_recovers_the_field():
    w_true = _field(16)
    obs = pde.navier_stokes(w_true, 0.02, 0.05, 20)
    res = pde.fit_initial_vorticity(obs, 0.02, 0.05, 20, checkpoint_every=5)
    assert res.x.shape == (16, 16)
    assert np.max(np.abs(res.x - w_true)) < 1e-6


# --- 2-D advection–diffusion by finite volumes ------------------------------------------

def _sine_mode_errors(scheme, ns, a=1.0, b=0.5, kappa=0.05, T=1.0):
    """Max error against c = exp(-2 kappa t) sin(x - a t + y - b t), as cell averages."""
    errors = []
    for n in ns:
        X, Y = pde.grid2d(n)
        h = 2 * np.pi / n
        avg = (np.sin(h / 2) / (h / 2)) ** 2          # cell average of sin(x + y) / sin
        steps = int(np.ceil(T / min(0.2 * h, h * h / (8 * kappa))))
        c = pde.advection_diffusion(avg * np.sin(X + Y), (a, b), kappa, T / steps, steps,
                                    scheme=scheme)
        exact = avg * np.exp(-2 * kappa * T) * np.sin(X - a * T + Y - b * T)
        errors.append(np.max(np.abs(c - exact)))
    return np.array(errors)


def test_advection_diffusion_upwind_is_first_order():
    errors = _sine_mode_errors("upwind", (32, 64, 128))
    np.testing.assert_allclose(np.log2(errors[:-1] / errors[1:]), 1.0, atol=0.12)


def test_advection_diffusion_minmod_is_nearly_second_order():
    # The limiter clips the slopes at the extrema, so the max-norm rate approaches 2.
    errors = _sine_mode_errors("minmod", (32, 64, 128))
    rates = np.log2(errors[:-1] / errors[1:])
    assert np.all(rates > 1.65) and np.all(rates < 2.1) and errors[-1] < 3e-3


@pytest.mark.parametrize("scheme", ["upwind", "minmod"])
def test_advection_diffusion_conserves_and_adds_no_extrema(scheme):
    # A square of tracer in a swirling (Taylor-Green) flow: the total is conserved to
    # rounding and, without diffusion, no value leaves [0, 1].
    n = 32
    X, Y = pde.grid2d(n)
    h = 2 * np.pi / n
    c0 = ((np.abs(X - 2.0) < 1.0) & (np.abs(Y - 3.0) < 1.0)).astype(float)
    u = np.sin(X + h / 2) * np.cos(Y)                 # on the x-faces
    v = -np.cos(X) * np.sin(Y + h / 2)                # on the y-faces
    for kappa in (0.0, 0.02):
        c = pde.advection_diffusion(c0, (u, v), kappa, 0.04, 50, scheme=scheme)
        assert abs(c.sum() - c0.sum()) < 1e-12 * c0.sum()
        assert np.max(np.abs(c - c0)) > 0.3
        if kappa == 0.0:
            assert c.min() > -1e-12 and c.max() < 1 + 1e-12


def test_advection_diffusion_rejects_unknown_scheme():
    with pytest.raises(ValueError, match="'minmod' or 'upwind', got 'weno'"):
        pde.advection_diffusion(np.zeros((4, 4)), (1.0, 1.0), 0.1, 0.1, 1, scheme="weno")


@pytest.mark.parametrize("scheme", ["upwind", "minmod"])
def test_advection_diffusion_check_grads(scheme):
    # Derivatives in the concentration, both velocity components and the diffusivity.
    # The limiter and upwind switch have kinks; a small step keeps the finite
    # differences of random data on one side of them.
    rng = np.random.default_rng(0)
    c0, u, v = rng.uniform(size=(6, 6)), rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    cr.check_grads(lambda c, u, v, k: pde.advection_diffusion(c, (u, v), k, 0.05, 3,
                                                             scheme=scheme,
                                                             checkpoint_every=2),
                   (c0, u, v, 0.1), order=2, modes=("fwd", "rev"), eps=1e-6)


def test_advection_diffusion_jit_equals_eager_and_traces_once():
    rng = np.random.default_rng(1)
    c0, u, v = rng.uniform(size=(8, 8)), rng.normal(size=(8, 8)), rng.normal(size=(8, 8))
    f = cr.jit(lambda c, u, v, k: pde.advection_diffusion(c, (u, v), k, 0.02, 9))
    np.testing.assert_allclose(f(c0, u, v, 0.1), pde.advection_diffusion(c0, (u, v), 0.1,
                                                                          0.02, 9), atol=1e-14)
    sizes = {s: len(cr.make_ir(lambda c: pde.advection_diffusion(c, (u, v), 0.1, 0.02, s))(
        c0).eqns) for s in (2, 40)}
    assert sizes[2] == sizes[40]


def test_navier_stokes_vmaps_over_initial_fields():
    fields = np.stack([_field(8), _field(8).T])
    batched = cr.vmap(lambda w: pde.navier_stokes(w, 0.05, 0.1, 4))(fields)
    np.testing.assert_allclose(batched, [pde.navier_stokes(w, 0.05, 0.1, 4) for w in fields],
                               atol=1e-14)
