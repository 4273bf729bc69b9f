"""Jacobians of ``tanh(W @ x)``: R^10 -> R^1000 by forward mode, R^1000 -> R^10 by reverse.

The shape of each problem favours one mode (few inputs: forward; few outputs: reverse), so
both cases need 10 Jacobian-vector (or vector-Jacobian) products.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for
from ._common import rng

SHAPES = {"fwd": (10, 1000), "rev": (1000, 10)}  # (inputs, outputs)
SMOKE_SHAPES = {"fwd": (3, 20), "rev": (20, 3)}


def jacobian_numpy(w, x):
    """Closed form: diag(1 - tanh(Wx)^2) W."""
    t = np.tanh(w @ x)
    return (1.0 - t * t)[:, None] * w


def _numpy(libs, lib, w, x, mode):
    return lambda: jacobian_numpy(w, x)


def _chainrule(libs, lib, w, x, mode):
    cnp = libs.cnp
    jac = libs.cr.jacfwd if mode == "fwd" else libs.cr.jacrev
    j = libs.jit(lib, jac(lambda v: cnp.tanh(w @ v)))
    return lambda: j(x)


def _torch(libs, lib, w, x, mode):
    torch = libs.torch
    wt, xt = torch.from_numpy(w), torch.from_numpy(x)
    jac = torch.func.jacfwd if mode == "fwd" else torch.func.jacrev
    j = jac(lambda v: torch.tanh(wt @ v))
    return lambda: j(xt)


def _jax(libs, lib, w, x, mode):
    jax, jnp = libs.jax, libs.jnp
    wj, xj = jax.device_put(w), jax.device_put(x)
    jac = jax.jacfwd if mode == "fwd" else jax.jacrev
    j = libs.jit(lib, jac(lambda v: jnp.tanh(wj @ v)))
    return lambda: j(xj)


def _autograd(libs, lib, w, x, mode):
    anp, ag = libs.anp, libs.ag

    def f(v):
        return anp.tanh(w @ v)
    if mode == "rev":
        j = ag.jacobian(f)
        return lambda: j(x)
    basis = np.eye(x.shape[0])

    def jacfwd(v):
        jvp = ag.make_jvp(f)(v)
        return np.stack([jvp(e)[1] for e in basis], axis=1)
    return lambda: jacfwd(x)


BUILDERS = {"numpy": _numpy, "chainrule": _chainrule, "chainrule jit": _chainrule,
            "torch": _torch, "jax": _jax, "jax jit": _jax, "autograd": _autograd}


def cases(libs, cfg):
    """One case per mode."""
    shapes = SMOKE_SHAPES if cfg.smoke else SHAPES
    out = []
    for mode, (n_in, n_out) in shapes.items():
        g = rng(6)
        w = g.normal(size=(n_out, n_in)) / np.sqrt(n_in)
        x = g.normal(size=n_in)
        api = {"fwd": "jacfwd", "rev": "jacrev"}[mode]
        notes = {"chainrule": f"chainrule.{api}", "torch": f"torch.func.{api}",
                 "jax": f"jax.{api}", "jax jit": f"jax.jit(jax.{api})",
                 "autograd": ("make_jvp per basis vector" if mode == "fwd"
                              else "autograd.jacobian")}
        out.append(Case("jacobian", f"{api} R^{n_in}->R^{n_out}",
                        {"n_in": n_in, "n_out": n_out, "mode": mode},
                        lambda w=w, x=x: jacobian_numpy(w, x),
                        impls_for(libs, BUILDERS, w, x, mode, notes=notes), rtol=1e-9))
    return out


WORKLOAD = Workload(
    name="jacobian",
    title="Jacobians of tanh(W x): forward mode 10 -> 1000, reverse mode 1000 -> 10",
    description=(
        "The full Jacobian of `tanh(W @ x)`: forward mode (`jacfwd`) for R^10 -> R^1000 "
        "and reverse mode (`jacrev`) for R^1000 -> R^10. The NumPy reference is the "
        "closed form `(1 - tanh^2)[:, None] * W`."),
    cases=cases,
)
