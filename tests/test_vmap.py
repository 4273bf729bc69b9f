"""vmap: axes specifications, chunking, composition with differentiation, errors."""

import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

rng = np.random.default_rng(0)


def loss(w, x):
    return cnp.sum(cnp.tanh(x @ w) ** 2)


def test_in_axes_pytree_and_out_axes():
    w = rng.standard_normal((3, 2))
    xs = rng.standard_normal((5, 4, 3))
    got = cr.vmap(loss, in_axes=(None, 0))(w, xs)
    np.testing.assert_allclose(got, [loss(w, x) for x in xs])
    params = {"w": w, "b": rng.standard_normal((5, 2))}
    f = cr.vmap(lambda p, x: cnp.tanh(x @ p["w"] + p["b"]), in_axes=({"w": None, "b": 0}, 0),
                out_axes=1)
    out = f(params, xs)
    assert out.shape == (4, 5, 2)
    np.testing.assert_allclose(out[:, 2], np.tanh(xs[2] @ w + params["b"][2]))


def test_batch_axis_not_first():
    xs = rng.standard_normal((3, 6))
    np.testing.assert_allclose(cr.vmap(cnp.cumsum, in_axes=1, out_axes=1)(xs),
                               np.cumsum(xs, axis=0))


def test_unbatched_output_is_broadcast_and_axis_size():
    out = cr.vmap(lambda x: (x * 2, 1.0), in_axes=0)(np.arange(3.0))
    np.testing.assert_allclose(out[1], np.ones(3))
    assert cr.vmap(lambda: np.ones(2), axis_size=4)().shape == (4, 2)


@pytest.mark.parametrize("chunk_size", [1, 2, 7])
def test_chunk_size_gives_same_result(chunk_size):
    xs = rng.standard_normal((7, 3))
    f = cr.vmap(lambda x: cnp.outer(x, x), chunk_size=chunk_size)
    np.testing.assert_allclose(f(xs), np.einsum("bi,bj->bij", xs, xs))


def test_vmap_of_grad_and_grad_of_vmap():
    w = rng.standard_normal((3, 2))
    xs = rng.standard_normal((5, 4, 3))
    per_example = cr.vmap(cr.grad(loss), in_axes=(None, 0))(w, xs)
    np.testing.assert_allclose(per_example, [cr.grad(loss)(w, x) for x in xs], atol=1e-12)
    total = cr.grad(lambda w: cnp.sum(cr.vmap(loss, in_axes=(None, 0))(w, xs)))(w)
    np.testing.assert_allclose(total, per_example.sum(0), atol=1e-12)


def test_jvp_of_vmap_and_vmap_of_jacfwd():
    xs = rng.standard_normal((4, 3))
    f = cr.vmap(lambda x: cnp.sin(x) * cnp.sum(x))
    _, t = cr.jvp(f, (xs,), (np.ones_like(xs),))
    eps = 1e-6
    np.testing.assert_allclose(t, (f(xs + eps) - f(xs - eps)) / (2 * eps), rtol=1e-6)
    J = cr.vmap(cr.jacfwd(lambda x: cnp.sin(x) * cnp.sum(x)))(xs)
    assert J.shape == (4, 3, 3)
    np.testing.assert_allclose(J[1], cr.jacrev(lambda x: cnp.sin(x) * cnp.sum(x))(xs[1]))


def test_nested_vmap():
    a = rng.standard_normal((2, 3))
    b = rng.standard_normal((4, 3))
    out = cr.vmap(cr.vmap(cnp.dot, in_axes=(None, 0)), in_axes=(0, None))(a, b)
    np.testing.assert_allclose(out, a @ b.T)


def test_missing_batch_rule_falls_back_to_a_loop_with_a_warning():
    from chainrule._src.core import Primitive, primitives
    from chainrule._src.lax._rules import elementwise_abstract_eval

    prim = Primitive("test_only_square_first")
    try:
        prim.impl = lambda xp, x: x * x[..., :1]
        prim.abstract_eval = elementwise_abstract_eval(prim)
        xs = rng.standard_normal((3, 2))
        with pytest.warns(RuntimeWarning, match="test_only_square_first.*no batch rule"):
            out = cr.vmap(prim.bind)(xs)
        np.testing.assert_allclose(out, xs * xs[:, :1])
    finally:
        del primitives[prim.name]


def test_errors():
    with pytest.raises(ValueError, match="different sizes"):
        cr.vmap(cnp.add)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="pass axis_size"):
        cr.vmap(cnp.sin, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="out of range"):
        cr.vmap(cnp.sin, in_axes=2)(np.ones(3))
    with pytest.raises(ValueError, match="out_axes is None"):
        cr.vmap(cnp.sin, out_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="in_axes has 1 entries"):
        cr.vmap(cnp.add, in_axes=(0,))(np.ones(3), np.ones(3))


def test_keyword_arguments_are_batched_along_their_leading_axis():
    xs, scales = rng.standard_normal((4, 3)), rng.standard_normal(4)

    def f(x, *, scale, shift=0.0):
        return cnp.sum(x * scale) + shift

    want = np.array([f(x, scale=s) for x, s in zip(xs, scales)])
    np.testing.assert_allclose(cr.vmap(f)(xs, scale=scales), want, rtol=1e-14)
    np.testing.assert_allclose(cr.vmap(f, in_axes=None)(xs[0], scale=scales),
                               [f(xs[0], scale=s) for s in scales], rtol=1e-14)
    shifts = rng.standard_normal(4)
    np.testing.assert_allclose(cr.vmap(f, chunk_size=3)(xs, scale=scales, shift=shifts),
                               want + shifts, rtol=1e-14)
    # Pytrees as keyword values, and composition with grad and jit.
    g = cr.vmap(cr.grad(lambda x, *, p: cnp.sum(x * p["a"]) ** 2))
    np.testing.assert_allclose(g(xs, p={"a": xs}), 2 * np.sum(xs * xs, 1)[:, None] * xs,
                               rtol=1e-12)
    np.testing.assert_allclose(cr.jit(cr.vmap(f))(xs, scale=scales), want, rtol=1e-14)
    with pytest.raises(ValueError, match="scale= holds a 0-d value.*in_axes=None"):
        cr.vmap(f)(xs, scale=2.0)
    with pytest.raises(ValueError, match="different sizes"):
        cr.vmap(f)(xs, scale=scales[:3])


@pytest.mark.filterwarnings("ignore:vmap. primitive")
def test_empty_batch_through_a_loop_fallback_gives_empty_results():
    # Batched index arrays take the loop fallback of the gather; a batch of size 0 has
    # nothing to loop over, and abstract evaluation gives the shape of the result.
    out = cr.vmap(lambda x, i: x[i])(np.zeros((0, 5)), np.zeros((0, 2), int))
    assert out.shape == (0, 2) and out.dtype == np.float64
    out = cr.vmap(lambda x, i: x[i, :, i])(np.zeros((0, 3, 4, 3), np.float32),
                                           np.zeros((0, 2), int))
    assert out.shape == (0, 2, 4) and out.dtype == np.float32
    upd = cr.vmap(lambda x, i: cnp.at(x)[i].add(1.0))(np.zeros((0, 5)), np.zeros((0, 2), int))
    assert upd.shape == (0, 5)
    g = cr.vmap(cr.grad(lambda x, i: cnp.sum(x[i] ** 2)))(np.zeros((0, 5)),
                                                          np.zeros((0, 2), int))
    assert g.shape == (0, 5)


def test_batched_index_arrays_gather_and_scatter_without_a_loop(monkeypatch):
    import warnings

    from chainrule._src.lax import indexing as lax_indexing

    monkeypatch.setattr(lax_indexing, "_warned", set())  # the loop's warning is shown once
    x = rng.standard_normal((3, 4, 5))
    idx = np.array([[0, 2], [3, 1], [1, 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the loop fallback warns: it must not be taken
        got = cr.vmap(lambda i: cnp.getitem(x[0], i))(idx)
        np.testing.assert_array_equal(got, np.stack([x[0][i] for i in idx]))
        got = cr.vmap(lambda a, i: a[i, 2])(x, idx)
        np.testing.assert_array_equal(got, np.stack([a[i, 2] for a, i in zip(x, idx)]))
        got = cr.vmap(lambda a, i: a[i, i[:1]])(x, idx)
        np.testing.assert_array_equal(got, np.stack([a[i, i[:1]] for a, i in zip(x, idx)]))
        got = cr.vmap(lambda i: cnp.getitem(x, i))(idx[:, 0] % 3)
        np.testing.assert_array_equal(got, x[idx[:, 0] % 3])
        # Slices before the index arrays (x[:, i], x[1:, ::2, i]) vectorize too.
        got = cr.vmap(lambda a, i: a[:, i])(x, idx)
        np.testing.assert_array_equal(got, np.stack([a[:, i] for a, i in zip(x, idx)]))
        got = cr.vmap(lambda a, i: a[1::2, i, None])(x, idx % 5)
        np.testing.assert_array_equal(got, np.stack([a[1::2, i, None] for a, i in zip(x, idx % 5)]))
        got = cr.vmap(lambda i: cnp.getitem(x, (slice(None, None, -1), i % 4)))(idx)
        np.testing.assert_array_equal(got, np.stack([x[::-1, i % 4] for i in idx]))
        loss = lambda a, i: cnp.sum(cnp.sin(a[i, 1]) ** 2)  # noqa: E731
        got = cr.vmap(cr.grad(loss))(x, idx)  # the transpose is a batched scatter-add
        np.testing.assert_allclose(got, np.stack([cr.grad(loss)(a, i) for a, i in zip(x, idx)]),
                                   rtol=1e-14)
        got = cr.vmap(lambda i, v: cnp.at(x[0])[i].add(v))(idx, np.ones((3, 2, 5)))
        np.testing.assert_array_equal(got, np.stack([cnp.at(x[0])[i].add(1.0) for i in idx]))
        got = cr.jit(cr.vmap(lambda a, i: a[i, 2]))(x, idx)
        np.testing.assert_array_equal(got, np.stack([a[i, 2] for a, i in zip(x, idx)]))
    # Index arrays split by a slice keep the loop (NumPy moves their axes to the front).
    with pytest.warns(RuntimeWarning, match="getitem"):
        got = cr.vmap(lambda i: cnp.getitem(x, (i[0], slice(None), i[1])))(idx % 3)
    np.testing.assert_array_equal(got, np.stack([x[i[0], :, i[1]] for i in idx % 3]))


def test_vmap_of_a_product_with_a_shared_matrix_is_one_matrix_product():
    # A layer's weight times each example: under vmap one (B, k) @ (k, m) product, and its
    # gradient another, never a (B, m, k) stack of outer products.
    rng = np.random.default_rng(0)
    W, X = rng.normal(size=(6, 4)), rng.normal(size=(5, 4))
    loss = lambda W, X: cnp.sum(cnp.tanh(cr.vmap(lambda x: W @ x)(X)))
    prog = cr.make_ir(cr.grad(loss, argnums=(0, 1)))(W, X)
    biggest = max(math.prod(v.aval.shape) for e in prog.eqns for v in e.outputs)
    assert biggest <= 5 * 6
    gW, gX = cr.grad(loss, argnums=(0, 1))(W, X)
    d = 1 - np.tanh(X @ W.T) ** 2
    np.testing.assert_allclose(gW, d.T @ X, rtol=1e-12)
    np.testing.assert_allclose(gX, d @ W, rtol=1e-12)
    cr.check_grads(loss, (W, X), order=2, modes=("fwd", "rev"))
    # every placement of the batch: left or right operand, stacks, matrices, vectors
    A, S = rng.normal(size=(3, 2, 6, 4)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(cr.vmap(lambda a: a @ S)(A), A @ S, rtol=1e-12)
    C = rng.normal(size=(4, 2, 3))                   # batch axis last
    np.testing.assert_allclose(cr.vmap(lambda c: W @ c, in_axes=2)(C),
                               np.stack([W @ C[..., i] for i in range(3)]), rtol=1e-12)
    B = rng.normal(size=(3, 4, 2))
    np.testing.assert_allclose(cr.vmap(lambda b: W @ b)(B), W @ B, rtol=1e-12)
    np.testing.assert_allclose(cr.vmap(lambda x: x @ S)(X), X @ S, rtol=1e-12)
    cr.check_grads(lambda W, B: cr.vmap(lambda b: W @ b)(B), (W, B), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda A, S: cr.vmap(lambda a: a @ S)(A), (A, S), order=2,
                   modes=("fwd", "rev"))


def test_matrix_times_batched_vector_is_one_product():
    # ``W @ x`` for a batched vector ``x`` (a layer under vmap): one matrix product of the
    # stacked vectors, no transposes of the batch, and the same values and derivatives.
    from chainrule._src.core import primitives
    rng = np.random.default_rng(7)
    w, xs = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    seen = []
    prim = primitives["transpose"]

    def spy(x, perm):
        seen.append(np.shape(x))
        return type(prim).bind(prim, x, perm=perm)
    prim.bind = spy
    try:
        out = cr.vmap(lambda v: w @ v)(xs)
    finally:
        del prim.bind
    assert seen == [w.shape]  # only the matrix's transpose
    np.testing.assert_array_equal(out, xs @ w.T)
    stacked = rng.normal(size=(5, 2, 4, 1))  # stacks of column vectors too
    np.testing.assert_allclose(cr.vmap(lambda v: cnp.matmul(w, v))(stacked),
                               np.matmul(w, stacked), rtol=1e-14, atol=1e-14)
    cr.check_grads(lambda a, v: cr.vmap(lambda u: a @ u)(v), (w, xs), order=2,
                   modes=("fwd", "rev"))
