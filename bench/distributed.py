"""Data-parallel ``value_and_grad`` on a ``dask.distributed.LocalCluster``.

Not part of ``python -m bench`` (it starts clusters and takes minutes)::

    python -m bench.distributed                 # scaling table, 10^7 points (and 10^8)
    python -m bench.distributed --fit 1e8       # the example: fit 10^8 simulated points

The model is a light curve (a sinusoid over a baseline) with Gaussian noise; the data are
generated chunk by chunk on the workers, so no full-size array ever exists in this process;
for the scaling table they are generated once and held in the workers' memory.
Writes ``bench/results/distributed.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import distributed as crd
from chainrule.optimize import minimize

TRUE = np.array([1.5, 3.0, 0.4, 0.2])
P0 = np.array([1.2, 2.98, 0.3, 0.0])
SIGMA = 0.5


def chi2(p, data):
    t, y = data
    r = p[0] * cnp.sin(p[1] * t + p[2]) + p[3] - y
    return cnp.sum(r * r)


def light_curve(n, chunk):
    import dask.array as da

    t = da.linspace(0.0, 10.0, int(n), chunks=int(chunk))
    noise = da.random.RandomState(0).normal(0.0, SIGMA, int(n), chunks=int(chunk))
    return t, TRUE[0] * da.sin(TRUE[1] * t + TRUE[2]) + TRUE[3] + noise


def cluster(workers):
    import distributed

    c = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                 dashboard_address=":0", silence_logs=50)
    return c, distributed.Client(c)


def distributed_wait(data):
    import distributed

    distributed.wait(list(data))


def best(fn, repeats):
    fn()  # the first call compiles on every worker
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def scaling(sizes, workers, chunk, repeats):
    rows = []
    for n in sizes:
        for w in workers:
            c, client = cluster(w)
            try:
                # Held in the workers' memory, as a dataset read once would be: the
                # times are those of the gradient, not of generating the data.
                data = client.persist(light_curve(n, chunk))
                distributed_wait(data)
                obj = crd.Objective(chi2, data, client=client)
                rows.append((n, w, best(lambda: obj(P0), repeats), obj.nchunks))
            finally:
                client.close()
                c.close()
            print(f"n={n:.0e} workers={w}: {rows[-1][2]:.2f} s", flush=True)
    return rows


def in_memory(n, repeats):
    t, y = (a.compute() for a in light_curve(n, n))
    f = cr.jit(cr.value_and_grad(chi2))
    return best(lambda: f(P0, (t, y)), repeats)


def per_chunk_overhead(n, chunk_counts, repeats):
    c, client = cluster(2)
    try:
        out = []
        for k in chunk_counts:
            data = client.persist(light_curve(n, n // k))
            distributed_wait(data)
            obj = crd.Objective(chi2, data, client=client)
            out.append((k, best(lambda: obj(P0), repeats)))
    finally:
        client.close()
        c.close()
    (k0, t0), (k1, t1) = out[0], out[-1]
    return out, (t1 - t0) / (k1 - k0)


def fit(n, chunk, workers, subset):
    c, client = cluster(workers)
    try:
        t0 = time.perf_counter()
        data = client.persist(light_curve(n, chunk))  # generated once, kept on the workers
        obj = crd.Objective(chi2, data, client=client)
        res = minimize(obj, P0, jac=True, method="L-BFGS-B")
        wall = time.perf_counter() - t0
    finally:
        client.close()
        c.close()
    # Every k-th point: a subset that spans the whole light curve, small enough for memory.
    step = int(n) // subset
    t, y = (a[::step].compute() for a in light_curve(n, chunk))
    ref = minimize(chi2, P0, args=((t, y),), method="L-BFGS-B")
    return res, wall, ref


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__)
    p.add_argument("--sizes", default="1e7,1e8", help="comma-separated numbers of points")
    p.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    p.add_argument("--chunk", type=float, default=2e6, help="points per chunk")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--fit", type=float, default=None, metavar="N",
                   help="instead of the table, fit N simulated points with L-BFGS")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    a = p.parse_args(argv)
    env = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load "
           f"average {os.getloadavg()[0]:.1f} at the start")
    lines = []
    if a.fit:
        res, wall, ref = fit(a.fit, a.chunk, 2, 10**6)
        lines += [f"# Distributed fit of {a.fit:.0e} points ({env}, 2 worker processes)", "",
                  f"L-BFGS-B: {res.nit} iterations, {res.nfev} evaluations, {wall:.1f} s",
                  f"fitted      {np.array2string(res.x, precision=5)}",
                  f"in-memory fit of every {int(a.fit) // 10**6}th point (10^6 points) "
                  f"{np.array2string(ref.x, precision=5)}",
                  f"true        {np.array2string(TRUE, precision=5)}"]
        name = "distributed_fit.md"
    else:
        sizes = [int(float(s)) for s in a.sizes.split(",")]
        workers = [int(w) for w in a.workers.split(",")]
        rows = scaling(sizes, workers, a.chunk, a.repeats)
        mem_n = sizes[0]
        mem = in_memory(mem_n, a.repeats)
        chunks, overhead = per_chunk_overhead(10**6, (4, 64), a.repeats)
        lines += [f"# Data-parallel value_and_grad ({env})", "",
                  "| points | workers | chunks | time (s) | vs 1 worker |",
                  "|---|---|---|---|---|"]
        for n, w, t, k in rows:
            one = next(r[2] for r in rows if r[0] == n and r[1] == workers[0])
            lines.append(f"| {n:.0e} | {w} | {k} | {t:.2f} | {one / t:.2f}x |")
        lines += ["", f"In memory, one process, `jit(value_and_grad)` on {mem_n:.0e} points: "
                  f"{mem:.2f} s.",
                  f"Per-chunk overhead (10^6 points in {chunks[0][0]} vs {chunks[-1][0]} "
                  f"chunks, 2 workers): {overhead * 1e3:.1f} ms per chunk."]
        name = "distributed.md"
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / name).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
