"""The unique_* functions, set operations, window functions and index helpers."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from numpy_testing import check, rand

DUP = np.array([[3.0, 1.0, 3.0], [2.5, 1.0, -4.0]])


@pytest.mark.parametrize("name", ["unique_values", "unique_counts", "unique_inverse",
                                  "unique_all"])
@pytest.mark.parametrize("x", [DUP, rand(5), np.array([2.0, np.nan, 1.0, np.nan]),
                               np.array([5, 1, 5, 3, 100, -2]), np.zeros(0)])
def test_unique_functions(name, x):
    # Perturbing one of two equal values splits them (the shape changes): finite
    # differences apply to distinct values only.
    grads = np.unique(x).size == x.size
    check(getattr(cnp, name), getattr(np, name), (x,), grads=grads, exact_type=False)
    res = getattr(cnp, name)(x)
    if name != "unique_values":
        assert type(res) is type(getattr(np, name)(x)) and res._fields


def test_unique_values_derivative_goes_to_first_occurrence():
    g = cr.grad(lambda x: cnp.sum(cnp.unique_values(x) * cnp.arange(4.0)))(DUP.ravel())
    np.testing.assert_array_equal(g.reshape(DUP.shape), [[3.0, 1.0, 0.0], [2.0, 0.0, 0.0]])
    r = cr.jvp(cnp.unique_all, (DUP,), (np.ones_like(DUP),))[1]
    np.testing.assert_array_equal(r.values, 1.0)
    np.testing.assert_array_equal(r.counts, 0)


@pytest.mark.parametrize("assume_unique", [False, True])
def test_set_operations(assume_unique):
    a = np.array([4.0, 1.0, 3.0, 7.0, 2.0])
    b = np.array([3.0, 9.0, 1.0, 5.0])
    if not assume_unique:
        a, b = np.concatenate([a, a[:2]]), np.concatenate([b, b[1:2]])
    kw = dict(assume_unique=assume_unique)
    # Equal values in a and b (or within one) split when perturbed, so finite differences
    # are taken below on disjoint inputs with distinct values.
    for name in ("intersect1d", "setdiff1d", "setxor1d"):
        check(getattr(cnp, name), getattr(np, name), (a, b), kw, grads=False)
        check(getattr(cnp, name), getattr(np, name), (rand(4), rand(3, seed=1)), kw)
    check(cnp.union1d, np.union1d, (a, b), grads=False)
    check(cnp.union1d, np.union1d, (rand(4), rand(3, seed=1)))
    check(lambda a, b: cnp.intersect1d(a, b, assume_unique, True),
          lambda a, b: np.intersect1d(a, b, assume_unique, True), (a, b), grads=False)
    check(cnp.isin, np.isin, (a, b))
    check(lambda a, b: cnp.isin(a, b, invert=True), lambda a, b: np.isin(a, b, invert=True),
          (a, b))


def test_set_operation_derivatives():
    a, b = np.array([1.0, 3.0, 3.0]), np.array([3.0, 5.0])
    ga, gb = cr.grad(lambda a, b: cnp.sum(cnp.intersect1d(a, b)), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [0.0, 0.5, 0.0])
    np.testing.assert_array_equal(gb, [0.5, 0.0])
    g = cr.grad(lambda a: cnp.sum(cnp.setdiff1d(a, b) * 2.0))(np.array([1.0, 4.0, 1.0, 3.0]))
    np.testing.assert_array_equal(g, [2.0, 2.0, 0.0, 0.0])
    check(cnp.setxor1d, np.setxor1d, (np.arange(3.0), np.arange(3.0)), grads=False)
    check(cnp.intersect1d, np.intersect1d, (np.arange(3), np.arange(1.0, 5.0)), grads=False)
    g = cr.grad(lambda a: cnp.sum(cnp.setxor1d(a, b) ** 2))(a)
    np.testing.assert_array_equal(g, [2.0, 0.0, 0.0])
    g = cr.grad(lambda b: cnp.sum(cnp.union1d(a, b) ** 2))(b)
    np.testing.assert_array_equal(g, [0.0, 10.0])


def test_windows():
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        np.testing.assert_array_equal(getattr(cnp, name)(7), getattr(np, name)(7))
    for m in (0, 1, 2, 7):
        check(lambda b: cnp.kaiser(m, b), lambda b: np.kaiser(m, b), (3.5,), exact_type=m != 0)
    g = cr.grad(lambda b: cnp.sum(cnp.kaiser(6, b)))(2.0)
    eps = 1e-6
    np.testing.assert_allclose(g, (np.kaiser(6, 2.0 + eps).sum() - np.kaiser(6, 2.0 - eps).sum())
                               / (2 * eps), rtol=1e-7)


def test_index_helpers():
    x = rand((3, 3))
    cases = [("diag_indices", (3,)), ("tril_indices", (3, -1)), ("triu_indices", (3, 1, 4)),
             ("mask_indices", (3, np.triu)), ("indices", ((2, 3),)), ("ix_", ([0, 2], [1])),
             ("ravel_multi_index", (([1, 2], [0, 1]), (3, 2))),
             ("unravel_index", ([2, 5], (3, 2))), ("packbits", (np.array([1, 0, 1]),)),
             ("unpackbits", (np.array([7], np.uint8),)),
             ("diag_indices_from", (x,)), ("tril_indices_from", (x,)),
             ("triu_indices_from", (x, 1))]
    for name, args in cases:
        for ours, theirs in zip(getattr(cnp, name)(*args), getattr(np, name)(*args)):
            np.testing.assert_array_equal(ours, theirs)
    keys = (rand(5), rand(5, seed=1))
    np.testing.assert_array_equal(cnp.lexsort(keys), np.lexsort(keys))

    # on traced values: lexsort reads values, the *_from functions only the shape
    def f(x):
        i, j = cnp.tril_indices_from(x)
        order = cnp.lexsort((x[0], x[1]))
        return cnp.sum(x[i, j]) + cnp.sum(x[0][order] * np.arange(3.0))
    check(f, lambda x: np.sum(x[np.tril_indices_from(x)])
          + np.sum(x[0][np.lexsort((x[0], x[1]))] * np.arange(3.0)), (x,))
    with pytest.raises(ValueError, match="2-d"):
        cnp.tril_indices_from(rand(3))
