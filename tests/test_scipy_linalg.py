"""chainrule.scipy.linalg against SciPy: plain arrays get SciPy's own result; under
transforms the values agree with SciPy's to 1e-12 (relative), derivatives match finite
differences to second order in both modes, and vmap/jit agree with loops/eager calls."""

import functools

import numpy as np
import pytest
import scipy.linalg as sl

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.scipy.linalg as crl
from chainrule import tree_util


def rng(seed):
    return np.random.default_rng(seed)


def general(n, seed=0):
    return rng(seed).uniform(-1, 1, (n, n)) + (n + 1) * np.eye(n)


def spd(n, seed=0):
    b = rng(seed).standard_normal((n, n))
    return b @ b.T + n * np.eye(n) + np.diag(np.arange(n, dtype=float))


def pivoted(n, seed=0):
    """Well conditioned, with rows out of order so that LU has to pivot."""
    return general(n, seed)[np.roll(np.arange(n), 1)]


def real_spectrum(n, seed=0):
    """Non-symmetric with distinct real eigenvalues (upper triangular real Schur form)."""
    s = general(n, seed)
    return (s * np.linspace(-1.3, 2.0, n)) @ np.linalg.inv(s)  # no zero eigenvalue


def vec(shape, seed=0):
    return rng(seed).uniform(-1, 1, shape)


def lopsided(a, seed=0):
    """``a`` with noise in its strict upper triangle: functions that read the lower
    triangle must ignore it."""
    return a + np.triu(vec(a.shape, seed), 1)


def banded_storage(lo, up, n, seed):
    ab = vec((lo + up + 1, n), seed)
    ab[up] += 4.0  # diagonally dominant
    return ab


# Each case: id -> (f(module, *arrays), arrays).  ``module`` is scipy.linalg or
# chainrule.scipy.linalg; the outputs are arrays or tuples of arrays.
CASES = {
    "solve_triangular-lower": (lambda m, a, b: m.solve_triangular(a, b, lower=True),
                               (general(3, 1), vec((3, 2), 2))),
    "solve_triangular-upper-T": (lambda m, a, b: m.solve_triangular(a, b, trans="T"),
                                 (general(3, 3), vec((3,), 4))),
    "solve_triangular-C-unit": (lambda m, a, b: m.solve_triangular(
        a, b, trans=2, lower=True, unit_diagonal=True), (general(3, 5), vec((3, 2), 6))),
    "cholesky-upper": (lambda m, a: m.cholesky(a), (spd(3, 7),)),
    "cholesky-lower-lopsided": (lambda m, a: m.cholesky(a, lower=True), (lopsided(spd(3, 8)),)),
    "cho_factor": (lambda m, a: m.cho_factor(a, lower=True)[0], (lopsided(spd(3, 9), 1),)),
    "cho_solve-upper": (lambda m, a, b: m.cho_solve(m.cho_factor(a), b),
                        (spd(3, 10), vec((3, 2), 11))),
    "cho_solve-lower": (lambda m, a, b: m.cho_solve(m.cho_factor(a, lower=True), b),
                        (spd(3, 12), vec((3,), 13))),
    "solve-gen": (lambda m, a, b: m.solve(a, b), (general(3, 14), vec((3, 2), 15))),
    "solve-gen-transposed": (lambda m, a, b: m.solve(a, b, transposed=True),
                             (general(3, 16), vec((3,), 17))),
    "solve-sym": (lambda m, a, b: m.solve(a, b, assume_a="sym"),
                  (general(3, 18), vec((3, 2), 19))),
    "solve-sym-lower": (lambda m, a, b: m.solve(a, b, assume_a="symmetric", lower=True),
                        (general(3, 20), vec((3,), 21))),
    "solve-her": (lambda m, a, b: m.solve(a, b, assume_a="her"),
                  (general(3, 22), vec((3, 2), 23))),
    "solve-pos": (lambda m, a, b: m.solve(a, b, assume_a="pos"),
                  (spd(3, 24) + np.tril(vec((3, 3), 1), -1), vec((3, 2), 25))),
    "solve-pos-lower": (lambda m, a, b: m.solve(a, b, assume_a="positive definite",
                                                lower=True), (lopsided(spd(3, 26)), vec((3,), 27))),
    "solve-diagonal": (lambda m, a, b: m.solve(a, b, assume_a="diagonal"),
                       (np.diag([2.0, -3.0, 4.0]), vec((3, 2), 28))),
    "solve-tridiagonal": (lambda m, a, b: m.solve(a, b, assume_a="tridiagonal"),
                          (np.triu(np.tril(general(4, 29), 1), -1), vec((4,), 30))),
    "solve-upper-triangular": (lambda m, a, b: m.solve(a, b, assume_a="upper triangular"),
                               (np.triu(general(3, 31)), vec((3, 2), 32))),
    "solve-lower-triangular": (lambda m, a, b: m.solve(a, b, assume_a="lower triangular"),
                               (np.tril(general(3, 33)), vec((3,), 34))),
    "solve_banded": (lambda m, ab, b: m.solve_banded((1, 2), ab, b),
                     (banded_storage(1, 2, 5, 35), vec((5, 2), 36))),
    "block_diag": (lambda m, a, b, c: m.block_diag(a, b, c),
                   (vec((2, 2), 37), vec((3,), 38), vec((1, 2), 39))),
    "toeplitz": (lambda m, c, r: m.toeplitz(c, r), (vec((3,), 40), vec((4,), 41))),
    "toeplitz-c-only": (lambda m, c: m.toeplitz(c), (vec((3,), 42),)),
    "circulant": (lambda m, c: m.circulant(c), (vec((4,), 43),)),
    "hankel": (lambda m, c, r: m.hankel(c, r), (vec((3,), 44), vec((2,), 45))),
    "hankel-c-only": (lambda m, c: m.hankel(c), (vec((3,), 46),)),
    "expm": (lambda m, a: m.expm(a), (0.7 * vec((3, 3), 47),)),
    "expm-stack": (lambda m, a: m.expm(a), (0.7 * vec((2, 3, 3), 48),)),
    "expm_frechet": (lambda m, a, e: m.expm_frechet(a, e), (0.7 * vec((3, 3), 49),
                                                            vec((3, 3), 50))),
    "expm_frechet-L": (lambda m, a, e: m.expm_frechet(a, e, compute_expm=False),
                       (0.7 * vec((2, 2), 51), vec((2, 2), 52))),
    "logm": (lambda m, a: m.logm(a), (general(3, 53) / 4,)),
    "sqrtm": (lambda m, a: m.sqrtm(a), (general(3, 54) / 4,)),
    # funm is differentiated on symmetric matrices only (finite differences included).
    "funm-exp": (lambda m, a: m.funm((a + a.T) / 2, cnp.exp), (spd(3, 55) / 4,)),
    "funm-sin": (lambda m, a: m.funm((a + a.T) / 2, cnp.sin),
                 (np.diag([0.5, 1.0, 2.0]) + 0.1,)),
    "eigh-eigvals_only": (lambda m, a: m.eigh(a, eigvals_only=True), (lopsided(spd(3, 56)),)),
    "eigvalsh-upper": (lambda m, a: m.eigvalsh(a, lower=False),
                       (spd(3, 57) + np.tril(vec((3, 3), 2), -1),)),
    # SciPy's default driver picks eigenvector signs that jump under small perturbations;
    # "evd"'s are stable enough for finite differences.
    "eigh-vectors": (lambda m, a: m.eigh(a, driver="evd"), (lopsided(spd(3, 130)),)),
    "eigh-vectors-upper": (lambda m, a: m.eigh(a, lower=False, driver="evd"), (spd(4, 131),)),
    "eigh-projectors": (lambda m, a: _projectors(m.eigh(a)[1]), (spd(3, 58),)),
    "eigh-subset": (lambda m, a: _subset(m.eigh(a, subset_by_index=[1, 2])),
                    (spd(4, 59),)),
    "eigh-generalized": (lambda m, a, b: _subset(m.eigh(a, b)), (spd(3, 60), spd(3, 61))),
    "eigh-generalized-type2-upper": (lambda m, a, b: _subset(m.eigh(a, b, type=2, lower=False)),
                                     (lopsided(spd(3, 102)).T, spd(3, 103) / 3)),
    "eigh-generalized-type3-subset": (
        lambda m, a, b: _subset(m.eigh(a, b, type=3, subset_by_index=(0, 1))),
        (spd(3, 104), spd(3, 105) / 3)),
    "qr-full": (lambda m, a: m.qr(a), (general(3, 62),)),
    "qr-economic": (lambda m, a: m.qr(a, mode="economic"), (vec((4, 2), 63),)),
    "qr-economic-wide": (lambda m, a: m.qr(a, mode="economic"), (vec((2, 3), 64),)),
    "qr-r": (lambda m, a: m.qr(a, mode="r")[0], (vec((4, 3), 65),)),
    "lu_factor": (lambda m, a: m.lu_factor(a)[0], (pivoted(3, 66),)),
    "lu_solve": (lambda m, a, b: m.lu_solve(m.lu_factor(a), b), (pivoted(3, 67),
                                                                 vec((3, 2), 68))),
    "lu_solve-T": (lambda m, a, b: m.lu_solve(m.lu_factor(a), b, trans=1),
                   (pivoted(3, 69), vec((3,), 70))),
    "lu_solve-C": (lambda m, a, b: m.lu_solve(m.lu_factor(a), b, trans=2),
                   (pivoted(3, 71), vec((3, 2), 72))),
    "lu": (lambda m, a: m.lu(a), (pivoted(3, 73),)),
    "lu-permute_l": (lambda m, a: m.lu(a, permute_l=True), (pivoted(3, 74),)),
    "lu-tall": (lambda m, a: m.lu(a), (pivoted(4, 75)[:, :3],)),
    "lu-wide": (lambda m, a: m.lu(a), (pivoted(3, 76) @ np.eye(3, 5) + 0.1 * vec((3, 5), 77),)),
    "lu_factor-tall": (lambda m, a: m.lu_factor(a)[0], (pivoted(4, 78)[:, :2],)),
    "lu_factor-wide": (lambda m, a: m.lu_factor(a)[0], (pivoted(2, 79) @ np.eye(2, 4),)),
    "solve_sylvester": (lambda m, a, b, q: m.solve_sylvester(a, b, q),
                        (general(3, 75), general(2, 76), vec((3, 2), 77))),
    "solve_continuous_lyapunov": (lambda m, a, q: m.solve_continuous_lyapunov(a, q),
                                  (general(3, 78), vec((3, 3), 79))),
    "solve_discrete_lyapunov": (lambda m, a, q: m.solve_discrete_lyapunov(a, q),
                                (0.3 * vec((3, 3), 80), vec((3, 3), 81))),
    "solve_discrete_lyapunov-bilinear": (
        lambda m, a, q: m.solve_discrete_lyapunov(a, q, method="bilinear"),
        (0.3 * vec((3, 3), 82), vec((3, 3), 83))),
    "schur": (lambda m, a: m.schur(a), (real_spectrum(3, 106),)),
    "schur-4": (lambda m, a: m.schur(a, output="r"), (real_spectrum(4, 109),)),
    "inv": (lambda m, a: m.inv(a), (general(3, 110),)),
    "inv-pos-lower": (lambda m, a: m.inv(a, assume_a="pos", lower=True), (lopsided(spd(3, 111)),)),
    "det": (lambda m, a: m.det(a), (general(3, 112),)),
    "svd": (lambda m, a: m.svd(a), (vec((3, 3), 113) + 3 * np.diag([3.0, 2.0, 1.0]),)),
    "svd-economic": (lambda m, a: m.svd(a, full_matrices=False),
                     (vec((4, 2), 114) + np.eye(4, 2) * [3.0, 1.0],)),
    "svdvals": (lambda m, a: m.svdvals(a), (vec((2, 3), 115),)),
    "norm-2": (lambda m, a: m.norm(a, 2), (vec((3, 3), 116),)),
    "norm-vector-axis": (lambda m, a: m.norm(a, axis=1, keepdims=True), (vec((3, 2), 117),)),
    "eigvals": (lambda m, a: m.eigvals(a), (real_spectrum(3, 118),)),
    "eig": (lambda m, a: m.eig(a)[0], (real_spectrum(3, 119),)),
    "pinv": (lambda m, a: m.pinv(a), (vec((4, 3), 120),)),
    "polar-right": (lambda m, a: m.polar(a), (vec((4, 3), 84),)),
    "polar-left": (lambda m, a: m.polar(a, side="left"), (general(3, 85),)),
}


def _projectors(v):
    """Eigenvector outer products: independent of the eigenvectors' signs."""
    return tuple(v[:, k:k + 1] @ v[:, k:k + 1].conj().T for k in range(v.shape[1]))


def _subset(wv):
    w, v = wv
    return (w,) + _projectors(v)


def _leaves(out):
    return [np.asarray(x) for x in tree_util.tree_leaves(out)]


IDS = list(CASES)


@pytest.mark.parametrize("name", IDS)
def test_plain_arrays_get_scipys_result(name):
    f, args = CASES[name]
    got, expected = f(crl, *args), f(sl, *args)
    assert tree_util.tree_structure(got) == tree_util.tree_structure(expected)
    for g, e in zip(tree_util.tree_leaves(got), tree_util.tree_leaves(expected)):
        assert type(g) is type(e)
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("name", IDS)
def test_traced_values_match_scipy(name):
    f, args = CASES[name]
    expected = _leaves(f(sl, *args))
    for got in (cr.jit(lambda *a: f(crl, *a))(*args),
                cr.jvp(functools.partial(f, crl), args, args)[0]):
        got = _leaves(got)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.dtype == e.dtype
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12 * np.abs(e).max())


@pytest.mark.parametrize("name", IDS)
def test_derivatives_second_order(name):
    f, args = CASES[name]
    cr.check_grads(functools.partial(f, crl), args, order=2, modes=("fwd", "rev"))


def _complex(args):
    return tuple(a + 0.1j * np.roll(a, 1) for a in args)


# funm is for real symmetric matrices; SciPy does not solve complex transposed systems.
# Under transforms schur is the real form of real matrices.
# Complex singular and eigenvectors have a phase gauge: their derivatives are checked
# through gauge-independent functions (here the eigh-projectors cases, tests/test_linalg.py).
COMPLEX = [n for n in IDS if not n.startswith(("funm", "schur", "svd", "eigh-vectors"))
           and n != "solve-gen-transposed" or n == "svdvals"]


@pytest.mark.parametrize("name", COMPLEX)
def test_complex_values_and_derivatives(name):
    f, args = CASES[name]
    args = _complex(args)
    expected = _leaves(f(sl, *args))
    got = _leaves(cr.jit(lambda *a: f(crl, *a))(*args))
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12 * np.abs(e).max())
    cr.check_grads(functools.partial(f, crl), args, order=1, modes=("fwd", "rev"))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # SciPy's accuracy notes on rounded input
@pytest.mark.parametrize("name", IDS)
def test_float32_and_integer_dtypes_match_scipy(name):
    f, args = CASES[name]
    for conv in (lambda a: a.astype(np.float32), lambda a: np.round(3 * a).astype(np.int64)):
        c = tuple(conv(a) for a in args)
        try:
            expected = _leaves(f(sl, *c))
        except (np.linalg.LinAlgError, ValueError):
            continue  # e.g. a rounded matrix that is singular or not positive definite
        got = _leaves(cr.jit(lambda *a: f(crl, *a))(*c))
        assert [g.dtype for g in got] == [e.dtype for e in expected]


VMAP = ["solve_triangular-lower", "cholesky-upper", "cho_solve-lower", "solve-sym",
        "solve-pos", "toeplitz", "hankel", "expm", "expm_frechet", "logm", "sqrtm",
        "funm-exp", "eigh-subset", "qr-economic", "lu_solve", "lu", "lu-tall", "lu-wide",
        "solve_sylvester",
        "solve_continuous_lyapunov", "solve_discrete_lyapunov", "polar-right", "schur"]


@pytest.mark.filterwarnings("ignore:vmap. primitive")
@pytest.mark.parametrize("name", VMAP)
def test_vmap_matches_loop(name):
    f, args = CASES[name]
    g = functools.partial(f, crl)
    batch = [[a * (1 + 0.01 * k) for a in args] for k in range(3)]
    expected = [_leaves(f(sl, *b)) for b in batch]
    got = _leaves(cr.vmap(g)(*[np.stack(x) for x in zip(*batch)]))
    for i, leaf in enumerate(got):
        np.testing.assert_allclose(leaf, np.stack([e[i] for e in expected]), rtol=1e-12,
                                   atol=1e-12)


@pytest.mark.filterwarnings("ignore:vmap. primitive")
@pytest.mark.parametrize("name", ["solve_triangular-lower", "cho_solve-lower", "lu_solve",
                                  "solve_sylvester", "expm_frechet-L", "solve_discrete_lyapunov",
                                  "solve-diagonal", "hankel"])
def test_vmap_over_one_argument(name):
    f, args = CASES[name]
    for k in range(len(args)):
        batch = [a * (1 + 0.01 * j) for j, a in enumerate([args[k]] * 3)]
        in_axes = tuple(0 if i == k else None for i in range(len(args)))
        stacked = [np.stack(batch) if i == k else a for i, a in enumerate(args)]
        got = _leaves(cr.vmap(lambda *a: f(crl, *a), in_axes=in_axes)(*stacked))
        expected = [_leaves(f(sl, *[b if i == k else a for i, a in enumerate(args)]))
                    for b in batch]
        for i, leaf in enumerate(got):
            np.testing.assert_allclose(leaf, np.stack([e[i] for e in expected]), rtol=1e-12,
                                       atol=1e-12)


def test_singular_diagonal_solve_raises_under_transforms():
    a = np.diag([1.0, 0.0])
    with pytest.raises(np.linalg.LinAlgError):
        sl.solve(a, np.ones(2), assume_a="diagonal")
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        cr.jit(lambda a: crl.solve(a, np.ones(2), assume_a="diagonal"))(a)


@pytest.mark.parametrize("name", ["expm", "logm", "solve_sylvester", "lu_solve", "eigh-subset",
                                  "cho_solve-upper"])
def test_jit_of_grad_matches_eager_grad(name):
    f, args = CASES[name]

    def loss(*a):
        return sum(cnp.sum(cnp.sin(x)) for x in tree_util.tree_leaves(f(crl, *a)))
    argnums = tuple(range(len(args)))
    eager = cr.grad(loss, argnums)(*args)
    jitted = cr.jit(cr.grad(loss, argnums))(*args)
    for e, j in zip(eager, jitted):
        np.testing.assert_allclose(np.asarray(j), np.asarray(e), rtol=1e-12, atol=1e-13)


# --- analytic checks ----------------------------------------------------------------------


def test_expm_derivative_of_commuting_direction():
    # d/dt expm(A + t A) at t = 0 is A expm(A) (A commutes with itself).
    a = 0.5 * vec((3, 3), 90)
    d = cr.jvp(crl.expm, (a,), (a,))[1]
    np.testing.assert_allclose(d, a @ sl.expm(a), rtol=1e-12)


def test_expm_frechet_is_expms_jvp():
    a, e = 0.5 * vec((3, 3), 91), vec((3, 3), 92)
    np.testing.assert_allclose(cr.jvp(crl.expm, (a,), (e,))[1],
                               sl.expm_frechet(a, e, compute_expm=False), rtol=1e-12)


def test_funm_derivative_at_repeated_eigenvalues():
    # At a = c I every direction commutes with a, so d funm = f'(c) da exactly.
    a = 2.0 * np.eye(3)
    da = vec((3, 3), 93)
    da = da + da.T
    d = cr.jvp(lambda a: crl.funm(a, cnp.exp), (a,), (da,))[1]
    np.testing.assert_allclose(d, np.exp(2.0) * da, rtol=1e-12)
    # Second order too (an eigendecomposition-based derivative gets this wrong).
    for a in (np.eye(3), np.diag([1.0, 1.0, 2.0])):
        cr.check_grads(lambda a: crl.funm((a + a.T) / 2, cnp.sin), (a,), order=2,
                       modes=("fwd", "rev"))


def test_funm_third_order_says_it_is_not_implemented():
    f = lambda a: crl.funm(a, cnp.exp)[0, 0]  # noqa: E731
    with pytest.raises(NotImplementedError, match="third"):
        cr.hessian(cr.grad(f))(np.eye(2))


def test_sqrtm_and_polar_at_repeated_values():
    # Orthogonal a: all singular values are 1, p = I; the derivative of p is sym(a^T da).
    q = np.linalg.qr(vec((3, 3), 94))[0]
    da = vec((3, 3), 95)
    dp = cr.jvp(lambda a: crl.polar(a)[1], (q,), (da,))[1]
    np.testing.assert_allclose(dp, (q.T @ da + da.T @ q) / 2, atol=1e-12)
    cr.check_grads(lambda a: crl.polar(a), (q,), order=2, modes=("fwd", "rev"))


def test_lu_reconstructs_and_p_indices():
    a = vec((4, 4), 96)
    p, low, up = cr.jit(crl.lu)(a)
    np.testing.assert_allclose(p @ low @ up, a, atol=1e-14)
    perm, low2, up2 = cr.jit(lambda a: crl.lu(a, p_indices=True))(a)
    tall = a[:, :2]
    p3, low3, up3 = cr.jit(crl.lu)(tall)
    np.testing.assert_allclose(p3 @ low3 @ up3, tall, atol=1e-14)
    np.testing.assert_array_equal(cr.jit(lambda a: crl.lu(a, p_indices=True))(tall)[0],
                                  sl.lu(tall, p_indices=True)[0])
    expected = sl.lu(a, p_indices=True)[0]
    np.testing.assert_array_equal(perm, expected)
    assert perm.dtype == expected.dtype
    np.testing.assert_allclose(low2[perm] @ up2, a, atol=1e-14)


def test_lyapunov_gradient_matches_adjoint_equation():
    # For x = lyap(a, q), d<g, x>/dq solves the adjoint equation a^T y + y a = g.
    a, q, g = general(3, 97), vec((3, 3), 98), vec((3, 3), 99)
    got = cr.grad(lambda q: cnp.sum(g * crl.solve_continuous_lyapunov(a, q)))(q)
    np.testing.assert_allclose(got, sl.solve_sylvester(a.T, a, g), rtol=1e-12)


# --- errors -------------------------------------------------------------------------------


def test_not_positive_definite_raises_linalgerror_everywhere():
    a = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(np.linalg.LinAlgError):
        crl.cholesky(a)
    for fn in (crl.cholesky, crl.cho_factor,
               lambda a: crl.solve(a, np.ones(2), assume_a="pos")):
        with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
            cr.jit(fn)(a)
        with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
            cr.grad(lambda a: cnp.sum(tree_util.tree_leaves(fn(a))[0]))(a)


def test_non_square_raises_like_scipy():
    a = np.ones((2, 3))
    with pytest.raises(NotImplementedError):
        cr.jit(lambda a: crl.solve(a, np.ones(2), transposed=True))(np.eye(2) + 0j)
    for name in ("cholesky", "expm"):
        with pytest.raises(ValueError):
            getattr(sl, name)(a)
        with pytest.raises(ValueError, match="square"):
            cr.jit(getattr(crl, name))(a)
    with pytest.raises(ValueError, match="square"):
        cr.jit(lambda a: crl.solve(a, np.ones(2)))(a)


def test_singular_matrix_raises_linalgerror_under_transforms():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(np.linalg.LinAlgError):
        sl.solve(a, np.ones(2))
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        cr.grad(lambda a: cnp.sum(crl.solve(a, np.ones(2))))(a)


def test_real_matrix_without_real_logarithm_raises_under_transforms():
    a = np.diag([-1.0, 2.0])
    assert np.iscomplexobj(crl.logm(a))  # SciPy's own (complex) result on plain arrays
    with pytest.raises(np.linalg.LinAlgError, match="complex"):
        cr.jit(crl.logm)(a)
    np.testing.assert_allclose(cr.jit(crl.logm)(a.astype(complex)), sl.logm(a), atol=1e-15)


def test_unsupported_options_under_transforms_say_so():
    a = spd(3, 100)
    with pytest.raises(NotImplementedError, match="subset_by_index"):
        cr.jit(lambda a: crl.eigh(a, subset_by_value=[0, 10]))(a)
    with pytest.raises(NotImplementedError, match="pivoting"):
        cr.jit(lambda a: crl.qr(a, pivoting=True))(a)
    with pytest.raises(ValueError, match="symmetric"):
        cr.grad(lambda a: cnp.sum(crl.funm(a, cnp.exp)))(general(3, 101))


def test_schur_derivative_needs_a_real_simple_spectrum():
    rotation = np.array([[0.0, 1.0], [-1.0, 0.0]])  # eigenvalues +-i: a 2 x 2 block
    f = lambda a: crl.schur(a)[0]  # noqa: E731
    with pytest.raises(NotImplementedError, match="real eigenvalues"):
        cr.jvp(f, (rotation,), (np.eye(2),))
    assert np.isnan(cr.jit(lambda a: cr.jvp(f, (a,), (a,))[1])(rotation)).all()
    with pytest.raises(np.linalg.LinAlgError, match="repeated eigenvalues"):
        cr.grad(lambda a: cnp.sum(f(a)))(np.eye(2))
    with pytest.raises(NotImplementedError, match="real Schur form"):
        cr.jit(lambda a: crl.schur(a, output="complex"))(np.eye(2))


def test_pinv_return_rank():
    a = np.diag([2.0, 1.0, 1e-20])
    b, rank = cr.jvp(lambda a: crl.pinv(a, return_rank=True)[0], (a,), (a,))[0], 2
    np.testing.assert_allclose(b, sl.pinv(a), rtol=1e-15)
    assert crl.pinv(a, return_rank=True)[1] == sl.pinv(a, return_rank=True)[1] == rank
    with pytest.raises(NotImplementedError, match="jit"):
        cr.jit(lambda a: crl.pinv(a, return_rank=True))(a)


def test_truncating_pinv_says_its_derivative_is_not_implemented():
    a = vec((3, 3), 122) @ np.diag([3.0, 1.0, 0.1])  # singular values 3.3, 0.24, 7e-4
    # A cutoff that keeps every nonzero singular value is fine in eager transforms.
    cr.check_grads(lambda a: crl.pinv(a, atol=1e-3, rtol=1e-12), (general(3, 123),),
                   order=2, modes=("fwd", "rev"))
    np.testing.assert_array_equal(crl.pinv(a, atol=0.5), sl.pinv(a, atol=0.5))
    with pytest.raises(NotImplementedError, match="truncated"):
        cr.jvp(lambda a: crl.pinv(a, atol=0.5), (a,), (a,))
    with pytest.raises(NotImplementedError, match="default cutoff"):
        cr.jit(lambda a: crl.pinv(a, atol=0.5))(a)


@pytest.mark.parametrize("driver", [None, "evr", "evd", "ev", "evx"])
def test_eigh_eigenvectors_are_scipys_under_transforms(driver):
    a = lopsided(spd(5, 132))
    expected = sl.eigh(a, driver=driver)
    for got in (cr.jit(lambda a: crl.eigh(a, driver=driver))(a),
                cr.jvp(lambda a: crl.eigh(a, driver=driver), (a,), (a,))[0]):
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-13, atol=1e-13)
    for complex_a in (a + 1j * np.tril(vec((5, 5), 133), -1),):
        np.testing.assert_allclose(cr.jit(lambda a: crl.eigh(a, driver=driver)[1])(complex_a),
                                   sl.eigh(complex_a, driver=driver)[1], atol=1e-13)
