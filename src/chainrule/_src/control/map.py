"""``map``: a function applied to each slice of an array, as a ``scan`` without carry."""

from __future__ import annotations

from .scan import scan


def map(f, xs):  # noqa: A001 - mirrors jax.lax.map
    """Apply ``f`` to each slice of ``xs`` along its leading axis and stack the results.

    Examples
    --------
    >>> import numpy as np, chainrule.lax as lax
    >>> lax.map(lambda x: x * 2, np.arange(3.0))
    array([0., 2., 4.])
    """
    return scan(lambda c, x: (c, f(x)), None, xs)[1]
