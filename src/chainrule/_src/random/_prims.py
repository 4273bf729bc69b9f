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
# Philox-4x64-10 (Random123): ten rounds of two 64x64 -> 128-bit products, with the Weyl
# key schedule.  NumPy's Philox computes one key's stream in C; for many keys and few words
# each (``vmap`` over keys) the same rounds as NumPy ufuncs over all (key, block) pairs at
# once are faster than a Python loop over the keys.
_U64 = np.uint64
_LOW32, _SHIFT32 = _U64(0xFFFFFFFF), _U64(32)
_PHILOX_M = (_U64(0xD2E7470EE14C6C93), _U64(0xCA5A826395121157))
_PHILOX_W = (_U64(0x9E3779B97F4A7C15), _U64(0xBB67AE8584CAA73B))


def _mulhilo64(a, b):
    """High and low 64-bit words of ``a * b`` (``a`` an array, ``b`` a constant), from
    32-bit halves: uint64 arithmetic wraps, so the low word is the plain product."""
    b_lo, b_hi = b & _LOW32, b >> _SHIFT32
    a_lo, a_hi = a & _LOW32, a >> _SHIFT32
    lolo, lohi, hilo = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo
    carry = ((lolo >> _SHIFT32) + (lohi & _LOW32) + (hilo & _LOW32)) >> _SHIFT32
    return a_hi * b_hi + (lohi >> _SHIFT32) + (hilo >> _SHIFT32) + carry, a * b


def philox_vectorized(keys, n):
    """The first ``n`` words of the Philox stream of each 64-bit key word in ``keys`` (1-D
    uint64; the second key word is 0): ``numpy.random.Philox(key=[k, 0]).random_raw(n)``
    for every ``k``, computed together.  Shape ``(len(keys), n)``."""
    blocks = -(-n // 4)
    k0 = keys.astype(_U64)[:, None]
    k1 = np.zeros_like(k0)
    # NumPy's Philox increments its 256-bit counter before each block: blocks 1, 2, ...
    c0 = np.broadcast_to(np.arange(1, blocks + 1, dtype=_U64), (keys.size, blocks))
    c1 = c2 = c3 = np.zeros((keys.size, blocks), _U64)
    for r in range(10):
        if r:
            k0, k1 = k0 + _PHILOX_W[0], k1 + _PHILOX_W[1]
        hi0, lo0 = _mulhilo64(c0, _PHILOX_M[0])
        hi1, lo1 = _mulhilo64(c2, _PHILOX_M[1])
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return np.stack([c0, c1, c2, c3], axis=-1).reshape(keys.size, 4 * blocks)[:, :n]


def philox_per_key(keys, n):
    """The same as :func:`philox_vectorized`, one key at a time with NumPy's Philox in C
    (faster for few keys or long streams).  Setting the state of one generator costs a
    third of making a new one per key."""
    out = np.empty((keys.size, n), dtype=_U64)
    gen = np.random.Philox(key=np.zeros(2, _U64))
    state = gen.state
    zeros = np.zeros(4, _U64)
    for i, k in enumerate(keys.tolist()):
        state["state"] = {"counter": zeros, "key": np.array([k, 0], dtype=_U64)}
        state["buffer_pos"] = 4     # empty buffer: the next word starts block 1
        gen.state = state
        out[i] = gen.random_raw(n)
    return out


def _philox_vectorize(num_keys, n):
    """Whether the ufunc rounds beat the loop over keys: the rounds cost ~350 NumPy calls
    plus ~0.15 µs per (key, block); the loop ~2 µs per key plus its words."""
    vectorized = 170.0 + 0.15 * num_keys * -(-n // 4)
    loop = num_keys * (2.0 + 0.004 * n)
    return vectorized < loop


def _philox_impl(xp, k0, k1, *, n):
    k0, k1 = np.broadcast_arrays(np.asarray(k0, np.uint64), np.asarray(k1, np.uint64))
    # The 128-bit Philox key is (k0 * 2**32 + k1, 0); the counter starts at 0.
    keys = ((k0 << _SHIFT32) | k1).ravel()
    draw = philox_vectorized if _philox_vectorize(keys.size, n) else philox_per_key
    out = draw(keys, n).reshape(k0.shape + (n,))
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
