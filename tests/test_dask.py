"""Dask arrays: the same code, lazy graphs in and out, under every transform."""

import dask.array as da
import numpy as np

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
