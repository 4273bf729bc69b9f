"""chainrule.scipy.interpolate: values against SciPy on the same inputs (plain arrays give
SciPy's own result; traced inputs, under jit and vmap, agree to 1e-12), derivatives in the
data, the knots and the query points against finite differences in both modes, and SciPy's
errors for bad input."""

import numpy as np
import pytest
import scipy.interpolate as si

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.scipy.interpolate as ci

RNG = np.random.default_rng(0)
X = np.sort(RNG.uniform(0, 5, 8))
Y = RNG.normal(size=8)
Y2 = RNG.normal(size=(8, 3))
XQ = np.linspace(-0.5, 5.5, 13)          # extrapolation included
XIN = np.linspace(X[0] + 0.01, X[-1] - 0.01, 9)   # strictly inside
# Well-spaced knots for derivatives in the knots (finite differences of second order are
# too noisy next to knots 0.1 apart).
XK = np.array([0.0, 0.7, 1.5, 2.1, 3.0, 3.8, 4.4, 5.0])
XKIN = np.linspace(0.05, 4.95, 9)


def close(got, ref, tol=1e-12):
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.shape == ref.shape
    scale = max(1.0, float(np.nanmax(np.abs(ref)))) if ref.size else 1.0
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * scale, equal_nan=True)


def check(f, args, order=2, **tol):
    cr.check_grads(f, args, order=order, modes=("fwd", "rev"), **tol)


def periodic(y):
    y = np.array(y, dtype=float)
    y[-1] = y[0]
    return y


BCS = ["not-a-knot", "natural", "clamped", ((1, 0.3), (2, -1.0)), "periodic"]


@pytest.mark.parametrize("bc", BCS, ids=str)
def test_cubic_spline_values_match_scipy_under_jit(bc):
    y = periodic(Y) if bc == "periodic" else Y
    ref = si.CubicSpline(X, y, bc_type=bc)
    close(cr.jit(lambda v, q: ci.CubicSpline(X, v, bc_type=bc)(q))(y, XQ), ref(XQ))
    close(cr.jit(lambda v, q: ci.CubicSpline(X, v, bc_type=bc)(q, 1))(y, XQ), ref(XQ, 1))
    close(cr.jit(lambda v: ci.CubicSpline(X, v, bc_type=bc).derivative(2)(XQ))(y),
          ref.derivative(2)(XQ))
    close(cr.jit(lambda v: ci.CubicSpline(X, v, bc_type=bc).antiderivative()(XQ))(y),
          ref.antiderivative()(XQ))
    for a, b in [(0.3, 4.1), (-1.0, 7.3), (4.0, 0.5), (-3.0, 12.0)]:
        close(cr.jit(lambda v: ci.CubicSpline(X, v, bc_type=bc).integrate(a, b))(y),
              ref.integrate(a, b))


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("bc", ["not-a-knot", "natural", "periodic"])
def test_cubic_spline_few_knots(n, bc):
    y = periodic(Y[:n]) if bc == "periodic" else Y[:n]
    ref = si.CubicSpline(X[:n], y, bc_type=bc)
    close(cr.jit(lambda v: ci.CubicSpline(X[:n], v, bc_type=bc)(XQ))(y), ref(XQ))


def test_cubic_spline_axis_and_vector_values():
    close(cr.jit(lambda v: ci.CubicSpline(X, v)(XQ))(Y2), si.CubicSpline(X, Y2)(XQ))
    close(cr.jit(lambda v: ci.CubicSpline(X, v, axis=1)(XQ[:4]))(Y2.T),
          si.CubicSpline(X, Y2.T, axis=1)(XQ[:4]))


def test_plain_arrays_give_scipys_own_result():
    got = ci.CubicSpline(X, Y)(XQ)
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, si.CubicSpline(X, Y)(XQ))
    np.testing.assert_array_equal(ci.PchipInterpolator(X, Y)(XQ), si.PchipInterpolator(X, Y)(XQ))
    np.testing.assert_array_equal(ci.interp1d(X, Y, kind="quadratic")(XIN),
                                  si.interp1d(X, Y, kind="quadratic")(XIN))


@pytest.mark.parametrize("bc", BCS, ids=str)
def test_cubic_spline_derivatives(bc):
    if bc == "periodic":
        def f(z, q):
            return ci.CubicSpline(X, cnp.concatenate([z, z[:1]]), bc_type=bc)(q)
        check(f, (Y[:-1], XQ))
        check(lambda z: ci.CubicSpline(X, cnp.concatenate([z, z[:1]]), bc_type=bc).integrate(
            0.2, 3.9), (Y[:-1],))
        y = periodic(Y)
    else:
        check(lambda v, q: ci.CubicSpline(X, v, bc_type=bc)(q), (Y, XQ))
        check(lambda v: ci.CubicSpline(X, v, bc_type=bc).integrate(0.2, 3.9), (Y,))
        y = Y
    # in the knots: a smooth function of them (order 2 too)
    check(lambda x: ci.CubicSpline(x, y, bc_type=bc)(XKIN), (XK,))


def test_cubic_spline_boundary_values_and_limits_differentiable():
    check(lambda d0, d1: ci.CubicSpline(X, Y, bc_type=((1, d0), (2, d1)))(XQ),
          (np.array(0.3), np.array(-1.2)))
    check(lambda a, b: ci.CubicSpline(X, cnp.asarray(Y) * 1.0).integrate(a, b),
          (np.array(0.7), np.array(4.2)))
    s = ci.CubicSpline(X, Y)
    g = cr.grad(lambda b: cr.jit(lambda v, bb: ci.CubicSpline(X, v).integrate(0.5, bb))(Y, b))(
        np.array(3.3))
    close(g, s(3.3))


def test_cubic_spline_vmap_over_queries_and_data():
    ref = si.CubicSpline(X, Y)(XQ)
    close(cr.vmap(lambda q: ci.CubicSpline(X, Y)(q))(XQ), ref)
    close(cr.vmap(lambda q: ci.CubicSpline(X, cnp.asarray(Y) + 0.0)(q))(XQ), ref)
    ys = np.stack([Y, 2 * Y, Y ** 2])
    got = cr.jit(cr.vmap(lambda v: ci.CubicSpline(X, v)(XQ)))(ys)
    close(got, np.stack([si.CubicSpline(X, v)(XQ) for v in ys]))
    check(cr.vmap(lambda v, q: ci.CubicSpline(X, v)(q), in_axes=(None, 0)), (Y, XQ))
    check(cr.jit(lambda v, q: ci.CubicSpline(X, v)(q)), (Y, XQ))


def test_interpolator_is_a_pytree_through_jit():
    s = cr.jit(lambda v: ci.CubicSpline(X, v))(Y)
    close(s(XQ), si.CubicSpline(X, Y)(XQ))


@pytest.mark.parametrize("cls,kw", [
    (ci.PchipInterpolator, {}), (ci.Akima1DInterpolator, {}),
    (ci.Akima1DInterpolator, {"method": "makima"}),
    (ci.Akima1DInterpolator, {"extrapolate": True})], ids=["pchip", "akima", "makima", "akima-ext"])
def test_local_cubics(cls, kw):
    ref = getattr(si, cls.__name__)(X, Y2, **kw)
    close(cr.jit(lambda v, q: cls(X, v, **kw)(q))(Y2, XQ), ref(XQ))
    close(cr.vmap(lambda q: cls(X, cnp.asarray(Y2) * 1.0, **kw)(q))(XQ), ref(XQ))
    check(lambda v, q: cls(X, v, **kw)(q), (Y2, XIN))
    check(lambda x: cls(x, Y2, **kw)(XKIN), (XK,))


def test_pchip_flat_and_two_points():
    y = np.array([0.0, 1.0, 1.0, 0.5, 2.0, 2.0])
    x = np.arange(6.0)
    close(cr.jit(lambda v: ci.PchipInterpolator(x, v)(XQ))(y), si.PchipInterpolator(x, y)(XQ))
    close(cr.jit(lambda v: ci.pchip_interpolate(x[:2], v, XQ))(y[:2]),
          si.pchip_interpolate(x[:2], y[:2], XQ))


def test_cubic_hermite_spline():
    d = RNG.normal(size=8)
    close(cr.jit(lambda v, s: ci.CubicHermiteSpline(X, v, s)(XQ))(Y, d),
          si.CubicHermiteSpline(X, Y, d)(XQ))
    check(lambda v, s: ci.CubicHermiteSpline(X, v, s)(XQ), (Y, d))


def test_ppoly():
    c = RNG.normal(size=(4, 7, 2))
    ref = si.PPoly(c, X)
    close(cr.jit(lambda cc: ci.PPoly(cc, X)(XQ))(c), ref(XQ))
    close(cr.jit(lambda cc: ci.PPoly(cc, X, extrapolate=False)(XQ))(c),
          si.PPoly(c, X, extrapolate=False)(XQ))
    close(cr.jit(lambda cc: ci.PPoly(cc, X).antiderivative(2)(XQ))(c),
          ref.antiderivative(2)(XQ))
    check(lambda cc, x: ci.PPoly(cc, x)(XKIN), (c, XK))


KINDS = ["linear", "nearest", "nearest-up", "previous", "next", "zero", "slinear", "quadratic",
         "cubic", 5]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_interp1d(kind):
    y = Y2.T
    xq = np.concatenate([XQ, X[2:4]])  # on the knots too
    for fv in [np.nan, "extrapolate", (-3.0, 4.0), 2.5]:
        ref = si.interp1d(X, y, kind=kind, fill_value=fv, bounds_error=False)(xq)
        got = cr.jit(lambda v, q: ci.interp1d(X, v, kind=kind, fill_value=fv,
                                              bounds_error=False)(q))(y, xq)
        close(got, ref)
    check(lambda v, q: ci.interp1d(X, v, kind=kind, fill_value="extrapolate")(q),
          (y, np.array([0.6, 1.7, 2.9, 4.1])))
    close(cr.vmap(lambda q: ci.interp1d(X, cnp.asarray(Y) * 1.0, kind=kind)(q))(XIN),
          si.interp1d(X, Y, kind=kind)(XIN))


def test_interp1d_bounds_error_and_unsorted():
    with pytest.raises(ValueError, match="above the interpolation range"):
        cr.grad(lambda v: ci.interp1d(X, v)(7.0))(Y)
    perm = RNG.permutation(8)
    close(cr.jit(lambda v: ci.interp1d(X[perm], v)(XIN))(Y[perm]), np.interp(XIN, X, Y))


GRID = (np.sort(RNG.uniform(0, 3, 5)), np.sort(RNG.uniform(-1, 1, 4)), np.linspace(0, 1, 3))
VALS = RNG.normal(size=(5, 4, 3, 2))
XI = np.stack([RNG.uniform(g[0], g[-1], 7) for g in GRID], -1)


@pytest.mark.parametrize("method", ["linear", "nearest", "slinear"])
def test_regular_grid(method):
    xo = XI.copy()
    xo[0, 0] = 9.0
    for fv in [np.nan, None, 1.5]:
        ref = si.RegularGridInterpolator(GRID, VALS, method=method, bounds_error=False,
                                         fill_value=fv)(xo)
        got = cr.jit(lambda v, q: ci.RegularGridInterpolator(
            GRID, v, method=method, bounds_error=False, fill_value=fv)(q))(VALS, xo)
        close(got, ref)
    close(cr.jit(lambda v: ci.interpn(GRID, v, XI, method=method))(VALS),
          si.interpn(GRID, VALS, XI, method=method))


def test_regular_grid_derivatives():
    def f(v, q):
        return ci.RegularGridInterpolator(GRID, v)(q)
    check(f, (VALS, XI))
    check(lambda q: cr.vmap(lambda p: ci.RegularGridInterpolator(GRID, VALS)(p))(q), (XI,))
    g0 = np.array([0.95, 1.15, 1.35, 1.6, 1.8])  # well spaced, for finite differences
    check(lambda g: ci.RegularGridInterpolator((g,) + GRID[1:], VALS)(XI), (g0,))
    with pytest.raises(ValueError, match="out of bounds in dimension 0"):
        cr.grad(lambda v: ci.interpn(GRID, v, XI + [5.0, 0, 0])[0, 0])(VALS)


@pytest.mark.parametrize("cls", [ci.CubicSpline, ci.PchipInterpolator, ci.Akima1DInterpolator])
def test_bad_input_gives_scipys_error(cls):
    bad_x = X.copy()
    bad_x[3] = bad_x[2]
    nan_y = Y.copy()
    nan_y[2] = np.nan
    for x, y in [(bad_x, Y), (X, nan_y)]:
        with pytest.raises(ValueError) as plain:
            getattr(si, cls.__name__)(x, y)
        with pytest.raises(ValueError) as traced:
            cr.grad(lambda v: cls(x, v)(1.0))(y)
        assert str(traced.value) == str(plain.value)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5])
def test_make_interp_spline(k):
    ref = si.make_interp_spline(X, Y2, k=k)
    close(cr.jit(lambda v: ci.make_interp_spline(X, v, k=k)(XQ))(Y2), ref(XQ))
    close(cr.jit(lambda v: ci.make_interp_spline(X, v, k=k).t)(Y2), ref.t)
    if k:
        close(cr.jit(lambda v: ci.make_interp_spline(X, v, k=k)(XQ, 1))(Y2), ref(XQ, 1))
    check(lambda v, q: ci.make_interp_spline(X, v, k=k)(q), (Y2, XKIN))
    if k >= 2:   # the knots move with the data: smooth in them
        check(lambda x: ci.make_interp_spline(x, Y2, k=k)(XKIN), (XK,), order=1)
    close(cr.vmap(lambda q: ci.make_interp_spline(X, cnp.asarray(Y) * 1.0, k=k)(q))(XQ),
          si.make_interp_spline(X, Y, k=k)(XQ))


def test_bspline_knots_and_extrapolation():
    rng = np.random.default_rng(3)
    t = np.array([0, 0, 0, 1, 2, 3, 3, 3.0])
    c = rng.normal(size=5)
    for ext in [True, False, "periodic"]:
        close(cr.jit(lambda cc: ci.BSpline(t, cc, 2, extrapolate=ext)(XQ))(c),
              si.BSpline(t, c, 2, extrapolate=ext)(XQ))
    close(cr.jit(lambda cc: ci.BSpline(t, cc, 2).derivative()(XQ))(c),
          si.BSpline(t, c, 2).derivative()(XQ))

    def inner_knots(t2):
        return ci.BSpline(cnp.concatenate([t[:3], t2, t[5:]]), c, 2)(np.linspace(0.1, 2.9, 7))
    check(inner_knots, (t[3:5],))
    s = cr.jit(lambda cc: ci.BSpline(t, cc, 2))(c)   # a pytree through jit
    close(s(XQ), si.BSpline(t, c, 2)(XQ))


def test_splrep_splev():
    tck = si.splrep(X, Y, s=0)
    got = cr.jit(lambda v: ci.splrep(X, v, s=0))(Y)
    close(got[0], tck[0])
    close(got[1], tck[1])
    assert got[2] == 3
    for ext in [0, 1, 3]:
        close(cr.jit(lambda q: ci.splev(q, tck, ext=ext))(XQ), si.splev(XQ, tck, ext=ext))
        close(cr.jit(lambda v: ci.splev(XQ, ci.splrep(X, v, s=0), ext=ext))(Y),
              si.splev(XQ, tck, ext=ext))
    check(lambda v: ci.splev(XKIN, ci.splrep(X, v, s=0), der=1), (Y,))
    with pytest.raises(ValueError, match="not in the domain"):
        cr.grad(lambda v: ci.splev(9.0, ci.splrep(X, v, s=0), ext=2))(Y)
    with pytest.raises(NotImplementedError, match="interpolation only"):
        cr.grad(lambda v: ci.splev(1.0, ci.splrep(X, v, s=0.5)))(Y)


@pytest.mark.parametrize("method", ["cubic", "quintic"])
def test_regular_grid_splines(method):
    import scipy.sparse.linalg as ssl
    g = (np.linspace(0, 3, 6), np.linspace(-1, 1, 7) ** 3 + np.linspace(-1, 1, 7),
         np.linspace(0, 1, 6))
    v = RNG.normal(size=(6, 7, 6, 2))
    xi = np.stack([RNG.uniform(gg[0], gg[-1], 5) for gg in g], -1)
    # SciPy's default solver is iterative (stops near 1e-6); its direct solve is exact.
    ref = si.RegularGridInterpolator(g, v, method=method, solver=ssl.spsolve)(xi)
    close(cr.jit(lambda vv, q: ci.RegularGridInterpolator(g, vv, method=method)(q))(v, xi), ref)
    close(cr.jit(lambda vv: ci.interpn(g[:2], vv, xi[:, :2], method=method))(v[:, :, 0, 0]),
          si.RegularGridInterpolator(g[:2], v[:, :, 0, 0], method=method,
                                     solver=ssl.spsolve)(xi[:, :2]))
    close(cr.vmap(lambda q: ci.RegularGridInterpolator(g, v, method=method)(q[None])[0])(xi),
          ref)
    check(lambda vv, q: ci.RegularGridInterpolator(g, vv, method=method)(q), (v, xi), order=1)
    check(lambda q: ci.RegularGridInterpolator(g[:2], v[:, :, 0, 0], method=method)(q),
          (xi[:, :2],))
    with pytest.raises(ValueError, match="requires at least"):
        cr.jit(lambda vv: ci.interpn((g[0][:3],), vv, xi[:, :1], method=method))(v[:3, 0, 0, 0])


# Shape parameters that keep the systems well conditioned (a 1e-12 comparison needs it).
KERNELS = [("thin_plate_spline", None, None), ("gaussian", 4.0, None), ("cubic", None, None),
           ("linear", None, None), ("quintic", None, None), ("multiquadric", 3.0, None),
           ("inverse_multiquadric", 3.0, 2), ("inverse_quadratic", 3.0, -1)]


@pytest.mark.parametrize("kernel,eps,degree", KERNELS, ids=[k[0] for k in KERNELS])
def test_rbf_interpolator(kernel, eps, degree):
    rng = np.random.default_rng(5)
    y = rng.uniform(0, 1, (12, 2))
    d = rng.normal(size=(12, 2))
    xq = rng.uniform(0, 1, (6, 2))
    # The narrow kernels vary on a scale of 0.3: finite differences need a smaller step.
    small = {"eps": 1e-6}
    kw = {"kernel": kernel, "epsilon": eps, "degree": degree}
    ref = si.RBFInterpolator(y, d, **kw)(xq)
    close(cr.jit(lambda dd, q: ci.RBFInterpolator(y, dd, **kw)(q))(d, xq), ref)
    close(cr.jit(lambda yy: ci.RBFInterpolator(yy, d, **kw)(xq))(y), ref)
    close(cr.jit(lambda q: ci.RBFInterpolator(y, d, **kw)(q))(xq), ref)   # SciPy's object
    close(cr.vmap(lambda q: ci.RBFInterpolator(y, d, **kw)(q[None])[0])(xq), ref)
    close(cr.jit(lambda s: ci.RBFInterpolator(y, d, smoothing=s, **kw)(xq))(0.1),
          si.RBFInterpolator(y, d, smoothing=0.1, **kw)(xq))
    # linear and thin-plate kernels are not twice differentiable at the sites; the quintic
    # system is too ill-conditioned for second finite differences
    order = 1 if kernel in ("linear", "thin_plate_spline", "quintic") else 2
    check(lambda dd, q: ci.RBFInterpolator(y, dd, **kw)(q), (d, xq), order=1, **small)
    check(lambda dd, q: ci.RBFInterpolator(y, dd, **kw)(q), (d, xq), order=order,
          eps=1e-4, rtol=1e-4)
    check(lambda yy: ci.RBFInterpolator(yy, d, **kw)(xq), (y,), order=1, **small)


@pytest.mark.parametrize("kx,ky", [(3, 3), (1, 2), (5, 3)])
def test_rect_bivariate_spline(kx, ky):
    x = np.linspace(0, 1, 7)
    y = np.linspace(0, 2, 8) ** 1.5
    z = np.random.default_rng(7).normal(size=(7, 8))
    ref = si.RectBivariateSpline(x, y, z, kx=kx, ky=ky)
    xq, yq = np.array([-0.2, 0.1, 0.45, 0.8, 1.3]), np.array([0.3, 1.1, 2.5, 3.0])
    close(cr.jit(lambda zz: ci.RectBivariateSpline(x, y, zz, kx=kx, ky=ky)(xq, yq))(z),
          ref(xq, yq))
    close(cr.jit(lambda zz: ci.RectBivariateSpline(x, y, zz, kx=kx, ky=ky).ev(xq[:4], yq))(z),
          ref.ev(xq[:4], yq))
    if min(kx, ky) > 1:   # SciPy's own limit: derivative orders below the degrees
        close(cr.jit(lambda a, b: ci.RectBivariateSpline(x, y, z, kx=kx, ky=ky)(
            a, b, dx=1, dy=1))(xq, yq), ref(xq, yq, dx=1, dy=1))
    f = ci.RectBivariateSpline(x, y, z, kx=kx, ky=ky)
    close(f.get_coeffs(), ref.get_coeffs())
    close(cr.vmap(lambda a: f.ev(a, 1.1))(xq), ref.ev(xq, 1.1))
    inside = (np.array([0.1, 0.45, 0.8]), np.array([0.3, 1.1, 2.5]))
    check(lambda zz, a, b: ci.RectBivariateSpline(x, y, zz, kx=kx, ky=ky).ev(a, b),
          (z,) + inside, order=2 if min(kx, ky) > 1 else 1)


def test_make_interp_spline_bad_input_gives_scipys_error():
    dup = np.r_[X[:2], X[1:7]]
    nan_y = Y.copy()
    nan_y[3] = np.nan
    for x, y in [(X[::-1].copy(), Y), (dup, Y), (X, nan_y)]:
        with pytest.raises(ValueError) as plain:
            si.make_interp_spline(x, y)
        with pytest.raises(ValueError) as traced:
            cr.grad(lambda v: ci.make_interp_spline(x, v)(1.0))(y)
        assert str(traced.value) == str(plain.value)


def test_equally_spaced_knots_find_the_same_pieces():
    # On linspace knots the piece is found by division: points on and next to every knot,
    # far outside and NaN must land where the binary search puts them.
    for x in [np.linspace(0.0, 10.0, 1000), np.linspace(-3.3, 7.1, 17), np.arange(6.0) * 0.1]:
        y = np.cos(x)
        q = np.concatenate([RNG.uniform(x[0] - 1, x[-1] + 1, 500), x,
                            np.nextafter(x, -np.inf), np.nextafter(x, np.inf), [np.nan]])
        ref = si.CubicSpline(x, y)(q, 3)      # constant on each piece, different between
        close(cr.jit(lambda v, t: ci.CubicSpline(x, v)(t, 3))(y, q), ref, tol=1e-9)


def test_ppoly_decreasing_breakpoints_as_scipy_under_transforms():
    # SciPy's PPoly takes decreasing breakpoints (intervals x[i+1] < t <= x[i]); on traced
    # coefficients or breakpoints chainrule used to reject them, or (breakpoints traced by
    # jit) to evaluate them as if they increased.
    c = np.array([[1.0, 2.0, -1.0], [0.5, 1.0, 3.0], [0.2, -0.3, 0.1]])
    xd = np.array([3.0, 2.0, 1.0, 0.0])
    q = np.array([-0.5, 0.0, 0.5, 1.0, 1.5, 2.5, 3.0, 3.5])
    ref = si.PPoly(c, xd)
    close(cr.jit(lambda c: ci.PPoly(c, xd)(q))(c), ref(q))
    close(cr.jit(lambda c: ci.PPoly(c, xd, extrapolate=False)(q))(c), ref(q, extrapolate=False))
    close(cr.jit(lambda c: ci.PPoly(c, xd).derivative()(q))(c), ref.derivative()(q))
    close(cr.jit(lambda c: ci.PPoly(c, xd).antiderivative()(q))(c), ref.antiderivative()(q))
    close(cr.jit(lambda c: ci.PPoly(c, xd).integrate(0.2, 2.7))(c), ref.integrate(0.2, 2.7))
    qin = np.array([0.3, 1.4, 2.6])  # away from the breakpoints, for finite differences
    cr.check_grads(lambda c, x: ci.PPoly(c, x)(qin), (c, xd), order=2, modes=("fwd", "rev"))


def test_traced_breakpoints_are_checked_when_the_compiled_function_runs():
    # Under jit the breakpoints' values are unknown while tracing: the compiled function
    # checks them when it runs instead of returning a silently wrong spline.
    xd = np.array([3.0, 2.0, 1.0, 0.0])
    y = np.array([0.0, 1.0, 0.0, 2.0])
    c = np.ones((2, 3))
    with pytest.raises(ValueError, match="breakpoints traced by jit must be increasing"):
        cr.jit(lambda c, x: ci.PPoly(c, x)(0.5))(c, xd)
    spline = cr.jit(lambda x, y: ci.CubicSpline(x, y)(XQ))
    with pytest.raises(ValueError, match="`x` must be strictly increasing sequence."):
        spline(xd, y)
    with pytest.raises(ValueError, match="`x` must be strictly increasing sequence."):
        spline(np.array([0.0, 1.0, 1.0, 3.0]), y)
    with pytest.raises(ValueError, match="`x` must contain only finite values."):
        spline(np.array([0.0, 1.0, np.nan, 3.0]), y)
    # Valid breakpoints: SciPy's values, also under vmap and for the gradient.
    close(spline(xd[::-1], y), si.CubicSpline(xd[::-1], y)(XQ))
    close(cr.jit(lambda c, x: ci.PPoly(c, x)(XQ))(c, xd[::-1]), si.PPoly(c, xd[::-1])(XQ))
    xs = np.stack([XK, XK * 1.1])
    close(cr.vmap(spline, in_axes=(0, None))(xs, Y), [si.CubicSpline(x, Y)(XQ) for x in xs])
    g = cr.jit(cr.grad(lambda x: cnp.sum(ci.CubicSpline(x, Y)(XKIN))))(XK)
    close(g, cr.grad(lambda x: cnp.sum(ci.CubicSpline(x, Y)(XKIN)))(XK))


def test_interval_index_bucket_table_equals_bisection():
    # Breakpoints known in advance but not equally spaced are located with a table of
    # equal buckets and a few comparisons: the same pieces as the binary search, at the
    # breakpoints, next to them, outside them, for spread and clustered breakpoints.
    from chainrule._src.scipy.interpolate._ppoly import interval_index
    rng = np.random.default_rng(3)
    sets = [np.sort(rng.uniform(-5, 5, 200)), np.cumsum(rng.exponential(1.0, 150) ** 3),
            np.concatenate([np.linspace(0, 1, 50), 1 + 1e-9 * np.arange(1, 50)]),
            np.sort(rng.normal(size=100)) * 1e-3]
    for x in sets:
        t = np.concatenate([rng.uniform(x[0] - 1, x[-1] + 1, 300), x, np.nextafter(x, -np.inf),
                            np.nextafter(x, np.inf), [-np.inf, np.inf]])
        ref = np.clip(np.searchsorted(x, t, side="right") - 1, 0, len(x) - 2)
        np.testing.assert_array_equal(cr.jit(lambda t: interval_index(x, t))(t), ref)
        np.testing.assert_array_equal(interval_index(x, t), ref)
    # Jittered knots: not equally spaced, yet far enough apart for finite differences.
    xn = np.linspace(0.0, 10.0, 60) + rng.uniform(-0.05, 0.05, 60)
    yn = np.sin(xn)
    q = rng.uniform(-6, 6, 1000)
    close(cr.jit(lambda y, q: ci.CubicSpline(xn, y)(q))(yn, q), si.CubicSpline(xn, yn)(q))
    mid = 0.5 * (xn[:-1] + xn[1:])[::5]  # away from the knots, for finite differences
    cr.check_grads(lambda y, q: ci.CubicSpline(xn, y)(q), (yn, mid), order=2,
                   modes=("fwd", "rev"))
