"""Generate straight-line Python source from a program and compile it.

Each equation becomes one call of the array library (an elementwise primitive calls the
library's ufunc directly, with NumPy its constants converted ahead to the dtype of the loop
NumPy picks; others their ``impl`` with the parameters bound, or the function their
``numpy_kernel`` specializes to the equation), and every
intermediate is deleted right after its last use so its buffer can be reused.  A ufunc
whose operand dies there writes its result into that operand's buffer (``out=``) when the
buffer is the program's own (see ``_donors``): a large program then reuses a few buffers
that stay in cache instead of allocating (and faulting in) a new array per operation.

Outputs never share memory with the function's inputs, its constants or each other: an
output that may be one of those (an input passed through, a constant, a view of either, or
the same value returned twice) is copied on the way out.

CPython's compiler needs time and memory that grow faster than linearly with the size of
one function, so a long program (an unrolled Python loop) is cut into chunks of at most
``CHUNK_EQNS`` equations, each compiled as its own function; values that cross a chunk
boundary travel in a list and are released there at their last use.
"""

from __future__ import annotations

import functools
import keyword
import re

import numpy as np

from ..core import Zero, apply_impl, lazy_broadcasts, namespace_of
from ..ir import Literal, Program, Var

CHUNK_EQNS = 1000
"""Most equations in one generated function; longer programs are split into chunks."""

REUSE_MIN_BYTES = 65536
"""Smallest result written into a dead operand's buffer: on small arrays ``out=`` costs
more than a new array (a ufunc whose output overlaps its input leaves NumPy's fast path for
tiny arrays, about 1.5 µs per call), on large ones it saves the allocation, its page
faults and cache misses."""

CAST_MAX_BYTES = 65536
"""Largest constant array converted ahead to a ufunc loop's dtype (see ``_loop_constants``):
on larger ones the per-call conversion is a small part of the work, and the converted copy
would stay in memory next to the original."""

# Primitives whose results are always new arrays even when their ``impl`` is called (a
# ufunc call always allocates too); any other result may be a view of its inputs.
def _scalar_source(val):
    if type(val) in (int, bool):
        return repr(val)
    if type(val) is float and val == val and val not in (float("inf"), float("-inf")):
        return repr(val)
    return None


def fresh(value):
    """A copy of ``value`` (immutable scalars are returned as they are)."""
    copy = getattr(value, "copy", None)
    return value if copy is None else copy()


def _may_alias(program, xp):
    """``(from_inputs, from_constants)``: the variables whose value may share memory with
    an input, and with a constant of the generated code."""
    inputs, consts = set(program.invars), set()
    for eqn in program.eqns:
        if _allocates(eqn, xp):
            continue
        for a in eqn.inputs:
            if type(a) is Var:
                if a in inputs:
                    inputs.update(eqn.outputs)
                if a in consts:
                    consts.update(eqn.outputs)
            elif type(a) is Zero or _scalar_source(getattr(a, "val", None)) is None:
                consts.update(eqn.outputs)
    return inputs, consts


_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "true_divide": "/",
              "less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">=",
              "equal": "==", "not_equal": "!=", "bitwise_and": "&", "bitwise_or": "|",
              "bitwise_xor": "^"}
_UNARY_OPERATORS = {"negative": "-", "invert": "~"}


def _scalar_operator(eqn, numpy_typed, atom):
    """Python source of NumPy ufunc call ``eqn`` as an operator (``a + b``) where its result
    is a 0-d value and one operand is known to be a NumPy object; None otherwise.

    A ufunc called on NumPy scalars costs about 0.4 µs, the operator 0.05 µs (NumPy's scalar
    arithmetic), with the same result: the operator of a NumPy scalar or array is that
    ufunc; a loop over a few scalars (a sampler's energies and bookkeeping) runs several
    times faster.  (Not ``**``: on a 0-d array NumPy turns ``x ** 2`` into ``square(x)``
    and ``x ** 0.5`` into ``sqrt(x)``, which may round differently from ``power``.)
    One operand must be a NumPy object (``numpy_typed``: the results of
    ufuncs and of other allocating operations, and of the operators emitted here): on
    two Python scalars an operator takes Python's rules (``~True`` is -2).  Other constants
    must be Python scalars, or NumPy values of the result's dtype, whose promotion is then
    NumPy's as in the ufunc call.
    """
    name = eqn.prim.np_name
    if name == "where":
        return _scalar_where(eqn, numpy_typed, atom)
    op = _OPERATORS.get(name) or _UNARY_OPERATORS.get(name)
    if (op is None or eqn.params or eqn.prim.multiple_results or eqn.prim.emit is not None
            or eqn.outputs[0].aval.shape != ()
            or len(eqn.inputs) != (1 if name in _UNARY_OPERATORS else 2)):
        return None
    dtype = eqn.outputs[0].aval.dtype
    if not any(type(a) is Var and a in numpy_typed for a in eqn.inputs):
        return None
    texts = []
    for a in eqn.inputs:
        if type(a) is Var:
            texts.append(atom(a))
        elif type(a) is Literal and (type(a.val) in (int, float, bool)
                                     or getattr(a.val, "dtype", None) == dtype):
            texts.append(f"({atom(a)})")
        else:
            return None
    if len(texts) == 1:
        return f"{op}{texts[0]}"
    return f"{texts[0]} {op} {texts[1]}"


def _scalar_where(eqn, numpy_typed, atom):
    """``x if c else y`` for a 0-d ``where`` whose operands are all NumPy objects of the
    result's dtype (``np.where`` takes 0.8 µs there and returns a 0-d array, on which the
    operators that follow are slower than on a scalar)."""
    if eqn.params or len(eqn.inputs) != 3 or eqn.outputs[0].aval.shape != ():
        return None
    dtype = eqn.outputs[0].aval.dtype
    texts = []
    for k, a in enumerate(eqn.inputs):
        if type(a) is Var:
            if a not in numpy_typed or (k > 0 and a.aval.dtype != dtype):
                return None
        elif type(a) is Literal and k > 0 and type(a.val) in (int, float, bool):
            # a NumPy scalar of the result's dtype, where it is the same number
            val = dtype.type(a.val)
            if not (val == a.val or val != val and a.val != a.val):
                return None
            a = Literal(val)
        elif not (type(a) is Literal and k > 0 and isinstance(a.val, (np.ndarray, np.generic))
                  and a.val.dtype == dtype and a.val.shape == ()):
            return None
        texts.append(atom(a))
    return f"{texts[1]} if {texts[0]} else {texts[2]}"


def _allocates(eqn, xp):
    if eqn.prim.allocates:
        return True
    np_name = eqn.prim.np_name
    if xp is np and np_name == "where" and not eqn.params and eqn.outputs[0].aval.shape:
        # numpy.where always returns a new array; a 0-d one may be generated as a
        # conditional expression (``_scalar_where``), whose result is one of its operands
        return True
    return (np_name is not None and not eqn.params
            and type(getattr(xp, np_name, None)).__name__ == "ufunc")


def _is_ufunc_call(eqn, xp):
    np_name = eqn.prim.np_name
    return (np_name is not None and not eqn.params and not eqn.prim.multiple_results
            and type(getattr(xp, np_name, None)).__name__ == "ufunc")


def _same_dtype(a, dtype):
    """Whether operand ``a`` has ``dtype``, or is a Python scalar (which takes the other
    operands' dtype)."""
    if type(a) is Var:
        return a.aval.dtype == dtype
    val = getattr(a, "val", None)
    return _scalar_source(val) is not None or getattr(val, "dtype", None) == dtype


_WEAK_TYPES = {"i": int, "f": float, "c": complex}


def _operand_type(a):
    """What NumPy's type resolution sees of operand ``a``: a dtype, or the Python type of a
    weakly typed scalar; None for a value it cannot tell in advance."""
    if type(a) is Var or type(a) is Zero:
        weak = getattr(a.aval, "weak_type", False)
        return _WEAK_TYPES.get(a.aval.dtype.kind) if weak else a.aval.dtype
    val = a.val
    if type(val) in (int, float, complex):
        return type(val)
    return val.dtype if type(val) is np.ndarray or isinstance(val, np.generic) else None


def _loop_constants(eqn):
    """The operands of NumPy ufunc call ``eqn``, each constant converted ahead to the dtype
    of the loop NumPy picks (which converts it on every call otherwise, bit for bit the
    same way); None where nothing changes.

    A mixed-dtype call (a complex array times a real constant array) or a Python scalar
    costs about 0.3-0.5 µs more per call than operands of the loop's dtype, as much as a
    small array's arithmetic; only floating-point loops are concerned (an integer constant
    out of range keeps raising where NumPy raises).
    """
    if not any(type(a) is Literal for a in eqn.inputs):
        return None
    kinds = [_operand_type(a) for a in eqn.inputs]
    if any(kind is None for kind in kinds):  # (``None in kinds`` compares dtypes to None)
        return None
    ufunc = getattr(np, eqn.prim.np_name)
    try:
        loop = ufunc.resolve_dtypes(tuple(kinds) + (None,) * ufunc.nout)
    except Exception:  # no loop for these types: NumPy will say so when called
        return None
    if any(d.kind not in "fc" for d in loop):
        return None
    inputs, changed = list(eqn.inputs), False
    for k, (a, kind) in enumerate(zip(eqn.inputs, kinds)):
        if (type(a) is Literal and (type(kind) is type or kind != loop[k])
                and np.size(a.val) * loop[k].itemsize <= CAST_MAX_BYTES):
            inputs[k], changed = Literal(np.asarray(a.val, loop[k])), True
    return inputs if changed else None


def _donors(program, xp):
    """``{equation index: operand}``: the equations that may write their result into the
    buffer of an operand whose last use they are (``out=``).

    The operand must be the program's own array: made by an equation that allocates, not
    an input, constant or output of the program, and never read by an equation that might
    return a view of it (so nothing else can see its memory).  The equation must be a ufunc
    call with a result of the operand's shape (not 0-d: a ufunc returns a scalar there; at
    least ``REUSE_MIN_BYTES``) and dtype, on operands of that dtype or Python scalars, so
    that ``out=`` changes no value.
    """
    if xp is not np:  # NumPy only: Dask arrays are lazy graphs with no buffers to reuse
        return {}
    owned = {}
    for eqn in program.eqns:
        if _allocates(eqn, xp) and len(eqn.outputs) == 1:
            owned[eqn.outputs[0]] = True
        for a in eqn.inputs:
            if type(a) is Var and not _allocates(eqn, xp):
                owned[a] = False  # a possible view of it exists
    for a in program.outvars:
        if type(a) is Var:
            owned[a] = False
    last_use = {}
    for k, eqn in enumerate(program.eqns):
        for a in eqn.inputs:
            if type(a) is Var:
                last_use[a] = k
    donors = {}
    for k, eqn in enumerate(program.eqns):
        # A fused group (``emit``) that declares ``writes_out`` takes ``out=`` too: its
        # operands' dtypes do not matter there, only the result's.
        fused = eqn.prim.emit is not None and getattr(eqn.prim, "writes_out", False)
        if not fused and (eqn.prim.emit is not None or not _is_ufunc_call(eqn, xp)):
            continue
        out = eqn.outputs[0].aval
        if (not out.shape or out.size * out.dtype.itemsize < REUSE_MIN_BYTES
                or not (fused or all(_same_dtype(a, out.dtype) for a in eqn.inputs))):
            continue
        for a in eqn.inputs:
            if (type(a) is Var and owned.get(a) and last_use[a] == k
                    and a.aval.shape == out.shape and a.aval.dtype == out.dtype):
                donors[k] = a
                break
    return donors


def compile_program(program: Program, xp, name="fn", fresh_outputs=True):
    """Return ``(function, source)`` for ``program`` on array namespace ``xp``.

    Outputs that may be (views of) the generated code's constants are always copied.  With
    ``fresh_outputs`` (what users call), so are outputs that may be (views of) inputs and
    repeated outputs; a loop body leaves them alone, since its outputs only feed the loop.
    """
    names: dict = {}
    namespace: dict = {"_fresh": fresh}

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

    eqns = program.eqns
    chunked = len(eqns) > CHUNK_EQNS
    chunk_of = (lambda k: k // CHUNK_EQNS) if chunked else (lambda k: 0)
    last_use: dict = {}
    for k, eqn in enumerate(eqns):
        for a in eqn.inputs:
            if type(a) is Var:
                last_use[a] = k
    outputs = {a for a in program.outvars if type(a) is Var}

    # Output atoms: copied when they may share memory with anything the caller can reach.
    from_inputs, from_consts = _may_alias(program, xp)
    donors = _donors(program, xp)
    numpy_typed: set = set()  # variables known to hold NumPy arrays or scalars (see below)
    seen: set = set()

    def output(a, read):
        if type(a) is Var:
            text = read(a)
            copy = a in from_consts or fresh_outputs and (a in from_inputs or a in seen)
            seen.add(a)
        else:
            text = atom(a)
            copy = type(a) is Zero or (type(a) is Literal and _scalar_source(a.val) is None)
        return f"_fresh({text})" if copy else text

    def body(lo, hi, indent="    "):
        lines = []
        for k in range(lo, hi):
            eqn = eqns[k]
            emit = eqn.prim.emit
            if emit is not None:  # a fused group of equations (fusion.py) writes its own lines
                extra = {"out": var_name(donors[k])} if k in donors else {}
                lines += [indent + line for line in emit(
                    eqn, atom, lambda e: _callee(e, xp, namespace), namespace, **extra)]
            elif xp is np and (text := _scalar_operator(eqn, numpy_typed, atom)) is not None:
                lines.append(f"{indent}{var_name(eqn.outputs[0])} = {text}")
                numpy_typed.add(eqn.outputs[0])
            else:
                callee = _callee(eqn, xp, namespace)
                inputs = _loop_constants(eqn) if xp is np and _is_ufunc_call(eqn, xp) else None
                if xp is np and _allocates(eqn, xp) and not eqn.prim.higher_order:
                    numpy_typed.update(eqn.outputs)
                args = ", ".join(atom(a) for a in inputs or eqn.inputs)
                if k in donors:  # the operand dies here: reuse its buffer
                    args += f", out={var_name(donors[k])}"
                outs = ", ".join(var_name(o) for o in eqn.outputs)
                if eqn.prim.multiple_results:
                    outs += ","
                lines.append(f"{indent}{outs} = {callee}({args})")
            dead = [var_name(a) for a in dict.fromkeys(eqn.inputs)
                    if type(a) is Var and last_use.get(a) == k and a not in outputs]
            if dead:
                lines.append(f"{indent}del {', '.join(dead)}")
        return lines

    params = ", ".join(var_name(v) for v in program.invars)
    if not chunked:
        lines = body(0, len(eqns))
        ret = f"    return [{', '.join(output(a, var_name) for a in program.outvars)}]"
        ident = _identifier(name, namespace)
        sources = ["\n".join([f"def {ident}({params}):"] + lines + [ret]) + "\n"]
    else:
        sources, main = _chunked_sources(program, params, chunk_of, last_use, outputs,
                                          var_name, body, output)
        ident = _identifier(name, namespace)
        sources.append(main.replace("def _main(", f"def {ident}(", 1))
    for src in sources:  # compiled one function at a time: memory stays small
        exec(compile(src, f"<chainrule jit {name}>", "exec"), namespace)
    return namespace[ident], "\n".join(sources)


def _chunked_sources(program, params, chunk_of, last_use, outputs, var_name, body, output):
    """The chunk functions' sources, and the main function's (named ``_main``)."""
    eqns = program.eqns
    n_chunks = chunk_of(len(eqns) - 1) + 1
    defined_in = {v: -1 for v in program.invars}
    for k, eqn in enumerate(eqns):
        for o in eqn.outputs:
            defined_in[o] = chunk_of(k)
    # A value read by a chunk other than the one that made it lives in a slot of ``_e``.
    slot: dict = {}
    reads: list = [{} for _ in range(n_chunks)]  # per chunk, the values it reads, in order
    for k, eqn in enumerate(eqns):
        c = chunk_of(k)
        for a in eqn.inputs:
            if type(a) is Var and defined_in[a] != c:
                slot.setdefault(a, len(slot))
                reads[c][a] = None
    for a in program.outvars:
        if type(a) is Var:
            slot.setdefault(a, len(slot))
    sources = []
    for c in range(n_chunks):
        lo, hi = c * CHUNK_EQNS, min(len(eqns), (c + 1) * CHUNK_EQNS)
        lines = [f"def _part{c}(_e):"]
        for v in reads[c]:
            lines.append(f"    {var_name(v)} = _e[{slot[v]}]")
            if chunk_of(last_use[v]) == c and v not in outputs:
                lines.append(f"    _e[{slot[v]}] = None")  # its last reader: release it
        lines += body(lo, hi)
        lines += [f"    _e[{slot[v]}] = {var_name(v)}"
                  for k in range(lo, hi) for v in eqns[k].outputs if v in slot]
        sources.append("\n".join(lines) + "\n")
    lines = [f"def _main({params}):", f"    _e = [None] * {len(slot)}"]
    lines += [f"    _e[{slot[v]}] = {var_name(v)}" for v in program.invars if v in slot]
    lines += [f"    _part{c}(_e)" for c in range(n_chunks)]
    outs = ", ".join(output(a, lambda v: f"_e[{slot[v]}]") for a in program.outvars)
    lines.append(f"    return [{outs}]")
    return sources, "\n".join(lines) + "\n"


def _identifier(name, taken=()):
    """A Python identifier made from ``name``, not a keyword and not in ``taken``."""
    ident = "".join(c if c.isalnum() else "_" for c in name)
    ident = ident if ident and not ident[0].isdigit() else f"f_{ident}"
    while keyword.iskeyword(ident) or ident in taken or re.fullmatch(r"_part\d+", ident):
        ident += "_"
    return ident


def _callee(eqn, xp, namespace):
    prim = eqn.prim
    np_name = prim.np_name
    if xp.__name__ == "dask.array":
        # As Primitive.bind does: values that are all NumPy take NumPy's rules (a broadcast
        # view stays one), and NumPy broadcast views meeting Dask arrays become lazily
        # broadcast chunks rather than full-size arrays embedded in the graph.
        impl, params = prim.impl, eqn.params

        def call(*args):
            xs = namespace_of(args)
            return impl(xs, *lazy_broadcasts(xs, args) if xs is xp else args, **params)

        key = f"_p{len(namespace)}_{_identifier(prim.name)}"
        namespace[key] = call
        return key
    kernel = prim.numpy_kernel(eqn) if xp is np and prim.numpy_kernel is not None else None
    if kernel is None and np_name is not None and not eqn.params and hasattr(xp, np_name):
        key = f"_{np_name}"
        namespace.setdefault(key, getattr(xp, np_name))
        return key
    key = f"_p{len(namespace)}_{_identifier(prim.name)}"
    if xp is np:
        namespace[key] = kernel or functools.partial(prim.impl, xp, **eqn.params)
    else:  # errors name the primitive and the library
        params = eqn.params
        namespace[key] = lambda *args: apply_impl(prim, xp, args, params)
    return key
