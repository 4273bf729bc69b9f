"""The intermediate representation: a straight-line program of primitive equations.

Linearization records the tangent half of a computation as a ``Program``; transposing it
gives reverse mode.  The same structure is what staging (jit) produces.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .core import Primitive, ShapedArray, Zero, get_aval, is_tracer

_var_ids = itertools.count()


class Var:
    """A named intermediate value of a program."""

    __slots__ = ("aval", "_id")

    def __init__(self, aval: ShapedArray):
        self.aval = aval
        self._id = None

    @property
    def id(self) -> int:
        """A number for printing, given on first use (most variables are never printed)."""
        if self._id is None:
            self._id = next(_var_ids)
        return self._id

    def __repr__(self):
        return f"v{self.id}"


class Literal:
    """A constant captured by a program (an array, a scalar, or an outer tracer)."""

    __slots__ = ("val", "aval")

    def __init__(self, val):
        self.val = val
        self.aval = get_aval(val)

    def __repr__(self):
        shape = self.aval.shape
        if shape == () and not is_tracer(self.val):
            return repr(self.val.item() if hasattr(self.val, "item") else self.val)
        return f"const<{self.aval}>"


class Eqn:
    """``outputs = prim(*inputs, **params)``; inputs are ``Var`` or ``Literal``."""

    __slots__ = ("prim", "inputs", "outputs", "params")

    def __init__(self, prim: Primitive, inputs: list, outputs: list, params: dict):
        self.prim = prim
        self.inputs = inputs
        self.outputs = outputs
        self.params = params

    def pretty(self, name):
        outs = " ".join(f"{name(v)}:{v.aval}" for v in self.outputs)
        ins = " ".join(name(a) if type(a) is Var else repr(a) for a in self.inputs)
        ps = ", ".join(f"{k}={v!r}" for k, v in self.params.items()
                       if not k.startswith("_"))
        head = f"{self.prim.name}[{ps}]" if ps else self.prim.name
        return f"{outs} = {head} {ins}"

    def __repr__(self):
        return self.pretty(repr)


def _short_names():
    names: dict = {}

    def name(v):
        if v not in names:
            n, s = len(names), ""
            while True:
                s = chr(ord("a") + n % 26) + s
                n = n // 26 - 1
                if n < 0:
                    break
            names[v] = s
        return names[v]
    return name


@dataclass
class Program:
    invars: list
    eqns: list = field(default_factory=list)
    outvars: list = field(default_factory=list)  # Var | Literal | Zero

    def __repr__(self):
        name = _short_names()
        lines = ["{ lambda " + " ".join(f"{name(v)}:{v.aval}" for v in self.invars) + ". let"]
        lines += [f"    {e.pretty(name)}" for e in self.eqns]
        outs = ", ".join(name(a) if type(a) is Var else repr(a) for a in self.outvars)
        lines.append(f"  in ({outs}) }}")
        lines += [f"# {note}" for note in getattr(self, "notes", ())]
        return "\n".join(lines)


def use_counts(program: Program, output_uses=1) -> dict:
    """``{var: times read}`` over ``program``'s equations, each output counting
    ``output_uses`` more (a pass that must never inline an output counts it twice)."""
    uses: dict = {}
    for eqn in program.eqns:
        for a in eqn.inputs:
            if type(a) is Var:
                uses[a] = uses.get(a, 0) + 1
    for a in program.outvars:
        if type(a) is Var:
            uses[a] = uses.get(a, 0) + output_uses
    return uses


def read(env, atom):
    if type(atom) is Literal:
        return atom.val
    if type(atom) is Zero:
        return atom
    return env[atom]


def eval_program(program: Program, args):
    """Evaluate ``program`` on ``args`` with the current trace (so it can be transformed)."""
    env = dict(zip(program.invars, args))
    for eqn in program.eqns:
        ins = [read(env, a) for a in eqn.inputs]
        outs = eqn.prim.bind(*ins, **eqn.params)
        if not eqn.prim.multiple_results:
            outs = (outs,)
        env.update(zip(eqn.outputs, outs))
    return [read(env, a) for a in program.outvars]
