"""Property tests: reverse mode is the transpose of forward mode, for random programs."""

import numpy as np
from hypothesis import assume, given, settings
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

    def f(x, y, sizes=None):
        a, b = x, y
        for u, bi, swap in steps:
            a, b = UNARY[u](a), BINARY[bi](a, b)
            if swap:
                a, b = b, a
            if sizes is not None:
                sizes.append(max(np.max(np.abs(a)), np.max(np.abs(b))))
        return a * b + cnp.sum(b, axis=-1, keepdims=True) if np.ndim(b) else a * b
    return f


def _tame(f, x, y):
    """Whether central differences can judge ``f`` at ``(x, y)``: every intermediate value
    stays moderate and finite.  Random programs can build ``sin(exp(exp(exp(x))))``, whose
    phase moves by radians over any usable step, or overflow to ``inf`` inside a finite
    result; there no finite-difference step is right, whatever the derivative."""
    sizes = []
    with np.errstate(all="ignore"):
        f(x, y, sizes)
    return bool(np.all(np.isfinite(sizes)) and max(sizes) < 20)


def _inner(a, b):
    return float(np.sum(np.asarray(a) * np.asarray(b)))


@settings(max_examples=60, deadline=None)
@given(programs(), st.sampled_from(SHAPES), st.integers(0, 2 ** 31 - 1))
def test_vjp_is_transpose_of_jvp(f, shape, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
    assume(_tame(f, x, y))
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
    assume(_tame(f, x, y))
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
    assume(_tame(f, x, y))
    # Six composed ops can have large third derivatives, and the central-difference error
    # grows with eps**2 times them: a wrong derivative fails at every step, truncation error
    # goes away at a smaller one.
    for eps in (1e-5, 1e-6):
        try:
            cr.check_grads(f, (x, y), order=2, atol=1e-4, rtol=1e-4, eps=eps)
            return
        except AssertionError as e:
            error = e
    raise error
