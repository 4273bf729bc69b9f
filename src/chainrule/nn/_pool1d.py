"""``MaxPool1d`` and ``AvgPool1d``."""

from __future__ import annotations

from ._pool import AvgPool, MaxPool

__all__ = ["MaxPool1d", "AvgPool1d"]


class MaxPool1d(MaxPool):
    """1-d max pooling: :class:`MaxPool` with ``num_spatial_dims=1`` and
    ``torch.nn.MaxPool1d``'s arguments.  Maps ONE example of shape ``(channels, length)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.MaxPool1d(3, stride=1, padding=1)(np.array([[0.0, 2.0, 1.0]]))
    array([[2., 2., 2.]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1):
        super().__init__(1, kernel_size, stride, padding, dilation)


class AvgPool1d(AvgPool):
    """1-d average pooling: :class:`AvgPool` with ``num_spatial_dims=1`` and
    ``torch.nn.AvgPool1d``'s arguments.  Maps ONE example of shape ``(channels, length)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.AvgPool1d(3, stride=1, padding=1, count_include_pad=False)(np.array([[0.0, 3.0, 6.0]]))
    array([[1.5, 3. , 4.5]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad=True):
        super().__init__(1, kernel_size, stride, padding, count_include_pad)
