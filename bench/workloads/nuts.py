"""NUTS on a 10-D correlated Gaussian: gradient evaluations per effective sample and ESS/s.

The target has condition number 100 and a random orientation. chainrule's ``infer.nuts``
runs 4 chains (a ``vmap`` batch axis of one jitted transition) with 500 warm-up iterations
and a dense mass matrix. The check: every coordinate's posterior mean within 5 Monte-Carlo
standard errors of the analytic mean. No other library here has a sampler.
"""

from __future__ import annotations

import time

import numpy as np

from ..harness import Case, Workload, impls_for

DIM = 10


def _target():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(DIM, DIM)))
    cov = q @ np.diag(np.geomspace(0.1, 10.0, DIM)) @ q.T
    return np.linalg.inv(cov), np.arange(DIM) / 5.0


def _chainrule(libs, lib, chains, warmup, draws):
    cr = libs.cr
    cnp = cr.numpy
    from chainrule import infer

    prec, mu = _target()

    def logdensity(x):
        d = x - mu
        return -0.5 * cnp.sum(d * cnp.matmul(prec, d))

    def run():
        start = time.perf_counter()
        res = infer.nuts(logdensity, np.zeros(DIM), num_warmup=warmup, num_samples=draws,
                         num_chains=chains, dense_mass=True, rng=0, progress=False)
        elapsed = time.perf_counter() - start
        ess = float(np.min(infer.ess(res.samples)))
        return {"samples": res.samples, "mcse": infer.mcse(res.samples), "ess": ess,
                "grads": int(res.stats["num_steps"].sum()), "seconds": elapsed}
    return run


def _check(result, reference):
    err = np.abs(result["samples"].mean(axis=(0, 1)) - reference) / result["mcse"]
    worst = float(np.max(err))
    return worst < 5.0, worst / 5.0


def _info(result):
    return (f"min bulk ESS {result['ess']:.0f}, {result['grads'] / result['ess']:.1f} "
            f"gradient evaluations per effective sample (after warm-up), "
            f"{result['ess'] / result['seconds']:.0f} ESS/s including warm-up")


def cases(libs, cfg):
    """One NUTS run."""
    chains, warmup, draws = (2, 60, 60) if cfg.smoke else (4, 500, 1000)
    _, mu = _target()
    return [Case("nuts", f"NUTS 10-D Gaussian, {chains}x{draws}",
                 {"chains": chains, "warmup": warmup, "draws": draws}, lambda: mu,
                 impls_for(libs, {"chainrule": _chainrule}, chains, warmup, draws,
                           missing={lib: "no sampler in this library" for lib in
                                    ("numpy", "chainrule jit", "torch", "jax", "jax jit",
                                     "autograd")}),
                 check=_check, info=_info)]


WORKLOAD = Workload(
    name="nuts",
    title="NUTS on a 10-D correlated Gaussian (condition number 100)",
    description=(
        "`chainrule.infer.nuts` with a dense mass matrix, 4 chains, 500 warm-up iterations "
        "and 1000 draws per chain, from a fixed key. The notes give the smallest bulk ESS, "
        "gradient evaluations per effective sample and ESS per second (wall time of the "
        "whole run, warm-up and compilation included)."),
    cases=cases,
)
