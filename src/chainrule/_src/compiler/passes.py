"""Program optimizations for jit: conjugates and constant factors, common subexpressions
and dead code.

Constant folding happens while tracing (operations on constants run at once), and buffers
are released at their last use by the code generator.
"""

from __future__ import annotations

import numpy as np

from ..ir import Eqn, Literal, Program, use_counts, Var
from ..lax.elementwise import add_p, conj_p, mul_p, sub_p


def _atom_key(a):
    if type(a) is Var:
        return ("v", a)
    val = a.val
    if type(val) in (int, float, bool, complex):
        return ("s", type(val), val)
    return ("c", id(val))


def eliminate_common_subexpressions(program: Program) -> Program:
    """Reuse the result of an equation already computed with the same inputs and params
    (in either order, for commutative primitives)."""
    seen: dict = {}
    rename: dict = {}
    eqns = []
    for eqn in program.eqns:
        eqn.inputs = [rename.get(a, a) if type(a) is Var else a for a in eqn.inputs]
        try:
            inputs = tuple(_atom_key(a) for a in eqn.inputs)
            if eqn.prim.commutative:
                inputs = tuple(sorted(inputs, key=hash))  # equal keys, equal places
            key = (eqn.prim, inputs, tuple(sorted(eqn.params.items())))
            hash(key)
        except TypeError:
            eqns.append(eqn)
            continue
        if key in seen:
            for old, new in zip(eqn.outputs, seen[key].outputs):
                rename[old] = new
            continue
        seen[key] = eqn
        eqns.append(eqn)
    outvars = [rename.get(a, a) if type(a) is Var else a for a in program.outvars]
    return Program(program.invars, eqns, outvars)


def eliminate_dead_code(program: Program) -> Program:
    """Drop equations whose results are never used."""
    live = {a for a in program.outvars if type(a) is Var}
    kept = []
    for eqn in reversed(program.eqns):
        if any(o in live for o in eqn.outputs):
            kept.append(eqn)
            live.update(a for a in eqn.inputs if type(a) is Var)
    kept.reverse()
    return Program(program.invars, kept, program.outvars)


# --- conjugates and constant factors -----------------------------------------------------
#
# Reverse mode through complex-linear maps (the transposes of rfft/irfft) writes chains
# such as ``conj -> mul c -> mul c' -> conj -> mul c''`` with constant factors.  Each value
# of such a chain is tracked as ``b * c`` or ``conj(b) * c`` for a variable ``b`` and a
# constant ``c`` (or no factor); an equation whose value needs no conjugate that way (two
# conjugates cancel, since ``conj(x * c) = conj(x) * conj(c)``), or only one that the
# program already has, becomes a single multiplication by the folded constant, and the
# equations it no longer reads die.  Folding reassociates products of constants
# (``(x * c1) * c2`` becomes ``x * (c1 * c2)``), which may change the last bit of a value;
# it is only done where no intermediate rounding to a narrower dtype is skipped and the
# folded product has the result's shape and dtype exactly.

_NUMBERS = (int, float, complex, np.ndarray)


def _constant(a):
    """The value of ``a`` if it is a concrete number or NumPy array (not a subclass) of an
    inexact dtype."""
    if type(a) is not Literal or not (type(a.val) in _NUMBERS
                                      or isinstance(a.val, np.generic)):
        return None
    return a.val if np.result_type(a.val).kind in "fc" else None


def _times(c1, c2):
    return c2 if c1 is None else c1 * c2


def _conj(c):
    if type(c) is complex:
        return c.conjugate()  # stays a Python scalar (weakly typed)
    return c if c is None or np.result_type(c).kind != "c" else np.conj(c)


def _scaled_operands(eqn):
    """``(variable, constant)`` if ``eqn`` is ``variable * constant``, else None."""
    if eqn.prim is not mul_p or len(eqn.inputs) != 2:
        return None
    a, b = eqn.inputs
    for x, k in ((a, b), (b, a)):
        c = _constant(k)
        if type(x) is Var and c is not None:
            return x, c
    return None


def _same_aval(a, b):
    return a.aval.shape == b.aval.shape and a.aval.dtype == b.aval.dtype


def _product_fits(x, c, out):
    """Whether ``x * c`` has the shape and dtype of ``out`` exactly."""
    try:
        aval = mul_p.abstract_eval(x.aval, Literal(c).aval)
    except Exception:  # shapes that do not broadcast, say: leave the equation alone
        return False
    return aval.shape == out.aval.shape and aval.dtype == out.aval.dtype


def fold_conjugates_and_constant_factors(program: Program) -> Program:
    """Cancel pairs of conjugates and fold constant factors (see the comment above).

    ``conj(conj(x))`` is ``x``; ``conj(x * c)`` is ``conj(x) * conj(c)``; ``(x * c1) * c2``
    is ``x * (c1 * c2)``; ``conj(y + z)`` (or ``-``) is ``conj(y) + conj(z)`` where both
    conjugates cancel, and ``(y + z) * c`` is ``y * c + z * c`` where ``y`` and ``z`` are
    products with constants, in both cases where nothing else reads ``y``, ``z`` and the
    sum.  Equations left unread are dropped later, by :func:`eliminate_dead_code`.
    """
    uses = use_counts(program)
    form: dict = {}      # var -> (base, conjugated, c): var == [conj](base) * c (c None: 1)
    conj_of: dict = {}   # base -> a variable holding conj(base)
    made: dict = {}      # var -> the equation that computes it in the new program
    rename: dict = {}
    eqns: list = []

    def form_of(v):
        return form.get(v, (v, False, None))

    def holding(base, conjugated):
        """A variable holding ``conj(base)`` (or ``base``), or None."""
        if not conjugated or base.aval.dtype.kind != "c":
            return base
        return conj_of.get(base)

    def emit(eqn, out, base, conjugated, c):
        """``out = [conj](base) * c`` in one operation (or none) where that is possible."""
        src = holding(base, conjugated)
        if src is not None and src is not out:
            if c is None and _same_aval(src, out):
                rename[out] = src
                return
            if c is not None and _product_fits(src, c, out):
                scaled = _scaled_operands(eqn)
                if scaled is None or scaled[0] is not src or scaled[1] is not c:
                    eqn = Eqn(mul_p, [src, Literal(c)], [out], {})
        eqns.append(eqn)
        made[out] = eqn

    def split_sum(eqn, x, term_of):
        """``op(y +- z)`` as ``op(y) +- op(z)``, for ``op`` a conjugate or a product with a
        constant, where nothing else reads the terms or the sum and each ``op(a)`` is one
        product at most: ``term_of(a)`` is its form and aval ``(base, conjugated, c,
        aval)``, or None."""
        total = made.get(x)
        if (total is None or total.prim not in (add_p, sub_p) or uses.get(x) != 1
                or any(type(a) is not Var or uses.get(a) != 1 for a in total.inputs)):
            return False
        terms = [term_of(a) for a in total.inputs]
        if None in terms:
            return False
        inputs = []
        for base, conjugated, c, aval in terms:
            src = holding(base, conjugated)
            if c is not None:
                term = Var(aval)
                made[term] = Eqn(mul_p, [src, Literal(c)], [term], {})
                eqns.append(made[term])
                form[term], uses[term], src = (base, conjugated, c), 1, term
            inputs.append(src)
        eqns.append(Eqn(total.prim, inputs, eqn.outputs, total.params))
        made[eqn.outputs[0]] = eqns[-1]
        return True

    def conj_term(a):
        base, conjugated, c = form_of(a)
        src, c = holding(base, not conjugated), _conj(c)
        if src is None or not (_same_aval(src, a) if c is None else _product_fits(src, c, a)):
            return None
        return base, not conjugated, c, a.aval

    def scaled_term(a, k, out):
        base, conjugated, c = form_of(a)
        src = holding(base, conjugated)
        # Only terms that already are products (each stays one operation), of the result's
        # dtype and, times the new factor, of its shape.
        if (c is None or src is None or a.aval.dtype != out.aval.dtype
                or not _product_fits(src, _times(c, k), out)):
            return None
        return base, conjugated, _times(c, k), out.aval

    for eqn in program.eqns:
        if any(type(a) is Var and a in rename for a in eqn.inputs):
            eqn = Eqn(eqn.prim, [rename.get(a, a) if type(a) is Var else a for a in eqn.inputs],
                      eqn.outputs, eqn.params)
        if len(eqn.outputs) != 1 or eqn.prim not in (conj_p, mul_p):
            eqns.append(eqn)
            made.update((o, eqn) for o in eqn.outputs)
            continue
        out = eqn.outputs[0]
        if eqn.prim is conj_p:
            (x,) = eqn.inputs
            if type(x) is not Var:
                eqns.append(eqn)
                continue
            base, conjugated, c = form_of(x)
            if base is x and split_sum(eqn, x, conj_term):
                continue
            form[out] = (base, not conjugated, _conj(c))
            if c is None and not conjugated:
                conj_of.setdefault(base, out)
            emit(eqn, out, *form[out])
            continue
        scaled = _scaled_operands(eqn)
        if scaled is None or out.aval.dtype.kind not in "fc":
            eqns.append(eqn)
            made[out] = eqn
            continue
        x, k = scaled
        base, conjugated, c = form_of(x)
        if base is x and x.aval.dtype == out.aval.dtype and split_sum(
                eqn, x, lambda a: scaled_term(a, k, out)):
            continue
        # Fold only where x has the result's dtype (no rounding to a narrower one skipped).
        if c is not None and (x.aval.dtype != out.aval.dtype
                              or not _product_fits(base, _times(c, k), out)):
            base, conjugated, c = x, False, None
        form[out] = (base, conjugated, _times(c, k))
        emit(eqn, out, *form[out])
    outvars = [rename.get(a, a) if type(a) is Var else a for a in program.outvars]
    return Program(program.invars, eqns, outvars)


def optimize(program: Program) -> Program:
    return eliminate_dead_code(eliminate_common_subexpressions(
        fold_conjugates_and_constant_factors(program)))


__all__ = ["eliminate_common_subexpressions", "eliminate_dead_code",
           "fold_conjugates_and_constant_factors", "optimize", "Literal"]
