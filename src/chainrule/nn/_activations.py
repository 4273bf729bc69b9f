"""Activation functions, elementwise (softmax/log_softmax along an axis), with PyTorch's
formulas and defaults.  Each works on arrays of any shape and under every transform.

At a kink (``relu`` and ``leaky_relu`` at 0) the derivative is that of the branch for
``x <= 0``, as in PyTorch.
"""

from __future__ import annotations

import math

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.scipy.special import erf

__all__ = ["relu", "gelu", "silu", "swish", "softplus", "tanh", "sigmoid", "elu",
           "leaky_relu", "softmax", "log_softmax", "identity"]


def identity(x):
    """``x`` unchanged."""
    return x


def relu(x):
    """``max(x, 0)``; derivative 0 at 0, and NaN stays NaN (as in PyTorch and JAX).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """
    # A 0-d zero of x's dtype: no array of zeros the size of x (a conv layer's output).
    # The test is ``x <= 0`` so that a NaN, for which every comparison is false, passes.
    return cnp.where(x <= 0, cnp.zeros((), cnp.result_type(x)), x)


def leaky_relu(x, negative_slope=0.01):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise."""
    return cnp.where(x > 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    # expm1 only sees non-positive values: no overflow in the branch that is not taken,
    # which would otherwise poison the gradient with inf * 0.
    return cnp.where(x > 0, x, alpha * cnp.expm1(cnp.minimum(x, 0.0)))


def sigmoid(x):
    """``1 / (1 + exp(-x))``, computed as ``(1 + tanh(x / 2)) / 2`` (no overflow)."""
    return 0.5 * (1.0 + cnp.tanh(0.5 * x))


def tanh(x):
    """Hyperbolic tangent."""
    return cnp.tanh(x)


def silu(x):
    """``x * sigmoid(x)`` (also called swish)."""
    return x * sigmoid(x)


swish = silu


def softplus(x, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold`` (PyTorch's
    defaults: ``beta=1``, ``threshold=20``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> bool(float(nn.softplus(np.array(0.0))) == np.log(2.0))
    True
    """
    bx = beta * x
    return cnp.where(bx > threshold, x, cnp.logaddexp(0.0, bx) / beta)


def gelu(x, approximate="none"):
    """Gaussian error linear unit: ``x * Phi(x)`` with ``Phi`` the standard normal CDF,
    ``0.5 * x * (1 + erf(x / sqrt(2)))``; ``approximate="tanh"`` gives
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))`` (PyTorch's two modes).

    The exact form uses :func:`chainrule.scipy.special.erf`, so its derivatives of every
    order are exact; the tanh form is within 1e-3 of it.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import ndtr
    >>> from chainrule import nn
    >>> x = np.array([-1.0, 0.0, 2.0])
    >>> bool(np.allclose(nn.gelu(x), x * ndtr(x), rtol=1e-15, atol=0))
    True
    >>> float(nn.gelu(np.array(0.0), approximate="tanh"))
    0.0
    """
    if approximate == "tanh":
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + cnp.tanh(c * (x + 0.044715 * x ** 3)))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))


def _shifted(x, axis):
    # Subtracting the (constant) max changes neither value nor derivative of softmax;
    # stop_gradient keeps the max's own derivative (ill-defined at ties) out of it.
    return x - cr.stop_gradient(cnp.max(x, axis=axis, keepdims=True))


def log_softmax(x, axis=-1):
    """``x - logsumexp(x, axis)``, computed stably.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> np.exp(nn.log_softmax(np.array([1.0, 1.0]))).tolist()
    [0.5, 0.5]
    """
    z = _shifted(x, axis)
    return z - cnp.log(cnp.sum(cnp.exp(z), axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x), axis)``, computed stably."""
    e = cnp.exp(_shifted(x, axis))
    return e / cnp.sum(e, axis=axis, keepdims=True)
