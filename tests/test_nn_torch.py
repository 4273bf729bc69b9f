"""Every ``chainrule.nn`` layer and loss against PyTorch (float64, same weights).

Each test copies the layer's weights into the ``torch.nn`` equivalent (through
``nn.state_dict``: the names must match PyTorch's), compares the forward pass on a batch
(our layers map one example and are batched with ``vmap``) to 1e-12, and compares the
gradients of ``sum(out * r)`` (``r`` fixed and random) with respect to every parameter and
to the input against ``torch.autograd``.  torch is a test-only dependency.
"""

import numpy as np
import pytest
import torch  # a test-only dependency (the "test" extra)

import chainrule as cr
from chainrule import nn

F = torch.nn.functional

TOL = 1e-12


def _t(a):
    return torch.from_numpy(np.array(a, dtype=np.float64))


def _close(ours, theirs, what):
    ours = np.asarray(ours)
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL, err_msg=what)


def _copy_into(layer, module, prefix=""):
    """Load ``layer``'s weights into the torch ``module``; the names must match exactly."""
    module = module.double()  # before loading: float32 parameters would round the weights
    sd = {prefix + k: _t(v) for k, v in nn.state_dict(layer).items()}
    missing, unexpected = module.load_state_dict(sd, strict=False)
    # buffers (BatchNorm's running statistics) live outside our modules
    assert not unexpected, unexpected
    assert all(k.startswith("running_") or k == "num_batches_tracked" for k in missing), missing
    module.zero_grad(set_to_none=True)  # a module compared twice must not accumulate
    return module


def compare_layer(layer, module, x, *, batched=True, prefix="", rng_seed=0):
    """Forward values and gradients (parameters and input) of ``layer`` vs ``module``."""
    module = _copy_into(layer, module, prefix)
    xt = _t(x).requires_grad_(True)
    out_t = module(xt)
    r = np.random.default_rng(rng_seed).normal(size=tuple(out_t.shape))
    fwd = cr.vmap(layer) if batched else layer
    out = fwd(x)
    _close(out, out_t, "forward")

    (out_t * _t(r)).sum().backward()

    def loss(params, x):
        model = nn.combine(params, static)
        f = cr.vmap(model) if batched else model
        return cr.numpy.sum(f(x) * r)

    params, static = nn.partition(layer, nn.is_inexact_array)
    gp, gx = cr.grad(loss, argnums=(0, 1))(params, x)
    named = dict(module.named_parameters())
    for name, g in nn.state_dict(gp).items():
        _close(g, named[prefix + name].grad, f"d/d{name}")
    _close(gx, xt.grad, "d/dx")


RNG = np.random.default_rng(1234)


def randn(*shape):
    return RNG.normal(size=shape)


# ---------------------------------------------------------------------------- layers


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    compare_layer(nn.Linear(5, 3, bias=bias, key=0), torch.nn.Linear(5, 3, bias=bias),
                  randn(7, 5))


def test_sequential_mlp():
    seq = nn.Sequential([nn.Linear(4, 6, key=0), nn.Lambda(nn.tanh), nn.Linear(6, 2, key=1)])
    module = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2))
    names = list(nn.state_dict(seq))
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    wrapper = torch.nn.Module()
    wrapper.layers = module
    wrapper.forward = module.forward
    compare_layer(seq, wrapper, randn(5, 4))
    mlp = nn.MLP(4, 2, width_size=6, depth=2, activation=nn.relu, key=2)
    wrapper = torch.nn.Module()
    wrapper.layers = torch.nn.ModuleList([torch.nn.Linear(4, 6), torch.nn.Linear(6, 6),
                                          torch.nn.Linear(6, 2)])
    wrapper.forward = lambda x: wrapper.layers[2](torch.relu(wrapper.layers[1](
        torch.relu(wrapper.layers[0](x)))))
    compare_layer(mlp, wrapper, randn(5, 4))


CONV1D = [dict(), dict(stride=2, padding=1), dict(dilation=2, padding=2),
          dict(groups=2, padding="same"), dict(padding="valid", bias=False),
          dict(stride=3, dilation=2, groups=2, padding=3)]


@pytest.mark.parametrize("kw", CONV1D)
def test_conv1d(kw):
    compare_layer(nn.Conv1d(4, 6, 3, key=0, **kw), torch.nn.Conv1d(4, 6, 3, **kw),
                  randn(3, 4, 17))


CONV2D = [dict(), dict(stride=(2, 1), padding=(1, 2)), dict(dilation=(2, 1), padding=1),
          dict(groups=2, padding="same"), dict(bias=False, stride=2),
          dict(groups=4, dilation=2, padding="same")]


@pytest.mark.parametrize("kw", CONV2D)
def test_conv2d(kw):
    compare_layer(nn.Conv2d(4, 8, (3, 2), key=0, **kw), torch.nn.Conv2d(4, 8, (3, 2), **kw),
                  randn(2, 4, 9, 8))


POOL1D = [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
          dict(kernel_size=3, stride=2, padding=1)]


@pytest.mark.parametrize("kw", POOL1D + [dict(kernel_size=3, stride=2, dilation=2, padding=1)])
def test_maxpool1d(kw):
    # continuous random input: no ties, so the gradients must agree exactly
    compare_layer(nn.MaxPool1d(**kw), torch.nn.MaxPool1d(**kw), randn(3, 2, 13))


@pytest.mark.parametrize("kw", POOL1D + [dict(kernel_size=3, stride=2, padding=1,
                                              count_include_pad=False)])
def test_avgpool1d(kw):
    compare_layer(nn.AvgPool1d(**kw), torch.nn.AvgPool1d(**kw), randn(3, 2, 13))


POOL2D = [dict(kernel_size=2), dict(kernel_size=(3, 2), stride=1, padding=(1, 0)),
          dict(kernel_size=3, stride=2, padding=1)]


@pytest.mark.parametrize("kw", POOL2D + [dict(kernel_size=2, dilation=(2, 1))])
def test_maxpool2d(kw):
    compare_layer(nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), randn(2, 3, 9, 8))


@pytest.mark.parametrize("kw", POOL2D + [dict(kernel_size=3, stride=2, padding=1,
                                              count_include_pad=False)])
def test_avgpool2d(kw):
    compare_layer(nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), randn(2, 3, 9, 8))


def test_maxpool_ties_follow_the_documented_convention():
    """PyTorch routes a tied maximum's whole gradient to one entry; chainrule shares it
    equally between the tied entries (documented in MaxPool's docstring).  The values
    agree; the gradient is PyTorch's spread evenly over each window's ties."""
    x = np.array([[[1.0, 1.0, 0.0, 2.0, 2.0, 2.0]]])
    pool, tpool = nn.MaxPool1d(3), torch.nn.MaxPool1d(3)
    xt = _t(x).requires_grad_(True)
    tpool(xt).sum().backward()
    _close(cr.vmap(pool)(x), tpool(_t(x)), "forward")
    g = cr.grad(lambda x: cr.numpy.sum(cr.vmap(pool)(x)))(x)
    np.testing.assert_allclose(g, [[[0.5, 0.5, 0.0, 1 / 3, 1 / 3, 1 / 3]]], rtol=0, atol=1e-15)
    assert xt.grad.sum().item() == 2.0
    assert abs(g.sum() - 2.0) < 1e-15


@pytest.mark.parametrize("kw", [dict(), dict(elementwise_affine=False), dict(bias=False)])
def test_layernorm(kw):
    layer = nn.LayerNorm((3, 4), eps=1e-3, **kw)
    if layer.weight is not None:  # non-trivial affine parameters
        layer = nn.tree_at(lambda m: m.weight, layer, randn(3, 4))
    if layer.bias is not None:
        layer = nn.tree_at(lambda m: m.bias, layer, randn(3, 4))
    compare_layer(layer, torch.nn.LayerNorm((3, 4), eps=1e-3, **kw), randn(5, 2, 3, 4))


@pytest.mark.parametrize("eps", [None, 1e-2])
def test_rmsnorm(eps):
    layer = nn.tree_at(lambda m: m.weight, nn.RMSNorm(4, eps=eps), randn(4))
    compare_layer(layer, torch.nn.RMSNorm(4, eps=eps), randn(5, 3, 4))


@pytest.mark.parametrize("affine", [True, False])
def test_groupnorm(affine):
    layer = nn.GroupNorm(2, 6, eps=1e-4, affine=affine)
    if affine:
        layer = nn.tree_at(lambda m: (m.weight, m.bias), layer, (randn(6), randn(6)))
    compare_layer(layer, torch.nn.GroupNorm(2, 6, eps=1e-4, affine=affine), randn(3, 6, 5))


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_training_and_running_statistics(momentum):
    bn = nn.tree_at(lambda m: (m.weight, m.bias), nn.BatchNorm(3, momentum=momentum),
                    (randn(3), randn(3)))
    tbn = _copy_into(bn, torch.nn.BatchNorm2d(3, momentum=momentum))
    state = bn.init_state()
    for _ in range(3):
        x = randn(6, 3, 4, 5) * 2.0 + 1.0
        y, state = bn(x, state)
        _close(y, tbn(_t(x)), "training forward")
    _close(state.running_mean, tbn.running_mean, "running_mean")
    _close(state.running_var, tbn.running_var, "running_var")
    assert int(state.num_batches_tracked) == int(tbn.num_batches_tracked) == 3
    tbn.eval()
    x = randn(4, 3, 4, 5)
    _close(bn(x, state, inference=True)[0], tbn(_t(x)), "inference forward")
    # gradients in training mode
    xt = _t(x).requires_grad_(True)
    tbn.train()
    r = randn(4, 3, 4, 5)
    (tbn(xt) * _t(r)).sum().backward()
    params, static = nn.partition(bn, nn.is_inexact_array)
    gp, gx = cr.grad(lambda p, x: cr.numpy.sum(nn.combine(p, static)(x, None)[0] * r),
                     argnums=(0, 1))(params, x)
    _close(gp.weight, tbn.weight.grad, "d/dweight")
    _close(gp.bias, tbn.bias.grad, "d/dbias")
    _close(gx, xt.grad, "d/dx")


def test_embedding():
    emb = nn.Embedding(10, 4, key=0)
    temb = _copy_into(emb, torch.nn.Embedding(10, 4))
    idx = np.array([[1, 4, 4], [9, 0, 4]])
    _close(emb(idx), temb(torch.from_numpy(idx)), "forward")
    r = randn(2, 3, 4)
    (temb(torch.from_numpy(idx)) * _t(r)).sum().backward()
    g = cr.grad(lambda e: cr.numpy.sum(e(idx) * r))(emb)
    _close(g.weight, temb.weight.grad, "d/dweight")


def test_dropout_inference_is_identity_and_training_scales_kept_entries():
    # the masks come from different generators; what must agree is the rule
    x = randn(200, 5) + 3.0
    drop = nn.Dropout(0.3)
    kept = np.asarray(drop(x, key=cr.random.key(0)))
    nz = kept != 0
    assert 0.6 < nz.mean() < 0.8
    np.testing.assert_allclose(kept[nz], x[nz] / 0.7, rtol=1e-15)
    tdrop = torch.nn.Dropout(0.3).eval()
    _close(drop(x, inference=True), tdrop(_t(x)), "inference")


# ------------------------------------------------------------------------ activations

ACTIVATIONS = [
    (nn.relu, F.relu), (lambda x: nn.leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2)),
    (lambda x: nn.elu(x, 0.7), lambda x: F.elu(x, 0.7)), (nn.sigmoid, torch.sigmoid),
    (nn.tanh, torch.tanh), (nn.silu, F.silu),
    (lambda x: nn.softplus(x, 2.0, 3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    (nn.gelu, F.gelu), (lambda x: nn.gelu(x, "tanh"), lambda x: F.gelu(x, approximate="tanh")),
    (lambda x: nn.softmax(x, axis=-1), lambda x: F.softmax(x, dim=-1)),
    (lambda x: nn.log_softmax(x, axis=0), lambda x: F.log_softmax(x, dim=0)),
]


@pytest.mark.parametrize("ours,theirs", ACTIVATIONS)
def test_activation(ours, theirs):
    x = randn(6, 5) * 3.0
    xt = _t(x).requires_grad_(True)
    r = randn(6, 5)
    (theirs(xt) * _t(r)).sum().backward()
    _close(ours(x), theirs(_t(x)), "forward")
    _close(cr.grad(lambda x: cr.numpy.sum(ours(x) * r))(x), xt.grad, "d/dx")


@pytest.mark.parametrize("ours,theirs", ACTIVATIONS[:9])
def test_elementwise_activations_propagate_nan_as_torch(ours, theirs):
    # A NaN activation must stay NaN (a diverged layer shows), never turn into 0; large
    # inputs (4096 values) take the branch-free select of big arrays.
    for x in (np.array([np.nan, -1.0, 0.0, 2.0]),
              np.where(np.arange(4096) % 3 == 0, np.nan, randn(4096))):
        out, ref = np.asarray(ours(x)), theirs(_t(x)).numpy()
        np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
        np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- losses


def _compare_loss(ours, theirs, inputs, diff=(0,)):
    """``ours(*inputs)`` vs ``theirs(*tensors)``, and the gradients for args in ``diff``."""
    ts = [_t(a).requires_grad_(i in diff) if np.asarray(a).dtype.kind == "f"
          else torch.from_numpy(np.asarray(a)) for i, a in enumerate(inputs)]
    out_t = theirs(*ts)
    out = ours(*inputs)
    _close(out, out_t, "forward")
    r = randn(*tuple(out_t.shape)) if out_t.ndim else 1.0
    (out_t * (_t(r) if out_t.ndim else 1.0)).sum().backward()
    grads = cr.grad(lambda *a: cr.numpy.sum(ours(*a) * r), argnums=tuple(diff))(*inputs)
    for i, g in zip(diff, grads):
        _close(g, ts[i].grad, f"d/darg{i}")


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    a, b = randn(4, 3), randn(4, 3)
    _compare_loss(lambda a, b: nn.mse(a, b, reduction),
                  lambda a, b: F.mse_loss(a, b, reduction=reduction), (a, b), (0, 1))
    _compare_loss(lambda a, b: nn.mae(a, b, reduction),
                  lambda a, b: F.l1_loss(a, b, reduction=reduction), (a, b), (0, 1))
    _compare_loss(lambda a, b: nn.huber(a, b, 0.7, reduction),
                  lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=0.7),
                  (a, b), (0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.2), dict(weight=True),
                                dict(weight=True, label_smoothing=0.1, ignore_index=2),
                                dict(ignore_index=1)])
def test_cross_entropy_class_indices(reduction, kw):
    logits, labels = randn(6, 4) * 2.0, np.array([0, 3, 2, 1, 2, 3])
    kw = dict(kw)
    w = RNG.uniform(0.5, 2.0, 4) if kw.pop("weight", False) else None
    _compare_loss(lambda x, y: nn.cross_entropy(x, y, reduction, weight=w, **kw),
                  lambda x, y: F.cross_entropy(x, y, reduction=reduction,
                                               weight=None if w is None else _t(w), **kw),
                  (logits, labels))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.2), dict(weight=True)])
def test_cross_entropy_probabilities(reduction, kw):
    logits = randn(5, 3) * 2.0
    probs = np.asarray(nn.softmax(randn(5, 3)))
    kw = dict(kw)
    w = RNG.uniform(0.5, 2.0, 3) if kw.pop("weight", False) else None
    _compare_loss(lambda x, y: nn.cross_entropy(x, y, reduction, weight=w, **kw),
                  lambda x, y: F.cross_entropy(x, y, reduction=reduction,
                                               weight=None if w is None else _t(w), **kw),
                  (logits, probs), (0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [None, np.array([0.5, 2.0, 1.5])])
def test_binary_cross_entropy_with_logits(reduction, pos_weight):
    x, y = randn(4, 3) * 3.0, RNG.uniform(size=(4, 3))
    pw = None if pos_weight is None else _t(pos_weight)
    _compare_loss(lambda x, y: nn.binary_cross_entropy_with_logits(x, y, reduction,
                                                                     pos_weight),
                  lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction,
                                                                  pos_weight=pw),
                  (x, y), (0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 3), (4, 1), (4,)])
def test_gaussian_nll(reduction, full, var_shape):
    x, y = randn(4, 3), randn(4, 3)
    var = RNG.uniform(0.1, 2.0, var_shape)
    var.flat[0] = 1e-8  # below eps: clamped for the value, gradient passes through
    _compare_loss(lambda x, y, v: nn.gaussian_nll(x, y, v, full=full, reduction=reduction),
                  lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=full,
                                                      reduction=reduction),
                  (x, y, var), (0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll(reduction, log_input, full):
    x = randn(4, 3) if log_input else RNG.uniform(0.1, 3.0, (4, 3))
    y = RNG.poisson(2.0, (4, 3)).astype(float)
    if full:
        # torch's gradient with respect to a zero target is nan (0 * log 0 in its backward
        # although the Stirling term is masked there); ours is finite.  Compare on targets
        # >= 1, and check the zero-target gradient separately below.
        y = np.maximum(y, 1.0)
    _compare_loss(lambda x, y: nn.poisson_nll(x, y, log_input, full, reduction=reduction),
                  lambda x, y: F.poisson_nll_loss(x, y, log_input=log_input, full=full,
                                                  reduction=reduction),
                  (x, y), (0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_divergence(reduction, log_target):
    logq = np.asarray(nn.log_softmax(randn(4, 3)))
    p = np.asarray(nn.softmax(randn(4, 3)))
    target = np.log(p) if log_target else p
    _compare_loss(lambda a, b: nn.kl_divergence(a, b, reduction, log_target),
                  lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                  (logq, target), (0, 1))


def test_poisson_nll_full_gradient_at_zero_target_is_finite():
    # the Stirling term is 0 where target <= 1, so d/dtarget there is that of the plain loss
    x, y = randn(5), np.array([0.0, 0.0, 1.0, 2.0, 3.0])
    g_full = cr.grad(lambda y: nn.poisson_nll(x, y, full=True, reduction="sum"))(y)
    g_plain = cr.grad(lambda y: nn.poisson_nll(x, y, reduction="sum"))(y)
    np.testing.assert_allclose(g_full[:3], g_plain[:3], rtol=0, atol=0)
    np.testing.assert_allclose(g_full[3:], -x[3:] + np.log(y[3:]) + 0.5 / y[3:], rtol=1e-14)


# ------------------------------------------------------------------- recurrent cells


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_recurrent_cell(kind, bias):
    cls, tcls = (nn.GRUCell, torch.nn.GRUCell) if kind == "gru" else (nn.LSTMCell,
                                                                       torch.nn.LSTMCell)
    cell = cls(3, 5, bias=bias, key=0)
    tcell = _copy_into(cell, tcls(3, 5, bias=bias))
    x, h = randn(4, 3), randn(4, 5)
    state = h if kind == "gru" else (h, randn(4, 5))
    xt = _t(x).requires_grad_(True)
    st = (_t(state).requires_grad_(True) if kind == "gru"
          else tuple(_t(s).requires_grad_(True) for s in state))
    out_t = tcell(xt, st)
    out = cr.vmap(cell)(x, state)
    r = randn(4, 5)
    if kind == "gru":
        _close(out, out_t, "h'")
        loss_t = (out_t * _t(r)).sum()
    else:
        _close(out[0], out_t[0], "h'")
        _close(out[1], out_t[1], "c'")
        loss_t = (out_t[0] * _t(r)).sum() + (out_t[1] ** 2).sum()
    loss_t.backward()
    params, static = nn.partition(cell, nn.is_inexact_array)

    def loss(p, x, s):
        y = cr.vmap(nn.combine(p, static))(x, s)
        if kind == "gru":
            return cr.numpy.sum(y * r)
        return cr.numpy.sum(y[0] * r) + cr.numpy.sum(y[1] ** 2)

    gp, gx, gs = cr.grad(loss, argnums=(0, 1, 2))(params, x, state)
    named = dict(tcell.named_parameters())
    for name, g in nn.state_dict(gp).items():
        _close(g, named[name].grad, f"d/d{name}")
    _close(gx, xt.grad, "d/dx")
    if kind == "gru":
        _close(gs, st.grad, "d/dh")
    else:
        _close(gs[0], st[0].grad, "d/dh")
        _close(gs[1], st[1].grad, "d/dc")
    # no state: zeros, as in torch
    out0 = cr.vmap(cell)(x)
    t0 = tcell(_t(x))
    _close(out0 if kind == "gru" else out0[0], t0 if kind == "gru" else t0[0], "h' from 0")
    # finite differences, forward and reverse, to second order
    cr.check_grads(lambda p, x, s: loss(p, x, s), (params, x, state), order=2,
                   modes=("fwd", "rev"))


@pytest.mark.parametrize("cls,gates", [(nn.GRUCell, 3), (nn.LSTMCell, 4)])
def test_recurrent_cell_init_matches_torch_distribution(cls, gates):
    cell = cls(20, 16, key=3)
    tcell = (torch.nn.GRUCell if gates == 3 else torch.nn.LSTMCell)(20, 16)
    for name, t in tcell.state_dict().items():
        ours = nn.state_dict(cell)[name]
        assert ours.shape == tuple(t.shape)
        # uniform on [-1/sqrt(H), 1/sqrt(H)]: the bound is reached, never exceeded
        assert np.abs(ours).max() <= 0.25 and np.abs(ours).max() > 0.2
        if ours.size > 100:  # the weights: their spread is that of the uniform law
            assert abs(ours.std() - 0.25 / np.sqrt(3)) < 0.01


# ------------------------------------------------------------ transposed convolutions

CONVT1D = [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1),
           dict(stride=3, padding=2, dilation=2, output_padding=2),
           dict(groups=2, stride=2, padding=3, bias=False), dict(padding=2),
           dict(stride=2, dilation=3, padding=4, groups=2, output_padding=1)]


@pytest.mark.parametrize("kw", CONVT1D)
def test_conv_transpose1d(kw):
    compare_layer(nn.ConvTranspose1d(4, 6, 3, key=0, **kw),
                  torch.nn.ConvTranspose1d(4, 6, 3, **kw), randn(3, 4, 7))


CONVT2D = [dict(), dict(stride=(2, 1), padding=(1, 0)),
           dict(stride=2, padding=1, output_padding=(1, 0)),
           dict(dilation=(1, 2), padding=(0, 2), groups=2),
           dict(groups=4, stride=(3, 2), output_padding=(2, 1), bias=False)]


@pytest.mark.parametrize("kw", CONVT2D)
def test_conv_transpose2d(kw):
    compare_layer(nn.ConvTranspose2d(4, 8, (3, 2), key=0, **kw),
                  torch.nn.ConvTranspose2d(4, 8, (3, 2), **kw), randn(2, 4, 5, 6))


def test_conv_transpose_is_the_adjoint_of_conv():
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, bias=False, key=1)
    convt = nn.tree_at(lambda m: m.weight,
                       nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1,
                                          groups=2, bias=False, key=2), conv.weight)
    x, y = randn(4, 8, 8), randn(6, 4, 4)
    _, pullback = cr.vjp(conv, x)
    np.testing.assert_allclose(convt(y), pullback(y)[0], rtol=1e-13, atol=1e-13)


def test_conv_transpose_check_grads_and_init():
    layer = nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2,
                               key=0)
    cr.check_grads(lambda m, x: m(x), (layer, randn(2, 5)),
                   order=2, modes=("fwd", "rev"))
    big = nn.ConvTranspose2d(8, 16, 3, groups=2, key=0)
    bound = 1 / np.sqrt(16 // 2 * 9)  # fan_in from weight.shape[1] * kernel, as in torch
    assert big.weight.shape == tuple(torch.nn.ConvTranspose2d(8, 16, 3, groups=2).weight.shape)
    assert bound * 0.9 < np.abs(big.weight).max() <= bound
    assert np.abs(big.bias).max() <= bound


# ------------------------------------------------------------------------ attention


def _compare_mha(mha, tmha, q, k, v, kw, weights_too=True):
    tmha = _copy_into(mha, tmha)
    qt, kt, vt = (_t(a).requires_grad_(True) for a in (q, k, v))
    tkw = {n: torch.from_numpy(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
    out_t, w_t = tmha(qt, kt, vt, **tkw)
    out, w = mha(q, k, v, **kw)
    _close(out, out_t, "output")
    if weights_too and w_t is not None:
        _close(w, w_t, "weights")
    else:
        assert w is None and w_t is None
    r = randn(*out.shape)
    (out_t * _t(r)).sum().backward()
    params, static = nn.partition(mha, nn.is_inexact_array)
    grads = cr.grad(lambda p, q, k, v: cr.numpy.sum(nn.combine(p, static)(q, k, v, **kw)[0]
                                                    * r), argnums=(0, 1, 2, 3))(params, q, k, v)
    named = dict(tmha.named_parameters())
    for name, g in nn.state_dict(grads[0]).items():
        _close(g, named[name].grad, f"d/d{name}")
    for g, t, what in zip(grads[1:], (qt, kt, vt), "qkv"):
        _close(g, t.grad, f"d/d{what}")


@pytest.mark.parametrize("kw", [dict(), dict(average_attn_weights=False),
                                dict(need_weights=False)])
@pytest.mark.parametrize("bias", [True, False])
def test_multihead_attention(kw, bias):
    mha = nn.MultiheadAttention(6, 3, bias=bias, key=0)
    if bias:  # non-zero biases, so that they are tested
        mha = nn.tree_at(lambda m: (m.in_proj_bias, m.out_proj.bias), mha,
                         (randn(18), randn(6)))
    q, k, v = randn(4, 6), randn(5, 6), randn(5, 6)
    _compare_mha(mha, torch.nn.MultiheadAttention(6, 3, bias=bias), q, k, v, kw)


def test_multihead_attention_kdim_vdim_and_masks():
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, key=1)
    assert mha.in_proj_weight is None
    mha = nn.tree_at(lambda m: m.in_proj_bias, mha, randn(12))
    tm = torch.nn.MultiheadAttention(4, 2, kdim=3, vdim=5)
    q, k, v = randn(3, 4), randn(6, 3), randn(6, 5)
    pad = np.array([False, True, False, False, True, False])
    amask = RNG.uniform(size=(3, 6)) < 0.3
    amask[:, 0] = False  # every query sees at least one key
    _compare_mha(mha, tm, q, k, v, dict(key_padding_mask=pad, attn_mask=amask))
    fmask = randn(2, 3, 6)  # float, one per head: added to the scores
    _compare_mha(mha, tm, q, k, v, dict(attn_mask=fmask, average_attn_weights=False))


def test_multihead_attention_self_causal_and_batched():
    mha = nn.MultiheadAttention(4, 2, key=2)
    tm = _copy_into(mha, torch.nn.MultiheadAttention(4, 2, batch_first=True))
    x = randn(3, 5, 4)
    causal = np.triu(np.ones((5, 5), bool), 1)
    out, w = cr.vmap(lambda x: mha(x, is_causal=True))(x)
    out_t, w_t = tm(_t(x), _t(x), _t(x), attn_mask=torch.from_numpy(causal))
    _close(out, out_t, "batched causal output")
    _close(w, w_t, "batched causal weights")
    assert np.all(np.asarray(w)[:, causal] == 0)
    params = nn.partition(mha, nn.is_inexact_array)[0]
    static = nn.partition(mha, nn.is_inexact_array)[1]
    cr.check_grads(lambda p, x: nn.combine(p, static)(x, is_causal=True)[0],
                   (params, x[0]), order=2, modes=("fwd", "rev"))


def test_multihead_attention_init_matches_torch():
    mha, tm = nn.MultiheadAttention(16, 4, key=0), torch.nn.MultiheadAttention(16, 4)
    assert sorted(nn.state_dict(mha)) == sorted(tm.state_dict())
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform on (3E, E)
    assert bound * 0.9 < np.abs(mha.in_proj_weight).max() <= bound
    assert not mha.in_proj_bias.any() and not mha.out_proj.bias.any()
    assert 0.2 < np.abs(mha.out_proj.weight).max() <= 0.25
