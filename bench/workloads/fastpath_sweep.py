"""The fast path across the whole API: every ``chainrule.numpy`` function against NumPy.

Every public function of ``chainrule.numpy``, ``.linalg`` and ``.fft`` that has a NumPy
counterpart (and is not NumPy's own object) is called on small plain arrays with the first
argument pattern NumPy accepts: a (3,) vector, a (3, 3) matrix, two vectors or two
matrices. Both calls must give the same result; then they are timed in alternating rounds
and the ratio of the median times is recorded. The design budget is 1.5x; the summary
lists every function above it.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..harness import Workload

BUDGET = 1.5
# Results that differ from NumPy's by design (docs/linalg.md, docs/design/numpy.md): timed,
# not compared.
DOCUMENTED = {"linalg.eig": "always complex", "linalg.eigvals": "always complex",
              "empty_like": "zeros, not uninitialised memory"}


def _arguments():
    g = np.random.default_rng(12)
    x = g.uniform(0.5, 1.5, 3)
    a = g.uniform(0.0, 1.0, (3, 3))
    m = a @ a.T + 3.0 * np.eye(3)  # symmetric positive definite: every linalg function applies
    return [(x,), (m,), (x, x), (m, m)]


def _same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, (np.ndarray, np.generic)):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    return a == b or (a != a and b != b)


def _calls_per_round(fn, seconds):
    """How many calls of ``fn`` take about ``seconds`` (at least a quarter of it)."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - start > seconds / 4:
            break
        n *= 4
    return n


def _time_pair(f_np, f_cr, seconds, rounds):
    """Median time per call of each, in alternating rounds of the same number of calls."""
    n = max(_calls_per_round(f_np, seconds), _calls_per_round(f_cr, seconds))
    times = {0: [], 1: []}
    for _ in range(rounds):
        for k, fn in ((0, f_np), (1, f_cr)):
            start = time.perf_counter()
            for _ in range(n):
                fn()
            times[k].append((time.perf_counter() - start) / n)
    return float(np.median(times[0])), float(np.median(times[1]))


def _functions():
    import chainrule.numpy as cnp

    for mod_np, mod_cr, prefix in ((np, cnp, ""), (np.linalg, cnp.linalg, "linalg."),
                                   (np.fft, cnp.fft, "fft.")):
        for name in sorted(dir(mod_cr)):
            if name.startswith("_"):
                continue
            f_cr, f_np = getattr(mod_cr, name), getattr(mod_np, name, None)
            if (f_np is None or not callable(f_np) or isinstance(f_np, type)
                    or f_cr is f_np or not callable(f_cr)):
                continue
            yield prefix + name, f_np, f_cr


def run(libs, cfg, log=print):
    if libs.skip_reason("chainrule"):
        return []
    seconds, rounds = (0.002, 3) if cfg.smoke else (0.004, 7)
    records = []
    functions = list(_functions())
    if cfg.smoke:
        functions = functions[::12]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for name, f_np, f_cr in functions:
            for args in _arguments():
                try:
                    want = f_np(*args)
                except Exception:
                    continue
                rec = {"workload": "fastpath_sweep", "case": name, "library": "chainrule",
                       "params": {"shapes": [list(a.shape) for a in args]}, "note": "",
                       "reason": ""}
                try:
                    got = f_cr(*args)
                except Exception as exc:
                    rec.update(status="error", reason=f"{type(exc).__name__}: {exc}"[:200])
                    records.append(rec)
                    break
                if name in DOCUMENTED:
                    rec["note"] = f"result not compared: {DOCUMENTED[name]} (documented)"
                elif not _same(got, want):
                    rec.update(status="wrong", reason="result differs from NumPy's")
                    records.append(rec)
                    break
                t_np, t_cr = _time_pair(lambda: f_np(*args), lambda: f_cr(*args), seconds,
                                        rounds)
                rec.update(status="ok", numpy_s=t_np, chainrule_s=t_cr, ratio=t_cr / t_np)
                records.append(rec)
                break
    over = [r for r in records if r["status"] == "ok" and r["ratio"] > BUDGET]
    bad = [r for r in records if r["status"] != "ok"]
    log(f"  fastpath_sweep {len(records)} functions, {len(over)} above {BUDGET}x, "
        f"{len(bad)} wrong or raised")
    return records


def summary(records):
    """Every function above the budget, and any that disagreed with NumPy."""
    ok = [r for r in records if r["status"] == "ok"]
    over = sorted((r for r in ok if r["ratio"] > BUDGET), key=lambda r: -r["ratio"])
    ratios = np.array([r["ratio"] for r in ok]) if ok else np.array([np.nan])
    lines = [f"{len(records)} functions called; median ratio {np.median(ratios):.2f}, "
             f"{len(over)} above {BUDGET}x:", "",
             "| function | shapes | NumPy | chainrule | ratio |", "|---|---|---:|---:|---:|"]
    for r in over:
        lines.append(f"| `{r['case']}` | {r['params']['shapes']} | {r['numpy_s'] * 1e9:.0f} ns "
                     f"| {r['chainrule_s'] * 1e9:.0f} ns | {r['ratio']:.2f} |")
    for r in records:
        if r["status"] != "ok":
            lines.append(f"| `{r['case']}` | {r['params']['shapes']} | - | - | "
                         f"**{r['status']}**: {r['reason']} |")
    return lines


def headline(records):
    ok = [r for r in records if r["status"] == "ok"]
    if not ok:
        return []
    over = sorted((r for r in ok if r["ratio"] > BUDGET), key=lambda r: -r["ratio"])
    names = ", ".join(f"{r['case']} {r['ratio']:.2f}" for r in over)
    return [f"Fast path over the whole API: {len(ok)} functions, "
            f"{len(over)} above {BUDGET}x NumPy" + (f" ({names})." if over else ".")]


WORKLOAD = Workload(
    name="fastpath_sweep",
    title="The fast path over the whole API (chainrule.numpy ÷ NumPy, small plain arrays)",
    description=" ".join(__doc__.split("\n\n")[1].split()),
    run=run,
    summary=summary,
    headline=headline,
    generic_table=False,
)
