"""Discrete Fourier transforms ("Discrete Fourier Transform (numpy.fft)" in NumPy's docs).

Every transform is linear, so it is differentiable to any order in both modes.  The
transforms are three primitives (complex ``fft``, real-input ``rfft`` and real-output
``irfft``, over any set of axes, see ``chainrule._src.lax.fft``); ``n`` / ``s`` padding
and truncation, the Hermitian transforms and the helpers are composed from them.  Values
match ``numpy.fft`` (same algorithm, pocketfft), including the dtype rules of NumPy 2
(single precision stays single precision).
"""

from __future__ import annotations

import numpy as np

from . import base as cnp

from .. import lax
from ..core import get_aval, is_tracer
from ..lax import fft as _fft
from .fastpath import numpy_fast_path

_NORMS = ("backward", "ortho", "forward")


def _shape(x):
    return get_aval(x).shape


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         '"forward".')
    return norm


def _swap_direction(norm):
    return {"backward": "forward", "ortho": "ortho", "forward": "backward"}[_norm(norm)]


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}(..., out=...) is not supported: chainrule never writes into "
                        "arrays; use the returned value")


def _input(a, name, real=False, to_complex=False):
    if not (is_tracer(a) or (hasattr(a, "shape") and hasattr(a, "dtype"))):
        a = cnp.asarray(a)
    dt = get_aval(a).dtype
    if dt.kind in "biu":
        a = lax.convert_element_type(a, np.float64)
    elif dt.kind == "c" and real:
        raise TypeError(f"{name}: the input must be real, got {dt}; use fft for complex input")
    elif dt.kind not in "fc":
        raise TypeError(f"{name}: unsupported array type {dt}")
    if to_complex and get_aval(a).dtype.kind != "c":
        a = lax.convert_element_type(a, np.result_type(get_aval(a).dtype, np.complex64))
    return a


def _axis(axis, nd):
    axis = int(axis)
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension "
                                      f"{nd}")
    return axis % nd


def _resize(a, axis, n):
    """Truncate or zero-pad ``a`` to length ``n`` along ``axis`` (NumPy's ``n`` / ``s``)."""
    n = int(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    cur = _shape(a)[axis]
    if n < cur:
        return lax.slice_axis(a, axis, 0, n)
    if n > cur:
        widths = [(0, 0)] * len(_shape(a))
        widths[axis] = (0, n - cur)
        return lax.pad_zeros(a, widths)
    return a


# ---------------------------------------------------------------------------------------
# One-dimensional transforms
# ---------------------------------------------------------------------------------------


def _c2c(a, n, axis, norm, inverse, name):
    a = _input(a, name)
    axis = _axis(axis, len(_shape(a)))
    a = _resize(a, axis, _shape(a)[axis] if n is None else n)
    return _fft.fft(a, (axis,), inverse, _norm(norm))


@numpy_fast_path(np.fft.fft)
def fft(a, n=None, axis=-1, norm=None, out=None):
    """One-dimensional discrete Fourier transform.

    Parameters
    ----------
    a : array_like
        Input (real or complex).
    n : int, optional
        Length of the transformed axis: the input is cropped or zero-padded to it.
    axis : int, optional
        Axis over which to transform (default: the last).
    norm : {"backward", "ortho", "forward"}, optional
        Which direction is scaled (by ``1/n``; ``1/sqrt(n)`` both ways for "ortho").
    out : None
        Not supported.

    Returns
    -------
    out : complex ndarray

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.fft.fft(cnp.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    >>> cr.grad(lambda x: cnp.real(cnp.fft.fft(x)[1]))(cnp.array([1.0, 2.0, 3.0, 4.0])).round(12)
    array([ 1.,  0., -1., -0.])
    """
    _no_out(out, "fft")
    return _c2c(a, n, axis, norm, False, "fft")


@numpy_fast_path(np.fft.ifft)
def ifft(a, n=None, axis=-1, norm=None, out=None):
    """One-dimensional inverse discrete Fourier transform; see :func:`fft`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.ifft(cnp.array([10.0, -2 + 2j, -2.0, -2 - 2j])).real
    array([1., 2., 3., 4.])
    """
    _no_out(out, "ifft")
    return _c2c(a, n, axis, norm, True, "ifft")


@numpy_fast_path(np.fft.rfft)
def rfft(a, n=None, axis=-1, norm=None, out=None):
    """Discrete Fourier transform of real input, keeping the ``n // 2 + 1`` non-negative
    frequencies.

    Parameters
    ----------
    a : array_like
        Real input.
    n : int, optional
        Number of input points used (crop or zero-pad).
    axis : int, optional
    norm : {"backward", "ortho", "forward"}, optional
    out : None

    Returns
    -------
    out : complex ndarray, ``n // 2 + 1`` long along ``axis``

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.rfft(cnp.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    _no_out(out, "rfft")
    a = _input(a, "rfft", real=True)
    axis = _axis(axis, len(_shape(a)))
    a = _resize(a, axis, _shape(a)[axis] if n is None else n)
    return _fft.rfft(a, (axis,), _norm(norm))


@numpy_fast_path(np.fft.irfft)
def irfft(a, n=None, axis=-1, norm=None, out=None):
    """Inverse of :func:`rfft`: ``n`` real points from non-negative frequencies.

    The imaginary parts of the zero frequency (and, for even ``n``, of the Nyquist
    frequency) do not affect the result, so they get zero derivative.

    Parameters
    ----------
    a : array_like
        Spectrum (complex).
    n : int, optional
        Length of the output (default ``2 * (m - 1)`` for an input of length ``m``); the
        input is cropped or zero-padded to ``n // 2 + 1`` points.
    axis : int, optional
    norm : {"backward", "ortho", "forward"}, optional
    out : None

    Returns
    -------
    out : real ndarray, ``n`` long along ``axis``

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.irfft(cnp.array([10.0, -2 + 2j, -2.0]))
    array([1., 2., 3., 4.])
    """
    _no_out(out, "irfft")
    a = _input(a, "irfft", to_complex=True)
    axis = _axis(axis, len(_shape(a)))
    if n is None:
        n = 2 * (_shape(a)[axis] - 1)
    n = int(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    a = _resize(a, axis, n // 2 + 1)
    return _fft.irfft(a, (axis,), n, _norm(norm))


@numpy_fast_path(np.fft.hfft)
def hfft(a, n=None, axis=-1, norm=None, out=None):
    """Transform of a Hermitian-symmetric signal given by its first half: a real spectrum.

    ``hfft(a, n) == irfft(conj(a), n, norm=<opposite direction>)``, as in NumPy.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.hfft(cnp.array([1.0, 2.0, 3.0]), 4)
    array([ 8., -2.,  0., -2.])
    """
    _no_out(out, "hfft")
    a = _input(a, "hfft", to_complex=True)
    if n is None:
        n = 2 * (_shape(a)[_axis(axis, len(_shape(a)))] - 1)
    return irfft(lax.conj(a), n, axis, _swap_direction(norm))


@numpy_fast_path(np.fft.ihfft)
def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """Inverse of :func:`hfft`: ``conj(rfft(a, n, norm=<opposite direction>))``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.ihfft(cnp.array([8.0, -2.0, 0.0, -2.0]))
    array([1.-0.j, 2.-0.j, 3.-0.j])
    """
    _no_out(out, "ihfft")
    return lax.conj(rfft(a, n, axis, _swap_direction(norm)))


# ---------------------------------------------------------------------------------------
# N-dimensional transforms
# ---------------------------------------------------------------------------------------


def _cook_nd_args(a, s, axes, invreal=False):
    shape = _shape(a)
    nd = len(shape)
    shapeless = s is None
    if s is None:
        s = list(shape) if axes is None else [shape[_axis(ax, nd)] for ax in axes]
    s = list(s)
    if axes is None:
        axes = list(range(-len(s), 0))
    axes = [_axis(ax, nd) for ax in axes]
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless:
        s[-1] = (shape[axes[-1]] - 1) * 2
    s = [shape[ax] if n is None or n == -1 else int(n) for n, ax in zip(s, axes)]
    return s, axes


def _c2c_nd(a, s, axes, norm, inverse, name):
    a = _input(a, name)
    s, axes = _cook_nd_args(a, s, axes)
    if not axes:
        return lax.convert_element_type(a, np.result_type(get_aval(a).dtype, np.complex64))
    if len(set(axes)) != len(axes):  # NumPy transforms a repeated axis repeatedly
        for n, ax in reversed(list(zip(s, axes))):
            a = _c2c(a, n, ax, norm, inverse, name)
        return a
    for n, ax in zip(s, axes):
        a = _resize(a, ax, n)
    return _fft.fft(a, tuple(axes), inverse, _norm(norm))


@numpy_fast_path(np.fft.fftn)
def fftn(a, s=None, axes=None, norm=None, out=None):
    """N-dimensional discrete Fourier transform over ``axes`` (all by default).

    Parameters
    ----------
    a : array_like
    s : sequence of ints, optional
        Output length along each of ``axes`` (crop or zero-pad).
    axes : sequence of ints, optional
        Axes to transform (the last ``len(s)`` when only ``s`` is given).
    norm : {"backward", "ortho", "forward"}, optional
    out : None

    Returns
    -------
    out : complex ndarray

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.fftn(cnp.ones((2, 3))).real
    array([[6., 0., 0.],
           [0., 0., 0.]])
    """
    _no_out(out, "fftn")
    return _c2c_nd(a, s, axes, norm, False, "fftn")


@numpy_fast_path(np.fft.ifftn)
def ifftn(a, s=None, axes=None, norm=None, out=None):
    """N-dimensional inverse discrete Fourier transform; see :func:`fftn`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.ifftn(cnp.fft.fftn(cnp.eye(2))).real
    array([[1., 0.],
           [0., 1.]])
    """
    _no_out(out, "ifftn")
    return _c2c_nd(a, s, axes, norm, True, "ifftn")


@numpy_fast_path(np.fft.fft2)
def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """Two-dimensional discrete Fourier transform (:func:`fftn` over two axes).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.fft2(cnp.ones((2, 2))).real
    array([[4., 0.],
           [0., 0.]])
    """
    _no_out(out, "fft2")
    return _c2c_nd(a, s, axes, norm, False, "fft2")


@numpy_fast_path(np.fft.ifft2)
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """Two-dimensional inverse discrete Fourier transform (:func:`ifftn` over two axes).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.ifft2(cnp.array([[4.0, 0.0], [0.0, 0.0]])).real
    array([[1., 1.],
           [1., 1.]])
    """
    _no_out(out, "ifft2")
    return _c2c_nd(a, s, axes, norm, True, "ifft2")


@numpy_fast_path(np.fft.rfftn)
def rfftn(a, s=None, axes=None, norm=None, out=None):
    """N-dimensional transform of real input; the last of ``axes`` keeps ``s[-1] // 2 + 1``
    frequencies.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.rfftn(cnp.ones((2, 4))).shape
    (2, 3)
    """
    _no_out(out, "rfftn")
    a = _input(a, "rfftn", real=True)
    s, axes = _cook_nd_args(a, s, axes)
    if not axes:
        raise ValueError("rfftn needs at least one axis to transform")
    if len(set(axes)) != len(axes):
        a = rfft(a, s[-1], axes[-1], norm)
        for n, ax in reversed(list(zip(s[:-1], axes[:-1]))):
            a = _c2c(a, n, ax, norm, False, "rfftn")
        return a
    for n, ax in zip(s, axes):
        a = _resize(a, ax, n)
    return _fft.rfft(a, tuple(axes), _norm(norm))


@numpy_fast_path(np.fft.irfftn)
def irfftn(a, s=None, axes=None, norm=None, out=None):
    """Inverse of :func:`rfftn`; ``s[-1]`` defaults to ``2 * (m - 1)`` for an input of
    length ``m`` on the last of ``axes``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.arange(8.0).reshape(2, 4)
    >>> cnp.fft.irfftn(cnp.fft.rfftn(x))
    array([[0., 1., 2., 3.],
           [4., 5., 6., 7.]])
    """
    _no_out(out, "irfftn")
    a = _input(a, "irfftn", to_complex=True)
    s, axes = _cook_nd_args(a, s, axes, invreal=True)
    if not axes:
        raise ValueError("irfftn needs at least one axis to transform")
    if len(set(axes)) != len(axes):
        for n, ax in zip(s[:-1], axes[:-1]):
            a = _c2c(a, n, ax, norm, True, "irfftn")
        return irfft(a, s[-1], axes[-1], norm)
    n_last = int(s[-1])
    if n_last < 1:
        raise ValueError(f"Invalid number of FFT data points ({n_last}) specified.")
    for n, ax in zip(s[:-1], axes[:-1]):
        a = _resize(a, ax, n)
    a = _resize(a, axes[-1], n_last // 2 + 1)
    return _fft.irfft(a, tuple(axes), n_last, _norm(norm))


@numpy_fast_path(np.fft.rfft2)
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """Two-dimensional transform of real input (:func:`rfftn` over two axes).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.rfft2(cnp.ones((2, 2))).real
    array([[4., 0.],
           [0., 0.]])
    """
    _no_out(out, "rfft2")
    return rfftn(a, s, axes, norm)


@numpy_fast_path(np.fft.irfft2)
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """Inverse of :func:`rfft2` (:func:`irfftn` over two axes).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.irfft2(cnp.fft.rfft2(cnp.eye(2)))
    array([[1., 0.],
           [0., 1.]])
    """
    _no_out(out, "irfft2")
    return irfftn(a, s, axes, norm)


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _shift(x, axes, sign):
    x = x if is_tracer(x) or hasattr(x, "shape") else cnp.asarray(x)
    shape = _shape(x)
    if axes is None:
        axes = tuple(range(len(shape)))
        shift = [sign * (n // 2) for n in shape]
    elif isinstance(axes, (int, np.integer)):
        shift = sign * (shape[axes] // 2)
    else:
        shift = [sign * (shape[ax] // 2) for ax in axes]
    if not shape:
        return x
    return cnp.roll(x, shift, axes)


@numpy_fast_path(np.fft.fftshift)
def fftshift(x, axes=None):
    """Shift the zero-frequency component to the centre of the spectrum.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.fftshift(cnp.fft.fftfreq(5))
    array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    return _shift(x, axes, 1)


@numpy_fast_path(np.fft.ifftshift)
def ifftshift(x, axes=None):
    """Inverse of :func:`fftshift` (they differ for odd lengths).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.ifftshift(cnp.fft.fftshift(cnp.arange(5.0)))
    array([0., 1., 2., 3., 4.])
    """
    return _shift(x, axes, -1)


def _freqs(np_fn, n, d, device):
    if device not in (None, "cpu"):
        raise ValueError(f"device={device!r} is not supported; use None or 'cpu'")
    if is_tracer(d):
        # The frequencies depend on the sample spacing: keep that dependence.
        return lax.div(np_fn(n, 1.0), d)
    return np_fn(n, d)


def fftfreq(n, d=1.0, device=None):
    """Sample frequencies of :func:`fft` for a signal of ``n`` points spaced ``d`` apart.

    Differentiable in ``d``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.fftfreq(4, d=0.5)
    array([ 0. ,  0.5, -1. , -0.5])
    """
    return _freqs(np.fft.fftfreq, n, d, device)


def rfftfreq(n, d=1.0, device=None):
    """Sample frequencies of :func:`rfft` (non-negative only); differentiable in ``d``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fft.rfftfreq(4, d=0.5)
    array([0. , 0.5, 1. ])
    """
    return _freqs(np.fft.rfftfreq, n, d, device)


__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
           "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq",
           "rfftn"]
