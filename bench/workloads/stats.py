"""``scipy.stats``-style log densities on 10^6 points: eager vs SciPy, and the gradient.

``chainrule.scipy.stats.norm.logpdf`` and ``t.logpdf`` on plain arrays are SciPy's own calls
(the fast path); the value_and_grad case differentiates ``sum(norm.logpdf(x, loc, scale))``
with respect to ``x`` on the traced path (SciPy's generic rules for the support and the
parameters included), and its time is compared with the forward evaluation.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for
from ._common import rng
from .elementwise import size_label

N, SMOKE_N = 10**6, 10**3
LOC, SCALE, DF = 0.3, 1.7, 4.5
_MISSING = {"autograd": "autograd has no scipy.stats"}


def _scipy(kind):
    import scipy.stats as st
    if kind == "norm":
        return lambda x: st.norm.logpdf(x, LOC, SCALE)
    return lambda x: st.t.logpdf(x, DF, LOC, SCALE)


def _forward_builders(kind):
    def numpy(libs, lib, x):
        f = _scipy(kind)
        return lambda: f(x)

    def chainrule(libs, lib, x):
        import chainrule.scipy.stats as cs
        if kind == "norm":
            def f(x):
                return cs.norm.logpdf(x, LOC, SCALE)
        else:
            def f(x):
                return cs.t.logpdf(x, DF, LOC, SCALE)
        f = libs.jit(lib, f)
        return lambda: f(x)

    def jax(libs, lib, x):
        js = libs.jax.scipy.stats
        xj = libs.asarray(lib, x)
        if kind == "norm":
            def f(x):
                return js.norm.logpdf(x, LOC, SCALE)
        else:
            def f(x):
                return js.t.logpdf(x, DF, LOC, SCALE)
        f = libs.jit(lib, f)
        return lambda: f(xj)

    def torch(libs, lib, x):
        td = libs.torch.distributions
        xt = libs.asarray(lib, x)
        d = td.Normal(LOC, SCALE) if kind == "norm" else td.StudentT(DF, LOC, SCALE)
        return lambda: d.log_prob(xt)

    return {"numpy": numpy, "chainrule": chainrule, "chainrule jit": chainrule,
            "jax": jax, "jax jit": jax, "torch": torch}


def _vg_reference(x):
    z = (x - LOC) / SCALE
    value = np.sum(-0.5 * z * z - np.log(SCALE) - 0.5 * np.log(2 * np.pi))
    return value, -z / SCALE


def _vg_builders():
    def numpy(libs, lib, x):
        return lambda: _vg_reference(x)

    def chainrule(libs, lib, x):
        import chainrule.scipy.stats as cs
        cnp = libs.cnp
        vg = libs.value_and_grad(lib, lambda x: cnp.sum(cs.norm.logpdf(x, LOC, SCALE)))
        return lambda: vg(x)

    def jax(libs, lib, x):
        js, jnp = libs.jax.scipy.stats, libs.jnp
        vg = libs.value_and_grad(lib, lambda x: jnp.sum(js.norm.logpdf(x, LOC, SCALE)))
        xj = libs.asarray(lib, x)
        return lambda: vg(xj)

    def torch(libs, lib, x):
        d = libs.torch.distributions.Normal(LOC, SCALE)
        vg = libs.value_and_grad(lib, lambda x: d.log_prob(x).sum())
        xt = libs.asarray(lib, x)
        return lambda: vg(xt)

    return {"numpy": numpy, "chainrule": chainrule, "chainrule jit": chainrule,
            "jax": jax, "jax jit": jax, "torch": torch}


def cases(libs, cfg):
    """norm.logpdf and t.logpdf forward, and value_and_grad of sum(norm.logpdf)."""
    n = SMOKE_N if cfg.smoke else N
    x = rng(5).normal(0.0, 2.0, size=n)
    out = []
    for kind in ("norm", "t"):
        out.append(Case("stats", f"{kind}.logpdf n={size_label(n)}", {"n": n, "kind": kind},
                        lambda kind=kind: _scipy(kind)(x),
                        impls_for(libs, _forward_builders(kind), x, missing=_MISSING),
                        rtol=1e-12, derive=("ns/value", lambda t, n=n: t / n * 1e9)))
    out.append(Case("stats", f"value_and_grad sum(norm.logpdf) n={size_label(n)}",
                    {"n": n, "kind": "norm-vg"}, lambda: _vg_reference(x),
                    impls_for(libs, _vg_builders(), x, missing=_MISSING),
                    rtol=1e-10, derive=("ns/value", lambda t, n=n: t / n * 1e9)))
    return out


WORKLOAD = Workload(
    name="stats",
    title="scipy.stats log densities (10^6 points)",
    description=(
        "`chainrule.scipy.stats.norm.logpdf(x, loc, scale)` and `t.logpdf(x, df, loc, scale)` "
        "against `scipy.stats` (the reference row), `jax.scipy.stats` and "
        "`torch.distributions`, and `value_and_grad` of `sum(norm.logpdf(x, loc, scale))` "
        "with respect to `x` against the hand-written gradient. chainrule's targets: "
        "forward within 1.5x of SciPy, value_and_grad within 3x of its own forward."),
    cases=cases,
)
