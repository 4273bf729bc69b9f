"""chainrule.numpy.vectorize against numpy.vectorize, and its derivatives."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp


def ramp(x, a):
    return a * x if x > 0 else 0.0 * x


def smooth(x, y):
    return cnp.sin(x) * y + x**2


@pytest.mark.parametrize("fun", [ramp, smooth])
def test_values_match_numpy_with_broadcasting(fun):
    x = np.linspace(-1.0, 2.0, 6).reshape(2, 3)
    y = np.array([0.5, 1.5, 2.5])
    np_fun = np.vectorize(lambda a, b: fun(a, b) if fun is ramp else np.sin(a) * b + a**2)
    np.testing.assert_allclose(cnp.vectorize(fun)(x, y), np_fun(x, y), rtol=1e-14)


@pytest.mark.parametrize("fun", [ramp, smooth])
def test_derivatives_both_modes_order_two(fun):
    x = np.array([-0.7, 0.4, 1.3])
    y = np.array([0.5, 1.5, 2.5])
    cr.check_grads(lambda x, y: cnp.vectorize(fun)(x, y), (x, y), order=2,
                   modes=("fwd", "rev"))


def test_python_branching_falls_back_to_elements_and_stays_differentiable():
    calls = []

    def f(x):
        calls.append(x)
        return x**3 if x > 1.0 else -x
    x = np.array([0.5, 2.0])
    g = cr.grad(lambda x: cnp.sum(cnp.vectorize(f)(x)))(x)
    np.testing.assert_allclose(g, [-1.0, 12.0])


def test_signature_core_dimensions():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(3,))
    dot = cnp.vectorize(lambda u, v: cnp.sum(u * v), signature="(n),(n)->()")
    np.testing.assert_allclose(dot(a, b), a @ b, rtol=1e-14)
    outer = cnp.vectorize(lambda u: (cnp.outer(u, u), cnp.sum(u)), signature="(n)->(n,n),()")
    o, s = outer(a)
    assert o.shape == (4, 3, 3) and s.shape == (4,)
    np.testing.assert_allclose(o[1], np.outer(a[1], a[1]))
    cr.check_grads(lambda a: dot(a, b), (a,), order=2, modes=("fwd", "rev"))


def test_excluded_otypes_decorator_and_empty():
    @cnp.vectorize(excluded={1}, otypes=[np.float32])
    def poly(x, coeffs):
        return sum(c * x**k for k, c in enumerate(coeffs))
    out = poly(np.array([1.0, 2.0]), [1.0, 2.0, 3.0])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [6.0, 17.0])
    assert poly(np.zeros((0,)), [1.0]).shape == (0,)
    with pytest.raises(ValueError, match="otypes"):
        cnp.vectorize(lambda x: x)(np.zeros((0, 2)))


def test_bad_signature_and_inconsistent_core_sizes_raise():
    with pytest.raises(ValueError, match="signature"):
        cnp.vectorize(lambda x: x, signature="(n->()")
    dot = cnp.vectorize(lambda u, v: cnp.sum(u * v), signature="(n),(n)->()")
    with pytest.raises(ValueError, match="core dimension 'n'"):
        dot(np.ones(3), np.ones(4))


def test_under_jit_and_vmap():
    f = cnp.vectorize(smooth)
    x, y = np.linspace(0, 1, 5), np.linspace(1, 2, 5)
    np.testing.assert_allclose(cr.jit(f)(x, y), f(x, y), rtol=1e-14)
    np.testing.assert_allclose(cr.vmap(f)(x.reshape(5, 1), y.reshape(5, 1)),
                               f(x, y).reshape(5, 1), rtol=1e-14)
