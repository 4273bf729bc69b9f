#!/usr/bin/env bash
# Create (or reuse) bench/.venv-peers: chainrule plus the libraries it is compared with.
#
# Usage (from the repository root):  bash bench/setup_peers.sh
# Then:                              bench/.venv-peers/bin/python -m bench
#
# torch is pinned to 2.13.0 on purpose: that CPU build is served from local disk.  Never
# install an unpinned torch here (it would pull a multi-gigabyte CUDA build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/bench/.venv-peers"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV"
else
    echo "reusing $VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)

"${PIP[@]}" numpy scipy array-api-compat matplotlib threadpoolctl numexpr
"${PIP[@]}" -e "$ROOT"
"${PIP[@]}" "torch==2.13.0"
"${PIP[@]}" jax jaxlib autograd
# The ODE and spline packages of those libraries (the ode and spline workloads).
"${PIP[@]}" diffrax interpax torchdiffeq

"$VENV/bin/python" - <<'PY'
import importlib
import importlib.metadata
for name in ["numpy", "scipy", "chainrule", "numexpr", "torch", "jax", "jaxlib", "autograd",
             "matplotlib", "diffrax", "interpax", "torchdiffeq"]:
    try:
        importlib.import_module(name)
        print(f"  {name:12s} {importlib.metadata.version(name)}")
    except Exception as exc:  # report, do not hide
        print(f"  {name:12s} NOT AVAILABLE: {exc!r}")
PY
echo "done: run  $VENV/bin/python -m bench"
