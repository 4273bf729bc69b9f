"""Elementwise functions ("Mathematical functions", "Logic functions" in NumPy's docs)."""

from __future__ import annotations

import numpy as np

from .. import lax
from ..core import get_aval
from .fastpath import PLAIN_TYPES, numpy_fast_path

_DOC = """{summary}

Differentiable counterpart of :func:`numpy.{np_name}`, with NumPy broadcasting.{extra}
Outside every transform it calls the array library of its inputs directly.

Examples
--------
>>> import chainrule as cr, chainrule.numpy as cnp
>>> y = cnp.{name}({example})
"""


def _make(name, prim, nargs, summary, np_name=None, extra="", example=None):
    bind = prim.bind
    np_fn = getattr(np, np_name or name)
    if nargs == 1:
        def fn(x, /):
            if type(x) in PLAIN_TYPES:
                return np_fn(x)
            return bind(x)
    else:
        def fn(x1, x2, /):
            if type(x1) in PLAIN_TYPES and type(x2) in PLAIN_TYPES:
                return np_fn(x1, x2)
            return bind(x1, x2)
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "chainrule.numpy"
    if example is None:
        example = "0.5" if nargs == 1 else "0.5, 0.25"
    fn.__doc__ = _DOC.format(summary=summary, np_name=np_name or name, name=name,
                             extra=(" " + extra) if extra else "", example=example)
    return fn


_UNARY = {
    "sin": "Sine.", "cos": "Cosine.", "tan": "Tangent.", "arcsin": "Inverse sine.",
    "arccos": "Inverse cosine.", "arctan": "Inverse tangent.", "sinh": "Hyperbolic sine.",
    "cosh": "Hyperbolic cosine.", "tanh": "Hyperbolic tangent.",
    "arcsinh": "Inverse hyperbolic sine.", "arccosh": "Inverse hyperbolic cosine.",
    "arctanh": "Inverse hyperbolic tangent.", "exp": "Exponential.", "exp2": "2 to the power x.",
    "expm1": "exp(x) - 1, accurate near 0.", "log": "Natural logarithm.",
    "log2": "Base-2 logarithm.", "log10": "Base-10 logarithm.",
    "log1p": "log(1 + x), accurate near 0.", "sqrt": "Square root.", "cbrt": "Cube root.",
    "abs": "Absolute value.",
}
_UNARY_EXAMPLE = {"arccosh": "1.5"}
for _name, _summary in _UNARY.items():
    globals()[_name] = _make(_name, getattr(lax, f"{_name}_p"), 1, _summary,
                             np_name="absolute" if _name == "abs" else None,
                             example=_UNARY_EXAMPLE.get(_name))
absolute = _make("absolute", lax.abs_p, 1, "Absolute value.")
fabs = _make("fabs", lax.abs_p, 1, "Absolute value (floating point).")
negative = _make("negative", lax.neg_p, 1, "Numerical negative.")
arcsin_ = None

_BINARY = {
    "add": (lax.add_p, "Sum, elementwise."), "subtract": (lax.sub_p, "Difference, elementwise."),
    "multiply": (lax.mul_p, "Product, elementwise."),
    "divide": (lax.div_p, "True division, elementwise."),
    "true_divide": (lax.div_p, "True division, elementwise."),
    "power": (lax.pow_p, "First argument raised to the second, elementwise."),
    "maximum": (lax.maximum_p, "Elementwise maximum (propagates NaN); ties split the "
                               "derivative evenly."),
    "minimum": (lax.minimum_p, "Elementwise minimum (propagates NaN); ties split the "
                               "derivative evenly."),
    "arctan2": (lax.arctan2_p, "Angle of the point (x2, x1), in radians."),
    "hypot": (lax.hypot_p, "sqrt(x1**2 + x2**2) without overflow."),
    "logaddexp": (lax.logaddexp_p, "log(exp(x1) + exp(x2)) without overflow."),
    "logaddexp2": (lax.logaddexp2_p, "log2(2**x1 + 2**x2) without overflow."),
    "remainder": (lax.remainder_p, "Remainder of division with the sign of the divisor."),
    "mod": (lax.remainder_p, "Remainder of division with the sign of the divisor."),
    "fmod": (lax.fmod_p, "Remainder of division with the sign of the dividend (C fmod)."),
    "copysign": (lax.copysign_p, "Magnitude of x1 with the sign of x2."),
    "nextafter": (lax.nextafter_p, "Next floating-point value after x1 towards x2."),
}
for _name, (_prim, _summary) in _BINARY.items():
    globals()[_name] = _make(_name, _prim, 2, _summary)

_PREDICATES = {
    "equal": "eq", "not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt",
    "greater_equal": "ge", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or",
    "bitwise_xor": "bitwise_xor", "left_shift": "left_shift", "right_shift": "right_shift",
    "floor_divide": "floor_divide", "heaviside": "heaviside",
}
for _name, _prim in _PREDICATES.items():
    globals()[_name] = _make(_name, getattr(lax, f"{_prim}_p"), 2,
                             f"NumPy's {_name}, elementwise.", extra="It has no derivative.")
for _name in ("logical_not", "isnan", "isinf", "isfinite", "signbit", "floor", "ceil",
              "trunc", "rint", "sign", "invert", "isposinf", "isneginf"):
    globals()[_name] = _make(_name, getattr(lax, f"{_name}_p"), 1,
                             f"NumPy's {_name}, elementwise.",
                             extra="Its derivative is zero (or it has none).")
fix = _make("fix", lax.trunc_p, 1, "Round towards zero.", np_name="fix",
            extra="Its derivative is zero.")
bitwise_not = invert  # noqa: F821 - defined in the loop above


@numpy_fast_path(np.round)
def round(a, decimals=0):  # noqa: A001 - mirrors numpy.round
    """Round to ``decimals`` decimals (half to even).  Its derivative is zero.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.round(cnp.array([0.5, 1.26]), 1)
    array([0.5, 1.3])
    """
    return lax.round(a, decimals)


around = round


def positive(x, /):
    """Numerical positive: returns ``x`` unchanged (``+x``)."""
    return x


@numpy_fast_path(np.square, 1)
def square(x, /):
    """``x * x``, elementwise.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.square)(3.0)
    np.float64(6.0)
    """
    return lax.mul(x, x)


def reciprocal(x, /):
    """``1 / x``, elementwise (floating point)."""
    return lax.div(1.0, x)


@numpy_fast_path(np.float_power, 2)
def float_power(x1, x2, /):
    """``x1 ** x2`` computed in at least float64, like :func:`numpy.float_power`."""
    def up(x):
        d = get_aval(x).dtype
        return lax.convert_element_type(x, np.complex128 if d.kind == "c" else np.float64)
    return lax.pow(up(x1), up(x2))


@numpy_fast_path(np.deg2rad, 1)
def deg2rad(x, /):
    """Degrees to radians."""
    return lax.mul(x, np.pi / 180.0)


@numpy_fast_path(np.rad2deg, 1)
def rad2deg(x, /):
    """Radians to degrees."""
    return lax.mul(x, 180.0 / np.pi)


radians, degrees = deg2rad, rad2deg


@numpy_fast_path(np.fmax, 2)
def fmax(x1, x2, /):
    """Elementwise maximum that ignores NaN (returns the other argument)."""
    return lax.select(lax.isnan(x2), x1, lax.select(lax.isnan(x1), x2, lax.maximum(x1, x2)))


@numpy_fast_path(np.fmin, 2)
def fmin(x1, x2, /):
    """Elementwise minimum that ignores NaN (returns the other argument)."""
    return lax.select(lax.isnan(x2), x1, lax.select(lax.isnan(x1), x2, lax.minimum(x1, x2)))


@numpy_fast_path(np.clip, 1)
def clip(a, a_min=None, a_max=None):
    """Limit values to ``[a_min, a_max]``; the derivative is 1 inside, 0 outside.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.clip(cnp.array([-2.0, 0.5, 3.0]), -1, 1)
    array([-1. ,  0.5,  1. ])
    """
    if a_min is None and a_max is None:
        raise ValueError("clip: give at least one of a_min and a_max")
    out = a
    if a_min is not None:
        out = lax.maximum(out, a_min)
    if a_max is not None:
        out = lax.minimum(out, a_max)
    return out


@numpy_fast_path(np.sinc, 1)
def sinc(x, /):
    """Normalized sinc, ``sin(pi x) / (pi x)``, with its derivatives exact at 0.

    Near zero a Taylor polynomial is used so that every derivative is finite and exact.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> float(cr.grad(cr.grad(cnp.sinc))(0.0))  # -pi**2 / 3
    -3.289868133696453
    """
    small = lax.lt(lax.abs(x), 1e-3)
    safe = lax.select(small, 1.0, x)
    px = lax.mul(np.pi, safe)
    exact = lax.div(lax.sin(px), px)
    z = lax.mul(np.pi, x)
    z2 = lax.mul(z, z)
    # 1 - z^2/6 + z^4/120 - z^6/5040: error below 1e-22 for |x| < 1e-3.
    taylor = lax.add(1.0, lax.mul(z2, lax.add(-1 / 6, lax.mul(z2, lax.add(
        1 / 120, lax.mul(z2, -1 / 5040))))))
    return lax.select(small, taylor, exact)


@numpy_fast_path(np.nan_to_num, 1)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinities by finite numbers; the derivative there is zero.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.nan_to_num(cnp.array([cnp.nan, 1.0]))
    array([0., 1.])
    """
    dtype = get_aval(x).dtype
    if dtype.kind not in "fc":
        return x
    info = np.finfo(dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = lax.select(lax.isnan(x), nan, x)
    out = lax.select(lax.isposinf(x), posinf, out)
    return lax.select(lax.isneginf(x), neginf, out)


@numpy_fast_path(np.real, 1)
def real(val):
    """Real part."""
    return lax.real(val)


@numpy_fast_path(np.imag, 1)
def imag(val):
    """Imaginary part."""
    return lax.imag(val)


@numpy_fast_path(np.conjugate, 1)
def conjugate(x, /):
    """Complex conjugate."""
    return lax.conj(x)


conj = conjugate


def where(condition, x=None, y=None):
    """Choose from ``x`` where ``condition`` holds, else from ``y`` (differentiable in both).

    With only ``condition``, returns the indices where it is true (``nonzero``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.where(cnp.array([True, False]), 1.0, 2.0)
    array([1., 2.])
    """
    if x is None and y is None:
        return np.nonzero(np.asarray(condition))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    return lax.select(condition, x, y)


del _name, _summary, _prim, arcsin_
