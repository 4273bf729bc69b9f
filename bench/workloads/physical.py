"""Physical references measured in the same run: what the hardware does with bare NumPy.

These put the other tables in scale: the cost of one ``sin`` or one multiplication per
element, the memory bandwidth seen by a streaming ``np.add(a, b, out=c)``, and the bare
NumPy forward pass of the 20-op chain.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Impl, Workload
from ._common import chain_sum, rng
from .elementwise import size_label

N, BANDWIDTH_N = 10**6, 10**7
SMOKE_N, SMOKE_BANDWIDTH_N = 10**4, 10**5
CHAIN_OPS = 20


def _case(name, params, fn, derive):
    return Case("physical", name, params, fn, [Impl("numpy", make=lambda: fn)], derive=derive)


def cases(libs, cfg):
    """sin and multiply per element, add(out=) bandwidth, bare chain forward."""
    n, nb = (SMOKE_N, SMOKE_BANDWIDTH_N) if cfg.smoke else (N, BANDWIDTH_N)
    g = rng(7)
    x, y = g.uniform(0.1, 0.9, size=n), g.uniform(0.1, 0.9, size=n)
    a, b, c = g.random(nb), g.random(nb), np.empty(nb)
    per_elem = ("ns/element", lambda t: t / n * 1e9)
    chain = chain_sum(np, CHAIN_OPS)
    return [
        _case(f"np.sin(x) n={size_label(n)}", {"n": n}, lambda: np.sin(x), per_elem),
        _case(f"x * y n={size_label(n)}", {"n": n}, lambda: x * y, per_elem),
        _case(f"np.add(a, b, out=c) n={size_label(nb)}", {"n": nb},
              lambda: np.add(a, b, out=c),
              ("GB/s", lambda t: 3 * 8 * nb / t / 1e9)),
        _case(f"20-op chain forward n={size_label(n)}", {"n": n, "n_ops": CHAIN_OPS},
              lambda: chain(x), ("ns/elem/op", lambda t: t / (n * CHAIN_OPS) * 1e9)),
    ]


WORKLOAD = Workload(
    name="physical",
    title="Physical references (bare NumPy)",
    description=(
        "Bare NumPy on this machine, single thread, float64. `np.sin` and `x * y` allocate "
        "their result like the chains do; the bandwidth line counts the 3 arrays of 8-byte "
        "values streamed by `np.add(a, b, out=c)` on arrays larger than the caches."),
    cases=cases,
)
