"""Scalarized lowering for the Numba backend: small arrays as one scalar per element.

When every value of a segment is small (at most ``SCALAR_MAX`` elements; the stacked
inputs and outputs of a ``scan`` excepted, which stay arrays read and written one element
at a time), each array becomes a list of scalar variables, one per element in C order, and
every operation becomes straight-line scalar code: shape operations (reshape, transpose,
slicing, broadcasting, concatenation) cost nothing at run time, elementwise operations are
one scalar operation per element, reductions and matrix products are sums written out.
No array is allocated inside a loop, and LLVM keeps the state in registers: a loop of ten
thousand RK4 steps on a 12-number state is one native loop.

Anything outside this subset raises ``NotLowerable`` and the segment is lowered with
arrays instead (``numba_backend.Lowerer``).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Zero
from ..ir import Literal, Program, Var
from .numba_common import (UFUNCS, Names, NotLowerable, dt_text, is_weak, scalar_text,
                           weak_example)

SCALAR_MAX = 64
"""Largest array (in elements) that the scalarized lowering spells as scalars."""

MAX_LINES = 20_000
"""Longest scalarized function; beyond it the segment is lowered with arrays (Numba's
compile time grows with the length of the function)."""


class _SV:
    """A lowered value: ``elems`` (scalar source texts, C order) or ``array`` (a name)."""

    __slots__ = ("elems", "array", "aval")

    def __init__(self, aval, elems=None, array=None):
        self.aval, self.elems, self.array = aval, elems, array


def _positions(shape):
    return np.arange(math.prod(shape), dtype=np.int64).reshape(shape)


def _index_text(shape, k):
    idx = np.unravel_index(k, shape) if shape else ()
    return ", ".join(str(int(i)) for i in idx)


class ScalarLowerer:
    def __init__(self):
        self.lines: list = []
        self.depth = 1
        self.fresh = Names()
        self.consts: list = []  # (name, value): array constants, passed as arguments

    def const(self, value):
        """An argument name holding a writable copy of array constant ``value``."""
        name = f"k{len(self.consts)}"
        self.consts.append((name, np.array(value, copy=True)))
        return name

    def emit(self, line):
        self.lines.append("    " * self.depth + line)
        if len(self.lines) > MAX_LINES:
            raise NotLowerable("scalarize", f"more than {MAX_LINES} lines of scalar code")

    def scalar(self, val, dtype):
        return scalar_text(val, dtype)

    def assign(self, text, prefix="t"):
        n = self.fresh(prefix)
        self.emit(f"{n} = {text}")
        return n

    def elems(self, env, a, dtype=None):
        """The element texts of operand ``a`` (cast to ``dtype`` when given)."""
        if type(a) is Var:
            v = env[a]
            if v.elems is None:
                raise NotLowerable("scalarize", f"a large array ({a.aval}) used elementwise")
            if dtype is not None and np.dtype(dtype) != a.aval.dtype:
                return [f"{dt_text(dtype)}({e})" for e in v.elems]
            return v.elems
        if type(a) is Zero:
            return [self.scalar(0, dtype or a.aval.dtype)] * math.prod(a.aval.shape)
        val = np.asarray(a.val)
        if val.size > SCALAR_MAX:
            raise NotLowerable("scalarize", "a large constant")
        target = np.dtype(dtype) if dtype is not None else a.aval.dtype
        if val.dtype.kind not in "biufc":
            raise NotLowerable("constant", f"dtype {val.dtype}")
        return [self.scalar(x, target) for x in val.reshape(-1).tolist()]

    def pack(self, value, shape, dtype):
        """An array name holding ``value``."""
        if value.array is not None:
            return value.array
        n = self.fresh("p")
        self.emit(f"{n} = np.empty({tuple(int(s) for s in shape)!r}, {dt_text(dtype)})")
        for k, e in enumerate(value.elems):
            self.emit(f"{n}[{_index_text(shape, k) or '()'}] = {e}")
        value.array = n
        return n

    def lower(self, program, inputs, out_dtypes=None):
        env = dict(zip(program.invars, inputs))
        for eqn in program.eqns:
            rule = SCALAR_RULES.get(eqn.prim.name)
            if rule is None:
                raise NotLowerable(eqn.prim.name, "no scalarized lowering")
            outs = rule(self, eqn, env)
            if not eqn.prim.multiple_results:
                outs = [outs]
            for o, v in zip(eqn.outputs, outs):
                env[o] = v
        result = []
        for k, a in enumerate(program.outvars):
            if type(a) is Var:
                result.append(env[a])
            else:
                dtype = a.aval.dtype if out_dtypes is None else out_dtypes[k]
                result.append(_SV(a.aval, elems=self.elems(env, a, dtype)))
        return result


SCALAR_RULES: dict = {}


def _broadcast_map(shape, out_shape):
    return np.broadcast_to(_positions(shape), out_shape).reshape(-1)


def _ewise(fmt, fallback=None):
    """An elementwise rule: ``fmt(texts)`` gives one element's expression (``fallback``'s
    when an operand or the result is not a floating or complex number: Python's operators
    on integers and booleans differ from NumPy's ufuncs)."""
    def lower(lw, eqn, env):
        if fallback is not None and not all(
                a.aval.dtype.kind in "fc" for a in list(eqn.inputs) + eqn.outputs):
            return fallback(lw, eqn, env)
        strong = [a.aval.dtype for a in eqn.inputs if not is_weak(a)]
        weak = [weak_example(a.aval.dtype) for a in eqn.inputs if is_weak(a)]
        target = np.result_type(*strong, *weak) if strong else None
        out = eqn.outputs[0].aval
        cols = []
        for a in eqn.inputs:
            cast = target if target is not None and (is_weak(a) or (
                type(a) is Literal and a.aval.shape == ())) else None
            es = lw.elems(env, a, cast)
            cols.append([es[i] for i in _broadcast_map(a.aval.shape, out.shape)])
        elems = [lw.assign(fmt(list(texts))) for texts in zip(*cols)] if cols else []
        return _SV(out, elems=elems)
    return lower


for _prim, _np_name in UFUNCS.items():
    SCALAR_RULES[_prim] = _ewise(lambda t, n=_np_name: f"np.{n}({', '.join(t)})")
for _prim, _op in (("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/")):
    SCALAR_RULES[_prim] = _ewise(lambda t, op=_op: f"{t[0]} {op} {t[1]}", SCALAR_RULES[_prim])
SCALAR_RULES["neg"] = _ewise(lambda t: f"-{t[0]}", SCALAR_RULES["neg"])
SCALAR_RULES["scaled_sum"] = _ewise(
    lambda t: " + ".join(f"{t[k]} * {t[k + 1]}" for k in range(0, len(t), 2)),
    _ewise(lambda t: " + ".join(f"np.multiply({t[k]}, {t[k + 1]})"
                                for k in range(0, len(t), 2))))


def _pow(lw, eqn, env):
    base, exponent = eqn.inputs
    if (type(exponent) is Literal and np.ndim(exponent.val) == 0
            and float(np.asarray(exponent.val).real) == 2.0 and base.aval.dtype.kind == "f"
            and np.asarray(exponent.val).dtype.kind in "iuf"):
        # x ** 2 is x * x exactly (both correctly rounded), and much cheaper than pow
        return _ewise(lambda t: f"{t[0]} * {t[0]}")(lw, eqn, env)
    return _ewise(lambda t: f"np.power({t[0]}, {t[1]})")(lw, eqn, env)


SCALAR_RULES["pow"] = _pow


def _select(lw, eqn, env):
    pred, a, b = eqn.inputs
    strong = [x.aval.dtype for x in (a, b) if not is_weak(x)]
    weak = [weak_example(x.aval.dtype) for x in (a, b) if is_weak(x)]
    target = np.result_type(*strong, *weak) if strong else eqn.outputs[0].aval.dtype
    out = eqn.outputs[0].aval
    p = lw.elems(env, pred)
    cols = [[lw.elems(env, x, target if is_weak(x) or type(x) is Literal else None)[i]
             for i in _broadcast_map(x.aval.shape, out.shape)] for x in (a, b)]
    ps = [p[i] for i in _broadcast_map(pred.aval.shape, out.shape)]
    return _SV(out, elems=[lw.assign(f"{x} if {c} else {y}")
                           for c, x, y in zip(ps, *cols)])


SCALAR_RULES["select"] = _select


def _convert(lw, eqn, env):
    x = eqn.inputs[0]
    dst = np.dtype(eqn.params["dtype"])
    src = x.aval.dtype
    if src.kind not in "biufc" or dst.kind not in "biufc" or (src.kind == "c" and
                                                               dst.kind != "c"):
        raise NotLowerable("convert_element_type", f"{src} -> {dst}")
    es = lw.elems(env, x)
    if dst.kind == "b":
        return _SV(eqn.outputs[0].aval, elems=[lw.assign(f"{e} != 0") for e in es])
    if dst == src:
        return _SV(eqn.outputs[0].aval, elems=es)
    return _SV(eqn.outputs[0].aval, elems=[lw.assign(f"{dt_text(dst)}({e})") for e in es])


SCALAR_RULES["convert_element_type"] = _convert


def _relabel(index_map):
    """A shape rule: the output's elements are the input's, picked by ``index_map(eqn)``."""
    def lower(lw, eqn, env):
        es = lw.elems(env, eqn.inputs[0])
        return _SV(eqn.outputs[0].aval, elems=[es[i] for i in index_map(eqn)])
    return lower


def _basic_index(spec):
    out = []
    for s in spec:
        if s[0] == "n":
            out.append(None)
        elif s[0] == "e":
            out.append(Ellipsis)
        elif s[0] == "s":
            out.append(slice(*s[1:]))
        elif s[0] == "i":
            out.append(s[1])
        else:
            raise NotLowerable("getitem", "an index array (scalarized lowering)")
    return tuple(out)


def _slices(index):
    return tuple(slice(*s) for s in index)


SCALAR_RULES["reshape"] = _relabel(lambda e: range(math.prod(e.outputs[0].aval.shape)))
SCALAR_RULES["stop_gradient"] = _relabel(lambda e: range(math.prod(e.inputs[0].aval.shape)))
SCALAR_RULES["transpose"] = _relabel(
    lambda e: _positions(e.inputs[0].aval.shape).transpose(e.params["perm"]).reshape(-1))
SCALAR_RULES["broadcast_to"] = _relabel(
    lambda e: _broadcast_map(e.inputs[0].aval.shape, e.outputs[0].aval.shape))
SCALAR_RULES["slice"] = _relabel(
    lambda e: _positions(e.inputs[0].aval.shape)[_slices(e.params["index"])].reshape(-1))
SCALAR_RULES["rev"] = _relabel(lambda e: np.flip(
    _positions(e.inputs[0].aval.shape), tuple(e.params["axes"])).reshape(-1))


def _getitem(lw, eqn, env):
    if len(eqn.inputs) != 1:
        raise NotLowerable("getitem", "an index array (scalarized lowering)")
    index = _basic_index(eqn.params["spec"])
    return _relabel(lambda e: np.asarray(_positions(e.inputs[0].aval.shape)[index]).reshape(-1)
                    )(lw, eqn, env)


SCALAR_RULES["getitem"] = _getitem


def _embed_slice(lw, eqn, env):
    out = eqn.outputs[0].aval
    es = lw.elems(env, eqn.inputs[0])
    elems = [lw.scalar(0, out.dtype)] * math.prod(out.shape)
    for k, p in enumerate(_positions(out.shape)[_slices(eqn.params["index"])].reshape(-1)):
        elems[p] = es[k]
    return _SV(out, elems=elems)


SCALAR_RULES["embed_slice"] = _embed_slice


def _scatter(kind):
    def lower(lw, eqn, env):
        if len(eqn.inputs) != 2:
            raise NotLowerable(eqn.prim.name, "an index array (scalarized lowering)")
        base, vals = eqn.inputs
        out = eqn.outputs[0].aval
        elems = list(lw.elems(env, base))
        target = _positions(out.shape)[_basic_index(eqn.params["spec"])]
        vs = lw.elems(env, vals, out.dtype if vals.aval.dtype != out.dtype else None)
        vmap = np.broadcast_to(_positions(vals.aval.shape), np.shape(target)).reshape(-1)
        for p, i in zip(np.asarray(target).reshape(-1), vmap):
            elems[p] = lw.assign(f"{elems[p]} + {vs[i]}") if kind == "add" else vs[i]
        return _SV(out, elems=elems)
    return lower


SCALAR_RULES["scatter_add"] = _scatter("add")
SCALAR_RULES["scatter_set"] = _scatter("set")


def _concatenate(lw, eqn, env):
    axis = int(eqn.params["axis"])
    parts, offset = [], 0
    allelems = []
    for a in eqn.inputs:
        es = lw.elems(env, a)
        parts.append(_positions(a.aval.shape) + offset)
        offset += len(es)
        allelems.extend(es)
    order = np.concatenate(parts, axis=axis).reshape(-1)
    return _SV(eqn.outputs[0].aval, elems=[allelems[i] for i in order])


SCALAR_RULES["concatenate"] = _concatenate


def _fold(op):
    def lower(lw, eqn, env):
        x = eqn.inputs[0]
        out = eqn.outputs[0].aval
        axes = tuple(sorted(int(a) for a in eqn.params["axes"]))
        es = lw.elems(env, x, out.dtype if x.aval.dtype != out.dtype else None)
        keep = [k for k in range(x.aval.ndim) if k not in axes]
        n_red = math.prod(x.aval.shape[k] for k in axes)
        if n_red == 0:
            if op in ("max", "min"):
                raise NotLowerable(eqn.prim.name, "empty reduction")
            init = {"sum": 0, "prod": 1, "all": True, "any": False}[op]
            return _SV(out, elems=[lw.scalar(init, out.dtype)] * math.prod(out.shape))
        rows = _positions(x.aval.shape).transpose(keep + list(axes)).reshape(-1, n_red)
        elems = []
        for row in rows:
            acc = es[row[0]]
            for i in row[1:]:
                acc = lw.assign({"sum": f"{acc} + {es[i]}", "prod": f"{acc} * {es[i]}",
                                 "max": f"np.maximum({acc}, {es[i]})",
                                 "min": f"np.minimum({acc}, {es[i]})",
                                 "all": f"{acc} and {es[i]}",
                                 "any": f"{acc} or {es[i]}"}[op])
            elems.append(acc)
        return _SV(out, elems=elems)
    return lower


for _name, _op in (("reduce_sum", "sum"), ("reduce_prod", "prod"), ("reduce_max", "max"),
                   ("reduce_min", "min"), ("reduce_and", "all"), ("reduce_or", "any")):
    SCALAR_RULES[_name] = _fold(_op)


def _cumulative(op):
    def lower(lw, eqn, env):
        x = eqn.inputs[0]
        out = eqn.outputs[0].aval
        if x.aval.dtype != out.dtype or not x.aval.shape:
            raise NotLowerable(eqn.prim.name, "dtype change (scalarized lowering)")
        es = lw.elems(env, x)
        axis = int(eqn.params["axis"]) % x.aval.ndim
        pos = np.moveaxis(_positions(x.aval.shape), axis, -1).reshape(-1, x.aval.shape[axis])
        elems = list(es)
        for row in pos:
            acc = None
            for i in row:
                acc = es[i] if acc is None else lw.assign(f"{acc} {op} {es[i]}")
                elems[i] = acc
        return _SV(out, elems=elems)
    return lower


SCALAR_RULES["cumsum"] = _cumulative("+")
SCALAR_RULES["cumprod"] = _cumulative("*")


def _matmul(lw, eqn, env):
    a, b = eqn.inputs
    if a.aval.ndim not in (1, 2) or b.aval.ndim not in (1, 2):
        raise NotLowerable("matmul", "rank (scalarized lowering)")
    if a.aval.dtype != b.aval.dtype or a.aval.dtype.kind not in "fc":
        raise NotLowerable("matmul", "dtypes (scalarized lowering)")
    ea, eb = lw.elems(env, a), lw.elems(env, b)
    A = np.array(range(len(ea))).reshape(a.aval.shape if a.aval.ndim == 2 else (1, -1))
    B = np.array(range(len(eb))).reshape(b.aval.shape if b.aval.ndim == 2 else (-1, 1))
    elems = []
    for i in range(A.shape[0]):
        for j in range(B.shape[1]):
            terms = [f"{ea[A[i, k]]} * {eb[B[k, j]]}" for k in range(A.shape[1])]
            elems.append(lw.assign(" + ".join(terms)) if terms else
                         lw.scalar(0, eqn.outputs[0].aval.dtype))
    return _SV(eqn.outputs[0].aval, elems=elems)


SCALAR_RULES["matmul"] = _matmul


def _identity_many(lw, eqn, env):
    return [env[a] if type(a) is Var else _SV(a.aval, elems=lw.elems(env, a))
            for a in eqn.inputs]


SCALAR_RULES["remat_barrier"] = _identity_many


def _small_inputs(lw, env, atoms):
    out = []
    for a in atoms:
        if type(a) is Var:
            out.append(env[a])
        else:
            out.append(_SV(a.aval, elems=lw.elems(env, a)))
    return out


def _call(lw, eqn, env):
    return lw.lower(eqn.params["compiled"].program, _small_inputs(lw, env, eqn.inputs))


SCALAR_RULES["jit_call"] = SCALAR_RULES["custom_call"] = _call


def _carry_vars(lw, values, avals):
    """Fresh variables holding ``values`` (a loop carry: one variable per element)."""
    out = []
    for v, aval in zip(values, avals):
        if v.elems is None:
            raise NotLowerable("scalarize", "a large loop carry")
        names = []
        for e in v.elems:
            names.append(lw.assign(e if aval.dtype == v.aval.dtype else
                                   f"{dt_text(aval.dtype)}({e})", "c"))
        out.append(_SV(aval, elems=names))
    return out


def _update(lw, carry, values):
    targets = [n for c in carry for n in c.elems]
    sources = [e for v in values for e in v.elems]
    if targets:
        lw.emit(f"{', '.join(targets)}, = {', '.join(sources)},")


def _scan(lw, eqn, env):
    p = eqn.params
    program = p["body"].program
    n_consts, n_carry, length = p["n_consts"], p["n_carry"], p["length"]
    ops = _small_inputs(lw, env, eqn.inputs[:n_consts + n_carry])
    consts, init = ops[:n_consts], ops[n_consts:]
    xs = []
    for a in eqn.inputs[n_consts + n_carry:]:
        if type(a) is Var:
            xs.append(lw.pack(env[a], a.aval.shape, a.aval.dtype))
        else:
            xs.append(lw.const(a.val))
    carry_avals = [o.aval for o in eqn.outputs[:n_carry]]
    carry = _carry_vars(lw, init, carry_avals)
    ys = []
    for o in eqn.outputs[n_carry:]:
        ys.append(lw.assign(f"np.empty({tuple(o.aval.shape)!r}, {dt_text(o.aval.dtype)})", "y"))
    i = lw.fresh("i")
    lw.emit(f"for {i} in {f'range({length - 1}, -1, -1)' if p['reverse'] else f'range({length})'}:")
    lw.depth += 1
    x_vals = []
    for x, a in zip(xs, eqn.inputs[n_consts + n_carry:]):
        shape = a.aval.shape[1:]
        elems = [lw.assign(f"{x}[{i}{', ' if shape else ''}{_index_text(shape, k)}]", "x")
                 for k in range(math.prod(shape))]
        x_vals.append(_SV(None, elems=elems))
    outs = lw.lower(program, [*consts, *carry, *x_vals],
                    [o.aval.dtype for o in eqn.outputs])
    for y, o, aval in zip(ys, outs[n_carry:], eqn.outputs[n_carry:]):
        shape = aval.aval.shape[1:]
        if o.elems is None:
            raise NotLowerable("scalarize", "a large per-step output")
        for k, e in enumerate(o.elems):
            lw.emit(f"{y}[{i}{', ' if shape else ''}{_index_text(shape, k)}] = {e}")
    _update(lw, carry, outs[:n_carry])
    lw.depth -= 1
    return carry + [_unpacked(lw, y, o.aval) for y, o in zip(ys, eqn.outputs[n_carry:])]


def _unpacked(lw, name, aval):
    """An array result, with its elements read into scalars when it is small."""
    if math.prod(aval.shape) > SCALAR_MAX:
        return _SV(aval, array=name)
    elems = [lw.assign(f"{name}[{_index_text(aval.shape, k) or '()'}]")
             for k in range(math.prod(aval.shape))]
    return _SV(aval, elems=elems, array=name)


SCALAR_RULES["scan"] = _scan


def _while(lw, eqn, env):
    p = eqn.params
    n_cond, n_body = p["n_cond"], p["n_body"]
    ops = _small_inputs(lw, env, eqn.inputs)
    cc, bc, init = ops[:n_cond], ops[n_cond:n_cond + n_body], ops[n_cond + n_body:]
    carry = _carry_vars(lw, init, [o.aval for o in eqn.outputs])
    lw.emit("while True:")
    lw.depth += 1
    (pred,) = lw.lower(p["cond_fn"].program, [*cc, *carry])
    lw.emit(f"if not {pred.elems[0]}:")
    lw.emit("    break")
    outs = lw.lower(p["body_fn"].program, [*bc, *carry], [o.aval.dtype for o in eqn.outputs])
    _update(lw, carry, outs)
    lw.depth -= 1
    return carry


SCALAR_RULES["while"] = _while


def _switch(lw, eqn, env):
    p = eqn.params
    branches, n_consts = p["branches"], p["n_consts"]
    ops = _small_inputs(lw, env, eqn.inputs)
    index, ops = ops[0], ops[1:]
    args = ops[sum(n_consts):]
    results = [_SV(o.aval, elems=[lw.fresh("r") for _ in range(math.prod(o.aval.shape))])
               for o in eqn.outputs]
    k = lw.assign(f"min(max({index.elems[0]}, 0), {len(branches) - 1})", "b")
    start = 0
    for b, (branch, nc) in enumerate(zip(branches, n_consts)):
        last = b == len(branches) - 1
        lw.emit("else:" if last and b else f"{'if' if b == 0 else 'elif'} {k} == {b}:"
                if not last else "if True:")
        lw.depth += 1
        outs = lw.lower(branch.program, [*ops[start:start + nc], *args],
                        [o.aval.dtype for o in eqn.outputs])
        _update(lw, results, outs)
        lw.depth -= 1
        start += nc
    return results


SCALAR_RULES["switch"] = _switch


def scalar_segment_source(eqns, invars, outvars):
    """``(source, consts)`` of one segment in the scalarized form, or ``NotLowerable``."""
    for v in invars:
        if v.aval.dtype.kind not in "biufc":
            raise NotLowerable("scalarize", f"an input of dtype {v.aval.dtype}")
    lw = ScalarLowerer()
    params = [f"a{k}" for k in range(len(invars))]
    inputs = []
    for p, v in zip(params, invars):
        if v.aval.shape == ():
            inputs.append(_SV(v.aval, elems=[p]))
        else:
            inputs.append(_unpacked(lw, p, v.aval))
            inputs[-1].array = p
    program = Program(list(invars), list(eqns), list(outvars))
    outs = lw.lower(program, inputs)
    texts = []
    for v, o in zip(outvars, outs):
        if v.aval.shape == ():
            texts.append(o.elems[0] if o.elems is not None else f"{o.array}[()]")
        elif o.elems is not None:
            o.array = None  # a fresh array, never an input's
            texts.append(lw.pack(o, v.aval.shape, v.aval.dtype))
        else:
            texts.append(f"np.copy({o.array})")
    consts = [name for name, _ in lw.consts]
    lines = (["import numpy as np", "", "", f"def segment({', '.join(consts + params)}):"]
             + lw.lines)
    lines.append(f"    return ({', '.join(texts)}{',' if len(texts) == 1 else ''})")
    return "\n".join(lines) + "\n", [value for _, value in lw.consts]


def scalarizable(eqns, invars):
    """Whether every value of the segment is small (scan's stacked operands excepted)."""
    def small(aval):
        return math.prod(aval.shape) <= SCALAR_MAX

    def check(program_eqns):
        for eqn in program_eqns:
            name = eqn.prim.name
            if name not in SCALAR_RULES:
                return False
            if name == "scan":
                n = eqn.params["n_consts"] + eqn.params["n_carry"]
                if not all(small(a.aval) for a in eqn.inputs[:n]):
                    return False
                if not all(small(o.aval) for o in eqn.outputs[:eqn.params["n_carry"]]):
                    return False
                if not check(eqn.params["body"].program.eqns):
                    return False
                continue
            if not all(small(a.aval) for a in eqn.inputs) or not all(
                    small(o.aval) for o in eqn.outputs):
                return False
            for val in eqn.params.values():
                for c in (val if isinstance(val, tuple) else (val,)):
                    inner = getattr(c, "program", None)
                    if isinstance(inner, Program) and not check(inner.eqns):
                        return False
        return True
    return check(eqns)
