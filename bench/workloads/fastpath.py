"""The fast path: ``chainrule.numpy.f(array)`` outside every transform vs bare ``numpy.f``.

The design promises about one extra Python call over NumPy on plain arrays, so on tiny
arrays (where NumPy itself costs well under a microsecond) the ratio chainrule / NumPy
should stay close to 1.
"""

from __future__ import annotations

import functools

from ..harness import Case, Impl, Workload, format_time
from ._common import rng

SHAPES = ((3,), (10, 10))

# name -> (number of array arguments, extra positional arguments)
FUNCTIONS = {
    "sin": (1, ()), "exp": (1, ()), "add": (2, ()), "multiply": (2, ()), "sum": (1, ()),
    "mean": (1, ()), "max": (1, ()), "matmul": (2, ()), "reshape": (1, ((-1, 1),)),
}


def _impl(lib, xp, name, args):
    # functools.partial adds almost nothing around the call, so the ratio is that of the
    # bare calls ``cnp.sin(x)`` and ``np.sin(x)``.
    return Impl(lib, make=lambda: functools.partial(getattr(xp, name), *args))


def cases(libs, cfg):
    """One case per function and shape, NumPy against chainrule only."""
    g = rng(8)
    out = []
    for shape in SHAPES:
        x, y = g.uniform(0.1, 0.9, size=shape), g.uniform(0.1, 0.9, size=shape)
        for name, (nargs, extra) in FUNCTIONS.items():
            args = (x, y)[:nargs] + extra
            impls = [_impl("numpy", libs.np, name, args)]
            skip = libs.skip_reason("chainrule")
            impls.append(Impl("chainrule", skip=skip) if skip
                         else _impl("chainrule", libs.cnp, name, args))
            out.append(Case("fastpath", f"{name} {shape}", {"function": name,
                                                              "shape": list(shape)},
                            functools.partial(getattr(libs.np, name), *args), impls,
                            rtol=1e-15, atol=0.0))
    return out


def _pairs(records):
    recs = {}
    for r in records:
        if r["workload"] == "fastpath":
            recs[(r["params"]["function"], tuple(r["params"]["shape"]), r["library"])] = r
    for (fn, shape, lib), r in recs.items():
        if lib == "chainrule":
            yield fn, shape, recs.get((fn, shape, "numpy")), r


def ratios(records):
    """``[(function, shape, numpy median, chainrule median, ratio)]``."""
    out = []
    for fn, shape, rn, rc in _pairs(records):
        if rn and rn["status"] == "ok" and rc["status"] == "ok":
            out.append((fn, shape, rn["median_s"], rc["median_s"],
                        rc["median_s"] / rn["median_s"]))
    return out


def _ns(t):
    return f"{t * 1e9:.0f} ns"


def summary(records):
    """The fast-path table: one row per function and shape, chainrule ÷ NumPy."""
    lines = ["| function | shape | NumPy median | NumPy min | chainrule median | "
             "chainrule min | ÷ NumPy (median) | ÷ NumPy (min) | chainrule first call |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for fn, shape, rn, rc in _pairs(records):
        if rn and rn["status"] == "ok" and rc["status"] == "ok":
            lines.append(
                f"| {fn} | {shape} | {_ns(rn['median_s'])} | {_ns(rn['min_s'])} | "
                f"{_ns(rc['median_s'])} | {_ns(rc['min_s'])} | "
                f"**{rc['median_s'] / rn['median_s']:.2f}** | "
                f"{rc['min_s'] / rn['min_s']:.2f} | {format_time(rc['first_s'])} |")
        else:
            bad = rc if rc["status"] != "ok" else rn
            lines.append(f"| {fn} | {shape} | | | | | | | {bad['status']}: "
                         f"{bad['reason']} |")
    return lines


def headline(records):
    """Fast-path ratios, one per function and shape."""
    rat = ratios(records)
    if not rat:
        return []
    parts = [f"{fn}{shape} {ratio:.2f}" for fn, shape, _, _, ratio in rat]
    worst = max(rat, key=lambda r: r[4])
    return ["Fast path, chainrule.numpy ÷ numpy on plain arrays (median times): "
            + ", ".join(parts) + f". Worst: {worst[0]}{worst[1]} at {worst[4]:.2f}x "
            f"(+{(worst[3] - worst[2]) * 1e9:.0f} ns)."]


WORKLOAD = Workload(
    name="fastpath",
    title="Fast path: chainrule.numpy vs numpy on small plain arrays",
    description=(
        "Outside every transform, `chainrule.numpy.f(x)` on a NumPy array should cost "
        "about one extra Python call over `numpy.f(x)`. Shapes (3,) and (10, 10), where "
        "the call overhead is everything. Only NumPy and chainrule take part."),
    cases=cases,
    summary=summary,
    headline=headline,
    generic_table=False,
)
