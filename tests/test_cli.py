"""The ``chainrule`` command line: demo sections are named in --help and checked."""

import importlib.util
import os
import shutil
import subprocess
from functools import partial
from pathlib import Path

import pytest

from chainrule.cli import demo_optimize
from chainrule.cli import main
from chainrule.cli.demo import DESCRIPTIONS, SECTIONS

REPO = Path(__file__).resolve().parents[1]


def test_demo_help_lists_every_section(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in SECTIONS:
        assert f"  {name}  " in out or f"  {name} " in out
        assert DESCRIPTIONS[name] in out


def test_unknown_section_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--only", "hessian", "nosuch", "--out", "unused"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown section 'nosuch'" in err
    assert ", ".join(SECTIONS) in err
    assert not os.path.exists("unused")


def test_run_rejects_unknown_section():
    from chainrule.cli.demo import run

    with pytest.raises(ValueError, match="the sections are: derivative, jacobian"):
        run("unused", ["derivatives"])


def test_demo_writes_only_under_out(tmp_path, monkeypatch, capsys):
    # A small optimize section: the same code path as `chainrule demo`, quicker.
    small = partial(demo_optimize.run_scaling_demo, rosen_dims=(4,), spectrum_ks=(1,),
                    nm_maxfev=400)
    monkeypatch.setattr(demo_optimize, "run_scaling_demo", small)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "figures"
    assert main(["demo", "--only", "derivative", "optimize", "--out", str(out)]) == 0
    assert list(cwd.iterdir()) == []  # nothing in the working folder
    written = {p.name for p in out.iterdir()}
    has_mpl = importlib.util.find_spec("matplotlib") is not None
    reports = {"report.html", "report.md"}
    assert written == ({"optimize_scaling.png"} if has_mpl else set()) | reports


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(),
                    reason="needs a git checkout")
def test_default_demo_output_is_ignored_by_git():
    tracked = subprocess.run(["git", "ls-files", "demo-output"], cwd=REPO, text=True,
                             capture_output=True, check=True).stdout
    assert tracked == ""
    for name in ("optimize_scaling.png", "report.html", "report.md"):
        ignored = subprocess.run(["git", "check-ignore", "-q", f"demo-output/{name}"],
                                 cwd=REPO)
        assert ignored.returncode == 0


def test_info_names_threadpoolctl(capsys):
    import threadpoolctl

    assert main(["info"]) == 0
    assert f"threadpoolctl {threadpoolctl.__version__}" in capsys.readouterr().out
