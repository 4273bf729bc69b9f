"""chainrule.nn.fit and DataLoader."""

import warnings

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


def test_eager_fit_is_the_plain_training_loop():
    # nn.fit(jit=False) passes the model and the optimizer state from step to step as
    # trees and applies Adam's learning rate in its pass over the leaves: the very bits
    # of the loop a user writes with value_and_grad and the chain adam stands for, and
    # the compiled step's result to rounding.  With a frozen part too (combine each step).
    x, y = data()
    loader = nn.DataLoader((x, y), 20)
    mlp = nn.MLP(2, 1, width_size=8, depth=2, activation=nn.tanh, key=0)
    for spec in (nn.is_inexact_array, lambda a: nn.is_inexact_array(a) and a.ndim == 2):
        eager = nn.fit(mlp, batch_loss, loader, optim.adam(1e-2), epochs=3, jit=False,
                       filter_spec=spec)
        compiled = nn.fit(mlp, batch_loss, loader, optim.adam(1e-2), epochs=3,
                          filter_spec=spec)
        params, rest = nn.partition(mlp, spec)
        opt = optim.chain(optim.scale_by_adam(), optim.scale_by_learning_rate(1e-2))
        state = opt.init(params)
        vg = cr.value_and_grad(lambda p, b: batch_loss(nn.combine(p, rest), b))
        history = []
        for _ in range(3):
            for batch in loader:
                loss, grads = vg(params, batch)
                updates, state = opt.update(grads, state, params)
                params = optim.apply_updates(params, updates)
                history.append(float(loss))
        np.testing.assert_array_equal(eager.history, history)
        model = nn.combine(params, rest)
        for a, b, c in zip(eager.params.parameters(), model.parameters(),
                           compiled.params.parameters()):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_allclose(a, c, rtol=1e-9, atol=1e-12)
        assert cr.tree_util.tree_structure(eager.state) == cr.tree_util.tree_structure(state)
        for a, b in zip(cr.tree_util.tree_leaves(eager.state), cr.tree_util.tree_leaves(state)):
            np.testing.assert_array_equal(a, b)


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


# --- one compiled step, validation, callbacks, NaN, progress -----------------------------------

def counting(opt):
    """``opt`` with a Python counter of how often its update runs in Python."""
    calls = []

    def update(g, s, p=None):
        calls.append(1)
        return opt.update(g, s, p)
    return optim.GradientTransformation(opt.init, update), calls


def test_the_whole_step_is_compiled():
    # the optimizer update is traced once, not run eagerly at every step
    x, y = data()
    opt, calls = counting(optim.adam(0.01))
    nn.fit(nn.Linear(2, 1, key=0), batch_loss, nn.DataLoader((x, y), 16), opt, epochs=5)
    assert len(calls) == 1, len(calls)
    opt, calls = counting(optim.adam(0.01))
    nn.fit(nn.Linear(2, 1, key=0), batch_loss, nn.DataLoader((x, y), 16), opt, epochs=5,
           jit=False)
    assert len(calls) == 20


def test_jit_and_eager_agree_with_adam_and_validation():
    x, y = data()
    xv, yv = data(24, seed=1)
    mlp = nn.MLP(2, 1, width_size=8, depth=2, activation=nn.tanh, key=0)
    sched = optim.exponential_decay(0.02, 10, 0.8)
    kw = dict(epochs=4, val_data=nn.DataLoader((xv, yv), 10))
    r1 = nn.fit(mlp, batch_loss, nn.DataLoader((x, y), 20), optim.adam(sched), **kw)
    r2 = nn.fit(mlp, batch_loss, nn.DataLoader((x, y), 20), optim.adam(sched), jit=False,
                **kw)
    np.testing.assert_allclose(r1.history, r2.history, rtol=1e-10)
    np.testing.assert_allclose(r1.val_loss, r2.val_loss, rtol=1e-10)
    for a, b in zip(r1.params.parameters(), r2.params.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # per epoch: the training loss is the example-weighted mean of the step losses (batches
    # of 20, 20, 20, 4), the validation loss that of the model after the epoch
    sizes = np.array([20, 20, 20, 4])
    np.testing.assert_allclose(r1.train_loss,
                               (r1.history.reshape(4, 4) * sizes).sum(1) / 64, rtol=1e-12)
    full = nn.mse(cr.vmap(r1.params)(xv), yv)
    np.testing.assert_allclose(r1.val_loss[-1], full, rtol=1e-12)
    assert r1.val_loss.shape == (4,) and r1.stop_reason is None
    assert nn.fit(mlp, batch_loss, [(x, y)], optim.sgd(0.1)).val_loss is None


def test_early_stopping_and_best_model():
    x, y = data()
    xv, yv = data(32, seed=1)
    yv = yv + 0.3 * np.random.default_rng(2).standard_normal(yv.shape)  # noisy validation
    m0 = nn.MLP(2, 1, width_size=16, depth=1, activation=nn.tanh, key=0)
    stop = nn.EarlyStopping("val_loss", patience=3, restore_best=True)
    res = nn.fit(m0, batch_loss, [(x, y)], optim.adam(0.05), epochs=500,
                 val_data=[(xv, yv)], callbacks=[stop])
    n = len(res.val_loss)
    assert n < 500 and stop.stopped_epoch == n - 1
    best = int(np.argmin(res.val_loss))
    assert stop.best_epoch == best and n - 1 - best == 3
    assert res.stop_reason.startswith("EarlyStopping: val_loss did not improve")
    # the model returned is the best one: its validation loss is the minimum
    np.testing.assert_allclose(nn.mse(cr.vmap(res.params)(xv), yv), res.val_loss.min(),
                               rtol=1e-12)
    # BestModel without stopping, and a plain function as a callback
    keep = nn.BestModel()
    seen = []
    res2 = nn.fit(m0, batch_loss, [(x, y)], optim.adam(0.05), epochs=n,
                  val_data=[(xv, yv)],
                  callbacks=[keep, lambda e, logs, m: seen.append(logs["val_loss"])])
    np.testing.assert_allclose(res2.val_loss, res.val_loss, rtol=1e-10)
    np.testing.assert_allclose(seen, res2.val_loss)
    assert res2.params is keep.best_model and keep.best_epoch == best
    # stopping from a function, with the reason it gives
    res3 = nn.fit(m0, batch_loss, [(x, y)], optim.adam(0.05), epochs=50,
                  callbacks=[lambda e, logs, m: e == 2 and "enough"])
    assert len(res3.train_loss) == 3 and res3.stop_reason == "enough"
    def after_one(epoch, logs, model):
        return epoch == 1
    res4 = nn.fit(m0, batch_loss, [(x, y)], optim.adam(0.05), epochs=50, callbacks=[after_one])
    assert res4.stop_reason == "after_one stopped training after epoch 1"
    with pytest.raises(ValueError, match="val_data"):
        nn.fit(m0, batch_loss, [(x, y)], optim.sgd(0.1), callbacks=[nn.EarlyStopping()])
    with pytest.raises(TypeError, match="callback"):
        nn.fit(m0, batch_loss, [(x, y)], optim.sgd(0.1), callbacks=[3])


@pytest.mark.parametrize("jit", [True, False])
def test_nan_loss_raises_or_stops_naming_the_step(jit):
    x, y = data()
    bad = x.copy()
    bad[5, 0] = np.nan
    batches = [(x, y), (x, y), (bad, y), (x, y)]
    m0 = nn.Linear(2, 1, key=0)
    class SecondEpochBad:
        epoch = 0

        def __iter__(self):
            self.epoch += 1
            return iter(batches if self.epoch == 2 else batches[:2] + batches[3:])

    with pytest.raises(FloatingPointError, match="epoch 1, step 2 \\(step 5 overall\\)"):
        nn.fit(m0, batch_loss, SecondEpochBad(), optim.sgd(0.1), epochs=3, jit=jit)
    with pytest.warns(RuntimeWarning, match="epoch 0, step 2"):
        res = nn.fit(m0, batch_loss, batches, optim.sgd(0.1), epochs=3, jit=jit,
                     on_nan="stop")
    assert "step 2" in res.stop_reason and len(res.history) == 2
    assert len(res.train_loss) == 0
    ref = nn.fit(m0, batch_loss, batches[:2], optim.sgd(0.1), jit=jit)  # the two good steps
    np.testing.assert_allclose(res.params.weight, ref.params.weight, rtol=1e-12)
    with pytest.raises(ValueError, match="on_nan"):
        nn.fit(m0, batch_loss, batches, optim.sgd(0.1), on_nan="skip")


def test_progress_bar(monkeypatch):
    import sys
    import types

    bars = []

    class FakeBar:
        def __init__(self, total, **kw):
            self.total, self.n, self.post, self.closed = total, 0, None, False
            bars.append(self)

        def update(self, k):
            self.n += k

        def set_postfix(self, *a, **kw):
            self.post = a[0] if a else kw

        def close(self):
            self.closed = True

    x, y = data()
    run = lambda **kw: nn.fit(nn.Linear(2, 1, key=0), batch_loss, nn.DataLoader((x, y), 16),
                              optim.sgd(0.1), epochs=2, val_data=[(x, y)], **kw)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setitem(sys.modules, "tqdm", None)          # tqdm not installed
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    run()                                                    # silently no bar
    with pytest.raises(ImportError, match="pip install tqdm"):
        run(progress=True)
    fake = types.ModuleType("tqdm.auto")
    fake.tqdm = FakeBar
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    run()
    assert len(bars) == 1 and bars[0].total == 8 and bars[0].n == 8 and bars[0].closed
    assert set(bars[0].post) == {"loss", "val_loss"}
    run(progress=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    run(progress=True)                                       # not a terminal: silent
    assert len(bars) == 1


@pytest.mark.parametrize("jit", [True, False])
def test_fit_key_gives_each_step_a_new_dropout_key(jit):
    from chainrule import random
    x, y = data()
    drop = nn.Dropout(0.5)
    m0 = nn.MLP(2, 1, width_size=8, depth=1, activation=nn.tanh, key=0)

    def loss(m, batch, key=None):
        xb, yb = batch
        h = cr.vmap(m.layers[0])(xb)
        h = drop(nn.tanh(h), key=key, inference=key is None)
        return nn.mse(cr.vmap(m.layers[1])(h), yb)
    batches = [(x[:32], y[:32]), (x[32:], y[32:])]
    res = nn.fit(m0, loss, batches, optim.adam(0.01), epochs=2, key=7, jit=jit,
                 val_data=[(x, y)])
    # the same steps by hand: step t uses fold_in(key(7), t); validation runs without dropout
    opt = optim.adam(0.01)
    m, s = m0, opt.init(m0)
    for t, b in enumerate(batches * 2):
        g = cr.grad(loss)(m, b, key=random.fold_in(random.key(7), t))
        u, s = opt.update(g, s, m)
        m = optim.apply_updates(m, u)
    for a, b in zip(res.params.parameters(), m.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(res.val_loss[-1], loss(m, (x, y)), rtol=1e-10)
    # different keys, different dropout: the trajectory changes
    other = nn.fit(m0, loss, batches, optim.adam(0.01), epochs=2, key=8, jit=jit)
    assert not np.allclose(other.history, res.history)


# --- BatchNorm: running statistics carried as explicit model state --------------------------
class BNNet(nn.Module):
    lin1: nn.Linear
    bn: nn.BatchNorm
    lin2: nn.Linear

    def __call__(self, x, state, *, inference=False):
        h = cr.vmap(self.lin1)(x)
        h, state = self.bn(h, state, inference=inference)
        return cr.vmap(self.lin2)(nn.tanh(h)), state


def bn_loss(model, batch, state, *, inference=False):
    x, y = batch
    pred, state = model(x, state, inference=inference)
    return nn.mse(pred, y), state


def bn_net():
    return BNNet(nn.Linear(2, 4, key=0), nn.BatchNorm(4, momentum=0.2), nn.Linear(4, 1, key=1))


def bn_hand_loop(model, batches, epochs, opt):
    """The reference: value_and_grad with the state as auxiliary output, Adam, by hand."""
    params, rest = nn.partition(model, nn.is_inexact_array)
    mstate, ostate, history, states = model.bn.init_state(), opt.init(params), [], []
    for _ in range(epochs):
        for batch in batches:
            (loss, mstate), g = cr.value_and_grad(
                lambda p: bn_loss(nn.combine(p, rest), batch, mstate), has_aux=True)(params)
            updates, ostate = opt.update(g, ostate, params)
            params = optim.apply_updates(params, updates)
            history.append(float(loss))
            states.append(mstate)
    return nn.combine(params, rest), mstate, history, states


@pytest.mark.parametrize("jit", [True, False])
def test_fit_carries_batchnorm_running_statistics(jit):
    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 3.0, (48, 2))
    y = np.sin(x[:, :1]) + 0.1 * x[:, 1:]
    batches = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 48, 16)]
    val = [(x[:20], y[:20])]
    model = bn_net()
    res = nn.fit(model, bn_loss, batches, optim.adam(0.01), epochs=4, jit=jit, val_data=val,
                 model_state=model.bn.init_state())
    ref_model, ref_state, ref_history, ref_states = bn_hand_loop(model, batches, 4,
                                                                 optim.adam(0.01))
    np.testing.assert_allclose(res.history, ref_history, rtol=1e-10)
    for a, b in zip(res.params.parameters(), ref_model.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # one update of the running statistics per step, as in the hand-written loop
    assert int(res.model_state.num_batches_tracked) == 12
    np.testing.assert_allclose(res.model_state.running_mean, ref_state.running_mean,
                               rtol=1e-10)
    np.testing.assert_allclose(res.model_state.running_var, ref_state.running_var, rtol=1e-10)
    assert not np.allclose(ref_states[-1].running_mean, ref_states[-2].running_mean)
    # validation runs in evaluation mode, on the running statistics after the epoch
    eval_loss, same = bn_loss(res.params, val[0], res.model_state, inference=True)
    assert same is res.model_state
    np.testing.assert_allclose(res.val_loss[-1], eval_loss, rtol=1e-10)
    train_mode_loss, _ = bn_loss(res.params, val[0], res.model_state)
    assert abs(float(train_mode_loss) - float(eval_loss)) > 1e-6


def test_fit_model_state_goes_with_the_best_model():
    rng = np.random.default_rng(4)
    x = rng.normal(0.0, 1.0, (32, 2))
    y = x[:, :1] * 2.0
    model = bn_net()
    best = nn.BestModel("loss")
    res = nn.fit(model, bn_loss, [(x, y)], optim.sgd(3.0), epochs=8, callbacks=[best],
                 model_state=model.bn.init_state(), on_nan="stop")
    assert best.best_epoch < len(res.train_loss) - 1     # sgd(3.0) diverges
    assert res.params is best.best_model
    upto = nn.fit(model, bn_loss, [(x, y)], optim.sgd(3.0), epochs=best.best_epoch + 1,
                  model_state=model.bn.init_state())
    np.testing.assert_array_equal(res.model_state.running_mean,
                                  upto.model_state.running_mean)
    assert int(res.model_state.num_batches_tracked) == best.best_epoch + 1


def test_fit_model_state_errors():
    x, y = data()
    model = bn_net()
    with pytest.raises(TypeError, match="inference"):
        nn.fit(model, lambda m, b, s: bn_loss(m, b, s), [(x, y)], optim.sgd(0.1),
               val_data=[(x, y)], model_state=model.bn.init_state())
    with pytest.raises(TypeError, match=r"\(loss, new_model_state\)"):
        nn.fit(model, lambda m, b, s: bn_loss(m, b, s)[0], [(x, y)], optim.sgd(0.1),
               model_state=model.bn.init_state(), jit=False)
    with pytest.raises(ValueError, match="never passed to the callbacks"):
        class NewModel(nn.Callback):
            def on_fit_end(self, model):
                return bn_net()
        nn.fit(model, bn_loss, [(x, y)], optim.sgd(0.1), callbacks=[NewModel()],
               model_state=model.bn.init_state())


# --- DataLoader over Dask arrays: one chunk at a time ----------------------------------------
def counted_dask(values, chunks, log):
    """``values`` as a Dask array whose every computed block is recorded in ``log``."""
    import dask.array as da

    def record(block, block_info=None):
        log.append(block_info[None]["chunk-location"][0])
        return block

    return da.from_array(values, chunks=chunks).map_blocks(
        record, dtype=values.dtype, meta=np.empty((0,) * values.ndim, values.dtype))


@pytest.mark.parametrize("shuffle", [False, True])
def test_data_loader_reads_dask_arrays_one_chunk_at_a_time(shuffle):
    n = 50
    x = np.arange(2.0 * n).reshape(n, 2)
    labels = np.arange(n) * 10                        # a NumPy leaf next to the Dask one
    log = []
    xd = counted_dask(x, (8, 2), log)                 # 7 chunks of rows, the last of 2
    loader = nn.DataLoader({"x": xd, "y": labels}, batch_size=6, shuffle=shuffle, rng=1)
    assert log == [] and len(loader) == 9
    batches = []
    for b in loader:
        # at the batch of row r, only the chunks up to r's are computed (with 6 > 8 - 6 rows
        # carried over, at most two chunks' worth when a batch straddles a boundary)
        assert len(log) <= len(batches) * 6 // 8 + 2
        batches.append(b)
    assert sorted(log) == list(range(7))              # every chunk once, none twice
    assert [len(b["x"]) for b in batches] == [6] * 8 + [2]
    rows = np.concatenate([b["x"] for b in batches])
    ys = np.concatenate([b["y"] for b in batches])
    assert sorted(rows[:, 0].tolist()) == x[:, 0].tolist()      # every example once
    np.testing.assert_array_equal(ys, rows[:, 0] / 2 * 10)      # pairs stay paired
    if not shuffle:
        np.testing.assert_array_equal(rows, x)
        assert log == list(range(7))
    else:
        assert not np.array_equal(rows, x)
        # two-level shuffle: the chunks in a random order, the rows permuted in each load
        first = [r // 16 for r in rows[:, 0].astype(int)]
        assert set(first[:6]) <= set(log[:2])
        log.clear()
        again = np.concatenate([b["x"] for b in loader])
        assert not np.array_equal(again, rows) and sorted(log) == list(range(7))
        same = nn.DataLoader({"x": xd, "y": labels}, batch_size=6, shuffle=True, rng=1)
        np.testing.assert_array_equal(np.concatenate([b["x"] for b in same]), rows)


def test_data_loader_dask_chunks_per_load_and_drop_last():
    import dask.array as da

    x = np.arange(40.0)
    log = []
    loader = nn.DataLoader((counted_dask(x, 5, log), da.from_array(x * 2, chunks=5)), 7,
                           shuffle=True, rng=0, chunks_per_load=3, drop_last=True)
    assert len(loader) == 5
    out = list(loader)
    assert [len(b[0]) for b in out] == [7] * 5
    for xb, yb in out:
        np.testing.assert_array_equal(yb, 2 * xb)
    assert sorted(log) == list(range(8))
    # the first load of three chunks gave the first two batches
    chunks_of_first_batches = {int(v) // 5 for b in out[:2] for v in b[0]}
    assert chunks_of_first_batches <= set(log[:3])


def test_data_loader_dask_errors_and_fit():
    import dask.array as da

    x, y = data(40)
    with pytest.raises(ValueError, match="share their chunks"):
        nn.DataLoader((da.from_array(x, chunks=(10, 2)), da.from_array(y, chunks=8)), 4)
    with pytest.raises(ValueError, match="chunks_per_load"):
        nn.DataLoader(da.from_array(x, chunks=10), 4, chunks_per_load=0)
    with pytest.raises(ValueError, match="same first dimension"):
        nn.DataLoader((da.from_array(x, chunks=10), y[:5]), 4)
    xd = da.from_array(x, chunks=(10, 2))
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        nn.DataLoader((xd[xd[:, 0] > 0], y), 4)
    # training on Dask data gives what the same batches in memory give
    dl = nn.DataLoader((da.from_array(x, chunks=(12, 2)), da.from_array(y, chunks=12)), 8)
    ref = [(x[i:i + 8], y[i:i + 8]) for i in range(0, 40, 8)]
    r1 = nn.fit(nn.Linear(2, 1, key=0), batch_loss, dl, optim.adam(0.05), epochs=3)
    r2 = nn.fit(nn.Linear(2, 1, key=0), batch_loss, ref, optim.adam(0.05), epochs=3)
    np.testing.assert_array_equal(r1.history, r2.history)


def test_train_val_split_partitions_examples_and_keeps_pairs():
    x = np.arange(20.0)
    y = 3 * np.arange(20)
    (xt, yt), (xv, yv) = nn.train_val_split((x, y), val_size=0.25, rng=1)
    assert len(xv) == 5 and len(xt) == 15
    np.testing.assert_array_equal(np.sort(np.concatenate([xt, xv])), x)
    np.testing.assert_array_equal(yt, 3 * xt.astype(int))
    np.testing.assert_array_equal(yv, 3 * xv.astype(int))
    assert not np.array_equal(xv, x[-5:])  # drawn at random, not the tail
    (xt2, _), (xv2, _) = nn.train_val_split((x, y), val_size=0.25, rng=1)
    np.testing.assert_array_equal(xv2, xv)  # same seed, same split
    (xt3, _), (xv3, _) = nn.train_val_split((x, y), val_size=5, shuffle=False)
    np.testing.assert_array_equal(xv3, x[15:])


def test_train_val_split_dask_stays_lazy_and_errors():
    da = pytest.importorskip("dask.array")
    xd = da.arange(12.0, chunks=4)
    train, val = nn.train_val_split({"x": xd}, val_size=4, rng=0)
    assert type(train["x"]).__module__.startswith("dask")
    np.testing.assert_array_equal(np.sort(np.concatenate([train["x"].compute(),
                                                          val["x"].compute()])), np.arange(12.0))
    with pytest.raises(ValueError, match="both parts"):
        nn.train_val_split(np.arange(3.0), val_size=3)
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        nn.train_val_split(np.arange(3.0), val_size=1.5)
    with pytest.raises(ValueError, match="same first dimension"):
        nn.train_val_split((np.arange(3.0), np.arange(4.0)))


@pytest.mark.parametrize("jit", [False, True])
def test_fit_warns_when_the_loss_never_reads_the_model_it_is_given(jit):
    # A loss that closes over the outer model instead of its argument trains nothing:
    # every gradient is zero, and fit says so rather than returning the model unchanged
    # in silence.
    x = np.linspace(-1.0, 1.0, 16)[:, None]
    model = nn.MLP(1, 1, width_size=4, depth=1, key=0)
    wrong = lambda m, b: nn.mse(cr.vmap(model)(b[0]), b[1])  # noqa: E731
    with pytest.warns(RuntimeWarning, match=r"did not change in 3 steps.*model it is given"):
        nn.fit(model, wrong, [(x, np.sin(x))], optim.adam(1e-2), epochs=3, jit=jit,
               progress=False)
    right = lambda m, b: nn.mse(cr.vmap(m)(b[0]), b[1])  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.fit(model, right, [(x, np.sin(x))], optim.adam(1e-2), epochs=3, jit=jit,
               progress=False)
