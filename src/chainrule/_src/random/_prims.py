"""The few primitives behind ``chainrule.random``.

Everything else in the package is composed from ``chainrule.numpy`` operations.  These are
primitives because composing them would be slower or impossible with the operations that
exist: the Threefry hash (one staged operation instead of a hundred, computed in place),
the Philox stream (computed by NumPy in C), sorting under ``jit``/``vmap``, and special
functions that ``chainrule.numpy`` lacks (the normal CDF and its inverse, the inverse of the
regularized incomplete gamma function, the Poisson and binomial quantiles).  Each has its
abstract evaluation, a vmap rule and a derivative rule (zero for the integer-valued ones).

The special functions call :mod:`scipy.special` and so run on NumPy arrays only.
"""

from __future__ import annotations

import numpy as np
import scipy.special as sc

from ..core import Primitive, ShapedArray, Zero, broadcast_shapes, get_aval
from ..lax._rules import align_batched, defbroadcasting_batch, defjvp, defnondiff, elementwise
from ..lax.elementwise import div, exp, mul

# --- Threefry-2x32 with 20 rounds ------------------------------------------------------
# The block cipher of Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
# 1, 2, 3" (SC'11), in the variant with two 32-bit words and 20 rounds.  It maps a key
# (k0, k1) and a counter (x0, x1) to two words that pass the BigCrush battery; its
# published known-answer vectors are checked in tests/test_random.py.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA  # the key-schedule constant of Threefish


def _threefry_python(k0, k1, x0, x1):
    """The same cipher on Python integers: for a few words (keys), a hundred NumPy calls
    on tiny arrays cost more than the arithmetic."""
    m = 0xFFFFFFFF
    ks = (k0, k1, k0 ^ k1 ^ _PARITY)
    y0, y1 = (x0 + k0) & m, (x1 + k1) & m
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            y0 = (y0 + y1) & m
            y1 = (((y1 << r) & m) | (y1 >> (32 - r))) ^ y0
        y0 = (y0 + ks[(group + 1) % 3]) & m
        y1 = (y1 + ks[(group + 2) % 3] + group + 1) & m
    return y0, y1


def _threefry_impl(xp, k0, k1, x0, x1):
    u32 = xp.uint32
    shape = broadcast_shapes(*[np.shape(a) for a in (k0, k1, x0, x1)])
    if xp is np and int(np.prod(shape)) <= 8:
        args = np.broadcast_arrays(*[np.asarray(a, dtype=u32) for a in (k0, k1, x0, x1)])
        pairs = [_threefry_python(*w) for w in zip(*[a.ravel().tolist() for a in args])]
        return tuple(np.array([p[i] for p in pairs], dtype=u32).reshape(shape)
                     for i in (0, 1))
    k0, k1 = xp.asarray(k0, dtype=u32), xp.asarray(k1, dtype=u32)
    ks = (k0, k1, k0 ^ k1 ^ u32(_PARITY))
    # Fresh output buffers, then in-place operations: each round costs five passes over
    # the data and no allocation (uint32 arithmetic wraps, as the cipher requires).
    y0 = xp.empty(shape, dtype=u32)
    y1 = xp.empty(shape, dtype=u32)
    xp.add(x0, k0, out=y0, casting="unsafe")
    xp.add(x1, k1, out=y1, casting="unsafe")
    tmp = xp.empty(shape, dtype=u32)
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            y0 += y1
            xp.left_shift(y1, u32(r), out=tmp)
            y1 >>= u32(32 - r)
            y1 |= tmp
            y1 ^= y0
        y0 += ks[(group + 1) % 3]
        y1 += ks[(group + 2) % 3]
        y1 += u32(group + 1)
    return y0, y1


def _threefry_abstract(*avals):
    shape = broadcast_shapes(*[a.shape for a in avals])
    out = ShapedArray(shape, np.dtype(np.uint32))
    return [out, out]


def _threefry_batch(size, vals, dims):
    rank = max(len(get_aval(v).shape) - (d is not None) for v, d in zip(vals, dims))
    # Batched operands carry their batch axis first; giving them all the same rank lets
    # NumPy broadcasting line the unbatched ones up behind it.
    aligned = [align_batched(v, d, rank) for v, d in zip(vals, dims)]
    return threefry2x32_p.bind(*aligned), [0, 0]


threefry2x32_p = Primitive("threefry2x32", multiple_results=True)
threefry2x32_p.impl = _threefry_impl
threefry2x32_p.abstract_eval = _threefry_abstract
threefry2x32_p.batch = _threefry_batch
defnondiff(threefry2x32_p)


def threefry2x32(k0, k1, x0, x1):
    """Threefry-2x32-20 of the counters ``(x0, x1)`` under the key ``(k0, k1)``.

    All four are uint32 arrays that broadcast together; returns the two output words.
    """
    return threefry2x32_p.bind(k0, k1, x0, x1)


# --- the bits of a draw: Philox-4x64-10 -----------------------------------------------
# Bulk random bits come from NumPy's C implementation of the Philox-4x64-10 counter-based
# generator (the same paper; NumPy keeps the streams of its bit generators stable across
# versions and platforms, NEP 19).  Threefry in NumPy ufuncs costs about 100 passes over
# the data per 64 bits, 8x more than Philox in C; keys are still derived with Threefry
# (``split``/``fold_in`` hash a handful of words, and stay pure array code).
def _philox_impl(xp, k0, k1, *, n):
    k0, k1 = np.broadcast_arrays(np.asarray(k0, np.uint64), np.asarray(k1, np.uint64))
    out = np.empty(k0.shape + (n,), dtype=np.uint64)
    flat = out.reshape(-1, n)
    for i, (a, b) in enumerate(zip(k0.ravel().tolist(), k1.ravel().tolist())):
        # The 128-bit Philox key is (k0 * 2**32 + k1, 0); the counter starts at 0.
        gen = np.random.Philox(key=np.array([(a << 32) | b, 0], dtype=np.uint64))
        flat[i] = gen.random_raw(n)
    return out if xp is np else xp.asarray(out)


def _philox_abstract(a0, a1, *, n):
    return ShapedArray(broadcast_shapes(a0.shape, a1.shape) + (n,), np.dtype(np.uint64))


def _philox_batch(size, vals, dims, *, n):
    from ..lax.shape import broadcast_to

    # One stream per key: bring both key words to the batched shape, batch axis first.
    shape = broadcast_shapes(*[get_aval(v).shape for v in vals])
    k0, k1 = (broadcast_to(align_batched(v, d, len(shape) - 1), shape) if d is not None
              else broadcast_to(v, shape) for v, d in zip(vals, dims))
    return philox_bits_p.bind(k0, k1, n=n), 0


philox_bits_p = Primitive("philox_bits")
philox_bits_p.impl = _philox_impl
philox_bits_p.abstract_eval = _philox_abstract
philox_bits_p.batch = _philox_batch
defnondiff(philox_bits_p)


def philox_bits(k0, k1, n):
    """``n`` uint64 words of the Philox-4x64-10 stream of the key ``(k0, k1)``."""
    return philox_bits_p.bind(k0, k1, n=n)


# --- argsort along one axis (integer result, no derivative) -------------------------------
def _argsort_impl(xp, x, *, axis):
    return xp.argsort(x, axis=axis, kind="stable")


def _argsort_abstract(aval, *, axis):
    return ShapedArray(aval.shape, np.dtype(np.int64))


def _argsort_batch(size, vals, dims, *, axis):
    (x,) = vals
    # The batch axis is in front: a nonnegative axis moves by one, a negative one not.
    return argsort_p.bind(x, axis=axis + 1 if axis >= 0 else axis), 0


argsort_p = Primitive("random_argsort")
argsort_p.impl = _argsort_impl
argsort_p.abstract_eval = _argsort_abstract
argsort_p.batch = _argsort_batch
defnondiff(argsort_p)


def argsort(x, axis=-1):
    """Stable argsort that also works on values only known abstractly (``jit``, ``vmap``)."""
    return argsort_p.bind(x, axis=axis)


# --- the standard normal CDF and its inverse -------------------------------------------
_SQRT_2PI = float(np.sqrt(2 * np.pi))

ndtr_p = elementwise("random_ndtr", impl=lambda xp, x: sc.ndtr(x))
ndtri_p = elementwise("random_ndtri", impl=lambda xp, p: sc.ndtri(p))
ndtr, ndtri = ndtr_p.bind, ndtri_p.bind
defjvp(ndtr_p, lambda t, ans, x: mul(t, div(exp(mul(-0.5, mul(x, x))), _SQRT_2PI)))
defjvp(ndtri_p, lambda t, ans, p: mul(t, mul(_SQRT_2PI, exp(mul(0.5, mul(ans, ans))))))


# --- the standard gamma distribution by inversion of its CDF --------------------------
def _gamma_dz_da_impl(xp, z, a):
    """``dz/da`` at fixed ``u = P(a, z)`` (implicit differentiation of the CDF):
    ``-(dP/da)(a, z) / p(z; a)``.

    ``dP/da`` has no closed form; it is a central difference of ``scipy.special.gammainc``
    in ``a`` with step ``h = 1e-4 * max(a, 1)`` (Richardson-extrapolated from ``h`` and
    ``2h``, truncation error O(h^4), rounding error about 1e-12 / h), which gives about
    eight correct digits.  The density is evaluated in logarithms, so tiny ``z`` and large
    ``a`` neither overflow nor underflow in the ratio.
    """
    a = np.asarray(a, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    h = 1e-4 * np.maximum(a, 1.0)

    def diff(step):
        return (sc.gammainc(a + step, z) - sc.gammainc(a - step, z)) / (2 * step)

    # Richardson needs a - 2h > 0; for tiny shapes fall back to a plain central
    # difference with a step inside (0, a).
    ok = a > 2.5 * h
    safe_h = np.where(ok, h, 0.25 * a)
    dP = np.where(ok, (4 * diff(safe_h) - diff(2 * safe_h)) / 3, diff(safe_h))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_pdf = (a - 1) * np.log(z) - z - sc.gammaln(a)
        out = -dP * np.exp(-log_pdf)
    return np.where(z > 0, out, 0.0)


def _no_second_derivative(primals, tangents):
    raise NotImplementedError(
        "chainrule.random.gamma (and beta, dirichlet, t built on it): the derivative of a "
        "sample with respect to the shape parameter is computed numerically, and it has no "
        "derivative of its own, so second and higher derivatives with respect to the shape "
        "are not available. First derivatives (grad, jvp, vjp) work; for the Hessian, "
        "differentiate the expectation analytically or use finite differences of the "
        "gradient.")


gamma_dz_da_p = elementwise("random_gamma_dz_da", impl=_gamma_dz_da_impl)
gamma_dz_da_p.jvp = _no_second_derivative


def _gamma_icdf_jvp(primals, tangents):
    a, u = primals
    ta, tu = tangents
    z = gamma_icdf_p.bind(a, u)
    if type(tu) is not Zero:
        raise NotImplementedError(
            "gamma_icdf: derivatives with respect to the uniform variate are not provided "
            "(samples are differentiated with respect to the shape only)")
    if type(ta) is Zero:
        return z, Zero(get_aval(z))
    return z, mul(ta, gamma_dz_da_p.bind(z, a))


gamma_icdf_p = elementwise("random_gamma_icdf", impl=lambda xp, a, u: sc.gammaincinv(a, u))
gamma_icdf_p.jvp = _gamma_icdf_jvp


def gamma_icdf(a, u):
    """The standard gamma variate of shape ``a`` at CDF value ``u`` (``gammaincinv``)."""
    return gamma_icdf_p.bind(a, u)


# --- Poisson and binomial quantiles: integer results, no derivative -----------------
def _poisson_quantile_impl(xp, u, lam):
    """Smallest integer k with ``P(K <= k) >= u`` for ``K ~ Poisson(lam)``."""
    u, lam = np.broadcast_arrays(np.asarray(u, np.float64), np.asarray(lam, np.float64))
    with np.errstate(invalid="ignore"):
        k = np.ceil(np.nan_to_num(sc.pdtrik(u, lam), nan=0.0))
    k = np.maximum(k, 0.0)
    # pdtrik solves the continuous relation; step to the exact integer quantile.
    for _ in range(2):
        k = np.where((k > 0) & (sc.pdtr(k - 1, lam) >= u), k - 1, k)
        k = np.where(sc.pdtr(k, lam) < u, k + 1, k)
    k = np.where(lam == 0, 0.0, k)
    return k.astype(np.int64)


def _binomial_quantile_impl(xp, u, n, p):
    """Smallest integer k with ``P(K <= k) >= u`` for ``K ~ Binomial(n, p)``."""
    u, n, p = np.broadcast_arrays(np.asarray(u, np.float64), np.asarray(n, np.float64),
                                  np.asarray(p, np.float64))
    with np.errstate(invalid="ignore"):
        k = np.ceil(np.nan_to_num(sc.bdtrik(u, n, p), nan=0.0))
    k = np.clip(k, 0.0, n)
    ni = n.astype(np.int64)  # bdtr takes an integer number of trials
    for _ in range(2):
        k = np.where((k > 0) & (sc.bdtr(k - 1, ni, p) >= u), k - 1, k)
        k = np.where((k < n) & (sc.bdtr(k, ni, p) < u), k + 1, k)
    k = np.where(p == 0, 0.0, np.where(p == 1, n, k))
    return k.astype(np.int64)


def _int_abstract(*avals):
    return ShapedArray(broadcast_shapes(*[a.shape for a in avals]), np.dtype(np.int64))


def _integer_elementwise(name, impl):
    prim = Primitive(name)
    prim.impl = impl
    prim.abstract_eval = _int_abstract
    defbroadcasting_batch(prim)
    defnondiff(prim)
    return prim


poisson_quantile_p = _integer_elementwise("random_poisson_quantile", _poisson_quantile_impl)
binomial_quantile_p = _integer_elementwise("random_binomial_quantile",
                                           _binomial_quantile_impl)
poisson_quantile = poisson_quantile_p.bind
binomial_quantile = binomial_quantile_p.bind

__all__ = ["argsort", "binomial_quantile", "gamma_icdf", "ndtr", "ndtri", "philox_bits",
           "poisson_quantile", "threefry2x32"]
