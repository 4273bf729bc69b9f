"""Keys: making them, splitting them, and turning them into bits and unit floats.

A key is a ``uint32`` array of shape ``(2,)``, ``(k0, k1)``.  Every random value is a pure
function of a key, so the same key gives the same bits in every run, process and platform,
and under ``jit`` and ``vmap``.  Two counter-based generators of Salmon et al., "Parallel
random numbers: as easy as 1, 2, 3" (SC'11), are used (see ``_prims.py``):

- new keys are Threefry-2x32-20 hashes of counters under the key: child ``j`` of
  :func:`split` is the hash of ``(1, j)``, :func:`fold_in` of ``d`` the hash of
  ``(2, d mod 2**32)``;
- the bits of a draw are the 64-bit words of the Philox-4x64-10 blocks of the counters
  1, 2, 3, ... (four words each) under the 128-bit key ``(k0 * 2**32 + k1, 0)``: the
  ``random_raw`` stream of ``numpy.random.Philox(key=[k0 * 2**32 + k1, 0])``.
"""

from __future__ import annotations

import operator

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.core import get_aval, is_tracer

from ._prims import philox_bits, threefry2x32

_U32 = np.dtype(np.uint32)
_MASK = 0xFFFFFFFF
_MAX_BLOCKS = 2 ** 32
_SPLIT, _FOLD = (np.asarray(v, _U32) for v in (1, 2))


def _describe(x):
    if is_tracer(x) or isinstance(x, np.ndarray):
        aval = get_aval(x)
        return f"an array of dtype {aval.dtype} and shape {aval.shape}"
    return f"{type(x).__name__} {x!r}"


def check_key(key, name):
    """``(k0, k1)``, the two words of ``key``, or a clear error when it is not a key."""
    fname = f"chainrule.random.{name}"
    if not ((isinstance(key, np.ndarray) or is_tracer(key)) or hasattr(key, "__array_namespace__")):
        raise TypeError(
            f"{fname}: `key` must be a key, a uint32 array of shape (2,) made by "
            f"chainrule.random.key(seed), split or fold_in; got {_describe(key)}. "
            f"Make one with key = chainrule.random.key(0) and split it for independent draws.")
    aval = get_aval(key)
    if aval.dtype != _U32 or aval.shape != (2,):
        hint = ""
        if aval.dtype == _U32 and len(aval.shape) > 1 and aval.shape[-1] == 2:
            hint = (" This looks like a batch of keys (from split): pass one key at a time, or "
                    "map over them with chainrule.vmap.")
        raise TypeError(
            f"{fname}: `key` must be a uint32 array of shape (2,) made by "
            f"chainrule.random.key(seed), split or fold_in; got {_describe(key)}.{hint}")
    return key[0], key[1]


def _static_int(v, what, name):
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"chainrule.random.{name}: `{what}` must be a Python integer known "
                        f"when the function is traced, got {_describe(v)}") from None


def key(seed):
    """A new key from an integer seed.

    Parameters
    ----------
    seed : int or integer array of shape ()
        Any integer; it is taken modulo ``2**64`` (the key holds its high and low 32-bit
        words).  An integer value traced by ``jit`` or ``vmap`` works too.

    Returns
    -------
    key : ndarray of uint32, shape (2,)
        The key; pass it to the samplers, :func:`split` it, or :func:`fold_in` data.

    Examples
    --------
    >>> import chainrule.random as random
    >>> k = random.key(42)
    >>> k
    array([ 0, 42], dtype=uint32)
    >>> random.uniform(k, (3,)).shape
    (3,)
    """
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError("chainrule.random.key: `seed` must be an integer, got a bool")
    if isinstance(seed, (int, np.integer)):
        s = int(seed) % 2 ** 64
        return np.array([s >> 32, s & _MASK], dtype=_U32)
    aval = get_aval(seed) if (isinstance(seed, np.ndarray) or is_tracer(seed)) else None
    if aval is None or aval.dtype.kind not in "iu" or aval.shape != ():
        raise TypeError(
            f"chainrule.random.key: `seed` must be an integer (or an integer array of shape "
            f"()), got {_describe(seed)}. For many seeds, map over them with chainrule.vmap.")
    s = cnp.asarray(seed).astype(np.uint64)  # two's complement: the seed modulo 2**64
    hi = (s >> np.uint64(32)).astype(_U32)
    lo = (s & np.uint64(_MASK)).astype(_U32)
    return cnp.stack([hi, lo])


PRNGKey = key


def split(key, num=2):
    """``num`` new independent keys from ``key``.

    Parameters
    ----------
    key : key
        The key to split; do not use it again for drawing afterwards.
    num : int, default 2
        How many keys.

    Returns
    -------
    keys : ndarray of uint32, shape (num, 2)
        ``keys[j]`` is the Threefry hash of the counter ``(1, j)`` under ``key``.

    Examples
    --------
    >>> import chainrule.random as random
    >>> k1, k2 = random.split(random.key(0))
    >>> bool((k1 != k2).any())
    True
    """
    k0, k1 = check_key(key, "split")
    num = _static_int(num, "num", "split")
    if not 0 <= num <= _MAX_BLOCKS:
        raise ValueError(f"chainrule.random.split: `num` must be in [0, 2**32], got {num}")
    y0, y1 = threefry2x32(k0, k1, _SPLIT, cnp.arange(num, dtype=_U32))
    return cnp.stack([y0, y1], axis=-1)


def fold_in(key, data):
    """A new key from ``key`` and an integer, for example a step or example number.

    Parameters
    ----------
    key : key
    data : int or integer array of shape ()
        Taken modulo ``2**32``; it may be a value traced by ``jit`` or ``vmap``.

    Returns
    -------
    key : ndarray of uint32, shape (2,)
        The hash of the counter ``(2, data mod 2**32)`` under ``key``.

    Examples
    --------
    >>> import chainrule.random as random
    >>> k = random.key(0)
    >>> bool((random.fold_in(k, 1) == random.fold_in(k, 1)).all())
    True
    """
    k0, k1 = check_key(key, "fold_in")
    if isinstance(data, (int, np.integer)) and not isinstance(data, (bool, np.bool_)):
        d = np.asarray(int(data) % 2 ** 32, _U32)
    else:
        aval = get_aval(data) if (isinstance(data, np.ndarray) or is_tracer(data)) else None
        if aval is None or aval.dtype.kind not in "iu" or aval.shape != ():
            raise TypeError(f"chainrule.random.fold_in: `data` must be an integer, got "
                            f"{_describe(data)}")
        d = cnp.asarray(data).astype(_U32)  # modulo 2**32
    y0, y1 = threefry2x32(k0, k1, _FOLD, d)
    return cnp.stack([y0, y1])


def as_shape(shape, name):
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"chainrule.random.{name}: `shape` must be a tuple of Python integers "
                        f"(static under jit), got {shape!r}") from None


def draw(key, n, name):
    """``n`` uniformly distributed uint64 words: the Philox stream of ``key``."""
    k0, k1 = check_key(key, name)
    return philox_bits(k0, k1, n)


def bits(key, shape=(), dtype=None):
    """Uniformly distributed random bits.

    Parameters
    ----------
    key : key
    shape : tuple of int, default ()
    dtype : uint8, uint16, uint32 (default) or uint64

    Returns
    -------
    ndarray of unsigned integers
        The words of the Philox stream of ``key``, one per element, keeping their high
        bits for the narrower types.

    Examples
    --------
    >>> import chainrule.random as random
    >>> random.bits(random.key(0), (2,)).dtype
    dtype('uint32')
    """
    shape = as_shape(shape, "bits")
    dtype = np.dtype(np.uint32 if dtype is None else dtype)
    if dtype.kind != "u":
        raise TypeError(f"chainrule.random.bits: `dtype` must be an unsigned integer type, "
                        f"got {dtype}")
    out = draw(key, int(np.prod(shape, dtype=np.int64)), "bits")
    if dtype != np.uint64:
        out = (out >> np.uint64(64 - 8 * dtype.itemsize)).astype(dtype)
    return cnp.reshape(out, shape)


def unit(key, shape, dtype, name, open_low=False):
    """Uniform floats on ``[0, 1)`` (on ``(0, 1)`` with ``open_low``), flattened.

    A float64 value is ``k / 2**53`` for the 53 high bits ``k`` of one word, a float32 value
    ``k / 2**24`` for the 24 high bits.  With ``open_low`` it is ``(k + 1/2) / 2**53`` (or
    ``/ 2**24``), which is never 0 nor 1, for logarithms and quantile functions.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise TypeError(f"chainrule.random.{name}: `dtype` must be float64 or float32, got "
                        f"{dtype}")
    bits_kept = 53 if dtype == np.float64 else 24
    w = draw(key, int(np.prod(shape, dtype=np.int64)), name)
    k = (w >> np.uint64(64 - bits_kept)).astype(dtype)  # exact: fewer than 2**53 values
    if open_low:
        k = k + dtype.type(0.5)
    return k * dtype.type(2.0 ** -bits_kept)


def key_from_rng(rng=None):
    """A key drawn from a SPEC 7 random state, for eager functions that take ``rng=``.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        As everywhere in SciPy: ``None`` draws fresh entropy from the operating system, an
        integer seeds a new ``numpy.random.Generator``, and a ``Generator`` is used (and
        advanced by one draw) as it is.

    Returns
    -------
    key : ndarray of uint32, shape (2,)

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule.random as random
    >>> k = random.key_from_rng(np.random.default_rng(0))
    >>> k.dtype, k.shape
    (dtype('uint32'), (2,))
    >>> bool((random.key_from_rng(3) == random.key_from_rng(3)).all())
    True
    """
    if isinstance(rng, (np.random.RandomState,)):
        raise TypeError("chainrule.random.key_from_rng: numpy.random.RandomState is legacy; "
                        "pass a seed or a numpy.random.Generator (SPEC 7)")
    gen = np.random.default_rng(rng)
    return gen.integers(0, 2 ** 32, size=2, dtype=np.uint64).astype(_U32)
