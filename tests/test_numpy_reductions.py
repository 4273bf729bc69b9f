"""Reductions of chainrule.numpy: values against NumPy (axis, keepdims, dtype, where,
initial, ddof), derivatives against finite differences, ties and zeros."""

import numpy as np
import pytest
from numpy_testing import (assert_like_numpy, assert_same_as_numpy, check, rand, traced_value,
                           zero_tangent)

import chainrule as cr
import chainrule.numpy as cnp

X3 = rand((2, 3, 4), 0.5, 2.0)
AXES = [None, 0, 1, -1, (0, 2), (), (-1, 0)]
SMOOTH = ["sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "ptp"]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", SMOOTH)
def test_reduction_axes(name, axis, keepdims):
    order = 1 if name in ("max", "min", "amax", "amin", "ptp") else 2
    check(getattr(cnp, name), getattr(np, name), (X3,), {"axis": axis, "keepdims": keepdims},
          order=order)


@pytest.mark.parametrize("shape", [(), (1,), (5,), (1, 1), (3, 1)], ids=str)
@pytest.mark.parametrize("name", SMOOTH)
def test_reduction_small_shapes(name, shape):
    check(getattr(cnp, name), getattr(np, name), (rand(shape, 0.5, 2.0, seed=1),))


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std"])
def test_python_scalar_and_list(name):
    assert_like_numpy(getattr(cnp, name)(2.5), getattr(np, name)(2.5))
    check(getattr(cnp, name), getattr(np, name), ([[1.0, 2.0], [3.0, 5.0]],), {"axis": 0})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", ["sum", "prod", "mean"])
def test_empty(name):
    with np.errstate(all="ignore"):
        grads = name != "mean"  # the mean of nothing is NaN
        for axis in (0, 1, None):
            check(getattr(cnp, name), getattr(np, name), (np.ones((0, 3)),), {"axis": axis},
                  grads=grads)


def test_extrema_of_empty_raise():
    for name in ("max", "min"):
        with pytest.raises(ValueError, match="zero-size array"):
            cr.grad(lambda x: getattr(cnp, name)(x, axis=0).sum())(np.ones((0, 2)))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.uint8])
@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "max", "min",
                                  "cumsum", "cumprod", "argmax", "all", "any"])
def test_integer_and_boolean_inputs(name, dtype):
    x = np.array([[1, 0, 3], [2, 2, 1]]).astype(dtype)
    check(getattr(cnp, name), getattr(np, name), (x,))
    check(getattr(cnp, name), getattr(np, name), (x,), {"axis": 1})


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "prod", "cumsum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_low_precision_keeps_dtype(name, dtype):
    x = rand((3, 4), 0.5, 2.0, seed=2, dtype=dtype)
    check(getattr(cnp, name), getattr(np, name), (x,), {"axis": 0}, rtol=2e-3, atol=2e-3,
          grads=False)


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "cumsum", "cumprod", "var"])
def test_dtype_argument(name):
    check(getattr(cnp, name), getattr(np, name), (X3,), {"dtype": np.float32}, rtol=1e-6,
          atol=1e-6, grads=False)
    check(getattr(cnp, name), getattr(np, name), (np.arange(1, 5),), {"dtype": float})


@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("name", ["var", "std"])
def test_ddof(name, ddof):
    check(getattr(cnp, name), getattr(np, name), (X3,), {"ddof": ddof, "axis": 1})
    check(getattr(cnp, name), getattr(np, name), (X3,), {"correction": ddof})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_ddof_too_large_gives_numpy_inf_nan():
    with np.errstate(all="ignore"):
        check(cnp.var, np.var, (np.array([1.0, 2.0]),), {"ddof": 2}, grads=False)
        check(cnp.std, np.std, (np.array([[1.0], [2.0]]),), {"ddof": 1, "axis": 1}, grads=False)


def test_var_complex_and_given_mean():
    z = np.array([1 + 2j, -0.5 + 1j, 2 - 1j])
    check(cnp.var, np.var, (z,), grads=False)
    m = np.mean(X3, axis=1, keepdims=True)
    check(cnp.var, np.var, (X3,), {"axis": 1, "mean": m})
    check(cnp.std, np.std, (X3,), {"axis": 1, "mean": m})


WHERE = rand((2, 3, 4), seed=3) > -0.5


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "all", "any"])
def test_where(name):
    check(getattr(cnp, name), getattr(np, name), (X3,), {"where": WHERE, "axis": 1})
    check(getattr(cnp, name), getattr(np, name), (X3,), {"where": WHERE[0, :, :1]})


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min"])
def test_initial(name):
    check(getattr(cnp, name), getattr(np, name), (X3,), {"initial": 1.5, "axis": 0}, order=1)
    check(getattr(cnp, name), getattr(np, name), (X3,),
          {"initial": 1.5, "where": WHERE, "axis": (0, 1)}, order=1)
    check(getattr(cnp, name), getattr(np, name), (np.ones((0, 2)),), {"initial": 3.0, "axis": 0})


def test_extremum_where_needs_initial():
    with pytest.raises(ValueError, match="does not have an identity"):
        cnp.max(cr.numpy.ones(3), where=np.array([True, False, True]))
    with pytest.raises(ValueError, match="does not have an identity"):
        cr.grad(lambda x: cnp.max(x, where=np.array([True, False, True])))(np.ones(3))


@pytest.mark.parametrize("name,expected", [("max", [0, 0.5, 0.5]), ("min", [1.0, 0, 0]),
                                           ("amax", [0, 0.5, 0.5])])
def test_ties_share_the_derivative(name, expected):
    x = np.array([1.0, 3.0, 3.0])
    np.testing.assert_array_equal(cr.grad(getattr(cnp, name))(x), expected)
    _, t = cr.jvp(getattr(cnp, name), (x,), (np.array([1.0, 2.0, 4.0]),))
    assert t == {"max": 3.0, "amax": 3.0, "min": 1.0}[name]
    # In single precision too, compiled and under vmap, with the dtype kept.
    x32 = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], np.float32)
    g = cr.jit(cr.vmap(cr.grad(getattr(cnp, name))))(x32)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.array([expected, [1 / 3] * 3], np.float32))
    # In half precision past 2048 ties (a count half precision cannot hold exactly).
    g16 = cr.grad(lambda x: getattr(cnp, name)(x).astype(np.float32))(np.ones(2049, np.float16))
    assert g16.dtype == np.float16
    np.testing.assert_array_equal(g16, np.float16(1 / 2049))


@pytest.mark.parametrize("x", [np.array([0.0, 2.0, 3.0]), np.array([0.0, 2.0, 0.0]),
                               np.array([[0.0, 1.5], [2.0, 0.5], [0.0, 0.0]])], ids=str)
def test_prod_with_zeros(x):
    check(cnp.prod, np.prod, (x,))
    check(cnp.prod, np.prod, (x,), {"axis": 0})


def test_prod_gradient_with_one_zero_is_exact():
    np.testing.assert_array_equal(cr.grad(cnp.prod)(np.array([0.0, 2.0, 3.0])), [6, 0, 0])
    np.testing.assert_array_equal(cr.grad(cnp.prod)(np.array([0.0, 2.0, 0.0])), [0, 0, 0])
    h = cr.hessian(cnp.prod)(np.array([0.0, 2.0, 0.0]))
    np.testing.assert_array_equal(h, [[0, 0, 2], [0, 0, 0], [2, 0, 0]])



def _nested(f, order, jac):
    for _ in range(order):
        f = jac(f)
    return f


@pytest.mark.parametrize("x", [np.array([0.0, 2.0, 3.0]), np.array([1.0, 0.0, 0.0, 2.0, -1.5]),
                               np.array([0.5, 2.0, -3.0, 0.0])], ids=str)
@pytest.mark.parametrize("name", ["prod", "cumprod"])
def test_prod_cumprod_derivatives_at_zeros_under_jit_and_vmap(name, x):
    # Under jit and vmap the values are not known when the derivative is built, so it
    # cannot depend on whether they contain zeros: it must be exact with them, at every order.
    w = np.arange(1.0, len(x) + 1)
    f = {"prod": cnp.prod, "cumprod": lambda x: cnp.sum(w * cnp.cumprod(x))}[name]
    f_np = {"prod": np.prod, "cumprod": lambda x: np.sum(w * np.cumprod(x))}[name]
    for order in (1, 2, 3):
        want = _nested(f, order, cr.jacfwd)(x)  # eager: exact at zeros
        for got in (cr.jit(_nested(f, order, cr.jacrev))(x),
                    cr.jit(_nested(f, order, cr.jacfwd))(x),
                    cr.vmap(_nested(f, order, cr.jacrev))(x[None])[0]):
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    # Against the polynomial's exact gradient: d/dx_j of sum_i w_i prod_{k<=i} x_k.
    exact = [sum(w[i] * np.prod(np.delete(x[:i + 1], j)) for i in range(j, len(x)))
             for j in range(len(x))] if name == "cumprod" else \
        [np.prod(np.delete(x, j)) for j in range(len(x))]
    np.testing.assert_allclose(cr.jit(cr.grad(f))(x), exact, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(f(x), f_np(x))

@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name, axis, keepdims):
    x = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])  # ties: the first index wins
    check(getattr(cnp, name), getattr(np, name), (x,), {"axis": axis, "keepdims": keepdims})
    zero_tangent(getattr(cnp, name), (x,), {"axis": axis})


def test_argmax_empty_raises():
    with pytest.raises(ValueError, match="empty sequence"):
        cr.jvp(cnp.argmax, (np.ones(0),), (np.ones(0),))


@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=str)
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(name, axis):
    x = np.array([[True, False, True], [True, True, True]])
    check(getattr(cnp, name), getattr(np, name), (x,), {"axis": axis})
    check(getattr(cnp, name), getattr(np, name), (x,), {"axis": axis, "keepdims": True})
    check(getattr(cnp, name), getattr(np, name), (X3 - 1,), {"axis": axis})
    zero_tangent(getattr(cnp, name), (X3,), {"axis": axis})


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1], ids=str)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative(name, axis):
    check(getattr(cnp, name), getattr(np, name), (X3,), {"axis": axis})


@pytest.mark.parametrize("x", [np.array([1.5, 0.0, 2.0, 0.5]), np.array([0.0, 0.0, 3.0]),
                               np.array([[0.0, 2.0, 0.0], [1.0, 2.0, 3.0]])], ids=str)
def test_cumprod_with_zeros(x):
    check(cnp.cumprod, np.cumprod, (x,), {"axis": -1})


def test_cumulative_small_shapes():
    for name in ("cumsum", "cumprod"):
        check(getattr(cnp, name), getattr(np, name), (2.5,))
        check(getattr(cnp, name), getattr(np, name), (np.ones(0),))
        check(getattr(cnp, name), getattr(np, name), (rand((1, 3), seed=4),), {"axis": 0})


@pytest.mark.parametrize("include_initial", [False, True])
@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
def test_array_api_cumulative(name, include_initial):
    kw = {"include_initial": include_initial}
    check(getattr(cnp, name), getattr(np, name), (rand((4,), seed=5),), kw)
    check(getattr(cnp, name), getattr(np, name), (X3,), {"axis": 1, **kw})
    with pytest.raises(ValueError, match="axis"):
        cr.grad(lambda x: cnp.sum(getattr(cnp, name)(x)))(X3)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": 0, "keepdims": True},
                                    {"weights": rand((2, 3, 4), 0.5, 1, seed=6)},
                                    {"weights": rand((3,), 0.5, 1, seed=7), "axis": 1},
                                    {"weights": rand((4,), 0.5, 1, seed=8), "axis": -1,
                                     "returned": True}], ids=str)
def test_average(kwargs):
    check(cnp.average, np.average, (X3,), kwargs)
    assert_same_as_numpy(cnp.average(X3, **kwargs), np.average(X3, **kwargs))
    assert_same_as_numpy(cnp.average(X3.astype(np.float32), **kwargs),
                         np.average(X3.astype(np.float32), **kwargs))


def test_average_of_plain_values_is_numpys():
    assert_same_as_numpy(cnp.average(2.0), np.average(2.0))
    assert_same_as_numpy(cnp.average(np.arange(4)), np.average(np.arange(4)))
    assert_same_as_numpy(cnp.average(X3, (0, 2), keepdims=True),
                         np.average(X3, (0, 2), keepdims=True))
    with pytest.raises(ZeroDivisionError):
        cnp.average(np.ones(2), weights=np.zeros(2))


def test_axis_errors():
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        cr.grad(lambda x: cnp.sum(x, axis=2))(np.ones((2, 2)))
    with pytest.raises(ValueError, match="duplicate value"):
        cr.grad(lambda x: cnp.sum(x, axis=(0, -2)))(np.ones((2, 2)))
    with pytest.raises(TypeError, match="integer"):
        cr.grad(lambda x: cnp.sum(x, axis=0.5))(np.ones((2, 2)))
    with pytest.raises(TypeError, match="integer"):
        cr.grad(lambda x: cnp.cumsum(x, axis=(0,)).sum())(np.ones((2, 2)))


def test_methods_on_tracers_match_numpy_methods():
    def f(x):
        return (x.sum(axis=0) + x.mean(0) + x.max(axis=1, keepdims=True).T[0, :2].sum()
                + x.min() + x.prod(1).sum() + x.var(ddof=1) + x.std() + x.cumsum(1)[:, -1].sum())
    x = rand((3, 3), 0.5, 2, seed=9)
    expected = (x.sum(axis=0) + x.mean(0) + x.max(axis=1, keepdims=True).T[0, :2].sum()
                + x.min() + x.prod(1).sum() + x.var(ddof=1) + x.std()
                + x.cumsum(1)[:, -1].sum())
    assert_like_numpy(traced_value(f, (x,)), expected, exact_type=False)
    cr.check_grads(f, (x,), order=1)


@pytest.mark.parametrize("dtype", [bool, np.int8, np.int32, np.float32, np.float64,
                                   np.complex64])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_jitted_small_reductions_keep_numpys_values_and_dtypes(dtype, axis):
    # Under jit the reductions of small arrays call the ufunc's own ``reduce``.
    x = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    for name in ("sum", "prod", "max", "min", "any", "all"):
        if name in ("max", "min") and np.dtype(dtype).kind == "c":
            continue
        got = cr.jit(lambda v, name=name: getattr(cnp, name)(v, axis=axis))(x)
        want = getattr(np, name)(x, axis=axis)
        assert np.asarray(got).dtype == np.asarray(want).dtype, name
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape,axis", [((10, 10), 1), ((10, 10), 0), ((40, 3), 0),
                                        ((4, 8, 3), (0, 1)), ((200,), 0)])
def test_jitted_sums_of_medium_arrays_equal_the_eager_sums(shape, axis):
    # The generated code binds the matrix-product path of the primitive's implementation
    # to the operand's shape: the same arithmetic, so the same bits.
    from chainrule._src.lax.reductions import _sum_impl

    x = np.random.default_rng(1).normal(size=shape)
    got = cr.jit(lambda v: cnp.sum(v, axis=axis))(x)
    axes = (axis,) if isinstance(axis, int) else axis
    np.testing.assert_array_equal(got, _sum_impl(np, x, axes))
    np.testing.assert_allclose(got, np.sum(x, axis=axis), rtol=1e-13, atol=1e-13)
    # a non-contiguous operand (a transposed view) takes the general path
    xt = np.random.default_rng(2).normal(size=shape[::-1]).T
    np.testing.assert_allclose(cr.jit(lambda v: cnp.sum(v, axis=axis))(xt),
                               np.sum(xt, axis=axis), rtol=1e-13, atol=1e-13)
