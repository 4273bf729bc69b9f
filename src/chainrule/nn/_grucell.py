"""``GRUCell``: one step of a gated recurrent unit."""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp

from ._activations import sigmoid
from ._module import Module, field
from ._rnn_util import affine, cell_parameters
from ._util import as_input, shape_error

__all__ = ["GRUCell"]


class GRUCell(Module):
    """One step of a gated recurrent unit, with ``torch.nn.GRUCell``'s formulas, parameter
    names and initialisation:

    ``r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)``, ``z = sigmoid(W_iz x + b_iz + W_hz h +
    b_hz)``, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``

    with the gates stacked in the order ``r, z, n`` in ``weight_ih`` ``(3*hidden_size,
    input_size)``, ``weight_hh`` ``(3*hidden_size, hidden_size)``, ``bias_ih`` and
    ``bias_hh`` ``(3*hidden_size,)``, all uniform on ``[-1/sqrt(hidden_size),
    1/sqrt(hidden_size)]``.

    Maps ONE example: ``cell(x, h)`` with ``x`` of shape ``(input_size,)`` and ``h`` of
    shape ``(hidden_size,)`` (zeros when omitted) returns the new ``h``.  Batch with
    ``chainrule.vmap``; run over a sequence with ``chainrule.lax.scan``.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn
    >>> cell = nn.GRUCell(3, 4, key=0)
    >>> cell(np.ones(3)).shape
    (4,)
    >>> xs = np.ones((10, 3))    # a sequence of 10 steps
    >>> h, hs = cr.lax.scan(lambda h, x: (cell(x, h), cell(x, h)), np.zeros(4), xs)
    >>> hs.shape
    (10, 4)
    """

    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray | None
    bias_hh: np.ndarray | None
    input_size: int = field(static=True)
    hidden_size: int = field(static=True)

    def __init__(self, input_size, hidden_size, bias=True, *, key, dtype=np.float64):
        (self.weight_ih, self.weight_hh, self.bias_ih,
         self.bias_hh) = cell_parameters(key, input_size, hidden_size, 3, bias, dtype,
                                         "GRUCell")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)

    def _describe(self):
        return f"GRUCell(input_size={self.input_size}, hidden_size={self.hidden_size})"

    def __call__(self, x, h=None):
        x = as_input(x)
        if tuple(x.shape) != (self.input_size,):
            raise shape_error(self, (self.input_size,), x.shape)
        if h is None:
            h = cnp.zeros(self.hidden_size, dtype=self.weight_ih.dtype)
        elif tuple(h.shape) != (self.hidden_size,):
            raise shape_error(self, f"h of ({self.hidden_size},)", h.shape)
        n = self.hidden_size
        gi = affine(self.weight_ih, self.bias_ih, x)
        gh = affine(self.weight_hh, self.bias_hh, h)
        r = sigmoid(gi[:n] + gh[:n])
        z = sigmoid(gi[n:2 * n] + gh[n:2 * n])
        new = cnp.tanh(gi[2 * n:] + r * gh[2 * n:])
        return (1.0 - z) * new + z * h
