"""Loop-heavy programs on small states, where the Numba backend should pay.

Every loop is a ``fori_loop`` (``jax.lax.fori_loop`` for JAX), so the jitted programs hold
one loop primitive whatever the number of steps:

- N-body: ``value_and_grad`` of the final kinetic energy with respect to the initial
  positions (64 bodies, 100 kick-drift-kick leapfrog steps, as in ``nbody`` but looped);
- 1-D viscous Burgers (256 periodic cells, 1000 explicit steps): the final energy, and its
  ``value_and_grad`` with respect to the viscosity;
- RK4 integration of a planar 3-body problem, 10^4 steps: the final state.

The first-call column holds tracing plus compilation (for Numba, with its on-disk cache
cold or warm as the machine left it: see ``docs/backends.md``).
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for
from . import nbody
from ._common import rng

BURGERS_CELLS, BURGERS_STEPS = 256, 1000
SMOKE_CELLS, SMOKE_STEPS = 32, 20
BURGERS_DT, BURGERS_NU = 1e-4, 0.01
RK4_STEPS, RK4_DT = 10_000, 1e-3
SMOKE_RK4_STEPS = 50
LIBS = ("chainrule jit", "chainrule jit+numba", "jax jit")


def _fori(libs, lib):
    if lib == "jax jit":
        return libs.jax.lax.fori_loop
    return libs.cr.lax.fori_loop


# --- N-body -------------------------------------------------------------------------------
def _nbody_energy(xp, fori, q, v, m, n, steps):
    h, dt = 0.5 * nbody.DT, nbody.DT

    def step(_, state):
        q, v, a = state
        v = v + h * a
        q = q + dt * v
        a = nbody.acceleration(xp, q, m, n)
        return q, v + h * a, a
    q, v, _ = fori(0, steps, step, (q, v, nbody.acceleration(xp, q, m, n)))
    return 0.5 * xp.sum(xp.reshape(m, (n, 1)) * v * v)


def _nbody(libs, lib, problem, steps):
    xp = libs.xp(lib)
    q, v, m = (libs.asarray(lib, a) for a in problem)
    n = problem[0].shape[0]
    fori = _fori(libs, lib)
    vg = libs.value_and_grad(lib, lambda q0: _nbody_energy(xp, fori, q0, v, m, n, steps))
    return lambda: vg(q)


# --- Burgers --------------------------------------------------------------------------------
def _burgers_step(xp, u, nu, dx):
    up, um = xp.roll(u, -1), xp.roll(u, 1)
    return (u - BURGERS_DT * u * (up - um) / (2 * dx)
            + nu * BURGERS_DT * (up - 2 * u + um) / dx ** 2)


def _burgers_energy(xp, fori, nu, u0, steps):
    dx = 1.0 / u0.shape[0]
    u = fori(0, steps, lambda i, u: _burgers_step(xp, u, nu, dx), u0)
    return xp.sum(u * u)


def burgers_numpy(nu, u0, steps, grad):
    """The final energy and (with ``grad``) its derivative with respect to ``nu``, by
    forward-mode tangents written out in NumPy (the reference)."""
    dx = 1.0 / u0.shape[0]
    u, du = u0.copy(), np.zeros_like(u0)
    for _ in range(steps):
        up, um = np.roll(u, -1), np.roll(u, 1)
        lap = (up - 2 * u + um) / dx ** 2
        if grad:
            dup, dum = np.roll(du, -1), np.roll(du, 1)
            du = (du - BURGERS_DT * (du * (up - um) + u * (dup - dum)) / (2 * dx)
                  + BURGERS_DT * lap + nu * BURGERS_DT * (dup - 2 * du + dum) / dx ** 2)
        u = u - BURGERS_DT * u * (up - um) / (2 * dx) + nu * BURGERS_DT * lap
    energy = np.sum(u * u)
    return (energy, np.sum(2 * u * du)) if grad else energy


def _burgers(libs, lib, u0, steps, grad):
    xp = libs.xp(lib)
    u = libs.asarray(lib, u0)
    fori = _fori(libs, lib)

    def f(nu):
        return _burgers_energy(xp, fori, nu, u, steps)
    fn = libs.value_and_grad(lib, f) if grad else libs.jit(lib, f)
    nu = libs.asarray(lib, np.float64(BURGERS_NU))
    return lambda: fn(nu)


# --- RK4 three-body -------------------------------------------------------------------------
def _three_body_rhs(xp, y, m):
    """Planar 3-body gravity (G = 1, softened); ``y`` holds 6 positions then 6 velocities."""
    q = xp.reshape(y[:6], (3, 2))
    d = xp.reshape(q, (1, 3, 2)) - xp.reshape(q, (3, 1, 2))
    r3 = (xp.sum(d * d, 2) + 1e-3) ** -1.5
    a = xp.sum(xp.reshape(m * r3, (3, 3, 1)) * d, 1)
    return xp.concatenate([y[6:], xp.reshape(a, (6,))])


def _rk4(xp, fori, y0, m, steps):
    h = RK4_DT

    def step(_, y):
        k1 = _three_body_rhs(xp, y, m)
        k2 = _three_body_rhs(xp, y + 0.5 * h * k1, m)
        k3 = _three_body_rhs(xp, y + 0.5 * h * k2, m)
        k4 = _three_body_rhs(xp, y + h * k3, m)
        return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return fori(0, steps, step, y0)


def rk4_numpy(y0, m, steps):
    """The reference: the same steps in a Python loop over NumPy calls."""
    y = y0
    for _ in range(steps):
        y = _rk4(np, lambda lo, hi, f, y: f(0, y), y, m, 1)
    return y


def _rk4_impl(libs, lib, y0, m, steps):
    xp = libs.xp(lib)
    fori = _fori(libs, lib)
    fn = libs.jit(lib, lambda y: _rk4(xp, fori, y, libs.asarray(lib, m), steps))
    y = libs.asarray(lib, y0)
    return lambda: fn(y)


def _three_body_problem():
    q = np.array([[1.0, 0.0], [-0.5, 0.8], [-0.5, -0.8]])
    v = np.array([[0.0, 0.5], [-0.45, -0.25], [0.45, -0.25]])
    return np.concatenate([q.ravel(), v.ravel()]), np.array([1.0, 1.0, 1.0])


def cases(libs, cfg):
    """N-body gradient, Burgers forward and gradient, RK4 three-body."""
    n, steps = (nbody.SMOKE_BODIES, nbody.SMOKE_STEPS) if cfg.smoke else (
        nbody.N_BODIES, nbody.N_STEPS)
    cells, bsteps = (SMOKE_CELLS, SMOKE_STEPS) if cfg.smoke else (BURGERS_CELLS,
                                                                   BURGERS_STEPS)
    rsteps = SMOKE_RK4_STEPS if cfg.smoke else RK4_STEPS
    problem = nbody.make_problem(n)
    u0 = np.sin(np.linspace(0, 2 * np.pi, cells, endpoint=False)) + 0.1 * rng(9).normal(
        size=cells)
    y0, m = _three_body_problem()
    missing = {lib: "not measured here (see the nbody, overhead and ode workloads)"
               for lib in ("chainrule", "chainrule jit+fusion", "torch", "jax", "autograd")}
    out = [Case("numba_loops", f"N-body value_and_grad {n} bodies x {steps} steps",
                {"bodies": n, "steps": steps},
                lambda: nbody.value_and_grad_numpy(*problem, steps),
                impls_for(libs, {lib: _nbody for lib in LIBS}
                          | {"numpy": lambda libs, lib, p, s: (
                              lambda: nbody.value_and_grad_numpy(*p, s))},
                          problem, steps, missing=missing), rtol=1e-7)]
    for grad in (False, True):
        what = "value_and_grad d/d(viscosity)" if grad else "forward"
        out.append(Case(
            "numba_loops", f"Burgers {what} {cells} cells x {bsteps} steps",
            {"cells": cells, "steps": bsteps, "grad": grad},
            lambda grad=grad: burgers_numpy(BURGERS_NU, u0, bsteps, grad),
            impls_for(libs, {lib: _burgers for lib in LIBS}
                      | {"numpy": lambda libs, lib, u, s, g: (
                          lambda: burgers_numpy(BURGERS_NU, u, s, g))},
                      u0, bsteps, grad, missing=missing), rtol=1e-8))
    out.append(Case(
        "numba_loops", f"RK4 three-body {rsteps} steps", {"steps": rsteps},
        lambda: rk4_numpy(y0, m, rsteps),
        impls_for(libs, {lib: _rk4_impl for lib in LIBS}
                  | {"numpy": lambda libs, lib, y, mm, s: (lambda: rk4_numpy(y, mm, s))},
                  y0, m, rsteps, missing=missing), rtol=1e-9))
    return out


WORKLOAD = Workload(
    name="numba_loops",
    title="Loops over small states: chainrule's Numba backend against JAX jit",
    description=(
        "Programs whose work is a `fori_loop` of many small steps: N-body gradient (64 "
        "bodies, 100 leapfrog steps), 1-D viscous Burgers (256 cells, 1000 steps; final "
        "energy and its derivative with respect to the viscosity), RK4 on a planar 3-body "
        "problem (10^4 steps). `chainrule jit` runs each step through Python calling "
        "NumPy; `jit(backend=\"numba\")` compiles the whole loop, forward and backward, "
        "into one native function. The NumPy rows are references (hand-written adjoint or "
        "tangents, plain loops)."),
    cases=cases,
)
