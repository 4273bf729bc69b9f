"""``python -m bench``: run the benchmarks and write the report.

Run from the repository root::

    python -m bench --smoke                      # CI check: tiny sizes, < 60 s
    bash bench/setup_peers.sh                    # or: python -m bench --setup
    bench/.venv-peers/bin/python -m bench        # full comparison, < 15 min

The thread environment (one thread for every library) is set here, before NumPy, PyTorch
or JAX are imported; if NumPy was somehow imported already, the process re-executes itself.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

from .environment import OPENBLAS_OVERRIDES, THREAD_ENV
from .workloads import NAMES as WORKLOAD_NAMES

HERE = Path(__file__).resolve().parent


def parse_args(argv):
    """Command-line options (see ``--help``)."""
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark chainrule against hand-written NumPy, PyTorch, JAX and "
                    "autograd; write results.json, REPORT.md and plots.")
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes, NumPy and chainrule only, 1 repeat (for CI; the "
                        "times mean nothing)")
    p.add_argument("--only", metavar="WORKLOAD", action="append", default=[],
                   help="run only this workload (repeat or comma-separate for several): "
                        + ", ".join(WORKLOAD_NAMES))
    p.add_argument("--repeats", type=int, default=7,
                   help="timed rounds per case, at least (default 7; cases with short "
                        "rounds get up to 3x as many; --smoke uses 1)")
    p.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help="output folder (default bench/results; bench/results/smoke for "
                        "--smoke, bench/results/partial for --only)")
    p.add_argument("--setup", action="store_true",
                   help="create or update bench/.venv-peers (runs bench/setup_peers.sh) "
                        "and exit")
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="keep OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE if set (a full run unsets "
                        "them so NumPy uses its own kernel choice)")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 if any library gave a wrong result or raised "
                        "(times are never checked)")
    p.add_argument("--numexpr-threads", type=int, default=1, metavar="N",
                   help="threads for numexpr, chainrule's optional fusion backend (default 1, "
                        "like every library; more departs from the protocol)")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = p.parse_args(argv)
    args.only = [w for item in args.only for w in item.split(",") if w]
    unknown = sorted(set(args.only) - set(WORKLOAD_NAMES))
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {', '.join(WORKLOAD_NAMES)}")
    if args.repeats < 1:
        p.error("--repeats must be at least 1")
    return args


def configure_environment(args):
    """Set the thread variables; re-execute if NumPy is already loaded."""
    changed = False
    for key, value in THREAD_ENV.items():
        if os.environ.get(key) != value:
            os.environ[key] = value
            changed = True
    if not args.smoke and not args.keep_openblas_env:
        for key in OPENBLAS_OVERRIDES:
            if os.environ.pop(key, None) is not None:
                changed = True
    if changed and "numpy" in sys.modules:
        os.execv(sys.executable, [sys.executable, "-m", "bench"] + sys.argv[1:])


def run_setup():
    """Run bench/setup_peers.sh and return its exit status."""
    return subprocess.call(["bash", str(HERE / "setup_peers.sh")])


def main(argv=None):
    """Entry point; returns the process exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.setup:
        return run_setup()
    configure_environment(args)

    from . import report
    from .harness import RunConfig
    from .libs import Libraries
    from .plots import make_plots
    from .workloads import BY_NAME, WORKLOADS
    from .environment import describe

    assert list(BY_NAME) == list(WORKLOAD_NAMES), "each workload's name is its module's"
    if args.list:
        for w in WORKLOADS:
            print(f"{w.name:12s} {w.title}")
        return 0
    cfg = (RunConfig(smoke=True, repeats=1, warmup_calls=0, min_sample_s=0.0, max_repeats=1)
           if args.smoke else RunConfig(repeats=args.repeats,
                                        max_repeats=max(args.repeats, 3 * args.repeats)))
    out = args.out or (HERE / "results" / ("smoke" if args.smoke else
                                            "partial" if args.only else ""))
    out.mkdir(parents=True, exist_ok=True)
    selected = [BY_NAME[name] for name in args.only] if args.only else WORKLOADS

    start = time.perf_counter()
    libs = Libraries(smoke=args.smoke, numexpr_threads=args.numexpr_threads)
    env = describe(libs)
    # Move the libraries' own objects out of the collector's way: the gc.collect() before
    # each sample then costs microseconds instead of tens of milliseconds.
    gc.collect()
    gc.freeze()
    print(f"bench: {'smoke' if args.smoke else 'full' if not args.only else 'partial'} run, "
          f"{cfg.repeats} repeat(s), output in {out}")
    for lib in ("chainrule", "chainrule jit", "chainrule jit+fusion", "chainrule jit+numba",
                "torch", "jax", "jax jit", "autograd"):
        reason = libs.skip_reason(lib)
        if reason:
            print(f"  skipped: {lib}: {reason}")
    records, durations = [], {}
    for wl in selected:
        t0 = time.perf_counter()
        try:
            records.extend(wl.measure(libs, cfg))
        except Exception as exc:  # one broken workload must not lose the others
            print(f"  {wl.name}: FAILED: {type(exc).__name__}: {exc}")
            records.append({"workload": wl.name, "case": "(workload)", "params": {},
                            "library": "numpy", "status": "error", "note": "",
                            "reason": f"workload failed: {type(exc).__name__}: {exc}"})
        durations[wl.name] = time.perf_counter() - t0
        print(f"  {wl.name}: {durations[wl.name]:.1f} s")
    duration = time.perf_counter() - start
    env["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

    run = {"schema": 1, "config": {"smoke": cfg.smoke, "repeats": cfg.repeats,
                                   "max_repeats": cfg.max_repeats,
                                   "case_budget_s": cfg.case_budget_s,
                                   "warmup_calls": cfg.warmup_calls,
                                   "min_sample_s": cfg.min_sample_s, "only": args.only},
           "environment": env, "duration_s": duration, "workload_durations_s": durations,
           "records": records,
           "ratios": report.ratio_rows(records)}
    plots, plot_skips = make_plots(records, out)
    report.write_json(out / "results.json", run)
    (out / "REPORT.md").write_text(report.markdown(run, selected, plots, plot_skips))
    print(f"bench: done in {duration:.0f} s; wrote {out / 'REPORT.md'}, "
          f"{out / 'results.json'}" + "".join(f", {out / p}" for v in plots.values()
                                              for p in v))
    bad = [r for r in records if r["status"] in ("wrong", "error")]
    for r in bad:
        print(f"  {r['status'].upper()}: {r['workload']} / {r['case']} / {r['library']}: "
              f"{r['reason']}")
    return 1 if bad and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
