"""jit: caching, cache-miss reasons, composition with every transform, errors."""

import logging

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

rng = np.random.default_rng(0)


def f(x):
    return cnp.sum(cnp.sin(x) * x ** 2)


def test_traces_once_per_signature():
    calls = []

    @cr.jit
    def g(x):
        calls.append(1)
        return x * 2
    g(np.ones(3))
    g(np.zeros(3))
    assert len(calls) == 1
    g(np.ones(4))
    g(np.ones(3, np.float32))
    assert len(calls) == 3
    np.testing.assert_allclose(g(np.arange(3.0)), [0.0, 2.0, 4.0])


def test_static_arguments_and_cache_miss_reasons(caplog):
    @cr.jit
    def h(x):
        return x + 1

    def power(x, n):
        return cnp.sum(x ** n)
    p = cr.jit(power, static_argnums=1)
    cr.config.update("log_compiles", True)
    try:
        with caplog.at_level(logging.INFO, logger="chainrule.jit"):
            p(np.ones(3), 3)
            p(np.ones(3), 4)
            h(np.ones(3))
            h(np.ones(4))
    finally:
        cr.config.update("log_compiles", False)
    text = caplog.text
    assert "first call" in text
    assert "static argument 1 changed 3 -> 4" in text
    assert "shape of argument leaf 0 changed (3,) -> (4,)" in text
    assert p(np.full(2, 2.0), 3) == 16.0


def test_unhashable_static_argument():
    with pytest.raises(TypeError, match="static arguments must be hashable"):
        cr.jit(lambda x, s: x, static_argnums=1)(1.0, [1, 2])


def test_control_flow_on_traced_value_names_the_line():
    def g(x):
        if cnp.sum(x) > 0:
            return x
        return -x
    with pytest.raises(TypeError, match=r"test_jit.py:\d+.*chainrule.lax.cond.*static_argnums"):
        cr.jit(g)(np.ones(3))


@pytest.mark.parametrize("name,transform", [
    ("jit(grad)", lambda: cr.jit(cr.grad(f))),
    ("grad(jit)", lambda: cr.grad(cr.jit(f))),
    ("jit(jit)", lambda: cr.jit(cr.jit(cr.grad(f)))),
    ("vmap(jit(grad))", lambda: lambda x: cr.vmap(cr.jit(cr.grad(f)))(x[None])[0]),
    ("jit(vmap(grad))", lambda: lambda x: cr.jit(cr.vmap(cr.grad(f)))(x[None])[0]),
    ("grad(jit(vmap))", lambda: cr.grad(lambda x: cnp.sum(cr.jit(cr.vmap(f))(x[None])))),
])
def test_gradient_compositions(name, transform):
    x = rng.standard_normal(4)
    np.testing.assert_allclose(transform()(x), cr.grad(f)(x), atol=1e-12, err_msg=name)


def test_hessian_and_jvp_of_jit_and_jit_of_jacrev():
    x = rng.standard_normal(3)
    ref = cr.hessian(f)(x)
    np.testing.assert_allclose(cr.hessian(cr.jit(f))(x), ref, atol=1e-12)
    np.testing.assert_allclose(cr.jit(cr.hessian(f))(x), ref, atol=1e-12)
    np.testing.assert_allclose(cr.jit(cr.vmap(cr.jacrev(cr.grad(f))))(x[None])[0], ref,
                               atol=1e-12)
    _, t = cr.jvp(cr.jit(f), (x,), (np.ones(3),))
    assert np.isclose(t, cr.grad(f)(x).sum())


def _derived_kinds(jitted):
    """The kinds of derived programs compiled for ``jitted`` (over its cache)."""
    return {key[0] for compiled, _, _ in jitted.cache.values()
            for key in getattr(compiled, "_derived", {})}


def test_grad_of_jit_compiles_its_derivative_once():
    # Outside jit, a jitted function is differentiated as a unit: a compiled forward pass
    # that also returns the residuals, one linear call, its compiled transpose.
    calls = []

    def g(x, y):
        calls.append(1)
        return cnp.sum(cnp.sin(x) * y ** 2), x * y
    jg = cr.jit(g)
    x, y = rng.standard_normal(4), rng.standard_normal(4)
    for _ in range(2):
        gx, gy = cr.grad(lambda a, b: jg(a, b)[0] + cnp.sum(jg(a, b)[1] ** 2),
                         argnums=(0, 1))(x, y)
        np.testing.assert_allclose(gx, np.cos(x) * y ** 2 + 2 * x * y ** 2, rtol=1e-13)
        np.testing.assert_allclose(gy, 2 * np.sin(x) * y + 2 * x ** 2 * y, rtol=1e-13)
    assert len(calls) == 1
    assert _derived_kinds(jg) == {"linearize"}
    ((compiled, _, _),) = jg.cache.values()
    ((forward, linear, _, _),) = compiled._derived.values()
    assert {key[0] for key in linear._derived} == {"transpose"}
    assert "sin" in forward.source and "cos" in forward.source
    # Forward mode, vmap of it, Jacobians, Hessians, linearize: the same values as eager.
    _, t = cr.jvp(jg, (x, y), (np.ones(4), np.zeros(4)))
    _, t_ref = cr.jvp(g, (x, y), (np.ones(4), np.zeros(4)))
    np.testing.assert_allclose(t[0], t_ref[0], rtol=1e-13)
    np.testing.assert_allclose(t[1], t_ref[1], rtol=1e-13)
    assert "jvp" in _derived_kinds(jg)
    np.testing.assert_allclose(cr.jacrev(lambda a: jg(a, y)[1])(x), np.diag(y), atol=1e-15)
    np.testing.assert_allclose(cr.jacfwd(lambda a: jg(a, y)[1])(x), np.diag(y), atol=1e-15)
    np.testing.assert_allclose(cr.hessian(lambda a: jg(a, y)[0])(x), np.diag(-np.sin(x) * y ** 2),
                               atol=1e-14)
    _, f_jvp = cr.linearize(lambda a: jg(a, y)[1], x)
    np.testing.assert_allclose(f_jvp(np.ones(4)), y, rtol=1e-15)
    cr.check_grads(lambda a, b: jg(a, b)[0], (x, y), order=2, modes=("fwd", "rev"))
    cr.check_grads(lambda a, b: jg(a, b)[1], (x, y), order=2, modes=("fwd", "rev"))


def test_derivative_of_jit_with_pytrees_integers_and_constant_outputs():
    @cr.jit
    def g(p, n):
        return {"v": cnp.sum(p["a"] ** n) * p["b"], "k": n * 2, "c": p["a"] * 0 + 1.0}
    a, b = np.array([1.0, 2.0]), 3.0
    p = {"a": a, "b": b}
    grads = cr.grad(lambda q: g(q, 3)["v"] + cnp.sum(g(q, 3)["c"]) + g(q, 3)["k"])(p)
    np.testing.assert_allclose(grads["a"], 3 * a ** 2 * b, rtol=1e-15)
    assert grads["b"] == np.sum(a ** 3)
    out, t = cr.jvp(lambda q: g(q, 3), (p,), ({"a": np.ones(2), "b": 0.0},))
    eager_out, eager_t = cr.jvp(lambda q: g.fun(q, 3), (p,), ({"a": np.ones(2), "b": 0.0},))
    for k in ("v", "k", "c"):
        np.testing.assert_array_equal(out[k], eager_out[k])
        np.testing.assert_array_equal(t[k], eager_t[k])
        assert np.asarray(t[k]).dtype == np.asarray(eager_t[k]).dtype
    np.testing.assert_allclose(
        cr.vmap(cr.grad(lambda x: g({"a": x, "b": 2.0}, 2)["v"]))(np.ones((3, 2))), 4.0)
    np.testing.assert_array_equal(cr.jacrev(lambda x: g({"a": x, "b": 2.0}, 2)["c"])(a),
                                  np.zeros((2, 2)))
    cr.check_grads(lambda x, y: g({"a": x, "b": y}, 3)["v"], (a, b), order=2,
                   modes=("fwd", "rev"))


def test_short_dispatch_of_tracers_keys_by_tracer_type_and_abstract_value():
    calls = []

    @cr.jit
    def h(x):
        calls.append(1)
        return cnp.sum(cnp.sin(x))
    x = rng.standard_normal(3)
    for _ in range(2):
        np.testing.assert_allclose(cr.grad(h)(x), np.cos(x), rtol=1e-15)
        np.testing.assert_allclose(cr.jvp(h, (x,), (np.ones(3),))[1], np.sum(np.cos(x)),
                                   rtol=1e-15)
        np.testing.assert_allclose(cr.grad(h)(x[:2]), np.cos(x[:2]), rtol=1e-15)
        np.testing.assert_allclose(cr.vmap(cr.grad(h))(np.stack([x, -x])),
                                   np.cos(np.stack([x, x])), rtol=1e-15)
    assert any(key[0] for key in h.fast)  # tracers took the short dispatch
    assert len(calls) == len(h.cache)  # one trace per signature, none on a short hit


def test_derivative_of_jit_that_cannot_be_compiled_is_taken_op_by_op_once(caplog):
    # A cond whose index the program computes has no derivative on abstract values: the
    # values known now give it, operation by operation; the failed staging is not retried.
    from chainrule import lax

    f = cr.jit(lambda x: lax.cond(cnp.sum(x) > 0, cnp.sin, cnp.cos, x))
    x = np.array([0.3, 0.4])
    cr.config.update("log_compiles", True)
    try:
        with caplog.at_level(logging.INFO, logger="chainrule.jit"):
            for _ in range(3):
                np.testing.assert_allclose(cr.grad(lambda v: cnp.sum(f(v)))(x), np.cos(x),
                                           rtol=1e-15)
                np.testing.assert_allclose(cr.grad(lambda v: cnp.sum(f(v)))(-x), np.sin(x),
                                           rtol=1e-15)
    finally:
        cr.config.update("log_compiles", False)
    assert caplog.text.count("operation by operation") == 1


def test_derivative_of_jit_keeps_outputs_apart_from_inputs():
    x = np.array([1.0, 2.0])
    value, pullback = cr.vjp(cr.jit(lambda a: a), x)
    assert not np.shares_memory(value, x)
    value[0] = 7.0
    np.testing.assert_array_equal(pullback(np.ones(2))[0], [1.0, 1.0])
    np.testing.assert_array_equal(x, [1.0, 2.0])
    v, g = cr.value_and_grad(cr.jit(lambda a: cnp.sum(a * 3.0)))(x)
    assert v == 9.0
    np.testing.assert_array_equal(g, [3.0, 3.0])
    g[0] = 0.0
    np.testing.assert_array_equal(cr.grad(cr.jit(lambda a: cnp.sum(a * 3.0)))(x), [3.0, 3.0])


def test_jit_closing_over_outer_tracer():
    def outer(a):
        return cr.jit(lambda x: a * x ** 2)(2.0)
    assert cr.grad(outer)(3.0) == 4.0
    assert cr.grad(outer)(5.0) == 4.0


def test_jit_with_pytrees_and_kwargs():
    @cr.jit
    def g(p, scale=1.0):
        return {"y": p["a"] * scale, "z": (p["b"], p["a"] + p["b"])}
    out = g({"a": np.ones(2), "b": np.arange(2.0)}, scale=3.0)
    np.testing.assert_allclose(out["y"], [3.0, 3.0])
    np.testing.assert_allclose(out["z"][1], [1.0, 2.0])


def test_optimized_program_drops_duplicates_and_dead_code():
    def g(x):
        unused = cnp.exp(x)  # noqa: F841
        return cnp.sin(x) + cnp.sin(x)
    compiled = cr.jit(g).lower(np.ones(3))
    names = [e.prim.name for e in compiled.program.eqns]
    assert names == ["sin", "add"]
    assert "del" in compiled.source or len(names) == 2


def test_commutative_duplicates_are_merged():
    def g(x, y):
        return cnp.cos(x * y) + cnp.sin(y * x) + (x - y) * (y - x)
    compiled = cr.jit(g).lower(np.ones(3), np.arange(3.0))
    names = [e.prim.name for e in compiled.program.eqns]
    assert names.count("mul") == 2 and names.count("sub") == 2  # x*y once; x-y is not y-x
    x, y = np.array([0.3, 1.2, -0.4]), np.array([2.0, -0.7, 0.5])
    np.testing.assert_allclose(cr.jit(g)(x, y), g(x, y), rtol=1e-15)


def test_make_ir_printout():
    text = str(cr.make_ir(lambda x: cnp.sin(x) * 2.0)(np.ones(3)))
    assert "b:float64[3] = sin a" in text and "mul b 2.0" in text


# --- outputs never alias constants, inputs, the cache or each other -----------------------
def test_constant_outputs_are_fresh_arrays():
    step = cr.jit(cr.grad(lambda w: cnp.sum(3.0 * w)))
    g = step(np.ones(3))
    g *= 0.1  # the caller owns its result
    np.testing.assert_array_equal(step(np.ones(3)), [3.0, 3.0, 3.0])
    w = np.arange(3.0)
    out = cr.jit(lambda x: w)(1.0)
    assert out is not w and not np.shares_memory(out, w)
    out[0] = 7.0
    np.testing.assert_array_equal(cr.jit(lambda x: w)(1.0), [0.0, 1.0, 2.0])
    (value, _), _ = cr.jvp(cr.jit(lambda x: (w, x * 2)), (1.0,), (1.0,))  # inlined program
    assert value is not w and value.flags.writeable
    value[1] = -1.0
    np.testing.assert_array_equal(cr.jit(lambda x: w)(1.0), [0.0, 1.0, 2.0])
    zeros = cr.jit(cr.grad(lambda x, y: cnp.sum(x), argnums=1))
    a = zeros(np.ones(2), np.ones(2))
    a += 5.0
    np.testing.assert_array_equal(zeros(np.ones(2), np.ones(2)), [0.0, 0.0])


def test_outputs_do_not_alias_inputs_or_each_other():
    x = np.arange(4.0)
    for fun in (lambda x: x, lambda x: x.reshape(2, 2), lambda x: x[1:], lambda x: x.T):
        out = cr.jit(fun)(x)
        assert not np.shares_memory(out, x)
        np.testing.assert_array_equal(out, fun(x))
    a, b = cr.jit(lambda x: (x * 2, x * 2))(x)  # one value after common subexpressions
    assert not np.shares_memory(a, b)
    a[0] = 100.0
    np.testing.assert_array_equal(b, [0.0, 2.0, 4.0, 6.0])
    c, d = cr.jit(lambda x: (x, x))(x)
    assert not np.shares_memory(c, d) and not np.shares_memory(c, x)


def test_closed_over_arrays_are_captured_at_trace_time():
    w = np.ones(3)
    direct = cr.jit(lambda x: x * w)
    folded = cr.jit(lambda x: x * (w * 2.0))
    in_loop = cr.jit(lambda x: cr.lax.fori_loop(0, 2, lambda i, c: c + w, x))
    np.testing.assert_array_equal(direct(np.ones(3)), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(folded(np.ones(3)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(in_loop(np.zeros(3)), [2.0, 2.0, 2.0])
    w[:] = 10.0  # not seen by the compiled functions: same rule with and without folding
    np.testing.assert_array_equal(direct(np.ones(3)), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(folded(np.ones(3)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(in_loop(np.zeros(3)), [2.0, 2.0, 2.0])
    # A new signature traces again and sees the array's value at that time.
    np.testing.assert_array_equal(direct(np.ones(3, np.float32)), [10.0, 10.0, 10.0])


# --- any callable, any name, static arguments however they are passed ----------------------
def test_partial_callable_objects_and_keyword_names():
    import functools

    def scale(x, factor):
        return x * factor
    p = cr.jit(functools.partial(scale, factor=3.0))
    np.testing.assert_array_equal(p(np.ones(2)), [3.0, 3.0])
    assert p.__name__ == "partial(scale)"

    class Poly:
        def __call__(self, x):
            return x ** 2 + 1.0
    np.testing.assert_array_equal(cr.jit(Poly())(np.arange(2.0)), [1.0, 2.0])

    def g(x):
        return cnp.sin(x)
    for name in ("lambda", "class", "_sin", "_fresh", "_part0"):
        g.__name__ = name
        np.testing.assert_allclose(cr.jit(g)(np.ones(2)), np.sin(np.ones(2)), err_msg=name)


def test_negative_static_argnums():
    def power(x, n):
        return x ** n if n > 1 else -x
    f = cr.jit(power, static_argnums=-1)
    assert f(2.0, 3) == 8.0
    assert f(2.0, n=2) == 4.0  # -1 names ``n`` through the signature
    assert f(2.0, 1) == -2.0
    assert "pow a 3" in str(cr.make_ir(power, static_argnums=-1)(np.ones(2), 3))
    g = cr.jit(lambda *xs: xs[0] * xs[-1] if xs[-1] > 2 else xs[0], static_argnums=-1)
    assert g(2.0, 3) == 6.0 and g(2.0, 5.0, 1) == 2.0  # *args: counted per call


def test_static_arguments_by_keyword_and_by_position():
    def power(x, n, sign=1.0):
        return sign * x ** n if n > 1 else sign * x
    by_num = cr.jit(power, static_argnums=1)
    by_name = cr.jit(power, static_argnames="n")
    for f in (by_num, by_name):
        assert f(2.0, n=3) == 8.0
        assert f(2.0, 3) == 8.0
        assert f(2.0, 1, sign=-1.0) == -2.0
    with pytest.raises(ValueError, match="static_argnames='m' is not a parameter"):
        cr.jit(power, static_argnames="m")
    with pytest.raises(ValueError, match="static_argnums=3 but the function takes 3"):
        cr.jit(power, static_argnums=3)


def test_string_argument_error_suggests_static():
    def f(x, mode):
        return x * 2 if mode == "double" else x
    with pytest.raises(TypeError, match=r"argument 1 \('mode'\) is a str.*static_argnums=1 or "
                                        r"static_argnames='mode'"):
        cr.jit(f)(1.0, "double")
    with pytest.raises(TypeError, match=r"keyword argument 'mode' is a str.*static_argnames"):
        cr.jit(f)(1.0, mode="double")
    assert cr.jit(f, static_argnames="mode")(1.0, mode="double") == 2.0


def test_log_compiles_is_info_level(caplog):
    cr.config.update("log_compiles", True)
    try:
        with caplog.at_level(logging.DEBUG, logger="chainrule.jit"):
            cr.jit(lambda x: x + 1)(np.ones(2))
    finally:
        cr.config.update("log_compiles", False)
    assert [r.levelno for r in caplog.records] == [logging.INFO]


# --- a bounded cache ----------------------------------------------------------------------
def test_cache_is_bounded_lru_and_logs_evictions(caplog):
    calls = []

    @cr.jit
    def g(x):
        calls.append(x.shape)
        return x + 1
    old = cr.config.jit_cache_size
    cr.config.update("jit_cache_size", 3)
    cr.config.update("log_compiles", True)
    try:
        with caplog.at_level(logging.INFO, logger="chainrule.jit"):
            for n in (1, 2, 3, 1, 4):  # 1 was used recently: 2 is the one evicted
                g(np.ones(n))
            assert len(g.cache) == 3
            g(np.ones(1))
            assert len(calls) == 4
            g(np.ones(2))
            assert len(calls) == 5
    finally:
        cr.config.update("jit_cache_size", old)
        cr.config.update("log_compiles", False)
    text = caplog.text
    assert "jit_cache_size = 3): evicted the least recently used signature" in text
    assert "compiled before and evicted" in text
    with pytest.raises(ValueError, match="positive int"):
        cr.config.update("jit_cache_size", 0)


def test_dispatch_of_plain_arguments_keys_like_the_full_path(caplog):
    # Calls with only arrays and Python numbers take a shorter dispatch: it must tell apart
    # everything the full cache key tells apart.
    calls = []

    @cr.jit
    def g(x, y):
        calls.append(1)
        return x * y
    assert g(np.ones(2), 2).dtype == np.float64
    assert g(np.ones(2, np.float32), 2.0).dtype == np.float32  # weak Python scalar
    assert np.asarray(g(3, 2)).dtype.kind == "i"
    assert g(3, 2.5) == 7.5
    assert g(np.ones(2), np.ones((3, 1))).shape == (3, 2)
    assert len(calls) == 5
    for _ in range(3):  # all cached now
        g(np.ones(2), 2)
        g(3, 2.5)
    assert len(calls) == 5
    cr.config.update("log_compiles", True)
    try:
        with caplog.at_level(logging.INFO, logger="chainrule.jit"):
            cr.config.update("fusion", "off")
            np.testing.assert_array_equal(g(np.ones(2), 2), [2.0, 2.0])
    finally:
        cr.config.update("fusion", "auto")
        cr.config.update("log_compiles", False)
    assert len(calls) == 6
    assert "compiling g" in caplog.text
    out = g(np.ones(2), 2)
    out[0] = 5.0  # a fresh array each call
    np.testing.assert_array_equal(g(np.ones(2), 2), [2.0, 2.0])


# --- at[...] updates with a traced scalar index -------------------------------------------
@pytest.mark.parametrize("mode", ["set", "multiply", "min", "max"])
def test_at_updates_with_traced_scalar_index_in_fori_loop(mode):
    def f(c, v):
        def body(i, c):
            return getattr(cnp.at(c)[i], mode)(v[i] * c[i] + 1.0)
        return cr.lax.fori_loop(0, 3, body, c)

    def loss(c, v):
        return cnp.sum(f(c, v) ** 2)
    c0, v = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.3, -0.7])
    # One scan primitive: the body is traced once with a traced index, not unrolled.
    assert [e.prim.name for e in cr.jit(f).lower(c0, v).program.eqns] == ["scan"]
    np.testing.assert_allclose(cr.jit(f)(c0, v), f(c0, v), rtol=1e-15)
    want = cr.grad(loss, argnums=(0, 1))(c0, v)
    got = cr.jit(cr.grad(loss, argnums=(0, 1)))(c0, v)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    cr.check_grads(loss, (c0, v), order=2, modes=("fwd", "rev"))


def test_at_update_with_traced_scalar_index_directly():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(cr.jit(lambda c, i: cnp.at(c)[i].multiply(3.0))(x, 1),
                                  [0.5, -3.0, 2.0])
    np.testing.assert_array_equal(cr.jit(lambda c, i: cnp.at(c)[i].max(0.0))(x, 1),
                                  [0.5, 0.0, 2.0])
    with pytest.raises(ValueError, match="repeated indices"):  # two traced indices may repeat
        cr.jit(lambda c, i: cnp.at(c)[i].set(0.0))(x, np.array([0, 0]))


# --- long programs ------------------------------------------------------------------------
def test_unrolled_loop_is_compiled_in_chunks_and_warned_about():
    from chainrule._src.compiler import codegen

    def f(x):
        for _ in range(10_000):  # 20,000 operations once unrolled
            x = cnp.sin(x) * 1.0001
        return cnp.sum(x)
    x = np.linspace(0.0, 1.0, 3)
    jitted = cr.jit(f)
    with pytest.warns(RuntimeWarning, match=r"traced 20001 operations; about \d+% of them come "
                                            r"from .*test_jit.py:\d+.*fori_loop"):
        got = jitted(x)
        source = jitted.lower(x).source
    want = x
    for _ in range(10_000):
        want = np.sin(want) * 1.0001
    np.testing.assert_allclose(got, want.sum(), rtol=1e-12)
    n_parts = source.count("def _part")
    assert n_parts == -(-20001 // codegen.CHUNK_EQNS) and codegen.CHUNK_EQNS <= 2000


def test_chunked_code_matches_unchunked(monkeypatch):
    from chainrule._src.compiler import codegen

    w = np.array([0.5, -2.0, 1.5])

    def g(x, y):
        a = cnp.sin(x) * y
        b = cnp.exp(a) + x
        c = cnp.cos(b) * w
        return x, a, (c + a, a), w, cnp.sum(c * y) + cnp.sum(f(x))
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    want = g(x, y)
    want_grad = cr.grad(lambda x, y: g(x, y)[-1], argnums=(0, 1))(x, y)
    want_hess = cr.hessian(f)(x)
    for size in (1, 2, 3, 7):
        monkeypatch.setattr(codegen, "CHUNK_EQNS", size)
        got = cr.jit(g)(x, y)
        assert cr.jit(g).lower(x, y).source.count("def _part") > 1
        for a, b in zip(cr.tree_util.tree_leaves(got), cr.tree_util.tree_leaves(want)):
            np.testing.assert_allclose(a, b, rtol=1e-14)
        assert not np.shares_memory(got[0], x) and not np.shares_memory(got[3], w)
        assert not np.shares_memory(got[1], got[2][1])
        grads = cr.jit(cr.grad(lambda x, y: g(x, y)[-1], argnums=(0, 1)))(x, y)
        for a, b in zip(grads, want_grad):
            np.testing.assert_allclose(a, b, rtol=1e-13)
        np.testing.assert_allclose(cr.jit(cr.hessian(f))(x), want_hess, rtol=1e-12)


def _source_unfused(f, *args):
    old = cr.config.fusion
    cr.config.update("fusion", "off")
    try:
        return cr.jit(f).lower(*args).source
    finally:
        cr.config.update("fusion", old)


def test_dead_intermediate_buffers_are_reused():
    # A chain of ufuncs writes each result into the buffer of the operand that dies there
    # (as eager code cannot), with the same values as NumPy, forward and backward.
    def f(x):
        y = x
        for k in range(8):
            y = cnp.sin(y) * x if k % 2 == 0 else cnp.cos(y) + x
        return cnp.sum(y)

    x = np.linspace(0.1, 0.9, 10_000)
    source = _source_unfused(cr.value_and_grad(f), x)
    assert source.count("out=") >= 10
    # On small arrays a new array is cheaper than out=: none there.
    assert "out=" not in _source_unfused(cr.value_and_grad(f), x[:50])
    old = cr.config.fusion
    cr.config.update("fusion", "off")
    try:
        value, grad = cr.jit(cr.value_and_grad(f))(x)
    finally:
        cr.config.update("fusion", old)
    ev, eg = cr.value_and_grad(f)(x)
    np.testing.assert_allclose(value, ev, rtol=1e-13)
    np.testing.assert_allclose(grad, eg, rtol=1e-13)
    y = x
    for k in range(8):
        y = np.sin(y) * x if k % 2 == 0 else np.cos(y) + x
    np.testing.assert_allclose(value, y.sum(), rtol=1e-13)


def test_buffer_reuse_spares_inputs_constants_outputs_and_viewed_values():
    c = np.linspace(1.0, 2.0, 10_000)

    def f(x):
        a = cnp.sin(x)           # x is the caller's: never written
        b = a * c                # c is a constant: never written
        r = cnp.reshape(b, (100, 100))  # a view of b may exist: b is not reused
        d = cnp.exp(b)
        e = cnp.cos(d)           # d dies here and is the program's own: reused
        return r, e + 1.0, a.shape

    x = np.linspace(0.0, 1.0, 10_000)
    x0, c0 = x.copy(), c.copy()
    source = _source_unfused(f, x)
    assert "out=v" in source
    for line in source.splitlines():
        if "out=" in line:
            donor = line.rsplit("out=", 1)[1].rstrip(")")
            assert donor not in ("v0",) and not donor.startswith("_c")
    assert "_exp(v2, out=v2)" not in source  # b (v2) has a reshaped view
    old = cr.config.fusion
    cr.config.update("fusion", "off")
    try:
        r, e, _ = cr.jit(f)(x)
    finally:
        cr.config.update("fusion", old)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(c, c0)
    np.testing.assert_allclose(r, (np.sin(x) * c).reshape(100, 100), rtol=1e-15)
    np.testing.assert_allclose(e, np.cos(np.exp(np.sin(x) * c)) + 1.0, rtol=1e-15)


# --- folding conjugates and constant factors ----------------------------------------------
from chainrule._src.compiler.passes import fold_conjugates_and_constant_factors  # noqa: E402
from chainrule._src.ir import eval_program  # noqa: E402


def _folded(fun, *args):
    """The traced program of ``fun``, the program after the pass and dead-code removal, and
    both evaluated on ``args``."""
    from chainrule._src.compiler.passes import eliminate_dead_code
    before = cr.make_ir(fun)(*args)
    after = eliminate_dead_code(fold_conjugates_and_constant_factors(before))
    return before, after, eval_program(before, list(args)), eval_program(after, list(args))


def _names(program):
    return [e.prim.name for e in program.eqns]


def test_conjugate_pairs_cancel_and_constant_factors_fold():
    c = np.array([1.0, -2.0, 0.5])
    z = np.array([1 + 2j, -0.5j, 3.0])

    def g(z):
        a = cnp.conj(cnp.conj(z))                          # -> z
        b = cnp.conj(cnp.conj(cnp.sin(z) * c) * 2.0)       # -> sin(z) * (c * 2)
        d = cnp.conj(cnp.conj(z * (1 + 1j)) * (2 - 1j))    # -> z * ((1+1j) * (2+1j))
        return a, b, d, (z * c) * c * 3.0                  # -> z * (c * c * 3)
    before, after, want, got = _folded(g, z)
    assert _names(before).count("conj") == 6 and _names(before).count("mul") == 7
    assert _names(after) == ["sin", "mul", "mul", "mul"]
    assert after.outvars[0] is after.invars[0]
    for w, v in zip(want, got):
        assert v.dtype == w.dtype and v.shape == w.shape
        np.testing.assert_allclose(v, w, rtol=1e-15)


def test_conjugates_of_sums_cancel_into_the_terms():
    # The shape of the transposes of rfft/irfft: conj(conj(x) * c1 + conj(y) * c2).
    c1, c2 = np.array([0.5, 1.0, 2.0]), np.array([1j, -1.0, 1.0 + 1j])

    def g(x, y):
        return cnp.conj(cnp.conj(cnp.exp(x)) * c1 - cnp.conj(cnp.exp(y)) * c2) * 4.0
    x, y = np.array([0.1 + 1j, 0.2, -0.3j]), np.array([1.0, 2j, -1.0])
    before, after, (want,), (got,) = _folded(g, x, y)
    assert "conj" in _names(before)
    assert _names(after) == ["exp", "exp", "mul", "mul", "sub"]  # * 4.0 in both terms
    np.testing.assert_allclose(got, want, rtol=1e-15)
    # A constant factor of a sum of products goes into the products only.
    k = lambda x, y: (cnp.exp(x) * c1 + cnp.exp(y)) * 2.0
    _, after, (want,), (got,) = _folded(k, x, y)
    assert _names(after) == ["exp", "mul", "exp", "add", "mul"]
    k = lambda x, y: (cnp.exp(x) * c1 + cnp.exp(y) * 3.0) * c2
    _, after, (want,), (got,) = _folded(k, x, y)
    assert _names(after) == ["exp", "exp", "mul", "mul", "add"]
    np.testing.assert_allclose(got, want, rtol=1e-15)
    # A term also read elsewhere keeps its conjugate: nothing is duplicated.
    def h(x, y):
        a = cnp.conj(cnp.exp(x)) * c1
        return cnp.conj(a - cnp.conj(cnp.exp(y)) * c2) * 4.0, a
    before, after, want, got = _folded(h, x, y)
    assert _names(after) == _names(before)
    for w, v in zip(want, got):
        np.testing.assert_allclose(v, w, rtol=1e-15)


def test_constant_factors_fold_only_where_dtype_and_shape_are_kept():
    x32 = np.array([1.0, 2.0, 3.0], np.float32)
    c64 = np.array([0.1, 0.2, 0.3])
    cases = [
        # float32 * weak scalars stays float32: folded
        (lambda x: (x * 0.1) * 3.0, x32, ["mul"]),
        # rounding to float32 before a float64 factor is kept: not folded
        (lambda x: (x * np.float32(0.1)) * c64, x32, ["mul", "mul"]),
        # a factor that broadcasts the result: folded into one of the result's shape
        (lambda x: (x * np.ones((2, 1))) * c64, c64, ["mul"]),
        # integers are left alone
        (lambda x: (x * 3) * 5, np.arange(3), ["mul", "mul"]),
        # and so are array subclasses (a masked constant keeps NumPy's own rules)
        (lambda x: (x * np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])) * 2.0, c64,
         ["mul", "mul"]),
    ]
    for fun, x, names in cases:
        _, after, (want,), (got,) = _folded(fun, x)
        assert _names(after) == names
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6 if x.dtype == np.float32 else 1e-15)


def test_folding_under_jit_matches_eager_with_derivatives():
    c = np.linspace(0.5, 2.0, 5)

    def g(z, s):
        w = cnp.conj(cnp.conj(z * s) * c) * 2.0
        return cnp.sum(cnp.abs(w) ** 2) + cnp.sum(cnp.real(cnp.conj(cnp.conj(z) * c)))
    z = np.array([1 + 1j, 2.0, -1j, 0.5, 1 - 2j])
    # The transposes differentiate through the folded programs too.
    np.testing.assert_allclose(cr.jit(g)(z, 1.5), g(z, 1.5), rtol=1e-14)
    cr.check_grads(cr.jit(lambda re, s: g(re + 0.5j, s)), (z.real.copy(), 1.5), order=2,
                   modes=("fwd", "rev"))
    np.testing.assert_allclose(cr.grad(lambda s: cr.jit(g)(z, s))(1.5),
                               cr.grad(lambda s: g(z, s))(1.5), rtol=1e-14)


def test_constants_of_numpy_calls_take_the_loop_dtype_bit_for_bit():
    # NumPy converts a Python scalar, or a real constant meeting a complex array, on every
    # call; generated code converts them once.  The values stay NumPy's, bit for bit.
    x = np.array([0.3, -1.7, 2.5, 1e-300, -0.0])
    z = x * (1 - 2j)
    x32 = x.astype(np.float32)
    real = np.array([1.5, -2.0, 0.25, 3.0, 7.0])
    ops = [lambda a: a * 0.1, lambda a: 0.1 - a, lambda a: a / 3, lambda a: a + 2,
           lambda a: a * real, lambda a: real / a, lambda a: cnp.power(a, 2),
           lambda a: cnp.power(a, 0.5), lambda a: cnp.maximum(a, 0.2) if a.dtype.kind == "f"
           else a - real, lambda a: cnp.arctan2(a, 2.0) if a.dtype.kind == "f" else a + 1j]
    for a in (x, z, x32):
        for op in ops:
            with np.errstate(all="ignore"):
                want = op(a)
                got = cr.jit(op)(a)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want, strict=True)
    compiled = cr.jit(lambda a: a * real * 0.5).lower(z)
    consts = [v for k, v in compiled.fn.__globals__.items() if k.startswith("_c")]
    assert consts and all(c.dtype == np.complex128 for c in consts)
    # An array subclass stays as it is: a masked constant keeps its mask.
    masked = np.ma.array([1.0, 2.0, 3.0, 4.0, 5.0], mask=[0, 1, 0, 0, 0])
    got = cr.jit(lambda a: a * masked)(z)
    assert isinstance(got, np.ma.MaskedArray) and got.mask.tolist() == masked.mask.tolist()
    # A large constant stays as it is (NumPy converts it in chunks; no second copy).
    from chainrule._src.compiler.codegen import CAST_MAX_BYTES
    big = np.linspace(0.0, 1.0, CAST_MAX_BYTES // 8)
    compiled = cr.jit(lambda a: a * big).lower(big * 1j)
    assert [v.dtype for k, v in compiled.fn.__globals__.items() if k.startswith("_c")] == [
        np.float64]
    np.testing.assert_array_equal(compiled.fn(big * 1j)[0], big * 1j * big, strict=True)
    # A weakly typed input (a Python float) meets a float32 constant: float32, as NumPy.
    c32 = np.array([1.0, 2.0], np.float32)
    assert cr.jit(lambda s: s * c32)(0.1).dtype == np.float32
    np.testing.assert_array_equal(cr.jit(lambda s: s * c32)(0.1), 0.1 * c32, strict=True)


def test_scalar_arithmetic_is_generated_as_operators_with_numpys_types():
    # 0-d arithmetic on NumPy scalars is written as Python operators (NumPy's scalar
    # arithmetic, several times cheaper than a ufunc call), with the ufunc's types.
    def f(x, y, flag):
        s = cnp.sum(x)                      # a NumPy scalar
        t = (s * 2.0 - y) / 3.0
        big = (t > 0.5) & ~flag
        return (t, big, cnp.where(big, t, -s), -t, cnp.where(big, -np.inf, t),
                cnp.where(big, 0, t), s == np.inf, t != -np.inf)

    x32 = np.array([0.25, 0.5], np.float32)
    src = cr.jit(f).lower(x32, np.float32(1.0), np.bool_(False)).source
    assert " * (2.0)" in src and src.count(" if ") == 3 and " == (_c" in src
    for args in [(x32, np.float32(1.0), np.bool_(False)),
                 (np.array([0.25, 2.0]), 0.5, np.False_), (np.array([0.25, 2.0]), 0.5, np.True_)]:
        got = cr.jit(f)(*args)
        want = f(*args)
        for g, w in zip(got, want):
            assert np.asarray(g).dtype == np.asarray(w).dtype
            assert np.asarray(g).shape == ()
            np.testing.assert_array_equal(g, w)


def test_operators_on_python_scalar_arguments_keep_numpys_rules():
    # Python scalars passed in are never combined by a Python operator (~True is -2).
    f = cr.jit(lambda a, b: (~(a < b), ~cnp.logical_not(a < b), -(a - b)))
    inv, inv2, neg = f(1.0, 2.0)
    assert inv is not False and np.asarray(inv).dtype == bool and not inv
    assert np.asarray(inv2).dtype == bool and bool(inv2)
    assert np.asarray(neg).dtype == np.float64 and neg == 1.0


def test_rows_picked_by_a_traced_index_under_jit_and_vmap():
    table = np.arange(24.0).reshape(6, 4)
    from chainrule._src.lax.indexing import getitem

    f = cr.jit(lambda i, u: (getitem(table, i), u[i + 1], u[i, None] * 2.0))
    row, one, col = f(np.int64(2), np.arange(7.0))
    np.testing.assert_array_equal(row, table[2])
    assert one == 3.0 and col.shape == (1,) and col[0] == 4.0
    rows, ones, _ = cr.jit(cr.vmap(f))(np.array([0, 5]), np.arange(14.0).reshape(2, 7))
    np.testing.assert_array_equal(rows, table[[0, 5]])
    np.testing.assert_array_equal(ones, [1.0, 13.0])
    # the row is a copy: writing into the output leaves the constant alone
    row[:] = -1.0
    assert table[2, 0] == 8.0


def test_where_results_are_fresh_arrays_and_never_copied_again():
    # numpy.where always allocates: an array it returns from a constant operand needs no
    # defensive copy, and writing into it leaves the constant alone
    const = np.arange(4.0)
    f = cr.jit(lambda c: cnp.where(c, const, -1.0))
    assert "_fresh" not in f.lower(np.ones(4, bool)).source
    out = f(np.ones(4, bool))
    out[:] = 7.0
    np.testing.assert_array_equal(const, np.arange(4.0))


def test_jitted_gradient_through_slices_and_integers_equals_eager():
    # the derivative of x[0], x[1:3], x[3:] is a scatter-add through a basic index
    def f(x):
        return x[0] * cnp.sum(x[1:3] ** 2) + cnp.sum(cnp.sin(x[3:])) + x[-1] * x[0]

    x = np.linspace(-1.0, 2.0, 7)
    g = cr.jit(cr.grad(f))(x)
    np.testing.assert_array_equal(g, cr.grad(f)(x))
    cr.check_grads(f, (x,), order=2, modes=("fwd", "rev"))
    g32 = cr.jit(cr.grad(f))(x.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g, rtol=1e-6)


def test_jitted_reshape_of_arrays_scalars_and_views():
    f = cr.jit(lambda x, s: (cnp.reshape(x, (2, 3)), cnp.reshape(s * 2.0, (1, 1)),
                             cnp.reshape(x.T, (6,))))
    x = np.arange(6.0).reshape(3, 2)
    a, b, c = f(x, 1.5)
    np.testing.assert_array_equal(a, x.reshape(2, 3))
    assert b.shape == (1, 1) and b[0, 0] == 3.0
    np.testing.assert_array_equal(c, x.T.reshape(6))
    a[0, 0] = -1.0  # outputs never share memory with the inputs
    assert x[0, 0] == 0.0


def test_scalar_where_never_returns_a_constant_itself():
    # a 0-d where may be generated as ``c if p else x``: its result is copied on the way out
    # where it may be a constant
    const = np.array(2.0)
    f = cr.jit(lambda x: cnp.where(cnp.sum(x) > 0, const, cnp.sum(x)))
    a = f(np.ones(3))
    assert a == 2.0
    if isinstance(a, np.ndarray):
        a[...] = 7.0
    assert const == 2.0
