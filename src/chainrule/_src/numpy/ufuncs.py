"""Elementwise functions ("Mathematical functions", "Logic functions" in NumPy's docs).

Every NumPy ufunc on real numbers is here.  Each one broadcasts like NumPy; on plain arrays
and numbers it calls NumPy directly (the fast path), otherwise it binds a primitive or
composes a few, so that it can be differentiated.
"""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import is_tracer
from ._util import NoValue, asarray_any, concrete, dtype_of, given, no_out
from .fastpath import (PLAIN_OR_NONE, PLAIN_TYPES, SEQUENCE_TYPES, numpy_fast_path,
                       plain_sequence)
from .manipulation import astype, concatenate, diff, ravel
from .passthrough import ndim, shape
from .reductions import cumsum

_ND = np.ndarray

_DOC = """{summary}

Differentiable counterpart of :func:`numpy.{np_name}`, with NumPy broadcasting.{extra}

Examples
--------
>>> import chainrule.numpy as cnp
>>> cnp.{name}({example})
{result}
"""


def _document(fn, name, summary, np_name, extra, example):
    result = repr(eval(f"_np.{np_name}({example})", {"_np": np}))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _DOC.format(summary=summary, np_name=np_name, name=name,
                             extra=(" " + extra) if extra else "", example=example,
                             result=result)
    return fn


def _make(name, prim, summary, np_name=None, extra="", example=None):
    """A chainrule unary ufunc: NumPy's function on plain inputs, ``prim`` otherwise.

    (Binary ufuncs are NumPy's own objects: see ``_make_binary``.)"""
    bind = prim.bind
    np_name = np_name or name
    np_fn = getattr(np, np_name)
    # The identity test for ndarray first: this check is all the fast path costs.
    nd, plain, seqs = np.ndarray, PLAIN_TYPES, SEQUENCE_TYPES

    def fn(x, /):
        if type(x) is nd or type(x) in plain or type(x) in seqs and plain_sequence(x):
            return np_fn(x)
        if is_tracer(x):  # traced values need no conversion
            return bind(x)
        return bind(asarray_any(x))
    return _document(fn, name, summary, np_name, extra, "0.5" if example is None else example)


# The traced implementation of each binary ufunc that ``chainrule.numpy`` exports as NumPy's
# own ufunc object, keyed by that ufunc.  Exporting the ufunc itself makes the plain-array
# call exactly NumPy's (a Python wrapper costs about 100 ns, half of NumPy's own time on a
# small array); traced values reach these functions through ``Tracer.__array_ufunc__`` and
# the tracer operators.
TRACED_UFUNCS: dict = {}


def _make_binary(name, prim, np_name=None):
    """NumPy's ufunc ``name``, its traced counterpart binding ``prim`` registered."""
    bind = prim.bind
    np_fn = getattr(np, np_name or name)

    def traced(x1, x2, /):
        return bind(asarray_any(x1), asarray_any(x2))
    traced.__name__ = traced.__qualname__ = name
    TRACED_UFUNCS[np_fn] = traced
    return np_fn


def _traced_ufunc(np_fn):
    """Export NumPy's binary ufunc ``np_fn`` itself; the decorated function is its traced
    implementation (see ``TRACED_UFUNCS``)."""
    def decorate(fn):
        TRACED_UFUNCS[np_fn] = fn
        return np_fn
    return decorate


def _plain(*xs):
    return all(type(x) in PLAIN_TYPES or x is None for x in xs)


# --- differentiable unary ufuncs ----------------------------------------------------------
_UNARY = {
    "sin": "Trigonometric sine.", "cos": "Trigonometric cosine.",
    "tan": "Trigonometric tangent.", "arcsin": "Inverse sine.",
    "arccos": "Inverse cosine.", "arctan": "Inverse tangent.", "sinh": "Hyperbolic sine.",
    "cosh": "Hyperbolic cosine.", "tanh": "Hyperbolic tangent.",
    "arcsinh": "Inverse hyperbolic sine.", "arccosh": "Inverse hyperbolic cosine.",
    "arctanh": "Inverse hyperbolic tangent.", "exp": "Exponential.",
    "exp2": "2 to the power x.", "expm1": "exp(x) - 1, accurate near 0.",
    "log": "Natural logarithm.", "log2": "Base-2 logarithm.", "log10": "Base-10 logarithm.",
    "log1p": "log(1 + x), accurate near 0.", "sqrt": "Square root.", "cbrt": "Cube root.",
}
_EXAMPLES = {"arccosh": "1.5"}
for _name, _summary in _UNARY.items():
    globals()[_name] = _make(_name, getattr(lax, f"{_name}_p"), _summary,
                             example=_EXAMPLES.get(_name))
absolute = _make("absolute", lax.abs_p, "Absolute value; the derivative at 0 is 0.",
                 example="-0.5")
abs = absolute  # noqa: A001 - mirrors numpy.abs
fabs = _make("fabs", lax.abs_p, "Absolute value (floating point); the derivative at 0 "
             "is 0.", example="-0.5")
negative = _make("negative", lax.neg_p, "Numerical negative.")

# --- binary ufuncs: NumPy's own objects (see TRACED_UFUNCS) -----------------------------
_BINARY = {
    "add": lax.add_p, "subtract": lax.sub_p, "multiply": lax.mul_p, "divide": lax.div_p,
    "power": lax.pow_p, "maximum": lax.maximum_p, "minimum": lax.minimum_p,
    "arctan2": lax.arctan2_p, "hypot": lax.hypot_p, "logaddexp": lax.logaddexp_p,
    "logaddexp2": lax.logaddexp2_p, "remainder": lax.remainder_p, "fmod": lax.fmod_p,
    "copysign": lax.copysign_p,
}
for _name, _prim in _BINARY.items():
    globals()[_name] = _make_binary(_name, _prim)
true_divide = divide  # noqa: F821 - defined in the loop above
mod = remainder  # noqa: F821
nextafter = _make_binary("nextafter", lax.nextafter_p)

# --- comparisons, logic, bit operations: no derivative ------------------------------------
_PREDICATES = {
    "equal": "eq", "not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt",
    "greater_equal": "ge", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or",
    "bitwise_xor": "bitwise_xor", "left_shift": "left_shift", "right_shift": "right_shift",
    "floor_divide": "floor_divide", "heaviside": "heaviside",
}
for _name, _prim in _PREDICATES.items():
    globals()[_name] = _make_binary(_name, getattr(lax, f"{_prim}_p"))
_ROUNDING = {"floor": "Round down (towards -inf).", "ceil": "Round up (towards +inf).",
             "trunc": "Round towards zero.", "rint": "Round to the nearest integer.",
             "sign": "Sign (-1, 0 or 1)."}
for _name, _summary in _ROUNDING.items():
    globals()[_name] = _make(_name, getattr(lax, f"{_name}_p"), _summary,
                             extra="Its derivative is zero.", example="-1.5")
fix = _make("fix", lax.trunc_p, "Round towards zero.", extra="Its derivative is zero.",
            example="-1.5")
for _name in ("logical_not", "isnan", "isinf", "isfinite", "signbit", "isposinf", "isneginf"):
    globals()[_name] = _make(_name, getattr(lax, f"{_name}_p"),
                             f"NumPy's ``{_name}``, elementwise.", extra="It has no derivative.")
invert = _make("invert", lax.invert_p, "Bitwise NOT.", extra="It has no derivative.",
               example="5")
bitwise_not = bitwise_invert = invert

# Array API names.
acos, asin, atan, atan2 = arccos, arcsin, arctan, arctan2  # noqa: F821
acosh, asinh, atanh, pow = arccosh, arcsinh, arctanh, power  # noqa: F821, A001
bitwise_left_shift, bitwise_right_shift = left_shift, right_shift  # noqa: F821


# --- composed elementwise functions -----------------------------------------------------
@numpy_fast_path(np.round)
def round(a, decimals=0, out=None):  # noqa: A001 - mirrors numpy.round
    """Round to ``decimals`` decimals (half to even).  Its derivative is zero.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.round(cnp.array([0.5, 1.26]), 1)
    array([0.5, 1.3])
    """
    no_out(out, "round")
    return lax.round(asarray_any(a), decimals=int(decimals))


around = round


@numpy_fast_path(np.positive)
def positive(x, /):
    """Numerical positive: ``+x``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.positive(cnp.array([-1.0, 2.0]))
    array([-1.,  2.])
    """
    return asarray_any(x)


@numpy_fast_path(np.square)
def square(x, /):
    """``x * x``, elementwise.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.square)(3.0)
    np.float64(6.0)
    """
    x = asarray_any(x)
    return lax.mul(x, x)


@numpy_fast_path(np.reciprocal)
def reciprocal(x, /):
    """``1 / x``, elementwise (for integers, truncated towards zero as in NumPy).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.reciprocal)(2.0)
    np.float64(-0.25)
    """
    x = asarray_any(x)
    dtype = dtype_of(x)
    if dtype.kind in "fc":
        return lax.div(np.ones((), dtype), x)
    return lax.convert_element_type(lax.trunc(lax.div(1.0, x)), dtype)


@_traced_ufunc(np.float_power)
def float_power(x1, x2, /):
    """``x1 ** x2`` computed in at least float64, like :func:`numpy.float_power`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.float_power(cnp.float32(2.0), 3)
    np.float64(8.0)
    """
    def up(x):
        x = asarray_any(x)
        return lax.convert_element_type(
            x, np.complex128 if dtype_of(x).kind == "c" else np.float64)
    return lax.pow(up(x1), up(x2))


@numpy_fast_path(np.deg2rad)
def deg2rad(x, /):
    """Degrees to radians.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.deg2rad(180.0)
    np.float64(3.141592653589793)
    """
    return lax.mul(asarray_any(x), np.pi / 180.0)


@numpy_fast_path(np.rad2deg)
def rad2deg(x, /):
    """Radians to degrees.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.rad2deg(cnp.pi)
    np.float64(180.0)
    """
    return lax.mul(asarray_any(x), 180.0 / np.pi)


radians, degrees = deg2rad, rad2deg


@_traced_ufunc(np.fmax)
def fmax(x1, x2, /):
    """Elementwise maximum that ignores NaN (returns the other argument).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fmax(cnp.array([1.0, cnp.nan]), 0.5)
    array([1. , 0.5])
    """
    x1, x2 = asarray_any(x1), asarray_any(x2)
    best = lax.select(lax.isnan(x1), x2, lax.maximum(x1, x2))
    return lax.select(lax.isnan(x2), x1, best)


@_traced_ufunc(np.fmin)
def fmin(x1, x2, /):
    """Elementwise minimum that ignores NaN (returns the other argument).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.fmin(cnp.array([1.0, cnp.nan]), 0.5)
    array([0.5, 0.5])
    """
    x1, x2 = asarray_any(x1), asarray_any(x2)
    best = lax.select(lax.isnan(x1), x2, lax.minimum(x1, x2))
    return lax.select(lax.isnan(x2), x1, best)


def clip(a, a_min=NoValue, a_max=NoValue, out=None, *, min=NoValue, max=NoValue):  # noqa: A002
    """Limit values to ``[a_min, a_max]``; the derivative is 1 inside, 0 outside (and 1/2
    exactly at a bound).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.clip(cnp.array([-2.0, 0.5, 3.0]), -1, 1)
    array([-1. ,  0.5,  1. ])
    """
    if out is None and min is NoValue and max is NoValue and (
            type(a) is _ND or type(a) in PLAIN_TYPES or plain_sequence(a)) and (
            type(a_min) is _ND or type(a_min) in PLAIN_OR_NONE or plain_sequence(a_min)) and (
            type(a_max) is _ND or type(a_max) in PLAIN_OR_NONE or plain_sequence(a_max)):
        return np.clip(a, a_min, a_max)  # no keywords for NumPy to parse
    lo = a_min if given(a_min) else (min if given(min) else None)
    hi = a_max if given(a_max) else (max if given(max) else None)
    if _plain(a, lo, hi, out):
        return np.clip(a, lo, hi, out=out)
    no_out(out, "clip")
    out = asarray_any(a)
    if lo is not None:
        out = lax.maximum(out, asarray_any(lo))
    if hi is not None:
        out = lax.minimum(out, asarray_any(hi))
    return out


@numpy_fast_path(np.sinc)
def sinc(x):
    """Normalized sinc, ``sin(pi x) / (pi x)``, with its derivatives exact at 0.

    Near zero a Taylor polynomial is used so that every derivative is finite and exact.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> float(cr.grad(cr.grad(cnp.sinc))(0.0))  # -pi**2 / 3
    -3.289868133696453
    """
    x = asarray_any(x)
    small = lax.lt(lax.abs(x), 1e-3)
    px = lax.mul(np.pi, lax.select(small, 1.0, x))
    exact = lax.div(lax.sin(px), px)
    z2 = lax.mul(lax.mul(np.pi, x), lax.mul(np.pi, x))
    # 1 - z^2/6 + z^4/120 - z^6/5040: error below 1e-22 for |x| < 1e-3.
    taylor = lax.add(1.0, lax.mul(z2, lax.add(-1 / 6, lax.mul(z2, lax.add(
        1 / 120, lax.mul(z2, -1 / 5040))))))
    return lax.select(small, taylor, exact)


@numpy_fast_path(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinities by finite numbers; the derivative there is zero.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.nan_to_num(cnp.array([cnp.nan, 1.0, -cnp.inf]), neginf=-9.0)
    array([ 0.,  1., -9.])
    """
    x = asarray_any(x)
    dtype = dtype_of(x)
    if dtype.kind == "c":
        parts = [nan_to_num(p, copy, nan, posinf, neginf) for p in (lax.real(x), lax.imag(x))]
        return lax.add(lax.convert_element_type(parts[0], dtype), lax.mul(parts[1], 1j))
    if dtype.kind != "f":
        return x
    info = np.finfo(dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = lax.select(lax.isnan(x), np.asarray(nan, dtype), x)
    out = lax.select(lax.isposinf(x), np.asarray(posinf, dtype), out)
    return lax.select(lax.isneginf(x), np.asarray(neginf, dtype), out)


@numpy_fast_path(np.real)
def real(val):
    """Real part.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.real(cnp.array([1.0 + 2.0j]))
    array([1.])
    """
    return lax.real(asarray_any(val))


@numpy_fast_path(np.imag)
def imag(val):
    """Imaginary part.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.imag(cnp.array([1.0 + 2.0j]))
    array([2.])
    """
    return lax.imag(asarray_any(val))


@numpy_fast_path(np.conjugate)
def conjugate(x, /):
    """Complex conjugate.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.conjugate(cnp.array([1.0 + 2.0j]))
    array([1.-2.j])
    """
    return lax.conj(asarray_any(x))


conj = conjugate


@numpy_fast_path(np.angle)
def angle(z, deg=False):
    """Angle of complex numbers (``arctan2(imag, real)``), in radians or degrees.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.angle(1j, deg=True)
    np.float64(90.0)
    """
    z = asarray_any(z)
    out = lax.arctan2(lax.imag(z), lax.real(z))
    return lax.mul(out, 180.0 / np.pi) if deg else out


@numpy_fast_path(np.isreal)
def isreal(x):
    """Elementwise: whether the imaginary part is zero (no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.isreal(cnp.array([1.0 + 0j, 1j]))
    array([ True, False])
    """
    return lax.eq(lax.imag(asarray_any(x)), 0)


@numpy_fast_path(np.iscomplex)
def iscomplex(x):
    """Elementwise: whether the imaginary part is nonzero (no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.iscomplex(cnp.array([1.0 + 0j, 1j]))
    array([False,  True])
    """
    return lax.ne(lax.imag(asarray_any(x)), 0)


def where(condition, x=NoValue, y=NoValue, /):
    """Choose from ``x`` where ``condition`` holds, else from ``y`` (differentiable in both).

    With only ``condition``, returns the indices where it is true (like ``nonzero``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.where(cnp.array([True, False]), 1.0, 2.0)
    array([1., 2.])
    """
    if type(condition) is _ND or type(condition) in PLAIN_TYPES or plain_sequence(condition):
        if x is NoValue:
            if y is NoValue:
                return np.where(condition)
        elif (type(x) is _ND or type(x) in PLAIN_TYPES or plain_sequence(x)) and (
                type(y) is _ND or type(y) in PLAIN_TYPES or plain_sequence(y)):
            return np.where(condition, x, y)
    if not given(x) and not given(y):
        return np.nonzero(concrete(condition, "where"))
    if not given(x) or not given(y):
        raise ValueError("either both or neither of x and y should be given")
    return lax.select(asarray_any(condition), asarray_any(x), asarray_any(y))


# --- ufuncs with two results, and ones defined on integers or bit patterns -----------------
@_traced_ufunc(np.divmod)
def divmod(x1, x2, /):  # noqa: A001 - mirrors numpy.divmod
    """``(floor_divide(x1, x2), remainder(x1, x2))``; the quotient has no derivative.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.divmod(cnp.array([7.0, -7.0]), 2.0)
    (array([ 3., -4.]), array([1., 1.]))
    """
    x1, x2 = asarray_any(x1), asarray_any(x2)
    return lax.floor_divide(x1, x2), lax.remainder(x1, x2)


@numpy_fast_path(np.modf)
def modf(x, /):
    """Fractional and integral parts, both with the sign of ``x``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.modf(cnp.array([2.5, -1.25]))
    (array([ 0.5 , -0.25]), array([ 2., -1.]))
    """
    x = asarray_any(x)
    if dtype_of(x).kind not in "fc":
        x = lax.convert_element_type(x, np.float64)
    whole = lax.trunc(x)
    return lax.sub(x, whole), whole


@numpy_fast_path(np.frexp)
def frexp(x, /):
    """Mantissa in [0.5, 1) and integer exponent, ``x = mantissa * 2**exponent``.

    The mantissa is differentiable (its derivative is ``2**-exponent``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.frexp(cnp.array([8.0, 0.75]))
    (array([0.5 , 0.75]), array([4, 0], dtype=int32))
    """
    x = asarray_any(x)
    if dtype_of(x).kind != "f":
        x = lax.convert_element_type(x, np.float64)
    exponent = lax.frexp_exponent(x)
    return lax.ldexp(x, lax.neg(exponent)), exponent


def ldexp(x1, x2, /):
    """``x1 * 2**x2`` for integer ``x2``; differentiable in ``x1``.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.ldexp(cnp.array([0.5, 3.0]), cnp.array([1, 2]))
    array([ 1., 12.])
    """
    if (type(x1) is _ND or type(x1) in PLAIN_TYPES or plain_sequence(x1)) and (
            type(x2) is _ND or type(x2) in PLAIN_TYPES or plain_sequence(x2)):
        return np.ldexp(x1, x2)
    x1 = asarray_any(x1)
    if dtype_of(x2).kind not in "iub":
        raise TypeError(f"ldexp: the exponent must be an integer, got dtype {dtype_of(x2)}")
    if dtype_of(x1).kind != "f":
        x1 = lax.convert_element_type(x1, np.float64)
    return lax.ldexp(x1, asarray_any(x2))


def _nondiff_ufunc(np_fn, prim, summary, example):
    """A ufunc with an integer or zero derivative: NumPy's on plain inputs, the
    (non-differentiable) primitive ``prim`` on traced ones."""
    nd, plain = np.ndarray, PLAIN_TYPES
    if np_fn.nin == 1:
        def fn(x, /):
            if type(x) is nd or type(x) in plain or plain_sequence(x):
                return np_fn(x)
            return prim.bind(asarray_any(x))
    else:
        def fn(x1, x2, /):
            if (type(x1) is nd or type(x1) in plain or plain_sequence(x1)) and (
                    type(x2) is nd or type(x2) in plain or plain_sequence(x2)):
                return np_fn(x1, x2)
            return prim.bind(asarray_any(x1), asarray_any(x2))
    return _document(fn, np_fn.__name__, summary, np_fn.__name__, "It has no derivative.",
                     example)


spacing = _nondiff_ufunc(np.spacing, lax.spacing_p,
                         "Distance to the next larger floating-point number.", "1.0")
gcd = _nondiff_ufunc(np.gcd, lax.gcd_p, "Greatest common divisor of integers.", "12, 20")
lcm = _nondiff_ufunc(np.lcm, lax.lcm_p, "Least common multiple of integers.", "4, 6")
bitwise_count = _nondiff_ufunc(np.bitwise_count, lax.bitwise_count_p,
                               "Number of 1 bits in integers.", "7")

# --- special functions, phase unwrapping, differences ------------------------------------
@numpy_fast_path(np.i0)
def i0(x):
    """Modified Bessel function of the first kind, order 0, ``I0(x)`` (NumPy's values).

    Its derivative is ``I1(x)``, whose derivative is ``(I0(x) + I2(x)) / 2``, and so on:
    exact to any order.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.i0(cnp.array([0.0, 1.0]))
    array([1.        , 1.26606588])
    >>> float(cr.grad(cnp.i0)(1.0))  # I1(1)
    0.56515910399
    """
    x = asarray_any(x)
    if dtype_of(x).kind == "c":
        raise TypeError("i0 not supported for complex values")
    return lax.bessel_i(x, 0)


@numpy_fast_path(np.unwrap)
def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """Unwrap a phase: wherever consecutive values along ``axis`` jump by more than
    ``max(discont, period / 2)``, add the multiple of ``period`` that makes the jump
    smaller.

    The corrections are piecewise constant, so the derivative is the identity (wherever
    no jump sits exactly on the threshold).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.unwrap(cnp.array([0.0, 3.0, 6.0, 2.0]))
    array([0.        , 3.        , 6.        , 8.28318531])
    """
    p = asarray_any(p)
    dd = diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(np.zeros((), dtype_of(dd)), period)
    if np.issubdtype(dtype, np.integer):
        high, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = period / 2, True
    low = -high
    ddmod = mod(dd - low, period) + low
    if ambiguous:
        # A jump of exactly half a period counts as +period/2 when the step went up.
        ddmod = where((ddmod == low) & (dd > 0), high, ddmod)
    correction = where(abs(dd) < discont, 0, ddmod - dd)
    axis = axis % ndim(p)
    n = shape(p)[axis]
    head = astype(lax.slice_axis(p, axis, 0, min(n, 1)), dtype)
    tail = lax.slice_axis(p, axis, min(n, 1), n) + cumsum(correction, axis=axis)
    return concatenate([head, astype(tail, dtype)], axis=axis)


def _cast(x, dtype):
    return x if dtype_of(x) == dtype else lax.convert_element_type(x, dtype)


@numpy_fast_path(np.ediff1d, ("ary",), optional=("to_end", "to_begin"))
def ediff1d(ary, to_end=None, to_begin=None):
    """Differences between consecutive elements of the flattened ``ary``, with ``to_begin``
    and ``to_end`` put around them (cast to ``ary``'s dtype, which they must fit).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.ediff1d(cnp.array([1.0, 4.0, 9.0]), to_begin=-1.0)
    array([-1.,  3.,  5.])
    """
    ary = ravel(asarray_any(ary))
    dtype = dtype_of(ary)
    parts = []
    for name, extra in (("to_begin", to_begin), ("to_end", to_end)):
        if extra is None:
            parts.append(None)
            continue
        extra = ravel(asarray_any(extra))
        if not np.can_cast(dtype_of(extra), dtype, casting="same_kind"):
            raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the "
                            "`same_kind` rule.")
        parts.append(_cast(extra, dtype))
    if dtype.kind == "b":
        raise TypeError("ediff1d: boolean input has no differences; subtraction of booleans "
                        "is not supported (convert to integers first)")
    d = _cast(lax.sub(ary[1:], ary[:-1]), dtype)
    pieces = [x for x in (parts[0], d, parts[1]) if x is not None]
    return pieces[0] if len(pieces) == 1 else concatenate(pieces)


@numpy_fast_path(np.real_if_close)
def real_if_close(a, tol=100):
    """The real part of a complex ``a`` whose imaginary parts are all within ``tol`` machine
    epsilons of zero (``tol`` itself if ``tol < 1``); otherwise ``a`` unchanged.  Which case
    applies is read from the current values.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.real_if_close(cnp.array([2.0 + 1e-15j, 1.0 - 1e-16j]))
    array([2., 1.])
    """
    a = asarray_any(a)
    dtype = dtype_of(a)
    if dtype.kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(dtype).eps * tol
    if np.all(np.absolute(np.imag(concrete(
            a, "real_if_close", "whether its result is real or complex depends on them"))) < tol):
        return lax.real(a)
    return a


__all__ = sorted(
    list(_UNARY) + list(_BINARY) + list(_PREDICATES) + list(_ROUNDING) + [
        "abs", "absolute", "fabs", "negative", "true_divide", "mod", "nextafter", "fix",
        "i0", "unwrap", "ediff1d", "real_if_close",
        "logical_not", "isnan", "isinf", "isfinite", "signbit", "isposinf", "isneginf",
        "invert", "bitwise_not", "bitwise_invert", "acos", "asin", "atan", "atan2", "acosh",
        "asinh", "atanh", "pow", "bitwise_left_shift", "bitwise_right_shift", "round",
        "around", "positive", "square", "reciprocal", "float_power", "deg2rad", "rad2deg",
        "radians", "degrees", "fmax", "fmin", "clip", "sinc", "nan_to_num", "real", "imag",
        "conjugate", "conj", "angle", "isreal", "iscomplex", "where", "divmod", "modf",
        "frexp", "ldexp", "spacing", "gcd", "lcm", "bitwise_count"])
del _name, _summary, _prim
