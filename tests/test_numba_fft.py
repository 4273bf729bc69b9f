"""The FFT primitives (``fft``, ``rfft``, ``irfft``) lowered by ``jit(f, backend="numba")``:
accuracy against ``numpy.fft`` for every kind of length, axes, norms and dtypes, their
derivatives, and the pseudo-spectral solvers of ``chainrule.apps.pde`` compiled whole."""

import re

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule._src.lax import fft as F
from chainrule.apps import pde

numba = pytest.importorskip("numba", reason="the numba extra is not installed")
from chainrule._src.compiler import numba_backend  # noqa: E402

# Powers of two (radix 2) and everything else (Bluestein), small primes to 1000.
LENGTHS = (1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 17, 31, 64, 97, 128, 255, 256, 1000)
NORMS = ("backward", "ortho", "forward")


def _compiled(jf):
    (compiled, _, _), = jf.cache.values()
    return compiled


def _rel(got, ref):
    return np.linalg.norm(np.asarray(got) - ref) / np.linalg.norm(ref)


def _numba(f, *args):
    """``f(*args)`` under ``jit(backend="numba")``, checked to have compiled everything."""
    jf = cr.jit(f, backend="numba")
    out = jf(*args)
    assert not _compiled(jf).fallbacks, _compiled(jf).fallbacks
    return out


def test_every_length_norm_and_direction_matches_numpy():
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2, n)) + 1j * rng.normal(size=(2, n)) for n in LENGTHS]

    def f(xs):
        out = []
        for x in xs:
            n = x.shape[1]
            for norm in NORMS:
                out.append(F.fft(x, (1,), False, norm))
                out.append(F.fft(x, (1,), True, norm))
                out.append(F.rfft(cnp.real(x), (1,), norm))
                h = x[:, :n // 2 + 1]
                out.append(F.irfft(h, (1,), n, norm))
        return out

    got = iter(_numba(f, xs))
    for x in xs:
        n = x.shape[1]
        for norm in NORMS:
            refs = [np.fft.fft(x, axis=1, norm=norm), np.fft.ifft(x, axis=1, norm=norm),
                    np.fft.rfft(x.real, axis=1, norm=norm),
                    np.fft.irfft(x[:, :n // 2 + 1], n, axis=1, norm=norm)]
            for ref in refs:
                g = next(got)
                assert g.dtype == ref.dtype and g.shape == ref.shape
                assert _rel(g, ref) <= 1e-13, (n, norm)


def test_several_axes_match_numpy():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6, 5, 12)) + 1j * rng.normal(size=(6, 5, 12))
    r = rng.normal(size=(6, 5, 12))
    h = np.fft.rfftn(r, axes=(0, 2))
    # powers of two along the leading axes: all the columns of a block transformed at once
    p = rng.normal(size=(16, 4, 8)) + 1j * rng.normal(size=(16, 4, 8))

    def f(z, r, h, p):
        return (F.fft(z, (0, 2), False, "ortho"), F.fft(z, (2, 1, 0), True, "backward"),
                F.rfft(r, (2, 0), "forward"), F.rfft(r, (0, 2), "backward"),
                F.irfft(h, (0, 2), 12, "backward"), F.irfft(h[:, :, :6], (0, 2), 11, "ortho"),
                F.fft(p, (0, 1, 2), False, "backward"), F.fft(p, (1, 0), True, "ortho"),
                F.rfft(cnp.real(p), (0, 2), "backward"))

    got = _numba(f, z, r, h, p)
    refs = (np.fft.fftn(z, axes=(0, 2), norm="ortho"), np.fft.ifftn(z, axes=(2, 1, 0)),
            np.fft.rfftn(r, axes=(2, 0), norm="forward"), h, r,
            np.fft.irfftn(h[:, :, :6], s=(6, 11), axes=(0, 2), norm="ortho"),
            np.fft.fftn(p), np.fft.ifftn(p, axes=(1, 0), norm="ortho"),
            np.fft.rfftn(p.real, axes=(0, 2)))
    for g, ref in zip(got, refs):
        assert g.shape == ref.shape
        assert _rel(g, ref) <= 1e-13


def test_dtypes_follow_the_primitives():
    rng = np.random.default_rng(2)
    x32 = rng.normal(size=(3, 10)).astype(np.float32)
    c64 = (x32 + 1j * x32[::-1]).astype(np.complex64)
    x64 = rng.normal(size=(3, 10))
    ints = np.arange(12).reshape(3, 4)

    def f(x32, c64, x64, ints):
        return (F.fft(c64, (1,)), F.rfft(x32, (1,)), F.irfft(c64[:, :6], (1,), 10),
                F.fft(x64, (0,), True), F.fft(ints, (1,)))

    got = _numba(f, x32, c64, x64, ints)
    expected = f(x32, c64, x64, ints)  # the NumPy implementation, eagerly
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape
        # single precision: NumPy computes in float32, the kernels in float64 then round
        tol = 1e-6 if e.dtype in (np.complex64, np.float32) else 1e-13
        assert _rel(g, e) <= tol


def test_imaginary_parts_of_zero_and_nyquist_frequencies_are_ignored_as_in_numpy():
    h = np.array([[1 + 1j, 2 + 3j, 4 + 5j]])
    got = _numba(lambda h: (F.irfft(h, (1,), 4), F.irfft(h, (1,), 5)), h)
    np.testing.assert_allclose(got[0], np.fft.irfft(h, 4), rtol=1e-14)
    np.testing.assert_allclose(got[1], np.fft.irfft(h, 5), rtol=1e-14)


def test_fft_is_compiled_and_twiddles_are_constants_shared_per_length():
    def f(x):
        y = cnp.fft.rfft(x)
        return cnp.fft.irfft(y * y, 16) + cnp.fft.irfft(y, 16)

    x = np.linspace(0.0, 1.0, 16)
    notes = repr(cr.make_ir(f, backend="numba")(x))
    assert "numba:" not in notes
    jf = cr.jit(f, backend="numba")
    np.testing.assert_allclose(jf(x), f(x), rtol=1e-13, atol=1e-14)
    compiled = _compiled(jf)
    assert not compiled.fallbacks
    assert "_k.rfft_axis" in compiled.source and "_k.irfft_axis" in compiled.source
    # one plan (tw, rev, chirp, bhat, half; chirp and bhat are one empty array for a
    # power of two) for the length 16, passed in once as constants, not rebuilt per call
    (head,) = re.findall(r"def segment\((.*)\)", compiled.source)
    assert head == "k0, k1, k2, k3, a0"
    assert all(c.flags.writeable is False for c in numba_backend.fft_plan(16))


def test_transform_of_length_zero_falls_back_to_numpy_s_error():
    f = cr.jit(lambda x: F.fft(x, (1,)), backend="numba")
    with pytest.raises(ValueError):
        f(np.zeros((2, 0), complex))


def test_gradients_of_an_fft_chain_equal_the_numpy_backend():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 6))
    w = rng.normal(size=(4, 6)) + 1j * rng.normal(size=(4, 6))

    def f(x):
        z = F.fft(x * w, (0, 1), False, "ortho")
        r = F.irfft(F.rfft(cnp.sin(x), (1,), "forward") * z[:, :4], (1,), 6, "backward")
        q = F.rfft(r * x, (0, 1), "backward")
        return cnp.sum(cnp.abs(q) ** 2) + cnp.sum(cnp.real(F.fft(z, (1,), True)) * x)

    vg_numba = cr.jit(cr.value_and_grad(f), backend="numba")
    vg_numpy = cr.jit(cr.value_and_grad(f), backend="numpy")
    (v, g), (ve, ge) = vg_numba(x), vg_numpy(x)
    np.testing.assert_allclose(v, ve, rtol=1e-13)
    np.testing.assert_allclose(g, ge, rtol=1e-12, atol=1e-13 * np.max(np.abs(ge)))
    assert not _compiled(vg_numba).fallbacks
    cr.check_grads(cr.jit(f, backend="numba"), (x,), order=2, modes=("fwd", "rev"))


def test_burgers_value_and_grad_compiles_whole_and_equals_numpy_backend():
    x = pde.grid(32)
    u0 = np.sin(x) + 0.3 * np.cos(3 * x)

    def energy(u, nu):
        return 0.5 * cnp.sum(pde.burgers(u, nu, 1e-2, 20) ** 2)

    vg = cr.jit(cr.value_and_grad(energy, argnums=(0, 1)), backend="numba")
    (v, (gu, gnu)) = vg(u0, 0.1)
    (ve, (gue, gnue)) = cr.jit(cr.value_and_grad(energy, argnums=(0, 1)))(u0, 0.1)
    assert not _compiled(vg).fallbacks
    np.testing.assert_allclose(v, ve, rtol=1e-13)
    np.testing.assert_allclose(gu, gue, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(gnu, gnue, rtol=1e-11)


def test_navier_stokes_value_and_grad_compiles_whole_and_equals_numpy_backend():
    X, Y = pde.grid2d(12)
    w0 = 2 * np.sin(X) * np.sin(Y) + 0.3 * np.cos(2 * X + Y)

    def loss(w, nu):
        return cnp.sum(pde.navier_stokes(w, nu, 0.02, 5) ** 2)

    vg = cr.jit(cr.value_and_grad(loss, argnums=(0, 1)), backend="numba")
    (v, (gw, gnu)) = vg(w0, 0.05)
    (ve, (gwe, gnue)) = cr.jit(cr.value_and_grad(loss, argnums=(0, 1)))(w0, 0.05)
    assert not _compiled(vg).fallbacks
    np.testing.assert_allclose(v, ve, rtol=1e-13)
    np.testing.assert_allclose(gw, gwe, rtol=1e-11, atol=1e-12 * np.max(np.abs(gwe)))
    np.testing.assert_allclose(gnu, gnue, rtol=1e-11)
