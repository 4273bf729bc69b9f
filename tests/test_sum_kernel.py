"""The BLAS-backed kernel of ``reduce_sum`` agrees with ``numpy.sum`` on every layout."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule._src.lax.reductions import _contiguous_block, reduce_sum_p

CASES = [((4096, 3), (1,)), ((4096, 3), (0,)), ((64, 64, 3), (2,)), ((64, 64, 3), (1,)),
         ((64, 64, 3), (0,)), ((64, 64, 3), (1, 2)), ((64, 64, 3), (0, 1)),
         ((8, 5, 7, 3), (1, 2)), ((10, 3), (1,)), ((3, 5000), (1,)), ((64, 64, 3), (0, 2)),
         ((64, 64, 3), (0, 1, 2))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("shape, axes", CASES)
def test_matches_numpy_sum(shape, axes, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    if np.iscomplexobj(x):
        x = x + 1j * rng.standard_normal(shape)
    got = reduce_sum_p.impl(np, x, axes)
    want = np.sum(x, axis=axes)
    assert got.shape == want.shape and got.dtype == want.dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.sqrt(x.size))


def test_kernel_is_used_only_where_it_pays():
    x = np.ones((64, 64, 3))
    assert _contiguous_block(x, (2,)) == (4096, 3, 1)
    assert _contiguous_block(x, (1,)) == (64, 64, 3)
    assert _contiguous_block(x, (0, 2)) is None        # not one run of axes
    assert _contiguous_block(x, (0, 1, 2)) is None     # a full sum: NumPy's pairwise sum
    assert _contiguous_block(x.transpose(), (0,)) is None   # not C-contiguous
    assert _contiguous_block(np.ones((4, 5000)), (1,)) is None  # long rows: NumPy is fast


def test_integers_and_nonfinite_values():
    x = np.arange(300).reshape(100, 3)
    assert reduce_sum_p.impl(np, x, (1,)).dtype == np.sum(x, axis=1).dtype
    y = np.ones((100, 3))
    y[5, 1], y[7, 0], y[7, 2] = np.nan, np.inf, -np.inf
    with np.errstate(invalid="ignore"):
        got, want = reduce_sum_p.impl(np, y, (1,)), np.sum(y, axis=1)
    np.testing.assert_array_equal(got, want)


def test_gradients_through_the_kernel():
    rng = np.random.default_rng(1)
    q = rng.standard_normal((40, 3))

    def f(q):
        d = q[None, :, :] - q[:, None, :]
        return cnp.sum(cnp.sum(d * d, axis=2) ** 2, axis=1) @ cnp.sum(q, axis=1).repeat(1)
    cr.check_grads(f, (q,), order=2, eps=1e-5)
