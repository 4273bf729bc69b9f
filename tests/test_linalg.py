"""chainrule.numpy.linalg: values against NumPy, derivatives against finite differences
(both modes, second order), stacked inputs, complex inputs, (nearly) singular inputs and
the conventions at non-differentiable points."""

import numpy as np
import pytest
from cases_linalg import general, rect, spd, symmetric, with_real_spectrum
from numpy_testing import assert_like_numpy, assert_same_as_numpy, check, rand, zero_tangent

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.tree_util import tree_map

la = cnp.linalg

A3 = general(3)
AB = general(3, (2,), seed=1)  # a stack of two 3x3 matrices
S3 = spd(3, seed=2)
SB = spd(3, (2,), seed=3)
SYM = symmetric(4, seed=4)
TALL, WIDE, SQ = rect(4, 2, seed=5), rect(2, 4, seed=6), rect(3, 3, seed=7)
RB = rect(3, 2, (2,), seed=8)
V3 = rand((3,), seed=9)
M32 = rand((3, 2), seed=10)


# --- helpers ----------------------------------------------------------------------------


def real_view(f):
    """``f`` with each complex output leaf split into (real, imaginary) parts: check_grads
    then works on real quantities only."""
    def g(*args):
        out = f(*args)
        return tree_map(lambda y: (cnp.real(y), cnp.imag(y)) if y.dtype.kind == "c" else y,
                        out)
    return g


def from_parts(f):
    """``f`` of one complex matrix, as a function of its real and imaginary parts."""
    return real_view(lambda re, im: f(re + 1j * im))


def fix_phase(v):
    """Multiply each column of ``v`` by the phase (sign) that makes its first entry real and
    positive: removes the gauge freedom of eigen- and singular vectors."""
    p = v[..., :1, :]
    if v.dtype.kind == "c":
        return v * cnp.conj(p) / cnp.sqrt(cnp.real(p) ** 2 + cnp.imag(p) ** 2)
    return v * cnp.sign(p)


def grads(f, args, order=2, **kw):
    cr.check_grads(f, args, order=order, modes=("fwd", "rev"), **kw)


def cplx(shape, seed=0):
    return rand(shape, seed=seed) + 1j * rand(shape, seed=seed + 100)


# --- solving ----------------------------------------------------------------------------


@pytest.mark.parametrize("a,b", [(A3, V3), (A3, M32), (AB, V3), (AB, rand((2, 3, 2), seed=1)),
                                 (A3, rand((4, 3, 1), seed=2)), (general(1), rand((1,)))],
                         ids=["vec", "mat", "stack-vec", "stack-mat", "broadcast", "1x1"])
def test_solve(a, b):
    check(la.solve, np.linalg.solve, (a, b))


def test_solve_integer_inputs():
    a = np.array([[2, 1], [1, 3]])
    b = np.array([1, 2])
    check(la.solve, np.linalg.solve, (a, b))


@pytest.mark.parametrize("a", [A3, AB, general(1, seed=3)], ids=["3x3", "stack", "1x1"])
def test_inv(a):
    check(la.inv, np.linalg.inv, (a,))


@pytest.mark.parametrize("a", [A3, AB, -general(1), A3[[1, 0, 2]]],
                         ids=["3x3", "stack", "1x1-negative", "negative"])
def test_det_and_slogdet(a):
    check(la.det, np.linalg.det, (a,))
    check(la.slogdet, np.linalg.slogdet, (a,))
    s = la.slogdet(a)
    assert s.sign is s[0] and s.logabsdet is s[1]


def test_tensorsolve_and_tensorinv():
    a = general(6, seed=11).reshape(2, 3, 6)
    b = rand((2, 3), seed=12)
    check(la.tensorsolve, np.linalg.tensorsolve, (a, b))
    a2 = general(6, seed=13).reshape(3, 2, 3, 2)
    check(la.tensorsolve, np.linalg.tensorsolve, (a2, rand((2, 3), seed=14)),
          {"axes": (0, 3)}, order=1)
    a3 = general(6, seed=15).reshape(6, 2, 3)
    check(la.tensorinv, np.linalg.tensorinv, (a3,), {"ind": 1})
    check(la.tensorinv, np.linalg.tensorinv, (general(6, seed=16).reshape(2, 3, 3, 2),))


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 5, 6])
def test_matrix_power(n):
    check(la.matrix_power, np.linalg.matrix_power, (A3 / 3,), {"n": n})
    check(la.matrix_power, np.linalg.matrix_power, (AB / 3,), {"n": n}, order=1)


def test_matrix_power_integer_matrix():
    m = np.array([[1, 1], [1, 0]])
    assert_like_numpy(la.matrix_power(m, 10), np.linalg.matrix_power(m, 10))


@pytest.mark.parametrize("shapes", [[(3, 4), (4, 2)], [(3,), (3, 4), (4,)],
                                    [(2, 3), (3, 5), (5, 2)], [(5,), (5, 2), (2, 4), (4, 3)],
                                    [(2, 3), (3, 1), (1, 4), (4, 5), (5,)]],
                         ids=["2", "3-vec-ends", "3", "4-vec-first", "5-vec-last"])
def test_multi_dot(shapes):
    arrays = [rand(s, seed=i) for i, s in enumerate(shapes)]
    check(lambda *a: la.multi_dot(list(a)), lambda *a: np.linalg.multi_dot(list(a)),
          tuple(arrays), rtol=1e-10)


# --- factorizations -----------------------------------------------------------------------


@pytest.mark.parametrize("a", [S3, SB, spd(1, seed=5)], ids=["3x3", "stack", "1x1"])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(a, upper):
    check(la.cholesky, np.linalg.cholesky, (a,), {"upper": upper})


def test_cholesky_uses_the_hermitian_part():
    a = S3 + np.triu(rand((3, 3), seed=6), 1)  # not symmetric
    sym = (a + a.T) / 2
    np.testing.assert_allclose(la.cholesky(a), np.linalg.cholesky(sym), rtol=1e-12)
    g = cr.grad(lambda a: cnp.sum(la.cholesky(a) ** 2))(a)
    np.testing.assert_allclose(g, g.T, rtol=1e-12)  # symmetric gradient
    grads(la.cholesky, (a,))


@pytest.mark.parametrize("a", [SQ, TALL, WIDE, RB], ids=["square", "tall", "wide", "stack"])
@pytest.mark.parametrize("mode", ["reduced", "r", "complete"])
def test_qr(a, mode):
    completion = mode == "complete" and a.shape[-2] > a.shape[-1]
    check(la.qr, np.linalg.qr, (a,), {"mode": mode}, grads=not completion)
    if completion:
        k = a.shape[-1]

        def invariant(a):
            q, r = la.qr(a, mode="complete")
            q2 = q[..., k:]
            return q[..., :k], r, q2 @ cnp.swapaxes(q2, -1, -2)
        grads(invariant, (a,))


def test_qr_raw():
    h, tau = la.qr(TALL, mode="raw")
    h_np, tau_np = np.linalg.qr(TALL, mode="raw")
    np.testing.assert_array_equal(h, h_np)
    np.testing.assert_array_equal(tau, tau_np)
    with pytest.raises(TypeError, match="raw"):
        cr.grad(lambda a: la.qr(a, mode="raw")[0].sum())(TALL)


@pytest.mark.parametrize("a", [S3, SYM, SB, spd(1, seed=6)], ids=["spd", "indefinite",
                                                                   "stack", "1x1"])
def test_eigh(a):
    check(la.eigh, np.linalg.eigh, (a,))
    check(la.eigvalsh, np.linalg.eigvalsh, (a,))
    check(la.eigh, np.linalg.eigh, (a,), {"UPLO": "U"}, grads=False)


@pytest.mark.parametrize("a", [S3, SYM, SB, S3.astype(np.float32), spd(1, seed=6),
                               np.zeros((0, 0)), np.asfortranarray(S3)],
                         ids=["spd", "indefinite", "stack", "float32", "1x1", "0x0", "F"])
def test_hermitian_factorizations_of_plain_hermitian_input_are_numpys(a):
    for uplo in ("L", "U"):
        assert_same_as_numpy(la.eigh(a, uplo), np.linalg.eigh(a, uplo))
        assert_same_as_numpy(la.eigvalsh(a, UPLO=uplo), np.linalg.eigvalsh(a, UPLO=uplo))
    if a is not SYM:
        assert_same_as_numpy(la.cholesky(a), np.linalg.cholesky(a))
    if a is S3:  # and a complex Hermitian one
        z = (ZH + ZH.conj().T) / 2
        assert_same_as_numpy(la.eigh(z), np.linalg.eigh(z))
        assert_same_as_numpy(la.eigvalsh(z), np.linalg.eigvalsh(z))
        assert_same_as_numpy(la.cholesky(z), np.linalg.cholesky(z))


def test_hermitian_factorizations_read_the_hermitian_part_of_plain_input():
    a = S3 + np.triu(rand((3, 3), seed=6), 1)  # not symmetric
    sym = (a + a.T) / 2
    assert_same_as_numpy(la.eigh(a), np.linalg.eigh(sym))
    assert_same_as_numpy(la.eigvalsh(a, "U"), np.linalg.eigvalsh(sym, "U"))
    assert_same_as_numpy(la.cholesky(a), np.linalg.cholesky(sym))
    assert_same_as_numpy(la.cholesky(a, upper=True), np.linalg.cholesky(sym).T)
    with pytest.raises(la.LinAlgError, match="Hermitian part"):
        la.cholesky(S3 - 100 * np.eye(3))
    with pytest.raises(ValueError, match="UPLO"):
        la.eigvalsh(S3, "X")
    with pytest.raises(la.LinAlgError, match="square"):
        la.eigh(TALL)
    with pytest.raises(TypeError, match="float16"):
        la.cholesky(S3.astype(np.float16))
    assert_same_as_numpy(la.eigvalsh(np.eye(2, dtype=int)), np.linalg.eigvalsh(np.eye(2)))


def test_eigh_gradient_is_symmetric_and_matches_vvT():
    w, v = np.linalg.eigh(SYM)
    g = cr.grad(lambda a: la.eigvalsh(a)[2])(SYM)
    np.testing.assert_allclose(g, np.outer(v[:, 2], v[:, 2]), atol=1e-12)


def _np_eig(a):
    w, v = np.linalg.eig(a)
    ctype = np.result_type(a.dtype, np.complex64)
    return w.astype(ctype), v.astype(ctype)


ROTATING = np.array([[1.0, -2.0, 0.1], [2.0, 1.0, 0.3], [0.3, 0.2, 4.0]])


@pytest.mark.parametrize("a", [with_real_spectrum(3), ROTATING,
                               np.stack([with_real_spectrum(3, seed=3), ROTATING.T]),
                               np.array([[0.0, -1.0], [1.0, 0.5]])],
                         ids=["real-spectrum", "general", "stack", "complex-pair"])
def test_eig(a):
    check(la.eig, _np_eig, (a,), grads=False)
    check(la.eigvals, lambda a: _np_eig(a)[0], (a,), grads=False)
    # Eigenvalues, eigenvectors (phase fixed) and the spectral projectors.
    grads(real_view(lambda a: la.eigvals(a)), (a,))
    grads(real_view(lambda a: fix_phase(la.eig(a).eigenvectors)), (a,))


def test_eig_reconstructs_function_of_matrix():
    # V diag(exp(w)) V^-1 is gauge independent: its derivative is exact.
    a = with_real_spectrum(3, seed=2)

    def expm(a):
        w, v = la.eig(a)
        return cnp.real(la.solve(cnp.swapaxes(v, -1, -2),
                                 cnp.swapaxes(v * cnp.exp(w)[None, :], -1, -2)).T)
    grads(expm, (a,))


@pytest.mark.parametrize("a", [SQ, TALL, WIDE, RB], ids=["square", "tall", "wide", "stack"])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd(a, full_matrices):
    m, n = a.shape[-2:]
    completion = full_matrices and m != n
    check(la.svd, np.linalg.svd, (a,), {"full_matrices": full_matrices}, grads=not completion)
    check(la.svd, np.linalg.svd, (a,), {"full_matrices": full_matrices, "compute_uv": False})
    check(la.svdvals, np.linalg.svdvals, (a,))
    if completion:
        k = min(m, n)

        def invariant(a):
            u, s, vh = la.svd(a, full_matrices=True)
            u2, v2 = u[..., k:], cnp.swapaxes(vh, -1, -2)[..., k:]
            return (u[..., :k], s, vh[..., :k, :], u2 @ cnp.swapaxes(u2, -1, -2),
                    v2 @ cnp.swapaxes(v2, -1, -2))
        grads(invariant, (a,))


def test_svd_hermitian_flag():
    s = la.svd(S3, hermitian=True, compute_uv=False)
    np.testing.assert_allclose(s, np.linalg.svd(S3, hermitian=True, compute_uv=False))
    u, s, vh = la.svd(SYM, hermitian=True)
    np.testing.assert_allclose((u * s) @ vh, SYM, atol=1e-12)


@pytest.mark.parametrize("a", [TALL, WIDE, SQ, RB], ids=["tall", "wide", "square", "stack"])
def test_pinv(a):
    check(la.pinv, np.linalg.pinv, (a,))
    check(la.pinv, np.linalg.pinv, (a,), {"rcond": 1e-10}, order=1)
    check(la.pinv, np.linalg.pinv, (a,), {"rtol": None}, grads=False)


def test_pinv_rank_deficient_and_repeated_singular_values():
    # Rank 1, with the tiny singular value cut by rcond: the derivative (rank fixed) is exact.
    # First order only: second differences evaluate the derivative at nearby matrices of
    # full rank, where rcond truncates nonzero singular values (an error, see below).
    a = np.outer(rand((4,), seed=1), rand((3,), seed=2))
    check(la.pinv, np.linalg.pinv, (a,), {"rcond": 1e-2}, rtol=1e-10, atol=1e-12, order=1)
    # Orthogonal matrix: all singular values equal, where SVD-based formulas break down.
    q = np.linalg.qr(rand((3, 3), seed=3))[0]
    check(la.pinv, np.linalg.pinv, (q,), rtol=1e-10, atol=1e-12)



def test_truncated_pinv_and_lstsq_derivatives_are_refused():
    # rcond = 0.1 drops the singular value 0.01: the derivative of that truncated
    # pseudo-inverse is not the rank-preserving formula's, so it must not be returned.
    u, _, vt = np.linalg.svd(rand((4, 3), seed=5), full_matrices=False)
    a = u @ np.diag([3.0, 1.0, 0.01]) @ vt
    f = lambda a: cnp.sum(cnp.sin(la.pinv(a, rcond=0.1)))  # noqa: E731
    g = lambda a: cnp.sum(la.lstsq(a, np.ones(4), rcond=0.1)[0])  # noqa: E731
    for h in (f, g):
        with pytest.raises(NotImplementedError, match="truncated pseudo-inverse"):
            cr.grad(h)(a)
        with pytest.raises(NotImplementedError, match="truncated pseudo-inverse"):
            cr.jvp(h, (a,), (a,))
    # Staged, the values are unknown when the derivative is built: NaN, never a number.
    assert np.isnan(cr.jit(cr.grad(f))(a)).all()
    kept = u @ np.diag([3.0, 2.0, 1.0]) @ vt  # nothing dropped
    batched = cr.vmap(cr.grad(f))(np.stack([a, kept]))
    np.testing.assert_allclose(batched[1], cr.grad(f)(kept), rtol=1e-10)
    assert np.isnan(batched[0]).all() and np.isfinite(batched[1]).all()
    # Exactly rank 2 with the zero singular value dropped: the derivative holds.
    a2 = u @ np.diag([3.0, 1.0, 0.0]) @ vt
    cr.check_grads(lambda a: la.pinv(a, rcond=0.1), (a2,), order=1, modes=("fwd", "rev"))
    np.testing.assert_allclose(cr.jit(cr.grad(f))(a2), cr.grad(f)(a2), rtol=1e-10)

@pytest.mark.parametrize("a,b", [(TALL, rand((4,), seed=1)), (TALL, rand((4, 2), seed=2)),
                                 (WIDE, rand((2,), seed=3)), (SQ, rand((3, 2), seed=4))],
                         ids=["over-vec", "over-mat", "under", "square"])
def test_lstsq(a, b):
    check(la.lstsq, np.linalg.lstsq, (a, b), rtol=1e-10, atol=1e-12)


def test_lstsq_rank_deficient_matches_numpy():
    a = np.outer(rand((4,), seed=1), rand((3,), seed=2))
    b = rand((4,), seed=3)
    ours, theirs = la.lstsq(a, b), np.linalg.lstsq(a, b)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-8)
    assert ours[2] == theirs[2] == 1
    assert ours[1].shape == theirs[1].shape == (0,)


@pytest.mark.parametrize("kwargs", [{}, {"tol": 0.5}, {"rtol": 0.3}], ids=str)
def test_matrix_rank(kwargs):
    a = np.diag([3.0, 1.0, 1e-20])
    check(la.matrix_rank, np.linalg.matrix_rank, (a,), kwargs)
    stack = np.stack([a, np.eye(3), np.zeros((3, 3))])
    check(la.matrix_rank, np.linalg.matrix_rank, (stack,), kwargs)
    assert la.matrix_rank(np.array([0.0, 0.0])) == np.linalg.matrix_rank(np.array([0.0, 0.0]))
    assert la.matrix_rank(V3) == np.linalg.matrix_rank(V3)
    zero_tangent(la.matrix_rank, (a,))


@pytest.mark.parametrize("p", [None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"], ids=str)
def test_cond(p):
    check(la.cond, np.linalg.cond, (A3,), {"p": p}, rtol=1e-10)
    check(la.cond, np.linalg.cond, (AB,), {"p": p}, grads=False, rtol=1e-10)


def test_cond_of_singular_matrix_is_infinite_like_numpy():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    for p in (None, 1, "fro"):
        with np.errstate(all="ignore"):
            expected = np.linalg.cond(a, p)
        assert la.cond(a, p) == expected or (np.isinf(la.cond(a, p)) and expected > 1e15)


# --- norms ------------------------------------------------------------------------------

VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1, 1.5]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
# No ties and no entries near zero (where p < 1 norms curve sharply).
X = rand((3, 4), 0.5, 2.0, seed=20) * np.sign(rand((3, 4), seed=25))


@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
def test_vector_norms(ord):
    v = rand((5,), 0.5, 2.0, seed=21) * np.array([1, -1, 1, 1, -1])
    check(la.norm, np.linalg.norm, (v,), {"ord": ord}, rtol=1e-10)
    for axis in (0, 1, -1):
        check(la.norm, np.linalg.norm, (X,), {"ord": ord, "axis": axis}, rtol=1e-10)
    check(la.norm, np.linalg.norm, (X,), {"ord": ord, "axis": 1, "keepdims": True},
          rtol=1e-10)
    check(la.vector_norm, np.linalg.vector_norm, (X,), {"ord": 2 if ord is None else ord},
          rtol=1e-10)
    check(la.vector_norm, np.linalg.vector_norm, (rand((2, 3, 2), 0.5, 2.0, seed=22),),
          {"ord": 2 if ord is None else ord, "axis": (0, 2), "keepdims": True}, rtol=1e-10)


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
def test_matrix_norms(ord):
    order = 2 if ord in (None, "fro", "nuc", 2, -2) else 1
    check(la.norm, np.linalg.norm, (X,), {"ord": ord}, rtol=1e-10, order=order)
    x3 = rand((2, 3, 4), seed=23)
    check(la.norm, np.linalg.norm, (x3,), {"ord": ord, "axis": (2, 0)}, rtol=1e-10,
          order=order)
    check(la.norm, np.linalg.norm, (x3,), {"ord": ord, "axis": (0, 1), "keepdims": True},
          rtol=1e-10, grads=False)
    check(la.matrix_norm, np.linalg.matrix_norm, (x3,), {"ord": "fro" if ord is None else ord},
          rtol=1e-10, order=order)


def test_norm_defaults_and_errors():
    check(la.norm, np.linalg.norm, (rand((2, 3, 4), seed=24),), rtol=1e-10)
    check(la.norm, np.linalg.norm, (X,), {"keepdims": True}, rtol=1e-10)
    check(la.norm, np.linalg.norm, (np.array([3, 4]),))
    check(la.vector_norm, np.linalg.vector_norm, (np.float64(-2.5),))
    with pytest.raises(ValueError):
        la.norm(V3, "fro")
    with pytest.raises(ValueError):
        la.norm(X, 3)
    with pytest.raises(ValueError):
        la.norm(rand((2, 2, 2)), 1)


@pytest.mark.parametrize("ord", VECTOR_ORDS + ["fro", "nuc", -2], ids=str)
def test_norm_gradient_at_zero_is_finite(ord):
    vector = ord not in ("fro", "nuc", -2)
    x = np.zeros(4) if vector else np.zeros((3, 2))
    for mode in (cr.grad, cr.jacfwd):
        g = mode(lambda x: la.norm(x, ord))(x)
        assert np.all(np.isfinite(g)), (ord, g)
        if vector:
            np.testing.assert_array_equal(g, 0)
    # Second derivatives are finite too.
    h = cr.hessian(lambda x: la.norm(x, ord))(x)
    assert np.all(np.isfinite(h))


@pytest.mark.parametrize("ord", [None, 2, 1, 3, np.inf], ids=str)
def test_norm_with_some_zero_entries(ord):
    v = np.array([0.0, 1.5, -2.0, 0.0])
    g = cr.grad(lambda v: la.norm(v, ord))(v)
    assert np.all(np.isfinite(g))
    if ord not in (1,):  # for p > 1 (and max) the zero entries have zero derivative
        np.testing.assert_array_equal(g[[0, 3]], 0)
    grads(lambda v: la.norm(v, ord), (v,), order=1)


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
def test_matrix_norm_gradients_at_zero(ord):
    for mode in (cr.grad, cr.jacfwd):
        np.testing.assert_array_equal(mode(lambda x: la.norm(x, ord))(np.zeros((2, 3))), 0)


# --- array-API functions of numpy.linalg -------------------------------------------------


def test_array_api_functions():
    x, y = rand((2, 3), seed=30), rand((2, 3), seed=31)
    check(la.outer, np.linalg.outer, (V3, rand((4,), seed=32)))
    check(la.cross, np.linalg.cross, (x, y))
    check(la.cross, np.linalg.cross, (x.T.copy(), y.T.copy()), {"axis": 0})
    check(la.vecdot, np.linalg.vecdot, (x, y))
    check(la.vecdot, np.linalg.vecdot, (x, y), {"axis": 0})
    check(la.matmul, np.linalg.matmul, (x, y.T.copy()))
    check(la.matrix_transpose, np.linalg.matrix_transpose, (rand((2, 3, 4)),))
    check(la.trace, np.linalg.trace, (rand((2, 3, 3)),))
    check(la.trace, np.linalg.trace, (rand((3, 4)),), {"offset": 1})
    check(la.diagonal, np.linalg.diagonal, (rand((2, 3, 3)),))
    check(la.diagonal, np.linalg.diagonal, (rand((3, 4)),), {"offset": -1})
    check(la.tensordot, np.linalg.tensordot, (x, y))
    check(la.tensordot, np.linalg.tensordot, (x, y.T.copy()), {"axes": 1})
    with pytest.raises(ValueError):
        la.outer(x, y)
    with pytest.raises(ValueError):
        la.cross(x[:, :2], y[:, :2])


def test_namespace_matches_numpy():
    missing = [n for n in np.linalg.__all__ if not hasattr(la, n)]
    assert not missing
    assert la.LinAlgError is np.linalg.LinAlgError


# --- singular and nearly singular inputs --------------------------------------------------

SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
NEARLY = np.array([[1.0, 2.0], [2.0, 4.0 + 1e-10]])


@pytest.mark.parametrize("fn", [lambda a: la.solve(a, np.ones(2)), la.inv,
                                lambda a: la.tensorinv(a, 1)], ids=["solve", "inv", "tensorinv"])
def test_singular_raises_linalg_error(fn):
    with pytest.raises(la.LinAlgError, match="(?i)singular"):
        fn(SINGULAR)
    with pytest.raises(la.LinAlgError, match="(?i)singular"):
        cr.grad(lambda a: cnp.sum(fn(a)))(SINGULAR)


def test_nearly_singular_values_are_right_and_finite():
    np.testing.assert_allclose(la.inv(NEARLY), np.linalg.inv(NEARLY), rtol=1e-6)
    np.testing.assert_allclose(la.solve(NEARLY, np.ones(2)), np.linalg.solve(NEARLY, np.ones(2)),
                               rtol=1e-6)
    np.testing.assert_allclose(la.det(NEARLY), np.linalg.det(NEARLY), rtol=1e-4)
    for f in (la.det, lambda a: la.slogdet(a).logabsdet, lambda a: cnp.sum(la.inv(a)),
              lambda a: la.norm(la.pinv(a)), lambda a: la.cond(a)):
        g = cr.grad(f)(NEARLY)
        assert np.all(np.isfinite(g))


def _low_rank(n, r, seed=0, dtype=float):
    g = np.random.default_rng(seed)
    a, b = g.standard_normal((n, r)), g.standard_normal((r, n))
    if dtype is complex:
        a, b = a + 1j * g.standard_normal((n, r)), b + 1j * g.standard_normal((r, n))
    return a @ b


def _cofactor_fd(a, eps=1e-6):
    """Gradient of det by central differences, entry by entry (det is a polynomial)."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[idx] = eps
        g[idx] = (np.linalg.det(a + e) - np.linalg.det(a - e)) / (2 * eps)
    return g


def test_det_at_singular_matrix():
    assert la.det(SINGULAR) == np.linalg.det(SINGULAR)
    s = la.slogdet(SINGULAR)
    assert s.sign == 0 and s.logabsdet == -np.inf
    # The cofactor matrix of [[a, b], [c, d]] is [[d, -c], [-b, a]].
    np.testing.assert_allclose(cr.grad(la.det)(SINGULAR), [[4.0, -2.0], [-2.0, 1.0]],
                               atol=1e-14)
    with pytest.raises(la.LinAlgError, match="(?i)singular"):
        cr.grad(lambda a: la.slogdet(a).logabsdet)(SINGULAR)


@pytest.mark.parametrize("rank", [4, 3, 2, 1, 0])
def test_det_gradient_at_every_rank(rank):
    a = _low_rank(4, rank, seed=rank)
    g = cr.grad(la.det)(a)
    np.testing.assert_allclose(g, _cofactor_fd(a), atol=1e-8 * max(1, np.abs(g).max()))
    if rank <= 2:  # the cofactor matrix of a rank-(n-2) matrix is zero
        np.testing.assert_allclose(g, 0, atol=1e-12)
    else:
        assert np.abs(g).max() > 1e-2
    cr.check_grads(la.det, (a,), order=2, modes=("fwd", "rev"))


def test_det_gradient_nearly_singular_and_complex():
    a = _low_rank(4, 3, seed=7) + 1e-9 * _low_rank(4, 4, seed=8)
    np.testing.assert_allclose(cr.grad(la.det)(a), _cofactor_fd(a), rtol=1e-6, atol=1e-8)
    cr.check_grads(la.det, (a,), order=2, modes=("fwd", "rev"))
    for rank in (3, 2):
        z = _low_rank(3 if rank == 2 else 4, rank, seed=9, dtype=complex)
        cr.check_grads(lambda z: cnp.real(la.det(z)), (z,), order=2, modes=("fwd", "rev"))
        cr.check_grads(lambda z: cnp.imag(la.det(z)), (z,), order=2, modes=("fwd", "rev"))


def test_det_gradient_at_singular_batched_and_transformed():
    stack = np.stack([_low_rank(3, 2, seed=1), _low_rank(3, 1, seed=2), _low_rank(3, 3)])
    expected = np.stack([_cofactor_fd(a) for a in stack])
    g = cr.grad(lambda a: cnp.sum(la.det(a)))(stack)
    np.testing.assert_allclose(g, expected, atol=1e-8)
    np.testing.assert_allclose(cr.vmap(cr.grad(la.det))(stack), expected, atol=1e-8)
    np.testing.assert_allclose(cr.jit(cr.grad(la.det))(stack[0]), expected[0], atol=1e-8)
    np.testing.assert_allclose(cr.jacfwd(la.det)(stack), cr.jacrev(la.det)(stack), atol=1e-12)
    cr.check_grads(la.det, (stack,), order=2, modes=("fwd", "rev"))
    # The Hessian of det is symmetric, also at a rank-(n-2) matrix (where it is not zero).
    h = cr.hessian(la.det)(_low_rank(4, 2, seed=3))
    assert np.abs(h).max() > 1e-2
    np.testing.assert_allclose(h, np.transpose(h, (2, 3, 0, 1)), atol=1e-12)


def test_det_third_derivative():
    cr.check_grads(la.det, (A3,), order=3, modes=("fwd", "rev"))
    # repeated singular values (the SVD's vectors are arbitrary there): identity, rotation
    q = np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))[0]
    for a in (np.eye(3), q, 2.0 * np.eye(2)):
        cr.check_grads(la.det, (a,), order=3, modes=("fwd", "rev"))
    with pytest.raises(la.LinAlgError, match="third and higher derivatives of det"):
        cr.check_grads(la.det, (_low_rank(3, 2),), order=3, modes=("fwd",))


def test_cholesky_not_positive_definite():
    with pytest.raises(la.LinAlgError, match="positive definite"):
        la.cholesky(-S3)
    with pytest.raises(la.LinAlgError, match="positive definite"):
        cr.grad(lambda a: cnp.sum(la.cholesky(a)))(-S3)


def test_shape_errors():
    with pytest.raises(la.LinAlgError, match="square"):
        la.inv(TALL)
    with pytest.raises(la.LinAlgError, match="two-dimensional"):
        la.det(V3)
    with pytest.raises(TypeError, match="float16"):
        la.inv(np.eye(2, dtype=np.float16))


def test_repeated_eigenvalues_give_finite_derivatives():
    a = np.diag([1.0, 1.0, 2.0])
    jac = cr.jacrev(lambda a: la.eigh(a).eigenvectors)(a)
    assert np.all(np.isfinite(jac))
    # The sum of a repeated pair is differentiable, and gets its exact derivative.
    grads(lambda a: cnp.sum(la.eigvalsh(a)[:2]), (a,), order=1)
    # Singular vectors of the identity and of a rank-deficient matrix.
    for m in (np.eye(3), np.outer(V3, V3)):
        for out in range(3):
            jac = cr.jacrev(lambda a: la.svd(a)[out])(m)
            assert np.all(np.isfinite(jac))


def test_svd_of_rank_deficient_matrix_singular_values():
    a = np.outer(V3, rand((4,), seed=1))
    g = cr.grad(lambda a: la.norm(a, "nuc"))(a)
    assert np.all(np.isfinite(g))
    u, s, vh = np.linalg.svd(a)
    np.testing.assert_allclose(g, np.outer(u[:, 0], vh[0]), atol=1e-10)


# --- complex inputs -----------------------------------------------------------------------

ZA = cplx((3, 3), seed=40) + 3 * np.eye(3)
ZH = ZA @ ZA.conj().T + np.eye(3)  # Hermitian positive definite
ZT = cplx((4, 3), seed=41)


@pytest.mark.parametrize("name,args,kwargs", [
    ("solve", (ZA, cplx((3, 2), seed=1)), {}), ("inv", (ZA,), {}), ("det", (ZA,), {}),
    ("slogdet", (ZA,), {}), ("cholesky", (ZH,), {}), ("qr", (ZT,), {}),
    ("eigvalsh", (ZH,), {}), ("svd", (ZT,), {"compute_uv": False}), ("pinv", (ZT,), {}),
    ("norm", (ZT,), {}), ("norm", (ZT,), {"ord": "nuc"}), ("norm", (ZT,), {"ord": 1}),
    ("norm", (ZT[0],), {"ord": 3}), ("eigh", (ZH,), {}), ("svd", (ZT,), {}),
    ("matrix_power", (ZA / 3,), {"n": 3}), ("cond", (ZA,), {})], ids=lambda x: str(x)[:12])
def test_complex_values(name, args, kwargs):
    check(getattr(la, name), getattr(np.linalg, name), args, kwargs, grads=False, rtol=1e-10)


@pytest.mark.parametrize("name,f,z", [
    ("solve", lambda z: la.solve(z, np.ones((3, 2))), ZA),
    ("inv", la.inv, ZA), ("det", la.det, ZA), ("slogdet", la.slogdet, ZA),
    ("cholesky", la.cholesky, ZH), ("qr", la.qr, ZT), ("qr-wide", la.qr, ZT.T.copy()),
    ("eigvalsh", la.eigvalsh, ZH),
    ("eigh-vectors", lambda z: fix_phase(la.eigh(z).eigenvectors), ZH),
    ("svdvals", la.svdvals, ZT),
    ("svd-vectors", lambda z: fix_phase(la.svd(z, full_matrices=False).U), ZT),
    ("svd-reconstruct", lambda z: (lambda u, s, vh: (u * s) @ vh)(*la.svd(z, False)), ZT),
    ("pinv", la.pinv, ZT), ("norm", la.norm, ZT), ("norm-nuc", lambda z: la.norm(z, "nuc"), ZT),
    ("eig", la.eigvals, ZA), ("eig-vectors", lambda z: fix_phase(la.eig(z).eigenvectors), ZA),
    ("lstsq", lambda z: la.lstsq(z, np.ones(4))[:2], ZT),
    ("cholesky-upper", lambda z: la.cholesky(z, upper=True), ZH)],
    ids=lambda x: x if isinstance(x, str) else "")
def test_complex_derivatives(name, f, z):
    grads(from_parts(f), (z.real.copy(), z.imag.copy()))


def test_complex_gradient_convention_is_jax():
    # For real f(z), grad gives df/dx - i df/dy (JAX's convention).
    f = lambda z: cnp.real(la.det(z) * cnp.conj(la.det(z)))  # |det z|^2
    g = cr.grad(f)(ZA)
    fx = cr.grad(lambda x, y: f(x + 1j * y), argnums=(0, 1))(ZA.real.copy(), ZA.imag.copy())
    np.testing.assert_allclose(g, fx[0] - 1j * fx[1], rtol=1e-10)
    eps = 1e-6
    e = np.zeros((3, 3))
    e[0, 1] = eps
    dfx = (f(ZA + e) - f(ZA - e)) / (2 * eps)
    dfy = (f(ZA + 1j * e) - f(ZA - 1j * e)) / (2 * eps)
    np.testing.assert_allclose(g[0, 1], dfx - 1j * dfy, rtol=1e-6)


# --- transforms -----------------------------------------------------------------------------


def test_vmap_and_jit():
    b = rand((2, 3), seed=3)
    np.testing.assert_allclose(cr.vmap(la.solve)(AB, b), np.linalg.solve(AB, b[..., None])[..., 0])
    np.testing.assert_allclose(cr.vmap(la.det)(AB), np.linalg.det(AB))
    np.testing.assert_allclose(cr.vmap(la.eigvalsh)(SB), np.linalg.eigvalsh(SB))
    np.testing.assert_allclose(cr.vmap(lambda a: la.svd(a)[1])(RB), np.linalg.svd(RB)[1])
    np.testing.assert_allclose(cr.vmap(la.pinv)(RB), np.linalg.pinv(RB), rtol=1e-12)
    np.testing.assert_allclose(cr.jit(la.det)(A3), np.linalg.det(A3))
    np.testing.assert_allclose(cr.jit(lambda a: la.norm(la.inv(a), 2))(A3),
                               np.linalg.norm(np.linalg.inv(A3), 2))
    g = cr.jit(cr.grad(lambda a: la.slogdet(a).logabsdet))(A3)
    np.testing.assert_allclose(g, np.linalg.inv(A3).T, rtol=1e-12)


def test_numpy_functions_on_traced_values():
    # numpy.linalg.* called on traced values dispatch to chainrule.numpy.linalg.
    g = cr.grad(lambda a: np.linalg.slogdet(a)[1] + np.linalg.norm(a))(A3)
    np.testing.assert_allclose(g, np.linalg.inv(A3).T + A3 / np.linalg.norm(A3), rtol=1e-12)


def test_higher_order():
    # Hessian of log det is -(A^-T kron A^-1) in the right index order.
    h = cr.hessian(lambda a: la.slogdet(a).logabsdet)(S3)
    ai = np.linalg.inv(S3)
    np.testing.assert_allclose(h, -np.einsum("li,jk->ijkl", ai, ai), atol=1e-12)
    grads(lambda a: la.eigvalsh(a), (S3,), order=3)


def test_dask_arrays_stay_lazy():
    da = pytest.importorskip("dask.array")
    a, t = da.from_array(A3, chunks=3), da.from_array(TALL, chunks=(4, 2))
    for f, x, x_np in [(lambda a: la.solve(a, np.ones(3)), a, A3),
                       (lambda a: la.cholesky(a @ a.T), a, A3),
                       (lambda a: la.qr(a).R, t, TALL),
                       (lambda a: la.norm(a, 2), t, TALL)]:
        y, g = f(x), cr.grad(lambda x: cnp.sum(f(x)))(x)
        assert isinstance(y, da.Array) and isinstance(g, da.Array)
        np.testing.assert_allclose(y.compute(), f(x_np), rtol=1e-10)
        np.testing.assert_allclose(g.compute(), cr.grad(lambda x: cnp.sum(f(x)))(x_np),
                                   rtol=1e-10)
    with pytest.raises(NotImplementedError, match="dask"):
        la.det(a)


def test_adjugate_inverse_path_matches_svd_path():
    # Well-conditioned stacks take det(a) inv(a); the SVD formula is the reference.
    from chainrule._src.lax.adjugate import (_adjugate_from_inverse, _exclusive_products,
                                             _svd_parts)
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 6, 6)) + 1j * rng.standard_normal((3, 6, 6))
    uh, s, v, c = _svd_parts(np, a, "adjugate")
    reference = c[..., None, None] * ((v * _exclusive_products(np, s)[..., None, :]) @ uh)
    np.testing.assert_allclose(_adjugate_from_inverse(a), reference, rtol=1e-12, atol=1e-12)
    nearly_singular = np.diag([1.0, 1.0, 1e-12])
    assert _adjugate_from_inverse(nearly_singular) is None
    assert _adjugate_from_inverse(np.zeros((2, 2))) is None


@pytest.mark.parametrize("a", [with_real_spectrum(3), ROTATING.astype(np.float32),
                               np.stack([with_real_spectrum(3, seed=3), ROTATING.T]),
                               ZA, np.zeros((0, 0))])
def test_eig_of_plain_input_is_numpys_made_complex(a):
    ctype = np.result_type(a.dtype, np.complex64)
    w, v = np.linalg.eig(a)
    ours = la.eig(a)
    assert type(ours) is type(np.linalg.eig(a))
    assert_same_as_numpy(ours.eigenvalues, w.astype(ctype))
    assert_same_as_numpy(ours.eigenvectors, v.astype(ctype))
    assert_same_as_numpy(la.eigvals(a), np.linalg.eigvals(a).astype(ctype))
