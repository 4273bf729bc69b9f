"""``Embedding``: a lookup table."""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp

from . import init
from ._module import Module, field
from ._rng import rng_from_key
from ._util import float_dtype, layer_name

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``; calling it with
    integer indices of any shape returns ``weight[indices]`` (shape ``indices.shape +
    (embedding_dim,)``).  ``weight`` starts standard normal, as in PyTorch.

    The lookup is a gather (``chainrule.numpy.take``): its memory and time grow with the
    number of indices, not with ``num_embeddings``, under ``jit`` and ``vmap`` too, and
    its gradient scatter-adds into the rows looked up.  Concrete (NumPy) indices are
    checked against the table size up front; traced indices (under ``jit`` or ``vmap``)
    cannot be, so an index past the end raises ``IndexError`` when the compiled code runs
    and a negative one counts from the end, as in NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> emb = nn.Embedding(10, 3, key=0)
    >>> emb(np.array([1, 4])).shape
    (2, 3)
    >>> bool((emb(np.array(4)) == emb.weight[4]).all())
    True
    """

    weight: np.ndarray
    num_embeddings: int = field(static=True)
    embedding_dim: int = field(static=True)

    def __init__(self, num_embeddings, embedding_dim, *, key=None, weight=None,
                 dtype=np.float64):
        if weight is None:
            if key is None:
                raise TypeError("Embedding needs key= to draw its table (or weight=)")
            weight = init.normal(rng_from_key(key, "Embedding: key"),
                                 (num_embeddings, embedding_dim), dtype=float_dtype(dtype))
        elif tuple(weight.shape) != (num_embeddings, embedding_dim):
            raise ValueError(f"Embedding: weight has shape {tuple(weight.shape)}, expected "
                             f"({num_embeddings}, {embedding_dim})")
        self.weight = weight
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)

    def _describe(self):
        return (f"Embedding(num_embeddings={self.num_embeddings}, "
                f"embedding_dim={self.embedding_dim})")

    def __call__(self, indices):
        dtype = np.dtype(indices.dtype if hasattr(indices, "dtype") else np.asarray(indices).dtype)
        if dtype.kind not in "iu":
            raise TypeError(f"{layer_name(self)} takes integer indices, got dtype {dtype}")
        if isinstance(indices, (np.ndarray, np.integer, int)):
            idx = np.asarray(indices)
            if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
                raise IndexError(f"{layer_name(self)}: indices must lie in [0, "
                                 f"{self.num_embeddings}), got values from {idx.min()} to "
                                 f"{idx.max()}")
            indices = idx
        return cnp.take(self.weight, indices, axis=0)
