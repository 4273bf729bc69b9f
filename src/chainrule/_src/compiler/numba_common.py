"""What the Numba backend's two lowerings (arrays: ``numba_backend``, scalars:
``numba_scalar``) share: the error for an equation they cannot compile, the spelling of
dtypes and constants, NumPy's weak typing of Python scalars, and the ufunc table."""

from __future__ import annotations

import math

import numpy as np

from ..ir import Literal, Var


class NotLowerable(Exception):
    """An equation the Numba backend cannot compile; ``prim`` names its primitive."""

    def __init__(self, prim, reason="no Numba lowering"):
        super().__init__(f"{prim}: {reason}")
        self.prim = prim
        self.reason = reason


def dt_text(dtype):
    """The spelling of ``dtype`` in generated code."""
    return "np.bool_" if dtype == np.bool_ else f"np.{np.dtype(dtype).name}"


def float_text(v):
    if v != v:
        return "np.nan"
    if v in (math.inf, -math.inf):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(float(v))


def scalar_text(val, dtype):
    """Source text of the scalar ``val`` as a value of ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return repr(bool(val))
    if dtype.kind in "iu":
        return f"{dt_text(dtype)}({int(val)})" if dtype != np.int64 else repr(int(val))
    if dtype.kind == "f":
        text = float_text(float(val))
        return text if dtype == np.float64 else f"{dt_text(dtype)}({text})"
    if dtype.kind == "c":
        c = complex(val)
        return f"{dt_text(dtype)}(complex({float_text(c.real)}, {float_text(c.imag)}))"
    raise NotLowerable("constant", f"a constant of dtype {dtype}")


def is_weak(a):
    if type(a) is Literal:
        return type(a.val) in (bool, int, float, complex) or a.aval.weak_type
    return type(a) is Var and a.aval.weak_type


def weak_example(dtype):
    """A Python scalar of ``dtype``'s kind: NumPy promotes it weakly, like the value it
    stands for."""
    kind = np.dtype(dtype).kind
    return {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}.get(kind, 0.0)


class Names:
    """Fresh identifiers for one generated function."""

    def __init__(self):
        self.n = 0

    def __call__(self, prefix="t"):
        self.n += 1
        return f"{prefix}{self.n}"


UFUNCS = {
    # primitive: NumPy ufunc that Numba implements (checked against NumPy in
    # tests/test_numba_backend.py); bitwise_count and heaviside are missing from Numba.
    "abs": "absolute", "add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide",
    "neg": "negative", "pow": "power", "maximum": "maximum", "minimum": "minimum",
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "arcsin", "arccos": "arccos",
    "arctan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "arcsinh",
    "arccosh": "arccosh", "arctanh": "arctanh", "arctan2": "arctan2", "hypot": "hypot",
    "exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log", "log2": "log2",
    "log10": "log10", "log1p": "log1p", "logaddexp": "logaddexp", "logaddexp2": "logaddexp2",
    "sqrt": "sqrt", "nonneg_sqrt": "sqrt", "cbrt": "cbrt", "sign": "sign", "floor": "floor",
    "ceil": "ceil", "trunc": "trunc", "rint": "rint", "copysign": "copysign",
    "nextafter": "nextafter", "spacing": "spacing", "ldexp": "ldexp", "fmod": "fmod",
    "remainder": "remainder", "floor_divide": "floor_divide", "eq": "equal",
    "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater",
    "ge": "greater_equal", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "logical_not": "logical_not", "isnan": "isnan",
    "isinf": "isinf", "isfinite": "isfinite", "isposinf": "isposinf", "isneginf": "isneginf",
    "signbit": "signbit", "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or",
    "bitwise_xor": "bitwise_xor", "invert": "invert", "left_shift": "left_shift",
    "right_shift": "right_shift", "gcd": "gcd", "lcm": "lcm", "conj": "conjugate",
    "real": "real", "imag": "imag",
}
