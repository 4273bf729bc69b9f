"""pure_callback: outside NumPy/SciPy code under jit and vmap, and custom_jvp around it."""

import numpy as np
import pytest
import scipy.special

import chainrule as cr
import chainrule.numpy as cnp


def _spec(x):
    return cr.ShapeDtypeStruct(np.shape(x), np.result_type(x))


def gammaln(x):
    return cr.pure_callback(scipy.special.gammaln, _spec(x), x)


@cr.custom_jvp
def erf(x):
    return cr.pure_callback(scipy.special.erf, _spec(x), x)


@erf.defjvp
def _erf_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return erf(x), 2.0 / np.sqrt(np.pi) * cnp.exp(-x * x) * t


X = np.array([-1.5, -0.2, 0.3, 2.0])


def test_eager_jit_and_vmap_call_the_callback():
    want = scipy.special.gammaln(X)
    np.testing.assert_allclose(gammaln(X), want)
    np.testing.assert_allclose(cr.jit(gammaln)(X + 4), scipy.special.gammaln(X + 4))
    np.testing.assert_allclose(cr.vmap(gammaln)(X + 4), scipy.special.gammaln(X + 4))
    xs = np.abs(np.arange(12.0).reshape(3, 4)) + 0.5
    np.testing.assert_allclose(cr.jit(cr.vmap(gammaln))(xs), scipy.special.gammaln(xs))
    np.testing.assert_allclose(cr.vmap(cr.vmap(gammaln))(xs), scipy.special.gammaln(xs))


def test_vmap_loops_per_example_unless_vectorized():
    shapes = []

    def cb(a, b):
        shapes.append((a.shape, b.shape))
        return a * b.sum()

    def f(a, b, vectorized):
        return cr.pure_callback(cb, _spec(a), a, b, vectorized=vectorized)

    a, b = np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0])
    want = a * 3.0
    np.testing.assert_allclose(cr.vmap(lambda a: f(a, b, False))(a), want)
    assert shapes == [((2,), (2,))] * 3
    shapes.clear()
    # Vectorized: one call; the unbatched argument gets a leading axis of size 1.
    out = cr.vmap(lambda a: cr.pure_callback(lambda a, b: a * b.sum(-1, keepdims=True),
                                             _spec(a), a, b, vectorized=True))(a)
    np.testing.assert_allclose(out, want)
    calls = []

    def vcb(a):
        calls.append(a.shape)
        return np.sin(a)
    out = cr.jit(cr.vmap(lambda a: cr.pure_callback(vcb, _spec(a), a, vectorized=True)))(a)
    np.testing.assert_allclose(out, np.sin(a))
    assert calls == [(3, 2)]


def test_pytree_arguments_and_results():
    def cb(d):
        return {"sum": d["x"] + d["y"], "n": np.int64(d["x"].size)}

    def f(x, y):
        spec = {"sum": _spec(x), "n": cr.ShapeDtypeStruct((), np.int64)}
        return cr.pure_callback(cb, spec, {"x": x, "y": y})

    x, y = np.ones(3), np.arange(3.0)
    for g in (f, cr.jit(f)):
        out = g(x, y)
        np.testing.assert_allclose(out["sum"], x + y)
        assert int(out["n"]) == 3
    out = cr.vmap(f, in_axes=(0, None))(np.ones((2, 3)), y)
    np.testing.assert_allclose(out["sum"], np.ones((2, 3)) + y)
    np.testing.assert_array_equal(out["n"], [3, 3])


@pytest.mark.parametrize("transform", [lambda f: f, cr.jit, cr.vmap])
def test_result_is_checked_against_the_declaration(transform):
    def wrong_shape(x):
        return cr.pure_callback(lambda x: np.zeros(5), _spec(x), x)

    def wrong_dtype(x):
        return cr.pure_callback(lambda x: x.astype(np.float32), _spec(x), x)
    with pytest.raises(TypeError, match=r"shape \(5,\).*declares shape"):
        transform(wrong_shape)(np.ones(3))
    with pytest.raises(TypeError, match="dtype float32.*dtype float64"):
        transform(wrong_dtype)(np.ones(3))
    with pytest.raises(TypeError, match="structure"):
        transform(lambda x: cr.pure_callback(lambda x: (x, x), _spec(x), x))(np.ones(3))


@pytest.mark.parametrize("diff", [cr.grad, lambda f: cr.jacfwd(f), lambda f: cr.jacrev(f),
                                  lambda f: cr.jit(cr.grad(f))])
def test_differentiating_a_bare_callback_raises(diff):
    def f(x):
        return cnp.sum(gammaln(x))
    with pytest.raises(TypeError, match="custom_jvp"):
        diff(f)(X + 4)


def test_callback_on_constants_under_grad_is_fine():
    g = cr.grad(lambda x: x * cnp.sum(gammaln(cr.stop_gradient(x))))(3.0)
    np.testing.assert_allclose(g, scipy.special.gammaln(3.0))


def test_erf_pattern_against_scipy_and_finite_differences():
    d_erf = 2 / np.sqrt(np.pi) * np.exp(-X ** 2)
    np.testing.assert_allclose(erf(X), scipy.special.erf(X))
    np.testing.assert_allclose(cr.jit(erf)(X), scipy.special.erf(X))
    np.testing.assert_allclose(cr.vmap(erf)(X), scipy.special.erf(X))
    np.testing.assert_allclose(cr.grad(erf)(0.3), d_erf[2])
    np.testing.assert_allclose(cr.jit(cr.grad(erf))(0.3), d_erf[2])
    np.testing.assert_allclose(cr.vmap(cr.grad(erf))(X), d_erf)
    np.testing.assert_allclose(cr.jit(cr.vmap(cr.grad(erf)))(X), d_erf)
    np.testing.assert_allclose(cr.grad(cr.jit(lambda x: cnp.sum(erf(x) ** 2)))(X),
                               2 * scipy.special.erf(X) * d_erf)
    np.testing.assert_allclose(cr.jacfwd(erf)(X), np.diag(d_erf))
    np.testing.assert_allclose(cr.jacrev(erf)(X), np.diag(d_erf))
    # Second order too: the rule is written with chainrule operations.
    np.testing.assert_allclose(cr.grad(cr.grad(erf))(0.3), -2 * 0.3 * d_erf[2])
    cr.check_grads(lambda x: cnp.sum(cnp.sin(erf(x)) * x), (X,), order=2,
                   modes=("fwd", "rev"))


def test_primal_with_numpy_or_break_says_the_value_is_abstract():
    # Works under grad (numbers are known); under jit/vmap the message must not talk about
    # dropping a derivative but about abstract values, and point to the ways out.
    @cr.custom_jvp
    def f(x):
        return cnp.asarray(np.sin(np.asarray(x)))

    @f.defjvp
    def _(p, t):
        return f(p[0]), cnp.cos(p[0]) * t[0]

    @cr.custom_jvp
    def halve_until_small(x):
        while True:
            x = x * 0.5
            if x < 0.1:
                break
        return x

    @halve_until_small.defjvp
    def _(p, t):
        return halve_until_small(p[0]), t[0]

    np.testing.assert_allclose(cr.grad(f)(1.0), np.cos(1.0))
    assert cr.grad(halve_until_small)(1.0) == 1.0
    for fn, arg in [(cr.jit(f), 1.0), (cr.vmap(f), np.ones(3)), (cr.jit(cr.grad(f)), 1.0),
                    (cr.vmap(cr.grad(f)), np.ones(3)), (cr.jit(halve_until_small), 1.0),
                    (cr.vmap(halve_until_small), np.ones(3)),
                    (cr.vmap(cr.grad(halve_until_small)), np.ones(3))]:
        with pytest.raises(TypeError) as info:
            fn(arg)
        msg = str(info.value)
        assert "drop its derivative" not in msg
        assert "abstractly" in msg and ("jit" in msg or "vmap" in msg)
        assert "while_loop" in msg
    for fn, arg in [(cr.jit(f), 1.0), (cr.vmap(f), np.ones(3))]:
        with pytest.raises(TypeError, match="pure_callback"):
            fn(arg)
    with pytest.raises(TypeError, match=r"`vmap` only knows abstractly"):
        cr.vmap(lambda x: float(x))(np.ones(2))
