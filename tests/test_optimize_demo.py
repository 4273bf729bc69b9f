"""The scaling demonstration runs, reports honestly and degrades without matplotlib."""

import sys

from chainrule.cli.demo_optimize import run_scaling_demo


def test_small_scaling_demo(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    out = run_scaling_demo(tmp_path, rosen_dims=(4, 8), spectrum_ks=(1, 2), nm_maxfev=1500,
                           verbose=False)
    assert out["plot"] is None
    assert "Plot skipped: matplotlib is not installed (pip install matplotlib)" in out["text"]
    assert "Rosenbrock" in out["text"] and "Sum of K Gaussians" in out["text"]
    for _size, _n, res in out["rosenbrock"] + out["spectrum"]:
        hit, calls, gap, seconds = res["lbfgs"]
        assert hit is not None and hit == calls  # stopped as soon as the target was reached
        nm_hit, nm_calls, _, _ = res["nm"]
        assert nm_hit is None or nm_hit > hit  # gradient-free needs more evaluations
        if nm_hit is None:
            assert f">{1500}" in out["text"] or "stopped at" in out["text"]
