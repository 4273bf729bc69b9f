"""chainrule.nn pooling layers against NumPy loops written from PyTorch's documented
formulas (MaxPoolNd, AvgPoolNd), with gradients checked by finite differences."""

import itertools

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import nn

rng = np.random.default_rng(0)


def ref_pool(x, k, s, p, d, kind, count_include_pad=True):
    """out[c, i] = max / mean over the window at i*s - p + j*d, j < k (padding: -inf for
    max, 0 for the mean; count_include_pad=False divides by the real entries only)."""
    c, *spatial = x.shape
    n = len(spatial)
    out = [(spatial[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in range(n)]
    y = np.empty([c] + out)
    for ch in range(c):
        for i in itertools.product(*(range(o) for o in out)):
            vals, real = [], 0
            for j in itertools.product(*(range(kk) for kk in k)):
                pos = [i[a] * s[a] - p[a] + j[a] * d[a] for a in range(n)]
                inside = all(0 <= pos[a] < spatial[a] for a in range(n))
                real += inside
                vals.append(x[(ch, *pos)] if inside else (-np.inf if kind == "max" else 0.0))
            if kind == "max":
                y[(ch, *i)] = max(vals)
            else:
                y[(ch, *i)] = sum(vals) / (np.prod(k) if count_include_pad else real)
    return y


CASES = [  # (spatial shape, kernel, stride, padding, dilation)
    ((9,), (3,), (2,), (1,), (1,)),
    ((8,), (2,), (2,), (0,), (1,)),
    ((10,), (3,), (1,), (1,), (2,)),
    ((7, 6), (3, 2), (2, 1), (1, 0), (1, 1)),
    ((6, 6), (2, 2), (2, 2), (0, 0), (1, 1)),
    ((8, 7), (3, 3), (2, 3), (1, 1), (2, 1)),
]


@pytest.mark.parametrize("shape,k,s,p,d", CASES)
def test_max_pool(shape, k, s, p, d):
    x = rng.standard_normal((3,) + shape)
    layer = (nn.MaxPool1d if len(shape) == 1 else nn.MaxPool2d)(k, s, p, d)
    np.testing.assert_array_equal(layer(x), ref_pool(x, k, s, p, d, "max"))
    cr.check_grads(lambda x: cnp.sum(cnp.sin(layer(x))), (x,), order=2, modes=("fwd", "rev"))
    xs = rng.standard_normal((4, 3) + shape)
    np.testing.assert_array_equal(cr.jit(cr.vmap(layer))(xs),
                                  np.stack([ref_pool(xi, k, s, p, d, "max") for xi in xs]))


@pytest.mark.parametrize("shape,k,s,p,d", [c for c in CASES if set(c[4]) == {1}])
@pytest.mark.parametrize("include", [True, False])
def test_avg_pool(shape, k, s, p, d, include):
    x = rng.standard_normal((2,) + shape)
    layer = (nn.AvgPool1d if len(shape) == 1 else nn.AvgPool2d)(k, s, p, include)
    np.testing.assert_allclose(layer(x), ref_pool(x, k, s, p, d, "avg", include),
                               rtol=1e-13, atol=1e-15)
    cr.check_grads(lambda x: cnp.sum(cnp.sin(layer(x))), (x,), order=2, modes=("fwd", "rev"))
    xs = rng.standard_normal((3, 2) + shape)
    np.testing.assert_allclose(cr.jit(cr.vmap(layer))(xs),
                               np.stack([ref_pool(xi, k, s, p, d, "avg", include)
                                         for xi in xs]), rtol=1e-13, atol=1e-15)


def test_pool_defaults_and_errors():
    x = rng.standard_normal((2, 6, 6))
    # stride defaults to the kernel size
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x), nn.MaxPool2d(2, 2)(x))
    np.testing.assert_array_equal(nn.MaxPool(2, 3)(x), nn.MaxPool2d(3)(x))
    # ties share the gradient
    g = cr.grad(lambda v: cnp.sum(nn.MaxPool1d(2)(v)))(np.array([[1.0, 1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(g, [[0.5, 0.5, 0.0, 1.0]])
    with pytest.raises(ValueError, match="half the kernel"):
        nn.MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match=r"MaxPool2d\(kernel_size=\(2, 2\).*vmap"):
        nn.MaxPool2d(2)(np.ones((4, 2, 6, 6)))
    with pytest.raises(ValueError, match="smaller than"):
        nn.AvgPool1d(5)(np.ones((1, 3)))
    assert nn.MaxPool2d(2)(x.astype(np.float32)).dtype == np.float32
    assert nn.AvgPool2d(2, padding=1, count_include_pad=False)(
        x.astype(np.float32)).dtype == np.float32
