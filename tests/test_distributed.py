"""chainrule on a real ``dask.distributed`` cluster: worker processes, lazy graphs, faults."""

import os
import pickle
import signal
import traceback

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import chainrule as cr  # noqa: E402
import chainrule.numpy as cnp  # noqa: E402
from chainrule import distributed as crd  # noqa: E402
from chainrule import optim  # noqa: E402
from chainrule.optimize import minimize  # noqa: E402
from dask.delayed import Delayed  # noqa: E402


@pytest.fixture(scope="module")
def client():
    # Two worker processes, one thread each, every port (dashboard too) chosen by the system.
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", scheduler_port=0,
                                       silence_logs=50)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def f(w, X):
    return cnp.sum((cnp.sin(w * X) - X) ** 2)


def f_grad_numpy(w, x):
    return np.sum(2 * (np.sin(w * x) - x) * np.cos(w * x) * x)


def _graph_bytes(x):
    return len(pickle.dumps(dict(x.__dask_graph__()), protocol=5))


def _scheduler_tasks(client):
    return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))


def test_transforms_of_dask_arrays_run_on_worker_processes(client):
    n = 40_000
    X = da.linspace(0, 1, n, chunks=10_000)
    x = np.linspace(0, 1, n)
    g = cr.grad(f)(1.3, X)
    v, g2 = cr.value_and_grad(f)(1.3, X)
    gj = cr.jit(cr.grad(f))(1.3, X)
    ws = np.array([0.5, 1.3, 2.0])
    gv = cr.vmap(cr.grad(f), in_axes=(0, None))(ws, X)
    # Nothing is computed until asked: lazy arrays, and the scheduler has seen no task.
    assert all(isinstance(a, da.Array) for a in (g, v, g2, gj, gv))
    assert _scheduler_tasks(client) == 0
    gc, vc, g2c, gjc, gvc = client.compute([g, v, g2, gj, gv], sync=True)
    np.testing.assert_allclose(gc, f_grad_numpy(1.3, x), rtol=1e-10)
    np.testing.assert_allclose(vc, np.sum((np.sin(1.3 * x) - x) ** 2), rtol=1e-12)
    np.testing.assert_allclose(g2c, gc, rtol=1e-12)
    np.testing.assert_allclose(gjc, gc, rtol=1e-12)
    np.testing.assert_allclose(gvc, [f_grad_numpy(w, x) for w in ws], rtol=1e-10)


@pytest.mark.parametrize("transform", ["grad", "jit_grad", "vmap_grad"])
def test_gradient_graph_size_does_not_grow_with_the_data(transform):
    fn = {"grad": cr.grad(f), "jit_grad": cr.jit(cr.grad(f)),
          "vmap_grad": lambda w, X: cr.vmap(cr.grad(f), in_axes=(0, None))(
              np.array([1.0, w]), X)}[transform]
    sizes = [_graph_bytes(fn(1.3, da.linspace(0, 1, n, chunks=n // 4)))
             for n in (10**4, 10**6)]
    # A few kilobytes of task descriptions, the same for 10^4 and 10^6 points (the
    # 10^6-point graph held an 8 MB seed array before seeds were made lazy).
    assert sizes[1] < 30_000 and sizes[1] < sizes[0] + 500, sizes


def model(p, t):
    # A light curve: a sinusoid of amplitude a, frequency om and phase ph over a baseline.
    a, om, ph, c = p[0], p[1], p[2], p[3]
    return a * cnp.sin(om * t + ph) + c


def chi2(p, data):
    t, y = data
    return cnp.sum((model(p, t) - y) ** 2)


TRUE = np.array([1.5, 3.0, 0.4, 0.2])


def _light_curve(n, chunks):
    t = da.linspace(0.0, 10.0, n, chunks=chunks)
    noise = 0.1 * da.sin(t * 1234.5)  # deterministic, generated chunk by chunk
    y = TRUE[0] * da.sin(TRUE[1] * t + TRUE[2]) + TRUE[3] + noise
    return t, y


def test_distributed_value_and_grad_matches_numpy(client):
    t, y = _light_curve(30_000, 5_000)
    p = np.array([1.0, 2.9, 0.3, 0.0])
    value, g = crd.value_and_grad(chi2, p, (t, y), client=client, split_every=2)
    tn, yn = t.compute(), y.compute()
    v_ref, g_ref = cr.value_and_grad(chi2)(p, (tn, yn))
    np.testing.assert_allclose(value, v_ref, rtol=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=1e-10)
    # A dict of arrays and a single array work too.
    v2, g2 = crd.value_and_grad(lambda p, d: chi2(p, (d["t"], d["y"])), p,
                                {"t": t, "y": y})
    np.testing.assert_allclose(g2, g_ref, rtol=1e-10)
    v3, g3 = crd.value_and_grad(lambda p, x: cnp.sum(p["w"] * x ** 2), {"w": 2.0}, t)
    np.testing.assert_allclose(g3["w"], np.sum(tn ** 2), rtol=1e-12)


def test_objective_graph_is_small_and_lazy(client):
    small = crd.Objective(chi2, _light_curve(10**4, 2_500))
    big = crd.Objective(chi2, _light_curve(10**6, 250_000))
    p = np.array([1.0, 2.9, 0.3, 0.0])
    sizes = [len(pickle.dumps(dict(o.graph(p).__dask_graph__()))) for o in (small, big)]
    assert sizes[1] < 30_000 and sizes[1] < sizes[0] + 500, sizes
    # graph() only describes the work; calling the objective runs it.
    assert isinstance(small.graph(p), Delayed)
    np.testing.assert_allclose(small(p)[1], cr.grad(chi2)(p, tuple(
        a.compute() for a in _light_curve(10**4, 2_500))), rtol=1e-10)


def test_minimize_lbfgs_with_distributed_gradients(client):
    t, y = _light_curve(40_000, 10_000)
    obj = crd.Objective(chi2, (t, y), client=client)
    p0 = np.array([1.0, 2.95, 0.3, 0.0])
    res = minimize(obj, p0, jac=True, method="L-BFGS-B")
    ref = minimize(chi2, p0, args=((t.compute(), y.compute()),), method="L-BFGS-B")
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.x, TRUE, atol=0.02)


def test_optim_loop_with_distributed_gradients(client):
    t, y = _light_curve(20_000, 5_000)
    n = t.shape[0]
    obj = crd.Objective(lambda p, d: chi2(p, d) / n, (t, y), client=client)
    tn, yn = t.compute(), y.compute()
    opt = optim.adam(1e-2)
    p = p_ref = np.array([1.0, 2.95, 0.3, 0.0])
    state = state_ref = opt.init(p)
    for _ in range(5):
        _, g = obj(p)
        _, g_ref = cr.value_and_grad(lambda p: chi2(p, (tn, yn)) / n)(p_ref)
        np.testing.assert_allclose(g, g_ref, rtol=1e-9)
        upd, state = opt.update(g, state, p)
        p = optim.apply_updates(p, upd)
        upd, state_ref = opt.update(g_ref, state_ref, p_ref)
        p_ref = optim.apply_updates(p_ref, upd)
    np.testing.assert_allclose(p, p_ref, rtol=1e-9)


def _load(name):
    # A "file" is a seed: the loader generates its chunk where the task runs.
    x = np.random.default_rng(int(name.split("-")[1])).standard_normal(2_000)
    return x


def _load_or_die_once(name, flag):
    if name.endswith("-3") and not os.path.exists(flag):
        open(flag, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)  # this worker process dies mid-computation
    return _load(name)


def _quad(w, x):
    return cnp.sum((x - w) ** 2)


def test_files_with_loader_and_a_killed_worker(client, tmp_path):
    files = [f"part-{i}" for i in range(8)]
    xs = np.concatenate([_load(f) for f in files])
    ref_v, ref_g = np.sum((xs - 0.3) ** 2), -2 * np.sum(xs - 0.3)
    v, g = crd.value_and_grad(_quad, 0.3, files, loader=_load, client=client)
    np.testing.assert_allclose([v, g], [ref_v, ref_g], rtol=1e-12)
    flag = str(tmp_path / "killed")
    loader = lambda name: _load_or_die_once(name, flag)  # noqa: E731
    v, g = crd.value_and_grad(_quad, 0.3, files, loader=loader, client=client)
    assert os.path.exists(flag)  # a worker was killed, and Dask retried its task
    np.testing.assert_allclose([v, g], [ref_v, ref_g], rtol=1e-12)


def bad_loss(w, x):
    if x.shape[0] == 1_000:
        raise FloatingPointError("model diverged")
    return cnp.sum(w * x)


def test_worker_errors_surface_with_the_users_function(client):
    x = da.ones(5_000, chunks=(2_000, 2_000, 1_000))
    with pytest.raises(FloatingPointError, match="model diverged") as info:
        crd.value_and_grad(bad_loss, 1.0, x, client=client, jit=False)
    tb = "".join(traceback.format_exception(info.value))
    assert "bad_loss" in tb
    assert "rows 4000:5000" in tb
