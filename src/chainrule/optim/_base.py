"""The contract: a gradient transformation is a pair of pure functions ``init``/``update``."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

import chainrule.numpy as cnp
from chainrule._src.training import apply_updates
from chainrule.tree_util import tree_flatten, tree_leaves, tree_map, tree_unflatten

__all__ = ["GradientTransformation", "EmptyState", "identity", "chain", "apply_updates",
           "global_norm", "tree_zeros_like", "tree_vdot"]


class GradientTransformation(NamedTuple):
    """A pair of pure functions.

    ``init(params) -> state`` builds the state (a pytree of arrays, usually a NamedTuple);
    ``update(grads, state, params=None) -> (updates, new_state)`` maps gradients to the
    updates that :func:`apply_updates` adds to the parameters.  Neither mutates anything.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import optim
    >>> opt = optim.sgd(0.1)
    >>> params = {"w": np.array([1.0, 2.0])}
    >>> state = opt.init(params)
    >>> updates, state = opt.update({"w": np.array([1.0, 1.0])}, state)
    >>> optim.apply_updates(params, updates)
    {'w': array([0.9, 1.9])}
    """

    init: Callable[[Any], Any]
    update: Callable[..., Any]


class EmptyState(NamedTuple):
    """State of a stateless transformation."""


def identity():
    """The transformation that returns the gradients unchanged."""
    return GradientTransformation(lambda params: EmptyState(),
                                  lambda grads, state, params=None: (grads, state))


def chain(*transforms):
    """Apply ``transforms`` one after the other; the state is the tuple of their states.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import optim
    >>> opt = optim.chain(optim.clip_by_global_norm(1.0), optim.sgd(0.5))
    >>> state = opt.init(np.zeros(2))
    >>> updates, state = opt.update(np.array([3.0, 4.0]), state)
    >>> updates
    array([-0.3, -0.4])
    """
    for i, t in enumerate(transforms):
        if not isinstance(t, GradientTransformation):
            raise TypeError(f"chain: argument {i} is a {type(t).__name__}, not a "
                            "GradientTransformation (did you forget to call it, e.g. "
                            "optim.adam(1e-3) rather than optim.adam?)")

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(grads, state, params=None):
        if len(state) != len(transforms):
            raise ValueError(f"chain: the state has {len(state)} parts for {len(transforms)} "
                             "transformations; build it with the same chain's init")
        new_state = []
        for t, s in zip(transforms, state):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        return grads, tuple(new_state)

    return GradientTransformation(init, update)


def tree_zeros_like(tree):
    return tree_map(lambda x: cnp.zeros_like(x, dtype=np.result_type(x, float)), tree)


def tree_vdot(a, b):
    """Sum over leaves of ``sum(a * b)``."""
    total = 0.0
    for x, y in zip(tree_leaves(a), tree_leaves(b)):
        total = total + cnp.sum(x * y)
    return total


def global_norm(tree):
    """The l2 norm of all leaves together.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.optim import global_norm
    >>> float(global_norm({"a": np.array([3.0]), "b": 4.0}))
    5.0
    """
    return cnp.sqrt(tree_vdot(tree, tree))


def ravel_tree(tree):
    """Pytree -> (float64 vector, function rebuilding the pytree).

    Written with ``chainrule.numpy``, so it also works on traced leaves (under ``jit`` or
    ``vmap``); only the shapes and dtypes, always known, are read as Python values.
    """
    leaves, treedef = tree_flatten(tree)
    shapes = [tuple(np.shape(x)) for x in leaves]
    dtypes = [np.dtype(cnp.result_type(x)) for x in leaves]
    vec = (cnp.concatenate([cnp.ravel(cnp.asarray(x, dtype=float)) for x in leaves])
           if leaves else np.zeros(0))

    def unravel(v):
        out, i = [], 0
        for shape, dtype in zip(shapes, dtypes):
            n = int(np.prod(shape, dtype=np.int64))
            piece = cnp.reshape(v[i:i + n], shape)
            out.append(cnp.astype(piece, dtype) if dtype.kind == "f" else piece)
            i += n
        return tree_unflatten(treedef, out)
    return vec, unravel
