"""Dask arrays: the same code, lazy graphs in and out, under every transform."""

import dask.array as da
import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

rng = np.random.default_rng(0)
A = rng.standard_normal((6, 4))
b = rng.standard_normal(6)


def loss(w, A, b):
    r = A @ w - b
    return cnp.sum(r ** 2) + cnp.mean(cnp.tanh(w[1:3])) + cnp.max(cnp.abs(w))


def dask_args(w):
    return da.from_array(w, chunks=2), da.from_array(A, chunks=(3, 2)), da.from_array(b, chunks=3)


def test_functions_keep_dask_arrays_lazy():
    x = da.from_array(np.linspace(0, 1, 10), chunks=5)
    y = cnp.sin(x) * x + cnp.sum(x)
    assert isinstance(y, da.Array)
    np.testing.assert_allclose(y.compute(), np.sin(np.linspace(0, 1, 10)) * np.linspace(0, 1, 10)
                               + 5.0)


def test_grad_builds_a_lazy_graph_with_the_right_value():
    w = np.array([0.1, -0.2, 0.3, 0.05])
    g = cr.grad(loss)(*dask_args(w))
    assert isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(), cr.grad(loss)(w, A, b))


def test_jit_vmap_and_hessian_on_dask():
    w = np.array([0.1, -0.2, 0.3, 0.05])
    ref = cr.grad(loss)(w, A, b)
    np.testing.assert_allclose(cr.jit(cr.grad(loss))(*dask_args(w)).compute(), ref)
    ws = np.stack([w, 2 * w, -w])
    got = cr.vmap(cr.grad(loss), in_axes=(0, None, None))(
        da.from_array(ws, chunks=2), *dask_args(w)[1:])
    np.testing.assert_allclose(got.compute(), [cr.grad(loss)(v, A, b) for v in ws])
    np.testing.assert_allclose(np.asarray(cr.hessian(loss)(*dask_args(w))),
                               cr.hessian(loss)(w, A, b))


def test_i0_and_its_derivatives_on_dask():
    x = np.linspace(-2.0, 3.0, 6)
    f = lambda x: cnp.sum(cnp.i0(x) * x)  # noqa: E731
    g = cr.grad(f)(da.from_array(x, chunks=3))
    assert isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(), cr.grad(f)(x), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(cr.hessian(f)(da.from_array(x, chunks=3))),
                               cr.hessian(f)(x), rtol=1e-14)


def test_sorting_searching_and_interp_stay_lazy_on_dask():
    x = rng.standard_normal((4, 6))
    dx = da.from_array(x, chunks=2)
    table = np.linspace(-2.0, 2.0, 9)
    cases = [
        (lambda a: cnp.sort(a), lambda a: np.sort(a)),
        (lambda a: cnp.argsort(a, axis=0), lambda a: np.argsort(a, axis=0, kind="stable")),
        (lambda a: cnp.median(a, axis=1), lambda a: np.median(a, axis=1)),
        (lambda a: cnp.quantile(a, [0.2, 0.9]), lambda a: np.quantile(a, [0.2, 0.9])),
        (lambda a: cnp.searchsorted(table, a), lambda a: np.searchsorted(table, a)),
        (lambda a: cnp.interp(a, table, table ** 2), lambda a: np.interp(a, table, table ** 2)),
        (lambda a: cnp.interp(0.3, cnp.sort(a[0]), a[1]),
         lambda a: np.interp(0.3, np.sort(a[0]), a[1])),
    ]
    for fn, reference in cases:
        out = fn(dx)
        assert isinstance(out, da.Array)
        np.testing.assert_allclose(out.compute(), reference(x), rtol=1e-14)
        np.testing.assert_allclose(cr.jit(fn)(dx).compute(), reference(x), rtol=1e-14)
    # Reverse mode scatters along the sorted axis, lazily too.
    loss = lambda a: cnp.sum(cnp.median(a, axis=0) ** 2 + cnp.interp(a[0], table, table ** 3))  # noqa: E731
    g = cr.grad(loss)(dx)
    assert isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(), cr.grad(loss)(x), rtol=1e-12)
    np.testing.assert_allclose(cr.vmap(cr.grad(loss))(da.stack([dx, 2 * dx])).compute(),
                               [cr.grad(loss)(x), cr.grad(loss)(2 * x)], rtol=1e-12)


def test_at_set_leaves_the_dask_input_unchanged_and_its_vjp_keeps_the_update():
    base = np.array([0.1, 0.2, 0.3])
    x = da.from_array(base)
    out = cnp.at(x)[0].set(5.0)
    np.testing.assert_array_equal(out.compute(), [5.0, 0.2, 0.3])
    np.testing.assert_array_equal(x.compute(), base)
    ct = da.from_array(np.array([1.0, 2.0, 3.0]))
    _, f_vjp = cr.vjp(lambda a, b: cnp.at(b)[0].set(a), 0.4, da.from_array(base))
    ga, gb = f_vjp(ct)
    assert float(np.asarray(ga)) == 1.0
    np.testing.assert_array_equal(np.asarray(gb), [0.0, 2.0, 3.0])
    np.testing.assert_array_equal(ct.compute(), [1.0, 2.0, 3.0])


def test_conj_and_new_axes_on_dask():
    z = np.array([1 + 2j, -0.5j, 3.0])
    np.testing.assert_array_equal(cnp.conj(da.from_array(z)).compute(), np.conj(z))
    x = np.array([0.1, -0.2, 0.3])
    f = lambda a: cnp.sum(a[:, None] ** 2 + a[None, :, None])  # noqa: E731
    np.testing.assert_allclose(np.asarray(cr.grad(f)(da.from_array(x, chunks=2))),
                               cr.grad(f)(x))
    g = lambda a: cnp.sum(cnp.at(a)[None, 1:].set(a[None, :2] ** 2))  # noqa: E731
    np.testing.assert_allclose(np.asarray(cr.grad(g)(da.from_array(x))), [1.2, -0.4, 0.0])


def test_median_of_empty_dask_arrays():
    for shape, kw in [((0, 3), {}), ((0, 3), {"axis": -1}), ((3, 0), {}), ((3, 0), {"axis": 0}),
                      ((0, 3), {"axis": -1, "keepdims": True})]:
        x = np.zeros(shape)
        with np.errstate(all="ignore"):
            want = np.median(x, **kw)
        got = cnp.median(da.from_array(x), **kw)
        np.testing.assert_array_equal(np.asarray(got), want)


def test_dask_linalg_on_a_stack_of_matrices_raises_a_clear_error():
    # Dask's linalg functions take one matrix; a stack must not fail inside Dask.
    x = da.from_array(np.eye(3) + np.zeros((2, 3, 3)))
    for f in (cnp.linalg.qr, cnp.linalg.svd, cnp.linalg.inv, cnp.linalg.cholesky,
              lambda a: cnp.linalg.solve(a, a)):
        with pytest.raises(NotImplementedError, match="single matrix"):
            f(x)
    np.testing.assert_allclose(cnp.linalg.inv(x[0]).compute(), np.eye(3))


def test_grad_of_empty_dask_arrays():
    # Dask refuses to assign to an empty selection, which the cotangents of indexing write.
    for x in (np.zeros((2, 0), complex), np.zeros((0, 3))):
        f = lambda a: cnp.sum(cnp.abs(cnp.flip(a)) + cnp.abs(a[:, :1]))  # noqa: E731
        g = cr.grad(f)(da.from_array(x))
        assert np.asarray(g).shape == x.shape
    x = np.zeros((2, 0, 3))
    g = cr.grad(lambda a: cnp.sum(cnp.sin(cnp.diff(a, axis=-1))))(da.from_array(x))
    assert np.asarray(g).shape == x.shape


def test_grad_of_integer_array_indexing_on_dask():
    # The cotangent of x[idx] adds into zeros at idx, repeated positions accumulating.
    x = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    for f in (lambda a: cnp.sum(a[:, [0, 0, 2]] ** 3),
              lambda a: cnp.sum(cnp.abs(a[[1, 1]] * (1 + 2j))),
              lambda a: cnp.sum(a[[1, 0, 1], 1:] ** 2),
              lambda a: cnp.sum(cnp.at(a)[[0, 0], 1].add(a[0, :2] ** 2))):
        g = cr.grad(f)(da.from_array(x, chunks=1))
        assert isinstance(g, da.Array)
        np.testing.assert_allclose(g.compute(), cr.grad(f)(x))
    empty = np.zeros((1, 0))
    f = lambda a: cnp.sum(cnp.at(a)[[0, 0]].add(a[[0]] * 2))  # noqa: E731
    assert np.asarray(cr.grad(f)(da.from_array(empty))).shape == (1, 0)
def _graph_bytes(x):
    import pickle

    return len(pickle.dumps(dict(x.__dask_graph__()), protocol=5))


def test_gradient_graph_holds_no_array_that_grows_with_the_data():
    # The cotangent of a sum is a scalar broadcast to the data's shape: it must reach the
    # graph as a lazily broadcast chunked constant, not as one full-size NumPy array.
    f = lambda w, X: cnp.sum((cnp.sin(w * X) - X) ** 2)  # noqa: E731
    sizes = {}
    for n in (10**4, 10**6):
        X = da.linspace(0, 1, n, chunks=n // 4)
        g = cr.grad(f)(1.3, X)
        assert isinstance(g, da.Array)
        sizes[n] = _graph_bytes(g)
        x = np.linspace(0, 1, n)
        np.testing.assert_allclose(g.compute(), np.sum(2 * (np.sin(1.3 * x) - x)
                                                       * np.cos(1.3 * x) * x), rtol=1e-10)
    assert sizes[10**6] < 50_000, sizes
    assert sizes[10**6] < 1.5 * sizes[10**4], sizes


def test_jit_and_vector_parameter_gradients_stay_small_on_dask():
    # jit generates calls of the Dask functions directly; NumPy operations on a broadcast
    # seed (mean's 1/n, a parameter times the seed) must keep it a broadcast view.
    f = lambda w, X: cnp.mean(cnp.exp(-w[0] * X) * w[1])  # noqa: E731
    w = np.array([1.0, 2.0])
    x = np.linspace(0, 1, 10**6)
    ref = cr.grad(f)(w, x)
    for g in (cr.grad(f)(w, da.linspace(0, 1, 10**6, chunks=250_000)),
              cr.jit(cr.grad(f))(w, da.linspace(0, 1, 10**6, chunks=250_000))):
        assert isinstance(g, da.Array)
        assert _graph_bytes(g) < 100_000
        np.testing.assert_allclose(g.compute(), ref, rtol=1e-12)
