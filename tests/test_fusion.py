"""Elementwise fusion under jit (numexpr): same results as NumPy, the right code, the policy."""

import logging

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
import chainrule.numpy as cnp
from chainrule._src.compiler import fusion
from chainrule._src.core import primitives
from chainrule.tree_util import tree_leaves

numexpr = pytest.importorskip(
    "numexpr", reason="numexpr is part of the 'test' extra: pip install -e '.[test]'")

# The module, not the helper of the same name that chainrule._src.lax exports.
ew = sys.modules["chainrule._src.lax.elementwise"]
rng = np.random.default_rng(0)
CALL = "_numexpr.evaluate("


@pytest.fixture(autouse=True)
def restore_config():
    saved = cr.config.fusion, cr.config.fusion_threshold
    yield
    cr.config.fusion, cr.config.fusion_threshold = saved


def run(f, *args, mode):
    """``jit(f)(*args)`` and its generated source under fusion ``mode``."""
    cr.config.update("fusion", mode)
    jf = cr.jit(f)
    return jf(*args), jf.lower(*args).source


def fused_and_plain(f, *args):
    """Results with every supported tree fused, and with fusion off; checks the source."""
    got, source = run(f, *args, mode="numexpr")
    assert CALL in source, source
    want, plain_source = run(f, *args, mode="off")
    assert CALL not in plain_source
    return got, want


def assert_same_to_rounding(got, want, ulps=4):
    """Equal NaN/inf pattern and dtype, values within a few units in the last place."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype == bool:
        np.testing.assert_array_equal(got, want)
        return
    for g, w in ((got.real, want.real), (got.imag, want.imag)):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
        finite = np.isfinite(w)
        np.testing.assert_array_equal(g[~finite], w[~finite])
        tol = ulps * np.spacing(np.abs(w[finite]).astype(w.dtype))
        assert np.all(np.abs(g[finite] - w[finite]) <= tol), np.max(np.abs(g - w))


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, 1e-300, 1e300, -1e300, np.inf, -np.inf,
           np.nan, 1e-8, 1e8, 710.0, -745.0, 5e-324]


def sample(dtype, n=4000):
    base = np.concatenate([rng.standard_normal(n) * 3, rng.uniform(-1, 1, n),
                           np.exp(rng.uniform(-40, 40, n)) * rng.choice([-1, 1], n), SPECIAL])
    if np.dtype(dtype).kind == "c":
        z = np.empty(base.size, dtype)
        z.real, z.imag = base, base[::-1]
        return z
    with np.errstate(over="ignore"):
        return base.astype(dtype)


# Every function of one argument that declares a numexpr spelling.
UNARY = [p.name for p in primitives.values()
         if p.numexpr is not None and p.numexpr[0] == "fn" and p.name != "arctan2"]
assert len(UNARY) == 19


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", UNARY)
def test_each_function_matches_numpy(name, dtype):
    x = sample(dtype)
    prim = getattr(ew, name)
    got, want = fused_and_plain(lambda x: ew.neg(prim(x)), x)
    assert_same_to_rounding(got, want)


BINARY = ["add", "sub", "mul", "div", "pow", "arctan2", "eq", "ne", "lt", "le", "gt", "ge"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("name", BINARY)
def test_each_binary_operation_matches_numpy(name, dtype):
    x = sample(dtype)
    y = x[::-1].copy()
    op = getattr(ew, name)
    if getattr(ew, f"{name}_p").numexpr[0] == "cmp":
        f = lambda x, y: ew.logical_not(op(x, y))  # noqa: E731
    else:
        f = lambda x, y: ew.neg(op(x, y))  # noqa: E731
    if np.dtype(dtype) not in getattr(ew, f"{name}_p").numexpr[2] or name == "pow":
        # A traced exponent is never fused: NumPy's power takes sqrt for an exponent 0.5
        # that reaches its loop with stride 0, which is not known when code is generated.
        if name != "arctan2":  # NumPy has no complex arctan2
            _, source = run(f, x, y, mode="numexpr")
            assert CALL not in source  # the operation stays a NumPy call
        return
    got, want = fused_and_plain(f, x, y)
    assert_same_to_rounding(got, want)
    grid = np.array(SPECIAL, dtype=dtype)
    a, b = (v.ravel() for v in np.meshgrid(grid, grid))
    got, want = fused_and_plain(f, a, b)
    assert_same_to_rounding(got, want)


def assert_same_with_signed_zeros(got, want):
    assert_same_to_rounding(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("p", [0.5, 2.0, -1.0, 3.0, 1.5, -0.5, 0.0, 1.0, 2, -1])
def test_power_with_a_constant_exponent_keeps_numpys_special_values(p, dtype):
    # NumPy takes sqrt for a scalar exponent 0.5: (-inf) ** 0.5 is nan, (-0.0) ** 0.5 is
    # -0.0, where C's pow (numexpr's **) gives inf and +0.0.
    x = np.array(SPECIAL + [-2.0, -3.0, -0.5, 4.0], dtype=dtype)
    exponents = [p, np.array(p, dtype), np.array([p], dtype), np.full(x.shape, p, dtype),
                 np.broadcast_to(np.array(p, dtype), x.shape)]
    for e in exponents:
        def f(x):
            return ew.neg(ew.pow(x, e))
        want = -np.power(x, e)
        got, source = run(f, x, mode="numexpr")
        assert_same_with_signed_zeros(got, want)
        assert_same_with_signed_zeros(run(f, x, mode="off")[0], want)
        # A scalar or an array of the full shape is fused; a broadcast view is not.
        assert (CALL in source) == (np.ndim(e) == 0 or np.size(e) == 1 or 0 not in e.strides)
        if np.isclose(p, 0.5) and np.size(e) == 1:
            assert "sqrt(" in source
    # A traced exponent: its strides are known only at run time, so it is not fused.
    y = np.broadcast_to(np.array(p, dtype), x.shape)
    got, source = run(lambda x, y: ew.neg(ew.pow(x, y)), x, y, mode="numexpr")
    assert_same_with_signed_zeros(got, -np.power(x, y))
    assert CALL not in source


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_where_and_logic(dtype):
    x, y = sample(dtype), sample(dtype)[::-1].copy()

    def f(x, y):
        c = ew.logical_or(ew.logical_and(ew.ne(x, y), ew.eq(x, x)), ew.logical_not(ew.eq(y, y)))
        return ew.select(c, ew.neg(x), ew.add(y, x))
    with np.errstate(invalid="ignore"):
        got, want = fused_and_plain(f, x, y)
    assert_same_to_rounding(got, want, ulps=0)


def chain(x, n_ops=20):
    y = x
    for k in range(n_ops):
        y = [cnp.sin, lambda v: v * x, cnp.cos, lambda v: v + x][k % 4](y)
    return cnp.sum(y)


def test_chain_forward_and_value_and_grad():
    x = rng.uniform(0.1, 0.9, 5000)
    got, want = fused_and_plain(chain, x)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    (value, grad), (want_value, want_grad) = fused_and_plain(cr.value_and_grad(chain), x)
    np.testing.assert_allclose(value, want_value, rtol=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-13)
    np.testing.assert_allclose(grad, cr.grad(chain)(x), rtol=1e-13)  # eager, unfused


def test_trees_stay_near_their_root_and_reuse_dead_buffers():
    # An accumulation of cotangents is a chain of single-use additions interleaved with
    # other work: one tree would keep every term alive until the last.  No tree spans
    # more than MAX_GAP equations outside it, and a tree writes into an operand that dies
    # there when it is large enough (out=), with the same values.
    from chainrule._src.compiler import codegen

    n = codegen.REUSE_MIN_BYTES // 8 * 2
    x = rng.uniform(0.1, 0.9, n)
    cr.config.update("fusion", "numexpr")
    compiled = cr.jit(cr.value_and_grad(chain)).lower(x)
    trees = fusion._trees(compiled.program)
    assert any(len(members) > 2 for members in trees.values())
    for root, members in trees.items():
        assert root + 1 - members[0] - len(members) <= fusion.MAX_GAP, members
    assert any(CALL in line and "out=" in line for line in compiled.source.splitlines())
    (value, grad), (want_value, want_grad) = fused_and_plain(cr.value_and_grad(chain), x)
    np.testing.assert_allclose(value, want_value, rtol=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-13)


def test_scaled_sum_of_a_gradient_is_fused():
    # The gradient of x * y records one scaled_sum; its transpose and the cotangent sums
    # around it form one tree.
    from chainrule._src.lax.elementwise import scaled_sum

    x, y, z = (rng.uniform(-1, 1, 3000) for _ in range(3))
    got, want = fused_and_plain(lambda a, b, c: cnp.sin(scaled_sum(a, b, c, 2.0) + a), x, y, z)
    assert_same_to_rounding(got, want)
    source = run(lambda a, b, c: cnp.sin(scaled_sum(a, b, c, 2.0) + a), x, y, z,
                 mode="numexpr")[1]
    assert "sin((((v0 * v1) + (v2 * (2.0))) + v0))" in source


def test_broadcasting_and_mixed_scalars():
    x = rng.standard_normal((300, 1))
    y = rng.standard_normal((1, 200))
    s = np.float64(0.25)

    def f(x, y, s, t):
        return cnp.where(x > y, cnp.sin(x) * y + s, cnp.cos(y) - x * t) * 2.0 - 1

    got, want = fused_and_plain(f, x, y, s, 3.0)
    assert got.shape == (300, 200)
    assert_same_to_rounding(got, want, ulps=1)
    got, want = fused_and_plain(f, x, y, np.array(0.5), np.float64(-1.5))
    assert_same_to_rounding(got, want, ulps=1)


def test_float32_stays_float32_with_python_constants():
    x = rng.uniform(-2, 2, 3000).astype(np.float32)

    def f(x):
        return cnp.where(x < 0.3, cnp.sin(x) * 0.1 + x / 3.0, -x ** 2)
    got, want = fused_and_plain(f, x)
    assert got.dtype == np.float32
    assert_same_to_rounding(got, want)
    g32 = cr.jit(cr.grad(lambda x: cnp.sum(f(x))))
    cr.config.update("fusion", "numexpr")
    got = g32(x)
    cr.config.update("fusion", "off")
    assert_same_to_rounding(got, g32(x))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_complex_fuses_only_exact_operations():
    z = sample(np.complex128)
    w = z[::-1].copy()

    def f(z, w):
        return cnp.where(z == w, z - w, -(z + w)) + z * w
    got, source = run(f, z, w, mode="numexpr")
    fused_line = next(line for line in source.splitlines() if CALL in line)
    assert "*" not in fused_line.split("local_dict")[0]  # the product stays a NumPy call
    cr.config.update("fusion", "off")
    assert_same_to_rounding(got, cr.jit(f)(z, w), ulps=0)


def test_integer_and_mixed_dtypes_are_not_fused():
    i = np.arange(10000)
    _, source = run(lambda i: (i + 1) * 2 - i, i, mode="numexpr")
    assert CALL not in source
    x32, x64 = np.ones(5000, np.float32), np.ones(5000)
    _, source = run(lambda a, b: (a + b) * b, x32, x64, mode="numexpr")
    assert CALL not in source  # float32 + float64 promotes: left to NumPy


def test_intermediate_used_twice_or_returned_is_materialized():
    x = rng.standard_normal(4000)

    def f(x):
        a = cnp.sin(x) * x  # returned: must exist as an array
        b = cnp.cos(a) + a * a  # `a` used three times
        return a, b * 2.0
    (a, b), source = run(f, x, mode="numexpr")
    assert source.count(CALL) == 2
    cr.config.update("fusion", "off")
    for g, w in zip((a, b), cr.jit(f)(x)):
        assert_same_to_rounding(g, w, ulps=1)


@pytest.fixture
def numexpr_threads():
    """Set numexpr's thread count for one test (the auto policy depends on it)."""
    old = numexpr.get_num_threads()
    yield numexpr.set_num_threads
    numexpr.set_num_threads(old)


def test_auto_policy_threads_size_threshold_and_costly_operations(numexpr_threads):
    f = lambda x: cnp.sin(x) * x + cnp.cos(x)  # noqa: E731
    small, big = np.ones(100), np.ones(cr.config.fusion_threshold)
    numexpr_threads(4)
    _, source = run(f, small, mode="auto")
    assert CALL not in source  # below the threshold: the plain NumPy statements
    _, source = run(f, big, mode="auto")
    assert CALL in source
    cr.config.update("fusion_threshold", 10)
    _, source = run(f, np.ones(20000), mode="auto")
    assert CALL in source
    _, source = run(f, np.ones(1000), mode="auto")
    assert CALL not in source  # the fixed cost of the call outweighs the gain
    # exp and tanh are SIMD loops in NumPy, scalar calls in numexpr: NumPy calls.
    _, source = run(lambda x: cnp.tanh(cnp.exp(x) * x) * 2.0, big, mode="auto")
    assert CALL not in source and "_tanh(" in source
    # On one thread numexpr is slower than NumPy for every tree (sin and cos about equal).
    numexpr_threads(1)
    _, source = run(f, big, mode="auto")
    assert CALL not in source
    _, source = run(f, big, mode="numexpr")
    assert CALL in source


def test_scalars_and_single_operations_are_left_alone():
    _, source = run(lambda x: cnp.sin(x) * x, 1.5, mode="numexpr")
    assert CALL not in source
    _, source = run(lambda x: cnp.sum(cnp.sin(x)), np.ones(10), mode="numexpr")
    assert CALL not in source


def test_runtime_guard_falls_back_for_other_array_types():
    class Tagged(np.ndarray):
        pass

    f = lambda x: cnp.sin(x) * 2.0 + x  # noqa: E731
    x = rng.standard_normal(3000)
    cr.config.update("fusion", "numexpr")
    compiled = cr.jit(f).lower(x)
    assert CALL in compiled.source and "_fusion_plain(v0)" in compiled.source
    (out,) = compiled.fn(x.view(Tagged))
    assert type(out) is Tagged  # computed by the NumPy statements, which keep the subclass
    (plain_out,) = compiled.fn(x)
    assert type(plain_out) is np.ndarray
    np.testing.assert_array_equal(np.asarray(out), plain_out)


def test_program_is_unchanged_and_transforms_of_jit_work():
    x = rng.standard_normal(3000)
    f = lambda x: cnp.sum(cnp.sin(x) * x + cnp.cos(x) * 2.0)  # noqa: E731
    cr.config.update("fusion", "numexpr")
    compiled = cr.jit(f).lower(x)
    assert all(e.prim is not fusion.FUSED for e in compiled.program.eqns)
    want = cr.grad(f)(x)
    np.testing.assert_allclose(cr.grad(cr.jit(f))(x), want, rtol=1e-13)
    np.testing.assert_allclose(cr.vmap(cr.jit(cr.grad(f)))(np.stack([x, x]))[1], want,
                               rtol=1e-13)


def test_changing_the_setting_recompiles(caplog):
    f = cr.jit(lambda x: cnp.sin(x) * x)
    x = np.ones(10)
    cr.config.update("fusion", "off")
    f(x)
    cr.config.update("log_compiles", True)
    try:
        with caplog.at_level(logging.INFO, logger="chainrule.jit"):
            cr.config.update("fusion", "numexpr")
            f(x)
    finally:
        cr.config.update("log_compiles", False)
    assert "fusion settings changed ('off'" in caplog.text


def test_config_errors(monkeypatch):
    with pytest.raises(ValueError, match="must be one of"):
        cr.config.update("fusion", "numba")
    with pytest.raises(ValueError, match="non-negative int"):
        cr.config.update("fusion_threshold", -1)
    cr.config.fusion = "sometimes"  # set directly, bypassing update: caught at compile
    with pytest.raises(ValueError, match="must be one of"):
        cr.jit(lambda x: x + 1)(1.0)
    cr.config.fusion = "auto"
    monkeypatch.setattr(fusion, "_numexpr", False)  # as if numexpr were not installed
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[fusion\]'"):
        cr.config.update("fusion", "numexpr")
    cr.config.fusion = "numexpr"
    with pytest.raises(ImportError, match="pip install"):
        cr.jit(lambda x: x + 1)(1.0)
    cr.config.update("fusion", "auto")  # without numexpr, auto is the plain path
    cr.config.update("fusion_threshold", 0)
    f = cr.jit(lambda x: cnp.sin(x) * x)
    np.testing.assert_allclose(f(np.ones(3)), np.sin(1.0) * np.ones(3))
    assert CALL not in f.lower(np.ones(3)).source


def test_long_and_wide_trees_are_cut_to_numexpr_limits():
    x = rng.uniform(0.1, 0.9, 2000)
    ys = [rng.standard_normal(2000) for _ in range(60)]

    def long_chain(x):
        y = x
        for _ in range(150):
            y = cnp.sin(y) + x
        return y

    def wide(x, ys):
        return sum((y * x for y in ys[1:]), ys[0] * x)

    for f, args in ((long_chain, (x,)), (wide, (x, ys))):
        got, source = run(f, *args, mode="numexpr")
        assert source.count(CALL) > 1
        cr.config.update("fusion", "off")
        assert_same_to_rounding(got, cr.jit(f)(*args), ulps=1)


def test_branches_of_cond_and_other_array_libraries():
    import chainrule.lax as lax

    x = rng.standard_normal(3000)

    def f(x, p):
        return lax.cond(p > 0, lambda v: cnp.sin(v) * v + 1.0, lambda v: cnp.cos(v) - v, x)
    for p in (1.0, -1.0):
        got, _ = run(f, x, p, mode="numexpr")
        want, _ = run(f, x, p, mode="off")
        assert_same_to_rounding(got, want, ulps=1)
    cr.config.update("fusion", "numexpr")
    (switch,) = [e for e in cr.jit(f).lower(x, 1.0).program.eqns if e.prim.name == "switch"]
    assert all(CALL in branch.source for branch in switch.params["branches"])

    da = pytest.importorskip("dask.array")
    xd = da.from_array(x, chunks=1000)
    cr.config.update("fusion", "numexpr")
    out = cr.jit(lambda v: cnp.sin(v) * v + 1.0)(xd)
    assert isinstance(out, da.Array)  # other libraries keep their own calls
    assert_same_to_rounding(out.compute(), np.sin(x) * x + 1.0, ulps=0)


FUSED_UNARY = [cnp.sin, cnp.cos, cnp.tanh, cnp.arctan, lambda v: cnp.exp(-v * v),
               lambda v: cnp.sqrt(1.0 + v * v), lambda v: cnp.log1p(v * v), cnp.abs,
               lambda v: -v, lambda v: v ** 2, lambda v: cnp.arcsinh(v) * 0.5]
FUSED_BINARY = [cnp.add, cnp.subtract, cnp.multiply, lambda a, b: a / (2.0 + b * b),
                lambda a, b: cnp.where(a < b, a, b * 0.5), lambda a, b: cnp.arctan2(a, b)]


@st.composite
def elementwise_programs(draw):
    """A random chain of elementwise operations on two broadcasting inputs."""
    steps = draw(st.lists(st.tuples(st.integers(0, len(FUSED_UNARY) - 1),
                                    st.integers(0, len(FUSED_BINARY) - 1),
                                    st.booleans()), min_size=1, max_size=8))

    def f(x, y):
        a, b = x, y
        for u, bi, swap in steps:
            a, b = FUSED_UNARY[u](a), FUSED_BINARY[bi](a, b)
            if swap:
                a, b = b, a
        return a * b - a
    return f


@settings(max_examples=40, deadline=None, derandomize=True)
@given(elementwise_programs(), st.sampled_from([((50, 40), (50, 40)), ((50, 1), (1, 40)),
                                                ((40,), (50, 40)), ((), (2000,))]),
       st.sampled_from([np.float64, np.float32]), st.integers(0, 2 ** 31 - 1))
def test_random_elementwise_programs_and_their_gradients(f, shapes, dtype, seed):
    r = np.random.default_rng(seed)
    x, y = (r.uniform(-1, 1, s).astype(dtype) for s in shapes)
    tol = {"rtol": 1e-12, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-5,
                                                                       "atol": 2e-5}
    g = cr.value_and_grad(lambda x, y: cnp.sum(f(x, y)), argnums=(0, 1))
    for fn in (f, g):
        with np.errstate(all="ignore"):
            got, source = run(fn, x, y, mode="numexpr")
            want, _ = run(fn, x, y, mode="off")
        assert CALL in source
        for a, b in zip(tree_leaves(got), tree_leaves(want)):
            assert np.asarray(a).dtype == np.asarray(b).dtype
            np.testing.assert_allclose(a, b, **tol)


def test_errstate_raise_runs_the_numpy_statements():
    f = lambda x: cnp.log(x) * 2.0 + x  # noqa: E731
    x = np.array([1.0, 0.0, 2.0])
    got, source = run(f, x, mode="numexpr")
    assert CALL in source
    assert got[1] == -np.inf  # fused: no warning machinery, same value
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            cr.jit(f)(x)
