"""User-defined derivative rules: ``custom_jvp``, ``custom_vjp`` and ``stop_gradient``."""

from __future__ import annotations

import functools

import numpy as np

from ..compiler.jit import Compiled, trace_to_program
from ..core import (EVAL, Primitive, Zero, current_trace, get_aval, is_tracer,
                    set_current_trace)
from ..interpreters.jvp import tangent_mismatch
from ..interpreters.linearize import is_undefined
from ..lax.elementwise import stop_gradient_p
from ..lax.reductions import reduce_sum
from ..transforms.vmap import vmap
from ..tree_util import tree_flatten, tree_map, tree_unflatten


def stop_gradient(x):
    """Treat ``x`` (an array or pytree) as a constant: its derivative is zero.

    Examples
    --------
    >>> import chainrule as cr
    >>> cr.grad(lambda x: x * cr.stop_gradient(x))(3.0)
    np.float64(3.0)
    """
    return tree_map(stop_gradient_p.bind, x)


def _closure_leaves(fn):
    """The leaves of what ``fn`` captures in its closure, defaults or partial arguments."""
    values = []
    while isinstance(fn, functools.partial):
        values += list(fn.args) + list(fn.keywords.values())
        fn = fn.func
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:
            pass
    values += list(getattr(fn, "__defaults__", None) or ())
    return [leaf for v in values for leaf in tree_flatten(v)[0]]


def _owns_any(trace, leaves):
    return any(trace.owns(x) for x in leaves)


def _fall_through(trace, custom, args):
    """The current trace has nothing to differentiate here: pass the call down the stack,
    unless ``fun`` closes over this trace's tracers (then differentiate through ``fun``)."""
    if _owns_any(trace, _closure_leaves(custom.fun)):
        return custom.fun(*args)
    with set_current_trace(trace.parent):
        return custom(*args)


def _split_nondiff(args, nondiff_argnums):
    nondiff = tuple(args[i] for i in nondiff_argnums)
    diff = tuple(a for i, a in enumerate(args) if i not in nondiff_argnums)
    return nondiff, diff


def _merge_nondiff(nondiff, diff, nondiff_argnums):
    out, nd, d = [], iter(nondiff), iter(diff)
    for i in range(len(nondiff) + len(diff)):
        out.append(next(nd) if i in nondiff_argnums else next(d))
    return out


class _CustomFunction:
    """Dispatch shared by custom_jvp and custom_vjp: which trace handles a call."""

    def __init__(self, fun, nondiff_argnums):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)

    def __call__(self, *args):
        self._check_rule()
        trace = current_trace()
        if trace is EVAL:
            return self.fun(*args)
        nondiff, diff = _split_nondiff(args, self.nondiff_argnums)
        leaves, in_tree = tree_flatten(diff)
        if not _owns_any(trace, leaves):
            return _fall_through(trace, self, args)
        # The trace decides (``docs/design/higher-order.md``): it calls back one of
        # ``jvp_rule``, ``linearize_rule``, ``batched``, ``stage``, or runs the function.
        return trace.process_custom(self, args, nondiff, leaves, in_tree)

    def _full_args(self, nondiff, diff_leaves, in_tree):
        return _merge_nondiff(nondiff, tree_unflatten(in_tree, list(diff_leaves)),
                              self.nondiff_argnums)

    def batched(self, nondiff, in_tree, dims):
        """vmap of this function: a custom function of the batched values (batch axes
        ``dims``, one per differentiable leaf) whose rules are the vmapped rules; its
        outputs are batched along axis 0."""
        return self._batched_rules(vmap, nondiff, in_tree, dims)

    def stage(self, args):
        """This call under jit's staging: one ``custom_call`` that keeps the rules."""
        return staged_call(self, self.fun, args)


class custom_jvp(_CustomFunction):
    """A function with a user-defined forward-mode derivative rule.

    Reverse mode is derived from the rule as for built-in primitives, so the rule must be
    linear in the tangents.  Arguments listed in ``nondiff_argnums`` are passed first to
    the rule and get no tangent.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.custom_jvp
    ... def log1pexp(x):
    ...     return cnp.log1p(cnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return log1pexp(x), t * (1 - 1 / (1 + cnp.exp(x)))
    >>> float(cr.grad(log1pexp)(1000.0))
    1.0
    """

    def __init__(self, fun, nondiff_argnums=()):
        super().__init__(fun, nondiff_argnums)
        self.jvp = None

    def defjvp(self, jvp):
        """Set the rule ``jvp(primals, tangents) -> (primal_out, tangent_out)``."""
        self.jvp = jvp
        return jvp

    def defjvps(self, *rules):
        """Set the rule from one function per argument: ``rule(t, ans, *primals)``."""
        def jvp(primals, tangents):
            ans = self(*primals)
            out = None
            for rule, t in zip(rules, tangents):
                if rule is None:
                    continue
                c = rule(t, ans, *primals)
                out = c if out is None else tree_map(lambda a, b: a + b, out, c)
            return ans, out
        self.jvp = jvp

    def _check_rule(self):
        if self.jvp is None:
            raise AttributeError(f"custom_jvp function {self.__name__!r} has no rule yet: "
                                 "define it with @f.defjvp before calling f")

    def _batched_rules(self, vmap, nondiff, in_tree, dims):
        batched = custom_jvp(lambda *ls: vmap(
            lambda *xs: self.fun(*self._full_args(nondiff, xs, in_tree)), in_axes=tuple(dims))(*ls))
        batched.defjvp(lambda p, t: vmap(
            lambda p_, t_: self.jvp(*nondiff, tree_unflatten(in_tree, p_),
                                    tree_unflatten(in_tree, t_)),
            in_axes=(list(dims), list(dims)))(list(p), list(t)))
        return batched

    # Reverse mode linearizes the forward rule.
    linearize_rule = None

    def jvp_rule(self, nondiff, in_tree, primals, tangents):
        """The rule on the differentiable leaves ``primals`` and ``tangents`` (None or
        ``Zero`` for a zero one): ``(output leaves, their tangents, output structure)``.
        Run by a differentiation trace on the trace its rules run on."""
        tangents = [np.zeros(get_aval(p).shape, get_aval(p).dtype)
                    if t is None or type(t) is Zero else t for p, t in zip(primals, tangents)]
        out, tout = self.jvp(*nondiff, tree_unflatten(in_tree, list(primals)),
                             tree_unflatten(in_tree, tangents))
        out_leaves, out_tree = tree_flatten(out)
        t_leaves, t_tree = tree_flatten(tout)
        if out_tree != t_tree:
            raise TypeError(f"custom_jvp rule of {self.__name__!r} returned a primal output with "
                            f"structure {out_tree} but a tangent with structure {t_tree}")
        for j, (p, t) in enumerate(zip(out_leaves, t_leaves)):
            bad = tangent_mismatch(get_aval(p), t, "tangent", "the primal output")
            if bad is not None:
                where = "its output" if len(out_leaves) == 1 else f"output leaf {j}"
                raise TypeError(f"custom_jvp rule of {self.__name__!r}: the tangent it returned "
                                f"for {where} {bad[1]}")
        return out_leaves, t_leaves, out_tree


def is_array(x):
    """Whether ``x`` is an array or a number (a value a custom rule can receive)."""
    return is_tracer(x) or isinstance(x, (np.ndarray, np.generic, float, int, complex))


class _Opaque:
    """Holds residuals or callables in a primitive's params (hashed by identity)."""

    def __init__(self, value):
        self.value = value


custom_lin_p = Primitive("custom_vjp_linear")


def _custom_lin_impl(xp, *args, bwd, out_avals, in_tree, out_tree, name, n_res=0):
    raise TypeError(f"forward-mode differentiation of the custom_vjp function {name!r} is not "
                    "possible (only its reverse-mode rule is known). Use reverse mode "
                    "(grad, vjp, jacrev) or define the function with custom_jvp.")


def _custom_lin_transpose(cts, *args, bwd, out_avals, in_tree, out_tree, name, n_res=0):
    # The residuals are operands (not captured by ``bwd``), so a program that records this
    # primitive, such as a staged loop body, sees them as its values.
    res, args = args[:n_res], args[n_res:]
    cts = [np.zeros(c.aval.shape, c.aval.dtype) if type(c) is Zero else c for c in cts]
    flat = bwd_leaves(bwd.value(res, tree_unflatten(out_tree, cts)), in_tree, name)
    out = [None] * n_res
    for j, (a, c) in enumerate(zip(args, flat)):
        bad = None if c is None else tangent_mismatch(
            a.aval if is_undefined(a) else get_aval(a), c, "cotangent", "the argument")
        if bad is not None:
            where = "its argument" if len(flat) == 1 else f"differentiable argument leaf {j}"
            raise TypeError(f"custom_vjp bwd rule of {name!r}: the cotangent it returned for "
                            f"{where} {bad[1]}")
        out.append(c if is_undefined(a) else None)
    return out


def _is_none(x):
    return x is None


def bwd_leaves(res_ct, in_tree, name):
    """The cotangent of each argument leaf returned by the backward rule of the custom_vjp
    function ``name`` (None for a zero one); a clear error if it does not fit."""
    if not isinstance(res_ct, (tuple, list)):
        raise TypeError(f"custom_vjp bwd rule of {name!r} must return a tuple with one "
                        f"cotangent per differentiable argument, got {type(res_ct).__name__}")
    flat = cotangent_leaves(tuple(res_ct), in_tree)
    if flat is None:
        raise TypeError(f"custom_vjp bwd rule of {name!r} returned cotangents with structure "
                        f"{tree_flatten(tuple(res_ct), is_leaf=_is_none)[1]}; the arguments "
                        f"have structure {in_tree} (None stands for a zero cotangent of a "
                        "whole argument or part of one)")
    return flat


def cotangent_leaves(cts, in_tree):
    """The leaves of the cotangents ``cts`` returned by a ``custom_vjp`` backward rule for
    arguments of structure ``in_tree``, with None for zero ones: as in JAX, None may stand
    for the cotangent of any whole subtree.  None if the structures do not match."""
    leaves, tree = tree_flatten(cts, is_leaf=_is_none)
    out: list = []
    # (A module-level helper, not a recursive closure: a closure referring to itself is a
    # reference cycle that would keep the cotangents alive until the garbage collector runs.)
    return out if _match_prefix(in_tree, tree, iter(leaves), out) else None


def _match_prefix(expected, got, leaves, out):
    if got.kind is None:  # a leaf of the cotangents: an array, or None for a whole subtree
        leaf = next(leaves)
        if leaf is None:
            out.extend([None] * expected.num_leaves)
            return True
        out.append(leaf)
        return expected.kind is None
    if (got.kind != expected.kind or got.aux != expected.aux
            or len(got.children) != len(expected.children)):
        return False
    return all(_match_prefix(e, g, leaves, out) for e, g in zip(expected.children, got.children))


custom_lin_p.multiple_results = True
custom_lin_p.impl = _custom_lin_impl
custom_lin_p.abstract_eval = lambda *avals, out_avals, **_: list(out_avals)
custom_lin_p.transpose = _custom_lin_transpose


class custom_vjp(_CustomFunction):
    """A function with a user-defined reverse-mode rule: ``fwd`` and ``bwd``.

    ``fwd(*args) -> (out, residuals)`` and ``bwd(*nondiff_args, residuals, cotangent) ->
    tuple of cotangents`` (one per differentiable argument).  Forward mode (jvp, jacfwd)
    is not available for such a function.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (cnp.clip(g, -1, 1),))
    >>> float(cr.grad(lambda x: 5 * clip_gradient(x))(2.0))
    1.0
    """

    def __init__(self, fun, nondiff_argnums=()):
        super().__init__(fun, nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd

    def _check_rule(self):
        if self.fwd is None:
            raise AttributeError(f"custom_vjp function {self.__name__!r} has no rule yet: "
                                 "define it with f.defvjp(fwd, bwd) before calling f")

    def _batched_rules(self, vmap, nondiff, in_tree, dims):
        def fwd(*ls):
            return vmap(lambda *xs: self.fwd(*self._full_args(nondiff, xs, in_tree)),
                        in_axes=tuple(dims))(*ls)

        def bwd(res, ct):
            # One cotangent per leaf, None for a zero one (a pytree without leaves, which
            # vmap passes through).
            cts = vmap(lambda r, c: tuple(bwd_leaves(self.bwd(*nondiff, r, c), in_tree,
                                                     self.__name__)))(res, ct)
            # An argument that is the same for every example gets the sum over examples.
            return tuple(c if c is None or d is not None else reduce_sum(c, (0,))
                         for c, d in zip(cts, dims))

        batched = custom_vjp(lambda *ls: vmap(
            lambda *xs: self.fun(*self._full_args(nondiff, xs, in_tree)), in_axes=tuple(dims))(*ls))
        batched.defvjp(fwd, bwd)
        return batched

    def jvp_rule(self, nondiff, in_tree, primals, tangents):
        raise TypeError(
            f"forward-mode differentiation (jvp, jacfwd, hessian) of the custom_vjp function "
            f"{self.__name__!r} is not possible: only its reverse-mode rule is known. Use "
            "grad/vjp/jacrev, or define the function with custom_jvp.")

    def linearize_rule(self, nondiff, in_tree, primals, tangents):
        """Reverse mode in two phases (as ``Primitive.linearize``): ``fwd`` runs now, on the
        parent trace; the returned ``linear()``, called on the tangent recorder, records one
        linear primitive whose transpose is ``bwd``.  Returns ``(output leaves, output
        structure, linear)``."""
        out, res = self.fwd(*_merge_nondiff(nondiff, tree_unflatten(in_tree, list(primals)),
                                            self.nondiff_argnums))
        out_leaves, out_tree = tree_flatten(out)
        tangents = [np.zeros(get_aval(p).shape, get_aval(p).dtype) if t is None or type(t) is Zero
                    else t for p, t in zip(primals, tangents)]
        res_leaves, res_tree = tree_flatten(res)
        arrays = [is_array(r) for r in res_leaves]
        res_arrays = [r for r, a in zip(res_leaves, arrays) if a]

        def bwd(res_vals, ct):
            it = iter(res_vals)
            full = [next(it) if a else r for r, a in zip(res_leaves, arrays)]
            return self.bwd(*nondiff, tree_unflatten(res_tree, full), ct)

        def linear():
            touts = custom_lin_p.bind(
                *res_arrays, *tangents, bwd=_Opaque(bwd),
                out_avals=tuple(get_aval(p) for p in out_leaves), in_tree=in_tree,
                out_tree=out_tree, name=self.__name__, n_res=len(res_arrays))
            return [t if is_tracer(t) else Zero.like(p) for p, t in zip(out_leaves, touts)]
        return out_leaves, out_tree, linear


# --- custom rules inside jit ----------------------------------------------------------------
custom_call_p = Primitive("custom_call", multiple_results=True)
custom_call_p.higher_order = True
custom_call_p.impl = lambda xp, *args, fn, compiled, in_tree: compiled.on(xp)(*args)
custom_call_p.abstract_eval = lambda *avals, fn, compiled, in_tree: [
    v.aval for v in compiled.program.outvars]


def _call_flat(fn, in_tree, args):
    return tree_flatten(fn(*tree_unflatten(in_tree, list(args))))[0]


# A transform applied to the compiled program (grad(jit(f)), vmap(jit(f))) calls the
# function with the custom rules again, on its own trace, instead of the plain body.
custom_call_p.expand = lambda *args, fn, compiled, in_tree: _call_flat(fn, in_tree, args)


def _custom_call_batch(size, vals, dims, fn, compiled, in_tree):
    outs = vmap(lambda *xs: _call_flat(fn, in_tree, xs), in_axes=tuple(dims),
                axis_size=size)(*vals)
    return outs, [0] * len(outs)


custom_call_p.batch = _custom_call_batch


def custom_call_params(fn, plain, args):
    """The operands and parameters of a ``custom_call`` of ``fn`` whose compiled body is
    ``plain``, or None if the call cannot be one (non-array arguments, or a body that closes
    over values traced by an enclosing transform)."""
    leaves, in_tree = tree_flatten(tuple(args))
    if not all(is_array(x) for x in leaves):
        return None
    program, out_tree = trace_to_program(lambda *xs: plain(*tree_unflatten(in_tree, list(xs))),
                                         [get_aval(x) for x in leaves], name="jit")
    if program.const_vals:
        return None
    return leaves, out_tree, {"fn": fn, "compiled": Compiled(program, np, "custom_call"),
                              "in_tree": in_tree}


def staged_call(fn, plain, args):
    """``fn(*args)`` under jit's staging: one ``custom_call`` primitive whose compiled body
    is ``plain`` and whose derivative and batching call ``fn`` (with its rules) again."""
    call = custom_call_params(fn, plain, args)
    if call is None:
        return plain(*args)
    leaves, out_tree, params = call
    return tree_unflatten(out_tree, custom_call_p.bind(*leaves, **params))
