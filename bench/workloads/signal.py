"""``scipy.signal`` convolution: full convolution of 2^16 by 257 samples through FFTs.

The forward case compares ``chainrule.scipy.signal.fftconvolve`` (on plain arrays, SciPy's
own call) with ``scipy.signal.fftconvolve`` (the reference row) and
``jax.scipy.signal.fftconvolve``; the value_and_grad case differentiates
``sum(fftconvolve(x, k)**2)`` with respect to both the signal and the kernel (the traced
path: real FFTs of the padded length), against the hand-written gradient (two more
FFT convolutions).
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for
from ._common import rng

N, M = 2**16, 257
SMOKE_N, SMOKE_M = 2**8, 9
_MISSING = {"autograd": "autograd has no scipy.signal",
            "torch": "torch has no fftconvolve (conv1d is direct correlation)"}


def _forward_builders():
    def numpy(libs, lib, x, k):
        import scipy.signal as ss
        return lambda: ss.fftconvolve(x, k)

    def chainrule(libs, lib, x, k):
        from chainrule.scipy import signal
        f = libs.jit(lib, signal.fftconvolve)
        return lambda: f(x, k)

    def jax(libs, lib, x, k):
        f = libs.jit(lib, libs.jax.scipy.signal.fftconvolve)
        xj, kj = libs.asarray(lib, [x, k])
        return lambda: f(xj, kj)

    return {"numpy": numpy, "chainrule": chainrule, "chainrule jit": chainrule,
            "jax": jax, "jax jit": jax}


def _vg_reference(x, k):
    import scipy.signal as ss
    y = ss.fftconvolve(x, k)
    # d sum(y^2) / dx = 2 * correlate(y, k, "valid"), and the same with x for k.
    return np.sum(y * y), [ss.fftconvolve(2 * y, k[::-1], "valid"),
                           ss.fftconvolve(2 * y, x[::-1], "valid")]


def _vg_builders():
    def numpy(libs, lib, x, k):
        return lambda: _vg_reference(x, k)

    def chainrule(libs, lib, x, k):
        from chainrule.scipy import signal
        cnp = libs.cnp
        vg = libs.value_and_grad(lib, lambda p: cnp.sum(signal.fftconvolve(p[0], p[1]) ** 2))
        return lambda: vg([x, k])

    def jax(libs, lib, x, k):
        jnp, fc = libs.jnp, libs.jax.scipy.signal.fftconvolve
        vg = libs.value_and_grad(lib, lambda p: jnp.sum(fc(p[0], p[1]) ** 2))
        p = libs.asarray(lib, [x, k])
        return lambda: vg(p)

    return {"numpy": numpy, "chainrule": chainrule, "chainrule jit": chainrule,
            "jax": jax, "jax jit": jax}


def cases(libs, cfg):
    """fftconvolve forward, and value_and_grad of sum(fftconvolve(x, k)**2)."""
    n, m = (SMOKE_N, SMOKE_M) if cfg.smoke else (N, M)
    g = rng(11)
    x, k = g.normal(size=n), g.normal(size=m)
    params = {"n": n, "m": m}
    label = f"n={n} m={m}"
    return [
        Case("signal", f"fftconvolve {label}", dict(params, kind="forward"),
             lambda: __import__("scipy.signal").signal.fftconvolve(x, k),
             impls_for(libs, _forward_builders(), x, k, missing=_MISSING), rtol=1e-10,
             atol=1e-10),
        Case("signal", f"value_and_grad sum(fftconvolve**2) {label}",
             dict(params, kind="vg"), lambda: _vg_reference(x, k),
             impls_for(libs, _vg_builders(), x, k, missing=_MISSING), rtol=1e-9, atol=1e-8),
    ]


WORKLOAD = Workload(
    name="signal",
    title="scipy.signal fftconvolve (2^16 by 257 samples)",
    description=(
        "`chainrule.scipy.signal.fftconvolve(x, k)` (full mode) against "
        "`scipy.signal.fftconvolve` (the reference row) and `jax.scipy.signal.fftconvolve`, "
        "and `value_and_grad` of `sum(fftconvolve(x, k)**2)` with respect to `x` and `k` "
        "against the hand-written gradient (three SciPy FFT convolutions). chainrule's "
        "targets: forward under jit within 1.5x of SciPy, value_and_grad within the "
        "hand-written gradient's time."),
    cases=cases,
)
