"""Structured control flow: ``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``,
``map`` (``checkpoint`` lives in ``checkpoint.py``).

chainrule evaluates primal values eagerly under ``grad``/``jvp``, so whenever a predicate
is known the chosen branch simply runs, and loops run as Python loops: every transform sees
ordinary operations, and a ``while_loop`` is reverse-differentiable (each iteration's
residuals are recorded as it runs).  Under ``vmap`` a batched predicate evaluates both
branches and selects per example; a batched loop condition keeps iterating, freezing the
examples that are done.  Under ``jit`` a predicate is abstract: ``cond``/``switch`` become a
primitive that runs only the chosen compiled branch and ``while_loop`` a primitive that
loops over the compiled body (its derivative and batch rules for abstract values are in
``while_loop.py``), and ``scan`` (and ``fori_loop`` with static bounds) the ``scan``
primitive, whose body is traced once (``scan.py``).

This module holds ``cond``/``switch`` and the ``switch`` primitive, with the helpers for
staging a branch or body that ``while_loop.py`` and ``scan.py`` share."""

from __future__ import annotations

import functools
import types

import numpy as np

from .. import lax
from ..compiler.jit import Compiled, trace_to_program
from ..core import (Primitive, ShapedArray, concrete_value, current_trace, get_aval, is_tracer,
                   new_trace, trace_chain)
from ..interpreters.staging import StagingTrace
from ..ir import eval_program
from ..tree_util import tree_flatten, tree_map, tree_unflatten
from .custom import stop_gradient
from .loop_ad import types_only


def known_value(x, what=None):
    """The concrete value of ``x`` if it is known now, else None (also for a batch)."""
    value = concrete_value(x)
    if what is not None and value is not None and np.ndim(value) != 0:
        raise TypeError(f"{what} must be a scalar, got an array of shape {np.shape(value)}; "
                        "reduce it first (for example with chainrule.numpy.all or .any)")
    return value


def is_staging():
    return current_trace().stages


def staged_by_jit():
    """Whether ``jit`` (or ``make_ir``) is staging the current computation, perhaps under
    other transforms.  A loop is then staged once, whatever its state: the body may close
    over abstract values even when the loop's own operands are constants."""
    return any(t.stages_calls for t in trace_chain())


def _output_type(out):
    """The pytree structure of ``out`` and the abstract values of its leaves."""
    leaves, tree = tree_flatten(out)
    return tree, [get_aval(x) for x in leaves]


def _abstract_output_type(fun, operands):
    """The output type of ``fun(*operands)``, traced on abstract values; None if ``fun``
    needs concrete values (Python control flow on them, say), which a branch that runs
    eagerly may.  Loops on constants in ``fun`` are not run (see ``bind_loop``)."""
    trace = StagingTrace(current_trace(), name="branch (output types)")
    token = types_only.set(trace)
    try:
        leaves, tree = tree_flatten(tuple(operands))
        ins = [trace.new_input(get_aval(x)) for x in leaves]
        with new_trace(trace):
            out_leaves, out_tree = tree_flatten(fun(*tree_unflatten(tree, ins)))
        return out_tree, [get_aval(x) for x in out_leaves]
    except Exception:  # noqa: BLE001 - only the check is skipped; the branch is not run
        return None
    finally:
        types_only.reset(token)


def _check_branch_types(what, names, out_types):
    """Raise if the branches' output types differ.  A Python number (weakly typed) may
    differ in dtype: it takes the other's, as in NumPy and JAX."""
    out_types = [(n, t) for n, t in zip(names, out_types) if t is not None]
    if len(out_types) < 2:
        return
    (first, (ref_tree, ref_avals)), fix = out_types[0], (
        "All branches must return the same structure, shapes and dtypes; make them agree "
        "(for example with .astype(...), cnp.broadcast_to or cnp.zeros_like).")
    for name, (tree, avals) in out_types[1:]:
        if tree != ref_tree:
            raise TypeError(f"{what}: {first} returns the structure {ref_tree} but {name} "
                            f"returns {tree}. {fix}")
        for leaf, a, b in zip(tree_leaf_names(tree, "output"), ref_avals, avals):
            if a.shape != b.shape or (a.dtype != b.dtype and not (a.weak_type or b.weak_type)):
                where = "" if leaf == "output" else f" for {leaf}"
                raise TypeError(f"{what}: {first} returns {a} but {name} returns {b}{where}. "
                                f"{fix}")


def _joined(avals):
    """The type of ``select`` of values of these types (the same shape; weak types join)."""
    strong = [a for a in avals if not a.weak_type]
    if strong:
        return ShapedArray(strong[0].shape, strong[0].dtype)
    return ShapedArray(avals[0].shape, np.result_type(*[a.dtype for a in avals]), True)


# --- cond / switch -------------------------------------------------------------------------
def stage_branch(fun, operands):
    leaves, tree = tree_flatten(tuple(operands))
    program, out_tree = trace_to_program(lambda *xs: fun(*tree_unflatten(tree, list(xs))),
                                         [get_aval(x) for x in leaves], name="branch")
    program.invars = program.const_vars + program.invars
    return Compiled(program, np, "branch"), out_tree, list(program.const_vals), leaves


switch_p = Primitive("switch")
switch_p.multiple_results = True
switch_p.higher_order = True


def _switch_impl(xp, index, *args, branches, n_consts):
    k = min(max(int(index), 0), len(branches) - 1)  # clamped as lax.switch; np.clip costs µs
    start = sum(n_consts[:k])
    consts = args[start:start + n_consts[k]]
    return branches[k].on(xp)(*consts, *args[sum(n_consts):])


switch_p.impl = _switch_impl


def _switch_expand(index, *args, branches, n_consts):
    # Differentiating a compiled switch from outside: its index is known now.
    known = known_value(index)
    if known is None:
        raise TypeError("differentiating a cond/switch inside jit under a transform with an "
                        "index traced by jit is not supported; differentiate outside jit")
    k = int(np.clip(known, 0, len(branches) - 1))
    start = sum(n_consts[:k])
    return eval_program(branches[k].program,
                        [*args[start:start + n_consts[k]], *args[sum(n_consts):]])


switch_p.expand = _switch_expand
switch_p.abstract_eval = lambda *avals, branches, n_consts: [
    v.aval for v in branches[0].program.outvars]


def switch(index, branches, *operands):
    """Apply ``branches[index](*operands)``; ``index`` is clamped to the valid range.

    Every branch must return the same structure, shapes and dtypes (checked also when the
    index is known and only one branch runs).

    Examples
    --------
    >>> import chainrule.lax as lax
    >>> lax.switch(1, [lambda x: x + 1, lambda x: x * 10], 2.0)
    20.0
    """
    branches = list(branches)
    if not branches:
        raise ValueError("switch needs at least one branch")
    return _switch(index, branches, operands, "switch",
                   [f"branches[{k}]" for k in range(len(branches))])


def _switch(index, branches, operands, what, names):
    known = known_value(index, f"{what}: the {'index' if what == 'switch' else 'predicate'}")
    if known is not None:
        k = int(np.clip(known, 0, len(branches) - 1))
        out = branches[k](*operands)
        if len(branches) > 1:
            out_types = [_output_type(out) if j == k else _abstract_output_type(b, operands)
                     for j, b in enumerate(branches)]
            _check_branch_types(what, names, out_types)
        return out
    if is_staging():
        staged = [stage_branch(b, operands) for b in branches]
        out_types = [(s[1], [v.aval for v in s[0].program.outvars]) for s in staged]
        _check_branch_types(what, names, out_types)
        joined = [_joined(avals) for avals in zip(*[t[1] for t in out_types])]
        for k, (b, (_, avals)) in enumerate(zip(branches, out_types)):
            if avals != joined:  # a Python number meets an array: take the array's dtype
                staged[k] = stage_branch(
                    lambda *xs, b=b: tree_map(lambda v, a: lax.convert_element_type(
                        v, a.dtype), b(*xs), tree_unflatten(out_types[0][0], joined)), operands)
        outs = switch_p.bind(index, *[c for s in staged for c in s[2]], *staged[0][3],
                             branches=tuple(s[0] for s in staged),
                             n_consts=tuple(len(s[2]) for s in staged))
        return tree_unflatten(staged[0][1], outs)
    # The index varies over a vmap batch or is only known abstractly (inside jit, under a
    # derivative): every branch runs and the outputs are selected per element.
    index = lax.convert_element_type(index, np.int64)
    last = len(branches) - 1
    taken = [lax.le(index, 0) if k == 0 else lax.ge(index, last) if k == last
             else lax.eq(index, k) for k in range(last + 1)]
    outs = []
    for b, t in zip(branches, taken):
        mask = _derivative_mask(t)
        outs.append(_masked_closure(b, mask)(*tree_map(mask, operands)))
    _check_branch_types(what, names, [_output_type(o) for o in outs])
    result = outs[-1]
    for k in range(last - 1, -1, -1):
        result = tree_map(lambda a, b, c=taken[k]: lax.select(c, a, b), outs[k], result)
    return result


def _derivative_mask(taken):
    """A function that keeps a value and zeroes its derivatives (of every order) where
    ``taken`` is false.

    A branch not taken still runs on those elements, and its partial derivatives there
    may be infinite (``sqrt`` at 0) or NaN; selecting its outputs discards its values and
    its forward-mode tangents, but in reverse mode the zero cotangent of the discarded
    elements would meet those partials (``0 * inf = nan``).  Masking the branch's inputs
    puts a ``select`` after them in every backward pass, which drops such values."""
    def mask(x):
        if not is_tracer(x) or get_aval(x).dtype.kind not in "fc":
            return x  # constants and integers carry no derivative
        return lax.select(expand_pred(taken, x), x, stop_gradient(x))
    return mask


def _masked_closure(fun, mask, depth=0):
    """``fun`` with the traced values it closes over (closure cells, defaults, arguments of
    a ``functools.partial``, looking into the functions it captures) passed through
    ``mask``; ``fun`` itself if it captures none.  Values held by other objects (a bound
    method's ``self``) are left as they are."""
    if depth > 3:
        return fun
    if isinstance(fun, functools.partial):
        func = _masked_closure(fun.func, mask, depth + 1)
        args = [_masked_value(a, mask, depth) for a in fun.args]
        kwargs = {k: _masked_value(v, mask, depth) for k, v in fun.keywords.items()}
        if func is fun.func and all(a is b for a, b in zip(args, fun.args)) and all(
                kwargs[k] is v for k, v in fun.keywords.items()):
            return fun
        return functools.partial(func, *args, **kwargs)
    if not isinstance(fun, types.FunctionType):
        return fun
    cells, changed = [], False
    for cell in fun.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            cells.append(cell)
            continue
        new = _masked_value(value, mask, depth)
        changed = changed or new is not value
        cells.append(cell if new is value else types.CellType(new))
    defaults = fun.__defaults__
    if defaults:
        new_defaults = tuple(_masked_value(v, mask, depth) for v in defaults)
        if any(a is not b for a, b in zip(new_defaults, defaults)):
            defaults, changed = new_defaults, True
    if not changed:
        return fun
    masked = types.FunctionType(fun.__code__, fun.__globals__, fun.__name__, defaults,
                                tuple(cells) if fun.__closure__ else None)
    masked.__kwdefaults__ = fun.__kwdefaults__
    return masked


def _masked_value(value, mask, depth):
    if is_tracer(value):
        return mask(value)
    if isinstance(value, (types.FunctionType, functools.partial)):
        return _masked_closure(value, mask, depth + 1)
    if isinstance(value, (tuple, list, dict)):
        leaves, tree = tree_flatten(value)
        if any(is_tracer(x) for x in leaves):
            return tree_unflatten(tree, [mask(x) for x in leaves])
    return value


def cond(pred, true_fun, false_fun, *operands):
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    Both functions must return the same structure, shapes and dtypes (checked also when
    ``pred`` is known and only one of them runs).

    Examples
    --------
    >>> import chainrule.lax as lax
    >>> lax.cond(3.0 > 2.0, lambda x: x * 2, lambda x: -x, 5.0)
    10.0
    """
    if known_value(pred, "cond: the predicate") is None:
        pred = lax.convert_element_type(pred, np.int64)
    return _switch(pred, [false_fun, true_fun], operands, "cond", ["false_fun", "true_fun"])


def expand_pred(pred, like):
    extra = get_aval(like).ndim - get_aval(pred).ndim
    return lax.reshape(pred, get_aval(pred).shape + (1,) * extra) if extra > 0 else pred


def tree_leaf_names(tree, prefix):
    """Python-like names of the leaves of ``tree`` (``carry[0]['w']``), in order."""
    if tree.kind is None:
        return [prefix]
    if tree.kind is dict:
        names = [f"{prefix}[{k!r}]" for k in tree.aux]
    elif tree.kind == "namedtuple":
        names = [f"{prefix}.{k}" for k in tree.aux._fields]
    else:
        names = [f"{prefix}[{i}]" for i in range(len(tree.children))]
    return [leaf for child, name in zip(tree.children, names)
            for leaf in tree_leaf_names(child, name)]
