"""``Dropout``: zero entries at random while training."""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp
from chainrule import random

from ._module import Module, field

__all__ = ["Dropout"]


def _dropout_key(key):
    """A ``chainrule.random`` key for ``key``: a key as is (concrete or traced), an integer
    seed (a Python int or an integer array of shape (), traced too) through
    ``random.key``, a ``numpy.random.Generator`` through one draw of it."""
    if isinstance(key, (bool, np.bool_)):
        raise TypeError("Dropout: key must be an int seed, a chainrule.random key or a "
                        "numpy.random.Generator, got a bool")
    if isinstance(key, np.random.Generator):
        return random.key_from_rng(key)
    if isinstance(key, (int, np.integer)):
        if key < 0:
            raise ValueError(f"Dropout: a seed must be non-negative, got {key}")
        return random.key(int(key))
    shape, dtype = getattr(key, "shape", None), getattr(key, "dtype", None)
    if dtype is not None and np.dtype(dtype).kind in "iu" and tuple(shape) == ():
        return random.key(key)
    if dtype is not None and np.dtype(dtype) == np.uint32 and tuple(shape) == (2,):
        return key
    raise TypeError(
        f"Dropout: key must be an int seed (a Python int or an integer array of shape ()), "
        f"a chainrule.random key (uint32, shape (2,)) or a numpy.random.Generator; got "
        f"{type(key).__name__}"
        + (f" of dtype {np.dtype(dtype)} and shape {tuple(shape)}" if dtype is not None
           else "") + ".")


class Dropout(Module):
    """While training, zero each entry with probability ``p`` and scale the others by
    ``1 / (1 - p)`` (PyTorch's inverted dropout); in inference mode, the identity.

    ``inference`` set at construction can be overridden per call.  Training mode needs
    ``key=``: a :mod:`chainrule.random` key, an integer seed (turned into one with
    ``chainrule.random.key``) or a ``numpy.random.Generator`` (one draw of it makes the
    key).  The mask is ``chainrule.random.bernoulli(key, 1 - p, x.shape)``, a pure function
    of the key, so the same key gives the same mask eagerly, under ``jit`` and under
    ``vmap``, and a traced key or seed (one passed through ``jit``, or a new one per step
    in the batch of :func:`chainrule.nn.fit`) works.  Pass a new key at every step
    (``chainrule.random.fold_in(key, step)``).  Dropout takes an array of any shape: call
    it on a whole batch, or under ``vmap`` map over keys too (``vmap(f)(xs,
    random.split(key, n))``); with one unmapped key every example gets the same mask.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn, random
    >>> drop = nn.Dropout(0.5)
    >>> y = drop(np.ones(1000), key=random.key(0))
    >>> sorted(set(y.tolist())), bool(400 < (y == 0).sum() < 600)
    ([0.0, 2.0], True)
    >>> bool((drop(np.ones(1000), key=0) == y).all())   # an int seed is random.key(seed)
    True
    >>> drop(np.ones(3), inference=True)
    array([1., 1., 1.])
    """

    p: float = field(static=True)
    inference: bool = field(static=True)

    def __init__(self, p=0.5, inference=False):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.inference = bool(inference)

    def __call__(self, x, *, key=None, inference=None):
        inference = self.inference if inference is None else inference
        if inference or self.p == 0.0:
            return x
        if key is None:
            raise TypeError("Dropout in training mode needs key= (a chainrule.random key or "
                            "an int seed); pass inference=True to switch it off")
        key = _dropout_key(key)
        if self.p == 1.0:
            return x * 0.0
        keep = random.bernoulli(key, 1.0 - self.p, tuple(x.shape))
        scale = np.asarray(1.0 / (1.0 - self.p), dtype=x.dtype)
        return cnp.where(keep, x * scale, cnp.zeros_like(x))
