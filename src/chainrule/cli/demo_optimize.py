"""Scaling demonstration: gradient-free vs gradient-based (AD) optimization as dimension grows.

Two problems:

- the Rosenbrock function in 10, 20, 50 and 100 dimensions, from ``x0 = 0``, target
  ``f(x) < 1e-6`` (the minimum is 0 at ``x = 1``);
- a fit of a sum of ``K`` Gaussians (3 parameters each) to a noisy synthetic spectrum,
  ``K = 1, 2, 4, 8``, target ``chi2(p) - chi2_min < 1e-3`` (``chi2_min`` from a tight
  Levenberg-Marquardt solve started at the truth).

For each, the number of objective evaluations until the target is first reached is
counted for Nelder-Mead (adaptive variant, capped) and for L-BFGS-B with the exact
gradient by reverse-mode AD (one evaluation = the value and the gradient in one pass).

Run it with ``chainrule demo --only optimize [--out DIR]``,
``python -m chainrule.cli.demo_optimize [OUT_DIR]`` or :func:`run_scaling_demo`; the
plot goes to ``demo-output/`` (which git ignores) unless another folder is given.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.optimize import least_squares, minimize

__all__ = ["run_scaling_demo"]

ROSEN_DIMS = (10, 20, 50, 100)
SPECTRUM_KS = (1, 2, 4, 8)


def rosenbrock(x):
    """The n-dimensional Rosenbrock function (minimum 0 at ``x = 1``)."""
    return cnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


class _Reached(Exception):
    """Raised by the counter to stop a solver as soon as it reaches the target."""


class _Counter:
    """Wrap an objective: count calls and stop the solver once ``f - f_min < target``."""

    def __init__(self, fun, f_min, target):
        self.fun, self.f_min, self.target = fun, f_min, target
        self.calls = 0
        self.hit = None
        self.best = np.inf

    def __call__(self, x, *args):
        f = self.fun(x, *args)
        self.calls += 1
        fv = float(cr.stop_gradient(f))  # the value only; f keeps its derivative
        self.best = min(self.best, fv)
        if self.hit is None and fv - self.f_min < self.target:
            self.hit = self.calls
            raise _Reached
        return f


def _run_pair(fun, x0, f_min, target, nm_maxfev, bounds=None):
    runs = {
        "nm": dict(method="Nelder-Mead",
                   options={"maxfev": nm_maxfev, "maxiter": nm_maxfev, "xatol": 1e-14,
                            "fatol": 1e-14, "adaptive": True}),
        "lbfgs": dict(method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": 20000, "maxfun": 50000, "ftol": 1e-15,
                               "gtol": 1e-12}),
    }
    out = {}
    for key, kw in runs.items():
        c = _Counter(fun, f_min, target)
        t = time.perf_counter()
        try:
            minimize(c, x0, **kw)
        except _Reached:
            pass
        out[key] = (c.hit, c.calls, c.best - f_min, time.perf_counter() - t)
    return out


# --- the spectrum problem ---------------------------------------------------------------------
def _spectrum(k, rng):
    """Synthetic spectrum with ``k`` Gaussian lines on a grid, and a perturbed start."""
    x = np.linspace(0.0, 10.0, 400)
    centers = np.linspace(1.0, 9.0, k) if k > 1 else np.array([5.0])
    amps = 1.0 + 0.5 * rng.random(k)
    widths = 0.15 + 0.1 * rng.random(k)
    truth = np.stack([amps, centers, widths], axis=1).ravel()
    sigma = 0.02
    y = _model(truth, x) + sigma * rng.standard_normal(x.size)
    start = truth * np.tile([0.8, 1.0, 1.3], k) + np.tile([0.0, 0.05, 0.0], k)
    return x, y, sigma, truth, start


def _model(p, x):
    p = cnp.reshape(p, (-1, 3))
    a, c, w = p[:, 0:1], p[:, 1:2], p[:, 2:3]
    return cnp.sum(a * cnp.exp(-0.5 * ((x[None, :] - c) / w) ** 2), axis=0)


def _chi2(p, x, y, sigma):
    return cnp.sum(((_model(p, x) - y) / sigma) ** 2)


def _fmt(hit, calls, cap):
    if hit is not None:
        return str(hit)
    return f">{cap}" if calls >= cap else f"stopped at {calls}"


def table(title, label, rows, caps):
    lines = [title,
             f"  {label:>6}  {'params':>6}  {'Nelder-Mead':>12}  {'L-BFGS-B+AD':>12}  "
             f"{'ratio':>8}  {'NM s':>6}  {'LBFGS s':>7}"]
    for (size, n, res), cap in zip(rows, caps):
        nm, lb = res["nm"], res["lbfgs"]
        ratio = (f"{nm[0] / lb[0]:.0f}" if nm[0] and lb[0]
                 else (f">{cap / lb[0]:.0f}" if lb[0] else "n/a"))
        lines.append(f"  {size:>6}  {n:>6}  {_fmt(nm[0], nm[1], cap):>12}  "
                     f"{_fmt(lb[0], lb[1], 10 ** 9):>12}  {ratio:>8}  {nm[3]:6.2f}  {lb[3]:7.2f}")
    return "\n".join(lines)


def _slope(ns, counts):
    pts = [(n, c) for n, c in zip(ns, counts) if c]
    if len(pts) < 2:
        return None
    ln = np.log([p[0] for p in pts])
    lc = np.log([p[1] for p in pts])
    return float(np.polyfit(ln, lc, 1)[0])


def _plot(out_dir, rosen_rows, spec_rows, rosen_caps, spec_caps):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    panels = [(axes[0], rosen_rows, rosen_caps, "Rosenbrock, target f < 1e-6"),
              (axes[1], spec_rows, spec_caps, "Sum-of-Gaussians fit, target Δχ² < 1e-3")]
    for ax, rows, caps, title in panels:
        ns = [r[1] for r in rows]
        for key, name, color in (("nm", "Nelder-Mead (adaptive)", "C3"),
                                 ("lbfgs", "L-BFGS-B + AD gradient", "C0")):
            hit = [r[2][key][0] for r in rows]
            ys = [h if h else cap for h, cap in zip(hit, caps)]
            ax.plot(ns, ys, "-", color=color, label=name)
            for n, h, y in zip(ns, hit, ys):
                ax.plot(n, y, "o" if h else "^", color=color, mfc=color if h else "white")
        lb = [r[2]["lbfgs"][0] for r in rows]
        if lb[0]:
            guide = [lb[0] * n / ns[0] for n in ns]
            ax.plot(ns, guide, ":", color="gray", label="∝ n (guide)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(ns)
        ax.set_xticks([], minor=True)
        ax.set_xticklabels([str(n) for n in ns])
        ax.set_xlabel("number of parameters")
        ax.set_ylabel("function evaluations to target")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left")
    fig.text(0.5, 0.005, "open triangles: not reached within the evaluation cap (a lower "
             "bound)", ha="center", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = os.path.join(out_dir, "optimize_scaling.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def run_scaling_demo(out_dir="demo-output", *, rosen_dims=ROSEN_DIMS, spectrum_ks=SPECTRUM_KS,
                     nm_maxfev=50000, rng=0, verbose=True):
    """Count evaluations to a target accuracy: Nelder-Mead vs L-BFGS-B with AD gradients.

    Prints a table per problem and writes ``optimize_scaling.png`` into ``out_dir`` when
    matplotlib is installed (otherwise says how to get it).  Takes about 10-30 s.

    Parameters
    ----------
    out_dir : str or path
        Where the plot goes (created if missing); nothing is written anywhere else.
    rosen_dims : sequence of int
        Rosenbrock dimensions.
    spectrum_ks : sequence of int
        Numbers of Gaussian lines (3 parameters each).
    nm_maxfev : int
        Evaluation cap for Nelder-Mead; runs that hit it are reported as ``>cap``.
    rng : int or numpy.random.Generator
        Seed for the synthetic spectra.
    verbose : bool
        Print the tables.

    Returns
    -------
    dict
        ``"rosenbrock"`` and ``"spectrum"``: lists of ``(size, n_params, {"nm": ...,
        "lbfgs": ...})`` with ``(evals_to_target or None, evals_used, final_gap,
        seconds)``; ``"plot"``: the PNG path or None; ``"text"``: the printed report.
    """
    try:  # BLAS threads only slow these small problems down (a lot on busy machines)
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(1)
    except ImportError:
        limits = None
    try:
        return _run(out_dir, rosen_dims, spectrum_ks, nm_maxfev, rng, verbose, limits is None)
    finally:
        if limits is not None:
            limits.restore_original_limits()


def _run(out_dir, rosen_dims, spectrum_ks, nm_maxfev, rng, verbose, blas_note):
    rng = np.random.default_rng(rng)
    t_start = time.perf_counter()
    rosen_rows = []
    for n in rosen_dims:
        res = _run_pair(rosenbrock, np.zeros(n), 0.0, 1e-6, nm_maxfev)
        rosen_rows.append((n, n, res))
    spec_rows = []
    for k in spectrum_ks:
        x, y, sigma, truth, start = _spectrum(k, rng)
        ref = least_squares(lambda p: (_model(p, x) - y) / sigma, truth, method="lm",
                            ftol=1e-15, xtol=1e-15, gtol=1e-15)
        chi2_min = float(_chi2(ref.x, x, y, sigma))
        res = _run_pair(lambda p: _chi2(p, x, y, sigma), start, chi2_min, 1e-3, nm_maxfev)
        spec_rows.append((k, 3 * k, res))
    rosen_caps = [nm_maxfev] * len(rosen_rows)
    spec_caps = [nm_maxfev] * len(spec_rows)

    parts = [
        "Evaluations to reach the target (Nelder-Mead capped at "
        f"{nm_maxfev}; '>N' = did not converge within N evaluations).",
        "One L-BFGS-B evaluation is the value and the exact gradient from one reverse-mode "
        "pass;",
        "'ratio' = Nelder-Mead / L-BFGS-B evaluations; 'NM s' and 'LBFGS s' = seconds to the "
        "target (or to the cap).",
        "",
        table("Rosenbrock, x0 = 0, target f(x) < 1e-6", "n", rosen_rows, rosen_caps),
        "",
        table("Sum of K Gaussians fitted to a noisy spectrum (400 points), target "
               "chi2 - chi2_min < 1e-3", "K", spec_rows, spec_caps),
        "",
    ]
    for name, rows in (("Rosenbrock", rosen_rows), ("spectrum", spec_rows)):
        ns = [r[1] for r in rows]
        s_lb = _slope(ns, [r[2]["lbfgs"][0] for r in rows])
        s_nm = _slope(ns, [r[2]["nm"][0] for r in rows])
        capped = sum(1 for r in rows if not r[2]["nm"][0])
        txt = f"{name}: evaluations grow like n^{s_lb:.2f} for L-BFGS-B + AD" if s_lb else \
            f"{name}: L-BFGS-B + AD did not reach the target often enough to fit a slope"
        if s_nm is not None:
            txt += f", n^{s_nm:.2f} for Nelder-Mead where it converged"
        if capped:
            txt += f" (Nelder-Mead missed the target within {nm_maxfev} evaluations in " \
                   f"{capped} of {len(rows)} cases)"
        parts.append(txt + ".")
    os.makedirs(out_dir, exist_ok=True)
    path = _plot(out_dir, rosen_rows, spec_rows, rosen_caps, spec_caps)
    if path is None:
        parts.append("Plot skipped: matplotlib is not installed (pip install matplotlib).")
    else:
        parts.append(f"Plot written to {path}")
    if blas_note:
        parts.append("Timings only: multithreaded BLAS can slow SciPy's L-BFGS-B down a lot "
                     "on a busy machine; set OPENBLAS_NUM_THREADS=1 (or install threadpoolctl) "
                     "for clean timings. The evaluation counts are unaffected.")
    parts.append(f"Total time {time.perf_counter() - t_start:.1f} s.")
    text = "\n".join(parts)
    if verbose:
        print(text)
    return {"rosenbrock": rosen_rows, "spectrum": spec_rows, "plot": path, "text": text}


if __name__ == "__main__":  # pragma: no cover
    run_scaling_demo(sys.argv[1] if len(sys.argv) > 1 else "demo-output")
