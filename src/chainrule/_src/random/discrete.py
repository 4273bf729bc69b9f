"""Samplers with integer or boolean values, and random orderings.

Their values carry no derivative (they are integers, or selections of the input): the
functions work under ``grad`` (the result is simply not differentiated in the
probabilities), ``jit`` and ``vmap``.
"""

from __future__ import annotations

import operator

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.core import get_aval
from chainrule._src.lax.indexing import getitem

from . import keys as _keys
from ._prims import binomial_quantile, poisson_quantile
from .continuous import out_shape


def _take(x, idx, axis):
    # ``numpy.take`` with indices that may be traced: ``chainrule.numpy.take`` needs
    # concrete indices, the gather primitive does not.
    return getitem(x, (slice(None),) * axis + (idx,))


def _int_dtype(dtype, name):
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"chainrule.random.{name}: `dtype` must be an integer type, got {dt}")
    return dt


def _unit(key, shape, name, open_low=False):
    return cnp.reshape(_keys.unit(key, shape, np.float64, name, open_low=open_low), shape)


def bernoulli(key, p=0.5, shape=None):
    """Booleans that are True with probability ``p`` (``u < p``).

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.bernoulli(random.key(0), 0.3, (100_000,))
    >>> x.dtype, bool(abs(x.mean() - 0.3) < 0.01)
    (dtype('bool'), True)
    """
    shape = out_shape(shape, "bernoulli", p)
    return _unit(key, shape, "bernoulli") < p


def randint(key, shape, minval, maxval, dtype=None):
    """Integers drawn uniformly from ``[minval, maxval)``.

    Parameters
    ----------
    key : key
    shape : tuple of int
    minval, maxval : int or integer array_like
        Bounds, broadcast to ``shape``; spans up to ``2**53`` are exact.
    dtype : integer type, default int64

    Returns
    -------
    ndarray
        ``minval + floor(u * (maxval - minval))`` with a 53-bit uniform ``u``: the bias is
        below ``(maxval - minval) / 2**53``.

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.randint(random.key(0), (10_000,), 0, 6)
    >>> sorted(set(x.tolist()))
    [0, 1, 2, 3, 4, 5]
    """
    dtype = _int_dtype(dtype, "randint")
    shape = out_shape(shape, "randint", minval, maxval)
    lo = cnp.asarray(minval, dtype=np.float64)
    hi = cnp.asarray(maxval, dtype=np.float64)
    span = hi - lo
    k = cnp.floor(_unit(key, shape, "randint") * span)
    k = cnp.minimum(k, span - 1)  # rounding of u * span can reach span
    return (cnp.asarray(minval).astype(np.int64) + k.astype(np.int64)).astype(dtype)


def poisson(key, lam, shape=None, dtype=None):
    """Poisson samples with rate ``lam``.

    The sample is the Poisson quantile of a 53-bit uniform (``scipy.special.pdtrik``
    stepped to the exact integer), a bounded computation for any ``lam``, so it runs under
    ``jit`` and ``vmap``.

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.poisson(random.key(0), 4.0, (100_000,))
    >>> bool(abs(x.mean() - 4.0) < 0.03 and abs(x.var() - 4.0) < 0.1)
    True
    """
    dtype = _int_dtype(dtype, "poisson")
    shape = out_shape(shape, "poisson", lam)
    lam = cnp.asarray(lam, dtype=np.float64)
    return poisson_quantile(_unit(key, shape, "poisson", open_low=True), lam).astype(dtype)


def binomial(key, n, p, shape=None, dtype=None):
    """Binomial samples: successes in ``n`` trials of probability ``p``.

    The sample is the binomial quantile of a 53-bit uniform (``scipy.special.bdtrik``
    stepped to the exact integer).  The result is an integer array (JAX returns floats).

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.binomial(random.key(0), 10, 0.3, (100_000,))
    >>> bool(abs(x.mean() - 3.0) < 0.03)
    True
    """
    dtype = _int_dtype(dtype, "binomial")
    shape = out_shape(shape, "binomial", n, p)
    n = cnp.asarray(n, dtype=np.float64)
    p = cnp.asarray(p, dtype=np.float64)
    return binomial_quantile(_unit(key, shape, "binomial", open_low=True), n, p).astype(dtype)


def _gumbel(key, shape, name):
    return -cnp.log(-cnp.log(_unit(key, shape, name, open_low=True)))


def categorical(key, logits, axis=-1, shape=None):
    """Category indices drawn with probabilities ``softmax(logits)`` along ``axis``.

    Parameters
    ----------
    key : key
    logits : array_like
        Unnormalized log-probabilities (``-inf`` for impossible categories).
    axis : int, default -1
        The axis of the categories.
    shape : tuple of int, optional
        Output shape; defaults to the shape of ``logits`` without ``axis``, to which that
        shape must broadcast.

    Returns
    -------
    ndarray of int64
        ``argmax(logits + g)`` for independent standard Gumbel ``g`` (the Gumbel-max trick).

    Examples
    --------
    >>> import numpy as np, chainrule.random as random
    >>> x = random.categorical(random.key(0), np.log([0.2, 0.8]), shape=(100_000,))
    >>> bool(abs(x.mean() - 0.8) < 0.01)
    True
    """
    logits = cnp.asarray(logits)
    lshape = get_aval(logits).shape
    if not lshape:
        raise ValueError("chainrule.random.categorical: `logits` must have at least one axis")
    ax = operator.index(axis) % len(lshape)
    batch = lshape[:ax] + lshape[ax + 1:]
    shape = _keys.as_shape(shape, "categorical")
    if shape is None:
        shape = batch
    elif np.broadcast_shapes(shape, batch) != shape:
        raise ValueError(f"chainrule.random.categorical: `logits` without the category axis "
                         f"has shape {batch}, which does not broadcast to `shape` {shape}")
    # Insert the category axis where it sits in logits, counted from the end.
    pos = len(shape) - (len(batch) - ax)
    noise_shape = shape[:pos] + (lshape[ax],) + shape[pos:]
    expanded = cnp.expand_dims(cnp.moveaxis(logits, ax, -1), tuple(range(len(shape) - len(batch))))
    expanded = cnp.moveaxis(expanded, -1, pos)
    return cnp.argmax(expanded + _gumbel(key, noise_shape, "categorical"), axis=pos)


def permutation(key, x, axis=0, independent=False):
    """A random permutation of ``range(x)``, or of ``x`` along ``axis``.

    Parameters
    ----------
    key : key
    x : int or array_like
    axis : int, default 0
    independent : bool, default False
        Permute each slice along ``axis`` independently.

    Returns
    -------
    ndarray
        The order is that of 53-bit uniform sort keys (stable, so ties, which have
        probability below ``n**2 / 2**54``, keep their order).

    Examples
    --------
    >>> import chainrule.random as random
    >>> sorted(random.permutation(random.key(0), 5).tolist())
    [0, 1, 2, 3, 4]
    """
    if isinstance(x, (int, np.integer)):
        return cnp.argsort(_unit(key, (int(x),), "permutation"), kind="stable")
    x = cnp.asarray(x)
    xshape = get_aval(x).shape
    if not xshape:
        raise ValueError("chainrule.random.permutation: `x` must be an integer or have at "
                         "least one axis")
    ax = operator.index(axis) % len(xshape)
    if independent:
        order = cnp.argsort(_unit(key, xshape, "permutation"), axis=ax, kind="stable")
        grid = tuple(order if d == ax else
                     np.arange(n).reshape([-1 if e == d else 1 for e in range(len(xshape))])
                     for d, n in enumerate(xshape))
        return getitem(x, grid)
    order = cnp.argsort(_unit(key, (xshape[ax],), "permutation"), kind="stable")
    return _take(x, order, ax)


def choice(key, a, shape=(), replace=True, p=None, axis=0):
    """Random elements of ``a`` (or of ``range(a)``) along ``axis``.

    Parameters
    ----------
    key : key
    a : int or array_like
    shape : tuple of int, default ()
        Number of draws, as a shape.
    replace : bool, default True
        Draw with replacement.
    p : array_like, optional
        Probabilities of the elements (uniform when None).
    axis : int, default 0

    Returns
    -------
    ndarray
        With replacement: uniform indices (:func:`randint`), or categorical ones with
        logits ``log p``.  Without: the first draws of a random order (weighted: by the
        Gumbel top-k trick, which draws successively without replacement proportionally to
        ``p``).

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.choice(random.key(0), 10, (5,), replace=False)
    >>> len(set(x.tolist()))
    5
    """
    shape = _keys.as_shape(shape, "choice")
    if isinstance(a, (int, np.integer)):
        n, arr = int(a), None
    else:
        arr = cnp.asarray(a)
        ashape = get_aval(arr).shape
        if not ashape:
            raise ValueError("chainrule.random.choice: `a` must be an integer or have at least "
                             "one axis")
        axis = operator.index(axis) % len(ashape)
        n = ashape[axis]
    size = int(np.prod(shape, dtype=np.int64))
    if replace:
        if p is None:
            idx = randint(key, shape, 0, n)
        else:
            idx = categorical(key, cnp.log(cnp.asarray(p, dtype=np.float64)), shape=shape)
    else:
        if size > n:
            raise ValueError(f"chainrule.random.choice: cannot draw {size} elements without "
                             f"replacement from {n}")
        if p is None:
            scores = _unit(key, (n,), "choice")
        else:
            scores = -(cnp.log(cnp.asarray(p, dtype=np.float64)) + _gumbel(key, (n,), "choice"))
        idx = cnp.reshape(cnp.argsort(scores, kind="stable")[:size], shape)
    if arr is None:
        return idx
    return _take(arr, idx, axis)
