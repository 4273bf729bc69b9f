"""Weight initialisers with PyTorch's formulas (``torch.nn.init``), as pure functions
``init(key, shape, ..., dtype=float64) -> numpy.ndarray``.

``key`` is an int seed, a ``numpy.random.Generator`` or a random key (see ``chainrule.nn``).
Fans follow PyTorch: for a weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)``
and ``fan_out = out * prod(kernel)``.

Examples
--------
>>> from chainrule.nn import init
>>> w = init.xavier_uniform(0, (3, 4))
>>> w.shape, bool(abs(w).max() <= (6 / 7) ** 0.5)
((3, 4), True)
"""

from __future__ import annotations

import math

import numpy as np

from ._rng import rng_from_key, split_key

__all__ = ["calculate_gain", "constant", "glorot_normal", "glorot_uniform", "he_normal",
           "he_uniform", "kaiming_normal", "kaiming_uniform", "normal", "ones", "orthogonal",
           "uniform", "xavier_normal", "xavier_uniform", "zeros", "fan_in_uniform"]


def _shape(shape):
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)


def _fans(shape):
    shape = _shape(shape)
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 dimensions, got "
                         f"shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity, param=None):
    """PyTorch's recommended gain: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for
    relu, ``sqrt(2 / (1 + slope**2))`` for leaky_relu (slope 0.01 by default), 3/4 for selu.

    Examples
    --------
    >>> from chainrule.nn import init
    >>> init.calculate_gain("relu") == 2 ** 0.5
    True
    """
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def zeros(key, shape, dtype=np.float64):
    """All zeros (``key`` is ignored; it is there so every initialiser has one signature)."""
    return np.zeros(_shape(shape), dtype)


def ones(key, shape, dtype=np.float64):
    """All ones (``key`` is ignored)."""
    return np.ones(_shape(shape), dtype)


def constant(key, shape, value, dtype=np.float64):
    """Every entry equal to ``value`` (``key`` is ignored)."""
    return np.full(_shape(shape), value, dtype)


def uniform(key, shape, a=0.0, b=1.0, dtype=np.float64):
    """Uniform on ``[a, b)``."""
    return rng_from_key(key).uniform(a, b, _shape(shape)).astype(dtype)


def fan_in_uniform(key, weight_shape, fan_in, bias_shape=None, dtype=np.float64, who="layer"):
    """PyTorch's default parameters of a convolution: ``weight`` and ``bias`` (None when
    ``bias_shape`` is None) uniform on ``[-1/sqrt(fan_in), 1/sqrt(fan_in))``, from two
    streams of ``key``."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
    kw, kb = split_key(key, 2, f"{who}: key")
    weight = uniform(kw, weight_shape, -bound, bound, dtype)
    bias = uniform(kb, bias_shape, -bound, bound, dtype) if bias_shape is not None else None
    return weight, bias


def normal(key, shape, mean=0.0, std=1.0, dtype=np.float64):
    """Normal with the given mean and standard deviation."""
    return (mean + std * rng_from_key(key).standard_normal(_shape(shape))).astype(dtype)


def xavier_uniform(key, shape, gain=1.0, dtype=np.float64):
    """Glorot uniform: ``U(-b, b)``, ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(key, shape, -bound, bound, dtype)


def xavier_normal(key, shape, gain=1.0, dtype=np.float64):
    """Glorot normal: ``N(0, std**2)``, ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(shape)
    return normal(key, shape, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), dtype)


def _kaiming_std(shape, a, mode, nonlinearity):
    fan_in, fan_out = _fans(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        return 0.0  # a zero-size weight: nothing to draw (PyTorch leaves it as is)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform(key, shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu",
                    dtype=np.float64):
    """He uniform: ``U(-b, b)``, ``b = sqrt(3) * gain / sqrt(fan)`` (PyTorch's defaults:
    ``a=0``, ``mode="fan_in"``, ``nonlinearity="leaky_relu"``)."""
    bound = math.sqrt(3.0) * _kaiming_std(shape, a, mode, nonlinearity)
    return uniform(key, shape, -bound, bound, dtype)


def kaiming_normal(key, shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu",
                   dtype=np.float64):
    """He normal: ``N(0, std**2)``, ``std = gain / sqrt(fan)``."""
    return normal(key, shape, 0.0, _kaiming_std(shape, a, mode, nonlinearity), dtype)


def orthogonal(key, shape, gain=1.0, dtype=np.float64):
    """A (semi-)orthogonal matrix, scaled by ``gain``; dimensions after the first are
    flattened, as in PyTorch (QR of a Gaussian matrix with the signs of R's diagonal fixed).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.nn import init
    >>> q = init.orthogonal(0, (3, 3))
    >>> np.allclose(q @ q.T, np.eye(3))
    True
    """
    shape = _shape(shape)
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs at least 2 dimensions, got shape {shape}")
    rows = shape[0]
    cols = math.prod(shape[1:])
    flat = rng_from_key(key).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(dtype)


glorot_uniform, glorot_normal = xavier_uniform, xavier_normal
he_uniform, he_normal = kaiming_uniform, kaiming_normal
