"""``jit(f, backend="numba")``: every registry primitive compiled by Numba or in the listed
fallback set (checked to fall back, with the right answer), derivatives, loops and vmap
equal to eager evaluation."""

import logging
from collections import defaultdict

import numpy as np
import pytest

import chainrule as cr
import chainrule.lax as lax
import chainrule.numpy as cnp
from chainrule._src.compiler import numba_backend, numba_scalar
from chainrule._src.core import primitives

from test_primitives import CASES, INDIRECT

numba = pytest.importorskip("numba", reason="the numba extra is not installed")

# Primitives with no Numba lowering: each runs on NumPy between the compiled segments.
# Mostly special functions (Numba has no SciPy), linear algebra whose NumPy and LAPACK
# conventions Numba does not reproduce, random bit generators, and callbacks.
FALLBACK = {
    "adjugate", "adjugate_jvp", "argsort", "bessel_i", "beta", "betainc", "betainc_d",
    "betaincc", "betainccinv", "betaincinv", "betaln", "bitwise_count", "cholesky",
    "cosdg", "cosm1", "cotdg", "custom_vjp_linear", "dawsn", "det", "digamma",
    "discrete_lyapunov", "eig", "eigh", "einsum", "entr", "erf", "erfc", "erfcinv",
    "erfcx", "erfi", "erfinv", "exp1", "exp10", "expit", "expn", "frexp_exponent",
    "funm_sym", "funm_sym_d1", "funm_sym_d2", "gamma", "gammainc", "gammainc_da",
    "gammaincc", "gammainccinv", "gammaincinv", "gammaln", "gammasgn", "heaviside",
    "hyp1f1", "hyp2f1", "hyperu", "i0", "i0e", "i1", "i1e", "integer_argument",
    "iv", "ive", "j0", "j1", "jv", "k0", "k0e", "k1", "k1e", "kl_div", "kn", "kv", "kve",
    "kve_dv", "lambertw", "log_expit", "log_ndtr", "loggamma", "logit", "lu",
    "lu_pivots_to_permutation", "matfun", "matfun_frechet", "ndtr", "ndtri", "ndtri_exp",
    "owens_t", "pinv", "poch", "polygamma", "powm1", "pure_callback", "qr",
    "random_binomial_quantile", "random_poisson_quantile", "rel_entr", "rgamma",
    "riemann_zeta", "round", "schur", "scipy_eigh", "searchsorted", "sindg", "slogdet",
    "solve", "sort", "spherical_in", "spherical_jn", "spherical_kn", "spherical_yn", "svd",
    "sylvester", "take_along_axis", "tandg", "scatter_add_along_axis",
    "triangular_solve", "tridiagonal_solve", "well_conditioned", "while_residuals",
    "while_linear",
    "while_linear_transpose", "y0", "y1", "yn", "yv", "zeta",
}

# Lowered, but not for every case in tests/cases_*.py: these cases fall back (the reason
# is the lowering's check) and must still give the eager answer.
PARTIAL = {
    "getitem": "advanced indexing beyond one index array on the first axis",
    "scatter_add": "advanced indexing beyond one index array on the first axis",
    "scatter_set": "advanced indexing beyond one index array on the first axis",
    "matmul": "batched (rank 3) operands",
    "convert_element_type": "complex to real",
    "reduce_prod": "complex operands",
    "cumprod": "complex operands",
    "cumsum": "complex operands",
}

BY_PRIM = defaultdict(list)
for _c in CASES:
    BY_PRIM[_c.prim].append(_c)


def _eager_and_numba(cases):
    """Every case of one primitive in one program: one Numba compilation per primitive."""
    prim = primitives[cases[0].prim]
    flat, spans = [], []
    for c in cases:
        spans.append((len(flat), len(c.args), c.params))
        flat.extend(c.args)

    def f(*args):
        return [prim.bind(*args[s:s + n], **p) for s, n, p in spans]

    expected = f(*flat)
    jf = cr.jit(f, backend="numba")
    got = jf(*flat)
    (compiled, _, _), = jf.cache.values()
    return expected, got, compiled


def _assert_same(got, expected, multiple):
    pairs = zip(got, expected) if multiple else [(got, expected)]
    for g, e in pairs:
        g, e = np.asarray(g), np.asarray(e)
        assert g.dtype == e.dtype
        assert g.shape == e.shape
        if e.dtype.kind in "fc":
            np.testing.assert_allclose(g, e, rtol=1e-13, atol=1e-300, equal_nan=True)
        else:
            np.testing.assert_array_equal(g, e)


def test_fallback_lists_name_registered_primitives():
    assert FALLBACK <= set(primitives)
    assert set(PARTIAL) <= set(primitives) - FALLBACK
    assert set(INDIRECT) <= FALLBACK


@pytest.fixture(params=["scalars", "arrays"])
def lowering(request, monkeypatch):
    """Both lowerings: small arrays as scalars (the default for these small cases), and
    arrays (what larger ones get)."""
    if request.param == "arrays":
        monkeypatch.setattr(numba_scalar, "SCALAR_MAX", -1)
    return request.param


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", sorted(set(BY_PRIM) - set(INDIRECT)))
def test_primitive_under_numba_equals_eager(name, lowering):
    cases = BY_PRIM[name]
    prim = primitives[name]
    with np.errstate(all="ignore"):
        expected, got, compiled = _eager_and_numba(cases)
    for g, e in zip(got, expected):
        _assert_same(g, e, prim.multiple_results)
    fell_back = {what for what, _ in compiled.fallbacks}
    if name in FALLBACK:
        assert name in fell_back, f"{name} is listed as a fallback but Numba compiled it"
        assert name not in numba_backend.RULES
    elif name in PARTIAL:
        assert fell_back <= {name}, compiled.fallbacks
    else:
        assert not compiled.fallbacks, compiled.fallbacks


def _compiled(jf):
    (compiled, _, _), = jf.cache.values()
    return compiled


def _burgers(nu, u0, steps=200):
    dx, dt = 1.0 / u0.shape[0], 1e-4

    def step(i, u):
        up, um = cnp.roll(u, -1), cnp.roll(u, 1)
        return u - dt * u * (up - um) / (2 * dx) + nu * dt * (up - 2 * u + um) / dx ** 2
    return cnp.sum(lax.fori_loop(0, steps, step, u0) ** 2)


def test_fori_loop_burgers_value_and_grad_equal_eager():
    u0 = np.sin(np.linspace(0, 2 * np.pi, 64, endpoint=False))
    f = cr.value_and_grad(_burgers, argnums=(0, 1))
    jf = cr.jit(f, backend="numba")
    (v, (gnu, gu)), (ve, (gnue, gue)) = jf(0.01, u0), f(0.01, u0)
    np.testing.assert_allclose(v, ve, rtol=1e-12)
    np.testing.assert_allclose(gnu, gnue, rtol=1e-10)
    np.testing.assert_allclose(gu, gue, rtol=1e-10, atol=1e-12)
    compiled = _compiled(jf)
    assert not compiled.fallbacks
    assert "for " in compiled.source  # the loops are native loops, not NumPy calls


def test_while_loop_newton_equals_eager():
    def cube_root(a):
        def body(c):
            x, n = c
            return x - (x ** 3 - a) / (3 * x ** 2), n + 1
        x, n = lax.while_loop(lambda c: cnp.abs(c[0] ** 3 - a) > 1e-12 * a, body, (a, 0))
        return x, n
    a = 27.0
    jf = cr.jit(cube_root, backend="numba")
    (x, n), (xe, ne) = jf(a), cube_root(a)
    assert x == xe and int(n) == int(ne) and int(n) > 3
    np.testing.assert_allclose(x, 3.0, rtol=1e-12)
    assert not _compiled(jf).fallbacks
    # Forward mode through the loop compiles as well.
    jd = cr.jit(lambda a: cr.jvp(lambda b: cube_root(b)[0], (a,), (1.0,)), backend="numba")
    (p, t), (pe, te) = jd(a), cr.jvp(lambda b: cube_root(b)[0], (a,), (1.0,))
    assert p == pe
    np.testing.assert_allclose(t, te, rtol=1e-12)
    np.testing.assert_allclose(t, 1 / 27, rtol=1e-8)


def test_while_loop_reverse_mode_falls_back_with_the_right_gradient():
    def f(x):
        return lax.while_loop(lambda v: v < 10.0, lambda v: v * 1.5, x)
    jf = cr.jit(cr.grad(f), backend="numba")
    assert float(jf(2.0)) == pytest.approx(float(cr.grad(f)(2.0)))
    names = {what for what, _ in _compiled(jf).fallbacks}
    assert "while_residuals" in names  # its tape is a Python list


def test_scan_cumulative_and_grad_equal_eager():
    xs = np.linspace(-1.0, 2.0, 50).reshape(25, 2)

    def f(c0, xs):
        def step(c, x):
            c = c * 0.9 + cnp.sin(x)
            return c, c * c
        c, ys = lax.scan(step, c0, xs)
        return cnp.sum(ys) + cnp.sum(c)
    c0 = np.array([0.5, -0.25])
    jf = cr.jit(cr.value_and_grad(f, argnums=(0, 1)), backend="numba")
    (v, (g0, gx)), (ve, (g0e, gxe)) = jf(c0, xs), cr.value_and_grad(f, argnums=(0, 1))(c0, xs)
    np.testing.assert_allclose(v, ve, rtol=1e-12)
    np.testing.assert_allclose(g0, g0e, rtol=1e-12)
    np.testing.assert_allclose(gx, gxe, rtol=1e-12)
    assert not _compiled(jf).fallbacks
    cr.check_grads(cr.jit(f, backend="numba"), (c0, xs), order=2, modes=("fwd", "rev"))

    def cumulative(xs):
        return lax.scan(lambda c, x: (c + x, c + x), 0.0, xs)[1]
    x1 = np.arange(1.0, 8.0)
    np.testing.assert_array_equal(cr.jit(cumulative, backend="numba")(x1), np.cumsum(x1))


def test_cond_equals_eager_on_both_branches():
    def f(x):
        return lax.cond(cnp.sum(x) > 0, lambda y: cnp.sin(y) * 2.0, lambda y: y - 1.0, x)
    jf = cr.jit(f, backend="numba")
    for x in (np.array([1.0, 2.0]), np.array([-1.0, -2.0])):
        np.testing.assert_array_equal(jf(x), f(x))
    assert not _compiled(jf).fallbacks


def test_value_and_grad_of_elementwise_chain_equals_eager():
    def chain(x):
        for k in range(30):
            x = cnp.sin(x) * 1.01 + 0.1 * x if k % 2 else cnp.tanh(x) - x * x * 0.01
        return cnp.sum(x)
    x = np.linspace(-1, 1, 7)
    f = cr.value_and_grad(chain)
    jf = cr.jit(f, backend="numba")
    (v, g), (ve, ge) = jf(x), f(x)
    np.testing.assert_allclose(v, ve, rtol=1e-13)
    np.testing.assert_allclose(g, ge, rtol=1e-13)
    assert not _compiled(jf).fallbacks


def test_float32_keeps_its_dtype():
    x = np.linspace(0, 1, 5, dtype=np.float32)
    f = cr.jit(lambda x: cnp.sin(x) * 2.0 + 1, backend="numba")
    out = f(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.sin(x) * 2.0 + 1, rtol=1e-6)


def test_vmap_of_numba_jit_and_jit_of_vmap_equal_eager():
    u0 = np.sin(np.linspace(0, 2 * np.pi, 32, endpoint=False))
    nus = np.array([0.01, 0.02, 0.05])
    g = cr.grad(_burgers)
    expected = np.array([g(nu, u0) for nu in nus])
    outer = cr.jit(cr.vmap(g, in_axes=(0, None)), backend="numba")
    np.testing.assert_allclose(outer(nus, u0), expected, rtol=1e-10)
    assert not _compiled(outer).fallbacks
    inner = cr.vmap(cr.jit(g, backend="numba"), in_axes=(0, None))
    np.testing.assert_allclose(inner(nus, u0), expected, rtol=1e-10)


def test_outputs_never_alias_inputs_or_each_other():
    x = np.arange(4.0)
    a, b, c = cr.jit(lambda x: (x, x.reshape(2, 2), x), backend="numba")(x)
    a[0] = b[0, 0] = c[1] = 100.0
    np.testing.assert_array_equal(x, np.arange(4.0))
    assert a[1] == 1.0 and b[0, 1] == 1.0


def test_index_out_of_bounds_raises():
    f = cr.jit(lambda x, i: x[i] * 2.0, backend="numba")
    np.testing.assert_array_equal(f(np.arange(3.0), np.array([2, -1])), [4.0, 4.0])
    with pytest.raises(IndexError):
        f(np.arange(3.0), np.array([3]))


def test_unlowerable_primitive_splits_the_program_and_is_reported(caplog):
    def f(x):
        y = cnp.sin(x) * 2.0
        z = cnp.sort(y)  # no Numba lowering
        return cnp.cos(z) + y
    x = np.array([0.3, -1.0, 2.0])
    jf = cr.jit(f, backend="numba")
    cr.config.update("log_compiles", True)
    try:
        with caplog.at_level(logging.INFO, logger="chainrule.jit"):
            out = jf(x)
    finally:
        cr.config.update("log_compiles", False)
    np.testing.assert_allclose(out, f(x), rtol=1e-15)
    compiled = _compiled(jf)
    assert [what for what, _ in compiled.fallbacks] == ["sort"]
    assert compiled.source.count("def segment(") == 2
    assert any("sort" in r.getMessage() and "NumPy" in r.getMessage() for r in caplog.records)
    program = cr.make_ir(f, backend="numba")(x)
    assert "sort" in repr(program).split("numba:")[1]


def test_auto_chooses_numba_for_small_loops_only():
    u0 = np.sin(np.linspace(0, 2 * np.pi, 16, endpoint=False))
    small = cr.jit(_burgers, backend="auto")
    np.testing.assert_allclose(small(0.01, u0), _burgers(0.01, u0), rtol=1e-12)
    assert isinstance(_compiled(small), numba_backend.NumbaCompiled)
    no_loop = cr.jit(lambda x: cnp.sin(x) * 2, backend="auto")
    no_loop(u0)
    assert not isinstance(_compiled(no_loop), numba_backend.NumbaCompiled)
    big = cr.jit(_burgers, backend="auto")
    big_u = np.zeros(numba_backend.AUTO_MAX_ELEMENTS + 1)
    np.testing.assert_allclose(big(0.01, big_u), 0.0)
    assert not isinstance(_compiled(big), numba_backend.NumbaCompiled)


def test_missing_numba_names_the_extra(monkeypatch):
    monkeypatch.setattr(numba_backend, "_numba", False)
    with pytest.raises(ImportError, match=r"chainrule\[numba\]"):
        cr.jit(lambda x: x + 1, backend="numba")(1.0)
    # "auto" quietly uses NumPy
    assert cr.jit(_burgers, backend="auto")(0.01, np.zeros(8)) == 0.0


def test_unknown_backend_is_an_error():
    with pytest.raises(ValueError, match="backend"):
        cr.jit(lambda x: x, backend="cuda")


def _three_body_rk4(y, m, steps):
    def rhs(y):
        q = cnp.reshape(y[:6], (3, 2))
        d = cnp.reshape(q, (1, 3, 2)) - cnp.reshape(q, (3, 1, 2))
        a = cnp.sum(cnp.reshape(m * (cnp.sum(d * d, 2) + 1e-3) ** -1.5, (3, 3, 1)) * d, 1)
        return cnp.concatenate([y[6:], cnp.reshape(a, (6,))])

    def step(_, y):
        k1 = rhs(y)
        k2 = rhs(y + 0.005 * k1)
        k3 = rhs(y + 0.005 * k2)
        k4 = rhs(y + 0.01 * k3)
        return y + 0.01 / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return lax.fori_loop(0, steps, step, y)


def test_small_states_are_scalarized_and_equal_eager():
    y0 = np.array([1.0, 0.0, -0.5, 0.8, -0.5, -0.8, 0.0, 0.5, -0.45, -0.25, 0.45, -0.25])
    m = np.ones(3)

    def energy(y0):
        return cnp.sum(_three_body_rk4(y0, m, 40) ** 2)
    f = cr.value_and_grad(energy)
    jf = cr.jit(f, backend="numba")
    (v, g), (ve, ge) = jf(y0), f(y0)
    np.testing.assert_allclose(v, ve, rtol=1e-12)
    np.testing.assert_allclose(g, ge, rtol=1e-10)
    compiled = _compiled(jf)
    assert not compiled.fallbacks
    # one scalar per element: no array operation is left in the generated loops
    assert "np.concatenate" not in compiled.source and "_k." not in compiled.source


def test_derivatives_of_a_numba_jitted_function_equal_eager():
    def f(x):
        return cnp.sum(cnp.sin(x) * x) + lax.fori_loop(0, 5, lambda i, c: c * 0.5 + x[0], 0.0)
    x = np.array([0.3, -1.2, 2.0])
    jf = cr.jit(f, backend="numba")
    np.testing.assert_allclose(cr.grad(jf)(x), cr.grad(f)(x), rtol=1e-13)
    np.testing.assert_allclose(cr.jvp(jf, (x,), (np.ones(3),))[1],
                               cr.jvp(f, (x,), (np.ones(3),))[1], rtol=1e-13)
    cr.check_grads(jf, (x,), order=2, modes=("fwd", "rev"))


def test_new_axis_on_a_scalar_compiles_and_equals_eager():
    # A 0-d value is a Numba scalar: ``s[None]`` must build an array, not index it.  The
    # 100-element input keeps the program on the array lowering, as a NUTS transition is.
    def f(x):
        s = lax.fori_loop(0, 3, lambda i, c: c * 0.5 + cnp.sum(x), 0.0)
        flag = cnp.any(x > 0.5)
        return s[None] * x, s[None, None], flag[None]
    x = np.linspace(0.0, 1.0, 100)
    jf = cr.jit(f, backend="numba")
    got, want = jf(x), f(x)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=1e-13)
    assert not _compiled(jf).fallbacks


def test_random_bits_under_numba_equal_eager():
    # Threefry (split, fold_in) and Philox (the bits of uniform and normal draws) are
    # lowered word for word: the same key gives the same draws on both backends.
    from chainrule import random as crandom

    def f(key):
        k1, k2 = crandom.split(crandom.fold_in(key, 7), 2)
        u = crandom.uniform(k1, (1044,))
        keys = crandom.split(k2, 5)
        return u, cr.vmap(lambda k: crandom.uniform(k, (3,)))(keys), crandom.bits(k2)
    key = crandom.key(42)
    jf = cr.jit(f, backend="numba")
    got, want = jf(key), f(key)
    for g, w in zip(got, want):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_array_equal(g, w)
    assert not _compiled(jf).fallbacks


def test_identical_programs_share_one_compiled_function(monkeypatch):
    # Each jit below traces and compiles afresh (as every infer.nuts call does); the
    # second compilation of an identical program takes the function compiled by the
    # first instead of reloading it from Numba's disk cache.
    def f(x):
        return cnp.sin(x) * 2.0 + x[::-1]

    def g(x):
        return cnp.cos(x) * 2.0 + x[::-1]

    x = np.linspace(0.0, 1.0, 100)
    first, second, other = (cr.jit(h, backend="numba") for h in (f, f, g))
    for jf, h in ((first, f), (second, f), (other, g)):
        np.testing.assert_allclose(jf(x), h(x), rtol=1e-15)
    (a,), (b,), (c,) = (_compiled(jf).segments for jf in (first, second, other))
    assert a is not b and a.fn is not None
    assert b.fn is a.fn
    assert c.fn is not a.fn
    # bounded: with room for one function, compiling g dropped f's
    monkeypatch.setattr(numba_backend, "COMPILED_CACHE_SIZE", 1)
    monkeypatch.setattr(numba_backend, "_compiled", type(numba_backend._compiled)())
    for h in (f, g, f):
        jf = cr.jit(h, backend="numba")
        np.testing.assert_allclose(jf(x), h(x), rtol=1e-15)
    (d,) = _compiled(jf).segments
    assert d.fn is not a.fn and len(numba_backend._compiled) == 1


def test_sources_calling_kernels_name_the_kernels_version():
    # Numba's disk cache is keyed by the caller's file only: a segment compiled against
    # older kernels must get a new source (a new hash) when numba_kernels.py changes.
    import hashlib
    import inspect

    from chainrule._src.compiler import numba_kernels

    digest = hashlib.sha256(open(inspect.getfile(numba_kernels), "rb").read()).hexdigest()
    jf = cr.jit(lambda x: cnp.sum(x, axis=1), backend="numba")
    x = np.arange(200.0).reshape(20, 10)
    np.testing.assert_allclose(jf(x), x.sum(axis=1), rtol=1e-15)
    source = _compiled(jf).source
    assert "numba_kernels as _k" in source and digest[:16] in source
