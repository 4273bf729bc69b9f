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
        with caplog.at_level(logging.WARNING, logger="chainrule.jit"):
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
