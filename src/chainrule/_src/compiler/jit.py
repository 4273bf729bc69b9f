"""``jit``: trace once per input signature, optimize the program, generate Python source
that calls the array library directly, compile it and cache it.

``jit`` is a higher-order primitive (``jit_call``): under ``jvp``/``grad`` the derivative
of its program is staged and compiled once (``grad(jit(f))`` runs compiled code), under
``vmap`` the vectorized program is compiled in turn, and ``jit(grad(f))`` compiles the whole
forward and backward computation into one function.
"""

from __future__ import annotations

import functools
import inspect
import logging
import warnings
from collections import Counter, OrderedDict

import numpy as np

from .. import config
from . import fusion, numba_backend
from .derived import DerivedPrograms
from ..core import (Primitive, Zero, current_trace, get_aval, instantiate, is_float_dtype,
                    is_tracer, namespace_of, new_trace)
from ..interpreters.batching import eval_batched
from ..interpreters.linearize import backward_pass, is_undefined, linearize_flat
from ..interpreters.staging import StagingTrace
from ..ir import Eqn, Literal, Program, Var, eval_program
from .passes import optimize
from .codegen import compile_program
from ..transforms.api import jvp
from ..tree_util import tree_flatten, tree_unflatten

log = logging.getLogger("chainrule.jit")


def trace_to_program(fun, avals, name="jit", capture=False):
    """Stage ``fun`` on abstract inputs ``avals``; return the program and its outputs' tree.

    Operations on constants run at trace time (constant folding).  Traced values of an
    enclosing transform that ``fun`` closes over become extra inputs (``program.consts``).
    With ``capture`` (jit), the arrays the program closes over are read-only copies taken
    now, in this program and in every program staged inside it (see ``StagingTrace``).
    """
    trace = StagingTrace(current_trace(), name=name, capture=capture)
    ins = [trace.new_input(a) for a in avals]
    with new_trace(trace):
        out = fun(*ins)
        flat_out, out_tree = tree_flatten(out)
        program = trace.program([t.var for t in ins], flat_out)
    _lift_tracer_constants(program)
    program.line_samples = trace.line_samples
    return program, out_tree


LARGE_PROGRAM = 10_000
"""Number of traced operations above which jit warns that a Python loop was unrolled."""


def _warn_if_large(program, name):
    """Warn about a huge program, naming the line that traced most of it (sampled)."""
    n = len(program.eqns)
    if n < LARGE_PROGRAM:
        return
    samples = [s for s in program.line_samples or () if s is not None]
    where = ""
    if samples:
        (file, line), count = Counter(samples).most_common(1)[0]
        if count * 2 >= len(samples):
            where = (f"; about {100 * count // len(samples)}% of them come from {file}:{line}"
                     ", probably the body of a Python loop that runs at trace time")
    warnings.warn(
        f"jit({name}) traced {n} operations{where}. Every operation of an unrolled loop is "
        "compiled separately, which costs time and memory per operation; "
        "chainrule.lax.fori_loop or scan compiles the loop body once.", RuntimeWarning,
        stacklevel=4)


def _lift_tracer_constants(program):
    """Turn literals that are tracers of enclosing transforms into leading inputs."""
    lifted = {}
    for eqn in program.eqns:
        for k, a in enumerate(eqn.inputs):
            if type(a) is Literal and is_tracer(a.val):
                var = lifted.get(id(a.val))
                if var is None:
                    var = lifted[id(a.val)] = (Var(a.aval), a.val)
                eqn.inputs[k] = var[0]
    for k, a in enumerate(program.outvars):
        if type(a) is Literal and is_tracer(a.val):
            var = lifted.setdefault(id(a.val), (Var(a.aval), a.val))
            program.outvars[k] = var[0]
    program.const_vars = [v for v, _ in lifted.values()]
    program.const_vals = [val for _, val in lifted.values()]


class Compiled(DerivedPrograms):
    """An optimized program and the Python function generated from it.

    Its outputs never share memory with its constants; with ``fresh_outputs`` (the
    functions users call) not with its inputs or with each other either.
    """

    def __init__(self, program, xp, name, fresh_outputs=False):
        self.program = optimize(program)
        self.xp = xp
        self.fn, self.source = compile_program(fusion.fuse(self.program, xp), xp, name,
                                               fresh_outputs)

    def __call__(self, *args):
        return self.fn(*args)

    def on(self, xp):
        """This program compiled for the arrays of namespace ``xp`` (``self`` for its own):
        a program staged on NumPy values and then run on another library's arrays must call
        that library's functions, not NumPy's, which would convert the operands."""
        if xp is self.xp:
            return self
        cache = self.__dict__.setdefault("_other_namespaces", {})
        if xp not in cache:
            cache[xp] = Compiled(self.program, xp, "on_" + xp.__name__.replace(".", "_"))
        return cache[xp]


jit_call_p = Primitive("jit_call")
jit_call_p.multiple_results = True
jit_call_p.higher_order = True
jit_call_p.impl = lambda xp, *args, compiled: compiled.on(xp)(*args)
jit_call_p.abstract_eval = lambda *avals, compiled: [v.aval for v in compiled.program.outvars]


def _jit_call_batch(axis_size, vals, dims, compiled):
    in_axes = tuple(dims)
    avals = [get_aval(v) for v in vals]

    def build():
        out_dims = []

        def batched(*args):
            # Outputs that do not depend on a batched input stay unbatched (the primal
            # outputs of a derivative program pushed through vmap(jvp), say).
            outs, dims_out = eval_batched(lambda *a: eval_program(compiled.program, a),
                                          args, in_axes, axis_size)
            out_dims[:] = dims_out
            return outs

        program, _ = trace_to_program(batched, avals, name="vmap(jit)")
        return _derived_compiled(program, compiled, "vmapped"), list(out_dims)

    staged = _staged_or_none(compiled, ("vmap", axis_size, in_axes, tuple(avals)), build)
    if staged is None:
        return eval_batched(lambda *a: eval_program(compiled.program, a), vals, in_axes,
                            axis_size)
    inner, out_dims = staged
    return jit_call_p.bind(*vals, compiled=inner), out_dims


jit_call_p.batch = _jit_call_batch


# --- differentiating a compiled call as a unit ------------------------------------------
# Outside any jit, ``grad(jit(f))``, ``jvp(jit(f))`` and their compositions differentiate
# ``jit_call`` with the rules below: each stages the derivative of the inner program once
# (forward mode: the jvp program; reverse mode: a forward program that also returns the
# residuals, the linear program of the tangents, and on demand its transpose), compiles it,
# keeps it on the compiled object (``Compiled.derived``) and calls it as ``jit_call``
# again, so higher orders and vmap compose.  Inside a jit everything is compiled together:
# the program is inlined (``expand``) where its optimizations see the whole.


def _derived_compiled(program, compiled, name):
    if program.const_vals:  # a derived program closes over nothing but constants
        raise TypeError(f"jit: the {name} program of {compiled.fn.__name__} captured a "
                        "traced value; this is a bug in chainrule, please report it")
    # Derived programs are compiled by the backend that compiled the original.
    return type(compiled)(program, compiled.xp, name, fresh_outputs=True)


def _under_jit(trace):
    """Whether ``trace`` or a trace below it stages a program for jit."""
    while trace is not None:
        if trace.stages:
            return True
        trace = trace.parent
    return False


def _jit_call_expand(*args, compiled):
    trace = current_trace()
    if not _under_jit(trace) and not any(is_tracer(trace.unpack(x)[0]) for x in args):
        return NotImplemented  # differentiated as a unit: the rules below
    # Inside another jit the program is evaluated primitive by primitive on the
    # differentiating trace, so that the enclosing program sees (and optimizes) every
    # operation.  So it is when its values are traced by another transform (higher
    # derivatives, vmap of a derivative): derivative programs can hold primitives that are
    # not differentiable again (the residuals of a while_loop), while the original program
    # always is.
    return _copy_constants(compiled.program, eval_program(compiled.program, args))


def _copy_constants(program, outs):
    """``outs`` with the outputs that are constants of ``program`` copied, as the compiled
    function does: the constant is the program's own (read-only) array."""
    return [o.copy() if type(a) is Literal and type(o) is np.ndarray else o
            for a, o in zip(program.outvars, outs)]


jit_call_p.expand = _jit_call_expand


def _nonzero(t):
    return t is not None and type(t) is not Zero


def _staged_or_none(compiled, key, build):
    """``compiled.derived(key, build)``, or None where the derived program cannot be staged
    on abstract values (a ``cond`` whose branch index the program computes, for one): the
    rule then transforms the program operation by operation, with the values known
    now, as an enclosing jit would not allow."""
    def attempt():
        try:
            return build()
        except Exception as err:  # noqa: BLE001 - any failure to stage: the exact fallback
            if config.log_compiles:
                log.info("transforming %s operation by operation: its %s program cannot "
                         "be compiled (%s: %s)", compiled.fn.__name__, key[0],
                         type(err).__name__, err)
            return None
    return compiled.derived(key, attempt)


def _jit_call_jvp(primals, tangents, compiled):
    program = compiled.program
    nz = tuple(i for i, t in enumerate(tangents) if _nonzero(t))
    t_avals = tuple(get_aval(tangents[i]) for i in nz)

    def build():
        n = len(program.invars)

        def f(*xs):
            ps = xs[:n]
            outs, t_outs = jvp(lambda *d: eval_program(program, _with(ps, nz, d)),
                               tuple(ps[i] for i in nz), tuple(xs[n:]))
            return [*outs, *t_outs]
        avals = [v.aval for v in program.invars] + list(t_avals)
        jvp_program, _ = trace_to_program(f, avals, name="jvp(jit)")
        return _derived_compiled(jvp_program, compiled, "jvp")

    jvp_fn = _staged_or_none(compiled, ("jvp", nz, t_avals), build)
    if jvp_fn is None:
        outs, t_outs = jvp(lambda *d: eval_program(program, _with(primals, nz, d)),
                           tuple(primals[i] for i in nz), tuple(tangents[i] for i in nz))
        return _copy_constants(program, outs), list(t_outs)
    outs = jit_call_p.bind(*primals, *[tangents[i] for i in nz], compiled=jvp_fn)
    n_out = len(program.outvars)
    return outs[:n_out], outs[n_out:]


def _with(values, at, replacements):
    """``values`` with the entries at positions ``at`` replaced by ``replacements``."""
    full = list(values)
    for i, v in zip(at, replacements):
        full[i] = v
    return full


jit_call_p.jvp = _jit_call_jvp


def _linearized(compiled, diff, t_avals):
    """Reverse mode of ``compiled`` for tangents at input positions ``diff``, staged once.

    Returns ``(forward, linear, sources, keep)``: ``forward`` (compiled) maps the inputs to
    the outputs followed by the residuals it computes; ``linear`` (compiled, transposable)
    maps the residuals and the tangents to the tangents of the floating-point outputs,
    whose positions are ``keep``; ``sources[k]`` says where residual ``k`` comes from:
    ``("in", i)`` input ``i``, ``("out", j)`` output ``j``, ``("res", r)`` the forward
    program's ``r``-th extra output.
    """
    program = compiled.program
    keep = [j for j, a in enumerate(program.outvars) if is_float_dtype(a.aval.dtype)]
    staged: dict = {}

    def fwd(*xs):
        outs, linear, _, _ = linearize_flat(lambda *d: eval_program(program, _with(xs, diff, d)),
                                            [xs[i] for i in diff], "grad(jit)")
        staging = current_trace()
        where = {id(x.var): ("in", i) for i, x in enumerate(xs) if staging.owns(x)}
        for j, o in enumerate(outs):
            if staging.owns(o):
                where.setdefault(id(o.var), ("out", j))
        found: dict = {}  # id(residual) -> (its variable in ``linear``, the residual)

        def convert(a):
            if type(a) is Literal and staging.owns(a.val):
                return found.setdefault(id(a.val), (Var(a.aval), a.val))[0]
            return a
        eqns = [Eqn(e.prim, [convert(a) for a in e.inputs], e.outputs, e.params)
                for e in linear.eqns]
        outvars = [convert(linear.outvars[j]) for j in keep]
        sources, computed = [], []
        for _, r in found.values():
            src = where.get(id(r.var))
            if src is None:
                src = where[id(r.var)] = ("res", len(computed))
                computed.append(r)
            sources.append(src)
        staged["linear"] = Program([v for v, _ in found.values()] + list(linear.invars),
                                   eqns, outvars)
        staged["sources"] = sources
        return [*outs, *computed]

    avals = [v.aval for v in program.invars]
    fwd_program, _ = trace_to_program(fwd, avals, name="grad(jit) forward")
    forward = _derived_compiled(fwd_program, compiled, "forward")
    linear = Compiled(staged["linear"], compiled.xp, "linear", fresh_outputs=True)
    return forward, linear, staged["sources"], keep


def _jit_call_linearize(primals, tangents, compiled):
    diff = tuple(i for i, t in enumerate(tangents) if _nonzero(t))
    t_avals = tuple(get_aval(tangents[i]) for i in diff)
    staged = _staged_or_none(compiled, ("linearize", diff, t_avals),
                             lambda: _linearized(compiled, diff, t_avals))
    if staged is None:
        # Linearized now, on the values: the linear program's operations are recorded one
        # by one on the tangent recorder.
        program = compiled.program
        outs, linear, _, _ = linearize_flat(
            lambda *d: eval_program(program, _with(primals, diff, d)),
            [primals[i] for i in diff], "grad(jit)")
        return (_copy_constants(program, outs),
                lambda: eval_program(linear, [tangents[i] for i in diff]))
    forward, linear, sources, keep = staged
    n_out = len(compiled.program.outvars)
    outs = jit_call_p.bind(*primals, compiled=forward)
    primal_out, computed = outs[:n_out], outs[n_out:]
    residuals = [primals[k] if kind == "in" else primal_out[k] if kind == "out"
                 else computed[k] for kind, k in sources]

    def tangents_out():  # on the tangent recorder: one linear jit_call
        t_out = jit_call_p.bind(*residuals, *[tangents[i] for i in diff], compiled=linear)
        tangent_of = dict(zip(keep, t_out))
        return [tangent_of.get(j, Zero.like(p)) for j, p in enumerate(primal_out)]
    return primal_out, tangents_out


jit_call_p.linearize = _jit_call_linearize


def _transpose_fn(program, linear_at, nz_cts):
    """The transpose of the linear ``program`` in its inputs at ``linear_at`` (the others
    are values): a function of the values and the nonzero output cotangents (positions
    ``nz_cts``) returning the cotangents of the linear inputs, on the current trace."""
    values_at = [i for i in range(len(program.invars)) if i not in linear_at]
    n = len(values_at)

    def transposed(*xs):
        subst = {program.invars[i]: Literal(v) for i, v in zip(values_at, xs[:n])}
        eqns = [Eqn(e.prim, [subst.get(a, a) if type(a) is Var else a for a in e.inputs],
                    e.outputs, e.params) for e in program.eqns]
        outvars = [subst.get(a, a) if type(a) is Var else a for a in program.outvars]
        cts = [Zero(a.aval) for a in outvars]
        for j, c in zip(nz_cts, xs[n:]):
            cts[j] = c
        linear_vars = [program.invars[i] for i in linear_at]
        return [instantiate(c) for c in backward_pass(Program(linear_vars, eqns, outvars),
                                                      cts)]
    return transposed


def _jit_call_transpose(cts, *args, compiled):
    program = compiled.program
    linear_at = tuple(i for i, a in enumerate(args) if is_undefined(a))
    nz_cts = tuple(j for j, c in enumerate(cts) if _nonzero(c))
    ct_avals = tuple(get_aval(cts[j]) for j in nz_cts)

    def build():
        avals = ([v.aval for i, v in enumerate(program.invars) if i not in linear_at]
                 + list(ct_avals))
        t_program, _ = trace_to_program(_transpose_fn(program, linear_at, nz_cts), avals,
                                        name="transpose(jit)")
        return _derived_compiled(t_program, compiled, "transposed")

    fn = _staged_or_none(compiled, ("transpose", linear_at, nz_cts, ct_avals), build)
    values = [a for a in args if not is_undefined(a)]
    nz = [cts[j] for j in nz_cts]
    cts_in = iter(_transpose_fn(program, linear_at, nz_cts)(*values, *nz) if fn is None
                  else jit_call_p.bind(*values, *nz, compiled=fn))
    return [next(cts_in) if is_undefined(a) else None for a in args]


jit_call_p.transpose = _jit_call_transpose


_FAST_SCALARS = frozenset({float, int, bool, complex})


def _fast_key(args):
    """A key equivalent to jit's full cache key when every argument is a NumPy array, a
    Python number or a tracer of a transform (else None): with no pytree to flatten, the
    tree is fixed by the number of arguments, and each array's shape and dtype (a number's
    type, a tracer's type and abstract value) is its signature; the fusion settings
    complete it (the array library is NumPy's, as the full key finds it: from the values
    that are not tracers).  Its first entry says whether a tracer is among the arguments."""
    key = [False, fusion.cache_token()]
    for a in args:
        t = type(a)
        if t is np.ndarray:
            key.append(a.shape)
            key.append(a.dtype)
        elif t in _FAST_SCALARS:
            key.append(t)
        elif is_tracer(a):
            key[0] = True
            key.append(t)
            key.append(a.aval)
        else:
            return None
    return tuple(key)


def _signature(leaves):
    return tuple(_leaf_signature(type(x).__name__, get_aval(x)) for x in leaves)


def _leaf_signature(type_name, aval):
    return type_name, aval.shape, aval.dtype, aval.weak_type


def _describe_miss(old, new):
    """The first difference between two cache keys, in words."""
    (otree, osig, ostatic, oback), (ntree, nsig, nstatic, nback) = old, new
    if ostatic != nstatic:
        for (i, a), (_, b) in zip(ostatic, nstatic):
            if a != b:
                return f"static argument {i} changed {a!r} -> {b!r}"
    if otree != ntree:
        return f"argument structure changed {otree} -> {ntree}"
    for k, (a, b) in enumerate(zip(osig, nsig)):
        if a != b:
            what = "shape" if a[1] != b[1] else "dtype" if a[2] != b[2] else "type"
            idx = {"shape": 1, "dtype": 2, "type": 0}[what]
            return f"{what} of argument leaf {k} changed {a[idx]} -> {b[idx]}"
    if oback[1] != nback[1]:
        return f"fusion settings changed {oback[1]} -> {nback[1]}"
    return "array library changed"


def _function_name(fun):
    """A readable name for any callable: functions, ``functools.partial``, objects."""
    name = getattr(fun, "__name__", None)
    if isinstance(name, str):
        return name
    if isinstance(fun, functools.partial):
        return f"partial({_function_name(fun.func)})"
    return type(fun).__name__


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _resolve_static(fun, static_argnums, static_argnames):
    """Cross-resolve ``static_argnums`` and ``static_argnames`` through ``fun``'s signature.

    A parameter named in either list is static whether it is passed by position or by
    keyword (JAX's rule).  Negative numbers count from the end of the positional
    parameters when the signature fixes their number, else from the end of each call's
    positional arguments.  Without a signature the two lists are used as given.
    """
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    nums = []
    for i in static_argnums:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"jit: static_argnums must be ints, got {i!r}")
        nums.append(int(i))
    names = []
    for k in static_argnames:
        if not isinstance(k, str):
            raise TypeError(f"jit: static_argnames must be strings, got {k!r}")
        names.append(k)
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return tuple(dict.fromkeys(nums)), tuple(dict.fromkeys(names))
    positional = [p for p in params if p.kind in _POSITIONAL]
    var_positional = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    var_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    fun_name = _function_name(fun)
    resolved = []
    for i in nums:
        j = i + len(positional) if i < 0 and not var_positional else i
        if not var_positional and not 0 <= j < len(positional):
            raise ValueError(f"jit({fun_name}): static_argnums={i} but the function takes "
                             f"{len(positional)} positional argument(s)")
        resolved.append(j)
        if 0 <= j < len(positional) and positional[j].kind is not inspect.Parameter.POSITIONAL_ONLY:
            names.append(positional[j].name)
    for k in list(names):
        for j, p in enumerate(positional):
            if p.name == k and p.kind is not inspect.Parameter.POSITIONAL_ONLY:
                resolved.append(j)
        if not var_keyword and all(p.name != k or p.kind is inspect.Parameter.POSITIONAL_ONLY
                                   for p in params):
            raise ValueError(f"jit({fun_name}): static_argnames={k!r} is not a parameter of "
                             f"the function (its parameters: {[p.name for p in params]})")
    return tuple(dict.fromkeys(resolved)), tuple(dict.fromkeys(names))


def _check_argument_types(fun, name, dynamic, dyn_kwargs, positions):
    """Raise a TypeError naming the first argument that is not an array, number or pytree
    of them, and suggesting to make it static."""
    try:
        params = [p.name for p in inspect.signature(fun).parameters.values()
                  if p.kind in _POSITIONAL]
    except (TypeError, ValueError):
        params = []
    if positions is None:
        positions = range(len(dynamic))
    items = [(i, params[i] if i < len(params) else None, a) for i, a in zip(positions, dynamic)]
    items += [(None, k, v) for k, v in dyn_kwargs.items()]
    for i, k, arg in items:
        for leaf in tree_flatten(arg)[0]:
            try:
                get_aval(leaf)
            except TypeError:
                which = (f"argument {i}" + (f" ({k!r})" if k else "") if i is not None
                         else f"keyword argument {k!r}")
                hints = ([f"static_argnums={i}"] if i is not None else []) + (
                    [f"static_argnames={k!r}"] if k else [])
                raise TypeError(
                    f"jit({name}): {which} is a {type(leaf).__name__} ({leaf!r:.60}), which jit "
                    "cannot trace: only arrays, numbers and pytrees of them are traced. Mark "
                    f"it static with jit(..., {' or '.join(hints)}) so that its value is part "
                    "of the compilation key.") from None


class JittedFunction:
    """The callable returned by :func:`jit`."""

    def __init__(self, fun, static_argnums, static_argnames, backend="numpy"):
        if backend not in ("numpy", "numba", "auto"):
            raise ValueError(f"jit: backend must be 'numpy', 'numba' or 'auto', got {backend!r}")
        self.backend = backend
        functools.update_wrapper(self, fun)
        self.__name__ = _function_name(fun)
        self.fun = fun
        self.static_argnums, self.static_argnames = _resolve_static(
            fun, static_argnums, static_argnames)
        self.cache: OrderedDict = OrderedDict()  # least recently used first
        self.evicted: OrderedDict = OrderedDict()  # keys dropped from the cache, for the log
        self.last_key = None
        # Calls with only NumPy arrays and Python numbers as positional arguments (the
        # common case) find their compiled function here from a key that is cheap to build
        # and hash: ``_fast_key``.  Only entries without traced constants; emptied whenever
        # the cache drops an entry.
        self.fast: dict = {}
        self._recent = None  # the most recently used key of ``cache``
        self._fast_ok = not (self.static_argnums or self.static_argnames)

    def _split(self, args, kwargs):
        """``(static, dynamic, dyn_kwargs, positions)``: static ``(index or name, value)``
        pairs, the other positional arguments, keyword arguments, and the positions of the
        dynamic ones (None when they are all of them)."""
        static, dynamic, positions = (), args, None
        if self.static_argnums:
            n = len(args)
            nums = {i + n if i < 0 else i for i in self.static_argnums if -n <= i < n}
            if nums:
                static = tuple((i, args[i]) for i in sorted(nums))
                positions = tuple(i for i in range(n) if i not in nums)
                dynamic = tuple(args[i] for i in positions)
        dyn_kwargs = kwargs
        if self.static_argnames and kwargs:
            static += tuple((k, kwargs[k]) for k in self.static_argnames if k in kwargs)
            dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        return static, dynamic, dyn_kwargs, positions

    def __call__(self, *args, **kwargs):
        if current_trace().stages:
            return self.fun(*args, **kwargs)  # inside another jit: inline
        if self._fast_ok and not kwargs:
            # The dispatch of the full path (flattening the arguments, hashing the tree
            # and the signature) costs about 10 µs, as much as a few NumPy calls.
            fast_key = _fast_key(args)
            hit = self.fast.get(fast_key) if fast_key is not None else None
            if hit is not None:
                compiled, out_tree, key = hit
                if self._recent is not key:  # keep the LRU order (hashing a key is slow)
                    self.cache.move_to_end(key)
                    self._recent = key
                # Tracers of a transform (grad(jit(f))): the primitive's rules apply.
                outs = (jit_call_p.bind(*args, compiled=compiled) if fast_key[0]
                        else compiled.fn(*args))
                return outs[0] if out_tree is None else tree_unflatten(out_tree, outs)
        static, dynamic, dyn_kwargs, positions = self._split(args, kwargs)
        leaves, tree = tree_flatten((dynamic, dyn_kwargs))
        for _, v in static:
            try:
                hash(v)
            except TypeError:
                raise TypeError(f"jit: static arguments must be hashable, got {type(v).__name__}"
                                f" ({v!r}); pass it as a tuple, or make it a regular argument"
                                ) from None
        try:
            signature = _signature(leaves)
        except TypeError:
            _check_argument_types(self.fun, self.__name__, dynamic, dyn_kwargs, positions)
            raise
        key = (tree, signature, static, (namespace_of(
            [x for x in leaves if not is_tracer(x)]).__name__, fusion.cache_token(),
            self.backend))
        entry = self.cache.get(key)
        if entry is None:
            entry = self._compile(key, static, tree, leaves)
        else:
            self.cache.move_to_end(key)
        self._recent = key
        compiled, out_tree, consts = entry
        if consts is None:  # closed over values of an enclosing transform: retrace
            compiled, out_tree, consts = self._compile(key, static, tree, leaves, store=False)
        elif not consts and not kwargs and compiled.xp is np and self._fast_ok:
            fast_key = _fast_key(args)
            if fast_key is not None and key in self.cache:
                self.fast[fast_key] = (compiled, None if out_tree.kind is None
                                       else out_tree, key)
        outs = jit_call_p.bind(*consts, *leaves, compiled=compiled)
        return tree_unflatten(out_tree, outs)

    def _store(self, key, entry):
        """Put ``entry`` in the cache, dropping the least recently used beyond the bound."""
        self.cache[key] = entry
        self.evicted.pop(key, None)
        dropped = []
        while len(self.cache) > max(1, config.jit_cache_size):
            old, _ = self.cache.popitem(last=False)
            self.evicted[old] = None
            dropped.append(old)
        if dropped:
            self.fast.clear()
        while len(self.evicted) > max(1, config.jit_cache_size):
            self.evicted.popitem(last=False)
        return dropped

    def _compile(self, key, static, tree, leaves, store=True):
        if config.log_compiles:
            reason = ("first call" if self.last_key is None
                      else _describe_miss(self.last_key, key))
            if key in self.evicted:
                reason += " (this signature was compiled before and evicted from the cache)"
            log.info("compiling %s: %s", self.__name__, reason)
        self.last_key = key
        static_map = dict(static)
        n_static = sum(1 for k in static_map if isinstance(k, int))

        def flat_fun(*flat):
            dynamic, dyn_kwargs = tree_unflatten(tree, list(flat))
            it = iter(dynamic)
            full = [static_map[i] if i in static_map else next(it)
                    for i in range(len(dynamic) + n_static)]
            kw = dict(dyn_kwargs)
            kw.update({k: v for k, v in static_map.items() if isinstance(k, str)})
            return self.fun(*full, **kw)

        program, out_tree = trace_to_program(flat_fun, [get_aval(x) for x in leaves],
                                             name=f"jit({self.__name__})", capture=True)
        _warn_if_large(program, self.__name__)
        xp = namespace_of([x for x in leaves if not is_tracer(x)])
        program.invars = program.const_vars + program.invars
        if self.backend == "numba" or (self.backend == "auto"
                                       and numba_backend.auto_prefers_numba(program)):
            compiled = numba_backend.NumbaCompiled(program, xp, self.__name__,
                                                   fresh_outputs=True)
        else:
            compiled = Compiled(program, xp, self.__name__, fresh_outputs=True)
        has_tracer_consts = bool(program.const_vals)
        entry = (compiled, out_tree, list(program.const_vals))
        if store:
            dropped = self._store(key, (compiled, out_tree, None) if has_tracer_consts
                                  else entry)
            if dropped and config.log_compiles:
                log.info("jit cache of %s is full (chainrule.config.jit_cache_size = %d): "
                         "evicted the least recently used signature%s", self.__name__,
                         config.jit_cache_size, "s" if len(dropped) > 1 else "")
        return entry

    def lower(self, *args, **kwargs):
        """The optimized program and generated source for these arguments."""
        static, dynamic, dyn_kwargs, _ = self._split(args, kwargs)
        leaves, tree = tree_flatten((dynamic, dyn_kwargs))
        key = (tree, _signature(leaves), static, ("numpy", fusion.cache_token(), self.backend))
        compiled, _, _ = self._compile(key, static, tree, leaves, store=False)
        return compiled


def jit(fun=None, *, static_argnums=(), static_argnames=(), backend="numpy"):
    """Compile ``fun``: trace it once per input signature into a program, optimize it and
    generate straight-line Python that calls the array library directly.

    Parameters
    ----------
    fun : callable
    static_argnums, static_argnames : int/str or tuple
        Arguments that are Python values (not arrays): part of the cache key, so Python
        control flow may depend on them.
    backend : {"numpy", "numba", "auto"}
        ``"numpy"`` (default): generated Python calling NumPy.  ``"numba"``: the program,
        loops included, compiled to native code by Numba (``pip install
        'chainrule[numba]'``); parts Numba cannot compile run on NumPy
        (``docs/backends.md``).  ``"auto"``: Numba for programs with loops over small
        arrays (when installed), NumPy otherwise.

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> f = cr.jit(lambda x, n: cnp.sum(x ** n), static_argnums=1)
    >>> float(f(np.arange(3.0), 2))
    5.0
    >>> float(cr.jit(cr.grad(lambda x: cnp.sum(cnp.sin(x))))(np.zeros(2))[0])
    1.0
    """
    if fun is None:
        return lambda f: JittedFunction(f, static_argnums, static_argnames, backend)
    return JittedFunction(fun, static_argnums, static_argnames, backend)


def make_ir(fun, static_argnums=(), backend=None):
    """Return a function that traces ``fun`` and returns its (unoptimized) program.

    With ``backend="numba"`` the program also lists (as ``# numba:`` lines) each equation
    that the Numba backend would run on NumPy, and why.

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> print(cr.make_ir(lambda x: cnp.sin(x) * 2.0)(np.ones(3)))
    { lambda a:float64[3]. let
        b:float64[3] = sin a
        c:float64[3] = mul b 2.0
      in (c) }
    """
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)

    def traced(*args):
        static = {i + len(args) if i < 0 else i: args[i] for i in static_argnums}
        dynamic = [a for i, a in enumerate(args) if i not in static]
        leaves, tree = tree_flatten(tuple(dynamic))

        def flat_fun(*flat):
            it = iter(tree_unflatten(tree, list(flat)))
            full = [static[i] if i in static else next(it) for i in range(len(args))]
            return fun(*full)
        program, _ = trace_to_program(flat_fun, [get_aval(x) for x in leaves], "make_ir")
        if backend in ("numba", "auto"):
            program.notes = numba_backend.fallback_notes(program)
        return program
    return traced


