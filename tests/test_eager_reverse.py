"""The tape lane of eager reverse mode (``docs/design/eager-reverse.md``).

First-order ``grad``/``vjp``/``value_and_grad`` of concrete real NumPy inputs record
elementwise scalings (``Primitive.scaling``) as tape records instead of staged equations.
These tests compare the lane with the general path (the same linearization with the lane
off) on every primitive that declares a scaling, bit for bit, and check that everything
else (composed transforms, complex numbers, values of other transforms) keeps the general
path and stays right.
"""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule._src.core import get_aval, primitives
from chainrule._src.interpreters.linearize import is_tape_record
from chainrule._src.transforms.api import Linearized
from test_primitives import CASES

SCALING = sorted(name for name, p in primitives.items() if p.scaling is not None)
LANE_CASES = [c for c in CASES if c.prim in SCALING and c.differentiable]


def _diff_fun(case, args):
    prim = primitives[case.prim]
    diff = case.diff if case.diff is not None else tuple(
        i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f")

    def f(*dargs):
        full = list(args)
        for i, a in zip(diff, dargs):
            full[i] = a
        return prim.bind(*full, **case.params)
    return f, tuple(args[i] for i in diff)


def _both_ways(f, args, seed=0):
    """Input cotangents of ``f`` at ``args`` for one random output cotangent, by the tape
    lane and by the general path, and whether the lane recorded anything."""
    lane = Linearized(f, args, False, "vjp", tape=True)
    general = Linearized(f, args, False, "vjp", tape=False)
    out = lane.primals_out[0]
    aval = get_aval(out)
    ct = np.asarray(np.random.default_rng(seed).normal(size=aval.shape), aval.dtype)
    ct = ct if aval.shape else ct[()]
    used = any(is_tape_record(e) for e in lane.program.eqns)
    assert not any(is_tape_record(e) for e in general.program.eqns)
    np.testing.assert_array_equal(lane.primals_out[0], general.primals_out[0])
    return lane.backward([ct]), general.backward([ct]), used


def _assert_identical(a, b):
    # The lane computes exactly what transposing the general path's equations computes.
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


def test_every_scaling_primitive_has_lane_cases():
    # The lane must be checked on every primitive that can take it.
    assert {c.prim for c in LANE_CASES} == set(SCALING)
    # The hot elementwise primitives are among them.
    assert {"add", "sub", "mul", "div", "neg", "sin", "cos", "exp", "log", "tanh", "sqrt",
            "pow", "maximum"} <= set(SCALING)


@pytest.mark.parametrize("case", LANE_CASES, ids=[c.id for c in LANE_CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lane_matches_general_path(case, dtype):
    args = tuple(np.asarray(a, dtype) if np.asarray(a).dtype.kind == "f" and
                 isinstance(a, np.ndarray) else a for a in case.args)
    f, dargs = _diff_fun(case, args)
    with np.errstate(all="ignore"):
        lane, general, used = _both_ways(f, dargs)
    assert used, f"{case.prim} did not take the tape lane"
    for a, b in zip(lane, general):
        _assert_identical(a, b)


@pytest.mark.parametrize("name", ["add", "mul", "div", "sub", "maximum", "arctan2", "hypot",
                                  "logaddexp", "pow"])
def test_lane_broadcasting_and_integer_operands(name):
    prim = primitives[name]
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 2.0, size=(2, 1, 3))
    y = rng.uniform(0.5, 2.0, size=(4, 1))
    k = np.arange(1, 4)  # an integer operand: a constant
    for f, args in [(lambda a, b: prim.bind(a, b), (x, y)),
                    (lambda a: prim.bind(a, k), (x,)),
                    (lambda b: prim.bind(k, b), (y,)),
                    (lambda a: prim.bind(a, 2.0), (x[0, 0],)),
                    (lambda a: prim.bind(a, a), (y,))]:
        lane, general, used = _both_ways(f, args)
        assert used
        for a, b in zip(lane, general):
            _assert_identical(a, b)


def test_integer_input_to_float_function_is_a_constant():
    k = np.arange(3)

    def f(x):
        return cnp.sum(cnp.sin(k) * x + cnp.exp(k * x))
    x = np.array([0.3, -0.2, 0.5])
    g = cr.grad(f)(x)
    np.testing.assert_allclose(g, np.sin(k) + k * np.exp(k * x), rtol=1e-15)


def _chain(x):
    y = x
    for k in range(12):
        y = [cnp.sin, lambda v: v * x, cnp.cos, lambda v: v + x][k % 4](y)
    return cnp.sum(y * y) / 2.0 - cnp.sum(cnp.tanh(x) ** 2)


def test_chain_matches_general_path_bitwise():
    x = np.random.default_rng(2).uniform(0.1, 0.9, size=5)
    lane, general, used = _both_ways(_chain, (x,))
    assert used
    _assert_identical(lane[0], general[0])
    value, g = cr.value_and_grad(_chain)(x)
    general = Linearized(_chain, (x,), False, "grad", tape=False).backward([1.0])
    np.testing.assert_array_equal(g, general[0])
    np.testing.assert_array_equal(value, _chain(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_check_grads_order_two_through_the_lane(dtype):
    x = np.asarray(np.random.default_rng(3).uniform(0.1, 0.9, size=4), dtype)
    tol = 1e-2 if dtype == np.float32 else None
    cr.check_grads(_chain, (x,), order=2, modes=("fwd", "rev"), atol=tol, rtol=tol)


def test_composed_transforms_agree():
    x = np.random.default_rng(4).uniform(0.1, 0.9, size=3)
    g = cr.grad(_chain)(x)
    np.testing.assert_allclose(cr.jit(cr.grad(_chain))(x), g, rtol=1e-13)
    np.testing.assert_allclose(cr.vmap(cr.grad(_chain))(np.stack([x, x])), [g, g], rtol=1e-13)
    v = np.array([1.0, -2.0, 0.5])
    _, hv = cr.jvp(cr.grad(_chain), (x,), (v,))
    np.testing.assert_allclose(hv, cr.hessian(_chain)(x) @ v, rtol=1e-10)
    np.testing.assert_allclose(cr.grad(lambda y: cnp.sum(cr.grad(_chain)(y)))(x),
                               cr.hessian(_chain)(x).sum(0), rtol=1e-10)


def test_values_of_outer_transforms_keep_the_general_path():
    # grad inside jvp, closing over the jvp's tracer: the operations on it must see its
    # tangent (the coefficients depend on it).
    def inner(s):
        return cr.grad(lambda x: cnp.sum(cnp.sin(x * s) * s))(np.array([0.3, 0.4]))

    s0 = 1.7
    _, ds = cr.jvp(inner, (s0,), (1.0,))
    x = np.array([0.3, 0.4])
    # d/ds of s^2 cos(x s) = 2 s cos(x s) - s^2 x sin(x s)
    np.testing.assert_allclose(ds, 2 * s0 * np.cos(x * s0) - s0 ** 2 * x * np.sin(x * s0),
                               rtol=1e-13)


def test_vjp_function_under_other_transforms():
    x = np.array([0.2, 0.5, 0.9])
    y, f_vjp = cr.vjp(lambda v: cnp.sin(v) * v + 2.0 * v, x)
    cts = np.eye(3)
    jac = cr.vmap(f_vjp)(cts)[0]
    np.testing.assert_allclose(jac, np.diag(np.cos(x) * x + np.sin(x) + 2.0), rtol=1e-15)
    # The VJP is linear in the cotangent: its gradient is the Jacobian's row sum.
    g = cr.grad(lambda c: cnp.sum(f_vjp(c)[0]))(np.ones(3))
    np.testing.assert_allclose(g, jac.sum(1), rtol=1e-15)
    np.testing.assert_allclose(cr.jit(f_vjp)(np.ones(3))[0], jac.sum(0), rtol=1e-15)


def test_complex_and_traced_inputs_take_the_general_path():
    z = np.array([0.3 + 0.1j, -0.2 + 0.5j])
    lin = Linearized(lambda v: cnp.sin(v) * v, (z,), False, "vjp", tape=True)
    assert not any(is_tape_record(e) for e in lin.program.eqns)
    g = cr.grad(lambda v: cnp.sum(cnp.abs(cnp.sin(v) * v) ** 2))(z)
    eps = 1e-7
    f = lambda v: np.sum(np.abs(np.sin(v) * v) ** 2)  # noqa: E731
    # JAX's convention: df/dx - i df/dy.
    fd = np.array([(f(z + eps * e) - f(z - eps * e)) / (2 * eps)
                   - 1j * (f(z + 1j * eps * e) - f(z - 1j * eps * e)) / (2 * eps)
                   for e in np.eye(2)])
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    # A real function of a real input with a complex intermediate mixes both paths.
    h = cr.grad(lambda v: cnp.sum(cnp.real(cnp.exp(1j * v) * v)))(np.array([0.4, 1.1]))
    x = np.array([0.4, 1.1])
    np.testing.assert_allclose(h, np.cos(x) - x * np.sin(x), rtol=1e-14)


def test_even_powers_of_roots_keep_their_rule():
    # An even power of |x| or of a norm is evaluated from the root's square, so its second
    # derivative at 0 is exact; the lane records the root and leaves the power to that rule.
    def square_abs(x):
        a = cnp.abs(x)
        return a * a + cnp.abs(x) ** 2

    assert cr.grad(cr.grad(square_abs))(0.0) == 4.0
    assert cr.grad(square_abs)(0.0) == 0.0
    np.testing.assert_allclose(cr.grad(square_abs)(-1.5), -6.0)
    x = np.zeros(3)
    np.testing.assert_allclose(cr.hessian(lambda v: cnp.linalg.norm(v) ** 2)(x), 2 * np.eye(3))
    np.testing.assert_array_equal(cr.grad(lambda v: cnp.linalg.norm(v) ** 2)(x), np.zeros(3))
    np.testing.assert_allclose(
        cr.grad(lambda v: cnp.sum(cr.grad(lambda u: cnp.linalg.norm(u) ** 2)(v)))(x),
        2 * np.ones(3))


def test_result_types_match_the_general_path():
    # Python floats in, NumPy scalars out (as NumPy's own functions return), whichever path.
    for f in (lambda v: v * v, lambda v: v + 1.0, lambda v: -cnp.sin(v) / 2.0):
        g = cr.grad(f)(0.7)
        assert type(g) is np.float64
        _, f_vjp = cr.vjp(f, 0.7)
        lane = f_vjp(1.0)[0]
        general = Linearized(f, (0.7,), False, "vjp").backward([1.0])[0]
        assert type(lane) is type(general) and lane == general
    x32 = np.array([0.5, 1.5], np.float32)
    g = cr.grad(lambda v: cnp.sum(cnp.exp2(v) * 3.0))(x32)
    assert g.dtype == np.float32 and g.flags.writeable
    np.testing.assert_allclose(g, 3.0 * np.log(2.0) * np.exp2(x32), rtol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, (0, 1), None])
def test_sums_and_means_take_the_lane(axis):
    w = np.random.default_rng(5).normal(size=(3, 4))
    x = np.random.default_rng(6).uniform(0.1, 0.9, size=(3, 4))

    def f(v):
        return cnp.sum(cnp.sin(v) * w, axis=axis) + cnp.mean(v * v, axis=axis)
    lane, general, used = _both_ways(f, (x,))
    assert used
    _assert_identical(lane[0], general[0])
    lin = Linearized(f, (x,), False, "vjp", tape=True)
    assert all(is_tape_record(e) for e in lin.program.eqns)  # nothing staged at all
    expected = np.cos(x) * w + 2 * x / (x.size // np.size(f(x)))
    out_ct = np.ones(np.shape(f(x)))
    np.testing.assert_allclose(lin.backward([out_ct if out_ct.shape else 1.0])[0], expected,
                               rtol=1e-14)


# --- the structural linear primitives (``Primitive.tape_linear``) --------------------------
def test_structural_linear_primitives_take_the_lane_bitwise():
    from chainrule._src import lax
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 4))
    b = rng.normal(size=(4, 3))
    s = rng.normal(size=(2, 3, 4))
    for f, args in [(lambda x: lax.reshape(x, (20,)), (a,)),
                    (lambda x: lax.transpose(x, (2, 0, 1)), (s,)),
                    (lambda x, y: lax.matmul(x, y), (a, b)),
                    (lambda x: lax.matmul(x, b), (a,)),                     # b a constant
                    (lambda y: lax.matmul(a, y), (b,)),
                    (lambda x: lax.matmul(x, x.T), (a,)),                    # both operands
                    (lambda x, y: lax.matmul(x, y), (a.astype(np.float32), b)),  # promotion
                    (lambda x: lax.matmul(lax.reshape(cnp.tanh(x), (4, 5)), x), (a,))]:
        lane, general, used = _both_ways(f, args)
        assert used
        for g1, g2 in zip(lane, general):
            _assert_identical(g1, g2)


def test_batched_matmul_keeps_the_general_path():
    # Stacks of matrices (broadcast batch axes) are left to the transpose rule.
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3, 5, 4)), rng.normal(size=(4, 2))
    lin = Linearized(lambda x, y: cnp.matmul(x, y), (a, b), False, "vjp", tape=True)
    assert not any(is_tape_record(e) and e[1].name == "matmul" for e in lin.program.eqns)
    lane, general, _ = _both_ways(lambda x, y: cnp.matmul(x, y), (a, b))
    for g1, g2 in zip(lane, general):
        _assert_identical(g1, g2)


def test_vmapped_mlp_gradient_matches_general_path():
    # The training-loop pattern (``vmap`` of a model inside the gradient): the batched
    # matrix products and transposes take the lane, with the same gradient; a layer's
    # ``W @ x`` on the batch is one product ``xs @ W.T``, with no reshape around it.
    from chainrule import nn
    model = nn.MLP(2, 1, width_size=8, depth=2, activation=nn.tanh, key=0)
    x = np.random.default_rng(5).normal(size=(16, 2))
    leaves, treedef = cr.tree_util.tree_flatten(model)

    def loss(*ps):
        m = cr.tree_util.tree_unflatten(treedef, ps)
        return cnp.mean((cr.vmap(m)(x) - 1.0) ** 2)
    lin = Linearized(loss, tuple(leaves), False, "vjp", tape=True)
    names = {e[1].name for e in lin.program.eqns if is_tape_record(e)}
    assert {"matmul", "transpose", "tanh"} <= names
    assert not any(e[1].name == "reshape" for e in lin.program.eqns)
    lane, general, _ = _both_ways(loss, tuple(leaves))
    for g1, g2 in zip(lane, general):
        _assert_identical(g1, g2)
    cr.check_grads(loss, tuple(leaves), order=1, modes=("rev",))


def test_structural_lane_under_transformed_cotangents():
    # The VJP function of a lane program under vmap, grad and jit: traced cotangents go
    # through the primitives.
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))

    def f(x, y):
        return lax_t(lax_r(cnp.matmul(x, y), (2, 3)), (1, 0))
    from chainrule._src.lax import reshape as lax_r, transpose as lax_t
    out, f_vjp = cr.vjp(f, a, b)
    cts = np.eye(6).reshape(6, 3, 2)
    ja, jb = cr.vmap(f_vjp)(cts)
    ref_a, ref_b = cr.jacrev(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ja, ref_a.reshape(6, 3, 4), rtol=1e-14)
    np.testing.assert_allclose(jb, ref_b.reshape(6, 4, 2), rtol=1e-14)
    np.testing.assert_allclose(cr.jit(f_vjp)(np.ones((3, 2)))[0], ref_a.sum((0, 1)),
                               rtol=1e-14)


def test_matmul_of_vectors_takes_the_lane_bitwise():
    # A matrix times a vector (either side) and two vectors: outer products and products
    # with the other operand on the tape, as the transpose rule computes them.
    from chainrule._src import lax
    rng = np.random.default_rng(9)
    m, v, w = rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=5)
    for f, args in [(lambda x, y: lax.matmul(x, y), (m, v)),
                    (lambda x, y: lax.matmul(x, y), (w, m)),
                    (lambda x: lax.matmul(m, x), (v,)),
                    (lambda x: lax.matmul(x, m), (w,)),
                    (lambda x: cnp.tanh(lax.matmul(x, x.T @ x)), (m,))]:
        lane, general, used = _both_ways(f, args)
        assert used
        for g1, g2 in zip(lane, general):
            _assert_identical(g1, g2)
    # Traced cotangents (the VJP function under vmap) go through the primitives.
    _, f_vjp = cr.vjp(lambda x, y: lax.matmul(x, y), m, v)
    cts = rng.normal(size=(3, 5))
    ja, jb = cr.vmap(f_vjp)(cts)
    np.testing.assert_allclose(ja, cts[:, :, None] * v, rtol=1e-14)
    np.testing.assert_allclose(jb, cts @ m, rtol=1e-14)
    _, f_vjp = cr.vjp(lambda x, y: lax.matmul(x, y), w, m)
    cts = rng.normal(size=(3, 4))
    ja, jb = cr.vmap(f_vjp)(cts)
    np.testing.assert_allclose(ja, cts @ m.T, rtol=1e-14)
    np.testing.assert_allclose(jb, w[:, None] * cts[:, None, :], rtol=1e-14)
