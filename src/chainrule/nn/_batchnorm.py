"""``BatchNorm``: normalise each channel over a batch, with explicit running statistics."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp

from ._module import Module, field
from ._util import as_input, float_dtype

__all__ = ["BatchNorm", "BatchNormState"]


class BatchNormState(NamedTuple):
    """The running statistics of a :class:`BatchNorm` (a pytree: save it, pass it through
    ``jit``): per-channel ``running_mean`` and ``running_var`` and the number of training
    batches seen, ``num_batches_tracked``."""

    running_mean: np.ndarray
    running_var: np.ndarray
    num_batches_tracked: np.ndarray


class BatchNorm(Module):
    """Batch normalisation (``torch.nn.BatchNorm1d/2d/3d``), its running statistics kept
    outside the module in a :class:`BatchNormState`.

    Unlike the other layers it maps a whole BATCH, of shape ``(N, num_features, *spatial)``
    (any number of spatial axes, none included): the statistics are taken per channel over
    the batch and spatial axes.  ``y, state = bn(x, state)`` in training mode normalises
    with the batch's mean and *biased* variance, ``y = (x - mean) / sqrt(var + eps) *
    weight + bias``, and returns the state updated as PyTorch does,
    ``running = (1 - momentum) * running + momentum * batch_stat`` with the *unbiased*
    batch variance (``momentum=None``: the cumulative average over all batches seen).  The
    new statistics carry no derivative.  ``y, state = bn(x, state, inference=True)``
    normalises with the running statistics and returns the state unchanged.  Start from
    ``bn.init_state()`` (means 0, variances 1); in training mode ``state`` may be None
    (batch statistics only, nothing tracked).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> bn = nn.BatchNorm(3)
    >>> state = bn.init_state()
    >>> x = np.random.default_rng(0).normal(5.0, 2.0, (64, 3, 4, 4))
    >>> y, state = bn(x, state)
    >>> bool(abs(y.mean()) < 1e-12), np.round(state.running_mean, 1)
    (True, array([0.5, 0.5, 0.5]))
    >>> y_eval, same = bn(x, state, inference=True)
    >>> same is state
    True
    """

    weight: np.ndarray | None
    bias: np.ndarray | None
    num_features: int = field(static=True)
    eps: float = field(static=True)
    momentum: float | None = field(static=True)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, *,
                 dtype=np.float64):
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1] or None, got {momentum}")
        dtype = float_dtype(dtype)
        self.num_features, self.eps = int(num_features), float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.weight = np.ones(self.num_features, dtype) if affine else None
        self.bias = np.zeros(self.num_features, dtype) if affine else None

    def _describe(self):
        return f"BatchNorm(num_features={self.num_features})"

    def init_state(self, dtype=None):
        """Fresh running statistics: means 0, variances 1, no batch seen."""
        dtype = float_dtype(dtype or (self.weight.dtype if self.weight is not None
                                      else np.float64))
        return BatchNormState(np.zeros(self.num_features, dtype),
                              np.ones(self.num_features, dtype), np.asarray(0, np.int64))

    def __call__(self, x, state, *, inference=False):
        x = as_input(x)
        if x.ndim < 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"{self._describe()} expects a BATCH of shape (N, {self.num_features}, ...), "
                f"got shape {tuple(x.shape)}. Unlike other layers it needs the whole batch "
                "for its statistics: call it on the batch, not under chainrule.vmap.")
        shape = (1, self.num_features) + (1,) * (x.ndim - 2)
        axes = (0,) + tuple(range(2, x.ndim))
        if inference:
            if state is None:
                raise TypeError("BatchNorm(inference=True) normalises with the running "
                                "statistics: pass the state (bn.init_state() before "
                                "training)")
            mean = cnp.reshape(state.running_mean, shape)
            var = cnp.reshape(state.running_var, shape)
            new_state = state
        else:
            n = int(np.prod([x.shape[a] for a in axes]))
            if n < 2:
                raise ValueError(f"{self._describe()}: training mode needs more than one "
                                 f"value per channel, got input shape {tuple(x.shape)}")
            mean = cnp.mean(x, axis=axes, keepdims=True)
            centred = x - mean
            var = cnp.mean(centred * centred, axis=axes, keepdims=True)
            new_state = None if state is None else self._updated(state, mean, var, n)
        y = (x - mean) / cnp.sqrt(var + self.eps)
        if self.weight is not None:
            y = y * cnp.reshape(self.weight, shape)
        if self.bias is not None:
            y = y + cnp.reshape(self.bias, shape)
        return y, new_state

    def _updated(self, state, mean, var, n):
        mean = cr.stop_gradient(cnp.reshape(mean, (self.num_features,)))
        var = cr.stop_gradient(cnp.reshape(var, (self.num_features,))) * (n / (n - 1))
        count = state.num_batches_tracked + 1
        m = 1.0 / count if self.momentum is None else self.momentum
        dtype = state.running_mean.dtype
        new_mean = cnp.astype((1 - m) * state.running_mean + m * mean, dtype)
        new_var = cnp.astype((1 - m) * state.running_var + m * var, dtype)
        return BatchNormState(new_mean, new_var, count)
