"""The demo's transforms section compares each transform with a reference and says so."""

import numpy as np

from chainrule.cli import demo_transforms
from chainrule.cli.demo_transforms import run_transforms_demo

SMALL = {"jit_part": {"bodies": 6, "steps": 4}, "vmap_part": {"examples": 7, "features": 3},
         "checkpoint_part": {"steps": 6, "width": 4}}


def test_small_transforms_demo(capsys):
    assert run_transforms_demo(SMALL)
    out = capsys.readouterr().out
    for title in ("jit: N-body", "vmap: per-example", "checkpoint: memory"):
        assert title in out
    assert out.count("PASS") == 3 and "FAIL" not in out


def test_checkpoint_policies_store_less():
    rows, err = demo_transforms.checkpoint_part(steps=12, width=8)
    assert err < 1e-10
    stored = [float(r[2].split()[0]) for r in rows]  # plain, dots_saveable, nothing_saveable
    assert stored[0] > stored[1] > stored[2]


def test_a_wrong_result_is_reported(monkeypatch, capsys):
    real = demo_transforms.vmap_part

    def broken(**kw):
        rows, _ = real(**kw)
        return rows, np.float64(1.0)
    monkeypatch.setattr(demo_transforms, "vmap_part", broken)
    assert not run_transforms_demo(SMALL)
    assert "FAIL  vmap: per-example" in capsys.readouterr().out
