"""L-BFGS-B on the Rosenbrock function, n = 1000, with each library's value_and_grad.

``scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B")`` calls ``fun`` once per
function evaluation with a NumPy array and expects ``(float, ndarray)`` back: the time
includes each library's conversions in and out, as a user would pay them.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize

from ..harness import Case, Workload, impls_for

N, SMOKE_N = 1000, 10


def rosenbrock(xp):
    """The extended Rosenbrock function for namespace ``xp``."""
    def f(x):
        a = x[1:] - x[:-1] ** 2
        b = 1.0 - x[:-1]
        return xp.sum(100.0 * a * a + b * b)
    return f


def rosenbrock_value_and_grad_numpy(x):
    """Hand-written value and gradient."""
    a = x[1:] - x[:-1] ** 2
    b = 1.0 - x[:-1]
    g = np.zeros_like(x)
    g[:-1] = -400.0 * a * x[:-1] - 2.0 * b
    g[1:] += 200.0 * a
    return float(np.sum(100.0 * a * a + b * b)), g


def x0(n):
    """The classic start: (-1.2, 1, -1.2, 1, ...)."""
    x = np.ones(n)
    x[::2] = -1.2
    return x


def minimize(fun, n):
    """Run L-BFGS-B; return the solution and the number of evaluations."""
    res = scipy.optimize.minimize(fun, x0(n), jac=True, method="L-BFGS-B")
    return {"x": res.x, "nfev": res.nfev}


def _numpy(libs, lib, n):
    return lambda: minimize(rosenbrock_value_and_grad_numpy, n)


def _generic(libs, lib, n):
    vg = libs.value_and_grad(lib, rosenbrock(libs.xp(lib)))
    to_numpy = libs.to_numpy

    def fun(x):
        value, grad = vg(libs.asarray(lib, x))
        return float(value), np.asarray(to_numpy(grad), dtype=np.float64)
    return lambda: minimize(fun, n)


def _check(result, reference):
    # Bitwise-different gradients may change the iteration path slightly; every run must
    # still reach the same minimum (all ones) as the reference run.
    err = float(np.max(np.abs(np.asarray(result["x"]) - reference["x"])))
    return err <= 1e-3, err / 1e-3


def cases(libs, cfg):
    """One full minimization."""
    n = SMOKE_N if cfg.smoke else N
    builders = {lib: _generic for lib in ("chainrule", "chainrule jit", "torch", "jax",
                                          "jax jit", "autograd")}
    builders["numpy"] = _numpy
    notes = {"jax jit": "jax.jit(jax.value_and_grad(f))"}
    return [Case("lbfgs", f"L-BFGS-B n={n}", {"n": n}, lambda: minimize(
                     rosenbrock_value_and_grad_numpy, n),
                 impls_for(libs, builders, n, notes=notes), check=_check,
                 info=lambda r: f"{int(r['nfev'])} evaluations")]


WORKLOAD = Workload(
    name="lbfgs",
    title="L-BFGS-B on Rosenbrock, n = 1000 (scipy.optimize.minimize, jac=True)",
    description=(
        "A complete `scipy.optimize.minimize(..., jac=True, method='L-BFGS-B')` from the "
        "classic start (-1.2, 1, ...), each library supplying value and gradient. The "
        "time includes SciPy's own work and each library's conversion from and to NumPy "
        "arrays at every evaluation; the number of evaluations is in the notes."),
    cases=cases,
)
