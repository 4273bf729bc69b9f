"""Indexing, functional updates (``at``), take and sorting in chainrule.numpy."""

import numpy as np
import pytest
from numpy_testing import assert_like_numpy, check, rand, traced_value

import chainrule as cr
import chainrule.numpy as cnp

X = rand((4, 5, 3))
MASK = rand((4, 5), seed=1) > 0

INDICES = [
    2, -1, slice(1, 3), slice(None, None, -1), slice(3, 0, -2), (1, 2), (1, 2, 0), (-1, -1, -1),
    (slice(None), 1), (Ellipsis, 0), (None, 1), (1, None, Ellipsis, None), (Ellipsis,), (),
    [0, 2, 2], np.array([3, 0]), (slice(None), [4, 0, 4]), ([0, 1], [2, 3]),
    ([[0], [3]], [1, 2]), (slice(1, 3), [0, 0], slice(None, None, 2)), (1, [0, 2], [1, 1]),
    ([0, 2], slice(None), [1, 2]), (Ellipsis, [2, 0]), np.array([], dtype=int),
    MASK, (MASK, 0), (slice(None), MASK[0]), np.zeros((4, 5, 3), bool), MASK[:, 0],
    (None, MASK), (np.int64(1), np.int32(2)),
]


@pytest.mark.parametrize("index", INDICES, ids=lambda i: repr(i)[:40])
def test_getitem_matches_numpy(index):
    check(cnp.getitem, lambda x, i: x[i], (X, index), diff=(0,))
    check(lambda x: x[index] * 1.0, lambda x: x[index] * 1.0, (X,))  # tracer __getitem__


def test_getitem_scalar_result_types():
    assert_like_numpy(cnp.getitem(X, (0, 0, 0)), X[0, 0, 0])
    assert_like_numpy(cnp.getitem(X, 1), X[1])
    assert_like_numpy(cnp.getitem([1.0, 2.0], 1), np.array([1.0, 2.0])[1])


def test_gather_with_repeats_accumulates_in_reverse_mode():
    g = cr.grad(lambda x: cnp.sum(x[np.array([0, 0, 2, 0])]))(np.ones(3))
    np.testing.assert_array_equal(g, [3, 0, 1])


def test_index_errors():
    with pytest.raises(IndexError, match="out of bounds|index"):
        cr.grad(lambda x: x[7].sum())(X)
    with pytest.raises(IndexError, match="integer or boolean"):
        cr.grad(lambda x: x[x[0, 0, 0]].sum())(X)
    with pytest.raises(IndexError):
        cr.grad(lambda x: x[0, 0, 0, 0])(X)
    with pytest.raises(TypeError, match="concrete integers"):
        cr.grad(lambda x: x[: x[0, 0, 0]].sum())(X)


# --- functional updates -------------------------------------------------------------------
UPDATE_INDICES = [1, (0, 2), slice(1, 3), (slice(None), 0), np.array([3, 0]),
                  (MASK,), ([1, 2], [0, 4]), (Ellipsis, 1)]


def _numpy_update(mode):
    def f(x, idx, v):
        out = np.array(x, copy=True)
        if mode == "set":
            out[idx] = v
        elif mode == "add":
            np.add.at(out, idx, v)
        else:
            {"multiply": np.multiply, "min": np.minimum, "max": np.maximum}[mode].at(
                out, idx, v)
        return out
    return f


@pytest.mark.parametrize("index", UPDATE_INDICES, ids=lambda i: repr(i)[:30])
@pytest.mark.parametrize("mode", ["set", "add", "multiply", "min", "max"])
def test_at_matches_numpy(mode, index):
    v = rand(X[index].shape, seed=2)
    c = lambda x, v: getattr(cnp.at(x)[index], mode)(v)
    check(c, lambda x, v: _numpy_update(mode)(x, index, v), (X, v))
    check(c, lambda x, v: _numpy_update(mode)(x, index, v), (X, 0.5))
    m = lambda x, v: getattr(x.at[index], mode)(v)  # JAX spelling, on tracers only
    assert_like_numpy(traced_value(m, (X, v)), _numpy_update(mode)(X, index, v), exact_type=False)


def test_at_leaves_the_input_alone_and_keeps_its_dtype():
    x = np.zeros(3)
    y = cnp.at(x)[1].set(5.0)
    assert type(y) is np.ndarray and y[1] == 5.0 and x[1] == 0.0
    assert cnp.at(np.zeros(3, np.float32))[0].set(np.float64(1.0)).dtype == np.float32
    assert cnp.at(np.zeros(3, int))[0].add(2).dtype == int
    assert_like_numpy(cnp.at(x)[0].get(), x[0])
    assert_like_numpy(cnp.at([1.0, 2.0])[0].multiply(3.0), np.array([3.0, 2.0]))


def test_at_with_repeated_indices():
    idx = np.array([0, 0, 2])
    np.testing.assert_array_equal(cnp.at(np.zeros(4))[idx].add(1.0), [2, 0, 1, 0])
    np.testing.assert_array_equal(cnp.at(np.ones(4))[idx].multiply(3.0), [9, 1, 3, 1])
    g = cr.grad(lambda v: cnp.sum(cnp.at(np.zeros(4))[idx].add(v)))(np.ones(3))
    np.testing.assert_array_equal(g, [1, 1, 1])
    for mode in ("set", "multiply", "min", "max"):
        with pytest.raises(ValueError, match="repeated indices"):
            cr.grad(lambda x: cnp.sum(getattr(cnp.at(x)[idx], mode)(2.0)))(np.ones(4))


def test_at_derivatives_in_x_and_values():
    def f(x, v):
        y = cnp.at(x)[1:3].set(v ** 2)
        y = cnp.at(y)[0].multiply(v[0])
        y = cnp.at(y)[[3, 4]].add(cnp.sin(v))
        return cnp.at(y)[2].max(0.1) * y
    cr.check_grads(f, (rand((5,), seed=3), rand((2,), 0.5, 1, seed=4)), order=2)


def test_setitem_on_tracer_points_to_at():
    def f(x):
        x[0] = 1.0
        return x
    with pytest.raises(TypeError, match=r"immutable.*chainrule\.numpy\.at\(x\)\[idx\]\.set"):
        cr.grad(lambda x: f(x).sum())(np.ones(3))


# --- take, take_along_axis, sorting -----------------------------------------------------------
@pytest.mark.parametrize("args,kwargs", [
    ((X, [0, 3]), {}), ((X, [0, 3], 0), {}), ((X, np.array([[1], [4]]), 1), {}),
    ((X, 2, -1), {}), ((X, [5, -1]), {"axis": 0, "mode": "wrap"}),
    ((X, [7, -2]), {"axis": 1, "mode": "clip"}), ((2.5, 0), {}),
], ids=str)
def test_take(args, kwargs):
    check(cnp.take, np.take, args, kwargs, diff=(0,))


@pytest.mark.parametrize("axis", [0, 1, -1, None], ids=str)
def test_sort_argsort_take_along_axis(axis):
    x = rand((4, 5), seed=5)
    check(cnp.sort, np.sort, (x,), {"axis": axis})
    check(cnp.argsort, np.argsort, (x,), {"axis": axis})
    if axis is not None:
        idx = np.argsort(x, axis=axis)
        check(cnp.take_along_axis, np.take_along_axis, (x, idx, axis), diff=(0,))
        check(cnp.take_along_axis, np.take_along_axis, (x, idx[:1] if axis else idx[:, :1],
                                                         axis), diff=(0,))
    check(cnp.take_along_axis, np.take_along_axis, (x.ravel(), np.array([3, 0])), {"axis": 0},
          diff=(0,))


def test_sort_gradient_follows_the_values():
    x = np.array([3.0, 1.0, 2.0])
    np.testing.assert_array_equal(cr.grad(lambda x: cnp.sort(x)[0])(x), [0, 1, 0])
    np.testing.assert_array_equal(cr.jacobian(cnp.sort)(x), np.eye(3)[[1, 2, 0]])


def test_searchsorted():
    a = np.array([1.0, 2.0, 3.0])
    check(cnp.searchsorted, np.searchsorted, (a, np.array([2.5, 0.0, 3.0])))
    check(cnp.searchsorted, np.searchsorted, (a, 2.0), {"side": "right"})
    check(lambda v: cnp.searchsorted(a, v), lambda v: np.searchsorted(a, v), (2.5,))


@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
def test_choose(mode):
    idx = np.array([[0, 2, 1], [1, 0, 2]]) if mode == "raise" else np.array([[0, 5, -1],
                                                                            [1, 3, 2]])
    choices = [rand((2, 3)), rand(3, seed=1), rand((2, 1), seed=2)]
    check(lambda a, b, c: cnp.choose(idx, [a, b, c], mode=mode),
          lambda a, b, c: np.choose(idx, [a, b, c], mode=mode), tuple(choices))
    stacked = rand((3, 2, 3), seed=3)
    check(lambda c: cnp.choose(idx, c, mode=mode), lambda c: np.choose(idx, c, mode=mode),
          (stacked,))
    check(lambda c: cnp.choose(1, [c, 2 * c]), lambda c: np.choose(1, [c, 2 * c]), (rand(3),))


def test_choose_errors():
    with pytest.raises(ValueError, match="invalid entry"):
        cr.grad(lambda c: cnp.sum(cnp.choose([0, 2], [c, c])))(rand(2))
    with pytest.raises(TypeError, match="integers"):
        cr.grad(lambda c: cnp.sum(cnp.choose([0.0, 1.0], [c, c])))(rand(2))


def test_compress_extract():
    cond = [True, False, True, True]
    check(lambda x: cnp.compress(cond, x, axis=1), lambda x: np.compress(cond, x, axis=1),
          (X,))
    check(lambda x: cnp.compress(cond[:2], x, axis=0), lambda x: np.compress(cond[:2], x,
                                                                             axis=0), (X,))
    check(lambda x: cnp.compress(cond, x), lambda x: np.compress(cond, x), (X,))
    check(lambda x: cnp.compress(x[:, 0, 0] > 0, x, axis=0),
          lambda x: np.compress(x[:, 0, 0] > 0, x, axis=0), (X,))
    check(lambda x: cnp.extract(x > 0.5, x), lambda x: np.extract(x > 0.5, x), (X,))
    check(lambda x: cnp.extract(np.arange(60) % 3, x), lambda x: np.extract(np.arange(60) % 3,
                                                                           x), (X,))
    with pytest.raises(IndexError, match="out of bounds"):
        cr.grad(lambda x: cnp.sum(cnp.compress([False] * 6 + [True], x, axis=0)))(X)
    with pytest.raises(TypeError, match="values"):
        cr.jit(lambda x: cnp.extract(x > 0, x))(X)


def test_sort_complex():
    z = rand(5) + 1j * rand(5, seed=1)
    check(cnp.sort_complex, np.sort_complex, (z,))
    check(lambda z: cnp.real(cnp.sort_complex(z)), lambda z: np.real(np.sort_complex(z)), (z,))
    check(lambda z: cnp.imag(cnp.sort_complex(z)), lambda z: np.imag(np.sort_complex(z)), (z,))
    z[3] = z[1].real + 1j * (z[1].imag - 0.5)  # a tie in the real part (no derivative)
    check(cnp.sort_complex, np.sort_complex, (z,), grads=False)
    for x in (rand((2, 4)), rand(3).astype(np.float32), np.array([3, 1, 2], np.int16)):
        check(cnp.sort_complex, np.sort_complex, (x,), rtol=1e-6, atol=1e-6,
              grad_tol=1e-2 if x.dtype == np.float32 else None)


V, W = rand((3,), seed=3), rand((2,), seed=4)
M = rand((2, 3), seed=5)


@pytest.mark.parametrize("name,key", [
    ("r_", lambda v, w: (v, w)),
    ("r_", lambda v, w: (v, 0.5, slice(0, 2), w)),
    ("r_", lambda v, w: (v, np.array([1, 2]), 3)),
    ("r_", lambda v, w: (v, slice(-1, 1, 4j))),
    ("r_", lambda v, w: ("0,2", v, v)),
    ("r_", lambda v, w: ("0,2,0", v, v)),
    ("r_", lambda v, w: ("0,2", M, v * M[0])),
    ("r_", lambda v, w: ("-1", M, M)),
    ("r_", lambda v, w: (v[0], w, 2.0)),
    ("c_", lambda v, w: (v, v)),
    ("c_", lambda v, w: (v, slice(0, 3), v)),
    ("c_", lambda v, w: (M.T, v)),
    ("c_", lambda v, w: (M, M * v)),
])
def test_r_and_c_like_numpy_and_differentiable(name, key):
    ours, theirs = getattr(cnp, name), getattr(np, name)
    check(lambda v, w: ours[key(v, w)], lambda v, w: theirs[key(v, w)], (V, W))
    np.testing.assert_array_equal(cr.jit(lambda v, w: ours[key(v, w)])(V, W), theirs[key(V, W)])


def test_r_c_errors_and_index_helpers():
    # Integer pieces stay integer, as in NumPy.
    from numpy_testing import assert_same_as_numpy
    assert_same_as_numpy(cnp.r_[np.array([1, 2]), 3], np.r_[np.array([1, 2]), 3])
    assert_same_as_numpy(cnp.r_[0:3, 7], np.r_[0:3, 7])
    with pytest.raises(ValueError, match="first entry"):
        cr.grad(lambda x: cnp.r_[x, "0", x].sum())(V)
    with pytest.raises(TypeError, match="matrix"):
        cr.grad(lambda x: cnp.r_["r", x, x].sum())(V)
    # Index tricks with no traced pieces are NumPy's own.
    assert cnp.s_[1:3, ::2] == np.s_[1:3, ::2] and cnp.index_exp[1:3] == np.index_exp[1:3]
    assert_same_as_numpy(cnp.mgrid[0:2, 0:3], np.mgrid[0:2, 0:3])
    assert_same_as_numpy(cnp.ogrid[0:2, 0:1:3j], np.ogrid[0:2, 0:1:3j])
    np.testing.assert_allclose(cr.grad(lambda x: cnp.sum(x[cnp.s_[::2]] ** 2))(V),
                               2 * V * np.array([1, 0, 1]))


@pytest.mark.parametrize("update", ["max", "scalar", "element"])
def test_at_set_gradient_has_its_input_dtype(update):
    # The positions an update overwrites get a zero cotangent; writing that zero must not
    # promote a float32 cotangent to float64.
    x = np.array([0.5, 0.7, 0.2], np.float32)
    w = np.array([1.0, 2.0, 3.0])
    value = {"max": cnp.max, "scalar": lambda x: 2.0, "element": lambda x: x[2]}[update]
    f = lambda x: cnp.sum(w * cnp.at(x)[0].set(value(x)))  # noqa: E731
    want = {"max": [0, 3, 3], "scalar": [0, 2, 3], "element": [0, 2, 4]}[update]
    for g in (cr.grad(f)(x), cr.jit(cr.grad(f))(x)):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, want)
