"""Reverse mode as linearize-then-transpose.

The linearize trace runs the primal computation eagerly on its parent trace (so Python
control flow on values works) and stages the tangent computation into a linear
``Program``.  ``backward_pass`` walks that program from outputs to inputs, calling each
primitive's ``transpose`` rule and accumulating cotangents.  Transpose rules are written
with chainrule operations, so an enclosing transform differentiates the backward pass too.
"""

from __future__ import annotations

import numpy as np

from ..core import (PLAIN_TYPES, Tracer, Zero, current_trace, get_aval, is_float_dtype,
                    new_trace, primitives, set_current_trace, tangent_aval)
from ..ir import Program, Var
from .jvp import DifferentiationTrace, JVPTracer, even_power_rules, square_rules
from .staging import StagedTracer, StagingTrace


class LinearizeTracer(JVPTracer):
    """A (primal, tangent) pair whose tangent is staged into the linear program."""

    __slots__ = ()


# Real floating-point values that the tape lane computes on directly: a tracer's primal must
# be one of these (NumPy arrays of a real float dtype are checked separately).
_REAL_SCALARS = frozenset({float, np.float64, np.float32, np.float16})


# The tape lane of eager reverse mode (``docs/design/eager-reverse.md``).
#
# For an elementwise primitive whose derivative scales each tangent (``Primitive.scaling``),
# on concrete real NumPy values, the output and the coefficients are computed at once with
# NumPy and the linear map is appended to the program's equations as one *tape record*, the
# list ``[out, prim, in_0, op_0, c_0, in_1, op_1, c_1, ...]`` (``out``/``in_i``: ``Var``;
# ``op_i``: "same", "neg", "mul", "div" or "sum"; ``c_i``: the coefficient or None; see
# ``Primitive.scaling``): no rule runs
# on the tangent recorder and nothing is staged. A plain list because building it is the
# lane's main cost after NumPy's (an object with ``__init__`` costs several times more);
# only ``backward_pass`` reads such programs. The output's tangent is its ``Var`` itself,
# wrapped in a ``StagedTracer`` only when a rule of the general path needs it
# (``_staged_tangents``).


_NUMPY_FUNCTIONS: dict = {}


def _numpy_function(prim):
    """The NumPy function that computes ``prim`` without params (its ``np_name``), or None.
    On arguments that are not broadcast views it gives what ``impl`` gives, one call
    sooner (``impl`` keeps broadcast views broadcast)."""
    try:
        return _NUMPY_FUNCTIONS[prim]
    except KeyError:
        fn = _NUMPY_FUNCTIONS[prim] = getattr(np, prim.np_name) if prim.np_name else None
        return fn


def is_tape_record(eqn) -> bool:
    """Whether ``eqn``, an entry of a program's equations, is a record of the tape lane."""
    return type(eqn) is list


class LinearizeTrace(DifferentiationTrace):
    tracer_type = LinearizeTracer

    def __init__(self, parent, name, tape=False):
        super().__init__(parent, name)
        self.tangent_trace = StagingTrace(parent, name=f"{name} (tangents)")
        self.tangent_trace.records_tangents = True
        # Rules run on the tangent recorder: operations on primals alone fall through to
        # the parent eagerly, operations on tangents are recorded.
        self._rule_trace = self.tangent_trace
        # Whether the tape lane (``process``) is open: only for first-order reverse mode of concrete
        # inputs, whose program nothing but ``backward_pass`` reads.
        self.tape = tape

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

    def unpack(self, x):
        if isinstance(x, Tracer) and x._trace is self:
            t = x.tangent
            if type(t) is Var:
                t = x.tangent = StagedTracer(self.tangent_trace, t)
            return x.primal, t
        return x, None

    def _staged_tangents(self, args):
        """Give the tape lane's outputs among ``args`` a staged tangent, for the rules of
        the general path."""
        staging = self.tangent_trace
        for x in args:
            if type(x) is LinearizeTracer and type(x.tangent) is Var and x._trace is self:
                x.tangent = StagedTracer(staging, x.tangent)

    def process(self, prim, args, params):
        scaling = prim.scaling
        if scaling is None or not self.tape:
            if self.tape:
                if prim.tape_linear is not None:
                    out = self._tape_linear(prim, args, params)
                    if out is not None:
                        return out
                self._staged_tangents(args)
            return DifferentiationTrace.process(self, prim, args, params)
        # The tape lane (see above). Anything else takes the general path (``_general``):
        # values of other transforms (coefficients must be constants to every transform),
        # other array libraries, complex numbers, tangents this trace did not make, even
        # powers of roots (``even_power_rules``).
        primals = []
        record = [None, prim]
        like = None  # the Var of the first argument that carries a derivative
        spread = False  # whether an argument is a broadcast view (see ``_numpy_function``)
        for x in args:
            if type(x) is LinearizeTracer:
                if x._trace is not self:
                    return self._general(prim, args, params)
                p, tangent = x.primal, x.tangent
                if type(tangent) is not Var:  # made by the general path: check it all
                    if (type(tangent) is not StagedTracer
                            or tangent._trace is not self.tangent_trace
                            or (p.dtype.kind != "f" if type(p) is np.ndarray else
                                type(p) not in _REAL_SCALARS)):
                        return self._general(prim, args, params)
                    tangent = tangent.var
                if x.root is not None and prim in even_power_rules:
                    return self._general(prim, args, params)
                rule = scaling[len(primals)]
                if rule is not None:
                    record += (tangent, rule[0], rule[1])  # coefficient function for now
                    if like is None:
                        like = tangent
                x = p
            elif type(x) not in PLAIN_TYPES:
                return self._general(prim, args, params)
            if type(x) is np.ndarray and x.size > 1 and 0 in x.strides:
                spread = True
            primals.append(x)
        if like is None:
            # No argument that carries a derivative has one here: the general path knows
            # what that means (a zero tangent, or the primitive's own error).
            return self._general(prim, args, params)
        fn = None if spread or params else _NUMPY_FUNCTIONS.get(prim, _numpy_function)
        if fn is _numpy_function:
            fn = _numpy_function(prim)
        ans = prim.impl(np, *primals, **params) if fn is None else fn(*primals)
        if type(ans) is np.ndarray:
            aval = like.aval
            if ans.dtype is not aval.dtype or ans.shape != aval.shape:
                if ans.dtype.kind != "f":
                    return self._general(prim, args, params)
                aval = get_aval(ans)
        elif type(ans) in _REAL_SCALARS:
            aval = get_aval(ans)
        else:
            return self._general(prim, args, params)
        for k in range(4, len(record), 3):
            coefficient = record[k]
            if coefficient is not None:
                record[k] = (coefficient(ans, *primals, **params) if params else
                             coefficient(ans, *primals))
        record[0] = var = Var(aval)
        self.tangent_trace.eqns.append(record)
        out = LinearizeTracer(self, ans, var)
        if prim in square_rules:
            out.root = (prim, args, params)
        return out

    def _tape_linear(self, prim, args, params):
        """The tape lane of the structural linear primitives (``Primitive.tape_linear``:
        reshape, transpose, matrix product) on real float NumPy arrays; None where it does
        not apply (the general path then runs)."""
        primals, tangents = [], []
        for x in args:
            if type(x) is LinearizeTracer:
                if x._trace is not self:
                    return None
                p, tangent = x.primal, x.tangent
                if type(tangent) is not Var:
                    if (type(tangent) is not StagedTracer
                            or tangent._trace is not self.tangent_trace):
                        return None
                    tangent = tangent.var
            elif type(x) is np.ndarray:
                p, tangent = x, None
            else:
                return None
            if type(p) is not np.ndarray or p.dtype.kind != "f":
                return None
            primals.append(p)
            tangents.append(tangent)
        got = prim.tape_linear(primals, **params)
        if got is None:
            return None
        ans, ops = got
        record = [None, prim]
        for tangent, (op, c) in zip(tangents, ops):
            if tangent is not None:
                record += (tangent, op, c)
        if len(record) == 2 or type(ans) is not np.ndarray:
            return None
        record[0] = var = Var(get_aval(ans))
        self.tangent_trace.eqns.append(record)
        return LinearizeTracer(self, ans, var)

    def _general(self, prim, args, params):
        self._staged_tangents(args)
        return DifferentiationTrace.process(self, prim, args, params)


# While a primitive is transposed, its linear inputs are passed as the program's ``Var``
# objects themselves: they stand for values not known (they have an ``aval``, no value).
UndefinedPrimal = Var


def is_undefined(x) -> bool:
    """Whether ``x`` is the linear (undefined) input of a primitive being transposed."""
    return type(x) is Var


def linearize_flat(fun, primals, name="linearize", tape=False):
    """Run ``fun`` on flat ``primals``; return primal outputs, the linear ``Program``, the
    program's input variables and the (finished) trace.

    Inputs that are not floating point are passed through as constants; their slot in the
    program's inputs is ``None``. ``tape=True`` lets elementwise scalings take the tape lane
    (``LinearizeTrace.process``) when every input is a concrete real NumPy value:
    the program may then hold tape records, which only ``backward_pass`` reads.
    """
    if tape:
        for p in primals:
            if type(p) not in PLAIN_TYPES or get_aval(p).dtype.kind == "c":
                tape = False
                break
    trace = LinearizeTrace(current_trace(), name, tape)
    staging = trace.tangent_trace
    invars = []
    in_tracers = []
    for p in primals:
        aval = get_aval(p)
        if is_float_dtype(aval.dtype):
            if tape:  # the lane's tangents are bare variables, staged only when needed
                var = Var(tangent_aval(aval))
                invars.append(var)
                in_tracers.append(LinearizeTracer(trace, p, var))
            else:
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
            primal, tangent = trace.unpack(x)
            primal_outs.append(primal)
            tangent_outs.append(tangent)
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


# Cotangents the tape lane's records are transposed on with NumPy directly (Python floats
# go through the primitives, which return NumPy scalars as the general path does).
_NUMPY_VALUES = frozenset({np.ndarray, np.float64, np.float32, np.float16})


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
        if type(eqn) is list:  # a tape record: out = sum_i op_i(in_i, c_i)
            # Each input gets op(ct, c), summed down to its shape and cast to its dtype:
            # what the transpose rules of mul, div or neg and of the broadcast and
            # conversion that ``match_tangent`` adds give, computed by NumPy directly on a
            # NumPy cotangent. Any other cotangent (a tracer, when the VJP is itself
            # transformed) goes through the primitives.
            ct = env.pop(eqn[0], None)
            if ct is None:
                continue
            direct = type(ct) in _NUMPY_VALUES
            for k in range(2, len(eqn), 3):
                var, op, c = eqn[k], eqn[k + 1], eqn[k + 2]
                if op == "mul":
                    g = ct * c if direct else _mul(ct, c)
                elif op == "same":
                    g = ct
                elif op == "neg":
                    g = -ct if direct else _neg(ct)
                elif op == "div":
                    g = ct / c if direct else _div(ct, c)
                elif op == "sum":  # c: the operand's shape with the summed axes of length 1
                    g = (np.broadcast_to(np.reshape(ct, c), var.aval.shape) if direct else
                         _broadcast_to(_reshape(ct, c), var.aval.shape))
                # The structural linear primitives (``Primitive.tape_linear``), transposed
                # as their transpose rules do.
                elif op == "reshape":  # c: the operand's shape
                    g = np.reshape(ct, c) if direct else _reshape(ct, c)
                elif op == "transpose":  # c: the inverse permutation
                    g = np.transpose(ct, c) if direct else _transpose(ct, c)
                elif op == "matmul_r":  # the left operand of a @ b; c: b (2-D)
                    g = np.matmul(ct, c.T) if direct else _matmul(ct, c.T)
                elif op == "outer_r":  # the matrix of a @ v; c: the vector v
                    g = (np.multiply.outer(ct, c) if direct else
                         _mul(_reshape(ct, var.aval.shape[:1] + (1,)), c))
                elif op == "outer_l":  # the matrix of v @ b; c: the vector v
                    g = np.multiply.outer(c, ct) if direct else _mul(c[:, None], ct)
                else:  # "matmul_l": the right operand of a @ b; c: a (2-D)
                    g = np.matmul(c.T, ct) if direct else _matmul(c.T, ct)
                aval = var.aval
                if (type(g) is not np.ndarray or g.dtype is not aval.dtype
                        or g.shape != aval.shape):
                    g = _unbroadcast(g, aval)
                old = env.get(var)
                if old is None:
                    env[var] = g
                elif type(old) in _NUMPY_VALUES and type(g) in _NUMPY_VALUES:
                    env[var] = old + g
                else:
                    env[var] = add(old, g)
            continue
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


# set by lax (which imports this module)
_mul = _div = _neg = _unbroadcast = _reshape = _broadcast_to = _transpose = _matmul = None


__all__ = ["LinearizeTrace", "LinearizeTracer", "StagedTracer", "UndefinedPrimal",
           "backward_pass", "is_tape_record", "is_undefined", "linearize_flat"]
