"""Plots: confidence ellipses and corner plots of a Gaussian (a Fisher forecast or a Laplace
approximation), and trace and corner plots of draws.  Needs matplotlib, imported only when a
plot is drawn; ``corner`` draws the corner plot of draws when it is installed."""

from __future__ import annotations

import math

import numpy as np

from chainrule.tree_util import tree_flatten, tree_map

from ._ravel import param_labels, ravel_params

__all__ = ["corner_plot", "fisher_ellipse", "plot_corner", "plot_trace"]

# Δχ² enclosing 68.27% and 95.45% of a 2-D Gaussian: -2 log(1 - p) for 1σ and 2σ.
_LEVELS_2D = {n: -2.0 * math.log(math.erfc(n / math.sqrt(2.0))) for n in (1, 2, 3)}


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("chainrule.infer plots need matplotlib: pip install matplotlib") \
            from None
    return plt


def _cov(cov):
    cov = np.asarray(cov, dtype=float)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"expected a square covariance matrix, got shape {cov.shape}")
    if np.any(np.diag(cov) <= 0):
        raise ValueError("the covariance has a non-positive variance; pass the inverse of a "
                         "positive definite Fisher matrix")
    return cov


def _ellipse_points(sub, centre, level, n=181):
    values, vectors = np.linalg.eigh(sub)
    t = np.linspace(0.0, 2.0 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    return centre[:, None] + vectors @ (np.sqrt(level * np.clip(values, 0, None))[:, None]
                                        * circle)


def fisher_ellipse(cov, i=0, j=1, *, mean=None, ax=None, nsigma=(1, 2), labels=None,
                   **line_kwargs):
    """Draw the 1σ/2σ confidence ellipses of parameters ``i`` and ``j``.

    Parameters
    ----------
    cov : array_like, shape (n, n)
        A covariance: the inverse of a Fisher matrix, or a Laplace ``cov``.
    i, j : int
        The parameters on the x and y axes.
    mean : array_like, shape (n,), optional
        The centre (default zeros).
    ax : matplotlib Axes, optional
        Drawn on a new figure's axes when not given.
    nsigma : sequence of {1, 2, 3}
        The contours: regions holding 68.3%, 95.4%, 99.7% of the 2-D Gaussian.
    labels : sequence of str, optional
        Names of the parameters, for the axis labels.
    **line_kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    cov = _cov(cov)
    n = cov.shape[0]
    mean = np.zeros(n) if mean is None else np.asarray(mean, dtype=float).reshape(n)
    if ax is None:
        ax = plt.subplots()[1]
    idx = [i, j]
    sub = cov[np.ix_(idx, idx)]
    centre = mean[idx]
    color = line_kwargs.pop("color", "C0")
    for k in nsigma:
        if k not in _LEVELS_2D:
            raise ValueError(f"fisher_ellipse: nsigma entries must be 1, 2 or 3, got {k}")
        x, y = _ellipse_points(sub, centre, _LEVELS_2D[k])
        ax.plot(x, y, color=color, label=f"{k}σ", **line_kwargs)
    if labels is not None:
        ax.set_xlabel(labels[i])
        ax.set_ylabel(labels[j])
    return ax


def corner_plot(cov, *, mean=None, labels=None, nsigma=(1, 2), fig=None, color="C0"):
    """A corner plot of a Gaussian forecast: 1-D marginals on the diagonal, 2-D
    confidence ellipses below it.

    Parameters
    ----------
    cov : array_like, shape (n, n)
        The covariance (the inverse Fisher matrix, or a Laplace ``cov``).
    mean : array_like, shape (n,), optional
        The fiducial values (default zeros).
    labels : sequence of str, optional
        Parameter names (:func:`param_labels`); ``θ0, θ1, ...`` by default.
    nsigma : sequence of {1, 2, 3}
    fig : matplotlib Figure, optional
    color : str

    Returns
    -------
    matplotlib Figure
        With an ``n × n`` grid of axes; those above the diagonal are hidden.
    """
    plt = _pyplot()
    cov = _cov(cov)
    n = cov.shape[0]
    mean = np.zeros(n) if mean is None else np.asarray(mean, dtype=float).reshape(n)
    labels = [f"θ{k}" for k in range(n)] if labels is None else list(labels)
    if len(labels) != n:
        raise ValueError(f"corner_plot: {len(labels)} labels for {n} parameters")
    fig, axes = _triangle(plt, n, fig)
    std = np.sqrt(np.diag(cov))
    span = 3.5 * std
    for r in range(n):
        for c in range(r + 1):
            ax = axes[r, c]
            if c == r:
                x = np.linspace(mean[r] - span[r], mean[r] + span[r], 201)
                ax.plot(x, np.exp(-0.5 * ((x - mean[r]) / std[r]) ** 2), color=color)
                ax.set_yticks([])
                ax.set_title(f"{labels[r]} = {mean[r]:.4g} ± {std[r]:.2g}", fontsize="small")
            else:
                fisher_ellipse(cov, c, r, mean=mean, ax=ax, nsigma=nsigma, color=color)
                ax.set_ylim(mean[r] - span[r], mean[r] + span[r])
                if c == 0:
                    ax.set_ylabel(labels[r])
                else:
                    ax.set_yticklabels([])
            ax.set_xlim(mean[c] - span[c], mean[c] + span[c])
            if r == n - 1:
                ax.set_xlabel(labels[c])
            else:
                ax.set_xticklabels([])
    return fig


# --- plots of draws ---------------------------------------------------------------------

def _draws(samples, name):
    """``(chains, draws, n)`` array and labels of a pytree of draws, in :func:`ravel_params`
    order (the order of a Fisher matrix of the same parameters)."""
    samples = getattr(samples, "samples", samples)
    leaves, _ = tree_flatten(samples)
    if not leaves:
        raise ValueError(f"{name}: there are no draws")
    arrays = [np.asarray(leaf, dtype=float) for leaf in leaves]
    for a in arrays:
        if a.ndim < 2 or a.shape[:2] != arrays[0].shape[:2]:
            raise ValueError(f"{name}: every leaf of the draws must have the leading axes "
                             f"(chains, draws) of the first, got shapes "
                             f"{[x.shape for x in arrays]}; for a single chain pass x[None]")
    chains, draws = arrays[0].shape[:2]
    flat = np.concatenate([a.reshape(chains, draws, -1) for a in arrays], axis=2)
    labels = param_labels(tree_map(lambda x: np.asarray(x)[0, 0], samples))
    return flat, labels


def plot_trace(samples, *, labels=None, divergences=None, fig=None, bins=30):
    """Trace plot: for each scalar parameter, its per-chain histograms (left) and the
    draws against iteration (right).

    Parameters
    ----------
    samples : pytree of arrays or SampleResult
        Each leaf shaped ``(chains, draws, ...)``; one row per scalar entry.  For a
        :class:`SampleResult` with divergences they are marked under the traces.
    labels : sequence of str, optional
        Row names (default :func:`param_labels` names, ``"theta[1]"``...).
    divergences : array of bool, shape (chains, draws), optional
        Draws to mark (default ``samples.stats["diverging"]`` for a sampler's result).
    fig : matplotlib Figure, optional
    bins : int
        Histogram bins.

    Returns
    -------
    matplotlib Figure
        With ``2 * n`` axes for ``n`` scalar parameters, row by row.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from chainrule import infer
    >>> draws = {"mu": np.random.default_rng(0).normal(size=(2, 200))}
    >>> fig = infer.plot_trace(draws)
    >>> len(fig.axes)
    2
    """
    plt = _pyplot()
    if divergences is None and hasattr(samples, "stats"):
        divergences = samples.stats.get("diverging")
    flat, names = _draws(samples, "plot_trace")
    chains, draws, n = flat.shape
    names = names if labels is None else list(labels)
    if len(names) != n:
        raise ValueError(f"plot_trace: {len(names)} labels for {n} parameters")
    if fig is None:
        fig = plt.figure(figsize=(10, 1.9 * n + 0.6), layout="constrained")
    axes = fig.subplots(n, 2, squeeze=False, width_ratios=[1, 2.5])
    steps = np.arange(draws)
    div = None if divergences is None else np.asarray(divergences, dtype=bool)
    for k in range(n):
        left, right = axes[k]
        x = flat[:, :, k]
        lo, hi = np.min(x), np.max(x)
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
        for c in range(chains):
            left.hist(x[c], bins=edges, density=True, histtype="step", color=f"C{c % 10}")
            right.plot(steps, x[c], lw=0.6, alpha=0.8, color=f"C{c % 10}")
        left.set_yticks([])
        left.set_title(names[k], fontsize="small")
        right.set_xlim(0, max(draws - 1, 1))
        if div is not None and div.any():
            dc, dd = np.nonzero(div)
            right.plot(dd, np.full(dd.shape, lo), "|", color="k", ms=8,
                       label=f"{dd.size} divergent")
            right.legend(loc="upper right", fontsize="x-small")
    axes[-1, 1].set_xlabel("draw")
    return fig


def plot_corner(samples, *, truths=None, fisher=None, labels=None, bins=20, nsigma=(1, 2),
                fig=None, use_corner=None):
    """Corner plot of draws: 1-D histograms on the diagonal, 2-D ones below, with optional
    true values and the ellipses of a Fisher forecast on top.

    Parameters
    ----------
    samples : pytree of arrays or SampleResult
        Each leaf shaped ``(chains, draws, ...)``; the chains are pooled.  Draws without a
        chain axis (``laplace(...).sample(n)``) take one: ``tree_map(lambda x: x[None], s)``.
    truths : array_like, shape (n,), or dict, optional
        Values to mark (the fiducial parameters), in :func:`ravel_params` order, or a
        dict of the parameters' structure (``{"mu": 0.0, ...}``, as ``init``).
    fisher : array_like, shape (n, n), optional
        A Fisher matrix of the same parameters (:func:`fisher_information`, in
        :func:`ravel_params` order): its 1σ/2σ ellipses are drawn centred on ``truths``
        (or on the mean of the draws), and its Gaussian marginals on the diagonal.
    labels : sequence of str, optional
    bins : int
    nsigma : sequence of {1, 2, 3}
        Ellipses of the Fisher overlay.
    fig : matplotlib Figure, optional
    use_corner : bool, optional
        Draw the plot with the ``corner`` package (default: when it is installed);
        ``False`` uses the matplotlib version of this module.

    Returns
    -------
    matplotlib Figure
        With an ``n × n`` grid of axes (those above the diagonal hidden).

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from chainrule import infer
    >>> draws = {"a": np.random.default_rng(0).normal(size=(2, 500, 2))}
    >>> fig = infer.plot_corner(draws, truths=[0.0, 0.0], fisher=np.eye(2), use_corner=False)
    >>> len(fig.axes)
    4
    """
    plt = _pyplot()
    flat, draw_names = _draws(samples, "plot_corner")
    x = flat.reshape(-1, flat.shape[2])
    total, n = x.shape
    names = draw_names if labels is None else list(labels)
    if len(names) != n:
        raise ValueError(f"plot_corner: {len(names)} labels for {n} parameters")
    if isinstance(truths, dict):
        # The true values in the structure of the parameters, as init was given.
        if param_labels(truths) != draw_names:
            raise ValueError(f"plot_corner: truths given as a dict must name every "
                             f"parameter of the draws, {draw_names}; got "
                             f"{param_labels(truths)}")
        truths = ravel_params(truths)[0]
    if truths is not None:
        truths = np.asarray(truths, dtype=float).reshape(-1)
        if truths.size != n:
            raise ValueError(f"plot_corner: {truths.size} truths for {n} parameters")
    cov = None
    if fisher is not None:
        F = np.asarray(fisher, dtype=float)
        if F.shape != (n, n):
            raise ValueError(f"plot_corner: the Fisher matrix has shape {F.shape}, the draws "
                             f"have {n} parameters (expected ({n}, {n}), in ravel_params "
                             "order)")
        cov = _cov(np.linalg.inv(F))
    lo, hi = x.min(axis=0), x.max(axis=0)
    if cov is not None:   # make room for the forecast when it is wider than the draws
        centre = truths if truths is not None else x.mean(axis=0)
        spread = 2.5 * np.sqrt(np.diag(cov))
        lo, hi = np.minimum(lo, centre - spread), np.maximum(hi, centre + spread)
    hi = np.where(hi > lo, hi, lo + 1.0)
    ranges = list(zip(lo.tolist(), hi.tolist()))

    if use_corner is None:
        try:
            import corner  # noqa: F401
            use_corner = True
        except ImportError:
            use_corner = False
    if use_corner:
        try:
            import corner
        except ImportError:
            raise ImportError("plot_corner(use_corner=True) needs the corner package: "
                              "pip install corner (or chainrule[infer])") from None
        fig = corner.corner(x, bins=bins, range=ranges, labels=names, truths=truths, fig=fig)
        axes = np.array(fig.axes).reshape(n, n)
    else:
        axes = _own_corner(plt, x, names, truths, bins, ranges, fig)
        fig = axes[0, 0].figure
    if cov is not None:
        centre = truths if truths is not None else x.mean(axis=0)
        std = np.sqrt(np.diag(cov))
        for r in range(n):
            # the Gaussian marginal, scaled to the counts of the histogram
            g = np.linspace(*ranges[r], 201)
            width = (ranges[r][1] - ranges[r][0]) / bins
            pdf = np.exp(-0.5 * ((g - centre[r]) / std[r]) ** 2) / (std[r] * math.sqrt(2 * math.pi))
            axes[r, r].plot(g, total * width * pdf, color="C3", lw=1.2)
            for c in range(r):
                fisher_ellipse(cov, c, r, mean=centre, ax=axes[r, c], nsigma=nsigma,
                               color="C3", lw=1.2)
    return fig


def _triangle(plt, n, fig):
    """``(fig, axes)``: an ``n × n`` grid of axes (on a new figure when ``fig`` is None)
    with those above the diagonal hidden, as corner plots draw."""
    if fig is None:
        fig = plt.figure(figsize=(2.2 * n + 0.8, 2.2 * n + 0.8))
    axes = fig.subplots(n, n, squeeze=False)
    for r in range(n):
        for c in range(r + 1, n):
            axes[r, c].set_visible(False)
    return fig, axes


def _own_corner(plt, x, names, truths, bins, ranges, fig):
    n = x.shape[1]
    fig, axes = _triangle(plt, n, fig)
    for r in range(n):
        for c in range(r + 1):
            ax = axes[r, c]
            if c == r:
                ax.hist(x[:, r], bins=bins, range=ranges[r], histtype="step", color="k")
                ax.set_yticks([])
                if truths is not None:
                    ax.axvline(truths[r], color="C0")
            else:
                ax.hist2d(x[:, c], x[:, r], bins=bins, range=[ranges[c], ranges[r]],
                          cmap="Greys")
                ax.set_ylim(*ranges[r])
                if truths is not None:
                    ax.axvline(truths[c], color="C0")
                    ax.axhline(truths[r], color="C0")
                    ax.plot(truths[c], truths[r], "s", color="C0")
                if c == 0:
                    ax.set_ylabel(names[r])
                else:
                    ax.set_yticklabels([])
            ax.set_xlim(*ranges[c])
            if r == n - 1:
                ax.set_xlabel(names[c])
            else:
                ax.set_xticklabels([])
    return axes
