"""``chainrule demo``: derivatives computed by chainrule next to the answers they must give.

Each section prints its results and a PASS or FAIL line for every check against a known
answer, and may write a figure; ``run`` times the sections, gathers what they printed
and drew into ``report.html`` and ``report.md`` in the output folder, and returns a
non-zero status when any check fails.  Sections are listed in ``SECTIONS`` (run in that
order) with a one-line description each in ``DESCRIPTIONS``; ``MODES`` are the problem
sizes: ``quick`` (under 30 s), ``default`` (under 3 minutes on one core) and ``full``.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
import traceback

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.cli._format import check, table
from chainrule.cli._report import write_reports
from chainrule.cli.demo_crossover import crossover_section
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
    print("Derivative of y = sin(x) * x**2")
    print(table(["x", "forward (jvp)", "reverse (grad)", "analytic", "finite diff",
                  "max AD error"], rows))
    d2 = cr.grad(cr.grad(f))(1.0)
    exact = -np.sin(1.0) + 4 * np.cos(1.0) + 2 * np.sin(1.0)
    print(f"   second derivative at x = 1: {d2:.15f} (analytic {exact:.15f})")
    ok = check("forward and reverse mode equal the analytic derivative to 1e-12",
               max(float(r[-1]) for r in rows) < 1e-12)
    return check("second derivative equals the analytic one to 1e-12",
                 abs(d2 - exact) < 1e-12) and ok


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
    print("\nJacobian of f(x, y, z) = (x*y*z, sin(x) + exp(y*z)) at (0.5, -1, 2)")
    rows = []
    for i in range(2):
        for j in range(3):
            rows.append([f"d f{i} / d {'xyz'[j]}", jf[i, j], jr[i, j], exact[i, j]])
    print(table(["entry", "forward (jacfwd)", "reverse (jacrev)", "analytic"], rows))
    return check("jacfwd and jacrev equal the analytic Jacobian to 1e-13",
                 np.allclose(jf, exact, atol=1e-13) and np.allclose(jr, exact, atol=1e-13))


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
    print("\nHessian of f(x, y) = x**3 * y + exp(x*y) at (1, 0.5)")
    rows = [[f"d2f / d{'xy'[i]} d{'xy'[j]}", h[i, j], exact[i, j]]
            for i in range(2) for j in range(2)]
    print(table(["entry", "chainrule (hessian)", "analytic"], rows))
    return check("the Hessian equals the analytic one to 1e-12",
                 np.allclose(h, exact, atol=1e-12))


OPTIMIZE_SIZES = {"quick": dict(rosen_dims=(4, 8, 16), spectrum_ks=(1, 2, 4), nm_maxfev=20000),
                  "default": {},
                  "full": dict(rosen_dims=(10, 20, 50, 100, 200), spectrum_ks=(1, 2, 4, 8, 16),
                               nm_maxfev=200000)}


def _optimize_section(out_dir, mode="default"):
    """Function evaluations to converge, gradient-free vs gradient-based, as n grows."""
    try:
        from chainrule.cli.demo_optimize import run_scaling_demo
    except ImportError:
        print("\nOptimization scaling: not available in this build")
        return True
    print("\nOptimization: cost of gradient-free vs gradient-based search as n grows")
    result = run_scaling_demo(out_dir, **OPTIMIZE_SIZES[mode])
    rows = result["rosenbrock"] + result["spectrum"]
    # The known answer: L-BFGS-B with exact gradients reaches every target, and always in
    # fewer evaluations than Nelder-Mead (which may not reach it at all).
    reached = all(r[2]["lbfgs"][0] is not None for r in rows)
    fewer = all(r[2]["nm"][0] is None or r[2]["nm"][0] > r[2]["lbfgs"][0] for r in rows
                if r[2]["lbfgs"][0] is not None)
    return check("L-BFGS-B + AD reaches every target, in fewer evaluations than Nelder-Mead",
                 reached and fewer)


TRANSFORMS_SIZES = {"quick": {"jit_part": {"bodies": 16, "steps": 20},
                              "vmap_part": {"examples": 100, "features": 10},
                              "checkpoint_part": {"steps": 20, "width": 8}},
                    "default": None, "full": None}


def _transforms_section(out_dir, mode="default"):
    """jit, vmap and checkpoint, each next to the result it must reproduce."""
    print("\nTransforms: the same gradients compiled, vectorized and checkpointed")
    return run_transforms_demo(TRANSFORMS_SIZES[mode])


SCIENCE_SIZES = {
    "orbits": {"quick": dict(n_points=40, n_anomalies=500), "default": {},
               "full": dict(n_points=200, n_anomalies=20000)},
    "nbody": {"quick": dict(steps=(200, 400)), "default": {}, "full": dict(steps=(800, 1600))},
    "burgers": {"quick": dict(n=48, steps=100, viscosities=(0.1, 0.2)), "default": {},
                "full": dict(n=128, steps=400, viscosities=(0.02, 0.05, 0.1, 0.2))},
}


def _science_section(name):
    """A section of ``demo_science``, run when chosen (it loads the applications)."""
    def section(out_dir, mode="default"):
        try:
            import chainrule.cli.demo_science as demo_science
        except ImportError as exc:   # the applications need scipy.optimize
            print(f"\n{name}: not available in this build ({exc})")
            return True
        fn = getattr(demo_science, f"{name}_section")
        if name in SCIENCE_SIZES:
            return fn(out_dir, **SCIENCE_SIZES[name][mode])["matches"]
        return fn(out_dir, mode)["matches"]      # sections that take the mode themselves
    return section


def _posterior_section(out_dir, mode="default"):
    """NUTS on an absorption line against its Fisher forecast (loads chainrule.infer)."""
    from chainrule.cli.demo_posterior import posterior_section

    return posterior_section(out_dir, mode)["matches"]


def _emulator_section(out_dir, mode="default"):
    """An MLP emulator trained with nn.fit, then used in a fit (loads scipy.optimize)."""
    from chainrule.cli.demo_emulator import emulator_section

    return emulator_section(out_dir, mode)["matches"]


SECTIONS = {
    "derivative": lambda out, mode="default": derivative_section(),
    "jacobian": lambda out, mode="default": jacobian_section(),
    "hessian": lambda out, mode="default": hessian_section(),
    "crossover": lambda out, mode="default": crossover_section(out, mode)["matches"],
    "optimize": _optimize_section,
    "transforms": _transforms_section,
    "orbits": _science_section("orbits"),
    "nbody": _science_section("nbody"),
    "burgers": _science_section("burgers"),
    "navier_stokes": _science_section("navier_stokes"),
    "posterior": _posterior_section,
    "emulator": _emulator_section,
}

# One line per section for ``chainrule demo --help``; kept next to SECTIONS so that a new
# section cannot be added without being listed there.
DESCRIPTIONS = {
    "derivative": "forward and reverse derivatives of sin(x) x**2 against the analytic one",
    "jacobian": "a 3 -> 2 Jacobian by jacfwd and jacrev",
    "hessian": "a Hessian by forward-over-reverse mode",
    "crossover": "time of jacfwd vs jacrev for f: R^n -> R^m over a grid of n, m: the "
                 "crossover near n = m (writes a plot)",
    "optimize": "evaluations to converge, Nelder-Mead vs L-BFGS-B + AD (writes a plot)",
    "transforms": "jit, vmap and checkpoint next to the results they must reproduce",
    "orbits": "Kepler to e = 0.99, a radial-velocity fit vs its Fisher forecast (writes a plot)",
    "nbody": "energy error of leapfrog and Yoshida: measured order 2 and 4 (writes a plot)",
    "burgers": "Burgers against Cole-Hopf, viscosity recovered from a snapshot "
               "(writes a plot)",
    "navier_stokes": "2-D Navier-Stokes: Taylor-Green order, energy budget, initial vorticity "
                     "recovered with a checkpointed adjoint (writes a plot)",
    "posterior": "NUTS posterior of an absorption line vs its Fisher forecast, corner plot "
                 "(writes a plot)",
    "emulator": "an MLP emulator of Planck's law trained with nn.fit, then used in a fit "
                "(writes a plot)",
}
assert DESCRIPTIONS.keys() == SECTIONS.keys()

MODES = ("quick", "default", "full")


class _Tee(io.TextIOBase):
    """Writes to a stream and keeps a copy (what a section printed, for the report)."""

    def __init__(self, stream):
        self.stream, self.copy = stream, io.StringIO()

    def write(self, text):
        self.stream.write(text)
        self.copy.write(text)
        return len(text)

    def flush(self):
        self.stream.flush()


def _figures(out_dir):
    return {name: os.stat(os.path.join(out_dir, name)).st_mtime_ns
            for name in os.listdir(out_dir) if name.endswith(".png")}


def run(out_dir="demo-output", sections=None, mode="default") -> int:
    """Run the demo sections; return 0 when every check passes, 1 otherwise.

    Every file the demo writes goes under ``out_dir`` (created if missing): the figures,
    ``report.html`` and ``report.md``; nothing is written anywhere else.  An unknown
    section or mode raises ``ValueError`` listing the valid ones.  A section that raises
    counts as failed (its traceback goes to the report) and the others still run.
    """
    if mode not in MODES:
        raise ValueError(f"unknown demo mode {mode!r}; the modes are: {', '.join(MODES)}")
    names = list(SECTIONS) if not sections else list(sections)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown demo section(s) {', '.join(map(repr, unknown))}; the "
                         f"sections are: {', '.join(SECTIONS)}")
    os.makedirs(out_dir, exist_ok=True)
    entries = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for name in names:
        before = _figures(out_dir)
        tee = _Tee(sys.stdout)
        t0, cpu0 = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(tee):
            try:
                ok = bool(SECTIONS[name](out_dir, mode))
            except Exception:                      # reported, the other sections still run
                print(f"   FAIL  section {name!r} raised:\n{traceback.format_exc()}")
                ok = False
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        print(f"   [{name}: {'PASS' if ok else 'FAIL'}, {seconds:.1f} s, CPU {cpu:.1f} s]")
        after = _figures(out_dir)
        figures = sorted(f for f, t in after.items() if before.get(f) != t)
        entries.append({"name": name, "description": DESCRIPTIONS[name], "ok": ok,
                        "seconds": seconds, "cpu": cpu, "text": tee.copy.getvalue().strip("\n"),
                        "figures": figures})
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    ok = all(e["ok"] for e in entries)
    paths = write_reports(out_dir, entries, mode, total, cpu)
    failed = [e["name"] for e in entries if not e["ok"]]
    print(f"\nAll checks pass: {'yes' if ok else 'NO, failed: ' + ', '.join(failed)} "
          f"({mode} mode, {total:.1f} s, CPU {cpu:.1f} s). Report: {paths[0]}")
    return 0 if ok else 1
