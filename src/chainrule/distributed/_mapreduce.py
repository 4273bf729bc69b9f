"""Map-reduce value and gradient of a loss summed over a dataset, run by Dask.

Written against chainrule's public API only.  Dask is imported when a function here runs,
so ``import chainrule.distributed`` works without it.
"""

from __future__ import annotations

import uuid

import numpy as np

import chainrule as cr
import chainrule.tree_util as tu

# Compiled per-chunk functions, one per objective and worker process: built on the first
# chunk a process computes, reused for every later chunk and iteration.
_COMPILED: dict = {}


def _import_dask():
    try:
        import dask
        import dask.array
    except ImportError:
        raise ImportError(
            "chainrule.distributed needs Dask: pip install 'chainrule[dask]' (or "
            "'dask[array] distributed')") from None
    return dask


class _ChunkTask:
    """What each task runs: the compiled ``value_and_grad`` of the loss on one chunk.

    Only the loss, the loader and a token travel to the workers; each worker process
    compiles once per token (``chainrule.jit`` of ``chainrule.value_and_grad``).
    """

    def __init__(self, loss, loader, jit):
        self.loss, self.loader, self.jit = loss, loader, jit
        self.token = uuid.uuid4().hex

    def _compiled(self):
        fn = _COMPILED.get(self.token)
        if fn is None:
            fn = cr.value_and_grad(self.loss)
            if self.jit:
                fn = cr.jit(fn)
            if len(_COMPILED) > 64:
                _COMPILED.clear()
            _COMPILED[self.token] = fn
        return fn

    def __call__(self, params, chunk, where):
        name = getattr(self.loss, "__qualname__", repr(self.loss))
        try:
            if self.loader is not None:
                chunk = self.loader(chunk)
            value, grads = self._compiled()(params, chunk)
            return np.asarray(value), tu.tree_map(np.asarray, grads)
        except Exception as e:
            e.add_note(f"raised by the loss {name} on {where} "
                       "(chainrule.distributed.value_and_grad)")
            raise


def _add(*parts):
    # One node of the tree reduction: sums of values and of gradients, leaf by leaf.
    value = sum(p[0] for p in parts)
    grads = tu.tree_map(lambda *g: sum(g), *[p[1] for p in parts])
    return value, grads


def _chunks(data, dask):
    """``(chunk, description)`` pairs: Dask blocks along axis 0, or file names."""
    da = dask.array
    leaves, treedef = tu.tree_flatten(data)
    if leaves and all(isinstance(x, da.Array) for x in leaves):
        n = leaves[0].shape[0]
        if any(x.ndim == 0 or x.shape[0] != n for x in leaves):
            raise ValueError("chainrule.distributed: every Dask array of the data needs the "
                             f"same length along axis 0; got shapes {[x.shape for x in leaves]}")
        rows = leaves[0].chunks[0]
        # One block per chunk of rows: the other axes in one piece, all arrays aligned.
        leaves = [x.rechunk({0: rows, **{ax: -1 for ax in range(1, x.ndim)}}) for x in leaves]
        blocks = [x.to_delayed().reshape(-1) for x in leaves]
        starts = np.cumsum((0,) + rows)
        single = isinstance(data, da.Array)
        return [(blocks[0][i] if single else
                 dask.delayed(tu.tree_unflatten)(treedef, [b[i] for b in blocks]),
                 f"rows {starts[i]}:{starts[i + 1]}")
                for i in range(len(rows))]
    raise TypeError(
        "chainrule.distributed: data must be a Dask array, a pytree of Dask arrays, or a "
        f"list of files with loader=...; got {type(data).__name__}")


class Objective:
    """A loss summed over a dataset: value and gradient by map-reduce on Dask workers.

    ``Objective(loss, data)(params)`` returns ``(value, grads)`` as NumPy values, where
    ``value = sum(loss(params, chunk) for chunk in data)`` and ``grads`` has the structure
    of ``params``: the form ``chainrule.optimize.minimize(..., jac=True)`` expects.  See
    :func:`value_and_grad` for the arguments.

    Examples
    --------
    >>> import dask.array as da
    >>> import chainrule.numpy as cnp
    >>> from chainrule import distributed
    >>> obj = distributed.Objective(lambda w, x: cnp.sum((w - x) ** 2),
    ...                             da.arange(4.0, chunks=2))
    >>> obj.nchunks
    2
    >>> obj(1.0)
    (6.0, array(-4.))
    """

    def __init__(self, loss, data, *, loader=None, client=None, split_every=8, jit=True):
        dask = _import_dask()
        self._dask = dask
        self.client = client
        self.split_every = max(2, int(split_every))
        self._task = _ChunkTask(loss, loader, jit)
        if loader is not None:
            files = list(data)
            if not files:
                raise ValueError("chainrule.distributed: the list of files is empty")
            self._chunks = [(f, f"file {f!r}") for f in files]
        else:
            self._chunks = _chunks(data, dask)
        self.nchunks = len(self._chunks)

    def graph(self, params):
        """The lazy ``(value, grads)``: a Dask ``Delayed`` object, computed by nothing yet."""
        dask = self._dask
        params = tu.tree_map(np.asarray, params)
        # Parameters are small: one copy in the graph, which every chunk's task reads.
        p = dask.delayed(params, traverse=False)
        task = dask.delayed(self._task, pure=True)
        level = [task(p, chunk, where) for chunk, where in self._chunks]
        add = dask.delayed(_add, pure=True)
        while len(level) > 1:
            level = [add(*level[i:i + self.split_every])
                     for i in range(0, len(level), self.split_every)]
        return level[0]

    def __call__(self, params):
        out = self.graph(params)
        if self.client is not None:
            value, grads = self.client.compute(out).result()
        else:
            (value, grads), = self._dask.compute(out)
        return (float(value) if np.ndim(value) == 0 else value,
                tu.tree_map(np.asarray, grads))

    value_and_grad = __call__


def value_and_grad(loss, params, data, *, loader=None, client=None, split_every=8, jit=True):
    """Loss and gradient summed over a chunked dataset, computed next to the data by Dask.

    Map-reduce: ``loss(params, chunk)`` and its gradient run on each chunk where the chunk
    lives (``chainrule.jit(chainrule.value_and_grad(loss))``, compiled once per worker
    process), and the per-chunk results are summed by a tree reduction.  Only the small
    parameters and the per-chunk gradients travel; the data never leaves the workers.

    Parameters
    ----------
    loss : callable
        ``loss(params, chunk) -> scalar``, additive over chunks: a sum over the chunk's
        points, not a mean (divide by the total number of points inside ``loss`` for one).
    params : pytree
        Parameters (NumPy arrays or numbers), sent to every task.
    data : dask.array.Array, pytree of them, or list
        A Dask array (chunks along axis 0 are the units of work), a pytree of Dask arrays
        of equal length along axis 0 (a tuple ``(x, y)``, a dict), or, with ``loader``,
        a list of file names.
    loader : callable, optional
        ``loader(name) -> chunk``: reads one file on the worker that processes it.
    client : distributed.Client, optional
        The cluster to use; by default Dask's current scheduler (the last ``Client``
        created, else Dask's local threads).
    split_every : int
        Fan-in of the reduction tree.
    jit : bool
        Compile the per-chunk function (default).

    Returns
    -------
    (value, grads)
        A float and a pytree like ``params`` of NumPy arrays.

    Examples
    --------
    >>> import dask.array as da
    >>> import chainrule.numpy as cnp
    >>> from chainrule import distributed
    >>> x = da.linspace(0.0, 1.0, 1000, chunks=250)
    >>> loss = lambda w, x: cnp.sum((w * x - 2.0 * x) ** 2)
    >>> value, g = distributed.value_and_grad(loss, 1.0, x)
    >>> round(value, 6), round(float(g), 6)
    (333.500167, -667.000334)
    """
    obj = Objective(loss, data, loader=loader, client=client, split_every=split_every, jit=jit)
    return obj(params)


__all__ = ["Objective", "value_and_grad"]
