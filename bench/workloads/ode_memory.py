"""Peak memory of an ODE loss's gradient as the number of steps grows (chainrule only).

The system is 250 uncoupled Lotka-Volterra oscillators (n = 500 components, one state
vector is 4 kB), solved with RK45 at rtol = atol = 1e-8 from t = 0 to t1 = 5, 10, 20 and
40, so that the number of steps roughly doubles from one row to the next; the loss is the
sum of squares of the final state.  The table gives the tracemalloc peak of one call of
the jitted gradient (after a warm-up call, so compilation is not counted), for
``adjoint="direct"`` (through the steps: memory proportional to the steps),
``adjoint="direct", checkpoint=16`` (groups of 16 attempts, each recomputed in the
backward pass: about steps / 16 + 16 states) and ``adjoint="backsolve"`` (the continuous
adjoint: independent of the number of steps), and that peak divided by the number of step
attempts and by the bytes of one state vector: what the gradient keeps per step.
"""

from __future__ import annotations

import numpy as np

from ..harness import Workload
from ._common import traced_peak

K = 250
T1S, SMOKE_T1S = (5.0, 10.0, 20.0, 40.0), (1.0, 2.0)
TOL = 1e-8
VARIANTS = (("direct", {"adjoint": "direct"}),
            ("direct, checkpoint=16", {"adjoint": "direct", "checkpoint": 16}),
            ("backsolve", {"adjoint": "backsolve"}))


def _problem(k):
    import chainrule.numpy as cnp

    def rhs(t, y, a, b, c, d):
        u, v = y[:k], y[k:]
        return cnp.concatenate([a * u - b * u * v, -c * v + d * u * v])

    rng = np.random.default_rng(0)
    y0 = np.concatenate([1.0 + 0.5 * rng.random(k), 1.0 + 0.5 * rng.random(k)])
    return rhs, y0, np.array([1.5, 1.0, 3.0, 1.0])


def _gradient(k, t1, options):
    import chainrule as cr
    import chainrule.numpy as cnp
    from chainrule.ode import solve_ivp

    rhs, y0, p = _problem(k)

    def loss(y0, p):
        sol = solve_ivp(rhs, (0.0, t1), y0, t_eval=[t1], args=tuple(p[i] for i in range(4)),
                        rtol=TOL, atol=TOL, **options)
        return cnp.sum(sol.y ** 2)

    return cr.jit(cr.grad(loss, argnums=(0, 1))), y0, p


def _attempts(k, t1):
    from chainrule.ode import solve_ivp
    import chainrule as cr

    rhs, y0, p = _problem(k)
    sol = cr.jit(lambda y: solve_ivp(rhs, (0.0, t1), y, t_eval=[t1], args=tuple(p),
                                     rtol=TOL, atol=TOL).nsteps)(y0)
    return int(sol)




def run(libs, cfg, log=print):
    t1s = SMOKE_T1S if cfg.smoke else T1S
    k = 10 if cfg.smoke else K
    state_bytes = 2 * k * 8
    records = []
    for t1 in t1s:
        steps = _attempts(k, t1)
        reference = None
        for name, options in VARIANTS:
            rec = {"workload": "ode_memory", "case": f"t1={t1:g}, {name}",
                   "params": {"t1": t1, "n": 2 * k, "steps": steps, "variant": name},
                   "library": "chainrule jit", "note": "", "reason": ""}
            try:
                fn, y0, p = _gradient(k, t1, options)
                fn(y0, p)  # warm-up: compilation
                peak, out = traced_peak(fn, y0, p)
            except Exception as exc:  # reported, the other variants still run
                rec.update(status="error", reason=f"{type(exc).__name__}: {exc}"[:300])
                records.append(rec)
                continue
            out = np.concatenate([np.ravel(o) for o in out])
            reference = out if reference is None else reference
            # backsolve is accurate to the solver tolerance: about 1e-6 of the gradient's
            # norm here (1e-4 relative in its smallest components)
            ok = np.linalg.norm(out - reference) <= 1e-5 * np.linalg.norm(reference)
            rec.update(status="ok" if ok else "wrong", peak_tracemalloc_bytes=peak,
                       states_per_step=peak / (state_bytes * steps),
                       states=peak / state_bytes)
            if not ok:
                rec["reason"] = "gradient differs from the direct one"
            records.append(rec)
        log(f"  ode_memory   t1={t1:g} ({steps} attempts)  " + "  ".join(
            f"{r['params']['variant']}={r['peak_tracemalloc_bytes'] / 2**20:.2f} MiB"
            if r["status"] == "ok" else f"{r['params']['variant']}={r['status'].upper()}"
            for r in records if r["params"]["t1"] == t1))
    return records


def summary(records):
    """Peak memory per variant, one row per final time."""
    by = {(r["params"]["t1"], r["params"]["variant"]): r for r in records}
    t1s = sorted({r["params"]["t1"] for r in records})
    head = "| t1 | step attempts | " + " | ".join(
        f"{name}: peak | states kept | per step" for name, _ in VARIANTS) + " |"
    lines = [head, "|---:|---:|" + "---:|---:|---:|" * len(VARIANTS)]
    for t1 in t1s:
        cells, steps = [], "-"
        for name, _ in VARIANTS:
            r = by.get((t1, name))
            if r is None or r["status"] != "ok":
                cells += [r["status"] if r else "-", "-", "-"]
                continue
            steps = r["params"]["steps"]
            cells += [f"{r['peak_tracemalloc_bytes'] / 2**20:.2f} MiB", f"{r['states']:.0f}",
                      f"{r['states_per_step']:.2f}"]
        lines.append(f"| {t1:g} | {steps} | " + " | ".join(cells) + " |")
    return lines


def headline(records):
    ok = [r for r in records if r["status"] == "ok"]
    if not ok:
        return []
    last = max(r["params"]["t1"] for r in ok)
    rows = [r for r in ok if r["params"]["t1"] == last]
    return [f"ODE gradient peak memory at {rows[0]['params']['steps']} steps (n = "
            f"{rows[0]['params']['n']}), in state vectors: "
            + ", ".join(f"{r['params']['variant']} {r['states']:.0f}" for r in rows) + "."]


WORKLOAD = Workload(
    name="ode_memory",
    title="Peak memory of an ODE gradient against the number of steps (chainrule)",
    description=" ".join(__doc__.split("\n\n")[1].split()),
    run=run,
    summary=summary,
    headline=headline,
    generic_table=False,
)
