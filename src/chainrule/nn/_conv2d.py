"""``Conv2d``: 2-dimensional convolution."""

from __future__ import annotations

import numpy as np

from ._conv import Conv

__all__ = ["Conv2d"]


class Conv2d(Conv):
    """A 2-d convolution: :class:`Conv` with ``num_spatial_dims=2``, PyTorch's
    ``torch.nn.Conv2d`` arguments and initialisation.

    Maps ONE example of shape ``(in_channels, height, width)``; batch with
    ``chainrule.vmap``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> conv = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1, key=0)
    >>> conv(np.ones((3, 16, 16))).shape
    (8, 8, 8)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, *, key, dtype=np.float64):
        super().__init__(2, in_channels, out_channels, kernel_size, stride, padding,
                         dilation, groups, bias, key=key, dtype=dtype)
