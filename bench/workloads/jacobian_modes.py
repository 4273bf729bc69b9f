"""``jacobian(mode="auto")`` next to ``jacfwd`` and ``jacrev`` on a tall and a wide Jacobian.

Tall: ``g(W x)`` from R^3 to R^400; wide: ``W g(x)`` from R^400 to R^3, where ``g`` repeats
``tanh(y) * 1.1 + 0.1 * sin(y)`` five times.  On each shape one mode is several times faster
than the other; ``auto`` should cost what the faster one costs.
"""

from __future__ import annotations

import numpy as np

from ..harness import Case, Workload, impls_for
from ._common import rng

SHAPES = {"tall": (3, 400), "wide": (400, 3)}  # (inputs, outputs)
SMOKE_SHAPES = {"tall": (2, 12), "wide": (12, 2)}
N_LAYERS = 5
APIS = ("jacobian", "jacfwd", "jacrev")


def _g(xp, y):
    for _ in range(N_LAYERS):
        y = xp.tanh(y) * 1.1 + 0.1 * xp.sin(y)
    return y


def _dg(y):
    """Derivative of ``_g`` elementwise, by the chain rule by hand."""
    d = np.ones_like(y)
    for _ in range(N_LAYERS):
        t = np.tanh(y)
        d = d * (1.1 * (1.0 - t * t) + 0.1 * np.cos(y))
        y = t * 1.1 + 0.1 * np.sin(y)
    return d


def model(xp, w, shape):
    """The function whose Jacobian is taken."""
    if shape == "tall":
        return lambda x: _g(xp, w @ x)
    return lambda x: w @ _g(xp, x)


def jacobian_numpy(w, x, shape):
    """Closed form: diag(g'(Wx)) W (tall) or W diag(g'(x)) (wide)."""
    if shape == "tall":
        return _dg(w @ x)[:, None] * w
    return w * _dg(x)[None, :]


def _numpy(libs, lib, w, x, shape, api):
    return lambda: jacobian_numpy(w, x, shape)


def _chainrule(libs, lib, w, x, shape, api):
    jac = getattr(libs.cr, api)(model(libs.cnp, w, shape))
    j = libs.jit(lib, jac)
    return lambda: j(x)


BUILDERS = {"numpy": _numpy, "chainrule": _chainrule, "chainrule jit": _chainrule}
MISSING = {lib: "chainrule's own modes compared; see the jacobian workload for other libraries"
           for lib in ("torch", "jax", "jax jit", "autograd")}


def cases(libs, cfg):
    """One case per shape and Jacobian function."""
    shapes = SMOKE_SHAPES if cfg.smoke else SHAPES
    out = []
    for shape, (n_in, n_out) in shapes.items():
        g = rng(11)
        w = g.normal(size=(n_out, n_in)) / np.sqrt(n_in)
        x = g.normal(size=n_in)
        for api in APIS:
            label = 'jacobian(mode="auto")' if api == "jacobian" else api
            notes = {"chainrule": f"chainrule.{label}", "numpy": "closed form"}
            out.append(Case("jacobian_modes", f"{shape} R^{n_in}->R^{n_out} {label}",
                            {"n_in": n_in, "n_out": n_out, "api": api},
                            lambda w=w, x=x, shape=shape: jacobian_numpy(w, x, shape),
                            impls_for(libs, BUILDERS, w, x, shape, api, notes=notes,
                                      missing=MISSING), rtol=1e-9, atol=1e-12))
    return out


WORKLOAD = Workload(
    name="jacobian_modes",
    title='jacobian(mode="auto") vs jacfwd and jacrev, tall (3 -> 400) and wide (400 -> 3)',
    description=(
        "The same Jacobian by `chainrule.jacobian` (mode \"auto\"), `jacfwd` and `jacrev`, "
        "eager and under `jit`, for a tall `g(W x)`: R^3 -> R^400 and a wide `W g(x)`: "
        "R^400 -> R^3 (`g` = five rounds of `tanh(y) * 1.1 + 0.1 * sin(y)`). `auto` picks "
        "forward mode when the inputs are fewer than the outputs: its time should match "
        "the faster of the other two rows on each shape. The NumPy row is the closed form."),
    cases=cases,
)
