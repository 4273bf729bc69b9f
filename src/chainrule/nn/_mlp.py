"""``MLP``: a stack of ``Linear`` layers with an activation between them."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._activations import identity, relu
from ._linear import Linear
from ._module import Module, field
from ._rng import split_key
from ._util import as_input, shape_error

__all__ = ["MLP"]


class MLP(Module):
    """A multi-layer perceptron: ``depth`` hidden layers of ``width_size`` units.

    ``layers`` holds ``depth + 1`` :class:`Linear` layers; ``activation`` follows each
    hidden layer and ``final_activation`` the last one (the identity by default).
    ``depth=0`` is a single ``Linear(in_size, out_size)``.

    Maps ONE example of shape ``(in_size,)`` to ``(out_size,)``; batch with
    ``chainrule.vmap``.

    Parameters
    ----------
    in_size, out_size, width_size, depth : int
    activation, final_activation : callable
        Elementwise functions (``nn.relu``, ``nn.tanh``...).
    use_bias, use_final_bias : bool
    key : int, numpy.random.Generator or random key
    dtype : dtype

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> mlp = nn.MLP(2, 1, width_size=8, depth=2, activation=nn.tanh, key=0)
    >>> [layer.weight.shape for layer in mlp.layers]
    [(8, 2), (8, 8), (1, 8)]
    >>> mlp(np.zeros(2)).shape
    (1,)
    """

    layers: tuple
    activation: Callable = field(static=True)
    final_activation: Callable = field(static=True)
    in_size: int = field(static=True)
    out_size: int = field(static=True)
    width_size: int = field(static=True)
    depth: int = field(static=True)

    def __init__(self, in_size, out_size, width_size, depth, *, activation=relu,
                 final_activation=identity, use_bias=True, use_final_bias=True, key,
                 dtype=np.float64):
        if depth < 0:
            raise ValueError(f"MLP: depth (the number of hidden layers) must be >= 0, "
                             f"got {depth}")
        for name, fn in (("activation", activation), ("final_activation", final_activation)):
            if not callable(fn):
                raise TypeError(f"MLP: {name} must be a function such as nn.relu or nn.tanh, "
                                f"got {fn!r}")
        keys = split_key(key, depth + 1, "MLP: key")
        sizes = [in_size] + [width_size] * depth + [out_size]
        self.layers = tuple(
            Linear(sizes[i], sizes[i + 1], bias=use_bias if i < depth else use_final_bias,
                   key=keys[i], dtype=dtype) for i in range(depth + 1))
        self.activation = activation
        self.final_activation = final_activation
        self.in_size, self.out_size = int(in_size), int(out_size)
        self.width_size, self.depth = int(width_size), int(depth)

    def _describe(self):
        return (f"MLP(in_size={self.in_size}, out_size={self.out_size}, "
                f"width_size={self.width_size}, depth={self.depth})")

    def __call__(self, x):
        x = as_input(x)
        if tuple(x.shape) != (self.in_size,):
            raise shape_error(self, (self.in_size,), x.shape)
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.final_activation(self.layers[-1](x))
