"""Not-a-knot cubic spline on 1,000 knots evaluated at 10^5 points: SciPy's value alone
against chainrule's value and its gradient with respect to the knot values.

The loss is ``sum(w * spline(xq))`` for fixed weights ``w``.  Two chainrule variants: the
query points passed as an argument (searched for their intervals at every call), and closed
over as constants (``jit`` then finds the intervals once, while compiling).  Every case runs
on equally spaced knots and on knots drawn at random (sorted), whose intervals take a search
rather than a division.  The "JAX" rows are interpax's ``CubicSpline`` (not-a-knot, built
on JAX; skipped when interpax is not installed); PyTorch and autograd have no cubic spline
of their own and are not run.
"""

from __future__ import annotations

import numpy as np
import scipy.interpolate

from ..harness import Case, Impl, Workload

N_KNOTS, N_POINTS = 1000, 100_000
SMOKE = (20, 200)


def data(n_knots, n_points, spacing="uniform"):
    rng = np.random.default_rng(0)
    if spacing == "uniform":
        x = np.linspace(0.0, 10.0, n_knots)
    else:
        x = np.sort(np.concatenate([[0.0, 10.0],
                                    np.random.default_rng(1).uniform(0, 10, n_knots - 2)]))
    y = np.sin(x) + 0.1 * rng.standard_normal(n_knots)
    xq = rng.uniform(0.0, 10.0, n_points)
    w = rng.standard_normal(n_points)
    return x, y, xq, w


def reference_value_and_grad(x, y, xq, w, chunk=10_000):
    """The loss and its gradient by hand: the spline is linear in ``y``, so the gradient is
    ``B^T w`` with ``B`` the evaluation matrix, built from SciPy splines of the unit
    vectors a chunk of query points at a time."""
    unit = scipy.interpolate.CubicSpline(x, np.eye(len(x)))
    grad = np.zeros(len(x))
    for start in range(0, len(xq), chunk):
        grad += w[start:start + chunk] @ unit(xq[start:start + chunk])
    return float(w @ scipy.interpolate.CubicSpline(x, y)(xq)), grad


def _interpax(libs, lib, kind, x, y, xq, w):
    """interpax's CubicSpline (a JAX library): the value, or the loss and its gradient."""
    import interpax

    jax, jnp = libs.jax, libs.jnp
    xj, yj, qj, wj = libs.asarray(lib, [x, y, xq, w])
    if kind == "value":
        f = libs.jit(lib, lambda v, q: interpax.CubicSpline(xj, v, check=False)(q))
        return lambda: f(yj, qj)
    if kind == "grad":
        vg = libs.jit(lib, jax.value_and_grad(
            lambda v, q: jnp.sum(wj * interpax.CubicSpline(xj, v, check=False)(q))))
        return lambda: vg(yj, qj)
    vg = libs.jit(lib, jax.value_and_grad(
        lambda v: jnp.sum(wj * interpax.CubicSpline(xj, v, check=False)(qj))))
    return lambda: vg(yj)


def _peer_impls(libs, cfg, kind, *data):
    try:
        import interpax  # noqa: F401
        have = None
    except Exception as exc:  # noqa: BLE001 - any failure to import: not available
        have = f"interpax is not installed ({type(exc).__name__})"
    out = [Impl(lib, skip="no cubic spline in this library") for lib in ("torch", "autograd")]
    for lib in ("jax", "jax jit"):
        skip = libs.skip_reason(lib) or have
        out.append(Impl(lib, skip=skip) if skip else Impl(
            lib, make=(lambda lib=lib: _interpax(libs, lib, kind, *data)),
            sync=libs.sync(lib), note="interpax.CubicSpline"))
    return out


def cases(libs, cfg):
    return _cases(libs, cfg, "uniform") + _cases(libs, cfg, "random")


def _cases(libs, cfg, spacing):
    n_knots, n_points = SMOKE if cfg.smoke else (N_KNOTS, N_POINTS)
    x, y, xq, w = data(n_knots, n_points, spacing)
    params = {"knots": n_knots, "points": n_points, "spacing": spacing}
    where = "equally spaced" if spacing == "uniform" else "random knots"

    def scipy_value():
        return scipy.interpolate.CubicSpline(x, y)(xq)

    def chainrule_value(jit):
        import chainrule as cr
        from chainrule.scipy.interpolate import CubicSpline

        def f(v, q):
            return CubicSpline(x, v)(q)
        f = cr.jit(f) if jit else f
        return lambda: f(y, xq)

    def chainrule_grad(jit, constant_points):
        import chainrule as cr
        import chainrule.numpy as cnp
        from chainrule.scipy.interpolate import CubicSpline

        if constant_points:
            vg = cr.value_and_grad(lambda v: cnp.sum(w * CubicSpline(x, v)(xq)))
            vg = cr.jit(vg) if jit else vg
            return lambda: vg(y)
        vg = cr.value_and_grad(lambda v, q: cnp.sum(w * CubicSpline(x, v)(q)))
        vg = cr.jit(vg) if jit else vg
        return lambda: vg(y, xq)

    def peers(kind):
        return _peer_impls(libs, cfg, kind, x, y, xq, w)

    value = Case("spline", f"value, {n_knots} {where}, {n_points} points", params,
                 scipy_value,
                 [Impl("numpy", make=lambda: scipy_value, note="scipy.interpolate.CubicSpline"),
                  Impl("chainrule", make=lambda: chainrule_value(False)),
                  Impl("chainrule jit", make=lambda: chainrule_value(True))] + peers("value"),
                 rtol=1e-12, atol=1e-12)
    ref = reference_value_and_grad(x, y, xq, w)

    grad = Case("spline", f"value + grad wrt knot values, {where}", params, lambda: ref,
                [Impl("numpy", make=lambda: (lambda: (scipy_value(), ref)[1]),
                      note="SciPy's value alone (no gradient there)"),
                 Impl("chainrule", make=lambda: chainrule_grad(False, False),
                      note="query points an argument"),
                 Impl("chainrule jit", make=lambda: chainrule_grad(True, False),
                      note="query points an argument")] + peers("grad"),
                rtol=1e-9, atol=1e-9)
    grad_const = Case("spline", f"value + grad, fixed query points, {where}", params,
                      lambda: ref,
                      [Impl("numpy", make=lambda: (lambda: (scipy_value(), ref)[1]),
                            note="SciPy's value alone (no gradient there)"),
                       Impl("chainrule", make=lambda: chainrule_grad(False, True)),
                       Impl("chainrule jit", make=lambda: chainrule_grad(True, True),
                            note="intervals found once, at compile time")]
                      + peers("grad_const"),
                      rtol=1e-9, atol=1e-9)
    return [value, grad, grad_const]


WORKLOAD = Workload(
    name="spline",
    title="Cubic spline: 1,000 knots, 10^5 points (scipy.interpolate.CubicSpline)",
    description=(
        "A not-a-knot cubic spline through 1,000 knots evaluated at 10^5 points. SciPy "
        "computes the value only; chainrule computes the value, and the value with the "
        "gradient of `sum(w * spline(xq))` with respect to the 1,000 knot values (the "
        "construction is a tridiagonal solve, differentiated in O(n))."),
    cases=cases,
)
