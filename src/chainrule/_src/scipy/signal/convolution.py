"""Convolution and correlation: ``convolve``, ``correlate``, ``fftconvolve``,
``oaconvolve``, ``convolve2d``, ``correlate2d``.

A traced call computes the full convolution (directly, as a sum of shifted copies of the
input weighted by the kernel's entries, or through real FFTs), then cuts SciPy's mode out
of it; the derivatives follow from those linear operations."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.fft as _sfft

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import fft as cfft
from chainrule._src.numpy import polynomial as cpoly
from chainrule._src.numpy.conversion import shape_of

from .common import any_traced, as_float, float_dtype, scipy_signal as _ss

# When both inputs have more entries than this, ``method="auto"`` uses FFTs (the direct
# sum costs one shifted copy of the larger input per entry of the smaller).
_AUTO_DIRECT_MAX = 32


def _check_mode(mode):
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"mode must be 'full', 'same' or 'valid', got {mode!r}")


def _apply_mode(full, s1, s2, mode, axes, same_from_end=False):
    """SciPy's mode cut out of the full convolution along ``axes``; ``same_from_end``:
    ``correlate2d``'s ``"same"`` window, which starts at ``m // 2`` rather than the
    centred ``(m - 1) // 2`` for an even kernel length ``m``."""
    if mode == "full":
        return full
    index = [slice(None)] * len(shape_of(full))
    for ax in axes:
        n, m = s1[ax], s2[ax]
        new = n if mode == "same" else abs(n - m) + 1
        start = (n + m - 1 - new) // 2
        if mode == "same" and same_from_end:
            start = m // 2
        index[ax] = slice(start, start + new)
    return full[tuple(index)]


def _valid_ok(s1, s2, axes):
    ge = all(s1[a] >= s2[a] for a in axes)
    le = all(s1[a] <= s2[a] for a in axes)
    if not (ge or le):
        raise ValueError("For 'valid' mode, one must be at least as large as the other "
                         "in every dimension")


def _fft_full(in1, in2, axes):
    """Full convolution along ``axes`` through FFTs (other axes broadcast)."""
    s1, s2 = shape_of(in1), shape_of(in2)
    shape = [s1[a] + s2[a] - 1 for a in axes]
    complex_ = np.dtype(float_dtype(in1, in2)).kind == "c"
    # Transform lengths with small prime factors only (as SciPy does): a length such as
    # 2^16 + 256 = 2^8 * 257 is several times slower to transform than the next 5-smooth one.
    fast = [_sfft.next_fast_len(n, real=not complex_) for n in shape]
    if complex_:
        out = cfft.ifftn(cfft.fftn(in1, fast, axes) * cfft.fftn(in2, fast, axes), fast, axes)
    else:
        out = cfft.irfftn(cfft.rfftn(in1, fast, axes) * cfft.rfftn(in2, fast, axes),
                          fast, axes)
    if fast == shape:
        return out
    index = [slice(None)] * len(shape_of(out))
    for ax, n in zip(axes, shape):
        index[ax] = slice(0, n)
    return out[tuple(index)]


def _direct_full(in1, in2):
    """Full N-D convolution as a sum of shifted copies of ``in1`` weighted by ``in2``."""
    s1, s2 = shape_of(in1), shape_of(in2)
    if len(s1) == 1:
        return cpoly.convolve(in1, in2, "full")
    if int(np.prod(s2)) > int(np.prod(s1)):
        in1, in2, s1, s2 = in2, in1, s2, s1
    out = None
    for idx in itertools.product(*(range(m) for m in s2)):
        pad = [(j, m - 1 - j) for j, m in zip(idx, s2)]
        term = in2[idx] * cnp.pad(in1, pad)
        out = term if out is None else out + term
    return out


def _prepare(in1, in2):
    dt = float_dtype(in1, in2)
    in1, in2 = as_float(in1, dt), as_float(in2, dt)
    if len(shape_of(in1)) != len(shape_of(in2)):
        raise ValueError("in1 and in2 should have the same dimensionality")
    return in1, in2


def convolve(in1, in2, mode="full", method="auto"):
    """Convolve two N-dimensional arrays, like ``scipy.signal.convolve``.

    ``method`` is ``"direct"`` (a sum of shifted copies), ``"fft"`` (real FFTs) or
    ``"auto"`` (direct when one input has at most 32 entries); the values agree to
    rounding.
    Differentiable in both inputs.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.convolve(cnp.array([1.0, 2.0, 3.0]), cnp.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> cr.grad(lambda k: signal.convolve(cnp.array([1.0, 2.0]), k, "valid")[0])(
    ...     cnp.array([1.0, 1.0]))
    array([2., 1.])
    """
    _check_mode(mode)
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"method must be 'auto', 'direct' or 'fft', got {method!r}")
    if not any_traced(in1, in2):
        return _ss.convolve(in1, in2, mode=mode, method=method)
    in1, in2 = _prepare(in1, in2)
    s1, s2 = shape_of(in1), shape_of(in2)
    axes = list(range(len(s1)))
    if mode == "valid":
        _valid_ok(s1, s2, axes)
    if method == "auto":
        small = min(int(np.prod(s1)), int(np.prod(s2)))
        method = "direct" if small <= _AUTO_DIRECT_MAX else "fft"
    full = _direct_full(in1, in2) if method == "direct" else _fft_full(in1, in2, axes)
    return _apply_mode(full, s1, s2, mode, axes)


def _reverse_conj(a):
    a = cnp.flip(a)
    return cnp.conj(a) if np.dtype(float_dtype(a)).kind == "c" else a


def correlate(in1, in2, mode="full", method="auto"):
    """Cross-correlate two N-dimensional arrays, like ``scipy.signal.correlate``
    (``in2`` is reversed and conjugated, then convolved). Differentiable in both inputs.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.correlate(cnp.array([1.0, 2.0, 3.0]), cnp.array([0.0, 1.0, 0.5]))
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    _check_mode(mode)
    if not any_traced(in1, in2):
        return _ss.correlate(in1, in2, mode=mode, method=method)
    in1, in2 = _prepare(in1, in2)
    return convolve(in1, _reverse_conj(in2), mode, method)


def fftconvolve(in1, in2, mode="full", axes=None):
    """Convolve two N-dimensional arrays through FFTs, like ``scipy.signal.fftconvolve``;
    ``axes`` are the axes to convolve over (the others broadcast). Differentiable in both.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.fftconvolve(cnp.array([1.0, 2.0, 3.0]), cnp.array([1.0, 1.0])).round(12)
    array([1., 3., 5., 3.])
    """
    _check_mode(mode)
    if not any_traced(in1, in2):
        return _ss.fftconvolve(in1, in2, mode=mode, axes=axes)
    in1, in2 = _prepare(in1, in2)
    s1, s2 = shape_of(in1), shape_of(in2)
    nd = len(s1)
    if axes is None:
        axes = list(range(nd))
    else:
        axes = [a % nd for a in np.atleast_1d(axes).tolist()]
    for a in range(nd):
        if a not in axes and s1[a] != s2[a] and 1 not in (s1[a], s2[a]):
            raise ValueError("incompatible shapes for in1 and in2: "
                             f"{s1} and {s2}")
    if mode == "valid":
        _valid_ok(s1, s2, axes)
    return _apply_mode(_fft_full(in1, in2, axes), s1, s2, mode, axes)


def oaconvolve(in1, in2, mode="full", axes=None):
    """Convolve two N-dimensional arrays, like ``scipy.signal.oaconvolve``. The values
    equal the overlap-add method's; the traced computation uses one FFT of the full length.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.oaconvolve(cnp.array([1.0, 2.0, 3.0]), cnp.array([1.0, 1.0])).round(12)
    array([1., 3., 5., 3.])
    """
    if not any_traced(in1, in2):
        return _ss.oaconvolve(in1, in2, mode=mode, axes=axes)
    return fftconvolve(in1, in2, mode, axes)


_BOUNDARY_PAD = {"fill": "constant", "pad": "constant", "wrap": "wrap", "circular": "wrap",
                 "symm": "symmetric", "symmetric": "symmetric"}


def _conv2d(in1, in2, mode, boundary, fillvalue, same_from_end=False):
    _check_mode(mode)
    if boundary not in _BOUNDARY_PAD:
        raise ValueError(f"boundary must be 'fill', 'wrap' or 'symm', got {boundary!r}")
    in1, in2 = _prepare(in1, in2)
    s1, s2 = shape_of(in1), shape_of(in2)
    if len(s1) != 2:
        raise ValueError("convolve2d inputs must both be 2-D arrays")
    axes = [0, 1]
    if mode == "valid":
        _valid_ok(s1, s2, axes)
        return _apply_mode(_direct_full(in1, in2), s1, s2, mode, axes)
    # The full result is the valid convolution of the input extended by the boundary rule.
    pad = [(m - 1, m - 1) for m in s2]
    kind = _BOUNDARY_PAD[boundary]
    if kind == "constant":
        ext = cnp.pad(in1, pad, constant_values=fillvalue)
    else:
        ext = cnp.pad(in1, pad, mode=kind)
    se = shape_of(ext)
    full = _apply_mode(_direct_full(ext, in2), se, s2, "valid", axes)
    return _apply_mode(full, s1, s2, mode, axes, same_from_end)


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Convolve two 2-D arrays, like ``scipy.signal.convolve2d`` (boundaries ``fill``,
    ``wrap``, ``symm``). Differentiable in both inputs and in ``fillvalue``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.convolve2d(cnp.eye(2), cnp.ones((1, 2)))
    array([[1., 1., 0.],
           [0., 1., 1.]])
    """
    if not any_traced(in1, in2, fillvalue):
        return _ss.convolve2d(in1, in2, mode, boundary, fillvalue)
    return _conv2d(in1, in2, mode, boundary, fillvalue)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Cross-correlate two 2-D arrays, like ``scipy.signal.correlate2d``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.correlate2d(cnp.eye(2), cnp.array([[1.0, 2.0]]))
    array([[2., 1., 0.],
           [0., 2., 1.]])
    """
    if not any_traced(in1, in2, fillvalue):
        return _ss.correlate2d(in1, in2, mode, boundary, fillvalue)
    in1, in2 = _prepare(in1, in2)
    return _conv2d(in1, _reverse_conj(in2), mode, boundary, fillvalue, True)
