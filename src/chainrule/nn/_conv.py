"""``Conv``: N-dimensional convolution (cross-correlation, as in PyTorch)."""

from __future__ import annotations

import itertools
import math

import numpy as np

import chainrule.numpy as cnp

from . import init
from ._module import Module, field
from ._util import as_input, float_dtype, shape_error

__all__ = ["Conv"]


def ntuple(v, n, what):
    t = (int(v),) * n if np.ndim(v) == 0 else tuple(int(x) for x in v)
    if len(t) != n:
        raise ValueError(f"{what} needs {n} value(s), got {v!r}")
    return t


def correlate(x, weight, stride, dilation, groups):
    """The grouped cross-correlation of ``x`` ``(C_in, *spatial)`` (already padded) with
    ``weight`` ``(C_out, C_in // groups, *kernel)``: shape ``(C_out, *out)``."""
    kernel = tuple(weight.shape[2:])
    cin, cout, g = x.shape[0], weight.shape[0], groups
    out = tuple((size - d * (k - 1) - 1) // s + 1 for size, k, s, d in
                zip(x.shape[1:], kernel, stride, dilation))
    # im2col with static slices: one strided view of the input per kernel offset.
    patches = []
    for offset in itertools.product(*(range(k) for k in kernel)):
        idx = tuple(slice(o * d, o * d + s * (m - 1) + 1, s) for o, d, s, m in
                    zip(offset, dilation, stride, out))
        patches.append(x[(slice(None),) + idx])
    kk, npix = math.prod(kernel), math.prod(out)
    cols = cnp.reshape(cnp.stack(patches, axis=1), (g, cin // g * kk, npix))
    w = cnp.reshape(weight, (g, cout // g, cin // g * kk))
    return cnp.reshape(w @ cols, (cout,) + out)


class Conv(Module):
    """An ``N``-dimensional convolution layer with PyTorch's conventions (it computes a
    cross-correlation, as ``torch.nn.ConvNd`` does):

    ``y[o, i...] = bias[o] + sum_{c, k...} weight[o, c, k...] * xpad[g*C/G + c, i*s + k*d]``

    with ``xpad`` the zero-padded input, ``s`` the stride, ``d`` the dilation and ``g`` the
    group of output channel ``o``.  ``weight`` has shape ``(out_channels, in_channels //
    groups, *kernel_size)``; weight and bias are uniform on ``[-1/sqrt(fan_in),
    1/sqrt(fan_in)]`` with ``fan_in = in_channels // groups * prod(kernel_size)``, as in
    PyTorch.

    Maps ONE example of shape ``(in_channels, *spatial)`` (no batch axis) to
    ``(out_channels, *spatial_out)``, ``spatial_out = floor((n + pad_lo + pad_hi -
    d (k - 1) - 1) / s) + 1`` per axis; batch with ``chainrule.vmap``.

    Parameters
    ----------
    num_spatial_dims : int
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or tuple of int
    padding : int, tuple, "valid" or "same"
        An int or one int per axis pads both sides; a tuple of ``(lo, hi)`` pairs pads
        unevenly; ``"same"`` keeps the spatial shape (stride 1 only; an odd total padding
        puts the extra zero at the end, as PyTorch does); ``"valid"`` pads nothing.
    groups : int
        Split the channels in ``groups`` independent convolutions (both channel counts
        must be divisible by it).
    bias : bool
    key : int, numpy.random.Generator or random key
    dtype : dtype

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> conv = nn.Conv(1, 2, 4, kernel_size=3, padding="same", key=0)
    >>> conv(np.ones((2, 10))).shape
    (4, 10)
    """

    weight: np.ndarray
    bias: np.ndarray | None
    num_spatial_dims: int = field(static=True)
    in_channels: int = field(static=True)
    out_channels: int = field(static=True)
    kernel_size: tuple = field(static=True)
    stride: tuple = field(static=True)
    padding: tuple = field(static=True)
    dilation: tuple = field(static=True)
    groups: int = field(static=True)

    def __init__(self, num_spatial_dims, in_channels, out_channels, kernel_size, stride=1,
                 padding=0, dilation=1, groups=1, bias=True, *, key, dtype=np.float64):
        n = int(num_spatial_dims)
        dtype = float_dtype(dtype)
        name = f"Conv{n}d" if n in (1, 2, 3) else "Conv"
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        self.kernel_size = ntuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = ntuple(stride, n, f"{name}: stride")
        self.dilation = ntuple(dilation, n, f"{name}: dilation")
        if isinstance(padding, str):
            if padding == "valid":
                pads = ((0, 0),) * n
            elif padding == "same":
                if any(s != 1 for s in self.stride):
                    raise ValueError(f"{name}: padding='same' needs stride 1 (as in "
                                     f"PyTorch), got stride {self.stride}")
                total = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
                pads = tuple((t // 2, t - t // 2) for t in total)
            else:
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or "
                                 f"'valid', got {padding!r}")
        elif np.ndim(padding) == 0 or all(np.ndim(p) == 0 for p in padding):
            pads = tuple((p, p) for p in ntuple(padding, n, f"{name}: padding"))
        else:
            pads = tuple((int(lo), int(hi)) for lo, hi in padding)
            if len(pads) != n:
                raise ValueError(f"{name}: padding needs {n} (lo, hi) pairs, got {padding!r}")
        self.padding = pads
        self.num_spatial_dims = n
        self.in_channels, self.out_channels, self.groups = (int(in_channels),
                                                            int(out_channels), int(groups))
        self.weight, self.bias = init.fan_in_uniform(
            key, (out_channels, in_channels // groups) + self.kernel_size,
            in_channels // groups * math.prod(self.kernel_size),
            (out_channels,) if bias else None, dtype, name)

    def _describe(self):
        n = self.num_spatial_dims
        name = f"Conv{n}d" if n in (1, 2, 3) else "Conv"
        return (f"{name}(in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"kernel_size={self.kernel_size})")

    def __call__(self, x):
        x = as_input(x)
        n = self.num_spatial_dims
        if x.ndim != n + 1 or x.shape[0] != self.in_channels:
            # An image or series stored channels-last (numpy, matplotlib, FITS cubes read
            # as (H, W, C)) has the right size on the wrong axis.
            last = (x.ndim == n + 1 and x.shape[-1] == self.in_channels)
            raise shape_error(self, f"({self.in_channels}, " + ", ".join(["..."] * n) + ")",
                              x.shape, "Channels come first, as in PyTorch: for channels-"
                              "last data pass chainrule.numpy.moveaxis(x, -1, 0)."
                              if last else "")
        if any(p != (0, 0) for p in self.padding):
            x = cnp.pad(x, ((0, 0),) + self.padding)
        spatial = tuple(x.shape[1:])
        if any(size < d * (k - 1) + 1 for size, k, d in
               zip(spatial, self.kernel_size, self.dilation)):
            raise shape_error(self, "a larger spatial size", x.shape,
                              f"After padding the input is {spatial}, smaller than the "
                              f"dilated kernel.")
        y = correlate(x, self.weight, self.stride, self.dilation, self.groups)
        cout = self.out_channels
        if self.bias is not None:
            y = y + cnp.reshape(self.bias, (cout,) + (1,) * n)
        return y
