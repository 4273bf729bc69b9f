"""``LSTMCell``: one step of a long short-term memory unit."""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp

from ._activations import sigmoid
from ._module import Module, field
from ._rnn_util import affine, cell_parameters
from ._util import as_input, shape_error

__all__ = ["LSTMCell"]


class LSTMCell(Module):
    """One step of a long short-term memory unit, with ``torch.nn.LSTMCell``'s formulas,
    parameter names and initialisation:

    ``i, f, g, o = sigmoid(.), sigmoid(.), tanh(.), sigmoid(.)`` of ``W_ih x + b_ih + W_hh
    h + b_hh`` split in four, ``c' = f * c + i * g``, ``h' = o * tanh(c')``

    with ``weight_ih`` ``(4*hidden_size, input_size)``, ``weight_hh`` ``(4*hidden_size,
    hidden_size)``, ``bias_ih`` and ``bias_hh`` ``(4*hidden_size,)``, all uniform on
    ``[-1/sqrt(hidden_size), 1/sqrt(hidden_size)]``.

    Maps ONE example: ``cell(x, (h, c))`` with ``x`` of shape ``(input_size,)`` and ``h``,
    ``c`` of shape ``(hidden_size,)`` (zeros when the pair is omitted) returns the new
    ``(h, c)``.  Batch with ``chainrule.vmap``; run over a sequence with
    ``chainrule.lax.scan``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> cell = nn.LSTMCell(3, 4, key=0)
    >>> h, c = cell(np.ones(3))
    >>> h.shape, c.shape
    ((4,), (4,))
    >>> h2, c2 = cell(np.ones(3), (h, c))
    """

    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray | None
    bias_hh: np.ndarray | None
    input_size: int = field(static=True)
    hidden_size: int = field(static=True)

    def __init__(self, input_size, hidden_size, bias=True, *, key, dtype=np.float64):
        (self.weight_ih, self.weight_hh, self.bias_ih,
         self.bias_hh) = cell_parameters(key, input_size, hidden_size, 4, bias, dtype,
                                         "LSTMCell")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)

    def _describe(self):
        return f"LSTMCell(input_size={self.input_size}, hidden_size={self.hidden_size})"

    def __call__(self, x, hx=None):
        x = as_input(x)
        if tuple(x.shape) != (self.input_size,):
            raise shape_error(self, (self.input_size,), x.shape)
        if hx is None:
            zeros = cnp.zeros(self.hidden_size, dtype=self.weight_ih.dtype)
            h, c = zeros, zeros
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                got = (f"an array of shape {tuple(np.shape(hx))}" if hasattr(hx, "shape")
                       else type(hx).__name__)
                raise TypeError(f"{self._describe()}: hx must be the pair (h, c) of shape "
                                f"({self.hidden_size},) each, as the previous step returns "
                                f"it, or None for zeros; got {got}")
            h, c = hx
            for what, v in (("h", h), ("c", c)):
                if tuple(v.shape) != (self.hidden_size,):
                    raise shape_error(self, f"{what} of ({self.hidden_size},)", v.shape)
        n = self.hidden_size
        gates = affine(self.weight_ih, self.bias_ih, x) + affine(self.weight_hh,
                                                                 self.bias_hh, h)
        i = sigmoid(gates[:n])
        f = sigmoid(gates[n:2 * n])
        g = cnp.tanh(gates[2 * n:3 * n])
        o = sigmoid(gates[3 * n:])
        c = f * c + i * g
        return o * cnp.tanh(c), c
