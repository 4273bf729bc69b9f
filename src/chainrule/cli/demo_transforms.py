"""The demo's transforms section: the same gradient eager, compiled, vectorized, checkpointed.

Each part checks its result against a reference computed another way (eager against jit,
``vmap`` against a Python loop, checkpointed against plain), and prints what the transform
bought: time for ``jit`` and ``vmap``, peak memory for ``checkpoint``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

import chainrule as cr
import chainrule.lax as lax
import chainrule.numpy as cnp
from chainrule.cli._format import check, table


def _best_time(fn, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _kinetic_energy_after(q, v, m, steps, dt=0.01, eps2=0.01):
    """Leapfrog an all-pairs gravitating system; return its final kinetic energy."""
    n = q.shape[0]

    def acceleration(q):
        d = cnp.reshape(q, (1, n, 3)) - cnp.reshape(q, (n, 1, 3))
        w = m * (cnp.sum(d * d, axis=2) + eps2) ** -1.5
        return cnp.sum(cnp.reshape(w, (n, n, 1)) * d, axis=1)

    a = acceleration(q)
    for _ in range(steps):
        v = v + 0.5 * dt * a
        q = q + dt * v
        a = acceleration(q)
        v = v + 0.5 * dt * a
    return 0.5 * cnp.sum(cnp.reshape(m, (n, 1)) * v * v)


def jit_part(bodies=32, steps=40):
    """``value_and_grad`` of an N-body energy, eager and under ``jit``."""
    rng = np.random.default_rng(0)
    q, v = rng.normal(size=(bodies, 3)), rng.normal(scale=0.3, size=(bodies, 3))
    m = rng.uniform(0.5, 1.5, bodies) / bodies
    vg = cr.value_and_grad(lambda q: _kinetic_energy_after(q, v, m, steps))
    fast = cr.jit(vg)
    start = time.perf_counter()
    fast(q)
    first = time.perf_counter() - start
    (e1, g1), (e2, g2) = vg(q), fast(q)
    t_eager, t_jit = _best_time(lambda: vg(q)), _best_time(lambda: fast(q))
    err = max(abs(e1 - e2) / abs(e1), np.max(np.abs(g1 - g2)) / np.max(np.abs(g1)))
    rows = [["eager value_and_grad", f"{t_eager * 1e3:.2f} ms", "1x"],
            ["jit(value_and_grad)", f"{t_jit * 1e3:.2f} ms",
             f"{t_eager / t_jit:.1f}x (first call, with tracing: {first * 1e3:.0f} ms)"]]
    return rows, err


def vmap_part(examples=200, features=20):
    """Per-example gradients of a logistic loss: ``vmap(grad)`` against a Python loop."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(examples, features)), rng.integers(0, 2, examples).astype(float)
    w = rng.normal(size=features) * 0.1

    def loss(w, xi, yi):
        z = cnp.dot(xi, w)
        return cnp.logaddexp(0.0, z) - yi * z

    per_example = cr.vmap(cr.grad(loss), in_axes=(None, 0, 0))
    g = cr.grad(loss)
    batched = per_example(w, x, y)
    looped = np.stack([g(w, x[i], y[i]) for i in range(examples)])
    t_loop = _best_time(lambda: [g(w, x[i], y[i]) for i in range(examples)], repeats=3)
    t_vmap = _best_time(lambda: per_example(w, x, y))
    err = np.max(np.abs(batched - looped)) / np.max(np.abs(looped))
    rows = [[f"Python loop of grad ({examples} examples)", f"{t_loop * 1e3:.2f} ms", "1x"],
            ["vmap(grad)", f"{t_vmap * 1e3:.2f} ms", f"{t_loop / t_vmap:.0f}x"]]
    return rows, err


def _scan_loss(policy, steps, width):
    rng = np.random.default_rng(2)
    w = rng.normal(size=(width, width)) / np.sqrt(width)

    def body(c, _):
        h = cnp.tanh(c @ w)
        return cnp.sin(h) * h + 0.5 * c, None

    step = body if policy is None else cr.checkpoint(body, policy=policy)

    def loss(c0):
        c, _ = lax.scan(step, c0, None, length=steps)
        return cnp.sum(c * c)
    return loss, rng.normal(size=(512, width))


def checkpoint_part(steps=30, width=16):
    """Peak memory of the gradient of a long ``scan``, plain and checkpointed."""
    rows, grads = [], []
    for policy in (None, "dots_saveable", "nothing_saveable"):
        loss, c0 = _scan_loss(policy, steps, width)
        tracemalloc.start()
        grads.append(cr.grad(loss)(c0))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append([f"grad of a {steps}-step scan, "
                     f"{'no checkpoint' if policy is None else policy}",
                     f"{peak / 2 ** 20:.2f} MB",
                     f"{peak / c0.nbytes / steps:.2f} carries per step"])
    err = max(np.max(np.abs(g - grads[0])) for g in grads[1:]) / np.max(np.abs(grads[0]))
    return rows, err


def run_transforms_demo(sizes=None) -> bool:
    """Print the three tables; True when every transformed result matches its reference."""
    sizes = sizes or {}
    ok = True
    for title, part, headers in (
            ("jit: N-body energy gradient", jit_part, ["", "time", "speed-up"]),
            ("vmap: per-example gradients", vmap_part, ["", "time", "speed-up"]),
            ("checkpoint: memory of a long scan's gradient", checkpoint_part,
             ["", "peak memory", "stored"])):
        rows, err = part(**sizes.get(part.__name__, {}))
        good = err < 1e-10
        ok = ok and good
        check(f"{title}: results agree to {err:.1e} (relative)", good)
        print("   " + table(headers, rows).replace("\n", "\n   "))
    return ok
