"""Test cases for the higher-order primitives (jit_call, switch, while, scan, custom_call)
and checkpoint's barrier."""

import numpy as np
from primitive_cases import Case, uniform

import chainrule as cr
import chainrule.numpy as cnp
from chainrule._src.control.cond import stage_branch
from chainrule._src.control.custom import custom_call_params
from chainrule._src.control.pure_callback import pure_callback_params
from chainrule._src.control.scan import scan_call
from chainrule.tree_util import tree_flatten

x3, y3 = uniform((3,), 0.5, 1.5), uniform((3,), 0.5, 1.5, seed=1)

_sin_mul = cr.jit(lambda x, y: cnp.sin(x) * y + cnp.sum(x)).lower(x3, y3)
_branches = [stage_branch(lambda x, y: cnp.sin(x) * y, (x3, y3))[0],
             stage_branch(lambda x, y: x ** 2 + cnp.exp(y), (x3, y3))[0]]
_cond = stage_branch(lambda v: cnp.sum(v) < 10.0, (x3,))[0]
_body = stage_branch(lambda v: [v * 1.5 + 0.25], (x3,))[0]

CASES = [
    Case("jit_call", (x3, y3), {"compiled": _sin_mul}),
    Case("switch", (np.array(0), x3, y3), {"branches": tuple(_branches), "n_consts": (0, 0)}),
    Case("switch", (np.array(1), x3, y3), {"branches": tuple(_branches), "n_consts": (0, 0)}),
    Case("while", (x3,), {"cond_fn": _cond, "body_fn": _body, "n_cond": 0, "n_body": 0}),
    Case("remat_barrier", (x3, y3)),
]


def _scan_case(f, init, xs, reverse=False, note=""):
    leaves, tree = tree_flatten(xs)
    operands, params, _, _ = scan_call(f, init, leaves, tree, len(leaves[0]), reverse)
    return Case("scan", tuple(operands), params, note=note)


_xs = uniform((4, 3), 0.5, 1.5, seed=2)
CASES += [
    _scan_case(lambda c, x: (c * x + cnp.sin(c), c ** 2 * x), x3, _xs),
    _scan_case(lambda c, x: ((c[0] * x[0], c[1] + x[1]), cnp.tanh(c[0] + x[1])),
               (x3, 0.5), (_xs, _xs[:, 0]), reverse=True, note="pytree-reverse"),
]


@cr.custom_jvp
def _softplus(x):
    return cnp.log1p(cnp.exp(x))


_softplus.defjvp(lambda p, t: (_softplus(p[0]), t[0] / (1 + cnp.exp(-p[0]))))
_call_leaves, _, _call_params = custom_call_params(_softplus, _softplus.fun, (x3,))
CASES.append(Case("custom_call", tuple(_call_leaves), _call_params))

# pure_callback has no derivative (differentiating it raises, see test_pure_callback.py), so
# its cases have integer operands: values, abstract evaluation, vmap (per example and
# vectorized) and jit are checked here.
_k3, _k2 = np.array([3, 1, 2]), np.array([[1, 2], [3, 4]])


def _int_callback(a, b):
    # Written for leading batch axes too (vectorized=True): per-example sums, broadcasting.
    batch = np.broadcast_shapes(a.shape[:-1], b.shape[:-2])
    c = np.cumsum(a, axis=-1) * b.sum(axis=(-2, -1))[..., None]
    return np.broadcast_to(c, batch + (3,)), np.broadcast_to(np.int32(2) * b, batch + (2, 2))


for _vectorized in (False, True):
    _leaves, _, _params = pure_callback_params(
        _int_callback,
        (cr.ShapeDtypeStruct((3,), np.int64), cr.ShapeDtypeStruct((2, 2), np.int32)),
        (_k3, _k2.astype(np.int32)), vectorized=_vectorized)
    CASES.append(Case("pure_callback", tuple(_leaves), _params, differentiable=False,
                      note="vectorized" if _vectorized else "looped"))
