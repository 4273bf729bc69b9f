"""Control flow and checkpointing under every transform."""

import tracemalloc

import numpy as np
import pytest

import chainrule as cr
import chainrule.lax as lax
import chainrule.numpy as cnp


def piecewise(x):
    return lax.cond(cnp.sum(x) > 0, lambda v: cnp.sin(v) * v, lambda v: cnp.exp(v), x)


def newton_sqrt(a):
    """sqrt(a) by Newton iterations until converged: a while_loop with a data-dependent
    number of steps."""
    def body(state):
        x, _ = state
        new = 0.5 * (x + a / x)
        return new, cnp.abs(new - x)
    x, _ = lax.while_loop(lambda s: cnp.max(s[1]) > 1e-13, body, (a, cnp.ones_like(a)))
    return x


@pytest.mark.parametrize("x", [np.array([0.3, 0.5]), np.array([-0.3, -0.5])])
def test_cond_derivatives(x):
    cr.check_grads(piecewise, (x,), order=2)
    np.testing.assert_allclose(cr.jit(piecewise)(x), piecewise(x))
    np.testing.assert_allclose(cr.grad(lambda v: cnp.sum(cr.jit(piecewise)(v)))(x),
                               cr.grad(lambda v: cnp.sum(piecewise(v)))(x))


def test_cond_under_vmap_selects_per_example():
    xs = np.array([[0.3, 0.5], [-0.3, -0.5]])
    np.testing.assert_allclose(cr.vmap(piecewise)(xs), [piecewise(x) for x in xs])
    out = cr.vmap(lambda x: lax.cond(x > 0, lambda v: v, lambda v: -v, x))(np.array([-2.0, 3.0]))
    np.testing.assert_allclose(out, [2.0, 3.0])


def test_switch_clamps_index():
    branches = [lambda x: x, lambda x: 2 * x, lambda x: 3 * x]
    assert lax.switch(7, branches, 1.0) == 3.0
    assert lax.switch(-1, branches, 1.0) == 1.0
    f = cr.jit(lambda i, x: lax.switch(i, branches, x))
    assert f(np.int64(1), 2.0) == 4.0 and f(np.int64(2), 2.0) == 6.0


def test_while_loop_is_reverse_differentiable():
    a = np.array([2.0, 9.0, 0.5])
    np.testing.assert_allclose(newton_sqrt(a), np.sqrt(a))
    g = cr.grad(lambda a: cnp.sum(newton_sqrt(a)))(a)
    np.testing.assert_allclose(g, 0.5 / np.sqrt(a), rtol=1e-10)
    cr.check_grads(newton_sqrt, (a,), order=2, modes=("rev", "fwd"))


def test_while_loop_under_jit_and_vmap():
    a = np.array([2.0, 9.0, 0.5])
    np.testing.assert_allclose(cr.jit(newton_sqrt)(a), np.sqrt(a))
    np.testing.assert_allclose(cr.vmap(newton_sqrt)(a), np.sqrt(a))
    g = cr.grad(lambda a: cnp.sum(cr.jit(newton_sqrt)(a)))(a)  # differentiate a compiled loop
    np.testing.assert_allclose(g, 0.5 / np.sqrt(a), rtol=1e-10)


def test_while_loop_reverse_mode_inside_jit_is_a_clear_error():
    with pytest.raises(TypeError, match="while_loop"):
        cr.jit(cr.grad(lambda a: cnp.sum(newton_sqrt(a))))(np.array([2.0]))


def test_fori_loop_and_scan():
    def power(x):
        return lax.fori_loop(0, 5, lambda i, v: v * x, 1.0)
    assert cr.grad(power)(2.0) == 5 * 2.0 ** 4
    cr.check_grads(power, (1.3,), order=2)

    def cumulative(xs):
        return lax.scan(lambda c, x: (c * x, c + x), 1.0, xs)
    xs = np.array([1.5, 2.0, 0.5, 3.0])
    carry, ys = cumulative(xs)
    assert carry == np.prod(xs)
    cr.check_grads(cumulative, (xs,), order=2)
    jc, jys = cr.jit(cumulative)(xs)
    np.testing.assert_allclose(jys, ys)
    g = cr.jit(cr.grad(lambda xs: cumulative(xs)[0]))(xs)
    np.testing.assert_allclose(g, np.prod(xs) / xs)
    rev = lax.scan(lambda c, x: (c + x, c), 0.0, xs, reverse=True)[1]
    np.testing.assert_allclose(rev, [5.5, 3.5, 3.0, 0.0])
    np.testing.assert_allclose(lax.map(cnp.sin, xs), np.sin(xs))


def test_non_scalar_predicate_is_a_clear_error():
    with pytest.raises(TypeError, match="must be a scalar.*all or .any"):
        lax.while_loop(lambda v: v > 0, lambda v: v - 1, np.array([1.0, 2.0]))


def test_scan_length_mismatch():
    with pytest.raises(ValueError, match="inconsistent lengths"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4)))


def test_checkpoint_gives_same_derivatives():
    def body(x):
        return cnp.tanh(cnp.sin(x) * 2.0 + x ** 2)
    x = np.array([0.2, -0.4])
    ck = cr.checkpoint(body)
    np.testing.assert_allclose(cr.jacrev(ck)(x), cr.jacrev(body)(x))
    np.testing.assert_allclose(cr.hessian(lambda v: cnp.sum(ck(v)))(x),
                               cr.hessian(lambda v: cnp.sum(body(v)))(x), atol=1e-12)
    with pytest.raises(ValueError, match="policy"):
        cr.checkpoint(body, policy="dots_saveable")


def _peak_bytes(fn, *args):
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_checkpointed_scan_body_stores_only_the_carries():
    n, steps = 20_000, 30

    def body(c, _):
        for _ in range(6):  # intermediates that a plain linearization keeps
            c = cnp.sin(c) * 1.0001 + 0.01
        return c, None

    def run(step):
        return lambda x: cnp.sum(lax.scan(step, x, None, length=steps)[0])
    x = np.linspace(0, 1, n)
    plain = _peak_bytes(cr.grad(run(body)), x)
    remat = _peak_bytes(cr.grad(run(cr.checkpoint(body))), x)
    carry_bytes = n * 8 * steps
    # The checkpointed body keeps the carries (plus a few working buffers), not the 6*2
    # intermediates per step that the plain version stores.
    assert remat < plain / 3, (plain, remat)
    assert remat < 3 * carry_bytes, (remat, carry_bytes)
    np.testing.assert_allclose(cr.grad(run(cr.checkpoint(body)))(x), cr.grad(run(body))(x))
