"""Elementwise functions of chainrule.numpy: values, dtypes and types against NumPy, and
derivatives (both modes, second order) against finite differences."""

import numpy as np
import pytest
from numpy_testing import (assert_like_numpy, assert_same_as_numpy, check, rand, traced_value,
                           zero_tangent)

import chainrule as cr
import chainrule.numpy as cnp

SHAPES = [(), (1,), (3,), (2, 3), (0,)]
PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2)),
         ((0,), (1,)), ((1, 4), (3, 1))]

# name -> (lo, hi) of a domain where the function is smooth
UNARY = {
    "sin": (-3, 3), "cos": (-3, 3), "tan": (-1.2, 1.2), "arcsin": (-0.8, 0.8),
    "arccos": (-0.8, 0.8), "arctan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2),
    "tanh": (-2, 2), "arcsinh": (-3, 3), "arccosh": (1.2, 3), "arctanh": (-0.8, 0.8),
    "asin": (-0.8, 0.8), "acos": (-0.8, 0.8), "atan": (-3, 3), "asinh": (-3, 3),
    "acosh": (1.2, 3), "atanh": (-0.8, 0.8),
    "exp": (-2, 2), "exp2": (-2, 2), "expm1": (-2, 2), "log": (0.3, 3), "log2": (0.3, 3),
    "log10": (0.3, 3), "log1p": (-0.5, 2), "sqrt": (0.3, 3), "cbrt": (0.3, 2),
    "square": (-2, 2), "reciprocal": (0.5, 2), "abs": (0.2, 2), "absolute": (-2, -0.2),
    "fabs": (-2, -0.2), "negative": (-2, 2), "positive": (-2, 2), "deg2rad": (-90, 90),
    "rad2deg": (-2, 2), "radians": (-90, 90), "degrees": (-2, 2), "sinc": (-2, 2),
    "nan_to_num": (-2, 2), "real": (-2, 2), "imag": (-2, 2), "conjugate": (-2, 2),
    "conj": (-2, 2), "angle": (0.2, 2),
}
# zero derivative away from the jumps: checked with finite differences too
STEPS = {"floor": (0.1, 0.9), "ceil": (0.1, 0.9), "trunc": (0.1, 0.9), "rint": (0.1, 0.4),
         "fix": (-0.9, -0.1), "round": (0.1, 0.4), "around": (0.1, 0.4), "sign": (0.1, 2)}
PREDICATES_1 = ["isnan", "isinf", "isfinite", "signbit", "logical_not", "isposinf",
                "isneginf", "isreal", "iscomplex"]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY) + sorted(STEPS))
def test_unary(name, shape):
    lo, hi = UNARY.get(name) or STEPS[name]
    check(getattr(cnp, name), getattr(np, name), (rand(shape, lo, hi),))


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(STEPS))
def test_unary_python_scalar(name):
    lo, hi = UNARY.get(name) or STEPS[name]
    x = float(rand((), lo, hi, seed=3))
    assert_like_numpy(getattr(cnp, name)(x), getattr(np, name)(x))
    assert_like_numpy(traced_value(getattr(cnp, name), (x,)), getattr(np, name)(x),
                      exact_type=False)


@pytest.mark.parametrize("name", PREDICATES_1)
def test_unary_predicates(name):
    x = np.array([0.5, -1.0, np.inf, -np.inf, np.nan, 0.0])
    check(getattr(cnp, name), getattr(np, name), (x,), grads=False)
    zero_tangent(getattr(cnp, name), (x,))


@pytest.mark.parametrize("name", ["sin", "exp", "sqrt", "square", "abs", "sinc", "deg2rad",
                                  "reciprocal", "floor", "nan_to_num", "cbrt", "expm1"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_unary_keeps_dtype(name, dtype):
    x = rand((3,), 0.3, 1.5, dtype=dtype)
    check(getattr(cnp, name), getattr(np, name), (x,), rtol=1e-3, atol=1e-3, grads=False)


@pytest.mark.parametrize("name", ["sin", "exp", "square", "abs", "sign", "floor", "positive",
                                  "negative", "reciprocal", "cbrt", "sqrt", "deg2rad",
                                  "isnan", "logical_not"])
def test_unary_integer_input(name):
    x = np.array([1, 2, 4])
    check(getattr(cnp, name), getattr(np, name), (x,))


BINARY = {
    "add": ((-2, 2), (-2, 2)), "subtract": ((-2, 2), (-2, 2)),
    "multiply": ((-2, 2), (-2, 2)), "divide": ((-2, 2), (0.5, 2)),
    "true_divide": ((-2, 2), (0.5, 2)), "power": ((0.5, 2), (-1.5, 1.5)),
    "pow": ((0.5, 2), (-1.5, 1.5)), "float_power": ((0.5, 2), (-1.5, 1.5)),
    "maximum": ((-2, -0.1), (0.1, 2)), "minimum": ((0.1, 2), (-2, -0.1)),
    "fmax": ((0.1, 2), (-2, -0.1)), "fmin": ((-2, -0.1), (0.1, 2)),
    "arctan2": ((-2, 2), (0.5, 2)), "atan2": ((0.5, 2), (-2, -0.5)),
    "hypot": ((0.5, 2), (-2, -0.5)), "logaddexp": ((-2, 2), (-2, 2)),
    "logaddexp2": ((-2, 2), (-2, 2)), "remainder": ((0.1, 0.9), (1.1, 1.9)),
    "mod": ((2.1, 2.9), (1.1, 1.4)), "fmod": ((-0.9, -0.1), (1.1, 1.9)),
    "copysign": ((0.5, 2), (-2, -0.5)),
}
PREDICATES_2 = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                "logical_and", "logical_or", "logical_xor", "floor_divide", "heaviside",
                "nextafter"]


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name, shapes):
    (lo1, hi1), (lo2, hi2) = BINARY[name]
    args = (rand(shapes[0], lo1, hi1, seed=1), rand(shapes[1], lo2, hi2, seed=2))
    check(getattr(cnp, name), getattr(np, name), args)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_with_python_scalars(name):
    (lo1, hi1), (lo2, hi2) = BINARY[name]
    x, y = rand((3,), lo1, hi1, seed=4), float(rand((), lo2, hi2, seed=5))
    check(getattr(cnp, name), getattr(np, name), (x, y))
    check(getattr(cnp, name), getattr(np, name), (float(x[0]), rand((2,), lo2, hi2)))
    assert_like_numpy(getattr(cnp, name)(float(x[0]), y), getattr(np, name)(float(x[0]), y))


@pytest.mark.parametrize("name", ["add", "multiply", "divide", "power", "maximum", "hypot",
                                  "arctan2", "logaddexp", "remainder", "copysign"])
def test_binary_weak_python_scalar_keeps_float32(name):
    x = rand((3,), 0.5, 2, dtype=np.float32)
    check(getattr(cnp, name), getattr(np, name), (x, 1.5), rtol=1e-6, atol=1e-6, grads=False)
    check(getattr(cnp, name), getattr(np, name), (1.5, x), rtol=1e-6, atol=1e-6, grads=False)


@pytest.mark.parametrize("name", PREDICATES_2)
def test_binary_predicates(name):
    x = np.array([0.5, -1.0, 2.0, 2.0, np.nan])
    y = np.array([0.5, 1.0, 1.0, 3.0, 1.0])
    check(getattr(cnp, name), getattr(np, name), (x, y), grads=False)
    check(getattr(cnp, name), getattr(np, name), (x[:, None], y), grads=False)
    zero_tangent(getattr(cnp, name), (x, y))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
                                  "right_shift", "bitwise_left_shift", "bitwise_right_shift",
                                  "gcd", "lcm", "floor_divide", "remainder", "power",
                                  "maximum", "add"])
def test_integer_binary(name):
    x, y = np.array([12, 7, 5, 9]), np.array([[3], [2]])
    check(getattr(cnp, name), getattr(np, name), (x, y))


@pytest.mark.parametrize("name", ["invert", "bitwise_not", "bitwise_invert",
                                  "bitwise_count", "abs", "sign", "negative", "square"])
def test_integer_unary(name):
    check(getattr(cnp, name), getattr(np, name), (np.array([0, 5, -7, 12]),))


def test_logical_on_booleans():
    a, b = np.array([True, False, True]), np.array([[True], [False]])
    for name in ("logical_and", "logical_or", "logical_xor", "equal", "bitwise_and"):
        check(getattr(cnp, name), getattr(np, name), (a, b))
    check(cnp.logical_not, np.logical_not, (a,))


# --- special points ---------------------------------------------------------------------
def test_power_at_zero_base():
    x = np.array([0.0, 1.5, -2.0])
    check(cnp.power, np.power, (x, 2.0), diff=(0,))
    check(cnp.power, np.power, (x, 3), diff=(0,))
    assert cr.grad(lambda b: cnp.power(b, 2.0))(0.0) == 0.0
    assert cr.grad(cr.grad(lambda b: b ** 2.0))(0.0) == 2.0


def test_power_integer_exponent_array():
    check(cnp.power, np.power, (rand((3,), -2, 2), np.array([1, 2, 3])))


@pytest.mark.parametrize("name,half", [("maximum", 0.5), ("minimum", 0.5), ("fmax", 0.5),
                                       ("fmin", 0.5)])
def test_ties_split_the_derivative(name, half):
    f = getattr(cnp, name)
    gx, gy = cr.grad(lambda x, y: cnp.sum(f(x, y)), argnums=(0, 1))(np.ones(2), np.ones(2))
    np.testing.assert_array_equal(gx, [half, half])
    np.testing.assert_array_equal(gy, [half, half])


def test_fmax_fmin_ignore_nan():
    x = np.array([1.0, np.nan, np.nan, 2.0])
    y = np.array([np.nan, 3.0, np.nan, 1.0])
    for name in ("fmax", "fmin"):
        check(getattr(cnp, name), getattr(np, name), (x, y), grads=False)
        g = cr.grad(lambda a: cnp.sum(cnp.nan_to_num(getattr(cnp, name)(a, y))))(x)
        assert g[0] == 1.0 and g[1] == 0.0


@pytest.mark.parametrize("kwargs", [
    {"a_min": -1.0, "a_max": 1.0}, {"a_min": -0.5, "a_max": None},
    {"a_min": None, "a_max": 0.5}, {"min": -0.5, "max": 0.5}, {"min": -0.5},
    {"a_min": None, "a_max": None},
])
def test_clip(kwargs):
    check(cnp.clip, np.clip, (rand((2, 5), seed=7),), kwargs)


def test_clip_positional_and_array_bounds():
    x = rand((2, 5), seed=8)
    lo, hi = rand((5,), -2, -1, seed=9), rand((2, 1), 1, 2, seed=10)
    check(cnp.clip, np.clip, (x, lo, hi))
    check(cnp.clip, np.clip, (x.astype(np.float32), -1, 1), grads=False)
    check(cnp.clip, np.clip, (np.arange(6), 1, 4))


def test_clip_derivative_inside_outside_and_at_bound():
    g = cr.grad(lambda x: cnp.sum(cnp.clip(x, -1.0, 1.0)))(np.array([-2.0, 0.3, 1.0, 5.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.5, 0.0])


def test_sinc_exact_derivatives_at_zero():
    x = np.array([0.0, 1e-4, -0.3, 1.5])
    check(cnp.sinc, np.sinc, (x,))
    assert cr.grad(cnp.sinc)(0.0) == 0.0
    np.testing.assert_allclose(cr.grad(cr.grad(cnp.sinc))(0.0), -np.pi ** 2 / 3, rtol=1e-12)


def test_nan_to_num():
    x = np.array([np.nan, np.inf, -np.inf, 0.5, -2.0])
    check(cnp.nan_to_num, np.nan_to_num, (x,), grads=False)
    check(cnp.nan_to_num, np.nan_to_num, (x,), {"nan": 1.0, "posinf": 9.0, "neginf": -9.0},
          grads=False)
    check(cnp.nan_to_num, np.nan_to_num, (x.astype(np.float32),), grads=False)
    check(cnp.nan_to_num, np.nan_to_num, (np.array([np.nan + 1j, 2 - np.inf * 1j]),),
          grads=False)
    check(cnp.nan_to_num, np.nan_to_num, (np.array([1, 2]),))
    _, t = cr.jvp(cnp.nan_to_num, (x,), (np.ones(5),))
    np.testing.assert_array_equal(t, [0, 0, 0, 1, 1])


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((), (2,)), ((2, 1), (3,))],
                         ids=str)
def test_where(shapes):
    cond = rand(shapes[0], seed=11) > 0
    x, y = rand(shapes[1], seed=12), rand(shapes[1][-1:], seed=13)
    check(cnp.where, np.where, (cond, x, y))
    check(cnp.where, np.where, (cond, x, 0.5))
    check(cnp.where, np.where, (cond, 2, y))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_select_primitive_on_large_arrays_gives_numpy_where_bits(dtype):
    # Large selections take the bits of one operand or the other through integer masks
    # (NumPy's where branches on every element): the same bits as numpy.where, NaN
    # payloads, infinities and signed zeros included, for every operand form, eagerly,
    # compiled and in the gradient of a ReLU.
    from chainrule._src import lax
    rng = np.random.default_rng(14)
    shape = (64, 128)
    cond = rng.random(shape) > 0.5
    x = rng.standard_normal(shape).astype(dtype)
    y = rng.standard_normal(shape).astype(dtype)
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0], dtype)
    special[1] = np.frombuffer(special[0].tobytes(), special.dtype)[0]
    x.flat[:6], y.flat[6:12] = special, special
    x.flat[12] = np.frombuffer((np.frombuffer(special[0].tobytes(), np.uint8) | 1)
                               .tobytes(), dtype)[0]  # a NaN with a payload
    half = dtype(0.5)
    cases = [(x, y), (x, 0.0), (0.0, y), (x, -0.0), (x, half), (2, y), (x, np.float64(1.5)),
             (x, x[::-1]), (x.T.copy().T, y), (x[:, ::2].repeat(2, 1), y)]
    from chainrule._src.lax.elementwise import _select_bits
    assert all(_select_bits(cond, a, b) is not None for a, b in cases)
    for a, b in cases:
        expected = np.where(cond, a, b)
        for got in (lax.select(cond, a, b), cr.jit(lax.select)(cond, a, b)):
            assert got.dtype == expected.dtype and got.shape == expected.shape
            assert np.array_equal(got.view(np.uint8), expected.view(np.uint8))
    # Compiled code takes the integer masks too (the primitive's NumPy kernel), and a
    # small selection stays numpy.where.
    assert "_where(" not in cr.jit(lax.select).lower(cond, x, y).source
    assert "_where(" in cr.jit(lax.select).lower(cond[:2, :2], x[:2, :2], y[:2, :2]).source
    # Mixed dtypes promote as where does; small or broadcast operands keep where itself.
    for a, b, c in [(x, y.astype(np.float64), cond), (x[:4, :4], 1.0, cond[:4, :4]),
                    (x, y[0], cond), (x, y, cond[0])]:
        np.testing.assert_array_equal(lax.select(c, a, b), np.where(c, a, b))
        assert a is x or _select_bits(c, a, b) is None
    relu = lambda v: cnp.sum(cnp.where(v > 0, v, 0.0) * y[6:])  # noqa: E731
    g = cr.grad(relu)(x[6:].astype(np.float64))
    np.testing.assert_array_equal(g, np.where(x[6:] > 0, y[6:], 0.0))
    np.testing.assert_array_equal(cr.jit(cr.grad(relu))(x[6:].astype(np.float64)), g)


def test_where_single_argument_and_errors():
    c = np.array([[True, False], [False, True]])
    assert_like_numpy(cnp.where(c), np.where(c))
    with pytest.raises(ValueError, match="either both or neither"):
        cnp.where(c, 1.0)


def test_divmod_modf_frexp_ldexp():
    x, y = np.array([[0.3, 2.5, 4.1], [1.0, 3.3, 0.7]]), np.array([1.5, 1.2, 1.7])
    check(cnp.divmod, np.divmod, (x, y))
    check(cnp.modf, np.modf, (np.array([2.5, -1.25, 0.3, -0.7]),))
    check(cnp.modf, np.modf, (np.array([1, -2]),))
    check(cnp.frexp, np.frexp, (np.array([6.0, 0.7, -3.0, 0.3]),))
    check(cnp.frexp, np.frexp, (np.array([8.0, 0.0, np.inf]),), grads=False)
    check(cnp.frexp, np.frexp, (rand((2, 2), -5, 5, seed=17).astype(np.float32),), grads=False)
    check(cnp.ldexp, np.ldexp, (rand((3,), seed=18), np.array([1, -2, 3])))
    check(cnp.ldexp, np.ldexp, (rand((2, 3), seed=19), 2))
    check(cnp.spacing, np.spacing, (rand((3,), seed=20),), grads=False)
    zero_tangent(cnp.spacing, (rand((3,), seed=20),))


def test_rounding_decimals():
    x = np.array([1.234, -2.345, 0.5, 1.5])
    check(cnp.round, np.round, (x,), {"decimals": 1}, grads=False)
    check(cnp.around, np.around, (x, 2), grads=False)
    check(cnp.round, np.round, (np.array([123, 456]),), {"decimals": -1})
    zero_tangent(cnp.round, (x,))


def test_lists_are_accepted():
    check(cnp.sin, np.sin, ([0.1, 0.2],), grads=False)
    check(cnp.add, np.add, ([1.0, 2.0], [[3.0], [4.0]]), grads=False)
    assert_like_numpy(cnp.where([True, False], [1.0, 2.0], 0.0),
                      np.where([True, False], [1.0, 2.0], 0.0))


def test_complex_inputs_follow_numpy():
    z = np.array([1.0 + 2.0j, -0.5 + 0.1j])
    for name in ("real", "imag", "conjugate", "angle", "exp", "square", "abs", "isreal",
                 "iscomplex"):
        check(getattr(cnp, name), getattr(np, name), (z,), grads=False)
    check(lambda v: cnp.abs(v), np.abs, (z,), grads=False)
    # forward mode only: check_grads' reverse-mode test does not yet follow the complex
    # cotangent convention (it fails for every complex input, e.g. cnp.exp)
    cr.check_grads(lambda v: cnp.abs(cnp.exp(v)), (z,), order=2, modes=("fwd",))
    cr.check_grads(cnp.abs, (z,), order=2, modes=("fwd",))


def test_out_argument():
    # plain arrays: NumPy's behaviour; traced values: refused with a clear message
    out = np.zeros(2)
    cnp.clip(np.array([-2.0, 0.5]), 0, 1, out)
    np.testing.assert_array_equal(out, [0.0, 0.5])
    with pytest.raises(TypeError, match="does not support out="):
        cr.grad(lambda x: cnp.sum(cnp.clip(x, 0, 1, np.ones(2))))(np.ones(2))
    with pytest.raises(TypeError, match="does not support out="):
        cr.grad(lambda x: cnp.sum(cnp.round(x, out=np.ones(2))))(np.ones(2))


@pytest.mark.parametrize("shape", SHAPES)
def test_i0(shape):
    check(cnp.i0, np.i0, (rand(shape, -4.0, 4.0, seed=3),), order=3, exact_type=False)
    check(cnp.i0, np.i0, (np.arange(3),), exact_type=False)
    check(cnp.i0, np.i0, (rand(shape, seed=4).astype(np.float32),), rtol=1e-6, atol=1e-6,
          grads=False, exact_type=False)


def test_i0_derivatives_are_bessel_functions():
    import scipy.special as sp

    x = np.array([-30.0, -1.0, 0.0, 1e-9, 0.5, 2.0, 30.0])
    d1 = cr.vmap(cr.grad(cnp.i0))(x)
    np.testing.assert_allclose(d1, sp.i1(x), rtol=1e-14, atol=0)
    d2 = cr.vmap(cr.grad(cr.grad(cnp.i0)))(x)
    np.testing.assert_allclose(d2, (sp.i0(x) + sp.iv(2, x)) / 2, rtol=1e-14, atol=0)
    with pytest.raises(TypeError, match="complex"):
        cr.grad(lambda x: cnp.real(cnp.i0(x * 1j)))(1.0)


@pytest.mark.parametrize("kw", [{}, {"discont": 4.0}, {"axis": 0}, {"period": 360.0},
                                {"period": 6}])
def test_unwrap(kw):
    p = np.cumsum(rand((5, 6), -2.5, 2.5, seed=7), axis=kw.get("axis", -1))
    if kw.get("period") == 360.0:
        p = p * 100.0
    check(lambda p: cnp.unwrap(p, **kw), lambda p: np.unwrap(p, **kw), (p,))
    check(lambda p: cnp.unwrap(p, **kw), lambda p: np.unwrap(p, **kw),
          (np.array([0, 5, 10, 3, 9, 20]),))
    check(lambda p: cnp.unwrap(p, **kw), lambda p: np.unwrap(p, **kw), (np.zeros((2, 0)),))
    # the derivative is the identity
    g = cr.jacfwd(lambda p: cnp.unwrap(p, **kw))(p[0])
    np.testing.assert_array_equal(g, np.eye(6))


def test_ediff1d():
    x = rand((2, 3))
    check(cnp.ediff1d, np.ediff1d, (x,))
    check(cnp.ediff1d, np.ediff1d, (x, rand(2, seed=1), -1.0))
    check(lambda x, b: cnp.ediff1d(x, to_begin=b), lambda x, b: np.ediff1d(x, to_begin=b),
          (x, np.array([[1.0, 2.0]])))
    check(cnp.ediff1d, np.ediff1d, (np.arange(4), [9], [7]))
    check(cnp.ediff1d, np.ediff1d, (rand(1),))
    with pytest.raises(TypeError, match="same_kind"):
        cr.grad(lambda x: cnp.sum(cnp.ediff1d(x.astype(int), to_end=0.5)))(x)


def test_real_if_close():
    # Imaginary parts at the tolerance switch the result type: no derivative in them there.
    z = rand(3) + 1e-15j
    check(cnp.real_if_close, np.real_if_close, (z,), grads=False)
    g = cr.grad(lambda z: cnp.sum(cnp.real_if_close(z) ** 2))(z)
    np.testing.assert_allclose(g, 2 * z.real, rtol=1e-14)
    check(cnp.real_if_close, np.real_if_close, (rand(3) + 1e-3j,))
    check(cnp.real_if_close, np.real_if_close, (rand(3) + 1e-3j, 1e-2), diff=(0,))
    check(cnp.real_if_close, np.real_if_close, (rand(3),))


def test_binary_ufuncs_are_numpys_own_and_still_differentiate():
    assert cnp.add is np.add and cnp.less is np.less and cnp.true_divide is np.divide
    x = np.array([0.5, 2.0])
    assert type(cnp.multiply(x, x)) is np.ndarray
    # A traced argument reaches chainrule through __array_ufunc__, lists of tracers included.
    g = cr.grad(lambda v: cnp.sum(cnp.multiply([v[0], 2.0], cnp.hypot(v, 1.0))))(x)
    h = np.hypot(x, 1.0)
    np.testing.assert_allclose(g, [h[0] + x[0] ** 2 / h[0], 2.0 * x[1] / h[1]])
    with pytest.raises(TypeError, match="chainrule.numpy.array"):
        cr.grad(lambda t: cnp.sum(cnp.add([t, 1.0], 2.0)))(1.0)


@pytest.mark.parametrize("name,args", [
    ("where", (np.array([0.0, 1.5, -2.0]),)), ("where", (np.array([[True], [False]]),)),
    ("where", (np.array([True, False]), 1.0, np.float32(2.0))),
    ("where", (np.array([[True], [False]]), np.arange(3), 0.5)),
    ("spacing", (np.array([1.0, -0.0, np.inf], np.float32),)), ("spacing", (1.0,)),
    ("gcd", (np.array([12, 7]), 20)), ("lcm", (np.array([4, 6]), np.int32(10))),
    ("bitwise_count", (np.array([7, -1], np.int16),)), ("sin", ([0.5, 1],)),
    ("isnan", ((1.0, np.nan),)), ("floor", ([[1.5], [-0.5]],)), ("spacing", ([1.0, 2.0],)),
    ("gcd", ([12, 7], (20, 3))), ("ldexp", (np.array([1.0, 2.0]), [1, 2])),
    ("ldexp", ([0.5], 3)), ("ldexp", (np.float32(0.5), np.int8(3))),
], ids=lambda v: v if isinstance(v, str) else "")
def test_plain_inputs_give_numpys_result(name, args):
    assert_same_as_numpy(getattr(cnp, name)(*args), getattr(np, name)(*args))


def test_concrete_ufuncs_on_traced_values():
    x = rand((3,))
    g = cr.grad(lambda t: cnp.sum(t * cnp.spacing(t)))(x)
    np.testing.assert_array_equal(g, np.spacing(x))
    assert cr.grad(lambda t: t * cnp.gcd(12, 20))(1.0) == 4.0
    with pytest.raises(TypeError):
        cnp.spacing(x, x)  # out= is not taken positionally: arrays are never written into
