"""Reverse mode as linearize-then-transpose.

The linearize trace runs the primal computation eagerly on its parent trace (so Python
control flow on values works) and stages the tangent computation into a linear
``Program``.  ``backward_pass`` walks that program from outputs to inputs, calling each
primitive's ``transpose`` rule and accumulating cotangents.  Transpose rules are written
with chainrule operations, so an enclosing transform differentiates the backward pass too.
"""

from __future__ import annotations

from ..core import (Tracer, Zero, current_trace, get_aval, is_float_dtype, new_trace,
                    primitives, set_current_trace, tangent_aval)
from ..ir import Program, Var
from .jvp import DifferentiationTrace, JVPTracer
from .staging import StagedTracer, StagingTrace


class LinearizeTracer(JVPTracer):
    """A (primal, tangent) pair whose tangent is staged into the linear program."""

    __slots__ = ()


class LinearizeTrace(DifferentiationTrace):
    tracer_type = LinearizeTracer

    def __init__(self, parent, name):
        super().__init__(parent, name)
        self.tangent_trace = StagingTrace(parent, name=f"{name} (tangents)")
        self.tangent_trace.records_tangents = True
        # Rules run on the tangent recorder: operations on primals alone fall through to
        # the parent eagerly, operations on tangents are recorded.
        self._rule_trace = self.tangent_trace

    def records_reverse(self):
        return True

    def run_custom_rule(self, fn, nondiff, in_tree, primals, tangents):
        if fn.linearize_rule is None:
            return super().run_custom_rule(fn, nondiff, in_tree, primals, tangents)
        with set_current_trace(self.parent):
            out, out_tree, linear = fn.linearize_rule(nondiff, in_tree, primals, tangents)
        with set_current_trace(self.tangent_trace):
            return out, linear(), out_tree

    def run_rule(self, prim, primals, tangents, params):
        if prim.linearize is None:
            return super().run_rule(prim, primals, tangents, params)
        # Two phases: the primal computation (and whatever the tangents need from it) on
        # the parent, then only the tangents' computation on the recorder.
        with set_current_trace(self.parent):
            primal_out, linear = prim.linearize(primals, tangents, **params)
        with set_current_trace(self.tangent_trace):
            return primal_out, linear()


# While a primitive is transposed, its linear inputs are passed as the program's ``Var``
# objects themselves: they stand for values not known (they have an ``aval``, no value).
UndefinedPrimal = Var


def is_undefined(x) -> bool:
    """Whether ``x`` is the linear (undefined) input of a primitive being transposed."""
    return type(x) is Var


def linearize_flat(fun, primals, name="linearize"):
    """Run ``fun`` on flat ``primals``; return primal outputs, the linear ``Program``, the
    program's input variables and the (finished) trace.

    Inputs that are not floating point are passed through as constants; their slot in the
    program's inputs is ``None``.
    """
    trace = LinearizeTrace(current_trace(), name)
    staging = trace.tangent_trace
    invars = []
    in_tracers = []
    for p in primals:
        aval = get_aval(p)
        if is_float_dtype(aval.dtype):
            tangent = staging.new_input(tangent_aval(aval))
            invars.append(tangent.var)
            in_tracers.append(LinearizeTracer(trace, p, tangent))
        else:
            invars.append(None)
            in_tracers.append(p)
    with new_trace(trace):
        outs = fun(*in_tracers)
    staging.alive = False
    primal_outs, tangent_outs = [], []
    for x in outs:
        if isinstance(x, Tracer) and x._trace is trace:
            primal_outs.append(x.primal)
            tangent_outs.append(x.tangent)
        else:
            if isinstance(x, Tracer):
                x.check_usable()
            primal_outs.append(x)
            tangent_outs.append(Zero.like(x))
    program = staging.program([v for v in invars if v is not None], tangent_outs)
    return primal_outs, program, invars, trace


def add_cotangents(a, b):
    if type(a) is Zero:
        return b
    if type(b) is Zero:
        return a
    return primitives["add"].bind(a, b)


def backward_pass(program: Program, cotangents_out):
    """Transpose ``program``: map output cotangents to input cotangents (``Zero`` if none)."""
    env: dict[Var, object] = {}
    add = primitives["add"].bind

    def accumulate(var, ct):
        if type(var) is not Var or ct is None or type(ct) is Zero:
            return
        env[var] = add_cotangents(env[var], ct) if var in env else ct

    for var, ct in zip(program.outvars, cotangents_out):
        accumulate(var, ct)
    for eqn in reversed(program.eqns):
        if eqn.prim.multiple_results:
            cts = [env.pop(v, None) for v in eqn.outputs]
            if all(c is None for c in cts):
                continue
            ct = [Zero(v.aval) if c is None else c for v, c in zip(eqn.outputs, cts)]
        else:
            ct = env.pop(eqn.outputs[0], None)
            if ct is None:
                continue
        if eqn.prim.transpose is None:
            raise TypeError(
                f"primitive {eqn.prim.name!r} is not linear (it has no transpose rule) but "
                "appeared in the linear part of a computation. Its jvp rule must be linear in "
                "the tangents."
            )
        args = [a if type(a) is Var else a.val for a in eqn.inputs]
        cts_in = eqn.prim.transpose(ct, *args, **eqn.params)
        for a, c in zip(eqn.inputs, cts_in):
            if type(a) is Var and c is not None and type(c) is not Zero:
                old = env.get(a)
                env[a] = c if old is None else add(old, c)
    return [env.get(v, Zero(v.aval)) for v in program.invars]


__all__ = ["LinearizeTrace", "LinearizeTracer", "StagedTracer", "UndefinedPrimal",
           "backward_pass", "is_undefined", "linearize_flat"]
