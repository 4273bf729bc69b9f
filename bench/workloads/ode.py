"""Lotka-Volterra over t in [0, 10] with Dormand-Prince (RK45) at rtol = atol = 1e-8.

The forward case compares ``chainrule.ode.solve_ivp`` with ``scipy.integrate.solve_ivp``
(the "NumPy" row: SciPy's own solver on a NumPy right-hand side), both returning the
solution at 101 times.  The gradient cases differentiate a loss (the sum of squares of
the solution at those times) with respect to the initial state and the four parameters,
through the steps (``adjoint="direct"``) and by the continuous adjoint
(``adjoint="backsolve"``); their reference is SciPy's solve with central finite
differences (13 solves).  The peers are the ODE packages built on them: diffrax
(``Dopri5``, ``PIDController``, under ``jax.jit``; through the steps with its default
``RecursiveCheckpointAdjoint``, and ``BacksolveAdjoint``) in the "JAX jit" row and
torchdiffeq (``dopri5``; ``odeint`` through the steps, ``odeint_adjoint``) in the
"PyTorch" row, each skipped with the reason when the package is not installed.  diffrax
compiles ``diffeqsolve`` itself, so it has no eager row; autograd has no ODE solver.
The "chainrule jit+numba" row compiles the whole solve, loop included, with Numba
(``jit(backend="numba")``); through the steps its reverse pass runs on NumPy (the tape of a
``while_loop`` is not compiled), the backsolve adjoint is compiled whole.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate

from ..harness import Case, Workload, impls_for

T1, N_EVAL, TOL = 10.0, 101, 1e-8
Y0 = np.array([1.0, 1.0])
PARAMS = np.array([1.5, 1.0, 3.0, 1.0])
MISSING = {"torch": "torchdiffeq is not installed", "jax jit": "diffrax is not installed",
           "jax": "diffrax compiles diffeqsolve itself: see the JAX jit row",
           "autograd": "no ODE solver"}
NOTES = {"torch": "torchdiffeq dopri5", "jax jit": "diffrax Dopri5 + PIDController"}


def _installed(module):
    try:
        __import__(module)
    except Exception:  # noqa: BLE001 - any failure to import means: not available
        return False
    return True


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
    solve, _ = _chainrule_fns(t1)
    fn = libs.jit(lib, solve)
    return lambda: np.asarray(fn(Y0, PARAMS))


def _gradient(adjoint):
    def build(libs, lib, t1):
        import chainrule as cr

        solve, cnp = _chainrule_fns(t1)

        def loss(y0, p):
            return cnp.sum(solve(y0, p, adjoint) ** 2)

        vg = libs.jit(lib, cr.value_and_grad(loss, argnums=(0, 1)))

        def run():
            value, (gy, gp) = vg(Y0, PARAMS)
            return {"loss": float(value), "gy0": np.asarray(gy), "gp": np.asarray(gp)}
        return run
    return build


def _diffrax_solve(libs, t1, adjoint):
    import diffrax

    jnp = libs.jnp
    te = jnp.asarray(np.linspace(0.0, t1, N_EVAL))

    def vf(t, y, p):
        return jnp.stack([p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]])

    term = diffrax.ODETerm(vf)
    adj = diffrax.BacksolveAdjoint() if adjoint == "backsolve" else \
        diffrax.RecursiveCheckpointAdjoint()

    def solve(y0, p):
        sol = diffrax.diffeqsolve(
            term, diffrax.Dopri5(), 0.0, t1, None, y0, args=p, saveat=diffrax.SaveAt(ts=te),
            stepsize_controller=diffrax.PIDController(rtol=TOL, atol=TOL), adjoint=adj)
        return sol.ys.T
    return solve


def _diffrax_forward(libs, lib, t1):
    solve = libs.jax.jit(_diffrax_solve(libs, t1, "direct"))
    y0, p = libs.asarray(lib, [Y0, PARAMS])
    return lambda: solve(y0, p)


def _diffrax_gradient(adjoint):
    def build(libs, lib, t1):
        jax, jnp = libs.jax, libs.jnp
        solve = _diffrax_solve(libs, t1, adjoint)
        vg = jax.jit(jax.value_and_grad(lambda y0, p: jnp.sum(solve(y0, p) ** 2),
                                        argnums=(0, 1)))
        y0, p = libs.asarray(lib, [Y0, PARAMS])

        def run():
            value, (gy, gp) = jax.block_until_ready(vg(y0, p))
            return {"loss": float(value), "gy0": np.asarray(gy), "gp": np.asarray(gp)}
        return run
    return build


def _torchdiffeq_parts(libs, t1):
    import torchdiffeq

    torch = libs.torch

    class LotkaVolterra(torch.nn.Module):
        def __init__(self, p):
            super().__init__()
            self.p = torch.nn.Parameter(p)

        def forward(self, t, y):
            p = self.p
            return torch.stack([p[0] * y[0] - p[1] * y[0] * y[1],
                                -p[2] * y[1] + p[3] * y[0] * y[1]])

    te = torch.from_numpy(np.linspace(0.0, t1, N_EVAL))
    return torchdiffeq, LotkaVolterra, te


def _torchdiffeq_forward(libs, lib, t1):
    torch = libs.torch
    tde, LotkaVolterra, te = _torchdiffeq_parts(libs, t1)
    func = LotkaVolterra(torch.from_numpy(PARAMS.copy()))
    y0 = torch.from_numpy(Y0.copy())

    def run():
        with torch.no_grad():
            return tde.odeint(func, y0, te, rtol=TOL, atol=TOL, method="dopri5").T
    return run


def _torchdiffeq_gradient(adjoint):
    def build(libs, lib, t1):
        torch = libs.torch
        tde, LotkaVolterra, te = _torchdiffeq_parts(libs, t1)
        func = LotkaVolterra(torch.from_numpy(PARAMS.copy()))
        solver = tde.odeint_adjoint if adjoint == "backsolve" else tde.odeint

        def run():
            y0 = torch.from_numpy(Y0.copy()).requires_grad_(True)
            loss = torch.sum(solver(func, y0, te, rtol=TOL, atol=TOL, method="dopri5") ** 2)
            gy, gp = torch.autograd.grad(loss, (y0, func.p))
            return {"loss": float(loss), "gy0": gy.numpy(), "gp": gp.numpy()}
        return run
    return build


def _peers(libs, fwd, grad_builder=None):
    """Add diffrax and torchdiffeq builders where the packages import."""
    out = {}
    if _installed("diffrax"):
        out["jax jit"] = fwd[0] if grad_builder is None else grad_builder[0]
    if _installed("torchdiffeq"):
        out["torch"] = fwd[1] if grad_builder is None else grad_builder[1]
    return out


def cases(libs, cfg):
    t1 = 1.0 if cfg.smoke else T1
    fwd = {"numpy": lambda libs, lib, t1: (lambda: _scipy_solve(Y0, PARAMS, t1)),
           "chainrule": _forward, "chainrule jit": _forward, "chainrule jit+numba": _forward}
    fwd.update(_peers(libs, (_diffrax_forward, _torchdiffeq_forward)))
    out = [Case("ode", f"forward RK45 t1={t1:g}", {"t1": t1},
                lambda: _scipy_solve(Y0, PARAMS, t1),
                impls_for(libs, fwd, t1, missing=MISSING,
                          notes={"numpy": "scipy.integrate.solve_ivp", **NOTES}),
                rtol=1e-6, atol=1e-8)]
    for adjoint in ("direct", "backsolve"):
        builders = {lib: _gradient(adjoint)
                    for lib in ("chainrule", "chainrule jit", "chainrule jit+numba")}
        builders.update(_peers(libs, None, (_diffrax_gradient(adjoint),
                                            _torchdiffeq_gradient(adjoint))))
        notes = {"jax jit": "diffrax " + ("BacksolveAdjoint" if adjoint == "backsolve"
                                          else "RecursiveCheckpointAdjoint"),
                 "torch": "torchdiffeq " + ("odeint_adjoint" if adjoint == "backsolve"
                                            else "odeint")}
        out.append(Case("ode", f"loss+grad {adjoint} t1={t1:g}", {"t1": t1},
                        lambda: _scipy_loss_grad(t1),
                        impls_for(libs, builders, t1, notes=notes, missing={
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
