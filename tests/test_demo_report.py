"""The demo's modes, its report and its exit status; the newer sections at small size."""

import importlib.util

import numpy as np
import pytest

from chainrule.cli import demo, demo_crossover, demo_emulator, demo_posterior, main

HAS_MPL = importlib.util.find_spec("matplotlib") is not None


def test_report_gathers_checks_times_and_figures(tmp_path, capsys):
    assert demo.run(str(tmp_path), ["derivative", "hessian"], mode="quick") == 0
    printed = capsys.readouterr().out
    assert "PASS  forward and reverse mode equal the analytic derivative" in printed
    assert "All checks pass: yes (quick mode" in printed
    page = (tmp_path / "report.html").read_text()
    md = (tmp_path / "report.md").read_text()
    for text in (page, md):
        assert "derivative" in text and "hessian" in text and "jacobian" not in text
        assert "Hessian of f(x, y)" in text            # what the section printed
        assert "quick" in text and " s" in text          # mode and times
    assert '<span class="pass">PASS</span>' in page and "FAIL" not in page


def test_a_failing_or_raising_section_fails_the_run(tmp_path, monkeypatch, capsys):
    def broken(out_dir, mode="default"):
        raise RuntimeError("solver exploded")
    monkeypatch.setitem(demo.SECTIONS, "hessian", broken)
    monkeypatch.setitem(demo.SECTIONS, "jacobian", lambda out, mode="default": False)
    assert main(["demo", "--quick", "--only", "derivative", "hessian", "jacobian",
                 "--out", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "FAIL  section 'hessian' raised" in printed and "solver exploded" in printed
    assert "NO, failed: hessian, jacobian" in printed
    md = (tmp_path / "report.md").read_text()
    assert "| [hessian](#hessian) | **FAIL** |" in md
    assert "| [derivative](#derivative) | PASS |" in md


def test_figures_of_a_section_go_into_the_report(tmp_path, monkeypatch):
    def drawing(out_dir, mode="default"):
        (tmp_path / "fig.png").write_bytes(b"png")
        return True
    monkeypatch.setitem(demo.SECTIONS, "hessian", drawing)
    assert demo.run(str(tmp_path), ["hessian"]) == 0
    assert '<img src="fig.png"' in (tmp_path / "report.html").read_text()
    assert "![fig.png](fig.png)" in (tmp_path / "report.md").read_text()


def test_modes_on_the_command_line(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr("chainrule.cli.run",
                        lambda out_dir, sections, mode: seen.append(mode) or 0)
    for flags, mode in (([], "default"), (["--quick"], "quick"), (["--full"], "full")):
        assert main(["demo", *flags, "--out", str(tmp_path)]) == 0
        assert seen[-1] == mode
    with pytest.raises(SystemExit):
        main(["demo", "--quick", "--full"])
    with pytest.raises(ValueError, match="the modes are: quick, default, full"):
        demo.run(str(tmp_path), ["derivative"], mode="fast")


def test_crossover_jacobians_are_exact_and_plotted(tmp_path, capsys):
    # Timings are printed, never asserted; the Jacobians are checked against the
    # analytic one whatever the timings.
    result = demo_crossover.crossover_section(str(tmp_path), "quick", sizes=(3, 20))
    assert result["ratio"].shape == (2, 2) and np.all(result["ratio"] > 0)
    assert "PASS  jacfwd and jacrev equal the analytic Jacobian" in capsys.readouterr().out
    if HAS_MPL:
        assert (tmp_path / "jacobian_crossover.png").stat().st_size > 0


def test_crossover_finds_where_the_ratio_crosses_one():
    sizes = (4, 16, 64)
    assert demo_crossover._crossover(sizes, np.array([0.5, 2.0, 4.0])) == pytest.approx(8.0)
    assert demo_crossover._crossover(sizes, np.array([0.5, 0.6, 0.7])) is None


def test_posterior_section_fisher_matches_nuts(tmp_path, capsys):
    result = demo_posterior.posterior_section(str(tmp_path), "quick")
    printed = capsys.readouterr().out
    assert result["matches"] is True and "FAIL" not in printed
    assert np.all(np.abs(result["ratio"] - 1) < 0.2)
    if HAS_MPL:
        assert (tmp_path / "posterior_corner.png").stat().st_size > 0


def test_posterior_fisher_matrix_is_the_analytic_one():
    # J^T J / sigma^2 with J the model's Jacobian, written out by hand.
    from chainrule import infer

    x = np.linspace(-2, 2, 30)
    c0, c1, d, mu, w = demo_posterior.TRUTH
    g = np.exp(-0.5 * ((x - mu) / w) ** 2)
    J = np.stack([np.ones_like(x), x, -g, -d * g * (x - mu) / w ** 2,
                  -d * g * (x - mu) ** 2 / w ** 3], axis=1)
    F = infer.fisher_information(lambda t: demo_posterior.line_model(t, x),
                                 demo_posterior.TRUTH, 0.1)
    np.testing.assert_allclose(F, J.T @ J / 0.01, rtol=1e-12, atol=1e-9)


def test_emulator_section_trains_and_fits(tmp_path, capsys):
    result = demo_emulator.emulator_section(str(tmp_path), "quick")
    printed = capsys.readouterr().out
    assert result["matches"] is True and "FAIL" not in printed
    assert result["emulator_error"] < 0.01
    if HAS_MPL:
        assert (tmp_path / "emulator_training.png").stat().st_size > 0


def test_log_planck_is_planck():
    lam, temp = np.array([0.5, 1.0, 2.0]), 5.0
    b = 1 / lam ** 5 / np.expm1(demo_emulator.HC_K / (lam * temp))
    np.testing.assert_allclose(demo_emulator.log_planck(lam, temp), np.log(b), rtol=1e-14)
