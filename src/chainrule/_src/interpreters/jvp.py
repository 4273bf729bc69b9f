"""Forward mode: a trace whose tracers carry a (primal, tangent) pair."""

from __future__ import annotations

from ..core import (Primitive, ShapedArray, Trace, Tracer, Zero, trace_context, dtype_of,
                    get_aval, is_float_dtype, set_current_trace)
from ..tree_util import tree_unflatten


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
    # ``root``: for the output of a root such as |x| or a norm (see ``square_rules``), the
    # primitive, arguments and params it came from; None otherwise.
    __slots__ = ("primal", "tangent", "_aval", "root")

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent
        self._aval = None
        self.root = None

    @property
    def aval(self) -> ShapedArray:
        if self._aval is None:
            self._aval = get_aval(self.primal)
        return self._aval


# --- even powers of roots --------------------------------------------------------------
# |x|, a 2-norm or a standard deviation is the root of a smooth value (x * x, sum |x|^2,
# the variance) and is not differentiable where that value is 0: chainrule takes its
# derivative to be 0 there. Each factor of norm(x) ** 2 = norm(x) * norm(x) is then
# differentiated separately, and the product rule gives 0 for the second derivative at 0
# instead of 2 (no convention for the root's derivative can fix this in several
# dimensions). So a differentiation trace records on the tracer of a root's output where it
# came from (for the primitives of ``square_rules``: primitive -> function of its arguments
# and params giving the square of its output), and evaluates an even power of such a
# tracer (a ``pow`` with an even integer exponent, or the product of two tracers of the
# same root; ``even_power_rules``: primitive -> function of its arguments giving the
# exponent, or None) as a power of the smooth square instead. The values agree up to
# rounding, and every derivative of the power is exact, at 0 too.
square_rules: dict = {}
even_power_rules: dict = {}


def same_root(a, b):
    """Whether ``a`` and ``b`` are tracers of one root of the same arguments."""
    ra, rb = getattr(a, "root", None), getattr(b, "root", None)
    if ra is None or rb is None:
        return False
    return ra is rb or (ra[0] is rb[0] and ra[2] == rb[2] and len(ra[1]) == len(rb[1])
                        and all(x is y for x, y in zip(ra[1], rb[1])))


def _power_of_root(trace, prim, args):
    """``args``' even power, computed from the square of a root; None if it is not one."""
    base = args[0]
    if type(base) is not trace.tracer_type or base._trace is not trace or base.root is None:
        return None
    exponent = even_power_rules[prim](*args)
    if exponent is None:
        return None
    root_prim, root_args, root_params = base.root
    square = square_rules[root_prim](*root_args, **root_params)
    return square if exponent == 2 else pow_p.bind(square, exponent // 2)


pow_p = None  # set by lax.elementwise (it imports this module)


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
        if prim.higher_order and prim.expand is not None and any(
                type(x) is tracer_type and x._trace is self for x in args):
            # With values known now, the operations inside differentiate exactly.
            out = prim.expand(*args, **params)
            if out is not NotImplemented:
                return out
        if prim in even_power_rules:
            out = _power_of_root(self, prim, args)
            if out is not None:
                return out
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
        out = self.wrap(primal_out, tangent_out)
        if prim in square_rules and type(out) is tracer_type:
            out.root = (prim, args, params)
        return out

    def wrap(self, primal, tangent):
        # A zero tangent needs no tracer, and integer or boolean values never carry one.
        if type(tangent) is Zero or dtype_of(primal).kind not in "fc":
            return primal
        return self.tracer_type(self, primal, tangent)


    def process_custom(self, fn, args, nondiff, leaves, in_tree):
        """A function with custom rules: its rules on this trace's primals and tangents."""
        primals, tangents = [], []
        for x in leaves:
            p, t = self.unpack(x)
            primals.append(p)
            tangents.append(t)
        out, tangents_out, out_tree = self.run_custom_rule(fn, nondiff, in_tree, primals,
                                                           tangents)
        return tree_unflatten(out_tree, [self.wrap(p, t) for p, t in zip(out, tangents_out)])

    def run_custom_rule(self, fn, nondiff, in_tree, primals, tangents):
        with set_current_trace(self._rule_trace):
            return fn.jvp_rule(nondiff, in_tree, primals, tangents)

    @property
    def rule_trace(self):
        """The trace that derivative rules run on: primal values belong to it."""
        return self._rule_trace

    def run_rule(self, prim, primals, tangents, params):
        token = trace_context.set(self._rule_trace)  # (set_current_trace, minus its cost)
        try:
            return prim.jvp(primals, tangents, **params)
        finally:
            trace_context.reset(token)


class JVPTrace(DifferentiationTrace):
    tracer_type = JVPTracer
