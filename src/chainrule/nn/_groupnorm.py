"""``GroupNorm``: normalise groups of channels of one example."""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp

from ._module import Module, field
from ._util import as_input, float_dtype, shape_error

__all__ = ["GroupNorm"]


class GroupNorm(Module):
    """Group normalisation (``torch.nn.GroupNorm``): the channels are split into
    ``num_groups`` groups of consecutive channels, each normalised over its channels and all
    spatial positions, ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the
    *biased* variance, then scaled and shifted per channel.

    ``weight`` starts at ones and ``bias`` at zeros (both None when ``affine=False``).
    Maps ONE example of shape ``(num_channels, *spatial)``; batch with ``chainrule.vmap``
    (unlike batch normalisation it needs no statistics across examples).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> gn = nn.GroupNorm(2, 4)
    >>> y = gn(np.arange(24.0).reshape(4, 6))
    >>> bool(abs(y[:2].mean()) < 1e-12), round(float(y[:2].var()), 4)
    (True, 1.0)
    """

    weight: np.ndarray | None
    bias: np.ndarray | None
    num_groups: int = field(static=True)
    num_channels: int = field(static=True)
    eps: float = field(static=True)

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, *, dtype=np.float64):
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        dtype = float_dtype(dtype)
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps = float(eps)
        self.weight = np.ones(self.num_channels, dtype) if affine else None
        self.bias = np.zeros(self.num_channels, dtype) if affine else None

    def _describe(self):
        return f"GroupNorm(num_groups={self.num_groups}, num_channels={self.num_channels})"

    def __call__(self, x):
        x = as_input(x)
        if x.ndim < 1 or x.shape[0] != self.num_channels:
            raise shape_error(self, f"({self.num_channels}, ...)", x.shape)
        spatial = tuple(x.shape[1:])
        g = cnp.reshape(x, (self.num_groups, -1))
        mean = cnp.mean(g, axis=1, keepdims=True)
        centred = g - mean
        var = cnp.mean(centred * centred, axis=1, keepdims=True)
        y = cnp.reshape(centred / cnp.sqrt(var + self.eps), x.shape)
        trail = (1,) * len(spatial)
        if self.weight is not None:
            y = y * cnp.reshape(self.weight, (self.num_channels,) + trail)
        if self.bias is not None:
            y = y + cnp.reshape(self.bias, (self.num_channels,) + trail)
        return y
