"""``fit`` and ``DataLoader``: the training loop for Modules."""

from __future__ import annotations

import math

import numpy as np

import chainrule as cr
from chainrule import optim
from chainrule.tree_util import tree_flatten, tree_unflatten

from ._module import combine, is_inexact_array, partition

__all__ = ["fit", "DataLoader"]


class DataLoader:
    """Mini-batches over a pytree of arrays that share their first dimension.

    Iterating gives one epoch of batches (each a pytree like ``data``); iterate again for
    the next epoch.  With ``shuffle=True`` every epoch uses a new permutation drawn from
    ``rng`` (an int seed or a ``numpy.random.Generator``, fixed at construction: the same
    seed gives the same sequence of epochs).

    Parameters
    ----------
    data : pytree of arrays
        For example ``(x, y)`` or ``{"x": x, "y": y}``.
    batch_size : int
    shuffle : bool
    rng : int or numpy.random.Generator, optional
    drop_last : bool
        Drop the last batch when it is smaller than ``batch_size``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> x, y = np.arange(10.0), np.arange(10) % 2
    >>> loader = nn.DataLoader((x, y), batch_size=4)
    >>> [xb.tolist() for xb, yb in loader]
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
    >>> len(nn.DataLoader((x, y), batch_size=4, drop_last=True))
    2
    """

    def __init__(self, data, batch_size, *, shuffle=False, rng=None, drop_last=False):
        leaves, self._treedef = tree_flatten(data)
        if not leaves:
            raise ValueError("DataLoader: data has no arrays")
        self._leaves = [np.asarray(x) for x in leaves]
        sizes = {x.shape[0] if x.ndim else None for x in self._leaves}
        if len(sizes) != 1 or None in sizes:
            raise ValueError(f"DataLoader: every array needs the same first dimension (the "
                             f"number of examples), got shapes "
                             f"{[x.shape for x in self._leaves]}")
        self.n = sizes.pop()
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self._rng = np.random.default_rng(rng) if shuffle else None

    def __len__(self):
        return self.n // self.batch_size if self.drop_last else \
            math.ceil(self.n / self.batch_size)

    def __iter__(self):
        order = self._rng.permutation(self.n) if self.shuffle else None
        for b in range(len(self)):
            lo, hi = b * self.batch_size, min((b + 1) * self.batch_size, self.n)
            idx = slice(lo, hi) if order is None else order[lo:hi]
            yield tree_unflatten(self._treedef, [x[idx] for x in self._leaves])


def fit(model, loss_fn, data, optimizer, *, epochs=1, jit=True,
        filter_spec=is_inexact_array, state=None):
    """Train ``model``: for each epoch, one optimizer step per batch of ``data``.

    The model is split with :func:`partition` into the arrays selected by ``filter_spec``
    (trained) and the rest (kept: static fields, integer arrays, frozen parts), so that
    gradients and optimizer state cover only the trained arrays.  With ``jit=True`` the
    loss and its gradient are compiled together with ``chainrule.jit`` (traced again for
    each new batch shape, e.g. a smaller last batch); the optimizer's update, cheap
    elementwise work, runs eagerly, so every optimizer works, ``optim.lbfgs`` included.

    Parameters
    ----------
    model : Module (or pytree)
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar``.
    data : iterable of batches
        Iterated once per epoch, e.g. a :class:`DataLoader` or a list of batches.
    optimizer : chainrule.optim.GradientTransformation
    epochs : int
    jit : bool
        Compile the loss and gradient.  Use ``jit=False`` when ``loss_fn`` has Python
        control flow on values.
    filter_spec : callable
        ``filter_spec(leaf) -> bool``: which leaves to train (default: every floating-point
        array); see :func:`partition`.
    state : pytree, optional
        Optimizer state to resume from.

    Returns
    -------
    chainrule.optim.FitResult
        Unpacks as ``(model, history)``, ``history`` holding the loss of every step (before
        the update); ``.state`` is the final optimizer state (pass it back as ``state=``).

    Raises
    ------
    FloatingPointError
        When the loss becomes NaN or infinite (the epoch and step are named).

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn, optim
    >>> x = np.linspace(-1, 1, 64)[:, None]
    >>> y = 3 * x - 1
    >>> loss = lambda m, b: nn.mse(cr.vmap(m)(b[0]), b[1])
    >>> model, history = nn.fit(nn.Linear(1, 1, key=0), loss, nn.DataLoader((x, y), 16),
    ...                         optim.adam(0.1), epochs=100)
    >>> np.round(model.weight, 2), np.round(model.bias, 2), bool(history[-1] < 1e-6)
    (array([[3.]]), array([-1.]), True)
    """
    if not isinstance(optimizer, optim.GradientTransformation):
        raise TypeError(f"nn.fit: optimizer must be a GradientTransformation (e.g. "
                        f"optim.adam(1e-3)), got {type(optimizer).__name__}")
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"nn.fit: epochs must be a non-negative integer, got {epochs!r}")
    params, rest = partition(model, filter_spec)
    state = optimizer.init(params) if state is None else state

    def loss_and_grad(params, rest, batch):
        return cr.value_and_grad(lambda p: loss_fn(combine(p, rest), batch))(params)

    if jit:
        loss_and_grad = cr.jit(loss_and_grad)
    history = []
    for epoch in range(int(epochs)):
        n = 0
        for n, batch in enumerate(data, 1):
            loss, grads = loss_and_grad(params, rest, batch)
            updates, state = optimizer.update(grads, state, params)
            params = optim.apply_updates(params, updates)
            loss = float(loss)
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"nn.fit: the loss is {loss} at epoch {epoch}, step {n - 1}. Lower the "
                    "learning rate, clip the gradients (optim.clip_by_global_norm) or check "
                    "the data.")
            history.append(loss)
        if n == 0:
            raise ValueError("nn.fit: data gave no batches (is it empty, or a one-shot "
                             "iterator used up by an earlier epoch?)")
    return optim.FitResult(combine(params, rest), np.asarray(history, dtype=float), state)
