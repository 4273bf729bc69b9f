"""Derivatives of solutions (implicit function theorem) against finite differences of the
re-solved problem."""

import warnings

import numpy as np
import pytest
import scipy.optimize as so

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import optimize as co

TIGHT = {"method": "trust-exact", "options": {"gtol": 1e-13}}


def objective(x, theta, w):
    """A non-quadratic, strongly convex objective whose minimizer depends on theta."""
    return (cnp.sum(w * (x - theta) ** 2) + 0.25 * cnp.sum(x ** 4)
            + 0.1 * cnp.sum(x[1:] * x[:-1]) + cnp.sum(cnp.sin(theta) * x))


W = np.array([1.0, 2.0, 0.5, 1.5])
THETA = np.array([0.3, -0.7, 1.1, 0.2])
X0 = np.zeros(4)


def central_fd(fun, x, eps=1e-5):
    x = np.asarray(x, float)
    out = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        out.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * eps))
    return np.stack(out, axis=-1)


def solve_numpy(theta):
    """The re-solved problem, without chainrule in the loop."""
    return co.minimize(objective, X0, (theta, W), **TIGHT).x


def loss(theta, implicit="dense", method="BFGS"):
    x = co.argmin(objective, X0, (theta, W), method=method, implicit_diff=implicit,
                  options={"gtol": 1e-12} if method == "BFGS" else None)
    return cnp.sum(x ** 2 * cnp.arange(1.0, 5.0))


@pytest.mark.parametrize("implicit", ["dense", "cg"])
@pytest.mark.parametrize("method", ["BFGS", "Nelder-Mead", "Newton-CG"])
def test_argmin_grad_matches_finite_differences(implicit, method):
    if method == "Nelder-Mead":
        kw = {"options": {"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000}}
    else:
        kw = {}
    x_of = lambda th: co.argmin(objective, X0, (th, W), method=method,
                                implicit_diff=implicit, **kw)
    g = cr.grad(lambda th: cnp.sum(x_of(th) ** 2 * cnp.arange(1.0, 5.0)))(THETA)
    fd = central_fd(lambda th: np.sum(solve_numpy(th) ** 2 * np.arange(1.0, 5.0)), THETA)
    np.testing.assert_allclose(g, fd, rtol=1e-5 if method != "Nelder-Mead" else 1e-3,
                               atol=1e-7)


def test_full_jacobian_forward_and_reverse():
    jac_fd = central_fd(solve_numpy, THETA)
    x_of = lambda th: co.argmin(objective, X0, (th, W), **TIGHT)
    np.testing.assert_allclose(cr.jacrev(x_of)(THETA), jac_fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(cr.jacfwd(x_of)(THETA), jac_fd, rtol=1e-6, atol=1e-8)
    v = np.array([1.0, -2.0, 0.5, 0.3])
    _, tangent = cr.jvp(x_of, (THETA,), (v,))
    np.testing.assert_allclose(tangent, jac_fd @ v, rtol=1e-6, atol=1e-8)


def test_second_derivative_through_the_solution():
    f = lambda th: cnp.sum(co.argmin(objective, X0, (th, W), **TIGHT) ** 3)
    h = cr.hessian(f)(THETA)
    fd = central_fd(lambda th: cr.grad(f)(th), THETA, eps=1e-4)
    np.testing.assert_allclose(h, fd, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(h, h.T, atol=1e-10)


def test_minimize_result_x_and_fun_are_differentiable():
    """``minimize(...).x`` and ``.fun`` carry derivatives when args are traced."""
    def both(th):
        res = co.minimize(objective, X0, args=(th, W), **TIGHT)
        return cnp.sum(res.x), res.fun

    g_x = cr.grad(lambda th: both(th)[0])(THETA)
    g_f = cr.grad(lambda th: both(th)[1])(THETA)
    np.testing.assert_allclose(g_x, central_fd(lambda th: solve_numpy(th).sum(), THETA),
                               rtol=1e-6, atol=1e-8)
    # envelope theorem: d f(x*(th), th) / d th = (partial f / partial th) at x*
    x_star = solve_numpy(THETA)
    partial = cr.grad(lambda th: objective(x_star, th, W))(THETA)
    np.testing.assert_allclose(g_f, partial, rtol=1e-7, atol=1e-9)


def test_pytree_parameters_and_solution():
    def f(p, params):
        return (cnp.sum((p["a"] - params["c"]) ** 2) + (p["b"] - 2 * params["d"]) ** 2
                + 0.5 * p["b"] ** 4 + cnp.sum(p["a"] ** 4))

    x0 = {"a": np.zeros(2), "b": 0.0}

    def out(c, d):
        x = co.argmin(f, x0, ({"c": c, "d": d},), **TIGHT)
        return cnp.sum(x["a"] * np.array([1.0, 3.0])) + x["b"]

    c, d = np.array([0.5, -1.0]), 0.7
    gc, gd = cr.grad(out, argnums=(0, 1))(c, d)

    def solved(c, d):
        x = co.minimize(f, x0, ({"c": c, "d": d},), **TIGHT).x
        return np.sum(x["a"] * [1.0, 3.0]) + x["b"]

    np.testing.assert_allclose(gc, central_fd(lambda cc: solved(cc, d), c), rtol=1e-6)
    np.testing.assert_allclose(gd, (solved(c, d + 1e-6) - solved(c, d - 1e-6)) / 2e-6,
                               rtol=1e-5)


def test_active_bounds_have_zero_derivative():
    # minimizer of sum((x - theta)^2 + 0.1 x^4) clipped to [0, 0.5]: components whose
    # unconstrained optimum leaves the box sit on a bound
    f = lambda x, th: cnp.sum((x - th) ** 2 + 0.1 * x ** 4)
    theta = np.array([-0.4, 0.2, 0.9])  # -> x = [0 (bound), free, 0.5 (bound)]
    bounds = [(0.0, 0.5)] * 3
    sol = lambda th: co.minimize(f, np.full(3, 0.25), (th,), method="L-BFGS-B",
                                 bounds=bounds, options={"gtol": 1e-12, "ftol": 1e-15}).x
    jac = cr.jacrev(lambda th: co.argmin(f, np.full(3, 0.25), (th,), method="L-BFGS-B",
                                         bounds=bounds,
                                         options={"gtol": 1e-12, "ftol": 1e-15}))(theta)
    fd = central_fd(sol, theta, eps=1e-6)
    np.testing.assert_allclose(jac, fd, atol=1e-5)
    assert jac[0, 0] == 0 and jac[2, 2] == 0 and jac[1, 1] > 0


def test_only_x0_traced_gives_zero_derivative():
    f = lambda x: cnp.sum((x - 1.0) ** 2)
    g = cr.grad(lambda x0: cnp.sum(co.argmin(f, x0)))(np.array([0.3, -0.2]))
    np.testing.assert_allclose(g, 0.0)


def test_root_and_scalar_solvers_are_differentiable():
    F = lambda x, a: cnp.stack([x[0] ** 3 + x[1] - a[0], x[0] - x[1] ** 3 - a[1]])
    a = np.array([1.5, 0.2])

    def solve(a, implicit="dense"):
        return co.root(F, np.array([1.0, 0.5]), args=(a,), implicit_diff=implicit).x

    fd = central_fd(lambda aa: so.root(lambda x: [x[0] ** 3 + x[1] - aa[0],
                                                  x[0] - x[1] ** 3 - aa[1]],
                                       [1.0, 0.5], tol=1e-14).x, a)
    np.testing.assert_allclose(cr.jacrev(solve)(a), fd, rtol=1e-6)
    np.testing.assert_allclose(cr.jacfwd(solve)(a), fd, rtol=1e-6)
    g = cr.grad(lambda aa: cnp.sum(solve(aa, "cg")))(a)
    np.testing.assert_allclose(g, fd.sum(axis=0), rtol=1e-6)

    # scalar roots: x^3 + c x - 1 = 0 -> dx/dc = -x / (3 x^2 + c)
    f = lambda x, c: x ** 3 + c * x - 1.0
    for kw in ({"x0": 1.0}, {"bracket": (0.0, 2.0)}, {"x0": 1.0, "method": "halley"}):
        r = lambda c: co.root_scalar(f, args=(c,), **kw).root
        x = r(0.5)
        assert cr.grad(r)(0.5) == pytest.approx(-x / (3 * x ** 2 + 0.5), rel=1e-8)
    nx = lambda c: co.newton(f, 1.0, args=(c,))
    x = nx(0.5)
    assert cr.grad(nx)(0.5) == pytest.approx(-x / (3 * x ** 2 + 0.5), rel=1e-8)

    # minimize_scalar: d/da argmin (x - a)^2 + x^4/4 = 2 / (2 + 3 x^2)
    m = lambda a: co.minimize_scalar(lambda x, a: (x - a) ** 2 + x ** 4 / 4, args=(a,),
                                     tol=1e-12).x
    x = m(1.0)
    assert cr.grad(m)(1.0) == pytest.approx(2 / (2 + 3 * x ** 2), rel=1e-6)


def test_least_squares_solution_is_differentiable():
    t = np.linspace(0, 2, 30)

    def fit(y):
        return co.least_squares(lambda p, y: p[0] * cnp.exp(-p[1] * t) - y, [1.0, 1.0],
                                args=(y,), method="lm", xtol=1e-15, ftol=1e-15,
                                gtol=1e-15).x

    y = 2.0 * np.exp(-1.5 * t) + 0.05 * np.sin(7 * t)
    v = np.cos(3 * t)
    _, tangent = cr.jvp(fit, (y,), (v,))
    ref = lambda yy: so.least_squares(lambda p: p[0] * np.exp(-p[1] * t) - yy, [1.0, 1.0],
                                      method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    eps = 1e-4  # the solver's own precision makes smaller steps noisy
    np.testing.assert_allclose(tangent, (ref(y + eps * v) - ref(y - eps * v)) / (2 * eps),
                               rtol=1e-5)


def test_helpful_errors():
    theta = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="args="):
        cr.grad(lambda th: cnp.sum(co.minimize(lambda x: cnp.sum((x - th) ** 2),
                                               np.zeros(2)).x))(theta)
    with pytest.raises(TypeError, match="forward-mode.*implicit_diff='cg'"):
        cr.jvp(lambda th: co.argmin(lambda x, t: cnp.sum((x - t) ** 2), np.zeros(2), (th,),
                                    implicit_diff="cg"), (theta,), (theta,))
    with pytest.raises(ValueError, match="constrained"):
        cr.grad(lambda th: cnp.sum(co.minimize(
            lambda x, t: cnp.sum((x - t) ** 2), np.zeros(2), (th,), method="SLSQP",
            constraints={"type": "ineq", "fun": lambda x: x[0]}).x))(theta)


def test_clear_error_under_vmap_and_jit():
    f = lambda x, a: cnp.sum((x - a) ** 2)
    A = np.ones((3, 2))
    with pytest.raises(TypeError, match="cannot run under vmap or jit"):
        cr.vmap(lambda a: co.argmin(f, np.zeros(2), (a,)))(A)
    with pytest.raises(TypeError, match="cannot run under vmap or jit"):
        cr.jit(lambda a: co.argmin(f, np.zeros(2), (a,)))(A[0])


def test_warns_when_the_solver_did_not_converge():
    f = lambda x, a: cnp.sum((x - a) ** 2) + cnp.sum(x ** 4)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        cr.grad(lambda a: cnp.sum(co.argmin(f, np.zeros(3), (a,),
                                            options={"maxiter": 1})))(np.ones(3))
    assert any("did not converge" in str(x.message) for x in w)
