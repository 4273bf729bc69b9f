"""``Dropout``: zero entries at random while training."""

from __future__ import annotations

from ._module import Module, field
from ._rng import _rng_from_key

__all__ = ["Dropout"]


class Dropout(Module):
    """While training, zero each entry with probability ``p`` and scale the others by
    ``1 / (1 - p)`` (PyTorch's inverted dropout); in inference mode, the identity.

    ``inference`` set at construction can be overridden per call.  Training mode needs
    ``key=`` (an int seed or ``numpy.random.Generator``): the mask is drawn eagerly with
    NumPy from the input's shape.  Unlike other layers, Dropout takes an array of any
    shape; call it on a whole batch (under ``vmap`` every example would get the same mask),
    and pass a new key at every step.  Under ``jit`` the key must be static (a traced key is
    an error); with :func:`chainrule.nn.fit`, put the seed in the batch and use
    ``jit=False``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> drop = nn.Dropout(0.5)
    >>> y = drop(np.ones(1000), key=0)
    >>> sorted(set(y.tolist())), bool(400 < (y == 0).sum() < 600)
    ([0.0, 2.0], True)
    >>> drop(np.ones(3), inference=True)
    array([1., 1., 1.])
    """

    p: float = field(static=True)
    inference: bool = field(static=True)

    def __init__(self, p=0.5, inference=False):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.inference = bool(inference)

    def __call__(self, x, *, key=None, inference=None):
        inference = self.inference if inference is None else inference
        if inference or self.p == 0.0:
            return x
        if key is None:
            raise TypeError("Dropout in training mode needs key= (an int seed or a "
                            "numpy.random.Generator); pass inference=True to switch it off")
        if self.p == 1.0:
            return x * 0.0
        keep = _rng_from_key(key, "Dropout: key").random(tuple(x.shape)) >= self.p
        return x * (keep / (1.0 - self.p)).astype(x.dtype)
