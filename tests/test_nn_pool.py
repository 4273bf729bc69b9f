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


@pytest.mark.parametrize("shape,k,p", [((8,), (2,), (0,)), ((9,), (3,), (1,)),
                                       ((6, 6), (2, 2), (0, 0)), ((7, 5), (2, 2), (1, 1)),
                                       ((4, 6, 5), (2, 3, 2), (0, 1, 1))])
def test_max_pool_of_tiling_windows(shape, k, p):
    # stride = kernel size: the windows are a reshape and transpose of the input, whose
    # gradient is a transpose and reshape (no scatter of each window offset).  The same
    # values and gradients, bit for bit, as the strided views of the general path, ties
    # (integer inputs) sharing the gradient equally in both.
    layer = nn.MaxPool(len(shape), k, padding=p)
    x = rng.integers(-2, 3, (3,) + shape).astype(float)

    def general(x):
        return cnp.max(layer._windows(x, -np.inf)[0], axis=1)
    np.testing.assert_array_equal(layer(x), general(x))
    np.testing.assert_array_equal(layer(x), ref_pool(x, k, k, p, (1,) * len(k), "max"))
    for f in (layer, general):
        cr.check_grads(lambda x: cnp.sum(cnp.sin(f(x))), (x + 0.1 * rng.standard_normal(
            x.shape),), order=2, modes=("fwd", "rev"))
    ct = rng.standard_normal(layer(x).shape)
    g1 = cr.grad(lambda x: cnp.sum(layer(x) * ct))(x)
    g2 = cr.grad(lambda x: cnp.sum(general(x) * ct))(x)
    np.testing.assert_array_equal(g1, g2)
    avg = nn.AvgPool(len(shape), k, padding=p)  # the same windows, summed
    np.testing.assert_array_equal(avg(x), cnp.sum(avg._windows(x, 0.0)[0], axis=1) /
                                  np.prod(k))
    xs = np.stack([x, -x])
    f = cr.jit(cr.grad(lambda xs: cnp.sum(cr.vmap(layer)(xs) ** 2)))
    np.testing.assert_array_equal(f(xs), np.stack([cr.grad(lambda x: cnp.sum(general(x) ** 2))(xi)
                                                   for xi in xs]))


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
