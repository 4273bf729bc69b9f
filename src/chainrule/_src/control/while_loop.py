"""``while_loop`` and the ``while`` primitive, with all its rules.

Derivatives and batching of a ``while`` primitive whose values are only known abstractly
(traced under ``jit``), where the number of iterations is unknown until it runs.

Forward mode is a loop over (primal, tangent) pairs.  Reverse mode splits the loop in two
primitives: ``while_residuals`` runs the loop on the primal values and, at each iteration,
appends the residuals of the linearized body to a Python list (the *tape*, carried as a 0-d
object array, an opaque value); ``while_linear`` is the tangent of the loop, linear in the
tangents, whose transpose ``while_linear_transpose`` applies the transposed body to the
tape's entries in reverse.  The body is linearized and transposed once, abstractly; only the
loops themselves run at run time.

Under ``vmap`` a batched condition keeps the loop running while any example's condition
holds, and the examples that are done stay as they are (``select``).
"""

from __future__ import annotations

import numpy as np

from .. import lax
from ..compiler.jit import Compiled, trace_to_program
from ..core import (Primitive, ShapedArray, Zero, concrete_value, current_trace, get_aval,
                   instantiate, is_float_dtype, set_current_trace)
from ..interpreters.batching import batched_concrete_value
from ..ir import eval_program
from ..transforms.api import jvp
from ..transforms.vmap import vmap
from ..tree_util import tree_flatten, tree_map, tree_unflatten
from .cond import known_value, is_staging, expand_pred, stage_branch
from .loop_ad import (batched_eval, bind_loop, broadcast_batch, linearize_step, nonzero, split,
                      transpose_program)


# --- the primitive and while_loop -----------------------------------------------------------
while_p = Primitive("while")
while_p.multiple_results = True
while_p.higher_order = True


def _while_impl(xp, *args, cond_fn, body_fn, n_cond, n_body):
    cond_consts, body_consts = args[:n_cond], args[n_cond:n_cond + n_body]
    carry = list(args[n_cond + n_body:])
    cond_fn, body_fn = cond_fn.on(xp), body_fn.on(xp)
    while bool(cond_fn(*cond_consts, *carry)[0]):
        carry = body_fn(*body_consts, *carry)
    return carry


def _while_expand(*args, cond_fn, body_fn, n_cond, n_body):
    if any(concrete_value(x) is None for x in args):
        # Abstract values (traced by jit): the number of iterations is not known yet; the
        # derivative rules below (``jvp``, ``linearize``) apply.
        return NotImplemented
    # Differentiating a compiled loop from outside: its condition is known now, and the
    # loop runs on the differentiating trace.
    cond_consts, body_consts = args[:n_cond], args[n_cond:n_cond + n_body]
    carry = list(args[n_cond + n_body:])
    while loop_condition(eval_program(cond_fn.program, [*cond_consts, *carry])[0]):
        carry = eval_program(body_fn.program, [*body_consts, *carry])
    return carry


def loop_condition(pred):
    """The concrete truth value of a loop condition computed from concrete values."""
    known = known_value(pred)
    if known is None:  # cannot happen when every operand is concrete; never loop silently
        raise TypeError("while_loop: the loop condition is not known although its operands "
                        "are; this is a bug in chainrule, please report it")
    return bool(known)


while_p.impl = _while_impl
while_p.abstract_eval = lambda *avals, cond_fn, body_fn, n_cond, n_body: list(
    avals[n_cond + n_body:])
while_p.expand = _while_expand


def while_loop(cond_fun, body_fun, init_val):
    """Repeat ``val = body_fun(val)`` while ``cond_fun(val)``; differentiable in both modes.

    Unlike JAX, reverse mode works, also under ``jit``: each iteration's residuals are kept
    as the loop runs, and the backward pass replays them in reverse.

    Examples
    --------
    >>> import chainrule as cr, chainrule.lax as lax
    >>> def grow(x):  # double x until it exceeds 10
    ...     return lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x)
    >>> grow(3.0), float(cr.grad(grow)(3.0)), float(cr.jit(cr.grad(grow))(3.0))
    (12.0, 4.0, 4.0)
    """
    val = init_val
    if is_staging():
        return _staged_while(cond_fun, body_fun, init_val)
    while True:
        pred = cond_fun(val)
        known = known_value(pred, "while_loop: the value of cond_fun")
        if known is not None:
            if not known:
                return val
            val = body_fun(val)
            continue
        if _batched_value(pred) is not None:
            return _batched_while(cond_fun, body_fun, val)
        # The condition is only known abstractly (traced by jit, perhaps under vmap or a
        # derivative): a ``while`` primitive, whose rules handle those transforms.
        return _staged_while(cond_fun, body_fun, val)


def _batched_value(pred):
    """The concrete values of a condition batched by (possibly nested) vmaps, or None."""
    return batched_concrete_value(pred)


def _batched_while(cond_fun, body_fun, val):
    """Keep iterating while any example's condition holds; finished examples stay put."""
    while True:
        pred = cond_fun(val)
        if not np.any(_batched_value(pred)):
            return val
        new = body_fun(val)
        val = tree_map(lambda a, b: lax.select(expand_pred(pred, a), a, b), new, val)


def _staged_while(cond_fun, body_fun, init_val):
    leaves, tree = tree_flatten(init_val)
    cond_c = stage_branch(lambda *xs: cond_fun(tree_unflatten(tree, list(xs))), leaves)
    body_c = stage_branch(lambda *xs: tree_flatten(body_fun(tree_unflatten(tree, list(xs))))[0],
                          leaves)
    outs = bind_loop(while_p, [*cond_c[2], *body_c[2], *leaves],
                     {"cond_fn": cond_c[0], "body_fn": body_c[0], "n_cond": len(cond_c[2]),
                      "n_body": len(body_c[2])})
    return tree_unflatten(tree, outs)



# --- batching -------------------------------------------------------------------------------
def _while_batch(size, vals, dims, cond_fn, body_fn, n_cond, n_body):
    cc, bc, carry = split(vals, n_cond, n_body)
    ccd, bcd, init_dims = split(dims, n_cond, n_body)
    base = [get_aval(c).shape[1:] if d is not None else get_aval(c).shape
            for c, d in zip(carry, init_dims)]
    dtypes = [get_aval(c).dtype for c in carry]

    def step(c, card):
        (p,), (pd,) = batched_eval(cond_fn.program, [*cc, *c], [*ccd, *card], size)
        new, nd = batched_eval(body_fn.program, [*bc, *c], [*bcd, *card], size)
        return p, pd, new, nd

    # Which carries vary over the batch: those that start batched, those the body makes
    # batched, and all of them once the condition does (examples then stop at different
    # iterations).  Found by staging the step until nothing changes.
    card = [None if d is None else 0 for d in init_dims]
    while True:
        found = {}

        def probe(*c, card=card):
            p, found["pred"], new, found["out"] = step(c, card)
            return [p, *new]
        trace_to_program(probe, [ShapedArray(((size,) if d == 0 else ()) + b, t)
                                 for d, b, t in zip(card, base, dtypes)], name="while (vmap)")
        pred_batched = found["pred"] is not None
        new = [0 if pred_batched or d is not None or o is not None else None
               for d, o in zip(card, found["out"])]
        if new == card:
            break
        card = new
    carry = [broadcast_batch(c, size) if d == 0 and i is None else c
             for c, d, i in zip(carry, card, init_dims)]

    def cond(*c):
        p = step(c, card)[0]
        return lax.reduce_or(p, tuple(range(get_aval(p).ndim))) if pred_batched else p

    def body(*c):
        p, _, new, nd = step(c, card)
        new = [broadcast_batch(n, size) if d == 0 and o is None else n
               for n, d, o in zip(new, card, nd)]
        if not pred_batched:
            return new
        return [lax.select(expand_pred(p, n), n, o) for n, o in zip(new, c)]

    cond_c = stage_branch(cond, carry)
    body_c = stage_branch(body, carry)
    outs = while_p.bind(*cond_c[2], *body_c[2], *carry, cond_fn=cond_c[0], body_fn=body_c[0],
                        n_cond=len(cond_c[2]), n_body=len(body_c[2]))
    return outs, card


while_p.batch = _while_batch


# --- forward mode ---------------------------------------------------------------------------
def _jvp_while(primals, tangents, cond_fn, body_fn, n_cond, n_body):
    cc, bc, carry = split(primals, n_cond, n_body)
    _, bt, ct = split(tangents, n_cond, n_body)
    nz = [i for i, t in enumerate(bt) if nonzero(t)]
    ct = [instantiate(Zero.like(p) if t is None else t) for p, t in zip(carry, ct)]

    def body(val):
        c, t = val

        def f(*xs):
            full = list(bc)
            for i, x in zip(nz, xs):
                full[i] = x
            return eval_program(body_fn.program, [*full, *xs[len(nz):]])
        po, to = jvp(f, (*[bc[i] for i in nz], *c), (*[bt[i] for i in nz], *t))
        # Keep each tangent's dtype (a weakly typed zero could otherwise change it).
        return list(po), [a if get_aval(a).dtype == get_aval(b).dtype else
                          lax.convert_element_type(a, get_aval(b).dtype) for a, b in zip(to, t)]

    c_out, t_out = while_loop(
        lambda val: eval_program(cond_fn.program, [*cc, *val[0]])[0], body,
        (list(carry), ct))
    return list(c_out), list(t_out)


while_p.jvp = _jvp_while


# --- reverse mode ---------------------------------------------------------------------------
class _Tape:
    """The residuals of each iteration of one run of a loop.  ``owner`` is the
    differentiating trace the loop ran on when it was evaluated primitive by primitive (its
    residuals are then that trace's values), else None."""

    __slots__ = ("steps", "owner")

    def __init__(self, steps, owner=None):
        self.steps, self.owner = steps, owner


def _tape(steps, owner=None):
    tape = np.empty((), object)
    tape[()] = _Tape(steps, owner)
    return tape


_TAPE_AVAL = ShapedArray((), np.dtype(object))


class _Compiled:
    """Loop steps on concrete arrays: the compiled programs and the array library."""

    def __init__(self, xp):
        self.xp = xp

    def call(self, fn, *args):
        return fn(*args)

    def where(self, mask, a, b):
        xp = self.xp
        return xp.where(xp.reshape(mask, mask.shape + (1,) * (np.ndim(a) - mask.ndim)), a, b)

    def add(self, a, b):
        return a + b


class _Traced:
    """Loop steps as chainrule operations on the current trace (differentiable)."""

    def call(self, fn, *args):
        return eval_program(fn.program, args)

    def where(self, mask, a, b):
        return lax.select(expand_pred(mask, a), a, b)

    def add(self, a, b):
        return lax.add(a, b)


_TRACED = _Traced()


def _higher_order_error(name):
    return TypeError(
        f"differentiating the reverse-mode derivative of a while_loop traced under jit "
        f"({name}), as in jit(hessian(f)) or jit(grad(grad(f))), is not supported: take "
        "higher derivatives outside jit (grad(jit(grad(f))) and hessian(jit(f)) work), or "
        "use fori_loop/scan with static bounds")


while_residuals_p = Primitive("while_residuals", multiple_results=True)
while_residuals_p.higher_order = True


def _while_residuals_impl(xp, *args, cond_fn, fwd_fn, n_cond, n_fwd):
    cc, fc, carry = split(args, n_cond, n_fwd)
    n, steps = len(carry), []
    while bool(cond_fn(*cc, *carry)[0]):
        outs = fwd_fn(*fc, *carry)
        carry = outs[:n]
        steps.append(outs[n:])
    return [*carry, _tape(steps)]


def _while_residuals_expand(*args, cond_fn, fwd_fn, n_cond, n_fwd):
    # Differentiated from outside jit: the values are concrete, the loop runs on the
    # differentiating trace and records its residuals as that trace's values.
    if any(concrete_value(x) is None for x in args):
        raise _higher_order_error("while_residuals")
    cc, fc, carry = split(args, n_cond, n_fwd)
    n, steps = len(carry), []
    while loop_condition(eval_program(cond_fn.program, [*cc, *carry])[0]):
        outs = eval_program(fwd_fn.program, [*fc, *carry])
        carry = outs[:n]
        steps.append(outs[n:])
    return [*carry, _tape(steps, current_trace())]


while_residuals_p.impl = _while_residuals_impl
while_residuals_p.expand = _while_residuals_expand
while_residuals_p.abstract_eval = lambda *avals, cond_fn, fwd_fn, n_cond, n_fwd: [
    *avals[n_cond + n_fwd:], _TAPE_AVAL]


while_linear_p = Primitive("while_linear", multiple_results=True)
while_linear_transpose_p = Primitive("while_linear_transpose", multiple_results=True)


def _run_linear(ops, tape, tangents, lin_fn, n_const, masked):
    tc, t = tangents[:n_const], list(tangents[n_const:])
    for res in tape.steps:
        if masked:  # examples of a batch whose loop had stopped keep their tangent
            *res, mask = res
            t = [ops.where(mask, a, b) for a, b in zip(ops.call(lin_fn, *res, *tc, *t), t)]
        else:
            t = ops.call(lin_fn, *res, *tc, *t)
    return list(t)


def _run_transpose(ops, tape, cts, lin_fn, trans_fn, n_const, masked):
    ct, acc = list(cts), None
    for res in reversed(tape.steps):
        if masked:
            *res, mask = res
            outs = ops.call(trans_fn, *res, *ct)
            outs = ([ops.where(mask, o, 0) for o in outs[:n_const]]
                    + [ops.where(mask, o, c) for o, c in zip(outs[n_const:], ct)])
        else:
            outs = ops.call(trans_fn, *res, *ct)
        acc = (list(outs[:n_const]) if acc is None
               else [ops.add(a, o) for a, o in zip(acc, outs[:n_const])])
        ct = list(outs[n_const:])
    if acc is None:  # the loop never ran
        acc = [np.zeros(a.shape, a.dtype)
               for a in _linear_ins(lin_fn, n_const, len(ct))[:n_const]]
    return [*acc, *ct]


def _linear_rules(prim, run):
    def impl(xp, tape, *args, lin_fn, trans_fn, n_const, masked=False):
        tape = tape[()]
        if tape.owner is not None:  # residuals of a differentiating trace: stay on it
            with set_current_trace(tape.owner):
                return run(_TRACED, tape, args, lin_fn, trans_fn, n_const, masked)
        return run(_Compiled(xp), tape, args, lin_fn, trans_fn, n_const, masked)

    def expand(tape, *args, lin_fn, trans_fn, n_const, masked=False):
        if concrete_value(tape) is None:
            raise _higher_order_error(prim.name)
        return run(_TRACED, tape[()], args, lin_fn, trans_fn, n_const, masked)
    prim.impl, prim.expand, prim.higher_order = impl, expand, True


_linear_rules(while_linear_p, lambda ops, tape, args, lin_fn, trans_fn, n_const, masked:
              _run_linear(ops, tape, args, lin_fn, n_const, masked))
_linear_rules(while_linear_transpose_p, _run_transpose)


def _linear_outs(lin_fn):
    return [a.aval for a in lin_fn.program.outvars]


def _linear_ins(lin_fn, n_const, n_carry):
    ins = lin_fn.program.invars
    return [v.aval for v in ins[len(ins) - n_const - n_carry:]]


while_linear_p.abstract_eval = lambda tape, *avals, lin_fn, trans_fn, n_const, masked=False: (
    _linear_outs(lin_fn))
while_linear_transpose_p.abstract_eval = (
    lambda tape, *avals, lin_fn, trans_fn, n_const, masked=False: _linear_ins(lin_fn, n_const,
                                                                             len(avals)))


def _ct_values(cts):
    return [np.zeros(c.aval.shape, c.aval.dtype) if type(c) is Zero else c for c in cts]


def _while_linear_transpose(cts, tape, *tangents, **params):
    return [None, *while_linear_transpose_p.bind(tape, *_ct_values(cts), **params)]


def _while_linear_transpose_transpose(cts, tape, *cts_in, **params):
    return [None, *while_linear_p.bind(tape, *_ct_values(cts), **params)]


while_linear_p.transpose = _while_linear_transpose
while_linear_transpose_p.transpose = _while_linear_transpose_transpose


def _linearize_while(primals, tangents, cond_fn, body_fn, n_cond, n_body):
    """Reverse mode (see ``Primitive.linearize``): the primal loop records each
    iteration's residuals on a tape; the tangent loop replays them."""
    cc, bc, carry = split(primals, n_cond, n_body)
    _, bt, ct = split(tangents, n_cond, n_body)
    nz = [i for i, t in enumerate(bt) if nonzero(t)]
    floats = [k for k, c in enumerate(carry) if is_float_dtype(get_aval(c).dtype)]
    if not nz and not any(nonzero(ct[k]) for k in floats):
        outs = while_p.bind(*primals, cond_fn=cond_fn, body_fn=body_fn, n_cond=n_cond,
                            n_body=n_body)
        return outs, lambda: [Zero.like(p) for p in outs]
    diff = nz + [n_body + k for k in floats]
    fwd_fn, linear, sources = linearize_step(
        body_fn.program, [get_aval(x) for x in (*bc, *carry)], diff, floats, "while_body")
    n_res = len(sources)
    lin_fn = Compiled(linear, np, "while_linear")
    trans_fn = transpose_program(linear, range(n_res), "while_body")
    outs = while_residuals_p.bind(*cc, *bc, *carry, cond_fn=cond_fn, fwd_fn=fwd_fn,
                                  n_cond=n_cond, n_fwd=n_body)
    carry_out, tape = list(outs[:-1]), outs[-1]
    t_in = [bt[i] for i in nz] + [instantiate(Zero.like(carry[k]) if ct[k] is None else ct[k])
                                  for k in floats]

    def tangents_out():  # on the tangent recorder
        t_out = while_linear_p.bind(tape, *t_in, lin_fn=lin_fn, trans_fn=trans_fn,
                                    n_const=len(nz))
        tangent_of = dict(zip(floats, t_out))
        return [tangent_of.get(k, Zero.like(p)) for k, p in enumerate(carry_out)]
    return carry_out, tangents_out


while_p.linearize = _linearize_while


def _batch_fn(fn, n_res, res_batched, size):
    """``fn`` (a compiled program of residuals then tangents) vectorized over its tangents
    (and over its residuals if ``res_batched``), every output batched."""
    ins = fn.program.invars
    in_axes = tuple([0 if res_batched else None] * n_res + [0] * (len(ins) - n_res))
    avals = [ShapedArray(((size,) if a == 0 else ()) + v.aval.shape, v.aval.dtype)
             for v, a in zip(ins, in_axes)]
    # A program output can be a symbolic zero (the cotangent of a carry entry without
    # derivative, say one under stop_gradient); vmap needs arrays.
    program, _ = trace_to_program(
        lambda *xs: vmap(lambda *a: [instantiate(o) for o in eval_program(fn.program, a)],
                         in_axes=in_axes, axis_size=size)(*xs), avals, name="while (vmap)")
    program.invars = program.const_vars + program.invars
    return Compiled(program, fn.xp, f"vmapped_{fn.fn.__name__}")


def _linear_batch(size, vals, dims, lin_fn, trans_fn, n_const, masked=False, *, prim):
    tape, rest = vals[0], vals[1:]
    if masked and dims[0] is not None:
        raise TypeError(_NO_BATCH.format(name=f"{prim.name} under nested vmaps"))
    rest = [broadcast_batch(v, size) if d is None else v for v, d in zip(rest, dims[1:])]
    n_res = len(lin_fn.program.invars) - n_const - len(lin_fn.program.outvars)
    # A batched tape comes from the batch rule of while_residuals: its residuals are all
    # batched and each entry ends with the mask of the examples still running.
    batched_tape = dims[0] is not None
    outs = prim.bind(tape, *rest, lin_fn=_batch_fn(lin_fn, n_res, batched_tape, size),
                     trans_fn=_batch_fn(trans_fn, n_res, batched_tape, size),
                     n_const=n_const, masked=masked or batched_tape)
    return outs, [0] * len(outs)


while_linear_p.batch = lambda size, vals, dims, **params: _linear_batch(
    size, vals, dims, prim=while_linear_p, **params)
while_linear_transpose_p.batch = lambda size, vals, dims, **params: _linear_batch(
    size, vals, dims, prim=while_linear_transpose_p, **params)

_NO_BATCH = (
    "vmap of the reverse-mode derivative of a while_loop traced under jit ({name}) is not "
    "supported: vmap the function without jit (vmap(grad(f)) runs the loops eagerly), or jit "
    "each example's gradient (jit(grad(f)))")


def _residuals_batch(size, vals, dims, cond_fn, fwd_fn, n_cond, n_fwd):
    """Run until every example is done; the examples that are done keep their carry, and
    each tape entry gets the mask of the examples still running (so the linear loops leave
    the others alone)."""
    cc, fc, carry = split(vals, n_cond, n_fwd)
    ccd, fcd, cd = split(dims, n_cond, n_fwd)
    carry = [broadcast_batch(c, size) if d is None else c for c, d in zip(carry, cd)]
    n = len(carry)

    def pred(c):
        p = vmap(lambda a, b: eval_program(cond_fn.program, [*a, *b])[0],
                 in_axes=(list(ccd), [0] * n), axis_size=size)(list(cc), list(c))
        return p

    def fwd(*c):
        outs = vmap(lambda a, b: eval_program(fwd_fn.program, [*a, *b]),
                    in_axes=(list(fcd), [0] * n), axis_size=size)(list(fc), list(c))
        p = pred(c)
        new = [lax.select(expand_pred(p, o), o, old) for o, old in zip(outs[:n], c)]
        return [*new, *outs[n:], p]

    cond_c = stage_branch(lambda *c: lax.reduce_or(pred(c), (0,)), carry)
    fwd_c = stage_branch(fwd, carry)
    outs = while_residuals_p.bind(*cond_c[2], *fwd_c[2], *carry, cond_fn=cond_c[0],
                                  fwd_fn=fwd_c[0], n_cond=len(cond_c[2]),
                                  n_fwd=len(fwd_c[2]))
    return outs, [0] * len(outs)


while_residuals_p.batch = _residuals_batch
