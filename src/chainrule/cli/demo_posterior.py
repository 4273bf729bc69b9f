"""The demo's posterior section: NUTS samples of an absorption line next to its Fisher forecast.

A Gaussian absorption line on a sloped continuum is measured with known Gaussian noise.
With flat priors and a well-measured line the posterior is close to Gaussian, so its
widths should match the Cramér–Rao widths of the Fisher matrix ``J^T J / sigma^2``
computed at the truth from exact derivatives of the model: a forecast made before
taking any data.  The section samples the posterior with ``chainrule.infer.nuts``,
compares the widths (within 20 %) and draws a corner plot with the Fisher ellipses.
"""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp
from chainrule import infer
from chainrule.cli._format import check, indented, table
from chainrule.cli._plot import pyplot as _pyplot
from chainrule.cli._plot import save as _save

PARAMS = ("continuum", "slope", "depth", "center", "width")
TRUTH = np.array([1.0, 0.05, 0.6, 0.2, 0.35])
SIZES = {"quick": dict(n_pixels=80, num_warmup=200, num_samples=400, num_chains=2),
         "default": dict(n_pixels=120, num_warmup=500, num_samples=1500, num_chains=2),
         "full": dict(n_pixels=200, num_warmup=1000, num_samples=5000, num_chains=4)}


def line_model(theta, x):
    """Continuum ``c0 + c1 x`` minus a Gaussian line of depth ``d``, centre, width."""
    c0, c1, depth, center, width = (theta[i] for i in range(5))
    return c0 + c1 * x - depth * cnp.exp(-0.5 * ((x - center) / width) ** 2)


def corner(samples, truth, cov, labels, path, plt, save, out_dir):
    """A corner plot of ``samples`` (draws, k) with the Gaussian of ``cov`` overlaid:
    histograms on the diagonal, scatter plots and the 1- and 2-sigma ellipses below it."""
    k = samples.shape[1]
    fig, axes = plt.subplots(k, k, figsize=(2.1 * k, 2.1 * k))
    sd = np.sqrt(np.diag(cov))
    angle = np.linspace(0, 2 * np.pi, 200)
    circle = np.stack([np.cos(angle), np.sin(angle)])
    for i in range(k):
        for j in range(k):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                ax.hist(samples[:, i], bins=40, density=True, color="0.6")
                grid = truth[i] + np.linspace(-4, 4, 200) * sd[i]
                ax.plot(grid, np.exp(-0.5 * ((grid - truth[i]) / sd[i]) ** 2)
                        / (sd[i] * np.sqrt(2 * np.pi)), "C3", lw=1.2)
                ax.set_yticks([])
            else:
                ax.plot(samples[:, j], samples[:, i], ",", color="0.4", alpha=0.5)
                sub = cov[np.ix_([j, i], [j, i])]
                chol = np.linalg.cholesky(sub)
                for level in (1.0, 2.0):
                    # The Gaussian's 39 % and 86 % contours in two dimensions.
                    e = truth[[j, i], None] + level * chol @ circle
                    ax.plot(e[0], e[1], "C3", lw=1.0)
            ax.axvline(truth[j], color="C0", lw=0.8)
            if i != j:
                ax.axhline(truth[i], color="C0", lw=0.8)
            if i == k - 1:
                ax.set_xlabel(labels[j])
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(labels[i])
            elif j > 0:
                ax.set_yticklabels([])
            ax.tick_params(labelsize=6)
    fig.suptitle("NUTS posterior (grey) and Fisher forecast (red: 1 and 2 sigma); "
                 "blue: truth", fontsize=9)
    return save(fig, plt, out_dir, path)


def posterior_section(out_dir, mode="default", seed=1, **sizes):
    """Sample the line's posterior with NUTS and compare with the Fisher forecast."""
    size = dict(SIZES[mode], **sizes)
    print("\nPosterior vs Fisher forecast: NUTS on an absorption line "
          "(chainrule.infer.nuts, infer.fisher_information)")
    rng = np.random.default_rng(seed)
    x = np.linspace(-2.0, 2.0, size["n_pixels"])
    sigma = 0.02
    data = np.asarray(line_model(TRUTH, x)) + sigma * rng.normal(size=x.size)

    def logdensity(theta):      # flat priors, width kept positive by the likelihood's use
        r = (data - line_model(theta, x)) / sigma
        return -0.5 * cnp.sum(r * r)

    res = infer.nuts(logdensity, TRUTH * 1.02, num_warmup=size["num_warmup"],
                     num_samples=size["num_samples"], num_chains=size["num_chains"],
                     rng=seed, progress=False)
    draws = np.asarray(res.samples).reshape(-1, len(PARAMS))
    fisher = infer.fisher_information(lambda t: line_model(t, x), TRUTH, sigma)
    cov = np.linalg.inv(fisher)
    forecast = np.sqrt(np.diag(cov))
    post_sd = draws.std(axis=0)
    ratio = forecast / post_sd
    pulls = (draws.mean(axis=0) - TRUTH) / post_sd
    rhat = np.asarray(infer.rhat(np.asarray(res.samples)))
    ok = check(f"chains converged (max R-hat {np.max(rhat):.3f} < 1.05)",
               np.max(rhat) < 1.05)
    ok = check("posterior means within 3 posterior widths of the truth",
               np.all(np.abs(pulls) < 3)) and ok
    ok = check("Fisher widths within 20% of the posterior widths",
               np.all(np.abs(ratio - 1) < 0.2)) and ok
    rows = [[name, f"{t:g}", f"{m:.4f}", f"{s:.5f}", f"{f:.5f}", f"{r:.3f}"]
            for name, t, m, s, f, r in zip(PARAMS, TRUTH, draws.mean(axis=0), post_sd,
                                           forecast, ratio)]
    print(indented(table(["param", "truth", "posterior mean", "posterior sd", "Fisher sd",
                          "Fisher / posterior"], rows)))
    print(f"   {draws.shape[0]} draws from {size['num_chains']} chains, "
          f"{size['n_pixels']} pixels, noise sigma = {sigma}")
    plt = _pyplot()
    path = None
    if plt is not None:
        path = corner(draws, TRUTH, cov, PARAMS, "posterior_corner.png", plt, _save, out_dir)
    return {"matches": bool(ok), "figure": path, "ratio": ratio}
