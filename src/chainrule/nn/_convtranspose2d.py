"""``ConvTranspose2d``: 2-dimensional transposed convolution."""

from __future__ import annotations

import numpy as np

from ._convtranspose import ConvTranspose

__all__ = ["ConvTranspose2d"]


class ConvTranspose2d(ConvTranspose):
    """A 2-d transposed convolution: :class:`ConvTranspose` with ``num_spatial_dims=2``,
    ``torch.nn.ConvTranspose2d``'s arguments and initialisation.

    Maps ONE example of shape ``(in_channels, height, width)``; batch with ``chainrule.vmap``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, key=0)(
    ...     np.ones((4, 5, 6))).shape
    (2, 10, 12)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, *, key,
                 dtype=np.float64):
        super().__init__(2, in_channels, out_channels, kernel_size, stride, padding,
                         output_padding, groups, bias, dilation, key=key, dtype=dtype)
