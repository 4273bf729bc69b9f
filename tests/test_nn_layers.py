"""chainrule.nn layers and activations: forward passes against NumPy references written
from PyTorch's documented formulas (float64, 1e-12), initialisation, gradients
(check_grads, order 2, both modes) and shape errors."""

import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import nn, random
from chainrule.nn import init

RTOL = 1e-12
rng = np.random.default_rng(42)


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=RTOL, atol=1e-14)


def grads_ok(f, *args):
    cr.check_grads(f, args, order=2, modes=("fwd", "rev"))


def randomise(model, seed=0):
    """Replace every array of ``model`` with standard normal values (so that affine
    parameters initialised to ones/zeros are exercised too)."""
    r = np.random.default_rng(seed)
    return cr.tree_util.tree_map(lambda a: r.standard_normal(a.shape), model)


# --- Linear ------------------------------------------------------------------------------

def test_linear_forward_and_init():
    layer = nn.Linear(5, 3, key=0)
    x = rng.standard_normal(5)
    close(layer(x), layer.weight @ x + layer.bias)
    assert layer.weight.shape == (3, 5) and layer.weight.dtype == np.float64
    bound = 1 / math.sqrt(5)
    assert np.abs(layer.weight).max() <= bound and np.abs(layer.bias).max() <= bound
    big = nn.Linear(400, 300, key=1)  # uniform on [-b, b]: variance b**2 / 3
    assert abs(big.weight.var() / (1 / 400 / 3) - 1) < 0.02
    no_bias = nn.Linear(5, 3, bias=False, key=0)
    assert no_bias.bias is None
    close(no_bias(x), no_bias.weight @ x)
    assert nn.Linear(2, 2, key=0, dtype=np.float32).weight.dtype == np.float32


def test_linear_grads_wrt_parameters_and_input():
    layer = nn.Linear(4, 3, key=0)
    x = rng.standard_normal(4)
    grads_ok(lambda m, x: cnp.sum(cnp.sin(m(x))), layer, x)
    grads_ok(lambda m, x: cnp.sum(cnp.sin(m(x))), nn.Linear(4, 3, bias=False, key=1), x)


def test_keys_deterministic_independent_and_generator():
    a, b = nn.Linear(3, 3, key=7), nn.Linear(3, 3, key=7)
    assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
    assert not np.array_equal(nn.Linear(3, 3, key=8).weight, a.weight)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert np.array_equal(nn.Linear(3, 3, key=g1).weight, nn.Linear(3, 3, key=g2).weight)
    # a Generator spawns new streams: two layers from one Generator differ
    assert not np.array_equal(nn.Linear(3, 3, key=g1).weight, nn.Linear(3, 3, key=g1).weight)
    mlp = nn.MLP(3, 3, width_size=3, depth=2, key=0)  # sub-layers get different streams
    assert not np.array_equal(mlp.layers[0].weight, mlp.layers[1].weight)

    class Key:
        def __seed_sequence__(self):
            return np.random.SeedSequence(7)
    assert np.array_equal(nn.Linear(3, 3, key=Key()).weight, a.weight)
    assert np.array_equal(nn.Linear(3, 3, key=np.random.SeedSequence(7)).weight, a.weight)
    with pytest.raises(TypeError, match="Linear: key must be an int seed"):
        nn.Linear(3, 3, key="seed")
    with pytest.raises(ValueError, match="non-negative"):
        nn.Linear(3, 3, key=-1)
    with pytest.raises(TypeError):
        nn.Linear(3, 3)  # key is required


def test_linear_shape_error_names_the_layer_and_both_shapes():
    layer = nn.Linear(3, 2, key=0)
    with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=2\) expects an "
                       r"input of shape \(3,\), got shape \(4,\).*vmap"):
        layer(np.ones(4))
    with pytest.raises(ValueError, match=r"got shape \(8, 3\)"):
        layer(np.ones((8, 3)))
    close(cr.vmap(layer)(np.ones((8, 3))), np.ones((8, 3)) @ layer.weight.T + layer.bias)


# --- MLP, Sequential, Lambda ------------------------------------------------------------------

def test_mlp_forward():
    mlp = nn.MLP(3, 2, width_size=4, depth=2, activation=nn.tanh,
                 final_activation=nn.sigmoid, key=0)
    assert len(mlp.layers) == 3
    x = rng.standard_normal(3)
    h = x
    for l in mlp.layers[:-1]:
        h = np.tanh(l.weight @ h + l.bias)
    l = mlp.layers[-1]
    close(mlp(x), 1 / (1 + np.exp(-(l.weight @ h + l.bias))))
    single = nn.MLP(3, 2, width_size=99, depth=0, key=0)
    assert len(single.layers) == 1 and single.layers[0].weight.shape == (2, 3)
    with pytest.raises(ValueError, match=r"MLP\(in_size=3, .*got shape \(2,\)"):
        mlp(np.ones(2))
    nb = nn.MLP(3, 2, 4, 1, use_bias=False, use_final_bias=True, key=0)
    assert nb.layers[0].bias is None and nb.layers[1].bias is not None


def test_mlp_grads():
    mlp = nn.MLP(3, 2, width_size=4, depth=2, activation=nn.tanh, key=0)
    grads_ok(lambda m, x: cnp.sum(m(x) ** 2), mlp, rng.standard_normal(3))


def test_sequential_and_lambda():
    a, b = nn.Linear(3, 4, key=0), nn.Linear(4, 2, key=1)
    net = nn.Sequential([a, nn.softplus, b])
    x = rng.standard_normal(3)
    close(net(x), b.weight @ np.logaddexp(0, a.weight @ x + a.bias) + b.bias)
    assert isinstance(net[1], nn.Lambda) and len(cr.tree_util.tree_leaves(net)) == 4
    close(net[:2](x), np.logaddexp(0, a.weight @ x + a.bias))
    grads_ok(lambda m, x: cnp.sum(m(x) ** 2), net, x)
    with pytest.raises(TypeError, match="callable"):
        nn.Lambda(3)


# --- normalisation ------------------------------------------------------------------------

def layer_norm_ref(x, w, b, eps, k):
    axes = tuple(range(x.ndim - k, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)  # biased, as torch
    y = (x - mu) / np.sqrt(var + eps)
    return y * w + b if w is not None else y


def test_layer_norm_forward():
    ln = randomise(nn.LayerNorm(5))
    x = rng.standard_normal(5)
    close(ln(x), layer_norm_ref(x, ln.weight, ln.bias, 1e-5, 1))
    ln2 = randomise(nn.LayerNorm((2, 3), eps=1e-3))
    x2 = rng.standard_normal((4, 2, 3))
    close(ln2(x2), layer_norm_ref(x2, ln2.weight, ln2.bias, 1e-3, 2))
    plain = nn.LayerNorm(5, elementwise_affine=False)
    assert plain.weight is None and plain.bias is None
    close(plain(x), layer_norm_ref(x, None, None, 1e-5, 1))
    assert nn.LayerNorm(5, bias=False).bias is None
    assert np.array_equal(nn.LayerNorm(5).weight, np.ones(5))
    with pytest.raises(ValueError, match=r"LayerNorm\(normalized_shape=\(5,\)\) expects an "
                       r"input of shape \(\.\.\., 5\), got shape \(4,\)"):
        ln(np.ones(4))


def test_rms_norm_forward():
    rn = randomise(nn.RMSNorm(4))
    x = rng.standard_normal(4)
    eps = np.finfo(np.float64).eps
    close(rn(x), x / np.sqrt((x ** 2).mean() + eps) * rn.weight)
    rn2 = nn.RMSNorm((2, 2), eps=0.1, elementwise_affine=False)
    x2 = rng.standard_normal((3, 2, 2))
    close(rn2(x2), x2 / np.sqrt((x2 ** 2).mean(axis=(1, 2), keepdims=True) + 0.1))
    with pytest.raises(ValueError, match=r"RMSNorm.*got shape \(3,\)"):
        rn(np.ones(3))


def test_norm_grads():
    x = rng.standard_normal(5)
    grads_ok(lambda m, x: cnp.sum(cnp.sin(m(x))), randomise(nn.LayerNorm(5)), x)
    grads_ok(lambda m, x: cnp.sum(cnp.sin(m(x))), randomise(nn.RMSNorm(5, eps=1e-3)), x)


# --- Embedding, Dropout ---------------------------------------------------------------------

def test_embedding():
    emb = nn.Embedding(6, 3, key=0)
    idx = np.array([[0, 5], [2, 2]])
    close(emb(idx), emb.weight[idx])
    assert emb(idx).shape == (2, 2, 3)
    assert abs(nn.Embedding(2000, 50, key=1).weight.std() - 1) < 0.01  # N(0, 1) as torch
    grads_ok(lambda m: cnp.sum(cnp.sin(m(idx))), emb)
    g = cr.grad(lambda m: cnp.sum(m(idx)))(emb)
    close(g.weight, np.array([1, 0, 2, 0, 0, 1])[:, None] * np.ones(3))
    with pytest.raises(IndexError, match=r"Embedding\(num_embeddings=6, embedding_dim=3\)"):
        emb(np.array([6]))
    with pytest.raises(TypeError, match="integer indices"):
        emb(np.array([1.0]))
    close(cr.vmap(emb)(idx), emb.weight[idx])
    close(cr.jit(lambda m, i: m(i))(emb, idx), emb.weight[idx])
    gj = cr.grad(lambda m: cnp.sum(cr.vmap(m)(idx)))(emb)  # traced indices
    close(gj.weight, g.weight)
    close(cr.jit(cr.grad(lambda m, i: cnp.sum(m(i))))(emb, idx).weight, g.weight)
    grads_ok(lambda m: cnp.sum(cnp.sin(cr.jit(lambda m, i: m(i))(m, idx))), emb)


def test_embedding_traced_lookup_is_a_gather():
    # no intermediate grows with the table: a gather of the rows asked for, not a one-hot
    emb = nn.Embedding(1000, 4, key=0)
    idx = np.array([3, 999, 0])
    ir = cr.make_ir(lambda m, i: m(i))(emb, idx)
    shapes = [tuple(v.aval.shape) for e in ir.eqns for v in e.outputs]
    assert shapes and all(1000 not in s for s in shapes), shapes
    close(cr.jit(lambda m, i: m(i))(emb, idx), emb.weight[idx])
    close(cr.vmap(lambda i: emb(i))(idx), emb.weight[idx])


def test_dropout():
    x = rng.standard_normal(2000)
    drop = nn.Dropout(0.25)
    y = drop(x, key=0)
    kept = y != 0
    close(y[kept], x[kept] / 0.75)
    assert 0.2 < 1 - kept.mean() < 0.3
    assert np.array_equal(drop(x, key=0), y) and not np.array_equal(drop(x, key=1), y)
    assert drop(x, inference=True) is x and nn.Dropout(0.5, inference=True)(x) is x
    with pytest.raises(TypeError, match="needs key="):
        drop(x)
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)
    assert drop(np.ones(3, np.float32), key=0).dtype == np.float32
    # the mask is a constant: the gradient is the mask scaled
    g = cr.grad(lambda x: cnp.sum(drop(x, key=0)))(x)
    close(g, kept / 0.75)


def test_dropout_keys_from_chainrule_random():
    x = rng.standard_normal((4, 50))
    drop = nn.Dropout(0.4)
    k = random.key(7)
    y = drop(x, key=k)
    keep = np.asarray(random.bernoulli(k, 0.6, x.shape))
    close(y, np.where(keep, x / 0.6, 0.0))                      # the documented mask
    close(drop(x, key=7), y)                                     # a seed is random.key(seed)
    close(drop(x, key=np.random.default_rng(3)),
          drop(x, key=random.key_from_rng(np.random.default_rng(3))))
    # traced keys and seeds: the same mask under jit
    close(cr.jit(lambda x, k: drop(x, key=k))(x, k), y)
    close(cr.jit(lambda x, s: drop(x, key=s))(x, np.int64(7)), y)
    # under vmap with split keys each example gets its own mask; a shared key, the same one
    keys = random.split(k, 4)
    yv = cr.vmap(lambda xi, ki: drop(xi, key=ki))(x, keys)
    for i in range(4):
        close(yv[i], drop(x[i], key=keys[i]))
    assert not np.array_equal(yv[0] == 0, yv[1] == 0)
    ys = cr.vmap(lambda xi: drop(xi, key=k))(x)
    assert all(np.array_equal(ys[i] == 0, ys[0] == 0) for i in range(4))
    grads_ok(lambda x: cnp.sum(cnp.sin(cr.jit(lambda x: drop(x, key=k))(x))), x[0, :6])
    with pytest.raises(TypeError, match="chainrule.random key"):
        drop(x, key=np.zeros(3, np.uint32))
    with pytest.raises(TypeError, match="got a bool"):
        drop(x, key=True)


def test_layer_keys_from_chainrule_random_are_seeds():
    # a chainrule.random key initialises a layer deterministically (its two words seed
    # NumPy's generator); under jit it is traced and refused with a clear message
    k = random.key(5)
    a, b = nn.Linear(3, 2, key=k), nn.Linear(3, 2, key=random.key(5))
    close(a.weight, b.weight)
    assert not np.array_equal(a.weight, nn.Linear(3, 2, key=random.key(6)).weight)
    m1, m2 = nn.MLP(2, 1, 4, 2, key=k), nn.MLP(2, 1, 4, 2, key=k)
    assert all(np.array_equal(p, q) for p, q in zip(m1.parameters(), m2.parameters()))
    with pytest.raises(TypeError, match="traced value"):
        cr.jit(lambda k: nn.Linear(3, 2, key=k).weight)(k)


# --- activations ------------------------------------------------------------------------------

Z = np.array([-25.0, -3.0, -0.7, -1e-3, 0.2, 1.5, 4.0, 30.0])


def sig(z):
    return 1 / (1 + np.exp(-z))


ACTIVATIONS = {
    "relu": (nn.relu, lambda z: np.maximum(z, 0)),
    "leaky_relu": (nn.leaky_relu, lambda z: np.where(z >= 0, z, 0.01 * z)),
    "elu": (nn.elu, lambda z: np.where(z > 0, z, np.exp(z) - 1)),
    "sigmoid": (nn.sigmoid, sig),
    "tanh": (nn.tanh, np.tanh),
    "silu": (nn.silu, lambda z: z * sig(z)),
    "softplus": (nn.softplus, lambda z: np.where(z > 20, z, np.log1p(np.exp(z)))),
    "gelu_tanh": (lambda z: nn.gelu(z, approximate="tanh"),
                  lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) *
                                                   (z + 0.044715 * z ** 3)))),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_values_and_grads(name):
    f, ref = ACTIVATIONS[name]
    close(f(Z), ref(Z))
    smooth = np.array([-1.3, -0.4, 0.6, 2.1])  # away from kinks
    grads_ok(lambda z: cnp.sum(f(z)), smooth)


def test_activation_options_and_kinks():
    close(nn.leaky_relu(Z, 0.2), np.where(Z > 0, Z, 0.2 * Z))
    close(nn.elu(Z, alpha=2.0), np.where(Z > 0, Z, 2 * np.expm1(Z)))
    close(nn.softplus(Z, beta=2.0, threshold=5.0),
          np.where(2 * Z > 5, Z, np.log1p(np.exp(2 * Z)) / 2))
    # derivative at the kink is that of the x <= 0 branch, as in PyTorch
    assert float(cr.grad(nn.relu)(0.0)) == 0.0
    assert float(cr.grad(nn.leaky_relu)(0.0)) == 0.01
    # no overflow in the branch that is not taken
    g = cr.grad(lambda z: cnp.sum(nn.elu(z)))(np.array([800.0, -800.0]))
    assert np.all(np.isfinite(g)) and g[0] == 1.0
    with pytest.raises(ValueError, match="approximate"):
        nn.gelu(Z, approximate="fast")


def test_gelu_exact():
    from scipy.special import erf as erf_ref
    from scipy.special import ndtr
    x = np.concatenate([Z.ravel(), [-40.0, -8.0, -1e-8, 0.0, 1e-8, 8.0, 40.0]])
    y = nn.gelu(x)
    close(y, 0.5 * x * (1 + erf_ref(x / np.sqrt(2))))
    close(y, x * ndtr(x))
    # d/dx x Phi(x) = Phi(x) + x phi(x), the analytic derivative
    pdf = np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    close(cr.vmap(cr.grad(nn.gelu))(x), ndtr(x) + x * pdf)
    grads_ok(lambda z: cnp.sum(nn.gelu(z)), np.array([-1.3, 0.6, 2.5]))
    close(cr.jit(nn.gelu)(x), y)
    close(cr.vmap(nn.gelu)(Z), nn.gelu(Z))
    assert np.max(np.abs(nn.gelu(x, approximate="tanh") - y)) < 1e-3


def test_softmax_and_log_softmax():
    x = rng.standard_normal((3, 4)) * 10
    x[0, 0] = 800.0  # would overflow without the shift
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    close(nn.softmax(x), e / e.sum(axis=-1, keepdims=True))
    z = x - x.max(axis=-1, keepdims=True)
    close(nn.log_softmax(x), z - np.log(np.exp(z).sum(axis=-1, keepdims=True)))
    close(nn.softmax(x, axis=0), np.exp(x - x.max(0)) / np.exp(x - x.max(0)).sum(0))
    xs = rng.standard_normal((2, 3))
    grads_ok(lambda z: cnp.sum(nn.softmax(z) * np.arange(3.0)), xs)
    grads_ok(lambda z: cnp.sum(nn.log_softmax(z, axis=0) * np.arange(3.0)), xs)


# --- init ---------------------------------------------------------------------------------------

def test_init_formulas():
    shape = (200, 300)
    fan_in, fan_out = 300, 200
    w = init.xavier_uniform(0, shape, gain=2.0)
    b = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w).max() <= b and np.abs(w).max() > 0.99 * b
    assert abs(init.xavier_normal(0, shape).std() / math.sqrt(2 / 500) - 1) < 0.01
    k = init.kaiming_uniform(0, shape, nonlinearity="relu")
    assert np.abs(k).max() <= math.sqrt(6 / fan_in)
    assert abs(init.kaiming_normal(0, shape, mode="fan_out", nonlinearity="relu").std()
               / math.sqrt(2 / fan_out) - 1) < 0.01
    # conv weights: fans include the receptive field
    assert abs(init.kaiming_normal(1, (64, 16, 3, 3)).std() /
               (math.sqrt(2 / (1 + 0.0)) / math.sqrt(16 * 9)) - 1) < 0.02
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    q = init.orthogonal(0, (3, 5), gain=2.0)
    close(q @ q.T, 4 * np.eye(3))
    q = init.orthogonal(0, (6, 2, 2))
    close(q.reshape(6, 4).T @ q.reshape(6, 4), np.eye(4))
    n = init.normal(0, (100000,), mean=1.0, std=0.5)
    assert abs(n.mean() - 1) < 0.01 and abs(n.std() - 0.5) < 0.01
    u = init.uniform(0, (1000,), -2.0, -1.0)
    assert u.min() >= -2 and u.max() < -1
    assert np.array_equal(init.zeros(None, 3), np.zeros(3))
    assert np.array_equal(init.uniform(5, (4,)), init.uniform(5, (4,)))
    assert init.normal(0, (2,), dtype=np.float32).dtype == np.float32
    assert init.glorot_uniform is init.xavier_uniform and init.he_normal is init.kaiming_normal
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform(0, (3,))
