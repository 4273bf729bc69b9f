"""Burgers: gradient of the final state's energy with respect to the initial state.

The viscous Burgers equation ``u_t + u u_x = nu u_xx`` on a 256-point periodic grid,
pseudo-spectral (``rfft``/``irfft``, 2/3 dealiasing) with 200 classical Runge-Kutta steps:
``value_and_grad`` of ``0.5 sum(u(T)^2)`` with respect to ``u(0)``.  chainrule runs the
solver of ``chainrule.apps.pde.burgers`` (a ``fori_loop``, traced once under ``jit``);
the same under ``jit(backend="numba")``, compiled whole (loop and FFTs) to native code;
JAX under ``jit`` the same scheme in ``jax.lax.fori_loop``; PyTorch and autograd a Python
loop (eager JAX is left out: about 18 s per gradient).  The NumPy reference is a
hand-written discrete adjoint.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for

N, STEPS, DT, NU = 256, 200, 2e-3, 0.05
SMOKE_N, SMOKE_STEPS = 32, 5


def make_problem(n):
    """A smooth initial state with a few modes (fixed)."""
    x = np.arange(n) * (2 * np.pi / n)
    return np.sin(x) + 0.5 * np.cos(2 * x + 0.3) + 0.2 * np.sin(5 * x)


def operators(n):
    """``i k`` and ``-k^2`` times the 2/3-rule mask, and the mask itself (rfft layout)."""
    m = np.arange(n // 2 + 1)
    mask = (3 * m < n).astype(float)
    return 1j * m * mask, -(m * m) * mask, mask


def _numpy_ops(n):
    ik, lap, mask = operators(n)

    def mult(symbol, u):
        return np.fft.irfft(symbol * np.fft.rfft(u), n)

    def rhs(u):     # 4 transforms, as in chainrule.apps.pde.burgers
        u_hat = np.fft.rfft(u)
        v = np.fft.irfft(mask * u_hat, n)
        return np.fft.irfft(-0.5 * ik * np.fft.rfft(v * v) + NU * lap * u_hat, n)

    def rhs_vjp(u, lam):
        # r(u) = -0.5 Dx (P u)^2 + nu L u with Dx skew-adjoint, P and L self-adjoint, so
        # J(u)^T lam = P((P u) Dx lam) + nu L lam.
        return mult(mask, mult(mask, u) * mult(ik, lam)) + NU * mult(lap, lam)
    return mult, mask, rhs, rhs_vjp


def value_and_grad_numpy(u0, steps):
    """Hand-written discrete adjoint of the RK4 pseudo-spectral solver (the reference)."""
    n, h = u0.size, DT
    mult, mask, rhs, rhs_vjp = _numpy_ops(n)
    u = mult(mask, u0)
    tape = []
    for _ in range(steps):
        k1 = rhs(u)
        a2 = u + 0.5 * h * k1
        k2 = rhs(a2)
        a3 = u + 0.5 * h * k2
        k3 = rhs(a3)
        a4 = u + h * k3
        k4 = rhs(a4)
        tape.append((u, a2, a3, a4))
        u = u + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    value = 0.5 * np.sum(u * u)
    ubar = u.copy()
    for u, a2, a3, a4 in reversed(tape):
        k1b, k2b, k3b, k4b = (h / 6) * ubar, (h / 3) * ubar, (h / 3) * ubar, (h / 6) * ubar
        g4 = rhs_vjp(a4, k4b)
        k3b = k3b + h * g4
        g3 = rhs_vjp(a3, k3b)
        k2b = k2b + 0.5 * h * g3
        g2 = rhs_vjp(a2, k2b)
        k1b = k1b + 0.5 * h * g2
        ubar = ubar + g4 + g3 + g2 + rhs_vjp(u, k1b)
    return value, mult(mask, ubar)


def final_energy(xp, fft, u0, ops, steps, n, loop=None):
    """``0.5 sum(u(T)^2)`` by the RK4 pseudo-spectral solver written against ``xp``."""
    ik, lap, mask = ops

    def rhs(u):     # 4 transforms, as in chainrule.apps.pde.burgers
        u_hat = fft.rfft(u)
        v = fft.irfft(mask * u_hat, n)
        return fft.irfft(-0.5 * ik * fft.rfft(v * v) + NU * lap * u_hat, n)

    def step(_, u):
        k1 = rhs(u)
        k2 = rhs(u + (0.5 * DT) * k1)
        k3 = rhs(u + (0.5 * DT) * k2)
        k4 = rhs(u + DT * k3)
        return u + (DT / 6) * (k1 + 2 * k2 + 2 * k3 + k4)

    u = fft.irfft(mask * fft.rfft(u0), n)
    if loop is None:
        for i in range(steps):
            u = step(i, u)
    else:
        u = loop(0, steps, step, u)
    return 0.5 * xp.sum(u * u)


def _numpy(libs, lib, u0, steps):
    return lambda: value_and_grad_numpy(u0, steps)


def _chainrule(libs, lib, u0, steps):
    import chainrule.numpy as cnp
    from chainrule.apps import pde

    vg = libs.value_and_grad(lib, lambda u: 0.5 * cnp.sum(
        pde.burgers(u, NU, DT, steps) ** 2))
    return lambda: vg(u0)


def _generic(libs, lib, u0, steps):
    xp = libs.xp(lib)
    n = u0.size
    ops = tuple(libs.asarray(lib, a) for a in operators(n))
    fft = xp.fft
    loop = libs.jax.lax.fori_loop if lib == "jax jit" else None
    x = libs.asarray(lib, u0)
    vg = libs.value_and_grad(lib, lambda u: final_energy(xp, fft, u, ops, steps, n, loop))
    return lambda: vg(x)


def cases(libs, cfg):
    """value_and_grad of the final energy with respect to the initial state."""
    n, steps = (SMOKE_N, SMOKE_STEPS) if cfg.smoke else (N, STEPS)
    u0 = make_problem(n)
    builders = {lib: _generic for lib in ("torch", "jax jit", "autograd")}
    builders.update({"numpy": _numpy, "chainrule": _chainrule, "chainrule jit": _chainrule,
                     "chainrule jit+numba": _chainrule})
    notes = {"jax jit": "lax.fori_loop, compiled once",
             "chainrule jit": "apps.pde.burgers (fori_loop), compiled once",
             "chainrule jit+numba": "apps.pde.burgers, the whole loop and its FFTs compiled "
                                    "by Numba",
             "chainrule": "apps.pde.burgers (fori_loop)",
             "torch": "Python loop", "autograd": "Python loop"}
    missing = {"jax": "not run: eager JAX dispatches every operation (about 18 s per "
                      "gradient on this problem); the jax jit row is the comparison"}
    return [Case("burgers", "value_and_grad", {"n": n, "steps": steps, "dt": DT, "nu": NU},
                 lambda: value_and_grad_numpy(u0, steps),
                 impls_for(libs, builders, u0, steps, notes=notes, missing=missing),
                 rtol=1e-9, atol=1e-12)]


WORKLOAD = Workload(
    name="burgers",
    title=f"Burgers ({N} points, {STEPS} RK4 steps): d(final energy)/d(initial state)",
    description=(
        "Viscous Burgers, pseudo-spectral with 2/3 dealiasing and RK4: `value_and_grad` of "
        "half the sum of squares of the final state with respect to the initial state. "
        "Each step is 4 right-hand sides of 2 real FFT pairs on 256 points, so the cost is "
        "per-operation overhead more than arithmetic. The NumPy reference is a hand-written "
        "discrete adjoint (reverse sweep over the stored stages)."),
    cases=cases,
)
