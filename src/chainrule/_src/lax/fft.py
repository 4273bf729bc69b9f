"""Fast Fourier transforms: three linear primitives and their transposes.

- ``fft``: complex-to-complex transform over ``axes`` (forward or inverse).
- ``rfft``: real-to-complex transform over ``axes``; the last one keeps ``n // 2 + 1``
  frequencies.
- ``irfft``: its inverse, complex-to-real, producing ``n`` points along the last axis.

``norm`` is NumPy's: ``"backward"``, ``"ortho"`` or ``"forward"``.  Zero-padding and
truncation (NumPy's ``n`` / ``s``) are done by the callers with the shape primitives.

All three are linear (over the reals), so their JVP applies the primitive to the tangent
and reverse mode needs only transposes, taken with respect to the pairing
``<x, y> = Re sum(x * y)`` used throughout chainrule (JAX's convention):

- The DFT matrix is symmetric, so ``fft`` (with any ``norm``) is its own transpose.
- ``rfft`` is ``slice(fft(x))`` on real ``x``: its transpose is ``Re fft(pad(ct))``.
- ``irfft`` is ``Re ifft(pad(w * x))`` where ``w`` is 1 for the zero (and, for even
  ``n``, the Nyquist) frequency and 2 for the others (their mirror images are implied);
  its transpose is ``w * slice(ifft(ct))``.

Both transposes are evaluated with the real transforms rather than full complex FFTs of
padded arrays (about half the work and no padding or slicing).  Write ``F`` for the
forward DFT with the scale of ``norm`` and ``G`` for the inverse DFT with the scale of the
*swapped* norm (``"backward"`` <-> ``"forward"``, ``"ortho"`` unchanged): then
``conj(F) = G`` entrywise, since both carry the same scale, and

- ``Re fft(pad(ct)) = Re conj(F pad(ct)) = Re G pad(conj(ct))
  = irfft(conj(ct) / w, swapped norm)``;
- ``slice(ifft(ct))`` for real ``ct`` is ``conj(slice(F' ct)) = conj(rfft(ct, swapped
  norm))``, where ``F'`` is the forward DFT with the swapped norm's scale.

Over several axes the same identities hold with n-d transforms (``Re`` is taken once,
after the sum over every axis, exactly as ``irfftn`` does).  Dividing by ``w`` and
multiplying back are exact (powers of two), so the results agree with the explicit
transposes to rounding.
"""

from __future__ import annotations

import functools

import numpy as np

from ..core import Primitive, ShapedArray, astype, dtype_of, real_dtype
from ._rules import deflinear, unbroadcast
from .elementwise import conj, mul

NORMS = ("backward", "ortho", "forward")


# --- NumPy arrays: pocketfft's gufuncs, without NumPy's wrapper --------------------------
#
# ``numpy.fft.rfft`` of a small array spends about half its time in argument handling
# (``asarray``, axis normalization, the norm's scale, the output allocation) around the
# gufunc that transforms.  On NumPy arrays of the dtypes pocketfft computes in, the impls
# call those gufuncs directly with the scale and output ``numpy.fft`` would pass, so the
# values are bitwise those of ``numpy.fft``.  The gufuncs live in a private module of
# NumPy 2: where it is missing, or does not compute what ``numpy.fft`` does (checked once,
# on first use), every transform goes through ``numpy.fft``.

_FAST_REAL = {np.dtype(np.float64): np.dtype(np.complex128),
              np.dtype(np.float32): np.dtype(np.complex64)}
_FAST_COMPLEX = {c: r for r, c in _FAST_REAL.items()}
_kernels_state: list = []  # [module or None], filled on first use


def _load_kernels():
    """NumPy's pocketfft gufunc module if it exists and agrees with ``numpy.fft``."""
    try:
        from numpy.fft import _pocketfft_umath as pfu
        x = np.linspace(-1.0, 2.0, 6).reshape(2, 3)
        z = np.fft.fft(x, axis=1)
        fct = np.reciprocal(3, dtype=np.float64)
        checks = [
            (pfu.rfft_n_odd, x, 1, np.fft.rfft(x, axis=1)),
            (pfu.rfft_n_even, x.T, 1, np.fft.rfft(x.T, axis=1)),
            (pfu.irfft, z[:, :2], fct, np.fft.irfft(z[:, :2], 3, axis=1)),
            (pfu.fft, z, 1, np.fft.fft(z, axis=1)),
            (pfu.ifft, z, fct, np.fft.ifft(z, axis=1)),
        ]
        for ufunc, a, f, expected in checks:
            out = ufunc(a, f, axes=[(1,), (), (1,)], out=np.empty_like(expected))
            if not np.array_equal(out, expected):
                return None
        return pfu
    except Exception:  # missing, renamed or with another signature: numpy.fft it is
        return None


def _kernels():
    if not _kernels_state:
        _kernels_state.append(_load_kernels())
    return _kernels_state[0]


@functools.lru_cache(maxsize=None)
def _scale(norm, n, dtype, forward):
    """The factor pocketfft multiplies by: ``numpy.fft``'s, computed as it does."""
    if not forward:
        norm = _SWAPPED[norm]
    if norm == "backward":
        return 1
    if norm == "ortho":
        return np.reciprocal(np.sqrt(n, dtype=dtype))
    return np.reciprocal(n, dtype=dtype)


def _fast_c2c(pfu, a, axes, inverse, norm):
    """``fftn``/``ifftn`` of complex ``a`` (transforms in the order NumPy takes them)."""
    ufunc = pfu.ifft if inverse else pfu.fft
    real = _FAST_COMPLEX[a.dtype]
    for ax in axes:
        n = a.shape[ax]
        if n < 1:
            return None
        a = ufunc(a, _scale(norm, n, real, not inverse), axes=[(ax,), (), (ax,)],
                  out=np.empty(a.shape, a.dtype))
    return a


def _kernel(eqn, table, make):
    """For code generation (``Primitive.numpy_kernel``): the gufunc call of a one-axis
    transform of an operand of the equation's aval (in ``table``), with the gufunc and
    scale of ``make(pfu, params, aval)``, its axes and its output allocation bound; None
    where the impl's checks are needed."""
    aval = eqn.inputs[0].aval
    axes = eqn.params["axes"]
    pfu = _kernels()
    if pfu is None or aval.dtype not in table or len(axes) != 1 or aval.shape[axes[0]] < 1:
        return None
    shape, dtype = eqn.outputs[0].aval.shape, eqn.outputs[0].aval.dtype
    ufunc, fct = make(pfu, eqn.params, aval)
    where = [(axes[0],), (), (axes[0],)]
    empty = np.empty

    def transform(x):
        return ufunc(x, fct, axes=where, out=empty(shape, dtype))
    return transform


def _fast(x, table):
    """The pocketfft module if ``x`` is a NumPy array it handles (dtype in ``table``)."""
    if type(x) is not np.ndarray or x.dtype not in table:
        return None
    return _kernels()


# The norm whose scale the conjugate (inverse) transform must carry to match ``norm``'s
# forward transform, and vice versa (see the module docstring).
_SWAPPED = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _complex_dtype(dtype):
    return np.result_type(np.dtype(dtype), np.complex64)


def _check(aval, axes, norm, name):
    if norm not in NORMS:
        raise ValueError(f"{name}: norm must be one of {NORMS}, got {norm!r}")
    if not axes or any(not 0 <= a < aval.ndim for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"{name}: invalid axes {axes} for an array of shape {aval.shape} "
                         "(expected distinct, non-negative axis numbers)")


# --- fft: complex to complex -------------------------------------------------------------


def _fft_impl(xp, x, axes, inverse, norm):
    pfu = _fast(x, _FAST_COMPLEX)
    if pfu is not None:
        out = _fast_c2c(pfu, x, axes[::-1], inverse, norm)
        if out is not None:
            return out
    fn = xp.fft.ifftn if inverse else xp.fft.fftn
    out = fn(x, axes=axes, norm=norm)
    return astype(xp, out, _complex_dtype(dtype_of(x)), copy=False)


def _fft_abstract_eval(a, axes, inverse, norm):
    _check(a, axes, norm, "fft")
    return ShapedArray(a.shape, _complex_dtype(a.dtype))


def _fft_transpose(ct, x, axes, inverse, norm):
    return [unbroadcast(fft_p.bind(ct, axes=axes, inverse=inverse, norm=norm), x.aval)]


# Batched operands carry their batch axis first: the transformed axes move by one.
def _shifted_batch(prim):
    def batch(size, vals, dims, axes, **params):
        return prim.bind(*vals, axes=tuple(a + 1 for a in axes), **params), 0
    prim.batch = batch


fft_p = Primitive("fft")
fft_p.impl = _fft_impl
fft_p.allocates = True  # a transform always returns a new array
fft_p.numpy_kernel = lambda eqn: _kernel(eqn, _FAST_COMPLEX, lambda pfu, p, a: (
    pfu.ifft if p["inverse"] else pfu.fft,
    _scale(p["norm"], a.shape[p["axes"][0]], _FAST_COMPLEX[a.dtype], not p["inverse"])))
fft_p.abstract_eval = _fft_abstract_eval
_shifted_batch(fft_p)
deflinear(fft_p, transpose=_fft_transpose)


def fft(x, axes, inverse=False, norm="backward"):
    """Complex DFT of ``x`` over ``axes`` (the inverse transform with ``inverse=True``)."""
    return fft_p.bind(x, axes=tuple(axes), inverse=bool(inverse), norm=norm)


# --- rfft: real to complex ---------------------------------------------------------------


def _rfft_impl(xp, x, axes, norm):
    pfu = _fast(x, _FAST_REAL)
    if pfu is not None and x.shape[axes[-1]] > 0:
        last, n = axes[-1], x.shape[axes[-1]]
        shape = x.shape[:last] + (n // 2 + 1,) + x.shape[last + 1:]
        out = (pfu.rfft_n_odd if n % 2 else pfu.rfft_n_even)(
            x, _scale(norm, n, x.dtype, True), axes=[(last,), (), (last,)],
            out=np.empty(shape, _FAST_REAL[x.dtype]))
        if len(axes) == 1:
            return out
        out = _fast_c2c(pfu, out, axes[-2::-1], False, norm)  # as rfftn: then fft, last first
        if out is not None:
            return out
    # One axis: the 1-D function, which skips the n-d argument handling (about half the
    # cost of a small transform).
    if len(axes) == 1:
        out = xp.fft.rfft(x, axis=axes[0], norm=norm)
    else:
        out = xp.fft.rfftn(x, axes=axes, norm=norm)
    return astype(xp, out, _complex_dtype(dtype_of(x)), copy=False)


def _rfft_abstract_eval(a, axes, norm):
    _check(a, axes, norm, "rfft")
    if a.dtype.kind == "c":
        raise TypeError("rfft: the input must be real; use fft for complex input")
    shape = list(a.shape)
    shape[axes[-1]] = shape[axes[-1]] // 2 + 1
    return ShapedArray(shape, _complex_dtype(a.dtype))


def _rfft_transpose(ct, x, axes, norm):
    # Re fft(pad(ct)) = irfft(conj(ct) / w) with the swapped norm: irfft doubles the
    # frequencies that stand for a conjugate pair, which the padded FFT counts once.
    last = axes[-1]
    n = x.aval.shape[last]
    inv_w = 1.0 / _hermitian_weights(n, x.aval.ndim, last, x.aval.dtype)
    half = mul(conj(ct), inv_w)
    out = irfft_p.bind(half, axes=axes, n=n, norm=_SWAPPED[norm])
    return [unbroadcast(out, x.aval)]


rfft_p = Primitive("rfft")
rfft_p.impl = _rfft_impl
rfft_p.allocates = True  # a transform always returns a new array


def _rfft_ufunc(pfu, params, aval):
    n = aval.shape[params["axes"][0]]
    return (pfu.rfft_n_odd if n % 2 else pfu.rfft_n_even,
            _scale(params["norm"], n, aval.dtype, True))


rfft_p.numpy_kernel = lambda eqn: _kernel(eqn, _FAST_REAL, _rfft_ufunc)
rfft_p.abstract_eval = _rfft_abstract_eval
_shifted_batch(rfft_p)
deflinear(rfft_p, transpose=_rfft_transpose)


def rfft(x, axes, norm="backward"):
    """DFT of real ``x`` over ``axes``, keeping ``n // 2 + 1`` frequencies on the last."""
    return rfft_p.bind(x, axes=tuple(axes), norm=norm)


# --- irfft: complex to real --------------------------------------------------------------


def _irfft_impl(xp, x, axes, n, norm):
    pfu = _fast(x, _FAST_COMPLEX)
    if pfu is not None:
        a = x if len(axes) == 1 else _fast_c2c(pfu, x, axes[:-1], True, norm)  # as irfftn
        if a is not None:
            last, real = axes[-1], _FAST_COMPLEX[x.dtype]
            return pfu.irfft(a, _scale(norm, n, real, False), axes=[(last,), (), (last,)],
                             out=np.empty(a.shape[:last] + (n,) + a.shape[last + 1:], real))
    if len(axes) == 1:
        out = xp.fft.irfft(x, n=n, axis=axes[0], norm=norm)
    else:
        s = [x.shape[a] for a in axes[:-1]] + [n]
        out = xp.fft.irfftn(x, s=s, axes=axes, norm=norm)
    return astype(xp, out, real_dtype(dtype_of(x)), copy=False)


def _irfft_abstract_eval(a, axes, n, norm):
    _check(a, axes, norm, "irfft")
    if n < 1 or a.shape[axes[-1]] != n // 2 + 1:
        raise ValueError(f"irfft: an output of {n} points needs {n // 2 + 1} frequencies on "
                         f"axis {axes[-1]}, got shape {a.shape}")
    shape = list(a.shape)
    shape[axes[-1]] = n
    return ShapedArray(shape, real_dtype(a.dtype))


def _hermitian_weights(n, ndim, axis, dtype):
    """1 for the frequencies that appear once in a length-``n`` real signal's spectrum
    (zero and, for even ``n``, Nyquist), 2 for those that stand for a conjugate pair."""
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = len(w)
    return w.reshape(shape).astype(real_dtype(dtype))


def _irfft_transpose(ct, x, axes, n, norm):
    # w * slice(ifft(ct)) = w * conj(rfft(ct)) with the swapped norm, ct being real.
    last = axes[-1]
    half = conj(rfft_p.bind(ct, axes=axes, norm=_SWAPPED[norm]))
    w = _hermitian_weights(n, x.aval.ndim, last, x.aval.dtype)
    return [unbroadcast(mul(half, w), x.aval)]


irfft_p = Primitive("irfft")
irfft_p.impl = _irfft_impl
irfft_p.allocates = True  # a transform always returns a new array
irfft_p.numpy_kernel = lambda eqn: _kernel(eqn, _FAST_COMPLEX, lambda pfu, p, a: (
    pfu.irfft, _scale(p["norm"], p["n"], _FAST_COMPLEX[a.dtype], False)))
irfft_p.abstract_eval = _irfft_abstract_eval
_shifted_batch(irfft_p)
deflinear(irfft_p, transpose=_irfft_transpose)


def irfft(x, axes, n, norm="backward"):
    """Inverse of :func:`rfft`: ``n`` real points on the last of ``axes``, from the
    ``n // 2 + 1`` frequencies of ``x`` there."""
    return irfft_p.bind(x, axes=tuple(axes), n=int(n), norm=norm)


__all__ = ["NORMS", "fft", "fft_p", "irfft", "irfft_p", "rfft", "rfft_p"]
