"""chainrule.nn.save / load: bitwise round trips, atomic writes, no code from files, clear
errors for corrupted files and other structures."""

import os
import zipfile

import numpy as np
import pytest

from chainrule import nn


def bits(tree):
    from chainrule.tree_util import tree_leaves
    return [(type(x), np.asarray(x).dtype, np.asarray(x).tobytes()) for x in tree_leaves(tree)]


@pytest.fixture
def model():
    return nn.Sequential([nn.Linear(3, 4, key=0), nn.tanh, nn.LayerNorm(4),
                          nn.Linear(4, 2, bias=False, key=1, dtype=np.float32)])


def test_round_trip_is_bitwise(tmp_path, model):
    path = tmp_path / "m.npz"
    # awkward values: NaN with a payload, -0.0, inf, subnormals
    w = model.layers[0].weight.copy()
    w[0, 0] = np.frombuffer(np.uint64(0x7FF8DEADBEEF0001).tobytes(), np.float64)[0]
    w[0, 1], w[0, 2], w[1, 0] = -0.0, np.inf, 5e-324
    model = nn.tree_at(lambda m: m.layers[0].weight, model, w)
    nn.save(path, model, metadata={"epoch": 7, "note": "x"})
    like = nn.Sequential([nn.Linear(3, 4, key=5), nn.tanh, nn.LayerNorm(4),
                          nn.Linear(4, 2, bias=False, key=6, dtype=np.float32)])
    back = nn.load(path, like=like)
    assert type(back) is nn.Sequential and type(back[1]) is nn.Lambda
    assert bits(back) == bits(model)
    assert nn.load_metadata(path) == {"epoch": 7, "note": "x"}
    np.testing.assert_array_equal(back(np.ones(3)), model(np.ones(3)))


def test_plain_pytrees_with_numbers_and_int_arrays(tmp_path):
    tree = {"w": np.arange(6.0).reshape(2, 3), "step": 12, "lr": 0.1, "flag": True,
            "i": np.arange(4, dtype=np.int32), "s": np.float32(2.5),
            "c": np.array([1 + 2j]), "nested": [np.zeros((0, 2)), (np.uint8(3),)]}
    path = tmp_path / "t.npz"
    nn.save(path, tree)
    back = nn.load(path, like=tree)
    assert bits(back) == bits(tree)
    assert back["step"] == 12 and type(back["step"]) is int and type(back["lr"]) is float
    assert type(back["flag"]) is bool and type(back["s"]) is np.float32
    assert nn.load_metadata(path) is None


def test_the_file_is_a_plain_npz_without_pickles(tmp_path, model):
    path = tmp_path / "m.npz"
    nn.save(path, model)
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == ["__chainrule__", "leaf_0", "leaf_1", "leaf_2", "leaf_3",
                                   "leaf_4"]
        np.testing.assert_array_equal(f["leaf_0"], model.layers[0].weight)


def test_another_structure_is_a_clear_error(tmp_path, model):
    path = tmp_path / "m.npz"
    nn.save(path, model)
    with pytest.raises(nn.CheckpointError, match=r"another structure.*only in the file: "
                       r"\['layers.3.weight'\]"):
        nn.load(path, like=nn.Sequential(list(model.layers[:3])))
    wrong = nn.Sequential([nn.Linear(3, 5, key=0), nn.tanh, nn.LayerNorm(5),
                           nn.Linear(5, 2, bias=False, key=1, dtype=np.float32)])
    with pytest.raises(nn.CheckpointError, match=r"'layers.0.weight' has shape \(4, 3\) and "
                       r"dtype float64 in .*, but shape \(5, 3\) and dtype float64 in `like`"):
        nn.load(path, like=wrong)
    f64 = nn.Sequential([nn.Linear(3, 4, key=0), nn.tanh, nn.LayerNorm(4),
                         nn.Linear(4, 2, bias=False, key=1)])
    with pytest.raises(nn.CheckpointError, match="dtype float32 in .* dtype float64"):
        nn.load(path, like=f64)


def test_truncated_and_corrupted_files(tmp_path, model):
    path = tmp_path / "m.npz"
    nn.save(path, model)
    data = path.read_bytes()
    for i, bad in enumerate([data[: len(data) // 2], data[:100], b"",
                             data[:300] + bytes(200) + data[500:]]):
        p = tmp_path / f"bad{i}.npz"
        p.write_bytes(bad)
        with pytest.raises(nn.CheckpointError, match="truncated, corrupted|not a chainrule"):
            nn.load(p, like=model)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.ones(2))
    with pytest.raises(nn.CheckpointError, match=r"not written by chainrule and its arrays do "
                       r"not match `like` by name.*unexpected: \['a'\]"):
        nn.load(other, like=model)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz", like=model)


class _Boom:
    ran = False

    def __reduce__(self):
        return (_Boom._explode, ())

    @staticmethod
    def _explode():
        _Boom.ran = True
        return 0


def test_loading_never_runs_code_from_the_file(tmp_path, model):
    path = tmp_path / "evil.npz"
    nn.save(path, model)
    # swap an entry for a pickled object array
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    evil = tmp_path / "obj.npy"
    np.save(evil, np.array([_Boom()], dtype=object), allow_pickle=True)
    entries["leaf_0.npy"] = evil.read_bytes()
    with zipfile.ZipFile(path, "w") as z:
        for n, b in entries.items():
            z.writestr(n, b)
    with pytest.raises(nn.CheckpointError, match="cannot read"):
        nn.load(path, like=model)
    assert not _Boom.ran
    with pytest.raises(TypeError, match="dtype object"):
        nn.save(tmp_path / "x.npz", {"a": np.array([1, "a"], dtype=object)})


def test_failed_save_leaves_the_existing_file_intact(tmp_path, model, monkeypatch):
    path = tmp_path / "m.npz"
    nn.save(path, model)
    before = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"partial")
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        nn.save(path, nn.Linear(2, 2, key=0))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]  # no temporary file left behind
    # errors found before writing leave it intact too
    with pytest.raises(TypeError, match="JSON"):
        nn.save(path, model, metadata={"f": object()})
    with pytest.raises(TypeError, match="'name' is a str"):
        nn.save(path, {"name": "x"})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


def test_model_and_optimizer_state_together(tmp_path, model):
    from chainrule import optim
    opt = optim.adam(1e-2)
    state = opt.init(nn.partition(model, nn.is_inexact_array)[0])
    path = tmp_path / "run.npz"
    nn.save(path, {"model": model, "opt": state, "step": 3})
    back = nn.load(path, like={"model": model, "opt": state, "step": 0})
    assert bits(back) == bits({"model": model, "opt": state, "step": 3})
    assert type(back["opt"][0]).__name__ == type(state[0]).__name__


def test_state_dict_round_trip_and_errors():
    m = nn.MLP(3, 2, width_size=4, depth=1, key=0)
    sd = nn.state_dict(m)
    assert list(sd) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    # as if converted from another library: float32 copies of other values
    other = {k: (np.asarray(v) * 0 + i).astype(np.float32) for i, (k, v) in enumerate(sd.items())}
    m2 = nn.load_state_dict(m, other)
    assert m2.layers[1].bias.dtype == np.float64 and np.all(m2.layers[1].bias == 3.0)
    assert m.layers[1].bias[0] != 3.0  # like is untouched
    with pytest.raises(KeyError, match=r"missing: \['layers.1.bias'\]"):
        nn.load_state_dict(m, {k: v for k, v in sd.items() if k != "layers.1.bias"})
    with pytest.raises(KeyError, match=r"unexpected: \['extra'\]"):
        nn.load_state_dict(m, {**sd, "extra": np.ones(1)})
    partial = nn.load_state_dict(m, {"layers.0.bias": np.zeros(4), "x": 1}, strict=False)
    assert np.all(partial.layers[0].bias == 0) and partial.layers[1].weight is m.layers[1].weight
    with pytest.raises(ValueError, match=r"'layers.0.bias' has shape \(3,\) in the state but "
                       r"\(4,\)"):
        nn.load_state_dict(m, {**sd, "layers.0.bias": np.zeros(3)})
    m32 = nn.Linear(2, 2, key=0, dtype=np.float32)
    exact = nn.load_state_dict(m32, {"weight": np.ones((2, 2)), "bias": np.zeros(2)})
    assert exact.weight.dtype == np.float32
    with pytest.raises(ValueError, match="'bias' has dtype float64 in the state and float32 in "
                       "the model, and the conversion is not exact"):
        nn.load_state_dict(m32, {"weight": np.ones((2, 2)), "bias": np.full(2, 0.1)})


def test_safetensors_round_trip_and_layout(tmp_path, model):
    import json
    import struct
    path = tmp_path / "m.safetensors"
    tree = {"model": model, "step": 4, "flag": np.array([True, False]),
            "i": np.arange(3, dtype=np.int16)}
    nn.save(path, tree, metadata={"epoch": 2})
    back = nn.load(path, like=tree)
    assert bits(back) == bits(tree) and back["step"] == 4 and type(back["step"]) is int
    assert nn.load_metadata(path) == {"epoch": 2}
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0
    header = json.loads(raw[8:8 + n])
    w = header["model.layers.0.weight"]
    assert w["dtype"] == "F64" and w["shape"] == [4, 3]
    begin, end = w["data_offsets"]
    assert raw[8 + n + begin:8 + n + end] == model.layers[0].weight.tobytes()
    assert header["model.layers.3.weight"]["dtype"] == "F32"
    assert set(header["__metadata__"]) == {"chainrule"}


def test_files_from_other_programs_load_by_name(tmp_path):
    import json
    import struct
    m = nn.MLP(2, 1, width_size=3, depth=1, key=0)
    sd = {k: np.asarray(v) + 1.0 for k, v in nn.state_dict(m).items()}
    # a safetensors file as another library writes it (no chainrule description)
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for k, v in sd.items():
        b = v.astype("<f8").tobytes()
        header[k] = {"dtype": "F64", "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    text = json.dumps(header).encode()
    path = tmp_path / "foreign.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    back = nn.load(path, like=m)
    for k, v in nn.state_dict(back).items():
        np.testing.assert_array_equal(v, sd[k])
    assert nn.load_metadata(path) is None
    npz = tmp_path / "foreign.npz"
    np.savez(npz, **sd)
    back = nn.load(npz, like=m)
    np.testing.assert_array_equal(back.layers[1].bias, sd["layers.1.bias"])
    # damaged safetensors files
    good = path.read_bytes()
    for i, bad in enumerate([good[:5], good[:-8], struct.pack("<Q", 10 ** 9) + good[8:],
                             good[:8] + b"[1, 2]" + good[14:]]):
        p = tmp_path / f"bad{i}.safetensors"
        p.write_bytes(bad)
        with pytest.raises(nn.CheckpointError, match="truncated, corrupted"):
            nn.load(p, like=m)
    with pytest.raises(TypeError, match="safetensors cannot store"):
        nn.save(tmp_path / "c.safetensors", {"z": np.ones(2, complex)})
    assert not (tmp_path / "c.safetensors").exists()
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


class _DroppyNet(nn.Module):
    hidden: nn.Linear
    out: nn.Linear
    drop: nn.Dropout

    def __call__(self, x, key=None):
        h = nn.tanh(self.hidden(x))
        h = self.drop(h, key=key, inference=key is None)
        return self.out(h)


class _Killed(Exception):
    pass


def _train(path, epochs, key, *, die_at=None, resume=False):
    """Train epoch by epoch, checkpointing model, optimizer state and epoch after each;
    ``die_at=(epoch, batch)`` raises in the middle of that epoch, as a killed run would."""
    import chainrule as cr
    from chainrule import optim, random

    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 3))
    y = np.sin(x @ np.array([1.0, -2.0, 0.5]))[:, None]
    opt = optim.adam(0.01)

    def loss(m, batch, key=None):
        xb, yb = batch
        keys = None if key is None else random.split(key, xb.shape[0])
        pred = cr.vmap(lambda xi, k: m(xi, k))(xb, keys) if key is not None else \
            cr.vmap(m)(xb)
        return nn.mse(pred, yb)

    model = _DroppyNet(nn.Linear(3, 16, key=1), nn.Linear(16, 1, key=2), nn.Dropout(0.2))
    state = nn.fit(model, loss, [], opt, epochs=0).state
    start = 0
    if resume:
        ckpt = nn.load(path, like={"model": model, "opt_state": state})
        model, state = ckpt["model"], ckpt["opt_state"]
        start = nn.load_metadata(path)["epoch"]
    for epoch in range(start, epochs):
        batches = list(nn.DataLoader((x, y), 8, shuffle=True,
                                     rng=np.random.default_rng(100 + epoch)))
        if die_at is not None and die_at[0] == epoch:
            def dying(batches=batches):
                for i, b in enumerate(batches):
                    if i == die_at[1]:
                        raise _Killed
                    yield b
            data = _Iter(dying)
        else:
            data = batches
        res = nn.fit(model, loss, data, opt, epochs=1, state=state,
                     key=random.fold_in(key, epoch))
        model, state = res.params, res.state
        nn.save(path, {"model": model, "opt_state": state}, metadata={"epoch": epoch + 1})
    return model, state


class _Iter:
    def __init__(self, gen):
        self.gen = gen

    def __iter__(self):
        return self.gen()


def test_killed_run_resumes_from_its_checkpoint_to_the_same_result(tmp_path):
    from chainrule import random

    key = random.key(7)
    full_model, full_state = _train(tmp_path / "full.npz", 5, key)
    path = tmp_path / "run.npz"
    with pytest.raises(_Killed):
        _train(path, 5, key, die_at=(3, 2))  # killed in epoch 3, after 2 of its steps
    assert nn.load_metadata(path)["epoch"] == 3  # the checkpoint of epoch 2 survived
    model, state = _train(path, 5, key, resume=True)
    assert bits(model) == bits(full_model)
    assert bits(state) == bits(full_state)
    # and the run did train: the resumed model differs from the initial one
    first, _ = _train(tmp_path / "none.npz", 0, key)
    assert bits(first) != bits(model)
