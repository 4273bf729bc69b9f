"""Linear filters: ``lfilter``, ``lfilter_zi``, ``filtfilt``, ``sosfilt``, ``sosfilt_zi``,
``sosfiltfilt``.

``lfilter`` is the transposed direct form II recurrence run by ``lax.scan`` over the time
axis, so it compiles to one loop under ``jit`` and differentiates in the signal, in both
coefficient vectors and in the initial state ``zi``."""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as clinalg
from chainrule._src.numpy.conversion import shape_of

from ...control.scan import scan
from ...core import concrete_value, is_tracer
from .._checks import checked_when_run
from .common import any_traced, as_float, float_dtype, scipy_signal as _ss


def _pad_to(v, n):
    k = shape_of(v)[0]
    return v if k == n else cnp.concatenate([v, cnp.zeros(n - k, v.dtype)])


def _zero_leading(av):
    # av may hold a batch of denominators (under vmap): every leading coefficient counts
    if np.any(np.take(av, 0, axis=-1) == 0):
        return "BUG: filter coefficient a[0] == 0 not supported yet"
    return None


def _leading_nonzero(a):
    """``a``, with SciPy's error for ``a[0] == 0`` (dividing by it would give NaN): at once
    where its values are known, under ``jit`` when the compiled function runs."""
    av = concrete_value(a) if is_tracer(a) else np.asarray(a)
    if av is None:
        return checked_when_run(a, _zero_leading)
    message = _zero_leading(np.asarray(av))
    if message is not None:
        raise ValueError(message)
    return a


def lfilter(b, a, x, axis=-1, zi=None):
    """Filter ``x`` along ``axis`` with the IIR/FIR filter ``b / a``, like
    ``scipy.signal.lfilter``; with ``zi`` (the initial delays, ``x``'s shape with
    ``max(len(a), len(b)) - 1`` along ``axis``) returns ``(y, zf)``.

    Differentiable in ``b``, ``a``, ``x`` and ``zi``; the loop over time is a
    ``lax.scan``, so it jits and vmaps.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.lfilter(cnp.array([1.0]), cnp.array([1.0, -0.5]), cnp.array([1.0, 0.0, 0.0]))
    array([1.  , 0.5 , 0.25])
    >>> float(cr.grad(lambda p: signal.lfilter(cnp.array([1.0]), cnp.stack([1.0, -p]),
    ...                                        cnp.array([1.0, 0.0, 0.0]))[2])(0.5))
    1.0
    """
    if not any_traced(b, a, x, zi):
        return _ss.lfilter(b, a, x, axis=axis, zi=zi)
    dt = float_dtype(b, a, x, zi)
    b, a, x = as_float(b, dt), as_float(a, dt), as_float(x, dt)
    if len(shape_of(b)) != 1 or len(shape_of(a)) != 1:
        raise ValueError("b and a must be 1-D coefficient vectors")
    order = max(shape_of(a)[0], shape_of(b)[0]) - 1
    a = _leading_nonzero(a)
    b = _pad_to(b / a[0], order + 1)
    a = _pad_to(a / a[0], order + 1)
    xm = cnp.moveaxis(x, axis, 0)
    rest = shape_of(xm)[1:]
    if order == 0:
        y = cnp.moveaxis(b[0] * xm, 0, axis)
        if zi is None:
            return y
        return y, as_float(zi, dt)
    if zi is None:
        z0 = cnp.zeros((order,) + rest, dt)
    else:
        zi = as_float(zi, dt)
        zshape = list(shape_of(x))
        zshape[axis] = order
        if shape_of(zi) != tuple(zshape):
            zi = cnp.broadcast_to(zi, tuple(zshape))
        z0 = cnp.moveaxis(zi, axis, 0)
    col = (order,) + (1,) * len(rest)
    b0, bt, at = b[0], cnp.reshape(b[1:], col), cnp.reshape(a[1:], col)
    tail = cnp.zeros((1,) + rest, dt)

    def step(z, xt):
        yt = b0 * xt + z[0]
        return cnp.concatenate([z[1:], tail]) + bt * xt - at * yt, yt

    zf, y = scan(step, z0, xm)
    y = cnp.moveaxis(y, 0, axis)
    if zi is None:
        return y
    return y, cnp.moveaxis(zf, 0, axis)


def lfilter_zi(b, a):
    """The initial state of ``lfilter`` for the steady state of a unit step input, like
    ``scipy.signal.lfilter_zi``; differentiable in ``b`` and ``a``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.lfilter_zi(cnp.array([0.5, 0.5]), cnp.array([1.0, -0.2]))
    array([0.75])
    """
    if not any_traced(b, a):
        return _ss.lfilter_zi(b, a)
    dt = float_dtype(b, a)
    b, a = as_float(b, dt), as_float(a, dt)
    n = max(shape_of(a)[0], shape_of(b)[0])
    b = _pad_to(b / a[0], n)
    a = _pad_to(a / a[0], n)
    # (I - companion(a).T) zi = b[1:] - a[1:] b[0]; the companion matrix's first row is
    # -a[1:], with ones under its diagonal.
    companion = cnp.concatenate([-a[1:][None, :], cnp.eye(n - 2, n - 1, dtype=dt)])
    return clinalg.solve(cnp.eye(n - 1, dtype=dt) - companion.T, b[1:] - a[1:] * b[0])


def _extend(x, padtype, n):
    """``x`` (time on axis 0) extended by ``n`` samples at each end, as SciPy's
    ``odd_ext``/``even_ext``/``const_ext``."""
    if padtype is None or n == 0:
        return x
    first, last = x[:1], x[-1:]
    left, right = cnp.flip(x[1:n + 1], 0), cnp.flip(x[-n - 1:-1], 0)
    if padtype == "odd":
        left, right = 2 * first - left, 2 * last - right
    elif padtype == "constant":
        left = cnp.broadcast_to(first, shape_of(left))
        right = cnp.broadcast_to(last, shape_of(right))
    elif padtype != "even":
        raise ValueError(f"Unknown value '{padtype}' given to padtype")
    return cnp.concatenate([left, x, right])


def filtfilt(b, a, x, axis=-1, padtype="odd", padlen=None, method="pad", irlen=None):
    """Zero-phase filtering (forward then backward), like ``scipy.signal.filtfilt`` with
    ``method="pad"``; differentiable in ``b``, ``a`` and ``x``.

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> x = cnp.linspace(0.0, 1.0, 20)
    >>> np.allclose(signal.filtfilt(cnp.array([0.5, 0.5]), cnp.array([1.0]), x), x)
    True
    """
    if not any_traced(b, a, x):
        return _ss.filtfilt(b, a, x, axis=axis, padtype=padtype, padlen=padlen,
                            method=method, irlen=irlen)
    if method != "pad":
        raise NotImplementedError("filtfilt on traced values supports method='pad' only")
    dt = float_dtype(b, a, x)
    b, a, x = as_float(b, dt), as_float(a, dt), as_float(x, dt)
    ntaps = max(shape_of(a)[0], shape_of(b)[0])
    edge = 0 if padtype is None else (3 * ntaps if padlen is None else padlen)
    xm = cnp.moveaxis(x, axis, 0)
    if edge >= shape_of(xm)[0]:
        raise ValueError("The length of the input vector x must be greater than padlen, "
                         f"which is {edge}.")
    ext = _extend(xm, padtype, edge)
    zi = cnp.reshape(lfilter_zi(b, a), (ntaps - 1,) + (1,) * (len(shape_of(xm)) - 1))
    y, _ = lfilter(b, a, ext, axis=0, zi=zi * ext[:1])
    y, _ = lfilter(b, a, cnp.flip(y, 0), axis=0, zi=zi * y[-1:])
    y = cnp.flip(y, 0)
    if edge > 0:
        y = y[edge:-edge]
    return cnp.moveaxis(y, 0, axis)


def _non_unit_a0(sv):
    # sv may hold a batch of sections (under vmap): every a0 counts
    return None if np.all(np.take(sv, 3, axis=-1) == 1) else "sos[:, 3] should be all ones"


def _unit_leading_denominators(sos):
    """``sos``, with SciPy's error where a section's ``a0`` is not 1: at once where the
    values are known, under ``jit`` when the compiled function runs."""
    sv = concrete_value(sos) if is_tracer(sos) else np.asarray(sos)
    if sv is None:
        return checked_when_run(sos, _non_unit_a0)
    message = _non_unit_a0(np.asarray(sv))
    if message is not None:
        raise ValueError(message)
    return sos


def sosfilt(sos, x, axis=-1, zi=None):
    """Filter ``x`` with cascaded second-order sections, like ``scipy.signal.sosfilt``
    (``sos`` has shape ``(n_sections, 6)``; ``zi`` shape ``(n_sections, ..., 2, ...)``).
    Differentiable in ``sos``, ``x`` and ``zi``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> sos = cnp.array([[1.0, 0.0, 0.0, 1.0, -0.5, 0.0]])
    >>> signal.sosfilt(sos, cnp.array([1.0, 0.0, 0.0]))
    array([1.  , 0.5 , 0.25])
    """
    if not any_traced(sos, x, zi):
        return _ss.sosfilt(sos, x, axis=axis, zi=zi)
    dt = float_dtype(sos, x, zi)
    sos, y = as_float(sos, dt), as_float(x, dt)
    if len(shape_of(sos)) != 2 or shape_of(sos)[1] != 6:
        raise ValueError("sos array must be shape (n_sections, 6)")
    sos = _unit_leading_denominators(sos)
    zf = []
    for i in range(shape_of(sos)[0]):
        if zi is None:
            y = lfilter(sos[i, :3], sos[i, 3:], y, axis=axis)
        else:
            y, z = lfilter(sos[i, :3], sos[i, 3:], y, axis=axis, zi=as_float(zi, dt)[i])
            zf.append(z)
    if zi is None:
        return y
    return y, cnp.stack(zf)


def sosfilt_zi(sos):
    """Initial states of ``sosfilt`` for the steady state of a unit step, like
    ``scipy.signal.sosfilt_zi``; differentiable in ``sos``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> signal.sosfilt_zi(cnp.array([[0.5, 0.5, 0.0, 1.0, -0.2, 0.0]]))
    array([[0.75, 0.  ]])
    """
    if not any_traced(sos):
        return _ss.sosfilt_zi(sos)
    sos = as_float(sos, float_dtype(sos))
    if len(shape_of(sos)) != 2 or shape_of(sos)[1] != 6:
        raise ValueError("sos array must be shape (n_sections, 6)")
    zi, scale = [], 1.0
    for i in range(shape_of(sos)[0]):
        b, a = sos[i, :3], sos[i, 3:]
        # Each section's steady state scales with the DC gain of the sections before it.
        zi.append(scale * _pad_to(lfilter_zi(b, a), 2))
        scale = scale * cnp.sum(b) / cnp.sum(a)
    return cnp.stack(zi)


def _trailing_zero_count(sos):
    """SciPy's reduction of the number of taps for sections of order below two; needs the
    coefficients' values."""
    value = concrete_value(sos) if is_tracer(sos) else sos
    if value is None:
        raise ValueError("sosfiltfilt of staged (jitted) coefficients needs an explicit "
                         "padlen: the default depends on which coefficients are zero")
    value = np.asarray(value)
    return min(int((value[:, 2] == 0).sum()), int((value[:, 5] == 0).sum()))


def sosfiltfilt(sos, x, axis=-1, padtype="odd", padlen=None):
    """Zero-phase filtering with second-order sections, like ``scipy.signal.sosfiltfilt``;
    differentiable in ``sos`` and ``x``.

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule.scipy import signal
    >>> x = cnp.linspace(0.0, 1.0, 20)
    >>> sos = cnp.array([[0.5, 0.5, 0.0, 1.0, 0.0, 0.0]])
    >>> np.allclose(signal.sosfiltfilt(sos, x), x)
    True
    """
    if not any_traced(sos, x):
        return _ss.sosfiltfilt(sos, x, axis=axis, padtype=padtype, padlen=padlen)
    dt = float_dtype(sos, x)
    sos, x = as_float(sos, dt), as_float(x, dt)
    n_sections = shape_of(sos)[0]
    if padtype is None:
        edge = 0
    elif padlen is None:
        edge = 3 * (2 * n_sections + 1 - _trailing_zero_count(sos))
    else:
        edge = padlen
    xm = cnp.moveaxis(x, axis, 0)
    if edge >= shape_of(xm)[0]:
        raise ValueError("The length of the input vector x must be greater than padlen, "
                         f"which is {edge}.")
    ext = _extend(xm, padtype, edge)
    zi = cnp.reshape(sosfilt_zi(sos), (n_sections, 2) + (1,) * (len(shape_of(xm)) - 1))
    y, _ = sosfilt(sos, ext, axis=0, zi=zi * ext[:1])
    y, _ = sosfilt(sos, cnp.flip(y, 0), axis=0, zi=zi * y[-1:])
    y = cnp.flip(y, 0)
    if edge > 0:
        y = y[edge:-edge]
    return cnp.moveaxis(y, 0, axis)
