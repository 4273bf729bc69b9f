"""Differentiable ``numpy.linalg``: ``import chainrule.numpy as np; np.linalg.solve(a, b)``."""

from chainrule._src.numpy.linalg import (cholesky, cond, cross, det, diagonal, eig, eigh,
                                         EighResult, EigResult, eigvals, eigvalsh, inv,
                                         LinAlgError, lstsq, matmul, matrix_norm, matrix_power,
                                         matrix_rank, matrix_transpose, multi_dot, norm, outer,
                                         pinv, qr, QRResult, slogdet, SlogdetResult, solve, svd,
                                         SVDResult, svdvals, tensordot, tensorinv, tensorsolve,
                                         trace, vecdot, vector_norm)

__all__ = [
    "EigResult", "EighResult", "LinAlgError", "QRResult", "SVDResult", "SlogdetResult",
    "cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh",
    "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
    "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
    "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
    "vector_norm"
]
