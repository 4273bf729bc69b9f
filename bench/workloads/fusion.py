"""Elementwise fusion under jit: the 20-op chain with numexpr fusion off and on.

The same chain as the ``elementwise`` workload, forward and value_and_grad, at sizes around
the fusion threshold. ``chainrule jit`` runs with ``config.fusion = "off"``; ``chainrule
jit, numexpr fusion`` with ``"numexpr"`` (every tree fused, whatever the size), so the
rows show what fusion itself costs or saves.  The default ``"auto"`` decides per tree
from measured costs: on one numexpr thread it keeps the NumPy statements (the ``jit`` rows
of the ``elementwise`` workload run with it).  numexpr runs on one thread like every other
library unless ``--numexpr-threads`` says otherwise.
"""

from __future__ import annotations

from ..harness import Case, Workload, impls_for
from ..libs import LABELS, LIBRARIES
from ._common import chain_builders, chain_reference, rng
from .elementwise import size_label

N_OPS = 20
SIZES = (10**4, 10**5, 10**6)
SMOKE_SIZES = (10, 1000)
MODES = ("forward", "value_and_grad")
FUSED, PLAIN = "chainrule jit+fusion", "chainrule jit"


def _with_fusion(mode, build):
    """A builder whose callable runs under ``config.fusion = mode`` (and restores it)."""
    def builder(libs, lib, x, which):
        fn = build(libs, lib, x, which)
        config = libs.cr.config

        def call():
            saved, config.fusion = config.fusion, mode
            try:
                return fn()
            finally:
                config.fusion = saved
        return call
    return builder


def cases(libs, cfg):
    """Forward and value_and_grad at each size, fusion off and on."""
    builders = chain_builders(N_OPS)
    generic = builders["chainrule jit"]
    builders[PLAIN] = _with_fusion("off", generic)
    builders[FUSED] = _with_fusion("numexpr", generic)
    del builders["chainrule"], builders["autograd"]  # eager rows: see `elementwise`
    notes = {PLAIN: "config.fusion='off'", FUSED: "config.fusion='numexpr'"}
    out = []
    for n in (SMOKE_SIZES if cfg.smoke else SIZES):
        x = rng(2).uniform(0.1, 0.9, size=n)
        for mode in MODES:
            out.append(Case("fusion", f"{mode} n={size_label(n)}",
                            {"n": n, "n_ops": N_OPS, "mode": mode},
                            chain_reference(x, N_OPS, mode),
                            impls_for(libs, builders, x, mode, notes=notes,
                                      missing={"chainrule": "eager: see `elementwise`",
                                               "autograd": "eager: see `elementwise`"}),
                            derive=("ns/elem/op", lambda t, n=n: t / (n * N_OPS) * 1e9)))
    return out


def _medians(records):
    return {(r["library"], r["params"]["n"], r["params"]["mode"]): r["median_s"]
            for r in records if r["workload"] == "fusion" and r["status"] == "ok"}


def summary(records):
    """Fusion on ÷ off, each library ÷ fused jit, and value_and_grad ÷ forward."""
    med = _medians(records)
    sizes = sorted({n for _, n, _ in med})
    head = "| | " + " | ".join(f"n={size_label(n)}" for n in sizes) + " |"
    rule = "|---|" + "---:|" * len(sizes)

    def cell(num, den):
        return f"{num / den:.2f}" if num is not None and den else "-"

    lines = ["Fusion on ÷ off (below 1: fusion is faster), and value_and_grad ÷ forward "
             "for each library:", "", head, rule]
    for mode in MODES:
        lines.append(f"| {mode}: fused ÷ unfused | " + " | ".join(
            cell(med.get((FUSED, n, mode)), med.get((PLAIN, n, mode))) for n in sizes) + " |")
    for lib in LIBRARIES:
        cells = [cell(med.get((lib, n, "value_and_grad")), med.get((lib, n, "forward")))
                 for n in sizes]
        if any(c != "-" for c in cells):
            lines.append(f"| value_and_grad ÷ forward, {LABELS[lib]} | "
                         + " | ".join(cells) + " |")
    for mode in MODES:
        for lib in LIBRARIES:
            if lib in (FUSED, PLAIN):  # PLAIN: the first rows
                continue
            cells = [cell(med.get((FUSED, n, mode)), med.get((lib, n, mode))) for n in sizes]
            if any(c != "-" for c in cells):
                lines.append(f"| {mode}: fused jit ÷ {LABELS[lib]} | "
                             + " | ".join(cells) + " |")
    return lines


def headline(records):
    """Fused ÷ unfused and value_and_grad ÷ forward with fusion, at the largest size."""
    med = _medians(records)
    sizes = sorted({n for _, n, _ in med})
    if not sizes:
        return []
    n = sizes[-1]
    get = med.get
    parts = []
    for mode in MODES:
        if get((FUSED, n, mode)) and get((PLAIN, n, mode)):
            parts.append(f"{mode} {get((FUSED, n, mode)) / get((PLAIN, n, mode)):.2f}")
    if get((FUSED, n, "forward")) and get((FUSED, n, "value_and_grad")):
        parts.append("value_and_grad ÷ forward with fusion "
                     f"{get((FUSED, n, 'value_and_grad')) / get((FUSED, n, 'forward')):.2f}")
    return [f"numexpr fusion under jit, 20-op chain at n={size_label(n)}, fused ÷ unfused: "
            + ", ".join(parts) + "."] if parts else []


WORKLOAD = Workload(
    name="fusion",
    title="Elementwise fusion under jit (numexpr), 20-op chain",
    description=(
        "`jit(f)` and `jit(value_and_grad(f))` of the `elementwise` chain (sin, `*x`, cos, "
        "`+x`, 20 ops) with `chainrule.config.fusion` `off` and `numexpr` (every "
        "elementwise tree fused), at n = 10^4, 10^5, 10^6 float64 elements. The default, "
        "`auto`, fuses a tree only where its measured costs say numexpr is faster: never "
        "on one numexpr thread on the machine the costs come from (see "
        "`docs/design/transforms.md`). The environment lines above give numexpr's thread "
        "count."),
    cases=cases,
    summary=summary,
    headline=headline,
)
