"""``Lambda``: a function as a layer."""

from __future__ import annotations

from typing import Callable

from ._module import Module, field

__all__ = ["Lambda"]


class Lambda(Module):
    """Wrap a function without parameters (``nn.relu``, ``lambda x: x.reshape(-1)``) as a
    layer, e.g. to put it in a :class:`Sequential`.  The function is static.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.Lambda(nn.relu)(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    fn: Callable = field(static=True)

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Lambda expects a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x, *args, **kwargs):
        return self.fn(x, *args, **kwargs)
