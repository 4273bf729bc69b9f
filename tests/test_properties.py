"""Property tests: reverse mode is the transpose of forward mode, for random programs."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
import chainrule.numpy as cnp

UNARY = [cnp.sin, cnp.cos, cnp.tanh, cnp.exp, lambda x: cnp.log1p(x * x), cnp.arctan,
         lambda x: x ** 3, lambda x: cnp.sqrt(1 + x * x), cnp.square]
BINARY = [cnp.add, cnp.subtract, cnp.multiply, lambda a, b: a / (1 + b * b), cnp.hypot,
          cnp.logaddexp, lambda a, b: cnp.arctan2(a, 1 + b * b)]
SHAPES = [(), (3,), (2, 3)]


@st.composite
def programs(draw):
    """A random straight-line program of unary/binary ops and reductions."""
    steps = draw(st.lists(st.tuples(st.integers(0, len(UNARY) - 1),
                                    st.integers(0, len(BINARY) - 1),
                                    st.booleans()), min_size=1, max_size=6))

    def f(x, y):
        a, b = x, y
        for u, bi, swap in steps:
            a, b = UNARY[u](a), BINARY[bi](a, b)
            if swap:
                a, b = b, a
        return a * b + cnp.sum(b, axis=-1, keepdims=True) if np.ndim(b) else a * b
    return f


def _inner(a, b):
    return float(np.sum(np.asarray(a) * np.asarray(b)))


@settings(max_examples=60, deadline=None)
@given(programs(), st.sampled_from(SHAPES), st.integers(0, 2 ** 31 - 1))
def test_vjp_is_transpose_of_jvp(f, shape, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
    v = (rng.standard_normal(shape), rng.standard_normal(shape))
    out, tangent = cr.jvp(f, (x, y), v)
    u = rng.standard_normal(np.shape(out))
    _, f_vjp = cr.vjp(f, x, y)
    cx, cy = f_vjp(u)
    lhs = _inner(cx, v[0]) + _inner(cy, v[1])
    rhs = _inner(u, tangent)
    assert np.isclose(lhs, rhs, rtol=1e-9, atol=1e-9), (lhs, rhs)


@settings(max_examples=30, deadline=None)
@given(programs(), st.integers(0, 2 ** 31 - 1))
def test_jvp_is_linear_in_the_tangent(f, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1, 1, (3,)), rng.uniform(-1, 1, (3,))
    v1 = (rng.standard_normal(3), rng.standard_normal(3))
    v2 = (rng.standard_normal(3), rng.standard_normal(3))
    _, t1 = cr.jvp(f, (x, y), v1)
    _, t2 = cr.jvp(f, (x, y), v2)
    _, t12 = cr.jvp(f, (x, y), (2 * v1[0] - v2[0], 2 * v1[1] - v2[1]))
    np.testing.assert_allclose(t12, 2 * t1 - t2, rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(programs(), st.integers(0, 2 ** 31 - 1))
def test_random_programs_pass_check_grads(f, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1, 1, (2,)), rng.uniform(-1, 1, (2,))
    # A small step: six composed ops can have large third derivatives, and the central
    # difference error grows with eps**2 times them.
    cr.check_grads(f, (x, y), order=2, atol=1e-4, rtol=1e-4, eps=1e-5)
