"""Elementwise fusion for ``jit``: chains of elementwise equations evaluated by numexpr.

A pass over the optimized program groups elementwise equations into expression trees: an
equation is absorbed into its consumer when its result is used exactly once, by another
fusable equation, and is not an output of the program.  Each tree of two or more operations
becomes one equation that the code generator writes as a single ``numexpr.evaluate`` call,
so the intermediates never exist as full-size arrays.

Only mappings that give NumPy's result to rounding are used (checked against NumPy, special
values included, in ``tests/test_fusion.py``): float64 and float32 arithmetic, comparisons,
``where`` and the transcendental functions numexpr shares with NumPy; for complex128 only
addition, subtraction, negation, ``where`` and equality, because numexpr's complex
multiplication, division and functions treat infinities and NaNs differently from NumPy's
(C99 Annex G) rules.  ``pow`` is fused only with a constant exponent (NumPy computes
``x ** 0.5`` with ``sqrt``, whose special values differ from C's ``pow``: see
``_exponent_ok``).  Every other dtype or primitive ends a tree.

``chainrule.config.fusion`` selects the policy (see :func:`fuse`).  numexpr is imported only
when a program has something to fuse.
"""

from __future__ import annotations

import numpy as np

from .. import config
from ..ir import Eqn, Literal, Program, Var

INSTALL_HINT = "pip install 'chainrule[fusion]'  (or: pip install numexpr)"

MODES = ("auto", "off", "numexpr")

_F64, _F32, _C128 = np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.complex128)
_BOOL = np.dtype(bool)
_REAL = (_F64, _F32)
_ALL = (_F64, _F32, _C128)

# A primitive's spelling in numexpr is its ``numexpr`` attribute: (kind, symbol, operand
# dtypes).  Kinds: "op" (infix binary), "cmp" (infix, boolean result), "neg", "not", "fn"
# (function of the same name), "where", "sumprod".  Its cost per element, where measured,
# is its ``fusion_cost`` (see ``lax/elementwise.py``).  Every other operation (add, sub,
# mul, comparisons, logic, and float32's slow functions) costs ``_COST_DEFAULT``.  The
# float64 arithmetic ratio is 1.6-1.75 on one thread; 2.0 because streaming arithmetic
# gains little from a second thread (fused / plain measured 1.06 on two at 10^6).
_COST_DEFAULT = {_F64: (0.15, 2.0), _F32: (0.1, 5.0), _C128: (0.3, 2.0), _BOOL: (0.1, 2.0)}
# Fixed cost of one numexpr.evaluate call (parsing is cached; checking the arguments and
# starting the iterator are not), and of handing work to each extra thread: fitted to
# one- and two-thread timings at 10^4-10^6 elements on a shared 2-core machine.
CALL_NS, THREAD_NS = 6000.0, 20000.0


def _cost(eqn):
    """(NumPy ns per element, numexpr / NumPy) of one fusable equation."""
    dtype = _operand_dtypes(eqn)[-1]
    return (eqn.prim.fusion_cost or {}).get(dtype, _COST_DEFAULT[dtype])


_numexpr = None  # the module once imported, False when it is not installed


def numexpr_module(required=False):
    """numexpr, imported on first use; None (or ImportError when ``required``) if absent."""
    global _numexpr
    if _numexpr is None:
        try:
            import numexpr
        except ImportError:
            _numexpr = False
        else:
            _numexpr = numexpr
    if _numexpr is False and required:
        raise ImportError("chainrule.config.fusion = 'numexpr' needs the numexpr package, "
                          f"which is not installed; install it with:  {INSTALL_HINT}  "
                          "or set chainrule.config.fusion to 'auto' or 'off'")
    return _numexpr or None


def check_mode(mode):
    """Raise a clear error for an unknown ``config.fusion`` value."""
    if mode not in MODES:
        raise ValueError(f"chainrule.config.fusion must be one of {list(MODES)}, got {mode!r}")


def _check_setting(mode):
    """``config.update("fusion", mode)``: an unknown mode, or numexpr absent, is an error."""
    check_mode(mode)
    if mode == "numexpr":
        numexpr_module(required=True)


config._checks["fusion"] = _check_setting


def cache_token():
    """The fusion settings a compiled function depends on (part of jit's cache key)."""
    return (config.fusion, config.fusion_threshold)


# ---------------------------------------------------------------------------------------
# Finding the trees
# ---------------------------------------------------------------------------------------


def _operand_dtypes(eqn):
    """The dtype each operand must have for ``eqn`` to be fused, or None."""
    entry = eqn.prim.numexpr
    if entry is None or eqn.params or eqn.prim.multiple_results or len(eqn.outputs) != 1:
        return None
    kind, _, dtypes = entry
    out = eqn.outputs[0].aval.dtype
    if kind == "cmp":
        d = _dtype_of_operands(eqn.inputs)
        return [d] * len(eqn.inputs) if d in dtypes and out == _BOOL else None
    if out not in dtypes:
        return None
    if kind == "where":
        return [_BOOL, out, out]
    return [out] * len(eqn.inputs)


def _dtype_of_operands(inputs):
    """The common dtype of the non-weak operands of a comparison (None if they differ)."""
    dtypes = {a.aval.dtype for a in inputs if not (type(a) is Literal and _is_weak_scalar(a))}
    return dtypes.pop() if len(dtypes) == 1 else None


def _is_weak_scalar(a):
    return type(a.val) in (int, float, bool, complex)


def _leaf_ok(a, dtype):
    if type(a) is Var:
        return a.aval.dtype == dtype
    if type(a) is not Literal:
        return False  # a symbolic zero
    if _is_weak_scalar(a):
        # NumPy casts a Python scalar to the other operand's dtype; so must the expression.
        return np.can_cast(type(a.val), dtype, "same_kind") or (
            dtype == _BOOL and type(a.val) is bool)
    return isinstance(a.val, (np.ndarray, np.generic)) and a.val.dtype == dtype


def fusable(eqn):
    """Whether ``eqn`` can be part of a numexpr expression with NumPy's result."""
    dtypes = _operand_dtypes(eqn)
    if dtypes is None or not all(_leaf_ok(a, d) for a, d in zip(eqn.inputs, dtypes)):
        return False
    return eqn.prim.name != "pow" or _exponent_ok(eqn.inputs[1], eqn.outputs[0].aval.shape)


def _scalar_exponent(a):
    """The value of a constant exponent that NumPy's ``power`` sees as one scalar, or None."""
    if type(a) is not Literal:
        return None
    val = a.val
    if _is_weak_scalar(a) or isinstance(val, np.generic) or (
            isinstance(val, np.ndarray) and val.size == 1):
        return complex(val).real if isinstance(val, complex) else float(np.asarray(val).ravel()[0])
    return None


def _exponent_ok(a, shape):
    """Whether numexpr's ``**`` (C ``pow`` per element) gives NumPy's ``power`` here.

    NumPy computes ``x ** 0.5`` with ``sqrt`` when the exponent reaches its loop as one
    repeated value (a scalar, or an array broadcast with stride 0), so that
    ``(-inf) ** 0.5`` is nan and ``(-0.0) ** 0.5`` is -0.0 where C's ``pow`` gives inf and
    +0.0.  A constant scalar exponent is written accordingly (see ``_expression``); an
    array exponent is fused only when it is a constant of the result's shape with no
    repeated (stride 0) axis, so that NumPy takes ``pow`` for every element too.  A traced
    exponent's strides are not known when the code is generated: not fused.
    """
    if _scalar_exponent(a) is not None:
        return True
    val = getattr(a, "val", None)
    return (type(a) is Literal and isinstance(val, np.ndarray) and val.shape == shape
            and all(st != 0 for st, n in zip(val.strides, val.shape) if n > 1))


# numexpr's limits: inputs per call (NumPy's iterator takes at most 32 operands before
# NumPy 2), registers per program (256) and nesting in the expression text (the Python
# parser's).  Larger trees are cut into several calls.
MAX_OPERATIONS, MAX_LEAVES, MAX_DEPTH = 64, 24, 32
MAX_GAP = 4
"""Most equations outside a tree between its first equation and its root (see ``_trees``)."""


def _trees(program):
    """``{root index: [indices of the tree's equations in program order]}``."""
    uses: dict = {}
    for eqn in program.eqns:
        for a in eqn.inputs:
            if type(a) is Var:
                uses[a] = uses.get(a, 0) + 1
    outputs = {a for a in program.outvars if type(a) is Var}
    producer: dict = {}
    absorbed_by: dict = {}
    size: dict = {}  # index -> (operations, leaves at most, nesting depth) of its tree
    start: dict = {}  # index -> the first index of its tree
    ok = [fusable(e) for e in program.eqns]
    for k, eqn in enumerate(program.eqns):
        if not ok[k]:
            continue
        ops, leaves, depth, first = 1, 0, 1, k
        # Candidates, nearest first.  A tree is evaluated where its root is, so absorbing
        # a subtree computed earlier keeps its operands alive until then, across the
        # equations in between that are not part of the tree: at most ``MAX_GAP`` of
        # them (else an accumulation of cotangents, say, would become one tree holding
        # every term until the last).
        cands = sorted({producer[a] for a in eqn.inputs if type(a) is Var and a in producer
                        and uses[a] == 1 and a not in outputs}, reverse=True)
        for j in cands:
            o, n, d = size[j]
            gap = k + 1 - min(first, start[j]) - (ops + o)
            if (gap <= MAX_GAP and ops + o <= MAX_OPERATIONS and leaves + n <= MAX_LEAVES
                    and d < MAX_DEPTH):
                absorbed_by[j] = k
                ops, leaves, depth = ops + o, leaves + n, max(depth, d + 1)
                first = min(first, start[j])
        leaves += sum(1 for a in eqn.inputs
                      if not (type(a) is Var and producer.get(a) in absorbed_by
                              and absorbed_by[producer[a]] == k))
        size[k] = (ops, leaves, depth)
        start[k] = first
        producer[eqn.outputs[0]] = k
    members: dict = {}
    for k in range(len(program.eqns)):
        if not ok[k]:
            continue
        root = k
        while root in absorbed_by:
            root = absorbed_by[root]
        members.setdefault(root, []).append(k)
    return members


# ---------------------------------------------------------------------------------------
# The policy
# ---------------------------------------------------------------------------------------


def _pays(eqns, aval, mode):
    """Whether numexpr should evaluate this tree (``mode`` is "auto" or "numexpr")."""
    size = int(np.prod(aval.shape, dtype=np.int64))
    if len(eqns) < 2 or not aval.shape or size == 0:
        return False  # one operation, or a scalar: nothing to save
    if mode == "numexpr":
        return True
    if size < config.fusion_threshold or numexpr_module() is None:
        return False
    # numexpr splits large arrays between its threads; NumPy's ufuncs use one.
    threads = max(1, numexpr_module().get_num_threads())
    costs = [_cost(e) for e in eqns]
    numexpr_ns = (CALL_NS + THREAD_NS * (threads - 1)
                  + size * sum(w * r for w, r in costs) / threads)
    return numexpr_ns < size * sum(w for w, _ in costs)


# ---------------------------------------------------------------------------------------
# The fused equation
# ---------------------------------------------------------------------------------------


class _FusedElementwise:
    """Stands in for a primitive in a fused equation; only the code generator sees it.

    The equation's ``inputs`` are the tree's leaves, its ``params`` hold the expression
    (``{0}``, ``{1}``... name the leaves) and the original equations, which the generated
    code runs instead when an input is not a plain NumPy array or scalar.
    """

    name = "numexpr_fused"
    multiple_results = False
    allocates = True
    np_name = None
    commutative = False
    # numexpr evaluates block by block, each block's operands read before its result is
    # written: the result may go into the buffer of an operand that dies here (``out``).
    writes_out = True

    def emit(self, eqn, atom, callee, namespace, out=None):
        """Source lines computing ``eqn``; ``atom``/``callee`` are the code generator's;
        ``out`` names a dead operand's buffer of the result's shape and dtype to write
        the result into."""
        namespace.setdefault("_numexpr", numexpr_module(required=True))
        namespace.setdefault("_fusion_plain", plain)
        names = [atom(a) for a in eqn.inputs]
        expr = eqn.params["expr"].format(*names)
        local = ", ".join(f"{n!r}: {n}" for n in names)
        # Constants are NumPy values by construction; only variables need the check.
        checked = ", ".join(n for n, a in zip(names, eqn.inputs) if type(a) is Var)
        result = atom(eqn.outputs[0])
        into = "" if out is None else f", out={out}"
        return [f"if _fusion_plain({checked}):",
                f"    {result} = _numexpr.evaluate({expr!r}, local_dict={{{local}}}, "
                f"optimization='none', truediv=True{into})",
                "else:",
                f"    {result} = {_nested_call(eqn.params['eqns'], atom, callee)}"]

    def __repr__(self):
        return self.name


FUSED = _FusedElementwise()

# Deliberately fewer than ``core.PLAIN_TYPES``: only the types of the values fused
# expressions are checked with against NumPy (``tests/test_fusion.py``).
_PLAIN_TYPES = frozenset({np.ndarray, float, int, bool, complex, np.float64, np.float32,
                          np.complex128, np.bool_})


_QUIET = frozenset({"ignore", "warn"})


def plain(*values):
    """True when every value is a NumPy array or scalar that numexpr reads as NumPy would,
    and NumPy's floating-point error handling only warns or ignores.

    numexpr never signals floating-point errors: where ``numpy.errstate`` asks for an
    exception (or a callback), the NumPy statements run so that it still happens.
    """
    for v in values:
        if type(v) not in _PLAIN_TYPES:
            return False
    for mode in np.geterr().values():
        if mode not in _QUIET:
            return False
    return True


def _nested_call(eqns, atom, callee):
    """The tree as one nested NumPy expression: the same calls as without fusion."""
    made = {}
    for eqn in eqns:
        args = ", ".join(made.get(a) or atom(a) if type(a) is Var else atom(a)
                         for a in eqn.inputs)
        made[eqn.outputs[0]] = f"{callee(eqn)}({args})"
    return made[eqns[-1].outputs[0]]


def _expression(eqns, leaves):
    """The numexpr text of a tree (leaves as ``{i}`` placeholders), its leaves appended."""
    made: dict = {}

    def leaf(a, dtype):
        if type(a) is Literal and _is_weak_scalar(a):
            val = a.val
            if dtype == _F64 and type(val) is not complex and np.isfinite(val):
                return f"({float(val)!r})"
            a = Literal(dtype.type(val))  # numexpr would read a Python float as float64
        key = id(a) if type(a) is Literal else a
        for i, (k, _) in enumerate(leaves):
            if k == key:
                return "{%d}" % i
        leaves.append((key, a))
        return "{%d}" % (len(leaves) - 1)

    for eqn in eqns:
        kind, sym, _ = eqn.prim.numexpr
        args = [made[a] if type(a) is Var and a in made else leaf(a, d)
                for a, d in zip(eqn.inputs, _operand_dtypes(eqn))]
        if kind in ("op", "cmp"):
            x, y = args
            if sym == "**" and y == "(2.0)" and x.startswith("{"):
                text = f"({x} * {x})"  # the correctly rounded square, as pow gives
            elif sym == "**" and _scalar_exponent(eqn.inputs[1]) == 0.5:
                text = f"sqrt({x})"  # NumPy's power takes sqrt for this exponent
            else:
                text = f"({x} {sym} {y})"
        elif kind in ("neg", "not"):
            text = f"({sym}{args[0]})"
        elif kind == "sumprod":  # a0*a1 + a2*a3 + ..., summed left to right like its impl
            text = f"({args[0]} * {args[1]})"
            for k in range(2, len(args), 2):
                text = f"({text} + ({args[k]} * {args[k + 1]}))"
        else:
            text = f"{sym}({', '.join(args)})"
        made[eqn.outputs[0]] = text
    return made[eqns[-1].outputs[0]]


def fuse(program: Program, xp) -> Program:
    """Replace elementwise trees of ``program`` by numexpr expressions, per ``config.fusion``.

    ``"off"``: nothing changes.  ``"auto"`` (the default): only when numexpr is installed,
    the result has at least ``config.fusion_threshold`` elements, and the tree's estimated
    time in numexpr (per-operation costs measured against NumPy, divided by numexpr's
    thread count, plus fixed costs per call and per thread) is below its time in NumPy.
    ``"numexpr"``: every tree of two or more supported operations, at any size
    (ImportError without numexpr).  Only NumPy arrays are fused; ``program`` itself is
    not modified (differentiation and vmap keep using it).

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> cr.config.update("fusion", "numexpr")
    >>> f = cr.jit(lambda x: cnp.sin(x) * x + 1.0)
    >>> "_numexpr.evaluate('((sin(v0) * v0) + (1.0))'" in f.lower(np.ones(3)).source
    True
    >>> f(np.zeros(2))
    array([1., 1.])
    >>> cr.config.update("fusion", "auto")
    """
    mode = config.fusion
    check_mode(mode)
    if mode == "off" or xp is not np:
        return program
    if mode == "numexpr":
        numexpr_module(required=True)
    fused_at: dict = {}
    skip: set = set()
    for root, idx in _trees(program).items():
        eqns = [program.eqns[k] for k in idx]
        out = eqns[-1].outputs[0]
        if not _pays(eqns, out.aval, mode):
            continue
        leaves: list = []
        expr = _expression(eqns, leaves)
        fused_at[root] = Eqn(FUSED, [a for _, a in leaves], [out],
                             {"expr": expr, "eqns": eqns})
        skip.update(idx)
    if not fused_at:
        return program
    eqns = [fused_at[k] if k in fused_at else e for k, e in enumerate(program.eqns)
            if k in fused_at or k not in skip]
    return Program(program.invars, eqns, program.outvars)
