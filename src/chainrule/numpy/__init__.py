"""Differentiable NumPy: ``import chainrule.numpy as np`` and keep writing NumPy.

Outside every transform each function returns what NumPy (or the array library of its
inputs) returns; under ``grad``, ``jvp`` and the other transforms it is differentiated.
Traced values behave like ``numpy.ndarray`` (operators, methods, and plain NumPy functions
called on them); see ``chainrule._src.numpy.tracer_methods``.
"""

# Importing it gives traced values their array methods and operators.
from chainrule._src.numpy import tracer_methods as _tracer_methods  # noqa: F401
from chainrule._src.numpy.creation import (arange, array, asanyarray, asarray, ascontiguousarray,
                                           bool, bool_, broadcast, byte, bytes_, cdouble,
                                           character, clongdouble, complex128, complex256,
                                           complex64, copy, csingle, datetime64, double, empty,
                                           empty_like, eye, flexible, float128, float16, float32,
                                           float64, from_dlpack, full, full_like, geomspace,
                                           half, identity,
                                           int16, int32, int64, int8, int_, intc, intp, linspace,
                                           logspace, long, longdouble, longlong, meshgrid,
                                           ndenumerate, ndindex, object_, ones, ones_like, record,
                                           short, single, str_, timedelta64, tri, ubyte, ufunc,
                                           uint, uint16, uint32, uint64, uint8, uintc, uintp,
                                           ulong, ulonglong, ushort, void, zeros, zeros_like)
from chainrule._src.numpy.indexing import (argsort, at, choose, compress, extract, getitem,
                                           searchsorted, sort, sort_complex, take, take_along_axis)
from chainrule._src.numpy.index_tricks import c_, index_exp, mgrid, ogrid, r_, s_
from chainrule._src.numpy.manipulation import (append, array_split, astype, atleast_1d, atleast_2d,
                                               atleast_3d, broadcast_arrays, broadcast_shapes,
                                               broadcast_to, column_stack, concat, concatenate,
                                               diff, dsplit, dstack, expand_dims, flip, fliplr,
                                               flipud, hsplit, hstack, matrix_transpose, moveaxis,
                                               pad, permute_dims, ravel, repeat, reshape, roll,
                                               rollaxis, rot90, row_stack, select, split, squeeze,
                                               stack, swapaxes, tile, transpose, vsplit, vstack)
from chainrule._src.numpy.passthrough import (allclose, argwhere, array_equal, array_equiv,
                                              AxisError, can_cast, complexfloating, count_nonzero,
                                              diag_indices, diag_indices_from, dtype, e, errstate,
                                              euler_gamma, finfo, flatnonzero, floating, generic,
                                              iinfo, indices, inexact, inf, integer, isclose,
                                              iscomplexobj, isrealobj, isscalar, issubdtype,
                                              iterable, ix_, lexsort, mask_indices, nan, ndarray,
                                              ndim, newaxis, nonzero, number, packbits, pi,
                                              promote_types, ravel_multi_index, result_type, shape,
                                              signedinteger, size, tril_indices, tril_indices_from,
                                              triu_indices, triu_indices_from, unpackbits,
                                              unravel_index, unsignedinteger)
from chainrule._src.numpy.products import (cross, diag, diagflat, diagonal, dot, einsum, inner,
                                           kron, matmul, matvec, outer, tensordot, trace, tril,
                                           triu, vdot, vecdot, vecmat)
from chainrule._src.numpy.reductions import (all, amax, amin, any, argmax, argmin, average,
                                             cumprod, cumsum, cumulative_prod, cumulative_sum, max,
                                             mean, min, prod, ptp, std, sum, var)
from chainrule._src.numpy.ufuncs import (abs, absolute, acos, acosh, add, angle, arccos, arccosh,
                                         arcsin, arcsinh, arctan, arctan2, arctanh, around, asin,
                                         asinh, atan, atan2, atanh, bitwise_and, bitwise_count,
                                         bitwise_invert, bitwise_left_shift, bitwise_not,
                                         bitwise_or, bitwise_right_shift, bitwise_xor, cbrt, ceil,
                                         clip, conj, conjugate, copysign, cos, cosh, deg2rad,
                                         degrees, divide, divmod, ediff1d, equal, exp, exp2, expm1,
                                         fabs, fix, float_power, floor, floor_divide, fmax, fmin,
                                         fmod, frexp, gcd, greater, greater_equal, heaviside,
                                         hypot, i0, imag, invert, iscomplex, isfinite, isinf,
                                         isnan, isneginf, isposinf, isreal, lcm, ldexp, left_shift,
                                         less, less_equal, log, log10, log1p, log2, logaddexp,
                                         logaddexp2, logical_and, logical_not, logical_or,
                                         logical_xor, maximum, minimum, mod, modf, multiply,
                                         nan_to_num, negative, nextafter, not_equal, positive, pow,
                                         power, rad2deg, radians, real, real_if_close, reciprocal,
                                         remainder, right_shift, rint, round, sign, signbit, sin,
                                         sinc, sinh, spacing, sqrt, square, subtract, tan, tanh,
                                         true_divide, trunc, unwrap, where)
from chainrule._src.numpy.statistics import (argpartition, bincount, corrcoef, cov, digitize,
                                             histogram, histogram2d, histogram_bin_edges,
                                             histogramdd, median, nanargmax, nanargmin, nancumprod,
                                             nancumsum, nanmax, nanmean, nanmedian, nanmin,
                                             nanpercentile, nanprod, nanquantile, nanstd, nansum,
                                             nanvar, partition, percentile, quantile, unique)
from chainrule._src.numpy.polynomial import (convolve, correlate, gradient, interp, poly, polyadd,
                                             polyder, polydiv, polyfit, polyint, polymul, polysub,
                                             polyval, roots, trapezoid, vander)
from chainrule._src.numpy.editing import (asarray_chkfinite, asfortranarray, block, delete, insert,
                                          require, resize, trim_zeros, unstack)
from chainrule._src.numpy.functional import apply_along_axis, apply_over_axes, piecewise
from chainrule._src.numpy.vectorize import vectorize
from chainrule._src.numpy.setops import (intersect1d, isin, setdiff1d, setxor1d, union1d,
                                         unique_all, unique_counts, unique_inverse, unique_values)
from chainrule._src.numpy.windows import bartlett, blackman, hamming, hanning, kaiser
from chainrule.numpy import fft, linalg  # noqa: F401 - the submodules, as in NumPy

__all__ = [
    "AxisError", "abs", "absolute", "acos", "acosh", "add", "all", "allclose", "amax",
    "amin", "angle", "any", "append", "apply_along_axis", "apply_over_axes", "arange",
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax",
    "argmin", "argpartition", "argsort", "argwhere", "around", "array", "array_equal",
    "array_equiv", "array_split", "asanyarray", "asarray", "asarray_chkfinite",
    "ascontiguousarray", "asfortranarray", "asin", "asinh", "astype", "at", "atan", "atan2",
    "atanh", "atleast_1d", "atleast_2d", "atleast_3d", "average", "bartlett", "bincount",
    "bitwise_and", "bitwise_count", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "blackman", "block", "bool",
    "bool_", "broadcast", "broadcast_arrays", "broadcast_shapes", "broadcast_to", "byte",
    "bytes_", "c_", "can_cast", "cbrt", "cdouble", "ceil", "character", "choose", "clip",
    "clongdouble", "column_stack", "complex128", "complex256", "complex64",
    "complexfloating", "compress", "concat", "concatenate", "conj", "conjugate", "convolve",
    "copy", "copysign", "corrcoef", "correlate", "cos", "cosh", "count_nonzero", "cov",
    "cross", "csingle", "cumprod", "cumsum", "cumulative_prod", "cumulative_sum",
    "datetime64", "deg2rad", "degrees", "delete", "diag", "diag_indices",
    "diag_indices_from", "diagflat", "diagonal", "diff", "digitize", "divide", "divmod",
    "dot", "double", "dsplit", "dstack", "dtype", "e", "ediff1d", "einsum", "empty",
    "empty_like", "equal", "errstate", "euler_gamma", "exp", "exp2", "expand_dims", "expm1",
    "extract", "eye", "fabs", "finfo", "fix", "flatnonzero", "flexible", "flip", "fliplr",
    "flipud", "float128", "float16", "float32", "float64", "float_power", "floating",
    "floor", "floor_divide", "fmax", "fmin", "fmod", "frexp", "from_dlpack", "full",
    "full_like", "gcd",
    "generic", "geomspace", "getitem", "gradient", "greater", "greater_equal", "half",
    "hamming", "hanning", "heaviside", "histogram", "histogram2d", "histogram_bin_edges",
    "histogramdd", "hsplit", "hstack", "hypot", "i0", "identity", "iinfo", "imag",
    "index_exp", "indices", "inexact", "inf", "inner", "insert", "int16", "int32", "int64",
    "int8", "int_", "intc", "integer", "interp", "intersect1d", "intp", "invert", "isclose",
    "iscomplex", "iscomplexobj", "isfinite", "isin", "isinf", "isnan", "isneginf",
    "isposinf", "isreal", "isrealobj", "isscalar", "issubdtype", "iterable", "ix_",
    "kaiser", "kron", "lcm", "ldexp", "left_shift", "less", "less_equal", "lexsort",
    "linspace", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logspace", "long", "longdouble",
    "longlong", "mask_indices", "matmul", "matrix_transpose", "matvec", "max", "maximum",
    "mean", "median", "meshgrid", "mgrid", "min", "minimum", "mod", "modf", "moveaxis",
    "multiply", "nan", "nan_to_num", "nanargmax", "nanargmin", "nancumprod", "nancumsum",
    "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile",
    "nanstd", "nansum", "nanvar", "ndarray", "ndenumerate", "ndim", "ndindex", "negative",
    "newaxis", "nextafter", "nonzero", "not_equal", "number", "object_", "ogrid", "ones",
    "ones_like", "outer", "packbits", "pad", "partition", "percentile", "permute_dims",
    "pi", "piecewise", "vectorize", "poly", "polyadd", "polyder", "polydiv", "polyfit", "polyint",
    "polymul", "polysub", "polyval", "positive", "pow", "power", "prod", "promote_types",
    "ptp", "quantile", "r_", "rad2deg", "radians", "ravel", "ravel_multi_index", "real",
    "real_if_close", "reciprocal", "record", "remainder", "repeat", "require", "reshape",
    "resize", "result_type", "right_shift", "rint", "roll", "rollaxis", "roots", "rot90",
    "round", "row_stack", "s_", "searchsorted", "select", "setdiff1d", "setxor1d", "shape",
    "short", "sign", "signbit", "signedinteger", "sin", "sinc", "single", "sinh", "size",
    "sort", "sort_complex", "spacing", "split", "sqrt", "square", "squeeze", "stack", "std",
    "str_", "subtract", "sum", "swapaxes", "take", "take_along_axis", "tan", "tanh",
    "tensordot", "tile", "timedelta64", "trace", "transpose", "trapezoid", "tri", "tril",
    "tril_indices", "tril_indices_from", "trim_zeros", "triu", "triu_indices",
    "triu_indices_from", "true_divide", "trunc", "ubyte", "ufunc", "uint", "uint16",
    "uint32", "uint64", "uint8", "uintc", "uintp", "ulong", "ulonglong", "union1d",
    "unique", "unique_all", "unique_counts", "unique_inverse", "unique_values",
    "unpackbits", "unravel_index", "unsignedinteger", "unstack", "unwrap", "ushort",
    "vander", "var", "vdot", "vecdot", "vecmat", "void", "vsplit", "vstack", "where",
    "zeros", "zeros_like"
]
