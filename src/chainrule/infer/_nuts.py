"""The No-U-Turn sampler: multinomial trajectory sampling, as in Stan and NumPyro.

The trajectory doubles until it makes a U-turn: at depth ``d`` a subtree of ``2**d`` leapfrog
steps grows from one end, in a random direction.  Inside a subtree a point is drawn with
probability proportional to ``exp(-H)`` (progressive multinomial sampling); the subtree's
point replaces the current one with probability ``min(1, W_subtree / W_old)`` (biased
progressive sampling, favouring points far from the start).  The generalized U-turn
criterion uses the sum of momenta over a (sub)trajectory and the velocities at its ends.

The subtree is built iteratively, so the whole transition is two nested ``lax.while_loop``s
and compiles with ``jit``: leaf ``n`` closes the complete sub-subtrees that end at it, whose
first leaves were stored in a checkpoint array when they were reached (the bit tricks in
``_checkpoint_tables``), so the criterion is checked on every balanced sub-subtree, as the
recursive algorithm does, with ``max_tree_depth`` checkpoints of memory.
"""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp
from chainrule import lax
from chainrule import random as crandom
from chainrule._src.lax.indexing import getitem

from ._hmc import (MAX_ENERGY_ERROR, draw_momentum, energy_error, kinetic_energy,
                   leapfrog_step, run_gradient_sampler, select, velocity)

__all__ = ["nuts"]


def _checkpoint_tables(max_depth):
    """For leaf ``n`` of a subtree: where to store it (even ``n``) and which stored leaves
    start the balanced sub-subtrees that leaf ``n`` completes (odd ``n``).

    Leaf ``n`` is stored at ``popcount(n >> 1)``; the sub-subtrees ending at an odd ``n``
    number the trailing one-bits of ``n`` and their starts sit at the indices just below.
    (The transition computes the same numbers with bit operations, :func:`_checkpoints`;
    this table is their definition, used by the tests.)
    """
    n = np.arange(2 ** max_depth)
    popcount = np.array([bin(v).count("1") for v in n >> 1])
    trailing_ones = np.array([bin(v).count("1") for v in (~n & (n + 1)) - 1])
    return popcount, popcount - trailing_ones + 1


def _popcount(n, bits):
    """The number of one-bits of the integer ``n`` among its ``len(bits)`` lowest."""
    return cnp.sum(cnp.bitwise_and(cnp.right_shift(n, bits), 1))


def _checkpoints(i, levels):
    """``(store_at[i], first_check[i])`` of :func:`_checkpoint_tables`, from the bits of
    ``i``: a few operations on ``max_depth`` integers, where a look-up in a table indexed
    by a traced integer costs a gather."""
    slot = _popcount(cnp.right_shift(i, 1), levels)
    # i ^ (i + 1) has one more one-bit than i has trailing ones (up to max_depth + 1 bits,
    # for the last leaf 2**max_depth - 1)
    trailing_ones = _popcount(cnp.bitwise_xor(i, i + 1), np.arange(len(levels) + 1)) - 1
    return slot, slot - trailing_ones + 1


def _pick(values, positions, k):
    """``values[k]`` for a traced integer ``k``, as a masked sum (no gather)."""
    return cnp.sum(cnp.where(positions == k, values, 0.0))


def _turning(inv_mass, p_left, p_right, p_sum):
    """Generalized U-turn: the ends' velocities point against the summed momentum.

    As NumPyro does, half of each end's momentum is taken out of the sum, which makes the
    criterion exact for a trajectory of two points.
    """
    rho = p_sum - 0.5 * (p_left + p_right)
    return ((cnp.sum(velocity(inv_mass, p_left) * rho) <= 0)
            | (cnp.sum(velocity(inv_mass, p_right) * rho) <= 0))


def _checkpoint_masks(max_depth):
    """Per leaf ``n``: the checkpoint row it is stored in (a column mask, all False for
    odd ``n``) and the rows of the sub-subtrees it closes (all False for even ``n``),
    from :func:`_checkpoint_tables`."""
    store_at, first = _checkpoint_tables(max_depth)
    n, levels = np.arange(2 ** max_depth)[:, None], np.arange(max_depth)
    even = n % 2 == 0
    here = (levels == store_at[:, None]) & even
    closes = (levels >= first[:, None]) & (levels <= store_at[:, None]) & ~even
    return here[:, :, None], closes


def _nuts_kernel(value_and_grad, dim, max_depth, gathers=False):
    """The transition.  With ``gathers`` (NumPy backend) the checkpoint masks and the
    uniforms are looked up by the leaf's index, one indexing call each; without (Numba),
    they come from bit operations and masked sums, a few native operations where a
    look-up by a traced index would call out of the compiled loop.  Both give the same
    numbers."""
    n_leaves_max = 2 ** max_depth
    levels = np.arange(max_depth)
    # the same levels as a column, so that masks broadcast against (max_depth, dim) rows
    levels_col = levels[:, None]
    positions = np.arange(n_leaves_max + 2 * max_depth)
    if gathers:
        here_table, closes_table = _checkpoint_masks(max_depth)

    def pick(values, k):
        return getitem(values, k) if gathers else _pick(values, positions, k)

    def checkpoint_masks(i):
        if gathers:
            return getitem(here_table, i), getitem(closes_table, i)
        slot, first = _checkpoints(i, levels)
        # Even leaves open balanced sub-subtrees: remember their first momentum.
        even = cnp.bitwise_and(i, 1) == 0
        # Odd leaves close the sub-subtrees from checkpoints first..slot.
        return ((levels_col == slot) & even,
                (levels >= first) & (levels <= slot) & ~even)

    def build_subtree(start, step, depth, log_u, offset, h0, inv_mass):
        """``2**depth`` leapfrog steps from ``start``; stops early on a U-turn or divergence."""
        n_leaves = cnp.left_shift(1, depth)
        z, p, lp, g = start
        init = {
            "i": cnp.asarray(0), "z": z, "p": p, "lp": lp, "g": g,
            "prop": (z, lp, g, cnp.asarray(0.0)), "log_w": cnp.asarray(-np.inf),
            "p_sum": cnp.zeros_like(p), "ck_p": cnp.zeros((max_depth, dim)),
            "ck_sum": cnp.zeros((max_depth, dim)), "turning": cnp.asarray(False),
            "diverging": cnp.asarray(False), "accept_sum": cnp.asarray(0.0),
        }

        def cond(s):
            return (s["i"] < n_leaves) & ~s["turning"] & ~s["diverging"]

        def body(s):
            i = s["i"]
            z, p, lp, g = leapfrog_step(value_and_grad, s["z"], s["p"], s["g"], step, inv_mass)
            h = -lp + kinetic_energy(inv_mass, p)
            delta = energy_error(h, h0)
            diverging = delta > MAX_ENERGY_ERROR
            minus_delta = -delta
            log_w = cnp.where(diverging, -np.inf, minus_delta)
            total = cnp.logaddexp(s["log_w"], log_w)
            # (total is -inf only while every leaf so far diverged: then log_w is -inf too)
            take = (pick(log_u, offset + i)
                    < log_w - cnp.where(cnp.isfinite(total), total, 0.0))
            prop = select(take, (z, lp, g, h), s["prop"])
            # min(1, exp(-delta)); exp of -inf (a divergence) is 0
            accept = cnp.exp(cnp.minimum(minus_delta, 0.0))
            p_sum = s["p_sum"] + p
            # Even leaves store their momentum (and the sum so far) as the start of the
            # balanced sub-subtrees they open; odd leaves close some of them.
            here, closes = checkpoint_masks(i)
            ck_p = cnp.where(here, p, s["ck_p"])
            ck_sum = cnp.where(here, p_sum, s["ck_sum"])
            rho = p_sum - ck_sum + 0.5 * (ck_p - p)
            v_first = _velocity_rows(inv_mass, ck_p)
            v_last = velocity(inv_mass, p)
            turn_each = ((cnp.sum(v_first * rho, axis=1) <= 0)
                         | (cnp.sum(v_last * rho, axis=1) <= 0))
            turning = cnp.any(turn_each & closes)
            return {"i": i + 1, "z": z, "p": p, "lp": lp, "g": g, "prop": prop,
                    "log_w": total, "p_sum": p_sum, "ck_p": ck_p, "ck_sum": ck_sum,
                    "turning": turning, "diverging": diverging,
                    "accept_sum": s["accept_sum"] + accept}

        return lax.while_loop(cond, body, init)

    def _velocity_rows(inv_mass, ps):
        if inv_mass.ndim == 2:
            return cnp.matmul(ps, inv_mass.T)
        return ps * inv_mass[None, :]

    def step(z, logp, g, key, step_size, inv_mass, mass_chol, noise=None):
        k_mom, k_u = key[0], key[1]  # split_transition_key of the iteration's key
        p0 = draw_momentum(k_mom, inv_mass, mass_chol, dim, noise)
        # Every uniform the transition may need, drawn at once (one random-bits call per
        # chain rather than one per leapfrog step), as logarithms: leaf j of the trajectory
        # uses entry j, doubling d uses entries n_leaves + d (direction) and
        # n_leaves + max_depth + d (the choice between the old tree and the new subtree).
        log_u = cnp.log(crandom.uniform(k_u, (n_leaves_max + 2 * max_depth,)))
        h0 = -logp + kinetic_energy(inv_mass, p0)
        end = (z, p0, logp, g)
        init = {"left": end, "right": end, "prop": (z, logp, g, h0),
                "log_w": cnp.asarray(0.0), "p_sum": p0, "depth": cnp.asarray(0),
                "turning": cnp.asarray(False), "diverging": cnp.asarray(False),
                "accept_sum": cnp.asarray(0.0), "n_steps": cnp.asarray(0)}

        def cond(s):
            return (s["depth"] < max_depth) & ~s["turning"] & ~s["diverging"]

        def body(s):
            d = s["depth"]
            right = pick(log_u, n_leaves_max + d) < np.log(0.5)
            start = select(right, s["right"], s["left"])
            sign = cnp.where(right, 1.0, -1.0)
            sub = build_subtree(start, sign * step_size, d, log_u, s["n_steps"], h0,
                                inv_mass)
            ok = ~sub["turning"] & ~sub["diverging"]
            # Biased progressive sampling between the old tree and the new subtree.
            take = ok & (pick(log_u, n_leaves_max + max_depth + d)
                         < sub["log_w"] - s["log_w"])
            prop = select(take, sub["prop"], s["prop"])
            new_end = (sub["z"], sub["p"], sub["lp"], sub["g"])
            left = select(right, s["left"], new_end)
            right_end = select(right, new_end, s["right"])
            p_sum = s["p_sum"] + sub["p_sum"]
            turning = _turning(inv_mass, left[1], right_end[1], p_sum)
            return {"left": left, "right": right_end, "prop": prop,
                    "log_w": cnp.logaddexp(s["log_w"], sub["log_w"]), "p_sum": p_sum,
                    "depth": d + 1, "turning": turning | ~ok,
                    "diverging": sub["diverging"],
                    "accept_sum": s["accept_sum"] + sub["accept_sum"],
                    "n_steps": s["n_steps"] + sub["i"]}

        s = lax.while_loop(cond, body, init)
        zn, lpn, gn, hn = s["prop"]
        n = cnp.maximum(s["n_steps"], 1)
        stats = {"accept_prob": s["accept_sum"] / n, "diverging": s["diverging"],
                 "energy": hn, "num_steps": s["n_steps"], "tree_depth": s["depth"]}
        return zn, lpn, gn, stats

    return step


def nuts(logdensity, init, *, num_warmup=1000, num_samples=1000, num_chains=1, rng=None,
         progress="auto", step_size=None, dense_mass=False, target_accept=0.8,
         max_tree_depth=10, adapt_step_size=True, adapt_mass_matrix=True,
         init_per_chain=False, backend="numpy"):
    """The No-U-Turn sampler (multinomial variant), with Stan's warm-up.

    Parameters
    ----------
    logdensity : callable
        ``logdensity(params) -> scalar`` over a pytree of parameters, written with
        ``chainrule.numpy``.  NaN or +inf during sampling count as divergences; at the
        initial point they raise a ``ValueError`` naming the parameters.
    init : pytree
        The starting point of every chain (``init_per_chain=True``: one per chain, stacked
        on a leading axis).
    num_warmup, num_samples, num_chains : int
        Warm-up iterations (step size by dual averaging, mass matrix in Stan's windows;
        discarded), kept draws per chain, and chains (a batch axis of one compiled
        transition).
    rng : int, key, numpy.random.Generator or None
        Seed or ``chainrule.random.key``; the same value gives the same draws.
    progress : bool or "auto"
        A tqdm progress bar (``"auto"``: on a terminal when tqdm is installed).
    step_size : float, optional
        The initial step size (default: Stan's doubling heuristic).
    dense_mass : bool
        Adapt a dense mass matrix (for correlated posteriors) rather than a diagonal one.
    target_accept : float
        The mean acceptance statistic dual averaging aims at (0.8, as Stan; raise it to
        0.9-0.99 against divergences in curved posteriors).
    max_tree_depth : int
        At most ``2**max_tree_depth - 1`` leapfrog steps per transition.
    backend : {"numpy", "numba", "auto"}
        The ``jit`` backend that compiles the transition (used by warm-up and sampling).
        ``"numba"`` (needs ``pip install 'chainrule[numba]'``) runs each transition as
        native code (a run about 10 times faster on small models), after a compilation of a
        few seconds the first time a model is met (cached on disk for later processes);
        ``"auto"`` picks Numba when it is installed and the model's arrays are small.
        Draws agree with the NumPy backend's to rounding, and may part ways after a
        rounding difference changes one accept/reject decision.  The default stays
        ``"numpy"``, which compiles instantly.

    Returns
    -------
    SampleResult
        ``.samples`` (leaves shaped ``(chains, draws, ...)``), ``.stats`` (``step_size``,
        ``tree_depth``, ``num_steps``, ``diverging``, ``accept_prob``, ``energy``) and
        ``.summary()``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule import infer
    >>> def logdensity(params):
    ...     return -0.5 * ((params["mu"] - 1.0) / 0.5) ** 2
    >>> res = infer.nuts(logdensity, {"mu": 0.0}, num_warmup=200, num_samples=300,
    ...                  num_chains=2, rng=0)
    >>> res.samples["mu"].shape
    (2, 300)
    >>> bool(abs(res.samples["mu"].mean() - 1.0) < 0.15)
    True
    """
    max_tree_depth = int(max_tree_depth)
    if not 1 <= max_tree_depth <= 15:
        raise ValueError(f"nuts: max_tree_depth must be in 1..15, got {max_tree_depth} "
                         "(a trajectory of 2**15 leapfrog steps already signals a model to "
                         "reparameterize).")
    return run_gradient_sampler(
        "nuts", lambda vg, dim: _nuts_kernel(vg, dim, max_tree_depth, backend == "numpy"),
        logdensity, init,
        num_warmup=num_warmup, num_samples=num_samples, num_chains=num_chains, rng=rng,
        progress=progress, step_size=step_size, dense_mass=dense_mass,
        target_accept=target_accept, adapt_step_size=adapt_step_size,
        adapt_mass_matrix=adapt_mass_matrix, init_per_chain=init_per_chain,
        extra_stats=("tree_depth",), backend=backend)
