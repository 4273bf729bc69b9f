"""``ConvTranspose``: N-dimensional transposed convolution (PyTorch's conventions)."""

from __future__ import annotations

import math

import numpy as np

import chainrule.numpy as cnp

from . import init
from ._conv import correlate, ntuple
from ._module import Module, field
from ._util import as_input, float_dtype, shape_error

__all__ = ["ConvTranspose"]


class ConvTranspose(Module):
    """An ``N``-dimensional transposed convolution (``torch.nn.ConvTransposeNd``): the
    adjoint of :class:`Conv` with the same stride, padding, dilation and groups, i.e. the
    gradient of a convolution with respect to its input, plus a bias.  Each input entry
    scatters ``weight[c, o, k...]`` times its value to output position ``i*s - p + k*d``:

    ``y[o, j...] = bias[o] + sum_{c, i, k: j = i*s - p + k*d} x[c, i...] * weight[c, o', k...]``

    with ``o'`` the index of ``o`` inside its group.  ``weight`` has PyTorch's shape
    ``(in_channels, out_channels // groups, *kernel_size)``; weight and bias are uniform on
    ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]`` with ``fan_in = out_channels // groups *
    prod(kernel_size)``, as in PyTorch.

    Maps ONE example of shape ``(in_channels, *spatial)`` to ``(out_channels, *out)``,
    ``out = (n - 1) s - 2 p + d (k - 1) + output_padding + 1`` per axis; batch with
    ``chainrule.vmap``.  ``output_padding`` (smaller than the stride or the dilation) adds
    entries at the high end of each axis, to pick one of the input sizes that a strided
    convolution maps to the same output size.

    Parameters
    ----------
    num_spatial_dims : int
    in_channels, out_channels : int
    kernel_size, stride, padding, output_padding, dilation : int or tuple of int
    groups : int
    bias : bool
    key : int, numpy.random.Generator or random key
    dtype : dtype

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> up = nn.ConvTranspose(1, 2, 3, kernel_size=4, stride=2, padding=1, key=0)
    >>> up(np.ones((2, 8))).shape
    (3, 16)
    """

    weight: np.ndarray
    bias: np.ndarray | None
    num_spatial_dims: int = field(static=True)
    in_channels: int = field(static=True)
    out_channels: int = field(static=True)
    kernel_size: tuple = field(static=True)
    stride: tuple = field(static=True)
    padding: tuple = field(static=True)
    output_padding: tuple = field(static=True)
    dilation: tuple = field(static=True)
    groups: int = field(static=True)

    def __init__(self, num_spatial_dims, in_channels, out_channels, kernel_size, stride=1,
                 padding=0, output_padding=0, groups=1, bias=True, dilation=1, *, key,
                 dtype=np.float64):
        n = int(num_spatial_dims)
        dtype = float_dtype(dtype)
        name = f"ConvTranspose{n}d" if n in (1, 2, 3) else "ConvTranspose"
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        self.num_spatial_dims = n
        self.kernel_size = ntuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = ntuple(stride, n, f"{name}: stride")
        self.padding = ntuple(padding, n, f"{name}: padding")
        self.output_padding = ntuple(output_padding, n, f"{name}: output_padding")
        self.dilation = ntuple(dilation, n, f"{name}: dilation")
        if any(v < 1 for v in self.kernel_size + self.stride + self.dilation):
            raise ValueError(f"{name}: kernel_size, stride and dilation must be positive")
        if any(p < 0 for p in self.padding + self.output_padding):
            raise ValueError(f"{name}: padding and output_padding must be non-negative")
        if any(op >= max(s, d) for op, s, d in
               zip(self.output_padding, self.stride, self.dilation)):
            raise ValueError(f"{name}: output_padding {self.output_padding} must be smaller "
                             f"than the stride {self.stride} or the dilation "
                             f"{self.dilation} on each axis (as in PyTorch)")
        self.in_channels, self.out_channels, self.groups = (int(in_channels),
                                                            int(out_channels), int(groups))
        self.weight, self.bias = init.fan_in_uniform(
            key, (in_channels, out_channels // groups) + self.kernel_size,
            out_channels // groups * math.prod(self.kernel_size),
            (out_channels,) if bias else None, dtype, name)

    def _describe(self):
        n = self.num_spatial_dims
        name = f"ConvTranspose{n}d" if n in (1, 2, 3) else "ConvTranspose"
        return (f"{name}(in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"kernel_size={self.kernel_size})")

    def __call__(self, x):
        x = as_input(x)
        n = self.num_spatial_dims
        if x.ndim != n + 1 or x.shape[0] != self.in_channels:
            raise shape_error(self, f"({self.in_channels}, " + ", ".join(["..."] * n) + ")",
                              x.shape)
        out = tuple((m - 1) * s - 2 * p + d * (k - 1) + op + 1 for m, s, p, d, k, op in
                    zip(x.shape[1:], self.stride, self.padding, self.dilation,
                        self.kernel_size, self.output_padding))
        if any(o < 1 for o in out):
            raise shape_error(self, "a larger spatial size", x.shape,
                              f"The output would have spatial shape {out}.")
        # Insert stride - 1 zeros between input entries along each spatial axis...
        for axis, s in enumerate(self.stride, start=1):
            if s > 1:
                m = x.shape[axis]
                x = cnp.stack([x] + [cnp.zeros_like(x)] * (s - 1), axis=axis + 1)
                shape = tuple(x.shape[:axis]) + (m * s,) + tuple(x.shape[axis + 2:])
                x = cnp.reshape(x, shape)
                x = x[(slice(None),) * axis + (slice(0, (m - 1) * s + 1),)]
        # ...pad each side by d (k - 1) - p (output_padding more at the end); a negative
        # amount crops instead...
        lo = [d * (k - 1) - p for d, k, p in zip(self.dilation, self.kernel_size,
                                                 self.padding)]
        hi = [v + op for v, op in zip(lo, self.output_padding)]
        if any(v > 0 for v in lo + hi):
            x = cnp.pad(x, ((0, 0),) + tuple((max(a, 0), max(b, 0)) for a, b in zip(lo, hi)))
        if any(v < 0 for v in lo + hi):
            x = x[(slice(None),) + tuple(slice(max(-a, 0), x.shape[i + 1] - max(-b, 0))
                                         for i, (a, b) in enumerate(zip(lo, hi)))]
        # ...and correlate with the kernel flipped and its channel axes swapped per group.
        g, cin, cout = self.groups, self.in_channels, self.out_channels
        k = self.kernel_size
        w = cnp.reshape(self.weight, (g, cin // g, cout // g) + k)
        w = cnp.reshape(cnp.swapaxes(w, 1, 2), (cout, cin // g) + k)
        w = w[(slice(None), slice(None)) + (slice(None, None, -1),) * n]
        y = correlate(x, w, (1,) * n, self.dilation, g)
        if self.bias is not None:
            y = y + cnp.reshape(self.bias, (cout,) + (1,) * n)
        return y
