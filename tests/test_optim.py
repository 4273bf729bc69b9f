"""chainrule.optim: pure-function optimizers over pytrees."""

import sys

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import optim
from chainrule.tree_util import tree_leaves, tree_map

# --- problems ---------------------------------------------------------------------------------
A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
B = np.array([1.0, -2.0, 0.5])


def quadratic(p):
    x = cnp.concatenate([p["w"], cnp.reshape(p["b"], (1,))])
    return 0.5 * x @ A @ x - B @ x


QUAD_MIN = float(-0.5 * B @ np.linalg.solve(A, B))

_rng = np.random.default_rng(0)
X = _rng.standard_normal((200, 3))
Y = (X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.5 * _rng.standard_normal(200) > 0).astype(float)


def logistic(p, batch=None):
    x, y = (X, Y) if batch is None else batch
    z = x @ p["w"] + p["b"]
    return cnp.mean(cnp.logaddexp(0.0, z) - y * z) + 1e-3 * cnp.sum(p["w"] ** 2)


OPTIMIZERS = {
    "sgd": lambda: optim.sgd(0.1),
    "sgd_momentum": lambda: optim.sgd(0.05, momentum=0.9),
    "sgd_nesterov": lambda: optim.sgd(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: optim.adam(0.05),
    "adamw": lambda: optim.adamw(0.05, weight_decay=1e-3),
    "rmsprop": lambda: optim.rmsprop(0.01),
    "adagrad": lambda: optim.adagrad(0.5),
    "lion": lambda: optim.lion(0.005),
    "lbfgs": lambda: optim.lbfgs(0.5, max_step=1.0),
    "adam_schedule": lambda: optim.adam(optim.exponential_decay(0.1, 50, 0.5)),
    "chain": lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.clip(0.5),
                                 optim.sgd(0.1, momentum=0.5)),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_reduces_quadratic(name):
    p0 = {"w": np.zeros(2), "b": np.zeros(())}
    params, hist = optim.fit(quadratic, p0, OPTIMIZERS[name](), 200)
    assert hist.shape == (200,)
    gap0, gap = hist[0] - QUAD_MIN, float(quadratic(params)) - QUAD_MIN
    assert gap < 0.05 * gap0, (name, gap0, gap)
    assert params["w"].shape == (2,) and np.shape(params["b"]) == ()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_reduces_logistic_regression(name):
    p0 = {"w": np.zeros(3), "b": 0.0}
    params, hist = optim.fit(logistic, p0, OPTIMIZERS[name](), 150)
    assert float(logistic(params)) < 0.75 * hist[0]
    assert params["w"][0] > 0 and params["w"][1] < 0  # the right signs


def test_minibatch_fit_with_data():
    batches = [(X[i:i + 40], Y[i:i + 40]) for i in range(0, 200, 40)]
    res = optim.fit(logistic, {"w": np.zeros(3), "b": 0.0}, optim.adam(0.05), 60,
                    data=batches)
    assert len(res.history) == 60 and res.history[-1] < res.history[0]
    assert isinstance(res.state, tuple)
    # resume from the returned state
    res2 = optim.fit(logistic, res.params, optim.adam(0.05), 5, data=batches, state=res.state)
    assert int(res2.state[0].count) == 65
    # a one-shot iterator stops the loop when it runs out
    gen = (b for b in batches)
    with pytest.warns(RuntimeWarning, match="ran out after 5 steps"):
        params, hist = optim.fit(logistic, {"w": np.zeros(3), "b": 0.0}, optim.sgd(0.1), 10,
                                 data=gen)
    assert len(hist) == 5


def test_stochastic_lbfgs_with_damping():
    rng = np.random.default_rng(1)

    def batches():
        while True:
            idx = rng.choice(200, 50, replace=False)
            yield X[idx], Y[idx]

    opt = optim.lbfgs(optim.exponential_decay(0.5, 20, 0.7), damping=1e-3, max_step=0.5)
    params, hist = optim.fit(logistic, {"w": np.zeros(3), "b": 0.0}, opt, 80, data=batches())
    assert float(logistic(params)) < 0.7 * float(logistic({"w": np.zeros(3), "b": 0.0}))


def test_lbfgs_solves_quadratic_like_newton():
    opt = optim.lbfgs(1.0, memory_size=5)
    x = np.zeros(3)
    state = opt.init(x)
    loss = lambda x: 0.5 * x @ A @ x - B @ x
    for _ in range(12):
        u, state = opt.update(cr.grad(loss)(x), state, x)
        x = optim.apply_updates(x, u)
    np.testing.assert_allclose(x, np.linalg.solve(A, B), atol=1e-8)


# --- Adam step by step against NumPy -----------------------------------------------------------
def test_adam_matches_numpy_reference():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    params = {"w": np.array([1.0, -2.0, 3.0]), "b": np.array(0.5)}
    grad_fn = cr.grad(lambda p: cnp.sum(p["w"] ** 3) + cnp.sin(p["b"]) * cnp.sum(p["w"]))
    opt = optim.adam(lr, b1, b2, eps)
    state = opt.init(params)
    ref = {k: np.array(v, float) for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in ref.items()}
    v = {k: np.zeros_like(v) for k, v in ref.items()}
    for t in range(1, 6):
        g = grad_fn(params)
        gr = grad_fn(ref)
        for k in ref:
            m[k] = b1 * m[k] + (1 - b1) * gr[k]
            v[k] = b2 * v[k] + (1 - b2) * gr[k] ** 2
            mhat, vhat = m[k] / (1 - b1 ** t), v[k] / (1 - b2 ** t)
            ref[k] = ref[k] - lr * mhat / (np.sqrt(vhat) + eps)
        updates, state = opt.update(g, state, params)
        params = optim.apply_updates(params, updates)
        for k in ref:
            np.testing.assert_allclose(params[k], ref[k], rtol=1e-13, atol=1e-15)
    assert int(state[0].count) == 5


def test_other_updates_match_their_formulas():
    g = np.array([0.5, -2.0])
    p = np.array([1.0, 1.0])
    u, _ = optim.rmsprop(0.1, decay=0.9, eps=0.0).update(g, optim.rmsprop(0.1).init(p))
    np.testing.assert_allclose(u, -0.1 * g / np.sqrt(0.1 * g ** 2))
    u, _ = optim.adagrad(0.1, initial_accumulator_value=0.1, eps=0.0).update(
        g, optim.adagrad(0.1, initial_accumulator_value=0.1).init(p))
    np.testing.assert_allclose(u, -0.1 * g / np.sqrt(0.1 + g ** 2))
    lion = optim.lion(0.1, weight_decay=0.5)
    u, _ = lion.update(g, lion.init(p), p)
    np.testing.assert_allclose(u, -0.1 * (np.sign(g) + 0.5 * p))
    opt = optim.sgd(1.0, momentum=0.5, nesterov=True)
    s = opt.init(p)
    u1, s = opt.update(g, s)
    u2, s = opt.update(g, s)
    np.testing.assert_allclose(u1, -(g + 0.5 * g))          # t1 = g
    np.testing.assert_allclose(u2, -(g + 0.5 * (g + 0.5 * g)))  # t2 = g + 0.5 t1
    u, _ = optim.clip(0.7).update(g, optim.EmptyState())
    np.testing.assert_allclose(u, [0.5, -0.7])
    u, _ = optim.clip_by_global_norm(1.0).update({"a": np.array([3.0]), "b": 4.0}, ())
    assert float(optim.global_norm(u)) == pytest.approx(1.0)
    np.testing.assert_allclose(u["a"], [0.6])
    u, _ = optim.clip_by_global_norm(10.0).update(g, ())
    np.testing.assert_allclose(u, g)
    dec = optim.add_decayed_weights(0.1, mask={"a": True, "b": False})
    u, _ = dec.update({"a": 1.0, "b": 1.0}, dec.init(None), {"a": 2.0, "b": 2.0})
    assert u == {"a": pytest.approx(1.2), "b": 1.0}


def test_states_are_namedtuples_of_arrays_and_updates_are_pure():
    params = {"w": np.ones(3), "b": np.float64(1.0)}
    g = {"w": np.full(3, 0.5), "b": np.float64(-1.0)}
    for name, make in OPTIMIZERS.items():
        opt = make()
        state = opt.init(params)
        for leaf in tree_leaves(state):
            assert isinstance(leaf, (np.ndarray, np.generic, float)), (name, type(leaf))
        before = tree_map(lambda x: np.array(x, copy=True), state)
        p_before = tree_map(lambda x: np.array(x, copy=True), params)
        opt.update(g, state, params)
        for a, b in zip(tree_leaves(before), tree_leaves(state)):
            np.testing.assert_array_equal(a, b)  # the old state is untouched
        for a, b in zip(tree_leaves(p_before), tree_leaves(params)):
            np.testing.assert_array_equal(a, b)
    assert optim.adam(0.1).init(params)[0]._fields == ("count", "mu", "nu")


def test_apply_updates_keeps_dtype():
    p = {"w": np.ones(2, np.float32)}
    out = optim.apply_updates(p, {"w": np.array([0.5, 0.25])})
    assert out["w"].dtype == np.float32
    np.testing.assert_allclose(out["w"], [1.5, 1.25])


def test_differentiate_through_optimizer_steps():
    """Updates are chainrule operations: meta-gradients with respect to the learning rate."""
    loss = lambda w: cnp.sum((w - 3.0) ** 2 * np.array([1.0, 4.0]))

    def after(lr, make):
        opt = make(lr)
        w = np.zeros(2)
        state = opt.init(w)
        for _ in range(3):
            u, state = opt.update(cr.grad(loss)(w), state, w)
            w = optim.apply_updates(w, u)
        return loss(w)

    for make in (lambda lr: optim.sgd(lr, momentum=0.9), lambda lr: optim.adam(lr)):
        g = cr.grad(lambda lr: after(lr, make))(0.05)
        fd = (after(0.05 + 1e-6, make) - after(0.05 - 1e-6, make)) / 2e-6
        assert g == pytest.approx(fd, rel=1e-5)


# --- schedules --------------------------------------------------------------------------------
def test_schedule_values():
    assert optim.constant(0.3)(0) == 0.3 and optim.constant_schedule(0.3)(10 ** 6) == 0.3
    s = optim.exponential_decay(1.0, transition_steps=10, decay_rate=0.1)
    assert s(0) == 1.0 and s(10) == pytest.approx(0.1) and s(20) == pytest.approx(0.01)
    assert s(5) == pytest.approx(0.1 ** 0.5)
    s = optim.exponential_decay(1.0, 10, 0.1, staircase=True, end_value=0.05)
    assert s(9) == 1.0 and s(10) == pytest.approx(0.1) and s(25) == pytest.approx(0.05)
    s = optim.exponential_decay(2.0, 10, 0.5, transition_begin=5)
    assert s(3) == 2.0 and s(15) == pytest.approx(1.0)
    s = optim.warmup_cosine_decay(init_value=0.0, peak_value=1.0, warmup_steps=10,
                                  decay_steps=110, end_value=0.1)
    assert s(0) == 0.0 and s(5) == pytest.approx(0.5) and s(10) == pytest.approx(1.0)
    assert s(60) == pytest.approx(0.1 + 0.9 * 0.5)
    assert s(35) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * 0.25)))
    assert s(110) == pytest.approx(0.1) and s(10 ** 5) == pytest.approx(0.1)
    s = optim.piecewise_constant(1.0, {100: 0.1, 50: 0.5})
    assert [s(0), s(50), s(51), s(100), s(101)] == pytest.approx([1, 1, 0.5, 0.5, 0.05])
    s = optim.linear_schedule(1.0, 0.0, 4, transition_begin=2)
    assert [s(0), s(2), s(4), s(6), s(9)] == pytest.approx([1, 1, 0.5, 0, 0])
    s = optim.cosine_decay_schedule(2.0, 10, alpha=0.5)
    assert s(0) == pytest.approx(2.0) and s(10) == pytest.approx(1.0)
    np.testing.assert_allclose(optim.exponential_decay(1.0, 1, 0.5)(np.arange(3)),
                               [1, 0.5, 0.25])


def test_schedule_used_as_learning_rate():
    sched = optim.piecewise_constant(0.1, {1: 0.5})
    opt = optim.sgd(sched)
    state = opt.init(np.zeros(1))
    rates = []
    for _ in range(4):
        u, state = opt.update(np.ones(1), state)
        rates.append(-float(u[0]))
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05])


# --- fit's progress bar and errors --------------------------------------------------------------
def test_progress_bar_is_off_without_a_tty(capsys):
    optim.fit(quadratic, {"w": np.zeros(2), "b": 0.0}, optim.sgd(0.1), 3, progress=True)
    assert capsys.readouterr().out == ""


def test_progress_bar_missing_tqdm_message(monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match="pip install tqdm"):
        optim.fit(quadratic, {"w": np.zeros(2), "b": 0.0}, optim.sgd(0.1), 3, progress=True)


def test_fit_errors():
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError,
                                                  match="loss is (nan|inf) at step"):
        optim.fit(lambda w: cnp.sum(w ** 4), np.full(2, 10.0), optim.sgd(10.0), 50)
    with pytest.raises(TypeError, match="GradientTransformation"):
        optim.fit(quadratic, {"w": np.zeros(2), "b": 0.0}, optim.adam, 3)
    with pytest.raises(TypeError, match="forget to call"):
        optim.chain(optim.adam)
    with pytest.raises(ValueError, match="needs the current parameters"):
        opt = optim.adamw(0.1)
        opt.update(np.ones(2), opt.init(np.zeros(2)))
    with pytest.raises(ValueError, match="nesterov"):
        optim.sgd(0.1, nesterov=True)
    with pytest.raises(TypeError, match="learning rate"):
        optim.adam("fast")


# --- compiled and vectorized optimizers -------------------------------------------------------
_SCHED = {"linear": optim.linear_schedule(0.2, 0.01, 5, transition_begin=1),
          "exponential": optim.exponential_decay(0.2, 2, 0.5, staircase=True, end_value=0.05),
          "cosine": optim.cosine_decay_schedule(0.2, 6, alpha=0.1),
          "warmup_cosine": optim.warmup_cosine_decay_schedule(0.0, 0.2, 2, 8, end_value=0.01),
          "piecewise": optim.piecewise_constant_schedule(0.2, {1: 0.5, 3: 0.1}),
          "constant": optim.constant_schedule(0.2)}
TRANSFORMS = dict(OPTIMIZERS)
TRANSFORMS.update({f"sgd_{k}": (lambda s=s: optim.sgd(s)) for k, s in _SCHED.items()})
TRANSFORMS.update({
    "adam_eps_root": lambda: optim.adam(0.05, eps_root=1e-8),
    "adamw_mask": lambda: optim.adamw(0.05, weight_decay=0.1, mask={"w": True, "b": False}),
    "lion_decay": lambda: optim.lion(0.005, weight_decay=0.1),
    "rmsprop_momentum": lambda: optim.rmsprop(0.01, momentum=0.5, nesterov=True),
    "lbfgs_damped": lambda: optim.lbfgs(0.5, memory_size=3, damping=1e-3),
    "identity_scale": lambda: optim.chain(optim.identity(), optim.scale(-0.1)),
    "schedule_transform": lambda: optim.chain(optim.scale_by_schedule(_SCHED["cosine"]),
                                              optim.scale(-1.0)),
    "trace_rss": lambda: optim.chain(optim.scale_by_rss(), optim.trace(0.5),
                                     optim.add_decayed_weights(1e-2),
                                     optim.scale_by_learning_rate(0.1)),
})

_P0 = {"w": np.array([0.3, -0.2]), "b": np.array(0.1)}


def _run(opt, params, grads_list, update=None, apply=optim.apply_updates, state=None):
    update = update or opt.update
    state = opt.init(params) if state is None else state
    for g in grads_list:
        u, state = update(g, state, params)
        params = apply(params, u)
    return params, state


def _grads(seed, n=6, batch=None):
    rng = np.random.default_rng(seed)
    lead = () if batch is None else (batch,)
    return [{"w": rng.standard_normal(lead + (2,)), "b": rng.standard_normal(lead)}
            for _ in range(n)]


def _assert_tree_close(a, b, rtol=1e-12):
    for x, y in zip(tree_leaves(a), tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float), rtol=rtol,
                                   atol=1e-14)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_compiles(name):
    opt = TRANSFORMS[name]()
    grads = _grads(1)
    eager_p, eager_s = _run(opt, _P0, grads)
    jit_p, jit_s = _run(opt, _P0, grads, update=cr.jit(opt.update),
                        apply=cr.jit(optim.apply_updates), state=cr.jit(opt.init)(_P0))
    _assert_tree_close(jit_p, eager_p)
    _assert_tree_close(jit_s, eager_s)
    assert jit_p["w"].dtype == np.float64 and np.shape(jit_p["b"]) == ()


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_vmaps_over_a_batch_of_models(name):
    opt = TRANSFORMS[name]()
    batch = 3
    rng = np.random.default_rng(2)
    params = {"w": rng.standard_normal((batch, 2)), "b": rng.standard_normal(batch)}
    grads = _grads(3, batch=batch)
    state = cr.vmap(opt.init)(params)
    vp, vs = _run(opt, params, grads, update=cr.jit(cr.vmap(opt.update)), state=state)
    for i in range(batch):
        pick = lambda t: tree_map(lambda x: x[i], t)
        lp, ls = _run(opt, pick(params), [pick(g) for g in grads])
        _assert_tree_close(pick(vp), lp)
        _assert_tree_close(pick(vs), ls)


def test_schedules_on_traced_steps():
    for name, s in _SCHED.items():
        steps = np.arange(10)
        expected = np.array([s(int(k)) for k in steps])
        np.testing.assert_allclose(cr.vmap(s)(steps), expected, rtol=1e-14, err_msg=name)
        np.testing.assert_allclose([float(cr.jit(s)(np.int64(k))) for k in steps], expected,
                                   rtol=1e-14, err_msg=name)
        assert isinstance(s(3), float)


@pytest.mark.parametrize("name", ["adam", "lbfgs", "chain", "adam_schedule"])
def test_fit_jit_equals_eager(name):
    p0 = {"w": np.zeros(3), "b": 0.0}
    r_jit = optim.fit(logistic, p0, OPTIMIZERS[name](), 40)
    r_eager = optim.fit(logistic, p0, OPTIMIZERS[name](), 40, jit=False)
    np.testing.assert_allclose(r_jit.history, r_eager.history, rtol=1e-12)
    _assert_tree_close(r_jit.params, r_eager.params, rtol=1e-10)
    state_jit, state_eager = r_jit.state, r_eager.state
    if name == "lbfgs":
        # rho = 1 / (s . y) of the newest pairs: s and y are differences of nearly equal
        # iterates near the optimum, so rounding-level differences in them (jit reorders
        # sums) are amplified in rho.  The pairs themselves must agree closely.
        lb_jit, lb_eager = (next(s for s in st if isinstance(s, optim.LbfgsState))
                            for st in (state_jit, state_eager))
        np.testing.assert_allclose(lb_jit.rho, lb_eager.rho, rtol=1e-4)
        state_jit = tuple(s._replace(rho=0.0) if s is lb_jit else s for s in state_jit)
        state_eager = tuple(s._replace(rho=0.0) if s is lb_eager else s for s in state_eager)
    _assert_tree_close(state_jit, state_eager, rtol=1e-10)
    assert r_jit.history[-1] < 0.8 * r_jit.history[0]


def test_fit_jit_with_batches_compiles_once_per_shape(monkeypatch):
    traced = []

    def loss(p, batch):
        traced.append(type(p["w"]).__name__)
        return logistic(p, batch)

    batches = [(X[i:i + 64], Y[i:i + 64]) for i in range(0, 200, 64)]  # last one has 8 rows
    p0 = {"w": np.zeros(3), "b": np.zeros(())}
    res = optim.fit(loss, p0, optim.adam(0.05), 12, data=batches)
    eager = optim.fit(logistic, p0, optim.adam(0.05), 12, data=batches, jit=False)
    np.testing.assert_allclose(res.history, eager.history, rtol=1e-12)
    assert len(traced) == 2  # two batch shapes, each traced once for 12 steps


def test_fit_jit_false_runs_python_control_flow_and_jit_says_so():
    def loss(w):
        if float(cr.stop_gradient(cnp.sum(w))) > 100.0:  # needs a concrete value
            return cnp.sum(w ** 2) * 2.0
        return cnp.sum((w - 1.0) ** 2)

    w, hist = optim.fit(loss, np.zeros(2), optim.sgd(0.1), 50, jit=False)
    np.testing.assert_allclose(w, 1.0, atol=1e-4)
    with pytest.raises(TypeError, match="jit=False"):
        optim.fit(loss, np.zeros(2), optim.sgd(0.1), 5)


@pytest.mark.parametrize("eps_root", [0.0, 1e-10])
def test_scale_by_adam_one_pass_matches_leafwise_formulas(eps_root):
    # scale_by_adam updates every leaf in one pass; the same formulas with one tree_map
    # each (Optax's way of writing it) give the same bits, on a Module and on a dict.
    from chainrule import nn
    b1, b2, eps = 0.9, 0.999, 1e-8
    rng = np.random.default_rng(8)
    for params in (nn.MLP(2, 1, width_size=3, depth=1, key=0),
                   {"a": rng.normal(size=3), "b": (rng.normal(size=(2, 2)), 1.5)}):
        opt = optim.scale_by_adam(b1, b2, eps, eps_root)
        state = opt.init(params)
        mu, nu = state.mu, state.nu
        for step in range(1, 4):
            grads = tree_map(lambda p: rng.normal(size=np.shape(p)), params)
            out, state = opt.update(grads, state)
            mu = tree_map(lambda g, m: b1 * m + (1 - b1) * g, grads, mu)
            nu = tree_map(lambda g, v: b2 * v + (1 - b2) * g * g, grads, nu)
            c1, c2 = 1 - b1 ** float(step), 1 - b2 ** float(step)
            ref = tree_map(lambda m, v: (m / c1) / (np.sqrt(v / c2 + eps_root) + eps), mu, nu)
            for a, b in zip(tree_leaves(out) + tree_leaves(state.mu) + tree_leaves(state.nu),
                            tree_leaves(ref) + tree_leaves(mu) + tree_leaves(nu)):
                np.testing.assert_array_equal(a, b)
            assert int(state.count) == step
        with pytest.raises(ValueError, match="structures differ"):
            opt.update({"other": np.ones(2)}, state)


def test_adam_in_one_pass_matches_its_chain():
    # optim.adam applies the learning rate in Adam's pass over the leaves: the same bits
    # as the chain it is defined as, in the same state, on float64 arrays (computed in
    # place), float32 ones, 0-d ones and Python numbers, and with a schedule.
    from chainrule import nn
    rng = np.random.default_rng(9)
    for params in (nn.MLP(2, 1, width_size=3, depth=1, key=0),
                   {"a": rng.normal(size=3).astype(np.float32), "b": np.array(0.5), "c": 2.0}):
        for lr in (0.01, lambda count: 0.01 / (1.0 + count)):
            for eps_root in (0.0, 1e-10):
                fused = optim.adam(lr, eps_root=eps_root)
                chained = optim.chain(optim.scale_by_adam(eps_root=eps_root),
                                      optim.scale_by_learning_rate(lr))
                s1, s2 = fused.init(params), chained.init(params)
                for _ in range(3):
                    grads = tree_map(lambda p: np.asarray(rng.normal(size=np.shape(p)),
                                                          np.result_type(p)), params)
                    u1, s1 = fused.update(grads, s1)
                    u2, s2 = chained.update(grads, s2)
                    assert cr.tree_util.tree_structure(s1) == cr.tree_util.tree_structure(s2)
                    for a, b in zip(tree_leaves((u1, s1)), tree_leaves((u2, s2))):
                        assert np.asarray(a).dtype == np.asarray(b).dtype
                        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="parts for 2"):
        optim.adam(0.1).update(np.ones(2), (optim.adam(0.1).init(np.ones(2))[0],))


def test_fit_result_indexes_like_the_pair_it_unpacks_to():
    res = optim.fit(lambda w: cnp.sum((w - 3.0) ** 2), np.zeros(2), optim.sgd(0.1), steps=5)
    params, history = res
    assert len(res) == 2
    assert res[0] is params and res[1] is history and res[-1] is history
    with pytest.raises(IndexError):
        res[2]
