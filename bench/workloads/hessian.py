"""Hessian of ``sum(sin(x) * x**2) + 0.5 * x @ A @ x`` at n = 100.

Second order by forward-over-reverse: one Hessian column per input element, so it measures
how well nested transforms and their batching work.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for
from ._common import rng

N, SMOKE_N = 100, 5


def objective(xp, a):
    """The scalar function whose Hessian is taken."""
    def f(x):
        return xp.sum(xp.sin(x) * x ** 2) + 0.5 * (x @ (a @ x))
    return f


def hessian_numpy(x, a):
    """Closed form: diag(2 sin x + 4 x cos x - x^2 sin x) + (A + A^T) / 2."""
    s, c = np.sin(x), np.cos(x)
    return np.diag(2 * s + 4 * x * c - x * x * s) + 0.5 * (a + a.T)


def _numpy(libs, lib, x, a):
    return lambda: hessian_numpy(x, a)


def _chainrule(libs, lib, x, a):
    h = libs.jit(lib, libs.cr.hessian(objective(libs.cnp, a)))
    return lambda: h(x)


def _torch(libs, lib, x, a):
    torch = libs.torch
    h = torch.func.hessian(objective(torch, torch.from_numpy(a)))
    xt = torch.from_numpy(x)
    return lambda: h(xt)


def _jax(libs, lib, x, a):
    h = libs.jit(lib, libs.jax.hessian(objective(libs.jnp, libs.jax.device_put(a))))
    xj = libs.jax.device_put(x)
    return lambda: h(xj)


def _autograd(libs, lib, x, a):
    h = libs.ag.hessian(objective(libs.anp, a))
    return lambda: h(x)


BUILDERS = {"numpy": _numpy, "chainrule": _chainrule, "chainrule jit": _chainrule,
            "torch": _torch, "jax": _jax, "jax jit": _jax, "autograd": _autograd}
NOTES = {"chainrule": "chainrule.hessian (jacfwd of jacrev)",
         "torch": "torch.func.hessian (jacfwd of jacrev, vmapped)",
         "jax": "jax.hessian (jacfwd of jacrev, vmapped)",
         "autograd": "autograd.hessian (reverse over reverse)",
         "numpy": "closed form"}


def cases(libs, cfg):
    """The dense n x n Hessian."""
    n = SMOKE_N if cfg.smoke else N
    g = rng(5)
    x, a = g.normal(size=n), g.normal(size=(n, n)) / n
    return [Case("hessian", f"hessian n={n}", {"n": n}, lambda: hessian_numpy(x, a),
                 impls_for(libs, BUILDERS, x, a, notes=NOTES), rtol=1e-8, atol=1e-10)]


WORKLOAD = Workload(
    name="hessian",
    title="Hessian at n = 100",
    description=(
        "Dense Hessian of `sum(sin(x) * x**2) + 0.5 * x @ A @ x` for x in R^100, with "
        "each library's Hessian function (the notes say which composition it uses). The "
        "NumPy reference is the closed form, so its time is only a floor."),
    cases=cases,
)
