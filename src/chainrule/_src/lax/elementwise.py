"""Elementwise primitives (NumPy broadcasting) and their rules."""

from __future__ import annotations

import numpy as np

from ..core import Primitive, ShapedArray, Zero, astype, get_aval, instantiate
from ..interpreters import jvp as _jvp_interp
from ..interpreters.linearize import is_undefined
from ._rules import (NEGATED, SAME, defbroadcasting_batch, defjvp, defjvp_scaled, deflinear,
                     defnondiff, elementwise, match_tangent, over, times, transpose_each,
                     unbroadcast)

# --- arithmetic -------------------------------------------------------------------------
add_p = elementwise("add")
sub_p = elementwise("sub", "subtract")
mul_p = elementwise("mul", "multiply")
div_p = elementwise("div", "true_divide")
neg_p = elementwise("neg", "negative")
add, sub, mul, div, neg = add_p.bind, sub_p.bind, mul_p.bind, div_p.bind, neg_p.bind

defjvp(add_p, SAME, SAME)
add_p.transpose = transpose_each(lambda ct, *_: ct, lambda ct, *_: ct)
defjvp(sub_p, SAME, NEGATED)
sub_p.transpose = transpose_each(lambda ct, *_: ct, lambda ct, *_: neg(ct))
defjvp(neg_p, NEGATED)
neg_p.transpose = transpose_each(lambda ct, *_: neg(ct))
defjvp_scaled(mul_p, lambda ans, x, y: y, lambda ans, x, y: x)
mul_p.transpose = transpose_each(lambda ct, x, y: mul(ct, y), lambda ct, x, y: mul(x, ct))


def _scaled_sum_impl(xp, *args):
    out = args[0] * args[1]
    for k in range(2, len(args), 2):
        out = out + args[k] * args[k + 1]
    return out


# a0*a1 + a2*a3 + ...: the tangent of a primitive with several differentiable arguments,
# recorded as one linear operation (each product has at most one tangent factor).
scaled_sum_p = elementwise("scaled_sum", impl=_scaled_sum_impl)


def scaled_sum(*args):
    """``args[0] * args[1] + args[2] * args[3] + ...`` (one product: plain ``mul``)."""
    if len(args) == 2:
        return mul(*args)
    if not args or len(args) % 2:
        raise ValueError("scaled_sum takes pairs of factors")
    return scaled_sum_p.bind(*args)


def _scaled_sum_jvp(primals, tangents):
    ans = scaled_sum_p.bind(*primals)
    terms = []
    for k in range(0, len(primals), 2):
        a, b = primals[k], primals[k + 1]
        ta, tb = tangents[k], tangents[k + 1]
        if type(ta) is not Zero:
            terms += (ta, b)
        if type(tb) is not Zero:
            terms += (a, tb)
    if not terms or get_aval(ans).dtype.kind not in "fc":
        return ans, Zero(get_aval(ans))
    return ans, match_tangent(scaled_sum(*terms), get_aval(ans))


def _scaled_sum_transpose(ct, *args):
    out = []
    for k in range(0, len(args), 2):
        a, b = args[k], args[k + 1]
        if is_undefined(a) and is_undefined(b):
            raise TypeError("scaled_sum is not linear in a product of two unknown factors")
        zero = type(ct) is Zero
        out.append(unbroadcast(mul(ct, b), a.aval) if is_undefined(a) and not zero else None)
        out.append(unbroadcast(mul(a, ct), b.aval) if is_undefined(b) and not zero else None)
    return out


scaled_sum_p.jvp = _scaled_sum_jvp
scaled_sum_p.transpose = _scaled_sum_transpose


def _scaled_sum_emit(eqn, atom, callee, namespace):
    # Generated code writes the products and sums inline, as the impl computes them.
    a = [atom(x) for x in eqn.inputs]
    terms = " + ".join(f"{a[k]} * {a[k + 1]}" for k in range(0, len(a), 2))
    return [f"{atom(eqn.outputs[0])} = {terms}"]


scaled_sum_p.emit = _scaled_sum_emit
# Rules compute everything that depends on primals first, so the recorded (linear) part
# is a single operation on the tangent.
defjvp(div_p, over(lambda ans, x, y: y), times(lambda ans, x, y: neg(div(ans, y))))
div_p.transpose = transpose_each(lambda ct, x, y: div(ct, y), None)

# --- comparisons and logic: boolean results, no derivative ----------------------------
def _nondiff(name, np_name=None):
    prim = defnondiff(elementwise(name, np_name))
    return prim, prim.bind


eq_p, eq = _nondiff("eq", "equal")
ne_p, ne = _nondiff("ne", "not_equal")
lt_p, lt = _nondiff("lt", "less")
le_p, le = _nondiff("le", "less_equal")
gt_p, gt = _nondiff("gt", "greater")
ge_p, ge = _nondiff("ge", "greater_equal")
logical_and_p, logical_and = _nondiff("logical_and")
logical_or_p, logical_or = _nondiff("logical_or")
logical_xor_p, logical_xor = _nondiff("logical_xor")
logical_not_p, logical_not = _nondiff("logical_not")
isnan_p, isnan = _nondiff("isnan")
isinf_p, isinf = _nondiff("isinf")
isfinite_p, isfinite = _nondiff("isfinite")
signbit_p, signbit = _nondiff("signbit")
floor_p, floor = _nondiff("floor")
ceil_p, ceil = _nondiff("ceil")
trunc_p, trunc = _nondiff("trunc")
rint_p, rint = _nondiff("rint")
sign_p, sign = _nondiff("sign")
bitwise_and_p, bitwise_and = _nondiff("bitwise_and")
bitwise_or_p, bitwise_or = _nondiff("bitwise_or")
bitwise_xor_p, bitwise_xor = _nondiff("bitwise_xor")
invert_p, invert = _nondiff("invert")
left_shift_p, left_shift = _nondiff("left_shift")
right_shift_p, right_shift = _nondiff("right_shift")
floor_divide_p, floor_divide = _nondiff("floor_divide")
heaviside_p, heaviside = _nondiff("heaviside")
isposinf_p, isposinf = _nondiff("isposinf")
isneginf_p, isneginf = _nondiff("isneginf")
gcd_p, gcd = _nondiff("gcd")
lcm_p, lcm = _nondiff("lcm")
spacing_p, spacing = _nondiff("spacing")
bitwise_count_p, bitwise_count = _nondiff("bitwise_count")

round_p = defnondiff(elementwise("round", impl=lambda xp, x, decimals=0: xp.round(x, decimals)))


def round(x, decimals=0):  # noqa: A001 - mirrors numpy.round
    return round_p.bind(x, decimals=decimals)


# --- transcendental functions ----------------------------------------------------------
def _unary(name, rule, np_name=None):
    prim = defjvp(elementwise(name, np_name), rule)
    return prim, prim.bind


exp_p, exp = _unary("exp", times(lambda ans, x: ans))
log_p, log = _unary("log", over(lambda ans, x: x))
sin_p, sin = _unary("sin", times(lambda ans, x: cos(x)))
cos_p, cos = _unary("cos", times(lambda ans, x: neg(sin(x))))
tan_p, tan = _unary("tan", times(lambda ans, x: add(1.0, mul(ans, ans))))
arcsin_p, arcsin = _unary("arcsin", over(lambda ans, x: sqrt(sub(1.0, mul(x, x)))))
arccos_p, arccos = _unary("arccos", over(lambda ans, x: neg(sqrt(sub(1.0, mul(x, x))))))
arctan_p, arctan = _unary("arctan", over(lambda ans, x: add(1.0, mul(x, x))))
sinh_p, sinh = _unary("sinh", times(lambda ans, x: cosh(x)))
cosh_p, cosh = _unary("cosh", times(lambda ans, x: sinh(x)))
tanh_p, tanh = _unary("tanh", times(lambda ans, x: sub(1.0, mul(ans, ans))))
arcsinh_p, arcsinh = _unary("arcsinh", over(lambda ans, x: sqrt(add(mul(x, x), 1.0))))
arccosh_p, arccosh = _unary("arccosh", over(lambda ans, x: sqrt(sub(mul(x, x), 1.0))))
arctanh_p, arctanh = _unary("arctanh", over(lambda ans, x: sub(1.0, mul(x, x))))
exp2_p, exp2 = _unary("exp2", times(lambda ans, x: mul(ans, np.log(2.0))))
expm1_p, expm1 = _unary("expm1", times(lambda ans, x: add(ans, 1.0)))
log2_p, log2 = _unary("log2", over(lambda ans, x: mul(x, np.log(2.0))))
log10_p, log10 = _unary("log10", over(lambda ans, x: mul(x, np.log(10.0))))
log1p_p, log1p = _unary("log1p", over(lambda ans, x: add(x, 1.0)))
sqrt_p, sqrt = _unary("sqrt", over(lambda ans, x: mul(2.0, ans)))
cbrt_p, cbrt = _unary("cbrt", over(lambda ans, x: mul(3.0, mul(ans, ans))))


def _abs_jvp(t, ans, x):
    if get_aval(x).dtype.kind == "c":  # d|z| = Re(conj(z) dz) / |z|
        return real(mul(t, _safe_ratio(conj(x), ans)))
    return mul(t, sign(x))


abs_p, abs = _unary("abs", _abs_jvp, "absolute")  # noqa: A001
abs_p.scaling = (times(lambda ans, x: sign(x)),)  # on real values, as _abs_jvp's last line


def _nonneg_sqrt_derivative(ans, s):
    # d sqrt(s) = ds / (2 sqrt(s)), taken as 0 where s == 0; both branches stay finite.
    pos = gt(ans, 0)
    return select(pos, div(0.5, select(pos, ans, 1.0)), 0.0)


# The square root of a value known to be >= 0 (a sum of squares, a variance), with
# derivative 0 where it is 0: the root in 2-norms and standard deviations. Unlike sqrt, its
# even powers are evaluated as powers of its argument under differentiation (see
# ``square_rules`` in interpreters/jvp.py), so norm(x) ** 2 has every derivative at 0.
nonneg_sqrt_p, nonneg_sqrt = _unary("nonneg_sqrt", times(_nonneg_sqrt_derivative), "sqrt")


def _abs_square(x):
    if get_aval(x).dtype.kind == "c":
        re, im = real(x), imag(x)
        return add(mul(re, re), mul(im, im))
    return mul(x, x)


def _even_exponent(base, y):
    """``y`` if it is an even integer >= 2 that keeps ``base``'s dtype, else None."""
    if type(y) not in (int, float):
        dtype = get_aval(base).dtype
        if (not isinstance(y, (np.ndarray, np.generic)) or y.ndim != 0
                or y.dtype.kind not in "iuf" or np.result_type(dtype, y.dtype) != dtype):
            return None
    v = float(y)
    return int(v) if v >= 2 and v % 2 == 0 else None




def _pow_derivative_base(ans, x, y):
    # y * x**(y-1), defined as 0 where y == 0: x ** 0 is the constant 1, so every derivative
    # of it is 0, at x == 0 too.
    if type(y) in (int, float):
        if y == 0:
            return 0.0
        return mul(y, pow(x, y - 1))  # x ** 3.0, s ** -1.5: no case to guard
    # Where y == 0 the unused branch sees x = 1, so it stays finite: a NaN there would come
    # back through select's transpose as 0 * NaN in higher reverse-mode derivatives.
    zero = eq(y, 0)
    return select(zero, 0.0, mul(y, pow(select(zero, 1.0, x), sub(y, 1))))


def _pow_derivative_exponent(ans, x, y):
    # log(x) * x**y. At x == 0 and y > 0 this, and every further derivative in y, is 0
    # (x**y vanishes faster than log(x) grows): x is replaced by 1 there, with x**y == 0.
    # Where x == 0 and y <= 0 the formula is kept: 0 ** y jumps at y == 0 (its derivative
    # from above is -inf) and is infinite for y < 0.
    y_real = real(y) if get_aval(y).dtype.kind == "c" else y
    vanishing = logical_and(eq(x, 0), gt(y_real, 0))
    return mul(ans, log(select(vanishing, 1.0, x)))


pow_p = defjvp(elementwise("pow", "power"), times(_pow_derivative_base),
               times(_pow_derivative_exponent))
pow = pow_p.bind  # noqa: A001

_jvp_interp.square_rules[abs_p] = _abs_square
_jvp_interp.square_rules[nonneg_sqrt_p] = lambda s: s
_jvp_interp.even_power_rules[pow_p] = _even_exponent
_jvp_interp.even_power_rules[mul_p] = lambda a, b: 2 if _jvp_interp.same_root(a, b) else None
_jvp_interp.pow_p = pow_p


def _chooser_weights(x, y, pick):
    """1 where ``pick(x, y)`` is strict, 1/2 at ties: ties split the derivative evenly."""
    return select(pick(x, y), 1.0, select(eq(x, y), 0.5, 0.0))


maximum_p = defjvp_scaled(elementwise("maximum"),
                          lambda ans, x, y: _chooser_weights(x, y, gt),
                          lambda ans, x, y: _chooser_weights(y, x, gt))
minimum_p = defjvp_scaled(elementwise("minimum"),
                          lambda ans, x, y: _chooser_weights(x, y, lt),
                          lambda ans, x, y: _chooser_weights(y, x, lt))
maximum, minimum = maximum_p.bind, minimum_p.bind


def _atan2_denominator(y, x):
    return add(mul(x, x), mul(y, y))


arctan2_p = defjvp_scaled(elementwise("arctan2"),
                          lambda ans, y, x: div(x, _atan2_denominator(y, x)),
                          lambda ans, y, x: neg(div(y, _atan2_denominator(y, x))))
arctan2 = arctan2_p.bind


def _safe_ratio(num, den):
    """num / den, defined as 0 where den == 0 (points where a norm is not differentiable)."""
    zero = eq(den, 0)
    return select(zero, 0.0, div(num, select(zero, 1.0, den)))


hypot_p = defjvp_scaled(elementwise("hypot"),
                        lambda ans, x, y: _safe_ratio(x, ans),
                        lambda ans, x, y: _safe_ratio(y, ans))
hypot = hypot_p.bind
# hypot(x, y) ** 2 is evaluated as x * x + y * y under differentiation (see abs).
_jvp_interp.square_rules[hypot_p] = lambda x, y: add(mul(x, x), mul(y, y))

logaddexp_p = defjvp_scaled(elementwise("logaddexp"),
                            lambda ans, x, y: exp(sub(x, ans)),
                            lambda ans, x, y: exp(sub(y, ans)))
logaddexp2_p = defjvp_scaled(elementwise("logaddexp2"),
                             lambda ans, x, y: exp2(sub(x, ans)),
                             lambda ans, x, y: exp2(sub(y, ans)))
logaddexp, logaddexp2 = logaddexp_p.bind, logaddexp2_p.bind

# x - y * floor(x / y) and x - y * trunc(x / y): derivative 1 in x, -floor / -trunc in y.
remainder_p = defjvp(elementwise("remainder"), SAME,
                     times(lambda ans, x, y: neg(floor(div(x, y)))))
fmod_p = defjvp(elementwise("fmod"), SAME, times(lambda ans, x, y: neg(trunc(div(x, y)))))
remainder, fmod = remainder_p.bind, fmod_p.bind

copysign_p = defjvp(elementwise("copysign"),
                    times(lambda ans, x, y: mul(sign(x), select(signbit(y), -1.0, 1.0))),
                    None)
copysign = copysign_p.bind

nextafter_p = defnondiff(elementwise("nextafter"))
nextafter = nextafter_p.bind

# x1 * 2**x2 for integer x2: exact, and linear in x1.
ldexp_p = deflinear(elementwise("ldexp"), linear_argnums=(0,), transpose=transpose_each(
    lambda ct, x1, x2: ldexp(ct, x2), None))
ldexp = ldexp_p.bind
# The integer exponent of frexp (the mantissa is then ldexp(x, -exponent)).
frexp_exponent_p = defnondiff(elementwise("frexp_exponent",
                                          impl=lambda xp, x: xp.frexp(x)[1]))
frexp_exponent = frexp_exponent_p.bind

# --- selection ------------------------------------------------------------------------
select_p = elementwise("select", "where")
_where_impl = select_p.impl

# NumPy's where branches on every element: on a mask it cannot predict (a ReLU's, over a
# layer's activations) it runs about ten times slower than arithmetic.  Taking the bits
# of one value or the other through an integer mask is branch-free and gives the same
# bits (NaN payloads and signed zeros included).
_BLEND_INTS = {8: np.int64, 4: np.int32, 2: np.int16}
_BLEND_MIN_SIZE = 4096
_BLEND_SCALARS = frozenset({float, int, np.float64, np.float32, np.float16})


def _select_bits(cond, x, y):
    """``numpy.where(cond, x, y)`` by integer masks, for a large boolean ``cond`` and real
    floating ``x`` and ``y`` of its shape (or 0-d); None where that does not apply."""
    if type(cond) is not np.ndarray or cond.dtype != np.bool_ or cond.size < _BLEND_MIN_SIZE \
            or 0 in cond.strides:
        return None
    for v in (x, y):
        if type(v) is np.ndarray:
            if v.ndim and (v.shape != cond.shape or 0 in v.strides):
                return None  # broadcasting (and broadcast views) keep NumPy's where
        elif type(v) not in _BLEND_SCALARS:
            return None
    dtype = np.result_type(x, y)
    ints = _BLEND_INTS.get(dtype.itemsize) if dtype.kind == "f" else None
    if ints is None:
        return None
    xb, yb = np.asarray(x, dtype).view(ints), np.asarray(y, dtype).view(ints)
    mask = cond.astype(ints)
    np.negative(mask, out=mask)  # all bits set where cond holds
    if yb.ndim == 0 and not yb:  # where(cond, x, 0.0): a ReLU
        out = np.bitwise_and(xb, mask, out=mask)
    elif xb.ndim == 0 and not xb:  # where(cond, 0.0, y)
        out = np.bitwise_and(yb, np.invert(mask, out=mask), out=mask)
    else:  # y ^ ((x ^ y) & mask)
        out = np.bitwise_and(np.bitwise_xor(xb, yb), mask, out=mask)
        np.bitwise_xor(out, yb, out=out)
    return out.view(dtype)


def _select_impl(xp, cond, x, y):
    if xp is np:
        out = _select_bits(cond, x, y)
        if out is not None:
            return out
    return _where_impl(xp, cond, x, y)


def _select_kernel(eqn):
    """Compiled code (``Primitive.numpy_kernel``): the integer-mask selection for a large
    floating result, ``numpy.where`` otherwise (a 0-d one is then a conditional expression
    and its result counts as a fresh array: see the code generator)."""
    out = eqn.outputs[0].aval
    if out.dtype.kind != "f" or int(np.prod(out.shape)) < _BLEND_MIN_SIZE:
        return None

    def select_large(cond, x, y):
        out = _select_bits(cond, x, y)
        return np.where(cond, x, y) if out is None else out
    return select_large


select_p.impl = _select_impl
select_p.numpy_kernel = _select_kernel


def select(cond, x, y):
    """``where(cond, x, y)`` as a primitive: linear in ``x`` and ``y``."""
    return select_p.bind(cond, x, y)


def _select_jvp(primals, tangents):
    cond, x, y = primals
    ans = select_p.bind(cond, x, y)
    _, tx, ty = tangents
    if type(tx) is Zero and type(ty) is Zero:
        return ans, Zero(get_aval(ans))
    return ans, select_p.bind(cond, instantiate(tx), instantiate(ty))


select_p.jvp = _select_jvp
select_p.transpose = transpose_each(None, lambda ct, c, x, y: select(c, ct, 0.0),
                                    lambda ct, c, x, y: select(c, 0.0, ct))

# --- dtypes and complex parts ---------------------------------------------------------
convert_element_type_p = Primitive("convert_element_type")
convert_element_type_p.impl = lambda xp, x, dtype: astype(xp, xp.asarray(x), dtype)
convert_element_type_p.abstract_eval = lambda a, dtype: ShapedArray(a.shape, dtype)


def convert_element_type(x, dtype):
    return convert_element_type_p.bind(x, dtype=np.dtype(dtype))


def _convert_jvp(primals, tangents, dtype):
    (x,), (t,) = primals, tangents
    ans = convert_element_type(x, dtype)
    if type(t) is Zero or dtype.kind not in "fc":
        return ans, Zero(get_aval(ans))
    return ans, convert_element_type(t, dtype)


def _convert_transpose(ct, x, dtype):
    if not is_undefined(x) or type(ct) is Zero:
        return [None]
    if get_aval(ct).dtype.kind == "c" and x.aval.dtype.kind != "c":
        ct = real(ct)
    return [convert_element_type(ct, x.aval.dtype)]


convert_element_type_p.jvp = _convert_jvp
convert_element_type_p.transpose = _convert_transpose
defbroadcasting_batch(convert_element_type_p)

real_p = deflinear(elementwise("real"))
imag_p = deflinear(elementwise("imag"))
conj_p = deflinear(elementwise("conj"))  # xp.conj: Dask has no conjugate
real, imag, conj = real_p.bind, imag_p.bind, conj_p.bind


def _complex_like(ct, aval, factor):
    if aval.dtype.kind != "c":
        return ct if factor == 1 else mul(ct, 0.0)
    return mul(convert_element_type(ct, aval.dtype), factor)


real_p.transpose = lambda ct, x: [_complex_like(ct, x.aval, 1)]
imag_p.transpose = lambda ct, x: [_complex_like(ct, x.aval, -1j)]
conj_p.transpose = lambda ct, x: [unbroadcast(conj(ct), x.aval)]

# --- stop_gradient ---------------------------------------------------------------------
stop_gradient_p = Primitive("stop_gradient")
stop_gradient_p.impl = lambda xp, x: x
stop_gradient_p.abstract_eval = lambda a: a
# The primal output is stopped again on the rule's trace, so an enclosing derivative (the
# second of ``grad(grad(f))``) sees a constant too: the derivative is zero at every order.
stop_gradient_p.jvp = lambda primals, tangents: (stop_gradient_p.bind(primals[0]),
                                                 Zero(get_aval(primals[0])))
defbroadcasting_batch(stop_gradient_p)

# --- modified Bessel functions of the first kind ----------------------------------------


def special_functions(xp, prim):
    """SciPy's special functions for ``xp``'s arrays (CuPy's own for CuPy)."""
    if xp.__name__.startswith("cupy"):
        import cupyx.scipy.special as special
    elif xp.__name__ == "numpy":
        import scipy.special as special
    else:
        raise NotImplementedError(
            f"primitive {prim!r} needs scipy.special, which does not work on "
            f"{xp.__name__} arrays; convert the input to NumPy (or CuPy) arrays first")
    return special


def _bessel_i_impl(xp, x, order):
    if order == 0 and hasattr(xp, "i0"):
        return xp.i0(x)  # NumPy's own i0, so that chainrule.numpy.i0 matches it exactly
    if xp.__name__.startswith("dask"):  # blockwise SciPy keeps the graph lazy
        import scipy.special

        dtype = scipy.special.iv(order, np.zeros(1, x.dtype)).dtype
        return x.map_blocks(lambda block: scipy.special.iv(order, block), dtype=dtype)
    return special_functions(xp, "bessel_i").iv(order, x)


# A primitive (not a series or Chebyshev expansion in chainrule operations): the library
# routines are accurate to a few ulps over the whole range, and the recurrence
# I_n' = (I_(n-1) + I_(n+1)) / 2 (I_-1 = I_1) differentiates them exactly to any order.
bessel_i_p = elementwise("bessel_i", impl=_bessel_i_impl)


def bessel_i(x, order):
    """The modified Bessel function of the first kind ``I_order(x)`` (``order >= 0``)."""
    return bessel_i_p.bind(x, order=int(order))


def _bessel_i_derivative(ans, x, order):
    if order == 0:
        return bessel_i(x, 1)
    return mul(add(bessel_i(x, order - 1), bessel_i(x, order + 1)), 0.5)


defjvp(bessel_i_p, times(_bessel_i_derivative))

# --- facts for jit's passes (see ``Primitive``) -----------------------------------------
# Exactly commutative in IEEE arithmetic too: ``x * y`` and ``y * x`` are one value.
for _p in (add_p, mul_p, maximum_p, minimum_p, hypot_p, logaddexp_p, logaddexp2_p, eq_p, ne_p,
           logical_and_p, logical_or_p, logical_xor_p, bitwise_and_p, bitwise_or_p,
           bitwise_xor_p):
    _p.commutative = True
scaled_sum_p.allocates = True

# Spellings in numexpr, with the operand dtypes for which numexpr gives NumPy's result to
# rounding (special values included; ``tests/test_fusion.py``): see ``fusion.py``.
_F64, _F32, _C128 = np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.complex128)
_REAL, _ALL, _BOOL = (_F64, _F32), (_F64, _F32, _C128), (np.dtype(bool),)
for _p in (sin_p, cos_p, tan_p, arcsin_p, arccos_p, arctan_p, sinh_p, cosh_p, tanh_p, arcsinh_p,
           arccosh_p, arctanh_p, exp_p, expm1_p, log_p, log1p_p, log10_p, sqrt_p, abs_p):
    _p.numexpr = ("fn", _p.name, _REAL)
add_p.numexpr, sub_p.numexpr = ("op", "+", _ALL), ("op", "-", _ALL)
mul_p.numexpr, div_p.numexpr = ("op", "*", _REAL), ("op", "/", _REAL)
pow_p.numexpr, neg_p.numexpr = ("op", "**", _REAL), ("neg", "-", _ALL)
arctan2_p.numexpr, select_p.numexpr = ("fn", "arctan2", _REAL), ("where", "where", _ALL)
eq_p.numexpr, ne_p.numexpr = ("cmp", "==", _ALL), ("cmp", "!=", _ALL)
lt_p.numexpr, le_p.numexpr = ("cmp", "<", _REAL), ("cmp", "<=", _REAL)
gt_p.numexpr, ge_p.numexpr = ("cmp", ">", _REAL), ("cmp", ">=", _REAL)
logical_and_p.numexpr, logical_or_p.numexpr = ("op", "&", _BOOL), ("op", "|", _BOOL)
logical_not_p.numexpr = ("not", "~", _BOOL)
scaled_sum_p.numexpr = ("sumprod", None, _REAL)

# Cost per element of each operation on one thread, as (NumPy ns, numexpr time / NumPy time),
# measured at 10^5-10^6 elements, best of several rounds (AMD EPYC with AVX-512, NumPy 2.4,
# numexpr 2.14; see docs/design/transforms.md).  NumPy's arithmetic and its exp, log,
# tanh... are SIMD loops that numexpr's interpreter and scalar libm calls do not match;
# float64 sin and cos are libm calls in both.  On one thread numexpr is slower for every
# tree; it pays through its threads.  Only relative sizes matter much: they weigh the
# operations of a tree against each other and against the fixed costs in ``fusion.py``.
# Operations not listed cost ``fusion._COST_DEFAULT``.
_COSTS = (
    (sin_p, (7.3, 1.04), (0.48, 7.4)), (cos_p, (7.3, 1.04), (0.48, 7.2)),
    (tan_p, (1.0, 8.3), None), (arcsin_p, (1.0, 9.4), None), (arccos_p, (0.9, 11.0), None),
    (arctan_p, (0.9, 8.7), None), (sinh_p, (0.85, 11.0), None), (cosh_p, (0.75, 9.5), None),
    (tanh_p, (1.1, 13.0), None), (arcsinh_p, (1.3, 13.0), None),
    (arccosh_p, (1.4, 5.9), None), (arctanh_p, (0.9, 20.0), None),
    (exp_p, (0.73, 4.5), (0.32, 4.7)), (expm1_p, (0.93, 7.1), None),
    (log_p, (0.66, 3.9), None), (log1p_p, (0.92, 7.3), None), (log10_p, (0.72, 7.1), None),
    (sqrt_p, (0.91, 2.1), (0.27, 4.1)), (abs_p, (0.23, 7.6), None),
    (pow_p, (1.3, 6.2), None), (arctan2_p, (1.4, 7.5), None), (div_p, (0.24, 3.5), None),
    (neg_p, (0.07, 3.2), None), (select_p, (1.0, 1.0), (0.35, 1.2)),
)
for _p, _f64, _f32 in _COSTS:
    _p.fusion_cost = {_F64: _f64, **({_F32: _f32} if _f32 else {})}
