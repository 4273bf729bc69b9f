"""``DataLoader``: mini-batches over arrays in memory or over Dask arrays, chunk by chunk."""

from __future__ import annotations

import math

import numpy as np

from chainrule.tree_util import tree_flatten, tree_unflatten

__all__ = ["DataLoader", "train_val_split"]


def _is_dask(x):
    # Recognised by its type's module, so that Dask stays an optional dependency.
    return type(x).__module__.startswith("dask.") and hasattr(x, "chunks")


class DataLoader:
    """Mini-batches over a pytree of arrays that share their first dimension.

    Iterating gives one epoch of batches (each a pytree like ``data``, of NumPy arrays);
    iterate again for the next epoch.  With ``shuffle=True`` every epoch draws a new order
    from ``rng`` (an int seed or a ``numpy.random.Generator``, fixed at construction: the
    same seed gives the same sequence of epochs).

    **Dask arrays** (any of the leaves, mixed freely with NumPy arrays) are read one chunk
    of rows at a time, never as a whole: each load computes ``chunks_per_load`` chunks
    along axis 0 (of every Dask leaf at once, so a graph they share is computed once),
    cuts them into batches, and carries the rows left over into the next load, so batches
    have ``batch_size`` rows wherever the chunk boundaries fall and ``len(loader)`` is the
    same as for the data in memory.  At most ``chunks_per_load`` chunks plus one batch are
    in memory.  The Dask leaves must share their chunks along axis 0 (``y =
    y.rechunk({0: x.chunks[0]})``); NumPy leaves are sliced alongside.

    Shuffling Dask data is two-level, not a uniform permutation of all rows: each epoch
    visits the chunks in a new random order, and the rows of each load (``chunks_per_load``
    chunks, plus the rows carried over) are permuted among themselves.  A batch therefore
    holds rows of at most ``chunks_per_load + 1`` chunks, and rows of one chunk stay close
    in the epoch.  For better mixing use smaller chunks (more of them to reorder) or a
    larger ``chunks_per_load`` (more memory), or shuffle the stored data once.

    Parameters
    ----------
    data : pytree of arrays
        For example ``(x, y)`` or ``{"x": x, "y": y}``: NumPy arrays, Dask arrays, or both.
    batch_size : int
    shuffle : bool
    rng : int or numpy.random.Generator, optional
    drop_last : bool
        Drop the last batch when it is smaller than ``batch_size``.
    chunks_per_load : int
        With Dask arrays: how many chunks to compute (and shuffle together) at a time.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> x, y = np.arange(10.0), np.arange(10) % 2
    >>> loader = nn.DataLoader((x, y), batch_size=4)
    >>> [xb.tolist() for xb, yb in loader]
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
    >>> len(nn.DataLoader((x, y), batch_size=4, drop_last=True))
    2

    Over a Dask array, chunk by chunk (rows left over at a chunk's end join the next one):

    >>> import dask.array as da
    >>> xd = da.arange(10.0, chunks=3)
    >>> [xb.tolist() for xb, yb in nn.DataLoader((xd, y), batch_size=4)]
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
    """

    def __init__(self, data, batch_size, *, shuffle=False, rng=None, drop_last=False,
                 chunks_per_load=1):
        if (isinstance(data, list) and data
                and all(isinstance(d, (tuple, list, dict)) for d in data)):
            # A PyTorch Dataset's layout: read as a pytree, it would be one example whose
            # arrays all have the first dimension of a single record.
            raise TypeError(f"DataLoader: data is a list of {len(data)} examples (records "
                            f"such as (x_i, y_i)); it takes whole arrays with the examples "
                            "on the first axis. Stack them first: (np.stack([r[0] for r in "
                            "data]), np.stack([r[1] for r in data])).")
        leaves, self._treedef = tree_flatten(data)
        if not leaves:
            raise ValueError("DataLoader: data has no arrays")
        self._leaves = [x if _is_dask(x) else np.asarray(x) for x in leaves]
        sizes = {x.shape[0] if x.ndim else None for x in self._leaves}
        if any(isinstance(n, float) and math.isnan(n) for n in sizes):
            raise ValueError("DataLoader: a Dask array has unknown chunk sizes along axis 0 "
                             "(after boolean indexing, say); call x.compute_chunk_sizes() "
                             "first")
        if len(sizes) != 1 or None in sizes:
            hint = (" (a list is read as a container of arrays: for one array of examples "
                    "pass np.asarray(data))" if isinstance(data, list) and sizes == {None}
                    else "")
            raise ValueError(f"DataLoader: every array needs the same first dimension (the "
                             f"number of examples), got shapes "
                             f"{[x.shape for x in self._leaves]}{hint}")
        self.n = sizes.pop()
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if not isinstance(chunks_per_load, (int, np.integer)) or chunks_per_load < 1:
            raise ValueError(f"DataLoader: chunks_per_load must be a positive integer, got "
                             f"{chunks_per_load!r}")
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self.chunks_per_load = int(chunks_per_load)
        self._rng = np.random.default_rng(rng) if shuffle else None
        self._dask = [i for i, x in enumerate(self._leaves) if _is_dask(x)]
        if self._dask:
            rows = {self._leaves[i].chunks[0] for i in self._dask}
            if len(rows) != 1:
                raise ValueError(
                    "DataLoader: the Dask arrays must share their chunks along axis 0 (one "
                    "chunk of rows is loaded at a time), got "
                    f"{[self._leaves[i].chunks[0] for i in self._dask]}; rechunk them "
                    "alike, e.g. y = y.rechunk({0: x.chunks[0]})")
            bounds = np.cumsum((0,) + rows.pop())
            self._chunks = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))

    def __len__(self):
        return self.n // self.batch_size if self.drop_last else \
            math.ceil(self.n / self.batch_size)

    def __iter__(self):
        if self._dask:
            yield from self._iter_chunks()
            return
        order = self._rng.permutation(self.n) if self.shuffle else None
        for b in range(len(self)):
            lo, hi = b * self.batch_size, min((b + 1) * self.batch_size, self.n)
            idx = slice(lo, hi) if order is None else order[lo:hi]
            yield tree_unflatten(self._treedef, [x[idx] for x in self._leaves])

    def _load(self, chunks):
        """The rows of ``chunks`` (a list of (lo, hi)), every leaf as a NumPy array."""
        import dask

        pieces = dask.compute(*[self._leaves[i][lo:hi] for i in self._dask
                                for lo, hi in chunks])
        k, out = len(chunks), []
        for j, x in enumerate(self._leaves):
            if j in self._dask:
                p = self._dask.index(j)
                parts = [np.asarray(a) for a in pieces[p * k:(p + 1) * k]]
            else:
                parts = [x[lo:hi] for lo, hi in chunks]
            out.append(parts[0] if k == 1 else np.concatenate(parts))
        return out

    def _iter_chunks(self):
        bs = self.batch_size
        order = self._rng.permutation(len(self._chunks)) if self.shuffle else \
            range(len(self._chunks))
        chunks = [self._chunks[i] for i in order]
        carry = None
        for g in range(0, len(chunks), self.chunks_per_load):
            rows = self._load(chunks[g:g + self.chunks_per_load])
            if carry is not None:
                rows = [np.concatenate([c, r]) for c, r in zip(carry, rows)]
            m = rows[0].shape[0]
            if self.shuffle:
                perm = self._rng.permutation(m)
                rows = [r[perm] for r in rows]
            full = m // bs
            for b in range(full):
                yield tree_unflatten(self._treedef, [r[b * bs:(b + 1) * bs] for r in rows])
            # a copy, so that the rest of the load can be freed
            carry = [r[full * bs:].copy() for r in rows] if full * bs < m else None
        if carry is not None and not self.drop_last:
            yield tree_unflatten(self._treedef, carry)


def train_val_split(data, val_size=0.2, *, shuffle=True, rng=None):
    """Split a pytree of arrays (sharing their first dimension) into training and
    validation parts.

    Parameters
    ----------
    data : pytree of arrays
        NumPy or Dask arrays, e.g. ``(x, y)``; Dask arrays stay lazy (indexed, not loaded).
    val_size : float or int
        The fraction of examples for validation, in (0, 1), or their number.
    shuffle : bool
        Draw the validation examples at random (from ``rng``, an int seed or a
        ``numpy.random.Generator``); otherwise the last ``val_size`` examples.  Either way
        each part keeps the examples in their original order.
    rng : int or numpy.random.Generator, optional

    Returns
    -------
    train, val : pytrees like ``data``

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> x, y = np.arange(10.0), np.arange(10) % 2
    >>> (xt, yt), (xv, yv) = nn.train_val_split((x, y), val_size=0.3, shuffle=False)
    >>> xt.tolist(), xv.tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [7.0, 8.0, 9.0])
    >>> train, val = nn.train_val_split((x, y), val_size=3, rng=0)
    >>> len(train[0]), len(val[0])
    (7, 3)
    """
    leaves, treedef = tree_flatten(data)
    if not leaves:
        raise ValueError("train_val_split: data has no arrays")
    leaves = [x if _is_dask(x) else np.asarray(x) for x in leaves]
    sizes = {x.shape[0] if x.ndim else None for x in leaves}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(f"train_val_split: every array needs the same first dimension (the "
                         f"number of examples), got shapes {[x.shape for x in leaves]}")
    n = sizes.pop()
    if isinstance(val_size, (float, np.floating)) and not isinstance(val_size, bool):
        if not 0.0 < val_size < 1.0:
            raise ValueError(f"train_val_split: a fractional val_size must lie in (0, 1), "
                             f"got {val_size}")
        n_val = int(round(val_size * n))
    elif isinstance(val_size, (int, np.integer)) and not isinstance(val_size, bool):
        n_val = int(val_size)
    else:
        raise TypeError(f"train_val_split: val_size must be a fraction or a count, got "
                        f"{type(val_size).__name__}")
    if not 0 < n_val < n:
        raise ValueError(f"train_val_split: val_size={val_size!r} leaves {n_val} of {n} "
                         "examples for validation; both parts need at least one")
    if shuffle:
        is_val = np.zeros(n, dtype=bool)
        is_val[np.random.default_rng(rng).choice(n, n_val, replace=False)] = True
        train_idx, val_idx = np.flatnonzero(~is_val), np.flatnonzero(is_val)
        parts = ([x[train_idx] for x in leaves], [x[val_idx] for x in leaves])
    else:
        parts = ([x[:n - n_val] for x in leaves], [x[n - n_val:] for x in leaves])
    return tuple(tree_unflatten(treedef, p) for p in parts)
