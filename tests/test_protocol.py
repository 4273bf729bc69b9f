"""The engine's protocol: only ``interpreters/`` and ``core.py`` know trace and tracer
classes; everything else asks ``is_tracer``, ``trace.owns``/``unpack`` and the rules
primitives declare (``docs/design/higher-order.md``)."""

import pathlib
import re

import numpy as np
import pytest

import chainrule as cr
import chainrule.lax as lax
import chainrule.numpy as cnp
from chainrule._src import core
from chainrule._src.core import Trace, Tracer, get_aval, new_trace
from chainrule.core import is_tracer

SRC = pathlib.Path(core.__file__).parent


def _engine_files():
    """Source files outside the engine proper (``interpreters/`` and ``core.py``)."""
    return [p for p in sorted(SRC.rglob("*.py"))
            if "interpreters" not in p.relative_to(SRC).parts and p != SRC / "core.py"]


def test_no_trace_class_tests_outside_the_engine():
    pattern = re.compile(r"isinstance\(.*Trace")
    found = [f"{p.relative_to(SRC)}:{i}" for p in _engine_files()
             for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []


def test_no_tracer_fields_read_outside_the_engine():
    pattern = re.compile(r"\._trace\b|\.primal\b|\.tangent\b|\.bdim\b|\.tangent_trace\b")
    found = [f"{p.relative_to(SRC)}:{i}" for p in _engine_files()
             for i, line in enumerate(p.read_text().splitlines(), 1)
             if pattern.search(line.split("#")[0])]
    assert found == []


def test_is_tracer_tells_traced_values_from_data():
    seen = []

    def f(x):
        seen.append(is_tracer(x))
        return cnp.sum(x * x)

    x = np.arange(3.0)
    for transform in (cr.grad, cr.jit, lambda g: cr.vmap(g), lambda g: cr.jacfwd(g)):
        transform(f)(x)
    assert seen == [True] * 4
    assert not any(is_tracer(v) for v in (x, 1.0, 2, True, 1j, np.float32(1), [x], None))
    f(x)
    assert seen[-1] is False


class _CountingTracer(Tracer):
    # ``primal`` lets ``concrete_value`` see the number behind it, as for derivatives.
    __slots__ = ("primal",)

    def __init__(self, trace, primal):
        self._trace = trace
        self.primal = primal

    @property
    def aval(self):
        return get_aval(self.primal)


class _CountingTrace(Trace):
    """An interpreter written only against ``core``: counts the primitives it sees."""

    name = "count"

    def __init__(self, parent):
        super().__init__(parent)
        self.count = {}

    def process(self, prim, args, params):
        self.count[prim.name] = self.count.get(prim.name, 0) + 1
        vals = [x.primal if self.owns(x) else x for x in args]
        out = self.bind_on_parent(prim, vals, params)
        if prim.multiple_results:
            return [_CountingTracer(self, o) for o in out]
        return _CountingTracer(self, out)


def _counted(fun, *args):
    trace = _CountingTrace(core.current_trace())
    with new_trace(trace):
        out = fun(*[_CountingTracer(trace, a) for a in args])
        return [o.primal if trace.owns(o) else o for o in out], trace.count


@cr.custom_jvp
def _softplus(x):
    return cnp.log1p(cnp.exp(x))


_softplus.defjvp(lambda p, t: (_softplus(p[0]), t[0] / (1 + cnp.exp(-p[0]))))


def _program(x, y):
    """Control flow, custom rules, checkpoint and jit together."""
    a = lax.cond(cnp.sum(x) > 0, lambda v: v * 2.0, lambda v: -v, x)
    c, ys = lax.scan(lambda c, v: (c + v, c * v), 0.0, a)
    w = lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, y)
    s = _softplus(x)
    k = cr.checkpoint(lambda v: cnp.sin(cnp.sin(v)))(x)
    j = cr.jit(lambda u, v: cnp.tanh(u) * v)(x, y)
    return [c, ys, w, s, k, j]


@pytest.mark.parametrize("x", [np.array([0.5, -1.0, 2.0]), np.array([-3.0, 1.0, -1.0])])
def test_a_new_interpreter_runs_every_higher_order_construct(x):
    y = np.float64(1.5)
    got, count = _counted(_program, x, y)
    want = _program(x, y)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-15)
    assert count["jit_call"] == 1  # the compiled call reaches the new trace whole
    # Derivatives through it are those of the program run plainly.
    grads = cr.grad(lambda v: sum(cnp.sum(o) for o in _counted(_program, v, y)[0]))(x)
    np.testing.assert_allclose(grads, cr.grad(lambda v: sum(cnp.sum(o) for o in
                                                          _program(v, y)))(x), rtol=1e-12)
