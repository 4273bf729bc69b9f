"""Registry cases for the primitives of chainrule.random (see primitive_cases.py)."""

import numpy as np

from primitive_cases import Case, uniform

U32 = np.uint32
_keys = (np.array([0, 0x13198A2E], U32), np.array([7, 0x03707344], U32))
_ctrs = (np.array([1, 0x243F6A88], U32), np.array([[2], [0x85A308D3]], U32))

CASES = [
    Case("threefry2x32", (*_keys, *_ctrs), differentiable=False),
    Case("threefry2x32", (U32(5), U32(6), np.arange(4, dtype=U32), U32(1)),
         differentiable=False, note="scalar-key"),
    Case("philox_bits", (np.array([0, 1], U32), np.array([3, 4], U32)), {"n": 5},
         differentiable=False),
    Case("random_poisson_quantile", (uniform((4,), 0.05, 0.95), uniform((4,), 0.5, 30.0)),
         differentiable=False),
    Case("random_binomial_quantile", (uniform((4,), 0.05, 0.95), np.array(12.0),
                                      uniform((4,), 0.1, 0.9, seed=3)), differentiable=False),
]
