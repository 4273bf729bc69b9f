"""chainrule.numpy.fft: values against NumPy (n/s, axes, all three norms, odd and even
lengths, real and complex input, single precision), derivatives against finite
differences, and the transpose rules against the dot-product test
``<ct, F t> == <F^T ct, t>`` (pairing ``Re sum(x * y)``, chainrule's convention)."""

import numpy as np
import pytest
from numpy_testing import check, rand

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.tree_util import tree_map

fft = cnp.fft
NORMS = [None, "backward", "ortho", "forward"]


def cplx(shape, seed=0):
    return rand(shape, seed=seed) + 1j * rand(shape, seed=seed + 100)


def real_view(f):
    def g(*args):
        return tree_map(lambda y: (cnp.real(y), cnp.imag(y)) if y.dtype.kind == "c" else y,
                        f(*args))
    return g


def check_derivatives(f, x, order=2):
    """Both modes to ``order`` on real quantities (complex input split into parts)."""
    if np.iscomplexobj(x):
        g = real_view(lambda re, im: f(re + 1j * im))
        args = (x.real.copy(), x.imag.copy())
    else:
        g, args = real_view(f), (x,)
    cr.check_grads(g, args, order=order, modes=("fwd", "rev"))


def dot_product_test(f, x, seed=1):
    """``<ct, J t> == <J^T ct, t>`` with the bilinear pairing ``Re sum(a * b)``."""
    rng = np.random.default_rng(seed)

    def like(y):
        y = np.asarray(y)
        r = rng.standard_normal(y.shape)
        return r + 1j * rng.standard_normal(y.shape) if y.dtype.kind == "c" else r
    t = like(x)
    y, jt = cr.jvp(f, (x,), (t.astype(np.asarray(x).dtype),))
    ct = like(y).astype(np.asarray(y).dtype)
    _, f_vjp = cr.vjp(f, x)
    (jct,) = f_vjp(ct)
    lhs = np.real(np.sum(ct * jt))
    rhs = np.real(np.sum(jct * t))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


# --- one-dimensional transforms ----------------------------------------------------------

C_SHAPES = [((8,), -1), ((7,), 0), ((3, 5), 0), ((2, 3, 4), 1)]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 4, 5, 9])
@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_complex_transforms(name, n, norm):
    for k, (shape, axis) in enumerate(C_SHAPES):
        kw = {"n": n, "axis": axis, "norm": norm}
        for x in (rand(shape, seed=k), cplx(shape, seed=k)):
            check(getattr(fft, name), getattr(np.fft, name), (x,), kw, grads=False)
    f = lambda x: getattr(fft, name)(x, n=n, axis=1, norm=norm)
    for x in (rand((2, 6, 3)), cplx((2, 6, 3))):
        check_derivatives(f, x)
        dot_product_test(f, x)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 4, 5, 8, 11])
def test_rfft_irfft(n, norm):
    for k, (shape, axis) in enumerate(C_SHAPES):
        kw = {"n": n, "axis": axis, "norm": norm}
        check(fft.rfft, np.fft.rfft, (rand(shape, seed=k),), kw, grads=False)
        check(fft.ihfft, np.fft.ihfft, (rand(shape, seed=k),), kw, grads=False)
        for x in (cplx(shape, seed=k), rand(shape, seed=k)):
            check(fft.irfft, np.fft.irfft, (x,), kw, grads=False)
            check(fft.hfft, np.fft.hfft, (x,), kw, grads=False)
    for name in ("rfft", "ihfft"):
        f = lambda x: getattr(fft, name)(x, n=n, axis=0, norm=norm)
        check_derivatives(f, rand((6, 2)))
        dot_product_test(f, rand((6, 2)))
    for name in ("irfft", "hfft"):
        f = lambda x: getattr(fft, name)(x, n=n, axis=0, norm=norm)
        for x in (cplx((4, 2)), rand((4, 2))):
            check_derivatives(f, x)
            dot_product_test(f, x)


def test_irfft_ignores_imaginary_parts_it_does_not_use():
    # For even n, Im X[0] and Im X[n/2] do not affect irfft: zero derivative.
    x = cplx((5,))
    g = cr.grad(lambda re, im: cnp.sum(fft.irfft(re + 1j * im) * np.arange(8.0)),
                argnums=1)(x.real.copy(), x.imag.copy())
    assert g[0] == 0 and g[4] == 0 and np.all(g[1:4] != 0)


def test_round_trips_are_identities_with_identity_derivatives():
    x = rand((6,))
    for n in (6, 7):
        y = rand((n,))
        jac = cr.jacfwd(lambda y: fft.irfft(fft.rfft(y), n))(y)
        np.testing.assert_allclose(jac, np.eye(n), atol=1e-12)
    jac = cr.jacrev(lambda x: cnp.real(fft.ifft(fft.fft(x, norm="ortho"), norm="ortho")))(x)
    np.testing.assert_allclose(jac, np.eye(6), atol=1e-12)


# --- n-dimensional transforms ----------------------------------------------------------

ND_ARGS = [{}, {"axes": (0,)}, {"axes": (1, 0)}, {"s": (3, 6)}, {"s": (5, 3), "axes": (0, 2)},
           {"axes": (-1, 0, 1)}, {"s": (2, 4, 5)}, {"axes": (1, 1)}]


@pytest.mark.filterwarnings("ignore:`axes` should not be `None`:DeprecationWarning")
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("kw", ND_ARGS, ids=str)
@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn"])
def test_nd_transforms(name, kw, norm):
    kw = dict(kw, norm=norm)
    x = rand((4, 3, 5), seed=1) if name == "rfftn" else cplx((4, 3, 5), seed=1)
    check(getattr(fft, name), getattr(np.fft, name), (x,), kw, grads=False, rtol=1e-11,
          atol=1e-11)
    f = lambda x: getattr(fft, name)(x, **kw)
    check_derivatives(f, x)
    dot_product_test(f, x)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("s", [None, (4, 4), (3, 5)], ids=str)
@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2", "irfft2"])
def test_2d_transforms(name, s, norm):
    x = rand((2, 4, 6), seed=2) if name == "rfft2" else cplx((2, 4, 6), seed=2)
    kw = {"s": s, "norm": norm}
    check(getattr(fft, name), getattr(np.fft, name), (x,), kw, grads=False, rtol=1e-11,
          atol=1e-11)
    check(getattr(fft, name), getattr(np.fft, name), (x,), dict(kw, axes=(0, 2)),
          grads=False, rtol=1e-11, atol=1e-11)
    f = lambda x: getattr(fft, name)(x, **kw)
    check_derivatives(f, x)
    dot_product_test(f, x)


def test_real_input_to_complex_transforms_and_dtypes():
    for dtype in (np.float32, np.float64, np.int64):
        x = (np.arange(8) % 3).astype(dtype)
        for name in ("fft", "rfft", "ifft", "fftn", "rfftn", "hfft", "ihfft"):
            check(getattr(fft, name), getattr(np.fft, name), (x,), grads=False, rtol=1e-5,
                  atol=1e-5)
    z = cplx((6,)).astype(np.complex64)
    for name in ("fft", "ifft", "irfft", "fftn", "irfftn", "hfft"):
        check(getattr(fft, name), getattr(np.fft, name), (z,), grads=False, rtol=1e-5,
              atol=1e-5)


# --- helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize("axes", [None, 0, 1, (0, 1), (1,)], ids=str)
@pytest.mark.parametrize("shape", [(5,), (4, 7), (3, 6)], ids=str)
def test_shifts(shape, axes):
    if axes is not None and len(shape) == 1 and axes != 0:
        return
    x = rand(shape, seed=3)
    for name in ("fftshift", "ifftshift"):
        check(getattr(fft, name), getattr(np.fft, name), (x,), {"axes": axes})
    assert np.array_equal(fft.ifftshift(fft.fftshift(x, axes), axes), x)


@pytest.mark.parametrize("n", [1, 4, 5])
@pytest.mark.parametrize("d", [1.0, 0.25])
def test_frequencies(n, d):
    for name in ("fftfreq", "rfftfreq"):
        np.testing.assert_array_equal(getattr(fft, name)(n, d), getattr(np.fft, name)(n, d))
        # Differentiable in the sample spacing: d f / d d = -f / d.
        jac = cr.jacfwd(lambda d: getattr(fft, name)(n, d))(d)
        np.testing.assert_allclose(jac, -getattr(np.fft, name)(n, d) / d, rtol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        fft.fft(rand((4,)), n=0)
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        fft.irfft(cplx((1,)))
    with pytest.raises(ValueError, match="Invalid norm"):
        fft.fft(rand((4,)), norm="bogus")
    with pytest.raises(TypeError):
        fft.rfft(cplx((4,)))
    with pytest.raises(TypeError, match="real"):
        cr.jvp(fft.rfft, (cplx((4,)),), (cplx((4,)),))
    with pytest.raises(TypeError, match="out="):
        cr.jvp(lambda x: fft.fft(x, out=np.empty(4, complex)), (rand((4,)),), (rand((4,)),))
    with pytest.raises(IndexError):  # NumPy's IndexError; chainrule's AxisError is one
        fft.fft(rand((4,)), axis=2)
    with pytest.raises(IndexError):
        cr.jvp(lambda x: fft.fft(x, axis=2), (rand((4,)),), (rand((4,)),))


def test_namespace_matches_numpy():
    assert not [n for n in np.fft.__all__ if not hasattr(fft, n)]


# --- transforms of the transforms --------------------------------------------------------


def test_vmap_jit_and_numpy_dispatch():
    x = rand((3, 8))
    np.testing.assert_allclose(cr.vmap(fft.fft)(x), np.fft.fft(x), atol=1e-12)
    np.testing.assert_allclose(cr.vmap(fft.rfft, in_axes=1, out_axes=1)(x),
                               np.fft.rfft(x, axis=0), atol=1e-12)
    np.testing.assert_allclose(cr.vmap(lambda z: fft.irfft(z, 8))(np.fft.rfft(x)), x,
                               atol=1e-12)
    np.testing.assert_allclose(cr.jit(lambda x: fft.irfftn(fft.rfftn(x) * 2.0))(x), 2 * x,
                               atol=1e-12)
    # numpy.fft called on traced values dispatches to chainrule.numpy.fft.
    g = cr.grad(lambda x: cnp.sum(cnp.abs(np.fft.rfft(x)) ** 2))(x[0])
    # Parseval for the half spectrum: weights 1 (zero, Nyquist) and 2 (others), times n.
    expected = cr.grad(lambda x: cnp.sum(cnp.abs(fft.rfft(x)) ** 2))(x[0])
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_power_spectrum_gradient():
    # d/dx sum |fft(x)|^2 = 2 n x (Parseval).
    x = rand((7,))
    g = cr.grad(lambda x: cnp.sum(cnp.real(fft.fft(x) * cnp.conj(fft.fft(x)))))(x)
    np.testing.assert_allclose(g, 2 * 7 * x, rtol=1e-12)
    # And through the real transform with its Hermitian weights.
    w = np.array([1.0, 2, 2, 2])
    g = cr.grad(lambda x: cnp.sum(w * cnp.real(fft.rfft(x) * cnp.conj(fft.rfft(x)))))(x)
    np.testing.assert_allclose(g, 2 * 7 * x, rtol=1e-12)


def test_convolution_theorem_derivative():
    # Circular convolution through FFTs, differentiated twice, against the direct sum.
    a, b = rand((6,), seed=1), rand((6,), seed=2)

    def conv_fft(a, b):
        return fft.irfft(fft.rfft(a) * fft.rfft(b), 6)

    def conv_direct(a, b):
        idx = (np.arange(6)[:, None] - np.arange(6)[None, :]) % 6
        return cnp.sum(a[None, :] * b[idx], axis=1)
    np.testing.assert_allclose(conv_fft(a, b), conv_direct(a, b), atol=1e-12)
    h1 = cr.hessian(lambda a: cnp.sum(conv_fft(a, b) ** 2))(a)
    h2 = cr.hessian(lambda a: cnp.sum(conv_direct(a, b) ** 2))(a)
    np.testing.assert_allclose(h1, h2, atol=1e-10)
    cr.check_grads(conv_fft, (a, b), order=2, modes=("fwd", "rev"))


def test_dask_arrays_stay_lazy():
    da = pytest.importorskip("dask.array")
    x = rand((4, 6))
    xd = da.from_array(x, chunks=(2, 6))
    f = lambda x: cnp.real(fft.irfft(fft.rfft(x) * 2.0, 6) + fft.fft(x)[..., :6])
    y, g = f(xd), cr.grad(lambda x: cnp.sum(f(x) ** 2))(xd)
    assert isinstance(y, da.Array) and isinstance(g, da.Array)
    np.testing.assert_allclose(y.compute(), f(x), atol=1e-12)
    np.testing.assert_allclose(g.compute(), cr.grad(lambda x: cnp.sum(f(x) ** 2))(x),
                               atol=1e-12)


# --- real-transform transposes against the explicit adjoint matrix -----------------------

# (shape, keyword arguments): even and odd lengths, n/s that pad and that truncate, the
# transformed axes in several positions and orders.
RFFT_ADJOINT_CASES = [
    ((6,), {}), ((7,), {}), ((6,), {"n": 9}), ((7,), {"n": 4}), ((7,), {"n": 10}),
    ((5, 3), {"axis": 0}), ((3, 4), {"axis": -1, "n": 3}),
    ((4, 5), {"axes": (0, 1)}), ((4, 5), {"axes": (1, 0)}),
    ((3, 2, 4), {"axes": (2, 0), "s": (5, 2)}), ((2, 3, 5), {"axes": (0, 2), "s": (3, 4)}),
]


def _unit_vectors(shape, dtype):
    size = int(np.prod(shape))
    return np.eye(size, dtype=dtype).reshape((size,) + tuple(shape))


def _adjoint_matrix_check(f_cr, f_np, x):
    """The VJP of every unit cotangent against the adjoint of the matrix of ``f_np``
    (built column by column from unit inputs), for the pairing ``Re sum(a * b)``:
    complex-to-real maps ``Re z -> A``, ``Im z -> B`` have adjoint ``A^T c - i B^T c``,
    real-to-complex maps with complex matrix ``J`` have adjoint ``Re(J^T c)``."""
    cols = [np.ravel(f_np(e)) for e in _unit_vectors(x.shape, x.real.dtype)]
    J = np.stack(cols, axis=1)  # output size x input size, from real unit inputs
    y, f_vjp = cr.vjp(f_cr, x)
    y = np.asarray(y)
    if np.iscomplexobj(x):  # complex to real: also the response to imaginary units
        B = np.stack([np.ravel(f_np(1j * e)) for e in _unit_vectors(x.shape, x.real.dtype)],
                     axis=1)
        expected = J.T - 1j * B.T
    else:
        expected = J.T
    for k, c in enumerate(_unit_vectors(y.shape, y.dtype)):
        (got,) = f_vjp(c)
        want = expected[:, k] if np.iscomplexobj(x) else np.real(expected[:, k])
        np.testing.assert_allclose(np.ravel(got), want, rtol=1e-12, atol=1e-12)
        if np.iscomplexobj(y):  # the imaginary unit cotangent: Re(J^T (i e_k))
            (got,) = f_vjp(1j * c)
            np.testing.assert_allclose(np.ravel(got), np.real(1j * expected[:, k]),
                                       rtol=1e-12, atol=1e-12)


def _real_transform_pair(kw, norm):
    if "axes" in kw:
        fwd = lambda m, x: m.rfftn(x, s=kw.get("s"), axes=kw["axes"], norm=norm)
        inv = lambda m, x: m.irfftn(x, s=kw.get("s"), axes=kw["axes"], norm=norm)
    else:
        fwd = lambda m, x: m.rfft(x, n=kw.get("n"), axis=kw.get("axis", -1), norm=norm)
        inv = lambda m, x: m.irfft(x, n=kw.get("n"), axis=kw.get("axis", -1), norm=norm)
    return fwd, inv


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("shape,kw", RFFT_ADJOINT_CASES, ids=str)
def test_rfft_irfft_transposes_match_explicit_adjoint(shape, kw, norm):
    fwd, inv = _real_transform_pair(kw, norm)
    x = rand(shape, seed=3)
    _adjoint_matrix_check(lambda v: fwd(fft, v), lambda v: fwd(np.fft, v), x)
    check_derivatives(lambda v: fwd(fft, v), x)
    # irfft's input: the half spectrum (any complex values, including the parts that
    # irfft ignores) with the shape the forward transform gives.
    z = cplx(np.fft.rfftn(x, axes=kw.get("axes", (kw.get("axis", -1),))).shape, seed=4)
    _adjoint_matrix_check(lambda v: inv(fft, v), lambda v: inv(np.fft, v), z)
    check_derivatives(lambda v: inv(fft, v), z)


# --- NumPy arrays: pocketfft's gufuncs called directly -----------------------------------

from chainrule._src.lax import fft as lax_fft  # noqa: E402

FAST_CASES = [((8,), (0,)), ((7,), (0,)), ((1,), (0,)), ((3, 5), (1,)), ((6, 5), (0,)),
              ((4, 6, 5), (0, 2)), ((4, 6, 7), (2, 1)), ((2, 3, 4, 5), (1, 2, 3)),
              ((2, 0, 4), (2,))]


@pytest.fixture(params=["pocketfft", "numpy.fft"])
def fft_path(request, monkeypatch):
    """Run a test with the direct gufunc calls, and again with ``numpy.fft`` only."""
    if request.param == "numpy.fft":
        monkeypatch.setattr(lax_fft, "_kernels_state", [None])
    elif np.lib.NumpyVersion(np.__version__) >= "2.0.0":
        assert lax_fft._kernels() is not None  # NumPy 2 has them: the direct path runs
    return request.param


def _bitwise(got, expected):
    expected = np.asarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected, strict=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,axes", FAST_CASES, ids=str)
def test_transforms_are_bitwise_numpys(fft_path, shape, axes, dtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(dtype)
    z = (x + 1j * rng.standard_normal(shape)).astype(np.result_type(dtype, np.complex64))
    xs = rng.standard_normal(shape + (2,)).astype(dtype)[..., 1]  # strided
    n = shape[axes[-1]]
    for norm in lax_fft.NORMS:
        for a in (x, xs):
            spectrum = (np.fft.rfft(a, axis=axes[0], norm=norm) if len(axes) == 1
                        else np.fft.rfftn(a, axes=axes, norm=norm))
            _bitwise(lax_fft.rfft(a, axes, norm), spectrum)
        s = [z.shape[ax] for ax in axes[:-1]] + [n]
        half = spectrum if n else np.zeros(spectrum.shape[:-1] + (1,), spectrum.dtype)
        if n:
            _bitwise(lax_fft.irfft(half, axes, n, norm),
                     np.fft.irfftn(half, s=s, axes=axes, norm=norm) if len(axes) > 1
                     else np.fft.irfft(half, n, axis=axes[0], norm=norm))
        for inverse, ref in ((False, np.fft.fftn), (True, np.fft.ifftn)):
            _bitwise(lax_fft.fft(z, axes, inverse, norm), ref(z, axes=axes, norm=norm))
    assert lax_fft.rfft(x, axes).dtype == np.result_type(dtype, np.complex64)
    # Compiled code calls the gufuncs bound once (one axis) or the impls (several).
    for norm in lax_fft.NORMS:
        jitted = cr.jit(lambda x, z: (lax_fft.rfft(x, axes, norm),
                                      lax_fft.fft(z, axes, True, norm)))
        spectrum, inverse = jitted(x, z)
        _bitwise(spectrum, np.fft.rfftn(x, axes=axes, norm=norm))
        _bitwise(inverse, np.fft.ifftn(z, axes=axes, norm=norm))
        if n:
            real = cr.jit(lambda h: lax_fft.irfft(h, axes, n, norm))(spectrum)
            _bitwise(real, np.fft.irfftn(spectrum, s=[z.shape[ax] for ax in axes[:-1]] + [n],
                                         axes=axes, norm=norm))


def test_numpy_fft_is_used_where_the_gufuncs_are_missing_or_differ(monkeypatch):
    import sys
    import types

    x = rand((3, 8))
    # A module that computes something else (wrong scale) is refused by the check.
    lying = types.SimpleNamespace(**{
        name: (lambda ufunc: lambda a, fct, axes, out: ufunc(a, 1.0, axes=axes, out=out)
               * 2)(getattr(np.fft._pocketfft_umath, name))
        for name in ("rfft_n_even", "rfft_n_odd", "irfft", "fft", "ifft")})
    for fake in (lying, types.SimpleNamespace(), None):
        if fake is None:  # missing altogether
            monkeypatch.delattr(np.fft, "_pocketfft_umath")
            monkeypatch.setitem(sys.modules, "numpy.fft._pocketfft_umath", None)
        else:
            monkeypatch.setattr(np.fft, "_pocketfft_umath", fake)
        assert lax_fft._load_kernels() is None
        monkeypatch.setattr(lax_fft, "_kernels_state", [])
        _bitwise(lax_fft.rfft(x, (1,), "ortho"), np.fft.rfft(x, norm="ortho"))
        _bitwise(lax_fft.irfft(np.fft.rfft(x), (1,), 8, "backward"),
                 np.fft.irfft(np.fft.rfft(x)))
        assert lax_fft._kernels_state == [None]


def test_fft_chain_gradients_under_jit(fft_path):
    # The chain that the transposes of rfft/irfft produce, differentiated under jit.
    w = np.linspace(0.5, 1.5, 9)
    f = cr.jit(lambda x: cnp.sum(fft.irfft(fft.rfft(x * x) * w, 16) ** 2))
    x = rand((16,))
    cr.check_grads(f, (x,), order=2, modes=("fwd", "rev"))
    # The conjugates of the two transposes cancel in the compiled gradient.
    program = cr.jit(cr.grad(f)).lower(x).program
    assert "conj" not in [e.prim.name for e in program.eqns]
    g = cr.grad(lambda x: cnp.sum(fft.irfft(fft.rfft(x * x) * w, 16) ** 2))
    np.testing.assert_allclose(cr.jit(g)(x), g(x), rtol=1e-13)
