"""chainrule.optimize against SciPy: same answers, exact derivatives, pytrees, clear errors."""

import warnings

import numpy as np
import pytest
import scipy.optimize as so

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import optimize as co


def rosen(x):
    return cnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


_HESSP = ("Newton-CG", "trust-ncg", "trust-krylov", "trust-constr")
_HESS = ("trust-exact", "dogleg")
_FREE = ("Nelder-Mead", "Powell")


def _scipy_reference(method, x0, jac=so.rosen_der):
    kw = {}
    if method in _HESSP:
        kw["hessp"] = so.rosen_hess_prod
    if method in _HESS:
        kw["hess"] = so.rosen_hess
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return so.minimize(so.rosen, x0, method=method,
                           jac=None if method in _FREE else jac, **kw)


CASES = [(m, n) for m in ("BFGS", "L-BFGS-B", "CG", "Newton-CG", "trust-ncg", "trust-krylov",
                          "trust-exact", "trust-constr", "SLSQP", "Powell")
         for n in (2, 10)]
CASES += [("TNC", 2), ("Nelder-Mead", 2), ("dogleg", 2), ("dogleg", 10)]
CASES += [(m, 100) for m in ("L-BFGS-B", "Newton-CG", "trust-krylov")]


@pytest.mark.parametrize("method,n", CASES)
def test_rosenbrock_matches_scipy(method, n):
    x0 = np.full(n, 1.1) if method == "dogleg" else np.linspace(-1.2, 1.0, n)
    res = co.minimize(rosen, x0, method=method)
    ref = _scipy_reference(method, x0)
    # Only what holds whatever the NumPy/SciPy/BLAS versions: the AD gradient agrees with
    # SciPy's analytic one to rounding, and rounding-level differences may send the
    # iterations along slightly different paths (in 100 dimensions they do), so neither
    # the iteration path nor the exact evaluation count is compared here; the test below
    # checks the identical path when both are given the very same gradient values.
    assert res.success and ref.success
    assert isinstance(res, so.OptimizeResult)
    np.testing.assert_allclose(res.x, np.ones(n), atol=1e-2 if n == 100 else 2e-3)
    assert res.fun < 1e-5
    for field in ("x", "fun", "nit", "nfev", "status", "success", "message"):
        assert field in res
    for field in ("njev", "nhev", "hess_inv", "jac"):
        assert (field in res) == (field in ref)
    assert np.max(np.abs(so.rosen_der(res.x))) < 0.1  # near-stationary
    # The reported gradient is the exact one at the returned point (Newton-CG reports it
    # at the previous iterate, as SciPy's does; trust-constr's jac is the constraints').
    if method not in _FREE + ("trust-constr", "Newton-CG"):
        np.testing.assert_allclose(res.jac, so.rosen_der(res.x), rtol=1e-9, atol=1e-12)
    # The AD gradient costs no extra evaluations.  Paths differ by rounding only, which
    # moves the count by a few percent either way; one extra evaluation per iteration
    # would double it.
    assert res.nfev <= 1.5 * ref.nfev + 10


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B", "Newton-CG", "trust-krylov"])
def test_same_path_as_scipy_given_the_same_gradient(method):
    """Fed the very same derivative values, SciPy and chainrule take identical steps."""
    x0 = np.linspace(-1.2, 1.0, 30)
    res = co.minimize(rosen, x0, method=method)
    kw = {}
    if method in _HESSP:
        kw["hessp"] = lambda x, p: cr.jvp(cr.grad(rosen), (x,), (p,))[1]
    ref = so.minimize(lambda x: float(rosen(x)), x0, jac=cr.grad(rosen), method=method, **kw)
    assert res.nfev == ref.nfev and res.nit == ref.nit
    np.testing.assert_array_equal(res.x, ref.x)


def test_fields_hess_inv_njev_nhev():
    x0 = np.array([-1.2, 1.0])
    res = co.minimize(rosen, x0, method="BFGS")
    assert res.hess_inv.shape == (2, 2)
    np.testing.assert_allclose(res.hess_inv, np.linalg.inv(so.rosen_hess(res.x)), rtol=0.1)
    res = co.minimize(rosen, x0, method="L-BFGS-B")
    assert res.hess_inv.todense().shape == (2, 2)
    assert res.njev == res.nfev  # one AD pass gives both
    res = co.minimize(rosen, x0, method="Newton-CG")
    assert res.nhev > 0


def test_default_methods_follow_scipy():
    f = lambda x: cnp.sum((x - 2.0) ** 2)
    assert co.minimize(f, np.zeros(2)).message == so.minimize(
        lambda x: np.sum((x - 2) ** 2), np.zeros(2), jac=lambda x: 2 * (x - 2)).message
    res = co.minimize(f, np.zeros(2), bounds=[(0, 1), (0, 3)])
    np.testing.assert_allclose(res.x, [1.0, 2.0], atol=1e-8)
    assert "CONVERGENCE" in res.message  # L-BFGS-B's message


def test_scalar_and_list_x0_like_scipy():
    res = co.minimize(lambda x: (x[0] - 3.0) ** 2, 0.0)
    assert res.x.shape == (1,)
    np.testing.assert_allclose(res.x, [3.0], atol=1e-6)
    res = co.minimize(rosen, [-1.2, 1.0])
    assert isinstance(res.x, np.ndarray) and res.x.shape == (2,)


def test_args_and_extra_arguments():
    f = lambda x, a, b: cnp.sum((x - a) ** 2) * b
    res = co.minimize(f, np.zeros(3), args=(np.array([1.0, 2.0, 3.0]), 2.0))
    np.testing.assert_allclose(res.x, [1, 2, 3], atol=1e-6)


def test_pytree_x0():
    def f(p):
        return rosen(cnp.concatenate([p["a"], cnp.reshape(p["b"], (-1,))])) + (p["c"] - 2) ** 2

    x0 = {"a": np.array([0.5, 0.0]), "b": np.zeros((2, 2)), "c": 0.5}
    res = co.minimize(f, x0, method="L-BFGS-B", options={"gtol": 1e-10, "ftol": 1e-14})
    assert set(res.x) == {"a", "b", "c"}
    assert res.x["b"].shape == (2, 2) and np.shape(res.x["c"]) == ()
    np.testing.assert_allclose(res.x["a"], 1.0, atol=1e-4)
    np.testing.assert_allclose(res.x["b"], 1.0, atol=1e-4)
    np.testing.assert_allclose(res.x["c"], 2.0, atol=1e-6)
    assert set(res.jac) == {"a", "b", "c"}
    # tuple pytree with a callback that sees the structure
    seen = []
    res = co.minimize(lambda t: cnp.sum((t[0] - 1) ** 2) + (t[1] + 1) ** 2,
                      (np.zeros(2), 0.0), callback=lambda xk: seen.append(xk))
    assert isinstance(res.x, tuple) and isinstance(seen[0], tuple)
    np.testing.assert_allclose(res.x[0], 1.0, atol=1e-6)


def test_callback_intermediate_result_sees_pytree():
    seen = []
    co.minimize(lambda p: cnp.sum((p["w"] - 1) ** 2), {"w": np.zeros(2)},
                callback=lambda intermediate_result: seen.append(intermediate_result))
    assert seen and isinstance(seen[0].x, dict)


@pytest.mark.parametrize("method", ["L-BFGS-B", "TNC", "SLSQP", "trust-constr", "Powell",
                                    "Nelder-Mead"])
def test_bounded_problem_matches_scipy(method):
    f = lambda x: (x[0] - 2.0) ** 2 + (x[1] + 1.0) ** 2 + x[0] * x[1]
    fn = lambda x: (x[0] - 2.0) ** 2 + (x[1] + 1.0) ** 2 + x[0] * x[1]
    bounds = [(0.0, 1.5), (-0.5, 2.0)]
    x0 = np.array([0.5, 0.5])
    res = co.minimize(f, x0, method=method, bounds=bounds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = so.minimize(fn, x0, method=method, bounds=bounds)
    # analytic: x0 at its upper bound 1.5, x1 = -1 - x0/2 -> -1.75 clipped to -0.5
    np.testing.assert_allclose(res.x, [1.5, -0.5], atol=3e-4)
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6 if method != "trust-constr" else 1e-4)


def test_pytree_bounds():
    f = lambda p: cnp.sum((p["w"] - 3.0) ** 2) + (p["b"] + 3.0) ** 2
    x0 = {"w": np.zeros(3), "b": 0.0}
    res = co.minimize(f, x0, bounds=({"w": np.array([0.0, 0.0, -1.0]), "b": -1.0},
                                     {"w": np.array([2.0, 5.0, 2.5]), "b": None}))
    np.testing.assert_allclose(res.x["w"], [2.0, 3.0, 2.5], atol=1e-8)
    np.testing.assert_allclose(res.x["b"], -1.0, atol=1e-8)
    res2 = co.minimize(f, x0, bounds=co.Bounds({"w": 0.0, "b": -1.0}, 2.0))
    np.testing.assert_allclose(res2.x["w"], 2.0, atol=1e-8)
    np.testing.assert_allclose(res2.x["b"], -1.0, atol=1e-8)
    # one number for everything
    res3 = co.minimize(f, x0, bounds=(-1.0, 2.0))
    np.testing.assert_allclose(res3.x["w"], 2.0, atol=1e-8)


def test_constraints_get_ad_jacobians():
    # SciPy's tutorial problem: solution (1.4, 1.7)
    fun = lambda x: (x[0] - 1) ** 2 + (x[1] - 2.5) ** 2
    cons = ({"type": "ineq", "fun": lambda x: x[0] - 2 * x[1] + 2},
            {"type": "ineq", "fun": lambda x: -x[0] - 2 * x[1] + 6},
            {"type": "ineq", "fun": lambda x: -x[0] + 2 * x[1] + 2})
    bnds = ((0, None), (0, None))
    res = co.minimize(fun, (2.0, 0.0), method="SLSQP", bounds=bnds, constraints=cons)
    np.testing.assert_allclose(res.x, [1.4, 1.7], atol=1e-6)
    nlc = co.NonlinearConstraint(lambda p: p["x"][0] ** 2 + p["x"][1] ** 2, 0.0, 1.0)
    res = co.minimize(lambda p: -cnp.sum(p["x"]), {"x": np.array([0.1, 0.2])},
                      method="trust-constr", constraints=[nlc])
    np.testing.assert_allclose(res.x["x"], [np.sqrt(0.5)] * 2, atol=1e-5)


def test_user_jac_and_fd_options_respected():
    calls = []

    def jac(x):
        calls.append(1)
        return so.rosen_der(x)

    res = co.minimize(rosen, np.array([-1.2, 1.0]), jac=jac)
    assert calls and res.success
    res = co.minimize(rosen, np.array([-1.2, 1.0]), jac="2-point", method="BFGS")
    assert res.nfev > res.njev  # SciPy's finite differences, as asked
    res = co.minimize(lambda x: (float(rosen(x)), so.rosen_der(x)), np.array([-1.2, 1.0]),
                      jac=True)
    assert res.success


def test_minimize_scalar_matches_scipy():
    f = lambda x: (x - 2.0) * x * (x + 2.0) ** 2
    for method, kw in (("brent", {}), ("golden", {}), ("bounded", {"bounds": (-3, -1)})):
        res = co.minimize_scalar(f, method=method, **kw)
        ref = so.minimize_scalar(lambda x: (x - 2) * x * (x + 2) ** 2, method=method, **kw)
        np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
        assert res.nfev == ref.nfev


# --- least squares and curve fitting --------------------------------------------------------
T = np.linspace(0, 3, 40)
Y_EXACT = 2.0 * np.exp(-1.3 * T) + 0.5
Y_NOISY = Y_EXACT + 0.02 * np.random.default_rng(0).standard_normal(T.size)


@pytest.mark.parametrize("method", ["lm", "trf", "dogbox"])
def test_least_squares_known_solution(method):
    res = co.least_squares(lambda p: p[0] * cnp.exp(-p[1] * T) + p[2] - Y_EXACT,
                           [1.0, 1.0, 0.0], method=method)
    np.testing.assert_allclose(res.x, [2.0, 1.3, 0.5], atol=1e-8)
    assert res.success and res.cost < 1e-20
    ref = so.least_squares(lambda p: p[0] * np.exp(-p[1] * T) + p[2] - Y_NOISY,
                           [1.0, 1.0, 0.0], method=method)
    ours = co.least_squares(lambda p: p[0] * cnp.exp(-p[1] * T) + p[2] - Y_NOISY,
                            [1.0, 1.0, 0.0], method=method)
    np.testing.assert_allclose(ours.x, ref.x, rtol=1e-7)
    # SciPy's finite-difference Jacobian and the AD one differ beyond rounding, so the
    # paths may differ: bound the count rather than compare it exactly.
    assert ours.nfev <= 1.5 * ref.nfev + 5
    np.testing.assert_allclose(ours.jac, [[np.exp(-ours.x[1] * t),
                                           -ours.x[0] * t * np.exp(-ours.x[1] * t), 1.0]
                                          for t in T], atol=1e-12)


def test_least_squares_modes_bounds_loss_pytree():
    resid = lambda p: p[0] * cnp.exp(-p[1] * T) + p[2] - Y_NOISY
    x_f = co.least_squares(resid, [1.0, 1.0, 0.0], jac_mode="fwd").x
    x_r = co.least_squares(resid, [1.0, 1.0, 0.0], jac_mode="rev").x
    np.testing.assert_allclose(x_f, x_r, rtol=1e-10)
    res = co.least_squares(resid, [1.0, 1.0, 0.7], bounds=([0, 0, 0.6], [5, 5, 1]))
    ref = so.least_squares(lambda p: p[0] * np.exp(-p[1] * T) + p[2] - Y_NOISY,
                           [1.0, 1.0, 0.7], bounds=([0, 0, 0.6], [5, 5, 1]))
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
    assert res.x[2] == pytest.approx(0.6)
    res = co.least_squares(resid, [1.0, 1.0, 0.0], loss="soft_l1", f_scale=0.05)
    ref = so.least_squares(lambda p: p[0] * np.exp(-p[1] * T) + p[2] - Y_NOISY,
                           [1.0, 1.0, 0.0], loss="soft_l1", f_scale=0.05)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-6)
    tree = co.least_squares(lambda p: {"r": p["a"] * cnp.exp(-p["k"] * T) + p["c"] - Y_NOISY},
                            {"a": 1.0, "k": 1.0, "c": 0.0}, method="lm")
    np.testing.assert_allclose([tree.x["a"], tree.x["k"], tree.x["c"]], x_f, rtol=1e-7)


@pytest.mark.parametrize("sigma,absolute", [(None, False), ("vary", False), ("vary", True)])
def test_curve_fit_pcov_matches_scipy(sigma, absolute):
    f_c = lambda x, a, b, c: a * cnp.exp(-b * x) + c
    f_n = lambda x, a, b, c: a * np.exp(-b * x) + c
    s = 0.01 + 0.02 * T if sigma == "vary" else None
    popt, pcov = co.curve_fit(f_c, T, Y_NOISY, p0=[1, 1, 0], sigma=s, absolute_sigma=absolute)
    ropt, rcov = so.curve_fit(f_n, T, Y_NOISY, p0=[1, 1, 0], sigma=s, absolute_sigma=absolute)
    np.testing.assert_allclose(popt, ropt, rtol=1e-7)
    np.testing.assert_allclose(pcov, rcov, rtol=1e-5)
    # and with scipy given the exact Jacobian, essentially identical
    jac = lambda x, a, b, c: np.stack([np.exp(-b * x), -a * x * np.exp(-b * x),
                                       np.ones_like(x)], axis=1)
    _, rcov2 = so.curve_fit(f_n, T, Y_NOISY, p0=[1, 1, 0], sigma=s, absolute_sigma=absolute,
                            jac=jac)
    np.testing.assert_allclose(pcov, rcov2, rtol=1e-9)


def test_curve_fit_bounds_and_default_p0():
    f_c = lambda x, a, b, c: a * cnp.exp(-b * x) + c
    popt, pcov = co.curve_fit(f_c, T, Y_NOISY, bounds=([0, 0, 0], [3, 3, 0.45]))
    ropt, rcov = so.curve_fit(lambda x, a, b, c: a * np.exp(-b * x) + c, T, Y_NOISY,
                              bounds=([0, 0, 0], [3, 3, 0.45]))
    np.testing.assert_allclose(popt, ropt, rtol=1e-5)
    np.testing.assert_allclose(pcov, rcov, rtol=1e-3)
    assert popt[2] == pytest.approx(0.45)


# --- roots ---------------------------------------------------------------------------------
def _F(x):
    return cnp.stack([x[0] + 0.5 * (x[0] - x[1]) ** 3 - 1.0, 0.5 * (x[1] - x[0]) ** 3 + x[1]])


@pytest.mark.parametrize("method", ["hybr", "lm", "broyden1", "df-sane"])
def test_root_matches_scipy(method):
    x0 = [0.0, 0.0] if method in ("hybr", "lm") else [0.8, 0.2]
    res = co.root(_F, x0, method=method)
    ref = so.root(lambda x: [x[0] + 0.5 * (x[0] - x[1]) ** 3 - 1.0,
                             0.5 * (x[1] - x[0]) ** 3 + x[1]], x0, method=method)
    assert res.success
    np.testing.assert_allclose(_F(res.x), 0.0, atol=1e-6)
    np.testing.assert_allclose(res.x, [0.8411639, 0.1588361], atol=1e-6)
    if np.allclose(ref.fun, 0.0, atol=1e-6):  # where SciPy (finite differences) found it
        np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
    if method in ("hybr", "lm"):
        assert res.njev >= 1  # the AD Jacobian was used


def test_root_pytree():
    res = co.root(lambda p: {"u": p["a"] ** 2 - 4.0, "v": p["a"] * p["b"] - 1.0},
                  {"a": 1.0, "b": 1.0})
    assert res.x["a"] == pytest.approx(2.0) and res.x["b"] == pytest.approx(0.5)


def test_root_scalar_and_newton():
    sol = co.root_scalar(lambda x: x ** 3 - 2.0, x0=1.0)
    assert sol.method == "newton" and sol.converged
    assert sol.root == pytest.approx(2 ** (1 / 3), rel=1e-12)
    ref = so.root_scalar(lambda x: x ** 3 - 2.0, x0=1.0, fprime=lambda x: 3 * x ** 2)
    assert abs(sol.iterations - ref.iterations) <= 1  # the last step may differ by rounding
    sol = co.root_scalar(lambda x: x ** 3 - 2.0, x0=1.0, method="halley")
    assert sol.converged and sol.root == pytest.approx(2 ** (1 / 3), rel=1e-12)
    assert sol.iterations <= ref.iterations
    sol = co.root_scalar(lambda x: x ** 3 - 2.0, bracket=(0, 2))
    assert sol.method == "brentq" and sol.root == pytest.approx(2 ** (1 / 3))
    assert co.newton(lambda x: cnp.cos(x) - x, 1.0) == pytest.approx(0.7390851332151607)
    r = co.newton(lambda x: x ** 2 - np.array([2.0, 3.0, 5.0]), np.ones(3))
    np.testing.assert_allclose(r, np.sqrt([2, 3, 5]))
    r, info = co.newton(lambda x: cnp.exp(x) - 2.0, 0.0, fprime2=True, full_output=True)
    assert r == pytest.approx(np.log(2.0)) and info.converged


# --- global optimizers ------------------------------------------------------------------------
def rastrigin(x):
    return 10 * x.size + cnp.sum(x ** 2 - 10 * cnp.cos(2 * np.pi * x))


def test_dual_annealing_finds_global_minimum_reproducibly():
    b = [(-5.12, 5.12)] * 3
    r1 = co.dual_annealing(rastrigin, b, rng=1, maxiter=150)
    r2 = co.dual_annealing(rastrigin, b, rng=np.random.default_rng(1), maxiter=150)
    assert r1.fun < 1e-8
    np.testing.assert_allclose(r1.x, 0.0, atol=1e-6)
    np.testing.assert_array_equal(r1.x, r2.x)
    r3 = co.dual_annealing(lambda p: rastrigin(p["x"]), ({"x": -5.12}, {"x": 5.12}),
                           x0={"x": np.ones(2)}, rng=2, maxiter=100)
    assert isinstance(r3.x, dict) and r3.fun < 1e-8


def test_basinhopping():
    f = lambda x: cnp.cos(14.5 * x[0] - 0.3) + (x[0] + 0.2) * x[0]
    res = co.basinhopping(f, [1.0], niter=25, rng=1)
    ref = so.basinhopping(lambda x: np.cos(14.5 * x[0] - 0.3) + (x[0] + 0.2) * x[0], [1.0],
                          niter=25, rng=1, minimizer_kwargs={"method": "L-BFGS-B"})
    assert res.fun == pytest.approx(ref.fun, abs=1e-8)
    np.testing.assert_allclose(res.x, [-0.195], atol=1e-3)
    res = co.basinhopping(lambda p, c: cnp.sum((p["x"] - c) ** 2), {"x": np.zeros(2)},
                          niter=5, rng=0, minimizer_kwargs={"args": (3.0,)})
    np.testing.assert_allclose(res.x["x"], 3.0, atol=1e-6)


@pytest.mark.parametrize("schedule", ["geometric", "linear", "fast", "logarithmic"])
def test_simulated_annealing(schedule):
    f = lambda x: cnp.sum(x ** 2) + 2 * cnp.sum(1 - cnp.cos(3 * x))
    state = np.random.get_state()[1].copy()
    res = co.simulated_annealing(f, [2.0, -2.5], bounds=[(-4, 4), (-4, 4)], rng=0,
                                 schedule=schedule, maxiter=3000)
    assert res.fun < 0.5 and res.nfev == 3000 + 21 and res.nit == 3000
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # no global seeding
    again = co.simulated_annealing(f, [2.0, -2.5], bounds=[(-4, 4), (-4, 4)],
                                   rng=np.random.default_rng(0), schedule=schedule,
                                   maxiter=3000)
    np.testing.assert_array_equal(res.x, again.x)


def test_simulated_annealing_schedule_values_and_polish():
    temps = []
    co.simulated_annealing(lambda x: cnp.sum(x ** 2), np.ones(2), rng=0, maxiter=50, T0=2.0,
                           schedule=lambda k, t0: t0 / (1 + k) ** 2,
                           callback=lambda x, f, T: temps.append(T) and False)
    assert all(t in [2.0 / (1 + k) ** 2 for k in range(50)] for t in temps)
    res = co.simulated_annealing(lambda p: cnp.sum((p["a"] - 1.0) ** 2), {"a": np.zeros(3)},
                                 rng=0, maxiter=200, polish=True)
    np.testing.assert_allclose(res.x["a"], 1.0, atol=1e-6)
    assert "polished" in res.message
    stop = co.simulated_annealing(lambda x: cnp.sum(x ** 2), np.ones(2), rng=0, maxiter=500,
                                  callback=lambda x, f, T: True)
    assert stop.nit == 1 or "callback" in stop.message


def test_scipy_namespace_is_the_same():
    import chainrule.scipy.optimize as cso

    assert cso.minimize is co.minimize and cso.curve_fit is co.curve_fit
    assert cso.OptimizeResult is so.OptimizeResult


# --- errors -----------------------------------------------------------------------------------
def test_error_non_scalar_objective():
    for method in ("BFGS", "Nelder-Mead"):
        with pytest.raises(ValueError, match="must return a scalar.*shape \\(3,\\)"):
            co.minimize(lambda x: x ** 2, np.ones(3), method=method)


def test_error_nan_at_x0():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="nan at the starting point x0"):
            co.minimize(lambda x: cnp.sum(cnp.log(x)), np.array([1.0, -1.0]))
        with pytest.raises(ValueError, match="nan at the starting point"):
            co.minimize(lambda x: cnp.sum(cnp.log(x)), np.array([1.0, -1.0]),
                        method="Nelder-Mead")
        with pytest.raises(ValueError, match="gradient is not finite at x0"):
            co.minimize(lambda x: cnp.sum(cnp.sqrt(x)), np.array([1.0, 0.0]))
        with pytest.raises(ValueError, match="residuals are not finite at x0"):
            co.least_squares(lambda x: cnp.log(x), np.array([-1.0, 1.0]))


def test_error_bounds_shape_mismatch():
    f = lambda x: cnp.sum(x ** 2)
    with pytest.raises(ValueError, match="2 \\(min, max\\) pairs but x0 has 3"):
        co.minimize(f, np.ones(3), bounds=[(0, 1)] * 2)
    with pytest.raises(ValueError, match="shape \\(2,\\).*shape \\(3,\\)"):
        co.minimize(lambda p: f(p["a"]), {"a": np.ones(3)},
                    bounds=({"a": np.zeros(2)}, None))
    with pytest.raises(ValueError, match="structure"):
        co.minimize(lambda p: f(p["a"]), {"a": np.ones(3)}, bounds=({"b": 0.0}, None))
    with pytest.raises(ValueError, match="does not match x0's shape"):
        co.least_squares(lambda x: x - 1.0, np.ones(3), bounds=(np.zeros(2), 5.0))
    with pytest.raises(ValueError, match="lower bound exceeds"):
        co.minimize(f, np.ones(2), bounds=[(1, 0), (0, 1)])


def test_error_unknown_method():
    f = lambda x: cnp.sum(x ** 2)
    with pytest.raises(ValueError, match="unknown method 'bfgss'.*l-bfgs-b"):
        co.minimize(f, np.ones(2), method="bfgss")
    with pytest.raises(ValueError, match="unknown method"):
        co.least_squares(lambda x: x, np.ones(2), method="gauss")
    with pytest.raises(ValueError, match="unknown method"):
        co.root(lambda x: x, np.ones(2), method="newton")
    with pytest.raises(ValueError, match="unknown method"):
        co.root_scalar(lambda x: x, x0=1.0, method="bogus")
    with pytest.raises(ValueError, match="unknown method"):
        co.minimize_scalar(lambda x: x ** 2, method="newton")
    with pytest.raises(ValueError, match="unknown schedule"):
        co.simulated_annealing(f, np.ones(2), schedule="slow")


def test_error_other_misuse():
    with pytest.raises(TypeError, match="dtype complex"):
        co.minimize(lambda x: cnp.sum(x ** 2) + 1j, np.ones(2))
    with pytest.raises(ValueError, match="'lm'.*does not support bounds"):
        co.least_squares(lambda x: x - 1.0, np.ones(2), method="lm", bounds=(0, 2))
    with pytest.raises(ValueError, match="square system"):
        co.root(lambda x: cnp.stack([x[0], x[1], x[0] + x[1]]), np.ones(2))
    with pytest.raises(ValueError, match="finite bounds"):
        co.dual_annealing(rastrigin, [(-1, np.inf)])


def test_simulated_annealing_high_dimension_makes_progress():
    # The move length no longer grows like sqrt(n): in 50 dimensions it used to return x0
    # (f = 49) with success=True after 50000 moves, none of them accepted as an improvement.
    n = 50
    f0 = float(rosen(np.zeros(n)))
    res = co.simulated_annealing(rosen, np.zeros(n), rng=0, maxiter=50000)
    assert res.success and "no point better" not in res.message
    assert res.fun < 0.9 * f0
    assert res.fun == pytest.approx(float(rosen(res.x)), rel=1e-12)
    assert np.mean(res.x) > 0.05  # moved into the valley towards x = 1


def test_simulated_annealing_reports_no_improvement():
    # From the exact minimum nothing is better: say so rather than claim success.
    res = co.simulated_annealing(lambda x: cnp.sum(x ** 2), np.zeros(3), rng=0, maxiter=300)
    assert not res.success
    assert "no point better than x0" in res.message
    np.testing.assert_array_equal(res.x, np.zeros(3))
    assert res.fun == 0.0


def _blas_threads():
    from threadpoolctl import threadpool_info  # a dependency of chainrule

    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


@pytest.mark.parametrize("solver", ["minimize", "least_squares", "root", "basinhopping"])
def test_small_problems_run_with_one_blas_thread(solver):
    # Several BLAS threads made L-BFGS-B on 100 variables 20x slower on a busy machine.
    from threadpoolctl import threadpool_limits

    seen = []

    def f(x):
        seen.append(_blas_threads())
        return x - 1.0 if solver in ("least_squares", "root") else rosen(x)

    run = {"minimize": lambda: co.minimize(f, np.zeros(20), method="L-BFGS-B"),
           "least_squares": lambda: co.least_squares(f, np.zeros(20)),
           "root": lambda: co.root(f, np.zeros(20)),
           "basinhopping": lambda: co.basinhopping(f, np.zeros(3), niter=2, rng=0)}[solver]
    with threadpool_limits(2, user_api="blas"):
        before = _blas_threads()
        assert before and set(before.values()) == {2}
        run()
        assert _blas_threads() == before  # restored afterwards
    assert seen and all(set(s.values()) == {1} for s in seen)


def test_blas_threads_left_alone_above_the_size_limit():
    from threadpoolctl import threadpool_limits

    seen = []

    def f(x):
        seen.append(_blas_threads())
        return cnp.sum((x - 1.0) ** 2)

    old = cr.config.optimize_blas_threads_max_size
    try:
        cr.config.update("optimize_blas_threads_max_size", 10)
        with threadpool_limits(2, user_api="blas"):
            co.minimize(f, np.zeros(20), method="L-BFGS-B")
    finally:
        cr.config.update("optimize_blas_threads_max_size", old)
    assert seen and all(set(s.values()) == {2} for s in seen)


@pytest.mark.parametrize("method", ["L-BFGS-B", "trust-ncg"])
def test_jitted_objective_gets_compiled_derivatives(method, monkeypatch):
    # A jitted objective's derived gradient (and Hessian-vector product) is compiled once,
    # not obtained by differentiating the compiled program op by op at every evaluation.
    from chainrule._src.compiler import jit as jit_module

    def loss(p, scale):
        s = cr.lax.fori_loop(0, 20, lambda i, s: s + 0.05 * cnp.sin(s * p), cnp.ones(4))
        return scale * cnp.sum((s - 2.0) ** 2) + cnp.sum(p ** 2)

    x0 = np.array([0.3, 0.5, 0.7, 0.9])
    eager = co.minimize(loss, x0, args=(1.5,), method=method)
    expanded = []
    expand = jit_module.jit_call_p.expand
    monkeypatch.setattr(jit_module.jit_call_p, "expand",
                        lambda *a, **k: expanded.append(1) or expand(*a, **k))
    jitted = cr.jit(loss, static_argnums=1)
    res = co.minimize(jitted, x0, args=(1.5,), method=method)
    assert expanded == []
    np.testing.assert_allclose(res.x, eager.x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.jac, eager.jac, rtol=1e-8, atol=1e-12)
    assert res.nit == eager.nit
    np.testing.assert_allclose(res.jac, cr.grad(loss)(res.x, 1.5), rtol=1e-8, atol=1e-14)

    from chainrule.optimize._common import Flattener, ScalarObjective
    obj = ScalarObjective(jitted, Flattener(x0), (1.5,), "minimize")
    for k in range(3):
        f, g = obj.value_and_grad(x0 + k)
        np.testing.assert_allclose(g, cr.grad(loss)(x0 + k, 1.5), rtol=1e-12)
        np.testing.assert_allclose(obj.hessp(x0 + k, np.ones(4)),
                                   cr.hessian(loss)(x0 + k, 1.5) @ np.ones(4), rtol=1e-10)
    assert len(obj._vg_jit.cache) == 1 and len(obj._hvp_jit.cache) == 1
