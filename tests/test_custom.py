"""custom_jvp and custom_vjp: user rules, nesting, closures and clear errors."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp


@cr.custom_jvp
def log1pexp(x):
    return cnp.log1p(cnp.exp(x))


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), t * (1 - 1 / (1 + cnp.exp(x)))


@pytest.mark.filterwarnings("ignore:overflow encountered in exp")
def test_custom_jvp_used_in_both_modes():
    assert cr.grad(log1pexp)(1000.0) == 1.0  # the naive derivative gives nan
    assert cr.jvp(log1pexp, (1000.0,), (2.0,))[1] == 2.0
    cr.check_grads(log1pexp, (np.array([-1.0, 0.5, 2.0]),), order=2)


def test_custom_jvp_defjvps_and_closure_over_outer_tracer():
    @cr.custom_jvp
    def scale(x, a):
        return a * x
    scale.defjvps(lambda t, ans, x, a: a * t, lambda t, ans, x, a: x * t)

    def outer(a):
        # the inner grad is w.r.t. x only; a is an outer tracer used as an argument
        return cr.grad(lambda x: scale(x, a) * x)(2.0)
    # d/dx (a x^2) = 2 a x = 4a -> d/da = 4
    assert cr.grad(outer)(3.0) == 4.0


def test_custom_jvp_closure_differentiates_through_function():
    def outer(a):
        @cr.custom_jvp
        def f(x):
            return a * cnp.sin(x)
        f.defjvp(lambda p, t: (f(p[0]), a * cnp.cos(p[0]) * t[0]))
        return f(1.0)  # x is constant here: a is closed over
    assert np.isclose(cr.grad(outer)(2.0), np.sin(1.0))


def test_custom_jvp_rule_shape_error():
    @cr.custom_jvp
    def f(x):
        return x
    f.defjvp(lambda p, t: (p[0], np.ones(3)))
    with pytest.raises(TypeError, match=r"returned for its output has shape \(3,\)"):
        cr.jvp(f, (1.0,), (1.0,))


def test_custom_jvp_without_rule():
    f = cr.custom_jvp(lambda x: x)
    with pytest.raises(AttributeError, match="defjvp"):
        f(1.0)


@cr.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (cnp.clip(g, -1.0, 1.0),))


def test_custom_vjp_reverse_mode():
    assert cr.grad(lambda x: 5 * clip_gradient(x))(2.0) == 1.0
    assert cr.grad(lambda x: 0.5 * clip_gradient(x))(2.0) == 0.5


def test_custom_vjp_second_order_through_bwd():
    @cr.custom_vjp
    def cube(x):
        return x ** 3
    cube.defvjp(lambda x: (x ** 3, x), lambda x, g: (3 * x ** 2 * g,))
    assert cr.grad(cube)(2.0) == 12.0
    assert cr.grad(cr.grad(cube))(2.0) == 12.0  # d/dx 3x^2 = 6x


def test_custom_vjp_forward_mode_is_a_clear_error():
    with pytest.raises(TypeError, match="forward-mode differentiation"):
        cr.jvp(clip_gradient, (1.0,), (1.0,))


def test_custom_vjp_bad_bwd_output():
    @cr.custom_vjp
    def f(x):
        return x
    f.defvjp(lambda x: (x, None), lambda res, g: g)
    with pytest.raises(TypeError, match="must return a tuple"):
        cr.grad(f)(1.0)


def test_custom_vjp_with_pytree_and_nondiff_arguments():
    @cr.custom_vjp
    def weighted(p, w):
        return p["a"] * w + p["b"]

    def fwd(p, w):
        return weighted(p, w), w

    def bwd(w, g):
        return ({"a": g * w, "b": g}, g * 0.0)
    weighted.defvjp(fwd, bwd)
    g = cr.grad(lambda p: weighted(p, 3.0))({"a": 1.0, "b": 2.0})
    assert g == {"a": 3.0, "b": 1.0}


@pytest.mark.filterwarnings("ignore:overflow encountered in exp")
def test_custom_rules_survive_vmap():
    xs = np.array([1000.0, 0.5, -3.0])
    # The rule, not the naive derivative (which is nan at 1000), is used per example.
    g = cr.vmap(cr.grad(log1pexp))(xs)
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-xs)))
    g2 = cr.grad(lambda v: cnp.sum(cr.vmap(log1pexp)(v)))(xs)
    np.testing.assert_allclose(g2, 1 / (1 + np.exp(-xs)))
    cg = cr.grad(lambda v: cnp.sum(cr.vmap(lambda x: 5 * clip_gradient(x))(v)))(xs)
    np.testing.assert_allclose(cg, [1.0, 1.0, 1.0])
    # an argument shared by all examples receives the cotangents summed over examples
    @cr.custom_vjp
    def scale(a, x):
        return a * x
    scale.defvjp(lambda a, x: (a * x, (a, x)),
                 lambda res, g: (cnp.clip(g * res[1], -1, 1), g * res[0]))
    w = cr.grad(lambda a: cnp.sum(cr.vmap(scale, in_axes=(None, 0))(a, xs)))(0.3)
    assert np.isclose(w, np.clip(xs, -1, 1).sum())


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_custom_rules_survive_jit():
    xs = np.array([1000.0, 0.5, -3.0])
    sigmoid = 1 / (1 + np.exp(-xs))

    def clipped(v):
        return cnp.sum(5 * clip_gradient(v))

    def softplus_sum(v):
        return cnp.sum(log1pexp(v))
    for g in (cr.grad(cr.jit(clipped)), cr.jit(cr.grad(clipped)),
              cr.vmap(cr.grad(cr.jit(lambda x: 5 * clip_gradient(x))))):
        np.testing.assert_allclose(g(xs), [1.0, 1.0, 1.0])
    for g in (cr.grad(cr.jit(softplus_sum)), cr.jit(cr.grad(softplus_sum)),
              cr.jit(cr.vmap(cr.grad(log1pexp)))):
        np.testing.assert_allclose(g(xs), sigmoid)
    np.testing.assert_allclose(cr.jvp(cr.jit(softplus_sum), (xs,), (np.ones(3),))[1],
                               sigmoid.sum())
    assert "custom_call" in cr.jit(clipped).lower(xs).source


def test_custom_vjp_inside_a_loop_under_jit():
    import chainrule.lax as lax

    def f(x):
        body = lambda v: 5 * clip_gradient(v) * 0.5 + x  # noqa: E731
        return cnp.sum(lax.while_loop(lambda v: cnp.sum(v) < 20.0, body, x))
    x = np.array([1.0, 2.0])
    expected = cr.grad(f)(x)  # the rule clips the cotangent at each of the iterations
    naive = cr.grad(lambda v: cnp.sum(lax.while_loop(lambda u: cnp.sum(u) < 20.0,
                                                     lambda u: 2.5 * u + v, v)))(x)
    assert not np.allclose(expected, naive)
    for g in (cr.jit(cr.grad(f)), cr.grad(cr.jit(f))):
        np.testing.assert_allclose(g(x), expected, rtol=1e-13)


def test_custom_vjp_bwd_may_return_none_for_a_zero_cotangent():
    @cr.custom_vjp
    def f(x, params):
        return x * params["a"] + params["b"][0] * params["b"][1]

    def fwd(x, params):
        return f(x, params), (x, params)

    def bwd(res, g):
        x, params = res
        return None, {"a": cnp.sum(g * x), "b": None}  # zero for x and for params["b"]
    f.defvjp(fwd, bwd)
    x = np.array([1.0, 2.0])
    params = {"a": 3.0, "b": (np.array([1.0, 1.0]), np.array([4.0, 5.0]))}
    gx, gp = cr.grad(lambda x, p: cnp.sum(f(x, p)), argnums=(0, 1))(x, params)
    np.testing.assert_array_equal(gx, [0.0, 0.0])
    assert gp["a"] == 3.0
    np.testing.assert_array_equal(gp["b"][0], [0.0, 0.0])
    np.testing.assert_array_equal(gp["b"][1], [0.0, 0.0])
    xs = np.stack([x, 2 * x])
    batched = cr.vmap(cr.grad(lambda x, p: cnp.sum(f(x, p)), argnums=(0, 1)), in_axes=(0, None))
    gxs, gps = batched(xs, params)
    np.testing.assert_array_equal(gxs, np.zeros((2, 2)))
    np.testing.assert_allclose(gps["a"], [3.0, 6.0])
    summed = cr.grad(lambda p: cnp.sum(cr.vmap(f, in_axes=(0, None))(xs, p)))(params)
    assert summed["a"] == 9.0 and np.all(summed["b"][1] == 0.0)
    assert cr.jit(cr.grad(lambda x: cnp.sum(f(x, params))))(x).tolist() == [0.0, 0.0]
    g = cr.custom_vjp(lambda x, y: x * y)
    g.defvjp(lambda x, y: (x * y, (x, y)), lambda r, c: (c * r[1],))  # one entry missing
    with pytest.raises(TypeError, match=r"returned cotangents with structure \(\*,\); the "
                                        r"arguments have structure \(\*, \*\)"):
        cr.grad(g)(1.0, 2.0)
