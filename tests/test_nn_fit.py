"""chainrule.nn.fit and DataLoader."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import nn, optim


def batch_loss(model, batch):
    x, y = batch
    return nn.mse(cr.vmap(model)(x), y)


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    y = (x @ np.array([2.0, -1.0]) + 0.5)[:, None]
    return x, y


def test_fit_linear_regression_recovers_the_coefficients():
    x, y = data()
    model, hist = nn.fit(nn.Linear(2, 1, key=0), batch_loss, nn.DataLoader((x, y), 16),
                         optim.adam(0.05), epochs=150)
    assert hist.shape == (150 * 4,)
    np.testing.assert_allclose(model.weight, [[2.0, -1.0]], atol=1e-4)
    np.testing.assert_allclose(model.bias, [0.5], atol=1e-4)


def test_jit_and_eager_steps_agree():
    x, y = data()
    loader = nn.DataLoader((x, y), 20)  # a smaller last batch: a second trace
    mlp = nn.MLP(2, 1, width_size=8, depth=1, activation=nn.tanh, key=0)
    r1 = nn.fit(mlp, batch_loss, loader, optim.sgd(0.1, momentum=0.9), epochs=3)
    r2 = nn.fit(mlp, batch_loss, loader, optim.sgd(0.1, momentum=0.9), epochs=3, jit=False)
    np.testing.assert_allclose(r1.history, r2.history, rtol=1e-10)
    for a, b in zip(r1.params.parameters(), r2.params.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # resuming from the returned state continues the same trajectory
    r3 = nn.fit(mlp, batch_loss, loader, optim.sgd(0.1, momentum=0.9), epochs=1)
    r4 = nn.fit(r3.params, batch_loss, loader, optim.sgd(0.1, momentum=0.9), epochs=2,
                state=r3.state)
    np.testing.assert_allclose(np.concatenate([r3.history, r4.history]), r1.history,
                               rtol=1e-10)


def test_frozen_parts_and_integer_arrays_are_left_alone():
    class Scaled(nn.Module):
        lin: nn.Linear
        counts: np.ndarray  # an integer buffer: never trained

        def __call__(self, x):
            return self.lin(x) * 2.0

    x, y = data()
    m0 = Scaled(nn.Linear(2, 1, key=0), np.arange(3))
    model, _ = nn.fit(m0, batch_loss, [(x, y)], optim.adam(0.1), epochs=5)
    assert model.counts is m0.counts
    assert not np.array_equal(model.lin.weight, m0.lin.weight)
    only_bias = lambda leaf: leaf.shape == (1,)
    model, _ = nn.fit(m0, batch_loss, [(x, y)], optim.adam(0.1), epochs=5,
                      filter_spec=only_bias)
    assert model.lin.weight is m0.lin.weight
    assert not np.array_equal(model.lin.bias, m0.lin.bias)


def test_fit_errors():
    x, y = data()
    with pytest.raises(FloatingPointError, match="epoch 0, step 0"), \
            np.errstate(invalid="ignore"):
        nn.fit(nn.Linear(2, 1, key=0), lambda m, b: cnp.log(-1.0 + 0 * m.bias[0]),
               [(x, y)], optim.sgd(0.1))
    with pytest.raises(ValueError, match="no batches"):
        nn.fit(nn.Linear(2, 1, key=0), batch_loss, [], optim.sgd(0.1))
    with pytest.raises(TypeError, match="GradientTransformation"):
        nn.fit(nn.Linear(2, 1, key=0), batch_loss, [(x, y)], optim.sgd)


def test_data_loader():
    x = np.arange(10.0)
    y = {"label": np.arange(10) % 3}
    loader = nn.DataLoader((x, y), 4, shuffle=True, rng=0)
    assert len(loader) == 3
    e1 = [b for b in loader]
    e2 = [b for b in loader]
    seen = np.concatenate([b[0] for b in e1])
    assert sorted(seen.tolist()) == x.tolist()                 # every example once
    assert [len(b[0]) for b in e1] == [4, 4, 2]
    for xb, yb in e1:
        np.testing.assert_array_equal(yb["label"], xb.astype(int) % 3)  # pairs stay paired
    assert not np.array_equal(seen, np.concatenate([b[0] for b in e2]))  # new order
    again = [b[0] for b in nn.DataLoader((x, y), 4, shuffle=True, rng=0)]
    np.testing.assert_array_equal(np.concatenate(again), seen)  # same seed, same epochs
    dl = nn.DataLoader(x, 4, drop_last=True)
    assert len(dl) == 2 and [b.tolist() for b in dl] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    with pytest.raises(ValueError, match="same first dimension"):
        nn.DataLoader((x, np.arange(3)), 2)
    with pytest.raises(ValueError, match="batch_size"):
        nn.DataLoader(x, 0)


def test_dropout_in_training_takes_a_seed_per_step():
    x, y = data()
    drop = nn.Dropout(0.5)
    model0 = nn.Linear(2, 1, key=0)

    def loss(m, batch):
        xb, yb, seed = batch
        return nn.mse(drop(cr.vmap(m)(xb), key=seed), yb)
    batches = [(x, y, s) for s in range(4)]
    model, hist = nn.fit(model0, loss, batches, optim.sgd(0.01), jit=False)
    # the same steps by hand
    m = model0
    for b in batches:
        g = cr.grad(loss)(m, b)
        m = optim.apply_updates(m, cr.tree_util.tree_map(lambda t: -0.01 * t, g))
    np.testing.assert_allclose(model.weight, m.weight, rtol=1e-12)
    # the seed is traced under jit: the masks come from chainrule.random, so the compiled
    # step draws the same ones
    model_jit, hist_jit = nn.fit(model0, loss, batches, optim.sgd(0.01))
    np.testing.assert_allclose(hist_jit, hist, rtol=1e-12)
    np.testing.assert_allclose(model_jit.weight, m.weight, rtol=1e-12)


def test_dropout_grads():
    drop = nn.Dropout(0.3)
    cr.check_grads(lambda x: cnp.sum(cnp.sin(drop(x, key=3))),
                   (np.random.default_rng(0).standard_normal(6),), order=2,
                   modes=("fwd", "rev"))


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "lion",
                                  "lbfgs"])
def test_fit_with_every_optimizer(name):
    opt = {"sgd": optim.sgd(0.1), "adam": optim.adam(0.05), "adamw": optim.adamw(0.05),
           "rmsprop": optim.rmsprop(0.01), "adagrad": optim.adagrad(0.3),
           "lion": optim.lion(0.01), "lbfgs": optim.lbfgs(0.5)}[name]
    x, y = data()
    m0 = nn.MLP(2, 1, width_size=4, depth=1, activation=nn.tanh, key=0)
    model, hist = nn.fit(m0, batch_loss, [(x, y)], opt, epochs=40)
    assert type(model) is nn.MLP and model.activation is nn.tanh
    assert float(batch_loss(model, (x, y))) < 0.5 * hist[0]
