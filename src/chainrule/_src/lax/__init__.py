"""The primitives ("lax"): a closed set of operations with their rules."""

import sys as _sys

from ..interpreters import linearize as _linearize

# Primitives reached through their module (``lax.linalg.solve``, ``lax.fft.rfft``); adjugate
# defines det's derivative.
from . import _rules, adjugate, fft, linalg, scipy_linalg, special  # noqa: F401
from .elementwise import (abs, abs_p, add, add_p, arccos, arccos_p, arccosh, arccosh_p, arcsin,
                          arcsin_p, arcsinh, arcsinh_p, arctan, arctan2, arctan2_p, arctan_p,
                          arctanh, arctanh_p, bessel_i, bessel_i_p, bitwise_and, bitwise_and_p,
                          bitwise_count, bitwise_count_p, bitwise_or, bitwise_or_p, bitwise_xor,
                          bitwise_xor_p, cbrt, cbrt_p, ceil, ceil_p, conj, conj_p,
                          convert_element_type, convert_element_type_p, copysign, copysign_p, cos,
                          cos_p, cosh, cosh_p, div, div_p, elementwise, eq, eq_p, exp, exp2,
                          exp2_p, exp_p, expm1, expm1_p, floor, floor_divide, floor_divide_p,
                          floor_p, fmod, fmod_p, frexp_exponent, frexp_exponent_p, gcd, gcd_p, ge,
                          ge_p, gt, gt_p, heaviside, heaviside_p, hypot, hypot_p, imag, imag_p,
                          invert, invert_p, isfinite, isfinite_p, isinf, isinf_p, isnan, isnan_p,
                          isneginf, isneginf_p, isposinf, isposinf_p, lcm, lcm_p, ldexp, ldexp_p,
                          le, le_p, left_shift, left_shift_p, log, log10, log10_p, log1p, log1p_p,
                          log2, log2_p, log_p, logaddexp, logaddexp2, logaddexp2_p, logaddexp_p,
                          logical_and, logical_and_p, logical_not, logical_not_p, logical_or,
                          logical_or_p, logical_xor, logical_xor_p, lt, lt_p, maximum, maximum_p,
                          minimum, minimum_p, mul, mul_p, ne, ne_p, neg, neg_p, nextafter,
                          nextafter_p, nonneg_sqrt, nonneg_sqrt_p, pow, pow_p, real, real_p,
                          remainder, remainder_p, right_shift, right_shift_p, rint, rint_p, round,
                          round_p, scaled_sum, scaled_sum_p, select, select_p, sign, sign_p,
                          signbit, signbit_p, sin, sin_p, sinh, sinh_p, spacing, spacing_p, sqrt,
                          sqrt_p, stop_gradient_p, sub, sub_p, tan, tan_p, tanh, tanh_p, trunc,
                          trunc_p)
from .indexing import getitem, getitem_p, scatter_add_p, scatter_set_p
from .products import einsum, einsum_p, matmul, matmul_p
from .reductions import (argmax_p, argmin_p, cumprod, cumprod_p, cumsum, cumsum_p, reduce_and,
                         reduce_and_p, reduce_max, reduce_max_p, reduce_min, reduce_min_p,
                         reduce_or, reduce_or_p, reduce_prod, reduce_prod_p, reduce_sum,
                         reduce_sum_p)
from .shape import (broadcast_to, broadcast_to_p, concatenate, concatenate_p, embed_slice,
                    embed_slice_p, expand_dims, moveaxis, pad_zeros, reshape, reshape_p, rev,
                    rev_p, slice_axis, slice_p, static_slice, transpose, transpose_p)
from .sorting import (argsort, argsort_p, scatter_add_along_axis_p, searchsorted, searchsorted_p,
                      sort, sort_p, take_along_axis, take_along_axis_p)

__all__ = [
    "abs", "abs_p", "add", "add_p", "arccos", "arccos_p", "arccosh", "arccosh_p", "arcsin",
    "arcsin_p", "arcsinh", "arcsinh_p", "arctan", "arctan2", "arctan2_p", "arctan_p", "arctanh",
    "arctanh_p", "argmax_p", "argmin_p", "argsort", "argsort_p", "bessel_i", "bessel_i_p",
    "bitwise_and", "bitwise_and_p", "bitwise_count", "bitwise_count_p", "bitwise_or",
    "bitwise_or_p", "bitwise_xor", "bitwise_xor_p", "broadcast_to", "broadcast_to_p", "cbrt",
    "cbrt_p", "ceil", "ceil_p", "concatenate", "concatenate_p", "conj", "conj_p",
    "convert_element_type", "convert_element_type_p", "copysign", "copysign_p", "cos", "cos_p",
    "cosh", "cosh_p", "cumprod", "cumprod_p", "cumsum", "cumsum_p", "div", "div_p", "einsum",
    "einsum_p", "elementwise", "embed_slice", "embed_slice_p", "eq", "eq_p", "exp", "exp2",
    "exp2_p", "exp_p", "expand_dims", "expm1", "expm1_p", "floor", "floor_divide",
    "floor_divide_p", "floor_p", "fmod", "fmod_p", "frexp_exponent", "frexp_exponent_p", "gcd",
    "gcd_p", "ge", "ge_p", "getitem", "getitem_p", "gt", "gt_p", "heaviside", "heaviside_p",
    "hypot", "hypot_p", "imag", "imag_p", "invert", "invert_p", "isfinite", "isfinite_p",
    "isinf", "isinf_p", "isnan", "isnan_p", "isneginf", "isneginf_p", "isposinf", "isposinf_p",
    "lcm", "lcm_p", "ldexp", "ldexp_p", "le", "le_p", "left_shift", "left_shift_p", "log",
    "log10", "log10_p", "log1p", "log1p_p", "log2", "log2_p", "log_p", "logaddexp",
    "logaddexp2", "logaddexp2_p", "logaddexp_p", "logical_and", "logical_and_p", "logical_not",
    "logical_not_p", "logical_or", "logical_or_p", "logical_xor", "logical_xor_p", "lt", "lt_p",
    "matmul", "matmul_p", "maximum", "maximum_p", "minimum", "minimum_p", "moveaxis", "mul",
    "mul_p", "ne", "ne_p", "neg", "neg_p", "nextafter", "nextafter_p", "nonneg_sqrt",
    "nonneg_sqrt_p", "pad_zeros", "pow", "pow_p", "real", "real_p", "reduce_and",
    "reduce_and_p", "reduce_max", "reduce_max_p", "reduce_min", "reduce_min_p", "reduce_or",
    "reduce_or_p", "reduce_prod", "reduce_prod_p", "reduce_sum", "reduce_sum_p", "remainder",
    "remainder_p", "reshape", "reshape_p", "rev", "rev_p", "right_shift", "right_shift_p",
    "rint", "rint_p", "round", "round_p", "scaled_sum", "scaled_sum_p",
    "scatter_add_along_axis_p", "scatter_add_p", "scatter_set_p", "searchsorted",
    "searchsorted_p", "select", "select_p", "sign", "sign_p", "signbit", "signbit_p", "sin",
    "sin_p", "sinh", "sinh_p", "slice_axis", "slice_p", "sort", "sort_p", "spacing",
    "spacing_p", "sqrt", "sqrt_p", "static_slice", "stop_gradient_p", "sub", "sub_p",
    "take_along_axis", "take_along_axis_p", "tan", "tan_p", "tanh", "tanh_p", "transpose",
    "transpose_p", "trunc", "trunc_p"
]

# The rule helpers of ``_rules`` apply primitives of these modules, which define their rules
# with those helpers; ``elementwise`` is also the name of a helper, so look the modules up
# by full name.
_rules._elementwise, _rules._reductions, _rules._shape = (
    _sys.modules[f"{__name__}.{m}"] for m in ("elementwise", "reductions", "shape"))
# The tape lane of reverse mode transposes with these (``interpreters/linearize.py``).
_linearize._mul, _linearize._div, _linearize._neg = mul, div, neg
_linearize._unbroadcast, _linearize._reshape = _rules.unbroadcast, reshape
_linearize._broadcast_to = broadcast_to
_linearize._transpose, _linearize._matmul = transpose, matmul
