"""Not-a-knot cubic spline on 1,000 knots evaluated at 10^5 points: SciPy's value alone
against chainrule's value and its gradient with respect to the knot values.

The loss is ``sum(w * spline(xq))`` for fixed weights ``w``.  Two chainrule variants: the
query points passed as an argument (searched for their intervals at every call), and closed
over as constants (``jit`` then finds the intervals once, while compiling).  PyTorch, JAX
and autograd have no cubic spline of their own and are not run.
"""

from __future__ import annotations

import numpy as np
import scipy.interpolate

from ..harness import Case, Impl, Workload

N_KNOTS, N_POINTS = 1000, 100_000
SMOKE = (20, 200)


def data(n_knots, n_points):
    rng = np.random.default_rng(0)
    x = np.linspace(0.0, 10.0, n_knots)
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


def cases(libs, cfg):
    n_knots, n_points = SMOKE if cfg.smoke else (N_KNOTS, N_POINTS)
    x, y, xq, w = data(n_knots, n_points)
    params = {"knots": n_knots, "points": n_points}

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

    none = "no cubic spline in this library"
    skipped = [Impl(lib, skip=none) for lib in ("torch", "jax", "jax jit", "autograd")]
    value = Case("spline", f"value, {n_knots} knots, {n_points} points", params, scipy_value,
                 [Impl("numpy", make=lambda: scipy_value, note="scipy.interpolate.CubicSpline"),
                  Impl("chainrule", make=lambda: chainrule_value(False)),
                  Impl("chainrule jit", make=lambda: chainrule_value(True))] + skipped,
                 rtol=1e-12, atol=1e-12)
    ref = reference_value_and_grad(x, y, xq, w)

    grad = Case("spline", "value + grad wrt knot values", params, lambda: ref,
                [Impl("numpy", make=lambda: (lambda: (scipy_value(), ref)[1]),
                      note="SciPy's value alone (no gradient there)"),
                 Impl("chainrule", make=lambda: chainrule_grad(False, False),
                      note="query points an argument"),
                 Impl("chainrule jit", make=lambda: chainrule_grad(True, False),
                      note="query points an argument")] + skipped,
                rtol=1e-9, atol=1e-9)
    grad_const = Case("spline", "value + grad, fixed query points", params, lambda: ref,
                      [Impl("numpy", make=lambda: (lambda: (scipy_value(), ref)[1]),
                            note="SciPy's value alone (no gradient there)"),
                       Impl("chainrule", make=lambda: chainrule_grad(False, True)),
                       Impl("chainrule jit", make=lambda: chainrule_grad(True, True),
                            note="intervals found once, at compile time")] + skipped,
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
