"""chainrule.scipy.integrate: values against SciPy on the same inputs (plain inputs give
SciPy's own result; traced ones, under jit and vmap, agree to 1e-12), derivatives against
finite differences in both modes and against analytic answers."""

import numpy as np
import pytest
import scipy.integrate as sint

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.scipy.integrate as ci

RNG = np.random.default_rng(1)


def close(got, ref, tol=1e-12):
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.shape == ref.shape
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * scale)


def check(f, args, order=2):
    cr.check_grads(f, args, order=order, modes=("fwd", "rev"))


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 9])
@pytest.mark.parametrize("name", ["trapezoid", "simpson", "cumulative_trapezoid",
                                  "cumulative_simpson"])
def test_sampled_rules_match_scipy(name, n):
    y = RNG.normal(size=(3, n))
    x = np.sort(RNG.uniform(0, 4, n))
    ref_fn, fn = getattr(sint, name), getattr(ci, name)
    for kw in [{}, {"dx": 0.3}, {"x": x}]:
        ref = ref_fn(y, **kw)
        close(cr.jit(lambda v: fn(v, **kw))(y), ref)
        close(cr.jit(lambda v: fn(v.T, axis=0, **kw))(y), ref_fn(y.T, axis=0, **kw))
        close(cr.vmap(lambda v: fn(v, **kw))(y), ref)
    assert type(fn(y, x=x)) is np.ndarray or np.isscalar(fn(y[0], x=x))
    xs = np.linspace(0, 4, n) + np.linspace(-0.3, 0.3, n) ** 2 / n   # well spaced, for FD
    check(lambda v, xx: fn(v, x=xx), (y, xs))
    check(lambda v, d: fn(v, dx=d), (y, np.array(0.3)))


def test_cumulative_initial():
    y = RNG.normal(size=(2, 6))
    close(cr.jit(lambda v: ci.cumulative_trapezoid(v, initial=0))(y),
          sint.cumulative_trapezoid(y, initial=0))
    close(cr.jit(lambda v: ci.cumulative_simpson(v, initial=1.5))(y),
          sint.cumulative_simpson(y, initial=1.5))


@pytest.mark.parametrize("n", [2, 3, 5, 9, 17])
def test_romb(n):
    y = RNG.normal(size=(2, n))
    close(cr.jit(lambda v, d: ci.romb(v, dx=d))(y, 0.2), sint.romb(y, dx=0.2))
    check(lambda v, d: ci.romb(v, dx=d), (y, np.array(0.2)))
    with pytest.raises(ValueError, match="one plus a non-negative power of 2"):
        cr.jit(ci.romb)(np.ones(6))


def test_fixed_quad():
    def f(p, b):
        return ci.fixed_quad(lambda x: cnp.exp(-p * x) * cnp.sin(x), 0.2, b, n=7)[0]
    ref = sint.fixed_quad(lambda x: np.exp(-0.7 * x) * np.sin(x), 0.2, 2.5, n=7)[0]
    close(cr.jit(f)(0.7, 2.5), ref)
    check(f, (np.array(0.7), np.array(2.5)))
    assert ci.fixed_quad(np.cos, 0.0, 1.0) == sint.fixed_quad(np.cos, 0.0, 1.0)


INTEGRANDS = [
    # name, f(x, p), a, b
    ("smooth", lambda x, p: cnp.exp(-p * x) * cnp.cos(3 * x), 0.0, 2.0),
    ("peaked", lambda x, p: 1.0 / ((x - 0.3) ** 2 + 0.01 * p), 0.0, 1.0),
    ("right-infinite", lambda x, p: cnp.exp(-p * x) / (1 + x ** 2), 0.5, np.inf),
    ("left-infinite", lambda x, p: cnp.exp(p * x) * x ** 2, -np.inf, 1.0),
    ("both-infinite", lambda x, p: cnp.exp(-p * x ** 2) * cnp.cos(x), -np.inf, np.inf),
    ("reversed", lambda x, p: cnp.sqrt(x + p), 3.0, 1.0),
    ("reversed-infinite", lambda x, p: cnp.exp(-p * x), np.inf, 0.0),
]


@pytest.mark.parametrize("name,f,a,b", INTEGRANDS, ids=[t[0] for t in INTEGRANDS])
def test_quad_values_match_scipy(name, f, a, b):
    p = 1.3
    ref = sint.quad(lambda x: f(x, p), a, b)[0]
    close(cr.jit(lambda q: ci.quad(lambda x: f(x, q), a, b)[0])(p), ref)
    close(ci.quad(lambda x: f(x, cnp.asarray(p) + 0 * x), a, b)[0], ref)
    ps = np.array([1.1, 1.3, 2.0])
    close(cr.vmap(lambda q: ci.quad(lambda x: f(x, q), a, b)[0])(ps),
          [sint.quad(lambda x: f(x, q), a, b)[0] for q in ps])


@pytest.mark.parametrize("name,f,a,b", INTEGRANDS, ids=[t[0] for t in INTEGRANDS])
def test_quad_derivative_in_parameter(name, f, a, b):
    p = 1.3
    # the derivative is the integral of the derivative
    h = 1e-6
    want = sint.quad(lambda x: (f(x, p + h) - f(x, p - h)) / (2 * h), a, b, epsabs=1e-13)[0]
    close(cr.grad(lambda q: ci.quad(lambda x: f(x, q), a, b)[0])(p), want, tol=1e-7)
    check(lambda q: ci.quad(lambda x: f(x, q), a, b)[0], (np.array(p),))
    check(cr.jit(lambda q: ci.quad(lambda x: f(x, q), a, b)[0]), (np.array(p),), order=1)


def test_quad_derivative_in_limits_is_the_integrand_there():
    def f(x):
        return cnp.exp(-x) * cnp.sin(2 * x)

    def integral(a, b):
        return ci.quad(f, a, b)[0]
    ga, gb = cr.grad(integral, argnums=(0, 1))(0.4, 2.2)
    close(gb, f(2.2), tol=1e-10)
    close(ga, -f(0.4), tol=1e-10)
    check(integral, (np.array(0.4), np.array(2.2)))
    # a finite limit of an infinite range
    g = cr.jit(cr.grad(lambda a: ci.quad(f, a, np.inf)[0]))(0.4)
    close(g, -f(0.4), tol=1e-10)


def test_quad_plain_is_scipys_and_traced_limit_options():
    assert ci.quad(np.sin, 0.0, 1.0) == sint.quad(np.sin, 0.0, 1.0)
    with pytest.raises(NotImplementedError, match="weight"):
        cr.grad(lambda b: ci.quad(cnp.sin, 0.0, b, weight="cos", wvar=1.0)[0])(1.0)


def test_quad_break_points():
    def f(x, p):
        return cnp.abs(x - 0.3) * p + cnp.exp(cnp.maximum(x - 0.7, 0.0))   # kinks only
    ref = sint.quad(lambda x: f(x, 1.5), 0.0, 1.0, points=[0.3, 0.7])[0]
    close(cr.jit(lambda p: ci.quad(lambda x: f(x, p), 0.0, 1.0, points=[0.3, 0.7])[0])(1.5),
          ref)
    close(cr.jit(lambda p: ci.quad(lambda x: f(x, p), 1.0, 0.0, points=[0.7, 0.3, 5.0])[0])(
        1.5), -ref)
    # d/dp = integral of |x - 0.3|
    close(cr.grad(lambda p: ci.quad(lambda x: f(x, p), 0.0, 1.0, points=[0.3, 0.7])[0])(1.5),
          0.3 ** 2 / 2 + 0.7 ** 2 / 2)
    # the static bound on subdivisions: a cap of 3 intervals still jits, less accurately
    got = cr.jit(lambda p: ci.quad(lambda x: 1 / ((x - 0.3) ** 2 + 1e-3 * p), 0.0, 1.0,
                                   limit=3)[0])(1.0)
    assert np.isfinite(got)


def test_dblquad():
    def f(y, x, p):
        return cnp.exp(-p * x * y)

    ref = sint.dblquad(lambda y, x: np.exp(-0.8 * x * y), 0.0, 1.0, 0.0, lambda x: 1 + x)[0]
    got = cr.jit(lambda p: ci.dblquad(lambda y, x: f(y, x, p), 0.0, 1.0, 0.0,
                                      lambda x: 1 + x)[0])(0.8)
    close(got, ref)
    check(lambda p, b: ci.dblquad(lambda y, x: f(y, x, p), 0.0, b, 0.0, lambda x: 1 + x)[0],
          (np.array(0.8), np.array(1.0)), order=1)
    assert ci.dblquad(lambda y, x: x * y, 0, 1, 0, 2) == sint.dblquad(lambda y, x: x * y,
                                                                      0, 1, 0, 2)
