"""chainrule on CuPy arrays (a GPU): grad, jit and vmap compared with the NumPy backend.

A representative subset: elementwise functions, reductions, linear algebra and FFTs, each
differentiated in both modes, batched and compiled on CuPy arrays, and compared with the
same computation on NumPy arrays.  The module is skipped only where CuPy is not installed
or sees no CUDA device (machines without a GPU, such as the usual CI runners); there the
array-API conformance run (``test_backend_conformance.py``) stands in for a non-NumPy
backend.
"""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

cupy = pytest.importorskip("cupy")
try:
    _devices = cupy.cuda.runtime.getDeviceCount()
except Exception:  # no driver or no device: CUDA raises its own errors
    _devices = 0
if _devices < 1:
    pytest.skip("CuPy is installed but sees no CUDA device", allow_module_level=True)

rng = np.random.default_rng(0)
X = rng.uniform(0.2, 0.9, (4, 3))
A = rng.standard_normal((3, 3)) + 3 * np.eye(3)


def elementwise(x):
    return cnp.sum(cnp.sin(x) * cnp.exp(x) + cnp.tanh(x) ** 2 + cnp.log1p(x))


def reductions(x):
    return cnp.sum(cnp.max(x, axis=0)) + cnp.mean(x ** 2) + cnp.sum(cnp.cumsum(x, axis=1))


def linalg(x):
    m = x[:3] @ x[:3].T + 3 * cnp.eye(3)
    return cnp.sum(cnp.linalg.solve(m, x[:3])) + cnp.linalg.slogdet(m)[1]


def fft(x):
    return cnp.sum(cnp.abs(cnp.fft.rfft(x, axis=1)) ** 2)


FUNCTIONS = [elementwise, reductions, linalg, fft]


def _host(a):
    return cupy.asnumpy(a) if isinstance(a, cupy.ndarray) else np.asarray(a)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_value_and_grad_match_numpy(f):
    xd = cupy.asarray(X)
    value, grad = cr.value_and_grad(f)(xd)
    ref_value, ref_grad = cr.value_and_grad(f)(X)
    assert isinstance(grad, cupy.ndarray)
    np.testing.assert_allclose(_host(value), ref_value, rtol=1e-10)
    np.testing.assert_allclose(_host(grad), ref_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_forward_mode_matches_numpy(f):
    t = rng.standard_normal(X.shape)
    _, tan = cr.jvp(f, (cupy.asarray(X),), (cupy.asarray(t),))
    _, ref = cr.jvp(f, (X,), (t,))
    np.testing.assert_allclose(_host(tan), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_jit_of_grad_matches_numpy(f):
    got = cr.jit(cr.grad(f))(cupy.asarray(X))
    assert isinstance(got, cupy.ndarray)
    np.testing.assert_allclose(_host(got), cr.grad(f)(X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_vmap_of_grad_matches_numpy(f):
    xs = np.stack([X, 0.5 * X, X ** 2])
    got = cr.vmap(cr.grad(f))(cupy.asarray(xs))
    np.testing.assert_allclose(_host(got), [cr.grad(f)(x) for x in xs], rtol=1e-10,
                               atol=1e-12)
