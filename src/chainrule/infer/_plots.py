"""Forecast plots: confidence ellipses and corner plots of a Gaussian (a Fisher forecast or a
Laplace approximation).  Needs matplotlib, imported only when a plot is drawn."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["corner_plot", "fisher_ellipse"]

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
    if fig is None:
        fig = plt.figure(figsize=(2.2 * n + 0.8, 2.2 * n + 0.8))
    axes = fig.subplots(n, n, squeeze=False)
    std = np.sqrt(np.diag(cov))
    span = 3.5 * std
    for r in range(n):
        for c in range(n):
            ax = axes[r, c]
            if c > r:
                ax.set_visible(False)
                continue
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
