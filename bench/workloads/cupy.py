"""chainrule on CuPy arrays: the elementwise chain's value_and_grad on the GPU.

The same ``chainrule.numpy`` code as the ``elementwise`` workload, given CuPy arrays, so
that every primitive runs CuPy's kernels; eager and under ``jit``. Hand-written NumPy on
the CPU is the reference. Without CuPy or a CUDA device every row reports "skipped: no
CuPy/GPU".
"""

from __future__ import annotations

from ..harness import Case, Impl, Workload, compare
from ._common import chain_reference, chain_sum, chain_value_and_grad_numpy, rng
from .elementwise import size_label

N_OPS = 20
SIZES = (10**5, 10**7)
SMOKE_SIZES = (1000,)
SKIP = "no CuPy/GPU"  # the report prints "skipped: no CuPy/GPU"


def cupy_or_none():
    """The ``cupy`` module when it imports and sees a CUDA device, else None."""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
    except Exception:  # ImportError, or CUDA's errors when there is no driver/device
        return None
    return cupy


def _to_host(result, cupy):
    if isinstance(result, (tuple, list)):
        return type(result)(_to_host(r, cupy) for r in result)
    return cupy.asnumpy(result) if isinstance(result, cupy.ndarray) else result


def _impls(libs, x, cupy):
    out = [Impl("numpy", make=lambda: (lambda: chain_value_and_grad_numpy(x, N_OPS)),
                note="hand-written, on the CPU")]
    for lib in ("chainrule", "chainrule jit"):
        if cupy is None or libs.skip_reason(lib):
            out.append(Impl(lib, skip=libs.skip_reason(lib) or SKIP))
            continue

        def make(lib=lib):
            fn = libs.value_and_grad(lib, chain_sum(libs.cnp, N_OPS))
            xd = cupy.asarray(x)
            return lambda: fn(xd)
        out.append(Impl(lib, make=make, note="CuPy arrays",
                        sync=lambda r: (cupy.cuda.Device().synchronize(), r)[1]))
    return out


def cases(libs, cfg):
    """value_and_grad of the chain at each size, on CuPy arrays."""
    cupy = cupy_or_none()
    out = []
    for n in (SMOKE_SIZES if cfg.smoke else SIZES):
        x = rng(5).uniform(0.1, 0.9, size=n)

        def check(result, reference):
            got = _to_host(result, cupy) if cupy is not None else result
            return compare(got, reference, 1e-7, 1e-10)
        out.append(Case("cupy", f"value_and_grad n={size_label(n)}", {"n": n, "n_ops": N_OPS},
                        chain_reference(x, N_OPS, "value_and_grad"), _impls(libs, x, cupy),
                        check=check,
                        derive=("ns/elem/op", lambda t, n=n: t / (n * N_OPS) * 1e9)))
    return out


WORKLOAD = Workload(
    name="cupy",
    title="CuPy backend (elementwise chain on the GPU)",
    description=(
        f"`chainrule.value_and_grad` of the {N_OPS}-op elementwise chain on CuPy arrays, "
        "eager and under `chainrule.jit`, against hand-written NumPy on the CPU. "
        "Rows report \"skipped: no CuPy/GPU\" on machines without CuPy or a CUDA device."),
    cases=cases,
)
