"""``chainrule demo``: derivatives computed by chainrule next to the answers they must give.

Each section prints a small table; sections from the libraries built on the core (for
example the optimizer scaling study) are added to ``SECTIONS`` and run in order.
"""

from __future__ import annotations

import os
import time

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.cli._format import table
from chainrule.cli.demo_transforms import run_transforms_demo


def derivative_section():
    """y = sin(x) x^2: forward and reverse mode against the analytic derivative."""
    def f(x):
        return cnp.sin(x) * x ** 2

    def analytic(x):
        return np.cos(x) * x ** 2 + 2 * x * np.sin(x)

    rows = []
    for x in (-2.0, -0.5, 0.0, 1.0, 2.5):
        fwd = cr.jvp(f, (x,), (1.0,))[1]
        rev = cr.grad(f)(x)
        h = 1e-6
        fd = (f(x + h) - f(x - h)) / (2 * h)
        err = max(abs(fwd - analytic(x)), abs(rev - analytic(x)))
        rows.append([x, fwd, rev, analytic(x), fd, f"{err:.1e}"])
    print("1. Derivative of y = sin(x) * x**2")
    print(table(["x", "forward (jvp)", "reverse (grad)", "analytic", "finite diff",
                  "max AD error"], rows))
    d2 = cr.grad(cr.grad(f))(1.0)
    exact = -np.sin(1.0) + 4 * np.cos(1.0) + 2 * np.sin(1.0)
    print(f"   second derivative at x = 1: {d2:.15f} (analytic {exact:.15f})")
    return max(float(r[-1]) for r in rows) < 1e-12


def jacobian_section():
    """A map R^3 -> R^2: its Jacobian by forward and reverse mode."""
    def f(v):
        x, y, z = v[0], v[1], v[2]
        return cnp.stack([x * y * z, cnp.sin(x) + cnp.exp(y * z)])

    v = np.array([0.5, -1.0, 2.0])
    x, y, z = v
    exact = np.array([[y * z, x * z, x * y],
                      [np.cos(x), z * np.exp(y * z), y * np.exp(y * z)]])
    jf, jr = cr.jacfwd(f)(v), cr.jacrev(f)(v)
    print("\n2. Jacobian of f(x, y, z) = (x*y*z, sin(x) + exp(y*z)) at (0.5, -1, 2)")
    rows = []
    for i in range(2):
        for j in range(3):
            rows.append([f"d f{i} / d {'xyz'[j]}", jf[i, j], jr[i, j], exact[i, j]])
    print(table(["entry", "forward (jacfwd)", "reverse (jacrev)", "analytic"], rows))
    return np.allclose(jf, exact, atol=1e-13) and np.allclose(jr, exact, atol=1e-13)


def hessian_section():
    """A Hessian by forward-over-reverse mode."""
    def f(v):
        x, y = v[0], v[1]
        return x ** 3 * y + cnp.exp(x * y)

    v = np.array([1.0, 0.5])
    x, y = v
    e = np.exp(x * y)
    exact = np.array([[6 * x * y + y * y * e, 3 * x ** 2 + e + x * y * e],
                      [3 * x ** 2 + e + x * y * e, x * x * e]])
    h = cr.hessian(f)(v)
    print("\n3. Hessian of f(x, y) = x**3 * y + exp(x*y) at (1, 0.5)")
    rows = [[f"d2f / d{'xy'[i]} d{'xy'[j]}", h[i, j], exact[i, j]]
            for i in range(2) for j in range(2)]
    print(table(["entry", "chainrule (hessian)", "analytic"], rows))
    return np.allclose(h, exact, atol=1e-12)


def _optimize_section(out_dir):
    """Function evaluations to converge, gradient-free vs gradient-based, as n grows."""
    try:
        from chainrule.cli.demo_optimize import run_scaling_demo
    except ImportError:
        print("\n4. Optimization scaling: not available in this build")
        return True
    print("\n4. Optimization: cost of gradient-free vs gradient-based search as n grows")
    result = run_scaling_demo(out_dir)
    return result is not False


def _transforms_section(out_dir):
    """jit, vmap and checkpoint, each next to the result it must reproduce."""
    print("\n5. Transforms: the same gradients compiled, vectorized and checkpointed")
    return run_transforms_demo()


def _science_section(name):
    """A section of ``demo_science``, run when chosen (it loads the applications)."""
    def section(out_dir):
        try:
            import chainrule.cli.demo_science as demo_science
        except ImportError as exc:   # the applications need scipy.optimize
            print(f"\n{name}: not available in this build ({exc})")
            return True
        return getattr(demo_science, f"{name}_section")(out_dir)["matches"]
    return section


SECTIONS = {
    "derivative": lambda out: derivative_section(),
    "jacobian": lambda out: jacobian_section(),
    "hessian": lambda out: hessian_section(),
    "optimize": _optimize_section,
    "transforms": _transforms_section,
    "orbits": _science_section("orbits"),
    "nbody": _science_section("nbody"),
    "burgers": _science_section("burgers"),
}

# One line per section for ``chainrule demo --help``; kept next to SECTIONS so that a new
# section cannot be added without being listed there.
DESCRIPTIONS = {
    "derivative": "forward and reverse derivatives of sin(x) x**2 against the analytic one",
    "jacobian": "a 3 -> 2 Jacobian by jacfwd and jacrev",
    "hessian": "a Hessian by forward-over-reverse mode",
    "optimize": "evaluations to converge, Nelder-Mead vs L-BFGS-B + AD (writes a plot)",
    "transforms": "jit, vmap and checkpoint next to the results they must reproduce",
    "orbits": "Kepler to e = 0.99, a radial-velocity fit vs its Fisher forecast (writes a plot)",
    "nbody": "energy error of leapfrog and Yoshida: measured order 2 and 4 (writes a plot)",
    "burgers": "Burgers against Cole-Hopf, viscosity recovered from a snapshot "
               "(writes a plot)",
}
assert DESCRIPTIONS.keys() == SECTIONS.keys()


def run(out_dir="demo-output", sections=None) -> int:
    """Run the demo sections; return 0 when every result matches its reference.

    Every file the demo writes goes under ``out_dir`` (created if missing); nothing is
    written anywhere else.  An unknown section name raises ``ValueError`` listing the
    valid ones.
    """
    names = list(SECTIONS) if not sections else list(sections)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown demo section(s) {', '.join(map(repr, unknown))}; the "
                         f"sections are: {', '.join(SECTIONS)}")
    os.makedirs(out_dir, exist_ok=True)
    ok = True
    start = time.perf_counter()
    for name in names:
        ok = SECTIONS[name](out_dir) and ok
    print(f"\nAll results match their references: {'yes' if ok else 'NO'} "
          f"({time.perf_counter() - start:.1f} s). Files written to {out_dir}/")
    return 0 if ok else 1
