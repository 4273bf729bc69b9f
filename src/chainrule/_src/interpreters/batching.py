"""Vectorization: a trace whose tracers carry a batched value and where its batch axis is.

Batched values always keep their batch axis first (axis 0), which keeps every batch rule a
small shift of axis numbers.  A primitive with no batch rule falls back to a loop over the
batch (with a one-time warning naming the primitive): slower, never wrong.
"""

from __future__ import annotations

from ..core import (ShapedArray, Trace, Tracer, concrete_value, current_trace, get_aval,
                    new_trace, set_current_trace)
from ..lax.indexing import loop_batch
from ..tree_util import tree_flatten, tree_map


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim", "_aval")

    def __init__(self, trace, val, bdim):
        self._trace = trace
        self.val = val
        self.bdim = bdim  # 0, or None for a value that does not vary over the batch
        self._aval = None

    @property
    def aval(self) -> ShapedArray:
        # Kept once built: a layer's shape check and every batch rule ask for it.
        a = self._aval
        if a is None:
            a = get_aval(self.val)
            if self.bdim is not None:
                a = ShapedArray(a.shape[1:], a.dtype, a.weak_type)
            self._aval = a
        return a


class BatchTrace(Trace):
    def __init__(self, parent, axis_size, name="vmap"):
        super().__init__(parent)
        self.axis_size = axis_size
        self.name = name

    def process(self, prim, args, params):
        vals, dims = [], []
        batched = False
        for x in args:
            if isinstance(x, Tracer) and x._trace is self:
                vals.append(x.val)
                dims.append(x.bdim)
                batched = batched or x.bdim is not None
            else:
                vals.append(x)
                dims.append(None)
        if not batched:
            return self.bind_on_parent(prim, vals, params)
        with set_current_trace(self.parent):
            if prim.batch is None:
                out, out_dims = loop_batch(prim, self.axis_size, vals, dims, params)
            else:
                out, out_dims = prim.batch(self.axis_size, vals, dims, **params)
        if prim.multiple_results:
            return [self.wrap(o, d) for o, d in zip(out, out_dims)]
        return self.wrap(out, out_dims)

    def unpack(self, x):
        """``(value, batch axis)`` of ``x``: axis 0, or None for a value of every example."""
        if isinstance(x, Tracer) and x._trace is self:
            return x.val, x.bdim
        return x, None

    def records_reverse(self):
        # vmap of a function under reverse mode: the rules below batch what it records.
        return self.parent.records_reverse()

    def process_custom(self, fn, args, nondiff, leaves, in_tree):
        if any(self.owns(x) for x in tree_flatten(nondiff)[0]):
            return fn.fun(*args)  # batched non-differentiable arguments: run it as written
        vals, dims = zip(*[self.unpack(x) for x in leaves])
        batched = fn.batched(nondiff, in_tree, list(dims))
        with set_current_trace(self.parent):
            out = batched(*vals)
        return tree_map(lambda v: BatchTracer(self, v, 0), out)

    def wrap(self, val, bdim):
        if bdim is None:
            return val
        return BatchTracer(self, val, bdim)


def eval_batched(fun, vals, dims, size):
    """Evaluate ``fun`` on values batched along ``dims`` (0 or None) under a fresh batch
    trace; return the outputs' values on the current trace and their batch axes."""
    trace = BatchTrace(current_trace(), size)
    ins = [v if d is None else BatchTracer(trace, v, d) for v, d in zip(vals, dims)]
    with new_trace(trace):
        outs = fun(*ins)
    unpacked = [trace.unpack(o) for o in outs]
    return [v for v, _ in unpacked], [d for _, d in unpacked]


def batched_concrete_value(x):
    """The concrete values of ``x`` batched by (possibly nested) vmaps, or None."""
    while isinstance(x, BatchTracer):
        x = x.val
    return concrete_value(x)


__all__ = ["BatchTrace", "BatchTracer", "batched_concrete_value", "eval_batched", "loop_batch"]
