"""apply_along_axis, apply_over_axes and piecewise."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from numpy_testing import check, rand

X = rand((3, 4, 2))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_apply_along_axis(axis):
    # scalar, vector and matrix results per slice
    check(lambda x: cnp.apply_along_axis(lambda v: cnp.sum(v ** 3), axis, x),
          lambda x: np.apply_along_axis(lambda v: np.sum(v ** 3), axis, x), (X,))
    check(lambda x: cnp.apply_along_axis(lambda v: cnp.cumsum(v) * v[0], axis, x),
          lambda x: np.apply_along_axis(lambda v: np.cumsum(v) * v[0], axis, x), (X,))
    check(lambda x: cnp.apply_along_axis(lambda v: cnp.outer(v, v[:2]), axis, x),
          lambda x: np.apply_along_axis(lambda v: np.outer(v, v[:2]), axis, x), (X,))


def test_apply_along_axis_extra_arguments_and_closures():
    check(lambda x: cnp.apply_along_axis(cnp.polyval, 1, x[:, :, 0], 1.5),
          lambda x: np.apply_along_axis(np.polyval, 1, x[:, :, 0], 1.5), (X,))
    # the function may close over a traced value, also when the array itself is plain
    g = cr.grad(lambda t: cnp.sum(cnp.apply_along_axis(lambda v: v * t, 0, X)))(2.0)
    np.testing.assert_allclose(g, X.sum())
    with pytest.raises(ValueError, match="iteration dimensions"):
        cr.grad(lambda x: cnp.sum(cnp.apply_along_axis(cnp.sum, 0, x)))(np.zeros((2, 0)))


def test_apply_over_axes():
    check(lambda x: cnp.apply_over_axes(cnp.sum, x, [0, 2]),
          lambda x: np.apply_over_axes(np.sum, x, [0, 2]), (X,))
    check(lambda x: cnp.apply_over_axes(lambda a, ax: cnp.max(a, ax, keepdims=True), x, -1),
          lambda x: np.apply_over_axes(lambda a, ax: np.max(a, ax, keepdims=True), x, -1),
          (X,))
    with pytest.raises(ValueError, match="correct shape"):
        cr.grad(lambda x: cnp.sum(cnp.apply_over_axes(lambda a, ax: cnp.sum(a), x, [0])))(X)


def _pieces(lib):
    return lambda x: lib.piecewise(x, [x < -0.5, (x >= -0.5) & (x < 0.7)],
                                   [lambda v: v ** 2, lib.sin, lambda v: lib.exp(v) * 0.5])


def test_piecewise():
    x = np.array([-1.5, -0.7, -0.2, 0.3, 0.9, 1.7])
    check(_pieces(cnp), _pieces(np), (x,))
    check(_pieces(cnp), _pieces(np), (rand((3, 4), seed=3),))
    # constants, the default 0 where no condition holds, a single bare condition
    check(lambda x: cnp.piecewise(x, [x < 0, x > 1], [-1.0, lambda v: 2 * v]),
          lambda x: np.piecewise(x, [x < 0, x > 1], [-1.0, lambda v: 2 * v]), (x,))
    check(lambda x: cnp.piecewise(x, x > 0, [cnp.cos]),
          lambda x: np.piecewise(x, x > 0, [np.cos]), (x,))
    check(lambda x: cnp.piecewise(x, [x > 0], [cnp.cos, cnp.sin]),
          lambda x: np.piecewise(x, [x > 0], [np.cos, np.sin]), (np.array(0.7),))
    # extra arguments, integer x, a condition that holds nowhere
    check(lambda x: cnp.piecewise(x, [x > 9], [lambda v, k: v * k], 3.0),
          lambda x: np.piecewise(x, [x > 9], [lambda v, k: v * k], 3.0), (x,))
    check(lambda x: cnp.piecewise(x, [x > 1], [lambda v: v * 2]),
          lambda x: np.piecewise(x, [x > 1], [lambda v: v * 2]), (np.arange(4),))
    with pytest.raises(ValueError, match="functions are expected"):
        cnp.piecewise(x, [x > 0], [1.0, 2.0, 3.0])


def test_piecewise_closure_and_jit_error():
    x = np.array([-1.0, 2.0])
    g = cr.grad(lambda t: cnp.sum(cnp.piecewise(x, [x < 0], [lambda v: t * v, t])))(3.0)
    assert g == -1.0 + 1.0
    with pytest.raises(TypeError, match="values"):
        cr.jit(lambda x: cnp.piecewise(x, [x < 0], [cnp.sin, cnp.cos]))(x)


def test_piecewise_scalar_traced_condition():
    f = lambda x: cnp.piecewise(x, [x > 0], [cnp.cos, cnp.sin])  # noqa: E731
    for x0 in (0.7, -0.7):
        np.testing.assert_allclose(cr.grad(f)(x0), -np.sin(x0) if x0 > 0 else np.cos(x0))
        np.testing.assert_allclose(cr.grad(lambda x: cnp.piecewise(x, x > 0, [cnp.cos]))(x0),
                                   -np.sin(x0) if x0 > 0 else 0.0)


def test_plain_numpy_calls_on_traced_values():
    # numpy.piecewise / apply_along_axis on a traced value dispatch to chainrule.numpy
    x = np.array([-1.0, 2.0])
    g = cr.grad(lambda t: np.sum(np.piecewise(t, [t > 0], [np.sin, np.cos])))(x)
    np.testing.assert_allclose(g, [-np.sin(-1.0), np.cos(2.0)])
    g = cr.grad(lambda t: np.sum(np.apply_along_axis(np.prod, 0, t)))(np.ones((2, 2)) * 3.0)
    np.testing.assert_allclose(g, 3.0)
