"""The demo's forward-vs-reverse section: when is ``jacfwd`` faster than ``jacrev``?

For ``f: R^n -> R^m``, forward mode builds the Jacobian from ``n`` Jacobian-vector
products and reverse mode from ``m`` vector-Jacobian products, each costing a small
multiple of one evaluation of ``f``.  The rule of thumb follows: forward when ``n < m``,
reverse when ``n > m``.  This section measures it: both compiled Jacobians of the same
function over a grid of ``(n, m)``, their ratio as a map with the diagonal ``n = m``
drawn on it, and the Jacobians checked against the analytic one.
"""

from __future__ import annotations

import time

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.cli._format import check, indented, table
from chainrule.cli._plot import pyplot as _pyplot
from chainrule.cli._plot import save as _save

SIZES = {"quick": (4, 32, 256), "default": (4, 16, 64, 256, 1024),
         "full": (2, 8, 32, 128, 512, 1024)}
HIDDEN, LAYERS = 256, 4


def _problem(n, m, seed=0):
    """``f(x) = B g(A x)`` with a 4-fold elementwise ``g``: a width-256 hidden layer."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(HIDDEN, n)) / np.sqrt(n)
    B = rng.normal(size=(m, HIDDEN)) / np.sqrt(HIDDEN)

    def f(x):
        h = A @ x
        for _ in range(LAYERS):
            h = 1.1 * cnp.tanh(h) + 0.01 * h * h
        return B @ h

    def jacobian(x):
        h, d = A @ x, np.ones(HIDDEN)
        for _ in range(LAYERS):
            d = d * (1.1 * (1 - np.tanh(h) ** 2) + 0.02 * h)
            h = 1.1 * np.tanh(h) + 0.01 * h * h
        return (B * d) @ A
    return f, jacobian, np.linspace(-1.0, 1.0, n)


def _best_time(fn, budget=0.05, repeats=5):
    """Best of ``repeats`` means over enough calls to fill ``budget`` seconds."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(budget / once))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def measure(sizes, budget=0.05):
    """Times of jit(jacfwd) and jit(jacrev) over ``sizes x sizes``; worst Jacobian error."""
    k = len(sizes)
    t_fwd, t_rev, err = np.zeros((k, k)), np.zeros((k, k)), 0.0
    for i, n in enumerate(sizes):
        for j, m in enumerate(sizes):
            f, jac, x = _problem(n, m)
            fwd, rev = cr.jit(cr.jacfwd(f)), cr.jit(cr.jacrev(f))
            exact = jac(x)
            scale = np.max(np.abs(exact))
            err = max(err, np.max(np.abs(fwd(x) - exact)) / scale,
                      np.max(np.abs(rev(x) - exact)) / scale)
            t_fwd[i, j] = _best_time(lambda: fwd(x), budget)
            t_rev[i, j] = _best_time(lambda: rev(x), budget)
    return t_fwd, t_rev, err


def _crossover(sizes, ratio_row):
    """The n where t_fwd / t_rev crosses 1 along a row (log-interpolated), or None."""
    logn, logr = np.log(sizes), np.log(ratio_row)
    for a in range(len(sizes) - 1):
        if logr[a] <= 0 < logr[a + 1]:
            frac = -logr[a] / (logr[a + 1] - logr[a])
            return float(np.exp(logn[a] + frac * (logn[a + 1] - logn[a])))
    return None


def crossover_section(out_dir, mode="default", sizes=None):
    """Measure the forward/reverse crossover and draw it."""
    print("\nForward vs reverse mode: time of jacfwd and jacrev for f: R^n -> R^m")
    sizes = tuple(sizes or SIZES[mode])
    t_fwd, t_rev, err = measure(sizes, budget=0.01 if mode == "quick" else 0.05)
    ratio = t_fwd / t_rev
    ok = check(f"jacfwd and jacrev equal the analytic Jacobian (max relative error "
               f"{err:.1e} < 1e-12)", err < 1e-12)
    # Where n and m differ by 4x or more the work differs as much: over those cells (the
    # geometric mean, robust to a few timings disturbed by a busy machine) the right mode
    # must win.
    n_grid, m_grid = np.meshgrid(sizes, sizes, indexing="ij")
    tall, wide = n_grid * 4 <= m_grid, n_grid >= 4 * m_grid
    fwd_side = float(np.exp(np.mean(np.log(ratio[tall]))))
    rev_side = float(np.exp(np.mean(np.log(ratio[wide]))))
    ok = check(f"forward wins where n <= m / 4 (geometric mean of t_fwd / t_rev "
               f"{fwd_side:.2f} < 1), reverse where n >= 4 m ({rev_side:.2f} > 1)",
               fwd_side < 1 < rev_side) and ok
    rows = [[f"n = {n}"] + [f"{r:.2f}" for r in ratio[i]] for i, n in enumerate(sizes)]
    print("   t(jacfwd) / t(jacrev), both jit-compiled (< 1: forward is faster):")
    print(indented(table([""] + [f"m = {m}" for m in sizes], rows)))
    cross = [(m, _crossover(sizes, ratio[:, j])) for j, m in enumerate(sizes)]
    print("   measured crossover (ratio = 1) per output size: " + ", ".join(
        f"m = {m}: n ~ {c:.0f}" if c else f"m = {m}: none in range" for m, c in cross))

    plt = _pyplot()
    path = None
    if plt is not None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
        lim = np.max(np.abs(np.log2(ratio)))
        im = left.imshow(np.log2(ratio).T, origin="lower", cmap="RdBu_r", vmin=-lim,
                         vmax=lim)
        left.plot([-0.5, len(sizes) - 0.5], [-0.5, len(sizes) - 0.5], "k--", lw=1,
                  label="n = m")
        left.set_xticks(range(len(sizes)), [str(s) for s in sizes])
        left.set_yticks(range(len(sizes)), [str(s) for s in sizes])
        left.set_xlabel("inputs n")
        left.set_ylabel("outputs m")
        left.set_title("log2 t(jacfwd) / t(jacrev): blue = forward faster")
        left.legend(loc="upper left", fontsize=8)
        fig.colorbar(im, ax=left)
        j = len(sizes) // 2
        right.loglog(sizes, t_fwd[:, j] * 1e3, "o-", label="jacfwd")
        right.loglog(sizes, t_rev[:, j] * 1e3, "s-", label="jacrev")
        right.axvline(sizes[j], color="k", ls="--", lw=1, label=f"n = m = {sizes[j]}")
        right.set_xlabel("inputs n")
        right.set_ylabel("time per Jacobian (ms)")
        right.set_title(f"m = {sizes[j]} outputs")
        right.legend(fontsize=8)
        path = _save(fig, plt, out_dir, "jacobian_crossover.png")
    return {"matches": bool(ok), "figure": path, "ratio": ratio, "sizes": sizes}
