"""Generate straight-line Python source from a program and compile it.

Each equation becomes one call of the array library (an elementwise primitive calls the
library's ufunc directly, others their ``impl`` with the parameters bound), and every
intermediate is deleted right after its last use so its buffer can be reused.
"""

from __future__ import annotations

import functools

from .core import Zero
from .ir import Program, Var


def _scalar_source(val):
    if type(val) in (int, bool):
        return repr(val)
    if type(val) is float and val == val and val not in (float("inf"), float("-inf")):
        return repr(val)
    return None


def compile_program(program: Program, xp, name="fn"):
    """Return ``(function, source)`` for ``program`` on array namespace ``xp``."""
    names: dict = {}
    namespace: dict = {}

    def var_name(v):
        if v not in names:
            names[v] = f"v{len(names)}"
        return names[v]

    def atom(a):
        if type(a) is Var:
            return var_name(a)
        if type(a) is Zero:
            key = f"_z{len(namespace)}"
            namespace[key] = xp.zeros(a.aval.shape, a.aval.dtype)
            return key
        text = _scalar_source(a.val)
        if text is not None:
            return text
        key = f"_c{len(namespace)}"
        namespace[key] = a.val
        return key

    last_use: dict = {}
    for k, eqn in enumerate(program.eqns):
        for a in eqn.inputs:
            if type(a) is Var:
                last_use[a] = k
    outputs = {a for a in program.outvars if type(a) is Var}

    params = ", ".join(var_name(v) for v in program.invars)
    lines = [f"def {_identifier(name)}({params}):"]
    for k, eqn in enumerate(program.eqns):
        emit = getattr(eqn.prim, "emit", None)
        if emit is not None:  # a fused group of equations (fusion.py) writes its own lines
            lines += ["    " + line for line in emit(
                eqn, atom, lambda e: _callee(e, xp, namespace), namespace)]
        else:
            callee = _callee(eqn, xp, namespace)
            args = ", ".join(atom(a) for a in eqn.inputs)
            outs = ", ".join(var_name(o) for o in eqn.outputs)
            if eqn.prim.multiple_results:
                outs += ","
            lines.append(f"    {outs} = {callee}({args})")
        dead = [var_name(a) for a in dict.fromkeys(eqn.inputs)
                if type(a) is Var and last_use.get(a) == k and a not in outputs]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    lines.append(f"    return [{', '.join(atom(a) for a in program.outvars)}]")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<chainrule jit {name}>", "exec"), namespace)
    return namespace[_identifier(name)], source


def _identifier(name):
    ident = "".join(c if c.isalnum() else "_" for c in name)
    return ident if ident and not ident[0].isdigit() else f"f_{ident}"


def _callee(eqn, xp, namespace):
    prim = eqn.prim
    np_name = getattr(prim, "np_name", None)
    if np_name is not None and not eqn.params and hasattr(xp, np_name):
        key = f"_{np_name}"
        namespace.setdefault(key, getattr(xp, np_name))
        return key
    key = f"_p{len(namespace)}_{_identifier(prim.name)}"
    namespace[key] = functools.partial(prim.impl, xp, **eqn.params)
    return key
