"""``scipy.special`` with derivatives.

Most of SciPy's special functions are NumPy ufuncs.  ``chainrule.scipy.special`` exports
those ufunc objects themselves, so a call on plain arrays is exactly SciPy's (no wrapper at
all); a traced value reaches the traced implementation registered here through
``Tracer.__array_ufunc__``, as for NumPy's binary ufuncs in ``chainrule.numpy``.  Plain
``scipy.special.gammaln(x)`` on a traced ``x`` is therefore differentiated too (the first
such call imports this module).

The functions SciPy writes in Python (``logsumexp``, ``softmax``, ``polygamma``, ``zeta``,
``spherical_jn``, ...) are wrapped: SciPy's own function on plain inputs, a composition of
chainrule operations (or a primitive of ``chainrule._src.lax.special``) otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as _sp

from ..numpy import base as cnp

from ..core import concrete_value, is_tracer
from ..control.custom import stop_gradient
from ..lax.elementwise import logaddexp as _logaddexp
from .. import lax as _lax
from ..lax import special as _ls
from ..numpy._util import asarray_any, normalize_axes
from ..numpy.fastpath import numpy_fast_path
from ..numpy.ufuncs import TRACED_UFUNCS


def _traced(fn, nargs, name):
    """The traced counterpart of SciPy's ufunc ``name``: ``fn`` on the inputs as arrays."""
    if nargs == 1:
        def traced(x, /):
            return fn(asarray_any(x))
    else:
        def traced(*args):
            if len(args) != nargs:
                raise TypeError(f"{name} takes {nargs} arguments, got {len(args)}")
            return fn(*[asarray_any(a) for a in args])
    traced.__name__ = traced.__qualname__ = name
    return traced


# --- distribution functions that are incomplete gamma functions (SciPy computes them so) --
def _chdtr(v, x):
    return _ls.gammainc(cnp.divide(v, 2), cnp.divide(x, 2))


def _chdtrc(v, x):
    return _ls.gammaincc(cnp.divide(v, 2), cnp.divide(x, 2))


def _gdtr(a, b, x):
    return _ls.gammainc(b, cnp.multiply(a, x))


def _gdtrc(a, b, x):
    return _ls.gammaincc(b, cnp.multiply(a, x))


def _poisson(fn, k, m):
    # SciPy floors the count k (a step function of k: derivative 0); k < 0 is NaN (and so
    # is the derivative there).
    k = cnp.where(cnp.less(k, 0), np.nan, cnp.floor(k))
    return fn(cnp.add(k, 1), m)


def _pdtr(k, m):
    return _poisson(_ls.gammaincc, k, m)


def _pdtrc(k, m):
    return _poisson(_ls.gammainc, k, m)


# --- distribution functions that are incomplete beta functions ---------------------------
def _bdtr(k, n, p):
    # SciPy floors k (a step function: derivative 0); n is an integer count.
    k = cnp.floor(k)
    n = _ls.integer_argument(n, "bdtr", "n")
    out = _ls.betainc(cnp.subtract(n, k), cnp.add(k, 1), cnp.subtract(1, p))
    out = cnp.where(cnp.equal(k, n), 1.0, out)
    return cnp.where(cnp.less(k, 0) | cnp.greater(k, n), np.nan, out)


def _bdtrc(k, n, p):
    k = cnp.floor(k)
    n = _ls.integer_argument(n, "bdtrc", "n")
    out = _ls.betainc(cnp.add(k, 1), cnp.subtract(n, k), p)
    out = cnp.where(cnp.equal(k, n), 0.0, out)
    out = cnp.where(cnp.less(k, 0), 1.0, out)
    return cnp.where(cnp.greater(k, n), np.nan, out)


def _chdtri(v, p):
    return cnp.multiply(2.0, _ls.gammainccinv(cnp.divide(v, 2), p))


def _fdtr(dfn, dfd, x):
    w = cnp.divide(cnp.multiply(dfn, x), cnp.add(dfd, cnp.multiply(dfn, x)))
    return _ls.betainc(cnp.divide(dfn, 2), cnp.divide(dfd, 2), w)


def _fdtrc(dfn, dfd, x):
    w = cnp.divide(dfd, cnp.add(dfd, cnp.multiply(dfn, x)))
    return _ls.betainc(cnp.divide(dfd, 2), cnp.divide(dfn, 2), w)


# SciPy's ufunc -> the chainrule function that computes it on traced values.
_UFUNCS = {
    "gammaln": _ls.gammaln, "gamma": _ls.gamma, "rgamma": _ls.rgamma,
    "gammasgn": _ls.gammasgn, "digamma": _ls.digamma, "beta": _ls.beta,
    "betaln": _ls.betaln, "betainc": _ls.betainc, "gammainc": _ls.gammainc,
    "gammaincc": _ls.gammaincc, "erf": _ls.erf, "erfc": _ls.erfc, "erfinv": _ls.erfinv,
    "erfcinv": _ls.erfcinv, "erfcx": _ls.erfcx, "expit": _ls.expit, "logit": _ls.logit,
    "log_expit": _ls.log_expit, "ndtr": _ls.ndtr, "log_ndtr": _ls.log_ndtr,
    "ndtri": _ls.ndtri, "xlogy": _ls.xlogy, "xlog1py": _ls.xlog1py, "entr": _ls.entr,
    "rel_entr": _ls.rel_entr, "kl_div": _ls.kl_div, "i0": _ls.i0, "i0e": _ls.i0e,
    "i1": _ls.i1, "i1e": _ls.i1e, "iv": _ls.iv, "ive": _ls.ive, "kv": _ls.kv, "kve": _ls.kve,
    "k0": _ls.k0, "k0e": _ls.k0e, "k1": _ls.k1, "k1e": _ls.k1e, "kn": _ls.kn, "j0": _ls.j0,
    "j1": _ls.j1, "jv": _ls.jv, "y0": _ls.y0, "y1": _ls.y1, "yn": _ls.yn, "yv": _ls.yv,
    "exp1": _ls.exp1, "expn": _ls.expn, "owens_t": _ls.owens_t,
    "exp10": _ls.exp10, "exp2": _lax.exp2, "expm1": _lax.expm1, "log1p": _lax.log1p,
    "cbrt": _lax.cbrt, "cosm1": _ls.cosm1, "sindg": _ls.sindg, "cosdg": _ls.cosdg,
    "tandg": _ls.tandg, "cotdg": _ls.cotdg, "powm1": _ls.powm1, "erfi": _ls.erfi,
    "dawsn": _ls.dawsn, "ndtri_exp": _ls.ndtri_exp, "loggamma": _ls.loggamma,
    "poch": _ls.poch, "gammaincinv": _ls.gammaincinv, "gammainccinv": _ls.gammainccinv,
    "betaincinv": _ls.betaincinv, "hyp1f1": _ls.hyp1f1, "hyp2f1": _ls.hyp2f1,
    "hyperu": _ls.hyperu, "chdtr": _chdtr, "chdtrc": _chdtrc, "gdtr": _gdtr,
    "gdtrc": _gdtrc, "pdtr": _pdtr, "pdtrc": _pdtrc, "bdtr": _bdtr, "bdtrc": _bdtrc,
    "fdtr": _fdtr, "fdtrc": _fdtrc, "betaincc": _ls.betaincc, "betainccinv": _ls.betainccinv,
    "chdtri": _chdtri,
}
for _name, _fn in _UFUNCS.items():
    _ufunc = getattr(_sp, _name)
    TRACED_UFUNCS[_ufunc] = _traced(_fn, _ufunc.nin, _name)
    globals()[_name] = _ufunc
psi = digamma  # noqa: F821 - SciPy's own alias (the same ufunc)
jn = jv  # noqa: F821


# --- functions SciPy writes in Python ------------------------------------------------------
@numpy_fast_path(_sp.polygamma, arrays=2)
def polygamma(n, x):
    """Polygamma function ``psi^(n)(x)``, the ``n``-th derivative of ``digamma``.

    Differentiable in ``x`` (``d/dx polygamma(n, x) = polygamma(n + 1, x)``, to any order);
    ``n`` is an integer order with no derivative (differentiating with respect to it raises).

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy.special import polygamma
    >>> float(polygamma(1, 1.0))  # pi**2 / 6
    1.644934066848
    >>> float(cr.grad(lambda x: polygamma(1, x))(1.0))  # polygamma(2, 1) = -2 zeta(3)
    -2.404113806319
    """
    return _ls.polygamma(asarray_any(n), asarray_any(x))


@numpy_fast_path(_sp.multigammaln, arrays=1)
def multigammaln(a, d):
    """Log of the multivariate gamma function of dimension ``d`` (an integer).

    ``(d(d-1)/4) log(pi) + sum_j gammaln(a - (j-1)/2)``; differentiable in ``a``.  Where
    ``a <= (d-1)/2`` SciPy raises ValueError; so does this function when the values are
    known, and under ``jit`` (where they are not) the result there is NaN.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy.special import multigammaln
    >>> float(multigammaln(23.5, 10))
    457.176674782905
    >>> float(cr.grad(lambda a: multigammaln(a, 2))(3.0))  # digamma(3) + digamma(2.5)
    1.625940975744
    """
    d = np.asarray(d)[()]
    if not np.isscalar(d) or np.floor(d) != d:
        raise ValueError("d should be a positive integer (dimension)")
    d = int(d)
    a = asarray_any(a)
    limit = 0.5 * (d - 1)
    value = concrete_value(a) if is_tracer(a) else a
    if value is not None and np.any(np.asarray(value) <= limit):
        raise ValueError(f"condition a ({value}) > 0.5 * (d-1) ({limit}) not met")
    res = (d * (d - 1) * 0.25) * np.log(np.pi)
    terms = cnp.stack([_ls.gammaln(cnp.subtract(a, (j - 1.0) / 2)) for j in range(1, d + 1)])
    res = cnp.add(res, cnp.sum(terms, axis=0))
    return cnp.where(cnp.less_equal(a, limit), np.nan, res) if value is None else res


@numpy_fast_path(_sp.zeta, arrays=1, optional=("q",))
def zeta(x, q=None, out=None):
    """Riemann zeta ``zeta(x)``, or Hurwitz zeta ``zeta(x, q)``.

    Differentiable in ``q`` (``d/dq zeta(x, q) = -x zeta(x + 1, q)``).  The derivative in
    the exponent ``x`` has no closed form: asking for it raises NotImplementedError.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy.special import zeta
    >>> float(zeta(2.0))  # pi**2 / 6
    1.6449340668482264
    >>> float(cr.grad(lambda q: zeta(3.0, q))(1.0))  # -3 zeta(4)
    -3.2469697011334144
    """
    if out is not None:
        raise TypeError("chainrule.scipy.special.zeta does not support out= on traced "
                        "values; use the returned value")
    if q is None:
        return _ls.riemann_zeta(asarray_any(x))
    return _ls.zeta(asarray_any(x), asarray_any(q))


def _spherical(fn, name, sp_fn):
    @numpy_fast_path(sp_fn, arrays=2)
    def spherical(n, z, derivative=False):
        if is_tracer(n):
            if n.dtype.kind not in "iub":
                raise TypeError(f"{name}: the order n must be an integer, got a traced value "
                                f"of dtype {n.dtype}; it has no derivative")
        else:
            n = np.asarray(n, dtype=np.dtype("long"))  # as SciPy converts it
        z = asarray_any(z)
        if not derivative:
            return fn(n, z)
        # The recurrence that also gives the primitive's own derivative.
        return _ls.spherical_bessel_derivative(name, n, z)
    spherical.__name__ = spherical.__qualname__ = name
    kind = "first" if name[-2] in "ji" else "second"
    modified = "Modified spherical" if name[-2] in "ik" else "Spherical"
    letter = name[-2]
    spherical.__doc__ = f"""{modified} Bessel function of the {kind} kind ``{letter}_n(z)``
    (or its derivative in ``z`` with ``derivative=True``).

    Differentiable in ``z`` to any order, through the recurrence that gives
    ``{letter}_n'`` from ``{letter}_(n-1)`` and ``{letter}_(n+1)``; the integer order ``n``
    has no derivative.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy.special import {name}
    >>> import numpy as np
    >>> bool(np.isclose(cr.grad(lambda z: {name}(1, z))(2.0), {name}(1, 2.0, True)))
    True
    """
    return spherical


spherical_jn = _spherical(_ls.spherical_jn, "spherical_jn", _sp.spherical_jn)
spherical_yn = _spherical(_ls.spherical_yn, "spherical_yn", _sp.spherical_yn)
spherical_in = _spherical(_ls.spherical_in, "spherical_in", _sp.spherical_in)
spherical_kn = _spherical(_ls.spherical_kn, "spherical_kn", _sp.spherical_kn)


@numpy_fast_path(getattr(_sp, "softplus", None), arrays=1)
def softplus(x, **kwargs):
    """``log(1 + exp(x))``, computed as ``numpy.logaddexp(0, x)`` (SciPy's definition).

    Its derivative is ``expit(x)``.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy.special import softplus
    >>> float(cr.grad(softplus)(0.0))
    0.5
    """
    if kwargs:
        raise TypeError(f"softplus: keyword arguments {sorted(kwargs)} are not supported on "
                        "traced values")
    return cnp.logaddexp(0.0, asarray_any(x))


@numpy_fast_path(_sp.lambertw, arrays=1)
def lambertw(z, k=0, tol=1e-8):
    """Lambert W function, branch ``k``, as SciPy computes it (a complex result).

    On traced values only the real branches are provided: real ``z`` with ``k = 0``
    (``z >= -1/e``) or ``k = -1`` (``-1/e <= z < 0``); elsewhere the result is NaN.  The
    derivative is ``W' = exp(-W) / (1 + W)``; take ``.real`` of the result to differentiate
    a real function.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.scipy.special import lambertw
    >>> complex(lambertw(1.0))  # the omega constant
    (0.5671432904097838+0j)
    >>> float(cr.grad(lambda z: lambertw(z).real)(1.0))  # W / (z (1 + W))
    0.3618962566348892
    """
    z = asarray_any(z)
    if cnp.result_type(z).kind == "c":
        raise NotImplementedError("lambertw of complex traced values is not provided; only "
                                  "the real branches k=0 and k=-1 of real input are")
    if k not in (0, -1):
        raise NotImplementedError(f"lambertw: branch k={k} is complex for every real input; "
                                  "only k=0 and k=-1 are provided on traced values")
    return cnp.astype(_ls.lambertw(z, k, tol), np.complex128)


sinc = cnp.sinc  # scipy.special.sinc is numpy.sinc


# --- log-sum-exp and friends -------------------------------------------------------------
def _float_dtype(*arrays):
    dtype = cnp.result_type(*arrays)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    return dtype


@numpy_fast_path(_sp.logsumexp, arrays=1, optional=("b",))
def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``log(sum(b * exp(a)))`` along ``axis``, computed without overflow, as SciPy does.

    Differentiable in ``a`` and ``b`` to any order: ``d/da_i = b_i exp(a_i - out)``.
    The shift by the maximum is a constant to the derivative (the result does not depend
    on it), and the terms at the maximum are kept differentiable, so ties and weights get
    their exact share.  With ``return_sign=True`` it returns ``(log|s|, sign(s))`` for
    ``s = sum(b * exp(a))``; without, a negative ``s`` gives NaN.  Real input only on
    traced values.

    Examples
    --------
    >>> import chainrule as cr, numpy as np
    >>> from chainrule.scipy.special import logsumexp
    >>> float(logsumexp(np.array([1.0, 2.0, 3.0])))
    3.407605964444
    >>> cr.grad(logsumexp)(np.array([1.0, 2.0, 3.0]))  # softmax
    array([0.09003057, 0.24472847, 0.66524096])
    >>> logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)
    (np.float64(1.5413248546129181), np.float64(-1.0))
    """
    a = asarray_any(a)
    dtype = _float_dtype(a) if b is None else _float_dtype(a, asarray_any(b))
    if dtype.kind == "c":
        raise NotImplementedError("logsumexp of complex traced values is not provided")
    a = cnp.astype(a, dtype)
    if b is not None:
        b = cnp.astype(asarray_any(b), dtype)
        shape = np.broadcast_shapes(cnp.shape(a), cnp.shape(b))
        a, b = cnp.broadcast_to(a, shape), cnp.broadcast_to(b, shape)
    if cnp.ndim(a) == 0:
        a = cnp.reshape(a, (1,))
        b = None if b is None else cnp.reshape(b, (1,))
    axes = normalize_axes(axis, cnp.ndim(a))
    if cnp.size(a) == 0:
        shape = tuple(1 if i in axes else n for i, n in enumerate(cnp.shape(a)))
        out = np.full(shape, -np.inf, dtype)
        sgn = np.sign(out)
    else:
        out, sgn = _logsumexp(a, b, axes, return_sign)
    if not keepdims:
        out, sgn = cnp.squeeze(out, axis=axes), cnp.squeeze(sgn, axis=axes)
    return (out, sgn) if return_sign else out


def _logsumexp(a, b, axes, return_sign):
    """SciPy's algorithm: ``log1p(s) + log(m) + max`` with ``m`` the total weight at the
    maximum and ``s`` the rest relative to it, accurate where the result is near 0."""
    ninf = -np.inf
    a_m = a if b is None else cnp.where(cnp.equal(b, 0), ninf, a)
    a_max = stop_gradient(cnp.max(a_m, axis=axes, keepdims=True))
    at_max = cnp.equal(a_m, a_max)
    # The shift is a constant (the result does not depend on it); where the maximum is
    # infinite or NaN the result below is not finite and is replaced at the end.
    shift = cnp.where(cnp.isfinite(a_max), a_max, 0.0)
    if b is None:
        terms = cnp.exp(cnp.subtract(a, shift))
    else:
        # Terms with weight 0 are 0, but their derivative in b is exp(a - shift); the
        # exponent is capped so that 0 * exp(...) cannot overflow to NaN.
        capped = cnp.where(cnp.equal(b, 0), cnp.minimum(a, cnp.add(shift, 700.0)), a)
        terms = cnp.multiply(b, cnp.exp(cnp.subtract(capped, shift)))
    m = cnp.sum(cnp.where(at_max, terms, 0.0), axis=axes, keepdims=True)
    rest = cnp.sum(cnp.where(at_max, 0.0, terms), axis=axes, keepdims=True)
    s = cnp.where(cnp.equal(rest, 0), rest, cnp.divide(rest, _nonzero(m)))
    sgn = cnp.multiply(cnp.sign(cnp.add(s, 1)), cnp.sign(m))
    s = cnp.where(cnp.less(s, -1), cnp.subtract(-2.0, s), s)
    out = cnp.add(cnp.add(cnp.log1p(s), cnp.log(cnp.abs(m))), shift)
    if not return_sign:
        out = cnp.where(cnp.less(sgn, 0), np.nan, out)
    # Not finite (an infinite or NaN input, or a sum of 0): SciPy's direct formula, whose
    # value is what matters there (it carries no derivative).
    a0 = stop_gradient(a)
    direct = cnp.exp(a0) if b is None else cnp.multiply(stop_gradient(b), cnp.exp(a0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        total = cnp.sum(direct, axis=axes, keepdims=True)
        out_direct = cnp.log(cnp.abs(total) if return_sign else total)
    finite = cnp.isfinite(out)
    out = cnp.where(finite, out, out_direct)
    sgn = cnp.where(finite, sgn, cnp.sign(total)) if return_sign else sgn
    return out, sgn


def _nonzero(m):
    return cnp.where(cnp.equal(m, 0), 1.0, m)


@numpy_fast_path(_sp.softmax, arrays=1)
def softmax(x, axis=None):
    """``exp(x) / sum(exp(x))`` along ``axis``, shifted by the maximum as SciPy does.

    Examples
    --------
    >>> import chainrule as cr, numpy as np
    >>> from chainrule.scipy.special import softmax
    >>> softmax(np.array([1.0, 2.0, 3.0]))
    array([0.09003057, 0.24472847, 0.66524096])
    >>> cr.jacobian(softmax)(np.array([0.0, 0.0]))  # diag(p) - p p^T
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    x = asarray_any(x)
    # The shift cancels in the ratio: a constant to the derivative.
    shifted = cnp.exp(cnp.subtract(x, stop_gradient(cnp.max(x, axis=axis, keepdims=True))))
    return cnp.divide(shifted, cnp.sum(shifted, axis=axis, keepdims=True))


@numpy_fast_path(_sp.log_softmax, arrays=1)
def log_softmax(x, axis=None):
    """``x - logsumexp(x)`` along ``axis``, accurate where ``softmax`` underflows.

    Examples
    --------
    >>> import chainrule as cr, numpy as np
    >>> from chainrule.scipy.special import log_softmax
    >>> log_softmax(np.array([0.0, 1000.0]))
    array([-1000.,     0.])
    >>> cr.grad(lambda x: log_softmax(x)[0])(np.array([0.0, 0.0]))
    array([ 0.5, -0.5])
    """
    x = asarray_any(x)
    x_max = cnp.max(x, axis=axis, keepdims=True)
    x_max = stop_gradient(cnp.where(cnp.isfinite(x_max), x_max, 0.0))
    shifted = cnp.subtract(x, x_max)
    with np.errstate(divide="ignore"):
        out = cnp.log(cnp.sum(cnp.exp(shifted), axis=axis, keepdims=True))
    return cnp.subtract(shifted, out)


# --- NumPy's logaddexp.reduce / logaddexp2.reduce on traced values -------------------------
def logaddexp_reduce(a, axis=0, dtype=None, keepdims=False, initial=np._NoValue, where=True,
                     base2=False):
    """``numpy.logaddexp.reduce`` (``logaddexp2`` with ``base2``) for traced values: the
    log-sum-exp along ``axis``, differentiable to any order."""
    if dtype is not None:
        a = cnp.astype(a, dtype)
    a = asarray_any(a)
    if base2:
        a = cnp.multiply(a, math.log(2.0))
    if where is not True:
        a = cnp.where(where, a, -np.inf)
    if axis is None:
        a, axis = cnp.ravel(a), 0
    out = logsumexp(a, axis=axis, keepdims=keepdims)
    if initial is not np._NoValue and initial is not None:
        init = initial * math.log(2.0) if base2 else initial
        out = _logaddexp(out, cnp.astype(asarray_any(init), cnp.result_type(out)))
    return cnp.divide(out, math.log(2.0)) if base2 else out


__all__ = sorted([*_UFUNCS, "psi", "jn", "polygamma", "multigammaln", "zeta", "spherical_jn",
                  "spherical_yn", "spherical_in", "spherical_kn", "lambertw", "sinc", "logsumexp",
                  "softmax", "log_softmax", "softplus"])
