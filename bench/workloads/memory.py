"""Peak memory of value_and_grad on a long elementwise chain at 10^6 elements.

Reverse mode keeps the values the backward pass needs, so its peak memory grows with the
length of the chain. Each library runs in a fresh Python process (one at a time) and two
numbers are taken there:

* **peak RSS increase**, for every library: Linux's resident-set high-water mark
  (``VmHWM``) is reset through ``/proc/self/clear_refs`` just before the measured call and
  read just after; the increase over the resident size before the call is the memory the
  call needed, as the operating system saw it (allocator caches included). Before the
  reset, one unmeasured call at full size warms every cache and compiler, and
  ``malloc_trim(0)`` hands freed heap back to the system.
* **tracemalloc peak**, only for the libraries that allocate through NumPy (NumPy,
  chainrule, autograd): NumPy reports its buffers to ``tracemalloc``. PyTorch and XLA
  allocate outside Python's view, so for them it is reported as not measurable.

Run as ``python -m bench.workloads.memory LIB N N_OPS`` it measures one library and prints
one JSON line.
"""

from __future__ import annotations

import ctypes
import gc
import json
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from ..harness import Workload, compare
from ..libs import LABELS, LIBRARIES, OPT_IN, Libraries
from ._common import chain_builders, chain_value_and_grad_numpy, rng
from .elementwise import size_label

N, SMOKE_N = 10**6, 10**4
N_OPS = 50
TRACEMALLOC_LIBS = ("numpy", "chainrule", "chainrule jit", "autograd")
ROOT = Path(__file__).resolve().parents[2]


def _status_kib(field):
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def _trim():
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _input(n):
    return rng(9).uniform(0.1, 0.9, size=n)


def measure_here(lib, n, n_ops):
    """Measure ``lib`` in this process (call it in a fresh one). Returns a dict."""
    libs = Libraries(only=lib)
    skip = libs.skip_reason(lib)
    if skip:
        return {"status": "skipped", "reason": skip}
    x = _input(n)
    fn = chain_builders(n_ops)[lib](libs, lib, x, "value_and_grad")
    sync = libs.sync(lib) or (lambda out: out)
    out = sync(fn())  # warm-up at full size: caches, compilation
    del out
    gc.collect()
    _trim()
    rss_before = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    start = time.perf_counter()
    out = sync(fn())
    elapsed = time.perf_counter() - start
    rss_peak = _status_kib("VmHWM")
    value, grad = libs.to_numpy(out)
    result = {"status": "ok", "peak_rss_bytes": max(0, rss_peak - rss_before) * 1024,
              "rss_before_bytes": rss_before * 1024, "call_s": elapsed,
              "value": float(value), "grad_sample": grad[:: max(1, n // 1000)].tolist()}
    del out
    if lib in TRACEMALLOC_LIBS:
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        out = sync(fn())
        result["peak_tracemalloc_bytes"] = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        del out
    return result


def _measure_in_child(lib, n, n_ops):
    return measure_in_child("memory", [lib, str(n), str(n_ops)])


def measure_in_child(workload, args, timeout=300):
    """Run ``python -m bench.workloads.WORKLOAD ARGS...`` in a fresh process; its last
    JSON line of output (a record), or an error record."""
    cmd = [sys.executable, "-m", f"bench.workloads.{workload}", *args]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "error", "reason": f"timed out after {timeout} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": "error", "reason": f"exit {proc.returncode}: {tail[:300]}"}
    return json.loads(lines[-1])


def run(libs, cfg, log=print):
    """Measure every library, each in its own process; return the records."""
    n = SMOKE_N if cfg.smoke else N
    x = _input(n)
    ref_value, ref_grad = chain_value_and_grad_numpy(x, N_OPS)
    ref_sample = ref_grad[:: max(1, n // 1000)]
    records = []
    for lib in LIBRARIES:
        if lib in OPT_IN:
            continue
        rec = {"workload": "memory", "case": f"value_and_grad {N_OPS} ops n={size_label(n)}",
               "params": {"n": n, "n_ops": N_OPS}, "library": lib, "note": "",
               "reason": ""}
        skip = libs.skip_reason(lib)
        if skip:
            rec.update(status="skipped", reason=skip)
        else:
            rec.update(_measure_in_child(lib, n, N_OPS))
        if rec["status"] == "ok":
            ok, err = compare([rec.pop("value"), np.asarray(rec.pop("grad_sample"))],
                              [ref_value, ref_sample], 1e-7, 1e-10)
            if not ok:
                rec.update(status="wrong", reason=f"result differs from the NumPy reference "
                           f"(error {err:.3g} x tolerance)")
            rec["arrays"] = rec["peak_rss_bytes"] / (8 * n)
            if lib not in TRACEMALLOC_LIBS:
                rec["note"] = "allocates outside Python: tracemalloc cannot see it"
        records.append(rec)
    log("  memory       " + "  ".join(
        f"{r['library']}={r['peak_rss_bytes'] / 2**20:.0f}MiB" if r["status"] == "ok"
        else f"{r['library']}={r['status'].upper()}"
        for r in records if r["status"] != "skipped"))
    return records


def _mib(b):
    return "-" if b is None else f"{b / 2**20:.1f} MiB"


def summary(records):
    """The memory table (it has its own columns)."""
    n = records[0]["params"]["n"] if records else 1
    lines = ["| library | peak RSS increase | as arrays of n | tracemalloc peak | "
             "as arrays of n | call time | status |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in records:
        if r["status"] == "ok":
            tm = r.get("peak_tracemalloc_bytes")
            lines.append(
                f"| {LABELS[r['library']]} | {_mib(r['peak_rss_bytes'])} | {r['arrays']:.1f} | "
                f"{_mib(tm) if tm is not None else 'n/a'} | "
                f"{f'{tm / (8 * n):.1f}' if tm is not None else 'n/a'} | "
                f"{r['call_s'] * 1e3:.0f} ms | ok{'; ' + r['note'] if r['note'] else ''} |")
        else:
            lines.append(f"| {LABELS[r['library']]} | - | - | - | - | - | "
                         f"{r['status']}: {r['reason']} |")
    return lines


def headline(records):
    """Peak memory of chainrule next to the others, in arrays of n."""
    ok = [r for r in records if r["status"] == "ok"]
    if not ok:
        return []
    return [f"Peak memory of value_and_grad, {N_OPS}-op chain at "
            f"n={size_label(ok[0]['params']['n'])}, in arrays of n float64 (RSS increase): "
            + ", ".join(f"{LABELS[r['library']]} {r['arrays']:.1f}" for r in ok) + "."]


WORKLOAD = Workload(
    name="memory",
    title="Peak memory of value_and_grad (50-op chain, n = 10^6)",
    description=__doc__.split("\n\n", 1)[1].split("Run as")[0].strip(),
    run=run,
    summary=summary,
    headline=headline,
)


def main(argv):
    """Child entry point: ``LIB N N_OPS``; prints one JSON line."""
    lib, n, n_ops = argv[0], int(argv[1]), int(argv[2])
    try:
        result = measure_here(lib, n, n_ops)
    except Exception as exc:  # reported by the parent
        result = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"[:300]}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
