"""``MaxPool2d`` and ``AvgPool2d``."""

from __future__ import annotations

from ._pool import AvgPool, MaxPool

__all__ = ["MaxPool2d", "AvgPool2d"]


class MaxPool2d(MaxPool):
    """2-d max pooling: :class:`MaxPool` with ``num_spatial_dims=2`` and
    ``torch.nn.MaxPool2d``'s arguments.  Maps ONE example of shape ``(channels, height,
    width)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.MaxPool2d(2)(np.arange(16.0).reshape(1, 4, 4))
    array([[[ 5.,  7.],
            [13., 15.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1):
        super().__init__(2, kernel_size, stride, padding, dilation)


class AvgPool2d(AvgPool):
    """2-d average pooling: :class:`AvgPool` with ``num_spatial_dims=2`` and
    ``torch.nn.AvgPool2d``'s arguments.  Maps ONE example of shape ``(channels, height,
    width)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.AvgPool2d(2)(np.arange(16.0).reshape(1, 4, 4))
    array([[[ 2.5,  4.5],
            [10.5, 12.5]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad=True):
        super().__init__(2, kernel_size, stride, padding, count_include_pad)
