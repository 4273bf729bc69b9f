"""The Laplace approximation: a Gaussian at the mode with the exact Hessian."""

from __future__ import annotations

import math

import numpy as np

import chainrule as cr
from chainrule.optimize import minimize

from ._ravel import check_continuous, FlatGaussian, param_labels, ravel_params

__all__ = ["LaplaceResult", "laplace"]


class LaplaceResult(FlatGaussian):
    """The Gaussian ``Normal(mean, cov)`` that :func:`laplace` fits.

    Attributes
    ----------
    mean : pytree
        The mode (MAP), with the structure of ``init``.
    cov : ndarray, shape (n, n)
        The inverse of the negative Hessian at the mode, in :func:`ravel_params` order.
    log_evidence : float
        ``log p(mode) + n/2 log(2π) - 1/2 log det(-H)``: the log of the integral of
        ``exp(logdensity)`` under the Gaussian approximation (exact when ``logdensity``
        is quadratic).
    logdensity_at_mode : float
    hessian : ndarray
        The Hessian of ``logdensity`` at the mode.
    labels : list of str
        Names of the flat parameters (:func:`param_labels`).
    unravel : callable
        Flat vector (or stack of them) to the pytree.
    optimize_result : scipy.optimize.OptimizeResult
    """

    def __init__(self, mean_flat, cov, hessian, logdensity_at_mode, unravel, labels,
                 optimize_result):
        self.mean_flat, self.cov, self.hessian = mean_flat, cov, hessian
        self.logdensity_at_mode = logdensity_at_mode
        self.unravel, self.labels = unravel, labels
        self.optimize_result = optimize_result
        n = mean_flat.size
        self.log_evidence = float(logdensity_at_mode + 0.5 * n * math.log(2 * math.pi)
                                  - 0.5 * np.linalg.slogdet(-hessian)[1])
        self._chol = np.linalg.cholesky(cov)

    def sample(self, n, rng=None):
        """``n`` draws from the Gaussian, as a pytree whose leaves have a leading axis ``n``.

        ``rng`` is a seed or a ``numpy.random.Generator``.
        """
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"sample: n must be a non-negative integer (the number of "
                             f"draws), got {n!r}")
        z = np.random.default_rng(rng).standard_normal((int(n), self.mean_flat.size))
        return self.unravel(self.mean_flat + z @ self._chol.T)

    def __repr__(self):
        return (f"LaplaceResult(n_params={self.mean_flat.size}, "
                f"log_evidence={self.log_evidence:.6g})")


def laplace(logdensity, init, *, method="BFGS", options=None, newton_steps=8):
    """Laplace approximation of ``exp(logdensity)`` around its maximum.

    Finds the mode with :func:`chainrule.optimize.minimize` (exact gradients), polishes it
    with Newton steps on the exact Hessian, and returns the Gaussian whose covariance is
    the inverse of the negative Hessian there.

    Parameters
    ----------
    logdensity : callable
        ``logdensity(params) -> scalar`` (an unnormalized log-posterior), written with
        ``chainrule.numpy``.  For constrained parameters pass the output of
        :func:`constrain`; the result then lives in unconstrained space.
    init : pytree of array_like
        Starting point of the optimization; fixes the structure of ``mean``.
    method : str
        The :func:`chainrule.optimize.minimize` method.
    options : dict, optional
        Passed to :func:`chainrule.optimize.minimize`.
    newton_steps : int
        Newton iterations after the optimizer, at most; they stop when the step no longer
        shrinks the gradient.

    Returns
    -------
    LaplaceResult
        ``.mean``, ``.cov``, ``.log_evidence``, ``.sample(n, rng=)``.

    Examples
    --------
    A Gaussian log-density is its own Laplace approximation:

    >>> import chainrule.numpy as cnp
    >>> from chainrule.infer import laplace
    >>> post = laplace(lambda p: -0.5 * ((p["mu"] - 1.0) / 2.0) ** 2, {"mu": 0.0})
    >>> float(post.mean["mu"]), post.cov, round(post.log_evidence, 8)   # log(√(2π)·2)
    (1.0, array([[4.]]), 1.61208571)
    """
    check_continuous(init)
    flat0, unravel = ravel_params(init)
    n = flat0.size
    if n == 0:
        raise ValueError("laplace: init has no parameters")

    def f(theta):
        return logdensity(unravel(theta))

    with np.errstate(invalid="ignore", divide="ignore"):  # reported below, in words
        value0 = np.asarray(f(flat0), dtype=float)
    if value0.shape != ():
        raise ValueError(f"laplace: logdensity must return a scalar, got shape {value0.shape}")
    if not np.isfinite(value0):
        kind = "NaN" if np.isnan(value0) else ("+inf" if value0 > 0 else "-inf")
        where = ", ".join(f"{label}={float(v)!r}" for label, v in zip(param_labels(init), flat0))
        raise ValueError(f"laplace: logdensity is {kind} at init ({where}); the search for "
                         "the mode needs a finite log density to start from. Pass an init "
                         "inside the support of the model.")

    result = minimize(lambda t: -f(t), flat0, method=method, options=options)
    theta = np.asarray(result.x, dtype=float)
    grad, hess = cr.grad(f), cr.hessian(f)
    g = np.asarray(grad(theta), dtype=float)
    for _ in range(newton_steps):
        H = np.asarray(hess(theta), dtype=float).reshape(n, n)
        try:
            step = np.linalg.solve(-H, g)
        except np.linalg.LinAlgError:
            break
        candidate = theta + step
        g_new = np.asarray(grad(candidate), dtype=float)
        if not (np.all(np.isfinite(g_new)) and np.linalg.norm(g_new) < np.linalg.norm(g)):
            break
        theta, g = candidate, g_new
    H = np.asarray(hess(theta), dtype=float).reshape(n, n)
    H = 0.5 * (H + H.T)
    eig = np.linalg.eigvalsh(-H)
    if not eig[0] > n * np.finfo(float).eps * np.abs(eig).max():
        raise ValueError(
            "laplace: the Hessian at the optimum is not negative definite, so the point "
            f"found is not a strict maximum (optimizer: {result.message}). Some parameter "
            "may be unconstrained by the density (add a prior), or the optimizer stopped "
            "early (try another init or method).")
    cov = np.linalg.inv(-H)
    cov = 0.5 * (cov + cov.T)
    return LaplaceResult(theta, cov, H, float(f(theta)), unravel, param_labels(init), result)
