"""The checkpoint trace: records or reuses the outputs of the operations a policy saves.

Under reverse mode a checkpointed function is a ``custom_vjp`` (``checkpoint.py``): its
forward pass runs on this trace and records the outputs of the primitives the *policy*
calls saveable; its backward pass runs the function again on a new one, which hands back
the recorded outputs instead of recomputing them.  Both passes see the same primitives in
the same order, so the k-th saved value always belongs to the k-th saveable operation.
"""

from __future__ import annotations

from ..core import Trace, Tracer, Zero, get_aval, set_current_trace
from ..lax._rules import match_tangent, multilinear_tangent
from .jvp import DifferentiationTrace


class RematTracer(Tracer):
    # ``primal`` (the name differentiation tracers use) lets ``concrete_value`` see through.
    __slots__ = ("primal",)

    def __init__(self, trace, primal):
        self._trace = trace
        self.primal = primal

    @property
    def aval(self):
        return get_aval(self.primal)


class RematTrace(Trace):
    """Evaluates on the parent; records (first pass) or reuses (second pass, ``saved``
    given) the outputs of the primitives that ``policy`` calls saveable."""

    name = "checkpoint"

    def __init__(self, parent, policy, saved=None):
        super().__init__(parent)
        self.policy = policy
        self.recording = saved is None
        self.saved = [] if saved is None else saved
        self.position = 0

    def wrap(self, x):
        return RematTracer(self, x)

    def unwrap(self, x):
        return x.primal if self.owns(x) else x

    def process(self, prim, args, params):
        vals = [x.primal if self.owns(x) else x for x in args]
        # Higher-order primitives (jit) are never saved as a whole: what they compute
        # inside is not seen by either pass, so both passes stay in step.
        if not prim.higher_order and self.policy(prim, *[get_aval(v) for v in vals],
                                                 **params):
            if self.recording:
                out = self.bind_on_parent(prim, vals, params)
                self.saved.append(out)
            else:
                out = self._reuse(prim, vals, params)
        else:
            out = self.bind_on_parent(prim, vals, params)
        if prim.multiple_results:
            return [RematTracer(self, o) for o in out]
        return RematTracer(self, out)

    def _reuse(self, prim, vals, params):
        if self.position >= len(self.saved):
            raise out_of_step()
        saved = self.saved[self.position]
        self.position += 1
        expected = prim.abstract_eval(*[get_aval(v) for v in vals], **params)
        got = [get_aval(s) for s in saved] if prim.multiple_results else get_aval(saved)
        shapes = ([a.shape for a in expected], [a.shape for a in got]) if \
            prim.multiple_results else (expected.shape, got.shape)
        if shapes[0] != shapes[1]:
            raise out_of_step()
        lin = self.parent
        if not isinstance(lin, DifferentiationTrace):
            return saved
        primals, tangents = zip(*[lin.unpack(v) for v in vals])
        if all(t is None or type(t) is Zero for t in tangents):
            return saved
        tangents = [Zero.like(p) if t is None else t for p, t in zip(primals, tangents)]
        with set_current_trace(lin.rule_trace):
            if prim.multilinear and not prim.multiple_results:
                tangent_out = _multilinear_tangent(prim, primals, tangents, params, saved)
            else:
                tangent_out = prim.jvp(list(primals), tangents, **params)[1]
        if prim.multiple_results:
            return [lin.wrap(s, t) for s, t in zip(saved, tangent_out)]
        return lin.wrap(saved, tangent_out)


def _multilinear_tangent(prim, primals, tangents, params, saved):
    return match_tangent(multilinear_tangent(prim, primals, tangents, params),
                         get_aval(saved))


def out_of_step():
    return RuntimeError(
        "checkpoint: the function performed different operations when it was recomputed for "
        "the backward pass than in the forward pass. A checkpointed function must compute "
        "the same thing from the same inputs every time (no global state, no randomness "
        "other than chainrule.random keys passed as arguments).")


__all__ = ["RematTrace", "RematTracer", "out_of_step"]
