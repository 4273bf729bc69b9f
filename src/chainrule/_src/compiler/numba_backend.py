"""``jit(f, backend="numba")``: the staged program compiled by Numba into native code.

After the usual passes (``passes.optimize``) the program is cut into *segments*: maximal
runs of top-level equations that all have a Numba lowering (``RULES``, keyed by primitive
name).  Each segment becomes the Python source of one function in Numba's nopython subset,
written to a file named by the hash of its source and compiled with
``numba.njit(cache=True)``, so a later process loads the machine code from disk.  The
control-flow primitives ``scan`` (and so ``fori_loop``), ``while`` and ``switch`` (``cond``)
are lowered with their bodies inlined as native loops and branches, and nested ``jit``
calls are inlined: a loop of a thousand small steps is one native loop.

Equations without a lowering (and loops whose body holds one: the body cannot be split)
run through the NumPy code generator between the segments; the reason is kept in
``NumbaCompiled.fallbacks``, logged when ``config.log_compiles`` is set and shown by
``make_ir(f, backend="numba")``.  Numba is imported only when a program is compiled for it.

Conventions of the generated code: 0-d values are Numba scalars (typed by their dtype on
the way in and turned back into NumPy scalars on the way out), arrays are NumPy arrays;
Python scalars that meet an array of another dtype are cast to the dtype NumPy's
promotion gives (``x32 * 2.0`` stays float32).  On its first call a segment checks that
Numba's outputs have the shapes and dtypes of the program; if Numba cannot compile a
segment or gets a type wrong, that segment runs on NumPy instead (logged), never with a
different result type.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import math
import os
import sys
import tempfile
import threading
from collections import OrderedDict

import numpy as np

from .. import config
from ..core import Zero
from ..ir import Eqn, Literal, Program, use_counts, Var
from . import fusion, numba_scalar
from .derived import DerivedPrograms
from .codegen import compile_program
from .numba_common import (UFUNCS, Names, NotLowerable, dt_text, float_text, is_weak,
                           scalar_text, weak_example)
from .passes import optimize

log = logging.getLogger("chainrule.jit")

INSTALL_HINT = "pip install 'chainrule[numba]'  (or: pip install numba)"

BACKENDS = ("numpy", "numba", "auto")

AUTO_MAX_ELEMENTS = 4096
"""``backend="auto"`` compiles with Numba only programs that hold a loop (``scan``,
``fori_loop``, ``while_loop``) and whose arrays all have at most this many elements: there
the interpreter's cost per operation dominates and one native loop removes it; on large
arrays NumPy's vectorized loops are as fast and compile instantly."""

MAX_INLINE_OPS = 24
"""Most elementwise operations written as one nested expression (Numba fuses an
expression of array operations into one loop, without temporaries)."""

_numba = None


def numba_module(required=True):
    """The ``numba`` module, imported on first use; None (or ImportError) when missing."""
    global _numba
    if _numba is None:
        try:
            import numba
        except ImportError:
            _numba = False
        else:
            _numba = numba
    if _numba is False and required:
        raise ImportError("jit(..., backend='numba') needs Numba, which is not installed: "
                          f"{INSTALL_HINT}; or use backend='numpy' (the default)")
    return _numba or None


# --- scalar and constant spelling -----------------------------------------------------------
class _Value:
    """A lowered value: its source text, whether that text is a pending expression (not a
    name), the number of operations in it, and whether it is an array owned by the
    generated code (not an input, a constant or a view of one).

    A pending elementwise expression is a template of one element (``tmpl``, with a
    ``{}`` per leaf) over ``leaves`` (``(name or scalar text, shape)``) and has the type
    ``aval``: it is written as one loop nest over the result when it is named.
    """

    __slots__ = ("text", "pending", "ops", "fresh", "tmpl", "leaves", "aval")

    def __init__(self, text, pending=False, ops=0, fresh=False):
        self.text, self.pending, self.ops, self.fresh = text, pending, ops, fresh
        self.tmpl = self.leaves = self.aval = None


def _elementwise(tmpl, leaves, aval, ops):
    v = _Value(None, pending=True, ops=ops, fresh=aval.shape != ())
    v.tmpl, v.leaves, v.aval = tmpl, leaves, aval
    return v


class Lowerer:
    """Writes the body of one Numba function, equation by equation."""

    def __init__(self):
        self.lines: list = []
        self.depth = 1
        self.fresh = Names()
        self.consts: list = []  # (name, value): array constants, passed as arguments
        self._const_ids: dict = {}

    def emit(self, line):
        self.lines.append("    " * self.depth + line)

    # -- atoms --------------------------------------------------------------------------
    def const(self, value):
        """An argument name holding array constant ``value`` (a writable copy: Numba types
        read-only arrays apart, and a loop carry must keep one type)."""
        key = id(value)
        if key not in self._const_ids:
            name = f"k{len(self.consts)}"
            arr = np.asarray(value)
            arr = arr[()] if arr.ndim == 0 else np.array(arr, copy=True)
            self.consts.append((name, arr, value))
            self._const_ids[key] = name
        return self._const_ids[key]

    def scalar(self, val, dtype):
        return scalar_text(val, dtype)

    def atom(self, env, a, dtype=None):
        """``(text, value)`` of operand ``a``; cast to ``dtype`` when given and different."""
        if type(a) is Var:
            v = env[a]
            text = v.text
            if dtype is not None and np.dtype(dtype) != a.aval.dtype:
                text = self.cast(text, a.aval, dtype)
            return text, v
        if type(a) is Zero:
            return self.zeros(a.aval.shape, a.aval.dtype), _Value("", fresh=True)
        val = a.val
        target = np.dtype(dtype) if dtype is not None else a.aval.dtype
        if a.aval.dtype.kind not in "biufc" or target.kind not in "biufc":
            raise NotLowerable("constant", f"a constant of dtype {a.aval.dtype}")
        if a.aval.shape == ():
            return self.scalar(np.asarray(val).item() if not isinstance(val, (int, float, bool,
                                                                              complex))
                               else val, target), _Value("")
        text = self.const(val)
        if target != a.aval.dtype:
            text = f"{text}.astype({dt_text(target)})"
        return text, _Value(text)

    def materialized(self, env, a):
        """Text of operand ``a`` as an array value: a pending elementwise expression is
        first assigned to a name (NumPy functions need an array, not a loop body)."""
        text, v = self.atom(env, a)
        return self.name(v) if v.pending else text

    def cast(self, text, aval, dtype):
        if aval.shape == ():
            return f"{dt_text(dtype)}({text})"
        return f"({text}).astype({dt_text(dtype)})"

    def zeros(self, shape, dtype):
        if shape == ():
            return self.scalar(0, dtype)
        return f"np.zeros({tuple(shape)!r}, {dt_text(dtype)})"

    def name(self, value, prefix="t"):
        """``value`` as a plain name (a pending expression is assigned first)."""
        if not value.pending:
            return value.text
        n = self.fresh(prefix)
        if value.tmpl is None:
            self.emit(f"{n} = {value.text}")
        elif value.aval.shape == ():
            self.emit(f"{n} = {value.tmpl.format(*[text for text, _ in value.leaves])}")
        else:
            self._loop_nest(n, value)
        value.text, value.pending, value.ops, value.tmpl = n, False, 0, None
        return n

    def _loop_nest(self, n, value):
        """``n``, a new array, computed element by element from ``value``'s template:
        one loop without temporaries (Numba compiles explicit loops fast, and better than
        chains of array expressions)."""
        shape = tuple(int(s) for s in value.aval.shape)
        rank = len(shape)
        self.emit(f"{n} = np.empty({shape!r}, {dt_text(value.aval.dtype)})")
        idx = [self.fresh("j") for _ in shape]
        for d, size in enumerate(shape):
            self.emit("    " * d + f"for {idx[d]} in range({size}):")
        subs = []
        for text, lshape in value.leaves:
            r = len(lshape)
            if r == 0:
                subs.append(text)
                continue
            ix = [idx[rank - r + d] if lshape[d] == shape[rank - r + d] else "0"
                  for d in range(r)]
            subs.append(f"{text}[{', '.join(ix)}]")
        self.emit("    " * rank + f"{n}[{', '.join(idx)}] = {value.tmpl.format(*subs)}")

    def operand(self, env, a, dtype=None):
        """``(template, leaves, ops)`` of operand ``a`` of an elementwise equation, cast to
        ``dtype`` when given and different."""
        if type(a) is Var:
            v = env[a]
            if v.pending:
                tmpl, leaves, ops = v.tmpl, v.leaves, v.ops
            else:
                tmpl, leaves, ops = "{}", [(v.text, a.aval.shape)], 0
            if dtype is not None and np.dtype(dtype) != a.aval.dtype:
                tmpl = f"{dt_text(dtype)}({tmpl})"
            return tmpl, leaves, ops
        text, _ = self.atom(env, a, dtype if a.aval.shape == () else None)
        if a.aval.shape == ():
            return text, [], 0
        tmpl = "{}"
        if dtype is not None and np.dtype(dtype) != a.aval.dtype:
            tmpl = f"{dt_text(dtype)}({tmpl})"
        return tmpl, [(text, a.aval.shape)], 0

    # -- programs -----------------------------------------------------------------------
    def lower(self, program, inputs, out_dtypes=None):
        """Lower ``program`` inline with ``inputs`` (``_Value``s bound to its invars);
        return the ``_Value``s of its outputs (pending expressions allowed).  Constant
        outputs take ``out_dtypes`` when given (a loop carry keeps one type)."""
        env = dict(zip(program.invars, inputs))
        uses = use_counts(program, output_uses=2)  # outputs: never inlined into the tuple
        for eqn in program.eqns:
            self.equation(eqn, env, uses)
        outs = []
        for k, a in enumerate(program.outvars):
            if type(a) is Var:
                outs.append(env[a])
            elif type(a) is Zero:
                dtype = a.aval.dtype if out_dtypes is None else out_dtypes[k]
                outs.append(_Value(self.zeros(a.aval.shape, dtype), fresh=True))
            else:
                text, _ = self.atom(env, a, None if out_dtypes is None else out_dtypes[k])
                outs.append(_Value(text, fresh=type(a) is Zero))
        return outs

    def equation(self, eqn, env, uses):
        rule = RULES.get(eqn.prim.name)
        if rule is None:
            raise NotLowerable(eqn.prim.name)
        for a in eqn.inputs:
            if type(a) is Var and env[a].pending and (
                    not getattr(rule, "elementwise", False) or env[a].ops > MAX_INLINE_OPS):
                self.name(env[a])
        result = rule(self, eqn, env)
        results = result if eqn.prim.multiple_results else [result]
        for o, r in zip(eqn.outputs, results):
            if r.pending and uses.get(o, 0) != 1:
                self.name(r)
            elif not r.pending and not r.text.isidentifier():
                # an expression that is not elementwise: computed here, once
                r.pending = True
                self.name(r)
            env[o] = r


def _lowerable(program):
    """None when every equation of ``program`` (bodies included) has a lowering, else the
    first ``NotLowerable``."""
    for eqn in program.eqns:
        if eqn.prim.name not in RULES:
            return NotLowerable(eqn.prim.name)
        check = getattr(RULES[eqn.prim.name], "check", None)
        if check is not None:
            problem = check(eqn)
            if problem is not None:
                return problem
    return None


# --- lowering rules ----------------------------------------------------------------------------
RULES: dict = {}
"""``{primitive name: rule(lowerer, eqn, env) -> _Value (or a list for several results)}``.
A rule may carry ``elementwise = True`` (its operands may be pending expressions, its
result is one) and ``check(eqn)`` (a ``NotLowerable`` when this equation's parameters or
types are outside what it handles, found before any code is written)."""


def rule(*names, elementwise=False, check=None):
    def register(fn):
        fn.elementwise = elementwise
        if check is not None:
            fn.check = check
        for n in names:
            RULES[n] = fn
        return fn
    return register


def _operand_dtype(eqn):
    """The dtype the operands of an elementwise equation meet in: NumPy's promotion of
    the strongly typed operands with the weakly typed ones (Python scalars) as Python
    scalars of their kind."""
    strong = [a.aval.dtype for a in eqn.inputs if not is_weak(a)]
    weak = [weak_example(a.aval.dtype) for a in eqn.inputs if is_weak(a)]
    return np.result_type(*strong, *weak) if strong else None


def _ewise_args(lw, eqn, env, inputs=None, target=None):
    """``(templates, leaves, ops)`` of an elementwise equation's operands, weakly typed ones
    cast to the dtype the operation computes in."""
    inputs = eqn.inputs if inputs is None else inputs
    target = _operand_dtype(eqn) if target is None else target
    tmpls, leaves, ops = [], [], 1
    for a in inputs:
        cast = target if target is not None and is_weak(a) and a.aval.dtype != target else None
        if type(a) is Literal and a.aval.shape == () and target is not None:
            cast = target  # a Python scalar literal takes the operation's dtype
        t, lv, n = lw.operand(env, a, cast)
        tmpls.append(t)
        leaves.extend(lv)
        ops += n
    return tmpls, leaves, ops


def _ufunc_rule(np_name):
    def lower_ufunc(lw, eqn, env):
        tmpls, leaves, ops = _ewise_args(lw, eqn, env)
        return _elementwise(f"np.{np_name}({', '.join(tmpls)})", leaves,
                            eqn.outputs[0].aval, ops)
    lower_ufunc.elementwise = True
    return lower_ufunc


for _prim, _np_name in UFUNCS.items():
    RULES[_prim] = _ufunc_rule(_np_name)


def _operator_rule(op, ufunc_rule):
    """Python's operator on floating and complex operands (where it is NumPy's ufunc, and
    Numba compiles it much faster than a ufunc call); the ufunc otherwise (integer
    division, shifts and overflow differ)."""
    def lower_operator(lw, eqn, env):
        if not all(a.aval.dtype.kind in "fc" for a in list(eqn.inputs) + eqn.outputs):
            return ufunc_rule(lw, eqn, env)
        tmpls, leaves, ops = _ewise_args(lw, eqn, env)
        text = f"(-{tmpls[0]})" if op == "neg" else f"({tmpls[0]} {op} {tmpls[1]})"
        return _elementwise(text, leaves, eqn.outputs[0].aval, ops)
    lower_operator.elementwise = True
    return lower_operator


for _prim, _op in (("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/"), ("neg", "neg")):
    RULES[_prim] = _operator_rule(_op, RULES[_prim])


@rule("pow", elementwise=True)
def _pow(lw, eqn, env):
    base, exponent = eqn.inputs
    if (type(exponent) is Literal and np.ndim(exponent.val) == 0
            and np.asarray(exponent.val).dtype.kind in "iuf"
            and float(np.asarray(exponent.val)) == 2.0 and base.aval.dtype.kind == "f"
            and eqn.outputs[0].aval.dtype == base.aval.dtype
            and not (type(base) is Var and env[base].pending)):
        # x ** 2 is x * x exactly (both correctly rounded), and much cheaper than pow
        t, lv, ops = lw.operand(env, base)
        return _elementwise(f"({t} * {t})", lv + lv, eqn.outputs[0].aval, ops + 1)
    return _ufunc_rule("power")(lw, eqn, env)


@rule("scaled_sum", elementwise=True)
def _scaled_sum(lw, eqn, env):
    tmpls, leaves, ops = _ewise_args(lw, eqn, env)
    terms = [f"{tmpls[k]} * {tmpls[k + 1]}" for k in range(0, len(tmpls), 2)]
    return _elementwise(f"({' + '.join(terms)})", leaves, eqn.outputs[0].aval,
                        ops + len(terms))


@rule("select", elementwise=True)
def _select(lw, eqn, env):
    pred, a, b = eqn.inputs
    target = _operand_dtype(Eqn(eqn.prim, [a, b], [], {})) or eqn.outputs[0].aval.dtype
    pt, pl, pops = lw.operand(env, pred)
    parts = []
    for x in (a, b):
        parts.append(lw.operand(env, x, target if is_weak(x) or (
            type(x) is Literal and x.aval.shape == ()) else None))
    (at, al, aops), (bt, bl, bops) = parts
    # the leaves in the order of the template's placeholders: a, pred, b
    return _elementwise(f"({at} if {pt} else {bt})", al + pl + bl, eqn.outputs[0].aval,
                        pops + aops + bops + 1)


@rule("stop_gradient")
def _identity(lw, eqn, env):
    return env[eqn.inputs[0]] if type(eqn.inputs[0]) is Var else _Value(
        lw.atom(env, eqn.inputs[0])[0])


@rule("remat_barrier")
def _barrier(lw, eqn, env):
    return [env[a] if type(a) is Var else _Value(lw.atom(env, a)[0]) for a in eqn.inputs]


def _convert_check(eqn):
    src, dst = eqn.inputs[0].aval.dtype, eqn.params["dtype"]
    if src.kind not in "biufc" or np.dtype(dst).kind not in "biufc":
        return NotLowerable("convert_element_type", f"{src} -> {dst}")
    if src.kind == "c" and np.dtype(dst).kind != "c":
        return NotLowerable("convert_element_type", f"{src} -> {dst} (NumPy drops the "
                            "imaginary part with a warning; Numba refuses)")
    return None


@rule("convert_element_type", elementwise=True, check=_convert_check)
def _convert(lw, eqn, env):
    x = eqn.inputs[0]
    dst = np.dtype(eqn.params["dtype"])
    if x.aval.dtype == dst and type(x) is Var:
        return env[x]
    t, lv, ops = lw.operand(env, x)
    tmpl = f"({t} != 0)" if dst.kind == "b" else f"{dt_text(dst)}({t})"
    return _elementwise(tmpl, lv, eqn.outputs[0].aval, ops + 1)


def _shape_text(shape):
    return repr(tuple(int(s) for s in shape))


@rule("reshape")
def _reshape(lw, eqn, env):
    x = eqn.inputs[0]
    out = eqn.outputs[0].aval
    text, v = lw.atom(env, x)
    if type(x) is Var:
        text = lw.name(v)
    if x.aval.shape == ():
        return _Value(f"np.full({_shape_text(out.shape)}, {text})", fresh=True)
    if out.shape == ():
        return _Value(f"np.ascontiguousarray({text}).reshape(-1)[0]")
    return _Value(f"np.ascontiguousarray({text}).reshape({_shape_text(out.shape)})")


@rule("transpose")
def _transpose(lw, eqn, env):
    x = eqn.inputs[0]
    perm = tuple(eqn.params["perm"])
    if x.aval.ndim < 2 or perm == tuple(range(len(perm))):
        text, v = lw.atom(env, x)
        return v if type(x) is Var else _Value(text)
    return _Value(f"np.transpose({lw.materialized(env, x)}, {perm!r})")


@rule("broadcast_to")
def _broadcast_to(lw, eqn, env):
    x = eqn.inputs[0]
    out = eqn.outputs[0].aval
    text, v = lw.atom(env, x)
    if v.pending:
        text = lw.name(v)
    if out.shape == x.aval.shape:
        return v if type(x) is Var else _Value(text)
    if x.aval.shape == ():
        return _Value(f"np.full({_shape_text(out.shape)}, {text})", fresh=True)
    # Numba's broadcast views are read-only, a type of their own: materialize, so that
    # every array of the generated code has one type per variable.
    return _Value(f"np.broadcast_to({text}, {_shape_text(out.shape)}).copy()", fresh=True)


def _slice_text(index):
    parts = []
    for start, stop, step in index:
        parts.append(":".join("" if p is None else str(int(p)) for p in (start, stop, step)))
    return ", ".join(parts) if parts else ""


@rule("slice")
def _slice(lw, eqn, env):
    x = eqn.inputs[0]
    text, v = lw.atom(env, x)
    if v.pending:
        text = lw.name(v)
    index = eqn.params["index"]
    if not index:
        return v
    return _Value(f"{text}[{_slice_text(index)}]")


@rule("rev")
def _rev(lw, eqn, env):
    x = eqn.inputs[0]
    text, v = lw.atom(env, x)
    if v.pending:
        text = lw.name(v)
    axes = set(eqn.params["axes"])
    if not axes:
        return v
    idx = ", ".join("::-1" if k in axes else ":" for k in range(x.aval.ndim))
    return _Value(f"{text}[{idx}]")


@rule("embed_slice")
def _embed_slice(lw, eqn, env):
    x = eqn.inputs[0]
    text, v = lw.atom(env, x)
    out = eqn.outputs[0].aval
    n = lw.fresh("e")
    lw.emit(f"{n} = {lw.zeros(out.shape, out.dtype)}")
    if x.aval.size:
        lw.emit(f"{n}[{_slice_text(eqn.params['index'])}] = {text}")
    return _Value(n, fresh=True)


def _concat_check(eqn):
    if not eqn.inputs:
        return NotLowerable("concatenate", "no operands")
    return None


@rule("concatenate", check=_concat_check)
def _concatenate(lw, eqn, env):
    texts = [lw.materialized(env, a) for a in eqn.inputs]
    return _Value(f"np.concatenate(({', '.join(texts)},), axis={int(eqn.params['axis'])})",
                  fresh=True)


def _basic_index_text(spec):
    parts = []
    for s in spec:
        kind = s[0]
        if kind == "n":
            parts.append("None")
        elif kind == "e":
            parts.append("...")
        elif kind == "s":
            parts.append(":".join("" if p is None else str(int(p)) for p in s[1:]))
        elif kind == "i":
            parts.append(str(int(s[1])))
        else:
            return None
    return ", ".join(parts)


def _row_gather(spec, x_aval):
    """True for ``x[idx]`` / ``x[idx, :, ...]``: one index array on the first axis."""
    return (len(spec) >= 1 and spec[0] == ("a", 0)
            and all(s == ("s", None, None, None) for s in spec[1:]) and x_aval.ndim >= 1)


def _getitem_check(eqn):
    spec = eqn.params["spec"]
    if _basic_index_text(spec) is not None or _row_gather(spec, eqn.inputs[0].aval):
        return None
    return NotLowerable("getitem", "advanced indexing other than one index array on the "
                        "first axis")


@rule("getitem", check=_getitem_check)
def _getitem(lw, eqn, env):
    x, *arrays = eqn.inputs
    text, v = lw.atom(env, x)
    if v.pending:
        text = lw.name(v)
    spec = eqn.params["spec"]
    basic = _basic_index_text(spec)
    out = eqn.outputs[0].aval
    if basic is not None:
        if not spec or basic == "":
            return v
        if x.aval.shape == ():
            # A 0-d value is a plain scalar inside Numba, which cannot be indexed: the
            # only basic indices of a scalar add axes (None, ...), i.e. a new array.
            return _Value(f"np.full({_shape_text(out.shape)}, {text})", fresh=True)
        return _Value(f"{text}[{basic}]")
    lw.needs_kernels = True
    idx, iv = lw.atom(env, arrays[0])
    if iv.pending:
        idx = lw.name(iv)
    rows = x.aval.shape[0]
    rest = math.prod(x.aval.shape[1:])
    n_idx = math.prod(arrays[0].aval.shape)
    flat_idx = (f"np.full(1, {idx})" if arrays[0].aval.shape == ()
                else f"np.ascontiguousarray({idx}).reshape({n_idx})")
    gathered = (f"_k.take_rows(np.ascontiguousarray({text}).reshape(({rows}, {rest})), "
                f"{flat_idx})")
    if out.shape == ():
        return _Value(f"{gathered}[0, 0]")
    return _Value(f"{gathered}.reshape({_shape_text(out.shape)})", fresh=True)


def _scatter_check(eqn):
    spec = eqn.params["spec"]
    base = eqn.inputs[0].aval
    if _basic_index_text(spec) is not None:
        return None
    if _row_gather(spec, base):
        return None
    return NotLowerable(eqn.prim.name, "advanced indexing other than one index array on "
                        "the first axis")


def _scatter(kind):
    def lower_scatter(lw, eqn, env):
        base, vals, *arrays = eqn.inputs
        btext, bv = lw.atom(env, base)
        vtext, vv = lw.atom(env, vals, base.aval.dtype if vals.aval.dtype != base.aval.dtype
                            else None)
        if vv.pending:
            vtext = lw.name(vv)
        spec = eqn.params["spec"]
        basic = _basic_index_text(spec)
        n = lw.fresh("s")
        if basic is not None:
            lw.emit(f"{n} = np.copy({btext})" if base.aval.shape else f"{n} = {btext}")
            op = "+=" if kind == "add" else "="
            if base.aval.shape == ():
                lw.emit(f"{n} {op} {vtext}")
            elif basic == "":
                lw.emit(f"{n}[...] {op} {vtext}")
            else:
                lw.emit(f"{n}[{basic}] {op} {vtext}")
            return _Value(n, fresh=bool(base.aval.shape))
        lw.needs_kernels = True
        idx, iv = lw.atom(env, arrays[0])
        if iv.pending:
            idx = lw.name(iv)
        rows, rest = base.aval.shape[0], math.prod(base.aval.shape[1:])
        n_idx = math.prod(arrays[0].aval.shape)
        flat_idx = (f"np.full(1, {idx})" if arrays[0].aval.shape == ()
                    else f"np.ascontiguousarray({idx}).reshape({n_idx})")
        vshape = (n_idx,) + tuple(base.aval.shape[1:])
        flat_vals = (f"np.ascontiguousarray(np.broadcast_to({vtext}, {_shape_text(vshape)}))"
                     f".reshape(({n_idx}, {rest}))")
        lw.emit(f"{n} = _k.{kind}_rows(np.ascontiguousarray({btext}).reshape(({rows}, {rest})), "
                f"{flat_vals}, {flat_idx}).reshape({_shape_text(base.aval.shape)})")
        return _Value(n, fresh=True)
    return lower_scatter


RULES["scatter_add"] = _scatter("add")
RULES["scatter_add"].check = _scatter_check
RULES["scatter_set"] = _scatter("set")
RULES["scatter_set"].check = _scatter_check


def _rows_of(lw, text, shape, axes):
    """Source of a C-contiguous 2-D array whose rows run over ``axes`` of the array
    ``text`` of ``shape`` (the other axes, in order, flattened into the row index)."""
    keep = [k for k in range(len(shape)) if k not in axes]
    perm = tuple(keep) + tuple(axes)
    n_keep = math.prod(shape[k] for k in keep)
    n_red = math.prod(shape[k] for k in axes)
    moved = text if perm == tuple(range(len(shape))) else f"np.transpose({text}, {perm!r})"
    return f"np.ascontiguousarray({moved}).reshape(({n_keep}, {n_red}))"


_REDUCERS = {"reduce_sum": "sum", "reduce_prod": "prod", "reduce_max": "max",
             "reduce_min": "min", "reduce_and": "all", "reduce_or": "any"}


def _reduce_check(eqn):
    x = eqn.inputs[0].aval
    if x.dtype.kind not in "biuf" and eqn.prim.name not in ("reduce_sum",):
        return NotLowerable(eqn.prim.name, f"dtype {x.dtype} is not lowered")
    axes = tuple(eqn.params["axes"])
    if eqn.prim.name in ("reduce_max", "reduce_min") and any(x.shape[k] == 0 for k in axes):
        return NotLowerable(eqn.prim.name, "empty reduction (an error in NumPy)")
    return None


def _reduce(lw, eqn, env):
    x = eqn.inputs[0]
    text, v = lw.atom(env, x)
    if v.pending:
        text = lw.name(v)
    out = eqn.outputs[0].aval
    axes = tuple(sorted(int(a) for a in eqn.params["axes"]))
    kind = _REDUCERS[eqn.prim.name]
    if not axes:
        return _Value(lw.cast(text, x.aval, out.dtype) if x.aval.dtype != out.dtype else text)
    if x.aval.shape == ():
        return _Value(text)
    if kind == "sum" and len(axes) == x.aval.ndim:
        return _Value(f"{dt_text(out.dtype)}(np.sum({text}))")
    lw.needs_kernels = True
    rows = _rows_of(lw, text, x.aval.shape, axes)
    if x.aval.dtype != out.dtype:
        rows = f"{rows}.astype({dt_text(out.dtype)})"
    result = f"_k.{kind}_rows({rows})"
    if out.shape == ():
        return _Value(f"{result}[0]")
    return _Value(f"{result}.reshape({_shape_text(out.shape)})", fresh=True)


for _name in _REDUCERS:
    RULES[_name] = _reduce
    RULES[_name].check = _reduce_check


def _argm_check(eqn):
    x = eqn.inputs[0].aval
    if x.dtype.kind not in "biuf":
        return NotLowerable(eqn.prim.name, f"dtype {x.dtype} is not lowered")
    if x.size == 0:
        return NotLowerable(eqn.prim.name, "empty array (an error in NumPy)")
    return None


def _argm(lw, eqn, env):
    x = eqn.inputs[0]
    text, v = lw.atom(env, x)
    if v.pending:
        text = lw.name(v)
    out = eqn.outputs[0].aval
    if x.aval.shape == ():
        return _Value("0")
    axis = eqn.params["axis"]
    axes = tuple(range(x.aval.ndim)) if axis is None else (int(axis) % x.aval.ndim,)
    lw.needs_kernels = True
    kind = eqn.prim.name
    result = f"_k.{kind}_rows({_rows_of(lw, text, x.aval.shape, axes)})"
    if out.shape == ():
        return _Value(f"{result}[0]")
    return _Value(f"{result}.reshape({_shape_text(out.shape)})", fresh=True)


for _name in ("argmax", "argmin"):
    RULES[_name] = _argm
    RULES[_name].check = _argm_check


def _cum_check(eqn):
    x = eqn.inputs[0].aval
    if x.dtype.kind not in "iuf" or x.dtype != eqn.outputs[0].aval.dtype:
        return NotLowerable(eqn.prim.name, f"dtype {x.dtype} is not lowered")
    return None


def _cumulative(lw, eqn, env):
    x = eqn.inputs[0]
    text, v = lw.atom(env, x)
    if v.pending:
        text = lw.name(v)
    shape = x.aval.shape
    if shape == ():
        return v
    axis = int(eqn.params["axis"]) % len(shape)
    if 0 in shape:
        return _Value(f"np.ascontiguousarray({text})", fresh=True)
    lw.needs_kernels = True
    kind = eqn.prim.name
    rows = _rows_of(lw, text, shape, (axis,))
    keep = [k for k in range(len(shape)) if k != axis]
    moved_shape = tuple(shape[k] for k in keep) + (shape[axis],)
    result = f"_k.{kind}_rows({rows}).reshape({_shape_text(moved_shape)})"
    perm = tuple(keep) + (axis,)
    if perm != tuple(range(len(shape))):
        inverse = tuple(int(i) for i in np.argsort(perm))
        result = f"np.ascontiguousarray(np.transpose({result}, {inverse!r}))"
    return _Value(result, fresh=True)


for _name in ("cumsum", "cumprod"):
    RULES[_name] = _cumulative
    RULES[_name].check = _cum_check


def _flat_words(lw, env, a, shape):
    """Operand ``a`` of a random-bits primitive as a C-contiguous 1-D array of the words
    of ``shape`` (broadcast; a 0-d value is a Numba scalar, so it is filled in)."""
    text, v = lw.atom(env, a)
    if v.pending:
        text = lw.name(v)
    n = math.prod(shape)
    if a.aval.shape == ():
        return f"np.full({n}, {text})"
    if tuple(a.aval.shape) != tuple(shape):
        text = f"np.broadcast_to({text}, {_shape_text(shape)})"
    return f"np.ascontiguousarray({text}).reshape({n})"


def _words_check(eqn):
    if any(a.aval.dtype.kind not in "iu" for a in eqn.inputs):
        return NotLowerable(eqn.prim.name, "non-integer key or counter words")
    return None


@rule("threefry2x32", check=_words_check)
def _threefry(lw, eqn, env):
    # The words are cast to uint32 as the NumPy implementation does.
    shape = tuple(eqn.outputs[0].aval.shape)
    lw.needs_kernels = True
    words = [f"({_flat_words(lw, env, a, shape)}).astype(np.uint32)" for a in eqn.inputs]
    y0, y1 = lw.fresh("r"), lw.fresh("r")
    lw.emit(f"{y0}, {y1} = _k.threefry2x32({', '.join(words)})")
    if shape == ():
        return [_Value(f"{y0}[0]"), _Value(f"{y1}[0]")]
    return [_Value(f"{y}.reshape({_shape_text(shape)})", fresh=True) for y in (y0, y1)]


@rule("philox_bits", check=_words_check)
def _philox(lw, eqn, env):
    out = tuple(eqn.outputs[0].aval.shape)
    n = int(eqn.params["n"])
    lw.needs_kernels = True
    keys = [_flat_words(lw, env, a, out[:-1]) for a in eqn.inputs]
    return _Value(f"_k.philox_bits({keys[0]}, {keys[1]}, {n}).reshape({_shape_text(out)})",
                  fresh=True)


def _matmul_check(eqn):
    a, b = (x.aval for x in eqn.inputs)
    if a.ndim > 2 or b.ndim > 2 or a.ndim == 0 or b.ndim == 0:
        return NotLowerable("matmul", "operands of rank 0 or above 2 (Numba multiplies "
                            "vectors and matrices only)")
    if not (a.dtype == b.dtype and a.dtype.kind in "fc"):
        return NotLowerable("matmul", f"dtypes {a.dtype} @ {b.dtype} (Numba's BLAS takes "
                            "two floating arrays of one dtype)")
    if 0 in a.shape or 0 in b.shape:
        return NotLowerable("matmul", "empty operand")
    return None


@rule("matmul", check=_matmul_check)
def _matmul(lw, eqn, env):
    texts = [lw.materialized(env, a) for a in eqn.inputs]
    return _Value(f"np.dot(np.ascontiguousarray({texts[0]}), "
                  f"np.ascontiguousarray({texts[1]}))", fresh=eqn.outputs[0].aval.shape != ())


# --- FFT -----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=128)
def fft_plan(n):
    """Constants of a length-``n`` forward DFT for the FFT kernels of ``numba_kernels``:
    ``(tw, rev, chirp, bhat)``, read-only (each compiled function gets its own copy, once).

    A power of two ``n`` is transformed in place after a bit-reversal permutation
    (``rev``), by radix-4 passes (and one radix-2 pass for odd powers) with the twiddles
    ``tw[k] = exp(-2 pi i k / n)``, ``k < n / 2``; ``chirp`` and ``bhat`` are empty.
    Any other ``n`` uses Bluestein's algorithm: the DFT as a circular convolution of
    length ``m``, the smallest power of two ``>= 2n - 1``, with the chirp ``w_j = exp(-pi
    i j^2 / n)`` (``j^2`` reduced modulo ``2n`` first, so that the angle stays small and
    exact); ``tw`` and ``rev`` are then those of length ``m`` and ``bhat`` is the DFT of
    the zero-padded symmetric ``conj(w)``, divided by ``m``.  Its error grows
    like that of the power-of-two FFT of length ``m`` (a few times ``eps log m``).
    """
    pow2 = n & (n - 1) == 0
    m = n if pow2 else 1 << (2 * n - 2).bit_length()
    bits = m.bit_length() - 1
    k = np.arange(m, dtype=np.int64)
    rev = np.zeros(m, np.int64)
    for b in range(bits):
        rev |= ((k >> b) & 1) << (bits - 1 - b)
    tw = np.exp(-2j * np.pi * np.arange(m // 2) / m)
    if pow2:
        chirp = bhat = np.zeros(0, np.complex128)
    else:
        j = np.arange(n, dtype=np.int64)
        chirp = np.exp(-1j * np.pi * ((j * j) % (2 * n)) / n)
        b = np.zeros(m, np.complex128)
        b[:n] = chirp.conj()
        b[m - n + 1:] = chirp[1:].conj()[::-1]
        bhat = np.fft.fft(b) / m
    plan = (tw, rev, chirp, bhat)
    for a in plan:
        a.flags.writeable = False
    return plan


@functools.lru_cache(maxsize=128)
def real_fft_plan(n):
    """Constants of the real transforms (``rfft``, ``irfft``) of length ``n``: for even
    ``n`` the plan of the complex transform of length ``n / 2`` and ``half[k] = exp(-2 pi
    i k / n)`` (``k < n / 2``), which pack the even and odd samples into one complex
    sequence (see ``numba_kernels.rfft_axis``); for odd ``n`` that of length ``n`` and an
    empty ``half``."""
    if n % 2:
        half = np.zeros(0, np.complex128)
    else:
        half = np.exp(-2j * np.pi * np.arange(n // 2) / n)
    half.flags.writeable = False
    return fft_plan(n // 2 if n % 2 == 0 else n) + (half,)


def _fft_lengths(eqn):
    x = eqn.inputs[0].aval
    axes = tuple(eqn.params["axes"])
    if eqn.prim.name == "irfft":
        return [x.shape[a] for a in axes[:-1]] + [eqn.params["n"]]
    return [x.shape[a] for a in axes]


def _fft_check(eqn):
    x = eqn.inputs[0].aval
    if x.dtype.kind not in "biufc":
        return NotLowerable(eqn.prim.name, f"dtype {x.dtype} is not lowered")
    if 0 in _fft_lengths(eqn):
        return NotLowerable(eqn.prim.name, "a transform of length 0 (an error in NumPy)")
    return None


def _fft_scale(norm, n, inverse):
    """The factor NumPy's ``norm`` puts on a transform of length ``n``."""
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    return 1.0 / n if (norm == "backward") == inverse else 1.0


def _fft_pass(lw, text, shape, axis, kernel, extra, length):
    """Emit ``kernel`` applied along ``axis`` of array ``text`` of ``shape``: ``(name,
    shape)`` of the result.  The array is seen as ``(outer, shape[axis], inner)``."""
    shape = tuple(int(s) for s in shape)
    outer, inner = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    plan_of = fft_plan if kernel == "fft" else real_fft_plan
    plan = ", ".join(lw.const(c) for c in plan_of(length))
    x3 = f"np.ascontiguousarray({text}).reshape(({outer}, {shape[axis]}, {inner}))"
    out_len = length if kernel != "rfft" else length // 2 + 1
    out_shape = shape[:axis] + (out_len,) + shape[axis + 1:]
    n = lw.fresh("f")
    lw.emit(f"{n} = _k.{kernel}_axis({x3}, {', '.join(extra)}, {plan})"
            f".reshape({_shape_text(out_shape)})")
    return n, out_shape


@rule("fft", "rfft", "irfft", check=_fft_check)
def _fft(lw, eqn, env):
    x = eqn.inputs[0]
    p = eqn.params
    axes, norm, name = tuple(p["axes"]), p["norm"], eqn.prim.name
    out = eqn.outputs[0].aval
    lw.needs_kernels = True
    text = lw.materialized(env, x)
    # The kernels compute in double precision (complex64 and float32 results are rounded
    # once at the end); the input takes the dtype the first kernel reads.
    first = np.float64 if name == "rfft" else np.complex128
    if x.aval.dtype != first:
        text = f"{text}.astype({dt_text(first)})"
    shape = x.aval.shape
    if name == "fft":
        for a in axes:
            n = shape[a]
            scale = float_text(_fft_scale(norm, n, p["inverse"]))
            text, shape = _fft_pass(lw, text, shape, a, "fft",
                                    [repr(bool(p["inverse"])), scale], n)
    elif name == "rfft":
        n = shape[axes[-1]]
        text, shape = _fft_pass(lw, text, shape, axes[-1], "rfft",
                                [float_text(_fft_scale(norm, n, False))], n)
        for a in axes[:-1]:
            text, shape = _fft_pass(lw, text, shape, a, "fft",
                                    ["False", float_text(_fft_scale(norm, shape[a], False))],
                                    shape[a])
    else:
        for a in axes[:-1]:
            text, shape = _fft_pass(lw, text, shape, a, "fft",
                                    ["True", float_text(_fft_scale(norm, shape[a], True))],
                                    shape[a])
        n = int(p["n"])
        text, shape = _fft_pass(lw, text, shape, axes[-1], "irfft",
                                [repr(n), float_text(_fft_scale(norm, n, True))], n)
    if out.dtype not in (np.complex128, np.float64):
        text = f"{text}.astype({dt_text(out.dtype)})"
    return _Value(text, fresh=True)


# --- control flow --------------------------------------------------------------------------------
def _body_check(programs):
    def check(eqn):
        for p in programs(eqn):
            problem = _lowerable(p)
            if problem is not None:
                return NotLowerable(problem.prim, problem.reason + f" (in the body of "
                                    f"{eqn.prim.name})")
        return None
    return check


def _bound(lw, env, a, aval=None):
    """Operand ``a`` as a name (never a pending expression: it may be read in a loop)."""
    text, v = lw.atom(env, a, aval)
    if type(a) is Var:
        return _Value(lw.name(v), fresh=v.fresh)
    n = lw.fresh("c")
    lw.emit(f"{n} = {text}")
    return _Value(n)


def _assign_carry(lw, names, values):
    texts = [v.text for v in values]
    if names:
        lw.emit(f"{', '.join(names)}{',' if len(names) == 1 else ''} = "
                f"{', '.join(texts)}{',' if len(texts) == 1 else ''}")


@rule("jit_call", "custom_call", check=_body_check(lambda e: [e.params["compiled"].program]))
def _call(lw, eqn, env):
    program = eqn.params["compiled"].program
    inputs = [_bound(lw, env, a) for a in eqn.inputs]
    outs = lw.lower(program, inputs)
    return [_Value(lw.name(o), fresh=False) for o in outs]


@rule("scan", check=_body_check(lambda e: [e.params["body"].program]))
def _scan(lw, eqn, env):
    p = eqn.params
    program = p["body"].program
    n_consts, n_carry, length = p["n_consts"], p["n_carry"], p["length"]
    ops = [_bound(lw, env, a) for a in eqn.inputs]
    consts, init, xs = ops[:n_consts], ops[n_consts:n_consts + n_carry], ops[n_consts + n_carry:]
    carry_avals = [v.aval for v in program.outvars[:n_carry]]
    carry = []
    for v, aval, a in zip(init, carry_avals, eqn.inputs[n_consts:n_consts + n_carry]):
        n = lw.fresh("c")
        # Loop-carried values need one Numba type: literals take the carry's dtype.
        text = v.text if type(a) is Var else lw.atom(env, a, aval.dtype)[0]
        lw.emit(f"{n} = {text}")
        carry.append(n)
    ys = []
    for o in eqn.outputs[n_carry:]:
        n = lw.fresh("y")
        lw.emit(f"{n} = np.empty({_shape_text(o.aval.shape)}, {dt_text(o.aval.dtype)})")
        ys.append(n)
    i = lw.fresh("i")
    steps = f"range({length - 1}, -1, -1)" if p["reverse"] else f"range({length})"
    lw.emit(f"for {i} in {steps}:")
    lw.depth += 1
    x_vals = [_Value(f"{x.text}[{i}]") for x in xs]
    x_named = [_Value(lw.name(_Value(x.text, pending=True), "x")) for x in x_vals]
    outs = lw.lower(program, [*consts, *[_Value(c) for c in carry], *x_named],
                    [o.aval.dtype for o in eqn.outputs[:n_carry]]
                    + [o.aval.dtype for o in eqn.outputs[n_carry:]])
    for y, o in zip(ys, outs[n_carry:]):
        lw.emit(f"{y}[{i}] = {o.text}")
    _assign_carry(lw, carry, outs[:n_carry])
    lw.depth -= 1
    return [_Value(c) for c in carry] + [_Value(y, fresh=True) for y in ys]


@rule("while", check=_body_check(lambda e: [e.params["cond_fn"].program,
                                           e.params["body_fn"].program]))
def _while(lw, eqn, env):
    p = eqn.params
    n_cond, n_body = p["n_cond"], p["n_body"]
    cond, body = p["cond_fn"].program, p["body_fn"].program
    ops = [_bound(lw, env, a) for a in eqn.inputs]
    cc, bc, init = ops[:n_cond], ops[n_cond:n_cond + n_body], ops[n_cond + n_body:]
    carry = []
    for v, o, a in zip(init, eqn.outputs, eqn.inputs[n_cond + n_body:]):
        n = lw.fresh("c")
        text = v.text if type(a) is Var else lw.atom(env, a, o.aval.dtype)[0]
        lw.emit(f"{n} = {text}")
        carry.append(n)
    lw.emit("while True:")
    lw.depth += 1
    (pred,) = lw.lower(cond, [*cc, *[_Value(c) for c in carry]])
    lw.emit(f"if not {pred.text}:")
    lw.emit("    break")
    outs = lw.lower(body, [*bc, *[_Value(c) for c in carry]],
                    [o.aval.dtype for o in eqn.outputs])
    _assign_carry(lw, carry, outs)
    lw.depth -= 1
    return [_Value(c) for c in carry]


@rule("switch", check=_body_check(lambda e: [b.program for b in e.params["branches"]]))
def _switch(lw, eqn, env):
    p = eqn.params
    branches, n_consts = p["branches"], p["n_consts"]
    index = _bound(lw, env, eqn.inputs[0])
    ops = [_bound(lw, env, a) for a in eqn.inputs[1:]]
    args = ops[sum(n_consts):]
    results = [lw.fresh("r") for _ in eqn.outputs]
    k = lw.fresh("b")
    lw.emit(f"{k} = min(max({index.text}, 0), {len(branches) - 1})")
    start = 0
    for b, (branch, nc) in enumerate(zip(branches, n_consts)):
        lw.emit(f"{'if' if b == 0 else 'elif' if b < len(branches) - 1 else 'else'}"
                + (f" {k} == {b}:" if b < len(branches) - 1 else ":"))
        lw.depth += 1
        outs = lw.lower(branch.program, [*ops[start:start + nc], *args],
                        [o.aval.dtype for o in eqn.outputs])
        _assign_carry(lw, results, outs)
        lw.depth -= 1
        start += nc
    return [_Value(r) for r in results]


# --- segments -------------------------------------------------------------------------------------
_private_dir = None


def _cache_dir():
    """Where generated sources (and Numba's cache beside them) live."""
    global _private_dir
    base = os.environ.get("CHAINRULE_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "chainrule")
    path = os.path.join(base, "numba")
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".writable")
        with open(probe, "w"):
            pass
    except OSError:  # a read-only home: a private directory for this process
        if _private_dir is None:
            _private_dir = tempfile.mkdtemp(prefix="chainrule-numba-")
        path = _private_dir
    return path


def _load(source, digest):
    """The function ``segment`` defined by ``source``, from a module file named by the
    source's hash ``digest`` (Numba's on-disk cache needs a real file to key its
    entries)."""
    mod_name = f"_chainrule_numba_{digest}"
    path = os.path.join(_cache_dir(), mod_name + ".py")
    try:
        with open(path) as f:
            current = f.read()
    except OSError:
        current = None
    if current != source:
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return module.segment


COMPILED_CACHE_SIZE = 256
"""Most Numba functions kept in this process (least recently used dropped first)."""

_compiled: OrderedDict = OrderedDict()  # source hash -> Numba dispatcher
_compiled_lock = threading.Lock()


def compiled_segment(source):
    """The Numba function of segment ``source``, shared by every program of this process
    that has the same source.

    A fresh trace of an identical program (each ``infer.nuts`` call traces its model
    again) gets the function compiled before, with its machine code, instead of a new
    Numba dispatcher that would load that code from the disk cache again (about 15 ms a
    segment).  Constants are arguments of the generated function, so the source, and the
    key, do not depend on their values.  At most ``COMPILED_CACHE_SIZE`` functions are
    kept.
    """
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    with _compiled_lock:  # programs may be compiled from several threads
        fn = _compiled.get(digest)
        if fn is not None:
            _compiled.move_to_end(digest)
            return fn
        fn = numba_module().njit(cache=True, error_model="numpy")(_load(source, digest))
        _compiled[digest] = fn
        while len(_compiled) > COMPILED_CACHE_SIZE:
            old, _ = _compiled.popitem(last=False)
            sys.modules.pop(f"_chainrule_numba_{old}", None)
        return fn


@functools.lru_cache(maxsize=1)
def _kernels_version():
    """Hash of ``numba_kernels.py``, written into the sources that call it: Numba's disk
    cache checks only the caller's own file, so a segment compiled against older kernels
    would otherwise keep their machine code after an upgrade."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "numba_kernels.py")
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def _segment_source(eqns, invars, outvars):
    """Source of a function computing ``outvars`` from ``invars`` by ``eqns``."""
    lw = Lowerer()
    lw.needs_kernels = False
    program = Program(list(invars), list(eqns), list(outvars))
    params = [f"a{k}" for k in range(len(invars))]
    inputs = [_Value(p) for p in params]
    outs = lw.lower(program, inputs)
    seen: set = set()
    texts = []
    for a, o in zip(outvars, outs):
        text = lw.name(o, "o")
        # The caller owns every array it gets back: copy inputs, constants, views of
        # them (and repeats of one value).
        if a.aval.shape != () and (not o.fresh or text in seen):
            text = f"np.copy({text})"
        seen.add(lw.name(o, "o"))
        texts.append(text)
    head = ["import numpy as np"]
    if lw.needs_kernels:
        head.append("from chainrule._src.compiler import numba_kernels as _k  # "
                    + _kernels_version())
    consts = [c[0] for c in lw.consts]
    lines = head + ["", "", f"def segment({', '.join(consts + params)}):"] + lw.lines
    ret = ", ".join(texts) + ("," if len(texts) == 1 else "")
    lines.append(f"    return ({ret})")
    return "\n".join(lines) + "\n", [c[1] for c in lw.consts]


class _Segment:
    """Stands in for a primitive in a program cut into segments; only the code generator
    sees it.  Its equation's params hold the ``_SegmentCall``."""

    name = "numba_segment"
    multiple_results = True
    allocates = True
    np_name = None
    commutative = False

    def emit(self, eqn, atom, callee, namespace):
        call = eqn.params["call"]
        key = f"_nb{len(namespace)}"
        namespace[key] = call
        call.slot = (namespace, key)  # replaced by the compiled function after its first call
        outs = ", ".join(atom(o) for o in eqn.outputs) + ","
        return [f"{outs} = {key}({', '.join(atom(a) for a in eqn.inputs)})"]

    def __repr__(self):
        return self.name


SEGMENT = _Segment()


def _to_array(x):
    # Numba gives read-only arrays a type of their own; the generated code never writes
    # into its inputs, but one loop carry must keep one type.
    if type(x) is np.ndarray and x.flags.writeable:
        return x
    return np.array(x, copy=True)


class _SegmentCall:
    """Calls one Numba-compiled segment: converts its inputs, compiles on the first call
    (checking the outputs' types against the program), and falls back to NumPy when Numba
    cannot compile it."""

    def __init__(self, source, consts, invars, outvars, eqns, label, owner):
        self.source, self.consts = source, consts
        self.invars, self.outvars, self.eqns = invars, outvars, eqns
        self.label, self.owner = label, owner
        self.fn = None
        self.fallback = None
        self.slot = None
        self.convert = [(np.dtype(v.aval.dtype).type if v.aval.shape == () else _to_array)
                        for v in invars]
        self.out_scalar = [(k, np.dtype(v.aval.dtype).type) for k, v in enumerate(outvars)
                           if v.aval.shape == ()]

    def __call__(self, *args):
        if self.fallback is not None:
            return self.fallback(*args)
        conv = [f(a) for f, a in zip(self.convert, args)]
        if self.fn is None:
            return self._first_call(conv)
        outs = self.fn(*self.consts, *conv)
        if self.out_scalar:
            outs = list(outs)
            for k, t in self.out_scalar:
                outs[k] = t(outs[k])
        return outs

    def _first_call(self, conv):
        numba = numba_module()
        try:
            fn = compiled_segment(self.source)
            outs = list(fn(*self.consts, *conv))
        except (numba.core.errors.NumbaError, NotImplementedError) as e:
            first = str(e).strip().splitlines()
            self._fall_back(f"Numba could not compile it ({first[0] if first else e!r})")
            return self.fallback(*conv)
        for k, t in self.out_scalar:
            outs[k] = t(outs[k])
        for o, v in zip(outs, self.outvars):
            if np.shape(o) != v.aval.shape or np.asarray(o).dtype != v.aval.dtype:
                self._fall_back(f"Numba returned {np.asarray(o).dtype}{list(np.shape(o))} "
                                f"where the program has {v.aval}")
                return self.fallback(*conv)
        self.fn = fn
        self._install_fast_path()
        return outs

    def _install_fast_path(self):
        """Put a generated wrapper in the calling code's namespace: one Python call with
        the conversions spelled out, instead of this object's generic ``__call__``."""
        if self.slot is None:
            return
        namespace, key = self.slot
        env = {"_fn": self.fn, "_arr": _to_array}
        args = [f"a{k}" for k in range(len(self.invars))]
        conv = []
        for k, v in enumerate(self.invars):
            if v.aval.shape == ():
                env[f"_t{k}"] = np.dtype(v.aval.dtype).type
                conv.append(f"_t{k}(a{k})")
            else:
                conv.append(f"_arr(a{k})")
        for k, c in enumerate(self.consts):
            env[f"_c{k}"] = c
        call = f"_fn({', '.join([f'_c{k}' for k in range(len(self.consts))] + conv)})"
        scalar = dict(self.out_scalar)
        if scalar:
            outs = []
            for k in range(len(self.outvars)):
                if k in scalar:
                    env[f"_o{k}"] = scalar[k]
                    outs.append(f"_o{k}(r[{k}])")
                else:
                    outs.append(f"r[{k}]")
            body = [f"    r = {call}", f"    return ({', '.join(outs)},)"]
        else:
            body = [f"    return {call}"]
        source = "\n".join([f"def segment_call({', '.join(args)}):"] + body) + "\n"
        exec(compile(source, "<chainrule numba segment call>", "exec"), env)
        namespace[key] = env["segment_call"]

    def _fall_back(self, reason):
        prims = sorted({e.prim.name for e in self.eqns})
        self.owner.fallbacks.append((self.label, reason))
        log.warning("jit(%s, backend='numba'): %s of primitives %s runs on NumPy: %s",
                    self.owner.name, self.label, ", ".join(prims), reason)
        program = Program(list(self.invars), list(self.eqns), list(self.outvars))
        self.fallback, _ = compile_program(program, np, "numba_fallback", fresh_outputs=True)
        if self.slot is not None:
            namespace, key = self.slot
            namespace[key] = self.fallback


def _segments(program):
    """Runs of lowerable top-level equations: ``[(lo, hi, None) or (k, k+1, problem)]``."""
    runs, start = [], None
    for k, eqn in enumerate(program.eqns):
        problem = _lowerable(Program([], [eqn], []))
        if problem is None:
            if start is None:
                start = k
            continue
        if start is not None:
            runs.append((start, k, None))
            start = None
        runs.append((k, k + 1, problem))
    if start is not None:
        runs.append((start, len(program.eqns), None))
    return runs


class NumbaCompiled(DerivedPrograms):
    """A program compiled by Numba where it can be (see the module's docstring); it
    serves ``jit`` as ``jit.Compiled`` does.

    ``fallbacks`` lists ``(what, reason)`` for every part that runs on NumPy instead;
    ``segments`` the calls of the compiled segments (``fn``: the Numba function, after
    the first call).
    """

    def __init__(self, program, xp, name, fresh_outputs=False):
        self.program = optimize(program)
        self.xp = xp
        self.name = name
        self.fallbacks: list = []
        self.segments: list = []  # the _SegmentCall of each compiled segment
        if xp is not np:
            self.fn, self.source = compile_program(fusion.fuse(self.program, xp), xp, name,
                                                   fresh_outputs)
            self.fallbacks.append(("program", f"arrays of {xp.__name__} (Numba takes NumPy "
                                              "arrays)"))
            return
        numba_module()
        eqns = self.program.eqns
        later_use: dict = {}  # var -> index of its last reader (len(eqns) for outputs)
        for k, eqn in enumerate(eqns):
            for a in eqn.inputs:
                if type(a) is Var:
                    later_use[a] = k
        for a in self.program.outvars:
            if type(a) is Var:
                later_use[a] = len(eqns)
        new_eqns, sources = [], []
        for lo, hi, problem in _segments(self.program):
            if problem is not None:
                self.fallbacks.append((eqns[lo].prim.name, problem.reason))
                new_eqns.append(eqns[lo])
                continue
            run = eqns[lo:hi]
            defined = {o for e in run for o in e.outputs}
            invars = list(dict.fromkeys(a for e in run for a in e.inputs
                                        if type(a) is Var and a not in defined))
            outvars = [o for e in run for o in e.outputs if later_use.get(o, -1) >= hi]
            if not outvars:
                continue
            label = f"equations {lo}-{hi - 1}"
            source = None
            if numba_scalar.scalarizable(run, invars):
                try:
                    source, consts = numba_scalar.scalar_segment_source(run, invars, outvars)
                except NotLowerable:  # lowered with arrays instead
                    source = None
            try:
                if source is None:
                    source, consts = _segment_source(run, invars, outvars)
            except NotLowerable as e:  # found while writing the code
                self.fallbacks.append((e.prim, e.reason))
                new_eqns.extend(run)
                continue
            call = _SegmentCall(source, consts, invars, outvars, run, label, self)
            self.segments.append(call)
            new_eqns.append(Eqn(SEGMENT, invars, outvars, {"call": call}))
            sources.append(f"# {label}\n{source}")
        segmented = Program(self.program.invars, new_eqns, self.program.outvars)
        fn, source = compile_program(segmented, xp, name, fresh_outputs)
        self.fn = fn
        self.source = source + "".join(f"\n{s}" for s in sources)
        if self.fallbacks and config.log_compiles:
            for what, reason in self.fallbacks:
                log.info("jit(%s, backend='numba'): %s runs on NumPy: %s", name, what, reason)

    def __call__(self, *args):
        return self.fn(*args)

    def on(self, xp):
        """This program for the arrays of namespace ``xp``: itself for NumPy, else the
        NumPy code generator's program for that library."""
        if xp is self.xp:
            return self
        cache = self.__dict__.setdefault("_other_namespaces", {})
        if xp not in cache:
            cache[xp] = NumbaCompiled(self.program, xp, "on_" + xp.__name__.replace(".", "_"))
        return cache[xp]


def _walk_avals(program):
    for v in program.invars:
        yield v.aval
    for eqn in program.eqns:
        for o in eqn.outputs:
            yield o.aval
        for val in eqn.params.values():
            for c in (val if isinstance(val, tuple) else (val,)):
                inner = getattr(c, "program", None)
                if isinstance(inner, Program):
                    yield from _walk_avals(inner)


def _has_loop(program):
    for eqn in program.eqns:
        if eqn.prim.name in ("scan", "while"):
            return True
        for val in eqn.params.values():
            for c in (val if isinstance(val, tuple) else (val,)):
                inner = getattr(c, "program", None)
                if isinstance(inner, Program) and _has_loop(inner):
                    return True
    return False


def auto_prefers_numba(program):
    """``backend="auto"``'s rule: Numba installed, a loop (``scan``/``while``) that Numba
    can compile, and no array above ``AUTO_MAX_ELEMENTS`` elements."""
    if not _has_loop(program) or numba_module(required=False) is None:
        return False
    if any(math.prod(a.shape) > AUTO_MAX_ELEMENTS for a in _walk_avals(program)):
        return False
    return any(e.prim.name in ("scan", "while") and _lowerable(Program([], [e], [])) is None
               for e in program.eqns)


def fallback_notes(program):
    """Lines naming each equation of ``program`` that Numba would not compile, and why."""
    notes = []
    for lo, _, problem in _segments(program):
        if problem is not None:
            notes.append(f"numba: equation {lo} ({program.eqns[lo].prim.name}) runs on "
                         f"NumPy: {problem}")
    return notes
