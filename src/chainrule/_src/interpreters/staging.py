"""Staging: record operations on staged values into a ``Program``.

An operation none of whose inputs is staged runs at once on the parent trace (its result
becomes a constant of the program); only operations that touch staged values are recorded.
Linearization stages the tangents this way, so it records exactly the linear part of a
computation while the primal part runs eagerly.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from ..core import PYTHON_SCALARS, ConcretizationTypeError, Trace, Tracer, Zero
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


class TracerBoolConversionError(ConcretizationTypeError):
    """Python needed a concrete truth value of an abstract (staged) value."""


def _user_line():
    """``file:line`` of the innermost frame outside chainrule itself."""
    where = user_frame()
    return "in your function" if where is None else f"at {where[0]}:{where[1]}"


_PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def user_frame():
    """``(file, line)`` of the innermost frame outside chainrule itself, or None."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return None if frame is None else (frame.f_code.co_filename, frame.f_lineno)


def _frozen_copy(x):
    """A copy of ``x`` that nothing can change; a NumPy array broadcast along some axes
    (stride 0) stays broadcast, so the copy is as small as the data and NumPy treats it
    as it treats ``x``."""
    if type(x) is not np.ndarray:
        return x.copy()
    if 0 in x.strides and x.size > 1:
        compact = x[tuple(slice(0, 1) if st == 0 else slice(None) for st in x.strides)]
        return np.broadcast_to(compact.copy(), x.shape)  # read-only
    copy = x.copy()
    copy.flags.writeable = False
    return copy


def _enclosing_captures(trace):
    """The ``captured`` table of the nearest enclosing jit staging, or None."""
    while trace is not None:
        captured = getattr(trace, "captured", None)
        if captured is not None:
            return captured
        trace = getattr(trace, "parent", None)
    return None


class StagingTrace(Trace):
    # True for the tangent recorder of reverse mode: what it records must stay linear.
    records_tangents = False
    stages = True

    @property
    def stages_calls(self):
        return not self.records_tangents

    def process_custom(self, fn, args, nondiff, leaves, in_tree):
        if self.records_tangents:
            return fn.fun(*args)
        return fn.stage(args)

    def __init__(self, parent, name="staging", capture=False):
        super().__init__(parent)
        self.name = name
        self.eqns: list[Eqn] = []
        # jit captures the arrays a program closes over at trace time: ``captured`` maps
        # id(array) -> (array, read-only copy), shared with every staging nested inside
        # (control-flow bodies), so that no compiled code reads a user's array "live".
        self.captured = {} if capture else _enclosing_captures(parent)
        # Where every 1024th equation came from (jit only): a huge program is almost always
        # an unrolled Python loop, and this finds its line cheaply.
        self.line_samples = [] if capture else None

    def literal(self, x):
        """``x`` as a constant of the program (a copy taken now when capturing)."""
        if (self.captured is not None and type(x) not in PYTHON_SCALARS
                and not isinstance(x, (Tracer, np.generic)) and hasattr(x, "copy")):
            entry = self.captured.get(id(x))
            if entry is None:  # ``x`` is kept alive with its copy, so ids stay unique
                entry = self.captured[id(x)] = (x, _frozen_copy(x))
            x = entry[1]
        return Literal(x)

    def new_input(self, aval) -> StagedTracer:
        return StagedTracer(self, Var(aval))

    def process(self, prim, args, params):
        # Only this trace makes StagedTracers, so an exact type test finds its own values.
        for x in args:
            if type(x) is StagedTracer and x._trace is self:
                break
        else:
            return self.bind_on_parent(prim, args, params)
        inputs = [x.var if type(x) is StagedTracer and x._trace is self else self.literal(x)
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
        if not len(self.eqns) & 1023 and self.line_samples is not None:
            self.line_samples.append(user_frame())
        return StagedTracer(self, out)

    def program(self, invars, outs) -> Program:
        outvars = []
        for x in outs:
            if isinstance(x, Tracer) and x._trace is self:
                outvars.append(x.var)
            else:
                outvars.append(x if type(x) is Zero else self.literal(x))
        return Program(list(invars), self.eqns, outvars)
