"""``MultiheadAttention``: scaled dot-product attention over several heads."""

from __future__ import annotations

import math

import numpy as np

import chainrule.numpy as cnp

from . import init
from ._activations import softmax
from ._linear import Linear
from ._module import Module, field, tree_at
from ._rng import split_key
from ._util import float_dtype, layer_name

__all__ = ["MultiheadAttention"]


def _project(x, w, b):
    y = x @ cnp.swapaxes(w, 0, 1)
    return y if b is None else y + b


class MultiheadAttention(Module):
    """Multi-head attention with ``torch.nn.MultiheadAttention``'s formulas, parameter
    names and initialisation:

    ``head_h = softmax(q_h k_h^T / sqrt(d) + mask) v_h`` with ``q = query W_q^T + b_q``
    (likewise ``k``, ``v``) split in ``num_heads`` heads of size ``d = embed_dim //
    num_heads``, and ``out = concat(heads) W_o^T + b_o``.

    The projections are stacked in ``in_proj_weight`` ``(3*embed_dim, embed_dim)`` when
    the keys and values have the query's size; otherwise (``kdim`` or ``vdim`` given and
    different) they are ``q_proj_weight``, ``k_proj_weight`` and ``v_proj_weight``.
    ``in_proj_bias`` ``(3*embed_dim,)`` and ``out_proj`` (a :class:`Linear`) follow.  As in
    PyTorch the projection weights are Xavier-uniform, ``out_proj.weight`` is uniform on
    ``[-1/sqrt(embed_dim), 1/sqrt(embed_dim)]`` and the biases start at zero.

    Maps ONE example: ``query`` of shape ``(L, embed_dim)``, ``key`` ``(S, kdim)`` and
    ``value`` ``(S, vdim)`` (both default to ``query``: self-attention), as PyTorch does
    for unbatched inputs; batch with ``chainrule.vmap`` (the layout of
    ``batch_first=True``).  Returns ``(output, weights)``: ``output`` ``(L, embed_dim)``
    and the attention weights, ``(L, S)`` averaged over the heads
    (``average_attn_weights=True``) or ``(num_heads, L, S)``, or None when
    ``need_weights=False``.

    ``attn_mask`` ``(L, S)`` or ``(num_heads, L, S)`` and ``key_padding_mask`` ``(S,)``
    are boolean (True: the position may not be attended to) or float (added to the
    scores).  ``is_causal=True`` without ``attn_mask`` builds the causal mask (query ``i``
    sees keys ``j <= i``); PyTorch asks for the mask itself.  A query that may attend to
    nothing gets NaN, as in PyTorch.  There is no attention dropout, ``bias_k``/``bias_v``
    or ``add_zero_attn``.

    Parameters
    ----------
    embed_dim, num_heads : int
    bias : bool
        Biases of the input and output projections.
    kdim, vdim : int, optional
        Sizes of the keys and values (``embed_dim`` by default).
    key : int, numpy.random.Generator or random key
        Draws the initial weights (keyword only, required).
    dtype : dtype

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn
    >>> mha = nn.MultiheadAttention(8, 2, key=0)
    >>> x = np.random.default_rng(0).normal(size=(5, 8))
    >>> out, w = mha(x)
    >>> out.shape, w.shape, np.allclose(w.sum(axis=-1), 1.0)
    ((5, 8), (5, 5), True)
    >>> out, _ = cr.vmap(lambda x: mha(x, need_weights=False))(np.ones((3, 5, 8)))
    >>> out.shape
    (3, 5, 8)
    """

    in_proj_weight: np.ndarray | None
    q_proj_weight: np.ndarray | None
    k_proj_weight: np.ndarray | None
    v_proj_weight: np.ndarray | None
    in_proj_bias: np.ndarray | None
    out_proj: Linear
    embed_dim: int = field(static=True)
    num_heads: int = field(static=True)
    kdim: int = field(static=True)
    vdim: int = field(static=True)

    def __init__(self, embed_dim, num_heads, bias=True, kdim=None, vdim=None, *, key,
                 dtype=np.float64):
        dtype = float_dtype(dtype)
        e = int(embed_dim)
        if num_heads < 1 or e % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({e}) must be divisible by "
                             f"num_heads ({num_heads})")
        self.embed_dim, self.num_heads = e, int(num_heads)
        self.kdim = e if kdim is None else int(kdim)
        self.vdim = e if vdim is None else int(vdim)
        k_in, k_q, k_k, k_v, k_out = split_key(key, 5, "MultiheadAttention: key")
        if self.kdim == e and self.vdim == e:
            self.in_proj_weight = init.xavier_uniform(k_in, (3 * e, e), dtype=dtype)
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.in_proj_weight = None
            self.q_proj_weight = init.xavier_uniform(k_q, (e, e), dtype=dtype)
            self.k_proj_weight = init.xavier_uniform(k_k, (e, self.kdim), dtype=dtype)
            self.v_proj_weight = init.xavier_uniform(k_v, (e, self.vdim), dtype=dtype)
        self.in_proj_bias = np.zeros(3 * e, dtype) if bias else None
        out = Linear(e, e, bias=bias, key=k_out, dtype=dtype)
        # PyTorch keeps Linear's weight init for out_proj but zeroes its bias
        self.out_proj = out if not bias else tree_at(lambda m: m.bias, out,
                                                     np.zeros(e, dtype))

    def _describe(self):
        return f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})"

    def __call__(self, query, key=None, value=None, *, key_padding_mask=None,
                 need_weights=True, attn_mask=None, average_attn_weights=True,
                 is_causal=False):
        key = query if key is None else key
        value = key if value is None else value
        e, h = self.embed_dim, self.num_heads
        name = layer_name(self)
        if query.ndim != 2 or query.shape[1] != e:
            raise ValueError(f"{name} expects a query of shape (L, {e}), got "
                             f"{tuple(query.shape)}. It maps one example; batch with "
                             "chainrule.vmap.")
        if key.ndim != 2 or key.shape[1] != self.kdim or value.ndim != 2 or \
                value.shape[1] != self.vdim or key.shape[0] != value.shape[0]:
            raise ValueError(f"{name} expects key (S, {self.kdim}) and value "
                             f"(S, {self.vdim}), got {tuple(key.shape)} and "
                             f"{tuple(value.shape)}")
        n_q, n_k = query.shape[0], key.shape[0]
        if self.in_proj_weight is not None:
            wq, wk, wv = (self.in_proj_weight[:e], self.in_proj_weight[e:2 * e],
                          self.in_proj_weight[2 * e:])
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        d = e // h

        def heads(x, n):  # (n, e) -> (h, n, d)
            return cnp.swapaxes(cnp.reshape(x, (n, h, d)), 0, 1)

        q = heads(_project(query, wq, bq), n_q)
        k = heads(_project(key, wk, bk), n_k)
        v = heads(_project(value, wv, bv), n_k)
        scores = (q @ cnp.swapaxes(k, 1, 2)) / math.sqrt(d)
        if attn_mask is None and is_causal:
            attn_mask = np.triu(np.ones((n_q, n_k), bool), 1)
        for mask, shape in ((attn_mask, None), (key_padding_mask, (n_k,))):
            if mask is None:
                continue
            if shape is not None and tuple(mask.shape) != shape:
                raise ValueError(f"{name}: key_padding_mask must have shape {shape}, got "
                                 f"{tuple(mask.shape)}")
            if np.dtype(mask.dtype) == np.bool_:
                scores = cnp.where(mask, -np.inf, scores)
            else:
                scores = scores + mask
        weights = softmax(scores, axis=-1)
        out = cnp.reshape(cnp.swapaxes(weights @ v, 0, 1), (n_q, e))
        out = _project(out, self.out_proj.weight, self.out_proj.bias)
        if not need_weights:
            return out, None
        return out, cnp.mean(weights, axis=0) if average_attn_weights else weights
