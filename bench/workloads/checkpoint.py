"""Peak memory of the gradient of a long scan, plain and with the body checkpointed under
each policy (chainrule only).

The scan runs 100 steps over a (2500, 8) float64 carry (160 kB, "one array"); each step is
one matrix product with an (8, 8) matrix followed by 15 elementwise operations. The table
gives the tracemalloc peak of one gradient call (after a warm-up call, so jit's compilation
is not counted) and the same number divided by the bytes of one array per step: what the
backward pass keeps for each step. ``nothing_saveable`` should keep the carries (about 1
array per step), ``dots_saveable`` the carries and the products' outputs (about 2), and the
plain gradient and ``everything_saveable`` everything a linearization keeps.
"""

from __future__ import annotations

import numpy as np

from ..harness import Workload
from ._common import traced_peak

M, K, STEPS, SMOKE_STEPS = 2500, 8, 100, 10
POLICIES = ("plain", "nothing_saveable", "dots_saveable", "everything_saveable")


def _gradient(policy, steps, jit):
    import chainrule as cr
    import chainrule.lax as lax
    import chainrule.numpy as cnp

    w = np.random.default_rng(0).standard_normal((K, K)) / np.sqrt(K)

    def body(c, _):
        h = c @ w
        for _ in range(5):
            h = cnp.sin(h) * 1.0001 + 0.01
        return h, None

    step = body if policy == "plain" else cr.checkpoint(body, policy=policy)
    g = cr.grad(lambda x: cnp.sum(lax.scan(step, x, None, length=steps)[0]))
    return cr.jit(g) if jit else g




def run(libs, cfg, log=print):
    steps = SMOKE_STEPS if cfg.smoke else STEPS
    x = np.random.default_rng(1).standard_normal((M, K))
    step_bytes = M * K * 8 * steps
    records = []
    for lib, jit in (("chainrule", False), ("chainrule jit", True)):
        reference = None
        for policy in POLICIES:
            rec = {"workload": "checkpoint", "case": f"grad of a {steps}-step scan, {policy}",
                   "params": {"steps": steps, "m": M, "k": K, "policy": policy},
                   "library": lib, "note": "", "reason": ""}
            try:
                fn = _gradient(policy, steps, jit)
                fn(x)  # warm-up: caches, compilation
                peak, out = traced_peak(fn, x)
            except Exception as exc:  # reported, the other policies still run
                rec.update(status="error", reason=f"{type(exc).__name__}: {exc}"[:300])
                records.append(rec)
                continue
            reference = out if reference is None else reference
            ok = np.allclose(out, reference, rtol=1e-12, atol=0)
            rec.update(status="ok" if ok else "wrong", peak_tracemalloc_bytes=peak,
                       arrays_per_step=peak / step_bytes)
            if not ok:
                rec["reason"] = "gradient differs from the plain one"
            records.append(rec)
    log("  checkpoint   " + "  ".join(
        f"{r['library']}/{r['params']['policy']}={r['arrays_per_step']:.2f}"
        if r["status"] == "ok" else f"{r['params']['policy']}={r['status'].upper()}"
        for r in records))
    return records


def summary(records):
    """Peak memory per policy, eager and jit side by side."""
    by = {(r["library"], r["params"]["policy"]): r for r in records}
    lines = ["| policy | eager peak | arrays per step | jit peak | arrays per step |",
             "|---|---:|---:|---:|---:|"]
    for policy in POLICIES:
        cells = []
        for lib in ("chainrule", "chainrule jit"):
            r = by.get((lib, policy))
            if r is None or r["status"] != "ok":
                cells += [r["status"] if r else "-", "-"]
            else:
                cells += [f"{r['peak_tracemalloc_bytes'] / 2**20:.1f} MiB",
                          f"{r['arrays_per_step']:.2f}"]
        lines.append(f"| {policy} | " + " | ".join(cells) + " |")
    return lines


def headline(records):
    ok = [r for r in records if r["status"] == "ok" and r["library"] == "chainrule"]
    if not ok:
        return []
    return ["Checkpointed scan gradient, peak memory in arrays per step (eager): "
            + ", ".join(f"{r['params']['policy']} {r['arrays_per_step']:.2f}" for r in ok)
            + "."]


WORKLOAD = Workload(
    name="checkpoint",
    title="Peak memory of a checkpointed scan's gradient, per policy (chainrule)",
    description=" ".join(__doc__.split("\n\n")[1].split()),
    run=run,
    summary=summary,
    headline=headline,
    generic_table=False,
)
