"""``Sequential``: layers applied one after the other."""

from __future__ import annotations

from ._lambda import Lambda
from ._module import Module

__all__ = ["Sequential"]


class Sequential(Module):
    """Apply ``layers`` in order: ``Sequential([f, g])(x) == g(f(x))``.

    Plain functions (``nn.relu``...) are wrapped in :class:`Lambda`, so that they stay
    static structure and never become leaves.  Indexing and slicing work as on a list
    (a slice is again a ``Sequential``).

    Maps ONE example, as its layers do; batch with ``chainrule.vmap``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> net = nn.Sequential([nn.Linear(2, 4, key=0), nn.relu, nn.Linear(4, 1, key=1)])
    >>> net(np.ones(2)).shape, len(net), type(net[1]).__name__
    ((1,), 3, 'Lambda')
    """

    layers: tuple

    def __init__(self, layers):
        self.layers = tuple(x if isinstance(x, Module) else Lambda(x) for x in layers)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Sequential(self.layers[i])
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
