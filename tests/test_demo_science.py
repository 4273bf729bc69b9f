"""The demo's science sections check the applications against known answers and plot them."""

import importlib.util

import pytest

from chainrule.cli import demo_science, main

HAS_MPL = importlib.util.find_spec("matplotlib") is not None


def _check(result, out, name, capsys):
    assert result["matches"] is True
    printed = capsys.readouterr().out
    assert "PASS" in printed and "FAIL" not in printed
    if HAS_MPL:
        assert result["figure"] == str(out / name)
        assert (out / name).stat().st_size > 0
    else:
        assert result["figure"] is None


def test_orbits_section(tmp_path, capsys):
    result = demo_science.orbits_section(str(tmp_path), n_points=40, n_anomalies=200)
    _check(result, tmp_path, "orbits_rv_fit.png", capsys)


def test_nbody_section(tmp_path, capsys):
    result = demo_science.nbody_section(str(tmp_path), steps=(200, 400))
    _check(result, tmp_path, "nbody_energy.png", capsys)


def test_burgers_section(tmp_path, capsys):
    result = demo_science.burgers_section(str(tmp_path), n=48, steps=60, t_end=0.5,
                                          viscosities=(0.1,))
    _check(result, tmp_path, "burgers_viscosity.png", capsys)


def test_a_failed_check_says_no(tmp_path, monkeypatch, capsys):
    # A solver off by a constant must be reported, not hidden.
    real = demo_science.pde.burgers
    monkeypatch.setattr(demo_science.pde, "burgers",
                        lambda *a, **k: real(*a, **k) + 1e-3)
    result = demo_science.burgers_section(str(tmp_path), n=48, steps=60, t_end=0.5,
                                          viscosities=(0.1,))
    assert result["matches"] is False
    assert "FAIL  solver against Cole-Hopf" in capsys.readouterr().out


def test_navier_stokes_section(tmp_path, capsys):
    result = demo_science.navier_stokes_section(str(tmp_path), "quick", n=16, steps=20)
    _check(result, tmp_path, "navier_stokes.png", capsys)


def test_navier_stokes_section_reports_a_wrong_reconstruction(tmp_path, monkeypatch, capsys):
    real = demo_science.pde.fit_initial_vorticity

    def off(*args, **kwargs):
        res = real(*args, **kwargs)
        res.x = res.x + 1e-2
        return res
    monkeypatch.setattr(demo_science.pde, "fit_initial_vorticity", off)
    result = demo_science.navier_stokes_section(str(tmp_path), "quick", n=16, steps=20)
    assert result["matches"] is False
    assert "FAIL  initial field" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["orbits", "nbody", "burgers", "navier_stokes", "posterior",
                                  "emulator", "crossover"])
def test_science_sections_are_in_help(name, capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert f"  {name} " in capsys.readouterr().out
