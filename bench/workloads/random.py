"""Random numbers: 10^6 standard normals and uniforms from a fixed key or seed.

NumPy's ``Generator`` (PCG64, ziggurat normals) is the reference; chainrule draws from a key
(Philox-4x64-10 bits, normals by the inverse CDF), eagerly and under ``jit``; PyTorch and
JAX from their own generators. The values differ by design, so the check compares moments:
mean and standard deviation within 6 standard errors of the exact ones.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..harness import Case, Workload, impls_for
from .elementwise import size_label

N, SMOKE_N = 10**6, 10**4


def _moments_check(kind):
    lo, hi = (0.0, 1.0) if kind == "uniform" else (None, None)
    mean, std = (0.5, np.sqrt(1 / 12)) if kind == "uniform" else (0.0, 1.0)

    def check(result, reference):
        x = np.asarray(result, dtype=np.float64).ravel()
        if x.shape != np.shape(reference):
            return False, float("inf")
        se = std / np.sqrt(x.size)
        err = max(abs(x.mean() - mean) / se, abs(x.std() - std) / (se / np.sqrt(0.5)))
        in_range = lo is None or bool(((lo <= x) & (x < hi)).all())
        return bool(err < 6 and in_range), err / 6
    return check


def _builders(kind):
    def numpy(libs, lib, n):
        g = np.random.default_rng(0)
        return (lambda: g.normal(size=n)) if kind == "normal" else (lambda: g.random(n))

    def chainrule(libs, lib, n):
        random = libs.cr.random
        k = random.key(0)
        draw = getattr(random, kind)

        def f(key):
            return draw(key, (n,))
        if lib == "chainrule jit":
            f = libs.cr.jit(f)
        return lambda: f(k)

    def torch(libs, lib, n):
        t = libs.torch
        g = t.Generator().manual_seed(0)
        draw = t.randn if kind == "normal" else t.rand
        return lambda: draw(n, dtype=t.float64, generator=g)

    def jax(libs, lib, n):
        jr = libs.jax.random
        k = jr.key(0)
        f = partial(getattr(jr, kind), shape=(n,), dtype=libs.jnp.float64)
        if lib == "jax jit":
            f = libs.jax.jit(f)
        return lambda: f(k)

    return {"numpy": numpy, "chainrule": chainrule, "chainrule jit": chainrule,
            "torch": torch, "jax": jax, "jax jit": jax}


def cases(libs, cfg):
    """``normal`` and ``uniform`` of n values."""
    n = SMOKE_N if cfg.smoke else N
    out = []
    for kind in ("normal", "uniform"):
        out.append(Case("random", f"{kind} n={size_label(n)}", {"n": n, "kind": kind},
                        lambda: np.zeros(n), impls_for(
                            libs, _builders(kind), n,
                            missing={"autograd": "autograd has no random number generator"}),
                        check=_moments_check(kind),
                        derive=("ns/value", lambda t, n=n: t / n * 1e9)))
    return out


WORKLOAD = Workload(
    name="random",
    title="Random numbers (10^6 normals and uniforms)",
    description=(
        "`chainrule.random.normal(key, (n,))` and `uniform` against "
        "`numpy.random.default_rng(0).normal(size=n)` / `.random(n)` (the reference), "
        "`torch.randn`/`torch.rand` with a seeded `torch.Generator`, and `jax.random.normal`/"
        "`uniform` eager and jitted, all in float64. Results are checked by their moments "
        "(the streams differ). chainrule's target is within 2x of NumPy's Generator for normals."),
    cases=cases,
)
