"""Lotka-Volterra over t in [0, 10] with Dormand-Prince (RK45) at rtol = atol = 1e-8.

The forward case compares ``chainrule.ode.solve_ivp`` with ``scipy.integrate.solve_ivp``
(the "NumPy" row: SciPy's own solver on a NumPy right-hand side), both returning the
solution at 101 times.  The gradient cases differentiate a loss (the sum of squares of
the solution at those times) with respect to the initial state and the four parameters,
through the steps (``adjoint="direct"``) and by the continuous adjoint
(``adjoint="backsolve"``); their reference is SciPy's solve with central finite
differences (13 solves).  The other libraries have no ODE solver in their core
(diffrax and torchdiffeq are separate packages) and are not run.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate

from ..harness import Case, Workload, impls_for

T1, N_EVAL, TOL = 10.0, 101, 1e-8
Y0 = np.array([1.0, 1.0])
PARAMS = np.array([1.5, 1.0, 3.0, 1.0])
MISSING = {lib: "no ODE solver in the library's core" for lib in ("torch", "jax", "jax jit",
                                                                 "autograd")}


def _rhs_numpy(t, y, a, b, c, d):
    return np.array([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])


def _scipy_solve(y0, p, t1):
    te = np.linspace(0.0, t1, N_EVAL)
    return scipy.integrate.solve_ivp(_rhs_numpy, (0.0, t1), y0, t_eval=te, args=tuple(p),
                                     rtol=TOL, atol=TOL).y


def _scipy_loss_grad(t1):
    """Loss and its gradient by central differences of SciPy's solve (the reference)."""
    def loss(y0, p):
        return float(np.sum(_scipy_solve(y0, p, t1) ** 2))
    eps = 1e-5
    gy = [(loss(Y0 + eps * e, PARAMS) - loss(Y0 - eps * e, PARAMS)) / (2 * eps)
          for e in np.eye(2)]
    gp = [(loss(Y0, PARAMS + eps * e) - loss(Y0, PARAMS - eps * e)) / (2 * eps)
          for e in np.eye(4)]
    return {"loss": loss(Y0, PARAMS), "gy0": np.array(gy), "gp": np.array(gp)}


def _chainrule_fns(t1):
    import chainrule.numpy as cnp
    from chainrule.ode import solve_ivp

    te = np.linspace(0.0, t1, N_EVAL)

    def rhs(t, y, a, b, c, d):
        return cnp.stack([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])

    def solve(y0, p, adjoint="direct"):
        return solve_ivp(rhs, (0.0, t1), y0, t_eval=te, args=tuple(p[i] for i in range(4)),
                         rtol=TOL, atol=TOL, adjoint=adjoint).y

    return solve, cnp


def _forward(libs, lib, t1):
    import chainrule as cr

    solve, _ = _chainrule_fns(t1)
    fn = cr.jit(solve) if lib == "chainrule jit" else solve
    return lambda: np.asarray(fn(Y0, PARAMS))


def _gradient(adjoint):
    def build(libs, lib, t1):
        import chainrule as cr

        solve, cnp = _chainrule_fns(t1)

        def loss(y0, p):
            return cnp.sum(solve(y0, p, adjoint) ** 2)

        vg = cr.value_and_grad(loss, argnums=(0, 1))
        if lib == "chainrule jit":
            vg = cr.jit(vg)

        def run():
            value, (gy, gp) = vg(Y0, PARAMS)
            return {"loss": float(value), "gy0": np.asarray(gy), "gp": np.asarray(gp)}
        return run
    return build


def cases(libs, cfg):
    t1 = 1.0 if cfg.smoke else T1
    fwd = {"numpy": lambda libs, lib, t1: (lambda: _scipy_solve(Y0, PARAMS, t1)),
           "chainrule": _forward, "chainrule jit": _forward}
    out = [Case("ode", f"forward RK45 t1={t1:g}", {"t1": t1},
                lambda: _scipy_solve(Y0, PARAMS, t1),
                impls_for(libs, fwd, t1, missing=MISSING,
                          notes={"numpy": "scipy.integrate.solve_ivp"}),
                rtol=1e-6, atol=1e-8)]
    for adjoint in ("direct", "backsolve"):
        builders = {"chainrule": _gradient(adjoint), "chainrule jit": _gradient(adjoint)}
        out.append(Case("ode", f"loss+grad {adjoint} t1={t1:g}", {"t1": t1},
                        lambda: _scipy_loss_grad(t1),
                        impls_for(libs, builders, t1, missing={
                            "numpy": "reference: SciPy with central differences (13 solves)",
                            **MISSING}),
                        rtol=1e-4, atol=1e-6))
    return out


WORKLOAD = Workload(
    name="ode",
    title="Lotka-Volterra, t in [0, 10], RK45 at rtol = atol = 1e-8 (solve_ivp)",
    description=(
        "`chainrule.ode.solve_ivp` against `scipy.integrate.solve_ivp` on the same "
        "problem, same method and tolerances, solution at 101 times; then the loss "
        "(sum of squares of the solution) and its gradient with respect to the initial "
        "state and the 4 parameters, through the steps (`adjoint='direct'`) and by the "
        "continuous adjoint (`adjoint='backsolve'`)."),
    cases=cases,
)
