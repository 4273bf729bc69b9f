"""Public transforms: grad, jvp, vjp, linearize, Jacobians, Hessians, nesting and pytrees."""

import collections
import dataclasses
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.tree_util import register_dataclass


def f_scalar(x):
    return cnp.sin(x) * x ** 2


def df_scalar(x):
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)


def test_grad_matches_analytic():
    assert np.isclose(cr.grad(f_scalar)(1.3), df_scalar(1.3))


def test_third_order_grad():
    d3 = cr.grad(cr.grad(cr.grad(lambda x: x ** 5)))(2.0)
    assert np.isclose(d3, 60 * 2.0 ** 2)


def test_jvp_of_grad_and_grad_of_jvp():
    g = cr.grad(f_scalar)
    _, t = cr.jvp(g, (1.3,), (1.0,))
    assert np.isclose(t, cr.grad(g)(1.3))
    h = cr.grad(lambda x: cr.jvp(f_scalar, (x,), (1.0,))[1])(1.3)
    assert np.isclose(h, t)


def test_nested_grad_closing_over_outer_variable():
    assert cr.grad(lambda x: x * cr.grad(lambda y: x * y)(1.0))(2.0) == 4.0


def test_nested_jvp_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = 1 ; a confused implementation gives 2.
    def outer(x):
        return x * cr.jvp(lambda y: x + y, (1.0,), (1.0,))[1]
    assert cr.jvp(outer, (3.0,), (1.0,))[1] == 1.0


def test_value_and_grad_argnums_and_aux():
    def f(x, y, z):
        return cnp.sum(x * y) + z, {"sq": x ** 2}
    (val, aux), (gx, gy) = cr.value_and_grad(f, argnums=(0, 1), has_aux=True)(
        np.array([1.0, 2.0]), np.array([3.0, 4.0]), 1.0)
    assert val == 12.0
    np.testing.assert_allclose(gx, [3.0, 4.0])
    np.testing.assert_allclose(gy, [1.0, 2.0])
    np.testing.assert_allclose(aux["sq"], [1.0, 4.0])
    assert type(aux["sq"]) is np.ndarray


def test_value_and_grad_argnums_for_each_number_of_arguments():
    # The positions to differentiate are worked out once per number of arguments: every
    # call with too few arguments still says so, and calls with other numbers still work.
    vg = cr.value_and_grad(lambda *xs: cnp.sum(xs[-1] * xs[0]), argnums=(0, -1))
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])
    for _ in range(2):
        assert vg(a, b)[1][1] is not None
        np.testing.assert_array_equal(vg(a, b)[1][0], b)
        np.testing.assert_array_equal(vg(a, b, c)[1][0], c)
        np.testing.assert_array_equal(vg(a, b, c)[1][1], a)
        np.testing.assert_array_equal(vg(a)[1][0], 2 * a)  # argnums (0, -1): one argument
        with pytest.raises(ValueError, match="out of range"):
            vg()
    with pytest.raises(TypeError, match="floating-point"):
        vg(np.array([1, 2]), b)


def test_grad_of_pytree_input():
    Params = collections.namedtuple("Params", "w b")

    def loss(p, x):
        return cnp.sum((p.w * x + p.b["c"]) ** 2)
    p = Params(np.array([1.0, 2.0]), {"c": 0.5})
    g = cr.grad(loss)(p, np.array([1.0, -1.0]))
    assert isinstance(g, Params)
    np.testing.assert_allclose(g.w, [2 * 1.5 * 1, 2 * -1.5 * -1])
    np.testing.assert_allclose(g.b["c"], 2 * 1.5 + 2 * -1.5)


def test_registered_dataclass_pytree():
    @register_dataclass
    @dataclasses.dataclass
    class Model:
        a: np.ndarray
        name: str = dataclasses.field(default="m", metadata={"static": True})

    g = cr.grad(lambda m: cnp.sum(m.a ** 3))(Model(np.array([1.0, 2.0])))
    assert isinstance(g, Model) and g.name == "m"
    np.testing.assert_allclose(g.a, [3.0, 12.0])


class _Frozen:
    """An immutable pair, registered with a cache for its flattened form."""

    def __init__(self, a, b):
        self.__dict__.update(a=a, b=b)


cr.tree_util.register_pytree_node(_Frozen, lambda p: ((p.a, p.b), None),
                                  lambda _, c: _Frozen(*c), cache=lambda p: p.__dict__)


def test_registered_node_with_a_cache():
    # The flattened form is kept after the first flatten (or unflatten) and reused; a list
    # below the node keeps it from being kept (its contents may change).
    p = _Frozen(np.array([1.0, 2.0]), (np.array(3.0), None))
    leaves, td = cr.tree_util.tree_flatten(p)
    again, td2 = cr.tree_util.tree_flatten(p)
    assert td2 is td and [x is y for x, y in zip(leaves, again)] == [True, True]
    g = cr.grad(lambda p: cnp.sum(p.a ** 2) * p.b[0])(p)
    assert isinstance(g, _Frozen) and g.b[1] is None
    np.testing.assert_allclose(g.a, [6.0, 12.0])
    np.testing.assert_allclose(g.b[0], 5.0)
    assert cr.tree_util.tree_structure(g) is td  # rebuilt: its structure kept as well
    q = _Frozen(np.ones(1), [np.ones(1)])
    assert len(cr.tree_util.tree_leaves(q)) == 2
    q.b.append(np.ones(1))
    assert len(cr.tree_util.tree_leaves(q)) == 3


def test_hessian_of_dict_function():
    def f(p):
        return p["x"] ** 2 * p["y"] + cnp.sum(p["v"] ** 3)
    p = {"x": 1.5, "y": 2.0, "v": np.array([1.0, 2.0])}
    h = cr.hessian(f)(p)
    assert np.isclose(h["x"]["x"], 2 * 2.0)
    assert np.isclose(h["x"]["y"], 2 * 1.5)
    assert np.isclose(h["y"]["x"], 2 * 1.5)
    np.testing.assert_allclose(h["v"]["v"], np.diag([6.0, 12.0]))
    np.testing.assert_allclose(h["x"]["v"], [0.0, 0.0])


def test_jacobians_agree_in_all_modes():
    A = np.arange(6.0).reshape(3, 2)

    def f(x):
        return cnp.tanh(A @ x) * x[0]
    x = np.array([0.3, -0.2])
    expected = cr.jacfwd(f)(x)
    np.testing.assert_allclose(cr.jacrev(f)(x), expected)
    for mode in ("auto", "fwd", "rev"):
        np.testing.assert_allclose(cr.jacobian(f, mode=mode)(x), expected)
    eps = 1e-6
    numeric = np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(2)], 1)
    np.testing.assert_allclose(expected, numeric, rtol=1e-6)


def test_jacobian_auto_picks_cheaper_mode(monkeypatch):
    from chainrule._src.transforms import api
    calls = collections.Counter()
    fwd, bwd = api.Linearized.forward, api.Linearized.backward
    monkeypatch.setattr(api.Linearized, "forward",
                        lambda self, t: calls.update(["fwd"]) or fwd(self, t))
    monkeypatch.setattr(api.Linearized, "backward",
                        lambda self, c: calls.update(["rev"]) or bwd(self, c))
    # One vectorized pass over the whole basis, in the cheaper direction...
    cr.jacobian(lambda x: cnp.concatenate([x, x, x]))(np.ones(2))  # 2 inputs, 6 outputs
    assert calls == {"fwd": 1}
    calls.clear()
    cr.jacobian(lambda x: cnp.sum(x) * x[:2])(np.ones(5))  # 5 inputs, 2 outputs
    assert calls == {"rev": 1}
    calls.clear()
    # ... or one pass per chunk of basis directions.
    J = cr.jacobian(lambda x: cnp.sum(x) * x[:2], chunk_size=2)(np.ones(5))
    assert calls == {"rev": 1}
    np.testing.assert_allclose(J, cr.jacobian(lambda x: cnp.sum(x) * x[:2])(np.ones(5)))
    calls.clear()
    cr.jacobian(lambda x: cnp.concatenate([x, x, x]), chunk_size=1)(np.ones(2))
    assert calls == {"fwd": 2}


def test_jacobian_auto_runs_plain_forward_mode_once_it_knows_the_shapes(monkeypatch):
    # Pushing tangents through a recorded linearization costs more than forward mode
    # itself: after the first call, a tall Jacobian must not linearize at all.
    from chainrule._src.transforms import api
    calls = collections.Counter()
    init = api.Linearized.__init__

    def counting_init(self, *args, **kwargs):
        calls.update(["linearize"])
        init(self, *args, **kwargs)
    monkeypatch.setattr(api.Linearized, "__init__", counting_init)
    W = np.random.default_rng(1).normal(size=(40, 3))

    def f(x):
        return cnp.tanh(W[:, :x.shape[0]] @ x), cnp.sum(x)
    jac = cr.jacobian(f, has_aux=True)
    for x in (np.array([0.1, 0.2, -0.3]), np.array([0.2, 0.1, 0.5])):  # R^3 -> R^40
        calls.clear()
        J, aux = jac(x)
        np.testing.assert_allclose(J, cr.jacrev(f, has_aux=True)(x)[0], atol=1e-14)
        np.testing.assert_allclose(aux, np.sum(x))
    assert calls == {"linearize": 1}  # the jacrev reference only
    wide = cr.jacobian(lambda x: (W.T @ cnp.sin(x))[:2])  # R^40 -> R^2: reverse mode
    x = np.linspace(-1, 1, 40)
    for _ in range(2):
        calls.clear()
        np.testing.assert_allclose(wide(x), cr.jacfwd(lambda x: (W.T @ cnp.sin(x))[:2])(x),
                                   atol=1e-14)
        assert calls == {"linearize": 1}
    # Under jit and vmap the choice is made per argument shape as well.
    np.testing.assert_allclose(cr.jit(jac)(x[:3])[0], cr.jacfwd(f, has_aux=True)(x[:3])[0],
                               atol=1e-14)
    xs = np.stack([x[:3], x[3:6]])
    np.testing.assert_allclose(cr.vmap(lambda v: jac(v)[0])(xs),
                               np.stack([cr.jacfwd(f, has_aux=True)(v)[0] for v in xs]),
                               atol=1e-14)


@pytest.mark.parametrize("chunk_size", [None, 1, 3, 50])
def test_chunked_jacobians_match(chunk_size):
    def f(x):
        return {"a": cnp.tanh(x @ x.T), "b": cnp.sum(x ** 3, axis=0)}
    x = np.random.default_rng(0).standard_normal((3, 4))
    ref_f, ref_r = cr.jacfwd(f)(x), cr.jacrev(f)(x)
    for jac in (cr.jacfwd, cr.jacrev):
        got = jac(f, chunk_size=chunk_size)(x)
        for k in ("a", "b"):
            np.testing.assert_allclose(got[k], ref_f[k], atol=1e-12)
            np.testing.assert_allclose(ref_r[k], ref_f[k], atol=1e-12)
    assert ref_f["a"].shape == (3, 3, 3, 4) and ref_f["b"].shape == (4, 3, 4)


def test_jacobian_shapes_for_matrix_input():
    J = cr.jacrev(lambda m: m @ np.ones(3))(np.ones((2, 3)))
    assert J.shape == (2, 2, 3)


def test_linearize_and_vjp():
    y, f_jvp = cr.linearize(f_scalar, 1.3)
    assert np.isclose(f_jvp(2.0), 2 * df_scalar(1.3))
    assert np.isclose(f_jvp(1.0), df_scalar(1.3))  # reusable
    y2, f_vjp = cr.vjp(f_scalar, 1.3)
    assert y == y2
    (ct,) = f_vjp(1.0)
    assert np.isclose(ct, df_scalar(1.3))


def test_elementwise_grad():
    x = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(cr.elementwise_grad(f_scalar)(x), df_scalar(x))


def test_integer_inputs_carry_no_tangent():
    def f(x, n):
        return x ** n
    out, t = cr.jvp(f, (2.0, 3), (1.0, 0))
    assert out == 8.0 and t == 12.0
    _, f_vjp = cr.vjp(f, 2.0, 3)
    gx, gn = f_vjp(1.0)
    assert gx == 12.0 and gn == 0
    assert cr.grad(f)(2.0, 3) == 12.0


def test_control_flow_on_values_under_grad():
    def f(x):
        if x > 0:
            return x ** 2
        return -x
    assert cr.grad(f)(3.0) == 6.0
    assert cr.grad(f)(-3.0) == -1.0


def test_plain_numpy_calls_on_tracers_are_differentiated():
    def f(x):
        return np.sum(np.sin(x) * np.exp(x)) + np.max(x)
    x = np.array([0.1, 0.7])
    expected = np.cos(x) * np.exp(x) + np.sin(x) * np.exp(x) + np.array([0.0, 1.0])
    np.testing.assert_allclose(cr.grad(f)(x), expected)


def test_numpy_array_on_the_left():
    g = cr.grad(lambda x: cnp.sum(np.array([1.0, 2.0]) * x + np.ones(2) / x))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [1.0 - 1.0, 2.0 - 0.25])


@pytest.mark.parametrize("transform", [cr.grad, cr.jacrev, cr.jacfwd])
def test_fast_path_returns_plain_arrays(transform):
    assert type(cnp.sin(np.ones(3))) is np.ndarray
    assert type(cnp.sum(np.ones(3))) is np.float64
    out = transform(lambda x: cnp.sum(x ** 2))(np.ones(3))
    assert type(out) is np.ndarray


def test_stop_gradient():
    assert cr.grad(lambda x: x * cr.stop_gradient(x))(3.0) == 3.0
    tree = cr.stop_gradient({"a": np.ones(2)})
    assert set(tree) == {"a"}


def test_float32_stays_float32():
    x = np.ones(3, np.float32)
    g = cr.grad(lambda x: cnp.sum(cnp.sin(x) * 2.0))(x)
    assert g.dtype == np.float32


def test_einsum_gradient_with_broadcast_size_one_operand():
    # A (1,) operand broadcasts against a (3,) one inside einsum: its cotangent is summed.
    y = np.array([1.0, 2.0, 3.0])

    def f(x):
        return cnp.einsum("i,i->", 2 * x, y) + cnp.sum((2 * x) ** 2)
    x = np.array([1.0])
    expected = 2 * y.sum() + 8 * x
    np.testing.assert_allclose(cr.grad(f)(x), expected)
    np.testing.assert_allclose(cr.jacrev(f)(x), expected)
    np.testing.assert_allclose(cr.jacfwd(f)(x), expected)
    g = cr.grad(lambda x: cnp.einsum("i,i->", x, y))(x)
    assert g.shape == (1,) and np.allclose(g, y.sum())


@pytest.mark.parametrize("shapes", [((0,), (1,)), ((1,), (0,)), ((2, 0), (1, 1))])
def test_einsum_gradient_with_an_empty_operand(shapes):
    # Size 0 broadcasting against size 1: the cotangent of each operand has its shape.
    xs, ys = shapes
    x, y = np.ones(xs), np.ones(ys)
    sub = "i,i->i" if len(xs) == 1 else "ij,ij->ij"
    for argnums in (0, 1):
        g = cr.grad(lambda a, b: cnp.sum(cnp.einsum(sub, a, b)), argnums=argnums)(x, y)
        assert g.shape == (x, y)[argnums].shape and not np.any(g)


@pytest.mark.parametrize("summed", [5, 1])
def test_einsum_gradient_of_an_operand_axis_that_is_summed_out(summed):
    # 'l' appears only in the differentiated operand: its cotangent is broadcast along it,
    # also when that axis has size 1.
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    x = np.random.default_rng(1).standard_normal((summed, 4, 3))

    def f(x):
        return cnp.sum(cnp.einsum("ijk,lkj->ijk", a, x) ** 2)
    s = np.einsum("ijk,lkj->ijk", a, x)
    expected = np.broadcast_to(2 * np.einsum("ijk,ijk->kj", s, a), x.shape)
    np.testing.assert_allclose(cr.grad(f)(x), expected, rtol=1e-12)
    cr.check_grads(f, (x,), order=2)


@pytest.mark.parametrize("compute", [
    lambda x: cr.grad(cnp.sum)(x),
    lambda x: cr.grad(cnp.mean)(x),
    lambda x: cr.vjp(cnp.sum, x)[1](1.0)[0],
    lambda x: cr.elementwise_grad(lambda a: cnp.sum(a) * cnp.ones(3))(x),
    lambda x: cr.jacrev(cnp.sum)(x),
    lambda x: cr.jvp(lambda a: a[0] * cnp.ones(3), (x,), (x,))[1],
    lambda x: cr.linearize(lambda a: a[0] * cnp.ones(3), x)[1](x),
    lambda x: cr.vmap(lambda a: np.array([1.0, 2.0, 3.0]))(x),
    lambda x: cr.vmap(lambda a: np.array([1.0, 2.0, 3.0]), chunk_size=2)(x),
], ids=["grad-sum", "grad-mean", "vjp", "elementwise_grad", "jacrev", "jvp", "linearize",
        "vmap-unbatched", "vmap-chunked"])
def test_results_are_writable_arrays(compute):
    x = np.array([1.0, 2.0, 3.0])
    out = compute(x)
    before = out.copy()
    out *= 2  # NumPy users update results in place
    np.testing.assert_array_equal(out, 2 * before)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def _derivatives(f, x, n=3):
    """f', f'', ... at x, by nested grad (reverse) and nested jvp (forward)."""
    rev, fwd, g, h = [], [], f, f
    for _ in range(n):
        g = cr.grad(g)
        h = (lambda h: lambda x: cr.jvp(h, (x,), (1.0,))[1])(h)
        rev.append(float(g(x)))
        fwd.append(float(h(x)))
    return rev, fwd


@pytest.mark.parametrize("f", [lambda x: x ** 0, lambda x: x ** 0.0,
                               lambda x: cnp.power(x, 0.0), lambda x: cnp.power(x, 0),
                               lambda x: cnp.power(x, np.zeros(()))],
                         ids=["int", "float", "power-float", "power-int", "power-array"])
def test_zero_exponent_has_zero_derivatives_at_zero(f):
    rev, fwd = _derivatives(f, 0.0)
    assert rev == [0.0, 0.0, 0.0] and fwd == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("f,x,expected", [
    (lambda x: x ** 1, 0.0, [1.0, 0.0, 0.0]),
    (lambda x: x ** 1.0, 0.0, [1.0, 0.0, 0.0]),
    (lambda x: x ** 2, 0.0, [0.0, 2.0, 0.0]),
    (lambda x: x ** 3.0, 0.0, [0.0, 0.0, 6.0]),
    (lambda y: 0.0 ** y, 1.5, [0.0, 0.0, 0.0]),  # 0 ** y vanishes near y > 0
    (lambda y: cnp.power(np.zeros(()), y), 2.0, [0.0, 0.0, 0.0]),
], ids=["x**1", "x**1.0", "x**2", "x**3.0", "0**y", "power(0,y)"])
def test_power_derivatives_at_zero(f, x, expected):
    rev, fwd = _derivatives(f, x)
    assert rev == expected and fwd == expected


def test_power_derivatives_that_do_not_exist_are_not_finite():
    with np.errstate(all="ignore"):
        # x ** x = exp(x log x): its slope at 0 is -inf (JAX gives NaN), never 0.
        assert cr.grad(lambda x: x ** x)(0.0) == -np.inf
        assert cr.jvp(lambda x: x ** x, (0.0,), (1.0,))[1] == -np.inf
        # 0 ** y jumps from 1 to 0 at y == 0.
        assert not np.isfinite(cr.grad(lambda y: 0.0 ** y)(0.0))
        assert cr.grad(cnp.sqrt)(0.0) == np.inf


def test_where_nan_warning_points_at_user_line_and_double_where_avoids_it():
    def f(x):
        return cnp.where(x > 0, cnp.sqrt(x), 0.0)
    with pytest.warns(RuntimeWarning) as record:
        g = cr.grad(f)(0.0)
    assert np.isnan(g)  # 0 * inf in the branch where does not take, as in JAX
    assert {w.filename for w in record} == {__file__}

    def safe(x):  # the double where: the untaken branch never sees x <= 0
        return cnp.where(x > 0, cnp.sqrt(cnp.where(x > 0, x, 1.0)), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cr.grad(safe)(0.0) == 0.0
        assert cr.grad(safe)(4.0) == 0.25


def test_numpy_warning_settings_are_respected_under_transforms():
    with np.errstate(divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cr.grad(cnp.log)(0.0) == np.inf
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        cr.grad(cnp.log)(0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            cr.jvp(cnp.log, (0.0,), (1.0,))


@pytest.mark.parametrize("call,exc,match", [
    (lambda: cr.jvp(lambda x: x * 2, (1.0,), (1j,)), TypeError,
     "tangent for argument 0 has dtype complex128, but its primal has dtype float64"),
    (lambda: cr.jvp(lambda x, y: x * y, (1.0, np.ones(2)), (1.0, np.ones(2, np.float32))),
     TypeError, "argument 1 has dtype float32, but its primal has dtype float64"),
    (lambda: cr.jvp(lambda p: p["a"], ({"a": np.ones(2)},), ({"a": np.ones(2, int)},)),
     TypeError, "argument 0, leaf 0 has dtype int64"),
    (lambda: cr.jvp(lambda x: x, (1.0,), (1,)), TypeError, "has dtype int64"),
    (lambda: cr.vjp(lambda x: x * 2, 1.0)[1](1j), TypeError,
     "cotangent for the output has dtype complex128, but that output has dtype float64"),
    (lambda: cr.vjp(lambda x: (x, 2 * x), np.ones(2))[1]((np.ones(2), np.ones(3))),
     ValueError, r"output leaf 1 has shape \(3,\), but that output has shape \(2,\)"),
    (lambda: cr.vjp(lambda x: x, np.ones(2))[1](np.ones(2, np.float32)), TypeError,
     "has dtype float32"),
    (lambda: cr.linearize(lambda x: x * 2, np.ones(3))[1](np.ones((2, 3))), ValueError,
     r"tangent for argument 0 has shape \(2, 3\), but its primal has shape \(3,\)"),
    (lambda: cr.linearize(lambda x: x * 2, np.ones(3))[1](np.ones(3) * 1j), TypeError,
     "has dtype complex128"),
], ids=["jvp-complex", "jvp-float32", "jvp-pytree-int", "jvp-python-int", "vjp-complex",
        "vjp-shape", "vjp-float32", "linearize-shape", "linearize-complex"])
def test_tangent_dtype_and_shape_mismatches_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_accepted_tangents():
    # Python floats fit any floating-point primal; complex primals take real Python numbers.
    assert cr.jvp(lambda x: x * 2, (np.float32(1.0),), (1.0,))[1] == 2.0
    assert cr.jvp(lambda z: z * 2, (1j,), (1.0,))[1] == 2.0
    assert cr.vjp(lambda x: x * 2, np.float32(1.0))[1](1.0)[0] == 2.0
    # Integer primals carry no derivative; their tangents are ignored.
    assert cr.jvp(lambda n: n * 2, (3,), (0,))[1] == 0


def test_custom_rules_returning_complex_for_real_values_raise():
    @cr.custom_jvp
    def f(x):
        return x * 2

    f.defjvp(lambda p, t: (f(p[0]), t[0] * 2j))
    with pytest.raises(TypeError, match="custom_jvp rule of 'f'.*has dtype complex128, but "
                                        "the primal output has dtype float64"):
        cr.grad(f)(1.0)

    @cr.custom_vjp
    def g(x):
        return x * 2

    g.defvjp(lambda x: (g(x), None), lambda res, ct: (ct * 2j,))
    with pytest.raises(TypeError, match="custom_vjp bwd rule of 'g'.*has dtype complex128"):
        cr.grad(g)(1.0)


def test_repeated_argnums_each_get_the_derivative():
    assert cr.grad(lambda a, b: a * b, argnums=(0, 0))(2.0, 3.0) == (3.0, 3.0)
    assert cr.grad(lambda a, b: a * b, argnums=(1, 0, 1))(2.0, 3.0) == (2.0, 3.0, 2.0)
    ga, gb = cr.grad(lambda a: cnp.sum(a * a), argnums=(0, 0))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(ga, [2.0, 4.0])
    np.testing.assert_array_equal(gb, [2.0, 4.0])
    ga *= 2  # arrays of their own
    np.testing.assert_array_equal(gb, [2.0, 4.0])
    x, y = np.array([2.0, 3.0]), np.array([5.0, 7.0])
    for jac in (cr.jacfwd, cr.jacrev, cr.jacobian):
        j = jac(lambda a, b: a * b, argnums=(0, 1, 0))(x, y)
        np.testing.assert_array_equal(j[0], np.diag(y))
        np.testing.assert_array_equal(j[1], np.diag(x))
        np.testing.assert_array_equal(j[2], np.diag(y))


# --- smooth even powers of roots (|x|, norms, standard deviations) at 0 -----------------
def test_hessian_of_squared_norm_at_zero():
    z = np.zeros(3)
    np.testing.assert_array_equal(cr.hessian(lambda w: cnp.linalg.norm(w) ** 2)(z),
                                  2 * np.eye(3))
    np.testing.assert_array_equal(cr.hessian(lambda w: cnp.linalg.norm(w) ** 4)(z),
                                  np.zeros((3, 3)))
    w = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(cr.hessian(lambda w: cnp.linalg.norm(w) ** 4)(w),
                               4 * (w @ w) * np.eye(3) + 8 * np.outer(w, w))
    np.testing.assert_array_equal(cr.hessian(cr.jit(lambda w: cnp.linalg.norm(w) ** 2))(z),
                                  2 * np.eye(3))
    cr.check_grads(lambda w: cnp.linalg.norm(w) ** 2, (z,), order=3)
    cr.check_grads(lambda x: cnp.linalg.norm(x, axis=1) ** 4, (np.zeros((2, 3)),), order=3)
    # The first derivative of the norm itself stays the subgradient 0 at 0.
    np.testing.assert_array_equal(cr.grad(cnp.linalg.norm)(z), z)


@pytest.mark.parametrize("f", [lambda x: cnp.abs(x) ** 2, lambda x: cnp.square(cnp.abs(x)),
                               lambda x: cnp.abs(x) * cnp.abs(x), lambda x: abs(x) ** 4.0],
                         ids=["pow", "square", "mul", "pow4"])
def test_even_powers_of_abs_at_zero(f):
    expected = [0.0, 2.0, 0.0] if f(2.0) == 4.0 else [0.0, 0.0, 0.0]
    rev, fwd = _derivatives(f, 0.0)
    assert rev == expected and fwd == expected
    cr.check_grads(f, (np.array([0.0, 1.5, -0.7]),), order=3)
    cr.check_grads(f, (np.array([0.0, 1.5 - 1j]),), order=2)  # |z| ** 2 = re^2 + im^2


def test_squared_std_and_hypot_at_zero_spread():
    x = np.ones(3)
    expected = 2 / 3 * (np.eye(3) - 1 / 3)  # the Hessian of var
    np.testing.assert_allclose(cr.hessian(lambda x: cnp.std(x) ** 2)(x), expected)
    np.testing.assert_allclose(cr.hessian(cnp.var)(x), expected)
    cr.check_grads(lambda x: cnp.std(x, ddof=1) ** 2, (x,), order=3)
    np.testing.assert_array_equal(
        cr.hessian(lambda v: cnp.hypot(v[0], v[1]) ** 2)(np.zeros(2)), 2 * np.eye(2))


def test_newton_cg_on_squared_norm_starting_at_zero():
    from chainrule.optimize import minimize

    c = np.array([1.0, -2.0, 0.5])
    res = minimize(lambda w: cnp.linalg.norm(w) ** 2 + c @ w, np.zeros(3), method="Newton-CG")
    assert res.success
    np.testing.assert_allclose(res.x, -c / 2, atol=1e-8)
