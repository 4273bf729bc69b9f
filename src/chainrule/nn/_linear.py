"""``Linear``: ``y = W x + b``."""

from __future__ import annotations

import math

import numpy as np

from . import init
from ._module import Module, field
from ._rng import split_key
from ._util import as_input, float_dtype, shape_error

__all__ = ["Linear"]


class Linear(Module):
    """A fully connected layer, ``y = weight @ x + bias``, with PyTorch's names and
    initialisation: ``weight`` of shape ``(out_features, in_features)`` and ``bias`` both
    uniform on ``[-1/sqrt(in_features), 1/sqrt(in_features)]``.

    Maps ONE example: ``x`` of shape ``(in_features,)`` to ``(out_features,)``.  For a batch
    use ``chainrule.vmap(layer)(xs)``.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
        Whether to add a bias (``self.bias`` is None otherwise).
    key : int, numpy.random.Generator or random key
        Draws the initial weights (keyword only, required).
    dtype : dtype
        Parameter dtype (float64 by default).

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn
    >>> layer = nn.Linear(3, 2, key=0)
    >>> layer.weight.shape, layer.bias.shape
    ((2, 3), (2,))
    >>> x = np.ones(3)
    >>> np.allclose(layer(x), layer.weight @ x + layer.bias)
    True
    >>> cr.vmap(layer)(np.ones((5, 3))).shape
    (5, 2)
    """

    weight: np.ndarray
    bias: np.ndarray | None
    in_features: int = field(static=True)
    out_features: int = field(static=True)

    def __init__(self, in_features, out_features, *, bias=True, key, dtype=np.float64):
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer, float)) or v < 0 or int(v) != v:
                raise ValueError(f"Linear: {name} must be a non-negative integer, got {v!r}")
        dtype = float_dtype(dtype)
        kw, kb = split_key(key, 2, "Linear: key")
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        # kaiming_uniform(a=sqrt(5)) as in PyTorch, which reduces to the same bound.
        self.weight = init.kaiming_uniform(kw, (out_features, in_features), a=math.sqrt(5.0),
                                           dtype=dtype)
        self.bias = init.uniform(kb, (out_features,), -bound, bound, dtype) if bias else None
        self.in_features = int(in_features)
        self.out_features = int(out_features)

    def _describe(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"

    def __call__(self, x):
        x = as_input(x)
        if tuple(x.shape) != (self.in_features,):
            raise shape_error(self, (self.in_features,), x.shape)
        y = self.weight @ x
        return y if self.bias is None else y + self.bias
