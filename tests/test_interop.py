"""DLPack exchange: ``chainrule.numpy.from_dlpack`` and chainrule's results handed to other
libraries (NumPy's own DLPack consumer stands in for PyTorch's and JAX's)."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp


def test_from_dlpack_shares_memory_with_the_producer():
    x = np.arange(6.0).reshape(2, 3)
    y = cnp.from_dlpack(x)
    assert type(y) is np.ndarray and np.shares_memory(x, y)
    np.testing.assert_array_equal(y, x)


def test_from_dlpack_copy_argument_follows_numpy():
    x = np.arange(4.0)
    y = cnp.from_dlpack(x, copy=True)
    assert not np.shares_memory(x, y)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(cnp.from_dlpack(x, copy=False), x)


def test_from_dlpack_passes_traced_values_through():
    x = np.array([0.5, -1.0, 2.0])
    f = lambda v: cnp.sum(cnp.sin(cnp.from_dlpack(v)) * v)  # noqa: E731
    np.testing.assert_allclose(cr.grad(f)(x), np.sin(x) + x * np.cos(x), rtol=1e-14)
    np.testing.assert_allclose(cr.jit(f)(x), np.sum(np.sin(x) * x), rtol=1e-14)
    xs = np.stack([x, 2 * x])
    np.testing.assert_allclose(cr.vmap(f)(xs), [f(x), f(2 * x)], rtol=1e-14)


def test_results_are_consumed_without_a_copy():
    # What torch.from_dlpack / jax.dlpack.from_dlpack do with chainrule's NumPy results.
    x = np.linspace(0.0, 1.0, 5)
    g = cr.grad(lambda v: cnp.sum(v ** 3))(x)
    view = np.from_dlpack(g)
    assert np.shares_memory(view, g)
    np.testing.assert_allclose(view, 3 * x ** 2)


def test_from_dlpack_reads_another_array_library():
    xps = pytest.importorskip("array_api_strict")
    x = xps.asarray([1.0, 2.0, 3.0])
    y = cnp.from_dlpack(x)
    assert type(y) is np.ndarray
    np.testing.assert_array_equal(y, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(cr.grad(lambda v: cnp.sum(v ** 2))(y), [2.0, 4.0, 6.0])
