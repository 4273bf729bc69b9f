"""N-body: gradient of the final kinetic energy with respect to the initial positions.

64 bodies in 3-D, softened gravity (all pairs), 100 kick-drift-kick leapfrog steps. Reverse
mode has to keep every step's state: a long program of small (64, 64, 3) operations.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for
from ._common import rng

N_BODIES, N_STEPS = 64, 100
SMOKE_BODIES, SMOKE_STEPS = 8, 5
DT, EPS2 = 0.01, 0.01


def make_problem(n):
    """Initial positions, velocities and masses (fixed seed)."""
    g = rng(4)
    q = g.normal(size=(n, 3))
    v = g.normal(scale=0.3, size=(n, 3))
    m = g.uniform(0.5, 1.5, size=n) / n
    return q, v, m


def acceleration(xp, q, m, n):
    """Softened gravitational acceleration of every body (G = 1)."""
    d = xp.reshape(q, (1, n, 3)) - xp.reshape(q, (n, 1, 3))  # d[i, j] = q_j - q_i
    s = xp.sum(d * d, 2) + EPS2
    w = m * s ** -1.5
    return xp.sum(xp.reshape(w, (n, n, 1)) * d, 1)


def final_kinetic_energy(xp, q, v, m, n, steps):
    """Kinetic energy after ``steps`` leapfrog steps from ``(q, v)``."""
    h = 0.5 * DT
    a = acceleration(xp, q, m, n)
    for _ in range(steps):
        v = v + h * a
        q = q + DT * v
        a = acceleration(xp, q, m, n)
        v = v + h * a
    return 0.5 * xp.sum(xp.reshape(m, (n, 1)) * v * v)


def _acc_numpy(q, m):
    d = q[None, :, :] - q[:, None, :]
    s = np.sum(d * d, 2) + EPS2
    w = m * s ** -1.5
    return np.sum(w[:, :, None] * d, 1), (d, s, w)


def _acc_vjp_numpy(m, saved, abar):
    d, s, w = saved
    proj = np.einsum("ik,ijk->ij", abar, d)
    dbar = w[:, :, None] * abar[:, None, :] - (3.0 * m * s ** -2.5 * proj)[:, :, None] * d
    return dbar.sum(0) - dbar.sum(1)


def value_and_grad_numpy(q, v, m, steps):
    """Hand-written adjoint of :func:`final_kinetic_energy` (NumPy reference)."""
    h = 0.5 * DT
    a, saved = _acc_numpy(q, m)
    tape = [saved]
    for _ in range(steps):
        v = v + h * a
        q = q + DT * v
        a, saved = _acc_numpy(q, m)
        tape.append(saved)
        v = v + h * a
    value = 0.5 * np.sum(m[:, None] * v * v)
    qbar, vbar, abar = np.zeros_like(q), m[:, None] * v, np.zeros_like(q)
    for k in range(steps, 0, -1):
        ubar = vbar
        abar = abar + h * vbar
        qbar = qbar + _acc_vjp_numpy(m, tape[k], abar)
        ubar = ubar + DT * qbar
        vbar, abar = ubar, h * ubar
    qbar = qbar + _acc_vjp_numpy(m, tape[0], abar)
    return value, qbar


def _numpy(libs, lib, problem, steps):
    q, v, m = problem
    return lambda: value_and_grad_numpy(q, v, m, steps)


def _generic(libs, lib, problem, steps):
    xp = libs.xp(lib)
    q, v, m = (libs.asarray(lib, a) for a in problem)
    n = problem[0].shape[0]
    vg = libs.value_and_grad(lib, lambda q0: final_kinetic_energy(xp, q0, v, m, n, steps))
    return lambda: vg(q)


def cases(libs, cfg):
    """value_and_grad of the final kinetic energy."""
    n, steps = (SMOKE_BODIES, SMOKE_STEPS) if cfg.smoke else (N_BODIES, N_STEPS)
    problem = make_problem(n)
    builders = {lib: _generic for lib in ("chainrule", "chainrule jit", "torch", "jax",
                                          "jax jit", "autograd")}
    builders["numpy"] = _numpy
    notes = {"jax jit": "Python loop unrolled under jit (first call includes compiling it)"}
    return [Case("nbody", "value_and_grad", {"bodies": n, "steps": steps, "dt": DT,
                                              "eps2": EPS2},
                 lambda: value_and_grad_numpy(*problem, steps),
                 impls_for(libs, builders, problem, steps, notes=notes), rtol=1e-7)]


WORKLOAD = Workload(
    name="nbody",
    title="N-body (64 bodies, 100 leapfrog steps): d(kinetic energy)/d(initial positions)",
    description=(
        "All-pairs softened gravity, kick-drift-kick leapfrog, `value_and_grad` of the "
        "final kinetic energy with respect to the initial positions. About 15 array "
        "operations of shape (64, 64, 3) or smaller per step, 1500 in all, so per-op "
        "overhead matters as much as arithmetic. The NumPy reference is a hand-written "
        "adjoint (reverse sweep over the stored steps)."),
    cases=cases,
)
