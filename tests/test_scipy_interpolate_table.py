"""chainrule.scipy.interpolate, every interpolator in one table: values against SciPy's
(plain and under jit), derivatives in the data and the traced query points against finite
differences in both modes, and the same under jit and under vmap."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.interpolate as si
import scipy.sparse.linalg as ssl

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.scipy.interpolate as ci
from scipy_table import assert_close, table_tests

RNG = np.random.default_rng(11)


def _r(*shape):
    return RNG.normal(size=shape)


# Knots well spaced and queries away from knots and from the midpoints between them (where
# `nearest` jumps), so that finite differences see one smooth piece.
X = np.array([0.0, 0.7, 1.5, 2.1, 3.0, 3.8, 4.4, 5.0])
Q = np.array([-0.3, 0.25, 1.25, 1.95, 2.4, 3.55, 4.25, 5.3])     # extrapolation included
QIN = Q[1:-1]
Y = _r(8)
YP = Y[:-1]      # periodic data: the last value repeats the first (see `_data`)
T3 = np.r_[[0.0] * 4, 1.0, 2.7, 3.2, [5.0] * 4]                      # cubic B-spline knots
GRID = (np.array([0.0, 0.8, 1.7, 3.0]), np.array([-1.0, -0.2, 0.5, 1.0]))
GRID5 = (np.linspace(0.0, 3.0, 5), np.array([-1.0, -0.55, 0.0, 0.4, 1.0]))
XI = np.array([[0.35, -0.5], [1.2, 0.1], [2.2, 0.8], [2.9, -0.9]])
SITES = np.random.default_rng(5).uniform(0, 1, (10, 2))
RBFQ = np.array([[0.2, 0.3], [0.55, 0.7], [0.8, 0.15]])
BX, BY = np.linspace(0.0, 1.0, 6), np.linspace(0.0, 2.0, 7) ** 1.5


def _data(v, bc, xnp):
    """Periodic splines take all values but the last, which repeats the first: every
    perturbation keeps them periodic."""
    return xnp.concatenate([v, v[:1]]) if bc == "periodic" else v


def _cs(bc):
    return (lambda v, q: ci.CubicSpline(X, _data(v, bc, cnp), bc_type=bc)(q),
            lambda v, q: si.CubicSpline(X, _data(v, bc, np), bc_type=bc)(q))


def _cs_method(bc, method):
    def f(v, q):
        return getattr(ci.CubicSpline(X, _data(v, bc, cnp), bc_type=bc), method)()(q)

    def ref(v, q):
        return getattr(si.CubicSpline(X, _data(v, bc, np), bc_type=bc), method)()(q)
    return f, ref


def _cs_integrate(bc):
    return (lambda v, a, b: ci.CubicSpline(X, _data(v, bc, cnp), bc_type=bc).integrate(a, b),
            lambda v, a, b: si.CubicSpline(X, _data(v, bc, np), bc_type=bc).integrate(a, b))


def _interp1d(kind):
    return (lambda v, q: ci.interp1d(X, v, kind=kind, fill_value="extrapolate")(q),
            lambda v, q: si.interp1d(X, v, kind=kind, fill_value="extrapolate")(q))


# `previous` has no value below the first knot, `next` none above the last (NaN there, as
# SciPy's): their derivatives are checked inside
INTERP1D_Q = {"previous": Q[1:], "next": Q[:-1]}


def _rgi(method, grid):
    # SciPy's default solver for the spline methods is iterative (stops near 1e-6); its
    # direct solve is exact
    return (lambda v, q: ci.RegularGridInterpolator(grid, v, method=method)(q),
            lambda v, q: si.RegularGridInterpolator(grid, v, method=method,
                                                    solver=ssl.spsolve)(q)
            if method in ("cubic", "quintic") else
            si.RegularGridInterpolator(grid, v, method=method)(q))


def _rbf(kernel, eps):
    return (lambda d, q: ci.RBFInterpolator(SITES, d, kernel=kernel, epsilon=eps)(q),
            lambda d, q: si.RBFInterpolator(SITES, d, kernel=kernel, epsilon=eps)(q))


def _sites_rbf(kernel, eps):
    return (lambda s: ci.RBFInterpolator(s, SITES[:, 0] ** 2, kernel=kernel,
                                         epsilon=eps)(RBFQ),
            lambda s: si.RBFInterpolator(s, SITES[:, 0] ** 2, kernel=kernel,
                                         epsilon=eps)(RBFQ))


# name: (chainrule function, SciPy function, arguments, derivative order)
CASES = {
    **{f"interp1d {k}": (*_interp1d(k), (Y, INTERP1D_Q.get(k, Q)), 2)
       for k in ["linear", "nearest", "previous", "next", "quadratic", "cubic"]},
    **{f"CubicSpline {bc}": (*_cs(bc), (YP if bc == "periodic" else Y, Q), 2)
       for bc in ["not-a-knot", "natural", "clamped", "periodic"]},
    "CubicSpline explicit derivatives": (
        lambda v, q: ci.CubicSpline(X, v, bc_type=((1, 0.4), (2, -0.7)))(q),
        lambda v, q: si.CubicSpline(X, v, bc_type=((1, 0.4), (2, -0.7)))(q), (Y, Q), 2),
    "CubicSpline in its boundary derivatives": (
        lambda d0, d1, q: ci.CubicSpline(X, Y, bc_type=((1, d0), (1, d1)))(q),
        lambda d0, d1, q: si.CubicSpline(X, Y, bc_type=((1, d0), (1, d1)))(q),
        (np.array(0.4), np.array(-0.7), Q), 2),
    **{f"CubicSpline {bc} .derivative()": (*_cs_method(bc, "derivative"),
                                           (YP if bc == "periodic" else Y, Q), 2)
       for bc in ["not-a-knot", "clamped", "periodic"]},
    "CubicSpline natural .antiderivative()": (*_cs_method("natural", "antiderivative"),
                                              (Y, Q), 2),
    # SciPy's antiderivative of a periodic spline does not extrapolate (NaN outside)
    "CubicSpline periodic .antiderivative()": (*_cs_method("periodic", "antiderivative"),
                                               (YP, QIN), 2),
    **{f"CubicSpline {bc} .integrate()": (*_cs_integrate(bc),
                                          (YP if bc == "periodic" else Y, np.array(0.3),
                                           np.array(4.2)), 2)
       for bc in ["not-a-knot", "periodic"]},
    "CubicSpline .integrate() extrapolated": (
        *_cs_integrate("not-a-knot"), (Y, np.array(-0.5), np.array(5.6)), 2),
    "CubicSpline vector values": (lambda v, q: ci.CubicSpline(X, v)(q),
                                  lambda v, q: si.CubicSpline(X, v)(q), (_r(8, 2), Q), 2),
    "CubicHermiteSpline": (lambda v, d, q: ci.CubicHermiteSpline(X, v, d)(q),
                           lambda v, d, q: si.CubicHermiteSpline(X, v, d)(q),
                           (Y, _r(8), Q), 2),
    "PchipInterpolator": (lambda v, q: ci.PchipInterpolator(X, v)(q),
                          lambda v, q: si.PchipInterpolator(X, v)(q), (Y, Q), 2),
    "Akima1DInterpolator": (lambda v, q: ci.Akima1DInterpolator(X, v)(q),
                            lambda v, q: si.Akima1DInterpolator(X, v)(q), (Y, QIN), 2),
    "Akima1DInterpolator makima": (
        lambda v, q: ci.Akima1DInterpolator(X, v, method="makima", extrapolate=True)(q),
        lambda v, q: si.Akima1DInterpolator(X, v, method="makima", extrapolate=True)(q),
        (Y, Q), 2),
    "PPoly": (lambda c, q: ci.PPoly(c, X)(q), lambda c, q: si.PPoly(c, X)(q),
              (_r(4, 7), Q), 2),
    "make_interp_spline k=3": (lambda v, q: ci.make_interp_spline(X, v)(q),
                               lambda v, q: si.make_interp_spline(X, v)(q), (Y, Q), 2),
    "make_interp_spline k=1": (lambda v, q: ci.make_interp_spline(X, v, k=1)(q),
                               lambda v, q: si.make_interp_spline(X, v, k=1)(q), (Y, Q), 2),
    "BSpline": (lambda c, q: ci.BSpline(T3, c, 3)(q), lambda c, q: si.BSpline(T3, c, 3)(q),
                (_r(7), Q), 2),
    "BSpline .derivative()": (lambda c, q: ci.BSpline(T3, c, 3).derivative()(q),
                              lambda c, q: si.BSpline(T3, c, 3).derivative()(q),
                              (_r(7), Q), 2),
    "splrep/splev": (lambda v, q: ci.splev(q, ci.splrep(X, v, s=0)),
                     lambda v, q: si.splev(q, si.splrep(X, v, s=0)), (Y, Q), 2),
    **{f"RegularGridInterpolator {m}": (*_rgi(m, GRID), (_r(4, 4), XI), 2)
       for m in ["linear", "nearest", "slinear"]},
    "RegularGridInterpolator cubic": (*_rgi("cubic", GRID5), (_r(5, 5), XI), 2),
    "interpn": (lambda v, q: ci.interpn(GRID, v, q), lambda v, q: si.interpn(GRID, v, q),
                (_r(4, 4, 2), XI), 2),
    "RectBivariateSpline": (
        lambda z, a, b: ci.RectBivariateSpline(BX, BY, z).ev(a, b),
        lambda z, a, b: si.RectBivariateSpline(BX, BY, z).ev(a, b),
        (_r(6, 7), np.array([0.1, 0.45, 0.8]), np.array([0.3, 1.1, 2.5])), 2),
    "RectBivariateSpline grid": (
        lambda z, a, b: ci.RectBivariateSpline(BX, BY, z)(a, b),
        lambda z, a, b: si.RectBivariateSpline(BX, BY, z)(a, b),
        (_r(6, 7), np.array([0.1, 0.45, 0.8]), np.array([0.3, 1.1])), 2),
    "RBFInterpolator thin_plate_spline": (*_rbf("thin_plate_spline", None),
                                          (_r(10), RBFQ), 1),
    "RBFInterpolator gaussian": (*_rbf("gaussian", 3.0), (_r(10), RBFQ), 2),
    "RBFInterpolator gaussian in the sites": (*_sites_rbf("gaussian", 3.0), (SITES,), 1),
}
# small perturbations keep every query on its piece
(test_values_plain_and_traced, test_derivatives, test_derivatives_under_jit, test_vmap,
 test_derivatives_under_vmap) = table_tests(CASES, perturb=0.01, seed=3)


# Bad data traced by jit: its values are unknown while tracing, so the compiled function
# checks them when it runs and raises SciPy's error (never a silently NaN or wrong result).
NAN_Y = np.where(np.arange(8) == 3, np.nan, Y)
DEC_X, DUP_X = X[::-1].copy(), np.r_[X[:3], X[2:7]]
BAD = {
    "CubicSpline nan y": (lambda x, y: si.CubicSpline(x, y)(1.0),
                          lambda x, y: ci.CubicSpline(x, y)(1.0), (X, NAN_Y)),
    "PchipInterpolator nan y": (lambda x, y: si.PchipInterpolator(x, y)(1.0),
                                lambda x, y: ci.PchipInterpolator(x, y)(1.0), (X, NAN_Y)),
    "Akima1DInterpolator nan y": (lambda x, y: si.Akima1DInterpolator(x, y)(1.0),
                                  lambda x, y: ci.Akima1DInterpolator(x, y)(1.0), (X, NAN_Y)),
    "CubicHermiteSpline nan y": (lambda x, y: si.CubicHermiteSpline(x, y, y)(1.0),
                                 lambda x, y: ci.CubicHermiteSpline(x, y, y)(1.0), (X, NAN_Y)),
    "CubicHermiteSpline nan dydx": (lambda y, d: si.CubicHermiteSpline(X, y, d)(1.0),
                                    lambda y, d: ci.CubicHermiteSpline(X, y, d)(1.0),
                                    (Y, NAN_Y)),
    **{f"make_interp_spline {lab}": (lambda x, y: si.make_interp_spline(x, y)(1.0),
                                     lambda x, y: ci.make_interp_spline(x, y)(1.0), args)
       for lab, args in [("nan y", (X, NAN_Y)), ("nan x", (NAN_Y, Y)),
                         ("decreasing x", (DEC_X, Y)), ("duplicate x", (DUP_X, Y))]},
    **{f"RectBivariateSpline {lab}": (
        lambda x, z: si.RectBivariateSpline(x, BY, z)(0.5, 0.5),
        lambda x, z: ci.RectBivariateSpline(x, BY, z)(0.5, 0.5), (x, np.ones((8, 7))))
       for lab, x in [("decreasing x", DEC_X), ("duplicate x", DUP_X)]},
    "BSpline decreasing knots": (
        lambda t, c: si.BSpline(t, c, 3)(1.0), lambda t, c: ci.BSpline(t, c, 3)(1.0),
        (np.r_[[0.0] * 4, 2.7, 1.0, 3.2, [5.0] * 4], np.ones(7))),
    "RegularGridInterpolator duplicate points": (
        lambda x, v: si.RegularGridInterpolator((x,), v)([[1.0]]),
        lambda x, v: ci.RegularGridInterpolator((x,), v)(np.array([[1.0]])), (DUP_X, Y)),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_data_traced_by_jit_gives_scipys_error(name):
    ref, f, args = BAD[name]
    with pytest.raises(ValueError) as plain:
        ref(*args)
    with pytest.raises(ValueError) as traced:
        cr.jit(f)(*args)
    assert str(traced.value) == str(plain.value)
    with pytest.raises(ValueError) as differentiated:   # values known: checked at once
        cr.jacfwd(f, argnums=(0, 1))(*args)
    assert str(differentiated.value) == str(plain.value)


def test_regular_grid_descending_points_as_scipy_under_transforms():
    # SciPy accepts a strictly descending grid; so does the traced path where the points are
    # known (values differentiated, or the grid closed over).
    g = (GRID[0][::-1].copy(), GRID[1])
    v = _r(4, 4)
    for method in ["linear", "nearest", "slinear", "cubic"]:
        kw = {"solver": ssl.spsolve} if method == "cubic" else {}
        gg = (np.linspace(3.0, 0.0, 5), GRID5[1]) if method == "cubic" else g
        vv = _r(5, 5) if method == "cubic" else v
        want = si.RegularGridInterpolator(gg, vv, method=method, **kw)(XI)
        assert_close(cr.jit(lambda w, q: ci.RegularGridInterpolator(
            gg, w, method=method)(q))(vv, XI), want)
    cr.check_grads(lambda w, q: ci.RegularGridInterpolator(g, w)(q), (v, XI), order=2,
                   modes=("fwd", "rev"))
    assert_close(cr.jacfwd(lambda p: ci.RegularGridInterpolator((p, g[1]), v)(XI))(g[0]),
                  cr.jacfwd(lambda p: ci.RegularGridInterpolator((p, g[1]), v[::-1])(XI))(
                      GRID[0])[:, ::-1])
    # traced by jit, a descending grid is reported when the compiled function runs
    with pytest.raises(ValueError, match="dimension 0 must be strictly ascending"):
        cr.jit(lambda p: ci.RegularGridInterpolator((p, g[1]), v)(XI))(g[0])


def test_interp1d_bounds_error_under_jit_is_scipys_error():
    # query points (or knots) traced by jit: the range is checked when the compiled function
    # runs, as SciPy checks it, instead of returning NaN
    with pytest.raises(ValueError) as plain:
        si.interp1d(X, Y)(np.array([1.0, 7.5]))
    with pytest.raises(ValueError) as traced:
        cr.jit(lambda q: ci.interp1d(X, Y)(q))(np.array([1.0, 7.5]))
    assert str(traced.value) == str(plain.value)
    with pytest.raises(ValueError) as traced:   # the knots traced, the query point not
        cr.jit(lambda x: ci.interp1d(x, Y, assume_sorted=True)(7.5))(X)
    assert str(traced.value) == str(plain.value)
    with pytest.raises(ValueError, match="below the interpolation range"):
        cr.jit(cr.vmap(lambda q: ci.interp1d(X, Y, kind="cubic")(q)))(np.array([-1.0, 2.0]))
    # inside the range: SciPy's values and derivatives
    q = np.array([0.3, 2.2, 4.9])
    assert_close(cr.jit(lambda q: ci.interp1d(X, Y)(q))(q), si.interp1d(X, Y)(q))
    cr.check_grads(cr.jit(lambda v, q: ci.interp1d(X, v, kind="quadratic")(q)), (Y, q),
                   order=1, modes=("fwd", "rev"))


VALS2 = RNG.normal(size=(4, 4))


def test_out_of_domain_queries_under_jit_are_scipys_error():
    # RegularGridInterpolator/interpn (bounds_error=True) and splev(ext=2) on query points
    # traced by jit: checked when the compiled function runs (was NaN, and for splev a
    # silently extrapolated value)
    q = np.array([[1.0, 2.0], [1.5, 9.0]])
    for f in [lambda q: ci.RegularGridInterpolator(GRID, VALS2)(q),
              lambda q: ci.interpn(GRID, VALS2, q, method="cubic")]:
        with pytest.raises(ValueError, match="out of bounds in dimension 1"):
            cr.jit(f)(q)
        with pytest.raises(ValueError, match="out of bounds in dimension 1"):
            cr.jit(lambda g: ci.RegularGridInterpolator((GRID[0], g), VALS2)(q))(GRID[1])
    tck = si.splrep(X, Y, s=0)
    with pytest.raises(ValueError) as plain:
        si.splev(np.array([1.0, 7.5]), tck, ext=2)
    with pytest.raises(ValueError) as traced:
        cr.jit(lambda x: ci.splev(x, tck, ext=2))(np.array([1.0, 7.5]))
    assert str(traced.value) == str(plain.value)
    with pytest.raises(ValueError) as traced:   # the knots traced, the points not
        cr.jit(lambda t: ci.splev(np.array([1.0, 7.5]), (t, tck[1], 3), ext=2))(tck[0])
    assert str(traced.value) == str(plain.value)
    inside = np.array([0.3, 4.2])
    assert_close(cr.jit(lambda x: ci.splev(x, tck, ext=2))(inside), si.splev(inside, tck, ext=2))
    assert_close(cr.jit(lambda q: ci.interpn(GRID, VALS2, q))(XI), si.interpn(GRID, VALS2, XI))



# Differentiable in the knots where the interpolant is a smooth function of them: the
# queries (QIN) stay inside one piece for small moves of the knots.
KNOTS = {
    "interp1d linear": lambda x: ci.interp1d(x, Y, assume_sorted=True)(QIN),
    "interp1d cubic": lambda x: ci.interp1d(x, Y, kind="cubic", assume_sorted=True)(QIN),
    "CubicSpline clamped": lambda x: ci.CubicSpline(x, Y, bc_type="clamped")(QIN),
    "CubicHermiteSpline": lambda x: ci.CubicHermiteSpline(x, Y, np.cos(X))(QIN),
    "PchipInterpolator": lambda x: ci.PchipInterpolator(x, Y)(QIN),
    "splrep/splev": lambda x: ci.splev(QIN, ci.splrep(x, Y, s=0)),
    "RectBivariateSpline x": lambda x: ci.RectBivariateSpline(
        x, BY, np.outer(Y, BY)).ev(QIN[:4], np.array([0.3, 1.1, 2.5, 2.0])),
    "RegularGridInterpolator linear": lambda g: ci.RegularGridInterpolator(
        (g, GRID[1]), np.outer(Y[:4], Y[4:]))(XI),
}


@pytest.mark.parametrize("name", sorted(KNOTS))
def test_derivatives_in_the_knots(name):
    f = KNOTS[name]
    x = GRID[0] if name.startswith("RegularGrid") else X
    cr.check_grads(f, (x,), order=1, modes=("fwd", "rev"))
    cr.check_grads(cr.jit(f), (x,), order=1, modes=("fwd", "rev"))
