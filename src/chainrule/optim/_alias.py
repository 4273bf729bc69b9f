"""Named optimizers, each a ``chain`` of small transformations."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import chainrule.numpy as cnp
from chainrule.core import is_tracer

from ._base import GradientTransformation, chain, identity, ravel_tree
from ._transforms import (adam_update, add_decayed_weights, check_rate, clip_by_global_norm,
                          scale_by_adam, scale_by_learning_rate, scale_by_lion, scale_by_rms,
                          scale_by_rss, trace)

__all__ = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "lion", "lbfgs", "scale_by_lbfgs",
           "LbfgsState"]


def sgd(learning_rate, momentum=None, nesterov=False):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    ``update = -learning_rate * g``; with ``momentum=beta``: ``t = g + beta * t`` and
    ``update = -learning_rate * t`` (``g + beta * t`` for Nesterov).

    Parameters
    ----------
    learning_rate : float or schedule
    momentum : float, optional
    nesterov : bool

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule import optim
    >>> loss = lambda w: cnp.sum((w - 3.0) ** 2)
    >>> opt = optim.sgd(0.1, momentum=0.9)
    >>> w = np.zeros(2); state = opt.init(w)
    >>> for _ in range(200):
    ...     updates, state = opt.update(cr.grad(loss)(w), state)
    ...     w = optim.apply_updates(w, updates)
    >>> w.round(4)
    array([3., 3.])
    """
    check_rate(learning_rate, "sgd")
    if nesterov and not momentum:
        raise ValueError("sgd: nesterov=True needs a momentum, e.g. momentum=0.9")
    return chain(trace(momentum, nesterov) if momentum else identity(),
                 scale_by_learning_rate(learning_rate))


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0):
    """Adam (Kingma & Ba, 2015).

    With ``t`` the 1-based step: ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``,
    ``update = -lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t) + eps_root) + eps)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import optim
    >>> opt = optim.adam(0.1)
    >>> state = opt.init(np.zeros(2))
    >>> updates, state = opt.update(np.array([1.0, -2.0]), state)
    >>> updates.round(6)        # the first Adam step has size lr in every coordinate
    array([-0.1,  0.1])
    """
    check_rate(learning_rate, "adam")
    opt = chain(scale_by_adam(b1, b2, eps, eps_root), scale_by_learning_rate(learning_rate))
    if callable(learning_rate) or is_tracer(learning_rate):
        return opt
    # The chain's state, and its updates: Adam's rescaling and the learning rate in one
    # pass over the leaves (a constant rate: ``scale`` multiplies by it).
    fused = adam_update(b1, b2, eps, eps_root, step_size=-1.0 * learning_rate)

    def update(grads, state, params=None):
        if len(state) != 2:
            return opt.update(grads, state, params)  # the chain's error
        updates, adam_state = fused(grads, state[0])
        return updates, (adam_state, state[1])
    return GradientTransformation(opt.init, update)


def adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, weight_decay=1e-4,
          mask=None):
    """Adam with decoupled weight decay (Loshchilov & Hutter):
    ``update = -lr * (adam_direction + weight_decay * params)``.

    ``update`` needs ``params``.  ``mask`` selects the decayed leaves (see
    :func:`add_decayed_weights`).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import optim
    >>> opt = optim.adamw(0.1, weight_decay=0.5)
    >>> p = np.array([2.0]); state = opt.init(p)
    >>> updates, state = opt.update(np.array([0.0]), state, p)
    >>> updates                 # no gradient: only the decay, -0.1 * 0.5 * 2
    array([-0.1])
    """
    check_rate(learning_rate, "adamw")
    return chain(scale_by_adam(b1, b2, eps, eps_root), add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate, decay=0.9, eps=1e-8, initial_scale=0.0, momentum=None,
            nesterov=False):
    """RMSProp (Hinton): ``v = decay v + (1 - decay) g**2``, ``update = -lr g / (sqrt(v) + eps)``,
    optionally followed by momentum.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import optim
    >>> opt = optim.rmsprop(0.01)
    >>> state = opt.init(np.zeros(1))
    >>> updates, _ = opt.update(np.array([2.0]), state)
    >>> updates.round(6)        # -0.01 * 2 / sqrt(0.1 * 4)
    array([-0.031623])
    """
    check_rate(learning_rate, "rmsprop")
    return chain(scale_by_rms(decay, eps, initial_scale),
                 trace(momentum, nesterov) if momentum else identity(),
                 scale_by_learning_rate(learning_rate))


def adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7):
    """Adagrad (Duchi et al.): ``s = s + g**2``, ``update = -lr g / sqrt(s + eps)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import optim
    >>> opt = optim.adagrad(1.0, initial_accumulator_value=0.0, eps=0.0)
    >>> updates, _ = opt.update(np.array([3.0]), opt.init(np.zeros(1)))
    >>> updates
    array([-1.])
    """
    check_rate(learning_rate, "adagrad")
    return chain(scale_by_rss(initial_accumulator_value, eps),
                 scale_by_learning_rate(learning_rate))


def lion(learning_rate, b1=0.9, b2=0.99, weight_decay=0.0, mask=None):
    """Lion (Chen et al., 2023): ``update = -lr (sign(b1 m + (1 - b1) g) + wd * params)``.

    Every component moves by exactly ``lr`` (plus decay): use a learning rate 3-10 times
    smaller than Adam's.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import optim
    >>> opt = optim.lion(0.01)
    >>> updates, _ = opt.update(np.array([0.3, -5.0]), opt.init(np.zeros(2)), np.zeros(2))
    >>> updates
    array([-0.01,  0.01])
    """
    check_rate(learning_rate, "lion")
    parts = [scale_by_lion(b1, b2)]
    if weight_decay:
        parts.append(add_decayed_weights(weight_decay, mask))
    parts.append(scale_by_learning_rate(learning_rate))
    return chain(*parts)


# --- L-BFGS ---------------------------------------------------------------------------------
class LbfgsState(NamedTuple):
    """Memory of the last ``memory_size`` curvature pairs, as flat vectors, newest first."""

    count: Any          # updates made
    s_mem: Any          # (m, n) parameter differences; row 0 is the newest pair
    y_mem: Any          # (m, n) gradient differences
    rho: Any            # (m,) 1 / (s . y); 0 marks an empty row
    head: Any           # number of pairs stored (at most m)
    prev_params: Any    # (n,)
    prev_grads: Any     # (n,)


def scale_by_lbfgs(memory_size=10, damping=0.0, curvature_eps=1e-10):
    """The L-BFGS direction ``H g`` from the two-loop recursion (Nocedal & Wright, Alg. 7.4).

    Pairs ``s = x_k - x_{k-1}``, ``y = g_k - g_{k-1} + damping * s`` are stored when
    ``s . y > curvature_eps * |s| |y|`` and skipped otherwise, so noisy (minibatch)
    gradients never make the inverse-Hessian estimate indefinite.  The initial scaling
    is ``gamma = s . y / y . y`` of the newest pair.  ``update`` needs ``params``.

    The update has no Python branch on values (a skipped pair is a masked one, an empty
    memory row has ``rho = 0`` and contributes exactly nothing), so it works under
    ``jit`` and ``vmap``.
    """
    if memory_size < 1:
        raise ValueError(f"lbfgs: memory_size must be at least 1, got {memory_size}")

    def init(params):
        vec, _ = ravel_tree(params)
        z = cnp.zeros_like(vec)
        n = vec.shape[-1]
        return LbfgsState(np.zeros((), np.int64), cnp.zeros((memory_size, n)),
                          cnp.zeros((memory_size, n)), cnp.zeros(memory_size),
                          np.zeros((), np.int64), z, z)

    def update(grads, state, params=None):
        if params is None:
            raise ValueError("lbfgs needs the current parameters: call "
                             "update(grads, state, params)")
        g, unravel = ravel_tree(grads)
        x, _ = ravel_tree(params)
        s = x - state.prev_params
        y = g - state.prev_grads + damping * s
        sy = cnp.sum(s * y)
        keep = ((state.count > 0) & (sy > curvature_eps * cnp.linalg.norm(s)
                                     * cnp.linalg.norm(y)) & (sy > 0))
        # The new pair goes in front and the oldest drops out, when the pair is kept.
        s_mem = cnp.where(keep, cnp.concatenate([s[None], state.s_mem[:-1]]), state.s_mem)
        y_mem = cnp.where(keep, cnp.concatenate([y[None], state.y_mem[:-1]]), state.y_mem)
        rho_new = 1.0 / cnp.where(keep, sy, 1.0)
        rho = cnp.where(keep, cnp.concatenate([rho_new[None], state.rho[:-1]]), state.rho)
        head = cnp.where(keep, cnp.minimum(state.head + 1, memory_size), state.head)
        # Two-loop recursion, newest pair first; empty rows have rho = 0, so a = b = 0.
        q = g
        alphas = []
        for i in range(memory_size):
            a = rho[i] * cnp.sum(s_mem[i] * q)
            q = q - a * y_mem[i]
            alphas.append(a)
        yy = cnp.sum(y_mem[0] * y_mem[0])
        gamma = cnp.where(rho[0] > 0, cnp.sum(s_mem[0] * y_mem[0]) / cnp.where(yy > 0, yy, 1.0),
                          1.0)
        r = gamma * q
        for i in reversed(range(memory_size)):
            b = rho[i] * cnp.sum(y_mem[i] * r)
            r = r + s_mem[i] * (alphas[i] - b)
        new_state = LbfgsState(state.count + 1, s_mem, y_mem, rho, head, x, g)
        return unravel(r), new_state

    return GradientTransformation(init, update)


def lbfgs(learning_rate=1.0, memory_size=10, damping=0.0, max_step=None):
    """Limited-memory BFGS as a pure ``init``/``update`` pair, without a line search.

    The direction comes from :func:`scale_by_lbfgs`; the step is ``-learning_rate`` times
    it, optionally clipped to a global norm ``max_step``.  On deterministic problems
    ``learning_rate=1`` converges superlinearly near a minimum (add ``max_step`` to
    tame the first steps); with minibatch gradients use a smaller or decaying rate and a
    small ``damping`` (e.g. ``1e-3``), which keeps the curvature pairs positive.  For
    full-batch problems, :func:`chainrule.optimize.minimize` with ``method="L-BFGS-B"``
    (with a line search) is usually the better tool.

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule import optim
    >>> A = np.array([[3.0, 1.0], [1.0, 2.0]]); b = np.array([1.0, -1.0])
    >>> loss = lambda x: 0.5 * x @ A @ x - b @ x
    >>> opt = optim.lbfgs(learning_rate=0.5)
    >>> x = np.zeros(2); state = opt.init(x)
    >>> for _ in range(30):
    ...     updates, state = opt.update(cr.grad(loss)(x), state, x)
    ...     x = optim.apply_updates(x, updates)
    >>> np.allclose(x, np.linalg.solve(A, b))
    True
    """
    check_rate(learning_rate, "lbfgs")
    parts = [scale_by_lbfgs(memory_size, damping)]
    if max_step is not None:
        parts.append(clip_by_global_norm(max_step))
    parts.append(scale_by_learning_rate(learning_rate))
    return chain(*parts)
