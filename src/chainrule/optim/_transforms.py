"""Small gradient transformations; the named optimizers are chains of these.

Every update is written with ``chainrule.numpy``, so on plain arrays it is plain NumPy
and under a transform (say, differentiating through a few optimizer steps) it is traced.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import chainrule.numpy as cnp
from chainrule.core import is_tracer
from chainrule.tree_util import tree_flatten, tree_map, tree_unflatten

from ._base import EmptyState, GradientTransformation, global_norm, tree_zeros_like

__all__ = ["scale", "scale_by_learning_rate", "scale_by_schedule", "trace", "scale_by_adam",
           "scale_by_rms", "scale_by_rss", "scale_by_lion", "clip", "clip_by_global_norm",
           "add_decayed_weights", "TraceState", "ScaleByAdamState", "ScaleByRmsState",
           "ScaleByRssState", "ScaleByLionState", "ScaleByScheduleState"]


def _count0():
    return np.zeros((), np.int64)


def check_rate(x, name):
    if callable(x) or is_tracer(x):
        return  # a schedule, or a rate being differentiated (meta-learning)
    if isinstance(x, (str, bytes)):
        # float("1e-3") would pass, and the string would fail later inside the update.
        raise TypeError(f"{name}: the learning rate must be a number or a schedule, got the "
                        f"string {x!r}; pass a number such as 1e-3")
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: the learning rate must be a number or a schedule "
                        f"(a function of the step), got {type(x).__name__}") from None
    if not np.isfinite(v):
        raise ValueError(f"{name}: the learning rate must be finite, got {v}")


def _need_params(params, name):
    if params is None:
        raise ValueError(f"{name} needs the current parameters: call "
                         "update(grads, state, params)")


# --- scaling -----------------------------------------------------------------------------
def scale(step_size):
    """Multiply the updates by a constant ``step_size``."""
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda grads, state, params=None: (tree_map(lambda g: step_size * g, grads), state))


class ScaleByScheduleState(NamedTuple):
    count: Any


def scale_by_schedule(step_size_fn):
    """Multiply the updates by ``step_size_fn(count)``, ``count`` = updates made so far."""
    def init(params):
        return ScaleByScheduleState(_count0())

    def update(grads, state, params=None):
        s = step_size_fn(state.count)
        return tree_map(lambda g: s * g, grads), ScaleByScheduleState(state.count + 1)
    return GradientTransformation(init, update)


def scale_by_learning_rate(learning_rate, *, flip_sign=True):
    """Multiply by ``-learning_rate`` (a number or a schedule): gradient *descent*."""
    check_rate(learning_rate, "scale_by_learning_rate")
    sign = -1.0 if flip_sign else 1.0
    if callable(learning_rate):
        return scale_by_schedule(lambda count: sign * learning_rate(count))
    return scale(sign * learning_rate)


# --- momentum ----------------------------------------------------------------------------
class TraceState(NamedTuple):
    trace: Any


def trace(decay, nesterov=False):
    """Momentum: ``t = g + decay * t``; the update is ``t`` (or ``g + decay * t``, Nesterov)."""
    def init(params):
        return TraceState(tree_zeros_like(params))

    def update(grads, state, params=None):
        new = tree_map(lambda g, t: g + decay * t, grads, state.trace)
        out = tree_map(lambda g, t: g + decay * t, grads, new) if nesterov else new
        return out, TraceState(new)
    return GradientTransformation(init, update)


# --- adaptive scalings ---------------------------------------------------------------------
def _leaves_as(treedef, tree):
    """The leaves of ``tree``, which must have the structure ``treedef`` (as in tree_map)."""
    leaves, got = tree_flatten(tree)
    if got != treedef:
        raise ValueError(f"tree_map: structures differ: {treedef} and {got}")
    return leaves


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0):
    """Adam's rescaling (Kingma & Ba): ``m_hat / (sqrt(v_hat + eps_root) + eps)``.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``, ``m_hat = m / (1 - b1**t)``,
    ``v_hat = v / (1 - b2**t)`` with ``t`` the 1-based step.
    """
    def init(params):
        return ScaleByAdamState(_count0(), tree_zeros_like(params), tree_zeros_like(params))

    return GradientTransformation(init, adam_update(b1, b2, eps, eps_root))


_F64 = np.dtype(np.float64)


def adam_update(b1, b2, eps, eps_root, step_size=None):
    """``update(grads, state, params=None)`` of :func:`scale_by_adam`, the result
    multiplied by ``step_size`` when given (``optim.adam``: Adam and its learning rate in
    one pass over the leaves)."""
    def update(grads, state, params=None):
        # One pass over the leaves: the trees are flattened once each, not once per
        # formula (flattening a Module costs about as much as a leaf's arithmetic).
        g_leaves, treedef = tree_flatten(grads)
        m_leaves, v_leaves = (_leaves_as(treedef, tree) for tree in (state.mu, state.nu))
        count = state.count + 1
        t = cnp.asarray(count, dtype=float)  # an array op, not float(): jit and vmap trace it
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        mu, nu, out = [], [], []
        plain = all(type(x) is np.ndarray and x.dtype == _F64 and x.ndim
                    for leaves in (g_leaves, m_leaves, v_leaves) for x in leaves)
        for g, m, v in zip(g_leaves, m_leaves, v_leaves):
            if plain:
                # Float64 NumPy arrays (eager training): the same operations in the same
                # order, hence the same bits, computed in place in the new arrays.
                m = m * b1
                m += (1 - b1) * g
                w = (1 - b2) * g
                w *= g
                w += b2 * v
                v, d = w, w / c2
                if eps_root:
                    d += eps_root
                np.sqrt(d, out=d)
                d += eps
                u = m / c1
                u /= d
                if step_size is not None:
                    u *= step_size
            else:
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                if eps_root:
                    u = (m / c1) / (cnp.sqrt(v / c2 + eps_root) + eps)
                else:  # one operation less per parameter, in every step
                    u = (m / c1) / (cnp.sqrt(v / c2) + eps)
                if step_size is not None:
                    u = step_size * u
            mu.append(m)
            nu.append(v)
            out.append(u)
        return (tree_unflatten(treedef, out),
                ScaleByAdamState(count, tree_unflatten(treedef, mu),
                                 tree_unflatten(treedef, nu)))
    return update


class ScaleByRmsState(NamedTuple):
    nu: Any


def scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0.0):
    """RMSProp's rescaling: ``g / (sqrt(v) + eps)`` with ``v = decay v + (1 - decay) g**2``."""
    def init(params):
        return ScaleByRmsState(tree_map(lambda x: cnp.full_like(x, initial_scale, dtype=float),
                                        params))

    def update(grads, state, params=None):
        nu = tree_map(lambda g, v: decay * v + (1 - decay) * g * g, grads, state.nu)
        out = tree_map(lambda g, v: g / (cnp.sqrt(v) + eps), grads, nu)
        return out, ScaleByRmsState(nu)
    return GradientTransformation(init, update)


class ScaleByRssState(NamedTuple):
    sum_of_squares: Any


def scale_by_rss(initial_accumulator_value=0.1, eps=1e-7):
    """Adagrad's rescaling: ``g / sqrt(s + eps)`` with ``s`` the running sum of ``g**2``."""
    def init(params):
        return ScaleByRssState(tree_map(
            lambda x: cnp.full_like(x, initial_accumulator_value, dtype=float), params))

    def update(grads, state, params=None):
        s = tree_map(lambda g, a: a + g * g, grads, state.sum_of_squares)
        out = tree_map(lambda g, a: g / cnp.sqrt(a + eps), grads, s)
        return out, ScaleByRssState(s)
    return GradientTransformation(init, update)


class ScaleByLionState(NamedTuple):
    count: Any
    mu: Any


def scale_by_lion(b1=0.9, b2=0.99):
    """Lion's update direction (Chen et al. 2023): ``sign(b1 m + (1 - b1) g)``, then
    ``m = b2 m + (1 - b2) g``."""
    def init(params):
        return ScaleByLionState(_count0(), tree_zeros_like(params))

    def update(grads, state, params=None):
        out = tree_map(lambda g, m: cnp.sign(b1 * m + (1 - b1) * g), grads, state.mu)
        mu = tree_map(lambda g, m: b2 * m + (1 - b2) * g, grads, state.mu)
        return out, ScaleByLionState(state.count + 1, mu)
    return GradientTransformation(init, update)


# --- clipping and decay --------------------------------------------------------------------
def clip(max_delta):
    """Clip every update component to ``[-max_delta, max_delta]``."""
    if max_delta < 0:
        raise ValueError(f"clip: max_delta must be non-negative, got {max_delta}")
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda grads, state, params=None: (
            tree_map(lambda g: cnp.clip(g, -max_delta, max_delta), grads), state))


def clip_by_global_norm(max_norm):
    """Rescale all updates together so that their global l2 norm is at most ``max_norm``."""
    if max_norm <= 0:
        raise ValueError(f"clip_by_global_norm: max_norm must be positive, got {max_norm}")

    def update(grads, state, params=None):
        norm = global_norm(grads)
        factor = cnp.where(norm > max_norm, max_norm / cnp.maximum(norm, 1e-300), 1.0)
        return tree_map(lambda g: g * factor, grads), state
    return GradientTransformation(lambda params: EmptyState(), update)


def add_decayed_weights(weight_decay=0.0, mask=None):
    """Add ``weight_decay * params`` to the updates (decoupled weight decay, as in AdamW).

    ``mask`` is a pytree of booleans with the parameters' structure (or a function of the
    parameters returning one): only leaves marked True are decayed.
    """
    def update(grads, state, params=None):
        _need_params(params, "add_decayed_weights")
        m = mask(params) if callable(mask) else mask
        if m is None:
            return tree_map(lambda g, p: g + weight_decay * p, grads, params), state
        return tree_map(lambda g, p, k: g + weight_decay * p if k else g,
                        grads, params, m), state
    return GradientTransformation(lambda params: EmptyState(), update)
