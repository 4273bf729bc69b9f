"""Trace and corner plots of draws (matplotlib; the corner package when installed)."""

import matplotlib
import numpy as np
import pytest

from chainrule import infer

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COV = np.array([[1.0, 0.6, 0.0], [0.6, 2.0, -0.3], [0.0, -0.3, 0.5]])
MEAN = np.array([0.5, -1.0, 2.0])


def _draws(chains=2, n=800):
    z = np.random.default_rng(0).multivariate_normal(MEAN, COV, size=(chains, n))
    # ravel_params order: dict keys sorted, so "a" (2 entries) then "b"
    return {"b": z[:, :, 2], "a": z[:, :, :2]}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _saved(fig, path):
    fig.savefig(path)
    assert path.exists() and path.stat().st_size > 5000
    return path


def test_trace_plot(tmp_path):
    draws = _draws()
    fig = infer.plot_trace(draws)
    _saved(fig, tmp_path / "trace.png")
    assert len(fig.axes) == 6                     # 3 scalar parameters, 2 panels each
    titles = [ax.get_title() for ax in fig.axes[0::2]]
    assert titles == ["a[0]", "a[1]", "b"]
    trace = fig.axes[1]
    assert len(trace.lines) == 2                  # one per chain
    np.testing.assert_array_equal(trace.lines[1].get_ydata(), draws["a"][1, :, 0])
    np.testing.assert_array_equal(fig.axes[5].lines[0].get_ydata(), draws["b"][0])


def test_trace_plot_marks_divergences(tmp_path):
    draws = _draws(n=100)
    div = np.zeros((2, 100), bool)
    div[1, [10, 50]] = True
    result = infer.SampleResult(draws, {"diverging": div})
    fig = infer.plot_trace(result, labels=["x", "y", "z"])
    _saved(fig, tmp_path / "trace.png")
    marks = fig.axes[1].lines[-1]
    np.testing.assert_array_equal(marks.get_xdata(), [10, 50])
    assert fig.axes[0].get_title() == "x"
    with pytest.raises(ValueError, match="2 labels for 3"):
        infer.plot_trace(draws, labels=["x", "y"])


@pytest.mark.parametrize("use_corner", [False, True])
def test_corner_plot_of_draws_with_fisher_overlay(tmp_path, use_corner):
    if use_corner:
        pytest.importorskip("corner")
    draws = _draws()
    fisher = np.linalg.inv(COV)
    fig = infer.plot_corner(draws, truths=MEAN, fisher=fisher, use_corner=use_corner)
    _saved(fig, tmp_path / f"corner-{use_corner}.png")
    assert len(fig.axes) == 9
    axes = np.array(fig.axes).reshape(3, 3)
    # above the diagonal: hidden (ours) or emptied (corner's)
    if use_corner:
        assert [ax.get_frame_on() for ax in axes[0]] == [True, False, False]
    else:
        assert [ax.get_visible() for ax in axes[0]] == [True, False, False]
    # the Fisher ellipses are the Δχ² = 2.30 and 6.18 contours of the forecast covariance
    ellipses = [line for line in axes[2, 1].lines if len(line.get_xdata()) == 181]
    assert len(ellipses) == 2
    sub = np.linalg.inv(COV[np.ix_([1, 2], [1, 2])])
    for line, level in zip(ellipses, (2.2957489, 6.1800743)):
        d = np.stack([line.get_xdata(), line.get_ydata()], axis=1) - MEAN[[1, 2]]
        np.testing.assert_allclose(np.einsum("ki,ij,kj->k", d, sub, d), level, rtol=1e-6)
    # the diagonal Gaussian is scaled to the histogram's counts: its area is the number of draws
    curve = axes[0, 0].lines[-1]
    area = np.trapezoid(curve.get_ydata(), curve.get_xdata())
    width = (curve.get_xdata()[-1] - curve.get_xdata()[0]) / 20
    assert area / width == pytest.approx(1600, rel=0.02)
    assert [ax.get_xlabel() for ax in axes[2]] == ["a[0]", "a[1]", "b"]


def test_corner_plot_errors():
    draws = _draws(n=50)
    with pytest.raises(ValueError, match=r"expected \(3, 3\)"):
        infer.plot_corner(draws, fisher=np.eye(2))
    with pytest.raises(ValueError, match="2 truths for 3"):
        infer.plot_corner(draws, truths=[0.0, 1.0])
    with pytest.raises(ValueError, match="leading axes"):
        infer.plot_corner({"a": np.zeros(5)})
