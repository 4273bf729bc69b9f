"""Integration of sampled data and fixed-order Gauss quadrature: ``trapezoid``, ``simpson``,
``cumulative_trapezoid``, ``cumulative_simpson``, ``romb``, ``fixed_quad``.

Each is SciPy's formula written on ``chainrule.numpy``: linear in the samples, and
differentiable in the sample positions ``x`` (or spacing ``dx``) too.  Plain arrays get
SciPy's own function.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate as _sint
import scipy.special as _sp

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy.polynomial import trapezoid as _np_trapezoid

from ...core import is_tracer


def _traced(*xs):
    return any(is_tracer(x) for x in xs)


def _last(y, axis):
    """``y`` with ``axis`` moved last."""
    return cnp.moveaxis(y, axis, -1)


def _spacing(y, x, dx):
    """Interval widths along the last axis of ``y``: from ``x`` (1-D or y's shape) or
    ``dx``."""
    if x is None:
        return cnp.asarray(dx, dtype=np.float64)
    if x.ndim == 1:
        if x.shape[0] != y.shape[-1]:
            raise ValueError("If given, length of x along axis must be the same as y.")
        return cnp.diff(x)
    if x.shape != y.shape:
        raise ValueError("If given, shape of x must be 1-D or the same as y.")
    return cnp.diff(x, axis=-1)


def _prep(y, x, axis):
    y = cnp.asarray(y)
    y = cnp.astype(y, np.result_type(y.dtype, np.float64))
    if x is not None:
        x = cnp.astype(cnp.asarray(x), np.float64)
        if x.ndim > 1:
            x = _last(x, axis)
    return _last(y, axis), x


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of samples ``y`` by the trapezoidal rule (``scipy.integrate.trapezoid``),
    differentiable in ``y``, ``x`` and ``dx``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.integrate import trapezoid
    >>> float(trapezoid(np.array([1.0, 2.0, 3.0]), x=np.array([0.0, 1.0, 3.0])))
    6.5
    """
    if not _traced(y, x, dx):
        return _sint.trapezoid(y, x=x, dx=dx, axis=axis)
    return _np_trapezoid(y, x=x, dx=dx, axis=axis)


def cumulative_trapezoid(y, x=None, dx=1.0, axis=-1, initial=None):
    """Running trapezoidal integral (``scipy.integrate.cumulative_trapezoid``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.integrate import cumulative_trapezoid
    >>> cumulative_trapezoid(np.array([1.0, 2.0, 3.0]), initial=0)
    array([0. , 1.5, 4. ])
    """
    if not _traced(y, x, dx):
        return _sint.cumulative_trapezoid(y, x=x, dx=dx, axis=axis, initial=initial)
    y, x = _prep(y, x, axis)
    if y.shape[-1] == 0:
        raise ValueError("At least one point is required along `axis`.")
    d = _spacing(y, x, dx)
    res = cnp.cumsum(d * (y[..., 1:] + y[..., :-1]) / 2.0, axis=-1)
    if initial is not None:
        if initial != 0:
            raise ValueError("`initial` must be `None` or `0`.")
        res = cnp.concatenate([cnp.zeros(res.shape[:-1] + (1,), res.dtype), res], axis=-1)
    return cnp.moveaxis(res, -1, axis)


def _basic_simpson(y, stop, h):
    """Composite Simpson over the pairs of intervals starting at 0, 2, ..., < ``stop``."""
    if h.ndim == 0:
        return cnp.sum(y[..., 0:stop:2] + 4.0 * y[..., 1:stop + 1:2] + y[..., 2:stop + 2:2],
                       axis=-1) * h / 3.0
    h0, h1 = h[..., 0:stop:2], h[..., 1:stop + 1:2]
    hsum, hprod = h0 + h1, h0 * h1
    ratio = h0 / h1
    tmp = hsum / 6.0 * (y[..., 0:stop:2] * (2.0 - 1.0 / ratio)
                        + y[..., 1:stop + 1:2] * (hsum * (hsum / hprod))
                        + y[..., 2:stop + 2:2] * (2.0 - ratio))
    return cnp.sum(tmp, axis=-1)


def simpson(y, x=None, *, dx=1.0, axis=-1):
    """Integral of samples by composite Simpson's rule (``scipy.integrate.simpson``; an even
    number of samples gets SciPy's correction on the last interval), differentiable in
    ``y``, ``x`` and ``dx``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.integrate import simpson
    >>> float(simpson(np.arange(5.0) ** 2))
    21.333333333333332
    """
    if not _traced(y, x, dx):
        return _sint.simpson(y, x=x, dx=dx, axis=axis)
    y, x = _prep(y, x, axis)
    n = y.shape[-1]
    h = _spacing(y, x, dx) if x is not None else cnp.asarray(dx, dtype=np.float64)
    uniform = x is None
    if n % 2 == 1:
        return _basic_simpson(y, n - 2, h)
    if n == 2:
        last = h if uniform else h[..., -1]
        return 0.5 * last * (y[..., -1] + y[..., -2])
    result = _basic_simpson(y, n - 3, h)
    h0, h1 = (h, h) if uniform else (h[..., -2], h[..., -1])
    alpha = (2 * h1 ** 2 + 3 * h0 * h1) / (6 * (h1 + h0))
    beta = (h1 ** 2 + 3.0 * h0 * h1) / (6 * h0)
    eta = h1 ** 3 / (6 * h0 * (h0 + h1))
    return result + alpha * y[..., -1] + beta * y[..., -2] - eta * y[..., -3]


def _simpson_pieces(y, d, equal):
    """Simpson integrals over the first interval of each consecutive triple of samples."""
    f1, f2, f3 = y[..., :-2], y[..., 1:-1], y[..., 2:]
    if equal:
        return d[..., :-1] / 3 * (5 * f1 / 4 + 2 * f2 - f3 / 4)
    x21, x32 = d[..., :-1], d[..., 1:]
    x31 = x21 + x32
    r31, r32 = x21 / x31, x21 / x32
    rr = r31 * r32
    return x21 / 6 * ((3 - r31) * f1 + (3 + rr + r31) * f2 - rr * f3)


def cumulative_simpson(y, *, x=None, dx=1.0, axis=-1, initial=None):
    """Running Simpson integral (``scipy.integrate.cumulative_simpson``), differentiable in
    ``y``, ``x`` and ``dx``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.integrate import cumulative_simpson
    >>> cumulative_simpson(np.arange(4.0) ** 2)
    array([0.33333333, 2.66666667, 9.        ])
    """
    if not _traced(y, x, dx, initial):
        return _sint.cumulative_simpson(y, x=x, dx=dx, axis=axis, initial=initial)
    y0 = cnp.asarray(y)
    y, x = _prep(y, x, axis)
    if y.shape[-1] < 3:
        res = _last(cumulative_trapezoid(y0, x=x if x is None or x.ndim == 1 else
                                         cnp.moveaxis(x, -1, axis), dx=dx, axis=axis), axis)
    else:
        if x is not None:
            if x.ndim == 1 and x.shape[0] != y.shape[-1] or x.ndim > 1 and x.shape != y.shape:
                raise ValueError("If given, shape of `x` must be the same as `y` or 1-D with "
                                 "the same length as `y` along `axis`.")
            d = cnp.broadcast_to(cnp.diff(x, axis=-1), y.shape[:-1] + (y.shape[-1] - 1,))
        else:
            d = cnp.broadcast_to(cnp.astype(cnp.asarray(dx), np.float64),
                                 y.shape[:-1] + (y.shape[-1] - 1,)) \
                if cnp.asarray(dx).ndim == 0 else cnp.broadcast_to(
                    _last(cnp.asarray(dx), axis), y.shape[:-1] + (y.shape[-1] - 1,))
        equal = x is None
        fwd = _simpson_pieces(y, d, equal)
        bwd = cnp.flip(_simpson_pieces(cnp.flip(y, -1), cnp.flip(d, -1), equal), -1)
        m = y.shape[-1] - 1  # number of intervals
        # Interval i: the forward piece for even i, the backward one for odd i, and the
        # backward piece for the last interval.
        idx = np.arange(m)
        pick_fwd = (idx % 2 == 0) & (idx < m - 1)
        fwd_full = cnp.concatenate([fwd, cnp.zeros_like(fwd[..., :1])], axis=-1)
        bwd_full = cnp.concatenate([cnp.zeros_like(bwd[..., :1]), bwd], axis=-1)
        pieces = cnp.where(cnp.asarray(pick_fwd), fwd_full, bwd_full)
        res = cnp.cumsum(pieces, axis=-1)
    if initial is not None:
        init = cnp.astype(cnp.asarray(initial), np.float64)
        init = cnp.broadcast_to(_last(init, axis) if init.ndim else init,
                                res.shape[:-1] + (1,))
        res = cnp.concatenate([init, res + init], axis=-1)
    return cnp.moveaxis(res, -1, axis)


def romb(y, dx=1.0, axis=-1, show=False):
    """Romberg integration of ``2**k + 1`` equally spaced samples (``scipy.integrate.romb``),
    differentiable in ``y`` and ``dx``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.integrate import romb
    >>> float(romb(np.linspace(0.0, 1.0, 5) ** 3, dx=0.25))
    0.25
    """
    if not _traced(y, dx) or show:
        if show and _traced(y, dx):
            raise ValueError("romb(show=True) prints the table of plain numbers: call it "
                             "outside the transform")
        return _sint.romb(y, dx=dx, axis=axis, show=show)
    y = _last(cnp.asarray(y), axis)
    n_int = y.shape[-1] - 1
    k = max(n_int - 1, 0).bit_length() if n_int > 0 else 0
    if n_int < 1 or 1 << k != n_int:
        raise ValueError("Number of samples must be one plus a non-negative power of 2.")
    h = n_int * cnp.asarray(dx, dtype=np.float64)
    table = {(0, 0): (y[..., 0] + y[..., -1]) / 2.0 * h}
    start = stop = step = n_int
    for i in range(1, k + 1):
        start >>= 1
        sl = slice(start, stop, step)
        step >>= 1
        table[(i, 0)] = 0.5 * (table[(i - 1, 0)] + h * cnp.sum(y[..., sl], axis=-1))
        for j in range(1, i + 1):
            prev = table[(i, j - 1)]
            table[(i, j)] = prev + (prev - table[(i - 1, j - 1)]) / ((1 << (2 * j)) - 1)
        h = h / 2.0
    return table[(k, k)]


def fixed_quad(func, a, b, args=(), n=5):
    """Fixed-order Gauss–Legendre quadrature (``scipy.integrate.fixed_quad``), returning
    ``(value, None)``; differentiable in ``a``, ``b`` and whatever ``func`` closes over or
    receives in ``args``.  ``func`` is called once with all ``n`` nodes.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.integrate import fixed_quad
    >>> round(float(fixed_quad(np.cos, 0.0, np.pi / 2, n=5)[0]), 9)
    1.0
    >>> round(float(cr.grad(lambda b: fixed_quad(lambda x: x ** 2, 0.0, b)[0])(2.0)), 12)
    4.0
    """
    x, w = _sp.roots_legendre(n)
    x = np.real(x)
    for lim in (a, b):
        if not is_tracer(lim) and np.isinf(lim):
            raise ValueError("Gaussian quadrature is only available for finite limits.")
    if not _traced(a, b, *args):
        y = func((b - a) * (x + 1) / 2.0 + a, *args)
        if not _traced(y):
            return (b - a) / 2.0 * np.sum(w * y, axis=-1), None
    y = (b - a) * (cnp.asarray(x) + 1) / 2.0 + a
    return (b - a) / 2.0 * cnp.sum(cnp.asarray(w) * func(y, *args), axis=-1), None
