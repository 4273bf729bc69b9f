"""Elementwise chain of 20 ops at several sizes: forward, value_and_grad and their ratio.

At small sizes the per-op overhead dominates; at 10^6 elements the arithmetic and memory
traffic do, and value_and_grad / forward shows how much extra work the backward pass costs
(about 2-3x for hand-written code).
"""

from __future__ import annotations

from ..harness import Case, Workload, impls_for
from ..libs import LABELS, LIBRARIES
from ._common import chain_builders, chain_reference, rng

N_OPS = 20
SIZES = (10**3, 10**5, 10**6)
SMOKE_SIZES = (10, 1000)
MODES = ("forward", "value_and_grad")


def size_label(n):
    """``10^k`` for powers of ten, the number otherwise."""
    k = len(str(n)) - 1
    return f"10^{k}" if n == 10**k else str(n)


def cases(libs, cfg):
    """Forward and value_and_grad at each size."""
    builders = chain_builders(N_OPS)
    out = []
    for n in (SMOKE_SIZES if cfg.smoke else SIZES):
        x = rng(2).uniform(0.1, 0.9, size=n)
        for mode in MODES:
            out.append(Case("elementwise", f"{mode} n={size_label(n)}",
                            {"n": n, "n_ops": N_OPS, "mode": mode},
                            chain_reference(x, N_OPS, mode),
                            impls_for(libs, builders, x, mode),
                            derive=("ns/elem/op", lambda t, n=n: t / (n * N_OPS) * 1e9)))
    return out


def ratios(records):
    """``{library: {n: value_and_grad median / forward median}}`` from the records."""
    med = {}
    for r in records:
        if r["workload"] == "elementwise" and r["status"] == "ok":
            med[(r["library"], r["params"]["n"], r["params"]["mode"])] = r["median_s"]
    out = {}
    for (lib, n, mode), t in med.items():
        if mode == "value_and_grad" and (lib, n, "forward") in med:
            out.setdefault(lib, {})[n] = t / med[(lib, n, "forward")]
    return out


def summary(records):
    """Table of value_and_grad / forward per library and size."""
    rat = ratios(records)
    sizes = sorted({r["params"]["n"] for r in records if r["workload"] == "elementwise"})
    lines = ["value_and_grad time ÷ forward time (the cost of the gradient in units of one "
             "evaluation; hand-written NumPy is the floor):", "",
             "| library | " + " | ".join(f"n={size_label(n)}" for n in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for lib in LIBRARIES:
        if lib in rat:
            cells = [f"{rat[lib][n]:.2f}" if n in rat[lib] else "-" for n in sizes]
            lines.append(f"| {LABELS[lib]} | " + " | ".join(cells) + " |")
    return lines


def headline(records):
    """The value_and_grad / forward ratio at the largest size."""
    rat = ratios(records)
    sizes = sorted({n for r in rat.values() for n in r})
    if not sizes:
        return []
    n = sizes[-1]
    parts = [f"{LABELS[lib]} {rat[lib][n]:.2f}" for lib in LIBRARIES if n in rat.get(lib, {})]
    return [f"value_and_grad ÷ forward for the 20-op chain at n={size_label(n)}: "
            + ", ".join(parts) + "."]


WORKLOAD = Workload(
    name="elementwise",
    title="Elementwise chain of 20 ops vs size",
    description=(
        "`sum(chain(x))` with the same sin, `*x`, cos, `+x` pattern, 20 ops, at "
        "n = 10^3, 10^5, 10^6 float64 elements. Column ns/elem/op is the median time per "
        "element per op: at 10^6 it approaches the hardware cost of the arithmetic "
        "(compare with the physical references), at 10^3 it is dominated by per-op "
        "overhead. See also `elementwise_chain.png`."),
    cases=cases,
    summary=summary,
    headline=headline,
)
