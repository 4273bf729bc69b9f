"""Training loops with ``chainrule.nn``: an MLP fit with Adam, and a small CNN's Adam steps.

* **MLP**: 2,000 Adam steps (lr 1e-3) of a 1-64-64-1 ``tanh`` MLP on 256 points of
  ``sin(x)``, full batch, mean squared error.  chainrule runs ``nn.fit`` (``jit=True``:
  the whole step compiled; ``jit=False``: eager), PyTorch an ``nn.Sequential`` with
  ``torch.optim.Adam`` (eager), JAX an Equinox MLP with an Optax Adam step under
  ``eqx.filter_jit`` (one compiled step per Python iteration, the common way), and the
  reference hand-written NumPy backpropagation and Adam.  Every library starts from the
  same weights and must end at the reference's.
* **CNN**: 100 Adam steps on a batch of 64 one-channel 16x16 images: ``Conv2d(1, 8, 3,
  padding=1)``, ReLU, ``MaxPool2d(2)``, flatten, ``Linear(512, 10)``, cross-entropy.

The time is per call (all steps); the derived column is per step.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for

MLP_STEPS, SMOKE_MLP_STEPS = 2000, 20
N_POINTS, WIDTH = 256, 64
LR = 1e-3
CNN_STEPS, SMOKE_CNN_STEPS = 100, 3
CNN_BATCH, CNN_SIZE, CNN_CHANNELS, CNN_CLASSES = 64, 16, 8, 10
MISSING = {"jax": "only the jitted Equinox+Optax step is compared",
           "autograd": "no module system or optimizer"}


# --- the MLP ------------------------------------------------------------------------------
def mlp_problem():
    """Initial weights in PyTorch's layout (``weight (out, in)``), inputs and targets."""
    from chainrule import nn

    model = nn.MLP(1, 1, width_size=WIDTH, depth=2, key=0)
    params = [np.array(a) for layer in model.layers for a in (layer.weight, layer.bias)]
    x = np.linspace(-np.pi, np.pi, N_POINTS)[:, None]
    return params, x, np.sin(x)


def adam_numpy(params, grads, m, v, t, lr=LR, b1=0.9, b2=0.999, eps=1e-8):
    for i, g in enumerate(grads):
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g
        params[i] = params[i] - lr * (m[i] / (1 - b1 ** t)) / (
            np.sqrt(v[i] / (1 - b2 ** t)) + eps)


def mlp_numpy(problem, steps):
    """Hand-written backpropagation and Adam."""
    params, x, y = problem
    params = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    n = x.shape[0]
    for t in range(1, steps + 1):
        w1, b1, w2, b2, w3, b3 = params
        h1 = np.tanh(x @ w1.T + b1)
        h2 = np.tanh(h1 @ w2.T + b2)
        d = (h2 @ w3.T + b3 - y) * (2.0 / n)
        dh2 = (d @ w3) * (1 - h2 * h2)
        dh1 = (dh2 @ w2) * (1 - h1 * h1)
        grads = [dh1.T @ x, dh1.sum(0), dh2.T @ h1, dh2.sum(0), d.T @ h2, d.sum(0)]
        adam_numpy(params, grads, m, v, t)
    return params


def mlp_loss(params, x, y):
    w1, b1, w2, b2, w3, b3 = params
    h = np.tanh(np.tanh(x @ w1.T + b1) @ w2.T + b2)
    return float(np.mean((h @ w3.T + b3 - y) ** 2))


def _mlp_check(x, y):
    # Over 2,000 Adam steps rounding differences grow (Adam divides by the root of tiny
    # second moments): the libraries' weights differ from the reference's by up to 1e-4
    # and their final losses (about 1e-6, near the floor) by up to 1e-3 relative.  The
    # check: weights within 1e-3, final loss within 1e-2 relative.
    def check(result, reference):
        params = [np.asarray(a, dtype=float) for a in result]
        ref = mlp_loss(reference, x, y)
        loss_err = abs(mlp_loss(params, x, y) - ref) / (1e-2 * ref)
        w_err = max(float(np.max(np.abs(a - b))) for a, b in zip(params, reference)) / 1e-3
        err = max(loss_err, w_err)
        return err <= 1.0, err
    return check


def _mlp_numpy(libs, lib, problem, steps):
    return lambda: mlp_numpy(problem, steps)


def _mlp_chainrule(libs, lib, problem, steps):
    from chainrule import nn, optim

    cr = libs.cr
    params, x, y = problem
    model = nn.MLP(1, 1, width_size=WIDTH, depth=2, activation=nn.tanh, key=0)
    model = nn.load_state_dict(model, dict(zip(nn.state_dict(model), params)))

    def loss(m, batch):
        return nn.mse(cr.vmap(m)(batch[0]), batch[1])

    def run():
        trained, _ = nn.fit(model, loss, [(x, y)], optim.adam(LR), epochs=steps,
                            jit=lib == "chainrule jit", progress=False)
        return [a for layer in trained.layers for a in (layer.weight, layer.bias)]
    return run


def torch_adam(torch, net, params, loss_fn, x, y, steps):
    """``steps`` Adam steps of ``net`` (its parameters set to ``params`` first) on the
    full batch ``(x, y)``; the trained parameters as NumPy arrays."""
    with torch.no_grad():
        for p, a in zip(net.parameters(), params):
            p.copy_(torch.from_numpy(a))
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
    return [p.detach().numpy().copy() for p in net.parameters()]


def _mlp_torch(libs, lib, problem, steps):
    torch = libs.torch
    params, x, y = problem
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run():
        net = torch.nn.Sequential(torch.nn.Linear(1, WIDTH), torch.nn.Tanh(),
                                  torch.nn.Linear(WIDTH, WIDTH), torch.nn.Tanh(),
                                  torch.nn.Linear(WIDTH, 1))
        return torch_adam(torch, net, params, torch.nn.functional.mse_loss, xt, yt, steps)
    return run


def _equinox():
    import equinox as eqx
    import optax
    return eqx, optax


def _mlp_equinox(libs, lib, problem, steps):
    eqx, optax = _equinox()
    jax, jnp = libs.jax, libs.jnp
    params, x, y = problem
    model = eqx.nn.MLP(1, 1, WIDTH, 2, activation=jnp.tanh, key=jax.random.PRNGKey(0))
    for i in range(len(model.layers)):
        model = eqx.tree_at(lambda m, i=i: (m.layers[i].weight, m.layers[i].bias), model,
                            (jnp.asarray(params[2 * i]), jnp.asarray(params[2 * i + 1])))
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    opt = optax.adam(LR)

    def loss(m, x, y):
        return jnp.mean((jax.vmap(m)(x) - y) ** 2)

    @eqx.filter_jit
    def step(m, state, x, y):
        value, grads = eqx.filter_value_and_grad(loss)(m, x, y)
        updates, state = opt.update(grads, state, m)
        return eqx.apply_updates(m, updates), state, value

    def run():
        m, state = model, opt.init(eqx.filter(model, eqx.is_array))
        for _ in range(steps):
            m, state, _ = step(m, state, xj, yj)
        return [np.asarray(a) for layer in m.layers for a in (layer.weight, layer.bias)]
    return run


# --- the CNN ------------------------------------------------------------------------------
def cnn_problem(batch=CNN_BATCH, size=CNN_SIZE):
    """Initial weights (conv weight and bias, linear weight and bias), images, labels."""
    from chainrule import nn

    model = cnn_chainrule_model(nn, size)
    params = [np.array(a) for a in nn.state_dict(model).values()]
    g = np.random.default_rng(5)
    images = g.standard_normal((batch, 1, size, size))
    labels = g.integers(0, CNN_CLASSES, batch)
    return params, images, labels


def cnn_chainrule_model(nn, size):
    import chainrule.numpy as cnp

    half = size // 2
    return nn.Sequential([nn.Conv2d(1, CNN_CHANNELS, 3, padding=1, key=0), nn.relu,
                          nn.MaxPool2d(2), cnp.ravel,
                          nn.Linear(CNN_CHANNELS * half * half, CNN_CLASSES, key=1)])


def _cnn_chainrule(libs, lib, problem, steps):
    from chainrule import nn, optim

    cr = libs.cr
    params, images, labels = problem
    model = cnn_chainrule_model(nn, images.shape[-1])
    model = nn.load_state_dict(model, dict(zip(nn.state_dict(model), params)))

    def loss(m, batch):
        return nn.cross_entropy(cr.vmap(m)(batch[0]), batch[1])

    def run():
        trained, _ = nn.fit(model, loss, [(images, labels)], optim.adam(LR), epochs=steps,
                            jit=lib == "chainrule jit", progress=False)
        return list(nn.state_dict(trained).values())
    return run


def _cnn_torch_run(torch, problem, steps):
    params, images, labels = problem
    xt, yt = torch.from_numpy(images), torch.from_numpy(labels)
    size = images.shape[-1]
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, CNN_CHANNELS, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(CNN_CHANNELS * (size // 2) ** 2, CNN_CLASSES))
    return torch_adam(torch, net, params, torch.nn.functional.cross_entropy, xt, yt, steps)


def _cnn_torch(libs, lib, problem, steps):
    return lambda: _cnn_torch_run(libs.torch, problem, steps)


def _equinox_skip():
    try:
        _equinox()
    except ImportError as exc:
        return f"equinox and optax are needed: {exc}"
    return None


def cases(libs, cfg):
    """The MLP fit and the CNN steps, each checked against a reference run."""
    mlp_steps = SMOKE_MLP_STEPS if cfg.smoke else MLP_STEPS
    cnn_steps = SMOKE_CNN_STEPS if cfg.smoke else CNN_STEPS
    problem = mlp_problem()
    builders = {"numpy": _mlp_numpy, "chainrule": _mlp_chainrule,
                "chainrule jit": _mlp_chainrule, "torch": _mlp_torch}
    missing = dict(MISSING)
    if libs.jax is not None:
        skip = _equinox_skip()
        if skip is None:
            builders["jax jit"] = _mlp_equinox
        else:
            missing["jax jit"] = skip
    notes = {"chainrule jit": "nn.fit(jit=True)", "chainrule": "nn.fit(jit=False)",
             "torch": "nn.Sequential + torch.optim.Adam",
             "jax jit": "Equinox + Optax, step under eqx.filter_jit"}
    per_step = ("µs/step", lambda s, n=mlp_steps: s / n * 1e6)
    out = [Case("nn_train", f"MLP 1-64-64-1, {mlp_steps} Adam steps",
                {"steps": mlp_steps, "points": N_POINTS, "width": WIDTH, "lr": LR},
                lambda: mlp_numpy(problem, mlp_steps),
                impls_for(libs, builders, problem, mlp_steps, notes=notes, missing=missing),
                check=_mlp_check(problem[1], problem[2]), derive=per_step,
                info=lambda r: f"final loss {mlp_loss(r, problem[1], problem[2]):.3g}")]

    cnn = cnn_problem(size=8 if cfg.smoke else CNN_SIZE)
    cnn_builders = {"chainrule": _cnn_chainrule, "chainrule jit": _cnn_chainrule,
                    "torch": _cnn_torch}
    cnn_missing = {"numpy": "no hand-written CNN; the reference is PyTorch's result "
                            "(chainrule's own eager run without PyTorch)",
                   "jax jit": "not compared here", **MISSING}
    if libs.torch is not None:
        reference = lambda: _cnn_torch_run(libs.torch, cnn, cnn_steps)  # noqa: E731
    else:
        reference = _cnn_chainrule(libs, "chainrule", cnn, cnn_steps)
    out.append(Case("nn_train", f"CNN, {cnn_steps} Adam steps",
                    {"steps": cnn_steps, "batch": CNN_BATCH, "size": CNN_SIZE},
                    reference,
                    impls_for(libs, cnn_builders, cnn, cnn_steps, notes=notes,
                              missing=cnn_missing),
                    rtol=1e-6, atol=1e-9,
                    derive=("µs/step", lambda s, n=cnn_steps: s / n * 1e6)))
    return out


WORKLOAD = Workload(
    name="nn_train",
    title="Training with chainrule.nn: MLP fit (2,000 Adam steps) and CNN steps",
    description=("Two training loops, every library starting from the same weights and "
                 "checked against the reference's final weights.\n\n"
                 + __doc__.split("\n\n", 1)[1].strip()),
    cases=cases,
)
