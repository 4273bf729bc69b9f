"""Adding and removing elements, blocks, unstack, and the checking conversions."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from numpy_testing import assert_same_as_numpy, check, rand

X = rand((3, 4))


@pytest.mark.parametrize("obj,axis", [(1, None), ([0, 2], None), (slice(1, 3), 1),
                                      (-1, 0), (np.array([True, False, True, False]), 1),
                                      ([], 0), ([0, 0, 2], 1)])
def test_delete(obj, axis):
    check(lambda x: cnp.delete(x, obj, axis), lambda x: np.delete(x, obj, axis), (X,))


@pytest.mark.parametrize("obj,values,axis", [
    (1, 5.0, None), (1, rand(2, seed=1), None), ([0, 2, 2], rand(3, seed=2), None),
    (2, rand(3, seed=3), 1), (1, rand((2, 4), seed=4), 0), ([1, 3], rand((3, 1), seed=5), 1),
    (slice(0, 4, 2), 0.5, 1), (-1, rand(4, seed=6), 0), (3, rand((2, 3), seed=7), 1)])
def test_insert(obj, values, axis):
    check(lambda x, v: cnp.insert(x, obj, v, axis), lambda x, v: np.insert(x, obj, v, axis),
          (X, values))


def test_insert_casts_values_and_errors():
    check(lambda x, v: cnp.insert(x, 1, v), lambda x, v: np.insert(x, 1, v),
          (np.arange(4), 2.7))
    check(lambda x, v: cnp.insert(x, [1], v), lambda x, v: np.insert(x, [1], v),
          (rand(3), np.array(2.5)))
    with pytest.raises(IndexError):
        cr.grad(lambda x: cnp.sum(cnp.insert(x, 9, 1.0)))(rand(3))
    with pytest.raises(IndexError):
        cr.grad(lambda x: cnp.sum(cnp.delete(x, 5)))(rand(3))


@pytest.mark.parametrize("shape", [(2, 5), 7, (1,), (0,), (3, 4)])
def test_resize(shape):
    check(lambda x: cnp.resize(x, shape), lambda x: np.resize(x, shape), (X,))
    check(lambda x: cnp.resize(x, shape), lambda x: np.resize(x, shape), (rand(0),))


def test_trim_zeros():
    # Perturbing a zero changes the shape, so derivatives are checked directly: each kept
    # element (interior zeros too) gets derivative 1, the trimmed ones 0.
    x = np.array([0.0, 0.0, 1.5, 0.0, -2.0, 0.0])
    for trim, kept in (("fb", [2, 3, 4]), ("f", [2, 3, 4, 5]), ("b", [0, 1, 2, 3, 4]),
                       ("BF", [2, 3, 4])):
        check(lambda x: cnp.trim_zeros(x, trim), lambda x: np.trim_zeros(x, trim), (x,),
              grads=False)
        g = cr.grad(lambda x: cnp.sum(cnp.trim_zeros(x, trim)))(x)
        np.testing.assert_array_equal(g, np.isin(np.arange(6), kept))
    padded = lambda v: cnp.trim_zeros(cnp.concatenate([np.zeros(2), v, np.zeros(1)]))  # noqa
    cr.check_grads(padded, (np.array([1.5, 0.7, -2.0]),), order=2, modes=("fwd", "rev"))
    m = np.zeros((4, 5))
    m[1:3, 1:4] = rand((2, 3))
    m[1, 1] = 0.0
    for axis in (None, 0, 1, -1):
        check(lambda x: cnp.trim_zeros(x, axis=axis), lambda x: np.trim_zeros(x, axis=axis),
              (m,), grads=False)
        g = cr.grad(lambda x: cnp.sum(cnp.trim_zeros(x, axis=axis)))(m)
        assert g.shape == m.shape and g.sum() == np.trim_zeros(m, axis=axis).size
    check(lambda x: cnp.trim_zeros(x), lambda x: np.trim_zeros(x), (np.zeros(3),),
          grads=False)
    with pytest.raises(ValueError, match="trim"):
        cr.grad(lambda x: cnp.sum(cnp.trim_zeros(x, "x")))(x)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack(axis):
    check(lambda x: cnp.unstack(x, axis=axis), lambda x: np.unstack(x, axis=axis), (X,))


def test_block():
    a, b, c = rand((2, 2)), rand((2, 1), seed=1), rand((1, 3), seed=2)
    check(lambda a, b, c: cnp.block([[a, b], [c]]), lambda a, b, c: np.block([[a, b], [c]]),
          (a, b, c))
    check(lambda a, b: cnp.block([a, b, 3.0]), lambda a, b: np.block([a, b, 3.0]),
          (rand(2), rand(3, seed=1)))
    check(lambda a, b: cnp.block([[a], [b]]), lambda a, b: np.block([[a], [b]]),
          (rand(2), rand(2, seed=1)))
    check(lambda a: cnp.block([[[a]], [[a]]]), lambda a: np.block([[[a]], [[a]]]),
          (rand((2, 2)),))
    check(lambda a: cnp.block(a), lambda a: np.block(a), (rand((2, 2)),))
    with pytest.raises(ValueError, match="depths"):
        cr.grad(lambda x: cnp.sum(cnp.block([[x], x])))(X)
    with pytest.raises(ValueError, match="empty"):
        cr.grad(lambda x: cnp.sum(cnp.block([x, []])))(X)
    with pytest.raises(TypeError, match="tuple"):
        cr.grad(lambda x: cnp.sum(cnp.block((x, x))))(X)


def test_conversions():
    check(cnp.asarray_chkfinite, np.asarray_chkfinite, (X,))
    check(cnp.asfortranarray, np.asfortranarray, (X,))
    check(cnp.asfortranarray, np.asfortranarray, (2.0,), exact_type=False)
    check(lambda x: cnp.require(x, np.float32, ["C", "A"]),
          lambda x: np.require(x, np.float32, ["C", "A"]), (X,), rtol=1e-6, atol=1e-6,
          grad_tol=1e-2)
    check(lambda x: cnp.require(x, None, "W"), lambda x: np.require(x, None, "W"), (X,))
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infs or NaNs"):
        cr.grad(lambda x: cnp.sum(cnp.asarray_chkfinite(x)))(bad)
    with pytest.raises(ValueError, match="both"):
        cr.grad(lambda x: cnp.sum(cnp.require(x, requirements="CF")))(X)
    with pytest.raises(TypeError, match="values"):
        cr.jit(cnp.asarray_chkfinite)(X)


def test_plain_numpy_calls_on_traced_values():
    x = rand(4)
    g = cr.grad(lambda t: np.sum(np.insert(np.delete(t, 1), 0, t[3]) ** 2))(x)
    np.testing.assert_allclose(g, 2 * x * [1, 0, 1, 2])
    g = cr.grad(lambda t: np.sum(np.block([[t, t]])))(x)
    np.testing.assert_allclose(g, 2.0)


def test_edges_empty_and_0d():
    for x in (np.array(1.5), np.zeros((0, 3)), rand(3)):
        check(lambda x, v: cnp.insert(x, 0, v), lambda x, v: np.insert(x, 0, v), (x, 7.0))
        check(lambda x: cnp.delete(x, []), lambda x: np.delete(x, []), (x,))
        check(lambda x: cnp.resize(x, (2, 2)), lambda x: np.resize(x, (2, 2)), (x,))


@pytest.mark.parametrize("name,args,kwargs", [
    ("block", (X,), {}), ("block", ([X, X],), {}), ("block", ([[X, X], [X, X]],), {}),
    ("block", ([[X[:, :1], 2.0 * X[:, :1]]],), {}), ("block", ([1.0, np.float32(2.0)],), {}),
    ("block", (3.0,), {}), ("asfortranarray", (X,), {}), ("asfortranarray", (X, np.int32), {}),
    ("asfortranarray", (2.0,), {}), ("asfortranarray", (X,), {"like": X}),
    ("require", (X,), {}), ("require", (X.T, np.float32, ["C", "W"]), {}),
    ("require", (X,), {"requirements": "F", "like": X}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_plain_inputs_give_numpys_result(name, args, kwargs):
    ours, theirs = getattr(cnp, name)(*args, **kwargs), getattr(np, name)(*args, **kwargs)
    assert_same_as_numpy(ours, theirs)
    if args:  # returns its input exactly when NumPy does
        assert (ours is args[0]) == (theirs is args[0])


def test_plain_block_errors_are_numpys():
    with pytest.raises(ValueError, match="depths"):
        cnp.block([[X], X])
    with pytest.raises(ValueError, match="empty"):
        cnp.block([[X], []])
    with pytest.raises(TypeError, match="tuple"):
        cnp.block((X, X))
