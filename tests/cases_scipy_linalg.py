"""Test cases for the primitives of chainrule.scipy.linalg (chainrule._src.lax.scipy_linalg).

Matrices are well conditioned and, for logm/sqrtm, have positive real spectra, so that
finite differences are accurate and the principal branches are real.
"""

import numpy as np
from cases_linalg import general, spd, vec
from primitive_cases import Case

CASES = []
add = CASES.extend

# --- matfun: expm, logm, sqrtm ------------------------------------------------------------
add([Case("matfun", (0.5 * vec((3, 3), 1),), {"fn": "expm"}),
     Case("matfun", (0.5 * vec((2, 2, 2), 2),), {"fn": "expm"}),
     Case("matfun", (np.array([[0.3]]),), {"fn": "expm"}),
     Case("matfun", (spd(3, seed=3) / 3,), {"fn": "logm"}),
     Case("matfun", (general(3, seed=4) / 4,), {"fn": "logm"}, note="nonsymmetric"),
     Case("matfun", (spd(2, (2,), 5) / 2,), {"fn": "sqrtm"}),
     Case("matfun", (general(3, seed=6) / 4,), {"fn": "sqrtm"}, note="nonsymmetric")])

# --- matfun_frechet: L_f(A, E) ------------------------------------------------------------
add([Case("matfun_frechet", (0.5 * vec((3, 3), 7), vec((3, 3), 8)), {"fn": "expm"}),
     Case("matfun_frechet", (0.5 * vec((2, 2, 2), 9), vec((2, 2), 10)), {"fn": "expm"}),
     Case("matfun_frechet", (general(2, seed=11) / 3, vec((2, 2), 12)), {"fn": "logm"})])

# --- sylvester: A X + X B = Q -------------------------------------------------------------
add([Case("sylvester", (general(3, seed=13), general(2, seed=14), vec((3, 2), 15))),
     Case("sylvester", (general(2, (2,), 16), general(2, seed=17), vec((2, 2), 18))),
     Case("sylvester", (general(1, seed=19), general(1, seed=20), vec((1, 1), 21)))])

# --- discrete_lyapunov: A X A^H - X + Q = 0 -----------------------------------------------
for method in ("direct", "bilinear"):
    add([Case("discrete_lyapunov", (0.3 * vec((3, 3), 22), vec((3, 3), 23)),
              {"method": method})])
add([Case("discrete_lyapunov", (0.3 * vec((2, 2, 2), 24), vec((2, 2), 25)),
          {"method": None})])

# --- lu and its pivots --------------------------------------------------------------------
add([Case("lu", (general(3, seed=26)[[2, 0, 1]],)), Case("lu", (vec((2, 3, 3), 27),)),
     Case("lu", (vec((1, 1), 28),)),
     Case("lu", (general(4, seed=39)[[3, 0, 2, 1], :2],), note="tall"),
     Case("lu", (general(2, (2,), 40)[..., ::-1, :] @ np.eye(2, 3) + 0.1 * vec((3,), 41),),
          note="wide")])
add([Case("lu_pivots_to_permutation", (np.array([2, 2, 2], np.int32),), {"n": 3},
          differentiable=False),
     Case("lu_pivots_to_permutation", (np.array([[1, 1], [0, 1]], np.int32),), {"n": 2},
          differentiable=False)])

# --- funm of symmetric matrices and its first and second Fréchet derivatives --------------
import chainrule.numpy as cnp  # noqa: E402

sym3 = spd(3, seed=29) / 4
repeated = np.diag([1.0, 1.0, 2.0])
add([Case("funm_sym", (sym3,), {"func": cnp.exp}),
     Case("funm_sym", (repeated,), {"func": cnp.sin}, note="repeated"),
     Case("funm_sym", (spd(2, (2,), 30) / 3,), {"func": cnp.exp}),
     # L1 and L2 are differentiable in the matrix to first and zeroth order respectively
     # (the third derivative of funm is not implemented); all orders in the directions.
     Case("funm_sym_d1", (sym3, vec((3, 3), 31)), {"func": cnp.exp}, order=1),
     Case("funm_sym_d1", (repeated, vec((3, 3), 32)), {"func": cnp.sin}, order=1,
          note="repeated"),
     Case("funm_sym_d2", (sym3, vec((3, 3), 33), vec((3, 3), 34)), {"func": cnp.exp},
          diff=(1, 2)),
     Case("funm_sym_d2", (repeated, vec((3, 3), 35), vec((2, 3, 3), 36)), {"func": cnp.sin},
          diff=(1, 2), note="repeated")])

# --- schur (real Schur form; real, distinct eigenvalues) ----------------------------------


def real_spectrum(n, batch=(), seed=0):
    s = general(n, batch, seed)
    w = np.linspace(-1.0, 2.0, n)
    return (s * w[..., None, :]) @ np.linalg.inv(s)


add([Case("schur", (real_spectrum(3, seed=37),)), Case("schur", (real_spectrum(2, (2,), 38),)),
     Case("schur", (np.array([[0.5]]),))])

# --- scipy_eigh (reads one triangle; "evd": eigenvector signs stable under perturbation) -
evd = {"driver": "evd"}
add([Case("scipy_eigh", (spd(3, seed=42),), {"lower": True, **evd}),
     Case("scipy_eigh", (spd(3, seed=43) + np.triu(vec((3, 3), 44), 1),),
          {"lower": True, **evd}, note="lopsided"),
     Case("scipy_eigh", (spd(3, seed=45) + np.tril(vec((3, 3), 46), -1),),
          {"lower": False, **evd}, note="lopsided-upper"),
     Case("scipy_eigh", (spd(2, (2,), 47),), {"lower": False, **evd}),
     Case("scipy_eigh", (np.array([[2.0]]),), {"lower": True, "driver": None})])
