"""Hamiltonian Monte Carlo: the shared machinery of the gradient-based samplers, and ``hmc``.

A model is ``logdensity(params) -> scalar`` over a pytree of parameters.  Internally the
parameters are one flat vector; a transition is a pure function of (position, key, step
size, inverse mass matrix), ``vmap``-ed over chains and compiled once with ``jit``.  The
warm-up (``_adapt``) and the bookkeeping run on the host between transitions.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import lax
from chainrule import random as crandom
from chainrule._src.progress import progress_bar
from chainrule.tree_util import tree_flatten, tree_map, tree_unflatten

from ._adapt import DualAveraging, Welford, warmup_windows
from ._arviz import to_inference_data
from ._ravel import check_continuous
from ._summary import summary

__all__ = ["SampleResult", "hmc"]

# An energy error above this ends a trajectory as divergent (Stan's and NumPyro's threshold).
MAX_ENERGY_ERROR = 1000.0


class SampleResult:
    """Draws and per-draw statistics of a sampler.

    Attributes
    ----------
    samples : pytree
        The parameter pytree; each leaf has leading axes ``(chains, draws)``.
    stats : dict of str to numpy.ndarray
        Arrays shaped ``(chains, draws)``: ``step_size``, ``accept_prob`` (the statistic the
        step size adapts to), ``diverging``, ``energy`` (the Hamiltonian of the draw, for
        BFMI), ``num_steps`` (leapfrog steps, i.e. gradient evaluations) and, for NUTS,
        ``tree_depth``.  Gradient-free samplers report ``accept_prob`` only.
    step_size : numpy.ndarray
        The adapted step size of each chain.
    inverse_mass_matrix : numpy.ndarray
        The adapted inverse mass matrix of each chain: ``(chains, dim)`` (diagonal) or
        ``(chains, dim, dim)`` (dense), over the flattened parameters.
    warmup_divergences : int
        Divergent transitions during warm-up (not in ``stats``; a few while the step size
        is still large are harmless).
    """

    def __init__(self, samples, stats, step_size=None, inverse_mass_matrix=None):
        self.samples, self.stats = samples, stats
        self.step_size, self.inverse_mass_matrix = step_size, inverse_mass_matrix
        self.warmup_divergences = 0

    @property
    def num_divergences(self):
        """The number of divergent transitions after warm-up, summed over chains."""
        return int(np.sum(self.stats.get("diverging", 0)))

    def summary(self, *, hdi_prob=0.94):
        """The :func:`chainrule.infer.summary` table of :attr:`samples`."""
        return summary(self.samples, hdi_prob=hdi_prob)

    def to_arviz(self, *, coords=None, dims=None):
        """The draws and statistics as an ``arviz.InferenceData``
        (:func:`chainrule.infer.to_inference_data`; needs ``pip install chainrule[infer]``)."""
        return to_inference_data(self, coords=coords, dims=dims)

    def __repr__(self):
        chains, draws = next(iter(self.stats.values())).shape
        return (f"SampleResult(chains={chains}, draws={draws}, "
                f"divergences={self.num_divergences})")


# --- parameters as one vector -------------------------------------------------------------

class Flat:
    """Flattening of a parameter pytree to a 1-D float vector and back."""

    def __init__(self, tree):
        leaves, self.treedef = tree_flatten(tree)
        if not leaves:
            raise ValueError("init is an empty pytree: there are no parameters to sample.")
        check_continuous(tree)
        self.names = self._names(tree, len(leaves))
        self.shapes = [np.shape(leaf) for leaf in leaves]
        self.sizes = [int(np.prod(s, dtype=int)) for s in self.shapes]
        self.offsets = np.cumsum([0] + self.sizes)
        self.dim = int(self.offsets[-1])

    @staticmethod
    def _names(tree, n):
        if isinstance(tree, dict) and len(tree) == n:
            return [str(k) for k in sorted(tree)]  # the order of tree_flatten's leaves
        return ["params"] if n == 1 else [f"leaf {i}" for i in range(n)]

    def ravel(self, tree):
        leaves, _ = tree_flatten(tree)
        return np.concatenate([np.ravel(np.asarray(leaf, dtype=float)) for leaf in leaves])

    def unravel(self, z):
        """A pytree from a traced or concrete vector ``z`` (its last axis is the parameters)."""
        lead = tuple(z.shape[:-1])
        if len(self.shapes) == 1:
            # One leaf: a reshape, without the slice (whose derivative is a scatter-add in
            # every gradient evaluation).
            return tree_unflatten(self.treedef, [cnp.reshape(z, lead + self.shapes[0])])
        leaves = [cnp.reshape(z[..., a:b], lead + s)
                  for a, b, s in zip(self.offsets[:-1], self.offsets[1:], self.shapes)]
        return tree_unflatten(self.treedef, leaves)

    def unravel_numpy(self, z):
        lead = z.shape[:-1]
        leaves = [np.reshape(z[..., a:b], lead + s)
                  for a, b, s in zip(self.offsets[:-1], self.offsets[1:], self.shapes)]
        return tree_unflatten(self.treedef, leaves)

    def describe(self, z):
        return ", ".join(f"{name}={np.asarray(leaf).tolist()!r}"
                         for name, leaf in zip(self.names, tree_flatten(self.unravel_numpy(z))[0]))

    def leaf_of(self, i):
        return self.names[int(np.searchsorted(self.offsets, i, side="right")) - 1]


def _potential(logdensity, flat):
    """``z -> (logp, grad logp)`` where NaN and +inf count as impossible (log density -inf).

    The gradient is the log density's own: where the value is mapped to -inf it is not
    zeroed (differentiating through the ``where`` would cost operations in every leapfrog
    step), and it does not matter there, since the step diverges and its point is never
    used.
    """
    value_and_grad = cr.value_and_grad(lambda z: logdensity(flat.unravel(z)))

    def potential(z):
        v, g = value_and_grad(z)
        return cnp.where(cnp.isnan(v) | (v == np.inf), -np.inf, v), g

    return potential


def check_scalar(logdensity, flat, z, name):
    """Raise a ValueError when ``logdensity`` does not return one number per point: the
    batched samplers would otherwise fail deep inside with a broadcasting error."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        value = logdensity(flat.unravel(np.asarray(z)[0]))
    shape = np.shape(value)
    if shape != ():
        raise ValueError(f"{name}: logdensity must return a scalar (the log density of one "
                        f"point), but it returned shape {shape}. Sum the terms of the "
                        "log-likelihood, e.g. cnp.sum(...).")


def check_per_chain(init, n, name, flag):
    """With ``init_per_chain=True`` (``init_per_walker``) every leaf of ``init`` needs a
    leading axis of size ``n`` (of one common size if ``n`` is None); say so rather than
    fail on an index.  Returns that size."""
    leaves = cr.tree_util.tree_leaves(init)
    if n is None and leaves and np.ndim(leaves[0]):
        n = np.shape(leaves[0])[0]
    bad = [np.shape(leaf) for leaf in leaves if np.ndim(leaf) == 0 or np.shape(leaf)[0] != n]
    if bad:
        size = "one common size" if n is None else f"size {n}"
        raise ValueError(f"{name}: with {flag}=True every leaf of init needs a leading axis "
                         f"of {size} (one starting point per chain), got a leaf of shape "
                         f"{bad[0]}; pass {flag}=False to start all from one point")
    return n


def check_initial(logdensity, flat, z, gradient=True):
    """Raise a ValueError naming the parameters if any chain starts where the log density
    (or, for gradient-based samplers, its gradient) is not finite.  ``z``: (chains, dim)."""
    fn = (_potential_raw(logdensity, flat) if gradient
          else (lambda z: (logdensity(flat.unravel(z)), cnp.zeros_like(z))))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        vals, grads = cr.jit(cr.vmap(fn))(z)
    vals, grads = np.asarray(vals, dtype=float), np.asarray(grads)
    which = "" if z.shape[0] == 1 else " of chain {}"
    for c in np.flatnonzero(~np.isfinite(vals)):
        val = vals[c]
        kind = "NaN" if np.isnan(val) else ("+inf" if val > 0 else "-inf")
        raise ValueError(f"logdensity is {kind} at the initial point{which.format(c)} "
                         f"({flat.describe(z[c])}); sampling needs a finite log density to "
                         "start from. Pass an init= inside the support of the model.")
    for c in np.flatnonzero(~np.all(np.isfinite(grads), axis=1)):
        names = sorted({flat.leaf_of(i) for i in np.flatnonzero(~np.isfinite(grads[c]))})
        raise ValueError(f"the gradient of logdensity is not finite at the initial "
                         f"point{which.format(c)} in {', '.join(names)} "
                         f"({flat.describe(z[c])}); pass an init= where the log density is "
                         "differentiable.")


def _potential_raw(logdensity, flat):
    return cr.value_and_grad(lambda z: logdensity(flat.unravel(z)))


# --- kinetic energy and the leapfrog integrator ---------------------------------------------

def velocity(inv_mass, p):
    if inv_mass.ndim == 2:
        return cnp.matmul(inv_mass, p)
    return inv_mass * p


def kinetic_energy(inv_mass, p):
    return 0.5 * cnp.sum(p * velocity(inv_mass, p))


def split_transition_key(key):
    """The key of a transition as ``(momentum key, key of the rest)``: the kernels receive
    it split (:func:`transition_keys`), so that the momenta of all iterations can be drawn
    ahead."""
    return crandom.split(key, 2)


def momentum_noise(key, dim):
    """The standard normal draws behind a momentum (``key``: the momentum key)."""
    return crandom.normal(key, (dim,))


def draw_momentum(key, inv_mass, mass_chol, dim, noise=None):
    """A draw from N(0, M), where M is the mass matrix (inverse of ``inv_mass``); ``noise``,
    when given, is ``momentum_noise(key, dim)`` computed beforehand."""
    eps = momentum_noise(key, dim) if noise is None else noise
    if inv_mass.ndim == 2:
        return cnp.matmul(mass_chol, eps)
    return eps / cnp.sqrt(inv_mass)


def leapfrog_step(value_and_grad, z, p, g, step, inv_mass):
    """One leapfrog step; ``g`` is the gradient of the log density at ``z``."""
    p = p + 0.5 * step * g
    z = z + step * velocity(inv_mass, p)
    logp, g = value_and_grad(z)
    p = p + 0.5 * step * g
    return z, p, logp, g


def energy_error(h, h0):
    """``h - h0`` with NaN read as +inf, so a NaN anywhere counts as a divergence."""
    d = h - h0
    return cnp.where(cnp.isnan(d), np.inf, d)


def select(pred, a, b):
    return tree_map(lambda x, y: cnp.where(pred, x, y), a, b)


def _hmc_kernel(value_and_grad, dim, num_steps):
    def step(z, logp, g, key, step_size, inv_mass, mass_chol, noise=None):
        k_mom, k_acc = key[0], key[1]  # split_transition_key of the iteration's key
        p0 = draw_momentum(k_mom, inv_mass, mass_chol, dim, noise)
        h0 = -logp + kinetic_energy(inv_mass, p0)

        def body(i, carry):
            z1, p1, lp1, g1, bad = carry
            z1, p1, lp1, g1 = leapfrog_step(value_and_grad, z1, p1, g1, step_size, inv_mass)
            bad = bad | ~(energy_error(-lp1 + kinetic_energy(inv_mass, p1), h0) <= MAX_ENERGY_ERROR)
            return z1, p1, lp1, g1, bad

        z1, p1, lp1, g1, diverging = lax.fori_loop(0, num_steps, body,
                                                   (z, p0, logp, g, cnp.asarray(False)))
        h1 = -lp1 + kinetic_energy(inv_mass, p1)
        delta = energy_error(h1, h0)
        accept_prob = cnp.where(delta < 0, 1.0, cnp.exp(-delta))
        accept = (crandom.uniform(k_acc) < accept_prob) & ~diverging
        zn, lpn, gn, hn = select(accept, (z1, lp1, g1, h1), (z, logp, g, h0))
        stats = {"accept_prob": accept_prob, "diverging": diverging, "energy": hn,
                 "num_steps": cnp.asarray(num_steps)}
        return zn, lpn, gn, stats

    return step


# --- the driver: warm-up and sampling --------------------------------------------------------

def make_key(rng):
    if rng is None:
        return crandom.key_from_rng(np.random.default_rng())
    if isinstance(rng, np.random.Generator):
        return crandom.key_from_rng(rng)
    if isinstance(rng, (int, np.integer)):
        return crandom.key(int(rng))
    return np.asarray(rng)


def _step_size_probe(flat, value_and_grad):
    """The log acceptance of one leapfrog step per chain, compiled once per run: the
    step-size search restarts after every mass-matrix window, and tracing a new probe
    each time cost as much as hundreds of transitions on a compiled backend."""

    def step_size_probe(z, logp, g, key, step, inv_mass, mass_chol):
        p = draw_momentum(key, inv_mass, mass_chol, flat.dim)
        h0 = -logp + kinetic_energy(inv_mass, p)
        _, p1, lp1, _ = leapfrog_step(value_and_grad, z, p, g, step, inv_mass)
        return -energy_error(-lp1 + kinetic_energy(inv_mass, p1), h0)

    return cr.jit(cr.vmap(step_size_probe))


def _initial_step_size(probe, z, logp, g, inv_mass, mass_chol, key, step):
    """Stan's and NumPyro's heuristic, per chain (``probe``: :func:`_step_size_probe`):
    from ``step``, double (or halve) the step size until one leapfrog step's acceptance
    crosses 0.8, and return the first step size past the crossing.

    Each trial draws a new momentum (trial ``t`` uses ``split(fold_in(key, t), chains)``).
    After a mass-matrix window the search starts from the current step size, so it moves
    by factors of two from where dual averaging left it rather than from 1.
    """
    chains = z.shape[0]
    step = np.asarray(step, dtype=float).copy()
    target = np.log(0.8)

    def log_accept(t, trial):
        keys = crandom.split(crandom.fold_in(key, t), chains)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            return np.asarray(probe(z, logp, g, keys, trial, inv_mass, mass_chol))

    # NaN (a divergent step) reads as too large: shrink
    direction = np.where(log_accept(0, step) > target, 1.0, -1.0)
    active = (step > 1e-7) | (direction > 0)
    active &= (step < 1e7) | (direction < 0)
    for t in range(1, 100):
        if not active.any():
            break
        step = np.where(active, step * 2.0 ** direction, step)
        now = np.where(log_accept(t, step) > target, 1.0, -1.0)
        active &= (now == direction) & (step > 1e-7) & (step < 1e7)
    return step


def iteration_keys(key, n, num_chains):
    """``keys[i] = split(fold_in(key, i), num_chains)`` for ``i < n``, derived at once
    (one batched hash instead of two small ones per iteration, which cost as much as a
    whole transition on a compiled backend)."""
    if n == 0:
        return np.empty((0, num_chains) + np.shape(key), dtype=np.asarray(key).dtype)
    return np.asarray(cr.vmap(lambda i: crandom.split(crandom.fold_in(key, i), num_chains))(
        np.arange(n)))


def transition_keys(keys):
    """``split_transition_key`` of every key of ``keys`` (iterations, chains, key), at
    once: the keys the transitions receive.  Split inside a transition, one small hash
    cost as much as a few leapfrog steps on the NumPy backend."""
    if keys.shape[0] == 0:
        return np.empty(keys.shape[:2] + (2,) + keys.shape[2:], dtype=keys.dtype)
    return np.asarray(cr.jit(cr.vmap(cr.vmap(split_transition_key)))(keys))


def iteration_noise(keys, dim):
    """The momenta's standard normal draws of the transitions with ``keys`` (iterations,
    chains, key), drawn at once: the inverse normal CDF behind them has no Numba lowering,
    so inside the transition it would cut the native code in two, with a NumPy call in
    between, at every iteration.  They are the numbers each transition would draw from
    its own key."""
    if keys.shape[0] == 0:
        return np.empty(keys.shape[:2] + (dim,))
    return np.asarray(cr.jit(cr.vmap(cr.vmap(
        lambda k: momentum_noise(split_transition_key(k)[0], dim))))(keys))


def call(transition, *args):
    # A model that is NaN or infinite somewhere makes NumPy warn inside the compiled
    # transition; those points are divergences, counted in the statistics instead.
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        z, logp, g, stats = transition(*args)
    return np.asarray(z), np.asarray(logp), np.asarray(g), stats


def _one_chain(kernel):
    """The transition of a single chain with the chain axis of the batched one: without
    ``vmap`` its loops need no masking of finished chains (a fifth fewer operations per
    leapfrog step)."""
    def step(z, logp, g, keys, eps, inv_mass, mass_chol, noise=None):
        zn, lpn, gn, stats = kernel(z[0], logp[0], g[0], keys[0], eps[0], inv_mass[0],
                                    mass_chol[0], None if noise is None else noise[0])
        return zn[None], lpn[None], gn[None], tree_map(lambda s: cnp.expand_dims(s, 0), stats)
    return step


def _mass_chol(inv_mass):
    if inv_mass.ndim == 3:
        return np.linalg.cholesky(np.linalg.inv(inv_mass))
    return np.zeros(inv_mass.shape[:1] + (1, 1))


def run_gradient_sampler(name, make_kernel, logdensity, init, *, num_warmup, num_samples,
                         num_chains, rng, progress, step_size, dense_mass, target_accept,
                         adapt_step_size, adapt_mass_matrix, init_per_chain, extra_stats,
                         backend="numpy"):
    """Warm-up then sampling with a jitted, vmapped transition; returns a SampleResult.

    ``backend`` is the ``jit`` backend of the transition (warm-up and sampling share it);
    the few calls outside it (initial checks, step-size search) stay on NumPy, where they
    compile instantly.
    """
    if num_chains < 1 or num_samples < 0 or num_warmup < 0:
        raise ValueError(f"{name}: num_chains must be >= 1, num_samples and num_warmup >= 0.")
    if not 0 < target_accept < 1:
        raise ValueError(f"{name}: target_accept must be a probability in (0, 1), got "
                         f"{target_accept!r}")
    if init_per_chain:
        check_per_chain(init, num_chains, name, "init_per_chain")
    first = tree_map(lambda x: np.asarray(x)[0], init) if init_per_chain else init
    flat = Flat(first)
    if init_per_chain:
        z = np.stack([flat.ravel(tree_map(lambda x, i=i: np.asarray(x)[i], init))
                      for i in range(num_chains)])
    else:
        z = np.tile(flat.ravel(init), (num_chains, 1))
    check_scalar(logdensity, flat, z, name)
    check_initial(logdensity, flat, z)
    value_and_grad = _potential(logdensity, flat)
    potential = cr.jit(cr.vmap(value_and_grad))
    logp, g = (np.asarray(v) for v in potential(z))

    dim = flat.dim
    if dense_mass:
        inv_mass = np.tile(np.eye(dim), (num_chains, 1, 1))
    else:
        inv_mass = np.ones((num_chains, dim))
    mass_chol = _mass_chol(inv_mass)
    kernel = make_kernel(value_and_grad, dim)
    transition = cr.jit(cr.vmap(kernel) if num_chains > 1 else _one_chain(kernel),
                        backend=backend)

    key = make_key(rng)
    key_init, key_warm, key_draw = crandom.split(key, 3)
    probe = _step_size_probe(flat, value_and_grad)
    if step_size is None:
        eps = _initial_step_size(probe, z, logp, g, inv_mass, mass_chol, key_init,
                                 np.ones(num_chains))
    else:
        eps = np.full(num_chains, float(step_size))

    bar = progress_bar(progress, num_warmup + num_samples, name)
    windows = warmup_windows(num_warmup) if adapt_mass_matrix else []
    ends = {end for _, end in windows}
    da = DualAveraging(eps, target=target_accept)
    welford = Welford(num_chains, dim, dense_mass)
    warm_divergences = 0
    warm_keys = iteration_keys(key_warm, num_warmup, num_chains)
    warm_noise = iteration_noise(warm_keys, dim)
    warm_keys = transition_keys(warm_keys)
    for i in range(num_warmup):
        keys = warm_keys[i]
        z, logp, g, stats = call(transition, z, logp, g, keys, eps, inv_mass, mass_chol,
                                 warm_noise[i])
        warm_divergences += int(np.sum(np.asarray(stats["diverging"])))
        if adapt_step_size:
            eps = da.update(np.asarray(stats["accept_prob"]))
        if any(a <= i < b for a, b in windows):
            welford.update(z)
        if i + 1 in ends:
            inv_mass = welford.inverse_mass()
            mass_chol = _mass_chol(inv_mass)
            welford = Welford(num_chains, dim, dense_mass)
            if adapt_step_size:
                # NumPyro's and Stan's restart: search from the current step size,
                # then shrink towards ten times the step found
                eps = _initial_step_size(probe, z, logp, g, inv_mass, mass_chol,
                                         crandom.fold_in(key_init, i + 1), eps)
                da.restart(eps)
        if bar is not None:
            bar.update(1)
    if adapt_step_size and num_warmup > 0:
        eps = da.final()

    draws = np.empty((num_chains, num_samples, dim))
    names = ["accept_prob", "diverging", "energy", "num_steps"] + list(extra_stats)
    recorded = {k: [] for k in names}
    draw_keys = iteration_keys(key_draw, num_samples, num_chains)
    draw_noise = iteration_noise(draw_keys, dim)
    draw_keys = transition_keys(draw_keys)
    for i in range(num_samples):
        keys = draw_keys[i]
        z, logp, g, stats = call(transition, z, logp, g, keys, eps, inv_mass, mass_chol,
                                 draw_noise[i])
        draws[:, i] = z
        for k in names:
            recorded[k].append(np.asarray(stats[k]))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    out = {k: (np.stack(v, axis=1) if v else np.empty((num_chains, 0)))
           for k, v in recorded.items()}
    out["diverging"] = out["diverging"].astype(bool)
    out["step_size"] = np.repeat(np.asarray(eps, float)[:, None], num_samples, axis=1)
    result = SampleResult(flat.unravel_numpy(draws), out, np.asarray(eps, float), inv_mass)
    result.warmup_divergences = warm_divergences
    return result


def hmc(logdensity, init, *, num_steps=10, num_warmup=1000, num_samples=1000, num_chains=1,
        rng=None, progress="auto", step_size=None, dense_mass=False, target_accept=0.8,
        adapt_step_size=True, adapt_mass_matrix=True, init_per_chain=False, backend="numpy"):
    """Hamiltonian Monte Carlo with a fixed number of leapfrog steps per transition.

    Parameters
    ----------
    logdensity : callable
        ``logdensity(params) -> scalar``, the log density (up to a constant) of a pytree of
        parameters, written with ``chainrule.numpy``.  NaN or +inf count as impossible
        points: a trajectory reaching one is a divergence.
    init : pytree
        The starting point of every chain (with ``init_per_chain=True``: leaves with a
        leading axis of size ``num_chains``, one start per chain).
    num_steps : int
        Leapfrog steps per transition.
    num_warmup, num_samples, num_chains : int
        Warm-up iterations (adaptation, discarded), kept draws per chain, and chains (run
        together as a batch axis of one compiled transition).
    rng : int, key, numpy.random.Generator or None
        Seed or ``chainrule.random.key``; the same value gives the same draws.
    progress : bool or "auto"
        A tqdm progress bar (``"auto"``: on a terminal when tqdm is installed).
    step_size : float, optional
        The initial step size (default: Stan's doubling heuristic).
    dense_mass : bool
        Adapt a dense mass matrix rather than a diagonal one.
    target_accept : float
        The acceptance statistic dual averaging aims at (0.8, as Stan).
    adapt_step_size, adapt_mass_matrix : bool
        Turn either adaptation off.
    backend : {"numpy", "numba", "auto"}
        The ``jit`` backend of the transition (see ``backend`` of :func:`nuts`
        and ``docs/backends.md``).

    Returns
    -------
    SampleResult
        ``.samples`` (leaves shaped ``(chains, draws, ...)``), ``.stats``, ``.summary()``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule import infer
    >>> res = infer.hmc(lambda x: -0.5 * cnp.sum(x ** 2), cnp.zeros(2), num_steps=5,
    ...                 num_warmup=200, num_samples=200, num_chains=2, rng=0)
    >>> res.samples.shape
    (2, 200, 2)
    >>> bool(abs(res.samples.mean()) < 0.3)
    True
    """
    num_steps = int(num_steps)
    if num_steps < 1:
        raise ValueError(f"hmc: num_steps must be >= 1, got {num_steps}.")
    return run_gradient_sampler(
        "hmc", lambda vg, dim: _hmc_kernel(vg, dim, num_steps), logdensity, init,
        num_warmup=num_warmup, num_samples=num_samples, num_chains=num_chains, rng=rng,
        progress=progress, step_size=step_size, dense_mass=dense_mass,
        target_accept=target_accept, adapt_step_size=adapt_step_size,
        adapt_mass_matrix=adapt_mass_matrix, init_per_chain=init_per_chain, extra_stats=(),
        backend=backend)
