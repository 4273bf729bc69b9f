"""NUTS against NumPyro, BlackJAX and emcee: effective samples per second and per gradient.

Two posteriors: a 10-D correlated Gaussian (condition number 100, random orientation) and the
non-centred eight-schools model (``mu ~ N(0, 5)``, ``tau ~ HalfCauchy(5)`` sampled as
``log tau``, ``eta_j ~ N(0, 1)``, ``y_j ~ N(mu + tau eta_j, sigma_j)``). Every NUTS runs one
chain, 500 warm-up iterations (step size and diagonal mass matrix) and 1000 draws, from a
fixed seed; emcee runs 32 walkers for 500 burn-in and 1000 kept steps.

Each sampler is run twice in the same process. **One-shot** is the first run, everything
included (tracing, compilation, warm-up, sampling: what a single interactive run costs).
**Steady** is the second run, with the compiled code reused: chainrule's ``nuts`` on the
same log density, and for NumPyro (its NUTS kernel through the functional ``hmc`` API, on
the same log density as the others) and BlackJAX the warm-up and draws as one jitted
``lax.scan``. NumPyro's ``MCMC.run`` on the equivalent NumPyro model compiles again at
every run: its row is one-shot twice. The ESS is the
smallest bulk ESS over the parameters (``chainrule.infer.ess``, equal to ArviZ's) of the
kept draws; gradient evaluations are the leapfrog steps of the kept draws; emcee's
likelihood evaluations are walkers x kept steps (its ESS treats walkers as chains, which
is only indicative: they are not independent). The check: every posterior mean within
5 MCSE of the reference (analytic for the Gaussian, a long NumPyro run for eight schools).

The ESS of 1000 draws moves by about 15% from one seed to the next, so the gradient (or
likelihood) evaluations per ESS, and the ratios built on them, are means over the runs of
8 seeds (the one-shot and steady runs and six more), shown with their standard error; the
ESS and ESS/s columns are the steady run's. ``--smoke`` averages its two runs only.
``python -m bench.nuts_seeds`` runs chainrule and NumPyro over many more seeds, with the
step size and trajectory lengths that explain a difference.
"""

from __future__ import annotations

import time

import numpy as np

from ..harness import Workload

DIM = 10
WARMUP, DRAWS, WALKERS = 500, 1000, 32
SMOKE = (60, 60)
# runs whose gradient evaluations per ESS are averaged (seeds 0..SEEDS-1; --smoke: 2)
SEEDS = 8
Y8 = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SIGMA8 = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
# Posterior means of (mu, log tau, eta_1..8) of the non-centred eight schools, from 4 NumPyro
# chains of 100,000 draws after 2000 warm-up iterations each (MCSE below 0.006 everywhere).
EIGHT_MEAN = np.array([4.388, 0.805, 0.316, 0.096, -0.086, 0.063, -0.162, -0.075, 0.356,
                       0.074])
LIBS = ("chainrule", "chainrule numba", "numpyro", "numpyro MCMC.run", "blackjax", "emcee")
LABEL = {"chainrule": "chainrule `infer.nuts`",
         "chainrule numba": "chainrule `infer.nuts(backend=\"numba\")`",
         "numpyro": "NumPyro NUTS (jitted scan)",
         "numpyro MCMC.run": "NumPyro NUTS (`MCMC.run`, a model)",
         "blackjax": "BlackJAX NUTS", "emcee": "emcee (stretch move)"}


def _gaussian():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(DIM, DIM)))
    cov = q @ np.diag(np.geomspace(0.1, 10.0, DIM)) @ q.T
    return np.linalg.inv(cov), np.arange(DIM) / 5.0


def _logdensity(xp, target):
    """The log density over a flat unconstrained vector, in the namespace ``xp``."""
    if target == "gaussian":
        prec, mu = _gaussian()

        def logp(x):
            d = x - mu
            return -0.5 * xp.sum(d * (prec @ d))
        return logp

    def logp(x):
        m, log_tau, eta = x[0], x[1], x[2:]
        tau = xp.exp(log_tau)
        theta = m + tau * eta
        # HalfCauchy(5) on tau, with the Jacobian of tau = exp(log tau)
        return (-0.5 * (m / 5.0) ** 2 - xp.log1p((tau / 5.0) ** 2) + log_tau
                - 0.5 * xp.sum(eta ** 2) - 0.5 * xp.sum(((Y8 - theta) / SIGMA8) ** 2))
    return logp


def _dim(target):
    return DIM if target == "gaussian" else 10


def _reference(target):
    return _gaussian()[1] if target == "gaussian" else EIGHT_MEAN


# --- the samplers: run(seed) -> (draws (chains, draws, dim), gradient evaluations) ---------

def _chainrule(target, warmup, draws, backend="numpy"):
    import chainrule.numpy as cnp
    from chainrule import infer

    logp = _logdensity(cnp, target)
    x0 = np.zeros(_dim(target))

    def run(seed):
        res = infer.nuts(logp, x0, num_warmup=warmup, num_samples=draws, rng=seed,
                         progress=False, backend=backend)
        return res.samples, int(res.stats["num_steps"].sum())
    return run


def _chainrule_numba(target, warmup, draws):
    import numba  # noqa: F401  (skipped, with the reason, when the extra is missing)

    return _chainrule(target, warmup, draws, backend="numba")


def numpyro_nuts(target, warmup, draws):
    """``run(seed) -> (draws (1, draws, dim), leapfrog steps per draw, step size,
    divergences)`` of NumPyro's NUTS kernel (also used by ``bench.nuts_seeds``)."""
    import jax
    import jax.numpy as jnp
    from numpyro.infer.hmc import hmc

    jax.config.update("jax_enable_x64", True)
    logp = _logdensity(jnp, target)
    x0 = jnp.zeros(_dim(target))
    # NumPyro's NUTS kernel through its functional API, the whole run in one jitted scan:
    # MCMC.run compiles again at every run, and the steady numbers exclude compilation.
    init_kernel, sample_kernel = hmc(potential_fn=lambda x: -logp(x), algo="NUTS")

    @jax.jit
    def sample(state):
        def one(state, _):
            state = sample_kernel(state)
            return state, (state.z, state.num_steps, state.diverging)
        state, (xs, steps, div) = jax.lax.scan(one, state, None, length=warmup + draws)
        return xs[warmup:], steps[warmup:], div[warmup:], state.adapt_state.step_size

    def run(seed):
        state = init_kernel(x0, num_warmup=warmup, rng_key=jax.random.PRNGKey(seed))
        xs, steps, div, eps = sample(state)
        return (np.asarray(xs)[None], np.asarray(steps), float(eps),
                int(np.sum(np.asarray(div))))
    return run


def _numpyro(target, warmup, draws):
    sample = numpyro_nuts(target, warmup, draws)

    def run(seed):
        xs, steps, _, _ = sample(seed)
        return xs, int(np.sum(steps))
    return run


def _numpyro_mcmc(target, warmup, draws):
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    jax.config.update("jax_enable_x64", True)
    if target == "gaussian":
        prec, mu = _gaussian()

        def model():
            numpyro.sample("x", dist.MultivariateNormal(jnp.asarray(mu),
                                                        precision_matrix=jnp.asarray(prec)))
    else:
        def model():
            m = numpyro.sample("mu", dist.Normal(0.0, 5.0))
            tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
            eta = numpyro.sample("eta", dist.Normal(0.0, 1.0).expand([8]))
            numpyro.sample("y", dist.Normal(m + tau * eta, jnp.asarray(SIGMA8)),
                           obs=jnp.asarray(Y8))

    def run(seed):
        # a new MCMC object per run, as a script would make: it compiles every time
        mcmc = MCMC(NUTS(model), num_warmup=warmup, num_samples=draws, num_chains=1,
                    progress_bar=False)
        mcmc.run(jax.random.PRNGKey(seed), extra_fields=("num_steps",))
        s = mcmc.get_samples()
        grads = int(np.sum(mcmc.get_extra_fields()["num_steps"]))
        if target == "gaussian":
            flat = np.asarray(s["x"])
        else:   # bulk ESS is rank-based: tau and log tau have the same
            flat = np.column_stack([np.asarray(s["mu"]), np.log(np.asarray(s["tau"])),
                                    np.asarray(s["eta"])])
        return flat[None], grads
    return run


def _blackjax(target, warmup, draws):
    import blackjax
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    logp = _logdensity(jnp, target)
    x0 = jnp.zeros(_dim(target))

    @jax.jit
    def sample(key):
        k_warm, k_draw = jax.random.split(key)
        adapt = blackjax.window_adaptation(blackjax.nuts, logp)
        (state, params), _ = adapt.run(k_warm, x0, num_steps=warmup)
        kernel = blackjax.nuts(logp, **params).step

        def one(state, k):
            state, info = kernel(k, state)
            return state, (state.position, info.num_integration_steps)
        _, (xs, steps) = jax.lax.scan(one, state, jax.random.split(k_draw, draws))
        return xs, jnp.sum(steps)

    def run(seed):
        xs, steps = sample(jax.random.PRNGKey(seed))
        return np.asarray(xs)[None], int(steps)
    return run


def _emcee(target, warmup, draws):
    import emcee

    logp = _logdensity(np, target)
    dim = _dim(target)

    def run(seed):
        rng = np.random.default_rng(seed)
        start = _reference(target) + 0.1 * rng.normal(size=(WALKERS, dim))
        sampler = emcee.EnsembleSampler(WALKERS, dim, logp)
        sampler.random_state = np.random.RandomState(seed).get_state()
        sampler.run_mcmc(start, warmup + draws)
        chain = sampler.get_chain(discard=warmup)        # (draws, walkers, dim)
        return np.swapaxes(chain, 0, 1), WALKERS * draws
    return run


BUILDERS = {"chainrule": _chainrule, "chainrule numba": _chainrule_numba, "numpyro": _numpyro,
            "numpyro MCMC.run": _numpyro_mcmc,
            "blackjax": _blackjax, "emcee": _emcee}


def _measure(lib, target, warmup, draws, seeds=SEEDS):
    from chainrule import infer

    rec = {"workload": "nuts", "case": target, "library": lib, "note": "", "reason": "",
           "params": {"warmup": warmup, "draws": draws}}
    try:
        start = time.perf_counter()
        run = BUILDERS[lib](target, warmup, draws)
        x1, grads1 = run(0)
        one_shot = time.perf_counter() - start
        start = time.perf_counter()
        x, grads = run(1)
        steady = time.perf_counter() - start
        # more seeds for the ESS and gradient counts only (untimed)
        runs = [(x1, grads1), (x, grads)] + [run(seed) for seed in range(2, seeds)]
    except ImportError as exc:
        rec.update(status="skipped", reason=f"not installed ({exc})")
        return rec
    except Exception as exc:  # reported in the table, never dropped
        rec.update(status="error", reason=f"{type(exc).__name__}: {exc}"[:300])
        return rec
    x = np.asarray(x, dtype=float)
    ess = float(np.min(infer.ess(x)))
    ess1 = float(np.min(infer.ess(np.asarray(x1, dtype=float))))
    ess_seeds = np.array([float(np.min(infer.ess(np.asarray(xs, dtype=float))))
                          for xs, _ in runs])
    per_seed = np.array([g for _, g in runs]) / ess_seeds
    err = np.abs(x.mean(axis=(0, 1)) - _reference(target)) / infer.mcse(x)
    ok = bool(np.max(err) < 5.0)
    rec.update(status="ok" if ok else "wrong", one_shot_s=one_shot, steady_s=steady,
               ess=ess, grads=grads, ess_per_s=ess / steady, ess_per_s_one_shot=ess1 / one_shot,
               ess_mean=float(ess_seeds.mean()),
               evals_per_ess=float(per_seed.mean()),
               evals_per_ess_se=float(per_seed.std(ddof=1) / np.sqrt(len(per_seed))),
               evals_per_ess_seeds=per_seed.tolist(), worst_mcse=float(np.max(err)))
    if not ok:
        rec["reason"] = f"posterior mean off by {np.max(err):.1f} MCSE"
    return rec


def run(libs, cfg, log=print):
    warmup, draws = SMOKE if cfg.smoke else (WARMUP, DRAWS)
    records = []
    for target in ("gaussian", "eight_schools"):
        for lib in LIBS:
            if cfg.smoke and not lib.startswith("chainrule"):
                rec = {"workload": "nuts", "case": target, "library": lib, "note": "",
                       "params": {}, "status": "skipped", "reason": "not run in --smoke mode"}
            else:
                rec = _measure(lib, target, warmup, draws, 2 if cfg.smoke else SEEDS)
            records.append(rec)
            if rec["status"] == "ok":
                log(f"  nuts         {target:14s} {lib:17s} ESS/s {rec['ess_per_s']:8.0f} "
                    f"one-shot {rec['ess_per_s_one_shot']:6.0f}  evals/ESS "
                    f"{rec['evals_per_ess']:6.1f}")
            else:
                log(f"  nuts         {target:14s} {lib:17s} {rec['status']}: {rec['reason']}")
    return records


def _ratio(a, b):
    return a / b if a and b else float("nan")


def _evals_ratio(num, den):
    """``num``'s evaluations per ESS over ``den``'s, with the standard error of the ratio
    (the two means' relative errors added in quadrature)."""
    r = _ratio(num["evals_per_ess"], den["evals_per_ess"])
    rel = np.hypot(num["evals_per_ess_se"] / num["evals_per_ess"],
                   den["evals_per_ess_se"] / den["evals_per_ess"])
    return f"{r:.2f} ± {r * rel:.2f}"


def summary(records):
    """Per posterior: each sampler's numbers, then chainrule's ratios to NumPyro and emcee."""
    lines = []
    for target in ("gaussian", "eight_schools"):
        recs = {r["library"]: r for r in records if r["case"] == target}
        title = "10-D correlated Gaussian" if target == "gaussian" else "eight schools"
        lines += [f"**{title}**", "",
                  "| sampler | min bulk ESS | ESS/s steady | ESS/s one-shot | gradient (or "
                  "likelihood) evaluations per ESS, mean of seeds ± s.e. | steady run | "
                  "one-shot run |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for lib in LIBS:
            r = recs.get(lib)
            if r is None:
                continue
            if r["status"] != "ok":
                lines.append(f"| {LABEL[lib]} | {r['status']}: {r['reason']} | | | | | |")
                continue
            lines.append(f"| {LABEL[lib]} | {r['ess']:.0f} | {r['ess_per_s']:.0f} | "
                         f"{r['ess_per_s_one_shot']:.0f} | {r['evals_per_ess']:.1f} ± "
                         f"{r['evals_per_ess_se']:.1f} | "
                         f"{r['steady_s']:.2f} s | {r['one_shot_s']:.2f} s |")
        cr, npy, em, run = (recs.get(k) for k in ("chainrule", "numpyro", "emcee",
                                                    "numpyro MCMC.run"))
        if cr and npy and cr["status"] == npy["status"] == "ok":
            lines += ["", f"chainrule ÷ NumPyro: steady ESS/s "
                      f"{_ratio(cr['ess_per_s'], npy['ess_per_s']):.3f}, one-shot ESS/s "
                      f"{_ratio(cr['ess_per_s_one_shot'], npy['ess_per_s_one_shot']):.2f}, "
                      f"gradient evaluations per ESS "
                      f"{_evals_ratio(cr, npy)} ({len(cr['evals_per_ess_seeds'])} seeds)."]
            # One seed's ESS varies by tens of percent between libraries: the one-shot
            # time with each library's mean ESS over the seeds is the steadier comparison.
            mean_once = _ratio(cr["ess_mean"] / cr["one_shot_s"],
                               npy["ess_mean"] / npy["one_shot_s"])
            lines.append(f"chainrule ÷ NumPyro, one-shot ESS/s with each one's mean ESS "
                         f"over the seeds: {mean_once:.2f} (one-shot run time "
                         f"{_ratio(cr['one_shot_s'], npy['one_shot_s']):.2f}).")
            if run and run["status"] == "ok":
                lines.append(f"chainrule ÷ NumPyro `MCMC.run`, one-shot ESS/s: "
                             f"{_ratio(cr['ess_per_s_one_shot'], run['ess_per_s_one_shot']):.2f}.")
            crn = recs.get("chainrule numba")
            if crn and crn["status"] == "ok":
                steady = _ratio(crn["ess_per_s"], npy["ess_per_s"])
                once = _ratio(crn["ess_per_s_one_shot"], npy["ess_per_s_one_shot"])
                lines.append(f"chainrule (Numba backend) ÷ NumPyro: steady ESS/s "
                             f"{steady:.3f}, one-shot ESS/s {once:.2f}.")
            if em and em["status"] == "ok":
                lines.append(
                    f"ESS per evaluation ÷ emcee's ({len(em['evals_per_ess_seeds'])} "
                    f"seeds): chainrule {_evals_ratio(em, cr)}, NumPyro "
                    f"{_evals_ratio(em, npy)}.")
        lines.append("")
    return lines


def headline(records):
    out = []
    for r in records:
        if r["library"].startswith("chainrule") and r["status"] == "ok":
            backend = " (Numba backend)" if r["library"] == "chainrule numba" else ""
            out.append(f"NUTS{backend} ({r['case']}): {r['ess_per_s']:.0f} ESS/s steady, "
                       f"{r['ess_per_s_one_shot']:.0f} one-shot, {r['evals_per_ess']:.1f} "
                       f"gradient evaluations per effective sample (mean of "
                       f"{len(r['evals_per_ess_seeds'])} seeds).")
    return out


WORKLOAD = Workload(
    name="nuts",
    title="NUTS against NumPyro, BlackJAX and emcee (10-D Gaussian, eight schools)",
    description=" ".join(" ".join(__doc__.split("\n\n")[1:3]).split()),
    run=run,
    summary=summary,
    headline=headline,
    generic_table=False,
)
