"""Control flow and checkpointing under every transform."""

import functools
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
import chainrule.lax as lax
import chainrule.numpy as cnp
from chainrule.tree_util import tree_leaves


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


def _cube_sum(a):
    return cnp.sum(newton_sqrt(a) ** 3)  # sum(a ** 1.5)


def test_while_loop_is_reverse_differentiable_under_jit_in_both_orders():
    a = np.array([2.0, 9.0, 0.5])
    exact = 1.5 * np.sqrt(a)
    eager = cr.grad(_cube_sum)(a)
    np.testing.assert_allclose(eager, exact, rtol=1e-12)
    for g in (cr.jit(cr.grad(_cube_sum)), cr.grad(cr.jit(_cube_sum)),
              cr.jit(cr.grad(cr.jit(_cube_sum)))):
        np.testing.assert_allclose(g(a), eager, rtol=1e-13)
    source = cr.jit(cr.grad(_cube_sum)).lower(a).source
    assert "while_residuals" in source and "while_linear_transpose" in source
    # Second order through the compiled gradient (its loops then run on the outer trace),
    # both modes against finite differences.
    cr.check_grads(cr.jit(cr.grad(_cube_sum)), (a,), order=2, modes=("fwd", "rev"))
    cr.check_grads(cr.jit(newton_sqrt), (a,), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(cr.grad(lambda v: cnp.sum(cr.jit(cr.grad(_cube_sum))(v)))(a),
                               0.75 / np.sqrt(a), rtol=1e-10)


def test_jacobians_of_while_loop_under_jit():
    a = np.array([2.0, 9.0, 0.5])
    jac = np.diag(0.5 / np.sqrt(a))
    hess = np.diag(0.75 / np.sqrt(a))
    np.testing.assert_allclose(cr.jit(cr.jacrev(newton_sqrt))(a), jac, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cr.jit(cr.jacfwd(newton_sqrt))(a), jac, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cr.jit(lambda v: cr.jvp(newton_sqrt, (v,), (v,))[1])(a),
                               0.5 * np.sqrt(a), rtol=1e-12)
    np.testing.assert_allclose(cr.jit(lambda v: cr.linearize(newton_sqrt, v)[1](v))(a),
                               0.5 * np.sqrt(a), rtol=1e-12)
    for h in (cr.jit(cr.jacrev(cr.jacfwd(_cube_sum))), cr.jit(cr.jacfwd(cr.jacfwd(_cube_sum))),
              cr.hessian(cr.jit(_cube_sum)), cr.jacfwd(cr.jit(cr.grad(_cube_sum)))):
        np.testing.assert_allclose(h(a), hess, rtol=1e-10, atol=1e-14)


def test_reverse_over_reverse_of_while_loop_inside_jit_is_a_clear_error():
    with pytest.raises(TypeError, match=r"jit\(hessian\(f\)\).*outside jit"):
        cr.jit(cr.hessian(_cube_sum))(np.array([2.0]))


def test_vmap_of_while_loop_gradient_under_jit():
    # The examples need different numbers of iterations: those done first must stay put,
    # in the primal loop and in the backward loop.
    a = np.array([[2.0], [9.0], [0.5], [1e-3]])
    expected = np.stack([cr.grad(_cube_sum)(x) for x in a])
    for g in (cr.vmap(cr.jit(cr.grad(_cube_sum))), cr.jit(cr.vmap(cr.grad(_cube_sum))),
              cr.vmap(cr.grad(_cube_sum))):
        np.testing.assert_allclose(g(a), expected, rtol=1e-12)
    # Two examples share one argument (not batched): its cotangents are summed.
    def f(x, y):
        return cnp.sum(lax.while_loop(lambda v: cnp.sum(v) < 10.0, lambda v: v * x + y, x))
    xs, y = np.array([[1.5, 1.2], [1.1, 1.3]]), np.array([0.1, 0.2])
    expected = [cr.grad(f, argnums=(0, 1))(x, y) for x in xs]
    got = cr.jit(cr.vmap(cr.grad(f, argnums=(0, 1)), in_axes=(0, None)))(xs, y)
    np.testing.assert_allclose(got[0], np.stack([e[0] for e in expected]), rtol=1e-12)
    np.testing.assert_allclose(got[1], np.stack([e[1] for e in expected]), rtol=1e-12)


def test_vmap_of_while_loop_gradient_under_jit_with_a_constant_carry_entry():
    # A carry entry without derivative (here stop_gradient, like an adaptive step size)
    # has a symbolic zero cotangent, which the vmapped backward pass must accept.
    def f(p):
        def body(s):
            x, h = s
            return x * p + h, cr.stop_gradient(h * 0.5)
        return lax.while_loop(lambda s: s[0] < 10.0, body, (1.0, 1.0))[0]

    ps = np.array([1.5, 1.2])
    expected = [cr.grad(f)(p) for p in ps]
    np.testing.assert_allclose(cr.vmap(cr.grad(f))(ps), expected, rtol=1e-14)
    np.testing.assert_allclose(cr.jit(cr.vmap(cr.grad(f)))(ps), expected, rtol=1e-14)


def test_while_loop_with_counter_and_traced_trip_count_under_jit():
    def power(x, n):
        return lax.fori_loop(0, n, lambda i, v: v * x + i, x)
    for n in (0, 1, 5):
        g = cr.jit(cr.grad(power))(1.3, np.int64(n))
        assert g == pytest.approx(cr.grad(power)(1.3, n), rel=1e-13)

    def several(x, y):
        def body(c):
            k, (u, v), w = c
            return k + 1, (u * cnp.sin(x) + v, v * 0.5 + y), w
        k, (u, v), w = lax.while_loop(lambda c: c[0] < 4, body, (0, (x, 2.0 * y), cnp.ones(2)))
        return cnp.sum(u) + cnp.sum(v * v) + cnp.sum(w)
    x, y = np.array([0.3, 0.7]), np.array([1.1, -0.4])
    for e, g in zip(cr.grad(several, argnums=(0, 1))(x, y),
                    cr.jit(cr.grad(several, argnums=(0, 1)))(x, y)):
        np.testing.assert_allclose(g, e, rtol=1e-13)
    cr.check_grads(cr.jit(cr.grad(lambda v: several(v, y))), (x,), order=2, modes=("fwd", "rev"))


def test_batched_while_loop_under_jit_and_nested_vmap():
    a = np.array([[2.0, 9.0], [0.5, 3.0]])
    np.testing.assert_allclose(cr.jit(cr.vmap(newton_sqrt))(a), np.sqrt(a))
    double = cr.vmap(cr.vmap(lambda x: lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x)))
    np.testing.assert_allclose(double(a), [[16.0, 18.0], [16.0, 12.0]])
    np.testing.assert_allclose(cr.jit(double)(a), [[16.0, 18.0], [16.0, 12.0]])
    # A condition that does not vary over the batch keeps unbatched carries unbatched.
    out = cr.jit(cr.vmap(lambda x, n: lax.fori_loop(0, n, lambda i, v: v + x, 0.0),
                         in_axes=(0, None)))(np.array([1.0, 2.0]), np.int64(3))
    np.testing.assert_allclose(out, [3.0, 6.0])


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
    with pytest.raises(ValueError, match="unknown policy 'bogus'.*dots_saveable"):
        cr.checkpoint(body, policy="bogus")
    with pytest.raises(TypeError, match="policy must be a name or a callable"):
        cr.checkpoint(body, policy=3)


_W = np.random.default_rng(0).standard_normal((3, 3)) * 0.5


def _dense_body(x):
    h = cnp.tanh(x @ _W)
    return cnp.sin(cnp.einsum("ij,kj->ik", h, _W)) * x


def _sin_only(prim, *avals, **params):
    return prim.name == "sin"


POLICIES = [None, "nothing_saveable", "dots_saveable", "save_dots", "everything_saveable",
            cr.checkpoint_policies.dots_saveable, _sin_only]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: getattr(p, "__name__", str(p)))
def test_checkpoint_policies_give_the_same_derivatives(policy):
    x = np.random.default_rng(1).standard_normal((2, 3))
    ck = cr.checkpoint(_dense_body, policy=policy)

    def f(v):
        return cnp.sum(ck(v) ** 2)

    def ref(v):
        return cnp.sum(_dense_body(v) ** 2)
    g = cr.grad(ref)(x)
    cr.check_grads(f, (x,), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(cr.grad(f)(x), g, rtol=1e-13)
    np.testing.assert_allclose(cr.jit(cr.grad(f))(x), g, rtol=1e-13)
    np.testing.assert_allclose(cr.grad(cr.jit(f))(x), g, rtol=1e-13)
    np.testing.assert_allclose(cr.vmap(cr.grad(f))(np.stack([x, 2 * x])),
                               np.stack([g, cr.grad(ref)(2 * x)]), rtol=1e-13)
    np.testing.assert_allclose(cr.hessian(f)(x), cr.hessian(ref)(x), atol=1e-12)
    xs = np.stack([x, 2 * x])
    g_mapped = cr.grad(lambda v: cnp.sum(cr.vmap(_dense_body)(v) ** 2))(xs)
    for mapped in (cr.grad(lambda v: cnp.sum(cr.vmap(ck)(v) ** 2)),  # vmap inside grad
                   cr.jit(cr.grad(lambda v: cnp.sum(cr.vmap(ck)(v) ** 2)))):
        np.testing.assert_allclose(mapped(xs), g_mapped, rtol=1e-13)
    cr.check_grads(lambda v: cnp.sum(cr.vmap(ck)(v) ** 2), (xs,), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(cr.jvp(cr.grad(f), (x,), (x,))[1],
                               cr.jvp(cr.grad(ref), (x,), (x,))[1], rtol=1e-12)


def test_checkpoint_policy_is_asked_about_each_primitive():
    seen = []

    def policy(prim, *avals, **params):
        seen.append((prim.name, tuple(a.shape for a in avals)))
        return False
    cr.grad(lambda x: cnp.sum(cr.checkpoint(_dense_body, policy=policy)(x)))(np.ones((2, 3)))
    assert ("matmul", ((2, 3), (3, 3))) in seen and ("sin", ((2, 3),)) in seen


def test_checkpoint_that_recomputes_differently_is_a_clear_error():
    calls = []

    def moody(x):
        calls.append(1)
        return cnp.sin(x) if len(calls) == 1 else cnp.sin(cnp.sin(x))
    f = cr.checkpoint(moody, policy=_sin_only)
    with pytest.raises(RuntimeError, match="different operations when it was recomputed"):
        cr.grad(lambda x: cnp.sum(f(x)))(np.ones(2))


def _peak_bytes(fn, *args):
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _scan_grad_peaks(m=2500, k=8, steps=30, mode="eager"):
    """Peak bytes of the gradient of a ``steps``-step scan over (m, k) carries whose body
    is one matrix product followed by 15 elementwise operations, plain and checkpointed
    under each policy; ``mode`` "jit" compiles the gradient, "vmap" maps the scan over four
    quarters of the carry inside the gradient."""
    w = np.random.default_rng(0).standard_normal((k, k)) / np.sqrt(k)

    def body(c, _):
        h = c @ w
        for _ in range(5):
            h = cnp.sin(h) * 1.0001 + 0.01
        return h, None

    def run(step):
        def loop(x):
            return lax.scan(step, x, None, length=steps)[0]
        if mode == "vmap":
            g = cr.grad(lambda x: cnp.sum(cr.vmap(loop)(x)))
        else:
            g = cr.grad(lambda x: cnp.sum(loop(x)))
        return cr.jit(g) if mode == "jit" else g
    x = np.random.default_rng(1).standard_normal((m, k))
    if mode == "vmap":
        x = x.reshape(4, m // 4, k)
    plain = run(body)
    expected = plain(x)  # also compiles, under jit: only the call itself is measured
    peaks = {"plain": _peak_bytes(plain, x)}
    for policy in ("nothing_saveable", "dots_saveable", "everything_saveable"):
        fn = run(cr.checkpoint(body, policy=policy))
        np.testing.assert_allclose(fn(x), expected, rtol=1e-12)
        peaks[policy] = _peak_bytes(fn, x)
    return peaks, m * k * 8 * steps


@pytest.mark.parametrize("mode", ["eager", "jit", "vmap"])
def test_checkpoint_policies_store_what_they_say(mode):
    peaks, step_bytes = _scan_grad_peaks(mode=mode)  # step_bytes: one array per step
    plain, nothing, dots = peaks["plain"], peaks["nothing_saveable"], peaks["dots_saveable"]
    # nothing_saveable keeps the carries (one array per step) plus a few working buffers;
    # the plain gradient keeps several intermediates per step.
    assert nothing < 1.5 * step_bytes < plain / 2.5, peaks
    # dots_saveable keeps the carries and the products' outputs: one array per step more.
    assert abs((dots - nothing) - step_bytes) < 0.15 * step_bytes, peaks
    assert abs(peaks["everything_saveable"] - plain) < 0.1 * step_bytes, peaks


@pytest.mark.parametrize("policy", [None, "dots_saveable"])
def test_checkpointed_while_loop_under_jit_and_vmap(policy):
    w = np.array([[1.0, 0.2], [0.1, 0.9]])

    def f(a):
        return cnp.sum(newton_sqrt(a @ w) ** 3)
    a = np.array([2.0, 9.0])
    expected = cr.grad(f)(a)
    ck = cr.checkpoint(f, policy=policy)
    for g in (cr.grad(ck), cr.jit(cr.grad(ck)), cr.grad(cr.jit(ck))):
        np.testing.assert_allclose(g(a), expected, rtol=1e-12)
    for g in (cr.vmap(cr.grad(ck)), cr.jit(cr.vmap(cr.grad(ck)))):
        np.testing.assert_allclose(g(np.stack([a, 2 * a])),
                                   np.stack([expected, cr.grad(f)(2 * a)]), rtol=1e-12)


_WS = np.random.default_rng(3).standard_normal((3, 3)) * 0.5


def _rnn(x, ws):
    def step(c, w):
        h = cnp.tanh(c @ _WS + w * c)
        return h, cnp.sum(h * w)
    c, ys = lax.scan(step, x, ws)
    return cnp.sum(c ** 2) + cnp.sum(ys)


def test_scan_under_jit_is_one_primitive_whatever_its_length():
    x = np.random.default_rng(4).standard_normal(3)
    sizes = []
    for n in (5, 50):
        ws = np.random.default_rng(n).standard_normal((n, 3))
        np.testing.assert_allclose(cr.jit(_rnn)(x, ws), _rnn(x, ws), rtol=1e-13)
        g = cr.jit(cr.grad(_rnn, argnums=(0, 1)))
        for a, b in zip(g(x, ws), cr.grad(_rnn, argnums=(0, 1))(x, ws)):
            np.testing.assert_allclose(a, b, rtol=1e-12)
        sizes.append((len(cr.jit(_rnn).lower(x, ws).program.eqns),
                      len(g.lower(x, ws).program.eqns)))
    assert sizes[0] == sizes[1], sizes
    assert "scan" in cr.jit(cr.grad(_rnn)).lower(x, ws).source


def test_scan_derivatives_under_jit_in_every_order():
    rng = np.random.default_rng(5)
    x, ws = rng.standard_normal(3), rng.standard_normal((6, 3)) * 0.5
    cr.check_grads(cr.jit(_rnn), (x, ws), order=2, modes=("fwd", "rev"))
    cr.check_grads(cr.jit(cr.grad(_rnn)), (x, ws), order=2, modes=("fwd", "rev"))
    hess = cr.hessian(_rnn)(x, ws)
    for h in (cr.jit(cr.hessian(_rnn)), cr.jit(cr.jacfwd(cr.jacfwd(_rnn))),
              cr.jit(cr.jacrev(cr.grad(_rnn))), cr.hessian(cr.jit(_rnn))):
        np.testing.assert_allclose(h(x, ws), hess, rtol=1e-10, atol=1e-12)
    tangent = cr.jvp(lambda v: _rnn(v, ws), (x,), (x,))[1]
    np.testing.assert_allclose(cr.jit(lambda v: cr.jvp(lambda u: _rnn(u, ws), (v,), (v,))[1])(x),
                               tangent, rtol=1e-12)
    np.testing.assert_allclose(cr.jit(lambda v: cr.linearize(lambda u: _rnn(u, ws), v)[1](v))(x),
                               tangent, rtol=1e-12)
    xs = rng.standard_normal((4, 3))
    expected = np.stack([cr.grad(_rnn)(v, ws) for v in xs])
    for g in (cr.vmap(cr.jit(cr.grad(_rnn)), in_axes=(0, None)),
              cr.jit(cr.vmap(cr.grad(_rnn), in_axes=(0, None)))):
        np.testing.assert_allclose(g(xs, ws), expected, rtol=1e-12)
    np.testing.assert_allclose(cr.jit(cr.vmap(_rnn, in_axes=(None, 0)))(x, np.stack([ws, -ws])),
                               [_rnn(x, ws), _rnn(x, -ws)], rtol=1e-13)


def test_scan_primitive_cases_differentiate_under_jit():
    from cases_control import CASES

    from chainrule._src.core import primitives
    for case in [c for c in CASES if c.prim == "scan"]:
        floats = [i for i, a in enumerate(case.args) if np.asarray(a).dtype.kind == "f"]

        def f(*diff, case=case, floats=floats):
            args = list(case.args)
            for i, d in zip(floats, diff):
                args[i] = d
            return primitives["scan"].bind(*args, **case.params)
        args = tuple(case.args[i] for i in floats)
        for jac in (cr.jacrev, cr.jacfwd):
            for a, b in zip(tree_leaves(cr.jit(jac(f, argnums=tuple(range(len(args)))))(*args)),
                            tree_leaves(jac(f, argnums=tuple(range(len(args))))(*args))):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_scan_under_jit_with_reverse_integer_carry_and_pytrees():
    def f(x):
        def step(c, inp):
            k, v = c
            a, b = inp["a"], inp["b"]
            return (k + 1, v * a + cnp.sin(v) * b * k), {"v": v, "k": k}
        (k, v), ys = lax.scan(step, (0, x), {"a": np.linspace(0.2, 0.5, 4),
                                             "b": np.linspace(-0.3, 0.3, 4)}, reverse=True)
        return cnp.sum(v) + cnp.sum(ys["v"]) + ys["k"][0]
    x = np.array([0.4, -0.7, 1.1])
    np.testing.assert_allclose(cr.jit(f)(x), f(x), rtol=1e-13)
    np.testing.assert_allclose(cr.jit(cr.grad(f))(x), cr.grad(f)(x), rtol=1e-13)
    cr.check_grads(cr.jit(cr.grad(f)), (x,), order=2, modes=("fwd", "rev"))


def test_loops_under_jit_that_must_unroll():
    x = np.array([0.3, 0.5])
    # a carry whose dtype changes after the first step (NumPy promotion): unrolled
    grow = cr.jit(lambda v: lax.scan(lambda c, u: (c + u, c), 0, v))
    np.testing.assert_allclose(grow(x)[0], 0.8)
    # fori_loop: a scan over the indices, unless the body needs a Python int or the int64
    # index would promote a float32 carry
    def power(v):
        return lax.fori_loop(0, 5, lambda i, c: c * v + i, v)
    assert [e.prim.name for e in cr.jit(power).lower(x).program.eqns] == ["scan"]
    np.testing.assert_allclose(cr.jit(power)(x), power(x), rtol=1e-13)
    np.testing.assert_allclose(cr.jit(cr.grad(lambda v: cnp.sum(power(v))))(x),
                               cr.grad(lambda v: cnp.sum(power(v)))(x), rtol=1e-13)
    x32 = x.astype(np.float32)
    assert cr.jit(power)(x32).dtype == np.float32
    def prefix_sums(v):
        return lax.fori_loop(0, 2, lambda i, c: c + cnp.sum(v[:i + 1]), 0.0)
    np.testing.assert_allclose(cr.jit(prefix_sums)(x), 1.1)


def _safe_sqrt(x):
    return lax.cond(x > 0, cnp.sqrt, lambda v: 0.0 * v, x)


def _three_way(x):
    # 0 * x where x <= 0, sqrt(x) on (0, 1], x + 0 * log(x) above: at 0 and -1 the branches
    # not taken have infinite or NaN partial derivatives.
    index = (x > 0).astype(int) + (x > 1).astype(int)
    return lax.switch(index, [lambda v: 0.0 * v, cnp.sqrt, lambda v: v + 0.0 * cnp.log(v)], x)


def _closed_over(x):
    # the branches take no operand: x reaches them through closures, a default argument, a
    # function they call and a functools.partial
    def root(v):
        return cnp.sqrt(v["x"])

    def taken(_, scale=(x, 1.0)):
        return root({"x": x}) * scale[1] + 0.0 * scale[0]
    return lax.cond(x > 0, taken, functools.partial(lambda v, _: 0.0 * v, x), None)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("f", [_safe_sqrt, _three_way, _closed_over])
def test_batched_cond_derivatives_ignore_the_branch_not_taken(f):
    xs = np.array([-1.0, 0.0, 0.25, 4.0])
    g1 = np.array([float(cr.grad(f)(x)) for x in xs])  # concrete index: one branch runs
    g2 = np.array([float(cr.grad(cr.grad(f))(x)) for x in xs])
    assert np.all(np.isfinite(g1)) and np.all(np.isfinite(g2))
    ones = np.ones_like(xs)
    for got in (cr.vmap(cr.grad(f))(xs), np.diag(cr.jacrev(cr.vmap(f))(xs)),
                np.diag(cr.jacfwd(cr.vmap(f))(xs)), cr.jit(cr.vmap(cr.grad(f)))(xs),
                cr.vmap(cr.jit(cr.grad(f)))(xs), cr.jvp(cr.vmap(f), (xs,), (ones,))[1],
                cr.vmap(lambda x: cr.jvp(f, (x,), (1.0,))[1])(xs),
                cr.grad(lambda v: cnp.sum(cr.vmap(f)(v)))(xs),
                [cr.jit(cr.grad(f))(x) for x in xs]):
        np.testing.assert_allclose(got, g1, rtol=1e-14)
    for got in (cr.vmap(cr.grad(cr.grad(f)))(xs), cr.jit(cr.vmap(cr.hessian(f)))(xs),
                np.diag(cr.hessian(lambda v: cnp.sum(cr.vmap(f)(v)))(xs)),
                cr.vmap(cr.jacfwd(cr.grad(f)))(xs), [cr.jit(cr.grad(cr.grad(f)))(x) for x in xs]):
        np.testing.assert_allclose(got, g2, rtol=1e-14)
    np.testing.assert_allclose(cr.vmap(f)(xs), [f(x) for x in xs])


def test_stop_gradient_stops_every_order():
    def f(x):
        return x * cr.stop_gradient(x) ** 2
    assert cr.grad(f)(3.0) == 9.0
    for second in (cr.grad(cr.grad(f)), cr.jacfwd(cr.grad(f)), cr.hessian(f),
                   cr.jit(cr.grad(cr.grad(f)))):
        assert second(3.0) == 0.0


_U0 = np.sin(np.linspace(0, 6, 16))


def _diffuse(nu, steps, loop, u0=_U0):
    """Explicit diffusion steps whose coefficient reaches the body only through a closure."""
    def step(u):
        return u + nu * (cnp.roll(u, 1) - 2 * u)
    if loop == "fori":
        u = lax.fori_loop(0, steps, lambda i, u: step(u), u0)
    elif loop == "scan":
        u = lax.scan(lambda u, _: (step(u), None), u0, None, length=steps)[0]
    else:  # a state that is part constant, part traced
        u = lax.fori_loop(0, steps, lambda i, c: (step(c[0]), c[1] + nu * cnp.sum(c[0])),
                          (u0, nu))[0]
    return cnp.sum(u ** 2)


@pytest.mark.parametrize("loop", ["fori", "scan", "mixed"])
def test_loop_under_jit_is_staged_once_when_its_state_starts_constant(loop):
    sizes = []
    for steps in (20, 200):
        def f(nu, steps=steps):
            return _diffuse(nu, steps, loop)
        sizes.append(len(cr.make_ir(f)(0.1).eqns))
        assert len(cr.make_ir(cr.grad(f))(0.1).eqns) < 60
        np.testing.assert_allclose(cr.jit(f)(0.1), f(0.1), rtol=1e-13)
        np.testing.assert_allclose(cr.jit(cr.grad(f))(0.1), cr.grad(f)(0.1), rtol=1e-12)
        np.testing.assert_allclose(cr.grad(cr.jit(f))(0.1), cr.grad(f)(0.1), rtol=1e-12)
        nus = np.array([0.05, 0.1])
        np.testing.assert_allclose(cr.jit(cr.vmap(cr.grad(f)))(nus),
                                   [cr.grad(f)(nu) for nu in nus], rtol=1e-12)
    assert sizes[0] == sizes[1] < 10, sizes


@pytest.mark.parametrize("transform", [lambda f: f, cr.jit, cr.grad], ids=["eager", "jit", "grad"])
def test_scan_carry_that_changes_type_is_a_clear_error(transform):
    xs = np.ones((3, 2))

    def run(body, init):
        return transform(lambda v: cnp.sum(lax.scan(body, init(v), xs)[0]["u"][1]))(1.0)
    with pytest.raises(TypeError, match=r"scan: the carry component carry\['u'\]\[1\] has "
                                        r"shape \(2,\) initially but "
                                        r"the function returned shape \(4,\)"):
        run(lambda c, x: ({"u": (c["u"][0], cnp.concatenate([c["u"][1], x]))}, None),
            lambda v: {"u": (v, v * np.ones(2))})
    with pytest.raises(TypeError, match=r"carry\['u'\]\[1\] has dtype float32 initially but "
                                        r"the function returned dtype float64"):
        run(lambda c, x: ({"u": (c["u"][0], c["u"][1] * x)}, None),
            lambda v: {"u": (v, (v * np.ones(2)).astype(np.float32))})
    with pytest.raises(TypeError, match=r"structure \{'u': \(\(\*, \*\), \*\)\}, but the "
                                        r"initial carry has structure \{'u': \(\*, \*\)\}"):
        run(lambda c, x: ({"u": ((c["u"][0], c["u"][0]), c["u"][1])}, None),
            lambda v: {"u": (v, v * np.ones(2))})
    # A Python number takes the dtype it meets, as in NumPy: accepted.
    out = transform(lambda v: lax.scan(lambda c, x: (c + v * cnp.sum(x), None), 0, xs)[0])(1.0)
    np.testing.assert_allclose(out, 6.0)  # the value, and the derivative in v


def _scan_with_closure(w, x, policy):
    # docs/guide.md's checkpointed scan, with the matrix a parameter the body closes over
    step = cr.checkpoint(lambda c, _: (cnp.tanh(c @ w + cnp.sin(w[0])), None), policy=policy)
    return cnp.sum(lax.scan(step, x, None, length=5)[0] ** 2)


def _dense_with_closure(w, x, policy):
    scale = {"w": w}
    body = cr.checkpoint(lambda v: cnp.sin(cnp.tanh(v @ scale["w"]) @ scale["w"].T) * v,
                         policy=policy)
    return cnp.sum(body(x * 1.0) ** 2)


class _Layer:
    def __init__(self, w):
        self.w = w

    def __call__(self, v):
        return cnp.tanh(v @ self.w) * v


def _layer_object(w, x, policy):  # the traced value is an attribute of a callable object
    return cnp.sum(cr.checkpoint(_Layer(w), policy=policy)(x * 1.0) ** 2)


@pytest.mark.parametrize("f", [_scan_with_closure, _dense_with_closure, _layer_object])
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: getattr(p, "__name__", str(p)))
def test_checkpoint_of_a_function_closing_over_a_differentiated_value(f, policy):
    w = np.array([[1.5, -0.2], [0.1, 1.3]])
    x = np.array([0.1, -0.2])
    ref = cr.grad(functools.partial(f, policy="everything_saveable"), argnums=(0, 1))(w, x)
    g = cr.grad(lambda w, x: f(w, x, policy), argnums=(0, 1))
    for grad in (g, cr.jit(g), cr.grad(cr.jit(lambda w, x: f(w, x, policy)), argnums=(0, 1))):
        for a, b in zip(grad(w, x), ref):
            np.testing.assert_allclose(a, b, rtol=1e-13)
    gw = cr.grad(lambda w: f(w, x, policy))  # only the closed-over value
    np.testing.assert_allclose(gw(w), ref[0], rtol=1e-13)
    np.testing.assert_allclose(cr.vmap(gw)(np.stack([w, 2 * w]))[0], ref[0], rtol=1e-13)
    np.testing.assert_allclose(cr.jacfwd(gw)(w),
                               cr.hessian(lambda w: f(w, x, "everything_saveable"))(w),
                               rtol=1e-11, atol=1e-13)


def test_cond_checks_both_branches_output_types_even_with_a_known_predicate():
    x = np.ones(2)
    for pred in (True, False, np.bool_(True)):
        with pytest.raises(TypeError, match=r"cond: false_fun returns float32\[2\] but "
                                            r"true_fun returns float64\[2\]"):
            lax.cond(pred, lambda v: v, lambda v: v.astype(np.float32), x)
        with pytest.raises(TypeError, match=r"false_fun returns the structure \* but "
                                            r"true_fun returns \(\*, \*\)"):
            lax.cond(pred, lambda v: (v, v), lambda v: v, x)
    with pytest.raises(TypeError, match=r"switch: branches\[0\] returns float64\[2\] but "
                                        r"branches\[2\] returns float64\[1\] for output\[1\]"):
        lax.switch(0, [lambda v: (v, v), lambda v: (v, v), lambda v: (v, v[:1])], x)
    for transform in (cr.jit, cr.vmap, cr.grad):
        with pytest.raises(TypeError, match=r"false_fun returns float64\[1\] but true_fun "
                                            r"returns float64\[2\]"):
            transform(lambda p: cnp.sum(lax.cond(p > 0, lambda v: v, lambda v: v[:1], x)))(
                np.array([1.0, -1.0]) if transform is cr.vmap else 1.0)
    # A Python number takes the dtype of the other branch's array, as in JAX.
    x32 = np.arange(1.0, 3.0, dtype=np.float32)

    def f(p):
        return lax.cond(p > 0, lambda v: v[1], lambda v: 0.0, x32)
    assert f(1.0) == 2.0 and f(-1.0) == 0.0
    assert cr.jit(f)(1.0) == 2.0 and cr.jit(f)(-1.0).dtype == np.float32
    np.testing.assert_array_equal(cr.vmap(f)(np.array([1.0, -1.0])), [2.0, 0.0])
    # A branch that needs concrete values still runs when it is the one taken.
    assert lax.cond(True, lambda v: v if v > 0 else -v, lambda v: 2 * v, 3.0) == 3.0


def test_scan_over_no_steps_returns_empty_outputs_of_the_right_types():
    def body(c, x):
        return c + cnp.sum(x), {"a": x * 2, "b": (c, x[0].astype(np.float32))}
    xs = np.zeros((0, 3))
    for run in (lambda v: lax.scan(body, v, xs), cr.jit(lambda v: lax.scan(body, v, xs))):
        carry, ys = run(1.5)
        assert carry == 1.5
        assert ys["a"].shape == (0, 3) and ys["a"].dtype == np.float64
        assert ys["b"][0].shape == (0,) and ys["b"][1].dtype == np.float32
    _, ys = cr.vmap(lambda v: lax.scan(body, v, xs))(np.ones(2))
    assert ys["a"].shape == (2, 0, 3) and ys["b"][1].shape == (2, 0)
    assert lax.map(cnp.sin, np.zeros((0, 2))).shape == (0, 2)
    assert cr.grad(lambda v: lax.scan(body, v, xs)[0])(1.5) == 1.0
    with pytest.raises(TypeError, match="carry has shape"):
        lax.scan(lambda c, x: (c + x, x), 0.0, xs)


def test_scan_unroll():
    ws = np.random.default_rng(7).standard_normal((12, 3))
    x = np.random.default_rng(8).standard_normal(3)

    def rnn(x, ws, unroll):
        def step(c, w):
            h = cnp.tanh(c @ _WS + w * c)
            return h, cnp.sum(h * w)
        c, ys = lax.scan(step, x, ws, unroll=unroll)
        return cnp.sum(c ** 2) + cnp.sum(ys)
    expected, g = rnn(x, ws, 1), cr.grad(rnn)(x, ws, 1)
    sizes = {}
    for unroll in (1, 2, 5, 12, 40, True, False):
        def f(x, ws, unroll=unroll):
            return rnn(x, ws, unroll)
        np.testing.assert_allclose(f(x, ws), expected, rtol=1e-14)
        np.testing.assert_allclose(cr.jit(f)(x, ws), expected, rtol=1e-13)
        np.testing.assert_allclose(cr.jit(cr.grad(f))(x, ws), g, rtol=1e-12)
        sizes[repr(unroll)] = len(cr.make_ir(f)(x, ws).eqns)
    assert sizes["1"] == sizes["2"] == sizes["5"] == sizes["False"] < 10, sizes
    assert sizes["True"] == sizes["12"] == sizes["40"] > 12 * 4, sizes
    assert lax.fori_loop(0, 3, lambda i, v: v * 2.0, 1.0, unroll=2) == 8.0
    for bad in (0, -1, 1.5, "yes"):
        with pytest.raises(ValueError, match="unroll must be a bool or a positive int"):
            lax.scan(lambda c, w: (c, w), 0.0, ws, unroll=bad)


def test_checkpoint_of_a_closure_with_python_control_flow_on_its_argument():
    def loss(w, x):
        f = cr.checkpoint(lambda v: cnp.sin(v * w) if cnp.sum(v) > 0 else cnp.cos(v * w))
        return cnp.sum(f(x * 1.0))
    x = np.array([0.3, 0.4])
    gw, gx = cr.grad(loss, argnums=(0, 1))(2.0, x)
    np.testing.assert_allclose(gw, np.sum(x * np.cos(2.0 * x)), rtol=1e-14)
    np.testing.assert_allclose(gx, 2.0 * np.cos(2.0 * x), rtol=1e-14)


def test_fori_loop_carry_that_changes_type_is_a_clear_error():
    with pytest.raises(TypeError, match=r"fori_loop: the function returned a carry with "
                                        r"structure \(\*, \*\), but the initial carry has "
                                        r"structure \*"):
        lax.fori_loop(0, 10, lambda i, c: (c, c), 0.0)
    with pytest.raises(TypeError, match=r"fori_loop: the carry has shape \(\) initially but "
                                        r"the function returned shape \(2,\)"):
        cr.jit(lambda x: lax.fori_loop(0, 3, lambda i, c: c + x, 0.0))(np.ones(2))
    assert lax.fori_loop(0, 3, lambda i, c: c + i, 0) == 3  # weak int stays accepted


def test_branch_type_check_does_not_run_loops_of_the_branch_not_taken():
    # Run, these loops would overflow (an error under errstate "raise", which would make
    # the branch untraceable and skip the check): only their types are taken.
    loops = [lambda _: lax.while_loop(lambda v: v > 0.0, lambda v: v * 1e300, 1.0),
             lambda _: lax.fori_loop(0, 5, lambda i, v: v * 1e300, 1.0),
             lambda _: lax.scan(lambda c, x: (c * 1e300, c), 1.0, None, length=5)[0]]
    with np.errstate(over="raise"):
        for loop in loops:
            with pytest.raises(TypeError, match=r"false_fun returns float64\[2\] but "
                                                r"true_fun returns float64\[\]"):
                lax.cond(False, loop, lambda _: np.ones(2), None)


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_checkpoint_closing_over_jit_traced_values_still_rematerializes(argnums):
    # A checkpointed loop body that closes over an argument of the jitted function (the
    # right-hand side of an ODE closing over its parameters): jit used to inline it
    # without its checkpoint, keeping every iteration's intermediates.
    x = np.linspace(0.1, 1.0, 10_000)

    def make(w):
        def body(c):
            i, v = c
            for _ in range(5):
                v = cnp.sin(v) * w + 0.01
            return i + 1, v
        return body

    def run(x, w, remat):
        body = make(w)

        def group(c):  # ten iterations, recomputed in the backward pass
            return lax.while_loop(lambda c: c[0] % 10 != 9, body, body(c))
        step = cr.checkpoint(group) if remat else group
        return cnp.sum(lax.while_loop(lambda c: c[0] < 200, step, (0, x))[1])

    plain = cr.jit(cr.grad(lambda x, w: run(x, w, False), argnums=argnums))
    remat = cr.jit(cr.grad(lambda x, w: run(x, w, True), argnums=argnums))
    expected = plain(x, 1.0001)
    got = remat(x, 1.0001)
    for e, g in zip(*(([a] if argnums == 0 else a) for a in (expected, got))):
        np.testing.assert_allclose(g, e, rtol=1e-12)
    # 200 iterations of 10 intermediates of 80 kB without the checkpoint (about 160 MB
    # with both gradients); with it, the 20 group inputs and one group's intermediates.
    assert _peak_bytes(remat, x, 1.0001) < 0.2 * _peak_bytes(plain, x, 1.0001)
