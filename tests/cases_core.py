"""Test cases for the core primitives (elementwise, reductions, shape, indexing, products)."""

import numpy as np
from primitive_cases import UNARY_SHAPES, Case, binary_cases, uniform, unary_cases

CASES = []
add = CASES.extend

# --- elementwise ------------------------------------------------------------------------
for name in ("sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh", "arcsinh", "exp", "exp2",
             "expm1", "neg"):
    add(unary_cases(name, -1.2, 1.2))
for name in ("arcsin", "arccos", "arctanh"):
    add(unary_cases(name, -0.8, 0.8))
add(unary_cases("arccosh", 1.2, 3.0))
for name in ("log", "log2", "log10", "sqrt", "nonneg_sqrt"):
    add(unary_cases(name, 0.3, 3.0))
add(unary_cases("log1p", -0.5, 2.0))
add(unary_cases("cbrt", 0.3, 2.0))
add(unary_cases("cbrt", -2.0, -0.3))
add(unary_cases("abs", 0.2, 2.0) + unary_cases("abs", -2.0, -0.2))
for name in ("add", "sub", "mul", "maximum", "minimum", "arctan2", "hypot", "logaddexp",
             "logaddexp2"):
    add(binary_cases(name, lo=(-2.0, 0.5), hi=(-0.5, 2.0)))
add(binary_cases("div", lo=(-2.0, 0.5), hi=(2.0, 2.0)))
add([Case("scaled_sum", (uniform((3,)), uniform((3,), seed=1), uniform((3,), seed=2),
                         uniform((3,), seed=3))),
     Case("scaled_sum", (uniform((2, 3)), uniform((3,), seed=1), uniform((2, 1), seed=2),
                         uniform((), seed=3), uniform((1, 3), seed=4), 0.5)),
     Case("scaled_sum", (uniform(()), uniform(()), uniform((), seed=1), uniform((), seed=2)))])
add(binary_cases("pow", lo=(0.5, -1.5), hi=(2.0, 1.5)))
add([Case("pow", (np.array([0.0, 2.0]), 2.0), diff=(0,), note="zero-base")])
add([Case("pow", (np.array([-1.5, 2.0]), 3.0), diff=(0,), note="negative-base")])
# x ** 0 is the constant 1: every derivative is 0, at x == 0 too (no NaN at any order).
add([Case("pow", (np.array([0.0, 2.0]), 0.0), diff=(0,), order=3, note="zero-exponent"),
     Case("pow", (np.array([0.0, 2.0]), 0), diff=(0,), order=3, note="int-zero-exponent"),
     Case("pow", (np.array([0.0, 0.0, 2.0]), np.array([0.0, 2.0, 0.0])), diff=(0,), order=3,
          note="zero-exponent-array"),
     Case("pow", (np.array([0.0, 0.0, 2.0]), 1.0), diff=(0,), order=3, note="unit-exponent"),
     # 0 ** y for y > 0 is 0 near y: every derivative in y is 0.
     Case("pow", (np.array([0.0, 0.0, 2.0]), np.array([1.5, 0.5, 0.7])), diff=(1,), order=3,
          note="zero-base-exponent")])
add([Case("maximum", (np.array([1.0, 2.0]), np.array([1.0, 3.0])), order=1, note="tie",
          diff=(0,), atol=0.51)])
add(binary_cases("remainder", lo=(0.1, 1.1), hi=(0.9, 1.9)))
add(binary_cases("fmod", lo=(0.1, 1.1), hi=(0.9, 1.9)))
add(binary_cases("copysign", lo=(0.5, 0.5), hi=(2.0, 2.0)))
add(binary_cases("copysign", lo=(0.5, -2.0), hi=(2.0, -0.5)))

for name in ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
             "nextafter", "heaviside", "floor_divide"):
    add(binary_cases(name, lo=(0.1, 0.2), hi=(3.9, 3.7), differentiable=False))
for name in ("logical_not", "isnan", "isinf", "isfinite", "signbit", "floor", "ceil", "trunc",
             "rint", "sign", "isposinf", "isneginf"):
    add(unary_cases(name, 0.1, 0.9, differentiable=False))
add([Case("round", (uniform((3,), 0.1, 0.4),), {"decimals": 0}, differentiable=False),
     Case("round", (np.array([1.234, 2.345]),), {"decimals": 1}, differentiable=False)])
_ints = (np.array([5, 3, 12]), np.array([3, 6, 10]))
for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"):
    add([Case(name, _ints, differentiable=False)])
add([Case("invert", (np.array([1, 2, 3]),), differentiable=False)])
add([Case("gcd", (np.array([12, 7, 0]), np.array([20, 21, 5])), differentiable=False),
     Case("lcm", (np.array([4, 3]), np.array([[6, 5], [2, 9]])), differentiable=False),
     Case("bitwise_count", (np.array([7, 0, 255]),), differentiable=False)])
add(unary_cases("spacing", 0.1, 3.0, differentiable=False))
add([Case("ldexp", (uniform((2, 3)), np.array([1, -2, 0])), diff=(0,)),
     Case("ldexp", (uniform((3,), dtype=np.float32), np.array([[3], [-1]])), diff=(0,),
          atol=1e-3, rtol=1e-3, eps=1e-3),
     Case("frexp_exponent", (np.array([8.0, 0.75, 0.0, -3.0]),), differentiable=False),
     Case("frexp_exponent", (uniform((2, 2), 0.1, 50.0),), differentiable=False)])

add([Case("select", (np.array([True, False, True]), uniform((3,)), uniform((3,), seed=1))),
     Case("select", (np.array([[True], [False]]), uniform((2, 3)), 0.5), diff=(1,)),
     Case("select", (np.array(True), uniform((2,)), uniform((2, 2), seed=2)))])
add([Case("convert_element_type", (uniform((3,)),), {"dtype": np.dtype(np.float32)},
          atol=1e-3, rtol=1e-3, eps=1e-3),
     Case("convert_element_type", (uniform((2, 2)),), {"dtype": np.dtype(np.complex128)},
          order=1),
     Case("convert_element_type", (uniform((3,)),), {"dtype": np.dtype(np.int64)},
          differentiable=False)])
add([Case("real", (uniform((3,)),)), Case("imag", (uniform((3,)),)),
     Case("conj", (uniform((2, 2)),))])
add([Case("stop_gradient", (uniform((3,)),), differentiable=False)])

# --- reductions ---------------------------------------------------------------------------
x23 = uniform((2, 3, 4), 0.5, 2.0)
for name in ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod"):
    add([Case(name, (x23,), {"axes": (1,)}), Case(name, (x23,), {"axes": (0, 2)}),
         Case(name, (x23,), {"axes": (0, 1, 2)}), Case(name, (uniform((3,)),), {"axes": ()})])
add([Case("reduce_sum", (uniform((0, 3)),), {"axes": (0,)}),
     Case("reduce_prod", (np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0]]),), {"axes": (1,)},
          note="zeros"),
     Case("reduce_prod", (np.array([0.0, 2.0, 0.5, 3.0]),), {"axes": (0,)}, note="one-zero"),
     Case("reduce_max", (np.array([1.0, 3.0, 3.0]),), {"axes": (0,)}, order=1, atol=0.51,
          note="tie")])
for name in ("reduce_and", "reduce_or"):
    add([Case(name, (np.array([[True, False], [True, True]]),), {"axes": (1,)},
              differentiable=False)])
for name in ("argmax", "argmin"):
    add([Case(name, (x23,), {"axis": 1, "keepdims": False}, differentiable=False),
         Case(name, (x23,), {"axis": None, "keepdims": False}, differentiable=False),
         Case(name, (x23,), {"axis": 2, "keepdims": True}, differentiable=False)])
add([Case("cumsum", (x23,), {"axis": 1}), Case("cumsum", (uniform((5,)),), {"axis": 0}),
     Case("cumprod", (x23,), {"axis": 2}), Case("cumprod", (uniform((5,)),), {"axis": 0}),
     Case("cumprod", (np.array([1.5, 0.0, 2.0, 0.5]),), {"axis": 0}, note="zero"),
     Case("cumprod", (np.array([[0.0, 2.0, 0.0], [1.0, 2.0, 3.0]]),), {"axis": 1},
          note="zeros"),
     Case("cumprod", (np.array([1.5, 2.0, 0.0]),), {"axis": 0}, note="last-zero")])

# --- shape --------------------------------------------------------------------------------
add([Case("reshape", (x23,), {"shape": (4, 6)}), Case("reshape", (uniform(()),), {"shape": (1, 1)}),
     Case("transpose", (x23,), {"perm": (2, 0, 1)}),
     Case("broadcast_to", (uniform((3, 1)),), {"shape": (2, 3, 4)}),
     Case("broadcast_to", (uniform(()),), {"shape": (2,)}),
     Case("rev", (x23,), {"axes": (0, 2)}),
     Case("slice", (x23,), {"index": ((0, 2, 1), (None, None, -1), (1, 4, 2))}),
     Case("slice", (uniform((5,)),), {"index": ((1, 4, 1),)}),
     Case("embed_slice", (uniform((2, 2)),), {"index": ((1, 3, 1), (0, 4, 2)), "shape": (4, 4)}),
     Case("concatenate", (uniform((2, 3)), uniform((1, 3), seed=1)), {"axis": 0}),
     Case("concatenate", (uniform((2, 1)), uniform((2, 2), seed=1), uniform((2, 3), seed=2)),
          {"axis": 1})])

# --- indexing -----------------------------------------------------------------------------
ispec = (("a", 0), ("s", None, None, None))
add([Case("getitem", (x23, np.array([1, 0, 1])), {"spec": ispec}),
     Case("getitem", (x23,), {"spec": (("i", 1), ("n",), ("e",), ("s", 0, 3, 2))}),
     Case("getitem", (uniform((5,)), np.array([[0, 4], [4, 4]])), {"spec": (("a", 0),)}),
     Case("scatter_add", (uniform((5,)), uniform((3,), seed=1), np.array([0, 2, 0])),
          {"spec": (("a", 0),)}),
     Case("scatter_add", (uniform((3, 4)), uniform((4,), seed=1)),
          {"spec": (("s", 0, 2, None),)}),
     Case("scatter_set", (uniform((5,)), uniform((2,), seed=1), np.array([3, 1])),
          {"spec": (("a", 0),)}),
     Case("scatter_set", (uniform((3, 4)), 0.5), {"spec": (("i", 1),)}, diff=(0,))])

# --- sorting and gathers along an axis ----------------------------------------------------
_idx = np.array([[2, 0, 0, 1], [1, 1, 2, 0]])  # repeats: the transpose must accumulate
_sorted = np.array([[-1.5, -0.2, 0.3, 1.1], [0.1, 0.4, 0.9, 1.7]])
add([Case("sort", (x23,), {"axis": 1}), Case("sort", (x23,), {"axis": 2}),
     Case("sort", (uniform((5,)),), {"axis": 0}), Case("sort", (uniform((0, 3)),), {"axis": 0}),
     Case("argsort", (x23,), {"axis": 2}, differentiable=False),
     Case("argsort", (uniform((4,)),), {"axis": 0}, differentiable=False),
     Case("searchsorted", (_sorted[0], uniform((2, 3), seed=1)), {"side": "left"},
          differentiable=False),
     Case("searchsorted", (_sorted[1], np.array([0.4, 0.0, 2.0])), {"side": "right"},
          differentiable=False, note="ties"),
     Case("searchsorted", (_sorted, uniform((2, 5), seed=2)), {"side": "left"},
          differentiable=False, note="rows"),
     Case("take_along_axis", (uniform((2, 3)), _idx), {"axis": 1}, diff=(0,)),
     Case("take_along_axis", (uniform((3, 2)), _idx.T % 3), {"axis": 0}, diff=(0,)),
     Case("take_along_axis", (uniform((5,)), np.array([4, -1, 0])), {"axis": 0}, diff=(0,)),
     Case("scatter_add_along_axis", (uniform((2, 4)), _idx), {"axis": 1, "n": 3}, diff=(0,)),
     Case("scatter_add_along_axis", (uniform((3,)), np.array([0, 4, 0])), {"axis": 0, "n": 5},
          diff=(0,))])

# --- products -----------------------------------------------------------------------------
add([Case("matmul", (uniform((2, 3)), uniform((3, 4), seed=1))),
     Case("matmul", (uniform((5, 2, 3)), uniform((3, 2), seed=1))),
     Case("matmul", (uniform((1, 2, 3)), uniform((4, 3, 2), seed=1))),
     Case("einsum", (uniform((2, 3)), uniform((3, 4), seed=1)), {"subscripts": "ij,jk->ik"}),
     Case("einsum", (uniform((3, 3)),), {"subscripts": "ii->"}),
     Case("einsum", (uniform((3, 3)),), {"subscripts": "ii->i"}),
     Case("einsum", (uniform((2, 3)),), {"subscripts": "ij->"}),
     Case("einsum", (uniform((2, 3)), uniform((3,), seed=1), uniform((2,), seed=2)),
          {"subscripts": "ij,j,i->"}),
     Case("einsum", (uniform((2, 3, 4)), uniform((2, 4, 5), seed=1)),
          {"subscripts": "bij,bjk->bik"}),
     # Size-1 axes broadcast against the other operands, as in NumPy's einsum.
     Case("einsum", (uniform((1,)), uniform((3,), seed=1)), {"subscripts": "i,i->"},
          note="broadcast-dot"),
     Case("einsum", (uniform((1,)), uniform((3,), seed=1)), {"subscripts": "i,i->i"},
          note="broadcast"),
     Case("einsum", (uniform((2, 1)), uniform((3, 4), seed=1)), {"subscripts": "ij,jk->ik"},
          note="broadcast"),
     Case("einsum", (uniform((1, 3, 4)), uniform((2, 4, 1), seed=1)),
          {"subscripts": "bij,bjk->bik"}, note="broadcast"),
     Case("einsum", (uniform((1, 1)), uniform((3,), seed=1)), {"subscripts": "ii,i->"},
          note="broadcast-diagonal")])

# --- special functions ------------------------------------------------------------------
for _order in (0, 1, 2):
    add([Case("bessel_i", (uniform(s, -3.0, 3.0, seed=i),), {"order": _order})
         for i, s in enumerate(UNARY_SHAPES)])
add([Case("bessel_i", (np.array([0.0, 1e-8, 25.0]),), {"order": 0}, note="edges")])
