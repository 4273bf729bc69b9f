"""Program optimizations for jit: common subexpressions and dead code.

Constant folding happens while tracing (operations on constants run at once), and buffers
are released at their last use by the code generator.
"""

from __future__ import annotations

from ..ir import Literal, Program, Var


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


def optimize(program: Program) -> Program:
    return eliminate_dead_code(eliminate_common_subexpressions(program))


__all__ = ["eliminate_common_subexpressions", "eliminate_dead_code", "optimize", "Literal"]
