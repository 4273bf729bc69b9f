"""The few primitives behind ``chainrule.random``.

Everything else in the package is composed from operations that exist elsewhere in
chainrule: ``chainrule.numpy`` (sorting with the ``argsort`` primitive) and the primitives
of ``chainrule.scipy.special`` (the normal CDF ``ndtr`` and its inverse ``ndtri``, the
inverse ``gammaincinv`` of the regularized incomplete gamma function, whose derivative in
the shape is exact to any order).  These are primitives because composing them would be
slower or impossible with the operations that exist: the Threefry hash (one staged
operation instead of a hundred, computed in place), the Philox stream (computed by NumPy in
C), and the Poisson and binomial quantiles (integer inverses of discrete CDFs, which
``scipy.special`` has no ufunc for).  Each has its abstract evaluation, a vmap rule and a
derivative rule (zero: all have integer values).

The quantiles call :mod:`scipy.special` and so run on NumPy arrays only.
"""

from __future__ import annotations

import numpy as np
import scipy.special as sc

from ..core import Primitive, ShapedArray, broadcast_shapes, get_aval, require_numpy
from ..lax.shape import broadcast_to
from ..lax._rules import align_batched, defbroadcasting_batch, defnondiff

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


# --- Poisson and binomial quantiles: integer results, no derivative -----------------
def _poisson_quantile_impl(xp, u, lam):
    """Smallest integer k with ``P(K <= k) >= u`` for ``K ~ Poisson(lam)``."""
    require_numpy(xp, "random_poisson_quantile", "is computed by SciPy")
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
    require_numpy(xp, "random_binomial_quantile", "is computed by SciPy")
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

__all__ = ["binomial_quantile", "philox_bits", "poisson_quantile", "threefry2x32"]
