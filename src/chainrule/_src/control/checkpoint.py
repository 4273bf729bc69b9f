"""``checkpoint`` (rematerialization) and its saving policies.

Under reverse mode a checkpointed function is a ``custom_vjp``: its forward pass stores the
inputs plus the outputs of the primitives the *policy* calls saveable, and its backward pass
linearizes the function again, reusing the stored outputs instead of recomputing them.
Recording and reuse happen on a thin trace (``interpreters/remat.py``) that wraps every
value computed from the inputs: both passes see the same primitives in the same order, so
the k-th saved value always belongs to the k-th saveable operation.
"""

from __future__ import annotations

import functools
import types

from ..compiler.jit import trace_to_program
from ..core import Primitive, current_trace, get_aval, is_tracer, new_trace
from ..interpreters.remat import RematTrace, out_of_step
from ..ir import eval_program
from ..transforms.api import vjp
from ..tree_util import tree_flatten, tree_map, tree_unflatten
from .custom import custom_vjp, is_array, staged_call

# --- policies -----------------------------------------------------------------------------
def nothing_saveable(prim, *avals, **params):
    """Save nothing: recompute every intermediate in the backward pass (the default).

    Examples
    --------
    >>> from chainrule.checkpoint_policies import nothing_saveable
    >>> nothing_saveable(None)
    False
    """
    return False


def everything_saveable(prim, *avals, **params):
    """Save every intermediate: the same as not checkpointing at all.

    Examples
    --------
    >>> from chainrule.checkpoint_policies import everything_saveable
    >>> everything_saveable(None)
    True
    """
    return True


def dots_saveable(prim, *avals, **params):
    """Save the outputs of matrix products (``matmul``, ``dot``, ``tensordot``, ``einsum``,
    which all lower to the ``matmul`` and ``einsum`` primitives); recompute the rest.

    Examples
    --------
    >>> from chainrule._src.core import primitives
    >>> from chainrule.checkpoint_policies import dots_saveable
    >>> dots_saveable(primitives["matmul"]), dots_saveable(primitives["sin"])
    (True, False)
    """
    return prim.multilinear


save_dots = dots_saveable

_BY_NAME = {"nothing_saveable": nothing_saveable, "everything_saveable": everything_saveable,
            "dots_saveable": dots_saveable, "save_dots": dots_saveable}


def _resolve_policy(policy):
    if policy is None:
        return nothing_saveable
    if isinstance(policy, str):
        try:
            return _BY_NAME[policy]
        except KeyError:
            raise ValueError(f"checkpoint: unknown policy {policy!r}; use one of "
                             f"{sorted(_BY_NAME)}, a function from "
                             "chainrule.checkpoint_policies, or a callable "
                             "policy(primitive, *avals, **params) -> bool") from None
    if not callable(policy):
        raise TypeError(f"checkpoint: policy must be a name or a callable "
                        f"policy(primitive, *avals, **params) -> bool, got "
                        f"{type(policy).__name__}")
    return policy


# --- recording and reusing saved values -----------------------------------------------------
# (the trace that does it is an interpreter: ``interpreters/remat.py``)


def _run(fun, args, trace):
    leaves, tree = tree_flatten(tuple(args))
    ins = [trace.wrap(x) for x in leaves]
    with new_trace(trace):
        out = fun(*tree_unflatten(tree, ins))
        return tree_map(trace.unwrap, out)


# --- the barrier that keeps recomputation from being merged with the forward pass ------------
remat_barrier_p = Primitive("remat_barrier", multiple_results=True)
remat_barrier_p.impl = lambda xp, *args: list(args)
remat_barrier_p.abstract_eval = lambda *avals: list(avals)
remat_barrier_p.jvp = lambda primals, tangents: (remat_barrier_p.bind(*primals), list(tangents))
remat_barrier_p.batch = lambda size, vals, dims: (remat_barrier_p.bind(*vals), list(dims))


def _barrier(args):
    """``args`` unchanged, through an operation that jit's common-subexpression pass cannot
    see through: the backward pass's recomputation then really happens then, instead of
    being merged with (and keeping alive) the forward pass's values."""
    leaves, tree = tree_flatten(tuple(args))
    if not any(is_tracer(x) for x in leaves):
        return args
    return tree_unflatten(tree, remat_barrier_p.bind(*leaves))


# --- checkpoint -----------------------------------------------------------------------------
def checkpoint(fun, policy=None):
    """Rematerialization: in reverse mode, store only ``fun``'s inputs (and what ``policy``
    says) and recompute the other intermediates during the backward pass.

    Parameters
    ----------
    fun : callable
        Function of arrays (or pytrees of arrays).
    policy : str or callable, optional
        Which intermediates to store. A function from ``chainrule.checkpoint_policies``
        (``nothing_saveable``, the default; ``dots_saveable``; ``everything_saveable``),
        its name as a string (``"save_dots"`` is an alias of ``"dots_saveable"``), or a
        callable ``policy(primitive, *avals, **params) -> bool`` that is asked about every
        primitive ``fun`` applies (``primitive.name`` names it, ``avals`` give the operands'
        shapes and dtypes).

    Returns
    -------
    callable
        ``fun`` with the same values and derivatives; only memory and compute differ.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> f = cr.checkpoint(lambda x: cnp.sin(cnp.sin(x)))
    >>> round(float(cr.grad(f)(1.0)), 6)
    0.360039
    >>> g = cr.checkpoint(lambda w, x: cnp.tanh(w @ x), policy="dots_saveable")
    >>> cr.grad(lambda w: cnp.sum(g(w, cnp.ones(2))))(cnp.eye(2)).round(4).tolist()
    [[0.42, 0.42], [0.42, 0.42]]
    """
    policy = _resolve_policy(policy)
    if policy is everything_saveable:
        return fun
    remat = _rematerialized(fun, policy)

    def wrapped(*args):
        # Rematerialize when reverse mode is recording, directly or through vmaps (custom_vjp
        # batches the two passes); anywhere else the function itself is cheaper.
        trace = current_trace()
        if trace.stages_calls and any(trace.owns(x) for x in tree_flatten(args)[0]):
            # Staged by jit: keep the checkpoint for a transform of the compiled program.
            # A staged call cannot close over traced values (jit would inline the function,
            # silently without its checkpoint): those become explicit inputs first.
            free = _captures_tracers(fun) and _closure_free(fun, args)
            if free:
                g, inputs, out_tree = free
                return tree_unflatten(out_tree, checkpoint(g, policy)(*inputs))
            return staged_call(wrapped, fun, args)
        if not trace.records_reverse():
            return fun(*args)
        if _captures_tracers(fun):
            return _closure_converted(fun, policy, args)
        if any(is_tracer(x) for x in tree_flatten(args)[0]):
            return remat(*args)
        return fun(*args)
    return functools.wraps(fun)(wrapped)


def _rematerialized(fun, policy):
    """``fun`` as a ``custom_vjp`` whose backward pass recomputes what ``policy`` does not
    save."""
    def fwd(*args):
        if policy is nothing_saveable:
            return fun(*args), (args, [])
        trace = RematTrace(current_trace(), policy)
        out = _run(fun, args, trace)
        return out, (args, trace.saved)

    def bwd(res, g):
        args, saved = _barrier(res)
        if policy is nothing_saveable:
            return vjp(fun, *args)[1](g)

        def replay(*a):
            trace = RematTrace(current_trace(), policy, saved=list(saved))
            out = _run(fun, a, trace)
            if trace.position != len(saved):
                raise out_of_step()
            return out
        return vjp(replay, *args)[1](g)

    remat = custom_vjp(fun)
    remat.defvjp(fwd, bwd)
    return remat


def _closure_converted(fun, policy, args):
    """Checkpoint ``fun``, which closes over traced values: staged once into a program,
    those values become explicit inputs of the rematerialized function, so their
    derivatives flow (a custom rule only sees its arguments)."""
    free = _closure_free(fun, args)
    if not free:
        # Non-array arguments or Python control flow on values: run it as written
        # (differentiated as written, not recomputed).
        return fun(*args)
    g, inputs, out_tree = free
    return tree_unflatten(out_tree, _rematerialized(g, policy)(*inputs))


def _closure_free(fun, args):
    """``(g, inputs, out_tree)`` with ``g(*inputs)`` the flat outputs of ``fun(*args)``
    and the traced values ``fun`` closes over among ``inputs`` (``fun`` staged once into a
    program), or None where ``fun`` cannot be staged on ``args``."""
    leaves, tree = tree_flatten(tuple(args))
    if not all(is_array(x) for x in leaves):
        return None
    try:
        program, out_tree = trace_to_program(lambda *xs: fun(*tree_unflatten(tree, list(xs))),
                                             [get_aval(x) for x in leaves], name="checkpoint")
    except Exception:  # noqa: BLE001 - e.g. Python control flow on values
        return None
    consts = list(program.const_vals)
    program.invars = list(program.const_vars) + list(program.invars)
    return (lambda *xs: eval_program(program, xs)), consts + leaves, out_tree


def _captures_tracers(fun, depth=0, seen=None):
    """Whether ``fun`` captures live traced values: in its closure cells, defaults,
    ``functools.partial`` arguments, bound ``self`` or (a callable object) its attributes,
    looking into the functions it captures in turn (a few levels deep)."""
    seen = set() if seen is None else seen
    if id(fun) in seen or depth > 3:
        return False
    seen.add(id(fun))
    values = []
    if isinstance(fun, functools.partial):
        values += [fun.func, *fun.args, *fun.keywords.values()]
    elif isinstance(fun, types.FunctionType):
        for cell in fun.__closure__ or ():
            try:
                values.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
        values += list(fun.__defaults__ or ()) + list((fun.__kwdefaults__ or {}).values())
    elif isinstance(fun, types.MethodType):
        values += [fun.__func__, fun.__self__]
    elif not isinstance(fun, (type, types.BuiltinFunctionType, types.ModuleType)):
        values += list(getattr(fun, "__dict__", {}).values())
    for value in values:
        for leaf in tree_flatten(value)[0]:
            if is_tracer(leaf):
                if leaf.alive:
                    return True
            elif callable(leaf) and _captures_tracers(leaf, depth + 1, seen):
                return True
    return False


remat = checkpoint
