"""Random keys for initialisers: ``key=`` may be an int seed, a ``numpy.random.Generator``,
a ``numpy.random.SeedSequence``, an array of non-negative integers (raw key data: a
``chainrule.random`` key, uint32 of shape (2,), lands here and seeds deterministically with
its two words), or any object with a ``__seed_sequence__()`` method returning a
``numpy.random.SeedSequence``.

Independent sub-streams are derived by ``SeedSequence.spawn``, so a layer built from
``key=0`` always gets the same weights, and its sub-layers never share a stream.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rng_from_key", "split_key"]


def _seed_sequence(key, who="key"):
    if isinstance(key, np.random.SeedSequence):
        return key
    if isinstance(key, (bool, np.bool_)):
        raise TypeError(f"{who} must be an int seed or a numpy.random.Generator, got a bool")
    if isinstance(key, (int, np.integer)):
        if key < 0:
            raise ValueError(f"{who}: a seed must be non-negative, got {key}")
        return np.random.SeedSequence(int(key))
    hook = getattr(key, "__seed_sequence__", None)
    if hook is not None:
        return hook()
    if isinstance(key, np.ndarray) and key.dtype.kind in "iu" and key.size and \
            (key >= 0).all():
        return np.random.SeedSequence([int(v) for v in key.ravel()])
    if hasattr(key, "shape") and hasattr(key, "dtype") and not isinstance(key, np.ndarray):
        raise TypeError(
            f"{who} is a traced value ({type(key).__name__}): keys seed NumPy's generator "
            "eagerly, so they must be concrete. Under jit pass the seed as a static argument "
            "(jit(..., static_argnums=...)), or run without jit (nn.fit(..., jit=False)).")
    raise TypeError(
        f"{who} must be an int seed, a numpy.random.Generator or SeedSequence, or a random "
        f"key; got {type(key).__name__}. Layers need it to draw their initial weights, e.g. "
        f"nn.Linear(3, 2, key=0).")


def rng_from_key(key, who="key") -> np.random.Generator:
    """A ``numpy.random.Generator`` for ``key`` (a Generator is returned as is)."""
    if isinstance(key, np.random.Generator):
        return key
    return np.random.default_rng(_seed_sequence(key, who))


def split_key(key, n, who="key") -> list:
    """``n`` independent Generators derived deterministically from ``key``.

    For a Generator this spawns children (advancing its spawn counter, as
    ``Generator.spawn`` does): the draws are reproducible from the Generator's seed.
    """
    if isinstance(key, np.random.Generator):
        return key.spawn(n)
    return [np.random.default_rng(s) for s in _seed_sequence(key, who).spawn(n)]
