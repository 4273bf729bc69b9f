"""``MaxPool`` and ``AvgPool``: N-dimensional pooling with PyTorch's conventions."""

from __future__ import annotations

import itertools
import math

import numpy as np

import chainrule.numpy as cnp

from ._conv import ntuple
from ._module import Module, field
from ._util import shape_error

__all__ = ["MaxPool", "AvgPool"]


class _Pool(Module):
    num_spatial_dims: int = field(static=True)
    kernel_size: tuple = field(static=True)
    stride: tuple = field(static=True)
    padding: tuple = field(static=True)
    dilation: tuple = field(static=True)

    def _setup(self, n, kernel_size, stride, padding, dilation):
        name = self._name(n)
        self.num_spatial_dims = int(n)
        self.kernel_size = ntuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = self.kernel_size if stride is None else \
            ntuple(stride, n, f"{name}: stride")
        self.padding = ntuple(padding, n, f"{name}: padding")
        self.dilation = ntuple(dilation, n, f"{name}: dilation")
        if any(v < 1 for v in self.kernel_size + self.stride + self.dilation):
            raise ValueError(f"{name}: kernel_size, stride and dilation must be positive")
        # PyTorch's rule: a window never lies wholly in the padding
        if any(p < 0 or p > k // 2 for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding must be between 0 and half the kernel size, "
                             f"got padding {self.padding} for kernel_size {self.kernel_size}")

    def _name(self, n=None):
        n = self.num_spatial_dims if n is None else n
        base = type(self).__name__.rstrip("123d")
        return f"{base}{n}d" if n in (1, 2, 3) else base

    def _describe(self):
        return f"{self._name()}(kernel_size={self.kernel_size}, stride={self.stride})"

    def _padded(self, x, pad_value):
        """``x`` (channels first) checked and padded with ``pad_value``."""
        n = self.num_spatial_dims
        if x.ndim != n + 1:
            raise shape_error(self, "(channels, " + ", ".join(["..."] * n) + ")", x.shape)
        if any(self.padding):
            x = cnp.pad(x, ((0, 0),) + tuple((p, p) for p in self.padding),
                        constant_values=pad_value)
        return x

    def _windows(self, x, pad_value):
        """The pooling windows of ``x`` stacked on a new axis 1: shape ``(C, K, *out)``."""
        x = self._padded(x, pad_value)
        spatial = tuple(x.shape[1:])
        out = tuple((size - d * (k - 1) - 1) // s + 1 for size, k, s, d in
                    zip(spatial, self.kernel_size, self.stride, self.dilation))
        if any(o < 1 for o in out):
            raise shape_error(self, "a larger spatial size", x.shape,
                              f"After padding the input is {spatial}, smaller than the "
                              f"dilated window.")
        # one strided view of the input per window offset (static slices, as in Conv)
        views = []
        for offset in itertools.product(*(range(k) for k in self.kernel_size)):
            idx = tuple(slice(o * d, o * d + s * (m - 1) + 1, s) for o, d, s, m in
                        zip(offset, self.dilation, self.stride, out))
            views.append(x[(slice(None),) + idx])
        return cnp.stack(views, axis=1), out


    def _windows_of(self, x, pad_value):
        tiles = self.stride == self.kernel_size and all(d == 1 for d in self.dilation)
        return (self._tiles if tiles else self._windows)(x, pad_value)

    def _tiles(self, x, pad_value):
        """``_windows`` for windows that tile the input (stride = kernel size, no
        dilation): the same ``(C, K, *out)`` array, built by a reshape and a transpose
        instead of one strided view per offset.  Its transpose is a transpose and a
        reshape: the gradient needs no scatter of each view back into a zero input."""
        x = self._padded(x, pad_value)
        spatial = tuple(x.shape[1:])
        out = tuple(size // k for size, k in zip(spatial, self.kernel_size))
        if any(o < 1 for o in out):
            raise shape_error(self, "a larger spatial size", x.shape,
                              f"After padding the input is {spatial}, smaller than the "
                              f"dilated window.")
        crop = tuple(o * k for o, k in zip(out, self.kernel_size))
        if crop != spatial:  # the rows and columns no window covers
            x = x[(slice(None),) + tuple(slice(0, c) for c in crop)]
        c, n = x.shape[0], self.num_spatial_dims
        # (C, o_1, k_1, o_2, k_2, ...) -> (C, k_1, k_2, ..., o_1, o_2, ...): the window
        # offsets in the order of itertools.product, as in ``_windows``
        x = cnp.reshape(x, (c,) + tuple(d for o, k in zip(out, self.kernel_size)
                                        for d in (o, k)))
        x = cnp.transpose(x, (0,) + tuple(range(2, 2 * n + 1, 2)) +
                          tuple(range(1, 2 * n, 2)))
        return cnp.reshape(x, (c, math.prod(self.kernel_size)) + out), out


class MaxPool(_Pool):
    """N-dimensional max pooling (``torch.nn.MaxPoolNd``):
    ``y[c, i...] = max_{k...} xpad[c, i*s + k*d]`` with ``xpad`` padded by ``-inf``.

    Maps ONE example of shape ``(channels, *spatial)`` to ``(channels, *out)``, ``out =
    floor((n + 2 p - d (k - 1) - 1) / s) + 1`` per axis; batch with ``chainrule.vmap``.
    ``stride`` defaults to ``kernel_size``; ``padding`` is at most half the kernel.  Where
    several entries of a window tie for the maximum, the gradient is shared equally
    between them (PyTorch gives it all to one).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.MaxPool(1, 2)(np.array([[1.0, 3.0, 2.0, 0.0, 5.0]]))
    array([[3., 2.]])
    """

    def __init__(self, num_spatial_dims, kernel_size, stride=None, padding=0, dilation=1):
        self._setup(num_spatial_dims, kernel_size, stride, padding, dilation)

    def __call__(self, x):
        windows, _ = self._windows_of(x, -np.inf)
        return cnp.max(windows, axis=1)


class AvgPool(_Pool):
    """N-dimensional average pooling (``torch.nn.AvgPoolNd``):
    ``y[c, i...] = sum_{k...} xpad[c, i*s + k] / D`` with ``xpad`` zero-padded and ``D`` the
    window size (``count_include_pad=True``, PyTorch's default) or the number of its
    entries that are not padding (``count_include_pad=False``).

    Maps ONE example of shape ``(channels, *spatial)`` to ``(channels, *out)``, ``out =
    floor((n + 2 p - k) / s) + 1`` per axis; batch with ``chainrule.vmap``.  ``stride``
    defaults to ``kernel_size``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.AvgPool(1, 2)(np.array([[1.0, 3.0, 2.0, 0.0, 5.0]]))
    array([[2., 1.]])
    """

    count_include_pad: bool = field(static=True)

    def __init__(self, num_spatial_dims, kernel_size, stride=None, padding=0,
                 count_include_pad=True):
        self._setup(num_spatial_dims, kernel_size, stride, padding, 1)
        self.count_include_pad = bool(count_include_pad)

    def __call__(self, x):
        windows, out = self._windows_of(x, 0.0)
        total = cnp.sum(windows, axis=1)
        if self.count_include_pad or not any(self.padding):
            return total / math.prod(self.kernel_size)
        # the number of real (not padding) entries in each window, a constant
        ones = np.pad(np.ones(tuple(x.shape[1:])), tuple((p, p) for p in self.padding))
        counts = sum(ones[tuple(slice(o, o + s * (m - 1) + 1, s) for o, s, m in
                                zip(offset, self.stride, out))]
                     for offset in itertools.product(*(range(k) for k in self.kernel_size)))
        return total / counts.astype(np.result_type(total.dtype, np.float32))
