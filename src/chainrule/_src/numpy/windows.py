"""Window functions ("Window functions" in NumPy's docs).

``bartlett``, ``blackman``, ``hamming`` and ``hanning`` depend only on the integer length
and are NumPy's own.  ``kaiser`` is differentiable in its shape parameter ``beta``.
"""

from __future__ import annotations

import numpy as np

from . import base as cnp

from ._util import concrete
from .fastpath import numpy_fast_path

bartlett, blackman, hamming, hanning = np.bartlett, np.blackman, np.hamming, np.hanning


@numpy_fast_path(np.kaiser, ("beta",))
def kaiser(M, beta):  # noqa: N803 - mirrors numpy.kaiser
    """The Kaiser window of length ``M``: ``i0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / i0(beta)``,
    differentiable in ``beta``.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.kaiser(3, 2.0)
    array([0.43867628, 1.        , 0.43867628])
    >>> round(float(cr.grad(lambda b: cnp.kaiser(3, b)[0])(2.0)), 10)
    -0.3060971911
    """
    M = int(concrete(M, "kaiser"))
    if M == 1:
        return np.ones(1, dtype=np.result_type(M, 0.0))
    n = np.arange(0, M)
    alpha = (M - 1) / 2.0
    shape = np.sqrt(1 - ((n - alpha) / alpha) ** 2.0)
    return cnp.i0(beta * shape) / cnp.i0(beta)


__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]
