"""The workloads, one module each, in the order they run and appear in the report.

``NAMES`` is all that ``--help`` needs; the modules are imported when ``WORKLOADS`` or
``BY_NAME`` is first read (the peers are imported lazily in turn).  One name per line, so
that workloads added side by side merge cleanly.
"""

import importlib

NAMES = (
    "physical",
    "fastpath",
    "fastpath_sweep",
    "overhead",
    "elementwise",
    "fusion",
    "mlp",
    "nn_train",
    "nbody",
    "numba_loops",
    "burgers",
    "hessian",
    "jacobian",
    "jacobian_modes",
    "lbfgs",
    "ode",
    "random",
    "spline",
    "stats",
    "nuts",
    "signal",
    "memory",
    "nn_memory",
    "checkpoint",
    "ode_memory",
    "cupy",
)


def __getattr__(name):
    if name in ("WORKLOADS", "BY_NAME"):
        workloads = [importlib.import_module(f"{__name__}.{n}").WORKLOAD for n in NAMES]
        globals()["WORKLOADS"] = workloads
        globals()["BY_NAME"] = {w.name: w for w in workloads}
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
