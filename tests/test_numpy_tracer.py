"""Traced values behave like numpy.ndarray: operators, methods, NumPy's protocols, errors,
and the public namespace of chainrule.numpy."""

import operator

import numpy as np
import pytest
from numpy_testing import assert_like_numpy, assert_same_as_numpy, rand, traced_value

import chainrule as cr
import chainrule.numpy as cnp

X = rand((2, 3), 0.5, 2.0)
Y = rand((3,), 0.5, 2.0, seed=1)

BINARY_OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
              operator.floordiv, operator.mod]
COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


def tangent_check(f, *args):
    """Value of ``f`` under a transform equals NumPy's, and derivatives match."""
    expected = f(*args)
    assert_like_numpy(traced_value(f, args), expected, exact_type=False)
    if np.asarray(expected).dtype.kind == "f":
        cr.check_grads(f, args, order=2)


@pytest.mark.parametrize("other", [Y, 1.5, 2, np.float64(1.5), [1.0, 2.0, 3.0], np.ones(3)],
                         ids=["array", "float", "int", "np.float64", "list", "ones"])
@pytest.mark.parametrize("op", BINARY_OPS, ids=lambda o: o.__name__)
def test_operators_on_both_sides(op, other):
    smooth = op not in (operator.floordiv, operator.mod)
    for f in (lambda t: op(t, other), lambda t: op(other, t)):
        if smooth:
            tangent_check(f, X)
        else:
            assert_like_numpy(traced_value(f, (X,)), f(X), exact_type=False)


def test_numpy_array_on_the_left_goes_through_array_ufunc():
    tangent_check(lambda t: np.ones(3) * t, Y)
    tangent_check(lambda t: np.arange(3.0) + t - np.ones(3) / t, Y)
    tangent_check(lambda t: np.float64(2.0) * t ** np.float64(2.0), Y)
    tangent_check(lambda t: np.eye(3) @ t, Y)
    tangent_check(lambda t: t @ np.eye(3) @ t, Y)
    g = cr.grad(lambda t: np.sum(np.ones(3) * t))(Y)
    np.testing.assert_array_equal(g, np.ones(3))


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda o: o.__name__)
def test_comparisons_give_booleans(op):
    for f in (lambda t: op(t, 1.0), lambda t: op(1.0, t), lambda t: op(t, Y),
              lambda t: op(np.ones(3), t)):
        out = traced_value(f, (X,))
        assert_like_numpy(out, f(X), exact_type=False)
        assert out.dtype == bool


def test_unary_operators_and_builtins():
    tangent_check(lambda t: -t + (+t) + abs(t - 1.0), X)
    assert_like_numpy(traced_value(lambda t: round(t * 10), (X,)), np.round(X * 10),
                      exact_type=False)
    assert_like_numpy(traced_value(lambda t: ~(t > 1), (X,)), ~(X > 1), exact_type=False)
    assert_like_numpy(traced_value(lambda t: (t > 1) & (t < 1.5) | (t > 1.9) ^ (t > 0),
                                   (X,)), (X > 1) & (X < 1.5) | (X > 1.9) ^ (X > 0),
                      exact_type=False)
    q, r = traced_value(lambda t: divmod(t, 0.7), (X,))
    np.testing.assert_allclose(q, X // 0.7)
    np.testing.assert_allclose(r, X % 0.7)


def test_attributes_and_methods():
    def f(t):
        assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float64
        assert len(t) == 2 and t.T.shape == (3, 2) and t.mT.shape == (3, 2)
        assert t.itemsize == 8 and t.nbytes == 48
        parts = [row for row in t]
        assert len(parts) == 2 and parts[0].shape == (3,)
        out = (t.T.sum(1) + t.real.mean(0) + t.imag.sum() + t.reshape(3, 2).sum(1)
               + t.reshape((6,))[:2].sum() + t.reshape(-1, 3).max(0) + t.min()
               + t.astype(np.float32).astype(float).sum() + t.ravel()[1:4]
               + t.flatten()[:3] + t[None].squeeze().sum(0) + t.transpose().sum(1)
               + t.transpose(1, 0).sum(1) + t.transpose((1, 0)).sum(1) + t.dot(np.ones(3)).sum()
               + t.prod(0) + t.var(0) + t.std(1).sum() + t.cumsum(1)[:, -1].sum()
               + t.cumprod(0)[-1] + t.clip(0.7, 1.5).sum(0) + t.conj().sum(0)
               + t.conjugate().sum(0) + t.round(1).sum(0) + t.swapaxes(0, 1).sum(1)
               + t.repeat(2, 0).sum(0) + t.take([0, 2], 1).sum() + t.copy().sum(0)
               + parts[0] * parts[1] + t.diagonal().sum() + t.trace())
        assert t.argmax() == np.argmax(X) and t.argmin(1).shape == (2,)
        assert t.all() and t.any(0).shape == (3,) and t.argsort(1).shape == (2, 3)
        assert t.nonzero()[0].shape == (6,)
        return out
    out = traced_value(f, (X,))
    expected = (X.T.sum(1) + X.real.mean(0) + X.imag.sum() + X.reshape(3, 2).sum(1)
                + X.reshape((6,))[:2].sum() + X.reshape(-1, 3).max(0) + X.min()
                + X.astype(np.float32).astype(float).sum() + X.ravel()[1:4]
                + X.flatten()[:3] + X[None].squeeze().sum(0) + X.transpose().sum(1)
                + X.transpose(1, 0).sum(1) + X.transpose((1, 0)).sum(1)
                + X.dot(np.ones(3)).sum() + X.prod(0) + X.var(0) + X.std(1).sum()
                + X.cumsum(1)[:, -1].sum() + X.cumprod(0)[-1] + X.clip(0.7, 1.5).sum(0)
                + X.conj().sum(0) + X.conjugate().sum(0) + X.round(1).sum(0)
                + X.swapaxes(0, 1).sum(1) + X.repeat(2, 0).sum(0) + X.take([0, 2], 1).sum()
                + X.copy().sum(0) + X[0] * X[1] + X.diagonal().sum() + X.trace())
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    cr.check_grads(lambda t: cnp.sum(f(t)), (X,), order=1, atol=1e-4, rtol=1e-4)


def test_at_property_on_tracers():
    f = lambda t: t.at[0, 1].set(5.0).at[1].add(t[0]).at[:, 2].multiply(2.0)
    expected = X.copy()
    expected[0, 1] = 5.0
    expected[1] += expected[0] * 0 + X[0]
    expected[:, 2] *= 2.0
    assert_like_numpy(traced_value(f, (X,)), expected, exact_type=False)
    np.testing.assert_allclose(traced_value(lambda t: t.at[1].get(), (X,)), X[1])


def test_python_control_flow_on_values_works_under_grad():
    def f(x):
        return x ** 2 if x > 1.0 else -x
    assert cr.grad(f)(2.0) == 4.0 and cr.grad(f)(0.5) == -1.0


# --- plain NumPy functions on tracers ----------------------------------------------------------
NUMPY_CALLS = [
    lambda t: np.sin(t) * np.exp(t), lambda t: np.sum(t, axis=0),
    lambda t: np.sum(t, 0, keepdims=True), lambda t: np.mean(t), lambda t: np.std(t, ddof=1),
    lambda t: np.max(t, axis=1), lambda t: np.concatenate([t, t], axis=1),
    lambda t: np.stack([t, 2 * t]), lambda t: np.reshape(t, (3, 2)), lambda t: np.transpose(t),
    lambda t: np.dot(t, np.ones(3)), lambda t: np.matmul(t, t.T), lambda t: np.einsum("ij->j", t),
    lambda t: np.where(t > 1, t, 0.0), lambda t: np.clip(t, 0.7, 1.5),
    lambda t: np.maximum(t, 1.0), lambda t: np.linalg.norm(t) if False else np.hypot(t, 1.0),
    lambda t: np.add.reduce(t), lambda t: np.multiply.accumulate(t, axis=1),
    lambda t: np.maximum.reduce(t, axis=1), lambda t: np.add.outer(t[0], t[1]),
    lambda t: np.cumsum(t), lambda t: np.prod(t, axis=1), lambda t: np.square(t),
    lambda t: np.diff(t, axis=1), lambda t: np.tile(t, 2), lambda t: np.flip(t),
    lambda t: np.pad(t, 1), lambda t: np.sort(t, axis=1), lambda t: np.take(t, [0, 2], 1),
    lambda t: np.outer(t, t), lambda t: np.trace(t), lambda t: np.average(t, axis=0),
    lambda t: np.abs(t - 1.5), lambda t: np.absolute(t), lambda t: np.negative(t),
    lambda t: np.copy(t), lambda t: np.select([t > 1], [t]), lambda t: np.divide(1.0, t),
    lambda t: np.broadcast_to(t[0], (2, 3)), lambda t: np.atleast_3d(t),
    lambda t: np.clip(np.ones((2, 3)), t, 1.8),
]


@pytest.mark.parametrize("f", NUMPY_CALLS, ids=[str(i) for i in range(len(NUMPY_CALLS))])
def test_plain_numpy_functions_are_differentiated(f):
    tangent_check(f, X)


def test_numpy_ufunc_and_function_errors_are_clear():
    with pytest.raises(TypeError, match="chainrule.numpy.at"):
        cr.grad(lambda t: np.add.at(t, [0], 1.0) or t.sum())(Y)
    with pytest.raises(TypeError, match="out="):
        cr.grad(lambda t: np.sin(t, out=np.ones(3)).sum())(Y)
    with pytest.raises(TypeError, match="not supported on traced values"):
        cr.grad(lambda t: np.add.reduceat(t, [0, 1]).sum())(Y)
    with pytest.raises(TypeError, match="not supported on traced values"):
        cr.grad(lambda t: np.sin(t, where=t > 1).sum())(Y)
    with pytest.raises(TypeError, match="not supported on traced values"):
        cr.grad(lambda t: np.fill_diagonal(t, 1.0) or t.sum())(Y)


@pytest.mark.parametrize("convert,match", [
    (np.asarray, "cannot be converted to a NumPy array"),
    (np.array, "cannot be converted to a NumPy array"),
    (lambda t: np.array([t[0], t[1]]), "cannot be converted to a NumPy array"),
    (lambda t: float(t[0]), r"float\(\) of a value that is being differentiated"),
    (lambda t: int(t[0]), r"int\(\) of a value"),
    (lambda t: complex(t[0]), r"complex\(\) of a value"),
    (lambda t: t[0].item(), r"item\(\) of a value"),
    (lambda t: t.tolist(), r"tolist\(\) of a value"),
    (lambda t: t.sort(), r"chainrule\.numpy\.sort"),
    (lambda t: t.fill(0.0), r"full_like"),
    (lambda t: len(t[0]), "len"),
    (lambda t: list(t[0]), "iteration over a 0-d array"),
])
def test_conversions_that_would_drop_the_derivative_raise(convert, match):
    with pytest.raises(TypeError, match=match):
        cr.grad(lambda t: convert(t) and 0.0 or cnp.sum(t))(Y)


def test_float_of_stop_gradient_is_allowed():
    def f(t):
        c = float(cr.stop_gradient(t[0]))
        return t[1] * c
    assert cr.grad(f)(np.array([3.0, 2.0]))[1] == 3.0


def test_leaked_tracer_is_reported():
    saved = []

    def f(t):
        saved.append(t)
        return cnp.sum(t)
    cr.grad(f)(Y)
    with pytest.raises(cr.LeakedTracerError, match="leaked"):
        cnp.sin(saved[0])
    with pytest.raises(cr.LeakedTracerError, match="leaked"):
        np.sin(saved[0])


def test_nested_transforms_with_numpy_calls():
    f = lambda x: np.sum(np.sin(x) * x ** 2)
    cr.check_grads(f, (Y,), order=2)
    cr.check_grads(lambda x: cr.grad(f)(x), (Y,), order=1)
    g = cr.grad(lambda x: x * cr.grad(lambda y: np.multiply(x, y))(1.0))(2.0)
    assert g == 4.0


# --- the public namespace ------------------------------------------------------------------------
def test_namespace_has_no_helper_names():
    public = {n for n in dir(cnp) if not n.startswith("_")}
    for leaked in ("np", "lax", "get_aval", "Tracer", "annotations", "normalize_axes",
                   "asarray_any", "numpy_fast_path", "PLAIN_TYPES", "chainrule", "concrete",
                   "shape_of", "NoValue", "given", "index_update", "IndexUpdateHelper"):
        assert leaked not in public, leaked
    assert set(cnp.__all__) <= public


REQUIRED = """
add subtract multiply divide true_divide negative positive power float_power mod remainder fmod
sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh exp exp2 expm1 log log2
log10 log1p sqrt cbrt square reciprocal abs absolute fabs sign maximum minimum fmax fmin hypot
arctan2 logaddexp logaddexp2 floor ceil round around trunc rint fix clip sinc deg2rad rad2deg
nan_to_num equal not_equal less less_equal greater greater_equal logical_and logical_or
logical_xor logical_not isfinite isnan isinf sum prod mean var std max min amax amin argmax
argmin all any cumsum cumprod reshape ravel transpose swapaxes moveaxis squeeze expand_dims
broadcast_to atleast_1d atleast_2d atleast_3d concatenate stack hstack vstack dstack
column_stack split array_split hsplit vsplit dsplit tile repeat flip fliplr flipud roll rot90
pad where select diff append at dot vdot matmul inner outer tensordot einsum kron cross trace
diag diagonal tril triu array asarray zeros ones full empty zeros_like ones_like full_like
empty_like eye identity arange linspace logspace meshgrid float16 float32 float64 int32 int64
complex64 complex128 pi e inf nan newaxis shape ndim size allclose take sort argsort
""".split()


def test_required_surface_is_present():
    missing = [n for n in REQUIRED if not hasattr(cnp, n)]
    assert not missing, missing


LISTS = [("sum", ([[1.0, 2.0], [3.0, 4.5]],)), ("std", ([1.0, 2.0],)), ("inner", ([1.0, 2.0],
         [3.0, 4.0])), ("matmul", ([1.0, 2.0], [3.0, 4.0])), ("dot", ([1.0, 2.0], [3.0, 4.0])),
         ("vdot", ([1.0, 2.0], [3.0, 4.0])), ("mean", ([1.0, 2.0],)), ("max", ([1.0, 2.0],)),
         ("trace", ([[1.0, 2.0], [3.0, 4.5]],)), ("sin", ([1.0, 2.0],)),
         ("where", ([True, False], [1.0, 2.0], 0.0)), ("clip", ([1.0, 2.0], 0, 1.5)),
         ("concatenate", ([[1.0], [2.0]],)), ("einsum", ("i,i", [1.0, 2.0], [3.0, 4.0])),
         ("cross", ([1.0, 0, 0], [0, 1.0, 0])), ("average", ([1.0, 2.0],)),
         ("argmax", ([1.0, 2.0],)), ("divmod", ([1.0, 2.0], 1.5))]


@pytest.mark.parametrize("name,args", LISTS, ids=[n for n, _ in LISTS])
def test_sequences_outside_transforms_give_numpy_types(name, args):
    assert_like_numpy(getattr(cnp, name)(*args), getattr(np, name)(*args))


# --- lists and tuples: NumPy's own result when nothing in them is traced ------------------------
LX = np.array([0.25, 0.75, 1.5])
LI = np.array([0, 2, 1])


@pytest.mark.parametrize("call", [
    lambda m: m.interp(0.5, [0, 1], [0, 1]), lambda m: m.interp(LX, (0.0, 1.0), [0, 2]),
    lambda m: m.take(LX, [0, 2]), lambda m: m.take(LX, [[0], [2]]),
    lambda m: m.percentile(LX, [25, 75]), lambda m: m.bincount(LI, [1.0, 2.0, 3.0]),
    lambda m: m.linalg.norm([1.0, 2.0]), lambda m: m.fft.fft([1.0, 2.0, 3.0]),
    lambda m: m.dot(LX, [1.0, 2.0, 3.0]), lambda m: m.convolve(LX, [1.0, 2.0]),
    lambda m: m.where(LX > 0.7, [1.0, 2.0, 3.0], 0.0), lambda m: m.where([True, False]),
    lambda m: m.clip(LX, [0.1, 0.3, 0.1], 0.9), lambda m: m.clip([1, 5], 2, None),
    lambda m: m.concatenate([LX, [1.0]]), lambda m: m.stack([LX, (1, 2, 3)]),
    lambda m: m.hstack([LX, [1.0]]), lambda m: m.isin(LX, [1, 0.75]),
    lambda m: m.choose(LI, [LX, 2 * LX, [7.0, 8.0, 9.0]]),
    lambda m: m.matmul([[1.0, 2.0], [3.0, 4.0]], [1, 1]), lambda m: m.sum((1.0, 2.0)),
    lambda m: m.broadcast_arrays(LX, [[1], [2]]), lambda m: m.mean([1, 2]),
    lambda m: m.linalg.multi_dot([LX, np.outer(LX, LX), [1.0, 0.0, 2.0]]),
    lambda m: m.linalg.multi_dot((np.eye(3), np.outer(LX, LI))),
    lambda m: m.einsum("ij,j->i", np.outer(LX, LX), [1.0, 2.0, 3.0]),
], ids=lambda f: "")
def test_plain_lists_give_numpys_result(call):
    assert_same_as_numpy(call(cnp), call(np))


def test_lists_holding_tracers_take_the_general_path():
    x = np.array([1.0, 2.0, 3.0])
    assert cr.grad(lambda t: cnp.dot(x, [t, 1.0, 2.0]))(3.0) == 1.0
    assert cr.grad(lambda t: cnp.interp(0.5, [0.0, 1.0], [0.0, t]))(2.0) == 0.5
    assert cr.grad(lambda t: cnp.sum(cnp.concatenate([x, [t, 1.0]])))(1.0) == 1.0
    assert cr.grad(lambda t: cnp.sum(cnp.matmul([[t, 0.0], [0.0, 1.0]], [1.0, 1.0])))(2.0) == 1
    assert cr.grad(lambda t: cnp.sum(cnp.where(x > 1.5, [t, t, 1.0], 0.0)))(2.0) == 1.0
    assert cr.grad(lambda t: cnp.sum(cnp.clip(x, 0.0, [t, t, t])))(2.5) == 1.0
    assert cr.grad(lambda t: cnp.sum(cnp.choose([0, 1], [[t, 1.0], [2.0, t]])))(3.0) == 2.0
    assert cr.grad(lambda t: cnp.linalg.multi_dot([x, np.eye(3), [t, 0.0, 0.0]]))(2.0) == 1.0
    assert cr.grad(lambda t: cnp.einsum("i,i", x, [t, 0.0, t]))(2.0) == 4.0
    assert cr.grad(lambda t: cnp.sum(cnp.sin([t, 1.0])))(0.5) == np.cos(0.5)
    assert cr.grad(lambda t: cnp.sum(cnp.asarray([t, 1.0])))(0.5) == 1.0
    assert cr.grad(lambda t: cnp.sum(cnp.atleast_2d([t], x)[0]))(0.5) == 1.0
    assert cr.grad(lambda t: cnp.ldexp([t, 1.0], 2)[0])(0.5) == 4.0
