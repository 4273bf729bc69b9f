"""Vectorization: a trace whose tracers carry a batched value and where its batch axis is.

Batched values always keep their batch axis first (axis 0), which keeps every batch rule a
small shift of axis numbers.  A primitive with no batch rule falls back to a loop over the
batch (with a one-time warning naming the primitive): slower, never wrong.
"""

from __future__ import annotations

from ..core import ShapedArray, Trace, Tracer, get_aval, set_current_trace
from ..lax.indexing import loop_batch

not_mapped = None


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace, val, bdim):
        self._trace = trace
        self.val = val
        self.bdim = bdim  # 0, or None for a value that does not vary over the batch

    @property
    def aval(self) -> ShapedArray:
        a = get_aval(self.val)
        if self.bdim is None:
            return a
        return ShapedArray(a.shape[1:], a.dtype, a.weak_type)


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

    def wrap(self, val, bdim):
        if bdim is None:
            return val
        return BatchTracer(self, val, bdim)


def batch_size_of(vals, dims):
    for v, d in zip(vals, dims):
        if d is not None:
            return get_aval(v).shape[d]
    raise ValueError("no batched operand")


__all__ = ["BatchTrace", "BatchTracer", "loop_batch", "not_mapped"]
