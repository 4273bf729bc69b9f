"""``scipy.linalg``'s API, differentiable: see ``docs/scipy-linalg.md``."""

from chainrule._src.scipy.linalg import (LinAlgError, block_diag, cho_factor,  # noqa: F401
                                         cho_solve, cholesky, circulant, eigh, eigvalsh, expm,
                                         expm_frechet, funm, hankel, logm, lu, lu_factor,
                                         lu_solve, polar, qr, schur, solve,
                                         solve_banded,
                                         solve_continuous_lyapunov, solve_discrete_lyapunov,
                                         solve_sylvester, solve_triangular, sqrtm, toeplitz)
from chainrule._src.scipy.linalg import __all__  # noqa: F401
