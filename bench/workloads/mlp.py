"""One SGD step of a small MLP: 64-256-256-10, tanh, batch 128, softmax cross-entropy.

Matrix products dominate; the gap between libraries is the cost of recording and running
the backward pass around a dozen medium-sized operations.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for
from ._common import rng

SIZES = (64, 256, 256, 10)
BATCH = 128
SMOKE_SIZES, SMOKE_BATCH = (8, 16, 16, 4), 8
LR = 0.1


def make_problem(sizes, batch):
    """Initial parameters ``[W1, b1, W2, b2, W3, b3]``, inputs and one-hot labels."""
    g = rng(3)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(g.normal(0.0, fan_in ** -0.5, size=(fan_in, fan_out)))
        params.append(g.normal(0.0, 0.1, size=fan_out))
    x = g.normal(size=(batch, sizes[0]))
    y = np.eye(sizes[-1])[g.integers(0, sizes[-1], size=batch)]
    return params, x, y


def _logsumexp_rows(xp, z, shift=True):
    """``log(sum(exp(z), axis=1))``, shifted by the row maximum for stability."""
    if not shift:
        return xp.log(xp.sum(xp.exp(z), 1))
    if getattr(xp, "__name__", "") == "torch":
        m = xp.amax(z, dim=1, keepdim=True)
    else:
        m = xp.max(z, axis=1, keepdims=True)
    return xp.log(xp.sum(xp.exp(z - m), 1)) + xp.reshape(m, (-1,))


def loss(xp, params, x, y, shift=True):
    """Mean softmax cross-entropy of the MLP on batch ``x`` with one-hot labels ``y``."""
    w1, b1, w2, b2, w3, b3 = params
    h = xp.tanh(x @ w1 + b1)
    h = xp.tanh(h @ w2 + b2)
    z = h @ w3 + b3
    return xp.mean(_logsumexp_rows(xp, z, shift) - xp.sum(y * z, 1))


def step_numpy(params, x, y, lr=LR):
    """Hand-written forward and backward pass, then the SGD update."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    value = np.mean(np.log(s[:, 0]) + m[:, 0] - np.sum(y * z, 1))
    dz = (e / s - y) / x.shape[0]
    da2 = (dz @ w3.T) * (1 - h2 * h2)
    da1 = (da2 @ w2.T) * (1 - h1 * h1)
    grads = [x.T @ da1, da1.sum(0), h1.T @ da2, da2.sum(0), h2.T @ dz, dz.sum(0)]
    return value, [p - lr * g for p, g in zip(params, grads)]


def chainrule_max_works(libs):
    """Whether ``chainrule.numpy.max`` can be differentiated (it raised TypeError once)."""
    try:
        libs.cr.grad(lambda z: libs.cnp.sum(libs.cnp.max(z, axis=1, keepdims=True)))(
            np.ones((2, 2)))
        return True
    except Exception:
        return False


def _numpy(libs, lib, problem):
    params, x, y = problem
    return lambda: step_numpy(params, x, y)


def _generic(libs, lib, problem):
    xp = libs.xp(lib)
    params, x, y = (libs.asarray(lib, a) for a in problem)
    shift = not lib.startswith("chainrule") or chainrule_max_works(libs)
    vg = libs.value_and_grad(lib, lambda p: loss(xp, p, x, y, shift))

    def step(p):
        value, grads = vg(p)
        return value, [pi - LR * gi for pi, gi in zip(p, grads)]
    step = libs.jit(lib, step)
    return lambda: step(params)


def cases(libs, cfg):
    """The SGD step, checked against the hand-written one."""
    sizes, batch = (SMOKE_SIZES, SMOKE_BATCH) if cfg.smoke else (SIZES, BATCH)
    problem = make_problem(sizes, batch)
    builders = {lib: _generic for lib in ("chainrule", "chainrule jit", "torch", "jax",
                                          "jax jit", "autograd")}
    builders["numpy"] = _numpy
    notes = {"torch": "torch.autograd.grad, functional update",
             "jax jit": "whole step under jax.jit"}
    if libs.cr is not None and not chainrule_max_works(libs):
        notes["chainrule"] = ("workaround: cnp.max fails under grad, so logsumexp is "
                              "computed without the max shift")
    return [Case("mlp", "sgd step", {"sizes": list(sizes), "batch": batch, "lr": LR},
                 lambda: step_numpy(*problem), impls_for(libs, builders, problem, notes=notes),
                 rtol=1e-8)]


WORKLOAD = Workload(
    name="mlp",
    title="MLP SGD step (64-256-256-10, tanh, batch 128)",
    description=(
        "One step of plain SGD on a 3-layer tanh MLP with softmax cross-entropy: loss, "
        "gradient with respect to the six parameter arrays (`value_and_grad` on a list), "
        "then `p - 0.1 * g`. The NumPy reference is hand-written backpropagation."),
    cases=cases,
)
