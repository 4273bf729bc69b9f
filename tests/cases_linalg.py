"""Test cases for the linear-algebra primitives (chainrule._src.lax.linalg).

Matrices are well conditioned with well separated eigen/singular values, so that finite
differences are accurate and the eigen/singular vectors (fixed up to sign by LAPACK) move
smoothly.  Gauge-dependent outputs (the completion columns of ``full_matrices`` SVD and
``complete`` QR of non-square matrices, complex eigenvector phases) are checked through
gauge-independent functions in ``test_linalg.py`` instead.
"""

import numpy as np
from primitive_cases import Case, rng

CASES = []
add = CASES.extend


def general(n, batch=(), seed=0):
    """Diagonally dominant (so well-conditioned) non-symmetric matrices."""
    return rng(seed).uniform(-1, 1, batch + (n, n)) + (n + 1) * np.eye(n)


def spd(n, batch=(), seed=0):
    """Symmetric positive definite with distinct eigenvalues."""
    b = rng(seed).standard_normal(batch + (n, n))
    a = b @ np.swapaxes(b, -1, -2) + n * np.eye(n) + np.diag(np.arange(n, dtype=float))
    return (a + np.swapaxes(a, -1, -2)) / 2  # exactly symmetric


def symmetric(n, batch=(), seed=0):
    """Symmetric indefinite with well separated eigenvalues."""
    q, _ = np.linalg.qr(rng(seed).standard_normal(batch + (n, n)))
    w = np.linspace(-2.0, 3.0, n)
    a = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    return (a + np.swapaxes(a, -1, -2)) / 2  # exactly symmetric


def rect(m, n, batch=(), seed=0):
    """Rectangular with singular values spread between 1 and 3."""
    k = min(m, n)
    u, _ = np.linalg.qr(rng(seed).standard_normal(batch + (m, k)))
    v, _ = np.linalg.qr(rng(seed + 1).standard_normal(batch + (n, k)))
    s = np.linspace(3.0, 1.0, k)
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def with_real_spectrum(n, batch=(), seed=0):
    """Non-symmetric with distinct real eigenvalues (real eigenvectors)."""
    s = general(n, batch, seed)
    w = np.linspace(1.0, 3.0, n)
    return (s * w[..., None, :]) @ np.linalg.inv(s)


def vec(shape, seed=0):
    return rng(seed).uniform(-1, 1, shape)


# --- solve ------------------------------------------------------------------------------
for t in (False, True):
    add([Case("solve", (general(3), vec((3, 2), 1)), {"transpose_a": t}),
         Case("solve", (general(3, (2,)), vec((3, 1), 2)), {"transpose_a": t}),
         Case("solve", (general(2), vec((4, 2, 3), 3)), {"transpose_a": t})])
add([Case("solve", (general(1), vec((1, 1), 4)), {"transpose_a": False})])

# --- triangular_solve -------------------------------------------------------------------
for lower in (True, False):
    for trans in (False, True):
        p = {"lower": lower, "transpose_a": trans, "conjugate_a": False, "unit_diagonal": False}
        add([Case("triangular_solve", (general(3, seed=5), vec((3, 2), 6)), p)])
add([Case("triangular_solve", (general(3, (2,), 7), vec((3, 1), 8)),
          {"lower": True, "transpose_a": False, "conjugate_a": True, "unit_diagonal": True}),
     Case("triangular_solve", (general(2, seed=9), vec((3, 2, 2), 10)),
          {"lower": False, "transpose_a": True, "conjugate_a": False, "unit_diagonal": True})])

# --- tridiagonal_solve ---------------------------------------------------------------------
def diagonals(n, batch=(), seed=0):
    """Sub-, main and super-diagonal of a diagonally dominant tridiagonal matrix."""
    r = rng(seed)
    return (r.uniform(-1, 1, batch + (n,)), r.uniform(3, 4, batch + (n,)),
            r.uniform(-1, 1, batch + (n,)))


add([Case("tridiagonal_solve", diagonals(4) + (vec((4, 2), 1),)),
     Case("tridiagonal_solve", diagonals(3, (2,), 2) + (vec((3, 1), 3),)),
     Case("tridiagonal_solve", diagonals(3, seed=4) + (vec((2, 3, 2), 5),)),
     Case("tridiagonal_solve", diagonals(1, seed=6) + (vec((1, 1), 7),))])

# --- cholesky, det, slogdet ----------------------------------------------------------------
add([Case("cholesky", (spd(3),)), Case("cholesky", (spd(2, (3,), 1),)),
     Case("cholesky", (spd(1, seed=2),)),
     Case("cholesky", (spd(3, seed=3) + 0.1 * vec((3, 3), 4),), note="nonsymmetric")])
add([Case("det", (general(3),)), Case("det", (general(2, (2,), 1),)),
     Case("det", (-general(1, seed=2),)), Case("det", (general(3, seed=3)[[1, 0, 2]],),
                                                note="negative")])
_rank2 = rng(5).standard_normal((3, 2)) @ rng(6).standard_normal((2, 3))
add([Case("adjugate", (general(3),)), Case("adjugate", (general(2, (2,), 1),)),
     Case("adjugate", (general(1, seed=2),)), Case("adjugate", (_rank2,), order=1, note="singular"),
     Case("adjugate", (general(3, seed=3) + 1j * general(3, seed=4),), order=1,
          note="complex")])
add([Case("adjugate_jvp", (general(3), vec((3, 3), 1))),
     Case("adjugate_jvp", (general(2, (2,), 1), vec((2, 2), 2))),
     Case("adjugate_jvp", (_rank2, vec((3, 3), 3)), diff=(1,), note="singular"),
     Case("well_conditioned", (general(3),), {"what": "this test"})])
add([Case("slogdet", (general(3),)), Case("slogdet", (general(2, (2,), 1),)),
     Case("slogdet", (general(3, seed=3)[[1, 0, 2]],), note="negative")])

# --- eigendecompositions -------------------------------------------------------------------
L, U = {"lower": True}, {"lower": False}
add([Case("eigh", (spd(3),), L), Case("eigh", (symmetric(4, seed=1),), L),
     Case("eigh", (symmetric(3, (2,), 2),), U), Case("eigh", (spd(1, seed=3),), L),
     Case("eigh", (symmetric(3, seed=4) + 0.05 * vec((3, 3), 5),), L, note="nonsymmetric"),
     Case("eigh", (spd(3, seed=6),), U)])
# With a real spectrum the eigenvectors are real and LAPACK's sign choice is smooth, so the
# raw outputs match finite differences.  Complex eigenvectors carry a phase that LAPACK
# fixes differently from the derivative's gauge: those cases check values, vmap and jit,
# and test_linalg.py checks phase-independent quantities.
add([Case("eig", (with_real_spectrum(3),)), Case("eig", (with_real_spectrum(2, (2,), 1),)),
     Case("eig", (general(3, (2,), 1),), diff=(), note="complex-pair-values"),
     Case("eig", (np.array([[0.0, -1.0], [1.0, 0.5]]),), diff=(), note="complex-pair-values")])

# --- svd --------------------------------------------------------------------------------
for shape in ((3, 3), (4, 2), (2, 4), (2, 3, 2)):
    a = rect(*shape[-2:], batch=shape[:-2], seed=sum(shape))
    add([Case("svd", (a,), {"full_matrices": False, "compute_uv": True}),
         Case("svd", (a,), {"full_matrices": False, "compute_uv": False}),
         Case("svd", (a,), {"full_matrices": True, "compute_uv": False})])
add([Case("svd", (rect(3, 3, seed=11),), {"full_matrices": True, "compute_uv": True})])

# --- qr ---------------------------------------------------------------------------------
for shape in ((3, 3), (4, 2), (2, 4), (2, 3, 2)):
    a = rect(*shape[-2:], batch=shape[:-2], seed=20 + sum(shape))
    add([Case("qr", (a,), {"mode": "reduced"}), Case("qr", (a,), {"mode": "r"})])
add([Case("qr", (rect(3, 3, seed=30),), {"mode": "complete"}),
     Case("qr", (rect(2, 4, seed=31),), {"mode": "complete"})])

# --- pinv -------------------------------------------------------------------------------
add([Case("pinv", (rect(4, 2, seed=40), np.array(1e-15)), diff=(0,)),
     Case("pinv", (rect(2, 3, seed=41), np.array(1e-15)), diff=(0,)),
     Case("pinv", (rect(3, 2, (2,), 42), np.array([1e-15, 1e-10])), diff=(0,)),
     Case("pinv", (rect(3, 3, seed=43), np.array(1e-15)), diff=(0,))])
