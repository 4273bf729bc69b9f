"""Changing the sampling rate: ``resample`` (Fourier method) and ``decimate`` (IIR or FIR
anti-aliasing filter, then every ``q``-th sample). Both are linear in the signal."""

from __future__ import annotations

import operator

import numpy as np
import scipy.fft as _sfft

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import fft as cfft
from chainrule._src.numpy.conversion import shape_of

from .common import any_traced, as_float, float_dtype, scipy_signal as _ss
from .convolution import convolve
from .filtering import sosfilt, sosfiltfilt


def _spectral_window(window, n):
    if callable(window):
        return np.asarray(window(_sfft.fftfreq(n)), dtype=np.float64)
    if hasattr(window, "shape"):
        if any_traced(window):
            raise NotImplementedError("resample's window must be a plain array")
        w = np.array(window, dtype=np.float64)
        if w.shape != (n,):
            raise ValueError(f"window.shape={w.shape} != ({n},), i.e., window length is "
                             "not equal to number of frequency bins!")
        return w
    return _sfft.fftshift(_ss.get_window(window, n))


def resample(x, num, t=None, axis=0, window=None, domain="time"):
    """Resample ``x`` to ``num`` samples along ``axis`` with the Fourier method, like
    ``scipy.signal.resample``; differentiable in real ``x`` (traced: ``domain="time"``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.resample(cnp.array([1.0, 0.0, -1.0, 0.0]), 8).round(12)
    array([ 1.     ,  0.70710678,  0.     , -0.70710678, -1.     , -0.70710678,
            0.     ,  0.70710678])
    """
    if not any_traced(x, t):
        return _ss.resample(x, num, t=t, axis=axis, window=window, domain=domain)
    if domain != "time" or np.dtype(float_dtype(x)).kind == "c":
        raise NotImplementedError("resample on traced values supports real x in the time "
                                  "domain only")
    xm = cnp.moveaxis(as_float(x, float_dtype(x)), axis, -1)
    n_x = shape_of(xm)[-1]
    s_fac = n_x / num
    m = min(num, n_x)
    m2 = m // 2 + 1
    spec = cfft.rfft(xm, axis=-1)
    n_spec = n_x // 2 + 1
    if window is not None:
        w = _spectral_window(window, n_x)
        # Fold the two-sided window onto the one-sided spectrum.
        w[1:n_spec] += np.flip(w[-n_spec + 1:])
        w[1:n_spec] /= 2
        spec = spec * w[:n_spec]
    spec = spec[..., :m2]
    if m % 2 == 0 and num != n_x:
        # The unpaired bin at m // 2.
        factor = np.ones(m2)
        factor[m // 2] = 2.0 if num < n_x else 0.5
        spec = spec * factor
    out = cnp.moveaxis(cfft.irfft(spec / s_fac, num, axis=-1), -1, axis)
    if t is None:
        return out
    return out, t[0] + (t[1] - t[0]) * s_fac * np.arange(num)


def decimate(x, q, n=None, ftype="iir", axis=-1, zero_phase=True):
    """Low-pass filter then keep every ``q``-th sample, like ``scipy.signal.decimate``;
    differentiable in ``x`` (traced: ``ftype="iir"``, SciPy's Chebyshev type I filter, or
    ``"fir"``, its Hamming-windowed FIR filter).

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.decimate(cnp.ones(40), 4).shape
    (10,)
    """
    if not any_traced(x):
        return _ss.decimate(x, q, n=n, ftype=ftype, axis=axis, zero_phase=zero_phase)
    if not (isinstance(ftype, str) and ftype in ("iir", "fir")):
        raise NotImplementedError("decimate on traced values supports ftype 'iir' and 'fir' "
                                  "(not a dlti filter)")
    q = operator.index(q)
    if ftype == "fir":
        return _decimate_fir(as_float(x, float_dtype(x)), q, n, axis, zero_phase)
    sos = _ss.cheby1(8 if n is None else operator.index(n), 0.05, 0.8 / q, output="sos")
    x = as_float(x, float_dtype(x))
    y = sosfiltfilt(sos, x, axis=axis) if zero_phase else sosfilt(sos, x, axis=axis)
    index = [slice(None)] * len(shape_of(y))
    index[axis] = slice(None, None, q)
    return y[tuple(index)]


def _upfirdn_down(h, x, q, axis):
    """SciPy's ``upfirdn(h, x, 1, q, axis)`` (zero padding): the full convolution along
    ``axis``, every ``q``-th sample."""
    xm = cnp.moveaxis(x, axis, -1)
    kernel = np.reshape(h, (1,) * (len(shape_of(xm)) - 1) + (-1,))
    y = convolve(xm, kernel, "full", "direct")
    return cnp.moveaxis(y[..., ::q], -1, axis)


def _decimate_fir(x, q, n, axis, zero_phase):
    """``decimate(..., ftype="fir")``: SciPy's filter, then its ``resample_poly`` (zero
    phase: the filter's delay removed) or ``upfirdn`` (causal)."""
    n = 20 * q if n is None else operator.index(n)
    b = _ss.firwin(n + 1, 1.0 / q, window="hamming")
    n_in = shape_of(x)[axis]
    n_out = n_in // q + bool(n_in % q)
    keep = [slice(None)] * len(shape_of(x))
    if not zero_phase:
        keep[axis] = slice(None, n_out)
        return _upfirdn_down(b, x, q, axis)[tuple(keep)]
    # resample_poly(x, 1, q, window=b): pad the filter so that the kept outputs are centred
    half_len = (b.shape[0] - 1) // 2
    n_pre_pad = q - half_len % q
    n_pre_remove = (half_len + n_pre_pad) // q
    n_post_pad = 0
    while (n_in - 1 + b.shape[0] + n_pre_pad + n_post_pad - 1) // q + 1 < n_out + n_pre_remove:
        n_post_pad += 1
    h = np.concatenate([np.zeros(n_pre_pad), b, np.zeros(n_post_pad)])
    keep[axis] = slice(n_pre_remove, n_pre_remove + n_out)
    return _upfirdn_down(h, x, q, axis)[tuple(keep)]
