"""Timing protocol, correctness checks and result records.

The protocol, for every benchmark case:

1. Each library builds its callable (input conversion happens here, untimed).
2. The first call is timed on its own (``first_s``: includes tracing, compilation and
   caches warming up) and its result is compared with the NumPy reference. A wrong result
   or an exception is recorded and the library is not timed further.
3. Warm-up calls (fewer for slow calls), then a loop count is chosen so that one sample
   lasts at least ``min_sample_s`` (so the clock resolution does not matter).
4. ``repeats`` rounds (more, up to ``max_repeats``, when rounds are short); in each round
   every library takes one sample, in an order rotated from round to round, so slow drifts
   of a noisy machine hit every library alike.
5. Median and minimum of the per-call times over the rounds.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .libs import LIBRARIES, OPT_IN


@dataclass
class RunConfig:
    """How much measuring to do.

    Parameters
    ----------
    smoke : bool
        Tiny sizes, one repeat, NumPy and chainrule only.
    repeats : int
        Timed rounds per case (the statistics use these).
    warmup_calls : int
        Calls after the first one and before timing.
    min_sample_s : float
        A sample runs the callable enough times to last at least this long.
    warmup_budget_s : float
        Warm-up stops early once the first call and the warm-up calls have taken this
        long (a call of several seconds needs no second warm-up).
    max_repeats : int
        Cases whose rounds are short get more rounds than ``repeats``, up to this many,
        as long as the timed rounds fit in ``case_budget_s``.
    case_budget_s : float
        Time for the extra rounds of one case.
    """

    smoke: bool = False
    repeats: int = 7
    warmup_calls: int = 2
    min_sample_s: float = 0.01
    warmup_budget_s: float = 1.0
    max_repeats: int = 21
    case_budget_s: float = 2.0


@dataclass
class Impl:
    """One library's implementation of one case.

    Parameters
    ----------
    library : str
        Library key (see :data:`bench.libs.LIBRARIES`).
    make : callable, optional
        Builds and returns the zero-argument callable to time; data conversion belongs
        here so that it is not timed.
    skip : str, optional
        Reason why this library does not run this case.
    sync : callable, optional
        Applied to each result before the clock stops (JAX's ``block_until_ready``).
    note : str
        Shown next to the result (for example which API was used).
    """

    library: str
    make: Callable[[], Callable[[], Any]] | None = None
    skip: str | None = None
    sync: Callable[[Any], Any] | None = None
    note: str = ""


@dataclass
class Case:
    """One measured quantity of a workload, implemented by several libraries.

    Parameters
    ----------
    workload : str
        Name of the workload this case belongs to.
    name : str
        Short case name, unique within the workload (e.g. ``"value_and_grad n=10^6"``).
    params : dict
        Size parameters, recorded in the JSON output.
    reference : callable
        Returns the NumPy reference result that every library's result is checked against.
    impls : list of Impl
    rtol, atol : float
        Tolerances of the check.
    check : callable, optional
        ``check(result, reference) -> (ok, error)`` replacing the default comparison.
    derive : tuple (label, callable), optional
        An extra column computed from the median time, e.g. ``("µs/op", f)``.
    info : callable, optional
        ``info(result) -> str``: a remark about the first call's result (kept in the record).
    """

    workload: str
    name: str
    params: dict
    reference: Callable[[], Any]
    impls: list
    rtol: float = 1e-7
    atol: float = 1e-10
    check: Callable[[Any, Any], tuple] | None = None
    derive: tuple | None = None
    info: Callable[[Any], str] | None = None


def flatten(tree):
    """Leaves of a nest of lists/tuples/dicts, in a fixed order."""
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in flatten(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for x in tree for leaf in flatten(x)]
    return [tree]


def compare(result, reference, rtol, atol):
    """Compare two nests of arrays leaf by leaf.

    Returns
    -------
    ok : bool
    error : float
        Largest ``|result - reference| / (atol + rtol * |reference|)``; ok means <= 1.
    """
    got, want = flatten(result), flatten(reference)
    if len(got) != len(want):
        return False, math.inf
    worst = 0.0
    for g, w in zip(got, want):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        if g.shape != w.shape:
            return False, math.inf
        if g.size == 0:
            continue
        if not np.all(np.isfinite(g)):
            return False, math.inf
        err = np.abs(g - w) / (atol + rtol * np.abs(w))
        worst = max(worst, float(np.max(err)))
    return worst <= 1.0, worst


def _record(case, impl, status, reason="", **extra):
    rec = {"workload": case.workload, "case": case.name, "params": case.params,
           "library": impl.library, "status": status, "reason": reason, "note": impl.note}
    rec.update(extra)
    return rec


def _thunk(fn, sync):
    if sync is None:
        return fn
    return lambda: sync(fn())


def _sample(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def _short_error(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    msg = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {msg[:300]}{where}"


def run_case(case, libs, cfg, log=print):
    """Measure one case for every library; return one record per library.

    Parameters
    ----------
    case : Case
    libs : bench.libs.Libraries
    cfg : RunConfig
    log : callable
        Progress printer.

    Returns
    -------
    list of dict
        Records with ``status`` in ``{"ok", "skipped", "wrong", "error"}``; ok records carry
        ``times_s`` (every round), ``number`` (calls per sample), ``median_s``, ``min_s``
        and ``first_s``.
    """
    reference = libs.to_numpy(case.reference())
    load = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    records, active = {}, []
    for impl in case.impls:
        if impl.skip:
            records[impl.library] = _record(case, impl, "skipped", impl.skip)
            continue
        try:
            fn = _thunk(impl.make(), impl.sync)
            gc.collect()
            start = time.perf_counter()
            out = fn()
            first = time.perf_counter() - start
        except Exception as exc:  # recorded in the report, never silently dropped
            records[impl.library] = _record(case, impl, "error", _short_error(exc))
            continue
        result = libs.to_numpy(out)
        if case.check is not None:
            ok, err = case.check(result, reference)
        else:
            ok, err = compare(result, reference, case.rtol, case.atol)
        if not ok:
            records[impl.library] = _record(
                case, impl, "wrong", f"result differs from the NumPy reference "
                f"(error {err:.3g} x tolerance)", first_s=first, max_err=err)
            continue
        records[impl.library] = _record(case, impl, "ok", first_s=first, max_err=err)
        if case.info is not None:
            records[impl.library]["info"] = case.info(result)
        active.append((impl.library, fn))

    numbers, round_s = {}, 0.0
    for lib, fn in active:
        # The first call may include a long compilation: at least one warm call sets the
        # calls per sample (else a fast function slow to compile is timed one call per
        # sample, which measures the timer and cold caches rather than the function).
        spent = records[lib]["first_s"]
        best = _sample(fn, 1)
        spent = min(spent, cfg.warmup_budget_s) + best
        for _ in range(cfg.warmup_calls - 1):
            if spent >= cfg.warmup_budget_s:
                break  # slow calls: the first calls already warmed up
            t = _sample(fn, 1)
            best, spent = min(best, t), spent + t
        numbers[lib] = max(1, math.ceil(cfg.min_sample_s / max(best, 1e-9)))
        round_s += numbers[lib] * best

    # Short rounds are cheap: take more of them (up to max_repeats), so that a burst of
    # load from other processes cannot cover most of the rounds of a case.
    rounds = cfg.repeats
    if round_s > 0 and cfg.max_repeats > cfg.repeats:
        rounds = max(cfg.repeats, min(cfg.max_repeats, int(cfg.case_budget_s / round_s)))
    times = {lib: [] for lib, _ in active}
    for r in range(rounds):
        order = active[r % len(active):] + active[:r % len(active)] if active else []
        for lib, fn in order:
            gc.collect()
            times[lib].append(_sample(fn, numbers[lib]))

    for lib, ts in times.items():
        rec = records[lib]
        rec.update(number=numbers[lib], rounds=len(ts), times_s=ts,
                   median_s=statistics.median(ts), min_s=min(ts), load_average=load)
        if case.derive:
            rec["derived"] = {case.derive[0]: case.derive[1](rec["median_s"])}
    out = [records[lib] for lib in LIBRARIES if lib in records]
    log(_progress_line(case, out))
    return out


def _progress_line(case, recs):
    parts = []
    for rec in recs:
        if rec["status"] == "ok":
            parts.append(f"{rec['library']}={format_time(rec['median_s'])}")
        elif rec["status"] != "skipped":
            parts.append(f"{rec['library']}={rec['status'].upper()}")
    return f"  {case.workload:12s} {case.name:32s} " + "  ".join(parts)


def format_time(seconds):
    """Format a duration with a unit that keeps three significant digits."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds:.3g} s"


@dataclass
class Workload:
    """A named group of cases with its documentation.

    Parameters
    ----------
    name : str
        Used by ``--only`` and in the JSON output.
    title, description : str
        Shown in the report.
    cases : callable, optional
        ``cases(libs, cfg) -> list of Case``, measured by :func:`run_case`.
    run : callable, optional
        ``run(libs, cfg, log) -> list of dict``, for workloads that measure something other
        than time (memory).
    summary : callable, optional
        ``summary(records) -> list of str``: extra Markdown shown under the workload's table.
    headline : callable, optional
        ``headline(records) -> list of str``: bullet lines for the report's summary.
    generic_table : bool
        Whether the report shows the standard per-case table (False when ``summary``
        already renders the results in a better shape).
    """

    name: str
    title: str
    description: str
    cases: Callable | None = None
    run: Callable | None = None
    summary: Callable | None = None
    headline: Callable | None = None
    generic_table: bool = True

    def measure(self, libs, cfg, log=print):
        """Run every case of this workload and return the records."""
        if self.run is not None:
            return self.run(libs, cfg, log)
        records = []
        for case in self.cases(libs, cfg):
            records.extend(run_case(case, libs, cfg, log))
        return records


def impls_for(libs, builders, *args, notes=None, missing=None):
    """One :class:`Impl` per library key, from a mapping of builders.

    Parameters
    ----------
    libs : bench.libs.Libraries
    builders : dict
        ``library key -> builder``; ``builder(libs, lib, *args)`` returns the callable to
        time. A key absent from ``builders`` is reported as skipped with ``missing[lib]``.
    *args
        Passed to each builder.
    notes : dict, optional
        ``library key -> note`` shown in the report.
    missing : dict, optional
        ``library key -> reason`` for libraries without a builder.
    """
    notes, missing = notes or {}, missing or {}
    out = []
    for lib in LIBRARIES:
        if lib in OPT_IN and lib not in builders:
            continue
        skip = libs.skip_reason(lib)
        if skip is None and lib not in builders:
            skip = missing.get(lib, "no implementation for this workload")
        if skip:
            out.append(Impl(lib, skip=skip))
            continue
        builder = builders[lib]
        out.append(Impl(lib, make=(lambda b=builder, lib=lib: b(libs, lib, *args)),
                        sync=libs.sync(lib), note=notes.get(lib, "")))
    return out
