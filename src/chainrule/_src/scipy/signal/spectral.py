"""Spectral analysis and helpers: ``lombscargle``, ``periodogram``, ``welch``, ``detrend``,
``hilbert``, ``get_window`` and ``find_peaks``.

Windows are constants (``get_window`` is SciPy's own). ``find_peaks`` selects indices, which
have no derivative: it accepts plain arrays only."""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import fft as cfft
from chainrule._src.numpy import statistics as _stats
from chainrule._src.numpy.conversion import shape_of

from .common import any_traced, as_float, float_dtype, scipy_signal as _ss

_NOVALUE = object()


def lombscargle(x, y, freqs, *, precenter=_NOVALUE, normalize=False, weights=None,
                floating_mean=False):
    """The Lomb-Scargle periodogram of unevenly sampled data, like
    ``scipy.signal.lombscargle`` (its current signature: ``normalize`` ``False``/``"power"``,
    ``True``/``"normalize"`` or ``"amplitude"``; ``weights``; ``floating_mean``).

    Differentiable in the sample times ``x``, the values ``y``, the angular frequencies
    ``freqs`` and the ``weights``.

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> t = cnp.array([0.0, 0.3, 1.1, 1.7, 2.6, 3.0, 3.9])
    >>> p = signal.lombscargle(t, cnp.sin(2.0 * t), cnp.array([1.0, 2.0, 3.0]))
    >>> int(np.argmax(p))
    1
    >>> g = cr.grad(lambda y: signal.lombscargle(t, y, cnp.array([2.0]))[0])(cnp.sin(2.0 * t))
    >>> g.shape
    (7,)
    """
    if not any_traced(x, y, freqs, weights):
        kwargs = {} if precenter is _NOVALUE else {"precenter": precenter}
        return _ss.lombscargle(x, y, freqs, normalize=normalize, weights=weights,
                               floating_mean=floating_mean, **kwargs)
    dt = np.float64
    x, y, freqs = as_float(x, dt), as_float(y, dt), as_float(freqs, dt)
    if weights is None:
        weights = cnp.ones(shape_of(y), dt)
    weights = as_float(weights, dt)
    if not (len(shape_of(x)) == 1 and shape_of(x)[0] > 0
            and shape_of(x) == shape_of(y) == shape_of(weights)):
        raise ValueError("Parameters x, y, weights must be 1-D arrays of equal non-zero "
                         "length!")
    if len(shape_of(freqs)) != 1 or shape_of(freqs)[0] == 0:
        raise ValueError("Parameter freqs must be a 1-D array of non-zero length!")
    if isinstance(normalize, bool):
        normalize = "normalize" if normalize else "power"
    if normalize not in ("power", "normalize", "amplitude"):
        raise ValueError("Normalize must be: False (or 'power'), True (or 'normalize'), "
                         "or 'amplitude'.")
    if precenter is not _NOVALUE and precenter:
        y = y - cnp.mean(y)
    w = weights / cnp.sum(weights)
    wy = w * y
    wt = x[:, None] * freqs[None, :]
    cos, sin = cnp.cos(wt), cnp.sin(wt)
    big_y = cnp.sum(wy)
    cc = w @ (cos * cos)
    cs = w @ (cos * sin)
    ss = 1.0 - cc
    if floating_mean:
        c, s = w @ cos, w @ sin
        cc, ss, cs = cc - c * c, ss - s * s, cs - c * s
    # The phase offset that makes the cosine and sine fits independent.
    tau = 0.5 * cnp.arctan2(2.0 * cs, cc - ss)
    cos, sin = cnp.cos(wt - tau), cnp.sin(wt - tau)
    yc, ys = wy @ cos, wy @ sin
    cc = w @ (cos * cos)
    ss = 1.0 - cc
    if floating_mean:
        c, s = w @ cos, w @ sin
        yc, ys = yc - big_y * c, ys - big_y * s
        cc, ss = cc - c * c, ss - s * s
    epsneg = np.finfo(dt).epsneg
    cc, ss = cnp.maximum(cc, epsneg), cnp.maximum(ss, epsneg)
    a, b = yc / cc, ys / ss
    if normalize == "amplitude":
        return (a + 1j * b) * cnp.exp(1j * tau)
    pgram = 2.0 * (a * yc + b * ys)
    if normalize == "power":
        return pgram * (shape_of(x)[0] / 4.0)
    yy = cnp.sum(wy * y)
    if floating_mean:
        yy = yy - big_y * big_y
    return pgram * (0.5 / yy)


def detrend(data, axis=-1, type="linear", bp=0, overwrite_data=False):
    """Remove the mean (``type="constant"``) or the least-squares line (``"linear"``)
    along ``axis``, like ``scipy.signal.detrend`` (traced: ``bp=0`` only).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.detrend(cnp.array([1.0, 2.0, 3.0, 5.0])).round(12)
    array([ 0.2, -0.1, -0.4,  0.3])
    """
    if not any_traced(data):
        return _ss.detrend(data, axis=axis, type=type, bp=bp, overwrite_data=overwrite_data)
    if type not in ("linear", "l", "constant", "c"):
        raise ValueError("Trend type must be 'linear' or 'constant'.")
    if np.size(bp) != 1 or np.ravel(bp)[0] != 0:
        raise NotImplementedError("detrend on traced values supports bp=0 only")
    d = cnp.moveaxis(as_float(data, float_dtype(data)), axis, -1)
    d = d - cnp.mean(d, axis=-1, keepdims=True)
    if type in ("linear", "l"):
        n = shape_of(d)[-1]
        t = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
        denom = float(np.sum(t * t))
        if denom > 0:
            d = d - (cnp.sum(d * t, axis=-1, keepdims=True) / denom) * t
    return cnp.moveaxis(d, -1, axis)


def hilbert(x, N=None, axis=-1):
    """The analytic signal of real ``x`` along ``axis``, like ``scipy.signal.hilbert``;
    differentiable in ``x`` (the result is complex).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.hilbert(cnp.array([1.0, 0.0, -1.0, 0.0])).round(12)
    array([ 1.+0.j,  0.+1.j, -1.+0.j,  0.-1.j])
    """
    if not any_traced(x):
        return _ss.hilbert(x, N=N, axis=axis)
    if np.dtype(float_dtype(x)).kind == "c":
        raise ValueError("x must be real.")
    n = shape_of(x)[axis] if N is None else N
    if n <= 0:
        raise ValueError("N must be positive.")
    h = np.zeros(n)
    if n % 2 == 0:
        h[0] = h[n // 2] = 1
        h[1:n // 2] = 2
    else:
        h[0] = 1
        h[1:(n + 1) // 2] = 2
    shape = [1] * len(shape_of(x))
    shape[axis] = n
    xf = cfft.fft(as_float(x, float_dtype(x)), n, axis=axis)
    return cfft.ifft(xf * h.reshape(shape), axis=axis)


def get_window(window, Nx, fftbins=True, **kwargs):
    """Window coefficients: SciPy's ``get_window`` (windows are constants).

    Examples
    --------
    >>> from chainrule.scipy import signal
    >>> signal.get_window("hann", 4)
    array([0. , 0.5, 1. , 0.5])
    """
    return _ss.get_window(window, Nx, fftbins=fftbins, **kwargs)


def find_peaks(x, **kwargs):
    """Peaks of a plain 1-D array: SciPy's ``find_peaks``. Peak positions are indices,
    which have no derivative; a traced ``x`` raises ``TypeError``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy import signal
    >>> signal.find_peaks(np.array([0.0, 2.0, 1.0, 3.0, 0.0]))[0]
    array([1, 3])
    """
    if any_traced(x):
        raise TypeError("find_peaks returns indices, which have no derivative; call it on "
                        "a plain array (e.g. the concrete value outside the transform) and "
                        "index the traced signal with the result")
    return _ss.find_peaks(x, **kwargs)


def _segments(xm, step, nperseg, nseg, detrend_type, win, nfft, onesided=True):
    segs = cnp.stack([xm[..., i * step:i * step + nperseg] for i in range(nseg)], axis=-2)
    if detrend_type in ("constant", "linear"):
        segs = detrend(segs, axis=-1, type=detrend_type)
    elif detrend_type is not False:
        raise NotImplementedError("traced spectral estimates support detrend 'constant', "
                                  "'linear' or False")
    return (cfft.rfft if onesided else cfft.fft)(segs * win, nfft, axis=-1)


def _psd(x, fs, window, nperseg, noverlap, nfft, detrend_type, scaling, axis, y=None,
         average="mean", onesided=True):
    """Welch's average (``average`` ``"mean"`` or ``"median"``) of modified (cross)
    periodograms of real ``x`` (and ``y``), one-sided (the positive frequencies, doubled)
    or two-sided (every frequency, in FFT order); real for ``y=None``."""
    if average not in ("mean", "median"):
        raise ValueError(f"Parameter {average=} must be 'median' or 'mean'!")
    dt = float_dtype(x, y)
    if np.dtype(dt).kind == "c":
        raise NotImplementedError("spectral estimates of traced complex data are not "
                                  "supported")
    xm = cnp.moveaxis(as_float(x, dt), axis, -1)
    if y is not None:
        ym = cnp.moveaxis(as_float(y, dt), axis, -1)
        if shape_of(xm) != shape_of(ym):
            raise NotImplementedError("csd of traced values needs x and y of one shape")
    n = shape_of(xm)[-1]
    if isinstance(window, (str, tuple)):
        if nperseg is None:
            nperseg = min(256, n)
        win = _ss.get_window(window, nperseg)
    else:
        win = np.asarray(window, dtype=np.float64)
        if nperseg is None:
            nperseg = win.shape[0]
    nperseg = min(int(nperseg), n)
    if win.shape[0] != nperseg:
        win = _ss.get_window(window, nperseg)
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    nfft = nperseg if nfft is None else int(nfft)
    step = nperseg - noverlap
    nseg = (n - nperseg) // step + 1
    spec = _segments(xm, step, nperseg, nseg, detrend_type, win, nfft, onesided)
    if scaling == "density":
        scale = 1.0 / (fs * float(np.sum(win * win)))
    elif scaling == "spectrum":
        scale = 1.0 / float(np.sum(win)) ** 2
    else:
        raise ValueError(f"Unknown scaling: {scaling!r}")
    if y is None:
        p = (cnp.real(spec) ** 2 + cnp.imag(spec) ** 2) * scale
    else:
        p = cnp.conj(spec) * _segments(ym, step, nperseg, nseg, detrend_type, win, nfft,
                                       onesided)
        p = p * scale
    if onesided:
        double = np.full(nfft // 2 + 1, 2.0)
        double[0] = 1.0
        if nfft % 2 == 0:
            double[-1] = 1.0
        p = p * double
    if average == "median" and nseg > 1:
        # SciPy's: the median of the real and imaginary parts, over the median's bias
        # relative to the mean for nseg periodograms
        even = 2.0 * np.arange(1.0, (nseg - 1) // 2 + 1)
        bias = 1.0 + float(np.sum(1.0 / (even + 1) - 1.0 / even))
        if y is None:
            p = _stats.median(p, axis=-2)
        else:
            p = _stats.median(cnp.real(p), axis=-2) + 1j * _stats.median(cnp.imag(p), axis=-2)
        p = p / bias
    else:
        p = cnp.mean(p, axis=-2)
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs) if onesided else np.fft.fftfreq(nfft, 1.0 / fs)
    return freqs, cnp.moveaxis(p, -1, axis)


def welch(x, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
          detrend="constant", return_onesided=True, scaling="density", axis=-1,
          average="mean"):
    """Welch's power spectral density estimate, like ``scipy.signal.welch``; returns
    ``(f, Pxx)``, differentiable in real ``x``.

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> f, p = signal.welch(cnp.sin(cnp.arange(64.0)), nperseg=16)
    >>> p.shape
    (9,)
    """
    if not any_traced(x):
        return _ss.welch(x, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                         scaling, axis, average)
    return _psd(x, fs, window, nperseg, noverlap, nfft, detrend, scaling, axis,
                average=average, onesided=return_onesided)


def csd(x, y, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
        detrend="constant", return_onesided=True, scaling="density", axis=-1,
        average="mean"):
    """The cross power spectral density by Welch's method, like ``scipy.signal.csd``;
    returns ``(f, Pxy)`` (complex), differentiable in real ``x`` and ``y`` (traced: ``x``
    and ``y`` of one shape).

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> x = cnp.sin(cnp.arange(64.0))
    >>> f, p = signal.csd(x, x, nperseg=16)
    >>> np.allclose(p.real, signal.welch(x, nperseg=16)[1])
    True
    """
    if not any_traced(x, y):
        return _ss.csd(x, y, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                       scaling, axis, average)
    return _psd(x, fs, window, nperseg, noverlap, nfft, detrend, scaling, axis, y,
                average=average, onesided=return_onesided)


def periodogram(x, fs=1.0, window="boxcar", nfft=None, detrend="constant",
                return_onesided=True, scaling="density", axis=-1):
    """The periodogram power spectral density estimate, like ``scipy.signal.periodogram``;
    returns ``(f, Pxx)``, differentiable in real ``x``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> f, p = signal.periodogram(cnp.array([1.0, -1.0, 1.0, -1.0]))
    >>> p.round(12)
    array([0., 0., 4.])
    """
    if not any_traced(x):
        return _ss.periodogram(x, fs, window, nfft, detrend, return_onesided, scaling, axis)
    n = shape_of(x)[axis]
    if nfft is not None and nfft < n:
        x = cnp.moveaxis(cnp.moveaxis(x, axis, -1)[..., :nfft], -1, axis)
        n = nfft
    return _psd(x, fs, window, n, 0, nfft, detrend, scaling, axis, onesided=return_onesided)
