"""NUTS efficiency over many seeds: chainrule's ``nuts`` against NumPyro's NUTS.

Run from the repository root in the peers' environment::

    PYTHONPATH=src:. bench/.venv-peers/bin/python -m bench.nuts_seeds --seeds 64

Both samplers run the ``nuts`` workload's setting (one chain, 500 warm-up iterations, 1000
draws, diagonal mass matrix) on its two log densities (``bench/workloads/nuts.py``), NumPyro
through its functional ``hmc`` API as in the workload. For each seed: the smallest bulk ESS
over the parameters, the gradient evaluations (leapfrog steps) of the kept draws, the
adapted step size, the mean leapfrog steps and tree depth per draw and the divergences.
Printed per library: the mean and median over seeds of gradient evaluations per ESS, the
pooled ratio (all gradient evaluations over all ESS), and the means of the rest; the
spread is the standard error of the mean over seeds.  The step size tells whether a gap
comes from the warm-up, the steps per draw at a given step size from the U-turn
criterion, and the ESS per draw at a given trajectory length from the sampling within
trajectories.  ``--libs`` adds emcee (the workload's 32 walkers; likelihood evaluations
instead of gradients), the baseline of the ESS-per-evaluation ratios.  chainrule runs on
its Numba backend (``chainrule-numpy``: the NumPy one, the same algorithm, about 20 times
slower).  Nothing here is timed.
"""

from __future__ import annotations

import argparse
import os
import sys

from .environment import THREAD_ENV

for _k, _v in THREAD_ENV.items():
    os.environ.setdefault(_k, _v)

import numpy as np  # noqa: E402

from .workloads.nuts import DRAWS, WARMUP, _dim, _logdensity, numpyro_nuts  # noqa: E402


def _chainrule(target, warmup, draws, backend):
    import chainrule.numpy as cnp
    from chainrule import infer

    logp = _logdensity(cnp, target)
    x0 = np.zeros(_dim(target))

    def run(seed):
        res = infer.nuts(logp, x0, num_warmup=warmup, num_samples=draws, rng=seed,
                         progress=False, backend=backend)
        return (np.asarray(res.samples)[:1], res.stats["num_steps"][0],
                float(res.step_size[0]), int(res.num_divergences))
    return run


def _emcee(target, warmup, draws):
    from .workloads.nuts import _emcee as build

    run = build(target, warmup, draws)

    def run_with_stats(seed):
        chain, evals = run(seed)
        # likelihood evaluations per kept step: one per walker; no step size, no depth
        return chain, np.full(draws, evals // draws), float("nan"), 0
    return run_with_stats


def measure(run, seeds):
    """Per seed: (evals per ESS, ESS, evals, step size, steps/draw, depth, divergences)."""
    from chainrule import infer

    rows = []
    for seed in seeds:
        x, steps, eps, div = run(seed)
        ess = float(np.min(infer.ess(np.asarray(x, dtype=float))))
        steps = np.asarray(steps, dtype=int)
        # the depth of a trajectory of n steps: 2**(d-1) <= n < 2**d
        depth = np.floor(np.log2(np.maximum(steps, 1))) + 1
        rows.append((steps.sum() / ess, ess, steps.sum(), eps, steps.mean(), depth.mean(),
                     div))
    return np.array(rows, dtype=float)


def report(name, rows, draws):
    n = len(rows)

    def ms(col):
        v = rows[:, col]
        return f"{v.mean():8.3f} ± {v.std(ddof=1) / np.sqrt(n):6.3f}"

    pooled = rows[:, 2].sum() / rows[:, 1].sum()
    if np.isnan(rows[:, 3]).all():      # a gradient-free sampler: no step size or tree
        print(f"  {name:18s} evals/ESS mean {ms(0)}  median {np.median(rows[:, 0]):7.2f}  "
              f"pooled {pooled:6.2f} | ESS/draw {rows[:, 1].mean() / draws:5.3f}",
              flush=True)
        return
    print(f"  {name:18s} evals/ESS mean {ms(0)}  median {np.median(rows[:, 0]):7.2f}  "
          f"pooled {pooled:6.2f} | step {ms(3)} | steps/draw {ms(4)} | depth {ms(5)} | "
          f"ESS/draw {rows[:, 1].mean() / draws:5.3f} | divergences {rows[:, 6].sum():.0f}",
          flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.nuts_seeds")
    p.add_argument("--seeds", type=int, default=16)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--libs", default="chainrule,numpyro",
                   help="comma-separated: chainrule, chainrule-numpy, numpyro, emcee "
                        "(its ESS per draw counts walkers as chains)")
    p.add_argument("--targets", default="gaussian,eight_schools")
    args = p.parse_args(argv)
    if args.seeds < 2:
        p.error("--seeds must be at least 2 (the spread needs two)")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    builders = {
        "chainrule": lambda t: _chainrule(t, WARMUP, DRAWS, "numba"),
        "chainrule-numpy": lambda t: _chainrule(t, WARMUP, DRAWS, "numpy"),
        "numpyro": lambda t: numpyro_nuts(t, WARMUP, DRAWS),
        "emcee": lambda t: _emcee(t, WARMUP, DRAWS),
    }
    for target in args.targets.split(","):
        print(f"{target}: {len(seeds)} seeds from {args.first_seed}, "
              f"{WARMUP} warm-up, {DRAWS} draws (mean ± standard error)", flush=True)
        for lib in args.libs.split(","):
            report(lib, measure(builders[lib](target), seeds), DRAWS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
