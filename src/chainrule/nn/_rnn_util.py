"""Parameters shared by the recurrent cells (``GRUCell``, ``LSTMCell``)."""

from __future__ import annotations

import math

from . import init
from ._rng import split_key
from ._util import float_dtype


def cell_parameters(key, input_size, hidden_size, n_gates, bias, dtype, who):
    """PyTorch's parameters and initialisation for a recurrent cell with ``n_gates``
    stacked gates: ``weight_ih`` ``(n_gates*H, input_size)``, ``weight_hh`` ``(n_gates*H,
    H)``, ``bias_ih`` and ``bias_hh`` ``(n_gates*H,)``, all uniform on ``[-1/sqrt(H),
    1/sqrt(H)]``."""
    dtype = float_dtype(dtype)
    h = int(hidden_size)
    bound = 1.0 / math.sqrt(h) if h > 0 else 0.0
    keys = split_key(key, 4, f"{who}: key")
    w_ih = init.uniform(keys[0], (n_gates * h, int(input_size)), -bound, bound, dtype)
    w_hh = init.uniform(keys[1], (n_gates * h, h), -bound, bound, dtype)
    b_ih = init.uniform(keys[2], (n_gates * h,), -bound, bound, dtype) if bias else None
    b_hh = init.uniform(keys[3], (n_gates * h,), -bound, bound, dtype) if bias else None
    return w_ih, w_hh, b_ih, b_hh


def affine(w, b, x):
    y = w @ x
    return y if b is None else y + b
