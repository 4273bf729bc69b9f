"""``ConvTranspose1d``: 1-dimensional transposed convolution."""

from __future__ import annotations

import numpy as np

from ._convtranspose import ConvTranspose

__all__ = ["ConvTranspose1d"]


class ConvTranspose1d(ConvTranspose):
    """A 1-d transposed convolution: :class:`ConvTranspose` with ``num_spatial_dims=1``,
    ``torch.nn.ConvTranspose1d``'s arguments and initialisation.

    Maps ONE example of shape ``(in_channels, length)``; batch with ``chainrule.vmap``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.ConvTranspose1d(4, 2, 3, stride=2, key=0)(np.ones((4, 5))).shape
    (2, 11)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, *, key,
                 dtype=np.float64):
        super().__init__(1, in_channels, out_channels, kernel_size, stride, padding,
                         output_padding, groups, bias, dilation, key=key, dtype=dtype)
