"""``LayerNorm``: normalise over the trailing dimensions."""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp

from ._module import Module, field
from ._util import as_input, float_dtype, shape_error

__all__ = ["LayerNorm"]


def as_shape(shape):
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)


class LayerNorm(Module):
    """Layer normalisation (PyTorch's formula):
    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, with the mean and the *biased*
    variance taken over the trailing ``len(normalized_shape)`` dimensions.

    ``weight`` starts at ones and ``bias`` at zeros (None when ``elementwise_affine=False``,
    ``bias`` None when ``bias=False``).  Maps ONE example whose trailing dimensions equal
    ``normalized_shape``; batch with ``chainrule.vmap``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> ln = nn.LayerNorm(4)
    >>> y = ln(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> bool(abs(y.mean()) < 1e-12), round(float(y.var()), 4)
    (True, 1.0)
    """

    weight: np.ndarray | None
    bias: np.ndarray | None
    normalized_shape: tuple = field(static=True)
    eps: float = field(static=True)

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, *,
                 dtype=np.float64):
        dtype = float_dtype(dtype)
        self.normalized_shape = as_shape(normalized_shape)
        self.eps = float(eps)
        self.weight = np.ones(self.normalized_shape, dtype) if elementwise_affine else None
        self.bias = (np.zeros(self.normalized_shape, dtype)
                     if elementwise_affine and bias else None)

    def _describe(self):
        return f"LayerNorm(normalized_shape={self.normalized_shape})"

    def __call__(self, x):
        x = as_input(x)
        k = len(self.normalized_shape)
        if tuple(x.shape[x.ndim - k:]) != self.normalized_shape or x.ndim < k:
            raise shape_error(self, f"(..., {', '.join(map(str, self.normalized_shape))})",
                              x.shape)
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = cnp.mean(x, axis=axes, keepdims=True)
        centred = x - mean
        var = cnp.mean(centred * centred, axis=axes, keepdims=True)
        y = centred / cnp.sqrt(var + self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y
