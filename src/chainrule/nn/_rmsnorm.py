"""``RMSNorm``: scale by the root mean square over the trailing dimensions."""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp

from ._layernorm import as_shape
from ._module import Module, field
from ._util import as_input, float_dtype, shape_error

__all__ = ["RMSNorm"]


class RMSNorm(Module):
    """Root-mean-square normalisation (PyTorch's formula):
    ``y = x / sqrt(mean(x**2) + eps) * weight``, the mean over the trailing
    ``len(normalized_shape)`` dimensions; ``eps=None`` means the machine epsilon of the
    input's dtype.  ``weight`` starts at ones (None when ``elementwise_affine=False``).

    Maps ONE example whose trailing dimensions equal ``normalized_shape``; batch with
    ``chainrule.vmap``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> y = nn.RMSNorm(2)(np.array([3.0, 4.0]))
    >>> np.allclose(y, np.array([3.0, 4.0]) / np.sqrt(12.5))
    True
    """

    weight: np.ndarray | None
    normalized_shape: tuple = field(static=True)
    eps: float | None = field(static=True)

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, *,
                 dtype=np.float64):
        dtype = float_dtype(dtype)
        self.normalized_shape = as_shape(normalized_shape)
        self.eps = None if eps is None else float(eps)
        self.weight = np.ones(self.normalized_shape, dtype) if elementwise_affine else None

    def _describe(self):
        return f"RMSNorm(normalized_shape={self.normalized_shape})"

    def __call__(self, x):
        x = as_input(x)
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[x.ndim - k:]) != self.normalized_shape:
            raise shape_error(self, f"(..., {', '.join(map(str, self.normalized_shape))})",
                              x.shape)
        eps = float(np.finfo(np.dtype(x.dtype)).eps) if self.eps is None else self.eps
        axes = tuple(range(x.ndim - k, x.ndim))
        y = x / cnp.sqrt(cnp.mean(x * x, axis=axes, keepdims=True) + eps)
        return y if self.weight is None else y * self.weight
