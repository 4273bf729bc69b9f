"""Smoothing filters: ``savgol_filter`` and ``medfilt``.

``savgol_filter`` is linear in the data: the constant Savitzky-Golay coefficients applied
as a convolution, with the boundary rule of ``mode``; ``"interp"`` replaces the edges by
the fitted polynomial of the first and last windows, also a constant linear map.
``medfilt`` selects one value of each window (sorting), so its derivative is that of the
selected sample."""

from __future__ import annotations

import math

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy.conversion import shape_of

from .common import any_traced, as_float, float_dtype, scipy_signal as _ss

# scipy.ndimage's boundary modes as numpy.pad's.
_NDIMAGE_PAD = {"mirror": "reflect", "nearest": "edge", "wrap": "wrap", "constant": "constant"}


def _edge_map(window_length, polyorder, deriv, delta, positions):
    """The constant matrix taking a window's samples to the derivative ``deriv`` of their
    least-squares polynomial at ``positions`` (window coordinates)."""
    t = np.arange(window_length, dtype=np.float64)
    vander = t[:, None] ** np.arange(polyorder + 1)
    fit = np.linalg.pinv(vander)
    pos = np.asarray(positions, dtype=np.float64)
    evaluate = np.zeros((pos.size, polyorder + 1))
    for p in range(deriv, polyorder + 1):
        evaluate[:, p] = math.perm(p, deriv) * pos ** (p - deriv)
    return evaluate @ fit / delta ** deriv


def savgol_filter(x, window_length, polyorder, deriv=0, delta=1.0, axis=-1, mode="interp",
                  cval=0.0):
    """Savitzky-Golay smoothing (or derivative) along ``axis``, like
    ``scipy.signal.savgol_filter``; differentiable in ``x`` (and ``cval``).

    Traced: modes ``interp``, ``mirror``, ``nearest``, ``wrap``, ``constant``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.savgol_filter(cnp.array([1.0, 2.0, 4.0, 7.0, 11.0]), 3, 2).round(12)
    array([ 1.,  2.,  4.,  7., 11.])
    """
    if not any_traced(x, cval):
        return _ss.savgol_filter(x, window_length, polyorder, deriv=deriv, delta=delta,
                                 axis=axis, mode=mode, cval=cval)
    if mode not in ("interp",) + tuple(_NDIMAGE_PAD):
        raise ValueError("mode must be 'mirror', 'constant', 'nearest' 'wrap' or 'interp'.")
    coeffs = _ss.savgol_coeffs(window_length, polyorder, deriv=deriv, delta=delta)
    xm = cnp.moveaxis(as_float(x, float_dtype(x, cval)), axis, -1)
    n = shape_of(xm)[-1]
    half = window_length // 2
    if mode == "interp" and window_length > n:
        raise ValueError("If mode is 'interp', window_length must be less than or equal "
                         "to the size of x.")
    pad = [(0, 0)] * (len(shape_of(xm)) - 1) + [(half, half)]
    if mode == "interp":
        padded = cnp.pad(xm, pad)
    elif mode == "constant":
        padded = cnp.pad(xm, pad, constant_values=cval)
    else:
        padded = cnp.pad(xm, pad, mode=_NDIMAGE_PAD[mode])
    # ndimage's centred convolution: y[i] = sum_j c[j] x[i + half - j], a weighted sum of
    # shifted copies (the window is short); for an even window too, whose centre ndimage
    # puts at `half` (the left padding then has one sample more than it needs).
    y = sum(float(c) * padded[..., 2 * half - j:2 * half - j + n]
            for j, c in enumerate(coeffs))
    if mode == "interp" and half > 0:
        left = _edge_map(window_length, polyorder, deriv, delta, np.arange(half))
        right = _edge_map(window_length, polyorder, deriv, delta,
                          np.arange(window_length - half, window_length))
        y = cnp.concatenate([xm[..., :window_length] @ left.T, y[..., half:n - half],
                             xm[..., n - window_length:] @ right.T], axis=-1)
    return cnp.moveaxis(y, -1, axis)


def medfilt(volume, kernel_size=None):
    """Median filter with zero padding, like ``scipy.signal.medfilt`` (odd kernel sizes);
    differentiable in ``volume`` where the medians are distinct (each output is one
    input sample).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.medfilt(cnp.array([2.0, 9.0, 1.0, 4.0, 3.0]), 3)
    array([2., 2., 4., 3., 3.])
    """
    if not any_traced(volume):
        return _ss.medfilt(volume, kernel_size)
    volume = as_float(volume, float_dtype(volume))
    shape = shape_of(volume)
    nd = len(shape)
    ks = [3] * nd if kernel_size is None else list(np.broadcast_to(kernel_size, (nd,)))
    if any(k % 2 == 0 for k in ks):
        raise ValueError("Each element of kernel_size should be odd.")
    padded = cnp.pad(volume, [(k // 2, k // 2) for k in ks])
    windows = []
    for off in np.ndindex(*ks):
        windows.append(padded[tuple(slice(o, o + s) for o, s in zip(off, shape))])
    # An odd number of values: the median is the middle one after sorting.
    return cnp.sort(cnp.stack(windows), axis=0)[int(np.prod(ks)) // 2]
