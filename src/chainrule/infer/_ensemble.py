"""The affine-invariant ensemble sampler with the stretch move (Goodman & Weare 2010)."""

from __future__ import annotations

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import random as crandom
from chainrule.tree_util import tree_map

from ._hmc import (SampleResult, check_initial, check_per_chain, check_scalar, Flat, make_key,
                   progress_bar)
from ._metropolis import logdensity_fn

__all__ = ["ensemble"]


def _stretch_step(logp_fn, walkers, dim, a):
    half = walkers // 2
    log_pdf = cr.vmap(logp_fn)

    def move(active, lp_active, others, key):
        """Stretch each active walker towards a random walker of the other half."""
        k_pick, k_z, k_acc = crandom.split(key, 3)
        n = active.shape[0]
        j = crandom.randint(k_pick, (n,), 0, others.shape[0])
        partner = cnp.take(others, j, axis=0)
        # z has density proportional to 1/sqrt(z) on [1/a, a]
        u = crandom.uniform(k_z, (n,))
        z = ((a - 1.0) * u + 1.0) ** 2 / a
        proposal = partner + z[:, None] * (active - partner)
        lp = log_pdf(proposal)
        log_ratio = (dim - 1) * cnp.log(z) + lp - lp_active
        log_ratio = cnp.where(cnp.isnan(log_ratio), -np.inf, log_ratio)
        accept = cnp.log(crandom.uniform(k_acc, (n,))) < log_ratio
        accept_prob = cnp.where(log_ratio >= 0, 1.0, cnp.exp(log_ratio))
        return (cnp.where(accept[:, None], proposal, active), cnp.where(accept, lp, lp_active),
                accept_prob)

    def step(x, lp, key):
        k1, k2 = crandom.split(key, 2)
        first, lp_first, acc1 = move(x[:half], lp[:half], x[half:], k1)
        second, lp_second, acc2 = move(x[half:], lp[half:], first, k2)
        return (cnp.concatenate([first, second]), cnp.concatenate([lp_first, lp_second]),
                cnp.concatenate([acc1, acc2]))

    return step


def ensemble(logdensity, init, *, num_warmup=1000, num_samples=1000, num_walkers=None,
             rng=None, progress="auto", a=2.0, init_scale=1e-2, init_per_walker=False):
    """Affine-invariant ensemble sampling (emcee's stretch move), gradient-free.

    The walkers move in two halves; each walker of one half proposes
    ``X_j + z (X_k - X_j)`` towards a random walker ``X_j`` of the other half, with ``z``
    drawn from ``g(z) ~ 1/sqrt(z)`` on ``[1/a, a]``, and accepts with probability
    ``min(1, z**(dim-1) p(Y) / p(X_k))``.  The sampler is unchanged by affine maps of the
    parameters, so it needs no tuning for correlated posteriors.  The warm-up
    (``num_warmup``) is burn-in only.

    Parameters
    ----------
    logdensity : callable
        ``logdensity(params) -> scalar`` over a pytree of parameters.
    init : pytree
        The centre of the initial ball of walkers (radius ``init_scale``); with
        ``init_per_walker=True``, one start per walker on a leading axis.
    num_walkers : int, optional
        Even, at least ``2 * dim`` (the default is ``max(2 * dim + 2, 8)`` rounded to even).
    rng : int, key, numpy.random.Generator or None
        Seed or key.
    a : float
        The stretch scale (2, as emcee).

    Returns
    -------
    SampleResult
        ``.samples`` with leaves shaped ``(walkers, draws, ...)``.  The walkers are not
        independent chains: R-hat and ESS computed across walkers are only indicative.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule import infer
    >>> res = infer.ensemble(lambda x: -0.5 * cnp.sum(x ** 2), cnp.zeros(2),
    ...                      num_warmup=300, num_samples=500, rng=0)
    >>> res.samples.shape
    (8, 500, 2)
    >>> bool(abs(res.samples.var() - 1) < 0.3)
    True
    """
    if init_per_walker:
        # Without num_walkers, one walker per start given.
        num_walkers = check_per_chain(init, num_walkers, "ensemble", "init_per_walker")
    first = tree_map(lambda x: np.asarray(x)[0], init) if init_per_walker else init
    flat = Flat(first)
    dim = flat.dim
    if num_walkers is None:
        num_walkers = max(2 * dim + 2, 8)
        num_walkers += num_walkers % 2
    if num_walkers % 2 or num_walkers < 4:
        raise ValueError(f"ensemble: num_walkers must be even and at least 4, got "
                         f"{num_walkers} (at least 2 * dim = {2 * dim} is advised).")
    key_init, key_run = crandom.split(make_key(rng), 2)
    if init_per_walker:
        x = np.stack([flat.ravel(tree_map(lambda v, i=i: np.asarray(v)[i], init))
                      for i in range(num_walkers)])
    else:
        x = flat.ravel(init) + init_scale * np.asarray(
            crandom.normal(key_init, (num_walkers, dim)))
    check_scalar(logdensity, flat, x, "ensemble")
    logp_fn = logdensity_fn(logdensity, flat)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        lp = np.asarray(cr.jit(cr.vmap(logp_fn))(x))
    if not np.all(np.isfinite(lp)):
        check_initial(logdensity, flat, x, gradient=False)
    step = cr.jit(_stretch_step(logp_fn, num_walkers, dim, float(a)))
    bar = progress_bar(progress, num_warmup + num_samples, "ensemble")
    draws = np.empty((num_walkers, num_samples, dim))
    accept = np.empty((num_walkers, num_samples))
    for i in range(num_warmup + num_samples):
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            x, lp, acc = step(x, lp, crandom.fold_in(key_run, i))
        x, lp = np.asarray(x), np.asarray(lp)
        if i >= num_warmup:
            draws[:, i - num_warmup] = x
            accept[:, i - num_warmup] = np.asarray(acc)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return SampleResult(flat.unravel_numpy(draws), {"accept_prob": accept})
