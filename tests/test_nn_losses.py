"""chainrule.nn losses and metrics against NumPy references written from PyTorch's
documented formulas, with their reductions and gradients."""

import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import nn

rng = np.random.default_rng(7)
A = rng.standard_normal((4, 3))
B = rng.standard_normal((4, 3))


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-14)


def reductions(fn, ref, *args, **kw):
    """Check 'none', 'sum' and 'mean' against the pointwise reference ``ref``."""
    close(fn(*args, reduction="none", **kw), ref)
    close(fn(*args, reduction="sum", **kw), ref.sum())
    close(fn(*args, **kw), ref.mean())


def grads_ok(f, *args):
    cr.check_grads(f, args, order=2, modes=("fwd", "rev"))


def test_mse_mae_huber():
    reductions(nn.mse, (A - B) ** 2, A, B)
    reductions(nn.mae, np.abs(A - B), A, B)
    d = A - B
    for delta in (1.0, 0.5):
        ref = np.where(np.abs(d) < delta, 0.5 * d ** 2, delta * (np.abs(d) - 0.5 * delta))
        reductions(nn.huber, ref, A, B, delta=delta)
    grads_ok(lambda a: nn.mse(a, B), A)
    grads_ok(lambda a: nn.huber(a, B, delta=0.5), A)
    grads_ok(lambda a: nn.mae(a, B), A)
    with pytest.raises(ValueError, match=r"input has shape \(4, 3\) but target has shape "
                       r"\(3,\)"):
        nn.mse(A, B[0])
    with pytest.raises(ValueError, match="reduction must be"):
        nn.mse(A, B, reduction="avg")


def log_softmax_ref(x):
    z = x - x.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_cross_entropy_labels_one_hot_and_smoothing():
    logits = rng.standard_normal((5, 4)) * 3
    labels = np.array([0, 3, 1, 1, 2])
    logp = log_softmax_ref(logits)
    ref = -logp[np.arange(5), labels]
    reductions(nn.cross_entropy, ref, logits, labels)
    one_hot = np.eye(4)[labels]
    reductions(nn.cross_entropy, ref, logits, one_hot)
    probs = rng.dirichlet(np.ones(4), size=5)
    reductions(nn.cross_entropy, -(probs * logp).sum(-1), logits, probs)
    # PyTorch: with smoothing e, loss = (1 - e) * nll + e / C * sum_c(-log p_c)
    e = 0.1
    smooth = (1 - e) * ref + e / 4 * (-logp).sum(-1)
    reductions(nn.cross_entropy, smooth, logits, labels, label_smoothing=e)
    reductions(nn.cross_entropy, smooth, logits, one_hot, label_smoothing=e)
    # one example (no batch axis) and extra leading axes
    close(nn.cross_entropy(logits[0], labels[0]), ref[0])
    close(nn.cross_entropy(logits.reshape(5, 1, 4), labels.reshape(5, 1), reduction="none"),
          ref.reshape(5, 1))
    grads_ok(lambda z: nn.cross_entropy(z, labels, label_smoothing=0.2), logits)
    grads_ok(lambda z: nn.cross_entropy(z, probs), logits)
    # traced labels (jit, vmap) work too
    close(cr.jit(nn.cross_entropy)(logits, labels), ref.mean())
    close(cr.vmap(nn.cross_entropy)(logits, labels), ref)
    with pytest.raises(ValueError, match=r"integer labels must have shape \(5,\)"):
        nn.cross_entropy(logits, labels[:3])
    with pytest.raises(IndexError, match=r"labels must lie in \[0, 4\)"):
        nn.cross_entropy(logits, np.array([0, 4, 1, 1, 2]))
    with pytest.raises(ValueError, match="probability targets"):
        nn.cross_entropy(logits, probs[:, :3])


def test_binary_cross_entropy_with_logits():
    x = np.array([-40.0, -2.0, -0.3, 0.0, 0.7, 3.0, 40.0])
    y = np.array([0.0, 1.0, 0.2, 1.0, 0.0, 1.0, 1.0])
    # PyTorch: -[y log s(x) + (1 - y) log(1 - s(x))] (here in a stable form of that formula)
    ref = y * np.logaddexp(0, -x) + (1 - y) * np.logaddexp(0, x)
    reductions(nn.binary_cross_entropy_with_logits, ref, x, y)
    s = 1 / (1 + np.exp(-x[1:-1]))
    close(ref[1:-1], -(y[1:-1] * np.log(s) + (1 - y[1:-1]) * np.log(1 - s)))
    pw = 3.0
    reductions(nn.binary_cross_entropy_with_logits,
               pw * y * np.logaddexp(0, -x) + (1 - y) * np.logaddexp(0, x), x, y,
               pos_weight=pw)
    grads_ok(lambda z: nn.binary_cross_entropy_with_logits(z, y), x)


def test_gaussian_nll():
    var = np.abs(rng.standard_normal((4, 3))) + 0.1
    ref = 0.5 * (np.log(var) + (A - B) ** 2 / var)
    reductions(nn.gaussian_nll, ref, A, B, var)
    reductions(nn.gaussian_nll, ref + 0.5 * math.log(2 * math.pi), A, B, var, full=True)
    # var is clamped at eps for the value ...
    tiny = np.full((4, 3), 1e-9)
    close(nn.gaussian_nll(A, B, tiny, reduction="none"),
          0.5 * (np.log(1e-6) + (A - B) ** 2 / 1e-6))
    # ... while the gradient passes through the clamp (PyTorch clamps under no_grad)
    g = cr.grad(lambda v: nn.gaussian_nll(A, B, v, reduction="sum"))(tiny)
    close(g, 0.5 * (1 / 1e-6 - (A - B) ** 2 / 1e-12))
    grads_ok(lambda a, v: nn.gaussian_nll(a, B, v), A, var)
    with pytest.raises(ValueError, match="negative"):
        nn.gaussian_nll(A, B, -var)


def test_poisson_nll():
    rate = np.abs(A) + 0.1
    target = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 5.0], [1.0, 1.5, 7.0], [0.0, 2.0, 1.0]])
    reductions(nn.poisson_nll, np.exp(A) - target * A, A, target)
    reductions(nn.poisson_nll, rate - target * np.log(rate + 1e-8), rate, target,
               log_input=False)
    stirling = np.where(target > 1, target * np.log(np.where(target > 1, target, 1)) - target
                        + 0.5 * np.log(2 * np.pi * np.where(target > 1, target, 1)), 0.0)
    reductions(nn.poisson_nll, np.exp(A) - target * A + stirling, A, target, full=True)
    grads_ok(lambda a: nn.poisson_nll(a, target, full=True), A)


def test_kl_divergence():
    p = rng.dirichlet(np.ones(3), size=4)
    p[0, 1] = 0.0  # 0 * log 0 = 0
    p[0] /= p[0].sum()
    q = rng.dirichlet(np.ones(3), size=4)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    reductions(nn.kl_divergence, ref, np.log(q), p)
    close(nn.kl_divergence(np.log(q), p, reduction="batchmean"), ref.sum() / 4)
    lp = np.log(rng.dirichlet(np.ones(3), size=4))
    reductions(nn.kl_divergence, np.exp(lp) * (lp - np.log(q)), np.log(q), lp,
               log_target=True)
    grads_ok(lambda lq: nn.kl_divergence(lq, p, reduction="batchmean"), np.log(q))


def test_accuracy():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [0.0, 1.0, 0.0]])
    labels = np.array([0, 1, 1, 2])
    assert float(nn.accuracy(logits, labels)) == 0.5
    assert float(nn.accuracy(logits, np.eye(3)[labels])) == 0.5
    assert float(cr.jit(nn.accuracy)(logits, labels)) == 0.5
    with pytest.raises(ValueError, match="labels have shape"):
        nn.accuracy(logits, labels[:2])


def test_losses_compose_with_a_model_and_vmap():
    model = nn.Linear(3, 2, key=0)
    x = rng.standard_normal((6, 3))
    y = np.array([0, 1, 1, 0, 1, 0])
    loss = lambda m: nn.cross_entropy(cr.vmap(m)(x), y)
    g = cr.grad(loss)(model)
    logits = x @ model.weight.T + model.bias
    sm = np.exp(log_softmax_ref(logits))
    dz = (sm - np.eye(2)[y]) / 6
    close(g.weight, dz.T @ x)
    close(g.bias, dz.sum(0))
    assert np.isfinite(float(cnp.asarray(loss(model))))


def test_cross_entropy_weight_and_ignore_index():
    logits = rng.standard_normal((6, 3)) * 2
    labels = np.array([0, 2, -100, 1, 2, 0])
    w = np.array([0.5, 2.0, 1.5])
    logp = log_softmax_ref(logits)
    keep = labels != -100
    safe = np.where(keep, labels, 0)
    nll = np.where(keep, -logp[np.arange(6), safe], 0.0)
    # PyTorch's documented formulas: l_n = -w[y_n] log p[y_n] 1{y_n != ignore}; the mean
    # divides by sum_n w[y_n] 1{y_n != ignore}
    wnll = np.where(keep, w[safe], 0.0) * nll
    close(nn.cross_entropy(logits, labels, weight=w, reduction="none"), wnll)
    close(nn.cross_entropy(logits, labels, weight=w, reduction="sum"), wnll.sum())
    close(nn.cross_entropy(logits, labels, weight=w), wnll.sum() / w[safe][keep].sum())
    close(nn.cross_entropy(logits, labels), nll.sum() / keep.sum())
    other = np.where(keep, labels, 1)
    close(nn.cross_entropy(logits, other, ignore_index=2, reduction="none")[[1, 4]], 0.0)
    # smoothing: (1 - e) l_n + e / C sum_c w_c (-log p_c), same normalisation
    e = 0.3
    smooth = np.where(keep, -(logp * w).sum(-1), 0.0)
    per = (1 - e) * wnll + e / 3 * smooth
    close(nn.cross_entropy(logits, labels, weight=w, label_smoothing=e, reduction="none"), per)
    close(nn.cross_entropy(logits, labels, weight=w, label_smoothing=e),
          per.sum() / w[safe][keep].sum())
    # probabilities: l_n = -sum_c w_c t_nc log p_nc, mean over examples
    probs = rng.dirichlet(np.ones(3), size=6)
    close(nn.cross_entropy(logits, probs, weight=w), (-(w * probs * logp).sum(-1)).mean())
    grads_ok(lambda z, w: nn.cross_entropy(z, labels, weight=w, label_smoothing=0.1),
             logits, w)
    assert float(cr.grad(lambda z: nn.cross_entropy(z, labels))(logits)[2].__abs__().max()) \
        == 0.0  # an ignored example contributes no gradient
    close(cr.jit(lambda z, y: nn.cross_entropy(z, y, weight=w))(logits, labels),
          wnll.sum() / w[safe][keep].sum())
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        nn.cross_entropy(logits, labels, weight=np.ones(2))
    with pytest.raises(IndexError, match="ignore_index=-100"):
        nn.cross_entropy(logits, np.array([0, 2, -1, 1, 2, 0]))
    # traced labels (jit, vmap) give the same values and gradients
    f = lambda z, lab: nn.cross_entropy(z, lab, weight=w, label_smoothing=0.1)
    close(cr.jit(f)(logits, labels), f(logits, labels))
    close(cr.vmap(lambda z, lab: nn.cross_entropy(z, lab, weight=w, reduction="sum"))(
        logits[:, None], labels[:, None]), wnll)
    close(cr.jit(cr.grad(f))(logits, labels), cr.grad(f)(logits, labels))
    grads_ok(lambda z: cr.jit(f)(z, labels), logits)


def test_cross_entropy_gathers_the_label_class():
    # no boolean (examples, classes) mask: the label's log-probability is gathered
    logits = rng.standard_normal((5, 300))
    labels = np.array([0, 299, 7, -100, 42])
    ir = cr.make_ir(nn.cross_entropy)(logits, labels)
    masks = [v for e in ir.eqns for v in e.outputs
             if v.aval.dtype == bool and tuple(v.aval.shape) == (5, 300)]
    assert not masks
    logp = log_softmax_ref(logits)
    keep = labels != -100
    close(cr.jit(nn.cross_entropy)(logits, labels),
          -logp[np.arange(5)[keep], labels[keep]].mean())


def test_gaussian_nll_variance_shapes():
    var_n = np.abs(rng.standard_normal(4)) + 0.1
    ref = 0.5 * (np.log(var_n[:, None]) + (A - B) ** 2 / var_n[:, None])
    close(nn.gaussian_nll(A, B, var_n, reduction="none"), ref)
    close(nn.gaussian_nll(A, B, var_n[:, None], reduction="none"), ref)
