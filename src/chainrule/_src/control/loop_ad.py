"""Pieces shared by the rules of the loop primitives (``while``, ``scan``): splitting
operand lists, evaluating a program under a fresh batch trace, and linearizing or
transposing a loop body once, on abstract values, into programs that take the residuals as
explicit inputs.
"""

from __future__ import annotations

from contextvars import ContextVar

import numpy as np

from .. import lax
from ..compiler.jit import Compiled, trace_to_program
from ..core import Zero, current_trace, get_aval, instantiate, is_tracer
from ..interpreters.batching import eval_batched
from ..interpreters.linearize import backward_pass, linearize_flat
from ..ir import Eqn, Literal, Program, Var, eval_program


def split(seq, *sizes):
    """``seq`` cut into consecutive groups of ``sizes``, then the rest."""
    out, start = [], 0
    for n in sizes:
        out.append(list(seq[start:start + n]))
        start += n
    out.append(list(seq[start:]))
    return out


# The staging trace of a function traced only for its output types (the branch of a cond
# not taken, see ``control_flow``), or None.
types_only: ContextVar = ContextVar("chainrule_types_only", default=None)


def bind_loop(prim, args, params):
    """``prim.bind(*args, **params)`` for a loop primitive, except that a loop on constants
    is not run where only output types are wanted (it could be long, or only terminate
    when the branch is taken): its outputs are then new abstract values."""
    trace = current_trace()
    if types_only.get() is trace and trace is not None and not any(
            is_tracer(x) for x in args):
        return [trace.new_input(a) for a in prim.abstract_eval(*map(get_aval, args), **params)]
    return prim.bind(*args, **params)


def nonzero(t):
    """Whether a tangent from ``trace.unpack`` is present and not a symbolic zero."""
    return t is not None and type(t) is not Zero


def batched_eval(program, vals, dims, size):
    """Evaluate ``program`` on values batched along ``dims`` (0 or None); return the
    outputs' values on the current trace and their batch dimensions."""
    return eval_batched(lambda *xs: eval_program(program, xs), vals, dims, size)


def broadcast_batch(x, size):
    """``x`` repeated ``size`` times along a new leading axis."""
    return lax.broadcast_to(lax.expand_dims(x, (0,)), (size,) + get_aval(x).shape)


def _residuals_as_inputs(program, trace):
    """``program`` with the values of ``trace`` it captured as constants turned into
    leading inputs; also returns those values."""
    found: dict = {}

    def convert(a):
        if type(a) is Literal and trace.owns(a.val):
            return found.setdefault(id(a.val), (Var(a.aval), a.val))[0]
        return a
    eqns = [Eqn(e.prim, [convert(a) for a in e.inputs], e.outputs, e.params)
            for e in program.eqns]
    outvars = [convert(a) for a in program.outvars]
    res_vars = [v for v, _ in found.values()]
    return (Program(res_vars + list(program.invars), eqns, outvars),
            [t for _, t in found.values()])


def _compiled(program, name):
    if program.const_vals:
        raise TypeError(f"{name}: a loop body captured a traced value that is not one of its "
                        "operands; this is a bug in chainrule, please report it")
    program.invars = program.const_vars + program.invars
    return Compiled(program, np, name)


def linearize_step(program, avals, diff, keep, name):
    """Linearize the loop step ``program`` once, on abstract inputs ``avals``.

    ``diff`` lists the positions of the inputs that carry tangents (floating point),
    ``keep`` the outputs whose tangents are wanted.  Returns ``(fwd_fn, linear, sources)``:
    ``fwd_fn`` (compiled) maps the inputs to the outputs followed by the residuals;
    ``linear`` is a program from the residuals and the tangents of ``diff`` to the tangents
    of ``keep``; ``sources[k]`` is the position of the input that residual ``k`` is, or
    None for a computed one.
    """
    staged: dict = {}

    def fwd(*xs):
        def f(*d):
            full = list(xs)
            for i, v in zip(diff, d):
                full[i] = v
            return eval_program(program, full)
        outs, linear, _, _ = linearize_flat(f, [xs[i] for i in diff], name)
        linear.outvars = [linear.outvars[k] for k in keep]
        linear, residuals = _residuals_as_inputs(linear, current_trace())
        staged["linear"] = linear
        staged["sources"] = [next((i for i, x in enumerate(xs) if x is r), None)
                             for r in residuals]
        return [*outs, *residuals]

    fwd_program, _ = trace_to_program(fwd, avals, name=f"{name} (forward)")
    fwd_fn = _compiled(fwd_program, f"{name}_forward")
    return fwd_fn, staged["linear"], staged["sources"]


def transpose_eval(program, nonlinear, vals, cts):
    """Cotangents of the inputs of ``program`` not in ``nonlinear`` (positions of the
    inputs it is not linear in, whose values are ``vals``), from the output cotangents
    ``cts``, computed on the current trace; zeros where none flows."""
    nonlinear = list(nonlinear)
    subst = {program.invars[i]: Literal(v) for i, v in zip(nonlinear, vals)}
    eqns = [Eqn(e.prim, [subst.get(a, a) if type(a) is Var else a for a in e.inputs],
                e.outputs, e.params) for e in program.eqns]
    outvars = [subst.get(a, a) if type(a) is Var else a for a in program.outvars]
    linear_vars = [v for i, v in enumerate(program.invars) if i not in nonlinear]
    cts_in = backward_pass(Program(linear_vars, eqns, outvars), list(cts))
    return [instantiate(c) for c in cts_in]


def transpose_program(program, nonlinear, name):
    """Compile the transpose of ``program`` (see :func:`transpose_eval`): it maps
    ``[values of nonlinear inputs..., output cotangents...]`` to the cotangents of the
    linear inputs, in order."""
    nonlinear = list(nonlinear)
    n = len(nonlinear)
    avals = [program.invars[i].aval for i in nonlinear] + [a.aval for a in program.outvars]
    trans_program, _ = trace_to_program(
        lambda *xs: transpose_eval(program, nonlinear, xs[:n], xs[n:]), avals,
        name=f"{name} (transposed)")
    return _compiled(trans_program, f"{name}_transposed")
