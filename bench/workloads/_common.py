"""Functions shared by several workloads: the elementwise chain and its hand-written gradient."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np

#: The repeating pattern of the elementwise chain (one entry per op).
CHAIN_PATTERN = ("sin", "mul x", "cos", "add x")


def chain(xp, x, n_ops):
    """Apply ``n_ops`` elementwise operations to ``x``: sin, *x, cos, +x, sin, ...

    Every value stays in [-1, 2] for inputs in (0, 1), so long chains neither overflow
    nor underflow. Works with any NumPy-like namespace ``xp`` (NumPy, chainrule.numpy,
    jax.numpy, autograd.numpy, torch).

    Parameters
    ----------
    xp : module
        Namespace providing ``sin`` and ``cos``.
    x : array
    n_ops : int

    Returns
    -------
    array
        Same shape as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> chain(np, np.array([0.5]), 4).round(6)
    array([1.471406])
    """
    y = x
    for k in range(n_ops):
        op = k % 4
        if op == 0:
            y = xp.sin(y)
        elif op == 1:
            y = y * x
        elif op == 2:
            y = xp.cos(y)
        else:
            y = y + x
    return y


def chain_sum(xp, n_ops):
    """The scalar function ``x -> sum(chain(x))`` for namespace ``xp``."""
    def f(x):
        return xp.sum(chain(xp, x, n_ops))
    return f


def chain_value_and_grad_numpy(x, n_ops):
    """Hand-written reverse mode of ``sum(chain(x))``: value and gradient.

    The forward pass keeps the input of each op whose derivative needs it (three ops in
    four); the backward pass walks them in reverse.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.3, 0.7])
    >>> v, g = chain_value_and_grad_numpy(x, 8)
    >>> eps = 1e-6
    >>> fd = (np.sum(chain(np, x + eps, 8)) - np.sum(chain(np, x - eps, 8))) / (2 * eps)
    >>> bool(abs(fd - g.sum()) < 1e-6)
    True
    """
    inputs = []  # input of each op whose derivative needs it ("+x" needs none)
    y = x
    for k in range(n_ops):
        op = k % 4
        inputs.append(y if op != 3 else None)
        if op == 0:
            y = np.sin(y)
        elif op == 1:
            y = y * x
        elif op == 2:
            y = np.cos(y)
        else:
            y = y + x
    value = np.sum(y)
    gy = np.ones_like(x)
    gx = np.zeros_like(x)
    for k in range(n_ops - 1, -1, -1):
        op, yk = k % 4, inputs[k]
        if op == 0:
            gy = gy * np.cos(yk)
        elif op == 1:
            gx += gy * yk
            gy = gy * x
        elif op == 2:
            gy = gy * -np.sin(yk)
        else:  # "add x": gy passes through unchanged and also reaches gx
            gx += gy
    return value, gx + gy


def rng(seed=0):
    """The random generator every workload uses (fixed seed: identical inputs each run)."""
    return np.random.default_rng(seed)


def chain_builders(n_ops):
    """Builders (see :func:`bench.harness.impls_for`) of ``sum(chain(x))`` for every library.

    Each builder takes ``(libs, lib, x, mode)`` with ``mode`` either ``"forward"`` or
    ``"value_and_grad"`` and returns the callable to time.
    """
    def generic(libs, lib, x, mode):
        f = chain_sum(libs.xp(lib), n_ops)
        fn = libs.jit(lib, f) if mode == "forward" else libs.value_and_grad(lib, f)
        xl = libs.asarray(lib, x)
        return lambda: fn(xl)

    def numpy(libs, lib, x, mode):
        if mode == "forward":
            f = chain_sum(np, n_ops)
            return lambda: f(x)
        return lambda: chain_value_and_grad_numpy(x, n_ops)

    out = {lib: generic for lib in ("chainrule", "chainrule jit", "torch", "jax", "jax jit",
                                    "autograd")}
    out["numpy"] = numpy
    return out


def chain_reference(x, n_ops, mode):
    """The NumPy reference result of :func:`chain_builders`' callables."""
    if mode == "forward":
        return lambda: chain_sum(np, n_ops)(x)
    return lambda: chain_value_and_grad_numpy(x, n_ops)


def traced_peak(fn, *args):
    """``(peak bytes, fn(*args))``: the ``tracemalloc`` peak of one call above what was
    allocated before it (NumPy reports its buffers to ``tracemalloc``)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    out = fn(*args)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, out
