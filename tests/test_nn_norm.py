"""chainrule.nn GroupNorm and BatchNorm against NumPy written from PyTorch's documented
formulas, with gradients checked by finite differences."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import nn

rng = np.random.default_rng(0)


def ref_group_norm(x, groups, w, b, eps=1e-5):
    c = x.shape[0]
    g = x.reshape(groups, -1)
    y = ((g - g.mean(1, keepdims=True)) / np.sqrt(g.var(1, keepdims=True) + eps)).reshape(x.shape)
    shape = (c,) + (1,) * (x.ndim - 1)
    return y * w.reshape(shape) + b.reshape(shape)


@pytest.mark.parametrize("shape,groups", [((6,), 3), ((4, 5), 2), ((6, 3, 4), 3),
                                          ((4, 2, 3), 1), ((4, 3), 4)])
def test_group_norm(shape, groups):
    x = rng.standard_normal(shape) * 3 + 1
    gn = nn.GroupNorm(groups, shape[0])
    gn = nn.tree_at(lambda m: (m.weight, m.bias), gn,
                    (rng.standard_normal(shape[0]), rng.standard_normal(shape[0])))
    np.testing.assert_allclose(gn(x), ref_group_norm(x, groups, gn.weight, gn.bias),
                               rtol=1e-12, atol=1e-12)
    cr.check_grads(lambda m, x: cnp.sum(cnp.sin(m(x))), (gn, x), order=2,
                   modes=("fwd", "rev"))
    xs = rng.standard_normal((3,) + shape)
    np.testing.assert_allclose(cr.jit(cr.vmap(gn))(xs),
                               np.stack([ref_group_norm(v, groups, gn.weight, gn.bias)
                                         for v in xs]), rtol=1e-12, atol=1e-12)


def test_group_norm_defaults_and_errors():
    gn = nn.GroupNorm(2, 4)
    np.testing.assert_array_equal(gn.weight, np.ones(4))
    np.testing.assert_array_equal(gn.bias, np.zeros(4))
    x = rng.standard_normal((4, 5))
    np.testing.assert_allclose(nn.GroupNorm(2, 4, affine=False)(x), gn(x), rtol=1e-14)
    assert nn.GroupNorm(2, 4, affine=False).weight is None
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"GroupNorm\(num_groups=2, num_channels=4\)"):
        gn(np.ones((3, 5)))


def ref_batch_norm_train(x, w, b, rm, rv, momentum, count, eps=1e-5):
    """PyTorch's BatchNorm in training mode: normalise with the batch mean and biased
    variance; running stats move by momentum (None: cumulative average) with the unbiased
    variance."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axes), x.var(axes)
    n = x.size // x.shape[1]
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    y = y * w.reshape(shape) + b.reshape(shape)
    m = 1 / (count + 1) if momentum is None else momentum
    return y, (1 - m) * rm + m * mean, (1 - m) * rv + m * var * n / (n - 1)


@pytest.mark.parametrize("shape", [(8, 3), (5, 2, 7), (4, 3, 5, 6)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm(shape, momentum):
    c = shape[1]
    bn = nn.BatchNorm(c, momentum=momentum)
    bn = nn.tree_at(lambda m: (m.weight, m.bias), bn,
                    (rng.standard_normal(c), rng.standard_normal(c)))
    state = bn.init_state()
    np.testing.assert_array_equal(state.running_mean, np.zeros(c))
    np.testing.assert_array_equal(state.running_var, np.ones(c))
    rm, rv = np.zeros(c), np.ones(c)
    step = cr.jit(lambda m, x, s: m(x, s))
    for k in range(3):
        x = rng.standard_normal(shape) * (k + 1) + k
        y, state = bn(x, state) if k != 1 else step(bn, x, state)   # eager, compiled
        y_ref, rm, rv = ref_batch_norm_train(x, bn.weight, bn.bias, rm, rv, momentum, k)
        np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(state.running_mean, rm, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(state.running_var, rv, rtol=1e-12)
        assert int(state.num_batches_tracked) == k + 1
    # evaluation: the running statistics, the state unchanged
    x = rng.standard_normal(shape)
    sh = (1, c) + (1,) * (len(shape) - 2)
    y_ref = ((x - rm.reshape(sh)) / np.sqrt(rv.reshape(sh) + 1e-5) * bn.weight.reshape(sh)
             + bn.bias.reshape(sh))
    y, same = bn(x, state, inference=True)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12)
    assert same is state
    # derivatives through the batch statistics (training) and the running ones (inference)
    cr.check_grads(lambda m, x: cnp.sum(cnp.sin(m(x, state)[0])), (bn, x), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda m, x: cnp.sum(cnp.sin(m(x, state, inference=True)[0])), (bn, x),
                   order=2, modes=("fwd", "rev"))
    # the new running statistics carry no derivative
    g = cr.grad(lambda x: cnp.sum(bn(x, state)[1].running_mean))(x)
    np.testing.assert_array_equal(g, np.zeros_like(x))


def test_batch_norm_state_none_and_errors():
    bn = nn.BatchNorm(3)
    x = rng.standard_normal((6, 3, 4))
    y, s = bn(x, None)
    assert s is None
    np.testing.assert_allclose(y, bn(x, bn.init_state())[0], rtol=1e-14)
    with pytest.raises(TypeError, match="running statistics"):
        bn(x, None, inference=True)
    with pytest.raises(ValueError, match=r"BATCH of shape \(N, 3, ...\)"):
        bn(np.ones(3), None)
    with pytest.raises(ValueError, match="more than one value"):
        bn(np.ones((1, 3)), None)
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm(3, momentum=2.0)
    s32 = nn.BatchNorm(3, dtype=np.float32).init_state()
    assert s32.running_mean.dtype == np.float32
    _, s32 = nn.BatchNorm(3, dtype=np.float32)(x.astype(np.float32), s32)
    assert s32.running_var.dtype == np.float32
    assert nn.BatchNorm(3, affine=False).weight is None


def test_batch_norm_state_is_a_pytree_that_saves(tmp_path):
    bn = nn.BatchNorm(3)
    _, state = bn(rng.standard_normal((5, 3)), bn.init_state())
    path = tmp_path / "bn.npz"
    nn.save(path, {"bn": bn, "state": state})
    out = nn.load(path, like={"bn": bn, "state": bn.init_state()})
    assert type(out["state"]) is nn.BatchNormState
    for a, b in zip(out["state"], state):
        np.testing.assert_array_equal(a, b)
    assert list(nn.state_dict(state)) == ["running_mean", "running_var",
                                          "num_batches_tracked"]
