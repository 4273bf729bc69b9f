"""Staging: record operations on staged values into a ``Program``.

An operation none of whose inputs is staged runs at once on the parent trace (its result
becomes a constant of the program); only operations that touch staged values are recorded.
Linearization stages the tangents this way, so it records exactly the linear part of a
computation while the primal part runs eagerly.
"""

from __future__ import annotations

from ..core import Trace, Tracer, Zero
from ..ir import Eqn, Literal, Program, Var


class StagedTracer(Tracer):
    __slots__ = ("var",)

    def __init__(self, trace, var: Var):
        self._trace = trace
        self.var = var

    @property
    def aval(self):
        return self.var.aval

    def __bool__(self):
        raise TracerBoolConversionError(
            f"{_user_line()}: Python control flow (if/while/and/or/bool()) depends on a value "
            f"that {self._trace.name} only knows abstractly (shape {self.aval.shape}, dtype "
            f"{self.aval.dtype}). Use chainrule.numpy.where for elementwise choices, the "
            "control-flow functions chainrule.lax.cond / switch / while_loop / fori_loop / "
            "scan, or mark the argument static with jit(..., static_argnums=...).")


class TracerBoolConversionError(TypeError):
    """Python needed a concrete truth value of an abstract (staged) value."""


def _user_line():
    """``file:line`` of the innermost frame outside chainrule itself."""
    import os
    import sys

    package = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back
    if frame is None:
        return "in your function"
    return f"at {frame.f_code.co_filename}:{frame.f_lineno}"


class StagingTrace(Trace):
    # True for the tangent recorder of reverse mode: what it records must stay linear.
    records_tangents = False

    def __init__(self, parent, name="staging"):
        super().__init__(parent)
        self.name = name
        self.eqns: list[Eqn] = []

    def new_input(self, aval) -> StagedTracer:
        return StagedTracer(self, Var(aval))

    def process(self, prim, args, params):
        # Only this trace makes StagedTracers, so an exact type test finds its own values.
        for x in args:
            if type(x) is StagedTracer and x._trace is self:
                break
        else:
            return self.bind_on_parent(prim, args, params)
        inputs = [x.var if type(x) is StagedTracer and x._trace is self else Literal(x)
                  for x in args]
        if prim.abstract_eval is None:
            raise TypeError(f"primitive {prim.name!r} has no abstract evaluation rule")
        out_avals = prim.abstract_eval(*[a.aval for a in inputs], **params)
        if prim.multiple_results:
            outs = [Var(a) for a in out_avals]
            self.eqns.append(Eqn(prim, inputs, outs, params))
            return [StagedTracer(self, v) for v in outs]
        out = Var(out_avals)
        self.eqns.append(Eqn(prim, inputs, [out], params))
        return StagedTracer(self, out)

    def program(self, invars, outs) -> Program:
        outvars = []
        for x in outs:
            if isinstance(x, Tracer) and x._trace is self:
                outvars.append(x.var)
            else:
                outvars.append(x if type(x) is Zero else Literal(x))
        return Program(list(invars), self.eqns, outvars)
