"""The array functions of ``creation``, ``indexing``, ``manipulation``, ``passthrough``,
``products``, ``reductions`` and ``ufuncs`` that the modules built on them use, as one
namespace: those modules write ``from . import base as cnp`` and call ``cnp.sum(...)``
without importing the public ``chainrule.numpy``, which imports them."""

from __future__ import annotations

from .creation import asarray, full, linspace, ones, zeros, zeros_like
from .indexing import argsort, at, getitem, searchsorted, sort, take, take_along_axis
from .manipulation import (astype, atleast_1d, atleast_2d, broadcast_to, concatenate, diff,
                           expand_dims, flip, matrix_transpose, moveaxis, ravel, reshape, roll,
                           squeeze, stack, swapaxes, transpose)
from .passthrough import ndim, result_type, shape, size
from .products import cross, diagonal, dot, matmul, outer, tensordot, trace, vecdot
from .reductions import (all, any, argmax, argmin, cumprod, cumsum, max, mean, min, prod, std, sum,
                         var)
from .ufuncs import (abs, add, clip, conj, divide, equal, exp, floor, i0, imag, isfinite, isnan,
                     less, less_equal, log, log1p, logaddexp, logical_and, logical_not, maximum,
                     minimum, multiply, real, remainder, sign, sinc, sqrt, subtract, true_divide,
                     where)

__all__ = ["asarray", "full", "linspace", "ones", "zeros", "zeros_like", "argsort", "at", "getitem",
           "searchsorted", "sort", "take", "take_along_axis", "astype", "atleast_1d", "atleast_2d",
           "broadcast_to", "concatenate", "diff", "expand_dims", "flip", "matrix_transpose",
           "moveaxis", "ravel", "reshape", "roll", "squeeze", "stack", "swapaxes", "transpose",
           "ndim", "result_type", "shape", "size", "cross", "diagonal", "dot", "matmul", "outer",
           "tensordot", "trace", "vecdot", "all", "any", "argmax", "argmin", "cumprod", "cumsum",
           "max", "mean", "min", "prod", "std", "sum", "var", "abs", "add", "clip", "conj",
           "divide", "equal", "exp", "floor", "i0", "imag", "isfinite", "isnan", "less",
           "less_equal", "log", "log1p", "logaddexp", "logical_and", "logical_not", "maximum",
           "minimum", "multiply", "real", "remainder", "sign", "sinc", "sqrt", "subtract",
           "true_divide", "where"]
