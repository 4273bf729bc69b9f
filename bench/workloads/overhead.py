"""Per-op overhead: a 100-op elementwise chain on shape (1,) arrays.

With one element the arithmetic is free, so the time per op is what a library adds around
each NumPy-sized call: dispatch, tracing, building the backward graph.
"""

from __future__ import annotations

from ..harness import Case, Workload, impls_for
from ..libs import LABELS, LIBRARIES
from ._common import chain_builders, chain_reference, rng

N_OPS = 100


def cases(libs, cfg):
    """Forward and value_and_grad of the 100-op chain on a (1,) array."""
    x = rng(1).uniform(0.1, 0.9, size=1)
    builders = chain_builders(N_OPS)
    builders["chainrule jit+numba"] = builders["chainrule jit"]
    out = []
    for mode in ("forward", "value_and_grad"):
        out.append(Case("overhead", mode, {"n_ops": N_OPS, "shape": [1]},
                        chain_reference(x, N_OPS, mode), impls_for(libs, builders, x, mode),
                        derive=("µs/op", lambda t: t / N_OPS * 1e6)))
    return out


def headline(records):
    """Per-op cost of value_and_grad, chainrule next to its peers."""
    vg = {r["library"]: r for r in records
          if r["case"] == "value_and_grad" and r["status"] == "ok"}
    parts = [f"{LABELS[lib]} {vg[lib]['derived']['µs/op']:.2f}"
             for lib in LIBRARIES
             if lib in vg]
    return ["Per-op overhead, value_and_grad of the 100-op chain on (1,) arrays, µs per op: "
            + ", ".join(parts) + "."]


WORKLOAD = Workload(
    name="overhead",
    title="Per-op overhead (100-op chain on shape (1,))",
    description=(
        "`sum(chain(x))` where the chain repeats sin, `*x`, cos, `+x` 25 times on a "
        "one-element float64 array. The arithmetic is negligible, so the time divided by "
        "100 (column µs/op) is the fixed cost a library adds to each operation. "
        "`forward` is a plain evaluation (for chainrule: the fast path outside any "
        "transform); `value_and_grad` also records and runs the backward pass."),
    cases=cases,
    headline=headline,
)
