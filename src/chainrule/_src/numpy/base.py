"""The basic array functions as one namespace: everything that ``creation``, ``indexing``,
``manipulation``, ``passthrough``, ``products``, ``reductions`` and ``ufuncs`` export.

The modules built on them (``statistics``, ``linalg``, ``scipy/special``...) write
``from . import base as cnp`` and call ``cnp.sum(...)``; they cannot import the public
``chainrule.numpy``, which imports them."""

from __future__ import annotations

from .creation import (arange, array, asanyarray, asarray, ascontiguousarray, bool, bool_,
                       broadcast, byte, bytes_, cdouble, character, clongdouble, complex128,
                       complex256, complex64, copy, csingle, datetime64, double, empty, empty_like,
                       eye, flexible, float128, float16, float32, float64, full, full_like,
                       geomspace, half, identity, int16, int32, int64, int8, int_, intc, intp,
                       linspace, logspace, long, longdouble, longlong, meshgrid, ndenumerate,
                       ndindex, object_, ones, ones_like, record, short, single, str_, timedelta64,
                       tri, ubyte, ufunc, uint, uint16, uint32, uint64, uint8, uintc, uintp, ulong,
                       ulonglong, ushort, void, zeros, zeros_like)
from .indexing import (argsort, at, choose, compress, extract, getitem, searchsorted, sort,
                       sort_complex, take, take_along_axis)
from .manipulation import (append, array_split, astype, atleast_1d, atleast_2d, atleast_3d,
                           broadcast_arrays, broadcast_shapes, broadcast_to, column_stack, concat,
                           concatenate, diff, dsplit, dstack, expand_dims, flip, fliplr, flipud,
                           hsplit, hstack, matrix_transpose, moveaxis, pad, permute_dims, ravel,
                           repeat, reshape, roll, rollaxis, rot90, row_stack, select, split,
                           squeeze, stack, swapaxes, tile, transpose, vsplit, vstack)
from .passthrough import (allclose, argwhere, array_equal, array_equiv, AxisError, can_cast,
                          complexfloating, count_nonzero, diag_indices, diag_indices_from, dtype,
                          e, errstate, euler_gamma, finfo, flatnonzero, floating, generic, iinfo,
                          indices, inexact, inf, integer, isclose, iscomplexobj, isrealobj,
                          isscalar, issubdtype, iterable, ix_, lexsort, mask_indices, nan, ndarray,
                          ndim, newaxis, nonzero, number, packbits, pi, promote_types,
                          ravel_multi_index, result_type, shape, signedinteger, size, tril_indices,
                          tril_indices_from, triu_indices, triu_indices_from, unpackbits,
                          unravel_index, unsignedinteger)
from .products import (cross, diag, diagflat, diagonal, dot, einsum, inner, kron, matmul, matvec,
                       outer, tensordot, trace, tril, triu, vdot, vecdot, vecmat)
from .reductions import (all, amax, amin, any, argmax, argmin, average, cumprod, cumsum,
                         cumulative_prod, cumulative_sum, max, mean, min, prod, ptp, std, sum, var)
from .ufuncs import (abs, absolute, acos, acosh, add, angle, arccos, arccosh, arcsin, arcsinh,
                     arctan, arctan2, arctanh, around, asin, asinh, atan, atan2, atanh,
                     bitwise_and, bitwise_count, bitwise_invert, bitwise_left_shift, bitwise_not,
                     bitwise_or, bitwise_right_shift, bitwise_xor, cbrt, ceil, clip, conj,
                     conjugate, copysign, cos, cosh, deg2rad, degrees, divide, divmod, ediff1d,
                     equal, exp, exp2, expm1, fabs, fix, float_power, floor, floor_divide, fmax,
                     fmin, fmod, frexp, gcd, greater, greater_equal, heaviside, hypot, i0, imag,
                     invert, iscomplex, isfinite, isinf, isnan, isneginf, isposinf, isreal, lcm,
                     ldexp, left_shift, less, less_equal, log, log10, log1p, log2, logaddexp,
                     logaddexp2, logical_and, logical_not, logical_or, logical_xor, maximum,
                     minimum, mod, modf, multiply, nan_to_num, negative, nextafter, not_equal,
                     positive, pow, power, rad2deg, radians, real, real_if_close, reciprocal,
                     remainder, right_shift, rint, round, sign, signbit, sin, sinc, sinh, spacing,
                     sqrt, square, subtract, tan, tanh, true_divide, trunc, unwrap, where)

__all__ = [
    "AxisError", "abs", "absolute", "acos", "acosh", "add", "all", "allclose", "amax", "amin",
    "angle", "any", "append", "arange", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "argmax", "argmin", "argsort", "argwhere", "around", "array",
    "array_equal", "array_equiv", "array_split", "asanyarray", "asarray", "ascontiguousarray",
    "asin", "asinh", "astype", "at", "atan", "atan2", "atanh", "atleast_1d", "atleast_2d",
    "atleast_3d", "average", "bitwise_and", "bitwise_count", "bitwise_invert",
    "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor",
    "bool", "bool_", "broadcast", "broadcast_arrays", "broadcast_shapes", "broadcast_to",
    "byte", "bytes_", "can_cast", "cbrt", "cdouble", "ceil", "character", "choose", "clip",
    "clongdouble", "column_stack", "complex128", "complex256", "complex64", "complexfloating",
    "compress", "concat", "concatenate", "conj", "conjugate", "copy", "copysign", "cos", "cosh",
    "count_nonzero", "cross", "csingle", "cumprod", "cumsum", "cumulative_prod",
    "cumulative_sum", "datetime64", "deg2rad", "degrees", "diag", "diag_indices",
    "diag_indices_from", "diagflat", "diagonal", "diff", "divide", "divmod", "dot", "double",
    "dsplit", "dstack", "dtype", "e", "ediff1d", "einsum", "empty", "empty_like", "equal",
    "errstate", "euler_gamma", "exp", "exp2", "expand_dims", "expm1", "extract", "eye", "fabs",
    "finfo", "fix", "flatnonzero", "flexible", "flip", "fliplr", "flipud", "float128",
    "float16", "float32", "float64", "float_power", "floating", "floor", "floor_divide", "fmax",
    "fmin", "fmod", "frexp", "full", "full_like", "gcd", "generic", "geomspace", "getitem",
    "greater", "greater_equal", "half", "heaviside", "hsplit", "hstack", "hypot", "i0",
    "identity", "iinfo", "imag", "indices", "inexact", "inf", "inner", "int16", "int32",
    "int64", "int8", "int_", "intc", "integer", "intp", "invert", "isclose", "iscomplex",
    "iscomplexobj", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "isrealobj",
    "isscalar", "issubdtype", "iterable", "ix_", "kron", "lcm", "ldexp", "left_shift", "less",
    "less_equal", "lexsort", "linspace", "log", "log10", "log1p", "log2", "logaddexp",
    "logaddexp2", "logical_and", "logical_not", "logical_or", "logical_xor", "logspace", "long",
    "longdouble", "longlong", "mask_indices", "matmul", "matrix_transpose", "matvec", "max",
    "maximum", "mean", "meshgrid", "min", "minimum", "mod", "modf", "moveaxis", "multiply",
    "nan", "nan_to_num", "ndarray", "ndenumerate", "ndim", "ndindex", "negative", "newaxis",
    "nextafter", "nonzero", "not_equal", "number", "object_", "ones", "ones_like", "outer",
    "packbits", "pad", "permute_dims", "pi", "positive", "pow", "power", "prod",
    "promote_types", "ptp", "rad2deg", "radians", "ravel", "ravel_multi_index", "real",
    "real_if_close", "reciprocal", "record", "remainder", "repeat", "reshape", "result_type",
    "right_shift", "rint", "roll", "rollaxis", "rot90", "round", "row_stack", "searchsorted",
    "select", "shape", "short", "sign", "signbit", "signedinteger", "sin", "sinc", "single",
    "sinh", "size", "sort", "sort_complex", "spacing", "split", "sqrt", "square", "squeeze",
    "stack", "std", "str_", "subtract", "sum", "swapaxes", "take", "take_along_axis", "tan",
    "tanh", "tensordot", "tile", "timedelta64", "trace", "transpose", "tri", "tril",
    "tril_indices", "tril_indices_from", "triu", "triu_indices", "triu_indices_from",
    "true_divide", "trunc", "ubyte", "ufunc", "uint", "uint16", "uint32", "uint64", "uint8",
    "uintc", "uintp", "ulong", "ulonglong", "unpackbits", "unravel_index", "unsignedinteger",
    "unwrap", "ushort", "var", "vdot", "vecdot", "vecmat", "void", "vsplit", "vstack", "where",
    "zeros", "zeros_like"
]
