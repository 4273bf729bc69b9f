"""The environment a run measured: machine, versions, thread settings.

:data:`THREAD_ENV` is set by ``bench/__main__.py`` before NumPy is imported.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

#: One thread for everyone (NumPy's BLAS, OpenMP, MKL, XLA); JAX on CPU only, float64.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu",
    "JAX_ENABLE_X64": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}

#: OpenBLAS overrides some machines set for old OpenBLAS builds; a full run unsets them so
#: NumPy uses the kernel it would pick itself (see README).
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def cpu_model():
    """The CPU model name, from /proc/cpuinfo where available."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas_info():
    try:
        import threadpoolctl
    except ImportError:
        return "threadpoolctl not installed"
    keep = ("internal_api", "version", "architecture", "num_threads", "filepath")
    return [{k: d.get(k) for k in keep} for d in threadpoolctl.threadpool_info()]


def _git_commit():
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + (" (src/ modified)" if dirty else "")


def describe(libs):
    """Everything worth knowing to compare two runs, as a JSON-ready dict."""
    env = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else None,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "chainrule_commit": _git_commit(),
        "versions": libs.versions(),
        "thread_env": {k: os.environ.get(k) for k in THREAD_ENV},
        "openblas_overrides": {k: os.environ.get(k) for k in OPENBLAS_OVERRIDES},
        "blas": _blas_info(),
        "has_chainrule_jit": bool(libs.cr is not None and hasattr(libs.cr, "jit")),
    }
    if libs.torch is not None:
        env["torch_threads"] = {"intra_op": libs.torch.get_num_threads(),
                                "inter_op": libs.torch.get_num_interop_threads()}
    if libs.jax is not None:
        env["jax"] = {"devices": [str(d) for d in libs.jax.devices()],
                      "x64": bool(libs.jax.config.jax_enable_x64)}
    if libs.skip_reason("chainrule jit+fusion") is None and libs.cr is not None:
        import numexpr

        env["numexpr_threads"] = numexpr.get_num_threads()
        env["chainrule_fusion"] = {"default": libs.cr.config.fusion,
                                   "threshold": libs.cr.config.fusion_threshold}
    return env
