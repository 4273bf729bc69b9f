"""Every pair of grad / jvp / vmap / jit, and nestings three deep, against references."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

X = np.random.default_rng(1).uniform(-1, 1, (3, 4))  # a batch of 3 examples
V = np.ones(4)


def f(x):
    return cnp.sum(cnp.sin(x) * x ** 2) + cnp.prod(cnp.cos(x))


def grad_ref(x):
    s, c = np.sin(x), np.cos(x)
    return c * x ** 2 + 2 * x * s - np.prod(c) * s / c


def hvp_ref(x, v, eps=1e-6):
    return (grad_ref(x + eps * v) - grad_ref(x - eps * v)) / (2 * eps)


def jvp_of(fun):
    return lambda x: cr.jvp(fun, (x,), (V,))[1]


def batched_grad():
    return np.stack([grad_ref(x) for x in X])


def batched_hvp():
    return np.stack([hvp_ref(x, V) for x in X])


def batched_dir():
    return np.stack([grad_ref(x) @ V for x in X])


# Each entry: a composition applied to the batch X, and what it must equal.
COMPOSITIONS = {
    "vmap(grad)": (lambda: cr.vmap(cr.grad(f))(X), batched_grad),
    "grad(vmap)": (lambda: cr.grad(lambda xs: cnp.sum(cr.vmap(f)(xs)))(X), batched_grad),
    "vmap(jvp)": (lambda: cr.vmap(jvp_of(f))(X), batched_dir),
    "jvp(vmap)": (lambda: cr.jvp(cr.vmap(f), (X,), (np.ones_like(X),))[1], batched_dir),
    "vmap(jit)": (lambda: cr.vmap(cr.jit(cr.grad(f)))(X), batched_grad),
    "jit(vmap)": (lambda: cr.jit(cr.vmap(cr.grad(f)))(X), batched_grad),
    "grad(jit)": (lambda: cr.vmap(cr.grad(cr.jit(f)))(X), batched_grad),
    "jit(grad)": (lambda: cr.vmap(cr.jit(cr.grad(f)))(X), batched_grad),
    "jvp(jit)": (lambda: cr.vmap(jvp_of(cr.jit(f)))(X), batched_dir),
    "jit(jvp)": (lambda: cr.vmap(cr.jit(jvp_of(f)))(X), batched_dir),
    "jvp(grad)": (lambda: cr.vmap(jvp_of(cr.grad(f)))(X), batched_hvp),
    "grad(jvp)": (lambda: cr.vmap(cr.grad(jvp_of(f)))(X), batched_hvp),
    "grad(grad)": (lambda: cr.vmap(lambda x: cr.jacrev(cr.grad(f))(x) @ V)(X), batched_hvp),
    "jit(vmap(grad(jvp)))": (lambda: cr.jit(cr.vmap(cr.grad(jvp_of(f))))(X), batched_hvp),
    "vmap(jit(jvp(grad)))": (lambda: cr.vmap(cr.jit(jvp_of(cr.grad(f))))(X), batched_hvp),
    "grad(jit(vmap))": (lambda: cr.grad(lambda xs: cnp.sum(cr.jit(cr.vmap(f))(xs)))(X),
                        batched_grad),
    "jvp(vmap(jit(grad)))": (lambda: cr.jvp(cr.vmap(cr.jit(cr.grad(f))), (X,),
                                            (np.ones_like(X),))[1], batched_hvp),
    "vmap(grad(jit(jvp)))": (lambda: cr.vmap(cr.grad(cr.jit(jvp_of(f))))(X), batched_hvp),
    "jit(jvp(vmap(grad)))": (lambda: cr.jit(lambda xs: cr.jvp(cr.vmap(cr.grad(f)), (xs,),
                                                              (np.ones_like(xs),))[1])(X),
                             batched_hvp),
    "hessian(jit)": (lambda: cr.vmap(lambda x: cr.hessian(cr.jit(f))(x) @ V)(X), batched_hvp),
    "jit(vmap(jacrev))": (lambda: cr.jit(cr.vmap(cr.jacrev(f)))(X), batched_grad),
}


@pytest.mark.parametrize("name", list(COMPOSITIONS))
def test_composition(name):
    compute, reference = COMPOSITIONS[name]
    np.testing.assert_allclose(compute(), reference(), rtol=1e-6, atol=1e-8)
