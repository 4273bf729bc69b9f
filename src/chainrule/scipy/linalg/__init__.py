"""``scipy.linalg``'s API, differentiable: see ``docs/scipy-linalg.md``."""

from chainrule._src.scipy.linalg import (  # noqa: F401
    LinAlgError, block_diag, cho_factor, cho_solve, cholesky, circulant, det, eig, eigh,
    eigvals, eigvalsh, expm, expm_frechet, funm, hankel, inv, logm, lu, lu_factor, lu_solve,
    norm, pinv, polar, qr, schur, solve, solve_banded, solve_continuous_lyapunov,
    solve_discrete_lyapunov, solve_sylvester, solve_triangular, sqrtm, svd, svdvals, toeplitz)
from chainrule._src.scipy.linalg import __all__  # noqa: F401
