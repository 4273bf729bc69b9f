"""Random-walk Metropolis: a gradient-free baseline with an adapted Gaussian proposal."""

from __future__ import annotations

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import random as crandom

from ._adapt import DualAveraging, Welford, warmup_windows
from ._hmc import (SampleResult, call, check_initial, check_per_chain, check_scalar, Flat,
                   iteration_keys, make_key, progress_bar, select)

__all__ = ["metropolis"]


def logdensity_fn(logdensity, flat):
    def logp(z):
        v = logdensity(flat.unravel(z))
        return cnp.where(cnp.isnan(v) | (v == np.inf), -np.inf, v)
    return logp


def _rw_kernel(logp_fn, dim):
    def step(z, logp, g, key, scale, prop_sd, unused):
        k_prop, k_acc = crandom.split(key, 2)
        proposal = z + scale * prop_sd * crandom.normal(k_prop, (dim,))
        lp = logp_fn(proposal)
        log_ratio = lp - logp
        accept_prob = cnp.where(log_ratio >= 0, 1.0,
                                cnp.exp(cnp.where(cnp.isnan(log_ratio), -np.inf, log_ratio)))
        accept = crandom.uniform(k_acc) < accept_prob
        zn, lpn = select(accept, (proposal, lp), (z, logp))
        return zn, lpn, g, {"accept_prob": accept_prob}

    return step


def metropolis(logdensity, init, *, num_warmup=1000, num_samples=1000, num_chains=1, rng=None,
               progress="auto", scale=None, target_accept=None, init_per_chain=False):
    """Random-walk Metropolis with a diagonal Gaussian proposal adapted during warm-up.

    During warm-up the proposal's per-coordinate spread follows the variance of the draws
    (in Stan's windows, as the mass matrix of :func:`nuts`) and its overall scale is tuned by
    dual averaging towards ``target_accept`` (0.234, the optimum for many dimensions; 0.44
    for one parameter).  Needs no gradient: ``logdensity`` may be any function of
    ``chainrule.numpy`` operations that ``jit`` and ``vmap`` can trace.

    Parameters
    ----------
    logdensity : callable
        ``logdensity(params) -> scalar`` over a pytree of parameters.
    init : pytree
        Starting point of every chain (``init_per_chain=True``: one per chain).
    num_warmup, num_samples, num_chains : int
        As for :func:`nuts`.
    rng : int, key, numpy.random.Generator or None
        Seed or key; the same value gives the same draws.
    scale : float, optional
        Initial proposal scale (default ``2.38 / sqrt(dim)``).

    Returns
    -------
    SampleResult
        ``.samples`` with leaves shaped ``(chains, draws, ...)``; ``.stats["accept_prob"]``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule import infer
    >>> res = infer.metropolis(lambda x: -0.5 * cnp.sum(x ** 2), cnp.zeros(2),
    ...                        num_warmup=500, num_samples=2000, num_chains=2, rng=0)
    >>> bool(abs(res.samples.mean()) < 0.3 and abs(res.samples.var() - 1) < 0.3)
    True
    """
    if target_accept is not None and not 0 < target_accept < 1:
        raise ValueError(f"metropolis: target_accept must be a probability in (0, 1), got "
                         f"{target_accept!r}")
    if init_per_chain:
        check_per_chain(init, num_chains, "metropolis", "init_per_chain")
    first = (cr.tree_util.tree_map(lambda x: np.asarray(x)[0], init) if init_per_chain
             else init)
    flat = Flat(first)
    dim = flat.dim
    if init_per_chain:
        z = np.stack([flat.ravel(cr.tree_util.tree_map(lambda x, i=i: np.asarray(x)[i], init))
                      for i in range(num_chains)])
    else:
        z = np.tile(flat.ravel(init), (num_chains, 1))
    check_scalar(logdensity, flat, z, "metropolis")
    check_initial(logdensity, flat, z, gradient=False)
    logp_fn = logdensity_fn(logdensity, flat)
    logp = np.asarray(cr.jit(cr.vmap(logp_fn))(z))
    g = np.zeros(num_chains)
    transition = cr.jit(cr.vmap(_rw_kernel(logp_fn, dim)))
    if target_accept is None:
        target_accept = 0.44 if dim == 1 else 0.234
    s = np.full(num_chains, 2.38 / np.sqrt(dim) if scale is None else float(scale))
    prop_sd = np.ones((num_chains, dim))
    da = DualAveraging(s, target=target_accept)
    windows = warmup_windows(num_warmup)
    ends = {b for _, b in windows}
    welford = Welford(num_chains, dim, False)
    key_warm, key_draw = crandom.split(make_key(rng), 2)
    bar = progress_bar(progress, num_warmup + num_samples, "metropolis")
    unused = np.zeros(num_chains)
    warm_keys = iteration_keys(key_warm, num_warmup, num_chains)
    for i in range(num_warmup):
        keys = warm_keys[i]
        z, logp, g, stats = call(transition, z, logp, g, keys, s, prop_sd, unused)
        s = da.update(np.asarray(stats["accept_prob"]))
        if any(a <= i < b for a, b in windows):
            welford.update(z)
        if i + 1 in ends:
            prop_sd = np.sqrt(welford.inverse_mass())
            welford = Welford(num_chains, dim, False)
            da.restart(np.full(num_chains, 2.38 / np.sqrt(dim)))
        if bar is not None:
            bar.update(1)
    if num_warmup:
        s = da.final()
    draws = np.empty((num_chains, num_samples, dim))
    accept = np.empty((num_chains, num_samples))
    draw_keys = iteration_keys(key_draw, num_samples, num_chains)
    for i in range(num_samples):
        keys = draw_keys[i]
        z, logp, g, stats = call(transition, z, logp, g, keys, s, prop_sd, unused)
        draws[:, i] = z
        accept[:, i] = np.asarray(stats["accept_prob"])
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return SampleResult(flat.unravel_numpy(draws), {"accept_prob": accept}, s, prop_sd ** 2)
