"""Forward mode: a trace whose tracers carry a (primal, tangent) pair."""

from __future__ import annotations

from ..core import (Primitive, ShapedArray, Trace, Tracer, Zero, _current_trace, dtype_of,
                    get_aval, is_float_dtype)


def tangent_mismatch(primal_aval: ShapedArray, tangent, kind="tangent", owner="its primal"):
    """Why ``tangent`` cannot be a tangent (or cotangent) of a value of ``primal_aval``, as
    ``(exception type, message)``, or None when it can.

    Shapes must be equal. A floating-point value takes tangents of its own dtype only (as in
    JAX, a float32 tangent for a float64 value is an error); Python numbers are accepted
    where their kind fits: a float for a real or complex value, a complex number for a
    complex value. Integer and boolean values carry no derivative: any tangent of their
    shape is accepted, and ignored.
    """
    ta = get_aval(tangent)
    if ta.shape != primal_aval.shape:
        return ValueError, (f"has shape {ta.shape}, but {owner} has shape "
                            f"{primal_aval.shape}; each {kind} must have that shape")
    pd, td = primal_aval.dtype, ta.dtype
    if td == pd or not is_float_dtype(pd):
        return None
    if ta.weak_type and (td.kind == "f" or (td.kind == "c" and pd.kind == "c")):
        return None
    hint = (f" A real value has real {kind}s: make the value complex to differentiate in "
            "complex directions." if td.kind == "c" else
            f" Convert it, for example with numpy.asarray({kind}, dtype={pd.name!r}).")
    return TypeError, (f"has dtype {td}, but {owner} has dtype {pd}; a {kind} must have "
                       f"that dtype (Python floats are accepted for floating-point "
                       f"values).{hint}")


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent", "_aval")

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent
        self._aval = None

    @property
    def aval(self) -> ShapedArray:
        if self._aval is None:
            self._aval = get_aval(self.primal)
        return self._aval


class DifferentiationTrace(Trace):
    """Common machinery of the forward (JVP) and linearize traces."""

    def __init__(self, parent, name):
        super().__init__(parent)
        self.name = name
        # The trace derivative rules run on (see ``rule_trace``), read once per operation.
        self._rule_trace = parent

    def unpack(self, x):
        if isinstance(x, Tracer) and x._trace is self:
            return x.primal, x.tangent
        return x, None

    def process(self, prim: Primitive, args, params):
        tracer_type = self.tracer_type
        if prim.inline is not None and any(
                type(x) is tracer_type and x._trace is self for x in args):
            return prim.inline(*args, **params)
        primals = []
        tangents = []
        nonzero = False
        for x in args:
            # Only this trace makes its tracer type, so the exact type test is enough.
            if type(x) is tracer_type and x._trace is self:
                primals.append(x.primal)
                t = x.tangent
                tangents.append(t)
                nonzero = nonzero or type(t) is not Zero
            else:
                primals.append(x)
                tangents.append(Zero.like(x))
        if not nonzero:
            return self.bind_on_parent(prim, primals, params)
        if prim.jvp is None:
            raise TypeError(f"primitive {prim.name!r} has no derivative rule (jvp); "
                            f"it cannot be differentiated by {self.name}")
        primal_out, tangent_out = self.run_rule(prim, primals, tangents, params)
        if prim.multiple_results:
            return [self.wrap(p, t) for p, t in zip(primal_out, tangent_out)]
        return self.wrap(primal_out, tangent_out)

    def wrap(self, primal, tangent):
        # A zero tangent needs no tracer, and integer or boolean values never carry one.
        if type(tangent) is Zero or dtype_of(primal).kind not in "fc":
            return primal
        return self.tracer_type(self, primal, tangent)


    @property
    def rule_trace(self):
        """The trace that derivative rules run on: primal values belong to it."""
        return self._rule_trace

    def run_rule(self, prim, primals, tangents, params):
        token = _current_trace.set(self._rule_trace)  # (set_current_trace, minus its cost)
        try:
            return prim.jvp(primals, tangents, **params)
        finally:
            _current_trace.reset(token)


class JVPTrace(DifferentiationTrace):
    tracer_type = JVPTracer
