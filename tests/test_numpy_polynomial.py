"""Polynomials, convolution, numerical gradient, trapezoid rule and interpolation."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from numpy_testing import check, rand


@pytest.mark.parametrize("n,m", [(5, 3), (5, 2), (3, 5), (2, 5), (4, 4), (1, 3), (6, 1)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_correlate(n, m, mode):
    a, v = rand(n, seed=1), rand(m, seed=2)
    check(cnp.convolve, np.convolve, (a, v, mode))
    check(cnp.correlate, np.correlate, (a, v, mode))


def test_convolve_complex_and_errors():
    a = rand(4) + 1j * rand(4, seed=3)
    check(cnp.correlate, np.correlate, (a, rand(3) + 1j * rand(3, seed=4)), dict(mode="full"),
          grads=False)
    check(cnp.convolve, np.convolve, (np.arange(3), np.arange(2)))
    with pytest.raises(ValueError):
        cnp.convolve(cnp.asarray([1.0]), cnp.asarray([1.0]), mode="bogus")


def test_polynomials():
    p, x = rand(4, seed=5), rand((3, 2), seed=6)
    check(cnp.polyval, np.polyval, (p, x))
    check(cnp.polyval, np.polyval, (p, 1.5))
    check(cnp.vander, np.vander, (rand(4),))
    check(cnp.vander, np.vander, (np.array([0.0, 1.0, 2.0]), 4), dict(increasing=True))
    check(cnp.vander, np.vander, (np.arange(3),))
    check(cnp.polyder, np.polyder, (p, 2))
    check(cnp.polyder, np.polyder, (p, 0))
    check(cnp.polyint, np.polyint, (p, 2, np.array([1.0, 2.0])))
    check(cnp.polyint, np.polyint, (p,))
    check(cnp.polyadd, np.polyadd, (p, rand(2)))
    check(cnp.polysub, np.polysub, (rand(2), p))
    check(cnp.polymul, np.polymul, (rand(2), p))


def test_polyfit():
    xs, ys = np.linspace(0, 1, 8), rand(8, seed=9)
    tol = dict(rtol=1e-9, atol=1e-10)
    check(cnp.polyfit, np.polyfit, (xs, ys, 2), **tol)
    # The finite differences of the second derivatives are only good to about 1e-4 here.
    check(cnp.polyfit, np.polyfit, (xs, rand((8, 2)), 2), dict(w=np.linspace(1, 2, 8)),
          grad_tol=1e-3, **tol)
    check(cnp.polyfit, np.polyfit, (xs, ys, 2), dict(cov=True), grad_tol=1e-3, **tol)
    check(cnp.polyfit, np.polyfit, (xs, ys, 2), dict(full=True), grads=False, **tol)


def test_roots():
    check(cnp.roots, np.roots, (np.array([1.0, -3.0, 2.0]),))
    check(cnp.roots, np.roots, (np.array([0.0, 1.0, -6.0, 11.0, -6.0, 0.0]),), grads=False)
    check(cnp.roots, np.roots, (np.array([1.0, 0.0, 1.0]),), grads=False)


def test_gradient():
    f = rand((5, 4))
    check(cnp.gradient, np.gradient, (f,))
    check(cnp.gradient, np.gradient, (f, 2.0), dict(edge_order=2))
    check(cnp.gradient, np.gradient, (f, np.array([0.0, 1.0, 3.0, 3.5, 5.0]), 0.5),
          dict(edge_order=2))
    check(cnp.gradient, np.gradient, (f, np.array([0.0, 1.0, 3.0, 3.5])), dict(axis=1))
    check(cnp.gradient, np.gradient, (f, np.array([0.0, 1.0, 3.0, 3.5])),
          dict(axis=-1, edge_order=2))
    check(cnp.gradient, np.gradient, (rand(6),), dict(edge_order=2))
    check(cnp.gradient, np.gradient, (np.arange(5),))
    with pytest.raises(ValueError, match="edge_order"):
        cnp.gradient(cnp.asarray([1.0, 2.0, 3.0]), edge_order=3)


def test_trapezoid():
    f = rand((5, 4))
    check(cnp.trapezoid, np.trapezoid, (f,))
    check(cnp.trapezoid, np.trapezoid, (f, np.array([0.0, 1.0, 3.0, 3.5, 5.0])), dict(axis=0))
    check(cnp.trapezoid, np.trapezoid, (f,), dict(dx=0.3, axis=0))
    check(cnp.trapezoid, np.trapezoid, (f, rand((5, 4), seed=4)), dict(axis=0))
    check(cnp.trapezoid, np.trapezoid, (np.arange(4),))


def test_interp():
    xp, fp = np.array([0.0, 1.0, 2.5, 4.0]), rand(4, seed=3)
    xq = np.array([-1.0, 0.3, 1.7, 2.2, 3.9, 5.0])
    check(cnp.interp, np.interp, (xq, xp, fp), diff=(0, 2))
    check(cnp.interp, np.interp, (xq, xp, fp), dict(left=-3.0, right=7.0), diff=(0, 2))
    check(cnp.interp, np.interp, (1.3, xp, fp), diff=(0, 2))
    check(cnp.interp, np.interp, (np.array([0.0, 4.0, 2.5]), xp, fp), grads=False)
    check(cnp.interp, np.interp, (xq, xp, fp), dict(period=3.3), diff=(0, 2))
    check(cnp.interp, np.interp, (xq, xp, fp + 1j * fp), diff=(0,))
    check(cnp.interp, np.interp, (xq, xp[:1], fp[:1]), diff=(2,))


def test_poly():
    check(cnp.poly, np.poly, (rand(4, seed=3),))
    check(cnp.poly, np.poly, (np.array([1, 2, 2]),))
    check(cnp.poly, np.poly, (rand(3, seed=4).astype(np.float32),), rtol=1e-6, atol=1e-6,
          grads=False)
    # Conjugate pairs give real coefficients, so only pair-preserving moves are smooth.
    pair = np.array([1.0 + 2.0j, 1.0 - 2.0j, 3.0])
    check(cnp.poly, np.poly, (pair,), grads=False)
    f = lambda t: cnp.poly(pair + t * np.array([1.0 + 0.5j, 1.0 - 0.5j, 2.0]))  # noqa: E731
    cr.check_grads(f, (0.0,), order=2, modes=("fwd", "rev"))
    check(cnp.poly, np.poly, (np.array([1.0j, 2.0]),))
    # eigenvalues of a matrix with distinct real eigenvalues
    m = np.array([[2.0, 1.0, 0.0], [0.5, -1.0, 0.3], [0.0, 0.2, 3.0]])
    check(cnp.poly, np.poly, (m,), rtol=1e-10, atol=1e-10)
    assert cnp.poly(np.zeros(0)) == 1.0
    with pytest.raises(ValueError, match="square"):
        cnp.poly(cnp.asarray(rand((2, 3))))


@pytest.mark.parametrize("n,m", [(5, 2), (4, 4), (2, 4), (3, 1), (1, 1)])
def test_polydiv(n, m):
    u, v = rand(n, seed=5), rand(m, 0.5, 2.0, seed=6)
    check(cnp.polydiv, np.polydiv, (u, v))


def test_polydiv_exact_and_mixed():
    # (x - 1)(x + 2) / (x - 1): remainder 0, trimmed to one coefficient
    check(cnp.polydiv, np.polydiv, (np.array([1.0, 1.0, -2.0]), np.array([1.0, -1.0])),
          grads=False)
    check(cnp.polydiv, np.polydiv, (np.array([3, 5, 2]), np.array([2.0, 1.0])))
    check(cnp.polydiv, np.polydiv, (rand(3) + 1j * rand(3, seed=1), np.array([1.0, 2.0])))
    q, r = cnp.polydiv(np.poly1d([1.0, 2.0]), np.poly1d([1.0]))
    assert isinstance(q, np.poly1d)
