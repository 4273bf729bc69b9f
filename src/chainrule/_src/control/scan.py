"""``scan`` and ``fori_loop``, and the ``scan`` primitive: a loop with a static number of steps
whose body is staged once.

Where a scan's values are only known abstractly (under ``jit``, alone or under other
transforms) ``lax.scan`` binds this primitive instead of unrolling the loop, so tracing and
compiling cost one body whatever the length.  Its rules:

- ``impl`` loops over the compiled body and stacks the per-step outputs;
- ``expand`` (differentiation traces try it first): with concrete values the loop runs
  step by step on the differentiating trace;
- with abstract values, ``jvp`` (forward mode) is a scan over (primal, tangent) pairs, and
  ``linearize`` (reverse mode) splits the scan in a primal scan whose per-step outputs
  include the residuals of the linearized body (stacked, as ordinary arrays) and a tangent
  scan that is linear in the tangents;
- ``transpose`` (for a scan linear in some operands, as the tangent scan is): a scan in the
  opposite direction over the transposed body, which accumulates the cotangents of the
  loop-invariant linear operands in its carry;
- ``batch``: the body vectorized, with the batch axis of the scanned operands moved behind
  the scan axis.

Every one of these produces ``scan`` primitives again, so the rules compose to any order.
"""

from __future__ import annotations

import numpy as np

from .. import lax
from ..compiler.jit import Compiled, trace_to_program
from ..core import (Primitive, ShapedArray, Zero, astype, concrete_value, get_aval, instantiate,
                    is_float_dtype)
from ..interpreters.staging import TracerBoolConversionError
from ..ir import Program, eval_program
from ..transforms.api import jvp
from ..tree_util import tree_flatten, tree_unflatten
from .cond import known_value, tree_leaf_names, staged_by_jit
from .loop_ad import (batched_eval, bind_loop, broadcast_batch, linearize_step, nonzero,
                      split, transpose_eval)
from .while_loop import while_loop

scan_p = Primitive("scan", multiple_results=True)
scan_p.higher_order = True


def _y_avals(body, n_carry):
    return [a.aval for a in body.program.outvars[n_carry:]]


def _scan_impl(xp, *args, body, n_consts, n_carry, length, reverse, linear):
    consts, carry, xs = split(args, n_consts, n_carry)
    y_avals = _y_avals(body, n_carry)
    body = body.on(xp)
    # Each step's outputs are written into arrays allocated up front (stacking them at the
    # end would hold every output twice); libraries without item assignment stack.
    in_place = xp is np or getattr(xp, "__name__", "") == "cupy"
    ys = [xp.empty((length,) + a.shape, a.dtype) for a in y_avals] if in_place else None
    steps = []
    for i in (range(length - 1, -1, -1) if reverse else range(length)):
        outs = body(*consts, *carry, *[x[i, ...] for x in xs])
        carry = outs[:n_carry]
        if in_place:
            for y, out in zip(ys, outs[n_carry:]):
                y[i] = out
        else:
            steps.append(outs[n_carry:])
    if not in_place:
        if reverse:
            steps.reverse()
        ys = [astype(xp, xp.stack([s[k] for s in steps]), a.dtype) if steps
              else xp.zeros((0,) + a.shape, a.dtype) for k, a in enumerate(y_avals)]
    return [*carry, *ys]


def _scan_abstract_eval(*avals, body, n_consts, n_carry, length, reverse, linear):
    outs = body.program.outvars
    return ([a.aval for a in outs[:n_carry]]
            + [ShapedArray((length,) + a.shape, a.dtype) for a in _y_avals(body, n_carry)])


scan_p.impl = _scan_impl
scan_p.abstract_eval = _scan_abstract_eval


def _compile(program, name):
    lifted = getattr(program, "const_vars", [])
    program.invars = lifted + program.invars
    return Compiled(program, np, name), list(getattr(program, "const_vals", []))


# --- staging lax.scan -----------------------------------------------------------------------
def scan_call(f, init, x_leaves, x_tree, length, reverse,
              unroll_on=(TracerBoolConversionError,)):
    """The operands and parameters of one ``scan`` primitive for ``lax.scan(f, ...)``, and
    the output trees; None where the loop must be unrolled instead (no steps, Python control
    flow on the per-step values (an error in ``unroll_on`` while staging the body), or a
    carry whose type changes from one step to the next: a weakly typed initial value that
    takes the dtype it meets, which NumPy semantics allow, or an error that the unrolled
    loop reports)."""
    if length == 0:
        return None
    init_leaves, init_tree = tree_flatten(init)
    n_carry = len(init_leaves)
    carry_avals = [get_aval(c) for c in init_leaves]
    x_avals = [ShapedArray(a.shape[1:], a.dtype, a.weak_type)
               for a in map(get_aval, x_leaves)]
    trees = {}

    def body(*flat):
        carry = tree_unflatten(init_tree, list(flat[:n_carry]))
        x = tree_unflatten(x_tree, list(flat[n_carry:]))
        c, y = f(carry, x)
        c_leaves, trees["carry"] = tree_flatten(c)
        y_leaves, trees["y"] = tree_flatten(y)
        return [*c_leaves, *y_leaves]

    try:
        program, _ = trace_to_program(body, carry_avals + x_avals, name="scan body")
    except unroll_on:
        return None
    outs = program.outvars[:n_carry]
    if trees["carry"] != init_tree or any(
            (o.aval.shape, o.aval.dtype) != (a.shape, a.dtype) for o, a in zip(outs, carry_avals)):
        return None
    compiled, consts = _compile(program, "scan_body")
    operands = [*consts, *init_leaves, *x_leaves]
    params = {"body": compiled, "n_consts": len(consts), "n_carry": n_carry, "length": length,
              "reverse": reverse, "linear": (False,) * len(operands)}
    return operands, params, init_tree, trees["y"]


def staged_scan(f, init, x_leaves, x_tree, length, reverse, **options):
    """``lax.scan`` as one ``scan`` primitive (see :func:`scan_call`), or None."""
    call = scan_call(f, init, x_leaves, x_tree, length, reverse, **options)
    if call is None:
        return None
    operands, params, carry_tree, y_tree = call
    outs = bind_loop(scan_p, operands, params)
    n_carry = params["n_carry"]
    return tree_unflatten(carry_tree, outs[:n_carry]), tree_unflatten(y_tree, outs[n_carry:])


# --- differentiation ------------------------------------------------------------------------
def _scan_loop(args, body, n_consts, n_carry, length, reverse):
    """The loop step by step on the current trace (concrete values)."""
    consts, carry, xs = split(args, n_consts, n_carry)
    steps = []
    for i in (range(length - 1, -1, -1) if reverse else range(length)):
        outs = eval_program(body.program, [*consts, *carry, *[lax.getitem(x, i) for x in xs]])
        carry = outs[:n_carry]
        steps.append(outs[n_carry:])
    if reverse:
        steps.reverse()
    ys = [lax.concatenate([lax.expand_dims(s[k], (0,)) for s in steps], 0) if steps
          else np.zeros((0,) + a.shape, a.dtype)
          for k, a in enumerate(_y_avals(body, n_carry))]
    return [*carry, *ys]


def _scan_expand(*args, body, n_consts, n_carry, length, reverse, linear):
    if length == 0 or all(concrete_value(x) is not None for x in args):
        return _scan_loop(args, body, n_consts, n_carry, length, reverse)
    return NotImplemented  # abstract values: the rules below


scan_p.expand = _scan_expand


def _jvp_scan(primals, tangents, body, n_consts, n_carry, length, reverse, linear):
    consts, carry, xs = split(primals, n_consts, n_carry)
    tc, tcarry, tx = split(tangents, n_consts, n_carry)
    nzc = [i for i, t in enumerate(tc) if nonzero(t)]
    nzx = [j for j, t in enumerate(tx) if nonzero(t)]
    tcarry = [instantiate(Zero.like(p) if t is None else t) for p, t in zip(carry, tcarry)]

    def step(c, x):
        (cp, ct), (xv, xt) = c, x

        def g(*d):
            full_c = list(consts)
            for i, v in zip(nzc, d):
                full_c[i] = v
            d = d[len(nzc):]
            full_x = list(xv)
            for j, v in zip(nzx, d[n_carry:]):
                full_x[j] = v
            return eval_program(body.program, [*full_c, *d[:n_carry], *full_x])
        po, to = jvp(g, (*[consts[i] for i in nzc], *cp, *[xv[j] for j in nzx]),
                     (*[tc[i] for i in nzc], *ct, *xt))
        # Keep each carried tangent's dtype (a weakly typed zero could otherwise change it).
        to_c = [a if get_aval(a).dtype == get_aval(b).dtype else
                lax.convert_element_type(a, get_aval(b).dtype) for a, b in zip(to, ct)]
        return (list(po[:n_carry]), to_c), (list(po[n_carry:]), list(to[n_carry:]))

    (c_out, t_out), (ys, yts) = scan(step, (list(carry), tcarry),
                                     (list(xs), [tx[j] for j in nzx]), length=length,
                                     reverse=reverse)
    return [*c_out, *ys], [*t_out, *yts]


scan_p.jvp = _jvp_scan


def _linearize_scan(primals, tangents, body, n_consts, n_carry, length, reverse, linear):
    """Reverse mode (see ``Primitive.linearize``): a primal scan whose per-step outputs
    include the residuals, then a tangent scan linear in the tangents."""
    args = primals
    consts, carry, xs = split(primals, n_consts, n_carry)
    tc, tcarry, tx = split(tangents, n_consts, n_carry)
    nzc = [i for i, t in enumerate(tc) if nonzero(t)]
    nzx = [j for j, t in enumerate(tx) if nonzero(t)]
    floats = [k for k, c in enumerate(carry) if is_float_dtype(get_aval(c).dtype)]
    y_avals = _y_avals(body, n_carry)
    y_floats = [m for m, a in enumerate(y_avals) if is_float_dtype(a.dtype)]
    if not nzc and not nzx and not any(nonzero(tcarry[k]) for k in floats):
        outs = scan_p.bind(*primals, body=body, n_consts=n_consts, n_carry=n_carry,
                           length=length, reverse=reverse, linear=(False,) * len(args))
        return outs, lambda: [Zero.like(p) for p in outs]
    x_avals = [ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype) for x in xs]
    avals = [get_aval(c) for c in (*consts, *carry)] + x_avals
    diff = nzc + [n_consts + k for k in floats] + [n_consts + n_carry + j for j in nzx]
    keep = floats + [n_carry + m for m in y_floats]
    fwd_fn, linear, sources = linearize_step(body.program, avals, diff, keep, "scan_body")
    # Residuals that are operands of the scan are not stacked: a loop-invariant operand
    # is passed to the tangent scan once, a scanned one is sliced from its operand.
    n_out = n_carry + len(y_avals)
    stacked = [r for r, s in enumerate(sources) if s is None or n_consts <= s < n_consts
               + n_carry]
    fwd_program = fwd_fn.program
    fwd_body, _ = _compile(Program(list(fwd_program.invars), list(fwd_program.eqns),
                                   list(fwd_program.outvars[:n_out])
                                   + [fwd_program.outvars[n_out + r] for r in stacked]),
                           "scan_forward")
    outs = scan_p.bind(*consts, *carry, *xs, body=fwd_body, n_consts=n_consts,
                       n_carry=n_carry, length=length, reverse=reverse,
                       linear=(False,) * len(args))
    carry_out, ys, res_stacked = split(outs, n_carry, len(y_avals))
    res_consts, res_scanned, res_vars_c, res_vars_x = [], [], [], []
    stacked_vals = dict(zip(stacked, res_stacked))
    for r, (s, v) in enumerate(zip(sources, linear.invars)):
        if s is not None and s < n_consts:
            res_consts.append(consts[s])
            res_vars_c.append(v)
        elif s is not None and s >= n_consts + n_carry:
            res_scanned.append(xs[s - n_consts - n_carry])
            res_vars_x.append(v)
        else:
            res_scanned.append(stacked_vals[r])
            res_vars_x.append(v)
    n_res = len(sources)
    t_vars = linear.invars[n_res:]
    tv_c, tv_carry, tv_x = split(t_vars, len(nzc), len(floats))
    lin_body, _ = _compile(Program([*res_vars_c, *tv_c, *tv_carry, *res_vars_x, *tv_x],
                                   list(linear.eqns), list(linear.outvars)), "scan_linear")
    t_in = ([tc[i] for i in nzc]
            + [instantiate(Zero.like(carry[k]) if tcarry[k] is None else tcarry[k])
               for k in floats] + [tx[j] for j in nzx])
    t_c, t_carry, t_x = split(t_in, len(nzc), len(floats))
    flags = ((False,) * len(res_consts) + (True,) * (len(nzc) + len(floats))
             + (False,) * len(res_scanned) + (True,) * len(nzx))
    primal_out = [*carry_out, *ys]

    def tangents_out():  # on the tangent recorder
        t_out = scan_p.bind(*res_consts, *t_c, *t_carry, *res_scanned, *t_x, body=lin_body,
                            n_consts=len(res_consts) + len(nzc), n_carry=len(floats),
                            length=length, reverse=reverse, linear=flags)
        tangent_of = dict(zip(floats + [n_carry + m for m in y_floats], t_out))
        return [tangent_of.get(k, Zero.like(p)) for k, p in enumerate(primal_out)]
    return primal_out, tangents_out


scan_p.linearize = _linearize_scan


def _scan_transpose(cts, *args, body, n_consts, n_carry, length, reverse, linear):
    consts, carry, xs = split(args, n_consts, n_carry)
    lc, lcarry, lx = split(linear, n_consts, n_carry)
    if not all(lcarry):
        raise TypeError("scan: transposing a scan whose carry is not linear; this is a bug in "
                        "chainrule, please report it")
    cts = [np.zeros(c.aval.shape, c.aval.dtype) if type(c) is Zero else c for c in cts]
    ct_carry, ct_ys = cts[:n_carry], cts[n_carry:]
    nl_c = [i for i, f in enumerate(lc) if not f]
    l_c = [i for i, f in enumerate(lc) if f]
    nl_x = [j for j, f in enumerate(lx) if not f]
    l_x = [j for j, f in enumerate(lx) if f]
    nonlinear = nl_c + [n_consts + n_carry + j for j in nl_x]
    invars = body.program.invars
    n_y = len(ct_ys)

    def transposed_step(*v):
        nlc, acc, ctc, nlx, cty = split(v, len(nl_c), len(l_c), n_carry, len(nl_x))
        out = transpose_eval(body.program, nonlinear, [*nlc, *nlx], [*ctc, *cty])
        ct_lc, ct_c, ct_lx = split(out, len(l_c), n_carry)
        return [*[lax.add(a, b) for a, b in zip(acc, ct_lc)], *ct_c, *ct_lx]

    avals = ([invars[i].aval for i in nl_c] + [invars[i].aval for i in l_c]
             + [invars[n_consts + k].aval for k in range(n_carry)]
             + [invars[n_consts + n_carry + j].aval for j in nl_x]
             + [a.aval for a in body.program.outvars[n_carry:]])
    program, _ = trace_to_program(transposed_step, avals, name="scan body (transposed)")
    t_body, lifted = _compile(program, "scan_transposed")
    acc0 = [np.zeros(invars[i].aval.shape, invars[i].aval.dtype) for i in l_c]
    flags = ((False,) * (len(lifted) + len(nl_c)) + (True,) * (len(l_c) + n_carry)
             + (False,) * len(nl_x) + (True,) * n_y)
    outs = scan_p.bind(*lifted, *[consts[i] for i in nl_c], *acc0, *ct_carry,
                       *[xs[j] for j in nl_x], *ct_ys, body=t_body,
                       n_consts=len(lifted) + len(nl_c), n_carry=len(l_c) + n_carry,
                       length=length, reverse=not reverse, linear=flags)
    acc, ct_c0, ct_lx = split(outs, len(l_c), n_carry)
    result = [None] * len(args)
    for i, a in zip(l_c, acc):
        result[i] = a
    for k, c in enumerate(ct_c0):
        result[n_consts + k] = c
    for j, c in zip(l_x, ct_lx):
        result[n_consts + n_carry + j] = c
    return result


scan_p.transpose = _scan_transpose


# --- batching -------------------------------------------------------------------------------
def _scan_batch(size, vals, dims, body, n_consts, n_carry, length, reverse, linear):
    consts, carry, xs = split(vals, n_consts, n_carry)
    cd, init_dims, xd = split(dims, n_consts, n_carry)
    # The scan axis stays first: a batched scanned operand gets its batch axis second, so
    # each step's slice has it first.
    xs = [lax.transpose(x, (1, 0) + tuple(range(2, get_aval(x).ndim))) if d is not None
          else x for x, d in zip(xs, xd)]
    x_dims = [None if d is None else 0 for d in xd]
    x_avals = [ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype) for x in xs]
    base = [get_aval(c).shape[1:] if d is not None else get_aval(c).shape
            for c, d in zip(carry, init_dims)]
    dtypes = [get_aval(c).dtype for c in carry]
    const_avals = [get_aval(c) for c in consts]

    def carry_avals(card):
        return [ShapedArray(((size,) if d == 0 else ()) + b, t)
                for d, b, t in zip(card, base, dtypes)]

    # A carry varies over the batch if it starts so or the body makes it so: stage the
    # step until nothing changes.
    card = [None if d is None else 0 for d in init_dims]
    while True:
        found = {}

        def probe(*v, card=card):
            outs, found["dims"] = batched_eval(body.program, v, [*cd, *card, *x_dims], size)
            return outs
        trace_to_program(probe, const_avals + carry_avals(card) + x_avals,
                         name="scan (vmap)")
        new = [0 if d is not None or o is not None else None
               for d, o in zip(card, found["dims"][:n_carry])]
        if new == card:
            break
        card = new
    carry = [broadcast_batch(c, size) if d == 0 and i is None else c
             for c, d, i in zip(carry, card, init_dims)]
    y_dims = found["dims"][n_carry:]

    def step(*v):
        outs, od = batched_eval(body.program, v, [*cd, *card, *x_dims], size)
        return [broadcast_batch(o, size) if k < n_carry and card[k] == 0 and d is None else o
                for k, (o, d) in enumerate(zip(outs, od))]

    program, _ = trace_to_program(step, const_avals + carry_avals(card) + x_avals,
                                  name="scan body (vmap)")
    b_body, lifted = _compile(program, "scan_body_vmapped")
    outs = scan_p.bind(*lifted, *consts, *carry, *xs, body=b_body,
                       n_consts=len(lifted) + n_consts, n_carry=n_carry, length=length,
                       reverse=reverse, linear=(False,) * len(lifted) + tuple(linear))
    carry_out, ys = outs[:n_carry], outs[n_carry:]
    # Stacked outputs have the scan axis first; the batch axis goes back to the front.
    ys = [lax.transpose(y, (1, 0) + tuple(range(2, get_aval(y).ndim))) if d is not None else y
          for y, d in zip(ys, y_dims)]
    return [*carry_out, *ys], [*card, *[None if d is None else 0 for d in y_dims]]


scan_p.batch = _scan_batch


# --- scan and fori_loop ---------------------------------------------------------------------
def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
    """``for i in range(lower, upper): val = body_fun(i, val)`` with static bounds.

    Differentiates like ``scan``; under ``jit`` it is a ``scan`` over the indices (its body
    traced once) unless the body needs the index as a Python int, then it is unrolled.
    ``unroll`` is as in :func:`scan`.

    Examples
    --------
    >>> import chainrule.lax as lax
    >>> lax.fori_loop(0, 4, lambda i, v: v + i, 0.0)
    6.0
    """
    lo, hi = known_value(lower), known_value(upper)
    unrolled = _unrolled(unroll, None if hi is None or lo is None else int(hi) - int(lo),
                         "fori_loop")
    if lo is None or hi is None:
        return while_loop(lambda c: c[0] < upper, lambda c: (c[0] + 1, body_fun(c[0], c[1])),
                          (lower, init_val))[1]
    lo, hi = int(lo), int(hi)
    if hi - lo > 1 and not unrolled and staged_by_jit():
        # Traced by jit: one ``scan`` primitive over the indices.  The body then sees the
        # index as a traced int64; a body that needs a Python int (``range(i)``, a slice
        # bound, an ``if`` on it), or whose carry the int64 index would promote (float32),
        # is unrolled as before.
        index = np.arange(lo, hi)
        staged = staged_scan(lambda c, i: (body_fun(i, c), None), init_val, [index],
                             tree_flatten(index)[1], hi - lo, False,
                             unroll_on=(TypeError, IndexError, ValueError))
        if staged is not None:
            return staged[0]
    val = init_val
    init_leaves, init_tree = tree_flatten(init_val)
    for i in range(lo, hi):
        val = body_fun(i, val)
        _check_carry(init_leaves, init_tree, val, "fori_loop")
    return val


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; stack the ``y``.

    Under ``jit`` the body is traced once, whatever the number of steps, and every
    transform of the loop (``grad``, ``jvp``, ``vmap``, to any order) stays a loop.
    ``unroll=True`` (or an int at least the number of steps) traces every step into the
    compiled program instead; a smaller int runs one step per iteration of the compiled
    loop (JAX would unroll that many). Results are the same in every case.

    The carry must keep its structure, shapes and dtypes from step to step (a Python number
    may take the dtype it meets). With no steps, the stacked outputs are empty arrays whose
    types come from tracing ``f`` on abstract values.

    Examples
    --------
    >>> import numpy as np, chainrule.lax as lax
    >>> lax.scan(lambda c, x: (c + x, c * x), 0.0, np.array([1.0, 2.0, 3.0]))
    (np.float64(6.0), array([0., 2., 9.]))
    """
    x_leaves, x_tree = tree_flatten(xs)
    lengths = {get_aval(x).shape[0] for x in x_leaves}
    if length is not None:
        lengths.add(length)
    if len(lengths) != 1:
        raise ValueError(f"scan: inconsistent lengths {sorted(lengths)} (the leading axes of "
                         "xs and the length argument must agree)")
    n = lengths.pop()
    if not _unrolled(unroll, n, "scan") and staged_by_jit():
        # Traced by jit: one ``scan`` primitive with the body staged once, not n copies.
        staged = staged_scan(f, init, x_leaves, x_tree, n, reverse)
        if staged is not None:
            return staged
    carry, ys = init, []
    init_leaves, init_tree = tree_flatten(init)
    if n == 0:
        return init, _empty_outputs(f, init_leaves, init_tree, x_leaves, x_tree)
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        x = tree_unflatten(x_tree, [lax.getitem(leaf, i) for leaf in x_leaves])
        carry, y = f(carry, x)
        _check_carry(init_leaves, init_tree, carry)
        ys.append(y)
    if reverse:
        ys.reverse()
    y_tree = tree_flatten(ys[0])[1]
    stacked = [lax.concatenate([lax.expand_dims(tree_flatten(y)[0][k], (0,)) for y in ys], 0)
               for k in range(y_tree.num_leaves)]
    return carry, tree_unflatten(y_tree, stacked)


def _unrolled(unroll, length, what):
    """Whether ``unroll`` (JAX's argument: a bool or a positive int) asks for every step."""
    if isinstance(unroll, (bool, np.bool_)):
        return bool(unroll)
    if unroll is None and what == "fori_loop":
        return False
    if isinstance(unroll, (int, np.integer)) and unroll >= 1:
        return length is not None and unroll >= length
    raise ValueError(f"{what}: unroll must be a bool or a positive int, got {unroll!r}")


def _empty_outputs(f, init_leaves, init_tree, x_leaves, x_tree):
    """The stacked outputs of a scan with no steps: empty arrays of the types ``f``
    returns, found by tracing it on abstract values (it is not run)."""
    n_carry, found = len(init_leaves), {}

    def step(*flat):
        carry, y = f(tree_unflatten(init_tree, list(flat[:n_carry])),
                     tree_unflatten(x_tree, list(flat[n_carry:])))
        _check_carry(init_leaves, init_tree, carry)
        y_leaves, found["tree"] = tree_flatten(y)
        return y_leaves
    x_avals = [ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype) for x in x_leaves]
    program, _ = trace_to_program(step, [get_aval(c) for c in init_leaves] + x_avals,
                                  name="scan body")
    return tree_unflatten(found["tree"], [np.zeros((0,) + v.aval.shape, v.aval.dtype)
                                          for v in program.outvars])


def _check_carry(init_leaves, init_tree, carry, what="scan"):
    """Raise if the carry returned by a loop's body is not of the initial carry's type."""
    leaves, tree = tree_flatten(carry)
    fix = ("The carry is the loop's state: it keeps its type from one step to the next. "
           "Build the initial carry with the type the body returns (for example with "
           "cnp.zeros(shape, dtype)), or cast in the body (.astype(...)).")
    if tree != init_tree:
        raise TypeError(f"{what}: the function returned a carry with structure {tree}, but "
                        f"the initial carry has structure {init_tree}. {fix}")
    for name, a, b in zip(tree_leaf_names(tree, "carry"), init_leaves, leaves):
        before, after = get_aval(a), get_aval(b)
        leaf = "the carry" if name == "carry" else f"the carry component {name}"
        if before.shape != after.shape:
            raise TypeError(f"{what}: {leaf} has shape {before.shape} "
                            f"initially but the function returned shape {after.shape} for it "
                            f"(types {before} and {after}). {fix}")
        # A Python number takes the dtype it meets (NumPy semantics): only arrays are held
        # to their dtype.
        if before.dtype != after.dtype and not before.weak_type:
            raise TypeError(f"{what}: {leaf} has dtype {before.dtype} "
                            f"initially but the function returned dtype {after.dtype} for it "
                            f"(types {before} and {after}). {fix}")
