"""chainrule.nn.Module: a dataclass that is a pytree, and its helpers."""

import dataclasses

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import nn, optim
from chainrule.tree_util import (tree_flatten, tree_leaves, tree_map, tree_structure,
                                 tree_unflatten)


class Affine(nn.Module):
    w: np.ndarray
    b: np.ndarray
    scale: float = 2.0          # a Python float: static
    act: object = nn.tanh       # a function: static

    def __call__(self, x):
        return self.act(self.scale * (self.w @ x) + self.b)


def _affine():
    rng = np.random.default_rng(0)
    return Affine(rng.standard_normal((2, 3)), rng.standard_normal(2))


X = np.array([0.3, -0.2, 0.5])


def loss(m, x=X):
    return cnp.sum(m(x) ** 2)


def test_leaves_are_the_arrays_and_the_rest_is_structure():
    m = _affine()
    leaves = tree_leaves(m)
    assert len(leaves) == 2 and leaves[0] is m.w and leaves[1] is m.b
    m2 = tree_map(lambda a: a * 0, m)
    assert type(m2) is Affine and m2.scale == 2.0 and m2.act is nn.tanh
    assert np.array_equal(m2.w, np.zeros((2, 3)))
    assert tree_structure(m) == tree_structure(m2)
    # a different static value is a different structure (jit retraces, tree_map refuses)
    assert tree_structure(m) != tree_structure(dataclasses.replace(m, scale=3.0))


def test_grad_wrt_module_matches_analytic():
    m = _affine()
    g = cr.grad(loss)(m)
    assert type(g) is Affine and g.scale == 2.0
    z = 2.0 * m.w @ X + m.b
    y = np.tanh(z)
    dz = 2 * y * (1 - y ** 2)
    np.testing.assert_allclose(g.b, dz, rtol=1e-12)
    np.testing.assert_allclose(g.w, 2.0 * np.outer(dz, X), rtol=1e-12)
    cr.check_grads(loss, (m, X), order=2, modes=("fwd", "rev"))


def test_jit_takes_module_as_argument_and_caches_on_structure():
    m = _affine()
    f = cr.jit(loss)
    assert np.isclose(f(m, X), loss(m, X), rtol=1e-13, atol=0)
    m2 = tree_map(lambda a: a + 1.0, m)
    assert np.isclose(f(m2, X), loss(m2, X), rtol=1e-13, atol=0)
    assert len(f.cache) == 1  # new values, same structure: no retrace
    g = cr.jit(cr.grad(loss))(m, X)
    np.testing.assert_allclose(g.w, cr.grad(loss)(m, X).w, rtol=1e-12)


def test_vmap_over_a_stack_of_modules():
    ms = [tree_map(lambda a, k=k: a + k, _affine()) for k in range(3)]
    stacked = tree_map(lambda *xs: np.stack(xs), *ms)
    out = cr.vmap(lambda m, x: m(x), in_axes=(0, None))(stacked, X)
    np.testing.assert_allclose(out, np.stack([m(X) for m in ms]), rtol=1e-13)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "lion",
                                  "lbfgs"])
def test_every_optimizer_treats_a_module_as_its_arrays(name):
    # The same problem posed on a Module and on a dict of the same arrays must follow the
    # same trajectory exactly: the Module is nothing but a container to the optimizer.
    make = {"sgd": lambda: optim.sgd(0.05), "adam": lambda: optim.adam(0.05),
            "adamw": lambda: optim.adamw(0.05), "rmsprop": lambda: optim.rmsprop(0.01),
            "adagrad": lambda: optim.adagrad(0.1), "lion": lambda: optim.lion(0.01),
            "lbfgs": lambda: optim.lbfgs(0.1)}[name]
    m0 = _affine()
    as_dict = lambda p: loss(Affine(p["w"], p["b"]))
    model, hist = optim.fit(loss, m0, make(), 20)
    params, hist_d = optim.fit(as_dict, {"w": m0.w, "b": m0.b}, make(), 20)
    assert type(model) is Affine and model.scale == 2.0 and model.act is nn.tanh
    # (L-BFGS sums over the leaves, which a dict orders b, w and the Module w, b)
    np.testing.assert_allclose(hist, hist_d, rtol=1e-10)
    np.testing.assert_allclose(model.w, params["w"], rtol=1e-10)
    assert hist[-1] < hist[0]


def test_modules_are_immutable_with_a_helpful_error():
    m = _affine()
    with pytest.raises(nn.FrozenModuleError, match=r"Affine is immutable.*tree_at"):
        m.w = np.zeros((2, 3))
    with pytest.raises(nn.FrozenModuleError):
        del m.b
    with pytest.raises(AttributeError):  # FrozenModuleError is an AttributeError
        m.new_field = 1


class WithInit(nn.Module):
    w: np.ndarray
    n: int = nn.field(static=True)

    def __init__(self, n):
        self.n = n
        self.w = np.ones(n)


class Child(WithInit):  # inherits the custom __init__
    def __call__(self, x):
        return self.w * x


class Forgetful(nn.Module):
    w: np.ndarray
    b: np.ndarray

    def __init__(self):
        self.w = np.ones(1)


def test_custom_init_and_inheritance():
    c = Child(3)
    assert c.n == 3 and np.array_equal(c(2.0), 2 * np.ones(3))
    with pytest.raises(nn.FrozenModuleError):
        c.w = 1
    with pytest.raises(TypeError, match=r"did not set the field\(s\) b"):
        Forgetful()


def test_static_field_and_python_scalars():
    class M(nn.Module):
        w: np.ndarray
        table: np.ndarray = nn.field(static=True, default=None)
        shape: tuple = (2, 3)
        t: np.ndarray = None

    m = M(np.ones(2), np.arange(3), t=np.asarray(1.0))
    assert [x.shape for x in tree_leaves(m)] == [(2,), ()]
    assert m.parameters()[0] is m.w and len(m.parameters()) == 2


def test_partition_combine_and_training_only_a_part():
    model = nn.MLP(2, 1, width_size=3, depth=1, activation=nn.tanh, key=0)
    train, frozen = nn.partition(model, path=lambda p: p.startswith("layers.1"))
    assert train.layers[0].weight is None and frozen.layers[1].weight is None
    assert nn.combine(train, frozen).layers[0].weight is model.layers[0].weight
    x = np.array([0.2, -0.4])
    f = lambda t, fr: cnp.sum(nn.combine(t, fr)(x) ** 2)
    g = cr.grad(f)(train, frozen)
    full = cr.grad(lambda m: cnp.sum(m(x) ** 2))(model)
    assert g.layers[0].weight is None
    np.testing.assert_allclose(g.layers[1].weight, full.layers[1].weight, rtol=1e-13)
    # by a predicate on leaves, and by a tree of bools
    a, b = nn.partition({"x": np.ones(1), "i": np.arange(2)}, nn.is_inexact_array)
    assert a["i"] is None and b["x"] is None
    with pytest.raises(TypeError, match="exactly one"):
        nn.partition(model)
    with pytest.raises(ValueError, match="structure"):
        nn.combine(train, {"x": 1})


def test_tree_at_replaces_without_mutating():
    m = nn.MLP(2, 1, width_size=3, depth=1, key=0)
    w0 = m.layers[0].weight
    m2 = nn.tree_at(lambda m: m.layers[0].weight, m, np.zeros((3, 2)))
    assert m.layers[0].weight is w0 and np.array_equal(m2.layers[0].weight, np.zeros((3, 2)))
    assert m2.layers[1].weight is m.layers[1].weight and m2.depth == 1
    new = nn.Linear(3, 1, key=5)
    assert nn.tree_at(lambda m: m.layers[1], m, new).layers[1] is new
    m3 = nn.tree_at(lambda m: (m.layers[0].bias, m.layers[1].bias), m,
                    replace_fn=lambda b: b + 1)
    np.testing.assert_array_equal(m3.layers[1].bias, m.layers[1].bias + 1)
    # a None leaf (Linear without bias) can be replaced too
    lin = nn.Linear(2, 2, bias=False, key=0)
    assert nn.tree_at(lambda l: l.bias, lin, np.ones(2)).bias.shape == (2,)
    with pytest.raises(ValueError, match="static field"):
        nn.tree_at(lambda m: m.width_size, m, 4)
    with pytest.raises(ValueError, match="2 nodes but replace has 1"):
        nn.tree_at(lambda m: (m.layers[0].bias, m.layers[1].bias), m, (1,))


def test_named_parameters_count_summary_repr():
    m = nn.Sequential([nn.Linear(3, 4, key=0), nn.relu, nn.LayerNorm(4)])
    names = [n for n, _ in m.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert nn.count_parameters(m) == 3 * 4 + 4 + 4 + 4
    table = nn.summary(m)
    assert "layers.0.weight  (4, 3)  float64     12" in table
    assert table.splitlines()[-1].split() == ["total", "24"]
    r = repr(m)
    assert "Linear(weight=f64[4,3], bias=f64[4], in_features=3, out_features=4)" in r
    assert "Lambda(fn=relu)" in r


def test_is_array():
    assert nn.is_array(np.float32(1)) and not nn.is_array(1.0)
    assert not nn.is_array(nn.Linear(1, 1, key=0))
    assert nn.is_inexact_array(np.ones(1, np.complex128))
    assert not nn.is_inexact_array(np.ones(1, bool))


# --- the structure kept by frozen Modules (``_flatten_module``) ----------------------------
def _fresh_structure(m):
    """The structure a Module's fields give when classified afresh (no kept structure, no
    kept flattened form, in it or in the Modules it holds)."""
    from chainrule._src.tree_util import _CACHED
    from chainrule.nn import _module
    saved = []

    def clear(x):
        if isinstance(x, nn.Module):
            d = x.__dict__
            saved.append((d, {k: d.pop(k) for k in (_module._FLAT, _module._FROZEN, _CACHED)
                              if k in d}))  # unfrozen: nothing is kept
            for n, _ in type(x)._cr_fields:
                clear(d[n])
        elif isinstance(x, (tuple, list)):
            for c in x:
                clear(c)
    clear(m)
    try:
        return tree_structure(m)
    finally:
        for d, kept in saved:
            d.update(kept)


class Holder(nn.Module):
    items: list
    pair: tuple
    label: object = "x"


def test_kept_structure_matches_a_fresh_classification():
    mlp = nn.MLP(2, 1, width_size=4, depth=1, activation=nn.tanh, key=0)
    no_bias = nn.Linear(3, 2, bias=False, key=1)
    trees = [mlp, no_bias, _affine(), Holder([np.ones(2)], (np.zeros(1), 3), "y")]
    for m in trees:
        for t in [m, tree_map(lambda x: x * 2.0, m), tree_map(np.shape, m),
                  tree_map(lambda x: None, m), tree_map(lambda x: "s", m),
                  nn.partition(m, nn.is_inexact_array)[0]]:
            for _ in range(2):  # the second flatten reads what the first kept
                assert tree_structure(t) == _fresh_structure(t)


class Outer(nn.Module):
    pair: tuple
    w: np.ndarray


def test_flattened_form_is_kept():
    # A frozen Module flattened once, or rebuilt by unflattening, keeps its structure and
    # leaves: the next flatten returns the same structure object and the same leaves.
    mlp = nn.MLP(2, 1, width_size=4, depth=1, activation=nn.tanh, key=0)
    leaves, td = tree_flatten(mlp)
    again, td2 = tree_flatten(mlp)
    assert td2 is td and all(a is b for a, b in zip(again, leaves))
    new = [2.0 * x for x in leaves]
    rebuilt = tree_unflatten(td, new)
    got, td3 = tree_flatten(rebuilt)
    assert td3 is td and all(a is b for a, b in zip(got, new))
    assert tree_structure(rebuilt) == _fresh_structure(rebuilt)
    # Inside a list, a dict or under is_leaf too.
    for tree in ([mlp, np.ones(1)], {"m": mlp}):
        got, _ = tree_flatten(tree)
        assert len(got) == len(leaves) + isinstance(tree, list)
        rebuilt = tree_unflatten(tree_structure(tree), got)
        assert tree_structure(rebuilt) == _fresh_structure(rebuilt)
    assert tree_leaves(mlp, is_leaf=lambda x: isinstance(x, nn.Linear)) == list(mlp.layers)
    # Not where something below can still change: a list in a Module held in a tuple.
    h = Holder([], (np.ones(1),))
    outer = Outer((h,), np.zeros(2))
    assert len(tree_leaves(outer)) == 2
    h.items.append(np.array([3.0]))
    assert len(tree_leaves(outer)) == 3
    rebuilt = tree_unflatten(tree_structure(outer), tree_leaves(outer))
    rebuilt.pair[0].items.append(np.array([4.0]))
    assert len(tree_leaves(rebuilt)) == 4


def test_copies_of_a_flattened_module_keep_its_structure():
    # The flattened form a Module keeps travels with copy, deepcopy and pickle: a copy's
    # structure is the original's (registered node types, not copies of them) and its
    # leaves are its own arrays.
    import copy
    import pickle
    mlp = nn.MLP(2, 1, width_size=3, depth=1, activation=nn.tanh, key=0)
    leaves, td = tree_flatten(mlp)
    for c in (copy.copy(mlp), copy.deepcopy(mlp), pickle.loads(pickle.dumps(mlp))):
        got, td_c = tree_flatten(c)
        assert td_c == td and hash(td_c) == hash(td)
        assert all(a is b for a, b in zip(got, [x for layer in c.layers
                                                for x in (layer.weight, layer.bias)]))
        for a, b in zip(tree_leaves(tree_map(lambda a, b: a - b, c, mlp)), leaves):
            np.testing.assert_array_equal(a, np.zeros_like(b))
        assert repr(td_c) == repr(td) == "MLP((Linear(*, *), Linear(*, *)))"
    # A structure pickled with its hash kept gets it computed afresh where it is loaded.
    import subprocess
    import sys
    code = ("import pickle, sys; from chainrule import nn; from chainrule.tree_util import "
            "tree_structure; m = pickle.loads(sys.stdin.buffer.read()); "
            "print(hash(tree_structure(m)) == hash(tree_structure(nn.MLP(2, 1, width_size=3, "
            "depth=1, activation=nn.tanh, key=0))))")
    hash(td)
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(mlp),
                         capture_output=True, check=True)
    assert out.stdout.strip() == b"True"


def test_mutable_containers_are_classified_afresh():
    # A list field can change its contents after construction: its Module keeps no
    # structure, and an array added later is a leaf (its gradient is not dropped).
    h = Holder([], (1, 2))
    assert tree_leaves(h) == []
    h.items.append(np.array([3.0]))
    assert len(tree_leaves(h)) == 1
    g = cr.grad(lambda m: cnp.sum(m.items[0] ** 2))(h)
    np.testing.assert_array_equal(g.items[0], [6.0])
    # A tuple of plain values is static, and stays so.
    assert tree_structure(Holder([np.ones(1)], (1, 2))).num_leaves == 1


def test_adam_steps_unchanged_by_kept_structure():
    # Optimizer steps over Modules (flattened and rebuilt at every step) against the same
    # steps over the flat list of their arrays.
    mlp = nn.MLP(2, 1, width_size=4, depth=1, activation=nn.tanh, key=0)
    x = np.random.default_rng(2).normal(size=(8, 2))

    def loss(m):
        return cnp.mean(cr.vmap(m)(x) ** 2)
    opt = optim.adam(1e-2)
    m, s = mlp, opt.init(mlp)
    leaves = tree_leaves(mlp)
    ls, treedef = opt.init(leaves), tree_structure(mlp)
    for _ in range(3):
        g = cr.grad(loss)(m)
        u, s = opt.update(g, s, m)
        m = optim.apply_updates(m, u)
        gl = cr.grad(lambda ps: loss(treedef.unflatten(ps)))(leaves)
        ul, ls = opt.update(gl, ls, leaves)
        leaves = optim.apply_updates(leaves, ul)
    for a, b in zip(tree_leaves(m), leaves):
        np.testing.assert_array_equal(a, b)
